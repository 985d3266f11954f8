/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * bench_esp.c - ESP encapsulation and decapsulation on one lcore, against
 * the raw ipsec-mb throughput of the same cipher on the same sizes.
 *
 * For each cipher (aes256gcm, aes256cbc-hmacsha512) and size (200 and
 * 1400-octet UDP payloads, i.e. the RTP packets of a backplane stream):
 *  - enc: bursts of 32 Ethernet/IPv4/UDP frames through dp_esp_node_encap()
 *    (SA checks, header move, sequence numbers, padding, one encrypt burst,
 *    IP header rewrite), as the emit stage of the packet path calls it;
 *  - dec: bursts of 32 ESP frames through dp_esp_node_decap() (bulk SA
 *    lookup by SPI, address and lifetime checks, ESN inference, replay
 *    window, decrypt and ICV check, padding check, header move);
 *  - raw: the same number of ipsec-mb jobs of the same cipher, key size and
 *    length (payload + UDP header + ESP trailer; AAD for GCM, the truncated
 *    HMAC for CBC), submitted in bursts of 32 and flushed, with nothing
 *    else: the ceiling for this machine.
 * Only the transform calls are timed; every burst is refilled (and, for
 * dec, sealed with a fresh sequence number by the untimed sender) outside
 * the timed region. The ESP and raw figures are measured in 8 interleaved
 * slices each and the best slice of each is reported, so a burst of other
 * load on a shared machine does not land on one side of the ratio only.
 *
 * Prints, per case:
 *   BENCH esp_<cipher>_<enc|dec>_<size> mpps=.. gbps=.. raw_mpps=.. raw_gbps=.. ratio=..
 * where gbps counts the UDP payload octets and ratio = mpps / raw_mpps.
 * Usage: bench_esp [seconds per figure, default 1] [case, e.g. gcm_enc_1400]
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ip.h>

#include "dp_fixture.h"

#define BURST 32
#define SLICES 8

static double seconds = 1.0;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct bench {
	struct dp_main *dm;
	struct dp_lcore_ctx *lc;
	uint8_t frame[2048];
	uint16_t frame_len;
	uint32_t out_slot, in_slot;
};

static int
add_sa(struct bench *b, enum dp_esp_cipher c, enum dp_esp_dir dir)
{
	static const uint8_t key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
			     salt[4] = {9, 8, 7, 6}, akey[64] = {42};
	struct dp_esp_sa_params p = {
		.spi = 0x1000 + c,
		.dir = dir,
		.keys = {.cipher = c, .key = key, .key_len = 32,
			 .salt = c == DP_ESP_AES_GCM ? salt : NULL,
			 .auth_key = c == DP_ESP_AES_GCM ? NULL : akey},
		.esn = true,
		.window = DP_ESP_REPLAY_MAX,
		.family = AF_INET,
	};

	/* A loop through the node: local and remote are both the node's address. */
	inet_pton(AF_INET, "198.18.0.1", p.local);
	inet_pton(AF_INET, "198.18.0.1", p.remote);
	return dp_esp_sa_add(&b->dm->esp, &p);
}

static void
fill(struct bench *b, struct rte_mbuf **m, struct dp_esp_pkt *pk, uint32_t slot)
{
	for (int i = 0; i < BURST; i++) {
		rte_pktmbuf_reset(m[i]);
		memcpy(rte_pktmbuf_append(m[i], b->frame_len), b->frame, b->frame_len);
		pk[i] = (struct dp_esp_pkt){.m = m[i], .slot = slot, .l3_len = 20,
					    .family = AF_INET};
	}
}

/* ESP figures: @return packets per second. */
static double
run_esp(struct bench *b, bool dec)
{
	struct rte_mbuf *m[BURST];
	struct dp_esp_pkt pk[BURST];
	uint64_t cycles = 0, pkts = 0, bad = 0;
	double t_end = now() + seconds;

	if (rte_pktmbuf_alloc_bulk(b->dm->pool, m, BURST) != 0)
		return 0;
	while (now() < t_end) {
		for (int rep = 0; rep < 64; rep++) {
			uint64_t t0;

			fill(b, m, pk, b->out_slot);
			if (dec) {
				dp_esp_node_encap(&b->dm->esp, b->lc->mb, 0, pk, BURST,
						  &b->lc->stats.esp);
				for (int i = 0; i < BURST; i++)
					pk[i].slot = 0;
			}
			t0 = rte_rdtsc();
			if (dec)
				dp_esp_node_decap(&b->dm->esp, b->lc->mb, t0, pk, BURST,
						  &b->lc->stats.esp);
			else
				dp_esp_node_encap(&b->dm->esp, b->lc->mb, t0, pk, BURST,
						  &b->lc->stats.esp);
			cycles += rte_rdtsc() - t0;
			for (int i = 0; i < BURST; i++)
				bad += !pk[i].ok;
			pkts += BURST;
		}
	}
	rte_pktmbuf_free_bulk(m, BURST);
	if (bad != 0)
		fprintf(stderr, "bench_esp: %lu packets failed\n", (unsigned long)bad);
	return (double)pkts * rte_get_tsc_hz() / (double)cycles;
}

/* The ceiling: the same jobs on ipsec-mb alone. @return jobs per second. */
static double
run_raw(struct bench *b, enum dp_esp_cipher c, bool dec, uint32_t payload)
{
	const struct dp_esp_sa *sa = dp_esp_sa_lookup(&b->dm->esp, b->out_slot);
	IMB_MGR *mgr = b->lc->mb;
	uint32_t align = c == DP_ESP_AES_GCM ? 4 : 16;
	uint32_t ct = (payload + 8 + 2 + align - 1) & ~(align - 1);
	static uint8_t bufs[BURST][2048] __attribute__((aligned(64)));
	static const uint8_t iv16[16];
	uint8_t nonce[16] = {0}, aad[12] = {0}, tags[BURST][64];
	uint64_t cycles = 0, jobs = 0;
	double t_end = now() + seconds;

	while (now() < t_end) {
		for (int rep = 0; rep < 64; rep++) {
			uint64_t t0 = rte_rdtsc();
			IMB_JOB *job;

			for (int i = 0; i < BURST; i++) {
				job = IMB_GET_NEXT_JOB(mgr);
				job->chain_order = dec ? IMB_ORDER_HASH_CIPHER : IMB_ORDER_CIPHER_HASH;
				job->cipher_direction = dec ? IMB_DIR_DECRYPT : IMB_DIR_ENCRYPT;
				job->key_len_in_bytes = 32;
				job->src = bufs[i];
				job->dst = bufs[i] + 24;
				job->cipher_start_src_offset_in_bytes = 24;
				job->msg_len_to_cipher_in_bytes = ct;
				job->auth_tag_output = tags[i];
				if (c == DP_ESP_AES_GCM) {
					job->cipher_mode = IMB_CIPHER_GCM;
					job->hash_alg = IMB_AUTH_AES_GMAC;
					job->enc_keys = job->dec_keys = &sa->gcm;
					job->hash_start_src_offset_in_bytes = 24;
					job->msg_len_to_hash_in_bytes = ct;
					job->iv = nonce;
					job->iv_len_in_bytes = 12;
					job->auth_tag_output_len_in_bytes = 16;
					job->u.GCM.aad = aad;
					job->u.GCM.aad_len_in_bytes = 12;
				} else {
					job->cipher_mode = IMB_CIPHER_CBC;
					job->hash_alg = IMB_AUTH_HMAC_SHA_512;
					job->enc_keys = sa->cbc.enc_keys;
					job->dec_keys = sa->cbc.dec_keys;
					job->iv = iv16;
					job->iv_len_in_bytes = 16;
					job->hash_start_src_offset_in_bytes = 0;
					job->msg_len_to_hash_in_bytes = 24 + ct + 4;
					job->auth_tag_output_len_in_bytes = 32;
					job->u.HMAC._hashed_auth_key_xor_ipad = sa->cbc.ipad;
					job->u.HMAC._hashed_auth_key_xor_opad = sa->cbc.opad;
				}
				IMB_SUBMIT_JOB(mgr);
				while (IMB_GET_COMPLETED_JOB(mgr) != NULL)
					;
			}
			while (IMB_FLUSH_JOB(mgr) != NULL)
				;
			cycles += rte_rdtsc() - t0;
			jobs += BURST;
		}
	}
	return (double)jobs * rte_get_tsc_hz() / (double)cycles;
}

int
main(int argc, char **argv)
{
	static const enum dp_esp_cipher ciphers[] = {DP_ESP_AES_GCM, DP_ESP_AES_CBC_HMAC_SHA512};
	static const char *const cname[] = {"", "gcm", "cbc"};
	static const uint16_t sizes[] = {200, 1400};
	const char *only = argc > 2 ? argv[2] : NULL;
	struct bench b;

	if (argc > 1)
		seconds = atof(argv[1]);
	seconds /= SLICES;
	memset(&b, 0, sizeof(b));
	if (dp_fixture_create(16, 4095, &b.dm, &b.lc) != 0) {
		fprintf(stderr, "bench_esp: cannot build the fixture\n");
		return 1;
	}
	for (unsigned int ci = 0; ci < 2; ci++) {
		enum dp_esp_cipher c = ciphers[ci];
		int o = add_sa(&b, c, DP_ESP_OUT), in = add_sa(&b, c, DP_ESP_IN);

		if (o < 0 || in < 0) {
			fprintf(stderr, "bench_esp: cannot add the SAs\n");
			return 1;
		}
		b.out_slot = (uint32_t)o;
		b.in_slot = (uint32_t)in;
		for (unsigned int si = 0; si < 2; si++) {
			uint8_t payload[2048];

			memset(payload, 0x5a, sizes[si]);
			payload[0] = 0x80;
			b.frame_len = dp_fixture_udp4(b.frame, sizeof(b.frame), "198.18.0.1", 40000,
						      "198.18.0.1", 40002, payload, sizes[si]);
			for (int dec = 0; dec < 2; dec++) {
				double pps, raw, bits = 8.0 * sizes[si];
				char name[32];

				snprintf(name, sizeof(name), "%s_%s_%u", cname[c], dec ? "dec" : "enc",
					 sizes[si]);
				if (only != NULL && strcmp(only, name) != 0)
					continue;
				pps = raw = 0;
				for (int sl = 0; sl < SLICES; sl++) {
					double x = run_esp(&b, dec), y = run_raw(&b, c, dec, sizes[si]);

					pps = x > pps ? x : pps;
					raw = y > raw ? y : raw;
				}

				printf("BENCH esp_%s mpps=%.2f gbps=%.2f raw_mpps=%.2f "
				       "raw_gbps=%.2f ratio=%.2f\n",
				       name, pps / 1e6,
				       pps * bits / 1e9, raw / 1e6, raw * bits / 1e9, pps / raw);
				fflush(stdout);
			}
		}
	}
	dp_fixture_destroy(b.dm);
	return 0;
}
