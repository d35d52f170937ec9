// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The control plane's speed: associations installed per second through
 * libpspbpf (rx-assoc then tx-assoc, one TCP flow each), the latency of
 * each pair (p50, p99, p999), and the kernel memory one live association
 * holds. The device is psp0 of a network namespace of the bench's own
 * (tests/datapath/env.c). One JSON line per figure.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "env.h"
#include "tap.h"

/* Associations live at once (then removed, but for the last round) and
 * rounds; PSP_BENCH_ASSOC_FLOWS and PSP_BENCH_ASSOC_ROUNDS size them down
 * where every syscall is slow (make vm-bench's TCG guest). */
#define FLOWS_MAX	16384
#define ROUNDS_MAX	4
static int nflows = FLOWS_MAX, nrounds = ROUNDS_MAX;

static int env_int(const char *name, int def, int max)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, &end, 10);
	if (*end || n < 1 || n > max) {
		fprintf(stderr, "bench: %s=%s: not 1..%d, taking %d\n", name, v, max, def);
		return def;
	}
	return (int)n;
}

int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return cond;
	fputs("bench: setup failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return cond;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void flow_of(struct pspbpf_flow *f, int i)
{
	memset(f, 0, sizeof(*f));
	f->family = AF_INET;
	inet_pton(AF_INET, "10.77.0.1", f->laddr);
	inet_pton(AF_INET, "10.77.0.2", f->raddr);
	f->lport = (uint16_t)(20000 + i);
	f->rport = 443;
}

/* The baseline of the same run: the cheapest syscall's cost, which an
 * association pays a dozen and a half times (rx-assoc: lock, device, flow,
 * SPI, derivation, install, unlock; tx-assoc: lock, device, flow, route,
 * MTU, install, unlock). */
static double syscall_ns(void)
{
	static double ns;
	uint64_t t;

	if (ns)
		return ns;
	t = now_ns();
	for (int i = 0; i < 100000; i++)
		syscall(SYS_getppid);
	ns = (double)(now_ns() - t) / 100000;
	return ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Kernel slab memory in bytes (/proc/meminfo): the crypto contexts and
 * key objects an association allocates come from there, and its map
 * entries (the maps are not preallocated).
 */
/* Entries of the state's psp_rx_keys. */
static size_t rx_key_entries(void)
{
	struct psp_spi_key k, *prev = NULL;
	int fd = bpf_obj_get(PSPBPF_PIN_MAPS "/psp_rx_keys");
	size_t n = 0;

	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		n++;
	}
	if (fd >= 0)
		close(fd);
	return n;
}

static long slab_bytes(void)
{
	char line[128];
	long kb = -1;
	FILE *m = fopen("/proc/meminfo", "r");

	while (m && fgets(line, sizeof(line), m))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	if (m)
		fclose(m);
	return kb * 1024;
}

int main(void)
{
	static uint64_t lat[FLOWS_MAX * ROUNDS_MAX];
	struct test_env *e;
	uint8_t key[PSP_KEY_MAX_LEN];
	struct pspbpf_flow f;
	uint64_t t0, total = 0;
	long slab0, slab_full = 0;
	size_t n = 0, rx_keys = 0;
	int err = 0;

	nflows = env_int("PSP_BENCH_ASSOC_FLOWS", FLOWS_MAX, FLOWS_MAX);
	nrounds = env_int("PSP_BENCH_ASSOC_ROUNDS", ROUNDS_MAX, ROUNDS_MAX);
	e = test_env();
	/* the peers on psp0, as a real peer's is: each tx-assoc then makes
	 * sure the path has room for PSP (route.c) */
	if (!e || system("ip addr add 10.77.0.1/24 dev psp0")) {
		fprintf(stderr, "bench: setup failed: no address on psp0\n");
		return 1;
	}
	slab0 = slab_bytes();
	for (int r = 0; r < nrounds && !err; r++) {
		for (int i = 0; i < nflows && !err; i++) {
			struct pspbpf_tx_params tx = { .version = 0, .key = key, .key_len = 16 };
			uint64_t t;

			flow_of(&f, i);
			t = now_ns();
			err = pspbpf_rx_assoc(e->h, "psp0", &f, 0, &tx.spi, key);
			if (!err)
				err = pspbpf_tx_assoc(e->h, "psp0", &f, &tx);
			t = now_ns() - t;
			lat[n++] = t;
			total += t;
		}
		if (!r) {
			slab_full = slab_bytes();
			rx_keys = rx_key_entries();
		}
		for (int i = 0; i < nflows && !err && r + 1 < nrounds; i++) {
			flow_of(&f, i);
			err = pspbpf_assoc_del(e->h, "psp0", &f);
		}
	}
	if (err) {
		fprintf(stderr, "bench: association %zu: %s\n", n, pspbpf_errmsg(e->h));
		return 1;
	}
	t0 = total / n;
	qsort(lat, n, sizeof(lat[0]), cmp_u64);
	printf("{\"bench\":\"assoc-install\",\"assocs\":%zu,\"per_sec\":%.0f,\"mean_us\":%.2f,"
	       "\"p50_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,\"target_per_sec\":100000,"
	       "\"target_p99_us\":100,\"syscall_us\":%.2f,\"mean_in_syscalls\":%.1f}\n",
	       n, 1e9 / (double)t0, t0 / 1e3, lat[n / 2] / 1e3, lat[n * 99 / 100] / 1e3,
	       lat[n * 999 / 1000] / 1e3, syscall_ns() / 1e3, (double)t0 / syscall_ns());
	/* map entries: Rx by SPI (state, key), the flow (policy, Tx state, key) */
	printf("{\"bench\":\"assoc-memory\",\"live_assocs\":%d,\"map_entry_bytes\":%zu,"
	       "\"slab_bytes_per_assoc\":%ld}\n", nflows,
	       2 * sizeof(struct psp_spi_key) + sizeof(struct psp_rx_sa) + sizeof(struct psp_key) +
	       3 * sizeof(struct psp_flow) + sizeof(struct psp_assoc) + sizeof(struct psp_tx_sa) +
	       sizeof(struct psp_key), (slab_full - slab0) / nflows);
	/* what receive keeps per association to open its packets: a key
	 * entry (and its kernel objects) on the bpf backend, nothing on the
	 * kmod backend, which derives each packet's key */
	printf("{\"bench\":\"rx-key-state\",\"backend\":\"%s\",\"live_assocs\":%d,"
	       "\"rx_key_entries\":%zu,\"rx_key_map_bytes_per_assoc\":%zu,\"target\":0}\n",
	       pspbpf_backend_name(e->backend), nflows, rx_keys,
	       rx_keys * (sizeof(struct psp_spi_key) + sizeof(struct psp_key)) / nflows);
	return 0;
}
