/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_esp.c - ESP transforms (RFC 4303, RFC 4106, RFC 3602, RFC 4868) on
 * intel ipsec-mb.
 *
 * Context: dp_esp_cipher_*, dp_esp_sa_init/fini on the control path; the
 * burst functions on io lcores, following the fast-path rules (no
 * allocation, no lock, no syscall, no log): scratch space lives on the
 * stack, one chunk of ESP_CHUNK packets at a time.
 *
 * A burst goes chunk by chunk through three passes, as dp_srtp.c does:
 *  1. in order: bounds, sequence number (outbound: taken from the SA's
 *     counter; inbound: ESN inference and a replay pre-check against the
 *     committed window), IV and AAD, one ipsec-mb job per packet;
 *  2. flush the manager;
 *  3. in order: inbound compares the ICV in constant time, checks the
 *     window again (two copies of one packet in a chunk: the second fails
 *     here), checks the padding and only then commits the window.
 *
 * Layouts (everything in place; "ct" is payload | padding | pad length |
 * next header, encrypted):
 *   GCM: SPI | seq | IV(8) | ct | ICV(16); nonce = salt | IV;
 *        AAD = SPI | seq, or SPI | seq_hi | seq with ESN (RFC 4106 §5).
 *   CBC: SPI | seq | IV(16) | ct | ICV(32);
 *        ICV = HMAC-SHA-512(SPI | seq | IV | ct [| seq_hi]) truncated to
 *        256 bits (RFC 4868 §2.6, RFC 4303 §2.2.1 for seq_hi, which is
 *        hashed but not sent: it is written where the ICV goes).
 */
#include <errno.h>
#include <string.h>

#include "dp_esp.h"

#define ESP_CHUNK 32
#define GCM_NONCE_LEN 12
#define GCM_IV_LEN 8
#define GCM_ICV_LEN 16
#define CBC_IV_LEN 16
#define HMAC_ICV_LEN 32
#define SHA512_BLOCK_LEN 128
#define RB_WORDS (DP_ESP_REPLAY_BITS / 64)

static const char *const cipher_names[DP_ESP_CIPHER_COUNT] = {
	[DP_ESP_CIPHER_NONE] = NULL,
	[DP_ESP_AES_GCM] = "aes256gcm",
	[DP_ESP_AES_CBC_HMAC_SHA512] = "aes256cbc-hmacsha512",
};

/* Per-packet scratch of one chunk; lives on the stack of the burst call. */
struct pkt_ctx {
	uint8_t nonce[16] __attribute__((aligned(16))); /* GCM: salt | IV */
	uint8_t aad[12];         /* GCM with ESN: SPI | seq_hi | seq */
	uint8_t tag[64];         /* ICV computed by the job (decrypt) */
	uint8_t rx_icv[DP_ESP_MAX_ICV]; /* received ICV set aside (CBC with ESN) */
	const uint8_t *icv_cmp;  /* decrypt: the received ICV */
	uint64_t seq;
	uint16_t ct_len;
	uint8_t job;             /* a job was submitted */
	uint8_t job_ok;          /* ipsec-mb completed it */
};

static const uint8_t zero_iv[16] __attribute__((aligned(16)));

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
wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)(v >> 32));
	wr32(p + 4, (uint32_t)v);
}

/*
 * Constant-time comparison of two ICVs (16 or 32 octets): no early exit on
 * the first difference, 8 octets at a time.
 */
static inline int
icv_equal(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	uint64_t d = 0;

	for (unsigned int i = 0; i + 8 <= n; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	__asm__ volatile("" : "+r"(d)); /* keep the compiler from branching early */
	return d == 0;
}

/* ---------------------------------------------------------------------- */
/* Control path */

int
dp_esp_cipher_parse(const char *name)
{
	if (name == NULL)
		return -EINVAL;
	for (int i = 1; i < DP_ESP_CIPHER_COUNT; i++)
		if (strcmp(name, cipher_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *
dp_esp_cipher_name(enum dp_esp_cipher c)
{
	if ((unsigned int)c >= DP_ESP_CIPHER_COUNT)
		return NULL;
	return cipher_names[c];
}

/* HMAC (RFC 2104) inner and outer pads, each hashed over one SHA-512 block. */
static void
hmac_sha512_pads(IMB_MGR *mgr, const uint8_t *key, size_t key_len, uint8_t *ipad, uint8_t *opad)
{
	uint8_t blk[SHA512_BLOCK_LEN] __attribute__((aligned(16)));

	memset(blk, 0x36, sizeof(blk));
	for (size_t i = 0; i < key_len; i++)
		blk[i] ^= key[i];
	IMB_SHA512_ONE_BLOCK(mgr, blk, ipad);
	memset(blk, 0x5c, sizeof(blk));
	for (size_t i = 0; i < key_len; i++)
		blk[i] ^= key[i];
	IMB_SHA512_ONE_BLOCK(mgr, blk, opad);
	explicit_bzero(blk, sizeof(blk));
}

int
dp_esp_sa_init(struct dp_esp_sa *sa, IMB_MGR *mgr, const struct dp_esp_keys *k)
{
	if (sa == NULL || mgr == NULL || k == NULL || k->key == NULL)
		return -EINVAL;
	if (k->key_len != 16 && k->key_len != 24 && k->key_len != 32)
		return -EINVAL;
	sa->cipher = (uint8_t)k->cipher;
	sa->key_len = (uint8_t)k->key_len;
	switch (k->cipher) {
	case DP_ESP_AES_GCM:
		if (k->salt == NULL)
			return -EINVAL;
		sa->iv_len = GCM_IV_LEN;
		sa->icv_len = GCM_ICV_LEN;
		sa->align = 4; /* RFC 4303 §2.4: the ciphertext ends on a 4-octet boundary */
		memcpy(sa->salt, k->salt, DP_ESP_SALT_LEN);
		if (k->key_len == 16)
			IMB_AES128_GCM_PRE(mgr, k->key, &sa->gcm);
		else if (k->key_len == 24)
			IMB_AES192_GCM_PRE(mgr, k->key, &sa->gcm);
		else
			IMB_AES256_GCM_PRE(mgr, k->key, &sa->gcm);
		return 0;
	case DP_ESP_AES_CBC_HMAC_SHA512:
		if (k->auth_key == NULL)
			return -EINVAL;
		sa->iv_len = CBC_IV_LEN;
		sa->icv_len = HMAC_ICV_LEN;
		sa->align = 16; /* RFC 3602 §2.4: whole AES blocks */
		memset(sa->salt, 0, sizeof(sa->salt));
		if (k->key_len == 16)
			IMB_AES_KEYEXP_128(mgr, k->key, sa->cbc.enc_keys, sa->cbc.dec_keys);
		else if (k->key_len == 24)
			IMB_AES_KEYEXP_192(mgr, k->key, sa->cbc.enc_keys, sa->cbc.dec_keys);
		else
			IMB_AES_KEYEXP_256(mgr, k->key, sa->cbc.enc_keys, sa->cbc.dec_keys);
		hmac_sha512_pads(mgr, k->auth_key, DP_ESP_AUTH_KEY_LEN, sa->cbc.ipad,
				 sa->cbc.opad);
		return 0;
	default:
		return -EINVAL;
	}
}

void
dp_esp_sa_fini(struct dp_esp_sa *sa)
{
	if (sa != NULL)
		explicit_bzero(sa, sizeof(*sa));
}

/* ---------------------------------------------------------------------- */
/* Anti-replay window (RFC 4303 §3.4.3) and ESN inference (appendix A) */

bool
dp_esp_replay_ok(const struct dp_esp_state *st, uint16_t window, uint64_t seq)
{
	if (seq == 0)
		return false; /* never sent: the first packet is 1 (§3.3.3) */
	if (seq > st->top)
		return true;
	if (st->top - seq >= window)
		return false;
	return ((st->window[(seq >> 6) & (RB_WORDS - 1)] >> (seq & 63)) & 1) == 0;
}

/*
 * Commit an authenticated @p seq: move the right edge (clearing the buckets
 * it passes), then mark it. The ring is twice the largest window, so the
 * buckets cleared never hold a sequence number that is still inside it.
 */
static inline void
replay_add(struct dp_esp_state *st, uint64_t seq)
{
	if (seq > st->top) {
		uint64_t ob = st->top >> 6, d = (seq >> 6) - ob;

		if (d > RB_WORDS)
			d = RB_WORDS;
		for (uint64_t i = 1; i <= d; i++)
			st->window[(ob + i) & (RB_WORDS - 1)] = 0;
		if (st->top != 0 && seq > st->top + 1)
			st->stats.seq_gap++;
		st->top = seq;
	}
	st->window[(seq >> 6) & (RB_WORDS - 1)] |= (uint64_t)1 << (seq & 63);
}

/*
 * RFC 4303 appendix A2.2: the high 32 bits of the sequence number that
 * puts @p seql inside or right of the window. @return false when no valid
 * number fits (it would be below 1).
 */
static inline bool
infer_seq(const struct dp_esp_sa *sa, const struct dp_esp_state *st, uint32_t seql,
	  uint64_t *seq)
{
	uint32_t tl = (uint32_t)st->top, th = (uint32_t)(st->top >> 32);
	uint32_t bottom = tl - sa->window + 1; /* modulo 2^32 */
	uint64_t sh;

	if (!sa->esn) {
		*seq = seql;
		return seql != 0;
	}
	if (tl >= (uint32_t)sa->window - 1) {
		/* Case A: the window lies inside one 2^32 subspace. */
		sh = seql >= bottom ? th : (uint64_t)th + 1;
	} else {
		/* Case B: the window straddles the start of subspace th. */
		if (seql >= bottom) {
			if (th == 0)
				return false;
			sh = th - 1;
		} else {
			sh = th;
		}
	}
	*seq = sh << 32 | seql;
	return *seq != 0;
}

/* ---------------------------------------------------------------------- */
/* Jobs */

static inline void
job_gcm(IMB_JOB *job, struct pkt_ctx *c, const struct dp_esp_sa *sa, bool enc, uint8_t *esp,
	const uint8_t *aad, uint32_t aad_len, uint8_t *tag_out)
{
	uint32_t hl = DP_ESP_HDR_LEN + GCM_IV_LEN;

	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->cipher_mode = IMB_CIPHER_GCM;
	job->hash_alg = IMB_AUTH_AES_GMAC;
	job->enc_keys = &sa->gcm;
	job->dec_keys = &sa->gcm;
	job->key_len_in_bytes = sa->key_len;
	job->src = esp;
	job->dst = esp + hl;
	job->cipher_start_src_offset_in_bytes = hl;
	job->msg_len_to_cipher_in_bytes = c->ct_len;
	job->hash_start_src_offset_in_bytes = hl;
	job->msg_len_to_hash_in_bytes = c->ct_len;
	job->iv = c->nonce;
	job->iv_len_in_bytes = GCM_NONCE_LEN;
	job->auth_tag_output = tag_out;
	job->auth_tag_output_len_in_bytes = GCM_ICV_LEN;
	job->u.GCM.aad = aad;
	job->u.GCM.aad_len_in_bytes = aad_len;
	job->user_data = c;
}

/* CBC + HMAC: cipher [c_off, c_off + c_len) with @p iv, hash [0, h_len). */
static inline void
job_cbc(IMB_JOB *job, struct pkt_ctx *c, const struct dp_esp_sa *sa, bool enc, uint8_t *esp,
	uint32_t c_off, uint32_t c_len, const uint8_t *iv, uint32_t h_len, uint8_t *tag_out)
{
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->cipher_mode = IMB_CIPHER_CBC;
	job->enc_keys = sa->cbc.enc_keys;
	job->dec_keys = sa->cbc.dec_keys;
	job->key_len_in_bytes = sa->key_len;
	job->src = esp;
	job->dst = esp + c_off;
	job->cipher_start_src_offset_in_bytes = c_off;
	job->msg_len_to_cipher_in_bytes = c_len;
	job->iv = iv;
	job->iv_len_in_bytes = CBC_IV_LEN;
	job->hash_alg = IMB_AUTH_HMAC_SHA_512;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = h_len;
	job->auth_tag_output = tag_out;
	job->auth_tag_output_len_in_bytes = HMAC_ICV_LEN;
	job->u.HMAC._hashed_auth_key_xor_ipad = sa->cbc.ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = sa->cbc.opad;
	job->user_data = c;
}

static inline void
job_complete(IMB_JOB *job)
{
	struct pkt_ctx *c = job->user_data;

	c->job_ok = job->status == IMB_STATUS_COMPLETED;
}

static inline void
job_submit(IMB_MGR *mgr, struct pkt_ctx *c)
{
	IMB_JOB *done = IMB_SUBMIT_JOB(mgr);

	c->job = 1;
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

static inline bool
op_valid(const struct dp_esp_op *op)
{
	return op->sa != NULL && op->st != NULL && op->esp != NULL &&
	       (op->sa->cipher == DP_ESP_AES_GCM || op->sa->cipher == DP_ESP_AES_CBC_HMAC_SHA512);
}

/* ---------------------------------------------------------------------- */
/* Outbound */

static inline int
enc_prepare(IMB_MGR *mgr, struct dp_esp_op *op, struct pkt_ctx *c, uint64_t seq)
{
	const struct dp_esp_sa *sa = op->sa;
	uint8_t *esp = op->esp;
	uint32_t hl = dp_esp_hdr_len(sa), plen = op->len;
	uint32_t ct_len = (plen + 2 + sa->align - 1) & ~(uint32_t)(sa->align - 1);
	uint32_t pad = ct_len - plen - 2;
	uint8_t *tr = esp + hl + plen;
	IMB_JOB *job;

	if (hl + ct_len + sa->icv_len > op->room)
		return DP_ESP_E_ROOM;
	if (seq == 0 || (!sa->esn && seq > UINT32_MAX))
		return DP_ESP_E_SEQ; /* §3.3.3: the counter must not cycle: rekey */
	/* §2.4: default padding 1, 2, 3, ...; then pad length and next header. */
	for (uint32_t i = 0; i < pad; i++)
		tr[i] = (uint8_t)(i + 1);
	tr[pad] = (uint8_t)pad;
	tr[pad + 1] = op->next_header;
	wr32(esp, sa->spi);
	wr32(esp + 4, (uint32_t)seq);
	c->seq = seq;
	c->ct_len = (uint16_t)ct_len;
	job = IMB_GET_NEXT_JOB(mgr);
	if (sa->cipher == DP_ESP_AES_GCM) {
		/* RFC 4106 §3.1: the explicit IV is the sequence number, unique per key. */
		if (op->iv != NULL)
			memcpy(esp + DP_ESP_HDR_LEN, op->iv, GCM_IV_LEN);
		else
			wr64(esp + DP_ESP_HDR_LEN, seq);
		memcpy(c->nonce, sa->salt, DP_ESP_SALT_LEN);
		memcpy(c->nonce + DP_ESP_SALT_LEN, esp + DP_ESP_HDR_LEN, GCM_IV_LEN);
		if (sa->esn) {
			wr32(c->aad, sa->spi);
			wr64(c->aad + 4, seq);
			job_gcm(job, c, sa, true, esp, c->aad, 12, esp + hl + ct_len);
		} else {
			job_gcm(job, c, sa, true, esp, esp, DP_ESP_HDR_LEN, esp + hl + ct_len);
		}
	} else {
		uint32_t h_len = hl + ct_len;

		if (sa->esn) /* §2.2.1: seq_hi hashed after the ciphertext, where the ICV goes */
			wr32(esp + h_len, (uint32_t)(seq >> 32));
		if (op->iv != NULL) {
			memcpy(esp + DP_ESP_HDR_LEN, op->iv, CBC_IV_LEN);
			job_cbc(job, c, sa, true, esp, hl, ct_len, op->iv, h_len + (sa->esn ? 4 : 0),
				esp + h_len);
		} else {
			/*
			 * IV = AES_K(seq | SPI | 0): encrypt that block in front of the
			 * payload with a zero IV; its ciphertext is the IV the payload
			 * is then chained from (SP 800-38A appendix C).
			 */
			wr64(esp + DP_ESP_HDR_LEN, seq);
			wr32(esp + DP_ESP_HDR_LEN + 8, sa->spi);
			wr32(esp + DP_ESP_HDR_LEN + 12, 0);
			job_cbc(job, c, sa, true, esp, DP_ESP_HDR_LEN, CBC_IV_LEN + ct_len, zero_iv,
				h_len + (sa->esn ? 4 : 0), esp + h_len);
		}
	}
	job_submit(mgr, c);
	return DP_ESP_STATUS_COUNT;
}

/* Sums of one run of ops on the same outbound state, added atomically. */
struct out_acc {
	struct dp_esp_state *st;
	uint64_t packets, bytes, expired, other;
};

static inline void
acc_flush(struct out_acc *a)
{
	if (a->st == NULL)
		return;
	if (a->packets != 0) {
		__atomic_fetch_add(&a->st->stats.packets, a->packets, __ATOMIC_RELAXED);
		__atomic_fetch_add(&a->st->stats.bytes, a->bytes, __ATOMIC_RELAXED);
	}
	if (a->expired != 0)
		__atomic_fetch_add(&a->st->stats.expired, a->expired, __ATOMIC_RELAXED);
	if (a->other != 0)
		__atomic_fetch_add(&a->st->stats.other, a->other, __ATOMIC_RELAXED);
	a->st = NULL;
	a->packets = a->bytes = a->expired = a->other = 0;
}

static inline void
acc_add(struct out_acc *a, struct dp_esp_op *op, uint32_t payload_len)
{
	if (op->st != a->st) {
		acc_flush(a);
		a->st = op->st;
	}
	if (op->status == DP_ESP_OK) {
		a->packets++;
		a->bytes += payload_len;
	} else if (op->status == DP_ESP_E_SEQ) {
		a->expired++;
	} else {
		a->other++;
	}
}

uint16_t
dp_esp_encrypt_burst(IMB_MGR *mgr, struct dp_esp_op *ops, uint16_t n)
{
	struct pkt_ctx ctx[ESP_CHUNK];
	uint16_t plen[ESP_CHUNK];
	struct out_acc acc = {0};
	uint16_t nok = 0;

	if (ops == NULL || mgr == NULL)
		return 0;
	for (uint32_t base = 0; base < n; base += ESP_CHUNK) {
		uint32_t m = n - base < ESP_CHUNK ? n - base : ESP_CHUNK;
		struct dp_esp_state *run_st = NULL;
		uint64_t next = 0;
		bool submitted = false;

		for (uint32_t i = 0; i < m; i++) {
			struct dp_esp_op *op = &ops[base + i];
			struct pkt_ctx *c = &ctx[i];
			int st;

			c->job = 0;
			c->job_ok = 0;
			plen[i] = op->len;
			if (!op_valid(op)) {
				op->status = DP_ESP_E_CRYPTO;
				continue;
			}
			/* One fetch-add per run of packets of the same SA. */
			if (op->st != run_st) {
				uint32_t r = 1;

				while (i + r < m && ops[base + i + r].st == op->st)
					r++;
				run_st = op->st;
				next = __atomic_fetch_add(&run_st->seq, r, __ATOMIC_RELAXED) + 1;
			}
			st = enc_prepare(mgr, op, c, next++);
			if (c->job)
				submitted = true;
			else
				op->status = (uint8_t)st;
		}
		if (submitted)
			jobs_flush(mgr);
		for (uint32_t i = 0; i < m; i++) {
			struct dp_esp_op *op = &ops[base + i];
			struct pkt_ctx *c = &ctx[i];

			if (c->job) {
				if (c->job_ok) {
					op->len = (uint16_t)(dp_esp_hdr_len(op->sa) + c->ct_len +
							     op->sa->icv_len);
					op->seq = c->seq;
					op->status = DP_ESP_OK;
				} else {
					op->status = DP_ESP_E_CRYPTO;
				}
			}
			if (op->st != NULL)
				acc_add(&acc, op, plen[i]);
			if (op->status == DP_ESP_OK)
				nok++;
		}
	}
	acc_flush(&acc);
	return nok;
}

/* ---------------------------------------------------------------------- */
/* Inbound */

static inline int
dec_prepare(IMB_MGR *mgr, struct dp_esp_op *op, struct pkt_ctx *c)
{
	const struct dp_esp_sa *sa = op->sa;
	struct dp_esp_state *st = op->st;
	uint8_t *esp = op->esp;
	uint32_t hl = dp_esp_hdr_len(sa), len = op->len, ct_len;
	IMB_JOB *job;

	if (len < hl + sa->icv_len + 2) {
		st->stats.malformed++;
		return DP_ESP_E_MALFORMED;
	}
	ct_len = len - hl - sa->icv_len;
	if (sa->cipher == DP_ESP_AES_CBC_HMAC_SHA512 && ct_len % CBC_IV_LEN != 0) {
		st->stats.malformed++;
		return DP_ESP_E_MALFORMED;
	}
	/* §3.4.3: infer the sequence number and drop replays before decrypting. */
	if (!infer_seq(sa, st, rd32(esp + 4), &c->seq) ||
	    !dp_esp_replay_ok(st, sa->window, c->seq)) {
		st->stats.replay++;
		return DP_ESP_E_REPLAY;
	}
	c->ct_len = (uint16_t)ct_len;
	job = IMB_GET_NEXT_JOB(mgr);
	if (sa->cipher == DP_ESP_AES_GCM) {
		memcpy(c->nonce, sa->salt, DP_ESP_SALT_LEN);
		memcpy(c->nonce + DP_ESP_SALT_LEN, esp + DP_ESP_HDR_LEN, GCM_IV_LEN);
		c->icv_cmp = esp + hl + ct_len;
		if (sa->esn) {
			memcpy(c->aad, esp, 4); /* the SPI as received */
			wr64(c->aad + 4, c->seq);
			job_gcm(job, c, sa, false, esp, c->aad, 12, c->tag);
		} else {
			job_gcm(job, c, sa, false, esp, esp, DP_ESP_HDR_LEN, c->tag);
		}
	} else {
		uint32_t h_len = hl + ct_len;

		if (sa->esn) {
			/* Set the ICV aside and hash seq_hi in its place (§2.2.1). */
			memcpy(c->rx_icv, esp + h_len, HMAC_ICV_LEN);
			wr32(esp + h_len, (uint32_t)(c->seq >> 32));
			c->icv_cmp = c->rx_icv;
			h_len += 4;
		} else {
			c->icv_cmp = esp + h_len;
		}
		job_cbc(job, c, sa, false, esp, hl, ct_len, esp + DP_ESP_HDR_LEN, h_len, c->tag);
	}
	job_submit(mgr, c);
	return DP_ESP_STATUS_COUNT;
}

static inline int
dec_finish(struct dp_esp_op *op, struct pkt_ctx *c)
{
	const struct dp_esp_sa *sa = op->sa;
	struct dp_esp_state *st = op->st;
	const uint8_t *pt = op->esp + dp_esp_hdr_len(sa);
	uint32_t ct_len = c->ct_len, pad;

	if (!c->job_ok) {
		st->stats.other++;
		return DP_ESP_E_CRYPTO;
	}
	if (!icv_equal(c->tag, c->icv_cmp, sa->icv_len)) {
		st->stats.auth_fail++;
		return DP_ESP_E_AUTH;
	}
	/* Authenticated: check again against the window as committed so far. */
	if (!dp_esp_replay_ok(st, sa->window, c->seq)) {
		st->stats.replay++;
		return DP_ESP_E_REPLAY;
	}
	/* §2.4: pad length fits and the padding is 1, 2, 3, ... */
	pad = pt[ct_len - 2];
	if (pad + 2 > ct_len) {
		st->stats.malformed++;
		return DP_ESP_E_MALFORMED;
	}
	for (uint32_t i = 0; i < pad; i++) {
		if (pt[ct_len - 2 - pad + i] != (uint8_t)(i + 1)) {
			st->stats.malformed++;
			return DP_ESP_E_MALFORMED;
		}
	}
	replay_add(st, c->seq);
	op->next_header = pt[ct_len - 1];
	op->len = (uint16_t)(ct_len - 2 - pad);
	op->seq = c->seq;
	st->stats.packets++;
	st->stats.bytes += op->len;
	return DP_ESP_OK;
}

uint16_t
dp_esp_decrypt_burst(IMB_MGR *mgr, struct dp_esp_op *ops, uint16_t n)
{
	struct pkt_ctx ctx[ESP_CHUNK];
	uint16_t nok = 0;

	if (ops == NULL || mgr == NULL)
		return 0;
	for (uint32_t base = 0; base < n; base += ESP_CHUNK) {
		uint32_t m = n - base < ESP_CHUNK ? n - base : ESP_CHUNK;
		bool submitted = false;

		for (uint32_t i = 0; i < m; i++) {
			struct dp_esp_op *op = &ops[base + i];
			struct pkt_ctx *c = &ctx[i];
			int st;

			c->job = 0;
			c->job_ok = 0;
			if (!op_valid(op)) {
				op->status = DP_ESP_E_CRYPTO;
				continue;
			}
			st = dec_prepare(mgr, op, c);
			if (c->job)
				submitted = true;
			else
				op->status = (uint8_t)st;
		}
		if (submitted)
			jobs_flush(mgr);
		for (uint32_t i = 0; i < m; i++) {
			struct dp_esp_op *op = &ops[base + i];

			if (ctx[i].job)
				op->status = (uint8_t)dec_finish(op, &ctx[i]);
			if (op->status == DP_ESP_OK)
				nok++;
		}
	}
	return nok;
}

/* ---------------------------------------------------------------------- */
/*
 * Test-only helpers: the primitives of an SA (its key schedules and HMAC
 * pads as dp_esp_sa_init() prepared them) on one synchronous job, for the
 * conformance vectors that are not whole ESP packets. Not part of the
 * dp_esp.h contract.
 */
int dp_esp_priv_gcm(IMB_MGR *mgr, const struct dp_esp_sa *sa, const uint8_t *iv,
		    const uint8_t *aad, uint32_t aad_len, const uint8_t *in, uint32_t len,
		    uint8_t *out, uint8_t *tag);
int dp_esp_priv_cbc(IMB_MGR *mgr, const struct dp_esp_sa *sa, const uint8_t *iv,
		    const uint8_t *in, uint32_t len, uint8_t *out);
int dp_esp_priv_hmac(IMB_MGR *mgr, const struct dp_esp_sa *sa, const uint8_t *data,
		     uint32_t len, uint8_t *mac);

static int
run_sync(IMB_MGR *mgr, IMB_JOB *job)
{
	struct pkt_ctx c = {0};

	job->user_data = &c;
	job_submit(mgr, &c);
	jobs_flush(mgr);
	return c.job_ok ? 0 : -EIO;
}

int
dp_esp_priv_gcm(IMB_MGR *mgr, const struct dp_esp_sa *sa, const uint8_t *iv,
		const uint8_t *aad, uint32_t aad_len, const uint8_t *in, uint32_t len,
		uint8_t *out, uint8_t *tag)
{
	uint8_t nonce[16] __attribute__((aligned(16)));
	static const uint8_t none[1];
	IMB_JOB *job;

	if (sa->cipher != DP_ESP_AES_GCM)
		return -EINVAL;
	memcpy(nonce, sa->salt, DP_ESP_SALT_LEN);
	memcpy(nonce + DP_ESP_SALT_LEN, iv, GCM_IV_LEN);
	job = IMB_GET_NEXT_JOB(mgr);
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->cipher_mode = IMB_CIPHER_GCM;
	job->hash_alg = IMB_AUTH_AES_GMAC;
	job->enc_keys = &sa->gcm;
	job->dec_keys = &sa->gcm;
	job->key_len_in_bytes = sa->key_len;
	job->src = in;
	job->dst = out;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = len;
	job->iv = nonce;
	job->iv_len_in_bytes = GCM_NONCE_LEN;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = GCM_ICV_LEN;
	job->u.GCM.aad = aad_len != 0 ? aad : none;
	job->u.GCM.aad_len_in_bytes = aad_len;
	return run_sync(mgr, job);
}

int
dp_esp_priv_cbc(IMB_MGR *mgr, const struct dp_esp_sa *sa, const uint8_t *iv,
		const uint8_t *in, uint32_t len, uint8_t *out)
{
	IMB_JOB *job;

	if (sa->cipher != DP_ESP_AES_CBC_HMAC_SHA512 || len % CBC_IV_LEN != 0)
		return -EINVAL;
	job = IMB_GET_NEXT_JOB(mgr);
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->cipher_mode = IMB_CIPHER_CBC;
	job->hash_alg = IMB_AUTH_NULL;
	job->enc_keys = sa->cbc.enc_keys;
	job->dec_keys = sa->cbc.dec_keys;
	job->key_len_in_bytes = sa->key_len;
	job->src = in;
	job->dst = out;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = 0;
	job->iv = iv;
	job->iv_len_in_bytes = CBC_IV_LEN;
	job->auth_tag_output = NULL;
	job->auth_tag_output_len_in_bytes = 0;
	return run_sync(mgr, job);
}

int
dp_esp_priv_hmac(IMB_MGR *mgr, const struct dp_esp_sa *sa, const uint8_t *data, uint32_t len,
		 uint8_t *mac)
{
	IMB_JOB *job;

	if (sa->cipher != DP_ESP_AES_CBC_HMAC_SHA512)
		return -EINVAL;
	job = IMB_GET_NEXT_JOB(mgr);
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->cipher_mode = IMB_CIPHER_NULL;
	job->hash_alg = IMB_AUTH_HMAC_SHA_512;
	job->src = data;
	job->dst = NULL;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = 0;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = len;
	job->auth_tag_output = mac;
	job->auth_tag_output_len_in_bytes = HMAC_ICV_LEN;
	job->u.HMAC._hashed_auth_key_xor_ipad = sa->cbc.ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = sa->cbc.opad;
	return run_sync(mgr, job);
}
