/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_media.h - the node's client of the data plane control socket.
 *
 * tessera-node never touches media packets: it allocates local media ports
 * (even ports of a configured range, each with port + 1 kept free for RTCP
 * without rtcp-mux) and creates, links and deletes relay streams through the
 * data plane's control protocol (dataplane/include/dp_ctl.h, unix
 * SOCK_SEQPACKET, one JSON object per message, docs/dataplane.md).
 *
 * Requests are synchronous with a short receive timeout: the data plane
 * answers from its control thread in microseconds, and a blocked main loop
 * for at most CP_MEDIA_TIMEOUT_MS is the price of not having a request queue
 * yet. The socket is (re)connected lazily, so the node starts before the data
 * plane and survives its restart (streams of live calls are lost with it).
 *
 * Context: control path (cp main loop) only.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cp_sdp.h"

#define CP_MEDIA_TIMEOUT_MS 2000

struct cp_media;

/** One direction of a relay: what arrives on the local port goes to relay_to. */
struct cp_media_stream_cfg {
	const char *local_ip; /* borrowed */
	uint16_t local_port;
	const char *remote_ip; /* borrowed; NULL: leave to latching */
	uint16_t remote_port;
	bool rtcp_mux;
	enum cp_srtp_suite in_suite; /* CP_SRTP_NONE: plain RTP in */
	const char *in_key;	     /* borrowed base64, secret */
	enum cp_srtp_suite out_suite;
	const char *out_key;
	int64_t relay_to; /* stream id, or -1 for none */
};

/**
 * Create the client.
 * @param sock_path  data plane control socket (copied)
 * @param port_lo    first media port (even, >= 1024)
 * @param port_hi    last media port (>= port_lo + 1)
 * @param out        returns owned; free with cp_media_destroy()
 * @return 0, -EINVAL on a bad range, -ENOMEM.
 * Context: startup.
 */
int cp_media_create(const char *sock_path, uint16_t port_lo, uint16_t port_hi,
		    struct cp_media **out);

/** Close the socket and free the client. NULL is a no-op. */
void cp_media_destroy(struct cp_media *m);

/**
 * Ping the data plane (connecting if needed).
 * @return 0, -ECONNREFUSED/-ENOENT when it is not there, -ETIMEDOUT, -EPROTO.
 */
int cp_media_ping(struct cp_media *m);

/**
 * Take a free media port pair (even port P, P + 1).
 * @return 0 with *port set, or -ENOSPC when the range is exhausted.
 */
int cp_media_port_get(struct cp_media *m, uint16_t *port);

/** Give back a port from cp_media_port_get(); 0 is a no-op. */
void cp_media_port_put(struct cp_media *m, uint16_t port);

/**
 * stream.create.
 * @param cfg  the stream (borrowed)
 * @param id   the new stream id
 * @return 0; -EEXIST (local endpoint taken), -ENOSPC, -EINVAL (the data
 *   plane refused a field), -ETIMEDOUT/-ECONNREFUSED/-EPROTO on transport
 *   trouble.
 */
int cp_media_stream_create(struct cp_media *m, const struct cp_media_stream_cfg *cfg,
			   int64_t *id);

/**
 * stream.update of the remote address, keys, rtcp-mux and relay target
 * (the local endpoint of @p cfg is ignored: it cannot change).
 * @return as cp_media_stream_create(), plus -ENOENT when @p id is gone.
 */
int cp_media_stream_update(struct cp_media *m, int64_t id, const struct cp_media_stream_cfg *cfg);

/**
 * stream.delete.
 * @return 0, -ENOENT when it was already gone, or a transport error.
 */
int cp_media_stream_delete(struct cp_media *m, int64_t id);
