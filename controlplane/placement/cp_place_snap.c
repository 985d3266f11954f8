/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_place_snap.c - build a placement snapshot from the replica and the
 * live views of the nodes (cp_place_snap.h).
 *
 * Context: any thread; no I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp_place_snap.h"
#include "cp_replica.h"

static const struct cp_place_view *
view_of(const struct cp_place_view *views, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (views[i].name != NULL && strcmp(views[i].name, name) == 0)
			return &views[i];
	return NULL;
}

static uint16_t
loc_index(int i, unsigned int n)
{
	return i >= 0 && (unsigned int)i < n ? (uint16_t)i : CP_PLACE_NONE;
}

int
cp_place_snap_build(const struct cp_replica *r, const char *self,
		    const struct cp_place_view *views, size_t n_views, struct cp_place_snap *out)
{
	uint16_t n = 0;

	if (out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->self = CP_PLACE_NONE;
	if (r == NULL || self == NULL || (views == NULL && n_views > 0))
		return -EINVAL;
	if (r->n_locations >= CP_PLACE_NONE || r->n_nodes >= CP_PLACE_NONE)
		return -E2BIG;
	out->locs = calloc(r->n_locations ? r->n_locations : 1, sizeof(*out->locs));
	out->nodes = calloc(r->n_nodes ? r->n_nodes : 1, sizeof(*out->nodes));
	if (out->locs == NULL || out->nodes == NULL) {
		cp_place_snap_fini(out);
		return -ENOMEM;
	}
	for (unsigned int l = 0; l < r->n_locations; l++) {
		out->locs[l].name = r->locations[l].name;
		out->locs[l].overflow1 = loc_index(r->locations[l].overflow1, r->n_locations);
		out->locs[l].overflow2 = loc_index(r->locations[l].overflow2, r->n_locations);
	}
	for (unsigned int i = 0; i < r->n_nodes; i++) {
		const struct cp_replica_node *rn = &r->nodes[i];
		const struct cp_place_view *v = view_of(views, n_views, rn->name);
		struct cp_place_node *pn = &out->nodes[n];

		if (loc_index(rn->location, r->n_locations) == CP_PLACE_NONE)
			continue;
		pn->name = rn->name;
		pn->location = (uint16_t)rn->location;
		pn->maintenance = rn->maintenance || v == NULL || !v->live;
		if (v != NULL) {
			pn->load = v->load;
			pn->capacity = v->capacity;
			pn->confs = v->confs;
			pn->n_confs = v->confs != NULL ? v->n_confs : 0;
		}
		if (strcmp(rn->name, self) == 0)
			out->self = n;
		n++;
	}
	if (out->self == CP_PLACE_NONE) {
		cp_place_snap_fini(out);
		return -ENOENT;
	}
	out->s = (struct cp_place_snapshot){
		.locs = out->locs,
		.n_locs = (uint16_t)r->n_locations,
		.nodes = out->nodes,
		.n_nodes = n,
	};
	return 0;
}

void
cp_place_snap_fini(struct cp_place_snap *snap)
{
	if (snap == NULL)
		return;
	free(snap->locs);
	free(snap->nodes);
	memset(snap, 0, sizeof(*snap));
	snap->self = CP_PLACE_NONE;
}
