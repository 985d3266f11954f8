/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_audio.c - the codec interface of codec.h: parameter checks, dispatch
 * to G.711 / G.722 / Opus / G.729, the per-object libswresample resampler, the generic
 * pitch-repetition PLC and frame levels.
 *
 * Every decoder and encoder owns its resampler, so filter history follows one
 * participant in one direction (a shared resampler would smear participants
 * into each other).
 * Context: create/destroy on the control path; everything else on the fast
 * path of the thread that owns the object.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include "codec.h"
#include "codec_audio_priv.h"

static const char *const names[CODEC_ID_COUNT] = {"pcmu", "pcma", "g722", "opus", "g729"};

const char *
codec_name(enum codec_id id)
{
	return (unsigned int)id < CODEC_ID_COUNT ? names[id] : "?";
}

uint32_t
codec_rtp_clock(enum codec_id id)
{
	return id == CODEC_OPUS ? 48000 : 8000;
}

uint32_t
codec_rtp_frame_ts(enum codec_id id)
{
	return codec_rtp_clock(id) / (1000 / CODEC_FRAME_MS);
}

void
codec_params_default(struct codec_params *p, enum codec_id id)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->channels = 1;
	p->complexity = -1;
}

bool
codec_params_equal(const struct codec_params *a, const struct codec_params *b)
{
	return a->id == b->id && a->rate == b->rate && a->channels == b->channels &&
	       a->bitrate == b->bitrate && a->fec == b->fec && a->dtx == b->dtx &&
	       a->complexity == b->complexity && a->celt_only == b->celt_only;
}

/* Validate and complete @p p (rate and channels defaults). */
static int
params_fix(struct codec_params *p)
{
	if (p->channels == 0)
		p->channels = 1;
	switch (p->id) {
	case CODEC_PCMU:
	case CODEC_PCMA:
	case CODEC_G729:
		if (p->rate == 0)
			p->rate = 8000;
		return p->rate == 8000 && p->channels == 1 ? 0 : -EINVAL;
	case CODEC_G722:
		if (p->rate == 0)
			p->rate = 16000;
		return p->rate == 16000 && p->channels == 1 ? 0 : -EINVAL;
	case CODEC_OPUS:
		if (p->rate == 0)
			p->rate = 48000;
		if (p->rate != 8000 && p->rate != 12000 && p->rate != 16000 &&
		    p->rate != 24000 && p->rate != 48000)
			return -EINVAL;
		return p->channels <= 2 ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/* ---- resampler ---- */

int
codec_rs_init(struct codec_rs *rs, uint32_t in_rate, uint8_t in_ch, uint32_t out_rate,
	      uint8_t out_ch)
{
	AVChannelLayout il, ol;
	int ret;

	memset(rs, 0, sizeof(*rs));
	rs->in_rate = in_rate;
	rs->out_rate = out_rate;
	rs->in_ch = in_ch;
	rs->out_ch = out_ch;
	if (in_rate == out_rate)
		return 0;
	av_channel_layout_default(&il, in_ch);
	av_channel_layout_default(&ol, out_ch);
	ret = swr_alloc_set_opts2(&rs->swr, &ol, AV_SAMPLE_FMT_S16, (int)out_rate, &il,
				  AV_SAMPLE_FMT_S16, (int)in_rate, 0, NULL);
	if (ret < 0)
		return -ENOMEM;
	/* A steeper filter than the default: 8 kHz voice has energy up to 3.4 kHz. */
	av_opt_set_int(rs->swr, "filter_size", 32, 0);
	av_opt_set_int(rs->swr, "phase_shift", 10, 0);
	av_opt_set_double(rs->swr, "cutoff", 0.95, 0);
	if (swr_init(rs->swr) < 0) {
		swr_free(&rs->swr);
		return -EINVAL;
	}
	return 0;
}

void
codec_rs_fini(struct codec_rs *rs)
{
	if (rs->swr != NULL)
		swr_free(&rs->swr);
}

/* Same rate: channel conversion by hand (mono<->stereo). */
static void
rs_copy(const struct codec_rs *rs, const int16_t *in, int16_t *out, uint32_t n)
{
	if (rs->in_ch == rs->out_ch) {
		memcpy(out, in, (size_t)n * rs->in_ch * sizeof(*in));
	} else if (rs->in_ch == 2) {
		for (uint32_t i = 0; i < n; i++)
			out[i] = (int16_t)(((int32_t)in[2 * i] + in[2 * i + 1]) >> 1);
	} else {
		for (uint32_t i = 0; i < n; i++)
			out[2 * i] = out[2 * i + 1] = in[i];
	}
}

int
codec_rs_run(struct codec_rs *rs, const int16_t *in, uint32_t n_in, int16_t *out, uint32_t n_out)
{
	const uint8_t *ip = (const uint8_t *)in;
	uint8_t *op = (uint8_t *)out;
	size_t sz = sizeof(int16_t) * rs->out_ch;
	int got;

	if (rs->swr == NULL) {
		rs_copy(rs, in, out, n_in < n_out ? n_in : n_out);
		if (n_in < n_out)
			memset(out + (size_t)n_in * rs->out_ch, 0, (n_out - n_in) * sz);
		return 0;
	}
	got = swr_convert(rs->swr, &op, (int)n_out, &ip, (int)n_in);
	if (got < 0)
		got = 0;
	if ((uint32_t)got < n_out) {
		/* Start-up: the filter delay. Right-align so the stream stays continuous. */
		if (!rs->primed) {
			memmove(op + (n_out - (uint32_t)got) * sz, op, (size_t)got * sz);
			memset(op, 0, (n_out - (uint32_t)got) * sz);
		} else {
			memset(op + (size_t)got * sz, 0, (n_out - (uint32_t)got) * sz);
		}
	}
	rs->primed = true;
	return 0;
}

/* ---- generic PLC ---- */

void
codec_plc_init(struct codec_plc *plc, uint32_t rate)
{
	memset(plc, 0, sizeof(*plc));
	plc->frame = (uint16_t)(rate / (1000 / CODEC_FRAME_MS));
}

/* Best lag in [lo, hi] by normalised autocorrelation of the last frame of history. */
static uint16_t
plc_pitch(const struct codec_plc *plc)
{
	uint32_t lo = plc->frame / 4, hi = plc->frame; /* 50..200 Hz at any rate */
	uint32_t win = plc->frame / 2;
	const int16_t *x = plc->hist + CODEC_PLC_HIST - win;
	double best = -1.0;
	uint16_t best_l = (uint16_t)hi;

	for (uint32_t l = lo; l <= hi; l++) {
		double c = 0, e = 1e-3;

		for (uint32_t i = 0; i < win; i++) {
			c += (double)x[i] * x[(int32_t)i - (int32_t)l];
			e += (double)x[(int32_t)i - (int32_t)l] * x[(int32_t)i - (int32_t)l];
		}
		if (c / sqrt(e) > best) {
			best = c / sqrt(e);
			best_l = (uint16_t)l;
		}
	}
	return best_l;
}

/* Sample @p k of the periodic extension of the last pitch period. */
static inline int32_t
plc_sample(const struct codec_plc *plc, uint32_t k)
{
	return plc->hist[CODEC_PLC_HIST - plc->pitch + (k % plc->pitch)];
}

void
codec_plc_good(struct codec_plc *plc, int16_t *x, uint32_t n)
{
	if (plc->lost > 0 && plc->hist_n >= CODEC_PLC_HIST) {
		/* Crossfade 1/4 frame from the concealment into the good audio. */
		uint32_t nx = n / 4;
		int32_t g = plc->lost >= 5 ? 0 : 256 - 51 * plc->lost;

		for (uint32_t i = 0; i < nx; i++) {
			int32_t c = plc_sample(plc, plc->pos + i) * g >> 8;

			x[i] = (int16_t)((c * (int32_t)(nx - i) + x[i] * (int32_t)i) / (int32_t)nx);
		}
	}
	plc->lost = 0;
	if (n >= CODEC_PLC_HIST) {
		memcpy(plc->hist, x + n - CODEC_PLC_HIST, sizeof(plc->hist));
	} else {
		memmove(plc->hist, plc->hist + n, (CODEC_PLC_HIST - n) * sizeof(int16_t));
		memcpy(plc->hist + CODEC_PLC_HIST - n, x, n * sizeof(int16_t));
	}
	plc->hist_n = (uint16_t)(plc->hist_n + n > CODEC_PLC_HIST ? CODEC_PLC_HIST : plc->hist_n + n);
}

void
codec_plc_conceal(struct codec_plc *plc, int16_t *out, uint32_t n)
{
	int32_t g0, g1;

	if (plc->hist_n < CODEC_PLC_HIST) {
		memset(out, 0, n * sizeof(*out));
		plc->lost++;
		return;
	}
	if (plc->lost == 0) {
		plc->pitch = plc_pitch(plc);
		plc->pos = 0;
	}
	/* Gain 1.0 for the first frame, then -20% per frame, linear within a frame. */
	g0 = plc->lost == 0 ? 256 : 256 - 51 * plc->lost;
	g1 = 256 - 51 * (plc->lost + 1);
	if (plc->lost == 0)
		g1 = 256;
	if (g0 < 0)
		g0 = 0;
	if (g1 < 0)
		g1 = 0;
	for (uint32_t i = 0; i < n; i++) {
		int32_t g = g0 + (g1 - g0) * (int32_t)i / (int32_t)n;

		out[i] = (int16_t)(plc_sample(plc, plc->pos + i) * g >> 8);
	}
	plc->pos += n;
	if (plc->lost < 255)
		plc->lost++;
}

/* ---- level ---- */

int
codec_level_dbov(const int16_t *pcm, size_t n)
{
	int64_t e = 0;
	double rms;
	int db;

	for (size_t i = 0; i < n; i++)
		e += (int32_t)pcm[i] * pcm[i];
	if (e == 0 || n == 0)
		return -127;
	rms = sqrt((double)e / (double)n);
	db = (int)lrint(20.0 * log10(rms / 32768.0));
	return db < -127 ? -127 : (db > 0 ? 0 : db);
}

/* ---- decoder ---- */

int
codec_dec_create(const struct codec_params *p, struct codec_dec **out)
{
	struct codec_dec *d;
	int ret;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->p = *p;
	ret = params_fix(&d->p);
	if (ret < 0)
		goto out_free;
	d->frame = d->p.rate / (1000 / CODEC_FRAME_MS);
	codec_plc_init(&d->plc, d->p.rate);
	ret = codec_rs_init(&d->rs, d->p.rate, d->p.channels, CODEC_RATE, 1);
	if (ret < 0)
		goto out_free;
	if (d->p.id == CODEC_OPUS)
		ret = codec_opus_dec_init(d);
	else if (d->p.id == CODEC_G722)
		ret = codec_g722_create(false, &d->g722);
	else if (d->p.id == CODEC_G729)
		ret = codec_g729_create(false, &d->g729);
	if (ret < 0)
		goto out_rs;
	*out = d;
	return 0;
out_rs:
	codec_rs_fini(&d->rs);
out_free:
	free(d);
	return ret;
}

void
codec_dec_destroy(struct codec_dec *d)
{
	if (d == NULL)
		return;
	if (d->p.id == CODEC_OPUS)
		free(d->opus); /* opus_decoder_init on our own allocation */
	else if (d->p.id == CODEC_G722)
		codec_g722_destroy(d->g722);
	else if (d->p.id == CODEC_G729)
		codec_g729_destroy(d->g729);
	codec_rs_fini(&d->rs);
	free(d);
}

static void
dec_to_internal(struct codec_dec *d, int16_t *pcm)
{
	codec_rs_run(&d->rs, d->native, d->frame, pcm, CODEC_FRAME);
}

int
codec_dec_conceal(struct codec_dec *d, int16_t *pcm)
{
	if (d->p.id == CODEC_OPUS) {
		codec_opus_decode(d, NULL, 0, false);
	} else if (d->p.id == CODEC_G729) {
		codec_g729_conceal(d->g729, d->native);
		d->n_native = d->frame;
	} else {
		codec_plc_conceal(&d->plc, d->native, d->frame);
		d->n_native = d->frame;
	}
	dec_to_internal(d, pcm);
	return 0;
}

int
codec_dec_decode(struct codec_dec *d, const uint8_t *pkt, size_t len, int16_t *pcm)
{
	int ret = 0;

	switch (d->p.id) {
	case CODEC_PCMU:
	case CODEC_PCMA:
		if (len != d->frame) {
			ret = -EINVAL;
			break;
		}
		codec_g711_decode_block(d->p.id, pkt, d->native, d->frame);
		break;
	case CODEC_G722:
		if (len != d->frame / 2) {
			ret = -EINVAL;
			break;
		}
		ret = codec_g722_decode(d->g722, pkt, (uint32_t)len, d->native, d->frame);
		break;
	case CODEC_G729:
		/* Its own concealment and comfort noise: no generic PLC history. */
		if (codec_g729_decode(d->g729, pkt, (uint32_t)len, d->native) < 0) {
			codec_dec_conceal(d, pcm);
			return -EINVAL;
		}
		d->n_native = d->frame;
		dec_to_internal(d, pcm);
		return 0;
	case CODEC_OPUS:
		ret = codec_opus_decode(d, pkt, (uint32_t)len, false);
		if (ret < 0) {
			codec_dec_conceal(d, pcm);
			return ret;
		}
		dec_to_internal(d, pcm);
		return 0;
	default:
		return -EINVAL;
	}
	if (ret < 0) {
		codec_dec_conceal(d, pcm);
		return ret;
	}
	d->n_native = d->frame;
	codec_plc_good(&d->plc, d->native, d->frame);
	dec_to_internal(d, pcm);
	return 0;
}

int
codec_dec_decode_fec(struct codec_dec *d, const uint8_t *next, size_t len, int16_t *pcm)
{
	int ret;

	if (d->p.id != CODEC_OPUS)
		return -ENOTSUP;
	ret = codec_opus_decode(d, next, (uint32_t)len, true);
	if (ret == -EINVAL) {
		codec_dec_conceal(d, pcm);
		return ret;
	}
	dec_to_internal(d, pcm);
	return ret;
}

bool
codec_dec_has_fec(const struct codec_dec *d)
{
	return d->p.id == CODEC_OPUS;
}

const int16_t *
codec_dec_native(const struct codec_dec *d, size_t *n)
{
	if (d->p.id == CODEC_OPUS)
		return NULL;
	*n = d->n_native;
	return d->native;
}

/* ---- encoder ---- */

int
codec_enc_create(const struct codec_params *p, struct codec_enc **out)
{
	struct codec_enc *e;
	int ret;

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->p = *p;
	ret = params_fix(&e->p);
	if (ret < 0)
		goto out_free;
	e->frame = e->p.rate / (1000 / CODEC_FRAME_MS);
	/* Mono mix in; a stereo Opus encoder gets the mono duplicated by rs_copy. */
	ret = codec_rs_init(&e->rs, CODEC_RATE, 1, e->p.rate, e->p.channels);
	if (ret < 0)
		goto out_free;
	if (e->p.id == CODEC_OPUS)
		ret = codec_opus_enc_init(e);
	else if (e->p.id == CODEC_G722)
		ret = codec_g722_create(true, &e->g722);
	else if (e->p.id == CODEC_G729)
		ret = codec_g729_create(true, &e->g729);
	if (ret < 0)
		goto out_rs;
	*out = e;
	return 0;
out_rs:
	codec_rs_fini(&e->rs);
out_free:
	free(e);
	return ret;
}

void
codec_enc_destroy(struct codec_enc *e)
{
	if (e == NULL)
		return;
	if (e->p.id == CODEC_OPUS)
		free(e->opus);
	else if (e->p.id == CODEC_G722)
		codec_g722_destroy(e->g722);
	else if (e->p.id == CODEC_G729)
		codec_g729_destroy(e->g729);
	codec_rs_fini(&e->rs);
	free(e);
}

int
codec_enc_encode(struct codec_enc *e, const int16_t *pcm, uint8_t *buf, size_t cap)
{
	codec_rs_run(&e->rs, pcm, CODEC_FRAME, e->native, e->frame);
	switch (e->p.id) {
	case CODEC_PCMU:
	case CODEC_PCMA:
		if (cap < e->frame)
			return -ENOSPC;
		codec_g711_encode_block(e->p.id, e->native, buf, e->frame);
		return (int)e->frame;
	case CODEC_G722:
		if (cap < e->frame / 2)
			return -ENOSPC;
		return codec_g722_encode(e->g722, e->native, e->frame, buf, (uint32_t)cap);
	case CODEC_G729:
		return codec_g729_encode(e->g729, e->native, buf, (uint32_t)cap);
	case CODEC_OPUS:
		return codec_opus_encode(e, buf, (uint32_t)(cap > CODEC_MAX_PAYLOAD ? CODEC_MAX_PAYLOAD : cap));
	default:
		return -EINVAL;
	}
}

void
codec_enc_reset(struct codec_enc *e)
{
	if (e->p.id == CODEC_OPUS)
		codec_opus_enc_reset(e);
}
