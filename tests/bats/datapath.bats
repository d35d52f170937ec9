#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The eBPF datapath between two network namespaces on a veth pair: TCP
# through PSP both ways, what the wire shows, wrong keys, what bpftool
# sees of the maps, the iproute2 loading path, dev del, and the shared
# vectors replayed through XDP on the veth.

load helpers
load netns

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	netns_up
	export BIG=$BATS_FILE_TMPDIR/big.bin
	head -c "${BIG_MB}M" /dev/urandom >"$BIG"
}

teardown_file() {
	netns_down
}

# bulk_both_ways ADDR_A ADDR_B PORT VERSION: $BIG each way through PSP
# (ports PORT and PORT + 1), byte for byte, with nothing dropped.
bulk_both_ways() {
	local a=$1 b=$2 port=$3 v=$4 rx_before
	psp_pair "$a" $((port + 30000)) "$b" "$port" "$v"
	psp_pair "$a" $((port + 1)) "$b" $((port + 30001)) "$v"
	rx_before=$(counter b rx-packets)
	xfer "$NS_A" "$NS_B" "$a" $((port + 30000)) "$b" "$port" "$BIG" "$BATS_TEST_TMPDIR/ab"
	xfer "$NS_B" "$NS_A" "$b" $((port + 30001)) "$a" $((port + 1)) "$BIG" "$BATS_TEST_TMPDIR/ba"
	want=$(sha256sum <"$BIG")
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/ab")" = "$want" ]
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/ba")" = "$want" ]
	# segments of at most 1448 bytes: 720 packets a MB and more
	[ $(( $(counter b rx-packets) - rx_before )) -gt $((BIG_MB * 700)) ]
	for side in a b; do
		[ "$(counter $side rx-auth-fail)" -eq 0 ]
		[ "$(counter $side rx-error)" -eq 0 ]
		[ "$(counter $side tx-error)" -eq 0 ]
	done
}

# cpu_bits MASK: how many CPUs a sysfs CPU mask (hex, commas) names
cpu_bits() {
	local hex=${1//,/} n=0 d i
	for ((i = 0; i < ${#hex}; i++)); do
		d=$((16#${hex:i:1}))
		n=$((n + (d & 1) + (d >> 1 & 1) + (d >> 2 & 1) + (d >> 3 & 1)))
	done
	echo $n
}

# tx_csum on|off: TX checksumming of both devices, as on a NIC without
# checksum offload: the kernel completes checksums after TC.
tx_csum() {
	ip netns exec "$NS_A" ethtool -K va tx "$1" >/dev/null
	ip netns exec "$NS_B" ethtool -K vb tx "$1" >/dev/null
}

# A test that failed half way must not hand the next one its device
# settings.
teardown() {
	tx_csum on 2>/dev/null || true
}

@test "100 MB of TCP each way through PSP (20 in the qemu guest), byte for byte" {
	bulk_both_ways 10.88.0.1 10.88.0.2 5001 0
}

@test "IPv6: 100 MB each way through PSP, version 1 (AES-GCM-256)" {
	bulk_both_ways fd88::1 fd88::2 5003 1
}

@test "TX checksumming off on both ends: 100 MB each way, IPv4 and IPv6" {
	tx_csum off
	bulk_both_ways 10.88.0.1 10.88.0.2 5011 0
	bulk_both_ways fd88::1 fd88::2 5013 0
}

# run_count PROG: how many times the kernel ran the BPF programs named
# PROG (kernel.bpf_stats_enabled on)
run_count() {
	bpftool -j prog show | jq "[.[] | select(.name == \"$1\") | .run_cnt // 0] | add // 0"
}

@test "--rx-spread: PSP packets opened on another CPU by psp_rx_cpu; 100 MB each way, IPv4 and IPv6" {
	local stats opened
	[ "$(nproc)" -ge 2 ] || skip "one CPU: nowhere to spread to"
	for side in a b; do
		"ctl_$side" dev del "$(dev_of $side)"
		dev_up $side --rx-spread
		[ "$("ctl_$side" -j dev show "$(dev_of $side)" | jq '."rx-cpus"')" -eq "$(nproc)" ]
	done
	stats=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	opened=$(run_count psp_rx_cpu)
	bulk_both_ways 10.88.0.1 10.88.0.2 5031 0
	bulk_both_ways fd88::1 fd88::2 5033 0
	# every PSP packet of both ways, data and ACKs, was opened there
	[ $(( $(run_count psp_rx_cpu) - opened )) -ge $((BIG_MB * 700 * 4)) ]
	sysctl -qw kernel.bpf_stats_enabled="$stats"
	# each CPU opens packets in a kernel thread of the CPU map
	[ "$(pgrep -c '^cpumap/')" -ge "$(nproc)" ]
	for side in a b; do
		"ctl_$side" dev del "$(dev_of $side)"
		dev_up $side
		[ "$("ctl_$side" -j dev show "$(dev_of $side)" | jq '."rx-cpus"')" -eq 0 ]
	done
}

@test "--rx-spread is refused on the offload backend, and leaves nothing behind" {
	run ctl_a dev add lo --backend offload --rx-spread
	[ "$status" -eq 1 ]
	[[ "$output" == *"--rx-spread"*"offload"* ]]
	run ! ctl_a dev show lo
}

# What leaves a device is what crosses the wire: on va that is every
# packet from 10.88.0.1 (what arrives has been through psp_rx already).
wire_of() {	# CAPTURE SRC-ADDR [FILTER]
	tcpdump -nr "$1" "ip and src host $2${3:+ and ($3)}" 2>/dev/null
}

@test "the wire carries only UDP port 1000, no plaintext, and decrypts with the reference" {
	psp_pair 10.88.0.1 40004 10.88.0.2 5004 0
	local in=$BATS_TEST_TMPDIR/in cap_a=$BATS_TEST_TMPDIR/a.pcap cap_b=$BATS_TEST_TMPDIR/b.pcap
	for i in $(seq 20000); do echo "PSP-PLAINTEXT-MARKER line $i"; done >"$in"
	capture "$NS_A" va "$cap_a"
	capture "$NS_B" vb "$cap_b"
	xfer "$NS_A" "$NS_B" 10.88.0.1 40004 10.88.0.2 5004 "$in" "$BATS_TEST_TMPDIR/out"
	capture_stop
	cmp "$in" "$BATS_TEST_TMPDIR/out"
	# A -> B: the data, seen leaving va; B -> A: the ACKs, leaving vb
	[ "$(wire_of "$cap_a" 10.88.0.1 'udp dst port 1000' | wc -l)" -gt 200 ]
	# (ACKs: as few as GRO on a loaded host makes them)
	[ "$(wire_of "$cap_b" 10.88.0.2 'udp dst port 1000' | wc -l)" -gt 10 ]
	[ "$(wire_of "$cap_a" 10.88.0.1 'not udp dst port 1000' | wc -l)" -eq 0 ]
	[ "$(wire_of "$cap_b" 10.88.0.2 'not udp dst port 1000' | wc -l)" -eq 0 ]
	tcpdump -r "$cap_a" -w "$BATS_TEST_TMPDIR/wire.pcap" ip and src host 10.88.0.1 2>/dev/null
	[ "$(tcpdump -nr "$BATS_TEST_TMPDIR/wire.pcap" -A 2>/dev/null | grep -c PSP-PLAINTEXT-MARKER)" -eq 0 ]
	wire_opens "$BATS_TEST_TMPDIR/wire.pcap" "$BATS_TEST_TMPDIR/clear.pcap"
	# the TCP checksums, finalised before encryption, are right
	[ "$(tcpdump -nr "$BATS_TEST_TMPDIR/clear.pcap" -vv 2>/dev/null | grep -c "incorrect")" -eq 0 ]
}

# wire_csums CAPTURE SRC-ADDR: the PSP packets from SRC-ADDR, and how many
# of them carry an outer UDP checksum other than 0. The field itself, not
# tcpdump's verdict: a zero field verifies by chance once in 65536.
wire_csums() {
	local psp="src host $2 and udp dst port 1000" nonzero
	if [[ $2 == *:* ]]; then
		nonzero="src host $2 and ip6[6] = 17 and ip6[42:2] = 1000 and ip6[46:2] != 0"
	else
		nonzero="$psp and udp[6:2] != 0"
	fi
	echo "$(tcpdump -nr "$1" "$psp" 2>/dev/null | wc -l)" \
		"$(tcpdump -nr "$1" "$nonzero" 2>/dev/null | wc -l)"
}

@test "what leaves the device is as sealed, TX checksumming on and off: UDP checksum 0, as net/psp sends it" {
	local in=$BATS_TEST_TMPDIR/in cap_a=$BATS_TEST_TMPDIR/a.pcap cap_b=$BATS_TEST_TMPDIR/b.pcap
	local port=5030 tx out
	head -c 2M "$BIG" >"$in"
	for tx in on off; do
		tx_csum $tx
		capture "$NS_A" va "$cap_a"
		capture "$NS_B" vb "$cap_b"
		psp_pair 10.88.0.1 $((port + 30000)) 10.88.0.2 $port
		xfer "$NS_A" "$NS_B" 10.88.0.1 $((port + 30000)) 10.88.0.2 $port "$in" "$BATS_TEST_TMPDIR/o4"
		psp_pair fd88::1 $((port + 30001)) fd88::2 $((port + 1))
		xfer "$NS_A" "$NS_B" fd88::1 $((port + 30001)) fd88::2 $((port + 1)) "$in" "$BATS_TEST_TMPDIR/o6"
		capture_stop
		cmp "$in" "$BATS_TEST_TMPDIR/o4"
		cmp "$in" "$BATS_TEST_TMPDIR/o6"
		# data from A, ACKs from B: every checksum 0
		for src in "$cap_a 10.88.0.1 1000" "$cap_b 10.88.0.2 10" \
			   "$cap_a fd88::1 1000" "$cap_b fd88::2 10"; do
			set -- $src
			out=$(wire_csums "$1" "$2")
			[ "${out% *}" -gt "$3" ] || fail "tx $tx, from $2: packets, non-zero: $out"
			[ "${out#* }" -eq 0 ] || fail "tx $tx, from $2: packets, non-zero: $out"
		done
		run "$CTL" -j pcap decrypt --master0 "$MASTER0" --master1 "$MASTER1" \
			-i "$cap_a" -o "$BATS_TEST_TMPDIR/clear.pcap"
		[ "$status" -eq 0 ]
		[ "$(jq '."rx-auth-fail" + ."rx-error" + ."rx-bad"' <<<"$output")" -eq 0 ]
		[ "$(jq '."rx-packets"' <<<"$output")" -gt 2000 ]
		port=$((port + 2))
	done
}

@test "GMAC (version 2) authenticates but leaves the payload readable" {
	psp_pair 10.88.0.1 40005 10.88.0.2 5005 2
	local in=$BATS_TEST_TMPDIR/in cap=$BATS_TEST_TMPDIR/a.pcap
	for i in $(seq 5000); do echo "PSP-PLAINTEXT-MARKER line $i"; done >"$in"
	capture "$NS_A" va "$cap"
	xfer "$NS_A" "$NS_B" 10.88.0.1 40005 10.88.0.2 5005 "$in" "$BATS_TEST_TMPDIR/out"
	capture_stop
	cmp "$in" "$BATS_TEST_TMPDIR/out"
	[ "$(wire_of "$cap" 10.88.0.1 'not udp dst port 1000' | wc -l)" -eq 0 ]
	wire_of "$cap" 10.88.0.1 'udp dst port 1000' >/dev/null
	tcpdump -nr "$cap" -A ip and src host 10.88.0.1 2>/dev/null | grep -q PSP-PLAINTEXT-MARKER
}

@test "a wrong Tx key: the transfer fails and rx-auth-fail grows" {
	local ra rb bad before
	ra=$(ctl_a -j rx-assoc va --flow 10.88.0.1:40006 10.88.0.2:5006)
	rb=$(ctl_b -j rx-assoc vb --flow 10.88.0.2:5006 10.88.0.1:40006)
	# flip a bit of the first key byte
	bad=$(jq -r .key <<<"$rb")
	bad=$(printf '%02x%s' $((0x${bad:0:2} ^ 1)) "${bad:2}")
	ctl_a tx-assoc va --flow 10.88.0.1:40006 10.88.0.2:5006 --spi "$(jq -r .spi <<<"$rb")" --key "$bad"
	ctl_b tx-assoc vb --flow 10.88.0.2:5006 10.88.0.1:40006 --spi "$(jq -r .spi <<<"$ra")" \
		--key "$(jq -r .key <<<"$ra")"
	before=$(counter b rx-auth-fail)
	head -c 100k "$BIG" >"$BATS_TEST_TMPDIR/in"
	run xfer "$NS_A" "$NS_B" 10.88.0.1 40006 10.88.0.2 5006 "$BATS_TEST_TMPDIR/in" \
		"$BATS_TEST_TMPDIR/out" 2
	[ "$status" -ne 0 ]
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/out")" -eq 0 ]
	[ "$(counter b rx-auth-fail)" -gt "$before" ]
}

@test "bpftool map dump pinned: named fields, never a key" {
	local keys dump
	psp_pair 10.88.0.1 40007 10.88.0.2 5007 1
	dump=$(bpftool map dump pinned /sys/fs/bpf/psp/maps/psp_devs)
	[[ "$dump" == *'"versions_ena"'* ]]
	[[ "$dump" == *'"ifname": "va"'* ]]
	dump=$(bpftool map dump pinned /sys/fs/bpf/psp/maps/psp_tx_sa)
	[[ "$dump" == *'"spi"'* ]]
	[[ "$dump" == *'"crypt_off"'* ]]
	# no map holds the device keys, the Rx key handed out, or any key in
	# its byte order or in the 4-byte words bpftool prints
	dump=$(for m in /sys/fs/bpf/psp/maps/*; do bpftool -j map dump pinned "$m" 2>&1; done)
	for key in "$MASTER0" "$MASTER1" "$RX_KEY_A"; do
		[[ "$dump" != *"${key:0:16}"* ]] || fail "key bytes of $key in a map dump"
		[[ "$(tr -d ' ",x' <<<"$dump")" != *"${key:0:16}"* ]] || fail "key bytes of $key"
	done
	# the key maps hold only kernel pointers, which read back as zero; the
	# kmod backend keeps no Rx key at all (it derives each packet's)
	local map=psp_rx_keys fields='.aes, .hkey'
	if [ "$(ctl_a -j dev show va | jq -r .backend)" = kmod ]; then
		[ "$(bpftool -j map dump pinned /sys/fs/bpf/psp/maps/psp_rx_keys)" = "[]" ]
		map=psp_tx_keys fields='.key'
	fi
	run bpftool -j map dump pinned "/sys/fs/bpf/psp/maps/$map"
	[ "$status" -eq 0 ]
	[ "$(jq 'length' <<<"$output")" -gt 0 ]
	[ "$(jq "[.[].formatted.value | $fields] | map(select(. != 0)) | length" <<<"$output")" -eq 0 ]
}

@test "ip link set dev vb xdp obj psp_rx.bpf.o sec xdp carries traffic" {
	psp_pair 10.88.0.1 40008 10.88.0.2 5008
	ip -n "$NS_B" link set dev vb xdp off
	# nsenter: only the network namespace; ip -n and ip netns exec remount
	# /sys, which would hide the pinned maps
	nsenter --net=/run/netns/"$NS_B" ip link set dev vb xdp obj "$(bpf_objs)/psp_rx.bpf.o" sec xdp
	[ "$(ctl_b -j dev show vb | jq -r .xdp)" = psp_rx ]
	local before
	before=$(counter b rx-packets)
	head -c 5M "$BIG" >"$BATS_TEST_TMPDIR/in"
	xfer "$NS_A" "$NS_B" 10.88.0.1 40008 10.88.0.2 5008 "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	[ "$(counter b rx-packets)" -gt $((before + 3000)) ]
}

@test "libxdp: xdp-filter beside psp_rx sees the decrypted flows where the kernel runs the dispatcher" {
	local attach in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out before
	# nsenter: ip netns exec would hide the bpffs libxdp keeps its state in
	filter() { nsenter --net=/run/netns/"$NS_B" xdp-filter "$@"; }
	loaded() { nsenter --net=/run/netns/"$NS_B" xdp-loader status vb | grep -c -e "$1"; }
	# dev add's own attach (ip link, above, attached psp_rx directly)
	ctl_b dev del vb
	dev_up b
	attach=$(ctl_b -j dev show vb | jq -r '."xdp-attach"')
	if [ "$attach" = direct ]; then
		# no dispatcher: another libxdp program is turned away, psp_rx stays
		run filter load vb
		[ "$status" -ne 0 ]
		[ "$(ctl_b -j dev show vb | jq -r .xdp)" = psp_rx ]
		skip "no libxdp dispatcher on this kernel: it refuses freplace programs (EPERM), so psp_rx is attached directly"
	fi
	[ "$attach" = libxdp-dispatcher ]
	# xdp-filter first: Debian's xdp-tools carry libxdp 1.3.1's dispatcher
	# inside, which Linux 6.12.y refuses psp_rx in (operations.md, Limits)
	ctl_b dev del vb
	filter load vb
	filter port 5041
	dev_up b
	[ "$(ctl_b -j dev show vb | jq -r '."xdp-attach"')" = libxdp-dispatcher ]
	[ "$(loaded 'psp_rx\|xdpfilt')" -eq 2 ]
	head -c 1M "$BIG" >"$in"
	psp_pair 10.88.0.1 40040 10.88.0.2 5040
	psp_pair 10.88.0.1 40041 10.88.0.2 5041
	xfer "$NS_A" "$NS_B" 10.88.0.1 40040 10.88.0.2 5040 "$in" "$out"
	cmp "$in" "$out"
	# what psp_rx opened, xdp-filter then drops by its TCP port
	before=$(counter b rx-packets)
	run xfer "$NS_A" "$NS_B" 10.88.0.1 40041 10.88.0.2 5041 "$in" "$out" 3
	[ "$status" -ne 0 ]
	[ "$(counter b rx-packets)" -gt "$before" ]
	[ "$(counter b rx-auth-fail)" -eq 0 ]
	# xdp-filter leaving first: done, or refused with both left running
	run filter unload vb
	[ "$status" -eq 0 ] || [ "$(loaded 'psp_rx\|xdpfilt')" -eq 2 ]
	[ "$(ctl_b -j dev show vb | jq -r .xdp)" = psp_rx ]
	# dev del leaves xdp-filter (if still there), dev add comes back beside it
	ctl_b dev del vb
	[ "$(loaded psp_rx)" -eq 0 ]
	if [ "$status" -ne 0 ]; then
		[ "$(loaded xdpfilt)" -eq 1 ]
		dev_up b
		[ "$(loaded 'psp_rx\|xdpfilt')" -eq 2 ]
		ctl_b dev del vb
		filter unload vb
	fi
	dev_up b
	[ "$(ctl_b -j dev show vb | jq -r .xdp)" = psp_rx ]
}

@test "association errors as the kernel gives them" {
	run --separate-stderr ctl_a tx-assoc va --flow 10.88.0.1:41000 10.88.0.2:80 --spi 1 \
		--key 00112233445566778899aabbccddeeff
	[ "$status" -eq 1 ]
	[[ "$stderr" == "psp-bpf-ctl: EINVAL: "*"no Rx key"* ]]
	ctl_a rx-assoc va --flow 10.88.0.1:41000 10.88.0.2:80 >/dev/null
	run --separate-stderr ctl_a rx-assoc va --flow 10.88.0.1:41000 10.88.0.2:80
	[ "$status" -eq 1 ]
	[[ "$stderr" == "psp-bpf-ctl: EBUSY: "* ]]
	run --separate-stderr ctl_a tx-assoc va --flow 10.88.0.1:41000 10.88.0.2:80 --spi 1 \
		--key 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"EINVAL: incorrect key length"* ]]
	run --separate-stderr ctl_a tx-assoc va --flow 10.88.0.1:41000 10.88.0.2:80 --spi 80000000 \
		--key 00112233445566778899aabbccddeeff
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"EINVAL: invalid SPI"* ]]
	run --separate-stderr ctl_a tx-assoc va --flow 10.88.0.1:41000 10.88.0.2:80 --spi 1 \
		--version 1 --key 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"EINVAL: PSP version mismatch"* ]]
	run --separate-stderr ctl_a rx-assoc nosuchdev --flow 10.88.0.1:41001 10.88.0.2:80
	[ "$status" -eq 1 ]
	[[ "$stderr" == "psp-bpf-ctl: ENODEV: "* ]]
	run --separate-stderr ctl_a dev add va
	[ "$status" -eq 1 ]
	[[ "$stderr" == "psp-bpf-ctl: EEXIST: "* ]]
	run --separate-stderr ctl_a rx-assoc va --flow 10.88.0.1 10.88.0.2:80
	[ "$status" -eq 2 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	run --separate-stderr ctl_a rx-assoc va --flow 10.88.0.1:1 [fd88::2]:80
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"different address families"* ]]
	ctl_a del-assoc va --flow 10.88.0.1:41000 10.88.0.2:80
	run --separate-stderr ctl_a del-assoc va --flow 10.88.0.1:41000 10.88.0.2:80
	[ "$status" -eq 1 ]
	[[ "$stderr" == "psp-bpf-ctl: ENOENT: "* ]]
}

@test "dev set: versions gate receive; the mark makes PSP mandatory" {
	psp_pair 10.88.0.1 40009 10.88.0.2 5009 0
	ctl_b dev set vb --versions 1
	local before
	before=$(counter b rx-bad)
	head -c 100k "$BIG" >"$BATS_TEST_TMPDIR/in"
	run xfer "$NS_A" "$NS_B" 10.88.0.1 40009 10.88.0.2 5009 "$BATS_TEST_TMPDIR/in" \
		"$BATS_TEST_TMPDIR/out" 3
	[ "$status" -ne 0 ]
	[ "$(counter b rx-bad)" -gt "$before" ]
	ctl_b dev set vb --versions all
	# marked traffic without an association never leaves in clear
	ctl_a dev set va --mark 0x42/0xff
	before=$(counter a tx-no-sa)
	run ip netns exec "$NS_A" ping -n -c 2 -W 1 -m 66 10.88.0.2
	[ "$status" -ne 0 ]
	[ "$(counter a tx-no-sa)" -ge $((before + 2)) ]
	ip netns exec "$NS_A" ping -n -c 1 -W 1 10.88.0.2 >/dev/null
	ctl_a dev set va --mark 0/0
}

@test "dev add leaves the device's offloads alone; only PSP flows take the seal port, sealed on every CPU" {
	local seg before
	# (veth turns va's TSO off itself: its peer runs XDP)
	[ "$(ip -n "$NS_A" -j -d link show va | jq '.[0].gso_max_segs')" -eq 65535 ]
	ip netns exec "$NS_A" ethtool -k va | grep -q '^tx-checksumming: on'
	ip netns exec "$NS_A" ethtool -k va | grep -q '^generic-segmentation-offload: on'
	seg=$(ctl_a -j dev show va | jq -r '."seg-port"')
	[ "$seg" = "pspseg$(ctl_a -j dev show va | jq .id)" ]
	ip netns exec "$NS_A" ethtool -k "$seg" | grep -q '^tx-checksumming: off'
	# no IPv6 address, link-local included: the kernel sends nothing there
	[ "$(ip -n "$NS_A" -j addr show dev "$seg" | jq '.[0].addr_info | length')" -eq 0 ]
	# RPS over every CPU where the segments are sealed; none set on va
	rps_cpus() { ip netns exec "$NS_A" cat "/sys/class/net/$1/queues/rx-0/rps_cpus"; }
	[ "$(cpu_bits "$(rps_cpus "pspseal${seg#pspseg}")")" -eq "$(nproc --all)" ]
	[ "$(cpu_bits "$(rps_cpus va)")" -eq 0 ]
	seg_packets() { ip -n "$NS_A" -j -s link show "$seg" | jq '.[0].stats64.tx.packets'; }
	before=$(seg_packets)
	head -c 20M "$BIG" >"$BATS_TEST_TMPDIR/in"
	xfer "$NS_A" "$NS_B" 10.88.0.1 40020 10.88.0.2 5020 "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	[ "$(seg_packets)" -eq "$before" ]
	psp_pair 10.88.0.1 40021 10.88.0.2 5021
	xfer "$NS_A" "$NS_B" 10.88.0.1 40021 10.88.0.2 5021 "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	[ "$(seg_packets)" -gt $((before + 100)) ]
}

@test "dev del detaches, removes the seal port, and forgets the device" {
	local seg seal
	seg=$(ctl_b -j dev show vb | jq -r '."seg-port"')
	seal=$(ctl_b -j dev show vb | jq -r '."seal-port"')
	ip -n "$NS_B" link show "$seal" >/dev/null
	ctl_b dev del vb
	[ "$(ip -n "$NS_B" -j link show vb | jq '.[0].xdp')" = null ]
	run ! ip -n "$NS_B" link show "$seal"
	run ! ip -n "$NS_B" link show "$seg"
	run --separate-stderr ctl_b dev show vb
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"ENODEV: 'vb' is not a PSP device"* ]]
	# the other namespace's device is untouched
	[ "$(ctl_a -j dev show va | jq -r .xdp)" = psp_rx ]
	dev_up b
}

@test "a device whose namespace went without dev del is forgotten at the next dev add" {
	local ns=psp-test-gone
	ip netns add $ns
	ip link add g0 netns $ns type veth peer name g1 netns $ns
	ip -n $ns link set g0 up
	"$CTL" -n $ns dev add g0 >/dev/null
	bpftool map dump pinned /sys/fs/bpf/psp/maps/psp_devs | grep -q '"ifname": "g0"'
	local rx_id dispatcher tx
	rx_id=$("$CTL" -n $ns -j dev show g0 | jq -r '."xdp-prog-id"')
	dispatcher=$("$CTL" -n $ns -j dev show g0 | jq -r '."xdp-attach"')
	tx=$("$CTL" -n $ns -j dev show g0 | jq -r .tx)
	ip netns del $ns
	ip -n "$NS_A" link add gc0 type veth peer name gc1
	ip -n "$NS_A" link set gc0 up
	ctl_a dev add gc0 >/dev/null
	if [ "$tx" != tcx ]; then
		# before Linux 6.6 (no tcx: a cls_bpf filter) nothing tells that a
		# device of another namespace went (dev_dir_alive(), state.c): as
		# documented, it stays, and its programs with it, until dev del
		[ "$(bpftool map dump pinned /sys/fs/bpf/psp/maps/psp_devs | grep -c '"ifname": "g0"')" -eq 1 ]
	else
		[ "$(bpftool map dump pinned /sys/fs/bpf/psp/maps/psp_devs | grep -c '"ifname": "g0"')" -eq 0 ]
	fi
	# libxdp leaves a vanished interface's dispatcher pinned, and with
	# it psp_rx (and the module its kfuncs are in): gone with the device
	# (freed a grace period after its last pin)
	if [ "$tx" = tcx ] && [ "$dispatcher" = libxdp-dispatcher ]; then
		for _ in $(seq 50); do
			bpftool prog show id "$rx_id" >/dev/null 2>&1 || break
			sleep 0.1
		done
		run ! bpftool prog show id "$rx_id"
	fi
	ctl_a dev del gc0
	ip -n "$NS_A" link del gc0
	# the live devices are untouched
	[ "$(ctl_a -j dev show va | jq -r .xdp)" = psp_rx ]
}

# vector_flow NAME: the TCP flow of a vector's clear frames as vb, their
# receiver, sees it: LOCAL REMOTE (the destination first; IPv6 as
# [ADDR]:PORT), from its first TCP frame. Frames of anything but TCP meet
# no receive policy, so a vector without TCP gets a stand-in flow, there
# only to carry the Rx association of the SPI.
vector_flow() {
	local flow
	flow=$(tcpdump -r "$VECTORS/$1.clear.pcap" -nn -t -c 1 tcp 2>/dev/null | awk '
		function end(s,   i) {	# ADDR.PORT -> ADDR:PORT or [ADDR6]:PORT
			sub(/:$/, "", s)
			i = match(s, /\.[0-9]+$/)
			return (index(s, ":") ? "[" substr(s, 1, i - 1) "]" : substr(s, 1, i - 1)) \
				":" substr(s, i + 1)
		}
		{ print end($4), end($2) }')
	echo "${flow:-10.88.0.2:40000 10.88.0.1:9}"
}

# vector_frames PCAP FILTER: the frames of PCAP that FILTER (tcpdump's,
# the vectors' senders) takes, one a line: tcpdump's reading (absolute TCP
# sequence numbers: a capture holds the flows of several vectors), then
# the bytes up to the IP packet's end, as link padding is no part of the
# packet (psp_rx drops it with the ICV).
vector_frames() {
	tcpdump -r "$1" -nn -S -t -xx "$2" 2>/dev/null | awk '
		function hexval(s,   i, v) {
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		function out(   len) {
			if (h == "")
				return
			if (substr(h, 25, 4) == "0800")
				len = 14 + hexval(substr(h, 33, 4))
			else if (substr(h, 25, 4) == "86dd")
				len = 14 + 40 + hexval(substr(h, 37, 4))
			print line
			print substr(h, 1, 2 * len)
			h = ""
		}
		/^[^ \t]/ { out(); line = $0; next }
		{ for (i = 2; i <= NF; i++) h = h $i }
		END { out() }'
}

# The counter a vector's frames count under: rx-packets for an accept
# vector, else by how the vector was damaged (the manifest's corruption):
# a flipped ICV fails authentication, a reserved bit set is a bad header.
vector_counter() {	# NAME EXPECT
	case $2:$1 in
	accept:*)		echo rx-packets ;;
	reject:bad_icv_*)	echo rx-auth-fail ;;
	reject:bad_reserved_*)	echo rx-bad ;;
	*)			fail "$1: which counter drops it?" ;;
	esac
}

# The counters a replayed frame may count under: it is opened, or dropped
# under one reason.
REPLAY_COUNTERS='["rx-packets", "rx-auth-fail", "rx-bad", "rx-error", "rx-no-sa", "rx-stale",
		  "rx-policy-drop", "rx-plain-drop"]'

# replay_counted BEFORE AFTER: the replay counters that grew from BEFORE to
# AFTER (stats -j of vb), as "NAME +N", comma separated
replay_counted() {
	jq -rn --argjson b "$1" --argjson a "$2" "$REPLAY_COUNTERS"' |
		map(select($a[.] != $b[.]) | "\(.) +\($a[.] - $b[.])") | join(", ")'
}

# replay_vector NAME EXPECT SPI VERSION DERIVED_KEY: NAME's PSP frames sent
# from va to vb, whose device has the vector's device keys, with the Rx
# association of its SPI (rx-assoc --spi) while they pass. Each frame
# counts under vector_counter and no other counter; an accept vector's
# clear frames are appended to $REPLAY_WANT: what must come out of XDP.
replay_vector() {
	local n=$1 expect=$2 spi=$3 version=$4 key=$5 flow rx want sent before after from
	from="ether src $(tcpdump -r "$VECTORS/$n.psp.pcap" -nn -t -e -c 1 2>/dev/null | cut -d' ' -f1)"
	want=$(vector_counter "$n" "$expect")
	flow=$(vector_flow "$n")
	[[ $REPLAY_SENDERS == *"$from"* ]] || REPLAY_SENDERS+="${REPLAY_SENDERS:+ or }$from"
	# shellcheck disable=SC2086 # LOCAL REMOTE
	rx=$(ctl_b -j rx-assoc vb --flow $flow --spi "$spi" --version "$version")
	# the key derived in the kernel is the vector's
	[ "$(jq -r .key <<<"$rx")" = "$key" ] || fail "$n: rx-assoc derived another key"
	before=$(ctl_b -j stats vb)
	sent=$(ip netns exec "$NS_A" "$BUILD/tests/pcap-inject" va "$VECTORS/$n.psp.pcap")
	# every frame through XDP before its association goes
	for _ in $(seq $((100 * TIME_SCALE))); do
		after=$(ctl_b -j stats vb)
		[ $(($(jq ".\"$want\"" <<<"$after") - $(jq ".\"$want\"" <<<"$before"))) -lt "$sent" ] ||
			break
		sleep 0.05
	done
	# shellcheck disable=SC2086
	ctl_b del-assoc vb --flow $flow
	[ "$(replay_counted "$before" "$after")" = "$want +$sent" ] ||
		fail "$n: $sent frames counted as: $(replay_counted "$before" "$after")"
	if [ "$want" = rx-packets ]; then
		vector_frames "$VECTORS/$n.clear.pcap" "$from" >>"$REPLAY_WANT"
		REPLAY_OPENED=$((REPLAY_OPENED + sent))
	fi
	REPLAYED=$((REPLAYED + sent))
}

@test "the shared vectors replayed on the veth: XDP gives back the clear frames, or drops and counts them" {
	local n expect spi version m0 m1 key keys='' accepted=0 rejected=0 cap=$BATS_TEST_TMPDIR/replay.pcap
	REPLAYED=0 REPLAY_OPENED=0 REPLAY_SENDERS='' REPLAY_WANT=$BATS_TEST_TMPDIR/replay.want
	: >"$REPLAY_WANT"
	# the IPv6 tunnel vectors with a VC are 1522-byte frames: a 1500-byte
	# MTU neither sends nor receives them
	ip -n "$NS_A" link set va mtu 1600
	ip -n "$NS_B" link set vb mtu 1600
	# one capture of them all: what came out of XDP, in order
	capture "$NS_B" vb "$cap"
	while IFS=$'\t' read -r n expect spi version m0 m1 key; do
		if [ "$keys" != "$m0 $m1" ]; then
			ctl_b key-import vb --phase 0 --key "$m0"
			ctl_b key-import vb --phase 1 --key "$m1"
			keys="$m0 $m1"
		fi
		replay_vector "$n" "$expect" "$spi" "$version" "$key"
		if [ "$expect" = accept ]; then
			accepted=$((accepted + 1))
		else
			rejected=$((rejected + 1))
		fi
	done < <(jq -r '.vectors[] | [.name, .expect, .params.spi, .params.version,
		.params.master0, .params.master1, .derived_key] | @tsv' "$MANIFEST")
	capture_stop
	echo "# $((accepted + rejected)) vectors ($REPLAYED frames) replayed: $accepted accepted, $rejected rejected" >&3
	[ "$((accepted + rejected))" -eq "$(jq '.vectors | length' "$MANIFEST")" ]
	# two lines a frame: what is compared is there
	[ "$(wc -l <"$REPLAY_WANT")" -eq $((2 * REPLAY_OPENED)) ] ||
		fail "$REPLAY_OPENED frames opened, not all read from the clear vectors"
	vector_frames "$cap" "$REPLAY_SENDERS" | diff -u "$REPLAY_WANT" - ||
		fail "XDP gave other frames than the clear ones"
	ip -n "$NS_A" link set va mtu 1500
	ip -n "$NS_B" link set vb mtu 1500
	ctl_b key-import vb --phase 0 --key "$MASTER0"
	ctl_b key-import vb --phase 1 --key "$MASTER1"
}
