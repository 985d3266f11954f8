/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_backup.h - backup and restore of the whole configuration in one
 * passphrase-encrypted file (guide part 4 §2.14 FR-BK-2, FR-BK-6).
 *
 * File: a 64-byte header, then the AES-256-GCM ciphertext of a JSON
 * document and its 16-byte tag. The key is PBKDF2-HMAC-SHA-256 of the
 * passphrase with the header's salt and iteration count; the whole header
 * is the AEAD's associated data, so changing any byte of the file (header
 * included) makes decryption fail.
 *
 *   0  magic "TSRBKUP\0"        8   format version (u16, 1)
 *   10 kdf (u8, 1 = PBKDF2-HMAC-SHA-256)   11 cipher (u8, 1 = AES-256-GCM)
 *   12 iterations (u32)         16  salt (16)        32 nonce (12)
 *   44 schema version (u32)     48  created, seconds since the epoch (u64)
 *   56 plaintext length (u64)   (integers big-endian)
 *
 * The document holds every configuration table (accounts, node
 * enrolments and the call history included; live status, alarms and the
 * configuration version not) as {"tables": {"<name>": {"columns": [...],
 * "rows": [[...]]}}} plus the schema and software versions. Restore
 * refuses a file of another schema version, then replaces every table in
 * one write transaction and bumps the configuration version so the nodes
 * take a fresh snapshot.
 *
 * Context: any thread; create runs on a reader, restore on the writer.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define MGMT_BACKUP_HEADER_LEN 64
#define MGMT_BACKUP_ITERATIONS 600000 /* PBKDF2 rounds for new files */
#define MGMT_BACKUP_MIN_PASSPHRASE 8

/** Facts about a file, from its header and document. */
struct mgmt_backup_info {
	int schema_version;
	int64_t created; /* seconds since the epoch */
	size_t tables, rows;
};

/**
 * Write the configuration read through @p h into a new backup file.
 * @param h           a connection inside a read transaction
 * @param iterations  PBKDF2 rounds (at least 1000)
 * @param out         the file (returns owned, free())
 * @return 0, -EINVAL (passphrase shorter than 8), -ENOMEM, -EIO.
 */
int mgmt_backup_create(sqlite3 *h, const char *passphrase, unsigned int iterations,
		       unsigned char **out, size_t *len, struct mgmt_backup_info *info);

/**
 * Check and decrypt @p buf, then replace every configuration table of @p h
 * with its content. Nothing is written unless everything succeeds; the
 * caller commits (and bumps the configuration version) only on 0.
 * @param h    the writer, inside a write transaction
 * @param msg  the reason on failure (for the operator)
 * @return 0, -EINVAL (not a backup file, unsupported format), -EACCES
 *         (wrong passphrase or modified file), -EPROTO (another schema
 *         version), -ENOMEM, -EIO.
 */
int mgmt_backup_restore(sqlite3 *h, const unsigned char *buf, size_t len, const char *passphrase,
			struct mgmt_backup_info *info, char *msg, size_t cap);
