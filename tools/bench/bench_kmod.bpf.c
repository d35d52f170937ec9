// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The kmod backend's anchor (bench_kmod.c): one call of the module's
 * benchmark kfunc per run, its request and results in .bss. */
#include "../../bpf/lib/kmod.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct pspk_bench bench;
int result;

SEC("syscall")
int run(void *unused __attribute__((unused)))
{
	result = bpf_pspk_bench(&bench);
	return 0;
}
