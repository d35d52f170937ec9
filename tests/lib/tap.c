// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

struct test {
	const char *name;
	test_fn fn;
	struct test *next;
};

static struct test *tests, **tests_tail = &tests;
static unsigned int n_run, n_failed;

void test_register(const char *name, test_fn fn)
{
	struct test *t = calloc(1, sizeof(*t));

	if (!t)
		abort();
	t->name = name;
	t->fn = fn;
	*tests_tail = t;
	tests_tail = &t->next;
}

int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	n_run++;
	if (!cond)
		n_failed++;
	printf("%sok %u - ", cond ? "" : "not ", n_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void hex_line(const char *label, const uint8_t *p, size_t len, size_t from)
{
	size_t to = from + 16 < len ? from + 16 : len;

	printf("#   %-5s @%-5zu", label, from);
	for (size_t i = from; i < to; i++)
		printf(" %02x", p[i]);
	putchar('\n');
}

int bytes_equal(const uint8_t *want, size_t want_len, const uint8_t *got, size_t got_len)
{
	size_t n = want_len < got_len ? want_len : got_len, i;

	for (i = 0; i < n && want[i] == got[i]; i++)
		;
	if (i == n && want_len == got_len)
		return 1;
	tap_diag("length want %zu got %zu, first difference at byte %zu", want_len, got_len, i);
	i &= ~(size_t)15;
	hex_line("want", want, want_len, i);
	hex_line("got", got, got_len, i);
	return 0;
}

const char *test_dir(const char *env, const char *fallback)
{
	const char *v = getenv(env);

	return v && *v ? v : fallback;
}

int tap_done(void)
{
	printf("1..%u\n", n_run);
	if (n_failed)
		tap_diag("%u of %u failed", n_failed, n_run);
	return n_failed ? 1 : 0;
}

void tap_run(const char *only)
{
	for (struct test *t = tests; t; t = t->next) {
		if (only && !strstr(t->name, only))
			continue;
		tap_diag("%s", t->name);
		t->fn();
	}
}
