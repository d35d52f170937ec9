/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Output for psp-bpf-ctl: one call per field serves both the text and the
 * -j form, in the manner of iproute2's print_*(PRINT_ANY, ...). In JSON
 * mode the key is used and the format ignored; in text mode the format is
 * printed (a NULL format prints nothing).
 */
#ifndef __PSPBPF_CTL_JSON_H
#define __PSPBPF_CTL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void out_init(FILE *f, int json, int pretty);
int out_is_json(void);
FILE *out_file(void);

void out_open_object(const char *key);	/* key NULL: at top level or in an array */
void out_close_object(void);
void out_open_array(const char *key);
void out_close_array(void);

void out_uint(const char *key, const char *fmt, uint64_t v);
/* true or false in JSON; the text form prints fmt with "yes" or "no". */
void out_bool(const char *key, const char *fmt, int v);
void out_string(const char *key, const char *fmt, const char *s);
void out_hex(const char *key, const char *fmt, const uint8_t *buf, size_t len);
/* A 32-bit value as 8 hex digits (SPIs: what --spi takes back). */
void out_hex32(const char *key, const char *fmt, uint32_t v);
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Ends the document: a newline after the JSON value. */
void out_end(void);

#endif /* __PSPBPF_CTL_JSON_H */
