/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_codec_agc.c - automatic gain control and noise gate (codec_agc.h),
 * alone and in a conference (codec_conf_cfg.agc / noise_gate):
 *  - a quiet talker is raised to the target (up to the gain limit), a loud
 *    one lowered, without wrap-around; the gain holds through pauses;
 *  - the gate closes on low noise after its hold time, passes speech
 *    unchanged, and its ramps never jump;
 *  - in a conference, AGC makes a quiet participant louder in the others'
 *    mix, and the gate keeps a humming participant out of the mix.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec_agc.h"
#include "codec_conf.h"
#include "codec_test_util.h"

#define N CODEC_FRAME

/* Amplitude of a sine at @p dbov (RMS = 32768 * 10^(dbov/20)). */
static double
amp(double dbov)
{
	return 32768.0 * pow(10.0, dbov / 20.0) * sqrt(2.0);
}

static double
dbov(const int16_t *x, size_t n)
{
	return 20.0 * log10(tu_rms(x, n) / 32768.0 + 1e-12);
}

static void
test_agc_levels(void **state)
{
	struct codec_agc a;
	int16_t x[N];
	double l;

	(void)state;
	/* Quiet talker at -40 dBov: raised by the maximum gain, 18 dB. */
	codec_agc_init(&a, NULL);
	for (int f = 0; f < 150; f++) {
		tu_tone(x, N, CODEC_RATE, 300, amp(-40), (size_t)f * N);
		assert_int_equal(codec_agc_process(&a, x, N, true, false), -40);
	}
	l = dbov(x, N);
	print_message("quiet: -40 -> %.1f dBov (gain %.1f dB)\n", l, a.gain_db);
	assert_true(l > -23 && l < -21);
	/* A pause (noise at -60): the gain is held, not pulled further up or reset. */
	{
		float g = a.gain_db;
		uint32_t seed = 7;

		for (int f = 0; f < 50; f++) {
			for (int i = 0; i < N; i++)
				x[i] = tu_noise(&seed, 40);
			codec_agc_process(&a, x, N, true, false);
		}
		assert_true(a.gain_db == g);
	}
	/* Loud talker at -3 dBov: lowered to -15 (minimum gain -12 dB), nothing wraps. */
	codec_agc_init(&a, NULL);
	for (int f = 0; f < 30; f++) {
		tu_tone(x, N, CODEC_RATE, 300, amp(-3), (size_t)f * N);
		codec_agc_process(&a, x, N, true, false);
	}
	l = dbov(x, N);
	print_message("loud: -3 -> %.1f dBov\n", l);
	assert_true(l > -16 && l < -14);
	/* At the target: left alone. */
	codec_agc_init(&a, NULL);
	for (int f = 0; f < 50; f++) {
		tu_tone(x, N, CODEC_RATE, 300, amp(-20), (size_t)f * N);
		codec_agc_process(&a, x, N, true, false);
	}
	assert_true(fabs(dbov(x, N) + 20) < 0.5);
	/* Full-scale input with a raised gain saturates instead of wrapping. */
	codec_agc_init(&a, NULL);
	a.gain_db = 18;
	for (int i = 0; i < N; i++)
		x[i] = (int16_t)(i % 2 ? 32767 : -32768);
	codec_agc_process(&a, x, N, true, false);
	for (int i = N / 2; i < N; i++)
		assert_true(i % 2 ? x[i] > 0 : x[i] < 0);
}

static void
test_gate(void **state)
{
	struct codec_agc a;
	int16_t x[N], ref[N];
	uint32_t seed = 3;
	int f;

	(void)state;
	codec_agc_init(&a, NULL);
	/* Speech-level tone: the gate opens; after the opening ramp, unchanged. */
	for (f = 0; f < 5; f++) {
		tu_tone(x, N, CODEC_RATE, 400, amp(-30), (size_t)f * N);
		memcpy(ref, x, sizeof(x));
		codec_agc_process(&a, x, N, false, true);
		if (f == 0) {
			for (int i = 0; i < N; i++) /* a linear ramp from 0, not a step */
				assert_true(fabs(x[i] - ref[i] * (i + 1.0) / N) <= 1.0);
		} else {
			assert_memory_equal(x, ref, sizeof(x));
		}
	}
	/* Low noise (-60 dBov): passes during the hold time, then fades out and stays out. */
	for (f = 0; f < 20; f++) {
		for (int i = 0; i < N; i++)
			x[i] = tu_noise(&seed, 40);
		codec_agc_process(&a, x, N, false, true);
		if (f < 10)
			assert_true(tu_rms(x, N) > 10);
		if (f > 10)
			assert_true(tu_rms(x, N) == 0);
	}
	/* Noise between close and open (-49 dBov) keeps a closed gate closed. */
	for (f = 0; f < 10; f++) {
		tu_tone(x, N, CODEC_RATE, 100, amp(-49), (size_t)f * N);
		codec_agc_process(&a, x, N, false, true);
		assert_true(tu_rms(x, N) == 0);
	}
}

/* Two PCMU participants: 0 sends a 500 Hz tone at @p lvl dBov, 1 listens; RMS 1 heard (dBov). */
static double
conf_heard(bool agc, bool gate, double lvl, uint16_t *speakers)
{
	struct codec_conf_cfg cc;
	struct codec_conf *c;
	struct codec_part_cfg pc;
	struct codec_enc *enc;
	struct codec_dec *dec;
	struct codec_conf_out o[4];
	struct codec_conf_tick_stats ts;
	int16_t x[N], y[N];
	uint8_t pkt[CODEC_MAX_PAYLOAD];
	uint16_t idx[2];
	double e = 0;

	codec_conf_cfg_default(&cc, 4);
	cc.agc = agc;
	cc.noise_gate = gate;
	assert_int_equal(codec_conf_create(&cc, &c), 0);
	codec_part_cfg_default(&pc, CODEC_PCMU);
	assert_int_equal(codec_conf_part_add(c, &pc, &idx[0]), 0);
	assert_int_equal(codec_conf_part_add(c, &pc, &idx[1]), 0);
	assert_int_equal(codec_enc_create(&pc.rx, &enc), 0);
	assert_int_equal(codec_dec_create(&pc.tx, &dec), 0);
	*speakers = 0;
	for (int t = 0; t < 150; t++) {
		uint16_t n;
		int len;

		tu_tone(x, N, CODEC_RATE, 500, amp(lvl), (size_t)t * N);
		len = codec_enc_encode(enc, x, pkt, sizeof(pkt));
		assert_true(codec_conf_rx(c, idx[0], 0, (uint16_t)t, (uint32_t)t * 160, pkt,
					  (size_t)len, (uint64_t)t * 20000) >= 0);
		n = codec_conf_tick(c, o, 4, &ts);
		if (t >= 100)
			*speakers = (uint16_t)(*speakers + ts.speakers);
		for (uint16_t k = 0; k < n; k++) {
			if (o[k].idx != idx[1])
				continue;
			assert_int_equal(codec_dec_decode(dec, o[k].payload, o[k].len, y), 0);
			if (t >= 100)
				for (int i = 0; i < N; i++)
					e += (double)y[i] * y[i];
		}
	}
	codec_enc_destroy(enc);
	codec_dec_destroy(dec);
	codec_conf_destroy(c);
	return 10.0 * log10(e / (50.0 * N) / (32768.0 * 32768.0) + 1e-12);
}

static void
test_conf_agc_gate(void **state)
{
	uint16_t spk;
	double off, on;

	(void)state;
	off = conf_heard(false, false, -36, &spk);
	on = conf_heard(true, false, -36, &spk);
	print_message("quiet participant heard at %.1f dBov, %.1f with AGC\n", off, on);
	assert_true(on - off > 12);
	/* A hum at -49 dBov is seated (above the -50 talk threshold) without the gate... */
	off = conf_heard(false, false, -49, &spk);
	assert_true(spk > 0);
	assert_true(off > -55);
	/* ... and kept out entirely with it. */
	on = conf_heard(false, true, -49, &spk);
	assert_int_equal(spk, 0);
	assert_true(on < -100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agc_levels),
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_conf_agc_gate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
