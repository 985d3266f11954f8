/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_esp_sa.h - the SA table of the ESP backplane and the ESP stage of the
 * packet path.
 *
 * SAs sit in a preallocated array of slots; an rte_hash (lock-free readers,
 * one writer: the control thread) maps (SPI, direction) to a slot. Inbound
 * and outbound SPIs are separate key spaces: the peer picks the SPIs we
 * send with, we pick the ones we receive with. A slot's SA (struct
 * dp_esp_sa) is immutable once published; the control thread swaps the
 * pointer and frees the old one after an RCU (QSBR) grace period, exactly
 * like streams. The slot's state (struct dp_esp_state) is written by the
 * fast path only (dp_esp.h says by which lcores).
 *
 * Streams send through an outbound SA by slot index (dp_stream_cfg.esp_out);
 * an SA cannot be deleted while a stream uses it, and switching streams to
 * another SA republishes them (make-before-break rekey: the old SA stays
 * valid until it is deleted, so a packet in flight never finds it gone).
 *
 * Context: dp_esp_table_* and dp_esp_sa_* functions on the control thread;
 * dp_esp_node_* on io lcores (fast path).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dp_esp.h"

/** Default number of SAs of a data plane. */
#define DP_ESP_MAX_SA 1024
/** No SA (dp_stream_cfg.esp_out). */
#define DP_ESP_SA_NONE UINT32_MAX

/** Why an ESP packet was dropped (per lcore). */
enum dp_esp_drop {
	DP_ESP_DROP_WRONG_SPI = 0, /* inbound: no SA with this SPI */
	DP_ESP_DROP_MALFORMED,     /* lengths, alignment, padding */
	DP_ESP_DROP_AUTH,          /* ICV mismatch */
	DP_ESP_DROP_REPLAY,        /* seen or left of the window */
	DP_ESP_DROP_EXPIRED,       /* hard lifetime reached, sequence numbers exhausted */
	DP_ESP_DROP_ADDR,          /* outer addresses are not the SA's */
	DP_ESP_DROP_INNER_PROTO,   /* inbound: next header is not UDP (incl. dummy packets) */
	DP_ESP_DROP_NO_SA,         /* outbound: the stream's SA is gone */
	DP_ESP_DROP_ROOM,          /* outbound: no head or tail room in the mbuf */
	DP_ESP_DROP_CRYPTO,        /* ipsec-mb failed the job */
	DP_ESP_DROP_INNER_NO_STREAM, /* inbound: authentic, but no stream for the inner UDP port
				      * (never punted: the kernel would answer in the clear) */
	DP_ESP_DROP_COUNT,
};

extern const char *const dp_esp_drop_names[DP_ESP_DROP_COUNT];

/** ESP counters of one lcore (all uint64_t: summed like the other lcore counters). */
struct dp_esp_lstats {
	uint64_t rx; /* decapsulated and handed to the UDP classifier */
	uint64_t tx; /* encapsulated and sent */
	uint64_t drop[DP_ESP_DROP_COUNT];
};

/** Hash key: SPI (network order) and direction. */
struct dp_esp_key {
	rte_be32_t spi;
	uint32_t dir;
};

struct dp_esp_slot {
	struct dp_esp_sa *sa;   /* RCU-published; NULL when the slot is free (owned) */
	struct dp_esp_state st; /* written by the fast path */
} __rte_cache_aligned;

/*
 * Invariants: count + n_free == max; a slot is on the free list iff its sa
 * is NULL and no hash key maps to it; generation grows with every add.
 */
struct dp_esp_table {
	struct rte_hash *hash;
	struct dp_esp_slot *slots;  /* owned, max entries */
	uint32_t max;
	uint32_t count;
	uint32_t *free_list;        /* owned, stack of free slot indexes */
	uint32_t n_free;
	uint64_t next_gen;
	struct rte_rcu_qsbr *qsbr;  /* borrowed */
	struct rte_rcu_qsbr_dq *dq; /* owned: deleted SAs waiting for their grace period */
	uint32_t deferred;          /* slots in dq */
	IMB_MGR *mb;                /* owned: key schedules on the control path */
};

/** What the control path gives dp_esp_sa_add(). Keys borrowed for the call. */
struct dp_esp_sa_params {
	uint32_t spi;
	enum dp_esp_dir dir;
	struct dp_esp_keys keys;
	bool esn;
	uint16_t window;
	uint8_t family;
	uint8_t local[16];
	uint8_t remote[16];
	uint64_t life_bytes;
	uint64_t life_seconds;
};

/**
 * Create the table for @p max SAs.
 * @return 0, -EINVAL, -ENOMEM or -ENOTSUP (no ipsec-mb for this CPU).
 * Ownership: @p qsbr borrowed for the table's life.
 * Context: main thread, before the lcores start.
 */
int dp_esp_table_init(struct dp_esp_table *t, uint32_t max, struct rte_rcu_qsbr *qsbr,
		      int socket_id);

/** Free every SA (keys wiped) and the table; only once no lcore reads it. */
void dp_esp_table_fini(struct dp_esp_table *t);

/**
 * Add an SA; keys are expanded here, the slot is published last.
 * @return the slot (>= 0), -EEXIST (SPI taken in that direction),
 * -ENOSPC (table full), -EINVAL (bad keys), -ENOMEM.
 */
int dp_esp_sa_add(struct dp_esp_table *t, const struct dp_esp_sa_params *p);

/**
 * Remove the SA of @p slot: unreachable when this returns; wiped and freed,
 * and its slot reusable, once the grace period has ended (dp_esp_reclaim()),
 * without waiting here. The caller has checked that no stream sends through
 * it (a stream configuration an io lcore still holds may name the slot: it
 * finds no SA there, never another one).
 * @return 0 or -ENOENT.
 */
int dp_esp_sa_del(struct dp_esp_table *t, uint32_t slot);

/**
 * Release the deleted SAs whose grace period has ended. Never blocks.
 * Context: control thread (its loop).
 */
void dp_esp_reclaim(struct dp_esp_table *t);

/** The slot of (@p spi, @p dir), or -ENOENT. */
int dp_esp_sa_find(const struct dp_esp_table *t, uint32_t spi, enum dp_esp_dir dir);

/** The SA of @p slot, or NULL. Borrowed: valid until the next write call. */
const struct dp_esp_sa *dp_esp_sa_lookup(const struct dp_esp_table *t, uint32_t slot);

/** Lifetime state of an SA, computed on the control path. */
struct dp_esp_sa_life {
	bool soft_expired; /* DP_ESP_SOFT_PCT of a lifetime used: time to rekey */
	bool expired;      /* hard lifetime reached: the SA drops everything */
	uint64_t age_seconds;
};

/** Fill @p life for @p slot at TSC @p now. @return 0 or -ENOENT. */
int dp_esp_sa_life(const struct dp_esp_table *t, uint32_t slot, uint64_t now,
		   struct dp_esp_sa_life *life);

/* ---- fast path ------------------------------------------------------------ */

/** One frame of the ESP stage of a burst. */
struct dp_esp_pkt {
	struct rte_mbuf *m; /* the frame, Ethernet header at the data start (borrowed) */
	uint32_t slot;      /* decap: out, the inbound SA; encap: in, the outbound SA */
	uint16_t l3_len;    /* IP header length (20 or 40, no options/extensions) */
	uint8_t family;     /* AF_INET or AF_INET6 */
	uint8_t ok;         /* out: 1 when the frame was transformed */
};

/**
 * Decapsulate inbound ESP frames in place: Ethernet | IP | ESP | ... becomes
 * Ethernet | IP | UDP | payload with IP protocol, lengths and checksum set,
 * ready to be classified again. Frames that fail keep ok = 0 (the caller
 * frees them) and are counted by reason in @p ls and in the SA's counters.
 * @param now the burst's TSC (lifetimes)
 * Context: fast path; the lcore that owns the SAs' inbound state.
 */
void dp_esp_node_decap(struct dp_esp_table *t, IMB_MGR *mb, uint64_t now,
		       struct dp_esp_pkt *pk, uint16_t n, struct dp_esp_lstats *ls);

/**
 * Encapsulate outbound frames (Ethernet | IP | UDP | payload, checksums
 * done) in place through the SA of each slot: the ESP header and IV go
 * between the IP header and the UDP header, the trailer and ICV after the
 * payload, IP protocol 50. Needs DP_ESP_HDR_LEN + DP_ESP_MAX_IV octets of
 * headroom and DP_ESP_MAX_TRAILER of tailroom. Failures keep ok = 0.
 * Context: fast path; any io lcore.
 */
void dp_esp_node_encap(struct dp_esp_table *t, IMB_MGR *mb, uint64_t now,
		       struct dp_esp_pkt *pk, uint16_t n, struct dp_esp_lstats *ls);
