/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_conf.c - one conference's audio engine (see codec_conf.h).
 *
 * Encoder classes: participants whose send parameters and payload type are
 * equal share a class. A class owns one shared encoder per mix filter (the
 * non-speakers' mixes) and one encoder per speaker seat (the N-1 mixes); a
 * seat's encoder is reset when a new speaker takes the seat, and keeps its
 * history while the same speaker holds it. Group payload buffers are
 * allocated for min(participants, classes x filters x (K + 1)) groups.
 * Context: control path for create/add/del (allocation); the rest on the
 * conference's worker, single-threaded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec_conf.h"
#include "codec_dtmf.h"

struct conf_class {
	struct codec_params p;
	uint8_t pt;
	uint16_t refs;
	uint32_t frame_ts;
	struct codec_enc *shared[CODEC_MIX_FILTERS];     /* owned */
	struct codec_enc *seat[CODEC_MIX_MAX_SPEAKERS];  /* owned */
	uint8_t silence[CODEC_MAX_PAYLOAD];
	uint16_t silence_len;  /* 0 for Opus: send nothing (DTX) */
};

struct conf_part {
	bool present;
	struct codec_part_cfg cfg;
	struct codec_jb *jb;    /* owned */
	struct codec_dec *dec;  /* owned */
	struct codec_enc *own;  /* owned, NULL until given: private encoder */
	bool lobby;
	bool muted;             /* admin mute */
	bool no_send;           /* direction: we send it nothing (held, recvonly answer) */
	bool no_recv;           /* direction: not mixed (muted in the mixer with muted) */
	bool priv;              /* this tick: its own mix, not a group's */
	bool prompt_loop;
	enum codec_role role;
	bool hosts_only;
	bool backplane;
	uint8_t bp_group; /* enum codec_mix_bp */
	const struct codec_prompt *prompt; /* borrowed, NULL when none plays */
	uint32_t prompt_pos;
	int16_t *lb;            /* owned: loopback ring, (loopback_frames + 1) frames */
	uint8_t *lb_voiced;     /* owned: per ring slot, frame holds audio */
	uint16_t lb_pos;        /* slot written this tick */
	struct codec_agc agc;
	uint16_t cls;
	int8_t level;           /* this tick, dBov */
	int8_t last_level;
	bool rx_active;         /* jb has something or is playing */
	bool quiet;             /* decoding may be skipped (codec_conf.h, quiet_skip) */
	uint8_t quiet_frames;   /* consecutive decoded frames below CODEC_CONF_QUIET_DBOV */
	uint8_t skipped;        /* consecutive frames skipped since the last decode */
	int8_t quiet_level;     /* level of the last decoded quiet frame, dBov */
	uint16_t warm_len;      /* bytes in warm, 0 = nothing to warm up with */
	uint8_t warm[CODEC_CONF_WARM_MAX]; /* the last skipped payload */
	bool tx_silent;         /* last tick sent nothing: next audio has the marker */
	uint16_t seq;
	uint32_t ts;
	struct codec_rfc4733_rx dtmf_rx;
	struct codec_rfc4733_tx dtmf_tx;
	struct codec_dtmf_det det;
	struct codec_conf_part_stats st;
	uint8_t dtmf_pl[CODEC_RFC4733_LEN]; /* telephone-event payload of this tick */
	uint8_t own_pl[CODEC_MAX_PAYLOAD];  /* private payload of this tick */
	int16_t pcm[CODEC_FRAME] __attribute__((aligned(64)));
};

/*
 * Invariants: part[i].present <=> i is present in the mixer; enc_class[i] ==
 * part[i].cls when present, CODEC_MIX_MAX_CLASSES otherwise; cls[k].refs
 * counts present participants of class k (0 = free, encoders destroyed).
 */
struct codec_conf {
	struct codec_conf_cfg cfg;
	struct codec_mix *mix;           /* owned */
	struct conf_part **part;         /* [max_participants], each owned */
	uint16_t *enc_class;             /* [max_participants], owned */
	const int16_t **frames;          /* [max_participants], owned array, borrowed entries */
	int8_t *levels;                  /* [max_participants], owned */
	uint16_t *members;               /* [max_participants], owned */
	struct codec_mix_group *groups;  /* [max_groups], owned */
	uint8_t (*payload)[CODEC_MAX_PAYLOAD]; /* [max_groups], owned */
	uint16_t max_groups;
	uint16_t n_present;
	uint16_t seat_owner[CODEC_MIX_MAX_SPEAKERS];
	struct conf_class cls[CODEC_CONF_MAX_CLASSES];
	struct {
		uint16_t idx;
		char digit;
	} dq[CODEC_CONF_DTMF_QUEUE];
	uint32_t dq_head, dq_tail;
	const struct codec_prompt *ann;  /* borrowed: join/leave tone playing, or NULL */
	uint32_t ann_pos;
	uint16_t ann_excl;               /* participant spared the announcement */
	int8_t talk_dbov;                /* the mixer's talk threshold */
	int16_t mixbuf[CODEC_FRAME] __attribute__((aligned(64)));
};

void
codec_conf_cfg_default(struct codec_conf_cfg *cfg, uint16_t max_participants)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_participants = max_participants;
	cfg->speakers = 3;
	cfg->holdover_ticks = 25;
	cfg->jb_min_frames = 2;
	cfg->jb_max_frames = 10;
	cfg->low_energy_dbov = -40;
	cfg->opus_complexity_shared = 3;
	cfg->opus_complexity_seat = 1;
	cfg->opus_celt_mix = true;
	cfg->quiet_skip = true;
}

void
codec_conf_get_cfg(const struct codec_conf *c, struct codec_conf_cfg *cfg)
{
	*cfg = c->cfg;
}

void
codec_part_cfg_default(struct codec_part_cfg *cfg, enum codec_id id)
{
	static const uint8_t pts[CODEC_ID_COUNT] = {0, 8, 9, 111, 18};

	memset(cfg, 0, sizeof(*cfg));
	codec_params_default(&cfg->rx, id);
	codec_params_default(&cfg->tx, id);
	cfg->rx_pt = cfg->tx_pt = (unsigned int)id < CODEC_ID_COUNT ? pts[id] : 0;
	cfg->role = CODEC_ROLE_HOST;
}

int
codec_conf_create(const struct codec_conf_cfg *cfg, struct codec_conf **out)
{
	struct codec_mix_cfg mc;
	struct codec_conf *c;
	uint16_t n = cfg->max_participants;
	uint32_t g;
	int ret;

	if (n == 0 || n >= CODEC_MIX_NONE || cfg->opus_complexity_shared < -1 ||
	    cfg->opus_complexity_shared > 10 || cfg->opus_complexity_seat < -1 ||
	    cfg->opus_complexity_seat > 10)
		return -EINVAL;
	codec_mix_cfg_default(&mc, n);
	if (cfg->speakers)
		mc.speakers = cfg->speakers;
	if (cfg->holdover_ticks)
		mc.holdover_ticks = cfg->holdover_ticks;
	c = aligned_alloc(64, (sizeof(*c) + 63) & ~(size_t)63);
	if (c == NULL)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	c->talk_dbov = mc.threshold_dbov;
	ret = codec_mix_create(&mc, &c->mix);
	if (ret < 0) {
		free(c);
		return ret;
	}
	g = (uint32_t)CODEC_CONF_MAX_CLASSES * CODEC_MIX_FILTERS * (mc.speakers + 1u);
	c->max_groups = (uint16_t)(g < n ? g : n);
	c->part = calloc(n, sizeof(*c->part));
	c->enc_class = malloc(n * sizeof(*c->enc_class));
	c->frames = calloc(n, sizeof(*c->frames));
	c->levels = malloc(n * sizeof(*c->levels));
	c->members = malloc(n * sizeof(*c->members));
	c->groups = malloc(c->max_groups * sizeof(*c->groups));
	c->payload = malloc((size_t)c->max_groups * sizeof(*c->payload));
	if (c->part == NULL || c->enc_class == NULL || c->frames == NULL || c->levels == NULL ||
	    c->members == NULL || c->groups == NULL || c->payload == NULL) {
		codec_conf_destroy(c);
		return -ENOMEM;
	}
	for (uint16_t i = 0; i < n; i++)
		c->enc_class[i] = CODEC_MIX_MAX_CLASSES;
	for (unsigned int s = 0; s < CODEC_MIX_MAX_SPEAKERS; s++)
		c->seat_owner[s] = CODEC_MIX_NONE;
	c->ann_excl = CODEC_MIX_NONE;
	*out = c;
	return 0;
}

static void
class_put(struct codec_conf *c, uint16_t k)
{
	struct conf_class *cl = &c->cls[k];

	if (--cl->refs > 0)
		return;
	for (unsigned int f = 0; f < CODEC_MIX_FILTERS; f++)
		codec_enc_destroy(cl->shared[f]);
	for (unsigned int s = 0; s < CODEC_MIX_MAX_SPEAKERS; s++)
		codec_enc_destroy(cl->seat[s]);
	memset(cl, 0, sizeof(*cl));
}

static void
part_free(struct conf_part *p)
{
	codec_jb_destroy(p->jb);
	codec_dec_destroy(p->dec);
	codec_enc_destroy(p->own);
	free(p->lb);
	free(p->lb_voiced);
	free(p);
}

void
codec_conf_destroy(struct codec_conf *c)
{
	if (c == NULL)
		return;
	for (uint16_t i = 0; c->part != NULL && i < c->cfg.max_participants; i++)
		if (c->part[i] != NULL)
			codec_conf_part_del(c, i);
	codec_mix_destroy(c->mix);
	free(c->part);
	free(c->enc_class);
	free(c->frames);
	free(c->levels);
	free(c->members);
	free(c->groups);
	free(c->payload);
	free(c);
}

/* Find or create the class for @p pc's send side; takes a reference. */
static int
class_get(struct codec_conf *c, const struct codec_part_cfg *pc, uint16_t *out)
{
	int16_t pcm[CODEC_FRAME] = {0};
	struct conf_class *cl = NULL;
	uint8_t speakers = c->cfg.speakers ? c->cfg.speakers : 3;
	int ret, k, free_k = -1;

	for (k = 0; k < CODEC_CONF_MAX_CLASSES; k++) {
		if (c->cls[k].refs == 0) {
			if (free_k < 0)
				free_k = k;
		} else if (codec_params_equal(&c->cls[k].p, &pc->tx) && c->cls[k].pt == pc->tx_pt) {
			c->cls[k].refs++;
			*out = (uint16_t)k;
			return 0;
		}
	}
	if (free_k < 0)
		return -ENOSPC;
	cl = &c->cls[free_k];
	memset(cl, 0, sizeof(*cl));
	cl->p = pc->tx;
	cl->pt = pc->tx_pt;
	cl->refs = 1;
	cl->frame_ts = codec_rtp_frame_ts(pc->tx.id);
	{
		struct codec_params shared = pc->tx, seat = pc->tx;

		if (pc->tx.id == CODEC_OPUS && pc->tx.complexity < 0) {
			shared.complexity = c->cfg.opus_complexity_shared;
			seat.complexity = c->cfg.opus_complexity_seat;
		}
		if (pc->tx.id == CODEC_OPUS && c->cfg.opus_celt_mix && !pc->tx.fec)
			shared.celt_only = seat.celt_only = true;
		for (unsigned int f = 0; f < CODEC_MIX_FILTERS; f++)
			if ((ret = codec_enc_create(&shared, &cl->shared[f])) < 0)
				goto out_put;
		for (unsigned int s = 0; s < speakers; s++)
			if ((ret = codec_enc_create(&seat, &cl->seat[s])) < 0)
				goto out_put;
	}
	if (pc->tx.id != CODEC_OPUS) {
		/* Silence encoded once, with a throwaway encoder so the shared ones stay fresh. */
		struct codec_enc *e;

		if ((ret = codec_enc_create(&pc->tx, &e)) < 0)
			goto out_put;
		for (int i = 0; i < 3; i++)
			ret = codec_enc_encode(e, pcm, cl->silence, sizeof(cl->silence));
		codec_enc_destroy(e);
		if (ret <= 0) {
			ret = ret < 0 ? ret : -EIO;
			goto out_put;
		}
		cl->silence_len = (uint16_t)ret;
	}
	*out = (uint16_t)free_k;
	return 0;
out_put:
	class_put(c, (uint16_t)free_k);
	return ret;
}

/* A private encoder: the participant's send parameters, the shared mix's complexity. */
static int
own_enc_create(const struct codec_conf *c, const struct codec_part_cfg *pc, struct codec_enc **e)
{
	struct codec_params p = pc->tx;

	if (p.id == CODEC_OPUS && p.complexity < 0)
		p.complexity = c->cfg.opus_complexity_shared;
	if (p.id == CODEC_OPUS && c->cfg.opus_celt_mix && !p.fec)
		p.celt_only = true;
	return codec_enc_create(&p, e);
}

int
codec_conf_part_add(struct codec_conf *c, const struct codec_part_cfg *pc, uint16_t *idx)
{
	struct codec_jb_cfg jc;
	struct codec_rfc4733_tx_cfg tc;
	struct conf_part *p;
	uint16_t i;
	int ret;

	for (i = 0; i < c->cfg.max_participants && c->part[i] != NULL; i++)
		;
	if (i == c->cfg.max_participants)
		return -ENOSPC;
	p = aligned_alloc(64, (sizeof(*p) + 63) & ~(size_t)63);
	if (p == NULL)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	p->cfg = *pc;
	codec_jb_cfg_default(&jc, codec_rtp_clock(pc->rx.id), codec_rtp_frame_ts(pc->rx.id));
	if (c->cfg.jb_min_frames)
		jc.min_frames = c->cfg.jb_min_frames;
	if (c->cfg.jb_max_frames)
		jc.max_frames = c->cfg.jb_max_frames;
	if (pc->rx.id == CODEC_PCMU || pc->rx.id == CODEC_PCMA || pc->rx.id == CODEC_G722)
		jc.split_bytes = 160;
	else if (pc->rx.id == CODEC_G729)
		jc.split_bytes = 20; /* 40/60 ms of speech frames */
	if (pc->rx.id != CODEC_OPUS)
		jc.max_payload = 160;
	ret = codec_jb_create(&jc, &p->jb);
	if (ret < 0)
		goto out_free;
	ret = codec_dec_create(&pc->rx, &p->dec);
	if (ret < 0)
		goto out_free;
	if (pc->loopback_frames > CODEC_CONF_MAX_LOOPBACK) {
		ret = -EINVAL;
		goto out_free;
	}
	if (pc->loopback_frames > 0) {
		size_t slots = pc->loopback_frames + 1u;

		p->lb = calloc(slots * CODEC_FRAME, sizeof(*p->lb));
		p->lb_voiced = calloc(slots, 1);
		if (p->lb == NULL || p->lb_voiced == NULL) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	if ((pc->own_enc || pc->lobby || pc->loopback_frames > 0) &&
	    (ret = own_enc_create(c, pc, &p->own)) < 0)
		goto out_free;
	codec_rfc4733_rx_init(&p->dtmf_rx);
	codec_rfc4733_tx_cfg_default(&tc, codec_rtp_clock(pc->tx.id));
	ret = codec_rfc4733_tx_init(&p->dtmf_tx, &tc);
	if (ret < 0)
		goto out_free;
	codec_dtmf_det_init(&p->det);
	codec_agc_init(&p->agc, NULL);
	ret = class_get(c, pc, &p->cls);
	if (ret < 0)
		goto out_free;
	if (((pc->backplane || pc->backplane_group != CODEC_MIX_BP_NONE) && pc->hosts_only) ||
	    pc->backplane_group > CODEC_MIX_BP_GEO)
		ret = -EINVAL;
	else
		ret = codec_mix_part_add(c->mix, i, pc->role, pc->hosts_only);
	if (ret < 0) {
		class_put(c, p->cls);
		goto out_free;
	}
	if (pc->backplane_group != CODEC_MIX_BP_NONE)
		codec_mix_set_backplane_group(c->mix, i, (enum codec_mix_bp)pc->backplane_group);
	else if (pc->backplane)
		codec_mix_set_backplane(c->mix, i, true);
	if (pc->lobby)
		codec_mix_set_lobby(c->mix, i, true);
	if (pc->no_recv)
		codec_mix_set_mute(c->mix, i, true);
	p->present = true;
	p->lobby = pc->lobby;
	p->no_send = pc->no_send;
	p->no_recv = pc->no_recv;
	p->role = pc->role;
	p->hosts_only = pc->hosts_only;
	p->backplane = pc->backplane || pc->backplane_group != CODEC_MIX_BP_NONE;
	p->bp_group = pc->backplane_group != CODEC_MIX_BP_NONE ? pc->backplane_group
			: pc->backplane ? CODEC_MIX_BP_ANY : CODEC_MIX_BP_NONE;
	p->seq = pc->tx_seq;
	p->ts = pc->tx_ts;
	p->tx_silent = true;
	p->level = p->last_level = -127;
	c->part[i] = p;
	c->enc_class[i] = p->cls;
	c->n_present++;
	*idx = i;
	return 0;
out_free:
	part_free(p);
	return ret;
}

static struct conf_part *
get(const struct codec_conf *c, uint16_t idx)
{
	return idx < c->cfg.max_participants ? c->part[idx] : NULL;
}

int
codec_conf_part_del(struct codec_conf *c, uint16_t idx)
{
	struct conf_part *p = get(c, idx);

	if (p == NULL)
		return -ENOENT;
	codec_mix_part_del(c->mix, idx);
	class_put(c, p->cls);
	if (c->ann_excl == idx)
		c->ann_excl = CODEC_MIX_NONE;
	part_free(p);
	c->part[idx] = NULL;
	c->enc_class[idx] = CODEC_MIX_MAX_CLASSES;
	c->n_present--;
	return 0;
}

int
codec_conf_set_mute(struct codec_conf *c, uint16_t idx, bool muted)
{
	struct conf_part *p = get(c, idx);
	int ret;

	if (p == NULL)
		return -ENOENT;
	ret = codec_mix_set_mute(c->mix, idx, muted || p->no_recv);
	if (ret == 0)
		p->muted = muted;
	return ret;
}

int
codec_conf_set_direction(struct codec_conf *c, uint16_t idx, bool send, bool recv)
{
	struct conf_part *p = get(c, idx);
	int ret;

	if (p == NULL)
		return -ENOENT;
	ret = codec_mix_set_mute(c->mix, idx, p->muted || !recv);
	if (ret < 0)
		return ret;
	p->no_send = !send;
	p->no_recv = !recv;
	return 0;
}

int
codec_conf_set_role(struct codec_conf *c, uint16_t idx, enum codec_role role, bool hosts_only)
{
	struct conf_part *p = get(c, idx);
	int ret;

	if (p == NULL)
		return -ENOENT;
	ret = codec_mix_set_role(c->mix, idx, role, hosts_only);
	if (ret == 0) {
		p->role = role;
		p->hosts_only = hosts_only;
	}
	return ret;
}

int
codec_conf_set_lobby(struct codec_conf *c, uint16_t idx, bool lobby)
{
	struct conf_part *p = get(c, idx);
	int ret;

	if (p == NULL)
		return -ENOENT;
	ret = codec_mix_set_lobby(c->mix, idx, lobby);
	if (ret == 0)
		p->lobby = lobby;
	return ret;
}

int
codec_conf_own_enc_create(const struct codec_conf *c, uint16_t idx, struct codec_enc **e)
{
	const struct conf_part *p = get(c, idx);

	if (p == NULL)
		return -ENOENT;
	return own_enc_create(c, &p->cfg, e);
}

int
codec_conf_own_enc_give(struct codec_conf *c, uint16_t idx, struct codec_enc **e)
{
	struct conf_part *p = get(c, idx);

	if (p == NULL)
		return -ENOENT;
	if (p->own == NULL) {
		p->own = *e;
		*e = NULL;
	}
	return 0;
}

bool
codec_conf_has_own_enc(const struct codec_conf *c, uint16_t idx)
{
	const struct conf_part *p = get(c, idx);

	return p != NULL && p->own != NULL;
}

int
codec_conf_play(struct codec_conf *c, uint16_t idx, const struct codec_prompt *pr, bool loop)
{
	struct conf_part *p = get(c, idx);

	if (p == NULL)
		return -ENOENT;
	if (pr != NULL && (p->own == NULL || pr->pcm == NULL || pr->samples == 0))
		return p->own == NULL ? -ENOBUFS : -EINVAL;
	p->prompt = pr;
	p->prompt_pos = 0;
	p->prompt_loop = pr != NULL && loop;
	return 0;
}

void
codec_conf_announce(struct codec_conf *c, const struct codec_prompt *pr, uint16_t excl)
{
	if (pr != NULL && (pr->pcm == NULL || pr->samples == 0))
		pr = NULL;
	c->ann = pr;
	c->ann_pos = 0;
	c->ann_excl = excl;
}

static void
dtmf_push(struct codec_conf *c, uint16_t idx, char d)
{
	uint32_t slot = c->dq_tail++ % CODEC_CONF_DTMF_QUEUE;

	if (c->dq_tail - c->dq_head > CODEC_CONF_DTMF_QUEUE)
		c->dq_head++;
	c->dq[slot].idx = idx;
	c->dq[slot].digit = d;
}

int
codec_conf_dtmf_poll(struct codec_conf *c, uint16_t *idx, char *digit)
{
	uint32_t slot;

	if (c->dq_head == c->dq_tail)
		return 0;
	slot = c->dq_head++ % CODEC_CONF_DTMF_QUEUE;
	*idx = c->dq[slot].idx;
	*digit = c->dq[slot].digit;
	return 1;
}

int
codec_conf_rx(struct codec_conf *c, uint16_t idx, uint8_t pt, uint16_t seq, uint32_t ts,
	      const uint8_t *payload, size_t len, uint64_t now_us)
{
	struct conf_part *p = get(c, idx);
	char d;

	if (p == NULL)
		return -ENOENT;
	if (pt == p->cfg.rx_pt) {
		p->rx_active = true;
		return codec_jb_insert(p->jb, seq, ts, payload, len, now_us);
	}
	if (p->cfg.dtmf_pt != 0 && pt == p->cfg.dtmf_pt) {
		int r;

		/*
		 * Events share the audio's sequence numbers (RFC 4733 §2.1) but
		 * not its jitter buffer: count them for the loss figures.
		 */
		codec_jb_seq_only(p->jb, seq);
		r = codec_rfc4733_rx_packet(&p->dtmf_rx, ts, payload, len, &d);

		if (r == 1) {
			p->st.dtmf_rfc4733++;
			dtmf_push(c, idx, d);
		}
		return r < 0 ? r : 0;
	}
	p->st.bad_pt++;
	return -EPROTO;
}

enum rx_res {
	RX_NONE = 0, /* nothing to play */
	RX_DECODED,  /* p->pcm holds the frame (decoded or concealed) */
	RX_SKIPPED,  /* a quiet participant's frame, pulled and not decoded */
};

/*
 * Should this frame of a quiet participant go undecoded? Not when its VAD
 * flags say voice (*warm: then warm the decoder up first), nor when they
 * cannot be read: CELT-only packets carry none, and decoding them only now
 * and then would both delay a new talker and under-read its level (CELT
 * predicts each frame's band energies from the previous frame's, so a
 * decoder that skipped the onset starts 20-35 dB low and takes 4-5 frames
 * to catch up). Nor when a level check is due. A skipped payload is kept
 * for the warm-up.
 */
static bool
skip_this(struct conf_part *p, const struct codec_jb_frame *f, bool *warm)
{
	int vad = codec_opus_vad(f->payload, f->len);

	*warm = vad == 1;
	if (vad != 0 || p->skipped + 1u >= CODEC_CONF_CHECK_VAD)
		return false;
	p->warm_len = f->len <= sizeof(p->warm) ? f->len : 0;
	memcpy(p->warm, f->payload, p->warm_len);
	return true;
}

static enum rx_res
skipped(struct conf_part *p)
{
	if (p->skipped < UINT8_MAX)
		p->skipped++;
	p->st.skipped++;
	return RX_SKIPPED;
}

/*
 * This tick's frame into p->pcm: decoded, concealed, or (with @p may_skip, a
 * quiet participant) pulled without decoding. Depth corrections (stretch,
 * shrink) happen at low-energy frames, which a quiet one's frames are.
 */
static enum rx_res
rx_frame(struct codec_conf *c, struct conf_part *p, bool may_skip, struct codec_conf_tick_stats *ts)
{
	struct codec_jb_frame f;
	int adj = codec_jb_adjust(p->jb);
	bool low = p->last_level < c->cfg.low_energy_dbov, warm = false;

	if (adj > 0 && low) {
		/* Stretch: a low-energy concealment frame, nothing pulled. */
		codec_jb_stretched(p->jb);
		if (may_skip)
			return skipped(p);
		codec_dec_conceal(p->dec, p->pcm);
		return RX_DECODED;
	}
	switch (codec_jb_pull(p->jb, &f)) {
	case CODEC_JB_FRAME:
		if (may_skip && skip_this(p, &f, &warm)) {
			if (adj < 0 && codec_jb_depth(p->jb) > 1 &&
			    codec_jb_pull(p->jb, &f) == CODEC_JB_FRAME) {
				/* Shrink: the next frame replaces this one, unheard too. */
				p->warm_len = f.len <= sizeof(p->warm) ? f.len : 0;
				memcpy(p->warm, f.payload, p->warm_len);
				codec_jb_shrunk(p->jb);
			}
			return skipped(p);
		}
		if (warm && p->skipped > 0 && p->warm_len > 0) {
			/* Voice after skipped frames: replay the last one so the state is right. */
			codec_dec_decode(p->dec, p->warm, p->warm_len, p->pcm);
			ts->decoded++;
		}
		if (codec_dec_decode(p->dec, f.payload, f.len, p->pcm) < 0)
			p->st.decode_errors++;
		break;
	case CODEC_JB_LOST:
		if (may_skip) {
			p->warm_len = 0;
			return skipped(p);
		}
		if (f.next != NULL && codec_dec_has_fec(p->dec)) {
			if (codec_dec_decode_fec(p->dec, f.next, f.next_len, p->pcm) == 0)
				p->st.fec_recovered++;
		} else {
			codec_dec_conceal(p->dec, p->pcm);
		}
		break;
	default:
		p->rx_active = codec_jb_depth(p->jb) > 0;
		return RX_NONE;
	}
	if (adj < 0 && codec_jb_depth(p->jb) > 1 &&
	    (low || codec_jb_depth(p->jb) > 2 * c->cfg.jb_max_frames) &&
	    codec_level_dbov(p->pcm, CODEC_FRAME) < c->cfg.low_energy_dbov &&
	    codec_jb_pull(p->jb, &f) == CODEC_JB_FRAME) {
		/* Shrink: drop the low-energy frame just decoded, play the next one. */
		if (codec_dec_decode(p->dec, f.payload, f.len, p->pcm) < 0)
			p->st.decode_errors++;
		codec_jb_shrunk(p->jb);
	}
	return RX_DECODED;
}

/*
 * A participant may go undecoded when it is quiet, its frames are Opus (whose
 * VAD flags tell when voice starts), nobody hears it through a seat, the
 * mixer no longer counts it as talking, and nothing else needs its audio
 * (loopback, in-band DTMF).
 */
static bool
may_skip(const struct codec_conf *c, const struct conf_part *p, uint16_t i, bool inband)
{
	return c->cfg.quiet_skip && p->quiet && !inband && p->lb == NULL &&
	       p->cfg.rx.id == CODEC_OPUS && codec_mix_seat_of(c->mix, i) == CODEC_MIX_NONE &&
	       codec_mix_level_dbov(c->mix, i) < c->talk_dbov;
}

/* Hysteresis after a decoded frame: quiet after CODEC_CONF_QUIET_FRAMES quiet frames. */
static void
quiet_update(struct conf_part *p)
{
	if (p->level < CODEC_CONF_QUIET_DBOV) {
		if (p->quiet_frames < CODEC_CONF_QUIET_FRAMES)
			p->quiet_frames++;
		p->quiet_level = p->level;
	} else {
		p->quiet_frames = 0;
	}
	p->quiet = p->quiet_frames >= CODEC_CONF_QUIET_FRAMES;
	p->skipped = 0;
}

/* Drain without decoding: nobody hears this participant. */
static void
rx_drain(struct conf_part *p)
{
	struct codec_jb_frame f;

	if (codec_jb_pull(p->jb, &f) == CODEC_JB_EMPTY)
		p->rx_active = codec_jb_depth(p->jb) > 0;
}

static void
rx_all(struct codec_conf *c, struct codec_conf_tick_stats *ts)
{
	for (uint16_t i = 0; i < c->cfg.max_participants; i++) {
		struct conf_part *p = c->part[i];
		bool inband;
		const int16_t *nat;
		enum rx_res r;
		size_t nn;
		char dg[4];

		c->frames[i] = NULL;
		c->levels[i] = -127;
		if (p == NULL)
			continue;
		p->last_level = p->level;
		p->level = -127;
		if (!p->rx_active)
			continue;
		inband = p->cfg.inband_dtmf && (p->cfg.rx.id == CODEC_PCMU || p->cfg.rx.id == CODEC_PCMA);
		if (!inband && p->lb == NULL && !codec_mix_is_audible(c->mix, i)) {
			rx_drain(p);
			continue;
		}
		r = rx_frame(c, p, may_skip(c, p, i, inband), ts);
		if (r == RX_NONE)
			continue;
		if (r == RX_SKIPPED) {
			/* Not heard (not seated), so no frame; the level last measured. */
			ts->skipped++;
			p->level = p->quiet_level;
			c->levels[i] = p->level;
			continue;
		}
		ts->decoded++;
		if (c->cfg.agc || c->cfg.noise_gate)
			codec_agc_process(&p->agc, p->pcm, CODEC_FRAME, c->cfg.agc, c->cfg.noise_gate);
		p->level = (int8_t)codec_level_dbov(p->pcm, CODEC_FRAME);
		quiet_update(p);
		c->levels[i] = p->level;
		c->frames[i] = p->pcm;
		if (inband && (nat = codec_dec_native(p->dec, &nn)) != NULL) {
			size_t nd = codec_dtmf_det_feed(&p->det, nat, nn, dg, sizeof(dg));

			for (size_t k = 0; k < nd; k++) {
				p->st.dtmf_inband++;
				dtmf_push(c, i, dg[k]);
			}
		}
	}
}

/*
 * Test-call loopback: the ring has loopback_frames + 1 slots; this tick's
 * frame (silence when there is none) goes into slot lb_pos, and the slot
 * after it, written loopback_frames ticks ago, is what the participant hears.
 */
static void
loopback_push(struct codec_conf *c, uint16_t i, struct conf_part *p)
{
	uint16_t slots = (uint16_t)(p->cfg.loopback_frames + 1u);

	p->lb_pos = (uint16_t)((p->lb_pos + 1u) % slots);
	if (c->frames[i] != NULL) {
		memcpy(p->lb + (size_t)p->lb_pos * CODEC_FRAME, c->frames[i],
		       CODEC_FRAME * sizeof(int16_t));
		p->lb_voiced[p->lb_pos] = 1;
	} else {
		p->lb_voiced[p->lb_pos] = 0;
	}
}

static const int16_t *
loopback_out(const struct conf_part *p)
{
	uint16_t slot = (uint16_t)((p->lb_pos + 1u) % (p->cfg.loopback_frames + 1u));

	return p->lb_voiced[slot] ? p->lb + (size_t)slot * CODEC_FRAME : NULL;
}

/*
 * A participant we send nothing (codec_conf_set_direction()): its timeline
 * goes on as if it had been sent a frame (RFC 3550 §5.1: the timestamp
 * follows the sampling clock), and the next packet starts a talkspurt.
 */
static void
hold_tick(struct conf_part *p, const struct conf_class *cl)
{
	p->tx_silent = true;
	p->ts += cl->frame_ts;
}

/*
 * Mark who gets a mix of its own this tick; they are left out of the
 * groups, and so are those we send nothing.
 */
static void
mark_private(struct codec_conf *c)
{
	for (uint16_t i = 0; i < c->cfg.max_participants; i++) {
		struct conf_part *p = c->part[i];

		if (p == NULL)
			continue;
		if (p->lb != NULL)
			loopback_push(c, i, p);
		if (p->no_send) {
			hold_tick(p, &c->cls[p->cls]);
			p->priv = false;
			c->enc_class[i] = CODEC_MIX_MAX_CLASSES;
			continue;
		}
		p->priv = p->lobby || (p->own != NULL && (p->prompt != NULL || p->lb != NULL ||
							  (c->ann != NULL && c->ann_excl == i)));
		c->enc_class[i] = p->priv ? CODEC_MIX_MAX_CLASSES : p->cls;
	}
}

/* Add @p n samples of @p src into @p dst, saturating. */
static void
add_prompt(int16_t *dst, const struct codec_prompt *pr, uint32_t pos)
{
	uint32_t n = CODEC_FRAME;

	if (pos >= pr->samples)
		return; /* in the gap between two plays of a loop */
	if (pr->samples - pos < n)
		n = pr->samples - pos;
	codec_mix_add_sat(dst, pr->pcm + pos, n);
}

/* Advance a prompt by one frame; false when it ended. */
static bool
prompt_advance(const struct codec_prompt *pr, uint32_t *pos, bool loop)
{
	*pos += CODEC_FRAME;
	if (!loop)
		return *pos < pr->samples;
	if (*pos >= pr->samples + CODEC_CONF_PROMPT_GAP)
		*pos = 0;
	return true;
}

/* Reset seat encoders whose speaker changed, so the new speaker's N-1 starts clean. */
static void
seats_changed(struct codec_conf *c)
{
	uint8_t k = c->cfg.speakers ? c->cfg.speakers : 3;

	for (uint16_t s = 0; s < k; s++) {
		uint16_t who = codec_mix_seat(c->mix, s);

		if (who == c->seat_owner[s])
			continue;
		c->seat_owner[s] = who;
		for (unsigned int cl = 0; cl < CODEC_CONF_MAX_CLASSES; cl++)
			if (c->cls[cl].refs && c->cls[cl].seat[s])
				codec_enc_reset(c->cls[cl].seat[s]);
	}
}

/* Emit one packet for listener @p i (or a DTMF packet instead), advance its timeline. */
static void
emit(struct codec_conf *c, uint16_t i, const uint8_t *pl, uint16_t len, struct codec_conf_out *out,
     uint16_t cap, struct codec_conf_tick_stats *ts)
{
	struct conf_part *p = c->part[i];
	const struct conf_class *cl = &c->cls[p->cls];
	struct codec_rfc4733_pkt dp;
	struct codec_conf_out *o;
	bool dtmf = codec_rfc4733_tx_busy(&p->dtmf_tx);

	if (dtmf && codec_rfc4733_tx_in_lead(&p->dtmf_tx)) {
		/* Waiting for the first digit: count the tick, the audio goes on. */
		codec_rfc4733_tx_tick(&p->dtmf_tx, p->ts, &dp);
		dtmf = false;
	} else if (dtmf) {
		if (codec_rfc4733_tx_tick(&p->dtmf_tx, p->ts, &dp) == 1) {
			memcpy(p->dtmf_pl, dp.payload, sizeof(dp.payload));
			pl = p->dtmf_pl;
			len = CODEC_RFC4733_LEN;
		} else {
			len = 0;
		}
	}
	if (len == 0) {
		p->tx_silent = true;
		p->ts += cl->frame_ts;
		return;
	}
	if (ts->packets + ts->truncated >= cap) {
		ts->truncated++;
		p->ts += cl->frame_ts;
		return;
	}
	o = &out[ts->packets++];
	o->idx = i;
	o->pt = dtmf ? p->cfg.dtmf_pt : cl->pt;
	o->marker = dtmf ? dp.marker : p->tx_silent;
	o->seq = p->seq++;
	o->ts = dtmf ? dp.ts : p->ts;
	o->ssrc = p->cfg.tx_ssrc;
	o->payload = pl;
	o->len = len;
	p->tx_silent = false;
	p->st.tx_packets++;
	p->st.tx_octets += len;
	p->ts += cl->frame_ts;
}

/*
 * A participant with a mix of its own: the conference (unless in the lobby,
 * and only when @p mixed: the sums of this tick exist), the announcement
 * (unless spared), its loopback and its prompt, encoded by its private
 * encoder; silence as for everyone when there is nothing to hear.
 */
static void
emit_private(struct codec_conf *c, uint16_t i, bool mixed, struct codec_conf_out *out,
	     uint16_t cap, struct codec_conf_tick_stats *ts)
{
	struct conf_part *p = c->part[i];
	const struct conf_class *cl = &c->cls[p->cls];
	const int16_t *lb = p->lb != NULL ? loopback_out(p) : NULL;
	bool voiced = false;
	int len;

	if (!p->lobby && mixed)
		voiced = codec_mix_render(c->mix, codec_mix_listener_key(c->mix, i), c->frames,
					  c->mixbuf) > 0;
	if (!voiced)
		memset(c->mixbuf, 0, sizeof(c->mixbuf));
	if (!p->lobby && c->ann != NULL && c->ann_excl != i) {
		add_prompt(c->mixbuf, c->ann, c->ann_pos);
		voiced = true;
	}
	if (lb != NULL) {
		codec_mix_add_sat(c->mixbuf, lb, CODEC_FRAME);
		voiced = true;
	}
	if (p->prompt != NULL) {
		add_prompt(c->mixbuf, p->prompt, p->prompt_pos);
		voiced = true;
		if (!prompt_advance(p->prompt, &p->prompt_pos, p->prompt_loop))
			p->prompt = NULL;
	}
	if (!voiced || p->own == NULL) {
		emit(c, i, cl->silence, cl->silence_len, out, cap, ts);
		return;
	}
	len = codec_enc_encode(p->own, c->mixbuf, p->own_pl, sizeof(p->own_pl));
	ts->encodes++;
	p->st.private_encodes++;
	emit(c, i, p->own_pl, (uint16_t)(len > 0 ? len : 0), out, cap, ts);
}

uint16_t
codec_conf_tick(struct codec_conf *c, struct codec_conf_out *out, uint16_t cap,
		struct codec_conf_tick_stats *tsp)
{
	struct codec_conf_tick_stats ts = {0};
	const struct codec_prompt *ann = c->ann;
	uint16_t ng;

	rx_all(c, &ts);
	ts.speakers = codec_mix_update(c->mix, c->levels);
	seats_changed(c);
	mark_private(c);
	if (ts.speakers == 0 && ann == NULL) {
		/* Nobody talks: no mixing, no encoding; pre-encoded silence or DTX. */
		for (uint16_t i = 0; i < c->cfg.max_participants; i++) {
			const struct conf_class *cl;

			if (c->part[i] == NULL || c->part[i]->no_send)
				continue;
			if (c->part[i]->priv) {
				emit_private(c, i, false, out, cap, &ts);
				continue;
			}
			cl = &c->cls[c->part[i]->cls];
			emit(c, i, cl->silence, cl->silence_len, out, cap, &ts);
		}
		goto out;
	}
	if (ts.speakers > 0)
		codec_mix_accumulate(c->mix, c->frames);
	ng = codec_mix_groups(c->mix, c->enc_class, c->groups, c->max_groups, c->members);
	for (uint16_t g = 0; g < ng; g++) {
		const struct codec_mix_group *gr = &c->groups[g];
		struct conf_class *cl = &c->cls[gr->enc_class];
		const uint8_t *pl = cl->silence;
		int len = cl->silence_len;

		if (gr->sources > 0 || ann != NULL) {
			struct codec_enc *e = gr->key.excl_seat != CODEC_MIX_NONE
						      ? cl->seat[gr->key.excl_seat]
						      : cl->shared[gr->key.filter];

			if (gr->sources > 0)
				codec_mix_render(c->mix, gr->key, c->frames, c->mixbuf);
			else
				memset(c->mixbuf, 0, sizeof(c->mixbuf));
			if (ann != NULL)
				add_prompt(c->mixbuf, ann, c->ann_pos);
			len = codec_enc_encode(e, c->mixbuf, c->payload[g], CODEC_MAX_PAYLOAD);
			pl = c->payload[g];
			ts.groups++;
			ts.encodes++;
			if (len < 0)
				len = 0;
		}
		for (uint16_t m = 0; m < gr->count; m++)
			emit(c, c->members[gr->first + m], pl, (uint16_t)len, out, cap, &ts);
	}
	for (uint16_t i = 0; i < c->cfg.max_participants; i++)
		if (c->part[i] != NULL && c->part[i]->priv)
			emit_private(c, i, ts.speakers > 0, out, cap, &ts);
out:
	if (ann != NULL && !prompt_advance(ann, &c->ann_pos, false))
		c->ann = NULL;
	if (tsp != NULL)
		*tsp = ts;
	return ts.packets;
}

int
codec_conf_send_dtmf(struct codec_conf *c, uint16_t idx, const char *digits, uint32_t lead_ms)
{
	struct conf_part *p = get(c, idx);

	if (p == NULL)
		return -ENOENT;
	if (p->cfg.dtmf_pt == 0)
		return -ENOTSUP;
	return codec_rfc4733_tx_start_after(&p->dtmf_tx, digits, lead_ms);
}

uint32_t
codec_conf_dtmf_ms(const struct codec_conf *c, uint16_t idx, const char *digits)
{
	const struct conf_part *p = get(c, idx);

	return p != NULL ? codec_rfc4733_tx_ticks(&p->dtmf_tx.cfg, digits) * CODEC_FRAME_MS : 0;
}

int
codec_conf_part_stats(const struct codec_conf *c, uint16_t idx, struct codec_conf_part_stats *st)
{
	const struct conf_part *p = get(c, idx);

	if (p == NULL)
		return -ENOENT;
	*st = p->st;
	codec_jb_stats(p->jb, &st->jb);
	st->level_dbov = codec_mix_level_dbov(c->mix, idx);
	st->prompt = p->prompt != NULL ? p->prompt->name : NULL;
	st->prompt_loop = p->prompt_loop;
	st->lobby = p->lobby;
	st->muted = p->muted;
	st->send = !p->no_send;
	st->recv = !p->no_recv;
	st->role = p->role;
	st->hosts_only = p->hosts_only;
	st->backplane = p->backplane;
	st->backplane_group = p->bp_group;
	st->loopback_frames = p->cfg.loopback_frames;
	return 0;
}

int
codec_conf_rtcp(struct codec_conf *c, uint16_t idx, struct codec_conf_rtcp *r)
{
	struct conf_part *p = get(c, idx);
	struct codec_jb_stats js;

	if (p == NULL)
		return -ENOENT;
	r->tx_ssrc = p->cfg.tx_ssrc;
	r->tx_rtp_ts = p->ts - c->cls[p->cls].frame_ts;
	r->tx_clock = codec_rtp_clock(p->cfg.tx.id);
	r->tx_packets = p->st.tx_packets;
	r->tx_octets = p->st.tx_octets;
	codec_jb_stats(p->jb, &js);
	r->rx_packets = js.received;
	codec_jb_rr(p->jb, &r->rr);
	return 0;
}

int
codec_conf_tx_ssrc(const struct codec_conf *c, uint16_t idx, uint32_t *ssrc)
{
	const struct conf_part *p = get(c, idx);

	if (p == NULL)
		return -ENOENT;
	*ssrc = p->cfg.tx_ssrc;
	return 0;
}

uint16_t
codec_conf_active_speaker(const struct codec_conf *c)
{
	return codec_mix_active_speaker(c->mix);
}

const struct codec_mix *
codec_conf_mix(const struct codec_conf *c)
{
	return c->mix;
}

int
codec_rtp_write(const struct codec_conf_out *o, uint8_t *buf, size_t cap)
{
	if (cap < 12u + o->len)
		return -ENOSPC;
	buf[0] = 0x80;
	buf[1] = (uint8_t)((o->marker ? 0x80 : 0) | (o->pt & 0x7f));
	buf[2] = (uint8_t)(o->seq >> 8);
	buf[3] = (uint8_t)o->seq;
	buf[4] = (uint8_t)(o->ts >> 24);
	buf[5] = (uint8_t)(o->ts >> 16);
	buf[6] = (uint8_t)(o->ts >> 8);
	buf[7] = (uint8_t)o->ts;
	buf[8] = (uint8_t)(o->ssrc >> 24);
	buf[9] = (uint8_t)(o->ssrc >> 16);
	buf[10] = (uint8_t)(o->ssrc >> 8);
	buf[11] = (uint8_t)o->ssrc;
	memcpy(buf + 12, o->payload, o->len);
	return 12 + o->len;
}
