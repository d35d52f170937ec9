/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * psp-bpf-ctl command lines from a grammar of every command and option
 * (cli_gen.c): well-formed ones with values that parse, ones with one
 * value that must not parse, and free mutations of either (words missing,
 * repeated, swapped, foreign or odd). A line is a function of the seed and
 * its index alone, never of the state it meets: the same seed gives the
 * same lines.
 */
#ifndef __PSP_FUZZ_CLI_GEN_H
#define __PSP_FUZZ_CLI_GEN_H

#include <stddef.h>
#include <stdint.h>

#define GEN_ARGS_MAX	48

/* What a line may exit with, as a set of exit codes (bit n: exit n). */
enum gen_class {
	GEN_WELL,	/* well-formed: exit 0 or 1 (0 where no state is involved) */
	GEN_BADVAL,	/* one value that does not parse: exit 2 */
	GEN_FREE,	/* mutated: 0, 1 or 2 */
	GEN__CLASSES
};

extern const char *const gen_class_name[GEN__CLASSES];

/* The world the lines name (cli_world.h sets it up). */
#define GEN_NETNS_W	"fzw"	/* the fuzzer's own namespace, by name */
#define GEN_NETNS_N	"fzn"	/* a second one */

/* Where a line's batch lines are, in the worker's directory, besides stdin. */
#define GEN_BATCH_FILE	"batch.txt"

/* A pcap vector the pcap commands can use: files and parameters. */
struct gen_vector {
	char clear[96], psp[96];	/* paths relative to the worker's directory */
	char master0[65], master1[65], spi[9], vc[17], iv[24];
	unsigned int version, crypt_off;
	int tunnel, has_vc;
};

struct gen_world {
	const struct gen_vector *vectors;
	size_t n_vectors;
};

struct gen_line {
	int argc;
	char *argv[GEN_ARGS_MAX + 1];	/* argv[0] is "psp-bpf-ctl" */
	char *input;			/* batch lines, for GEN_BATCH_FILE and stdin */
	size_t input_len, input_cap;
	const char *stdin_path;		/* else stdin is input, or /dev/null */
	enum gen_class cls;
	unsigned int expect;		/* bit n set: exit n is right */
	const char *cmd;		/* the grammar's command, for the counts */
	char what[160];			/* what was done to it, for a report */
	char *arena;			/* the strings above */
	size_t used, cap;
};

/* Makes line index of seed: l is reset first. 0, or -1 out of memory. */
int gen_line(struct gen_line *l, uint32_t seed, uint64_t index, const struct gen_world *w);
void gen_line_free(struct gen_line *l);

/* The grammar's commands, by name, for the counts. */
size_t gen_commands(const char *const **names);

#endif /* __PSP_FUZZ_CLI_GEN_H */
