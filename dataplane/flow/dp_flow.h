/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_flow.h - the stream table: (local address, UDP port) -> media stream.
 *
 * A stream is a slot in a preallocated array. Its configuration
 * (struct dp_stream_cfg) is immutable once published: the control thread
 * builds a new version and swaps the slot's pointer, and hands the old one
 * to a defer queue (rte_rcu_qsbr_dq) that frees it once an RCU (QSBR) grace
 * period has passed, so io lcores read it without locks and requests never
 * wait for the grace period. A deleted stream's slot, its hash key positions
 * and its SRTP state go back to the free pool the same way: a stream id is
 * not reused before every io lcore has stopped looking at the old stream.
 * The control thread drains the queue from its loop (dp_flow_reclaim()).
 * The rest of the slot (latched remote, SRTP replay/ROC state, counters) is
 * written only by the io lcore that handles the stream; a new configuration
 * generation tells that lcore to reset what the control path changed.
 *
 * Lookups go through an rte_hash built lock-free for readers
 * (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF) with one writer (the control
 * thread). The hash data is the slot index, with DP_FLOW_RTCP set for the
 * separate RTCP port of a stream without rtcp-mux.
 *
 * Context: dp_flow_* functions are control path (the dp control thread);
 * the inline readers are fast path.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_atomic.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include "dp_srtp.h"

#define DP_FLOW_RTCP 0x80000000u
#define DP_PT_KEEP 0xff
#define DP_STREAM_NONE UINT32_MAX

/** A transport endpoint; also the flow table key (all 20 bytes compared). */
struct dp_ep {
	uint8_t family; /* AF_INET or AF_INET6; 0 = unset */
	uint8_t pad;
	rte_be16_t port;
	uint8_t addr[16]; /* IPv4 in the first 4 bytes, the rest zero */
};

enum dp_drop {
	DP_DROP_MALFORMED = 0, /* RTP/RTCP bounds, lengths */
	DP_DROP_RTP_VERSION,
	DP_DROP_SRTP_AUTH,
	DP_DROP_SRTP_REPLAY,
	DP_DROP_SRTP_OTHER, /* protect failed (room, crypto) */
	DP_DROP_SRC_MISMATCH,
	DP_DROP_NO_DEST,
	DP_DROP_NO_NEIGH,
	DP_DROP_TX_FULL,
	DP_DROP_WORKER_FULL, /* conference worker's input ring full */
	DP_DROP_COUNT,
};

extern const char *const dp_drop_names[DP_DROP_COUNT];

struct dp_stream_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t rx_rtcp;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t drops[DP_DROP_COUNT];
};

/*
 * One published version of a stream's configuration. Immutable after
 * publication; freed by the control thread after a grace period.
 */
struct dp_stream_cfg {
	struct dp_ep local;
	struct dp_ep remote;  /* configured remote; family 0 = learn by latching */
	uint32_t id;          /* slot index */
	uint32_t gen;         /* unique per version */
	uint32_t latch_gen;   /* changes with remote/latch: invalidates an older latch */
	uint32_t key_gen_in;  /* changes with srtp_in keys: resets the in state */
	uint32_t key_gen_out; /* changes with srtp_out keys */
	uint32_t relay_to;    /* destination stream, or DP_STREAM_NONE */
	uint32_t out_ssrc;    /* rewrite SSRC on egress; 0 = keep */
	struct rte_ring *conf_ring; /* conference worker input, or NULL (borrowed) */
	uint16_t conf_id;     /* conference this stream feeds, DP_CONF_NONE = none */
	uint16_t conf_part;   /* participant index in it */
	uint8_t dscp;
	bool latch;
	bool strict_source;   /* without latching, accept only the configured remote */
	bool rtcp_mux;
	bool has_pt_map;      /* pt_map below applies to what this stream sends */
	bool esp_out;         /* what this stream sends goes through ESP SA slot esp_slot */
	uint32_t esp_slot;    /* slot in dp_main.esp (see dp_esp_sa.h) */
	struct dp_srtp_session srtp_in;  /* keys to unprotect what arrives */
	struct dp_srtp_session srtp_out; /* keys to protect what leaves */
	uint8_t pt_map[128];  /* RTP payload type written on egress; DP_PT_KEEP = unchanged */
};

/* A stream slot. Mutable fields belong to the io lcore handling the stream. */
struct dp_stream {
	struct dp_stream_cfg *cfg; /* RCU-published; NULL when the slot is free */
	uint32_t latched_gen;      /* cfg->latch_gen the latch below belongs to */
	uint32_t in_key_gen;       /* cfg->key_gen_in the in state belongs to */
	uint32_t out_key_gen;
	uint32_t pad;
	struct dp_ep latched;
	struct dp_stream_stats stats;
	/* Egress next-hop MAC, valid for tx_mac_ep until tx_mac_expiry (TSC). */
	struct dp_ep tx_mac_ep;
	struct rte_ether_addr tx_mac;
	uint64_t tx_mac_expiry;
	struct dp_srtp_state srtp_in_st;
	struct dp_srtp_state srtp_out_st;
} __rte_cache_aligned;

struct dp_flow_table {
	struct rte_hash *hash;
	struct dp_stream *slots; /* owned, max entries */
	uint32_t max;
	uint32_t count;
	uint32_t next_gen;
	uint32_t *free_list; /* owned, stack of free slot indexes */
	uint32_t n_free;
	/*
	 * Streams that relay to a stream, as singly linked lists (control
	 * thread only): ref_head[t] is the first stream whose relay_to is t,
	 * ref_next[s] the next one after s; DP_STREAM_NONE ends a list. A
	 * delete unlinks its referrers without scanning the table.
	 */
	uint32_t *ref_head; /* owned, max entries */
	uint32_t *ref_next; /* owned, max entries */
	struct rte_rcu_qsbr *qsbr; /* borrowed */
	struct rte_rcu_qsbr_dq *dq; /* owned: old configurations and deleted slots */
	uint32_t deferred;          /* slots waiting in dq for their grace period */
	IMB_MGR *mb;               /* owned: key derivation on the control path */
};

/** Parameters of dp_flow_stream_add()/dp_flow_stream_update() (control path view). */
struct dp_stream_params {
	struct dp_ep local;
	struct dp_ep remote;
	bool latch;
	bool strict_source;
	bool rtcp_mux;
	uint8_t dscp;
	uint32_t relay_to;
	uint32_t out_ssrc;
	struct rte_ring *conf_ring;
	uint16_t conf_id, conf_part;
	bool has_pt_map;
	uint8_t pt_map[128];
	bool esp_out;          /* send through the outbound ESP SA in esp_slot */
	uint32_t esp_slot;
	enum dp_srtp_suite in_suite, out_suite;
	uint8_t in_key[DP_SRTP_MAX_MASTER_KEY + DP_SRTP_MAX_MASTER_SALT];
	uint8_t out_key[DP_SRTP_MAX_MASTER_KEY + DP_SRTP_MAX_MASTER_SALT];
	bool in_keys_changed, out_keys_changed; /* update only */
};

/**
 * Create the table for @p max streams.
 * @return 0, -EINVAL, -ENOMEM or -ENOTSUP (no ipsec-mb arch).
 * Ownership: @p qsbr borrowed for the table's life.
 */
int dp_flow_init(struct dp_flow_table *ft, uint32_t max, struct rte_rcu_qsbr *qsbr,
		 int socket_id);

/** Delete every stream and free the table. Only once no lcore reads it any more. */
void dp_flow_fini(struct dp_flow_table *ft);

/**
 * Add a stream. Keys are derived here; the slot is published last.
 * @return the new stream id (>= 0), -EEXIST when the local endpoint (or its
 * RTCP port) is taken, -ENOSPC when the table is full, -EINVAL on bad keys.
 */
int dp_flow_stream_add(struct dp_flow_table *ft, const struct dp_stream_params *p);

/**
 * Replace the configuration of stream @p id with @p p (the local endpoint
 * cannot change). Keys are re-derived only when *_keys_changed. The old
 * configuration is freed after the grace period, without waiting here: an
 * io lcore may still use it for a packet it is handling; call
 * dp_flow_sync() when that matters.
 * @return 0, -ENOENT, -EINVAL.
 */
int dp_flow_stream_update(struct dp_flow_table *ft, uint32_t id, const struct dp_stream_params *p);

/**
 * Remove stream @p id. It is unreachable when this returns; its
 * configuration, hash positions, SRTP state and slot are released after the
 * grace period (dp_flow_reclaim()), without waiting here. Streams that
 * relayed to @p id stop relaying (relay_to cleared), so a later stream in
 * the same slot receives nothing meant for the old one.
 * @return 0, -ENOENT, or -ENOMEM (nothing changed).
 */
int dp_flow_stream_del(struct dp_flow_table *ft, uint32_t id);

/**
 * Release what waits in the defer queue and whose grace period has ended.
 * Never blocks. @return the number of entries still waiting.
 * Context: control thread (its loop calls it between requests).
 */
uint32_t dp_flow_reclaim(struct dp_flow_table *ft);

/**
 * Wait for a grace period (every io lcore past a quiescent state), then
 * release everything deferred before the call.
 * Context: control thread; blocks for up to one io lcore loop.
 */
void dp_flow_sync(struct dp_flow_table *ft);

/**
 * Make every stream that sends through ESP SA slot @p from send through
 * @p to instead (each stream republished whole, one grace period for all).
 * @return the number of streams switched, or -ENOMEM (nothing changed).
 */
int dp_flow_esp_switch(struct dp_flow_table *ft, uint32_t from, uint32_t to);

/** Number of streams that send through ESP SA slot @p slot. */
uint32_t dp_flow_esp_users(const struct dp_flow_table *ft, uint32_t slot);

/** Published configuration of @p id, or NULL. Borrowed: valid until the next write call. */
const struct dp_stream_cfg *dp_flow_stream_cfg(const struct dp_flow_table *ft, uint32_t id);

/** Fill @p p from the current configuration of @p id (keys not copied). @return 0 or -ENOENT. */
int dp_flow_stream_params(const struct dp_flow_table *ft, uint32_t id, struct dp_stream_params *p);

/** Key for a local endpoint as the fast path builds it. */
static inline void
dp_ep_set_v4(struct dp_ep *ep, const void *addr4, rte_be16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = AF_INET;
	ep->port = port;
	memcpy(ep->addr, addr4, 4);
}

static inline void
dp_ep_set_v6(struct dp_ep *ep, const void *addr6, rte_be16_t port)
{
	ep->family = AF_INET6;
	ep->pad = 0;
	ep->port = port;
	memcpy(ep->addr, addr6, 16);
}

static inline bool
dp_ep_eq(const struct dp_ep *a, const struct dp_ep *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/** The configuration an io lcore sees now (acquire load). */
static inline const struct dp_stream_cfg *
dp_stream_cfg_get(const struct dp_stream *s)
{
	return __atomic_load_n(&s->cfg, __ATOMIC_ACQUIRE);
}

/** Where this stream sends: its latched source, else its configured remote. */
static inline const struct dp_ep *
dp_stream_remote(const struct dp_stream *s, const struct dp_stream_cfg *c)
{
	if (c->latch && s->latched_gen == c->latch_gen && s->latched.family != 0)
		return &s->latched;
	return &c->remote;
}
