/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_codec_codec.c - codec round trips (codec.h): a sine sweep through every
 * codec and back at 48 kHz with a per-codec SNR floor, G.711 tables, Opus
 * stereo/8-48 kHz, PLC, FEC on loss, DTX, corrupt payloads, the Opus VAD
 * flags read without decoding, what the CELT-only encoder costs in SNR, and
 * G.729's payload shapes (speech, Annex B SID, untransmitted frames).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "codec_test_util.h"

#define FRAMES 50 /* 1 s */
#define N (FRAMES * CODEC_FRAME)

/* Encode + decode x (48 kHz) frame by frame; returns the SNR after the first 100 ms. */
static double
round_trip(const struct codec_params *p, const int16_t *x, int16_t *y)
{
	struct codec_enc *e;
	struct codec_dec *d;
	uint8_t pkt[CODEC_MAX_PAYLOAD];
	double snr;
	size_t lag;

	assert_int_equal(codec_enc_create(p, &e), 0);
	assert_int_equal(codec_dec_create(p, &d), 0);
	for (int f = 0; f < FRAMES; f++) {
		int n = codec_enc_encode(e, x + f * CODEC_FRAME, pkt, sizeof(pkt));

		assert_true(n > 0);
		assert_int_equal(codec_dec_decode(d, pkt, (size_t)n, y + f * CODEC_FRAME), 0);
	}
	snr = tu_snr(x, y, N, 5 * CODEC_FRAME, 1200, &lag);
	codec_enc_destroy(e);
	codec_dec_destroy(d);
	return snr;
}

struct rt_case {
	enum codec_id id;
	uint32_t rate;
	uint8_t ch;
	double f1;      /* sweep end, Hz */
	double min_snr; /* dB */
};

static void
test_sweep_round_trip(void **state)
{
	static const struct rt_case cases[] = {
		{CODEC_PCMU, 0, 1, 3000, 30},
		{CODEC_PCMA, 0, 1, 3000, 30},
		{CODEC_G722, 0, 1, 6000, 15},
		{CODEC_OPUS, 48000, 1, 8000, 5},
		{CODEC_OPUS, 48000, 2, 8000, 5},
		{CODEC_OPUS, 16000, 1, 6000, 14},
		{CODEC_OPUS, 8000, 1, 3000, 13},
		{CODEC_G729, 0, 1, 3000, 8},
	};
	int16_t *x = malloc(N * sizeof(*x)), *y = malloc(N * sizeof(*y));

	(void)state;
	tu_sweep(x, N, CODEC_RATE, 200, 3000, 8000);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct codec_params p;
		double snr;

		if (cases[i].id == CODEC_G729 && !codec_g729_available()) {
			printf("# g729 skipped: this build has no bcg729\n");
			continue;
		}
		codec_params_default(&p, cases[i].id);
		p.rate = cases[i].rate;
		p.channels = cases[i].ch;
		if (p.id == CODEC_OPUS)
			p.bitrate = 64000;
		tu_sweep(x, N, CODEC_RATE, 200, cases[i].f1, 8000);
		snr = round_trip(&p, x, y);
		printf("# %s rate=%u ch=%u snr=%.1f dB (floor %.0f)\n", codec_name(p.id),
		       cases[i].rate, cases[i].ch, snr, cases[i].min_snr);
		assert_true(snr >= cases[i].min_snr);
	}
	free(x);
	free(y);
}

static void
test_g711_tables(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		int16_t u = codec_g711_ulaw_decode((uint8_t)c), a = codec_g711_alaw_decode((uint8_t)c);

		assert_int_equal(codec_g711_ulaw_decode(codec_g711_ulaw_encode(u)), u);
		assert_int_equal(codec_g711_alaw_encode(a), c);
	}
	/* Reference points of G.711: silence codes, clipping, sign. */
	assert_int_equal(codec_g711_ulaw_encode(0), 0xff);
	assert_int_equal(codec_g711_alaw_encode(0), 0xd5);
	assert_int_equal(codec_g711_ulaw_encode(32767), 0x80);
	assert_int_equal(codec_g711_ulaw_encode(-32768), 0x00);
	assert_int_equal(codec_g711_ulaw_decode(0x80), 32124);
	assert_int_equal(codec_g711_alaw_decode(0xaa), 32256);
	/* Monotonic: larger input never decodes smaller. */
	for (int s = -32768, prev = -40000; s < 32768; s += 7) {
		int v = codec_g711_alaw_decode(codec_g711_alaw_encode((int16_t)s));

		assert_true(v >= prev);
		prev = v;
	}
}

static void
test_bad_params_and_payloads(void **state)
{
	struct codec_params p;
	struct codec_dec *d;
	int16_t y[CODEC_FRAME];
	uint8_t junk[200];
	uint32_t seed = 7;

	(void)state;
	codec_params_default(&p, CODEC_OPUS);
	p.rate = 44100;
	assert_int_equal(codec_dec_create(&p, &d), -EINVAL);
	codec_params_default(&p, CODEC_PCMU);
	p.channels = 2;
	assert_int_equal(codec_dec_create(&p, &d), -EINVAL);
	codec_params_default(&p, (enum codec_id)9);
	assert_int_equal(codec_dec_create(&p, &d), -EINVAL);
	for (int id = 0; id < CODEC_ID_COUNT; id++) {
		codec_params_default(&p, (enum codec_id)id);
		if (id == CODEC_G729 && !codec_g729_available()) {
			assert_int_equal(codec_dec_create(&p, &d), -ENOTSUP);
			continue;
		}
		assert_int_equal(codec_dec_create(&p, &d), 0);
		assert_int_equal(codec_dec_decode(d, junk, 0, y), -EINVAL);
		assert_int_equal(codec_dec_decode(d, junk, 7, y), -EINVAL);
		for (int k = 0; k < 200; k++) {
			for (size_t i = 0; i < sizeof(junk); i++)
				junk[i] = (uint8_t)tu_rand(&seed);
			(void)codec_dec_decode(d, junk, 1 + tu_rand(&seed) % sizeof(junk), y);
		}
		assert_int_equal(codec_dec_decode_fec(d, junk, 10, y),
				 id == CODEC_OPUS ? codec_dec_decode_fec(d, junk, 10, y) : -ENOTSUP);
		codec_dec_destroy(d);
	}
}

/* Frame k lost: FEC from packet k+1 beats PLC against the loss-free decode. */
static void
test_opus_plc_fec(void **state)
{
	struct codec_params p;
	struct codec_enc *e;
	struct codec_dec *ref, *plc, *fec;
	static uint8_t pkt[FRAMES][CODEC_MAX_PAYLOAD];
	int len[FRAMES];
	int16_t *x = malloc(N * sizeof(*x));
	int16_t r[CODEC_FRAME], a[CODEC_FRAME], b[CODEC_FRAME];
	double e_plc = 0, e_fec = 0, s = 0;

	(void)state;
	codec_params_default(&p, CODEC_OPUS);
	p.fec = true;
	p.loss_pct = 20;
	p.rate = 16000;    /* wideband SILK: where LBRR lives */
	p.bitrate = 24000;
	/*
	 * Voiced-like segments of 100 ms whose pitch and level change at each
	 * segment start, where the losses fall: PLC extrapolates the old segment,
	 * FEC knows the new one.
	 */
	for (size_t i = 0; i < N; i++) {
		double t = (double)i / CODEC_RATE, v = 0;
		int seg = (int)(i / (5 * CODEC_FRAME));
		double f0 = 110 + 45 * (seg % 4), amp = seg % 2 ? 2500 : 5000;

		for (int h = 1; h <= 8; h++)
			v += sin(2 * M_PI * h * f0 * t) / h;
		x[i] = (int16_t)lrint(amp * v);
	}
	assert_int_equal(codec_enc_create(&p, &e), 0);
	for (int f = 0; f < FRAMES; f++) {
		len[f] = codec_enc_encode(e, x + f * CODEC_FRAME, pkt[f], CODEC_MAX_PAYLOAD);
		assert_true(len[f] > 0);
	}
	assert_int_equal(codec_dec_create(&p, &ref), 0);
	assert_int_equal(codec_dec_create(&p, &plc), 0);
	assert_int_equal(codec_dec_create(&p, &fec), 0);
	for (int f = 0; f < FRAMES; f++) {
		assert_int_equal(codec_dec_decode(ref, pkt[f], (size_t)len[f], r), 0);
		if (f % 10 == 5) {
			/* Lost: PLC in one, FEC from the next packet in the other. */
			assert_int_equal(codec_dec_conceal(plc, a), 0);
			assert_int_equal(codec_dec_decode_fec(fec, pkt[f + 1], (size_t)len[f + 1], b), 0);
			for (int i = 0; i < CODEC_FRAME; i++) {
				s += (double)r[i] * r[i];
				e_plc += ((double)a[i] - r[i]) * ((double)a[i] - r[i]);
				e_fec += ((double)b[i] - r[i]) * ((double)b[i] - r[i]);
			}
		} else {
			assert_int_equal(codec_dec_decode(plc, pkt[f], (size_t)len[f], a), 0);
			assert_int_equal(codec_dec_decode(fec, pkt[f], (size_t)len[f], b), 0);
		}
	}
	printf("# opus lost frames vs loss-free decode: PLC %.1f dB, FEC %.1f dB\n",
	       10 * log10(s / e_plc), 10 * log10(s / e_fec));
	assert_true(10 * log10(s / e_fec) > 10 * log10(s / e_plc) + 3);
	assert_true(10 * log10(s / e_fec) > 5);
	codec_enc_destroy(e);
	codec_dec_destroy(ref);
	codec_dec_destroy(plc);
	codec_dec_destroy(fec);
	free(x);
}

/* G.711 PLC: the concealed frame continues the tone, then fades. */
static void
test_g711_plc(void **state)
{
	struct codec_params p;
	struct codec_enc *e;
	struct codec_dec *d;
	int16_t x[CODEC_FRAME], y[CODEC_FRAME];
	uint8_t pkt[CODEC_MAX_PAYLOAD];
	double rms[6];

	(void)state;
	codec_params_default(&p, CODEC_PCMU);
	assert_int_equal(codec_enc_create(&p, &e), 0);
	assert_int_equal(codec_dec_create(&p, &d), 0);
	for (int f = 0; f < 10; f++) {
		tu_tone(x, CODEC_FRAME, CODEC_RATE, 200, 8000, (size_t)f * CODEC_FRAME);
		assert_int_equal(codec_enc_encode(e, x, pkt, sizeof(pkt)), 160);
		assert_int_equal(codec_dec_decode(d, pkt, 160, y), 0);
	}
	for (int k = 0; k < 6; k++) {
		assert_int_equal(codec_dec_conceal(d, y), 0);
		rms[k] = tu_rms(y, CODEC_FRAME);
		if (k == 0)
			assert_true(tu_tone_share(y + 480, 480, CODEC_RATE, 200) > 0.8);
	}
	assert_true(rms[0] > 4000);
	assert_true(rms[2] < rms[1] && rms[1] < rms[0] + 1);
	assert_true(rms[5] < 50);
	assert_int_equal(codec_enc_encode(e, x, pkt, 100), -ENOSPC);
	codec_enc_destroy(e);
	codec_dec_destroy(d);
}

static void
test_opus_dtx(void **state)
{
	struct codec_params p;
	struct codec_enc *e;
	int16_t z[CODEC_FRAME] = {0};
	uint8_t pkt[CODEC_MAX_PAYLOAD];
	int skipped = 0;

	(void)state;
	codec_params_default(&p, CODEC_OPUS);
	p.dtx = true;
	assert_int_equal(codec_enc_create(&p, &e), 0);
	for (int f = 0; f < 50; f++) {
		int n = codec_enc_encode(e, z, pkt, sizeof(pkt));

		assert_true(n >= 0);
		skipped += n == 0;
	}
	assert_true(skipped > 30);
	codec_enc_destroy(e);
}

/*
 * G.729 payloads (RFC 3551 §4.5.6): the encoder sends two speech frames
 * (20 octets); the decoder takes 20, 10 (then one untransmitted frame),
 * speech + SID (12) and SID alone (2), refuses anything else whole, and
 * after a SID conceals with comfort noise at the SID's level instead of
 * fading out as after speech.
 */
static void
test_g729_payloads(void **state)
{
	static const size_t bad[] = {1, 3, 4, 9, 11, 14, 21, 22, 30, 32, 40};
	struct codec_params p;
	struct codec_enc *e;
	struct codec_dec *d;
	int16_t x[CODEC_FRAME], y[CODEC_FRAME];
	uint8_t pkt[CODEC_MAX_PAYLOAD], sid[2];
	double r_speech, r_sid, r_cng, r_plc5 = 0;

	(void)state;
	if (!codec_g729_available()) {
		printf("# g729 skipped: this build has no bcg729\n");
		skip();
	}
	codec_params_default(&p, CODEC_G729);
	assert_int_equal(codec_rtp_frame_ts(CODEC_G729), 160);
	assert_string_equal(codec_name(CODEC_G729), "g729");
	assert_int_equal(codec_enc_create(&p, &e), 0);
	assert_int_equal(codec_dec_create(&p, &d), 0);
	for (int f = 0; f < 25; f++) {
		tu_voice(x, CODEC_FRAME, CODEC_RATE, 6000, (size_t)f * CODEC_FRAME);
		assert_int_equal(codec_enc_encode(e, x, pkt, sizeof(pkt)), 20);
		assert_int_equal(codec_dec_decode(d, pkt, 20, y), 0);
	}
	assert_int_equal(codec_enc_encode(e, x, pkt, 19), -ENOSPC);
	r_speech = tu_rms(y, CODEC_FRAME);
	assert_true(r_speech > 300);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(codec_dec_decode(d, pkt, bad[i], y), -EINVAL);
	/* (Each refusal concealed a frame: speak again before the next checks.) */
	for (int f = 0; f < 10; f++) {
		tu_voice(x, CODEC_FRAME, CODEC_RATE, 6000, (size_t)f * CODEC_FRAME);
		assert_int_equal(codec_enc_encode(e, x, pkt, sizeof(pkt)), 20);
		assert_int_equal(codec_dec_decode(d, pkt, 20, y), 0);
	}
	/* One frame of speech, the second untransmitted: concealed, not silent. */
	assert_int_equal(codec_dec_decode(d, pkt, 10, y), 0);
	printf("# g729 10 ms payload: first half rms %.0f, untransmitted half rms %.0f\n", tu_rms(y, CODEC_FRAME / 2),
	       tu_rms(y + CODEC_FRAME / 2, CODEC_FRAME / 2));
	assert_true(tu_rms(y + CODEC_FRAME / 2, CODEC_FRAME / 2) > tu_rms(y, CODEC_FRAME / 2) / 4);
	/* Speech then a SID (L0=0, L1=5, L2=3, gain index 4): comfort noise. */
	sid[0] = (uint8_t)(0 << 7 | 5 << 2 | 3 >> 2);
	sid[1] = (uint8_t)((3 & 3) << 6 | 4 << 1);
	memcpy(pkt + 10, sid, 2);
	assert_int_equal(codec_dec_decode(d, pkt, 12, y), 0);
	for (int f = 0; f < 3; f++)
		assert_int_equal(codec_dec_decode(d, sid, 2, y), 0);
	r_sid = tu_rms(y, CODEC_FRAME);
	/* Erasures after a SID keep the comfort noise at its level. */
	for (int f = 0; f < 5; f++)
		assert_int_equal(codec_dec_conceal(d, y), 0);
	r_cng = tu_rms(y, CODEC_FRAME);
	printf("# g729 speech rms %.0f, SID comfort noise rms %.1f, after 5 erasures %.1f\n",
	       r_speech, r_sid, r_cng);
	assert_true(r_sid > 1 && r_sid < r_speech / 10);
	assert_true(r_cng > r_sid / 4 && r_cng < r_sid * 4);
	/* Erasures after speech fade out (G.729 §4.4: gains attenuated per frame). */
	for (int f = 0; f < 10; f++) {
		tu_voice(x, CODEC_FRAME, CODEC_RATE, 6000, (size_t)f * CODEC_FRAME);
		assert_int_equal(codec_enc_encode(e, x, pkt, sizeof(pkt)), 20);
		assert_int_equal(codec_dec_decode(d, pkt, 20, y), 0);
	}
	for (int f = 0; f < 20; f++) {
		assert_int_equal(codec_dec_conceal(d, y), 0);
		if (f == 4)
			r_plc5 = tu_rms(y, CODEC_FRAME);
	}
	printf("# g729 concealment after speech: rms %.0f at 100 ms, %.1f at 400 ms\n", r_plc5,
	       tu_rms(y, CODEC_FRAME));
	assert_true(tu_rms(y, CODEC_FRAME) < r_plc5 / 4);
	codec_enc_destroy(e);
	codec_dec_destroy(d);
}

static void
test_level(void **state)
{
	int16_t x[CODEC_FRAME];

	(void)state;
	memset(x, 0, sizeof(x));
	assert_int_equal(codec_level_dbov(x, CODEC_FRAME), -127);
	tu_tone(x, CODEC_FRAME, CODEC_RATE, 1000, 32767, 0);
	assert_int_equal(codec_level_dbov(x, CODEC_FRAME), -3);
	tu_tone(x, CODEC_FRAME, CODEC_RATE, 1000, 328, 0);
	assert_int_equal(codec_level_dbov(x, CODEC_FRAME), -43);
	assert_int_equal(codec_rtp_frame_ts(CODEC_OPUS), 960);
	assert_int_equal(codec_rtp_frame_ts(CODEC_G722), 160);
}

/*
 * codec_opus_vad() against what libopus's own encoder decided: background
 * noise at -60 dBov carries no voice once the encoder's detector settled,
 * a voice-like signal carries it from its first frame; CELT-only packets
 * have no flag, DTX (TOC only) has none set, garbage does not parse.
 */
static void
test_opus_vad(void **state)
{
	struct codec_params p;
	struct codec_enc *e;
	uint8_t pkt[CODEC_MAX_PAYLOAD];
	int16_t x[CODEC_FRAME];
	uint32_t seed = 7;
	int n, noise_voice = 0, voice = 0;

	(void)state;
	for (int ch = 1; ch <= 2; ch++) {
		codec_params_default(&p, CODEC_OPUS);
		p.channels = (uint8_t)ch;
		assert_int_equal(codec_enc_create(&p, &e), 0);
		noise_voice = voice = 0;
		for (int f = 0; f < 80; f++) {
			if (f < 50) {
				for (int i = 0; i < CODEC_FRAME; i++)
					x[i] = tu_noise(&seed, 32);
			} else {
				tu_voice(x, CODEC_FRAME, CODEC_RATE, 8000, (size_t)f * CODEC_FRAME);
			}
			n = codec_enc_encode(e, x, pkt, sizeof(pkt));
			assert_true(n > 2);
			assert_true((pkt[0] >> 3) < 16); /* SILK or hybrid */
			if (f >= 10 && f < 50)
				noise_voice += codec_opus_vad(pkt, (size_t)n);
			if (f >= 50) {
				assert_int_equal(codec_opus_vad(pkt, (size_t)n), 1);
				voice++;
			}
		}
		printf("# opus vad, %d channel(s): noise frames with voice %d/40, voice %d/30\n", ch,
		       noise_voice, voice);
		assert_true(noise_voice <= 2);
		codec_enc_destroy(e);
	}
	codec_params_default(&p, CODEC_OPUS);
	p.celt_only = true;
	assert_int_equal(codec_enc_create(&p, &e), 0);
	tu_voice(x, CODEC_FRAME, CODEC_RATE, 8000, 0);
	n = codec_enc_encode(e, x, pkt, sizeof(pkt));
	assert_true(n > 2 && (pkt[0] >> 3) >= 16);
	assert_int_equal(codec_opus_vad(pkt, (size_t)n), -ENODATA);
	codec_enc_destroy(e);
	pkt[0] = 15 << 3; /* hybrid FB 20 ms, no frame data: DTX */
	assert_int_equal(codec_opus_vad(pkt, 1), 0);
	pkt[0] = 3 << 3 | 3; /* code 3 without its frame count byte */
	assert_int_equal(codec_opus_vad(pkt, 1), -EINVAL);
	assert_int_equal(codec_opus_vad(pkt, 0), -EINVAL);
	assert_int_equal(codec_opus_vad(NULL, 5), -EINVAL);
}

/*
 * What the conference's CELT-only mix encoders cost in quality: the same
 * voice-like mix and sweep at 32 kbit/s through the SILK/hybrid encoder
 * (the mixes' encoder before) and through CELT only, complexity 3 (shared
 * mixes) and 1 (seat mixes). SNR is a waveform measure: CELT codes the
 * waveform, SILK models it (its SNR is low whatever it sounds like), so the
 * floor asks that CELT keep a waveform SNR it does not lose to the hybrid.
 */
static void
test_opus_celt_snr(void **state)
{
	static int16_t x[N], y[N];
	static const int8_t cx[] = {3, 1};
	struct codec_params p;
	double hyb[2], celt[2][2];

	(void)state;
	for (int sig = 0; sig < 2; sig++) {
		if (sig == 0)
			tu_voice(x, N, CODEC_RATE, 8000, 0);
		else
			tu_sweep(x, N, CODEC_RATE, 100, 16000, 8000);
		codec_params_default(&p, CODEC_OPUS);
		p.complexity = 3;
		hyb[sig] = round_trip(&p, x, y);
		for (unsigned int k = 0; k < 2; k++) {
			p.complexity = cx[k];
			p.celt_only = true;
			celt[sig][k] = round_trip(&p, x, y);
		}
		printf("# opus 32 kbit/s %s: hybrid c3 %.1f dB, celt c3 %.1f dB, celt c1 %.1f dB\n",
		       sig == 0 ? "voice" : "sweep", hyb[sig], celt[sig][0], celt[sig][1]);
		for (unsigned int k = 0; k < 2; k++) {
			assert_true(celt[sig][k] >= 10.0);
			assert_true(celt[sig][k] >= hyb[sig] - 1.0);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_g711_tables),
		cmocka_unit_test(test_sweep_round_trip),
		cmocka_unit_test(test_bad_params_and_payloads),
		cmocka_unit_test(test_opus_plc_fec),
		cmocka_unit_test(test_g711_plc),
		cmocka_unit_test(test_opus_dtx),
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_g729_payloads),
		cmocka_unit_test(test_opus_vad),
		cmocka_unit_test(test_opus_celt_snr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
