/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_auth.c - PBKDF2 hashes (GnuTLS), account lookup and a verified-
 * credentials cache.
 *
 * Context: HTTP worker threads (check) and startup (bootstrap).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sqlite3.h>

#include "mgmt_auth.h"
#include "tsr_log.h"

#define SALT_LEN 16
#define KEY_LEN 32
#define CACHE_SLOTS 64

struct cache_slot {
	unsigned char tag[32]; /* HMAC(key, user NUL password) */
	enum mgmt_role role;
	time_t expires; /* 0 = free */
};

/* Invariants: slots[] are only touched under lock; secret never leaves this file. */
struct mgmt_auth {
	struct mgmt_db *db; /* borrowed */
	unsigned char secret[32];
	pthread_mutex_t lock;
	struct cache_slot slots[CACHE_SLOTS];
	unsigned int next;
};

static void
to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
from_hex(const char *in, size_t len, unsigned char *out, size_t cap)
{
	if (len % 2 != 0 || len / 2 > cap)
		return -EINVAL;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned int b;

		if (sscanf(in + 2 * i, "%2x", &b) != 1 ||
		    strchr("0123456789abcdef", in[2 * i]) == NULL ||
		    strchr("0123456789abcdef", in[2 * i + 1]) == NULL)
			return -EINVAL;
		out[i] = (unsigned char)b;
	}
	return (int)(len / 2);
}

static int
derive(const char *password, const unsigned char *salt, size_t slen, unsigned int iter,
       unsigned char *key)
{
	gnutls_datum_t k = {.data = (unsigned char *)password,
			    .size = (unsigned int)strlen(password)};
	gnutls_datum_t s = {.data = (unsigned char *)salt, .size = (unsigned int)slen};

	return gnutls_pbkdf2(GNUTLS_MAC_SHA256, &k, &s, iter, key, KEY_LEN) == 0 ? 0 : -EIO;
}

int
mgmt_auth_hash(unsigned int iterations, const char *password, char *out, size_t cap)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	char hs[2 * SALT_LEN + 1], hk[2 * KEY_LEN + 1];
	int n;

	if (iterations < MGMT_AUTH_MIN_ITERATIONS || iterations > 10000000)
		return -EINVAL;
	if (gnutls_rnd(GNUTLS_RND_NONCE, salt, sizeof(salt)) != 0 ||
	    derive(password, salt, sizeof(salt), iterations, key) < 0)
		return -EIO;
	to_hex(salt, sizeof(salt), hs);
	to_hex(key, sizeof(key), hk);
	gnutls_memset(key, 0, sizeof(key));
	n = snprintf(out, cap, "pbkdf2-sha256$%u$%s$%s", iterations, hs, hk);
	return n < 0 || (size_t)n >= cap ? -EINVAL : 0;
}

int
mgmt_auth_verify(const char *stored, const char *password)
{
	unsigned char salt[64], want[KEY_LEN], got[KEY_LEN];
	const char *p = stored, *s, *k;
	unsigned int iter;
	unsigned char diff = 0;
	char *end;
	int slen;

	if (strncmp(p, "pbkdf2-sha256$", 14) != 0)
		return -EINVAL;
	p += 14;
	iter = (unsigned int)strtoul(p, &end, 10);
	if (*end != '$' || iter < MGMT_AUTH_MIN_ITERATIONS || iter > 10000000)
		return -EINVAL;
	s = end + 1;
	k = strchr(s, '$');
	if (k == NULL)
		return -EINVAL;
	slen = from_hex(s, (size_t)(k - s), salt, sizeof(salt));
	if (slen <= 0 || from_hex(k + 1, strlen(k + 1), want, sizeof(want)) != KEY_LEN)
		return -EINVAL;
	if (derive(password, salt, (size_t)slen, iter, got) < 0)
		return -EIO;
	for (size_t i = 0; i < KEY_LEN; i++)
		diff |= got[i] ^ want[i];
	gnutls_memset(got, 0, sizeof(got));
	return diff == 0 ? 0 : -EACCES;
}

int
mgmt_auth_create(struct mgmt_db *db, struct mgmt_auth **out)
{
	struct mgmt_auth *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return -ENOMEM;
	if (gnutls_rnd(GNUTLS_RND_KEY, a->secret, sizeof(a->secret)) != 0) {
		free(a);
		return -EIO;
	}
	a->db = db;
	pthread_mutex_init(&a->lock, NULL);
	*out = a;
	return 0;
}

void
mgmt_auth_destroy(struct mgmt_auth *a)
{
	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->lock);
	gnutls_memset(a, 0, sizeof(*a));
	free(a);
}

void
mgmt_auth_flush(struct mgmt_auth *a)
{
	pthread_mutex_lock(&a->lock);
	memset(a->slots, 0, sizeof(a->slots));
	pthread_mutex_unlock(&a->lock);
}

static int
tag_of(struct mgmt_auth *a, const char *user, const char *password, unsigned char *tag)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s%c%s", user, '\0', password);
	int rc;

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	rc = gnutls_hmac_fast(GNUTLS_MAC_SHA256, a->secret, sizeof(a->secret), buf, (size_t)n, tag);
	gnutls_memset(buf, 0, sizeof(buf));
	return rc == 0 ? 0 : -EIO;
}

static enum mgmt_role
cache_lookup(struct mgmt_auth *a, const unsigned char *tag)
{
	enum mgmt_role role = MGMT_ROLE_NONE;
	time_t now = time(NULL);

	pthread_mutex_lock(&a->lock);
	for (unsigned int i = 0; i < CACHE_SLOTS; i++)
		if (a->slots[i].expires > now && gnutls_memcmp(a->slots[i].tag, tag, 32) == 0)
			role = a->slots[i].role;
	pthread_mutex_unlock(&a->lock);
	return role;
}

static void
cache_store(struct mgmt_auth *a, const unsigned char *tag, enum mgmt_role role)
{
	pthread_mutex_lock(&a->lock);
	memcpy(a->slots[a->next].tag, tag, 32);
	a->slots[a->next].role = role;
	a->slots[a->next].expires = time(NULL) + MGMT_AUTH_CACHE_TTL;
	a->next = (a->next + 1) % CACHE_SLOTS;
	pthread_mutex_unlock(&a->lock);
}

int
mgmt_auth_check(struct mgmt_auth *a, const char *user, const char *password, enum mgmt_role *role)
{
	char hash[MGMT_AUTH_HASH_MAX] = "", rname[16] = "";
	unsigned char tag[32];
	sqlite3_stmt *st = NULL;
	sqlite3 *h;
	bool cached_ok = tag_of(a, user, password, tag) == 0;
	int rc;

	if (cached_ok && (*role = cache_lookup(a, tag)) != MGMT_ROLE_NONE)
		return 0;
	h = mgmt_db_read_begin(a->db);
	if (h == NULL)
		return -EIO;
	rc = sqlite3_prepare_v2(h, "SELECT password_hash, role FROM account WHERE username = ?", -1,
				&st, NULL);
	if (rc == SQLITE_OK && sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		snprintf(hash, sizeof(hash), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(rname, sizeof(rname), "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	mgmt_db_read_end(a->db, h);
	if (rc != SQLITE_OK)
		return -EIO;
	if (hash[0] == '\0') {
		/* Same cost as a real check, so a timing probe cannot list accounts. */
		mgmt_auth_verify("pbkdf2-sha256$100000$00000000000000000000000000000000$"
				 "0000000000000000000000000000000000000000000000000000000000000000",
				 password);
		return -EACCES;
	}
	if (mgmt_auth_verify(hash, password) != 0)
		return -EACCES;
	*role = strcmp(rname, "admin") == 0 ? MGMT_ROLE_ADMIN : MGMT_ROLE_READONLY;
	if (cached_ok)
		cache_store(a, tag, *role);
	return 0;
}

static int
write_secret_file(const char *path, const char *secret)
{
	int fd;
	size_t n = strlen(secret);

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, secret, n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
		close(fd);
		return -EIO;
	}
	return close(fd) == 0 ? 0 : -EIO;
}

static void
gen_password(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char rnd[64];

	gnutls_rnd(GNUTLS_RND_KEY, rnd, sizeof(rnd));
	for (size_t i = 0; i < len - 1 && i < sizeof(rnd); i++)
		out[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	out[len - 1] = '\0';
	gnutls_memset(rnd, 0, sizeof(rnd));
}

int
mgmt_auth_bootstrap(struct mgmt_db *db, const char *user, const char *password,
		    const char *password_file, unsigned int iterations)
{
	char gen[25], hash[MGMT_AUTH_HASH_MAX], now[32];
	sqlite3_stmt *st = NULL;
	sqlite3 *h;
	int rc, count = -1;

	h = mgmt_db_write_begin(db);
	if (h == NULL)
		return -EIO;
	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM account", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		count = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (count != 0) {
		mgmt_db_write_end(db, false);
		return count < 0 ? -EIO : 0;
	}
	if (password == NULL) {
		gen_password(gen, sizeof(gen));
		password = gen;
	}
	rc = mgmt_auth_hash(iterations, password, hash, sizeof(hash));
	if (rc < 0)
		goto out_rollback;
	mgmt_db_now(now, sizeof(now));
	rc = -EIO;
	if (sqlite3_prepare_v2(h,
			       "INSERT INTO account (username, role, password_hash, description, "
			       "creation_time) VALUES (?, 'admin', ?, 'initial administrator', ?)",
			       -1, &st, NULL) != SQLITE_OK)
		goto out_rollback;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = mgmt_db_errno(sqlite3_extended_errcode(h)) == -EINVAL ? -EINVAL : -EIO;
		goto out_rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (password == gen && (rc = write_secret_file(password_file, gen)) < 0)
		goto out_rollback;
	gnutls_memset(gen, 0, sizeof(gen));
	if (mgmt_db_write_end(db, true) < 0)
		return -EIO;
	TSR_INFO("mgmt.auth", "initial admin account created\tuser=%s password_source=%s", user,
		 password == gen ? password_file : "(from configuration)");
	return 1;
out_rollback:
	sqlite3_finalize(st);
	gnutls_memset(gen, 0, sizeof(gen));
	mgmt_db_write_end(db, false);
	return rc;
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
mgmt_auth_parse_basic(const char *header, char *user, size_t ucap, char *pass, size_t pcap)
{
	char buf[512], *colon;
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	const char *p;

	if (header == NULL || strncasecmp(header, "Basic ", 6) != 0)
		return -EINVAL;
	for (p = header + 6; *p == ' '; p++)
		;
	for (; *p != '\0' && *p != '='; p++) {
		int v = b64val(*p);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= sizeof(buf))
				return -EINVAL;
			buf[n++] = (char)(acc >> bits);
		}
	}
	while (*p == '=')
		p++;
	if (*p != '\0' || memchr(buf, '\0', n) != NULL)
		return -EINVAL;
	buf[n] = '\0';
	colon = strchr(buf, ':');
	if (colon == NULL || (size_t)(colon - buf) >= ucap || strlen(colon + 1) >= pcap) {
		gnutls_memset(buf, 0, sizeof(buf));
		return -EINVAL;
	}
	*colon = '\0';
	strcpy(user, buf);
	strcpy(pass, colon + 1);
	gnutls_memset(buf, 0, sizeof(buf));
	return 0;
}
