/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_prompt.c - the prompt set (codec_prompt.h): WAV reading and the
 * conversion to the engine's format, 48 kHz mono int16, with libswresample
 * (the same filter settings as the codecs' resamplers).
 *
 * The WAV reader walks the RIFF chunks, takes the first "fmt " (PCM or
 * WAVE_FORMAT_EXTENSIBLE with 16-bit samples, 1 or 2 channels, 8-48 kHz) and
 * the first "data" chunk; a data size larger than the file (written by a
 * program that streamed to a pipe) is clamped to what is there.
 * Context: control path (allocates, reads files).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include "codec_prompt.h"

static const char *const names[CODEC_PROMPT_COUNT] = {
	[CODEC_PROMPT_PIN_ENTRY] = "pin_entry",
	[CODEC_PROMPT_PIN_GUEST_OR_HOST] = "pin_guest_or_host",
	[CODEC_PROMPT_PIN_WRONG] = "pin_wrong",
	[CODEC_PROMPT_LOCKED] = "locked",
	[CODEC_PROMPT_WAITING_HOST] = "waiting_host",
	[CODEC_PROMPT_IVR_WELCOME] = "ivr_welcome",
	[CODEC_PROMPT_IVR_WRONG] = "ivr_wrong",
	[CODEC_PROMPT_CONFERENCE_FULL] = "conference_full",
	[CODEC_PROMPT_GOODBYE] = "goodbye",
	[CODEC_PROMPT_JOIN_TONE] = "join_tone",
	[CODEC_PROMPT_LEAVE_TONE] = "leave_tone",
};

const char *
codec_prompt_name(unsigned int id)
{
	return id < CODEC_PROMPT_COUNT ? names[id] : NULL;
}

int
codec_prompt_lookup(const char *name)
{
	for (unsigned int i = 0; name != NULL && i < CODEC_PROMPT_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -ENOENT;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Read the whole file (at most @p max bytes). @return 0 or -errno. */
static int
slurp(const char *path, uint8_t **buf, size_t *len, size_t max)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		return -errno;
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			if (cap >= max) {
				free(b);
				fclose(f);
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(b, cap);
			if (nb == NULL) {
				free(b);
				fclose(f);
				return -ENOMEM;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(b);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

/* Resample interleaved s16 @p in (@p frames per channel) to 48 kHz mono. */
static int
convert(const int16_t *in, uint32_t frames, unsigned int rate, unsigned int channels,
	int16_t **pcm, uint32_t *samples)
{
	AVChannelLayout il, ol = AV_CHANNEL_LAYOUT_MONO;
	struct SwrContext *swr = NULL;
	uint64_t cap = (uint64_t)frames * 48000 / rate + 256;
	const uint8_t *ip = (const uint8_t *)in;
	uint8_t *op;
	int16_t *out;
	int got, tail;

	if (cap > CODEC_PROMPT_MAX_SAMPLES + 256)
		return -EFBIG;
	out = malloc(cap * sizeof(*out));
	if (out == NULL)
		return -ENOMEM;
	av_channel_layout_default(&il, (int)channels);
	if (swr_alloc_set_opts2(&swr, &ol, AV_SAMPLE_FMT_S16, 48000, &il, AV_SAMPLE_FMT_S16,
				(int)rate, 0, NULL) < 0 || swr == NULL) {
		free(out);
		return -ENOMEM;
	}
	av_opt_set_int(swr, "filter_size", 32, 0);
	av_opt_set_int(swr, "phase_shift", 10, 0);
	av_opt_set_double(swr, "cutoff", 0.95, 0);
	if (swr_init(swr) < 0) {
		swr_free(&swr);
		free(out);
		return -EIO;
	}
	op = (uint8_t *)out;
	got = swr_convert(swr, &op, (int)cap, &ip, (int)frames);
	if (got < 0) {
		swr_free(&swr);
		free(out);
		return -EIO;
	}
	/* Flush the filter's tail. */
	op = (uint8_t *)(out + got);
	tail = swr_convert(swr, &op, (int)(cap - (uint64_t)got), NULL, 0);
	swr_free(&swr);
	if (tail > 0)
		got += tail;
	*pcm = out;
	*samples = (uint32_t)got;
	return 0;
}

int
codec_prompt_read_wav(const char *path, int16_t **pcm, uint32_t *samples)
{
	uint8_t *buf = NULL;
	size_t len = 0, off = 12;
	const uint8_t *data = NULL;
	uint32_t data_len = 0;
	unsigned int fmt = 0, channels = 0, rate = 0, bits = 0;
	int ret;

	ret = slurp(path, &buf, &len, (size_t)CODEC_PROMPT_MAX_SAMPLES * 2 * 2 + 65536);
	if (ret < 0)
		return ret;
	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0) {
		free(buf);
		return -EPROTO;
	}
	while (off + 8 <= len && data == NULL) {
		uint32_t clen = le32(buf + off + 4);
		const uint8_t *body = buf + off + 8;
		size_t avail = len - off - 8;

		if (memcmp(buf + off, "fmt ", 4) == 0 && fmt == 0) {
			if (clen < 16 || avail < 16)
				break;
			fmt = le16(body);
			channels = le16(body + 2);
			rate = le32(body + 4);
			bits = le16(body + 14);
			if (fmt == 0xfffe && clen >= 26 && avail >= 26)
				fmt = le16(body + 24); /* the sub-format GUID starts with the tag */
		} else if (memcmp(buf + off, "data", 4) == 0) {
			data = body;
			data_len = clen > avail ? (uint32_t)avail : clen;
			break;
		}
		if (clen > avail)
			break;
		off += 8 + clen + (clen & 1);
	}
	if (data == NULL || fmt != 1 || bits != 16 || channels < 1 || channels > 2 ||
	    rate < 8000 || rate > 48000) {
		free(buf);
		return -EPROTO;
	}
	{
		uint32_t frames = data_len / (2 * channels);
		int16_t *s = malloc((size_t)frames * channels * sizeof(*s) + 1);

		if (s == NULL) {
			free(buf);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < frames * channels; i++)
			s[i] = (int16_t)le16(data + 2 * i);
		free(buf);
		if ((uint64_t)frames * 48000 / rate > CODEC_PROMPT_MAX_SAMPLES) {
			free(s);
			return -EFBIG;
		}
		if (frames == 0) {
			free(s);
			return -EPROTO;
		}
		ret = convert(s, frames, rate, channels, pcm, samples);
		free(s);
	}
	return ret;
}

unsigned int
codec_prompt_set_load(struct codec_prompt_set *set, const char *dir, int *errs)
{
	unsigned int n = 0;

	memset(set, 0, sizeof(*set));
	for (unsigned int i = 0; i < CODEC_PROMPT_COUNT; i++) {
		char path[4096];
		int ret;

		set->p[i].name = names[i];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.wav", dir, names[i]) >=
		    sizeof(path))
			ret = -ENAMETOOLONG;
		else
			ret = codec_prompt_read_wav(path, &set->p[i].pcm, &set->p[i].samples);
		if (ret == 0)
			n++;
		if (errs != NULL)
			errs[i] = ret;
	}
	return n;
}

void
codec_prompt_set_free(struct codec_prompt_set *set)
{
	for (unsigned int i = 0; i < CODEC_PROMPT_COUNT; i++) {
		free(set->p[i].pcm);
		set->p[i].pcm = NULL;
		set->p[i].samples = 0;
	}
}

const struct codec_prompt *
codec_prompt_get(const struct codec_prompt_set *set, unsigned int id)
{
	if (set == NULL || id >= CODEC_PROMPT_COUNT || set->p[id].pcm == NULL)
		return NULL;
	return &set->p[id];
}
