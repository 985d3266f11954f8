/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * fuzz_dp_esp.c - libFuzzer target for the ESP input path: classification
 * of protocol 50, bulk SA lookup, address and lifetime checks, ESN
 * inference, anti-replay window, decryption and ICV check, padding and next
 * header checks, decapsulation, re-classification of the inner UDP and the
 * relay out through an outbound SA.
 *
 * The first input byte picks the mode:
 *   0      the rest is the ESP part of an IPv4 datagram from the SAs' peer
 *          (SPI, sequence number, IV, ciphertext, ICV as given);
 *   1      the same in IPv6;
 *   2..255 the rest is the plaintext (inner UDP datagram, any bytes) that
 *          a valid peer seals under SA (byte % 3: GCM with ESN, CBC+HMAC
 *          without ESN, GCM over IPv6) with the next header and sequence
 *          jump taken from the byte, so the fuzzer gets past the ICV; bit
 *          0x80 flips one bit of the sealed packet afterwards.
 * After each input every mbuf must be back in the pool.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_fixture.h"
#include "dp_node.h"

static struct dp_main *dm;
static struct dp_lcore_ctx *lc;
static IMB_MGR *peer_mb;

/* Peer-side copies of the inbound SAs (same keys), with their own sequence state. */
static struct dp_esp_sa peer_sa[3];
static struct dp_esp_state peer_st[3];

static const uint8_t key[32] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19};
static const uint8_t salt[4] = {0xca, 0xfe, 0xba, 0xbe};
static const uint8_t auth_key[64] = {0x55, 0xaa};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
add_sa(uint32_t spi, enum dp_esp_dir dir, enum dp_esp_cipher c, bool esn, uint16_t window,
       bool v6, int peer)
{
	struct dp_esp_sa_params p = {
		.spi = spi,
		.dir = dir,
		.keys = {.cipher = c, .key = key, .key_len = 32,
			 .salt = c == DP_ESP_AES_GCM ? salt : NULL,
			 .auth_key = c == DP_ESP_AES_GCM ? NULL : auth_key},
		.esn = esn,
		.window = window,
		.family = v6 ? AF_INET6 : AF_INET,
		.life_bytes = 1u << 30,
	};

	inet_pton(p.family, v6 ? "2001:2::1" : "198.18.0.1", p.local);
	inet_pton(p.family, v6 ? "2001:2::21" : "198.18.0.21", p.remote);
	if (dp_esp_sa_add(&dm->esp, &p) < 0)
		abort();
	if (peer >= 0) {
		peer_sa[peer].spi = spi;
		peer_sa[peer].esn = esn;
		peer_sa[peer].window = window;
		if (dp_esp_sa_init(&peer_sa[peer], peer_mb, &p.keys) < 0)
			abort();
	}
}

static void
add_stream(uint16_t port, int family, uint32_t relay, int esp_slot)
{
	struct dp_stream_params p;

	memset(&p, 0, sizeof(p));
	p.local.family = (uint8_t)family;
	p.local.port = rte_cpu_to_be_16(port);
	p.remote.family = (uint8_t)family;
	p.remote.port = rte_cpu_to_be_16(6000);
	inet_pton(family, family == AF_INET ? "198.18.0.1" : "2001:2::1", p.local.addr);
	inet_pton(family, family == AF_INET ? "198.18.0.21" : "2001:2::21", p.remote.addr);
	p.latch = false;
	p.rtcp_mux = true;
	p.relay_to = relay;
	if (esp_slot >= 0) {
		p.esp_out = true;
		p.esp_slot = (uint32_t)esp_slot;
	}
	if (dp_flow_stream_add(&dm->flows, &p) < 0)
		abort();
}

static void
cleanup(void)
{
	for (int i = 0; i < 3; i++)
		dp_esp_sa_fini(&peer_sa[i]);
	dp_srtp_mgr_destroy(peer_mb);
	dp_fixture_destroy(dm);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x21};

	(void)argc;
	(void)argv;
	if (dp_fixture_create(16, 1023, &dm, &lc) < 0 || dp_srtp_mgr_create(&peer_mb) < 0)
		abort();
	dm->tap_port = 1;
	dp_fixture_neigh(dm, "198.18.0.21", mac);
	dp_fixture_neigh(dm, "2001:2::21", mac);
	add_sa(0x1001, DP_ESP_IN, DP_ESP_AES_GCM, true, 1024, false, 0);
	add_sa(0x1002, DP_ESP_IN, DP_ESP_AES_CBC_HMAC_SHA512, false, 64, false, 1);
	add_sa(0x1003, DP_ESP_IN, DP_ESP_AES_GCM, true, 1024, true, 2);
	add_sa(0x2001, DP_ESP_OUT, DP_ESP_AES_CBC_HMAC_SHA512, true, 1024, false, -1);
	add_sa(0x2002, DP_ESP_OUT, DP_ESP_AES_GCM, false, 1024, true, -1);
	/* :40002 sends through SA 0x2001 (slot 3); :40000 relays to it. v6 likewise. */
	add_stream(40002, AF_INET, DP_STREAM_NONE, 3);
	add_stream(40000, AF_INET, 0, -1);
	add_stream(40012, AF_INET6, DP_STREAM_NONE, 4);
	add_stream(40010, AF_INET6, 2, -1);
	atexit(cleanup);
	return 0;
}

/* Ethernet + IP (protocol 50) header for @p esp_len octets of ESP. @return header length. */
static uint16_t
outer(uint8_t *f, bool v6, uint16_t esp_len)
{
	memset(f, 0, 14 + 40);
	f[0] = 0x02;
	f[5] = 0x01;
	f[6] = 0x02;
	f[11] = 0x21;
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + 14);

		f[12] = 0x86;
		f[13] = 0xdd;
		ip6->vtc_flow = RTE_BE32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(esp_len);
		ip6->proto = IPPROTO_ESP;
		ip6->hop_limits = 64;
		inet_pton(AF_INET6, "2001:2::21", ip6->src_addr);
		inet_pton(AF_INET6, "2001:2::1", ip6->dst_addr);
		return 14 + 40;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

		f[12] = 0x08;
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + esp_len));
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_ESP;
		inet_pton(AF_INET, "198.18.0.21", &ip->src_addr);
		inet_pton(AF_INET, "198.18.0.1", &ip->dst_addr);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		return 14 + 20;
	}
}

/* Seal @p pt as peer @p k would, with @p nh; @return the frame length (0 = refused). */
static uint16_t
sealed(uint8_t *f, int k, const uint8_t *pt, uint16_t plen, uint8_t nh, uint8_t jump)
{
	bool v6 = k == 2;
	uint16_t hl = v6 ? 14 + 40 : 14 + 20;
	struct dp_esp_op op = {
		.esp = f + hl, .len = plen, .room = 1500, .next_header = nh,
		.sa = &peer_sa[k], .st = &peer_st[k],
	};

	memcpy(f + hl + dp_esp_hdr_len(&peer_sa[k]), pt, plen);
	/* Sequence jumps exercise the window and ESN inference (also across 2^32). */
	peer_st[k].seq += (uint64_t)jump << (jump & 1 ? 24 : 2);
	if (!peer_sa[k].esn && peer_st[k].seq > UINT32_MAX - 1000)
		peer_st[k].seq = 0;
	if (dp_esp_encrypt_burst(peer_mb, &op, 1) != 1)
		return 0;
	outer(f, v6, op.len);
	return (uint16_t)(hl + op.len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[1700];
	struct dp_node_out out;
	struct rte_mbuf *m;
	uint16_t len;

	if (size < 2 || size > 1400)
		return 0;
	if (data[0] < 2) {
		uint16_t hl = outer(frame, data[0] == 1, (uint16_t)(size - 1));

		memcpy(frame + hl, data + 1, size - 1);
		len = (uint16_t)(hl + size - 1);
	} else {
		static const uint8_t nhs[4] = {IPPROTO_UDP, IPPROTO_UDP, IPPROTO_TCP, 59};
		int k = data[0] % 3;

		len = sealed(frame, k, data + 2, (uint16_t)(size - 2), nhs[(data[0] >> 2) & 3],
			     data[1]);
		if (len == 0)
			return 0;
		if (data[0] & 0x80)
			frame[14 + (data[1] % (len - 14))] ^= (uint8_t)(1u << (data[0] & 7));
	}
	m = dp_fixture_mbuf(dm, frame, len);
	if (m == NULL)
		abort();
	dp_node_wire_rx(lc, &m, 1, &out);
	rte_pktmbuf_free_bulk(out.wire, out.n_wire);
	rte_pktmbuf_free_bulk(out.tap, out.n_tap);
	if (rte_mempool_in_use_count(dm->pool) != 0)
		abort(); /* an mbuf leaked on some path */
	return 0;
}
