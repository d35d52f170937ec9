/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The top-level commands of psp-bpf-ctl, one file each. */
#ifndef __PSPBPF_CTL_CMDS_H
#define __PSPBPF_CTL_CMDS_H

int do_pcap(int argc, char **argv);
int do_derive(int argc, char **argv);
int do_dev(int argc, char **argv);
int do_key_import(int argc, char **argv);
int do_key_rotate(int argc, char **argv);
int do_rx_assoc(int argc, char **argv);
int do_tx_assoc(int argc, char **argv);
int do_add_assoc(int argc, char **argv);
int do_del_assoc(int argc, char **argv);
int do_assoc(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_gc(int argc, char **argv);

#endif /* __PSPBPF_CTL_CMDS_H */
