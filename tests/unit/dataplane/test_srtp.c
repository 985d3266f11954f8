/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_srtp.c - unit tests of dataplane/srtp (dp_srtp.c).
 *
 * 1. Every vector of srtp-vectors/vectors.json (path in argv[1]) bit for bit:
 *    RFC 3711 B.2 keystream, B.3 key derivation, RFC 7714 §16-17 AEAD packets,
 *    full-stack packets (both directions, every single-bit flip rejected).
 * 2. Interop with libsrtp2 in both directions for every suite, RTP across the
 *    sequence wrap with reordering, CSRCs, extensions, payloads 0..1200; RTCP.
 * 3. Replay window, 4. malformed input and fuzz, 5. SSRC slots and LRU.
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
#include <srtp2/srtp.h>

#include "dp_srtp.h"

/* Private helpers of dp_srtp.c, for the RFC 3711 B.2/B.3 vectors. */
int dp_srtp_priv_aes_cm(IMB_MGR *mgr, const uint8_t *key, size_t key_len,
			const uint8_t iv[16], uint8_t *out, size_t len);
int dp_srtp_priv_kdf(IMB_MGR *mgr, const uint8_t *key, size_t key_len,
		     const uint8_t *salt, size_t salt_len, uint8_t label,
		     uint8_t *out, size_t len);
/* Private too: session init by SDES name, incl. AES_256_CM_HMAC_SHA1_80 (RFC 6188). */
int dp_srtp_priv_session_init(struct dp_srtp_session *s, IMB_MGR *mgr, const char *profile,
			      const uint8_t *key, size_t key_len, const uint8_t *salt,
			      size_t salt_len);

#define ROOM_SLACK 256 /* libsrtp writes up to SRTP_MAX_TRAILER_LEN + 4 */
#define MAX_PKT 1600

static IMB_MGR *mgr;
static const char *vectors_path;
static json_t *vectors;

struct tsuite {
	const char *name;
	int suite; /* public enum value, or -1: private suite of dp_srtp.c */
	size_t key_len;
	size_t salt_len;
};

static const struct tsuite all_suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", DP_SRTP_AES_CM_128_HMAC_SHA1_80, 16, 14 },
	{ "AES_CM_128_HMAC_SHA1_32", DP_SRTP_AES_CM_128_HMAC_SHA1_32, 16, 14 },
	{ "AEAD_AES_128_GCM", DP_SRTP_AEAD_AES_128_GCM, 16, 12 },
	{ "AEAD_AES_256_GCM", DP_SRTP_AEAD_AES_256_GCM, 32, 12 },
	/* RFC 6188, not in the public enum; covered because a vector uses it */
	{ "AES_256_CM_HMAC_SHA1_80", -1, 32, 14 },
};
#define N_SUITES (sizeof(all_suites) / sizeof(all_suites[0]))

/* ---------------------------------------------------------------------- */
/* Helpers */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

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
hex2bin(const char *h, uint8_t *out, size_t max)
{
	size_t n = strlen(h) / 2;

	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

static size_t
jhex(const json_t *v, const char *key, uint8_t *out, size_t max)
{
	const json_t *f = json_object_get(v, key);

	assert_non_null(f);
	assert_true(json_is_string(f));
	return hex2bin(json_string_value(f), out, max);
}

/* A number given either as a JSON integer or as a hex string. */
static uint32_t
jnum(const json_t *v, const char *key)
{
	const json_t *f = json_object_get(v, key);

	assert_non_null(f);
	if (json_is_integer(f))
		return (uint32_t)json_integer_value(f);
	assert_true(json_is_string(f));
	return (uint32_t)strtoul(json_string_value(f), NULL, 16);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Independent RTP header length (RFC 3550 §5.1), -1 when it does not fit. */
static long
ref_rtp_hdr_len(const uint8_t *p, size_t avail)
{
	size_t h;

	if (avail < 12)
		return -1;
	h = 12 + 4 * (size_t)(p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (h + 4 > avail)
			return -1;
		h += 4 + 4 * (size_t)((p[h + 2] << 8) | p[h + 3]);
	}
	return h > avail ? -1 : (long)h;
}

/* Build an RTP packet; @return its length. */
static uint16_t
make_rtp(uint8_t *p, uint16_t seq, uint32_t ssrc, unsigned int cc, unsigned int ext_words,
	 bool ext, unsigned int payload)
{
	size_t off = 12;

	p[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0) | cc);
	p[1] = 96;
	wr16(p + 2, seq);
	wr32(p + 4, 0x1000u * seq);
	wr32(p + 8, ssrc);
	for (unsigned int i = 0; i < cc; i++, off += 4)
		wr32(p + off, 0xc0000000u + i);
	if (ext) {
		wr16(p + off, 0xbede);
		wr16(p + off + 2, (uint16_t)ext_words);
		off += 4;
		rnd_bytes(p + off, 4 * ext_words);
		off += 4 * ext_words;
	}
	rnd_bytes(p + off, payload);
	return (uint16_t)(off + payload);
}

static uint16_t
make_rtcp(uint8_t *p, uint32_t ssrc, unsigned int len)
{
	assert_true(len >= 8);
	rnd_bytes(p, len);
	p[0] = 0x80;
	p[1] = 200;
	wr16(p + 2, (uint16_t)(len / 4 - 1));
	wr32(p + 4, ssrc);
	return (uint16_t)len;
}

static struct dp_srtp_session *
sess_new(void)
{
	struct dp_srtp_session *s = aligned_alloc(64, sizeof(*s));

	assert_non_null(s);
	memset(s, 0, sizeof(*s));
	return s;
}

static void
sess_init(struct dp_srtp_session *s, const struct tsuite *ts, const uint8_t *key,
	  const uint8_t *salt)
{
	if (ts->suite < 0) {
		assert_int_equal(dp_srtp_priv_session_init(s, mgr, ts->name, key, ts->key_len, salt,
							   ts->salt_len), 0);
		return;
	}
	assert_int_equal(dp_srtp_suite_key_len(ts->suite), ts->key_len);
	assert_int_equal(dp_srtp_suite_salt_len(ts->suite), ts->salt_len);
	assert_int_equal(dp_srtp_session_init(s, mgr, ts->suite, key, ts->key_len, salt,
					      ts->salt_len), 0);
}

/* One op through one burst function; @return the status. */
typedef uint16_t (*burst_fn)(IMB_MGR *, struct dp_srtp_op *, uint16_t);

static int
run1(burst_fn fn, const struct dp_srtp_session *s, struct dp_srtp_state *st, uint8_t *pkt,
     uint16_t *len, uint16_t room)
{
	struct dp_srtp_op op = {
		.pkt = pkt, .len = *len, .room = room, .sess = s, .st = st, .status = 0xff,
	};
	uint16_t nok = fn(mgr, &op, 1);

	assert_int_equal(nok, op.status == DP_SRTP_OK ? 1 : 0);
	if (op.status != DP_SRTP_OK)
		assert_int_equal(op.len, *len);
	*len = op.len;
	return op.status;
}

/* A state whose first slot knows @p ssrc with ROC @p roc and last SRTCP index. */
static void
state_preset(struct dp_srtp_state *st, uint32_t ssrc, uint32_t roc, uint32_t rtcp_last)
{
	dp_srtp_state_reset(st);
	st->ssrc[0].in_use = 1;
	st->ssrc[0].ssrc = ssrc;
	st->ssrc[0].roc = roc;
	st->ssrc[0].rtcp_index = rtcp_last;
	st->ssrc[0].last_use = 1;
	st->clock = 1;
}

/* ---------------------------------------------------------------------- */
/* Suite names */

static void
test_suite_names(void **unused)
{
	(void)unused;
	for (int i = 0; i < DP_SRTP_SUITE_COUNT; i++) {
		const char *name = dp_srtp_suite_name(i);

		assert_non_null(name);
		assert_int_equal(dp_srtp_suite_parse(name), i);
	}
	assert_int_equal(dp_srtp_suite_parse("AES_CM_128_HMAC_SHA1_80"),
			 DP_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(dp_srtp_suite_parse("NULL"), DP_SRTP_NULL);
	assert_int_equal(dp_srtp_suite_parse("F8_128_HMAC_SHA1_80"), -EINVAL);
	assert_int_equal(dp_srtp_suite_parse(""), -EINVAL);
	assert_int_equal(dp_srtp_suite_parse(NULL), -EINVAL);
	assert_null(dp_srtp_suite_name(DP_SRTP_SUITE_COUNT));
	assert_int_equal(dp_srtp_suite_key_len(DP_SRTP_AES_CM_128_HMAC_SHA1_32), 16);
	assert_int_equal(dp_srtp_suite_salt_len(DP_SRTP_AES_CM_128_HMAC_SHA1_32), 14);
	assert_int_equal(dp_srtp_suite_key_len(DP_SRTP_AEAD_AES_256_GCM), 32);
	assert_int_equal(dp_srtp_suite_salt_len(DP_SRTP_AEAD_AES_256_GCM), 12);
	/* RFC 6188 is private: not negotiable through the public API */
	assert_int_equal(dp_srtp_suite_parse("AES_256_CM_HMAC_SHA1_80"), -EINVAL);
	assert_int_equal(dp_srtp_suite_key_len(DP_SRTP_NULL), 0);
	assert_int_equal(dp_srtp_suite_key_len(DP_SRTP_SUITE_COUNT), 0);
}

static void
test_session_init_errors(void **unused)
{
	struct dp_srtp_session *s = sess_new();
	uint8_t key[32] = { 1 }, salt[14] = { 2 };
	IMB_MGR *m2 = NULL;

	(void)unused;
	assert_int_equal(dp_srtp_session_init(s, mgr, DP_SRTP_AES_CM_128_HMAC_SHA1_80, key, 32,
					      salt, 14), -EINVAL);
	assert_int_equal(dp_srtp_session_init(s, mgr, DP_SRTP_AES_CM_128_HMAC_SHA1_80, key, 16,
					      salt, 12), -EINVAL);
	assert_int_equal(dp_srtp_session_init(s, mgr, DP_SRTP_AEAD_AES_128_GCM, key, 16, salt,
					      14), -EINVAL);
	assert_int_equal(dp_srtp_session_init(s, mgr, DP_SRTP_SUITE_COUNT, key, 16, salt, 14),
			 -EINVAL);
	assert_int_equal(dp_srtp_session_init(NULL, mgr, DP_SRTP_AEAD_AES_128_GCM, key, 16, salt,
					      12), -EINVAL);
	assert_int_equal(dp_srtp_session_init(s, mgr, DP_SRTP_AEAD_AES_128_GCM, NULL, 16, salt,
					      12), -EINVAL);
	assert_int_equal(dp_srtp_session_init_raw(s, mgr, DP_SRTP_AES_CM_128_HMAC_SHA1_80, key,
						  16, salt, 14, NULL, 0), -EINVAL);
	assert_int_equal(dp_srtp_session_init(s, mgr, DP_SRTP_NULL, NULL, 0, NULL, 0), 0);
	assert_int_equal(s->suite, DP_SRTP_NULL);

	/* fini wipes everything */
	assert_int_equal(dp_srtp_session_init(s, mgr, DP_SRTP_AEAD_AES_256_GCM, key, 32, salt,
					      12), 0);
	assert_int_equal(s->suite, DP_SRTP_AEAD_AES_256_GCM);
	dp_srtp_session_fini(s);
	for (size_t i = 0; i < sizeof(*s); i++)
		assert_int_equal(((const uint8_t *)s)[i], 0);
	dp_srtp_session_fini(NULL);

	assert_int_equal(dp_srtp_mgr_create(NULL), -EINVAL);
	assert_int_equal(dp_srtp_mgr_create(&m2), 0);
	assert_non_null(m2);
	dp_srtp_mgr_destroy(m2);
	dp_srtp_mgr_destroy(NULL);
	free(s);
}

/* ---------------------------------------------------------------------- */
/* 1. Vectors */

static unsigned int vec_checked;

static void
check_keystream_vector(const json_t *v)
{
	uint8_t key[32], salt[16], ctr[16], ks[16], out[16], auth[20] = { 0 };
	uint8_t pkt[12 + 48 + 64];
	size_t key_len = jhex(v, "session_key", key, sizeof(key));
	const json_t *blocks = json_object_get(v, "blocks");
	uint32_t ssrc = jnum(v, "ssrc");
	uint32_t seq = jnum(v, "seq");
	uint32_t roc = jnum(v, "roc");
	struct dp_srtp_state st;
	struct dp_srtp_session *s = sess_new();
	uint16_t len;
	size_t i;
	json_t *b;

	assert_int_equal(jhex(v, "session_salt", salt, sizeof(salt)), 14);
	assert_true(json_array_size(blocks) > 0);
	/* Each block through the private AES-CM helper... */
	json_array_foreach(blocks, i, b) {
		assert_int_equal(jhex(b, "counter", ctr, sizeof(ctr)), 16);
		assert_int_equal(jhex(b, "keystream", ks, sizeof(ks)), 16);
		assert_int_equal(dp_srtp_priv_aes_cm(mgr, key, key_len, ctr, out, 16), 0);
		assert_memory_equal(out, ks, 16);
	}
	/* ...three blocks in a row from the first counter (counter increment)... */
	{
		uint8_t ctr0[16], ks3[48];

		b = json_array_get(blocks, 0);
		jhex(b, "counter", ctr0, sizeof(ctr0));
		assert_int_equal(dp_srtp_priv_aes_cm(mgr, key, key_len, ctr0, ks3, 48), 0);
		json_array_foreach(blocks, i, b) {
			int d;

			jhex(b, "counter", ctr, sizeof(ctr));
			jhex(b, "keystream", ks, sizeof(ks));
			d = ((ctr[14] << 8) | ctr[15]) - ((ctr0[14] << 8) | ctr0[15]);
			if (memcmp(ctr, ctr0, 14) == 0 && d >= 0 && d < 3)
				assert_memory_equal(ks3 + 16 * d, ks, 16);
		}
	}
	/* ...and blocks 0..2 as the ciphertext of a zero payload in a real packet. */
	if (roc == 0 && key_len == 16) {
		assert_int_equal(dp_srtp_session_init_raw(s, mgr, DP_SRTP_AES_CM_128_HMAC_SHA1_80,
							  key, 16, salt, 14, auth, 20), 0);
		dp_srtp_state_reset(&st);
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x80;
		wr16(pkt + 2, (uint16_t)seq);
		wr32(pkt + 8, ssrc);
		len = 12 + 48;
		assert_int_equal(run1(dp_srtp_protect_burst, s, &st, pkt, &len, sizeof(pkt)),
				 DP_SRTP_OK);
		assert_int_equal(len, 12 + 48 + 10);
		json_array_foreach(blocks, i, b) {
			unsigned int k;

			jhex(b, "counter", ctr, sizeof(ctr));
			jhex(b, "keystream", ks, sizeof(ks));
			k = (unsigned int)((ctr[14] << 8) | ctr[15]);
			if (k < 3)
				assert_memory_equal(pkt + 12 + 16 * k, ks, 16);
		}
		dp_srtp_session_fini(s);
	}
	free(s);
}

static void
check_kdf_vector(const json_t *v)
{
	static const char *const names[] = { "cipher_key", "cipher_salt", "auth_key" };
	uint8_t key[32], salt[14], want[128], got[128];
	size_t key_len = jhex(v, "master_key", key, sizeof(key));
	size_t salt_len = jhex(v, "master_salt", salt, sizeof(salt));
	const json_t *exp = json_object_get(v, "expected");

	assert_int_equal(jnum(v, "kdr"), 0);
	assert_int_equal(jnum(v, "packet_index"), 0);
	assert_non_null(exp);
	for (unsigned int i = 0; i < 3; i++) {
		const json_t *e = json_object_get(exp, names[i]);
		size_t n;

		assert_non_null(e);
		n = jhex(e, "value", want, sizeof(want));
		assert_int_equal(dp_srtp_priv_kdf(mgr, key, key_len, salt, salt_len,
						  (uint8_t)jnum(e, "label"), got, n), 0);
		assert_memory_equal(got, want, n);
	}
}

/*
 * Unprotect every single-bit flip of @p prot: each must fail with E_AUTH, or
 * E_MALFORMED when the flip breaks the RTP header bounds.
 */
static void
check_bit_flips(const struct dp_srtp_session *s, bool rtcp, const uint8_t *prot, uint16_t plen,
		uint32_t ssrc, uint32_t roc)
{
	uint8_t buf[MAX_PKT];
	struct dp_srtp_state st;

	for (unsigned int bit = 0; bit < 8u * plen; bit++) {
		uint16_t len = plen;
		int want = DP_SRTP_E_AUTH;
		int got;

		memcpy(buf, prot, plen);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		state_preset(&st, ssrc, roc, 0);
		if (!rtcp && ref_rtp_hdr_len(buf, plen - s->tag_len) < 0)
			want = DP_SRTP_E_MALFORMED;
		got = run1(rtcp ? dp_srtcp_unprotect_burst : dp_srtp_unprotect_burst, s, &st, buf,
			   &len, plen);
		if (got != want)
			fail_msg("bit %u of %u: status %d, want %d", bit, 8u * plen, got, want);
		/* state unchanged by a rejected packet */
		assert_int_equal(st.ssrc[0].rtp_seen, 0);
		assert_int_equal(st.ssrc[0].rtcp_seen, 0);
		assert_int_equal(st.ssrc[1].in_use, 0);
	}
}

/* protect(plain) == prot, unprotect(prot) == plain, every flip rejected */
static void
check_packet_both_ways(const struct dp_srtp_session *s, bool rtcp, const uint8_t *plain,
		       uint16_t plain_len, const uint8_t *prot, uint16_t prot_len, uint32_t ssrc,
		       uint32_t roc, uint32_t rtcp_index)
{
	uint8_t buf[MAX_PKT];
	struct dp_srtp_state st;
	uint16_t len = plain_len;

	memcpy(buf, plain, plain_len);
	state_preset(&st, ssrc, roc, rtcp_index - 1);
	assert_int_equal(run1(rtcp ? dp_srtcp_protect_burst : dp_srtp_protect_burst, s, &st, buf,
			      &len, sizeof(buf)), DP_SRTP_OK);
	assert_int_equal(len, prot_len);
	assert_memory_equal(buf, prot, prot_len);

	memcpy(buf, prot, prot_len);
	len = prot_len;
	state_preset(&st, ssrc, roc, 0);
	assert_int_equal(run1(rtcp ? dp_srtcp_unprotect_burst : dp_srtp_unprotect_burst, s, &st,
			      buf, &len, prot_len), DP_SRTP_OK);
	assert_int_equal(len, plain_len);
	assert_memory_equal(buf, plain, plain_len);

	check_bit_flips(s, rtcp, prot, prot_len, ssrc, roc);
}

static void
check_aead_vector(const json_t *v, bool rtcp)
{
	uint8_t key[32], salt[12], plain[MAX_PKT], prot[MAX_PKT], iv[12], aad[64];
	size_t key_len = jhex(v, "session_key", key, sizeof(key));
	int suite = dp_srtp_suite_parse(json_string_value(json_object_get(v, "profile")));
	struct dp_srtp_session *s = sess_new();
	size_t plain_len, prot_len;
	uint32_t index = 0;

	assert_true(suite == DP_SRTP_AEAD_AES_128_GCM || suite == DP_SRTP_AEAD_AES_256_GCM);
	assert_int_equal(jhex(v, "session_salt", salt, sizeof(salt)), 12);
	assert_int_equal(jhex(v, "iv", iv, sizeof(iv)), 12);
	jhex(v, "aad", aad, sizeof(aad));
	plain_len = jhex(v, "plaintext", plain, sizeof(plain));
	prot_len = jhex(v, "protected", prot, sizeof(prot));
	assert_int_equal(dp_srtp_session_init_raw(s, mgr, suite, key, key_len, salt, 12, NULL, 0),
			 0);
	if (rtcp) {
		index = jnum(v, "srtcp_index");
		assert_int_equal(jnum(v, "e_flag"), 1);
		/* the AAD of the vector is header(8) | E|index, as built by dp_srtp.c */
		assert_memory_equal(aad, plain, 8);
		assert_memory_equal(aad + 8, prot + prot_len - 4, 4);
	} else {
		assert_int_equal(jnum(v, "seq"), (plain[2] << 8) | plain[3]);
		assert_memory_equal(aad, plain, 12);
	}
	check_packet_both_ways(s, rtcp, plain, (uint16_t)plain_len, prot, (uint16_t)prot_len,
			       jnum(v, "ssrc"), rtcp ? 0 : jnum(v, "roc"), rtcp ? index : 1);
	dp_srtp_session_fini(s);
	free(s);
}

static void
check_protect_vector(const json_t *v, bool rtcp)
{
	uint8_t key[32], salt[14], plain[MAX_PKT], prot[MAX_PKT];
	const char *profile = json_string_value(json_object_get(v, "profile"));
	int suite = dp_srtp_suite_parse(profile);
	struct dp_srtp_session *s = sess_new();
	size_t key_len, salt_len, plain_len, prot_len;

	key_len = jhex(v, "master_key", key, sizeof(key));
	salt_len = jhex(v, "master_salt", salt, sizeof(salt));
	plain_len = jhex(v, "plaintext", plain, sizeof(plain));
	prot_len = jhex(v, "protected", prot, sizeof(prot));
	if (suite > DP_SRTP_NULL) {
		assert_int_equal(dp_srtp_session_init(s, mgr, suite, key, key_len, salt, salt_len),
				 0);
	} else {
		/* a suite dp_srtp.c implements privately (AES_256_CM_HMAC_SHA1_80) */
		if (dp_srtp_priv_session_init(s, mgr, profile, key, key_len, salt, salt_len) != 0)
			fail_msg("unknown profile %s", profile);
		print_message("      (private suite %s)\n", profile);
	}
	check_packet_both_ways(s, rtcp, plain, (uint16_t)plain_len, prot, (uint16_t)prot_len,
			       jnum(v, "ssrc"), rtcp ? 0 : jnum(v, "roc"),
			       rtcp ? jnum(v, "srtcp_index") : 1);
	dp_srtp_session_fini(s);
	free(s);
}

static void
test_vectors(void **unused)
{
	const json_t *arr = json_object_get(vectors, "vectors");
	unsigned int by_type[6] = { 0 };
	size_t i;
	json_t *v;

	(void)unused;
	assert_non_null(arr);
	assert_true(json_array_size(arr) > 0);
	json_array_foreach(arr, i, v) {
		const char *type = json_string_value(json_object_get(v, "type"));
		const char *id = json_string_value(json_object_get(v, "id"));

		assert_non_null(type);
		print_message("    vector %s\n", id);
		if (strcmp(type, "aes_cm_keystream") == 0) {
			check_keystream_vector(v);
			by_type[0]++;
		} else if (strcmp(type, "kdf") == 0) {
			check_kdf_vector(v);
			by_type[1]++;
		} else if (strcmp(type, "aead_srtp") == 0) {
			check_aead_vector(v, false);
			by_type[2]++;
		} else if (strcmp(type, "aead_srtcp") == 0) {
			check_aead_vector(v, true);
			by_type[3]++;
		} else if (strcmp(type, "srtp_protect") == 0) {
			check_protect_vector(v, false);
			by_type[4]++;
		} else if (strcmp(type, "srtcp_protect") == 0) {
			check_protect_vector(v, true);
			by_type[5]++;
		} else {
			fail_msg("vector %s: unknown type %s", id, type);
		}
		vec_checked++;
	}
	print_message("    %u vectors reproduced (keystream %u, kdf %u, aead_srtp %u, "
		      "aead_srtcp %u, srtp_protect %u, srtcp_protect %u)\n", vec_checked,
		      by_type[0], by_type[1], by_type[2], by_type[3], by_type[4], by_type[5]);
	assert_int_equal(vec_checked, json_array_size(arr));
	for (unsigned int t = 0; t < 6; t++)
		assert_true(by_type[t] > 0);
}

/* ---------------------------------------------------------------------- */
/* 2. Interop with libsrtp2 */

static void
lib_crypto_policy(const struct tsuite *ts, srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp)
{
	if (ts->suite < 0) {
		assert_string_equal(ts->name, "AES_256_CM_HMAC_SHA1_80");
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		return;
	}
	switch (ts->suite) {
	case DP_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_rtp_default(rtp);
		srtp_crypto_policy_set_rtp_default(rtcp);
		break;
	case DP_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_rtp_default(rtcp); /* SRTCP keeps the 80-bit tag */
		break;
	case DP_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtcp);
		break;
	case DP_SRTP_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtcp);
		break;
	default:
		fail();
	}
}

/* libsrtp2 context for one direction; the key buffer is master key || master salt. */
static srtp_t
lib_ctx(const struct tsuite *ts, const uint8_t *key, const uint8_t *salt, bool inbound,
	bool rtcp_auth_only)
{
	uint8_t keybuf[64];
	size_t kl = ts->key_len, sl = ts->salt_len;
	srtp_policy_t p;
	srtp_t ctx = NULL;

	memcpy(keybuf, key, kl);
	memcpy(keybuf + kl, salt, sl);
	memset(&p, 0, sizeof(p));
	lib_crypto_policy(ts, &p.rtp, &p.rtcp);
	if (rtcp_auth_only)
		p.rtcp.sec_serv = sec_serv_auth;
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p.key = keybuf;
	p.window_size = 128;
	p.allow_repeat_tx = 0;
	p.next = NULL;
	assert_int_equal(srtp_create(&ctx, &p), srtp_err_status_ok);
	return ctx;
}

struct stream {
	unsigned int n;
	uint8_t **plain;     /* plaintext packets */
	uint16_t *plain_len;
	uint8_t **buf;       /* working buffers, MAX_PKT + ROOM_SLACK */
	uint16_t *len;
	unsigned int *order; /* delivery order */
};

static void
stream_alloc(struct stream *sm, unsigned int n)
{
	sm->n = n;
	sm->plain = calloc(n, sizeof(*sm->plain));
	sm->plain_len = calloc(n, sizeof(*sm->plain_len));
	sm->buf = calloc(n, sizeof(*sm->buf));
	sm->len = calloc(n, sizeof(*sm->len));
	sm->order = calloc(n, sizeof(*sm->order));
	assert_non_null(sm->order);
	for (unsigned int i = 0; i < n; i++) {
		sm->plain[i] = malloc(MAX_PKT);
		sm->buf[i] = malloc(MAX_PKT + ROOM_SLACK);
		assert_non_null(sm->buf[i]);
		sm->order[i] = i;
	}
}

static void
stream_free(struct stream *sm)
{
	for (unsigned int i = 0; i < sm->n; i++) {
		free(sm->plain[i]);
		free(sm->buf[i]);
	}
	free(sm->plain);
	free(sm->plain_len);
	free(sm->buf);
	free(sm->len);
	free(sm->order);
}

static void
swap_order(struct stream *sm, unsigned int a, unsigned int b)
{
	unsigned int t = sm->order[a];

	sm->order[a] = sm->order[b];
	sm->order[b] = t;
}

/* 1000 RTP packets from seq 65000 across the wrap, mixed headers and sizes. */
static void
stream_rtp(struct stream *sm, uint32_t ssrc)
{
	stream_alloc(sm, 1000);
	for (unsigned int i = 0; i < sm->n; i++) {
		unsigned int cc = (i % 7 == 3) ? 1 + i % 15 : 0;
		bool ext = (i % 5 == 1);
		unsigned int ext_words = (i % 50 == 1) ? 80 : i % 4;
		unsigned int payload = (i % 97 == 0) ? 0 : rnd() % 1201;

		sm->plain_len[i] = make_rtp(sm->plain[i], (uint16_t)(65000 + i), ssrc, cc,
					    ext_words, ext, payload);
	}
	/* Reordering around the wrap (seq 65535 is packet 535, seq 0 is 536). */
	swap_order(sm, 533, 537); /* 65533 <-> 1 */
	swap_order(sm, 535, 536); /* 0 before 65535 */
	swap_order(sm, 538, 541);
	for (unsigned int i = 10; i + 1 < sm->n; i += 47)
		swap_order(sm, i, i + 1);
}

static void
stream_rtcp(struct stream *sm, uint32_t ssrc)
{
	stream_alloc(sm, 300);
	for (unsigned int i = 0; i < sm->n; i++)
		sm->plain_len[i] = make_rtcp(sm->plain[i], ssrc, 8 + (rnd() % 1193));
	sm->plain_len[5] = make_rtcp(sm->plain[5], ssrc, 8); /* header only */
	for (unsigned int i = 3; i + 2 < sm->n; i += 29)
		swap_order(sm, i, i + 2);
}

/* Run ops[0..n) of the stream (indices @p idx) through @p fn in random-size bursts. */
static void
ours_bursts(burst_fn fn, const struct dp_srtp_session *s, struct dp_srtp_state *st,
	    struct stream *sm, bool in_order)
{
	struct dp_srtp_op ops[64];
	unsigned int i = 0;

	while (i < sm->n) {
		unsigned int b = 1 + rnd() % 40, k;

		if (b > sm->n - i)
			b = sm->n - i;
		for (k = 0; k < b; k++) {
			unsigned int p = in_order ? i + k : sm->order[i + k];

			ops[k] = (struct dp_srtp_op){
				.pkt = sm->buf[p], .len = sm->len[p],
				.room = MAX_PKT + ROOM_SLACK, .sess = s, .st = st,
			};
		}
		assert_int_equal(fn(mgr, ops, (uint16_t)b), b);
		for (k = 0; k < b; k++) {
			unsigned int p = in_order ? i + k : sm->order[i + k];

			assert_int_equal(ops[k].status, DP_SRTP_OK);
			sm->len[p] = ops[k].len;
		}
		i += b;
	}
}

static void
interop_one(const struct tsuite *ts, bool rtcp)
{
	uint8_t key[32], salt[14];
	struct dp_srtp_session *s = sess_new();
	struct dp_srtp_state st;
	struct stream sm;
	uint32_t ssrc = rnd();
	srtp_t lib;

	rnd_bytes(key, sizeof(key));
	rnd_bytes(salt, sizeof(salt));
	sess_init(s, ts, key, salt);
	if (rtcp)
		stream_rtcp(&sm, ssrc);
	else
		stream_rtp(&sm, ssrc);

	/* ours protects (in order) -> libsrtp2 unprotects (reordered) */
	for (unsigned int i = 0; i < sm.n; i++) {
		memcpy(sm.buf[i], sm.plain[i], sm.plain_len[i]);
		sm.len[i] = sm.plain_len[i];
	}
	dp_srtp_state_reset(&st);
	ours_bursts(rtcp ? dp_srtcp_protect_burst : dp_srtp_protect_burst, s, &st, &sm, true);
	if (!rtcp)
		assert_int_equal(st.ssrc[0].roc, 1); /* the wrap was counted */
	lib = lib_ctx(ts, key, salt, true, false);
	for (unsigned int k = 0; k < sm.n; k++) {
		unsigned int i = sm.order[k];
		int len = sm.len[i];
		srtp_err_status_t e = rtcp ? srtp_unprotect_rtcp(lib, sm.buf[i], &len) :
					     srtp_unprotect(lib, sm.buf[i], &len);

		if (e != srtp_err_status_ok)
			fail_msg("%s %s: libsrtp2 unprotect of packet %u: %d",
				 ts->name, rtcp ? "rtcp" : "rtp", i, e);
		assert_int_equal(len, sm.plain_len[i]);
		assert_memory_equal(sm.buf[i], sm.plain[i], len);
	}
	srtp_dealloc(lib);

	/* libsrtp2 protects (in order) -> ours unprotects (reordered, in bursts) */
	lib = lib_ctx(ts, key, salt, false, false);
	for (unsigned int i = 0; i < sm.n; i++) {
		int len = sm.plain_len[i];

		memcpy(sm.buf[i], sm.plain[i], len);
		assert_int_equal(rtcp ? srtp_protect_rtcp(lib, sm.buf[i], &len) :
					srtp_protect(lib, sm.buf[i], &len), srtp_err_status_ok);
		sm.len[i] = (uint16_t)len;
	}
	srtp_dealloc(lib);
	dp_srtp_state_reset(&st);
	ours_bursts(rtcp ? dp_srtcp_unprotect_burst : dp_srtp_unprotect_burst, s, &st, &sm, false);
	for (unsigned int i = 0; i < sm.n; i++) {
		assert_int_equal(sm.len[i], sm.plain_len[i]);
		assert_memory_equal(sm.buf[i], sm.plain[i], sm.len[i]);
	}
	if (!rtcp) {
		assert_int_equal(st.ssrc[0].roc, 1);
		assert_int_equal(st.ssrc[0].s_l, (uint16_t)(65000 + sm.n - 1));
	} else {
		assert_int_equal(st.ssrc[0].rtcp_index, sm.n);
	}

	/* RTCP: libsrtp2 authenticated-only SRTCP (E = 0) -> ours */
	if (rtcp) {
		lib = lib_ctx(ts, key, salt, false, true);
		for (unsigned int i = 0; i < sm.n; i++) {
			int len = sm.plain_len[i];

			memcpy(sm.buf[i], sm.plain[i], len);
			assert_int_equal(srtp_protect_rtcp(lib, sm.buf[i], &len),
					 srtp_err_status_ok);
			assert_memory_equal(sm.buf[i], sm.plain[i], sm.plain_len[i]);
			sm.len[i] = (uint16_t)len;
		}
		srtp_dealloc(lib);
		dp_srtp_state_reset(&st);
		ours_bursts(dp_srtcp_unprotect_burst, s, &st, &sm, false);
		for (unsigned int i = 0; i < sm.n; i++) {
			assert_int_equal(sm.len[i], sm.plain_len[i]);
			assert_memory_equal(sm.buf[i], sm.plain[i], sm.len[i]);
		}
	}
	stream_free(&sm);
	dp_srtp_session_fini(s);
	free(s);
}

static void
test_interop_rtp(void **unused)
{
	(void)unused;
	for (unsigned int i = 0; i < N_SUITES; i++)
		interop_one(&all_suites[i], false);
}

static void
test_interop_rtcp(void **unused)
{
	(void)unused;
	for (unsigned int i = 0; i < N_SUITES; i++)
		interop_one(&all_suites[i], true);
}

/* A receiver's first burst already crosses the wrap; a forged packet in the middle. */
static void
test_first_burst_across_wrap(void **unused)
{
	static const uint16_t seqs[] = { 65533, 65534, 65535, 0, 1, 65532, 2 };
	const unsigned int n = sizeof(seqs) / sizeof(seqs[0]);
	uint8_t key[32], salt[14], bufs[8][256];
	struct dp_srtp_session *s = sess_new();
	struct dp_srtp_state tx, rx;
	struct dp_srtp_op ops[8];

	(void)unused;
	for (unsigned int si = 0; si < N_SUITES; si++) {
		rnd_bytes(key, sizeof(key));
		rnd_bytes(salt, sizeof(salt));
		sess_init(s, &all_suites[si], key, salt);
		dp_srtp_state_reset(&tx);
		dp_srtp_state_reset(&rx);
		/* sender: 65532..65535 then 0..2 in order */
		for (unsigned int k = 0; k < 7; k++) {
			uint16_t seq = (uint16_t)(65532 + k);
			uint16_t len = make_rtp(bufs[k], seq, 42, 0, 0, false, 20);

			assert_int_equal(run1(dp_srtp_protect_burst, s, &tx, bufs[k], &len, 256),
					 DP_SRTP_OK);
			ops[k] = (struct dp_srtp_op){ .pkt = bufs[k], .len = len, .room = 256,
						      .sess = s, .st = &rx };
		}
		/* deliver in the order of seqs[]: map seq -> buffer (k = seq - 65532) */
		struct dp_srtp_op in[8];

		for (unsigned int k = 0; k < n; k++)
			in[k] = ops[(uint16_t)(seqs[k] - 65532)];
		/* a forged copy of seq 1 with a broken tag, placed right after the genuine 0 */
		uint8_t forged[256];

		memcpy(forged, in[4].pkt, in[4].len);
		forged[in[4].len - 1] ^= 1;
		in[n] = in[4];
		in[n].pkt = forged;
		struct dp_srtp_op tmp = in[n];

		memmove(&in[5], &in[4], sizeof(in[0]) * (n - 4));
		in[4] = tmp;
		assert_int_equal(dp_srtp_unprotect_burst(mgr, in, (uint16_t)(n + 1)), n);
		for (unsigned int k = 0; k <= n; k++)
			assert_int_equal(in[k].status, k == 4 ? DP_SRTP_E_AUTH : DP_SRTP_OK);
		assert_int_equal(rx.ssrc[0].roc, 1);
		assert_int_equal(rx.ssrc[0].s_l, 2);
		dp_srtp_session_fini(s);
	}
	free(s);
}

/* ---------------------------------------------------------------------- */
/* 3. Replay */

struct pair {
	const struct tsuite *ts;
	struct dp_srtp_session *s;
	struct dp_srtp_state tx, rx;
};

static void
pair_init(struct pair *p, const struct tsuite *ts)
{
	uint8_t key[32], salt[14];

	rnd_bytes(key, sizeof(key));
	rnd_bytes(salt, sizeof(salt));
	p->s = sess_new();
	p->ts = ts;
	sess_init(p->s, ts, key, salt);
	dp_srtp_state_reset(&p->tx);
	dp_srtp_state_reset(&p->rx);
}

static void
pair_fini(struct pair *p)
{
	dp_srtp_session_fini(p->s);
	free(p->s);
}

static uint16_t
protect_seq(struct pair *p, uint8_t *buf, uint16_t seq, uint32_t ssrc)
{
	uint16_t len = make_rtp(buf, seq, ssrc, 0, 0, false, 40);

	assert_int_equal(run1(dp_srtp_protect_burst, p->s, &p->tx, buf, &len, 256), DP_SRTP_OK);
	return len;
}

static int
unprotect_copy(struct pair *p, const uint8_t *prot, uint16_t len)
{
	uint8_t buf[256];

	memcpy(buf, prot, len);
	return run1(dp_srtp_unprotect_burst, p->s, &p->rx, buf, &len, len);
}

static void
test_replay_rtp(void **unused)
{
	static uint8_t pk[2000][128];
	static uint16_t pl[2000];
	(void)unused;

	for (unsigned int si = 0; si < N_SUITES; si++) {
		struct pair p;

		pair_init(&p, &all_suites[si]);
		/* seq 40000 + i: s_l >= 2^15, so a forged seq can claim ROC + 1 */
		for (unsigned int i = 0; i < 2000; i++)
			pl[i] = protect_seq(&p, pk[i], (uint16_t)(40000 + i), 7);

		/* same packet twice */
		assert_int_equal(unprotect_copy(&p, pk[0], pl[0]), DP_SRTP_OK);
		assert_int_equal(unprotect_copy(&p, pk[0], pl[0]), DP_SRTP_E_REPLAY);
		/* in-window out of order, accepted once */
		assert_int_equal(unprotect_copy(&p, pk[300], pl[300]), DP_SRTP_OK);
		assert_int_equal(unprotect_copy(&p, pk[200], pl[200]), DP_SRTP_OK);
		assert_int_equal(unprotect_copy(&p, pk[200], pl[200]), DP_SRTP_E_REPLAY);
		/* top - 127 is inside the window, top - 128 is not */
		assert_int_equal(unprotect_copy(&p, pk[173], pl[173]), DP_SRTP_OK);
		assert_int_equal(unprotect_copy(&p, pk[172], pl[172]), DP_SRTP_E_REPLAY);
		assert_int_equal(unprotect_copy(&p, pk[1], pl[1]), DP_SRTP_E_REPLAY);
		/* forged tag: E_AUTH, state unchanged, genuine accepted afterwards */
		{
			uint8_t f[128];
			struct dp_srtp_state before = p.rx;

			memcpy(f, pk[400], pl[400]);
			f[pl[400] - 1] ^= 0x80;
			assert_int_equal(unprotect_copy(&p, f, pl[400]), DP_SRTP_E_AUTH);
			assert_memory_equal(&before, &p.rx, sizeof(before));
			/* forged with a seq that estimates to ROC + 1 (would move the ROC) */
			memcpy(f, pk[401], pl[401]);
			wr16(f + 2, 7000); /* top is 40300: 40300 - 32768 > 7000 */
			assert_int_equal(unprotect_copy(&p, f, pl[401]), DP_SRTP_E_AUTH);
			assert_memory_equal(&before, &p.rx, sizeof(before));
			assert_int_equal(unprotect_copy(&p, pk[400], pl[400]), DP_SRTP_OK);
			assert_int_equal(unprotect_copy(&p, pk[401], pl[401]), DP_SRTP_OK);
		}
		/* two copies in one burst: the second is a replay; window slides by 128+ */
		{
			uint8_t a[128], b[128], c[128];
			struct dp_srtp_op ops[3] = {
				{ .pkt = a, .len = pl[1500], .room = 128 },
				{ .pkt = b, .len = pl[1500], .room = 128 },
				{ .pkt = c, .len = pl[1499], .room = 128 },
			};

			for (unsigned int k = 0; k < 3; k++) {
				ops[k].sess = p.s;
				ops[k].st = &p.rx;
			}

			memcpy(a, pk[1500], pl[1500]);
			memcpy(b, pk[1500], pl[1500]);
			memcpy(c, pk[1499], pl[1499]);
			assert_int_equal(dp_srtp_unprotect_burst(mgr, ops, 3), 2);
			assert_int_equal(ops[0].status, DP_SRTP_OK);
			assert_int_equal(ops[1].status, DP_SRTP_E_REPLAY);
			assert_int_equal(ops[2].status, DP_SRTP_OK);
			assert_int_equal(unprotect_copy(&p, pk[1499], pl[1499]), DP_SRTP_E_REPLAY);
			assert_int_equal(unprotect_copy(&p, pk[1373], pl[1373]), DP_SRTP_OK);
			assert_int_equal(unprotect_copy(&p, pk[1372], pl[1372]), DP_SRTP_E_REPLAY);
			assert_int_equal(unprotect_copy(&p, pk[1436], pl[1436]), DP_SRTP_OK);
			assert_int_equal(unprotect_copy(&p, pk[1480], pl[1480]), DP_SRTP_OK);
			/* shift by 60 keeps the older marks (bit 20 moves to 80, across words) */
			assert_int_equal(unprotect_copy(&p, pk[1560], pl[1560]), DP_SRTP_OK);
			assert_int_equal(unprotect_copy(&p, pk[1480], pl[1480]), DP_SRTP_E_REPLAY);
			assert_int_equal(unprotect_copy(&p, pk[1436], pl[1436]), DP_SRTP_E_REPLAY);
			assert_int_equal(unprotect_copy(&p, pk[1500], pl[1500]), DP_SRTP_E_REPLAY);
			assert_int_equal(unprotect_copy(&p, pk[1499], pl[1499]), DP_SRTP_E_REPLAY);
			assert_int_equal(unprotect_copy(&p, pk[1433], pl[1433]), DP_SRTP_OK);
			assert_int_equal(unprotect_copy(&p, pk[1432], pl[1432]), DP_SRTP_E_REPLAY);
		}
		pair_fini(&p);
	}
}

static void
test_replay_rtcp(void **unused)
{
	static uint8_t pk[400][128];
	static uint16_t pl[400];
	(void)unused;

	for (unsigned int si = 0; si < N_SUITES; si++) {
		struct pair p;

		pair_init(&p, &all_suites[si]);
		for (unsigned int i = 0; i < 400; i++) {
			pl[i] = make_rtcp(pk[i], 99, 28);
			assert_int_equal(run1(dp_srtcp_protect_burst, p.s, &p.tx, pk[i], &pl[i],
					      128), DP_SRTP_OK);
			/* E|index starts at 1; GCM puts it last, AES-CM before the tag */
			bool gcm = p.ts->salt_len == 12;
			const uint8_t *ei = pk[i] + pl[i] - (gcm ? 4 : 14);

			uint32_t eidx = ((uint32_t)ei[0] << 24) | ((uint32_t)ei[1] << 16) |
					((uint32_t)ei[2] << 8) | ei[3];

			assert_int_equal(eidx, 0x80000000u | (i + 1));
		}
		uint8_t b[128];
		uint16_t len;

#define UNP(i) (memcpy(b, pk[i], pl[i]), len = pl[i], \
		run1(dp_srtcp_unprotect_burst, p.s, &p.rx, b, &len, len))
		assert_int_equal(UNP(0), DP_SRTP_OK);
		assert_int_equal(len, 28);
		assert_int_equal(UNP(0), DP_SRTP_E_REPLAY);
		assert_int_equal(UNP(200), DP_SRTP_OK);
		assert_int_equal(UNP(150), DP_SRTP_OK);
		assert_int_equal(UNP(150), DP_SRTP_E_REPLAY);
		assert_int_equal(UNP(73), DP_SRTP_OK);        /* top - 127 */
		assert_int_equal(UNP(72), DP_SRTP_E_REPLAY);  /* top - 128 */
		{
			struct dp_srtp_state before = p.rx;

			memcpy(b, pk[201], pl[201]);
			b[10] ^= 4;
			len = pl[201];
			assert_int_equal(run1(dp_srtcp_unprotect_burst, p.s, &p.rx, b, &len, len),
					 DP_SRTP_E_AUTH);
			assert_memory_equal(&before, &p.rx, sizeof(before));
		}
		assert_int_equal(UNP(201), DP_SRTP_OK);
		assert_int_equal(UNP(399), DP_SRTP_OK);
		assert_int_equal(UNP(271), DP_SRTP_E_REPLAY);
		assert_int_equal(UNP(272), DP_SRTP_OK);
#undef UNP
		pair_fini(&p);
	}
}

/* ---------------------------------------------------------------------- */
/* 4. Malformed input */

static int
expected_garbage_status(const struct dp_srtp_session *s, bool rtcp, const uint8_t *pkt,
			uint16_t len)
{
	if (rtcp)
		return len < 8 + 4 + s->rtcp_tag_len ? DP_SRTP_E_MALFORMED : DP_SRTP_E_AUTH;
	if (len < 12 + s->tag_len || ref_rtp_hdr_len(pkt, len - s->tag_len) < 0)
		return DP_SRTP_E_MALFORMED;
	return DP_SRTP_E_AUTH;
}

static void
test_malformed(void **unused)
{
	(void)unused;
	for (unsigned int si = 0; si < N_SUITES; si++) {
		struct pair p;
		uint8_t buf[2048];
		uint16_t len;

		pair_init(&p, &all_suites[si]);
		/* lengths 0..20 of garbage, all four directions */
		for (unsigned int l = 0; l <= 20; l++) {
			for (unsigned int rep = 0; rep < 8; rep++) {
				uint8_t g[64];
				struct dp_srtp_state st;

				rnd_bytes(g, sizeof(g));
				if (rep & 1)
					g[0] &= 0xe0; /* CC 0, no X */
				dp_srtp_state_reset(&st);
				int want;

				memcpy(buf, g, l);
				len = (uint16_t)l;
				want = expected_garbage_status(p.s, false, g, (uint16_t)l);
				assert_int_equal(run1(dp_srtp_unprotect_burst, p.s, &st, buf, &len,
						      (uint16_t)l), want);
				memcpy(buf, g, l);
				len = (uint16_t)l;
				want = expected_garbage_status(p.s, true, g, (uint16_t)l);
				assert_int_equal(run1(dp_srtcp_unprotect_burst, p.s, &st, buf, &len,
						      (uint16_t)l), want);
				memcpy(buf, g, l);
				len = (uint16_t)l;
				want = ref_rtp_hdr_len(g, l) < 0 ? DP_SRTP_E_MALFORMED : DP_SRTP_OK;
				assert_int_equal(run1(dp_srtp_protect_burst, p.s, &st, buf, &len,
						      64), want);
				memcpy(buf, g, l);
				len = (uint16_t)l;
				want = l < 8 ? DP_SRTP_E_MALFORMED : DP_SRTP_OK;
				assert_int_equal(run1(dp_srtcp_protect_burst, p.s, &st, buf, &len,
						      64), want);
			}
		}
		/* CC bigger than the length */
		len = make_rtp(buf, 1, 5, 0, 0, false, 40); /* 52 bytes */
		buf[0] = 0x8f;                                  /* 15 CSRCs = 72 bytes */
		assert_int_equal(run1(dp_srtp_protect_burst, p.s, &p.tx, buf, &len, 200),
				 DP_SRTP_E_MALFORMED);
		assert_int_equal(run1(dp_srtp_unprotect_burst, p.s, &p.rx, buf, &len, 200),
				 DP_SRTP_E_MALFORMED);
		/* CC fits, but not with the tag on unprotect */
		len = make_rtp(buf, 1, 5, 0, 0, false, 4 * 4 + p.s->tag_len - 1);
		buf[0] = 0x84;
		assert_int_equal(run1(dp_srtp_unprotect_burst, p.s, &p.rx, buf, &len, 200),
				 DP_SRTP_E_MALFORMED);
		/* extension length past the end */
		len = make_rtp(buf, 1, 5, 0, 3, true, 8);
		wr16(buf + 14, 100);
		assert_int_equal(run1(dp_srtp_protect_burst, p.s, &p.tx, buf, &len, 1000),
				 DP_SRTP_E_MALFORMED);
		assert_int_equal(run1(dp_srtp_unprotect_burst, p.s, &p.rx, buf, &len, 1000),
				 DP_SRTP_E_MALFORMED);
		/* extension header itself past the end */
		len = make_rtp(buf, 1, 5, 0, 0, false, 2);
		buf[0] |= 0x10;
		assert_int_equal(run1(dp_srtp_protect_burst, p.s, &p.tx, buf, &len, 1000),
				 DP_SRTP_E_MALFORMED);
		/* extension exactly filling the packet is fine (empty payload) */
		len = make_rtp(buf, 1, 5, 2, 3, true, 0);
		assert_int_equal(run1(dp_srtp_protect_burst, p.s, &p.tx, buf, &len, 1000),
				 DP_SRTP_OK);
		assert_int_equal(run1(dp_srtp_unprotect_burst, p.s, &p.rx, buf, &len, len),
				 DP_SRTP_OK);
		assert_int_equal(len, 12 + 8 + 4 + 12);
		/* too little room on protect */
		len = make_rtp(buf, 2, 5, 0, 0, false, 100);
		assert_int_equal(run1(dp_srtp_protect_burst, p.s, &p.tx, buf, &len,
				      len + p.s->tag_len - 1), DP_SRTP_E_ROOM);
		assert_int_equal(run1(dp_srtp_protect_burst, p.s, &p.tx, buf, &len, len),
				 DP_SRTP_E_ROOM);
		assert_int_equal(run1(dp_srtp_protect_burst, p.s, &p.tx, buf, &len,
				      len + p.s->tag_len), DP_SRTP_OK);
		len = make_rtcp(buf, 5, 40);
		assert_int_equal(run1(dp_srtcp_protect_burst, p.s, &p.tx, buf, &len,
				      len + 4 + p.s->rtcp_tag_len - 1), DP_SRTP_E_ROOM);
		assert_int_equal(run1(dp_srtcp_protect_burst, p.s, &p.tx, buf, &len,
				      len + DP_SRTP_MAX_TRAILER), DP_SRTP_OK);
		/* room smaller than len, NULL packet */
		len = 40;
		assert_int_equal(run1(dp_srtp_protect_burst, p.s, &p.tx, buf, &len, 39),
				 DP_SRTP_E_MALFORMED);
		assert_int_equal(run1(dp_srtp_unprotect_burst, p.s, &p.rx, buf, &len, 39),
				 DP_SRTP_E_MALFORMED);
		assert_int_equal(run1(dp_srtp_unprotect_burst, p.s, &p.rx, NULL, &len, 40),
				 DP_SRTP_E_MALFORMED);
		pair_fini(&p);
	}
}

/* Random bytes, random len 0..room, exact-size heap buffers (ASan checks the bounds). */
static void
test_fuzz(void **unused)
{
	static const burst_fn fns[4] = { dp_srtp_protect_burst, dp_srtp_unprotect_burst,
					 dp_srtcp_protect_burst, dp_srtcp_unprotect_burst };
	(void)unused;

	for (unsigned int si = 0; si < N_SUITES; si++) {
		struct pair p;

		pair_init(&p, &all_suites[si]);
		for (unsigned int it = 0; it < 3000; it++) {
			struct dp_srtp_op ops[8];
			uint8_t *bufs[8];
			unsigned int n = 1 + rnd() % 8, f = rnd() % 4;

			for (unsigned int k = 0; k < n; k++) {
				uint16_t room = (uint16_t)(rnd() % 120);
				uint16_t len = room ? (uint16_t)(rnd() % (room + 1)) : 0;

				bufs[k] = malloc(room ? room : 1);
				rnd_bytes(bufs[k], room);
				if (rnd() % 2)
					bufs[k][0] = (uint8_t)(0x80 | (bufs[k][0] & 0x1f));
				ops[k] = (struct dp_srtp_op){
					.pkt = bufs[k], .len = len, .room = room, .sess = p.s,
					.st = (f & 1) ? &p.rx : &p.tx,
				};
			}
			uint16_t nok = fns[f](mgr, ops, (uint16_t)n);
			uint16_t cnt = 0;

			for (unsigned int k = 0; k < n; k++) {
				assert_true(ops[k].status < DP_SRTP_STATUS_COUNT);
				assert_true(ops[k].len <= ops[k].room);
				if (f & 1)
					assert_int_not_equal(ops[k].status, DP_SRTP_OK);
				cnt += ops[k].status == DP_SRTP_OK;
				free(bufs[k]);
			}
			assert_int_equal(nok, cnt);
		}
		pair_fini(&p);
	}
}

/* NULL sessions pass through; large bursts are chunked; n = 0. */
static void
test_null_and_chunks(void **unused)
{
	struct pair p;
	struct dp_srtp_session *nulls = sess_new();
	struct dp_srtp_op ops[100];
	static uint8_t bufs[100][256], orig[100][256];
	uint16_t lens[100];

	(void)unused;
	pair_init(&p, &all_suites[2]);
	assert_int_equal(p.ts->suite, DP_SRTP_AEAD_AES_128_GCM);
	assert_int_equal(dp_srtp_session_init(nulls, mgr, DP_SRTP_NULL, NULL, 0, NULL, 0), 0);
	assert_int_equal(dp_srtp_protect_burst(mgr, ops, 0), 0);
	for (unsigned int i = 0; i < 100; i++) {
		lens[i] = make_rtp(bufs[i], (uint16_t)i, 1 + i % 3, 0, 0, false, 30 + i);
		memcpy(orig[i], bufs[i], lens[i]);
		ops[i] = (struct dp_srtp_op){ .pkt = bufs[i], .len = lens[i], .room = 256,
					      .sess = i % 10 == 0 ? NULL :
						      i % 10 == 1 ? nulls : p.s,
					      .st = &p.tx };
	}
	assert_int_equal(dp_srtp_protect_burst(mgr, ops, 100), 100);
	for (unsigned int i = 0; i < 100; i++) {
		assert_int_equal(ops[i].status, DP_SRTP_OK);
		if (i % 10 <= 1) {
			assert_int_equal(ops[i].len, lens[i]);
			assert_memory_equal(bufs[i], orig[i], lens[i]);
		} else {
			assert_int_equal(ops[i].len, lens[i] + 16);
		}
		ops[i].st = &p.rx;
	}
	assert_int_equal(dp_srtp_unprotect_burst(mgr, ops, 100), 100);
	for (unsigned int i = 0; i < 100; i++) {
		assert_int_equal(ops[i].status, DP_SRTP_OK);
		assert_int_equal(ops[i].len, lens[i]);
		assert_memory_equal(bufs[i], orig[i], lens[i]);
	}
	free(nulls);
	pair_fini(&p);
}

/* ---------------------------------------------------------------------- */
/* 5. SSRCs and LRU */

static struct dp_srtp_ssrc_state *
slot_of(struct dp_srtp_state *st, uint32_t ssrc)
{
	for (unsigned int i = 0; i < DP_SRTP_MAX_SSRC; i++)
		if (st->ssrc[i].in_use && st->ssrc[i].ssrc == ssrc)
			return &st->ssrc[i];
	return NULL;
}

static void
test_multi_ssrc_lru(void **unused)
{
	uint8_t buf[256];
	uint16_t len;
	struct pair p;

	(void)unused;
	for (unsigned int si = 0; si < N_SUITES; si++) {
		pair_init(&p, &all_suites[si]);
		/* DP_SRTP_MAX_SSRC streams interleaved, each with its own seq space and wrap */
		for (unsigned int i = 0; i < 300; i++) {
			for (uint32_t k = 0; k < DP_SRTP_MAX_SSRC; k++) {
				uint16_t seq = (uint16_t)(65400 + 1000 * k + i);

				len = protect_seq(&p, buf, seq, 100 + k);
				assert_int_equal(unprotect_copy(&p, buf, len), DP_SRTP_OK);
			}
		}
		for (uint32_t k = 0; k < DP_SRTP_MAX_SSRC; k++) {
			struct dp_srtp_ssrc_state *e = slot_of(&p.rx, 100 + k);

			assert_non_null(e);
			assert_int_equal(e->roc, k == 0 ? 1 : 0);
			assert_int_equal(e->s_l, (uint16_t)(65400 + 1000 * k + 299));
			assert_non_null(slot_of(&p.tx, 100 + k));
		}
		/* SRTCP index per SSRC, from 1 */
		for (uint32_t k = 0; k < 2; k++) {
			len = make_rtcp(buf, 100 + k, 16);
			assert_int_equal(run1(dp_srtcp_protect_burst, p.s, &p.tx, buf, &len, 256),
					 DP_SRTP_OK);
			assert_int_equal(slot_of(&p.tx, 100 + k)->rtcp_index, 1);
			assert_int_equal(run1(dp_srtcp_unprotect_burst, p.s, &p.rx, buf, &len, len),
					 DP_SRTP_OK);
			assert_int_equal(slot_of(&p.rx, 100 + k)->rtcp_index, 1);
		}
		/* touch 100, 101, 103: 102 becomes the least recently used */
		for (uint32_t k = 0; k < DP_SRTP_MAX_SSRC; k++) {
			if (k == 2)
				continue;
			len = protect_seq(&p, buf, (uint16_t)(65400 + 1000 * k + 300), 100 + k);
			assert_int_equal(unprotect_copy(&p, buf, len), DP_SRTP_OK);
		}
		/* a forged packet of a new SSRC evicts nothing */
		{
			struct dp_srtp_state before = p.rx;

			len = protect_seq(&p, buf, 5, 200);
			buf[len - 2] ^= 0x10;
			assert_int_equal(unprotect_copy(&p, buf, len), DP_SRTP_E_AUTH);
			assert_memory_equal(&before, &p.rx, sizeof(before));
		}
		/* a genuine fifth SSRC recycles 102 on both sides */
		len = protect_seq(&p, buf, 6, 200);
		assert_int_equal(unprotect_copy(&p, buf, len), DP_SRTP_OK);
		assert_null(slot_of(&p.rx, 102));
		assert_non_null(slot_of(&p.rx, 200));
		assert_null(slot_of(&p.tx, 102));
		for (uint32_t k = 0; k < DP_SRTP_MAX_SSRC; k++)
			if (k != 2)
				assert_non_null(slot_of(&p.rx, 100 + k));
		/* 100 survives with its ROC; 102 comes back as a new SSRC (ROC 0) */
		len = protect_seq(&p, buf, (uint16_t)(65400 + 301), 100);
		assert_int_equal(unprotect_copy(&p, buf, len), DP_SRTP_OK);
		assert_int_equal(slot_of(&p.rx, 100)->roc, 1);
		len = protect_seq(&p, buf, 20, 102);
		assert_int_equal(unprotect_copy(&p, buf, len), DP_SRTP_OK);
		assert_non_null(slot_of(&p.rx, 102));
		/* many SSRCs round robin in one burst: everything still authenticates */
		{
			struct dp_srtp_op ops[40];
			static uint8_t b[40][256];

			for (unsigned int i = 0; i < 40; i++) {
				uint16_t l = protect_seq(&p, b[i], (uint16_t)(30000 + i),
							 1000 + i % 9);

				ops[i] = (struct dp_srtp_op){ .pkt = b[i], .len = l, .room = 256,
							      .sess = p.s, .st = &p.rx };
			}
			assert_int_equal(dp_srtp_unprotect_burst(mgr, ops, 40), 40);
		}
		dp_srtp_state_reset(&p.rx);
		for (unsigned int i = 0; i < DP_SRTP_MAX_SSRC; i++)
			assert_int_equal(p.rx.ssrc[i].in_use, 0);
		pair_fini(&p);
	}
}

/* ---------------------------------------------------------------------- */

static int
group_setup(void **unused)
{
	json_error_t err;

	(void)unused;
	vectors = json_load_file(vectors_path, 0, &err);
	if (vectors == NULL) {
		fprintf(stderr, "%s:%d: %s\n", vectors_path, err.line, err.text);
		return -1;
	}
	if (srtp_init() != srtp_err_status_ok)
		return -1;
	return dp_srtp_mgr_create(&mgr) == 0 ? 0 : -1;
}

static int
group_teardown(void **unused)
{
	(void)unused;
	dp_srtp_mgr_destroy(mgr);
	srtp_shutdown();
	json_decref(vectors);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_names),
		cmocka_unit_test(test_session_init_errors),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_interop_rtp),
		cmocka_unit_test(test_interop_rtcp),
		cmocka_unit_test(test_first_burst_across_wrap),
		cmocka_unit_test(test_replay_rtp),
		cmocka_unit_test(test_replay_rtcp),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_null_and_chunks),
		cmocka_unit_test(test_multi_ssrc_lru),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s vectors.json\n", argv[0]);
		return 2;
	}
	vectors_path = argv[1];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
