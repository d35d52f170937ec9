// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-rotate: key-rotate of one device at a steady rate, from one process,
 * for the faults under traffic (tests/bats/faults.bats): a hundred
 * rotations a second is more than starting psp-bpf-ctl for each allows.
 * Run in the device's namespace (nsenter):
 *
 *   psp-rotate DEV RATE SECONDS
 *
 * Prints "N rotations in S s"; exits 1 at the first that fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pspbpf.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct psp_dev_cfg cfg;
	struct pspbpf *h;
	double rate, seconds, t0, next;
	unsigned long n = 0;

	if (argc != 4 || (rate = atof(argv[2])) <= 0 || (seconds = atof(argv[3])) <= 0) {
		fprintf(stderr, "usage: psp-rotate DEV RATE SECONDS\n");
		return 2;
	}
	if (pspbpf_open(&h, 0)) {
		fprintf(stderr, "psp-rotate: %s\n", h ? pspbpf_errmsg(h) : "no memory");
		return 1;
	}
	t0 = next = now_s();
	while (now_s() - t0 < seconds) {
		struct timespec pause;
		double wait = next - now_s();

		if (wait > 0) {
			pause.tv_sec = (time_t)wait;
			pause.tv_nsec = (long)((wait - (double)pause.tv_sec) * 1e9);
			nanosleep(&pause, NULL);
		}
		if (pspbpf_key_rotate(h, argv[1], &cfg)) {
			fprintf(stderr, "psp-rotate: rotation %lu: %s\n", n + 1, pspbpf_errmsg(h));
			pspbpf_close(h);
			return 1;
		}
		n++;
		next += 1 / rate;
	}
	printf("%lu rotations in %.1f s\n", n, now_s() - t0);
	pspbpf_close(h);
	return 0;
}
