/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_replica.c - configuration documents: services with their PIN rules,
 * aliases (nested and on their own), routing rules, global settings, and
 * the all-or-nothing rejection of bad objects.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cp_replica.h"

static int
load(const char *text, struct cp_replica **r, char *err, size_t cap)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	int rc;

	if (root == NULL)
		fail_msg("test document does not parse: %s", je.text);
	rc = cp_replica_from_json(root, r, err, cap);
	json_decref(root);
	return rc;
}

static void
test_services_and_aliases(void **state)
{
	struct cp_replica *r = NULL;
	const struct cp_replica_service *s;
	char err[256] = "";

	(void)state;
	assert_int_equal(
		load("{\"conference\": {\"meta\": {}, \"objects\": ["
		     "  {\"id\": 3, \"name\": \"Alice\", \"pin\": \"1234\", \"allow_guests\": true,"
		     "   \"guest_pin\": \"5678\", \"participant_limit\": 5,"
		     "   \"aliases\": [{\"alias\": \"meet.alice\"}, {\"alias\": \"1001\"}]},"
		     "  {\"id\": 4, \"name\": \"Hall\", \"service_type\": \"lecture\","
		     "   \"mute_all_guests\": true, \"aliases\": []},"
		     "  {\"id\": 5, \"name\": \"Reception\", \"service_type\": \"two_stage_dialing\","
		     "   \"match_string\": \"([0-9]{4})\", \"replace_string\": \"\\\\1\"}]},"
		     " \"conference_alias\": ["
		     "  {\"alias\": \"hall@example.com\","
		     "   \"conference\": \"/api/admin/configuration/v1/conference/4/\"},"
		     "  {\"alias\": \"meet.alice\", \"conference\": 3},"
		     "  {\"alias\": \"ivr\", \"conference\": \"Reception\"}],"
		     " \"global\": [{\"guests_only_timeout\": 90,"
		     "   \"last_participant_backstop_timeout\": 600}]}",
		     &r, err, sizeof(err)),
		0);
	assert_int_equal(r->n_services, 3);
	/* "meet.alice" nested and listed for the same conference counts once. */
	assert_int_equal(r->n_aliases, 4);
	s = cp_replica_alias_service(r, cp_replica_alias_lookup(r, "MEET.Alice"));
	assert_non_null(s);
	assert_string_equal(s->name, "Alice");
	assert_string_equal(s->pin, "1234");
	assert_string_equal(s->guest_pin, "5678");
	assert_true(s->allow_guests);
	assert_int_equal(s->participant_limit, 5);
	s = cp_replica_alias_service(r, cp_replica_alias_lookup(r, "hall@example.com"));
	assert_string_equal(s->service_type, "lecture");
	assert_true(s->mute_all_guests);
	s = cp_replica_alias_service(r, cp_replica_alias_lookup(r, "ivr"));
	assert_string_equal(s->service_type, "two_stage_dialing");
	assert_string_equal(s->match_string, "([0-9]{4})");
	assert_int_equal(r->global.guests_only_timeout, 90);
	assert_int_equal(r->global.last_participant_backstop_timeout, 600);
	assert_int_equal(r->global.pin_entry_timeout, 120);
	assert_null(cp_replica_alias_lookup(r, "meet.bob"));
	cp_replica_destroy(r);
}

static void
test_defaults(void **state)
{
	struct cp_replica *r = cp_replica_empty();

	(void)state;
	assert_non_null(r);
	assert_int_equal(r->global.guests_only_timeout, 60);
	assert_int_equal(r->global.last_participant_backstop_timeout, 0);
	assert_int_equal(r->n_services, 0);
	cp_replica_destroy(r);
}

static void
test_rejects(void **state)
{
	static const struct {
		const char *doc;
		const char *why; /* a word the error must contain */
	} bad[] = {
		{"[]", "top level"},
		{"{\"conference\": [{\"name\": \"a\", \"pin\": \"12\"}]}", "PIN"},
		{"{\"conference\": [{\"name\": \"a\", \"pin\": \"12a4\"}]}", "PIN"},
		{"{\"conference\": [{\"name\": \"a\", \"pin\": \"12#34\"}]}", "PIN"},
		{"{\"conference\": [{\"name\": \"a\", \"guest_pin\": \"1234\"}]}", "Guest PIN"},
		{"{\"conference\": [{\"name\": \"a\", \"service_type\": \"party\"}]}", "service_type"},
		{"{\"conference\": [{\"name\": \"a\", \"participant_limit\": 0}]}", "participant_limit"},
		{"{\"conference\": [{\"name\": \"a\", \"allow_guests\": \"yes\"}]}", "boolean"},
		{"{\"conference\": [{\"name\": \"a\", \"match_string\": \"(x\"}]}", "regex"},
		{"{\"conference\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}", "twice"},
		{"{\"conference\": [{\"name\": \"a\", \"aliases\": [{\"alias\": \"x\"}]},"
		 " {\"name\": \"b\", \"aliases\": [{\"alias\": \"X\"}]}]}",
		 "twice"},
		{"{\"conference_alias\": [{\"alias\": \"x\", \"conference\": 9}]}", "unknown"},
		{"{\"global\": {\"last_participant_backstop_timeout\": 30}}", "backstop"},
		{"{\"global\": {\"guests_only_timeout\": -1}}", "guests_only"},
		{"{\"gateway_routing_rule\": [{\"name\": \"r\", \"priority\": 0,"
		 " \"match_string\": \"x\"}]}",
		 "priority"},
		{"{\"device\": [{\"username\": \"u\"}]}", "alias"},
		{"{\"device\": [{\"alias\": \"a b\"}]}", "spaces"},
		{"{\"device\": [{\"alias\": \"a\", \"username\": \"u\"}]}", "together"},
		{"{\"device\": [{\"alias\": \"a\", \"password\": \"p\"}]}", "together"},
		{"{\"device\": [{\"alias\": \"a\"}, {\"alias\": \"A\"}]}", "twice"},
		{"{\"device\": [{\"alias\": \"a\", \"enable_sip\": 1}]}", "enable_sip"},
		{"{\"device\": \"a\"}", "list"},
		{"{\"global\": {\"registration_refresh_strategy\": \"fast\"}}", "strategy"},
		{"{\"global\": {\"basic_min_refresh\": 400}}", "exceeds"},
		{"{\"global\": {\"nat_max_refresh\": 0}}", "bounds"},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cp_replica *r = NULL;

		err[0] = '\0';
		if (load(bad[i].doc, &r, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", bad[i].doc);
		assert_null(r);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("error \"%s\" does not mention \"%s\"", err, bad[i].why);
	}
}

/* device objects (the registrar's allow-list) and the registrar settings. */
static void
test_devices(void **state)
{
	struct cp_replica *r = NULL;
	const struct cp_replica_device *d;
	char err[256] = "";

	(void)state;
	assert_int_equal(load("{\"device\": {\"meta\": {}, \"objects\": ["
			      "  {\"alias\": \"alice@example.com\", \"username\": \"Alice\","
			      "   \"password\": \"S3cret\", \"description\": \"desk\"},"
			      "  {\"alias\": \"sip:room@example.com\", \"enable_sip\": false}]},"
			      " \"global\": {\"registration_refresh_strategy\": \"Basic\","
			      "   \"basic_min_refresh\": 30, \"basic_max_refresh\": 600}}",
			      &r, err, sizeof(err)),
			 0);
	assert_int_equal(r->n_devices, 2);
	d = cp_replica_device_lookup(r, "ALICE@example.com");
	assert_non_null(d);
	assert_string_equal(d->username, "Alice");
	assert_string_equal(d->password, "S3cret");
	assert_true(d->enable_sip);
	assert_false(cp_replica_device_lookup(r, "sip:room@example.com")->enable_sip);
	assert_null(cp_replica_device_lookup(r, "bob@example.com"));
	assert_true(r->registrar.enable);
	assert_false(r->registrar.adaptive);
	assert_int_equal(r->registrar.basic_min, 30);
	assert_int_equal(r->registrar.basic_max, 600);
	assert_int_equal(r->registrar.nat_min, 60);
	assert_int_equal(r->registrar.nat_max, 90);
	cp_replica_destroy(r);

	r = cp_replica_empty();
	assert_non_null(r);
	assert_true(r->registrar.enable && r->registrar.adaptive);
	assert_int_equal(r->registrar.adaptive_min, 60);
	assert_int_equal(r->registrar.adaptive_max, 3600);
	assert_int_equal(r->registrar.basic_max, 300);
	cp_replica_destroy(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_services_and_aliases),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_devices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
