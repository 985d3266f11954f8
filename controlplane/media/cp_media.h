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
 * Requests whose answer the caller needs are synchronous with a short
 * receive timeout: the data plane answers from its control thread in tens of
 * microseconds, and a blocked main loop for at most CP_MEDIA_TIMEOUT_MS is
 * the price of simple callers. Requests that need no answer (stream.delete,
 * conference.detach, stopping a prompt) are only sent: up to 64 may be
 * unanswered, their replies are read when the next request is made, and a
 * refusal is logged then. The data plane handles one connection's requests
 * in order, so whatever is asked next sees their effect. The socket is
 * (re)connected lazily, so the node starts before the data plane and
 * survives its restart (streams of live calls are lost with it).
 *
 * Context: control path (cp main loop) only.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

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
 * The data plane's media capacity from its start-up self-test, as of the
 * last successful cp_media_ping(): capacity units (audio calls, guide part 1
 * §7) for all its conference cores; 0 when unknown.
 */
unsigned int cp_media_capacity(const struct cp_media *m);

/**
 * Take a free media port pair (even port P, P + 1).
 * @return 0 with *port set, or -ENOSPC when the range is exhausted.
 */
int cp_media_port_get(struct cp_media *m, uint16_t *port);

/** Media ports in use and in the range (each counts the pair P, P + 1 as two). */
void cp_media_port_usage(const struct cp_media *m, unsigned int *used, unsigned int *total);

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
 * stream.delete, sent without waiting for the answer (a refusal, such as
 * ENOENT for a stream already gone, is logged when the reply is read).
 * @return 0 once sent, or a transport error.
 */
int cp_media_stream_delete(struct cp_media *m, int64_t id);

/*
 * Conference engine attachments (conference.* ops, docs/dataplane.md). A
 * participant is a stream (created without relay_to) attached to a data
 * plane conference; the engine decodes, mixes and encodes on a worker.
 */
struct cp_media_attach {
	const char *codec;    /* "PCMU", "PCMA", "G722", "G729", "opus" (borrowed) */
	uint8_t pt;
	uint8_t dtmf_pt;      /* 0 = no telephone-event */
	uint32_t rate;        /* 0 = codec default */
	uint8_t channels;     /* 0 = codec default */
	bool guest;           /* role guest (else host) */
	bool hosts_only;      /* hears Hosts only (auditorium Guests) */
	bool lobby;           /* neither hears nor is heard (PIN entry, waiting) */
	bool no_send;         /* "send": false: gets no RTP from us (held) */
	bool no_recv;         /* "recv": false: what it sends is not mixed */
	uint32_t loopback_ms; /* > 0: hears itself that much later (test call) */
	bool backplane;	      /* another node's backplane: hears local participants only */
	const char *backplane_group; /* NULL, or "local"/"geo": a backplane that hears the
				      * participants and the other group's backplanes */
};

/** conference.create. @return 0 with *conf_id, or as cp_media_stream_create(). */
int cp_media_conf_create(struct cp_media *m, unsigned int max_participants, int *conf_id);

/** conference.delete (detaches everyone). */
int cp_media_conf_delete(struct cp_media *m, int conf_id);

/** conference.attach of stream @p stream. @return 0 with *part. */
int cp_media_conf_attach(struct cp_media *m, int conf_id, int64_t stream,
			 const struct cp_media_attach *a, int *part);

/** conference.detach, sent without waiting (as cp_media_stream_delete()). */
int cp_media_conf_detach(struct cp_media *m, int conf_id, int part);

/**
 * conference.update: each of @p lobby, @p guest, @p hosts_only, @p muted is
 * 0 or 1 to set, -1 to leave as it is.
 */
int cp_media_conf_update(struct cp_media *m, int conf_id, int part, int lobby, int guest,
			 int hosts_only, int muted);

/**
 * conference.update of the participant's direction (the SDP in force, RFC
 * 3264 §6.1): @p send 0 = it gets no RTP from us, @p recv 0 = what it sends
 * is not mixed; 1 to allow, -1 to leave as it is. Apart from the mute.
 * @return as cp_media_conf_update().
 */
int cp_media_conf_direction(struct cp_media *m, int conf_id, int part, int send, int recv);

/**
 * conference.prompt: play prompt @p name to one participant; NULL stops it
 * and is sent without waiting (as cp_media_stream_delete()).
 */
int cp_media_conf_prompt(struct cp_media *m, int conf_id, int part, const char *name, bool loop);

/**
 * conference.send_dtmf: RFC 4733 digits ("0-9*#A-D", ',' = 2 s pause) to one
 * participant; the data plane starts 3 s later and sends one digit every
 * 0.5 s (the guide's timing for dial-out DTMF sequences).
 */
int cp_media_conf_send_dtmf(struct cp_media *m, int conf_id, int part, const char *digits);

/** A digit received from participant @p part of conference @p conf_id. */
typedef void (*cp_media_digit_fn)(void *ctx, int conf_id, int part, char digit);

/** conference.dtmf: drain the digits of one conference into @p fn. */
int cp_media_conf_dtmf(struct cp_media *m, int conf_id, cp_media_digit_fn fn, void *ctx);

/**
 * Any other data plane request (the ESP backplane's esp.* and its streams).
 * @param op      operation name (borrowed)
 * @param args    arguments (takes the reference; may hold keys: the request
 *                text is wiped after sending)
 * @param result  NULL, or gets a new reference to the result on success
 * @return as cp_media_stream_create(), plus -EBUSY.
 */
int cp_media_call(struct cp_media *m, const char *op, json_t *args, json_t **result);

/** conference.stats. @return 0 with *res owned (jansson reference). */
int cp_media_conf_stats(struct cp_media *m, int conf_id, json_t **res);
