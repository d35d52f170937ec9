# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Two network namespaces on a veth pair, both ends PSP devices:
#   $NS_A: va 10.88.0.1/24 fd88::1/64   <->   $NS_B: vb 10.88.0.2/24 fd88::2/64
# Both devices get the same known device keys (key-import), so that a
# capture of the wire can be decrypted with psp-bpf-ctl pcap decrypt.

NS_A=psp-test-a
NS_B=psp-test-b
XFER=$BUILD/psp-xfer
MASTER0=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
MASTER1=f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f

ctl_a() { "$CTL" -n "$NS_A" "$@"; }
ctl_b() { "$CTL" -n "$NS_B" "$@"; }

# dev_of SIDE: the device of side a, b, ...: $DEV_A, $DEV_B... where a
# suite sets them (nics.bats: real NICs), else vSIDE (the veth pair).
dev_of() {
	local v=DEV_${1^^}
	echo "${!v:-v$1}"
}

ns_of() {	# SIDE: the namespace of side a, b, ...
	local v=NS_${1^^}
	echo "${!v}"
}

netns_up() {	# [DEV-ADD-OPTION...]: for both devices
	netns_down
	ip netns add "$NS_A"
	ip netns add "$NS_B"
	ip link add va netns "$NS_A" type veth peer name vb netns "$NS_B"
	ip -n "$NS_A" addr add 10.88.0.1/24 dev va
	ip -n "$NS_B" addr add 10.88.0.2/24 dev vb
	ip -n "$NS_A" addr add fd88::1/64 dev va nodad
	ip -n "$NS_B" addr add fd88::2/64 dev vb nodad
	for ns in "$NS_A" "$NS_B"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_A" link set va up
	ip -n "$NS_B" link set vb up
	dev_up a "$@"
	dev_up b "$@"
}

# dev_up SIDE [DEV-ADD-OPTION...]: the side's device a PSP device with the
# known device keys.
dev_up() {
	local dev side=$1
	shift
	dev=$(dev_of "$side")
	"ctl_$side" dev add "$dev" --versions all "$@" >/dev/null
	"ctl_$side" key-import "$dev" --phase 0 --key "$MASTER0"
	"ctl_$side" key-import "$dev" --phase 1 --key "$MASTER1"
}

netns_down() {
	"$CTL" -n "$NS_A" dev del va 2>/dev/null || true
	"$CTL" -n "$NS_B" dev del vb 2>/dev/null || true
	# at once, where deleting the namespaces would take the veth later
	ip -n "$NS_A" link del va 2>/dev/null || true
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	return 0
}

# psp_pair ADDR_A PORT_A ADDR_B PORT_B [VERSION]: associations both ways
# for that flow, as two applications exchanging their rx-assoc output.
psp_pair() {
	local a=$1 pa=$2 b=$3 pb=$4 v=${5:-0} fa fb ra rb da db
	if [[ $a == *:* ]]; then fa="[$a]:$pa"; fb="[$b]:$pb"; else fa="$a:$pa"; fb="$b:$pb"; fi
	da=$(dev_of a) db=$(dev_of b)
	ra=$(ctl_a -j rx-assoc "$da" --flow "$fa" "$fb" --version "$v")
	rb=$(ctl_b -j rx-assoc "$db" --flow "$fb" "$fa" --version "$v")
	ctl_a tx-assoc "$da" --flow "$fa" "$fb" --version "$v" \
		--spi "$(jq -r .spi <<<"$rb")" --key "$(jq -r .key <<<"$rb")"
	ctl_b tx-assoc "$db" --flow "$fb" "$fa" --version "$v" \
		--spi "$(jq -r .spi <<<"$ra")" --key "$(jq -r .key <<<"$ra")"
	RX_KEY_A=$(jq -r .key <<<"$ra")
}

# wait_listen NS PORT: until a TCP socket listens on PORT in NS (5 s)
wait_listen() {
	for _ in $(seq 50); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# responder_up PORT: a psp-responder in $NS_B on PORT (for vb), listening;
# its log in $BATS_FILE_TMPDIR/responder-PORT.log. nsenter, not ip netns
# exec: the library needs the host's bpffs.
responder_up() {
	nsenter --net="/run/netns/$NS_B" "$BUILD/psp-responder" -p "$1" -d vb \
		2>"$BATS_FILE_TMPDIR/responder-$1.log" 3>&- &
	echo $! >>"$BATS_FILE_TMPDIR/responders"
	wait_listen "$NS_B" "$1"
}

responders_down() {
	kill $(cat "$BATS_FILE_TMPDIR/responders" 2>/dev/null) 2>/dev/null || true
}

# xfer FROM_NS TO_NS FROM_ADDR FROM_PORT TO_ADDR TO_PORT IN OUT [SECONDS]
xfer() {
	local from=$1 to=$2 fa=$3 fp=$4 ta=$5 tp=$6 in=$7 out=$8 pid rc
	local t=$((${9:-60} * TIME_SCALE))
	ip netns exec "$to" timeout "$t" "$XFER" recv "$ta" "$tp" >"$out" &
	pid=$!
	wait_listen "$to" "$tp"
	ip netns exec "$from" timeout "$t" "$XFER" send "$fa" "$fp" "$ta" "$tp" <"$in" >/dev/null
	rc=$?
	wait $pid || rc=1
	return $rc
}

# counter NS_SIDE NAME
counter() {
	"ctl_$1" -j stats "$(dev_of "$1")" | jq ".\"$2\""
}

# capture NS DEV FILE: tcpdump in the background, started for real (it has
# said it listens) before this returns; capture_stop ends it.
capture() {
	local err=$3.err
	# immediate mode: no packet may wait in a kernel block when it stops;
	# a 32 MB buffer of 2 KB slots: no packet dropped in a burst (at the
	# default snap length, on a device with TSO, libpcap makes each slot
	# 64 KB: 512 packets, and a tcpdump that lagged a second dropped 4801
	# of 5320). Every PSP frame of the tests, and of the vectors (1522
	# bytes), fits whole.
	ip netns exec "$1" tcpdump -Z root --immediate-mode -B 32768 -s 2048 -i "$2" -w "$3" -U \
		2>"$err" &
	CAPTURE_PIDS+=" $!"
	CAPTURES+=" $1:$2:$3"
	for _ in $(seq 50); do
		grep -q listening "$err" && return 0
		sleep 0.1
	done
	return 1
}

# psp_spi_ivs PCAP [FILTER]: the SPI and IV (hex) of each PSP packet in
# PCAP that FILTER (tcpdump's) takes, one packet a line, in order
psp_spi_ivs() {
	tcpdump -r "$1" -nn -x "udp dst port 1000${2:+ and ($2)}" 2>/dev/null | awk '
		function nibble(c) { return index("0123456789abcdef", c) - 1 }
		function out(   psp) {
			if (h == "")
				return
			# the PSP header after UDP: IPv4 with its options, or IPv6
			psp = (substr(h, 1, 1) == "6" ? 40 : nibble(substr(h, 2, 1)) * 4) + 8
			print substr(h, 2 * (psp + 4) + 1, 8), substr(h, 2 * (psp + 8) + 1, 16)
			h = ""
		}
		/^[^ \t]/ { out(); next }
		{ for (i = 2; i <= NF; i++) h = h $i }
		END { out() }'
}

# The frame capture_stop sends out of each captured device last: an
# Ethernet broadcast of the local experimental type 0x88b5, which no test's
# filter (IP hosts, UDP ports) takes.
capture_end_frame() {
	local f=$BATS_RUN_TMPDIR/capture-end.pcap
	[ -e "$f" ] || {
		# pcap header (little-endian, Ethernet), one record of 60 bytes
		printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00'
		printf '\xff\xff\x00\x00\x01\x00\x00\x00'
		printf '\x00\x00\x00\x00\x00\x00\x00\x00\x3c\x00\x00\x00\x3c\x00\x00\x00'
		printf '\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x88\xb5'
		head -c 46 /dev/zero
	} >"$f"
	echo "$f"
}

# capture_stop: every capture's packets written, then tcpdump ended. On a
# busy host (two TCG guests beside) tcpdump lags the traffic by seconds,
# with packets in its ring it would lose if stopped then (CI lost 560 of
# ~1500 that way): each device sends an end frame, and tcpdump is stopped
# once its file holds that, and so all that came before.
capture_stop() {
	local c ns dev file end
	end=$(capture_end_frame)
	for c in $CAPTURES; do
		IFS=: read -r ns dev file <<<"$c"
		ip netns exec "$ns" "$BUILD/tests/pcap-inject" "$dev" "$end" >/dev/null
		for _ in $(seq 300); do
			[ -n "$(tcpdump -r "$file" -c 1 ether proto 0x88b5 2>/dev/null)" ] && break
			sleep 0.1
		done
	done
	kill -INT $CAPTURE_PIDS
	wait $CAPTURE_PIDS || true
	CAPTURE_PIDS=
	CAPTURES=
}

# wire_opens WIRE CLEAR: the reference (pcap decrypt, with the devices'
# keys) opens every packet of the capture WIRE, over 200 of them, into
# CLEAR, where the plaintext marker the transfer carried is
wire_opens() {
	run "$CTL" -j pcap decrypt --master0 "$MASTER0" --master1 "$MASTER1" -i "$1" -o "$2"
	[ "$status" -eq 0 ]
	[ "$(jq '."rx-auth-fail" + ."rx-error" + ."rx-bad" + ."not-psp"' <<<"$output")" -eq 0 ]
	[ "$(jq '."rx-packets"' <<<"$output")" -gt 200 ]
	tcpdump -nr "$2" -A 2>/dev/null | grep -q PSP-PLAINTEXT-MARKER
}
