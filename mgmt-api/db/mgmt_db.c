/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_db.c - sqlite connections, migrations and transactions.
 *
 * Context: mgmt threads (HTTP workers and the main thread); the writer
 * mutex serialises writes, the reader pool hands one connection to one
 * thread at a time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "mgmt_db.h"
#include "tsr_log.h"

#define MAX_READERS 64
#define BUSY_TIMEOUT_MS 5000
#define CACHE_SLOTS 96

/*
 * Prepared statements kept for one connection (sqlite3_prepare_v3 with
 * SQLITE_PREPARE_PERSISTENT), found again by their SQL text. A statement is
 * handed out to one user at a time (out); mgmt_db_release() resets it.
 */
struct stmt_cache {
	sqlite3 *h; /* the connection, borrowed */
	unsigned int n;
	struct {
		uint64_t hash;
		char *sql;        /* owned */
		sqlite3_stmt *st; /* owned */
		bool out;
	} e[CACHE_SLOTS];
	sqlite3_stmt *begin, *commit; /* owned; BEGIN and COMMIT of read transactions */
};

/*
 * The caches of the connections this thread holds right now (the writer
 * between mgmt_db_write_begin/end, a reader between mgmt_db_read_begin/end),
 * innermost last. Thread-local context, not shared state: only the holding
 * thread sees it. When more are held, the extra ones are simply not cached.
 */
#define MAX_HELD 4
static __thread struct stmt_cache *held[MAX_HELD];
static __thread unsigned int n_held;

static void
hold(struct stmt_cache *c, sqlite3 *h)
{
	c->h = h;
	if (n_held < MAX_HELD)
		held[n_held++] = c;
}

static void
unhold(struct stmt_cache *c)
{
	for (unsigned int i = n_held; i-- > 0;) {
		if (held[i] != c)
			continue;
		memmove(&held[i], &held[i + 1], (n_held - i - 1) * sizeof(held[0]));
		n_held--;
		return;
	}
}

/*
 * Invariants: writer is used only by the thread holding write_lock;
 * readers[i] is in use iff busy[i]; memory => n_readers == 0.
 */
struct mgmt_db {
	sqlite3 *writer; /* owned */
	pthread_mutex_t write_lock;
	sqlite3 *readers[MAX_READERS]; /* owned */
	struct stmt_cache reader_cache[MAX_READERS];
	struct stmt_cache writer_cache;
	bool busy[MAX_READERS];
	unsigned int n_readers;
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	bool memory;
	_Atomic int64_t config_version; /* last committed */
	int64_t pending_version;        /* bumped in the open write transaction, 0 = none */
	mgmt_db_notify_cb notify;
	void *notify_arg;
};

int
mgmt_db_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_CONSTRAINT:
		return (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			       ? -EEXIST
			       : -EINVAL;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

int
mgmt_db_exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		TSR_DEBUG("mgmt.db", "statement failed\terr=\"%s\"",
			  msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return mgmt_db_errno(sqlite3_extended_errcode(h));
	}
	return 0;
}

void
mgmt_db_now(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

int
mgmt_db_version(sqlite3 *h)
{
	sqlite3_stmt *st;
	int v = 0, rc;

	rc = sqlite3_prepare_v2(h,
				"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
				"name = 'schema_version'",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return -EIO;
	rc = sqlite3_step(st);
	v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (v <= 0)
		return v < 0 ? -EIO : 0;
	if (sqlite3_prepare_v2(h, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -EIO;
	sqlite3_finalize(st);
	return v;
}

static int
apply_one(sqlite3 *h, const struct mgmt_db_migration *m)
{
	char now[32], sql[128];
	char *msg = NULL;

	if (mgmt_db_exec(h, "BEGIN IMMEDIATE") < 0)
		return -EPROTO;
	if (sqlite3_exec(h, m->sql, NULL, NULL, &msg) != SQLITE_OK) {
		TSR_ERR("mgmt.db", "migration failed\tversion=%d err=\"%s\"", m->version,
			msg ? msg : "?");
		sqlite3_free(msg);
		mgmt_db_exec(h, "ROLLBACK");
		return -EPROTO;
	}
	mgmt_db_now(now, sizeof(now));
	snprintf(sql, sizeof(sql),
		 "INSERT INTO schema_version (version, applied_at) VALUES (%d, '%s')", m->version,
		 now);
	if (mgmt_db_exec(h, sql) < 0 || mgmt_db_exec(h, "COMMIT") < 0) {
		mgmt_db_exec(h, "ROLLBACK");
		return -EPROTO;
	}
	TSR_INFO("mgmt.db", "schema migrated\tversion=%d", m->version);
	return 0;
}

int
mgmt_db_migrate(sqlite3 *h, const struct mgmt_db_migration *list)
{
	int cur = mgmt_db_version(h), last = 0;

	if (cur < 0)
		return -EPROTO;
	for (const struct mgmt_db_migration *m = list; m->version != 0; m++) {
		last = m->version;
		if (m->version <= cur)
			continue;
		if (apply_one(h, m) < 0)
			return -EPROTO;
		cur = m->version;
	}
	if (cur > last) {
		TSR_ERR("mgmt.db", "database schema is newer than this binary\tversion=%d known=%d",
			cur, last);
		return -EPROTO;
	}
	return cur;
}

static int
open_conn(const char *path, bool writer, sqlite3 **out)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	sqlite3 *h = NULL;

	if (writer)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &h, flags, NULL) != SQLITE_OK) {
		TSR_ERR("mgmt.db", "cannot open database\tpath=%s err=\"%s\"", path,
			h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return -EIO;
	}
	sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(h, 1);
	if (mgmt_db_exec(h, "PRAGMA foreign_keys = ON") < 0 ||
	    (writer && strcmp(path, ":memory:") != 0 &&
	     (mgmt_db_exec(h, "PRAGMA journal_mode = WAL") < 0 ||
	      mgmt_db_exec(h, "PRAGMA synchronous = NORMAL") < 0))) {
		sqlite3_close(h);
		return -EIO;
	}
	*out = h;
	return 0;
}

int
mgmt_db_create(const char *path, unsigned int n_readers, struct mgmt_db **out)
{
	struct mgmt_db *db = calloc(1, sizeof(*db));
	int64_t version;
	int rc;

	if (db == NULL)
		return -ENOMEM;
	pthread_mutex_init(&db->write_lock, NULL);
	pthread_mutex_init(&db->pool_lock, NULL);
	pthread_cond_init(&db->pool_cond, NULL);
	db->memory = strcmp(path, ":memory:") == 0;
	rc = open_conn(path, true, &db->writer);
	if (rc < 0)
		goto out_free;
	if (mgmt_db_migrate(db->writer, mgmt_db_migrations) < 0) {
		rc = -EPROTO;
		goto out_free;
	}
	version = mgmt_db_config_version_read(db->writer);
	if (version < 0) {
		rc = -EPROTO;
		goto out_free;
	}
	atomic_store(&db->config_version, version);
	if (!db->memory) {
		if (n_readers < 1)
			n_readers = 1;
		if (n_readers > MAX_READERS)
			n_readers = MAX_READERS;
		for (; db->n_readers < n_readers; db->n_readers++) {
			rc = open_conn(path, false, &db->readers[db->n_readers]);
			if (rc < 0)
				goto out_free;
		}
	}
	*out = db;
	return 0;
out_free:
	mgmt_db_destroy(db);
	return rc;
}

static void
cache_fini(struct stmt_cache *c)
{
	for (unsigned int i = 0; i < c->n; i++) {
		sqlite3_finalize(c->e[i].st);
		free(c->e[i].sql);
	}
	sqlite3_finalize(c->begin);
	sqlite3_finalize(c->commit);
	memset(c, 0, sizeof(*c));
}

/* Put back whatever a user forgot to release (a transaction ended). */
static void
cache_reset(struct stmt_cache *c)
{
	for (unsigned int i = 0; i < c->n; i++) {
		if (!c->e[i].out)
			continue;
		sqlite3_reset(c->e[i].st);
		sqlite3_clear_bindings(c->e[i].st);
		c->e[i].out = false;
	}
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct stmt_cache *
cache_of(sqlite3 *h)
{
	for (unsigned int i = n_held; i-- > 0;)
		if (held[i]->h == h)
			return held[i];
	return NULL;
}

int
mgmt_db_prepare(sqlite3 *h, const char *sql, sqlite3_stmt **out)
{
	struct stmt_cache *c = cache_of(h);
	uint64_t hash;
	unsigned int i;

	*out = NULL;
	if (c == NULL)
		return sqlite3_prepare_v2(h, sql, -1, out, NULL);
	hash = fnv1a(sql);
	for (i = 0; i < c->n; i++) {
		if (c->e[i].hash != hash || strcmp(c->e[i].sql, sql) != 0)
			continue;
		if (c->e[i].out) /* in use further up the stack: a private one */
			return sqlite3_prepare_v2(h, sql, -1, out, NULL);
		c->e[i].out = true;
		*out = c->e[i].st;
		return SQLITE_OK;
	}
	if (c->n == CACHE_SLOTS)
		return sqlite3_prepare_v2(h, sql, -1, out, NULL);
	i = c->n;
	c->e[i].sql = strdup(sql);
	if (c->e[i].sql == NULL)
		return SQLITE_NOMEM;
	if (sqlite3_prepare_v3(h, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->e[i].st, NULL) !=
	    SQLITE_OK) {
		free(c->e[i].sql);
		return sqlite3_extended_errcode(h);
	}
	c->e[i].hash = hash;
	c->e[i].out = true;
	c->n++;
	*out = c->e[i].st;
	return SQLITE_OK;
}

void
mgmt_db_release(sqlite3_stmt *st)
{
	struct stmt_cache *c;

	if (st == NULL)
		return;
	c = cache_of(sqlite3_db_handle(st));
	for (unsigned int i = 0; c != NULL && i < c->n; i++) {
		if (c->e[i].st != st)
			continue;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		c->e[i].out = false;
		return;
	}
	sqlite3_finalize(st);
}

/* A cached BEGIN/COMMIT (read transactions run them on every request). */
static int
run_cached(sqlite3 *h, sqlite3_stmt **slot, const char *sql)
{
	int rc;

	if (*slot == NULL &&
	    sqlite3_prepare_v3(h, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_step(*slot);
	sqlite3_reset(*slot);
	return rc == SQLITE_DONE ? 0 : mgmt_db_errno(rc);
}

void
mgmt_db_destroy(struct mgmt_db *db)
{
	if (db == NULL)
		return;
	for (unsigned int i = 0; i < db->n_readers; i++) {
		cache_fini(&db->reader_cache[i]);
		sqlite3_close(db->readers[i]);
	}
	cache_fini(&db->writer_cache);
	sqlite3_close(db->writer);
	pthread_mutex_destroy(&db->write_lock);
	pthread_mutex_destroy(&db->pool_lock);
	pthread_cond_destroy(&db->pool_cond);
	free(db);
}

sqlite3 *
mgmt_db_write_begin(struct mgmt_db *db)
{
	pthread_mutex_lock(&db->write_lock);
	if (mgmt_db_exec(db->writer, "BEGIN IMMEDIATE") < 0) {
		TSR_ERR("mgmt.db", "cannot begin a write transaction\terr=\"%s\"",
			sqlite3_errmsg(db->writer));
		pthread_mutex_unlock(&db->write_lock);
		return NULL;
	}
	hold(&db->writer_cache, db->writer);
	return db->writer;
}

int
mgmt_db_write_end(struct mgmt_db *db, bool commit)
{
	int64_t bumped = db->pending_version;
	int rc = 0;

	db->pending_version = 0;
	cache_reset(&db->writer_cache);
	unhold(&db->writer_cache);
	if (commit && mgmt_db_exec(db->writer, "COMMIT") < 0) {
		TSR_ERR("mgmt.db", "commit failed\terr=\"%s\"", sqlite3_errmsg(db->writer));
		rc = -EIO;
		commit = false;
	}
	if (!commit)
		mgmt_db_exec(db->writer, "ROLLBACK");
	else if (bumped > 0)
		atomic_store(&db->config_version, bumped);
	pthread_mutex_unlock(&db->write_lock);
	if (commit && bumped > 0 && db->notify != NULL)
		db->notify(db->notify_arg, bumped);
	return rc;
}

int64_t
mgmt_db_config_version_read(sqlite3 *h)
{
	sqlite3_stmt *st;
	int64_t v = -EIO;

	if (sqlite3_prepare_v2(h, "SELECT version FROM config_state WHERE id = 1", -1, &st, NULL) !=
	    SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int64_t
mgmt_db_config_bump(struct mgmt_db *db)
{
	if (db->pending_version > 0)
		return db->pending_version;
	if (mgmt_db_exec(db->writer, "UPDATE config_state SET version = version + 1,"
				     " changed_at = strftime('%Y-%m-%dT%H:%M:%f', 'now')") < 0)
		return -EIO;
	db->pending_version = mgmt_db_config_version_read(db->writer);
	if (db->pending_version < 0)
		db->pending_version = 0;
	return db->pending_version > 0 ? db->pending_version : -EIO;
}

int64_t
mgmt_db_config_version(struct mgmt_db *db)
{
	return atomic_load(&db->config_version);
}

void
mgmt_db_set_notify(struct mgmt_db *db, mgmt_db_notify_cb cb, void *arg)
{
	db->notify = cb;
	db->notify_arg = arg;
}

sqlite3 *
mgmt_db_read_begin(struct mgmt_db *db)
{
	sqlite3 *h = NULL;
	unsigned int i;

	if (db->memory) {
		pthread_mutex_lock(&db->write_lock);
		if (mgmt_db_exec(db->writer, "BEGIN") < 0) {
			pthread_mutex_unlock(&db->write_lock);
			return NULL;
		}
		hold(&db->writer_cache, db->writer);
		return db->writer;
	}
	pthread_mutex_lock(&db->pool_lock);
	for (;;) {
		for (i = 0; i < db->n_readers && db->busy[i]; i++)
			;
		if (i < db->n_readers)
			break;
		pthread_cond_wait(&db->pool_cond, &db->pool_lock);
	}
	db->busy[i] = true;
	h = db->readers[i];
	pthread_mutex_unlock(&db->pool_lock);
	hold(&db->reader_cache[i], h);
	if (run_cached(h, &db->reader_cache[i].begin, "BEGIN") < 0) {
		mgmt_db_read_end(db, h);
		return NULL;
	}
	return h;
}

void
mgmt_db_read_end(struct mgmt_db *db, sqlite3 *h)
{
	if (db->memory) {
		cache_reset(&db->writer_cache);
		unhold(&db->writer_cache);
		if (h != NULL)
			mgmt_db_exec(h, "COMMIT");
		pthread_mutex_unlock(&db->write_lock);
		return;
	}
	for (unsigned int i = 0; i < db->n_readers; i++) {
		if (db->readers[i] != h)
			continue;
		cache_reset(&db->reader_cache[i]);
		unhold(&db->reader_cache[i]);
		if (run_cached(h, &db->reader_cache[i].commit, "COMMIT") < 0)
			mgmt_db_exec(h, "ROLLBACK");
	}
	pthread_mutex_lock(&db->pool_lock);
	for (unsigned int i = 0; i < db->n_readers; i++)
		if (db->readers[i] == h)
			db->busy[i] = false;
	pthread_cond_signal(&db->pool_cond);
	pthread_mutex_unlock(&db->pool_lock);
}
