/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_query.c - unit tests of the list query parser and its SQL: paging
 * bounds, every operator, type checks, whitelisted names only, values bound
 * (run against an in-memory database), next-link re-encoding.
 * Context: cmocka test process.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "mgmt_db.h"
#include "mgmt_query.h"
#include "mgmt_store.h"

static const struct mgmt_resource *conf;

static int
parse(struct mgmt_query *q, const char *qs)
{
	json_t *err = json_object();
	int rc;

	mgmt_query_init(q, 20, 100);
	rc = mgmt_query_parse(q, conf, qs, err);
	json_decref(err);
	return rc;
}

static void
test_paging(void **state)
{
	struct mgmt_query q;

	(void)state;
	assert_int_equal(parse(&q, ""), 0);
	assert_int_equal(q.limit, 20);
	assert_int_equal(q.offset, 0);
	assert_int_equal(parse(&q, "limit=5&offset=10"), 0);
	assert_int_equal(q.limit, 5);
	assert_int_equal(q.offset, 10);
	assert_int_equal(parse(&q, "limit=100000"), 0);
	assert_int_equal(q.limit, 100);
	assert_int_equal(parse(&q, "limit=0"), 0);
	assert_int_equal(q.limit, 100);
	assert_int_equal(parse(&q, "limit=-1"), -EINVAL);
	assert_int_equal(parse(&q, "offset=x"), -EINVAL);
	assert_int_equal(parse(&q, "limit"), -EINVAL);
	assert_int_equal(parse(&q, "format=json"), 0);
}

static void
test_filters(void **state)
{
	struct mgmt_query q;

	(void)state;
	assert_int_equal(parse(&q, "name=a&name__contains=b&name__icontains=c&name__startswith=d"
				   "&name__istartswith=e&name__endswith=f&name__iendswith=g"
				   "&name__iexact=h"),
			 0);
	assert_int_equal(q.n_filters, 8);
	assert_int_equal(q.filters[1].op, MGMT_OP_CONTAINS);
	assert_string_equal(q.filters[7].sval, "h");
	assert_int_equal(parse(&q, "participant_limit__gt=3&participant_limit__lte=-4&id__gte=2"),
			 0);
	assert_true(q.filters[0].is_int);
	assert_int_equal(q.filters[1].ival, -4);
	assert_null(q.filters[2].field);
	assert_int_equal(parse(&q, "allow_guests=true&system_location="
				   "%2Fapi%2Fadmin%2Fconfiguration%2Fv1%2Fsystem_location%2F3%2F"),
			 0);
	assert_int_equal(q.filters[0].ival, 1);
	assert_int_equal(q.filters[1].ival, 3);
	assert_int_equal(parse(&q, "creation_time__gte=2026-01-01T00:00:00"), 0);
	/* refused: unknown field, unknown op, op not for the type, bad values */
	assert_int_equal(parse(&q, "nosuch=1"), -EINVAL);
	assert_int_equal(parse(&q, "name__regex=x"), -EINVAL);
	assert_int_equal(parse(&q, "name__gt=x"), -EINVAL);
	assert_int_equal(parse(&q, "participant_limit__contains=1"), -EINVAL);
	assert_int_equal(parse(&q, "participant_limit=1x"), -EINVAL);
	assert_int_equal(parse(&q, "allow_guests=maybe"), -EINVAL);
	assert_int_equal(parse(&q, "aliases=x"), -EINVAL);
	assert_int_equal(parse(&q, "name=%zz"), -EINVAL);
	assert_int_equal(parse(&q, "name=%00"), -EINVAL);
	assert_int_equal(parse(&q, "a=1&a=1&a=1&b"), -EINVAL);
}

static void
test_too_many(void **state)
{
	char qs[1024] = "";
	struct mgmt_query q;

	(void)state;
	for (int i = 0; i <= MGMT_QUERY_MAX_FILTERS; i++)
		strcat(qs, "name=x&");
	assert_int_equal(parse(&q, qs), -EINVAL);
	assert_int_equal(parse(&q, "order_by=name&order_by=-id&order_by=pin&order_by=tag"), 0);
	assert_int_equal(
		parse(&q, "order_by=name&order_by=-id&order_by=pin&order_by=tag&order_by=id"),
		-EINVAL);
}

static void
test_sql_whitelist(void **state)
{
	struct mgmt_query q;
	char where[1024], order[256];

	(void)state;
	assert_int_equal(
		parse(&q, "name__startswith=x'--&order_by=-name&order_by=participant_limit"), 0);
	assert_int_equal(mgmt_query_sql(&q, conf, where, sizeof(where), order, sizeof(order)), 0);
	/* The prefix is also searched as an index range (name is unique, so indexed). */
	assert_string_equal(where, " WHERE substr(name, 1, length(?1)) = ?1 AND name >= ?1 AND name"
				   " < ?1 || char(1114111)");
	assert_string_equal(order, " ORDER BY name DESC, participant_limit, id");
	assert_null(strstr(where, "x'"));
	assert_int_equal(parse(&q, "order_by=name;DROP TABLE conference"), -EINVAL);
	assert_int_equal(parse(&q, "order_by=-"), -EINVAL);
	assert_int_equal(parse(&q, "name__contains=a&tag=b"), 0);
	assert_int_equal(mgmt_query_sql(&q, conf, where, sizeof(where), order, sizeof(order)), 0);
	assert_string_equal(where, " WHERE instr(name, ?1) > 0 AND tag = ?2");
	assert_string_equal(order, " ORDER BY id");
}

static void
test_next_link(void **state)
{
	struct mgmt_query q;

	(void)state;
	assert_int_equal(parse(&q, "name__contains=a%20b%26c&limit=3&order_by=-name"), 0);
	assert_string_equal(q.keep, "&name__contains=a%20b%26c&order_by=-name");
}

/* Values are bound: run filters against real rows. */
static void
test_against_db(void **state)
{
	struct mgmt_db *db;
	struct mgmt_query q;
	json_t *objs;
	int64_t total;
	sqlite3 *h;

	(void)state;
	assert_int_equal(mgmt_db_create(":memory:", 1, &db), 0);
	h = mgmt_db_write_begin(db);
	assert_non_null(h);
	assert_int_equal(mgmt_db_exec(h,
				      "INSERT INTO conference (name, participant_limit, "
				      "creation_time) VALUES ('Alpha', 5, 't'), ('beta', 10, 't'), "
				      "('100%_sure', 15, 't'), ('x''y', NULL, 't')"),
			 0);
	assert_int_equal(mgmt_db_write_end(db, true), 0);
	static const struct {
		const char *qs;
		int64_t total;
		const char *first;
	} cases[] = {
		{"name__icontains=A&order_by=name", 2, "Alpha"},
		{"name__contains=A", 1, "Alpha"},
		{"name__contains=%25_", 1, "100%_sure"},
		{"name__startswith=b", 1, "beta"},
		{"name__istartswith=B", 1, "beta"},
		{"name__endswith=ure", 1, "100%_sure"},
		{"name=x'y", 1, "x'y"},
		{"name=alpha", 1, "Alpha"}, /* the name column is COLLATE NOCASE */
		{"participant_limit__gte=10&order_by=-participant_limit", 2, "100%_sure"},
		{"participant_limit__lt=10", 1, "Alpha"},
		{"name__contains=' OR 1=1 --", 0, NULL},
		{"limit=1&offset=3&order_by=id", 4, "x'y"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&q, cases[i].qs), 0);
		h = mgmt_db_read_begin(db);
		assert_int_equal(mgmt_store_list(conf, h, &q, &objs, &total), 0);
		mgmt_db_read_end(db, h);
		assert_int_equal(total, cases[i].total);
		if (cases[i].first != NULL)
			assert_string_equal(
				json_string_value(json_object_get(json_array_get(objs, 0), "name")),
				cases[i].first);
		json_decref(objs);
	}
	mgmt_db_destroy(db);
}

/*
 * The text written straight from the rows (GET one, GET a page) is the
 * text jansson makes of mgmt_store_get()/mgmt_store_list(): same keys,
 * order, escaping, nested aliases and reference lists, with and without
 * the count(*) shortcut of a short first page.
 */
static void
test_text_equals_json(void **state)
{
	static const char *const qs[] = {"order_by=id", "limit=2&order_by=-name", "limit=2&offset=2",
					 "name__startswith=nobody", "name=q\"uote"};
	struct mgmt_db *db;
	struct mgmt_query q;
	json_t *objs, *o;
	int64_t total, total_text;
	char *text, *dumped;
	size_t len;
	sqlite3 *h;

	(void)state;
	assert_int_equal(mgmt_db_create(":memory:", 1, &db), 0);
	h = mgmt_db_write_begin(db);
	assert_non_null(h);
	assert_int_equal(
		mgmt_db_exec(h, "INSERT INTO conference (id, name, description, participant_limit,"
				" creation_time) VALUES (1, 'Alpha', 'tab\there \"q\" back\\slash"
				" \u00e9t\u00e9 ' || char(1) || char(10), 5, 't'),"
				" (2, 'q\"uote', '', NULL, 't'), (3, 'Gamma', '', 7, 't');"
				"INSERT INTO conference_alias (alias, conference_id, description,"
				" creation_time) VALUES ('a1', 1, 'd1', 't'), ('g1', 3, '', 't'),"
				" ('a2', 1, '', 't');"
				"INSERT INTO automatic_participant (id, alias, creation_time) VALUES"
				" (1, 'adp', 't');"
				"INSERT INTO conference_automatic_participant (conference_id,"
				" automatic_participant_id) VALUES (1, 1), (3, 1)"),
		0);
	assert_int_equal(mgmt_db_write_end(db, true), 0);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		assert_int_equal(parse(&q, qs[i]), 0);
		h = mgmt_db_read_begin(db);
		assert_int_equal(mgmt_store_list(conf, h, &q, &objs, &total), 0);
		assert_int_equal(mgmt_store_list_text(conf, h, &q, &text, &len, &total_text), 0);
		mgmt_db_read_end(db, h);
		dumped = json_dumps(objs, JSON_COMPACT);
		assert_string_equal(text, dumped);
		assert_int_equal(len, strlen(dumped));
		assert_int_equal(total_text, total);
		free(dumped);
		free(text);
		json_decref(objs);
	}
	for (int64_t id = 1; id <= 4; id++) {
		h = mgmt_db_read_begin(db);
		if (id == 4) {
			assert_int_equal(mgmt_store_get_text(conf, h, id, &text, &len), -ENOENT);
			mgmt_db_read_end(db, h);
			break;
		}
		assert_int_equal(mgmt_store_get(conf, h, id, &o), 0);
		assert_int_equal(mgmt_store_get_text(conf, h, id, &text, &len), 0);
		mgmt_db_read_end(db, h);
		dumped = json_dumps(o, JSON_COMPACT);
		assert_string_equal(text, dumped);
		free(dumped);
		free(text);
		json_decref(o);
	}
	mgmt_db_destroy(db);
}

static int
setup(void **state)
{
	(void)state;
	conf = mgmt_res_lookup("conference");
	return conf == NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paging),    cmocka_unit_test(test_filters),
		cmocka_unit_test(test_too_many),  cmocka_unit_test(test_sql_whitelist),
		cmocka_unit_test(test_next_link), cmocka_unit_test(test_against_db),
		cmocka_unit_test(test_text_equals_json),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
