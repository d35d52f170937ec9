-- SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
--
-- PSP Security Protocol (UDP port 1000) for Wireshark and tshark 4.0 and later.
--
--   tshark -X lua_script:tools/wireshark/psp.lua -r capture.pcap
--
-- or installed in the global Lua plugin folder (`tshark -G folders`, "Global
-- Lua Plugins"; Debian: /usr/lib/x86_64-linux-gnu/wireshark/plugins).
-- The header is docs/wire-format.md; the fields and the decrypt workflow are
-- in docs/operations.md. Wireshark 4.0's Lua has no AES, so this dissector
-- does not decrypt: `psp-bpf-ctl pcap decrypt` turns a capture into plain IP.

local psp = Proto("psp", "PSP Security Protocol")

local BASE_LEN = 16	-- next header .. IV: the part the crypt offset counts from
local VC_LEN = 8
local ICV_LEN = 16

local versions = {
	[0] = "AES-GCM-128",
	[1] = "AES-GCM-256",
	[2] = "AES-GMAC-128",
	[3] = "AES-GMAC-256",
}

-- Names for the protocols PSP carries in practice; any value still goes to
-- Wireshark's ip.proto table.
local next_headers = {
	[1] = "ICMP", [4] = "IPv4", [6] = "TCP", [17] = "UDP", [41] = "IPv6", [58] = "ICMPv6",
}

-- In header order, so that `tshark -G fields` lists them that way.
local hf = {}
local function field(name, f)
	hf[name] = f
	table.insert(psp.fields, f)
end
field("next_header", ProtoField.uint8("psp.next_header", "Next Header", base.DEC, next_headers,
	nil, "Transport mode: the IP protocol of the payload; tunnel mode: 4 (IPv4) or 41 (IPv6)"))
field("hdr_ext_len", ProtoField.uint8("psp.hdr_ext_len", "Header Extension Length", base.DEC, nil,
	nil, "Header length after its first 8 bytes, in 8-byte units: 1 without VC, 2 with"))
field("reserved", ProtoField.uint8("psp.reserved", "Reserved", base.HEX, nil, 0xc0,
	"Bits 7-6 of the crypt offset byte; 0 on the wire"))
field("crypt_offset", ProtoField.uint8("psp.crypt_offset", "Crypt Offset", base.DEC, nil, 0x3f,
	"4-byte units after the 16-byte header, VC included, that are sent in clear"))
field("sample", ProtoField.bool("psp.sample", "Sample", 8, nil, 0x80))
field("drop", ProtoField.bool("psp.drop", "Drop", 8, nil, 0x40))
field("version", ProtoField.uint8("psp.version", "Version", base.DEC, versions, 0x3c,
	"0 AES-GCM-128, 1 AES-GCM-256, 2 AES-GMAC-128, 3 AES-GMAC-256"))
field("vc_present", ProtoField.bool("psp.vc_present", "Virtualization Cookie Present", 8, nil, 0x02))
field("always_one", ProtoField.uint8("psp.always_one", "Always 1", base.DEC, nil, 0x01))
field("spi", ProtoField.uint32("psp.spi", "Security Parameters Index", base.HEX))
field("key_phase", ProtoField.uint32("psp.key_phase", "Key Phase", base.DEC, nil, 0x80000000,
	"SPI bit 31: which of the two device keys the packet's key derives from"))
field("iv", ProtoField.bytes("psp.iv", "Initialization Vector"))
field("vc", ProtoField.bytes("psp.vc", "Virtualization Cookie"))
field("vc_encrypted", ProtoField.bytes("psp.vc_encrypted", "Virtualization Cookie (encrypted)", nil,
	"A VC beyond the crypt offset is encrypted with the payload"))
field("hdr_ext", ProtoField.bytes("psp.hdr_ext", "Header Extension",
	nil, "Header bytes the header length claims beyond the VC"))
field("mode", ProtoField.string("psp.mode", "Mode", nil, "Tunnel if the next header is 4 or 41"))
field("clear_len", ProtoField.uint32("psp.clear_len", "Clear Payload Length", base.DEC, nil, nil,
	"Payload bytes in clear after header and VC, handed to the next header's dissector"))
field("payload", ProtoField.bytes("psp.payload", "Authenticated Payload", nil,
	"GMAC versions: the payload is in clear, only authenticated"))
field("encrypted", ProtoField.bytes("psp.encrypted", "Encrypted Data"))
field("icv", ProtoField.bytes("psp.icv", "Integrity Check Value"))

local function expert_info(abbr, text, group, severity)
	local e = ProtoExpert.new(abbr, text, group, severity)
	table.insert(psp.experts, e)
	return e
end
local MALFORMED, ERROR, WARN = expert.group.MALFORMED, expert.severity.ERROR, expert.severity.WARN
local ei = {
	short    = expert_info("psp.short", "Too short for a PSP header and ICV", MALFORMED, ERROR),
	always   = expert_info("psp.always_one.bad", "Always-1 bit is 0", MALFORMED, ERROR),
	reserved = expert_info("psp.reserved.set", "Reserved crypt offset bits are set", MALFORMED, ERROR),
	version  = expert_info("psp.version.unknown", "Unknown version (0-3 are defined)", MALFORMED, ERROR),
	ext_len  = expert_info("psp.hdr_ext_len.bad", "Header length is 0 or runs into the ICV",
	                       MALFORMED, ERROR),
	vc       = expert_info("psp.vc_present.mismatch",
	                       "V bit and header length disagree about the VC", MALFORMED, WARN),
	offset   = expert_info("psp.crypt_offset.past_end", "Crypt offset past the end of the payload",
	                       MALFORMED, ERROR),
	spi      = expert_info("psp.spi.zero", "SPI bits 30-0 are 0: no valid SPI", MALFORMED, WARN),
	snap     = expert_info("psp.snaplen", "Capture cut short (snap length): ICV not captured",
	                       expert.group.UNDECODED, expert.severity.NOTE),
	cut      = expert_info("psp.clear.cut",
	                       "The clear part ends inside the next header; the rest is encrypted",
	                       expert.group.UNDECODED, expert.severity.NOTE),
}

local ip_proto = DissectorTable.get("ip.proto")
local data = Dissector.get("data")

-- The clear part of the payload goes to the dissector of the next header.
-- It is usually cut short (crypt offset 1 leaves only the ports of a TCP or
-- UDP header) and that dissector runs off its end. Wireshark 4.0's Lua can
-- only make a tvb whose reported length is its captured length, so this shows
-- as "Malformed Packet" rather than as truncated, and comes back here as a
-- Lua error that must not abort PSP's tree: a note says what happened.
local function dissect_clear(ctvb, nh, pinfo, tree, item)
	local ok = pcall(function()
		if not ip_proto:try(nh, ctvb, pinfo, tree) then
			data:call(ctvb, pinfo, tree)
		end
	end)
	if not ok then
		item:add_proto_expert_info(ei.cut, string.format(
			"The clear part (%d bytes) ends inside the next header, where encryption " ..
			"starts: that is the Malformed Packet below", ctvb:len()))
	end
end

-- Adds field f over [off, off + len) clipped to what was captured.
local function add_captured(t, f, tvb, off, len)
	local n = math.min(len, tvb:len() - off)
	if n > 0 then t:add(f, tvb(off, n)) end
end

function psp.dissector(tvb, pinfo, tree)
	-- Lengths come from the packet, not the capture: a snap length cuts the
	-- end, and the ICV is at the end of what was sent.
	local len = tvb:reported_len()
	pinfo.cols.protocol = "PSP"
	local t = tree:add(psp, tvb())

	if len < BASE_LEN + ICV_LEN or tvb:len() < BASE_LEN then
		t:add_proto_expert_info(len < BASE_LEN + ICV_LEN and ei.short or ei.snap)
		pinfo.cols.info = "PSP (too short)"
		return
	end

	local nh = tvb(0, 1):uint()
	local ext = tvb(1, 1):uint()
	local co_byte = tvb(2, 1):uint()
	local flags = tvb(3, 1):uint()
	local spi = tvb(4, 4):uint()
	local off = bit32.band(co_byte, 0x3f) * 4	-- bytes after the base header
	local ver = bit32.rshift(bit32.band(flags, 0x3c), 2)
	local v_bit = bit32.band(flags, 0x02) ~= 0
	local gmac = ver == 2 or ver == 3

	t:add(hf.next_header, tvb(0, 1))
	local ext_item = t:add(hf.hdr_ext_len, tvb(1, 1))
	local res_item = t:add(hf.reserved, tvb(2, 1))
	local co_item = t:add(hf.crypt_offset, tvb(2, 1))
	t:add(hf.sample, tvb(3, 1))
	t:add(hf.drop, tvb(3, 1))
	local ver_item = t:add(hf.version, tvb(3, 1))
	local v_item = t:add(hf.vc_present, tvb(3, 1))
	local one_item = t:add(hf.always_one, tvb(3, 1))
	local spi_item = t:add(hf.spi, tvb(4, 4))
	t:add(hf.key_phase, tvb(4, 4))
	t:add(hf.iv, tvb(8, 8))

	if bit32.band(co_byte, 0xc0) ~= 0 then res_item:add_proto_expert_info(ei.reserved) end
	if bit32.band(flags, 0x01) == 0 then one_item:add_proto_expert_info(ei.always) end
	if ver > 3 then ver_item:add_proto_expert_info(ei.version) end
	if bit32.band(spi, 0x7fffffff) == 0 then spi_item:add_proto_expert_info(ei.spi) end

	local info = string.format("PSP SPI=0x%08x IV=%s %s", spi, tostring(tvb(8, 8):bytes()),
	                           versions[ver] or ("version " .. ver))
	pinfo.cols.info = info

	-- The header is 8 + 8 * hdr_ext_len bytes; the region after the base
	-- header (VC, then payload) runs up to the ICV.
	local hlen = 8 + 8 * ext
	local icv_at = len - ICV_LEN
	if ext == 0 or hlen > icv_at then
		ext_item:add_proto_expert_info(ei.ext_len)
		return
	end
	if v_bit ~= (ext >= 2) then v_item:add_proto_expert_info(ei.vc) end
	t:add(hf.mode, (nh == 4 or nh == 41) and "tunnel" or "transport"):set_generated()

	-- GMAC authenticates the whole region and encrypts none of it.
	local region = icv_at - BASE_LEN
	if gmac then
		off = region
	elseif off > region then
		co_item:add_proto_expert_info(ei.offset)
		off = region
	end

	-- The crypt offset counts from the end of the base header: a VC below it
	-- is in clear, one above it is encrypted with the payload.
	local vc_len = 0
	if v_bit and ext >= 2 then
		vc_len = VC_LEN
		add_captured(t, off >= VC_LEN and hf.vc or hf.vc_encrypted, tvb, BASE_LEN, VC_LEN)
	end
	if hlen > BASE_LEN + vc_len then
		add_captured(t, hf.hdr_ext, tvb, BASE_LEN + vc_len, hlen - BASE_LEN - vc_len)
	end

	local payload_len = icv_at - hlen
	local clear = math.max(0, math.min(off - (hlen - BASE_LEN), payload_len))
	t:add(hf.clear_len, clear):set_generated()
	if gmac then
		add_captured(t, hf.payload, tvb, hlen, payload_len)
	else
		add_captured(t, hf.encrypted, tvb, hlen + clear, payload_len - clear)
	end
	if tvb:len() >= len then
		t:add(hf.icv, tvb(icv_at, ICV_LEN))
	else
		t:add_proto_expert_info(ei.snap)
	end

	clear = math.min(clear, tvb:len() - hlen)
	if clear > 0 then
		pinfo.cols.info = ""	-- for the inner dissectors, PSP's part goes in front after
		dissect_clear(tvb(hlen, clear):tvb(), nh, pinfo, tree, t)
		-- after the inner dissectors, which set both columns their way
		pinfo.cols.protocol = "PSP"
		pinfo.cols.info:prepend(info .. " | ")
	end
end

DissectorTable.get("udp.port"):add(1000, psp)
