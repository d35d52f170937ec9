// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The ABI headers as a BPF program sees them: with vmlinux.h and nothing
 * from the host's /usr/include. Built by `make unit`; a header that only
 * compiles in userspace breaks the build here.
 */
#include "vmlinux.h"
#include <psp/wire.h>
#include <psp/counters.h>

_Static_assert(sizeof(struct psphdr) == 16, "psphdr");
_Static_assert(__builtin_offsetof(struct psphdr, spi) == 4, "psphdr.spi");
_Static_assert(__builtin_offsetof(struct psphdr, iv) == 8, "psphdr.iv");
_Static_assert(PSP_CNT_TX_ERROR == 9, "the kernel's ten counters come first");
_Static_assert(PSP_TRANSPORT_OVERHEAD == 40, "transport overhead");

__u32 abi_version_of(const struct psphdr *h)
{
	return psphdr_version(h) | psp_key_len(psphdr_version(h)) << 8;
}

char LICENSE[] __attribute__((section("license"), used)) = "Dual BSD/GPL";
