/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_dtmf.c - in-band DTMF detection by Goertzel filters on 8 kHz audio.
 *
 * Per block of CODEC_DTMF_BLOCK samples, a second-order Goertzel filter per
 * DTMF frequency gives the power P = s1^2 + s2^2 - c s1 s2 at that frequency;
 * 2P/N is the energy of a tone of that frequency in the block, compared with
 * the block's total energy (the tones must carry most of it, which rejects
 * speech and music), with each other (twist) and with the other tones of
 * their group (relative peak). Consecutive qualifying blocks with the same
 * digit and a steady level (power within 1.8 dB, so windows less than 82% filled at the
 * edges of a short tone do not count) make a detection. Windows overlap by
 * half (a hop of 51 samples, 6.4 ms): 4 consecutive windows need at least
 * 255 samples of steady tone, so 40 ms tones are always found whatever their
 * alignment and 25 ms tones never.
 * Context: fast path, one detector per participant.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "codec_dtmf.h"

static const float freqs[8] = {697, 770, 852, 941, 1209, 1336, 1477, 1633};
static const char keys[4][4] = {
	{'1', '2', '3', 'A'},
	{'4', '5', '6', 'B'},
	{'7', '8', '9', 'C'},
	{'*', '0', '#', 'D'},
};

#define RATE 8000.0f
#define REL_PEAK 6.3f      /* 8 dB */
#define TWIST_NORMAL 6.3f  /* column louder by up to 8 dB */
#define TWIST_REVERSE 2.5f /* row louder by up to 4 dB */
#define TONE_SHARE 0.6f    /* row + column energy / block energy */
#define HOP (CODEC_DTMF_BLOCK / 2)
#define MIN_RUN 4
#define RELEASE 3
/* -30 dBov per tone: rms^2 of a tone = 2P / N^2 */
#define MIN_TONE_MS2 (32768.0f * 32768.0f * 1e-3f)

void
codec_dtmf_det_init(struct codec_dtmf_det *d)
{
	memset(d, 0, sizeof(*d));
}

static float
goertzel(const int16_t *x, unsigned int n, float f)
{
	float c = 2.0f * cosf(2.0f * (float)M_PI * f / RATE);
	float s1 = 0, s2 = 0;

	for (unsigned int i = 0; i < n; i++) {
		float s0 = (float)x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/* Index of the largest of 4 powers, or -1 when it does not beat the others by REL_PEAK. */
static int
peak(const float *p)
{
	int best = 0;

	for (int i = 1; i < 4; i++)
		if (p[i] > p[best])
			best = i;
	for (int i = 0; i < 4; i++)
		if (i != best && p[best] < REL_PEAK * p[i])
			return -1;
	return best;
}

/* Digit of one block, 0 when none; *tone receives the row+column power. */
static char
block_digit(const int16_t *x, float *tone)
{
	float p[8], e = 0;
	int r, c;

	for (unsigned int i = 0; i < CODEC_DTMF_BLOCK; i++)
		e += (float)x[i] * (float)x[i];
	for (int i = 0; i < 8; i++)
		p[i] = goertzel(x, CODEC_DTMF_BLOCK, freqs[i]);
	r = peak(p);
	c = peak(p + 4);
	if (r < 0 || c < 0)
		return 0;
	*tone = p[r] + p[4 + c];
	if (2.0f * p[r] / ((float)CODEC_DTMF_BLOCK * CODEC_DTMF_BLOCK) < MIN_TONE_MS2 ||
	    2.0f * p[4 + c] / ((float)CODEC_DTMF_BLOCK * CODEC_DTMF_BLOCK) < MIN_TONE_MS2)
		return 0;
	if (p[4 + c] > TWIST_NORMAL * p[r] || p[r] > TWIST_REVERSE * p[4 + c])
		return 0;
	if (2.0f * *tone / CODEC_DTMF_BLOCK < TONE_SHARE * e)
		return 0;
	return keys[r][c];
}

static size_t
block(struct codec_dtmf_det *d, char *out, size_t cap)
{
	/* P grows with the square of the tone samples in a window: 1.5x = 82% filled. */
	static const float steady = 1.5f;
	float tone = 0;
	char k = block_digit(d->buf, &tone);
	size_t n = 0;

	if (k != 0 && k == d->cand && tone <= steady * d->last_tone && tone * steady >= d->last_tone)
		d->hits++;
	else
		d->hits = k != 0;
	d->cand = k;
	d->last_tone = tone;
	if (d->reported != 0) {
		if (k == d->reported) {
			d->misses = 0;
		} else if (++d->misses >= RELEASE) {
			d->reported = 0;
		}
	}
	if (d->reported == 0 && k != 0 && d->hits >= MIN_RUN) {
		d->reported = k;
		d->misses = 0;
		d->digits++;
		if (cap > 0)
			out[n++] = k;
	}
	return n;
}

size_t
codec_dtmf_det_feed(struct codec_dtmf_det *d, const int16_t *x, size_t n, char *out, size_t cap)
{
	size_t got = 0;

	while (n > 0) {
		size_t take = CODEC_DTMF_BLOCK - d->fill;

		if (take > n)
			take = n;
		memcpy(d->buf + d->fill, x, take * sizeof(*x));
		d->fill = (uint16_t)(d->fill + take);
		x += take;
		n -= take;
		if (d->fill == CODEC_DTMF_BLOCK) {
			/* Windows of 102 samples every 51 (50% overlap). */
			got += block(d, out + got, cap - got);
			memmove(d->buf, d->buf + HOP, (CODEC_DTMF_BLOCK - HOP) * sizeof(*x));
			d->fill = CODEC_DTMF_BLOCK - HOP;
		}
	}
	return got;
}

char
codec_dtmf_event_char(uint8_t event)
{
	static const char map[16] = "0123456789*#ABCD";

	return event < 16 ? map[event] : 0;
}

int
codec_dtmf_char_event(char c)
{
	static const char map[] = "0123456789*#ABCD";
	const char *p;

	if (c >= 'a' && c <= 'd')
		c = (char)(c - 'a' + 'A');
	p = c ? strchr(map, c) : NULL;
	return p ? (int)(p - map) : -EINVAL;
}
