/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_ctl.c - the node control socket's requests (cp_ctl_request) on a
 * node without calls: the envelope, status, and every command's argument
 * checks and "no such" answers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cp_ctl.h"
#include "cp_replica.h"
#include "cp_sip.h"
#include "cp_svc.h"

static struct cp_sip sip;
static long long version = 42;
static const struct cp_ctl_info info = {.node_name = "node-a", .config_version = &version,
					.config_source = "management"};

static int
setup(void **state)
{
	(void)state;
	su_init();
	sip.root = su_root_create(NULL);
	sip.replica = cp_replica_empty();
	sip.cfg.sip_addr = "192.0.2.1";
	sip.cfg.media_addr = "192.0.2.1";
	return sip.root && sip.replica && cp_svc_create(&sip, &sip.svc) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	cp_svc_destroy(sip.svc);
	cp_replica_destroy((struct cp_replica *)sip.replica);
	su_root_destroy(sip.root);
	su_deinit();
	return 0;
}

/* Send @p req; @return the reply (caller decrefs). */
static json_t *
ask(const char *req)
{
	char *text = cp_ctl_request(&sip, &info, req, strlen(req));
	json_t *j;

	assert_non_null(text);
	j = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(j);
	assert_true(json_is_boolean(json_object_get(j, "ok")));
	return j;
}

static void
expect_error(const char *req, const char *code)
{
	json_t *j = ask(req);
	const char *got = json_string_value(json_object_get(json_object_get(j, "error"), "code"));

	if (json_is_true(json_object_get(j, "ok")) || got == NULL || strcmp(got, code) != 0)
		fail_msg("%s: expected error %s, got %s", req, code, got ? got : "success");
	json_decref(j);
}

static void
test_ping_and_status(void **state)
{
	json_t *j, *r;

	(void)state;
	j = ask("{\"v\":1,\"id\":5,\"op\":\"ping\"}");
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 5);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "result"), "node")),
			    "node-a");
	json_decref(j);
	j = ask("{\"v\":1,\"id\":6,\"op\":\"status\"}");
	r = json_object_get(j, "result");
	assert_int_equal(json_integer_value(json_object_get(r, "config_version")), 42);
	assert_string_equal(json_string_value(json_object_get(r, "config_source")), "management");
	assert_int_equal(json_array_size(json_object_get(r, "participants")), 0);
	assert_int_equal(json_array_size(json_object_get(r, "conferences")), 0);
	json_decref(j);
}

static void
test_bad_envelopes(void **state)
{
	(void)state;
	expect_error("", "EINVAL");
	expect_error("not json", "EINVAL");
	expect_error("[]", "EINVAL");
	expect_error("{\"id\":1,\"op\":\"ping\"}", "EINVAL");
	expect_error("{\"v\":2,\"id\":1,\"op\":\"ping\"}", "EINVAL");
	expect_error("{\"v\":1,\"id\":1}", "EINVAL");
	expect_error("{\"v\":1,\"id\":1,\"op\":7}", "EINVAL");
	expect_error("{\"v\":1,\"id\":1,\"op\":\"ping\",\"args\":[1]}", "EINVAL");
	expect_error("{\"v\":1,\"v\":1,\"id\":1,\"op\":\"ping\"}", "EINVAL"); /* duplicate key */
	expect_error("{\"v\":1,\"id\":1,\"op\":\"reboot\"}", "ENOSYS");
	expect_error("{\"v\":1,\"id\":1,\"op\":\"conference_explode\","
		     "\"args\":{\"conference_id\":\"x\"}}",
		     "ENOSYS");
}

static void
test_command_arguments(void **state)
{
	(void)state;
	/* Missing identifiers. */
	expect_error("{\"v\":1,\"id\":1,\"op\":\"conference_lock\"}", "EINVAL");
	expect_error("{\"v\":1,\"id\":1,\"op\":\"participant_mute\",\"args\":{}}", "EINVAL");
	expect_error("{\"v\":1,\"id\":1,\"op\":\"participant_mute\","
		     "\"args\":{\"participant_id\":5}}",
		     "EINVAL");
	expect_error("{\"v\":1,\"id\":1,\"op\":\"participant_dial\","
		     "\"args\":{\"conference_alias\":\"meet\"}}",
		     "EINVAL");
	/* Well-formed, but nothing by that name. */
	expect_error("{\"v\":1,\"id\":1,\"op\":\"conference_lock\","
		     "\"args\":{\"conference_id\":\"Nope\"}}",
		     "ENOENT");
	expect_error("{\"v\":1,\"id\":1,\"op\":\"participant.disconnect\","
		     "\"args\":{\"participant_id\":\"0000\"}}",
		     "ENOENT");
	expect_error("{\"v\":1,\"id\":1,\"op\":\"participant_role\","
		     "\"args\":{\"participant_id\":\"0000\",\"role\":\"chair\"}}",
		     "ENOENT");
	expect_error("{\"v\":1,\"id\":1,\"op\":\"participant_dial\",\"args\":"
		     "{\"conference_alias\":\"meet\",\"destination\":\"bob@example.com\"}}",
		     "ENOENT");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_and_status),
		cmocka_unit_test(test_bad_envelopes),
		cmocka_unit_test(test_command_arguments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
