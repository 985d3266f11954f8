/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_rtp.c - RTP/RTCP header validation (dp_rtp.h) on good and broken headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dp_rtp.h"

static void
test_rtp_valid_and_bounds(void **state)
{
	uint8_t p[64] = {0x80, 0, 0, 1};

	(void)state;
	assert_int_equal(dp_rtp_validate(p, 12, 0), DP_RTP_OK);
	assert_int_equal(dp_rtp_validate(p, 11, 0), DP_RTP_E_SHORT);
	assert_int_equal(dp_rtp_validate(p, 20, 10), DP_RTP_E_SHORT);
	p[0] = 0x40;
	assert_int_equal(dp_rtp_validate(p, 40, 0), DP_RTP_E_VERSION);
	p[0] = 0xc0;
	assert_int_equal(dp_rtp_validate(p, 40, 0), DP_RTP_E_VERSION);
	/* Two CSRCs need 20 bytes. */
	p[0] = 0x82;
	assert_int_equal(dp_rtp_validate(p, 19, 0), DP_RTP_E_BOUNDS);
	assert_int_equal(dp_rtp_validate(p, 20, 0), DP_RTP_OK);
	assert_int_equal(dp_rtp_hdr_len(p, 20), 20);
	/* Extension header of 2 words after 15 CSRCs: 12 + 60 + 4 + 8 = 84 > 64. */
	p[0] = 0x9f;
	assert_int_equal(dp_rtp_validate(p, 64, 0), DP_RTP_E_BOUNDS);
	/* Extension: 12 + 4 + 4*1 = 20. */
	p[0] = 0x90;
	p[12] = 0xbe;
	p[13] = 0xde;
	p[14] = 0;
	p[15] = 1;
	assert_int_equal(dp_rtp_hdr_len(p, 20), 20);
	assert_int_equal(dp_rtp_validate(p, 19, 0), DP_RTP_E_BOUNDS);
	p[15] = 0xff; /* 1020 bytes of extension */
	assert_int_equal(dp_rtp_validate(p, 64, 0), DP_RTP_E_BOUNDS);
	/* Extension bit with no room for its header. */
	assert_int_equal(dp_rtp_validate(p, 14, 0), DP_RTP_E_BOUNDS);
}

static void
test_rtp_padding(void **state)
{
	uint8_t p[40] = {0xa0};

	(void)state;
	p[39] = 4;
	assert_int_equal(dp_rtp_validate(p, 40, 0), DP_RTP_OK);
	p[39] = 0;
	assert_int_equal(dp_rtp_validate(p, 40, 0), DP_RTP_E_BOUNDS);
	p[39] = 29; /* more than the 28 bytes after the header */
	assert_int_equal(dp_rtp_validate(p, 40, 0), DP_RTP_E_BOUNDS);
	p[39] = 28;
	assert_int_equal(dp_rtp_validate(p, 40, 0), DP_RTP_OK);
	/* Encrypted: the count is not visible, so not checked. */
	p[39] = 200;
	assert_int_equal(dp_rtp_validate(p, 40, 10), DP_RTP_OK);
}

static void
test_rtcp(void **state)
{
	/* SR (7 words + header) followed by an SDES of 2 words + header. */
	uint8_t p[44] = {0x80, 200, 0, 6};

	(void)state;
	p[28] = 0x81;
	p[29] = 202;
	p[31] = 3;
	assert_true(dp_rtp_is_rtcp(p, sizeof(p)));
	assert_int_equal(dp_rtcp_validate(p, 44, false), DP_RTP_OK);
	assert_int_equal(dp_rtcp_validate(p, 43, false), DP_RTP_E_RTCP_LEN);
	p[31] = 4;
	assert_int_equal(dp_rtcp_validate(p, 44, false), DP_RTP_E_RTCP_LEN);
	p[31] = 3;
	p[28] = 0x41;
	assert_int_equal(dp_rtcp_validate(p, 44, false), DP_RTP_E_VERSION);
	assert_int_equal(dp_rtcp_validate(p, 7, false), DP_RTP_E_SHORT);
	/* Encrypted compound: only the first header is visible. */
	assert_int_equal(dp_rtcp_validate(p, 44, true), DP_RTP_OK);
	/* Payload types 64-95 with marker are RTCP under rtcp-mux; 96 is RTP. */
	p[1] = 191;
	assert_false(dp_rtp_is_rtcp(p, 2));
	p[1] = 223;
	assert_true(dp_rtp_is_rtcp(p, 2));
	p[1] = 224;
	assert_false(dp_rtp_is_rtcp(p, 2));
	assert_false(dp_rtp_is_rtcp(p, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtp_valid_and_bounds),
		cmocka_unit_test(test_rtp_padding),
		cmocka_unit_test(test_rtcp),
	};

	return cmocka_run_group_tests_name("dp_rtp", tests, NULL, NULL);
}
