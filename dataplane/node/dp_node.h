/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_node.h - the per-burst packet path of an io lcore.
 *
 * dp_node_wire_rx() takes a burst received on the wire and sorts every frame:
 * answered here (ARP request, ICMP echo, IPv6 NS, ICMPv6 echo for a node
 * address), media for a known stream (validated, SRTP-unprotected, relayed:
 * re-protected and re-addressed), punted to the kernel TAP (everything else
 * addressed to the node), or dropped and counted.
 *
 * Context: fast path (io lcores). No allocation except mbufs from the pool,
 * no lock, no syscall, no log.
 */
#pragma once

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_main.h"

/** Fragments one punted datagram may become (see DP_TAP_MTU). */
#define DP_PUNT_MAX_FRAGS 4
/** MTU of the kernel TAP (net_tap caps frames at 1522 bytes). */
#define DP_TAP_MTU 1500

/** Frames a burst produced, to be sent by the caller. Mbufs owned by the caller. */
struct dp_node_out {
	uint16_t n_wire;
	uint16_t n_tap;
	struct rte_mbuf *wire[DP_BURST];
	struct rte_mbuf *tap[DP_BURST * DP_PUNT_MAX_FRAGS];
};

/**
 * Process @p n (<= DP_BURST) frames received on the wire.
 * @param lc   this lcore's context
 * @param pkts the frames; ownership passes to this function (each ends in
 *             @p out or is freed and counted)
 * @param out  filled with the frames to transmit (reset by the call)
 * Context: fast path.
 */
void dp_node_wire_rx(struct dp_lcore_ctx *lc, struct rte_mbuf **pkts, uint16_t n,
		     struct dp_node_out *out);

/**
 * Send RTP or RTCP packets the data plane made itself (conference mixes and
 * reports): each mbuf holds an RTP (or, with @p rtcp[i], an RTCP compound)
 * packet from its data start; it leaves from stream @p streams[i] exactly as
 * relayed media does (SRTP or SRTCP protect under that stream's outbound
 * keys, headers, DSCP, next hop; RTCP to port + 1 without rtcp-mux).
 * @param rtcp NULL when all are RTP
 * @param n    at most DP_BURST
 * @param out  filled with the frames for the wire (caller transmits)
 * Ownership: takes every mbuf (in @p out or freed and counted).
 * Context: fast path (the worker lcore that owns those streams' output).
 */
void dp_node_send(struct dp_lcore_ctx *lc, struct rte_mbuf **pkts, const uint32_t *streams,
		  const bool *rtcp, uint16_t n, struct dp_node_out *out);
