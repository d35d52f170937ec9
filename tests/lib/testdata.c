// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdata.h"

int tsv_each(const char *path, void (*fn)(char **field, int n, void *arg), void *arg)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lines = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *field[MAX_FIELDS], *save = NULL, *tok;
		int n = 0;

		line[strcspn(line, "\n")] = 0;
		for (tok = strtok_r(line, "\t", &save); tok && n < MAX_FIELDS;
		     tok = strtok_r(NULL, "\t", &save))
			field[n++] = tok;
		fn(field, n, arg);
		lines++;
	}
	fclose(f);
	return lines;
}

int unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2;

	if (strlen(hex) % 2 || n > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	return (int)n;
}

int pcap_load(const char *path, struct frame **frames)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct frame *v = NULL;
	pcap_t *p;
	int n = 0;

	p = pcap_open_offline(path, err);
	if (!p)
		return -1;
	while (pcap_next_ex(p, &h, &data) == 1) {
		struct frame *nv = realloc(v, (n + 1) * sizeof(*v));

		if (!nv)
			abort();
		v = nv;
		v[n].len = h->caplen;
		v[n].data = malloc(h->caplen ? h->caplen : 1);
		memcpy(v[n].data, data, h->caplen);
		n++;
	}
	pcap_close(p);
	*frames = v;
	return n;
}

void frames_free(struct frame *frames, int n)
{
	for (int i = 0; i < n; i++)
		free(frames[i].data);
	free(frames);
}
