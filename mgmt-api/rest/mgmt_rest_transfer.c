/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_rest_transfer.c - the bulk transfer commands:
 *
 *   GET  /api/admin/command/v1/<group>/export_csv/[?service_type=...]   text/csv
 *   POST /api/admin/command/v1/<group>/import_csv/[?service_type=...]   text/csv body
 *        <group>: conference (service_type conference, lecture or
 *        two_stage_dialing; default conference), automatic_participant, device
 *   POST /api/admin/command/v1/platform/backup_create/    {"passphrase"} -> file
 *   POST /api/admin/command/v1/platform/backup_restore/   file body,
 *        passphrase in the X-Tessera-Passphrase header
 *
 * Imports and restores are one write transaction each: everything or
 * nothing, and one configuration version bump.
 *
 * Context: HTTP worker threads (and tests).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "mgmt_backup.h"
#include "mgmt_csv.h"
#include "mgmt_rest_priv.h"
#include "mgmt_valid.h"
#include "tsr_log.h"

static void
reply_status(struct mgmt_rest_resp *resp, unsigned int status, const char *state,
	     const char *message, json_t *result)
{
	mgmt_rest_reply(resp, status,
			json_pack("{s:s,s:s,s:o}", "status", state, "message", message, "result",
				  result != NULL ? result : json_null()));
}

/* Only service_type=... (conference group) is accepted; @return false after a 400. */
static bool
csv_args(const struct mgmt_rest_req *req, bool conference, const char **service_type,
	 struct mgmt_rest_resp *resp)
{
	json_t *errors = json_object();

	*service_type = "conference";
	for (size_t i = 0; i < req->n_args; i++) {
		const char *k = req->args[i].key, *v = req->args[i].value;

		if (conference && strcmp(k, "service_type") == 0 && v != NULL &&
		    (strcmp(v, "conference") == 0 || strcmp(v, "lecture") == 0 ||
		     strcmp(v, "two_stage_dialing") == 0))
			*service_type = v;
		else if (conference && strcmp(k, "service_type") == 0)
			mgmt_err_add(errors, k, "must be conference, lecture or two_stage_dialing");
		else
			mgmt_err_add(errors, k, "unknown parameter");
	}
	if (json_object_size(errors) > 0) {
		mgmt_rest_reply(resp, 400, errors);
		return false;
	}
	json_decref(errors);
	return true;
}

static void
csv_export(struct mgmt_rest *rest, const struct mgmt_csv_format *fmt, const char *group,
	   const char *service_type, struct mgmt_rest_resp *resp)
{
	struct mgmt_csv_ctx ctx = {.secret = rest->cfg.secret};
	sqlite3 *h = mgmt_db_read_begin(rest->db);
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (h == NULL) {
		mgmt_rest_reply_error(resp, 503, "database unavailable");
		return;
	}
	rc = mgmt_csv_export(fmt, h, &ctx, &text, &len);
	mgmt_db_read_end(rest->db, h);
	if (rc < 0) {
		mgmt_rest_reply_error(resp, 500, "export failed");
		return;
	}
	resp->status = 200;
	resp->text = text;
	resp->text_len = len;
	resp->content_type = "text/csv; charset=utf-8";
	snprintf(resp->disposition, sizeof(resp->disposition), "attachment; filename=\"%s.csv\"",
		 strcmp(group, "conference") == 0 ? service_type : group);
}

static bool
is_csv_type(const char *ct)
{
	return ct == NULL || strncasecmp(ct, "text/csv", 8) == 0 ||
	       strncasecmp(ct, "text/plain", 10) == 0;
}

static void
csv_import(struct mgmt_rest *rest, const struct mgmt_rest_req *req,
	   const struct mgmt_csv_format *fmt, const char *what, struct mgmt_rest_resp *resp)
{
	struct mgmt_csv_ctx ctx = {.secret = rest->cfg.secret,
				   .pbkdf2_iterations = rest->cfg.pbkdf2_iterations};
	json_t *errors = json_object();
	size_t created = 0, updated = 0, rows = 0;
	char msg[160];
	sqlite3 *h;
	int rc;

	if (errors == NULL) {
		mgmt_rest_reply_error(resp, 500, "out of memory");
		return;
	}
	if (!is_csv_type(req->content_type)) {
		json_decref(errors);
		mgmt_rest_reply_error(resp, 415, "send the file as text/csv");
		return;
	}
	h = mgmt_db_write_begin(rest->db);
	if (h == NULL) {
		json_decref(errors);
		mgmt_rest_reply_error(resp, 503, "database unavailable");
		return;
	}
	rc = mgmt_csv_import(fmt, h, req->body != NULL ? req->body : "", req->body_len, &ctx,
			     errors, &created, &updated, &rows);
	if (rc < 0 || json_object_size(errors) > 0) {
		mgmt_db_write_end(rest->db, false);
		if (rc < 0) {
			json_decref(errors);
			mgmt_rest_reply_error(resp, 500, "import failed");
		} else {
			mgmt_rest_reply(resp, 400, errors);
		}
		return;
	}
	json_decref(errors);
	if (created + updated > 0 && mgmt_db_config_bump(rest->db) < 0) {
		mgmt_db_write_end(rest->db, false);
		mgmt_rest_reply_error(resp, 500, "commit failed");
		return;
	}
	if (mgmt_db_write_end(rest->db, true) < 0) {
		mgmt_rest_reply_error(resp, 500, "commit failed");
		return;
	}
	TSR_INFO("mgmt.rest", "csv imported\tkind=%s rows=%zu created=%zu updated=%zu", what, rows,
		 created, updated);
	snprintf(msg, sizeof(msg), "Imported %zu rows: %zu created, %zu updated", rows, created,
		 updated);
	mgmt_rest_audit(rest, req, "administrator.configuration", "Configuration imported",
			json_pack("{s:s,s:I,s:I,s:I}", "Type", what, "Rows", (json_int_t)rows,
				  "Created", (json_int_t)created, "Updated", (json_int_t)updated));
	reply_status(resp, 200, "success", msg,
		     json_pack("{s:I,s:I,s:I}", "rows", (json_int_t)rows, "created",
			       (json_int_t)created, "updated", (json_int_t)updated));
}

static void
backup_create(struct mgmt_rest *rest, const struct mgmt_rest_req *req,
	      struct mgmt_rest_resp *resp)
{
	json_t *errors = json_object(), *body = NULL, *pp;
	struct mgmt_backup_info info;
	unsigned char *file = NULL;
	char host[64] = "", when[32], fname[128];
	size_t len = 0, n;
	const char *key;
	json_t *v;
	struct tm tm;
	time_t now;
	sqlite3 *h;
	int rc;

	if (mgmt_valid_parse(req->body ? req->body : "", req->body_len, rest->cfg.max_depth, &body,
			     errors) == 0) {
		json_object_foreach(body, key, v) if (strcmp(key, "passphrase") != 0)
			mgmt_err_add(errors, key, "unknown field");
		pp = json_object_get(body, "passphrase");
		if (pp == NULL)
			mgmt_err_add(errors, "passphrase", "required");
		else if (!json_is_string(pp) || json_string_length(pp) < MGMT_BACKUP_MIN_PASSPHRASE ||
			 json_string_length(pp) > 1024 || strlen(json_string_value(pp)) !=
								  json_string_length(pp))
			mgmt_err_add(errors, "passphrase", "must be a string of 8-1024 characters");
	}
	if (json_object_size(errors) > 0) {
		json_decref(body);
		mgmt_rest_reply(resp, 400, errors);
		return;
	}
	json_decref(errors);
	h = mgmt_db_read_begin(rest->db);
	if (h == NULL) {
		json_decref(body);
		mgmt_rest_reply_error(resp, 503, "database unavailable");
		return;
	}
	rc = mgmt_backup_create(h, json_string_value(json_object_get(body, "passphrase")),
				rest->cfg.backup_iterations ? rest->cfg.backup_iterations
							    : MGMT_BACKUP_ITERATIONS,
				&file, &len, &info);
	mgmt_db_read_end(rest->db, h);
	json_decref(body);
	if (rc < 0) {
		mgmt_rest_reply_error(resp, 500, "backup failed");
		return;
	}
	gethostname(host, sizeof(host) - 1);
	for (n = 0; host[n] != '\0'; n++)
		if (!((host[n] >= 'a' && host[n] <= 'z') || (host[n] >= 'A' && host[n] <= 'Z') ||
		      (host[n] >= '0' && host[n] <= '9') || host[n] == '-'))
			host[n] = '-';
	now = (time_t)info.created;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%d_%H%M%S", &tm);
	resp->status = 200;
	resp->text = (char *)file;
	resp->text_len = len;
	resp->content_type = "application/octet-stream";
	snprintf(fname, sizeof(fname), "tessera_backup_%s_%s_%s.tbk", host, TSR_VERSION, when);
	snprintf(resp->disposition, sizeof(resp->disposition), "attachment; filename=\"%s\"",
		 fname);
	TSR_INFO("mgmt.rest", "backup created\ttables=%zu rows=%zu bytes=%zu", info.tables,
		 info.rows, len);
	mgmt_rest_audit(rest, req, "administrator.system", "Successfully created the backup file",
			json_pack("{s:s}", "File", fname));
}

static void
backup_restore(struct mgmt_rest *rest, const struct mgmt_rest_req *req,
	       struct mgmt_rest_resp *resp)
{
	struct mgmt_backup_info info;
	char msg[256], full[320], when[32];
	int64_t version;
	struct tm tm;
	time_t t;
	sqlite3 *h;
	int rc;

	if (req->passphrase == NULL || strlen(req->passphrase) < MGMT_BACKUP_MIN_PASSPHRASE) {
		mgmt_rest_reply(resp, 400,
				json_pack("{s:[s]}", "passphrase",
					  "give the passphrase (8+ characters) in the "
					  "X-Tessera-Passphrase header"));
		return;
	}
	h = mgmt_db_write_begin(rest->db);
	if (h == NULL) {
		mgmt_rest_reply_error(resp, 503, "database unavailable");
		return;
	}
	rc = mgmt_backup_restore(h, (const unsigned char *)(req->body ? req->body : ""),
				 req->body_len, req->passphrase, &info, msg, sizeof(msg));
	version = rc == 0 ? mgmt_db_config_bump(rest->db) : -1;
	if (rc == 0 && version < 0)
		rc = -EIO;
	if (rc < 0) {
		mgmt_db_write_end(rest->db, false);
		snprintf(full, sizeof(full), "Failed to restore the system from the backup file: %s",
			 msg[0] ? msg : "internal error");
		TSR_WARN("mgmt.rest", "backup refused\treason=\"%s\"", msg);
		mgmt_rest_audit(rest, req, "administrator.system",
				"Failed to restore the system from the backup file",
				json_pack("{s:s}", "Detail", msg));
		reply_status(resp, rc == -ENOMEM || rc == -EIO ? 500 : 400, "failure", full, NULL);
		return;
	}
	if (mgmt_db_write_end(rest->db, true) < 0) {
		reply_status(resp, 500, "failure",
			     "Failed to restore the system from the backup file: commit failed",
			     NULL);
		return;
	}
	if (rest->auth != NULL)
		mgmt_auth_flush(rest->auth); /* the accounts were replaced */
	t = (time_t)info.created;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	TSR_INFO("mgmt.rest", "backup restored\ttables=%zu rows=%zu created=%s version=%" PRId64,
		 info.tables, info.rows, when, version);
	mgmt_rest_audit(rest, req, "administrator.system", "Successfully restored the backup file",
			json_pack("{s:s}", "Backup-Created", when));
	reply_status(resp, 200, "success", "Successfully restored the backup file",
		     json_pack("{s:I,s:I,s:s,s:I}", "tables", (json_int_t)info.tables, "rows",
			       (json_int_t)info.rows, "backup_created", when, "config_version",
			       (json_int_t)version));
}

static void
not_allowed(struct mgmt_rest_resp *resp, const char *allow)
{
	resp->allow = allow;
	mgmt_rest_reply_error(resp, 405, "method not allowed");
}

bool
mgmt_rest_transfer(struct mgmt_rest *rest, const struct mgmt_rest_req *req, char seg[][64], int n,
		   struct mgmt_rest_resp *resp)
{
	bool post = strcmp(req->method, "POST") == 0;
	const struct mgmt_csv_format *fmt;
	const char *st;

	if (n != 2)
		return false;
	if (strcmp(seg[0], "platform") == 0 &&
	    (strcmp(seg[1], "backup_create") == 0 || strcmp(seg[1], "backup_restore") == 0)) {
		if (!post)
			not_allowed(resp, "POST");
		else if (req->n_args > 0)
			mgmt_rest_reply(resp, 400,
					json_pack("{s:[s]}", req->args[0].key, "unknown parameter"));
		else if (seg[1][7] == 'c')
			backup_create(rest, req, resp);
		else
			backup_restore(rest, req, resp);
		return true;
	}
	if ((strcmp(seg[0], "conference") != 0 && strcmp(seg[0], "automatic_participant") != 0 &&
	     strcmp(seg[0], "device") != 0) ||
	    (strcmp(seg[1], "import_csv") != 0 && strcmp(seg[1], "export_csv") != 0))
		return false;
	if (seg[1][0] == 'i' ? !post : !(mgmt_rest_is_read(req->method) || post)) {
		not_allowed(resp, seg[1][0] == 'i' ? "POST" : "GET, HEAD, POST");
		return true;
	}
	if (!csv_args(req, strcmp(seg[0], "conference") == 0, &st, resp))
		return true;
	fmt = mgmt_csv_format_lookup(seg[0], st);
	if (fmt == NULL)
		mgmt_rest_reply_error(resp, 404, "no such command");
	else if (seg[1][0] == 'e')
		csv_export(rest, fmt, seg[0], st, resp);
	else
		csv_import(rest, req, fmt, strcmp(seg[0], "conference") == 0 ? st : seg[0], resp);
	return true;
}
