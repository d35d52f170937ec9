#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Killed mid-operation: dev check finds what a command killed half way
# leaves in the pinned state, --repair mends it, and after a thousand
# SIGKILLs of every command that changes state at random points in its
# work the devices still carry PSP and dev del leaves nothing pinned.
#
# The orphans of the first tests are made by hand with bpftool, each as a
# killed command leaves it (the one left by a killed del-assoc is a Tx key
# without its Tx SA, for instance); the kill trials make them for real.

load helpers
load netns

MAPS=/sys/fs/bpf/psp/maps
PEER_KEY=000102030405060708090a0b0c0d0e0f

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	netns_up
}

teardown_file() {
	netns_down
}

# A transfer A -> B through the flow's associations goes through whole.
send_small() {	# A_PORT B_PORT
	head -c 100k /dev/urandom >"$BATS_TEST_TMPDIR/in"
	xfer "$NS_A" "$NS_B" 10.88.0.1 "$1" 10.88.0.2 "$2" "$BATS_TEST_TMPDIR/in" \
		"$BATS_TEST_TMPDIR/out" 20 && cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

# Ports of flows no connection uses: one more each call, in $PORT.
next_port() {
	local f=$BATS_FILE_TMPDIR/port n
	n=$(cat "$f" 2>/dev/null || echo 20000)
	PORT=$((n + 1))
	echo $PORT >"$f"
}

be16() {	# a port as bpftool prints a __be16
	echo $(( ($1 & 0xff) << 8 | $1 >> 8 ))
}

dev_id() {	# SIDE
	"ctl_$1" -j dev show "v$1" | jq .id
}

# entry MAP FILTER: the one entry of MAP whose formatted key and value
# FILTER (jq) selects, as bpftool prints it
entry() {
	bpftool -j map dump pinned "$MAPS/$1" |
		jq -ce "[.[] | select(.formatted | $2)] | if length == 1 then .[0] else
			error(\"\(length) entries of $1\") end"
}

hex_of() {	# FIELD: bpftool's bytes of the entry on stdin, for "key hex"
	jq -r ".$1 | map(ltrimstr(\"0x\")) | join(\" \")"
}

map_del() {	# MAP FILTER
	bpftool map delete pinned "$MAPS/$1" key hex $(entry "$1" "$2" | hex_of key)
}

map_poke() {	# MAP FILTER OFFSET BYTE: one byte of the entry's value replaced
	local e
	e=$(entry "$1" "$2" | jq -c --argjson o "$3" --arg b "$4" '.value[$o] = $b')
	bpftool map update pinned "$MAPS/$1" key hex $(hex_of key <<<"$e") \
		value hex $(hex_of value <<<"$e")
}

flow_is() {	# PORT: the filter of va's flow from that port
	echo ".key.dev_id == $(dev_id a) and .key.family == 2 and .key.lport == $(be16 "$1")"
}

spi_is() {	# SPI (hex)
	echo ".key.dev_id == $(dev_id a) and .key.spi == $((16#$1))"
}

# rx_only / full: an association of a new flow on va, Rx alone or both
# ways with a made-up peer; its flow's port in $PORT, its SPI in $SPI.
rx_only() {
	next_port
	SPI=$(ctl_a -j rx-assoc va --flow 10.88.0.1:$PORT 10.88.0.2:80 | jq -r .spi)
}

full() {
	rx_only
	ctl_a tx-assoc va --flow 10.88.0.1:$PORT 10.88.0.2:80 --spi 4242 --key $PEER_KEY
}

# PSP still works on va: associations both ways for a new flow, and a
# transfer through them.
works() {
	next_port
	psp_pair 10.88.0.1 $PORT 10.88.0.2 $((PORT + 10000))
	send_small $PORT $((PORT + 10000))
}

# check_finds [NAME COUNT]...: dev check va exits 1 naming exactly those
# categories with those counts; --repair mends them and a second check
# exits 0.
check_finds() {
	local want got
	want=$(printf '%s %s\n' "$@" | jq -cRn '[inputs | split(" ") |
		{(.[0]): (.[1] | tonumber)}] | add')
	run -1 --separate-stderr ctl_a -j dev check va
	got=$(jq -c '.orphans | with_entries(select(.value > 0))' <<<"$output")
	jq -e --argjson w "$want" '. == $w' <<<"$got" >/dev/null ||
		fail "dev check found $got, not $want"
	[[ $stderr == "psp-bpf-ctl: EUCLEAN: va: orphaned $1 $2"*"(dev check --repair)" ]] ||
		fail "stderr: $stderr"
	run -0 ctl_a -j dev check va --repair
	jq -e --argjson w "$want" '.repaired and .consistent and
		(.orphans | with_entries(select(.value > 0))) == $w and
		([.left[]] | add) == 0' <<<"$output" >/dev/null
	run -0 ctl_a dev check va
	[[ $output == *", consistent" ]]
}

@test "dev check: devices with associations both ways, TCP through them, are consistent" {
	local p
	for p in 21001 21002 21003; do
		psp_pair 10.88.0.1 $p 10.88.0.2 $((p + 10000))
	done
	send_small 21001 31001
	rx_only
	full
	ctl_a -j dev check va | jq -e '.consistent and ([.orphans[]] | add) == 0 and .["dev-id"] > 0'
	ctl_b dev check vb
	run -0 ctl_a dev check va
	[[ $output == "va: PSP device $(dev_id a), consistent" ]]
	# --repair of a consistent device changes nothing
	run -0 ctl_a -j dev check va --repair
	jq -e '.consistent and (.repaired | not)' <<<"$output"
	send_small 21002 31002
	# bad input: one line, exit 2
	run -2 --separate-stderr ctl_a dev check
	[[ $stderr == *"dev check: one DEV is needed"* ]]
	run -2 --separate-stderr ctl_a dev check va --mend
	[[ $stderr == *"dev check: unknown option '--mend'"* ]]
	# no such device, nothing of it anywhere
	run -1 --separate-stderr ctl_a dev check nosuchdev
	[[ $stderr == "psp-bpf-ctl: ENODEV: no network device 'nosuchdev'"* ]]
}

@test "rx-sa-no-assoc: an SPI bound to a flow whose association is gone" {
	rx_only
	map_del psp_assocs "$(flow_is $PORT)"
	check_finds rx-sa-no-assoc 1
	run ! entry psp_rx_sa "$(spi_is $SPI)"
	works
}

@test "assoc-no-rx-sa: an association whose Rx SA and key are gone" {
	rx_only
	map_del psp_rx_sa "$(spi_is $SPI)"
	map_del psp_rx_keys "$(spi_is $SPI)"
	check_finds assoc-no-rx-sa 1
	run ! entry psp_assocs "$(flow_is $PORT)"
	works
}

@test "rx-key-no-sa: an Rx key left when its SA and association went" {
	[ "${PSP_BACKEND:-bpf}" != kmod ] || skip "the kmod backend keeps no Rx keys"
	rx_only
	map_del psp_assocs "$(flow_is $PORT)"
	map_del psp_rx_sa "$(spi_is $SPI)"
	check_finds rx-key-no-sa 1
	run ! entry psp_rx_keys "$(spi_is $SPI)"
	works
}

@test "rx-sa-no-key: an Rx SA that lost its key goes with its association" {
	[ "${PSP_BACKEND:-bpf}" != kmod ] || skip "the kmod backend keeps no Rx keys"
	full
	map_del psp_rx_keys "$(spi_is $SPI)"
	check_finds rx-sa-no-key 1
	run ! entry psp_assocs "$(flow_is $PORT)"
	run ! entry psp_tx_sa "$(flow_is $PORT)"
	works
}

@test "tx-key-no-sa: a del-assoc killed after it deleted the Tx SA (the association still in Tx PSP)" {
	full
	map_del psp_tx_sa "$(flow_is $PORT)"
	check_finds tx-key-no-sa 1 assoc-tx-mismatch 1
	run ! entry psp_tx_keys "$(spi_is $SPI)"
	run ! entry psp_assocs "$(flow_is $PORT)"
	works
}

@test "tx-sa-no-assoc: a Tx SA whose flow's association is gone" {
	full
	map_del psp_assocs "$(flow_is $PORT)"
	check_finds rx-sa-no-assoc 1 tx-sa-no-assoc 1
	run ! entry psp_tx_sa "$(flow_is $PORT)"
	run ! entry psp_tx_keys "$(spi_is $SPI)"
	works
}

@test "tx-sa-no-key: a Tx SA without its key" {
	full
	map_del psp_tx_keys "$(spi_is $SPI)"
	check_finds tx-sa-no-key 1
	run ! entry psp_tx_sa "$(flow_is $PORT)"
	works
}

@test "assoc-tx-mismatch: an association out of Tx PSP with a Tx SA" {
	full
	map_poke psp_assocs "$(flow_is $PORT)" 8 0x00	# has_tx
	check_finds assoc-tx-mismatch 1
	run ! entry psp_assocs "$(flow_is $PORT)"
	works
}

@test "no orphans: a reclaim under way, a socket's association waiting for its connection" {
	full
	# the datapath's timer: the Tx SA first, the rest a second later
	map_del psp_tx_sa "$(flow_is $PORT)"
	map_poke psp_assocs "$(flow_is $PORT)" 24 0x10	# closing: PSP_CLOSING_TX_GONE
	ctl_a dev check va
	# an SA with keys both ways and no flow yet, as pspbpf_sk_tx_assoc()
	# makes it on a socket not connected
	map_del psp_assocs "$(flow_is $PORT)"
	map_poke psp_rx_sa "$(spi_is $SPI)" 12 0x00	# flow.family
	ctl_a dev check va
	# gc's: no socket has its cookie
	[ "$(ctl_a -j gc va --idle 0 | jq .unbound)" -ge 1 ]
	run ! entry psp_tx_keys "$(spi_is $SPI)"
	ctl_a dev check va
}

@test "route-no-peer: a PSP route no Tx SA needs" {
	ip -n "$NS_A" route add 10.88.0.77/32 dev va proto 80 mtu 1400
	check_finds route-no-peer 1
	[ -z "$(ip -n "$NS_A" route show 10.88.0.77 proto 80)" ]
	works
	# the routes of live associations stay
	[ -n "$(ip -n "$NS_A" route show 10.88.0.2 proto 80)" ]
}

@test "stale-uncounted: a key-rotate killed after marking stale is finished by --repair" {
	local before gen
	rx_only
	ctl_a key-rotate va >/dev/null
	before=$(ctl_a -j stats va)
	gen=$(ctl_a -j dev show va | jq '."key-generation"')
	# what STALE_MARK does at the next rotation, without the record of it
	map_poke psp_rx_sa "$(spi_is $SPI)" 4 "0x$(printf %02x $(( ((gen - 1) & 0x7f) | 0x80 )))"
	ctl_a -j assoc show va | jq -e --arg s "$SPI" '.[] | select(."rx-spi" == $s) | .rx == "stale"'
	check_finds stale-uncounted 1
	[ "$(ctl_a -j dev show va | jq '."key-generation"')" -eq $((gen + 1)) ]
	[ "$(ctl_a -j stats va | jq '."key-rotations"')" -eq $(($(jq '."key-rotations"' <<<"$before") + 1)) ]
	[ "$(ctl_a -j stats va | jq '."stale-events"')" -eq $(($(jq '."stale-events"' <<<"$before") + 1)) ]
	works
}

@test "xdp-mode: the device's record of psp_rx's XDP mode, not what is attached" {
	local flags
	flags=$(entry psp_devs ".value.ifname == \"va\"" | jq -r '.value[24]')
	map_poke psp_devs ".value.ifname == \"va\"" 24 "0x$(printf %02x $((flags ^ 4)))"
	check_finds xdp-mode 1
	[ "$(entry psp_devs ".value.ifname == \"va\"" | jq -r '.value[24]')" = "$flags" ]
	works
}

@test "seal-port-orphan and no-device: a pair and keys of no device" {
	local e
	ip -n "$NS_A" link add pspseg99 type veth peer name pspseal99
	# an association entry of device id 200, which no device has
	e=$(bpftool -j map dump pinned "$MAPS/psp_assocs" | jq -c '.[0] | .key[0] = "0xc8"')
	bpftool map update pinned "$MAPS/psp_assocs" key hex $(hex_of key <<<"$e") \
		value hex $(hex_of value <<<"$e")
	check_finds no-device 1 seal-port-orphan 1
	run ! ip -n "$NS_A" link show pspseg99
	works
}

@test "dev-half: a device without psp_tx (a dev add killed before attaching it) is removed" {
	rm /sys/fs/bpf/psp/*/va/tx_link
	check_finds dev-half 1
	run -0 ctl_a dev check va
	[ "$output" = "va: not a PSP device, consistent" ]
	[ "$(ip -n "$NS_A" -j link show va | jq '.[0].xdp')" = null ]
	[ -z "$(ip -n "$NS_A" route show table all proto 80)" ]
	[ -z "$(ip -n "$NS_A" -o link show | grep pspseg)" ]
	dev_up a
	ctl_a dev check va
	works
}

@test "dev-half: a device whose psp_rx was detached (a dev del killed after detaching it)" {
	ip -n "$NS_A" link set va xdp off
	check_finds dev-half 1
	dev_up a
	works
}

# What a device left when its record went first (gc_stale() of another
# namespace's dev add forgets a half-made device that way): its entries,
# its programs on va, its pin directory, its seal port.
record_gone() {
	local id
	full
	id=$(dev_id a)
	N_ENTRIES=0
	for m in psp_assocs psp_rx_sa psp_rx_keys psp_tx_sa psp_tx_keys psp_dev_keys; do
		N_ENTRIES=$((N_ENTRIES + $(bpftool -j map dump pinned "$MAPS/$m" |
			jq --argjson id "$id" '[.[] | select(.formatted.key.dev_id == $id)] | length')))
	done
	N_ROUTES=$(ip -n "$NS_A" route show table all proto 80 dev va | wc -l)
	map_del psp_devs ".value.ifname == \"va\""
}

@test "dev-remains, no-device, seal-port-orphan: a device whose record went first" {
	record_gone
	check_finds dev-remains $((2 + N_ROUTES)) no-device $N_ENTRIES seal-port-orphan 2
	[ "$(ip -n "$NS_A" -j link show va | jq '.[0].xdp')" = null ]
	[ -z "$(ls /sys/fs/bpf/psp/*/ 2>/dev/null | grep -x va)" ]
	dev_up a
	works
}

@test "dev del of a name a killed dev add left half made: removes what is left, exit 0" {
	record_gone
	ctl_a dev del va
	ctl_a dev check va
	[ "$(ip -n "$NS_A" -j link show va | jq '.[0].xdp')" = null ]
	[ -z "$(ip -n "$NS_A" -o link show | grep pspseg)" ]
	# nothing left: ENODEV as before
	run -1 --separate-stderr ctl_a dev del va
	[[ $stderr == "psp-bpf-ctl: ENODEV: "* ]]
	dev_up a
	# dev add over what a killed dev add left: psp_rx still attached
	record_gone
	dev_up a
	ctl_a dev check va
	works
}

@test "state-no-device: state a killed first dev add left, with no device; dev del leaves no pin" {
	ctl_a dev del va
	ctl_b dev del vb
	[ -z "$(find /sys/fs/bpf/psp -mindepth 1)" ]
	# what a first dev add killed after pinning its first map leaves
	mkdir -p $MAPS
	bpftool map create $MAPS/psp_devs type hash key 16 value 8 entries 4 name psp_devs
	check_finds state-no-device 1
	[ -z "$(find /sys/fs/bpf/psp -mindepth 1)" ]
	# and dev del copes the same way
	mkdir -p $MAPS
	bpftool map create $MAPS/psp_devs type hash key 16 value 8 entries 4 name psp_devs
	ctl_a dev del va
	[ -z "$(find /sys/fs/bpf/psp -mindepth 1)" ]
	dev_up a
	dev_up b
	works
}

# --- kill trials ----------------------------------------------------------
#
# The trials run in a subshell without bats' per-command trap (it costs a
# millisecond a command: most of a trial), and stop with die().

# How many of each command are killed: 1000 in all.
TRIALS="dev-add:60 dev-del:60 dev-set:80 key-rotate:100 key-import:80 rx-assoc:120 tx-assoc:120
	add-assoc:100 add-assoc-batch:100 del-assoc:100 gc:80"
BATCH_LINES=2000	# add-assoc --batch: some 50 ms of work to kill it in
GC_ASSOCS=1000		# associations for a gc to reclaim
XFER_EVERY=50		# a transfer through PSP every so many trials

die() {
	echo "$*"
	exit 1
}

# Flows of the trials: 10.88.0.1:L -> 10.88.0.2:R, one new each call.
next_flow() {
	FLOW_N=$((FLOW_N + 1))
	FLOW="10.88.0.1:$((1024 + FLOW_N % 60000)) 10.88.0.2:$((81 + FLOW_N / 60000))"
}

batch_file() {	# N: N lines of new flows, both halves each
	local i
	for ((i = 0; i < $1; i++)); do
		next_flow
		echo "$FLOW --tx-spi $((FLOW_N % 0xffff + 1)) --tx-key $PEER_KEY"
	done >"$BATS_TEST_TMPDIR/batch"
}

# Time without a fork, which costs some milliseconds on a busy host: the
# clock from bash, and a sleep as a read that times out.
now_us() {	# VAR
	local t=${EPOCHREALTIME/./}
	printf -v "$1" %d $((10#$t))
}

sleep_us() {	# N
	local frac
	printf -v frac %06d $(($1 % 1000000))
	read -r -t "$(($1 / 1000000)).$frac" -u "$SLEEP_FD" || true
}

# prep KIND: what the kind's command needs done first; the command in CMD
prep() {
	CMD=("$CTL" -n "$NS_A")
	case $1 in
	dev-add)
		ctl_a dev del va || die "dev del va"
		# every fourth the first device: it makes the state
		if ((RANDOM % 4 == 0)); then
			ctl_b dev del vb || die "dev del vb"
			B_DOWN=1
		fi
		CMD+=(dev add va --versions all) ;;
	dev-del)	CMD+=(dev del va) ;;
	dev-set)	CMD+=(dev set va --versions all --mark 0x0/0x0) ;;
	key-rotate)	CMD+=(key-rotate va) ;;
	key-import)
		if ((RANDOM % 2)); then
			CMD+=(key-import va --phase 1 --key "$MASTER1")
		else
			CMD+=(key-import va --phase 0 --key "$MASTER0")
		fi ;;
	rx-assoc)
		next_flow
		CMD+=(rx-assoc va --flow $FLOW) ;;
	tx-assoc)
		next_flow
		ctl_a rx-assoc va --flow $FLOW >/dev/null || die "rx-assoc for tx-assoc"
		CMD+=(tx-assoc va --flow $FLOW --spi 4242 --key $PEER_KEY) ;;
	add-assoc)
		next_flow
		CMD+=(add-assoc va --flow $FLOW --tx-spi 4242 --tx-key $PEER_KEY) ;;
	add-assoc-batch)
		batch_file $BATCH_LINES
		CMD+=(add-assoc va --batch "$BATS_TEST_TMPDIR/batch") ;;
	del-assoc)
		next_flow
		ctl_a add-assoc va --flow $FLOW --tx-spi 4242 --tx-key $PEER_KEY >/dev/null ||
			die "add-assoc for del-assoc"
		CMD+=(del-assoc va --flow $FLOW) ;;
	gc)
		batch_file $GC_ASSOCS
		ctl_a add-assoc va --batch "$BATS_TEST_TMPDIR/batch" >/dev/null ||
			die "add-assoc --batch for gc"
		CMD+=(gc va --idle 0) ;;
	esac
}

# settle KIND RC: dev check of va passes, after one --repair if it did
# not; what each repair found, "KIND CATEGORY,..." a line, in
# $BATS_TEST_TMPDIR/mended. A command that was not killed (RC not 137)
# leaves nothing to mend.
settle() {
	local out
	ctl_a dev check va >/dev/null 2>&1 && return 0
	REPAIRED=$((REPAIRED + 1))
	[ "$2" -eq 137 ] || die "$1 exited $2, unkilled, and left: $(ctl_a dev check va 2>&1)"
	out=$(ctl_a -j dev check va --repair) || die "dev check --repair: $out"
	echo "$1 $(jq -r '[.orphans | to_entries[] | select(.value > 0) | .key] | join(",")' \
		<<<"$out")" >>"$BATS_TEST_TMPDIR/mended"
	ctl_a dev check va >/dev/null 2>&1 || die "dev check after --repair: $(ctl_a dev check va 2>&1)"
}

# The next command works on va: an association both ways, by add-assoc,
# and every tenth trial by rx-assoc and tx-assoc.
next_works() {	# TRIAL
	next_flow
	if (($1 % 10)); then
		ctl_a add-assoc va --flow $FLOW --tx-spi 4242 --tx-key $PEER_KEY >/dev/null
	else
		ctl_a rx-assoc va --flow $FLOW >/dev/null &&
			ctl_a tx-assoc va --flow $FLOW --spi 4242 --key $PEER_KEY
	fi
}

# STARTUP: the least time a command took to start (exec, libraries, the
# namespace) before its own work, of all measured so far: one more each
# call, every 25 trials. The kills begin at half of it.
startup_min() {
	local t0 t1
	now_us t0
	"$CTL" -n "$NS_A" help >/dev/null
	now_us t1
	((STARTUP && t1 - t0 >= STARTUP)) || STARTUP=$((t1 - t0))
}

# One trial: KIND's command SIGKILLed a random time into its run (spans:
# how long it runs unkilled), then the checks.
trial() {	# N KIND
	local n=$1 kind=$2 span range delay pid rc=0
	B_DOWN=0
	prep "$kind"
	((n % 25)) || startup_min
	span=${SPANS[$kind]}
	range=$((span + span / 4 - STARTUP / 2))
	delay=$((STARTUP / 2 + (RANDOM * 32768 + RANDOM) % (range > 0 ? range : 1)))
	"${CMD[@]}" >/dev/null 2>&1 3>&- &
	pid=$!
	sleep_us $delay
	kill -KILL $pid 2>/dev/null
	{ wait $pid; } 2>/dev/null || rc=$?	# bash's "Killed" not said
	# The runs stretch and shrink with the host's load: the span follows,
	# shorter when a command was done before its kill, a little longer
	# when not (some four kills in five then land while it runs).
	if [ $rc -eq 137 ]; then
		KILLED=$((KILLED + 1))
		# past what a command takes before it changes anything
		[ $delay -lt $STARTUP ] || MID_WORK=$((MID_WORK + 1))
		SPANS[$kind]=$((span * 33 / 32))
	else
		FINISHED=$((FINISHED + 1))
		SPANS[$kind]=$((span * 7 / 8 > STARTUP ? span * 7 / 8 : STARTUP))
	fi
	settle "$kind" $rc
	# added again as it was (its device keys are of no matter here: each
	# association's keys come from rx-assoc)
	if [[ $kind == dev-* ]] && ! ctl_a dev show va >/dev/null 2>&1; then
		ctl_a dev add va --versions all >/dev/null || die "trial $n ($kind): dev add va again"
	fi
	if [ $B_DOWN = 1 ]; then
		ctl_b dev check vb >/dev/null || die "trial $n: vb: $(ctl_b dev check vb 2>&1)"
		ctl_b dev add vb --versions all >/dev/null || die "trial $n: dev add vb again"
	fi
	next_works $n || die "trial $n ($kind, killed at $delay us of $span): the next command failed"
	if ((n % XFER_EVERY == 0)); then
		works >/dev/null 2>&1 || die "trial $n ($kind): no transfer through PSP"
		XFERS=$((XFERS + 1))
	fi
}

kill_trials() {
	local kinds=() kind i n=0 t0 t1 times=() start=$SECONDS
	local -A SPANS
	exec {SLEEP_FD}<> <(:)
	FLOW_N=0 REPAIRED=0 KILLED=0 MID_WORK=0 FINISHED=0 XFERS=0
	for kind in $TRIALS; do
		for ((i = 0; i < ${kind#*:}; i++)); do
			kinds+=("${kind%:*}")
		done
	done
	[ ${#kinds[@]} -eq 1000 ] || die "${#kinds[@]} trials"
	# how long a command takes to start, and how long each kind runs
	# unkilled, from fork to exit, the median of 3: the kills are spread
	# from half the start over the run, and a quarter more
	STARTUP=0
	for i in 1 2 3 4 5; do
		startup_min
	done
	for kind in $(printf '%s\n' "${kinds[@]}" | sort -u); do
		for i in 1 2 3; do
			B_DOWN=0
			prep "$kind"
			now_us t0
			"${CMD[@]}" >/dev/null 2>&1 || die "$kind: ${CMD[*]}"
			now_us t1
			times[i]=$((t1 - t0))
			ctl_a dev show va >/dev/null 2>&1 || dev_up a
			[ $B_DOWN = 0 ] || dev_up b
		done
		SPANS[$kind]=$(printf '%s\n' "${times[@]:1:3}" | sort -n | sed -n 2p)
	done
	for kind in $(printf '%s\n' "${kinds[@]}" | shuf); do
		n=$((n + 1))
		trial $n "$kind"
	done
	echo "spans at the end: $(for k in "${!SPANS[@]}"; do
		printf '%s %s us, ' "$k" "${SPANS[$k]}"; done)"
	echo "startup: $STARTUP us"
	echo "kills: $KILLED $MID_WORK $FINISHED $REPAIRED $XFERS $((SECONDS - start))"
}

@test "1000 commands SIGKILLed at random points: dev check passes (one --repair at most), the next command works, dev del leaves nothing" {
	local out=$BATS_TEST_TMPDIR/trials killed mid finished repaired xfers took
	( trap - DEBUG ERR; set +eET; kill_trials ) >"$out" 2>&1 3>&- ||
		fail "kill trials: $(tail -3 "$out")"
	read -r killed mid finished repaired xfers took <<<"$(sed -n 's/^kills: //p' "$out")"
	echo "# $(grep '^spans at the end: ' "$out")$(grep '^startup: ' "$out")" >&3
	echo "# 1000 kills: $killed mid-command (still running when killed), $mid of them" \
		"past a command's startup; $finished had exited; $repaired needed --repair;" \
		"$xfers transfers through PSP; $took s" >&3
	echo "# repairs by the command killed: $(cut -d' ' -f1 "$BATS_TEST_TMPDIR/mended" \
		2>/dev/null | sort | uniq -c | awk '{ printf "%s %s, ", $2, $1 }')" >&3
	echo "# what they found (one repair may find several): $(cut -d' ' -f2 \
		"$BATS_TEST_TMPDIR/mended" 2>/dev/null | tr , '\n' | sort | uniq -c |
		awk '{ printf "%s %s, ", $2, $1 }')" >&3
	ctl_a dev check va
	ctl_b dev check vb
	# the kills land while the commands run, not only before or after:
	# the spans follow the runs so that most do, and some leave work
	# half done (a dev add's alone does, most times it is killed)
	[ "$killed" -ge 500 ]
	[ "$repaired" -ge 10 ]
	ctl_a dev del va
	ctl_b dev del vb
	[ -z "$(find /sys/fs/bpf/psp -mindepth 1)" ]
	[ -z "$(ls /sys/fs/bpf/xdp/globals 2>/dev/null | grep '^psp_')" ]
	for ns in "$NS_A" "$NS_B"; do
		[ -z "$(ip -n "$ns" route show table all proto 80)" ]
		[ -z "$(ip -n "$ns" -o link show | grep -E 'pspse(g|al)')" ]
		[ -z "$(ip -n "$ns" -j link show | jq '.[] | select(.xdp) | .ifname')" ]
	done
	dev_up a
	dev_up b
}
