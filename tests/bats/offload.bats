#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The offload backend against the emulated PSP NIC (tests/nic/): a host
# whose device leaves the crypto to its NIC talks PSP with a host on the
# bpf backend.
#   (tests/nic/netns.bash: vo 10.89.0.1, offload -- the NIC -- vb 10.89.0.2, bpf)

load helpers
load netns	# MASTER0/1, ctl_b, counter, xfer
load ../nic/netns

NS_O=psp-off-o
NS_N=psp-off-nic
NS_B=psp-off-b

ctl_o() { "$CTL" -n "$NS_O" "$@"; }

down() {
	ctl_o dev del vo 2>/dev/null || true
	ctl_b dev del vb 2>/dev/null || true
	nic_netns_down
}

# the NIC: a bridge between its ports, the emulation's programs on them
nic_up() {	# HOST_PORT WIRE_PORT DEV_ID
	nsenter --net=/run/netns/"$NS_N" "$BUILD/tests/psp-nic-emu" "$@"
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	down
	nic_netns_up
	ctl_o dev add vo --backend offload --versions all >/dev/null
	ctl_b dev add vb --versions all >/dev/null
	for side in o b; do
		"ctl_$side" key-import "v$side" --phase 0 --key "$MASTER0"
		"ctl_$side" key-import "v$side" --phase 1 --key "$MASTER1"
	done
	nic_up no nw "$(ctl_o -j dev show vo | jq .id)"
	export BIG=$BATS_FILE_TMPDIR/big.bin
	head -c "${BIG_MB}M" /dev/urandom >"$BIG"
}

teardown_file() {
	down
}

@test "dev add --backend offload: the device trusts its NIC's hints" {
	run ctl_o -j dev show vo
	[ "$(jq -r .backend <<<"$output")" = offload ]
	[ "$(ctl_b -j dev show vb | jq -r .backend)" = bpf ]
}

@test "an offload host and a bpf host: 100 MB of TCP each way (20 in the qemu guest), byte for byte" {
	nic_pair 41001 6001
	nic_pair 6002 41002
	xfer "$NS_O" "$NS_B" 10.89.0.1 41001 10.89.0.2 6001 "$BIG" "$BATS_TEST_TMPDIR/ob"
	xfer "$NS_B" "$NS_O" 10.89.0.2 41002 10.89.0.1 6002 "$BIG" "$BATS_TEST_TMPDIR/bo"
	want=$(sha256sum <"$BIG")
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/ob")" = "$want" ]
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/bo")" = "$want" ]
	[ "$(counter o rx-packets)" -gt $((BIG_MB * 700)) ]
	[ "$(counter b rx-packets)" -gt $((BIG_MB * 700)) ]
	for side in o b; do
		for c in rx-auth-fail rx-error rx-bad tx-error rx-hint-ignored; do
			[ "$(counter $side $c)" -eq 0 ] || fail "$side $c: $(counter $side $c)"
		done
	done
}

@test "what the NIC sealed crosses the wire as PSP and decrypts with the userspace reference" {
	local d=$BATS_TEST_TMPDIR
	nic_pair 41003 6003
	for i in $(seq 20000); do echo "PSP-PLAINTEXT-MARKER line $i"; done >"$d/in"
	capture "$NS_N" nw "$d/nw.pcap"
	xfer "$NS_O" "$NS_B" 10.89.0.1 41003 10.89.0.2 6003 "$d/in" "$d/out"
	capture_stop
	cmp "$d/in" "$d/out"
	# what the NIC sent on: from the offload host, on the wire port
	tcpdump -r "$d/nw.pcap" -w "$d/wire.pcap" src host 10.89.0.1 2>/dev/null
	[ "$(tcpdump -nr "$d/wire.pcap" 'udp dst port 1000' 2>/dev/null | wc -l)" -gt 200 ]
	[ "$(tcpdump -nr "$d/wire.pcap" 'not udp dst port 1000' 2>/dev/null | wc -l)" -eq 0 ]
	[ "$(tcpdump -nr "$d/wire.pcap" -A 2>/dev/null | grep -c PSP-PLAINTEXT-MARKER)" -eq 0 ]
	wire_opens "$d/wire.pcap" "$d/clear.pcap"
}

@test "hints reaching a device not set up for offload are ignored and counted" {
	# the NIC turned round: it now hands vb (bpf) what it finds, with a
	# hint, and vb must trust none of it
	nic_up nw no "$(ctl_b -j dev show vb | jq .id)"
	nic_pair 41004 6004
	local before err
	before=$(counter b rx-hint-ignored)
	err=$(counter b rx-error)
	head -c 100k "$BIG" >"$BATS_TEST_TMPDIR/in"
	# 3 s to fail: the first SYN is counted already
	run xfer "$NS_O" "$NS_B" 10.89.0.1 41004 10.89.0.2 6004 "$BATS_TEST_TMPDIR/in" \
		"$BATS_TEST_TMPDIR/out" 3
	[ "$status" -ne 0 ]
	[ "$(counter b rx-hint-ignored)" -gt "$before" ]
	# vb took them as they came: what the offload host left for its NIC
	# to seal lacks the ICV the NIC appends, so is cut short there
	[ "$(counter b rx-error)" -gt "$err" ]
	nic_up no nw "$(ctl_o -j dev show vo | jq .id)"
}
