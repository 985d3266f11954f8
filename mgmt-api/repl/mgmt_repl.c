/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_repl.c - node enrolment, configuration snapshots, the command queue
 * and the node alarms.
 *
 * Context: any thread (HTTP workers, the monitor thread); see mgmt_repl.h.
 * The snapshot cache and the command list have their own mutexes, never
 * held while taking the database writer.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sqlite3.h>

#include "mgmt_res.h"
#include "mgmt_store.h"
#include "mgmt_repl_priv.h"
#include "tsr_log.h"

#define CMD_EXPIRE_S 60

/* Replicated resources, in the order of the snapshot's "objects". */
static const char *const replicated[] = {
	"conference", "conference_alias", "automatic_participant", "gateway_routing_rule",
	"end_user",   "device",           "system_location",       "worker_vm",
	"global",     "ivr_theme",        "sip_credential",        "syslog_server",
	"dns_server", "ntp_server",       "static_route",          NULL,
};

int
mgmt_repl_create(struct mgmt_db *db, struct mgmt_repl **out)
{
	struct mgmt_repl *r = calloc(1, sizeof(*r));
	sqlite3 *h;
	int rc;

	if (r == NULL)
		return -ENOMEM;
	r->db = db;
	r->contact_timeout_s = MGMT_REPL_CONTACT_TIMEOUT;
	r->sync_timeout_s = MGMT_REPL_SYNC_TIMEOUT;
	pthread_mutex_init(&r->snap_lock, NULL);
	pthread_mutex_init(&r->cmd_lock, NULL);
	/* The live status of a previous run is stale: nodes report again within a second. */
	h = mgmt_db_write_begin(db);
	if (h == NULL) {
		mgmt_repl_destroy(r);
		return -EIO;
	}
	rc = mgmt_db_exec(h, "DELETE FROM status_participant; DELETE FROM status_conference;"
			     " DELETE FROM status_node;");
	if (mgmt_db_write_end(db, rc == 0) < 0 || rc < 0) {
		mgmt_repl_destroy(r);
		return -EIO;
	}
	*out = r;
	return 0;
}

void
mgmt_repl_destroy(struct mgmt_repl *r)
{
	if (r == NULL)
		return;
	while (r->cmds != NULL) {
		struct repl_cmd *c = r->cmds;

		r->cmds = c->next;
		json_decref(c->args);
		json_decref(c->result);
		free(c);
	}
	free(r->snap_text);
	pthread_mutex_destroy(&r->snap_lock);
	pthread_mutex_destroy(&r->cmd_lock);
	free(r);
}

void
mgmt_repl_set_timeouts(struct mgmt_repl *r, unsigned int contact_s, unsigned int sync_s)
{
	r->contact_timeout_s = contact_s;
	r->sync_timeout_s = sync_s;
}

void
mgmt_repl_set_callbacks(struct mgmt_repl *r, mgmt_repl_wake_cb wake, void *wake_arg,
			mgmt_repl_log_cb log, void *log_arg)
{
	r->wake = wake;
	r->wake_arg = wake_arg;
	r->log = log;
	r->log_arg = log_arg;
}

void
repl_log_at(struct mgmt_repl *r, const char *system, const char *time, const char *level,
	    const char *module, const char *message, json_t *params)
{
	if (r->log != NULL)
		r->log(r->log_arg, system, time, level, module, message, params);
	json_decref(params);
}

void
repl_log(struct mgmt_repl *r, const char *level, const char *module, const char *message,
	 json_t *params)
{
	repl_log_at(r, NULL, NULL, level, module, message, params);
}

/* ---- time and ids ------------------------------------------------------------------- */

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -EINVAL;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

static int
format_time(time_t t, long usec, char *out, size_t cap)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1970)
		return -EINVAL;
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
	return 0;
}

/* "YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}][Z|+-HH:MM]" to seconds and microseconds. */
static int
parse_iso(const char *s, time_t *t, long *usec)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	long frac = 0, scale = 100000;

	if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 || *s++ != '-' ||
	    digits(&s, 2, &d) < 0 || (*s != 'T' && *s != ' ') || (s++, digits(&s, 2, &h)) < 0 ||
	    *s++ != ':' || digits(&s, 2, &mi) < 0 || *s++ != ':' || digits(&s, 2, &sec) < 0)
		return -EINVAL;
	if (*s == '.' || *s == ',') {
		int n = 0;

		for (s++; *s >= '0' && *s <= '9'; s++, n++) {
			if (n < 6) {
				frac += (*s - '0') * scale;
				scale /= 10;
			}
		}
		if (n == 0 || n > 9)
			return -EINVAL;
	}
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) < 0 || *s++ != ':' || digits(&s, 2, &om) < 0 || oh > 23 ||
		    om > 59)
			return -EINVAL;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = timegm(&tm);
	/* timegm() normalises 31 February: refuse what did not round-trip. */
	if (gmtime_r(t, &tm) == NULL || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -EINVAL;
	*t -= sign * (oh * 3600 + om * 60);
	*usec = frac;
	return 0;
}

int
mgmt_repl_time(const json_t *v, char *out, size_t cap)
{
	time_t t;
	long usec;

	if (cap < 27)
		return -EINVAL;
	if (json_is_string(v)) {
		if (json_string_length(v) > 40 || parse_iso(json_string_value(v), &t, &usec) < 0)
			return -EINVAL;
	} else if (json_is_number(v)) {
		double d = json_number_value(v);

		if (!isfinite(d) || d < 0 || d > 253402300799.0)
			return -EINVAL;
		t = (time_t)d;
		usec = (long)((d - (double)t) * 1e6);
	} else {
		return -EINVAL;
	}
	return format_time(t, usec, out, cap);
}

int64_t
repl_seconds_between(const char *a, const char *b)
{
	time_t ta, tb;
	long ua, ub;

	if (a == NULL || b == NULL || parse_iso(a, &ta, &ua) < 0 || parse_iso(b, &tb, &ub) < 0)
		return 0;
	return (int64_t)(tb - ta) + ((ub - ua) >= 500000 ? 1 : (ub - ua) < -500000 ? -1 : 0);
}

int
mgmt_repl_uuid(char *out)
{
	unsigned char b[16];

	if (gnutls_rnd(GNUTLS_RND_NONCE, b, sizeof(b)) != 0)
		return -EIO;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, MGMT_REPL_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
	return 0;
}

/* ---- enrolment ---------------------------------------------------------------------- */

static int
token_hash(const char *token, char *hex, size_t cap)
{
	unsigned char d[32];

	if (cap < 65 || gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), d) != 0)
		return -EIO;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

int
mgmt_repl_issue_token(struct mgmt_repl *r, int64_t worker_vm_id, char *token, size_t cap)
{
	unsigned char raw[32];
	char hash[65], now[32];
	sqlite3_stmt *st = NULL;
	sqlite3 *h;
	int rc;

	if (cap < MGMT_REPL_TOKEN_LEN + 1 || gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw)) != 0)
		return -EIO;
	for (int i = 0; i < 32; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	gnutls_memset(raw, 0, sizeof(raw));
	if (token_hash(token, hash, sizeof(hash)) < 0)
		return -EIO;
	mgmt_db_now(now, sizeof(now));
	h = mgmt_db_write_begin(r->db);
	if (h == NULL)
		return -EIO;
	rc = sqlite3_prepare_v2(h,
				"INSERT OR REPLACE INTO node_enrolment (worker_vm_id, token_hash,"
				" issued_at) SELECT id, ?, ? FROM worker_vm WHERE id = ?",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, worker_vm_id);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		mgmt_db_write_end(r->db, false);
		return -EIO;
	}
	if (sqlite3_changes(h) == 0) {
		mgmt_db_write_end(r->db, false);
		return -ENOENT;
	}
	if (mgmt_db_write_end(r->db, true) < 0)
		return -EIO;
	TSR_INFO("mgmt.repl", "enrolment token issued\tworker_vm=%" PRId64, worker_vm_id);
	return 0;
}

int
mgmt_repl_node_auth(struct mgmt_repl *r, const char *token, int64_t *worker_vm_id)
{
	char hash[65];
	sqlite3_stmt *st;
	sqlite3 *h;
	int rc;

	if (token == NULL || strlen(token) != MGMT_REPL_TOKEN_LEN ||
	    strspn(token, "0123456789abcdef") != MGMT_REPL_TOKEN_LEN)
		return -EACCES;
	if (token_hash(token, hash, sizeof(hash)) < 0)
		return -EIO;
	h = mgmt_db_read_begin(r->db);
	if (h == NULL)
		return -EIO;
	rc = sqlite3_prepare_v2(h, "SELECT worker_vm_id FROM node_enrolment WHERE token_hash = ?",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*worker_vm_id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	mgmt_db_read_end(r->db, h);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -EACCES : -EIO;
}

/* ---- snapshots ---------------------------------------------------------------------- */

static int
build_snapshot(struct mgmt_repl *r, char **text, int64_t *version)
{
	json_t *objects = json_object(), *doc = NULL, *list;
	struct mgmt_query q;
	int64_t total, v;
	sqlite3 *h;
	int rc = 0;

	if (objects == NULL)
		return -ENOMEM;
	h = mgmt_db_read_begin(r->db);
	if (h == NULL) {
		json_decref(objects);
		return -EIO;
	}
	v = mgmt_db_config_version_read(h);
	for (const char *const *n = replicated; *n != NULL && v > 0 && rc == 0; n++) {
		const struct mgmt_resource *res = mgmt_res_lookup(*n);

		list = NULL;
		if (res != NULL) {
			mgmt_query_init(&q, UINT32_MAX / 2, UINT32_MAX / 2);
			rc = mgmt_store_list(res, h, &q, &list, &total);
		} else {
			list = json_array();
		}
		if (rc == 0 && (list == NULL || json_object_set_new(objects, *n, list) < 0))
			rc = -ENOMEM;
	}
	mgmt_db_read_end(r->db, h);
	if (v < 0 || rc < 0) {
		json_decref(objects);
		return v < 0 ? -EIO : rc;
	}
	doc = json_pack("{s:I,s:o}", "version", (json_int_t)v, "objects", objects);
	*text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (*text == NULL)
		return -ENOMEM;
	*version = v;
	return 0;
}

int
mgmt_repl_snapshot(struct mgmt_repl *r, char **text, int64_t *version)
{
	int rc = 0;

	/* One builder at a time; pollers of the same version share its text. */
	pthread_mutex_lock(&r->snap_lock);
	if (r->snap_text == NULL || r->snap_version != mgmt_db_config_version(r->db)) {
		char *t = NULL;
		int64_t v = 0;

		rc = build_snapshot(r, &t, &v);
		if (rc == 0) {
			free(r->snap_text);
			r->snap_text = t;
			r->snap_version = v;
		}
	}
	if (rc == 0) {
		*text = strdup(r->snap_text);
		*version = r->snap_version;
		if (*text == NULL)
			rc = -ENOMEM;
	}
	pthread_mutex_unlock(&r->snap_lock);
	return rc;
}

/* ---- commands ----------------------------------------------------------------------- */

int
mgmt_repl_cmd_submit(struct mgmt_repl *r, int64_t node, const char *name, json_t *args, char *id)
{
	struct repl_cmd *c = calloc(1, sizeof(*c)), **tail;

	if (c == NULL)
		return -ENOMEM;
	if (mgmt_repl_uuid(c->id) < 0) {
		free(c);
		return -EIO;
	}
	c->node = node;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->args = json_incref(args);
	c->state = MGMT_REPL_CMD_QUEUED;
	clock_gettime(CLOCK_MONOTONIC, &c->created);
	memcpy(id, c->id, sizeof(c->id));
	pthread_mutex_lock(&r->cmd_lock);
	for (tail = &r->cmds; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = c; /* FIFO: a node gets its commands in the order they were given */
	pthread_mutex_unlock(&r->cmd_lock);
	TSR_INFO("mgmt.repl", "command queued\tid=%s command=%s worker_vm=%" PRId64, c->id, c->name,
		 node);
	return 0;
}

int
mgmt_repl_cmd_state(struct mgmt_repl *r, const char *id, char *message, size_t cap, json_t **result)
{
	int state = -ENOENT;

	if (result != NULL)
		*result = NULL;
	pthread_mutex_lock(&r->cmd_lock);
	for (struct repl_cmd *c = r->cmds; c != NULL; c = c->next) {
		if (strcmp(c->id, id) != 0)
			continue;
		state = (int)c->state;
		if (c->state >= MGMT_REPL_CMD_SUCCESS) {
			if (message != NULL)
				snprintf(message, cap, "%s", c->message);
			if (result != NULL && c->result != NULL)
				*result = json_incref(c->result);
		}
		break;
	}
	pthread_mutex_unlock(&r->cmd_lock);
	return state;
}

static void
cmd_free(struct repl_cmd *c)
{
	json_decref(c->args);
	json_decref(c->result);
	free(c);
}

void
mgmt_repl_cmd_forget(struct mgmt_repl *r, const char *id)
{
	pthread_mutex_lock(&r->cmd_lock);
	for (struct repl_cmd **p = &r->cmds; *p != NULL; p = &(*p)->next) {
		if (strcmp((*p)->id, id) == 0) {
			struct repl_cmd *c = *p;

			*p = c->next;
			cmd_free(c);
			break;
		}
	}
	pthread_mutex_unlock(&r->cmd_lock);
}

json_t *
repl_cmd_take(struct mgmt_repl *r, int64_t node)
{
	json_t *list = json_array();

	pthread_mutex_lock(&r->cmd_lock);
	for (struct repl_cmd *c = r->cmds; c != NULL && list != NULL; c = c->next) {
		if (c->node != node || c->state != MGMT_REPL_CMD_QUEUED)
			continue;
		if (json_array_append_new(list, json_pack("{s:s,s:s,s:O}", "id", c->id, "command",
							  c->name, "args", c->args)) == 0)
			c->state = MGMT_REPL_CMD_SENT;
	}
	pthread_mutex_unlock(&r->cmd_lock);
	return list;
}

void
repl_cmd_results(struct mgmt_repl *r, int64_t node, const json_t *results)
{
	size_t i;
	json_t *x;
	bool any = false;

	pthread_mutex_lock(&r->cmd_lock);
	json_array_foreach(results, i, x)
	{
		const char *id = json_string_value(json_object_get(x, "id"));
		const char *status = json_string_value(json_object_get(x, "status"));
		const char *msg = json_string_value(json_object_get(x, "message"));
		json_t *res = json_object_get(x, "result");

		for (struct repl_cmd *c = r->cmds; c != NULL; c = c->next) {
			if (strcmp(c->id, id) != 0 || c->node != node ||
			    c->state >= MGMT_REPL_CMD_SUCCESS)
				continue;
			c->state = strcmp(status, "success") == 0 ? MGMT_REPL_CMD_SUCCESS
								  : MGMT_REPL_CMD_FAILURE;
			snprintf(c->message, sizeof(c->message), "%s", msg != NULL ? msg : "");
			c->result = res != NULL ? json_incref(res) : NULL;
			any = true;
			TSR_INFO("mgmt.repl", "command done\tid=%s command=%s status=%s", c->id,
				 c->name, status);
		}
	}
	pthread_mutex_unlock(&r->cmd_lock);
	if (any && r->wake != NULL)
		r->wake(r->wake_arg);
}

static void
cmd_expire(struct mgmt_repl *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&r->cmd_lock);
	for (struct repl_cmd **p = &r->cmds; *p != NULL;) {
		struct repl_cmd *c = *p;

		if (now.tv_sec - c->created.tv_sec > CMD_EXPIRE_S) {
			*p = c->next;
			cmd_free(c);
		} else {
			p = &c->next;
		}
	}
	pthread_mutex_unlock(&r->cmd_lock);
}

/* ---- alarms ------------------------------------------------------------------------- */

struct alarm_cond {
	const char *identifier, *name, *level;
	char node[256], instance[256], details[256];
};

#define MAX_CONDS 1024
/* The alarms the monitor computes; the nodes' own (alarm_raised events) are not its to lower. */
#define MONITOR_ALARMS "('connectivity_lost', 'config_not_synchronized')"

/* What should be active now, from the nodes' last reports. @return count, or -EIO. */
static int
alarm_conditions(struct mgmt_repl *r, sqlite3 *h, struct alarm_cond *out, int cap)
{
	sqlite3_stmt *st;
	char now[32];
	int n = 0;
	int64_t version = mgmt_db_config_version_read(h), changed_ago;

	if (version < 0 ||
	    sqlite3_prepare_v2(
		    h,
		    "SELECT w.name, w.address, s.last_contact, e.issued_at,"
		    " s.config_version,"
		    " (julianday('now') - julianday((SELECT changed_at FROM config_state)))"
		    " * 86400 FROM worker_vm w LEFT JOIN status_node s ON"
		    " s.worker_vm_id = w.id LEFT JOIN node_enrolment e ON"
		    " e.worker_vm_id = w.id ORDER BY w.id",
		    -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	mgmt_db_now(now, sizeof(now));
	while (sqlite3_step(st) == SQLITE_ROW && n + 2 <= cap) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *addr = (const char *)sqlite3_column_text(st, 1);
		const char *last = (const char *)sqlite3_column_text(st, 2);
		const char *issued = (const char *)sqlite3_column_text(st, 3);
		const char *ref = last != NULL ? last : issued;
		int64_t node_version = sqlite3_column_int64(st, 4);

		changed_ago = (int64_t)sqlite3_column_double(st, 5);
		/* A node never enrolled is not expected to report yet. */
		if (ref != NULL && repl_seconds_between(ref, now) >= r->contact_timeout_s) {
			struct alarm_cond *c = &out[n++];

			*c = (struct alarm_cond){.identifier = "connectivity_lost",
						 .name = "Connectivity lost between nodes",
						 .level = "warning"};
			snprintf(c->node, sizeof(c->node), "%s", name);
			snprintf(c->instance, sizeof(c->instance), "%s", name);
			snprintf(c->details, sizeof(c->details),
				 "no status report from %s (%s) since %s", name, addr,
				 last != NULL ? last : "enrolment (never reported)");
		} else if (last != NULL && node_version != version &&
			   changed_ago >= r->sync_timeout_s) {
			struct alarm_cond *c = &out[n++];

			*c = (struct alarm_cond){.identifier = "config_not_synchronized",
						 .name = "Configuration not synchronized",
						 .level = "warning"};
			snprintf(c->node, sizeof(c->node), "%s", name);
			snprintf(c->instance, sizeof(c->instance), "%s", name);
			snprintf(c->details, sizeof(c->details),
				 "%s has configuration version %" PRId64 ", current is %" PRId64,
				 name, node_version, version);
		}
	}
	sqlite3_finalize(st);
	return n;
}

/* Is (identifier, instance) in the active set? */
static bool
cond_has(const struct alarm_cond *c, int n, const char *identifier, const char *instance)
{
	for (int i = 0; i < n; i++)
		if (strcmp(c[i].identifier, identifier) == 0 &&
		    strcmp(c[i].instance, instance) == 0)
			return true;
	return false;
}

/* Does the alarm table already match the conditions? */
static int
alarms_match(sqlite3 *h, const struct alarm_cond *c, int n)
{
	sqlite3_stmt *st;
	int active = 0, ok = 1;

	if (sqlite3_prepare_v2(h,
			       "SELECT identifier, instance FROM alarm WHERE time_lowered IS NULL"
			       " AND identifier IN " MONITOR_ALARMS,
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		active++;
		if (!cond_has(c, n, (const char *)sqlite3_column_text(st, 0),
			      (const char *)sqlite3_column_text(st, 1)))
			ok = 0;
	}
	sqlite3_finalize(st);
	return ok && active == n;
}

static void
alarm_apply(struct mgmt_repl *r, const struct alarm_cond *c, int n)
{
	sqlite3_stmt *lower = NULL, *raise = NULL, *sel = NULL;
	char now[32];
	sqlite3 *h = mgmt_db_write_begin(r->db);
	bool ok;

	if (h == NULL)
		return;
	mgmt_db_now(now, sizeof(now));
	ok = sqlite3_prepare_v2(h,
				"SELECT id, identifier, instance, name, node FROM alarm WHERE"
				" time_lowered IS NULL AND identifier IN " MONITOR_ALARMS,
				-1, &sel, NULL) == SQLITE_OK &&
	     sqlite3_prepare_v2(h, "UPDATE alarm SET time_lowered = ? WHERE id = ?", -1, &lower,
				NULL) == SQLITE_OK &&
	     sqlite3_prepare_v2(h,
				"INSERT OR IGNORE INTO alarm (identifier, name, level, node,"
				" instance, details, time_raised) VALUES (?, ?, ?, ?, ?, ?, ?)",
				-1, &raise, NULL) == SQLITE_OK;
	while (ok && sqlite3_step(sel) == SQLITE_ROW) {
		const char *ident = (const char *)sqlite3_column_text(sel, 1);
		const char *inst = (const char *)sqlite3_column_text(sel, 2);

		if (cond_has(c, n, ident, inst))
			continue;
		sqlite3_reset(lower);
		sqlite3_bind_text(lower, 1, now, -1, SQLITE_STATIC);
		sqlite3_bind_int64(lower, 2, sqlite3_column_int64(sel, 0));
		ok = sqlite3_step(lower) == SQLITE_DONE;
		repl_log(r, "INFO", "administrator.alarm", "Alarm lowered",
			 json_pack("{s:s,s:s}", "Name", (const char *)sqlite3_column_text(sel, 3),
				   "Node", (const char *)sqlite3_column_text(sel, 4)));
	}
	for (int i = 0; ok && i < n; i++) {
		sqlite3_reset(raise);
		sqlite3_bind_text(raise, 1, c[i].identifier, -1, SQLITE_STATIC);
		sqlite3_bind_text(raise, 2, c[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(raise, 3, c[i].level, -1, SQLITE_STATIC);
		sqlite3_bind_text(raise, 4, c[i].node, -1, SQLITE_STATIC);
		sqlite3_bind_text(raise, 5, c[i].instance, -1, SQLITE_STATIC);
		sqlite3_bind_text(raise, 6, c[i].details, -1, SQLITE_STATIC);
		sqlite3_bind_text(raise, 7, now, -1, SQLITE_STATIC);
		ok = sqlite3_step(raise) == SQLITE_DONE;
		if (ok && sqlite3_changes(h) > 0) {
			TSR_WARN("mgmt.alarm", "alarm raised\tname=\"%s\" node=%s", c[i].name,
				 c[i].node);
			repl_log(r, "WARNING", "administrator.alarm", "Alarm raised",
				 json_pack("{s:s,s:s,s:s}", "Name", c[i].name, "Node", c[i].node,
					   "Detail", c[i].details));
		}
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(lower);
	sqlite3_finalize(raise);
	mgmt_db_write_end(r->db, ok);
}

void
mgmt_repl_tick(struct mgmt_repl *r)
{
	struct alarm_cond *c = calloc(MAX_CONDS, sizeof(*c));
	sqlite3 *h;
	int n, same = 1;

	cmd_expire(r);
	if (c == NULL)
		return;
	h = mgmt_db_read_begin(r->db);
	if (h == NULL) {
		free(c);
		return;
	}
	n = alarm_conditions(r, h, c, MAX_CONDS);
	if (n >= 0)
		same = alarms_match(h, c, n);
	mgmt_db_read_end(r->db, h);
	/* Take the writer only when something changes. */
	if (n >= 0 && same == 0)
		alarm_apply(r, c, n);
	free(c);
}
