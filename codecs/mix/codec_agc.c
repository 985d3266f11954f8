/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_agc.c - automatic gain control and noise gate (codec_agc.h).
 * Float arithmetic on 960 samples per frame: a few microseconds, only for
 * participants that are decoded. Context: fast path, no allocation.
 */
#include <math.h>
#include <string.h>

#include "codec_agc.h"

void
codec_agc_cfg_default(struct codec_agc_cfg *cfg)
{
	cfg->target_dbov = -20.0f;
	cfg->speech_dbov = -45.0f;
	cfg->min_gain_db = -12.0f;
	cfg->max_gain_db = 18.0f;
	cfg->up_db_per_frame = 0.3f;
	cfg->down_db_per_frame = 2.0f;
	cfg->open_dbov = -46.0f;
	cfg->close_dbov = -52.0f;
	cfg->hold_frames = 10;
}

void
codec_agc_init(struct codec_agc *a, const struct codec_agc_cfg *cfg)
{
	memset(a, 0, sizeof(*a));
	if (cfg != NULL)
		a->cfg = *cfg;
	else
		codec_agc_cfg_default(&a->cfg);
}

static float
level_dbov(const int16_t *x, size_t n)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)x[i] * x[i];
	if (e <= 0 || n == 0)
		return -127.0f;
	/* As codec_level_dbov(): 0 dBov = RMS of 32768. */
	return (float)(10.0 * log10(e / (double)n / (32768.0 * 32768.0)));
}

int
codec_agc_process(struct codec_agc *a, int16_t *pcm, size_t n, bool agc, bool gate)
{
	float lvl = level_dbov(pcm, n), g0, g1, step;

	if (n == 0)
		return (int)lvl;
	g0 = g1 = 1.0f;
	if (gate) {
		float from = a->gate, to;

		if (lvl >= a->cfg.open_dbov) {
			to = 1.0f;
			a->hold = a->cfg.hold_frames;
		} else if (lvl < a->cfg.close_dbov && a->hold == 0) {
			to = 0.0f;
		} else {
			to = a->gate;
			if (a->hold > 0 && lvl < a->cfg.close_dbov)
				a->hold--;
		}
		a->gate = to;
		g0 *= from;
		g1 *= to;
	}
	if (agc) {
		float from = a->gain_db;

		if (lvl >= a->cfg.speech_dbov) {
			float want = a->cfg.target_dbov - lvl;

			if (want > a->cfg.max_gain_db)
				want = a->cfg.max_gain_db;
			if (want < a->cfg.min_gain_db)
				want = a->cfg.min_gain_db;
			if (want < a->gain_db)
				a->gain_db -= fminf(a->gain_db - want, a->cfg.down_db_per_frame);
			else
				a->gain_db += fminf(want - a->gain_db, a->cfg.up_db_per_frame);
		}
		g0 *= powf(10.0f, from / 20.0f);
		g1 *= powf(10.0f, a->gain_db / 20.0f);
	}
	if (g0 == 1.0f && g1 == 1.0f)
		return lvl <= -127.0f ? -127 : (int)lrintf(lvl);
	if (g0 == 0.0f && g1 == 0.0f) {
		memset(pcm, 0, n * sizeof(*pcm));
		return lvl <= -127.0f ? -127 : (int)lrintf(lvl);
	}
	step = (g1 - g0) / (float)n;
	for (size_t i = 0; i < n; i++) {
		float v = pcm[i] * (g0 + step * (float)(i + 1));

		pcm[i] = (int16_t)(v > 32767.0f ? 32767 : (v < -32768.0f ? -32768 : lrintf(v)));
	}
	return lvl <= -127.0f ? -127 : (int)lrintf(lvl);
}
