#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make install and make uninstall into a DESTDIR, as a Debian package lays
# them out (PREFIX=/usr, LIBDIR multiarch) and as a local install does
# (PREFIX=/usr/local): the files and their modes; the installed
# psp-bpf-ctl adds and removes a device; a program built against the
# installed headers and library through pkg-config, linked shared and
# static, runs; ip link loads the installed psp_rx; the man pages render;
# the bash completion completes; make uninstall leaves no file and no
# directory of psp-bpf's, and every shared directory.

load helpers

NS=psp-inst
MA=$(gcc -dumpmachine)
DEB_LIB=usr/lib/$MA
VERSION=$(sed -n 's/^VERSION := //p' "$ROOT/Makefile")

# inst DESTDIR make-install|uninstall [VAR=VALUE...]
inst() {
	local dest=$1 target=$2
	shift 2
	make -s -C "$ROOT" BUILD="$BUILD" DESTDIR="$dest" "$@" "$target"
}

deb_make() {	# install|uninstall
	inst "$DEB" "$1" PREFIX=/usr LIBDIR="/$DEB_LIB"
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	export DEB=$BATS_FILE_TMPDIR/deb LOCAL=$BATS_FILE_TMPDIR/local
	deb_make install
	inst "$LOCAL" install
	ip netns del "$NS" 2>/dev/null || true
	ip netns add "$NS"
	ip -n "$NS" link add pi0 type veth peer name pi1
	ip -n "$NS" link set pi0 up
	ip -n "$NS" link set pi1 up
}

teardown_file() {
	"$DEB/usr/sbin/psp-bpf-ctl" -n "$NS" dev del pi0 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
}

ictl() {	# the installed psp-bpf-ctl, in the test's namespace
	"$DEB/usr/sbin/psp-bpf-ctl" -n "$NS" "$@"
}

dev_up() {	# pi0 a PSP device, if it is not one yet
	ictl dev show pi0 >/dev/null 2>&1 || ictl dev add pi0 --versions all >/dev/null
}

# files DIR: what is under DIR, files and symbolic links, relative, sorted
files() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort)
}

# The files of the other parts, where the tree has them.
others() {	# SYSTEMDUNITDIR SYSCONFDIR WIRESHARK_PLUGINDIR
	local f
	for f in "$ROOT"/tools/systemd/*.in; do
		[ -e "$f" ] && echo "$1/$(basename "$f" .in)"
	done
	for f in "$ROOT"/tools/systemd/*.service "$ROOT"/tools/systemd/*.timer; do
		[ -e "$f" ] && echo "$1/$(basename "$f")"
	done
	[ ! -e "$ROOT/tools/systemd/example.conf" ] || echo "$2/psp-bpf/example.conf"
	[ ! -e "$ROOT/tools/wireshark/psp.lua" ] || echo "$3/psp.lua"
	return 0
}

# The BPF objects the build has, as BPFOBJDIR holds them.
bpf_objects() {
	(cd "$BUILD/bpf" && find . -name '*.bpf.o' -printf '%P\n') | sed "s|^|$1/|"
}

# The ip link object of the backend the suites run on (helpers.bash's
# bpf_objs, installed).
installed_rx() {	# BPFOBJDIR
	if [ "${PSP_BACKEND:-bpf}" = kmod ]; then
		echo "$1/kmod-$("$ROOT/tests/kmod/abi")/psp_rx.bpf.o"
	else
		echo "$1/psp_rx.bpf.o"
	fi
}

@test "make install, Debian's layout (PREFIX=/usr, LIBDIR multiarch): every file where it belongs" {
	local want
	want=$({
		printf '%s\n' usr/sbin/psp-bpf-ctl usr/bin/psp-responder usr/bin/psp-tls \
			"$DEB_LIB/libpspbpf.a" "$DEB_LIB/libpspbpf.so" "$DEB_LIB/libpspbpf.so.0" \
			"$DEB_LIB/libpspbpf.so.$VERSION" "$DEB_LIB/pkgconfig/libpspbpf.pc" \
			usr/include/pspbpf/pspbpf.h usr/include/pspbpf/psp/{counters,ghash,maps,types,wire}.h \
			usr/share/man/man8/psp-bpf-ctl.8 usr/share/man/man3/libpspbpf.3 usr/share/man/man1/psp-tls.1 \
			usr/share/bash-completion/completions/psp-{bpf-ctl,tls}
		bpf_objects "$DEB_LIB/bpf/psp-bpf"
		others usr/lib/systemd/system etc "$DEB_LIB/wireshark/plugins"
	} | LC_ALL=C sort)
	diff -u <(echo "$want") <(files "$DEB")
	# the bpf backend's and both kmod builds' receive programs
	[ "$(grep -c 'bpf/psp-bpf/.*psp_rx.bpf.o$' <<<"$want")" -eq 3 ]
	# the shared library's names, and modes
	[ "$(readlink "$DEB/$DEB_LIB/libpspbpf.so")" = libpspbpf.so.0 ]
	[ "$(readlink "$DEB/$DEB_LIB/libpspbpf.so.0")" = "libpspbpf.so.$VERSION" ]
	[ "$(stat -c %a "$DEB/usr/sbin/psp-bpf-ctl" "$DEB/usr/bin/psp-responder" "$DEB/usr/bin/psp-tls" | sort -u)" = 755 ]
	[ "$(find "$DEB" -type f ! -path '*bin/*' -printf '%m\n' | sort -u)" = 644 ]
	# every template filled in
	run -1 grep -rlI '@[A-Z_]\+@' "$DEB"
}

@test "make install PREFIX=/usr/local: the same under /usr/local, configuration in /usr/local/etc" {
	local want unit
	want=$({
		printf '%s\n' usr/local/sbin/psp-bpf-ctl usr/local/bin/psp-responder usr/local/bin/psp-tls \
			usr/local/lib/libpspbpf.{a,so,so.0,so."$VERSION"} usr/local/lib/pkgconfig/libpspbpf.pc \
			usr/local/include/pspbpf/pspbpf.h usr/local/include/pspbpf/psp/{counters,ghash,maps,types,wire}.h \
			usr/local/share/man/man8/psp-bpf-ctl.8 usr/local/share/man/man3/libpspbpf.3 \
			usr/local/share/man/man1/psp-tls.1 \
			usr/local/share/bash-completion/completions/psp-{bpf-ctl,tls}
		bpf_objects usr/local/lib/bpf/psp-bpf
		others usr/local/lib/systemd/system usr/local/etc usr/local/lib/wireshark/plugins
	} | LC_ALL=C sort)
	diff -u <(echo "$want") <(files "$LOCAL")
	grep -qx 'prefix=/usr/local' "$LOCAL/usr/local/lib/pkgconfig/libpspbpf.pc"
	# the units start the psp-bpf-ctl of this prefix, and the device's
	# unit reads its configuration where example.conf went
	for unit in "$LOCAL"/usr/local/lib/systemd/system/*.service; do
		[ -e "$unit" ] || continue
		run ! grep -E '^Exec.*=[-@!+]*/usr/sbin/' "$unit"
		grep -q '^Exec.*/usr/local/sbin/psp-bpf-ctl' "$unit"
	done
	grep -qx 'ExecStart=/usr/local/sbin/psp-bpf-ctl dev add %I --config /usr/local/etc/psp-bpf/%I.conf' \
		"$LOCAL/usr/local/lib/systemd/system/psp-bpf@.service"
}

@test "installed psp-bpf-ctl: help, --version, dev add and dev del on a veth in a namespace" {
	local ctl=$DEB/usr/sbin/psp-bpf-ctl
	run -0 "$ctl" help
	[[ $output == *"dev { add | del"* ]]
	run -0 "$ctl" --version
	[ "$output" = "psp-bpf-ctl $VERSION" ]
	ictl dev del pi0 2>/dev/null || true
	ictl dev add pi0 --versions all
	[ "$(ictl -j dev show pi0 | jq -r .xdp)" = psp_rx ]
	ictl dev del pi0
	run -1 ictl dev show pi0
	[[ $output == *ENODEV* ]]
}

@test "the shared library exports the functions of pspbpf.h, no other" {
	local so=$DEB/$DEB_LIB/libpspbpf.so.0 decl
	[ "$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" = libpspbpf.so.0 ]
	# what the compiler reads the installed header to declare
	decl=$(gcc -fsyntax-only -aux-info /dev/stdout -I"$DEB/usr/include/pspbpf" -x c \
		"$DEB/usr/include/pspbpf/pspbpf.h" |
		sed -n 's|^/\* .*/pspbpf\.h:.*[ *]\(pspbpf_[a-z0-9_]*\) (.*|\1|p' | sort)
	[ "$(wc -l <<<"$decl")" -ge 30 ]
	diff -u <(echo "$decl") <(nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
	# the internals the static library holds stay inside
	nm "$DEB/$DEB_LIB/libpspbpf.a" 2>/dev/null | grep -qw 'T pspbpf_lock'
	run -1 grep -w pspbpf_lock < <(nm -D "$so")
}

# build NAME [CC-ARGS...]: the test program against the installed
# headers and library, through pkg-config into DESTDIR
build() {
	local out=$BATS_FILE_TMPDIR/$1
	shift
	cat >"$BATS_FILE_TMPDIR/prog.c" <<-'EOF'
	#include <stdio.h>
	#include <string.h>
	#include <pspbpf.h>

	int main(int argc, char **argv)
	{
		struct pspbpf_dev_info info;
		struct pspbpf *h;
		int err;

		printf("%s %s\n", pspbpf_backend_name(pspbpf_backend_by_name("kmod")),
		       pspbpf_orphan_name(PSPBPF_ORPHAN_NO_DEVICE));
		if (argc < 2)
			return 0;
		err = pspbpf_open(&h, 0);
		if (!err)
			err = pspbpf_dev_info(h, argv[1], &info);
		if (err)	/* stdout: one stream, in order */
			printf("%d %s\n", err, h ? pspbpf_errmsg(h) : strerror(-err));
		else
			printf("id %u %s %s\n", info.cfg.id, pspbpf_backend_name(info.backend),
			       info.xdp_is_psp ? "psp_rx" : "-");
		pspbpf_close(h);
		return !!err;
	}
	EOF
	PKG_CONFIG_PATH=$DEB/$DEB_LIB/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEB \
		gcc -Wall -Werror -o "$out" "$BATS_FILE_TMPDIR/prog.c" "$@"
	echo "$out"
}

pc() {
	PKG_CONFIG_PATH=$DEB/$DEB_LIB/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEB pkg-config "$@"
}

# run_prog PROG [DEV]: in the test's namespace (nsenter: ip netns exec
# would hide the bpffs), the installed library first
run_prog() {
	LD_LIBRARY_PATH=$DEB/$DEB_LIB nsenter --net="/run/netns/$NS" "$@"
}

check_prog() {	# PROG
	local id
	dev_up
	id=$(ictl -j dev show pi0 | jq .id)
	run -0 run_prog "$1"
	[ "$output" = "kmod no-device" ]
	run -0 run_prog "$1" pi0
	[ "${lines[1]}" = "id $id $(ictl -j dev show pi0 | jq -r .backend) psp_rx" ]
	# a failure's errno and reason, from the library
	run -1 run_prog "$1" pi1
	[[ ${lines[1]} == "-19 "*"not a PSP device"* ]]
}

@test "pkg-config: a program linked against the installed shared library runs (NEEDED libpspbpf.so.0)" {
	local prog
	[ "$(pc --modversion libpspbpf)" = "$VERSION" ]
	[[ " $(pc --cflags libpspbpf) " == *" -I$DEB/usr/include/pspbpf "* ]]
	# shellcheck disable=SC2046
	prog=$(build shared $(pc --cflags --libs libpspbpf))
	readelf -d "$prog" | grep -q 'NEEDED.*\[libpspbpf\.so\.0\]'
	check_prog "$prog"
	# and it is the installed one that it runs with
	LD_LIBRARY_PATH=$DEB/$DEB_LIB ldd "$prog" | grep -q "libpspbpf.so.0 => $DEB/$DEB_LIB/libpspbpf.so.0 "
}

@test "pkg-config --static: a program linked against the installed static library runs without it" {
	local prog libs
	libs=$(pc --static --libs libpspbpf)
	# shellcheck disable=SC2046,SC2086
	prog=$(build static $(pc --cflags libpspbpf) ${libs/-lpspbpf/-l:libpspbpf.a})
	run -1 grep libpspbpf < <(readelf -d "$prog")
	nm "$prog" | grep -qw 'T pspbpf_open'
	check_prog "$prog"
}

@test "ip link set dev pi0 xdp obj <installed psp_rx.bpf.o> sec xdp: loads on the pinned maps" {
	local obj id prog_maps pinned
	obj=$(installed_rx "$DEB/$DEB_LIB/bpf/psp-bpf")
	dev_up
	ip -n "$NS" link set dev pi0 xdp off
	# nsenter: only the network namespace; ip -n and ip netns exec remount
	# /sys, which would hide the pinned maps
	nsenter --net="/run/netns/$NS" ip link set dev pi0 xdp obj "$obj" sec xdp
	[ "$(ictl -j dev show pi0 | jq -r .xdp)" = psp_rx ]
	# the maps it runs on are the pinned ones, not maps of its own
	id=$(ip -n "$NS" -j link show dev pi0 | jq '.[0].xdp.prog.id')
	prog_maps=$(bpftool -j prog show id "$id" | jq -c '.map_ids')
	pinned=$(bpftool -j map show pinned /sys/fs/bpf/psp/maps/psp_devs | jq .id)
	jq -e --argjson m "$pinned" 'index($m) != null' <<<"$prog_maps"
	ictl dev del pi0
}

@test "the installed man pages render without a warning; libpspbpf.3 names every export, its example compiles" {
	local page out
	for page in man8/psp-bpf-ctl.8 man3/libpspbpf.3 man1/psp-tls.1; do
		out=$(groff -man -Tutf8 -ww -z "$DEB/usr/share/man/$page" 2>&1)
		[ -z "$out" ] || fail "$page: $out"
	done
	run -0 man -l "$DEB/usr/share/man/man3/libpspbpf.3"
	[[ ${lines[0]} == LIBPSPBPF\(3\)* ]]
	[[ $output == *"int pspbpf_open(struct pspbpf **h, unsigned int flags);"* ]]
	# every exported function documented
	for f in $(nm -D --defined-only "$DEB/$DEB_LIB/libpspbpf.so.0" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }'); do
		grep -q "$f" <<<"$output" || fail "libpspbpf.3 does not name $f"
	done
	# the library's example compiles against the installed headers
	{
		printf '#include <stdio.h>\n#include <string.h>\n#include <pspbpf.h>\n'
		printf 'int example(int fd, struct pspbpf_tx_params p);\n'
		printf 'int example(int fd, struct pspbpf_tx_params p)\n{\n'
		sed -n '/^\.SH EXAMPLES/,/^\.SH FILES/p' "$DEB/usr/share/man/man3/libpspbpf.3" |
			sed -n '/^\.RS/,/^\.RE/{/^\./!p}' | sed 's/\\e/\\/g; s/\\-/-/g'
		printf '\treturn err;\n}\n'
	} >"$BATS_TEST_TMPDIR/example.c"
	grep -q pspbpf_sk_tx_assoc "$BATS_TEST_TMPDIR/example.c"
	gcc -Wall -Wextra -Werror -fsyntax-only -I"$DEB/usr/include/pspbpf" "$BATS_TEST_TMPDIR/example.c"
	# man finds them where they were put
	[ "$(man -M "$DEB/usr/share/man" -w psp-bpf-ctl)" = "$DEB/usr/share/man/man8/psp-bpf-ctl.8" ]
	[ "$(man -M "$DEB/usr/share/man" -w 3 libpspbpf)" = "$DEB/usr/share/man/man3/libpspbpf.3" ]
}

# complete WORD...: what the installed completion offers for the command
# line WORD... (the last word the one being completed), one a line, in
# $WORDS; in this shell, not a subshell, which keeps what the completion
# read of psp-bpf-ctl's help for the next
complete_words() {
	COMP_WORDS=("$DEB/usr/sbin/psp-bpf-ctl" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_psp_bpf_ctl
	WORDS=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort)
}

offers() {	# WANT WORD...: the completion of WORD... offers WANT, among others
	complete_words "${@:2}"
	grep -qx -- "$1" <<<"$WORDS" || fail "${*:2}: $1 not in: $WORDS"
}

offers_only() {	# "WANT..." WORD...: offers those, sorted, and nothing else
	complete_words "${@:2}"
	[ "$(xargs <<<"$WORDS")" = "$1" ] || fail "${*:2}: wanted $1, got: $WORDS"
}

@test "bash completion: commands, subcommands, options, their values, devices, namespaces" {
	# no PSP device: its seal port would be among the namespace's devices
	ictl dev del pi0 2>/dev/null || true
	# shellcheck source=/dev/null
	source "$DEB/usr/share/bash-completion/completions/psp-bpf-ctl"
	[[ $(complete -p psp-bpf-ctl) == *"-F _psp_bpf_ctl psp-bpf-ctl" ]]
	offers key-rotate ''
	offers pcap ''
	offers_only rx-assoc rx-
	offers_only "add check del set show" dev ''
	offers_only "decrypt encrypt" pcap ''
	offers_only show assoc ''
	offers --json -
	offers --netns -
	# options per command, and their values
	offers --backend dev add pi0 --
	offers --repair dev check pi0 --
	complete_words dev add pi0 --
	run ! grep -qx -- --repair <<<"$WORDS"
	offers_only "auto bpf kmod offload" dev add pi0 --backend ''
	offers_only "0 1" key-import pi0 --phase ''
	offers --crypt-off tx-assoc pi0 --
	offers --tunnel pcap encrypt -
	offers_only "$ROOT/tests/vectors/bad_icv_t4_v0_co1.psp.pcap" \
		pcap decrypt -i "$ROOT/tests/vectors/bad_icv_t4_v0_co1.p"
	# devices: the host's, or with -n those of the namespace
	offers lo dev add ''
	offers_only "pi0 pi1" -n "$NS" dev add p
	offers_only "id lo pi0 pi1" -j -n "$NS" stats ''
	offers "$NS" -n ''
	# no device where one was given; none on a command of no device
	offers_only "" dev del pi0 ''
	offers_only "" derive ''
	offers_only "" dev add nosuchdev
}

@test "bash completion of psp-tls: the mode, options from its -h, their values" {
	local cur
	# shellcheck source=/dev/null
	source "$DEB/usr/share/bash-completion/completions/psp-tls"
	[[ $(complete -p psp-tls) == *"-F _psp_tls psp-tls" ]]
	tls_offers() {	# "WANT..." WORD...: offers those, sorted, and nothing else
		COMP_WORDS=("$DEB/usr/bin/psp-tls" "${@:2}")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_psp_tls
		cur=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | xargs)
		[ "$cur" = "$1" ] || fail "${*:2}: wanted $1, got: $cur"
	}
	tls_offers "connect listen" ''
	tls_offers "--ca --cert" --c
	tls_offers "--allow-tls" -j --al
	tls_offers "0 1 2 3" --versions ''
	tls_offers "$NS" -n "$NS"
	tls_offers "$ROOT/tests/vectors/manifest.json" --ca "$ROOT/tests/vectors/manif"
	tls_offers "" -j connect ''
}

@test "make uninstall: no file left, nor a directory of psp-bpf's; shared ones stay with what others put there" {
	local d
	# another package's object beside ours, an administrator's device file
	touch "$DEB/$DEB_LIB/bpf/xdp-dispatcher.o"
	mkdir -p "$DEB/etc/psp-bpf" && touch "$DEB/etc/psp-bpf/eth0.conf"
	deb_make uninstall
	[ "$(files "$DEB")" = "$(printf '%s\n' etc/psp-bpf/eth0.conf "$DEB_LIB/bpf/xdp-dispatcher.o")" ]
	for d in usr/include/pspbpf "$DEB_LIB/bpf/psp-bpf"; do
		[ ! -e "$DEB/$d" ] || fail "$d is left"
	done
	for d in usr/sbin usr/share/man/man3 "$DEB_LIB/pkgconfig" usr/share/bash-completion/completions; do
		[ -d "$DEB/$d" ] || fail "$d went"
	done
	inst "$LOCAL" uninstall
	[ -z "$(files "$LOCAL")" ]
	[ -z "$(find "$LOCAL" -path '*psp-bpf*' -o -path '*pspbpf*')" ]
}
