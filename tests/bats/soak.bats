#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The soak: for SOAK_SECONDS (600 by default), applications in namespace A
# open connections to psp-responders in B, upgrade them to PSP (every
# version, IPv4 and IPv6), send data and close them every way connections
# end (FIN from either side first, RST), while both devices' keys rotate
# and reclaim runs as it does in use. Beside them, the churn: new
# connections at CHURN_RATE a second (5000; psp-churn), each upgraded,
# its data checked and closed, on devices sized for the minute of closed
# flows that wait out TIME_WAIT (some 300,000 a side). Then, once the
# last closed flows' TIME_WAIT is over, every map entry and route the
# connections took must be gone: state does not grow with the connections
# a host has seen.

load helpers
load netns

SOAK_SECONDS=${SOAK_SECONDS:-600}
CHURN_RATE=${CHURN_RATE:-5000}
WORKERS=3
PORT0=7200

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	netns_up --max-assocs 1048576
	local i
	for ((i = 0; i < WORKERS; i++)); do
		responder_up $((PORT0 + i)) || return 1
	done
}

teardown_file() {
	responders_down
	netns_down
}

# The entries of every map a flow's state lives in, and the host routes
# that lower the MTU for PSP flows, on both sides: one line each.
footprint() {
	local m ns
	for m in psp_assocs psp_rx_sa psp_tx_sa psp_rx_keys psp_tx_keys; do
		echo "$m $(bpftool -j map dump pinned "/sys/fs/bpf/psp/maps/$m" | jq length)"
	done
	for ns in "$NS_A" "$NS_B"; do
		echo "routes $ns $( (ip -n "$ns" -4 route show table all proto 80
			ip -n "$ns" -6 route show table all proto 80) | wc -l)"
	done
}

# The drop counters that are not zero, of both sides.
drops() {
	local c
	for c in rx-no-sa rx-stale rx-plain-drop rx-policy-drop tx-error tx-too-big \
		 tx-encap-error tx-no-key tx-crypto-error tx-no-sa; do
		echo "$c $(counter a $c)/$(counter b $c)"
	done | awk '$2 != "0/0" { printf "%s%s %s", n++ ? ", " : "", $1, $2 }
		END { if (!n) printf "none" }'
}

# Key rotation on both sides every 7 s, and reclaim as a host runs it
# from a timer (docs/operations.md), every 8th round, until the soak
# ends: a gc reads every TCP socket and map entry of the namespace, which
# the churn's TIME_WAIT makes hundreds of thousands.
rotate_and_reclaim() {
	local round=0
	while sleep 7; do
		ctl_a key-rotate va >/dev/null && ctl_b key-rotate vb >/dev/null || return 1
		((++round % 8)) || { ctl_a gc >/dev/null && ctl_b gc >/dev/null; } || return 1
	done
}

@test "soak: connections open, upgrade and close while keys rotate, $CHURN_RATE new ones a second beside; state returns to baseline" {
	local base i rotator churn now left rotations conns
	local -a pids
	base=$(footprint)
	rotate_and_reclaim 3>&- &
	rotator=$!
	# the churn takes what CPU is left (nice 19): as much as it can reach
	# of CHURN_RATE alone, and in make check no more than the qemu guests
	# beside leave it, as they are the longer part of the run
	nice -n 19 "$BUILD/tests/psp-churn" --ns "$NS_A,$NS_B" --dev va,vb --addr 10.88.0.1,10.88.0.2 \
		--addr6 fd88::1,fd88::2 --rate "$CHURN_RATE" --seconds "$SOAK_SECONDS" \
		>"$BATS_FILE_TMPDIR/churn.out" 2>&1 3>&- &
	churn=$!
	for ((i = 0; i < WORKERS; i++)); do
		nsenter --net="/run/netns/$NS_A" "$BUILD/tests/psp-cases" --remote 10.88.0.2 \
			--remote6 fd88::2 --port $((PORT0 + i)) --dev va --seconds "$SOAK_SECONDS" \
			soak >"$BATS_FILE_TMPDIR/worker$i.out" 2>&1 3>&- &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { cat "$BATS_FILE_TMPDIR/worker$i.out"; kill $rotator; false; }
	done
	wait $churn || { cat "$BATS_FILE_TMPDIR/churn.out"; kill $rotator; false; }
	kill $rotator
	cat "$BATS_FILE_TMPDIR"/worker*.out "$BATS_FILE_TMPDIR/churn.out"
	echo "at the end: $(footprint | tr '\n' ' ')"
	conns=$(sed -n 's/.*soak: \([0-9]*\) connections.*/\1/p' "$BATS_FILE_TMPDIR"/worker*.out |
		awk '{ n += $1 } END { print n }')
	rotations=$(counter a key-rotations)
	echo "key rotations on A: $rotations"
	[ "$rotations" -ge $((SOAK_SECONDS / 10)) ]
	echo "A: $(ctl_a -j stats va)"
	echo "B: $(ctl_b -j stats vb)"
	# every PSP packet either way authentic and well formed, and every
	# packet to seal sealed: the rare tx-error this soak used to see (one
	# packet in about a million, tx-no-key: a reclaim deleting a flow's
	# key between a packet finding its Tx association and sealing) is
	# gone since a reclaim deletes the Tx association first and the key
	# after the packets that found it (docs/architecture.md). The policy's
	# drops are reported, not asserted: now and then a bare ACK sent in
	# clear just before the upgrade is overtaken by the first PSP packet
	# and then refused, as Linux would (rx-plain-drop); TCP sends it again
	for side in a b; do
		for c in rx-auth-fail rx-error rx-bad tx-error; do
			[ "$(counter $side $c)" -eq 0 ] || fail "$side: $c $(counter $side $c)"
		done
	done
	# the flows closed last go TIME_WAIT (60 s) after their close; the
	# churn's hundreds of thousands are not worth a dump of the maps before
	sleep 55
	for ((left = 95; left > 0; left -= 5)); do
		ctl_a gc >/dev/null
		ctl_b gc >/dev/null
		now=$(footprint)
		[ "$now" = "$base" ] && break
		sleep 5
	done
	echo "back at the baseline $((150 - left)) s after the soak:"
	echo "$now"
	diff <(echo "$base") <(echo "$now")
	# the figures, in the TAP of a passing run too
	echo "# $conns connections in ${SOAK_SECONDS} s, all upgraded and checked;" \
		"$(sed -n 's/^churn: //p' "$BATS_FILE_TMPDIR/churn.out") (churn);" \
		"$rotations key rotations a side; every map and route back at the" \
		"baseline $((150 - left)) s after; drops A/B: $(drops)" >&3
}
