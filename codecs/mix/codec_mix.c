/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_mix.c - speaker selection, mixes and encoder groups (codec_mix.h).
 *
 * Levels are smoothed in dB with a fast attack (1/2) and a slow release
 * (1/8) so a syllable gap does not unseat a talker; the seat hold-over covers
 * longer pauses. Sums are int32 per filter; rendering subtracts the listener's
 * own frame and saturates, so N-1 = (all - self) exactly, and nothing wraps.
 * Context: fast path of the conference's worker (no allocation after create).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec_mix.h"

struct mix_part {
	bool present;
	bool muted;
	bool lobby;       /* neither hears nor is heard: not counted, never seated */
	bool hosts_only;
	uint8_t bp;       /* enum codec_mix_bp: what it hears (filter_of()) and who hears it */
	uint8_t role;
	int16_t lvl_q8;   /* smoothed level, dBov * 256 */
	uint16_t seat;    /* CODEC_MIX_NONE when not seated */
};

struct mix_seat {
	uint16_t idx;     /* CODEC_MIX_NONE when free */
	uint16_t quiet;   /* ticks without speech */
	uint32_t age;     /* ticks seated */
};

/*
 * Invariants: seat[s].idx == i <=> part[i].seat == s; only present,
 * unmuted participants outside the lobby are seated; n_filter[f] counts
 * seated speakers in f; the listener counts leave lobby participants out.
 */
struct codec_mix {
	struct codec_mix_cfg cfg;
	struct mix_seat seat[CODEC_MIX_MAX_SPEAKERS];
	uint16_t n_filter[CODEC_MIX_FILTERS];
	uint16_t active;
	uint16_t challenger;
	uint16_t challenge_ticks;
	uint16_t n_present;
	uint16_t n_listen[CODEC_MIX_FILTERS]; /* present listeners per filter */
	bool filter_used[CODEC_MIX_FILTERS];
	struct mix_part *part; /* [max_participants], owned */
	int32_t acc[CODEC_MIX_FILTERS][CODEC_FRAME] __attribute__((aligned(64)));
};

void
codec_mix_cfg_default(struct codec_mix_cfg *cfg, uint16_t max_participants)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_participants = max_participants;
	cfg->speakers = 3;
	cfg->holdover_ticks = 25;
	cfg->threshold_dbov = -50;
	cfg->preempt_db = 6;
	cfg->active_hold_ticks = 25;
}

size_t
codec_mix_mem_size(const struct codec_mix_cfg *cfg)
{
	return sizeof(struct codec_mix) + (size_t)cfg->max_participants * sizeof(struct mix_part);
}

int
codec_mix_create(const struct codec_mix_cfg *cfg, struct codec_mix **out)
{
	struct codec_mix *m;

	if (cfg->max_participants == 0 || cfg->max_participants == CODEC_MIX_NONE ||
	    cfg->speakers == 0 || cfg->speakers > CODEC_MIX_MAX_SPEAKERS)
		return -EINVAL;
	m = aligned_alloc(64, (sizeof(*m) + 63) & ~(size_t)63);
	if (m == NULL)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	m->part = calloc(cfg->max_participants, sizeof(*m->part));
	if (m->part == NULL) {
		free(m);
		return -ENOMEM;
	}
	m->cfg = *cfg;
	for (unsigned int s = 0; s < CODEC_MIX_MAX_SPEAKERS; s++)
		m->seat[s].idx = CODEC_MIX_NONE;
	m->active = CODEC_MIX_NONE;
	m->challenger = CODEC_MIX_NONE;
	*out = m;
	return 0;
}

void
codec_mix_destroy(struct codec_mix *m)
{
	if (m == NULL)
		return;
	free(m->part);
	free(m);
}

/* The mix a participant hears. */
static inline unsigned int
filter_of(const struct mix_part *p)
{
	switch (p->bp) {
	case CODEC_MIX_BP_ANY:
		return CODEC_MIX_LOCAL;
	case CODEC_MIX_BP_LOCAL:
		return CODEC_MIX_BP_LOCAL_HEARS;
	case CODEC_MIX_BP_GEO:
		return CODEC_MIX_BP_GEO_HEARS;
	default:
		return p->hosts_only ? CODEC_MIX_HOSTS : CODEC_MIX_ALL;
	}
}

/* Is speaker @p p in mix @p f? */
static inline bool
in_filter_part(unsigned int f, const struct mix_part *p)
{
	switch (f) {
	case CODEC_MIX_HOSTS:
		return p->role == CODEC_ROLE_HOST;
	case CODEC_MIX_LOCAL:
		return p->bp == CODEC_MIX_BP_NONE;
	case CODEC_MIX_BP_LOCAL_HEARS:
		return p->bp == CODEC_MIX_BP_NONE || p->bp == CODEC_MIX_BP_GEO;
	case CODEC_MIX_BP_GEO_HEARS:
		return p->bp == CODEC_MIX_BP_NONE || p->bp == CODEC_MIX_BP_LOCAL;
	default:
		return true;
	}
}

static void
recount(struct codec_mix *m)
{
	memset(m->n_filter, 0, sizeof(m->n_filter));
	memset(m->n_listen, 0, sizeof(m->n_listen));
	m->n_present = 0;
	memset(m->filter_used, 0, sizeof(m->filter_used));
	for (uint16_t i = 0; i < m->cfg.max_participants; i++) {
		const struct mix_part *p = &m->part[i];

		if (!p->present || p->lobby)
			continue;
		m->n_present++;
		m->n_listen[filter_of(p)]++;
		m->filter_used[filter_of(p)] = true;
	}
	for (unsigned int s = 0; s < m->cfg.speakers; s++) {
		uint16_t i = m->seat[s].idx;

		if (i == CODEC_MIX_NONE)
			continue;
		for (unsigned int f = 0; f < CODEC_MIX_FILTERS; f++)
			m->n_filter[f] += in_filter_part(f, &m->part[i]);
	}
}

static void
unseat(struct codec_mix *m, uint16_t idx)
{
	uint16_t s = m->part[idx].seat;

	if (s == CODEC_MIX_NONE)
		return;
	m->seat[s].idx = CODEC_MIX_NONE;
	m->part[idx].seat = CODEC_MIX_NONE;
	if (m->active == idx)
		m->active = CODEC_MIX_NONE;
}

static struct mix_part *
get(struct codec_mix *m, uint16_t idx)
{
	if (idx >= m->cfg.max_participants || !m->part[idx].present)
		return NULL;
	return &m->part[idx];
}

int
codec_mix_part_add(struct codec_mix *m, uint16_t idx, enum codec_role role, bool hosts_only)
{
	struct mix_part *p;

	if (idx >= m->cfg.max_participants || (role != CODEC_ROLE_HOST && role != CODEC_ROLE_GUEST))
		return -EINVAL;
	p = &m->part[idx];
	if (p->present)
		return -EEXIST;
	memset(p, 0, sizeof(*p));
	p->present = true;
	p->role = (uint8_t)role;
	p->hosts_only = hosts_only;
	p->lvl_q8 = -127 * 256;
	p->seat = CODEC_MIX_NONE;
	recount(m);
	return 0;
}

int
codec_mix_part_del(struct codec_mix *m, uint16_t idx)
{
	struct mix_part *p = get(m, idx);

	if (p == NULL)
		return -ENOENT;
	unseat(m, idx);
	p->present = false;
	recount(m);
	return 0;
}

int
codec_mix_set_mute(struct codec_mix *m, uint16_t idx, bool muted)
{
	struct mix_part *p = get(m, idx);

	if (p == NULL)
		return -ENOENT;
	p->muted = muted;
	if (muted)
		unseat(m, idx);
	recount(m);
	return 0;
}

int
codec_mix_set_lobby(struct codec_mix *m, uint16_t idx, bool lobby)
{
	struct mix_part *p = get(m, idx);

	if (p == NULL)
		return -ENOENT;
	p->lobby = lobby;
	if (lobby)
		unseat(m, idx);
	recount(m);
	return 0;
}

int
codec_mix_set_role(struct codec_mix *m, uint16_t idx, enum codec_role role, bool hosts_only)
{
	struct mix_part *p = get(m, idx);

	if (p == NULL || (role != CODEC_ROLE_HOST && role != CODEC_ROLE_GUEST))
		return p == NULL ? -ENOENT : -EINVAL;
	if (hosts_only && p->bp != CODEC_MIX_BP_NONE)
		return -EINVAL;
	p->role = (uint8_t)role;
	p->hosts_only = hosts_only;
	recount(m);
	return 0;
}

int
codec_mix_set_backplane_group(struct codec_mix *m, uint16_t idx, enum codec_mix_bp group)
{
	struct mix_part *p = get(m, idx);

	if (p == NULL)
		return -ENOENT;
	if ((unsigned int)group > CODEC_MIX_BP_GEO || (group != CODEC_MIX_BP_NONE && p->hosts_only))
		return -EINVAL;
	p->bp = (uint8_t)group;
	recount(m);
	return 0;
}

int
codec_mix_set_backplane(struct codec_mix *m, uint16_t idx, bool backplane)
{
	return codec_mix_set_backplane_group(m, idx,
					     backplane ? CODEC_MIX_BP_ANY : CODEC_MIX_BP_NONE);
}

static inline bool
talking(const struct codec_mix *m, const struct mix_part *p)
{
	return p->lvl_q8 > m->cfg.threshold_dbov * 256;
}

/* Keep, age or free the seats; returns the first free seat or NONE. */
static void
age_seats(struct codec_mix *m)
{
	for (unsigned int s = 0; s < m->cfg.speakers; s++) {
		struct mix_seat *st = &m->seat[s];

		if (st->idx == CODEC_MIX_NONE)
			continue;
		st->age++;
		if (talking(m, &m->part[st->idx])) {
			st->quiet = 0;
		} else if (++st->quiet >= m->cfg.holdover_ticks) {
			unseat(m, st->idx);
		}
	}
}

/* Seat @p idx: a free seat, else preempt the weakest long-held seat if louder by preempt_db. */
static void
try_seat(struct codec_mix *m, uint16_t idx)
{
	int weak = -1;
	int16_t weak_lvl = INT16_MAX;

	for (unsigned int s = 0; s < m->cfg.speakers; s++) {
		const struct mix_seat *st = &m->seat[s];

		if (st->idx == CODEC_MIX_NONE) {
			weak = (int)s;
			weak_lvl = INT16_MIN;
			break;
		}
		if (st->age >= m->cfg.holdover_ticks && m->part[st->idx].lvl_q8 < weak_lvl) {
			weak = (int)s;
			weak_lvl = m->part[st->idx].lvl_q8;
		}
	}
	if (weak < 0)
		return;
	if (weak_lvl != INT16_MIN) {
		if (m->part[idx].lvl_q8 < weak_lvl + m->cfg.preempt_db * 256)
			return;
		unseat(m, m->seat[weak].idx);
	}
	m->seat[weak].idx = idx;
	m->seat[weak].quiet = 0;
	m->seat[weak].age = 0;
	m->part[idx].seat = (uint16_t)weak;
}

static void
update_active(struct codec_mix *m)
{
	uint16_t loud = CODEC_MIX_NONE;

	for (unsigned int s = 0; s < m->cfg.speakers; s++) {
		uint16_t i = m->seat[s].idx;

		if (i != CODEC_MIX_NONE && talking(m, &m->part[i]) &&
		    (loud == CODEC_MIX_NONE || m->part[i].lvl_q8 > m->part[loud].lvl_q8))
			loud = i;
	}
	if (m->active == CODEC_MIX_NONE || m->part[m->active].seat == CODEC_MIX_NONE) {
		m->active = loud;
		m->challenge_ticks = 0;
		return;
	}
	if (loud == CODEC_MIX_NONE || loud == m->active) {
		m->challenge_ticks = 0;
		return;
	}
	if (loud != m->challenger) {
		m->challenger = loud;
		m->challenge_ticks = 0;
	}
	/* Switch when the challenger stayed louder for active_hold_ticks, or the active one went quiet. */
	if (++m->challenge_ticks >= m->cfg.active_hold_ticks || !talking(m, &m->part[m->active])) {
		m->active = loud;
		m->challenge_ticks = 0;
	}
}

uint16_t
codec_mix_update(struct codec_mix *m, const int8_t *level)
{
	uint16_t seated = 0;

	for (uint16_t i = 0; i < m->cfg.max_participants; i++) {
		struct mix_part *p = &m->part[i];
		int32_t l, d;

		if (!p->present)
			continue;
		l = (p->muted || p->lobby ? -127 : level[i]) * 256;
		d = l - p->lvl_q8;
		p->lvl_q8 = (int16_t)(p->lvl_q8 + (d > 0 ? d / 2 : d / 8));
	}
	age_seats(m);
	/* Challengers, loudest first: K is small, so K passes of a max search. */
	for (unsigned int k = 0; k < m->cfg.speakers; k++) {
		uint16_t best = CODEC_MIX_NONE;

		for (uint16_t i = 0; i < m->cfg.max_participants; i++) {
			const struct mix_part *p = &m->part[i];

			if (!p->present || p->muted || p->lobby || p->seat != CODEC_MIX_NONE ||
			    !talking(m, p))
				continue;
			if (best == CODEC_MIX_NONE || p->lvl_q8 > m->part[best].lvl_q8)
				best = i;
		}
		if (best == CODEC_MIX_NONE)
			break;
		try_seat(m, best);
		if (m->part[best].seat == CODEC_MIX_NONE)
			break; /* the loudest challenger failed: quieter ones will too */
	}
	update_active(m);
	recount(m);
	for (unsigned int s = 0; s < m->cfg.speakers; s++)
		seated += m->seat[s].idx != CODEC_MIX_NONE;
	return seated;
}

uint16_t
codec_mix_seat(const struct codec_mix *m, uint16_t seat)
{
	return seat < m->cfg.speakers ? m->seat[seat].idx : CODEC_MIX_NONE;
}

uint16_t
codec_mix_seat_of(const struct codec_mix *m, uint16_t idx)
{
	return idx < m->cfg.max_participants && m->part[idx].present ? m->part[idx].seat
								       : CODEC_MIX_NONE;
}

bool
codec_mix_is_audible(const struct codec_mix *m, uint16_t idx)
{
	const struct mix_part *p;

	if (idx >= m->cfg.max_participants)
		return false;
	p = &m->part[idx];
	if (!p->present || p->muted || p->lobby)
		return false;
	/* Heard when some other present listener's mix has it in. */
	for (unsigned int f = 0; f < CODEC_MIX_FILTERS; f++)
		if (in_filter_part(f, p) && m->n_listen[f] - (filter_of(p) == f) > 0)
			return true;
	return false;
}

static inline bool
in_filter(const struct codec_mix *m, unsigned int f, uint16_t idx)
{
	return in_filter_part(f, &m->part[idx]);
}

struct codec_mix_key
codec_mix_listener_key(const struct codec_mix *m, uint16_t idx)
{
	struct codec_mix_key k = {CODEC_MIX_ALL, CODEC_MIX_NONE};
	const struct mix_part *p = &m->part[idx];

	k.filter = (uint8_t)filter_of(p);
	if (p->seat != CODEC_MIX_NONE && in_filter(m, k.filter, idx))
		k.excl_seat = p->seat;
	return k;
}

uint16_t
codec_mix_key_sources(const struct codec_mix *m, struct codec_mix_key key)
{
	return (uint16_t)(m->n_filter[key.filter] - (key.excl_seat != CODEC_MIX_NONE));
}

void
codec_mix_accumulate(struct codec_mix *m, const int16_t *const *frames)
{
	for (unsigned int f = 0; f < CODEC_MIX_FILTERS; f++) {
		int32_t *acc = m->acc[f];

		if (!m->filter_used[f] || m->n_filter[f] == 0)
			continue;
		memset(acc, 0, sizeof(m->acc[f]));
		for (unsigned int s = 0; s < m->cfg.speakers; s++) {
			uint16_t i = m->seat[s].idx;
			const int16_t *x;

			if (i == CODEC_MIX_NONE || !in_filter(m, f, i) || (x = frames[i]) == NULL)
				continue;
			for (unsigned int n = 0; n < CODEC_FRAME; n++)
				acc[n] += x[n];
		}
	}
}

static inline int16_t
sat16(int32_t v)
{
	return (int16_t)(v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : v));
}

uint16_t
codec_mix_render(const struct codec_mix *m, struct codec_mix_key key,
		 const int16_t *const *frames, int16_t *out)
{
	uint16_t src = codec_mix_key_sources(m, key);
	const int32_t *acc = m->acc[key.filter];
	const int16_t *own = NULL;

	if (src == 0 || !m->filter_used[key.filter]) {
		memset(out, 0, CODEC_FRAME * sizeof(*out));
		return 0;
	}
	if (key.excl_seat != CODEC_MIX_NONE)
		own = frames[m->seat[key.excl_seat].idx];
	if (own != NULL) {
		for (unsigned int n = 0; n < CODEC_FRAME; n++)
			out[n] = sat16(acc[n] - own[n]);
	} else {
		for (unsigned int n = 0; n < CODEC_FRAME; n++)
			out[n] = sat16(acc[n]);
	}
	return src;
}

uint16_t
codec_mix_groups(const struct codec_mix *m, const uint16_t *enc_class,
		 struct codec_mix_group *groups, uint16_t cap, uint16_t *members)
{
	/* slot = (class * filters + filter) * (K + 1) + (excl_seat + 1) */
	enum { NSLOT = CODEC_MIX_MAX_CLASSES * CODEC_MIX_FILTERS * (CODEC_MIX_MAX_SPEAKERS + 1) };
	uint16_t gi[NSLOT];
	uint16_t ng = 0, pos = 0, k1 = (uint16_t)(m->cfg.speakers + 1);

	memset(gi, 0xff, sizeof(gi));
	/* Pass 1: count members per group. */
	for (uint16_t i = 0; i < m->cfg.max_participants; i++) {
		struct codec_mix_key key;
		uint32_t slot;

		if (!m->part[i].present || m->part[i].lobby || enc_class[i] >= CODEC_MIX_MAX_CLASSES)
			continue;
		key = codec_mix_listener_key(m, i);
		slot = ((uint32_t)enc_class[i] * CODEC_MIX_FILTERS + key.filter) * k1 +
		       (key.excl_seat == CODEC_MIX_NONE ? 0 : key.excl_seat + 1u);
		if (gi[slot] == 0xffff) {
			if (ng == cap)
				continue;
			gi[slot] = ng;
			groups[ng].key = key;
			groups[ng].enc_class = enc_class[i];
			groups[ng].sources = codec_mix_key_sources(m, key);
			groups[ng].count = 0;
			ng++;
		}
		groups[gi[slot]].count++;
	}
	for (uint16_t g = 0; g < ng; g++) {
		groups[g].first = pos;
		pos = (uint16_t)(pos + groups[g].count);
		groups[g].count = 0;
	}
	/* Pass 2: place members. */
	for (uint16_t i = 0; i < m->cfg.max_participants; i++) {
		struct codec_mix_key key;
		uint32_t slot;
		struct codec_mix_group *g;

		if (!m->part[i].present || m->part[i].lobby || enc_class[i] >= CODEC_MIX_MAX_CLASSES)
			continue;
		key = codec_mix_listener_key(m, i);
		slot = ((uint32_t)enc_class[i] * CODEC_MIX_FILTERS + key.filter) * k1 +
		       (key.excl_seat == CODEC_MIX_NONE ? 0 : key.excl_seat + 1u);
		if (gi[slot] == 0xffff)
			continue;
		g = &groups[gi[slot]];
		members[g->first + g->count++] = i;
	}
	return ng;
}

uint16_t
codec_mix_active_speaker(const struct codec_mix *m)
{
	return m->active;
}

int
codec_mix_level_dbov(const struct codec_mix *m, uint16_t idx)
{
	if (idx >= m->cfg.max_participants || !m->part[idx].present)
		return -127;
	return m->part[idx].lvl_q8 / 256;
}

void
codec_mix_add_sat(int16_t *dst, const int16_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = sat16((int32_t)dst[i] + src[i]);
}
