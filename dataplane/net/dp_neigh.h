/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_neigh.h - neighbour (ARP / IPv6 ND) table of the data plane.
 *
 * The data plane sends media to remote addresses itself, so it needs their
 * link-layer addresses without asking the kernel. The table has one writer,
 * the control thread, which drains learn/resolve events that io lcores post
 * on an MP/SC ring (struct dp_neigh_event). Readers are io lcores: every
 * entry carries a sequence count, so a lookup never takes a lock and retries
 * if it raced with an update.
 *
 * Context: dp_neigh_lookup() and dp_neigh_post() fast path; the rest control path.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_jhash.h>
#include <rte_ring.h>
#include <rte_seqcount.h>

#define DP_NEIGH_SIZE 4096 /* power of two */
#define DP_NEIGH_PROBE 8   /* open addressing probe length */

struct dp_neigh_entry {
	rte_seqcount_t sc;
	uint8_t family; /* 0 = free */
	uint8_t pad[3];
	uint8_t addr[16];
	struct rte_ether_addr mac;
	uint16_t pad2;
	uint64_t updated; /* tsc of the last learn, control thread only */
} __rte_aligned(64);

struct dp_neigh_table {
	struct dp_neigh_entry e[DP_NEIGH_SIZE];
};

enum dp_neigh_event_type {
	DP_NEIGH_LEARN = 1,   /* addr is at mac */
	DP_NEIGH_RESOLVE = 2, /* please find addr's mac (send ARP request / NS) */
};

/** A message from an io lcore to the control thread; element of the event ring. */
struct dp_neigh_event {
	uint8_t type;
	uint8_t family;
	struct rte_ether_addr mac;
	uint8_t addr[16];
};

static inline uint32_t
dp_neigh_hash(uint8_t family, const uint8_t *addr)
{
	uint32_t w[4]; /* addresses inside packets are not 32-bit aligned */

	memcpy(w, addr, family == AF_INET ? 4 : 16);
	return rte_jhash_32b(w, family == AF_INET ? 1 : 4, family) & (DP_NEIGH_SIZE - 1);
}

/**
 * Find the MAC of @p addr. @return true and fills @p mac when known.
 * Context: any lcore, lock-free.
 */
static inline bool
dp_neigh_lookup(const struct dp_neigh_table *t, uint8_t family, const uint8_t *addr,
		struct rte_ether_addr *mac)
{
	uint32_t h = dp_neigh_hash(family, addr);
	size_t alen = family == AF_INET ? 4 : 16;

	for (uint32_t i = 0; i < DP_NEIGH_PROBE; i++) {
		const struct dp_neigh_entry *e = &t->e[(h + i) & (DP_NEIGH_SIZE - 1)];
		uint32_t sn;
		bool hit;

		do {
			sn = rte_seqcount_read_begin(&e->sc);
			hit = e->family == family && memcmp(e->addr, addr, alen) == 0;
			if (hit)
				*mac = e->mac;
		} while (rte_seqcount_read_retry(&e->sc, sn));
		if (hit)
			return true;
	}
	return false;
}

/**
 * Post an event to the control thread. Dropped silently (counted by the
 * caller through the return value) when the ring is full.
 * @return true when queued.
 * Context: any lcore.
 */
static inline bool
dp_neigh_post(struct rte_ring *r, uint8_t type, uint8_t family, const uint8_t *addr,
	      const struct rte_ether_addr *mac)
{
	struct dp_neigh_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.family = family;
	memcpy(ev.addr, addr, family == AF_INET ? 4 : 16);
	if (mac != NULL)
		ev.mac = *mac;
	return rte_ring_mp_enqueue_elem(r, &ev, sizeof(ev)) == 0;
}

/**
 * Insert or refresh @p addr -> @p mac (the oldest of the probe window is
 * replaced when the window is full).
 * Context: control thread only (single writer).
 */
void dp_neigh_update(struct dp_neigh_table *t, uint8_t family, const uint8_t *addr,
		     const struct rte_ether_addr *mac, uint64_t now);
