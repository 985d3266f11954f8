/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_digest.c - Digest authentication checks for REGISTER (RFC 2617 §3.2.2,
 * RFC 7616 §3.4.1 for SHA-256, RFC 3261 §22.4).
 *
 * request-digest = H(H(A1) ":" nonce [":" nc ":" cnonce ":" qop] ":" H(A2))
 * with A1 = username ":" realm ":" password and A2 = method ":" uri. The
 * expected and received digests are compared with CRYPTO_memcmp after a
 * length check, so the time taken does not depend on how many leading
 * characters match.
 *
 * Context: any (pure functions).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cp_digest.h"

#define NONCE_MAC_LEN 16 /* bytes of HMAC kept in the nonce */

static int
set_field(struct cp_digest_resp *out, const char *name, size_t nlen, const char *val)
{
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
		{"username", offsetof(struct cp_digest_resp, username)},
		{"realm", offsetof(struct cp_digest_resp, realm)},
		{"nonce", offsetof(struct cp_digest_resp, nonce)},
		{"uri", offsetof(struct cp_digest_resp, uri)},
		{"response", offsetof(struct cp_digest_resp, response)},
		{"algorithm", offsetof(struct cp_digest_resp, algorithm)},
		{"cnonce", offsetof(struct cp_digest_resp, cnonce)},
		{"qop", offsetof(struct cp_digest_resp, qop)},
		{"nc", offsetof(struct cp_digest_resp, nc)},
		{"opaque", offsetof(struct cp_digest_resp, opaque)},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char **f = (const char **)((char *)out + map[i].off);

		if (strlen(map[i].name) != nlen || strncasecmp(map[i].name, name, nlen) != 0)
			continue;
		if (*f != NULL)
			return -EINVAL; /* repeated */
		*f = val;
		return 0;
	}
	return 0; /* unknown auth-param: ignored (RFC 7616 §3.4) */
}

/* Copy value @p v (quoted-string or token) unquoted into @p *dst. */
static int
unquote(const char *v, char **dst, char *end)
{
	char *d = *dst;

	if (*v == '"') {
		for (v++; *v != '"'; v++) {
			if (*v == '\0')
				return -EINVAL;
			if (*v == '\\' && v[1] != '\0')
				v++;
			if (d >= end)
				return -ENAMETOOLONG;
			*d++ = *v;
		}
		if (v[1] != '\0')
			return -EINVAL;
	} else {
		for (; *v != '\0'; v++) {
			if (d >= end)
				return -ENAMETOOLONG;
			*d++ = *v;
		}
	}
	if (d >= end)
		return -ENAMETOOLONG;
	*d++ = '\0';
	*dst = d;
	return 0;
}

int
cp_digest_parse(const char *const *params, char *buf, size_t cap, struct cp_digest_resp *out)
{
	char *d = buf, *end = buf + cap;
	int rc;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; params != NULL && params[i] != NULL; i++) {
		const char *p = params[i], *eq = strchr(p, '=');
		const char *val;
		size_t nlen;

		if (eq == NULL)
			continue;
		nlen = (size_t)(eq - p);
		while (nlen > 0 && isspace((unsigned char)p[nlen - 1]))
			nlen--;
		eq++;
		while (isspace((unsigned char)*eq))
			eq++;
		val = d;
		rc = unquote(eq, &d, end);
		if (rc < 0)
			return rc;
		rc = set_field(out, p, nlen, val);
		if (rc < 0)
			return rc;
	}
	if (out->username == NULL || out->realm == NULL || out->nonce == NULL || out->uri == NULL ||
	    out->response == NULL)
		return -EINVAL;
	return 0;
}

static int
hmac_nonce(const uint8_t key[CP_DIGEST_KEY_LEN], const char *realm, uint64_t t,
	   uint8_t mac[NONCE_MAC_LEN])
{
	uint8_t full[EVP_MAX_MD_SIZE], msg[8 + 256];
	unsigned int flen = 0;
	size_t rl = strnlen(realm, 256);

	for (int i = 0; i < 8; i++)
		msg[i] = (uint8_t)(t >> (56 - 8 * i));
	memcpy(msg + 8, realm, rl);
	if (HMAC(EVP_sha256(), key, CP_DIGEST_KEY_LEN, msg, 8 + rl, full, &flen) == NULL ||
	    flen < NONCE_MAC_LEN)
		return -EIO;
	memcpy(mac, full, NONCE_MAC_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return 0;
}

int
cp_digest_nonce_make(const uint8_t key[CP_DIGEST_KEY_LEN], const char *realm, uint64_t now_s,
		     char *out, size_t cap)
{
	uint8_t mac[NONCE_MAC_LEN];
	int n;

	if (cap < CP_DIGEST_NONCE_LEN + 1)
		return -ENOSPC;
	if (hmac_nonce(key, realm, now_s, mac) < 0)
		return -EIO;
	n = snprintf(out, cap, "%016" PRIx64, now_s);
	for (int i = 0; i < NONCE_MAC_LEN; i++)
		n += snprintf(out + n, cap - (size_t)n, "%02x", mac[i]);
	return 0;
}

int
cp_digest_nonce_check(const uint8_t key[CP_DIGEST_KEY_LEN], const char *realm,
		      const char *nonce, uint64_t now_s, unsigned int max_age_s)
{
	uint8_t mac[NONCE_MAC_LEN];
	char want[CP_DIGEST_NONCE_LEN + 1];
	uint64_t t = 0;

	if (strlen(nonce) != CP_DIGEST_NONCE_LEN)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		char c = nonce[i];

		if (!isxdigit((unsigned char)c))
			return -EINVAL;
		t = (t << 4) | (uint64_t)(isdigit((unsigned char)c) ? c - '0' :
								       tolower((unsigned char)c) - 'a' + 10);
	}
	if (hmac_nonce(key, realm, t, mac) < 0 ||
	    cp_digest_nonce_make(key, realm, t, want, sizeof(want)) < 0)
		return -EINVAL;
	if (CRYPTO_memcmp(want, nonce, CP_DIGEST_NONCE_LEN) != 0)
		return -EINVAL;
	if (t > now_s + 5 || now_s - t > max_age_s)
		return -ETIMEDOUT;
	return 0;
}

/* hex(H(s1 ":" s2 ":" ... )) of the NULL-terminated parts. */
static int
hash_hex(const EVP_MD *md, const char *const *parts, char *out, size_t cap)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1;

	for (size_t i = 0; ok && parts[i] != NULL; i++) {
		if (i > 0)
			ok = EVP_DigestUpdate(ctx, ":", 1) == 1;
		ok = ok && EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, h, &hl) == 1 && cap > 2 * (size_t)hl;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EIO;
	for (unsigned int i = 0; i < hl; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	OPENSSL_cleanse(h, sizeof(h));
	return 0;
}

int
cp_digest_compute(const struct cp_digest_resp *r, const char *method, const char *password,
		  char *out, size_t cap)
{
	const EVP_MD *md;
	char ha1[EVP_MAX_MD_SIZE * 2 + 1], ha2[EVP_MAX_MD_SIZE * 2 + 1];
	int rc;

	if (r->algorithm == NULL || strcasecmp(r->algorithm, "MD5") == 0)
		md = EVP_md5();
	else if (strcasecmp(r->algorithm, "SHA-256") == 0)
		md = EVP_sha256();
	else
		return -ENOTSUP;
	if (r->qop != NULL && strcasecmp(r->qop, "auth") != 0)
		return -ENOTSUP;
	if (r->qop != NULL && (r->cnonce == NULL || r->nc == NULL))
		return -EINVAL;
	rc = hash_hex(md, (const char *const[]){r->username, r->realm, password, NULL}, ha1,
		      sizeof(ha1));
	if (rc == 0)
		rc = hash_hex(md, (const char *const[]){method, r->uri, NULL}, ha2, sizeof(ha2));
	if (rc == 0 && r->qop != NULL)
		rc = hash_hex(md,
			      (const char *const[]){ha1, r->nonce, r->nc, r->cnonce, "auth", ha2,
						    NULL},
			      out, cap);
	else if (rc == 0)
		rc = hash_hex(md, (const char *const[]){ha1, r->nonce, ha2, NULL}, out, cap);
	OPENSSL_cleanse(ha1, sizeof(ha1));
	return rc < 0 ? -EINVAL : 0;
}

int
cp_digest_verify(const struct cp_digest_resp *r, const char *method, const char *username,
		 const char *password)
{
	char want[EVP_MAX_MD_SIZE * 2 + 1], got[EVP_MAX_MD_SIZE * 2 + 1];
	size_t wl, gl = strlen(r->response), ul = strlen(username);
	bool user_ok;
	int rc;

	rc = cp_digest_compute(r, method, password, want, sizeof(want));
	if (rc < 0)
		return rc;
	wl = strlen(want);
	user_ok = strlen(r->username) == ul && CRYPTO_memcmp(r->username, username, ul) == 0;
	/* Hex is case-insensitive: compare a lowercased copy of the same length. */
	if (gl != wl) {
		OPENSSL_cleanse(want, sizeof(want));
		return -EACCES;
	}
	for (size_t i = 0; i < gl; i++)
		got[i] = (char)tolower((unsigned char)r->response[i]);
	rc = CRYPTO_memcmp(want, got, wl) == 0 && user_ok ? 0 : -EACCES;
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}
