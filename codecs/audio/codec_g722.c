/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_g722.c - ITU-T G.722 (64 kbit/s mode) through libavcodec's
 * adpcm_g722 encoder and decoder, 16 kHz mono s16, 20 ms = 160 bytes.
 *
 * The AVCodecContext, packet and frame are allocated once; the packet points
 * at a padded copy of the payload, so libavcodec may still copy it (it does
 * not take a borrowed buffer), which is one small allocation per packet on
 * this path. Replacing it with our own G.722 is a drop-in change of this file.
 * Context: fast path for decode/encode, control path for create/destroy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>

#include "codec.h"
#include "codec_audio_priv.h"

#define G722_FRAME 320 /* samples at 16 kHz per 20 ms */

struct codec_g722 {
	AVCodecContext *ctx; /* owned */
	AVPacket *pkt;       /* owned */
	AVFrame *frm;        /* owned */
	uint8_t in[G722_FRAME / 2 + AV_INPUT_BUFFER_PADDING_SIZE];
};

void
codec_g722_destroy(struct codec_g722 *g)
{
	if (g == NULL)
		return;
	avcodec_free_context(&g->ctx);
	av_packet_free(&g->pkt);
	av_frame_free(&g->frm);
	free(g);
}

int
codec_g722_create(bool encoder, struct codec_g722 **out)
{
	const AVCodec *c = encoder ? avcodec_find_encoder(AV_CODEC_ID_ADPCM_G722)
				   : avcodec_find_decoder(AV_CODEC_ID_ADPCM_G722);
	struct codec_g722 *g;
	int ret = -ENOMEM;

	if (c == NULL)
		return -ENOTSUP;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->ctx = avcodec_alloc_context3(c);
	g->pkt = av_packet_alloc();
	g->frm = av_frame_alloc();
	if (g->ctx == NULL || g->pkt == NULL || g->frm == NULL)
		goto out_destroy;
	g->ctx->sample_rate = 16000;
	av_channel_layout_default(&g->ctx->ch_layout, 1);
	g->ctx->sample_fmt = AV_SAMPLE_FMT_S16;
	if (encoder) {
		g->ctx->bit_rate = 64000;
		g->ctx->frame_size = G722_FRAME;
	}
	ret = -EINVAL;
	if (avcodec_open2(g->ctx, c, NULL) < 0)
		goto out_destroy;
	if (encoder) {
		g->frm->nb_samples = G722_FRAME;
		g->frm->format = AV_SAMPLE_FMT_S16;
		g->frm->sample_rate = 16000;
		av_channel_layout_default(&g->frm->ch_layout, 1);
		if (av_frame_get_buffer(g->frm, 0) < 0)
			goto out_destroy;
	}
	*out = g;
	return 0;
out_destroy:
	codec_g722_destroy(g);
	return ret;
}

int
codec_g722_decode(struct codec_g722 *g, const uint8_t *pkt, uint32_t len, int16_t *out,
		  uint32_t cap)
{
	int ret;

	if (len == 0 || len > G722_FRAME / 2 || cap < 2 * len)
		return -EINVAL;
	memcpy(g->in, pkt, len);
	memset(g->in + len, 0, AV_INPUT_BUFFER_PADDING_SIZE);
	g->pkt->data = g->in;
	g->pkt->size = (int)len;
	if (avcodec_send_packet(g->ctx, g->pkt) < 0)
		return -EINVAL;
	ret = avcodec_receive_frame(g->ctx, g->frm);
	if (ret < 0)
		return -EINVAL;
	if ((uint32_t)g->frm->nb_samples != 2 * len) {
		av_frame_unref(g->frm);
		return -EINVAL;
	}
	memcpy(out, g->frm->data[0], (size_t)g->frm->nb_samples * sizeof(int16_t));
	av_frame_unref(g->frm);
	return 0;
}

int
codec_g722_encode(struct codec_g722 *g, const int16_t *in, uint32_t n, uint8_t *buf, uint32_t cap)
{
	int len;

	if (n != G722_FRAME)
		return -EINVAL;
	if (av_frame_make_writable(g->frm) < 0)
		return -ENOMEM;
	memcpy(g->frm->data[0], in, n * sizeof(int16_t));
	if (avcodec_send_frame(g->ctx, g->frm) < 0)
		return -EIO;
	if (avcodec_receive_packet(g->ctx, g->pkt) < 0)
		return -EIO;
	len = g->pkt->size;
	if ((uint32_t)len > cap) {
		av_packet_unref(g->pkt);
		return -ENOSPC;
	}
	memcpy(buf, g->pkt->data, (size_t)len);
	av_packet_unref(g->pkt);
	return len;
}
