// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-nic-emu: puts the emulated PSP NIC (psp_nic.bpf.c) on its two
 * ports, in the network namespace it runs in, for PSP device DEV_ID:
 *   psp-nic-emu HOST_PORT WIRE_PORT DEV_ID
 * The ports should be bridged. The programs stay attached when it exits.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "psp_nic.skel.h"
#include "pspbpf.h"

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = PSPBPF_PIN_MAPS);
	unsigned int host, wire;
	struct psp_nic *skel;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: psp-nic-emu HOST_PORT WIRE_PORT DEV_ID\n");
		return 2;
	}
	host = if_nametoindex(argv[1]);
	wire = if_nametoindex(argv[2]);
	if (!host || !wire) {
		fprintf(stderr, "psp-nic-emu: no device %s\n", host ? argv[2] : argv[1]);
		return 1;
	}
	skel = psp_nic__open_opts(&opts);
	if (!skel)
		return 1;
	skel->rodata->dev_id = (__u32)strtoul(argv[3], NULL, 0);
	skel->rodata->host_ifindex = host;
	err = psp_nic__load(skel);
	if (!err)
		err = bpf_xdp_attach((int)host, bpf_program__fd(skel->progs.nic_from_host),
				     XDP_FLAGS_DRV_MODE, NULL);
	if (!err)
		err = bpf_xdp_attach((int)wire, bpf_program__fd(skel->progs.nic_from_wire),
				     XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		fprintf(stderr, "psp-nic-emu: %s (the PSP state pinned? dev add first)\n",
			strerror(-err));
	psp_nic__destroy(skel);
	return err ? 1 : 0;
}
