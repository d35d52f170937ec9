// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A receiver's two device keys and a small cache of the keys derived from
 * them. PSP receivers keep no per-association state: the key comes from
 * the packet's SPI. The cache only saves the CMAC and the AES key
 * schedule for SPIs seen recently; a miss costs a derivation, never a drop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "psp_ref.h"

#define RX_CACHE_SLOTS 64	/* direct mapped, power of two */

struct rx_slot {
	struct psp_aead *aead;
	uint32_t spi;
	uint32_t version;
};

struct psp_rx_keys {
	uint8_t dev_key[2][PSP_DEV_KEY_LEN];
	uint8_t have[2];
	struct rx_slot cache[RX_CACHE_SLOTS];
};

struct psp_rx_keys *psp_rx_keys_new(void)
{
	return calloc(1, sizeof(struct psp_rx_keys));
}

static void flush_phase(struct psp_rx_keys *keys, uint32_t phase)
{
	for (size_t i = 0; i < RX_CACHE_SLOTS; i++) {
		struct rx_slot *s = &keys->cache[i];

		if (s->aead && (s->spi >> 31) == phase) {
			psp_aead_free(s->aead);
			s->aead = NULL;
		}
	}
}

void psp_rx_keys_free(struct psp_rx_keys *keys)
{
	if (!keys)
		return;
	flush_phase(keys, 0);
	flush_phase(keys, 1);
	OPENSSL_cleanse(keys, sizeof(*keys));
	free(keys);
}

int psp_rx_keys_set(struct psp_rx_keys *keys, uint32_t phase,
		    const uint8_t dev_key[PSP_DEV_KEY_LEN])
{
	if (phase > 1)
		return -EINVAL;
	flush_phase(keys, phase);
	memcpy(keys->dev_key[phase], dev_key, PSP_DEV_KEY_LEN);
	keys->have[phase] = 1;
	return 0;
}

struct psp_aead *psp_rx_keys_get(struct psp_rx_keys *keys, uint32_t spi,
				 uint32_t version)
{
	struct rx_slot *s = &keys->cache[(spi ^ version * 0x9e3779b9u) % RX_CACHE_SLOTS];
	uint32_t phase = spi >> 31;
	uint8_t key[PSP_KEY_MAX_LEN];
	struct psp_aead *aead;
	int err;

	if (s->aead && s->spi == spi && s->version == version)
		return s->aead;
	if (!keys->have[phase]) {
		errno = ENOKEY;
		return NULL;
	}
	err = psp_derive_key(keys->dev_key[phase], spi, version, key);
	if (err) {
		errno = -err;
		return NULL;
	}
	aead = psp_aead_new(version, key);
	OPENSSL_cleanse(key, sizeof(key));
	if (!aead)
		return NULL;
	psp_aead_free(s->aead);
	*s = (struct rx_slot){ .aead = aead, .spi = spi, .version = version };
	return aead;
}
