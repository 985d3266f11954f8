/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * fuzz_mgmt_node.c - libFuzzer target for the node protocol of
 * tessera-mgmt: Conferencing Node status reports (validation of every
 * list, times, types, then the write transaction, history and command
 * results), the config long-poll query, and admin command bodies, all
 * through the real REST handler on an in-memory database.
 *
 * Input: first byte selects the endpoint (status report, config query,
 * or one of the commands); the rest is the body or the query string
 * ("key=value&..." with no escapes).
 * Invariants checked: no 5xx for any input (but a command's 503 "no node
 * available"), a 400 always names a field,
 * a refused status report writes nothing.
 * Context: fuzzer process, single thread.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "mgmt_db.h"
#include "mgmt_repl.h"
#include "mgmt_rest.h"
#include "tsr_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mgmt_db *db;
static struct mgmt_repl *repl;
static struct mgmt_rest rest;
static int64_t node;

static const char *const commands[] = {
	"participant/dial/",     "participant/disconnect/", "participant/mute/",
	"participant/unmute/",   "participant/transfer/",   "participant/role/",
	"conference/lock/",      "conference/unlock/",      "conference/mute_guests/",
	"conference/unmute_guests/", "conference/disconnect/",
};

static unsigned int
call(const char *method, const char *path, const struct mgmt_rest_arg *args, size_t n_args,
     const char *body, size_t len, int64_t as_node)
{
	struct mgmt_rest_req req = {.method = method,
				    .path = path,
				    .args = args,
				    .n_args = n_args,
				    .body = body,
				    .body_len = len,
				    .role = as_node ? MGMT_ROLE_NONE : MGMT_ROLE_ADMIN,
				    .node = as_node};
	struct mgmt_rest_resp resp;
	unsigned int status;

	mgmt_rest_handle(&rest, &req, &resp);
	status = resp.wait != NULL ? 200 : resp.status;
	/* 503 "no Conferencing Node available" is a state, not a server error. */
	if (status >= 500 &&
	    !(status == 503 && json_is_string(json_object_get(resp.body, "status"))))
		abort();
	if (status == 400 && (resp.body == NULL || json_object_size(resp.body) == 0))
		abort();
	mgmt_rest_resp_fini(&resp); /* a parked request is dropped, its commands withdrawn */
	return status;
}

static void
init_once(void)
{
	char token[MGMT_REPL_TOKEN_LEN + 1];
	static const char loc[] = "{\"name\":\"L\"}";
	static const char vm[] = "{\"name\":\"n\",\"hostname\":\"n\",\"domain\":\"example.com\","
				 "\"address\":\"10.0.0.1\",\"netmask\":\"255.0.0.0\","
				 "\"gateway\":\"10.0.0.2\",\"system_location\":1}";
	static const char conf[] = "{\"name\":\"c\",\"aliases\":[{\"alias\":\"c1\"}]}";

	if (db != NULL)
		return;
	tsr_log_init(TSR_LOG_ERR, 2);
	if (mgmt_db_create(":memory:", 1, &db) < 0 || mgmt_repl_create(db, &repl) < 0)
		abort();
	rest = (struct mgmt_rest){.db = db,
				  .repl = repl,
				  .cfg = {.default_limit = 20,
					  .max_limit = 50,
					  .max_depth = 8,
					  .pbkdf2_iterations = 1000,
					  .command_timeout_s = 1}};
	call("POST", "/api/admin/configuration/v1/system_location/", NULL, 0, loc, strlen(loc), 0);
	call("POST", "/api/admin/configuration/v1/worker_vm/", NULL, 0, vm, strlen(vm), 0);
	call("POST", "/api/admin/configuration/v1/conference/", NULL, 0, conf, strlen(conf), 0);
	node = 1;
	if (mgmt_repl_issue_token(repl, node, token, sizeof(token)) < 0)
		abort();
}

static int
count_rows(void)
{
	sqlite3 *h = mgmt_db_read_begin(db);
	sqlite3_stmt *st;
	int n = -1;

	if (h == NULL ||
	    sqlite3_prepare_v2(h,
			       "SELECT (SELECT count(*) FROM status_participant) + (SELECT count(*)"
			       " FROM history_participant) * 1000 + (SELECT count(*) FROM"
			       " history_conference) * 1000000",
			       -1, &st, NULL) != SQLITE_OK)
		abort();
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	mgmt_db_read_end(db, h);
	return n;
}

static void
run_query(const char *qs)
{
	struct mgmt_rest_arg args[8];
	char *copy = strdup(qs), *p = copy, *kv;
	size_t n = 0;

	if (copy == NULL)
		return;
	while (n < 8 && (kv = strsep(&p, "&")) != NULL) {
		char *eq = strchr(kv, '=');

		args[n].key = kv;
		args[n].value = eq != NULL ? eq + 1 : NULL;
		if (eq != NULL)
			*eq = '\0';
		n++;
	}
	call("GET", "/api/internal/v1/config", args, n, NULL, 0, node);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int sel;
	char *text;

	init_once();
	if (size < 1)
		return 0;
	sel = data[0] % (2 + sizeof(commands) / sizeof(commands[0]));
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (sel == 0) {
		int before = count_rows();

		if (call("POST", "/api/internal/v1/status", NULL, 0, text, size - 1, node) == 400 &&
		    count_rows() != before)
			abort(); /* a refused report must not write anything */
	} else if (sel == 1) {
		if (strlen(text) == size - 1)
			run_query(text);
	} else {
		char path[96];

		snprintf(path, sizeof(path), "/api/admin/command/v1/%s", commands[sel - 2]);
		call("POST", path, NULL, 0, text, size - 1, 0);
	}
	free(text);
	/* Keep the history small so runs stay fast. */
	{
		sqlite3 *h = mgmt_db_write_begin(db);

		if (h != NULL) {
			mgmt_db_exec(h, "DELETE FROM history_conference WHERE id > 50;"
					" DELETE FROM alarm;");
			mgmt_db_write_end(db, true);
		}
	}
	return 0;
}
