/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_codec_selftest.c - the start-up capacity self-test: the conversion
 * from a per-call cost to calls per core (monotonic, bounded, headroom), and
 * a real run of the engine (it finishes within its budget, gives a
 * plausible figure, rejects bad configurations). Nothing asserts a speed:
 * only orders of magnitude that hold on any machine, and the relation
 * between codecs (G.711 is far cheaper than Opus).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec_selftest.h"

static void
test_conversion(void **state)
{
	uint32_t prev = CODEC_SELFTEST_MAX_CALLS;

	(void)state;
	/* 20 ms of a core, 20% kept: 16 ms of work. */
	assert_int_equal(codec_selftest_calls_per_core(100000.0, 20), 160);
	assert_int_equal(codec_selftest_calls_per_core(100000.0, 0), 200);
	assert_int_equal(codec_selftest_calls_per_core(16000000.0, 20), 1);
	assert_int_equal(codec_selftest_calls_per_core(16000001.0, 20), 0);
	assert_int_equal(codec_selftest_calls_per_core(20000000.0, 0), 1);
	assert_int_equal(codec_selftest_calls_per_core(1e12, 20), 0);
	/* Bounded above, also for nonsense costs; NaN gives nothing. */
	assert_int_equal(codec_selftest_calls_per_core(0.0, 20), CODEC_SELFTEST_MAX_CALLS);
	assert_int_equal(codec_selftest_calls_per_core(-5.0, 20), CODEC_SELFTEST_MAX_CALLS);
	assert_int_equal(codec_selftest_calls_per_core(0.001, 20), CODEC_SELFTEST_MAX_CALLS);
	assert_int_equal(codec_selftest_calls_per_core(NAN, 20), 0);
	/* Headroom beyond 99% is clamped, never divides by zero or wraps. */
	assert_int_equal(codec_selftest_calls_per_core(100000.0, 100), 2);
	assert_int_equal(codec_selftest_calls_per_core(100000.0, 1000), 2);
	/* Non-increasing in the cost, over six decades. */
	for (double ns = 1.0; ns < 1e8; ns *= 1.07) {
		uint32_t c = codec_selftest_calls_per_core(ns, 20);

		assert_true(c <= prev);
		prev = c;
	}
	assert_int_equal(prev, 0);
	/* More headroom never gives more calls. */
	for (unsigned int h = 0; h < 99; h++)
		assert_true(codec_selftest_calls_per_core(50000.0, h + 1) <=
			    codec_selftest_calls_per_core(50000.0, h));
}

static void
test_run_default(void **state)
{
	struct codec_selftest_result r;
	struct codec_selftest_cfg cfg;

	(void)state;
	codec_selftest_cfg_default(&cfg);
	assert_int_equal(cfg.codec, CODEC_OPUS);
	assert_int_equal(codec_selftest_run(NULL, &r), 0);
	print_message("selftest opus conf10: %u ticks, %.1f us per call tick, %u calls per core, "
		      "wall %.0f ms\n", r.ticks, r.ns_per_call_tick / 1000.0, r.calls_per_core,
		      (double)r.wall_ns / 1e6);
	assert_true(r.ticks >= 1 && r.ticks <= cfg.ticks);
	assert_true(r.cpu_ns > 0);
	/* It stops after its CPU budget (plus one tick of 10 participants). */
	assert_true(r.cpu_ns < (uint64_t)cfg.budget_ms * 1000000u + r.cpu_ns / r.ticks);
	assert_true(r.ns_per_call_tick > 0);
	assert_int_equal(r.calls_per_core,
			 codec_selftest_calls_per_core(r.ns_per_call_tick, CODEC_SELFTEST_HEADROOM_PCT));
	assert_int_equal(r.units_per_core, r.calls_per_core);
	/* Opus decode + share of encodes: more than 1 us, and a core carries at
	 * least one call and far fewer than the cap. */
	assert_true(r.ns_per_call_tick > 1000.0);
	assert_true(r.calls_per_core >= 1);
	assert_true(r.calls_per_core < CODEC_SELFTEST_MAX_CALLS);
}

static void
test_run_budget(void **state)
{
	struct codec_selftest_cfg cfg;
	struct codec_selftest_result r;

	(void)state;
	codec_selftest_cfg_default(&cfg);
	cfg.ticks = 10000; /* would be 200 s of media */
	cfg.budget_ms = 50;
	assert_int_equal(codec_selftest_run(&cfg, &r), 0);
	assert_true(r.ticks < 10000);
	assert_true(r.cpu_ns >= 50000000u);
	assert_true(r.wall_ns < 5000000000ull);
}

static void
test_run_codecs(void **state)
{
	struct codec_selftest_cfg cfg;
	struct codec_selftest_result opus, pcmu;

	(void)state;
	codec_selftest_cfg_default(&cfg);
	cfg.ticks = 25;
	assert_int_equal(codec_selftest_run(&cfg, &opus), 0);
	cfg.codec = CODEC_PCMU;
	assert_int_equal(codec_selftest_run(&cfg, &pcmu), 0);
	print_message("selftest per call tick: opus %.1f us, pcmu %.1f us\n",
		      opus.ns_per_call_tick / 1000.0, pcmu.ns_per_call_tick / 1000.0);
	assert_true(pcmu.calls_per_core >= opus.calls_per_core);
	/* A conference without talkers still measures (nothing is mixed). */
	cfg.talkers = 0;
	assert_int_equal(codec_selftest_run(&cfg, &pcmu), 0);
	assert_true(pcmu.ticks >= 1);
}

static void
test_run_einval(void **state)
{
	struct codec_selftest_cfg cfg;
	struct codec_selftest_result r;

	(void)state;
	codec_selftest_cfg_default(&cfg);
	assert_int_equal(codec_selftest_run(&cfg, NULL), -EINVAL);
	cfg.participants = 0;
	assert_int_equal(codec_selftest_run(&cfg, &r), -EINVAL);
	codec_selftest_cfg_default(&cfg);
	cfg.talkers = 11;
	assert_int_equal(codec_selftest_run(&cfg, &r), -EINVAL);
	codec_selftest_cfg_default(&cfg);
	cfg.ticks = 0;
	assert_int_equal(codec_selftest_run(&cfg, &r), -EINVAL);
	codec_selftest_cfg_default(&cfg);
	cfg.budget_ms = 0;
	assert_int_equal(codec_selftest_run(&cfg, &r), -EINVAL);
	codec_selftest_cfg_default(&cfg);
	cfg.codec = CODEC_ID_COUNT;
	assert_int_equal(codec_selftest_run(&cfg, &r), -EINVAL);
	codec_selftest_cfg_default(&cfg);
	cfg.participants = 257;
	assert_int_equal(codec_selftest_run(&cfg, &r), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversion),
		cmocka_unit_test(test_run_default),
		cmocka_unit_test(test_run_budget),
		cmocka_unit_test(test_run_codecs),
		cmocka_unit_test(test_run_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
