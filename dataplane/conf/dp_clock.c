/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_clock.c - calibration of the data plane's TSC wallclock (see dp_clock.h).
 *
 * The rate is always measured from the first sample, so the error of one
 * sample (the width of its TSC bracket, microseconds) weighs less the
 * longer the node runs: 10 us over 1 s is 10 ppm, over an hour 3 ppb.
 *
 * Context: the control thread (the only writer); init at startup.
 */
#include <errno.h>
#include <time.h>

#include <rte_cycles.h>

#include "dp_clock.h"

/* A sample whose TSC bracket is wider than 1/20000 s (50 us) was preempted. */
#define BRACKET_DIV 20000

static uint64_t
ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static void
publish(struct dp_clock *c, const struct dp_clock_map *m)
{
	uint32_t g = c->gen;

	c->map[(g + 1) & 1] = *m;
	__atomic_store_n(&c->gen, g + 1, __ATOMIC_RELEASE);
}

void
dp_clock_set(struct dp_clock *c, uint64_t tsc, uint64_t mono_ns, uint64_t ntp, uint64_t hz)
{
	struct dp_clock_map m = {.tsc = tsc, .ntp = ntp, .hz = hz};

	c->nominal_hz = hz;
	c->ref_tsc = tsc;
	c->ref_ns = mono_ns;
	c->last_ns = mono_ns;
	publish(c, &m);
}

void
dp_clock_init(struct dp_clock *c)
{
	struct timespec rt, mono;
	uint64_t tsc;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	tsc = rte_rdtsc();
	dp_clock_set(c, tsc, ts_ns(&mono),
		     ((uint64_t)rt.tv_sec + DP_CLOCK_NTP_UNIX_OFFSET) << 32 |
			     (((uint64_t)rt.tv_nsec << 32) / 1000000000u),
		     rte_get_tsc_hz());
}

int
dp_clock_update(struct dp_clock *c, uint64_t tsc, uint64_t mono_ns)
{
	struct dp_clock_map m;
	uint64_t hz, dev;

	if (mono_ns <= c->last_ns || mono_ns - c->last_ns < DP_CLOCK_PERIOD_NS || tsc <= c->ref_tsc)
		return -EAGAIN;
	hz = (uint64_t)((unsigned __int128)(tsc - c->ref_tsc) * 1000000000u /
			(mono_ns - c->ref_ns));
	dev = hz > c->nominal_hz ? hz - c->nominal_hz : c->nominal_hz - hz;
	if (dev > c->nominal_hz >> DP_CLOCK_MAX_SKEW_SHIFT) {
		c->rejected++;
		return -ERANGE;
	}
	/* The new segment starts where the current one is at @p tsc: no jump. */
	m.tsc = tsc;
	m.ntp = dp_clock_ntp(c, tsc);
	m.hz = hz;
	publish(c, &m);
	c->last_ns = mono_ns;
	c->updates++;
	return 0;
}

void
dp_clock_poll(struct dp_clock *c)
{
	uint64_t best = UINT64_MAX, tsc = 0, ns = 0;
	struct timespec ts;

	/* Cheap test first: nothing to do for most of a second. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts_ns(&ts) - c->last_ns < DP_CLOCK_PERIOD_NS)
		return;
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = rte_rdtsc_precise(), t1;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t1 = rte_rdtsc_precise();
		if (t1 - t0 < best) {
			best = t1 - t0;
			tsc = t0 + (t1 - t0) / 2;
			ns = ts_ns(&ts);
		}
	}
	if (best > c->nominal_hz / BRACKET_DIV) {
		c->rejected++;
		return;
	}
	dp_clock_update(c, tsc, ns);
}
