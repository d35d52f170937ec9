// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* psp-bpf-ctl rx-assoc, tx-assoc, add-assoc, del-assoc, assoc show */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "json.h"
#include "pspbpf.h"

#define FLOW_HELP								\
	"--flow names the local end first: ADDR:PORT ADDR:PORT (IPv6 [ADDR]:PORT).\n"

static void usage_rx(void)
{
	printf("Usage: psp-bpf-ctl rx-assoc DEV --flow LOCAL REMOTE [--version N] [--spi HEX]\n"
	       "\n"
	       "Allocates an SPI for the TCP flow, derives its key from the device key and\n"
	       "prints both: the peer installs them with tx-assoc. Version 0 by default.\n"
	       "--spi takes the given SPI instead, as a peer with static SPIs expects.\n"
	       FLOW_HELP);
}

static void usage_tx(void)
{
	printf("Usage: psp-bpf-ctl tx-assoc DEV --flow LOCAL REMOTE --spi HEX --key HEX\n"
	       "                   [--version N] [--crypt-off N] [--vc HEX]\n"
	       "\n"
	       "Installs the peer's SPI and key for the flow, which must have an Rx\n"
	       "association of the same version: from then on its packets leave in PSP.\n"
	       FLOW_HELP);
}

static void usage_add(void)
{
	printf("Usage: psp-bpf-ctl add-assoc DEV --flow LOCAL REMOTE [--version N]\n"
	       "                   [--tx-spi HEX --tx-key HEX] [--crypt-off N] [--vc HEX]\n"
	       "       psp-bpf-ctl add-assoc DEV --batch FILE|-\n"
	       "\n"
	       "rx-assoc if the flow has no Rx association yet (its SPI and key printed),\n"
	       "then tx-assoc if the peer's SPI and key are given; all or nothing.\n"
	       "--batch reads one association a line, LOCAL REMOTE and the options above,\n"
	       "and answers each line with one of its own, in order: a line that fails\n"
	       "changes nothing and the others go on.\n" FLOW_HELP);
}

static void usage_del(void)
{
	printf("Usage: psp-bpf-ctl del-assoc DEV --flow LOCAL REMOTE\n\n"
	       "Removes the flow's Rx and Tx associations.\n" FLOW_HELP);
}

static void usage_show(void)
{
	printf("Usage: psp-bpf-ctl assoc show [DEV]\n\n"
	       "Lists associations: flow, SPIs, version, IVs used. Never keys.\n");
}

/* Everything the association commands take. */
struct assoc_args {
	const char *dev;
	struct pspbpf_flow flow;
	int have_flow, have_spi, have_key, have_version;
	int rx_spi_given;	/* rx-assoc --spi: the SPI is the Rx one */
	const char *batch;	/* add-assoc --batch FILE */
	uint64_t version;
	struct pspbpf_tx_params tx;
	uint8_t key[PSP_KEY_MAX_LEN];
	size_t key_len;
};

static const struct option assoc_opts[] = {
	{ "flow", required_argument, NULL, 'f' },
	{ "version", required_argument, NULL, 'V' },
	{ "spi", required_argument, NULL, 's' },
	{ "tx-spi", required_argument, NULL, 's' },
	{ "key", required_argument, NULL, 'k' },
	{ "tx-key", required_argument, NULL, 'k' },
	{ "crypt-off", required_argument, NULL, 'c' },
	{ "vc", required_argument, NULL, 'v' },
	{ "batch", required_argument, NULL, 'b' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static const char *opt_name(int c)
{
	switch (c) {
	case 's':
		return "--spi";
	case 'k':
		return "--key";
	case 'c':
		return "--crypt-off";
	case 'v':
		return "--vc";
	case 'b':
		return "--batch";
	default:
		return "that option";
	}
}

/* Parses argv; returns -1 when done (go on), else an exit code. */
static int parse_assoc(const char *cmd, int argc, char **argv, const char *allowed,
		       struct assoc_args *a, void (*usage)(void))
{
	uint32_t version;
	uint64_t v;
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	while ((c = cli_getopt(cmd, argc, argv, "", assoc_opts, usage)) > 0) {
		if (!strchr(allowed, c))
			return usage_error(cmd, "%s does not apply here", opt_name(c));
		switch (c) {
		case 'f':
			if (parse_flow(cmd, argc, argv, &a->flow))
				return EXIT_USAGE;
			a->have_flow = 1;
			break;
		case 'V':
			if (parse_version(cmd, "--version", optarg, &version))
				return EXIT_USAGE;
			a->version = version;
			a->have_version = 1;
			break;
		case 's':
			if (parse_spi(cmd, "--spi", optarg, &a->tx.spi))
				return EXIT_USAGE;
			a->have_spi = 1;
			break;
		case 'k': {
			size_t n = hex_digits(optarg);

			if (n != 32 && n != 64) {
				OPENSSL_cleanse(optarg, strlen(optarg));
				return usage_error(cmd, "--key needs 16 or 32 bytes in hex, got "
						   "%zu digits", n);
			}
			if (parse_key_hex(cmd, "--key", optarg, a->key, n / 2))
				return EXIT_USAGE;
			a->key_len = n / 2;
			a->have_key = 1;
			break;
		}
		case 'c':
			if (parse_uint(cmd, "--crypt-off", optarg, PSP_CRYPT_OFF_MAX, &v))
				return EXIT_USAGE;
			a->tx.crypt_off = (uint8_t)v;
			break;
		case 'v':
			if (parse_hex_bytes(cmd, "--vc", optarg, a->tx.vc, PSP_VC_LEN))
				return EXIT_USAGE;
			a->tx.has_vc = 1;
			break;
		case 'b':
			a->batch = optarg;
			break;
		}
	}
	if (c != CLI_OPTS_END)
		return cli_opts_exit(c);
	if (optind != argc - 1)
		return usage_error(cmd, "one DEV is needed");
	if (a->batch && (a->have_flow || a->have_spi || a->have_key || a->have_version ||
			 a->tx.crypt_off || a->tx.has_vc))
		return usage_error(cmd, "--batch takes everything else from its lines");
	if (!a->have_flow && !a->batch)
		return usage_error(cmd, "--flow LOCAL REMOTE is required");
	a->dev = argv[optind];
	a->tx.version = (uint32_t)a->version;
	a->tx.key = a->key;
	a->tx.key_len = a->key_len;
	return -1;
}

static void print_rx(uint32_t dev_id, uint32_t spi, const uint8_t *key, uint32_t version)
{
	out_open_object(NULL);
	out_uint("dev-id", NULL, dev_id);
	out_hex32("spi", "spi %s", spi);
	out_hex("key", " key %s\n", key, psp_key_len(version));
	out_close_object();
}

static int rx_assoc(struct pspbpf *h, struct assoc_args *a)
{
	struct pspbpf_dev_info info;
	uint8_t key[PSP_KEY_MAX_LEN];
	uint32_t spi;
	int ret;

	if (a->rx_spi_given) {
		spi = a->tx.spi;
		ret = pspbpf_rx_assoc_spi(h, a->dev, &a->flow, (uint32_t)a->version, spi, key);
	} else {
		ret = pspbpf_rx_assoc(h, a->dev, &a->flow, (uint32_t)a->version, &spi, key);
	}
	if (ret)
		return ctl_fail(h, ret);
	if (pspbpf_dev_info(h, a->dev, &info))
		info.cfg.id = 0;
	print_rx(info.cfg.id, spi, key, (uint32_t)a->version);
	OPENSSL_cleanse(key, sizeof(key));
	warn_versions_off(h, "rx-assoc", a->dev, 1u << a->version);
	return 0;
}

static int tx_assoc(struct pspbpf *h, struct assoc_args *a)
{
	int ret = pspbpf_tx_assoc(h, a->dev, &a->flow, &a->tx);

	if (ret)
		return ctl_fail(h, ret);
	warn_versions_off(h, "tx-assoc", a->dev, 1u << a->version);
	return 0;
}

/* Opens the state, runs fn, wipes the arguments' key. */
static int run(struct assoc_args *a, int (*fn)(struct pspbpf *h, struct assoc_args *a))
{
	struct pspbpf *h = ctl_open(0);
	int ret = h ? fn(h, a) : EXIT_FAILED;

	OPENSSL_cleanse(a, sizeof(*a));
	out_end();
	pspbpf_close(h);
	return ret;
}

int do_rx_assoc(int argc, char **argv)
{
	struct assoc_args a;
	int ret = parse_assoc("rx-assoc", argc, argv, "fVs", &a, usage_rx);

	if (ret >= 0)
		return ret;
	a.rx_spi_given = a.have_spi;
	return run(&a, rx_assoc);
}

int do_tx_assoc(int argc, char **argv)
{
	struct assoc_args a;
	int ret = parse_assoc("tx-assoc", argc, argv, "fVskcv", &a, usage_tx);

	if (ret >= 0)
		return ret;
	if (!a.have_spi || !a.have_key) {
		OPENSSL_cleanse(&a, sizeof(a));
		return usage_error("tx-assoc", "--spi and --key are required");
	}
	return run(&a, tx_assoc);
}

/* add-assoc's answer: the device, the Rx SPI and key if it made them. */
static void print_added(const struct pspbpf_rx_added *rx, uint32_t version)
{
	out_open_object(NULL);
	out_uint("dev-id", NULL, rx->dev_id);
	if (rx->added) {
		out_hex32("spi", "spi %s", rx->spi);
		out_hex("key", " key %s", rx->key, psp_key_len(version));
	} else {
		out_text("ok");		/* a batch's line: the flow had its Rx */
	}
	out_close_object();
	out_text("\n");
}

static int add_assoc(struct pspbpf *h, struct assoc_args *a)
{
	struct pspbpf_rx_added rx;
	int ret = pspbpf_add_assoc(h, a->dev, &a->flow, (uint32_t)a->version,
				   a->have_spi ? &a->tx : NULL, &rx);

	if (ret)
		return ctl_fail(h, ret);
	if (rx.added || out_is_json())
		print_added(&rx, (uint32_t)a->version);
	OPENSSL_cleanse(&rx, sizeof(rx));
	warn_versions_off(h, "add-assoc", a->dev, 1u << a->version);
	return 0;
}

#define BATCH_LINES	4096	/* lines read, added and answered at a time */
#define BATCH_WORDS	16

/*
 * One line of a batch into l: its words, with DEV last, parsed as
 * add-assoc's arguments after --flow. 0, or EXIT_USAGE with the reason
 * printed.
 */
static int batch_parse(const char *dev, char *line, struct pspbpf_assoc_line *l)
{
	char *argv[BATCH_WORDS + 4] = { "add-assoc", "--flow" }, *save = NULL, *w;
	struct assoc_args a;
	int argc = 2, ret;

	for (w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == BATCH_WORDS + 2)
			return usage_error("add-assoc", "--batch: too many words");
		argv[argc++] = w;
	}
	argv[argc++] = (char *)dev;
	ret = parse_assoc("add-assoc", argc, argv, "fVskcv", &a, usage_add);
	if (ret >= 0 || a.have_spi != a.have_key) {
		if (ret < 0)
			usage_error("add-assoc", "--tx-spi and --tx-key go together");
		OPENSSL_cleanse(&a, sizeof(a));
		return EXIT_USAGE;
	}
	memset(l, 0, sizeof(*l));
	l->flow = a.flow;
	l->version = (uint32_t)a.version;
	l->has_tx = a.have_spi;
	l->tx = a.tx;
	memcpy(l->tx_key, a.key, sizeof(l->tx_key));
	OPENSSL_cleanse(&a, sizeof(a));
	return 0;
}

static void print_line_error(int err, const char *msg)
{
	const char *name = strerrorname_np(err);

	out_open_object(NULL);
	out_string("error", "error %s", name ? name : "EIO");
	out_string("message", ": %s\n", msg);
	out_close_object();
}

/*
 * Adds up to BATCH_LINES lines: those that parse through the library in
 * one batch, then every line's answer in order. Returns how many failed,
 * or -1 if the batch could not be tried (the reason printed).
 */
static int batch_run(struct pspbpf *h, const char *dev, char **lines, size_t n,
		     struct pspbpf_assoc_line *v, uint32_t *versions)
{
	static int parsed[BATCH_LINES];
	size_t k = 0;
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		parsed[i] = !batch_parse(dev, lines[i], &v[k]);
		k += (size_t)parsed[i];
	}
	if (k) {
		int ret = pspbpf_add_assoc_batch(h, dev, v, k);

		if (ret < 0) {
			ctl_fail(h, ret);
			return -1;
		}
	}
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!parsed[i]) {
			print_line_error(EINVAL, "not LOCAL REMOTE [--version N] [--tx-spi HEX "
					 "--tx-key HEX] [--crypt-off N] [--vc HEX]");
			failed++;
		} else if (v[k].err) {
			print_line_error(-v[k].err, v[k].errmsg);
			failed++;
		} else {
			print_added(&v[k].rx, v[k].version);
			*versions |= 1u << v[k].version;
		}
		k += (size_t)parsed[i];
		out_end();
	}
	OPENSSL_cleanse(v, k * sizeof(*v));
	return failed;
}

/* The lines read so far, wiped (they may hold keys) and freed. */
static void clear_lines(char **lines, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		OPENSSL_clear_free(lines[i], strlen(lines[i]));
	*n = 0;
}

/*
 * add-assoc --batch: lines are read BATCH_LINES at a time; blank ones and
 * those starting with '#' are skipped, with no answer. Exit 0 if every
 * line was added, 1 if any failed.
 */
static int add_assoc_batch(struct pspbpf *h, struct assoc_args *a)
{
	FILE *in = strcmp(a->batch, "-") ? fopen(a->batch, "r") : stdin;
	struct pspbpf_assoc_line *v = calloc(BATCH_LINES, sizeof(*v));
	char **lines = calloc(BATCH_LINES, sizeof(*lines));
	uint32_t versions = 0;	/* of the lines added */
	int failed = 0, ret = 0;
	size_t n = 0, cap = 0;
	char *buf = NULL;

	if (!in) {
		ret = -op_error(errno, "%s: %s", a->batch, strerror(errno));
		goto out;
	}
	if (!v || !lines) {
		ret = -op_error(ENOMEM, "out of memory");
		goto out;
	}
	while (getline(&buf, &cap, in) >= 0) {
		const char *p = buf + strspn(buf, " \t");

		if (*p == '\n' || *p == '\0' || *p == '#')
			continue;
		lines[n] = strdup(buf);
		if (!lines[n]) {
			ret = -op_error(ENOMEM, "out of memory");
			goto out;
		}
		if (++n < BATCH_LINES)
			continue;
		if ((ret = batch_run(h, a->dev, lines, n, v, &versions)) < 0)
			goto out;
		failed += ret;
		clear_lines(lines, &n);
	}
	if (ferror(in)) {
		ret = -op_error(errno, "%s: %s", a->batch, strerror(errno));
		goto out;
	}
	if (n && (ret = batch_run(h, a->dev, lines, n, v, &versions)) >= 0)
		failed += ret;
	warn_versions_off(h, "add-assoc", a->dev, versions);
out:
	if (lines)
		clear_lines(lines, &n);
	if (buf)
		OPENSSL_clear_free(buf, cap);
	free(lines);
	free(v);
	if (in && in != stdin)
		fclose(in);
	return ret < 0 || failed ? EXIT_FAILED : 0;
}

int do_add_assoc(int argc, char **argv)
{
	struct assoc_args a;
	int ret = parse_assoc("add-assoc", argc, argv, "fVskcvb", &a, usage_add);

	if (ret >= 0)
		return ret;
	if (a.have_spi != a.have_key) {
		OPENSSL_cleanse(&a, sizeof(a));
		return usage_error("add-assoc", "--tx-spi and --tx-key go together");
	}
	return run(&a, a.batch ? add_assoc_batch : add_assoc);
}

static int del_assoc(struct pspbpf *h, struct assoc_args *a)
{
	int ret = pspbpf_assoc_del(h, a->dev, &a->flow);

	return ret ? ctl_fail(h, ret) : 0;
}

int do_del_assoc(int argc, char **argv)
{
	struct assoc_args a;
	int ret = parse_assoc("del-assoc", argc, argv, "f", &a, usage_del);

	return ret >= 0 ? ret : run(&a, del_assoc);
}

static int do_assoc_show(int argc, char **argv)
{
	struct pspbpf_assoc *list = NULL;
	struct pspbpf *h;
	size_t n = 0;
	int ret = no_options("assoc show", argc, argv, usage_show);

	if (ret >= 0)
		return ret;
	if (optind < argc - 1)
		return usage_error("assoc show", "at most one DEV");
	h = ctl_open(0);
	if (!h)
		return EXIT_FAILED;
	ret = pspbpf_assoc_list(h, optind < argc ? argv[optind] : NULL, &list, &n);
	out_open_array(NULL);
	for (size_t i = 0; !ret && i < n; i++) {
		const struct pspbpf_assoc *a = &list[i];
		char flow[128];

		format_flow(&a->flow, flow, sizeof(flow));
		out_open_object(NULL);
		out_uint("dev-id", "dev %llu", a->dev_id);
		out_string("flow", " flow %s", flow);
		out_uint("version", " version %llu", a->version);
		out_string("state", " %s", a->state == PSPBPF_PSP_FULL ? "psp-full" :
			   a->state == PSPBPF_TX_PSP ? "tx-psp" : "rx-psp");
		if (a->has_rx)
			out_hex32("rx-spi", " rx-spi %s", a->rx_spi);
		if (a->rx_stale)
			out_string("rx", " rx %s", "stale");
		if (a->has_tx) {
			out_hex32("tx-spi", " tx-spi %s", a->tx_spi);
			out_uint("crypt-off", " crypt-off %llu", a->crypt_off);
			out_uint("vc", a->has_vc ? " vc" : NULL, a->has_vc);
			out_uint("tx-iv", " tx-iv %llu", a->tx_iv);
		}
		out_text("\n");
		out_close_object();
	}
	out_close_array();
	free(list);
	return ctl_close(h, ret);
}

int do_assoc(int argc, char **argv)
{
	static const struct cmd cmds[] = { { "show", do_assoc_show }, { 0 } };

	if (argc < 2)
		return do_assoc_show(1, (char *[]){ "show", NULL });
	return cmd_dispatch("assoc", cmds, argc - 1, argv + 1, usage_show);
}
