/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_place.h - media-node placement and the capacity model of a
 * distributed deployment.
 *
 * Placement follows guide part 1 §2.3 (normative): signalling stays on the
 * node that received the call; the media goes to a node of the signalling
 * location that already carries the conference's media and has room, else
 * to the least-loaded node of that location while fewer than
 * CP_PLACE_MAX_MEDIA_NODES of its nodes carry the conference, else the same
 * in the location's primary overflow location, then in its secondary one
 * (the overflow locations' own overflow settings are ignored, FR-LB-2),
 * else the call is rejected. Live calls are never moved (FR-LB-4): this is
 * asked once per new call.
 *
 * Capacity (guide part 1 §7, part 5 FR-LOC-3) is counted in units of one
 * audio-only call: SD = 6, HD (720p) = 12, Full HD (1080p) = 24. Every
 * conference instance a node hosts costs it a backplane reservation (one
 * connection of the conference's kind; none in a single-node deployment),
 * taken when the node first carries the conference's media. A node's load
 * counts its calls and its reservations.
 *
 * Context: pure functions over a caller-built snapshot, any thread; no
 * allocation, no I/O: the caller writes the returned admin-log line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** At most this many nodes of one location carry one conference's media (FR-DIST-4). */
#define CP_PLACE_MAX_MEDIA_NODES 3
/** No node / no location. */
#define CP_PLACE_NONE 0xffff
/** Room for an admin-log line (message, tab, fields). */
#define CP_PLACE_LOG_MAX 768

/** Units of one call of each kind (one audio-only call = 1). */
enum cp_call_type {
	CP_CALL_AUDIO = 0, /**< 1 unit */
	CP_CALL_SD,        /**< 6 units (1 HD = 2 SD) */
	CP_CALL_HD,        /**< 12 units (1 HD = 12 audio-only) */
	CP_CALL_FULL_HD,   /**< 24 units (1 Full HD = 2 HD) */
	CP_CALL_TYPES,
};

/** Guide reference: 2 HD calls per physical core (part 1 §7). */
#define CP_PLACE_REF_HD_PER_CORE 2

/** A system location; overflow links are indexes into the snapshot's locations. */
struct cp_place_location {
	const char *name;   /**< borrowed */
	uint16_t overflow1; /**< primary overflow location, or CP_PLACE_NONE */
	uint16_t overflow2; /**< secondary overflow location, or CP_PLACE_NONE */
};

/** A Conferencing Node as the placing node last heard of it. */
struct cp_place_node {
	const char *name;             /**< borrowed */
	uint16_t location;            /**< index into the snapshot's locations */
	bool maintenance;             /**< takes no new calls (load reads 100%, FR-NODE-3) */
	uint32_t capacity;            /**< units, from the node's capacity self-test */
	uint32_t load;                /**< units in use: calls plus backplane reservations */
	const char *const *confs;     /**< names of the conferences whose media it carries; borrowed */
	uint16_t n_confs;
};

/** Everything placement looks at; borrowed for the duration of the call. */
struct cp_place_snapshot {
	const struct cp_place_location *locs;
	uint16_t n_locs;
	const struct cp_place_node *nodes;
	uint16_t n_nodes;
};

struct cp_place_request {
	const char *conference;       /**< conference (service) name; borrowed */
	uint16_t signaling_node;      /**< index of the node that received the call */
	enum cp_call_type call;       /**< kind of the new call */
	enum cp_call_type conf_kind;  /**< kind of the conference: sets the backplane reservation */
};

enum cp_place_decision {
	CP_PLACE_EXISTING = 0, /**< a node of the signalling location already carrying the conference */
	CP_PLACE_LOCAL,        /**< the least-loaded node of the signalling location, newly carrying it */
	CP_PLACE_OVERFLOW1,    /**< a node of the primary overflow location */
	CP_PLACE_OVERFLOW2,    /**< a node of the secondary overflow location */
	CP_PLACE_REJECT,       /**< no capacity for the conference in the three locations */
};

struct cp_place_result {
	enum cp_place_decision decision;
	uint16_t node;          /**< media node index; CP_PLACE_NONE on reject */
	uint16_t location;      /**< the media node's location (signalling location on reject) */
	uint32_t units;         /**< units the call adds to the node (with a new reservation) */
	bool joins_conference;  /**< the node did not carry the conference's media before */
	bool needs_backplane;   /**< joins_conference and some other node carries the conference */
	const char *reason;     /**< static text: why this node, or the guide's reject reason */
	const char *admin_comp; /**< admin-log module for @c log, or NULL when there is no line */
	const char *alarm;      /**< alarm to raise (reject), else NULL */
	char log[CP_PLACE_LOG_MAX]; /**< admin-log line "message\tFields", "" when none */
};

/**
 * Units of one call (or connection) of kind @p t: 1, 6, 12, 24; 0 when out of range.
 * Context: any.
 */
uint32_t cp_place_call_units(enum cp_call_type t);

/**
 * Backplane reservation a node takes for each conference of kind @p kind it
 * hosts: one connection of that kind (audio-only conference: 1 unit; HD:
 * 12; Full HD: 24), none when the deployment has a single node
 * (@p n_nodes <= 1). SD conferences reserve an HD connection (the guide
 * names no SD reservation).
 * Context: any.
 */
uint32_t cp_place_backplane_units(enum cp_call_type kind, uint16_t n_nodes);

/**
 * Media load in percent (0-100, rounded down): 100 when in maintenance or
 * without capacity (FR-NODE-3, FR-LOC-4).
 * Context: any.
 */
unsigned int cp_place_load_pct(uint32_t capacity, uint32_t load, bool maintenance);

/**
 * Calls of kind @p t a node of @p capacity units takes when it takes only
 * that kind (the node status estimates, FR-NODE-4).
 * Context: any.
 */
uint32_t cp_place_max_calls(uint32_t capacity, enum cp_call_type t);

/**
 * Choose the media node of a new call (guide part 1 §2.3).
 *
 * Among several nodes allowed to take the call, the one with the most free
 * units wins; ties go to the signalling node, then to the lowest index. In
 * an overflow location the same rule as in the signalling location applies
 * (a node already carrying the conference first, else the least-loaded one
 * under the 3-node limit). An overflow link to the location itself or
 * repeating the primary is ignored; a secondary is used even without a
 * primary. On success and on reject, @p out->log holds the guide's admin-log
 * line when it has one (part 1 FR-LB-5 on overflow, part 5 "Participant
 * failed to join conference." on reject).
 *
 * @param s    the deployment; borrowed
 * @param r    the call; borrowed
 * @param out  filled in full on success
 * @return 0 (the decision is in @p out, including CP_PLACE_REJECT); -EINVAL
 *         when a pointer is NULL, an index is out of range or a kind unknown
 * Context: any thread, no allocation.
 */
int cp_place(const struct cp_place_snapshot *s, const struct cp_place_request *r,
	     struct cp_place_result *out);
