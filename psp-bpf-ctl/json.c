// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* A streaming JSON writer, just big enough for psp-bpf-ctl's output. */
#include <stdarg.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 16

static struct {
	FILE *f;
	int json, pretty;
	int depth;
	int first[MAX_DEPTH];	/* nothing written yet at this depth */
} o = { .first = { 1 } };

void out_init(FILE *f, int json, int pretty)
{
	o.f = f;
	o.json = json || pretty;
	o.pretty = pretty;
	o.depth = 0;
	o.first[0] = 1;
}

int out_is_json(void)
{
	return o.json;
}

FILE *out_file(void)
{
	return o.f ? o.f : stdout;
}

static void indent(void)
{
	if (!o.pretty)
		return;
	fputc('\n', out_file());
	for (int i = 0; i < o.depth; i++)
		fputs("    ", out_file());
}

static void quoted(const char *s)
{
	FILE *f = out_file();

	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Comma, indentation and key before a value. */
static void member(const char *key)
{
	if (!o.first[o.depth])
		fputc(',', out_file());
	o.first[o.depth] = 0;
	if (o.depth)
		indent();
	if (key) {
		quoted(key);
		fputs(o.pretty ? ": " : ":", out_file());
	}
}

static void nest_open(const char *key, char c)
{
	if (!o.json)
		return;
	member(key);
	fputc(c, out_file());
	if (o.depth + 1 < MAX_DEPTH)
		o.depth++;
	o.first[o.depth] = 1;
}

static void nest_close(char c)
{
	int empty;

	if (!o.json)
		return;
	empty = o.first[o.depth];
	if (o.depth)
		o.depth--;
	if (!empty)
		indent();
	fputc(c, out_file());
}

void out_open_object(const char *key)
{
	nest_open(key, '{');
}

void out_close_object(void)
{
	nest_close('}');
}

void out_open_array(const char *key)
{
	nest_open(key, '[');
}

void out_close_array(void)
{
	nest_close(']');
}

void out_uint(const char *key, const char *fmt, uint64_t v)
{
	if (o.json) {
		member(key);
		fprintf(out_file(), "%llu", (unsigned long long)v);
	} else if (fmt) {
		fprintf(out_file(), fmt, (unsigned long long)v);
	}
}

void out_bool(const char *key, const char *fmt, int v)
{
	if (o.json) {
		member(key);
		fputs(v ? "true" : "false", out_file());
	} else if (fmt) {
		fprintf(out_file(), fmt, v ? "yes" : "no");
	}
}

void out_string(const char *key, const char *fmt, const char *s)
{
	if (o.json) {
		member(key);
		quoted(s);
	} else if (fmt) {
		fprintf(out_file(), fmt, s);
	}
}

void out_hex(const char *key, const char *fmt, const uint8_t *buf, size_t len)
{
	char hex[2 * 64 + 1];

	if (len > 64)
		len = 64;
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	hex[2 * len] = 0;
	out_string(key, fmt, hex);
	explicit_bzero(hex, sizeof(hex));	/* it may have been a key */
}

void out_hex32(const char *key, const char *fmt, uint32_t v)
{
	char hex[9];

	snprintf(hex, sizeof(hex), "%08x", v);
	out_string(key, fmt, hex);
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (o.json)
		return;
	va_start(ap, fmt);
	vfprintf(out_file(), fmt, ap);
	va_end(ap);
}

/* Ends a document, if one was begun: the next value starts a new one
 * (monitor and add-assoc --batch print a stream of them). */
void out_end(void)
{
	if (o.json && !o.first[0])
		fputc('\n', out_file());
	fflush(out_file());
	o.depth = 0;
	o.first[0] = 1;
}
