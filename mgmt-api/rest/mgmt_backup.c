/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_backup.c - the encrypted configuration file: table dump and load,
 * PBKDF2 key derivation and AES-256-GCM (GnuTLS).
 *
 * Table and column names reach SQL only after they were read from
 * sqlite_master / PRAGMA table_info of the running database; values are
 * always bound.
 *
 * Context: see mgmt_backup.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>

#include "config.h"
#include "mgmt_backup.h"
#include "mgmt_db.h"
#include "mgmt_valid.h"

#define MAGIC "TSRBKUP"
#define FORMAT_VERSION 1
#define KDF_PBKDF2_SHA256 1
#define CIPHER_AES256_GCM 1
#define TAG_LEN 16
#define MAX_ITERATIONS 10000000u

/* Tables that make up "the configuration": not live state, not the version counter. */
#define TABLES_SQL                                                                               \
	"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"         \
	" AND name NOT LIKE 'status%' AND name NOT IN ('schema_version', 'config_state', 'alarm')"  \
	" ORDER BY name"

static void
put_u16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void
put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int
derive(const char *passphrase, const unsigned char *salt, unsigned int iterations,
       unsigned char key[32])
{
	gnutls_datum_t k = {.data = (unsigned char *)passphrase,
			    .size = (unsigned int)strlen(passphrase)};
	gnutls_datum_t s = {.data = (unsigned char *)salt, .size = 16};

	return gnutls_pbkdf2(GNUTLS_MAC_SHA256, &k, &s, iterations, key, 32) == 0 ? 0 : -EIO;
}

static bool
safe_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static json_t *
column_value(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		return json_stringn((const char *)sqlite3_column_text(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
	case SQLITE_BLOB: {
		const unsigned char *b = sqlite3_column_blob(st, i);
		int n = sqlite3_column_bytes(st, i);
		char *hex = malloc((size_t)n * 2 + 1);
		json_t *o;

		if (hex == NULL)
			return NULL;
		for (int k = 0; k < n; k++)
			sprintf(hex + 2 * k, "%02x", b[k]);
		hex[2 * n] = '\0';
		o = json_pack("{s:s}", "hex", hex);
		free(hex);
		return o;
	}
	default:
		return json_null();
	}
}

static int
dump_table(sqlite3 *h, const char *name, json_t *tables, size_t *rows)
{
	char sql[128];
	sqlite3_stmt *st;
	json_t *cols = json_array(), *list = json_array();
	int rc, n;

	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY rowid", name);
	if (cols == NULL || list == NULL || sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		json_decref(cols);
		json_decref(list);
		return -EIO;
	}
	n = sqlite3_column_count(st);
	for (int i = 0; i < n; i++)
		json_array_append_new(cols, json_string(sqlite3_column_name(st, i)));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_array();

		for (int i = 0; row != NULL && i < n; i++)
			json_array_append_new(row, column_value(st, i));
		if (row == NULL || json_array_append_new(list, row) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		(*rows)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(cols);
		json_decref(list);
		return rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
	}
	return json_object_set_new(tables, name,
				   json_pack("{s:o,s:o}", "columns", cols, "rows", list)) == 0
		       ? 0
		       : -ENOMEM;
}

static json_t *
dump(sqlite3 *h, struct mgmt_backup_info *info)
{
	json_t *doc, *tables = json_object();
	char host[256] = "";
	sqlite3_stmt *st;
	int rc = 0;

	if (tables == NULL || sqlite3_prepare_v2(h, TABLES_SQL, -1, &st, NULL) != SQLITE_OK) {
		json_decref(tables);
		return NULL;
	}
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		rc = safe_name(name) ? dump_table(h, name, tables, &info->rows) : -EIO;
		info->tables++;
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(tables);
		return NULL;
	}
	gethostname(host, sizeof(host) - 1);
	doc = json_pack("{s:s,s:i,s:i,s:s,s:s,s:I,s:o}", "format", "tessera-configuration-backup",
			"format_version", FORMAT_VERSION, "schema_version", info->schema_version,
			"software_version", TSR_VERSION, "hostname", host, "created",
			(json_int_t)info->created, "tables", tables);
	return doc;
}

int
mgmt_backup_create(sqlite3 *h, const char *passphrase, unsigned int iterations,
		   unsigned char **out, size_t *len, struct mgmt_backup_info *info)
{
	unsigned char key[32], *file = NULL;
	gnutls_datum_t kd = {.data = key, .size = sizeof(key)};
	gnutls_aead_cipher_hd_t hd = NULL;
	char *text = NULL;
	json_t *doc;
	size_t tlen, clen;
	int rc = -EIO;

	memset(info, 0, sizeof(*info));
	if (strlen(passphrase) < MGMT_BACKUP_MIN_PASSPHRASE || iterations < 1000)
		return -EINVAL;
	info->schema_version = mgmt_db_version(h);
	info->created = (int64_t)time(NULL);
	if (info->schema_version < 0)
		return -EIO;
	doc = dump(h, info);
	if (doc != NULL)
		text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text == NULL)
		return -ENOMEM;
	tlen = strlen(text);
	file = malloc(MGMT_BACKUP_HEADER_LEN + tlen + TAG_LEN);
	if (file == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memset(file, 0, MGMT_BACKUP_HEADER_LEN);
	memcpy(file, MAGIC, 8);
	put_u16(file + 8, FORMAT_VERSION);
	file[10] = KDF_PBKDF2_SHA256;
	file[11] = CIPHER_AES256_GCM;
	put_u32(file + 12, iterations);
	put_u32(file + 44, (uint32_t)info->schema_version);
	put_u64(file + 48, (uint64_t)info->created);
	put_u64(file + 56, tlen);
	if (gnutls_rnd(GNUTLS_RND_RANDOM, file + 16, 16) != 0 ||
	    gnutls_rnd(GNUTLS_RND_NONCE, file + 32, 12) != 0 ||
	    derive(passphrase, file + 16, iterations, key) < 0 ||
	    gnutls_aead_cipher_init(&hd, GNUTLS_CIPHER_AES_256_GCM, &kd) != 0)
		goto out;
	clen = tlen + TAG_LEN;
	if (gnutls_aead_cipher_encrypt(hd, file + 32, 12, file, MGMT_BACKUP_HEADER_LEN, TAG_LEN,
				       text, tlen, file + MGMT_BACKUP_HEADER_LEN, &clen) != 0 ||
	    clen != tlen + TAG_LEN)
		goto out;
	*out = file;
	*len = MGMT_BACKUP_HEADER_LEN + clen;
	file = NULL;
	rc = 0;
out:
	if (hd != NULL)
		gnutls_aead_cipher_deinit(hd);
	gnutls_memset(key, 0, sizeof(key));
	gnutls_memset(text, 0, tlen);
	free(text);
	free(file);
	return rc;
}

/* ---- restore --------------------------------------------------------------------------- */

static int
fail(char *msg, size_t cap, int rc, const char *fmt, const char *arg)
{
	snprintf(msg, cap, fmt, arg);
	return rc;
}

/* Decrypt into a new NUL-terminated buffer. */
static int
open_file(const unsigned char *buf, size_t len, const char *passphrase, char **plain,
	  struct mgmt_backup_info *info, char *msg, size_t cap)
{
	unsigned char key[32];
	gnutls_datum_t kd = {.data = key, .size = sizeof(key)};
	gnutls_aead_cipher_hd_t hd;
	uint32_t iterations;
	uint64_t plen;
	size_t out_len;
	char *p;
	int rc;

	if (len < MGMT_BACKUP_HEADER_LEN + TAG_LEN || memcmp(buf, MAGIC, 8) != 0)
		return fail(msg, cap, -EINVAL, "%s", "not a Tessera backup file");
	if (buf[8] != 0 || buf[9] != FORMAT_VERSION || buf[10] != KDF_PBKDF2_SHA256 ||
	    buf[11] != CIPHER_AES256_GCM)
		return fail(msg, cap, -EINVAL, "%s", "unsupported backup file format");
	iterations = get_u32(buf + 12);
	plen = get_u64(buf + 56);
	if (iterations < 1000 || iterations > MAX_ITERATIONS ||
	    plen != len - MGMT_BACKUP_HEADER_LEN - TAG_LEN)
		return fail(msg, cap, -EACCES, "%s",
			    "the file is damaged or was modified (header does not match)");
	info->schema_version = (int)get_u32(buf + 44);
	info->created = (int64_t)get_u64(buf + 48);
	p = malloc(plen + 1);
	if (p == NULL)
		return -ENOMEM;
	rc = derive(passphrase, buf + 16, iterations, key);
	if (rc == 0 && gnutls_aead_cipher_init(&hd, GNUTLS_CIPHER_AES_256_GCM, &kd) != 0)
		rc = -EIO;
	gnutls_memset(key, 0, sizeof(key));
	if (rc < 0) {
		free(p);
		return rc;
	}
	out_len = plen + 1;
	if (gnutls_aead_cipher_decrypt(hd, buf + 32, 12, buf, MGMT_BACKUP_HEADER_LEN, TAG_LEN,
				       buf + MGMT_BACKUP_HEADER_LEN, plen + TAG_LEN, p,
				       &out_len) != 0 ||
	    out_len != plen)
		rc = fail(msg, cap, -EACCES, "%s",
			  "Decryption Error: decryption failed (wrong passphrase, or the file "
			  "was modified)");
	gnutls_aead_cipher_deinit(hd);
	if (rc < 0) {
		free(p);
		return rc;
	}
	p[plen] = '\0';
	*plain = p;
	return 0;
}

static int
bind_value(sqlite3_stmt *st, int idx, const json_t *v)
{
	const char *hex;

	switch (json_typeof(v)) {
	case JSON_NULL:
		return sqlite3_bind_null(st, idx);
	case JSON_INTEGER:
		return sqlite3_bind_int64(st, idx, json_integer_value(v));
	case JSON_REAL:
		return sqlite3_bind_double(st, idx, json_real_value(v));
	case JSON_STRING:
		return sqlite3_bind_text(st, idx, json_string_value(v), (int)json_string_length(v),
					 SQLITE_TRANSIENT);
	case JSON_OBJECT:
		hex = json_string_value(json_object_get(v, "hex"));
		if (hex != NULL && strlen(hex) % 2 == 0 && strlen(hex) < (1u << 24)) {
			size_t n = strlen(hex) / 2;
			unsigned char *b = malloc(n + 1);
			unsigned int x;

			for (size_t i = 0; b != NULL && i < n; i++) {
				if (sscanf(hex + 2 * i, "%2x", &x) != 1) {
					free(b);
					return SQLITE_MISMATCH;
				}
				b[i] = (unsigned char)x;
			}
			return b == NULL ? SQLITE_NOMEM
					 : sqlite3_bind_blob(st, idx, b, (int)n, free);
		}
		return SQLITE_MISMATCH;
	default:
		return SQLITE_MISMATCH;
	}
}

/* Whether every column of the document's table exists (once) in the database table. */
static bool
columns_ok(sqlite3 *h, const char *table, const json_t *cols)
{
	char sql[128];
	sqlite3_stmt *st;
	size_t i, j, known = 0;
	json_t *c, *d;

	if (!json_is_array(cols) || json_array_size(cols) == 0 || json_array_size(cols) > 200)
		return false;
	json_array_foreach(cols, i, c)
	{
		if (!safe_name(json_string_value(c)))
			return false;
		json_array_foreach(cols, j, d) if (j < i && json_equal(c, d)) return false;
	}
	snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", table);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_foreach(cols, i, c) if (strcmp(json_string_value(c),
							  (const char *)sqlite3_column_text(st, 1)) ==
						   0) known++;
	sqlite3_finalize(st);
	return known == json_array_size(cols);
}

/* Empty every table; RESTRICT references make the order matter: retry until none is left. */
static int
empty_tables(sqlite3 *h, const json_t *names)
{
	size_t n = json_array_size(names), left = n, i;
	bool *done = calloc(n + 1, sizeof(bool));
	char sql[128];
	json_t *name;

	if (done == NULL)
		return -ENOMEM;
	for (size_t pass = 0; left > 0 && pass <= n; pass++) {
		json_array_foreach(names, i, name)
		{
			if (done[i])
				continue;
			snprintf(sql, sizeof(sql), "DELETE FROM \"%s\"", json_string_value(name));
			if (sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK) {
				done[i] = true;
				left--;
			}
		}
	}
	free(done);
	return left == 0 ? 0 : -EIO;
}

static int
load_table(sqlite3 *h, const char *name, const json_t *t, size_t *rows, char *msg, size_t cap)
{
	const json_t *cols = json_object_get(t, "columns"), *list = json_object_get(t, "rows");
	char sql[4096];
	size_t n = 0, i, k;
	sqlite3_stmt *st;
	json_t *row, *c;
	int rc = 0;

	if (!columns_ok(h, name, cols) || !json_is_array(list))
		return fail(msg, cap, -EPROTO, "table %s does not match this version", name);
	n = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" (", name);
	json_array_foreach(cols, k, c) n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s\"%s\"",
							     k ? ", " : "", json_string_value(c));
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, ") VALUES (");
	json_array_foreach(cols, k, c) n +=
		(size_t)snprintf(sql + n, sizeof(sql) - n, "%s", k ? ", ?" : "?");
	if (n + 2 >= sizeof(sql))
		return -ENOSPC;
	strcat(sql, ")");
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(msg, cap, -EIO, "cannot write table %s", name);
	json_array_foreach(list, i, row)
	{
		if (!json_is_array(row) || json_array_size(row) != json_array_size(cols)) {
			rc = fail(msg, cap, -EINVAL, "table %s: malformed row", name);
			break;
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		json_array_foreach(row, k, c) if (bind_value(st, (int)k + 1, c) != SQLITE_OK) rc =
			-EINVAL;
		if (rc == 0 && sqlite3_step(st) != SQLITE_DONE)
			rc = -EIO;
		if (rc < 0) {
			snprintf(msg, cap, "table %s row %zu: %s", name, i + 1,
				 rc == -EINVAL ? "bad value" : sqlite3_errmsg(h));
			rc = -EINVAL;
			break;
		}
		(*rows)++;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The document's tables are exactly this database's configuration tables. */
static int
check_tables(sqlite3 *h, const json_t *tables, json_t *names, char *msg, size_t cap)
{
	sqlite3_stmt *st;

	if (!json_is_object(tables))
		return fail(msg, cap, -EINVAL, "%s", "the backup holds no tables");
	if (sqlite3_prepare_v2(h, TABLES_SQL, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(names, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	if (json_array_size(names) != json_object_size(tables))
		return fail(msg, cap, -EPROTO, "%s", "the backup's tables do not match this version");
	for (size_t i = 0; i < json_array_size(names); i++)
		if (json_object_get(tables, json_string_value(json_array_get(names, i))) == NULL)
			return fail(msg, cap, -EPROTO, "the backup has no table %s",
				    json_string_value(json_array_get(names, i)));
	return 0;
}

int
mgmt_backup_restore(sqlite3 *h, const unsigned char *buf, size_t len, const char *passphrase,
		    struct mgmt_backup_info *info, char *msg, size_t cap)
{
	char *plain = NULL;
	json_t *doc = NULL, *tables, *names = json_array();
	int rc, current;
	sqlite3_stmt *st;
	size_t i;
	json_t *name;

	memset(info, 0, sizeof(*info));
	msg[0] = '\0';
	if (names == NULL)
		return -ENOMEM;
	rc = open_file(buf, len, passphrase, &plain, info, msg, cap);
	if (rc < 0)
		goto out;
	if (mgmt_json_depth(plain, strlen(plain)) > 6 ||
	    (doc = json_loads(plain, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    json_integer_value(json_object_get(doc, "schema_version")) != info->schema_version) {
		rc = fail(msg, cap, -EINVAL, "%s", "the backup's content is malformed");
		goto out;
	}
	current = mgmt_db_version(h);
	if (info->schema_version != current) {
		snprintf(msg, cap,
			 "the backup is of schema version %d (software %s); this system is at %d",
			 info->schema_version,
			 json_string_value(json_object_get(doc, "software_version")) ?: "?",
			 current);
		rc = -EPROTO;
		goto out;
	}
	tables = json_object_get(doc, "tables");
	rc = check_tables(h, tables, names, msg, cap);
	if (rc < 0)
		goto out;
	info->tables = json_array_size(names);
	/* References are checked at the end, all at once (undone with the transaction). */
	if (mgmt_db_exec(h, "PRAGMA defer_foreign_keys = ON") < 0 || empty_tables(h, names) < 0) {
		rc = fail(msg, cap, -EIO, "%s", "cannot empty the configuration");
		goto out;
	}
	json_array_foreach(names, i, name)
	{
		rc = load_table(h, json_string_value(name),
				json_object_get(tables, json_string_value(name)), &info->rows, msg,
				cap);
		if (rc < 0)
			goto out;
	}
	if (sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK) {
		rc = -EIO;
		goto out;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(msg, cap, "the backup's table %s refers to a missing object",
			 (const char *)sqlite3_column_text(st, 0));
		rc = -EINVAL;
	}
	sqlite3_finalize(st);
out:
	if (plain != NULL) {
		gnutls_memset(plain, 0, strlen(plain));
		free(plain);
	}
	json_decref(doc);
	json_decref(names);
	return rc;
}
