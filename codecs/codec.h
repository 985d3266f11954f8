/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec.h - audio codecs behind one small interface: create, decode (with
 * concealment and Opus FEC), encode, destroy.
 *
 * Internal format of the audio engine: 48 kHz, mono, signed 16-bit, 20 ms
 * frames (CODEC_FRAME = 960 samples). int16 rather than float because every
 * codec we carry speaks int16 natively (G.711 tables, G.722 ADPCM, opus_decode),
 * because it halves the memory traffic of the mixer, and because mixing sums
 * into int32 and saturates once, which is exact and cheap.
 *
 * A decoder turns one 20 ms payload of its codec (at the codec's own rate and
 * channel count) into one internal frame; an encoder does the reverse. Rate and
 * channel conversion happen inside with libswresample (a windowed-sinc filter,
 * never sample dropping), one resampler per decoder or encoder, so the filter
 * state of each participant and direction is kept between frames.
 *
 * Context: create/destroy on the control path (they allocate); decode, conceal,
 * encode on the fast path (worker lcores), one thread per object, no lock. The
 * G.722 path goes through libavcodec, which may allocate per packet; see
 * docs/media.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Internal sample rate (Hz). */
#define CODEC_RATE 48000
/** Samples of one internal 20 ms frame. */
#define CODEC_FRAME 960
/** Frame duration in milliseconds. */
#define CODEC_FRAME_MS 20
/** Largest encoded payload an encoder produces (Opus limit for 20 ms is 1275). */
#define CODEC_MAX_PAYLOAD 1276

enum codec_id {
	CODEC_PCMU = 0, /**< G.711 µ-law, 8 kHz mono (RTP PT 0) */
	CODEC_PCMA,     /**< G.711 A-law, 8 kHz mono (RTP PT 8) */
	CODEC_G722,     /**< G.722 64 kbit/s, 16 kHz audio, RTP clock 8 kHz (PT 9) */
	CODEC_OPUS,     /**< Opus (RFC 6716, RTP clock 48 kHz, RFC 7587) */
	/**
	 * G.729 Annex A, 8 kHz mono (RTP PT 18, RFC 3551 §4.5.6): two 10 ms
	 * frames per 20 ms payload; Annex B SID frames decoded (comfort noise),
	 * never sent. Needs bcg729 (codec_g729_available()), else -ENOTSUP.
	 */
	CODEC_G729,
	CODEC_ID_COUNT,
};

/**
 * Codec parameters of one direction of one participant.
 * rate: the codec's audio sample rate: 8000 for G.711 and G.729, 16000 for G.722,
 * 8000/12000/16000/24000/48000 for Opus (its decoder or encoder runs at that
 * rate; the RTP clock stays 48 kHz). 0 picks the codec's natural rate.
 */
struct codec_params {
	enum codec_id id;
	uint32_t rate;       /**< audio sample rate in Hz, 0 = default for the codec */
	uint8_t channels;    /**< 1 or 2 (Opus only; G.711/G.722/G.729 are mono) */
	bool fec;            /**< Opus: encode in-band FEC (decoding uses FEC when offered) */
	bool dtx;            /**< Opus: discontinuous transmission in the encoder */
	uint32_t bitrate;    /**< Opus bits/s, 0 = 32000 mono / 48000 stereo */
	int8_t complexity;   /**< Opus 0..10, -1 = library default */
	uint8_t loss_pct;    /**< Opus: expected loss for FEC tuning (OPUS_SET_PACKET_LOSS_PERC) */
	/**
	 * Opus encoder: CELT only (OPUS_APPLICATION_RESTRICTED_LOWDELAY): about a
	 * quarter of the cost of the SILK/hybrid encoder at low complexity and
	 * 4 ms less lookahead, but no in-band FEC (LBRR is a SILK feature), so
	 * fec is ignored. Decoders are unaffected.
	 */
	bool celt_only;
};

struct codec_dec;
struct codec_enc;

/** Fill @p p with the defaults of codec @p id (mono, natural rate, FEC off). */
void codec_params_default(struct codec_params *p, enum codec_id id);

/** Same codec, rate and channels (the fields that decide encoder sharing). */
bool codec_params_equal(const struct codec_params *a, const struct codec_params *b);

/** RTP clock rate of the codec (8000 for G.711, G.722 and G.729, 48000 for Opus). */
uint32_t codec_rtp_clock(enum codec_id id);

/** RTP timestamp units in one 20 ms frame (160 or 960). */
uint32_t codec_rtp_frame_ts(enum codec_id id);

/** Short name ("pcmu", "pcma", "g722", "opus", "g729"), or "?" when out of range. */
const char *codec_name(enum codec_id id);

/**
 * Create a decoder.
 * @param p    codec parameters (borrowed, copied)
 * @param out  receives the decoder
 * @return 0, -EINVAL (bad id, rate or channels), -ENOMEM, -ENOTSUP (library
 *         lacks the codec)
 * Context: control path. Ownership: returns owned (*out), free with codec_dec_destroy().
 */
int codec_dec_create(const struct codec_params *p, struct codec_dec **out);

/** Free a decoder; NULL is a no-op. Context: control path. */
void codec_dec_destroy(struct codec_dec *d);

/**
 * Decode one 20 ms payload into one internal frame.
 * @param d    the decoder
 * @param pkt  payload (RTP header removed), borrowed
 * @param len  payload length
 * @param pcm  CODEC_FRAME samples at 48 kHz mono, written in full
 * @return 0; -EINVAL when the payload is empty, corrupt or not 20 ms (then
 *         @p pcm holds concealment and the codec state has moved on a frame)
 * Context: fast path, the decoder's thread.
 */
int codec_dec_decode(struct codec_dec *d, const uint8_t *pkt, size_t len, int16_t *pcm);

/**
 * Conceal one lost 20 ms frame (Opus: its PLC, opus_decode with a NULL
 * packet; G.711/G.722: pitch repetition with fade-out; G.729: its own
 * frame-erasure concealment, or comfort noise after a SID frame).
 * @return 0. Context: fast path.
 */
int codec_dec_conceal(struct codec_dec *d, int16_t *pcm);

/**
 * Recover a lost frame from the in-band FEC of the packet that follows it
 * (Opus LBRR, opus_decode(..., decode_fec=1)).
 * @param next      the payload following the lost one (borrowed)
 * @return 0; -ENOTSUP for codecs without FEC; -ENODATA when @p next carries
 *         no FEC (@p pcm then holds PLC output); -EINVAL when corrupt.
 * Context: fast path.
 */
int codec_dec_decode_fec(struct codec_dec *d, const uint8_t *next, size_t len, int16_t *pcm);

/** True when codec_dec_decode_fec() can work for this decoder. */
bool codec_dec_has_fec(const struct codec_dec *d);

/**
 * The last decoded frame at the codec's own rate, before resampling (G.711:
 * 160 samples at 8 kHz, what in-band DTMF detection wants).
 * @param n  receives the sample count
 * @return borrowed, valid until the next call on @p d; NULL for Opus.
 */
const int16_t *codec_dec_native(const struct codec_dec *d, size_t *n);

/**
 * Voice activity of an Opus packet as its encoder saw it, without decoding:
 * the VAD flags a SILK or hybrid packet carries first in each frame's range
 * coded data (RFC 6716 §4.2.3; equiprobable symbols, so they are the top bits
 * of the frame's first byte, mid channel then side channel).
 * @return 1 when any frame has voice; 0 when none has (or every frame is
 *         empty, DTX); -ENODATA for CELT-only packets, which carry no flag;
 *         -EINVAL when the packet does not parse
 * Context: any; reads @p pkt only (borrowed).
 */
int codec_opus_vad(const uint8_t *pkt, size_t len);

/**
 * Create an encoder.
 * @return 0, -EINVAL, -ENOMEM, -ENOTSUP
 * Context: control path. Ownership: returns owned (*out), free with codec_enc_destroy().
 */
int codec_enc_create(const struct codec_params *p, struct codec_enc **out);

/** Free an encoder; NULL is a no-op. Context: control path. */
void codec_enc_destroy(struct codec_enc *e);

/**
 * Encode one internal frame.
 * @param pcm  CODEC_FRAME samples at 48 kHz mono (borrowed)
 * @param buf  output payload buffer
 * @param cap  its size (CODEC_MAX_PAYLOAD is always enough)
 * @return payload length (> 0); 0 when Opus DTX says the packet need not be
 *         sent; -ENOSPC when @p cap is too small; -EIO on a library error
 * Context: fast path.
 */
int codec_enc_encode(struct codec_enc *e, const int16_t *pcm, uint8_t *buf, size_t cap);

/**
 * Forget the encoder's history (a shared encoder handed to a new mix).
 * Context: fast path.
 */
void codec_enc_reset(struct codec_enc *e);

/**
 * Level of a frame: RMS relative to full scale in dBov, -127..0 (RFC 6464
 * convention: -127 for digital silence).
 */
int codec_level_dbov(const int16_t *pcm, size_t n);

/** True when this build has G.729 (bcg729); otherwise creating a G.729 codec is -ENOTSUP. */
bool codec_g729_available(void);

/** G.711 scalar conversions (ITU-T G.711 tables; exposed for tests and DTMF). */
uint8_t codec_g711_ulaw_encode(int16_t s);
int16_t codec_g711_ulaw_decode(uint8_t u);
uint8_t codec_g711_alaw_encode(int16_t s);
int16_t codec_g711_alaw_decode(uint8_t a);
