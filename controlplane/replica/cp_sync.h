/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_sync.h - the node's link to the management node: configuration
 * replication into a local sqlite replica, and status/events/commands.
 *
 * Node protocol (docs/api.md "Node protocol"), HTTPS with the enrolment
 * token as a bearer credential:
 *   GET  /api/internal/v1/config?since=V&wait=25
 *        -> {"version":N,"objects":{<resource>:[...]}}  (a change, at once)
 *        -> {"version":N,"objects":null}               (no change, after wait)
 *   POST /api/internal/v1/status  {config_version, conferences, participants,
 *        events, load, command_results}  every second
 *        -> {"commands":[{"id","command","args"}]}
 *
 * Threads: a config thread long-polls and validates each new document
 * (cp_replica_from_json) before it stores it in the replica database and
 * hands it over; a status thread posts what the main loop prepared. The main
 * loop is woken through an eventfd to swap in a new replica and run
 * commands, so configuration objects and calls are only ever touched on the
 * main loop. When the management node is unreachable, both threads retry
 * every few seconds and the node keeps serving from its replica.
 *
 * The replica database (sqlite, WAL) holds one row: the last valid document
 * and its version. It is read at start, so a node that restarts while the
 * management node is down serves the configuration it had.
 *
 * Context: created and destroyed on the main loop; see above for threads.
 */
#pragma once

#include <jansson.h>

#include "cp_sofia.h"

struct cp_sip;
struct cp_replica;
struct cp_sync;

struct cp_sync_cfg {
	const char *mgmt_url;   /* https://host:port, no trailing slash needed */
	const char *token;      /* enrolment token (secret) */
	const char *cacert;     /* PEM bundle that signs the management node's certificate */
	const char *replica_db; /* sqlite file */
	const char *node_name;
};

/**
 * Read the replica database.
 * @param out  the stored configuration, or NULL when the database holds none
 * @return 0 (also when empty); -EINVAL when the stored document is invalid;
 *   -EIO when the database cannot be opened.
 * Context: startup.
 */
int cp_sync_load(const char *replica_db, struct cp_replica **out, char *err, size_t errcap);

/**
 * Start replication and status reporting.
 * @param s        the user agent whose replica is swapped (borrowed)
 * @param current  the replica in force (ownership passes to the sync, which
 *                 frees each replica it replaces)
 * @return 0, -ENOMEM, -EIO (eventfd, threads).
 */
int cp_sync_start(su_root_t *root, const struct cp_sync_cfg *cfg, struct cp_sip *s,
		  struct cp_replica *current, struct cp_sync **out);

/** The configuration version in force (0 before the first). */
long long *cp_sync_version(struct cp_sync *y);

/** Stop the threads (at most a second or two), free the replica in force. NULL is a no-op. */
void cp_sync_stop(struct cp_sync *y);
