/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_rest.h - the configuration REST API, independent of the HTTP server.
 *
 * mgmt_rest_handle() takes a parsed request (method, path, decoded query
 * parameters, body, caller's role) and produces a status, a JSON body and
 * headers. The HTTP layer (http/mgmt_http.c) does transport, limits and
 * authentication; the unit and fuzz tests call this directly.
 *
 * Paths: /api/admin/configuration/v1/ (resource index),
 *        .../<resource>/ (GET list, POST create),
 *        .../<resource>/schema/ (GET),
 *        .../<resource>/<id>/ (GET, PUT, PATCH, DELETE).
 * Status codes: 200 (GET, PUT), 201 + Location (POST), 202 (PATCH), 204
 * (DELETE), 400 {"<field>": ["<message>"]}, 403 (read-only account writes),
 * 404, 405 + Allow, 409 (delete of a referenced object), 500, 503.
 *
 * Context: any thread; struct mgmt_rest is read-only after creation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "mgmt_auth.h"
#include "mgmt_db.h"

struct mgmt_rest_cfg {
	unsigned int default_limit;     /* page size when no limit= (20) */
	unsigned int max_limit;         /* largest page (limit=0 means this) */
	int max_depth;                  /* JSON nesting limit of bodies */
	unsigned int pbkdf2_iterations; /* for passwords set through "user" */
};

struct mgmt_rest {
	struct mgmt_db *db;     /* borrowed */
	struct mgmt_auth *auth; /* borrowed, may be NULL (no cache to flush) */
	struct mgmt_rest_cfg cfg;
};

struct mgmt_rest_arg {
	const char *key;   /* decoded; borrowed */
	const char *value; /* decoded, NULL for a bare key; borrowed */
};

struct mgmt_rest_req {
	const char *method;               /* "GET", "POST", ... */
	const char *path;                 /* without the query string */
	const struct mgmt_rest_arg *args; /* query parameters, in order */
	size_t n_args;
	const char *body; /* may be NULL when body_len is 0 */
	size_t body_len;
	enum mgmt_role role; /* authenticated caller */
};

struct mgmt_rest_resp {
	unsigned int status;
	json_t *body;       /* owned by the response; NULL = empty body */
	char location[192]; /* Location header, "" = none */
	const char *allow;  /* Allow header for 405, static */
};

/**
 * Handle one request.
 * @param resp  filled in; release with mgmt_rest_resp_fini()
 * Context: any thread; blocks on the database (writer lock for writes).
 */
void mgmt_rest_handle(struct mgmt_rest *rest, const struct mgmt_rest_req *req,
		      struct mgmt_rest_resp *resp);

/** Release what a response owns. */
void mgmt_rest_resp_fini(struct mgmt_rest_resp *resp);
