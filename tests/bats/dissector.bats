#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The Wireshark dissector tools/wireshark/psp.lua, under the real tshark:
# every shared vector's header fields against the manifest, the clear part
# handed to the next header's dissector, GMAC payloads dissected whole,
# malformed headers flagged, and a capture decrypted by `psp-bpf-ctl pcap
# decrypt` read as plain IP with no PSP left.

load helpers

LUA=$ROOT/tools/wireshark/psp.lua

# Every dissection reads these, one line a packet, split at '|': PSP's header
# fields, then what the next header's dissector shows (the first 4 bytes:
# ports; for GMAC all of them), then the expert messages: last, as the one
# field that may hold commas of its own.
FIELDS=(frame.protocols psp.next_header psp.hdr_ext_len psp.reserved psp.crypt_offset
	psp.sample psp.drop psp.version psp.vc_present psp.always_one psp.spi psp.key_phase
	psp.iv psp.vc psp.vc_encrypted psp.icv psp.mode psp.clear_len
	udp.srcport udp.dstport tcp.srcport tcp.dstport icmp.type icmp.code
	udp.length tcp.len data.len
	_ws.expert.message)
INNER=18	# where the next header's fields start

# dissect PCAP OUT: tshark with the dissector, FIELDS in OUT, stderr in OUT.err
dissect() {
	local f args=()
	for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
	tshark -n -X lua_script:"$LUA" -r "$1" -T fields -E separator='|' "${args[@]}" \
		>"$2" 2>"$2.err"
}

# lua_errors OUT: what tshark said of Lua while making OUT (a script that does
# not load is on stderr, a dissector that fails is a "Lua Error" in the tree);
# the warning tshark gives root is not one.
lua_errors() {
	grep -v '^Running as user "root"' "$1.err"
	grep 'Lua Error' "$1"
	return 0
}

# manifest_packets JQ-ARRAY: one line a packet of every vector, '|' between
# the vector's name, the packet's index and what JQ-ARRAY picks from .params
# ($p) and the packet (.value)
manifest_packets() {
	jq -r ".vectors[] | .name as \$n | .params as \$p | .packets | to_entries[] |
		[\$n, .key] + $1 | map(tostring) | join(\"|\")" "$MANIFEST"
}

setup_file() {
	command -v tshark >/dev/null || fail "no tshark: run tools/install-deps"
	# each pcap dissected once; the tests read the results
	local n
	for n in $(vector_names); do
		dissect "$VECTORS/$n.psp.pcap" "$BATS_FILE_TMPDIR/$n.psp"
		dissect "$VECTORS/$n.clear.pcap" "$BATS_FILE_TMPDIR/$n.clear"
	done
}

@test "the dissector loads and runs with no Lua error; a broken copy would be caught" {
	local n out=$BATS_TEST_TMPDIR/out
	for n in $(vector_names); do
		run lua_errors "$BATS_FILE_TMPDIR/$n.psp"
		[ -z "$output" ] || fail "$n: $output"
	done
	# psp.* are registered as filter fields
	tshark -G fields -X lua_script:"$LUA" 2>/dev/null | cut -f3 >"$out"
	for n in next_header hdr_ext_len reserved crypt_offset sample drop version vc_present \
		always_one spi key_phase iv vc vc_encrypted icv encrypted payload clear_len mode; do
		grep -qx "psp.$n" "$out" || fail "no field psp.$n"
	done
	# The check above would see both kinds of failure.
	cp "$LUA" "$BATS_TEST_TMPDIR/syntax.lua"
	echo 'not lua' >>"$BATS_TEST_TMPDIR/syntax.lua"
	sed 's/^function psp.dissector(tvb, pinfo, tree)$/&\n\terror("test")/' "$LUA" \
		>"$BATS_TEST_TMPDIR/runtime.lua"
	for n in syntax runtime; do
		# (with the script not loaded, tshark knows no psp.* and fails too)
		LUA=$BATS_TEST_TMPDIR/$n.lua dissect "$VECTORS/t4_v0_co1.psp.pcap" "$out" || true
		run lua_errors "$out"
		[[ $output == *Lua* ]] || fail "$n error not seen"
	done
}

@test "every vector: each header field as the manifest has it" {
	local n i spi0 version crypt_off has_vc vc_value iv_first hdr iv0 icv0 co fl got want vc err=
	local -a rows f
	# shellcheck disable=SC2016 # jq's variables, in the jq program after done
	while IFS='|' read -r n i spi0 version crypt_off has_vc vc_value iv_first hdr iv0 icv0; do
		mapfile -t rows <"$BATS_FILE_TMPDIR/$n.psp"
		IFS='|' read -r -a f <<<"${rows[i]}"
		# next header .. key phase, from the params and the header bytes
		co=$((16#${hdr:4:2})) fl=$((16#${hdr:6:2}))
		got="${f[*]:1:11}"
		want="$((16#${hdr:0:2})) $((16#${hdr:2:2})) $(printf 0x%02x $((co >> 6))) $crypt_off"
		want+=" $((fl >> 7)) $((fl >> 6 & 1)) $version $([ "$has_vc" = true ] && echo 1 || echo 0)"
		want+=" 1 0x$spi0 $((16#$spi0 >> 31))"
		[ "$got" = "$want" ] || err+="$n/$i: got  $got"$'\n'"$n/$i: want $want"$'\n'
		# the IV counts up from the first; the ICV is the last 16 bytes
		want="$(printf %016x $((16#$iv_first + i))) $iv0 $icv0"
		got="${f[12]} ${f[12]} ${f[15]}"
		[ "$got" = "$want" ] || err+="$n/$i: IV, IV, ICV $got, want $want"$'\n'
		# the VC, in clear where the crypt offset (or GMAC) covers it
		got="${f[13]}/${f[14]}"
		if [ "$has_vc" = false ]; then
			vc=/
		elif [ $((crypt_off * 4)) -ge 8 ] || [ "$version" -ge 2 ]; then
			vc=$vc_value/
		else
			vc=/${f[14]}
			[ ${#vc} -eq 17 ] || err+="$n/$i: encrypted VC '${f[14]}'"$'\n'
		fi
		[ "$got" = "$vc" ] || err+="$n/$i: VC/encrypted VC $got, want $vc"$'\n'
		[ "${f[16]}" = "$(vector_param "$n" mode)" ] || err+="$n/$i: mode ${f[16]}"$'\n'
	done < <(manifest_packets '[$p.spi, $p.version, $p.crypt_off, $p.vc, ($p.vc_value // ""),
		$p.iv_first, .value.psp_header, .value.iv, .value.icv]')
	[ -z "$err" ] || fail "$err"
	# every packet dissected as PSP, no more, no fewer
	for n in $(vector_names); do
		[ "$(grep -c ':udp:psp' "$BATS_FILE_TMPDIR/$n.psp")" -eq \
			"$(vector_field "$n" 'packets | length')" ] || fail "$n: packet count"
	done
}

# inner_fields PSP-ROW CLEAR-ROW COUNT: the first COUNT of the next header's
# fields show in the PSP packet as in the clear one: each field the clear
# packet has is there once more than the outer headers have it (UDP once),
# with the clear packet's value; the others are not. Prints what differs.
inner_fields() {
	local -a p c occ
	local k name outer n
	IFS='|' read -r -a p <<<"$1"
	IFS='|' read -r -a c <<<"$2"
	for ((k = INNER; k < INNER + $3; k++)); do
		name=${FIELDS[k]}
		outer=0
		[[ $name == udp.* ]] && outer=1
		IFS=, read -r -a occ <<<"${p[k]}"
		n=${#occ[@]}
		if [ -n "${c[k]}" ]; then
			[ "$n" -eq $((outer + 1)) ] && [ "${occ[n - 1]}" = "${c[k]}" ] ||
				echo "$name '${p[k]}', clear '${c[k]}'"
		else
			[ "$n" -eq "$outer" ] || echo "$name '${p[k]}', none in clear"
		fi
	done
}

@test "the clear part goes to the next header's dissector: ports; GMAC payloads whole" {
	local n i version crypt_off has_vc mode nh clear_len want ptail ctail ip_len count diff err=
	local -a rows crows f
	# shellcheck disable=SC2016 # jq's variables, in the jq program after done
	while IFS='|' read -r n i version crypt_off has_vc mode nh; do
		mapfile -t rows <"$BATS_FILE_TMPDIR/$n.psp"
		mapfile -t crows <"$BATS_FILE_TMPDIR/$n.clear"
		IFS='|' read -r -a f <<<"${rows[i]}"
		clear_len=${f[17]}
		# the protocols after PSP's, and the clear packet's from where PSP
		# takes over: after Ethernet in tunnel mode, after IP in transport
		ptail=${f[0]#*:udp:psp} ptail=${ptail#:}
		ctail=${crows[i]%%|*} ctail=${ctail#eth:ethertype:}
		ip_len=0
		if [ "$mode" = tunnel ]; then
			ip_len=$([ $((16#$nh)) -eq 4 ] && echo 20 || echo 40)
		else
			ctail=${ctail#*:}
		fi
		if [ "$version" -ge 2 ]; then
			# GMAC: nothing encrypted, all of it dissected as in the clear
			[ "$ptail" = "$ctail" ] || err+="$n/$i: GMAC $ptail, clear $ctail"$'\n'
			count=$((${#FIELDS[@]} - 1 - INNER))
		else
			want=$((crypt_off * 4))
			[ "$has_vc" = true ] && want=$((want > 8 ? want - 8 : 0))
			[ "$clear_len" -eq "$want" ] ||
				err+="$n/$i: clear length $clear_len, want $want"$'\n'
			if [ "$want" -eq 0 ]; then
				[ -z "$ptail" ] || err+="$n/$i: nothing in clear, yet $ptail"$'\n'
				continue
			fi
			# cut where the encryption starts: the start of the clear chain
			[ -n "$ptail" ] && [[ $ctail == "$ptail"* ]] ||
				err+="$n/$i: $ptail, clear $ctail"$'\n'
			# TCP and UDP ports once the clear part reaches them (4.0's
			# ICMP dissector shows nothing of a cut header)
			count=0
			[ "$want" -ge $((ip_len + 4)) ] && count=4
		fi
		diff=$(inner_fields "${rows[i]}" "${crows[i]}" $count)
		[ -z "$diff" ] || err+="$n/$i: $diff"$'\n'
	done < <(manifest_packets '[$p.version, $p.crypt_off, $p.vc, $p.mode, .value.psp_header[0:2]]')
	[ -z "$err" ] || fail "$err"
}

@test "malformed headers: expert info for each, and no Lua error" {
	local icv="00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00" T=$BATS_TEST_TMPDIR
	local spi="1a 34 56 78" iv="00 00 00 00 00 00 00 01" c name ei text bytes filter='' k=0
	local -a cases=(
		# name|expert info|its text|UDP payload
		"good||ok|11 01 00 01 $spi $iv aa bb $icv"
		"short|psp.short|Too short|11 01 00 01 $spi $iv aa bb cc dd"
		"always-1 bit 0|psp.always_one.bad|Always-1 bit is 0|11 01 00 00 $spi $iv aa bb $icv"
		"reserved bits|psp.reserved.set|Reserved crypt offset bits|11 01 41 01 $spi $iv aa bb cc dd $icv"
		"version 5|psp.version.unknown|Unknown version|11 01 00 15 $spi $iv aa bb $icv"
		"header length 0|psp.hdr_ext_len.bad|Header length is 0|11 00 00 01 $spi $iv aa bb $icv"
		"header into the ICV|psp.hdr_ext_len.bad|runs into the ICV|11 03 00 03 $spi $iv aa bb $icv"
		"V bit, no VC|psp.vc_present.mismatch|V bit and header length|11 01 00 03 $spi $iv aa bb $icv"
		"crypt offset 40 B|psp.crypt_offset.past_end|Crypt offset past|11 01 0a 01 $spi $iv aa bb $icv"
		"SPI 0x80000000|psp.spi.zero|SPI bits 30-0 are 0|11 01 00 01 80 00 00 00 $iv aa bb $icv"
	)
	# one packet a case, then one filter that each packet must pass by its
	# own expert info
	: >"$T/in.txt"
	for c in "${cases[@]}"; do
		IFS='|' read -r name ei text bytes <<<"$c"
		echo "0000 $bytes" >>"$T/in.txt"
		k=$((k + 1))
		[ -n "$ei" ] && filter+="${filter:+ || }(frame.number == $k && $ei)"
	done
	text2pcap -q -u 40000,1000 "$T/in.txt" "$T/in.pcap" 2>/dev/null
	dissect "$T/in.pcap" "$T/out"
	run lua_errors "$T/out"
	[ -z "$output" ] || fail "$output"
	mapfile -t rows <"$T/out"
	[ ${#rows[@]} -eq ${#cases[@]} ]
	for ((k = 0; k < ${#cases[@]}; k++)); do
		IFS='|' read -r name ei text bytes <<<"${cases[k]}"
		if [ -z "$ei" ]; then
			[ "${rows[k]##*|}" = "" ] || fail "$name: ${rows[k]##*|}"
		else
			[[ ${rows[k]##*|} == *"$text"* ]] || fail "$name: '${rows[k]##*|}'"
		fi
	done
	run --separate-stderr tshark -n -X lua_script:"$LUA" -r "$T/in.pcap" -Y "$filter" \
		-T fields -e frame.number
	[ "$output" = "$(seq 2 ${#cases[@]})" ] || fail "$filter: $output"
}

@test "pcap decrypt: the decrypted capture is plain IP, as the clear one; no PSP left" {
	local n out=$BATS_TEST_TMPDIR/out
	local -a keys
	for n in $(vector_names accept); do
		read -r -a keys <<<"$(vector_keys "$n")"
		run "$CTL" pcap decrypt "${keys[@]}" -i "$VECTORS/$n.psp.pcap" -o "$out.pcap"
		[ "$status" -eq 0 ] || fail "$n: pcap decrypt: $output"
		dissect "$out.pcap" "$out"
		run lua_errors "$out"
		[ -z "$output" ] || fail "$n: $output"
		! grep -q psp "$out" || fail "$n: PSP after decrypt: $(grep psp "$out")"
		diff -u "$BATS_FILE_TMPDIR/$n.clear" "$out" || fail "$n: not what the clear capture shows"
	done
	# TCP, one whole segment: the vector a TCP ACK
	read -r -a keys <<<"$(vector_keys pad_t4_v0)"
	"$CTL" pcap decrypt "${keys[@]}" -i "$VECTORS/pad_t4_v0.psp.pcap" -o "$out.pcap"
	run --separate-stderr tshark -n -X lua_script:"$LUA" -r "$out.pcap" -T fields \
		-E separator='|' -e frame.protocols -e tcp.srcport -e tcp.dstport -e tcp.flags.str \
		-e _ws.expert.message
	[ "$output" = "eth:ethertype:ip:tcp|40000|443|·······A····|" ] ||
		fail "pad_t4_v0 decrypted: $output"
	# the rejected ones leave nothing to show
	for n in $(vector_names reject); do
		read -r -a keys <<<"$(vector_keys "$n")"
		"$CTL" pcap decrypt "${keys[@]}" -i "$VECTORS/$n.psp.pcap" -o "$out.pcap"
		[ -z "$(tshark -n -X lua_script:"$LUA" -r "$out.pcap" 2>/dev/null)" ] ||
			fail "$n: a rejected packet decrypted"
	done
}

@test "loaded from the Lua plugin folder, with no -X" {
	# The personal folder stands in for the global one (Debian:
	# /usr/lib/x86_64-linux-gnu/wireshark/plugins), which a test must not write.
	local home=$BATS_TEST_TMPDIR/home
	mkdir -p "$home/.local/lib/wireshark/plugins"
	cp "$LUA" "$home/.local/lib/wireshark/plugins/"
	HOME=$home run --separate-stderr tshark -G folders
	[[ $output == *"Personal Lua Plugins:"*"$home/.local/lib/wireshark/plugins"* ]]
	HOME=$home run --separate-stderr tshark -n -r "$VECTORS/t4_v0_co1.psp.pcap" -T fields \
		-e psp.spi -e psp.version
	[ "$output" = "$(printf '0x%s\t0' "$(vector_param t4_v0_co1 spi)")" ]
}
