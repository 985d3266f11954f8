/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * fuzz_dp_pkt.c - libFuzzer target for the wire RX path: classification,
 * ARP/ICMP/ND handling, RTP/RTCP validation, SRTP/SRTCP unprotect and the
 * re-keying relay.
 *
 * The first input byte picks the mode: 0 feeds the rest as a raw Ethernet
 * frame; any other value wraps the rest as the UDP payload of a datagram to
 * one of the configured streams (plain, AES-CM, GCM, non-muxed RTCP, IPv6, a
 * conference participant whose packets the worker decodes and mixes),
 * so the fuzzer reaches the media code without having to guess headers.
 * After each input every mbuf must be back in the pool.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_fixture.h"
#include "dp_node.h"

static struct dp_main *dm;
static struct dp_lcore_ctx *lc;

static const uint16_t ports[] = {40000, 40010, 40020, 40030, 40031, 40040, 40050};
static uint64_t now_tsc;

static uint32_t
add(uint16_t port, int family, enum dp_srtp_suite in, enum dp_srtp_suite out, uint32_t relay,
    bool mux)
{
	int id;

	struct dp_stream_params p;

	memset(&p, 0, sizeof(p));
	p.local.family = (uint8_t)family;
	if (family == AF_INET)
		inet_pton(AF_INET, "198.18.0.1", p.local.addr);
	else
		inet_pton(AF_INET6, "2001:2::1", p.local.addr);
	p.local.port = rte_cpu_to_be_16(port);
	p.remote.family = (uint8_t)family;
	if (family == AF_INET)
		inet_pton(AF_INET, "198.18.0.12", p.remote.addr);
	else
		inet_pton(AF_INET6, "2001:2::12", p.remote.addr);
	p.remote.port = rte_cpu_to_be_16(5004);
	p.latch = true;
	p.rtcp_mux = mux;
	p.relay_to = relay;
	p.in_suite = in;
	p.out_suite = out;
	for (int i = 0; i < 46; i++)
		p.in_key[i] = p.out_key[i] = (uint8_t)(i * 7 + port);
	id = dp_flow_stream_add(&dm->flows, &p);
	if (id < 0)
		abort();
	return (uint32_t)id;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

static void
cleanup(void)
{
	dp_fixture_destroy(dm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x12};

	(void)argc;
	(void)argv;
	if (dp_fixture_create(64, 1023, &dm, &lc) < 0)
		abort();
	dm->tap_port = 1;
	dp_fixture_neigh(dm, "198.18.0.12", mac);
	dp_fixture_neigh(dm, "2001:2::12", mac);
	/* 0: sink; relays into it from every suite. */
	add(40002, AF_INET, DP_SRTP_NULL, DP_SRTP_AEAD_AES_128_GCM, DP_STREAM_NONE, true);
	add(40000, AF_INET, DP_SRTP_NULL, DP_SRTP_NULL, 0, true);
	add(40010, AF_INET, DP_SRTP_AES_CM_128_HMAC_SHA1_80, DP_SRTP_NULL, 0, true);
	add(40020, AF_INET, DP_SRTP_AEAD_AES_256_GCM, DP_SRTP_NULL, 0, true);
	add(40030, AF_INET, DP_SRTP_AES_CM_128_HMAC_SHA1_32, DP_SRTP_NULL, 0, false);
	add(40042, AF_INET6, DP_SRTP_NULL, DP_SRTP_AES_CM_128_HMAC_SHA1_32, DP_STREAM_NONE, true);
	add(40040, AF_INET6, DP_SRTP_AEAD_AES_128_GCM, DP_SRTP_NULL, 5, true);
	/* A conference participant (PCMU): media goes to the worker and its engine. */
	{
		struct dp_conf_part_params pp = {.codec = CODEC_PCMU, .pt = 0, .dtmf_pt = 101,
						 .role = CODEC_ROLE_HOST};

		pp.stream_id = add(40050, AF_INET, DP_SRTP_NULL, DP_SRTP_NULL, DP_STREAM_NONE, true);

		if (dp_conf_create(dm, 4, 3) != 0 || dp_conf_attach(dm, 0, &pp) != 0)
			abort();
	}
	now_tsc = rte_rdtsc();
	atexit(cleanup);
	return 0;
}

/* Ethernet + IPv6 + UDP around @p payload. */
static uint16_t
udp6(uint8_t *buf, uint16_t port, const uint8_t *payload, uint16_t plen)
{
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(buf + 14);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip6 + 1);

	memset(buf, 0, 14 + 40 + 8);
	buf[0] = 0x02;
	buf[5] = 1;
	buf[12] = 0x86;
	buf[13] = 0xdd;
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(8 + plen);
	ip6->proto = IPPROTO_UDP;
	ip6->hop_limits = 64;
	inet_pton(AF_INET6, "2001:2::11", ip6->src_addr);
	inet_pton(AF_INET6, "2001:2::1", ip6->dst_addr);
	udp->src_port = RTE_BE16(5002);
	udp->dst_port = rte_cpu_to_be_16(port);
	udp->dgram_len = rte_cpu_to_be_16(8 + plen);
	memcpy(udp + 1, payload, plen);
	return 14 + 40 + 8 + plen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[1600];
	struct dp_node_out out;
	struct rte_mbuf *m;
	uint16_t len;

	if (size < 1 || size > 1400)
		return 0;
	if (data[0] == 0) {
		len = (uint16_t)(size - 1);
		memcpy(frame, data + 1, len);
	} else {
		uint16_t port = ports[data[0] % (sizeof(ports) / sizeof(ports[0]))];

		if (port == 40040)
			len = udp6(frame, port, data + 1, (uint16_t)(size - 1));
		else
			len = dp_fixture_udp4(frame, sizeof(frame), "198.18.0.11",
					      (uint16_t)(port == 40031 ? 5003 : 5002),
					      "198.18.0.1", port, data + 1, (uint16_t)(size - 1));
	}
	m = dp_fixture_mbuf(dm, frame, len);
	if (m == NULL)
		abort();
	dp_node_wire_rx(lc, &m, 1, &out);
	rte_pktmbuf_free_bulk(out.wire, out.n_wire);
	rte_pktmbuf_free_bulk(out.tap, out.n_tap);
	{
		struct rte_mbuf *tx[64];
		uint16_t ntx = 0;

		/* One conference tick per input, on a simulated clock. */
		now_tsc += rte_get_tsc_hz() / 50;
		dp_worker_poll(lc, now_tsc, tx, RTE_DIM(tx), &ntx);
		rte_pktmbuf_free_bulk(tx, ntx);
	}
	if (rte_mempool_in_use_count(dm->pool) != 0)
		abort(); /* an mbuf leaked on some path */
	return 0;
}
