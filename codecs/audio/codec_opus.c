/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_opus.c - Opus (RFC 6716) through libopus: decode with PLC and in-band
 * FEC (LBRR), encode with DTX and FEC, mono or stereo at 8-48 kHz.
 *
 * The libopus state is allocated once with opus_*_get_size() and set up with
 * opus_*_init(), so destroy is a plain free(). A packet must hold exactly
 * 20 ms: the engine ticks in 20 ms frames, so 10/40/60 ms packets are refused
 * (-EINVAL, concealed) for now. codec_opus_vad() reads the SILK VAD flags of
 * a packet without decoding it, so the conference can skip quiet speakers.
 * Context: fast path for decode/encode (no allocation), control path for init.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <opus/opus.h>

#include "codec.h"
#include "codec_audio_priv.h"

int
codec_opus_dec_init(struct codec_dec *d)
{
	OpusDecoder *od = malloc((size_t)opus_decoder_get_size(d->p.channels));

	if (od == NULL)
		return -ENOMEM;
	if (opus_decoder_init(od, (opus_int32)d->p.rate, d->p.channels) != OPUS_OK) {
		free(od);
		return -EINVAL;
	}
	d->opus = od;
	return 0;
}

/*
 * Decode @p pkt (NULL = PLC) into d->native. With @p fec, decode the LBRR
 * copy of the previous frame carried by @p pkt: SILK and hybrid packets carry
 * it when the sender enabled FEC; CELT-only packets never do (-ENODATA, and
 * libopus then conceals).
 */
int
codec_opus_decode(struct codec_dec *d, const uint8_t *pkt, uint32_t len, bool fec)
{
	int n;

	if (pkt != NULL) {
		if (len == 0 || opus_packet_get_nb_samples(pkt, (opus_int32)len,
							   (opus_int32)d->p.rate) != (int)d->frame)
			return -EINVAL;
	}
	n = opus_decode(d->opus, pkt, (opus_int32)len, d->native, (int)d->frame, fec ? 1 : 0);
	if (n != (int)d->frame) {
		/* Corrupt: let libopus conceal so the stream stays continuous. */
		if (opus_decode(d->opus, NULL, 0, d->native, (int)d->frame, 0) != (int)d->frame)
			memset(d->native, 0, sizeof(d->native));
		return -EINVAL;
	}
	d->n_native = d->frame;
	if (fec && (pkt[0] >> 3) >= 16)
		return -ENODATA;
	return 0;
}

int
codec_opus_vad(const uint8_t *pkt, size_t len)
{
	const unsigned char *frame[48];
	opus_int16 size[48];
	int n, silk, bits, stereo, voice = 0;

	if (pkt == NULL || len == 0 || len > INT32_MAX)
		return -EINVAL;
	if ((pkt[0] >> 3) >= 16)
		return -ENODATA; /* CELT-only: configurations 16-31 */
	n = opus_packet_parse(pkt, (opus_int32)len, NULL, frame, size, NULL);
	if (n <= 0)
		return -EINVAL;
	/* SILK frames per Opus frame: 1 for 10 and 20 ms, 2 for 40, 3 for 60 (§4.2.2). */
	silk = opus_packet_get_samples_per_frame(pkt, 48000) / 960;
	if (silk < 1)
		silk = 1;
	stereo = (pkt[0] >> 2) & 1;
	/* Per channel: one VAD flag per SILK frame, then the LBRR flag. */
	bits = silk + 1;
	for (int f = 0; f < n; f++) {
		unsigned int b = size[f] > 0 ? frame[f][0] : 0;
		unsigned int mid = (b >> (8 - silk)) & ((1u << silk) - 1);
		unsigned int side = stereo ? (b >> (8 - bits - silk)) & ((1u << silk) - 1) : 0;

		voice |= mid != 0 || side != 0;
	}
	return voice;
}

int
codec_opus_enc_init(struct codec_enc *e)
{
	OpusEncoder *oe = malloc((size_t)opus_encoder_get_size(e->p.channels));
	opus_int32 br = e->p.bitrate ? (opus_int32)e->p.bitrate : (e->p.channels == 2 ? 48000 : 32000);
	int app = e->p.celt_only ? OPUS_APPLICATION_RESTRICTED_LOWDELAY : OPUS_APPLICATION_VOIP;

	if (oe == NULL)
		return -ENOMEM;
	if (opus_encoder_init(oe, (opus_int32)e->p.rate, e->p.channels, app) != OPUS_OK) {
		free(oe);
		return -EINVAL;
	}
	opus_encoder_ctl(oe, OPUS_SET_BITRATE(br));
	opus_encoder_ctl(oe, OPUS_SET_INBAND_FEC(e->p.fec ? 1 : 0));
	opus_encoder_ctl(oe, OPUS_SET_PACKET_LOSS_PERC(e->p.fec ? (e->p.loss_pct ? e->p.loss_pct : 10) : 0));
	opus_encoder_ctl(oe, OPUS_SET_DTX(e->p.dtx ? 1 : 0));
	opus_encoder_ctl(oe, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
	if (e->p.complexity >= 0)
		opus_encoder_ctl(oe, OPUS_SET_COMPLEXITY(e->p.complexity));
	e->opus = oe;
	return 0;
}

int
codec_opus_encode(struct codec_enc *e, uint8_t *buf, uint32_t cap)
{
	int n = opus_encode(e->opus, e->native, (int)e->frame, buf, (opus_int32)cap);

	if (n < 0)
		return n == OPUS_BUFFER_TOO_SMALL ? -ENOSPC : -EIO;
	/* libopus: a packet of 2 bytes or less need not be sent (DTX). */
	if (e->p.dtx && n <= 2)
		return 0;
	return n;
}

void
codec_opus_enc_reset(struct codec_enc *e)
{
	opus_encoder_ctl(e->opus, OPUS_RESET_STATE);
}
