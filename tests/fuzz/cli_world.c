// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The CLI fuzzer's world (cli_world.h). Quiet by construction: the
 * namespaces make no IPv6 link-local addresses (addr_gen_mode none, the
 * seal ports too) and nothing sends, so the counters and flow times a
 * snapshot reads stay as they are unless a command changes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli_world.h"
#include "pktgen.h"
#include "testdata.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const netns_names[WORLD_NETNS] = { GEN_NETNS_W, GEN_NETNS_N };

/* The devices the lines count on, and fc0, which they add and remove. */
static const struct { const char *ifname; int ns; const char *const *add; } core[] = {
	{ "fa0", 0, (const char *const[]){ "dev", "add", "fa0", "--versions", "all", NULL } },
	{ "na0", 1, (const char *const[]){ "-n", GEN_NETNS_N, "dev", "add", "na0", "--versions",
					   "0,1", NULL } },
};
#define SCRATCH_DEV	"fc0"

static int fail(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct world *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* Runs argv (argv[0] by PATH), its output kept in w->err if it fails. */
static int run(struct world *w, const char *const *argv)
{
	int out = memfd_create("world-out", MFD_CLOEXEC), status;
	pid_t pid;
	ssize_t n;

	if (out < 0)
		return fail(w, "memfd_create: %s", strerror(errno));
	pid = fork();
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(out, 1);
		dup2(out, 2);
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		close(out);
		return fail(w, "%s: %s", argv[0], strerror(errno));
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		close(out);
		return 0;
	}
	n = pread(out, w->err, sizeof(w->err) - 1, 0);
	w->err[n > 0 ? n : 0] = 0;
	close(out);
	if (n <= 0)
		fail(w, "%s: status 0x%x", argv[0], status);
	return -1;
}

int world_ctl(struct world *w, const char *const *argv)
{
	const char *v[32] = { w->ctl };
	size_t n = 1;

	while (*argv && n < ARRAY_SIZE(v) - 1)
		v[n++] = *argv++;
	v[n] = NULL;
	return run(w, v);
}

static int ip(struct world *w, const char *cmd)
{
	char buf[256], *save = NULL;
	const char *argv[24] = { "ip" };
	size_t n = 1;

	snprintf(buf, sizeof(buf), "%s", cmd);
	for (char *t = strtok_r(buf, " ", &save); t && n < ARRAY_SIZE(argv) - 1;
	     t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	return run(w, argv);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* A network namespace's settings: no IPv6 address of its own on any link
 * made from now on (so no DAD, router or MLD packets), lo up. */
static int quiet(struct world *w, const char *ns)
{
	char cmd[64];

	if (write_file("/proc/sys/net/ipv6/conf/default/addr_gen_mode", "1") ||
	    write_file("/proc/sys/net/ipv6/conf/all/addr_gen_mode", "1"))
		return fail(w, "addr_gen_mode in %s: %s", ns, strerror(errno));
	snprintf(cmd, sizeof(cmd), "-n %s link set lo up", ns);
	return ip(w, cmd);
}

static uint64_t netns_cookie(void)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
		close(fd);
	}
	return cookie;
}

/* Namespaces: mounts (a BPF filesystem, /run/netns) and networks. */
static int namespaces(struct world *w)
{
	char path[64];
	pid_t pid;
	int status;

	if (unshare(CLONE_NEWNS | CLONE_NEWNET))
		return fail(w, "unshare: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return fail(w, "a BPF filesystem of our own: %s", strerror(errno));
	if ((mkdir("/run/netns", 0755) && errno != EEXIST) ||
	    mount("tmpfs", "/run/netns", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755"))
		return fail(w, "/run/netns of our own: %s", strerror(errno));
	for (int k = 0; k < WORLD_NETNS; k++) {
		int fd;

		snprintf(path, sizeof(path), "/run/netns/%s", netns_names[k]);
		fd = open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0444);
		if (fd < 0)
			return fail(w, "%s: %s", path, strerror(errno));
		close(fd);
		/* ours is the one we are in; the other, a child's */
		pid = k ? fork() : 0;
		if (pid < 0)
			return fail(w, "fork: %s", strerror(errno));
		if (k && !pid)
			_exit(unshare(CLONE_NEWNET) ||
			      mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) ? 1 : 0);
		if (k && (waitpid(pid, &status, 0) < 0 || status))
			return fail(w, "namespace %s: cannot make it", netns_names[k]);
		if (!k && mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL))
			return fail(w, "%s: %s", path, strerror(errno));
		w->netns[k] = open(path, O_RDONLY | O_CLOEXEC);
		if (w->netns[k] < 0)
			return fail(w, "%s: %s", path, strerror(errno));
	}
	for (int k = WORLD_NETNS - 1; k >= 0; k--) {
		if (setns(w->netns[k], CLONE_NEWNET))
			return fail(w, "setns %s: %s", netns_names[k], strerror(errno));
		w->cookie[k] = netns_cookie();
		if (quiet(w, netns_names[k]))
			return -1;
	}
	return 0;
}

static int links(struct world *w)
{
	static const char *const cmds[] = {
		"link add fa0 type veth peer name fb0",
		"link add fc0 type veth peer name fd0",
		"addr add 10.77.0.1/24 dev fa0",
		"link set fa0 up", "link set fb0 up", "link set fc0 up", "link set fd0 up",
		"-n " GEN_NETNS_N " link add na0 type veth peer name nb0",
		"-n " GEN_NETNS_N " addr add 10.77.0.1/24 dev na0",
		"-n " GEN_NETNS_N " link set na0 up", "-n " GEN_NETNS_N " link set nb0 up",
	};

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (ip(w, cmds[i]))
			return fail(w, "ip %s: %.400s", cmds[i], w->err);
	return 0;
}

static int devices(struct world *w)
{
	static const char *const cmds[][16] = {
		{ "dev", "add", "fa0", "--versions", "all" },
		{ "dev", "add", SCRATCH_DEV },
		{ "-n", GEN_NETNS_N, "dev", "add", "na0", "--versions", "0,1" },
		{ "add-assoc", "fa0", "--flow", "10.77.0.1:40000", "10.77.0.2:5000", "--tx-spi",
		  "80000001", "--tx-key", "000102030405060708090a0b0c0d0e0f" },
		{ "rx-assoc", "fa0", "--flow", "[fd77::1]:40001", "[fd77::2]:5001", "--version", "1" },
		{ "-n", GEN_NETNS_N, "add-assoc", "na0", "--flow", "10.77.0.1:40002",
		  "10.77.0.2:5001", "--version", "1", "--tx-spi", "5", "--tx-key",
		  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (world_ctl(w, cmds[i]))
			return fail(w, "psp-bpf-ctl %s %s %s: %.400s", cmds[i][0], cmds[i][1],
				    cmds[i][2], w->err);
	return 0;
}

static int64_t mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* f's file as it was made, its time noted. */
static int file_write(struct world *w, struct world_file *f)
{
	char path[512];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", w->dir, f->path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && (errno == EISDIR || errno == ENXIO)) {	/* not a file any more */
		rmdir(path);
		unlink(path);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0 || write(fd, f->data, f->len) != (ssize_t)f->len || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return fail(w, "%s: %s", path, strerror(errno));
	}
	close(fd);
	f->mtime_ns = mtime_ns(&st);
	return 0;
}

/* A file the commands read, written and remembered. */
static int file_add(struct world *w, const char *name, const void *data, size_t len)
{
	struct world_file *f, *files = realloc(w->files, (w->n_files + 1) * sizeof(*files));

	if (!files)
		return fail(w, "out of memory");
	w->files = files;
	f = &files[w->n_files];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", name);
	f->data = malloc(len ? len : 1);
	if (!f->data)
		return fail(w, "out of memory");
	memcpy(f->data, data, len);
	f->len = len;
	if (file_write(w, f)) {
		free(f->data);
		return -1;
	}
	w->n_files++;
	return 0;
}

static int file_copy(struct world *w, const char *from, const char *name)
{
	int fd = open(from, O_RDONLY | O_CLOEXEC), err;
	struct stat st;
	uint8_t *buf;

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return fail(w, "%s: %s", from, strerror(errno));
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		close(fd);
		return fail(w, "%s: cannot read it", from);
	}
	close(fd);
	err = file_add(w, name, buf, (size_t)st.st_size);
	free(buf);
	return err;
}

/* A capture pcap encrypt takes (and decrypt counts as not PSP): IPv4 and
 * IPv6 frames of TCP, UDP and ICMP, with IPv4 options and IPv6 extension
 * headers, built by pktgen. */
static int capture(struct world *w, const char *name, int linktype, int frames)
{
	static const uint8_t eth[2][14] = {
		{ 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 },
		{ 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd },
	};
	char path[512];
	pcap_t *dead = pcap_open_dead(linktype, 65535);
	pcap_dumper_t *d;
	uint32_t seed = 7;
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", w->dir, name);
	d = dead ? pcap_dump_open(dead, path) : NULL;
	if (!d) {
		if (dead)
			pcap_close(dead);
		return fail(w, "%s: cannot write it", path);
	}
	for (int i = 0; i < frames; i++) {
		static const uint8_t protos[] = { 6, 17, 1 };
		struct pkt_spec s = {
			.family = i % 2 ? 6 : 4, .l4_len = 20 + rnd(&seed) % 200,
			.proto = protos[i % 3], .opt_len = i % 4 == 0 ? 4 * (rnd(&seed) % 11) : 0,
			.v6_ext = i % 3 == 1 ? 1 + i % 2 : 0, .seed = rnd(&seed),
		};
		uint8_t frame[14 + 40 + 64 + 256];
		size_t l4, len, off = linktype == DLT_EN10MB ? 14 : 0;
		struct pcap_pkthdr h = { 0 };

		if (s.proto == 1 && s.family == 6)
			s.proto = 58;
		len = pkt_build(frame + off, &s, &l4);
		memcpy(frame, eth[s.family == 6], off);
		h.caplen = h.len = (bpf_u_int32)(len + off);
		pcap_dump((u_char *)d, &h, frame);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	if (stat(path, &st))
		return fail(w, "%s: %s", path, strerror(errno));
	return file_copy(w, path, name);
}

/* What the commands read: vectors (v/), a capture of our own, captures
 * that cannot be read whole, and nothing much. */
static int files(struct world *w, const struct world_vectors *wv)
{
	uint8_t junk[200];
	uint32_t seed = 11;
	char path[512];

	snprintf(path, sizeof(path), "%s/v", w->dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		return fail(w, "%s: %s", path, strerror(errno));
	for (size_t i = 0; wv && i < wv->n; i++) {
		char from[512];

		snprintf(from, sizeof(from), "%s/%s", wv->dir, wv->v[i].clear + 2);
		if (file_copy(w, from, wv->v[i].clear))
			return -1;
		snprintf(from, sizeof(from), "%s/%s", wv->dir, wv->v[i].psp + 2);
		if (file_copy(w, from, wv->v[i].psp))
			return -1;
	}
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rnd(&seed);
	if (capture(w, "gen.pcap", DLT_EN10MB, 24) || capture(w, "raw.pcap", DLT_RAW, 2) ||
	    file_add(w, "empty.pcap", "", 0) || file_add(w, "garbage.pcap", junk, sizeof(junk)))
		return -1;
	/* the file header and half a record's */
	return file_add(w, "trunc.pcap", w->files[w->n_files - 4].data, 32);
}

int world_make(struct world *w, const char *ctl, const char *dir,
	       const struct world_vectors *wv)
{
	memset(w, 0, sizeof(*w));
	w->ctl = ctl;
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return fail(w, "%s: %s", dir, strerror(errno));
	if (namespaces(w) || links(w) || files(w, wv) || devices(w))
		return -1;
	return 0;
}

int world_repair(struct world *w, const struct snap *s)
{
	int repairs = 0;

	for (size_t i = 0; i < s->n_devs; i++) {
		const struct snap_dev *d = &s->devs[i];
		int ns = d->netns_cookie == w->cookie[1], keep = !strcmp(d->ifname, SCRATCH_DEV) && !ns;
		const char *argv[] = { "-n", netns_names[ns], "dev", "del", d->ifname, NULL };

		for (size_t c = 0; c < ARRAY_SIZE(core); c++)
			keep |= !strcmp(d->ifname, core[c].ifname) && ns == core[c].ns;
		if (keep)
			continue;
		if (world_ctl(w, argv))
			return fail(w, "dev del %s: %.400s", d->ifname, w->err);
		repairs++;
	}
	for (size_t c = 0; c < ARRAY_SIZE(core); c++) {
		int found = 0;

		for (size_t i = 0; i < s->n_devs; i++)
			found |= !strcmp(s->devs[i].ifname, core[c].ifname) &&
				 (s->devs[i].netns_cookie == w->cookie[1]) == core[c].ns;
		if (found)
			continue;
		if (world_ctl(w, core[c].add))
			return fail(w, "dev add %s: %.400s", core[c].ifname, w->err);
		repairs++;
	}
	return repairs;
}

int world_files_check(struct world *w)
{
	int put_back = 0;

	for (size_t i = 0; i < w->n_files; i++) {
		struct world_file *f = &w->files[i];
		char path[512];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", w->dir, f->path);
		if (!stat(path, &st) && S_ISREG(st.st_mode) && st.st_size == (off_t)f->len &&
		    mtime_ns(&st) == f->mtime_ns)
			continue;
		if (!file_write(w, f))
			put_back++;
	}
	return put_back;
}

/* vectors.tsv: name clear psp master0 master1 spi version mode crypt_off
 * vc vc_value iv_first expect */
static void vector_line(char **f, int n, void *arg)
{
	struct world_vectors *wv = arg;
	struct gen_vector *v, *nv;

	if (n < 13)
		return;
	nv = realloc(wv->v, (wv->n + 1) * sizeof(*nv));
	if (!nv)
		return;
	wv->v = nv;
	v = &nv[wv->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->clear, sizeof(v->clear), "v/%s", f[1]);
	snprintf(v->psp, sizeof(v->psp), "v/%s", f[2]);
	snprintf(v->master0, sizeof(v->master0), "%s", f[3]);
	snprintf(v->master1, sizeof(v->master1), "%s", f[4]);
	snprintf(v->spi, sizeof(v->spi), "%s", f[5]);
	v->version = (unsigned int)atoi(f[6]);
	v->tunnel = !strcmp(f[7], "tunnel");
	v->crypt_off = (unsigned int)atoi(f[8]);
	v->has_vc = !strcmp(f[9], "true");
	snprintf(v->vc, sizeof(v->vc), "%s", v->has_vc ? f[10] : "");
	snprintf(v->iv, sizeof(v->iv), "0x%s", f[11]);
}

int world_vectors_load(struct world_vectors *wv, const char *tsv, const char *dir)
{
	memset(wv, 0, sizeof(*wv));
	wv->dir = dir;
	return tsv_each(tsv, vector_line, wv) > 0 && wv->n ? 0 : -1;
}
