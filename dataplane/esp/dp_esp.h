/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_esp.h - ESP (RFC 4303) transforms on intel ipsec-mb, in bursts.
 *
 * An SA (struct dp_esp_sa) holds what never changes once it is published:
 * SPI, direction, cipher, the ipsec-mb key schedules, the addresses and the
 * lifetimes. The mutable part (sequence counter or anti-replay window, the
 * counters) lives in struct dp_esp_state, next to the SA in its table slot.
 *
 * Ciphers:
 *  - AES-GCM with a 16-octet ICV (RFC 4106): keymat = key || 4-octet salt,
 *    8-octet explicit IV; we send IV = the 64-bit sequence number, unique
 *    per key as §3.1 asks.
 *  - AES-256-CBC (RFC 3602) with HMAC-SHA-512-256 (RFC 4868): 16-octet IV,
 *    32-octet ICV. The IV must be unpredictable (RFC 3602 §2): we send
 *    AES_K(sequence block), NIST SP 800-38A appendix C's first method,
 *    computed in the same ipsec-mb job as the payload (the block is
 *    CBC-encrypted in front of the payload with a zero IV).
 * Extended sequence numbers (RFC 4303 §2.2.1, appendix A): the high 32 bits
 * are not sent; they enter the ICV (GCM: the 12-octet AAD of RFC 4106 §5)
 * and the receiver infers them from its window (appendix A2.2).
 *
 * Concurrency: an inbound SA's state is written by the one io lcore that
 * receives it (RSS hashes ESP by addresses, so an SA stays on one queue);
 * an outbound SA may be used by several lcores at once: its sequence
 * numbers are taken with an atomic fetch-add per run of packets and its
 * counters are added atomically, once per run.
 *
 * Context: dp_esp_sa_init/fini and dp_esp_cipher_* on the control path;
 * the burst functions on io lcores (fast path: no allocation, no lock, no
 * syscall, no log).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>

enum dp_esp_cipher {
	DP_ESP_CIPHER_NONE = 0,
	DP_ESP_AES_GCM,             /**< "aes256gcm": RFC 4106, 16-octet ICV */
	DP_ESP_AES_CBC_HMAC_SHA512, /**< "aes256cbc-hmacsha512": RFC 3602 + RFC 4868 */
	DP_ESP_CIPHER_COUNT,
};

enum dp_esp_dir {
	DP_ESP_IN = 0,
	DP_ESP_OUT = 1,
};

/** Result of one packet of a burst (struct dp_esp_op.status). */
enum dp_esp_status {
	DP_ESP_OK = 0,
	DP_ESP_E_MALFORMED, /**< length, alignment or padding wrong */
	DP_ESP_E_ROOM,      /**< encrypt: no room for the trailer */
	DP_ESP_E_AUTH,      /**< decrypt: ICV mismatch */
	DP_ESP_E_REPLAY,    /**< decrypt: sequence number seen or left of the window */
	DP_ESP_E_SEQ,       /**< encrypt: sequence numbers exhausted, the SA must be replaced */
	DP_ESP_E_CRYPTO,    /**< ipsec-mb refused or failed the job */
	DP_ESP_STATUS_COUNT,
};

#define DP_ESP_HDR_LEN 8         /**< SPI + sequence number */
#define DP_ESP_MAX_IV 16
#define DP_ESP_MAX_ICV 32
#define DP_ESP_MAX_KEY 32
#define DP_ESP_SALT_LEN 4
#define DP_ESP_AUTH_KEY_LEN 64   /**< HMAC-SHA-512-256 key (RFC 4868 §2.1.1) */
/** Largest growth of a payload: header, IV, padding (< 16), pad length, next header, ICV. */
#define DP_ESP_MAX_OVERHEAD (DP_ESP_HDR_LEN + DP_ESP_MAX_IV + 15 + 2 + DP_ESP_MAX_ICV)
/** Largest trailer after the payload (padding, pad length, next header, ICV). */
#define DP_ESP_MAX_TRAILER (15 + 2 + DP_ESP_MAX_ICV)
/** Largest anti-replay window (RFC 4303 §3.4.3: 64 at least, bigger with speed). */
#define DP_ESP_REPLAY_MAX 1024
/** Bits of the replay bitmap: a ring of twice the window, so a shift never loses a live bucket. */
#define DP_ESP_REPLAY_BITS (2 * DP_ESP_REPLAY_MAX)
/** Soft lifetime, in percent of the hard lifetime (bytes and seconds). */
#define DP_ESP_SOFT_PCT 90

/**
 * One SA. Immutable once published; zeroed by dp_esp_sa_fini().
 * The fields of the fast path come first, the key schedules after.
 */
struct dp_esp_sa {
	uint32_t spi;           /* host order */
	uint8_t dir;            /* enum dp_esp_dir */
	uint8_t cipher;         /* enum dp_esp_cipher */
	uint8_t esn;            /* 64-bit sequence numbers */
	uint8_t key_len;        /* AES key: 16, 24 or 32 octets */
	uint8_t iv_len;         /* 8 (GCM) or 16 (CBC) */
	uint8_t icv_len;        /* 16 (GCM) or 32 (HMAC-SHA-512-256) */
	uint8_t align;          /* payload + trailer is a multiple of this: 4 or 16 */
	uint8_t family;         /* AF_INET or AF_INET6 of local and remote */
	uint16_t window;        /* inbound replay window, 64..DP_ESP_REPLAY_MAX */
	uint8_t salt[DP_ESP_SALT_LEN];
	uint8_t local[16];      /* node address (outer source out, destination in) */
	uint8_t remote[16];     /* peer address */
	uint64_t life_bytes;    /* hard lifetime in payload octets, 0 = none */
	uint64_t life_seconds;  /* hard lifetime in seconds, 0 = none */
	uint64_t created_tsc;   /* TSC when added */
	uint64_t expire_tsc;    /* TSC of the hard lifetime, UINT64_MAX = none */
	uint64_t generation;    /* unique per SA added: tells a reused slot apart */
	union {
		struct gcm_key_data gcm __attribute__((aligned(64)));
		struct {
			uint32_t enc_keys[60] __attribute__((aligned(16)));
			uint32_t dec_keys[60] __attribute__((aligned(16)));
			uint8_t ipad[64] __attribute__((aligned(16))); /* SHA-512 state after key ^ ipad */
			uint8_t opad[64] __attribute__((aligned(16)));
		} cbc;
	};
};

/** Counters of one SA. */
struct dp_esp_sa_stats {
	uint64_t packets;   /* authenticated and accepted (in) / protected and sent (out) */
	uint64_t bytes;     /* payload octets of those packets (the inner UDP datagrams) */
	uint64_t auth_fail; /* ICV mismatch */
	uint64_t replay;    /* already seen or older than the window */
	uint64_t seq_gap;   /* accepted packets that moved the window by more than one */
	uint64_t malformed; /* bad length, alignment or padding */
	uint64_t expired;   /* dropped: hard lifetime reached or sequence numbers exhausted */
	uint64_t other;     /* dropped for another reason (inner protocol, room, crypto) */
};

/**
 * Mutable state of one SA (one cache-line-aligned block per slot).
 * Outbound: seq is the last sequence number handed out (fetch-add).
 * Inbound: top is the highest authenticated sequence number (0 = none yet)
 * and window a ring of DP_ESP_REPLAY_BITS bits indexed by seq modulo its size.
 */
struct dp_esp_state {
	uint64_t seq;
	uint64_t top;
	struct dp_esp_sa_stats stats;
	uint64_t window[DP_ESP_REPLAY_BITS / 64];
} __attribute__((aligned(64)));

/** One packet of a burst. */
struct dp_esp_op {
	uint8_t *esp;              /**< borrowed: where the ESP header is (or goes) */
	uint16_t len;              /**< encrypt in: payload length (payload at esp + dp_esp_hdr_len());
				    *   out: ESP length (header to ICV). decrypt in: ESP length;
				    *   out: payload length (payload at esp + dp_esp_hdr_len()) */
	uint16_t room;             /**< encrypt: octets writable from esp */
	uint8_t next_header;       /**< encrypt in, decrypt out (RFC 4303 §2.6) */
	uint8_t status;            /**< out: enum dp_esp_status */
	const struct dp_esp_sa *sa;/**< borrowed */
	struct dp_esp_state *st;   /**< borrowed, written */
	const uint8_t *iv;         /**< tests: explicit IV (iv_len octets); NULL = ours */
	uint64_t seq;              /**< out: the 64-bit sequence number sent or accepted */
};

/**
 * Parse a cipher name ("aes256gcm", "aes256cbc-hmacsha512").
 * @return the cipher, or -EINVAL. Context: any.
 */
int dp_esp_cipher_parse(const char *name);

/** Name of @p c, or NULL. Context: any. */
const char *dp_esp_cipher_name(enum dp_esp_cipher c);

/** Octets between the ESP header start and the payload (header + IV). */
static inline unsigned int
dp_esp_hdr_len(const struct dp_esp_sa *sa)
{
	return DP_ESP_HDR_LEN + sa->iv_len;
}

/** Key material of one SA for dp_esp_sa_init(). */
struct dp_esp_keys {
	enum dp_esp_cipher cipher;
	const uint8_t *key;       /**< AES key, @p key_len octets (16, 24 or 32) */
	size_t key_len;
	const uint8_t *salt;      /**< GCM: 4 octets; NULL otherwise */
	const uint8_t *auth_key;  /**< CBC: 64 octets (HMAC-SHA-512-256); NULL otherwise */
};

/**
 * Fill the transform part of @p sa (cipher, lengths, key schedules) from
 * @p k; the caller sets spi, dir, esn, window, addresses and lifetimes.
 * @param mgr  an initialised ipsec-mb manager (borrowed, used only here)
 * @return 0, or -EINVAL for a bad cipher, key length or missing salt/auth key.
 * Context: control path.
 */
int dp_esp_sa_init(struct dp_esp_sa *sa, IMB_MGR *mgr, const struct dp_esp_keys *k);

/** Wipe every key of @p sa (explicit_bzero). Context: control path. */
void dp_esp_sa_fini(struct dp_esp_sa *sa);

/**
 * Protect a burst in place: write SPI, sequence number and IV in front of
 * the payload, pad (RFC 4303 §2.4: 1, 2, 3, ...), pad length and next
 * header after it, encrypt, append the ICV. Needs room >= dp_esp_hdr_len()
 * + len + DP_ESP_MAX_TRAILER. Sequence numbers start at 1; without ESN the
 * SA gives DP_ESP_E_SEQ after 2^32 - 1 packets (§3.3.3: no cycling).
 * @param mgr  this lcore's ipsec-mb manager
 * @return the number of ops that ended DP_ESP_OK (len, seq set).
 * Context: fast path; never fails as a whole.
 */
uint16_t dp_esp_encrypt_burst(IMB_MGR *mgr, struct dp_esp_op *ops, uint16_t n);

/**
 * Check and decrypt a burst in place (RFC 4303 §3.4): infer the ESN high
 * bits (appendix A2.2), drop replays before spending crypto on them,
 * verify the ICV in constant time, check again against the window as
 * committed by the earlier packets and only then update it; then check the
 * padding and report payload length and next header. Counters of the
 * state are updated (packets/bytes only for accepted packets).
 * On an error status the payload bytes are unspecified.
 * @return the number of ops that ended DP_ESP_OK.
 * Context: fast path, one lcore per inbound state.
 */
uint16_t dp_esp_decrypt_burst(IMB_MGR *mgr, struct dp_esp_op *ops, uint16_t n);

/**
 * True when @p seq would pass the replay check of @p st (window @p window).
 * Context: any reader of the state (tests, control path statistics).
 */
bool dp_esp_replay_ok(const struct dp_esp_state *st, uint16_t window, uint64_t seq);
