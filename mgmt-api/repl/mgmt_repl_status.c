/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_repl_status.c - a node's status report: validation, the live status
 * tables, history from its events, and the topology view.
 *
 * A report is checked as a whole first (types, ranges, times, list sizes)
 * into a normalised copy; nothing is written when any part is invalid.
 * Keys the protocol does not know are ignored, so nodes may send more.
 * Then one write transaction: events become history (read against the
 * status of the previous report, which still holds the participants that
 * just left), the node's row, participants and conference links are
 * replaced. Command results go to the queue after the commit.
 *
 * Context: HTTP worker threads; see mgmt_repl.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "mgmt_res.h"
#include "mgmt_store.h"
#include "mgmt_valid.h"
#include "mgmt_repl_priv.h"
#include "tsr_log.h"

static const char *const service_types[] = {"conference", "lecture", "two_stage_dialing",
					    "test_call",  "gateway", NULL};

static bool
one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* ---- validation --------------------------------------------------------------------- */

struct vctx {
	json_t *errors; /* borrowed */
	char path[96];  /* "participants[3]" */
};

static void
verr(struct vctx *v, const char *field, const char *msg)
{
	char key[160];

	if (field != NULL)
		snprintf(key, sizeof(key), "%s%s%s", v->path, v->path[0] ? "." : "", field);
	else
		snprintf(key, sizeof(key), "%s", v->path[0] ? v->path : "__all__");
	mgmt_err_add(v->errors, key, "%s", msg);
}

/* A string of at most @p max characters (0 = no bound) or null / absent when optional. */
static int
take_string(struct vctx *v, const json_t *in, json_t *out, const char *name, size_t max,
	    bool required)
{
	json_t *x = json_object_get(in, name);

	if (x == NULL || json_is_null(x)) {
		if (required) {
			verr(v, name, "this field is required");
			return -EINVAL;
		}
		return 0;
	}
	if (!json_is_string(x)) {
		verr(v, name, "must be a string");
		return -EINVAL;
	}
	if (max > 0 && json_string_length(x) > max) {
		verr(v, name, "too long");
		return -EINVAL;
	}
	json_object_set(out, name, x);
	return 0;
}

static int
take_bool(struct vctx *v, const json_t *in, json_t *out, const char *name)
{
	json_t *x = json_object_get(in, name);

	if (x == NULL || json_is_null(x))
		return 0;
	if (json_is_boolean(x) ||
	    (json_is_integer(x) && json_integer_value(x) >= 0 && json_integer_value(x) <= 1)) {
		json_object_set_new(out, name,
				    json_boolean(json_is_true(x) || json_integer_value(x) == 1));
		return 0;
	}
	verr(v, name, "must be true or false");
	return -EINVAL;
}

static int
take_int(struct vctx *v, const json_t *in, json_t *out, const char *name, int64_t min, int64_t max,
	 bool required)
{
	json_t *x = json_object_get(in, name);
	double d;

	if (x == NULL || json_is_null(x)) {
		if (required) {
			verr(v, name, "this field is required");
			return -EINVAL;
		}
		return 0;
	}
	if (json_is_real(x)) {
		d = json_real_value(x);
		if (d != floor(d) || d < -9e15 || d > 9e15) {
			verr(v, name, "must be an integer");
			return -EINVAL;
		}
		x = json_integer((json_int_t)d);
	} else if (json_is_integer(x)) {
		json_incref(x);
	} else {
		verr(v, name, "must be an integer");
		return -EINVAL;
	}
	if (json_integer_value(x) < min || json_integer_value(x) > max) {
		char msg[96];

		snprintf(msg, sizeof(msg), "must be between %" PRId64 " and %" PRId64, min, max);
		verr(v, name, msg);
		json_decref(x);
		return -EINVAL;
	}
	json_object_set_new(out, name, x);
	return 0;
}

static int
take_real(struct vctx *v, const json_t *in, json_t *out, const char *name)
{
	json_t *x = json_object_get(in, name);

	if (x == NULL || json_is_null(x))
		return 0;
	if (!json_is_number(x) || !isfinite(json_number_value(x)) || json_number_value(x) < 0 ||
	    json_number_value(x) > 1e9) {
		verr(v, name, "must be a non-negative number");
		return -EINVAL;
	}
	json_object_set_new(out, name, json_real(json_number_value(x)));
	return 0;
}

static int
take_time(struct vctx *v, const json_t *in, json_t *out, const char *name, bool required)
{
	json_t *x = json_object_get(in, name);
	char t[32];

	if (x == NULL || json_is_null(x)) {
		if (required) {
			verr(v, name, "this field is required");
			return -EINVAL;
		}
		return 0;
	}
	if (mgmt_repl_time(x, t, sizeof(t)) < 0) {
		verr(v, name, "must be an ISO 8601 time or seconds since the epoch");
		return -EINVAL;
	}
	json_object_set_new(out, name, json_string(t));
	return 0;
}

static int
take_key(struct vctx *v, const json_t *in, json_t *out, const char *name, bool required)
{
	json_t *x = json_object_get(in, name);

	if (take_string(v, in, out, name, 64, required) < 0)
		return -EINVAL;
	if (x != NULL && json_is_string(x) && !mgmt_res_is_key(json_string_value(x))) {
		verr(v, name, "must be 1-64 letters, digits, '-', '_' or '.'");
		json_object_del(out, name);
		return -EINVAL;
	}
	return 0;
}

/* The item of a list at @p i, which must be an object; sets the error path. */
static const json_t *
item(struct vctx *v, const char *list, size_t i, const json_t *x)
{
	snprintf(v->path, sizeof(v->path), "%s[%zu]", list, i);
	if (!json_is_object(x)) {
		verr(v, NULL, "must be an object");
		return NULL;
	}
	return x;
}

static int
check_conference(struct vctx *v, const json_t *in, json_t *out)
{
	int rc = 0;
	json_t *st;

	rc |= take_string(v, in, out, "name", 250, true);
	if (json_string_length(json_object_get(out, "name")) == 0 &&
	    json_object_get(out, "name") != NULL) {
		verr(v, "name", "must not be empty");
		rc = -EINVAL;
	}
	rc |= take_string(v, in, out, "service_type", 32, false);
	st = json_object_get(out, "service_type");
	if (st != NULL && !one_of(json_string_value(st), service_types)) {
		verr(v, "service_type",
		     "must be one of: conference, lecture, two_stage_dialing, test_call, gateway");
		rc = -EINVAL;
	}
	rc |= take_time(v, in, out, "start_time", false);
	rc |= take_bool(v, in, out, "is_locked");
	rc |= take_bool(v, in, out, "guests_muted");
	rc |= take_int(v, in, out, "participant_count", 0, 1000000, false);
	rc |= take_string(v, in, out, "tag", 250, false);
	rc |= take_string(v, in, out, "service_tag", 250, false);
	return rc ? -EINVAL : 0;
}

static int
check_participant(struct vctx *v, const json_t *in, json_t *out)
{
	const struct mgmt_resource *res = mgmt_res_lookup_in(mgmt_status_resources, "participant");
	int rc = 0;

	rc |= take_key(v, in, out, "id", true);
	if (json_is_string(json_object_get(in, "conference")) &&
	    json_string_length(json_object_get(in, "conference")) == 0) {
		verr(v, "conference", "must not be empty");
		rc = -EINVAL;
	}
	for (size_t i = 0; i < res->n_fields; i++) {
		const struct mgmt_field *f = &res->fields[i];

		if (strcmp(f->name, "node") == 0)
			continue; /* ours, from the token */
		switch (f->type) {
		case MGMT_FT_BOOL:
			rc |= take_bool(v, in, out, f->name);
			break;
		case MGMT_FT_INT:
			rc |= take_int(v, in, out, f->name, 0, INT64_MAX / 2, false);
			break;
		case MGMT_FT_REAL:
			rc |= take_real(v, in, out, f->name);
			break;
		case MGMT_FT_DATETIME:
			rc |= take_time(v, in, out, f->name, false);
			break;
		default:
			rc |= take_string(v, in, out, f->name, 250,
					  strcmp(f->name, "conference") == 0);
		}
	}
	return rc ? -EINVAL : 0;
}

static int
check_event(struct vctx *v, const json_t *in, json_t *out)
{
	json_t *t;
	int rc = 0;

	rc |= take_time(v, in, out, "time", true);
	rc |= take_string(v, in, out, "type", 64, true);
	t = json_object_get(out, "type");
	if (t != NULL && (json_string_length(t) == 0 ||
			  strspn(json_string_value(t), "abcdefghijklmnopqrstuvwxyz_") !=
				  json_string_length(t))) {
		verr(v, "type", "must be lowercase letters and _");
		rc = -EINVAL;
	}
	rc |= take_string(v, in, out, "conference", 250, false);
	rc |= take_key(v, in, out, "participant_id", false);
	rc |= take_string(v, in, out, "detail", 1024, false);
	/* alarm_raised / alarm_lowered: the guide's alarm name and what it is about. */
	rc |= take_string(v, in, out, "alarm", 250, false);
	rc |= take_string(v, in, out, "instance", 250, false);
	t = json_object_get(out, "type");
	if (t != NULL && (strcmp(json_string_value(t), "alarm_raised") == 0 ||
			  strcmp(json_string_value(t), "alarm_lowered") == 0) &&
	    json_string_length(json_object_get(out, "alarm")) == 0) {
		verr(v, "alarm", "required (the alarm's name) for alarm_raised and alarm_lowered");
		rc = -EINVAL;
	}
	return rc ? -EINVAL : 0;
}

static int
check_result(struct vctx *v, const json_t *in, json_t *out)
{
	json_t *s;
	int rc = 0;

	rc |= take_string(v, in, out, "id", MGMT_REPL_UUID_LEN, true);
	rc |= take_string(v, in, out, "status", 16, true);
	s = json_object_get(out, "status");
	if (s != NULL && strcmp(json_string_value(s), "success") != 0 &&
	    strcmp(json_string_value(s), "failure") != 0) {
		verr(v, "status", "must be success or failure");
		rc = -EINVAL;
	}
	rc |= take_string(v, in, out, "message", 1024, false);
	if (json_object_get(in, "result") != NULL)
		json_object_set(out, "result", json_object_get(in, "result"));
	return rc ? -EINVAL : 0;
}

typedef int (*check_item_fn)(struct vctx *v, const json_t *in, json_t *out);

static int
check_list(struct vctx *v, const json_t *body, json_t *norm, const char *name, check_item_fn fn)
{
	json_t *in = json_object_get(body, name), *out = json_array(), *x;
	size_t i;
	int rc = 0;

	json_object_set_new(norm, name, out);
	if (in == NULL || json_is_null(in))
		return 0;
	v->path[0] = '\0';
	if (!json_is_array(in)) {
		verr(v, name, "must be a list");
		return -EINVAL;
	}
	if (json_array_size(in) > MGMT_REPL_MAX_ITEMS) {
		verr(v, name, "too many items");
		return -EINVAL;
	}
	json_array_foreach(in, i, x)
	{
		json_t *o = json_object();

		if (item(v, name, i, x) == NULL || o == NULL || fn(v, x, o) < 0)
			rc = -EINVAL;
		json_array_append_new(out, o);
	}
	v->path[0] = '\0';
	return rc;
}

/* Normalise the whole report. @return the copy (owned), or NULL with errors added. */
static json_t *
check_report(const json_t *body, json_t *errors)
{
	struct vctx v = {.errors = errors};
	json_t *norm = json_object(), *load = json_object(), *lin = json_object_get(body, "load");
	int rc = 0;

	if (norm == NULL || load == NULL) {
		json_decref(norm);
		json_decref(load);
		mgmt_err_add(errors, "__all__", "out of memory");
		return NULL;
	}
	json_object_set_new(norm, "load", load);
	rc |= take_int(&v, body, norm, "config_version", 0, INT64_MAX / 2, true);
	rc |= check_list(&v, body, norm, "conferences", check_conference);
	rc |= check_list(&v, body, norm, "participants", check_participant);
	rc |= check_list(&v, body, norm, "events", check_event);
	rc |= check_list(&v, body, norm, "command_results", check_result);
	if (lin != NULL && !json_is_null(lin)) {
		if (!json_is_object(lin)) {
			verr(&v, "load", "must be an object");
			rc = -EINVAL;
		} else {
			snprintf(v.path, sizeof(v.path), "load");
			rc |= take_int(&v, lin, load, "media_ports_used", 0, 10000000, false);
			rc |= take_int(&v, lin, load, "media_ports_total", 0, 10000000, false);
			rc |= take_int(&v, lin, load, "conferences", 0, 10000000, false);
			rc |= take_int(&v, lin, load, "participants", 0, 10000000, false);
			rc |= take_real(&v, lin, load, "cpu_percent");
		}
	}
	if (rc != 0 || json_object_size(errors) > 0) {
		json_decref(norm);
		return NULL;
	}
	return norm;
}

/* ---- writing ------------------------------------------------------------------------ */

struct node_info {
	int64_t id;
	char name[256], address[64], location[256];
};

static int
node_info(sqlite3 *h, int64_t id, struct node_info *n)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(h,
			       "SELECT w.name, w.address, coalesce(l.name, '') FROM worker_vm w"
			       " LEFT JOIN system_location l ON l.id = w.system_location_id"
			       " WHERE w.id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n->id = id;
		snprintf(n->name, sizeof(n->name), "%s", sqlite3_column_text(st, 0));
		snprintf(n->address, sizeof(n->address), "%s", sqlite3_column_text(st, 1));
		snprintf(n->location, sizeof(n->location), "%s", sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -EIO;
}

static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static void
bind_json(sqlite3_stmt *st, int idx, const json_t *x)
{
	if (x == NULL || json_is_null(x))
		sqlite3_bind_null(st, idx);
	else if (json_is_string(x))
		sqlite3_bind_text(st, idx, json_string_value(x), -1, SQLITE_TRANSIENT);
	else if (json_is_integer(x))
		sqlite3_bind_int64(st, idx, json_integer_value(x));
	else if (json_is_real(x))
		sqlite3_bind_double(st, idx, json_real_value(x));
	else if (json_is_boolean(x))
		sqlite3_bind_int(st, idx, json_is_true(x));
	else
		sqlite3_bind_null(st, idx);
}

static const char *
jstr(const json_t *o, const char *k, const char *def)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : def;
}

/* The open history record of conference @p name, creating it. @return its id or -EIO. */
static int64_t
history_open(sqlite3 *h, const char *name, const char *time, const json_t *norm)
{
	const char *service_type = "conference", *tag = "";
	char instance[MGMT_REPL_UUID_LEN + 1];
	sqlite3_stmt *st;
	size_t i;
	json_t *c;
	int64_t id = -EIO;
	int rc;

	if (sqlite3_prepare_v2(h,
			       "SELECT id FROM history_conference WHERE name = ? AND"
			       " end_time IS NULL ORDER BY id DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return id;
	json_array_foreach(json_object_get(norm, "conferences"), i, c)
	{
		if (strcmp(jstr(c, "name", ""), name) == 0) {
			service_type = jstr(c, "service_type", service_type);
			tag = jstr(c, "tag", jstr(c, "service_tag", ""));
		}
	}
	if (mgmt_repl_uuid(instance) < 0 ||
	    sqlite3_prepare_v2(h,
			       "INSERT INTO history_conference (instance_id, name, service_type,"
			       " tag, start_time) VALUES (coalesce((SELECT id FROM"
			       " status_conference WHERE name = ?2), ?1), ?2, ?3, ?4, ?5)",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, service_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, tag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, time, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	id = sqlite3_last_insert_rowid(h);
	/* Keep the newest MGMT_REPL_HISTORY_KEEP conferences; their participants go too. */
	if (mgmt_db_exec(h, "DELETE FROM history_conference WHERE id <= (SELECT id FROM"
			    " history_conference ORDER BY id DESC LIMIT 1 OFFSET 10000)") < 0)
		return -EIO;
	return id;
}

/* The participant as last known: the previous report, else this one, else the event. */
static json_t *
participant_data(sqlite3 *h, const char *pid, const json_t *norm)
{
	const struct mgmt_resource *res = mgmt_res_lookup_in(mgmt_status_resources, "participant");
	json_t *o = NULL, *p;
	size_t i;

	if (mgmt_store_get_key(res, h, pid, &o) == 0)
		return o;
	json_array_foreach(json_object_get(norm, "participants"), i,
			   p) if (strcmp(jstr(p, "id", ""), pid) == 0) return json_incref(p);
	return json_object();
}

static int
history_participant(sqlite3 *h, int64_t conf, const json_t *ev, const json_t *p,
		    const struct node_info *node)
{
	static const char *const copy[] = {"display_name",
					   "remote_address",
					   "remote_port",
					   "protocol",
					   "role",
					   "call_direction",
					   "service_type",
					   "system_location",
					   "media_node",
					   "signalling_node",
					   "encryption",
					   "vendor",
					   "call_uuid",
					   "conversation_id",
					   "bandwidth",
					   "license_count",
					   "license_type",
					   "is_streaming",
					   "service_tag",
					   "rx_packets_lost",
					   "tx_packets_lost",
					   NULL};
	const char *end = jstr(ev, "time", ""), *start = jstr(p, "connect_time", end);
	bool out = strcmp(jstr(p, "call_direction", "in"), "out") == 0;
	char sql[1024];
	size_t n;
	sqlite3_stmt *st;
	int idx = 1, rc;

	n = (size_t)snprintf(sql, sizeof(sql),
			     "INSERT INTO history_participant (conference_id, participant_id,"
			     " conference_name, local_alias, remote_alias, start_time, end_time,"
			     " duration, disconnect_reason");
	for (int i = 0; copy[i] != NULL; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", %s", copy[i]);
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?");
	for (int i = 0; copy[i] != NULL; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", ?");
	snprintf(sql + n, sizeof(sql) - n, ")");
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, idx++, conf);
	sqlite3_bind_text(st, idx++, jstr(ev, "participant_id", ""), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, idx++, jstr(ev, "conference", jstr(p, "conference", "")), -1,
			  SQLITE_STATIC);
	/* Local = the platform's side of the call; remote = the endpoint's. */
	bind_json(st, idx++, json_object_get(p, out ? "source_alias" : "destination_alias"));
	bind_json(st, idx++, json_object_get(p, out ? "destination_alias" : "source_alias"));
	sqlite3_bind_text(st, idx++, start, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, idx++, end, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, idx++,
			   repl_seconds_between(start, end) > 0 ? repl_seconds_between(start, end)
								: 0);
	sqlite3_bind_text(st, idx++, jstr(ev, "detail", ""), -1, SQLITE_STATIC);
	for (int i = 0; copy[i] != NULL; i++) {
		const json_t *x = json_object_get(p, copy[i]);

		if (x == NULL && strcmp(copy[i], "media_node") == 0)
			sqlite3_bind_text(st, idx++, node->address, -1, SQLITE_STATIC);
		else if (x == NULL && strcmp(copy[i], "system_location") == 0)
			sqlite3_bind_text(st, idx++, node->location, -1, SQLITE_STATIC);
		else
			bind_json(st, idx++, x);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* Close the open record unless another node still hosts the conference. */
static int
history_close(sqlite3 *h, int64_t node, const char *name, const char *time)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(h,
			       "UPDATE history_conference SET end_time = ?1, duration = max(0,"
			       " CAST(round((julianday(?1) - julianday(start_time)) * 86400) AS"
			       " INTEGER)) WHERE name = ?2 AND end_time IS NULL AND NOT EXISTS"
			       " (SELECT 1 FROM status_conference c JOIN status_conference_node l"
			       " ON l.conference_id = c.id WHERE c.name = ?2 AND l.worker_vm_id"
			       " != ?3)",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, time, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, node);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static void
log_event(struct mgmt_repl *r, const struct node_info *node, const json_t *ev, const json_t *p)
{
	static const struct {
		const char *type, *message;
	} msgs[] = {
		{"participant_connected", "Participant has joined."},
		{"participant_disconnected", "Participant has disconnected."},
		{"conference_started", "Conference has been created."},
		{"conference_ended", "Conference has been stopped."},
		{"pin_failure", "Participant entered incorrect conference PIN"},
	};
	const char *type = jstr(ev, "type", ""), *message = NULL;
	json_t *params;

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (strcmp(msgs[i].type, type) == 0)
			message = msgs[i].message;
	params = json_pack("{s:s,s:s}", "Conference", jstr(ev, "conference", ""), "Node",
			   node->address);
	if (message == NULL) {
		message = "Node event.";
		json_object_set_new(params, "Type", json_string(type));
	}
	if (json_object_get(ev, "participant_id") != NULL) {
		json_object_set_new(params, "Participant-id",
				    json_string(jstr(ev, "participant_id", "")));
		json_object_set_new(params, "Participant",
				    json_string(jstr(p, "source_alias", "")));
		json_object_set_new(params, "DisplayName",
				    json_string(jstr(p, "display_name", "")));
		json_object_set_new(params, "Protocol", json_string(jstr(p, "protocol", "")));
		json_object_set_new(params, "Direction",
				    json_string(jstr(p, "call_direction", "")));
	}
	if (json_object_get(ev, "detail") != NULL)
		json_object_set_new(params, "Detail", json_string(jstr(ev, "detail", "")));
	/* The node is the system the event comes from, at the time it reported. */
	repl_log_at(r, node->address, jstr(ev, "time", NULL), "INFO", "administrator.conference",
		    message, params);
}

/*
 * Alarms a node raises itself (guide part 5 §6): the name it sends gives the
 * identifier and level; any other name is kept as "node_alarm". Their
 * identifiers are never the ones the monitor computes (mgmt_repl_tick()),
 * so the monitor leaves them alone: only the node's alarm_lowered clears them.
 */
static const struct {
	const char *name, *identifier, *level;
} node_alarms[] = {
	{"Call capacity limit reached", "call_capacity_limit_reached", "warning"},
	{"Connectivity lost between nodes", "node_connectivity_lost", "warning"},
	{"License limit reached", "license_limit_reached", "warning"},
};

static int
node_alarm(struct mgmt_repl *r, sqlite3 *h, const struct node_info *node, const json_t *ev)
{
	const char *name = jstr(ev, "alarm", ""), *ident = "node_alarm", *level = "warning";
	const char *inst = jstr(ev, "instance", node->name), *time = jstr(ev, "time", "");
	bool raise = strcmp(jstr(ev, "type", ""), "alarm_raised") == 0;
	sqlite3_stmt *st;
	int rc;

	for (size_t i = 0; i < sizeof(node_alarms) / sizeof(node_alarms[0]); i++)
		if (strcmp(node_alarms[i].name, name) == 0) {
			ident = node_alarms[i].identifier;
			level = node_alarms[i].level;
		}
	if (inst[0] == '\0')
		inst = node->name;
	rc = sqlite3_prepare_v2(h, raise ? "INSERT OR IGNORE INTO alarm (identifier, name, level,"
					   " node, instance, details, time_raised) VALUES"
					   " (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
					 : "UPDATE alarm SET time_lowered = ?7 WHERE identifier = ?1"
					   " AND instance = ?5 AND time_lowered IS NULL",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, ident, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, level, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, node->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, inst, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, jstr(ev, "detail", ""), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, time, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	if (sqlite3_changes(h) == 0)
		return 0; /* already active / not active: nothing changes, nothing logged */
	if (raise)
		TSR_WARN("mgmt.alarm", "alarm raised\tname=\"%s\" node=%s instance=\"%s\"", name,
			 node->name, inst);
	repl_log_at(r, node->address, time, raise ? "WARNING" : "INFO", "administrator.alarm",
		    raise ? "Alarm raised" : "Alarm lowered",
		    json_pack("{s:s,s:s,s:s,s:s}", "Name", name, "Node", node->name, "Instance",
			      inst, "Detail", jstr(ev, "detail", "")));
	return 0;
}

static int
apply_events(struct mgmt_repl *r, sqlite3 *h, const struct node_info *node, const json_t *norm)
{
	size_t i;
	json_t *ev;
	int rc = 0;

	json_array_foreach(json_object_get(norm, "events"), i, ev)
	{
		const char *type = jstr(ev, "type", ""), *conf = jstr(ev, "conference", NULL);
		const char *time = jstr(ev, "time", ""), *pid = jstr(ev, "participant_id", NULL);
		json_t *p = pid != NULL ? participant_data(h, pid, norm) : json_object();
		int64_t id;

		if (conf == NULL)
			conf = jstr(p, "conference", NULL);
		if (conf != NULL && (strcmp(type, "conference_started") == 0 ||
				     strcmp(type, "participant_connected") == 0)) {
			id = history_open(h, conf, time, norm);
			if (id < 0) {
				rc = -EIO;
			} else if (type[0] == 'p') {
				/* FR-HIST-3: every call counts, a rejoin again. */
				char sql[128];

				snprintf(sql, sizeof(sql),
					 "UPDATE history_conference SET participant_count ="
					 " participant_count + 1 WHERE id = %" PRId64,
					 id);
				rc = mgmt_db_exec(h, sql);
			}
		} else if (conf != NULL && pid != NULL &&
			   strcmp(type, "participant_disconnected") == 0) {
			id = history_open(h, conf, jstr(p, "connect_time", time), norm);
			rc = id < 0 ? -EIO : history_participant(h, id, ev, p, node);
		} else if (conf != NULL && strcmp(type, "conference_ended") == 0) {
			rc = history_close(h, node->id, conf, time);
		} else if (strcmp(type, "alarm_raised") == 0 || strcmp(type, "alarm_lowered") == 0) {
			rc = node_alarm(r, h, node, ev);
			json_decref(p);
			if (rc < 0)
				return rc;
			continue; /* its own administrator.alarm line */
		}
		log_event(r, node, ev, p);
		json_decref(p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
write_node(sqlite3 *h, int64_t node, const json_t *norm)
{
	const json_t *load = json_object_get(norm, "load");
	sqlite3_stmt *st;
	char now[32];
	int rc;

	mgmt_db_now(now, sizeof(now));
	if (sqlite3_prepare_v2(h,
			       "INSERT OR REPLACE INTO status_node (worker_vm_id, last_contact,"
			       " config_version, media_ports_used, media_ports_total,"
			       " conference_count, participant_count, cpu_percent) VALUES"
			       " (?, ?, ?, ?, ?, coalesce(?, ?), coalesce(?, ?), ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, node);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	bind_json(st, 3, json_object_get(norm, "config_version"));
	bind_json(st, 4, json_object_get(load, "media_ports_used"));
	bind_json(st, 5, json_object_get(load, "media_ports_total"));
	bind_json(st, 6, json_object_get(load, "conferences"));
	sqlite3_bind_int64(st, 7, (int64_t)json_array_size(json_object_get(norm, "conferences")));
	bind_json(st, 8, json_object_get(load, "participants"));
	sqlite3_bind_int64(st, 9, (int64_t)json_array_size(json_object_get(norm, "participants")));
	bind_json(st, 10, json_object_get(load, "cpu_percent"));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int
write_participants(sqlite3 *h, const struct node_info *node, const json_t *norm)
{
	const struct mgmt_resource *res = mgmt_res_lookup_in(mgmt_status_resources, "participant");
	char sql[4096], del[96];
	size_t n, i;
	sqlite3_stmt *st;
	json_t *p;
	int rc = 0;

	snprintf(del, sizeof(del), "DELETE FROM status_participant WHERE worker_vm_id = %" PRId64,
		 node->id);
	if (mgmt_db_exec(h, del) < 0)
		return -EIO;
	n = (size_t)snprintf(sql, sizeof(sql),
			     "INSERT OR REPLACE INTO status_participant (id, worker_vm_id");
	for (i = 0; i < res->n_fields; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", %s", res->fields[i].column);
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, ") VALUES (?, ?");
	for (i = 0; i < res->n_fields; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", ?");
	if (n + 2 >= sizeof(sql))
		return -ENOSPC;
	strcat(sql, ")");
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	json_array_foreach(json_object_get(norm, "participants"), i, p)
	{
		/* What the node left out: its own name, address and location. */
		sqlite3_bind_text(st, 1, jstr(p, "id", ""), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, node->id);
		for (size_t k = 0; k < res->n_fields; k++) {
			const char *name = res->fields[k].name;
			const json_t *x = json_object_get(p, name);

			if (strcmp(name, "node") == 0)
				sqlite3_bind_text(st, (int)k + 3, node->name, -1, SQLITE_STATIC);
			else if (x == NULL && (strcmp(name, "media_node") == 0 ||
					       strcmp(name, "signalling_node") == 0))
				sqlite3_bind_text(st, (int)k + 3, node->address, -1, SQLITE_STATIC);
			else if (x == NULL && strcmp(name, "system_location") == 0)
				sqlite3_bind_text(st, (int)k + 3, node->location, -1,
						  SQLITE_STATIC);
			else
				bind_json(st, (int)k + 3, x);
		}
		rc = step_done(st);
		sqlite3_clear_bindings(st);
		if (rc < 0)
			break;
	}
	sqlite3_finalize(st);
	if (rc == 0)
		/* Service type of the conference when the node did not say. */
		rc = mgmt_db_exec(h, "UPDATE status_participant SET service_type = (SELECT"
				     " c.service_type FROM status_conference c WHERE c.name ="
				     " status_participant.conference) WHERE service_type IS NULL");
	return rc;
}

static int
write_conferences(sqlite3 *h, const struct node_info *node, const json_t *norm)
{
	sqlite3_stmt *up = NULL, *link = NULL, *cnt = NULL;
	char sql[160], uuid[MGMT_REPL_UUID_LEN + 1];
	size_t i;
	json_t *c;
	int rc = 0;

	snprintf(sql, sizeof(sql),
		 "DELETE FROM status_conference_node WHERE worker_vm_id = %" PRId64, node->id);
	if (mgmt_db_exec(h, sql) < 0 ||
	    sqlite3_prepare_v2(h,
			       "INSERT INTO status_conference (id, name, service_type, start_time,"
			       " is_locked, guests_muted, tag) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
			       " ON CONFLICT (name) DO UPDATE SET service_type = ?3, start_time ="
			       " coalesce(min(start_time, ?4), start_time, ?4), is_locked = ?5,"
			       " guests_muted = ?6, tag = ?7",
			       -1, &up, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h,
			       "INSERT OR REPLACE INTO status_conference_node (conference_id,"
			       " worker_vm_id, participant_count) SELECT id, ?2, ?3 FROM"
			       " status_conference WHERE name = ?1",
			       -1, &link, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h,
			       "SELECT count(*) FROM status_participant WHERE worker_vm_id = ? AND"
			       " conference = ?",
			       -1, &cnt, NULL) != SQLITE_OK) {
		rc = -EIO;
		goto out;
	}
	json_array_foreach(json_object_get(norm, "conferences"), i, c)
	{
		const char *name = jstr(c, "name", "");
		int64_t count;

		if (mgmt_repl_uuid(uuid) < 0) {
			rc = -EIO;
			break;
		}
		sqlite3_bind_text(up, 1, uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(up, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(up, 3, jstr(c, "service_type", "conference"), -1, SQLITE_STATIC);
		bind_json(up, 4, json_object_get(c, "start_time"));
		sqlite3_bind_int(up, 5, json_is_true(json_object_get(c, "is_locked")));
		sqlite3_bind_int(up, 6, json_is_true(json_object_get(c, "guests_muted")));
		sqlite3_bind_text(up, 7, jstr(c, "tag", jstr(c, "service_tag", "")), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(cnt, 1, node->id);
		sqlite3_bind_text(cnt, 2, name, -1, SQLITE_STATIC);
		count = sqlite3_step(cnt) == SQLITE_ROW ? sqlite3_column_int64(cnt, 0) : 0;
		sqlite3_reset(cnt);
		if (json_object_get(c, "participant_count") != NULL)
			count = json_integer_value(json_object_get(c, "participant_count"));
		sqlite3_bind_text(link, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(link, 2, node->id);
		sqlite3_bind_int64(link, 3, count);
		if (step_done(up) < 0 || step_done(link) < 0) {
			rc = -EIO;
			break;
		}
	}
	if (rc == 0)
		rc = mgmt_db_exec(h, "DELETE FROM status_conference WHERE NOT EXISTS (SELECT 1"
				     " FROM status_conference_node l WHERE l.conference_id ="
				     " status_conference.id)");
out:
	sqlite3_finalize(up);
	sqlite3_finalize(link);
	sqlite3_finalize(cnt);
	return rc;
}

int
mgmt_repl_status(struct mgmt_repl *r, int64_t node, const json_t *body, json_t *errors,
		 json_t **commands)
{
	struct node_info info;
	json_t *norm = check_report(body, errors);
	sqlite3 *h;
	int rc;

	if (norm == NULL)
		return -EINVAL;
	h = mgmt_db_write_begin(r->db);
	if (h == NULL) {
		json_decref(norm);
		return -EIO;
	}
	rc = node_info(h, node, &info);
	if (rc == 0)
		rc = apply_events(r, h, &info, norm);
	if (rc == 0)
		rc = write_node(h, node, norm);
	if (rc == 0)
		rc = write_conferences(h, &info, norm);
	if (rc == 0)
		rc = write_participants(h, &info, norm);
	if (rc == 0)
		/* Links carry per-node counts; recount now that the participants are in. */
		rc = write_conferences(h, &info, norm);
	if (rc < 0) {
		TSR_WARN("mgmt.repl", "status report not stored\tworker_vm=%" PRId64 " err=\"%s\"",
			 node, sqlite3_errmsg(h));
		mgmt_db_write_end(r->db, false);
		json_decref(norm);
		return rc;
	}
	if (mgmt_db_write_end(r->db, true) < 0) {
		json_decref(norm);
		return -EIO;
	}
	repl_cmd_results(r, node, json_object_get(norm, "command_results"));
	json_decref(norm);
	*commands = repl_cmd_take(r, node);
	return *commands != NULL ? 0 : -ENOMEM;
}

/* ---- topology ------------------------------------------------------------------------ */

static json_t *
rows(sqlite3 *h, const char *sql, int64_t key, const char *skey)
{
	json_t *list = json_array();
	sqlite3_stmt *st;

	if (list == NULL || sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		json_decref(list);
		return NULL;
	}
	if (skey != NULL)
		sqlite3_bind_text(st, 1, skey, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, key);
	if (skey != NULL && key != 0)
		sqlite3_bind_int64(st, 2, key);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_object();

		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *name = sqlite3_column_name(st, i);

			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				json_object_set_new(
					o, name,
					strncmp(name, "is_", 3) == 0 ||
							strcmp(name, "in_sync") == 0 ||
							strcmp(name, "maintenance_mode") == 0
						? json_boolean(sqlite3_column_int64(st, i))
						: json_integer(sqlite3_column_int64(st, i)));
				break;
			case SQLITE_FLOAT:
				json_object_set_new(o, name,
						    json_real(sqlite3_column_double(st, i)));
				break;
			case SQLITE_NULL:
				json_object_set_new(o, name, json_null());
				break;
			default:
				json_object_set_new(
					o, name,
					json_string((const char *)sqlite3_column_text(st, i)));
			}
		}
		json_array_append_new(list, o);
	}
	sqlite3_finalize(st);
	return list;
}

json_t *
mgmt_repl_live(struct mgmt_repl *r)
{
	json_t *locations, *loc, *node, *conf;
	size_t i, j, k;
	sqlite3 *h = mgmt_db_read_begin(r->db);

	if (h == NULL)
		return NULL;
	locations = rows(h,
			 "SELECT name, (SELECT count(*) FROM worker_vm w WHERE"
			 " w.system_location_id = l.id) AS node_count FROM system_location l"
			 " WHERE id > ? ORDER BY name",
			 0, NULL);
	json_array_foreach(locations, i, loc)
	{
		json_t *nodes = rows(h,
				     "SELECT id, name, hostname, address, maintenance_mode,"
				     " contact_health, in_sync, config_version, media_load,"
				     " media_ports_used, media_ports_total FROM status_worker_vm"
				     " WHERE system_location = ? ORDER BY name",
				     0, jstr(loc, "name", ""));

		json_array_foreach(nodes, j, node)
		{
			json_t *confs = rows(
				h,
				"SELECT c.id, c.name, c.service_type, c.start_time, c.is_locked,"
				" l.participant_count FROM status_conference c JOIN"
				" status_conference_node l ON l.conference_id = c.id WHERE"
				" l.worker_vm_id = ? ORDER BY c.name",
				json_integer_value(json_object_get(node, "id")), NULL);

			json_array_foreach(confs, k, conf)
			{
				json_object_set_new(
					conf, "participants",
					rows(h,
					     "SELECT id, display_name, source_alias, role, "
					     "protocol,"
					     " is_muted, is_presenting, is_streaming FROM"
					     " status_participant WHERE conference = ?1 AND"
					     " worker_vm_id = ?2 ORDER BY connect_time, id",
					     json_integer_value(json_object_get(node, "id")),
					     jstr(conf, "name", "")));
			}
			json_object_set_new(node, "conferences", confs);
		}
		json_object_set_new(loc, "nodes", nodes);
	}
	mgmt_db_read_end(r->db, h);
	return locations != NULL ? json_pack("{s:o}", "locations", locations) : NULL;
}
