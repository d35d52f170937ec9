// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The control plane's speed: associations installed per second through
 * libpspbpf (rx-assoc then tx-assoc, one TCP flow each), the latency of
 * each pair (p50, p99, p999), and the kernel memory one live association
 * holds; the same installs in batches (pspbpf_add_assoc_batch). With
 * "scale": a million live associations, and the kernel memory each costs.
 * The device is psp0 of a network namespace of the bench's own
 * (tests/lib/devenv.c). One JSON line per figure.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "clock.h"
#include "devenv.h"
#include "map_iter.h"

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

/*
 * psp0 with the peers' addresses on it, as a real peer's is: each
 * tx-assoc then makes sure the path has room for PSP (route.c).
 */
static struct dev_env *setup(const struct dev_env_opts *o)
{
	static struct dev_env env;
	char why[256];

	if (dev_env_open(&env, o, why, sizeof(why))) {
		fprintf(stderr, "bench: setup failed: %s\n", why);
		return NULL;
	}
	if (system("ip addr add 10.77.0.1/24 dev psp0")) {
		fprintf(stderr, "bench: setup failed: no address on psp0\n");
		return NULL;
	}
	return &env;
}

static void flow_of(struct pspbpf_flow *f, int i)
{
	flow_v4(f, "10.77.0.1", (uint16_t)(20000 + i), "10.77.0.2", 443);
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
	t = monotonic_ns();
	for (int i = 0; i < 100000; i++)
		syscall(SYS_getppid);
	ns = (double)(monotonic_ns() - t) / 100000;
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
	int fd = bpf_obj_get(PSPBPF_PIN_MAPS "/psp_rx_keys");
	struct psp_spi_key k;
	size_t n = 0;

	if (fd < 0)
		return 0;
	FOR_EACH_MAP_KEY(fd, k)
		n++;
	close(fd);
	return n;
}

/*
 * The bytes of the slab objects in use, every cache's (/proc/slabinfo:
 * active objects times their size). Not meminfo's Slab: that counts slab
 * pages, and objects freed before into pages still held (the 1 KiB cipher
 * transforms of an earlier round) are taken again without a page more,
 * which put 16,384 associations at 1 KB each when they hold 3.
 */
static long slab_bytes(void)
{
	char line[512], name[64];
	long active, size, sum = 0;
	FILE *m = fopen("/proc/slabinfo", "r");

	while (m && fgets(line, sizeof(line), m))
		if (sscanf(line, "%63s %ld %*s %ld", name, &active, &size) == 3)
			sum += active * size;
	if (m)
		fclose(m);
	return m ? sum : -1;
}

/* The key of the Tx half of flow i's association: any will do. */
static void tx_line(struct pspbpf_assoc_line *l, int i)
{
	memset(l, 0, sizeof(*l));
	l->has_tx = 1;
	l->tx = (struct pspbpf_tx_params){ .spi = 0x1000 + (uint32_t)i, .key_len = 16 };
	memset(l->tx_key, 0x5a, 16);
}

/* Flow i of many: a million and more to one peer (one route to it). */
static void flow_of_many(struct pspbpf_flow *f, int i)
{
	flow_of(f, 0);
	f->lport = (uint16_t)(1024 + i % 60000);
	f->rport = (uint16_t)(1 + i / 60000);
}

/*
 * Batched associations: nlines lines through pspbpf_add_assoc_batch() in
 * the chunks add-assoc --batch takes (4096); returns the seconds taken,
 * or a negative value if a line failed.
 */
#define BATCH_CHUNK	4096
static double batch_install(struct dev_env *e, int first, int nlines)
{
	static struct pspbpf_assoc_line v[BATCH_CHUNK];
	double secs = 0;

	for (int i = 0; i < nlines;) {
		int n = nlines - i < BATCH_CHUNK ? nlines - i : BATCH_CHUNK;
		uint64_t t;

		for (int j = 0; j < n; j++) {
			tx_line(&v[j], i + j);
			flow_of_many(&v[j].flow, first + i + j);
		}
		t = monotonic_ns();
		if (pspbpf_add_assoc_batch(e->h, "psp0", v, (size_t)n)) {
			for (int j = 0; j < n; j++)
				if (v[j].err)
					fprintf(stderr, "bench: batch line %d: %s\n", i + j, v[j].errmsg);
			return -1;
		}
		secs += (double)(monotonic_ns() - t) / 1e9;
		i += n;
	}
	return secs;
}

/* Memory the pinned maps hold (the kernel's memlock figure for each):
 * with the maps empty, what their capacity costs (hash buckets). */
static long maps_memlock(void)
{
	DIR *d = opendir(PSPBPF_PIN_MAPS);
	struct dirent *de;
	long sum = 0;

	while (d && (de = readdir(d))) {
		char path[512], line[128];
		unsigned long v;
		FILE *f;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", PSPBPF_PIN_MAPS, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "memlock: %lu", &v) == 1)
				sum += (long)v;
		if (f)
			fclose(f);
		close(fd);
	}
	if (d)
		closedir(d);
	return sum;
}

/*
 * bench-assoc scale [offload]: SCALE_ASSOCS live associations (Rx and Tx)
 * on psp0, its maps sized for them, installed in batches; the kernel
 * memory each costs: slab (map entries, key objects, crypto contexts) and
 * what the maps' capacity holds besides (their buckets, measured while
 * empty). The backend: the one a plain dev add picks, or offload.
 */
#define SCALE_ASSOCS	1000000
static int bench_scale(const char *backend)
{
	int n = env_int("PSP_BENCH_SCALE_ASSOCS", SCALE_ASSOCS, PSPBPF_MAX_ASSOCS_LIMIT);
	struct dev_env_opts o = { .max_assocs = (uint32_t)n };
	struct dev_env *e;
	long slab0, fixed;
	double secs;

	if (backend && strcmp(backend, "offload")) {
		fprintf(stderr, "usage: bench-assoc [scale [offload]]\n");
		return 2;
	}
	o.backend = backend ? PSP_BACKEND_OFFLOAD : 0;
	e = setup(&o);
	if (!e)
		return 1;
	fixed = maps_memlock();
	slab0 = slab_bytes();
	secs = batch_install(e, 0, n);
	if (secs < 0)
		return 1;
	printf("{\"bench\":\"assoc-scale\",\"backend\":\"%s\",\"live_assocs\":%d,"
	       "\"bytes_per_assoc\":%.0f,\"slab_bytes_per_assoc\":%.0f,"
	       "\"map_capacity_bytes_per_assoc\":%.0f,\"install_per_sec\":%.0f,\"target_bytes\":%d}\n",
	       pspbpf_backend_name(e->backend), n,
	       (double)(slab_bytes() - slab0 + fixed) / n, (double)(slab_bytes() - slab0) / n,
	       (double)fixed / n, n / secs, e->backend == PSP_BACKEND_BPF ? 2048 : 512);
	return 0;
}

int main(int argc, char **argv)
{
	static uint64_t lat[FLOWS_MAX * ROUNDS_MAX];
	struct dev_env *e;
	uint8_t key[PSP_KEY_MAX_LEN];
	struct pspbpf_flow f;
	uint64_t t0, total = 0;
	long slab0, slab_full = 0;
	size_t n = 0, rx_keys = 0;
	double secs;
	int err = 0;

	if (argc > 1 && !strcmp(argv[1], "scale"))
		return bench_scale(argv[2]);
	nflows = env_int("PSP_BENCH_ASSOC_FLOWS", FLOWS_MAX, FLOWS_MAX);
	nrounds = env_int("PSP_BENCH_ASSOC_ROUNDS", ROUNDS_MAX, ROUNDS_MAX);
	e = setup(&(struct dev_env_opts){ 0 });
	if (!e)
		return 1;
	slab0 = slab_bytes();
	for (int r = 0; r < nrounds && !err; r++) {
		for (int i = 0; i < nflows && !err; i++) {
			struct pspbpf_tx_params tx = { .version = 0, .key = key, .key_len = 16 };
			uint64_t t;

			flow_of(&f, i);
			t = monotonic_ns();
			err = pspbpf_rx_assoc(e->h, "psp0", &f, 0, &tx.spi, key);
			if (!err)
				err = pspbpf_tx_assoc(e->h, "psp0", &f, &tx);
			t = monotonic_ns() - t;
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
	       "\"target_p99_us\":50,\"syscall_us\":%.2f,\"mean_in_syscalls\":%.1f}\n",
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
	/* as many again in batches, then gone */
	secs = batch_install(e, FLOWS_MAX, nflows);
	if (secs < 0)
		return 1;
	printf("{\"bench\":\"assoc-batch\",\"assocs\":%d,\"per_sec\":%.0f,"
	       "\"target_per_sec\":1000000}\n", nflows, nflows / secs);
	for (int i = 0; i < nflows; i++) {
		flow_of_many(&f, FLOWS_MAX + i);
		pspbpf_assoc_del(e->h, "psp0", &f);
	}
	return 0;
}
