// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-bpf-ctl pcap encrypt|decrypt: the userspace reference over pcap
 * files (Ethernet). Encrypt output is byte-identical to google/psp's for
 * the same parameters and first IV; decrypt writes the accepted packets
 * only and reports per-reason drop counts. Rejected packets are data, not
 * failures: the exit status is 0 unless a file cannot be read or written.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "json.h"
#include "psp_ref.h"

#define FRAME_MAX (ETH_HLEN + 0xffff + PSP_MAX_OVERHEAD)

struct pcap_io {
	pcap_t *in, *dead;
	pcap_dumper_t *out;
	const char *in_path, *out_path;
};

static void usage_encrypt(void)
{
	printf("Usage: psp-bpf-ctl pcap encrypt --master0 HEX --master1 HEX --spi HEX --version N\n"
	       "                   [--crypt-off N] [--vc HEX] [--tunnel] [--iv N] -i IN.pcap -o OUT.pcap\n"
	       "\n"
	       "Encapsulates every IPv4/IPv6 frame of IN in PSP and writes OUT ('-': stdin/stdout).\n"
	       "  --master0/1 HEX  the 32-byte device keys; SPI bit 31 picks which derives the key\n"
	       "  --spi HEX        SPI of the association, e.g. 9a345678\n"
	       "  --version N      0 AES-GCM-128, 1 AES-GCM-256, 2 AES-GMAC-128, 3 AES-GMAC-256\n"
	       "  --crypt-off N    bytes left in clear after the PSP header, in 4-byte units (0-63)\n"
	       "  --vc HEX         add this 8-byte virtualization cookie\n"
	       "  --tunnel         tunnel mode (the whole packet is the payload); default transport\n"
	       "  --iv N           IV of the first packet (default 1), +1 per encrypted packet\n"
	       "Frames that cannot be encapsulated are skipped and counted by reason.\n");
}

static void usage_decrypt(void)
{
	printf("Usage: psp-bpf-ctl pcap decrypt --master0 HEX --master1 HEX -i IN.pcap -o OUT.pcap\n"
	       "\n"
	       "Authenticates and decapsulates the PSP frames of IN and writes the accepted ones\n"
	       "to OUT ('-': stdin/stdout). Rejected frames are counted as the kernel counts them:\n"
	       "rx-auth-fail (ICV), rx-error (lengths, framing), rx-bad (version, reserved bits,\n"
	       "SPI); frames that are not PSP are counted as not-psp. -v names each rejection.\n");
}

static void usage(void)
{
	printf("Usage: psp-bpf-ctl pcap { encrypt | decrypt } OPTIONS   (-h for each)\n");
}

static void pcap_io_close(struct pcap_io *io)
{
	if (io->out)
		pcap_dump_close(io->out);
	if (io->dead)
		pcap_close(io->dead);
	if (io->in)
		pcap_close(io->in);
}

static int pcap_io_open(struct pcap_io *io)
{
	char err[PCAP_ERRBUF_SIZE];

	io->in = pcap_open_offline(io->in_path, err);
	if (!io->in) {
		if (errno == ENOENT || errno == EACCES)
			return op_error(errno, "%s", err);	/* names the file */
		return op_error(EINVAL, "%s: %s", io->in_path, err);
	}
	if (pcap_datalink(io->in) != DLT_EN10MB)
		return op_error(EINVAL, "%s: link type %s, only Ethernet is supported",
				io->in_path, pcap_datalink_val_to_name(pcap_datalink(io->in)));
	/* Keep the input's snaplen: google/psp's files say 9014. */
	io->dead = pcap_open_dead(DLT_EN10MB, pcap_snapshot(io->in));
	if (!io->dead)
		return op_error(ENOMEM, "pcap_open_dead");
	io->out = pcap_dump_open(io->dead, io->out_path);
	if (!io->out)
		return op_error(errno ? errno : EIO, "%s", pcap_geterr(io->dead));
	/* With the packets on stdout, the report goes to stderr. */
	if (!strcmp(io->out_path, "-"))
		out_init(stderr, cli.json, cli.pretty);
	return 0;
}

static void pcap_io_write(struct pcap_io *io, const struct pcap_pkthdr *in_hdr,
			  const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h = { .ts = in_hdr->ts, .caplen = (bpf_u_int32)len,
				 .len = (bpf_u_int32)len };

	pcap_dump((u_char *)io->out, &h, frame);
}

/* Finishes both files; returns an exit code. */
static int pcap_io_finish(struct pcap_io *io, int next_ex)
{
	if (next_ex == PCAP_ERROR)
		return op_error(EIO, "%s: %s", io->in_path, pcap_geterr(io->in));
	if (pcap_dump_flush(io->out) || ferror(pcap_dump_file(io->out)))
		return op_error(EIO, "%s: write failed", io->out_path);
	return 0;
}

struct key_opts {
	uint8_t master[2][PSP_DEV_KEY_LEN];
	int have[2];
};

/* The options both directions take; returns 1 if opt was one of them,
 * 0 if not, -1 after a usage error. */
static int key_or_file_opt(const char *cmd, int opt, struct key_opts *k, struct pcap_io *io)
{
	switch (opt) {
	case '0':
	case '1':
		k->have[opt - '0'] = 1;
		return parse_key_hex(cmd, opt == '0' ? "--master0" : "--master1", optarg,
				     k->master[opt - '0'], PSP_DEV_KEY_LEN) ? -1 : 1;
	case 'i':
		io->in_path = optarg;
		return 1;
	case 'o':
		io->out_path = optarg;
		return 1;
	default:
		return 0;
	}
}

#define KEY_FILE_OPTS							\
	{ "master0", required_argument, NULL, '0' },			\
	{ "master1", required_argument, NULL, '1' },			\
	{ "input", required_argument, NULL, 'i' },			\
	{ "output", required_argument, NULL, 'o' },			\
	{ "help", no_argument, NULL, 'h' }

static int check_required(const char *cmd, const struct key_opts *k, const struct pcap_io *io,
			  int argc, char **argv)
{
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!k->have[0] || !k->have[1])
		return usage_error(cmd, "--master0 and --master1 are required");
	if (!io->in_path || !io->out_path)
		return usage_error(cmd, "-i IN.pcap and -o OUT.pcap are required");
	return 0;
}

static void report_encrypt(unsigned int packets, const unsigned int *skips, uint64_t iv0,
			   uint64_t iv)
{
	out_open_object(NULL);
	out_uint("packets", "%llu packets: ", packets);
	out_uint("encrypted", "%llu encrypted", skips[PSP_TX_OK]);
	out_open_object("skipped");
	for (int s = PSP_TX_OK + 1; s < PSP_TX__MAX; s++)
		if (skips[s] || out_is_json()) {
			out_text(", %s ", psp_tx_skip_name(s));
			out_uint(psp_tx_skip_name(s), "%llu", skips[s]);
		}
	out_close_object();
	out_uint("iv-first", ", first IV %llu", iv0);
	out_uint("iv-next", ", next IV %llu\n", iv);
	out_close_object();
	out_end();
}

static int do_encrypt(int argc, char **argv)
{
	static const struct option opts[] = {
		KEY_FILE_OPTS,
		{ "spi", required_argument, NULL, 's' },
		{ "version", required_argument, NULL, 'V' },
		{ "crypt-off", required_argument, NULL, 'c' },
		{ "vc", required_argument, NULL, 'v' },
		{ "tunnel", no_argument, NULL, 't' },
		{ "iv", required_argument, NULL, 'I' },
		{ 0 }
	};
	const char *cmd = "pcap encrypt";
	unsigned int packets = 0, skips[PSP_TX__MAX] = { 0 };
	struct psp_tx_params tx = { 0 };
	struct key_opts k = { 0 };
	struct pcap_io io = { 0 };
	int c, r, ret, have_spi = 0, have_version = 0;
	uint64_t v, iv = 1, iv0;
	uint32_t version = 0;
	struct psp_aead *aead = NULL;
	struct pcap_pkthdr *h;
	const u_char *data;
	static uint8_t frame[FRAME_MAX];
	uint8_t key[PSP_KEY_MAX_LEN];

	optind = 0;
	while ((c = cli_getopt(cmd, argc, argv, "i:o:", opts, usage_encrypt)) > 0) {
		r = key_or_file_opt(cmd, c, &k, &io);
		if (r < 0)
			goto usage;
		if (r)
			continue;
		switch (c) {
		case 's':
			if (parse_spi(cmd, "--spi", optarg, &tx.spi))
				goto usage;
			have_spi = 1;
			break;
		case 'V':
			if (parse_version(cmd, "--version", optarg, &version))
				goto usage;
			have_version = 1;
			break;
		case 'c':
			if (parse_uint(cmd, "--crypt-off", optarg, PSP_CRYPT_OFF_MAX, &v))
				goto usage;
			tx.crypt_off = (uint8_t)v;
			break;
		case 'v':
			if (parse_hex_bytes(cmd, "--vc", optarg, tx.vc, sizeof(tx.vc)))
				goto usage;
			tx.has_vc = 1;
			break;
		case 't':
			tx.tunnel = 1;
			break;
		case 'I':
			if (parse_uint(cmd, "--iv", optarg, UINT64_MAX, &iv))
				goto usage;
			break;
		}
	}
	if (c != CLI_OPTS_END) {
		ret = cli_opts_exit(c);
		goto out;
	}
	ret = check_required(cmd, &k, &io, argc, argv);
	if (!ret && (!have_spi || !have_version))
		ret = usage_error(cmd, "--spi and --version are required");
	if (!ret && !(tx.spi & PSP_SPI_INDEX_MASK))
		ret = usage_error(cmd, "--spi: the lower 31 bits must not be 0");
	if (ret)
		goto out;
	tx.version = (uint8_t)version;

	ret = -psp_derive_key(k.master[tx.spi >> 31], tx.spi, version, key);
	if (!ret) {
		aead = psp_aead_new(version, key);
		ret = aead ? 0 : errno;
	}
	OPENSSL_cleanse(key, sizeof(key));
	if (ret) {
		ret = op_error(ret, "cannot set up the key");
		goto out;
	}
	ret = pcap_io_open(&io);
	if (ret)
		goto out;
	iv0 = iv;
	while ((r = pcap_next_ex(io.in, &h, &data)) == 1) {
		size_t len = 0;
		enum psp_tx_skip skip;

		packets++;
		skip = psp_encap_frame(aead, &tx, iv, data, h->caplen, frame, &len);
		skips[skip]++;
		if (skip) {
			if (cli.verbose)
				fprintf(stderr, "packet %u: skipped: %s\n", packets,
					psp_tx_skip_name(skip));
			continue;
		}
		iv++;
		pcap_io_write(&io, h, frame, len);
	}
	ret = pcap_io_finish(&io, r);
	if (!ret)
		report_encrypt(packets, skips, iv0, iv);
out:
	psp_aead_free(aead);
	pcap_io_close(&io);
	OPENSSL_cleanse(&k, sizeof(k));
	return ret;
usage:
	ret = EXIT_USAGE;
	goto out;
}

static void report_decrypt(unsigned int packets, const uint64_t *cnt, unsigned int not_psp)
{
	static const enum psp_counter drops[] = {
		PSP_CNT_RX_AUTH_FAIL, PSP_CNT_RX_ERROR, PSP_CNT_RX_BAD,
	};

	out_open_object(NULL);
	out_uint("packets", "%llu packets: ", packets);
	out_uint(psp_counter_name(PSP_CNT_RX_PACKETS), "%llu decrypted", cnt[PSP_CNT_RX_PACKETS]);
	out_uint(psp_counter_name(PSP_CNT_RX_BYTES), " (%llu bytes)", cnt[PSP_CNT_RX_BYTES]);
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		out_text(", %s ", psp_counter_name(drops[i]));
		out_uint(psp_counter_name(drops[i]), "%llu", cnt[drops[i]]);
	}
	out_uint("not-psp", ", not-psp %llu\n", not_psp);
	out_close_object();
	out_end();
}

static int do_decrypt(int argc, char **argv)
{
	static const struct option opts[] = { KEY_FILE_OPTS, { 0 } };
	const char *cmd = "pcap decrypt";
	unsigned int packets = 0, not_psp = 0;
	uint64_t cnt[PSP_CNT__MAX] = { 0 };
	struct psp_rx_keys *keys = NULL;
	struct key_opts k = { 0 };
	struct pcap_io io = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	static uint8_t frame[FRAME_MAX];
	int c, r, ret;

	optind = 0;
	while ((c = cli_getopt(cmd, argc, argv, "i:o:", opts, usage_decrypt)) > 0)
		if (key_or_file_opt(cmd, c, &k, &io) <= 0)
			goto usage;
	if (c != CLI_OPTS_END) {
		ret = cli_opts_exit(c);
		goto out;
	}
	ret = check_required(cmd, &k, &io, argc, argv);
	if (ret)
		goto out;
	keys = psp_rx_keys_new();
	if (!keys || psp_rx_keys_set(keys, 0, k.master[0]) || psp_rx_keys_set(keys, 1, k.master[1])) {
		ret = op_error(ENOMEM, "cannot set up the keys");
		goto out;
	}
	ret = pcap_io_open(&io);
	if (ret)
		goto out;
	while ((r = pcap_next_ex(io.in, &h, &data)) == 1) {
		struct psp_rx_info info;
		size_t len = 0;

		packets++;
		switch (psp_decap_frame(keys, data, h->caplen, frame, &len, &info)) {
		case PSP_RX_OK:
			cnt[PSP_CNT_RX_PACKETS]++;
			cnt[PSP_CNT_RX_BYTES] += info.bytes;
			pcap_io_write(&io, h, frame, len);
			break;
		case PSP_RX_DROP:
			cnt[info.drop]++;
			if (cli.verbose)
				fprintf(stderr, "packet %u: %s: %s (spi %08x)\n", packets,
					psp_counter_name(info.drop), info.why, info.spi);
			break;
		case PSP_RX_PASS:
			not_psp++;
			if (cli.verbose)
				fprintf(stderr, "packet %u: not-psp: %s\n", packets, info.why);
			break;
		}
	}
	OPENSSL_cleanse(frame, sizeof(frame));
	ret = pcap_io_finish(&io, r);
	if (!ret)
		report_decrypt(packets, cnt, not_psp);
out:
	psp_rx_keys_free(keys);
	pcap_io_close(&io);
	OPENSSL_cleanse(&k, sizeof(k));
	return ret;
usage:
	ret = EXIT_USAGE;
	goto out;
}

int do_pcap(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "encrypt", do_encrypt },
		{ "decrypt", do_decrypt },
		{ 0 }
	};

	return cmd_dispatch("pcap", cmds, argc - 1, argv + 1, usage);
}
