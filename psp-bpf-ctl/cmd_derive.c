// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* psp-bpf-ctl derive: the key of one SPI from a device key. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "json.h"
#include "psp_ref.h"

static void usage(void)
{
	printf("Usage: psp-bpf-ctl derive --master HEX --spi HEX --version N\n"
	       "\n"
	       "Prints the key PSP derives for the SPI from the 32-byte device key\n"
	       "(AES-256-CMAC, SP 800-108 counter mode); -v also prints the KDF input\n"
	       "blocks. Version 0/2 give 16-byte keys, 1/3 32-byte keys.\n");
}

int do_derive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "master", required_argument, NULL, 'm' },
		{ "spi", required_argument, NULL, 's' },
		{ "version", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint8_t master[PSP_DEV_KEY_LEN], key[PSP_KEY_MAX_LEN], block[16];
	int c, have_master = 0, have_spi = 0, have_version = 0, err;
	uint32_t spi = 0, version = 0, len;

	optind = 0;
	while ((c = cli_getopt("derive", argc, argv, "", opts, usage)) > 0) {
		switch (c) {
		case 'm':
			if (parse_key_hex("derive", "--master", optarg, master, sizeof(master)))
				return EXIT_USAGE;
			have_master = 1;
			break;
		case 's':
			if (parse_spi("derive", "--spi", optarg, &spi))
				return EXIT_USAGE;
			have_spi = 1;
			break;
		case 'V':
			if (parse_version("derive", "--version", optarg, &version))
				return EXIT_USAGE;
			have_version = 1;
			break;
		}
	}
	if (c != CLI_OPTS_END)
		return cli_opts_exit(c);
	if (optind < argc)
		return usage_error("derive", "unexpected argument '%s'", argv[optind]);
	if (!have_master || !have_spi || !have_version)
		return usage_error("derive", "--master, --spi and --version are required");

	len = psp_key_len(version);
	err = psp_derive_key(master, spi, version, key);
	OPENSSL_cleanse(master, sizeof(master));
	if (err)
		return op_error(-err, "key derivation failed");

	out_open_object(NULL);
	out_hex32("spi", NULL, spi);
	out_uint("version", NULL, version);
	if (cli.verbose || out_is_json()) {
		out_open_array("kdf-blocks");
		for (uint32_t i = 1; i <= len / 16; i++) {
			psp_kdf_input(i, spi, len * 8, block);
			out_text("block%u ", i);
			out_hex(NULL, "%s\n", block, sizeof(block));
		}
		out_close_array();
	}
	out_hex("key", "%s\n", key, len);
	out_close_object();
	out_end();
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}
