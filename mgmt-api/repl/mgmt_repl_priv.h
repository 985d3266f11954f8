/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_repl_priv.h - state shared by the files of the node protocol
 * (mgmt_repl.c: enrolment, snapshots, commands, alarms; mgmt_repl_status.c:
 * status reports, history, topology). Not for other modules.
 *
 * Context: any thread; the locks below guard what they say.
 */
#pragma once

#include <pthread.h>
#include <time.h>

#include "mgmt_repl.h"

/* A queued command. Invariant: on r->cmds iff not yet expired. */
struct repl_cmd {
	char id[MGMT_REPL_UUID_LEN + 1];
	int64_t node;
	char name[40];
	json_t *args; /* owned */
	enum mgmt_repl_cmd_state state;
	char message[256];
	json_t *result; /* owned, NULL = none */
	struct timespec created;
	struct repl_cmd *next;
};

/*
 * Invariants: snap_text is the snapshot of snap_version (NULL = none yet);
 * cmds is guarded by cmd_lock, the snapshot cache by snap_lock.
 */
struct mgmt_repl {
	struct mgmt_db *db; /* borrowed */
	pthread_mutex_t snap_lock;
	char *snap_text; /* owned */
	int64_t snap_version;
	pthread_mutex_t cmd_lock;
	struct repl_cmd *cmds; /* owned list */
	mgmt_repl_wake_cb wake;
	void *wake_arg;
	mgmt_repl_log_cb log;
	void *log_arg;
	unsigned int contact_timeout_s, sync_timeout_s;
};

/** Report the results of a status report to the command queue (after commit). */
void repl_cmd_results(struct mgmt_repl *r, int64_t node, const json_t *results);

/** Move the node's queued commands to SENT and return them as a JSON array. */
json_t *repl_cmd_take(struct mgmt_repl *r, int64_t node);

/** Log through the admin-log callback, if any. @p params: "Key": "value" pairs. */
void repl_log_at(struct mgmt_repl *r, const char *system, const char *time, const char *level,
		 const char *module, const char *message, json_t *params);
void repl_log(struct mgmt_repl *r, const char *level, const char *module, const char *message,
	      json_t *params);

/** Seconds between two normalised times (b - a); 0 when either does not parse. */
int64_t repl_seconds_between(const char *a, const char *b);
