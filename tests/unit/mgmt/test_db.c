/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_db.c - unit tests of the store on an in-memory database: numbered
 * migrations, the schema's constraints, resource tables matching the
 * schema, all-or-nothing writes through the REST handler, accounts.
 * Context: cmocka test process.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "mgmt_auth.h"
#include "mgmt_db.h"
#include "mgmt_res.h"
#include "mgmt_rest.h"

static int
count(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
test_migrations(void **state)
{
	static const struct mgmt_db_migration bad[] = {
		{1, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT);"},
		{2, "CREATE TABLE t2 (a); CREATE TABLE t3 (b); SELECT nosuchfunction();"},
		{0, NULL},
	};
	static const struct mgmt_db_migration older[] = {{1, "SELECT 1"}, {0, NULL}};
	sqlite3 *h;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
	assert_int_equal(mgmt_db_version(h), 0);
	assert_int_equal(mgmt_db_migrate(h, mgmt_db_migrations), 3);
	assert_int_equal(mgmt_db_version(h), 3);
	/* Idempotent: nothing left to apply. */
	assert_int_equal(mgmt_db_migrate(h, mgmt_db_migrations), 3);
	assert_int_equal(count(h, "SELECT count(*) FROM schema_version"), 3);
	assert_int_equal(count(h, "SELECT count(*) FROM global"), 1);
	sqlite3_close(h);

	/* A failing migration leaves the database at the previous version, no table of it. */
	assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
	assert_int_equal(mgmt_db_migrate(h, bad), -EPROTO);
	assert_int_equal(mgmt_db_version(h), 1);
	assert_int_equal(count(h, "SELECT count(*) FROM sqlite_master WHERE name IN ('t2', 't3')"),
			 0);
	sqlite3_close(h);

	/* A database newer than the binary is refused. */
	assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
	assert_int_equal(
		mgmt_db_exec(h, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
				" applied_at TEXT); INSERT INTO schema_version VALUES (5, 'x')"),
		0);
	assert_int_equal(mgmt_db_migrate(h, older), -EPROTO);
	sqlite3_close(h);
}

/* Every column named by the resource tables exists in the migrated schema. */
static void
test_tables_match_schema(void **state)
{
	char sql[256];
	sqlite3 *h;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
	assert_int_equal(mgmt_db_migrate(h, mgmt_db_migrations), 3);
	static const struct mgmt_resource *const *const lists[] = {
		mgmt_resources, mgmt_status_resources, mgmt_history_resources, NULL};

	for (const struct mgmt_resource *const *const *l = lists; *l != NULL; l++)
		for (const struct mgmt_resource *const *r = *l; *r != NULL; r++) {
			for (size_t i = 0; i < (*r)->n_fields; i++) {
				const struct mgmt_field *f = &(*r)->fields[i];

				if (f->column != NULL) {
					snprintf(sql, sizeof(sql),
						 "SELECT count(*) FROM pragma_table_info('%s') "
						 "WHERE name "
						 "= '%s'",
						 (*r)->table, f->column);
					if (count(h, sql) != 1)
						fail_msg("%s.%s has no column %s", (*r)->name,
							 f->name, f->column);
				}
				if (f->join_table != NULL) {
					snprintf(sql, sizeof(sql),
						 "SELECT count(*) FROM pragma_table_info('%s') "
						 "WHERE name "
						 "IN "
						 "('%s', '%s')",
						 f->join_table, f->join_self, f->join_other);
					assert_int_equal(count(h, sql), 2);
				}
				if (f->ref != NULL)
					assert_non_null(mgmt_res_ref(*r, f));
			}
		}
	sqlite3_close(h);
}

/* The schema holds the guide's rules even for writes that bypass the API. */
static void
test_constraints(void **state)
{
	static const struct {
		const char *sql;
		int rc;
	} cases[] = {
		{"INSERT INTO conference (name, pin, creation_time) VALUES ('a', '1234', 't')", 0},
		{"INSERT INTO conference (name, pin, creation_time) VALUES ('b', '123#', 't')", 0},
		{"INSERT INTO conference (name, pin, creation_time) VALUES ('c', '123', 't')",
		 -EINVAL},
		{"INSERT INTO conference (name, pin, creation_time) VALUES ('c', '12a4', 't')",
		 -EINVAL},
		{"INSERT INTO conference (name, pin, creation_time) VALUES ('c', '12#4', 't')",
		 -EINVAL},
		{"INSERT INTO conference (name, pin, creation_time) VALUES ('c', "
		 "'123456789012345678901', 't')",
		 -EINVAL},
		{"INSERT INTO conference (name, guest_pin, creation_time) VALUES ('c', '1234', "
		 "'t')",
		 -EINVAL},
		{"INSERT INTO conference (name, allow_guests, creation_time) VALUES ('c', 1, 't')",
		 -EINVAL},
		{"INSERT INTO conference (name, creation_time) VALUES ('A', 't')", -EEXIST},
		{"INSERT INTO conference (name, creation_time) VALUES ('', 't')", -EINVAL},
		{"INSERT INTO conference (name, service_type, creation_time) VALUES ('d', 'x', "
		 "'t')",
		 -EINVAL},
		{"INSERT INTO conference_alias (alias, conference_id, creation_time) VALUES "
		 "('meet.a', 1, 't')",
		 0},
		{"INSERT INTO conference_alias (alias, conference_id, creation_time) VALUES "
		 "('MEET.A', 2, 't')",
		 -EEXIST},
		{"INSERT INTO conference_alias (alias, conference_id, creation_time) VALUES "
		 "('meet b', 2, 't')",
		 -EINVAL},
		{"INSERT INTO conference_alias (alias, conference_id, creation_time) VALUES "
		 "('orphan', 99, 't')",
		 -EINVAL},
		{"INSERT INTO gateway_routing_rule (name, priority, match_string, creation_time) "
		 "VALUES ('r', 200, '.', 't')",
		 0},
		{"INSERT INTO gateway_routing_rule (name, priority, match_string, creation_time) "
		 "VALUES ('r', 201, '.', 't')",
		 -EINVAL},
		{"INSERT INTO gateway_routing_rule (name, priority, match_string, creation_time) "
		 "VALUES ('r', 0, '.', 't')",
		 -EINVAL},
		{"INSERT INTO automatic_participant (alias, dtmf_sequence, creation_time) VALUES "
		 "('x', '12*#,', 't')",
		 0},
		{"INSERT INTO automatic_participant (alias, dtmf_sequence, creation_time) VALUES "
		 "('x', '12a', 't')",
		 -EINVAL},
		{"INSERT INTO global (id) VALUES (2)", -EINVAL},
		{"UPDATE global SET media_port_start = 35000", -EINVAL},
		{"UPDATE global SET last_participant_backstop_timeout = 30", -EINVAL},
		{"INSERT INTO account (username, password_hash, creation_time) VALUES ('u', "
		 "'plain', "
		 "'t')",
		 -EINVAL},
		{"INSERT INTO worker_vm (name, hostname, domain, address, netmask, gateway, "
		 "system_location_id) VALUES ('n', '123', 'd', '1', '2', '3', 1)",
		 -EINVAL},
	};
	sqlite3 *h;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
	sqlite3_extended_result_codes(h, 1);
	assert_int_equal(mgmt_db_exec(h, "PRAGMA foreign_keys = ON"), 0);
	assert_int_equal(mgmt_db_migrate(h, mgmt_db_migrations), 3);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = mgmt_db_exec(h, cases[i].sql);

		if (rc != cases[i].rc)
			fail_msg("case %zu: got %d want %d: %s", i, rc, cases[i].rc, cases[i].sql);
	}
	sqlite3_close(h);
}

/* ---- REST over the store ------------------------------------------------------------- */

static struct mgmt_db *db;
static struct mgmt_rest rest;

static int
rest_setup(void **state)
{
	(void)state;
	if (mgmt_db_create(":memory:", 1, &db) < 0)
		return -1;
	rest.db = db;
	rest.auth = NULL;
	rest.cfg = (struct mgmt_rest_cfg){
		.default_limit = 20, .max_limit = 100, .max_depth = 8, .pbkdf2_iterations = 1000};
	return 0;
}

static int
rest_teardown(void **state)
{
	(void)state;
	mgmt_db_destroy(db);
	db = NULL;
	return 0;
}

static unsigned int
call(const char *method, const char *path, const char *body, enum mgmt_role role, json_t **out)
{
	struct mgmt_rest_req req = {.method = method,
				    .path = path,
				    .body = body,
				    .body_len = body ? strlen(body) : 0,
				    .role = role};
	struct mgmt_rest_resp resp;
	unsigned int status;

	mgmt_rest_handle(&rest, &req, &resp);
	status = resp.status;
	if (out != NULL && resp.body == NULL && resp.text != NULL) {
		/* Reads come back as JSON text written straight from the rows. */
		*out = json_loadb(resp.text, resp.text_len, 0, NULL);
		assert_non_null(*out);
	} else if (out != NULL) {
		*out = resp.body;
		resp.body = NULL;
	}
	mgmt_rest_resp_fini(&resp);
	return status;
}

static int
rows(const char *table)
{
	char sql[128];
	sqlite3 *h = mgmt_db_read_begin(db);
	int n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	n = count(h, sql);
	mgmt_db_read_end(db, h);
	return n;
}

#define C "/api/admin/configuration/v1/"

/*
 * A multi-row write that fails half-way (a trigger aborts the second alias
 * insert, after the conference row and the first alias were written)
 * leaves nothing behind.
 */
static void
test_all_or_nothing(void **state)
{
	sqlite3 *h;
	json_t *o = NULL;

	(void)state;
	h = mgmt_db_write_begin(db);
	assert_int_equal(
		mgmt_db_exec(h, "CREATE TRIGGER boom BEFORE INSERT ON conference_alias "
				"WHEN NEW.alias = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END"),
		0);
	assert_int_equal(mgmt_db_write_end(db, true), 0);
	assert_int_equal(
		call("POST", C "conference/",
		     "{\"name\":\"half\",\"aliases\":[{\"alias\":\"ok1\"},{\"alias\":\"boom\"}]}",
		     MGMT_ROLE_ADMIN, &o),
		400);
	json_decref(o);
	assert_int_equal(rows("conference"), 0);
	assert_int_equal(rows("conference_alias"), 0);
	/* An update failing the same way keeps the old aliases. */
	assert_int_equal(
		call("POST", C "conference/",
		     "{\"name\":\"keep\",\"aliases\":[{\"alias\":\"k1\"},{\"alias\":\"k2\"}]}",
		     MGMT_ROLE_ADMIN, NULL),
		201);
	assert_int_equal(call("PATCH", C "conference/1/",
			      "{\"description\":\"changed\",\"aliases\":[{\"alias\":\"boom\"}]}",
			      MGMT_ROLE_ADMIN, NULL),
			 400);
	assert_int_equal(call("GET", C "conference/1/", NULL, MGMT_ROLE_READONLY, &o), 200);
	assert_string_equal(json_string_value(json_object_get(o, "description")), "");
	assert_int_equal(json_array_size(json_object_get(o, "aliases")), 2);
	json_decref(o);
	assert_int_equal(rows("conference_alias"), 2);
	/* Duplicate alias in a later item: the earlier items are not kept either. */
	assert_int_equal(
		call("POST", C "conference/",
		     "{\"name\":\"dup\",\"aliases\":[{\"alias\":\"fresh\"},{\"alias\":\"K1\"}]}",
		     MGMT_ROLE_ADMIN, NULL),
		400);
	assert_int_equal(rows("conference"), 1);
	assert_int_equal(rows("conference_alias"), 2);
}

static void
test_rest_roles_and_methods(void **state)
{
	json_t *o = NULL;

	(void)state;
	assert_int_equal(
		call("POST", C "system_location/", "{\"name\":\"L\"}", MGMT_ROLE_READONLY, NULL),
		403);
	assert_int_equal(rows("system_location"), 0);
	assert_int_equal(
		call("POST", C "system_location/", "{\"name\":\"L\"}", MGMT_ROLE_ADMIN, &o), 201);
	json_decref(o);
	assert_int_equal(call("DELETE", C "system_location/", NULL, MGMT_ROLE_ADMIN, NULL), 405);
	assert_int_equal(call("POST", C "global/", "{}", MGMT_ROLE_ADMIN, NULL), 405);
	assert_int_equal(call("GET", C "nosuch/", NULL, MGMT_ROLE_ADMIN, NULL), 404);
	assert_int_equal(call("GET", C "system_location/0/", NULL, MGMT_ROLE_ADMIN, NULL), 404);
	assert_int_equal(call("GET", C "system_location/9/", NULL, MGMT_ROLE_ADMIN, NULL), 404);
	assert_int_equal(call("GET", C "system_location/1/x/", NULL, MGMT_ROLE_ADMIN, NULL), 404);
	assert_int_equal(call("GET", C "system_location/1", NULL, MGMT_ROLE_ADMIN, NULL), 200);
	assert_int_equal(call("PATCH", C "system_location/1/",
			      "{\"overflow_location1\":\"" C "system_location/1/\"}",
			      MGMT_ROLE_ADMIN, &o),
			 400);
	assert_non_null(json_object_get(o, "overflow_location1"));
	json_decref(o);
	assert_int_equal(
		call("PATCH", C "global/1/", "{\"pin_entry_timeout\":60}", MGMT_ROLE_ADMIN, &o),
		202);
	assert_int_equal(json_integer_value(json_object_get(o, "pin_entry_timeout")), 60);
	json_decref(o);
}

static void
test_accounts(void **state)
{
	char hash[MGMT_AUTH_HASH_MAX], hash2[MGMT_AUTH_HASH_MAX], user[65], pass[65];
	char dir[] = "/tmp/tsr-mgmt-unit.XXXXXX", file[64];
	struct mgmt_auth *auth;
	enum mgmt_role role;
	json_t *o = NULL;
	struct stat st;

	(void)state;
	assert_int_equal(mgmt_auth_hash(1000, "secret-1", hash, sizeof(hash)), 0);
	assert_int_equal(mgmt_auth_hash(1000, "secret-1", hash2, sizeof(hash2)), 0);
	assert_string_not_equal(hash, hash2); /* per-hash random salt */
	assert_int_equal(mgmt_auth_verify(hash, "secret-1"), 0);
	assert_int_equal(mgmt_auth_verify(hash, "secret-2"), -EACCES);
	assert_int_equal(mgmt_auth_verify("md5$x", "secret-1"), -EINVAL);
	assert_int_equal(mgmt_auth_hash(10, "x", hash, sizeof(hash)), -EINVAL);

	assert_int_equal(mgmt_auth_parse_basic("Basic YWRtaW46cGE6c3M=", user, sizeof(user), pass,
					       sizeof(pass)),
			 0);
	assert_string_equal(user, "admin");
	assert_string_equal(pass, "pa:ss");
	assert_int_equal(mgmt_auth_parse_basic("Bearer x", user, sizeof(user), pass, sizeof(pass)),
			 -EINVAL);
	assert_int_equal(mgmt_auth_parse_basic("Basic !!", user, sizeof(user), pass, sizeof(pass)),
			 -EINVAL);
	assert_int_equal(
		mgmt_auth_parse_basic("Basic YWRtaW4=", user, sizeof(user), pass, sizeof(pass)),
		-EINVAL);

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/pw", dir);
	assert_int_equal(mgmt_auth_bootstrap(db, "admin", NULL, file, 1000), 1);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(mgmt_auth_bootstrap(db, "admin", "another-pw", file, 1000), 0);
	assert_int_equal(mgmt_auth_create(db, &auth), 0);
	rest.auth = auth;
	assert_int_equal(call("POST", C "user/",
			      "{\"username\":\"ro\",\"password\":\"readonly-1\"}", MGMT_ROLE_ADMIN,
			      &o),
			 201);
	assert_null(json_object_get(o, "password"));
	assert_string_equal(json_string_value(json_object_get(o, "role")), "readonly");
	json_decref(o);
	assert_int_equal(mgmt_auth_check(auth, "ro", "readonly-1", &role), 0);
	assert_int_equal(role, MGMT_ROLE_READONLY);
	assert_int_equal(mgmt_auth_check(auth, "ro", "readonly-2", &role), -EACCES);
	assert_int_equal(mgmt_auth_check(auth, "nobody", "readonly-1", &role), -EACCES);
	/* A password change through the API takes effect at once (the cache is flushed). */
	assert_int_equal(call("PATCH", C "user/2/",
			      "{\"password\":\"changed-pw\",\"role\":\"admin\"}", MGMT_ROLE_ADMIN,
			      NULL),
			 202);
	assert_int_equal(mgmt_auth_check(auth, "ro", "readonly-1", &role), -EACCES);
	assert_int_equal(mgmt_auth_check(auth, "ro", "changed-pw", &role), 0);
	assert_int_equal(role, MGMT_ROLE_ADMIN);
	/* PATCH without a password keeps it. */
	assert_int_equal(
		call("PATCH", C "user/2/", "{\"description\":\"x\"}", MGMT_ROLE_ADMIN, NULL), 202);
	assert_int_equal(mgmt_auth_check(auth, "ro", "changed-pw", &role), 0);
	/* The last admin cannot be deleted. */
	assert_int_equal(call("DELETE", C "user/1/", NULL, MGMT_ROLE_ADMIN, NULL), 204);
	assert_int_equal(call("DELETE", C "user/2/", NULL, MGMT_ROLE_ADMIN, NULL), 409);
	rest.auth = NULL;
	mgmt_auth_destroy(auth);
	unlink(file);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrations),
		cmocka_unit_test(test_tables_match_schema),
		cmocka_unit_test(test_constraints),
		cmocka_unit_test_setup_teardown(test_all_or_nothing, rest_setup, rest_teardown),
		cmocka_unit_test_setup_teardown(test_rest_roles_and_methods, rest_setup,
						rest_teardown),
		cmocka_unit_test_setup_teardown(test_accounts, rest_setup, rest_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
