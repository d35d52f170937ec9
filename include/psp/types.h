/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Fixed-width types for the psp-bpf ABI headers.
 *
 * The same headers are compiled in three places: BPF programs (which get
 * their types from vmlinux.h and must not include system headers), the
 * kernel module and userspace (both of which have <linux/types.h>).
 */
#ifndef __PSP_TYPES_H
#define __PSP_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#endif /* __PSP_TYPES_H */
