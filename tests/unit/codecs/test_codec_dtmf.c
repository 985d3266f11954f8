/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_codec_dtmf.c - in-band DTMF detection (all 16 digits with noise and
 * twist, through G.711; rejection of short tones, single tones, speech-like
 * harmonics, noise) and RFC 4733 send timing and receive with duplicates
 * and lost end packets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "codec_dtmf.h"
#include "codec_test_util.h"

static const double rowf[4] = {697, 770, 852, 941}, colf[4] = {1209, 1336, 1477, 1633};
static const char keys[] = "123A456B789C*0#D";

/* Tone pair of @p ms at row/col amplitudes, noise, then 60 ms silence; through µ-law. */
static size_t
gen(int16_t *x, char digit, int ms, double arow, double acol, int noise, uint32_t *seed,
    double foff)
{
	size_t n = (size_t)ms * 8, total = n + 480;
	const char *k = strchr(keys, digit);
	int r = (int)(k - keys) / 4, c = (int)(k - keys) % 4;

	for (size_t i = 0; i < total; i++) {
		double v = 0;

		if (i < n)
			v = arow * sin(2 * M_PI * rowf[r] * foff * (double)i / 8000) +
			    acol * sin(2 * M_PI * colf[c] * foff * (double)i / 8000);
		v += tu_noise(seed, noise);
		x[i] = codec_g711_ulaw_decode(codec_g711_ulaw_encode((int16_t)lrint(v)));
	}
	return total;
}

static size_t
detect(struct codec_dtmf_det *d, const int16_t *x, size_t n, char *out)
{
	size_t got = 0;

	/* Feed in 20 ms frames, as the engine does. */
	for (size_t i = 0; i < n; i += 160)
		got += codec_dtmf_det_feed(d, x + i, n - i < 160 ? n - i : 160, out + got, 16 - got);
	return got;
}

static void
test_all_digits_noise_twist(void **state)
{
	static int16_t x[8000];
	struct codec_dtmf_det d;
	uint32_t seed = 1234;
	char out[16];

	(void)state;
	for (int t = 0; t < 3; t++) {
		/* plain; normal twist +6 dB (column louder); reverse twist -3 dB */
		double ar = t == 1 ? 3000 : 6000, ac = t == 2 ? 4250 : 6000;

		codec_dtmf_det_init(&d);
		for (int k = 0; k < 16; k++) {
			size_t n = gen(x, keys[k], 60, ar, ac, 300, &seed, 1.0);

			assert_int_equal(detect(&d, x, n, out), 1);
			assert_int_equal(out[0], keys[k]);
		}
		assert_int_equal(d.digits, 16);
	}
	/* Off by 1.5% (within Q.23 tolerance) still detected. */
	codec_dtmf_det_init(&d);
	assert_int_equal(detect(&d, x, gen(x, '5', 80, 6000, 6000, 100, &seed, 1.015), out), 1);
	/* Same digit twice with a gap: two detections. */
	assert_int_equal(detect(&d, x, gen(x, '5', 80, 6000, 6000, 100, &seed, 1.0), out), 1);
}

static void
test_duration(void **state)
{
	static int16_t x[8000];
	struct codec_dtmf_det d;
	uint32_t seed = 99;
	char out[16];

	(void)state;
	/* Every alignment: 40 ms always detected, 25 ms never. */
	for (int off = 0; off < CODEC_DTMF_BLOCK; off += 7) {
		size_t n;

		codec_dtmf_det_init(&d);
		memset(x, 0, off * sizeof(*x));
		n = gen(x + off, '7', 40, 6000, 6000, 50, &seed, 1.0);
		if (detect(&d, x, n + off, out) != 1)
			fail_msg("40 ms tone missed at offset %d", off);
		codec_dtmf_det_init(&d);
		n = gen(x + off, '7', 25, 6000, 6000, 50, &seed, 1.0);
		assert_int_equal(detect(&d, x, n + off, out), 0);
	}
}

static void
test_rejection(void **state)
{
	static int16_t x[8000];
	struct codec_dtmf_det d;
	uint32_t seed = 5;
	char out[16];

	(void)state;
	codec_dtmf_det_init(&d);
	/* Single tones, a dial-tone-like pair, a non-DTMF pair. */
	tu_tone(x, 8000, 8000, 1000, 8000, 0);
	assert_int_equal(detect(&d, x, 8000, out), 0);
	tu_tone(x, 8000, 8000, 941, 8000, 0);
	assert_int_equal(detect(&d, x, 8000, out), 0);
	for (int i = 0; i < 8000; i++)
		x[i] = (int16_t)lrint(5000 * sin(2 * M_PI * 350 * i / 8000.0) +
				      5000 * sin(2 * M_PI * 440 * i / 8000.0));
	assert_int_equal(detect(&d, x, 8000, out), 0);
	for (int i = 0; i < 8000; i++)
		x[i] = (int16_t)lrint(5000 * sin(2 * M_PI * 1100 * i / 8000.0) +
				      5000 * sin(2 * M_PI * 1800 * i / 8000.0));
	assert_int_equal(detect(&d, x, 8000, out), 0);
	/* Twist out of range: column 12 dB above row. */
	assert_int_equal(detect(&d, x, gen(x, '1', 100, 1500, 6000, 10, &seed, 1.0), out), 0);
	/* Speech-like: voiced harmonics of a gliding 100-180 Hz fundamental, and noise. */
	for (int f0 = 100; f0 <= 180; f0 += 5) {
		for (int i = 0; i < 8000; i++) {
			double v = 0, t = i / 8000.0, f = f0 * (1 + 0.05 * sin(2 * M_PI * 3 * t));

			for (int h = 1; h * f < 3400; h++)
				v += sin(2 * M_PI * h * f * t) * 3000.0 / h;
			x[i] = (int16_t)lrint(v);
		}
		assert_int_equal(detect(&d, x, 8000, out), 0);
	}
	for (int i = 0; i < 8000; i++)
		x[i] = tu_noise(&seed, 12000);
	assert_int_equal(detect(&d, x, 8000, out), 0);
}

static void
test_rfc4733_send(void **state)
{
	struct codec_rfc4733_tx_cfg c;
	struct codec_rfc4733_tx tx;
	struct codec_rfc4733_pkt p;
	struct codec_rfc4733_evt ev;
	uint32_t ts = 1000;
	int pk = 0, ends = 0, events = 0, ticks = 0;
	uint32_t ev_ts[3] = {0};
	uint16_t last_dur = 0;

	(void)state;
	codec_rfc4733_tx_cfg_default(&c, 8000);
	c.duration_ms = 100;
	c.gap_ms = 100;
	c.pause_ms = 400;
	assert_int_equal(codec_rfc4733_tx_init(&tx, &c), 0);
	assert_int_equal(codec_rfc4733_tx_start(&tx, "1x"), -EINVAL);
	assert_int_equal(codec_rfc4733_tx_start(&tx, "1,#"), 0);
	assert_int_equal(codec_rfc4733_tx_start(&tx, "2"), -EBUSY);
	for (; codec_rfc4733_tx_busy(&tx); ts += 160, ticks++) {
		if (codec_rfc4733_tx_tick(&tx, ts, &p) == 0)
			continue;
		pk++;
		assert_int_equal(codec_rfc4733_parse(p.payload, 4, &ev), 0);
		assert_int_equal(ev.volume, 10);
		if (p.marker) {
			assert_int_equal(p.ts, ts); /* event timestamp = its start */
			ev_ts[events++] = p.ts;
			last_dur = 0;
			ends = 0;
		}
		assert_int_equal(p.ts, ev_ts[events - 1]);
		assert_true(ev.duration >= last_dur);
		last_dur = ev.duration;
		if (ev.end) {
			ends++;
			assert_int_equal(ev.duration, 800); /* 100 ms at 8 kHz */
		} else {
			assert_int_equal(ev.duration % 160, 0);
		}
		assert_int_equal(ev.event, events == 1 ? 1 : 11);
	}
	assert_int_equal(events, 2);
	assert_int_equal(ends, 3);
	assert_int_equal(pk, 2 * (4 + 3));
	/* '1' 200 ms, ',' 400 ms, '#' 200 ms; '#' starts 600 ms after '1'. */
	assert_int_equal(ev_ts[1] - ev_ts[0], 600 * 8);
	assert_int_equal(ticks, 40);
	c.duration_ms = 2000;
	c.clock_rate = 48000;
	assert_int_equal(codec_rfc4733_tx_init(&tx, &c), -EINVAL); /* 96000 > 16 bits */
}

static void
test_rfc4733_receive(void **state)
{
	struct codec_rfc4733_tx_cfg c;
	struct codec_rfc4733_tx tx;
	struct codec_rfc4733_rx rx;
	struct codec_rfc4733_pkt p;
	char got[16], d;
	size_t n = 0;
	uint32_t ts = 0;
	int k = 0;

	(void)state;
	codec_rfc4733_tx_cfg_default(&c, 48000);
	c.duration_ms = 120;
	c.gap_ms = 60;
	assert_int_equal(codec_rfc4733_tx_init(&tx, &c), 0);
	assert_int_equal(codec_rfc4733_tx_start(&tx, "159#*0"), 0);
	codec_rfc4733_rx_init(&rx);
	for (; codec_rfc4733_tx_busy(&tx); ts += 960) {
		if (codec_rfc4733_tx_tick(&tx, ts, &p) == 0)
			continue;
		k++;
		/* Digit 2 loses its start packets, digit 3 all its end packets, every packet is doubled. */
		if (p.marker && n == 1)
			continue;
		for (int rep = 0; rep < 2; rep++) {
			if (p.end && n == 3)
				continue;
			if (codec_rfc4733_rx_packet(&rx, p.ts, p.payload, 4, &d) == 1)
				got[n++] = d;
		}
	}
	got[n] = 0;
	assert_string_equal(got, "159#*0");
	assert_int_equal(rx.digits, 6);
	assert_true(rx.dup_ends > 0);
	/* An old event after a newer one is ignored. */
	assert_int_equal(codec_rfc4733_rx_packet(&rx, p.ts - 100000, p.payload, 4, &d), -EAGAIN);
	assert_int_equal(codec_rfc4733_rx_packet(&rx, p.ts, p.payload, 3, &d), -EINVAL);
	p.payload[0] = 200;
	assert_int_equal(codec_rfc4733_rx_packet(&rx, p.ts + 5000, p.payload, 4, &d), -EINVAL);
	(void)k;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_digits_noise_twist),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_rejection),
		cmocka_unit_test(test_rfc4733_send),
		cmocka_unit_test(test_rfc4733_receive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
