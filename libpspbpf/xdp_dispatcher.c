// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-bpf's dispatcher for libxdp (bpf/libxdp/xdp-dispatcher.bpf.c), in
 * a directory libxdp loads it from.
 *
 * The shared libxdp finds its dispatcher in LIBXDP_OBJECT_PATH if set,
 * else in the directory it was built with. psp-bpf writes its own to
 * PSP_LIBXDP_DIR and names that directory to libxdp while it attaches or
 * detaches psp_rx; a user's own LIBXDP_OBJECT_PATH is left as it is.
 * (Debian's xdp-loader and xdp-filter link libxdp statically, with its
 * dispatcher inside, and read no directory for it.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pspbpf_int.h"
#include "xdp_dispatcher.skel.h"

#define PSP_RUN_DIR		"/run/psp-bpf"
#define LIBXDP_ENV		"LIBXDP_OBJECT_PATH"
#define DISPATCHER_NAME		"xdp-dispatcher.o"

static int make_dir(void)
{
	if (mkdir(PSP_RUN_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(PSP_LIBXDP_DIR, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Replaced whole (rename), so that a libxdp reading it meanwhile sees
 * the old object or the new one, never half of one. */
static int write_dispatcher(void)
{
	char tmp[sizeof(PSP_LIBXDP_DIR "/" DISPATCHER_NAME) + 16];
	size_t size;
	const char *elf = xdp_dispatcher__elf_bytes(&size);
	ssize_t n = 0;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", PSP_LIBXDP_DIR, DISPATCHER_NAME, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < size && n >= 0; off += (size_t)n)
		n = write(fd, elf + off, size - off);
	if (n < 0 || close(fd))
		err = -errno;
	if (!err && rename(tmp, PSP_LIBXDP_DIR "/" DISPATCHER_NAME))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

bool libxdp_objects_enter(void)
{
	if (getenv(LIBXDP_ENV) || make_dir() || write_dispatcher())
		return false;
	return !setenv(LIBXDP_ENV, PSP_LIBXDP_DIR, 1);
}

void libxdp_objects_leave(bool entered)
{
	if (entered)
		unsetenv(LIBXDP_ENV);
}
