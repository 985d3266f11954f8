/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_sdp.c - the SDP codec table for G.729: an offer of static payload 18
 * with or without its rtpmap and with Annex B on or off is understood as
 * G729/8000 with its fmtp kept; G.729 at another rate or with two channels
 * is not a codec we know; our description writes rtpmap and annexb=no.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "cp_sdp.h"

#define HEAD "v=0\r\no=- 1 1 IN IP4 198.18.0.10\r\ns=-\r\nc=IN IP4 198.18.0.10\r\nt=0 0\r\n"

static void
parse_ok(const char *sdp, struct cp_sdp_desc *d)
{
	assert_int_equal(cp_sdp_parse(sdp, strlen(sdp), d), 0);
}

static void
test_g729_offers(void **state)
{
	struct cp_sdp_desc d;
	const char *bad = HEAD "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 G729/16000\r\n";

	(void)state;
	/* Static payload type, no rtpmap: RFC 3551 Table 4 gives G729/8000. */
	parse_ok(HEAD "m=audio 4000 RTP/AVP 18 101\r\na=rtpmap:101 telephone-event/8000\r\n", &d);
	assert_string_equal(d.audio.codecs[0].name, "G729");
	assert_int_equal(d.audio.codecs[0].pt, 18);
	assert_int_equal(d.audio.codecs[0].rate, 8000);
	assert_string_equal(d.audio.codecs[0].fmtp, "");
	parse_ok(HEAD "m=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=yes\r\n",
		 &d);
	assert_string_equal(d.audio.codecs[0].fmtp, "annexb=yes");
	assert_int_equal(cp_sdp_parse(bad, strlen(bad), &d), -ENOTSUP);
}

static void
test_g729_write(void **state)
{
	static const struct cp_sdp_codec c = {.pt = 18, .channels = 1, .rate = 8000,
					      .name = "G729", .fmtp = "annexb=no"};
	struct cp_sdp_out o = {.addr = "198.18.0.1", .family = AF_INET, .sess_id = 1,
			       .sess_version = 1, .port = 40000, .proto = CP_SDP_PROTO_AVP,
			       .dir = CP_SDP_SENDRECV, .ptime = 20, .n_codecs = 1, .codecs = &c};
	char buf[2048];
	struct cp_sdp_desc d;

	(void)state;
	assert_true(cp_sdp_write(buf, sizeof(buf), &o) > 0);
	assert_non_null(strstr(buf, "m=audio 40000 RTP/AVP 18\r\n"));
	assert_non_null(strstr(buf, "a=rtpmap:18 G729/8000\r\n"));
	assert_non_null(strstr(buf, "a=fmtp:18 annexb=no\r\n"));
	/* And it reads back as what it says. */
	parse_ok(buf, &d);
	assert_string_equal(d.audio.codecs[0].fmtp, "annexb=no");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_g729_offers),
		cmocka_unit_test(test_g729_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
