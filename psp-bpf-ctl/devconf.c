// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * dev add --config FILE: options from a file (devconf.h). The values go
 * through the command's own parsers, which name the file and line in the
 * reason; this file only splits lines into keys and values, and refuses
 * what a line cannot mean. A boot that reads a wrong file should stop at
 * it, not bring a device up otherwise than the operator wrote: so a key
 * given twice is an error, not "the last one wins".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "devconf.h"

#define KEYS_MAX	32

/* Options a file cannot give: the help, and the file itself. */
static int is_key(const struct option *o)
{
	return strcmp(o->name, "help") && strcmp(o->name, "config");
}

static const struct option *key_find(const struct option *opts, const char *name)
{
	for (const struct option *o = opts; o->name; o++)
		if (is_key(o) && !strcmp(o->name, name))
			return o;
	return NULL;
}

/* "backend, versions, ...": the keys, for the reason of an unknown one */
static void key_list(const struct option *opts, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (const struct option *o = opts; o->name && len < size; o++)
		if (is_key(o))
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
						o->name);
}

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = 0;
	return s;
}

/* A flag's value: none or yes turns it on (1), no leaves it off (0). */
static int flag_value(const char *cmd, const char *where, const char *value)
{
	if (!*value || !strcmp(value, "yes"))
		return 1;
	if (!strcmp(value, "no"))
		return 0;
	usage_error(cmd, "%s: '%s' is neither yes nor no", where, value);
	return -1;
}

struct conf {
	const char *cmd, *name;
	const struct option *opts;
	conf_fn fn;
	void *ctx;
	unsigned int seen[KEYS_MAX];	/* by option index: the line it was on */
};

/* One line, its comment cut off: 0 or the exit code. */
static int conf_line(struct conf *c, unsigned int lineno, char *line)
{
	char where[512], keys[256], *key, *value, *end;
	const struct option *o;
	unsigned int *seen;
	int on;

	key = trim(line);
	if (!*key)
		return 0;
	end = key + strcspn(key, " \t=");
	value = end + strspn(end, " \t");
	if (*value == '=')
		value = trim(value + 1);
	*end = 0;
	snprintf(where, sizeof(where), "%s:%u: %s", c->name, lineno, key);
	o = *key ? key_find(c->opts, key) : NULL;
	if (!o) {
		key_list(c->opts, keys, sizeof(keys));
		return usage_error(c->cmd, "%s:%u: unknown key '%s' (%s)", c->name, lineno, key,
				   keys);
	}
	seen = &c->seen[o - c->opts];
	if (*seen)
		return usage_error(c->cmd, "%s: given twice (line %u first)", where, *seen);
	*seen = lineno;
	if (value[strcspn(value, " \t")])
		return usage_error(c->cmd, "%s: one value, not '%s'", where, value);
	if (o->has_arg == no_argument) {
		on = flag_value(c->cmd, where, value);
		if (on < 0)
			return EXIT_USAGE;
		return on ? c->fn(c->ctx, o->val, where, NULL) : 0;
	}
	if (!*value)
		return usage_error(c->cmd, "%s: a value is missing", where);
	return c->fn(c->ctx, o->val, where, value);
}

int conf_read(const char *cmd, const char *path, const struct option *opts, conf_fn fn,
	      void *ctx)
{
	struct conf c = { .cmd = cmd, .name = path, .opts = opts, .fn = fn, .ctx = ctx };
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	unsigned int lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	if (!strcmp(path, "-"))
		c.name = "stdin";
	if (!f)
		return usage_error(cmd, "--config: %s: %s", path, strerror(errno));
	while (!ret && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		/* a NUL would end the line early, and hide what follows */
		if (strlen(line) != (size_t)n) {
			ret = usage_error(cmd, "%s:%u: a NUL byte", c.name, lineno);
			break;
		}
		line[strcspn(line, "#")] = 0;
		ret = conf_line(&c, lineno, line);
	}
	/* a directory opens, and fails the first read (EISDIR) */
	if (!ret && ferror(f))
		ret = usage_error(cmd, "--config: %s: %s", path, strerror(errno));
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}
