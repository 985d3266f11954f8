/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_replica.h - the node's in-memory copy of its configuration objects.
 *
 * Objects use the management API's resource and field names (mgmt-api,
 * /api/admin/configuration/v1/): `conference` (with nested `aliases`),
 * `conference_alias`, `gateway_routing_rule`, `automatic_participant`,
 * `device` (aliases allowed to register) and `global`. They come as one
 * JSON document whose top-level keys are those resource names, each holding
 * a list of objects or a list response ({"meta": ..., "objects": [...]}):
 * from a file (--objects) or from the management node's replication feed
 * (replica/cp_sync.h), which keeps the last document in a local sqlite file.
 * Loading is all or nothing: one bad object rejects the document.
 *
 * A loaded replica is immutable. A new configuration is a new replica that
 * replaces the old one between two events of the main loop; calls copy what
 * they need at setup (service settings, rule fields), so they never hold a
 * pointer into a replica across events.
 *
 * Context: control path (cp main loop).
 */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CP_REPLICA_STR 251 /* 250 characters, the API's limit, plus NUL */
#define CP_REPLICA_PIN 21  /* 20 characters including a trailing '#', plus NUL */

/*
 * A service (`conference` resource): VMR (service_type "conference"),
 * Virtual Auditorium ("lecture"), Virtual Reception ("two_stage_dialing") or
 * Test Call ("test_call"). Invariants: pin and guest_pin are "" or 4-20
 * characters of digits with at most one trailing '#'; guest_pin set implies
 * pin set; match_string, when set, is a valid POSIX ERE.
 */
struct cp_replica_service {
	long long id;
	char name[CP_REPLICA_STR];
	char service_type[24];
	char pin[CP_REPLICA_PIN];	/* Host PIN, "" none */
	char guest_pin[CP_REPLICA_PIN]; /* "" none */
	bool allow_guests;
	bool mute_all_guests;
	unsigned int participant_limit; /* 0: no limit */
	char match_string[CP_REPLICA_STR];   /* Virtual Reception, "" = any */
	char replace_string[CP_REPLICA_STR]; /* Virtual Reception, "" = keep */
};

/* The `global` settings the node acts on (guide part 4 §2.9, part 2 §3). */
struct cp_replica_global {
	unsigned int guests_only_timeout;		/* s, default 60 */
	unsigned int last_participant_backstop_timeout; /* s, 0 = never */
	unsigned int pin_entry_timeout;			/* s, default 120 */
};

/*
 * A device alias allowed to register (`device` resource, guide part 3 §3.9,
 * FR-REG-2/3). Invariant: username and password are both set or both "";
 * they are case-sensitive.
 */
struct cp_replica_device {
	char alias[CP_REPLICA_STR];
	char username[CP_REPLICA_STR];
	char password[CP_REPLICA_STR]; /* secret: never logged */
	bool enable_sip;
};

/*
 * Registrar settings (guide part 3 §3.8, FR-REG-11), from `global`.
 * Invariant: each min <= its max, all in 1..86400.
 */
struct cp_replica_registrar {
	bool enable;
	bool adaptive; /* strategy: adaptive (default) or basic */
	unsigned int adaptive_min, adaptive_max; /* s, 60/3600 */
	unsigned int basic_min, basic_max;	 /* s, 60/300 */
	unsigned int nat_min, nat_max;		 /* s, 60/90 */
};

/* An automatically dialled participant of one service (guide part 3 §2.13). */
struct cp_replica_adp {
	char alias[CP_REPLICA_STR];	 /* the address dialled */
	unsigned int svc;		 /* index into cp_replica.services */
	char role[8];			 /* "chair" or "guest" */
	char dtmf_sequence[CP_REPLICA_STR]; /* digits, '*', '#', ',' = pause */
};

/* A service alias: conference_alias, or an alias nested in a conference. */
struct cp_replica_alias {
	char alias[CP_REPLICA_STR];
	char conference[CP_REPLICA_STR]; /* the conference's name */
	char service_type[24];		 /* conference, lecture, two_stage_dialing, test_call */
	unsigned int svc;		 /* index into cp_replica.services */
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

/*
 * A system location (`system_location`): overflow links are indexes into
 * cp_replica.locations, or -1 (guide part 2 §2.2, part 1 §2.3).
 */
struct cp_replica_location {
	long long id;
	char name[CP_REPLICA_STR];
	int overflow1, overflow2;
};

/*
 * A Conferencing Node (`worker_vm`): the peers of the backplane control
 * channel (backplane/cp_bp.h). Invariant: name and address are set;
 * location is an index into cp_replica.locations or -1.
 */
struct cp_replica_node {
	char name[CP_REPLICA_STR];
	char address[46];
	int location;
	bool maintenance;
};

struct cp_replica {
	long long version; /* replication version, 0 for a file */
	unsigned int n_services;
	struct cp_replica_service *services; /* owned */
	struct cp_replica_global global;
	unsigned int n_aliases;
	struct cp_replica_alias *aliases; /* owned */
	unsigned int n_adps;
	struct cp_replica_adp *adps; /* owned */
	unsigned int n_rules;
	struct cp_replica_rule *rules; /* owned, sorted */
	unsigned int n_devices;
	struct cp_replica_device *devices; /* owned; passwords wiped on destroy */
	struct cp_replica_registrar registrar;
	unsigned int n_locations;
	struct cp_replica_location *locations; /* owned */
	unsigned int n_nodes;
	struct cp_replica_node *nodes; /* owned */
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

/**
 * Build a replica from a parsed document (same rules as cp_replica_load()).
 * @param root  the document (borrowed)
 * @return 0; -EINVAL (bad object, @p err says which), -ENOMEM.
 */
int cp_replica_from_json(json_t *root, struct cp_replica **out, char *err, size_t errcap);

/** An empty replica (no services, no rules, default globals). @return NULL on ENOMEM. */
struct cp_replica *cp_replica_empty(void);

/** Free a replica and its compiled expressions. NULL is a no-op. */
void cp_replica_destroy(struct cp_replica *r);

/**
 * Find a service alias (case-insensitive, exact).
 * @return a borrowed pointer valid until cp_replica_destroy(), or NULL.
 */
const struct cp_replica_alias *cp_replica_alias_lookup(const struct cp_replica *r,
						       const char *alias);

/**
 * Find a device alias allowed to register (case-insensitive, exact).
 * @return a borrowed pointer valid until cp_replica_destroy(), or NULL.
 */
const struct cp_replica_device *cp_replica_device_lookup(const struct cp_replica *r,
							 const char *alias);

/** A node by name (exact). @return borrowed, valid until cp_replica_destroy(), or NULL. */
const struct cp_replica_node *cp_replica_node_lookup(const struct cp_replica *r, const char *name);

/** The service an alias reaches (borrowed, valid until cp_replica_destroy()). */
const struct cp_replica_service *cp_replica_alias_service(const struct cp_replica *r,
							  const struct cp_replica_alias *a);
