/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_agc.h - per-participant automatic gain control and noise gate, run
 * on each decoded 20 ms frame before mixing (both switchable per conference).
 *
 * Noise gate: opens when a frame is at or above open_dbov, closes after
 * hold_frames frames below close_dbov; the gain moves between 1 and 0 as a
 * linear ramp over one frame, so opening and closing never click. A closed
 * gate makes the frame silent, so the participant is not seated either.
 * AGC: while the frame is speech (at or above speech_dbov) the gain moves
 * towards target_dbov - level, clamped to [min_gain_db, max_gain_db]: down
 * by at most down_db_per_frame, up by at most up_db_per_frame (slow, so
 * syllables are not pumped); between words the gain is held, so pauses and
 * background noise are not pulled up. The gain is a linear ramp across the
 * frame from the previous value; samples saturate.
 *
 * Context: fast path (the conference's worker). No allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct codec_agc_cfg {
	float target_dbov;       /**< default -20 */
	float speech_dbov;       /**< AGC adapts above this, default -45 */
	float min_gain_db;       /**< default -12 */
	float max_gain_db;       /**< default +18 */
	float up_db_per_frame;   /**< default 0.3 (15 dB/s) */
	float down_db_per_frame; /**< default 2.0 */
	float open_dbov;         /**< gate opens at or above, default -46 */
	float close_dbov;        /**< gate closes below, default -52 */
	uint16_t hold_frames;    /**< default 10 (200 ms) */
};

struct codec_agc {
	struct codec_agc_cfg cfg;
	float gain_db;    /* AGC gain now */
	float gate;       /* gate gain now, 0..1 */
	uint16_t hold;    /* frames left before the gate may close */
};

void codec_agc_cfg_default(struct codec_agc_cfg *cfg);
/** @p cfg NULL = defaults. The gate starts closed, the AGC gain at 0 dB. */
void codec_agc_init(struct codec_agc *a, const struct codec_agc_cfg *cfg);

/**
 * Process one frame in place.
 * @param agc   apply the AGC
 * @param gate  apply the noise gate
 * @return the frame's level in dBov before processing (-127 for silence)
 */
int codec_agc_process(struct codec_agc *a, int16_t *pcm, size_t n, bool agc, bool gate);
