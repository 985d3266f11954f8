/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_metrics.c - counters, histogram and the text exposition.
 *
 * Requests are counted per method (GET, HEAD, POST, PUT, PATCH, DELETE,
 * other) and status code (100-599), one latency histogram for all of
 * them. Everything else is read from the database at scrape time.
 *
 * Context: see mgmt_metrics.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "mgmt_metrics.h"

#define N_METHODS 7
#define N_CODES 500 /* 100..599 */

static const char *const methods[N_METHODS] = {"GET",   "HEAD",   "POST", "PUT",
					       "PATCH", "DELETE", "other"};
/* Upper bounds in seconds; the last bucket is +Inf. */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define N_BUCKETS (sizeof(bounds) / sizeof(bounds[0]) + 1)

struct mgmt_metrics {
	atomic_uint_fast64_t requests[N_METHODS][N_CODES];
	atomic_uint_fast64_t buckets[N_BUCKETS]; /* not cumulative; summed when rendered */
	atomic_uint_fast64_t sum_us;
	time_t started;
};

int
mgmt_metrics_create(struct mgmt_metrics **out)
{
	struct mgmt_metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return -ENOMEM;
	m->started = time(NULL);
	*out = m;
	return 0;
}

void
mgmt_metrics_destroy(struct mgmt_metrics *m)
{
	free(m);
}

void
mgmt_metrics_request(struct mgmt_metrics *m, const char *method, unsigned int status,
		     double seconds)
{
	size_t k = N_METHODS - 1, b = 0;

	if (m == NULL)
		return;
	for (size_t i = 0; i < N_METHODS - 1; i++)
		if (strcmp(methods[i], method) == 0)
			k = i;
	if (status >= 100 && status <= 599)
		atomic_fetch_add_explicit(&m->requests[k][status - 100], 1, memory_order_relaxed);
	while (b < N_BUCKETS - 1 && seconds > bounds[b])
		b++;
	atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us, (uint64_t)(seconds > 0 ? seconds * 1e6 : 0),
				  memory_order_relaxed);
}

struct text {
	char *p;
	size_t n, cap;
	bool oom;
};

static void __attribute__((format(printf, 2, 3)))
add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int w;

	for (;;) {
		va_start(ap, fmt);
		w = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
		va_end(ap);
		if (w < 0) {
			t->oom = true;
			return;
		}
		if ((size_t)w < t->cap - t->n) {
			t->n += (size_t)w;
			return;
		}
		{
			size_t cap = t->cap * 2 + (size_t)w;
			char *p = realloc(t->p, cap);

			if (p == NULL) {
				t->oom = true;
				return;
			}
			t->p = p;
			t->cap = cap;
		}
	}
}

static int64_t
scalar(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* One gauge family per GROUP BY query: "SELECT label, count FROM ...". */
static void
grouped(struct text *t, sqlite3 *h, const char *name, const char *help, const char *label,
	const char *sql, const char *const *always)
{
	sqlite3_stmt *st;
	bool seen[8] = {false};

	add(t, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		for (size_t i = 0; always != NULL && always[i] != NULL && i < 8; i++)
			if (v != NULL && strcmp(always[i], v) == 0)
				seen[i] = true;
		/* Label values come from constrained columns (states, levels): no escaping needed
		 * beyond refusing what would break the line. */
		if (v == NULL || strpbrk(v, "\"\\\n") != NULL)
			continue;
		add(t, "%s{%s=\"%s\"} %lld\n", name, label, v, (long long)sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	for (size_t i = 0; always != NULL && always[i] != NULL && i < 8; i++)
		if (!seen[i])
			add(t, "%s{%s=\"%s\"} 0\n", name, label, always[i]);
}

static void
gauge(struct text *t, const char *name, const char *help, int64_t v)
{
	add(t, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, (long long)v);
}

static const char *const node_states[] = {"ok", "stale", "lost", "never", NULL};
static const char *const alarm_levels[] = {"critical", "error", "warning", NULL};

static void
render_db(struct text *t, sqlite3 *h)
{
	static const char *const resources[][2] = {
		{"conference", "conference"},       {"conference_alias", "conference_alias"},
		{"automatic_participant", "automatic_participant"},
		{"gateway_routing_rule", "gateway_routing_rule"},
		{"device", "device"},               {"end_user", "end_user"},
		{"system_location", "system_location"}, {"worker_vm", "worker_vm"},
	};

	grouped(t, h, "tessera_mgmt_nodes", "Conferencing Nodes by contact health.", "state",
		"SELECT contact_health, count(*) FROM status_worker_vm GROUP BY contact_health",
		node_states);
	gauge(t, "tessera_mgmt_nodes_in_sync",
	      "Conferencing Nodes reporting the current configuration version.",
	      scalar(h, "SELECT count(*) FROM status_worker_vm WHERE in_sync"));
	gauge(t, "tessera_mgmt_conferences", "Live conferences reported by the nodes.",
	      scalar(h, "SELECT count(*) FROM status_conference_view"));
	gauge(t, "tessera_mgmt_participants", "Live participants reported by the nodes.",
	      scalar(h, "SELECT count(*) FROM status_participant"));
	grouped(t, h, "tessera_mgmt_alarms", "Active alarms by level.", "level",
		"SELECT level, count(*) FROM alarm WHERE time_lowered IS NULL GROUP BY level",
		alarm_levels);
	gauge(t, "tessera_mgmt_config_version", "Current configuration version.",
	      scalar(h, "SELECT version FROM config_state"));
	add(t, "# HELP tessera_mgmt_config_objects Configuration objects by resource.\n"
	       "# TYPE tessera_mgmt_config_objects gauge\n");
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++) {
		char sql[96];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", resources[i][1]);
		add(t, "tessera_mgmt_config_objects{resource=\"%s\"} %lld\n", resources[i][0],
		    (long long)scalar(h, sql));
	}
	gauge(t, "tessera_mgmt_history_conferences", "Conferences kept in the history.",
	      scalar(h, "SELECT count(*) FROM history_conference"));
}

static void
render_http(struct text *t, struct mgmt_metrics *m)
{
	uint64_t cum = 0, count = 0;

	add(t, "# HELP tessera_mgmt_http_requests_total HTTP requests answered, by method and "
	       "status code.\n# TYPE tessera_mgmt_http_requests_total counter\n");
	for (size_t k = 0; k < N_METHODS; k++)
		for (size_t c = 0; c < N_CODES; c++) {
			uint64_t v = atomic_load_explicit(&m->requests[k][c], memory_order_relaxed);

			if (v > 0)
				add(t,
				    "tessera_mgmt_http_requests_total{method=\"%s\",code=\"%zu\"} "
				    "%" PRIu64 "\n",
				    methods[k], c + 100, v);
		}
	add(t, "# HELP tessera_mgmt_http_request_duration_seconds Time to answer a request.\n"
	       "# TYPE tessera_mgmt_http_request_duration_seconds histogram\n");
	for (size_t b = 0; b < N_BUCKETS; b++) {
		cum += atomic_load_explicit(&m->buckets[b], memory_order_relaxed);
		if (b < N_BUCKETS - 1)
			add(t, "tessera_mgmt_http_request_duration_seconds_bucket{le=\"%g\"} %" PRIu64
			       "\n",
			    bounds[b], cum);
		else
			add(t,
			    "tessera_mgmt_http_request_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64
			    "\n",
			    cum);
	}
	count = cum;
	add(t, "tessera_mgmt_http_request_duration_seconds_sum %.6f\n",
	    (double)atomic_load_explicit(&m->sum_us, memory_order_relaxed) / 1e6);
	add(t, "tessera_mgmt_http_request_duration_seconds_count %" PRIu64 "\n", count);
}

int
mgmt_metrics_render(struct mgmt_metrics *m, struct mgmt_db *db, struct mgmt_log *log,
		    char **out, size_t *len)
{
	struct text t = {.p = malloc(8192), .cap = 8192};
	struct mgmt_log_stats ls;
	sqlite3 *h;

	if (t.p == NULL)
		return -ENOMEM;
	t.p[0] = '\0';
	add(&t, "# HELP tessera_mgmt_build_info The running version.\n"
		"# TYPE tessera_mgmt_build_info gauge\ntessera_mgmt_build_info{version=\"%s\"} 1\n",
	    TSR_VERSION);
	add(&t, "# HELP tessera_mgmt_start_time_seconds Start of the process (Unix time).\n"
		"# TYPE tessera_mgmt_start_time_seconds gauge\ntessera_mgmt_start_time_seconds "
		"%lld\n",
	    (long long)m->started);
	render_http(&t, m);
	h = mgmt_db_read_begin(db);
	if (h == NULL) {
		free(t.p);
		return -EIO;
	}
	render_db(&t, h);
	mgmt_db_read_end(db, h);
	mgmt_log_stats(log, &ls);
	add(&t, "# HELP tessera_mgmt_log_lines_total Lines written to the logs.\n"
		"# TYPE tessera_mgmt_log_lines_total counter\n"
		"tessera_mgmt_log_lines_total{log=\"admin\"} %" PRIu64 "\n"
		"tessera_mgmt_log_lines_total{log=\"support\"} %" PRIu64 "\n",
	    ls.admin_lines, ls.support_lines);
	add(&t, "# HELP tessera_mgmt_syslog_messages_total Log records forwarded to syslog servers.\n"
		"# TYPE tessera_mgmt_syslog_messages_total counter\n"
		"tessera_mgmt_syslog_messages_total{result=\"sent\"} %" PRIu64 "\n"
		"tessera_mgmt_syslog_messages_total{result=\"dropped\"} %" PRIu64 "\n"
		"tessera_mgmt_syslog_messages_total{result=\"error\"} %" PRIu64 "\n",
	    ls.syslog_sent, ls.syslog_dropped, ls.syslog_errors);
	if (t.oom) {
		free(t.p);
		return -ENOMEM;
	}
	*out = t.p;
	*len = t.n;
	return 0;
}
