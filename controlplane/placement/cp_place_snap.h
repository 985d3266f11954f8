/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_place_snap.h - the placement snapshot (cp_place.h) of one node's view
 * of the deployment.
 *
 * Locations and their overflow links come from the replicated
 * system_location objects (overflow_location1/overflow_location2), nodes
 * from the worker_vm objects; the live part (load, capacity, conferences
 * whose media each node carries) from what the node knows of itself and
 * what its peers last said over the backplane channel (ping/pong,
 * conf_up). Every configured node with a location is in the snapshot, so
 * the deployment size (and with it the backplane reservation) does not
 * change when a peer is unreachable; a node without a view, or whose view
 * is not live, is counted as in maintenance (no capacity). Nodes without a
 * location cannot take media and are left out.
 *
 * Context: pure function over its inputs, any thread; allocates the arrays
 * it returns.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_place.h"

struct cp_replica;

/** What the placing node knows of one node (itself included). */
struct cp_place_view {
	const char *name;		  /**< worker_vm name; borrowed */
	bool live;			  /**< itself, or a peer whose channel is up */
	uint32_t load, capacity;	  /**< placement units */
	const char *const *confs;	  /**< conferences whose media it carries; borrowed */
	uint16_t n_confs;
};

/** A snapshot and the storage behind it. */
struct cp_place_snap {
	struct cp_place_snapshot s;   /**< points into the arrays below */
	struct cp_place_location *locs; /**< owned */
	struct cp_place_node *nodes;  /**< owned; names and confs borrowed from the inputs */
	uint16_t self;		      /**< index of the placing node in s.nodes */
};

/**
 * Build the snapshot.
 * @param r        configuration (borrowed; must outlive the snapshot)
 * @param self     the placing node's worker_vm name
 * @param views    what it knows of the nodes (borrowed; must outlive the snapshot)
 * @param n_views  entries in @p views
 * @param out      filled; release with cp_place_snap_fini()
 * @return 0; -ENOENT (@p self is not a configured node with a location),
 *   -E2BIG (more than 65534 locations or nodes), -EINVAL (NULL), -ENOMEM.
 * Context: any thread.
 */
int cp_place_snap_build(const struct cp_replica *r, const char *self,
			const struct cp_place_view *views, size_t n_views, struct cp_place_snap *out);

/** Free what cp_place_snap_build() allocated; the struct is zeroed. */
void cp_place_snap_fini(struct cp_place_snap *snap);
