/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_node.c - classify, answer, relay: the wire RX path of an io lcore.
 *
 * A burst goes through four passes so each stage works on a vector:
 *   1. classify: Ethernet/IP/UDP parse; ARP, ICMP echo, NS and ICMPv6 echo
 *      for a node address are answered in place; UDP to a node address
 *      becomes a flow-table key; the rest is punted to the kernel TAP.
 *   2. lookup: one rte_hash bulk lookup for all keys; misses are punted.
 *   3. ingress: RTP/RTCP validation (RFC 3550), source check, SRTP/SRTCP
 *      unprotect in bursts (RFC 3711, RFC 7714), latching after success.
 *   4. egress: destination stream, SSRC rewrite, SRTP protect in bursts under
 *      the destination's keys, new Ethernet/IP/UDP headers with the
 *      destination's DSCP and full checksums.
 * Every frame ends in the TX arrays of struct dp_node_out or is freed with a
 * reason counted (per stream when a stream is known, per lcore otherwise).
 *
 * Context: fast path (io lcores). One lcore handles a given stream's packets
 * (the mutable parts of struct dp_stream have a single writer).
 */
#include <netinet/in.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp_node.h"
#include "dp_rtp.h"

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2

/* media.drop value of a packet handed to a conference worker (not freed here). */
#define MEDIA_TO_WORKER 0xff

/* A media candidate: a UDP datagram to a node address. */
struct media {
	struct rte_mbuf *m;
	uint8_t *payload;      /* RTP/RTCP header */
	uint16_t plen;         /* UDP payload length */
	uint8_t rtcp;          /* RTCP (mux detected or separate RTCP port) */
	uint8_t drop;          /* enum dp_drop + 1 when dropped, 0 otherwise */
	uint32_t sidx;         /* ingress stream */
	struct dp_stream *s;
	const struct dp_stream_cfg *c;
	struct dp_stream *ds;  /* egress stream */
	const struct dp_stream_cfg *dc;
	struct dp_ep src;
	struct rte_ether_addr src_mac;
};

struct burst {
	struct dp_lcore_ctx *lc;
	struct dp_main *dm;
	struct dp_node_out *out;
	uint16_t n_media;
	uint16_t n_free;
	uint16_t n_esp_in;  /* ESP frames for a node address, decapsulated after classify */
	uint16_t n_esp_out; /* frames of streams that send through an ESP SA */
	uint64_t tsc; /* TSC at the start of the burst */
	uint64_t hz;
	struct rte_ether_addr *mac;
	struct dp_ep keys[DP_BURST];
	struct media media[DP_BURST];
	struct rte_mbuf *free[DP_BURST];
	struct dp_esp_pkt esp_in[DP_BURST];
	struct dp_esp_pkt esp_out[DP_BURST];
};

static inline void
to_free(struct burst *b, struct rte_mbuf *m)
{
	b->free[b->n_free++] = m;
}

/*
 * A datagram too big for the TAP: af_packet hands us IP packets the kernel
 * already reassembled (its fanout defragments), so cut it again into
 * fragments of DP_TAP_MTU (RFC 791 / RFC 8200 §4.5) for the kernel to
 * reassemble once more. Cold path: allocates fragments from the pool.
 */
static __rte_noinline void
punt_refragment(struct burst *b, struct rte_mbuf *m)
{
	struct rte_ether_hdr eth = *rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_mbuf *frags[DP_PUNT_MAX_FRAGS];
	int n = -1;

	rte_pktmbuf_adj(m, sizeof(eth));
	if (eth.ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		n = rte_ipv4_fragment_packet(m, frags, DP_PUNT_MAX_FRAGS, DP_TAP_MTU, b->dm->pool,
					     b->dm->pool);
	else if (eth.ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		n = rte_ipv6_fragment_packet(m, frags, DP_PUNT_MAX_FRAGS, DP_TAP_MTU, b->dm->pool,
					     b->dm->pool);
	rte_pktmbuf_free(m); /* the fragments hold their own references */
	if (n <= 0 || n > (int)RTE_DIM(b->out->tap) - b->out->n_tap) {
		if (n > 0)
			rte_pktmbuf_free_bulk(frags, (unsigned int)n);
		b->lc->stats.drop[DP_LDROP_PUNT_TOO_BIG]++;
		return;
	}
	for (int i = 0; i < n; i++) {
		struct rte_ether_hdr *h =
			(struct rte_ether_hdr *)rte_pktmbuf_prepend(frags[i], sizeof(*h));

		if (h == NULL) {
			rte_pktmbuf_free(frags[i]);
			b->lc->stats.drop[DP_LDROP_PUNT_TOO_BIG]++;
			continue;
		}
		*h = eth;
		if (eth.ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(h + 1);

			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		b->out->tap[b->out->n_tap++] = frags[i];
	}
	b->lc->stats.punt_refragmented++;
}

/*
 * Marks a packet that arrived in ESP and was decrypted: it is only ever
 * delivered to a stream, never punted to the kernel, whose answer (an ICMP
 * port unreachable quoting the inner header) would leave in the clear.
 */
#define DP_PTYPE_ESP_INNER (RTE_PTYPE_TUNNEL_ESP | RTE_PTYPE_INNER_L4_UDP)

static inline void
to_tap(struct burst *b, struct rte_mbuf *m, enum dp_punt why)
{
	if (unlikely(m->packet_type == DP_PTYPE_ESP_INNER)) {
		b->lc->stats.esp.drop[DP_ESP_DROP_INNER_NO_STREAM]++;
		to_free(b, m);
		return;
	}
	b->lc->stats.punt[why]++;
	if (b->dm->tap_port == UINT16_MAX) {
		to_free(b, m);
		return;
	}
	if (unlikely(rte_pktmbuf_pkt_len(m) > DP_TAP_MTU + sizeof(struct rte_ether_hdr))) {
		punt_refragment(b, m);
		return;
	}
	if (unlikely(b->out->n_tap == RTE_DIM(b->out->tap))) {
		b->lc->stats.drop[DP_LDROP_TX_TAP_FULL]++;
		to_free(b, m);
		return;
	}
	b->out->tap[b->out->n_tap++] = m;
}

static inline void
to_wire(struct burst *b, struct rte_mbuf *m)
{
	b->out->wire[b->out->n_wire++] = m;
}

/* RFC 1624 incremental update of a ones-complement checksum for a 16-bit change. */
static inline uint16_t
cksum_adjust(uint16_t cksum, uint16_t old_w, uint16_t new_w)
{
	uint32_t s = (uint16_t)~cksum + (uint16_t)~old_w + new_w;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline void
learn(struct burst *b, uint8_t family, const uint8_t *addr, const struct rte_ether_addr *mac)
{
	struct rte_ether_addr known;

	if (rte_is_zero_ether_addr(mac) || !rte_is_unicast_ether_addr(mac))
		return;
	if (dp_neigh_lookup(b->dm->neigh, family, addr, &known) &&
	    rte_is_same_ether_addr(&known, mac))
		return;
	if (!dp_neigh_post(b->dm->neigh_events, DP_NEIGH_LEARN, family, addr, mac))
		b->lc->stats.drop[DP_LDROP_NEIGH_RING_FULL]++;
}

/* ARP (RFC 826): answer requests for a node address in place, learn senders. */
static void
handle_arp(struct burst *b, struct rte_mbuf *m, struct rte_ether_hdr *eth)
{
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	uint32_t sip, tip;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*arp) ||
	    arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || arp->arp_hlen != 6 ||
	    arp->arp_plen != 4) {
		to_tap(b, m, DP_PUNT_ARP);
		return;
	}
	sip = arp->arp_data.arp_sip;
	tip = arp->arp_data.arp_tip;
	if (sip != 0)
		learn(b, AF_INET, (const uint8_t *)&sip, &arp->arp_data.arp_sha);
	if (arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) ||
	    !dp_main_is_local(b->dm, AF_INET, (const uint8_t *)&tip) || sip == tip) {
		to_tap(b, m, DP_PUNT_ARP);
		return;
	}
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_sha = *b->mac;
	arp->arp_data.arp_tip = sip;
	arp->arp_data.arp_sip = tip;
	eth->dst_addr = arp->arp_data.arp_tha;
	eth->src_addr = *b->mac;
	b->lc->stats.arp_replies++;
	to_wire(b, m);
}

/* ICMP echo request to a node address: turn it into the reply in place. */
static void
handle_icmp4(struct burst *b, struct rte_mbuf *m, struct rte_ether_hdr *eth,
	     struct rte_ipv4_hdr *ip, uint32_t l4len)
{
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint32_t a;

	if (l4len < sizeof(*icmp) || icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
	    icmp->icmp_code != 0) {
		to_tap(b, m, DP_PUNT_ICMP);
		return;
	}
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = cksum_adjust(icmp->icmp_cksum, RTE_BE16(RTE_IP_ICMP_ECHO_REQUEST << 8),
					RTE_BE16(RTE_IP_ICMP_ECHO_REPLY << 8));
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = *b->mac;
	b->lc->stats.icmp_echo_replies++;
	to_wire(b, m);
}

static inline void
add_media(struct burst *b, struct rte_mbuf *m, struct rte_ether_hdr *eth, uint8_t *udp_p,
	  uint32_t l4len)
{
	struct media *md = &b->media[b->n_media];
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)udp_p;
	uint32_t ulen = rte_be_to_cpu_16(udp->dgram_len);

	if (l4len < sizeof(*udp) || ulen < sizeof(*udp) || ulen > l4len) {
		b->lc->stats.drop[DP_LDROP_IP_BAD]++;
		to_free(b, m);
		return;
	}
	md->m = m;
	md->payload = udp_p + sizeof(*udp);
	md->plen = ulen - sizeof(*udp);
	md->src_mac = eth->src_addr;
	md->drop = 0;
	b->n_media++;
}

/*
 * ESP (RFC 4303) for a node address: kept for the decapsulation pass after
 * classification. Once decapsulated the frame is classified again as UDP.
 */
static inline void
add_esp(struct burst *b, struct rte_mbuf *m, uint8_t family, uint16_t l3_len, uint32_t l4len)
{
	struct dp_esp_pkt *p = &b->esp_in[b->n_esp_in];

	if (m->nb_segs != 1) {
		b->lc->stats.drop[DP_LDROP_MULTISEG]++;
		to_free(b, m);
		return;
	}
	if (l4len < DP_ESP_HDR_LEN) {
		b->lc->stats.esp.drop[DP_ESP_DROP_MALFORMED]++;
		to_free(b, m);
		return;
	}
	p->m = m;
	p->family = family;
	p->l3_len = l3_len;
	b->n_esp_in++;
}

static void
classify_ipv4(struct burst *b, struct rte_mbuf *m, struct rte_ether_hdr *eth, uint32_t len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct media *md;
	uint32_t ihl, tot;

	if (len < sizeof(*eth) + sizeof(*ip) || (ip->version_ihl >> 4) != 4) {
		b->lc->stats.drop[DP_LDROP_IP_BAD]++;
		to_free(b, m);
		return;
	}
	ihl = (ip->version_ihl & 0xf) * 4u;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (ihl < sizeof(*ip) || tot < ihl || tot > len - sizeof(*eth)) {
		b->lc->stats.drop[tot > len - sizeof(*eth) ? DP_LDROP_IP_TRUNCATED : DP_LDROP_IP_BAD]++;
		to_free(b, m);
		return;
	}
	if (!dp_main_is_local(b->dm, AF_INET, (const uint8_t *)&ip->dst_addr)) {
		to_tap(b, m, DP_PUNT_NOT_LOCAL);
		return;
	}
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		to_tap(b, m, DP_PUNT_FRAGMENT);
		return;
	}
	if (ihl != sizeof(*ip)) {
		to_tap(b, m, DP_PUNT_IP_OPTIONS);
		return;
	}
	switch (ip->next_proto_id) {
	case IPPROTO_UDP:
		if (m->nb_segs != 1) {
			b->lc->stats.drop[DP_LDROP_MULTISEG]++;
			to_free(b, m);
			return;
		}
		md = &b->media[b->n_media];
		dp_ep_set_v4(&b->keys[b->n_media], &ip->dst_addr,
			     ((struct rte_udp_hdr *)(ip + 1))->dst_port);
		dp_ep_set_v4(&md->src, &ip->src_addr, ((struct rte_udp_hdr *)(ip + 1))->src_port);
		if (tot - ihl >= sizeof(struct rte_udp_hdr))
			add_media(b, m, eth, (uint8_t *)(ip + 1), tot - ihl);
		else
			to_tap(b, m, DP_PUNT_UDP_UNKNOWN);
		return;
	case IPPROTO_ICMP:
		handle_icmp4(b, m, eth, ip, tot - ihl);
		return;
	case IPPROTO_ESP:
		add_esp(b, m, AF_INET, sizeof(*ip), tot - ihl);
		return;
	case IPPROTO_TCP:
		to_tap(b, m, DP_PUNT_TCP);
		return;
	default:
		to_tap(b, m, DP_PUNT_OTHER_PROTO);
		return;
	}
}

static inline uint16_t
icmp6_cksum(struct rte_ipv6_hdr *ip6, void *l4)
{
	return rte_ipv6_udptcp_cksum(ip6, l4);
}

/* The link-layer address option of type @p type in an NS/NA, or NULL. */
static const struct rte_ether_addr *
nd_lladdr(const uint8_t *opt, uint32_t len, uint8_t type)
{
	while (len >= 8) {
		uint32_t olen = opt[1] * 8u;

		if (olen == 0 || olen > len)
			return NULL;
		if (opt[0] == type && olen >= 8)
			return (const struct rte_ether_addr *)(opt + 2);
		opt += olen;
		len -= olen;
	}
	return NULL;
}

/* RFC 4861 §7.2.4: answer a Neighbor Solicitation for a node address. */
static void
handle_ns(struct burst *b, struct rte_mbuf *m, struct rte_ether_hdr *eth, struct rte_ipv6_hdr *ip6,
	  uint8_t *icmp, uint32_t l4len)
{
	const struct rte_ether_addr *sll;
	uint8_t *target = icmp + 8;
	static const uint8_t unspec[16];

	if (l4len < 24 || ip6->hop_limits != 255 || icmp[1] != 0) {
		to_tap(b, m, DP_PUNT_ICMP);
		return;
	}
	sll = nd_lladdr(icmp + 24, l4len - 24, ND_OPT_SOURCE_LL);
	if (sll != NULL && memcmp(ip6->src_addr, unspec, 16) != 0)
		learn(b, AF_INET6, ip6->src_addr, sll);
	/* DAD probes (unspecified source) and solicitations for others go to the kernel. */
	if (!dp_main_is_local(b->dm, AF_INET6, target) || memcmp(ip6->src_addr, unspec, 16) == 0) {
		to_tap(b, m, DP_PUNT_ICMP);
		return;
	}
	/* Reply: NA with S and O flags and our target link-layer address option. */
	icmp[0] = ND_NEIGHBOR_ADVERT;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	icmp[4] = 0x60;
	icmp[5] = icmp[6] = icmp[7] = 0;
	icmp[24] = ND_OPT_TARGET_LL;
	icmp[25] = 1;
	memcpy(icmp + 26, b->mac, 6);
	memcpy(ip6->dst_addr, ip6->src_addr, 16);
	memcpy(ip6->src_addr, target, 16);
	ip6->payload_len = rte_cpu_to_be_16(32);
	ip6->hop_limits = 255;
	m->data_len = m->pkt_len = sizeof(*eth) + sizeof(*ip6) + 32;
	icmp[2] = icmp[3] = 0;
	*(uint16_t *)(icmp + 2) = icmp6_cksum(ip6, icmp);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = *b->mac;
	b->lc->stats.nd_adverts++;
	to_wire(b, m);
}

static void
handle_icmp6(struct burst *b, struct rte_mbuf *m, struct rte_ether_hdr *eth,
	     struct rte_ipv6_hdr *ip6, uint32_t l4len, bool local)
{
	uint8_t *icmp = (uint8_t *)(ip6 + 1);

	if (l4len < 8) {
		to_tap(b, m, DP_PUNT_ICMP);
		return;
	}
	if (icmp[0] == ND_NEIGHBOR_SOLICIT) {
		handle_ns(b, m, eth, ip6, icmp, l4len);
		return;
	}
	if (icmp[0] == ND_NEIGHBOR_ADVERT && l4len >= 24) {
		const struct rte_ether_addr *tll = nd_lladdr(icmp + 24, l4len - 24, ND_OPT_TARGET_LL);

		if (tll != NULL)
			learn(b, AF_INET6, icmp + 8, tll);
	}
	if (!local || icmp[0] != ICMP6_ECHO_REQUEST || icmp[1] != 0) {
		to_tap(b, m, DP_PUNT_ICMP);
		return;
	}
	icmp[0] = ICMP6_ECHO_REPLY;
	*(uint16_t *)(icmp + 2) = cksum_adjust(*(uint16_t *)(icmp + 2),
					       RTE_BE16(ICMP6_ECHO_REQUEST << 8),
					       RTE_BE16(ICMP6_ECHO_REPLY << 8));
	{
		uint8_t a[16];

		memcpy(a, ip6->src_addr, 16);
		memcpy(ip6->src_addr, ip6->dst_addr, 16);
		memcpy(ip6->dst_addr, a, 16);
	}
	ip6->hop_limits = 64;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = *b->mac;
	b->lc->stats.icmp6_echo_replies++;
	to_wire(b, m);
}

static void
classify_ipv6(struct burst *b, struct rte_mbuf *m, struct rte_ether_hdr *eth, uint32_t len)
{
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	uint32_t plen;
	bool local;

	if (len < sizeof(*eth) + sizeof(*ip6) ||
	    (rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6) {
		b->lc->stats.drop[DP_LDROP_IP_BAD]++;
		to_free(b, m);
		return;
	}
	plen = rte_be_to_cpu_16(ip6->payload_len);
	if (plen > len - sizeof(*eth) - sizeof(*ip6)) {
		b->lc->stats.drop[DP_LDROP_IP_TRUNCATED]++;
		to_free(b, m);
		return;
	}
	local = dp_main_is_local(b->dm, AF_INET6, ip6->dst_addr);
	if (ip6->proto == IPPROTO_ICMPV6) {
		handle_icmp6(b, m, eth, ip6, plen, local);
		return;
	}
	if (!local) {
		to_tap(b, m, DP_PUNT_NOT_LOCAL);
		return;
	}
	switch (ip6->proto) {
	case IPPROTO_UDP: {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip6 + 1);

		if (m->nb_segs != 1) {
			b->lc->stats.drop[DP_LDROP_MULTISEG]++;
			to_free(b, m);
			return;
		}
		if (plen < sizeof(*udp)) {
			to_tap(b, m, DP_PUNT_UDP_UNKNOWN);
			return;
		}
		dp_ep_set_v6(&b->keys[b->n_media], ip6->dst_addr, udp->dst_port);
		dp_ep_set_v6(&b->media[b->n_media].src, ip6->src_addr, udp->src_port);
		add_media(b, m, eth, (uint8_t *)udp, plen);
		return;
	}
	case IPPROTO_ESP:
		add_esp(b, m, AF_INET6, sizeof(*ip6), plen);
		return;
	case IPPROTO_TCP:
		to_tap(b, m, DP_PUNT_TCP);
		return;
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
		to_tap(b, m, DP_PUNT_IP_OPTIONS);
		return;
	default:
		to_tap(b, m, DP_PUNT_OTHER_PROTO);
		return;
	}
}

static void
classify(struct burst *b, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint32_t len = rte_pktmbuf_data_len(m);

	if (len < sizeof(*eth)) {
		b->lc->stats.drop[DP_LDROP_L2_SHORT]++;
		to_free(b, m);
		return;
	}
	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		classify_ipv4(b, m, eth, len);
		return;
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		classify_ipv6(b, m, eth, len);
		return;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		handle_arp(b, m, eth);
		return;
	default:
		to_tap(b, m, DP_PUNT_NON_IP);
		return;
	}
}

/* Bytes SRTP/SRTCP appends for @p suite: tag, plus the E|index word for SRTCP. */
static inline uint32_t
srtp_trailer(enum dp_srtp_suite suite, bool rtcp)
{
	switch (suite) {
	case DP_SRTP_AES_CM_128_HMAC_SHA1_80:
		return rtcp ? 14 : 10;
	case DP_SRTP_AES_CM_128_HMAC_SHA1_32:
		return rtcp ? 14 : 4;
	case DP_SRTP_AEAD_AES_128_GCM:
	case DP_SRTP_AEAD_AES_256_GCM:
		return rtcp ? 20 : 16;
	default:
		return 0;
	}
}

static inline void
media_drop(struct burst *b, struct media *md, enum dp_drop why, struct dp_stream *s)
{
	md->drop = why + 1;
	if (s != NULL)
		s->stats.drops[why]++;
	b->lc->stats.stream_drop[why]++;
}

/* Pass 2: bulk flow lookup; misses go to the kernel. Compacts b->media. */
static void
lookup(struct burst *b)
{
	const void *kp[DP_BURST];
	void *data[DP_BURST];
	uint64_t hits = 0;
	uint16_t n = 0;

	for (uint16_t i = 0; i < b->n_media; i++)
		kp[i] = &b->keys[i];
	if (rte_hash_lookup_bulk_data(b->dm->flows.hash, kp, b->n_media, &hits, data) < 0)
		hits = 0;
	for (uint16_t i = 0; i < b->n_media; i++) {
		struct media *md = &b->media[i];
		uint32_t d = (uint32_t)(uintptr_t)data[i];

		if (!(hits & (1ULL << i))) {
			to_tap(b, md->m, DP_PUNT_UDP_UNKNOWN);
			continue;
		}
		md->sidx = d & ~DP_FLOW_RTCP;
		md->rtcp = (d & DP_FLOW_RTCP) != 0;
		md->s = &b->dm->flows.slots[md->sidx];
		md->c = dp_stream_cfg_get(md->s);
		if (md->c == NULL) {
			b->lc->stats.drop[DP_LDROP_STREAM_GONE]++;
			to_free(b, md->m);
			continue;
		}
		/* Streams of a burst are spread over the table: start the loads now. */
		rte_prefetch0(md->c);
		rte_prefetch0(&md->s->stats);
		if (md->c->srtp_in.suite != DP_SRTP_NULL) {
			dp_srtp_session_prefetch(&md->c->srtp_in);
			rte_prefetch0(&md->s->srtp_in_st);
		}
		if (n != i)
			b->media[n] = *md;
		n++;
	}
	b->n_media = n;
}

/* Pass 3a: per-packet checks before unprotect. */
static void
ingress_check(struct burst *b, struct media *md)
{
	struct dp_stream *s = md->s;
	const struct dp_stream_cfg *c = md->c;
	enum dp_rtp_err e;

	s->stats.rx_pkts++;
	s->stats.rx_bytes += md->plen;
	if (!md->rtcp && c->rtcp_mux && dp_rtp_is_rtcp(md->payload, md->plen))
		md->rtcp = 1;
	if (md->rtcp) {
		uint32_t tr = srtp_trailer(c->srtp_in.suite, true);

		s->stats.rx_rtcp++;
		e = md->plen < tr ? DP_RTP_E_SHORT :
				    dp_rtcp_validate(md->payload, md->plen - tr, tr != 0);
	} else {
		e = dp_rtp_validate(md->payload, md->plen, srtp_trailer(c->srtp_in.suite, false));
	}
	if (e != DP_RTP_OK) {
		media_drop(b, md, e == DP_RTP_E_VERSION ? DP_DROP_RTP_VERSION : DP_DROP_MALFORMED, s);
		return;
	}
	/* Without latching, a strict stream accepts only its configured remote. */
	if (!c->latch && c->strict_source && c->remote.family != 0) {
		struct dp_ep want = c->remote;

		if (md->rtcp && !c->rtcp_mux)
			want.port = rte_cpu_to_be_16(rte_be_to_cpu_16(want.port) + 1);
		if (!dp_ep_eq(&want, &md->src)) {
			media_drop(b, md, DP_DROP_SRC_MISMATCH, s);
			return;
		}
	}
	if (s->in_key_gen != c->key_gen_in) {
		dp_srtp_state_reset(&s->srtp_in_st);
		s->in_key_gen = c->key_gen_in;
	}
}

static inline enum dp_drop
srtp_drop_reason(uint8_t status)
{
	switch (status) {
	case DP_SRTP_E_AUTH:
		return DP_DROP_SRTP_AUTH;
	case DP_SRTP_E_REPLAY:
		return DP_DROP_SRTP_REPLAY;
	case DP_SRTP_E_MALFORMED:
		return DP_DROP_MALFORMED;
	default:
		return DP_DROP_SRTP_OTHER;
	}
}

/*
 * Run @p fn_rtp / @p fn_rtcp over the media of the burst that need it.
 * @p out selects egress (destination keys, protect) or ingress (unprotect).
 */
static void
srtp_pass(struct burst *b, bool out)
{
	struct dp_srtp_op ops[2][DP_BURST];
	uint16_t idx[2][DP_BURST], n[2] = {0, 0};

	for (uint16_t i = 0; i < b->n_media; i++) {
		struct media *md = &b->media[i];
		const struct dp_srtp_session *sess;
		struct dp_srtp_op *op;
		uint8_t k = md->rtcp;

		if (md->drop)
			continue;
		sess = out ? &md->dc->srtp_out : &md->c->srtp_in;
		if (sess->suite == DP_SRTP_NULL)
			continue;
		op = &ops[k][n[k]];
		op->pkt = md->payload;
		op->len = md->plen;
		op->room = (uint16_t)RTE_MIN(
			(uintptr_t)md->m->buf_addr + md->m->buf_len - (uintptr_t)md->payload,
			(uintptr_t)UINT16_MAX);
		op->sess = sess;
		op->st = out ? &md->ds->srtp_out_st : &md->s->srtp_in_st;
		idx[k][n[k]++] = i;
	}
	if (n[0] != 0) {
		if (out)
			dp_srtp_protect_burst(b->lc->mb, ops[0], n[0]);
		else
			dp_srtp_unprotect_burst(b->lc->mb, ops[0], n[0]);
	}
	if (n[1] != 0) {
		if (out)
			dp_srtcp_protect_burst(b->lc->mb, ops[1], n[1]);
		else
			dp_srtcp_unprotect_burst(b->lc->mb, ops[1], n[1]);
	}
	for (uint8_t k = 0; k < 2; k++) {
		for (uint16_t j = 0; j < n[k]; j++) {
			struct media *md = &b->media[idx[k][j]];

			if (ops[k][j].status == DP_SRTP_OK)
				md->plen = ops[k][j].len;
			else
				media_drop(b, md, srtp_drop_reason(ops[k][j].status), md->s);
		}
	}
}

/*
 * Hand a packet of a conference participant to the conference's worker: the
 * mbuf then starts at the RTP header and carries (conference, participant).
 */
static void
to_worker(struct burst *b, struct media *md)
{
	struct rte_mbuf *m = md->m;
	const struct dp_stream_cfg *c = md->c;

	m->data_off = (uint16_t)((uintptr_t)md->payload - (uintptr_t)m->buf_addr);
	m->data_len = md->plen;
	m->pkt_len = md->plen;
	/* RTCP (after SRTCP) goes too: the worker answers it with its reports. */
	m->hash.usr = (uint32_t)c->conf_id << 16 | c->conf_part | (md->rtcp ? DP_CONF_RX_RTCP : 0);
	if (rte_ring_mp_enqueue(c->conf_ring, m) != 0) {
		media_drop(b, md, DP_DROP_WORKER_FULL, md->s);
		return;
	}
	md->drop = MEDIA_TO_WORKER;
}

/* Pass 3b/4a: latch the source, pick the destination, rewrite SSRC. */
static void
route(struct burst *b, struct media *md)
{
	struct dp_stream *s = md->s;
	const struct dp_stream_cfg *c = md->c;
	struct dp_stream *ds;
	const struct dp_stream_cfg *dc;

	/* Latch only on RTP or muxed RTCP: a separate RTCP port has another source port. */
	if (c->latch && !(md->rtcp && !c->rtcp_mux) &&
	    !dp_ep_eq(dp_stream_remote(s, c), &md->src)) {
		s->latched = md->src;
		s->latched_gen = c->latch_gen;
		/* A new source is likely the next destination: remember its MAC. */
		learn(b, md->src.family, md->src.addr, &md->src_mac);
	}
	b->lc->stats.media_rx++;
	if (c->conf_ring != NULL) {
		to_worker(b, md);
		return;
	}
	if (c->relay_to >= b->dm->flows.max) {
		media_drop(b, md, DP_DROP_NO_DEST, s);
		return;
	}
	ds = &b->dm->flows.slots[c->relay_to];
	dc = dp_stream_cfg_get(ds);
	if (dc == NULL) {
		media_drop(b, md, DP_DROP_NO_DEST, s);
		return;
	}
	md->ds = ds;
	md->dc = dc;
	rte_prefetch0(&ds->stats);
	if (dc->srtp_out.suite != DP_SRTP_NULL) {
		dp_srtp_session_prefetch(&dc->srtp_out);
		rte_prefetch0(&ds->srtp_out_st);
	}
	if (ds->out_key_gen != dc->key_gen_out) {
		dp_srtp_state_reset(&ds->srtp_out_st);
		ds->out_key_gen = dc->key_gen_out;
	}
	/* Payload type numbering of the egress side (SDP answers may renumber). */
	if (dc->has_pt_map && !md->rtcp && md->plen >= 12) {
		uint8_t np = dc->pt_map[md->payload[1] & 0x7f];

		if (np != DP_PT_KEEP)
			md->payload[1] = (uint8_t)((md->payload[1] & 0x80) | np);
	}
	if (dc->out_ssrc != 0 && md->plen >= 12) {
		if (md->rtcp) {
			rte_be32_t v = rte_cpu_to_be_32(dc->out_ssrc);

			memcpy(md->payload + 4, &v, sizeof(v));
		} else {
			dp_rtp_set_ssrc(md->payload, dc->out_ssrc);
		}
	}
}

static bool neigh_resolve(struct burst *b, const struct dp_ep *remote, struct rte_ether_addr *mac);

/* The next hop's MAC for @p remote of stream @p ds, cached in the stream for a second. */
static bool
next_hop_mac(struct burst *b, struct dp_stream *ds, const struct dp_ep *remote,
	     struct rte_ether_addr *mac)
{
	if (likely(ds->tx_mac_expiry > b->tsc && dp_ep_eq(&ds->tx_mac_ep, remote))) {
		*mac = ds->tx_mac;
		return true;
	}
	if (!neigh_resolve(b, remote, mac))
		return false;
	ds->tx_mac = *mac;
	ds->tx_mac_ep = *remote;
	ds->tx_mac_expiry = b->tsc + b->hz;
	return true;
}

static bool
neigh_resolve(struct burst *b, const struct dp_ep *remote, struct rte_ether_addr *mac)
{
	const struct dp_main *dm = b->dm;
	const uint8_t *nh = dp_main_next_hop(dm, remote->family, remote->addr);

	if (nh == NULL)
		return false;
	if (dp_neigh_lookup(dm->neigh, remote->family, nh, mac))
		return true;
	b->lc->stats.neigh_requests++;
	if (!dp_neigh_post(dm->neigh_events, DP_NEIGH_RESOLVE, remote->family, nh, NULL))
		b->lc->stats.drop[DP_LDROP_NEIGH_RING_FULL]++;
	return false;
}

/* Pass 4c: new headers in front of the (re-protected) payload. */
static void
encap(struct burst *b, struct media *md)
{
	const struct dp_stream_cfg *dc = md->dc;
	const struct dp_ep *remote = dp_stream_remote(md->ds, dc);
	struct rte_mbuf *m = md->m;
	struct rte_ether_hdr *eth;
	struct rte_udp_hdr *udp;
	struct rte_ether_addr dmac;
	uint32_t l3 = remote->family == AF_INET ? sizeof(struct rte_ipv4_hdr) :
						  sizeof(struct rte_ipv6_hdr);
	uint32_t hl = sizeof(*eth) + l3 + sizeof(*udp);
	uint16_t sport = rte_be_to_cpu_16(dc->local.port), dport = rte_be_to_cpu_16(remote->port);
	uintptr_t start;

	if (remote->family == 0 || remote->family != dc->local.family) {
		media_drop(b, md, DP_DROP_NO_DEST, md->s);
		return;
	}
	if (!next_hop_mac(b, md->ds, remote, &dmac)) {
		media_drop(b, md, DP_DROP_NO_NEIGH, md->s);
		return;
	}
	start = (uintptr_t)md->payload - hl;
	if (start < (uintptr_t)m->buf_addr) {
		media_drop(b, md, DP_DROP_SRTP_OTHER, md->s);
		return;
	}
	if (md->rtcp && !dc->rtcp_mux) {
		sport++;
		dport++;
	}
	m->data_off = (uint16_t)(start - (uintptr_t)m->buf_addr);
	m->data_len = (uint16_t)(hl + md->plen);
	m->pkt_len = m->data_len;
	eth = (struct rte_ether_hdr *)start;
	eth->dst_addr = dmac;
	eth->src_addr = *b->mac;
	udp = (struct rte_udp_hdr *)((uint8_t *)(eth + 1) + l3);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + md->plen);
	udp->dgram_cksum = 0;
	if (remote->family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = dc->dscp << 2;
		ip->total_length = rte_cpu_to_be_16(l3 + sizeof(*udp) + md->plen);
		ip->packet_id = rte_cpu_to_be_16(b->lc->ip_id++);
		ip->fragment_offset = 0;
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, dc->local.addr, 4);
		memcpy(&ip->dst_addr, remote->addr, 4);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)(dc->dscp << 2) << 20);
		ip6->payload_len = udp->dgram_len;
		ip6->proto = IPPROTO_UDP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, dc->local.addr, 16);
		memcpy(ip6->dst_addr, remote->addr, 16);
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
	}
	m->ol_flags = 0;
	md->ds->stats.tx_pkts++;
	md->ds->stats.tx_bytes += md->plen;
	b->lc->stats.media_tx++;
	if (dc->esp_out) {
		struct dp_esp_pkt *p = &b->esp_out[b->n_esp_out++];

		p->m = m;
		p->slot = dc->esp_slot;
		p->family = remote->family;
		p->l3_len = (uint16_t)l3;
		return;
	}
	to_wire(b, m);
}

static inline void
burst_init(struct burst *b, struct dp_lcore_ctx *lc, struct dp_node_out *out)
{
	b->lc = lc;
	b->dm = lc->dm;
	b->out = out;
	b->mac = &lc->dm->mac;
	b->n_media = 0;
	b->n_free = 0;
	b->n_esp_in = 0;
	b->n_esp_out = 0;
	b->tsc = rte_rdtsc();
	b->hz = rte_get_tsc_hz();
	out->n_wire = 0;
	out->n_tap = 0;
}

/* ESP transport mode for the frames of streams with an outbound SA (RFC 4303 §3.3). */
static void
esp_out_pass(struct burst *b)
{
	dp_esp_node_encap(&b->dm->esp, b->lc->mb, b->tsc, b->esp_out, b->n_esp_out,
			  &b->lc->stats.esp);
	for (uint16_t i = 0; i < b->n_esp_out; i++) {
		if (b->esp_out[i].ok)
			to_wire(b, b->esp_out[i].m);
		else
			to_free(b, b->esp_out[i].m);
	}
}

/* Inbound ESP: decapsulate, then classify the inner UDP datagram like any other. */
static void
esp_in_pass(struct burst *b)
{
	dp_esp_node_decap(&b->dm->esp, b->lc->mb, b->tsc, b->esp_in, b->n_esp_in,
			  &b->lc->stats.esp);
	for (uint16_t i = 0; i < b->n_esp_in; i++) {
		if (b->esp_in[i].ok) {
			b->esp_in[i].m->packet_type = DP_PTYPE_ESP_INNER;
			classify(b, b->esp_in[i].m);
		} else {
			to_free(b, b->esp_in[i].m);
		}
	}
}

/* Last stage: headers for what survived, the rest freed (worker hand-offs excepted). */
static inline void
emit_media(struct burst *b)
{
	for (uint16_t i = 0; i < b->n_media; i++) {
		struct media *md = &b->media[i];

		if (!md->drop)
			encap(b, md);
		if (md->drop && md->drop != MEDIA_TO_WORKER)
			to_free(b, md->m);
	}
	if (b->n_esp_out != 0)
		esp_out_pass(b);
}

void
dp_node_wire_rx(struct dp_lcore_ctx *lc, struct rte_mbuf **pkts, uint16_t n,
		struct dp_node_out *out)
{
	struct burst b;

	burst_init(&b, lc, out);
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		classify(&b, pkts[i]);
	}
	if (b.n_esp_in != 0)
		esp_in_pass(&b);
	if (b.n_media != 0) {
		lookup(&b);
		for (uint16_t i = 0; i < b.n_media; i++)
			ingress_check(&b, &b.media[i]);
		srtp_pass(&b, false);
		for (uint16_t i = 0; i < b.n_media; i++)
			if (!b.media[i].drop)
				route(&b, &b.media[i]);
		srtp_pass(&b, true);
		emit_media(&b);
	}
	if (b.n_free != 0)
		rte_pktmbuf_free_bulk(b.free, b.n_free);
}

void
dp_node_send(struct dp_lcore_ctx *lc, struct rte_mbuf **pkts, const uint32_t *streams,
	     const bool *rtcp, uint16_t n, struct dp_node_out *out)
{
	struct burst b;

	burst_init(&b, lc, out);
	for (uint16_t i = 0; i < n; i++) {
		struct media *md = &b.media[b.n_media++];
		struct dp_stream *ds = streams[i] < b.dm->flows.max ?
					       &b.dm->flows.slots[streams[i]] : NULL;

		md->m = pkts[i];
		md->payload = rte_pktmbuf_mtod(pkts[i], uint8_t *);
		md->plen = (uint16_t)rte_pktmbuf_data_len(pkts[i]);
		md->rtcp = rtcp != NULL && rtcp[i];
		md->drop = 0;
		md->s = ds;
		md->ds = ds;
		md->dc = ds != NULL ? dp_stream_cfg_get(ds) : NULL;
		md->c = md->dc;
		if (md->dc == NULL) {
			media_drop(&b, md, DP_DROP_NO_DEST, NULL);
			continue;
		}
		if (ds->out_key_gen != md->dc->key_gen_out) {
			dp_srtp_state_reset(&ds->srtp_out_st);
			ds->out_key_gen = md->dc->key_gen_out;
		}
	}
	srtp_pass(&b, true);
	emit_media(&b);
	if (b.n_free != 0)
		rte_pktmbuf_free_bulk(b.free, b.n_free);
}
