/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_clock.c - the data plane's TSC wallclock (dataplane/conf/dp_clock.h)
 * on simulated samples: a TSC whose real rate is not the nominal one is
 * measured and followed, the clock never jumps when a new rate is
 * published, bad samples are refused, and TSCs beyond 2^32 Hz convert
 * without overflow.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec_rtcp.h"
#include "dp_clock.h"

#define NOMINAL 2600000000ull
#define TRUE_HZ 2596122345ull /* a VM's TSC that EAL rounds to 2600 MHz */
#define T0 123456789000ull
#define NS0 5000000000ull
#define NTP0 ((uint64_t)3900000000u << 32)

/* CLOCK_MONOTONIC at TSC @p tsc of a TSC running at @p hz from (T0, NS0). */
static uint64_t
ns_at(uint64_t tsc, uint64_t hz)
{
	return NS0 + (uint64_t)((unsigned __int128)(tsc - T0) * 1000000000u / hz);
}

static uint64_t
tsc_at(double s, uint64_t hz)
{
	return T0 + (uint64_t)(s * (double)hz);
}

static double
ntp_s(uint64_t a, uint64_t b)
{
	return (double)(int64_t)(b - a) / 4294967296.0;
}

/* Calibrate once a second of real time from @p from_s to @p to_s, exact samples. */
static void
calibrate(struct dp_clock *c, double from_s, double to_s)
{
	for (double s = from_s; s <= to_s; s += 0.25) {
		uint64_t tsc = tsc_at(s, TRUE_HZ);

		dp_clock_update(c, tsc, ns_at(tsc, TRUE_HZ));
	}
}

/*
 * Uncalibrated, 5 s of real time read 4.9925 s on the clock (the bug an RTT
 * shows); after calibration an interval reads its real length, and an RTT
 * built from it with a peer's exact DLSR is right.
 */
static void
test_follows_real_rate(void **state)
{
	struct dp_clock c;
	uint64_t a, b;
	int64_t rtt;

	(void)state;
	memset(&c, 0, sizeof(c));
	dp_clock_set(&c, T0, NS0, NTP0, NOMINAL);
	assert_int_equal(dp_clock_hz(&c), NOMINAL);
	a = dp_clock_ntp(&c, tsc_at(0.0, TRUE_HZ));
	b = dp_clock_ntp(&c, tsc_at(5.0, TRUE_HZ));
	assert_true(fabs(ntp_s(a, b) - 5.0 * TRUE_HZ / NOMINAL) < 1e-6);
	calibrate(&c, 0.25, 10.0);
	assert_true(llabs((long long)dp_clock_hz(&c) - (long long)TRUE_HZ) <= 1);
	a = dp_clock_ntp(&c, tsc_at(10.5, TRUE_HZ));
	b = dp_clock_ntp(&c, tsc_at(15.5, TRUE_HZ));
	assert_true(fabs(ntp_s(a, b) - 5.0) < 1e-6);
	/* SR at 10.5 s, the peer holds it 5 s (DLSR), the RR arrives 40 ms after that. */
	b = dp_clock_ntp(&c, tsc_at(15.54, TRUE_HZ));
	rtt = codec_rtcp_rtt_us(b, codec_rtcp_ntp_mid(a), 5 * 65536);
	assert_true(llabs(rtt - 40000) <= 31); /* two steps of 1/65536 s */
}

/* Publishing a new rate starts the new segment where the old one is: no jump, still monotonic. */
static void
test_no_jump(void **state)
{
	struct dp_clock c;

	(void)state;
	memset(&c, 0, sizeof(c));
	dp_clock_set(&c, T0, NS0, NTP0, NOMINAL);
	for (int k = 1; k <= 5; k++) {
		uint64_t tsc = tsc_at(k * 1.0, TRUE_HZ), before = dp_clock_ntp(&c, tsc);
		uint64_t prev = dp_clock_ntp(&c, tsc - 1000);

		assert_int_equal(dp_clock_update(&c, tsc, ns_at(tsc, TRUE_HZ)), 0);
		/* At most one unit of rounding at the seam. */
		assert_true(llabs((long long)(dp_clock_ntp(&c, tsc) - before)) <= 1);
		/* A TSC read just before the seam (a burst's time) extrapolates backwards. */
		assert_true(dp_clock_ntp(&c, tsc - 1000) < dp_clock_ntp(&c, tsc));
		assert_true(llabs((long long)(dp_clock_ntp(&c, tsc - 1000) - prev)) <= 8);
	}
	assert_int_equal(c.updates, 5);
}

/* Too early, time going backwards, an implausible rate: refused, nothing published. */
static void
test_refused(void **state)
{
	struct dp_clock c;
	uint32_t gen;
	uint64_t tsc;

	(void)state;
	memset(&c, 0, sizeof(c));
	dp_clock_set(&c, T0, NS0, NTP0, NOMINAL);
	gen = c.gen;
	tsc = tsc_at(0.5, TRUE_HZ);
	assert_int_equal(dp_clock_update(&c, tsc, ns_at(tsc, TRUE_HZ)), -EAGAIN);
	assert_int_equal(dp_clock_update(&c, tsc_at(2.0, TRUE_HZ), NS0 - 1), -EAGAIN);
	assert_int_equal(dp_clock_update(&c, T0 - 1, NS0 + 2000000000u), -EAGAIN);
	/* 2 s of CLOCK_MONOTONIC for 1 s of TSC: half the nominal rate. */
	assert_int_equal(dp_clock_update(&c, T0 + NOMINAL, NS0 + 2000000000u), -ERANGE);
	assert_int_equal(c.rejected, 1);
	assert_int_equal(c.gen, gen);
	assert_int_equal(dp_clock_hz(&c), NOMINAL);
}

/* Samples off by up to +-20 us, every 0.5 s: the rate measured over a minute is within 1 ppm. */
static void
test_noisy_samples(void **state)
{
	struct dp_clock c;
	unsigned int seed = 7;

	(void)state;
	memset(&c, 0, sizeof(c));
	dp_clock_set(&c, T0, NS0, NTP0, NOMINAL);
	for (int k = 1; k <= 120; k++) {
		uint64_t tsc = tsc_at(k * 0.5, TRUE_HZ);
		int64_t noise = (int64_t)(rand_r(&seed) % 40001) - 20000;

		dp_clock_update(&c, tsc, (uint64_t)((int64_t)ns_at(tsc, TRUE_HZ) + noise));
	}
	assert_true(c.updates >= 29);
	assert_true(fabs((double)dp_clock_hz(&c) / TRUE_HZ - 1.0) < 1e-6);
}

/* A 5 GHz TSC: the remainder times 2^32 exceeds 64 bits and must not wrap. */
static void
test_fast_tsc(void **state)
{
	const uint64_t hz = 5000000000ull;
	struct dp_clock c;

	(void)state;
	memset(&c, 0, sizeof(c));
	dp_clock_set(&c, T0, NS0, NTP0, hz);
	assert_true(fabs(ntp_s(NTP0, dp_clock_ntp(&c, T0 + hz * 37 / 10)) - 3.7) < 1e-9);
	assert_true(fabs(ntp_s(dp_clock_ntp(&c, T0 - hz * 37 / 10), NTP0) - 3.7) < 1e-9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follows_real_rate),
		cmocka_unit_test(test_no_jump),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_noisy_samples),
		cmocka_unit_test(test_fast_tsc),
	};

	return cmocka_run_group_tests_name("dp_clock", tests, NULL, NULL);
}
