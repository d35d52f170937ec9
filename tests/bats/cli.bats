#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# psp-bpf-ctl as users run it: pcap encrypt/decrypt on every shared vector
# (whole files compared), derive on every KDF vector, and the CLI contract:
# -h everywhere, -j JSON, exit 2 with one line on bad usage, exit 1 with an
# errno name on failed operations.

load helpers

setup() {
	TMP=$BATS_TEST_TMPDIR
}

teardown() {
	# the host's core_pattern back, whatever a test that set it did
	if [ -n "${CORE_PATTERN:-}" ]; then
		echo "$CORE_PATTERN" >/proc/sys/kernel/core_pattern
	fi
}

@test "pcap encrypt: every accept vector, byte-identical output file" {
	local n count=0
	for n in $(vector_names accept); do
		"$CTL" pcap encrypt $(vector_encrypt_args "$n") \
			-i "$VECTORS/$n.clear.pcap" -o "$TMP/$n.pcap" >/dev/null ||
			fail "$n: encrypt failed"
		cmp "$TMP/$n.pcap" "$VECTORS/$n.psp.pcap" || fail "$n: output differs"
		count=$((count + 1))
	done
	[ "$count" -eq 20 ]
}

@test "pcap decrypt: every accept vector gives the clear file back" {
	local n count=0
	for n in $(vector_names accept); do
		run "$CTL" -j pcap decrypt $(vector_keys "$n") \
			-i "$VECTORS/$n.psp.pcap" -o "$TMP/$n.pcap"
		[ "$status" -eq 0 ] || fail "$n: status $status: $output"
		[ "$(jq '.packets == ."rx-packets"' <<<"$output")" = true ] ||
			fail "$n: not all accepted: $output"
		if [ "$n" = pad_t4_v0 ]; then
			# the receiver drops the Ethernet padding; encrypting
			# what it delivered gives the PSP frame again
			"$CTL" pcap encrypt $(vector_encrypt_args "$n") -i "$TMP/$n.pcap" \
				-o "$TMP/$n.again.pcap" >/dev/null
			cmp "$TMP/$n.again.pcap" "$VECTORS/$n.psp.pcap" || fail "$n: differs"
		else
			cmp "$TMP/$n.pcap" "$VECTORS/$n.clear.pcap" || fail "$n: output differs"
		fi
		count=$((count + 1))
	done
	[ "$count" -eq 20 ]
}

@test "pcap decrypt: reject vectors are dropped under the right counter, exit 0" {
	local n want
	declare -A reason=(
		[bad_icv_t4_v0_co1]=rx-auth-fail
		[bad_icv_t4e_v0_co2]=rx-auth-fail	# google/psp wrongly accepts this one
		[bad_reserved_u6_v1_co11]=rx-bad
	)
	[ "$(vector_names reject | wc -l)" -eq 3 ]
	for n in $(vector_names reject); do
		want=${reason[$n]}
		run "$CTL" -j pcap decrypt $(vector_keys "$n") \
			-i "$VECTORS/$n.psp.pcap" -o "$TMP/$n.pcap"
		[ "$status" -eq 0 ] || fail "$n: status $status"
		[ "$(jq -r ".\"$want\"" <<<"$output")" -eq 1 ] || fail "$n: $output"
		[ "$(jq -r '."rx-packets"' <<<"$output")" -eq 0 ] || fail "$n: accepted"
		# the output holds no packet: a pcap header only
		[ "$(stat -c %s "$TMP/$n.pcap")" -eq 24 ] || fail "$n: wrote packets"
	done
}

@test "pcap decrypt -v names each rejection on stderr" {
	run "$CTL" -v pcap decrypt $(vector_keys bad_icv_t4_v0_co1) \
		-i "$VECTORS/bad_icv_t4_v0_co1.psp.pcap" -o "$TMP/out.pcap"
	[ "$status" -eq 0 ]
	[[ "$output" == *"packet 1: rx-auth-fail: ICV did not verify (spi 9a345678)"* ]]
}

@test "pcap decrypt with the wrong device keys: every packet rx-auth-fail" {
	local zero=0000000000000000000000000000000000000000000000000000000000000000
	run "$CTL" -j pcap decrypt --master0 $zero --master1 $zero \
		-i "$VECTORS/multi_t4_v0_co1.psp.pcap" -o "$TMP/out.pcap"
	[ "$status" -eq 0 ]
	[ "$(jq '."rx-auth-fail"' <<<"$output")" -eq 4 ]
}

@test "pcap decrypt of clear traffic: not PSP, nothing written" {
	run "$CTL" -j pcap decrypt $(vector_keys t4_v0_co1) \
		-i "$VECTORS/multi_u6_v1_co0.clear.pcap" -o "$TMP/out.pcap"
	[ "$status" -eq 0 ]
	[ "$(jq '."not-psp"' <<<"$output")" -eq 3 ]
	[ "$(jq '."rx-packets"' <<<"$output")" -eq 0 ]
}

@test "pcap with -o -: packets on stdout, report on stderr" {
	"$CTL" -j pcap decrypt $(vector_keys t4_v0_co1) -i "$VECTORS/t4_v0_co1.psp.pcap" \
		-o - >"$TMP/out.pcap" 2>"$TMP/report"
	cmp "$TMP/out.pcap" "$VECTORS/t4_v0_co1.clear.pcap"
	[ "$(jq '."rx-packets"' "$TMP/report")" -eq 1 ]
}

@test "pcap encrypt: frames it cannot encapsulate are skipped and counted" {
	# crypt offset 63 keeps 252 bytes in clear: more than a 20-byte TCP ACK has
	run "$CTL" -j pcap encrypt $(vector_keys pad_t4_v0) --spi 1 --version 0 \
		--crypt-off 63 -i "$VECTORS/pad_t4_v0.clear.pcap" -o "$TMP/out.pcap"
	[ "$status" -eq 0 ]
	[ "$(jq '.skipped."crypt-off-past-end"' <<<"$output")" -eq 1 ]
	[ "$(jq '.encrypted' <<<"$output")" -eq 0 ]
}

@test "derive: every kdf.json vector" {
	local master spi version key count=0
	while read -r master spi version key; do
		[ "$("$CTL" derive --master "$master" --spi "$spi" --version "$version")" = "$key" ] ||
			fail "derive $spi v$version"
		count=$((count + 1))
	done < <(jq -r '.vectors[] | "\(.master_key) \(.spi) \(.version) \(.derived_key)"' \
		"$VECTORS/kdf.json")
	[ "$count" -eq 96 ]
}

@test "derive -j: spi, version, kdf blocks and key" {
	run "$CTL" -j derive --master "$(vector_param t4_v0_co1 master1)" --spi 0x9a345678 --version 0
	[ "$status" -eq 0 ]
	[ "$(jq -r .key <<<"$output")" = 3946da2554eae46ad1ef77a64372edc4 ]
	[ "$(jq -r .spi <<<"$output")" = 9a345678 ]
	[ "$(jq -r '."kdf-blocks"[0]' <<<"$output")" = 00000001507630009a34567800000080 ]
}

@test "-h and help print usage and exit 0 for every command" {
	local args
	for args in "-h" "--help" "help" "pcap -h" "pcap help" "pcap encrypt -h" \
		"pcap decrypt --help" "derive -h" "dev -h" "dev add -h" "dev del -h" \
		"dev show -h" "dev set -h" "key-rotate -h" "key-import -h" "rx-assoc -h" "tx-assoc -h" \
		"add-assoc -h" "del-assoc -h" "assoc show -h" "stats -h" "monitor -h"; do
		run "$CTL" $args
		[ "$status" -eq 0 ] || fail "$args: status $status"
		[[ "$output" == Usage:* ]] || fail "$args: $output"
	done
}

@test "-V prints the version" {
	run "$CTL" -V
	[ "$status" -eq 0 ]
	[[ "$output" == "psp-bpf-ctl "[0-9]* ]]
}

# Each bad command line: exit 2 and exactly one line on stderr, saying what.
@test "bad usage: exit 2 with a one-line reason" {
	local k=0000000000000000000000000000000000000000000000000000000000000000
	printf 'backend bpf\n\nversions 4 # four\n' >"$TMP/bad.conf"
	printf 'max-assocs=1\nrx-spread yes\nvesrions 1\n' >"$TMP/key.conf"
	local -a cases=(
		"|a command is missing"
		"frobnicate|unknown command 'frobnicate'"
		"--frob|unknown option '--frob'"
		"pcap|a command is missing"
		"pcap crypt|unknown command 'crypt'"
		"pcap encrypt --bogus|unknown option '--bogus'"
		"pcap encrypt --spi|needs an argument"
		"pcap decrypt --master0 $k -i a -o b|--master0 and --master1 are required"
		"pcap decrypt --master0 12 --master1 $k -i a -o b|--master0 needs 32 bytes in hex, got 2 digits"
		"pcap decrypt --master0 ${k%??}zz --master1 $k -i a -o b|'zz' is not hex"
		"pcap encrypt --master0 $k --master1 $k --spi 1 --version 4 -i a -o b|out of range 0-3"
		"pcap encrypt --master0 $k --master1 $k --spi 1 --version 0 --crypt-off 64 -i a -o b|out of range 0-63"
		"pcap encrypt --master0 $k --master1 $k --spi 80000000 --version 0 -i a -o b|lower 31 bits"
		"pcap encrypt --master0 $k --master1 $k --spi xyz --version 0 -i a -o b|not a 32-bit hex SPI"
		"pcap encrypt --master0 $k --master1 $k --spi 1ffffffff --version 0 -i a -o b|not a 32-bit hex SPI"
		"pcap encrypt --master0 $k --master1 $k --spi 1 --version 0 --iv -1 -i a -o b|not a decimal or 0x-hex number"
		"pcap encrypt --master0 $k --master1 $k --spi 1 --version 0 --vc 00 -i a -o b|--vc needs 8 bytes"
		"pcap encrypt --master0 $k --master1 $k --version 0 -i a -o b|--spi and --version are required"
		"pcap decrypt --master0 $k --master1 $k -i a|-o OUT.pcap are required"
		"derive --master $k --spi 1|are required"
		"derive --master $k --spi 1 --version 0 extra|unexpected argument 'extra'"
		"dev add|one DEV is needed"
		"dev add a b|one DEV is needed"
		"dev add x --versions 4|'4' is not a PSP version"
		"dev add x --backend fast|'fast' is not available"
		"dev add x --aes fast|neither fixed-time nor generic"
		"dev add x --mark 1/zz|--mark: 'zz' is not a decimal or 0x-hex number"
		"dev add x --config|needs an argument"
		"dev add x --config $TMP/none.conf|--config: $TMP/none.conf: No such file or directory"
		"dev add x --config $TMP|--config: $TMP: Is a directory"
		"dev add x --config $TMP/bad.conf|bad.conf:3: versions: '4' is not a PSP version"
		"dev add x --versions 1 --config $TMP/bad.conf|bad.conf:3: versions: '4' is not"
		"dev add x --config $TMP/key.conf|key.conf:3: unknown key 'vesrions' (backend, versions"
		"dev set x|nothing to set"
		"dev set x --mark 1/zz|not a decimal or 0x-hex number"
		"dev frob|unknown command 'frob'"
		"key-rotate|one DEV is needed"
		"key-import x --phase 2 --key $k|out of range 0-1"
		"key-import x --phase 0|--phase and --key are required"
		"rx-assoc x|--flow LOCAL REMOTE is required"
		"rx-assoc x --flow 10.0.0.1:1|--flow needs LOCAL and REMOTE"
		"rx-assoc x --flow 10.0.0.1:0 10.0.0.2:1|is not ADDR:PORT"
		"rx-assoc x --flow 10.0.0.1:1 10.0.0.2:1 --key 00|--key does not apply here"
		"rx-assoc x --flow 10.0.0.1:1 10.0.0.2:1 --spi zz|is not a 32-bit hex SPI"
		"add-assoc x --batch - --flow 10.0.0.1:1 10.0.0.2:1|--batch takes everything else"
		"tx-assoc x --flow 10.0.0.1:1 10.0.0.2:1 --spi 1|--spi and --key are required"
		"tx-assoc x --flow 10.0.0.1:1 10.0.0.2:1 --spi 1 --key 0011|16 or 32 bytes"
		"add-assoc x --flow 10.0.0.1:1 10.0.0.2:1 --tx-spi 1|go together"
		"assoc show a b|at most one DEV"
		"stats a b|at most one DEV"
		"monitor --interval 0|at least 1 ms"
		"-n|needs an argument"
		"-n a/b derive|not a namespace name"
	)
	local c args want
	for c in "${cases[@]}"; do
		args=${c%%|*} want=${c#*|}
		run --separate-stderr "$CTL" $args
		[ "$status" -eq 2 ] || fail "'$args': status $status, want 2"
		[ -z "$output" ] || fail "'$args': wrote to stdout: $output"
		[ "${#stderr_lines[@]}" -eq 1 ] || fail "'$args': ${#stderr_lines[@]} lines: $stderr"
		[[ "$stderr" == "psp-bpf-ctl: "*"$want"* ]] || fail "'$args': '$stderr' lacks '$want'"
	done
}

@test "keys on the command line: wiped from /proc/PID/cmdline once parsed; no core dump, not dumpable" {
	local keys pid master dir
	keys=$(vector_keys t4_v0_co1)
	master=$(vector_param t4_v0_co1 master0)
	# pcap needs no privilege: run by nobody, whose own process it would
	# be to read were psp-bpf-ctl dumpable
	dir=$(mktemp -d)
	chmod 777 "$dir"
	mkfifo -m 666 "$dir/in"
	# blocks opening the FIFO, its arguments parsed
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CTL" pcap decrypt $keys -i "$dir/in" -o "$dir/o.pcap" 3>&- &
	pid=$!
	for _ in $(seq 50); do
		[ "$(stat -c %U "/proc/$pid/environ" 2>/dev/null)" = root ] && break
		sleep 0.1
	done
	sleep 1		# at the FIFO by now
	tr '\0' ' ' <"/proc/$pid/cmdline" >"$TMP/cmdline"
	stat -c %U "/proc/$pid/environ" >"$TMP/owner"
	grep -E "^Max core file size" "/proc/$pid/limits" >"$TMP/core"
	: >"$dir/in"	# a writer: the empty input ends it
	wait $pid || true
	rm -rf "$dir"
	cat "$TMP/cmdline" "$TMP/owner" "$TMP/core"
	[ "$(cat "$TMP/owner")" = root ]
	grep -E "^Max core file size +0 +0 " "$TMP/core"
	grep -q -- "--master0" "$TMP/cmdline"
	run ! grep -qi "${master:0:16}" "$TMP/cmdline"
	# a key of the wrong length is wiped too, and not in the error
	run --separate-stderr "$CTL" tx-assoc x --flow 10.0.0.1:1 10.0.0.2:2 --spi 1 \
		--key "${master:0:30}"
	[ "$status" -eq 2 ]
	[[ "$stderr" != *"${master:0:16}"* ]]
}

# crash PATTERN: crash psp-bpf-ctl, holding keys, and a process that may
# dump core, both with no core size limit, under kernel.core_pattern
# PATTERN; prints the crashes' exit statuses
crash() {
	local pid keys
	keys=$(vector_keys t4_v0_co1)
	echo "$1" >/proc/sys/kernel/core_pattern
	# blocked at a FIFO with the keys parsed, then a segmentation fault
	(ulimit -c unlimited && exec "$CTL" pcap decrypt $keys -i "$CORE/in" -o "$CORE/o") 3>&- &
	pid=$!
	for _ in $(seq 50); do
		grep -q -- "--master0 0" "/proc/$pid/cmdline" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5
	kill -SEGV $pid
	wait $pid
	echo "psp-bpf-ctl $?"
	(ulimit -c unlimited && exec sleep 30) 3>&- &
	pid=$!
	sleep 0.2
	kill -SEGV $pid
	wait $pid
	echo "sleep $?"
}

@test "a crashing psp-bpf-ctl writes no core dump, to a file or to a pipe; a process that may dump does" {
	[ "$(id -u)" -eq 0 ] || skip "needs root: kernel.core_pattern"
	local size=
	CORE=$(mktemp -d)
	mkfifo "$CORE/in"
	CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
	printf '#!/bin/sh\ncat >"%s/piped.$1"\n' "$CORE" >"$CORE/collect"
	chmod 755 "$CORE/collect"
	run crash "$CORE/core.%e.%p"
	echo "$output"
	[[ "$output" == *"psp-bpf-ctl 139"* && "$output" == *"sleep 139"* ]]
	run crash "|$CORE/collect %e"
	# the helper writes on after the crash: the control's dump, which
	# came last, is whole once its size holds still
	for _ in $(seq 100); do
		[ -s "$CORE/piped.sleep" ] && [ "$(stat -c %s "$CORE/piped.sleep")" = "${size:-}" ] &&
			break
		size=$(stat -c %s "$CORE/piped.sleep" 2>/dev/null || true)
		sleep 0.1
	done
	echo "$CORE_PATTERN" >/proc/sys/kernel/core_pattern
	echo "$output"
	ls -l "$CORE"
	# the control dumped both ways: dumps work on this host
	[ -s "$(echo "$CORE"/core.sleep.*)" ]
	[ -s "$CORE/piped.sleep" ]
	# psp-bpf-ctl, with the keys in its memory, neither way (a pipe
	# ignores RLIMIT_CORE; not being dumpable is what stops it there)
	! ls "$CORE" | grep -q 'psp-bpf-ctl'
	rm -rf "$CORE"
}

@test "failed operations: exit 1 with the errno name" {
	local keys
	keys=$(vector_keys t4_v0_co1)
	run --separate-stderr "$CTL" pcap decrypt $keys -i "$TMP/none.pcap" -o "$TMP/o.pcap"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "psp-bpf-ctl: ENOENT: "*none.pcap* ]]
	run --separate-stderr "$CTL" pcap decrypt $keys -i "$ROOT/Makefile" -o "$TMP/o.pcap"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "psp-bpf-ctl: EINVAL: "*Makefile* ]]
	run --separate-stderr "$CTL" pcap decrypt $keys -i "$VECTORS/t4_v0_co1.psp.pcap" \
		-o "$TMP/no/such/dir/o.pcap"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "psp-bpf-ctl: ENOENT: "* ]]
	run --separate-stderr "$CTL" -n psp-bpf-no-such-netns derive -h
	[ "$status" -eq 1 ]
	[[ "$stderr" == "psp-bpf-ctl: ENOENT: "*psp-bpf-no-such-netns* ]]
}

@test "dev add --backend kmod without the module: the reason, exit 1, no device touched" {
	[ "$(id -u)" -eq 0 ] || skip "needs root: bpffs"
	[ ! -e /sys/kernel/btf/psp_crypto ] || skip "psp_crypto.ko is loaded here"
	devs() {	# the devices of this namespace, none if no state
		local d
		d=$("$CTL" -j dev show 2>/dev/null | jq -c 'map(.ifname)')
		echo "${d:-[]}"
	}
	local before
	before=$(devs)
	run --separate-stderr "$CTL" dev add lo --backend kmod
	[ "$status" -eq 1 ]
	[ "$stderr" = "psp-bpf-ctl: ENOENT: the kmod backend needs psp_crypto.ko loaded (modprobe psp_crypto)" ]
	[ "$(devs)" = "$before" ]
}

@test "-n NAME runs the command in that network namespace" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to create a network namespace"
	local ns=psp-cli-$$
	ip netns add "$ns"
	run "$CTL" -n "$ns" derive --master "$(vector_param t4_v0_co1 master1)" --spi 9a345678 --version 0
	ip netns del "$ns"
	[ "$status" -eq 0 ]
	[ "$output" = 3946da2554eae46ad1ef77a64372edc4 ]
}

@test "dev add replaces pinned state another build left; refuses while its devices live" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for bpffs and network namespaces"
	local ns=psp-cli-$$ key stamp
	ip netns add "$ns"
	ip -n "$ns" link add d0 type veth peer name d1
	ip -n "$ns" link add e0 type veth peer name e1
	# state of earlier runs whose devices went with their namespaces goes too
	"$CTL" -n "$ns" dev add d0 && "$CTL" -n "$ns" dev del d0 ||
		{ ip netns del "$ns"; skip "devices of another psp-bpf build are in use on this host"; }
	[ ! -e /sys/fs/bpf/psp/maps ] || { ip netns del "$ns"; skip "psp-bpf devices are in use on this host"; }
	# what a loader killed half way could leave: a device entry, no device
	mkdir -p /sys/fs/bpf/psp/maps /sys/fs/bpf/psp/progs
	bpftool map create /sys/fs/bpf/psp/maps/psp_devs type hash key 8 value 8 entries 4 name psp_devs
	bpftool map create /sys/fs/bpf/psp/progs/psp_rx_key_set type array key 4 value 4 entries 1 name old
	key="01 00 00 00 00 00 00 00"
	bpftool map update pinned /sys/fs/bpf/psp/maps/psp_devs key hex $key value hex $key
	"$CTL" -n "$ns" dev add d0
	[ ! -e /sys/fs/bpf/psp/progs/psp_rx_key_set ]
	# another build's maps, stamped with another layout, d0 still on them
	stamp=$(bpftool -j map lookup pinned /sys/fs/bpf/psp/maps/psp_ctl_state key 0 0 0 0 |
		jq -r '.value | .[4] = "0x5a" | map(ltrimstr("0x")) | join(" ")')
	bpftool map update pinned /sys/fs/bpf/psp/maps/psp_ctl_state key 0 0 0 0 value hex $stamp
	run "$CTL" -n "$ns" dev add e0
	[ "$status" -eq 1 ]
	[[ $output == *"ESTALE: /sys/fs/bpf/psp holds devices added by another psp-bpf build"* ]]
	[ -e /sys/fs/bpf/psp/*/d0/tx_link ]
	# d0 gone without a dev del: its state is nobody's
	ip -n "$ns" link del d0
	"$CTL" -n "$ns" dev add e0
	[ ! -e /sys/fs/bpf/psp/*/d0 ]
	"$CTL" -n "$ns" dev show e0 >/dev/null
	"$CTL" -n "$ns" dev del e0
	ip netns del "$ns"
	# the last device gone, nothing stays pinned
	[ -z "$(ls /sys/fs/bpf/psp/maps /sys/fs/bpf/psp/progs 2>/dev/null)" ]
}

@test "the man page documents every command and option -h lists" {
	local args opt man
	man=$(cat "$ROOT/docs/psp-bpf-ctl.8")
	for args in "-h" "pcap encrypt -h" "pcap decrypt -h" "derive -h" "dev -h" \
		"key-rotate -h" "key-import -h" "rx-assoc -h" "tx-assoc -h" "add-assoc -h" "del-assoc -h" \
		"assoc show -h" "stats -h" "monitor -h" "gc -h"; do
		for opt in $("$CTL" $args | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
			[[ "$man" == *"${opt//-/\\-}"* ]] || fail "'$args' lists $opt, the man page does not"
		done
	done
	for args in "pcap encrypt" "pcap decrypt" "derive" "dev add DEV" "dev del DEV" \
		"dev show [DEV | id N]" "dev set DEV" "dev check DEV" "key-rotate DEV" "key-import DEV" "rx-assoc DEV" \
		"tx-assoc DEV" "add-assoc DEV" "del-assoc DEV" "assoc show [DEV]" "stats [\\-o text|prometheus] [DEV | id N]" \
		"monitor [DEV]" "gc [DEV]"; do
		[[ "$man" == *".SS $args"* ]] || fail "no section for $args"
	done
}

@test "dev add --max-assocs: the first device sizes the maps; another size is EBUSY while devices live; ENOSPC when full" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for bpffs and network namespaces"
	local ns=psp-cli-$$ p
	[ ! -e /sys/fs/bpf/psp/maps ] || skip "psp-bpf devices are in use on this host"
	ip netns add "$ns"
	ip -n "$ns" link add d0 type veth peer name d1
	ip -n "$ns" link add e0 type veth peer name e1
	"$CTL" -n "$ns" dev add d0 --versions all --max-assocs 1000000 >/dev/null
	[ "$("$CTL" -n "$ns" -j dev show d0 | jq '."max-assocs"')" -eq 1000000 ]
	[ "$(bpftool -j map show pinned /sys/fs/bpf/psp/maps/psp_assocs | jq .max_entries)" -eq 1000000 ]
	run --separate-stderr "$CTL" -n "$ns" dev add e0 --max-assocs 5000
	[ "$status" -eq 1 ]
	[[ $stderr == "psp-bpf-ctl: EBUSY: the association maps are sized for 1000000"* ]]
	[ "$("$CTL" -n "$ns" -j dev show | jq length)" -eq 1 ]	# nothing added
	# the same size, or none, joins the state
	"$CTL" -n "$ns" dev add e0 >/dev/null
	[ "$("$CTL" -n "$ns" -j dev show e0 | jq '."max-assocs"')" -eq 1000000 ]
	"$CTL" -n "$ns" dev del e0
	"$CTL" -n "$ns" dev del d0
	# no device left: a new size makes the maps again
	"$CTL" -n "$ns" dev add d0 --versions all --max-assocs 3 >/dev/null
	for p in 1 2 3; do
		"$CTL" -n "$ns" rx-assoc d0 --flow 10.0.0.1:$p 10.0.0.2:80 >/dev/null
	done
	run --separate-stderr "$CTL" -n "$ns" rx-assoc d0 --flow 10.0.0.1:4 10.0.0.2:80
	[ "$status" -eq 1 ]
	[[ $stderr == "psp-bpf-ctl: ENOSPC: the association maps are full (3 entries"* ]]
	"$CTL" -n "$ns" dev del d0
	ip netns del "$ns"
}

@test "dev add --config: the file's settings, the command line's over them; --mark; - reads stdin" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for bpffs and network namespaces"
	[ ! -e /sys/fs/bpf/psp/maps ] || skip "psp-bpf devices are in use on this host"
	local ns=psp-cli-$$
	ip netns add "$ns"
	ip -n "$ns" link add d0 type veth peer name d1
	printf 'versions 0,1\naes=generic  # the T-table AES\nmark 0x10/0xf0\n' >"$TMP/d0.conf"
	"$CTL" -n "$ns" dev add d0 --config "$TMP/d0.conf" --versions 3 --mark 0x20/0xf0 >/dev/null
	run "$CTL" -n "$ns" -j dev show d0
	[ "$(jq '."psp-versions-ena"' <<<"$output")" -eq 8 ]
	[ "$(jq -r .aes <<<"$output")" = generic ]
	[ "$(jq -r .mark <<<"$output")" = 0x20/0xf0 ]
	"$CTL" -n "$ns" dev del d0
	"$CTL" -n "$ns" dev add d0 --aes fixed-time --config - <"$TMP/d0.conf" >/dev/null
	run "$CTL" -n "$ns" -j dev show d0
	[ "$(jq '."psp-versions-ena"' <<<"$output")" -eq 3 ]
	[ "$(jq -r .aes <<<"$output")" = fixed-time ]
	[ "$(jq -r .mark <<<"$output")" = 0x10/0xf0 ]
	"$CTL" -n "$ns" dev del d0
	ip netns del "$ns"
}
