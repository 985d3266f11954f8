/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_sync.c - configuration replication and status reporting (cp_sync.h).
 *
 * Shared state between the main loop and the two threads is under `lock`:
 * the pending replica (config thread -> main), the latest status snapshot,
 * unsent events and command results (main -> status thread), and received
 * commands (status thread -> main). jansson values cross threads only under
 * the lock or as references nobody modifies any more (jansson's reference
 * counts are atomic).
 *
 * Context: see cp_sync.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "cp_ctl.h"
#include "cp_media.h"
#include "cp_replica.h"
#include "cp_sip.h"
#include "cp_svc.h"
#include "cp_sync.h"
#include "tsr_log.h"

#define LOG_COMP "cp.sync"
#define SYNC_WAIT_S 25
#define RETRY_S 3
#define BODY_MAX (32u << 20) /* largest configuration document accepted */
#define EVENTS_MAX 10000

struct cp_sync {
	su_root_t *root;
	struct cp_sip *sip;
	char url[512];
	char auth[600]; /* "Authorization: Bearer <token>" (secret) */
	char cacert[512];
	char db_path[512];
	char node_name[64];
	int efd;
	int reg;
	su_timer_t *status_timer;
	pthread_t cfg_thread, status_thread;
	bool cfg_started, status_started;
	volatile int stop;

	struct cp_replica *current; /* main loop only */
	long long version;	    /* main loop: version in force */
	long long seen;		    /* config thread: last version fetched */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cp_replica *pending; /* valid new configuration, not swapped in yet */
	long long pending_version;
	json_t *status;	  /* latest snapshot for the status thread */
	json_t *events;	  /* unsent events */
	json_t *results;  /* unsent command results */
	json_t *commands; /* received, not run yet */
	bool connected;
};

struct buf {
	char *p;
	size_t n;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t add = size * nmemb;
	char *np;

	if (b->n + add > BODY_MAX)
		return 0; /* aborts the transfer */
	np = realloc(b->p, b->n + add + 1);
	if (np == NULL)
		return 0;
	memcpy(np + b->n, ptr, add);
	b->p = np;
	b->n += add;
	b->p[b->n] = '\0';
	return add;
}

static int
on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct cp_sync *y = ud;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return __atomic_load_n(&y->stop, __ATOMIC_ACQUIRE) ? 1 : 0;
}

/* One HTTPS request. @return HTTP status, or -1 on transport failure. */
static long
http(struct cp_sync *y, CURL *c, const char *path, const char *post, long timeout_s,
     struct buf *out)
{
	struct curl_slist *h = NULL;
	char url[1024];
	long code = -1;

	snprintf(url, sizeof(url), "%s%s", y->url, path);
	h = curl_slist_append(h, y->auth);
	if (post != NULL)
		h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, y);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	if (y->cacert[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, y->cacert);
	if (post != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	return code;
}

static void
wake_main(struct cp_sync *y)
{
	uint64_t one = 1;

	if (write(y->efd, &one, sizeof(one)) < 0)
		TSR_WARN(LOG_COMP, "cannot wake the main loop");
}

/* Sleep up to @p s seconds, waking early on stop. */
static void
nap(struct cp_sync *y, int s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += s;
	pthread_mutex_lock(&y->lock);
	while (!__atomic_load_n(&y->stop, __ATOMIC_ACQUIRE) &&
	       pthread_cond_timedwait(&y->cond, &y->lock, &ts) == 0)
		;
	pthread_mutex_unlock(&y->lock);
}

/* ------------------------------------------------------- replica database */

static int
db_open(const char *path, sqlite3 **db)
{
	const char *ddl = "PRAGMA journal_mode=WAL;"
			  "CREATE TABLE IF NOT EXISTS replica ("
			  " id INTEGER PRIMARY KEY CHECK (id = 1),"
			  " version INTEGER NOT NULL,"
			  " document TEXT NOT NULL,"
			  " stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));";

	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		    SQLITE_OK ||
	    sqlite3_busy_timeout(*db, 2000) != SQLITE_OK ||
	    sqlite3_exec(*db, ddl, NULL, NULL, NULL) != SQLITE_OK) {
		TSR_ERR(LOG_COMP, "cannot open the replica database\tpath=%s error=\"%s\"", path,
			*db ? sqlite3_errmsg(*db) : "out of memory");
		sqlite3_close(*db);
		*db = NULL;
		return -EIO;
	}
	return 0;
}

static int
db_store(const char *path, long long version, const char *doc)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc;

	if (db_open(path, &db) < 0)
		return -EIO;
	rc = sqlite3_prepare_v2(db,
				"INSERT INTO replica (id, version, document) VALUES (1, ?, ?) "
				"ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
				"document = excluded.document, "
				"stored_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, version);
		sqlite3_bind_text(st, 2, doc, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	if (rc != SQLITE_OK)
		TSR_ERR(LOG_COMP, "cannot store the replica\tpath=%s error=\"%s\"", path,
			sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -EIO;
}

int
cp_sync_load(const char *path, struct cp_replica **out, char *err, size_t errcap)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	json_t *doc = NULL;
	long long version = 0;
	int rc = 0;

	*out = NULL;
	if (db_open(path, &db) < 0) {
		snprintf(err, errcap, "cannot open %s", path);
		return -EIO;
	}
	if (sqlite3_prepare_v2(db, "SELECT version, document FROM replica WHERE id = 1", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		version = sqlite3_column_int64(st, 0);
		doc = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		if (doc == NULL) {
			snprintf(err, errcap, "stored document is not JSON");
			rc = -EINVAL;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (doc != NULL) {
		rc = cp_replica_from_json(doc, out, err, errcap);
		if (rc == 0)
			(*out)->version = version;
		json_decref(doc);
	}
	return rc;
}

/* ---------------------------------------------------------------- threads */

static void
take_config(struct cp_sync *y, json_t *reply, const char *text)
{
	json_t *ver = json_object_get(reply, "version"), *objs = json_object_get(reply, "objects");
	struct cp_replica *r = NULL;
	char err[256] = "";
	char *doc;

	if (!json_is_integer(ver)) {
		TSR_WARN(LOG_COMP, "config reply without a version\tbytes=%zu", strlen(text));
		return;
	}
	if (json_integer_value(ver) < y->seen)
		TSR_WARN(LOG_COMP, "configuration version went back (management database "
			 "restored?)\tseen=%lld now=%lld", y->seen, (long long)json_integer_value(ver));
	y->seen = json_integer_value(ver);
	if (!json_is_object(objs))
		return; /* no change */
	if (cp_replica_from_json(objs, &r, err, sizeof(err)) < 0) {
		TSR_ERR(LOG_COMP, "configuration rejected, keeping the one in force\tversion=%lld "
			"error=\"%s\"", y->seen, err);
		return;
	}
	r->version = y->seen;
	doc = json_dumps(objs, JSON_COMPACT);
	if (doc == NULL || db_store(y->db_path, y->seen, doc) < 0)
		TSR_WARN(LOG_COMP, "configuration not persisted, applying it anyway\tversion=%lld",
			 y->seen);
	free(doc);
	pthread_mutex_lock(&y->lock);
	cp_replica_destroy(y->pending);
	y->pending = r;
	y->pending_version = y->seen;
	pthread_mutex_unlock(&y->lock);
	wake_main(y);
}

static void *
cfg_main(void *arg)
{
	struct cp_sync *y = arg;
	CURL *c = curl_easy_init();
	bool was_up = true;

	while (c != NULL && !__atomic_load_n(&y->stop, __ATOMIC_ACQUIRE)) {
		struct buf b = {0};
		char path[128];
		json_t *reply;
		long code;

		snprintf(path, sizeof(path), "/api/internal/v1/config?since=%lld&wait=%d", y->seen,
			 SYNC_WAIT_S);
		code = http(y, c, path, NULL, SYNC_WAIT_S + 15, &b);
		if (code != 200) {
			if (was_up || code == 401)
				TSR_WARN(LOG_COMP, "management node not reachable, serving from the "
					 "replica\turl=%s status=%ld", y->url, code);
			was_up = false;
			free(b.p);
			nap(y, RETRY_S);
			continue;
		}
		if (!was_up)
			TSR_INFO(LOG_COMP, "management node reachable again\turl=%s", y->url);
		was_up = true;
		reply = b.p ? json_loads(b.p, 0, NULL) : NULL;
		if (reply == NULL) {
			TSR_WARN(LOG_COMP, "config reply is not JSON\tbytes=%zu", b.n);
			nap(y, RETRY_S);
		} else {
			take_config(y, reply, b.p);
		}
		json_decref(reply);
		free(b.p);
	}
	curl_easy_cleanup(c);
	return NULL;
}

static void *
status_main(void *arg)
{
	struct cp_sync *y = arg;
	CURL *c = curl_easy_init();
	long last_code = 200;

	while (c != NULL && !__atomic_load_n(&y->stop, __ATOMIC_ACQUIRE)) {
		struct buf b = {0};
		size_t n_events, n_results;
		json_t *body, *reply, *cmd;
		char *text;
		long code;
		size_t i;

		pthread_mutex_lock(&y->lock);
		body = y->status ? json_deep_copy(y->status) : NULL;
		n_events = json_array_size(y->events);
		n_results = json_array_size(y->results);
		if (body != NULL) {
			json_object_set_new(body, "events", json_deep_copy(y->events));
			json_object_set_new(body, "command_results", json_deep_copy(y->results));
		}
		pthread_mutex_unlock(&y->lock);
		text = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		code = text ? http(y, c, "/api/internal/v1/status", text, 10, &b) : -1;
		free(text);
		reply = code == 200 && b.p ? json_loads(b.p, 0, NULL) : NULL;
		if (code != 200 && code != last_code)
			TSR_WARN(LOG_COMP, "status report refused\tstatus=%ld reply=\"%.300s\"", code,
				 b.p ? b.p : "");
		last_code = code;
		pthread_mutex_lock(&y->lock);
		y->connected = code == 200;
		if (code == 200 || code == 400) {
			/*
			 * What was sent is acknowledged, or refused as malformed (sending it
			 * again would be refused again and block every later report): drop it,
			 * newer entries stay.
			 */
			if (code == 400)
				TSR_ERR(LOG_COMP, "status report refused, its events are dropped\t"
					"events=%zu results=%zu", n_events, n_results);
			for (i = 0; i < n_events; i++)
				json_array_remove(y->events, 0);
			for (i = 0; i < n_results; i++)
				json_array_remove(y->results, 0);
		}
		json_array_foreach(json_object_get(reply, "commands"), i, cmd)
			json_array_append(y->commands, cmd);
		pthread_mutex_unlock(&y->lock);
		if (json_array_size(json_object_get(reply, "commands")) > 0)
			wake_main(y);
		json_decref(reply);
		free(b.p);
		nap(y, code == 200 ? 1 : RETRY_S);
	}
	curl_easy_cleanup(c);
	return NULL;
}

/* -------------------------------------------------------------- main loop */

static void
on_status_timer(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct cp_sync *y = (struct cp_sync *)arg;
	json_t *st = cp_svc_status(y->sip->svc), *ev = cp_svc_events_take(y->sip->svc);
	size_t i;
	json_t *e;

	unsigned int used = 0, total = 0;

	(void)magic;
	(void)t;
	cp_media_port_usage(y->sip->media, &used, &total);
	cp_media_ping(y->sip->media); /* liveness of the data plane and its capacity */
	if (st != NULL) {
		json_object_set_new(st, "node", json_string(y->node_name));
		json_object_set_new(st, "config_version", json_integer(y->version));
		json_object_set_new(
			st, "load",
			json_pack("{s:i, s:i, s:i, s:i, s:i}", "participants",
				  (int)json_array_size(json_object_get(st, "participants")),
				  "conferences",
				  (int)json_array_size(json_object_get(st, "conferences")),
				  "media_ports_used", (int)used, "media_ports_total", (int)total,
				  "capacity_units", (int)cp_media_capacity(y->sip->media)));
	}
	pthread_mutex_lock(&y->lock);
	json_decref(y->status);
	y->status = st;
	json_array_foreach(ev, i, e) {
		if (json_array_size(y->events) >= EVENTS_MAX)
			json_array_remove(y->events, 0);
		json_array_append(y->events, e);
	}
	pthread_mutex_unlock(&y->lock);
	json_decref(ev);
	/* One-shot, re-armed here: every second while the loop runs. */
	if (t != NULL)
		su_timer_set(y->status_timer, on_status_timer, (su_timer_arg_t *)y);
}

static int
on_wake(su_root_magic_t *magic, su_wait_t *w, su_wakeup_arg_t *arg)
{
	struct cp_sync *y = (struct cp_sync *)arg;
	struct cp_replica *r;
	json_t *cmds, *cmd;
	uint64_t v;
	size_t i;

	(void)magic;
	(void)w;
	if (read(y->efd, &v, sizeof(v)) < 0)
		return 0;
	pthread_mutex_lock(&y->lock);
	r = y->pending;
	y->pending = NULL;
	cmds = y->commands;
	y->commands = json_array();
	pthread_mutex_unlock(&y->lock);
	if (r != NULL) {
		TSR_INFO(LOG_COMP, "configuration updated\tversion=%lld previous=%lld services=%u "
			 "aliases=%u rules=%u", r->version, y->version, r->n_services, r->n_aliases,
			 r->n_rules);
		/* Calls keep copies of what they use: the old replica can go now. */
		y->sip->replica = r;
		cp_replica_destroy(y->current);
		y->current = r;
		y->version = r->version;
	}
	json_array_foreach(cmds, i, cmd) {
		const char *id = json_string_value(json_object_get(cmd, "id"));
		const char *name = json_string_value(json_object_get(cmd, "command"));
		char msg[200];
		int rc;

		rc = name ? cp_cmd_run(y->sip, name, json_object_get(cmd, "args"), msg, sizeof(msg)) :
			    -EINVAL;
		if (name == NULL)
			snprintf(msg, sizeof(msg), "command without a name");
		TSR_INFO(LOG_COMP, "management command\tcommand=%s id=%s status=%s message=\"%s\"",
			 name ? name : "-", id ? id : "-", rc == 0 ? "success" : "failure", msg);
		pthread_mutex_lock(&y->lock);
		json_array_append_new(y->results,
				      json_pack("{s:s, s:s, s:s}", "id", id ? id : "", "status",
						rc == 0 ? "success" : "failure", "message", msg));
		pthread_mutex_unlock(&y->lock);
	}
	json_decref(cmds);
	return 0;
}

long long *
cp_sync_version(struct cp_sync *y)
{
	return &y->version;
}

int
cp_sync_start(su_root_t *root, const struct cp_sync_cfg *cfg, struct cp_sip *s,
	      struct cp_replica *current, struct cp_sync **out)
{
	struct cp_sync *y = calloc(1, sizeof(*y));
	su_wait_t w[1];
	size_t n;

	if (y == NULL)
		return -ENOMEM;
	y->efd = -1;
	y->root = root;
	y->sip = s;
	y->current = current;
	y->version = current ? current->version : 0;
	y->seen = y->version;
	snprintf(y->url, sizeof(y->url), "%s", cfg->mgmt_url);
	n = strlen(y->url);
	while (n > 0 && y->url[n - 1] == '/')
		y->url[--n] = '\0';
	snprintf(y->auth, sizeof(y->auth), "Authorization: Bearer %s", cfg->token);
	snprintf(y->cacert, sizeof(y->cacert), "%s", cfg->cacert ? cfg->cacert : "");
	snprintf(y->db_path, sizeof(y->db_path), "%s", cfg->replica_db);
	snprintf(y->node_name, sizeof(y->node_name), "%s", cfg->node_name);
	pthread_mutex_init(&y->lock, NULL);
	pthread_cond_init(&y->cond, NULL);
	y->events = json_array();
	y->results = json_array();
	y->commands = json_array();
	y->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	y->status_timer = su_timer_create(su_root_task(root), 1000);
	if (y->efd < 0 || y->status_timer == NULL || su_wait_create(w, y->efd, SU_WAIT_IN) < 0 ||
	    (y->reg = su_root_register(root, w, on_wake, (su_wakeup_arg_t *)y, 0)) <= 0) {
		y->reg = 0;
		y->current = NULL; /* the caller keeps it on failure */
		cp_sync_stop(y);
		return -EIO;
	}
	on_status_timer(NULL, NULL, (su_timer_arg_t *)y);
	su_timer_set(y->status_timer, on_status_timer, (su_timer_arg_t *)y);
	y->cfg_started = pthread_create(&y->cfg_thread, NULL, cfg_main, y) == 0;
	y->status_started = pthread_create(&y->status_thread, NULL, status_main, y) == 0;
	if (!y->cfg_started || !y->status_started) {
		y->current = NULL;
		cp_sync_stop(y);
		return -EIO;
	}
	TSR_INFO(LOG_COMP, "replication started\turl=%s version=%lld replica_db=%s", y->url,
		 y->version, y->db_path);
	*out = y;
	return 0;
}

void
cp_sync_stop(struct cp_sync *y)
{
	if (y == NULL)
		return;
	__atomic_store_n(&y->stop, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&y->lock);
	pthread_cond_broadcast(&y->cond);
	pthread_mutex_unlock(&y->lock);
	if (y->cfg_started)
		pthread_join(y->cfg_thread, NULL);
	if (y->status_started)
		pthread_join(y->status_thread, NULL);
	if (y->reg > 0)
		su_root_deregister(y->root, y->reg);
	if (y->status_timer != NULL)
		su_timer_destroy(y->status_timer);
	if (y->efd >= 0)
		close(y->efd);
	cp_replica_destroy(y->pending);
	cp_replica_destroy(y->current);
	json_decref(y->status);
	json_decref(y->events);
	json_decref(y->results);
	json_decref(y->commands);
	pthread_mutex_destroy(&y->lock);
	pthread_cond_destroy(&y->cond);
	explicit_bzero(y->auth, sizeof(y->auth));
	free(y);
}
