/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The `offload` backend's hint ABI: what a NIC that does PSP inline and
 * the programs tell each other per packet (docs/offload.md maps it to the
 * Linux psp_dev_ops and the mlx5 fields). The programs keep the policy,
 * the counters and the control model; the NIC does the cryptography.
 *
 * Receive. The NIC has found a PSP packet for the device, derived its key
 * from the device key of the SPI's phase, checked the ICV and decrypted
 * the payload in place, and says so in the XDP metadata area in front of
 * the packet (data_meta .. data: a driver's XDP metadata, or what a
 * device-bound program of the driver puts there) as struct psp_rx_hint.
 * The packet is as it was on the wire but for the clear payload, ICV and
 * all, or, with PSP_RXH_F_DECAP, without its UDP and PSP headers and ICV
 * (the original packet back, its IP header fixed). A NIC may also hand up
 * a packet that failed, with its status, so that the device's counters
 * tell; psp_rx drops it.
 *
 * Transmit. psp_tx encapsulates as it would to encrypt: UDP, the PSP
 * header (SPI, version, crypt offset, VC), the payload left in clear, the
 * IP and UDP lengths counting the 16-byte ICV, which the packet does not
 * carry yet. The IV is the NIC's to fill, from a counter of its own per
 * key, as Linux leaves it to PSP hardware; psp_tx writes struct
 * psp_tx_hint there: the key, by the handle the NIC gave it when the Tx
 * key was installed (the key-in-descriptor model). The NIC writes the IV
 * over the hint, seals the packet with that key and appends the ICV. With
 * nothing to add at its end, a packet whose payload lies in pages (a
 * segment of a GSO packet) is sent as it is, not copied into one buffer.
 *
 * Hints are trusted only on devices added with --backend offload (flag
 * PSP_DEV_F_OFFLOAD): elsewhere psp_rx ignores a receive hint, counts it
 * (rx-hint-ignored) and decrypts the packet itself, as ever.
 */
#ifndef __PSP_OFFLOAD_H
#define __PSP_OFFLOAD_H

#include "types.h"

#define PSP_HINT_MAGIC		0x50535048u	/* "PSPH": a hint, not stray bytes */
#define PSP_TX_HINT_MAGIC	0x5054u		/* "PT": the transmit hint's */

enum psp_rx_status {
	PSP_RXS_DECRYPTED = 1,	/* authentic, payload in clear */
	PSP_RXS_AUTH_FAIL = 2,	/* the ICV did not verify: rx-auth-fail */
	PSP_RXS_BAD = 3,	/* unsupported version, no key for the SPI: rx-bad */
	PSP_RXS_ERROR = 4,	/* cut short or malformed: rx-error */
};

#define PSP_RXH_F_DECAP		(1u << 0)	/* UDP, PSP header and ICV gone */

struct psp_rx_hint {
	__u32 magic;		/* PSP_HINT_MAGIC, host order */
	__u8 status;		/* enum psp_rx_status */
	__u8 generation;	/* of the device key the SPI's key came from */
	__u8 flags;		/* PSP_RXH_F_* */
	__u8 version;		/* the packet's PSP version */
	__u32 spi;		/* host order */
	__u32 dev_id;		/* the PSP device whose key opened it */
};

struct psp_tx_hint {
	__u16 magic;		/* PSP_TX_HINT_MAGIC, host order */
	__u16 dev_id;		/* the PSP device ... */
	__u32 key_handle;	/* ... and its key handle: the association's Rx SPI */
};

_Static_assert(sizeof(struct psp_rx_hint) == 16, "psp_rx_hint: 16 bytes of XDP metadata");
_Static_assert(sizeof(struct psp_tx_hint) == 8, "psp_tx_hint: the IV's 8 bytes");

#endif /* __PSP_OFFLOAD_H */
