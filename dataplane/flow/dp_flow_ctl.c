/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_flow_ctl.c - control-path side of the stream table.
 *
 * Context: the data plane control thread only (single writer). Every change
 * publishes a whole new struct dp_stream_cfg; the previous one goes to the
 * table's defer queue (rte_rcu_qsbr_dq, started with a QSBR token) and is
 * freed once every io lcore has reported a quiescent state after it, so io
 * lcores never see a half-written or freed stream and requests do not wait
 * for the grace period. A deleted stream's slot index, hash key positions
 * and SRTP state are released from the same queue, never earlier.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "dp_flow.h"
#include "tsr_log.h"

const char *const dp_drop_names[DP_DROP_COUNT] = {
	[DP_DROP_MALFORMED] = "malformed",
	[DP_DROP_RTP_VERSION] = "rtp_version",
	[DP_DROP_SRTP_AUTH] = "srtp_auth",
	[DP_DROP_SRTP_REPLAY] = "srtp_replay",
	[DP_DROP_SRTP_OTHER] = "srtp_other",
	[DP_DROP_SRC_MISMATCH] = "src_mismatch",
	[DP_DROP_NO_DEST] = "no_dest",
	[DP_DROP_NO_NEIGH] = "no_neigh",
	[DP_DROP_TX_FULL] = "tx_full",
	[DP_DROP_WORKER_FULL] = "worker_full",
};

static void cfg_free(struct dp_stream_cfg *c);

/* What one defer queue entry releases once the readers are past it. */
struct reclaim_ent {
	struct dp_stream_cfg *cfg; /* a configuration to free, or NULL */
	uint32_t slot;             /* a deleted stream's slot, or DP_STREAM_NONE */
	int32_t pos, rpos;         /* hash key positions to give back, or -1 */
	uint32_t pad;
};

static void
release(struct dp_flow_table *ft, const struct reclaim_ent *r)
{
	cfg_free(r->cfg);
	if (r->pos >= 0)
		rte_hash_free_key_with_position(ft->hash, r->pos);
	if (r->rpos >= 0)
		rte_hash_free_key_with_position(ft->hash, r->rpos);
	if (r->slot != DP_STREAM_NONE) {
		struct dp_stream *s = &ft->slots[r->slot];

		explicit_bzero(&s->srtp_in_st, sizeof(s->srtp_in_st));
		explicit_bzero(&s->srtp_out_st, sizeof(s->srtp_out_st));
		ft->free_list[ft->n_free++] = r->slot;
		ft->deferred--;
	}
}

/* rte_rcu_qsbr_free_resource_t: called by the defer queue, one entry at a time. */
static void
dq_free(void *p, void *e, unsigned int n)
{
	struct reclaim_ent r;

	RTE_SET_USED(n);
	memcpy(&r, e, sizeof(r));
	release(p, &r);
}

static int
dq_create(struct dp_flow_table *ft, uint32_t max)
{
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = "dp_flow",
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
		/* Every slot deleted, plus room for replaced configurations. */
		.size = max + 1024,
		.esize = sizeof(struct reclaim_ent),
		.trigger_reclaim_limit = 64,
		.max_reclaim_size = 256,
		.free_fn = dq_free,
		.p = ft,
		.v = ft->qsbr,
	};

	ft->dq = rte_rcu_qsbr_dq_create(&dp);
	return ft->dq == NULL ? -ENOMEM : 0;
}

/*
 * Release @p cfg, @p slot and the hash positions once the grace period that
 * starts now has ended. When the queue is full, wait for it here instead.
 */
static void
defer(struct dp_flow_table *ft, struct dp_stream_cfg *cfg, uint32_t slot, int32_t pos,
      int32_t rpos)
{
	struct reclaim_ent r = {.cfg = cfg, .slot = slot, .pos = pos, .rpos = rpos};

	if (slot != DP_STREAM_NONE)
		ft->deferred++;
	if (rte_rcu_qsbr_dq_enqueue(ft->dq, &r) == 0)
		return;
	rte_rcu_qsbr_synchronize(ft->qsbr, RTE_QSBR_THRID_INVALID);
	release(ft, &r);
}

uint32_t
dp_flow_reclaim(struct dp_flow_table *ft)
{
	unsigned int pending = 0;

	if (ft->dq == NULL || rte_rcu_qsbr_dq_reclaim(ft->dq, UINT32_MAX, NULL, &pending, NULL) != 0)
		return 0;
	return pending;
}

void
dp_flow_sync(struct dp_flow_table *ft)
{
	rte_rcu_qsbr_synchronize(ft->qsbr, RTE_QSBR_THRID_INVALID);
	dp_flow_reclaim(ft);
}

/* Streams relaying to @p to are listed at ref_head[to] (control thread's index). */
static void
ref_link(struct dp_flow_table *ft, uint32_t id, uint32_t to)
{
	if (to >= ft->max)
		return;
	ft->ref_next[id] = ft->ref_head[to];
	ft->ref_head[to] = id;
}

static void
ref_unlink(struct dp_flow_table *ft, uint32_t id, uint32_t to)
{
	if (to >= ft->max)
		return;
	for (uint32_t *pp = &ft->ref_head[to]; *pp != DP_STREAM_NONE; pp = &ft->ref_next[*pp])
		if (*pp == id) {
			*pp = ft->ref_next[id];
			ft->ref_next[id] = DP_STREAM_NONE;
			return;
		}
}

int
dp_flow_init(struct dp_flow_table *ft, uint32_t max, struct rte_rcu_qsbr *qsbr, int socket_id)
{
	struct rte_hash_parameters hp = {
		.name = "dp_flow",
		.entries = max * 2 < 1024 ? 1024 : max * 2, /* RTP and a separate RTCP key */
		.key_len = sizeof(struct dp_ep),
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_NO_FREE_ON_DEL | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	int rc;

	if (max == 0 || max > DP_FLOW_RTCP - 1)
		return -EINVAL;
	memset(ft, 0, sizeof(*ft));
	ft->max = max;
	ft->qsbr = qsbr;
	ft->next_gen = 1;
	ft->hash = rte_hash_create(&hp);
	if (ft->hash == NULL)
		return -ENOMEM;
	ft->slots = rte_zmalloc_socket("dp_streams", sizeof(*ft->slots) * max, RTE_CACHE_LINE_SIZE,
				       socket_id);
	ft->free_list = rte_malloc_socket("dp_stream_free", sizeof(uint32_t) * max, 0, socket_id);
	ft->ref_head = rte_malloc_socket("dp_stream_refs", sizeof(uint32_t) * max, 0, socket_id);
	ft->ref_next = rte_malloc_socket("dp_stream_refs", sizeof(uint32_t) * max, 0, socket_id);
	if (ft->slots == NULL || ft->free_list == NULL || ft->ref_head == NULL ||
	    ft->ref_next == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (uint32_t i = 0; i < max; i++) {
		ft->free_list[i] = max - 1 - i;
		ft->ref_head[i] = DP_STREAM_NONE;
		ft->ref_next[i] = DP_STREAM_NONE;
	}
	ft->n_free = max;
	rc = dq_create(ft, max);
	if (rc < 0)
		goto out_free;
	rc = dp_srtp_mgr_create(&ft->mb);
	if (rc < 0)
		goto out_free;
	return 0;

out_free:
	if (ft->dq != NULL)
		rte_rcu_qsbr_dq_delete(ft->dq);
	rte_free(ft->slots);
	rte_free(ft->free_list);
	rte_free(ft->ref_head);
	rte_free(ft->ref_next);
	rte_hash_free(ft->hash);
	memset(ft, 0, sizeof(*ft));
	return rc;
}

static void
cfg_free(struct dp_stream_cfg *c)
{
	if (c == NULL)
		return;
	dp_srtp_session_fini(&c->srtp_in);
	dp_srtp_session_fini(&c->srtp_out);
	explicit_bzero(c, sizeof(*c));
	rte_free(c);
}

void
dp_flow_fini(struct dp_flow_table *ft)
{
	if (ft->slots == NULL)
		return;
	/* No reader is left (lcores have stopped): every grace period is over. */
	if (rte_rcu_qsbr_dq_delete(ft->dq) != 0)
		TSR_WARN("dp.flow", "deferred stream state left behind at exit\tslots=%u",
			 ft->deferred);
	for (uint32_t i = 0; i < ft->max; i++) {
		cfg_free(ft->slots[i].cfg);
		ft->slots[i].cfg = NULL;
	}
	explicit_bzero(ft->slots, sizeof(*ft->slots) * ft->max);
	dp_srtp_mgr_destroy(ft->mb);
	rte_free(ft->slots);
	rte_free(ft->free_list);
	rte_free(ft->ref_head);
	rte_free(ft->ref_next);
	rte_hash_free(ft->hash);
	memset(ft, 0, sizeof(*ft));
}

static struct dp_ep
rtcp_ep(const struct dp_ep *local)
{
	struct dp_ep e = *local;

	e.port = rte_cpu_to_be_16(rte_be_to_cpu_16(local->port) + 1);
	return e;
}

static int
session_init(struct dp_flow_table *ft, struct dp_srtp_session *s, enum dp_srtp_suite suite,
	     const uint8_t *keysalt)
{
	size_t kl = dp_srtp_suite_key_len(suite), sl = dp_srtp_suite_salt_len(suite);

	if (suite == DP_SRTP_NULL) {
		memset(s, 0, sizeof(*s));
		s->suite = DP_SRTP_NULL;
		return 0;
	}
	return dp_srtp_session_init(s, ft->mb, suite, keysalt, kl, keysalt + kl, sl);
}

/* Build a new configuration version from @p p; keys copied from @p old when unchanged. */
static int
cfg_build(struct dp_flow_table *ft, uint32_t id, const struct dp_stream_params *p,
	  const struct dp_stream_cfg *old, struct dp_stream_cfg **out)
{
	struct dp_stream_cfg *c;
	int rc;

	c = rte_zmalloc("dp_stream_cfg", sizeof(*c), RTE_CACHE_LINE_SIZE);
	if (c == NULL)
		return -ENOMEM;
	c->local = p->local;
	c->remote = p->remote;
	c->id = id;
	c->gen = ft->next_gen++;
	c->relay_to = p->relay_to;
	c->out_ssrc = p->out_ssrc;
	c->conf_ring = p->conf_ring;
	c->conf_id = p->conf_id;
	c->conf_part = p->conf_part;
	c->dscp = p->dscp;
	c->latch = p->latch;
	c->strict_source = p->strict_source;
	c->has_pt_map = p->has_pt_map;
	memcpy(c->pt_map, p->pt_map, sizeof(c->pt_map));
	c->esp_out = p->esp_out;
	c->esp_slot = p->esp_slot;
	c->rtcp_mux = p->rtcp_mux;
	if (old != NULL && old->latch == p->latch && dp_ep_eq(&old->remote, &p->remote))
		c->latch_gen = old->latch_gen;
	else
		c->latch_gen = c->gen;
	if (old == NULL || p->in_keys_changed) {
		rc = session_init(ft, &c->srtp_in, p->in_suite, p->in_key);
		c->key_gen_in = c->gen;
	} else {
		c->srtp_in = old->srtp_in;
		c->key_gen_in = old->key_gen_in;
		rc = 0;
	}
	if (rc == 0 && (old == NULL || p->out_keys_changed)) {
		rc = session_init(ft, &c->srtp_out, p->out_suite, p->out_key);
		c->key_gen_out = c->gen;
	} else if (rc == 0) {
		c->srtp_out = old->srtp_out;
		c->key_gen_out = old->key_gen_out;
	}
	if (rc < 0) {
		cfg_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

static int
hash_add(struct dp_flow_table *ft, const struct dp_ep *key, uint32_t data)
{
	int rc = rte_hash_add_key_data(ft->hash, key, (void *)(uintptr_t)data);

	return rc < 0 ? rc : 0;
}

static void
hash_del(struct dp_flow_table *ft, const struct dp_ep *key, int32_t *pos)
{
	*pos = rte_hash_del_key(ft->hash, key);
}

/* After a grace period nobody can hold the positions: give them back. */
static void
hash_reclaim(struct dp_flow_table *ft, int32_t pos)
{
	if (pos >= 0)
		rte_hash_free_key_with_position(ft->hash, pos);
}

int
dp_flow_stream_add(struct dp_flow_table *ft, const struct dp_stream_params *p)
{
	struct dp_stream_cfg *c;
	struct dp_stream *s;
	struct dp_ep rk = rtcp_ep(&p->local);
	uint32_t id;
	int rc;

	if (rte_hash_lookup(ft->hash, &p->local) >= 0 ||
	    (!p->rtcp_mux && rte_hash_lookup(ft->hash, &rk) >= 0))
		return -EEXIST;
	if (ft->n_free == 0 && ft->deferred > 0)
		dp_flow_sync(ft); /* deleted slots still in their grace period */
	if (ft->n_free == 0)
		return -ENOSPC;
	id = ft->free_list[ft->n_free - 1];
	rc = cfg_build(ft, id, p, NULL, &c);
	if (rc < 0)
		return rc;
	s = &ft->slots[id];
	/* The slot is unreachable until the hash entry exists: plain writes are fine. */
	memset(&s->stats, 0, sizeof(s->stats));
	s->tx_mac_expiry = 0;
	s->latched_gen = 0;
	s->in_key_gen = 0;
	s->out_key_gen = 0;
	__atomic_store_n(&s->cfg, c, __ATOMIC_RELEASE);
	rc = hash_add(ft, &p->local, id);
	if (rc == 0 && !p->rtcp_mux) {
		rc = hash_add(ft, &rk, id | DP_FLOW_RTCP);
		if (rc < 0) {
			int32_t pos;

			hash_del(ft, &p->local, &pos);
			rte_rcu_qsbr_synchronize(ft->qsbr, RTE_QSBR_THRID_INVALID);
			hash_reclaim(ft, pos);
		}
	}
	if (rc < 0) {
		__atomic_store_n(&s->cfg, NULL, __ATOMIC_RELEASE);
		cfg_free(c);
		return rc == -ENOSPC ? -ENOSPC : -ENOMEM;
	}
	ft->n_free--;
	ft->count++;
	if (p->relay_to != DP_STREAM_NONE)
		ref_link(ft, id, p->relay_to);
	return (int)id;
}

int
dp_flow_stream_update(struct dp_flow_table *ft, uint32_t id, const struct dp_stream_params *p)
{
	struct dp_stream_cfg *old, *c;
	struct dp_stream *s;
	int rc;

	if (id >= ft->max || ft->slots[id].cfg == NULL)
		return -ENOENT;
	s = &ft->slots[id];
	old = s->cfg;
	if (!dp_ep_eq(&old->local, &p->local))
		return -EINVAL;
	if (old->rtcp_mux != p->rtcp_mux) {
		struct dp_ep rk = rtcp_ep(&old->local);

		if (!p->rtcp_mux) {
			if (rte_hash_lookup(ft->hash, &rk) >= 0)
				return -EEXIST;
			rc = hash_add(ft, &rk, id | DP_FLOW_RTCP);
			if (rc < 0)
				return -ENOSPC;
		}
	}
	rc = cfg_build(ft, id, p, old, &c);
	if (rc < 0)
		return rc;
	__atomic_store_n(&s->cfg, c, __ATOMIC_RELEASE);
	if (old->relay_to != p->relay_to) {
		ref_unlink(ft, id, old->relay_to);
		ref_link(ft, id, p->relay_to);
	}
	if (old->rtcp_mux != p->rtcp_mux && p->rtcp_mux) {
		struct dp_ep rk = rtcp_ep(&old->local);
		int32_t pos;

		hash_del(ft, &rk, &pos);
		defer(ft, old, DP_STREAM_NONE, pos, -1);
	} else {
		defer(ft, old, DP_STREAM_NONE, -1, -1);
	}
	return 0;
}

/*
 * Copies of the configurations of the streams that relay to @p id, with
 * relay_to cleared, so a later stream in the same slot does not receive
 * their media. Found through the referrer list, not by scanning the table.
 * @return the number of copies in @p cfgs (at most @p cap), or -ENOMEM.
 */
static int
unlink_copies(struct dp_flow_table *ft, uint32_t id, struct dp_stream_cfg **cfgs, uint32_t cap)
{
	uint32_t k = 0;

	for (uint32_t r = ft->ref_head[id]; r != DP_STREAM_NONE && k < cap; r = ft->ref_next[r]) {
		struct dp_stream_cfg *c = rte_malloc("dp_stream_cfg", sizeof(*c), RTE_CACHE_LINE_SIZE);

		if (c == NULL) {
			while (k > 0)
				cfg_free(cfgs[--k]);
			return -ENOMEM;
		}
		/* Same keys, latch and generations: only the destination changes. */
		memcpy(c, ft->slots[r].cfg, sizeof(*c));
		c->relay_to = DP_STREAM_NONE;
		cfgs[k++] = c;
	}
	return (int)k;
}

int
dp_flow_stream_del(struct dp_flow_table *ft, uint32_t id)
{
	struct dp_stream_cfg *old, *few[8], **copies = few;
	struct dp_stream *s;
	uint32_t n_refs = 0, r, next;
	int32_t pos, rpos = -1;
	int n;

	if (id >= ft->max || ft->slots[id].cfg == NULL)
		return -ENOENT;
	s = &ft->slots[id];
	old = s->cfg;
	/* A stream relaying to itself is not its own referrer here. */
	ref_unlink(ft, id, old->relay_to);
	for (r = ft->ref_head[id]; r != DP_STREAM_NONE; r = ft->ref_next[r])
		n_refs++;
	if (n_refs > RTE_DIM(few)) {
		copies = malloc(sizeof(*copies) * n_refs);
		if (copies == NULL)
			goto out_relink;
	}
	n = unlink_copies(ft, id, copies, n_refs);
	if (n < 0)
		goto out_relink;
	hash_del(ft, &old->local, &pos);
	if (!old->rtcp_mux) {
		struct dp_ep rk = rtcp_ep(&old->local);

		hash_del(ft, &rk, &rpos);
	}
	__atomic_store_n(&s->cfg, NULL, __ATOMIC_RELEASE);
	/* Publish the copies; the old versions wait for the grace period. */
	r = ft->ref_head[id];
	for (int i = 0; i < n; i++, r = next) {
		struct dp_stream_cfg *prev = ft->slots[r].cfg;

		next = ft->ref_next[r];
		ft->ref_next[r] = DP_STREAM_NONE;
		__atomic_store_n(&ft->slots[r].cfg, copies[i], __ATOMIC_RELEASE);
		defer(ft, prev, DP_STREAM_NONE, -1, -1);
	}
	ft->ref_head[id] = DP_STREAM_NONE;
	if (copies != few)
		free(copies);
	ft->count--;
	defer(ft, old, id, pos, rpos);
	/* Without running readers (tests, shutdown) this releases it at once. */
	dp_flow_reclaim(ft);
	return 0;

out_relink:
	if (copies != few)
		free(copies);
	ref_link(ft, id, old->relay_to);
	return -ENOMEM;
}

const struct dp_stream_cfg *
dp_flow_stream_cfg(const struct dp_flow_table *ft, uint32_t id)
{
	if (id >= ft->max)
		return NULL;
	return ft->slots[id].cfg;
}

int
dp_flow_stream_params(const struct dp_flow_table *ft, uint32_t id, struct dp_stream_params *p)
{
	const struct dp_stream_cfg *c = dp_flow_stream_cfg(ft, id);

	if (c == NULL)
		return -ENOENT;
	memset(p, 0, sizeof(*p));
	p->local = c->local;
	p->remote = c->remote;
	p->latch = c->latch;
	p->strict_source = c->strict_source;
	p->has_pt_map = c->has_pt_map;
	memcpy(p->pt_map, c->pt_map, sizeof(p->pt_map));
	p->esp_out = c->esp_out;
	p->esp_slot = c->esp_slot;
	p->rtcp_mux = c->rtcp_mux;
	p->dscp = c->dscp;
	p->relay_to = c->relay_to;
	p->out_ssrc = c->out_ssrc;
	p->conf_ring = c->conf_ring;
	p->conf_id = c->conf_id;
	p->conf_part = c->conf_part;
	p->in_suite = c->srtp_in.suite;
	p->out_suite = c->srtp_out.suite;
	return 0;
}

uint32_t
dp_flow_esp_users(const struct dp_flow_table *ft, uint32_t slot)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < ft->max; i++) {
		const struct dp_stream_cfg *c = ft->slots[i].cfg;

		if (c != NULL && c->esp_out && c->esp_slot == slot)
			n++;
	}
	return n;
}

int
dp_flow_esp_switch(struct dp_flow_table *ft, uint32_t from, uint32_t to)
{
	uint32_t n = dp_flow_esp_users(ft, from), k = 0;
	struct dp_stream_cfg **copies;
	uint32_t *idx;

	if (n == 0)
		return 0;
	copies = calloc(n, sizeof(*copies));
	idx = malloc(sizeof(*idx) * n);
	if (copies == NULL || idx == NULL)
		goto out_nomem;
	for (uint32_t i = 0; i < ft->max && k < n; i++) {
		const struct dp_stream_cfg *c = ft->slots[i].cfg;

		if (c == NULL || !c->esp_out || c->esp_slot != from)
			continue;
		copies[k] = rte_malloc("dp_stream_cfg", sizeof(*c), RTE_CACHE_LINE_SIZE);
		if (copies[k] == NULL)
			goto out_nomem;
		/* Same keys, latch and generations: only the SA changes. */
		memcpy(copies[k], c, sizeof(*c));
		copies[k]->esp_slot = to;
		idx[k++] = i;
	}
	for (uint32_t j = 0; j < k; j++) {
		struct dp_stream_cfg *prev = ft->slots[idx[j]].cfg;

		__atomic_store_n(&ft->slots[idx[j]].cfg, copies[j], __ATOMIC_RELEASE);
		defer(ft, prev, DP_STREAM_NONE, -1, -1);
	}
	free(copies);
	free(idx);
	return (int)k;

out_nomem:
	for (uint32_t j = 0; copies != NULL && j < k; j++)
		cfg_free(copies[j]);
	free(copies);
	free(idx);
	return -ENOMEM;
}
