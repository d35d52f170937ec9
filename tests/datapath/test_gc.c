// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * gc beside installs: a sweep reads under the state's lock shared and
 * reclaims a chunk at a time under it exclusive (libpspbpf/gc.c), so
 * associations go on being installed while it runs. Under the lock
 * exclusive from start to end, as gc once held it, no install could finish
 * while the sweep runs. Counted, not timed: the installs the library
 * finishes while the sweep holds the lock.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "env.h"
#include "pspbpf_int.h"
#include "tap.h"

#define IDLE_FLOWS	20000	/* for the sweep to reclaim */
#define BESIDE_MAX	20000	/* installs beside it, at most */
#define BESIDE_MIN	1	/* of which at least, finished while it ran */

/* Flow i of a set (0: the idle ones, 1: those installed beside gc). */
static void gc_flow(struct pspbpf_flow *f, int set, int i)
{
	char raddr[32];

	snprintf(raddr, sizeof(raddr), "10.66.%d.%d", set * 100 + i / 50000, 1 + i % 250);
	flow_v4(f, "10.66.0.1", (uint16_t)(1 + i % 50000), raddr, 443);
}

/*
 * The child: the sweep (gc_run(), no idle time: every flow no socket
 * holds goes) as pspbpf_gc() runs it, under the lock taken shared, with
 * marks in shared memory set while it holds the lock: an install the
 * parent finishes in between finished beside the sweep. 0 if it took all
 * the idle flows.
 */
static int sweep(volatile int *running)
{
	struct pspbpf_gc_stats st = { 0 };
	struct pspbpf *h;
	int err;

	if (pspbpf_open(&h, 0))
		return 1;
	err = pspbpf_lock_shared(h);
	*running = 1;
	err = err ?: gc_run(h, 0, 0, &st);
	*running = 0;		/* still under the lock: it comes back exclusive */
	pspbpf_unlock(h);
	pspbpf_close(h);
	return err || st.flows < IDLE_FLOWS;
}

TEST(gc_beside_installs)
{
	struct pspbpf_assoc_line *v = calloc(IDLE_FLOWS, sizeof(*v));
	volatile int *running = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct dev_env *e = test_env();
	unsigned int during = 0, failed = 0;
	uint8_t key[PSP_KEY_MAX_LEN];
	int st, i;
	pid_t pid;

	if (!e || !v || running == MAP_FAILED) {
		tap_ok(0, "gc beside installs: setup");
		free(v);
		return;
	}
	*running = 0;
	for (i = 0; i < IDLE_FLOWS; i++)
		gc_flow(&v[i].flow, 0, i);
	tap_ok(!pspbpf_add_assoc_batch(e->h, "psp0", v, IDLE_FLOWS), "%d idle associations",
	       IDLE_FLOWS);
	free(v);
	pid = fork();
	if (!pid)
		_exit(sweep(running));
	while (pid > 0 && !*running && !waitpid(pid, &st, WNOHANG))
		usleep(100);
	for (i = 0; pid > 0 && *running && i < BESIDE_MAX; i++) {
		struct pspbpf_flow f;
		uint32_t spi;

		gc_flow(&f, 1, i);
		if (pspbpf_rx_assoc(e->h, "psp0", &f, 0, &spi, key))
			failed++;
		else if (*running)
			during++;
	}
	memset(key, 0, sizeof(key));
	tap_ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
	       "gc reclaimed the %d idle associations", IDLE_FLOWS);
	tap_ok(during >= BESIDE_MIN && !failed,
	       "%u rx-assoc finished while gc ran, %u failed (at least %d: under the lock "
	       "exclusive all along, none could)", during, failed, BESIDE_MIN);
	pspbpf_gc(e->h, "psp0", 0, NULL);	/* what was installed beside */
	munmap((void *)running, sizeof(int));
}
