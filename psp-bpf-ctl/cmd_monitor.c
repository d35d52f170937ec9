// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-bpf-ctl monitor [DEV]: key rotations, stale associations and drops,
 * one line (or JSON object) per event, as they happen. Drops are reported
 * at most once per interval per counter, with how many there were.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmds.h"
#include "json.h"
#include "psp_ref.h"
#include "pspbpf.h"

static void usage(void)
{
	printf("Usage: psp-bpf-ctl monitor [DEV] [--interval MS] [--count N]\n"
	       "\n"
	       "Reports key rotations, associations gone stale and drops (each drop\n"
	       "counter at most once per interval, 1000 ms by default) as they happen,\n"
	       "one line or JSON object each, until interrupted (SIGINT, SIGTERM: exit 0)\n"
	       "or N events were shown.\n");
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Interrupted is how a monitor ends: SIGINT and SIGTERM end it as --count
 * does, with its output flushed, the state closed and exit 0. They are
 * blocked but while it waits (wait_interval), so no system call of a
 * look at the counters sees EINTR, and none that comes during a look is
 * missed. Returns the mask to wait with.
 */
static sigset_t stop_on_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t block, wait_mask;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return wait_mask;
}

static void wait_interval(uint64_t ms, const sigset_t *wait_mask)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)(ms % 1000) * 1000000 };

	ppoll(NULL, 0, &ts, wait_mask);
}

/* Counters whose growth is an event: not the traffic ones. */
static int is_event(int c)
{
	return c != PSP_CNT_RX_PACKETS && c != PSP_CNT_RX_BYTES && c != PSP_CNT_TX_PACKETS &&
	       c != PSP_CNT_TX_BYTES;
}

struct seen {
	uint32_t id;
	uint64_t cnt[PSP_CNT__MAX];
};

/* Prints the events of one device since the last look; returns how many. */
static unsigned int events(struct pspbpf *h, const struct pspbpf_dev_info *d, struct seen *s,
			   int first)
{
	uint64_t now[PSP_CNT__MAX];
	unsigned int n = 0;

	if (pspbpf_stats(h, d->cfg.id, now))
		return 0;
	for (int c = 0; !first && c < PSP_CNT__MAX; c++) {
		if (!is_event(c) || now[c] <= s->cnt[c])
			continue;
		out_open_object(NULL);
		out_uint("dev-id", "%llu: ", d->cfg.id);
		out_string("ifname", "%s", d->cfg.ifname);
		out_string("event", " %s", psp_counter_name(c));
		out_uint("count", " +%llu", now[c] - s->cnt[c]);
		if (c == PSP_CNT_KEY_ROTATIONS)
			out_uint("key-generation", " generation %llu", d->cfg.generation);
		out_text("\n");
		out_close_object();
		out_end();
		n++;
	}
	memcpy(s->cnt, now, sizeof(now));
	s->id = d->cfg.id;
	return n;
}

int do_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t interval = 1000, count = 0, shown = 0;
	struct seen *seen;
	struct pspbpf *h;
	sigset_t wait_mask;
	int c, first = 1;

	optind = 0;
	while ((c = cli_getopt("monitor", argc, argv, "", opts, usage)) > 0) {
		switch (c) {
		case 'i':
			if (parse_uint("monitor", "--interval", optarg, 3600000, &interval))
				return EXIT_USAGE;
			break;
		case 'c':
			if (parse_uint("monitor", "--count", optarg, UINT32_MAX, &count))
				return EXIT_USAGE;
			break;
		}
	}
	if (c != CLI_OPTS_END)
		return cli_opts_exit(c);
	if (optind < argc - 1 || !interval)
		return usage_error("monitor", optind < argc - 1 ? "at most one DEV" :
				   "--interval must be at least 1 ms");
	seen = calloc(PSP_MAX_DEVS, sizeof(*seen));
	if (!seen)
		return op_error(ENOMEM, "out of memory");
	h = ctl_open(0);
	if (!h) {
		free(seen);
		return EXIT_FAILED;
	}
	wait_mask = stop_on_signals();
	while (!stop) {
		struct pspbpf_dev_info *list = NULL, one;
		size_t n = 0;
		int ret;

		if (optind < argc) {
			ret = pspbpf_dev_info(h, argv[optind], &one);
			if (ret) {
				ret = ctl_fail(h, ret);
				pspbpf_close(h);
				free(seen);
				return ret;
			}
			shown += events(h, &one, &seen[one.cfg.id % PSP_MAX_DEVS], first);
		} else if (!pspbpf_dev_list(h, &list, &n)) {
			for (size_t i = 0; i < n; i++) {
				struct seen *s = &seen[list[i].cfg.id % PSP_MAX_DEVS];

				/* a device new since the last look starts quiet */
				shown += events(h, &list[i], s, first || s->id != list[i].cfg.id);
			}
			free(list);
		}
		fflush(stdout);
		if (count && shown >= count)
			break;
		first = 0;
		wait_interval(interval, &wait_mask);
	}
	pspbpf_close(h);
	free(seen);
	return 0;
}
