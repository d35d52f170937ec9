/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * pspref: the userspace PSP reference.
 *
 * Key derivation, AES-GCM/GMAC and the encapsulation of single IP packets,
 * on OpenSSL. It is the oracle the project tests the BPF datapath against,
 * and the engine of `psp-bpf-ctl pcap`, so it follows the wire format to
 * the byte (docs/wire-format.md) and rejects what a receiver must reject.
 *
 * Functions return 0 or a negative errno unless they say otherwise.
 */
#ifndef __PSPBPF_PSP_REF_H
#define __PSPBPF_PSP_REF_H

#include <stddef.h>
#include <stdint.h>
#include <linux/if_ether.h>	/* ETH_HLEN, ETH_P_IP, ETH_P_IPV6 */
#include <psp/kdf.h>
#include <psp/wire.h>
#include <psp/counters.h>

/* Name (the kernel's netlink attribute name) and help of a counter. */
const char *psp_counter_name(enum psp_counter c);
const char *psp_counter_help(enum psp_counter c);

/*
 * Derive the key of (spi, version) from a 32-byte device key: NIST SP
 * 800-108 counter mode with AES-256-CMAC as the PRF. Writes
 * psp_key_len(version) bytes.
 */
int psp_derive_key(const uint8_t dev_key[PSP_DEV_KEY_LEN], uint32_t spi,
		   uint32_t version, uint8_t *key);

/* One association key, ready for packets of its version. */
struct psp_aead;

struct psp_aead *psp_aead_new(uint32_t version, const uint8_t *key);
void psp_aead_free(struct psp_aead *aead);

/*
 * Protect in place: psp points at the 16-byte PSP header, region_len
 * bytes of VC + payload follow it. GCM leaves the first crypt_off bytes
 * of the region in clear (they are authenticated with the header) and
 * encrypts the rest; GMAC authenticates all of it. Writes the ICV.
 */
int psp_aead_seal(struct psp_aead *aead, uint8_t *psp, size_t region_len,
		  size_t crypt_off, uint8_t icv[PSP_ICV_LEN]);

/*
 * Verify and decrypt the region after the header at psp into out (which
 * may not overlap it). Returns -EBADMSG if the ICV does not verify, and
 * then out holds zeros, never unauthenticated plaintext.
 */
int psp_aead_open(struct psp_aead *aead, const uint8_t *psp, size_t region_len,
		  size_t crypt_off, const uint8_t icv[PSP_ICV_LEN], uint8_t *out);

/*
 * A receiver's device keys, one per SPI phase, and the keys derived from
 * them. Derivation is cheap but not free, so derived keys are cached.
 * Key bytes are wiped when replaced and on free.
 */
struct psp_rx_keys;

struct psp_rx_keys *psp_rx_keys_new(void);
void psp_rx_keys_free(struct psp_rx_keys *keys);
int psp_rx_keys_set(struct psp_rx_keys *keys, uint32_t phase,
		    const uint8_t dev_key[PSP_DEV_KEY_LEN]);
/* The key for (spi, version); NULL with errno ENOKEY if the phase has none. */
struct psp_aead *psp_rx_keys_get(struct psp_rx_keys *keys, uint32_t spi,
				 uint32_t version);

/* What to put in the PSP header of an association's packets. */
struct psp_tx_params {
	uint32_t spi;
	uint8_t version;
	uint8_t crypt_off;	/* 4-byte units, 0..63 */
	uint8_t tunnel;		/* 0: transport mode, 1: tunnel mode */
	uint8_t has_vc;
	uint8_t vc[PSP_VC_LEN];
};

/* Why a packet was not encapsulated: X(ID, "name") */
#define PSP_TX_SKIPS(X)					\
	X(NOT_IP, "not-ip")				\
	X(MALFORMED, "malformed")			\
	X(FRAGMENT, "fragment")				\
	X(CRYPT_OFF, "crypt-off-past-end")		\
	X(TOO_BIG, "too-big")				\
	X(CRYPTO, "crypto-error")

enum psp_tx_skip {
	PSP_TX_OK = 0,
#define __PSP_TX_SKIP_ENUM(id, name) PSP_TX_##id,
	PSP_TX_SKIPS(__PSP_TX_SKIP_ENUM)
#undef __PSP_TX_SKIP_ENUM
	PSP_TX__MAX
};

const char *psp_tx_skip_name(enum psp_tx_skip skip);

/*
 * Encapsulate and protect one IPv4 or IPv6 packet of at most ip_len bytes
 * (its own length field bounds it: link padding is not payload) with
 * the given IV. out needs ip_len + PSP_MAX_OVERHEAD bytes. The UDP source
 * port is the inner source port XOR destination port for TCP and UDP and
 * 1000 otherwise, as google/psp does. Returns PSP_TX_OK and *out_len, or
 * the reason the packet was left alone.
 */
enum psp_tx_skip psp_encap(struct psp_aead *aead, const struct psp_tx_params *p,
			   uint64_t iv, const uint8_t *ip, size_t ip_len,
			   uint8_t *out, size_t *out_len);

enum psp_rx_result {
	PSP_RX_OK,	/* authenticated: out holds the inner packet */
	PSP_RX_PASS,	/* not PSP (not UDP to port 1000, or unparsable before it) */
	PSP_RX_DROP,	/* PSP, rejected: info->drop says which counter */
};

struct psp_rx_info {
	enum psp_counter drop;	/* PSP_CNT_RX_{ERROR,BAD,AUTH_FAIL} on PSP_RX_DROP */
	const char *why;	/* one line, for -v */
	uint32_t spi;
	uint8_t version;
	uint8_t tunnel;
	size_t bytes;		/* rx-bytes: VC + payload */
};

/*
 * Authenticate, decrypt and decapsulate the PSP packet in ip[0..ip_len)
 * into out (at least ip_len bytes, not overlapping ip). Transport mode
 * gives back the original IP packet, tunnel mode the inner one.
 */
enum psp_rx_result psp_decap(struct psp_rx_keys *keys, const uint8_t *ip,
			     size_t ip_len, uint8_t *out, size_t *out_len,
			     struct psp_rx_info *info);

/*
 * The same on Ethernet frames: the Ethernet header is kept, except that
 * tunnel decapsulation sets the EtherType of the inner packet's family.
 * Frames other than IPv4 and IPv6 are PSP_TX_NOT_IP and PSP_RX_PASS.
 */

enum psp_tx_skip psp_encap_frame(struct psp_aead *aead, const struct psp_tx_params *p,
				 uint64_t iv, const uint8_t *frame, size_t len,
				 uint8_t *out, size_t *out_len);
enum psp_rx_result psp_decap_frame(struct psp_rx_keys *keys, const uint8_t *frame,
				   size_t len, uint8_t *out, size_t *out_len,
				   struct psp_rx_info *info);

#endif /* __PSPBPF_PSP_REF_H */
