// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* psp-bpf-ctl dev add|del|show|set|check, key-import */
#include <errno.h>
#include <net/if.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmds.h"
#include "devconf.h"
#include "json.h"
#include "pspbpf.h"

static void usage(void)
{
	printf("Usage: psp-bpf-ctl dev add DEV [--backend auto|bpf|kmod|offload] [--versions LIST] [--aes generic]\n"
	       "                              [--rx-spread] [--max-assocs N] [--mark VALUE/MASK]\n"
	       "                              [--config FILE]\n"
	       "       psp-bpf-ctl dev del DEV\n"
	       "       psp-bpf-ctl dev show [DEV | id N]\n"
	       "       psp-bpf-ctl dev set DEV [--versions LIST] [--mark VALUE/MASK]\n"
	       "       psp-bpf-ctl dev check DEV [--repair]\n"
	       "\n"
	       "add: make DEV a PSP device: XDP receive and tcx egress programs, two fresh\n"
	       "device keys, a seal port (veths pspseg<id>, pspseal<id>). XDP is native where\n"
	       "the driver has it, else generic (xdp-mode in show). Versions accepted on\n"
	       "receive (psp-versions-ena) start as none unless --versions: 0-3 or names\n"
	       "(hdr0-aes-gcm-128 ...), comma separated, or all. --aes generic picks the\n"
	       "kernel's T-table AES: faster, not constant time. --backend: the crypto, for\n"
	       "every device (auto: the devices' if any, else kmod if psp_crypto.ko is\n"
	       "loaded, else bpf); offload: the NIC seals and opens PSP, the programs trade\n"
	       "hints with it (docs/offload.md). --rx-spread: open each flow's PSP packets\n"
	       "on another CPU than the one they arrive on (a veth, a NIC with one queue).\n"
	       "--max-assocs: the host's association capacity (65536), set by the first\n"
	       "device; another size while devices exist is refused (EBUSY). --mark: as\n"
	       "dev set's, set once the device is made (removed again if that fails).\n"
	       "--config FILE: these options from a file (- for stdin), a line each:\n"
	       "'KEY VALUE' or KEY=VALUE, KEY an option's name (versions, mark ...), a flag\n"
	       "alone or with yes|no, '#' a comment; the command line's options win. An\n"
	       "unknown key, a bad value, a key twice or no file: exit 2 naming FILE:LINE,\n"
	       "before anything is done (psp-bpf@DEV.service reads /etc/psp-bpf/DEV.conf).\n"
	       "set --mark VALUE/MASK: egress packets with (mark & MASK) == VALUE must be PSP;\n"
	       "without a Tx association they are dropped (tx-no-sa). MASK 0 turns it off.\n"
	       "check: whether DEV's pinned state holds together across the maps, its\n"
	       "programs and routes, after a command was killed half way: what is orphaned,\n"
	       "by category; exit 1 (EUCLEAN) if anything is. --repair mends it as the\n"
	       "reclaim path deletes (an association that lost a part goes whole, a device\n"
	       "that lost a part is removed) and checks again. del of a name that is no\n"
	       "device removes what a killed dev add or dev del left of it.\n");
}

static const char *if_name(unsigned int ifindex, char buf[IF_NAMESIZE])
{
	return ifindex && if_indextoname(ifindex, buf) ? buf : "none";
}

/* The versions received, by name: none means every PSP packet is dropped
 * (rx-bad), which the mask alone does not say to a reader. */
static void print_rx_versions(uint32_t ena)
{
	int n = 0;

	out_open_array("rx-versions");
	out_text(" rx-versions ");
	for (uint32_t v = 0; v <= PSP_VERSION_MAX; v++)
		if (ena & (1u << v))
			out_string(NULL, n++ ? ",%s" : "%s", version_name(v));
	out_close_array();
	if (!n)
		out_text("none (every PSP packet dropped: dev set --versions)");
}

static void print_dev(const struct pspbpf_dev_info *d)
{
	const struct psp_dev_cfg *c = &d->cfg;
	char mark[32], seg[IF_NAMESIZE], seal[IF_NAMESIZE];

	snprintf(mark, sizeof(mark), "0x%x/0x%x", c->mark_value, c->mark_mask);
	out_open_object(NULL);
	out_uint("id", "%llu: ", c->id);
	out_string("ifname", "%s", c->ifname);
	out_uint("ifindex", " ifindex %llu", c->ifindex);
	out_string("backend", " backend %s", pspbpf_backend_name(d->backend));
	out_uint("psp-versions-cap", " psp-versions-cap 0x%llx", c->versions_cap);
	out_uint("psp-versions-ena", " psp-versions-ena 0x%llx", c->versions_ena);
	print_rx_versions(c->versions_ena);
	out_string("aes", " aes %s", c->flags & PSP_DEV_F_AES_GENERIC ? "generic" : "fixed-time");
	if (c->mark_mask || out_is_json())
		out_string("mark", " mark %s", mark);
	out_uint("mtu", " mtu %llu", c->mtu);
	out_uint("xdp-prog-id", " xdp %llu", d->xdp_prog_id);
	out_string("xdp", "(%s)", !d->xdp_prog_id ? "none" : d->xdp_is_psp ? "psp_rx" : "other");
	out_string("xdp-mode", " xdp-mode %s", d->xdp_generic ? "generic" : "native");
	out_uint("rx-cpus", " rx-cpus %llu", c->rx_cpus);
	out_string("xdp-attach", " xdp-attach %s",
		   !d->xdp_prog_id ? "none" : d->xdp_dispatcher ? "libxdp-dispatcher" : "direct");
	out_string("tx", " tx %s", d->tx_attached == PSPBPF_TX_TCX ? "tcx" :
				   d->tx_attached == PSPBPF_TX_CLSACT ? "clsact" : "none");
	/* the seal port as the namespace has it now: "none" if it went */
	out_string("seg-port", " seg-port %s", if_name(c->seg_ifindex, seg));
	out_string("seal-port", " seal-port %s", if_name(c->seal_ifindex, seal));
	out_uint("rx-assocs", " rx-assocs %llu", d->rx_assocs);
	out_uint("tx-assocs", " tx-assocs %llu", d->tx_assocs);
	out_uint("max-assocs", " max-assocs %llu", d->max_assocs);
	/* reclaim runs when asked (gc), not on its own: when it last did */
	if (c->last_reclaim_ns) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		out_uint("last-gc-s", " last-gc %llus ago",
			 (uint64_t)now.tv_sec - c->last_reclaim_ns / 1000000000ull);
	}
	out_uint("key-generation", " generation %llu", c->generation);
	out_string("pin-dir", "\n    pinned %s\n", d->pin_dir);
	out_close_object();
}

/* dev add's settings: its options, then --config FILE's for those the
 * command line left out */
struct add_args {
	struct pspbpf_dev_opts o;
	uint32_t mark_value, mark_mask;
	int set_mark;
	char given[128];	/* by option value: given on the command line */
};

static const struct option add_opts[] = {
	{ "backend", required_argument, NULL, 'b' },
	{ "versions", required_argument, NULL, 'V' },
	{ "aes", required_argument, NULL, 'a' },
	{ "rx-spread", no_argument, NULL, 'r' },
	{ "max-assocs", required_argument, NULL, 'm' },
	{ "mark", required_argument, NULL, 'k' },
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* One setting of dev add, from its option or its key in a file (opt:
 * "--versions", "FILE:LINE: versions"); 0 or the exit code. */
static int add_opt(struct add_args *a, int c, const char *opt, const char *arg)
{
	const char *cmd = "dev add";
	uint64_t v;

	switch (c) {
	case 'b':
		a->o.backend = pspbpf_backend_by_name(arg);
		if (!a->o.backend && strcmp(arg, "auto"))
			return usage_error(cmd, "%s: '%s' is not available (auto, bpf, kmod, "
					   "offload)", opt, arg);
		return 0;
	case 'V':
		return parse_versions(cmd, opt, arg, &a->o.versions_ena) ? EXIT_USAGE : 0;
	case 'a':
		if (strcmp(arg, "generic") && strcmp(arg, "fixed-time"))
			return usage_error(cmd, "%s: '%s' is neither fixed-time nor generic", opt,
					   arg);
		a->o.aes_generic = !strcmp(arg, "generic");
		return 0;
	case 'r':
		a->o.rx_spread = 1;
		return 0;
	case 'm':
		if (parse_uint(cmd, opt, arg, PSPBPF_MAX_ASSOCS_LIMIT, &v))
			return EXIT_USAGE;
		if (!v)
			return usage_error(cmd, "%s: at least 1", opt);
		a->o.max_assocs = (uint32_t)v;
		return 0;
	case 'k':
		a->set_mark = 1;
		return parse_mark(cmd, opt, arg, &a->mark_value, &a->mark_mask) ? EXIT_USAGE : 0;
	default:
		return EXIT_USAGE;
	}
}

/* A line of --config: checked either way; the command line's own wins. */
static int add_conf(void *ctx, int c, const char *where, const char *value)
{
	struct add_args *a = ctx, spare = *a;

	return add_opt(a->given[c] ? &spare : a, c, where, value);
}

/*
 * The mark rule goes on after the device is made (a device's settings
 * change only through dev_update()): a device whose rule could not be set
 * is removed again, so that a boot's dev add either brings DEV up as its
 * file says or leaves nothing behind.
 */
static int add_mark(struct pspbpf *h, const char *dev, const struct add_args *a)
{
	char msg[256];
	int ret = pspbpf_dev_set_mark(h, dev, a->mark_value, a->mark_mask);

	if (!ret)
		return 0;
	snprintf(msg, sizeof(msg), "%s", pspbpf_errmsg(h));
	pspbpf_dev_del(h, dev);
	return op_error(-ret, "%s (%s removed again)", msg, dev);
}

static int do_add(int argc, char **argv)
{
	const char *cmd = "dev add", *config = NULL, *dev;
	struct add_args a = { 0 };
	struct pspbpf_dev_info info;
	struct psp_dev_cfg cfg;
	struct pspbpf *h;
	char opt[32];
	int c, ret;

	optind = 0;
	while ((c = cli_getopt(cmd, argc, argv, "", add_opts, usage)) > 0) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		default:
			for (const struct option *o = add_opts; o->name; o++)
				if (o->val == c)
					snprintf(opt, sizeof(opt), "--%s", o->name);
			ret = add_opt(&a, c, opt, optarg);
			if (ret)
				return ret;
			a.given[c] = 1;
		}
	}
	if (c != CLI_OPTS_END)
		return cli_opts_exit(c);
	if (optind != argc - 1)
		return usage_error(cmd, "one DEV is needed");
	dev = argv[optind];
	if (config) {
		ret = conf_read(cmd, config, add_opts, add_conf, &a);
		if (ret)
			return ret;
	}
	h = ctl_open(PSPBPF_CREATE);
	if (!h)
		return EXIT_FAILED;
	ret = pspbpf_dev_add(h, dev, &a.o, &cfg);
	if (ret)
		ret = ctl_fail(h, ret);
	else if (a.set_mark)
		ret = add_mark(h, dev, &a);
	if (!ret && !pspbpf_dev_info(h, dev, &info))
		print_dev(&info);
	out_end();
	pspbpf_close(h);
	return ret;
}

static int do_del(int argc, char **argv)
{
	struct pspbpf *h;
	int ret = no_options("dev del", argc, argv, usage);

	if (ret >= 0)
		return ret;
	if (optind != argc - 1)
		return usage_error("dev del", "one DEV is needed");
	/* a killed dev add may have left state unfinished, or none, and DEV's
	 * programs */
	h = ctl_open(PSPBPF_MEND);
	if (!h)
		return EXIT_FAILED;
	ret = pspbpf_dev_del(h, argv[optind]);
	return ctl_close(h, ret);
}

static int show_one(struct pspbpf *h, const struct pspbpf_dev_info *d)
{
	(void)h;
	print_dev(d);
	return 0;
}

static int do_show(int argc, char **argv)
{
	return for_devices("dev show", argc, argv, usage, show_one);
}

static int do_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "versions", required_argument, NULL, 'V' },
		{ "mark", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *cmd = "dev set";
	uint32_t versions = 0, value = 0, mask = 0;
	int c, ret = 0, set_versions = 0, set_mark = 0;
	struct pspbpf *h;

	optind = 0;
	while ((c = cli_getopt(cmd, argc, argv, "", opts, usage)) > 0) {
		switch (c) {
		case 'V':
			if (parse_versions(cmd, "--versions", optarg, &versions))
				return EXIT_USAGE;
			set_versions = 1;
			break;
		case 'm':
			if (parse_mark(cmd, "--mark", optarg, &value, &mask))
				return EXIT_USAGE;
			set_mark = 1;
			break;
		}
	}
	if (c != CLI_OPTS_END)
		return cli_opts_exit(c);
	if (optind != argc - 1)
		return usage_error(cmd, "one DEV is needed");
	if (!set_versions && !set_mark)
		return usage_error(cmd, "nothing to set (--versions, --mark)");
	h = ctl_open(0);
	if (!h)
		return EXIT_FAILED;
	if (set_versions)
		ret = pspbpf_dev_set_versions(h, argv[optind], versions);
	if (!ret && set_mark)
		ret = pspbpf_dev_set_mark(h, argv[optind], value, mask);
	return ctl_close(h, ret);
}

/* Each category's count, every one in JSON, those found as lines of text. */
static void print_orphans(const char *key, const uint32_t count[])
{
	out_open_object(key);
	for (unsigned int i = 0; i < PSPBPF_ORPHAN__MAX; i++) {
		out_uint(pspbpf_orphan_name(i), NULL, count[i]);
		if (count[i])
			out_text("  %s %u: %s\n", pspbpf_orphan_name(i), count[i],
				 pspbpf_orphan_help(i));
	}
	out_close_object();
}

static uint32_t orphans_total(const uint32_t count[])
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < PSPBPF_ORPHAN__MAX; i++)
		n += count[i];
	return n;
}

/* "name N, name N": the error line's summary. */
static void orphans_list(const uint32_t count[], char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < PSPBPF_ORPHAN__MAX && len < size; i++)
		if (count[i])
			len += (size_t)snprintf(buf + len, size - len, "%s%s %u", len ? ", " : "",
						pspbpf_orphan_name(i), count[i]);
}

static void print_check(const char *dev, const struct pspbpf_check_report *r, int repair)
{
	uint32_t found = orphans_total(r->found), left = orphans_total(r->left);

	out_open_object(NULL);
	out_string("ifname", "%s: ", dev);
	out_uint("dev-id", r->dev_id ? "PSP device %llu" : NULL, r->dev_id);
	out_text("%s", r->dev_id ? "" : "not a PSP device");
	out_bool("consistent", NULL, !left);
	if (!found)
		out_text(", consistent\n");
	else
		out_text(", %u orphaned%s\n", found, !repair ? "" : left ? ", repaired in part" :
			 ", repaired: consistent");
	print_orphans("orphans", r->found);
	if (repair) {
		out_bool("repaired", NULL, r->repaired);
		if (left)
			out_text("left after the repair, %u:\n", left);
		print_orphans("left", r->left);
	}
	out_close_object();
	out_end();
}

static int do_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *cmd = "dev check";
	struct pspbpf_check_report r;
	char what[512];
	struct pspbpf *h;
	int c, ret, repair = 0;

	optind = 0;
	while ((c = cli_getopt(cmd, argc, argv, "", opts, usage)) > 0) {
		switch (c) {
		case 'r':
			repair = 1;
			break;
		}
	}
	if (c != CLI_OPTS_END)
		return cli_opts_exit(c);
	if (optind != argc - 1)
		return usage_error(cmd, "one DEV is needed");
	/* whatever a killed command left pinned, the lock's directory made */
	h = ctl_open(PSPBPF_MEND);
	if (!h)
		return EXIT_FAILED;
	ret = pspbpf_dev_check(h, argv[optind], repair, &r);
	if (ret) {
		ret = ctl_fail(h, ret);
	} else {
		print_check(argv[optind], &r, repair);
		orphans_list(r.left, what, sizeof(what));
		if (what[0])
			ret = op_error(EUCLEAN, "%s: orphaned %s (%s)", argv[optind], what,
				       repair ? "left after the repair" : "dev check --repair");
	}
	pspbpf_close(h);
	return ret;
}

int do_dev(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", do_add },
		{ "del", do_del },
		{ "show", do_show },
		{ "set", do_set },
		{ "check", do_check },
		{ 0 }
	};

	if (argc < 2)	/* `dev` alone lists, as `ip link` does */
		return do_show(1, (char *[]){ "show", NULL });
	return cmd_dispatch("dev", cmds, argc - 1, argv + 1, usage);
}

static void usage_key_import(void)
{
	printf("Usage: psp-bpf-ctl key-import DEV --phase 0|1 --key HEX\n"
	       "\n"
	       "Replaces the device key of a phase (SPI bit 31) with a known 32-byte key,\n"
	       "for interoperability tests. The key is not readable back.\n");
}

int do_key_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "phase", required_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *cmd = "key-import";
	uint8_t key[PSP_DEV_KEY_LEN];
	int c, ret, have_key = 0, have_phase = 0;
	struct pspbpf *h;
	uint64_t phase = 0;

	optind = 0;
	while ((c = cli_getopt(cmd, argc, argv, "", opts, usage_key_import)) > 0) {
		switch (c) {
		case 'p':
			if (parse_uint(cmd, "--phase", optarg, 1, &phase))
				return EXIT_USAGE;
			have_phase = 1;
			break;
		case 'k':
			if (parse_key_hex(cmd, "--key", optarg, key, sizeof(key)))
				return EXIT_USAGE;
			have_key = 1;
			break;
		}
	}
	if (c != CLI_OPTS_END)
		return cli_opts_exit(c);
	if (optind != argc - 1 || !have_key || !have_phase) {
		OPENSSL_cleanse(key, sizeof(key));
		return usage_error(cmd, "DEV, --phase and --key are required");
	}
	h = ctl_open(0);
	ret = h ? pspbpf_key_import(h, argv[optind], (uint32_t)phase, key) : 0;
	OPENSSL_cleanse(key, sizeof(key));
	if (!h)
		return EXIT_FAILED;
	return ctl_close(h, ret);
}

static void usage_key_rotate(void)
{
	printf("Usage: psp-bpf-ctl key-rotate DEV\n"
	       "\n"
	       "Replaces the device key of the other phase with a new one, which new SPIs\n"
	       "then use. Associations survive one rotation; at the second their Rx dies\n"
	       "(stale-events counts them) while their Tx goes on, as in Linux net/psp.\n");
}

int do_key_rotate(int argc, char **argv)
{
	struct psp_dev_cfg cfg;
	struct pspbpf *h;
	int ret = no_options("key-rotate", argc, argv, usage_key_rotate);

	if (ret >= 0)
		return ret;
	if (optind != argc - 1)
		return usage_error("key-rotate", "one DEV is needed");
	h = ctl_open(0);
	if (!h)
		return EXIT_FAILED;
	ret = pspbpf_key_rotate(h, argv[optind], &cfg);
	if (!ret) {
		out_open_object(NULL);
		out_uint("id", "%llu: ", cfg.id);
		out_string("ifname", "%s key rotated", cfg.ifname);
		out_uint("key-generation", ", generation %llu", cfg.generation);
		out_uint("phase", ", new SPIs in phase %llu\n", cfg.phase);
		out_close_object();
	}
	return ctl_close(h, ret);
}
