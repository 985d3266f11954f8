/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_auth.h - local accounts: PBKDF2 password hashes, HTTP basic auth.
 *
 * Passwords are stored as "pbkdf2-sha256$<iterations>$<salt hex>$<key hex>"
 * (gnutls_pbkdf2, 16-byte random salt per account, 32-byte key). Checking a
 * password costs one PBKDF2 run; a successful check is remembered for
 * MGMT_AUTH_CACHE_TTL seconds under an HMAC-SHA-256 of the credentials
 * keyed with a per-process random key (no password is kept in memory), so
 * a client sending the same credentials on every request pays the slow
 * hash once a minute. Any change to the account table flushes the cache.
 *
 * Context: any thread, thread-safe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "mgmt_db.h"

#define MGMT_AUTH_DEFAULT_ITERATIONS 100000
#define MGMT_AUTH_MIN_ITERATIONS 1000
#define MGMT_AUTH_CACHE_TTL 60
#define MGMT_AUTH_HASH_MAX 160

enum mgmt_role {
	MGMT_ROLE_NONE = 0,
	MGMT_ROLE_READONLY,
	MGMT_ROLE_ADMIN,
};

struct mgmt_auth;

/**
 * Hash @p password with a fresh random salt.
 * @param out  at least MGMT_AUTH_HASH_MAX bytes
 * @return 0, -EINVAL (iterations out of range), -EIO (GnuTLS failure).
 * Context: any thread; takes about iterations * 1 us.
 */
int mgmt_auth_hash(unsigned int iterations, const char *password, char *out, size_t cap);

/**
 * Check @p password against a stored hash, in constant time for the key.
 * @return 0 on a match, -EACCES on a mismatch, -EINVAL for a malformed hash.
 */
int mgmt_auth_verify(const char *stored, const char *password);

/**
 * Create the authenticator over @p db (borrowed; must outlive it).
 * @return 0, -ENOMEM, -EIO (no random key).
 */
int mgmt_auth_create(struct mgmt_db *db, struct mgmt_auth **out);

/** Free @p a (NULL accepted). */
void mgmt_auth_destroy(struct mgmt_auth *a);

/**
 * Authenticate a user.
 * @param role  the account's role on success
 * @return 0, -EACCES (unknown user or wrong password), -EIO (database).
 * Context: any thread; may block for one PBKDF2 run and a read transaction.
 */
int mgmt_auth_check(struct mgmt_auth *a, const char *user, const char *password,
		    enum mgmt_role *role);

/** Forget every remembered credential (after an account change). */
void mgmt_auth_flush(struct mgmt_auth *a);

/**
 * Create the first admin account when the account table is empty.
 * @param user          account name
 * @param password      its password, or NULL to generate one and write it
 *                      to @p password_file (mode 0600, replaced if present)
 * @param iterations    PBKDF2 iterations
 * @return 1 when created, 0 when accounts already existed, or -EINVAL,
 *         -EIO (database or file).
 * Context: startup.
 */
int mgmt_auth_bootstrap(struct mgmt_db *db, const char *user, const char *password,
			const char *password_file, unsigned int iterations);

/**
 * Decode an "Authorization: Basic <base64>" header value.
 * @param user, pass  output buffers
 * @return 0, or -EINVAL (not Basic, bad base64, no ':', too long).
 */
int mgmt_auth_parse_basic(const char *header, char *user, size_t ucap, char *pass, size_t pcap);
