/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * bench_mix.c - audio engine capacity on one core: synthetic participants
 * send pre-encoded 20 ms packets through the whole per-conference path
 * (codec_conf_rx: jitter buffer; codec_conf_tick: decode, top-3 mix, one
 * encode per group, per-listener RTP fields; codec_rtp_write: packetise;
 * dp_srtp_protect_burst: SRTP AES_CM_128_HMAC_SHA1_80 under each listener's
 * own keys). No rings and no Ethernet/IP headers (dataplane/ adds those).
 *
 * Scenarios (conference size x codec): 3 participants talk (a voice-like
 * signal at about -20 dBov); the others either send continuous low-level
 * background noise (-60 dBov: "cont") or nothing (Opus DTX: "dtx"). Figures:
 *   BENCH mix_opus_conf10_cont participants_per_core=... ns_per_participant_tick=...
 *         decodes_per_conf_tick=... skipped_per_conf_tick=... mem_per_participant_kb=...
 * participants_per_core = 20 ms / ns_per_participant_tick, timed in this
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so time the machine gave to
 * other processes is not counted; caches and the memory bus are still
 * shared, so figures taken in one run compare best. Opus scenarios
 * run with the engine's defaults (quiet participants not decoded, CELT-only
 * mix encoders at complexity 3 shared / 1 seat); "_before" with the engine
 * as it was (every audible participant decoded, SILK/hybrid mix encoders at
 * the same complexities); "_hybrid" with quiet skipping but hybrid mix
 * encoders, to split the two gains. Each "_before" line runs right before
 * its "after" line, so the two share the machine's load. A profile line
 * times one Opus decode, the VAD flag read, and one encode per complexity
 * and encoder kind (clock_gettime around the calls):
 *   BENCH mix_profile_opus decode_us=... vad_ns=... encode_c3_us=... celt_c3_us=...
 * Idle: 1,000 single-participant conferences, lone talker sending or silent:
 *   BENCH mix_idle_1000 cpu_pct=...
 * Nothing is asserted on speed.
 *
 * Usage: bench_mix [ticks [filter]]   (default 100 timed ticks after 10 of
 * warm-up; with a filter, only the scenarios whose name contains it)
 * Context: standalone program, single thread.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec_conf.h"
#include "dp_srtp.h"

#define LOOP 50 /* pre-encoded packets per signal (1 s, looped) */
#define WIRE_CAP (12 + CODEC_MAX_PAYLOAD + DP_SRTP_MAX_TRAILER)
#define SRTP_BURST 32

/* One ipsec-mb manager for the run (the data plane has one per lcore). */
static IMB_MGR *mgr;
/* Run only scenarios whose name contains this (NULL: all). */
static const char *only;

/* How the engine is set up: its defaults, or the engine before quiet skipping and CELT mixes. */
enum variant {
	V_AFTER = 0, /* codec_conf_cfg_default() */
	V_BEFORE,    /* every audible participant decoded, SILK/hybrid mix encoders */
	V_HYBRID,    /* quiet participants skipped, SILK/hybrid mix encoders */
};

struct stream_set {
	uint8_t pkt[2][LOOP][CODEC_MAX_PAYLOAD]; /* [0] talker, [1] background */
	int len[2][LOOP];
};

/*
 * CPU time of this thread: on a shared machine, time spent preempted by
 * other work is not counted, which is what a dedicated worker core would see.
 */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
pre_encode(enum codec_id id, struct stream_set *s)
{
	struct codec_params p;
	struct codec_enc *e;
	int16_t x[CODEC_FRAME];
	uint32_t seed = 1;

	for (int k = 0; k < 2; k++) {
		codec_params_default(&p, id);
		if (codec_enc_create(&p, &e) < 0)
			exit(1);
		for (int f = 0; f < LOOP; f++) {
			for (int i = 0; i < CODEC_FRAME; i++) {
				double t = (double)(f * CODEC_FRAME + i) / CODEC_RATE, v = 0;

				seed = seed * 1103515245u + 12345u;
				if (k == 0)
					for (int h = 1; h <= 6; h++)
						v += 1500.0 / h * sin(2 * M_PI * h * (120 + 30 * sin(3 * t)) * t);
				x[i] = (int16_t)(v + (double)((int32_t)(seed >> 16) % 64 - 32));
			}
			s->len[k][f] = codec_enc_encode(e, x, s->pkt[k][f], CODEC_MAX_PAYLOAD);
			if (s->len[k][f] <= 0)
				exit(1);
		}
		codec_enc_destroy(e);
	}
}

struct run_res {
	double ns_per_pt;     /* per participant per tick */
	double ns_per_tick;   /* all conferences, one tick */
	double mem_per_part;  /* bytes */
	uint64_t pkts_out;
	uint64_t encodes;
	uint64_t decoded;
	uint64_t skipped;
};

/* SRTP of one listener's output: keys and state as a stream has them. */
struct tx_srtp {
	struct dp_srtp_session sess;
	struct dp_srtp_state st;
};

static void
conf_cfg(struct codec_conf_cfg *cc, uint16_t n_part, enum variant v)
{
	codec_conf_cfg_default(cc, n_part);
	if (v != V_AFTER)
		cc->opus_celt_mix = false;
	if (v == V_BEFORE)
		cc->quiet_skip = false;
}

/* Packetise this tick's output and protect it, in bursts, as the data plane does. */
static uint64_t
packetise(const struct codec_conf_out *out, uint16_t n, struct tx_srtp *srtp,
	  uint8_t (*wire)[WIRE_CAP])
{
	struct dp_srtp_op ops[SRTP_BURST];
	uint64_t sink = 0;

	for (uint16_t base = 0; base < n; base += SRTP_BURST) {
		uint16_t k = (uint16_t)(n - base < SRTP_BURST ? n - base : SRTP_BURST);

		for (uint16_t j = 0; j < k; j++) {
			const struct codec_conf_out *o = &out[base + j];
			int len = codec_rtp_write(o, wire[j], WIRE_CAP);

			ops[j] = (struct dp_srtp_op){.pkt = wire[j], .len = (uint16_t)len,
						     .room = WIRE_CAP, .sess = &srtp[o->idx].sess,
						     .st = &srtp[o->idx].st};
		}
		if (dp_srtp_protect_burst(mgr, ops, k) != k)
			exit(1);
		for (uint16_t j = 0; j < k; j++)
			sink += ops[j].len;
	}
	return sink;
}

/*
 * n_conf conferences of n_part participants of codec id; talkers (first 3
 * of each conference) send talk packets; the others send background
 * (bg = true) or nothing.
 */
static struct run_res
run(enum codec_id id, uint32_t n_conf, uint16_t n_part, uint16_t talkers, bool bg, int ticks,
    enum variant v, const struct stream_set *s)
{
	struct codec_conf **conf = calloc(n_conf, sizeof(*conf));
	struct codec_conf_out *out = calloc(n_part, sizeof(*out));
	struct tx_srtp *srtp = aligned_alloc(64, (size_t)n_conf * n_part * sizeof(*srtp));
	uint8_t (*wire)[WIRE_CAP] = malloc(SRTP_BURST * WIRE_CAP);
	uint8_t key[16], salt[14];
	struct run_res r = {0};
	struct mallinfo2 m0, m1;
	uint32_t ft = codec_rtp_frame_ts(id);
	uint64_t t0 = 0, sink = 0;

	if (conf == NULL || out == NULL || srtp == NULL || wire == NULL)
		exit(1);
	for (uint32_t k = 0; k < n_conf * n_part; k++) {
		for (unsigned int b = 0; b < sizeof(key); b++)
			key[b] = (uint8_t)(k * 7 + b);
		memset(salt, (int)(k & 0xff), sizeof(salt));
		if (dp_srtp_session_init(&srtp[k].sess, mgr, DP_SRTP_AES_CM_128_HMAC_SHA1_80, key,
					 sizeof(key), salt, sizeof(salt)) < 0)
			exit(1);
		dp_srtp_state_reset(&srtp[k].st);
	}
	m0 = mallinfo2();
	for (uint32_t c = 0; c < n_conf; c++) {
		struct codec_conf_cfg cc;

		conf_cfg(&cc, n_part, v);
		if (codec_conf_create(&cc, &conf[c]) < 0)
			exit(1);
		for (uint16_t p = 0; p < n_part; p++) {
			struct codec_part_cfg pc;
			uint16_t idx;

			codec_part_cfg_default(&pc, id);
			pc.tx_ssrc = c * 65536u + p;
			if (id == CODEC_OPUS)
				pc.tx.dtx = true;
			if (codec_conf_part_add(conf[c], &pc, &idx) < 0)
				exit(1);
		}
	}
	m1 = mallinfo2();
	r.mem_per_part = (double)(m1.uordblks - m0.uordblks + m1.hblkhd - m0.hblkhd) /
			 ((double)n_conf * n_part);
	for (int t = 0; t < ticks + 10; t++) {
		if (t == 10)
			t0 = now_ns();
		for (uint32_t c = 0; c < n_conf; c++) {
			struct codec_conf_tick_stats ts;
			uint16_t n;

			for (uint16_t p = 0; p < n_part; p++) {
				int k = p < talkers ? 0 : 1, f = (t + p) % LOOP;

				if (k == 1 && !bg)
					continue;
				codec_conf_rx(conf[c], p, (uint8_t)(id == CODEC_OPUS ? 111 : id == CODEC_G722 ? 9 : 0),
					      (uint16_t)t, (uint32_t)t * ft, s->pkt[k][f],
					      (size_t)s->len[k][f], (uint64_t)t * 20000);
			}
			n = codec_conf_tick(conf[c], out, n_part, &ts);
			sink += packetise(out, n, srtp + (size_t)c * n_part, wire);
			if (t >= 10) {
				r.pkts_out += n;
				r.encodes += ts.encodes;
				r.decoded += ts.decoded;
				r.skipped += ts.skipped;
			}
		}
	}
	r.ns_per_tick = (double)(now_ns() - t0) / ticks;
	r.ns_per_pt = r.ns_per_tick / ((double)n_conf * n_part);
	for (uint32_t c = 0; c < n_conf; c++)
		codec_conf_destroy(conf[c]);
	for (uint32_t k = 0; k < n_conf * n_part; k++)
		dp_srtp_session_fini(&srtp[k].sess);
	free(conf);
	free(out);
	free(srtp);
	free(wire);
	if (sink == 1)
		printf("#\n");
	return r;
}

static void
scenario(const char *name, enum codec_id id, uint32_t n_conf, uint16_t n_part, bool bg, int ticks,
	 enum variant v, const struct stream_set *s)
{
	struct run_res r;
	double per_conf = (double)ticks * n_conf;

	if (only != NULL && strstr(name, only) == NULL)
		return;
	r = run(id, n_conf, n_part, 3, bg, ticks, v, s);
	printf("BENCH %s participants_per_core=%.0f ns_per_participant_tick=%.0f "
	       "conferences=%u participants=%u encodes_per_conf_tick=%.2f "
	       "decodes_per_conf_tick=%.2f skipped_per_conf_tick=%.2f mem_per_participant_kb=%.1f\n",
	       name, 20e6 / r.ns_per_pt, r.ns_per_pt, n_conf, n_conf * n_part,
	       (double)r.encodes / per_conf, (double)r.decoded / per_conf,
	       (double)r.skipped / per_conf, r.mem_per_part / 1024.0);
	fflush(stdout);
}

/* Time one Opus decode, the VAD flag read, and one encode per complexity and kind. */
static void
profile_opus(const struct stream_set *s)
{
	static const int8_t cx[] = {10, 5, 3, 1, 0};
	struct codec_params p;
	struct codec_dec *d;
	int16_t pcm[LOOP][CODEC_FRAME];
	uint8_t buf[CODEC_MAX_PAYLOAD];
	uint64_t t0;
	const int reps = 400;
	int vad = 0;

	codec_params_default(&p, CODEC_OPUS);
	if (codec_dec_create(&p, &d) < 0)
		exit(1);
	t0 = now_ns();
	for (int k = 0; k < reps; k++)
		codec_dec_decode(d, s->pkt[0][k % LOOP], (size_t)s->len[0][k % LOOP], pcm[k % LOOP]);
	printf("BENCH mix_profile_opus decode_us=%.1f", (double)(now_ns() - t0) / reps / 1000);
	codec_dec_destroy(d);
	t0 = now_ns();
	for (int k = 0; k < reps * 100; k++)
		vad += codec_opus_vad(s->pkt[1][k % LOOP], (size_t)s->len[1][k % LOOP]);
	printf(" vad_ns=%.1f background_vad=%.2f", (double)(now_ns() - t0) / (reps * 100),
	       (double)vad / (reps * 100));
	for (int celt = 0; celt < 2; celt++) {
		for (unsigned int i = 0; i < sizeof(cx); i++) {
			struct codec_enc *e;

			p.complexity = cx[i];
			p.celt_only = celt;
			if (codec_enc_create(&p, &e) < 0)
				exit(1);
			t0 = now_ns();
			for (int k = 0; k < reps; k++)
				codec_enc_encode(e, pcm[k % LOOP], buf, sizeof(buf));
			printf(" %s_c%d_us=%.1f", celt ? "celt" : "encode", cx[i],
			       (double)(now_ns() - t0) / reps / 1000);
			codec_enc_destroy(e);
		}
	}
	printf("\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static struct stream_set opus, pcmu, g722;
	int ticks = argc > 1 ? atoi(argv[1]) : 100;
	struct run_res r;

	if (ticks <= 0)
		ticks = 100;
	only = argc > 2 ? argv[2] : NULL;
	if (dp_srtp_mgr_create(&mgr) != 0)
		exit(1);
	pre_encode(CODEC_OPUS, &opus);
	pre_encode(CODEC_PCMU, &pcmu);
	pre_encode(CODEC_G722, &g722);
	printf("# opus talk packet %d bytes, background %d bytes\n", opus.len[0][10], opus.len[1][10]);
	if (only == NULL || strstr("mix_profile_opus", only) != NULL)
		profile_opus(&opus);
	/* Each before/after pair back to back, so both see the same load. */
	scenario("mix_opus_conf10_dtx_before", CODEC_OPUS, 100, 10, false, ticks, V_BEFORE, &opus);
	scenario("mix_opus_conf10_dtx", CODEC_OPUS, 100, 10, false, ticks, V_AFTER, &opus);
	scenario("mix_opus_conf10_cont_before", CODEC_OPUS, 100, 10, true, ticks, V_BEFORE, &opus);
	scenario("mix_opus_conf10_cont_hybrid", CODEC_OPUS, 100, 10, true, ticks, V_HYBRID, &opus);
	scenario("mix_opus_conf10_cont", CODEC_OPUS, 100, 10, true, ticks, V_AFTER, &opus);
	scenario("mix_opus_conf100_dtx_before", CODEC_OPUS, 20, 100, false, ticks, V_BEFORE, &opus);
	scenario("mix_opus_conf100_dtx", CODEC_OPUS, 20, 100, false, ticks, V_AFTER, &opus);
	scenario("mix_opus_conf100_cont_before", CODEC_OPUS, 20, 100, true, ticks, V_BEFORE, &opus);
	scenario("mix_opus_conf100_cont", CODEC_OPUS, 20, 100, true, ticks, V_AFTER, &opus);
	scenario("mix_pcmu_conf10_cont", CODEC_PCMU, 100, 10, true, ticks, V_AFTER, &pcmu);
	scenario("mix_pcmu_conf100_cont", CODEC_PCMU, 20, 100, true, ticks, V_AFTER, &pcmu);
	scenario("mix_g722_conf10_cont", CODEC_G722, 100, 10, true, ticks, V_AFTER, &g722);
	scenario("mix_g722_conf100_cont", CODEC_G722, 20, 100, true, ticks, V_AFTER, &g722);
	if (only != NULL && strstr("mix_idle_1000", only) == NULL)
		goto out;
	/* Idle: 1,000 lone participants; talking into an empty room, or silent (DTX). */
	r = run(CODEC_OPUS, 1000, 1, 1, false, ticks, V_AFTER, &opus);
	printf("BENCH mix_idle_1000_opus_talking cpu_pct=%.2f ns_per_conf_tick=%.0f "
	       "mem_per_participant_kb=%.1f\n",
	       r.ns_per_tick / 20e6 * 100, r.ns_per_tick / 1000, r.mem_per_part / 1024.0);
	r = run(CODEC_OPUS, 1000, 1, 0, false, ticks, V_AFTER, &opus);
	printf("BENCH mix_idle_1000_opus_silent cpu_pct=%.2f ns_per_conf_tick=%.0f\n",
	       r.ns_per_tick / 20e6 * 100, r.ns_per_tick / 1000);
	r = run(CODEC_PCMU, 1000, 1, 1, false, ticks, V_AFTER, &pcmu);
	printf("BENCH mix_idle_1000_pcmu_talking cpu_pct=%.2f ns_per_conf_tick=%.0f\n",
	       r.ns_per_tick / 20e6 * 100, r.ns_per_tick / 1000);
out:
	dp_srtp_mgr_destroy(mgr);
	return 0;
}
