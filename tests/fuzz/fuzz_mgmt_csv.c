/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * fuzz_mgmt_csv.c - libFuzzer target for the management node's CSV import:
 * RFC 4180 parsing, header detection, per-row validation and the upserts
 * through the real store, on an in-memory database with a location, a
 * theme, a service and a device already there. Every import runs in a
 * write transaction that is rolled back, so inputs stay independent; an
 * import without errors is also exported and re-imported, which must
 * succeed (the export is what the import reads).
 *
 * Input: first byte selects the kind (VMR, Virtual Auditorium, Virtual
 * Reception, ADP, device alias); the rest is the CSV file.
 * Context: fuzzer process, single thread.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mgmt_csv.h"
#include "mgmt_db.h"
#include "tsr_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mgmt_db *db;
static const unsigned char secret[MGMT_CSV_SECRET_LEN] = {1, 2, 3};

static void
init_once(void)
{
	sqlite3 *h;

	if (db != NULL)
		return;
	tsr_log_init(TSR_LOG_ERR, 2);
	if (mgmt_db_create(":memory:", 1, &db) < 0)
		abort();
	h = mgmt_db_write_begin(db);
	if (h == NULL ||
	    mgmt_db_exec(h, "INSERT INTO system_location (id, name) VALUES (1, 'Oslo');"
			    "INSERT INTO ivr_theme (id, name, creation_time) VALUES (1, 'Dark', '');"
			    "INSERT INTO conference (id, name, creation_time) VALUES (1, 'Fixture', '');"
			    "INSERT INTO conference_alias (alias, conference_id, creation_time)"
			    " VALUES ('fixture', 1, '');"
			    "INSERT INTO device (alias, creation_time) VALUES ('sip:dev@example.com', '')") <
		    0 ||
	    mgmt_db_write_end(db, true) < 0)
		abort();
}

static const struct mgmt_csv_format *
format_of(uint8_t b)
{
	switch (b % 5) {
	case 0:
		return mgmt_csv_format_lookup("conference", "conference");
	case 1:
		return mgmt_csv_format_lookup("conference", "lecture");
	case 2:
		return mgmt_csv_format_lookup("conference", "two_stage_dialing");
	case 3:
		return mgmt_csv_format_lookup("automatic_participant", NULL);
	default:
		return mgmt_csv_format_lookup("device", NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mgmt_csv_ctx ctx = {.pbkdf2_iterations = 1000, .secret = secret};
	const struct mgmt_csv_format *fmt;
	size_t created, updated, rows, len;
	json_t *errors;
	char *out = NULL;
	sqlite3 *h;

	if (size < 1 || size > 65536)
		return 0;
	init_once();
	fmt = format_of(data[0]);
	errors = json_object();
	h = mgmt_db_write_begin(db);
	if (h == NULL || errors == NULL)
		abort();
	if (mgmt_csv_import(fmt, h, (const char *)data + 1, size - 1, &ctx, errors, &created,
			    &updated, &rows) == 0 &&
	    json_object_size(errors) == 0 && mgmt_csv_export(fmt, h, &ctx, &out, &len) == 0) {
		/* What we export, we must be able to import again. */
		json_t *again = json_object();

		if (mgmt_csv_import(fmt, h, out, len, &ctx, again, &created, &updated, &rows) != 0 ||
		    json_object_size(again) != 0) {
			char *e = json_dumps(again, 0);

			fprintf(stderr, "re-import of the export failed: %s\n%s\n", e ? e : "", out);
			abort();
		}
		json_decref(again);
		free(out);
	}
	/* Errors must serialise as JSON (they are the 400 body). */
	free(json_dumps(errors, JSON_COMPACT));
	json_decref(errors);
	mgmt_db_write_end(db, false);
	return 0;
}
