/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_conf.h - one conference's audio engine: per-participant jitter
 * buffer and decoder, the mixer, encoders shared per group, DTMF, RTP
 * header fields for every listener. What a data-plane worker runs per
 * conference (dataplane/ owns the rings, mbufs and SRTP around it).
 *
 * Per 20 ms tick (codec_conf_tick()):
 *  1. each participant's jitter buffer yields a frame, a loss or nothing;
 *     only participants someone can hear (codec_mix_is_audible()) are decoded
 *     (plus G.711 callers with in-band DTMF detection); the others are drained;
 *     clock drift is absorbed by dropping or stretching low-energy frames;
 *  2. the mixer seats up to K speakers;
 *  3. with nobody seated nothing is mixed or encoded: Opus listeners get
 *     nothing (DTX), G.711/G.722 listeners get a silence payload encoded once
 *     when their encoder class was created;
 *  4. otherwise listeners are grouped by (mix, encoder class): one mix and one
 *     encode per group, then one output descriptor per listener that points at
 *     the group's payload, with that listener's SSRC, sequence and timestamp.
 * So a conference with 0 or 1 talkers costs a jitter-buffer pull per
 * participant and, with one talker, one decode and one encode per codec class.
 *
 * Quiet Opus participants are not decoded (cfg.quiet_skip): a participant
 * that is not seated, not talking for the mixer, and whose last
 * CODEC_CONF_QUIET_FRAMES decoded frames were below CODEC_CONF_QUIET_DBOV is
 * "quiet". Its frames are then only pulled from the jitter buffer while the
 * packets' VAD flags (codec_opus_vad()) say no voice; a frame with voice is
 * decoded at once, after the last skipped packet to warm the decoder up, and
 * every CODEC_CONF_CHECK_VAD-th frame is decoded anyway to measure the level
 * (a loud noise without voice is still seated, as before). CELT-only packets
 * carry no VAD flag and are always decoded. A skipped frame counts for the
 * mixer at the level last measured, which is below the talk threshold, so a
 * new talker is seated as soon as its first voiced frame is decoded: in the
 * same tick as when every participant is decoded.
 *
 * Context: create/destroy/part_add/part_del on the control path (they
 * allocate); everything else on the conference's worker, single-threaded.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "codec_agc.h"
#include "codec_jb.h"
#include "codec_mix.h"
#include "codec_prompt.h"

/** Distinct (codec, parameters, payload type) send configurations per conference. */
#define CODEC_CONF_MAX_CLASSES 8
/** DTMF digits queued for the control plane before the oldest is overwritten. */
#define CODEC_CONF_DTMF_QUEUE 64
/** Longest test-call loopback delay, in 20 ms frames (5 s). */
#define CODEC_CONF_MAX_LOOPBACK 250
/** Silence between two plays of a looping prompt, in samples (1 s). */
#define CODEC_CONF_PROMPT_GAP 48000
/** Quiet: decoded frames below this level (6 dB under the mixer's talk threshold). */
#define CODEC_CONF_QUIET_DBOV (-56)
/** Consecutive quiet decoded frames before decoding may be skipped. */
#define CODEC_CONF_QUIET_FRAMES 5
/** A quiet participant's frame decoded anyway for its level, every N frames. */
#define CODEC_CONF_CHECK_VAD 8
/** Largest skipped Opus payload kept to warm the decoder up. */
#define CODEC_CONF_WARM_MAX 512

struct codec_conf_cfg {
	uint16_t max_participants;
	uint8_t speakers;         /**< K, default 3 */
	uint16_t holdover_ticks;  /**< default 25 */
	uint16_t jb_min_frames;   /**< default 2 */
	uint16_t jb_max_frames;   /**< default 10 */
	int8_t low_energy_dbov;   /**< frames below may be dropped or stretched, default -40 */
	/**
	 * Opus encoder complexity (0..10) of the mix encoders of participants
	 * that leave theirs at -1: the shared encoders (one encode heard by
	 * many) and the seat encoders (each N-1 mix is heard by one speaker).
	 * Encoding dominates the cost of a conference (docs/performance.md).
	 * -1 = libopus's default (10). Defaults 3 and 1.
	 */
	int8_t opus_complexity_shared;
	int8_t opus_complexity_seat;
	/**
	 * Mix encoders (shared, seat, private) of Opus classes without FEC are
	 * CELT-only (codec_params.celt_only): a quarter of the SILK/hybrid
	 * encoder's cost. Classes whose send parameters ask for FEC keep the
	 * hybrid encoder, since LBRR is SILK's. Default true.
	 */
	bool opus_celt_mix;
	/** Do not decode quiet Opus participants (see the top of this file). Default true. */
	bool quiet_skip;
	bool agc;                 /**< automatic gain control on every decoded frame */
	bool noise_gate;          /**< noise gate on every decoded frame */
};

struct codec_part_cfg {
	struct codec_params rx;   /**< what the participant sends us */
	struct codec_params tx;   /**< what we send it */
	uint8_t rx_pt;
	uint8_t tx_pt;
	uint8_t dtmf_pt;          /**< telephone-event PT both ways, 0 = none */
	uint32_t tx_ssrc;
	uint16_t tx_seq;          /**< first sequence number */
	uint32_t tx_ts;           /**< first timestamp */
	enum codec_role role;
	bool hosts_only;          /**< hears hosts only (auditorium guest) */
	bool backplane;           /**< a backplane: hears only non-backplanes (codec_mix_set_backplane()) */
	uint8_t backplane_group;  /**< enum codec_mix_bp: a backplane of this group (overrides
				   *   backplane; codec_mix_set_backplane_group()), 0 = none */
	bool inband_dtmf;         /**< run the Goertzel detector (G.711 only) */
	bool lobby;               /**< starts in the lobby (see codec_conf_set_lobby()) */
	bool no_send;             /**< starts not sent to (see codec_conf_set_direction()) */
	bool no_recv;             /**< starts not heard (see codec_conf_set_direction()) */
	bool own_enc;             /**< create its private encoder now (prompts, tones) */
	uint16_t loopback_frames; /**< hears itself this many frames later, 0 = off */
};

/** One RTP packet to send; payload borrowed, valid until the next tick. */
struct codec_conf_out {
	uint16_t idx;       /**< listener */
	uint8_t pt;
	bool marker;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	const uint8_t *payload;
	uint16_t len;
};

struct codec_conf_part_stats {
	struct codec_jb_stats jb;
	uint64_t decode_errors;
	uint64_t fec_recovered;
	uint64_t bad_pt;
	uint64_t tx_packets;
	uint64_t tx_octets;        /**< RTP payload octets sent (RFC 3550 SR octet count) */
	uint64_t dtmf_rfc4733;
	uint64_t dtmf_inband;
	uint64_t private_encodes;  /**< encodes of its own mix (prompt, loopback, lobby) */
	uint64_t skipped;          /**< frames not decoded because it was quiet (cfg.quiet_skip) */
	int level_dbov;
	const char *prompt;        /**< name of the prompt playing to it, or NULL */
	bool prompt_loop;
	bool lobby;
	bool muted;
	bool send;                 /**< we send it RTP (codec_conf_set_direction()) */
	bool recv;                 /**< what it sends is mixed */
	enum codec_role role;
	bool hosts_only;
	bool backplane;
	uint8_t backplane_group;   /**< enum codec_mix_bp */
	uint16_t loopback_frames;
};

struct codec_conf_tick_stats {
	uint16_t decoded;   /**< frames decoded or concealed this tick (warm-ups included) */
	uint16_t skipped;   /**< frames of quiet participants pulled without decoding */
	uint16_t speakers;
	uint16_t groups;    /**< groups with audio */
	uint16_t encodes;
	uint16_t packets;
	uint16_t truncated; /**< packets that did not fit in the output array */
};

struct codec_conf;

void codec_conf_cfg_default(struct codec_conf_cfg *cfg, uint16_t max_participants);
/** The configuration @p c was created with (copied into @p cfg). Context: any. */
void codec_conf_get_cfg(const struct codec_conf *c, struct codec_conf_cfg *cfg);
void codec_part_cfg_default(struct codec_part_cfg *cfg, enum codec_id id);

/**
 * @return 0, -EINVAL, -ENOMEM
 * Context: control path. Ownership: returns owned, free with codec_conf_destroy().
 */
int codec_conf_create(const struct codec_conf_cfg *cfg, struct codec_conf **out);
void codec_conf_destroy(struct codec_conf *c);

/**
 * Add a participant.
 * @param idx  receives its index (0..max_participants-1)
 * @return 0, -ENOSPC (full, or too many encoder classes), -EINVAL (codec
 *         parameters), -ENOMEM, -ENOTSUP
 * Context: control path (allocates decoder, jitter buffer, maybe encoders).
 */
int codec_conf_part_add(struct codec_conf *c, const struct codec_part_cfg *pc, uint16_t *idx);
/** @return 0, -ENOENT. Context: control path. */
int codec_conf_part_del(struct codec_conf *c, uint16_t idx);
/** @return 0, -ENOENT */
int codec_conf_set_mute(struct codec_conf *c, uint16_t idx, bool muted);
/**
 * The media direction in force with participant @p idx (RFC 3264 §6.1),
 * apart from the admin mute and the lobby. With @p send false it gets no
 * RTP at all: it is left out of the encode groups (a group it would have
 * been alone in is not encoded), its timeline advances, and the first
 * packet after it comes back carries the marker bit. With @p recv false
 * what it sends is drained, not mixed (as a mute that codec_conf_set_mute()
 * does not undo); DTMF from it is still detected.
 * @return 0, -ENOENT
 * Context: worker.
 */
int codec_conf_set_direction(struct codec_conf *c, uint16_t idx, bool send, bool recv);
/** @return 0, -ENOENT, -EINVAL */
int codec_conf_set_role(struct codec_conf *c, uint16_t idx, enum codec_role role, bool hosts_only);

/*
 * Private audio. A participant normally shares its group's encode. It gets a
 * mix of its own, encoded by its private encoder, while it is in the lobby
 * (it then hears only its prompt, or silence), while a prompt plays to it,
 * with test-call loopback, and while a join tone for it plays to the others.
 * The private encoder is created on the control path: at part_add (cfg
 * own_enc, lobby or loopback_frames), or later with
 * codec_conf_own_enc_create() and handed over with codec_conf_own_enc_give()
 * on the worker. It stays until the participant is deleted.
 */

/**
 * Create an encoder for participant @p idx's send parameters.
 * @return 0, -ENOENT, -ENOMEM, codec_enc_create() errors
 * Context: control path; reads only the participant's immutable parameters.
 * Ownership: returns owned; hand it over with codec_conf_own_enc_give().
 */
int codec_conf_own_enc_create(const struct codec_conf *c, uint16_t idx, struct codec_enc **e);

/**
 * Give @p *e to participant @p idx as its private encoder. It is taken (and
 * *e set to NULL) when the participant has none; otherwise *e is left for the
 * caller to destroy on the control path.
 * @return 0, -ENOENT
 */
int codec_conf_own_enc_give(struct codec_conf *c, uint16_t idx, struct codec_enc **e);

/** True when participant @p idx has its private encoder. */
bool codec_conf_has_own_enc(const struct codec_conf *c, uint16_t idx);

/**
 * Lobby: the participant neither hears the conference nor is heard; its
 * DTMF (RFC 4733 and in-band) is still detected and prompts still play to it.
 * @return 0, -ENOENT
 */
int codec_conf_set_lobby(struct codec_conf *c, uint16_t idx, bool lobby);

/**
 * Play @p pr to participant @p idx only, over what it hears (in the lobby:
 * alone), from the start; a new prompt replaces one playing. @p loop repeats
 * it after CODEC_CONF_PROMPT_GAP of silence until stopped. @p pr NULL stops.
 * @p pr is borrowed and must outlive the playback (a loaded prompt set).
 * @return 0, -ENOENT, -ENOBUFS (no private encoder: give one first)
 */
int codec_conf_play(struct codec_conf *c, uint16_t idx, const struct codec_prompt *pr, bool loop);

/**
 * Play @p pr once to everyone outside the lobby except @p excl (the joining
 * participant, or CODEC_MIX_NONE), mixed into the conference; replaces an
 * announcement playing. @p excl is spared only when it has a private
 * encoder. @p pr borrowed as for codec_conf_play().
 */
void codec_conf_announce(struct codec_conf *c, const struct codec_prompt *pr, uint16_t excl);

/**
 * One received RTP packet of participant @p idx (header already parsed,
 * SRTP removed). Audio goes to the jitter buffer; RFC 4733 events are
 * detected at once and counted in the jitter buffer's sequence figures
 * (received, lost), since they take sequence numbers of the same stream.
 * @return 0, -ENOENT (no such participant), -EPROTO (unexpected payload type),
 *         or what codec_jb_insert() returns; each case is counted.
 * Context: worker.
 */
int codec_conf_rx(struct codec_conf *c, uint16_t idx, uint8_t pt, uint16_t seq, uint32_t ts,
		  const uint8_t *payload, size_t len, uint64_t now_us);

/**
 * Run one 20 ms tick.
 * @param out  room for @p cap packets
 * @param ts   optional per-tick figures (NULL = none)
 * @return packets written to @p out
 * Context: worker.
 */
uint16_t codec_conf_tick(struct codec_conf *c, struct codec_conf_out *out, uint16_t cap,
			 struct codec_conf_tick_stats *ts);

/**
 * Send DTMF to participant @p idx (RFC 4733; needs dtmf_pt), the first
 * digit @p lead_ms from now (0 = next tick). Each digit takes 500 ms (a
 * 260 ms event, then nothing), each ',' 2 s. From the first digit to the
 * end of the sequence the participant's audio is replaced by the
 * telephone-event packets; during the lead it hears the conference.
 * @return 0, -ENOENT, -ENOTSUP (no dtmf_pt), or codec_rfc4733_tx_start_after()
 *         errors (-EBUSY while a sequence is queued, -EINVAL, -E2BIG)
 * Context: worker.
 */
int codec_conf_send_dtmf(struct codec_conf *c, uint16_t idx, const char *digits,
			 uint32_t lead_ms);

/**
 * How long @p digits take to send to participant @p idx (lead excluded), in
 * ms; 0 for an unknown participant or a bad sequence.
 * Context: any; reads only the participant's immutable send configuration.
 */
uint32_t codec_conf_dtmf_ms(const struct codec_conf *c, uint16_t idx, const char *digits);

/**
 * Next received digit (RFC 4733 or in-band).
 * @return 1 and fills @p idx/@p digit, or 0 when the queue is empty
 */
int codec_conf_dtmf_poll(struct codec_conf *c, uint16_t *idx, char *digit);

/** @return 0, -ENOENT */
int codec_conf_part_stats(const struct codec_conf *c, uint16_t idx,
			  struct codec_conf_part_stats *st);

/** What an RTCP report about participant @p idx's streams needs (codec_conf_rtcp()). */
struct codec_conf_rtcp {
	uint32_t tx_ssrc;     /**< the SSRC we send it */
	uint32_t tx_rtp_ts;   /**< RTP timestamp of the frame of the last tick */
	uint32_t tx_clock;    /**< RTP clock of what we send */
	uint64_t tx_packets;  /**< RTP packets sent to it */
	uint64_t tx_octets;   /**< their payload octets */
	uint64_t rx_packets;  /**< RTP packets received from it (jitter buffer) */
	struct codec_jb_rr rr; /**< report block figures about what it sends */
};

/**
 * Figures for an RTCP SR/RR to participant @p idx, taken right after a tick
 * (tx_rtp_ts is then the timestamp of the frame just sent). Starts a new
 * fraction-lost interval (codec_jb_rr()).
 * @return 0, -ENOENT
 * Context: worker.
 */
int codec_conf_rtcp(struct codec_conf *c, uint16_t idx, struct codec_conf_rtcp *r);

/** The SSRC we send participant @p idx. @return 0, -ENOENT. Context: worker. */
int codec_conf_tx_ssrc(const struct codec_conf *c, uint16_t idx, uint32_t *ssrc);

/** Active speaker (participant index) or CODEC_MIX_NONE. */
uint16_t codec_conf_active_speaker(const struct codec_conf *c);

/** The mixer, for inspection (groups, seats, levels); borrowed. */
const struct codec_mix *codec_conf_mix(const struct codec_conf *c);

/**
 * Write a 12-byte RTP header and the payload of @p o into @p buf.
 * @return bytes written, -ENOSPC
 */
int codec_rtp_write(const struct codec_conf_out *o, uint8_t *buf, size_t cap);
