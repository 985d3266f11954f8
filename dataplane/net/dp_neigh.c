/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_neigh.c - neighbour table writer and resolution requests.
 *
 * Context: control thread. dp_neigh_update() is the only writer of the
 * table. dp_neigh_request() builds an ARP request (RFC 826) or a Neighbor
 * Solicitation to the solicited-node multicast address (RFC 4861 §7.2.2).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_neigh_ctl.h"

void
dp_neigh_update(struct dp_neigh_table *t, uint8_t family, const uint8_t *addr,
		const struct rte_ether_addr *mac, uint64_t now)
{
	uint32_t h = dp_neigh_hash(family, addr);
	size_t alen = family == AF_INET ? 4 : 16;
	struct dp_neigh_entry *victim = NULL, *e;

	for (uint32_t i = 0; i < DP_NEIGH_PROBE; i++) {
		e = &t->e[(h + i) & (DP_NEIGH_SIZE - 1)];
		if (e->family == family && memcmp(e->addr, addr, alen) == 0) {
			victim = e;
			break;
		}
		if (victim == NULL || (victim->family != 0 &&
				       (e->family == 0 || e->updated < victim->updated)))
			victim = e;
	}
	e = victim;
	rte_seqcount_write_begin(&e->sc);
	e->family = family;
	memset(e->addr, 0, sizeof(e->addr));
	memcpy(e->addr, addr, alen);
	e->mac = *mac;
	e->updated = now;
	rte_seqcount_write_end(&e->sc);
}

static struct rte_mbuf *
arp_request(const struct dp_main *dm, const uint8_t *target)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dm->pool);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	uint32_t sip = 0;

	if (m == NULL)
		return NULL;
	for (uint32_t i = 0; i < dm->n_addr; i++) {
		if (dm->addr[i].family == AF_INET) {
			memcpy(&sip, dm->addr[i].addr, 4);
			break;
		}
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = dm->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = dm->mac;
	arp->arp_data.arp_sip = sip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	memcpy(&arp->arp_data.arp_tip, target, 4);
	return m;
}

static struct rte_mbuf *
ns_request(const struct dp_main *dm, const uint8_t *target)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dm->pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip6;
	uint8_t *icmp;
	const uint8_t *src = NULL;

	if (m == NULL)
		return NULL;
	for (uint32_t i = 0; i < dm->n_addr; i++) {
		if (dm->addr[i].family == AF_INET6) {
			src = dm->addr[i].addr;
			break;
		}
	}
	if (src == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip6) + 32);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	icmp = (uint8_t *)(ip6 + 1);
	/* Solicited-node multicast ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX. */
	memset(ip6->dst_addr, 0, 16);
	ip6->dst_addr[0] = 0xff;
	ip6->dst_addr[1] = 0x02;
	ip6->dst_addr[11] = 0x01;
	ip6->dst_addr[12] = 0xff;
	memcpy(&ip6->dst_addr[13], &target[13], 3);
	eth->dst_addr.addr_bytes[0] = 0x33;
	eth->dst_addr.addr_bytes[1] = 0x33;
	memcpy(&eth->dst_addr.addr_bytes[2], &ip6->dst_addr[12], 4);
	eth->src_addr = dm->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = RTE_BE16(32);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, src, 16);
	memset(icmp, 0, 32);
	icmp[0] = 135; /* Neighbor Solicitation */
	memcpy(icmp + 8, target, 16);
	icmp[24] = 1; /* source link-layer address option */
	icmp[25] = 1;
	memcpy(icmp + 26, &dm->mac, 6);
	*(uint16_t *)(icmp + 2) = rte_ipv6_udptcp_cksum(ip6, icmp);
	return m;
}

int
dp_neigh_request(struct dp_main *dm, uint8_t family, const uint8_t *target)
{
	struct rte_mbuf *m = family == AF_INET ? arp_request(dm, target) : ns_request(dm, target);

	if (m == NULL)
		return -ENOMEM;
	if (rte_ring_sp_enqueue(dm->ctl_tx, m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

/* Per-address rate limit of resolution requests: one per interval. */
struct pending {
	uint8_t family;
	uint8_t addr[16];
	uint64_t tsc;
};

#define PENDING 64

unsigned int
dp_neigh_poll(struct dp_main *dm, uint64_t now, uint64_t hz)
{
	static struct pending pend[PENDING]; /* control thread only */
	struct dp_neigh_event ev[32];
	unsigned int n, done = 0;

	while ((n = rte_ring_sc_dequeue_burst_elem(dm->neigh_events, ev, sizeof(ev[0]), 32, NULL)) >
	       0) {
		for (unsigned int i = 0; i < n; i++) {
			struct rte_ether_addr mac;
			struct pending *p;
			uint32_t slot;

			if (ev[i].type == DP_NEIGH_LEARN) {
				dp_neigh_update(dm->neigh, ev[i].family, ev[i].addr, &ev[i].mac, now);
				continue;
			}
			if (dp_neigh_lookup(dm->neigh, ev[i].family, ev[i].addr, &mac))
				continue;
			slot = dp_neigh_hash(ev[i].family, ev[i].addr) % PENDING;
			p = &pend[slot];
			if (p->family == ev[i].family && memcmp(p->addr, ev[i].addr, 16) == 0 &&
			    now - p->tsc < hz / 4)
				continue;
			p->family = ev[i].family;
			memcpy(p->addr, ev[i].addr, 16);
			p->tsc = now;
			dp_neigh_request(dm, ev[i].family, ev[i].addr);
		}
		done += n;
	}
	return done;
}
