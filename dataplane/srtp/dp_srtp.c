/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_srtp.c - SRTP and SRTCP (RFC 3711, RFC 7714, RFC 6188) on intel ipsec-mb.
 *
 * Context: dp_srtp_suite_*, dp_srtp_session_*, dp_srtp_state_reset and
 * dp_srtp_mgr_* run on the control path; the four *_burst functions run on
 * io lcores and follow the fast-path rules (no allocation, no lock, no
 * syscall, no log): every scratch buffer lives on the stack, one chunk of
 * DP_SRTP_CHUNK packets at a time.
 *
 * A burst is processed chunk by chunk in three passes:
 *  1. in order: check bounds, find the SSRC state, estimate the index
 *     (RFC 3711 §3.3.1) and pre-check the replay window (§3.3.2), build the
 *     IV and submit one ipsec-mb job per packet (AES-CTR chained with
 *     HMAC-SHA1, or AES-GCM);
 *  2. flush the manager;
 *  3. in order: for unprotect compare the tag in constant time, then check
 *     the replay window again against the state as committed by the earlier
 *     packets of the chunk and only then commit ROC, highest index and window.
 *     Two copies of one packet in a chunk: the second fails the re-check.
 *
 * Packet layouts (all in place):
 *   SRTP AES-CM:  header | E(payload) | tag(10 or 4)
 *                 tag = HMAC-SHA1(auth_key, header | E(payload) | ROC)  (§4.2)
 *   SRTCP AES-CM: header(8) | E(payload) | E|index | tag(10)           (§3.4)
 *   SRTP GCM:     header | E(payload) | tag(16), AAD = header           (RFC 7714 §8)
 *   SRTCP GCM:    header(8) | E(payload) | tag(16) | E|index,
 *                 AAD = header(8) | E|index                           (RFC 7714 §9, §17)
 *
 * Behaviour worth knowing:
 *  - protect needs room for the trailer of the suite (len + tag, + 4 for
 *    SRTCP); DP_SRTP_MAX_TRAILER is enough for every suite;
 *  - protect does not refuse a sequence number sent before (like libsrtp's
 *    allow_repeat_tx): a relay may retransmit; the ROC still follows wraps;
 *  - unprotect takes an SSRC slot (free, else least recently used) only
 *    for an authenticated packet, so forged packets cannot evict a stream;
 *    the first packet of an unknown SSRC uses ROC 0 (RFC 3711 §3.3.1);
 *  - SRTCP packets with E = 0 (authenticated only) are accepted on unprotect;
 *    protect always encrypts (E = 1);
 *  - an exhausted index space (ROC or SRTCP index) gives DP_SRTP_E_REPLAY:
 *    the keys must be renewed (RFC 3711 §9.2).
 * On an error status the packet bytes are unspecified (unprotect may already
 * have decrypted them in place: ipsec-mb runs hash and cipher in one job).
 */
#include <errno.h>
#include <string.h>

#include "dp_srtp.h"

/* Packets per internal chunk: the size of the on-stack job contexts. */
#define DP_SRTP_CHUNK 32

#define RTP_HDR_LEN 12
#define RTCP_HDR_LEN 8
#define SRTCP_E_FLAG 0x80000000u
#define SRTCP_INDEX_MAX 0x7fffffffu
#define GCM_TAG_LEN 16
#define GCM_IV_LEN 12
#define CM_IV_LEN 16
#define HMAC_SHA1_KEY_LEN 20
#define SHA1_BLOCK_LEN 64
/* ipsec-mb 1.3 accepts 12 or 20 for HMAC-SHA1; 12 covers the 10 and 4 used. */
#define HMAC_SHA1_JOB_TAG_LEN 12

/*
 * AES_256_CM_HMAC_SHA1_80 (RFC 6188) is implemented but not part of the
 * public enum (the rest of the data plane knows four suites): it has a
 * private suite number after the public ones, reachable only through
 * dp_srtp_priv_session_init(), for the conformance vector that uses it.
 */
#define SUITE_PRIV_AES_256_CM_HMAC_SHA1_80 DP_SRTP_SUITE_COUNT
#define SUITE_TABLE_SIZE (DP_SRTP_SUITE_COUNT + 1)

/*
 * Private helpers exported for the unit test only (RFC 3711 B.2 and B.3
 * vectors, RFC 6188 suite). Not part of the dp_srtp.h contract.
 */
int dp_srtp_priv_aes_cm(IMB_MGR *mgr, const uint8_t *key, size_t key_len,
			const uint8_t iv[16], uint8_t *out, size_t len);
int dp_srtp_priv_kdf(IMB_MGR *mgr, const uint8_t *key, size_t key_len,
		     const uint8_t *salt, size_t salt_len, uint8_t label,
		     uint8_t *out, size_t len);
int dp_srtp_priv_session_init(struct dp_srtp_session *s, IMB_MGR *mgr, const char *profile,
			      const uint8_t *key, size_t key_len, const uint8_t *salt,
			      size_t salt_len);

struct suite_info {
	const char *name;
	uint8_t master_key_len;
	uint8_t master_salt_len;
	uint8_t tag_len;      /* SRTP */
	uint8_t rtcp_tag_len; /* SRTCP */
	uint8_t aead;
};

static const struct suite_info suites[SUITE_TABLE_SIZE] = {
	[DP_SRTP_NULL] = { "NULL", 0, 0, 0, 0, 0 },
	/* RFC 3711 §5 (mandatory/default transforms), RFC 4568 §6.2 names */
	[DP_SRTP_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10, 0 },
	/* RFC 4568 §6.2.1: 32-bit tag for SRTP only, SRTCP keeps 80 bits */
	[DP_SRTP_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10, 0 },
	/* RFC 7714 §12, §14.2: 96-bit salt, 16-octet tag */
	[DP_SRTP_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 16, 12, 16, 16, 1 },
	[DP_SRTP_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 32, 12, 16, 16, 1 },
	/* RFC 6188 §3, §7 */
	[SUITE_PRIV_AES_256_CM_HMAC_SHA1_80] = { "AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10, 0 },
};

/* Per-packet context of one chunk; lives on the stack of the burst call. */
struct pkt_ctx {
	uint8_t iv[CM_IV_LEN] __attribute__((aligned(16)));
	uint8_t aad[16];        /* SRTCP GCM: header(8) | E|index */
	uint8_t rx_tag[GCM_TAG_LEN]; /* received tag set aside before the job overwrote it */
	uint8_t tag[20];        /* tag computed by the job */
	uint64_t index;         /* SRTP 48-bit packet index, or SRTCP 31-bit index */
	uint32_t ssrc;
	uint16_t out_len;       /* op->len once the packet succeeds */
	uint8_t *tag_cmp;       /* unprotect: received tag to compare with */
	uint8_t *tag_dst;       /* protect AES-CM: where the truncated tag goes */
	uint8_t tag_len;
	uint8_t job;            /* a job was submitted for this packet */
	uint8_t job_ok;         /* ipsec-mb completed it */
};

/* SRTP unprotect: SSRCs without an authenticated first packet yet (per chunk). */
struct pending_base {
	const struct dp_srtp_state *st;
	uint32_t ssrc;
	uint32_t roc;
	uint16_t s_l;
};

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
xor32(uint8_t *p, uint32_t v)
{
	p[0] ^= (uint8_t)(v >> 24);
	p[1] ^= (uint8_t)(v >> 16);
	p[2] ^= (uint8_t)(v >> 8);
	p[3] ^= (uint8_t)v;
}

static inline void
xor_bytes(uint8_t *d, const uint8_t *s, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		d[i] ^= s[i];
}

/* Constant-time tag comparison: no early exit on the first difference. */
static inline int
tag_equal(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	volatile uint8_t d = 0;

	for (unsigned int i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/*
 * RTP header length (RFC 3550 §5.1, §5.3.1): 12 + 4*CC, plus 4 + 4*length
 * when X is set. @return the length, or -1 when it does not fit in @p avail.
 */
static inline int
rtp_hdr_len(const uint8_t *p, uint32_t avail)
{
	uint32_t h;

	if (avail < RTP_HDR_LEN)
		return -1;
	h = RTP_HDR_LEN + 4u * (p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (h + 4 > avail)
			return -1;
		h += 4 + 4u * rd16(p + h + 2);
	}
	if (h > avail)
		return -1;
	return (int)h;
}

/* ---------------------------------------------------------------------- */
/* Suites */

int
dp_srtp_suite_parse(const char *name)
{
	if (name == NULL)
		return -EINVAL;
	for (int i = 0; i < DP_SRTP_SUITE_COUNT; i++)
		if (strcmp(name, suites[i].name) == 0)
			return i;
	return -EINVAL;
}

const char *
dp_srtp_suite_name(enum dp_srtp_suite suite)
{
	if ((unsigned int)suite >= DP_SRTP_SUITE_COUNT)
		return NULL;
	return suites[suite].name;
}

size_t
dp_srtp_suite_key_len(enum dp_srtp_suite suite)
{
	if ((unsigned int)suite >= DP_SRTP_SUITE_COUNT)
		return 0;
	return suites[suite].master_key_len;
}

size_t
dp_srtp_suite_salt_len(enum dp_srtp_suite suite)
{
	if ((unsigned int)suite >= DP_SRTP_SUITE_COUNT)
		return 0;
	return suites[suite].master_salt_len;
}

/* ---------------------------------------------------------------------- */
/* Control path: one synchronous job, key derivation, session keys */

/* Run one job that the caller has filled; the manager must be idle. */
static int
run_job_sync(IMB_MGR *mgr, IMB_JOB *job)
{
	IMB_JOB *done;
	int ok = 0;

	job->user_data = job;
	done = IMB_SUBMIT_JOB(mgr);
	while (done != NULL) {
		if (done->user_data == job)
			ok = done->status == IMB_STATUS_COMPLETED;
		done = IMB_GET_COMPLETED_JOB(mgr);
	}
	while ((done = IMB_FLUSH_JOB(mgr)) != NULL)
		if (done->user_data == job)
			ok = done->status == IMB_STATUS_COMPLETED;
	return ok ? 0 : -EIO;
}

/*
 * AES-CM keystream (RFC 3711 §4.1.1): AES_k(IV), AES_k(IV + 1), ... where
 * @p iv is the whole 128-bit first counter block.
 */
int
dp_srtp_priv_aes_cm(IMB_MGR *mgr, const uint8_t *key, size_t key_len,
		    const uint8_t iv[16], uint8_t *out, size_t len)
{
	uint32_t enc[60] __attribute__((aligned(16)));
	uint32_t dec[60] __attribute__((aligned(16)));
	IMB_JOB *job;
	int ret;

	if (mgr == NULL || key == NULL || iv == NULL || out == NULL || len == 0)
		return -EINVAL;
	if (key_len == 16)
		IMB_AES_KEYEXP_128(mgr, key, enc, dec);
	else if (key_len == 32)
		IMB_AES_KEYEXP_256(mgr, key, enc, dec);
	else
		return -EINVAL;
	memset(out, 0, len);
	job = IMB_GET_NEXT_JOB(mgr);
	job->cipher_mode = IMB_CIPHER_CNTR;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->hash_alg = IMB_AUTH_NULL;
	job->enc_keys = enc;
	job->dec_keys = enc;
	job->key_len_in_bytes = key_len;
	job->src = out;
	job->dst = out;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = 0;
	job->iv = iv;
	job->iv_len_in_bytes = CM_IV_LEN;
	job->auth_tag_output = NULL;
	job->auth_tag_output_len_in_bytes = 0;
	ret = run_job_sync(mgr, job);
	explicit_bzero(enc, sizeof(enc));
	explicit_bzero(dec, sizeof(dec));
	return ret;
}

/*
 * Key derivation, RFC 3711 §4.3.1-§4.3.3 with key_derivation_rate 0 (so r = 0):
 * key_id = label || r, x = key_id XOR master_salt (right-aligned, the label
 * lands in octet 7 of the 14-octet salt), output = AES-CM_master_key(x * 2^16).
 * RFC 7714 §11: for GCM the 96-bit master salt is used the same way, padded
 * with two zero octets on the right (as libsrtp does); RFC 6188 §7 and
 * RFC 7714 §11: a 256-bit master key means an AES-256 PRF.
 */
int
dp_srtp_priv_kdf(IMB_MGR *mgr, const uint8_t *key, size_t key_len,
		 const uint8_t *salt, size_t salt_len, uint8_t label,
		 uint8_t *out, size_t len)
{
	uint8_t x[CM_IV_LEN] = { 0 };
	int ret;

	if (salt == NULL || salt_len > DP_SRTP_MAX_MASTER_SALT)
		return -EINVAL;
	memcpy(x, salt, salt_len);
	x[7] ^= label;
	ret = dp_srtp_priv_aes_cm(mgr, key, key_len, x, out, len);
	explicit_bzero(x, sizeof(x));
	return ret;
}

/* HMAC-SHA1 (RFC 2104) inner and outer pads, each hashed over one block. */
static void
hmac_sha1_pads(IMB_MGR *mgr, const uint8_t *key, size_t key_len, uint8_t ipad[20], uint8_t opad[20])
{
	uint8_t blk[SHA1_BLOCK_LEN] __attribute__((aligned(16)));
	size_t i;

	memset(blk, 0x36, sizeof(blk));
	for (i = 0; i < key_len; i++)
		blk[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(mgr, blk, ipad);
	memset(blk, 0x5c, sizeof(blk));
	for (i = 0; i < key_len; i++)
		blk[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(mgr, blk, opad);
	explicit_bzero(blk, sizeof(blk));
}

/* Install the session keys of one direction (SRTP or SRTCP) into @p s. */
static void
session_set_keys(struct dp_srtp_session *s, IMB_MGR *mgr, bool rtcp, const uint8_t *ekey,
		 const uint8_t *esalt, const uint8_t *akey)
{
	uint8_t *salt = rtcp ? s->rtcp_salt : s->rtp_salt;
	uint32_t *ek = rtcp ? s->rtcp_enc_keys : s->rtp_enc_keys;
	uint32_t dec_keys[60] __attribute__((aligned(16))); /* CTR mode needs none: wiped */

	memcpy(salt, esalt, s->salt_len);
	if (suites[s->suite].aead) {
		struct gcm_key_data *gk = rtcp ? &s->rtcp_gcm : &s->rtp_gcm;

		if (s->key_len == 16)
			IMB_AES128_GCM_PRE(mgr, ekey, gk);
		else
			IMB_AES256_GCM_PRE(mgr, ekey, gk);
		return;
	}
	if (s->key_len == 16)
		IMB_AES_KEYEXP_128(mgr, ekey, ek, dec_keys);
	else
		IMB_AES_KEYEXP_256(mgr, ekey, ek, dec_keys);
	explicit_bzero(dec_keys, sizeof(dec_keys));
	hmac_sha1_pads(mgr, akey, HMAC_SHA1_KEY_LEN, rtcp ? s->rtcp_ipad : s->rtp_ipad,
		       rtcp ? s->rtcp_opad : s->rtp_opad);
}

static void
session_set_params(struct dp_srtp_session *s, unsigned int suite)
{
	const struct suite_info *si = &suites[suite];

	memset(s, 0, sizeof(*s));
	s->suite = (enum dp_srtp_suite)suite;
	s->tag_len = si->tag_len;
	s->rtcp_tag_len = si->rtcp_tag_len;
	s->key_len = si->master_key_len;
	s->salt_len = si->aead ? GCM_IV_LEN : DP_SRTP_MAX_MASTER_SALT;
}

/* dp_srtp_session_init() for any entry of suites[], private ones included. */
static int
session_init(struct dp_srtp_session *s, IMB_MGR *mgr, unsigned int suite, const uint8_t *key,
	     size_t key_len, const uint8_t *salt, size_t salt_len)
{
	uint8_t ekey[DP_SRTP_MAX_MASTER_KEY];
	uint8_t esalt[DP_SRTP_MAX_MASTER_SALT];
	uint8_t akey[HMAC_SHA1_KEY_LEN];
	const struct suite_info *si;
	int ret = 0;

	if (s == NULL || suite >= SUITE_TABLE_SIZE)
		return -EINVAL;
	si = &suites[suite];
	if (key_len != si->master_key_len || salt_len != si->master_salt_len)
		return -EINVAL;
	if (suite == DP_SRTP_NULL) {
		session_set_params(s, suite);
		return 0;
	}
	if (mgr == NULL || key == NULL || salt == NULL)
		return -EINVAL;
	session_set_params(s, suite);

	/* RFC 3711 §4.3.2: labels 0/1/2 for SRTP, 3/4/5 for SRTCP (cipher, auth, salt). */
	for (int rtcp = 0; rtcp <= 1 && ret == 0; rtcp++) {
		uint8_t base = rtcp ? 3 : 0;

		ret = dp_srtp_priv_kdf(mgr, key, key_len, salt, salt_len, base + 0, ekey,
				       s->key_len);
		if (ret == 0)
			ret = dp_srtp_priv_kdf(mgr, key, key_len, salt, salt_len, base + 2, esalt,
					       s->salt_len);
		if (ret == 0 && !si->aead)
			ret = dp_srtp_priv_kdf(mgr, key, key_len, salt, salt_len, base + 1, akey,
					       sizeof(akey));
		if (ret == 0)
			session_set_keys(s, mgr, rtcp, ekey, esalt, akey);
	}
	explicit_bzero(ekey, sizeof(ekey));
	explicit_bzero(esalt, sizeof(esalt));
	explicit_bzero(akey, sizeof(akey));
	if (ret != 0) {
		explicit_bzero(s, sizeof(*s));
		return ret;
	}
	return 0;
}

int
dp_srtp_session_init(struct dp_srtp_session *s, IMB_MGR *mgr, enum dp_srtp_suite suite,
		     const uint8_t *key, size_t key_len, const uint8_t *salt, size_t salt_len)
{
	if ((unsigned int)suite >= DP_SRTP_SUITE_COUNT)
		return -EINVAL;
	return session_init(s, mgr, suite, key, key_len, salt, salt_len);
}

/* Test only: like dp_srtp_session_init() with a suite named like SDES, private ones too. */
int
dp_srtp_priv_session_init(struct dp_srtp_session *s, IMB_MGR *mgr, const char *profile,
			  const uint8_t *key, size_t key_len, const uint8_t *salt,
			  size_t salt_len)
{
	if (profile == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < SUITE_TABLE_SIZE; i++)
		if (strcmp(profile, suites[i].name) == 0)
			return session_init(s, mgr, i, key, key_len, salt, salt_len);
	return -EINVAL;
}

int
dp_srtp_session_init_raw(struct dp_srtp_session *s, IMB_MGR *mgr, enum dp_srtp_suite suite,
			 const uint8_t *session_key, size_t key_len, const uint8_t *session_salt,
			 size_t salt_len, const uint8_t *auth_key, size_t auth_key_len)
{
	const struct suite_info *si;

	if (s == NULL || mgr == NULL || (unsigned int)suite >= DP_SRTP_SUITE_COUNT ||
	    suite == DP_SRTP_NULL)
		return -EINVAL;
	si = &suites[suite];
	if (session_key == NULL || session_salt == NULL || key_len != si->master_key_len)
		return -EINVAL;
	if (salt_len != (si->aead ? GCM_IV_LEN : DP_SRTP_MAX_MASTER_SALT))
		return -EINVAL;
	if (!si->aead && (auth_key == NULL || auth_key_len != HMAC_SHA1_KEY_LEN))
		return -EINVAL;
	session_set_params(s, suite);
	session_set_keys(s, mgr, false, session_key, session_salt, auth_key);
	session_set_keys(s, mgr, true, session_key, session_salt, auth_key);
	return 0;
}

void
dp_srtp_session_fini(struct dp_srtp_session *s)
{
	if (s != NULL)
		explicit_bzero(s, sizeof(*s));
}

void
dp_srtp_state_reset(struct dp_srtp_state *st)
{
	if (st != NULL)
		memset(st, 0, sizeof(*st));
}

/* ---------------------------------------------------------------------- */
/* SSRC state: lookup, allocation with LRU recycling */

static inline struct dp_srtp_ssrc_state *
ssrc_find(struct dp_srtp_state *st, uint32_t ssrc)
{
	for (unsigned int i = 0; i < DP_SRTP_MAX_SSRC; i++)
		if (st->ssrc[i].in_use && st->ssrc[i].ssrc == ssrc)
			return &st->ssrc[i];
	return NULL;
}

/* Find @p ssrc, else take a free slot, else recycle the least recently used. */
static inline struct dp_srtp_ssrc_state *
ssrc_get(struct dp_srtp_state *st, uint32_t ssrc)
{
	struct dp_srtp_ssrc_state *e = ssrc_find(st, ssrc);
	struct dp_srtp_ssrc_state *victim = NULL;

	if (e == NULL) {
		for (unsigned int i = 0; i < DP_SRTP_MAX_SSRC; i++) {
			e = &st->ssrc[i];
			if (!e->in_use) {
				victim = e;
				break;
			}
			if (victim == NULL || e->last_use < victim->last_use)
				victim = e;
		}
		e = victim;
		memset(e, 0, sizeof(*e));
		e->ssrc = ssrc;
		e->in_use = 1;
	}
	e->last_use = ++st->clock;
	return e;
}

/* ---------------------------------------------------------------------- */
/* Index estimation and replay window */

/*
 * RFC 3711 §3.3.1 (and Appendix A): guess the ROC v of a packet with
 * sequence number @p seq given the highest authenticated s_l and its ROC.
 * @return v, which may be -1 or 2^32 at the ends of the index space.
 */
static inline int64_t
roc_estimate(uint32_t roc, uint16_t s_l, uint16_t seq)
{
	if (s_l < 32768) {
		if ((int32_t)seq - (int32_t)s_l > 32768)
			return (int64_t)roc - 1;
		return roc;
	}
	if ((int32_t)s_l - 32768 > (int32_t)seq)
		return (int64_t)roc + 1;
	return roc;
}

/* RFC 3711 §3.3.2: true when @p idx is new relative to @p top and its window. */
static inline bool
replay_ok(const uint64_t *win, uint64_t top, bool seen, uint64_t idx)
{
	uint64_t d;

	if (!seen || idx > top)
		return true;
	d = top - idx;
	if (d >= DP_SRTP_REPLAY_WINDOW)
		return false;
	return ((win[d / 64] >> (d % 64)) & 1) == 0;
}

/* Mark @p idx in the window (bit i = index top - i); @return the new top. */
static inline uint64_t
replay_add(uint64_t *win, uint64_t top, bool seen, uint64_t idx)
{
	const int words = DP_SRTP_REPLAY_WINDOW / 64;
	uint64_t d;

	if (!seen) {
		memset(win, 0, sizeof(uint64_t) * words);
		win[0] = 1;
		return idx;
	}
	if (idx <= top) {
		d = top - idx;
		win[d / 64] |= (uint64_t)1 << (d % 64);
		return top;
	}
	d = idx - top;
	if (d >= DP_SRTP_REPLAY_WINDOW) {
		memset(win, 0, sizeof(uint64_t) * words);
	} else {
		int ws = (int)(d / 64);
		unsigned int bs = (unsigned int)(d % 64);

		for (int i = words - 1; i >= 0; i--) {
			uint64_t v = 0;

			if (i - ws >= 0) {
				v = win[i - ws] << bs;
				if (bs != 0 && i - ws - 1 >= 0)
					v |= win[i - ws - 1] >> (64 - bs);
			}
			win[i] = v;
		}
	}
	win[0] |= 1;
	return idx;
}

/* ---------------------------------------------------------------------- */
/* Job plumbing */

static inline void
job_fill_cm(IMB_JOB *job, struct pkt_ctx *c, const struct dp_srtp_session *s, bool rtcp,
	    bool enc, uint8_t *pkt, uint32_t c_off, uint32_t c_len, uint32_t h_len)
{
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	/* ipsec-mb rejects a zero-length CTR job: an empty payload is hashed only. */
	job->cipher_mode = c_len != 0 ? IMB_CIPHER_CNTR : IMB_CIPHER_NULL;
	job->enc_keys = rtcp ? s->rtcp_enc_keys : s->rtp_enc_keys;
	job->dec_keys = job->enc_keys; /* CTR decrypts with the encryption schedule */
	job->key_len_in_bytes = s->key_len;
	job->src = pkt;
	job->dst = pkt + c_off;
	job->cipher_start_src_offset_in_bytes = c_off;
	job->msg_len_to_cipher_in_bytes = c_len;
	job->iv = c->iv;
	job->iv_len_in_bytes = CM_IV_LEN;
	job->hash_alg = IMB_AUTH_HMAC_SHA_1;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = h_len;
	job->auth_tag_output = c->tag;
	job->auth_tag_output_len_in_bytes = HMAC_SHA1_JOB_TAG_LEN;
	job->u.HMAC._hashed_auth_key_xor_ipad = rtcp ? s->rtcp_ipad : s->rtp_ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = rtcp ? s->rtcp_opad : s->rtp_opad;
	job->user_data = c;
}

static inline void
job_fill_gcm(IMB_JOB *job, struct pkt_ctx *c, const struct dp_srtp_session *s, bool rtcp,
	     bool enc, uint8_t *pkt, uint32_t c_off, uint32_t c_len, const uint8_t *aad,
	     uint32_t aad_len, uint8_t *tag_out)
{
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->cipher_mode = IMB_CIPHER_GCM;
	job->hash_alg = IMB_AUTH_AES_GMAC;
	job->enc_keys = rtcp ? &s->rtcp_gcm : &s->rtp_gcm;
	job->dec_keys = job->enc_keys;
	job->key_len_in_bytes = s->key_len;
	job->src = pkt;
	job->dst = pkt + c_off;
	job->cipher_start_src_offset_in_bytes = c_off;
	job->msg_len_to_cipher_in_bytes = c_len;
	job->hash_start_src_offset_in_bytes = c_off;
	job->msg_len_to_hash_in_bytes = c_len;
	job->iv = c->iv;
	job->iv_len_in_bytes = GCM_IV_LEN;
	job->auth_tag_output = tag_out;
	job->auth_tag_output_len_in_bytes = GCM_TAG_LEN;
	job->u.GCM.aad = aad;
	job->u.GCM.aad_len_in_bytes = aad_len;
	job->user_data = c;
}

static inline void
job_complete(IMB_JOB *job)
{
	struct pkt_ctx *c = job->user_data;

	c->job_ok = job->status == IMB_STATUS_COMPLETED;
}

static inline void
job_submit(IMB_MGR *mgr)
{
	IMB_JOB *done = IMB_SUBMIT_JOB(mgr);

	while (done != NULL) {
		job_complete(done);
		done = IMB_GET_COMPLETED_JOB(mgr);
	}
}

static inline void
jobs_flush(IMB_MGR *mgr)
{
	IMB_JOB *done;

	while ((done = IMB_FLUSH_JOB(mgr)) != NULL)
		job_complete(done);
}

/*
 * Common checks of an op. @return DP_SRTP_STATUS_COUNT when the op needs the
 * transform, else its final status (DP_SRTP_OK for a plain op).
 */
static inline int
op_precheck(const struct dp_srtp_op *op)
{
	const struct dp_srtp_session *s = op->sess;

	if (s == NULL || s->suite == DP_SRTP_NULL)
		return DP_SRTP_OK;
	if ((unsigned int)s->suite >= SUITE_TABLE_SIZE || op->st == NULL)
		return DP_SRTP_E_CRYPTO;
	if (op->pkt == NULL || op->room < op->len)
		return DP_SRTP_E_MALFORMED;
	return DP_SRTP_STATUS_COUNT;
}

/* ---------------------------------------------------------------------- */
/* SRTP */

static inline int
srtp_protect_prepare(IMB_MGR *mgr, struct dp_srtp_op *op, struct pkt_ctx *c)
{
	IMB_JOB *job;
	const struct dp_srtp_session *s = op->sess;
	uint8_t *pkt = op->pkt;
	uint32_t len = op->len;
	struct dp_srtp_ssrc_state *e;
	uint16_t seq;
	int64_t v;
	int hlen;

	hlen = rtp_hdr_len(pkt, len);
	if (hlen < 0)
		return DP_SRTP_E_MALFORMED;
	if ((uint32_t)op->room < len + s->tag_len)
		return DP_SRTP_E_ROOM;
	seq = rd16(pkt + 2);
	c->ssrc = rd32(pkt + 8);

	/* Sender side of RFC 3711 §3.3.1: the ROC counts wraps of the sequence. */
	e = ssrc_get(op->st, c->ssrc);
	if (!e->rtp_seen) {
		e->rtp_seen = 1;
		e->s_l = seq;
		v = e->roc;
	} else {
		v = roc_estimate(e->roc, e->s_l, seq);
		if (v < 0 || v > UINT32_MAX)
			return DP_SRTP_E_REPLAY; /* index space exhausted: rekey */
		if (v > e->roc || (v == e->roc && seq > e->s_l)) {
			e->roc = (uint32_t)v;
			e->s_l = seq;
		}
	}
	c->index = ((uint64_t)v << 16) | seq;

	job = IMB_GET_NEXT_JOB(mgr);
	if (!suites[s->suite].aead) {
		/* RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16) */
		memcpy(c->iv, s->rtp_salt, 14);
		c->iv[14] = 0;
		c->iv[15] = 0;
		xor_bytes(c->iv + 4, pkt + 8, 4);
		xor32(c->iv + 8, (uint32_t)v);
		xor_bytes(c->iv + 12, pkt + 2, 2);
		/* RFC 3711 §4.2: authenticated portion || ROC; the ROC sits where the tag goes. */
		wr32(pkt + len, (uint32_t)v);
		job_fill_cm(job, c, s, false, true, pkt, hlen, len - hlen, len + 4);
		c->tag_dst = pkt + len;
	} else {
		/* RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt */
		memcpy(c->iv, s->rtp_salt, GCM_IV_LEN);
		xor_bytes(c->iv + 2, pkt + 8, 4);
		xor32(c->iv + 6, (uint32_t)v);
		xor_bytes(c->iv + 10, pkt + 2, 2);
		/* RFC 7714 §8.2: AAD = the RTP header incl. CSRCs and extension */
		job_fill_gcm(job, c, s, false, true, pkt, hlen, len - hlen, pkt, hlen, pkt + len);
		c->tag_dst = NULL;
	}
	c->tag_len = s->tag_len;
	c->out_len = (uint16_t)(len + s->tag_len);
	c->job = 1;
	job_submit(mgr);
	return DP_SRTP_STATUS_COUNT;
}

static inline int
srtp_protect_finish(struct dp_srtp_op *op, struct pkt_ctx *c)
{
	if (!c->job_ok)
		return DP_SRTP_E_CRYPTO;
	if (c->tag_dst != NULL)
		/* RFC 3711 §4.2: the tag is the n_tag leftmost bits of the HMAC */
		memcpy(c->tag_dst, c->tag, c->tag_len);
	op->len = c->out_len;
	return DP_SRTP_OK;
}

static inline int
srtp_unprotect_prepare(IMB_MGR *mgr, struct dp_srtp_op *op, struct pkt_ctx *c,
		       struct pending_base *pend, unsigned int *npend)
{
	IMB_JOB *job;
	const struct dp_srtp_session *s = op->sess;
	uint8_t *pkt = op->pkt;
	uint32_t len = op->len;
	uint32_t plen;
	struct dp_srtp_ssrc_state *e;
	uint16_t seq;
	int64_t v;
	int hlen;

	if (len < (uint32_t)RTP_HDR_LEN + s->tag_len)
		return DP_SRTP_E_MALFORMED;
	plen = len - s->tag_len;
	hlen = rtp_hdr_len(pkt, plen);
	if (hlen < 0)
		return DP_SRTP_E_MALFORMED;
	seq = rd16(pkt + 2);
	c->ssrc = rd32(pkt + 8);

	/* RFC 3711 §3.3.1: estimate the index from the authenticated state. */
	e = ssrc_find(op->st, c->ssrc);
	if (e != NULL && e->rtp_seen) {
		v = roc_estimate(e->roc, e->s_l, seq);
	} else {
		/*
		 * No authenticated packet of this SSRC yet: the first one of the
		 * chunk has the ROC of the state (0 unless preset) and serves as
		 * s_l for the next ones, as if processed one by one.
		 */
		unsigned int k;

		for (k = 0; k < *npend; k++)
			if (pend[k].st == op->st && pend[k].ssrc == c->ssrc)
				break;
		if (k < *npend) {
			v = roc_estimate(pend[k].roc, pend[k].s_l, seq);
		} else {
			pend[k].st = op->st;
			pend[k].ssrc = c->ssrc;
			pend[k].roc = e != NULL ? e->roc : 0;
			pend[k].s_l = seq;
			(*npend)++;
			v = pend[k].roc;
		}
	}
	if (v < 0 || v > UINT32_MAX)
		return DP_SRTP_E_REPLAY;
	c->index = ((uint64_t)v << 16) | seq;
	/* RFC 3711 §3.3.2: drop replays before spending crypto on them. */
	if (e != NULL && !replay_ok(e->replay, ((uint64_t)e->roc << 16) | e->s_l, e->rtp_seen,
				    c->index))
		return DP_SRTP_E_REPLAY;

	job = IMB_GET_NEXT_JOB(mgr);
	if (!suites[s->suite].aead) {
		memcpy(c->iv, s->rtp_salt, 14);
		c->iv[14] = 0;
		c->iv[15] = 0;
		xor_bytes(c->iv + 4, pkt + 8, 4);
		xor32(c->iv + 8, (uint32_t)v);
		xor_bytes(c->iv + 12, pkt + 2, 2);
		/* §4.2: keep the tag aside, put the guessed ROC in its place, hash. */
		memcpy(c->rx_tag, pkt + plen, s->tag_len);
		wr32(pkt + plen, (uint32_t)v);
		job_fill_cm(job, c, s, false, false, pkt, hlen, plen - hlen, plen + 4);
		c->tag_cmp = c->rx_tag;
	} else {
		memcpy(c->iv, s->rtp_salt, GCM_IV_LEN);
		xor_bytes(c->iv + 2, pkt + 8, 4);
		xor32(c->iv + 6, (uint32_t)v);
		xor_bytes(c->iv + 10, pkt + 2, 2);
		job_fill_gcm(job, c, s, false, false, pkt, hlen, plen - hlen, pkt, hlen, c->tag);
		c->tag_cmp = pkt + plen;
	}
	c->tag_len = s->tag_len;
	c->out_len = (uint16_t)plen;
	c->job = 1;
	job_submit(mgr);
	return DP_SRTP_STATUS_COUNT;
}

static inline int
srtp_unprotect_finish(struct dp_srtp_op *op, struct pkt_ctx *c)
{
	struct dp_srtp_ssrc_state *e;
	uint64_t top;

	if (!c->job_ok)
		return DP_SRTP_E_CRYPTO;
	if (!tag_equal(c->tag, c->tag_cmp, c->tag_len))
		return DP_SRTP_E_AUTH;
	/* Authenticated: check again against the state as committed so far, then commit. */
	e = ssrc_find(op->st, c->ssrc);
	if (e == NULL)
		e = ssrc_get(op->st, c->ssrc);
	else
		e->last_use = ++op->st->clock;
	top = ((uint64_t)e->roc << 16) | e->s_l;
	if (!replay_ok(e->replay, top, e->rtp_seen, c->index))
		return DP_SRTP_E_REPLAY;
	top = replay_add(e->replay, top, e->rtp_seen, c->index);
	e->roc = (uint32_t)(top >> 16);
	e->s_l = (uint16_t)top;
	e->rtp_seen = 1;
	op->len = c->out_len;
	return DP_SRTP_OK;
}

/* ---------------------------------------------------------------------- */
/* SRTCP */

static inline int
srtcp_protect_prepare(IMB_MGR *mgr, struct dp_srtp_op *op, struct pkt_ctx *c)
{
	IMB_JOB *job;
	const struct dp_srtp_session *s = op->sess;
	uint8_t *pkt = op->pkt;
	uint32_t len = op->len;
	struct dp_srtp_ssrc_state *e;
	uint32_t eidx;

	if (len < RTCP_HDR_LEN)
		return DP_SRTP_E_MALFORMED;
	if ((uint32_t)op->room < len + 4 + s->rtcp_tag_len)
		return DP_SRTP_E_ROOM;
	c->ssrc = rd32(pkt + 4);
	/* RFC 3711 §3.4: 31-bit SRTCP index, first packet 1 (as libsrtp). */
	e = ssrc_get(op->st, c->ssrc);
	if (e->rtcp_index >= SRTCP_INDEX_MAX)
		return DP_SRTP_E_REPLAY; /* index space exhausted: rekey (§9.2) */
	c->index = ++e->rtcp_index;
	eidx = SRTCP_E_FLAG | (uint32_t)c->index;

	job = IMB_GET_NEXT_JOB(mgr);
	if (!suites[s->suite].aead) {
		/* §4.1.1 with the SRTCP index as i */
		memcpy(c->iv, s->rtcp_salt, 14);
		c->iv[14] = 0;
		c->iv[15] = 0;
		xor_bytes(c->iv + 4, pkt + 4, 4);
		xor32(c->iv + 10, (uint32_t)c->index);
		/* §3.4: the tag covers header | E(payload) | E|index */
		wr32(pkt + len, eidx);
		job_fill_cm(job, c, s, true, true, pkt, RTCP_HDR_LEN, len - RTCP_HDR_LEN, len + 4);
		c->tag_dst = pkt + len + 4;
	} else {
		/* RFC 7714 §9.1: IV = (00 00 || SSRC || 00 00 || 0 || index) XOR salt */
		memcpy(c->iv, s->rtcp_salt, GCM_IV_LEN);
		xor_bytes(c->iv + 2, pkt + 4, 4);
		xor32(c->iv + 8, (uint32_t)c->index);
		/* RFC 7714 §9.2: AAD = first 8 octets | E|index; trailer after the tag */
		memcpy(c->aad, pkt, RTCP_HDR_LEN);
		wr32(c->aad + RTCP_HDR_LEN, eidx);
		wr32(pkt + len + GCM_TAG_LEN, eidx);
		job_fill_gcm(job, c, s, true, true, pkt, RTCP_HDR_LEN, len - RTCP_HDR_LEN, c->aad,
			     RTCP_HDR_LEN + 4, pkt + len);
		c->tag_dst = NULL;
	}
	c->tag_len = s->rtcp_tag_len;
	c->out_len = (uint16_t)(len + 4 + s->rtcp_tag_len);
	c->job = 1;
	job_submit(mgr);
	return DP_SRTP_STATUS_COUNT;
}

static inline int
srtcp_unprotect_prepare(IMB_MGR *mgr, struct dp_srtp_op *op, struct pkt_ctx *c)
{
	IMB_JOB *job;
	const struct dp_srtp_session *s = op->sess;
	uint8_t *pkt = op->pkt;
	uint32_t len = op->len;
	uint32_t tl = s->rtcp_tag_len;
	struct dp_srtp_ssrc_state *e;
	uint32_t eidx;
	bool encrypted;

	if (len < RTCP_HDR_LEN + 4 + tl)
		return DP_SRTP_E_MALFORMED;
	c->ssrc = rd32(pkt + 4);
	eidx = suites[s->suite].aead ? rd32(pkt + len - 4) : rd32(pkt + len - tl - 4);
	encrypted = (eidx & SRTCP_E_FLAG) != 0;
	c->index = eidx & SRTCP_INDEX_MAX;
	e = ssrc_find(op->st, c->ssrc);
	if (e != NULL && !replay_ok(e->rtcp_replay, e->rtcp_index, e->rtcp_seen, c->index))
		return DP_SRTP_E_REPLAY;

	job = IMB_GET_NEXT_JOB(mgr);
	if (!suites[s->suite].aead) {
		uint32_t plen = len - tl; /* header | payload | E|index */

		memcpy(c->iv, s->rtcp_salt, 14);
		c->iv[14] = 0;
		c->iv[15] = 0;
		xor_bytes(c->iv + 4, pkt + 4, 4);
		xor32(c->iv + 10, (uint32_t)c->index);
		/* §3.4: E = 0 means authenticated but not encrypted */
		job_fill_cm(job, c, s, true, false, pkt, RTCP_HDR_LEN,
			    encrypted ? plen - 4 - RTCP_HDR_LEN : 0, plen);
		c->tag_cmp = pkt + plen;
		c->out_len = (uint16_t)(plen - 4);
	} else {
		uint32_t ct_end = len - 4 - GCM_TAG_LEN; /* start of the tag */

		memcpy(c->iv, s->rtcp_salt, GCM_IV_LEN);
		xor_bytes(c->iv + 2, pkt + 4, 4);
		xor32(c->iv + 8, (uint32_t)c->index);
		if (encrypted) {
			memcpy(c->aad, pkt, RTCP_HDR_LEN);
			wr32(c->aad + RTCP_HDR_LEN, eidx);
			job_fill_gcm(job, c, s, true, false, pkt, RTCP_HDR_LEN,
				     ct_end - RTCP_HDR_LEN, c->aad, RTCP_HDR_LEN + 4, c->tag);
			c->tag_cmp = pkt + ct_end;
		} else {
			/*
			 * RFC 7714 §9.2 with E = 0: AAD = whole RTCP packet | E|index,
			 * nothing encrypted. Set the tag aside and move E|index next
			 * to the packet so that the AAD is contiguous.
			 */
			memcpy(c->rx_tag, pkt + ct_end, GCM_TAG_LEN);
			wr32(pkt + ct_end, eidx);
			job_fill_gcm(job, c, s, true, false, pkt, ct_end, 0, pkt, ct_end + 4,
				     c->tag);
			c->tag_cmp = c->rx_tag;
		}
		c->out_len = (uint16_t)ct_end;
	}
	c->tag_len = (uint8_t)tl;
	c->job = 1;
	job_submit(mgr);
	return DP_SRTP_STATUS_COUNT;
}

static inline int
srtcp_unprotect_finish(struct dp_srtp_op *op, struct pkt_ctx *c)
{
	struct dp_srtp_ssrc_state *e;

	if (!c->job_ok)
		return DP_SRTP_E_CRYPTO;
	if (!tag_equal(c->tag, c->tag_cmp, c->tag_len))
		return DP_SRTP_E_AUTH;
	e = ssrc_find(op->st, c->ssrc);
	if (e == NULL)
		e = ssrc_get(op->st, c->ssrc);
	else
		e->last_use = ++op->st->clock;
	if (!replay_ok(e->rtcp_replay, e->rtcp_index, e->rtcp_seen, c->index))
		return DP_SRTP_E_REPLAY;
	e->rtcp_index = (uint32_t)replay_add(e->rtcp_replay, e->rtcp_index, e->rtcp_seen,
					     c->index);
	e->rtcp_seen = 1;
	op->len = c->out_len;
	return DP_SRTP_OK;
}

/* ---------------------------------------------------------------------- */
/* Bursts */

enum burst_kind {
	SRTP_PROTECT,
	SRTP_UNPROTECT,
	SRTCP_PROTECT,
	SRTCP_UNPROTECT,
};

static inline uint16_t
burst(IMB_MGR *mgr, struct dp_srtp_op *ops, uint16_t n, const enum burst_kind kind)
{
	struct pkt_ctx ctx[DP_SRTP_CHUNK];
	struct pending_base pend[DP_SRTP_CHUNK];
	uint16_t nok = 0;

	if (ops == NULL)
		return 0;
	for (uint32_t base = 0; base < n; base += DP_SRTP_CHUNK) {
		uint32_t m = n - base < DP_SRTP_CHUNK ? n - base : DP_SRTP_CHUNK;
		unsigned int npend = 0;
		int submitted = 0;

		/* Pass 1, in order: checks, index, IV, submit. */
		for (uint32_t i = 0; i < m; i++) {
			struct dp_srtp_op *op = &ops[base + i];
			struct pkt_ctx *c = &ctx[i];
			int st = op_precheck(op);

			c->job = 0;
			c->job_ok = 0;
			if (st == DP_SRTP_STATUS_COUNT && mgr == NULL)
				st = DP_SRTP_E_CRYPTO;
			if (st == DP_SRTP_STATUS_COUNT) {
				switch (kind) {
				case SRTP_PROTECT:
					st = srtp_protect_prepare(mgr, op, c);
					break;
				case SRTP_UNPROTECT:
					st = srtp_unprotect_prepare(mgr, op, c, pend, &npend);
					break;
				case SRTCP_PROTECT:
					st = srtcp_protect_prepare(mgr, op, c);
					break;
				case SRTCP_UNPROTECT:
					st = srtcp_unprotect_prepare(mgr, op, c);
					break;
				}
			}
			if (c->job)
				submitted = 1;
			else
				op->status = (uint8_t)st;
		}
		/* Pass 2: complete every job of the chunk. */
		if (submitted)
			jobs_flush(mgr);
		/* Pass 3, in order: verify, commit. */
		for (uint32_t i = 0; i < m; i++) {
			struct dp_srtp_op *op = &ops[base + i];
			struct pkt_ctx *c = &ctx[i];

			if (c->job) {
				int st;

				switch (kind) {
				case SRTP_PROTECT:
				case SRTCP_PROTECT:
					st = srtp_protect_finish(op, c);
					break;
				case SRTP_UNPROTECT:
					st = srtp_unprotect_finish(op, c);
					break;
				default:
					st = srtcp_unprotect_finish(op, c);
					break;
				}
				op->status = (uint8_t)st;
			}
			if (op->status == DP_SRTP_OK)
				nok++;
		}
	}
	return nok;
}

uint16_t
dp_srtp_protect_burst(IMB_MGR *mgr, struct dp_srtp_op *ops, uint16_t n)
{
	return burst(mgr, ops, n, SRTP_PROTECT);
}

uint16_t
dp_srtp_unprotect_burst(IMB_MGR *mgr, struct dp_srtp_op *ops, uint16_t n)
{
	return burst(mgr, ops, n, SRTP_UNPROTECT);
}

uint16_t
dp_srtcp_protect_burst(IMB_MGR *mgr, struct dp_srtp_op *ops, uint16_t n)
{
	return burst(mgr, ops, n, SRTCP_PROTECT);
}

uint16_t
dp_srtcp_unprotect_burst(IMB_MGR *mgr, struct dp_srtp_op *ops, uint16_t n)
{
	return burst(mgr, ops, n, SRTCP_UNPROTECT);
}

/* ---------------------------------------------------------------------- */
/* Manager */

int
dp_srtp_mgr_create(IMB_MGR **out)
{
	IMB_ARCH arch = IMB_ARCH_NONE;
	IMB_MGR *mgr;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	mgr = alloc_mb_mgr(0);
	if (mgr == NULL)
		return -ENOMEM;
	init_mb_mgr_auto(mgr, &arch);
	if (imb_get_errno(mgr) != 0 || arch <= IMB_ARCH_NONE || arch >= IMB_ARCH_NUM) {
		free_mb_mgr(mgr);
		return -ENOTSUP;
	}
	*out = mgr;
	return 0;
}

void
dp_srtp_mgr_destroy(IMB_MGR *mgr)
{
	if (mgr != NULL)
		free_mb_mgr(mgr);
}
