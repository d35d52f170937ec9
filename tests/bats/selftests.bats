#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The Linux kernel's PSP selftests (tools/testing/selftests/drivers/net/
# psp.py) and its packetdrill PSP cases, mirrored: each test is named for
# the case it stands for. Applications upgrade real connections through
# libpspbpf's socket API: psp-cases in namespace A, the selftests' own
# psp-responder protocol in namespace B.

load helpers
load netns

PORT=7100

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	netns_up
	responder_up $PORT
}

teardown_file() {
	responders_down
	netns_down
}

# case NAME [ARGS]: one case of psp-cases against the responder
case_run() {
	run nsenter --net="/run/netns/$NS_A" "$BUILD/tests/psp-cases" --remote 10.88.0.2 \
		--remote6 fd88::2 --port $PORT --dev va "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *FAILED* ]]
}

@test "dev_list_devices: the dump holds our device" {
	local id
	id=$(ctl_a -j dev show va | jq .id)
	ctl_a -j dev show | jq -e --argjson id "$id" 'any(.[]; .id == $id)'
}

@test "dev_get_device: dev show id N answers with that device" {
	local id
	id=$(ctl_a -j dev show va | jq .id)
	[ "$(ctl_a -j dev show id "$id" | jq .id)" -eq "$id" ]
}

@test "dev_get_device_bad: an id no device has is ENODEV" {
	run -1 ctl_a dev show id 1234567
	[[ $output == *ENODEV* ]]
}

@test "dev_rotate_spi: SPI bit 31 differs before and after one rotation" {
	case_run dev_rotate_spi
}

@test "assoc_basic: rx-assoc and tx-assoc on an unconnected socket with dev-id" {
	case_run assoc_basic
}

# Linux frees them with the socket; here gc does, as sock_diag has no
# socket of their cookie any more (dev_rotate_spi and assoc_basic leave them)
@test "gc: associations of sockets that closed unconnected are reclaimed" {
	local n
	n=$(ctl_a -j gc va --idle 0 | jq .unbound)
	echo "reclaimed $n"
	[ "$n" -ge 1 ]
	[ "$(ctl_a -j gc va --idle 0 | jq .unbound)" -eq 0 ]
}

@test "assoc_bad_dev: rx-assoc with an unknown dev-id is ENODEV" {
	case_run assoc_bad_dev
}

@test "assoc_sk_only_conn: a connected socket needs no dev-id" {
	case_run assoc_sk_only_conn
}

@test "assoc_sk_only_mismatch: rx-assoc with a dev-id not the socket's is EINVAL" {
	case_run assoc_sk_only_mismatch
}

@test "assoc_sk_only_mismatch_tx: tx-assoc with a dev-id not the socket's is EINVAL" {
	case_run assoc_sk_only_mismatch_tx
}

@test "assoc_sk_only_unconn: an unconnected socket without dev-id is EINVAL" {
	case_run assoc_sk_only_unconn
}

@test "assoc_version_mismatch: tx-assoc of another version than rx-assoc is EINVAL" {
	case_run assoc_version_mismatch
}

@test "assoc_twice: one Tx key on two sockets" {
	case_run assoc_twice
}

@test "data_basic_send_v0_ip4" { case_run data_basic_send --version 0 --ip 4; }
@test "data_basic_send_v0_ip6" { case_run data_basic_send --version 0 --ip 6; }
@test "data_basic_send_v1_ip4" { case_run data_basic_send --version 1 --ip 4; }
@test "data_basic_send_v1_ip6" { case_run data_basic_send --version 1 --ip 6; }
@test "data_basic_send_v2_ip4" { case_run data_basic_send --version 2 --ip 4; }
@test "data_basic_send_v2_ip6" { case_run data_basic_send --version 2 --ip 6; }
@test "data_basic_send_v3_ip4" { case_run data_basic_send --version 3 --ip 4; }
@test "data_basic_send_v3_ip6" { case_run data_basic_send --version 3 --ip 6; }

@test "data_send_bad_key: nothing arrives, and the peer counts rx-auth-fail" {
	local before
	before=$(counter b rx-auth-fail)
	case_run data_send_bad_key
	[ "$(counter b rx-auth-fail)" -gt "$before" ]
}

@test "data_send_disconnect: PSP data, then shutdown and close" {
	case_run data_send_disconnect
}

@test "data_mss_adjust_ip4: MSS the same after rx-assoc, 40 less after tx-assoc" {
	case_run data_mss_adjust --ip 4
}

@test "data_mss_adjust_ip6: MSS the same after rx-assoc, 40 less after tx-assoc" {
	case_run data_mss_adjust --ip 6
}

@test "data_stale_key, packetdrill psp-key-rotate-disconnect: dead at the second rotation" {
	local before
	before=$(counter a stale-events)
	case_run data_stale_key
	[ "$(counter a stale-events)" -gt "$before" ]
	# the kmod backend keeps no Rx key to find gone: the key the new
	# device key derives fails the packets, as on PSP hardware
	if [ "$(ctl_a -j dev show va | jq -r .backend)" = kmod ]; then
		[ "$(counter a rx-auth-fail)" -gt 0 ]
	else
		[ "$(counter a rx-stale)" -gt 0 ]
	fi
}

@test "packetdrill psp-key-rotate-basic: a connection lives through one rotation" {
	case_run key_rotate_basic
}

@test "packetdrill psp-tx-drop-plaintext-data: data in clear after the upgrade is dropped" {
	local before
	before=$(counter a rx-plain-drop)
	case_run tx_drop_plaintext_data
	[ "$(counter a rx-plain-drop)" -gt "$before" ]
}

@test "packetdrill psp-tx-accept-fin: a FIN in clear at the latched rcv_nxt closes" {
	case_run tx_accept_fin
}

@test "packetdrill psp-tx-accept-fin: a FIN in clear past the latch is dropped" {
	case_run tx_drop_late_fin
}

@test "packetdrill psp-tx-key-retry: tx-assoc refused while clear data waits, then accepted" {
	case_run tx_key_retry
}

# No kernel case: its PSP devices are there before any socket
@test "data_mss_adjust on a connection opened before dev add, IPv4" {
	case_run data_mss_preexisting --ip 4
}

@test "data_mss_adjust on a connection opened before dev add, IPv6" {
	case_run data_mss_preexisting --ip 6
}

# The kernel re-registers a netdevsim PSP device; here the device is
# deleted and added again under live associations. Last: the device comes
# back with new keys.
@test "removal_device_rx: dev del and add under an Rx association" {
	case_run removal_device_rx
}

@test "removal_device_bi: dev del and add under Rx and Tx associations" {
	case_run removal_device_bi
}
