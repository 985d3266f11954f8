/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_g729.c - ITU-T G.729 Annex A (8 kbit/s CS-ACELP) with Annex B
 * comfort noise on receive, through bcg729 (Debian libbcg729).
 *
 * One RTP payload of the engine holds 20 ms: two 10 ms frames of 10 octets
 * (RFC 3551 §4.5.6). On receive a payload is zero or more 10-octet frames
 * followed by at most one 2-octet SID frame (Annex B), at most 20 ms in all:
 * 20 octets (two speech frames), 12 (speech + SID), 10 (speech), 2 (SID).
 * A 10 ms payload leaves its second frame untransmitted, which bcg729 fills
 * with comfort noise after a SID and with concealment after speech (G.729
 * §4.4 / B.27); a lost payload is two such frames.
 *
 * The encoder runs without VAD/DTX (Annex B off): every payload is two speech
 * frames, 20 octets, so the SDP says annexb=no and any G.729 decoder, with
 * or without Annex B, plays what we send.
 *
 * bcg729 allocates its channel state once at init and nothing per frame.
 * Context: fast path for decode/encode, control path for create/destroy.
 */
#include <errno.h>
#include <stdlib.h>

#include "config.h"

#ifdef HAVE_BCG729
#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
#endif

#include "codec.h"
#include "codec_audio_priv.h"

#define G729_SUB 80       /* samples of one 10 ms frame at 8 kHz */
#define G729_SPEECH 10    /* octets of a speech frame */
#define G729_SID 2        /* octets of an Annex B SID frame */

#ifdef HAVE_BCG729

struct codec_g729 {
	bcg729DecoderChannelContextStruct *dec; /* owned, NULL for an encoder */
	bcg729EncoderChannelContextStruct *enc; /* owned, NULL for a decoder */
};

bool
codec_g729_available(void)
{
	return true;
}

int
codec_g729_create(bool encoder, struct codec_g729 **out)
{
	struct codec_g729 *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return -ENOMEM;
	if (encoder)
		g->enc = initBcg729EncoderChannel(0); /* no VAD: Annex B off when sending */
	else
		g->dec = initBcg729DecoderChannel();
	if (g->enc == NULL && g->dec == NULL) {
		free(g);
		return -ENOMEM;
	}
	*out = g;
	return 0;
}

void
codec_g729_destroy(struct codec_g729 *g)
{
	if (g == NULL)
		return;
	if (g->dec != NULL)
		closeBcg729DecoderChannel(g->dec);
	if (g->enc != NULL)
		closeBcg729EncoderChannel(g->enc);
	free(g);
}

int
codec_g729_decode(struct codec_g729 *g, const uint8_t *pkt, uint32_t len, int16_t *out)
{
	uint32_t speech = len / G729_SPEECH, sid = len % G729_SPEECH == G729_SID, k = 0;

	/* Check the whole payload first: a bad one must not half-move the state. */
	if (len == 0 || (len % G729_SPEECH != 0 && !sid) || speech + sid > 2)
		return -EINVAL;
	for (; k < speech; k++)
		bcg729Decoder(g->dec, pkt + k * G729_SPEECH, G729_SPEECH, 0, 0, 0,
			      out + k * G729_SUB);
	if (sid)
		bcg729Decoder(g->dec, pkt + k++ * G729_SPEECH, G729_SID, 0, 1, 0,
			      out + (speech * G729_SUB));
	for (; k < 2; k++)
		bcg729Decoder(g->dec, NULL, 0, 1, 0, 0, out + k * G729_SUB);
	return 0;
}

void
codec_g729_conceal(struct codec_g729 *g, int16_t *out)
{
	/* Erased frames: concealment after speech, comfort noise after a SID. */
	for (uint32_t k = 0; k < 2; k++)
		bcg729Decoder(g->dec, NULL, 0, 1, 0, 0, out + k * G729_SUB);
}

int
codec_g729_encode(struct codec_g729 *g, const int16_t *in, uint8_t *buf, uint32_t cap)
{
	uint8_t n = 0;

	if (cap < 2 * G729_SPEECH)
		return -ENOSPC;
	for (uint32_t k = 0; k < 2; k++) {
		bcg729Encoder(g->enc, in + k * G729_SUB, buf + k * G729_SPEECH, &n);
		if (n != G729_SPEECH)
			return -EIO; /* without VAD every frame is speech */
	}
	return 2 * G729_SPEECH;
}

#else /* !HAVE_BCG729 */

bool
codec_g729_available(void)
{
	return false;
}

int
codec_g729_create(bool encoder, struct codec_g729 **out)
{
	(void)encoder;
	*out = NULL;
	return -ENOTSUP;
}

void
codec_g729_destroy(struct codec_g729 *g)
{
	(void)g;
}

int
codec_g729_decode(struct codec_g729 *g, const uint8_t *pkt, uint32_t len, int16_t *out)
{
	(void)g;
	(void)pkt;
	(void)len;
	(void)out;
	return -ENOTSUP;
}

void
codec_g729_conceal(struct codec_g729 *g, int16_t *out)
{
	(void)g;
	(void)out;
}

int
codec_g729_encode(struct codec_g729 *g, const int16_t *in, uint8_t *buf, uint32_t cap)
{
	(void)g;
	(void)in;
	(void)buf;
	(void)cap;
	return -ENOTSUP;
}

#endif
