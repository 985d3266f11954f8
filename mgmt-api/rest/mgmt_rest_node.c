/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_rest_node.c - REST handlers of the node protocol, the command module,
 * node bootstrap and the topology view.
 *
 * /api/internal/v1/config?since=N&wait=S: the snapshot at once when the
 * configuration version differs from N, else the request is parked until
 * it does or S seconds (default 25, at most 60) pass: {"version", "objects":
 * null}. /api/internal/v1/status: a node's report; the answer lists the
 * commands queued for it. Commands (/api/admin/command/v1/...) are queued
 * for the node(s) concerned and parked until every node has reported its
 * result, or the command timeout; the answer is {"status", "message",
 * "result"}.
 *
 * Context: HTTP worker threads; mgmt_rest_wait_ready() also from the
 * transport's waker thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "mgmt_ca.h"
#include "mgmt_res.h"
#include "mgmt_rest_priv.h"
#include "mgmt_store.h"
#include "mgmt_valid.h"
#include "tsr_log.h"

#define WAIT_DEFAULT_S 25
#define WAIT_MAX_S 60
#define MAX_TARGETS 64
#define CONTACT_SQL "(julianday('now') - julianday(s.last_contact)) * 86400 < 60"

enum wait_kind {
	WAIT_CONFIG,
	WAIT_COMMAND,
};

struct mgmt_rest_wait {
	enum wait_kind kind;
	struct timespec deadline;
	int64_t since; /* WAIT_CONFIG */
	char cmd[MAX_TARGETS][MGMT_REPL_UUID_LEN + 1];
	int n_cmd; /* WAIT_COMMAND */
	char command[40];
};

static struct mgmt_rest_wait *
wait_new(enum wait_kind kind, unsigned int seconds)
{
	struct mgmt_rest_wait *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->kind = kind;
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	w->deadline.tv_sec += seconds;
	return w;
}

struct timespec
mgmt_rest_wait_deadline(const struct mgmt_rest_wait *w)
{
	return w->deadline;
}

void
mgmt_rest_wait_free(struct mgmt_rest *rest, struct mgmt_rest_wait *w)
{
	if (w == NULL)
		return;
	/* Commands nobody waits for are not delivered any more. */
	for (int i = 0; rest != NULL && rest->repl != NULL && i < w->n_cmd; i++)
		mgmt_repl_cmd_forget(rest->repl, w->cmd[i]);
	free(w);
}

bool
mgmt_rest_wait_ready(struct mgmt_rest *rest, const struct mgmt_rest_wait *w)
{
	if (w->kind == WAIT_CONFIG)
		return mgmt_db_config_version(rest->db) != w->since;
	for (int i = 0; i < w->n_cmd; i++) {
		int st = mgmt_repl_cmd_state(rest->repl, w->cmd[i], NULL, 0, NULL);

		if (st == MGMT_REPL_CMD_QUEUED || st == MGMT_REPL_CMD_SENT)
			return false;
	}
	return true;
}

/* ---- the node protocol -------------------------------------------------------------- */

static void
config_answer(struct mgmt_rest *rest, int64_t since, struct mgmt_rest_resp *resp)
{
	int64_t version = mgmt_db_config_version(rest->db);
	char *text = NULL;

	if (version == since) {
		mgmt_rest_reply(resp, 200,
				json_pack("{s:I,s:n}", "version", (json_int_t)version, "objects"));
		return;
	}
	if (mgmt_repl_snapshot(rest->repl, &text, &version) < 0) {
		mgmt_rest_reply_error(resp, 503, "configuration unavailable");
		return;
	}
	resp->status = 200;
	resp->text = text;
}

static int
arg_uint(const struct mgmt_rest_req *req, const char *key, int64_t max, int64_t *out,
	 json_t *errors)
{
	for (size_t i = 0; i < req->n_args; i++) {
		const char *v = req->args[i].value;
		char *end;
		long long x;

		if (strcmp(req->args[i].key, key) != 0)
			continue;
		if (v == NULL || *v < '0' || *v > '9' || strlen(v) > 18)
			goto bad;
		x = strtoll(v, &end, 10);
		if (*end != '\0' || x > max)
			goto bad;
		*out = x;
		return 0;
	bad:
		mgmt_err_add(errors, key, "must be an integer between 0 and %" PRId64, max);
		return -EINVAL;
	}
	return 0;
}

static void
internal_config(struct mgmt_rest *rest, const struct mgmt_rest_req *req,
		struct mgmt_rest_resp *resp)
{
	json_t *errors = json_object();
	int64_t since = 0, wait = WAIT_DEFAULT_S;

	for (size_t i = 0; i < req->n_args; i++)
		if (strcmp(req->args[i].key, "since") != 0 && strcmp(req->args[i].key, "wait") != 0)
			mgmt_err_add(errors, req->args[i].key, "unknown parameter");
	arg_uint(req, "since", INT64_MAX / 2, &since, errors);
	arg_uint(req, "wait", WAIT_MAX_S, &wait, errors);
	if (json_object_size(errors) > 0) {
		mgmt_rest_reply(resp, 400, errors);
		return;
	}
	json_decref(errors);
	if (mgmt_db_config_version(rest->db) != since || wait == 0) {
		config_answer(rest, since, resp);
		return;
	}
	resp->wait = wait_new(WAIT_CONFIG, (unsigned int)wait);
	if (resp->wait == NULL) {
		mgmt_rest_reply_error(resp, 503, "out of memory");
		return;
	}
	resp->wait->since = since;
}

static void
internal_status(struct mgmt_rest *rest, const struct mgmt_rest_req *req,
		struct mgmt_rest_resp *resp)
{
	json_t *errors = json_object(), *body = NULL, *commands = NULL;
	int rc;

	rc = mgmt_valid_parse(req->body ? req->body : "", req->body_len, rest->cfg.max_depth, &body,
			      errors);
	if (rc == 0)
		rc = mgmt_repl_status(rest->repl, req->node, body, errors, &commands);
	json_decref(body);
	if (rc == -EINVAL) {
		mgmt_rest_reply(resp, 400, errors);
		return;
	}
	json_decref(errors);
	if (rc == -ENOENT)
		mgmt_rest_reply_error(resp, 401, "this node no longer exists");
	else if (rc < 0)
		mgmt_rest_reply_error(resp, 503, "status not stored");
	else
		mgmt_rest_reply(resp, 200, json_pack("{s:o}", "commands", commands));
}

void
mgmt_rest_internal(struct mgmt_rest *rest, const struct mgmt_rest_req *req, char seg[][64], int n,
		   struct mgmt_rest_resp *resp)
{
	if (req->node <= 0 || rest->repl == NULL) {
		mgmt_rest_reply_error(resp, 401, "authentication required");
		return;
	}
	if (n == 1 && strcmp(seg[0], "config") == 0) {
		if (mgmt_rest_is_read(req->method)) {
			internal_config(rest, req, resp);
		} else {
			resp->allow = "GET, HEAD";
			mgmt_rest_reply_error(resp, 405, "method not allowed");
		}
	} else if (n == 1 && strcmp(seg[0], "status") == 0) {
		if (strcmp(req->method, "POST") == 0) {
			internal_status(rest, req, resp);
		} else {
			resp->allow = "POST";
			mgmt_rest_reply_error(resp, 405, "method not allowed");
		}
	} else {
		mgmt_rest_reply_error(resp, 404, "no such path");
	}
}

/* ---- bootstrap ---------------------------------------------------------------------- */

#define MGMT_NODE_CERT_DAYS 825 /* node certificates; a new bootstrap issues a new one */

static bool
host_ok(const char *h)
{
	size_t n = h != NULL ? strlen(h) : 0;

	return n > 0 && n < 256 &&
	       strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") ==
		       n;
}

static void
bootstrap(struct mgmt_rest *rest, const struct mgmt_rest_req *req, const char *sid,
	  struct mgmt_rest_resp *resp)
{
	char token[MGMT_REPL_TOKEN_LEN + 1], url[300];
	char *ncert = NULL, *nkey = NULL;
	json_t *node = NULL, *doc;
	int64_t id;
	sqlite3 *h;
	int rc;

	if (req->role != MGMT_ROLE_ADMIN) {
		mgmt_rest_reply_error(resp, 403, "this account may only read");
		return;
	}
	if (mgmt_res_parse_id(sid, &id) < 0) {
		mgmt_rest_reply_error(resp, 404, "no such object");
		return;
	}
	h = mgmt_db_read_begin(rest->db);
	if (h == NULL) {
		mgmt_rest_reply_error(resp, 503, "database unavailable");
		return;
	}
	rc = mgmt_store_get(mgmt_res_lookup("worker_vm"), h, id, &node);
	mgmt_db_read_end(rest->db, h);
	if (rc == 0)
		rc = mgmt_repl_issue_token(rest->repl, id, token, sizeof(token));
	if (rc < 0) {
		json_decref(node);
		mgmt_rest_reply_error(resp, rc == -ENOENT ? 404 : 500,
				      rc == -ENOENT ? "no such object" : "cannot issue a token");
		return;
	}
	if (rest->cfg.management_url != NULL)
		snprintf(url, sizeof(url), "%s", rest->cfg.management_url);
	else
		snprintf(url, sizeof(url), "%s://%s", rest->cfg.plain ? "http" : "https",
			 host_ok(req->host) ? req->host : "localhost");
	/* The node's certificate for node-to-node TLS, with a fresh key (docs/security.md). */
	if (rest->cfg.ca != NULL &&
	    mgmt_ca_issue(rest->cfg.ca, json_string_value(json_object_get(node, "name")),
			  json_string_value(json_object_get(node, "address")), MGMT_NODE_CERT_DAYS,
			  &ncert, &nkey) < 0)
		TSR_WARN("mgmt.ca", "cannot issue a node certificate\tnode_id=%" PRId64, id);
	doc = json_pack("{s:O,s:I,s:O,s:s,s:s,s:s?}", "node_name", json_object_get(node, "name"),
			"node_id", (json_int_t)id, "address", json_object_get(node, "address"),
			"management_url", url, "token", token, "management_certificate",
			rest->cfg.cert_pem);
	if (doc != NULL && ncert != NULL && nkey != NULL) {
		json_object_set_new(doc, "node_certificate", json_string(ncert));
		json_object_set_new(doc, "node_private_key", json_string(nkey));
		json_object_set_new(doc, "ca_certificate",
				    json_string(mgmt_ca_cert_pem(rest->cfg.ca)));
	}
	mgmt_rest_reply(resp, 200, doc);
	explicit_bzero(token, sizeof(token));
	if (nkey != NULL)
		explicit_bzero(nkey, strlen(nkey));
	free(nkey);
	free(ncert);
	json_decref(node);
}

/* ---- commands ----------------------------------------------------------------------- */

enum arg_type {
	ARG_STRING,
	ARG_KEY, /* participant id: a text key */
	ARG_BOOL,
	ARG_ENUM,
	ARG_CONF, /* conference id: status UUID, or a configuration id (number or string) */
	ARG_DTMF,
	ARG_ANY,
};

struct arg_spec {
	const char *name;
	enum arg_type type;
	bool required;
	const char *const *choices;
};

static const char *const protocols[] = {"sip", "h323", "mssip", "rtmp", "gms", "teams", NULL};
static const char *const roles[] = {"guest", "chair", NULL};
static const char *const call_types[] = {"video", "video-only", "audio", NULL};
static const char *const routings[] = {"manual", "routing_rule", NULL};
static const char *const keep_alive[] = {"keep_conference_alive",
					 "keep_conference_alive_if_multiple",
					 "keep_conference_alive_never", NULL};
static const char *const settings[] = {"lock",        "unlock",        "mute", "unmute",
				       "mute_guests", "unmute_guests", NULL};

static const struct arg_spec participant_args[] = {
	{"participant_id", ARG_KEY, true, NULL},
	{"participant_uuid", ARG_KEY, false, NULL}, /* legacy spelling */
	{"setting", ARG_ENUM, false, settings},
	{NULL, 0, false, NULL},
};
static const struct arg_spec transfer_args[] = {
	{"participant_id", ARG_KEY, true, NULL},
	{"conference_alias", ARG_STRING, true, NULL},
	{"role", ARG_ENUM, false, roles},
	{NULL, 0, false, NULL},
};
static const struct arg_spec role_args[] = {
	{"participant_id", ARG_KEY, true, NULL},
	{"role", ARG_ENUM, true, roles},
	{NULL, 0, false, NULL},
};
static const struct arg_spec dial_args[] = {
	{"conference_alias", ARG_STRING, true, NULL},
	{"destination", ARG_STRING, true, NULL},
	{"protocol", ARG_ENUM, false, protocols},
	{"call_type", ARG_ENUM, false, call_types},
	{"role", ARG_ENUM, false, roles},
	{"routing", ARG_ENUM, false, routings},
	{"system_location", ARG_STRING, false, NULL},
	{"node", ARG_STRING, false, NULL},
	{"dtmf_sequence", ARG_DTMF, false, NULL},
	{"keep_conference_alive", ARG_ENUM, false, keep_alive},
	{"local_display_name", ARG_STRING, false, NULL},
	{"remote_display_name", ARG_STRING, false, NULL},
	{"presentation_url", ARG_STRING, false, NULL},
	{"streaming", ARG_BOOL, false, NULL},
	{"custom_sip_headers", ARG_ANY, false, NULL},
	{NULL, 0, false, NULL},
};
static const struct arg_spec conference_args[] = {
	{"conference_id", ARG_CONF, true, NULL},
	{"setting", ARG_ENUM, false, settings},
	{NULL, 0, false, NULL},
};

static const struct {
	const char *group, *action;
	const struct arg_spec *args;
} actions[] = {
	{"participant", "dial", dial_args},
	{"participant", "disconnect", participant_args},
	{"participant", "mute", participant_args},
	{"participant", "unmute", participant_args},
	{"participant", "transfer", transfer_args},
	{"participant", "role", role_args},
	{"conference", "lock", conference_args},
	{"conference", "unlock", conference_args},
	{"conference", "mute_guests", conference_args},
	{"conference", "unmute_guests", conference_args},
	{"conference", "disconnect", conference_args},
};

static int
check_arg(const struct arg_spec *a, json_t *v, json_t *errors)
{
	char msg[128];

	switch (a->type) {
	case ARG_STRING:
		if (json_is_string(v) && json_string_length(v) >= 1 && json_string_length(v) <= 250)
			return 0;
		mgmt_err_add(errors, a->name, "must be a string of 1 to 250 characters");
		return -EINVAL;
	case ARG_KEY:
		if (json_is_string(v) && mgmt_res_is_key(json_string_value(v)))
			return 0;
		mgmt_err_add(errors, a->name, "must be a participant id");
		return -EINVAL;
	case ARG_BOOL:
		if (json_is_boolean(v))
			return 0;
		mgmt_err_add(errors, a->name, "must be true or false");
		return -EINVAL;
	case ARG_ENUM:
		for (const char *const *c = a->choices; json_is_string(v) && *c != NULL; c++)
			if (strcmp(*c, json_string_value(v)) == 0)
				return 0;
		msg[0] = '\0';
		for (const char *const *c = a->choices; *c != NULL; c++)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%s%s",
				 c == a->choices ? "" : ", ", *c);
		mgmt_err_add(errors, a->name, "must be one of: %s", msg);
		return -EINVAL;
	case ARG_CONF:
		if ((json_is_string(v) && mgmt_res_is_key(json_string_value(v))) ||
		    (json_is_integer(v) && json_integer_value(v) > 0))
			return 0;
		mgmt_err_add(errors, a->name, "must be a conference id");
		return -EINVAL;
	case ARG_DTMF:
		if (json_is_string(v) &&
		    mgmt_check_dtmf(json_string_value(v), msg, sizeof(msg)) == 0 &&
		    json_string_length(v) <= 250)
			return 0;
		mgmt_err_add(errors, a->name, "must be digits 0-9, *, # and , (at most 250)");
		return -EINVAL;
	case ARG_ANY:
		return 0;
	}
	return -EINVAL;
}

/* Check a command body against its argument list. @return 0 or -EINVAL (errors added). */
static int
check_args(const struct arg_spec *spec, json_t *body, json_t *errors)
{
	const char *key;
	json_t *v;

	/* The legacy name stands for participant_id. */
	if (json_object_get(body, "participant_id") == NULL &&
	    json_object_get(body, "participant_uuid") != NULL)
		json_object_set(body, "participant_id", json_object_get(body, "participant_uuid"));
	json_object_foreach(body, key, v)
	{
		const struct arg_spec *a = spec;

		while (a->name != NULL && strcmp(a->name, key) != 0)
			a++;
		if (a->name == NULL)
			mgmt_err_add(errors, key, "unknown field");
		else if (!json_is_null(v))
			check_arg(a, v, errors);
	}
	for (const struct arg_spec *a = spec; a->name != NULL; a++)
		if (a->required && (json_object_get(body, a->name) == NULL ||
				    json_is_null(json_object_get(body, a->name))))
			mgmt_err_add(errors, a->name, "this field is required");
	return json_object_size(errors) > 0 ? -EINVAL : 0;
}

static void
command_failure(struct mgmt_rest_resp *resp, unsigned int status, const char *msg)
{
	mgmt_rest_reply(resp, status,
			json_pack("{s:s,s:s,s:n}", "status", "failure", "message", msg, "result"));
}

static int64_t
one_int(sqlite3 *h, const char *sql, const char *a)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
one_text(sqlite3 *h, const char *sql, const char *a, char *out, size_t cap)
{
	sqlite3_stmt *st;

	out[0] = '\0';
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		snprintf(out, cap, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/*
 * Where a dial-out goes: the node asked for (name or address), else a node
 * already hosting the conference, else the least loaded; always one that
 * reported within the last minute and is not in maintenance mode, in the
 * location asked for (name or resource URI) if any. @return its id or 0.
 */
static int64_t
dial_node(sqlite3 *h, const char *conference, const char *node, const char *location)
{
	json_t *tmp = location != NULL ? json_string(location) : NULL;
	sqlite3_stmt *st;
	int64_t lid = 0, id = 0;

	if (tmp != NULL)
		mgmt_res_parse_ref(mgmt_res_lookup("system_location"), tmp, &lid);
	json_decref(tmp);
	if (sqlite3_prepare_v2(
		    h,
		    "SELECT w.id FROM worker_vm w JOIN status_node s ON s.worker_vm_id = w.id"
		    " LEFT JOIN system_location l ON l.id = w.system_location_id"
		    " WHERE " CONTACT_SQL " AND w.maintenance_mode = 0"
		    " AND (?2 IS NULL OR w.name = ?2 OR w.address = ?2)"
		    " AND (?4 IS NULL OR l.name = ?4 OR l.id = ?3)"
		    " ORDER BY EXISTS (SELECT 1 FROM status_conference c JOIN "
		    "status_conference_node k"
		    " ON k.conference_id = c.id WHERE k.worker_vm_id = w.id AND c.name = ?1) DESC,"
		    " coalesce(s.media_ports_used, 0), w.id LIMIT 1",
		    -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, conference, -1, SQLITE_STATIC);
	if (node != NULL)
		sqlite3_bind_text(st, 2, node, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, lid);
	if (location != NULL)
		sqlite3_bind_text(st, 4, location, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/*
 * The nodes a command goes to, and the arguments they get. @return the
 * number of nodes; 0 with resp set when there is none or the body refers to
 * something missing.
 */
static int
targets(sqlite3 *h, const char *group, const char *action, json_t *args, int64_t *nodes,
	struct mgmt_rest_resp *resp)
{
	char name[256] = "";
	const char *v;
	json_t *errors;
	int n = 0;

	if (strcmp(group, "participant") == 0 && strcmp(action, "dial") != 0) {
		v = json_string_value(json_object_get(args, "participant_id"));
		nodes[0] =
			one_int(h, "SELECT worker_vm_id FROM status_participant WHERE id = ?", v);
		one_text(h, "SELECT conference FROM status_participant WHERE id = ?", v, name,
			 sizeof(name));
		if (nodes[0] <= 0) {
			command_failure(resp, 404, "no such participant");
			return 0;
		}
		json_object_set_new(args, "conference", json_string(name));
		n = 1;
	}
	if (json_object_get(args, "conference_alias") != NULL) {
		v = json_string_value(json_object_get(args, "conference_alias"));
		one_text(h,
			 "SELECT c.name FROM conference_alias a JOIN conference c ON c.id ="
			 " a.conference_id WHERE a.alias = ?",
			 v, name, sizeof(name));
		if (name[0] == '\0') {
			errors = json_object();
			mgmt_err_add(errors, "conference_alias", "no service has this alias");
			mgmt_rest_reply(resp, 400, errors);
			return 0;
		}
		json_object_set_new(
			args, strcmp(action, "dial") == 0 ? "conference" : "target_conference",
			json_string(name));
	}
	if (strcmp(group, "conference") == 0) {
		json_t *cid = json_object_get(args, "conference_id");
		sqlite3_stmt *st;
		char idtext[24];

		if (json_is_integer(cid) || strspn(json_string_value(cid), "0123456789") ==
						    strlen(json_string_value(cid))) {
			/* A configuration id: the conference of that service. */
			if (json_is_integer(cid))
				snprintf(idtext, sizeof(idtext), "%" JSON_INTEGER_FORMAT,
					 json_integer_value(cid));
			else
				snprintf(idtext, sizeof(idtext), "%.20s", json_string_value(cid));
			one_text(h,
				 "SELECT s.id FROM status_conference s JOIN conference c ON"
				 " c.name = s.name WHERE c.id = ?",
				 idtext, name, sizeof(name));
		} else {
			snprintf(name, sizeof(name), "%s", json_string_value(cid));
		}
		if (sqlite3_prepare_v2(
			    h,
			    "SELECT l.worker_vm_id, c.id, c.name FROM status_conference c"
			    " JOIN status_conference_node l ON l.conference_id = c.id"
			    " WHERE c.id = ? ORDER BY l.worker_vm_id",
			    -1, &st, NULL) != SQLITE_OK) {
			mgmt_rest_reply_error(resp, 503, "database unavailable");
			return 0;
		}
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW && n < MAX_TARGETS) {
			nodes[n++] = sqlite3_column_int64(st, 0);
			json_object_set_new(args, "conference_id",
					    json_string((const char *)sqlite3_column_text(st, 1)));
			json_object_set_new(args, "conference",
					    json_string((const char *)sqlite3_column_text(st, 2)));
		}
		sqlite3_finalize(st);
		if (n == 0)
			command_failure(resp, 404, "Conference instance no longer active");
		return n;
	}
	if (strcmp(action, "dial") == 0) {
		nodes[0] = dial_node(h, name, json_string_value(json_object_get(args, "node")),
				     json_string_value(json_object_get(args, "system_location")));
		if (nodes[0] <= 0) {
			command_failure(resp, 503, "no Conferencing Node available for the call");
			return 0;
		}
		return 1;
	}
	return n;
}

static void
command(struct mgmt_rest *rest, const struct mgmt_rest_req *req, const char *group,
	const char *action, const struct arg_spec *spec, struct mgmt_rest_resp *resp)
{
	json_t *errors = json_object(), *body = NULL;
	int64_t nodes[MAX_TARGETS];
	char name[40];
	sqlite3 *h;
	int n;

	if (mgmt_valid_parse(req->body ? req->body : "{}", req->body ? req->body_len : 2,
			     rest->cfg.max_depth, &body, errors) < 0 ||
	    check_args(spec, body, errors) < 0) {
		json_decref(body);
		mgmt_rest_reply(resp, 400, errors);
		return;
	}
	json_decref(errors);
	json_object_del(body, "participant_uuid");
	json_object_del(body, "setting");
	h = mgmt_db_read_begin(rest->db);
	if (h == NULL) {
		json_decref(body);
		mgmt_rest_reply_error(resp, 503, "database unavailable");
		return;
	}
	n = targets(h, group, action, body, nodes, resp);
	mgmt_db_read_end(rest->db, h);
	if (n > 0)
		resp->wait = wait_new(WAIT_COMMAND, rest->cfg.command_timeout_s);
	if (n > 0 && resp->wait == NULL)
		mgmt_rest_reply_error(resp, 503, "out of memory");
	snprintf(name, sizeof(name), "%.12s_%.24s", group, action);
	for (int i = 0; i < n && resp->wait != NULL; i++) {
		if (mgmt_repl_cmd_submit(rest->repl, nodes[i], name, body,
					 resp->wait->cmd[resp->wait->n_cmd]) == 0)
			resp->wait->n_cmd++;
	}
	if (resp->wait != NULL)
		snprintf(resp->wait->command, sizeof(resp->wait->command), "%s", name);
	json_decref(body);
}

static void
command_answer(struct mgmt_rest *rest, struct mgmt_rest_wait *w, struct mgmt_rest_resp *resp)
{
	char message[256] = "", msg[256];
	json_t *result = NULL, *r;
	bool failed = false, late = false;

	for (int i = 0; i < w->n_cmd; i++) {
		int st = mgmt_repl_cmd_state(rest->repl, w->cmd[i], msg, sizeof(msg), &r);

		if (st == MGMT_REPL_CMD_SUCCESS || st == MGMT_REPL_CMD_FAILURE) {
			if (st == MGMT_REPL_CMD_FAILURE && !failed) {
				failed = true;
				snprintf(message, sizeof(message), "%s", msg);
			} else if (message[0] == '\0') {
				snprintf(message, sizeof(message), "%s", msg);
			}
			if (result == NULL)
				result = r;
			else
				json_decref(r);
		} else {
			late = true;
		}
	}
	if (late) {
		json_decref(result);
		snprintf(msg, sizeof(msg), "no answer from the Conferencing Node within %u s",
			 rest->cfg.command_timeout_s);
		command_failure(resp, 504, msg);
		return;
	}
	mgmt_rest_reply(resp, failed ? 400 : 202,
			json_pack("{s:s,s:s,s:o}", "status", failed ? "failure" : "success",
				  "message", message, "result",
				  result != NULL ? result : json_null()));
}

void
mgmt_rest_resume(struct mgmt_rest *rest, struct mgmt_rest_wait *w, struct mgmt_rest_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	if (w->kind == WAIT_CONFIG)
		config_answer(rest, w->since, resp);
	else
		command_answer(rest, w, resp);
	mgmt_rest_wait_free(rest, w);
}

void
mgmt_rest_command(struct mgmt_rest *rest, const struct mgmt_rest_req *req, char seg[][64], int n,
		  struct mgmt_rest_resp *resp)
{
	if (rest->repl == NULL) {
		mgmt_rest_reply_error(resp, 503, "no node protocol");
		return;
	}
	if (n == 3 && strcmp(seg[0], "worker_vm") == 0 && strcmp(seg[2], "bootstrap") == 0) {
		if (mgmt_rest_is_read(req->method) || strcmp(req->method, "POST") == 0) {
			bootstrap(rest, req, seg[1], resp);
		} else {
			resp->allow = "GET, HEAD, POST";
			mgmt_rest_reply_error(resp, 405, "method not allowed");
		}
		return;
	}
	for (size_t i = 0; n == 2 && i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(actions[i].group, seg[0]) != 0 || strcmp(actions[i].action, seg[1]) != 0)
			continue;
		if (strcmp(req->method, "POST") != 0) {
			resp->allow = "POST";
			mgmt_rest_reply_error(resp, 405, "method not allowed");
			return;
		}
		command(rest, req, seg[0], seg[1], actions[i].args, resp);
		return;
	}
	mgmt_rest_reply_error(resp, 404, "no such command");
}

void
mgmt_rest_live(struct mgmt_rest *rest, const struct mgmt_rest_req *req, struct mgmt_rest_resp *resp)
{
	json_t *o;

	if (!mgmt_rest_is_read(req->method)) {
		resp->allow = "GET, HEAD";
		mgmt_rest_reply_error(resp, 405, "method not allowed");
		return;
	}
	o = rest->repl != NULL ? mgmt_repl_live(rest->repl) : NULL;
	if (o == NULL)
		mgmt_rest_reply_error(resp, 503, "status unavailable");
	else
		mgmt_rest_reply(resp, 200, o);
}
