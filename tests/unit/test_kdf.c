// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Key derivation against vectors/kdf.json: every input block and key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psp_ref.h"
#include "tap.h"
#include "testdata.h"

/* kdf.tsv: master spi version block1 [block2] key */
static void check_kdf(char **f, int n, void *arg)
{
	uint8_t master[32], want[32], got[32], block[16], want_block[16];
	uint32_t spi = (uint32_t)strtoul(f[1], NULL, 16);
	uint32_t version = (uint32_t)atoi(f[2]);
	uint32_t len = psp_key_len(version);
	int ok;

	(void)arg;
	ok = n >= 5 && unhex(f[0], master, 32) == 32 &&
	     unhex(f[n - 1], want, 32) == (int)len;
	for (int i = 1; ok && i <= (int)len / 16; i++) {
		psp_kdf_input(i, spi, len * 8, block);
		ok = unhex(f[2 + i], want_block, 16) == 16 &&
		     bytes_equal(want_block, 16, block, 16);
	}
	ok = ok && psp_derive_key(master, spi, version, got) == 0 &&
	     bytes_equal(want, len, got, len);
	tap_ok(ok, "kdf master %.8s.. spi %s version %u", f[0], f[1], version);
}

TEST(kdf_vectors)
{
	char path[4096];
	int n;

	snprintf(path, sizeof(path), "%s/kdf.tsv", test_dir("PSP_TEST_DATA", "build/tests"));
	n = tsv_each(path, check_kdf, NULL);
	tap_ok(n == 96, "kdf.json has 96 vectors (read %d from %s)", n, path);
}

TEST(kdf_rejects_bad_version)
{
	uint8_t master[32] = { 0 }, key[32];

	tap_ok(psp_derive_key(master, 1, 4, key) < 0, "kdf refuses version 4");
}
