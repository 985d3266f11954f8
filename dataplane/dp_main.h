/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_main.h - process-wide context of tessera-dataplane and per-lcore state.
 *
 * struct dp_main is built by main() before the lcores launch and is read-only
 * for them afterwards, except for the objects it points to that have their own
 * concurrency rules (flow table: RCU; neighbour table: seqcount; rings).
 * struct dp_lcore_ctx is per lcore; only its own lcore writes it (the control
 * thread reads the counters without synchronisation: 64-bit reads are atomic
 * on the platforms we support, and a stale value is fine for statistics).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dp_clock.h"
#include "dp_conf.h"
#include "dp_esp_sa.h"
#include "dp_flow.h"
#include "dp_neigh.h"

#define DP_BURST 32
#define DP_MAX_ADDR 8
#define DP_MAX_IO 16
/** Dedicated worker lcores (--worker-lcores). */
#define DP_MAX_WORKERS 16

enum dp_mode {
	DP_MODE_EMBEDDED = 0,
	DP_MODE_BARE_METAL,
};

/** Why a frame went to the kernel instead of being handled here. */
enum dp_punt {
	DP_PUNT_NON_IP = 0,  /* other ethertypes (incl. VLAN) */
	DP_PUNT_ARP,         /* ARP that is not a request for us (replies, probes) */
	DP_PUNT_NOT_LOCAL,   /* IP not addressed to a node address (multicast, broadcast) */
	DP_PUNT_FRAGMENT,    /* IPv4 fragments: the kernel reassembles */
	DP_PUNT_IP_OPTIONS,  /* IPv4 with options, IPv6 with extension headers */
	DP_PUNT_UDP_UNKNOWN, /* UDP to a port that is no stream (SIP, unknown) */
	DP_PUNT_TCP,
	DP_PUNT_ICMP,        /* ICMP/ICMPv6 other than echo request / NS for us */
	DP_PUNT_OTHER_PROTO,
	DP_PUNT_COUNT,
};

/** Frames dropped outside any stream. */
enum dp_ldrop {
	DP_LDROP_L2_SHORT = 0, /* shorter than an Ethernet header */
	DP_LDROP_IP_BAD,       /* IP header or length inconsistent */
	DP_LDROP_IP_TRUNCATED, /* IP length beyond the frame (a datagram larger than a frame) */
	DP_LDROP_MULTISEG,     /* chained mbufs are not handled on the media path */
	DP_LDROP_TX_WIRE_FULL,
	DP_LDROP_TX_TAP_FULL,
	DP_LDROP_NEIGH_RING_FULL,
	DP_LDROP_STREAM_GONE,  /* hash hit on a stream being deleted */
	DP_LDROP_PUNT_TOO_BIG, /* a datagram for the kernel that could not be refragmented */
	DP_LDROP_COUNT,
};

extern const char *const dp_punt_names[DP_PUNT_COUNT];
extern const char *const dp_ldrop_names[DP_LDROP_COUNT];

struct dp_lcore_stats {
	uint64_t polls;
	uint64_t busy_polls;
	uint64_t idle_sleeps;
	uint64_t rx_wire;
	uint64_t rx_tap;
	uint64_t tx_wire;
	uint64_t tx_tap;
	uint64_t arp_replies;
	uint64_t icmp_echo_replies;
	uint64_t nd_adverts;
	uint64_t icmp6_echo_replies;
	uint64_t media_rx;
	uint64_t media_tx;
	uint64_t neigh_requests;
	uint64_t punt_refragmented; /* oversized datagrams cut again for the TAP */
	uint64_t punt[DP_PUNT_COUNT];
	uint64_t drop[DP_LDROP_COUNT];
	uint64_t stream_drop[DP_DROP_COUNT];
	struct dp_esp_lstats esp; /* ESP backplane: decapsulated, encapsulated, drops */
};

/** A node address (an address of the kernel TAP, answered for by the data plane). */
struct dp_addr {
	uint8_t family;
	uint8_t plen;
	uint8_t addr[16];
};

struct dp_main;

struct dp_lcore_ctx {
	struct dp_main *dm;   /* borrowed */
	IMB_MGR *mb;          /* owned: this lcore's ipsec-mb manager */
	uint16_t wire_queue;  /* RX/TX queue of the wire port */
	bool owns_tap;        /* polls the TAP and drains the control TX ring */
	bool active;
	uint16_t ip_id;       /* IPv4 identification for frames we build */
	uint64_t tsc;         /* TSC of the current burst */
	struct dp_worker *worker; /* owned: conferences this lcore runs */
	bool worker_only;     /* a dedicated worker lcore: no ports, conferences only */
	struct dp_lcore_stats stats;
} __rte_cache_aligned;

struct dp_main {
	enum dp_mode mode;
	struct rte_ether_addr mac; /* the wire's MAC, shared with the TAP */
	uint32_t n_addr;
	struct dp_addr addr[DP_MAX_ADDR];
	struct dp_addr gw4, gw6; /* family 0 = none */
	uint16_t wire_port;
	uint16_t tap_port;         /* UINT16_MAX when there is no exception path */
	struct rte_mempool *pool;
	struct dp_flow_table flows;
	struct dp_esp_table esp;        /* ESP SAs (RCU, like flows) */
	struct dp_neigh_table *neigh;   /* owned */
	struct rte_ring *neigh_events;  /* MP/SC: io lcores -> control thread */
	struct rte_ring *ctl_tx;        /* SP/SC: control thread -> tap-owning lcore (mbufs) */
	struct rte_rcu_qsbr *qsbr;      /* owned */
	uint32_t idle_sleep_max_us;
	bool workers_running;           /* lcores launched: commands go through rings */
	uint16_t n_wlcores;             /* dedicated worker lcores (0: io lcores run conferences) */
	uint16_t wlcores[DP_MAX_WORKERS]; /* their lcore ids */
	struct dp_conf *confs[DP_CONF_MAX]; /* control thread writes; workers read their own */
	const char *ctl_path;           /* borrowed: the control socket path */
	uint64_t start_tsc;
	struct dp_clock clock;          /* TSC wallclock: the control thread calibrates, workers read */
	/* Start-up capacity self-test (codecs/codec_selftest.h), read by `ping`. */
	struct {
		uint32_t units_per_core; /* audio calls per core, headroom applied; 0 = not run */
		uint32_t cores;          /* lcores that run conferences */
		double ns_per_call_tick;
	} capacity;
	volatile bool quit;
};

extern struct dp_lcore_ctx dp_lcores[RTE_MAX_LCORE];

/** True when @p addr (family, 4 or 16 bytes) is one of the node addresses. */
static inline bool
dp_main_is_local(const struct dp_main *dm, uint8_t family, const uint8_t *addr)
{
	for (uint32_t i = 0; i < dm->n_addr; i++)
		if (dm->addr[i].family == family &&
		    memcmp(dm->addr[i].addr, addr, family == AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

/**
 * The next hop towards @p addr: @p addr itself when it is inside one of the
 * node's prefixes, else the gateway of its family, else NULL (unreachable).
 */
static inline const uint8_t *
dp_main_next_hop(const struct dp_main *dm, uint8_t family, const uint8_t *addr)
{
	const struct dp_addr *gw = family == AF_INET ? &dm->gw4 : &dm->gw6;

	for (uint32_t i = 0; i < dm->n_addr; i++) {
		const struct dp_addr *a = &dm->addr[i];
		uint32_t full = a->plen / 8, rest = a->plen % 8;

		if (a->family != family || memcmp(a->addr, addr, full) != 0)
			continue;
		if (rest == 0 || ((a->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0)
			return addr;
	}
	return gw->family != 0 ? gw->addr : NULL;
}
