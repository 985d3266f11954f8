/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_codec_jb.c - jitter buffer (codec_jb.h) under reordering, loss,
 * duplication, late packets, DTX gaps and clock drift. Time is simulated
 * (microseconds injected), randomness seeded: every run is the same.
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

#include "codec_jb.h"
#include "codec_test_util.h"

#define FT 960 /* Opus, 48 kHz clock */

struct sim_pkt {
	uint64_t at;   /* arrival, us */
	uint16_t seq;
	uint32_t ts;
};

static int
by_arrival(const void *a, const void *b)
{
	const struct sim_pkt *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

struct sim_res {
	unsigned int frames, lost, empty;
	uint32_t bad_order; /* frames played out of timestamp order */
	uint16_t max_depth;
};

/*
 * Send n packets every send_us (sender clock), arrival = send + delay
 * (uniform 0..jitter_us), drop with probability loss/1000, duplicate with
 * dup/1000; pull every 20 ms, acting on codec_jb_adjust() like the engine.
 */
static struct sim_res
simulate(struct codec_jb *jb, unsigned int n, uint64_t send_us, uint32_t jitter_us,
	 unsigned int loss, unsigned int dup, uint32_t seed)
{
	struct sim_pkt *p = calloc(2 * n, sizeof(*p));
	struct sim_res r = {0};
	unsigned int np = 0, next = 0;
	uint32_t last_ts = 0;
	bool have_last = false;
	uint8_t pl[8];

	for (unsigned int i = 0; i < n; i++) {
		struct sim_pkt q = {i * send_us + (jitter_us ? tu_rand(&seed) % jitter_us : 0),
				    (uint16_t)(65500 + i), 0x7fff0000u + i * FT};

		if (tu_rand(&seed) % 1000 < loss)
			continue;
		p[np++] = q;
		if (tu_rand(&seed) % 1000 < dup) {
			q.at += tu_rand(&seed) % 30000;
			p[np++] = q;
		}
	}
	qsort(p, np, sizeof(*p), by_arrival);
	for (uint64_t now = 0; next < np || now < (uint64_t)n * send_us + 400000; now += 20000) {
		struct codec_jb_frame f;
		enum codec_jb_status st;

		while (next < np && p[next].at <= now) {
			memcpy(pl, &p[next].ts, 4);
			(void)codec_jb_insert(jb, p[next].seq, p[next].ts, pl, sizeof(pl), p[next].at);
			next++;
		}
		if (codec_jb_depth(jb) > r.max_depth)
			r.max_depth = codec_jb_depth(jb);
		if (codec_jb_adjust(jb) > 0) {
			codec_jb_stretched(jb); /* every frame is "low energy" here */
			continue;
		}
		st = codec_jb_pull(jb, &f);
		if (st == CODEC_JB_FRAME && codec_jb_adjust(jb) < 0 && codec_jb_depth(jb) > 1) {
			codec_jb_shrunk(jb);
			st = codec_jb_pull(jb, &f);
		}
		if (st == CODEC_JB_FRAME) {
			uint32_t ts;

			r.frames++;
			memcpy(&ts, f.payload, 4);
			assert_int_equal(ts, f.ts);
			if (have_last && (int32_t)(f.ts - last_ts) <= 0)
				r.bad_order++;
			last_ts = f.ts;
			have_last = true;
		} else if (st == CODEC_JB_LOST) {
			r.lost++;
		} else {
			r.empty++;
		}
	}
	free(p);
	return r;
}

static struct codec_jb *
mk(uint16_t min, uint16_t max)
{
	struct codec_jb_cfg c;
	struct codec_jb *jb;

	codec_jb_cfg_default(&c, 48000, FT);
	c.min_frames = min;
	c.max_frames = max;
	assert_int_equal(codec_jb_create(&c, &jb), 0);
	return jb;
}

static void
test_in_order(void **state)
{
	struct codec_jb *jb = mk(2, 10);
	struct codec_jb_stats st;
	struct sim_res r;

	(void)state;
	r = simulate(jb, 500, 20000, 0, 0, 0, 1);
	codec_jb_stats(jb, &st);
	assert_int_equal(r.frames, 500);
	assert_int_equal(r.bad_order, 0);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.reordered, 0);
	assert_int_equal(st.jitter, 0);
	assert_int_equal(st.target, 2);
	assert_int_equal(st.ext_max_seq, 65500u + 499u); /* wrapped once: cycles counted */
	codec_jb_destroy(jb);
}

static void
test_reorder_jitter(void **state)
{
	struct codec_jb *jb = mk(2, 12);
	struct codec_jb_stats st;
	struct sim_res r;

	(void)state;
	/* 0-60 ms of uniform delay: packets overtake each other. */
	r = simulate(jb, 1500, 20000, 60000, 0, 0, 42);
	codec_jb_stats(jb, &st);
	printf("# reorder: frames=%u lost=%u late=%lu reordered=%lu jitter=%u target=%u\n",
	       r.frames, r.lost, (unsigned long)st.late, (unsigned long)st.reordered, st.jitter,
	       st.target);
	assert_true(st.reordered > 100);
	assert_int_equal(r.bad_order, 0);
	assert_true(st.jitter > 480 && st.jitter < 960); /* ~20 ms in 48 kHz units: 960 = 20ms */
	assert_true(st.target >= 4);
	/* Adapted: after the first second, late drops are rare. */
	assert_true(st.late < 30);
	assert_true(r.frames >= 1500 - 30 - st.shrunk);
	codec_jb_destroy(jb);
}

static void
test_loss_and_dup(void **state)
{
	struct codec_jb *jb = mk(2, 10);
	struct codec_jb_stats st;
	struct codec_jb_rr rr;
	struct sim_res r;

	(void)state;
	r = simulate(jb, 1000, 20000, 0, 100, 200, 9);
	codec_jb_stats(jb, &st);
	printf("# loss/dup: frames=%u lost=%u jb.lost=%lu dups=%lu\n", r.frames, r.lost,
	       (unsigned long)st.lost, (unsigned long)st.duplicates);
	/* Every unique packet played, except those dropped to shrink; trailing underruns concealed. */
	/* (leading and trailing losses are outside the RFC 3550 expected range) */
	assert_true(r.frames + st.shrunk + st.lost <= 1000);
	assert_true(r.frames + st.shrunk + st.lost >= 990);
	assert_int_equal(r.lost, st.concealed);
	assert_true(r.lost >= st.lost && r.lost <= st.lost + 10);
	assert_true(st.duplicates > 100);
	assert_int_equal(r.bad_order, 0);
	assert_true(st.lost > 60 && st.lost < 140);
	codec_jb_rr(jb, &rr);
	assert_int_equal(rr.cumulative_lost, (int32_t)st.lost - (int32_t)st.duplicates);
	assert_true(rr.fraction_lost <= 26);
	codec_jb_rr(jb, &rr);
	assert_int_equal(rr.fraction_lost, 0); /* nothing new since */
	codec_jb_destroy(jb);
}

static void
test_late_dup_explicit(void **state)
{
	struct codec_jb *jb = mk(2, 10);
	struct codec_jb_frame f;
	uint8_t pl[4] = {1, 2, 3, 4};
	struct codec_jb_stats st;

	(void)state;
	assert_int_equal(codec_jb_insert(jb, 10, 1000, pl, 4, 0), 0);
	assert_int_equal(codec_jb_insert(jb, 10, 1000, pl, 4, 10), -EALREADY);
	assert_int_equal(codec_jb_insert(jb, 11, 1000 + FT, pl, 4, 20000), 0);
	assert_int_equal(codec_jb_insert(jb, 12, 1000 + FT, pl, 0, 20000), -EMSGSIZE);
	assert_int_equal(codec_jb_pull(jb, &f), CODEC_JB_FRAME);
	assert_int_equal(f.seq, 10);
	assert_int_equal(codec_jb_pull(jb, &f), CODEC_JB_FRAME);
	assert_int_equal(codec_jb_insert(jb, 9, 1000 - FT, pl, 4, 40000), -ETIME);
	/* Gap at 12: LOST, with 13 offered for FEC. */
	assert_int_equal(codec_jb_insert(jb, 13, 1000 + 3 * FT, pl, 3, 60000), 0);
	assert_int_equal(codec_jb_pull(jb, &f), CODEC_JB_LOST);
	assert_non_null(f.next);
	assert_int_equal(f.next_len, 3);
	assert_int_equal(codec_jb_pull(jb, &f), CODEC_JB_FRAME);
	assert_int_equal(f.seq, 13);
	codec_jb_stats(jb, &st);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.dropped, 1);
	/* RFC 3550 A.3: seq 9 arrived (late) so nothing counts as lost; the gap was concealed. */
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.concealed, 1);
	codec_jb_destroy(jb);
}

/* DTX: contiguous sequence numbers, timestamp jump. Silence, not loss. */
static void
test_dtx_gap(void **state)
{
	struct codec_jb *jb = mk(2, 10);
	struct codec_jb_frame f;
	struct codec_jb_stats st;
	uint8_t pl[4] = {0};
	unsigned int frames = 0, empty = 0;
	uint64_t now = 0;

	(void)state;
	for (int i = 0; i < 200; i++, now += 20000) {
		/* Talk 0..49, silence 50..149 (no packets), talk 150..199; seq stays contiguous. */
		if (i < 50 || i >= 150)
			assert_int_equal(codec_jb_insert(jb, (uint16_t)(i < 50 ? i : i - 100),
							 (uint32_t)i * FT, pl, 4, now), 0);
		switch (codec_jb_pull(jb, &f)) {
		case CODEC_JB_FRAME:
			frames++;
			break;
		case CODEC_JB_EMPTY:
			empty++;
			break;
		default:
			break;
		}
	}
	codec_jb_stats(jb, &st);
	assert_int_equal(st.lost, 0);
	assert_true(frames >= 98);
	assert_true(empty > 80);
	assert_true(st.resyncs >= 1);
	codec_jb_destroy(jb);
}

/* Sender clock 1% fast or slow: the depth stays bounded via shrink/stretch. */
static void
test_clock_drift(void **state)
{
	struct codec_jb_stats st;
	struct codec_jb *jb;
	struct sim_res r;

	(void)state;
	jb = mk(3, 10);
	r = simulate(jb, 3000, 19800, 5000, 0, 0, 5); /* 1% fast */
	codec_jb_stats(jb, &st);
	printf("# fast sender: shrunk=%lu stretched=%lu max_depth=%u lost=%u\n",
	       (unsigned long)st.shrunk, (unsigned long)st.stretched, r.max_depth, r.lost);
	assert_true(st.shrunk >= 20 && st.shrunk <= 45);
	assert_true(r.max_depth <= st.target + 4);
	assert_int_equal(st.late, 0);
	codec_jb_destroy(jb);

	jb = mk(3, 10);
	r = simulate(jb, 3000, 20200, 5000, 0, 0, 6); /* 1% slow */
	codec_jb_stats(jb, &st);
	printf("# slow sender: shrunk=%lu stretched=%lu lost=%u\n", (unsigned long)st.shrunk,
	       (unsigned long)st.stretched, r.lost);
	assert_true(st.stretched >= 20 && st.stretched <= 45);
	assert_true(r.lost <= 5);
	codec_jb_destroy(jb);
}

static void
test_split_and_bounds(void **state)
{
	struct codec_jb_cfg c;
	struct codec_jb *jb;
	struct codec_jb_frame f;
	uint8_t pl[320];

	(void)state;
	codec_jb_cfg_default(&c, 8000, 160);
	c.split_bytes = 160;
	c.max_payload = 160;
	assert_int_equal(codec_jb_create(&c, &jb), 0);
	for (int i = 0; i < 320; i++)
		pl[i] = (uint8_t)(i / 160);
	/* One 40 ms G.711 packet = two frames. */
	assert_int_equal(codec_jb_insert(jb, 1, 0, pl, 320, 0), 0);
	assert_int_equal(codec_jb_pull(jb, &f), CODEC_JB_FRAME);
	assert_int_equal(f.len, 160);
	assert_int_equal(f.payload[0], 0);
	assert_int_equal(codec_jb_pull(jb, &f), CODEC_JB_FRAME);
	assert_int_equal(f.payload[0], 1);
	assert_int_equal(f.ts, 160);
	assert_int_equal(codec_jb_insert(jb, 2, 320, pl, 300, 0), -EMSGSIZE);
	/* A timestamp far ahead restarts the buffer instead of stalling it. */
	assert_int_equal(codec_jb_insert(jb, 3, 0x40000000u, pl, 160, 0), 0);
	/* Far behind: a stray is late; three in a row are a new timestamp base. */
	assert_int_equal(codec_jb_insert(jb, 4, 0x100, pl, 160, 0), -ETIME);
	assert_int_equal(codec_jb_insert(jb, 5, 0x100 + 160, pl, 160, 0), -ETIME);
	assert_int_equal(codec_jb_insert(jb, 6, 0x100 + 320, pl, 160, 0), 0);
	assert_int_equal(codec_jb_pull(jb, &f), CODEC_JB_EMPTY); /* buffering again */
	codec_jb_destroy(jb);
	c.slots = c.max_frames;
	assert_int_equal(codec_jb_create(&c, &jb), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_reorder_jitter),
		cmocka_unit_test(test_loss_and_dup),
		cmocka_unit_test(test_late_dup_explicit),
		cmocka_unit_test(test_dtx_gap),
		cmocka_unit_test(test_clock_drift),
		cmocka_unit_test(test_split_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
