/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_ctl.c - the control protocol handler (dp_ctl_handle).
 *
 * Every malformed or out-of-range request must get an error reply naming the
 * code (and the field where there is one) and leave the stream table exactly
 * as it was; well-formed requests create, update, list and delete streams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "config.h"
#include "dp_ctl.h"
#include "dp_fixture.h"

struct env {
	struct dp_main *dm;
	struct dp_lcore_ctx *lc;
	char resp[DP_CTL_MAX_MSG];
};

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(dp_fixture_create(16, 1023, &e->dm, &e->lc), 0);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	dp_fixture_destroy(e->dm);
	free(e);
	return 0;
}

/* Send @p req; return the parsed reply (owned by the caller). */
static json_t *
call(struct env *e, const char *req)
{
	size_t n = dp_ctl_handle(e->dm, req, strlen(req), e->resp, sizeof(e->resp));
	json_t *r;

	assert_true(n > 0 && n == strlen(e->resp));
	r = json_loads(e->resp, 0, NULL);
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "v")), 1);
	return r;
}

/* Expect an error reply with @p code (and @p field when not NULL). */
static void
expect_error(struct env *e, const char *req, const char *code, const char *field)
{
	uint32_t before = e->dm->flows.count;
	json_t *r = call(e, req), *err = json_object_get(r, "error");

	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(err, "code")), code);
	if (field != NULL)
		assert_string_equal(json_string_value(json_object_get(err, "field")), field);
	assert_true(strlen(json_string_value(json_object_get(err, "message"))) > 0);
	json_decref(r);
	assert_int_equal(e->dm->flows.count, before);
}

static json_int_t
expect_ok(struct env *e, const char *req, const char *key)
{
	json_t *r = call(e, req);
	json_int_t v = -1;

	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("request failed: %s -> %s", req, e->resp);
	if (key != NULL)
		v = json_integer_value(json_object_get(json_object_get(r, "result"), key));
	json_decref(r);
	return v;
}

static void
test_protocol_errors(void **state)
{
	struct env *e = *state;
	json_t *r;

	expect_error(e, "", "EPROTO", NULL);
	expect_error(e, "{", "EPROTO", NULL);
	expect_error(e, "[1,2]", "EPROTO", NULL);
	expect_error(e, "{\"v\":1,\"id\":1,\"op\":\"ping\",\"op\":\"ping\"}", "EPROTO", NULL);
	expect_error(e, "{\"id\":1,\"op\":\"ping\"}", "EPROTO", "v");
	expect_error(e, "{\"v\":2,\"id\":1,\"op\":\"ping\"}", "EPROTO", "v");
	expect_error(e, "{\"v\":1,\"id\":[],\"op\":\"ping\"}", "EPROTO", "id");
	expect_error(e, "{\"v\":1,\"id\":1}", "EPROTO", "op");
	expect_error(e, "{\"v\":1,\"id\":1,\"op\":7}", "EPROTO", "op");
	expect_error(e, "{\"v\":1,\"id\":1,\"op\":\"ping\",\"args\":[]}", "EPROTO", "args");
	expect_error(e, "{\"v\":1,\"id\":1,\"op\":\"stream.explode\"}", "ENOSYS", "op");
	/* Embedded NUL and binary garbage. */
	{
		static const char junk[] = "{\"v\":1,\0\xff\xfe}";
		size_t n = dp_ctl_handle(e->dm, junk, sizeof(junk), e->resp, sizeof(e->resp));

		assert_true(n > 0);
		assert_non_null(strstr(e->resp, "EPROTO"));
	}
	/* The id comes back, number or string. */
	r = call(e, "{\"v\":1,\"id\":\"abc\",\"op\":\"ping\"}");
	assert_string_equal(json_string_value(json_object_get(r, "id")), "abc");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "result"),
							      "version")),
			    TSR_VERSION);
	json_decref(r);
}

#define CREATE(args) "{\"v\":1,\"id\":1,\"op\":\"stream.create\",\"args\":{" args "}}"

/* 30 bytes (AES_CM_128 key + salt) and 28 bytes (AEAD_AES_128_GCM) in base64. */
#define KEY30 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
#define KEY28 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="

static void
test_create_rejects_bad_fields(void **state)
{
	struct env *e = *state;

	expect_error(e, CREATE("\"local_port\":40000"), "EINVAL", "local_ip");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\""), "EINVAL", "local_port");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.9\",\"local_port\":40000"), "EINVAL",
		     "local_ip");
	expect_error(e, CREATE("\"local_ip\":\"banana\",\"local_port\":40000"), "EINVAL",
		     "local_ip");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":70000"), "EINVAL",
		     "local_port");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":0"), "EINVAL",
		     "local_port");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":\"40000\""), "EINVAL",
		     "local_port");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"dscp\":64"),
		     "EINVAL", "dscp");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"latch\":1"),
		     "EINVAL", "latch");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"colour\":1"),
		     "EINVAL", "colour");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"remote_ip\":\"198.18.0.12\""),
		     "EINVAL", "remote_port");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"remote_ip\":\"2001:2::12\",\"remote_port\":5004"),
		     "EINVAL", "remote_ip");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"remote_ip\":\"198.18.0.12\",\"remote_port\":-1"),
		     "EINVAL", "remote_port");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":65535,"
			       "\"rtcp_mux\":false"),
		     "EINVAL", "local_port");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"relay_to\":3"),
		     "ENOENT", "relay_to");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"relay_to\":99"),
		     "EINVAL", "relay_to");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"out_ssrc\":4294967296"),
		     "EINVAL", "out_ssrc");
	/* SRTP: unknown suite, key of the wrong length, bad base64, extra fields. */
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"srtp_in\":{\"suite\":\"F8_128_HMAC_SHA1_80\",\"key\":\"" KEY30 "\"}"),
		     "EINVAL", "srtp_in");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"srtp_in\":{\"suite\":\"AEAD_AES_128_GCM\",\"key\":\"" KEY30 "\"}"),
		     "EINVAL", "srtp_in");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"srtp_out\":{\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"key\":\"!!\"}"),
		     "EINVAL", "srtp_out");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"srtp_out\":{\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"key\":\"" KEY30
			       "\",\"mki\":1}"),
		     "EINVAL", "mki");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"srtp_out\":5"),
		     "EINVAL", "srtp_out");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"pt_map\":{\"200\":8}"),
		     "EINVAL", "pt_map");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"pt_map\":{\"0\":\"8\"}"),
		     "EINVAL", "pt_map");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,"
			       "\"pt_map\":{\"x\":8}"),
		     "EINVAL", "pt_map");
	expect_error(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"pt_map\":[]"),
		     "EINVAL", "pt_map");
}

static void
test_stream_lifecycle(void **state)
{
	struct env *e = *state;
	json_int_t a, b;
	json_t *r, *res;
	char req[512];

	b = expect_ok(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40002,"
				"\"remote_ip\":\"198.18.0.12\",\"remote_port\":5004,"
				"\"srtp_out\":{\"suite\":\"AEAD_AES_128_GCM\",\"key\":\"" KEY28 "\"}"),
		      "stream_id");
	snprintf(req, sizeof(req),
		 CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"rtcp_mux\":false,"
			"\"srtp_in\":{\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"key\":\"" KEY30 "\"},"
			"\"relay_to\":%d"),
		 (int)b);
	a = expect_ok(e, req, "stream_id");
	assert_int_equal(e->dm->flows.count, 2);
	/* The RTCP port of a non-muxed stream is taken too. */
	r = call(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40001"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
			    "EEXIST");
	json_decref(r);
	r = call(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40002"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
			    "EEXIST");
	json_decref(r);
	assert_int_equal(e->dm->flows.count, 2);

	/* A rejected update changes nothing. */
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":2,\"op\":\"stream.update\",\"args\":{\"stream_id\":%d,"
		 "\"dscp\":99}}",
		 (int)a);
	r = call(e, req);
	assert_true(json_is_false(json_object_get(r, "ok")));
	json_decref(r);
	assert_int_equal(dp_flow_stream_cfg(&e->dm->flows, (uint32_t)a)->dscp, 46);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":2,\"op\":\"stream.update\",\"args\":{\"stream_id\":%d,"
		 "\"local_port\":1234}}",
		 (int)a);
	r = call(e, req);
	assert_true(json_is_false(json_object_get(r, "ok")));
	json_decref(r);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":2,\"op\":\"stream.update\",\"args\":{\"stream_id\":%d,"
		 "\"dscp\":34,\"remote_ip\":\"198.18.0.11\",\"remote_port\":5002,\"latch\":false}}",
		 (int)a);
	expect_ok(e, req, NULL);
	assert_int_equal(dp_flow_stream_cfg(&e->dm->flows, (uint32_t)a)->dscp, 34);
	assert_int_equal(dp_flow_stream_cfg(&e->dm->flows, (uint32_t)a)->srtp_in.suite,
			 DP_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(dp_flow_stream_cfg(&e->dm->flows, (uint32_t)a)->relay_to, b);

	/* stats and list */
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":3,\"op\":\"stream.stats\",\"args\":{\"stream_id\":%d}}", (int)a);
	r = call(e, req);
	res = json_object_get(r, "result");
	assert_int_equal(json_integer_value(json_object_get(res, "rx_packets")), 0);
	assert_string_equal(json_string_value(json_object_get(res, "remote_ip")), "198.18.0.11");
	assert_string_equal(json_string_value(json_object_get(res, "srtp_in")),
			    "AES_CM_128_HMAC_SHA1_80");
	assert_null(json_object_get(res, "pt_map"));
	assert_non_null(json_object_get(json_object_get(res, "drops"), "srtp_auth"));
	json_decref(r);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":3,\"op\":\"stream.update\",\"args\":{\"stream_id\":%d,"
		 "\"pt_map\":{\"111\":96}}}",
		 (int)a);
	expect_ok(e, req, NULL);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":3,\"op\":\"stream.stats\",\"args\":{\"stream_id\":%d}}", (int)a);
	r = call(e, req);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(r, "result"), "pt_map"), "111")),
			 96);
	json_decref(r);
	r = call(e, "{\"v\":1,\"id\":4,\"op\":\"stream.list\",\"args\":{\"limit\":1,\"offset\":1}}");
	res = json_object_get(r, "result");
	assert_int_equal(json_integer_value(json_object_get(res, "total_count")), 2);
	assert_int_equal(json_array_size(json_object_get(res, "streams")), 1);
	json_decref(r);
	expect_error(e, "{\"v\":1,\"id\":4,\"op\":\"stream.list\",\"args\":{\"limit\":0}}",
		     "EINVAL", "limit");

	/* delete: unknown ids are an error, known ones go. */
	r = call(e, "{\"v\":1,\"id\":5,\"op\":\"stream.delete\",\"args\":{\"stream_id\":9}}");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
			    "ENOENT");
	json_decref(r);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":5,\"op\":\"stream.delete\",\"args\":{\"stream_id\":%d}}", (int)a);
	expect_ok(e, req, NULL);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":5,\"op\":\"stream.delete\",\"args\":{\"stream_id\":%d}}", (int)b);
	expect_ok(e, req, NULL);
	assert_int_equal(e->dm->flows.count, 0);
	/* The RTCP key went with the stream: the port is free again. */
	a = expect_ok(e, CREATE("\"local_ip\":\"198.18.0.1\",\"local_port\":40001"), "stream_id");
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":5,\"op\":\"stream.delete\",\"args\":{\"stream_id\":%d}}", (int)a);
	expect_ok(e, req, NULL);
}

static void
test_table_full(void **state)
{
	struct env *e = *state;
	char req[256];
	json_t *r;

	for (int i = 0; i < 16; i++) {
		snprintf(req, sizeof(req), CREATE("\"local_ip\":\"2001:2::1\",\"local_port\":%d"),
			 30000 + i * 2);
		expect_ok(e, req, "stream_id");
	}
	r = call(e, CREATE("\"local_ip\":\"2001:2::1\",\"local_port\":31000"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
			    "ENOSPC");
	json_decref(r);
	for (int i = 0; i < 16; i++) {
		snprintf(req, sizeof(req),
			 "{\"v\":1,\"id\":5,\"op\":\"stream.delete\",\"args\":{\"stream_id\":%d}}",
			 i);
		expect_ok(e, req, NULL);
	}
	assert_int_equal(e->dm->flows.count, 0);
}

static void
test_stats_ops(void **state)
{
	struct env *e = *state;
	json_t *r = call(e, "{\"v\":1,\"id\":1,\"op\":\"port.stats\"}"), *res;

	res = json_object_get(r, "result");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_non_null(json_object_get(json_object_get(res, "punt"), "udp_unknown"));
	assert_non_null(json_object_get(json_object_get(res, "drops"), "ip_bad"));
	assert_true(json_is_array(json_object_get(res, "ports")));
	json_decref(r);
	r = call(e, "{\"v\":1,\"id\":1,\"op\":\"lcore.stats\"}");
	assert_int_equal(json_array_size(json_object_get(json_object_get(r, "result"), "lcores")), 1);
	json_decref(r);
	expect_error(e, "{\"v\":1,\"id\":1,\"op\":\"port.stats\",\"args\":{\"x\":1}}", "EINVAL",
		     "x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_create_rejects_bad_fields),
		cmocka_unit_test(test_stream_lifecycle),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_stats_ops),
	};

	return cmocka_run_group_tests_name("dp_ctl", tests, setup, teardown);
}
