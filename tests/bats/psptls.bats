#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# psp-tls and pspbpf_tls_upgrade(): connections upgraded from TLS to PSP
# with the keys exchanged inside TLS, between the two namespaces of
# netns.bash; and every bad input refused at both ends with nothing left
# installed.

load helpers
load netns

TLS=$BUILD/psp-tls
FAKE=$ROOT/tests/tools/psp-tls-fake.py
MARKER=PSP-TLS-PLAINTEXT-MARKER-7c1e

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: network namespaces and BPF"
	netns_up
	# A closed flow keeps its PSP state while its socket is in TIME_WAIT
	# (60 s), as Linux's socket does: here no socket waits, so that gc
	# reclaims a closed connection's associations at once
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
	done
	# a CA, leaf certificates a and b (both addresses of each side), rogue
	"$ROOT/tests/tools/mkcerts" "$BATS_FILE_TMPDIR/pki" 10.88.0.1 10.88.0.2 fd88::1 fd88::2
}

teardown_file() {
	netns_down
}

teardown() {
	# what a failed test left running, or without its device
	[ -z "${BG_PIDS:-}" ] || kill $BG_PIDS 2>/dev/null || true
	ctl_b dev show vb >/dev/null 2>&1 || dev_up b
}

pki() { echo "$BATS_FILE_TMPDIR/pki/$1"; }

# pin NAME: the hex SHA-256 of a certificate's DER form
pin() {
	openssl x509 -in "$(pki "$1.pem")" -outform DER | sha256sum | cut -d' ' -f1
}

# tls SIDE ARGS...: psp-tls in the side's namespace with its certificate,
# checking the peer against the CA unless ARGS check otherwise
tls() {
	local side=$1
	shift
	"$TLS" -n "$(ns_of "$side")" --cert "$(pki "$side.pem")" --key "$(pki "$side.key")" "$@"
}

# assocs SIDE: the side's association count
assocs() {
	"ctl_$1" -j assoc show "$(dev_of "$1")" | jq length
}

# both_clean A_COUNT B_COUNT: the association counts are these, and dev
# check finds both devices consistent
both_clean() {
	[ "$(assocs a)" -eq "$1" ] || fail "side a: $(assocs a) associations, not $1"
	[ "$(assocs b)" -eq "$2" ] || fail "side b: $(assocs b) associations, not $2"
	ctl_a dev check va
	ctl_b dev check vb
}

# listen_b PORT ARGS... (before the command): psp-tls listening in B,
# stdin from $BATS_TEST_TMPDIR/in_b, stdout and stderr to out_b, err_b
listen_b() {
	local port=$1
	shift
	timeout $((120 * TIME_SCALE)) "$TLS" -n "$NS_B" --cert "$(pki b.pem)" --key "$(pki b.key)" \
		"$@" listen "$port" <"$BATS_TEST_TMPDIR/in_b" >"$BATS_TEST_TMPDIR/out_b" \
		2>"$BATS_TEST_TMPDIR/err_b" &
	LISTENER=$!
	BG_PIDS+=" $LISTENER"
	wait_listen "$NS_B" "$port"
}

# listener_exit STATUS: the listener has ended with it
listener_exit() {
	local rc=0
	wait "$LISTENER" || rc=$?
	[ "$rc" -eq "$1" ] || fail "the listener exited $rc, not $1: $(cat "$BATS_TEST_TMPDIR/err_b")"
}

# connect_a PORT ARGS...: psp-tls connecting from A, the same files _a
connect_a() {
	local port=$1
	shift
	timeout $((120 * TIME_SCALE)) "$TLS" -n "$NS_A" --cert "$(pki a.pem)" --key "$(pki a.key)" \
		"$@" connect "10.88.0.2:$port" <"$BATS_TEST_TMPDIR/in_a" \
		>"$BATS_TEST_TMPDIR/out_a" 2>"$BATS_TEST_TMPDIR/err_a"
}

# wire_kinds PCAP: a letter a packet (see the test)
wire_kinds() {
	tcpdump -nn -q -r "$1" 'ip or (ip6 and not icmp6)' 2>/dev/null | awk '
		/: UDP/ && $5 ~ /\.1000:$/ { printf "U"; next }
		/\.7100[ :].*tcp 0$/ { printf "t"; next }
		/\.7100[ :].*tcp [0-9]+$/ { printf "T"; next }
		{ printf "X" }'
}

# assocs_back A B: the association counts back to these once gc has
# reclaimed the closed connections, and dev check content on both sides
assocs_back() {
	ctl_a gc va --idle 0 >/dev/null
	ctl_b gc vb --idle 0 >/dev/null
	both_clean "$1" "$2"
}

# marked FILE MB: MB of random data with the marker around and inside
marked() {
	{
		yes "$MARKER" | head -c 64k
		head -c "$(($2 / 2))M" /dev/urandom
		yes "$MARKER" | head -c 64k
		head -c "$(($2 - $2 / 2))M" /dev/urandom
		yes "$MARKER" | head -c 64k
	} >"$1"
}

@test "psp-tls: $BIG_MB MB each way at once, byte-exact; the wire shows the TLS handshake, then only UDP 1000, and no marker" {
	local cap=$BATS_TEST_TMPDIR/wire.pcap t0 kinds a0 b0 f
	a0=$(assocs a) b0=$(assocs b)
	marked "$BATS_TEST_TMPDIR/in_a" "$BIG_MB"
	marked "$BATS_TEST_TMPDIR/in_b" "$BIG_MB"
	capture "$NS_A" va "$cap.a"
	capture "$NS_B" vb "$cap.b"
	listen_b 7100 --ca "$(pki ca.pem)"
	t0=$EPOCHREALTIME
	connect_a 7100 --ca "$(pki ca.pem)"
	listener_exit 0
	echo "# $BIG_MB MB each way in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }") s" >&3
	capture_stop
	cmp "$BATS_TEST_TMPDIR/in_a" "$BATS_TEST_TMPDIR/out_b"
	cmp "$BATS_TEST_TMPDIR/in_b" "$BATS_TEST_TMPDIR/out_a"
	grep -q '^psp-tls: upgraded: dev va (id [0-9]*) version 1 rx-spi 0x' "$BATS_TEST_TMPDIR/err_a"
	grep -q '^psp-tls: upgraded: dev vb (id [0-9]*) version 1 rx-spi 0x' "$BATS_TEST_TMPDIR/err_b"
	# what left each side, in order: T TCP with payload, t TCP without
	# (port 7100), U UDP port 1000, X anything else (what arrives has
	# been through psp_rx, decrypted)
	tcpdump -r "$cap.a" -w "$cap" 'src host 10.88.0.1' 2>/dev/null
	tcpdump -r "$cap.b" -w "$cap.ba" 'src host 10.88.0.2' 2>/dev/null
	for f in "$cap" "$cap.ba"; do
		kinds=$(wire_kinds "$f")
		echo "# $(basename "$f"): ${kinds:0:60}..." >&3
		[[ $kinds =~ ^[tT]+U+$ ]] || fail "not the handshake then PSP: ${kinds:0:300}"
		[[ ${kinds%%U*} == *T* ]] || fail "no TLS before PSP: ${kinds%%U*}"
		run -1 grep -a -c "$MARKER" "$f"
	done
	# the data went as PSP, and in clear only a TLS handshake
	[ "$(wire_kinds "$cap" | tr -cd U | wc -c)" -gt $((BIG_MB * 1000000 / 1500)) ]
	[ "$(tshark -r "$cap" -d tcp.port==7100,tls -Y 'tls.handshake.type == 1' | wc -l)" -eq 1 ]
	assocs_back "$a0" "$b0"
}

@test "psp-tls: 100 concurrent connections, each upgraded and its data echoed back byte-exact; the SPIs pair up" {
	local d=$BATS_TEST_TMPDIR i pids=() a0 b0 ok=0 pb
	a0=$(assocs a) b0=$(assocs b) pb=$(pin b)
	: >"$d/in_b"
	# timeouts for a host busy beside (CI's guests)
	listen_b 7200 -j -k -e cat --ca "$(pki ca.pem)" --timeout 60
	for i in $(seq 100); do
		head -c 64k /dev/urandom >"$d/in$i"
		tls a -j --pin "$pb" --timeout 60 connect 10.88.0.2:7200 <"$d/in$i" >"$d/out$i" \
			2>"$d/err$i" &
		pids+=($!)
	done
	for i in $(seq 100); do
		wait "${pids[i - 1]}" && cmp -s "$d/in$i" "$d/out$i" && ok=$((ok + 1))
	done
	echo "# $ok of 100 connections upgraded and echoed" >&3
	[ "$ok" -eq 100 ]
	# every client's status and every server connection's: upgraded; the
	# SPIs each client sends to are the ones the server's connections
	# receive on, and the other way round
	[ "$(cat "$d"/err[0-9]* | jq -s 'map(select(.upgraded)) | length')" -eq 100 ]
	for _ in $(seq 50); do
		[ "$(jq -s 'map(select(.upgraded)) | length' "$d/err_b")" -eq 100 ] && break
		sleep 0.1
	done
	[ "$(jq -s 'map(select(.upgraded)) | length' "$d/err_b")" -eq 100 ]
	diff <(cat "$d"/err[0-9]* | jq -r '.["tx-spi"]' | sort) \
	     <(jq -r '.["rx-spi"]' "$d/err_b" | sort)
	diff <(cat "$d"/err[0-9]* | jq -r '.["rx-spi"]' | sort) \
	     <(jq -r '.["tx-spi"]' "$d/err_b" | sort)
	[ "$(cat "$d"/err[0-9]* | jq -r '.["rx-spi"]' | sort -u | wc -l)" -eq 100 ]
	kill "$LISTENER"
	# at most each side's 100, held until reclaimed (by the datapath's
	# timer 60 s after a flow's FINs, which a loaded host reaches
	# for the first ones before the last end)
	[ "$(assocs a)" -le $((a0 + 100)) ] && [ "$(assocs b)" -le $((b0 + 100)) ] ||
		fail "associations after the 100 closed: a $(assocs a), b $(assocs b)"
	assocs_back "$a0" "$b0"
}

@test "psp-tls: a certificate the peer does not take (--pin, --ca) is refused by both ends, before any association" {
	local a0 b0
	a0=$(assocs a) b0=$(assocs b)
	echo data >"$BATS_TEST_TMPDIR/in_a"
	echo data >"$BATS_TEST_TMPDIR/in_b"
	# the server pins rogue's certificate; a presents its own
	listen_b 7300 --pin "$(pin rogue)"
	run -1 connect_a 7300 --ca "$(pki ca.pem)"
	listener_exit 1
	grep -q "^psp-tls: EACCES: TLS handshake: the peer's certificate does not match --pin" \
		"$BATS_TEST_TMPDIR/err_b"
	grep -q "^psp-tls: EPROTO: " "$BATS_TEST_TMPDIR/err_a"
	# the client pins a certificate the server does not have
	listen_b 7301 --ca "$(pki ca.pem)"
	run -1 connect_a 7301 --pin "$(pin a)"
	listener_exit 1
	grep -q "^psp-tls: EACCES: TLS handshake: the peer's certificate does not match --pin" \
		"$BATS_TEST_TMPDIR/err_a"
	grep -q "^psp-tls: EPROTO: TLS handshake: " "$BATS_TEST_TMPDIR/err_b"
	# a self-signed certificate to a server that wants the CA's
	listen_b 7302 --ca "$(pki ca.pem)"
	run -1 "$TLS" -n "$NS_A" --cert "$(pki rogue.pem)" --key "$(pki rogue.key)" \
		--ca "$(pki ca.pem)" connect 10.88.0.2:7302 <"$BATS_TEST_TMPDIR/in_a"
	[[ $output == "psp-tls: EPROTO: "* ]] || fail "$output"
	listener_exit 1
	grep -q "^psp-tls: EACCES: TLS handshake: the peer's certificate: self.signed certificate" \
		"$BATS_TEST_TMPDIR/err_b"
	[ ! -s "$BATS_TEST_TMPDIR/out_b" ]
	both_clean "$a0" "$b0"
}

@test "psp-tls: a peer without a PSP device: both ends say why and exit 1, no data; --allow-tls goes on over TLS" {
	local a0
	a0=$(assocs a)
	echo from-a >"$BATS_TEST_TMPDIR/in_a"
	echo from-b >"$BATS_TEST_TMPDIR/in_b"
	ctl_b dev del vb
	listen_b 7400 --ca "$(pki ca.pem)"
	run -1 connect_a 7400 --ca "$(pki ca.pem)"
	listener_exit 1
	grep -qx "psp-tls: ENODEV: no PSP upgrade: no PSP device on the route to the peer (via vb)" \
		"$BATS_TEST_TMPDIR/err_b"
	grep -qx "psp-tls: ENODEV: no PSP upgrade: the peer refused: no PSP device on the route to the peer (via vb)" \
		"$BATS_TEST_TMPDIR/err_a"
	[ ! -s "$BATS_TEST_TMPDIR/out_a" ] && [ ! -s "$BATS_TEST_TMPDIR/out_b" ]
	[ "$(assocs a)" -eq "$a0" ]
	ctl_a dev check va
	ctl_b dev check vb
	# allowed to stay on TLS, both ends do, and say so
	listen_b 7401 --ca "$(pki ca.pem)" --allow-tls -j
	connect_a 7401 --ca "$(pki ca.pem)" --allow-tls -j
	listener_exit 0
	cmp "$BATS_TEST_TMPDIR/in_a" "$BATS_TEST_TMPDIR/out_b"
	cmp "$BATS_TEST_TMPDIR/in_b" "$BATS_TEST_TMPDIR/out_a"
	jq -e '.upgraded == false and .tls and .error == "ENODEV" and ."refused-by" == "peer"' \
		"$BATS_TEST_TMPDIR/err_a"
	jq -e '.upgraded == false and .tls and .error == "ENODEV" and ."refused-by" == "local"' \
		"$BATS_TEST_TMPDIR/err_b"
	[ "$(assocs a)" -eq "$a0" ]
	dev_up b
	both_clean "$a0" 0
}

@test "psp-tls: IPv6, pinned both ways; --versions picks the version; none in common is refused by both ends" {
	local a0 b0
	a0=$(assocs a) b0=$(assocs b)
	head -c 1M /dev/urandom >"$BATS_TEST_TMPDIR/in_a"
	head -c 1M /dev/urandom >"$BATS_TEST_TMPDIR/in_b"
	listen_b 7700 --pin "$(pin a)" -j
	timeout 60 "$TLS" -n "$NS_A" --cert "$(pki a.pem)" --key "$(pki a.key)" --pin "$(pin b)" \
		--versions 0,3 -j connect "[fd88::2]:7700" <"$BATS_TEST_TMPDIR/in_a" \
		>"$BATS_TEST_TMPDIR/out_a" 2>"$BATS_TEST_TMPDIR/err_a"
	listener_exit 0
	cmp "$BATS_TEST_TMPDIR/in_a" "$BATS_TEST_TMPDIR/out_b"
	cmp "$BATS_TEST_TMPDIR/in_b" "$BATS_TEST_TMPDIR/out_a"
	# of 0 and 3 the one that encrypts
	jq -e '.upgraded and .version == 0 and .peer == "[fd88::2]:7700"' \
		"$BATS_TEST_TMPDIR/err_a"
	jq -e '.upgraded and .version == 0 and (.peer | startswith("[fd88::1]:"))' \
		"$BATS_TEST_TMPDIR/err_b"
	listen_b 7701 --ca "$(pki ca.pem)" --versions 1
	run -1 connect_a 7701 --ca "$(pki ca.pem)" --versions 0
	listener_exit 1
	grep -qx "psp-tls: EPROTONOSUPPORT: no PSP upgrade: no PSP version in common (this end 0x1, the peer 0x2)" \
		"$BATS_TEST_TMPDIR/err_a"
	grep -qx "psp-tls: EPROTONOSUPPORT: no PSP upgrade: no PSP version in common (this end 0x2, the peer 0x1)" \
		"$BATS_TEST_TMPDIR/err_b"
	[ ! -s "$BATS_TEST_TMPDIR/out_a" ] && [ ! -s "$BATS_TEST_TMPDIR/out_b" ]
	assocs_back "$a0" "$b0"
}

# fake_peer MODE PORT: psp-tls-fake.py in B, its output in fake.out
fake_peer() {
	ip netns exec "$NS_B" python3 "$FAKE" "$1" 10.88.0.2 "$2" "$(pki b.pem)" "$(pki b.key)" \
		"$(pki ca.pem)" >"$BATS_TEST_TMPDIR/fake.out" 2>&1 &
	FAKE_PID=$!
	BG_PIDS+=" $FAKE_PID"
	wait_listen "$NS_B" "$2"
}

@test "psp-tls: a peer that stops mid-exchange: ETIMEDOUT, the connection closed, the association gone" {
	local a0 b0 mode port=7500
	a0=$(assocs a) b0=$(assocs b)
	echo data >"$BATS_TEST_TMPDIR/in_a"
	for mode in silent after-hello; do
		fake_peer "$mode" "$port"
		run -1 connect_a "$port" --ca "$(pki ca.pem)" --timeout 2
		wait "$FAKE_PID"
		grep -q "^psp-tls: ETIMEDOUT: no PSP upgrade: \(HELLO\|ASSOC\): timed out (2000 ms)" \
			"$BATS_TEST_TMPDIR/err_a"
		[ "$(tail -1 "$BATS_TEST_TMPDIR/fake.out")" = closed ]
		both_clean "$a0" "$b0"
		port=$((port + 1))
	done
	# after its HELLO, a did rx-assoc and sent its ASSOC
	grep -qx "msg 2" "$BATS_TEST_TMPDIR/fake.out"
}

@test "psp-tls: malformed exchange messages: refused with an ERROR the peer reads, nothing left installed" {
	local a0 b0 mode port=7600 want
	a0=$(assocs a) b0=$(assocs b)
	echo data >"$BATS_TEST_TMPDIR/in_a"
	for mode in bad-type bad-format bad-hello bad-keylen bad-version bad-spi trailing; do
		case $mode in
		bad-type)    want="type 9 where HELLO was due" ;;
		bad-format)  want="HELLO header of format 0" ;;
		bad-hello)   want="HELLO of length 2" ;;
		bad-keylen)  want="ASSOC with a key of 5 bytes" ;;
		bad-version) want="ASSOC of PSP version 1, not the agreed 0" ;;
		bad-spi)     want="ASSOC with SPI 00000000" ;;
		trailing)    want="data after ASSOC" ;;
		esac
		fake_peer "$mode" "$port"
		run -1 connect_a "$port" --ca "$(pki ca.pem)" --timeout 5
		wait "$FAKE_PID"
		grep -q "^psp-tls: EBADMSG: no PSP upgrade: .*$want" "$BATS_TEST_TMPDIR/err_a" ||
			fail "$mode: $(cat "$BATS_TEST_TMPDIR/err_a")"
		grep -q "^error $(errno EBADMSG) .*$want" "$BATS_TEST_TMPDIR/fake.out" ||
			fail "$mode: the peer read $(cat "$BATS_TEST_TMPDIR/fake.out")"
		[ "$(tail -1 "$BATS_TEST_TMPDIR/fake.out")" = closed ]
		[ ! -s "$BATS_TEST_TMPDIR/out_a" ]
		both_clean "$a0" "$b0"
		port=$((port + 1))
	done
}

# errno NAME: its number
errno() {
	python3 -c "import errno; print(errno.$1)"
}

@test "psp-tls: bad command lines: one line, exit 2" {
	run -2 "$TLS" listen 7000
	[[ $output == "psp-tls: the peer must be checked: --ca or --pin (or --insecure)"* ]]
	run -2 "$TLS" --insecure --cert "$(pki a.pem)" connect nowhere
	[ "${#lines[@]}" -eq 1 ]
	run -2 "$TLS" --insecure listen 7000
	[[ $output == "psp-tls: listen: a server needs --cert and --key"* ]]
	run -2 "$TLS" --pin 0011 --insecure connect 10.88.0.2:1
	run -2 "$TLS" --insecure --versions 7 connect 10.88.0.2:1
	run -2 "$TLS" --insecure --timeout 0 connect 10.88.0.2:1
	run -2 "$TLS" --insecure -k connect 10.88.0.2:1
	[[ $output == "psp-tls: connect: --keep is for listen"* ]]
	run -2 "$TLS" --insecure send 10.88.0.2:1
	run -1 "$TLS" --ca /nonexistent connect 10.88.0.2:1
	[[ $output == "psp-tls: EINVAL: --ca /nonexistent: "* ]]
}
