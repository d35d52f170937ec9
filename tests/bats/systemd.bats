#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The systemd units (tools/systemd/): systemd-analyze verify takes them,
# and their commands, read from the unit files, do on a veth what the units
# promise. systemd is not PID 1 here, so no manager runs them: each Exec
# line runs as systemd would start it in part (as_unit): %i and %I
# expanded, in the veth's namespace, under the unit's capability bounding
# set, without new privileges and with the file systems read-only but the
# paths it may write. /etc/psp-bpf/ is read as this test's directory (the
# lines are rewritten so; nothing is written to /etc).

# shellcheck disable=SC2154 # stderr and stderr_lines: bats' run sets them
load helpers

NS=psp-sd
DEV=psd-0		# a '-' in the name: %i and %I differ
UNITS=$ROOT/tools/systemd

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	[ ! -e /sys/fs/bpf/psp/maps ] ||
		fail "psp-bpf devices are in use on this host: the suite checks that stop leaves nothing pinned"
	ip netns del "$NS" 2>/dev/null || true
	ip netns add "$NS"
	ip -n "$NS" link add "$DEV" type veth peer name psd-1
	ip -n "$NS" link set "$DEV" up
	ip -n "$NS" link set psd-1 up
}

teardown_file() {
	"$CTL" -n "$NS" dev del "$DEV" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
}

setup() {
	T=$BATS_TEST_TMPDIR
	INST=$(systemd-escape "$DEV")
	CONF_DIR=$T/etc
	mkdir -p "$CONF_DIR"
	# the units as make install lays them out for PREFIX=/usr, psp-bpf-ctl
	# from this build
	mkdir -p "$T/units"
	for f in "$UNITS"/*.service.in "$UNITS"/*.timer; do
		sed -e "s|@SBINDIR@|$BUILD|g" -e "s|@SYSCONFDIR@|/etc|g" "$f" \
			>"$T/units/$(basename "${f%.in}")"
	done
	{
		echo "# what psp-bpf@$INST.service brings $DEV up with"
		echo "backend ${PSP_BACKEND:-bpf}"
		echo "versions=0,1"
		echo "mark 0x50000000/0xff000000	# a comment"
		echo "max-assocs = 4096"
	} >"$CONF_DIR/$DEV.conf"
}

# unit_values UNIT KEY: the values of the unit's KEY= lines, one a line
unit_values() {
	sed -n "s/^$2=//p" "$T/units/$1"
}

# exec_line UNIT KEY: KEY's command (ExecStart ...), %i the instance as
# systemd names it (escaped), %I the interface, /etc/psp-bpf/ this test's
# directory
exec_line() {
	local line
	line=$(unit_values "$1" "$2")
	[ "$(wc -l <<<"$line")" -eq 1 ] || fail "$1: not one $2= line: $line"
	line=${line//"%i"/$INST}
	line=${line//"%I"/$DEV}
	echo "${line//"/etc/psp-bpf/"/$CONF_DIR/}"
}

# as_unit UNIT KEY: the command of KEY, run as the unit's [Service] has
# systemd run it, as far as this host can without a manager:
#   - in $NS, by nsenter: the network namespace only, the host's bpffs;
#   - CapabilityBoundingSet= its only capabilities, NoNewPrivileges=;
#   - ProtectSystem=strict: every file system read-only but the API ones
#     (/proc, /sys, /dev) and its RuntimeDirectory= under /run;
#   - its socket() calls traced to $T/sockets (RestrictAddressFamilies=).
# Its output and exit status are the command's.
as_unit() {
	local caps cmd run
	cmd=$(exec_line "$1" "$2")
	run=$(unit_values "$1" RuntimeDirectory)
	run=${run:+/run/$run}
	caps=$(unit_values "$1" CapabilityBoundingSet | tr 'A-Z ' 'a-z\n' | sed 's/^cap_/+/' |
		paste -sd,)
	[ -n "$caps" ] || fail "$1: no CapabilityBoundingSet"
	[ "$(unit_values "$1" NoNewPrivileges)" = yes ] || fail "$1: NoNewPrivileges"
	[ "$(unit_values "$1" ProtectSystem)" = strict ] || fail "$1: ProtectSystem"
	[ -z "$run" ] || mkdir -p "$run"
	# $0 this test's directory (strace writes there), $1 the runtime one
	# shellcheck disable=SC2086,SC2016 # the command's words; the inner shell's variables
	unshare -m --propagation private sh -c '
		for rw in "$0" ${1:+"$1"}; do mount --bind "$rw" "$rw" || exit 125; done
		findmnt -rno TARGET | while read -r m; do
			case $m in /proc*|/sys*|/dev*|"$0"|"${1:-$0}") ;;
			*) mount -o remount,bind,ro "$m" 2>/dev/null ;; esac
		done
		touch /etc/.psp-bpf-rw 2>/dev/null && exit 125
		shift
		exec "$@"' "$T" "$run" \
		nsenter --net="/run/netns/$NS" \
		strace -f -qq -e trace=socket -o "$T/sockets" \
		setpriv --no-new-privs --bounding-set "-all,$caps" -- $cmd
}

# families_allowed UNIT: the address families the command as_unit ran
# opened sockets of, some, each one the unit's RestrictAddressFamilies=
# allows
families_allowed() {
	local allowed f used
	allowed=" $(unit_values "$1" RestrictAddressFamilies) "
	used=$(grep -o 'socket(AF_[A-Z0-9]*' "$T/sockets" | sed 's/socket(//' | sort -u)
	[ -n "$used" ] || fail "$1: no socket traced"
	for f in $used; do
		[[ $allowed == *" $f "* ]] || fail "$1: socket($f), not in RestrictAddressFamilies"
	done
}

dev_json() {
	"$CTL" -n "$NS" -j dev show "$DEV"
}

@test "systemd-analyze verify: the units, for a plain and an escaped instance, without a warning" {
	local u
	for u in 'psp-bpf@veth0.service' "psp-bpf@$INST.service" "psp-bpf-rotate@$INST.service" \
		"psp-bpf-rotate@$INST.timer"; do
		# this directory first, then the system's (basic.target...)
		run env SYSTEMD_UNIT_PATH="$T/units:" systemd-analyze verify --man=no \
			--generators=no "$u"
		[ "$status" -eq 0 ] || fail "$u: status $status: $output"
		[ -z "$output" ] || fail "$u: $output"
	done
	# and it does check here: a misspelt key, a binary that is not there
	sed -i -e 's/^NoNewPrivileges=/NoNewPrivilege=/' \
		-e "s|$BUILD/psp-bpf-ctl dev add|$BUILD/no-such-ctl dev add|" "$T/units/psp-bpf@.service"
	run env SYSTEMD_UNIT_PATH="$T/units:" systemd-analyze verify --man=no --generators=no \
		'psp-bpf@veth0.service'
	[ "$status" -ne 0 ]
	[[ $output == *"Unknown key 'NoNewPrivilege'"* && $output == *no-such-ctl* ]]
}

@test "psp-bpf@: bound to the netdev's device unit, before network.target; the timer daily, spread, persistent" {
	# the device unit systemd names after the netdev's sysfs path
	[ "$(unit_values psp-bpf@.service BindsTo)" = 'sys-subsystem-net-devices-%i.device' ]
	[ "sys-subsystem-net-devices-$INST.device" = \
		"$(systemd-escape -p --suffix=device "/sys/subsystem/net/devices/$DEV")" ]
	[[ " $(unit_values psp-bpf@.service After) " == *' sys-subsystem-net-devices-%i.device '* ]]
	[[ " $(unit_values psp-bpf@.service Before) " == *' network.target '* ]]
	[ "$(unit_values psp-bpf@.service Type)" = oneshot ]
	[ "$(unit_values psp-bpf@.service RemainAfterExit)" = yes ]
	# the condition guards the file ExecStart reads
	[[ $(exec_line psp-bpf@.service ExecStart) == *" --config $CONF_DIR/$DEV.conf" ]]
	[ "$(unit_values psp-bpf@.service ConditionPathExists)" = /etc/psp-bpf/%I.conf ]
	[ "$(unit_values psp-bpf-rotate@.timer OnCalendar)" = daily ]
	[ -n "$(unit_values psp-bpf-rotate@.timer RandomizedDelaySec)" ]
	[ "$(unit_values psp-bpf-rotate@.timer Persistent)" = true ]
	[ "$(unit_values psp-bpf-rotate@.service Requisite)" = 'psp-bpf@%i.service' ]
}

@test "psp-bpf@ ExecStart, as the unit runs it: DEV up with the conf's backend, versions, mark and capacity" {
	run as_unit psp-bpf@.service ExecStart
	[ "$status" -eq 0 ] || fail "status $status: $output"
	dev_json >"$T/dev.json"
	cat "$T/dev.json"
	[ "$(jq -r .backend "$T/dev.json")" = "${PSP_BACKEND:-bpf}" ]
	[ "$(jq '."psp-versions-ena"' "$T/dev.json")" -eq 3 ]
	[ "$(jq -r .mark "$T/dev.json")" = 0x50000000/0xff000000 ]
	[ "$(jq '."max-assocs"' "$T/dev.json")" -eq 4096 ]
	[ "$(jq -r .xdp "$T/dev.json")" = psp_rx ]
	families_allowed psp-bpf@.service
	# a second start of a running device fails and leaves it be
	run as_unit psp-bpf@.service ExecStart
	[ "$status" -eq 1 ]
	[ "$(dev_json | jq -r .mark)" = 0x50000000/0xff000000 ]
}

@test "psp-bpf-rotate@ ExecStart, as the unit runs it: key-rotations +1, a generation on" {
	local rot gen
	dev_json >/dev/null 2>&1 || as_unit psp-bpf@.service ExecStart >/dev/null
	rot=$("$CTL" -n "$NS" -j stats "$DEV" | jq '."key-rotations"')
	gen=$(dev_json | jq '."key-generation"')
	run as_unit psp-bpf-rotate@.service ExecStart
	[ "$status" -eq 0 ] || fail "status $status: $output"
	[[ $output == *"$DEV key rotated"* ]]
	families_allowed psp-bpf-rotate@.service
	[ "$("$CTL" -n "$NS" -j stats "$DEV" | jq '."key-rotations"')" -eq $((rot + 1)) ]
	[ "$(dev_json | jq '."key-generation"')" -eq $((gen + 1)) ]
}

@test "psp-bpf@ ExecStop, as the unit runs it: the device and its seal port gone, nothing pinned; it starts again" {
	dev_json >/dev/null 2>&1 || as_unit psp-bpf@.service ExecStart >/dev/null
	run as_unit psp-bpf@.service ExecStop
	[ "$status" -eq 0 ] || fail "status $status: $output"
	families_allowed psp-bpf@.service
	run "$CTL" -n "$NS" dev show "$DEV"
	[ "$status" -eq 1 ]
	[ -z "$(find /sys/fs/bpf/psp -mindepth 1 2>/dev/null)" ]
	[ "$(ip -n "$NS" -o link show | grep -cE 'pspse(g|al)')" -eq 0 ]
	[ "$(ip -n "$NS" -d link show "$DEV" | grep -ci xdp)" -eq 0 ]
	# a restart: up again as the conf says, and down
	as_unit psp-bpf@.service ExecStart >/dev/null
	[ "$(dev_json | jq -r .mark)" = 0x50000000/0xff000000 ]
	as_unit psp-bpf@.service ExecStop
	[ -z "$(find /sys/fs/bpf/psp -mindepth 1 2>/dev/null)" ]
}

@test "psp-bpf@ ExecStart with a bad or missing conf: exit 2, one line naming FILE:LINE, nothing made" {
	local conf=$CONF_DIR/$DEV.conf
	printf 'versions 0,1\nmark 0x10/0xf0\nmark 0x20/0xf0\n' >"$conf"
	run --separate-stderr as_unit psp-bpf@.service ExecStart
	[ "$status" -eq 2 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "psp-bpf-ctl: dev add: $conf:3: mark: given twice (line 2 first)"* ]]
	printf 'versions 0,1\nvesrions 2\n' >"$conf"
	run --separate-stderr as_unit psp-bpf@.service ExecStart
	[ "$status" -eq 2 ]
	[[ $stderr == "psp-bpf-ctl: dev add: $conf:2: unknown key 'vesrions' (backend,"* ]]
	rm "$conf"
	run --separate-stderr as_unit psp-bpf@.service ExecStart
	[ "$status" -eq 2 ]
	[[ $stderr == "psp-bpf-ctl: dev add: --config: $conf: No such file or directory"* ]]
	run "$CTL" -n "$NS" dev show "$DEV"
	[ "$status" -eq 1 ]
	[ -z "$(find /sys/fs/bpf/psp -mindepth 1 2>/dev/null)" ]
}

@test "example.conf: every option of dev add is a key there, and each of its settings is taken" {
	local key line n=0
	for key in $("$CTL" dev add -h | sed "/dev del/q" | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		[ "$key" = --config ] && continue
		grep -qE "^#${key#--}( |$)" "$UNITS/example.conf" || fail "example.conf lacks ${key#--}"
	done
	# each commented setting alone: parsed, then refused by the operation
	# (no such device), never a usage error
	while read -r line; do
		echo "$line" >"$T/one.conf"
		run --separate-stderr "$CTL" -n "$NS" dev add psd-none --config "$T/one.conf"
		[ "$status" -eq 1 ] || fail "'$line': status $status: $stderr"
		n=$((n + 1))
	done < <(sed -n 's/^#\([a-z][a-z-]*\( \|$\)\)/\1/p' "$UNITS/example.conf")
	[ "$n" -ge 8 ]
	# the whole file as shipped: all commented out, a device receiving nothing
	cp "$UNITS/example.conf" "$CONF_DIR/$DEV.conf"
	as_unit psp-bpf@.service ExecStart >/dev/null
	[ "$(dev_json | jq '."psp-versions-ena"')" -eq 0 ]
	as_unit psp-bpf@.service ExecStop
}
