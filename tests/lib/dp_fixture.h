/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_fixture.h - a data plane without ports, for unit tests, fuzz targets
 * and benchmarks.
 *
 * Initialises EAL once (--no-huge --no-pci, one lcore, no shared files) and
 * builds a struct dp_main with a mempool, a stream table, a neighbour table
 * and the rings, but no ethdev: callers feed mbufs to dp_node_wire_rx()
 * directly and inspect struct dp_node_out.
 * Context: the test's main thread.
 */
#pragma once

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_main.h"

/**
 * Build the fixture with node addresses 198.18.0.1/24 and 2001:2::1/64 and
 * MAC 02:00:00:00:00:01, room for @p max_streams streams, 64 ESP SAs and @p mbufs mbufs.
 * @return 0 or a negative errno. Ownership: the returned context and its
 * lcore slot belong to the fixture until dp_fixture_destroy().
 */
int dp_fixture_create(uint32_t max_streams, uint32_t mbufs, struct dp_main **dm,
		      struct dp_lcore_ctx **lc);

/** Free what dp_fixture_create() built (EAL stays initialised). */
void dp_fixture_destroy(struct dp_main *dm);

/** An mbuf holding a copy of @p frame (@p len bytes), or NULL. */
struct rte_mbuf *dp_fixture_mbuf(struct dp_main *dm, const void *frame, uint16_t len);

/**
 * Build an Ethernet/IPv4/UDP frame from @p src (ip, port) to @p dst with
 * @p payload; checksums filled. @return the frame length, or 0 if @p cap is short.
 */
uint16_t dp_fixture_udp4(uint8_t *buf, uint16_t cap, const char *src_ip, uint16_t sport,
			 const char *dst_ip, uint16_t dport, const void *payload, uint16_t plen);

/** Teach the neighbour table that @p ip (v4 or v6 text) is at @p mac (6 bytes). */
void dp_fixture_neigh(struct dp_main *dm, const char *ip, const uint8_t *mac);
