// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The BPF objects of each crypto backend, embedded from their skeletons:
 * one build of bpf/ per backend (the kmod one, PSP_KMOD, twice: see
 * kmod_elf()), and a backend chosen when the state is made.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>

#include "psp_ctl.skel.h"
#include "psp_ctl_kmod61.skel.h"
#include "psp_ctl_kmod67.skel.h"
#include "psp_rx.skel.h"
#include "psp_rx_kmod61.skel.h"
#include "psp_rx_kmod67.skel.h"
#include "psp_tx.skel.h"
#include "psp_tx_kmod61.skel.h"
#include "psp_tx_kmod67.skel.h"
#include "pspbpf_int.h"

static const struct {
	const char *name;
	const void *(*elf[PSP_OBJ__MAX])(size_t *sz);
} backends[] = {
	[PSP_BACKEND_BPF] = { "bpf", { psp_rx__elf_bytes, psp_tx__elf_bytes, psp_ctl__elf_bytes } },
	[PSP_BACKEND_KMOD] = { "kmod", { psp_rx_kmod61__elf_bytes, psp_tx_kmod61__elf_bytes,
					  psp_ctl_kmod61__elf_bytes } },
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

/*
 * The kmod build for the running kernel. The maps hold the module's keys
 * as referenced kptrs, whose BTF tag Linux 6.7 renamed from kptr_ref to
 * kptr; each kernel refuses the other's (include/psp/maps.h). So the
 * programs build twice, alike but for the tag, and this picks one.
 */
static const void *kmod_elf(enum psp_obj which, size_t *sz)
{
	static const void *(*const kmod67[PSP_OBJ__MAX])(size_t *sz) = {
		psp_rx_kmod67__elf_bytes, psp_tx_kmod67__elf_bytes, psp_ctl_kmod67__elf_bytes
	};
	unsigned int major = 0, minor = 0;
	struct utsname u;

	if (!uname(&u))
		sscanf(u.release, "%u.%u", &major, &minor);
	if (major > 6 || (major == 6 && minor >= 7))
		return kmod67[which](sz);
	return backends[PSP_BACKEND_KMOD].elf[which](sz);
}

/*
 * The maps with an entry per association (bpf/lib/maps.h), sized at
 * PSP_MAX_ASSOCS as built. libbpf reuses a pinned map only for an object
 * that declares it alike, so every object of a state declares the size
 * the state was made with (dev add --max-assocs).
 */
static const char *const assoc_maps[] = {
	"psp_assocs", "psp_tx_sa", "psp_rx_sa", "psp_rx_keys", "psp_tx_keys",
};

struct bpf_object *backend_open(uint32_t backend, enum psp_obj which, uint32_t max_assocs)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = PSPBPF_PIN_MAPS,
		    .object_name = obj_names[which]);
	struct bpf_object *obj;
	const void *elf;
	size_t sz;

	if (backend >= N_BACKENDS || !backends[backend].name) {
		errno = EINVAL;
		return NULL;
	}
	elf = backend == PSP_BACKEND_KMOD ? kmod_elf(which, &sz) : backends[backend].elf[which](&sz);
	obj = bpf_object__open_mem(elf, sz, &opts);
	for (size_t i = 0; obj && i < sizeof(assoc_maps) / sizeof(assoc_maps[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, assoc_maps[i]);
		int err = m ? bpf_map__set_max_entries(m, max_assocs) : 0;

		if (err) {
			bpf_object__close(obj);
			errno = -err;
			return NULL;
		}
	}
	return obj;
}
