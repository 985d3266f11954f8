/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_bp.h - distributed conferences: the node-to-node control channel and
 * the ESP backplanes it sets up (docs/signaling.md "Distributed
 * conferences", docs/security.md).
 *
 * Peers are the other worker_vm objects of the replicated configuration.
 * Each pair of nodes keeps one TLS 1.3 connection (cp_bp_tls.h) to the
 * backplane control port; the node whose name sorts first dials, the other
 * accepts, so a pair never has two. Messages are cp_bp_msg.h frames.
 *
 * A node announces every conference it hosts to all its peers (conf_up,
 * conf_down; again to a peer whenever its channel comes up). When a node
 * hosts a conference that a connected peer hosts too, each of the two sets
 * up its end of a backplane: a media port and an inbound ESP SA (keys from
 * the TLS exporter), announced with bp_open; with the peer's bp_open it
 * adds the outbound SA and a stream from its port to the peer's port
 * through that SA, attached to its data plane conference as a participant
 * (Opus, 48 kHz, mono). Lock and guest mute are sent to the peers hosting
 * the conference and applied there; rosters of participants go the same
 * way and show in the node's status. A channel that stays silent for
 * CP_BP_DEAD_MS, or breaks, takes the peer's backplanes and roster entries
 * with it; the dialling side reconnects with back-off.
 *
 * Context: control path (cp main loop) only; every function here runs on it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "cp_bp_msg.h"
#include "cp_place.h"
#include "cp_sofia.h"

#define CP_BP_DEFAULT_PORT 8444
#define CP_BP_PING_MS 1000
#define CP_BP_DEAD_MS 4000	/* no frame for this long: the peer is gone */
#define CP_BP_RETRY_MIN_MS 500	/* reconnect back-off: doubles up to the max */
#define CP_BP_RETRY_MAX_MS 8000

struct cp_sip;
struct cp_bp;

struct cp_bp_cfg {
	const char *node_name;	  /* this node's worker_vm name (its certificate CN) */
	const char *listen_addr;  /* control port address (the node's address) */
	uint16_t port;		  /* control port, the same on every node */
	const char *media_addr;	  /* ESP and backplane stream address */
	const char *cert_file;	  /* PEM, from the bootstrap document */
	const char *key_file;
	const char *ca_file;
	unsigned int rekey_s;	  /* rekey each SA after this many seconds (0: never) */
	uint64_t rekey_bytes;	  /* ... or this many bytes (0: no byte limit) */
	unsigned int capacity;	  /* placement units of this node (0: not announced) */
};

/**
 * Start listening and dialling.
 * @param s  the user agent (borrowed): its replica gives the peers, its
 *           services the conferences, its media client the data plane
 * @return 0; -ENOENT/-EINVAL (certificate files), -EADDRINUSE, -ENOMEM.
 */
int cp_bp_create(su_root_t *root, const struct cp_bp_cfg *cfg, struct cp_sip *s,
		 struct cp_bp **out);

/** Close every channel and backplane (SAs and streams deleted). NULL is a no-op. */
void cp_bp_destroy(struct cp_bp *bp);

/*
 * Hooks of the conference services (services/cp_svc.c). @p bp may be NULL
 * (no backplane configured): they do nothing then.
 */

/** A conference started on this node (its data plane conference @p dp_conf). */
void cp_bp_conf_started(struct cp_bp *bp, const char *name, int dp_conf, time_t start);

/** A conference of this node ends: its backplanes go first. */
void cp_bp_conf_stopped(struct cp_bp *bp, const char *name);

/** Lock or guest mute changed here: tell the peers hosting the conference. */
void cp_bp_conf_state(struct cp_bp *bp, const char *name, bool locked, bool guests_muted);

/**
 * Add to a status object (the node control socket's): remote participants
 * to "participants" (with their node, signalling and media node), and
 * "peers" and "backplanes".
 */
void cp_bp_status(struct cp_bp *bp, json_t *status);

/** Placement units in use on this node and its capacity. */
void cp_bp_load(struct cp_bp *bp, uint32_t *load, uint32_t *capacity);

/*
 * Media placement (guide part 1 §2.3). The signalling node of a new
 * VMR/VA call asks where its media goes; when that is another node, it
 * drives the participant's media there with the cp_bp_media_* requests
 * below (messages media_* in cp_bp_msg.h), and the media node's answers
 * come back through cp_svc_rmedia_*() (services/cp_svc.h).
 */

/** Where a new call's media goes. */
struct cp_bp_placement {
	struct cp_place_result res;	/**< the decision, its admin-log line and alarm */
	bool remote;			/**< media on another node (res.node is not us) */
	char node[CP_BP_NAME_MAX];	/**< media node (worker_vm name) */
	char signaling_location[CP_BP_NAME_MAX];
	char media_addr[46];		/**< its media address (from its hello) */
};

/**
 * Place the media of a new audio call into @p conference over this node's
 * view: the replica's locations and nodes, the load and capacity peers
 * announced, the conferences they host. A remote pick is counted into that
 * peer's load at once (its own figure follows with its next ping).
 * @return 0 with @p out filled (including a reject); -ENOENT when this node
 *   cannot place (no backplane, or not a configured node with a location):
 *   the caller hosts the media itself; -ENOMEM.
 */
int cp_bp_place(struct cp_bp *bp, const char *conference, struct cp_bp_placement *out);

/*
 * Requests to the media node @p node for participant @p id (this node's
 * participant id). They are queued on the channel in order; failures come
 * back as cp_svc_rmedia_failed(). @return 0, -ENOTCONN (the peer's channel
 * is down), -EINVAL (a field out of range).
 */
int cp_bp_media_host(struct cp_bp *bp, const char *node, const char *id, const char *conference,
		     const struct cp_bp_media_desc *d);
int cp_bp_media_attach(struct cp_bp *bp, const char *node, const char *id, bool lobby,
		       bool guest, bool hosts_only);
/** Each of @p lobby, @p guest, @p hosts_only, @p muted: 0 or 1, -1 to keep. */
int cp_bp_media_update(struct cp_bp *bp, const char *node, const char *id, int lobby, int guest,
		       int hosts_only, int muted);
/** The SDP direction in force (media_update send/recv); see cp_media_conf_direction(). */
int cp_bp_media_direction(struct cp_bp *bp, const char *node, const char *id, bool send, bool recv);
/** @p name NULL stops the prompt. */
int cp_bp_media_prompt(struct cp_bp *bp, const char *node, const char *id, const char *name,
		       bool loop);
int cp_bp_media_send_dtmf(struct cp_bp *bp, const char *node, const char *id,
			  const char *digits);
int cp_bp_media_detach(struct cp_bp *bp, const char *node, const char *id);
int cp_bp_media_release(struct cp_bp *bp, const char *node, const char *id);

/**
 * A digit the data plane received from participant @p part of conference
 * @p dp_conf: when that is media this node hosts for a peer, send it to
 * the peer. @return true when it was such a participant.
 */
bool cp_bp_media_digit(struct cp_bp *bp, int dp_conf, int part, char digit);

/** Participants whose media this node hosts for peers. */
unsigned int cp_bp_media_hosted(const struct cp_bp *bp);
