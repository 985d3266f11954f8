/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_node.c - the wire RX path (dp_node_wire_rx) on synthetic frames.
 *
 * Covers the frames the data plane answers itself (ARP, ICMP echo, NS,
 * ICMPv6 echo), what it punts and drops and why, and the relay: plain and
 * SRTP re-keyed between every pair of suites, with libsrtp2 as the
 * independent peer on both sides (it protects what goes in and unprotects
 * what comes out).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <srtp2/srtp.h>

#include "dp_fixture.h"
#include "dp_node.h"
#include "dp_rtp.h"

static const uint8_t client1_mac[6] = {0x02, 0, 0, 0, 0, 0x11};
static const uint8_t client2_mac[6] = {0x02, 0, 0, 0, 0, 0x12};

struct env {
	struct dp_main *dm;
	struct dp_lcore_ctx *lc;
	struct dp_node_out out;
};

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(dp_fixture_create(64, 1023, &e->dm, &e->lc), 0);
	e->dm->tap_port = 1; /* punted frames land in out.tap */
	dp_fixture_neigh(e->dm, "198.18.0.12", client2_mac);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	dp_fixture_destroy(e->dm);
	free(e);
	return 0;
}

/* Run one frame through the RX path; the outputs stay in e->out (caller frees). */
static void
rx1(struct env *e, const void *frame, uint16_t len)
{
	struct rte_mbuf *m = dp_fixture_mbuf(e->dm, frame, len);

	assert_non_null(m);
	dp_node_wire_rx(e->lc, &m, 1, &e->out);
}

static void
out_free(struct env *e)
{
	rte_pktmbuf_free_bulk(e->out.wire, e->out.n_wire);
	rte_pktmbuf_free_bulk(e->out.tap, e->out.n_tap);
	e->out.n_wire = e->out.n_tap = 0;
}

static void
test_arp_request_answered(void **state)
{
	struct env *e = *state;
	uint8_t f[60] = {0};
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	uint32_t me, them;

	inet_pton(AF_INET, "198.18.0.1", &me);
	inet_pton(AF_INET, "198.18.0.11", &them);
	memset(&eth->dst_addr, 0xff, 6);
	memcpy(&eth->src_addr, client1_mac, 6);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	memcpy(&arp->arp_data.arp_sha, client1_mac, 6);
	arp->arp_data.arp_sip = them;
	arp->arp_data.arp_tip = me;
	rx1(e, f, sizeof(f));
	assert_int_equal(e->out.n_wire, 1);
	assert_int_equal(e->out.n_tap, 0);
	eth = rte_pktmbuf_mtod(e->out.wire[0], struct rte_ether_hdr *);
	arp = (struct rte_arp_hdr *)(eth + 1);
	assert_int_equal(arp->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	assert_memory_equal(&arp->arp_data.arp_sha, &e->dm->mac, 6);
	assert_memory_equal(&eth->dst_addr, client1_mac, 6);
	assert_int_equal(arp->arp_data.arp_sip, me);
	assert_int_equal(arp->arp_data.arp_tip, them);
	assert_int_equal(e->lc->stats.arp_replies, 1);
	out_free(e);

	/* A request for another address goes to the kernel. */
	eth = (struct rte_ether_hdr *)f;
	arp = (struct rte_arp_hdr *)(eth + 1);
	inet_pton(AF_INET, "198.18.0.99", &arp->arp_data.arp_tip);
	rx1(e, f, sizeof(f));
	assert_int_equal(e->out.n_wire, 0);
	assert_int_equal(e->out.n_tap, 1);
	assert_int_equal(e->lc->stats.punt[DP_PUNT_ARP], 1);
	out_free(e);
}

static void
test_icmp_echo_answered(void **state)
{
	struct env *e = *state;
	uint8_t f[128], payload[56];
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	uint16_t len;

	/* Build with the UDP helper, then turn it into ICMP echo request. */
	memset(payload, 0xab, sizeof(payload));
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 1, "198.18.0.1", 2, payload, 56);
	eth = (struct rte_ether_hdr *)f;
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	ip->next_proto_id = IPPROTO_ICMP;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memset(icmp, 0, sizeof(*icmp));
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_ident = RTE_BE16(7);
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, len - sizeof(*eth) - sizeof(*ip));
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 1);
	eth = rte_pktmbuf_mtod(e->out.wire[0], struct rte_ether_hdr *);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	assert_int_equal(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal((uint16_t)~rte_raw_cksum(icmp, len - sizeof(*eth) - sizeof(*ip)), 0);
	assert_int_equal(rte_ipv4_cksum(ip), 0);
	assert_memory_equal(&eth->dst_addr, client1_mac, 6);
	out_free(e);
}

static uint16_t
build_icmp6(uint8_t *f, uint8_t type, const char *src, const char *dst, const char *target,
	    bool with_sll)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	uint8_t *icmp = (uint8_t *)(ip6 + 1);
	uint16_t plen = type == 135 ? (with_sll ? 32 : 24) : 16;

	memset(f, 0, 14 + 40 + plen);
	memcpy(&eth->src_addr, client1_mac, 6);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(plen);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	inet_pton(AF_INET6, src, ip6->src_addr);
	inet_pton(AF_INET6, dst, ip6->dst_addr);
	icmp[0] = type;
	if (type == 135) {
		inet_pton(AF_INET6, target, icmp + 8);
		if (with_sll) {
			icmp[24] = 1;
			icmp[25] = 1;
			memcpy(icmp + 26, client1_mac, 6);
		}
	}
	*(uint16_t *)(icmp + 2) = rte_ipv6_udptcp_cksum(ip6, icmp);
	return 14 + 40 + plen;
}

static void
test_nd_and_icmp6_answered(void **state)
{
	struct env *e = *state;
	uint8_t f[128];
	struct rte_ipv6_hdr *ip6;
	uint8_t *icmp, want[16];
	uint16_t len;
	struct dp_neigh_event ev;

	len = build_icmp6(f, 135, "2001:2::11", "ff02::1:ff00:1", "2001:2::1", true);
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 1);
	ip6 = rte_pktmbuf_mtod_offset(e->out.wire[0], struct rte_ipv6_hdr *, 14);
	icmp = (uint8_t *)(ip6 + 1);
	assert_int_equal(icmp[0], 136);
	assert_int_equal(icmp[4], 0x60); /* solicited + override */
	inet_pton(AF_INET6, "2001:2::1", want);
	assert_memory_equal(icmp + 8, want, 16);
	assert_int_equal(icmp[24], 2);
	assert_memory_equal(icmp + 26, &e->dm->mac, 6);
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip6, icmp), 0);
	assert_int_equal(e->lc->stats.nd_adverts, 1);
	out_free(e);
	/* The solicitation taught us the sender's MAC (an event for the control thread). */
	assert_int_equal(rte_ring_sc_dequeue_elem(e->dm->neigh_events, &ev, sizeof(ev)), 0);
	assert_int_equal(ev.type, DP_NEIGH_LEARN);
	assert_memory_equal(&ev.mac, client1_mac, 6);

	/* A DAD probe (unspecified source) is left to the kernel. */
	len = build_icmp6(f, 135, "::", "ff02::1:ff00:1", "2001:2::1", false);
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 0);
	assert_int_equal(e->out.n_tap, 1);
	out_free(e);

	len = build_icmp6(f, 128, "2001:2::11", "2001:2::1", NULL, false);
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 1);
	ip6 = rte_pktmbuf_mtod_offset(e->out.wire[0], struct rte_ipv6_hdr *, 14);
	icmp = (uint8_t *)(ip6 + 1);
	assert_int_equal(icmp[0], 129);
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip6, icmp), 0);
	inet_pton(AF_INET6, "2001:2::11", want);
	assert_memory_equal(ip6->dst_addr, want, 16);
	out_free(e);
}

static void
test_punts_and_drops(void **state)
{
	struct env *e = *state;
	uint8_t f[256], payload[64] = {0x80};
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	uint16_t len;

	/* UDP to a port with no stream: SIP and friends go to the kernel. */
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5060, "198.18.0.1", 5060, payload, 64);
	rx1(e, f, len);
	assert_int_equal(e->out.n_tap, 1);
	assert_int_equal(e->lc->stats.punt[DP_PUNT_UDP_UNKNOWN], 1);
	out_free(e);
	/* A fragment. */
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	rx1(e, f, len);
	assert_int_equal(e->out.n_tap, 1);
	assert_int_equal(e->lc->stats.punt[DP_PUNT_FRAGMENT], 1);
	out_free(e);
	ip->fragment_offset = 0;
	/* IPv4 options (IHL 6). */
	ip->version_ihl = 0x46;
	rx1(e, f, len);
	assert_int_equal(e->lc->stats.punt[DP_PUNT_IP_OPTIONS], 1);
	out_free(e);
	/* IP total length beyond the frame. */
	ip->version_ihl = 0x45;
	ip->total_length = RTE_BE16(1400);
	rx1(e, f, len);
	assert_int_equal(e->out.n_tap + e->out.n_wire, 0);
	assert_int_equal(e->lc->stats.drop[DP_LDROP_IP_TRUNCATED], 1);
	/* Total length shorter than the header. */
	ip->total_length = RTE_BE16(12);
	rx1(e, f, len);
	assert_int_equal(e->lc->stats.drop[DP_LDROP_IP_BAD], 1);
	/* Shorter than Ethernet. */
	rx1(e, f, 10);
	assert_int_equal(e->lc->stats.drop[DP_LDROP_L2_SHORT], 1);
	/* Not addressed to the node. */
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5060, "198.18.0.77", 5060, payload, 64);
	rx1(e, f, len);
	assert_int_equal(e->lc->stats.punt[DP_PUNT_NOT_LOCAL], 1);
	out_free(e);
	assert_int_equal(rte_mempool_in_use_count(e->dm->pool), 0);
}

/* A datagram the kernel reassembled for af_packet is cut again for the TAP. */
static void
test_punt_refragments(void **state)
{
	struct env *e = *state;
	static uint8_t f[3100], payload[3000];
	uint32_t total = 0;
	uint16_t len;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5060, "198.18.0.1", 5060, payload,
			      sizeof(payload));
	rx1(e, f, len);
	assert_int_equal(e->out.n_tap, 3);
	for (uint16_t i = 0; i < e->out.n_tap; i++) {
		struct rte_mbuf *m = e->out.tap[i];
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		assert_true(rte_pktmbuf_pkt_len(m) <= DP_TAP_MTU + 14);
		assert_int_equal(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
		assert_int_equal(rte_ipv4_cksum(ip), 0);
		assert_int_equal(rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK,
				 total / 8);
		total += rte_be_to_cpu_16(ip->total_length) - 20;
	}
	assert_int_equal(total, 8 + sizeof(payload));
	assert_int_equal(e->lc->stats.punt_refragmented, 1);
	out_free(e);
	assert_int_equal(rte_mempool_in_use_count(e->dm->pool), 0);
}

/* Create stream @p local_port; returns its id. */
static uint32_t
add_stream(struct env *e, uint16_t local_port, const char *rip, uint16_t rport,
	   enum dp_srtp_suite in, const uint8_t *in_key, enum dp_srtp_suite out,
	   const uint8_t *out_key, uint32_t relay_to, bool latch)
{
	struct dp_stream_params p;
	int id;

	memset(&p, 0, sizeof(p));
	p.local.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.1", p.local.addr);
	p.local.port = rte_cpu_to_be_16(local_port);
	if (rip != NULL) {
		p.remote.family = AF_INET;
		inet_pton(AF_INET, rip, p.remote.addr);
		p.remote.port = rte_cpu_to_be_16(rport);
	}
	p.latch = latch;
	p.rtcp_mux = true;
	p.dscp = 46;
	p.relay_to = relay_to;
	p.in_suite = in;
	p.out_suite = out;
	if (in_key != NULL)
		memcpy(p.in_key, in_key, 46);
	if (out_key != NULL)
		memcpy(p.out_key, out_key, 46);
	id = dp_flow_stream_add(&e->dm->flows, &p);
	assert_true(id >= 0);
	return (uint32_t)id;
}

static uint16_t
rtp_packet(uint8_t *p, uint16_t seq, uint32_t ssrc, uint16_t plen)
{
	p[0] = 0x80;
	p[1] = 0;
	p[2] = seq >> 8;
	p[3] = seq;
	memset(p + 4, 0, 4);
	p[4] = seq >> 4;
	p[8] = ssrc >> 24;
	p[9] = ssrc >> 16;
	p[10] = ssrc >> 8;
	p[11] = ssrc;
	for (uint16_t i = 0; i < plen; i++)
		p[12 + i] = (uint8_t)(seq + i);
	return 12 + plen;
}

static void
test_relay_plain(void **state)
{
	struct env *e = *state;
	uint8_t f[512], rtp[200];
	uint32_t b = add_stream(e, 40002, "198.18.0.12", 5004, DP_SRTP_NULL, NULL, DP_SRTP_NULL,
				NULL, DP_STREAM_NONE, true);
	uint32_t a = add_stream(e, 40000, NULL, 0, DP_SRTP_NULL, NULL, DP_SRTP_NULL, NULL, b, true);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint16_t rl = rtp_packet(rtp, 1, 0x11223344, 160), len;

	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 40000, rtp, rl);
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 1);
	eth = rte_pktmbuf_mtod(e->out.wire[0], struct rte_ether_hdr *);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);
	assert_memory_equal(&eth->dst_addr, client2_mac, 6);
	assert_memory_equal(&eth->src_addr, &e->dm->mac, 6);
	assert_int_equal(ip->type_of_service, 46 << 2);
	assert_int_equal(rte_ipv4_cksum(ip), 0);
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, udp), 0);
	assert_int_equal(rte_be_to_cpu_16(udp->src_port), 40002);
	assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 5004);
	assert_int_equal(rte_be_to_cpu_16(udp->dgram_len), 8 + rl);
	assert_memory_equal(udp + 1, rtp, rl); /* SSRC, sequence, timestamp untouched */
	out_free(e);
	assert_int_equal(e->dm->flows.slots[a].stats.rx_pkts, 1);
	assert_int_equal(e->dm->flows.slots[b].stats.tx_pkts, 1);
	/* The sender was latched as A's remote. */
	assert_true(e->dm->flows.slots[a].latched.family == AF_INET);
	assert_int_equal(rte_be_to_cpu_16(e->dm->flows.slots[a].latched.port), 5002);

	/* SSRC rewrite on the egress stream. */
	{
		struct dp_stream_params p;

		dp_flow_stream_params(&e->dm->flows, b, &p);
		p.out_ssrc = 0xcafe;
		assert_int_equal(dp_flow_stream_update(&e->dm->flows, b, &p), 0);
	}
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 1);
	assert_int_equal(dp_rtp_ssrc(rte_pktmbuf_mtod_offset(e->out.wire[0], uint8_t *, 42)),
			 0xcafe);
	out_free(e);

	/* Payload type renumbering on the egress stream (0 -> 8), RTCP untouched. */
	{
		struct dp_stream_params p;

		dp_flow_stream_params(&e->dm->flows, b, &p);
		p.has_pt_map = true;
		memset(p.pt_map, DP_PT_KEEP, sizeof(p.pt_map));
		p.pt_map[0] = 8;
		assert_int_equal(dp_flow_stream_update(&e->dm->flows, b, &p), 0);
	}
	rtp[1] = 0x80; /* marker set, PT 0 */
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 40000, rtp, rl);
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 1);
	assert_int_equal(rte_pktmbuf_mtod_offset(e->out.wire[0], uint8_t *, 42)[1], 0x88);
	out_free(e);
	rtp[1] = 0;

	/* Bad RTP version, truncated RTP: dropped and counted on the stream. */
	rtp[0] = 0x40;
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 40000, rtp, rl);
	rx1(e, f, len);
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 40000, rtp, 7);
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 0);
	assert_int_equal(e->dm->flows.slots[a].stats.drops[DP_DROP_RTP_VERSION], 1);
	assert_int_equal(e->dm->flows.slots[a].stats.drops[DP_DROP_MALFORMED], 1);
	/* Deleting the destination unlinks the relay: a new stream in its slot gets nothing. */
	assert_int_equal(dp_flow_stream_del(&e->dm->flows, b), 0);
	assert_int_equal(dp_flow_stream_cfg(&e->dm->flows, a)->relay_to, DP_STREAM_NONE);
	assert_int_equal(add_stream(e, 40004, "198.18.0.12", 5006, DP_SRTP_NULL, NULL,
				    DP_SRTP_NULL, NULL, DP_STREAM_NONE, true),
			 b);
	rtp[0] = 0x80;
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 40000, rtp, rl);
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 0);
	assert_int_equal(e->dm->flows.slots[a].stats.drops[DP_DROP_NO_DEST], 1);
	assert_int_equal(dp_flow_stream_del(&e->dm->flows, a), 0);
	assert_int_equal(dp_flow_stream_del(&e->dm->flows, b), 0);
	assert_int_equal(rte_mempool_in_use_count(e->dm->pool), 0);
}

static void
test_relay_no_neigh_and_strict_source(void **state)
{
	struct env *e = *state;
	uint8_t f[512], rtp[200];
	uint32_t b = add_stream(e, 40012, "198.18.0.99", 5004, DP_SRTP_NULL, NULL, DP_SRTP_NULL,
				NULL, DP_STREAM_NONE, true);
	uint32_t a = add_stream(e, 40010, "198.18.0.11", 5002, DP_SRTP_NULL, NULL, DP_SRTP_NULL,
				NULL, b, false);
	struct dp_neigh_event ev;
	uint16_t rl = rtp_packet(rtp, 1, 1, 40), len;

	while (rte_ring_sc_dequeue_elem(e->dm->neigh_events, &ev, sizeof(ev)) == 0)
		;
	{
		struct dp_stream_params p;

		dp_flow_stream_params(&e->dm->flows, a, &p);
		p.strict_source = true;
		assert_int_equal(dp_flow_stream_update(&e->dm->flows, a, &p), 0);
	}
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 40010, rtp, rl);
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 0);
	assert_int_equal(e->dm->flows.slots[a].stats.drops[DP_DROP_NO_NEIGH], 1);
	assert_int_equal(rte_ring_sc_dequeue_elem(e->dm->neigh_events, &ev, sizeof(ev)), 0);
	assert_int_equal(ev.type, DP_NEIGH_RESOLVE);
	/* Without latching, another source is refused. */
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.13", 5002, "198.18.0.1", 40010, rtp, rl);
	rx1(e, f, len);
	assert_int_equal(e->dm->flows.slots[a].stats.drops[DP_DROP_SRC_MISMATCH], 1);
	dp_flow_stream_del(&e->dm->flows, a);
	dp_flow_stream_del(&e->dm->flows, b);
}

/* Without rtcp-mux, RTCP arrives on port + 1 and leaves from the destination's port + 1. */
static void
test_relay_rtcp_without_mux(void **state)
{
	struct env *e = *state;
	uint8_t f[256], sr[28] = {0x80, 200, 0, 6, 0, 0, 0, 9};
	struct dp_stream_params p;
	uint32_t a, b;
	struct rte_udp_hdr *udp;
	uint16_t len;

	b = add_stream(e, 40102, "198.18.0.12", 5004, DP_SRTP_NULL, NULL, DP_SRTP_NULL, NULL,
		       DP_STREAM_NONE, true);
	a = add_stream(e, 40100, NULL, 0, DP_SRTP_NULL, NULL, DP_SRTP_NULL, NULL, b, true);
	for (uint32_t id = 0; id < 2; id++) {
		uint32_t sid = id == 0 ? a : b;

		dp_flow_stream_params(&e->dm->flows, sid, &p);
		p.rtcp_mux = false;
		assert_int_equal(dp_flow_stream_update(&e->dm->flows, sid, &p), 0);
	}
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5003, "198.18.0.1", 40101, sr,
			      sizeof(sr));
	rx1(e, f, len);
	assert_int_equal(e->out.n_wire, 1);
	udp = rte_pktmbuf_mtod_offset(e->out.wire[0], struct rte_udp_hdr *, 34);
	assert_int_equal(rte_be_to_cpu_16(udp->src_port), 40103);
	assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 5005);
	assert_memory_equal(udp + 1, sr, sizeof(sr));
	out_free(e);
	assert_int_equal(e->dm->flows.slots[a].stats.rx_rtcp, 1);
	/* RTCP on the RTP port of a non-muxed stream is not RTCP: PT 200 is no RTP type. */
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 40100, sr,
			      sizeof(sr));
	rx1(e, f, len);
	assert_int_equal(e->dm->flows.slots[a].stats.rx_rtcp, 1);
	out_free(e);
	dp_flow_stream_del(&e->dm->flows, a);
	dp_flow_stream_del(&e->dm->flows, b);
	/* Deleting the stream removed its RTCP port too. */
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5003, "198.18.0.1", 40101, sr,
			      sizeof(sr));
	rx1(e, f, len);
	assert_int_equal(e->out.n_tap, 1);
	out_free(e);
}

/* An IPv6 stream pair: addresses, ports, checksum and traffic class on egress. */
static void
test_relay_ipv6(void **state)
{
	struct env *e = *state;
	uint8_t f[512], rtp[120];
	struct dp_stream_params p;
	struct rte_ipv6_hdr *ip6;
	struct rte_udp_hdr *udp;
	uint8_t want[16];
	int a, b;

	dp_fixture_neigh(e->dm, "2001:2::12", client2_mac);
	memset(&p, 0, sizeof(p));
	p.local.family = AF_INET6;
	inet_pton(AF_INET6, "2001:2::1", p.local.addr);
	p.local.port = rte_cpu_to_be_16(40202);
	p.remote.family = AF_INET6;
	inet_pton(AF_INET6, "2001:2::12", p.remote.addr);
	p.remote.port = rte_cpu_to_be_16(5004);
	p.rtcp_mux = true;
	p.latch = true;
	p.dscp = 34;
	p.relay_to = DP_STREAM_NONE;
	b = dp_flow_stream_add(&e->dm->flows, &p);
	assert_true(b >= 0);
	memset(&p.remote, 0, sizeof(p.remote));
	p.local.port = rte_cpu_to_be_16(40200);
	p.relay_to = (uint32_t)b;
	a = dp_flow_stream_add(&e->dm->flows, &p);
	assert_true(a >= 0);
	{
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
		uint16_t rl = rtp_packet(rtp, 7, 0xabcdef01, 100);

		ip6 = (struct rte_ipv6_hdr *)(eth + 1);
		udp = (struct rte_udp_hdr *)(ip6 + 1);
		memset(f, 0, 14 + 40 + 8);
		memcpy(&eth->src_addr, client1_mac, 6);
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = RTE_BE32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(8 + rl);
		ip6->proto = IPPROTO_UDP;
		ip6->hop_limits = 64;
		inet_pton(AF_INET6, "2001:2::11", ip6->src_addr);
		inet_pton(AF_INET6, "2001:2::1", ip6->dst_addr);
		udp->src_port = RTE_BE16(5002);
		udp->dst_port = RTE_BE16(40200);
		udp->dgram_len = rte_cpu_to_be_16(8 + rl);
		memcpy(udp + 1, rtp, rl);
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
		rx1(e, f, (uint16_t)(14 + 40 + 8 + rl));
	}
	assert_int_equal(e->out.n_wire, 1);
	ip6 = rte_pktmbuf_mtod_offset(e->out.wire[0], struct rte_ipv6_hdr *, 14);
	udp = (struct rte_udp_hdr *)(ip6 + 1);
	inet_pton(AF_INET6, "2001:2::12", want);
	assert_memory_equal(ip6->dst_addr, want, 16);
	assert_int_equal((rte_be_to_cpu_32(ip6->vtc_flow) >> 20) & 0xff, 34 << 2);
	assert_int_equal(rte_be_to_cpu_16(udp->src_port), 40202);
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip6, udp), 0);
	assert_memory_equal(udp + 1, rtp, 112);
	out_free(e);
	dp_flow_stream_del(&e->dm->flows, (uint32_t)a);
	dp_flow_stream_del(&e->dm->flows, (uint32_t)b);
}

/* libsrtp2 policy for our suite. */
static void
lib_policy(srtp_policy_t *pol, enum dp_srtp_suite s, uint8_t *key, uint32_t ssrc, bool inbound)
{
	memset(pol, 0, sizeof(*pol));
	switch (s) {
	case DP_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_rtp_default(&pol->rtp);
		break;
	case DP_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol->rtp);
		break;
	case DP_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtp);
		break;
	default:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol->rtp);
		break;
	}
	srtp_crypto_policy_set_rtcp_default(&pol->rtcp);
	if (s == DP_SRTP_AEAD_AES_128_GCM || s == DP_SRTP_AEAD_AES_256_GCM)
		pol->rtcp = pol->rtp;
	pol->ssrc.type = inbound ? ssrc_any_inbound : ssrc_specific;
	pol->ssrc.value = ssrc;
	pol->key = key;
	pol->window_size = 128;
}

static void
random_key(uint8_t *k)
{
	for (int i = 0; i < 46; i++)
		k[i] = (uint8_t)rand();
}

/*
 * libsrtp2 protects under suite @p in, the data plane re-keys to suite
 * @p out, libsrtp2 unprotects: the RTP packet must come back intact.
 * The sequence starts near 65535 so the ROC moves on both sides.
 */
static void
rekey_pair(struct env *e, enum dp_srtp_suite in, enum dp_srtp_suite out)
{
	uint8_t k1[46], k2[46], f[1600], pkt[1500], orig[1500];
	srtp_policy_t pin, pout;
	srtp_t sender, receiver;
	uint32_t a, b, ssrc = 0x5eed0000u + in * 16 + out;

	random_key(k1);
	random_key(k2);
	b = add_stream(e, 41002, "198.18.0.12", 5004, DP_SRTP_NULL, NULL, out, k2, DP_STREAM_NONE,
		       true);
	a = add_stream(e, 41000, NULL, 0, in, k1, DP_SRTP_NULL, NULL, b, true);
	lib_policy(&pin, in, k1, ssrc, false);
	lib_policy(&pout, out, k2, ssrc, true);
	assert_int_equal(srtp_create(&sender, &pin), srtp_err_status_ok);
	assert_int_equal(srtp_create(&receiver, &pout), srtp_err_status_ok);
	for (int i = 0; i < 40; i++) {
		uint16_t seq = (uint16_t)(65520 + i);
		int len = rtp_packet(pkt, seq, ssrc, (uint16_t)(20 + i * 7));
		uint16_t flen;

		memcpy(orig, pkt, (size_t)len);
		assert_int_equal(srtp_protect(sender, pkt, &len), srtp_err_status_ok);
		flen = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 41000, pkt,
				       (uint16_t)len);
		rx1(e, f, flen);
		assert_int_equal(e->out.n_wire, 1);
		len = rte_pktmbuf_data_len(e->out.wire[0]) - 42;
		memcpy(pkt, rte_pktmbuf_mtod_offset(e->out.wire[0], uint8_t *, 42), (size_t)len);
		out_free(e);
		assert_int_equal(srtp_unprotect(receiver, pkt, &len), srtp_err_status_ok);
		assert_int_equal(len, 12 + 20 + i * 7);
		assert_memory_equal(pkt, orig, (size_t)len);
	}
	/* A replayed packet and a forged one are dropped and counted. */
	{
		int len = rtp_packet(pkt, 100, ssrc, 50);
		uint16_t flen;

		assert_int_equal(srtp_protect(sender, pkt, &len), srtp_err_status_ok);
		flen = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 41000, pkt,
				       (uint16_t)len);
		rx1(e, f, flen);
		out_free(e);
		rx1(e, f, flen);
		assert_int_equal(e->out.n_wire, 0);
		assert_int_equal(e->dm->flows.slots[a].stats.drops[DP_DROP_SRTP_REPLAY], 1);
		f[flen - 1] ^= 1;
		rx1(e, f, flen);
		assert_int_equal(e->out.n_wire, 0);
		assert_true(e->dm->flows.slots[a].stats.drops[DP_DROP_SRTP_AUTH] +
				    e->dm->flows.slots[a].stats.drops[DP_DROP_SRTP_REPLAY] ==
			    2);
	}
	/* RTCP through rtcp-mux: an SR re-keyed with SRTCP. */
	{
		uint8_t sr[28] = {0x80, 200, 0, 6};
		int len = sizeof(sr);
		uint16_t flen;

		sr[4] = ssrc >> 24;
		sr[5] = ssrc >> 16;
		sr[6] = ssrc >> 8;
		sr[7] = ssrc;
		memcpy(pkt, sr, sizeof(sr));
		assert_int_equal(srtp_protect_rtcp(sender, pkt, &len), srtp_err_status_ok);
		flen = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 41000, pkt,
				       (uint16_t)len);
		rx1(e, f, flen);
		assert_int_equal(e->out.n_wire, 1);
		len = rte_pktmbuf_data_len(e->out.wire[0]) - 42;
		memcpy(pkt, rte_pktmbuf_mtod_offset(e->out.wire[0], uint8_t *, 42), (size_t)len);
		out_free(e);
		assert_int_equal(srtp_unprotect_rtcp(receiver, pkt, &len), srtp_err_status_ok);
		assert_int_equal(len, sizeof(sr));
		assert_memory_equal(pkt, sr, sizeof(sr));
		assert_int_equal(e->dm->flows.slots[a].stats.rx_rtcp, 1);
	}
	srtp_dealloc(sender);
	srtp_dealloc(receiver);
	dp_flow_stream_del(&e->dm->flows, a);
	dp_flow_stream_del(&e->dm->flows, b);
	assert_int_equal(rte_mempool_in_use_count(e->dm->pool), 0);
}

/*
 * Deletes and updates do not wait for the RCU grace period, and nothing is
 * released or reused before it ends: with a reader online that has not
 * passed a quiescent state, a deleted stream's configuration stays readable
 * and its slot is not handed out again; once the reader reports, the
 * control thread's reclaim releases both.
 */
static void
test_delete_waits_for_grace_period(void **state)
{
	struct env *e = *state;
	struct dp_flow_table *ft = &e->dm->flows;
	const unsigned int reader = RTE_MAX_LCORE - 1;
	const struct dp_stream_cfg *old_a, *old_b;
	struct dp_stream_params p;
	uint32_t a, b, c, d;

	a = add_stream(e, 40020, "198.18.0.12", 5010, DP_SRTP_NULL, NULL, DP_SRTP_NULL, NULL,
		       DP_STREAM_NONE, true);
	b = add_stream(e, 40022, "198.18.0.12", 5012, DP_SRTP_NULL, NULL, DP_SRTP_NULL, NULL, a,
		       true);
	assert_int_equal(rte_rcu_qsbr_thread_register(e->dm->qsbr, reader), 0);
	rte_rcu_qsbr_thread_online(e->dm->qsbr, reader);
	old_a = dp_flow_stream_cfg(ft, a);
	old_b = dp_flow_stream_cfg(ft, b);

	/* Returns at once although the reader never reported. */
	assert_int_equal(dp_flow_stream_del(ft, a), 0);
	assert_null(dp_flow_stream_cfg(ft, a));
	assert_int_equal(dp_flow_stream_cfg(ft, b)->relay_to, DP_STREAM_NONE);
	assert_int_equal(ft->deferred, 1);
	/* What the reader may hold is intact (ASan would see a free). */
	assert_int_equal(old_a->id, a);
	assert_int_equal(rte_be_to_cpu_16(old_a->local.port), 40020);
	assert_int_equal(old_b->relay_to, a);
	/* The slot is not reused, the endpoint is: a new stream gets another slot. */
	c = add_stream(e, 40020, NULL, 0, DP_SRTP_NULL, NULL, DP_SRTP_NULL, NULL, DP_STREAM_NONE,
		       true);
	assert_int_not_equal(c, a);
	/* An update defers the old version too. */
	assert_int_equal(dp_flow_stream_params(ft, c, &p), 0);
	p.dscp = 34;
	assert_int_equal(dp_flow_stream_update(ft, c, &p), 0);
	assert_true(dp_flow_reclaim(ft) >= 2);
	assert_int_equal(ft->deferred, 1);

	/* The reader passes a quiescent state: everything is released. */
	rte_rcu_qsbr_quiescent(e->dm->qsbr, reader);
	assert_int_equal(dp_flow_reclaim(ft), 0);
	assert_int_equal(ft->deferred, 0);
	d = add_stream(e, 40024, NULL, 0, DP_SRTP_NULL, NULL, DP_SRTP_NULL, NULL, DP_STREAM_NONE,
		       true);
	assert_int_equal(d, a);

	/* Relay lists survive relinking: b to d, then to c, then d deleted. */
	assert_int_equal(dp_flow_stream_params(ft, b, &p), 0);
	p.relay_to = d;
	assert_int_equal(dp_flow_stream_update(ft, b, &p), 0);
	p.relay_to = c;
	assert_int_equal(dp_flow_stream_update(ft, b, &p), 0);
	assert_int_equal(dp_flow_stream_del(ft, d), 0);
	assert_int_equal(dp_flow_stream_cfg(ft, b)->relay_to, c);
	assert_int_equal(dp_flow_stream_del(ft, c), 0);
	assert_int_equal(dp_flow_stream_cfg(ft, b)->relay_to, DP_STREAM_NONE);
	assert_int_equal(dp_flow_stream_del(ft, b), 0);

	/* The reader leaves: nothing is left waiting. */
	rte_rcu_qsbr_thread_offline(e->dm->qsbr, reader);
	assert_int_equal(rte_rcu_qsbr_thread_unregister(e->dm->qsbr, reader), 0);
	assert_int_equal(dp_flow_reclaim(ft), 0);
	assert_int_equal(ft->count, 0);
	assert_int_equal(ft->deferred, 0);
}

static void
test_relay_srtp_rekey_all_suites(void **state)
{
	struct env *e = *state;
	static const enum dp_srtp_suite suites[] = {
		DP_SRTP_AES_CM_128_HMAC_SHA1_80,
		DP_SRTP_AES_CM_128_HMAC_SHA1_32,
		DP_SRTP_AEAD_AES_128_GCM,
		DP_SRTP_AEAD_AES_256_GCM,
	};

	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 4; j++)
			rekey_pair(e, suites[i], suites[j]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_request_answered),
		cmocka_unit_test(test_icmp_echo_answered),
		cmocka_unit_test(test_nd_and_icmp6_answered),
		cmocka_unit_test(test_punts_and_drops),
		cmocka_unit_test(test_punt_refragments),
		cmocka_unit_test(test_relay_plain),
		cmocka_unit_test(test_relay_no_neigh_and_strict_source),
		cmocka_unit_test(test_relay_rtcp_without_mux),
		cmocka_unit_test(test_relay_ipv6),
		cmocka_unit_test(test_relay_srtp_rekey_all_suites),
		cmocka_unit_test(test_delete_waits_for_grace_period),
	};

	srtp_init();
	return cmocka_run_group_tests_name("dp_node", tests, setup, teardown);
}
