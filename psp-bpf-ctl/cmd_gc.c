// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* psp-bpf-ctl gc [DEV] [--idle SECONDS]: reclaim what no socket holds. */
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "json.h"
#include "pspbpf.h"

static void usage(void)
{
	printf("Usage: psp-bpf-ctl gc [DEV] [--idle SECONDS]\n"
	       "\n"
	       "Reclaims the associations of flows no socket of this namespace holds\n"
	       "any more, once they are closing (their last packet 3 s past) or have\n"
	       "been idle SECONDS (%u by default); associations made on sockets that\n"
	       "never connected, as old; and host routes that lowered the MTU for\n"
	       "them. Prints what went. rx-assoc does the same with the default idle\n"
	       "time when the maps are full, and only then: run this from a timer.\n",
	       PSPBPF_IDLE_DEFAULT_S);
}

int do_gc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "idle", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t idle = PSPBPF_IDLE_DEFAULT_S;
	struct pspbpf_gc_stats st;
	struct pspbpf *h;
	int c, ret;

	optind = 0;
	while ((c = cli_getopt("gc", argc, argv, "", opts, usage)) > 0) {
		switch (c) {
		case 'i':
			if (parse_uint("gc", "--idle", optarg, UINT32_MAX, &idle))
				return EXIT_USAGE;
			break;
		}
	}
	if (c != CLI_OPTS_END)
		return cli_opts_exit(c);
	if (optind < argc - 1)
		return usage_error("gc", "at most one DEV");
	h = ctl_open(0);
	if (!h)
		return EXIT_FAILED;
	ret = pspbpf_gc(h, optind < argc ? argv[optind] : NULL, (uint32_t)idle, &st);
	if (!ret) {
		out_open_object(NULL);
		out_uint("flows", "flows %llu", st.flows);
		out_uint("unbound", " unbound %llu", st.unbound);
		out_uint("routes", " routes %llu\n", st.routes);
		out_close_object();
	}
	return ctl_close(h, ret);
}
