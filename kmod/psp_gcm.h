/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* psp_crypto.ko: the keys and the cryptography on them (psp_gcm.c). */
#ifndef __PSPK_GCM_H
#define __PSPK_GCM_H

#include <linux/workqueue.h>
#include <psp/kmod.h>
#include <psp/wire.h>

struct crypto_aead;

/*
 * A key, owned by the one map entry (or program) that holds it as a kptr,
 * used by packets through its id (psp_kfuncs.c); freed, wiped, an RCU
 * grace period after its owner lets it go, since a packet may have looked
 * its id up just before, and in process context (free_work), where its
 * transform may go.
 */
struct pspk_key {
	u32 id;			/* in the module's table, never 0 */
	u32 kind;		/* enum pspk_key_kind */
	u32 len;		/* bytes of key */
	u8 key[PSP_KEY_MAX_LEN] __aligned(8);
	u8 k1[16];		/* a device key's CMAC subkey */
	/* an association key's AES-GCM of the kernel, keyed once (psp_gcm.c),
	 * or NULL: the portable GCM */
	struct crypto_aead *gcm;
	struct rcu_work free_work;
};

int pspk_gcm_init(void);
void pspk_gcm_exit(void);

/*
 * Fills a k from kzalloc() with key bytes; 0, -EINVAL (wrong length for
 * the kind) or -ENOMEM. May sleep.
 */
int pspk_key_init(struct pspk_key *k, const u8 *key, u32 len, u32 kind);

/* Frees such a k, pspk_key_init() done or not, wiped; may sleep. */
void pspk_key_free(struct pspk_key *k);

/* The key of (spi, version) derived from a device key, psp_key_len(version)
 * bytes into out. */
int pspk_derive(const struct pspk_key *dk, u32 spi, u32 version, u8 *out);

/*
 * Seal (encrypt and write the ICV) or open (check the ICV, then decrypt)
 * the packet region op describes, data holding op->hdr_off + aad_len +
 * ct_len + 16 bytes at least (the caller's check). A device key derives
 * the packet's key from its SPI. 0, -EBADMSG (open: forged or another
 * key's) or -EINVAL (a key not of the op's version).
 */
int pspk_crypt(const struct pspk_key *k, u8 *data, const struct pspk_op *op, bool seal);

/* The driver k's packets are sealed with, for the benchmark. */
const char *pspk_gcm_driver(const struct pspk_key *k);

/* The benchmark kfunc's work (psp_bench.c); 0 or a negative errno. */
int pspk_bench(struct pspk_bench *b);

#endif /* __PSPK_GCM_H */
