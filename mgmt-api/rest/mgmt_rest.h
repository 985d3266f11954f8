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
 *        .../<resource>/<id>/ (GET, PUT, PATCH, DELETE);
 *        /api/admin/status/v1/ and /api/admin/history/v1/ (GET only, same
 *        list shapes), /api/admin/status/v1/live/ (topology);
 *        /api/admin/command/v1/{participant,conference}/<action>/ (POST),
 *        /api/admin/command/v1/worker_vm/<id>/bootstrap/ (GET or POST);
 *        /api/internal/v1/config and /api/internal/v1/status (nodes only).
 * Status codes: 200 (GET, PUT), 201 + Location (POST), 202 (PATCH), 204
 * (DELETE), 400 {"<field>": ["<message>"]}, 403 (read-only account writes),
 * 404, 405 + Allow, 409 (delete of a referenced object), 500, 503.
 *
 * Some requests wait (a node's long poll, a command waiting for the node's
 * result): the response then carries a struct mgmt_rest_wait instead of a
 * body. The transport parks the request without blocking a thread, checks
 * mgmt_rest_wait_ready() whenever the wake callback fires and at the
 * wait's deadline, and then calls mgmt_rest_resume() for the final answer.
 *
 * Context: any thread; struct mgmt_rest is read-only after creation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include <time.h>

#include "mgmt_auth.h"
#include "mgmt_ca.h"
#include "mgmt_log.h"
#include "mgmt_metrics.h"
#include "mgmt_db.h"
#include "mgmt_repl.h"

struct mgmt_rest_cfg {
	unsigned int default_limit;     /* page size when no limit= (20) */
	unsigned int max_limit;         /* largest page (limit=0 means this) */
	int max_depth;                  /* JSON nesting limit of bodies */
	unsigned int pbkdf2_iterations; /* for passwords set through "user" */
	const char *management_url;     /* for bootstrap documents; NULL = from Host */
	const char *cert_pem;           /* the HTTPS certificate, NULL when plain */
	struct mgmt_ca *ca;             /* node CA for bootstrap certificates, may be NULL */
	bool plain;                     /* serving plain HTTP (management_url scheme) */
	unsigned int command_timeout_s; /* how long a command waits for its node (5) */
	const unsigned char *secret;    /* MGMT_CSV_SECRET_LEN bytes encrypting exported
					 * device passwords; NULL = exported blank */
	unsigned int backup_iterations; /* PBKDF2 rounds of new backups, 0 = default */
};

struct mgmt_rest {
	struct mgmt_db *db;     /* borrowed */
	struct mgmt_auth *auth; /* borrowed, may be NULL (no cache to flush) */
	struct mgmt_repl *repl; /* borrowed, may be NULL (no node protocol) */
	struct mgmt_log *log;   /* borrowed, may be NULL (no admin/support log) */
	struct mgmt_metrics *metrics; /* borrowed, may be NULL (no /metrics) */
	struct mgmt_rest_cfg cfg;
};

/** A parked request (opaque); see mgmt_rest_wait_ready(). */
struct mgmt_rest_wait;

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
	int64_t node;        /* authenticated Conferencing Node (bearer token), 0 = none */
	const char *host;    /* Host header, may be NULL */
	const char *content_type; /* Content-Type header, may be NULL */
	const char *passphrase;   /* X-Tessera-Passphrase header (backup restore), may be NULL */
	const char *user;         /* authenticated account name, may be NULL */
	const char *remote_addr;  /* client address (numeric), may be NULL */
	unsigned int remote_port; /* client port, 0 = unknown */
};

struct mgmt_rest_resp {
	unsigned int status;
	json_t *body;                /* owned by the response; NULL = empty body (or text) */
	char *text;                  /* owned; JSON text sent when body is NULL */
	char location[192];          /* Location header, "" = none */
	const char *allow;           /* Allow header for 405, static */
	struct mgmt_rest_wait *wait; /* owned; non-NULL: park the request (no status yet) */
	const char *content_type;    /* static; non-NULL: text is sent as is, text_len bytes */
	size_t text_len;
	char disposition[160];       /* Content-Disposition header, "" = none */
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

/**
 * Whether a parked request can be answered now.
 * Context: any thread; never blocks on the database writer.
 */
bool mgmt_rest_wait_ready(struct mgmt_rest *rest, const struct mgmt_rest_wait *w);

/** When a parked request must be answered anyway (CLOCK_MONOTONIC). */
struct timespec mgmt_rest_wait_deadline(const struct mgmt_rest_wait *w);

/**
 * Produce the final answer of a parked request.
 * @param w     takes it (freed)
 * @param resp  filled in (never another wait); release with mgmt_rest_resp_fini()
 */
void mgmt_rest_resume(struct mgmt_rest *rest, struct mgmt_rest_wait *w,
		      struct mgmt_rest_resp *resp);

/** Free a parked request that will not be resumed (NULL accepted). */
void mgmt_rest_wait_free(struct mgmt_rest *rest, struct mgmt_rest_wait *w);
