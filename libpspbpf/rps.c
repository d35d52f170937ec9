// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Receive packet steering on a device psp-bpf owns. A veth has one
 * receive queue and no RSS: what arrives on it is processed in the
 * softirq of the CPU that sent it. Without RPS every PSP flow of a sender
 * is sealed on that sender's CPU, one after another; with it, each flow's
 * segments are sealed on a CPU picked by the flow's hash (make bench,
 * operations.md). rps_cpus is per network namespace, and /sys is the one
 * of the namespace it was mounted in, which need not be the caller's
 * (psp-bpf-ctl -n, setns): a sysfs instance made here, never attached to
 * any mount point, is the caller's namespace's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/sysinfo.h>

#include "pspbpf_int.h"

/* every CPU the host may have, as rps_cpus reads it: 32-bit hex words */
static void all_cpus_mask(char *buf, size_t len)
{
	int n = get_nprocs_conf(), words = (n + 31) / 32;
	size_t off = 0;

	for (int w = words - 1; w >= 0 && off < len; w--) {
		int bits = n - w * 32 > 32 ? 32 : n - w * 32;
		unsigned int word = bits == 32 ? ~0u : (1u << bits) - 1;

		off += (size_t)snprintf(buf + off, len - off, w ? "%x," : "%x\n", word);
	}
}

int rps_all_cpus(const char *ifname)
{
	char path[96], mask[160];
	int fs, mnt = -1, fd = -1, err = 0;
	ssize_t len;

	fs = fsopen("sysfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOEXEC)) < 0) {
		err = -errno;
		goto out;
	}
	snprintf(path, sizeof(path), "class/net/%s/queues/rx-0/rps_cpus", ifname);
	fd = openat(mnt, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	all_cpus_mask(mask, sizeof(mask));
	len = write(fd, mask, strlen(mask));
	if (len < 0)
		err = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (mnt >= 0)
		close(mnt);
	close(fs);
	return err;
}
