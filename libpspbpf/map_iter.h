/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Walks of the pinned maps from userspace (map_iter.c): a key at a time
 * for the small ones (psp_devs holds PSP_MAX_DEVS entries at the most), in
 * batches for those of associations, which may hold millions.
 */
#ifndef __PSPBPF_MAP_ITER_H
#define __PSPBPF_MAP_ITER_H

#include <stddef.h>
#include <bpf/bpf.h>

/*
 * for each key of the map, in key (as xdp-tools' FOR_EACH_MAP_KEY). The
 * walk goes on from the key it is at, so the body must not delete it: a
 * hash map walked from a key it lacks starts again from its first.
 * Walks that delete read the keys first (map_keys()).
 */
#define FOR_EACH_MAP_KEY(map_fd, key)						\
	for (int __more = !bpf_map_get_next_key(map_fd, NULL, &(key)); __more;	\
	     __more = !bpf_map_get_next_key(map_fd, &(key), &(key)))

/* The keys of a hash map (not per-CPU), malloc'ed, read in batches: a
 * walk that deletes entries as it goes would lose its place. NULL, errno
 * set, if they could not all be read. */
void *map_keys(int map_fd, size_t key_size, size_t *n);
/* The keys of a hash map, and in *values its values, read in batches (a
 * few system calls for a million entries); free() both. NULL, with *n 0
 * and errno set, if the map could not be read whole: a caller that
 * deletes what a list lacks must not take part of one for the whole. */
void *map_entries(int map_fd, size_t key_size, size_t value_size, size_t *n, void **values);
/* Deletes the n keys from the map in batches, those not there skipped;
 * returns how many went. */
size_t map_delete_keys(int map_fd, const void *keys, size_t key_size, size_t n);

#endif /* __PSPBPF_MAP_ITER_H */
