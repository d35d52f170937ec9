// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Keys into the kernel, through the control programs (bpf/psp_ctl.bpf.c):
 * each is handed over once in a BPF_PROG_TEST_RUN context and wiped here;
 * nothing reads it back. Association keys go with their GHASH key
 * H = AES_K(0), computed here.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pspbpf_int.h"

int install_dev_key(struct pspbpf *h, uint32_t dev_id, uint32_t phase, uint32_t flags,
		    const uint8_t key[PSP_DEV_KEY_LEN])
{
	struct psp_key_install in = {
		.dev_id = dev_id, .phase = phase, .key_len = PSP_DEV_KEY_LEN, .flags = flags,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &in, .ctx_size_in = sizeof(in));
	const struct key_progs *progs = key_progs_get(h);
	int err;

	if (!progs)
		return -ENOENT;
	memcpy(in.key, key, PSP_DEV_KEY_LEN);
	err = bpf_prog_test_run_opts(progs->dev_key_set, &o) ? -errno : in.err;
	OPENSSL_cleanse(&in, sizeof(in));
	if (err)
		return set_err(h, -err, "cannot install the device key: %s", strerror(-err));
	return 0;
}

/* H = AES_K(0^128), the GHASH key of K. */
static int ghash_key(const uint8_t *key, size_t len, uint8_t h[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	static const uint8_t zero[16];
	int n, ok;

	if (!c)
		return -ENOMEM;
	ok = EVP_EncryptInit_ex(c, len == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb(), NULL,
				key, NULL) &&
	     EVP_CIPHER_CTX_set_padding(c, 0) && EVP_EncryptUpdate(c, h, &n, zero, 16);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -EIO;
}

int assoc_req_run(struct pspbpf *h, struct psp_assoc_req *r)
{
	/* a SYSCALL program's context comes back where it came from */
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = r, .ctx_size_in = sizeof(*r));
	const struct key_progs *progs = key_progs_get(h);
	int err = 0;

	if (progs && r->key_len)
		err = ghash_key(r->key, r->key_len, r->h);
	if (!progs)
		err = -ENOENT;
	else if (!err)
		err = bpf_prog_test_run_opts(progs->assoc_set, &o) ? -errno : r->err;
	OPENSSL_cleanse(r->key, sizeof(r->key));
	OPENSSL_cleanse(r->h, sizeof(r->h));
	return err;
}

int kdf_run(struct pspbpf *h, struct psp_kdf_req *req, uint8_t key[PSP_KEY_MAX_LEN])
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = req, .data_size_in = sizeof(*req),
		    .data_out = req, .data_size_out = sizeof(*req), .repeat = 1);
	const struct key_progs *progs = key_progs_get(h);
	int err;

	if (!progs)
		return -ENOENT;
	err = bpf_prog_test_run_opts(progs->kdf, &o) ? -errno : req->err;
	if (!err)
		memcpy(key, req->key, PSP_KEY_MAX_LEN);
	OPENSSL_cleanse(req->key, sizeof(req->key));
	OPENSSL_cleanse(req->work, sizeof(req->work));
	return err;
}

int kdf_err(struct pspbpf *h, const struct psp_kdf_req *req, int err)
{
	if (err == -ENOENT)
		return set_err(h, ENOKEY, "device %u has no key for phase %u", req->dev_id,
			       req->spi >> 31);
	return set_err(h, -err, "key derivation failed: %s", strerror(-err));
}

int pspbpf_derive(struct pspbpf *h, uint32_t dev_id, uint32_t spi, uint32_t version,
		  uint8_t key[PSP_KEY_MAX_LEN])
{
	struct psp_kdf_req req = { .dev_id = dev_id, .spi = spi, .version = version };
	int err = kdf_run(h, &req, key);

	return err ? kdf_err(h, &req, err) : 0;
}

int pspbpf_key_import(struct pspbpf *h, const char *ifname, uint32_t phase,
		      const uint8_t key[PSP_DEV_KEY_LEN])
{
	LOCK_GUARD(h);
	struct psp_dev_cfg cfg;
	int err;

	if (phase > 1)
		return set_err(h, EINVAL, "phase must be 0 or 1");
	err = pspbpf_lock(h);
	if (!err)
		err = dev_find(h, ifname, NULL, &cfg);
	if (!err)
		err = install_dev_key(h, cfg.id, phase, cfg.flags, key);
	return err;
}

void key_rotated(struct psp_dev_cfg *cfg)
{
	/*
	 * New SPIs take the new key's phase, their lower bits counting on
	 * from the last, not from 1 again as netdevsim's do: a phase's SPI
	 * then comes back under a newer key only after 2^31 others. Else a
	 * flow closed a rotation or two ago would lend its SPI to a new one
	 * within seconds, and the late packets the peer still sealed with
	 * the old key would fail authentication, as forgeries do, instead
	 * of counting as rx-no-sa. Only a count that ran out starts over.
	 */
	cfg->phase = !cfg->phase;
	if (cfg->spi_last >= PSP_SPI_INDEX_MASK)
		cfg->spi_last = 0;
	cfg->generation = (cfg->generation + 1) & PSP_GEN_MASK;
	cfg->key_rotations++;
}

/* Marks the device's associations from two generations back stale and
 * takes their Rx keys away (psp_assoc_set's STALE_MARK), adding how many
 * to its stale_events. */
static int stale_assocs(struct pspbpf *h, struct psp_dev_cfg *cfg)
{
	struct psp_assoc_req r = { .op = PSP_ASSOC_STALE_MARK, .dev_id = cfg->id,
				   .rx = { .generation = cfg->generation } };
	int err = assoc_req_run(h, &r);

	if (err)
		return set_err(h, -err, "cannot mark the associations of generation %u stale: %s",
			       (cfg->generation - 2) & PSP_GEN_MASK, strerror(-err));
	cfg->stale_events += r.count;
	return 0;
}

int pspbpf_key_rotate(struct pspbpf *h, const char *ifname, struct psp_dev_cfg *out)
{
	LOCK_GUARD(h);
	uint8_t key[PSP_DEV_KEY_LEN];
	struct psp_netdev_key dk;
	struct psp_dev_cfg cfg;
	int err = pspbpf_lock(h);

	if (!err)
		err = dev_find(h, ifname, &dk, &cfg);
	if (err)
		return err;
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		err = set_err(h, errno, "getrandom: %s", strerror(errno));
	else
		err = install_dev_key(h, cfg.id, !cfg.phase, cfg.flags, key);
	OPENSSL_cleanse(key, sizeof(key));
	if (err)
		return err;
	key_rotated(&cfg);
	err = stale_assocs(h, &cfg);
	if (err)
		return err;
	if (bpf_map_update_elem(h->map.devs, &dk, &cfg, BPF_EXIST))
		return set_err(h, errno, "cannot update %s: %s", ifname, strerror(errno));
	if (out)
		*out = cfg;
	return 0;
}
