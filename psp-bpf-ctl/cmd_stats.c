// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-bpf-ctl stats [-o text|prometheus] [DEV]: the counters of
 * include/psp/counters.h, as text, JSON (-j), or in the Prometheus text
 * exposition format that node_exporter's textfile collector reads.
 */
#include <errno.h>
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
	printf("Usage: psp-bpf-ctl stats [-o text|prometheus] [DEV | id N]\n\n"
	       "Per-device counters, with the kernel's names (rx-auth-fail ...) where it has\n"
	       "them; rx-bytes and tx-bytes exclude the PSP header and ICV. -v explains each.\n"
	       "-o prometheus writes the Prometheus text format: a counter psp_bpf_NAME_total\n"
	       "a counter, one series a device, labelled dev.\n");
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

/*
 * -o prometheus: a metric family holds every device's series, so the
 * devices' counters are read first, then written family by family.
 */
struct dev_counters {
	char ifname[sizeof(((struct psp_dev_cfg *)0)->ifname)];
	uint64_t cnt[PSP_CNT__MAX];
};

static struct dev_counters *read_devs;
static size_t n_read;

static int read_counters(struct pspbpf *h, const struct pspbpf_dev_info *d)
{
	struct dev_counters *devs = realloc(read_devs, (n_read + 1) * sizeof(*devs));
	int ret;

	if (!devs)
		return -ENOMEM;
	read_devs = devs;
	ret = pspbpf_stats(h, d->cfg.id, devs[n_read].cnt);
	if (ret)
		return ret;
	memcpy(devs[n_read].ifname, d->cfg.ifname, sizeof(devs->ifname));
	devs[n_read].ifname[sizeof(devs->ifname) - 1] = '\0';
	n_read++;
	return 0;
}

/* s with the escapes of the format: \\ and \n, and \" in a label value */
static void prom_escaped(const char *s, int label)
{
	for (; *s; s++) {
		if (*s == '\\' || (label && *s == '"'))
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

/* the counter's name as a metric name: psp_bpf_rx_auth_fail_total */
static void prom_name(enum psp_counter i)
{
	printf("psp_bpf_");
	for (const char *s = psp_counter_name(i); *s; s++)
		putchar(*s == '-' ? '_' : *s);
	printf("_total");
}

static void print_prometheus(void)
{
	for (int i = 0; i < PSP_CNT__MAX; i++) {
		printf("# HELP ");
		prom_name(i);
		putchar(' ');
		prom_escaped(psp_counter_help(i), 0);
		printf("\n# TYPE ");
		prom_name(i);
		printf(" counter\n");
		for (size_t d = 0; d < n_read; d++) {
			prom_name(i);
			printf("{dev=\"");
			prom_escaped(read_devs[d].ifname, 1);
			printf("\"} %llu\n", (unsigned long long)read_devs[d].cnt[i]);
		}
	}
}

int do_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, prometheus = 0, ret;

	optind = 0;
	while ((c = cli_getopt("stats", argc, argv, "o:", opts, usage)) > 0) {
		switch (c) {
		case 'o':
			if (!strcmp(optarg, "prometheus"))
				prometheus = 1;
			else if (!strcmp(optarg, "text"))
				prometheus = 0;
			else
				return usage_error("stats", "-o: no format '%s' (text, prometheus)",
						   optarg);
			break;
		}
	}
	if (c != CLI_OPTS_END)
		return cli_opts_exit(c);
	if (!prometheus)
		return for_devices_at("stats", argc, argv, print_stats);
	if (cli.json)
		return usage_error("stats", "-j and -o prometheus are two output formats");
	ret = for_devices_at("stats", argc, argv, read_counters);
	if (!ret)
		print_prometheus();
	free(read_devs);
	return ret;
}
