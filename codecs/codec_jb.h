/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_jb.h - per-participant adaptive jitter buffer for 20 ms audio frames.
 *
 * Packets (sequence number, RTP timestamp, payload) go in in any order; one
 * 20 ms frame comes out per tick with a verdict: a frame to decode, a frame to
 * conceal (lost, with the following packet offered for Opus FEC), or nothing
 * (idle: not started, or silent after DTX / the sender stopped).
 *
 * Frames are placed by timestamp, so DTX gaps (timestamp jumps with no
 * sequence gap) are silence, not loss. Duplicates are dropped, packets whose
 * time has passed are dropped as late, and a packet too far ahead (beyond the
 * buffer, e.g. a new talk spurt after a long silence or an absurd timestamp)
 * restarts the buffer on it. The target depth follows the RFC 3550 §6.4.1 /
 * A.8 interarrival jitter estimate: target = 1 + ceil(3 J / frame), clamped to
 * [min_frames, max_frames]. Depth drifts (sender clock faster or slower than
 * ours, or a changed target) are corrected by the caller at low-energy frames
 * through codec_jb_adjust(), codec_jb_shrunk() and codec_jb_stretched().
 *
 * G.711 and G.722 packets longer than 20 ms (ptime 30/40/60) are split into
 * 20 ms frames on insert when cfg.split_bytes is set.
 *
 * Invariants: a used slot holds the frame whose number modulo slots is its
 * index; play_fn <= every stored frame number < play_fn + slots.
 *
 * Context: fast path (one worker lcore per conference); create/destroy on the
 * control path. Time is injected (now_us), so tests are deterministic.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct codec_jb_cfg {
	uint32_t clock_rate;  /**< RTP clock, Hz (8000, 48000) */
	uint32_t frame_ts;    /**< RTP timestamp units per 20 ms frame (160, 960) */
	uint16_t min_frames;  /**< lowest target depth in frames (default 2) */
	uint16_t max_frames;  /**< highest target depth (default 10 = 200 ms) */
	uint16_t slots;       /**< capacity in frames, > max_frames (default 32) */
	uint16_t max_payload; /**< largest 20 ms payload kept (default 512) */
	uint16_t split_bytes; /**< bytes per 20 ms for splittable codecs, 0 = no split */
	uint8_t max_conceal;  /**< underrun frames concealed before going idle (default 5) */
};

enum codec_jb_status {
	CODEC_JB_FRAME = 0, /**< a frame to decode */
	CODEC_JB_LOST,      /**< conceal this frame (or FEC from next) */
	CODEC_JB_EMPTY,     /**< nothing to play: output silence */
};

/** What codec_jb_pull() hands out; pointers borrowed, valid until the next call on the jb. */
struct codec_jb_frame {
	const uint8_t *payload;
	uint16_t len;
	uint16_t seq;
	uint32_t ts;
	const uint8_t *next; /**< LOST only: the following frame's payload if present (FEC) */
	uint16_t next_len;
};

struct codec_jb_stats {
	uint64_t received;   /**< valid packets, duplicates and late ones included (RFC 3550),
				  and the packets of codec_jb_seq_only() */
	uint64_t lost;       /**< expected - unique received, never negative */
	uint64_t late;       /**< arrived after their playout time */
	uint64_t duplicates;
	uint64_t reordered;  /**< arrived after a higher sequence number */
	uint64_t concealed;  /**< frames reported LOST by pull */
	uint64_t dropped;    /**< oversize or empty payloads */
	uint64_t resyncs;    /**< restarts on a timestamp jump or after idle */
	uint64_t shrunk;     /**< frames dropped to reduce delay */
	uint64_t stretched;  /**< frames inserted to build delay */
	uint32_t jitter;     /**< RFC 3550 interarrival jitter, timestamp units */
	uint32_t ext_max_seq;
	uint16_t target;     /**< current target depth, frames */
	uint16_t depth_q8;   /**< smoothed depth at pull, frames * 256 */
};

/** RFC 3550 §6.4.1 report block figures (codec_jb_rr()). */
struct codec_jb_rr {
	uint8_t fraction_lost; /**< since the previous call, in 1/256 */
	int32_t cumulative_lost; /**< clamped to 24-bit signed */
	uint32_t ext_max_seq;
	uint32_t jitter;
};

struct codec_jb;

/** Fill @p cfg with defaults for an RTP clock and frame size. */
void codec_jb_cfg_default(struct codec_jb_cfg *cfg, uint32_t clock_rate, uint32_t frame_ts);

/**
 * Create a jitter buffer.
 * @return 0, -EINVAL (zero clock/frame, slots <= max_frames, min > max), -ENOMEM
 * Context: control path. Ownership: returns owned (*out), free with codec_jb_destroy().
 */
int codec_jb_create(const struct codec_jb_cfg *cfg, struct codec_jb **out);

/** Free; NULL is a no-op. Context: control path. */
void codec_jb_destroy(struct codec_jb *jb);

/** Bytes allocated by a jb with this configuration (for capacity figures). */
size_t codec_jb_mem_size(const struct codec_jb_cfg *cfg);

/**
 * Insert one RTP packet.
 * @param payload  borrowed, copied
 * @param now_us   arrival time on any monotonic microsecond clock
 * @return 0 stored; -EALREADY duplicate; -ETIME late; -EMSGSIZE empty or
 *         too large. Every case is counted in the statistics.
 * Context: fast path.
 */
int codec_jb_insert(struct codec_jb *jb, uint16_t seq, uint32_t ts, const uint8_t *payload,
		    size_t len, uint64_t now_us);

/**
 * Count a packet of the same RTP stream that carries no audio frame (an
 * RFC 4733 telephone-event).
 * It used a sequence number, so the RFC 3550 A.1 / A.3 figures (received,
 * extended highest sequence, lost, fraction lost) must see it; it is neither
 * stored nor fed to the jitter estimate (telephone-events repeat one
 * timestamp for the whole event).
 * Context: fast path.
 */
void codec_jb_seq_only(struct codec_jb *jb, uint16_t seq);

/**
 * Take the frame for this 20 ms tick.
 * @param f  filled for FRAME and LOST
 * Context: fast path.
 */
enum codec_jb_status codec_jb_pull(struct codec_jb *jb, struct codec_jb_frame *f);

/**
 * What the depth wants: -1 shrink (drop a low-energy frame), +1 stretch
 * (insert a low-energy frame without pulling), 0 fine.
 */
int codec_jb_adjust(const struct codec_jb *jb);

/** Frames buffered ahead of the playout point (0 when idle). */
uint16_t codec_jb_depth(const struct codec_jb *jb);

/** True while frames are being played out (not idle, not buffering). */
bool codec_jb_is_playing(const struct codec_jb *jb);

/** The caller dropped a pulled frame to shrink the delay. */
void codec_jb_shrunk(struct codec_jb *jb);

/** The caller played an extra frame instead of pulling. */
void codec_jb_stretched(struct codec_jb *jb);

/** Copy the statistics. */
void codec_jb_stats(const struct codec_jb *jb, struct codec_jb_stats *st);

/** Report block figures; resets the interval for fraction_lost. */
void codec_jb_rr(struct codec_jb *jb, struct codec_jb_rr *rr);

/** Forget every packet and restart on the next one (SSRC change). Stats kept. */
void codec_jb_reset(struct codec_jb *jb);
