#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The kmod backend as a whole, in the qemu guest with psp_crypto.ko
# loaded (tests/vm/guest): the module's BTF, the backend dev add picks,
# receive without a key per association, the wire against the userspace
# reference, and the module's life.

load helpers
load netns

setup_file() {
	[ -e /sys/kernel/btf/psp_crypto ] || skip "psp_crypto.ko is not loaded (make vm-check)"
	netns_up
}

teardown_file() {
	netns_down
}

@test "psp_crypto.ko offers its kfuncs through its BTF" {
	run bpftool btf dump file /sys/kernel/btf/psp_crypto
	[ "$status" -eq 0 ]
	for f in key_create key_release key_id derive xdp_seal xdp_open skb_seal skb_open; do
		[[ "$output" == *"FUNC 'bpf_pspk_$f'"* ]] || fail "no bpf_pspk_$f"
	done
}

@test "dev add picks the kmod backend; psp_tx on tcx, on clsact where there is no tcx" {
	run ctl_a -j dev show va
	[ "$(jq -r .backend <<<"$output")" = kmod ]
	[ "$(jq -r .xdp <<<"$output")" = psp_rx ]
	# tcx came with Linux 6.6
	if [ "$(printf '6.6\n%s\n' "$(uname -r)" | sort -V | head -1)" = 6.6 ]; then
		[ "$(jq -r .tx <<<"$output")" = tcx ]
	else
		[ "$(jq -r .tx <<<"$output")" = clsact ]
		tc -n "$NS_A" filter show dev va egress | grep -q psp_tx
	fi
}

@test "another backend while kmod devices exist: refused with the reason, nothing changed" {
	ip -n "$NS_A" link add dummy0 type dummy
	run --separate-stderr ctl_a dev add dummy0 --backend bpf
	ip -n "$NS_A" link del dummy0
	[ "$status" -eq 1 ]
	[[ "$stderr" == "psp-bpf-ctl: EBUSY: the devices here use the kmod backend"* ]]
	[ "$(ctl_a -j dev show | jq 'length')" -eq 1 ]
	[ "$(ctl_b -j dev show vb | jq -r .backend)" = kmod ]
}

@test "receive keeps no key per association: each packet's is derived" {
	local n=50
	for i in $(seq $n); do
		ctl_a rx-assoc va --flow "10.88.0.1:$((43000 + i))" 10.88.0.2:80 >/dev/null
	done
	[ "$(bpftool -j map dump pinned /sys/fs/bpf/psp/maps/psp_rx_keys | jq 'length')" -eq 0 ]
	[ "$(bpftool -j map dump pinned /sys/fs/bpf/psp/maps/psp_rx_sa | jq 'length')" -ge $n ]
	echo "# $n Rx associations, 0 bytes of receive key state" >&3
	psp_pair 10.88.0.1 40101 10.88.0.2 5101
	head -c 1M /dev/urandom >"$BATS_TEST_TMPDIR/in"
	xfer "$NS_A" "$NS_B" 10.88.0.1 40101 10.88.0.2 5101 "$BATS_TEST_TMPDIR/in" \
		"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	[ "$(counter b rx-auth-fail)" -eq 0 ]
}

@test "a wire capture of kmod traffic is the userspace reference's encryption, byte for byte" {
	local d=$BATS_TEST_TMPDIR spi iv
	psp_pair 10.88.0.1 40102 10.88.0.2 5102 1
	spi=$(ctl_a -j assoc show va | jq -r '.[] | select(.flow | startswith("10.88.0.1:40102 ")) | .["tx-spi"]')
	head -c 300k /dev/urandom >"$d/in"
	capture "$NS_A" va "$d/a.pcap"
	# on one CPU: sealed on two at once (the sender, and the ACKs'
	# softirq), packets may leave in another order than their IVs were
	# given, which PSP allows but the comparison below does not
	taskset -p -c 0 "$BASHPID" >/dev/null
	xfer "$NS_A" "$NS_B" 10.88.0.1 40102 10.88.0.2 5102 "$d/in" "$d/out"
	capture_stop
	cmp "$d/in" "$d/out"
	# the flow's packets from A, all PSP; decrypted, then sealed again by
	# the reference with the SPI and IVs from the first: the very same bytes
	tcpdump -r "$d/a.pcap" -w "$d/wire.pcap" "src host 10.88.0.1 and udp dst port 1000" 2>/dev/null
	# the first IV, which the install seeded from the clock
	iv=$(psp_spi_ivs "$d/wire.pcap" | head -1 | cut -d' ' -f2)
	"$CTL" pcap decrypt --master0 "$MASTER0" --master1 "$MASTER1" -i "$d/wire.pcap" \
		-o "$d/clear.pcap" >/dev/null
	"$CTL" pcap encrypt --master0 "$MASTER0" --master1 "$MASTER1" --spi "$spi" \
		--version 1 --iv $((16#$iv)) -i "$d/clear.pcap" -o "$d/again.pcap" >/dev/null
	tcpdump -r "$d/wire.pcap" -tnxx 2>/dev/null >"$d/wire.txt"
	tcpdump -r "$d/again.pcap" -tnxx 2>/dev/null >"$d/again.txt"
	[ "$(grep -c IP "$d/wire.txt")" -gt 200 ]
	diff "$d/wire.txt" "$d/again.txt"
	echo "# $(grep -c IP "$d/wire.txt") packets equal" >&3
}

@test "psp_crypto.ko stays while a device uses it, and unloads once none does" {
	run rmmod psp_crypto
	[ "$status" -ne 0 ]
	netns_down
	# the maps go with their last pin, their keys a grace period later
	for _ in $(seq 50); do
		rmmod psp_crypto 2>/dev/null && break
		sleep 0.2
	done
	[ ! -e /sys/module/psp_crypto ]
	insmod "$BUILD/kmod/$(uname -r)/psp_crypto.ko"
	netns_up
	[ "$(ctl_a -j dev show va | jq -r .backend)" = kmod ]
}
