/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_lcore.c - the io lcore main loop.
 *
 * Poll the wire queue, run the burst through dp_node_wire_rx(), transmit;
 * the lcore that owns the TAP also forwards what the kernel sends out of it
 * and what the control thread queued (ARP requests, solicitations). With
 * dedicated worker lcores, an io lcore also sends what the workers' rings
 * hold for it (dp_wtx_io_poll()), and a worker lcore runs the same loop with
 * no port: conferences only, the same idle back-off.
 * After each loop it reports a quiescent state (RCU). When nothing arrives
 * for a while it sleeps, doubling the sleep up to idle_sleep_max_us, and goes
 * offline for RCU meanwhile, so an idle node costs little CPU.
 *
 * Context: io lcores. Sleeping when idle is the only system call here (a
 * worker lcore sleeps in ppoll on its wake-up eventfd, see dp_conf.h).
 */
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dp_lcore.h"
#include "dp_node.h"

#define SPIN_BEFORE_SLEEP 256

struct dp_lcore_ctx dp_lcores[RTE_MAX_LCORE];

const char *const dp_punt_names[DP_PUNT_COUNT] = {
	[DP_PUNT_NON_IP] = "non_ip",
	[DP_PUNT_ARP] = "arp",
	[DP_PUNT_NOT_LOCAL] = "not_local",
	[DP_PUNT_FRAGMENT] = "fragment",
	[DP_PUNT_IP_OPTIONS] = "ip_options",
	[DP_PUNT_UDP_UNKNOWN] = "udp_unknown",
	[DP_PUNT_TCP] = "tcp",
	[DP_PUNT_ICMP] = "icmp",
	[DP_PUNT_OTHER_PROTO] = "other_proto",
};

const char *const dp_ldrop_names[DP_LDROP_COUNT] = {
	[DP_LDROP_L2_SHORT] = "l2_short",
	[DP_LDROP_IP_BAD] = "ip_bad",
	[DP_LDROP_IP_TRUNCATED] = "ip_truncated",
	[DP_LDROP_MULTISEG] = "multiseg",
	[DP_LDROP_TX_WIRE_FULL] = "tx_wire_full",
	[DP_LDROP_TX_TAP_FULL] = "tx_tap_full",
	[DP_LDROP_NEIGH_RING_FULL] = "neigh_ring_full",
	[DP_LDROP_STREAM_GONE] = "stream_gone",
	[DP_LDROP_PUNT_TOO_BIG] = "punt_too_big",
};

static inline void
tx(struct dp_lcore_ctx *lc, uint16_t port, struct rte_mbuf **m, uint16_t n, uint64_t *sent,
   uint64_t *dropped)
{
	uint16_t k = 0;

	if (n == 0)
		return;
	k = rte_eth_tx_burst(port, lc->wire_queue, m, n);
	*sent += k;
	if (k < n) {
		*dropped += n - k;
		rte_pktmbuf_free_bulk(&m[k], n - k);
	}
}

static uint16_t
poll_tap(struct dp_lcore_ctx *lc, uint16_t nq)
{
	struct dp_main *dm = lc->dm;
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t total = 0, n;

	for (uint16_t q = 0; q < nq; q++) {
		n = rte_eth_rx_burst(dm->tap_port, q, pkts, DP_BURST);
		lc->stats.rx_tap += n;
		tx(lc, dm->wire_port, pkts, n, &lc->stats.tx_wire,
		   &lc->stats.drop[DP_LDROP_TX_WIRE_FULL]);
		total += n;
	}
	n = (uint16_t)rte_ring_sc_dequeue_burst(dm->ctl_tx, (void **)pkts, DP_BURST, NULL);
	tx(lc, dm->wire_port, pkts, n, &lc->stats.tx_wire, &lc->stats.drop[DP_LDROP_TX_WIRE_FULL]);
	return total + n;
}

int
dp_lcore_main(void *arg)
{
	const struct dp_lcore_args *a = arg;
	unsigned int id = rte_lcore_id();
	struct dp_lcore_ctx *lc = &dp_lcores[id];
	struct dp_main *dm = lc->dm;
	struct rte_mbuf *pkts[DP_BURST];
	struct dp_node_out out;
	uint32_t idle = 0, sleep_us = 0;

	rte_rcu_qsbr_thread_register(dm->qsbr, id);
	rte_rcu_qsbr_thread_online(dm->qsbr, id);
	while (!__atomic_load_n(&dm->quit, __ATOMIC_RELAXED)) {
		uint16_t n, work;

		lc->stats.polls++;
		lc->tsc = rte_rdtsc();
		n = lc->worker_only ? 0 :
				      rte_eth_rx_burst(dm->wire_port, lc->wire_queue, pkts, DP_BURST);
		work = n;
		if (n != 0) {
			lc->stats.rx_wire += n;
			dp_node_wire_rx(lc, pkts, n, &out);
			tx(lc, dm->wire_port, out.wire, out.n_wire, &lc->stats.tx_wire,
			   &lc->stats.drop[DP_LDROP_TX_WIRE_FULL]);
			if (dm->tap_port != UINT16_MAX)
				tx(lc, dm->tap_port, out.tap, out.n_tap, &lc->stats.tx_tap,
				   &lc->stats.drop[DP_LDROP_TX_TAP_FULL]);
		}
		if (lc->owns_tap && dm->tap_port != UINT16_MAX)
			work += poll_tap(lc, a->tap_queues);
		if (dm->n_wlcores != 0 && !lc->worker_only)
			work += dp_wtx_io_poll(lc);
		if (lc->worker != NULL)
			work += dp_worker_poll(lc, lc->tsc, NULL, 0, NULL);
		rte_rcu_qsbr_quiescent(dm->qsbr, id);
		if (work != 0) {
			lc->stats.busy_polls++;
			idle = 0;
			sleep_us = 0;
			continue;
		}
		if (++idle < SPIN_BEFORE_SLEEP || dm->idle_sleep_max_us == 0)
			continue;
		sleep_us = sleep_us == 0 ? 1 : RTE_MIN(sleep_us * 2, dm->idle_sleep_max_us);
		rte_rcu_qsbr_thread_offline(dm->qsbr, id);
		if (lc->worker != NULL) {
			/* A control command ends the sleep at once. */
			dp_worker_idle_sleep(lc->worker, sleep_us);
		} else {
			struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)sleep_us * 1000};

			nanosleep(&ts, NULL);
		}
		rte_rcu_qsbr_thread_online(dm->qsbr, id);
		lc->stats.idle_sleeps++;
	}
	rte_rcu_qsbr_thread_offline(dm->qsbr, id);
	rte_rcu_qsbr_thread_unregister(dm->qsbr, id);
	return 0;
}

void
dp_lcore_stats_sum(struct dp_lcore_stats *sum)
{
	unsigned int lc;

	memset(sum, 0, sizeof(*sum));
	RTE_LCORE_FOREACH(lc) {
		const uint64_t *src = (const uint64_t *)&dp_lcores[lc].stats;
		uint64_t *dst = (uint64_t *)sum;

		if (!dp_lcores[lc].active)
			continue;
		for (size_t i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
			dst[i] += src[i];
	}
}
