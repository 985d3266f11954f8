/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_replica.h - the node's in-memory copy of its configuration objects.
 *
 * Objects use the management API's resource and field names (mgmt-api,
 * /api/admin/configuration/v1/): `conference` (with nested `aliases`),
 * `conference_alias` and `gateway_routing_rule`. Until replication from the
 * management node and the local sqlite replica exist, they are loaded from a
 * JSON file whose top-level keys are those resource names, each holding a
 * list of objects or a list response ({"meta": ..., "objects": [...]}).
 * Loading is all or nothing: one bad object rejects the file.
 *
 * Context: control path (cp main loop); read-only once loaded.
 */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#define CP_REPLICA_STR 251 /* 250 characters, the API's limit, plus NUL */

/* A service alias: conference_alias, or an alias nested in a conference. */
struct cp_replica_alias {
	char alias[CP_REPLICA_STR];
	char conference[CP_REPLICA_STR]; /* the conference's name */
	char service_type[24];		 /* conference, lecture, two_stage_dialing, test_call */
};

/*
 * gateway_routing_rule. Invariant: re is compiled (POSIX ERE, case-
 * insensitive) from match_string; rules are kept sorted by priority, then
 * by their order in the file.
 */
struct cp_replica_rule {
	char name[CP_REPLICA_STR];
	int priority; /* 1..200, lower first */
	bool enable;
	bool match_string_full;
	bool match_incoming_calls;
	bool match_incoming_sip;
	char match_string[CP_REPLICA_STR];
	char replace_string[CP_REPLICA_STR];
	char called_device_type[24]; /* external, registration, mssip_* */
	char outgoing_protocol[8];   /* sip, h323, mssip, rtmp */
	char crypto_mode[12];	     /* "" (null: global), besteffort, on, off */
	regex_t re;
};

struct cp_replica {
	unsigned int n_aliases;
	struct cp_replica_alias *aliases; /* owned */
	unsigned int n_rules;
	struct cp_replica_rule *rules; /* owned, sorted */
};

/**
 * Load and validate a configuration file.
 * @param path  JSON file (borrowed)
 * @param out   returns owned; free with cp_replica_destroy()
 * @param err   a human-readable reason on failure (object, field)
 * @return 0; -ENOENT/-EACCES (cannot open), -EINVAL (bad JSON or object),
 *   -ENOMEM.
 * Context: startup (and reload, later).
 */
int cp_replica_load(const char *path, struct cp_replica **out, char *err, size_t errcap);

/** Free a replica and its compiled expressions. NULL is a no-op. */
void cp_replica_destroy(struct cp_replica *r);

/**
 * Find a service alias (case-insensitive, exact).
 * @return a borrowed pointer valid until cp_replica_destroy(), or NULL.
 */
const struct cp_replica_alias *cp_replica_alias_lookup(const struct cp_replica *r,
						       const char *alias);
