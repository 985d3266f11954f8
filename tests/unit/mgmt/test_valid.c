/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_valid.c - unit tests of mgmt_valid: the guide's field rules (PINs,
 * aliases, addresses), cross-field PIN rules, unknown fields, defaults,
 * canonical form, JSON depth.
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

#include "mgmt_res.h"
#include "mgmt_valid.h"

static char msg[160];

static void
test_pin(void **state)
{
	static const char *const good[] = {"1234", "12345678901234567890", "123#",
					   "1234567890123456789#"};
	static const char *const bad[] = {
		"123",   "123456789012345678901", "12a4", "#123", "12#4", "12#", "1234##",
		" 1234", "12345678901234567890#"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(mgmt_check_pin(good[i], msg, sizeof(msg)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mgmt_check_pin(bad[i], msg, sizeof(msg)), -EINVAL);
}

static void
test_alias(void **state)
{
	static const char *const good[] = {"meet.alice", "meet.alice@example.com",
					   "1234",       "+4412345",
					   "10.0.0.1",   "2001:db8::1",
					   "a_b-c.d",    "meet@10.0.0.1"};
	static const char *const bad[] = {"meet alice", "meet*",     "a+b",   "x@", "@x",
					  "a@b@c",      "sip:alice", "al?ce", ""};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(mgmt_check_alias(good[i], msg, sizeof(msg)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mgmt_check_alias(bad[i], msg, sizeof(msg)), -EINVAL);
}

static void
test_addresses(void **state)
{
	(void)state;
	assert_int_equal(mgmt_check_ipv4("192.0.2.1", msg, sizeof(msg)), 0);
	assert_int_equal(mgmt_check_ipv4("192.0.2.256", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(mgmt_check_netmask("255.255.255.0", msg, sizeof(msg)), 0);
	assert_int_equal(mgmt_check_netmask("255.0.255.0", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(mgmt_check_netmask("0.0.0.0", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(mgmt_check_hostname("cn-1", msg, sizeof(msg)), 0);
	assert_int_equal(mgmt_check_hostname("123", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(mgmt_check_hostname("-cn", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(mgmt_check_hostname("cn_1", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(mgmt_check_email("a@example.com", msg, sizeof(msg)), 0);
	assert_int_equal(mgmt_check_email("a@example", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(mgmt_check_regex("^\\+?[0-9]+$", msg, sizeof(msg)), 0);
	assert_int_equal(mgmt_check_regex("([", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(mgmt_check_dtmf("12*#,", msg, sizeof(msg)), 0);
	assert_int_equal(mgmt_check_dtmf("12a", msg, sizeof(msg)), -EINVAL);
}

/* Validate @p text as a new object of @p res; @return the errors (owned). */
static json_t *
validate(const char *res, const char *text, int *rc)
{
	const struct mgmt_resource *r = mgmt_res_lookup(res);
	json_t *body = json_loads(text, 0, NULL), *base = mgmt_valid_defaults(r), *obj, *err;

	assert_non_null(r);
	assert_non_null(body);
	err = json_object();
	*rc = mgmt_valid_body(r, body, err);
	obj = mgmt_valid_merge(r, base, body);
	if (mgmt_valid_object(r, obj, true, err) < 0)
		*rc = -EINVAL;
	json_decref(body);
	json_decref(base);
	json_decref(obj);
	return err;
}

static const char *
first_error(json_t *err, const char *field)
{
	return json_string_value(json_array_get(json_object_get(err, field), 0));
}

static void
test_pin_cross_rules(void **state)
{
	static const struct {
		const char *body;
		const char *field; /* NULL = valid */
	} cases[] = {
		{"{\"name\":\"a\",\"pin\":\"1234\",\"guest_pin\":\"5678\"}", NULL},
		{"{\"name\":\"a\",\"pin\":\"1234#\",\"guest_pin\":\"56789#\"}", NULL},
		{"{\"name\":\"a\",\"guest_pin\":\"5678\"}", "guest_pin"},
		{"{\"name\":\"a\",\"pin\":\"1234\",\"guest_pin\":\"1234\"}", "guest_pin"},
		{"{\"name\":\"a\",\"pin\":\"1234#\",\"guest_pin\":\"5678\"}", "guest_pin"},
		{"{\"name\":\"a\",\"pin\":\"1234\",\"guest_pin\":\"5678#\"}", "guest_pin"},
		{"{\"name\":\"a\",\"pin\":\"1234\",\"guest_pin\":\"56789\"}", "guest_pin"},
		{"{\"name\":\"a\",\"allow_guests\":true}", "allow_guests"},
		{"{\"name\":\"a\",\"pin\":\"1234\",\"allow_guests\":true}", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;
		json_t *err = validate("conference", cases[i].body, &rc);

		if (cases[i].field == NULL) {
			assert_int_equal(rc, 0);
			assert_int_equal(json_object_size(err), 0);
		} else {
			assert_int_equal(rc, -EINVAL);
			assert_non_null(first_error(err, cases[i].field));
		}
		json_decref(err);
	}
}

static void
test_every_field_named(void **state)
{
	int rc;
	json_t *err = validate("conference",
			       "{\"pin\":\"12x\",\"bogus\":1,\"service_type\":\"party\","
			       "\"participant_limit\":\"ten\",\"allow_guests\":\"yes\","
			       "\"system_location\":\"/api/admin/configuration/v1/conference/1/\"}",
			       &rc);

	(void)state;
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(first_error(err, "name"), "this field is required");
	assert_string_equal(first_error(err, "pin"), "must be digits with an optional trailing #");
	assert_string_equal(first_error(err, "bogus"), "unknown field");
	assert_non_null(first_error(err, "service_type"));
	assert_string_equal(first_error(err, "participant_limit"), "must be an integer");
	assert_string_equal(first_error(err, "allow_guests"), "must be true or false");
	assert_non_null(first_error(err, "system_location"));
	json_decref(err);
}

static void
test_ranges_and_lengths(void **state)
{
	int rc;
	json_t *err;

	(void)state;
	err = validate("gateway_routing_rule",
		       "{\"name\":\"r\",\"priority\":0,\"match_string\":\".\"}", &rc);
	assert_string_equal(first_error(err, "priority"), "must be between 1 and 200");
	json_decref(err);
	err = validate("gateway_routing_rule",
		       "{\"name\":\"r\",\"priority\":200,\"match_string\":\".\"}", &rc);
	assert_int_equal(rc, 0);
	json_decref(err);
	err = validate("system_location", "{\"name\":\"\"}", &rc);
	assert_string_equal(first_error(err, "name"), "must be 1 to 250 characters long");
	json_decref(err);
	err = validate("system_location", "{\"name\":\"x\",\"media_qos\":64}", &rc);
	assert_string_equal(first_error(err, "media_qos"), "must be between 0 and 63");
	json_decref(err);
	err = validate("worker_vm",
		       "{\"name\":\"n\",\"hostname\":\"n\",\"domain\":\"d\","
		       "\"address\":\"10.0.0.1\",\"netmask\":\"255.255.255.0\",\"gateway\":"
		       "\"10.0.0.1\",\"system_location\":null}",
		       &rc);
	assert_string_equal(first_error(err, "system_location"), "may not be null");
	json_decref(err);
}

static void
test_canonical_form(void **state)
{
	const struct mgmt_resource *r = mgmt_res_lookup("automatic_participant");
	json_t *obj = json_loads(
		"{\"alias\":\"a\",\"creation_time\":\"x\",\"conference\":["
		"\"/api/admin/configuration/v1/conference/7/\",3,"
		"\"/api/admin/configuration/v1/conference/7\"],"
		"\"system_location\":\"/api/admin/configuration/v1/system_location/2/\"}",
		0, NULL);
	json_t *err = json_object();

	(void)state;
	assert_int_equal(mgmt_valid_object(r, obj, true, err), 0);
	assert_null(json_object_get(obj, "creation_time"));
	assert_int_equal(json_integer_value(json_object_get(obj, "system_location")), 2);
	assert_int_equal(json_array_size(json_object_get(obj, "conference")), 2);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(obj, "conference"), 0)),
			 7);
	json_decref(obj);
	json_decref(err);
}

static void
test_parse_limits(void **state)
{
	json_t *err = json_object(), *v = NULL;

	(void)state;
	assert_int_equal(mgmt_json_depth("{\"a\":[[1]],\"b\":\"[[[[\"}", 22), 3);
	assert_int_equal(mgmt_json_depth("{{}", 3), -EINVAL);
	assert_int_equal(mgmt_json_depth("\"\\\"[\"", 5), 0);
	assert_int_equal(mgmt_valid_parse("[[[[[[[[[[]]]]]]]]]]", 20, 8, &v, err), -EINVAL);
	assert_int_equal(mgmt_valid_parse("{\"a\":1,\"a\":2}", 13, 8, &v, err), -EINVAL);
	assert_int_equal(mgmt_valid_parse("[1]", 3, 8, &v, err), -EINVAL);
	assert_int_equal(mgmt_valid_parse("{\"a\":1}", 7, 8, &v, err), 0);
	json_decref(v);
	json_decref(err);
}

static void
test_refs(void **state)
{
	const struct mgmt_resource *r = mgmt_res_lookup("conference");
	int64_t id = 0;
	json_t *v;

	(void)state;
	v = json_string("/api/admin/configuration/v1/conference/42/");
	assert_int_equal(mgmt_res_parse_ref(r, v, &id), 0);
	assert_int_equal(id, 42);
	json_decref(v);
	v = json_string("/api/admin/configuration/v1/conference_alias/42/");
	assert_int_equal(mgmt_res_parse_ref(r, v, &id), -EINVAL);
	json_decref(v);
	v = json_string("/api/admin/configuration/v1/conference/042/");
	assert_int_equal(mgmt_res_parse_ref(r, v, &id), -EINVAL);
	json_decref(v);
	v = json_string("/api/admin/configuration/v1/conference/99999999999999999999/");
	assert_int_equal(mgmt_res_parse_ref(r, v, &id), -EINVAL);
	json_decref(v);
	v = json_integer(0);
	assert_int_equal(mgmt_res_parse_ref(r, v, &id), -EINVAL);
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_pin_cross_rules),
		cmocka_unit_test(test_every_field_named),
		cmocka_unit_test(test_ranges_and_lengths),
		cmocka_unit_test(test_canonical_form),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
