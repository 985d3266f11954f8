/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_repl.c - unit tests of the node protocol on an in-memory database:
 * the configuration version (bumped by configuration writes only, never by
 * a refused one), enrolment tokens, snapshots, status report validation
 * (nothing written when any part is bad), history from events, commands,
 * parked requests, time parsing.
 * Context: cmocka test process.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "mgmt_db.h"
#include "mgmt_repl.h"
#include "mgmt_rest.h"

struct fix {
	struct mgmt_db *db;
	struct mgmt_repl *repl;
	struct mgmt_rest rest;
	int64_t node;
	char token[MGMT_REPL_TOKEN_LEN + 1];
};

static unsigned int
call(struct fix *f, const char *method, const char *path, const char *body, int64_t node,
     json_t **out)
{
	char p[256], *q;
	struct mgmt_rest_arg arg;
	struct mgmt_rest_req req = {.method = method,
				    .path = p,
				    .body = body,
				    .body_len = body ? strlen(body) : 0,
				    .role = node ? MGMT_ROLE_NONE : MGMT_ROLE_ADMIN,
				    .node = node};
	struct mgmt_rest_resp resp;
	unsigned int status;

	/* One "?key=value" at most, enough here. */
	snprintf(p, sizeof(p), "%s", path);
	q = strchr(p, '?');
	if (q != NULL) {
		*q++ = '\0';
		arg.key = q;
		arg.value = strchr(q, '=') + 1;
		*strchr(q, '=') = '\0';
		req.args = &arg;
		req.n_args = 1;
	}
	mgmt_rest_handle(&f->rest, &req, &resp);
	if (resp.wait != NULL) {
		struct mgmt_rest_wait *w = resp.wait;

		resp.wait = NULL;
		mgmt_rest_resp_fini(&resp);
		mgmt_rest_resume(&f->rest, w, &resp);
	}
	status = resp.status;
	if (out != NULL)
		*out = resp.body != NULL
			       ? json_incref(resp.body)
			       : json_loads(resp.text ? resp.text : "null", JSON_DECODE_ANY, NULL);
	mgmt_rest_resp_fini(&resp);
	return status;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	json_t *o = NULL;

	assert_non_null(f);
	assert_int_equal(mgmt_db_create(":memory:", 1, &f->db), 0);
	assert_int_equal(mgmt_repl_create(f->db, &f->repl), 0);
	f->rest = (struct mgmt_rest){.db = f->db,
				     .repl = f->repl,
				     .cfg = {.default_limit = 20,
					     .max_limit = 100,
					     .max_depth = 8,
					     .pbkdf2_iterations = 1000,
					     .command_timeout_s = 1}};
	assert_int_equal(call(f, "POST", "/api/admin/configuration/v1/system_location/",
			      "{\"name\":\"Oslo\"}", 0, NULL),
			 201);
	assert_int_equal(call(f, "POST", "/api/admin/configuration/v1/worker_vm/",
			      "{\"name\":\"cn1\",\"hostname\":\"cn1\",\"domain\":\"example.com\","
			      "\"address\":\"10.0.0.11\",\"netmask\":\"255.255.255.0\","
			      "\"gateway\":\"10.0.0.1\",\"system_location\":1}",
			      0, &o),
			 201);
	f->node = json_integer_value(json_object_get(o, "id"));
	json_decref(o);
	assert_int_equal(mgmt_repl_issue_token(f->repl, f->node, f->token, sizeof(f->token)), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	mgmt_repl_destroy(f->repl);
	mgmt_db_destroy(f->db);
	free(f);
	return 0;
}

static void
test_version(void **state)
{
	struct fix *f = *state;
	int64_t v = mgmt_db_config_version(f->db);

	assert_true(v >= 3); /* 1 + location + node */
	assert_int_equal(
		call(f, "POST", "/api/admin/configuration/v1/conference/",
		     "{\"name\":\"A\",\"aliases\":[{\"alias\":\"a1\"},{\"alias\":\"a2\"}]}", 0,
		     NULL),
		201);
	assert_int_equal(mgmt_db_config_version(f->db), v + 1); /* one bump per write */
	/* A refused write leaves the version alone. */
	assert_int_equal(call(f, "POST", "/api/admin/configuration/v1/conference/",
			      "{\"name\":\"B\",\"pin\":\"12\"}", 0, NULL),
			 400);
	assert_int_equal(mgmt_db_config_version(f->db), v + 1);
	/* Accounts are not replicated. */
	assert_int_equal(call(f, "POST", "/api/admin/configuration/v1/user/",
			      "{\"username\":\"ro\",\"password\":\"longenough\"}", 0, NULL),
			 201);
	assert_int_equal(mgmt_db_config_version(f->db), v + 1);
	assert_int_equal(
		call(f, "DELETE", "/api/admin/configuration/v1/conference/1/", NULL, 0, NULL), 204);
	assert_int_equal(mgmt_db_config_version(f->db), v + 2);
}

static void
test_tokens(void **state)
{
	struct fix *f = *state;
	char old[MGMT_REPL_TOKEN_LEN + 1];
	int64_t id = 0;

	assert_int_equal(mgmt_repl_node_auth(f->repl, f->token, &id), 0);
	assert_int_equal(id, f->node);
	assert_int_equal(mgmt_repl_node_auth(f->repl, "short", &id), -EACCES);
	memcpy(old, f->token, sizeof(old));
	old[0] = old[0] == 'a' ? 'b' : 'a';
	assert_int_equal(mgmt_repl_node_auth(f->repl, old, &id), -EACCES);
	/* A new token revokes the previous one. */
	memcpy(old, f->token, sizeof(old));
	assert_int_equal(mgmt_repl_issue_token(f->repl, f->node, f->token, sizeof(f->token)), 0);
	assert_string_not_equal(old, f->token);
	assert_int_equal(mgmt_repl_node_auth(f->repl, old, &id), -EACCES);
	assert_int_equal(mgmt_repl_node_auth(f->repl, f->token, &id), 0);
	assert_int_equal(mgmt_repl_issue_token(f->repl, 999, old, sizeof(old)), -ENOENT);
	/* A node token opens nothing but the node protocol. */
	assert_int_equal(
		call(f, "GET", "/api/admin/configuration/v1/conference/", NULL, f->node, NULL),
		401);
	assert_int_equal(call(f, "GET", "/api/internal/v1/config", NULL, 0, NULL), 401);
}

static void
test_snapshot(void **state)
{
	struct fix *f = *state;
	json_t *o = NULL, *c = NULL;

	assert_int_equal(call(f, "POST", "/api/admin/configuration/v1/conference/",
			      "{\"name\":\"S\",\"aliases\":[{\"alias\":\"s1\"}]}", 0, &c),
			 201);
	assert_int_equal(call(f, "GET", "/api/internal/v1/config?since=0", NULL, f->node, &o), 200);
	assert_int_equal(json_integer_value(json_object_get(o, "version")),
			 mgmt_db_config_version(f->db));
	assert_true(json_equal(
		json_array_get(json_object_get(json_object_get(o, "objects"), "conference"), 0),
		c));
	assert_int_equal(json_array_size(json_object_get(json_object_get(o, "objects"), "global")),
			 1);
	assert_non_null(json_object_get(json_object_get(o, "objects"), "device"));
	json_decref(o);
	json_decref(c);
}

static unsigned int
status(struct fix *f, const char *body, json_t **out)
{
	return call(f, "POST", "/api/internal/v1/status", body, f->node, out);
}

static int
rows(struct mgmt_db *db, const char *sql)
{
	sqlite3 *h = mgmt_db_read_begin(db);
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	mgmt_db_read_end(db, h);
	return n;
}

static void
test_status_validation(void **state)
{
	static const char *const bad[] = {
		"{}",
		"{\"config_version\":-1}",
		"{\"config_version\":1,\"participants\":{}}",
		"{\"config_version\":1,\"participants\":[{\"id\":\"x\"}]}",
		"{\"config_version\":1,\"participants\":[{\"id\":\"../x\",\"conference\":\"c\"}]}",
		"{\"config_version\":1,\"participants\":[{\"id\":\"x\",\"conference\":\"c\","
		"\"remote_port\":\"80\"}]}",
		"{\"config_version\":1,\"conferences\":[{\"name\":\"c\",\"service_type\":\"x\"}]}",
		"{\"config_version\":1,\"events\":[{\"type\":\"conference_started\"}]}",
		"{\"config_version\":1,\"events\":[{\"time\":\"2026-02-30T00:00:00Z\","
		"\"type\":\"conference_started\"}]}",
		"{\"config_version\":1,\"command_results\":[{\"id\":\"x\",\"status\":\"maybe\"}]}",
		"{\"config_version\":1,\"load\":{\"cpu_percent\":-3}}",
		"[1]",
		"not json",
	};
	struct fix *f = *state;
	json_t *o = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (status(f, bad[i], &o) != 400)
			fail_msg("accepted: %s", bad[i]);
		json_decref(o);
	}
	/* Nothing was written by any of them. */
	assert_int_equal(rows(f->db, "SELECT count(*) FROM status_node"), 0);
	/* Unknown keys are ignored; a good report is stored. */
	assert_int_equal(
		status(f,
		       "{\"config_version\":3,\"future\":1,\"conferences\":[{\"name\":\"c\"}],"
		       "\"participants\":[{\"id\":\"p1\",\"conference\":\"c\",\"x\":[1],"
		       "\"connect_time\":1700000000.5,\"is_muted\":1}]}",
		       &o),
		200);
	assert_int_equal(json_array_size(json_object_get(o, "commands")), 0);
	json_decref(o);
	assert_int_equal(rows(f->db,
			      "SELECT count(*) FROM status_participant WHERE is_muted = 1 AND"
			      " connect_time = '2023-11-14T22:13:20.500000'"),
			 1);
	assert_int_equal(rows(f->db, "SELECT participant_count FROM status_conference_view"), 1);
}

static void
test_history(void **state)
{
	struct fix *f = *state;

	assert_int_equal(
		status(f,
		       "{\"config_version\":3,\"conferences\":[{\"name\":\"h\"}],"
		       "\"participants\":[{\"id\":\"p1\",\"conference\":\"h\",\"source_alias\":"
		       "\"sip:a@x\",\"destination_alias\":\"h1\",\"call_direction\":\"in\","
		       "\"connect_time\":\"2026-01-01T10:00:00Z\"}],\"events\":["
		       "{\"time\":\"2026-01-01T10:00:00Z\",\"type\":\"conference_started\","
		       "\"conference\":\"h\"},{\"time\":\"2026-01-01T10:00:00Z\",\"type\":"
		       "\"participant_connected\",\"conference\":\"h\",\"participant_id\":\"p1\"}]"
		       "}",
		       NULL),
		200);
	assert_int_equal(
		status(f,
		       "{\"config_version\":3,\"events\":[{\"time\":\"2026-01-01T10:01:30+00:00\","
		       "\"type\":\"participant_disconnected\",\"conference\":\"h\","
		       "\"participant_id\":\"p1\",\"detail\":\"Remote disconnect\"},{\"time\":"
		       "\"2026-01-01T11:01:31+01:00\",\"type\":\"conference_ended\","
		       "\"conference\":\"h\"}]}",
		       NULL),
		200);
	assert_int_equal(rows(f->db, "SELECT duration FROM history_participant WHERE remote_alias ="
				     " 'sip:a@x' AND local_alias = 'h1' AND disconnect_reason ="
				     " 'Remote disconnect'"),
			 90);
	assert_int_equal(rows(f->db, "SELECT duration FROM history_conference WHERE name = 'h' AND"
				     " participant_count = 1"),
			 91);
	assert_int_equal(rows(f->db, "SELECT count(*) FROM status_conference"), 0);
}

static void
test_commands(void **state)
{
	struct fix *f = *state;
	struct mgmt_rest_req req = {.method = "POST",
				    .path = "/api/admin/command/v1/participant/mute/",
				    .body = "{\"participant_id\":\"p1\"}",
				    .role = MGMT_ROLE_ADMIN};
	struct mgmt_rest_resp resp;
	struct mgmt_rest_wait *w;
	json_t *o = NULL;
	char body[256];
	const char *id;

	req.body_len = strlen(req.body);
	assert_int_equal(status(f,
				"{\"config_version\":3,\"conferences\":[{\"name\":\"c\"}],"
				"\"participants\":[{\"id\":\"p1\",\"conference\":\"c\"}]}",
				NULL),
			 200);
	mgmt_rest_handle(&f->rest, &req, &resp);
	assert_non_null(resp.wait);
	w = resp.wait;
	resp.wait = NULL;
	assert_false(mgmt_rest_wait_ready(&f->rest, w));
	assert_int_equal(status(f,
				"{\"config_version\":3,\"conferences\":[{\"name\":\"c\"}],"
				"\"participants\":[{\"id\":\"p1\",\"conference\":\"c\"}]}",
				&o),
			 200);
	assert_int_equal(json_array_size(json_object_get(o, "commands")), 1);
	id = json_string_value(
		json_object_get(json_array_get(json_object_get(o, "commands"), 0), "id"));
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(o, "commands"), 0), "command")),
			    "participant_mute");
	snprintf(body, sizeof(body),
		 "{\"config_version\":3,\"command_results\":[{\"id\":\"%s\",\"status\":\"success\","
		 "\"message\":\"done\",\"result\":{\"n\":1}}]}",
		 id);
	json_decref(o);
	assert_false(mgmt_rest_wait_ready(&f->rest, w));
	assert_int_equal(status(f, body, NULL), 200);
	assert_true(mgmt_rest_wait_ready(&f->rest, w));
	mgmt_rest_resume(&f->rest, w, &resp);
	assert_int_equal(resp.status, 202);
	assert_string_equal(json_string_value(json_object_get(resp.body, "status")), "success");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(resp.body, "result"), "n")), 1);
	mgmt_rest_resp_fini(&resp);
	/* Unknown participant, bad bodies. */
	assert_int_equal(call(f, "POST", "/api/admin/command/v1/participant/mute/",
			      "{\"participant_id\":\"nobody\"}", 0, NULL),
			 404);
	assert_int_equal(call(f, "POST", "/api/admin/command/v1/participant/mute/", "{}", 0, NULL),
			 400);
	assert_int_equal(call(f, "POST", "/api/admin/command/v1/participant/role/",
			      "{\"participant_id\":\"p1\",\"role\":\"boss\"}", 0, NULL),
			 400);
	assert_int_equal(call(f, "POST", "/api/admin/command/v1/participant/dial/",
			      "{\"conference_alias\":\"none\",\"destination\":\"x\"}", 0, NULL),
			 400);
	assert_int_equal(call(f, "GET", "/api/admin/command/v1/participant/mute/", NULL, 0, NULL),
			 405);
	/* The node never answers: 504 after the timeout (1 s here). */
	assert_int_equal(call(f, "POST", "/api/admin/command/v1/conference/lock/",
			      "{\"conference_id\":\"nope\"}", 0, NULL),
			 404);
}

static void
test_time(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"\"2026-01-02T03:04:05Z\"", "2026-01-02T03:04:05.000000"},
		{"\"2026-01-02 03:04:05.123\"", "2026-01-02T03:04:05.123000"},
		{"\"2026-01-02T03:04:05.1234567+02:00\"", "2026-01-02T01:04:05.123456"},
		{"0", "1970-01-01T00:00:00.000000"},
		{"\"2026-02-29T00:00:00Z\"", NULL},
		{"\"2026-01-02T24:00:00Z\"", NULL},
		{"\"2026-01-02\"", NULL},
		{"\"2026-01-02T03:04:05Zjunk\"", NULL},
		{"-1", NULL},
		{"true", NULL},
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i].in, JSON_DECODE_ANY, NULL);
		int rc = mgmt_repl_time(v, out, sizeof(out));

		if (cases[i].out == NULL && rc == 0)
			fail_msg("accepted %s", cases[i].in);
		if (cases[i].out != NULL && (rc != 0 || strcmp(out, cases[i].out) != 0))
			fail_msg("%s -> %s (rc %d)", cases[i].in, rc == 0 ? out : "-", rc);
		json_decref(v);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
