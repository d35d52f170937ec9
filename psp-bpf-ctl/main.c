// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-bpf-ctl: the command-line interface of psp-bpf.
 *
 *   psp-bpf-ctl [-j|--json] [-p|--pretty] [-v] [-n|--netns NAME] COMMAND ...
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "json.h"

#ifndef PSPBPF_VERSION
#define PSPBPF_VERSION "unknown"
#endif

static void usage(void)
{
	printf("Usage: psp-bpf-ctl [OPTIONS] COMMAND ...\n"
	       "\n"
	       "Commands:\n"
	       "  dev { add | del | show | set | check } [DEV] ...\n"
	       "                                   PSP devices: the programs on a netdev;\n"
	       "                                   dev add DEV --config FILE: as a file says\n"
	       "                                   (at boot: psp-bpf@DEV.service)\n"
	       "  key-rotate DEV                   new device key for the other phase\n"
	       "  key-import DEV --phase 0|1 --key HEX\n"
	       "                                   a known device key (interop, tests)\n"
	       "  rx-assoc DEV --flow LOCAL REMOTE [--version N] [--spi HEX]\n"
	       "                                   allocate an SPI and key for a TCP flow\n"
	       "  tx-assoc DEV --flow LOCAL REMOTE --spi HEX --key HEX [...]\n"
	       "                                   install the peer's SPI and key\n"
	       "  add-assoc DEV --flow ... [--tx-spi HEX --tx-key HEX]\n"
	       "                                   rx-assoc if needed, then tx-assoc\n"
	       "  del-assoc DEV --flow LOCAL REMOTE\n"
	       "  assoc show [DEV]                 associations (never keys)\n"
	       "  stats [-o text|prometheus] [DEV | id N]\n"
	       "                                   counters (Prometheus's text format)\n"
	       "  monitor [DEV]                    rotations, stale associations, drops\n"
	       "  gc [DEV] [--idle SECONDS]        reclaim associations no socket holds\n"
	       "  pcap { encrypt | decrypt } ...   PSP over pcap files (userspace reference)\n"
	       "  derive --master HEX --spi HEX --version N\n"
	       "                                   the key PSP derives for an SPI\n"
	       "  help                             this text; COMMAND -h for each command\n"
	       "\n"
	       "Options:\n"
	       "  -j, --json          JSON output (kernel netlink attribute names)\n"
	       "  -p, --pretty        indented JSON (implies -j)\n"
	       "  -v, --verbose       say more (per-packet reasons, KDF blocks)\n"
	       "  -n, --netns NAME    work in network namespace NAME, as 'ip -n' does\n"
	       "  -V, --version       print the version\n"
	       "  -h, --help          this text\n"
	       "\n"
	       "Exit status: 0 success, 1 the operation failed (errno name and reason on\n"
	       "stderr), 2 bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "netns", required_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const struct cmd cmds[] = {
		{ "dev", do_dev },
		{ "key-rotate", do_key_rotate },
		{ "key-import", do_key_import },
		{ "rx-assoc", do_rx_assoc },
		{ "tx-assoc", do_tx_assoc },
		{ "add-assoc", do_add_assoc },
		{ "del-assoc", do_del_assoc },
		{ "assoc", do_assoc },
		{ "stats", do_stats },
		{ "monitor", do_monitor },
		{ "gc", do_gc },
		{ "pcap", do_pcap },
		{ "derive", do_derive },
		{ 0 }
	};
	int c, err;

	cli_keep_keys_in();
	/* '+': options end at the command, whose own options follow it. */
	while ((c = cli_getopt(NULL, argc, argv, "+jpvn:V", opts, usage)) > 0) {
		switch (c) {
		case 'j':
			cli.json = 1;
			break;
		case 'p':
			cli.json = cli.pretty = 1;
			break;
		case 'v':
			cli.verbose++;
			break;
		case 'n':
			cli.netns = optarg;
			break;
		case 'V':
			printf("psp-bpf-ctl %s\n", PSPBPF_VERSION);
			return 0;
		}
	}
	if (c != CLI_OPTS_END)
		return cli_opts_exit(c);
	out_init(stdout, cli.json, cli.pretty);
	if (optind >= argc)
		return usage_error(NULL, "a command is missing");
	if (cli.netns) {
		err = cli_enter_netns(cli.netns);
		if (err)
			return err;
	}
	return cmd_dispatch(NULL, cmds, argc - optind, argv + optind, usage);
}
