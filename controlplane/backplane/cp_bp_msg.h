/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_bp_msg.h - messages of the node-to-node control protocol (version 1).
 *
 * Nodes that host the same conference talk over one mutually authenticated
 * TLS 1.3 connection per node pair (backplane/cp_bp.h). On it, each message
 * is a frame: a 4-octet big-endian length (1..CP_BP_MSG_MAX) followed by
 * that many octets of one JSON object with a "type":
 *
 *   hello       {node, location, media_addr, v}   first message, both ways
 *   ping, pong  {seq, load, capacity}              liveness every second
 *   conf_up     {conference, start_time, locked, guests_muted}
 *   conf_down   {conference}                       I host / no longer host it
 *   bp_open     {conference, port, spi}            my end of our backplane:
 *                                                  send to this port, under
 *                                                  this SPI (keys: exporter)
 *   bp_close    {conference, reason}
 *   bp_rekey    {conference, spi}                  my new inbound SPI
 *   bp_rekeyed  {conference, spi}                  switched to it
 *   conf_state  {conference, locked, guests_muted} a change to apply
 *   roster      {conference, participants[]}       my participants in it
 *   error       {message}
 *
 * Remote media (guide part 1 §2.3, FR-DIST-7): the signalling node of a
 * participant asks the media node chosen by placement to carry its media;
 * "id" is the participant's id on the signalling node:
 *
 *   media_host      {id, conference, codec, pt, dtmf_pt, rate, channels,
 *                    rtcp_mux, remote_addr, remote_port, in_suite, in_key,
 *                    out_suite, out_key}   create (or update) its SRTP stream
 *   media_hosted    {id, address, port}    ...here: put it in the SDP answer
 *   media_attach    {id, lobby, guest, hosts_only}       join the conference
 *   media_update    {id, lobby, guest, hosts_only, muted} (-1: keep),
 *                   and optionally {send, recv} (0 or 1, both or neither):
 *                   the SDP direction in force (hold); older nodes ignore it
 *   media_prompt    {id, prompt, loop}     prompt "" stops
 *   media_send_dtmf {id, digits}           RFC 4733 digits to the endpoint
 *   media_detach    {id}                   leave the conference
 *   media_release   {id}                   detach, delete the stream
 *   media_digits    {id, digits}           media node -> signalling node
 *   media_failed    {id, message}          media node -> signalling node
 *
 * Parsing is strict: a message with a missing or mistyped field, a string
 * too long, a port or SPI out of range, or an unknown type is refused with
 * an error (the connection answers "error" and carries on); it never
 * crashes and never allocates beyond the frame's size.
 *
 * Context: any thread; no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CP_BP_VERSION 1
#define CP_BP_MSG_MAX 65536   /* largest frame body */
#define CP_BP_NAME_MAX 251    /* node, location, conference: 250 characters + NUL */
#define CP_BP_ROSTER_MAX 256  /* participants in one roster message */
#define CP_BP_SPI_MIN 256     /* RFC 4303 §2.1: 1-255 are reserved */
#define CP_BP_ID_MAX 65       /* participant id: 1-64 of [A-Za-z0-9._-] + NUL */
#define CP_BP_KEY_MAX 64      /* SDES inline key, base64 (RFC 4568 §6.1) + NUL */
#define CP_BP_DIGITS_MAX 64   /* DTMF digits in one message + NUL */
#define CP_BP_PROMPT_MAX 33   /* prompt name + NUL */

/*
 * The media of one participant as the signalling node negotiated it
 * (media_host). Suites are the SDP names ("AES_CM_128_HMAC_SHA1_80", ...,
 * "NULL" for plain RTP); keys are secret: never logged, wiped after use.
 */
struct cp_bp_media_desc {
	char codec[16]; /* "PCMU", "PCMA", "G722", "G729", "opus" */
	uint8_t pt, dtmf_pt; /* dtmf_pt 0: no telephone-event */
	uint32_t rate;
	uint8_t channels;
	bool rtcp_mux;
	char remote_addr[46]; /* "" until known (latching) */
	uint16_t remote_port;
	char in_suite[32], in_key[CP_BP_KEY_MAX];
	char out_suite[32], out_key[CP_BP_KEY_MAX];
};

enum cp_bp_type {
	CP_BP_HELLO = 0,
	CP_BP_PING,
	CP_BP_PONG,
	CP_BP_CONF_UP,
	CP_BP_CONF_DOWN,
	CP_BP_OPEN,
	CP_BP_CLOSE,
	CP_BP_REKEY,
	CP_BP_REKEYED,
	CP_BP_CONF_STATE,
	CP_BP_ROSTER,
	CP_BP_ERROR,
	CP_BP_MEDIA_HOST,
	CP_BP_MEDIA_HOSTED,
	CP_BP_MEDIA_ATTACH,
	CP_BP_MEDIA_UPDATE,
	CP_BP_MEDIA_PROMPT,
	CP_BP_MEDIA_SEND_DTMF,
	CP_BP_MEDIA_DETACH,
	CP_BP_MEDIA_RELEASE,
	CP_BP_MEDIA_DIGITS,
	CP_BP_MEDIA_FAILED,
	CP_BP_TYPES,
};

/*
 * One message. Which fields are meaningful depends on type (see above);
 * the others are zero. participants (roster) is an array of objects that
 * hold only the known roster fields, each checked; owned by the message.
 */
struct cp_bp_msg {
	enum cp_bp_type type;
	uint32_t version;
	char node[CP_BP_NAME_MAX];
	char location[CP_BP_NAME_MAX];
	char media_addr[46];
	char conference[CP_BP_NAME_MAX];
	char text[CP_BP_NAME_MAX]; /* bp_close reason, error message */
	int64_t start_time;	   /* seconds since the epoch */
	bool locked, guests_muted;
	uint16_t port;
	uint32_t spi;
	uint64_t seq;
	uint32_t load, capacity; /* placement units (cp_place.h) */
	json_t *participants;
	char id[CP_BP_ID_MAX];	     /* media_*: the participant */
	struct cp_bp_media_desc media; /* media_host */
	int8_t lobby, guest, hosts_only, muted; /* media_attach/update: 0, 1; -1 keep (update) */
	bool has_dir, send, recv;	       /* media_update: the direction, when has_dir */
	bool loop;			       /* media_prompt */
	char digits[CP_BP_DIGITS_MAX];	       /* media_send_dtmf, media_digits */
	/* media_hosted: address in media_addr, port in port; media_prompt: name in text;
	 * media_failed: message in text */
};

/** The type's name on the wire ("hello", ...), or NULL when out of range. */
const char *cp_bp_type_name(enum cp_bp_type t);

/**
 * Length of the frame body announced by a 4-octet header.
 * @return 1..CP_BP_MSG_MAX, or -EMSGSIZE (0 or too large).
 */
int cp_bp_frame_len(const uint8_t hdr[4]);

/**
 * Parse one frame body.
 * @param buf, len  the JSON text (need not be NUL-terminated)
 * @param m         filled; release with cp_bp_msg_fini() (also on failure)
 * @param err       a short reason on failure
 * @return 0; -EINVAL (not JSON, a missing or bad field), -ENOTSUP (unknown
 *   type), -EMSGSIZE (len 0 or above CP_BP_MSG_MAX), -ENOMEM.
 */
int cp_bp_msg_parse(const char *buf, size_t len, struct cp_bp_msg *m, char *err, size_t errcap);

/**
 * Encode a message as a frame (header and body).
 * @param out, out_len  returns owned (free())
 * @return 0; -EINVAL (a field out of range), -EMSGSIZE, -ENOMEM.
 */
int cp_bp_msg_encode(const struct cp_bp_msg *m, uint8_t **out, size_t *out_len);

/** Release what a message owns (participants); the struct (keys too) is zeroed. */
void cp_bp_msg_fini(struct cp_bp_msg *m);

/**
 * Check one roster entry and copy its known fields.
 * @return a new object, or NULL when a field is missing or bad.
 */
json_t *cp_bp_roster_entry(json_t *in);
