/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * bench_srtp.c - SRTP protect/unprotect throughput, Tessera (dp_srtp, bursts
 * of 32 on ipsec-mb) against libsrtp2 (srtp_protect/srtp_unprotect as packaged).
 *
 * 200-byte RTP packets (12-byte header + 188 payload), 1000 streams with
 * their own keys and state, packets taken round robin over the streams.
 * Packets sit in a store of STORE_PKTS buffers; between timed passes the
 * store is refilled untimed (fresh headers for protect, freshly protected
 * packets for unprotect), so both implementations see the same memory
 * footprint. Each figure runs for about one second of timed work and prints:
 *   BENCH srtp_protect_aescm80 impl=tessera mops=9.8 ns_per_pkt=102
 * No assertion on speed; a packet that fails is an error (exit 1).
 *
 * Context: standalone program, single thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srtp2/srtp.h>

#include "dp_srtp.h"

#define N_STREAMS 1000
#define BURST 32
#define PKT_LEN 200
#define HDR_LEN 12
#define BUF_LEN 256 /* >= PKT_LEN + SRTP_MAX_TRAILER_LEN for libsrtp2 */
#define STORE_PKTS 8192
#define RUN_NS 1000000000ull

struct suite_def {
	enum dp_srtp_suite suite;
	const char *tag;
};

static const struct suite_def suite_defs[] = {
	{ DP_SRTP_AES_CM_128_HMAC_SHA1_80, "aescm80" },
	{ DP_SRTP_AES_CM_128_HMAC_SHA1_32, "aescm32" },
	{ DP_SRTP_AEAD_AES_128_GCM, "aesgcm128" },
	{ DP_SRTP_AEAD_AES_256_GCM, "aesgcm256" },
};

struct bench {
	const struct suite_def *def;
	IMB_MGR *mgr;
	struct dp_srtp_session *sess; /* [N_STREAMS], one per stream, both directions */
	struct dp_srtp_state *tx_st;
	struct dp_srtp_state *rx_st;
	srtp_t lib_tx[N_STREAMS];
	srtp_t lib_rx[N_STREAMS];
	uint16_t seq[N_STREAMS];
	uint8_t key[N_STREAMS][DP_SRTP_MAX_MASTER_KEY + DP_SRTP_MAX_MASTER_SALT];
	uint8_t (*store)[BUF_LEN];
	uint16_t len[STORE_PKTS];
	uint16_t stream[STORE_PKTS];
	unsigned int cursor; /* next stream, round robin */
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_srtp: %s\n", what);
	exit(1);
}

/* Untimed: give every store slot a fresh plaintext RTP packet of the next stream. */
static void
store_fill_plain(struct bench *b)
{
	for (unsigned int i = 0; i < STORE_PKTS; i++) {
		unsigned int j = b->cursor;
		uint8_t *p = b->store[i];
		uint16_t seq = b->seq[j]++;
		uint32_t ssrc = 0x10000000u + j;

		b->cursor = (b->cursor + 1) % N_STREAMS;
		p[0] = 0x80;
		p[1] = 96;
		p[2] = (uint8_t)(seq >> 8);
		p[3] = (uint8_t)seq;
		memset(p + 4, 0, 4);
		p[8] = (uint8_t)(ssrc >> 24);
		p[9] = (uint8_t)(ssrc >> 16);
		p[10] = (uint8_t)(ssrc >> 8);
		p[11] = (uint8_t)ssrc;
		b->len[i] = PKT_LEN;
		b->stream[i] = (uint16_t)j;
	}
}

static void
ours_protect_store(struct bench *b)
{
	struct dp_srtp_op ops[BURST];

	for (unsigned int i = 0; i < STORE_PKTS; i += BURST) {
		for (unsigned int k = 0; k < BURST; k++) {
			unsigned int j = b->stream[i + k];

			ops[k] = (struct dp_srtp_op){ .pkt = b->store[i + k], .len = b->len[i + k],
						      .room = BUF_LEN, .sess = &b->sess[j],
						      .st = &b->tx_st[j] };
		}
		if (dp_srtp_protect_burst(b->mgr, ops, BURST) != BURST)
			die("tessera protect failed");
		for (unsigned int k = 0; k < BURST; k++)
			b->len[i + k] = ops[k].len;
	}
}

static void
ours_unprotect_store(struct bench *b)
{
	struct dp_srtp_op ops[BURST];

	for (unsigned int i = 0; i < STORE_PKTS; i += BURST) {
		for (unsigned int k = 0; k < BURST; k++) {
			unsigned int j = b->stream[i + k];

			ops[k] = (struct dp_srtp_op){ .pkt = b->store[i + k], .len = b->len[i + k],
						      .room = BUF_LEN, .sess = &b->sess[j],
						      .st = &b->rx_st[j] };
		}
		if (dp_srtp_unprotect_burst(b->mgr, ops, BURST) != BURST)
			die("tessera unprotect failed");
	}
}

static void
lib_protect_store(struct bench *b)
{
	for (unsigned int i = 0; i < STORE_PKTS; i++) {
		int len = b->len[i];

		if (srtp_protect(b->lib_tx[b->stream[i]], b->store[i], &len) != srtp_err_status_ok)
			die("libsrtp2 protect failed");
		b->len[i] = (uint16_t)len;
	}
}

static void
lib_unprotect_store(struct bench *b)
{
	for (unsigned int i = 0; i < STORE_PKTS; i++) {
		int len = b->len[i];

		if (srtp_unprotect(b->lib_rx[b->stream[i]], b->store[i], &len) !=
		    srtp_err_status_ok)
			die("libsrtp2 unprotect failed");
	}
}

static void
report(const struct bench *b, const char *op, const char *impl, uint64_t pkts, uint64_t ns)
{
	double mops = ns ? (double)pkts * 1e3 / (double)ns : 0.0;

	printf("BENCH srtp_%s_%s impl=%s mops=%.1f ns_per_pkt=%.0f\n", op, b->def->tag, impl,
	       mops, pkts ? (double)ns / (double)pkts : 0.0);
	fflush(stdout);
}

/* Time @p timed over store-sized passes, each after an untimed @p prep. */
static void
run(struct bench *b, const char *op, const char *impl, void (*prep)(struct bench *),
    void (*prep2)(struct bench *), void (*timed)(struct bench *))
{
	uint64_t ns = 0, pkts = 0;

	while (ns < RUN_NS) {
		uint64_t t0;

		prep(b);
		if (prep2 != NULL)
			prep2(b);
		t0 = now_ns();
		timed(b);
		ns += now_ns() - t0;
		pkts += STORE_PKTS;
	}
	report(b, op, impl, pkts, ns);
}

static void
lib_policy(enum dp_srtp_suite suite, srtp_policy_t *p)
{
	switch (suite) {
	case DP_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_rtp_default(&p->rtp);
		srtp_crypto_policy_set_rtp_default(&p->rtcp);
		break;
	case DP_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_rtp_default(&p->rtcp);
		break;
	case DP_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		break;
	default:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		break;
	}
}

/*
 * Fresh sender and receiver state for every stream before each figure, so
 * that a receiver never starts after its sender has wrapped (unknown ROC).
 */
static void
streams_reset(struct bench *b)
{
	for (unsigned int j = 0; j < N_STREAMS; j++) {
		srtp_policy_t p;

		dp_srtp_state_reset(&b->tx_st[j]);
		dp_srtp_state_reset(&b->rx_st[j]);
		if (b->lib_tx[j] != NULL) {
			srtp_dealloc(b->lib_tx[j]);
			srtp_dealloc(b->lib_rx[j]);
		}
		memset(&p, 0, sizeof(p));
		lib_policy(b->def->suite, &p);
		p.ssrc.type = ssrc_specific;
		p.ssrc.value = 0x10000000u + j;
		p.key = b->key[j];
		p.window_size = 128;
		if (srtp_create(&b->lib_tx[j], &p) != srtp_err_status_ok ||
		    srtp_create(&b->lib_rx[j], &p) != srtp_err_status_ok)
			die("srtp_create failed");
	}
}

static void
bench_suite(IMB_MGR *mgr, const struct suite_def *def)
{
	struct bench *b = calloc(1, sizeof(*b));
	size_t kl = dp_srtp_suite_key_len(def->suite), sl = dp_srtp_suite_salt_len(def->suite);

	if (b == NULL)
		die("out of memory");
	b->def = def;
	b->mgr = mgr;
	b->sess = aligned_alloc(64, sizeof(*b->sess) * N_STREAMS);
	b->tx_st = calloc(N_STREAMS, sizeof(*b->tx_st));
	b->rx_st = calloc(N_STREAMS, sizeof(*b->rx_st));
	b->store = aligned_alloc(64, (size_t)STORE_PKTS * BUF_LEN);
	if (b->sess == NULL || b->tx_st == NULL || b->rx_st == NULL || b->store == NULL)
		die("out of memory");
	memset(b->store, 0xab, (size_t)STORE_PKTS * BUF_LEN);

	for (unsigned int j = 0; j < N_STREAMS; j++) {
		/* key buffer = master key || master salt, as libsrtp2 wants it */
		for (size_t i = 0; i < kl + sl; i++)
			b->key[j][i] = (uint8_t)rand();
		if (dp_srtp_session_init(&b->sess[j], mgr, def->suite, b->key[j], kl,
					 b->key[j] + kl, sl) != 0)
			die("dp_srtp_session_init failed");
		b->seq[j] = (uint16_t)rand();
	}

	streams_reset(b);
	run(b, "protect", "tessera", store_fill_plain, NULL, ours_protect_store);
	streams_reset(b);
	run(b, "protect", "libsrtp2", store_fill_plain, NULL, lib_protect_store);
	streams_reset(b);
	run(b, "unprotect", "tessera", store_fill_plain, ours_protect_store, ours_unprotect_store);
	streams_reset(b);
	run(b, "unprotect", "libsrtp2", store_fill_plain, lib_protect_store, lib_unprotect_store);

	for (unsigned int j = 0; j < N_STREAMS; j++) {
		dp_srtp_session_fini(&b->sess[j]);
		srtp_dealloc(b->lib_tx[j]);
		srtp_dealloc(b->lib_rx[j]);
	}
	free(b->sess);
	free(b->tx_st);
	free(b->rx_st);
	free(b->store);
	free(b);
}

int
main(void)
{
	IMB_MGR *mgr;

	if (dp_srtp_mgr_create(&mgr) != 0)
		die("dp_srtp_mgr_create failed");
	if (srtp_init() != srtp_err_status_ok)
		die("srtp_init failed");
	srand(1);
	printf("# bench_srtp: %d-byte RTP, %d streams round robin, tessera bursts of %d, "
	       "ipsec-mb %s, %s\n", PKT_LEN, N_STREAMS, BURST, imb_get_version_str(),
	       srtp_get_version_string());
	for (size_t i = 0; i < sizeof(suite_defs) / sizeof(suite_defs[0]); i++)
		bench_suite(mgr, &suite_defs[i]);
	srtp_shutdown();
	dp_srtp_mgr_destroy(mgr);
	return 0;
}
