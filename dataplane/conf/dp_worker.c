/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_worker.c - the worker side of conferences.
 *
 * Each loop: drain the input ring into the engines (codec_conf_rx), run the
 * commands of the control thread, then tick every conference whose 20 ms
 * deadline passed and send its RTP packets through dp_node_send(); after
 * each tick, report an RCU quiescent state and drain the rings again, so a
 * command or a grace period waits for one tick, not for all of them. The
 * input ring is drained before commands so no packet queued for a
 * participant can reach a participant index re-used after a detach.
 *
 * Context: the worker lcore (an io lcore in this version); dp_wcmd_exec()
 * also inline on the control thread when no lcore runs.
 */
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/eventfd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "dp_conf.h"
#include "dp_conf_priv.h"
#include "dp_main.h"
#include "dp_node.h"
#include "dp_rtp.h"

#define TICK_US 20000
/*
 * m->hash.usr of a conference RTP packet on its way out: this flag, the
 * participant (bits 16-30) and the payload octets (bits 0-15), read back
 * just before the packet is handed to the wire so only what left is counted
 * in our SRs. RTCP and anything else carry 0.
 */
#define TX_TAG_RTP (1u << 31)
static_assert(TX_TAG_RTP == DP_CONF_TX_TAG_RTP, "one SR tag for both TX paths");

int
dp_worker_init(struct dp_main *dm, struct dp_lcore_ctx *lc)
{
	static unsigned int seq;
	struct dp_worker *w;
	char name[32];

	w = rte_zmalloc("dp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	if (w == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "dp_win%u", seq);
	w->in = rte_ring_create(name, 4096, rte_socket_id(), RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "dp_wcmd%u", seq++);
	w->cmd = rte_ring_create(name, 64, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->in == NULL || w->cmd == NULL || w->wake_fd < 0) {
		rte_ring_free(w->in);
		rte_ring_free(w->cmd);
		if (w->wake_fd >= 0)
			close(w->wake_fd);
		rte_free(w);
		return -ENOMEM;
	}
	(void)dm;
	lc->worker = w;
	return 0;
}

/* TSC of the next report of a participant (RFC 3550 §6.3.1; the first one after half the minimum). */
static uint64_t
rtcp_next(uint64_t now, bool first)
{
	uint64_t us = codec_rtcp_interval_us(CODEC_RTCP_INTERVAL_US / (first ? 2 : 1),
					     (uint32_t)rte_rand());

	return now + us * (rte_get_tsc_hz() / 1000000);
}

void
dp_worker_fini(struct dp_lcore_ctx *lc)
{
	struct dp_worker *w = lc->worker;
	struct rte_mbuf *m;

	if (w == NULL)
		return;
	while (rte_ring_dequeue(w->in, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(w->in);
	rte_ring_free(w->cmd);
	for (uint16_t i = 0; i < w->n_tx; i++) {
		struct dp_wtx e;

		while (rte_ring_dequeue_elem(w->tx[i], &e, sizeof(e)) == 0)
			rte_pktmbuf_free(e.m);
		rte_ring_free(w->tx[i]);
	}
	close(w->wake_fd);
	rte_free(w);
	lc->worker = NULL;
}

void
dp_worker_idle_sleep(struct dp_worker *w, uint32_t us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};
	struct pollfd pfd = {.fd = w->wake_fd, .events = POLLIN};
	uint64_t v;

	/*
	 * Announce the sleep, then look at the ring: either the control thread
	 * sees the flag after its enqueue and writes the eventfd, or we see its
	 * command here (both sides order store before load, seq_cst).
	 */
	__atomic_store_n(&w->sleeping, 1, __ATOMIC_SEQ_CST);
	if (rte_ring_count(w->cmd) == 0 && ppoll(&pfd, 1, &ts, NULL) > 0 &&
	    read(w->wake_fd, &v, sizeof(v)) < 0)
		v = 0; /* EAGAIN: another read took it; nothing to do */
	__atomic_store_n(&w->sleeping, 0, __ATOMIC_RELEASE);
}

void
dp_worker_wake(struct dp_worker *w)
{
	static const uint64_t one = 1;

	if (__atomic_load_n(&w->sleeping, __ATOMIC_SEQ_CST) &&
	    write(w->wake_fd, &one, sizeof(one)) < 0)
		return; /* EAGAIN: the counter is saturated, the lcore wakes anyway */
}

static void
list_del(struct dp_worker *w, struct dp_conf *c)
{
	for (uint16_t i = 0; i < w->n_confs; i++) {
		if (w->confs[i] == c) {
			w->confs[i] = w->confs[--w->n_confs];
			break;
		}
	}
	c->listed = false;
}

void
dp_wcmd_exec(struct dp_worker *w, struct dp_wcmd *cmd, uint64_t now)
{
	struct dp_conf *c = cmd->conf;
	int rc = 0;

	switch (cmd->type) {
	case DP_WCMD_CONF_ADD:
		if (w->n_confs == DP_CONF_MAX) {
			rc = -ENOSPC;
			break;
		}
		c->next_tick = now;
		c->listed = true;
		w->confs[w->n_confs++] = c;
		break;
	case DP_WCMD_CONF_DEL:
		list_del(w, c);
		break;
	case DP_WCMD_PART_ADD:
		rc = codec_conf_part_add(c->engine, &cmd->pcfg, &cmd->part);
		if (rc == 0) {
			struct dp_conf_rtcp *r = &c->rtcp[cmd->part];

			memset(r, 0, sizeof(*r));
			r->rtt_us = -1;
			r->next_tsc = rtcp_next(now, true);
			if (c->rtcp_next_tsc == 0 || r->next_tsc < c->rtcp_next_tsc)
				c->rtcp_next_tsc = r->next_tsc;
			c->part_stream[cmd->part] = cmd->stream_id;
			if (cmd->prompt != NULL)
				codec_conf_announce(c->engine, cmd->prompt, cmd->part);
		}
		break;
	case DP_WCMD_PART_DEL:
		rc = codec_conf_part_del(c->engine, cmd->part);
		if (rc == 0) {
			c->part_stream[cmd->part] = DP_STREAM_NONE;
			if (cmd->prompt != NULL)
				codec_conf_announce(c->engine, cmd->prompt, CODEC_MIX_NONE);
		}
		break;
	case DP_WCMD_UPDATE: {
		const struct dp_conf_update *u = &cmd->upd;
		struct codec_conf_part_stats st;

		rc = codec_conf_part_stats(c->engine, cmd->part, &st);
		if (rc == 0 && (u->has_role || u->has_hosts_only))
			rc = codec_conf_set_role(c->engine, cmd->part, u->has_role ? u->role : st.role,
						 u->has_hosts_only ? u->hosts_only : st.hosts_only);
		if (rc == 0 && u->has_muted)
			rc = codec_conf_set_mute(c->engine, cmd->part, u->muted);
		if (rc == 0 && u->has_lobby)
			rc = codec_conf_set_lobby(c->engine, cmd->part, u->lobby);
		if (rc == 0 && (u->has_send || u->has_recv))
			rc = codec_conf_set_direction(c->engine, cmd->part,
						      u->has_send ? u->send : st.send,
						      u->has_recv ? u->recv : st.recv);
		if (rc == 0)
			rc = codec_conf_part_stats(c->engine, cmd->part, &cmd->stats);
		break;
	}
	case DP_WCMD_PROMPT:
		rc = 0;
		if (cmd->enc != NULL)
			rc = codec_conf_own_enc_give(c->engine, cmd->part, &cmd->enc);
		if (rc == 0)
			rc = codec_conf_play(c->engine, cmd->part, cmd->prompt, cmd->loop);
		break;
	case DP_WCMD_MUTE:
		rc = codec_conf_set_mute(c->engine, cmd->part, cmd->mute);
		break;
	case DP_WCMD_STATS:
		rc = codec_conf_part_stats(c->engine, cmd->part, &cmd->stats);
		if (rc == 0)
			cmd->rtcp = c->rtcp[cmd->part];
		break;
	case DP_WCMD_DTMF:
		rc = codec_conf_dtmf_poll(c->engine, &cmd->part, &cmd->digit);
		break;
	case DP_WCMD_SEND_DTMF:
		rc = codec_conf_send_dtmf(c->engine, cmd->part, cmd->digits, cmd->lead_ms);
		break;
	default:
		rc = -EINVAL;
	}
	cmd->result = rc;
	__atomic_store_n(&cmd->done, 1, __ATOMIC_RELEASE);
}

/*
 * An RTCP compound packet of participant @p part (plain, after SRTCP): keep
 * its SR for LSR/DLSR, and from its report block about our stream the loss
 * and jitter it sees and the round-trip time (RFC 3550 §6.4.1). A and LSR
 * are both read on @p clk, calibrated to the TSC's real rate: the peer's
 * DLSR is in real seconds, and a nominal rate a few parts per thousand off
 * would skew A - LSR by milliseconds per second of DLSR. The RTT is that of
 * the last block with an LSR: a block that gives a negative one (an LSR we
 * never sent, a peer's broken clock) makes it unknown rather than leaving an
 * older figure that no longer holds.
 */
static void
rtcp_rx(const struct dp_clock *clk, struct dp_conf *c, uint16_t part, const uint8_t *p,
	uint32_t len, uint64_t now)
{
	struct dp_conf_rtcp *r = &c->rtcp[part];
	struct codec_rtcp_info in;
	uint32_t our_ssrc;

	c->rtcp_rx++;
	if (codec_conf_tx_ssrc(c->engine, part, &our_ssrc) < 0)
		return;
	if (codec_rtcp_parse(p, len, our_ssrc, &in) < 0) {
		r->rx_errors++;
		c->rtcp_rx_errors++;
		return;
	}
	r->reports_rx += in.reports;
	if (in.has_sr) {
		r->srs_rx++;
		r->lsr = codec_rtcp_ntp_mid(in.sr.ntp);
		r->lsr_tsc = now;
		r->remote_sr = in.sr;
	}
	if (in.has_rb) {
		r->have_remote = true;
		r->remote = in.rb;
		if (in.rb.lsr != 0)
			r->rtt_us = codec_rtcp_rtt_us(dp_clock_ntp(clk, now), in.rb.lsr, in.rb.dlsr);
	}
}

/* One received RTP or RTCP packet (mbuf data starts at its header) into its engine. */
static void
rx_one(struct dp_main *dm, struct rte_mbuf *m, uint64_t now, uint64_t now_us)
{
	uint16_t conf_id = (uint16_t)((m->hash.usr & ~DP_CONF_RX_RTCP) >> 16);
	uint16_t part = (uint16_t)m->hash.usr;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), hl = dp_rtp_hdr_len(p, len);
	struct dp_conf *c = conf_id < DP_CONF_MAX ? dm->confs[conf_id] : NULL;

	if (c == NULL || part >= c->max_parts)
		return;
	if (m->hash.usr & DP_CONF_RX_RTCP) {
		rtcp_rx(&dm->clock, c, part, p, len, now);
		return;
	}
	if (hl == 0) {
		c->rx_errors++;
		return;
	}
	if ((p[0] & 0x20) && len > hl) {
		uint8_t pad = p[len - 1];

		if (pad == 0 || pad > len - hl) {
			c->rx_errors++;
			return;
		}
		len -= pad;
	}
	c->rx_packets++;
	c->rtcp[part].rx_ssrc = dp_rtp_ssrc(p);
	c->rtcp[part].have_rx = true;
	if (codec_conf_rx(c->engine, part, p[1] & 0x7f, (uint16_t)(p[2] << 8 | p[3]),
			  (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7],
			  p + hl, len - hl, now_us) < 0)
		c->rx_errors++;
}

/*
 * Transmit what dp_node_send() made (or hand it to the caller: tests), and
 * count each conference RTP packet that left in its participant's SR figures
 * (RFC 3550 §6.4.1: packets and payload octets transmitted). The tags are
 * read before the hand-over: after it the mbufs belong to the driver.
 * @return the frames handed over; the rest were freed (TX queue full).
 */
static uint16_t
xmit(struct dp_lcore_ctx *lc, struct dp_conf *c, struct dp_node_out *out, struct rte_mbuf **tx,
     uint16_t tx_cap, uint16_t *ntx)
{
	struct dp_main *dm = lc->dm;
	uint32_t tag[DP_BURST];
	uint16_t sent = 0;

	for (uint16_t j = 0; j < out->n_wire; j++)
		tag[j] = out->wire[j]->hash.usr;
	if (tx != NULL) {
		uint16_t room = (uint16_t)(tx_cap - *ntx);

		sent = RTE_MIN(room, out->n_wire);
		memcpy(&tx[*ntx], out->wire, sizeof(out->wire[0]) * sent);
		*ntx += sent;
	} else if (out->n_wire != 0) {
		sent = rte_eth_tx_burst(dm->wire_port, lc->wire_queue, out->wire, out->n_wire);
		lc->stats.tx_wire += sent;
	}
	if (sent < out->n_wire) {
		lc->stats.drop[DP_LDROP_TX_WIRE_FULL] += out->n_wire - sent;
		rte_pktmbuf_free_bulk(&out->wire[sent], out->n_wire - sent);
	}
	for (uint16_t j = 0; j < sent; j++) {
		struct dp_conf_rtcp *r;

		if (!(tag[j] & TX_TAG_RTP))
			continue;
		r = &c->rtcp[(tag[j] & ~TX_TAG_RTP) >> 16];
		r->wire_packets++;
		r->wire_octets += tag[j] & 0xffff;
	}
	return sent;
}

/*
 * A dedicated worker's packets of conference @p c to its io lcore (the
 * stream, SRTP and TX work happen there, dp_wtx_node.c); a full ring drops
 * them, counted by kind.
 */
static void
handoff(struct dp_worker *w, struct dp_conf *c, struct rte_mbuf **pkts, const uint32_t *sids,
	const bool *rtcp, uint16_t n)
{
	uint32_t tag[DP_BURST];
	uint16_t k;

	/* The tags before the hand-over: after it the mbufs are the io lcore's. */
	for (uint16_t j = 0; j < n; j++)
		tag[j] = pkts[j]->hash.usr;
	k = dp_wtx_enqueue(w->tx[c->tx_io], c->id, pkts, sids, rtcp, n);
	for (uint16_t j = 0; j < k; j++)
		if (tag[j] & TX_TAG_RTP)
			c->rtcp[(tag[j] & ~TX_TAG_RTP) >> 16].handed++;
	w->stats.tx_enqueued += k;
	if (k == n)
		return;
	if (rtcp != NULL) {
		w->stats.drop_tx_ring_full_rtcp += n - k;
		c->rtcp_tx_drops += n - k;
	} else {
		w->stats.drop_tx_ring_full_rtp += n - k;
		c->tx_drops_ring_full += n - k;
		c->tx_drops += n - k;
	}
}

/* Build one RTP packet per output descriptor and send them from the participants' streams. */
static void
emit(struct dp_lcore_ctx *lc, struct dp_conf *c, const struct codec_conf_out *o, uint16_t n,
     struct rte_mbuf **tx, uint16_t tx_cap, uint16_t *ntx)
{
	struct dp_main *dm = lc->dm;

	for (uint16_t base = 0; base < n; base += DP_BURST) {
		uint16_t k = RTE_MIN((uint16_t)(n - base), (uint16_t)DP_BURST), m_n = 0;
		struct rte_mbuf *pkts[DP_BURST];
		uint32_t sids[DP_BURST];
		struct dp_node_out out;
		uint16_t sent;

		for (uint16_t i = 0; i < k; i++) {
			const struct codec_conf_out *d = &o[base + i];
			struct rte_mbuf *m = rte_pktmbuf_alloc(dm->pool);
			uint8_t *p;

			if (m == NULL || (p = (uint8_t *)rte_pktmbuf_append(m, 12 + d->len)) == NULL) {
				rte_pktmbuf_free(m);
				c->tx_drops++;
				c->tx_drops_no_mbuf++;
				continue;
			}
			m->hash.usr = TX_TAG_RTP | (uint32_t)d->idx << 16 | d->len;
			p[0] = 0x80;
			p[1] = (uint8_t)(d->pt | (d->marker ? 0x80 : 0));
			p[2] = (uint8_t)(d->seq >> 8);
			p[3] = (uint8_t)d->seq;
			p[4] = (uint8_t)(d->ts >> 24);
			p[5] = (uint8_t)(d->ts >> 16);
			p[6] = (uint8_t)(d->ts >> 8);
			p[7] = (uint8_t)d->ts;
			dp_rtp_set_ssrc(p, d->ssrc);
			memcpy(p + 12, d->payload, d->len);
			sids[m_n] = c->part_stream[d->idx];
			pkts[m_n++] = m;
		}
		if (m_n == 0)
			continue;
		if (lc->worker->dedicated) {
			handoff(lc->worker, c, pkts, sids, NULL, m_n);
			continue;
		}
		dp_node_send(lc, pkts, sids, NULL, m_n, &out);
		c->tx_drops_path += m_n - out.n_wire;
		sent = xmit(lc, c, &out, tx, tx_cap, ntx);
		c->tx_packets += sent;
		c->tx_drops_queue_full += out.n_wire - sent;
		c->tx_drops += m_n - sent;
	}
}

/* "tsr-" and the SSRC in hex: the CNAME of what we send a participant (RFC 3550 §6.5.1). */
static void
cname(uint32_t ssrc, char out[13])
{
	static const char hex[] = "0123456789abcdef";

	memcpy(out, "tsr-", 4);
	for (int i = 0; i < 8; i++)
		out[4 + i] = hex[(ssrc >> (28 - 4 * i)) & 0xf];
	out[12] = '\0';
}

/*
 * The RTCP report to participant @p i in @p m: an SR when we sent it RTP
 * since the report before last (RFC 3550 §6.4), else an RR; a report block
 * about its stream once it sent RTP, with LSR/DLSR from its last SR.
 * @return 0, or -1 when nothing was built.
 */
static int
rtcp_build(const struct dp_clock *clk, struct dp_conf *c, uint16_t i, uint64_t now,
	   struct rte_mbuf *m)
{
	struct dp_conf_rtcp *r = &c->rtcp[i];
	struct codec_rtcp_sr sr;
	struct codec_rtcp_rb rb;
	struct codec_conf_rtcp f;
	bool sender;
	char cn[13];
	uint8_t *p;
	int len;

	if (codec_conf_rtcp(c->engine, i, &f) < 0)
		return -1;
	/*
	 * What left for the wire, not what the engine made (some may have been
	 * dropped); a dedicated worker's io lcore has not sent this tick's RTP
	 * yet, so there it is what was handed over (it fills the SR's counts in
	 * itself, dp_wtx_node.c).
	 */
	sender = RTE_MAX(r->wire_packets, r->handed) > r->sent_at[1];
	r->sent_at[1] = r->sent_at[0];
	r->sent_at[0] = RTE_MAX(r->wire_packets, r->handed);
	sr.ntp = dp_clock_ntp(clk, now);
	sr.rtp_ts = f.tx_rtp_ts;
	sr.packets = (uint32_t)r->wire_packets;
	sr.octets = (uint32_t)r->wire_octets;
	if (r->have_rx && f.rx_packets > 0) {
		rb.ssrc = r->rx_ssrc;
		rb.fraction_lost = f.rr.fraction_lost;
		rb.cumulative_lost = f.rr.cumulative_lost;
		rb.ext_max_seq = f.rr.ext_max_seq;
		rb.jitter = f.rr.jitter;
		rb.lsr = r->lsr;
		/* 1/65536 s: the middle 32 bits of the NTP difference, on the calibrated clock. */
		rb.dlsr = 0;
		if (r->lsr != 0)
			rb.dlsr = (uint32_t)((sr.ntp - dp_clock_ntp(clk, r->lsr_tsc)) >> 16);
	}
	cname(f.tx_ssrc, cn);
	p = (uint8_t *)rte_pktmbuf_append(m, CODEC_RTCP_MAX_LEN);
	if (p == NULL)
		return -1;
	len = codec_rtcp_build(f.tx_ssrc, sender ? &sr : NULL,
			       r->have_rx && f.rx_packets > 0 ? &rb : NULL, cn, p,
			       CODEC_RTCP_MAX_LEN);
	if (len < 0)
		return -1;
	rte_pktmbuf_trim(m, (uint16_t)(CODEC_RTCP_MAX_LEN - len));
	r->reports_sent++;
	r->srs_sent += sender;
	return 0;
}

/*
 * Send the RTCP reports that are due, from each participant's stream (SRTCP
 * under its outbound keys, rtcp-mux or port + 1 as the stream says), and
 * schedule the next ones.
 */
static void
rtcp_send_due(struct dp_lcore_ctx *lc, struct dp_conf *c, uint64_t now, struct rte_mbuf **tx,
	      uint16_t tx_cap, uint16_t *ntx)
{
	struct rte_mbuf *pkts[DP_CONF_RTCP_BURST];
	uint32_t sids[DP_CONF_RTCP_BURST];
	bool rtcp[DP_CONF_RTCP_BURST];
	uint64_t next = UINT64_MAX;
	uint16_t n = 0, sent;

	for (uint16_t i = 0; i < c->max_parts; i++) {
		struct dp_conf_rtcp *r = &c->rtcp[i];
		struct rte_mbuf *m;

		if (c->part_stream[i] == DP_STREAM_NONE)
			continue;
		if (r->next_tsc <= now && n < DP_CONF_RTCP_BURST) {
			r->next_tsc = rtcp_next(now, false);
			m = rte_pktmbuf_alloc(lc->dm->pool);
			/* Not RTP: xmit() leaves the SR figures alone; dp_wtx_node.c reads i. */
			if (m != NULL)
				m->hash.usr = (uint32_t)i << 16;
			if (m == NULL || rtcp_build(&lc->dm->clock, c, i, now, m) < 0) {
				rte_pktmbuf_free(m);
				c->rtcp_tx_drops++;
			} else {
				sids[n] = c->part_stream[i];
				rtcp[n] = true;
				pkts[n++] = m;
			}
		}
		if (r->next_tsc < next)
			next = r->next_tsc;
	}
	c->rtcp_next_tsc = next == UINT64_MAX ? 0 : next;
	if (n != 0 && lc->worker->dedicated) {
		handoff(lc->worker, c, pkts, sids, rtcp, n);
	} else if (n != 0) {
		struct dp_node_out out;

		dp_node_send(lc, pkts, sids, rtcp, n, &out);
		sent = xmit(lc, c, &out, tx, tx_cap, ntx);
		c->rtcp_tx += sent;
		c->rtcp_tx_drops += n - sent;
	}
}

/*
 * The input ring, then the commands (in that order: a packet queued for a
 * participant is handled before a command can remove it or reuse its index).
 * @return the work done.
 */
static unsigned int
drain(struct dp_worker *w, struct dp_main *dm, uint64_t now, uint64_t now_us)
{
	struct rte_mbuf *in[DP_BURST];
	struct dp_wcmd *cmd;
	unsigned int work = 0, n;

	while ((n = rte_ring_sc_dequeue_burst(w->in, (void **)in, DP_BURST, NULL)) != 0) {
		for (unsigned int i = 0; i < n; i++)
			rx_one(dm, in[i], now, now_us);
		rte_pktmbuf_free_bulk(in, n);
		work += n;
	}
	while (rte_ring_sc_dequeue(w->cmd, (void **)&cmd) == 0) {
		dp_wcmd_exec(w, cmd, now);
		work++;
	}
	return work;
}

unsigned int
dp_worker_poll(struct dp_lcore_ctx *lc, uint64_t now, struct rte_mbuf **tx, uint16_t tx_cap,
	       uint16_t *ntx)
{
	struct dp_worker *w = lc->worker;
	struct dp_main *dm = lc->dm;
	/* The measured TSC rate (dp_clock.h), not the nominal one: a 0.15 % error is a
	 * frame of drift every 13 s against the participants' clocks. */
	uint64_t hz = dp_clock_hz(&dm->clock), tick, now_us;
	bool running = __atomic_load_n(&dm->workers_running, __ATOMIC_RELAXED);
	unsigned int work = 0;

	if (unlikely(hz < 1000000)) /* a context whose clock was never set up */
		hz = rte_get_tsc_hz();
	tick = hz / (1000000 / TICK_US);
	now_us = now / (hz / 1000000);
	if (ntx != NULL)
		*ntx = 0;
	if (w == NULL)
		return 0;
	work += drain(w, dm, now, now_us);
	for (uint16_t i = 0; i < w->n_confs; i++) {
		struct dp_conf *c = w->confs[i];
		uint16_t np;

		if (now < c->next_tick)
			continue;
		/* More than 5 ticks behind (a stall): resynchronise instead of bursting. */
		if (now - c->next_tick > 5 * tick) {
			c->late_ticks++;
			w->stats.late_ticks++;
			c->next_tick = now;
		}
		c->next_tick += tick;
		c->ticks++;
		w->stats.ticks++;
		np = codec_conf_tick(c->engine, w->out, DP_CONF_MAX_OUT, NULL);
		if (np != 0)
			emit(lc, c, w->out, np, tx, tx_cap, ntx);
		if (c->rtcp_next_tsc != 0 && now >= c->rtcp_next_tsc)
			rtcp_send_due(lc, c, now, tx, tx_cap, ntx);
		work++;
		/*
		 * A loop that ticks many conferences is long: between two ticks
		 * report a quiescent state (nothing RCU-protected is held here)
		 * and run the control thread's commands, so neither a grace
		 * period nor a command waits for the whole loop. c may be freed
		 * by a command: not used after this.
		 */
		if (running) {
			rte_rcu_qsbr_quiescent(dm->qsbr, rte_lcore_id());
			work += drain(w, dm, now, now_us);
		}
	}
	return work;
}

uint64_t
dp_worker_next_deadline(const struct dp_lcore_ctx *lc)
{
	const struct dp_worker *w = lc->worker;
	uint64_t next = UINT64_MAX;

	if (w == NULL)
		return next;
	for (uint16_t i = 0; i < w->n_confs; i++)
		if (w->confs[i]->next_tick < next)
			next = w->confs[i]->next_tick;
	return next;
}

int
dp_worker_set_dedicated(struct dp_lcore_ctx *lc, uint16_t n_io)
{
	struct dp_worker *w = lc->worker;
	char name[RTE_RING_NAMESIZE];

	if (w == NULL || n_io == 0 || n_io > DP_WORKER_MAX_IO)
		return -EINVAL;
	for (uint16_t i = 0; i < n_io; i++) {
		snprintf(name, sizeof(name), "dp_wtx%u_%u", (unsigned int)(lc - dp_lcores), i);
		w->tx[i] = rte_ring_create_elem(name, sizeof(struct dp_wtx), DP_WTX_RING_SIZE,
						rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->tx[i] == NULL)
			return -ENOMEM; /* dp_worker_fini() frees the rings made so far */
		w->n_tx = (uint16_t)(i + 1);
	}
	w->dedicated = true;
	return 0;
}
