// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* psp-bpf-ctl stats [DEV]: the counters of include/psp/counters.h. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmds.h"
#include "json.h"
#include "psp_ref.h"
#include "pspbpf.h"

static void usage(void)
{
	printf("Usage: psp-bpf-ctl stats [DEV]\n\n"
	       "Per-device counters, with the kernel's names (rx-auth-fail ...) where it has\n"
	       "them; rx-bytes and tx-bytes exclude the PSP header and ICV. -v explains each.\n");
}

static int print_stats(struct pspbpf *h, const struct psp_dev_cfg *c)
{
	uint64_t cnt[PSP_CNT__MAX];
	int ret = pspbpf_stats(h, c->id, cnt);

	if (ret)
		return ret;
	out_open_object(NULL);
	out_uint("dev-id", "%llu: ", c->id);
	out_string("ifname", "%s\n", c->ifname);
	for (int i = 0; i < PSP_CNT__MAX; i++) {
		char fmt[160];

		snprintf(fmt, sizeof(fmt), "    %-14s %%llu%s%s\n", psp_counter_name(i),
			 cli.verbose ? "\t# " : "", cli.verbose ? psp_counter_help(i) : "");
		out_uint(psp_counter_name(i), fmt, cnt[i]);
	}
	out_close_object();
	return 0;
}

int do_stats(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct pspbpf_dev_info *list = NULL, one;
	struct pspbpf *h;
	size_t n = 0;
	int c, ret;

	optind = 0;
	while ((c = cli_getopt("stats", argc, argv, "", opts)) != -1) {
		if (c != 'h')
			return EXIT_USAGE;
		usage();
		return 0;
	}
	if (optind < argc - 1)
		return usage_error("stats", "at most one DEV");
	h = ctl_open(0);
	if (!h)
		return EXIT_FAILED;
	if (optind < argc) {
		ret = pspbpf_dev_info(h, argv[optind], &one);
		if (!ret)
			ret = print_stats(h, &one.cfg);
	} else {
		ret = pspbpf_dev_list(h, &list, &n);
		out_open_array(NULL);
		for (size_t i = 0; !ret && i < n; i++)
			ret = print_stats(h, &list[i].cfg);
		out_close_array();
		free(list);
	}
	if (ret)
		ret = ctl_fail(h, ret);
	out_end();
	pspbpf_close(h);
	return ret;
}
