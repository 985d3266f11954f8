/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_place.c - media-node placement over a snapshot of the deployment
 * (cp_place.h), guide part 1 §2.3 and §7.
 *
 * One pass per candidate location: count the location's nodes that carry
 * the conference, keep the best carrier with room and the best non-carrier
 * with room for the call plus a new backplane reservation; a carrier wins,
 * a non-carrier only while fewer than CP_PLACE_MAX_MEDIA_NODES carry it.
 * Context: any thread; pure, no allocation.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_place.h"

#define ADMIN_CONFERENCE "administrator.conference"

static const uint32_t call_units[CP_CALL_TYPES] = {1, 6, 12, 24};

uint32_t
cp_place_call_units(enum cp_call_type t)
{
	return (unsigned int)t < CP_CALL_TYPES ? call_units[t] : 0;
}

uint32_t
cp_place_backplane_units(enum cp_call_type kind, uint16_t n_nodes)
{
	if (n_nodes <= 1 || (unsigned int)kind >= CP_CALL_TYPES)
		return 0;
	if (kind == CP_CALL_SD)
		kind = CP_CALL_HD;
	return call_units[kind];
}

unsigned int
cp_place_load_pct(uint32_t capacity, uint32_t load, bool maintenance)
{
	if (maintenance || capacity == 0 || load >= capacity)
		return 100;
	return (unsigned int)((uint64_t)load * 100 / capacity);
}

uint32_t
cp_place_max_calls(uint32_t capacity, enum cp_call_type t)
{
	uint32_t u = cp_place_call_units(t);

	return u == 0 ? 0 : capacity / u;
}

static uint32_t
free_units(const struct cp_place_node *n)
{
	if (n->maintenance || n->load >= n->capacity)
		return 0;
	return n->capacity - n->load;
}

static bool
carries(const struct cp_place_node *n, const char *conf)
{
	for (uint16_t i = 0; i < n->n_confs; i++)
		if (n->confs[i] != NULL && strcmp(n->confs[i], conf) == 0)
			return true;
	return false;
}

/* Is node @p i a better pick than @p best (CP_PLACE_NONE = none yet)? */
static bool
better(const struct cp_place_snapshot *s, uint16_t sig, uint16_t i, uint16_t best)
{
	uint32_t fi, fb;

	if (best == CP_PLACE_NONE)
		return true;
	fi = free_units(&s->nodes[i]);
	fb = free_units(&s->nodes[best]);
	if (fi != fb)
		return fi > fb;
	return i == sig && best != sig; /* ties: the signalling node, else the lower index */
}

/*
 * Steps 2-3 of §2.3 within location @p loc: the node that takes the call,
 * or CP_PLACE_NONE when the location is full for the conference.
 */
static uint16_t
pick_in_location(const struct cp_place_snapshot *s, const struct cp_place_request *r,
		 uint16_t loc, bool *joins)
{
	uint32_t need = cp_place_call_units(r->call);
	uint32_t need_new = need + cp_place_backplane_units(r->conf_kind, s->n_nodes);
	uint16_t carriers = 0, best_old = CP_PLACE_NONE, best_new = CP_PLACE_NONE;

	for (uint16_t i = 0; i < s->n_nodes; i++) {
		const struct cp_place_node *n = &s->nodes[i];

		if (n->location != loc)
			continue;
		if (carries(n, r->conference)) {
			carriers++;
			if (free_units(n) >= need && better(s, r->signaling_node, i, best_old))
				best_old = i;
		} else if (free_units(n) >= need_new && better(s, r->signaling_node, i, best_new)) {
			best_new = i;
		}
	}
	if (best_old != CP_PLACE_NONE) {
		*joins = false;
		return best_old;
	}
	*joins = true;
	return carriers < CP_PLACE_MAX_MEDIA_NODES ? best_new : CP_PLACE_NONE;
}

/* Copy a name into a log field: no quotes or control characters. */
static void
field(char *dst, size_t cap, const char *src)
{
	size_t i = 0;

	for (; src != NULL && *src != '\0' && i + 1 < cap; src++)
		dst[i++] = (*src == '"' || (unsigned char)*src < 0x20) ? '\'' : *src;
	dst[i] = '\0';
}

static void
log_overflow(const struct cp_place_snapshot *s, const struct cp_place_request *r,
	     uint16_t loc, struct cp_place_result *out)
{
	char conf[128], orig[64], ovf[64], node[64], sig[64];

	field(conf, sizeof(conf), r->conference);
	field(orig, sizeof(orig), s->locs[loc].name);
	field(ovf, sizeof(ovf), s->locs[out->location].name);
	field(node, sizeof(node), s->nodes[out->node].name);
	field(sig, sizeof(sig), s->nodes[r->signaling_node].name);
	snprintf(out->log, sizeof(out->log),
		 "Capacity reached in the location. Allocating the media node in the overflow "
		 "location.\tConference=\"%s\" Location=\"%s\" Overflow-location=\"%s\" "
		 "Overflow=\"%s\" Media-node=\"%s\" Signaling-node=\"%s\"",
		 conf, orig, ovf, out->decision == CP_PLACE_OVERFLOW1 ? "primary" : "secondary",
		 node, sig);
	out->admin_comp = ADMIN_CONFERENCE;
}

static void
log_reject(const struct cp_place_snapshot *s, const struct cp_place_request *r, uint16_t loc,
	   struct cp_place_result *out)
{
	char conf[128], orig[64], sig[64];

	field(conf, sizeof(conf), r->conference);
	field(orig, sizeof(orig), s->locs[loc].name);
	field(sig, sizeof(sig), s->nodes[r->signaling_node].name);
	snprintf(out->log, sizeof(out->log),
		 "Participant failed to join conference.\tConference=\"%s\" Reason=\"%s\" "
		 "Detail=\"insufficient capacity in location %s and its overflow locations\" "
		 "Signaling-location=\"%s\" Signaling-node=\"%s\"",
		 conf, out->reason, orig, orig, sig);
	out->admin_comp = ADMIN_CONFERENCE;
	out->alarm = "Call capacity limit reached";
}

static bool
valid(const struct cp_place_snapshot *s, const struct cp_place_request *r)
{
	if (s == NULL || r == NULL || r->conference == NULL || (s->n_nodes > 0 && s->nodes == NULL) ||
	    (s->n_locs > 0 && s->locs == NULL))
		return false;
	if (r->signaling_node >= s->n_nodes || (unsigned int)r->call >= CP_CALL_TYPES ||
	    (unsigned int)r->conf_kind >= CP_CALL_TYPES)
		return false;
	for (uint16_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].location >= s->n_locs || (s->nodes[i].n_confs > 0 &&
							   s->nodes[i].confs == NULL))
			return false;
	for (uint16_t l = 0; l < s->n_locs; l++)
		if ((s->locs[l].overflow1 != CP_PLACE_NONE && s->locs[l].overflow1 >= s->n_locs) ||
		    (s->locs[l].overflow2 != CP_PLACE_NONE && s->locs[l].overflow2 >= s->n_locs))
			return false;
	return true;
}

static bool
anyone_else_carries(const struct cp_place_snapshot *s, const char *conf, uint16_t self)
{
	for (uint16_t i = 0; i < s->n_nodes; i++)
		if (i != self && carries(&s->nodes[i], conf))
			return true;
	return false;
}

int
cp_place(const struct cp_place_snapshot *s, const struct cp_place_request *r,
	 struct cp_place_result *out)
{
	static const char *const why[] = {
		[CP_PLACE_EXISTING] = "node of the signaling location already hosting the conference",
		[CP_PLACE_LOCAL] = "least-loaded node of the signaling location",
		[CP_PLACE_OVERFLOW1] = "node of the primary overflow location",
		[CP_PLACE_OVERFLOW2] = "node of the secondary overflow location",
		[CP_PLACE_REJECT] = "resource unavailable",
	};
	uint16_t loc, try[3];
	bool joins = false;

	if (out == NULL || !valid(s, r))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	loc = s->nodes[r->signaling_node].location;
	try[0] = loc;
	try[1] = s->locs[loc].overflow1 == loc ? CP_PLACE_NONE : s->locs[loc].overflow1;
	try[2] = s->locs[loc].overflow2;
	if (try[2] == loc || try[2] == try[1])
		try[2] = CP_PLACE_NONE;
	for (unsigned int k = 0; k < 3; k++) {
		uint16_t n;

		if (try[k] == CP_PLACE_NONE)
			continue;
		n = pick_in_location(s, r, try[k], &joins);
		if (n == CP_PLACE_NONE)
			continue;
		out->decision = k == 0 ? (joins ? CP_PLACE_LOCAL : CP_PLACE_EXISTING) :
			k == 1 ? CP_PLACE_OVERFLOW1 : CP_PLACE_OVERFLOW2;
		out->node = n;
		out->location = try[k];
		out->joins_conference = joins;
		out->needs_backplane = joins && anyone_else_carries(s, r->conference, n);
		out->units = cp_place_call_units(r->call) +
			(joins ? cp_place_backplane_units(r->conf_kind, s->n_nodes) : 0);
		out->reason = why[out->decision];
		if (k > 0)
			log_overflow(s, r, loc, out);
		return 0;
	}
	out->decision = CP_PLACE_REJECT;
	out->node = CP_PLACE_NONE;
	out->location = loc;
	out->reason = why[CP_PLACE_REJECT];
	log_reject(s, r, loc, out);
	return 0;
}
