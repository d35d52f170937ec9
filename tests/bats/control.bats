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

@test "rx-assoc by flow: SPI bit 31 flips at a rotation, and the count goes on" {
	local s1 s2
	s1=$(ctl_a -j rx-assoc va --flow 10.88.0.1:42001 10.88.0.2:80 | jq -r .spi)
	ctl_a key-rotate va >/dev/null
	s2=$(ctl_a -j rx-assoc va --flow 10.88.0.1:42002 10.88.0.2:80 | jq -r .spi)
	[ $(( (0x$s1 >> 31) ^ (0x$s2 >> 31) )) -eq 1 ]
	[ $(( 0x$s2 & 0x7fffffff )) -eq $(( (0x$s1 & 0x7fffffff) + 1 )) ]
}

@test "a closed flow's SPI is not handed out again under the next key of its phase; on the bpf backend the peer's late packets count rx-no-sa, not rx-auth-fail" {
	local ra old new nosa authfail
	ctl_a key-rotate va >/dev/null
	ra=$(ctl_a -j rx-assoc va --flow 10.88.0.1:42005 10.88.0.2:5105)
	old=$(jq -r .spi <<<"$ra")
	ctl_b add-assoc vb --flow 10.88.0.2:5105 10.88.0.1:42005 --tx-spi "$old" \
		--tx-key "$(jq -r .key <<<"$ra")" >/dev/null
	# A's side closes; two rotations bring its SPI's phase back under a
	# new key, where a count from 1 would hand the SPI out again first
	ctl_a del-assoc va --flow 10.88.0.1:42005 10.88.0.2:5105
	ctl_a key-rotate va >/dev/null
	ctl_a key-rotate va >/dev/null
	new=$(ctl_a -j rx-assoc va --flow 10.88.0.1:42006 10.88.0.2:5106 | jq -r .spi)
	[ $(( (0x$old ^ 0x$new) >> 31 )) -eq 0 ]
	[ "$new" != "$old" ]
	nosa=$(counter a rx-no-sa) authfail=$(counter a rx-auth-fail)
	# B, which never heard of the close, sends on the flow: its SYNs
	# reach A sealed with the old key under the old SPI
	ip netns exec "$NS_B" timeout 2 "$XFER" send 10.88.0.2 5105 10.88.0.1 42005 </dev/null || true
	if [ "${PSP_BACKEND:-bpf}" = kmod ]; then
		# Rx as on a PSP NIC, stateless: the SPI's key comes from the
		# phase's new device key, which the old key's packets fail
		[ "$(counter a rx-auth-fail)" -gt "$authfail" ]
	else
		[ "$(counter a rx-no-sa)" -gt "$nosa" ]
		[ "$(counter a rx-auth-fail)" -eq "$authfail" ]
	fi
	ctl_a del-assoc va --flow 10.88.0.1:42006 10.88.0.2:5106
	ctl_b del-assoc vb --flow 10.88.0.2:5105 10.88.0.1:42005
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
	# the count that ran out starts over in the other phase (past SPIs
	# its older associations still hold)
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

@test "concurrent rx-assoc and add-assoc --batch by many psp-bpf-ctl never hand out one SPI twice" {
	local out=$BATS_TEST_TMPDIR/answers
	for w in $(seq 0 7); do
		for i in $(seq 0 15); do
			ctl_a -j rx-assoc va --flow "10.88.0.1:$((43000 + w * 100 + i))" 10.88.0.2:443
		done >"$out.$w" 2>&1 3>&- &
	done
	# and batches, each one process whose SPIs are allocated while the
	# others' are (the lock is held shared)
	for w in $(seq 0 3); do
		for i in $(seq 0 199); do
			echo "10.88.0.1:$((44000 + w * 200 + i)) 10.88.0.2:443"
		done | ctl_a -j add-assoc va --batch - >"$out.b$w" 2>&1 3>&- &
	done
	wait
	! grep -hv '"spi"' "$out".*	# bats shows what failed
	[ "$(cat "$out".* | jq -r .spi | sort -u | wc -l)" -eq 928 ]
	# each an association of its own (counted by flow: those of earlier
	# tests may go meanwhile, at the end of their TIME_WAIT)
	[ "$(ctl_a -j assoc show va | jq '[.[] | select(.flow | endswith(" 10.88.0.2:443"))] | length')" -eq 928 ]
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
	run ! has_flow a 10.88.0.1:42200 10.88.0.2:5200
	has_flow a 10.88.0.1:42201 10.88.0.2:5201
	wait $spid
	wait $rpid
	# B closed second: no socket is left, the flow is closing, it goes once
	# its last packets are past (3 s)
	sleep 3
	[ "$(ctl_b -j gc | jq .flows)" -ge 1 ]
	run ! has_flow b 10.88.0.2:5201 10.88.0.1:42201
	# A closed first: its socket waits in TIME_WAIT, and the flow with it
	ctl_a gc >/dev/null
	has_flow a 10.88.0.1:42201 10.88.0.2:5201
}

@test "a version the device does not receive: the association is made, with a warning; dev show says so" {
	local key=000102030405060708090a0b0c0d0e0f err=$BATS_TEST_TMPDIR/err
	ctl_a dev set va --versions 0
	ctl_a -j rx-assoc va --flow 10.88.0.1:42601 10.88.0.2:80 --version 1 2>"$err" | jq -e .spi
	grep -F "rx-assoc: warning: va does not receive version 1 (hdr0-aes-gcm-256)" "$err"
	ctl_a tx-assoc va --flow 10.88.0.1:42601 10.88.0.2:80 --version 1 --spi 21 \
		--key $key$key 2>"$err"
	grep -F "tx-assoc: warning: va does not receive version 1" "$err"
	# the versions it does receive: not a word
	ctl_a -j rx-assoc va --flow 10.88.0.1:42602 10.88.0.2:80 --version 0 2>"$err" | jq -e .spi
	[ ! -s "$err" ]
	# a batch: once for each version, whatever its lines
	printf '10.88.0.1:%s 10.88.0.2:80 --version 3\n' 42603 42604 |
		ctl_a -j add-assoc va --batch - 2>"$err" | jq -e .spi
	[ "$(grep -c "add-assoc: warning: va does not receive version 3" "$err")" -eq 1 ]
	[ "$(wc -l <"$err")" -eq 1 ]
	ctl_a dev show va | grep -F " rx-versions hdr0-aes-gcm-128 "
	[ "$(ctl_a -j dev show va | jq -c '.["rx-versions"]')" = '["hdr0-aes-gcm-128"]' ]
	ctl_a dev set va --versions none
	ctl_a dev show va | grep -F " rx-versions none (every PSP packet dropped"
	[ "$(ctl_a -j dev show va | jq -c '.["rx-versions"]')" = '[]' ]
	ctl_a dev set va --versions all
	for port in 42601 42602 42603 42604; do
		ctl_a del-assoc va --flow 10.88.0.1:$port 10.88.0.2:80
	done
}

@test "add-assoc --batch: one answer a line, in order; a line that fails changes nothing, the others go on" {
	local key=000102030405060708090a0b0c0d0e0f n
	{
		echo "10.88.0.1:42401 10.88.0.2:80"
		echo "# a comment, and a blank line: no answer"
		echo
		echo "10.88.0.1:42402 10.88.0.2:80 --tx-spi 12 --tx-key $key"
		echo "10.88.0.1:42403 nonsense"
		echo "10.88.0.1:42404 10.88.0.2:80 --tx-spi 0 --tx-key $key"
		echo "10.88.0.1:42402 10.88.0.2:80 --tx-spi 13 --tx-key $key"
		echo "[fd88::1]:42405 [fd88::2]:80 --version 1 --tx-spi 14 --tx-key $key$key --vc 0102030405060708"
	} >"$BATS_TEST_TMPDIR/lines"
	n=$(ctl_a -j assoc show va | jq length)
	run ctl_a -j add-assoc va --batch - <"$BATS_TEST_TMPDIR/lines"
	[ "$status" -eq 1 ]
	jq -s . <<<"$(grep '^{' <<<"$output")" >"$BATS_TEST_TMPDIR/answers"
	[ "$(jq length "$BATS_TEST_TMPDIR/answers")" -eq 6 ]
	[ "$(jq -r '[.[] | .error // "ok"] | join(" ")' "$BATS_TEST_TMPDIR/answers")" = \
	  "ok ok EINVAL EINVAL EBUSY ok" ]
	jq -e '.[0].spi and .[0].key and .[1].spi and (.[5].key | length) == 64' \
		"$BATS_TEST_TMPDIR/answers" >/dev/null
	# the line whose Tx failed left no Rx behind; the three new flows are in
	run ! has_flow a 10.88.0.1:42404 10.88.0.2:80
	[ "$(ctl_a -j assoc show va | jq length)" -eq $((n + 3)) ]
	for port in 42401 42402; do
		ctl_a del-assoc va --flow 10.88.0.1:$port 10.88.0.2:80
	done
	ctl_a del-assoc va --flow "[fd88::1]:42405" "[fd88::2]:80"
}

# static_pair A_PORT B_PORT: associations both ways for the flow with the
# fixed SPIs below, so that each side's keys are the same every time
STATIC_SPI_A=00000777 STATIC_SPI_B=80000777
static_pair() {
	local fa="10.88.0.1:$1" fb="10.88.0.2:$2" ra rb
	ra=$(ctl_a -j rx-assoc va --flow "$fa" "$fb" --spi $STATIC_SPI_A)
	rb=$(ctl_b -j rx-assoc vb --flow "$fb" "$fa" --spi $STATIC_SPI_B)
	ctl_a tx-assoc va --flow "$fa" "$fb" --spi $STATIC_SPI_B --key "$(jq -r .key <<<"$rb")"
	ctl_b tx-assoc vb --flow "$fb" "$fa" --spi $STATIC_SPI_A --key "$(jq -r .key <<<"$ra")"
	jq -r .key <<<"$rb" >>"$BATS_TEST_TMPDIR/keys"
}

# devs_again: both devices deleted and added again from the known device
# keys (earlier tests rotated them), as after a restart
devs_again() {
	for side in a b; do
		"ctl_$side" dev del "v$side"
		dev_up $side
	done
}

# The last two take both devices down and up again.
@test "rx-assoc --spi: the SPI given, EBUSY while it is taken, EINVAL for index 0" {
	local r
	devs_again
	r=$(ctl_b -j rx-assoc vb --flow 10.88.0.2:5290 10.88.0.1:42290 --spi 80000abc)
	[ "$(jq -r .spi <<<"$r")" = 80000abc ]
	# the key of that SPI is the one the device key derives
	[ "$(jq -r .key <<<"$r")" = "$("$CTL" derive --master "$MASTER1" --spi 80000abc \
		--version 0)" ]
	run ctl_b rx-assoc vb --flow 10.88.0.2:5291 10.88.0.1:42291 --spi 80000abc
	[ "$status" -eq 1 ]
	[[ $output == *EBUSY* ]]
	run ctl_b rx-assoc vb --flow 10.88.0.2:5291 10.88.0.1:42291 --spi 80000000
	[ "$status" -eq 1 ]
	[[ $output == *EINVAL* ]]
	ctl_b del-assoc vb --flow 10.88.0.2:5290 10.88.0.1:42290
}

@test "IVs never repeat under a key: installed again after del-assoc, and after dev del and add with key-import" {
	local d=$BATS_TEST_TMPDIR n
	devs_again
	capture "$NS_A" va "$d/wire.pcap"
	static_pair 42301 5301
	send_small 42301 5301
	# the same SPIs, so the same keys, after del-assoc
	ctl_a del-assoc va --flow 10.88.0.1:42301 10.88.0.2:5301
	ctl_b del-assoc vb --flow 10.88.0.2:5301 10.88.0.1:42301
	static_pair 42302 5302
	send_small 42302 5302
	# and on devices made again from the same device keys, as after a restart
	devs_again
	static_pair 42303 5303
	send_small 42303 5303
	capture_stop
	[ "$(sort -u "$d/keys" | wc -l)" -eq 1 ]
	# every packet A sealed under that key, each with an IV of its own
	psp_spi_ivs "$d/wire.pcap" "src host 10.88.0.1" >"$d/ivs"
	n=$(grep -c "^$STATIC_SPI_B " "$d/ivs")
	[ "$n" -gt 300 ]
	[ "$(grep "^$STATIC_SPI_B " "$d/ivs" | sort -u | wc -l)" -eq "$n" ]
	echo "# $n packets under one key, $n IVs" >&3
}

# Every key-handling command with -v, in text and JSON, succeeding and
# failing: their output, stdout and stderr together, without the one key
# rx-assoc (and add-assoc, which runs it) answers with.
secrets_sweep() {	# OUT
	local m0=$1 m1=$2 tkey=$3 out=$4 d=$BATS_TEST_TMPDIR j
	for j in "" -j; do
		ctl_a -v $j key-import va --phase 0 --key "$m0"
		ctl_a -v $j key-import va --phase 1 --key "$m1"
		ctl_a -v $j key-import va --phase 0 --key "${m0:0:62}"	# odd length
		ctl_a -v $j key-import va --phase 1 --key "${m1}00"	# too long
		ctl_a -v $j key-import psp-bpf-no-dev --phase 0 --key "$m0"
		# its answer holds the Rx key: kept aside, not swept
		ctl_a -v $j rx-assoc va --flow 10.88.0.1:42701 10.88.0.2:80 >"$d/rx$j"
		ctl_a -v $j tx-assoc va --flow 10.88.0.1:42701 10.88.0.2:80 --spi 7001 --key "$tkey"
		ctl_a -v $j tx-assoc va --flow 10.88.0.1:42701 10.88.0.2:80 --spi 7001 --key "$tkey"
		ctl_a -v $j tx-assoc va --flow 10.88.0.1:42702 10.88.0.2:80 --spi 7001 \
			--key "${tkey:0:30}"
		ctl_a -v $j tx-assoc psp-bpf-no-dev --flow 10.88.0.1:1 10.88.0.2:2 --spi 1 \
			--key "$tkey"
		# a batch with keys, a line that fails among them
		printf '%s\n' "10.88.0.1:42703 10.88.0.2:80 --tx-spi 7002 --tx-key $tkey" \
			"10.88.0.1:42701 10.88.0.2:80 --tx-spi 7003 --tx-key $tkey" \
			"10.88.0.1:42704 10.88.0.2:80 --tx-spi 7004 --tx-key ${tkey:0:31}" |
			ctl_a -v $j add-assoc va --batch - >"$d/batch$j"
		# the batch's answers, less the Rx keys it hands out
		if [ -n "$j" ]; then
			jq -c 'del(.key)' "$d/batch$j"
		else
			sed 's/ key [0-9a-f]*//' "$d/batch$j"
		fi
		ctl_a -v $j dev show va
		ctl_a -v $j assoc show va
		ctl_a -v $j stats va
		ctl_a -v $j gc va
		ctl_a -v $j pcap decrypt --master0 "$m0" --master1 "$m1" \
			-i "$VECTORS/t4_v0_co1.psp.pcap" -o "$d/o.pcap"
		ctl_a -v $j pcap encrypt --master0 "$m0" --master1 "$m1" --spi 1 --version 0 \
			-i "$VECTORS/t4_v0_co1.clear.pcap" -o "$d/e.pcap"
		ctl_a -v $j pcap decrypt --master0 "${m0:0:16}" --master1 "$m1" \
			-i "$VECTORS/t4_v0_co1.psp.pcap" -o "$d/o.pcap"
		for port in 42701 42703 42704; do
			ctl_a -v $j del-assoc va --flow 10.88.0.1:$port 10.88.0.2:80
		done
		ctl_a -v $j del-assoc va --flow 10.88.0.1:42701 10.88.0.2:80
		ctl_a -v $j key-rotate va
	done >"$out" 2>&1
}

@test "secrets: no key bytes in -v output, JSON or error messages, in any map dump, or in rx-assoc's output but its own key" {
	local m0 m1 tkey rkey rkeys out=$BATS_TEST_TMPDIR/out key dump
	m0=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	m1=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	tkey=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	# errexit is off in a function called as the left of ||: every command runs
	secrets_sweep "$m0" "$m1" "$tkey" "$out" || true
	# the sweep said something of each kind: answers, errors, per-packet
	# reasons
	grep -q '"spi"' "$out"
	grep -q 'EBUSY: Tx key already set' "$out"
	grep -q 'ENODEV' "$out"
	grep -q 'needs 32 bytes in hex' "$out"
	grep -q 'rx-auth-fail: ICV did not verify' "$out"
	# the Rx keys rx-assoc and add-assoc answered with, in text and JSON
	rkeys=$(cat "$BATS_TEST_TMPDIR"/rx* "$BATS_TEST_TMPDIR"/batch* |
		grep -oE '(key |"key":")[0-9a-f]{32}' | grep -oE '[0-9a-f]{32}')
	[ "$(wc -w <<<"$rkeys")" -eq 4 ]
	# and one made now, its association still there for the map dump
	rkey=$(ctl_a -j rx-assoc va --flow 10.88.0.1:42705 10.88.0.2:80 | jq -r .key)
	[ "${#rkey}" -eq 32 ]
	dump=$(for m in /sys/fs/bpf/psp/maps/*; do bpftool -j map dump pinned "$m" 2>&1; done)
	for key in "$m0" "$m1" "$tkey" "$rkey" $rkeys; do
		! grep -qi "${key:0:12}" "$out" || fail "key bytes of $key in: $(grep -i "${key:0:12}" "$out")"
		[[ "$(tr -d ' ",x' <<<"$dump")" != *"${key:0:12}"* ]] || fail "$key in a map dump"
	done
	ctl_a del-assoc va --flow 10.88.0.1:42705 10.88.0.2:80
	wc -l <"$out"
}
