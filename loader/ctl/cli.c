// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "psp_ref.h"

struct cli_globals cli;

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "psp-bpf-ctl: %s%s", cmd ? cmd : "", cmd ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'psp-bpf-ctl %s%s-h')\n", cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

int op_error(int err, const char *fmt, ...)
{
	const char *name = strerrorname_np(err);
	va_list ap;

	fprintf(stderr, "psp-bpf-ctl: %s: ", name ? name : "EIO");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
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
	       const struct option *longopts)
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
	case ':':
		usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
		return '?';
	case '?':
		if (optopt)
			usage_error(cmd, "unknown option '-%c'", optopt);
		else
			usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		return '?';
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

int parse_hex_bytes(const char *cmd, const char *opt, const char *s, uint8_t *out,
		    size_t len)
{
	size_t n;

	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
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
