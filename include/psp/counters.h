/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Per-device counters: the one list behind the BPF counter index, the name
 * psp-bpf-ctl prints (the Linux PSP netlink attribute name where the kernel
 * has one, so scripts written for `ynl --family psp get-stats` read the same
 * keys) and the help text.
 *
 * Byte counters follow the kernel's definition: from the first byte after
 * the IV through the last byte of payload, so the 16-byte header and the
 * ICV are not counted and a VC is.
 *
 * The kernel's counters come first, psp-bpf's own after them.
 *
 * X(ID, "name", "help")
 */
#ifndef __PSP_COUNTERS_H
#define __PSP_COUNTERS_H

#define PSP_COUNTERS(X)							\
	X(KEY_ROTATIONS, "key-rotations",				\
	  "device key rotations")					\
	X(STALE_EVENTS, "stale-events",					\
	  "associations whose Rx key went stale at a rotation")		\
	X(RX_PACKETS, "rx-packets",					\
	  "PSP packets authenticated and delivered")			\
	X(RX_BYTES, "rx-bytes",						\
	  "bytes of those, after the IV through the end of the payload")\
	X(RX_AUTH_FAIL, "rx-auth-fail",					\
	  "PSP packets dropped: the ICV did not verify")		\
	X(RX_ERROR, "rx-error",						\
	  "PSP packets dropped: lengths or framing")			\
	X(RX_BAD, "rx-bad",						\
	  "PSP packets dropped: unsupported version, reserved bits, "	\
	  "invalid SPI or no device key for its phase")			\
	X(TX_PACKETS, "tx-packets",					\
	  "packets encapsulated and encrypted")				\
	X(TX_BYTES, "tx-bytes",						\
	  "bytes of those, after the IV through the end of the payload")\
	X(TX_ERROR, "tx-error",						\
	  "packets that could not be encapsulated and were dropped")	\
	/* psp-bpf's own, after the kernel's */				\
	X(RX_NO_SA, "rx-no-sa",						\
	  "PSP packets dropped: no Rx association for the SPI")		\
	X(RX_STALE, "rx-stale",						\
	  "PSP packets dropped: their association went stale at a second key rotation") \
	X(RX_PLAIN_DROP, "rx-plain-drop",				\
	  "TCP packets in clear dropped: their flow is upgraded to PSP")	\
	X(RX_POLICY_DROP, "rx-policy-drop",				\
	  "PSP packets dropped: their flow has no association, or another SPI") \
	X(TX_NO_SA, "tx-no-sa",						\
	  "packets that must be PSP (device mark, or a socket's association "	\
	  "made before connect that could not be bound) without a Tx "	\
	  "association: dropped")					\
	X(TX_TOO_BIG, "tx-too-big",					\
	  "of tx-error: too big for the MTU once encapsulated (a TCP segment "	\
	  "sized before its MSS made room for PSP)")				\
	X(RX_HINT_IGNORED, "rx-hint-ignored",				\
	  "packets with a NIC's receive hint on a device not added for "	\
	  "offload: the hint ignored, the packet handled as any other")	\
	X(TX_ENCAP_ERROR, "tx-encap-error",				\
	  "of tx-error: not one whole segment, or no room made for the "	\
	  "PSP headers")						\
	X(TX_NO_KEY, "tx-no-key",					\
	  "of tx-error: the association's key gone when the packet was "	\
	  "sealed (a reclaim deletes it only after the packets that "	\
	  "found the Tx association)")					\
	X(TX_CRYPTO_ERROR, "tx-crypto-error",				\
	  "of tx-error: the crypto backend failed on the packet")

enum psp_counter {
#define __PSP_COUNTER_ENUM(id, name, help) PSP_CNT_##id,
	PSP_COUNTERS(__PSP_COUNTER_ENUM)
#undef __PSP_COUNTER_ENUM
	PSP_CNT__MAX
};

#endif /* __PSP_COUNTERS_H */
