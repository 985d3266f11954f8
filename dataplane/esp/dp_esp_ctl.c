/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_esp_ctl.c - control-path side of the SA table.
 *
 * Context: the data plane control thread only (single writer), plus
 * dp_esp_table_init/fini on the main thread. An SA is built whole (keys
 * expanded) before its slot is published and its hash key added; deletion
 * removes the key, clears the slot and hands the SA, its hash position and
 * its slot to a defer queue (rte_rcu_qsbr_dq) that releases them after an
 * RCU grace period, so io lcores never see a half-built or freed SA and a
 * slot is not reused while a reader may still hold it. Key material is
 * wiped before it is freed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "dp_esp_sa.h"
#include "dp_srtp.h"

const char *const dp_esp_drop_names[DP_ESP_DROP_COUNT] = {
	[DP_ESP_DROP_WRONG_SPI] = "wrong_spi",
	[DP_ESP_DROP_MALFORMED] = "malformed",
	[DP_ESP_DROP_AUTH] = "auth",
	[DP_ESP_DROP_REPLAY] = "replay",
	[DP_ESP_DROP_EXPIRED] = "expired",
	[DP_ESP_DROP_ADDR] = "addr_mismatch",
	[DP_ESP_DROP_INNER_PROTO] = "inner_proto",
	[DP_ESP_DROP_NO_SA] = "no_sa",
	[DP_ESP_DROP_ROOM] = "room",
	[DP_ESP_DROP_CRYPTO] = "crypto",
	[DP_ESP_DROP_INNER_NO_STREAM] = "inner_no_stream",
};

static void sa_free(struct dp_esp_sa *sa);

/* A deleted SA as the defer queue keeps it. */
struct esp_reclaim {
	struct dp_esp_sa *sa;
	uint32_t slot;
	int32_t pos; /* hash key position, or -1 */
};

static void
esp_release(struct dp_esp_table *t, const struct esp_reclaim *r)
{
	if (r->pos >= 0)
		rte_hash_free_key_with_position(t->hash, r->pos);
	sa_free(r->sa);
	explicit_bzero(&t->slots[r->slot].st, sizeof(t->slots[r->slot].st));
	t->free_list[t->n_free++] = r->slot;
	t->deferred--;
}

/* rte_rcu_qsbr_free_resource_t, one entry at a time. */
static void
esp_dq_free(void *p, void *e, unsigned int n)
{
	struct esp_reclaim r;

	RTE_SET_USED(n);
	memcpy(&r, e, sizeof(r));
	esp_release(p, &r);
}

void
dp_esp_reclaim(struct dp_esp_table *t)
{
	if (t->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
}

int
dp_esp_table_init(struct dp_esp_table *t, uint32_t max, struct rte_rcu_qsbr *qsbr, int socket_id)
{
	static unsigned int seq;
	char name[32];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = max < 64 ? 64 : max,
		.key_len = sizeof(struct dp_esp_key),
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_NO_FREE_ON_DEL | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	int rc;

	if (t == NULL || max == 0 || max > (1u << 20))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	snprintf(name, sizeof(name), "dp_esp_sa%u", seq++);
	t->max = max;
	t->qsbr = qsbr;
	t->next_gen = 1;
	t->hash = rte_hash_create(&hp);
	t->slots = rte_zmalloc_socket("dp_esp_slots", sizeof(*t->slots) * max, RTE_CACHE_LINE_SIZE,
				      socket_id);
	t->free_list = rte_malloc_socket("dp_esp_free", sizeof(uint32_t) * max, 0, socket_id);
	if (t->hash == NULL || t->slots == NULL || t->free_list == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (uint32_t i = 0; i < max; i++)
		t->free_list[i] = max - 1 - i;
	t->n_free = max;
	{
		struct rte_rcu_qsbr_dq_parameters dp = {
			.name = name, /* unique, like the hash's */
			.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
			.size = max,
			.esize = sizeof(struct esp_reclaim),
			.trigger_reclaim_limit = 16,
			.max_reclaim_size = 64,
			.free_fn = esp_dq_free,
			.p = t,
			.v = qsbr,
		};

		t->dq = rte_rcu_qsbr_dq_create(&dp);
		if (t->dq == NULL) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	rc = dp_srtp_mgr_create(&t->mb);
	if (rc < 0)
		goto out_free;
	return 0;

out_free:
	rte_rcu_qsbr_dq_delete(t->dq);
	rte_free(t->slots);
	rte_free(t->free_list);
	rte_hash_free(t->hash);
	memset(t, 0, sizeof(*t));
	return rc;
}

static void
sa_free(struct dp_esp_sa *sa)
{
	if (sa == NULL)
		return;
	dp_esp_sa_fini(sa);
	rte_free(sa);
}

void
dp_esp_table_fini(struct dp_esp_table *t)
{
	if (t == NULL || t->slots == NULL)
		return;
	/* No reader is left (lcores have stopped): every grace period is over. */
	rte_rcu_qsbr_dq_delete(t->dq);
	for (uint32_t i = 0; i < t->max; i++) {
		sa_free(t->slots[i].sa);
		t->slots[i].sa = NULL;
	}
	dp_srtp_mgr_destroy(t->mb);
	rte_free(t->slots);
	rte_free(t->free_list);
	rte_hash_free(t->hash);
	memset(t, 0, sizeof(*t));
}

static void
key_of(struct dp_esp_key *k, uint32_t spi, enum dp_esp_dir dir)
{
	memset(k, 0, sizeof(*k));
	k->spi = rte_cpu_to_be_32(spi);
	k->dir = (uint32_t)dir;
}

int
dp_esp_sa_find(const struct dp_esp_table *t, uint32_t spi, enum dp_esp_dir dir)
{
	struct dp_esp_key k;
	void *data;

	if (t->hash == NULL)
		return -ENOENT;
	key_of(&k, spi, dir);
	if (rte_hash_lookup_data(t->hash, &k, &data) < 0)
		return -ENOENT;
	return (int)(uintptr_t)data;
}

const struct dp_esp_sa *
dp_esp_sa_lookup(const struct dp_esp_table *t, uint32_t slot)
{
	if (t->slots == NULL || slot >= t->max)
		return NULL;
	return t->slots[slot].sa;
}

int
dp_esp_sa_add(struct dp_esp_table *t, const struct dp_esp_sa_params *p)
{
	struct dp_esp_sa *sa;
	struct dp_esp_slot *s;
	struct dp_esp_key k;
	uint32_t slot;
	int rc;

	if (t->hash == NULL)
		return -ENOMEM;
	if (p->window < 64 || p->window > DP_ESP_REPLAY_MAX || p->spi == 0 ||
	    (p->dir != DP_ESP_IN && p->dir != DP_ESP_OUT))
		return -EINVAL;
	if (dp_esp_sa_find(t, p->spi, p->dir) >= 0)
		return -EEXIST;
	if (t->n_free == 0 && t->deferred > 0) {
		/* Deleted SAs still in their grace period: wait for it. */
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		dp_esp_reclaim(t);
	}
	if (t->n_free == 0)
		return -ENOSPC;
	sa = rte_zmalloc("dp_esp_sa", sizeof(*sa), RTE_CACHE_LINE_SIZE);
	if (sa == NULL)
		return -ENOMEM;
	rc = dp_esp_sa_init(sa, t->mb, &p->keys);
	if (rc < 0) {
		sa_free(sa);
		return rc;
	}
	sa->spi = p->spi;
	sa->dir = (uint8_t)p->dir;
	sa->esn = p->esn;
	sa->window = p->window;
	sa->family = p->family;
	memcpy(sa->local, p->local, sizeof(sa->local));
	memcpy(sa->remote, p->remote, sizeof(sa->remote));
	sa->life_bytes = p->life_bytes;
	sa->life_seconds = p->life_seconds;
	sa->created_tsc = rte_rdtsc();
	sa->expire_tsc = p->life_seconds != 0 ?
				 sa->created_tsc + p->life_seconds * rte_get_tsc_hz() : UINT64_MAX;
	sa->generation = t->next_gen++;

	slot = t->free_list[t->n_free - 1];
	s = &t->slots[slot];
	/* Unreachable until the hash key exists: plain writes are fine. */
	memset(&s->st, 0, sizeof(s->st));
	__atomic_store_n(&s->sa, sa, __ATOMIC_RELEASE);
	key_of(&k, p->spi, p->dir);
	rc = rte_hash_add_key_data(t->hash, &k, (void *)(uintptr_t)slot);
	if (rc < 0) {
		__atomic_store_n(&s->sa, NULL, __ATOMIC_RELEASE);
		sa_free(sa);
		return rc == -ENOSPC ? -ENOSPC : -ENOMEM;
	}
	t->n_free--;
	t->count++;
	return (int)slot;
}

int
dp_esp_sa_del(struct dp_esp_table *t, uint32_t slot)
{
	struct esp_reclaim r = {.slot = slot};
	struct dp_esp_slot *s;
	struct dp_esp_key k;

	if (t->slots == NULL || slot >= t->max || t->slots[slot].sa == NULL)
		return -ENOENT;
	s = &t->slots[slot];
	r.sa = s->sa;
	key_of(&k, r.sa->spi, (enum dp_esp_dir)r.sa->dir);
	r.pos = rte_hash_del_key(t->hash, &k);
	__atomic_store_n(&s->sa, NULL, __ATOMIC_RELEASE);
	t->count--;
	t->deferred++;
	if (rte_rcu_qsbr_dq_enqueue(t->dq, &r) != 0) {
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		esp_release(t, &r);
	}
	/* Without running readers (tests, shutdown) this releases it at once. */
	dp_esp_reclaim(t);
	return 0;
}

/* @p pct percent of @p x, without overflow. */
static uint64_t
pct_of(uint64_t x, unsigned int pct)
{
	return x / 100 * pct + x % 100 * pct / 100;
}

int
dp_esp_sa_life(const struct dp_esp_table *t, uint32_t slot, uint64_t now,
	       struct dp_esp_sa_life *life)
{
	const struct dp_esp_sa *sa = dp_esp_sa_lookup(t, slot);
	const struct dp_esp_state *st;
	uint64_t hz = rte_get_tsc_hz(), age, bytes, seq;

	if (sa == NULL)
		return -ENOENT;
	st = &t->slots[slot].st;
	age = now > sa->created_tsc ? (now - sa->created_tsc) / hz : 0;
	bytes = __atomic_load_n(&st->stats.bytes, __ATOMIC_RELAXED);
	seq = sa->dir == DP_ESP_OUT ? __atomic_load_n(&st->seq, __ATOMIC_RELAXED) : st->top;
	memset(life, 0, sizeof(*life));
	life->age_seconds = age;
	life->expired = now >= sa->expire_tsc || (sa->life_bytes != 0 && bytes >= sa->life_bytes) ||
			(!sa->esn && sa->dir == DP_ESP_OUT && seq >= UINT32_MAX);
	life->soft_expired =
		life->expired ||
		(sa->life_seconds != 0 &&
		 now > sa->created_tsc && now - sa->created_tsc >= pct_of(sa->life_seconds * hz, DP_ESP_SOFT_PCT)) ||
		(sa->life_bytes != 0 && bytes >= pct_of(sa->life_bytes, DP_ESP_SOFT_PCT)) ||
		(!sa->esn && seq >= pct_of(UINT32_MAX, DP_ESP_SOFT_PCT));
	return 0;
}
