/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * psp-bpf-ctl's command framework: global options, command tables, option
 * parsing and the error policy every command follows:
 *
 *   exit 0  success
 *   exit 1  the operation failed: "psp-bpf-ctl: ERRNO: reason" on stderr
 *   exit 2  bad usage: "psp-bpf-ctl: CMD: reason (see 'psp-bpf-ctl CMD -h')"
 */
#ifndef __PSPBPF_CTL_CLI_H
#define __PSPBPF_CTL_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_FAILED	1
#define EXIT_USAGE	2

struct cli_globals {
	const char *prog;	/* what messages start with: psp-bpf-ctl, psp-tls */
	int json;
	int pretty;
	int verbose;
	const char *netns;
};
extern struct cli_globals cli;

/* A command or sub-command; fn gets argv[0] = its own name. */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* Runs the command argv[0] names (a unique prefix is enough). */
int cmd_dispatch(const char *parent, const struct cmd *cmds, int argc, char **argv,
		 void (*usage)(void));

/* Usage errors and failures; both print one line and return the exit code. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int op_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_getopt()'s answers besides an option's character */
#define CLI_OPTS_END	(-1)	/* no more options: the operands are at optind */
#define CLI_OPTS_HELP	(-2)	/* -h or --help: the usage is printed */
#define CLI_OPTS_BAD	(-3)	/* an unknown option or a missing argument, said */

/*
 * getopt_long for a command: the next option, or CLI_OPTS_*. "-h" and
 * "--help" (longopts name it) print usage(). A command returns
 * cli_opts_exit() of any answer but an option or CLI_OPTS_END.
 */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, void (*usage)(void));

static inline int cli_opts_exit(int c)
{
	return c == CLI_OPTS_HELP ? 0 : EXIT_USAGE;
}

/* How many hex digits s has, after an optional 0x or 0X. */
size_t hex_digits(const char *s);
/* Argument parsers: 0 on success, else a usage error was printed. */
int parse_hex_bytes(const char *cmd, const char *opt, const char *s, uint8_t *out,
		    size_t len);
/* A key: parse_hex_bytes(), then the argument wiped where the kernel
 * shows the command line (/proc/PID/cmdline), which anyone may read; it
 * was there from exec to now (docs/operations.md, Keys). */
int parse_key_hex(const char *cmd, const char *opt, char *s, uint8_t *out, size_t len);
int parse_spi(const char *cmd, const char *opt, const char *s, uint32_t *spi);
int parse_uint(const char *cmd, const char *opt, const char *s, uint64_t max,
	       uint64_t *v);
int parse_version(const char *cmd, const char *opt, const char *s, uint32_t *version);

struct pspbpf;
struct pspbpf_flow;

struct pspbpf_dev_info;

/* A command that takes only -h: returns -1 to go on, else an exit code. */
int no_options(const char *cmd, int argc, char **argv, void (*usage)(void));

/*
 * CMD [DEV]: runs fn for DEV, or for each PSP device of the namespace
 * inside a JSON array. Returns the exit code.
 */
int for_devices(const char *cmd, int argc, char **argv, void (*usage)(void),
		int (*fn)(struct pspbpf *h, const struct pspbpf_dev_info *d));
/* The same, for a command that parsed its options: from argv[optind]. */
int for_devices_at(const char *cmd, int argc, char **argv,
		   int (*fn)(struct pspbpf *h, const struct pspbpf_dev_info *d));

/* No core dump, no ptrace by other users: keys pass through (cli.c). */
void cli_keep_keys_in(void);

/* Enters network namespace NAME (-n), as 'ip -n' does; returns 0 or
 * the exit code after printing the reason. */
int cli_enter_netns(const char *name);

/* Opens the pinned state; on failure prints the reason and returns NULL. */
struct pspbpf *ctl_open(unsigned int flags);
/* Reports a failed library call (ret < 0) and returns EXIT_FAILED. */
int ctl_fail(struct pspbpf *h, int ret);
/* A command's end: ret (0 or a library -errno) said as ctl_fail() does,
 * the output ended and h closed. Returns the exit status. */
int ctl_close(struct pspbpf *h, int ret);

/* --flow LOCAL REMOTE: takes optarg and the next argument (ADDR:PORT, an
 * IPv6 address in brackets), both of one family. */
int parse_flow(const char *cmd, int argc, char **argv, struct pspbpf_flow *flow);
/* "0,1,3", version names (hdr0-aes-gcm-128 ...) or "all": a bitmask. */
int parse_versions(const char *cmd, const char *opt, const char *s, uint32_t *mask);
/* VALUE/MASK (MASK defaults to all ones), decimal or 0x-hex. */
int parse_mark(const char *cmd, const char *opt, const char *s, uint32_t *value,
	       uint32_t *mask);

/* A flow as ADDR:PORT ADDR:PORT, for output. */
void format_flow(const struct pspbpf_flow *f, char *buf, size_t size);
const char *version_name(uint32_t version);
/* After an association of each version in the mask versions on DEV: a
 * warning on stderr for each the device does not receive. */
void warn_versions_off(struct pspbpf *h, const char *cmd, const char *dev, uint32_t versions);

#endif /* __PSPBPF_CTL_CLI_H */
