/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_bp_media.c - the remote media messages of the node-to-node control
 * protocol (media_* in cp_bp_msg.h): round trips of every type, and the
 * malformed ones each refused with -EINVAL or -ENOTSUP and a reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cp_bp_msg.h"

static int
parse(const char *text, struct cp_bp_msg *m, char *err, size_t cap)
{
	return cp_bp_msg_parse(text, strlen(text), m, err, cap);
}

/* Encode @p in, parse it back into @p out. */
static void
round_trip(const struct cp_bp_msg *in, struct cp_bp_msg *out)
{
	uint8_t *frame;
	size_t n;
	char err[160] = "";

	assert_int_equal(cp_bp_msg_encode(in, &frame, &n), 0);
	assert_int_equal(cp_bp_frame_len(frame), (int)n - 4);
	if (cp_bp_msg_parse((const char *)frame + 4, n - 4, out, err, sizeof(err)) != 0)
		fail_msg("round trip of %s: %s", cp_bp_type_name(in->type), err);
	free(frame);
	assert_int_equal(out->type, in->type);
	assert_string_equal(out->id, in->id);
}

static void
test_media_host_round_trip(void **state)
{
	struct cp_bp_msg in = {.type = CP_BP_MEDIA_HOST}, out;
	struct cp_bp_media_desc *d = &in.media;

	(void)state;
	strcpy(in.id, "5b1e7c0e-1d2f-4a6b-9c3d-0123456789ab");
	strcpy(in.conference, "Demo room");
	strcpy(d->codec, "opus");
	d->pt = 111;
	d->dtmf_pt = 101;
	d->rate = 48000;
	d->channels = 2;
	d->rtcp_mux = true;
	strcpy(d->remote_addr, "198.18.1.101");
	d->remote_port = 40000;
	strcpy(d->in_suite, "AES_CM_128_HMAC_SHA1_80");
	strcpy(d->in_key, "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz");
	strcpy(d->out_suite, "AEAD_AES_256_GCM");
	strcpy(d->out_key, "zE7xrK5hJ0t7u5rFq3XbPq9QfZ2lJY8v1m4nU6pW0sQb2c3d4e5f6g7h");
	round_trip(&in, &out);
	assert_string_equal(out.conference, "Demo room");
	assert_memory_equal(&out.media, d, sizeof(*d));
	cp_bp_msg_fini(&out);
	/* fini wipes what it held (the keys). */
	assert_int_equal(out.media.in_key[0], 0);

	/* Plain RTP: suites NULL and no keys; no remote address yet (latching). */
	memset(d, 0, sizeof(*d));
	strcpy(d->codec, "PCMU");
	d->rate = 8000;
	d->channels = 1;
	strcpy(d->in_suite, "NULL");
	strcpy(d->out_suite, "NULL");
	round_trip(&in, &out);
	assert_memory_equal(&out.media, d, sizeof(*d));
	cp_bp_msg_fini(&out);
}

static void
test_media_others_round_trip(void **state)
{
	struct cp_bp_msg in, out;

	(void)state;
	in = (struct cp_bp_msg){.type = CP_BP_MEDIA_HOSTED, .port = 40012};
	strcpy(in.id, "p1");
	strcpy(in.media_addr, "198.18.2.1");
	round_trip(&in, &out);
	assert_string_equal(out.media_addr, "198.18.2.1");
	assert_int_equal(out.port, 40012);
	cp_bp_msg_fini(&out);

	in = (struct cp_bp_msg){.type = CP_BP_MEDIA_ATTACH, .lobby = 1, .guest = 0, .hosts_only = 1};
	strcpy(in.id, "p1");
	round_trip(&in, &out);
	assert_int_equal(out.lobby, 1);
	assert_int_equal(out.guest, 0);
	assert_int_equal(out.hosts_only, 1);
	cp_bp_msg_fini(&out);

	in = (struct cp_bp_msg){.type = CP_BP_MEDIA_UPDATE, .lobby = -1, .guest = 1,
				.hosts_only = -1, .muted = 0};
	strcpy(in.id, "p1");
	round_trip(&in, &out);
	assert_int_equal(out.lobby, -1);
	assert_int_equal(out.guest, 1);
	assert_int_equal(out.hosts_only, -1);
	assert_int_equal(out.muted, 0);
	assert_false(out.has_dir); /* not sent: the direction is kept */
	cp_bp_msg_fini(&out);

	/* The SDP direction (hold) goes through as a pair. */
	in = (struct cp_bp_msg){.type = CP_BP_MEDIA_UPDATE, .lobby = -1, .guest = -1,
				.hosts_only = -1, .muted = -1, .has_dir = true, .send = false,
				.recv = true};
	strcpy(in.id, "p1");
	round_trip(&in, &out);
	assert_true(out.has_dir);
	assert_false(out.send);
	assert_true(out.recv);
	assert_int_equal(out.muted, -1);
	cp_bp_msg_fini(&out);
	in.send = true;
	in.recv = false;
	round_trip(&in, &out);
	assert_true(out.has_dir && out.send && !out.recv);
	cp_bp_msg_fini(&out);

	in = (struct cp_bp_msg){.type = CP_BP_MEDIA_PROMPT, .loop = true};
	strcpy(in.id, "p1");
	strcpy(in.text, "waiting_host");
	round_trip(&in, &out);
	assert_string_equal(out.text, "waiting_host");
	assert_true(out.loop);
	cp_bp_msg_fini(&out);

	in = (struct cp_bp_msg){.type = CP_BP_MEDIA_SEND_DTMF};
	strcpy(in.id, "p1");
	strcpy(in.digits, "1234,#");
	round_trip(&in, &out);
	assert_string_equal(out.digits, "1234,#");
	cp_bp_msg_fini(&out);

	in = (struct cp_bp_msg){.type = CP_BP_MEDIA_DIGITS};
	strcpy(in.id, "p1");
	strcpy(in.digits, "*7");
	round_trip(&in, &out);
	assert_string_equal(out.digits, "*7");
	cp_bp_msg_fini(&out);

	in = (struct cp_bp_msg){.type = CP_BP_MEDIA_FAILED};
	strcpy(in.id, "p1");
	strcpy(in.text, "no media port free");
	round_trip(&in, &out);
	assert_string_equal(out.text, "no media port free");
	cp_bp_msg_fini(&out);

	for (int t = CP_BP_MEDIA_DETACH; t <= CP_BP_MEDIA_RELEASE; t++) {
		in = (struct cp_bp_msg){.type = (enum cp_bp_type)t};
		strcpy(in.id, "p-2_x.y");
		round_trip(&in, &out);
		cp_bp_msg_fini(&out);
	}
}

#define HOST_OK                                                                              \
	"\"id\":\"p1\",\"conference\":\"Demo\",\"codec\":\"opus\",\"pt\":111,\"dtmf_pt\":101," \
	"\"rate\":48000,\"channels\":2,\"rtcp_mux\":true,\"remote_addr\":\"198.18.1.101\","    \
	"\"remote_port\":40000,\"in_suite\":\"AES_CM_128_HMAC_SHA1_80\","                       \
	"\"in_key\":\"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\",\"out_suite\":\"NULL\","      \
	"\"out_key\":\"\""

static void
test_media_bad(void **state)
{
	static const char *const bad[] = {
		/* no id, bad ids */
		"{\"type\":\"media_detach\"}",
		"{\"type\":\"media_detach\",\"id\":\"\"}",
		"{\"type\":\"media_detach\",\"id\":\"a b\"}",
		"{\"type\":\"media_detach\",\"id\":\"x\\\"y\"}",
		"{\"type\":\"media_detach\",\"id\":7}",
		"{\"type\":\"media_release\",\"id\":"
		"\"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
		/* media_host: each field wrong in turn */
		"{\"type\":\"media_host\",\"id\":\"p1\"}",
		"{\"type\":\"media_host\"," HOST_OK ",\"conference\":\"\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"codec\":\"opus\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"G723\","
		"\"pt\":4,\"dtmf_pt\":0,\"rate\":8000,\"channels\":1,\"rtcp_mux\":false,"
		"\"remote_addr\":\"\",\"remote_port\":0,\"in_suite\":\"NULL\",\"out_suite\":\"NULL\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":128,\"dtmf_pt\":0,\"rate\":8000,\"channels\":1,\"rtcp_mux\":false,"
		"\"remote_addr\":\"\",\"remote_port\":0,\"in_suite\":\"NULL\",\"out_suite\":\"NULL\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":0,\"dtmf_pt\":95,\"rate\":8000,\"channels\":1,\"rtcp_mux\":false,"
		"\"remote_addr\":\"\",\"remote_port\":0,\"in_suite\":\"NULL\",\"out_suite\":\"NULL\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":0,\"dtmf_pt\":0,\"rate\":4000,\"channels\":1,\"rtcp_mux\":false,"
		"\"remote_addr\":\"\",\"remote_port\":0,\"in_suite\":\"NULL\",\"out_suite\":\"NULL\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":0,\"dtmf_pt\":0,\"rate\":8000,\"channels\":3,\"rtcp_mux\":false,"
		"\"remote_addr\":\"\",\"remote_port\":0,\"in_suite\":\"NULL\",\"out_suite\":\"NULL\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":0,\"dtmf_pt\":0,\"rate\":8000,\"channels\":1,\"rtcp_mux\":1,"
		"\"remote_addr\":\"\",\"remote_port\":0,\"in_suite\":\"NULL\",\"out_suite\":\"NULL\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":0,\"dtmf_pt\":0,\"rate\":8000,\"channels\":1,\"rtcp_mux\":false,"
		"\"remote_addr\":\"example.org\",\"remote_port\":0,\"in_suite\":\"NULL\","
		"\"out_suite\":\"NULL\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":0,\"dtmf_pt\":0,\"rate\":8000,\"channels\":1,\"rtcp_mux\":false,"
		"\"remote_addr\":\"\",\"remote_port\":65536,\"in_suite\":\"NULL\","
		"\"out_suite\":\"NULL\"}",
		/* a suite without a key, a key without a suite, an unknown suite, a bad key */
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":0,\"dtmf_pt\":0,\"rate\":8000,\"channels\":1,\"rtcp_mux\":false,"
		"\"remote_addr\":\"\",\"remote_port\":0,\"in_suite\":\"AEAD_AES_256_GCM\","
		"\"out_suite\":\"NULL\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":0,\"dtmf_pt\":0,\"rate\":8000,\"channels\":1,\"rtcp_mux\":false,"
		"\"remote_addr\":\"\",\"remote_port\":0,\"in_suite\":\"NULL\","
		"\"in_key\":\"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\",\"out_suite\":\"NULL\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":0,\"dtmf_pt\":0,\"rate\":8000,\"channels\":1,\"rtcp_mux\":false,"
		"\"remote_addr\":\"\",\"remote_port\":0,\"in_suite\":\"F8_128_HMAC_SHA1_80\","
		"\"in_key\":\"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\",\"out_suite\":\"NULL\"}",
		"{\"type\":\"media_host\",\"id\":\"p1\",\"conference\":\"D\",\"codec\":\"PCMU\","
		"\"pt\":0,\"dtmf_pt\":0,\"rate\":8000,\"channels\":1,\"rtcp_mux\":false,"
		"\"remote_addr\":\"\",\"remote_port\":0,\"in_suite\":\"AEAD_AES_128_GCM\","
		"\"in_key\":\"not base64 at all!!\",\"out_suite\":\"NULL\"}",
		/* media_hosted */
		"{\"type\":\"media_hosted\",\"id\":\"p1\",\"address\":\"198.18.2.1\",\"port\":80}",
		"{\"type\":\"media_hosted\",\"id\":\"p1\",\"address\":\"node-b\",\"port\":40000}",
		"{\"type\":\"media_hosted\",\"id\":\"p1\",\"port\":40000}",
		/* attach / update: values */
		"{\"type\":\"media_attach\",\"id\":\"p1\",\"lobby\":-1,\"guest\":0,\"hosts_only\":0}",
		"{\"type\":\"media_attach\",\"id\":\"p1\",\"lobby\":true,\"guest\":0,\"hosts_only\":0}",
		"{\"type\":\"media_attach\",\"id\":\"p1\",\"lobby\":1,\"guest\":0}",
		"{\"type\":\"media_update\",\"id\":\"p1\",\"lobby\":2,\"guest\":0,\"hosts_only\":0,"
		"\"muted\":0}",
		"{\"type\":\"media_update\",\"id\":\"p1\",\"lobby\":0,\"guest\":0,\"hosts_only\":0}",
		"{\"type\":\"media_update\",\"id\":\"p1\",\"lobby\":0,\"guest\":0,\"hosts_only\":0,"
		"\"muted\":0,\"send\":false,\"recv\":1}",
		"{\"type\":\"media_update\",\"id\":\"p1\",\"lobby\":0,\"guest\":0,\"hosts_only\":0,"
		"\"muted\":0,\"send\":1,\"recv\":2}",
		"{\"type\":\"media_update\",\"id\":\"p1\",\"lobby\":0,\"guest\":0,\"hosts_only\":0,"
		"\"muted\":0,\"send\":-1,\"recv\":1}",
		"{\"type\":\"media_update\",\"id\":\"p1\",\"lobby\":0,\"guest\":0,\"hosts_only\":0,"
		"\"muted\":0,\"send\":0}",
		/* prompt, digits, failed */
		"{\"type\":\"media_prompt\",\"id\":\"p1\",\"prompt\":\"../etc/passwd\",\"loop\":false}",
		"{\"type\":\"media_prompt\",\"id\":\"p1\",\"prompt\":\"welcome\"}",
		"{\"type\":\"media_prompt\",\"id\":\"p1\",\"prompt\":"
		"\"a_prompt_name_that_is_far_too_long_for_us\",\"loop\":true}",
		"{\"type\":\"media_send_dtmf\",\"id\":\"p1\",\"digits\":\"\"}",
		"{\"type\":\"media_send_dtmf\",\"id\":\"p1\",\"digits\":\"12x\"}",
		"{\"type\":\"media_digits\",\"id\":\"p1\",\"digits\":\"1,2\"}",
		"{\"type\":\"media_failed\",\"id\":\"p1\",\"message\":\"a\\u0001b\"}",
		"{\"type\":\"media_failed\",\"id\":\"p1\",\"message\":3}",
	};
	struct cp_bp_msg m;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(bad[i], &m, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted #%zu: %s", i, bad[i]);
		assert_true(err[0] != '\0');
		cp_bp_msg_fini(&m);
	}
	/* The good one the bad ones vary, so the cases above fail for their own reason. */
	assert_int_equal(parse("{\"type\":\"media_host\"," HOST_OK "}", &m, err, sizeof(err)), 0);
	assert_string_equal(m.media.in_suite, "AES_CM_128_HMAC_SHA1_80");
	cp_bp_msg_fini(&m);
	assert_int_equal(parse("{\"type\":\"media_update\",\"id\":\"p1\",\"lobby\":0,\"guest\":0,"
			       "\"hosts_only\":0,\"muted\":0,\"send\":0,\"recv\":1}", &m, err, sizeof(err)),
			 0);
	assert_true(m.has_dir);
	assert_false(m.send);
	assert_true(m.recv);
	cp_bp_msg_fini(&m);
	assert_int_equal(parse("{\"type\":\"media_teleport\",\"id\":\"p1\"}", &m, err, sizeof(err)),
			 -ENOTSUP);
	cp_bp_msg_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_host_round_trip),
		cmocka_unit_test(test_media_others_round_trip),
		cmocka_unit_test(test_media_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
