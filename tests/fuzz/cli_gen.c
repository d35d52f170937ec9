// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The grammar of psp-bpf-ctl (docs/psp-bpf-ctl.8) as tables: each command
 * with its words, positional argument and options; each option with the
 * kind of value it takes; each kind with values that parse (some of them
 * refused by the operation: SPI 0, a key of the other length) and values
 * that must not. A line is made well-formed first, then, by its class,
 * left so, given one value that must not parse, or mutated freely.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_gen.h"
#include "pktgen.h"

#define ARENA_SIZE	(512 * 1024)	/* a line's strings: the longest token is 70 kB */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

const char *const gen_class_name[GEN__CLASSES] = { "well-formed", "one bad value", "mutated" };

enum kind {
	K_FLAG, K_FLOW, K_VERSION, K_VERSIONS, K_SPI, K_KEY, K_DEVKEY, K_VC, K_CRYPT_OFF,
	K_MARK, K_BACKEND, K_AES, K_PHASE, K_IDLE, K_INTERVAL, K_COUNT, K_MAX_ASSOCS,
	K_IV, K_DEV_ID, K_PCAP_IN, K_PCAP_OUT, K_BATCH, K_NETNS, K_FORMAT, K_CONFIG,
	K__MAX
};

/* Values of a kind that parse, and that must not (a usage error). */
struct pool {
	const char *const *ok, *const *bad;
	size_t n_ok, n_bad;
};

#define POOL(k, o, b) [k] = { o, b, ARRAY_SIZE(o), ARRAY_SIZE(b) }

static const char *const version_ok[] = { "0", "1", "2", "3", "0x1", "0X3" };
static const char *const version_bad[] = {
	"4", "-1", "01", "", "v1", "0x4", "1.0", "3 ", "18446744073709551616", "+1", "\xd9\xa1",
};
static const char *const versions_ok[] = {
	"0", "1", "2", "3", "all", "none", "0,1", "1,3", "0,1,2,3", "2,2", "hdr0-aes-gcm-128",
	"hdr0-aes-gcm-256,hdr0-aes-gmac-128", "3,hdr0-aes-gcm-128", "hdr0-aes-gmac-256",
};
static const char *const versions_bad[] = {
	"4", "0,4", "gcm", "ALL", "0;1", "hdr0-aes-gcm-512", "-1", "0 1", "all,0", "none,1",
	/* the bad token past the 127th character */
	"0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
	"0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,9",
};
static const char *const spi_ok[] = {
	"1", "2", "3", "4", "10", "7fffffff", "80000001", "80000002", "0x5", "0X80000003",
	"ffffffff", "00000006", "12345678", "0", "80000000",	/* the last two refused */
};
static const char *const spi_bad[] = {
	"", "g", "-1", "+1", "0x", "100000000", "1ffffffff", "0x1g", "1.0", "1 2", "\xef\xbc\x91",
	"99999999999999999999999999999", "-", "0xx1", "80000001h",
};
/* past 5 (7 with a VC) the operation refuses them: a bare TCP header */
static const char *const crypt_off_ok[] = { "0", "1", "2", "3", "5", "0x4", "7", "63" };
static const char *const crypt_off_bad[] = {
	"64", "-1", "", "1.5", "0x40", "99999999999999999999", "01", "one",
};
static const char *const mark_ok[] = {
	"0x10/0xf0", "1", "0/0", "0x50000000/0xff000000", "4294967295/4294967295", "16/0",
	"0x1/0x1", "7",
};
static const char *const mark_bad[] = {
	"1/2/3", "/", "1/", "/1", "x", "4294967296", "0x100000000/1", "-1", "1/-1", "1//2",
	"", "0x10/0x1f0000000",
	/* a number whose bad tail is past the 63rd character */
	"0x00000000000000000000000000000000000000000000000000000000000001zz",
};
static const char *const backend_ok[] = { "auto", "bpf", "kmod", "offload" };
static const char *const backend_bad[] = { "", "BPF", "none", "xdp", "bpf ", "kmodx", "au" };
static const char *const aes_ok[] = { "generic", "fixed-time" };
static const char *const aes_bad[] = { "", "Generic", "fast", "fixed", "generic ", "gen" };
static const char *const format_ok[] = { "text", "prometheus" };
static const char *const format_bad[] = { "", "json", "Prometheus", "prom", "text ", "openmetrics" };
static const char *const phase_ok[] = { "0", "1", "0x1" };
static const char *const phase_bad[] = { "2", "-1", "01", "", "0x2", "1.0", "one" };
static const char *const idle_ok[] = { "0", "1", "600", "3600", "4294967295", "0x10" };
static const char *const idle_bad[] = {
	"4294967296", "-1", "1s", "", "010", "0x100000000", "1e3", "+5",
};
static const char *const interval_ok[] = { "1", "2", "5", "10", "50", "0x20" };
static const char *const interval_bad[] = { "0", "3600001", "-5", "", "1ms", "010", "0x" };
static const char *const count_ok[] = { "0", "1", "2", "10", "4294967295" };
static const char *const count_bad[] = { "4294967296", "-1", "", "1.0", "ten" };
static const char *const max_assocs_ok[] = { "1", "64", "65536", "1073741824", "0x10000" };
static const char *const max_assocs_bad[] = { "0", "1073741825", "4294967296", "-1", "", "1k" };
static const char *const iv_ok[] = {
	"0", "1", "2", "1000", "18446744073709551615", "0xffffffffffffffff", "0x10",
};
static const char *const iv_bad[] = {
	"18446744073709551616", "-1", "", "0x1ffffffffffffffff", "1e9", "0x", "00",
};
static const char *const dev_id_ok[] = { "1", "2", "3", "4", "0", "255", "4294967295" };
static const char *const dev_id_bad[] = { "4294967296", "-1", "", "x", "1.5", "01" };
/* dev add --config: the line's lines (config_input()), or nothing; a file
 * that cannot be read is a usage error */
static const char *const config_ok[] = { "-", GEN_BATCH_FILE, GEN_BATCH_FILE, "/dev/null" };
static const char *const config_bad[] = { "nosuch.conf", "", ".", "nosuch/dir/dev.conf" };
static const char *const netns_ok[] = { GEN_NETNS_W, GEN_NETNS_N };
static const char *const netns_bad[] = { "", "a/b", "/", "../" GEN_NETNS_N };

/* Endpoints: the usual ones, and odd ones that parse. */
static const char *const v4_local[] = { "10.77.0.1" }, *const v4_remote[] = { "10.77.0.2" };
static const char *const v6_local[] = { "[fd77::1]" }, *const v6_remote[] = { "[fd77::2]" };
static const char *const lports[] = { "40000", "40001", "40002", "40003" };
static const char *const rports[] = { "5000", "5001" };
static const char *const v4_odd[] = {
	"0.0.0.0:1", "255.255.255.255:65535", "127.0.0.1:5000", "224.0.0.1:5000",
	"10.77.0.1:1", "10.77.0.2:65535",
};
static const char *const v6_odd[] = {
	"[::]:1", "[::1]:5000", "[ff02::1]:5000", "[fe80::1]:5000", "[::ffff:10.77.0.2]:5000",
	"[fd77:0:0:0:0:0:0:2]:65535",
};
static const char *const endpoint_bad[] = {
	"10.77.0.1", "10.77.0.1:", "10.77.0.1:0", "10.77.0.1:65536", "10.77.0.1:-1", ":80",
	"[fd77::1]:", "[fd77::1:80", "fd77::1]:80", "fd77::1:80", "[10.77.0.1]:80",
	"300.1.1.1:80", "10.77.0.1:80x", "localhost:80", "", "[]:80", "-", "[fd77::1]:99999",
	"10.77.0.1:18446744073709551617",
	/* a valid port, then a bad tail past the 95th character */
	"10.77.0.1:0000000000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000005x",
};

static const struct pool pools[K__MAX] = {
	POOL(K_VERSION, version_ok, version_bad),
	POOL(K_VERSIONS, versions_ok, versions_bad),
	POOL(K_SPI, spi_ok, spi_bad),
	POOL(K_CRYPT_OFF, crypt_off_ok, crypt_off_bad),
	POOL(K_MARK, mark_ok, mark_bad),
	POOL(K_BACKEND, backend_ok, backend_bad),
	POOL(K_AES, aes_ok, aes_bad),
	POOL(K_FORMAT, format_ok, format_bad),
	POOL(K_PHASE, phase_ok, phase_bad),
	POOL(K_IDLE, idle_ok, idle_bad),
	POOL(K_INTERVAL, interval_ok, interval_bad),
	POOL(K_COUNT, count_ok, count_bad),
	POOL(K_MAX_ASSOCS, max_assocs_ok, max_assocs_bad),
	POOL(K_IV, iv_ok, iv_bad),
	POOL(K_DEV_ID, dev_id_ok, dev_id_bad),
	POOL(K_NETNS, netns_ok, netns_bad),
	POOL(K_CONFIG, config_ok, config_bad),
};

/* Words a mutation inserts or puts in another's place. */
static const char *const odd_words[] = {
	"", "-", "--", "-h", "--help", "-x", "--nope", "-j", "-n", "-v", "-p", "-V", "-jpv",
	"id", "help", "show", "add", "del", "set", "check", "all", "none", "0", "1", "-1",
	"4294967296", "18446744073709551616", "0x", "0xffffffffffffffffff", "nosuch0", "fa0",
	"fc0", "na0", "lo", "pspseg1", "pspseal1", "aaaaaaaaaaaaaaaa",
	"a-very-long-interface-name-beyond-ifnamsiz", "fa0 ", " fa0", "fa0\n", "..", ".",
	"/", "fa0/x", "%s%s%s%s%n", "%x%x%x", "\xff\xfe\xfd", "f\xc3\xa4" "0", "\xe2\x80\x8b",
	"\xf0\x9f\x92\xa5", "\t", " ", "=", "--flow=", "--=x", "-=", "--spi=", "--json=1",
	"10.77.0.1:40000", "[fd77::2]:5000", "80000001", "--netns=" GEN_NETNS_N, "-n" GEN_NETNS_N,
	"--batch=-", "nosuch/dir/out.pcap", "/dev/null", "batch.txt", "-i", "-o", "-io",
};

/* Every option name of the grammar, and the global ones, for insertion. */
static const char *const option_words[] = {
	"--flow", "--version", "--spi", "--tx-spi", "--key", "--tx-key", "--crypt-off", "--vc",
	"--batch", "--phase", "--versions", "--mark", "--backend", "--aes", "--rx-spread",
	"--max-assocs", "--idle", "--interval", "--count", "--master", "--master0",
	"--master1", "--tunnel", "--iv", "-i", "-o", "--input", "--output", "--json", "--pretty",
	"--verbose", "--netns", "--repair", "--config", "--fl", "--ver", "--t", "--m", "--tx",
};

/* The grammar. */
enum pos { P_NONE, P_DEV, P_DEV_OPT, P_DEV_OR_ID };
enum dev_role { R_USE, R_ADD, R_DEL };

#define O_REQ	(1u << 0)	/* required */
#define O_PAIR	(1u << 1)	/* with the next one: both or neither */

struct opt {
	const char *name, *alt;	/* alt: the same option spelt otherwise */
	enum kind kind;
	unsigned int flags;
};

#define C_PURE	 (1u << 0)	/* no state: a well-formed line exits 0 */
#define C_ONE_OF (1u << 1)	/* at least one option */
#define C_BATCH  (1u << 2)	/* add-assoc --batch */
#define C_TX	 (1u << 3)	/* the version picks the key's length */

struct cmd {
	const char *name;
	const char *words[2];
	unsigned int weight;
	enum pos pos;
	enum dev_role role;
	unsigned int flags;
	struct opt opts[10];
};

#define KEYED(spi, key) { spi, NULL, K_SPI, 0 }, { key, NULL, K_KEY, 0 }

static const struct cmd cmds[] = {
	{ "dev add", { "dev", "add" }, 3, P_DEV, R_ADD, 0, {
		{ "--backend", NULL, K_BACKEND, 0 }, { "--versions", NULL, K_VERSIONS, 0 },
		{ "--aes", NULL, K_AES, 0 }, { "--rx-spread", NULL, K_FLAG, 0 },
		{ "--max-assocs", NULL, K_MAX_ASSOCS, 0 }, { "--mark", NULL, K_MARK, 0 },
		{ "--config", NULL, K_CONFIG, 0 } } },
	{ "dev del", { "dev", "del" }, 2, P_DEV, R_DEL, 0, { { 0 } } },
	{ "dev show", { "dev", "show" }, 4, P_DEV_OR_ID, R_USE, 0, { { 0 } } },
	{ "dev", { "dev" }, 1, P_NONE, R_USE, 0, { { 0 } } },
	{ "dev set", { "dev", "set" }, 5, P_DEV, R_USE, C_ONE_OF, {
		{ "--versions", NULL, K_VERSIONS, 0 }, { "--mark", NULL, K_MARK, 0 } } },
	{ "dev check", { "dev", "check" }, 2, P_DEV, R_USE, 0, {
		{ "--repair", NULL, K_FLAG, 0 } } },
	{ "key-rotate", { "key-rotate" }, 3, P_DEV, R_USE, 0, { { 0 } } },
	{ "key-import", { "key-import" }, 3, P_DEV, R_USE, 0, {
		{ "--phase", NULL, K_PHASE, O_REQ }, { "--key", NULL, K_DEVKEY, O_REQ } } },
	{ "rx-assoc", { "rx-assoc" }, 12, P_DEV, R_USE, 0, {
		{ "--flow", NULL, K_FLOW, O_REQ }, { "--version", NULL, K_VERSION, 0 },
		{ "--spi", NULL, K_SPI, 0 } } },
	{ "tx-assoc", { "tx-assoc" }, 10, P_DEV, R_USE, C_TX, {
		{ "--flow", NULL, K_FLOW, O_REQ }, { "--version", NULL, K_VERSION, 0 },
		{ "--spi", NULL, K_SPI, O_REQ }, { "--key", NULL, K_KEY, O_REQ },
		{ "--crypt-off", NULL, K_CRYPT_OFF, 0 }, { "--vc", NULL, K_VC, 0 } } },
	{ "add-assoc", { "add-assoc" }, 10, P_DEV, R_USE, C_TX, {
		{ "--flow", NULL, K_FLOW, O_REQ }, { "--version", NULL, K_VERSION, 0 },
		{ "--tx-spi", "--spi", K_SPI, O_PAIR }, { "--tx-key", "--key", K_KEY, 0 },
		{ "--crypt-off", NULL, K_CRYPT_OFF, 0 }, { "--vc", NULL, K_VC, 0 } } },
	{ "add-assoc --batch", { "add-assoc" }, 6, P_DEV, R_USE, C_BATCH, {
		{ "--batch", NULL, K_BATCH, O_REQ } } },
	{ "del-assoc", { "del-assoc" }, 6, P_DEV, R_USE, 0, {
		{ "--flow", NULL, K_FLOW, O_REQ } } },
	{ "assoc show", { "assoc", "show" }, 4, P_DEV_OPT, R_USE, 0, { { 0 } } },
	{ "assoc", { "assoc" }, 1, P_NONE, R_USE, 0, { { 0 } } },
	{ "stats", { "stats" }, 4, P_DEV_OR_ID, R_USE, 0, { { "-o", "--output", K_FORMAT, 0 } } },
	{ "gc", { "gc" }, 4, P_DEV_OPT, R_USE, 0, { { "--idle", NULL, K_IDLE, 0 } } },
	{ "monitor", { "monitor" }, 3, P_DEV_OPT, R_USE, 0, {
		{ "--interval", NULL, K_INTERVAL, 0 }, { "--count", NULL, K_COUNT, 0 } } },
	{ "derive", { "derive" }, 6, P_NONE, R_USE, C_PURE, {
		{ "--master", NULL, K_DEVKEY, O_REQ }, { "--spi", NULL, K_SPI, O_REQ },
		{ "--version", NULL, K_VERSION, O_REQ } } },
	/* the pcap commands' options come from a vector: see pcap_opts() */
	{ "pcap encrypt", { "pcap", "encrypt" }, 5, P_NONE, R_USE, C_PURE, { { 0 } } },
	{ "pcap decrypt", { "pcap", "decrypt" }, 4, P_NONE, R_USE, C_PURE, { { 0 } } },
	{ "help", { "help" }, 1, P_NONE, R_USE, C_PURE, { { 0 } } },
};

size_t gen_commands(const char *const **names)
{
	static const char *list[ARRAY_SIZE(cmds)];

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		list[i] = cmds[i].name;
	*names = list;
	return ARRAY_SIZE(cmds);
}

/* A line being made. */
struct gen {
	struct gen_line *l;
	const struct gen_world *w;
	uint32_t rng;
	int in_n;		/* -n GEN_NETNS_N: the second namespace's devices */
	int json;		/* -j or -p, beside which -o prometheus is a usage error */
	/* where each option's value went, for GEN_BADVAL: argv[arg], or
	 * after the '=' of --name=value (joined) */
	struct slot { int arg; enum kind kind; int joined; } slots[GEN_ARGS_MAX];
	int n_slots;
};

static uint32_t r(struct gen *g, uint32_t n)
{
	return n ? rnd(&g->rng) % n : 0;
}

static int chance(struct gen *g, unsigned int percent)
{
	return r(g, 100) < percent;
}

#define PICK(g, a) ((a)[r(g, ARRAY_SIZE(a))])

static char *str(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A string in the line's arena; "" once the arena is full. */
static char *str(struct gen *g, const char *fmt, ...)
{
	struct gen_line *l = g->l;
	size_t room = l->cap - l->used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->arena + l->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return l->arena + l->cap - 1;	/* kept 0 */
	l->used += (size_t)n + 1;
	return l->arena + l->used - (size_t)n - 1;
}

/* n characters c */
static char *repeat(struct gen *g, char c, size_t n)
{
	struct gen_line *l = g->l;
	char *s;

	if (n + 1 > l->cap - l->used - 1)
		return l->arena + l->cap - 1;
	s = l->arena + l->used;
	memset(s, c, n);
	s[n] = 0;
	l->used += n + 1;
	return s;
}

static void push(struct gen *g, const char *word)
{
	struct gen_line *l = g->l;

	if (l->argc < GEN_ARGS_MAX)
		l->argv[l->argc++] = (char *)word;
}

/* An option and its value, the value noted for GEN_BADVAL. */
static void push_opt(struct gen *g, const char *name, enum kind kind, const char *value)
{
	if (g->l->argc + 2 > GEN_ARGS_MAX)
		return;
	if (kind != K_FLAG && name[1] == '-' && chance(g, 10)) {	/* --name=value */
		push(g, str(g, "%s=%s", name, value));
		g->slots[g->n_slots++] = (struct slot){ g->l->argc - 1, kind, 1 };
		return;
	}
	push(g, name);
	if (kind == K_FLAG)
		return;
	push(g, value);
	g->slots[g->n_slots++] = (struct slot){ g->l->argc - 1, kind, 0 };
}

static void what(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void what(struct gen *g, const char *fmt, ...)
{
	struct gen_line *l = g->l;
	size_t n = strlen(l->what);
	va_list ap;

	if (n && n < sizeof(l->what) - 2)
		strcat(l->what, ", "), n += 2;
	va_start(ap, fmt);
	vsnprintf(l->what + n, sizeof(l->what) - n, fmt, ap);
	va_end(ap);
}

/* bytes random bytes in hex, written as users may: some in capitals or
 * after 0x */
static char *hex(struct gen *g, size_t bytes, int prefixed)
{
	static const char digits[] = "0123456789abcdef0123456789ABCDEF";
	int upper = chance(g, 15);
	const char *prefix = !prefixed ? "" : chance(g, 70) ? "0x" : "0X";
	char buf[2 * 64 + 1];

	if (bytes > 64)
		bytes = 64;
	for (size_t i = 0; i < 2 * bytes; i++)
		buf[i] = digits[r(g, 16) + (upper ? 16 : 0)];
	buf[2 * bytes] = 0;
	return str(g, "%s%s", prefix, buf);
}

static char *hex_ok(struct gen *g, size_t bytes)
{
	return hex(g, bytes, chance(g, 12));
}

/* hex that is not bytes long, or not hex */
static char *hex_bad(struct gen *g, size_t bytes)
{
	static const char *const junk[] = { "g", "-", " ", "\xc3\xa9", "x", "\n" };
	char *s;

	switch (r(g, 5)) {
	case 0:	/* a digit short or over */
		s = hex(g, bytes, 0);
		if (chance(g, 50))
			s[strlen(s) - 1] = 0;
		else
			s = str(g, "%s%x", s, r(g, 16));
		return s;
	case 1:	/* other lengths */
		return hex(g, (size_t[]){ 0, 1, 4, 12, 20, 24, 40, 48, 63 }[r(g, 9)], chance(g, 20));
	case 2: {	/* a character that is not hex */
		size_t at;

		s = hex(g, bytes, 0);
		at = r(g, (uint32_t)strlen(s));
		return str(g, "%.*s%s%s", (int)at, s, PICK(g, junk), s + at + 1);
	}
	case 3:
		return chance(g, 50) ? "" : str(g, "0x");
	default:	/* far too long */
		return repeat(g, "0123456789abcdef"[r(g, 16)], 200 + r(g, 5000));
	}
}

static size_t key_len(unsigned int version)
{
	return version & 1 ? 32 : 16;
}

static const char *endpoint(struct gen *g, int v6, int local)
{
	if (chance(g, 7))
		return v6 ? PICK(g, v6_odd) : PICK(g, v4_odd);
	if (v6)
		return str(g, "%s:%s", local ? PICK(g, v6_local) : PICK(g, v6_remote),
			   local ? PICK(g, lports) : PICK(g, rports));
	return str(g, "%s:%s", local ? PICK(g, v4_local) : PICK(g, v4_remote),
		   local ? PICK(g, lports) : PICK(g, rports));
}

static void push_flow(struct gen *g, const char *name)
{
	int v6 = chance(g, 30);

	if (g->l->argc + 3 > GEN_ARGS_MAX)
		return;
	push(g, name);
	push(g, endpoint(g, v6, 1));
	g->slots[g->n_slots++] = (struct slot){ g->l->argc - 1, K_FLOW, 0 };
	push(g, endpoint(g, v6, 0));
	g->slots[g->n_slots++] = (struct slot){ g->l->argc - 1, K_FLOW, 0 };
}

/* A device to name, by what the command does with it. */
static const char *device(struct gen *g, enum dev_role role)
{
	static const char *const w_use[] = {
		"fa0", "fa0", "fa0", "fa0", "fa0", "fa0", "fc0", "fc0", "fb0", "na0", "nosuch0",
		"pspseg1",
	};
	static const char *const w_add[] = {
		"fc0", "fc0", "fc0", "fc0", "fc0", "fc0", "fa0", "fa0", "pspseg1", "pspseal2",
		"nosuch0", "lo",
	};
	static const char *const w_del[] = {
		"fc0", "fc0", "fc0", "fc0", "fc0", "fc0", "fa0", "nosuch0", "fb0", "pspseal1",
	};
	static const char *const n_use[] = { "na0", "na0", "na0", "na0", "nb0", "fa0", "nosuch0" };
	static const char *const n_add[] = { "na0", "na0", "nb0", "fc0", "nosuch0" };
	static const char *const n_del[] = { "nb0", "fa0", "na0", "nosuch0" };

	if (g->in_n)
		return role == R_ADD ? PICK(g, n_add) : role == R_DEL ? PICK(g, n_del) :
		       PICK(g, n_use);
	return role == R_ADD ? PICK(g, w_add) : role == R_DEL ? PICK(g, w_del) : PICK(g, w_use);
}

static const char *value_ok(struct gen *g, enum kind kind, unsigned int version)
{
	switch (kind) {
	case K_FLOW: {
		int v6 = chance(g, 30);

		return endpoint(g, v6, chance(g, 50));
	}
	case K_KEY:
		/* mostly the version's length; the other is the operation's to refuse */
		return hex_ok(g, chance(g, 90) ? key_len(version) : key_len(version + 1));
	case K_DEVKEY:
		return hex_ok(g, 32);
	case K_VC:
		return hex_ok(g, 8);
	case K_BATCH:
		return chance(g, 50) ? "-" : chance(g, 92) ? GEN_BATCH_FILE :
		       PICK(g, ((const char *const[]){ "nosuch.txt", ".", "/dev/null" }));
	case K_FORMAT:
		if (g->json)
			return "text";
		/* fall through */
	default:
		return pools[kind].n_ok ? pools[kind].ok[r(g, (uint32_t)pools[kind].n_ok)] : "";
	}
}

static const char *value_bad(struct gen *g, enum kind kind)
{
	switch (kind) {
	case K_KEY:
		return hex_bad(g, 16 + 16 * r(g, 2));
	case K_DEVKEY:
		return hex_bad(g, 32);
	case K_VC:
		return hex_bad(g, 8);
	case K_FLOW:
		return PICK(g, endpoint_bad);
	default:
		return pools[kind].n_bad ? pools[kind].bad[r(g, (uint32_t)pools[kind].n_bad)] : NULL;
	}
}

/* The global options: output, verbosity, and the namespace, which picks
 * the devices. */
static void globals(struct gen *g)
{
	static const char *const out[] = { "-j", "-p", "-v", "--json", "--pretty", "--verbose",
					   "-jv", "-vv", "-pj" };
	uint32_t ns = r(g, 100);
	const char *o;

	if (chance(g, 30)) {
		push(g, o = PICK(g, out));
		g->json |= !!strpbrk(o + 1, "jp");
	}
	if (ns < 20) {
		g->in_n = 1;
		push_opt(g, chance(g, 50) ? "-n" : "--netns", K_NETNS, GEN_NETNS_N);
	} else if (ns < 28) {
		push_opt(g, chance(g, 50) ? "-n" : "--netns", K_NETNS, GEN_NETNS_W);
	}
	if (chance(g, 8)) {
		push(g, o = PICK(g, out));
		g->json |= !!strpbrk(o + 1, "jp");
	}
}

/* A line of add-assoc --batch: LOCAL REMOTE and the options after them. */
static void batch_line(struct gen *g, char *buf, size_t size, int mutated)
{
	unsigned int version = r(g, 4);
	int v6 = chance(g, 30);
	size_t n = 0;

#define ADD(...) (n += (size_t)snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__))
	if (mutated && chance(g, 15)) {
		const char *const odd[] = { "# a comment", "", "   ", "\t", "\r", "#", "-",
					    "--flow", "10.77.0.1:40000", "--batch -" };

		ADD("%s", PICK(g, odd));
		return;
	}
	ADD("%s %s", endpoint(g, v6, 1), endpoint(g, v6, 0));
	if (chance(g, 60))
		ADD(" --version %u", version);
	if (chance(g, 50)) {
		ADD(" %s %s %s %s", chance(g, 80) ? "--tx-spi" : "--spi", value_ok(g, K_SPI, 0),
		    chance(g, 80) ? "--tx-key" : "--key", value_ok(g, K_KEY, version));
		if (chance(g, 20))
			ADD(" --crypt-off %s", value_ok(g, K_CRYPT_OFF, 0));
		if (chance(g, 20))
			ADD(" --vc %s", value_ok(g, K_VC, 0));
	}
	if (mutated) {
		switch (r(g, 6)) {
		case 0:
			ADD(" --version %s", value_bad(g, K_VERSION));
			break;
		case 1:
			ADD(" --tx-spi %s", value_ok(g, K_SPI, 0));	/* no key */
			break;
		case 2:
			ADD(" --flow %s", endpoint(g, v6, 1));
			break;
		case 3:
			for (int i = 0; i < 20; i++)	/* more words than a line takes */
				ADD(" w%d", i);
			break;
		case 4:
			ADD(" --batch x --help");
			break;
		default:
			ADD(" %s", value_bad(g, K_KEY));
		}
	}
	if (chance(g, 5))
		ADD("\r");
#undef ADD
}

static void input_add(struct gen_line *l, const char *s, size_t len)
{
	if (l->input_len + len > l->input_cap) {
		size_t cap = (l->input_len + len) * 2;
		char *p = realloc(l->input, cap);

		if (!p)
			return;
		l->input = p;
		l->input_cap = cap;
	}
	memcpy(l->input + l->input_len, s, len);
	l->input_len += len;
}

/* The lines --batch reads: usually a few, now and then none, more than
 * one read of the command (4096) or a line far longer than usual. */
static void batch_input(struct gen *g, int mutated)
{
	struct gen_line *l = g->l;
	uint32_t n = 1 + r(g, 6), pick = r(g, 1000);
	char line[1024];

	if (pick < 3)
		n = 4096 + r(g, 40);
	else if (pick < 20)
		n = 0;
	for (uint32_t i = 0; i < n; i++) {
		batch_line(g, line, sizeof(line), mutated && chance(g, 40));
		input_add(l, line, strnlen(line, sizeof(line) - 1));
		if (i + 1 < n || !chance(g, 20))	/* the last may lack its newline */
			input_add(l, "\n", 1);
	}
	if (mutated && chance(g, 5)) {
		static const char nul[] = "10.77.0.1:40000\0 10.77.0.2:5000\n";

		input_add(l, nul, sizeof(nul) - 1);
	}
	if (mutated && chance(g, 3)) {
		for (int i = 0; i < 100000; i++)
			input_add(l, "0", 1);
		input_add(l, "\n", 1);
	}
	what(g, "%u batch lines", n);
}

/* Where the line's --config reads from: NULL if it has none, or reads
 * nothing of the line's input (/dev/null). */
static const char *config_read_from(struct gen *g)
{
	for (int i = 0; i < g->n_slots; i++) {
		const char *v;

		if (g->slots[i].kind != K_CONFIG)
			continue;
		v = g->l->argv[g->slots[i].arg];
		if (g->slots[i].joined)
			v = strchr(v, '=') + 1;
		return !strcmp(v, "-") || !strcmp(v, GEN_BATCH_FILE) ? v : NULL;
	}
	return NULL;
}

/* A line that dev add --config must refuse (exit 2), for opts the keys
 * the file gives (taken[i]); one of them again, one not given with a
 * value that does not parse, an unknown key or a NUL byte. */
static void config_bad_line(struct gen *g, const struct opt *opts, int n, const int *taken)
{
	static const char *const unknown[] = {
		"vesrions 1", "config x", "help", "--versions 1", "Versions 1", "max_assocs 8",
		"= 1", "mark", "backend\tbpf kmod", "rx-spread maybe",
	};
	static const char nul[] = "versions 0\0,1\n";
	struct gen_line *l = g->l;
	const struct opt *o = &opts[r(g, (uint32_t)n)];
	const char *bad = value_bad(g, o->kind);
	char line[256];
	int len;

	switch (r(g, 4)) {
	case 0:	/* a key given twice */
		if (taken[o - opts] && o->kind != K_FLAG) {
			len = snprintf(line, sizeof(line), "%s %s\n", o->name + 2,
				       value_ok(g, o->kind, 0));
			break;
		}
		/* fall through */
	case 1:	/* a value that does not parse, whole once the line is trimmed */
		if (!taken[o - opts] && o->kind != K_FLAG && bad && *bad &&
		    !strpbrk(bad, " \t\r\n#")) {
			len = snprintf(line, sizeof(line), "%s=%s\n", o->name + 2, bad);
			break;
		}
		/* fall through */
	case 2:
		len = snprintf(line, sizeof(line), "%s\n", PICK(g, unknown));
		break;
	default:	/* a NUL, which would end the line early */
		memcpy(line, nul, sizeof(nul) - 1);
		len = (int)sizeof(nul) - 1;
	}
	input_add(l, line, (size_t)len);
	what(g, "config line %.*s", len - 1, line);
}

/*
 * The file dev add --config reads, as the line's input: some of the
 * command's options (--config aside) each once, in each spelling a file
 * may use, among comments and blank lines. spoil: one line it must refuse
 * among them; mutated: odd lines besides. Returns whether a line to refuse
 * went in.
 */
static int config_input(struct gen *g, const struct cmd *c, int spoil, int mutated)
{
	static const char *const forms[] = {
		"%s %s\n", "%s=%s\n", "%s = %s\n", "  %s\t%s  # why\n", "%s %s\r\n",
	};
	static const char *const odd[] = {
		"# a comment\n", "\n", "   \t\n", "#versions 9\n", "\r\n",
	};
	static const char *const flag[] = { "", "yes", "no" };
	const struct opt *opts = c->opts;
	int n = 0, taken[ARRAY_SIZE(c->opts)] = { 0 }, bad_at = -1, lines = 0;
	char line[256];

	if (!config_read_from(g))
		return 0;
	while (n < (int)ARRAY_SIZE(c->opts) && opts[n].name && opts[n].kind != K_CONFIG)
		n++;
	for (int i = 0; i < n; i++)
		lines += taken[i] = chance(g, 50);
	if (spoil || (mutated && chance(g, 50)))
		bad_at = (int)r(g, (uint32_t)lines + 1);
	for (int i = 0, at = 0; i <= n; i++) {
		const char *v, *o = PICK(g, odd);

		if (chance(g, mutated ? 40 : 15))
			input_add(g->l, o, strlen(o));
		if (i < n && !taken[i])
			continue;
		if (at++ == bad_at)
			config_bad_line(g, opts, n, taken);
		if (i == n)
			break;
		v = opts[i].kind == K_FLAG ? PICK(g, flag) : value_ok(g, opts[i].kind, 0);
		snprintf(line, sizeof(line), *v ? PICK(g, forms) : "%s%s\n", opts[i].name + 2, v);
		input_add(g->l, line, strlen(line));
	}
	if (mutated && chance(g, 5)) {	/* a line longer than any */
		for (int i = 0; i < 5000; i++)
			input_add(g->l, "v", 1);
		input_add(g->l, " 0\n", 3);
	}
	what(g, "config of %d keys", lines);
	return bad_at >= 0;
}

/* pcap encrypt or decrypt: a vector's parameters and files, or, without
 * vectors, keys of our own and a capture psp-bpf-ctl reads. */
static void pcap_opts(struct gen *g, int encrypt)
{
	static const char *const outs[] = { "out.pcap", "out.pcap", "out.pcap", "-" };
	/* what a mutated line reads or writes instead: captures cut short, of
	 * another link type, not captures; nothing; a directory */
	static const char *const bad_in[] = {
		"empty.pcap", "garbage.pcap", "trunc.pcap", "raw.pcap", "nosuch.pcap", ".",
		"/dev/null",
	};
	static const char *const bad_out[] = { "nosuch/dir/out.pcap", ".", "/dev/null" };
	int free = g->l->cls == GEN_FREE;
	const struct gen_world *w = g->w;
	const struct gen_vector *v = w->n_vectors ? &w->vectors[r(g, (uint32_t)w->n_vectors)] :
					NULL;
	char *master0 = v ? str(g, "%s", v->master0) : hex_ok(g, 32);
	char *master1 = v ? str(g, "%s", v->master1) : hex_ok(g, 32);
	const char *in = v ? (encrypt ? v->clear : v->psp) : "gen.pcap";
	const char *out = free && chance(g, 20) ? PICK(g, bad_out) : PICK(g, outs);
	int opts[8], n = 0;

	if (free && chance(g, 40))
		in = PICK(g, bad_in);

	for (int i = 0; i < 8; i++)
		opts[n++] = i;
	/* in a random order */
	for (int i = n - 1; i > 0; i--) {
		int j = (int)r(g, (uint32_t)i + 1), t = opts[i];

		opts[i] = opts[j];
		opts[j] = t;
	}
	for (int i = 0; i < n; i++) {
		switch (opts[i]) {
		case 0:
			push_opt(g, "--master0", K_DEVKEY, master0);
			break;
		case 1:
			push_opt(g, "--master1", K_DEVKEY, master1);
			break;
		case 2:
			if (chance(g, 10) && strcmp(in, ".")) {
				g->l->stdin_path = in;
				in = "-";
			}
			push_opt(g, chance(g, 70) ? "-i" : "--input", K_PCAP_IN, in);
			break;
		case 3:
			push_opt(g, chance(g, 70) ? "-o" : "--output", K_PCAP_OUT, out);
			break;
		case 4:
			if (encrypt)
				push_opt(g, "--spi", K_SPI, v ? str(g, "%s", v->spi) :
					 PICK(g, ((const char *const[]){ "1", "9a345678", "80000001" })));
			break;
		case 5:
			if (encrypt)
				push_opt(g, "--version", K_VERSION,
					 str(g, "%u", v ? v->version : r(g, 4)));
			break;
		case 6:
			if (encrypt && v && (v->crypt_off || chance(g, 20)))
				push_opt(g, "--crypt-off", K_CRYPT_OFF, str(g, "%u", v->crypt_off));
			if (encrypt && v && v->has_vc)
				push_opt(g, "--vc", K_VC, str(g, "%s", v->vc));
			break;
		case 7:
			if (encrypt && v && v->tunnel)
				push(g, "--tunnel");
			if (encrypt && (v || chance(g, 30)))
				push_opt(g, "--iv", K_IV, v ? str(g, "%s", v->iv) : value_ok(g, K_IV, 0));
			break;
		}
	}
}

/* The options of c, in a random order, the required ones and some others;
 * the key fits the version, which is 0 where --version is left out. */
static void cmd_opts(struct gen *g, const struct cmd *c, unsigned int version)
{
	const struct opt *o[ARRAY_SIZE(c->opts)];
	int n = 0, with_version = 0;

	for (int i = 0; i < (int)ARRAY_SIZE(c->opts) && c->opts[i].name; i++) {
		const struct opt *op = &c->opts[i];
		int take = op->flags & O_REQ || chance(g, 45);

		if (op->flags & O_PAIR) {	/* both or neither */
			if (take) {
				o[n++] = op;
				o[n++] = op + 1;
			}
			i++;
			continue;
		}
		if (take)
			o[n++] = op;
	}
	if (!n && c->flags & C_ONE_OF)
		o[n++] = &c->opts[r(g, 2)];
	for (int i = 0; i < n; i++)
		with_version |= o[i]->kind == K_VERSION;
	if (!with_version)
		version = 0;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)r(g, (uint32_t)i + 1);
		const struct opt *t = o[i];

		o[i] = o[j];
		o[j] = t;
	}
	for (int i = 0; i < n; i++) {
		const char *name = o[i]->alt && chance(g, 30) ? o[i]->alt : o[i]->name;

		if (o[i]->kind == K_FLOW) {
			push_flow(g, name);
		} else if (o[i]->kind == K_VERSION && c->flags & C_TX) {
			push_opt(g, name, K_VERSION, str(g, "%u", version));
		} else {
			push_opt(g, name, o[i]->kind, value_ok(g, o[i]->kind, version));
		}
	}
}

/* The positional argument, somewhere among the options (getopt takes
 * it anywhere but between --flow's two ends). */
static void positional(struct gen *g, const struct cmd *c, int first_opt)
{
	struct gen_line *l = g->l;
	const char *dev;
	int at, n = 1;
	char *words[2] = { NULL, NULL };

	switch (c->pos) {
	case P_NONE:
		return;
	case P_DEV_OPT:
	case P_DEV_OR_ID:
		if (chance(g, 35))
			return;
		if (c->pos == P_DEV_OR_ID && chance(g, 25)) {
			words[0] = "id";
			words[1] = (char *)value_ok(g, K_DEV_ID, 0);
			n = 2;
			break;
		}
		/* fall through */
	case P_DEV:
		dev = device(g, c->role);
		words[0] = (char *)dev;
		break;
	}
	if (l->argc + n > GEN_ARGS_MAX)
		return;
	/* where: after the command words, between options, never inside a
	 * flow; `id N` last (it is parsed by position) */
	at = l->argc;
	if (n == 1 && chance(g, 40)) {
		int cand[GEN_ARGS_MAX], k = 0;

		for (int i = first_opt; i <= l->argc; i++) {
			const char *prev = i > first_opt ? l->argv[i - 1] : NULL;
			const char *prev2 = i > first_opt + 1 ? l->argv[i - 2] : NULL;

			/* not after an option that takes a separate value */
			if (prev && prev[0] == '-' && prev[1] && !strchr(prev, '=') &&
			    strcmp(prev, "--tunnel") && strcmp(prev, "--rx-spread"))
				continue;
			if (prev2 && !strcmp(prev2, "--flow"))
				continue;
			cand[k++] = i;
		}
		if (k)
			at = cand[r(g, (uint32_t)k)];
	}
	memmove(&l->argv[at + n], &l->argv[at], (size_t)(l->argc - at) * sizeof(char *));
	for (int i = 0; i < n; i++)
		l->argv[at + i] = words[i];
	l->argc += n;
	for (int i = 0; i < g->n_slots; i++)
		if (g->slots[i].arg >= at)
			g->slots[i].arg += n;
	if (n == 2)
		g->slots[g->n_slots++] = (struct slot){ at + 1, K_DEV_ID, 0 };
}

static const struct cmd *pick_cmd(struct gen *g)
{
	unsigned int total = 0, x;

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		total += cmds[i].weight;
	x = r(g, total);
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (x < cmds[i].weight)
			return &cmds[i];
		x -= cmds[i].weight;
	}
	return &cmds[0];
}

/* GEN_BADVAL: one value that cannot parse in place of a good one. */
static int bad_value(struct gen *g)
{
	int tries[GEN_ARGS_MAX], n = 0;

	for (int i = 0; i < g->n_slots; i++) {
		enum kind k = g->slots[i].kind;

		/* a file is the operation's to refuse, not the parser's */
		if (k != K_PCAP_IN && k != K_PCAP_OUT && k != K_BATCH)
			tries[n++] = i;
	}
	if (!n)
		return -1;
	for (int t = 0; t < 4; t++) {
		struct slot *s = &g->slots[tries[r(g, (uint32_t)n)]];
		const char *bad = value_bad(g, s->kind);
		char *arg = g->l->argv[s->arg];

		if (!bad)
			continue;
		if (s->joined) {
			char *eq = strchr(arg, '=');

			g->l->argv[s->arg] = str(g, "%.*s=%s", (int)(eq - arg), arg, bad);
		} else {
			g->l->argv[s->arg] = (char *)bad;
		}
		what(g, "bad value %.40s", bad);
		return 0;
	}
	return -1;
}

/* GEN_FREE: what can be done to a line. */
enum mutation {
	M_DROP, M_DUP, M_DUP_OPT, M_INSERT_OPT, M_INSERT_ODD, M_REPLACE, M_SWAP, M_TRUNCATE,
	M_PREFIX, M_CASE, M_LONG, M_OTHER_VALUE, M__MAX
};

static const char *const mutation_name[M__MAX] = {
	"drop", "dup", "dup-opt", "insert-opt", "insert-odd", "replace", "swap", "truncate",
	"prefix", "case", "long", "other-value",
};

static void insert_at(struct gen_line *l, int at, const char *word)
{
	if (l->argc >= GEN_ARGS_MAX)
		return;
	memmove(&l->argv[at + 1], &l->argv[at], (size_t)(l->argc - at) * sizeof(char *));
	l->argv[at] = (char *)word;
	l->argc++;
}

static void mutate(struct gen *g)
{
	struct gen_line *l = g->l;
	enum mutation m = (enum mutation)r(g, M__MAX);
	int at = l->argc > 1 ? 1 + (int)r(g, (uint32_t)l->argc - 1) : 1;

	what(g, "%s", mutation_name[m]);
	switch (m) {
	case M_DROP:
		if (l->argc > 1) {
			memmove(&l->argv[at], &l->argv[at + 1],
				(size_t)(l->argc - at - 1) * sizeof(char *));
			l->argc--;
		}
		break;
	case M_DUP:
		if (l->argc > 1)
			insert_at(l, 1 + (int)r(g, (uint32_t)l->argc), l->argv[at]);
		break;
	case M_DUP_OPT:	/* an option and its value again, at the end */
		for (int i = 1; i < l->argc; i++) {
			if (l->argv[i][0] == '-' && l->argv[i][1] == '-' && chance(g, 50)) {
				insert_at(l, l->argc, l->argv[i]);
				if (i + 1 < l->argc - 1)
					insert_at(l, l->argc, l->argv[i + 1]);
				break;
			}
		}
		break;
	case M_INSERT_OPT: {	/* any command's option, with a value of any kind */
		const char *name = PICK(g, option_words);

		insert_at(l, at, name);
		if (chance(g, 70))
			insert_at(l, at + 1, chance(g, 60) ?
				  value_ok(g, (enum kind)(1 + r(g, K_IV)), r(g, 4)) :
				  value_bad(g, (enum kind)(1 + r(g, K_IV))) ?: "x");
		break;
	}
	case M_INSERT_ODD:
		insert_at(l, at, PICK(g, odd_words));
		break;
	case M_REPLACE:
		if (l->argc > 1)
			l->argv[at] = (char *)(chance(g, 50) ? PICK(g, odd_words) :
					      value_bad(g, (enum kind)(1 + r(g, K_IV))) ?: "");
		break;
	case M_SWAP:
		if (l->argc > 2) {
			int b = 1 + (int)r(g, (uint32_t)l->argc - 1);
			char *t = l->argv[at];

			l->argv[at] = l->argv[b];
			l->argv[b] = t;
		}
		break;
	case M_TRUNCATE:
		l->argc = at;
		break;
	case M_PREFIX:	/* getopt_long and the commands take unique prefixes */
		if (l->argc > 1 && strlen(l->argv[at]) > 1) {
			size_t len = strlen(l->argv[at]);

			l->argv[at] = str(g, "%.*s", (int)(1 + r(g, (uint32_t)len - 1)), l->argv[at]);
		}
		break;
	case M_CASE:
		if (l->argc > 1) {
			char *s = str(g, "%s", l->argv[at]);

			for (char *p = s; *p; p++)
				if (*p >= 'a' && *p <= 'z' && chance(g, 50))
					*p = (char)(*p - 'a' + 'A');
			l->argv[at] = s;
		}
		break;
	case M_LONG:	/* a long word, as an argument or a value */
		insert_at(l, at, chance(g, 50) ? repeat(g, 'A', 300) :
				 chance(g, 80) ? repeat(g, 'B', 5000) : repeat(g, '9', 70000));
		break;
	case M_OTHER_VALUE:	/* a value of another kind in place of one */
		if (g->n_slots) {
			struct slot *s = &g->slots[r(g, (uint32_t)g->n_slots)];

			if (s->arg < l->argc)
				l->argv[s->arg] = (char *)value_ok(g, (enum kind)(1 + r(g, K_IV)),
								   r(g, 4));
		}
		break;
	default:
		break;
	}
}

int gen_line(struct gen_line *l, uint32_t seed, uint64_t index, const struct gen_world *w)
{
	struct gen g = { .l = l, .w = w };
	const struct cmd *c;
	unsigned int version;
	int first_opt, spoilt;
	uint32_t cls;
	uint64_t x = ((uint64_t)seed << 32 | (uint32_t)index) ^ (index >> 32) * 0x9e3779b97f4a7c15ull;

	/* splitmix64 of (seed, index): lines of neighbouring indexes unrelated */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	g.rng = (uint32_t)(x ^ (x >> 32)) ?: 1;

	if (!l->arena) {
		l->arena = malloc(ARENA_SIZE);
		if (!l->arena)
			return -1;
		l->cap = ARENA_SIZE;
		l->arena[ARENA_SIZE - 1] = 0;
	}
	l->used = 0;
	l->argc = 0;
	l->input_len = 0;
	l->stdin_path = NULL;
	l->what[0] = 0;

	cls = r(&g, 100);
	l->cls = cls < 45 ? GEN_WELL : cls < 60 ? GEN_BADVAL : GEN_FREE;
	push(&g, "psp-bpf-ctl");
	globals(&g);
	c = pick_cmd(&g);
	l->cmd = c->name;
	for (int i = 0; i < 2 && c->words[i]; i++)
		push(&g, c->words[i]);
	first_opt = l->argc;
	/* version 0 (the default) half the time: tx-assoc meets an Rx of its own */
	version = chance(&g, 50) ? 0 : r(&g, 4);
	if (!strncmp(c->name, "pcap", 4))
		pcap_opts(&g, !strcmp(c->name, "pcap encrypt"));
	else
		cmd_opts(&g, c, version);
	positional(&g, c, first_opt);
	if (c->flags & C_BATCH)
		batch_input(&g, l->cls == GEN_FREE);

	/* the bad value in the file, half the time a file is read */
	spoilt = config_input(&g, c, l->cls == GEN_BADVAL && chance(&g, 50), l->cls == GEN_FREE);
	if (l->cls == GEN_BADVAL && !spoilt && bad_value(&g))
		l->cls = GEN_FREE;	/* nothing to spoil: mutate instead */
	if (l->cls == GEN_FREE) {
		uint32_t n = 1 + r(&g, 3);

		/* in the other namespace by a bad name, now and then */
		if (chance(&g, 5))
			insert_at(l, 1, str(&g, "--netns=%s", chance(&g, 50) ? "nosuch" :
					    value_bad(&g, K_NETNS)));
		for (uint32_t i = 0; i < n; i++)
			mutate(&g);
	}
	l->argv[l->argc] = NULL;
	switch (l->cls) {
	case GEN_WELL:
		l->expect = c->flags & C_PURE ? 1u << 0 : 1u << 0 | 1u << 1;
		break;
	case GEN_BADVAL:
		l->expect = 1u << 2;
		break;
	default:
		l->expect = 1u << 0 | 1u << 1 | 1u << 2;
	}
	return 0;
}

void gen_line_free(struct gen_line *l)
{
	free(l->arena);
	free(l->input);
	memset(l, 0, sizeof(*l));
}
