/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_audio_priv.h - private pieces shared by the audio codec files:
 * the decoder/encoder objects, the per-object resampler and the generic
 * packet-loss concealment used by G.711 and G.722.
 *
 * Context: as codec.h; nothing here is part of the codecs/ interface.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"

struct SwrContext;
struct codec_g722;
struct codec_g729;
struct OpusDecoder;
struct OpusEncoder;

/** Largest native frame: 20 ms at 48 kHz stereo. */
#define CODEC_NATIVE_MAX (2 * CODEC_FRAME)
/** History kept by the PLC: 40 ms at 16 kHz. */
#define CODEC_PLC_HIST 640

/*
 * Resampler of one direction of one participant. swr is NULL when the rates
 * match (channel mixing alone is done by hand). Invariant: after the first
 * run the filter delay sits inside swr, so every later run yields exactly the
 * requested count.
 */
struct codec_rs {
	struct SwrContext *swr; /* owned */
	uint32_t in_rate;
	uint32_t out_rate;
	uint8_t in_ch;
	uint8_t out_ch;
	bool primed;
};

int codec_rs_init(struct codec_rs *rs, uint32_t in_rate, uint8_t in_ch, uint32_t out_rate,
		  uint8_t out_ch);
void codec_rs_fini(struct codec_rs *rs);
/* n_in and n_out are per channel; writes exactly n_out * out_ch samples. */
int codec_rs_run(struct codec_rs *rs, const int16_t *in, uint32_t n_in, int16_t *out,
		 uint32_t n_out);

/*
 * Pitch-repetition concealment at a codec's native rate (mono), in the spirit
 * of G.711 Appendix I: repeat the last pitch period, fade 20% per frame after
 * the first, crossfade back into the first good frame.
 */
struct codec_plc {
	int16_t hist[CODEC_PLC_HIST];
	uint16_t frame;   /* samples per 20 ms */
	uint16_t hist_n;  /* valid samples in hist (<= CODEC_PLC_HIST) */
	uint16_t pitch;   /* period in samples while concealing */
	uint32_t pos;     /* read position within the period */
	uint8_t lost;     /* consecutive concealed frames */
};

void codec_plc_init(struct codec_plc *plc, uint32_t rate);
void codec_plc_good(struct codec_plc *plc, int16_t *x, uint32_t n);
void codec_plc_conceal(struct codec_plc *plc, int16_t *out, uint32_t n);

void codec_g711_decode_block(enum codec_id id, const uint8_t *in, int16_t *out, uint32_t n);
void codec_g711_encode_block(enum codec_id id, const int16_t *in, uint8_t *out, uint32_t n);

int codec_g722_create(bool encoder, struct codec_g722 **out);
void codec_g722_destroy(struct codec_g722 *g);
int codec_g722_decode(struct codec_g722 *g, const uint8_t *pkt, uint32_t len, int16_t *out,
		      uint32_t cap);
int codec_g722_encode(struct codec_g722 *g, const int16_t *in, uint32_t n, uint8_t *buf,
		      uint32_t cap);

int codec_g729_create(bool encoder, struct codec_g729 **out);
void codec_g729_destroy(struct codec_g729 *g);
/* len octets (a 20 ms payload, see codec_g729.c) into 160 samples at 8 kHz. */
int codec_g729_decode(struct codec_g729 *g, const uint8_t *pkt, uint32_t len, int16_t *out);
void codec_g729_conceal(struct codec_g729 *g, int16_t *out);
/* 160 samples at 8 kHz into 20 octets. */
int codec_g729_encode(struct codec_g729 *g, const int16_t *in, uint8_t *buf, uint32_t cap);

struct codec_dec {
	struct codec_params p;
	uint32_t frame;  /* native samples per channel per 20 ms */
	uint32_t n_native;
	struct codec_rs rs;
	struct codec_plc plc;
	union {
		struct OpusDecoder *opus; /* owned */
		struct codec_g722 *g722;  /* owned */
		struct codec_g729 *g729;  /* owned */
	};
	int16_t native[CODEC_NATIVE_MAX];
};

struct codec_enc {
	struct codec_params p;
	uint32_t frame;
	struct codec_rs rs;
	union {
		struct OpusEncoder *opus; /* owned */
		struct codec_g722 *g722;  /* owned */
		struct codec_g729 *g729;  /* owned */
	};
	int16_t native[CODEC_NATIVE_MAX];
};

int codec_opus_dec_init(struct codec_dec *d);
int codec_opus_decode(struct codec_dec *d, const uint8_t *pkt, uint32_t len, bool fec);
int codec_opus_enc_init(struct codec_enc *e);
int codec_opus_encode(struct codec_enc *e, uint8_t *buf, uint32_t cap);
void codec_opus_enc_reset(struct codec_enc *e);
