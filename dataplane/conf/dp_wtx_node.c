/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_wtx_node.c - the hand-over of conference packets from dedicated worker
 * lcores to io lcores (--worker-lcores).
 *
 * A dedicated worker never touches a port: what its conferences make (RTP
 * mixes and RTCP reports, RTP/RTCP header first, SR tag in m->hash.usr) goes
 * into one SP/SC ring per (worker, io lcore) as struct dp_wtx elements. Each
 * ring has one producer (its worker) and one consumer (its io lcore), so
 * neither side takes a lock or a compare-and-swap beyond the ring's own
 * single-producer/single-consumer protocol. A conference always hands its
 * packets to the same io lcore (dp_conf.tx_io), which therefore is the only
 * writer of the outbound SRTP state of its participants' streams, as when a
 * worker transmitted itself. The io lcore protects and addresses the packets
 * (dp_node_send()), transmits them on its own wire queue and counts them in
 * the conference's figures (only what reached the wire counts in our SRs,
 * RFC 3550 §6.4.1).
 *
 * A packet whose stream no longer feeds its conference (detached, deleted,
 * the id reused) is dropped as stream_gone, never sent from another stream.
 * dp_conf_delete() waits for the rings to pass the conference's last packet
 * and for a grace period before freeing it, so dm->confs[] read here is
 * either the conference or NULL.
 *
 * Context: fast path. dp_wtx_enqueue() on the worker lcore, dp_wtx_io_poll()
 * on io lcores; nothing here allocates, locks, logs or makes a system call.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_conf.h"
#include "dp_main.h"
#include "dp_node.h"

/* Bursts taken from one worker's ring per io loop, at most. */
#define WTX_BURSTS 4

static_assert(sizeof(struct dp_wtx) == 16, "dp_wtx is a 16-byte ring element");

uint16_t
dp_wtx_enqueue(struct rte_ring *r, uint16_t conf, struct rte_mbuf **pkts, const uint32_t *streams,
	       const bool *rtcp, uint16_t n)
{
	struct dp_wtx e[DP_BURST];
	unsigned int k;

	RTE_ASSERT(n <= DP_BURST);
	for (uint16_t i = 0; i < n; i++) {
		e[i].m = pkts[i];
		e[i].stream = streams[i];
		e[i].conf = conf;
		e[i].rtcp = rtcp != NULL && rtcp[i];
		e[i].pad = 0;
	}
	k = rte_ring_sp_enqueue_burst_elem(r, e, sizeof(e[0]), n, NULL);
	if (k < n)
		rte_pktmbuf_free_bulk(&pkts[k], n - k);
	return (uint16_t)k;
}

/*
 * One run of packets of conference @p c (NULL: deleted meanwhile, send
 * without counting): SRTP, headers, TX; then the conference's figures.
 */
struct wtx_sink {
	struct rte_mbuf **tx; /* NULL: the wire queue; else the caller's array (tests) */
	uint16_t cap;
	uint16_t n;
};

static void
send_run(struct dp_lcore_ctx *lc, struct dp_conf *c, struct rte_mbuf **pkts,
	 const uint32_t *sids, const bool *rtcp, uint16_t n, uint16_t n_rtcp, struct wtx_sink *sk)
{
	struct dp_main *dm = lc->dm;
	struct dp_node_out out;
	uint32_t tag[DP_BURST];
	uint16_t sent = 0, rtp_out = 0, rtp_sent = 0;

	dp_node_send(lc, pkts, sids, rtcp, n, &out);
	for (uint16_t j = 0; j < out.n_wire; j++) {
		tag[j] = out.wire[j]->hash.usr;
		rtp_out += (tag[j] & DP_CONF_TX_TAG_RTP) != 0;
	}
	if (sk->tx != NULL) {
		sent = RTE_MIN((uint16_t)(sk->cap - sk->n), out.n_wire);
		memcpy(&sk->tx[sk->n], out.wire, sizeof(out.wire[0]) * sent);
		sk->n += sent;
	} else if (out.n_wire != 0) {
		sent = rte_eth_tx_burst(dm->wire_port, lc->wire_queue, out.wire, out.n_wire);
		lc->stats.tx_wire += sent;
	}
	if (sent < out.n_wire) {
		lc->stats.drop[DP_LDROP_TX_WIRE_FULL] += out.n_wire - sent;
		rte_pktmbuf_free_bulk(&out.wire[sent], out.n_wire - sent);
	}
	if (c == NULL)
		return;
	for (uint16_t j = 0; j < sent; j++) {
		uint16_t part = (uint16_t)((tag[j] & ~DP_CONF_TX_TAG_RTP) >> 16);

		if (!(tag[j] & DP_CONF_TX_TAG_RTP) || part >= c->max_parts)
			continue;
		rtp_sent++;
		c->rtcp[part].wire_packets++;
		c->rtcp[part].wire_octets += tag[j] & 0xffff;
	}
	c->tx_packets += rtp_sent;
	c->tx_drops_path += (uint16_t)(n - n_rtcp) - rtp_out;
	c->tx_drops_queue_full += rtp_out - rtp_sent;
	c->rtcp_tx += sent - rtp_sent;
	c->rtcp_tx_drops_io += n_rtcp - (sent - rtp_sent);
}

/*
 * An SR's sender packet and octet counts (RFC 3550 §6.4.1) are what reached
 * the wire before it: the worker built it before this io lcore sent the RTP
 * queued ahead of it, so fill them in here, from the figures this lcore
 * keeps (m->hash.usr of an RTCP packet: the participant in bits 16-30).
 */
static void
sr_fill(const struct dp_conf *c, struct rte_mbuf *m)
{
	uint16_t part = (uint16_t)((m->hash.usr & ~DP_CONF_TX_TAG_RTP) >> 16);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if (part >= c->max_parts || rte_pktmbuf_data_len(m) < 28 || p[1] != 200)
		return;
	*(rte_be32_t *)(p + 20) = rte_cpu_to_be_32((uint32_t)c->rtcp[part].wire_packets);
	*(rte_be32_t *)(p + 24) = rte_cpu_to_be_32((uint32_t)c->rtcp[part].wire_octets);
}

/* Split @p n elements into runs of one conference and send each. */
static void
send_elems(struct dp_lcore_ctx *lc, const struct dp_wtx *e, unsigned int n, struct wtx_sink *sk)
{
	struct dp_main *dm = lc->dm;

	for (unsigned int i = 0; i < n;) {
		struct rte_mbuf *pkts[DP_BURST];
		uint32_t sids[DP_BURST];
		bool rtcp[DP_BURST];
		uint16_t conf = e[i].conf, k = 0, n_rtcp = 0;
		struct dp_conf *c = conf < DP_CONF_MAX ? dm->confs[conf] : NULL;

		/*
		 * A run of RTP, or one RTCP packet alone: the RTP queued before an
		 * SR leaves (and is counted) before the SR's counts are filled in.
		 */
		while (i < n && e[i].conf == conf && !(e[i].rtcp && k != 0)) {
			const struct dp_stream_cfg *sc = e[i].stream < dm->flows.max ?
				dp_stream_cfg_get(&dm->flows.slots[e[i].stream]) : NULL;

			if (sc == NULL || sc->conf_id != conf) {
				/* Detached or deleted since the tick: never send from another stream. */
				lc->stats.drop[DP_LDROP_STREAM_GONE]++;
				rte_pktmbuf_free(e[i++].m);
				continue;
			}
			pkts[k] = e[i].m;
			sids[k] = e[i].stream;
			rtcp[k] = e[i++].rtcp != 0;
			if (rtcp[k++]) {
				n_rtcp = 1;
				if (c != NULL)
					sr_fill(c, pkts[0]);
				break;
			}
		}
		if (k != 0)
			send_run(lc, c, pkts, sids, rtcp, k, n_rtcp, sk);
	}
}

unsigned int
dp_wtx_io_poll(struct dp_lcore_ctx *lc)
{
	return dp_wtx_io_poll_burst(lc, NULL, 0, NULL);
}

unsigned int
dp_wtx_io_poll_burst(struct dp_lcore_ctx *lc, struct rte_mbuf **tx, uint16_t tx_cap,
		     uint16_t *ntx)
{
	struct dp_main *dm = lc->dm;
	struct wtx_sink sk = {.tx = tx, .cap = tx_cap, .n = 0};
	unsigned int total = 0;

	for (uint16_t k = 0; k < dm->n_wlcores; k++) {
		struct dp_worker *w = dp_lcores[dm->wlcores[k]].worker;
		struct dp_wtx e[DP_BURST];

		if (w == NULL || lc->wire_queue >= w->n_tx)
			continue;
		for (int b = 0; b < WTX_BURSTS; b++) {
			unsigned int n = rte_ring_sc_dequeue_burst_elem(w->tx[lc->wire_queue], e,
									sizeof(e[0]), DP_BURST, NULL);

			if (n == 0)
				break;
			send_elems(lc, e, n, &sk);
			total += n;
		}
	}
	if (ntx != NULL)
		*ntx = sk.n;
	return total;
}
