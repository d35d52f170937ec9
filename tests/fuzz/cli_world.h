/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The world the CLI fuzzer's commands act on (cli_world.c), one per
 * worker and its own: a mount namespace with a BPF filesystem and
 * /run/netns of its own (no pin of the host's is ever seen, let alone
 * touched), its network namespace (named fzw) and a second one (fzn),
 * veth pairs, PSP devices made by psp-bpf-ctl itself (fa0, fc0 in fzw;
 * na0 in fzn), a few associations, and the files the commands read.
 */
#ifndef __PSP_FUZZ_CLI_WORLD_H
#define __PSP_FUZZ_CLI_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "cli_gen.h"
#include "cli_snap.h"

#define WORLD_NETNS	2

struct world_file {
	char path[128];			/* in the worker's directory */
	uint8_t *data;
	size_t len;
	int64_t mtime_ns;
};

struct world {
	const char *ctl;		/* the psp-bpf-ctl that makes it */
	char dir[256];			/* the worker's directory, the commands' cwd */
	int netns[WORLD_NETNS];		/* fzw (ours), fzn */
	uint64_t cookie[WORLD_NETNS];
	struct world_file *files;	/* what the commands read, kept as made */
	size_t n_files;
	char err[512];
};

/* Vectors and their files, for the pcap commands. */
struct world_vectors {
	struct gen_vector *v;
	size_t n;
	const char *dir;		/* PSP_VECTORS: where the pcaps are */
};

/* Loads the vectors from PSP_TEST_DATA's vectors.tsv: 0, or -1 (none). */
int world_vectors_load(struct world_vectors *wv, const char *tsv, const char *dir);

/* In the calling process, which becomes the worker: its namespaces, its
 * files, its devices. 0, or -1 with w->err set. */
int world_make(struct world *w, const char *ctl, const char *dir,
	       const struct world_vectors *wv);

/* After a command that changed the state: the devices the lines count
 * on (fa0, na0) made again if gone, any other than fc0 removed. Returns
 * the number of repairs, or -1 with w->err set. */
int world_repair(struct world *w, const struct snap *s);

/* The files the commands read, put back if a command wrote over one (an
 * output path in place of an input is a mutation like any). Returns how
 * many were. */
int world_files_check(struct world *w);

/* psp-bpf-ctl with argv (NULL-terminated, without the program) and no
 * leak check: 0 if it exited 0, else -1 with its stderr in w->err. */
int world_ctl(struct world *w, const char *const *argv);

#endif /* __PSP_FUZZ_CLI_WORLD_H */
