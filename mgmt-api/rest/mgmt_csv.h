/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_csv.h - bulk CSV import and export (guide part 4 §2.15-2.16, part 5
 * §2.1): services (VMR, Virtual Auditorium, Virtual Reception), automatically
 * dialled participants and device aliases, in the guide's column order.
 *
 * Import: RFC 4180 CSV in UTF-8 (a BOM is skipped), an optional header row
 * of the exact column names (columns in any order then), short rows (missing
 * trailing columns are blank), blank cells take the field's default.
 * Services are upserted by name (one row per alias, the last row's other
 * fields win), ADPs by (alias, conference_name), devices by alias. Every
 * row goes through the same validation as the REST API, inside the
 * caller's write transaction; errors are collected for every row as
 * {"row N": {"<column>": ["<message>"]}} (N counts the file's records from
 * 1, header included) and the caller rolls back when there is any.
 *
 * Export: a header row and one row per alias (services), per conference
 * link (ADPs) or per device; CRLF line ends, fields quoted when needed.
 * Device passwords are exported encrypted ("$enc1$" + base64 of an
 * AES-256-GCM nonce, ciphertext and tag under the platform secret) and such
 * values are decrypted again on import.
 *
 * Context: any thread holding the connection passed in.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#define MGMT_CSV_MAX_ROWS 100000
#define MGMT_CSV_MAX_COLS 64
#define MGMT_CSV_MAX_CELL 4096
#define MGMT_CSV_MAX_ERROR_ROWS 1000
#define MGMT_CSV_SECRET_LEN 32

struct mgmt_csv_ctx {
	unsigned int pbkdf2_iterations; /* for password fields (none in the CSV kinds today) */
	const unsigned char *secret;    /* MGMT_CSV_SECRET_LEN bytes, NULL = none (borrowed) */
};

/** The format of a kind: "conference" (with a service type), "automatic_participant", "device". */
struct mgmt_csv_format;

/**
 * Find the format for a command group and service type.
 * @param group         "conference", "automatic_participant" or "device"
 * @param service_type  for "conference": "conference", "lecture" or
 *                      "two_stage_dialing"; ignored otherwise
 * @return the format (static), or NULL.
 */
const struct mgmt_csv_format *mgmt_csv_format_lookup(const char *group, const char *service_type);

/** One parsed file: records of cells. */
struct mgmt_csv_rows {
	size_t n_rows;
	size_t *n_cells; /* per row */
	char ***cells;   /* owned, NUL-terminated UTF-8 */
};

/**
 * Parse CSV text.
 * @param errors  gets {"__all__": [...]} or {"row N": {"__all__": [...]}} (borrowed)
 * @param out     the rows (returns owned: mgmt_csv_rows_free())
 * @return 0, -EINVAL (errors added), -ENOMEM.
 * Context: any thread; pure.
 */
int mgmt_csv_parse(const char *buf, size_t len, json_t *errors, struct mgmt_csv_rows *out);

/** Free parsed rows (the struct itself is the caller's). */
void mgmt_csv_rows_free(struct mgmt_csv_rows *rows);

/**
 * Import @p buf into the database.
 * @param h        the writer, inside a write transaction
 * @param errors   per-row errors are added (borrowed)
 * @param created  objects created
 * @param updated  objects overwritten
 * @param rows     data rows read
 * @return 0 (check @p errors: any entry means the caller must roll back),
 *         -ENOMEM, -EIO.
 */
int mgmt_csv_import(const struct mgmt_csv_format *fmt, sqlite3 *h, const char *buf, size_t len,
		    const struct mgmt_csv_ctx *ctx, json_t *errors, size_t *created,
		    size_t *updated, size_t *rows);

/**
 * Export every object of the format.
 * @param h    a reader inside a read transaction (or the writer)
 * @param out  the CSV text (returns owned, NUL-terminated)
 * @return 0, -ENOMEM, -EIO.
 */
int mgmt_csv_export(const struct mgmt_csv_format *fmt, sqlite3 *h, const struct mgmt_csv_ctx *ctx,
		    char **out, size_t *len);
