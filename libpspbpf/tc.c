// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * TC programs on a device's egress (psp_tx) or ingress (psp_seal, on the
 * seal port): a tcx link, pinned as <pin>_link; before Linux 6.6 (no
 * tcx), a cls_bpf filter on clsact, the program pinned as <pin>_prog so
 * that a later command knows to remove the filter.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pspbpf_int.h"

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46	/* Linux 6.6; libbpf 1.1.2 predates them */
#define BPF_TCX_EGRESS 47
#endif

/* Our cls_bpf filter where there is no tcx. */
#define PSP_TC_HANDLE	0x5053	/* "PS" */
#define PSP_TC_PRIO	1

int tc_attach(int ifindex, int prog, bool ingress, const char *pin)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = PSP_TC_HANDLE, .priority = PSP_TC_PRIO,
		    .prog_fd = prog);
	int link = bpf_link_create(prog, ifindex, ingress ? BPF_TCX_INGRESS : BPF_TCX_EGRESS,
				   NULL), err = 0;
	char path[256];

	if (link >= 0) {
		snprintf(path, sizeof(path), "%s_link", pin);
		if (bpf_obj_pin(link, path))
			err = -errno;
		close(link);
		return err;
	}
	if (errno != EINVAL)
		return -errno;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	err = bpf_tc_attach(&hook, &tc);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s_prog", pin);
	if (!bpf_obj_pin(prog, path))
		return 0;
	err = -errno;
	tc.prog_fd = tc.prog_id = tc.flags = 0;
	bpf_tc_detach(&hook, &tc);
	return err;
}

void tc_detach(int ifindex, bool ingress, const char *pin)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = PSP_TC_HANDLE, .priority = PSP_TC_PRIO);
	char path[256];

	snprintf(path, sizeof(path), "%s_prog", pin);
	if (!access(path, F_OK))
		bpf_tc_detach(&hook, &tc);
	/* a tcx link goes with its pin (dev_dir_remove()) */
}
