/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Test inputs: the vector tables (TSV, made from the JSON by jq) and pcaps. */
#ifndef __PSP_TESTDATA_H
#define __PSP_TESTDATA_H

#include <stddef.h>
#include <stdint.h>

#define MAX_FIELDS 16

/* Calls fn for each line of a TSV file with its fields split in place;
 * returns the number of lines, or -1 if the file cannot be read. */
int tsv_each(const char *path, void (*fn)(char **field, int n, void *arg), void *arg);

/* Hex string to bytes; returns the byte count or -1. */
int unhex(const char *hex, uint8_t *out, size_t max);

struct frame {
	uint8_t *data;
	size_t len;
};

/* Reads every frame of a pcap file; returns the count or -1. */
int pcap_load(const char *path, struct frame **frames);
void frames_free(struct frame *frames, int n);

#endif /* __PSP_TESTDATA_H */
