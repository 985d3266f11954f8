/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_ctl_sock.c - the control socket server (unix SOCK_SEQPACKET).
 *
 * One thread, poll(2) over the listening socket and up to DP_CTL_CLIENTS
 * clients. Every 5 ms (or after each message) it also drains the neighbour
 * events the io lcores posted and releases the stream state whose RCU grace
 * period has ended (dp_flow_reclaim()). Message boundaries are the socket's: one
 * request per recv, one reply per send.
 *
 * Context: the data plane control thread.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "dp_ctl.h"
#include "dp_main.h"
#include "dp_neigh_ctl.h"
#include "tsr_log.h"

#define DP_CTL_CLIENTS 16

static int
listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 ||
	    listen(fd, 64) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void
serve_client(struct dp_main *dm, struct pollfd *p, char *req, char *resp)
{
	ssize_t n = recv(p->fd, req, DP_CTL_MAX_MSG, MSG_TRUNC);
	size_t rlen;

	if (n <= 0) {
		close(p->fd);
		p->fd = -1;
		return;
	}
	if (n > DP_CTL_MAX_MSG) {
		static const char big[] = "{\"v\":1,\"ok\":false,\"error\":{\"code\":\"E2BIG\","
					  "\"message\":\"request larger than 65536 bytes\"}}";

		if (send(p->fd, big, sizeof(big) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			TSR_WARN("dp.ctl", "reply lost\terr=\"%s\"", strerror(errno));
		return;
	}
	rlen = dp_ctl_handle(dm, req, (size_t)n, resp, DP_CTL_MAX_MSG);
	/* Never block the control thread on a client that does not read its replies. */
	if (send(p->fd, resp, rlen, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		TSR_WARN("dp.ctl", "reply lost, closing the client\terr=\"%s\"", strerror(errno));
		close(p->fd);
		p->fd = -1;
	}
}

int
dp_ctl_serve(struct dp_main *dm, const char *path)
{
	struct pollfd pfd[1 + DP_CTL_CLIENTS];
	char *req = malloc(DP_CTL_MAX_MSG), *resp = malloc(DP_CTL_MAX_MSG);
	int lfd = listen_on(path);

	if (lfd < 0 || req == NULL || resp == NULL) {
		free(req);
		free(resp);
		if (lfd >= 0)
			close(lfd);
		return lfd < 0 ? lfd : -ENOMEM;
	}
	TSR_INFO("dp.ctl", "control socket ready\tpath=%s", path);
	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	for (int i = 1; i <= DP_CTL_CLIENTS; i++) {
		pfd[i].fd = -1;
		pfd[i].events = POLLIN;
	}
	while (!dm->quit) {
		int n = poll(pfd, 1 + DP_CTL_CLIENTS, 5);

		dp_neigh_poll(dm, rte_rdtsc(), rte_get_tsc_hz());
		dp_clock_poll(&dm->clock);
		/* Free what deletes and updates left for after their grace period. */
		dp_flow_reclaim(&dm->flows);
		dp_esp_reclaim(&dm->esp);
		if (n <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			int slot = 0;

			for (int i = 1; i <= DP_CTL_CLIENTS && cfd >= 0; i++)
				if (pfd[i].fd < 0) {
					slot = i;
					break;
				}
			if (cfd >= 0 && slot == 0) {
				TSR_WARN("dp.ctl", "too many control clients\tmax=%d", DP_CTL_CLIENTS);
				close(cfd);
			} else if (cfd >= 0) {
				pfd[slot].fd = cfd;
			}
		}
		for (int i = 1; i <= DP_CTL_CLIENTS; i++)
			if (pfd[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				serve_client(dm, &pfd[i], req, resp);
	}
	for (int i = 1; i <= DP_CTL_CLIENTS; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	close(lfd);
	unlink(path);
	free(req);
	free(resp);
	return 0;
}
