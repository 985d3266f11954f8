/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_esp_node.c - the ESP stage of the packet path: transport-mode
 * decapsulation of what arrives for a node address (RFC 4303 §3.4) and
 * encapsulation of what streams send through an outbound SA (§3.3).
 *
 * Inbound: one bulk SA lookup by (SPI, in) for the burst, the outer
 * addresses and lifetime checked against the SA, one decrypt burst, then
 * each frame is rewritten in place (Ethernet and IP header moved over the
 * ESP header and IV, trailer cut off, IP protocol 17) for the UDP
 * classifier. Outbound: the reverse on frames dp_node.c built in full
 * (UDP checksum computed over the plain datagram, as transport mode
 * carries it, RFC 4303 §3.1.1).
 *
 * Context: fast path (io lcores): no allocation, no lock, no syscall, no
 * log. Drops are counted per lcore by reason and in the SA's counters.
 */
#include <netinet/in.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_ip.h>

#include "dp_esp_sa.h"

#define CHUNK 32
#define L2_LEN ((uint16_t)sizeof(struct rte_ether_hdr))

static inline enum dp_esp_drop
status_drop(uint8_t status)
{
	switch (status) {
	case DP_ESP_E_MALFORMED:
		return DP_ESP_DROP_MALFORMED;
	case DP_ESP_E_ROOM:
		return DP_ESP_DROP_ROOM;
	case DP_ESP_E_AUTH:
		return DP_ESP_DROP_AUTH;
	case DP_ESP_E_REPLAY:
		return DP_ESP_DROP_REPLAY;
	case DP_ESP_E_SEQ:
		return DP_ESP_DROP_EXPIRED;
	default:
		return DP_ESP_DROP_CRYPTO;
	}
}

/* Hard lifetime reached (RFC 4301 §4.4.2.1): the SA must not be used any more. */
static inline bool
sa_expired(const struct dp_esp_sa *sa, const struct dp_esp_state *st, uint64_t now)
{
	return now >= sa->expire_tsc ||
	       (sa->life_bytes != 0 &&
		__atomic_load_n(&st->stats.bytes, __ATOMIC_RELAXED) >= sa->life_bytes);
}

/* Equal addresses of @p family, compared inline (no libc call per packet). */
static inline bool
addr_eq(const uint8_t *a, const uint8_t *b, uint8_t family)
{
	uint64_t x[2], y[2];

	if (family == AF_INET) {
		uint32_t u, v;

		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	}
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/*
 * Move the Ethernet and IP headers (@p len: 34 or 54 octets) by @p delta
 * octets, in either direction, with fixed-size copies the compiler inlines.
 */
static inline void
move_headers(uint8_t *dst, const uint8_t *src, uint16_t len)
{
	uint8_t tmp[L2_LEN + sizeof(struct rte_ipv6_hdr)];

	if (len == L2_LEN + sizeof(struct rte_ipv4_hdr)) {
		memcpy(tmp, src, L2_LEN + sizeof(struct rte_ipv4_hdr));
		memcpy(dst, tmp, L2_LEN + sizeof(struct rte_ipv4_hdr));
	} else {
		memcpy(tmp, src, L2_LEN + sizeof(struct rte_ipv6_hdr));
		memcpy(dst, tmp, L2_LEN + sizeof(struct rte_ipv6_hdr));
	}
}

/* Outer source and destination of an IP header (v4 or v6). */
static inline void
ip_addrs(const uint8_t *l3, uint8_t family, const uint8_t **src, const uint8_t **dst)
{
	if (family == AF_INET) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;

		*src = (const uint8_t *)&ip->src_addr;
		*dst = (const uint8_t *)&ip->dst_addr;
	} else {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)l3;

		*src = ip6->src_addr;
		*dst = ip6->dst_addr;
	}
}

/* Length of what follows the IP header, from the header itself. */
static inline uint32_t
ip_payload_len(const uint8_t *l3, uint8_t family, uint16_t l3_len)
{
	if (family == AF_INET)
		return rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)l3)->total_length) - l3_len;
	return rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)l3)->payload_len);
}

/* Rewrite the IP header for a new protocol and payload length. */
static inline void
ip_set(uint8_t *l3, uint8_t family, uint16_t l3_len, uint8_t proto, uint32_t plen)
{
	if (family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->next_proto_id = proto;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3_len + plen));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;

		ip6->proto = proto;
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)plen);
	}
}

static void
decap_chunk(struct dp_esp_table *t, IMB_MGR *mb, uint64_t now, struct dp_esp_pkt *pk,
	    uint16_t n, struct dp_esp_lstats *ls)
{
	struct dp_esp_key keys[CHUNK];
	const void *kp[CHUNK];
	void *data[CHUNK];
	struct dp_esp_op ops[CHUNK];
	uint16_t idx[CHUNK], nops = 0;
	uint64_t hits = 0;

	uint16_t nk = 0, ki[CHUNK];

	/*
	 * A backplane burst usually carries one or a few SAs: look up each run
	 * of equal SPIs once (ki[i] = the key of packet i).
	 */
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *esp = rte_pktmbuf_mtod_offset(pk[i].m, const uint8_t *,
							     L2_LEN + pk[i].l3_len);
		rte_be32_t spi;

		pk[i].ok = 0;
		memcpy(&spi, esp, 4);
		if (nk == 0 || keys[nk - 1].spi != spi) {
			keys[nk].spi = spi;
			keys[nk].dir = DP_ESP_IN;
			kp[nk] = &keys[nk];
			nk++;
		}
		ki[i] = (uint16_t)(nk - 1);
	}
	if (t->hash != NULL && rte_hash_lookup_bulk_data(t->hash, kp, nk, &hits, data) < 0)
		hits = 0;
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *l3 = rte_pktmbuf_mtod_offset(pk[i].m, const uint8_t *, L2_LEN);
		const uint8_t *src, *dst;
		const struct dp_esp_sa *sa = NULL;
		struct dp_esp_slot *s = NULL;
		uint32_t slot = DP_ESP_SA_NONE;

		if (hits & (1ULL << ki[i])) {
			slot = (uint32_t)(uintptr_t)data[ki[i]];
			s = &t->slots[slot];
			sa = __atomic_load_n(&s->sa, __ATOMIC_ACQUIRE);
		}
		if (sa == NULL) {
			ls->drop[DP_ESP_DROP_WRONG_SPI]++;
			continue;
		}
		ip_addrs(l3, pk[i].family, &src, &dst);
		if (sa->family != pk[i].family || !addr_eq(dst, sa->local, pk[i].family) ||
		    !addr_eq(src, sa->remote, pk[i].family)) {
			ls->drop[DP_ESP_DROP_ADDR]++;
			continue;
		}
		if (sa_expired(sa, &s->st, now)) {
			s->st.stats.expired++;
			ls->drop[DP_ESP_DROP_EXPIRED]++;
			continue;
		}
		pk[i].slot = slot;
		ops[nops] = (struct dp_esp_op){
			.esp = (uint8_t *)l3 + pk[i].l3_len,
			.len = (uint16_t)ip_payload_len(l3, pk[i].family, pk[i].l3_len),
			.sa = sa,
			.st = &s->st,
		};
		idx[nops++] = i;
	}
	if (nops == 0)
		return;
	dp_esp_decrypt_burst(mb, ops, nops);
	for (uint16_t j = 0; j < nops; j++) {
		struct dp_esp_pkt *p = &pk[idx[j]];
		struct rte_mbuf *m = p->m;
		unsigned int hl;
		uint8_t *f;

		if (ops[j].status != DP_ESP_OK) {
			ls->drop[status_drop(ops[j].status)]++;
			continue;
		}
		/* RFC 4303 §2.6: only UDP is carried here; 59 (dummy) is dropped silently. */
		if (ops[j].next_header != IPPROTO_UDP) {
			ops[j].st->stats.other++;
			ls->drop[DP_ESP_DROP_INNER_PROTO]++;
			continue;
		}
		hl = dp_esp_hdr_len(ops[j].sa);
		f = rte_pktmbuf_mtod(m, uint8_t *);
		move_headers(f + hl, f, L2_LEN + p->l3_len);
		m->data_off = (uint16_t)(m->data_off + hl);
		m->data_len = (uint16_t)(L2_LEN + p->l3_len + ops[j].len);
		m->pkt_len = m->data_len;
		ip_set(f + hl + L2_LEN, p->family, p->l3_len, IPPROTO_UDP, ops[j].len);
		p->ok = 1;
		ls->rx++;
	}
}

void
dp_esp_node_decap(struct dp_esp_table *t, IMB_MGR *mb, uint64_t now, struct dp_esp_pkt *pk,
		  uint16_t n, struct dp_esp_lstats *ls)
{
	for (uint16_t base = 0; base < n; base += CHUNK)
		decap_chunk(t, mb, now, pk + base, (uint16_t)RTE_MIN(n - base, CHUNK), ls);
}

static void
encap_chunk(struct dp_esp_table *t, IMB_MGR *mb, uint64_t now, struct dp_esp_pkt *pk,
	    uint16_t n, struct dp_esp_lstats *ls)
{
	struct dp_esp_op ops[CHUNK];
	uint16_t idx[CHUNK], nops = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pk[i].m;
		const struct dp_esp_sa *sa = NULL;
		struct dp_esp_slot *s = NULL;
		const uint8_t *src, *dst;
		unsigned int hl;
		uint8_t *f;
		uint16_t ulen;

		pk[i].ok = 0;
		if (pk[i].slot < t->max) {
			s = &t->slots[pk[i].slot];
			sa = __atomic_load_n(&s->sa, __ATOMIC_ACQUIRE);
		}
		if (sa == NULL || sa->dir != DP_ESP_OUT) {
			ls->drop[DP_ESP_DROP_NO_SA]++;
			continue;
		}
		ip_addrs(rte_pktmbuf_mtod_offset(m, const uint8_t *, L2_LEN), pk[i].family, &src,
			 &dst);
		if (sa->family != pk[i].family || !addr_eq(src, sa->local, pk[i].family) ||
		    !addr_eq(dst, sa->remote, pk[i].family)) {
			ls->drop[DP_ESP_DROP_ADDR]++;
			continue;
		}
		if (sa_expired(sa, &s->st, now)) {
			__atomic_fetch_add(&s->st.stats.expired, 1, __ATOMIC_RELAXED);
			ls->drop[DP_ESP_DROP_EXPIRED]++;
			continue;
		}
		hl = dp_esp_hdr_len(sa);
		if (rte_pktmbuf_headroom(m) < hl || rte_pktmbuf_tailroom(m) < DP_ESP_MAX_TRAILER ||
		    m->nb_segs != 1) {
			ls->drop[DP_ESP_DROP_ROOM]++;
			continue;
		}
		ulen = (uint16_t)(m->data_len - L2_LEN - pk[i].l3_len);
		f = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)hl);
		move_headers(f, f + hl, L2_LEN + pk[i].l3_len);
		ops[nops] = (struct dp_esp_op){
			.esp = f + L2_LEN + pk[i].l3_len,
			.len = ulen,
			.room = (uint16_t)RTE_MIN((uintptr_t)m->buf_addr + m->buf_len -
							  (uintptr_t)(f + L2_LEN + pk[i].l3_len),
						  (uintptr_t)UINT16_MAX),
			.next_header = IPPROTO_UDP,
			.sa = sa,
			.st = &s->st,
		};
		idx[nops++] = i;
	}
	if (nops == 0)
		return;
	dp_esp_encrypt_burst(mb, ops, nops);
	for (uint16_t j = 0; j < nops; j++) {
		struct dp_esp_pkt *p = &pk[idx[j]];
		struct rte_mbuf *m = p->m;

		if (ops[j].status != DP_ESP_OK) {
			ls->drop[status_drop(ops[j].status)]++;
			continue;
		}
		m->data_len = (uint16_t)(L2_LEN + p->l3_len + ops[j].len);
		m->pkt_len = m->data_len;
		ip_set(rte_pktmbuf_mtod_offset(m, uint8_t *, L2_LEN), p->family, p->l3_len,
		       IPPROTO_ESP, ops[j].len);
		p->ok = 1;
		ls->tx++;
	}
}

void
dp_esp_node_encap(struct dp_esp_table *t, IMB_MGR *mb, uint64_t now, struct dp_esp_pkt *pk,
		  uint16_t n, struct dp_esp_lstats *ls)
{
	for (uint16_t base = 0; base < n; base += CHUNK)
		encap_chunk(t, mb, now, pk + base, (uint16_t)RTE_MIN(n - base, CHUNK), ls);
}
