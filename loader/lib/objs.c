// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The BPF objects of each crypto backend, embedded from their skeletons:
 * one build of bpf/ per backend (the kmod one for Linux 6.1, PSP_KMOD),
 * and a backend chosen when the state is made.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "psp_ctl.skel.h"
#include "psp_ctl_kmod.skel.h"
#include "psp_rx.skel.h"
#include "psp_rx_kmod.skel.h"
#include "psp_tx.skel.h"
#include "psp_tx_kmod.skel.h"
#include "pspbpf_int.h"

static const struct {
	const char *name;
	const void *(*elf[PSP_OBJ__MAX])(size_t *sz);
} backends[] = {
	[PSP_BACKEND_BPF] = { "bpf", { psp_rx__elf_bytes, psp_tx__elf_bytes, psp_ctl__elf_bytes } },
	[PSP_BACKEND_KMOD] = { "kmod", { psp_rx_kmod__elf_bytes, psp_tx_kmod__elf_bytes,
					  psp_ctl_kmod__elf_bytes } },
	/* the bpf build's programs on devices flagged PSP_DEV_F_OFFLOAD */
	[PSP_BACKEND_OFFLOAD] = { "offload", { psp_rx__elf_bytes, psp_tx__elf_bytes,
					       psp_ctl__elf_bytes } },
};
#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

static const char *const obj_names[PSP_OBJ__MAX] = { "psp_rx", "psp_tx", "psp_ctl" };

const char *pspbpf_backend_name(uint32_t backend)
{
	return backend < N_BACKENDS && backends[backend].name ? backends[backend].name : "none";
}

uint32_t pspbpf_backend_by_name(const char *name)
{
	for (uint32_t b = 0; b < N_BACKENDS; b++)
		if (backends[b].name && !strcmp(backends[b].name, name))
			return b;
	return 0;
}

/* auto: the module's, once it is loaded (its BTF is what its kfuncs
 * need), else the kernel's own BPF crypto. */
uint32_t backend_auto(void)
{
	return access("/sys/kernel/btf/psp_crypto", F_OK) ? PSP_BACKEND_BPF : PSP_BACKEND_KMOD;
}

struct bpf_object *backend_open(uint32_t backend, enum psp_obj which)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = PSPBPF_PIN_MAPS,
		    .object_name = obj_names[which]);
	const void *elf;
	size_t sz;

	if (backend >= N_BACKENDS || !backends[backend].name) {
		errno = EINVAL;
		return NULL;
	}
	elf = backends[backend].elf[which](&sz);
	return bpf_object__open_mem(elf, sz, &opts);
}
