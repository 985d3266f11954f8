/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_place_snap.c - the placement snapshot built from the replica and the
 * nodes' live views (cp_place_snap.h), and placement over it end to end:
 * the guide's local worked example (part 1 FR-LB-9) and overflow by the
 * signalling location's own links (FR-LB-2).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cp_place.h"
#include "cp_place_snap.h"
#include "cp_replica.h"

/* USA -> primary Mexico, secondary Canada; Mexico -> primary Brazil (FR-LB-2). */
static const char doc[] =
	"{\"system_location\": ["
	" {\"id\": 1, \"name\": \"USA\", \"overflow_location1\": 2, \"overflow_location2\": 3},"
	" {\"id\": 2, \"name\": \"Mexico\", \"overflow_location1\": 4},"
	" {\"id\": 3, \"name\": \"Canada\"},"
	" {\"id\": 4, \"name\": \"Brazil\"}],"
	" \"worker_vm\": ["
	" {\"name\": \"us1\", \"address\": \"10.0.1.1\", \"system_location\": 1},"
	" {\"name\": \"us2\", \"address\": \"10.0.1.2\", \"system_location\": 1},"
	" {\"name\": \"mx1\", \"address\": \"10.0.2.1\", \"system_location\": 2},"
	" {\"name\": \"ca1\", \"address\": \"10.0.3.1\", \"system_location\": 3},"
	" {\"name\": \"br1\", \"address\": \"10.0.4.1\", \"system_location\": 4},"
	" {\"name\": \"nowhere\", \"address\": \"10.0.9.1\"},"
	" {\"name\": \"us3\", \"address\": \"10.0.1.3\", \"system_location\": 1,"
	"  \"maintenance_mode\": true}]}";

static struct cp_replica *
load(void)
{
	json_error_t je;
	json_t *root = json_loads(doc, 0, &je);
	struct cp_replica *r = NULL;
	char err[200];

	assert_non_null(root);
	assert_int_equal(cp_replica_from_json(root, &r, err, sizeof(err)), 0);
	json_decref(root);
	return r;
}

static const struct cp_place_node *
node_named(const struct cp_place_snap *s, const char *name)
{
	for (uint16_t i = 0; i < s->s.n_nodes; i++)
		if (strcmp(s->s.nodes[i].name, name) == 0)
			return &s->s.nodes[i];
	return NULL;
}

static void
test_snap_build(void **state)
{
	static const char *const demo[] = {"Demo"};
	struct cp_place_view v[] = {
		{.name = "us1", .live = true, .load = 3, .capacity = 10, .confs = demo, .n_confs = 1},
		{.name = "us2", .live = true, .load = 1, .capacity = 20},
		{.name = "mx1", .live = false, .load = 0, .capacity = 50},
		{.name = "ca1", .live = true, .load = 0, .capacity = 5},
		{.name = "us3", .live = true, .load = 0, .capacity = 99},
		{.name = "stranger", .live = true, .capacity = 99},
	};
	struct cp_replica *r = load();
	struct cp_place_snap s;
	const struct cp_place_node *n;

	(void)state;
	assert_int_equal(cp_place_snap_build(r, "us1", v, 6, &s), 0);
	assert_int_equal(s.s.n_locs, 4);
	assert_int_equal(s.s.n_nodes, 6); /* "nowhere" has no location; "stranger" is no node */
	assert_string_equal(s.s.locs[0].name, "USA");
	assert_int_equal(s.s.locs[0].overflow1, 1);
	assert_int_equal(s.s.locs[0].overflow2, 2);
	assert_int_equal(s.s.locs[1].overflow1, 3);
	assert_int_equal(s.s.locs[1].overflow2, CP_PLACE_NONE);
	assert_int_equal(s.s.locs[2].overflow1, CP_PLACE_NONE);
	assert_string_equal(s.s.nodes[s.self].name, "us1");
	n = node_named(&s, "us1");
	assert_non_null(n);
	assert_int_equal(n->load, 3);
	assert_int_equal(n->capacity, 10);
	assert_int_equal(n->n_confs, 1);
	assert_string_equal(n->confs[0], "Demo");
	assert_false(n->maintenance);
	assert_true(node_named(&s, "mx1")->maintenance); /* channel down: no capacity */
	assert_true(node_named(&s, "br1")->maintenance); /* no view at all */
	assert_true(node_named(&s, "us3")->maintenance); /* maintenance_mode in the replica */
	assert_null(node_named(&s, "nowhere"));
	assert_null(node_named(&s, "stranger"));
	assert_int_equal(node_named(&s, "ca1")->location, 2);
	cp_place_snap_fini(&s);
	assert_null(s.nodes);

	/* The placing node must be a configured node with a location. */
	assert_int_equal(cp_place_snap_build(r, "nowhere", v, 6, &s), -ENOENT);
	assert_int_equal(cp_place_snap_build(r, "stranger", v, 6, &s), -ENOENT);
	assert_int_equal(cp_place_snap_build(NULL, "us1", v, 6, &s), -EINVAL);
	assert_int_equal(cp_place_snap_build(r, "us1", NULL, 1, &s), -EINVAL);
	assert_int_equal(cp_place_snap_build(r, "us1", v, 6, NULL), -EINVAL);
	cp_replica_destroy(r);
}

/* A replica without locations (a file): nobody can be placed. */
static void
test_snap_no_locations(void **state)
{
	struct cp_replica *r = cp_replica_empty();
	struct cp_place_view v = {.name = "solo", .live = true, .capacity = 10};
	struct cp_place_snap s;

	(void)state;
	assert_non_null(r);
	assert_int_equal(cp_place_snap_build(r, "solo", &v, 1, &s), -ENOENT);
	cp_replica_destroy(r);
}

static int
place(const struct cp_place_view *v, size_t n, const char *sig, struct cp_place_result *res)
{
	struct cp_replica *r = load();
	struct cp_place_snap s;
	struct cp_place_request q = {.conference = "Demo", .call = CP_CALL_AUDIO,
				     .conf_kind = CP_CALL_AUDIO};
	int rc = cp_place_snap_build(r, sig, v, n, &s);
	const char *name = NULL;

	if (rc == 0) {
		q.signaling_node = s.self;
		rc = cp_place(&s.s, &q, res);
		name = rc == 0 && res->node != CP_PLACE_NONE ? s.s.nodes[res->node].name : NULL;
		/* Report the media node by its index in the views. */
		res->node = CP_PLACE_NONE;
		for (size_t i = 0; name != NULL && i < n; i++)
			if (strcmp(v[i].name, name) == 0)
				res->node = (uint16_t)i;
		cp_place_snap_fini(&s);
	}
	cp_replica_destroy(r);
	return rc;
}

/* Two units per node: one audio call and the conference's backplane reservation. */
static void
test_snap_place_end_to_end(void **state)
{
	static const char *const demo[] = {"Demo"};
	struct cp_place_view v[] = {
		{.name = "us1", .live = true, .load = 0, .capacity = 2},
		{.name = "us2", .live = true, .load = 0, .capacity = 2},
		{.name = "mx1", .live = true, .load = 0, .capacity = 2},
		{.name = "ca1", .live = true, .load = 0, .capacity = 2},
		{.name = "br1", .live = true, .load = 0, .capacity = 100},
	};
	struct cp_place_result res;

	(void)state;
	/* First caller on us1: a tie, the signalling node keeps it. */
	assert_int_equal(place(v, 5, "us1", &res), 0);
	assert_int_equal(res.decision, CP_PLACE_LOCAL);
	assert_int_equal(res.node, 0);
	assert_int_equal(res.units, 2);
	v[0].load = 2, v[0].confs = demo, v[0].n_confs = 1;
	/* us1 is full: us2 in the same location. */
	assert_int_equal(place(v, 5, "us1", &res), 0);
	assert_int_equal(res.decision, CP_PLACE_LOCAL);
	assert_int_equal(res.node, 1);
	assert_true(res.needs_backplane);
	v[1].load = 2, v[1].confs = demo, v[1].n_confs = 1;
	/* USA full: Mexico (primary), with the guide's overflow line. */
	assert_int_equal(place(v, 5, "us2", &res), 0);
	assert_int_equal(res.decision, CP_PLACE_OVERFLOW1);
	assert_int_equal(res.node, 2);
	assert_non_null(strstr(res.log, "Capacity reached in the location. Allocating the media "
				       "node in the overflow location."));
	assert_non_null(strstr(res.log, "Location=\"USA\" Overflow-location=\"Mexico\""));
	v[2].load = 2, v[2].confs = demo, v[2].n_confs = 1;
	/* USA and Mexico full: Canada (secondary), not Brazil (Mexico's own overflow). */
	assert_int_equal(place(v, 5, "us1", &res), 0);
	assert_int_equal(res.decision, CP_PLACE_OVERFLOW2);
	assert_int_equal(res.node, 3);
	v[3].load = 2, v[3].confs = demo, v[3].n_confs = 1;
	/* All three full for a USA caller: rejected although Brazil has room. */
	assert_int_equal(place(v, 5, "us1", &res), 0);
	assert_int_equal(res.decision, CP_PLACE_REJECT);
	assert_string_equal(res.reason, "resource unavailable");
	assert_string_equal(res.alarm, "Call capacity limit reached");
	assert_non_null(strstr(res.log, "Participant failed to join conference."));
	/* A Mexico caller overflows to Brazil (each location its own chain, FR-LB-3). */
	assert_int_equal(place(v, 5, "mx1", &res), 0);
	assert_int_equal(res.decision, CP_PLACE_OVERFLOW1);
	assert_int_equal(res.node, 4);
	/* A peer whose channel is down takes nothing. */
	v[4].live = false;
	assert_int_equal(place(v, 5, "mx1", &res), 0);
	assert_int_equal(res.decision, CP_PLACE_REJECT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snap_build),
		cmocka_unit_test(test_snap_no_locations),
		cmocka_unit_test(test_snap_place_end_to_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
