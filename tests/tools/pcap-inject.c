// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * pcap-inject: sends every frame of an Ethernet pcap out of a device, as
 * it is, in order, then reports how many it sent:
 *   pcap-inject IFACE FILE.pcap
 * For replaying captures (the known-answer vectors) into a datapath: what
 * arrives at the peer is byte for byte what the file holds, whatever its
 * addresses.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct sockaddr_ll to = { .sll_family = AF_PACKET };
	const unsigned char *data;
	struct pcap_pkthdr *h;
	unsigned long sent = 0;
	pcap_t *in;
	int fd, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: pcap-inject IFACE FILE.pcap\n");
		return 2;
	}
	in = pcap_open_offline(argv[2], errbuf);
	if (!in) {
		fprintf(stderr, "pcap-inject: %s\n", errbuf);
		return 1;
	}
	if (pcap_datalink(in) != DLT_EN10MB) {
		fprintf(stderr, "pcap-inject: %s: not Ethernet\n", argv[2]);
		return 1;
	}
	to.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!to.sll_ifindex) {
		fprintf(stderr, "pcap-inject: no device %s\n", argv[1]);
		return 1;
	}
	/*
	 * A raw packet socket of protocol 0 sends whole frames, Ethernet
	 * header included, and receives nothing, so that nothing queues up
	 * on it while it sends.
	 */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("pcap-inject: socket");
		return 1;
	}
	while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
		/* a frame cut short by the capture's snaplen is not the frame */
		if (h->caplen != h->len) {
			fprintf(stderr, "pcap-inject: frame %lu truncated (%u of %u bytes)\n",
				sent + 1, h->caplen, h->len);
			return 1;
		}
		if (sendto(fd, data, h->caplen, 0, (struct sockaddr *)&to, sizeof(to)) !=
		    (ssize_t)h->caplen) {
			fprintf(stderr, "pcap-inject: frame %lu (%u bytes): %s\n", sent + 1,
				h->caplen, strerror(errno));
			return 1;
		}
		sent++;
	}
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "pcap-inject: %s: %s\n", argv[2], pcap_geterr(in));
		return 1;
	}
	printf("%lu\n", sent);
	close(fd);
	pcap_close(in);
	return 0;
}
