/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * gen_tone.c - build-time generator of the join and leave tones: two short
 * notes with raised-cosine edges, written as a 48 kHz mono 16-bit WAV.
 *
 *   gen_tone join OUT.wav    rising: 660 Hz then 880 Hz
 *   gen_tone leave OUT.wav   falling: 880 Hz then 660 Hz
 *
 * Context: a build tool (meson custom_target), not part of any daemon.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define RATE 48000
#define NOTE_MS 140
#define GAP_MS 30
#define EDGE_MS 10
#define AMPL 6500.0 /* about -14 dBFS */

static void
put16(FILE *f, uint16_t v)
{
	fputc(v & 0xff, f);
	fputc(v >> 8, f);
}

static void
put32(FILE *f, uint32_t v)
{
	put16(f, (uint16_t)(v & 0xffff));
	put16(f, (uint16_t)(v >> 16));
}

static void
note(FILE *f, double hz)
{
	const unsigned int n = RATE * NOTE_MS / 1000, edge = RATE * EDGE_MS / 1000;

	for (unsigned int i = 0; i < n; i++) {
		double g = 1.0;

		if (i < edge)
			g = 0.5 - 0.5 * cos(M_PI * i / edge);
		else if (i >= n - edge)
			g = 0.5 - 0.5 * cos(M_PI * (n - 1 - i) / edge);
		put16(f, (uint16_t)(int16_t)lrint(AMPL * g * sin(2.0 * M_PI * hz * i / RATE)));
	}
}

int
main(int argc, char **argv)
{
	const unsigned int samples = RATE * (2 * NOTE_MS + GAP_MS) / 1000;
	double a, b;
	FILE *f;

	if (argc != 3 || (strcmp(argv[1], "join") != 0 && strcmp(argv[1], "leave") != 0)) {
		fprintf(stderr, "usage: gen_tone join|leave OUT.wav\n");
		return 2;
	}
	a = strcmp(argv[1], "join") == 0 ? 660.0 : 880.0;
	b = strcmp(argv[1], "join") == 0 ? 880.0 : 660.0;
	f = fopen(argv[2], "wb");
	if (f == NULL) {
		perror(argv[2]);
		return 1;
	}
	fwrite("RIFF", 1, 4, f);
	put32(f, 36 + samples * 2);
	fwrite("WAVEfmt ", 1, 8, f);
	put32(f, 16);
	put16(f, 1);            /* PCM */
	put16(f, 1);            /* mono */
	put32(f, RATE);
	put32(f, RATE * 2);
	put16(f, 2);
	put16(f, 16);
	fwrite("data", 1, 4, f);
	put32(f, samples * 2);
	note(f, a);
	for (unsigned int i = 0; i < RATE * GAP_MS / 1000; i++)
		put16(f, 0);
	note(f, b);
	if (fclose(f) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
