/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_test_util.h - signal helpers for the codecs/ unit tests: seeded RNG,
 * tones and sweeps, SNR with delay search, single-frequency power.
 * Context: tests only.
 */
#pragma once

#include <math.h>
#include <stdint.h>
#include <string.h>

/* xorshift32: deterministic, seeded per test. */
static inline uint32_t
tu_rand(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Uniform noise in [-amp, amp]. */
static inline int16_t
tu_noise(uint32_t *s, int amp)
{
	return (int16_t)((int32_t)(tu_rand(s) % (2u * (uint32_t)amp + 1)) - amp);
}

/* Logarithmic sweep f0..f1 over n samples at rate, amplitude amp. */
static inline void
tu_sweep(int16_t *x, size_t n, double rate, double f0, double f1, double amp)
{
	double k = log(f1 / f0) / (double)n, ph = 0;

	for (size_t i = 0; i < n; i++) {
		x[i] = (int16_t)lrint(amp * sin(ph));
		ph += 2 * M_PI * f0 * exp(k * (double)i) / rate;
	}
}

static inline void
tu_tone(int16_t *x, size_t n, double rate, double f, double amp, size_t start)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (int16_t)lrint(amp * sin(2 * M_PI * f * (double)(i + start) / rate));
}

/*
 * Voice-like signal: a 140 Hz pulse-rich harmonic series (20 harmonics,
 * 1/h) with a 4 Hz syllabic envelope between 0.2 and 1. Encoders' voice
 * activity detectors take it for speech from its first frame, unlike a
 * steady tone. @p start is the sample index of x[0] (continuity).
 */
static inline void
tu_voice(int16_t *x, size_t n, double rate, double amp, size_t start)
{
	for (size_t i = 0; i < n; i++) {
		double t = (double)(i + start) / rate, v = 0;

		for (int h = 1; h <= 20; h++)
			v += sin(2 * M_PI * h * 140.0 * t) / h;
		x[i] = (int16_t)lrint(amp / 2.5 * v * (0.6 + 0.4 * sin(2 * M_PI * 4.0 * t)));
	}
}

/* SNR (dB) of y against x delayed by the best lag in [0, maxlag], over [from, n). */
static inline double
tu_snr(const int16_t *x, const int16_t *y, size_t n, size_t from, size_t maxlag, size_t *lag_out)
{
	double best = -1e9;
	size_t best_lag = 0;

	for (size_t lag = 0; lag <= maxlag; lag++) {
		double s = 0, e = 0;

		for (size_t i = from + lag; i < n; i++) {
			double d = (double)y[i] - x[i - lag];

			s += (double)x[i - lag] * x[i - lag];
			e += d * d;
		}
		if (10 * log10(s / (e + 1e-9)) > best) {
			best = 10 * log10(s / (e + 1e-9));
			best_lag = lag;
		}
	}
	if (lag_out)
		*lag_out = best_lag;
	return best;
}

/* Normalised power (0..1) of frequency f in x: 2|X(f)|^2 / (N * sum x^2). */
static inline double
tu_tone_share(const int16_t *x, size_t n, double rate, double f)
{
	double re = 0, im = 0, e = 1e-9;

	for (size_t i = 0; i < n; i++) {
		re += x[i] * cos(2 * M_PI * f * (double)i / rate);
		im += x[i] * sin(2 * M_PI * f * (double)i / rate);
		e += (double)x[i] * x[i];
	}
	return 2 * (re * re + im * im) / ((double)n * e);
}

/* RMS of x. */
static inline double
tu_rms(const int16_t *x, size_t n)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)x[i] * x[i];
	return sqrt(e / (double)(n ? n : 1));
}
