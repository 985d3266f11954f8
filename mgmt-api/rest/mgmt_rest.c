/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_rest.c - routing and the list/detail/schema handlers.
 *
 * Writes: validate the whole body first (no database), then take the
 * writer, run the database checks and the writes in one transaction and
 * commit only if everything succeeded; the reply carries the object as
 * stored. Reads run in a read transaction on a reader connection.
 *
 * Context: HTTP worker threads (and tests).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt_query.h"
#include "mgmt_res.h"
#include "mgmt_rest.h"
#include "mgmt_rest_priv.h"
#include "mgmt_store.h"
#include "mgmt_valid.h"
#include "tsr_log.h"

void
mgmt_rest_reply(struct mgmt_rest_resp *resp, unsigned int status, json_t *body)
{
	json_decref(resp->body);
	resp->status = status;
	resp->body = body;
}

void
mgmt_rest_reply_error(struct mgmt_rest_resp *resp, unsigned int status, const char *msg)
{
	mgmt_rest_reply(resp, status, json_pack("{s:s}", "error", msg));
}

#define reply mgmt_rest_reply
#define reply_error mgmt_rest_reply_error

void
mgmt_rest_audit(struct mgmt_rest *rest, const struct mgmt_rest_req *req, const char *module,
		const char *message, json_t *params)
{
	json_t *p = json_pack("{s:s}", "User", req->user != NULL ? req->user : "");
	char port[16];

	if (rest->log == NULL || p == NULL) {
		json_decref(p);
		json_decref(params);
		return;
	}
	json_object_update(p, params);
	snprintf(port, sizeof(port), "%u", req->remote_port);
	json_object_set_new(p, "Remote-Address",
			    json_string(req->remote_addr != NULL ? req->remote_addr : ""));
	json_object_set_new(p, "Remote-Port", json_string(port));
	mgmt_log_write(rest->log, NULL, NULL, "INFO", module, message, p);
	json_decref(p);
	json_decref(params);
}

/* The guide's names of what changed (admin log "Type"). */
static const char *
type_name(const struct mgmt_resource *r, const json_t *obj)
{
	static const char *const names[][2] = {
		{"conference_alias", "Alias"},
		{"automatic_participant", "Automatically Dialed Participant"},
		{"gateway_routing_rule", "Call Routing Rule"},
		{"system_location", "System Location"},
		{"worker_vm", "Conferencing Node"},
		{"device", "Device Alias"},
		{"end_user", "User Record"},
		{"global", "Global Settings"},
		{"user", "Administrator Account"},
		{"ivr_theme", "Theme"},
		{"sip_credential", "SIP Credential"},
		{"syslog_server", "Syslog Server"},
		{"dns_server", "DNS Server"},
		{"ntp_server", "NTP Server"},
		{"static_route", "Static Route"},
	};
	const char *st = json_string_value(json_object_get(obj, "service_type"));

	if (strcmp(r->name, "conference") == 0)
		return st == NULL ? "Service"
		       : strcmp(st, "lecture") == 0 ? "Virtual Auditorium"
		       : strcmp(st, "two_stage_dialing") == 0 ? "Virtual Reception"
		       : strcmp(st, "test_call") == 0 ? "Test Call Service"
						       : "Virtual Meeting Room";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i][0], r->name) == 0)
			return names[i][1];
	return r->name;
}

/* "Configuration added/changed/deleted" with what and which (its name, alias or id). */
static void
audit_change(struct mgmt_rest *rest, const struct mgmt_rest_req *req,
	     const struct mgmt_resource *r, const char *message, const json_t *obj, int64_t id)
{
	static const char *const keys[] = {"name", "alias", "username", "address", "realm",
					   "primary_email_address", NULL};
	const char *ident = NULL;
	char num[32];

	for (int i = 0; keys[i] != NULL && ident == NULL; i++)
		ident = json_string_value(json_object_get(obj, keys[i]));
	snprintf(num, sizeof(num), "%" PRId64, id);
	mgmt_rest_audit(rest, req, "administrator.configuration", message,
			json_pack("{s:s,s:s}", "Type", type_name(r, obj), "ID",
				  ident != NULL ? ident : num));
}

static void
reply_errno(struct mgmt_rest_resp *resp, int rc)
{
	switch (rc) {
	case -ENOENT:
		reply_error(resp, 404, "no such object");
		break;
	case -EBUSY:
		reply_error(resp, 409, "the object is referenced by other objects");
		break;
	case -ENOSPC:
		reply_error(resp, 400, "query too complex");
		break;
	default:
		reply_error(resp, 500, "internal error");
	}
}

void
mgmt_rest_resp_fini(struct mgmt_rest_resp *resp)
{
	json_decref(resp->body);
	resp->body = NULL;
	free(resp->text);
	resp->text = NULL;
	mgmt_rest_wait_free(NULL, resp->wait);
	resp->wait = NULL;
}

static void
handle_index(const struct mgmt_resource *const *list, const char *prefix,
	     struct mgmt_rest_resp *resp)
{
	json_t *o = json_object();
	char uri[160];

	for (const struct mgmt_resource *const *r = list; *r != NULL; r++) {
		snprintf(uri, sizeof(uri), "%s%s/", prefix, (*r)->name);
		json_object_set_new(
			o, (*r)->name,
			json_pack("{s:s,s:s+}", "list_endpoint", uri, "schema", uri, "schema/"));
	}
	reply(resp, 200, o);
}

static json_t *
page_link(const struct mgmt_resource *r, const struct mgmt_query *q, unsigned int offset)
{
	char buf[2400];

	snprintf(buf, sizeof(buf), "%s%s/?limit=%u&offset=%u%s", mgmt_res_prefix(r), r->name,
		 q->limit, offset, q->keep);
	return json_string(buf);
}

static json_t *
page_meta(const struct mgmt_resource *r, const struct mgmt_query *q, int64_t total)
{
	json_t *meta = json_object();

	json_object_set_new(meta, "limit", json_integer(q->limit));
	json_object_set_new(meta, "offset", json_integer(q->offset));
	json_object_set_new(meta, "total_count", json_integer(total));
	json_object_set_new(meta, "next",
			    (int64_t)q->offset + q->limit < total
				    ? page_link(r, q, q->offset + q->limit)
				    : json_null());
	json_object_set_new(meta, "previous",
			    q->offset > 0
				    ? page_link(r, q, q->offset > q->limit ? q->offset - q->limit : 0)
				    : json_null());
	return meta;
}

/* {"meta": {...}, "objects": <objects text>} without building the objects as JSON trees. */
static void
reply_page(const struct mgmt_resource *r, const struct mgmt_query *q, int64_t total,
	   const char *objects, size_t len, struct mgmt_rest_resp *resp)
{
	json_t *meta = page_meta(r, q, total);
	char *m = meta != NULL ? json_dumps(meta, JSON_COMPACT) : NULL;
	size_t ml = m != NULL ? strlen(m) : 0;
	char *out = m != NULL ? malloc(ml + len + 32) : NULL;

	json_decref(meta);
	if (out == NULL) {
		free(m);
		reply_error(resp, 500, "out of memory");
		return;
	}
	memcpy(out, "{\"meta\":", 8);
	memcpy(out + 8, m, ml);
	memcpy(out + 8 + ml, ",\"objects\":", 11);
	memcpy(out + 19 + ml, objects, len);
	out[19 + ml + len] = '}';
	out[20 + ml + len] = '\0';
	free(m);
	resp->status = 200;
	resp->text = out;
	resp->text_len = 20 + ml + len;
	resp->content_type = "application/json";
}

static void
handle_list(struct mgmt_rest *rest, const struct mgmt_resource *r, const struct mgmt_rest_req *req,
	    struct mgmt_rest_resp *resp)
{
	struct mgmt_query q;
	json_t *errors = json_object(), *objects = NULL, *meta;
	int64_t total = 0;
	char *text = NULL;
	size_t len = 0;
	sqlite3 *h;
	int rc;

	mgmt_query_init(&q, rest->cfg.default_limit, rest->cfg.max_limit);
	for (size_t i = 0; i < req->n_args; i++) {
		if (mgmt_query_add(&q, r, req->args[i].key, req->args[i].value, errors) < 0) {
			reply(resp, 400, errors);
			return;
		}
	}
	json_decref(errors);
	h = mgmt_db_read_begin(rest->db);
	if (h == NULL) {
		reply_error(resp, 503, "database unavailable");
		return;
	}
	if (!r->text_id) {
		rc = mgmt_store_list_text(r, h, &q, &text, &len, &total);
		mgmt_db_read_end(rest->db, h);
		if (rc < 0)
			reply_errno(resp, rc);
		else
			reply_page(r, &q, total, text, len, resp);
		free(text);
		return;
	}
	rc = mgmt_store_list(r, h, &q, &objects, &total);
	mgmt_db_read_end(rest->db, h);
	if (rc < 0) {
		reply_errno(resp, rc);
		return;
	}
	meta = json_object();
	json_object_set_new(meta, "limit", json_integer(q.limit));
	json_object_set_new(meta, "offset", json_integer(q.offset));
	json_object_set_new(meta, "total_count", json_integer(total));
	json_object_set_new(meta, "next",
			    (int64_t)q.offset + q.limit < total
				    ? page_link(r, &q, q.offset + q.limit)
				    : json_null());
	json_object_set_new(meta, "previous",
			    q.offset > 0
				    ? page_link(r, &q, q.offset > q.limit ? q.offset - q.limit : 0)
				    : json_null());
	reply(resp, 200, json_pack("{s:o,s:o}", "meta", meta, "objects", objects));
}

static void
handle_get(struct mgmt_rest *rest, const struct mgmt_resource *r, int64_t id, const char *key,
	   struct mgmt_rest_resp *resp)
{
	json_t *o = NULL;
	sqlite3 *h = mgmt_db_read_begin(rest->db);
	int rc;

	if (h == NULL) {
		reply_error(resp, 503, "database unavailable");
		return;
	}
	if (!r->text_id) {
		char *text = NULL;
		size_t len = 0;

		rc = mgmt_store_get_text(r, h, id, &text, &len);
		mgmt_db_read_end(rest->db, h);
		if (rc < 0) {
			reply_errno(resp, rc);
			return;
		}
		resp->status = 200;
		resp->text = text;
		resp->text_len = len;
		resp->content_type = "application/json";
		return;
	}
	rc = r->text_id ? mgmt_store_get_key(r, h, key, &o) : mgmt_store_get(r, h, id, &o);
	mgmt_db_read_end(rest->db, h);
	if (rc == -ENOENT && r->text_id && strcmp(r->name, "conference") == 0)
		reply_error(resp, 404, "Conference instance no longer active"); /* FR-CS-2 */
	else if (rc < 0)
		reply_errno(resp, rc);
	else
		reply(resp, 200, o);
}

/* Configuration writes are replicated to the nodes; accounts are not. */
static bool
replicated(const struct mgmt_resource *r)
{
	return r->prefix == NULL && strcmp(r->name, "user") != 0;
}

/*
 * POST (id 0), PUT (replace) and PATCH (merge). The base is the defaults for
 * POST and PUT, the stored object for PATCH; the body is laid over it.
 */
static void
handle_write(struct mgmt_rest *rest, const struct mgmt_resource *r, int64_t id, bool patch,
	     const struct mgmt_rest_req *req, struct mgmt_rest_resp *resp)
{
	struct mgmt_store_ctx ctx = {.pbkdf2_iterations = rest->cfg.pbkdf2_iterations};
	json_t *errors = json_object(), *body = NULL, *base = NULL, *obj = NULL, *out = NULL;
	bool creating = id == 0;
	sqlite3 *h = NULL;
	int rc;

	if (mgmt_valid_parse(req->body ? req->body : "", req->body_len, rest->cfg.max_depth, &body,
			     errors) < 0)
		goto out_400;
	/* Unknown fields are reported together with every other invalid field. */
	mgmt_valid_body(r, body, errors);
	h = mgmt_db_write_begin(rest->db);
	if (h == NULL) {
		reply_error(resp, 503, "database unavailable");
		goto out;
	}
	if (patch) {
		rc = mgmt_store_get(r, h, id, &base);
		if (rc < 0) {
			reply_errno(resp, rc);
			goto out_rollback;
		}
	} else {
		if (!creating && (rc = mgmt_store_get(r, h, id, &out)) < 0) {
			reply_errno(resp, rc);
			goto out_rollback;
		}
		json_decref(out);
		out = NULL;
		base = mgmt_valid_defaults(r);
	}
	obj = base != NULL ? mgmt_valid_merge(r, base, body) : NULL;
	if (obj == NULL) {
		reply_error(resp, 500, "out of memory");
		goto out_rollback;
	}
	if (mgmt_valid_object(r, obj, creating, errors) < 0 || json_object_size(errors) > 0)
		goto out_rollback_400;
	rc = mgmt_store_write(r, h, &id, obj, body, &ctx, errors);
	if (rc == -EINVAL)
		goto out_rollback_400;
	if (rc < 0) {
		reply_errno(resp, rc);
		goto out_rollback;
	}
	rc = mgmt_store_get(r, h, id, &out);
	if (rc == 0 && replicated(r) && mgmt_db_config_bump(rest->db) < 0)
		rc = -EIO;
	if (rc < 0 || mgmt_db_write_end(rest->db, true) < 0) {
		if (rc < 0)
			mgmt_db_write_end(rest->db, false);
		json_decref(out);
		reply_error(resp, 500, "commit failed");
		goto out;
	}
	if (strcmp(r->name, "user") == 0 && rest->auth != NULL)
		mgmt_auth_flush(rest->auth);
	TSR_INFO("mgmt.rest", "object %s\tresource=%s id=%" PRId64,
		 creating ? "created" : "updated", r->name, id);
	audit_change(rest, req, r, creating ? "Configuration added" : "Configuration changed", out,
		     id);
	mgmt_res_uri(r, id, resp->location, sizeof(resp->location));
	if (!creating)
		resp->location[0] = '\0';
	reply(resp, creating ? 201 : patch ? 202 : 200, out);
	goto out;
out_rollback_400:
	mgmt_db_write_end(rest->db, false);
out_400:
	reply(resp, 400, errors);
	errors = NULL;
	goto out;
out_rollback:
	mgmt_db_write_end(rest->db, false);
out:
	json_decref(errors);
	json_decref(body);
	json_decref(base);
	json_decref(obj);
}

static void
handle_delete(struct mgmt_rest *rest, const struct mgmt_resource *r, int64_t id,
	      const struct mgmt_rest_req *req, struct mgmt_rest_resp *resp)
{
	sqlite3 *h = mgmt_db_write_begin(rest->db);
	json_t *old = NULL;
	int rc;

	if (h == NULL) {
		reply_error(resp, 503, "database unavailable");
		return;
	}
	if (rest->log != NULL)
		mgmt_store_get(r, h, id, &old); /* for the admin log: what is deleted */
	rc = mgmt_store_delete(r, h, id);
	if (rc == 0 && strcmp(r->name, "user") == 0) {
		sqlite3_stmt *st;

		/* Never lock everyone out: at least one admin account stays. */
		if (sqlite3_prepare_v2(h, "SELECT count(*) FROM account WHERE role = 'admin'", -1,
				       &st, NULL) != SQLITE_OK)
			rc = -EIO;
		else if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) == 0)
			rc = -EBUSY;
		sqlite3_finalize(st);
	}
	if (rc == 0 && replicated(r) && mgmt_db_config_bump(rest->db) < 0)
		rc = -EIO;
	if (rc < 0) {
		mgmt_db_write_end(rest->db, false);
		json_decref(old);
		reply_errno(resp, rc);
		return;
	}
	if (mgmt_db_write_end(rest->db, true) < 0) {
		json_decref(old);
		reply_error(resp, 500, "commit failed");
		return;
	}
	audit_change(rest, req, r, "Configuration deleted", old, id);
	json_decref(old);
	if (strcmp(r->name, "user") == 0 && rest->auth != NULL)
		mgmt_auth_flush(rest->auth);
	TSR_INFO("mgmt.rest", "object deleted\tresource=%s id=%" PRId64, r->name, id);
	reply(resp, 204, NULL);
}

int
mgmt_rest_split(const char *path, const char *prefix, char seg[][64], int max)
{
	size_t plen = strlen(prefix) - 1, n;
	const char *p;
	int k = 0;

	if (strncmp(path, prefix, plen) != 0 || (path[plen] != '/' && path[plen] != '\0'))
		return -ENOENT;
	p = path + plen;
	while (*p == '/' && p[1] != '\0') {
		p++;
		n = strcspn(p, "/");
		if (n == 0 || n >= 64 || k == max)
			return -ENOENT;
		memcpy(seg[k], p, n);
		seg[k++][n] = '\0';
		p += n;
	}
	/* At most one trailing slash. */
	return *p == '\0' || (p[0] == '/' && p[1] == '\0') ? k : -ENOENT;
}

bool
mgmt_rest_is_read(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

#define is_read mgmt_rest_is_read

static void
method_not_allowed(struct mgmt_rest_resp *resp, const char *allow)
{
	resp->allow = allow;
	reply_error(resp, 405, "method not allowed");
}

/* The configuration, status and history modules: table-driven resources. */
static void
handle_module(struct mgmt_rest *rest, const struct mgmt_resource *const *list, const char *prefix,
	      const struct mgmt_rest_req *req, char seg[][64], int n, struct mgmt_rest_resp *resp)
{
	const struct mgmt_resource *r;
	const char *m = req->method;
	int64_t id = 0;

	if (n == 0) {
		if (!is_read(m))
			method_not_allowed(resp, "GET, HEAD");
		else
			handle_index(list, prefix, resp);
		return;
	}
	r = mgmt_res_lookup_in(list, seg[0]);
	if (r == NULL || n > 2 ||
	    (n == 2 && strcmp(seg[1], "schema") != 0 &&
	     (r->text_id ? !mgmt_res_is_key(seg[1]) : mgmt_res_parse_id(seg[1], &id) < 0))) {
		reply_error(resp, 404, r == NULL ? "no such resource" : "no such object");
		return;
	}
	if (n == 2 && strcmp(seg[1], "schema") == 0) {
		if (!is_read(m))
			method_not_allowed(resp, "GET, HEAD");
		else
			reply(resp, 200, mgmt_res_schema(r, rest->cfg.default_limit));
		return;
	}
	if (!is_read(m) && r->read_only) {
		method_not_allowed(resp, "GET, HEAD");
		return;
	}
	if (n == 1) {
		if (is_read(m))
			handle_list(rest, r, req, resp);
		else if (strcmp(m, "POST") == 0 && !r->singleton)
			handle_write(rest, r, 0, false, req, resp);
		else
			method_not_allowed(resp, r->singleton ? "GET, HEAD" : "GET, HEAD, POST");
		return;
	}
	if (is_read(m))
		handle_get(rest, r, id, seg[1], resp);
	else if (strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0)
		handle_write(rest, r, id, m[1] == 'A', req, resp);
	else if (strcmp(m, "DELETE") == 0 && !r->singleton)
		handle_delete(rest, r, id, req, resp);
	else
		method_not_allowed(resp, r->singleton ? "GET, HEAD, PUT, PATCH"
						      : "GET, HEAD, PUT, PATCH, DELETE");
}

/* Prometheus text exposition 0.0.4; any authenticated account may read it. */
static void
handle_metrics(struct mgmt_rest *rest, const struct mgmt_rest_req *req,
	       struct mgmt_rest_resp *resp)
{
	char *text = NULL;
	size_t len = 0;

	if (!is_read(req->method)) {
		method_not_allowed(resp, "GET, HEAD");
		return;
	}
	if (req->n_args > 0) {
		reply(resp, 400, json_pack("{s:[s]}", req->args[0].key, "unknown parameter"));
		return;
	}
	if (rest->metrics == NULL ||
	    mgmt_metrics_render(rest->metrics, rest->db, rest->log, &text, &len) < 0) {
		reply_error(resp, 503, "metrics unavailable");
		return;
	}
	resp->status = 200;
	resp->text = text;
	resp->text_len = len;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void
mgmt_rest_handle(struct mgmt_rest *rest, const struct mgmt_rest_req *req,
		 struct mgmt_rest_resp *resp)
{
	char seg[4][64];
	int n;

	memset(resp, 0, sizeof(*resp));
	if ((n = mgmt_rest_split(req->path, MGMT_API_INTERNAL_PREFIX, seg, 4)) >= 0) {
		mgmt_rest_internal(rest, req, seg, n, resp);
		return;
	}
	if (req->node > 0 || req->role == MGMT_ROLE_NONE) {
		/* A node's token opens the node protocol only. */
		reply_error(resp, 401, "authentication required");
		return;
	}
	if (strcmp(req->path, "/metrics") == 0 || strcmp(req->path, "/metrics/") == 0) {
		handle_metrics(rest, req, resp);
		return;
	}
	if (!is_read(req->method) && req->role != MGMT_ROLE_ADMIN) {
		reply_error(resp, 403, "this account may only read");
		return;
	}
	if ((n = mgmt_rest_split(req->path, MGMT_API_CONFIG_PREFIX, seg, 4)) >= 0) {
		handle_module(rest, mgmt_resources, MGMT_API_CONFIG_PREFIX, req, seg, n, resp);
	} else if ((n = mgmt_rest_split(req->path, MGMT_API_STATUS_PREFIX, seg, 4)) >= 0) {
		if (n == 1 && strcmp(seg[0], "live") == 0)
			mgmt_rest_live(rest, req, resp);
		else
			handle_module(rest, mgmt_status_resources, MGMT_API_STATUS_PREFIX, req, seg,
				      n, resp);
	} else if ((n = mgmt_rest_split(req->path, MGMT_API_HISTORY_PREFIX, seg, 4)) >= 0) {
		handle_module(rest, mgmt_history_resources, MGMT_API_HISTORY_PREFIX, req, seg, n,
			      resp);
	} else if ((n = mgmt_rest_split(req->path, MGMT_API_COMMAND_PREFIX, seg, 4)) >= 0) {
		if (!mgmt_rest_transfer(rest, req, seg, n, resp))
			mgmt_rest_command(rest, req, seg, n, resp);
	} else {
		reply_error(resp, 404, "no such path");
	}
}
