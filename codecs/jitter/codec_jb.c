/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_jb.c - adaptive jitter buffer (see codec_jb.h for the model).
 *
 * Frame numbers are counted from the timestamp of the packet the buffer
 * (re)started on: fn = round((ts - ts0) / frame_ts), so timestamps need not
 * be multiples of the frame size. Sequence statistics follow RFC 3550 A.1
 * (extended highest sequence, cycles) and A.3 (fraction lost); jitter A.8.
 * Context: fast path (no allocation after create, no lock, no log).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec_jb.h"

enum jb_state {
	JB_IDLE = 0,  /* no reference: the next packet starts buffering */
	JB_BUFFERING, /* filling up to the target before playing */
	JB_PLAYING,
};

struct jb_slot {
	uint32_t ts;
	uint32_t fn;
	uint16_t seq;
	uint16_t len;
	bool used;
};

/*
 * Invariants: state != JB_IDLE implies the buffer has a reference ts0;
 * max_fn is the highest frame number stored since the (re)start.
 */
struct codec_jb {
	struct codec_jb_cfg cfg;
	enum jb_state state;
	uint32_t ts0;
	uint32_t play_fn;
	uint32_t max_fn;
	uint16_t wait;       /* ticks spent buffering */
	uint16_t underruns;  /* consecutive */
	uint16_t far_behind; /* consecutive packets far older than the playout point */
	uint16_t target;
	int32_t depth_q8;    /* smoothed depth at pull, frames * 256 */
	/* RFC 3550 A.1 / A.8 */
	bool seq_init;
	uint16_t max_seq;
	uint32_t cycles;
	uint32_t base_seq;
	int32_t last_transit;
	bool transit_init;
	uint32_t jitter_q4;  /* jitter * 16 */
	uint32_t expected_prior;
	uint64_t received_prior;
	struct codec_jb_stats st;
	struct jb_slot *slot; /* [cfg.slots], owned */
	uint8_t *data;        /* [cfg.slots * cfg.max_payload], owned */
};

void
codec_jb_cfg_default(struct codec_jb_cfg *cfg, uint32_t clock_rate, uint32_t frame_ts)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->clock_rate = clock_rate;
	cfg->frame_ts = frame_ts;
	cfg->min_frames = 2;
	cfg->max_frames = 10;
	cfg->slots = 32;
	cfg->max_payload = 512;
	cfg->max_conceal = 5;
}

size_t
codec_jb_mem_size(const struct codec_jb_cfg *cfg)
{
	return sizeof(struct codec_jb) + (size_t)cfg->slots * sizeof(struct jb_slot) +
	       (size_t)cfg->slots * cfg->max_payload;
}

int
codec_jb_create(const struct codec_jb_cfg *cfg, struct codec_jb **out)
{
	struct codec_jb *jb;

	if (cfg->clock_rate == 0 || cfg->frame_ts == 0 || cfg->slots <= cfg->max_frames ||
	    cfg->min_frames > cfg->max_frames || cfg->min_frames == 0 || cfg->max_payload == 0)
		return -EINVAL;
	jb = calloc(1, sizeof(*jb));
	if (jb == NULL)
		return -ENOMEM;
	jb->cfg = *cfg;
	jb->slot = calloc(cfg->slots, sizeof(*jb->slot));
	jb->data = malloc((size_t)cfg->slots * cfg->max_payload);
	if (jb->slot == NULL || jb->data == NULL) {
		codec_jb_destroy(jb);
		return -ENOMEM;
	}
	jb->target = cfg->min_frames;
	jb->st.target = jb->target;
	*out = jb;
	return 0;
}

void
codec_jb_destroy(struct codec_jb *jb)
{
	if (jb == NULL)
		return;
	free(jb->slot);
	free(jb->data);
	free(jb);
}

static void
flush(struct codec_jb *jb)
{
	for (uint32_t i = 0; i < jb->cfg.slots; i++)
		jb->slot[i].used = false;
	jb->state = JB_IDLE;
	jb->wait = 0;
	jb->underruns = 0;
}

void
codec_jb_reset(struct codec_jb *jb)
{
	flush(jb);
	jb->seq_init = false;
	jb->transit_init = false;
}

/* RFC 3550 A.1 (simplified: no probation) and the reorder/dup hints. */
static int
seq_update(struct codec_jb *jb, uint16_t seq)
{
	int16_t d;

	if (!jb->seq_init) {
		jb->seq_init = true;
		jb->max_seq = seq;
		jb->base_seq = seq;
		jb->cycles = 0;
		jb->expected_prior = 0;
		/* received already counts this packet, the first one expected. */
		jb->received_prior = jb->st.received - 1;
		return 0;
	}
	d = (int16_t)(uint16_t)(seq - jb->max_seq);
	if (d > 0) {
		if (seq < jb->max_seq)
			jb->cycles += 1u << 16;
		jb->max_seq = seq;
		return 0;
	}
	return d == 0 ? 0 : -1; /* -1: older than the highest seen */
}

/* RFC 3550 A.8: J += (|D| - J) / 16, in timestamp units. */
static void
jitter_update(struct codec_jb *jb, uint32_t ts, uint64_t now_us)
{
	uint32_t arrival = (uint32_t)(now_us * jb->cfg.clock_rate / 1000000u);
	int32_t transit = (int32_t)(arrival - ts);
	int64_t d;
	uint32_t jf;

	if (jb->transit_init) {
		d = (int32_t)((uint32_t)transit - (uint32_t)jb->last_transit);
		if (d < 0)
			d = -d;
		/* A timestamp jump beyond the buffer (restart) is not jitter. */
		if (d <= (int64_t)jb->cfg.slots * jb->cfg.frame_ts)
			jb->jitter_q4 += (uint32_t)d - ((jb->jitter_q4 + 8) >> 4);
	}
	jb->last_transit = transit;
	jb->transit_init = true;
	/* target = 1 + ceil(3 J / frame) */
	jf = (3 * (jb->jitter_q4 >> 4) + jb->cfg.frame_ts - 1) / jb->cfg.frame_ts;
	jf += 1;
	if (jf < jb->cfg.min_frames)
		jf = jb->cfg.min_frames;
	if (jf > jb->cfg.max_frames)
		jf = jb->cfg.max_frames;
	jb->target = (uint16_t)jf;
}

static uint32_t
frame_no(const struct codec_jb *jb, uint32_t ts)
{
	int64_t d = (int32_t)(ts - jb->ts0);
	int64_t h = jb->cfg.frame_ts / 2;

	/* Round to nearest, symmetric around zero (packets may precede ts0). */
	return (uint32_t)(d >= 0 ? (d + h) / jb->cfg.frame_ts : -((-d + h) / jb->cfg.frame_ts));
}

static void
restart(struct codec_jb *jb, uint32_t ts)
{
	flush(jb);
	jb->state = JB_BUFFERING;
	jb->ts0 = ts;
	jb->play_fn = 0;
	jb->max_fn = 0;
	jb->depth_q8 = 0;
}

/* Store one 20 ms frame. */
static int
store(struct codec_jb *jb, uint16_t seq, uint32_t ts, const uint8_t *p, uint32_t len)
{
	uint32_t fn;
	int32_t ahead;
	struct jb_slot *s;

	if (jb->state == JB_IDLE) {
		jb->st.resyncs += jb->seq_init && jb->st.received > 1;
		restart(jb, ts);
	}
	fn = frame_no(jb, ts);
	ahead = (int32_t)(fn - jb->play_fn);
	if (ahead < 0) {
		/* Before playing starts, an early straggler moves the start back. */
		if (jb->state != JB_BUFFERING || (int32_t)(jb->max_fn - fn) >= jb->cfg.slots) {
			/*
			 * Far in the past three times in a row: the sender's timestamps
			 * jumped back (new base), not a stray late packet. Restart.
			 */
			if (-ahead >= jb->cfg.slots && ++jb->far_behind >= 3) {
				jb->st.resyncs++;
				restart(jb, ts);
				fn = 0;
				goto place;
			}
			jb->st.late++;
			return -ETIME;
		}
		jb->play_fn = fn;
	} else if (ahead >= jb->cfg.slots) {
		jb->st.resyncs++;
		restart(jb, ts);
		fn = 0;
	}
place:
	jb->far_behind = 0;
	s = &jb->slot[fn % jb->cfg.slots];
	if (s->used && s->fn == fn) {
		jb->st.duplicates++;
		return -EALREADY;
	}
	s->used = true;
	s->fn = fn;
	s->ts = ts;
	s->seq = seq;
	s->len = (uint16_t)len;
	memcpy(jb->data + (size_t)(fn % jb->cfg.slots) * jb->cfg.max_payload, p, len);
	if ((int32_t)(fn - jb->max_fn) > 0)
		jb->max_fn = fn;
	return 0;
}

int
codec_jb_insert(struct codec_jb *jb, uint16_t seq, uint32_t ts, const uint8_t *payload,
		size_t len, uint64_t now_us)
{
	uint32_t n = 1, flen = (uint32_t)len;
	int older, ret = 0;

	if (len == 0 || payload == NULL) {
		jb->st.dropped++;
		return -EMSGSIZE;
	}
	if (jb->cfg.split_bytes != 0 && len > jb->cfg.split_bytes &&
	    len % jb->cfg.split_bytes == 0 && len / jb->cfg.split_bytes <= 6) {
		flen = jb->cfg.split_bytes;
		n = (uint32_t)len / flen;
	}
	if (flen > jb->cfg.max_payload) {
		jb->st.dropped++;
		return -EMSGSIZE;
	}
	jb->st.received++;
	older = seq_update(jb, seq);
	for (uint32_t i = 0; i < n; i++) {
		int r = store(jb, seq, ts + i * jb->cfg.frame_ts, payload + i * flen, flen);

		if (i == 0)
			ret = r;
	}
	if (ret == 0 && older)
		jb->st.reordered++;
	if (ret != -EALREADY)
		jitter_update(jb, ts, now_us);
	return ret;
}

void
codec_jb_seq_only(struct codec_jb *jb, uint16_t seq)
{
	jb->st.received++;
	seq_update(jb, seq);
}

static struct jb_slot *
slot_at(struct codec_jb *jb, uint32_t fn)
{
	struct jb_slot *s = &jb->slot[fn % jb->cfg.slots];

	return s->used && s->fn == fn ? s : NULL;
}

static const uint8_t *
slot_data(const struct codec_jb *jb, const struct jb_slot *s)
{
	return jb->data + (size_t)(s->fn % jb->cfg.slots) * jb->cfg.max_payload;
}

uint16_t
codec_jb_depth(const struct codec_jb *jb)
{
	int32_t d;

	if (jb->state == JB_IDLE)
		return 0;
	d = (int32_t)(jb->max_fn - jb->play_fn) + 1;
	return d <= 0 ? 0 : (uint16_t)d;
}

bool
codec_jb_is_playing(const struct codec_jb *jb)
{
	return jb->state == JB_PLAYING;
}

enum codec_jb_status
codec_jb_pull(struct codec_jb *jb, struct codec_jb_frame *f)
{
	struct jb_slot *s, *n;
	uint16_t depth = codec_jb_depth(jb);

	if (jb->state == JB_IDLE)
		return CODEC_JB_EMPTY;
	if (jb->state == JB_BUFFERING) {
		if (depth < jb->target && ++jb->wait < jb->target)
			return CODEC_JB_EMPTY;
		jb->state = JB_PLAYING;
		jb->depth_q8 = depth * 256;
	}
	jb->depth_q8 += (depth * 256 - jb->depth_q8) / 16;
	memset(f, 0, sizeof(*f));
	s = slot_at(jb, jb->play_fn);
	if (s != NULL) {
		s->used = false;
		f->payload = slot_data(jb, s);
		f->len = s->len;
		f->seq = s->seq;
		f->ts = s->ts;
		jb->play_fn++;
		jb->underruns = 0;
		return CODEC_JB_FRAME;
	}
	if (depth == 0 && ++jb->underruns > jb->cfg.max_conceal) {
		/* Silence (DTX) or the sender stopped: go idle, restart on the next packet. */
		flush(jb);
		return CODEC_JB_EMPTY;
	}
	f->ts = jb->ts0 + jb->play_fn * jb->cfg.frame_ts;
	jb->play_fn++;
	n = slot_at(jb, jb->play_fn);
	if (n != NULL) {
		f->next = slot_data(jb, n);
		f->next_len = n->len;
	}
	jb->st.concealed++;
	return CODEC_JB_LOST;
}

int
codec_jb_adjust(const struct codec_jb *jb)
{
	if (jb->state != JB_PLAYING)
		return 0;
	if (jb->depth_q8 > jb->target * 256 + 384)
		return -1;
	if (jb->depth_q8 < jb->target * 256 - 192 && jb->target >= 2)
		return 1;
	return 0;
}

void
codec_jb_shrunk(struct codec_jb *jb)
{
	jb->st.shrunk++;
	jb->depth_q8 -= 256;
}

void
codec_jb_stretched(struct codec_jb *jb)
{
	jb->st.stretched++;
	jb->depth_q8 += 256;
}

static uint32_t
expected(const struct codec_jb *jb)
{
	return jb->seq_init ? jb->cycles + jb->max_seq - jb->base_seq + 1 : 0;
}

void
codec_jb_stats(const struct codec_jb *jb, struct codec_jb_stats *st)
{
	uint64_t uniq = jb->st.received - jb->st.duplicates;
	uint64_t exp = expected(jb);

	*st = jb->st;
	st->lost = exp > uniq ? exp - uniq : 0;
	st->jitter = jb->jitter_q4 >> 4;
	st->ext_max_seq = jb->cycles + jb->max_seq;
	st->target = jb->target;
	st->depth_q8 = jb->depth_q8 < 0 ? 0 : (uint16_t)jb->depth_q8;
}

void
codec_jb_rr(struct codec_jb *jb, struct codec_jb_rr *rr)
{
	uint32_t exp = expected(jb);
	int64_t lost = (int64_t)exp - (int64_t)jb->st.received;
	uint32_t exp_int = exp - jb->expected_prior;
	int64_t rcv_int = (int64_t)(jb->st.received - jb->received_prior);
	int64_t lost_int = (int64_t)exp_int - rcv_int;

	/* RFC 3550 A.3 */
	rr->cumulative_lost = lost > 0x7fffff ? 0x7fffff : (lost < -0x800000 ? -0x800000 : (int32_t)lost);
	lost_int = exp_int == 0 || lost_int <= 0 ? 0 : (lost_int << 8) / exp_int;
	rr->fraction_lost = (uint8_t)(lost_int > 255 ? 255 : lost_int);
	rr->ext_max_seq = jb->cycles + jb->max_seq;
	rr->jitter = jb->jitter_q4 >> 4;
	jb->expected_prior = exp;
	jb->received_prior = jb->st.received;
}
