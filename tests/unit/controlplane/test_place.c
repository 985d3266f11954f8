/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_place.c - media-node placement (guide part 1 §2.3, its worked
 * examples FR-LB-9 and FR-LB-10, FR-LB-1..3) and the capacity model
 * (part 1 §7, part 5 FR-LOC-3, FR-NODE-3).
 *
 * A small deployment model: locations, nodes with capacity, load and the
 * conferences they carry; place() asks cp_place() and applies the decision
 * (load += units, the conference added to the node), so a sequence of
 * calls plays out as in the guide's examples.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cp_place.h"

#define MAX_NODES 16
#define MAX_CONFS 4
#define NONE CP_PLACE_NONE

struct model {
	struct cp_place_location locs[8];
	struct cp_place_node nodes[MAX_NODES];
	const char *confs[MAX_NODES][MAX_CONFS];
	struct cp_place_snapshot snap;
};

static uint16_t
add_loc(struct model *m, const char *name, uint16_t ovf1, uint16_t ovf2)
{
	uint16_t i = m->snap.n_locs++;

	m->locs[i] = (struct cp_place_location){.name = name, .overflow1 = ovf1, .overflow2 = ovf2};
	m->snap.locs = m->locs;
	return i;
}

static uint16_t
add_node(struct model *m, const char *name, uint16_t loc, uint32_t cap, uint32_t load)
{
	uint16_t i = m->snap.n_nodes++;

	m->nodes[i] = (struct cp_place_node){.name = name, .location = loc, .capacity = cap,
					     .load = load, .confs = m->confs[i]};
	m->snap.nodes = m->nodes;
	return i;
}

/* The node carries @p conf already (with its reservation counted in its load). */
static void
host(struct model *m, uint16_t node, const char *conf)
{
	m->confs[node][m->nodes[node].n_confs++] = conf;
}

/* Place an HD call to HD conference @p conf arriving on @p sig; apply it. */
static struct cp_place_result
place_kind(struct model *m, const char *conf, uint16_t sig, enum cp_call_type call,
	   enum cp_call_type kind)
{
	struct cp_place_request r = {.conference = conf, .signaling_node = sig, .call = call,
				     .conf_kind = kind};
	struct cp_place_result res;

	assert_int_equal(cp_place(&m->snap, &r, &res), 0);
	assert_non_null(res.reason);
	if (res.decision != CP_PLACE_REJECT) {
		m->nodes[res.node].load += res.units;
		if (res.joins_conference)
			host(m, res.node, conf);
	}
	return res;
}

static struct cp_place_result
place(struct model *m, const char *conf, uint16_t sig)
{
	return place_kind(m, conf, sig, CP_CALL_HD, CP_CALL_HD);
}

/* ---- the capacity model ------------------------------------------------------ */

static void
test_units(void **state)
{
	(void)state;
	assert_int_equal(cp_place_call_units(CP_CALL_AUDIO), 1);
	assert_int_equal(cp_place_call_units(CP_CALL_SD), 6);
	assert_int_equal(cp_place_call_units(CP_CALL_HD), 12);
	assert_int_equal(cp_place_call_units(CP_CALL_FULL_HD), 24);
	assert_int_equal(cp_place_call_units(CP_CALL_TYPES), 0);
	/* 1 HD = 1/2 Full HD = 2 SD = 12 audio-only (part 1 §7). */
	assert_int_equal(cp_place_call_units(CP_CALL_HD), 2 * cp_place_call_units(CP_CALL_SD));
	assert_int_equal(cp_place_call_units(CP_CALL_FULL_HD), 2 * cp_place_call_units(CP_CALL_HD));
	assert_int_equal(cp_place_call_units(CP_CALL_HD), 12 * cp_place_call_units(CP_CALL_AUDIO));
}

static void
test_backplane_reservation(void **state)
{
	(void)state;
	/* None in a single-node deployment. */
	assert_int_equal(cp_place_backplane_units(CP_CALL_HD, 1), 0);
	assert_int_equal(cp_place_backplane_units(CP_CALL_HD, 0), 0);
	/* One HD connection per conference per node; audio-only: one audio; 1080p: Full HD. */
	assert_int_equal(cp_place_backplane_units(CP_CALL_HD, 2), 12);
	assert_int_equal(cp_place_backplane_units(CP_CALL_AUDIO, 5), 1);
	assert_int_equal(cp_place_backplane_units(CP_CALL_FULL_HD, 3), 24);
	assert_int_equal(cp_place_backplane_units(CP_CALL_SD, 3), 12);
	assert_int_equal(cp_place_backplane_units(CP_CALL_TYPES, 3), 0);
}

static void
test_load_and_estimates(void **state)
{
	(void)state;
	assert_int_equal(cp_place_load_pct(48, 12, false), 25);
	assert_int_equal(cp_place_load_pct(48, 0, false), 0);
	assert_int_equal(cp_place_load_pct(48, 47, false), 97);
	assert_int_equal(cp_place_load_pct(48, 60, false), 100);
	assert_int_equal(cp_place_load_pct(48, 0, true), 100); /* maintenance (FR-NODE-3) */
	assert_int_equal(cp_place_load_pct(0, 0, false), 100);  /* no capacity (FR-LOC-4) */
	/* A 10-core node at the guide's 2 HD per core. */
	uint32_t cap = 10 * CP_PLACE_REF_HD_PER_CORE * cp_place_call_units(CP_CALL_HD);
	assert_int_equal(cp_place_max_calls(cap, CP_CALL_HD), 20);
	assert_int_equal(cp_place_max_calls(cap, CP_CALL_SD), 40);
	assert_int_equal(cp_place_max_calls(cap, CP_CALL_FULL_HD), 10);
	assert_int_equal(cp_place_max_calls(cap, CP_CALL_AUDIO), 240);
	assert_int_equal(cp_place_max_calls(cap, CP_CALL_TYPES), 0);
}

/* ---- FR-LB-9: the local worked example ---------------------------------------------- */

static void
test_example_local(void **state)
{
	struct model m = {0};
	struct cp_place_result r;
	uint16_t usa, c1, c2, c3;

	(void)state;
	usa = add_loc(&m, "USA", NONE, NONE);
	c1 = add_node(&m, "USConf01", usa, 48, 20);
	c2 = add_node(&m, "USConf02", usa, 48, 0); /* most capacity */
	c3 = add_node(&m, "USConf03", usa, 48, 10);

	/* Alice via 01: media on 02 (most capacity), signalling stays on 01. */
	r = place(&m, "VMR", c1);
	assert_int_equal(r.decision, CP_PLACE_LOCAL);
	assert_int_equal(r.node, c2);
	assert_true(r.joins_conference);
	assert_false(r.needs_backplane); /* first node of the conference */
	assert_int_equal(r.units, 24);   /* HD call + HD backplane reservation */
	assert_string_equal(r.log, "");  /* the guide logs nothing for a local placement */
	assert_null(r.admin_comp);
	/* Bob via 02 and Carol via 03: media on 02, which carries the conference. */
	r = place(&m, "VMR", c2);
	assert_int_equal(r.decision, CP_PLACE_EXISTING);
	assert_int_equal(r.node, c2);
	assert_false(r.joins_conference);
	assert_int_equal(r.units, 12);
	r = place(&m, "VMR", c3);
	assert_int_equal(r.decision, CP_PLACE_EXISTING);
	assert_int_equal(r.node, c2);
	assert_int_equal(m.nodes[c2].load, 48); /* 02 is now full */
	/* Dave via 01: 02 full, 03 has the most capacity: media on 03, backplane 02-03. */
	r = place(&m, "VMR", c1);
	assert_int_equal(r.decision, CP_PLACE_LOCAL);
	assert_int_equal(r.node, c3);
	assert_true(r.joins_conference);
	assert_true(r.needs_backplane);
	assert_int_equal(r.location, usa);
	/* The next caller goes to 03, which carries it and has room. */
	r = place(&m, "VMR", c1);
	assert_int_equal(r.decision, CP_PLACE_EXISTING);
	assert_int_equal(r.node, c3);
}

/* ---- FR-LB-10: the overflow worked example ------------------------------------------- */

struct world {
	struct model m;
	uint16_t usa, mex, can, bra;
	uint16_t us[3], mx, ca, br;
};

/* USA -> primary Mexico, secondary Canada; Mexico -> primary Brazil. USA's three
 * media nodes carry the conference and are full. */
static void
world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->can = 2;
	w->bra = 3;
	w->usa = add_loc(&w->m, "USA", 1, 2);
	w->mex = add_loc(&w->m, "Mexico", 3, NONE);
	add_loc(&w->m, "Canada", NONE, NONE);
	add_loc(&w->m, "Brazil", NONE, NONE);
	w->us[0] = add_node(&w->m, "USConf01", w->usa, 48, 48);
	w->us[1] = add_node(&w->m, "USConf02", w->usa, 48, 48);
	w->us[2] = add_node(&w->m, "USConf03", w->usa, 48, 48);
	for (int i = 0; i < 3; i++)
		host(&w->m, w->us[i], "VMR");
	w->mx = add_node(&w->m, "MexConf01", w->mex, 48, 0);
	w->ca = add_node(&w->m, "CanConf01", w->can, 48, 0);
	w->br = add_node(&w->m, "BraConf01", w->bra, 48, 0);
}

static void
test_example_overflow(void **state)
{
	struct world w;
	struct cp_place_result r;

	(void)state;
	world_init(&w);
	/* Emma via USConf01, USA full: media on MexConf01, the primary overflow. */
	r = place(&w.m, "VMR", w.us[0]);
	assert_int_equal(r.decision, CP_PLACE_OVERFLOW1);
	assert_int_equal(r.node, w.mx);
	assert_int_equal(r.location, w.mex);
	assert_true(r.joins_conference);
	assert_true(r.needs_backplane);
	assert_string_equal(r.admin_comp, "administrator.conference");
	assert_non_null(strstr(r.log, "Capacity reached in the location. Allocating the media node "
				      "in the overflow location.\t"));
	assert_non_null(strstr(r.log, "Conference=\"VMR\""));
	assert_non_null(strstr(r.log, "Location=\"USA\""));
	assert_non_null(strstr(r.log, "Overflow-location=\"Mexico\""));
	assert_non_null(strstr(r.log, "Media-node=\"MexConf01\""));
	assert_null(r.alarm);

	/* Mexico fills up. Frank via MexConf01: Mexico's own primary, Brazil. */
	w.m.nodes[w.mx].load = 48;
	r = place(&w.m, "VMR", w.mx);
	assert_int_equal(r.decision, CP_PLACE_OVERFLOW1);
	assert_int_equal(r.node, w.br);
	assert_non_null(strstr(r.log, "Location=\"Mexico\""));
	assert_non_null(strstr(r.log, "Overflow-location=\"Brazil\""));

	/* Greta via USConf03, USA and Mexico full: Canada, the secondary, even
	 * though Brazil has room (FR-LB-2: only USA's own chain counts). */
	r = place(&w.m, "VMR", w.us[2]);
	assert_int_equal(r.decision, CP_PLACE_OVERFLOW2);
	assert_int_equal(r.node, w.ca);
	assert_non_null(strstr(r.log, "Location=\"USA\""));
	assert_non_null(strstr(r.log, "Overflow-location=\"Canada\""));
	assert_non_null(strstr(r.log, "Overflow=\"secondary\""));
	assert_non_null(strstr(r.log, "Signaling-node=\"USConf03\""));
}

/* Step 7: all three full -> reject with the guide's reason, log and alarm. */
static void
test_reject(void **state)
{
	struct world w;
	struct cp_place_result r;

	(void)state;
	world_init(&w);
	w.m.nodes[w.mx].load = 48;
	w.m.nodes[w.ca].load = 40;
	r = place(&w.m, "VMR", w.us[1]);
	assert_int_equal(r.decision, CP_PLACE_REJECT);
	assert_int_equal(r.node, NONE);
	assert_int_equal(r.location, w.usa);
	assert_string_equal(r.reason, "resource unavailable");
	assert_string_equal(r.alarm, "Call capacity limit reached");
	assert_string_equal(r.admin_comp, "administrator.conference");
	assert_non_null(strstr(r.log, "Participant failed to join conference.\t"));
	assert_non_null(strstr(r.log, "Reason=\"resource unavailable\""));
	assert_non_null(strstr(r.log, "insufficient capacity"));
	assert_non_null(strstr(r.log, "Conference=\"VMR\""));
	/* FR-LB-3: a caller signalling in Mexico follows Mexico's chain: Brazil. */
	r = place(&w.m, "VMR", w.mx);
	assert_int_equal(r.decision, CP_PLACE_OVERFLOW1);
	assert_int_equal(r.node, w.br);
	/* Another conference is not bound by VMR's carriers: USA is full anyway. */
	r = place(&w.m, "Other", w.us[0]);
	assert_int_equal(r.decision, CP_PLACE_REJECT);
}

/* FR-LB-1: a location is full as soon as every node allowed to take the
 * media is full: a single full node, or 3 full carriers among 4 nodes. */
static void
test_location_full(void **state)
{
	struct model m = {0};
	struct cp_place_result r;
	uint16_t a, b, n[4], o;

	(void)state;
	a = add_loc(&m, "A", NONE, NONE);
	b = add_loc(&m, "B", NONE, NONE);
	m.locs[a].overflow1 = b;
	for (int i = 0; i < 4; i++)
		n[i] = add_node(&m, "n", a, 48, i < 3 ? 44 : 0);
	for (int i = 0; i < 3; i++)
		host(&m, n[i], "C");
	o = add_node(&m, "o", b, 48, 0);
	/* Node 4 is empty but a fourth media node is not allowed: overflow. */
	r = place(&m, "C", n[3]);
	assert_int_equal(r.decision, CP_PLACE_OVERFLOW1);
	assert_int_equal(r.node, o);
	/* With only two carriers the fourth node may join (least loaded). */
	m.nodes[n[2]].n_confs = 0;
	r = place(&m, "C", n[0]);
	assert_int_equal(r.decision, CP_PLACE_LOCAL);
	assert_int_equal(r.node, n[3]);

	/* A single node at capacity, no overflow configured: reject. */
	struct model s = {0};
	uint16_t l = add_loc(&s, "solo", NONE, NONE);
	uint16_t x = add_node(&s, "x", l, 24, 24);
	host(&s, x, "C");
	r = place(&s, "C", x);
	assert_int_equal(r.decision, CP_PLACE_REJECT);
}

/* Carriers with room come first even when a non-carrier is less loaded;
 * among carriers the most free one wins. */
static void
test_existing_first(void **state)
{
	struct model m = {0};
	struct cp_place_result r;
	uint16_t l, a, b, c;

	(void)state;
	l = add_loc(&m, "L", NONE, NONE);
	a = add_node(&m, "a", l, 96, 60);
	b = add_node(&m, "b", l, 96, 30);
	c = add_node(&m, "c", l, 96, 0);
	host(&m, a, "C");
	host(&m, b, "C");
	r = place(&m, "C", c);
	assert_int_equal(r.decision, CP_PLACE_EXISTING);
	assert_int_equal(r.node, b);
	assert_int_equal(r.units, 12);
	assert_false(r.needs_backplane);
}

/* A new media node needs room for the call and the backplane reservation;
 * a carrier only for the call; a single-node deployment reserves nothing. */
static void
test_reservation_in_placement(void **state)
{
	struct model m = {0};
	struct cp_place_result r;
	uint16_t l, a, b;

	(void)state;
	l = add_loc(&m, "L", NONE, NONE);
	a = add_node(&m, "a", l, 48, 36); /* 12 free: a call but not call + reservation */
	b = add_node(&m, "b", l, 48, 40);
	r = place(&m, "C", a);
	assert_int_equal(r.decision, CP_PLACE_REJECT);
	host(&m, b, "C");
	m.nodes[b].load = 36;
	r = place(&m, "C", a);
	assert_int_equal(r.decision, CP_PLACE_EXISTING);
	assert_int_equal(r.node, b);

	/* Audio-only conference: an audio call plus an audio reservation. */
	r = place_kind(&m, "Audio", a, CP_CALL_AUDIO, CP_CALL_AUDIO);
	assert_int_equal(r.decision, CP_PLACE_LOCAL);
	assert_int_equal(r.node, a);
	assert_int_equal(r.units, 2);

	struct model s = {0};
	uint16_t sl = add_loc(&s, "solo", NONE, NONE);
	uint16_t x = add_node(&s, "x", sl, 12, 0);
	r = place(&s, "C", x);
	assert_int_equal(r.decision, CP_PLACE_LOCAL);
	assert_int_equal(r.units, 12);
	assert_false(r.needs_backplane);
}

/* Maintenance mode: no capacity at all, even for a conference it carries. */
static void
test_maintenance(void **state)
{
	struct model m = {0};
	struct cp_place_result r;
	uint16_t l, a, b;

	(void)state;
	l = add_loc(&m, "L", NONE, NONE);
	a = add_node(&m, "a", l, 480, 0);
	b = add_node(&m, "b", l, 48, 0);
	m.nodes[a].maintenance = true;
	host(&m, a, "C");
	r = place(&m, "C", a);
	assert_int_equal(r.decision, CP_PLACE_LOCAL);
	assert_int_equal(r.node, b);
	assert_true(r.needs_backplane); /* a still carries the conference's existing calls */
}

/* Ties: the signalling node, else the lowest index. */
static void
test_ties(void **state)
{
	struct model m = {0};
	struct cp_place_result r;
	uint16_t l, a, b, c;

	(void)state;
	l = add_loc(&m, "L", NONE, NONE);
	a = add_node(&m, "a", l, 48, 0);
	b = add_node(&m, "b", l, 48, 0);
	c = add_node(&m, "c", l, 48, 0);
	r = place(&m, "C1", c);
	assert_int_equal(r.node, c);
	r = place(&m, "C2", b);
	assert_int_equal(r.node, b);
	m.nodes[c].load = 0;
	m.nodes[b].load = 0;
	r = place(&m, "C3", a);
	assert_int_equal(r.node, a);
	/* b and c tie, the signalling node a has less room: the lower index. */
	r = place(&m, "C4", a);
	assert_int_equal(r.node, b);
}

/* Overflow links: to itself or repeating the primary are ignored; a
 * secondary without a primary is used; an empty location is full; in an
 * overflow location a carrier with room is used first. */
static void
test_overflow_links(void **state)
{
	struct model m = {0};
	struct cp_place_result r;
	uint16_t a, b, c, empty, na, nb1, nb2, nc;

	(void)state;
	a = add_loc(&m, "A", NONE, NONE);
	b = add_loc(&m, "B", NONE, NONE);
	c = add_loc(&m, "C", NONE, NONE);
	empty = add_loc(&m, "Empty", NONE, NONE);
	na = add_node(&m, "na", a, 48, 48);
	nb1 = add_node(&m, "nb1", b, 48, 0);
	nb2 = add_node(&m, "nb2", b, 48, 30);
	nc = add_node(&m, "nc", c, 48, 0);

	m.locs[a].overflow1 = a; /* self: ignored */
	m.locs[a].overflow2 = c; /* secondary without a usable primary */
	r = place(&m, "X", na);
	assert_int_equal(r.decision, CP_PLACE_OVERFLOW2);
	assert_int_equal(r.node, nc);

	m.locs[a].overflow1 = empty; /* no nodes: full */
	m.locs[a].overflow2 = empty; /* repeats the primary: ignored */
	r = place(&m, "Y", na);
	assert_int_equal(r.decision, CP_PLACE_REJECT);

	m.locs[a].overflow1 = b;
	m.locs[a].overflow2 = NONE;
	host(&m, nb2, "Z");
	r = place(&m, "Z", na);
	assert_int_equal(r.decision, CP_PLACE_OVERFLOW1);
	assert_int_equal(r.node, nb2); /* carries Z, has room: before the emptier nb1 */
	assert_false(r.joins_conference);
	assert_int_equal(r.units, 12);
	(void)nb1;
}

static void
test_log_fields_sanitised(void **state)
{
	struct world w;
	struct cp_place_result r;

	(void)state;
	world_init(&w);
	w.m.locs[w.mex].name = "Mex\"ico\n";
	r = place(&w.m, "V\"MR", w.us[0]);
	assert_int_equal(r.decision, CP_PLACE_OVERFLOW1);
	assert_non_null(strstr(r.log, "Conference=\"V'MR\""));
	assert_non_null(strstr(r.log, "Overflow-location=\"Mex'ico'\""));
	assert_null(strchr(r.log, '\n'));
}

static void
test_einval(void **state)
{
	struct world w;
	struct cp_place_request r = {.conference = "VMR", .signaling_node = 0, .call = CP_CALL_HD,
				     .conf_kind = CP_CALL_HD};
	struct cp_place_result res;

	(void)state;
	world_init(&w);
	assert_int_equal(cp_place(NULL, &r, &res), -EINVAL);
	assert_int_equal(cp_place(&w.m.snap, NULL, &res), -EINVAL);
	assert_int_equal(cp_place(&w.m.snap, &r, NULL), -EINVAL);
	r.signaling_node = w.m.snap.n_nodes;
	assert_int_equal(cp_place(&w.m.snap, &r, &res), -EINVAL);
	r.signaling_node = 0;
	r.call = CP_CALL_TYPES;
	assert_int_equal(cp_place(&w.m.snap, &r, &res), -EINVAL);
	r.call = CP_CALL_HD;
	r.conference = NULL;
	assert_int_equal(cp_place(&w.m.snap, &r, &res), -EINVAL);
	r.conference = "VMR";
	w.m.locs[0].overflow1 = 9;
	assert_int_equal(cp_place(&w.m.snap, &r, &res), -EINVAL);
	w.m.locs[0].overflow1 = 1;
	w.m.nodes[4].location = 9;
	assert_int_equal(cp_place(&w.m.snap, &r, &res), -EINVAL);
	w.m.nodes[4].location = 1;
	assert_int_equal(cp_place(&w.m.snap, &r, &res), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_backplane_reservation),
		cmocka_unit_test(test_load_and_estimates),
		cmocka_unit_test(test_example_local),
		cmocka_unit_test(test_example_overflow),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_location_full),
		cmocka_unit_test(test_existing_first),
		cmocka_unit_test(test_reservation_in_placement),
		cmocka_unit_test(test_maintenance),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_overflow_links),
		cmocka_unit_test(test_log_fields_sanitised),
		cmocka_unit_test(test_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
