/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_digest.h - HTTP Digest authentication for the registrar (RFC 2617,
 * RFC 7616 algorithms, RFC 3261 §22.4).
 *
 * The node challenges with a stateless nonce: the issue time and an HMAC
 * over it keyed by a per-process secret, so a nonce is checked without
 * keeping state and goes stale after a fixed age. Responses are verified
 * for algorithms MD5 and SHA-256 (with or without qop=auth); the expected
 * response is compared in constant time. auth-int and the -sess variants
 * are refused.
 *
 * Context: any (pure functions; OpenSSL's digests).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CP_DIGEST_KEY_LEN 32
#define CP_DIGEST_NONCE_LEN 48 /* hex characters */

/* The fields of a digest-response (RFC 7616 §3.4), unquoted; NULL when absent. */
struct cp_digest_resp {
	const char *username;
	const char *realm;
	const char *nonce;
	const char *uri;
	const char *response;
	const char *algorithm;
	const char *cnonce;
	const char *qop;
	const char *nc;
	const char *opaque;
};

/**
 * Split digest-response parameters as sofia-sip delivers them
 * (`name=value` or `name="quoted"`, NULL-terminated array).
 * @param params  the parameters (borrowed)
 * @param buf     storage for the unquoted values, @p cap bytes
 * @param out     field pointers into @p buf (valid while @p buf lives)
 * @return 0; -EINVAL when a parameter is repeated, a quoted value is not
 *   closed, or username, realm, nonce, uri or response is missing;
 *   -ENAMETOOLONG when @p buf is too small.
 */
int cp_digest_parse(const char *const *params, char *buf, size_t cap, struct cp_digest_resp *out);

/**
 * A fresh nonce for time @p now_s: hex of the time and a truncated
 * HMAC-SHA-256 over it and @p realm.
 * @param out  at least CP_DIGEST_NONCE_LEN + 1 bytes
 * @return 0, -ENOSPC, -EIO (OpenSSL failure).
 */
int cp_digest_nonce_make(const uint8_t key[CP_DIGEST_KEY_LEN], const char *realm, uint64_t now_s,
			 char *out, size_t cap);

/**
 * Check a nonce we issued for @p realm.
 * @return 0 when genuine and at most @p max_age_s old; -ETIMEDOUT when
 *   genuine but older (answer stale=true); -EINVAL when not ours.
 */
int cp_digest_nonce_check(const uint8_t key[CP_DIGEST_KEY_LEN], const char *realm,
			  const char *nonce, uint64_t now_s, unsigned int max_age_s);

/**
 * Verify a digest-response for @p method with the stored @p password.
 * The username is compared exactly (case-sensitive) and the response
 * digest in constant time.
 * @return 0 on a match; -EACCES when the username or the response does not
 *   match; -ENOTSUP for an algorithm or qop we do not do (MD5-sess,
 *   auth-int, ...); -EINVAL when qop=auth lacks cnonce or nc.
 */
int cp_digest_verify(const struct cp_digest_resp *r, const char *method, const char *username,
		     const char *password);

/**
 * Compute a response (the client's side; used by tests).
 * @param out  at least 65 bytes (hex of SHA-256)
 * @return 0, -ENOTSUP, -EINVAL.
 */
int cp_digest_compute(const struct cp_digest_resp *r, const char *method, const char *password,
		      char *out, size_t cap);
