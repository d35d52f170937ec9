// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Walks of the pinned maps in batches (map_iter.h). */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>

#include "map_iter.h"

/* Entries a lookup batch asks for: room for any hash bucket's. */
#define MAP_BATCH	4096

void *map_entries(int map_fd, size_t key_size, size_t value_size, size_t *n, void **values)
{
	char *keys = NULL, *vals = NULL;
	size_t cap = 0;
	__u32 token;
	int done = 0, err;

	*n = 0;
	*values = NULL;
	while (!done) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		__u32 count = MAP_BATCH;

		if (*n + MAP_BATCH > cap) {
			char *k = realloc(keys, (cap += MAP_BATCH) * key_size);
			char *v = k ? realloc(vals, cap * value_size) : NULL;

			keys = k ?: keys;
			vals = v ?: vals;
			if (!v)
				goto fail;
		}
		if (bpf_map_lookup_batch(map_fd, *n ? &token : NULL, &token, keys + *n * key_size,
					 vals + *n * value_size, &count, &o)) {
			if (errno != ENOENT)
				goto fail;
			done = 1;
		}
		*n += count;
	}
	*values = vals;
	return keys;
fail:
	err = errno;
	free(keys);
	free(vals);
	*n = 0;
	errno = err;
	return NULL;
}

size_t map_delete_keys(int map_fd, const void *keys, size_t key_size, size_t n)
{
	size_t done = 0, gone = 0;

	while (done < n) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		__u32 count = (__u32)(n - done < MAP_BATCH ? n - done : MAP_BATCH);

		/* it stops at a key that is not there: the rest go on */
		if (bpf_map_delete_batch(map_fd, (const char *)keys + done * key_size, &count, &o))
			done++;
		done += count;
		gone += count;
	}
	return gone;
}

void *map_keys(int map_fd, size_t key_size, size_t *n)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	void *keys, *values;

	*n = 0;
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) || info.key_size != key_size)
		return NULL;
	keys = map_entries(map_fd, key_size, info.value_size, n, &values);
	free(values);
	return keys;
}
