/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_selftest.h - start-up capacity self-test: this machine's media cost
 * per call on one core, measured with the real conference engine, in the
 * guide's capacity units.
 *
 * The guide (part 1 §7, part 5 TS-8) has every Conferencing Node benchmark
 * itself at start-up and publish its estimated maximum calls; calls are
 * refused until the estimate exists. This runs a short burst of one
 * conference through codec_conf (jitter buffer, decode, top-K mix, shared
 * and N-1 encodes, packetisation): synthetic participants send pre-encoded
 * 20 ms frames, a few of them talking and the others sending low-level
 * noise, so every stream is decoded (the expensive case). The thread's CPU
 * time per participant per tick is the cost of one audio call; 20 ms of one
 * core, less the guide's 20% headroom, divided by it is the number of
 * audio-only calls per core. One audio-only call is one capacity unit (HD =
 * 12, see controlplane/placement/cp_place.h), so that number is also the
 * node's units per media core.
 *
 * Until the video engine exists the HD, SD and Full HD estimates follow
 * from the units by the guide's ratios; SRTP and packet I/O (a fraction of
 * a microsecond per packet on ipsec-mb) are not part of the burst.
 *
 * Context: control path at start-up, on the core being measured; it
 * allocates (the engine) and takes at most about cfg->budget_ms of CPU.
 */
#pragma once

#include <stdint.h>

#include "codec.h"

/** Share of a core kept free (the guide's "plus 20% headroom"). */
#define CODEC_SELFTEST_HEADROOM_PCT 20
/** Upper bound of the estimate, calls per core (a sanity cap). */
#define CODEC_SELFTEST_MAX_CALLS 100000

struct codec_selftest_cfg {
	enum codec_id codec;   /**< codec of every participant, default CODEC_OPUS */
	uint16_t participants; /**< conference size, default 10 (1..256) */
	uint16_t talkers;      /**< seated talkers, default 3 (<= participants) */
	uint16_t ticks;        /**< timed 20 ms ticks, default 50 (1 s of media) */
	uint16_t budget_ms;    /**< stop timing after this much CPU time, default 400 */
};

struct codec_selftest_result {
	uint32_t ticks;            /**< timed ticks actually run (>= 1) */
	uint64_t cpu_ns;           /**< CPU time of the timed ticks */
	uint64_t wall_ns;          /**< wall time of the whole self-test (set-up included) */
	double ns_per_call_tick;   /**< CPU per participant per 20 ms tick */
	uint32_t calls_per_core;   /**< audio-only calls per core, headroom applied */
	uint32_t units_per_core;   /**< capacity units per core (= calls_per_core) */
};

void codec_selftest_cfg_default(struct codec_selftest_cfg *cfg);

/**
 * Audio-only calls one core carries when one call costs @p ns_per_call_tick
 * of CPU per 20 ms tick, keeping @p headroom_pct (0..99) of the core free.
 * Non-increasing in the cost; 0 for a cost of a whole tick or more (and for
 * NaN), at most CODEC_SELFTEST_MAX_CALLS (also for a cost of 0 or less).
 * Context: any.
 */
uint32_t codec_selftest_calls_per_core(double ns_per_call_tick, unsigned int headroom_pct);

/**
 * Run the self-test.
 * @param cfg  borrowed; NULL = defaults
 * @param out  filled on success
 * @return 0; -EINVAL (bad configuration), -ENOMEM, -ENOTSUP (codec not
 *         built in) or another engine error
 * Context: control path, blocking for at most about budget_ms of CPU.
 */
int codec_selftest_run(const struct codec_selftest_cfg *cfg, struct codec_selftest_result *out);
