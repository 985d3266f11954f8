/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_clock.h - the data plane's wallclock on the TSC: NTP timestamps (32.32
 * fixed point, RFC 3550 §4) that the conference workers read without a
 * system call, at the TSC's real rate.
 *
 * rte_get_tsc_hz() is a nominal figure: when the CPU does not report its TSC
 * frequency, EAL measures it over 100 ms and rounds it to 10 MHz, so it can
 * be off by a few parts per thousand (2600 MHz for a 2596.1 MHz TSC: 0.15 %).
 * A clock built on it runs that much fast or slow, and every interval
 * measured with it is off by as much: A - LSR of a round-trip time (RFC 3550
 * §6.4.1) is short by 7.5 ms after 5 s while the peer's DLSR is right, so
 * the RTT comes out wrong by more than a LAN round trip. The control thread
 * therefore measures the TSC's rate against CLOCK_MONOTONIC over its whole
 * uptime (dp_clock_poll(), once a second) and publishes a new mapping each
 * time; a mapping starts where the previous one ends, so the clock never
 * jumps, and after the first second its rate is right to a few ppm.
 *
 * Publication: two slots and a generation count. The writer fills the slot
 * not in use, then bumps gen; a reader copies slot gen & 1 and retries only
 * if gen moved meanwhile (the writer came round to that slot again, a second
 * later). A reader never waits for the writer.
 *
 * Context: dp_clock_ntp() and dp_clock_hz() any thread, lock-free, no system
 * call; the rest the control thread (the only writer) or tests.
 */
#pragma once

#include <stdint.h>

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
#define DP_CLOCK_NTP_UNIX_OFFSET 2208988800ull
/** How often dp_clock_poll() calibrates, nanoseconds of CLOCK_MONOTONIC. */
#define DP_CLOCK_PERIOD_NS 1000000000ull
/** A measured rate further than this from the nominal one (1/16 = 6.25 %) is refused. */
#define DP_CLOCK_MAX_SKEW_SHIFT 4

/** One segment of the clock: from TSC @c tsc on, NTP = ntp + (TSC - tsc) / hz. */
struct dp_clock_map {
	uint64_t tsc;
	uint64_t ntp; /* 32.32 */
	uint64_t hz;  /* TSC ticks per second of CLOCK_MONOTONIC */
};

/**
 * The clock. Invariants: map[gen & 1] is the current segment and is never
 * written while it is; map[(gen + 1) & 1] is the writer's scratch; the
 * control-thread fields are read and written by the writer only.
 */
struct dp_clock {
	struct dp_clock_map map[2];
	uint32_t gen; /* bumped (release) after each publication */
	/* Control thread only. */
	uint64_t nominal_hz; /* rte_get_tsc_hz() at init, the sanity reference */
	uint64_t ref_tsc;    /* the first sample: the baseline of every rate measured */
	uint64_t ref_ns;
	uint64_t last_ns;  /* CLOCK_MONOTONIC of the last published calibration */
	uint64_t updates;  /* calibrations published */
	uint64_t rejected; /* samples refused (noisy bracket, implausible rate) */
};

/**
 * Start @p c now: NTP from CLOCK_REALTIME, the nominal TSC rate until the
 * first calibration.
 * Context: startup, before the lcores run.
 */
void dp_clock_init(struct dp_clock *c);

/**
 * Start @p c at a given point (tests, and dp_clock_init()): TSC @p tsc is
 * CLOCK_MONOTONIC @p mono_ns and NTP @p ntp; the rate is @p hz until the
 * first calibration.
 * Context: before any reader runs, or the control thread with readers
 * prepared for a jump.
 */
void dp_clock_set(struct dp_clock *c, uint64_t tsc, uint64_t mono_ns, uint64_t ntp, uint64_t hz);

/**
 * Calibrate from one sample: TSC @p tsc was CLOCK_MONOTONIC @p mono_ns. When
 * at least DP_CLOCK_PERIOD_NS passed since the last calibration, the rate
 * measured since the first sample is published as a new segment that
 * starts at @p tsc with the NTP the current one gives there.
 * @return 0 (published), -EAGAIN (too early, or time did not advance),
 *         -ERANGE (the rate is more than 1/16 off the nominal one: not a
 *         TSC error but a bad sample, refused and counted)
 * Context: the control thread.
 */
int dp_clock_update(struct dp_clock *c, uint64_t tsc, uint64_t mono_ns);

/**
 * Take a sample of the TSC and CLOCK_MONOTONIC (bracketed by two TSC reads,
 * the tightest of three; a preempted one is refused) and call
 * dp_clock_update() when a calibration is due. Cheap when none is due.
 * Context: the control thread, from its loop.
 */
void dp_clock_poll(struct dp_clock *c);

/** The current segment of @p c (lock-free, see the file comment). */
static inline struct dp_clock_map
dp_clock_map_read(const struct dp_clock *c)
{
	struct dp_clock_map m;
	uint32_t g;

	do {
		g = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
		m = c->map[g & 1];
		/* The copy above is done before gen is read again. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(&c->gen, __ATOMIC_RELAXED) != g);
	return m;
}

/** @p d TSC ticks at @p hz ticks per second, as a 32.32 duration. */
static inline uint64_t
dp_clock_ticks_to_ntp(uint64_t d, uint64_t hz)
{
	/* Whole seconds, then the remainder (< hz) as a 32-bit fraction, in 128 bits. */
	return ((d / hz) << 32) + (uint64_t)(((unsigned __int128)(d % hz) << 32) / hz);
}

/**
 * NTP timestamp (32.32) of TSC @p tsc. A TSC a little before the current
 * segment (read before the writer published it) is extrapolated backwards.
 * Context: any; lock-free, no system call.
 */
static inline uint64_t
dp_clock_ntp(const struct dp_clock *c, uint64_t tsc)
{
	struct dp_clock_map m = dp_clock_map_read(c);

	if (tsc >= m.tsc)
		return m.ntp + dp_clock_ticks_to_ntp(tsc - m.tsc, m.hz);
	return m.ntp - dp_clock_ticks_to_ntp(m.tsc - tsc, m.hz);
}

/** The TSC's measured rate (ticks per second). Context: any; lock-free. */
static inline uint64_t
dp_clock_hz(const struct dp_clock *c)
{
	return dp_clock_map_read(c).hz;
}
