/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_srtp.h - SRTP and SRTCP (RFC 3711, RFC 7714) on intel ipsec-mb, in bursts.
 *
 * A session (struct dp_srtp_session) holds the keys of one direction of one
 * media stream: the suite, the session keys derived from the SDES master key
 * and salt (RFC 3711 §4.3, KDR 0), and the ipsec-mb key schedules. It is
 * immutable once initialised, so the control path can publish it to the fast
 * path by pointer (RCU).
 *
 * The mutable per-SSRC part (rollover counter, highest sequence, replay
 * windows, SRTCP index) lives in struct dp_srtp_state, owned and written by
 * the one lcore that handles the stream; the control path only resets it.
 *
 * Context: the init, fini and parse functions on the control path; the burst
 * functions on io lcores
 * (fast path: no allocation, no lock, no syscall, no log).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>

enum dp_srtp_suite {
	DP_SRTP_NULL = 0, /**< plain RTP/RTCP: the burst functions leave the packet as is */
	DP_SRTP_AES_CM_128_HMAC_SHA1_80,
	DP_SRTP_AES_CM_128_HMAC_SHA1_32,
	DP_SRTP_AEAD_AES_128_GCM,
	DP_SRTP_AEAD_AES_256_GCM,
	DP_SRTP_SUITE_COUNT,
};

/** Result of one packet in a burst (struct dp_srtp_op.status). */
enum dp_srtp_status {
	DP_SRTP_OK = 0,
	DP_SRTP_E_MALFORMED, /**< shorter than header + tag, or header bounds broken */
	DP_SRTP_E_ROOM,      /**< protect: no room after the packet for the trailer */
	DP_SRTP_E_AUTH,      /**< unprotect: authentication tag mismatch */
	DP_SRTP_E_REPLAY,    /**< unprotect: index seen before or older than the window */
	DP_SRTP_E_CRYPTO,    /**< ipsec-mb reported an error for the job */
	DP_SRTP_STATUS_COUNT,
};

#define DP_SRTP_MAX_MASTER_KEY 32
#define DP_SRTP_MAX_MASTER_SALT 14
/** Largest growth of a packet by protect (SRTCP GCM: 16-byte tag + 4-byte E|index). */
#define DP_SRTP_MAX_TRAILER 20
/** SSRCs tracked per direction of a stream; the least recently used is recycled. */
#define DP_SRTP_MAX_SSRC 4
/** Replay window size in packets, for SRTP and SRTCP (RFC 3711 §3.3.2 asks >= 64). */
#define DP_SRTP_REPLAY_WINDOW 128

/**
 * Immutable keys of one direction. Zeroed by dp_srtp_session_fini().
 * Laid out for the fast path: what one RTP packet needs (suite, salt, AES key
 * schedule and HMAC pads, or the GCM key data) sits in consecutive cache
 * lines from the start; SRTCP keys follow. AES-CM and GCM share storage.
 */
struct dp_srtp_session {
	enum dp_srtp_suite suite;
	/* Implementation-private fields follow (key schedules, salts, tag lengths). */
	uint8_t tag_len;      /* SRTP tag length */
	uint8_t rtcp_tag_len; /* SRTCP tag length (80-bit for both _80 and _32) */
	uint8_t key_len;      /* session key length */
	uint8_t salt_len;     /* session salt length (14 for AES-CM, 12 for GCM) */
	uint8_t rtp_salt[16];
	uint8_t rtcp_salt[16];
	union {
		struct { /* AES-CM: expanded encryption keys, HMAC-SHA1 pads pre-hashed */
			uint32_t rtp_enc_keys[60] __attribute__((aligned(16)));
			uint8_t rtp_ipad[20] __attribute__((aligned(16)));
			uint8_t rtp_opad[20] __attribute__((aligned(16)));
		};
		struct gcm_key_data rtp_gcm __attribute__((aligned(64)));
	};
	union {
		struct {
			uint32_t rtcp_enc_keys[60] __attribute__((aligned(16)));
			uint8_t rtcp_ipad[20] __attribute__((aligned(16)));
			uint8_t rtcp_opad[20] __attribute__((aligned(16)));
		};
		struct gcm_key_data rtcp_gcm __attribute__((aligned(64)));
	};
};

/**
 * Prefetch what protecting or unprotecting one RTP packet reads from @p s
 * (the first lines of the session: parameters, salt, key schedule, pads or
 * the first GHASH keys). Call it a few packets ahead of the burst function.
 * Context: fast path.
 */
static inline void
dp_srtp_session_prefetch(const struct dp_srtp_session *s)
{
	const char *p = (const char *)s;

	for (unsigned int i = 0; i < 7; i++)
		__builtin_prefetch(p + 64 * i);
}

/** Replay and index state of one SSRC (RFC 3711 §3.3.1, §3.3.2). */
struct dp_srtp_ssrc_state {
	uint32_t ssrc;
	uint32_t roc;          /* rollover counter */
	uint16_t s_l;          /* highest authenticated sequence number */
	uint8_t in_use;
	uint8_t rtp_seen;      /* s_l/roc valid (first packet seen) */
	uint64_t replay[DP_SRTP_REPLAY_WINDOW / 64];      /* bit i = index (top - i) seen */
	uint32_t rtcp_index;   /* protect: last SRTCP index sent; unprotect: highest received */
	uint8_t rtcp_seen;
	uint64_t rtcp_replay[DP_SRTP_REPLAY_WINDOW / 64];
	uint64_t last_use;     /* LRU stamp for recycling */
};

/** Mutable state of one direction of a stream: a few SSRCs. */
struct dp_srtp_state {
	struct dp_srtp_ssrc_state ssrc[DP_SRTP_MAX_SSRC];
	uint64_t clock;        /* LRU counter */
};

/** One packet of a burst. */
struct dp_srtp_op {
	uint8_t *pkt;                       /**< borrowed: starts at the RTP/RTCP header */
	uint16_t len;                       /**< in: packet length; out: new length */
	uint16_t room;                      /**< bytes writable from pkt, >= len */
	uint8_t status;                     /**< out: enum dp_srtp_status */
	const struct dp_srtp_session *sess; /**< borrowed; NULL or DP_SRTP_NULL = plain */
	struct dp_srtp_state *st;           /**< borrowed, written (ROC, replay) */
};

/**
 * Parse an SDES crypto-suite name ("AES_CM_128_HMAC_SHA1_80", ...; "NULL" for plain).
 * @return the suite, or -EINVAL.
 * Context: any.
 */
int dp_srtp_suite_parse(const char *name);

/** Name of @p suite as SDES spells it ("NULL" for DP_SRTP_NULL). */
const char *dp_srtp_suite_name(enum dp_srtp_suite suite);

/** Master key length (16 or 32) and master salt length (14 or 12) of @p suite. */
size_t dp_srtp_suite_key_len(enum dp_srtp_suite suite);
size_t dp_srtp_suite_salt_len(enum dp_srtp_suite suite);

/**
 * Derive session keys from an SDES master key and salt (RFC 3711 §4.3, KDR 0;
 * RFC 7714 §11 for GCM) and prepare the ipsec-mb key schedules.
 * @param s        caller-owned storage, fully overwritten
 * @param mgr      an initialised ipsec-mb manager (borrowed, used only here)
 * @param suite    the suite
 * @param key      master key (borrowed), @p key_len bytes, must match the suite
 * @param salt     master salt (borrowed), @p salt_len bytes, must match the suite
 * @return 0, or -EINVAL for a bad suite or length.
 * Context: control path.
 */
int dp_srtp_session_init(struct dp_srtp_session *s, IMB_MGR *mgr, enum dp_srtp_suite suite,
			 const uint8_t *key, size_t key_len, const uint8_t *salt, size_t salt_len);

/**
 * Like dp_srtp_session_init() but with session keys given directly (no KDF),
 * for the RFC 7714 §16-17 vectors. The same key/salt serve SRTP and SRTCP.
 * For AES-CM suites @p auth_key (20 bytes) is the HMAC key; GCM suites ignore it.
 * @return 0, or -EINVAL.
 * Context: tests.
 */
int dp_srtp_session_init_raw(struct dp_srtp_session *s, IMB_MGR *mgr, enum dp_srtp_suite suite,
			     const uint8_t *session_key, size_t key_len, const uint8_t *session_salt,
			     size_t salt_len, const uint8_t *auth_key, size_t auth_key_len);

/** Wipe every key of @p s (explicit_bzero). Context: control path. */
void dp_srtp_session_fini(struct dp_srtp_session *s);

/** Forget every SSRC of @p st (a new key or a new stream). Context: owner lcore or before publish. */
void dp_srtp_state_reset(struct dp_srtp_state *st);

/**
 * Protect/unprotect a burst of RTP (srtp) or RTCP (srtcp) packets in place.
 * Each op may use a different session and state. Ops whose session is NULL or
 * DP_SRTP_NULL pass unchanged with DP_SRTP_OK. Unprotect checks replay before
 * and updates the window and ROC only after authentication succeeds; packets of
 * the same SSRC inside one burst are handled in order.
 * Protect appends the tag (and the SRTCP E|index word) and needs
 * room >= len + DP_SRTP_MAX_TRAILER.
 * @param mgr  this lcore's ipsec-mb manager
 * @param ops  the burst; status and len are written for each
 * @param n    number of ops (any; processed in chunks internally)
 * @return number of ops that ended DP_SRTP_OK.
 * Context: fast path, one lcore per state; never fails as a whole.
 */
uint16_t dp_srtp_protect_burst(IMB_MGR *mgr, struct dp_srtp_op *ops, uint16_t n);
uint16_t dp_srtp_unprotect_burst(IMB_MGR *mgr, struct dp_srtp_op *ops, uint16_t n);
uint16_t dp_srtcp_protect_burst(IMB_MGR *mgr, struct dp_srtp_op *ops, uint16_t n);
uint16_t dp_srtcp_unprotect_burst(IMB_MGR *mgr, struct dp_srtp_op *ops, uint16_t n);

/**
 * Allocate and initialise an ipsec-mb manager for the running CPU.
 * @return 0 or -ENOMEM/-ENOTSUP. Ownership: returns owned, free with dp_srtp_mgr_destroy().
 */
int dp_srtp_mgr_create(IMB_MGR **out);
void dp_srtp_mgr_destroy(IMB_MGR *mgr);
