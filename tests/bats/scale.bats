#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Scale: a million associations on one device, installed through
# add-assoc --batch on devices sized for them (dev add --max-assocs), and
# TCP through PSP on a thousand of them picked at random.

load helpers
load netns

N_ASSOCS=${PSP_SCALE_ASSOCS:-1000000}	# flows of va: N_ASSOCS / 1000 local ports x 1000 remote
N_TRAFFIC=1000				# one per remote port, its local port at random
CHUNK=100				# transfers at once

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	netns_up --max-assocs $((N_ASSOCS + 4096))
}

teardown_file() {
	netns_down
}

@test "$N_ASSOCS associations through add-assoc --batch; dev show counts them; $N_TRAFFIC of them, picked at random, carry traffic" {
	local d=$BATS_FILE_TMPDIR lports=$((N_ASSOCS / 1000)) start secs k
	# the flows to carry traffic: remote port 30000 + k, a random local port
	for ((k = 0; k < N_TRAFFIC; k++)); do
		echo "$((20000 + RANDOM % lports)) $((30000 + k))"
	done >"$d/picked"
	# vb's side of them first: its SPIs and keys go in va's lines
	awk '{ print "10.88.0.2:" $2 " 10.88.0.1:" $1 }' "$d/picked" |
		ctl_b -j add-assoc vb --batch - >"$d/b.out"
	[ "$(jq -s 'map(select(.spi)) | length' "$d/b.out")" -eq "$N_TRAFFIC" ]
	paste -d' ' "$d/picked" <(jq -r '"\(.spi) \(.key)"' "$d/b.out") >"$d/picked.b"
	# every flow of va, the picked ones with vb's SPI and key
	awk -v lports="$lports" 'NR == FNR { tx[$1 " " $2] = " --tx-spi " $3 " --tx-key " $4; next }
		END { for (l = 20000; l < 20000 + lports; l++)
			for (r = 30000; r < 31000; r++)
				print "10.88.0.1:" l " 10.88.0.2:" r tx[l " " r] }' "$d/picked.b" /dev/null >"$d/a.in"
	[ "$(wc -l <"$d/a.in")" -eq "$N_ASSOCS" ]
	start=$EPOCHREALTIME
	ctl_a -j add-assoc va --batch "$d/a.in" >"$d/a.out"
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	[ "$(wc -l <"$d/a.out")" -eq "$N_ASSOCS" ]
	[ "$(grep -c '"error"' "$d/a.out")" -eq 0 ]
	echo "# $N_ASSOCS lines in $secs s" >&3
	[ "$(ctl_a -j dev show va | jq '."rx-assocs"')" -eq "$N_ASSOCS" ]
	[ "$(ctl_a -j dev show va | jq '."tx-assocs"')" -eq "$N_TRAFFIC" ]
	# vb's Tx for the picked flows, from va's answers to their lines
	paste -d' ' "$d/a.in" "$d/a.out" | grep -- --tx-spi | awk '
		function field(name) {
			match($NF, "\"" name "\":\"[0-9a-f]*\"")
			return substr($NF, RSTART + length(name) + 4, RLENGTH - length(name) - 5)
		}
		{ sub(/.*:/, "", $1); sub(/.*:/, "", $2)
		  print "10.88.0.2:" $2, "10.88.0.1:" $1, "--tx-spi", field("spi"),
			"--tx-key", field("key") }' | ctl_b -j add-assoc vb --batch - >"$d/b.tx"
	[ "$(grep -c '"error"' "$d/b.tx")" -eq 0 ]
	echo "# $(date +%T) traffic" >&3
	[ "$(wc -l <"$d/b.tx")" -eq "$N_TRAFFIC" ]
	head -c 20k /dev/urandom >"$d/in"
	# the transfers, CHUNK at a time, each byte for byte (nsenter: ip
	# netns exec mounts a /sys of its own for each of them)
	split -l "$CHUNK" "$d/picked" "$d/chunk."
	for c in "$d"/chunk.*; do
		while read -r lp rp; do
			nsenter --net="/run/netns/$NS_B" timeout 30 "$XFER" recv 10.88.0.2 "$rp" \
				>"$d/out.$rp" &
		done <"$c"
		for _ in $(seq 100); do
			[ "$(nsenter --net="/run/netns/$NS_B" ss -Hltn | wc -l)" -ge "$(wc -l <"$c")" ] &&
				break
			sleep 0.1
		done
		while read -r lp rp; do
			nsenter --net="/run/netns/$NS_A" timeout 30 "$XFER" send 10.88.0.1 "$lp" \
				10.88.0.2 "$rp" <"$d/in" >/dev/null &
		done <"$c"
		wait
	done
	for ((k = 0; k < N_TRAFFIC; k++)); do
		cmp "$d/in" "$d/out.$((30000 + k))"
	done
	[ "$(counter b rx-packets)" -ge $((N_TRAFFIC * 10)) ]
	for side in a b; do
		[ "$(counter $side rx-auth-fail)" -eq 0 ]
		[ "$(counter $side rx-policy-drop)" -eq 0 ]
		[ "$(counter $side tx-error)" -eq 0 ]
	done
}
