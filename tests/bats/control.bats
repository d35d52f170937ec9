#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The control model of Linux net/psp, mirrored: each test names the case of
# tools/testing/selftests/drivers/net/psp.py or of packetdrill's PSP tests
# it stands for.

load helpers
load netns

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	netns_up
}

teardown_file() {
	netns_down
}

# send_ok FLOW-PORTS...: a small transfer A -> B over the flow goes through
send_small() {	# A_PORT B_PORT SECONDS
	head -c 200k /dev/urandom >"$BATS_TEST_TMPDIR/in"
	xfer "$NS_A" "$NS_B" 10.88.0.1 "$1" 10.88.0.2 "$2" "$BATS_TEST_TMPDIR/in" \
		"$BATS_TEST_TMPDIR/out" "${3:-20}" && cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "dev_rotate: each key-rotate answers with the device id; key-rotations +2" {
	local before id
	before=$(counter a key-rotations)
	id=$(ctl_a -j dev show va | jq .id)
	[ "$(ctl_a -j key-rotate va | jq .id)" -eq "$id" ]
	[ "$(ctl_a -j key-rotate va | jq .id)" -eq "$id" ]
	[ "$(counter a key-rotations)" -eq $((before + 2)) ]
}

@test "rx-assoc by flow: SPI bit 31 flips at a rotation, and counting starts over" {
	local s1 s2
	s1=$(ctl_a -j rx-assoc va --flow 10.88.0.1:42001 10.88.0.2:80 | jq -r .spi)
	ctl_a key-rotate va >/dev/null
	s2=$(ctl_a -j rx-assoc va --flow 10.88.0.1:42002 10.88.0.2:80 | jq -r .spi)
	[ $(( (0x$s1 >> 31) ^ (0x$s2 >> 31) )) -eq 1 ]
	[ $(( 0x$s2 & 0x7fffffff )) -eq 1 ]	# counting starts over in the new phase
}

@test "rx-assoc: ENOSPC, SPI space exhausted, when the phase runs out; a rotation moves on" {
	local map=/sys/fs/bpf/psp/maps/psp_devs entry key val spi last
	entry=$(bpftool -j map dump pinned $map | jq -c '.[] | select(.formatted.value.ifname == "va")')
	key=$(jq -r '.key | map(ltrimstr("0x")) | join(" ")' <<<"$entry")
	# spi_last (bytes 48-51 of struct psp_dev_cfg) one short of the end
	val=$(jq -r '.value | .[48:52] = ["0xfe", "0xff", "0xff", "0x7f"] |
		map(ltrimstr("0x")) | join(" ")' <<<"$entry")
	bpftool map update pinned $map key hex $key value hex $val
	last=$(ctl_a -j rx-assoc va --flow 10.88.0.1:42020 10.88.0.2:80 | jq -r .spi)
	[ $(( 0x$last & 0x7fffffff )) -eq $((0x7fffffff)) ]
	run -1 ctl_a rx-assoc va --flow 10.88.0.1:42021 10.88.0.2:80
	[[ $output == *"ENOSPC: SPI space exhausted"* ]]
	# the other phase counts from the start (past SPIs its older
	# associations still hold)
	ctl_a key-rotate va >/dev/null
	spi=$(ctl_a -j rx-assoc va --flow 10.88.0.1:42021 10.88.0.2:80 | jq -r .spi)
	[ $(( (0x$spi ^ 0x$last) >> 31 )) -eq 1 ]
	[ $(( 0x$spi & 0x7fffffff )) -lt 16 ]
	ctl_a del-assoc va --flow 10.88.0.1:42020 10.88.0.2:80
	ctl_a del-assoc va --flow 10.88.0.1:42021 10.88.0.2:80
}

@test "packetdrill psp-key-rotate-basic: an association survives one rotation" {
	psp_pair 10.88.0.1 42003 10.88.0.2 5103
	ctl_b key-rotate vb >/dev/null
	send_small 42003 5103
}

@test "concurrent rx-assoc by many psp-bpf-ctl never hand out one SPI twice" {
	local out=$BATS_TEST_TMPDIR/spis
	for w in $(seq 0 7); do
		(
			for i in $(seq 0 15); do
				ctl_a -j rx-assoc va --flow "10.88.0.1:$((43000 + w * 100 + i))" 10.88.0.2:443 |
					jq -r .spi
			done
		) >"$out.$w" 3>&- &
	done
	wait
	cat "$out".* >"$out"
	[ "$(wc -l <"$out")" -eq 128 ]
	[ "$(sort -u "$out" | wc -l)" -eq 128 ]
}

@test "monitor: rotations, stale associations and drops as they happen" {
	local out=$BATS_TEST_TMPDIR/events
	ctl_b -j monitor vb --interval 100 >"$out" 3>&- &
	local pid=$! drops=0 rotated
	# until the monitor, which starts from the counters it first reads,
	# has seen one
	for _ in $(seq 10); do
		ctl_b key-rotate vb >/dev/null
		sleep 0.5
		rotated=$(jq -r 'select(.event == "key-rotations") | .ifname' "$out" 2>/dev/null)
		[ -n "$rotated" ] && break
	done
	# a packet with an SPI B never allocated: rx-no-sa
	psp_pair 10.88.0.1 42010 10.88.0.2 5110
	ctl_b del-assoc vb --flow 10.88.0.2:5110 10.88.0.1:42010
	run send_small 42010 5110 2
	# key rotation also makes stale-association events: wait for the drop
	for _ in $(seq 50); do
		drops=$(jq -r 'select(.event == "rx-no-sa" or .event == "rx-policy-drop") | .count' \
			"$out" 2>/dev/null | head -1)
		[ -n "$drops" ] && break
		sleep 0.1
	done
	kill $pid
	wait $pid || true
	[ "$(head -1 <<<"$rotated")" = vb ]
	[ "${drops:-0}" -gt 0 ]
}

# has_flow SIDE LOCAL REMOTE: the side's association list holds the flow
has_flow() {
	"ctl_$1" -j assoc show "v$1" | jq -e --arg f "$2 $3" 'any(.[]; .flow == $f)' >/dev/null
}

@test "gc: flows no socket holds go when idle or closing; a live connection's stay" {
	local rpid spid
	psp_pair 10.88.0.1 42200 10.88.0.2 5200	# no connection ever opens on it
	[ "$(ctl_a -j gc | jq .flows)" -eq 0 ]	# not idle for long yet
	psp_pair 10.88.0.1 42201 10.88.0.2 5201
	ip netns exec "$NS_B" timeout 30 "$XFER" recv 10.88.0.2 5201 >/dev/null 3>&- &
	rpid=$!
	wait_listen "$NS_B" 5201
	# a connection held open for a while
	(sleep 3 | ip netns exec "$NS_A" "$XFER" send 10.88.0.1 42201 10.88.0.2 5201) 3>&- &
	spid=$!
	for _ in $(seq 50); do
		ip netns exec "$NS_A" ss -Htn state established "sport = :42201" | grep -q . && break
		sleep 0.1
	done
	[ "$(ctl_a -j gc --idle 0 | jq .flows)" -ge 1 ]
	! has_flow a 10.88.0.1:42200 10.88.0.2:5200
	has_flow a 10.88.0.1:42201 10.88.0.2:5201
	wait $spid
	wait $rpid
	# B closed second: no socket is left, the flow is closing, it goes once
	# its last packets are past (3 s)
	sleep 3
	[ "$(ctl_b -j gc | jq .flows)" -ge 1 ]
	! has_flow b 10.88.0.2:5201 10.88.0.1:42201
	# A closed first: its socket waits in TIME_WAIT, and the flow with it
	ctl_a gc >/dev/null
	has_flow a 10.88.0.1:42201 10.88.0.2:5201
}
