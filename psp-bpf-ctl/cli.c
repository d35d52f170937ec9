// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <openssl/crypto.h>

#include "cli.h"
#include "json.h"
#include "psp_ref.h"
#include "pspbpf.h"

struct cli_globals cli = { .prog = "psp-bpf-ctl" };

/*
 * A reason on stderr that stays on its line whatever the arguments it
 * quotes hold: a control character (an argument's newline, say) is
 * written as \xNN.
 */
static void reason(const char *fmt, va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0) {
		fputs(fmt, stderr);
		return;
	}
	for (const char *p = msg; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", (unsigned char)*p);
		else
			fputc(*p, stderr);
	}
	free(msg);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s%s", cli.prog, cmd ? cmd : "", cmd ? ": " : "");
	va_start(ap, fmt);
	reason(fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s %s%s-h')\n", cli.prog, cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

int op_error(int err, const char *fmt, ...)
{
	const char *name = strerrorname_np(err);
	va_list ap;

	fprintf(stderr, "%s: %s: ", cli.prog, name ? name : "EIO");
	va_start(ap, fmt);
	reason(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILED;
}

int cmd_dispatch(const char *parent, const struct cmd *cmds, int argc, char **argv,
		 void (*usage)(void))
{
	const struct cmd *found = NULL;
	size_t len;

	if (argc < 1)
		return usage_error(parent, "a command is missing");
	if (!strcmp(argv[0], "help") || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		usage();
		return 0;
	}
	len = strlen(argv[0]);
	for (const struct cmd *c = cmds; c->name; c++) {
		if (strncmp(c->name, argv[0], len))
			continue;
		if (strlen(c->name) == len)
			return c->fn(argc, argv);
		if (found)
			return usage_error(parent, "'%s' is ambiguous", argv[0]);
		found = c;
	}
	if (!found || !len)
		return usage_error(parent, "unknown command '%s'", argv[0]);
	return found->fn(argc, argv);
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, void (*usage)(void))
{
	char opts[64];
	int c;

	/* ':' first (after a '+', which must lead) tells getopt to report a
	 * missing argument as ':'. */
	if (shortopts[0] == '+')
		snprintf(opts, sizeof(opts), "+:%sh", shortopts + 1);
	else
		snprintf(opts, sizeof(opts), ":%sh", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	switch (c) {
	case 'h':
		usage();
		return CLI_OPTS_HELP;
	case ':':
		usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
		return CLI_OPTS_BAD;
	case '?':
		if (optopt)
			usage_error(cmd, "unknown option '-%c'", optopt);
		else
			usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		return CLI_OPTS_BAD;
	default:
		return c;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* s past an optional 0x or 0X */
static const char *hex_start(const char *s)
{
	return !strncmp(s, "0x", 2) || !strncmp(s, "0X", 2) ? s + 2 : s;
}

size_t hex_digits(const char *s)
{
	return strlen(hex_start(s));
}

int parse_hex_bytes(const char *cmd, const char *opt, const char *s, uint8_t *out,
		    size_t len)
{
	size_t n;

	s = hex_start(s);
	n = strlen(s);
	if (n != 2 * len) {
		usage_error(cmd, "%s needs %zu bytes in hex, got %zu digits", opt, len, n);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			usage_error(cmd, "%s: '%c%c' is not hex", opt, s[2 * i], s[2 * i + 1]);
			return -1;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int parse_key_hex(const char *cmd, const char *opt, char *s, uint8_t *out, size_t len)
{
	int err = parse_hex_bytes(cmd, opt, s, out, len);

	OPENSSL_cleanse(s, strlen(s));
	return err;
}

int parse_spi(const char *cmd, const char *opt, const char *s, uint32_t *spi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 16);
	if (!*s || *end || errno || v > UINT32_MAX || *s == '-' || *s == '+') {
		usage_error(cmd, "%s: '%s' is not a 32-bit hex SPI", opt, s);
		return -1;
	}
	*spi = (uint32_t)v;
	return 0;
}

int parse_uint(const char *cmd, const char *opt, const char *s, uint64_t max,
	       uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (!*s || *end || errno || *s == '-' || *s == '+' || (*s == '0' && s[1] &&
	    s[1] != 'x' && s[1] != 'X')) {
		usage_error(cmd, "%s: '%s' is not a decimal or 0x-hex number", opt, s);
		return -1;
	}
	if (*v > max) {
		usage_error(cmd, "%s: %s is out of range 0-%llu", opt, s, (unsigned long long)max);
		return -1;
	}
	return 0;
}

int parse_version(const char *cmd, const char *opt, const char *s, uint32_t *version)
{
	uint64_t v;

	if (parse_uint(cmd, opt, s, PSP_VERSION_MAX, &v))
		return -1;
	*version = (uint32_t)v;
	return 0;
}

static const char *const version_names[] = {
	"hdr0-aes-gcm-128", "hdr0-aes-gcm-256", "hdr0-aes-gmac-128", "hdr0-aes-gmac-256",
};

const char *version_name(uint32_t version)
{
	return version <= PSP_VERSION_MAX ? version_names[version] : "unknown";
}

/*
 * Linux makes an association of a version its device does not accept on
 * receive, and then drops each of its packets (rx-bad); psp-bpf does as
 * Linux does, and dev add enables no version for receive unless told
 * (--versions). The association is made; the command says so, which the
 * kernel's does not.
 */
void warn_versions_off(struct pspbpf *h, const char *cmd, const char *dev, uint32_t versions)
{
	struct pspbpf_dev_info info;
	uint32_t off;

	if (pspbpf_dev_info(h, dev, &info))
		return;
	off = versions & ~info.cfg.versions_ena;
	for (uint32_t v = 0; v <= PSP_VERSION_MAX; v++)
		if (off & (1u << v))
			fprintf(stderr, "psp-bpf-ctl %s: warning: %s does not receive version %u "
				"(%s): its packets will be dropped (rx-bad) until 'dev set %s "
				"--versions' enables it\n", cmd, dev, v, version_name(v), dev);
}

int parse_versions(const char *cmd, const char *opt, const char *s, uint32_t *mask)
{
	char buf[128], *tok, *save = NULL;

	*mask = 0;
	if (!strcmp(s, "all")) {
		*mask = PSP_VERSIONS_ALL;
		return 0;
	}
	if (!strcmp(s, "none"))
		return 0;
	/* parsed in a copy: one cut short would drop what follows */
	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf)) {
		usage_error(cmd, "%s: a list of %zu characters is too long", opt, strlen(s));
		return -1;
	}
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint32_t v;

		for (v = 0; v <= PSP_VERSION_MAX; v++)
			if (!strcmp(tok, version_names[v]) ||
			    (tok[0] == (char)('0' + v) && !tok[1]))
				break;
		if (v > PSP_VERSION_MAX) {
			usage_error(cmd, "%s: '%s' is not a PSP version (0-3, all, none)", opt, tok);
			return -1;
		}
		*mask |= 1u << v;
	}
	return 0;
}

int parse_mark(const char *cmd, const char *opt, const char *s, uint32_t *value,
	       uint32_t *mask)
{
	char buf[64], *slash;
	uint64_t v, m = UINT32_MAX;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf)) {
		usage_error(cmd, "%s: %zu characters are too long for VALUE/MASK", opt, strlen(s));
		return -1;
	}
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	if (parse_uint(cmd, opt, buf, UINT32_MAX, &v) ||
	    (slash && parse_uint(cmd, opt, slash, UINT32_MAX, &m)))
		return -1;
	*value = (uint32_t)v;
	*mask = (uint32_t)m;
	return 0;
}

/* ADDR:PORT or [ADDR6]:PORT */
static int parse_endpoint(const char *s, int *family, uint8_t addr[16], uint16_t *port)
{
	char buf[96], *colon, *host = buf;
	char *end;
	unsigned long p;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;	/* cut short, it might read as another */
	colon = strrchr(buf, ':');
	if (!colon)
		return -1;
	*colon = 0;
	if (buf[0] == '[') {
		size_t n = strlen(buf);

		if (n < 2 || buf[n - 1] != ']')
			return -1;
		buf[n - 1] = 0;
		host = buf + 1;
		*family = AF_INET6;
	} else {
		*family = AF_INET;
	}
	memset(addr, 0, 16);
	if (inet_pton(*family, host, addr) != 1)
		return -1;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || p == 0 || p > 65535)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

int parse_flow(const char *cmd, int argc, char **argv, struct pspbpf_flow *flow)
{
	int lfam, rfam;

	if (optind >= argc || argv[optind][0] == '-') {
		usage_error(cmd, "--flow needs LOCAL and REMOTE, as ADDR:PORT ADDR:PORT");
		return -1;
	}
	if (parse_endpoint(optarg, &lfam, flow->laddr, &flow->lport)) {
		usage_error(cmd, "--flow: '%s' is not ADDR:PORT (IPv6: [ADDR]:PORT)", optarg);
		return -1;
	}
	if (parse_endpoint(argv[optind], &rfam, flow->raddr, &flow->rport)) {
		usage_error(cmd, "--flow: '%s' is not ADDR:PORT (IPv6: [ADDR]:PORT)",
			    argv[optind]);
		return -1;
	}
	optind++;
	if (lfam != rfam) {
		usage_error(cmd, "--flow: the two ends are of different address families");
		return -1;
	}
	flow->family = lfam;
	return 0;
}

void format_flow(const struct pspbpf_flow *f, char *buf, size_t size)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	int v6 = f->family == AF_INET6;

	inet_ntop(f->family, f->laddr, l, sizeof(l));
	inet_ntop(f->family, f->raddr, r, sizeof(r));
	snprintf(buf, size, "%s%s%s:%u %s%s%s:%u", v6 ? "[" : "", l, v6 ? "]" : "", f->lport,
		 v6 ? "[" : "", r, v6 ? "]" : "", f->rport);
}

/*
 * Keys pass through this process (rx-assoc's answer, tx-assoc's and
 * key-import's arguments, the lines of add-assoc --batch; psp-tls's
 * exchange): no core dump of it is written, and no other user may
 * attach to it or read its memory (not dumpable: /proc/PID/mem and the
 * like are root's). Each key buffer is wiped after use besides.
 */
void cli_keep_keys_in(void)
{
	const struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Enter the named network namespace; the mount namespace, and with it the
 * host's bpffs, stays ours. */
int cli_enter_netns(const char *name)
{
	char path[4096];
	int fd, err = 0;

	if (strchr(name, '/') || !*name)
		return usage_error(NULL, "--netns: '%s' is not a namespace name", name);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return op_error(errno, "network namespace '%s': %s", name, strerror(errno));
	if (setns(fd, CLONE_NEWNET))
		err = op_error(errno, "cannot enter network namespace '%s': %s", name,
			       strerror(errno));
	close(fd);
	return err;
}

struct pspbpf *ctl_open(unsigned int flags)
{
	struct pspbpf *h;
	int err = pspbpf_open(&h, flags);

	if (!err)
		return h;
	if (h)
		op_error(-err, "%s", pspbpf_errmsg(h));
	else
		op_error(-err, "out of memory");
	pspbpf_close(h);
	return NULL;
}

int ctl_fail(struct pspbpf *h, int ret)
{
	return op_error(-ret, "%s", pspbpf_errmsg(h));
}

int ctl_close(struct pspbpf *h, int ret)
{
	if (ret)
		ret = ctl_fail(h, ret);
	out_end();
	pspbpf_close(h);
	return ret;
}

int no_options(const char *cmd, int argc, char **argv, void (*usage)(void))
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;

	optind = 0;
	c = cli_getopt(cmd, argc, argv, "", opts, usage);
	return c == CLI_OPTS_END ? -1 : cli_opts_exit(c);
}

int for_devices(const char *cmd, int argc, char **argv, void (*usage)(void),
		int (*fn)(struct pspbpf *h, const struct pspbpf_dev_info *d))
{
	int ret = no_options(cmd, argc, argv, usage);

	return ret >= 0 ? ret : for_devices_at(cmd, argc, argv, fn);
}

int for_devices_at(const char *cmd, int argc, char **argv,
		   int (*fn)(struct pspbpf *h, const struct pspbpf_dev_info *d))
{
	struct pspbpf_dev_info *list = NULL, one;
	struct pspbpf *h;
	uint64_t id = 0;
	size_t n = 0;
	int ret, by_id = 0;

	/* DEV, or `id N` as Linux numbers PSP devices */
	if (optind < argc && !strcmp(argv[optind], "id")) {
		if (optind != argc - 2)
			return usage_error(cmd, "id needs one device id");
		if (parse_uint(cmd, "id", argv[optind + 1], UINT32_MAX, &id))
			return EXIT_USAGE;
		by_id = 1;
	} else if (optind < argc - 1) {
		return usage_error(cmd, "at most one DEV");
	}
	h = ctl_open(0);
	if (!h)
		return EXIT_FAILED;
	if (optind < argc) {
		ret = by_id ? pspbpf_dev_info_id(h, (uint32_t)id, &one) :
			   pspbpf_dev_info(h, argv[optind], &one);
		if (!ret)
			ret = fn(h, &one);
	} else {
		ret = pspbpf_dev_list(h, &list, &n);
		out_open_array(NULL);
		for (size_t i = 0; !ret && i < n; i++)
			ret = fn(h, &list[i]);
		out_close_array();
		free(list);
	}
	return ctl_close(h, ret);
}
