/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_mix.h - conference audio mixer: top-K speaker selection with
 * hold-over, shared and N-1 mixes, roles, mute, encoder-sharing groups and
 * level-based active speaker detection.
 *
 * Participants are small integer indexes (0..max_participants-1) chosen by the
 * caller. Each tick the caller gives every participant's level (dBov, -127 =
 * no audio) to codec_mix_update(), which seats up to K speakers. A seated
 * speaker keeps its seat index while seated, so an encoder tied to a seat keeps
 * its history. A seat is released after holdover_ticks without speech; a
 * talking speaker loses it only to a challenger preempt_db louder (smoothed),
 * and only after holding it holdover_ticks: the choice does not flap.
 *
 * What a listener hears is a mix key: a filter (everyone, or hosts only for
 * auditorium guests) and the seat it must not hear (its own, when seated).
 * Everyone with the same key hears the same samples: the non-speakers share
 * one mix per filter; each seated speaker gets its N-1 mix. Mixing sums int32
 * per filter once, then each key is acc - own, saturated to int16 (no wrap).
 * codec_mix_groups() folds listeners with the same key and encoder class into
 * groups: one encode per group.
 *
 * Context: fast path (the conference's worker) for update/accumulate/render/
 * groups; create/destroy/part_* on the control path or between ticks on the
 * worker. Not thread-safe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"

/** Largest K. */
#define CODEC_MIX_MAX_SPEAKERS 8
/** Largest number of encoder classes codec_mix_groups() distinguishes. */
#define CODEC_MIX_MAX_CLASSES 16
/** No participant / no seat. */
#define CODEC_MIX_NONE 0xffff

enum codec_role {
	CODEC_ROLE_HOST = 0,  /**< heard by everyone; hears everyone */
	CODEC_ROLE_GUEST,     /**< heard by hosts and unrestricted guests */
};

enum codec_mix_filter {
	CODEC_MIX_ALL = 0,   /**< every seated speaker */
	CODEC_MIX_HOSTS,     /**< seated speakers with CODEC_ROLE_HOST */
	CODEC_MIX_LOCAL,     /**< seated speakers that are not backplanes */
	CODEC_MIX_BP_LOCAL_HEARS, /**< what a local backplane hears: all but local backplanes */
	CODEC_MIX_BP_GEO_HEARS,   /**< what a geo backplane hears: all but geo backplanes */
	CODEC_MIX_FILTERS,
};

/**
 * Backplane kinds (codec_mix_set_backplane_group()). A proxying node of a
 * location carries both: local backplanes to the other nodes of its
 * location and geo backplanes to the proxies of other locations. Each
 * group hears the participants and the other group, never its own, so
 * what comes in on one backplane goes out on the others of the other
 * group only: a location's audio crosses to another location once,
 * through the proxies, and never comes back.
 */
enum codec_mix_bp {
	CODEC_MIX_BP_NONE = 0, /**< not a backplane */
	CODEC_MIX_BP_ANY,      /**< a backplane that hears no backplane (one mesh of nodes) */
	CODEC_MIX_BP_LOCAL,    /**< hears participants and geo backplanes */
	CODEC_MIX_BP_GEO,      /**< hears participants and local backplanes */
};

struct codec_mix_cfg {
	uint16_t max_participants;
	uint8_t speakers;          /**< K, default 3, at most CODEC_MIX_MAX_SPEAKERS */
	uint16_t holdover_ticks;   /**< default 25 (500 ms) */
	int8_t threshold_dbov;     /**< speech above this level, default -50 */
	uint8_t preempt_db;        /**< default 6 */
	uint16_t active_hold_ticks;/**< active speaker switch delay, default 25 */
};

/** A mix: filter and excluded seat (CODEC_MIX_NONE = nobody excluded). */
struct codec_mix_key {
	uint8_t filter;
	uint16_t excl_seat;
};

/** One encode: listeners with the same key and encoder class. */
struct codec_mix_group {
	struct codec_mix_key key;
	uint16_t enc_class;
	uint16_t sources; /**< speakers audible in this mix; 0 = silence */
	uint16_t first;   /**< index of the first member in the members array */
	uint16_t count;
};

struct codec_mix;

void codec_mix_cfg_default(struct codec_mix_cfg *cfg, uint16_t max_participants);

/**
 * @return 0, -EINVAL (no participants, K = 0 or > CODEC_MIX_MAX_SPEAKERS), -ENOMEM
 * Context: control path. Ownership: returns owned, free with codec_mix_destroy().
 */
int codec_mix_create(const struct codec_mix_cfg *cfg, struct codec_mix **out);
void codec_mix_destroy(struct codec_mix *m);
/** Bytes allocated for a mixer of this configuration. */
size_t codec_mix_mem_size(const struct codec_mix_cfg *cfg);

/**
 * Add participant @p idx. @p hosts_only: hears only hosts (auditorium guest).
 * @return 0, -EINVAL (index out of range), -EEXIST
 */
int codec_mix_part_add(struct codec_mix *m, uint16_t idx, enum codec_role role, bool hosts_only);
/** Remove; its seat is freed. @return 0, -ENOENT */
int codec_mix_part_del(struct codec_mix *m, uint16_t idx);
/** Mute or unmute; a muted participant is unseated at once and never mixed. @return 0, -ENOENT */
int codec_mix_set_mute(struct codec_mix *m, uint16_t idx, bool muted);
/**
 * Put @p idx in the lobby or take it out. A lobby participant neither hears
 * the conference nor is heard: it is unseated, never seated, left out of
 * the groups and of the listener counts (so nobody is decoded for it alone).
 * @return 0, -ENOENT
 */
int codec_mix_set_lobby(struct codec_mix *m, uint16_t idx, bool lobby);
/** Change role and listening restriction. @return 0, -ENOENT, -EINVAL */
int codec_mix_set_role(struct codec_mix *m, uint16_t idx, enum codec_role role, bool hosts_only);
/**
 * Mark @p idx as a backplane (the link to this conference on another node):
 * everyone hears it, and it hears only participants that are not
 * backplanes (filter CODEC_MIX_LOCAL). With three or more nodes joined by a
 * mesh of backplanes this keeps a node's audio from coming back to it
 * through a third node. A backplane cannot be hosts_only.
 * Same as codec_mix_set_backplane_group() with CODEC_MIX_BP_ANY or _NONE.
 * @return 0, -ENOENT, -EINVAL (hosts_only participant)
 */
int codec_mix_set_backplane(struct codec_mix *m, uint16_t idx, bool backplane);

/**
 * Make @p idx a backplane of group @p group (enum codec_mix_bp), or none.
 * Everyone but backplanes of the same group (and CODEC_MIX_BP_ANY ones,
 * which belong to every group) hears it; it hears the participants that
 * are not backplanes, plus, for a local backplane, the geo backplanes and,
 * for a geo backplane, the local ones.
 * @return 0, -ENOENT, -EINVAL (hosts_only participant, unknown group)
 */
int codec_mix_set_backplane_group(struct codec_mix *m, uint16_t idx, enum codec_mix_bp group);

/**
 * One tick of speaker selection.
 * @param level  per participant index, dBov of this tick's frame, -127 = none
 * @return the number of seated speakers
 */
uint16_t codec_mix_update(struct codec_mix *m, const int8_t *level);

/** Participant in seat @p seat, or CODEC_MIX_NONE. */
uint16_t codec_mix_seat(const struct codec_mix *m, uint16_t seat);
/** Seat of participant @p idx, or CODEC_MIX_NONE. */
uint16_t codec_mix_seat_of(const struct codec_mix *m, uint16_t idx);
/** True when @p idx is present and can be heard by some other present participant. */
bool codec_mix_is_audible(const struct codec_mix *m, uint16_t idx);

/** The mix participant @p idx hears this tick. */
struct codec_mix_key codec_mix_listener_key(const struct codec_mix *m, uint16_t idx);

/** Number of seated speakers audible in @p key's mix (0 = silence). */
uint16_t codec_mix_key_sources(const struct codec_mix *m, struct codec_mix_key key);

/**
 * Sum the seated speakers' frames per filter (int32). Call once per tick
 * after update, before render.
 * @param frames  per participant index, CODEC_FRAME samples or NULL (silent); borrowed
 */
void codec_mix_accumulate(struct codec_mix *m, const int16_t *const *frames);

/**
 * Render one mix: sum minus the excluded seat's own frame, saturated.
 * @param out  CODEC_FRAME samples
 * @return sources in the mix (0: @p out is silence)
 */
uint16_t codec_mix_render(const struct codec_mix *m, struct codec_mix_key key,
			  const int16_t *const *frames, int16_t *out);

/**
 * Group present listeners by (mix key, encoder class): one encode per group.
 * @param enc_class  per participant index, < CODEC_MIX_MAX_CLASSES (borrowed)
 * @param groups     output, @p cap entries
 * @param members    output, max_participants entries: participant indexes,
 *                   group g's members are members[g.first .. g.first+g.count)
 * @return number of groups (silent groups included, sources = 0)
 */
uint16_t codec_mix_groups(const struct codec_mix *m, const uint16_t *enc_class,
			  struct codec_mix_group *groups, uint16_t cap, uint16_t *members);

/** The active speaker (loudest seated, with its own hold-over), or CODEC_MIX_NONE. */
uint16_t codec_mix_active_speaker(const struct codec_mix *m);
/** Smoothed level of @p idx in dBov (-127 when silent or absent). */
int codec_mix_level_dbov(const struct codec_mix *m, uint16_t idx);

/** Saturating int16 add of @p n samples: dst = sat(dst + src). */
void codec_mix_add_sat(int16_t *dst, const int16_t *src, size_t n);
