/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_fixture.c - see dp_fixture.h.
 * Context: the test's main thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "dp_fixture.h"
#include "dp_port.h"
#include "dp_srtp.h"

static bool eal_ready;

static int
eal_once(void)
{
	char *argv[] = {
		"dp-test", "-l", "0", "--no-huge", "--no-pci", "-m", "512", "--no-shconf",
		"--no-telemetry", "--log-level=lib.eal:error", "--log-level=lib.hash:error", NULL,
	};

	if (eal_ready)
		return 0;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -ENODEV;
	eal_ready = true;
	return 0;
}

int
dp_fixture_create(uint32_t max_streams, uint32_t mbufs, struct dp_main **out,
		  struct dp_lcore_ctx **lco)
{
	static unsigned int seq;
	struct dp_main *dm;
	struct dp_lcore_ctx *lc;
	char name[32];
	int rc = eal_once();

	if (rc < 0)
		return rc;
	dm = rte_zmalloc("dp_fixture", sizeof(*dm), RTE_CACHE_LINE_SIZE);
	if (dm == NULL)
		return -ENOMEM;
	seq++;
	dm->wire_port = UINT16_MAX;
	dm->tap_port = UINT16_MAX;
	dm->mac = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 1}};
	dm->addr[0].family = AF_INET;
	dm->addr[0].plen = 24;
	inet_pton(AF_INET, "198.18.0.1", dm->addr[0].addr);
	dm->addr[1].family = AF_INET6;
	dm->addr[1].plen = 64;
	inet_pton(AF_INET6, "2001:2::1", dm->addr[1].addr);
	dm->n_addr = 2;
	snprintf(name, sizeof(name), "fx_pool%u", seq);
	dm->pool = rte_pktmbuf_pool_create(name, mbufs, 0, 0, DP_PORT_MBUF_SIZE, 0);
	dm->qsbr = rte_zmalloc("fx_qsbr", rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE), 64);
	dm->neigh = rte_zmalloc("fx_neigh", sizeof(*dm->neigh), 64);
	snprintf(name, sizeof(name), "fx_nev%u", seq);
	dm->neigh_events = rte_ring_create_elem(name, sizeof(struct dp_neigh_event), 1024, 0,
						RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "fx_ctx%u", seq);
	dm->ctl_tx = rte_ring_create(name, 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (dm->pool == NULL || dm->qsbr == NULL || dm->neigh == NULL || dm->neigh_events == NULL ||
	    dm->ctl_tx == NULL || rte_rcu_qsbr_init(dm->qsbr, RTE_MAX_LCORE) != 0) {
		dp_fixture_destroy(dm);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < DP_NEIGH_SIZE; i++)
		rte_seqcount_init(&dm->neigh->e[i].sc);
	rc = dp_flow_init(&dm->flows, max_streams, dm->qsbr, 0);
	if (rc == 0)
		rc = dp_esp_table_init(&dm->esp, 64, dm->qsbr, 0);
	if (rc < 0) {
		dp_fixture_destroy(dm);
		return rc;
	}
	dp_clock_init(&dm->clock);
	lc = &dp_lcores[rte_lcore_id()];
	memset(lc, 0, sizeof(*lc));
	lc->dm = dm;
	lc->active = true;
	rc = dp_srtp_mgr_create(&lc->mb);
	if (rc == 0)
		rc = dp_worker_init(dm, lc);
	if (rc < 0) {
		dp_fixture_destroy(dm);
		return rc;
	}
	*out = dm;
	*lco = lc;
	return 0;
}

void
dp_fixture_destroy(struct dp_main *dm)
{
	struct dp_lcore_ctx *lc = &dp_lcores[rte_lcore_id()];
	struct rte_mbuf *m = NULL;

	if (dm == NULL)
		return;
	for (uint16_t i = 0; i < DP_CONF_MAX; i++)
		if (dm->confs[i] != NULL)
			dp_conf_delete(dm, i);
	if (lc->dm == dm) {
		dp_worker_fini(lc);
		dp_srtp_mgr_destroy(lc->mb);
		memset(lc, 0, sizeof(*lc));
	}
	dp_esp_table_fini(&dm->esp);
	if (dm->flows.slots != NULL)
		dp_flow_fini(&dm->flows);
	while (dm->ctl_tx != NULL && rte_ring_dequeue(dm->ctl_tx, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(dm->ctl_tx);
	rte_ring_free(dm->neigh_events);
	rte_free(dm->neigh);
	rte_free(dm->qsbr);
	rte_mempool_free(dm->pool);
	rte_free(dm);
}

struct rte_mbuf *
dp_fixture_mbuf(struct dp_main *dm, const void *frame, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dm->pool);
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, frame, len);
	return m;
}

uint16_t
dp_fixture_udp4(uint8_t *buf, uint16_t cap, const char *src_ip, uint16_t sport,
		const char *dst_ip, uint16_t dport, const void *payload, uint16_t plen)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t len = sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + plen;

	if (cap < len)
		return 0;
	memset(buf, 0, sizeof(*eth) + sizeof(*ip) + sizeof(*udp));
	eth->dst_addr = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 1}};
	eth->src_addr = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x11}};
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len - sizeof(*eth));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	inet_pton(AF_INET, src_ip, &ip->src_addr);
	inet_pton(AF_INET, dst_ip, &ip->dst_addr);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + plen);
	memcpy(udp + 1, payload, plen);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return len;
}

void
dp_fixture_neigh(struct dp_main *dm, const char *ip, const uint8_t *mac)
{
	uint8_t a[16] = {0};
	uint8_t family = inet_pton(AF_INET, ip, a) == 1 ? AF_INET : AF_INET6;

	if (family == AF_INET6)
		inet_pton(AF_INET6, ip, a);
	dp_neigh_update(dm->neigh, family, a, (const struct rte_ether_addr *)mac, 1);
}
