/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A command's options from a file: dev add --config FILE, the settings a
 * boot brings a device up with (tools/systemd/psp-bpf@.service.in reads
 * /etc/psp-bpf/DEV.conf). The keys are the command's long options, so a
 * file can say nothing its command line could not.
 */
#ifndef __PSPBPF_CTL_DEVCONF_H
#define __PSPBPF_CTL_DEVCONF_H

#include <getopt.h>

/*
 * Called for each setting of the file: val is the option's getopt value,
 * where "FILE:LINE: KEY" (for the reasons the option parsers give), value
 * the text, or NULL for a flag that is on. Returns 0 or an exit code.
 */
typedef int (*conf_fn)(void *ctx, int val, const char *where, const char *value);

/*
 * Reads path ("-": standard input) line by line:
 *
 *   KEY VALUE     or KEY=VALUE, spaces around '=' allowed
 *   KEY           a flag (no_argument): on; also KEY yes|no
 *   # comment     from '#' to the end of the line; blank lines skipped
 *
 * KEY is a long option of opts other than help and config, spelt whole.
 * An unknown key, a missing or extra value, a key given twice or a file
 * that cannot be read is a usage error naming FILE:LINE; fn's own errors
 * are passed on. Returns 0 or the exit code, the reason printed.
 */
int conf_read(const char *cmd, const char *path, const struct option *opts, conf_fn fn,
	      void *ctx);

#endif /* __PSPBPF_CTL_DEVCONF_H */
