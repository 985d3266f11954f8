/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_selftest.c - the start-up capacity self-test (codec_selftest.h).
 *
 * Set-up (not timed): one encoder pre-encodes a second of a voice-like
 * signal and of -60 dBov noise; one conference of cfg->participants is
 * created. Then a few warm-up ticks and the timed ones: each tick every
 * participant's next frame goes in (codec_conf_rx), the engine ticks, and
 * every output is packetised (codec_rtp_write). Timing is the thread's CPU
 * clock, so a busy machine (another process on the core) does not inflate
 * the cost; it stops early once cfg->budget_ms of CPU is spent.
 * Context: control path at start-up.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec_conf.h"
#include "codec_selftest.h"

#define LOOP 50  /* pre-encoded frames per signal (1 s, looped) */
#define WARMUP 5 /* untimed ticks: encoder and jitter-buffer start-up */
#define TICK_NS 20000000.0

struct frames {
	uint8_t pkt[2][LOOP][CODEC_MAX_PAYLOAD]; /* [0] talker, [1] background */
	uint16_t len[2][LOOP];
};

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
codec_selftest_cfg_default(struct codec_selftest_cfg *cfg)
{
	cfg->codec = CODEC_OPUS;
	cfg->participants = 10;
	cfg->talkers = 3;
	cfg->ticks = 50;
	cfg->budget_ms = 400;
}

uint32_t
codec_selftest_calls_per_core(double ns_per_call_tick, unsigned int headroom_pct)
{
	double calls;

	if (headroom_pct > 99)
		headroom_pct = 99;
	if (!(ns_per_call_tick > 0)) /* 0 or NaN */
		return isnan(ns_per_call_tick) ? 0 : CODEC_SELFTEST_MAX_CALLS;
	calls = floor(TICK_NS * (100 - headroom_pct) / 100.0 / ns_per_call_tick);
	return calls >= CODEC_SELFTEST_MAX_CALLS ? CODEC_SELFTEST_MAX_CALLS : (uint32_t)calls;
}

/* A second of a voice-like harmonic signal (k = 0) or of quiet noise (k = 1). */
static int
pre_encode(enum codec_id id, struct frames *f)
{
	struct codec_params p;
	struct codec_enc *e;
	int16_t x[CODEC_FRAME];
	uint32_t seed = 1;
	int n, ret = 0;

	codec_params_default(&p, id);
	ret = codec_enc_create(&p, &e);
	if (ret < 0)
		return ret;
	for (int k = 0; k < 2 && ret == 0; k++) {
		for (int t = 0; t < LOOP && ret == 0; t++) {
			for (int i = 0; i < CODEC_FRAME; i++) {
				double s = (double)(t * CODEC_FRAME + i) / CODEC_RATE, v = 0;

				seed = seed * 1103515245u + 12345u;
				if (k == 0)
					for (int h = 1; h <= 6; h++)
						v += 1500.0 / h * sin(2 * M_PI * h * (120 + 30 * sin(3 * s)) * s);
				x[i] = (int16_t)(v + (double)((int32_t)(seed >> 16) % 64 - 32));
			}
			n = codec_enc_encode(e, x, f->pkt[k][t], CODEC_MAX_PAYLOAD);
			if (n <= 0)
				ret = n < 0 ? n : -EIO;
			else
				f->len[k][t] = (uint16_t)n;
		}
	}
	codec_enc_destroy(e);
	return ret;
}

static int
conf_build(const struct codec_selftest_cfg *cfg, struct codec_conf **out)
{
	struct codec_conf_cfg cc;
	struct codec_conf *c;
	int ret;

	codec_conf_cfg_default(&cc, cfg->participants);
	ret = codec_conf_create(&cc, &c);
	if (ret < 0)
		return ret;
	for (uint16_t i = 0; i < cfg->participants; i++) {
		struct codec_part_cfg pc;
		uint16_t idx;

		codec_part_cfg_default(&pc, cfg->codec);
		pc.tx_ssrc = 0x5e1f0000u + i;
		ret = codec_conf_part_add(c, &pc, &idx);
		if (ret < 0) {
			codec_conf_destroy(c);
			return ret;
		}
	}
	*out = c;
	return 0;
}

/* One tick: every participant's frame in, the engine, every packet out. */
static uint64_t
tick(struct codec_conf *c, const struct codec_selftest_cfg *cfg, const struct frames *f,
     uint8_t pt, uint32_t n, struct codec_conf_out *out)
{
	uint8_t wire[12 + CODEC_MAX_PAYLOAD];
	uint32_t ft = codec_rtp_frame_ts(cfg->codec);
	uint64_t sink = 0;
	uint16_t k;

	for (uint16_t p = 0; p < cfg->participants; p++) {
		int s = p < cfg->talkers ? 0 : 1, t = (int)((n + p) % LOOP);

		codec_conf_rx(c, p, pt, (uint16_t)n, n * ft, f->pkt[s][t], f->len[s][t],
			      (uint64_t)n * 20000);
	}
	k = codec_conf_tick(c, out, cfg->participants, NULL);
	for (uint16_t o = 0; o < k; o++)
		sink += (uint64_t)codec_rtp_write(&out[o], wire, sizeof(wire));
	return sink;
}

int
codec_selftest_run(const struct codec_selftest_cfg *cfg, struct codec_selftest_result *out)
{
	static const uint8_t pt_of[CODEC_ID_COUNT] = {0, 8, 9, 111, 18};
	struct codec_selftest_cfg d;
	struct codec_conf_out *pkts = NULL;
	struct codec_conf *c = NULL;
	struct frames *f = NULL;
	uint64_t w0 = clock_ns(CLOCK_MONOTONIC), c0 = 0, budget, sink = 0;
	uint32_t n, timed = 0;
	int ret;

	if (cfg == NULL) {
		codec_selftest_cfg_default(&d);
		cfg = &d;
	}
	if (out == NULL || (unsigned int)cfg->codec >= CODEC_ID_COUNT || cfg->participants == 0 ||
	    cfg->participants > 256 || cfg->talkers > cfg->participants || cfg->ticks == 0 ||
	    cfg->budget_ms == 0)
		return -EINVAL;
	f = malloc(sizeof(*f));
	pkts = calloc(cfg->participants, sizeof(*pkts));
	if (f == NULL || pkts == NULL) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = pre_encode(cfg->codec, f);
	if (ret < 0)
		goto out_free;
	ret = conf_build(cfg, &c);
	if (ret < 0)
		goto out_free;
	budget = (uint64_t)cfg->budget_ms * 1000000u;
	for (n = 0; timed < cfg->ticks; n++) {
		if (n == WARMUP)
			c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		sink += tick(c, cfg, f, pt_of[cfg->codec], n, pkts);
		if (n >= WARMUP && (++timed, clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0 >= budget))
			break;
	}
	memset(out, 0, sizeof(*out));
	out->ticks = timed;
	out->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	out->ns_per_call_tick = (double)out->cpu_ns / ((double)timed * cfg->participants);
	out->calls_per_core = codec_selftest_calls_per_core(out->ns_per_call_tick,
							    CODEC_SELFTEST_HEADROOM_PCT);
	out->units_per_core = out->calls_per_core;
	out->wall_ns = clock_ns(CLOCK_MONOTONIC) - w0;
	/* Talkers but nothing came out: the engine did not run. */
	ret = sink == 0 && cfg->talkers > 0 ? -EIO : 0;
	codec_conf_destroy(c);
out_free:
	free(pkts);
	free(f);
	return ret;
}
