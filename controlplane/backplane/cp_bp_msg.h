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

/** Release what a message owns (participants); the struct is zeroed. */
void cp_bp_msg_fini(struct cp_bp_msg *m);

/**
 * Check one roster entry and copy its known fields.
 * @return a new object, or NULL when a field is missing or bad.
 */
json_t *cp_bp_roster_entry(json_t *in);
