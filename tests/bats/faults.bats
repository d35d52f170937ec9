#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Faults while PSP traffic flows. Each test runs a transfer A -> B of
# marker lines over a PSP flow, captures both devices, injects its fault
# and then holds psp-bpf to what a user must be able to count on: no
# frame leaves either side with the marker in clear, nothing sent was
# malformed (rx-auth-fail, rx-error and rx-bad stay 0 on the receiver),
# the state passes `dev check` on both sides, and a new flow carries a
# transfer byte for byte. Whether the faulted transfer itself completes
# depends on the fault, and each test says which it expects.

load helpers
load netns

FAULT_MB=${FAULT_MB:-100}	# long enough to fault it midway

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	netns_up
	yes "PSP-PLAINTEXT-MARKER $(printf '%040d' 0)" | head -c "${FAULT_MB}M" \
		>"$BATS_FILE_TMPDIR/marked"
	yes "second transfer $(printf '%040d' 0)" | head -c 4M >"$BATS_FILE_TMPDIR/small"
}

teardown_file() {
	netns_down
}

setup() {
	T=$BATS_TEST_TMPDIR
	PORT=$((6000 + BATS_TEST_NUMBER * 10))
	PORTS=
}

# start_transfer: A -> B over a new PSP flow, captured, in the background
start_transfer() {
	PORTS+=" $PORT"
	psp_pair 10.88.0.1 $((PORT + 30000)) 10.88.0.2 $PORT
	capture "$NS_A" va "$T/a.pcap"
	capture "$NS_B" vb "$T/b.pcap"
	xfer "$NS_A" "$NS_B" 10.88.0.1 $((PORT + 30000)) 10.88.0.2 $PORT \
		"$BATS_FILE_TMPDIR/marked" "$T/out" 60 3>&- &
	XFER_PID=$!
	# running: some of it has arrived
	for _ in $(seq 100); do
		[ "$(stat -c %s "$T/out" 2>/dev/null || echo 0)" -gt 1000000 ] && return 0
		sleep 0.05
	done
	fail "the transfer did not start"
}

# end_transfer: its status; the captures ended (those of a device that
# is gone have ended already)
end_transfer() {
	local rc=0
	wait "$XFER_PID" || rc=$?
	# a sender or receiver its shell left behind
	pkill -f "psp-xfer (send|recv) .* $PORT\$" || true
	capture_stop 2>/dev/null || true
	echo "# transfer: status $rc, $(stat -c %s "$T/out") of $((FAULT_MB << 20)) bytes" >&3
	return $rc
}

# no_plaintext: neither side sent the marker in clear on this test's
# flows (a connection an earlier test left may still be retransmitting).
# What a device sends is what leaves it from its own address (what
# arrives has been through psp_rx already).
no_plaintext() {
	local side addr n flows="" p
	for p in $PORTS; do
		flows+="${flows:+ or }port $p or port $((p + 30000))"
	done
	for side in a b; do
		addr=10.88.0.1
		[ $side = b ] && addr=10.88.0.2
		n=$(tcpdump -nr "$T/$side.pcap" -A "src host $addr and tcp and ($flows)" 2>/dev/null |
			grep -c PSP-PLAINTEXT-MARKER || true)
		[ "$n" -eq 0 ] || fail "$side sent $n frames with the marker in clear"
		echo "# $side sent $(tcpdump -nr "$T/$side.pcap" "src host $addr and udp dst port 1000" \
			2>/dev/null | wc -l) PSP frames, none with the marker in clear" >&3
	done
}

# well_formed SIDE: nothing that side received was malformed or forged
well_formed() {
	local c
	for c in rx-auth-fail rx-error rx-bad; do
		[ "$(counter "$1" $c)" -eq 0 ] || fail "$1: $c $(counter "$1" $c)"
	done
}

# recovered: dev check passes on both sides and a new flow carries a
# transfer
recovered() {
	ctl_a dev check va
	ctl_b dev check vb
	PORT=$((PORT + 1))
	psp_pair 10.88.0.1 $((PORT + 30000)) 10.88.0.2 $PORT
	xfer "$NS_A" "$NS_B" 10.88.0.1 $((PORT + 30000)) 10.88.0.2 $PORT \
		"$BATS_FILE_TMPDIR/small" "$T/small.out" 30
	cmp "$BATS_FILE_TMPDIR/small" "$T/small.out"
}

@test "dev del on the sender mid-transfer: its PSP connections end, none goes on in clear; dev add again carries a new one" {
	start_transfer
	ctl_a dev del va
	run ! end_transfer
	echo "$output"
	dev_up a
	no_plaintext
	well_formed b
	recovered
}

@test "dev del on the receiver mid-transfer: nothing in clear either way; dev add again carries a new one" {
	start_transfer
	ctl_b dev del vb
	# A's connection no longer hears from B: stop waiting for it
	sleep 2
	kill "$XFER_PID" 2>/dev/null || true
	run ! end_transfer
	echo "$output"
	dev_up b
	no_plaintext
	recovered
}

@test "del-assoc of the flow mid-transfer, on either side: its connection ends, nothing in clear; a new flow works" {
	local side
	for side in a b; do
		PORT=$((PORT + 2))
		start_transfer
		if [ $side = a ]; then
			ctl_a del-assoc va --flow 10.88.0.1:$((PORT + 30000)) 10.88.0.2:$PORT
		else
			ctl_b del-assoc vb --flow 10.88.0.2:$PORT 10.88.0.1:$((PORT + 30000))
		fi
		sleep 1
		kill "$XFER_PID" 2>/dev/null || true
		run ! end_transfer
		no_plaintext
	done
	well_formed b
	recovered
}

@test "link down and up mid-transfer: the transfer completes, in PSP" {
	start_transfer
	ip -n "$NS_A" link set va down
	sleep 1
	ip -n "$NS_A" link set va up
	end_transfer
	cmp "$BATS_FILE_TMPDIR/marked" "$T/out"
	no_plaintext
	well_formed b
	recovered
}

@test "MTU lowered and raised again mid-transfer: nothing in clear, the transfer completes" {
	local big
	big=$(counter a tx-too-big)
	start_transfer
	ip -n "$NS_A" link set va mtu 1400
	sleep 1
	ip -n "$NS_A" link set va mtu 1500
	end_transfer
	cmp "$BATS_FILE_TMPDIR/marked" "$T/out"
	# the host's own TCP learns the lower MTU before a segment reaches
	# psp_tx; what it sent bigger meanwhile is dropped, counted
	echo "# tx-too-big: $(( $(counter a tx-too-big) - big ))" >&3
	no_plaintext
	well_formed b
	recovered
}

@test "key-rotate 100 times a second on both sides mid-transfer: its associations go stale and it stops, nothing in clear; a new flow works" {
	local stale
	stale=$(counter a rx-stale)
	start_transfer
	# from one process a side: psp-bpf-ctl's start alone takes longer
	nsenter --net="/run/netns/$NS_A" "$BUILD/tests/psp-rotate" va 100 3 >"$T/rot_a" 3>&- &
	nsenter --net="/run/netns/$NS_B" "$BUILD/tests/psp-rotate" vb 100 3 >"$T/rot_b"
	wait $!
	echo "# A: $(cat "$T/rot_a"); B: $(cat "$T/rot_b")" >&3
	kill "$XFER_PID" 2>/dev/null || true
	run ! end_transfer
	echo "$output"
	[ "$(counter a key-rotations)" -ge 250 ]
	[ "$(counter b key-rotations)" -ge 250 ]
	# what each side received under an Rx key two rotations old
	echo "# rx-stale A: $(( $(counter a rx-stale) - stale )), B: $(counter b rx-stale)" >&3
	no_plaintext
	well_formed b
	recovered
}

@test "gc storm mid-transfer: a live connection's association stays; the transfer completes" {
	local n=0
	start_transfer
	while kill -0 "$XFER_PID" 2>/dev/null; do
		ctl_a gc --idle 0 >/dev/null
		ctl_b gc --idle 0 >/dev/null
		n=$((n + 1))
	done
	echo "# $n gc runs a side" >&3
	[ "$n" -ge 3 ]
	end_transfer
	cmp "$BATS_FILE_TMPDIR/marked" "$T/out"
	no_plaintext
	well_formed b
	recovered
}

@test "the peer's namespace deleted mid-transfer: nothing in clear; both sides made again carry a new transfer" {
	start_transfer
	# its processes first: a namespace lives on while one is in it
	ip netns pids "$NS_B" | xargs -r kill -9
	ip netns del "$NS_B"
	sleep 1
	kill "$XFER_PID" 2>/dev/null || true
	wait "$XFER_PID" || true
	# the veth pair went with the namespace, and the captures with it
	kill -INT $CAPTURE_PIDS 2>/dev/null || true
	wait $CAPTURE_PIDS 2>/dev/null || true
	CAPTURE_PIDS= CAPTURES=
	! ip -n "$NS_A" link show va
	no_plaintext
	netns_up
	recovered
}

@test "two psp-bpf-ctl builds of different state layouts racing mid-transfer: the other one refused (ESTALE), nothing changed, nothing in clear" {
	local other=$BATS_FILE_TMPDIR/other refused=0 i
	# this build with another state layout, as an upgrade would be: its
	# library made again around another stamp
	mkdir -p "$other"
	cp -a "$BUILD/." "$other/"
	rm -rf "$other/obj/loader"
	printf '#define PSP_STATE_LAYOUT 0x%sU\n' "$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
		>"$other/bpf/psp_layout.h"
	make -C "$ROOT" -s BUILD="$other" "$other/psp-bpf-ctl" >/dev/null
	start_transfer
	for i in $(seq 40); do
		# this build adds and deletes associations meanwhile
		{ ctl_a rx-assoc va --flow 10.88.0.1:$((42000 + i)) 10.88.0.2:80 >/dev/null &&
		  ctl_a del-assoc va --flow 10.88.0.1:$((42000 + i)) 10.88.0.2:80; } &
		if "$other/psp-bpf-ctl" -n "$NS_A" rx-assoc va \
			--flow 10.88.0.1:$((41000 + i)) 10.88.0.2:80 >/dev/null 2>"$T/err"; then
			fail "the other build made an association"
		fi
		grep -q ESTALE "$T/err" && refused=$((refused + 1))
		"$other/psp-bpf-ctl" -n "$NS_A" gc >/dev/null 2>&1 || true
		"$other/psp-bpf-ctl" -n "$NS_A" dev del va >/dev/null 2>&1 || true
		wait $!
	done
	end_transfer
	echo "# the other build refused $refused of 40 rx-assoc: $(cat "$T/err")" >&3
	[ "$refused" -eq 40 ]
	cmp "$BATS_FILE_TMPDIR/marked" "$T/out"
	ctl_a -j dev show va | jq -e '."xdp" == "psp_rx"'
	no_plaintext
	well_formed b
	recovered
}
