/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_esp.c - unit tests of dataplane/esp/dp_esp.c (the ESP transforms).
 *
 * 1. Every vector of esp-vectors/vectors.json (path in argv[1]) bit for bit:
 *    whole ESP packets (draft-mcgrew-gcm-test-01, AES-128/192/256, with and
 *    without ESN; the derived AES-256-CBC + HMAC-SHA-512-256 packet) both
 *    ways, every single-bit flip rejected; the GCM, CBC and HMAC-SHA-512-256
 *    primitives through an SA's key schedules.
 * 2. Round trips with our own IVs for both ciphers, ESN on and off, payload
 *    sizes 0..1400; IVs never repeat.
 * 3. Anti-replay window: duplicates, reordering inside the window, too old,
 *    window sizes, ESN inference across 2^32 (both cases of RFC 4303 A2.2),
 *    sequence gaps, non-ESN exhaustion.
 * 4. Malformed input: short, unaligned, bad padding with a valid ICV.
 *
 * Context: test program, single thread.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "dp_esp.h"
#include "dp_srtp.h"

/* Private helpers of dp_esp.c, for the vectors that are not whole packets. */
int dp_esp_priv_gcm(IMB_MGR *mgr, const struct dp_esp_sa *sa, const uint8_t *iv,
		    const uint8_t *aad, uint32_t aad_len, const uint8_t *in, uint32_t len,
		    uint8_t *out, uint8_t *tag);
int dp_esp_priv_cbc(IMB_MGR *mgr, const struct dp_esp_sa *sa, const uint8_t *iv,
		    const uint8_t *in, uint32_t len, uint8_t *out);
int dp_esp_priv_hmac(IMB_MGR *mgr, const struct dp_esp_sa *sa, const uint8_t *data,
		     uint32_t len, uint8_t *mac);

#define MAX_PKT 2048

static IMB_MGR *mgr;
static const char *vectors_path;
static json_t *vectors;

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t
rnd(void)
{
	/* xorshift64*: deterministic, so every failure reproduces */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void
rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static size_t
jhex(const json_t *v, const char *key, uint8_t *out, size_t max)
{
	const json_t *f = json_object_get(v, key);
	const char *h;
	size_t n;

	assert_non_null(f);
	assert_true(json_is_string(f));
	h = json_string_value(f);
	n = strlen(h) / 2;
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

static uint64_t
be_num(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void
sa_make(struct dp_esp_sa *sa, enum dp_esp_cipher cipher, const uint8_t *key, size_t key_len,
	const uint8_t *salt, const uint8_t *auth_key, uint32_t spi, bool esn, uint16_t window)
{
	struct dp_esp_keys k = {
		.cipher = cipher, .key = key, .key_len = key_len, .salt = salt, .auth_key = auth_key,
	};

	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->esn = esn;
	sa->window = window;
	assert_int_equal(dp_esp_sa_init(sa, mgr, &k), 0);
}

/* Decrypt one packet; @return the status. */
static int
dec1(const struct dp_esp_sa *sa, struct dp_esp_state *st, uint8_t *pkt, uint16_t len,
     struct dp_esp_op *out)
{
	struct dp_esp_op op = {.esp = pkt, .len = len, .sa = sa, .st = st};

	dp_esp_decrypt_burst(mgr, &op, 1);
	if (out != NULL)
		*out = op;
	return op.status;
}

/* Encrypt @p plen octets of payload at pkt + hdr_len; @return the status. */
static int
enc1(const struct dp_esp_sa *sa, struct dp_esp_state *st, uint8_t *pkt, uint16_t plen,
     uint8_t nh, const uint8_t *iv, struct dp_esp_op *out)
{
	struct dp_esp_op op = {.esp = pkt, .len = plen, .room = MAX_PKT, .next_header = nh,
			       .sa = sa, .st = st, .iv = iv};

	dp_esp_encrypt_burst(mgr, &op, 1);
	if (out != NULL)
		*out = op;
	return op.status;
}

/* ---------------------------------------------------------------------- */
/* 1. Vectors */

/* Receiver state in which @p seq is the next new number (its ESN high bits inferred). */
static void
state_before(struct dp_esp_state *st, uint64_t seq)
{
	memset(st, 0, sizeof(*st));
	st->top = seq - 1;
	st->seq = seq - 1; /* sender: seq is the next one handed out */
}

/* Check @p pkt (@p len) decrypts to @p pt, encrypts back from it, and every bit flip fails. */
static void
check_packet(const char *id, const struct dp_esp_sa *sa, uint64_t seq, const uint8_t *iv,
	     const uint8_t *pkt, size_t len, const uint8_t *pt, size_t pt_len)
{
	static uint8_t buf[MAX_PKT];
	struct dp_esp_state st;
	struct dp_esp_op op;
	unsigned int hl = dp_esp_hdr_len(sa);
	uint8_t pad = pt[pt_len - 2], nh = pt[pt_len - 1];
	size_t payload = pt_len - 2 - pad;

	/* Decrypt: the whole plaintext (payload and trailer) bit for bit. */
	state_before(&st, seq);
	memcpy(buf, pkt, len);
	if (dec1(sa, &st, buf, (uint16_t)len, &op) != DP_ESP_OK)
		fail_msg("%s: decrypt status %d", id, op.status);
	assert_memory_equal(buf + hl, pt, pt_len);
	assert_int_equal(op.len, payload);
	assert_int_equal(op.next_header, nh);
	assert_true(op.seq == seq);
	assert_true(st.top == seq);
	assert_int_equal(st.stats.packets, 1);
	/* The same packet again is a replay. */
	memcpy(buf, pkt, len);
	assert_int_equal(dec1(sa, &st, buf, (uint16_t)len, NULL), DP_ESP_E_REPLAY);
	assert_int_equal(st.stats.replay, 1);

	/* Encrypt: payload with the vector's IV and sequence number gives the packet. */
	state_before(&st, seq);
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf + hl, pt, payload);
	if (enc1(sa, &st, buf, (uint16_t)payload, nh, iv, &op) != DP_ESP_OK)
		fail_msg("%s: encrypt status %d", id, op.status);
	assert_int_equal(op.len, len);
	assert_memory_equal(buf, pkt, len);
	assert_true(op.seq == seq);

	/* Every single-bit flip is rejected, and the window does not move. */
	for (size_t bit = 0; bit < len * 8; bit++) {
		int s;

		state_before(&st, seq);
		memcpy(buf, pkt, len);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		s = dec1(sa, &st, buf, (uint16_t)len, NULL);
		if (s == DP_ESP_OK)
			fail_msg("%s: flipped bit %zu accepted", id, bit);
		assert_true(st.top == seq - 1);
	}
}

static void
test_vectors_esp_packets(void **state)
{
	json_t *arr = json_object_get(vectors, "vectors"), *v;
	unsigned int n_gcm = 0, n_gcm256 = 0, n_cbc = 0;
	size_t i;

	(void)state;
	json_array_foreach(arr, i, v) {
		const char *type = json_string_value(json_object_get(v, "type"));
		const char *id = json_string_value(json_object_get(v, "id"));
		uint8_t key[32], salt[4], akey[64], spi[4], seq[8], iv[16], pt[512], pkt[600];
		size_t kl, sl, pl, kn;
		struct dp_esp_sa sa;

		if (strcmp(type, "esp_aes_gcm_rfc4106") == 0) {
			bool esn = json_is_true(json_object_get(v, "esn"));

			kl = jhex(v, "key", key, sizeof(key));
			jhex(v, "salt", salt, sizeof(salt));
			jhex(v, "spi", spi, sizeof(spi));
			sl = jhex(v, "seq", seq, sizeof(seq));
			assert_int_equal(sl, esn ? 8 : 4);
			assert_int_equal(jhex(v, "iv", iv, sizeof(iv)), 8);
			pl = jhex(v, "plaintext", pt, sizeof(pt));
			kn = jhex(v, "esp_packet", pkt, sizeof(pkt));
			/* keymat = key || salt, as ESP receives it (RFC 4106 §8.1) */
			{
				uint8_t km[36];

				assert_int_equal(jhex(v, "keymat", km, sizeof(km)), kl + 4);
				assert_memory_equal(km, key, kl);
				assert_memory_equal(km + kl, salt, 4);
			}
			sa_make(&sa, DP_ESP_AES_GCM, key, kl, salt, NULL, (uint32_t)be_num(spi, 4), esn,
				DP_ESP_REPLAY_MAX);
			check_packet(id, &sa, be_num(seq, sl), iv, pkt, kn, pt, pl);
			dp_esp_sa_fini(&sa);
			n_gcm++;
			n_gcm256 += kl == 32;
		} else if (strcmp(type, "esp_cbc_hmac") == 0) {
			kl = jhex(v, "enc_key", key, sizeof(key));
			assert_int_equal(jhex(v, "auth_key", akey, sizeof(akey)), 64);
			jhex(v, "spi", spi, sizeof(spi));
			sl = jhex(v, "seq", seq, sizeof(seq));
			assert_int_equal(jhex(v, "iv", iv, sizeof(iv)), 16);
			pl = jhex(v, "plaintext", pt, sizeof(pt));
			kn = jhex(v, "esp_packet", pkt, sizeof(pkt));
			assert_int_equal(json_integer_value(json_object_get(v, "icv_len")), 32);
			sa_make(&sa, DP_ESP_AES_CBC_HMAC_SHA512, key, kl, NULL, akey,
				(uint32_t)be_num(spi, 4), false, DP_ESP_REPLAY_MAX);
			check_packet(id, &sa, be_num(seq, sl), iv, pkt, kn, pt, pl);
			dp_esp_sa_fini(&sa);
			n_cbc++;
		}
	}
	/* The kit has 14 GCM packets (4 of them AES-256) and one CBC packet. */
	assert_int_equal(n_gcm, 14);
	assert_int_equal(n_gcm256, 4);
	assert_int_equal(n_cbc, 1);
}

static void
test_vectors_primitives(void **state)
{
	json_t *arr = json_object_get(vectors, "vectors"), *v;
	unsigned int n = 0;
	size_t i;

	(void)state;
	json_array_foreach(arr, i, v) {
		const char *type = json_string_value(json_object_get(v, "type"));
		uint8_t key[64], salt[4], iv[16], aad[64], pt[256], want[300], got[300], tag[16];
		struct dp_esp_sa sa;
		size_t kl, al, pl, wl;

		if (strcmp(type, "gcm_rfc4106") == 0) {
			kl = jhex(v, "key", key, sizeof(key));
			jhex(v, "salt", salt, sizeof(salt));
			jhex(v, "iv", iv, sizeof(iv));
			al = jhex(v, "aad", aad, sizeof(aad));
			pl = jhex(v, "plaintext", pt, sizeof(pt));
			wl = jhex(v, "ciphertext_icv", want, sizeof(want));
			assert_int_equal(wl, pl + 16);
			sa_make(&sa, DP_ESP_AES_GCM, key, kl, salt, NULL, 1, false, 64);
			assert_int_equal(dp_esp_priv_gcm(mgr, &sa, iv, aad, (uint32_t)al, pt,
							 (uint32_t)pl, got, tag), 0);
			assert_memory_equal(got, want, pl);
			assert_memory_equal(tag, want + pl, 16);
			n++;
		} else if (strcmp(type, "aes_cbc") == 0) {
			uint8_t ak[64] = {0};

			kl = jhex(v, "key", key, sizeof(key));
			jhex(v, "iv", iv, sizeof(iv));
			pl = jhex(v, "plaintext", pt, sizeof(pt));
			wl = jhex(v, "ciphertext", want, sizeof(want));
			sa_make(&sa, DP_ESP_AES_CBC_HMAC_SHA512, key, kl, NULL, ak, 1, false, 64);
			assert_int_equal(dp_esp_priv_cbc(mgr, &sa, iv, pt, (uint32_t)pl, got), 0);
			assert_int_equal(wl, pl);
			assert_memory_equal(got, want, wl);
			n++;
		} else if (strcmp(type, "hmac_sha512_256") == 0) {
			uint8_t ek[32] = {0};

			assert_int_equal(jhex(v, "key", key, sizeof(key)), 64);
			pl = jhex(v, "data", pt, sizeof(pt));
			wl = jhex(v, "mac", want, sizeof(want));
			assert_int_equal(wl, 32);
			sa_make(&sa, DP_ESP_AES_CBC_HMAC_SHA512, ek, 32, NULL, key, 1, false, 64);
			assert_int_equal(dp_esp_priv_hmac(mgr, &sa, pt, (uint32_t)pl, got), 0);
			assert_memory_equal(got, want, 32);
			n++;
		} else {
			continue;
		}
		dp_esp_sa_fini(&sa);
	}
	assert_int_equal(n, 6); /* 2 GCM, 1 CBC, 3 HMAC */
}

/* ---------------------------------------------------------------------- */
/* 2. Round trips */

static void
roundtrip(enum dp_esp_cipher cipher, bool esn)
{
	static uint8_t pkt[MAX_PKT], payload[MAX_PKT];
	uint8_t key[32], salt[4], akey[64], ivs[64][16];
	struct dp_esp_sa sa;
	struct dp_esp_state tx, rx;
	unsigned int hl;

	rnd_bytes(key, sizeof(key));
	rnd_bytes(salt, sizeof(salt));
	rnd_bytes(akey, sizeof(akey));
	sa_make(&sa, cipher, key, 32, salt, akey, 0x1234, esn, DP_ESP_REPLAY_MAX);
	hl = dp_esp_hdr_len(&sa);
	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	for (uint16_t len = 0; len <= 1400; len += (len < 40 ? 1 : 37)) {
		struct dp_esp_op op;
		uint16_t elen;

		rnd_bytes(payload, len);
		memcpy(pkt + hl, payload, len);
		assert_int_equal(enc1(&sa, &tx, pkt, len, 17, NULL, &op), DP_ESP_OK);
		elen = op.len;
		assert_true(elen <= hl + len + DP_ESP_MAX_TRAILER);
		assert_int_equal((elen - hl - sa.icv_len) % sa.align, 0);
		assert_int_equal(pkt[0] << 24 | pkt[1] << 16 | pkt[2] << 8 | pkt[3], 0x1234);
		assert_true(op.seq == tx.seq);
		if (tx.seq <= 64)
			memcpy(ivs[tx.seq - 1], pkt + 8, sa.iv_len);
		assert_int_equal(dec1(&sa, &rx, pkt, elen, &op), DP_ESP_OK);
		assert_int_equal(op.len, len);
		assert_int_equal(op.next_header, 17);
		assert_memory_equal(pkt + hl, payload, len);
	}
	assert_true(tx.stats.packets == rx.stats.packets);
	assert_true(tx.stats.bytes == rx.stats.bytes);
	assert_int_equal(rx.stats.seq_gap, 0);
	/* No two packets carried the same IV. */
	for (unsigned int a = 0; a < 64; a++)
		for (unsigned int b = a + 1; b < 64; b++)
			assert_memory_not_equal(ivs[a], ivs[b], sa.iv_len);
	dp_esp_sa_fini(&sa);
}

static void
test_roundtrip_gcm(void **state)
{
	(void)state;
	roundtrip(DP_ESP_AES_GCM, false);
	roundtrip(DP_ESP_AES_GCM, true);
}

static void
test_roundtrip_cbc(void **state)
{
	(void)state;
	roundtrip(DP_ESP_AES_CBC_HMAC_SHA512, false);
	roundtrip(DP_ESP_AES_CBC_HMAC_SHA512, true);
}

/* A burst mixing two outbound SAs: each numbers its own packets from 1. */
static void
test_burst_two_sas(void **state)
{
	static uint8_t pkts[8][256];
	uint8_t key[32] = {1}, salt[4] = {2}, akey[64] = {3};
	struct dp_esp_sa a, b;
	struct dp_esp_state sta = {0}, stb = {0}, rxa = {0}, rxb = {0};
	struct dp_esp_op ops[8];

	(void)state;
	sa_make(&a, DP_ESP_AES_GCM, key, 32, salt, NULL, 0x100, true, 1024);
	sa_make(&b, DP_ESP_AES_CBC_HMAC_SHA512, key, 32, NULL, akey, 0x200, true, 1024);
	for (int i = 0; i < 8; i++) {
		bool use_a = i < 3 || i == 5;

		memset(pkts[i] + 24, i, 100);
		ops[i] = (struct dp_esp_op){.esp = pkts[i], .len = 100, .room = 256,
					    .next_header = 17, .sa = use_a ? &a : &b,
					    .st = use_a ? &sta : &stb};
		if (use_a)
			memmove(pkts[i] + 16, pkts[i] + 24, 100);
	}
	assert_int_equal(dp_esp_encrypt_burst(mgr, ops, 8), 8);
	assert_true(sta.seq == 4 && stb.seq == 4);
	assert_true(ops[0].seq == 1 && ops[2].seq == 3 && ops[5].seq == 4);
	assert_true(ops[3].seq == 1 && ops[4].seq == 2 && ops[7].seq == 4);
	assert_true(sta.stats.packets == 4 && stb.stats.packets == 4);
	assert_true(sta.stats.bytes == 400);
	for (int i = 0; i < 8; i++) {
		ops[i].st = ops[i].sa == &a ? &rxa : &rxb;
		ops[i].room = 0;
	}
	assert_int_equal(dp_esp_decrypt_burst(mgr, ops, 8), 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(ops[i].len, 100);
		assert_int_equal(ops[i].esp[dp_esp_hdr_len(ops[i].sa)], i);
	}
	/* Two copies of one packet in the same burst: the second is a replay. */
	{
		uint8_t p1[256], p2[256];
		struct dp_esp_state rx = {0};

		memset(&sta, 0, sizeof(sta));
		assert_int_equal(enc1(&a, &sta, p1, 50, 17, NULL, &ops[0]), DP_ESP_OK);
		memcpy(p2, p1, sizeof(p1));
		ops[1] = ops[0];
		ops[1].esp = p2;
		ops[0].st = ops[1].st = &rx;
		assert_int_equal(dp_esp_decrypt_burst(mgr, ops, 2), 1);
		assert_int_equal(ops[0].status, DP_ESP_OK);
		assert_int_equal(ops[1].status, DP_ESP_E_REPLAY);
	}
	dp_esp_sa_fini(&a);
	dp_esp_sa_fini(&b);
}

/* ---------------------------------------------------------------------- */
/* 3. Replay window and ESN */

/* Encrypt a packet with sequence number @p seq into @p pkt; @return its length. */
static uint16_t
pkt_with_seq(const struct dp_esp_sa *sa, uint64_t seq, uint8_t *pkt)
{
	struct dp_esp_state st = {0};
	struct dp_esp_op op;

	st.seq = seq - 1;
	memset(pkt + dp_esp_hdr_len(sa), 0x5a, 64);
	assert_int_equal(enc1(sa, &st, pkt, 64, 17, NULL, &op), DP_ESP_OK);
	return op.len;
}

static int
rx_seq(const struct dp_esp_sa *sa, struct dp_esp_state *rx, uint64_t seq)
{
	uint8_t pkt[256];
	uint16_t len = pkt_with_seq(sa, seq, pkt);

	return dec1(sa, rx, pkt, len, NULL);
}

static void
test_replay_window(void **state)
{
	uint8_t key[32] = {9}, salt[4] = {8};
	struct dp_esp_sa sa;
	struct dp_esp_state rx = {0};

	(void)state;
	sa_make(&sa, DP_ESP_AES_GCM, key, 32, salt, NULL, 0x300, false, 1024);
	assert_int_equal(rx_seq(&sa, &rx, 1), DP_ESP_OK);
	assert_int_equal(rx_seq(&sa, &rx, 1), DP_ESP_E_REPLAY);
	assert_int_equal(rx_seq(&sa, &rx, 2000), DP_ESP_OK);
	assert_int_equal(rx.stats.seq_gap, 1);
	/* Inside the window (2000 - 1023 = 977 is the left edge), once each. */
	assert_int_equal(rx_seq(&sa, &rx, 977), DP_ESP_OK);
	assert_int_equal(rx_seq(&sa, &rx, 977), DP_ESP_E_REPLAY);
	assert_int_equal(rx_seq(&sa, &rx, 1999), DP_ESP_OK);
	assert_int_equal(rx_seq(&sa, &rx, 1500), DP_ESP_OK);
	/* Left of the window. */
	assert_int_equal(rx_seq(&sa, &rx, 976), DP_ESP_E_REPLAY);
	/* Sequence number 0 is never valid. */
	assert_false(dp_esp_replay_ok(&rx, 1024, 0));
	/* Move the window far and back-fill inside it: bits of old laps do not linger. */
	for (uint64_t s = 2001; s <= 6000; s += 3)
		assert_int_equal(rx_seq(&sa, &rx, s), DP_ESP_OK);
	for (uint64_t s = 6000 - 1023; s <= 6000; s++) {
		int want = (s - 2001) % 3 == 0 ? DP_ESP_E_REPLAY : DP_ESP_OK;

		assert_int_equal(rx_seq(&sa, &rx, s), want);
	}
	assert_true(rx.stats.replay == 3 + 342);
	dp_esp_sa_fini(&sa);

	/* A 64-packet window. */
	sa_make(&sa, DP_ESP_AES_GCM, key, 32, salt, NULL, 0x300, false, 64);
	memset(&rx, 0, sizeof(rx));
	assert_int_equal(rx_seq(&sa, &rx, 100), DP_ESP_OK);
	assert_int_equal(rx_seq(&sa, &rx, 37), DP_ESP_OK);
	assert_int_equal(rx_seq(&sa, &rx, 36), DP_ESP_E_REPLAY);
	dp_esp_sa_fini(&sa);
}

static void
test_esn_inference(void **state)
{
	uint8_t key[32] = {7}, akey[64] = {6}, salt[4] = {5};
	struct dp_esp_sa sa;
	struct dp_esp_state rx;

	(void)state;
	for (int c = 0; c < 2; c++) {
		if (c == 0)
			sa_make(&sa, DP_ESP_AES_GCM, key, 32, salt, NULL, 0x400, true, 1024);
		else
			sa_make(&sa, DP_ESP_AES_CBC_HMAC_SHA512, key, 32, NULL, akey, 0x400, true,
				1024);
		/* Case A: crossing 2^32; a late packet of the old subspace still fits. */
		memset(&rx, 0, sizeof(rx));
		rx.top = 0xfffffff0ull;
		assert_int_equal(rx_seq(&sa, &rx, 0x100000005ull), DP_ESP_OK);
		assert_true(rx.top == 0x100000005ull);
		assert_int_equal(rx_seq(&sa, &rx, 0xfffffff8ull), DP_ESP_OK);
		assert_int_equal(rx_seq(&sa, &rx, 0x100000001ull), DP_ESP_OK);
		/* Case B: top just after the crossing; low numbers near 2^32 are Th - 1. */
		assert_int_equal(rx_seq(&sa, &rx, 0xfffffff8ull), DP_ESP_E_REPLAY);
		assert_int_equal(rx_seq(&sa, &rx, 0xfffffffaull), DP_ESP_OK);
		/* A packet whose high bits we would guess wrong fails the ICV. */
		assert_int_equal(rx_seq(&sa, &rx, 0x300000010ull), DP_ESP_E_AUTH);
		assert_int_equal(rx.stats.auth_fail, 1);
		/* Far in a later subspace: seq 2^33 + 5 is taken for 2^32 + 5 (seen): replay. */
		assert_int_equal(rx_seq(&sa, &rx, 0x200000005ull), DP_ESP_E_REPLAY);
		dp_esp_sa_fini(&sa);
	}
}

static void
test_seq_exhausted(void **state)
{
	uint8_t key[32] = {4}, salt[4] = {3}, pkt[256];
	struct dp_esp_sa sa;
	struct dp_esp_state tx = {0};

	(void)state;
	sa_make(&sa, DP_ESP_AES_GCM, key, 32, salt, NULL, 0x500, false, 1024);
	tx.seq = 0xfffffffeull;
	assert_int_equal(enc1(&sa, &tx, pkt, 10, 17, NULL, NULL), DP_ESP_OK);
	assert_int_equal(enc1(&sa, &tx, pkt, 10, 17, NULL, NULL), DP_ESP_E_SEQ);
	assert_int_equal(tx.stats.expired, 1);
	assert_int_equal(tx.stats.packets, 1);
	/* With ESN the counter goes on past 2^32. */
	sa.esn = 1;
	assert_int_equal(enc1(&sa, &tx, pkt, 10, 17, NULL, NULL), DP_ESP_OK);
	dp_esp_sa_fini(&sa);
}

/* ---------------------------------------------------------------------- */
/* 4. Malformed */

static void
test_malformed(void **state)
{
	uint8_t key[32] = {1, 2, 3}, salt[4] = {4}, akey[64] = {5}, pkt[512], pt[128], tag[16];
	struct dp_esp_sa sa, cbc;
	struct dp_esp_state rx = {0}, tx = {0};
	uint16_t len;

	(void)state;
	sa_make(&sa, DP_ESP_AES_GCM, key, 32, salt, NULL, 0x600, false, 1024);
	sa_make(&cbc, DP_ESP_AES_CBC_HMAC_SHA512, key, 32, NULL, akey, 0x601, false, 1024);
	/* Shorter than header + IV + ICV + 2. */
	for (uint16_t l = 0; l < 8 + 8 + 16 + 2; l++)
		assert_int_equal(dec1(&sa, &rx, pkt, l, NULL), DP_ESP_E_MALFORMED);
	assert_int_equal(rx.stats.malformed, 8 + 8 + 16 + 2);
	/* CBC ciphertext that is not whole blocks. */
	memset(&tx, 0, sizeof(tx));
	len = pkt_with_seq(&cbc, 1, pkt);
	assert_int_equal(dec1(&cbc, &rx, pkt, len - 1, NULL), DP_ESP_E_MALFORMED);
	/* Room: encrypt needs space for the trailer. */
	{
		struct dp_esp_op op = {.esp = pkt, .len = 100, .room = 100 + 16 + 16, .next_header = 17,
				       .sa = &sa, .st = &tx};

		assert_int_equal(dp_esp_encrypt_burst(mgr, &op, 1), 0);
		assert_int_equal(op.status, DP_ESP_E_ROOM);
	}
	/* Bad padding under a valid ICV: built with the raw GCM primitive. */
	for (int k = 0; k < 2; k++) {
		uint8_t iv[8] = {0, 0, 0, 0, 0, 0, 0, (uint8_t)(k + 1)};
		uint32_t ptl = 12;

		memset(pt, 0x11, sizeof(pt));
		if (k == 0) {
			pt[8] = 1, pt[9] = 3; /* padding 1, 3 */
			pt[10] = 2;
		} else {
			pt[10] = 200; /* pad length beyond the packet */
		}
		pt[11] = 17;
		memset(pkt, 0, 8);
		pkt[3] = 0x00, pkt[2] = 0x06; /* SPI 0x600 */
		pkt[7] = (uint8_t)(k + 1);    /* seq */
		memcpy(pkt + 8, iv, 8);
		assert_int_equal(dp_esp_priv_gcm(mgr, &sa, iv, pkt, 8, pt, ptl, pkt + 16, tag), 0);
		memcpy(pkt + 16 + ptl, tag, 16);
		assert_int_equal(dec1(&sa, &rx, pkt, (uint16_t)(16 + ptl + 16), NULL),
				 DP_ESP_E_MALFORMED);
	}
	/* Wrong cipher or missing pieces: refused at init. */
	{
		struct dp_esp_sa x;
		struct dp_esp_keys k = {.cipher = DP_ESP_AES_GCM, .key = key, .key_len = 32};

		assert_int_equal(dp_esp_sa_init(&x, mgr, &k), -EINVAL); /* no salt */
		k.salt = salt;
		k.key_len = 20;
		assert_int_equal(dp_esp_sa_init(&x, mgr, &k), -EINVAL);
		k.key_len = 32;
		k.cipher = DP_ESP_AES_CBC_HMAC_SHA512;
		assert_int_equal(dp_esp_sa_init(&x, mgr, &k), -EINVAL); /* no auth key */
		k.cipher = DP_ESP_CIPHER_COUNT;
		assert_int_equal(dp_esp_sa_init(&x, mgr, &k), -EINVAL);
	}
	assert_int_equal(dp_esp_cipher_parse("aes256gcm"), DP_ESP_AES_GCM);
	assert_int_equal(dp_esp_cipher_parse("aes256cbc-hmacsha512"), DP_ESP_AES_CBC_HMAC_SHA512);
	assert_int_equal(dp_esp_cipher_parse("aes128gcm"), -EINVAL);
	assert_int_equal(dp_esp_cipher_parse(NULL), -EINVAL);
	dp_esp_sa_fini(&sa);
	dp_esp_sa_fini(&cbc);
}

/* Random bytes never crash the decrypter and are never accepted. */
static void
test_garbage(void **state)
{
	uint8_t key[32] = {3}, salt[4] = {1}, akey[64] = {2}, pkt[512];
	struct dp_esp_sa sa[2];
	struct dp_esp_state rx = {0};

	(void)state;
	sa_make(&sa[0], DP_ESP_AES_GCM, key, 32, salt, NULL, 0x700, true, 1024);
	sa_make(&sa[1], DP_ESP_AES_CBC_HMAC_SHA512, key, 32, NULL, akey, 0x701, true, 1024);
	for (int i = 0; i < 20000; i++) {
		uint16_t len = (uint16_t)(rnd() % 400);

		rnd_bytes(pkt, len);
		assert_int_not_equal(dec1(&sa[i & 1], &rx, pkt, len, NULL), DP_ESP_OK);
	}
	assert_int_equal(rx.stats.packets, 0);
	dp_esp_sa_fini(&sa[0]);
	dp_esp_sa_fini(&sa[1]);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_esp_packets),
		cmocka_unit_test(test_vectors_primitives),
		cmocka_unit_test(test_roundtrip_gcm),
		cmocka_unit_test(test_roundtrip_cbc),
		cmocka_unit_test(test_burst_two_sas),
		cmocka_unit_test(test_replay_window),
		cmocka_unit_test(test_esn_inference),
		cmocka_unit_test(test_seq_exhausted),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_garbage),
	};
	json_error_t err;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s esp-vectors/vectors.json\n", argv[0]);
		return 2;
	}
	vectors_path = argv[1];
	vectors = json_load_file(vectors_path, 0, &err);
	if (vectors == NULL) {
		fprintf(stderr, "%s: %s\n", vectors_path, err.text);
		return 1;
	}
	if (dp_srtp_mgr_create(&mgr) != 0) {
		fprintf(stderr, "no ipsec-mb manager for this CPU\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	dp_srtp_mgr_destroy(mgr);
	json_decref(vectors);
	return rc;
}
