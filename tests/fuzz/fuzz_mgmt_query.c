/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * fuzz_mgmt_query.c - libFuzzer target for the REST input parsers of
 * tessera-mgmt: the list query string (filters, ordering, paging, SQL
 * built from it and run against an in-memory database) and JSON body
 * validation of every resource (parse, depth limit, unknown fields,
 * per-field and cross-field rules) through the real handler.
 *
 * Input: first byte selects the resource; then "<query string>\n<body>".
 * Context: fuzzer process, single thread.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mgmt_db.h"
#include "mgmt_query.h"
#include "mgmt_res.h"
#include "mgmt_rest.h"
#include "mgmt_store.h"
#include "mgmt_valid.h"
#include "tsr_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mgmt_db *db;
static struct mgmt_rest rest;

static void
init_once(void)
{
	if (db != NULL)
		return;
	tsr_log_init(TSR_LOG_ERR, 2);
	if (mgmt_db_create(":memory:", 1, &db) < 0)
		abort();
	rest.db = db;
	rest.cfg = (struct mgmt_rest_cfg){
		.default_limit = 20, .max_limit = 50, .max_depth = 8, .pbkdf2_iterations = 1000};
}

static void
run_query(const struct mgmt_resource *r, const char *qs)
{
	struct mgmt_query q;
	json_t *err = json_object(), *objs = NULL;
	int64_t total;
	sqlite3 *h;

	mgmt_query_init(&q, 20, 50);
	if (mgmt_query_parse(&q, r, qs, err) == 0) {
		h = mgmt_db_read_begin(db);
		if (h != NULL) {
			/* Any accepted query must be valid SQL. */
			if (mgmt_store_list(r, h, &q, &objs, &total) == -EIO)
				abort();
			mgmt_db_read_end(db, h);
		}
		json_decref(objs);
	} else if (json_object_size(err) == 0) {
		abort(); /* a refusal always names the parameter */
	}
	json_decref(err);
}

static void
run_body(const struct mgmt_resource *r, const char *body, size_t len, bool patch)
{
	char path[128];
	struct mgmt_rest_req req = {.method = patch ? "PATCH" : "POST",
				    .path = path,
				    .body = body,
				    .body_len = len,
				    .role = MGMT_ROLE_ADMIN};
	struct mgmt_rest_resp resp;

	if (r->singleton || patch)
		mgmt_res_uri(r, 1, path, sizeof(path));
	else
		snprintf(path, sizeof(path), MGMT_API_CONFIG_PREFIX "%s/", r->name);
	mgmt_rest_handle(&rest, &req, &resp);
	if (resp.status >= 500)
		abort();
	if (resp.status == 400 && json_object_size(resp.body) == 0)
		abort();
	mgmt_rest_resp_fini(&resp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n_res = 0, nl;
	const struct mgmt_resource *r;
	char *qs;

	init_once();
	if (size < 1)
		return 0;
	while (mgmt_resources[n_res] != NULL)
		n_res++;
	r = mgmt_resources[data[0] % n_res];
	data++;
	size--;
	for (nl = 0; nl < size && data[nl] != '\n'; nl++)
		;
	qs = malloc(nl + 1);
	if (qs == NULL)
		return 0;
	memcpy(qs, data, nl);
	qs[nl] = '\0';
	if (strlen(qs) == nl)
		run_query(r, qs);
	free(qs);
	if (nl < size) {
		const char *body = (const char *)data + nl + 1;
		size_t blen = size - nl - 1;

		run_body(r, body, blen, false);
		run_body(r, body, blen, true);
	}
	/* Keep the database small so runs stay fast. */
	{
		sqlite3 *h = mgmt_db_write_begin(db);

		for (size_t i = 0; h != NULL && i < n_res; i++) {
			char sql[128];

			if (mgmt_resources[i]->singleton)
				continue;
			snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id > 20",
				 mgmt_resources[i]->table);
			mgmt_db_exec(h, sql);
		}
		if (h != NULL)
			mgmt_db_write_end(db, true);
	}
	return 0;
}
