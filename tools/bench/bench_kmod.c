// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The kmod backend's crypto against the kernel's own AES-GCM: seals of
 * 64, 512, 1500 and 9000 bytes, timed inside the kernel by psp_crypto.ko
 * (kmod/psp_bench.c) with its own path and with the kernel's gcm(aes) in
 * turn, on the same buffer and key. One JSON line per size; ratio = the
 * module's ns / the kernel's. Under an emulator this is the figure that
 * means something: both sides run the same emulated AES-NI and PCLMUL.
 * Says why and succeeds when the module is not loaded (make bench on a
 * host; make vm-bench loads it).
 */
#include <stdio.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <psp/kmod.h>

#include "bench_kmod.skel.h"

#define RUNS 3000

int main(void)
{
	static const __u32 sizes[] = { 64, 512, 1500, PSPK_BENCH_MAX_LEN };
	struct bench_kmod *skel;
	int rc = 0;

	libbpf_set_print(NULL);		/* a missing module is said below */
	skel = bench_kmod__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench-kmod: psp_crypto.ko is not loaded: skipped\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct pspk_bench *b = &skel->bss->bench;
		LIBBPF_OPTS(bpf_test_run_opts, o);

		b->len = sizes[i];
		b->runs = RUNS;
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.run), &o) ||
		    skel->bss->result) {
			fprintf(stderr, "bench-kmod: %u bytes: error %d\n", sizes[i],
				skel->bss->result);
			rc = 1;
			break;
		}
		printf("{\"bench\":\"kmod-gcm-seal\",\"size\":%u,\"ns_per_pkt\":%llu,"
		       "\"driver\":\"%s\",\"baseline\":\"kernel-gcm-aes\",\"baseline_driver\":\"%s\","
		       "\"baseline_ns_per_pkt\":%llu,\"ratio\":%.2f}\n",
		       sizes[i], (unsigned long long)b->ns_ours, b->ours_driver, b->kernel_driver,
		       (unsigned long long)b->ns_kernel, (double)b->ns_ours / (double)b->ns_kernel);
		fflush(stdout);
	}
	bench_kmod__destroy(skel);
	return rc;
}
