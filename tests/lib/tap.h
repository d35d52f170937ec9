/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A small TAP producer for the C unit tests. Each TEST() is a function;
 * every result a reader should be able to count is one tap_ok() line.
 * The runner prints the plan at the end and exits 1 if anything failed.
 * A program with arguments of its own (the fuzzers) calls tap_ok() and
 * tap_done() from its own main().
 */
#ifndef __PSP_TAP_H
#define __PSP_TAP_H

#include <stddef.h>
#include <stdint.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void register_##name(void)	\
	{								\
		test_register(#name, test_##name);			\
	}								\
	static void test_##name(void)

/* Runs the registered tests (those whose name holds only, if not NULL);
 * tests/lib/tap_main.c is the runner of the suites that are TEST()s. */
void tap_run(const char *only);
/* The plan line; the exit status: 1 if anything failed. */
int tap_done(void);

/* One TAP result line; returns cond so callers can stop early. */
int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Compare two buffers; on a difference print where, as diagnostics. */
int bytes_equal(const uint8_t *want, size_t want_len, const uint8_t *got, size_t got_len);

/* Environment lookups with a default, for the test data directories. */
const char *test_dir(const char *env, const char *fallback);

#endif /* __PSP_TAP_H */
