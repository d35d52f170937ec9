// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* psp-bpf-ctl stats [DEV]: the counters of include/psp/counters.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "json.h"
#include "psp_ref.h"
#include "pspbpf.h"

static void usage(void)
{
	printf("Usage: psp-bpf-ctl stats [DEV | id N]\n\n"
	       "Per-device counters, with the kernel's names (rx-auth-fail ...) where it has\n"
	       "them; rx-bytes and tx-bytes exclude the PSP header and ICV. -v explains each.\n");
}

static int name_width(void)
{
	int w = 0;

	for (int i = 0; i < PSP_CNT__MAX; i++)
		if ((int)strlen(psp_counter_name(i)) > w)
			w = (int)strlen(psp_counter_name(i));
	return w;
}

static int print_stats(struct pspbpf *h, const struct pspbpf_dev_info *d)
{
	const struct psp_dev_cfg *c = &d->cfg;
	uint64_t cnt[PSP_CNT__MAX];
	int ret = pspbpf_stats(h, c->id, cnt);

	if (ret)
		return ret;
	out_open_object(NULL);
	out_uint("dev-id", "%llu: ", c->id);
	out_string("ifname", "%s\n", c->ifname);
	for (int i = 0; i < PSP_CNT__MAX; i++) {
		char fmt[160];

		/* a column as wide as the longest name */
		snprintf(fmt, sizeof(fmt), "    %-*s %%llu%s%s\n", name_width(),
			 psp_counter_name(i), cli.verbose ? "\t# " : "",
			 cli.verbose ? psp_counter_help(i) : "");
		out_uint(psp_counter_name(i), fmt, cnt[i]);
	}
	out_close_object();
	return 0;
}

int do_stats(int argc, char **argv)
{
	return for_devices("stats", argc, argv, usage, print_stats);
}
