/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_codec_mix.c - mixer (codec_mix.h): saturation without wrap, N-1
 * excludes self, top-K with hold-over and no flapping, mute, host/guest
 * roles, encoder groups, active speaker.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codec_mix.h"

#define NP 8

static int16_t frame[NP][CODEC_FRAME];
static const int16_t *frames[NP];
static int8_t level[NP];

static struct codec_mix *
mk(uint8_t k)
{
	struct codec_mix_cfg c;
	struct codec_mix *m;

	codec_mix_cfg_default(&c, NP);
	c.speakers = k;
	assert_int_equal(codec_mix_create(&c, &m), 0);
	for (int i = 0; i < NP; i++) {
		frames[i] = frame[i];
		level[i] = -127;
		for (int n = 0; n < CODEC_FRAME; n++)
			frame[i][n] = (int16_t)(100 << i); /* distinct bit per participant */
	}
	return m;
}

static void
tick(struct codec_mix *m, int n)
{
	while (n-- > 0)
		codec_mix_update(m, level);
}

static int16_t
heard(struct codec_mix *m, uint16_t idx)
{
	int16_t out[CODEC_FRAME];

	codec_mix_accumulate(m, frames);
	codec_mix_render(m, codec_mix_listener_key(m, idx), frames, out);
	return out[17];
}

static void
test_n_minus_1_and_shared(void **state)
{
	struct codec_mix *m = mk(3);

	(void)state;
	for (int i = 0; i < 5; i++)
		assert_int_equal(codec_mix_part_add(m, (uint16_t)i, CODEC_ROLE_HOST, false), 0);
	assert_int_equal(codec_mix_part_add(m, 1, CODEC_ROLE_HOST, false), -EEXIST);
	assert_int_equal(codec_mix_part_add(m, NP, CODEC_ROLE_HOST, false), -EINVAL);
	level[0] = -20;
	level[1] = -22;
	level[2] = -24;
	tick(m, 3);
	/* Speakers 0,1,2 (100, 200, 400): each hears the other two; 3 and 4 hear all three. */
	assert_int_equal(heard(m, 0), 600);
	assert_int_equal(heard(m, 1), 500);
	assert_int_equal(heard(m, 2), 300);
	assert_int_equal(heard(m, 3), 700);
	assert_int_equal(heard(m, 4), 700);
	codec_mix_destroy(m);
}

static void
test_saturation(void **state)
{
	struct codec_mix *m = mk(3);
	int16_t out[CODEC_FRAME], d[CODEC_FRAME];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(codec_mix_part_add(m, (uint16_t)i, CODEC_ROLE_HOST, false), 0);
	for (int n = 0; n < CODEC_FRAME; n++) {
		frame[0][n] = frame[1][n] = frame[2][n] = (int16_t)(n % 2 ? 30000 : -30000);
		frame[2][n] = (int16_t)(n % 2 ? 32767 : -32768);
	}
	level[0] = level[1] = level[2] = -3;
	tick(m, 2);
	codec_mix_accumulate(m, frames);
	codec_mix_render(m, codec_mix_listener_key(m, 3), frames, out);
	assert_int_equal(out[1], 32767);
	assert_int_equal(out[0], -32768);
	/* N-1 of a speaker: (all - self) then saturate: 30000 + 32767 clips, never wraps. */
	codec_mix_render(m, codec_mix_listener_key(m, 0), frames, out);
	assert_int_equal(out[1], 32767);
	assert_int_equal(out[0], -32768);
	for (int n = 0; n < CODEC_FRAME; n++)
		d[n] = 20000;
	memcpy(out, d, sizeof(out));
	codec_mix_add_sat(out, d, CODEC_FRAME);
	assert_int_equal(out[5], 32767);
	codec_mix_destroy(m);
}

static void
test_top_k_holdover(void **state)
{
	struct codec_mix *m = mk(3);
	uint16_t changes = 0, prev[3];

	(void)state;
	for (int i = 0; i < 6; i++)
		assert_int_equal(codec_mix_part_add(m, (uint16_t)i, CODEC_ROLE_HOST, false), 0);
	for (int i = 0; i < 6; i++)
		level[i] = (int8_t)(-20 - 2 * i); /* 0 loudest ... 5 quietest */
	tick(m, 5);
	for (uint16_t s = 0; s < 3; s++)
		assert_true(codec_mix_seat(m, s) <= 2);
	assert_int_equal(codec_mix_seat_of(m, 3), CODEC_MIX_NONE);
	/* 2 and 3 trade places by 1-4 dB every few ticks: no flapping. */
	for (uint16_t s = 0; s < 3; s++)
		prev[s] = codec_mix_seat(m, s);
	for (int t = 0; t < 200; t++) {
		level[2] = (int8_t)((t / 7) % 2 ? -23 : -27);
		level[3] = (int8_t)((t / 7) % 2 ? -27 : -23);
		tick(m, 1);
		for (uint16_t s = 0; s < 3; s++) {
			changes += codec_mix_seat(m, s) != prev[s];
			prev[s] = codec_mix_seat(m, s);
		}
	}
	assert_int_equal(changes, 0);
	/* 1 pauses with nobody waiting: it keeps its seat through the hold-over, then frees it. */
	level[1] = level[3] = level[4] = level[5] = -127;
	level[2] = -24;
	tick(m, 10);
	assert_int_not_equal(codec_mix_seat_of(m, 1), CODEC_MIX_NONE);
	tick(m, 25);
	assert_int_equal(codec_mix_seat_of(m, 1), CODEC_MIX_NONE);
	level[3] = -26;
	tick(m, 3); /* fast attack: above the threshold within 3 ticks */
	assert_int_not_equal(codec_mix_seat_of(m, 3), CODEC_MIX_NONE);
	/* A talker waiting for a seat takes it from a paused speaker at once (not heard late). */
	level[2] = -127;
	tick(m, 5);
	level[4] = -30;
	tick(m, 3);
	assert_int_not_equal(codec_mix_seat_of(m, 4), CODEC_MIX_NONE);
	assert_int_equal(codec_mix_seat_of(m, 2), CODEC_MIX_NONE);
	/* A much louder newcomer (>= 6 dB over the weakest seat held past the hold-over) gets in. */
	assert_int_equal(codec_mix_active_speaker(m), 0);
	level[5] = -5;
	tick(m, 30);
	assert_int_not_equal(codec_mix_seat_of(m, 5), CODEC_MIX_NONE);
	tick(m, 30);
	assert_int_equal(codec_mix_active_speaker(m), 5);
	assert_true(codec_mix_level_dbov(m, 5) >= -6);
	codec_mix_destroy(m);
}

static void
test_mute(void **state)
{
	struct codec_mix *m = mk(3);

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(codec_mix_part_add(m, (uint16_t)i, CODEC_ROLE_HOST, false), 0);
	level[0] = level[1] = -20;
	tick(m, 2);
	assert_int_equal(heard(m, 2), 300);
	assert_int_equal(codec_mix_set_mute(m, 0, true), 0);
	assert_int_equal(codec_mix_seat_of(m, 0), CODEC_MIX_NONE);
	tick(m, 2);
	assert_int_equal(heard(m, 2), 200);
	assert_int_equal(heard(m, 0), 200); /* a muted participant still hears */
	assert_false(codec_mix_is_audible(m, 0));
	assert_int_equal(codec_mix_set_mute(m, 0, false), 0);
	tick(m, 2);
	assert_int_equal(heard(m, 2), 300);
	assert_int_equal(codec_mix_set_mute(m, 7, true), -ENOENT);
	codec_mix_destroy(m);
}

static void
test_roles(void **state)
{
	struct codec_mix *m = mk(3);

	(void)state;
	/* Auditorium: 0 host, 1 and 2 guests restricted to hosts, 3 unrestricted guest. */
	assert_int_equal(codec_mix_part_add(m, 0, CODEC_ROLE_HOST, false), 0);
	assert_int_equal(codec_mix_part_add(m, 1, CODEC_ROLE_GUEST, true), 0);
	assert_int_equal(codec_mix_part_add(m, 2, CODEC_ROLE_GUEST, true), 0);
	assert_int_equal(codec_mix_part_add(m, 3, CODEC_ROLE_GUEST, false), 0);
	level[0] = level[1] = level[2] = -20;
	tick(m, 2);
	assert_int_equal(heard(m, 1), 100);  /* guest: the host only */
	assert_int_equal(heard(m, 2), 100);
	assert_int_equal(heard(m, 0), 600);  /* host: everyone else */
	assert_int_equal(heard(m, 3), 700);
	/* Two guests alone with restrictions: a guest with no unrestricted listener is not audible. */
	assert_true(codec_mix_is_audible(m, 1)); /* 0 and 3 hear everyone */
	assert_int_equal(codec_mix_part_del(m, 0), 0);
	assert_int_equal(codec_mix_part_del(m, 3), 0);
	assert_false(codec_mix_is_audible(m, 1));
	assert_int_equal(codec_mix_part_del(m, 3), -ENOENT);
	codec_mix_destroy(m);
}

/*
 * Three nodes in a mesh, seen from one of them: 0 and 1 are local callers,
 * 2 and 3 the backplanes from the two other nodes. A backplane hears the
 * local callers only (what it forwards must not come back to the mesh); the
 * callers hear everyone.
 */
static void
test_backplane(void **state)
{
	struct codec_mix *m = mk(4);

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(codec_mix_part_add(m, (uint16_t)i, CODEC_ROLE_HOST, false), 0);
	assert_int_equal(codec_mix_set_backplane(m, 2, true), 0);
	assert_int_equal(codec_mix_set_backplane(m, 3, true), 0);
	assert_int_equal(codec_mix_set_backplane(m, 5, true), -ENOENT);
	level[0] = level[1] = level[2] = level[3] = -20;
	tick(m, 2);
	assert_int_equal(heard(m, 0), 200 + 400 + 800); /* N-1: everyone else */
	assert_int_equal(heard(m, 1), 100 + 400 + 800);
	assert_int_equal(heard(m, 2), 100 + 200);       /* the local callers, not backplane 3 */
	assert_int_equal(heard(m, 3), 100 + 200);
	assert_int_equal(codec_mix_listener_key(m, 2).filter, CODEC_MIX_LOCAL);
	assert_int_equal(codec_mix_listener_key(m, 2).excl_seat, CODEC_MIX_NONE);
	assert_int_equal(codec_mix_key_sources(m, codec_mix_listener_key(m, 2)), 2);
	assert_true(codec_mix_is_audible(m, 2));
	/* Without local callers the backplanes hear silence and nobody hears them. */
	assert_int_equal(codec_mix_part_del(m, 0), 0);
	assert_int_equal(codec_mix_part_del(m, 1), 0);
	tick(m, 1);
	assert_int_equal(heard(m, 2), 0);
	assert_false(codec_mix_is_audible(m, 2));
	assert_false(codec_mix_is_audible(m, 3));
	/* A hosts_only guest is not a backplane, and the other way round. */
	assert_int_equal(codec_mix_part_add(m, 4, CODEC_ROLE_GUEST, true), 0);
	assert_int_equal(codec_mix_set_backplane(m, 4, true), -EINVAL);
	assert_int_equal(codec_mix_set_role(m, 2, CODEC_ROLE_HOST, true), -EINVAL);
	/* A host backplane is heard by a hosts_only guest; a guest backplane is not. */
	assert_true(codec_mix_is_audible(m, 2));
	assert_int_equal(codec_mix_set_role(m, 2, CODEC_ROLE_GUEST, false), 0);
	assert_int_equal(codec_mix_set_role(m, 3, CODEC_ROLE_GUEST, false), 0);
	assert_false(codec_mix_is_audible(m, 2));
	/* Back to an ordinary participant: it hears everyone again. */
	assert_int_equal(codec_mix_set_backplane(m, 2, false), 0);
	assert_true(codec_mix_is_audible(m, 3));
	codec_mix_destroy(m);
}

/*
 * The proxying node of a location, for one conference: 0 and 1 are its own
 * callers, 2 and 3 local backplanes (other nodes of its location), 4 and 5
 * geo backplanes (the proxies of two other locations), 6 a backplane of the
 * plain kind. A local backplane carries the callers and what came from the
 * other locations; a geo backplane the callers and what came from the
 * location's other nodes; neither carries its own group, so nothing comes
 * back where it came from.
 */
static void
test_backplane_groups(void **state)
{
	struct codec_mix *m = mk(8);

	(void)state;
	for (int i = 0; i < 7; i++)
		assert_int_equal(codec_mix_part_add(m, (uint16_t)i, CODEC_ROLE_HOST, false), 0);
	assert_int_equal(codec_mix_set_backplane_group(m, 2, CODEC_MIX_BP_LOCAL), 0);
	assert_int_equal(codec_mix_set_backplane_group(m, 3, CODEC_MIX_BP_LOCAL), 0);
	assert_int_equal(codec_mix_set_backplane_group(m, 4, CODEC_MIX_BP_GEO), 0);
	assert_int_equal(codec_mix_set_backplane_group(m, 5, CODEC_MIX_BP_GEO), 0);
	assert_int_equal(codec_mix_set_backplane_group(m, 6, CODEC_MIX_BP_ANY), 0);
	assert_int_equal(codec_mix_set_backplane_group(m, 7, CODEC_MIX_BP_GEO), -ENOENT);
	assert_int_equal(codec_mix_set_backplane_group(m, 1, (enum codec_mix_bp)9), -EINVAL);
	for (int i = 0; i < 7; i++)
		level[i] = -20;
	tick(m, 2);
	assert_int_equal(heard(m, 0), 200 + 400 + 800 + 1600 + 3200 + 6400);
	assert_int_equal(heard(m, 2), 100 + 200 + 1600 + 3200); /* callers + geo */
	assert_int_equal(heard(m, 3), 100 + 200 + 1600 + 3200);
	assert_int_equal(heard(m, 4), 100 + 200 + 400 + 800);   /* callers + local */
	assert_int_equal(heard(m, 5), 100 + 200 + 400 + 800);
	assert_int_equal(heard(m, 6), 100 + 200);               /* the plain kind: callers */
	assert_int_equal(codec_mix_listener_key(m, 2).filter, CODEC_MIX_BP_LOCAL_HEARS);
	assert_int_equal(codec_mix_listener_key(m, 2).excl_seat, CODEC_MIX_NONE);
	assert_int_equal(codec_mix_listener_key(m, 4).filter, CODEC_MIX_BP_GEO_HEARS);
	assert_int_equal(codec_mix_key_sources(m, codec_mix_listener_key(m, 4)), 4);
	/* Without callers: the local backplanes are heard by the geo ones only. */
	assert_int_equal(codec_mix_part_del(m, 0), 0);
	assert_int_equal(codec_mix_part_del(m, 1), 0);
	assert_int_equal(codec_mix_part_del(m, 6), 0);
	tick(m, 1);
	assert_true(codec_mix_is_audible(m, 2));
	assert_int_equal(heard(m, 4), 400 + 800);
	assert_int_equal(codec_mix_part_del(m, 4), 0);
	assert_int_equal(codec_mix_part_del(m, 5), 0);
	tick(m, 1);
	assert_false(codec_mix_is_audible(m, 2)); /* only its own group is left */
	assert_int_equal(heard(m, 2), 0);
	/* A backplane of any group cannot be hosts_only; back to a participant. */
	assert_int_equal(codec_mix_set_role(m, 2, CODEC_ROLE_HOST, true), -EINVAL);
	assert_int_equal(codec_mix_set_backplane_group(m, 2, CODEC_MIX_BP_NONE), 0);
	tick(m, 1);
	assert_true(codec_mix_is_audible(m, 3));
	assert_int_equal(heard(m, 3), 400);
	codec_mix_destroy(m);
}

static void
test_groups(void **state)
{
	struct codec_mix *m = mk(3);
	uint16_t cls[NP] = {0, 0, 1, 0, 0, 1, 1, 0};
	struct codec_mix_group g[32];
	uint16_t mem[NP], ng, seen = 0;
	unsigned int shared = 0;

	(void)state;
	for (int i = 0; i < NP; i++)
		assert_int_equal(codec_mix_part_add(m, (uint16_t)i, CODEC_ROLE_HOST, false), 0);
	level[0] = level[1] = level[2] = -20;
	tick(m, 2);
	ng = codec_mix_groups(m, cls, g, 32, mem);
	/* 3 N-1 groups (one per speaker) + shared mix for class 0 and for class 1. */
	assert_int_equal(ng, 5);
	for (uint16_t k = 0; k < ng; k++) {
		seen += g[k].count;
		if (g[k].key.excl_seat == CODEC_MIX_NONE) {
			shared++;
			assert_int_equal(g[k].sources, 3);
			assert_int_equal(g[k].count, g[k].enc_class == 0 ? 3 : 2);
			for (uint16_t j = 0; j < g[k].count; j++)
				assert_int_equal(cls[mem[g[k].first + j]], g[k].enc_class);
		} else {
			assert_int_equal(g[k].count, 1);
			assert_int_equal(g[k].sources, 2);
			assert_int_equal(codec_mix_seat_of(m, mem[g[k].first]), g[k].key.excl_seat);
		}
	}
	assert_int_equal(shared, 2);
	assert_int_equal(seen, NP);
	/* Nobody talks: one silent group per class, no N-1 groups. */
	level[0] = level[1] = level[2] = -127;
	tick(m, 40);
	ng = codec_mix_groups(m, cls, g, 32, mem);
	assert_int_equal(ng, 2);
	assert_int_equal(g[0].sources, 0);
	codec_mix_destroy(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_n_minus_1_and_shared),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_top_k_holdover),
		cmocka_unit_test(test_mute),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_backplane),
		cmocka_unit_test(test_backplane_groups),
		cmocka_unit_test(test_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
