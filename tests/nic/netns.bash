# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
#
# Sourced by offload.bats and tools/bench/offload-steady: an offload host
# and a bpf host on either side of the emulated PSP NIC (psp-nic-emu).
#
#   $NS_O: vo 10.89.0.1 --veth-- no [$NS_N: br0] nw --veth-- vb 10.89.0.2 :$NS_B
#
# The caller sets CTL, NS_O, NS_N and NS_B, adds the PSP devices and
# starts the NIC on no and nw.

nic_netns_down() {
	for ns in "$NS_O" "$NS_N" "$NS_B"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	return 0
}

nic_netns_up() {
	for ns in "$NS_O" "$NS_N" "$NS_B"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip link add vo netns "$NS_O" type veth peer name no netns "$NS_N"
	ip link add nw netns "$NS_N" type veth peer name vb netns "$NS_B"
	ip -n "$NS_N" link add br0 type bridge
	for p in no nw; do
		ip -n "$NS_N" link set dev "$p" master br0 up
	done
	ip -n "$NS_N" link set br0 up
	ip -n "$NS_O" addr add 10.89.0.1/24 dev vo
	ip -n "$NS_B" addr add 10.89.0.2/24 dev vb
	ip -n "$NS_O" link set vo up
	ip -n "$NS_B" link set vb up
}

# nic_pair PORT_O PORT_B: associations both ways for the flow
# 10.89.0.1:PORT_O <-> 10.89.0.2:PORT_B
nic_pair() {
	local fo="10.89.0.1:$1" fb="10.89.0.2:$2" ro rb
	ro=$("$CTL" -n "$NS_O" -j rx-assoc vo --flow "$fo" "$fb")
	rb=$("$CTL" -n "$NS_B" -j rx-assoc vb --flow "$fb" "$fo")
	"$CTL" -n "$NS_O" tx-assoc vo --flow "$fo" "$fb" \
		--spi "$(jq -r .spi <<<"$rb")" --key "$(jq -r .key <<<"$rb")"
	"$CTL" -n "$NS_B" tx-assoc vb --flow "$fb" "$fo" \
		--spi "$(jq -r .spi <<<"$ro")" --key "$(jq -r .key <<<"$ro")"
}
