/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_codec_prompt.c - prompts and private mixes of one conference
 * (codec_prompt.h, codec_conf.h):
 *  - WAV reading and conversion to 48 kHz mono (22050 Hz mono and 8 kHz
 *    stereo in, frequency and length kept), refusal of what we do not read;
 *  - loading a prompt set with missing files;
 *  - the lobby: not heard, hears nothing, DTMF still detected, a prompt plays
 *    to it alone; out of the lobby it is heard again;
 *  - a join tone is heard by the others and not by the joiner;
 *  - test-call loopback delays by exactly loopback_frames ticks.
 * All deterministic (G.711 participants, synthetic tones).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "codec_conf.h"
#include "codec_prompt.h"
#include "codec_test_util.h"

/* ---- WAV files ------------------------------------------------------------ */

static void
put16(FILE *f, unsigned int v)
{
	fputc((int)(v & 0xff), f);
	fputc((int)((v >> 8) & 0xff), f);
}

static void
put32(FILE *f, uint32_t v)
{
	put16(f, v & 0xffff);
	put16(f, v >> 16);
}

/* A PCM WAV of a @p hz tone, @p frames per channel; @p data_len_override != 0 lies about the size. */
static void
write_wav(const char *path, unsigned int rate, unsigned int ch, unsigned int bits, double hz,
	  uint32_t frames, uint32_t data_len_override)
{
	FILE *f = fopen(path, "wb");
	uint32_t dlen = frames * ch * (bits / 8);

	assert_non_null(f);
	fwrite("RIFF", 1, 4, f);
	put32(f, 36 + dlen + 12);
	fwrite("WAVE", 1, 4, f);
	fwrite("LIST", 1, 4, f); /* a chunk to skip */
	put32(f, 4);
	fwrite("INFO", 1, 4, f);
	fwrite("fmt ", 1, 4, f);
	put32(f, 16);
	put16(f, 1);
	put16(f, ch);
	put32(f, rate);
	put32(f, rate * ch * bits / 8);
	put16(f, ch * bits / 8);
	put16(f, bits);
	fwrite("data", 1, 4, f);
	put32(f, data_len_override ? data_len_override : dlen);
	for (uint32_t i = 0; i < frames; i++)
		for (unsigned int c = 0; c < ch; c++) {
			int v = (int)lrint(8000 * sin(2 * M_PI * hz * i / rate));

			if (bits == 16)
				put16(f, (unsigned int)(uint16_t)(int16_t)v);
			else
				fputc(128 + v / 256, f);
		}
	fclose(f);
}

static char tmpdir[64];

static int
mk_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tsr-prompt-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
rm_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_wav_read(void **state)
{
	char path[128];
	int16_t *pcm = NULL;
	uint32_t n = 0;

	(void)state;
	/* What espeak-ng writes: 22050 Hz mono. 0.5 s of 1 kHz. */
	snprintf(path, sizeof(path), "%s/a.wav", tmpdir);
	write_wav(path, 22050, 1, 16, 1000, 11025, 0);
	assert_int_equal(codec_prompt_read_wav(path, &pcm, &n), 0);
	assert_true(n >= 24000 - 64 && n <= 24000 + 64);
	assert_true(tu_tone_share(pcm + 1000, 20000, CODEC_RATE, 1000) > 0.95);
	assert_true(tu_rms(pcm + 1000, 20000) > 5000);
	free(pcm);
	/* 8 kHz stereo, data size larger than the file (a streamed WAV): clamped. */
	write_wav(path, 8000, 2, 16, 500, 4000, 0x7ffff000);
	assert_int_equal(codec_prompt_read_wav(path, &pcm, &n), 0);
	assert_true(n >= 24000 - 64 && n <= 24000 + 64);
	assert_true(tu_tone_share(pcm + 1000, 20000, CODEC_RATE, 500) > 0.95);
	free(pcm);
	/* Refused: 8-bit, missing, not a WAV, 96 kHz. */
	write_wav(path, 8000, 1, 8, 500, 4000, 0);
	assert_int_equal(codec_prompt_read_wav(path, &pcm, &n), -EPROTO);
	write_wav(path, 96000, 1, 16, 500, 4000, 0);
	assert_int_equal(codec_prompt_read_wav(path, &pcm, &n), -EPROTO);
	snprintf(path, sizeof(path), "%s/none.wav", tmpdir);
	assert_int_equal(codec_prompt_read_wav(path, &pcm, &n), -ENOENT);
	snprintf(path, sizeof(path), "%s/junk.wav", tmpdir);
	{
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		fputs("RIFF\x10\0\0\0WAVEjunkjunkjunk", f);
		fclose(f);
	}
	assert_int_equal(codec_prompt_read_wav(path, &pcm, &n), -EPROTO);
}

static void
test_set_load(void **state)
{
	struct codec_prompt_set set;
	int errs[CODEC_PROMPT_COUNT];
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/pin_wrong.wav", tmpdir);
	write_wav(path, 22050, 1, 16, 700, 2205, 0);
	assert_int_equal(codec_prompt_set_load(&set, tmpdir, errs), 1);
	for (unsigned int i = 0; i < CODEC_PROMPT_COUNT; i++) {
		assert_int_equal(codec_prompt_lookup(codec_prompt_name(i)), (int)i);
		if (i == CODEC_PROMPT_PIN_WRONG) {
			assert_int_equal(errs[i], 0);
			assert_non_null(codec_prompt_get(&set, i));
			assert_string_equal(codec_prompt_get(&set, i)->name, "pin_wrong");
		} else {
			assert_int_equal(errs[i], -ENOENT);
			assert_null(codec_prompt_get(&set, i));
		}
	}
	assert_int_equal(codec_prompt_lookup("pin"), -ENOENT);
	assert_int_equal(codec_prompt_lookup(NULL), -ENOENT);
	assert_null(codec_prompt_name(CODEC_PROMPT_COUNT));
	assert_string_equal(codec_prompt_name(CODEC_PROMPT_JOIN_TONE), "join_tone");
	codec_prompt_set_free(&set);
	assert_null(codec_prompt_get(&set, CODEC_PROMPT_PIN_WRONG));
}

/* ---- a conference of G.711 participants ----------------------------------- */

#define NP 3
#define MAXT 400

static const double hz[NP] = {440, 660, 880};

struct rig {
	struct codec_conf *c;
	uint16_t idx[NP];
	struct codec_enc *enc[NP];
	struct codec_dec *dec[NP];
	uint16_t seq[NP];
	uint32_t t;                     /* ticks run */
	int16_t out[NP][MAXT * CODEC_FRAME];
	uint16_t pkts[NP];              /* packets received in the last run() */
};

static void
rig_add(struct rig *r, int i, const struct codec_part_cfg *pc)
{
	assert_int_equal(codec_conf_part_add(r->c, pc, &r->idx[i]), 0);
	assert_int_equal(codec_enc_create(&pc->rx, &r->enc[i]), 0);
	assert_int_equal(codec_dec_create(&pc->tx, &r->dec[i]), 0);
}

static void
rig_fini(struct rig *r)
{
	for (int i = 0; i < NP; i++) {
		codec_enc_destroy(r->enc[i]);
		codec_dec_destroy(r->dec[i]);
	}
	codec_conf_destroy(r->c);
	free(r);
}

/* A rig of @p np PCMU participants (dtmf_pt 101); @p lobby2 puts the third in the lobby. */
static struct rig *
rig_new(int np, bool lobby2, bool own_enc2)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct codec_conf_cfg cc;

	assert_non_null(r);
	codec_conf_cfg_default(&cc, 8);
	assert_int_equal(codec_conf_create(&cc, &r->c), 0);
	for (int i = 0; i < np; i++) {
		struct codec_part_cfg pc;

		codec_part_cfg_default(&pc, CODEC_PCMU);
		pc.tx_ssrc = 0x1000u + (uint32_t)i;
		pc.dtmf_pt = 101;
		pc.lobby = i == 2 && lobby2;
		pc.own_enc = i == 2 && own_enc2;
		rig_add(r, i, &pc);
	}
	return r;
}

/*
 * Run @p ticks: participant i sends its tone when send[i] > 0, silence when
 * 0, nothing when < 0; every listener's decoded audio goes to out[i] at the
 * tick's position (silence where nothing came).
 */
static void
run(struct rig *r, int ticks, const int send[NP])
{
	struct codec_conf_out o[16];
	int16_t x[CODEC_FRAME];
	uint8_t pkt[CODEC_MAX_PAYLOAD];

	memset(r->pkts, 0, sizeof(r->pkts));
	for (int k = 0; k < ticks; k++, r->t++) {
		uint16_t n;

		assert_true(r->t < MAXT);
		for (int i = 0; i < NP; i++) {
			int len;

			if (r->enc[i] == NULL || send[i] < 0)
				continue;
			tu_tone(x, CODEC_FRAME, CODEC_RATE, hz[i], send[i] > 0 ? 6000 : 0,
				(size_t)r->t * CODEC_FRAME);
			len = codec_enc_encode(r->enc[i], x, pkt, sizeof(pkt));
			assert_true(len > 0);
			assert_true(codec_conf_rx(r->c, r->idx[i], 0, r->seq[i], r->seq[i] * 160u, pkt,
						  (size_t)len, (uint64_t)r->t * 20000) >= 0);
			r->seq[i]++;
		}
		n = codec_conf_tick(r->c, o, 16, NULL);
		for (int i = 0; i < NP; i++)
			memset(r->out[i] + r->t * CODEC_FRAME, 0, CODEC_FRAME * sizeof(int16_t));
		for (uint16_t q = 0; q < n; q++) {
			int i = o[q].idx;

			if (o[q].pt != 0)
				continue; /* telephone-event */
			r->pkts[i]++;
			assert_int_equal(codec_dec_decode(r->dec[i], o[q].payload, o[q].len,
							  r->out[i] + r->t * CODEC_FRAME), 0);
		}
	}
}

/* Share of @p f in what @p i heard over the last @p ticks ticks. */
static double
share(const struct rig *r, int i, int ticks, double f)
{
	return tu_tone_share(r->out[i] + (r->t - (uint32_t)ticks) * CODEC_FRAME,
			     (size_t)ticks * CODEC_FRAME, CODEC_RATE, f);
}

static double
rms(const struct rig *r, int i, int ticks)
{
	return tu_rms(r->out[i] + (r->t - (uint32_t)ticks) * CODEC_FRAME, (size_t)ticks * CODEC_FRAME);
}

/* A synthetic prompt: @p hz for @p ms. */
static struct codec_prompt *
make_prompt(const char *name, double f, unsigned int ms)
{
	struct codec_prompt *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->name = name;
	p->samples = ms * 48;
	p->pcm = calloc(p->samples, sizeof(int16_t));
	assert_non_null(p->pcm);
	tu_tone(p->pcm, p->samples, CODEC_RATE, f, 6000, 0);
	return p;
}

static void
free_prompt(struct codec_prompt *p)
{
	free(p->pcm);
	free(p);
}

static void
test_lobby(void **state)
{
	static const int all[NP] = {1, 1, 1};
	struct rig *r = rig_new(NP, true, false);
	struct codec_prompt *pr = make_prompt("pin_entry", 1200, 500);
	struct codec_conf_part_stats st;
	struct codec_conf_out o[16];
	uint8_t ev[4] = {11, 0x0a, 0, 160}; /* '#' */
	uint16_t who;
	char d;

	(void)state;
	run(r, 40, all);
	/* 0 and 1 hear each other, not the lobby's 880 Hz; the lobby hears nothing. */
	assert_true(share(r, 0, 20, 660) > 0.5);
	assert_true(share(r, 1, 20, 440) > 0.5);
	assert_true(share(r, 0, 20, 880) < 0.01);
	assert_true(share(r, 1, 20, 880) < 0.01);
	assert_int_equal(r->pkts[2], 40); /* G.711 silence keeps its stream going */
	assert_true(rms(r, 2, 20) < 10);
	assert_int_equal(codec_conf_part_stats(r->c, r->idx[2], &st), 0);
	assert_true(st.lobby);
	assert_null(st.prompt);
	/* Its DTMF is still detected. */
	assert_int_equal(codec_conf_rx(r->c, r->idx[2], 101, 500, 90000, ev, 4, 0), 0);
	assert_int_equal(codec_conf_dtmf_poll(r->c, &who, &d), 1);
	assert_int_equal(who, r->idx[2]);
	assert_int_equal(d, '#');
	/* A prompt plays to the lobby participant alone, then ends. */
	assert_int_equal(codec_conf_play(r->c, r->idx[0], pr, false), -ENOBUFS); /* no own encoder */
	assert_int_equal(codec_conf_play(r->c, r->idx[2], pr, false), 0);
	assert_int_equal(codec_conf_part_stats(r->c, r->idx[2], &st), 0);
	assert_string_equal(st.prompt, "pin_entry");
	run(r, 20, all);
	assert_true(share(r, 2, 20, 1200) > 0.9);
	assert_true(share(r, 2, 20, 880) < 0.01);
	assert_true(share(r, 0, 20, 1200) < 0.01);
	assert_true(share(r, 1, 20, 1200) < 0.01);
	run(r, 10, all);
	assert_int_equal(codec_conf_part_stats(r->c, r->idx[2], &st), 0);
	assert_null(st.prompt);
	assert_true(st.private_encodes >= 25 && st.private_encodes <= 26);
	assert_true(rms(r, 2, 4) < 10);
	/* Looping: still playing after twice its length; stopped by NULL. */
	assert_int_equal(codec_conf_play(r->c, r->idx[2], pr, true), 0);
	run(r, 100, all);
	assert_int_equal(codec_conf_part_stats(r->c, r->idx[2], &st), 0);
	assert_string_equal(st.prompt, "pin_entry");
	assert_true(st.prompt_loop);
	assert_int_equal(codec_conf_play(r->c, r->idx[2], NULL, false), 0);
	assert_int_equal(codec_conf_part_stats(r->c, r->idx[2], &st), 0);
	assert_null(st.prompt);
	/* Out of the lobby: heard by the others, and hears them. */
	assert_int_equal(codec_conf_set_lobby(r->c, r->idx[2], false), 0);
	run(r, 40, all);
	assert_true(share(r, 0, 20, 880) > 0.25);
	assert_true(share(r, 2, 20, 440) > 0.25);
	assert_true(share(r, 2, 20, 660) > 0.25);
	assert_true(share(r, 2, 20, 880) < 0.01);
	/* Back in: gone again at once. */
	assert_int_equal(codec_conf_set_lobby(r->c, r->idx[2], true), 0);
	run(r, 20, all);
	assert_true(share(r, 0, 18, 880) < 0.01);
	assert_true(rms(r, 2, 18) < 10);
	assert_int_equal(codec_conf_set_lobby(r->c, 7, true), -ENOENT);
	assert_int_equal(codec_conf_play(r->c, 7, pr, false), -ENOENT);
	assert_int_equal(codec_conf_tick(r->c, o, 16, NULL), 3);
	rig_fini(r);
	free_prompt(pr);
}

static void
test_prompt_over_mix(void **state)
{
	static const int all[NP] = {1, 1, 1};
	struct rig *r = rig_new(NP, false, true);
	struct codec_prompt *pr = make_prompt("waiting_host", 1200, 2000);

	(void)state;
	run(r, 30, all);
	/* Not in the lobby: the prompt is mixed over what it hears. */
	assert_int_equal(codec_conf_play(r->c, r->idx[2], pr, false), 0);
	run(r, 30, all);
	assert_true(share(r, 2, 20, 1200) > 0.15);
	assert_true(share(r, 2, 20, 440) > 0.15);
	assert_true(share(r, 0, 20, 1200) < 0.01);
	assert_true(share(r, 0, 20, 880) > 0.15);
	rig_fini(r);
	free_prompt(pr);
}

static void
test_join_tone(void **state)
{
	static const int quiet[NP] = {0, 0, 0};
	struct rig *r = rig_new(NP, false, true);
	struct codec_prompt *tone = make_prompt("join_tone", 1500, 300);
	struct codec_conf_tick_stats ts;
	struct codec_conf_out o[16];

	(void)state;
	run(r, 20, quiet);
	/* Nobody talks; the tone for participant 2 reaches 0 and 1 only. */
	codec_conf_announce(r->c, tone, r->idx[2]);
	run(r, 15, quiet);
	assert_true(share(r, 0, 15, 1500) > 0.9);
	assert_true(share(r, 1, 15, 1500) > 0.9);
	assert_true(rms(r, 0, 15) > 2000);
	assert_true(rms(r, 2, 15) < 10);
	/* It ends: back to pre-encoded silence, nothing encoded. */
	codec_conf_tick(r->c, o, 16, &ts);
	assert_int_equal(ts.encodes, 0);
	/* A leave tone (nobody spared) reaches everyone. */
	codec_conf_announce(r->c, tone, CODEC_MIX_NONE);
	run(r, 15, quiet);
	for (int i = 0; i < NP; i++)
		assert_true(share(r, i, 15, 1500) > 0.9);
	rig_fini(r);
	free_prompt(tone);
}

/* First tick (from @p from) in which participant 0 heard more than silence. */
static int
first_voiced(const struct rig *r, uint32_t from)
{
	for (uint32_t t = from; t < r->t; t++)
		if (tu_rms(r->out[0] + t * CODEC_FRAME, CODEC_FRAME) > 500)
			return (int)t;
	return -1;
}

/* Alone with loopback @p frames: ticks between its first tone frame in and out. */
static int
loop_delay(uint16_t frames, double *tone_share)
{
	static const int silent[NP] = {0, -1, -1}, tone[NP] = {1, -1, -1};
	struct rig *r = calloc(1, sizeof(*r));
	struct codec_conf_cfg cc;
	struct codec_part_cfg pc;
	struct codec_conf_part_stats st;
	int at, start;

	assert_non_null(r);
	codec_conf_cfg_default(&cc, 4);
	assert_int_equal(codec_conf_create(&cc, &r->c), 0);
	codec_part_cfg_default(&pc, CODEC_PCMU);
	pc.loopback_frames = frames;
	rig_add(r, 0, &pc);
	assert_int_equal(codec_conf_part_stats(r->c, r->idx[0], &st), 0);
	assert_int_equal(st.loopback_frames, frames);
	run(r, 20, silent);
	start = (int)r->t;
	run(r, 50, tone);
	run(r, frames + 20, silent);
	at = first_voiced(r, 0);
	*tone_share = at < 0 ? 0 : tu_tone_share(r->out[0] + (size_t)(at + 2) * CODEC_FRAME,
						 40 * CODEC_FRAME, CODEC_RATE, 440);
	/* The loop ends as many ticks after the tone ends. */
	assert_true(at >= 0);
	for (int t = at; t < at + 50; t++)
		assert_true(tu_rms(r->out[0] + (size_t)t * CODEC_FRAME, CODEC_FRAME) > 500);
	assert_true(tu_rms(r->out[0] + (size_t)(at + 51) * CODEC_FRAME, CODEC_FRAME) < 100);
	rig_fini(r);
	return at - start;
}

static void
test_loopback_delay(void **state)
{
	double s1, s100, s2;
	int d1, d100, d2;
	struct codec_conf_cfg cc;
	struct codec_conf *c;
	struct codec_part_cfg pc;
	uint16_t idx;

	(void)state;
	d1 = loop_delay(1, &s1);
	d100 = loop_delay(100, &s100);
	d2 = loop_delay(2, &s2);
	print_message("loopback: 1 frame -> %d ticks, 2 -> %d, 100 -> %d (tone share %.3f)\n", d1,
		      d2, d100, s100);
	/* Exact to the frame: the jitter buffer's delay is the same in each run. */
	assert_int_equal(d100 - d1, 99);
	assert_int_equal(d2 - d1, 1);
	assert_true(s100 > 0.95);
	/* Out of range: refused. */
	codec_conf_cfg_default(&cc, 2);
	assert_int_equal(codec_conf_create(&cc, &c), 0);
	codec_part_cfg_default(&pc, CODEC_PCMU);
	pc.loopback_frames = CODEC_CONF_MAX_LOOPBACK + 1;
	assert_int_equal(codec_conf_part_add(c, &pc, &idx), -EINVAL);
	pc.loopback_frames = CODEC_CONF_MAX_LOOPBACK;
	assert_int_equal(codec_conf_part_add(c, &pc, &idx), 0);
	codec_conf_destroy(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wav_read),
		cmocka_unit_test(test_set_load),
		cmocka_unit_test(test_lobby),
		cmocka_unit_test(test_prompt_over_mix),
		cmocka_unit_test(test_join_tone),
		cmocka_unit_test(test_loopback_delay),
	};

	return cmocka_run_group_tests(tests, mk_tmpdir, rm_tmpdir);
}
