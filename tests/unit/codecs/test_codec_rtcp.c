/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_codec_rtcp.c - RTCP SR/RR (RFC 3550 §6.4): the bytes of a built SR
 * with a report block and SDES CNAME against a hand-assembled packet, RR
 * without blocks, parse of our own output and of foreign compounds (several
 * blocks, BYE, APP), malformed input, negative cumulative loss, RTT from
 * LSR/DLSR and the randomized interval bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codec_rtcp.h"

static void
test_sr_bytes(void **state)
{
	static const uint8_t want[] = {
		/* SR, RC=1, length 12 words - 1 */
		0x81, 200, 0x00, 0x0c, 0x11, 0x22, 0x33, 0x44,
		/* NTP 0xe1000000.80000000, RTP ts, packets 250, octets 40000 */
		0xe1, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x01, 0xe2, 0x40,
		0x00, 0x00, 0x00, 0xfa, 0x00, 0x00, 0x9c, 0x40,
		/* block: SSRC, fraction 25, cumulative 13, ext seq, jitter, LSR, DLSR */
		0xaa, 0xbb, 0xcc, 0xdd, 25, 0x00, 0x00, 0x0d, 0x00, 0x01, 0x00, 0x10,
		0x00, 0x00, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x80, 0x00,
		/* SDES, SC=1, length 4 words - 1: SSRC, CNAME "tsr-a", null, pad */
		0x81, 202, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 1, 5, 't', 's', 'r', '-', 'a', 0,
	};
	struct codec_rtcp_sr sr = {.ntp = 0xe100000080000000ull, .rtp_ts = 123456, .packets = 250,
				   .octets = 40000};
	struct codec_rtcp_rb rb = {.ssrc = 0xaabbccdd, .fraction_lost = 25, .cumulative_lost = 13,
				   .ext_max_seq = 0x10010, .jitter = 80, .lsr = 0x12345678,
				   .dlsr = 0x18000};
	uint8_t buf[CODEC_RTCP_MAX_LEN];
	int n;

	(void)state;
	n = codec_rtcp_build(0x11223344, &sr, &rb, "tsr-a", buf, sizeof(buf));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* Too small a buffer, bad CNAMEs. */
	assert_int_equal(codec_rtcp_build(0x11223344, &sr, &rb, "tsr-a", buf, sizeof(want) - 1),
			 -ENOSPC);
	assert_int_equal(codec_rtcp_build(1, &sr, &rb, "", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(codec_rtcp_build(1, &sr, &rb, NULL, buf, sizeof(buf)), -EINVAL);
}

static void
test_roundtrip(void **state)
{
	struct codec_rtcp_sr sr = {.ntp = 0xe2000001deadbeefull, .rtp_ts = 7, .packets = 9,
				   .octets = 900};
	struct codec_rtcp_rb rb = {.ssrc = 5, .fraction_lost = 255, .cumulative_lost = -3,
				   .ext_max_seq = 0x2ffff, .jitter = 1, .lsr = 0, .dlsr = 0};
	struct codec_rtcp_info in;
	uint8_t buf[CODEC_RTCP_MAX_LEN];
	int n;

	(void)state;
	/* SR with a block about SSRC 5. */
	n = codec_rtcp_build(77, &sr, &rb, "x", buf, sizeof(buf));
	assert_true(n > 0 && n % 4 == 0);
	assert_int_equal(codec_rtcp_parse(buf, (size_t)n, 5, &in), 0);
	assert_int_equal(in.ssrc, 77);
	assert_true(in.has_sr && in.has_rb && !in.bye);
	assert_true(in.sr.ntp == sr.ntp);
	assert_int_equal(in.sr.packets, 9);
	assert_int_equal(in.sr.octets, 900);
	assert_int_equal(in.rb.fraction_lost, 255);
	assert_int_equal(in.rb.cumulative_lost, -3);
	assert_int_equal(in.rb.ext_max_seq, 0x2ffff);
	/* Not about us: no block. */
	assert_int_equal(codec_rtcp_parse(buf, (size_t)n, 6, &in), 0);
	assert_false(in.has_rb);
	/* RR without blocks (nothing received yet): 8 bytes + SDES. */
	n = codec_rtcp_build(78, NULL, NULL, "x", buf, sizeof(buf));
	assert_int_equal(n, 8 + 12);
	assert_int_equal(buf[0], 0x80);
	assert_int_equal(buf[1], 201);
	assert_int_equal(codec_rtcp_parse(buf, (size_t)n, 5, &in), 0);
	assert_true(!in.has_sr && !in.has_rb && in.reports == 1 && in.ssrc == 78);
	/* Cumulative loss beyond 24 bits is clamped. */
	rb.cumulative_lost = 0x1000000;
	n = codec_rtcp_build(77, NULL, &rb, "x", buf, sizeof(buf));
	assert_int_equal(codec_rtcp_parse(buf, (size_t)n, 5, &in), 0);
	assert_int_equal(in.rb.cumulative_lost, 0x7fffff);
}

/* An RR with three blocks, then BYE and APP, as another implementation may send. */
static void
test_foreign_compound(void **state)
{
	uint8_t p[8 + 3 * 24 + 8 + 12];
	struct codec_rtcp_info in;

	(void)state;
	memset(p, 0, sizeof(p));
	p[0] = 0x83;
	p[1] = 201;
	p[3] = (8 + 72) / 4 - 1;
	p[7] = 9; /* sender SSRC 9 */
	for (int i = 0; i < 3; i++) {
		uint8_t *b = p + 8 + 24 * i;

		b[3] = (uint8_t)(20 + i);   /* SSRC 20, 21, 22 */
		b[4] = (uint8_t)(10 * i);   /* fraction */
		b[7] = (uint8_t)i;          /* cumulative */
		b[19] = 1;                  /* LSR */
	}
	p[80] = 0x81; /* BYE, one SSRC */
	p[81] = 203;
	p[83] = 1;
	p[87] = 9;
	p[88] = 0x80; /* APP, name "tsrx" */
	p[89] = 204;
	p[91] = 2;
	memcpy(p + 96, "tsrx", 4);
	assert_int_equal(codec_rtcp_parse(p, sizeof(p), 21, &in), 0);
	assert_true(in.has_rb && in.bye && !in.has_sr);
	assert_int_equal(in.ssrc, 9);
	assert_int_equal(in.rb.fraction_lost, 10);
	assert_int_equal(in.rb.cumulative_lost, 1);
	assert_int_equal(in.rb.lsr, 1);
	/* Malformed: truncated, wrong version, length past the end, count past the length. */
	assert_int_equal(codec_rtcp_parse(p, 3, 21, &in), -EINVAL);
	assert_int_equal(codec_rtcp_parse(p, sizeof(p) - 4, 21, &in), -EINVAL);
	p[0] = 0x43;
	assert_int_equal(codec_rtcp_parse(p, sizeof(p), 21, &in), -EINVAL);
	p[0] = 0x84;
	assert_int_equal(codec_rtcp_parse(p, sizeof(p), 21, &in), -EINVAL);
	p[0] = 0x83;
	p[3] = 200;
	assert_int_equal(codec_rtcp_parse(p, sizeof(p), 21, &in), -EINVAL);
	/* Must start with SR or RR. */
	assert_int_equal(codec_rtcp_parse(p + 80, 20, 21, &in), -EINVAL);
}

static void
test_rtt_interval(void **state)
{
	/* Our SR at NTP 1000.5 s; received back after 0.25 s held 0.1 s at the peer. */
	uint64_t sent = (1000ull << 32) | 0x80000000u;
	uint64_t now = sent + (uint64_t)(0.25 * 4294967296.0);
	uint32_t lsr = codec_rtcp_ntp_mid(sent), dlsr = (uint32_t)(0.1 * 65536);
	int64_t rtt = codec_rtcp_rtt_us(now, lsr, dlsr);
	uint64_t lo = UINT64_MAX, hi = 0;

	(void)state;
	print_message("rtt %lld us\n", (long long)rtt);
	assert_true(rtt >= 149990 && rtt <= 150010);
	assert_int_equal(codec_rtcp_rtt_us(now, 0, dlsr), -1);
	assert_int_equal(codec_rtcp_rtt_us(now, lsr, 65536), -1); /* DLSR longer than the wait */
	for (uint32_t i = 0; i < 1000; i++) {
		uint64_t t = codec_rtcp_interval_us(CODEC_RTCP_INTERVAL_US, i * 4294967u);

		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	assert_true(lo >= 2500000 && lo < 2510000);
	assert_true(hi < 7500000 && hi > 7490000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sr_bytes),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_foreign_compound),
		cmocka_unit_test(test_rtt_interval),
	};

	return cmocka_run_group_tests_name("codec_rtcp", tests, NULL, NULL);
}
