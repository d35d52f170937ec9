/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* libpspbpf internals shared by its files. */
#ifndef __PSPBPF_INT_H
#define __PSPBPF_INT_H

#include "pspbpf.h"

/* The control programs (bpf/psp_ctl.bpf.c), by file descriptor. */
struct ctl_progs {
	int dev_key_set, rx_key_set, tx_key_set, kdf;
};

struct pspbpf {
	int root_fd;		/* PSPBPF_PIN_ROOT: flock()ed while changing state */
	int locked;
	uint64_t netns_cookie;
	struct {
		int devs, stats, assocs, rx_sa, tx_sa, rx_keys, tx_keys, dev_keys;
	} map;
	struct ctl_progs prog;	/* -1 until first used */
	char err[256];
};

/* Records the reason for a failure; returns -err. */
int set_err(struct pspbpf *h, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* mkdir -p, mode 0700; 0 or -errno. */
int mkdir_p(const char *path);

int pspbpf_lock(struct pspbpf *h);
void pspbpf_unlock(struct pspbpf *h);
/* The control programs, opened from their pins: NULL with the reason set
 * if they cannot be. */
const struct ctl_progs *pspbpf_ctl(struct pspbpf *h);

/* The device of this namespace named ifname; -ENODEV if it is none. */
int dev_find(struct pspbpf *h, const char *ifname, struct psp_dev_key *key,
	     struct psp_dev_cfg *cfg);
/* Per-device pin directory: PSPBPF_PIN_ROOT/<netns cookie>/<ifname>. */
void dev_pin_dir(const struct pspbpf *h, const char *ifname, char *buf, size_t size);

/* Key installation through the control programs (keys.c). */
int install_dev_key(struct pspbpf *h, uint32_t dev_id, uint32_t phase, uint32_t flags,
		    const uint8_t key[PSP_DEV_KEY_LEN]);
int install_assoc_key(struct pspbpf *h, int tx, uint32_t dev_id, uint32_t spi,
		      const struct psp_flow *flow, uint32_t version, uint32_t flags,
		      const uint8_t *key);

void flow_to_key(const struct pspbpf_flow *f, uint32_t dev_id, struct psp_flow *k);
void flow_from_key(const struct psp_flow *k, struct pspbpf_flow *f);

#endif /* __PSPBPF_INT_H */
