/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * udp_blast.c - send plain RTP packets as fast as the kernel takes them,
 * for the end-to-end relay benchmark (tests/bench/dp_e2e.sh).
 *
 *   udp_blast DST_IP DST_PORT SECONDS [PAYLOAD_BYTES=188] [SRC_PORT=5002]
 * Prints "sent=N seconds=S" on exit.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[BATCH][1500];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = {.sin_family = AF_INET}, src = {.sin_family = AF_INET};
	double secs, t0, t_end;
	int plen = argc > 4 ? atoi(argv[4]) : 188, fd;
	uint64_t sent = 0;
	uint16_t seq = 0;

	if (argc < 4 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 || plen < 0 || plen > 1400) {
		fprintf(stderr, "usage: udp_blast DST_IP DST_PORT SECONDS [PAYLOAD] [SRC_PORT]\n");
		return 2;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	src.sin_port = htons((uint16_t)(argc > 5 ? atoi(argv[5]) : 5002));
	secs = atof(argv[3]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("udp_blast");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		buf[i][0] = 0x80;
		buf[i][11] = 0x42;
		iov[i].iov_base = buf[i];
		iov[i].iov_len = (size_t)(12 + plen);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now();
	t_end = t0 + secs;
	while (now() < t_end) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			seq++;
			buf[i][2] = (uint8_t)(seq >> 8);
			buf[i][3] = (uint8_t)seq;
		}
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += (uint64_t)n;
	}
	printf("sent=%llu seconds=%.3f\n", (unsigned long long)sent, now() - t0);
	close(fd);
	return 0;
}
