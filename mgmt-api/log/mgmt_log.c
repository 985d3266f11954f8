/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_log.c - admin/support log files and RFC 5424 syslog forwarding.
 *
 * Context: see mgmt_log.h. Writers take file_lock; the queue has its own
 * lock and condition; only the sender thread touches sockets and the
 * server list.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mgmt_log.h"
#include "tsr_log.h"

#define LINE_MAX_BYTES 16384
#define QUEUE_LEN 4096
#define MAX_SERVERS 32
#define UDP_MAX 2048 /* RFC 5426 §3.2: receivers SHOULD take 2048 octets */
#define RETRY_S 5

struct logfile {
	int fd;
	size_t size;
	unsigned int keep;
	char path[512];
};

struct qitem {
	char *msg; /* owned: the RFC 5424 message, without framing */
	bool admin;
};

struct server {
	char address[256];
	char port[8];
	char transport[4];
	bool audit, support;
	int fd;
	time_t retry_at;
	bool warned;
};

/*
 * Invariants: q[head..head+n) (mod QUEUE_LEN) hold owned messages; the
 * servers array belongs to the sender thread alone.
 */
struct mgmt_log {
	struct mgmt_log_cfg cfg;
	char system[256];
	pthread_mutex_t file_lock;
	struct logfile admin, support;
	pthread_mutex_t q_lock;
	pthread_cond_t q_cond;
	struct qitem q[QUEUE_LEN];
	size_t head, n;
	bool stop, reload, started;
	pthread_t sender;
	struct server servers[MAX_SERVERS];
	size_t n_servers;
	atomic_uint_fast64_t admin_lines, support_lines, sent, dropped, errors;
};

/* ---- formatting ---------------------------------------------------------------------------- */

struct out {
	char *p;
	size_t cap, n;
	bool cut;
};

static void
put(struct out *o, const char *s, size_t len)
{
	if (o->n + len + 1 > o->cap) {
		len = o->cap > o->n + 1 ? o->cap - o->n - 1 : 0;
		o->cut = true;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
	o->p[o->n] = '\0';
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A value: quotes and backslashes escaped, line breaks as ^M, other controls as '?'. */
static void
put_value(struct out *o, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\') {
			put(o, "\\", 1);
			put(o, v, 1);
		} else if (*v == '\r' && v[1] == '\n') {
			puts_(o, "^M");
			v++;
		} else if (*v == '\r' || *v == '\n') {
			puts_(o, "^M");
		} else if ((unsigned char)*v < 0x20 || *v == 0x7f) {
			put(o, "?", 1);
		} else {
			put(o, v, 1);
		}
	}
}

static void
put_pair(struct out *o, const char *key, const char *value)
{
	put(o, " ", 1);
	for (const char *k = key; *k != '\0' && k - key < 64; k++) {
		char c = *k;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			c = '_';
		put(o, &c, 1);
	}
	puts_(o, "=\"");
	put_value(o, value);
	put(o, "\"", 1);
}

/* The Level/Name/Message/params part shared by the files and syslog. */
static void
put_details(struct out *o, const char *level, const char *module, const char *message,
	    const json_t *params)
{
	const char *k;
	json_t *v;

	put_pair(o, "Level", level);
	put_pair(o, "Name", module);
	put_pair(o, "Message", message);
	json_object_foreach((json_t *)params, k, v)
	{
		char num[64];
		const char *s = num;

		if (json_is_string(v))
			s = json_string_value(v);
		else if (json_is_integer(v))
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else if (json_is_real(v))
			snprintf(num, sizeof(num), "%.3f", json_real_value(v));
		else if (json_is_boolean(v))
			s = json_is_true(v) ? "True" : "False";
		else
			s = "";
		put_pair(o, k, s);
	}
}

static void
fmt_time(char *buf, size_t cap, const struct timespec *t, bool rfc3339)
{
	struct tm tm;
	time_t s = t->tv_sec;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(buf, cap, rfc3339 ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, cap - n, rfc3339 ? ".%03d+00:00" : ",%03d",
		 (int)(t->tv_nsec / 1000000) % 1000);
}

int
mgmt_log_format(char *buf, size_t cap, const char *system, const struct timespec *logged,
		const struct timespec *when, const char *level, const char *module,
		const char *message, const json_t *params)
{
	struct out o = {.p = buf, .cap = cap};
	char t[48];

	if (cap == 0)
		return -ENOSPC;
	buf[0] = '\0';
	fmt_time(t, sizeof(t), logged, true);
	puts_(&o, t);
	put(&o, " ", 1);
	/* system is one token: no spaces */
	for (const char *p = system; *p != '\0'; p++)
		put(&o, (unsigned char)*p <= ' ' || *p == 0x7f ? "_" : p, 1);
	put(&o, " ", 1);
	fmt_time(t, sizeof(t), when, false);
	puts_(&o, t);
	put_details(&o, level, module, message, params);
	return o.cut ? -ENOSPC : (int)o.n;
}

/* ---- files ----------------------------------------------------------------------------- */

static int
open_file(struct logfile *f)
{
	struct stat st;

	f->fd = open(f->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (f->fd < 0)
		return -errno;
	f->size = fstat(f->fd, &st) == 0 ? (size_t)st.st_size : 0;
	return 0;
}

/* path.keep dropped, path.N -> path.N+1, path -> path.1, a new path. */
static void
rotate(struct logfile *f)
{
	char from[600], to[600];

	close(f->fd);
	for (unsigned int i = f->keep; i >= 1; i--) {
		snprintf(to, sizeof(to), "%s.%u", f->path, i);
		if (i == 1)
			snprintf(from, sizeof(from), "%s", f->path);
		else
			snprintf(from, sizeof(from), "%s.%u", f->path, i - 1);
		if (i == f->keep)
			unlink(to);
		rename(from, to);
	}
	if (f->keep == 0)
		unlink(f->path);
	if (open_file(f) < 0)
		f->fd = -1;
}

static void
append(struct logfile *f, const char *line, size_t len, size_t segment)
{
	ssize_t w;

	if (f->fd < 0)
		return;
	w = write(f->fd, line, len);
	if (w > 0)
		f->size += (size_t)w;
	if (segment > 0 && f->size >= segment)
		rotate(f);
}

/* ---- syslog ---------------------------------------------------------------------------- */

static int
severity(const char *level)
{
	if (strcmp(level, "ERROR") == 0)
		return 3;
	if (strcmp(level, "WARNING") == 0)
		return 4;
	if (strcmp(level, "DEBUG") == 0)
		return 7;
	return 6;
}

/* An RFC 5424 header field: printable US-ASCII without spaces, at most @p max, "-" if empty. */
static void
put_token(struct out *o, const char *s, size_t max)
{
	size_t n = 0;

	for (; *s != '\0' && n < max; s++, n++)
		put(o, (unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ? "_" : s, 1);
	if (n == 0)
		put(o, "-", 1);
}

/*
 * RFC 5424 §6: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG, facility
 * local0 (16), MSGID the module, no structured data, MSG the record's details.
 */
static char *
syslog_message(const char *system, const struct timespec *when, const char *level,
	       const char *module, const char *message, const json_t *params)
{
	char *buf = malloc(LINE_MAX_BYTES), hdr[32], ts[48], pid[16];
	struct out o = {.p = buf, .cap = LINE_MAX_BYTES};
	struct tm tm;
	time_t s = when->tv_sec;

	if (buf == NULL)
		return NULL;
	buf[0] = '\0';
	gmtime_r(&s, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(hdr, sizeof(hdr), "<%d>1 ", 16 * 8 + severity(level));
	puts_(&o, hdr);
	puts_(&o, ts);
	snprintf(ts, sizeof(ts), ".%03ldZ ", when->tv_nsec / 1000000);
	puts_(&o, ts);
	put_token(&o, system, 255);
	puts_(&o, " tessera-mgmt ");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	puts_(&o, pid);
	put(&o, " ", 1);
	put_token(&o, module, 32);
	puts_(&o, " -");
	put_details(&o, level, module, message, params);
	return buf;
}

static void
enqueue(struct mgmt_log *l, char *msg, bool admin)
{
	pthread_mutex_lock(&l->q_lock);
	if (l->n == QUEUE_LEN || !l->started) {
		pthread_mutex_unlock(&l->q_lock);
		free(msg);
		atomic_fetch_add(&l->dropped, 1);
		return;
	}
	l->q[(l->head + l->n) % QUEUE_LEN] = (struct qitem){.msg = msg, .admin = admin};
	l->n++;
	pthread_cond_signal(&l->q_cond);
	pthread_mutex_unlock(&l->q_lock);
}

static void
close_servers(struct mgmt_log *l)
{
	for (size_t i = 0; i < l->n_servers; i++)
		if (l->servers[i].fd >= 0)
			close(l->servers[i].fd);
	l->n_servers = 0;
}

/* Re-read the servers; connections to servers that did not change are kept. */
static void
load_servers(struct mgmt_log *l)
{
	struct server old[MAX_SERVERS];
	size_t n_old = l->n_servers;
	sqlite3 *h;
	sqlite3_stmt *st;

	memcpy(old, l->servers, sizeof(old));
	l->n_servers = 0;
	if (l->cfg.db == NULL || (h = mgmt_db_read_begin(l->cfg.db)) == NULL) {
		l->n_servers = n_old;
		return;
	}
	if (sqlite3_prepare_v2(h,
			       "SELECT address, port, transport, audit_log, support_log FROM"
			       " syslog_server ORDER BY id",
			       -1, &st, NULL) == SQLITE_OK) {
		while (l->n_servers < MAX_SERVERS && sqlite3_step(st) == SQLITE_ROW) {
			struct server *s = &l->servers[l->n_servers++];

			memset(s, 0, sizeof(*s));
			snprintf(s->address, sizeof(s->address), "%s", sqlite3_column_text(st, 0));
			snprintf(s->port, sizeof(s->port), "%d", sqlite3_column_int(st, 1));
			snprintf(s->transport, sizeof(s->transport), "%s",
				 sqlite3_column_text(st, 2));
			s->audit = sqlite3_column_int(st, 3) != 0;
			s->support = sqlite3_column_int(st, 4) != 0;
			s->fd = -1;
			for (size_t k = 0; k < n_old; k++) {
				if (old[k].fd < 0 || strcmp(old[k].address, s->address) != 0 ||
				    strcmp(old[k].port, s->port) != 0 ||
				    strcmp(old[k].transport, s->transport) != 0)
					continue;
				s->fd = old[k].fd;
				old[k].fd = -1;
			}
		}
		sqlite3_finalize(st);
	}
	mgmt_db_read_end(l->cfg.db, h);
	for (size_t k = 0; k < n_old; k++)
		if (old[k].fd >= 0)
			close(old[k].fd);
}

/* A socket to @p s: UDP connected, TCP connected within 2 s. @return fd or -errno. */
static int
connect_server(struct server *s, bool tcp)
{
	struct addrinfo hints = {.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM}, *ai = NULL;
	struct pollfd pfd;
	int fd, err = 0;
	socklen_t el = sizeof(err);

	if (getaddrinfo(s->address, s->port, &hints, &ai) != 0 || ai == NULL)
		return -EHOSTUNREACH;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return -errno;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
		err = errno;
	else if (tcp) {
		pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
		if (poll(&pfd, 1, 2000) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0)
			err = err ? err : ETIMEDOUT;
	}
	freeaddrinfo(ai);
	if (err != 0) {
		close(fd);
		return -err;
	}
	return fd;
}

static bool
send_all(int fd, const char *p, size_t len)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};

	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (poll(&pfd, 1, 2000) != 1)
				return false;
			continue;
		}
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

static void
forward(struct mgmt_log *l, struct server *s, const char *msg)
{
	bool tcp = strcmp(s->transport, "tcp") == 0;
	size_t len = strlen(msg);
	char prefix[24];
	time_t now = time(NULL);

	if (!tcp && strcmp(s->transport, "udp") != 0) {
		if (!s->warned)
			TSR_WARN("mgmt.log", "syslog transport not supported, not forwarding"
				 "\tserver=%s transport=%s", s->address, s->transport);
		s->warned = true;
		atomic_fetch_add(&l->errors, 1);
		return;
	}
	if (s->fd < 0 && now >= s->retry_at) {
		s->fd = connect_server(s, tcp);
		if (s->fd < 0) {
			if (!s->warned)
				TSR_WARN("mgmt.log", "syslog server unreachable\tserver=%s port=%s "
					 "transport=%s err=\"%s\"", s->address, s->port,
					 s->transport, strerror(-s->fd));
			s->warned = true;
			s->retry_at = now + RETRY_S;
			s->fd = -1;
		} else {
			s->warned = false;
		}
	}
	if (s->fd < 0) {
		atomic_fetch_add(&l->errors, 1);
		return;
	}
	if (tcp) {
		/* RFC 6587 §3.4.1 octet counting: "MSG-LEN SP SYSLOG-MSG". */
		snprintf(prefix, sizeof(prefix), "%zu ", len);
		if (!send_all(s->fd, prefix, strlen(prefix)) || !send_all(s->fd, msg, len)) {
			close(s->fd);
			s->fd = -1;
			s->retry_at = now; /* reconnect on the next message */
			atomic_fetch_add(&l->errors, 1);
			return;
		}
	} else if (send(s->fd, msg, len > UDP_MAX ? UDP_MAX : len, MSG_NOSIGNAL) < 0) {
		atomic_fetch_add(&l->errors, 1);
		return;
	}
	atomic_fetch_add(&l->sent, 1);
}

static void *
sender_main(void *arg)
{
	struct mgmt_log *l = arg;
	struct qitem batch[64];
	size_t n;
	bool reload;

	load_servers(l);
	for (;;) {
		pthread_mutex_lock(&l->q_lock);
		while (l->n == 0 && !l->stop && !l->reload)
			pthread_cond_wait(&l->q_cond, &l->q_lock);
		reload = l->reload;
		l->reload = false;
		for (n = 0; n < 64 && l->n > 0; n++) {
			batch[n] = l->q[l->head];
			l->head = (l->head + 1) % QUEUE_LEN;
			l->n--;
		}
		if (n == 0 && l->stop) {
			pthread_mutex_unlock(&l->q_lock);
			break;
		}
		pthread_mutex_unlock(&l->q_lock);
		if (reload)
			load_servers(l);
		for (size_t i = 0; i < n; i++) {
			for (size_t k = 0; k < l->n_servers; k++) {
				struct server *s = &l->servers[k];

				if (batch[i].admin ? (s->audit || s->support) : s->support)
					forward(l, s, batch[i].msg);
			}
			free(batch[i].msg);
		}
	}
	close_servers(l);
	return NULL;
}

/* ---- API ------------------------------------------------------------------------------- */

int
mgmt_log_create(const struct mgmt_log_cfg *cfg, struct mgmt_log **out)
{
	struct mgmt_log *l = calloc(1, sizeof(*l));
	int rc;

	if (l == NULL)
		return -ENOMEM;
	l->cfg = *cfg;
	snprintf(l->system, sizeof(l->system), "%s", cfg->system ? cfg->system : "mgmt");
	l->admin.fd = l->support.fd = -1;
	l->admin.keep = cfg->admin_keep;
	l->support.keep = cfg->support_keep;
	snprintf(l->admin.path, sizeof(l->admin.path), "%s/admin.log", cfg->dir);
	snprintf(l->support.path, sizeof(l->support.path), "%s/support.log", cfg->dir);
	pthread_mutex_init(&l->file_lock, NULL);
	pthread_mutex_init(&l->q_lock, NULL);
	pthread_cond_init(&l->q_cond, NULL);
	if (mkdir(cfg->dir, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		goto out_free;
	}
	if ((rc = open_file(&l->admin)) < 0 || (rc = open_file(&l->support)) < 0)
		goto out_free;
	l->started = true;
	if (pthread_create(&l->sender, NULL, sender_main, l) != 0) {
		rc = -ENOMEM;
		goto out_free;
	}
	*out = l;
	return 0;
out_free:
	if (l->admin.fd >= 0)
		close(l->admin.fd);
	if (l->support.fd >= 0)
		close(l->support.fd);
	free(l);
	return rc;
}

void
mgmt_log_destroy(struct mgmt_log *l)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->q_lock);
	l->stop = true;
	pthread_cond_signal(&l->q_cond);
	pthread_mutex_unlock(&l->q_lock);
	pthread_join(l->sender, NULL);
	for (size_t i = 0; i < l->n; i++)
		free(l->q[(l->head + i) % QUEUE_LEN].msg);
	if (l->admin.fd >= 0)
		close(l->admin.fd);
	if (l->support.fd >= 0)
		close(l->support.fd);
	pthread_mutex_destroy(&l->file_lock);
	pthread_mutex_destroy(&l->q_lock);
	pthread_cond_destroy(&l->q_cond);
	free(l);
}

void
mgmt_log_write(struct mgmt_log *l, const char *system, const struct timespec *when,
	       const char *level, const char *module, const char *message, const json_t *params)
{
	struct timespec now;
	bool admin = strncmp(module, "administrator.", 14) == 0;
	char *line = malloc(LINE_MAX_BYTES), *msg;
	int n;

	if (l == NULL || line == NULL) {
		free(line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (when == NULL)
		when = &now;
	if (system == NULL || system[0] == '\0')
		system = l->system;
	n = mgmt_log_format(line, LINE_MAX_BYTES - 1, system, &now, when, level, module, message,
			    params);
	n = n < 0 ? (int)strlen(line) : n;
	line[n++] = '\n';
	pthread_mutex_lock(&l->file_lock);
	append(&l->support, line, (size_t)n, l->cfg.segment_bytes);
	if (admin)
		append(&l->admin, line, (size_t)n, l->cfg.segment_bytes);
	pthread_mutex_unlock(&l->file_lock);
	free(line);
	atomic_fetch_add(&l->support_lines, 1);
	if (admin)
		atomic_fetch_add(&l->admin_lines, 1);
	if (l->cfg.db == NULL)
		return;
	msg = syslog_message(system, when, level, module, message, params);
	if (msg != NULL)
		enqueue(l, msg, admin);
}

void
mgmt_log_config_changed(struct mgmt_log *l)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->q_lock);
	l->reload = true;
	pthread_cond_signal(&l->q_cond);
	pthread_mutex_unlock(&l->q_lock);
}

void
mgmt_log_stats(struct mgmt_log *l, struct mgmt_log_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (l == NULL)
		return;
	out->admin_lines = atomic_load(&l->admin_lines);
	out->support_lines = atomic_load(&l->support_lines);
	out->syslog_sent = atomic_load(&l->sent);
	out->syslog_dropped = atomic_load(&l->dropped);
	out->syslog_errors = atomic_load(&l->errors);
}
