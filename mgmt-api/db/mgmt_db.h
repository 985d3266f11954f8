/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_db.h - the configuration store: sqlite in WAL mode, one writer.
 *
 * One write connection, guarded by a mutex, is the only writer: every
 * change runs between mgmt_db_write_begin() (BEGIN IMMEDIATE) and
 * mgmt_db_write_end() (COMMIT or ROLLBACK). Readers take a connection from
 * a small pool and see a consistent snapshot inside a read transaction;
 * in WAL mode they never block the writer nor wait for it. An in-memory
 * database (":memory:", used by the unit tests) has no separate readers:
 * reads then share the write connection and its mutex.
 *
 * Schema changes are numbered migrations (mgmt_schema.c) recorded in the
 * schema_version table and applied in order, each in its own transaction.
 *
 * Context: any thread, thread-safe unless stated.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

struct mgmt_db;

/**
 * Called after a write transaction that bumped the configuration version
 * has committed.
 * @param arg      the pointer given to mgmt_db_set_notify()
 * @param version  the committed configuration version
 * Context: the committing thread, after the writer is released; must not block.
 */
typedef void (*mgmt_db_notify_cb)(void *arg, int64_t version);

/** One migration: its number and SQL (several statements). */
struct mgmt_db_migration {
	int version;
	const char *sql;
};

/** The migrations, in order; the last entry has version 0. */
extern const struct mgmt_db_migration mgmt_db_migrations[];

/**
 * Open (creating) the database, switch to WAL, enable foreign keys, apply
 * pending migrations and open @p n_readers reader connections.
 * @param path       file name, or ":memory:"
 * @param n_readers  reader pool size (1..64; ignored for ":memory:")
 * @param out        the store (returns owned: mgmt_db_destroy())
 * @return 0, -ENOMEM, -EIO (cannot open), -EPROTO (migration failed or the
 *         file has a newer schema than this binary knows).
 * Context: startup.
 */
int mgmt_db_create(const char *path, unsigned int n_readers, struct mgmt_db **out);

/**
 * Close every connection and free @p db. NULL is accepted.
 * Context: shutdown, after every user of @p db is gone.
 */
void mgmt_db_destroy(struct mgmt_db *db);

/**
 * Apply the pending migrations of @p list to @p h, each in a transaction.
 * @return the schema version reached, or -EPROTO (a migration failed; the
 *         database stays at the previous version) or -EPROTO when the
 *         database is newer than @p list.
 * Context: startup or tests; @p h not shared meanwhile.
 */
int mgmt_db_migrate(sqlite3 *h, const struct mgmt_db_migration *list);

/**
 * Current schema version of @p h (0 = empty database).
 * @return the version, or -EIO.
 */
int mgmt_db_version(sqlite3 *h);

/**
 * Take the writer and start a write transaction (BEGIN IMMEDIATE).
 * @return the write connection, borrowed until mgmt_db_write_end(); NULL on
 *         error (the writer is then released).
 * Context: any thread; blocks while another thread writes.
 */
sqlite3 *mgmt_db_write_begin(struct mgmt_db *db);

/**
 * Commit (or roll back) and release the writer.
 * @return 0, or -EIO when COMMIT failed (the transaction is rolled back).
 */
int mgmt_db_write_end(struct mgmt_db *db, bool commit);

/**
 * Take a reader connection and start a read transaction.
 * @return the connection, borrowed until mgmt_db_read_end(); NULL on error.
 * Context: any thread; blocks only while every reader is in use.
 */
sqlite3 *mgmt_db_read_begin(struct mgmt_db *db);

/** End the read transaction and return @p h to the pool. */
void mgmt_db_read_end(struct mgmt_db *db, sqlite3 *h);

/**
 * Prepare @p sql on @p h, reusing the statement prepared for the same text
 * earlier on this connection when the calling thread holds @p h inside
 * mgmt_db_read_begin/end or mgmt_db_write_begin/end (per-connection cache,
 * SQLITE_PREPARE_PERSISTENT); otherwise (or when that statement is in use
 * further up the stack) a private one.
 * @param out  the statement, borrowed until mgmt_db_release()
 * @return an sqlite result code (SQLITE_OK on success).
 * Context: the thread holding @p h.
 */
int mgmt_db_prepare(sqlite3 *h, const char *sql, sqlite3_stmt **out);

/**
 * Give back a statement from mgmt_db_prepare(): a cached one is reset and its
 * bindings cleared, a private one finalized. NULL accepted.
 * Context: the thread holding its connection.
 */
void mgmt_db_release(sqlite3_stmt *st);

/**
 * Run SQL without results.
 * @return 0 or a negative errno from mgmt_db_errno().
 */
int mgmt_db_exec(sqlite3 *h, const char *sql);

/**
 * Convert an sqlite result code to -errno: CONSTRAINT -> -EEXIST (unique) or
 * -EINVAL (check, not null, foreign key), BUSY/LOCKED -> -EBUSY, NOMEM ->
 * -ENOMEM, FULL -> -ENOSPC, anything else -> -EIO. SQLITE_OK/ROW/DONE -> 0.
 */
int mgmt_db_errno(int rc);

/**
 * The current time as "YYYY-MM-DDTHH:MM:SS.ffffff" (UTC, no zone suffix,
 * the reference API's format).
 * @param buf  at least 27 bytes
 */
void mgmt_db_now(char *buf, size_t cap);

/**
 * Bump the configuration version inside the current write transaction: the
 * new value becomes visible (mgmt_db_config_version(), the notify callback)
 * only when the transaction commits. Several bumps in one transaction give
 * one new version.
 * @return the new version, or -EIO.
 * Context: the thread holding the writer (between mgmt_db_write_begin/end).
 */
int64_t mgmt_db_config_bump(struct mgmt_db *db);

/**
 * The last committed configuration version (starts at 1 on a new database).
 * Context: any thread; lock-free.
 */
int64_t mgmt_db_config_version(struct mgmt_db *db);

/**
 * The configuration version as seen by the transaction open on @p h.
 * @return the version, or -EIO.
 * Context: the thread holding @p h inside a read or write transaction.
 */
int64_t mgmt_db_config_version_read(sqlite3 *h);

/**
 * Install the callback run after every commit that bumped the version
 * (NULL to remove it). Set it before any thread writes.
 * Context: startup.
 */
void mgmt_db_set_notify(struct mgmt_db *db, mgmt_db_notify_cb cb, void *arg);
