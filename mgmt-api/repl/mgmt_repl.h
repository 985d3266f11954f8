/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_repl.h - the Management Node's side of the node protocol.
 *
 * Conferencing Nodes enrol with a token issued through the admin API
 * (bootstrap), long-poll GET /api/internal/v1/config for configuration
 * snapshots and POST /api/internal/v1/status every second with their live
 * state, events and command results; the answer carries the commands
 * queued for them. This module holds everything behind those endpoints:
 *
 *  - enrolment tokens: 32 random bytes, hex; only their SHA-256 is stored
 *    (node_enrolment), a new token replaces the node's previous one;
 *  - configuration snapshots: every replicated resource, each object as
 *    the admin API GET returns it, read in one transaction together with
 *    the configuration version; the text is cached per version;
 *  - status reports: validated as a whole, then written in one write
 *    transaction (status_node, status_conference, status_participant) with
 *    the history records their events produce (history_conference,
 *    history_participant, newest 10,000 conferences kept);
 *  - the command queue (in memory): commands queued per node, delivered
 *    in the answer to the node's next status report, completed by the
 *    command_results of a later one;
 *  - alarms (mgmt_repl_tick()): a node without a status report for
 *    MGMT_REPL_CONTACT_TIMEOUT seconds, a node behind the configuration
 *    version for MGMT_REPL_SYNC_TIMEOUT seconds.
 *
 * Context: any thread, thread-safe. The wake callback runs after every
 * event a waiting request may be interested in (a command result).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mgmt_db.h"

#define MGMT_REPL_TOKEN_LEN 64       /* hex characters */
#define MGMT_REPL_UUID_LEN 36        /* 8-4-4-4-12 */
#define MGMT_REPL_HISTORY_KEEP 10000 /* completed conferences kept */
#define MGMT_REPL_CONTACT_TIMEOUT 60 /* s without a report: connectivity alarm */
#define MGMT_REPL_SYNC_TIMEOUT 10    /* s behind the configuration: sync alarm */
#define MGMT_REPL_MAX_ITEMS 10000    /* per list in one status report */

/** Called when something a waiting request may want has happened. */
typedef void (*mgmt_repl_wake_cb)(void *arg);

/**
 * Called for every admin log record the module produces (see mgmt_log).
 * @param system  where it happened (a node's address), NULL = the management node
 * @param time    when, "YYYY-MM-DDTHH:MM:SS[.ffffff]" UTC, NULL = now
 */
typedef void (*mgmt_repl_log_cb)(void *arg, const char *system, const char *time,
				 const char *level, const char *module, const char *message,
				 const json_t *params);

struct mgmt_repl;

/** One command's outcome, once the node reported it. */
enum mgmt_repl_cmd_state {
	MGMT_REPL_CMD_QUEUED,  /* waiting for the node's next status report */
	MGMT_REPL_CMD_SENT,    /* delivered, no result yet */
	MGMT_REPL_CMD_SUCCESS, /* the node reported success */
	MGMT_REPL_CMD_FAILURE, /* the node reported failure */
};

/**
 * Create the module over @p db (borrowed; must outlive it) and clear the
 * live status left by a previous run.
 * @return 0, -ENOMEM, -EIO.
 * Context: startup.
 */
int mgmt_repl_create(struct mgmt_db *db, struct mgmt_repl **out);

/** Free @p r (NULL accepted). Context: shutdown, no user left. */
void mgmt_repl_destroy(struct mgmt_repl *r);

/**
 * Alarm timeouts: seconds without a status report before "Connectivity lost
 * between nodes", seconds behind the configuration version before
 * "Configuration not synchronized". Context: startup.
 */
void mgmt_repl_set_timeouts(struct mgmt_repl *r, unsigned int contact_s, unsigned int sync_s);

/** Install the wake and admin-log callbacks (either may be NULL). Context: startup. */
void mgmt_repl_set_callbacks(struct mgmt_repl *r, mgmt_repl_wake_cb wake, void *wake_arg,
			     mgmt_repl_log_cb log, void *log_arg);

/**
 * Issue a new enrolment token for node @p worker_vm_id, revoking the old one.
 * @param token  at least MGMT_REPL_TOKEN_LEN + 1 bytes; zero it after use
 * @return 0, -ENOENT (no such node), -EIO.
 * Context: any thread; takes the writer.
 */
int mgmt_repl_issue_token(struct mgmt_repl *r, int64_t worker_vm_id, char *token, size_t cap);

/**
 * Find the node a bearer token belongs to.
 * @return 0 (and *worker_vm_id), -EACCES (unknown or malformed token), -EIO.
 * Context: any thread; one read transaction.
 */
int mgmt_repl_node_auth(struct mgmt_repl *r, const char *token, int64_t *worker_vm_id);

/**
 * The configuration snapshot:
 * {"version": N, "objects": {"conference": [...], ...}} as compact JSON.
 * @param text     returns owned (free())
 * @param version  the version it holds
 * @return 0, -ENOMEM, -EIO.
 * Context: any thread; one read transaction when the cache is stale.
 */
int mgmt_repl_snapshot(struct mgmt_repl *r, char **text, int64_t *version);

/**
 * Take one status report of node @p node.
 * @param body      the parsed report (borrowed)
 * @param errors    gets {"<path>": ["<message>"]} when invalid (borrowed)
 * @param commands  on success, the commands queued for the node (returns owned array)
 * @return 0, -EINVAL (errors filled, nothing written), -ENOENT (the node was
 *         deleted), -EIO.
 * Context: any thread; takes the writer once.
 */
int mgmt_repl_status(struct mgmt_repl *r, int64_t node, const json_t *body, json_t *errors,
		     json_t **commands);

/**
 * Queue a command for node @p node.
 * @param name  node command name (e.g. "participant_mute"); borrowed
 * @param args  its arguments (takes a reference)
 * @param id    gets the command's UUID (MGMT_REPL_UUID_LEN + 1 bytes)
 * @return 0, -ENOMEM, -EIO.
 */
int mgmt_repl_cmd_submit(struct mgmt_repl *r, int64_t node, const char *name, json_t *args,
			 char *id);

/**
 * State of a command.
 * @param message  copied when done (may be NULL)
 * @param result   when done, the node's "result" (returns owned, may be NULL)
 * @return the state, or -ENOENT when unknown (expired).
 */
int mgmt_repl_cmd_state(struct mgmt_repl *r, const char *id, char *message, size_t cap,
			json_t **result);

/** Drop a command nobody waits for any more (not delivered yet: never delivered). */
void mgmt_repl_cmd_forget(struct mgmt_repl *r, const char *id);

/**
 * The live topology: locations -> nodes -> conferences -> participants.
 * @return a new object, or NULL (ENOMEM, database error).
 * Context: any thread; one read transaction.
 */
json_t *mgmt_repl_live(struct mgmt_repl *r);

/**
 * Once a second: raise and lower alarms, expire old commands.
 * Context: the monitor thread.
 */
void mgmt_repl_tick(struct mgmt_repl *r);

/**
 * Normalise a time: an ISO 8601 string (date, 'T' or space, time with
 * optional fraction, optional Z or +-HH:MM) or a number of seconds since
 * the epoch, into "YYYY-MM-DDTHH:MM:SS.ffffff" UTC.
 * @param out  at least 27 bytes
 * @return 0, or -EINVAL.
 */
int mgmt_repl_time(const json_t *v, char *out, size_t cap);

/**
 * A random (version 4) UUID.
 * @param out  at least MGMT_REPL_UUID_LEN + 1 bytes
 * @return 0, or -EIO.
 */
int mgmt_repl_uuid(char *out);
