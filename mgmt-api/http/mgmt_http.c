/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_http.c - libmicrohttpd glue: TLS, auth, limits, JSON responses.
 *
 * Context: MHD worker threads call on_request()/on_done(); a request's
 * struct conn belongs to the one thread serving its connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "mgmt_http.h"
#include "mgmt_log.h"
#include "mgmt_metrics.h"
#include "tsr_log.h"

#define MAX_ARGS 64
#define REALM "Basic realm=\"tessera-mgmt\", charset=\"UTF-8\""
#define REALM_NODE "Bearer realm=\"tessera-mgmt\""
#define INTERNAL_PREFIX "/api/internal/"

/* Per request; freed by on_done(). */
struct conn {
	char *body; /* owned */
	size_t len, cap;
	bool too_big;
	enum mgmt_role role;
	int64_t node; /* bearer-authenticated node, 0 = none */
	char user[65];
	size_t limit; /* largest body for this request */
	char remote[64];
	unsigned int remote_port;
	struct timespec start;
	struct mgmt_rest_wait *wait; /* owned while parked or about to resume */
	bool resumed;
	struct conn *next_parked; /* on parked list iff parked, guarded by park_lock */
	struct MHD_Connection *c;
};

/*
 * Invariants: a conn is on parked iff its connection is suspended and not
 * yet resumed; only the waker thread (and stop) resumes them.
 */
struct mgmt_http {
	struct MHD_Daemon *daemon; /* owned */
	struct mgmt_rest *rest;    /* borrowed */
	struct mgmt_auth *auth;    /* borrowed */
	size_t max_body, max_node_body, max_import_body;
	struct sockaddr_storage addr;
	pthread_mutex_t park_lock;
	pthread_cond_t park_cond; /* CLOCK_MONOTONIC */
	struct conn *parked;
	bool kicked, stopping, waker_started;
	pthread_t waker;
};

struct args {
	struct mgmt_rest_arg a[MAX_ARGS];
	size_t n;
	bool overflow;
};

bool
mgmt_http_is_loopback(const char *addr)
{
	unsigned char ip[16];
	static const unsigned char v6_lo[16] = {[15] = 1};

	if (inet_pton(AF_INET, addr, ip) == 1)
		return ip[0] == 127;
	if (inet_pton(AF_INET6, addr, ip) == 1)
		return memcmp(ip, v6_lo, 16) == 0;
	return false;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '"' || *p == '\t')
			*p = '\'';
	TSR_WARN("mgmt.http", "%s", buf);
}

/* Extra response parts beyond a JSON body (NULL members = none). */
struct extra {
	const char *content_type; /* raw is sent as is, raw_len bytes */
	size_t raw_len;
	const char *disposition;
};

static enum MHD_Result
send_json(struct MHD_Connection *c, unsigned int status, json_t *body, char *raw,
	  const char *location, const char *allow, const char *challenge, const struct extra *x)
{
	struct MHD_Response *r;
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : raw;
	bool as_is = body == NULL && x != NULL && x->content_type != NULL;
	enum MHD_Result ret;

	if (text != NULL)
		r = MHD_create_response_from_buffer_with_free_callback(
			as_is ? x->raw_len : strlen(text), text, free);
	else
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	if (text != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					as_is ? x->content_type : "application/json");
	if (x != NULL && x->disposition != NULL && x->disposition[0] != '\0')
		MHD_add_response_header(r, "Content-Disposition", x->disposition);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (location != NULL && location[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (challenge != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, challenge);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static double ms_since(const struct timespec *t0);

static enum MHD_Result
send_error(struct MHD_Connection *c, unsigned int status, const char *msg, const char *challenge)
{
	json_t *b = json_pack("{s:s}", "error", msg);
	enum MHD_Result ret = send_json(c, status, b, NULL, NULL, NULL, challenge, NULL);

	json_decref(b);
	return ret;
}

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct args *a = cls;

	(void)kind;
	if (a->n == MAX_ARGS) {
		a->overflow = true;
		return MHD_NO;
	}
	a->a[a->n].key = key;
	a->a[a->n].value = value;
	a->n++;
	return MHD_YES;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* CSV imports and backup restores carry files: they get --max-import-body. */
static bool
is_bulk(const char *url)
{
	static const char *const paths[] = {
		"/api/admin/command/v1/conference/import_csv",
		"/api/admin/command/v1/automatic_participant/import_csv",
		"/api/admin/command/v1/device/import_csv",
		"/api/admin/command/v1/platform/backup_restore",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (strncmp(url, paths[i], strlen(paths[i])) == 0 &&
		    (url[strlen(paths[i])] == '\0' || strcmp(url + strlen(paths[i]), "/") == 0))
			return true;
	return false;
}

static void
remote_of(struct MHD_Connection *c, struct conn *cn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, cn->remote, sizeof(cn->remote));
		cn->remote_port = ntohs(in->sin_port);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, cn->remote, sizeof(cn->remote));
		cn->remote_port = ntohs(in6->sin6_port);
	}
}

/* Guide part 5 §5.2: "User login failed" with the name given and where from. */
static void
login_failed(struct mgmt_http *h, const struct conn *cn)
{
	char port[16];
	json_t *p;

	if (h->rest->log == NULL)
		return;
	snprintf(port, sizeof(port), "%u", cn->remote_port);
	p = json_pack("{s:s,s:s,s:s}", "User", cn->user, "Remote-Address", cn->remote,
		      "Remote-Port", port);
	mgmt_log_write(h->rest->log, NULL, NULL, "WARNING", "administrator.configuration",
		       "User login failed", p);
	json_decref(p);
}

/* Writes are recorded in the support log (module support.rest). */
static void
support_record(struct mgmt_http *h, const struct conn *cn, const char *method, const char *url,
	       unsigned int status)
{
	char num[16], ms[32];
	json_t *p;

	if (h->rest->log == NULL || cn->node > 0 || strcmp(method, "GET") == 0 ||
	    strcmp(method, "HEAD") == 0)
		return;
	snprintf(num, sizeof(num), "%u", status);
	snprintf(ms, sizeof(ms), "%.1f", ms_since(&cn->start));
	p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "Method", method, "Path", url, "Status", num,
		      "User", cn->user, "Remote-Address", cn->remote, "Duration-ms", ms);
	mgmt_log_write(h->rest->log, NULL, NULL, status >= 500 ? "ERROR" : "INFO", "support.rest",
		       "API request", p);
	json_decref(p);
}

/* First call of a request: authenticate, check the announced body size. */
static enum MHD_Result
begin(struct mgmt_http *h, struct MHD_Connection *c, const char *url, const char *method,
      struct conn *cn)
{
	const char *authz =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *cl =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	bool internal = strncmp(url, INTERNAL_PREFIX, strlen(INTERNAL_PREFIX)) == 0;
	char pass[257];
	int rc;

	if (internal) {
		rc = -EACCES;
		if (h->rest->repl != NULL && authz != NULL && strncmp(authz, "Bearer ", 7) == 0)
			rc = mgmt_repl_node_auth(h->rest->repl, authz + 7, &cn->node);
		if (rc < 0) {
			TSR_INFO("mgmt.http",
				 "request refused\tmethod=%s path=\"%.128s\" status=401 reason=%s",
				 method, url, authz == NULL ? "no-token" : "bad-token");
			return send_error(c, MHD_HTTP_UNAUTHORIZED, "authentication required",
					  REALM_NODE);
		}
		snprintf(cn->user, sizeof(cn->user), "node:%" PRId64, cn->node);
		cn->limit = h->max_node_body;
		if (cl != NULL && strtoull(cl, NULL, 10) > h->max_node_body)
			return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large",
					  NULL);
		return MHD_YES;
	}
	cn->limit = is_bulk(url) ? h->max_import_body : h->max_body;
	rc = mgmt_auth_parse_basic(authz, cn->user, sizeof(cn->user), pass, sizeof(pass));
	if (rc == 0)
		rc = mgmt_auth_check(h->auth, cn->user, pass, &cn->role);
	gnutls_memset(pass, 0, sizeof(pass));
	if (rc < 0) {
		TSR_INFO("mgmt.http",
			 "request refused\tmethod=%s path=\"%.128s\" status=401 reason=%s", method,
			 url, authz == NULL ? "no-credentials" : "bad-credentials");
		if (authz != NULL)
			login_failed(h, cn);
		mgmt_metrics_request(h->rest->metrics, method, 401, ms_since(&cn->start) / 1e3);
		return send_error(c, MHD_HTTP_UNAUTHORIZED, "authentication required", REALM);
	}
	if (cl != NULL && strtoull(cl, NULL, 10) > cn->limit) {
		TSR_INFO("mgmt.http",
			 "request refused\tmethod=%s path=\"%.128s\" status=413 user=%s", method,
			 url, cn->user);
		mgmt_metrics_request(h->rest->metrics, method, 413, ms_since(&cn->start) / 1e3);
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large", NULL);
	}
	return MHD_YES;
}

static void
body_append(struct mgmt_http *h, struct conn *cn, const char *data, size_t n)
{
	if (cn->too_big)
		return;
	(void)h;
	if (cn->len + n > cn->limit) {
		cn->too_big = true;
		free(cn->body);
		cn->body = NULL;
		cn->len = cn->cap = 0;
		return;
	}
	if (cn->len + n > cn->cap) {
		size_t cap = cn->cap ? cn->cap : 4096;
		char *b;

		while (cap < cn->len + n)
			cap *= 2;
		b = realloc(cn->body, cap);
		if (b == NULL) {
			cn->too_big = true;
			return;
		}
		cn->body = b;
		cn->cap = cap;
	}
	memcpy(cn->body + cn->len, data, n);
	cn->len += n;
}

static enum MHD_Result respond(struct mgmt_http *h, struct MHD_Connection *c, struct conn *cn,
			       const char *method, const char *url, struct mgmt_rest_resp *resp);

/* Park a request: suspend its connection and hand it to the waker. */
static enum MHD_Result
park(struct mgmt_http *h, struct MHD_Connection *c, struct conn *cn, struct mgmt_rest_wait *w,
     const char *method, const char *url)
{
	struct mgmt_rest_resp resp;

	pthread_mutex_lock(&h->park_lock);
	if (h->stopping) {
		/* The waker is gone: answer now. */
		pthread_mutex_unlock(&h->park_lock);
		mgmt_rest_resume(h->rest, w, &resp);
		return respond(h, c, cn, method, url, &resp);
	}
	cn->wait = w;
	cn->c = c;
	MHD_suspend_connection(c);
	cn->next_parked = h->parked;
	h->parked = cn;
	h->kicked = true;
	pthread_cond_signal(&h->park_cond);
	pthread_mutex_unlock(&h->park_lock);
	return MHD_YES;
}

static enum MHD_Result
respond(struct mgmt_http *h, struct MHD_Connection *c, struct conn *cn, const char *method,
	const char *url, struct mgmt_rest_resp *resp)
{
	struct extra x = {.content_type = resp->content_type,
			  .raw_len = resp->text_len,
			  .disposition = resp->disposition};
	enum MHD_Result ret;

	ret = send_json(c, resp->status, resp->body, resp->text, resp->location, resp->allow,
			resp->status == 401 ? (cn->node > 0 ? REALM_NODE : REALM) : NULL, &x);
	resp->text = NULL; /* send_json() took it */
	mgmt_metrics_request(h->rest->metrics, method, resp->status, ms_since(&cn->start) / 1e3);
	support_record(h, cn, method, url, resp->status);
	TSR_INFO("mgmt.http", "request\tmethod=%s path=\"%.128s\" status=%u user=%s ms=%.1f",
		 method, url, resp->status, cn->user, ms_since(&cn->start));
	mgmt_rest_resp_fini(resp);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct mgmt_http *h = cls;
	struct conn *cn = *con_cls;
	struct mgmt_rest_req req = {.method = method, .path = url};
	struct mgmt_rest_resp resp;
	struct args args = {.n = 0};
	struct mgmt_rest_wait *w;

	(void)version;
	if (cn == NULL) {
		cn = calloc(1, sizeof(*cn));
		if (cn == NULL)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &cn->start);
		remote_of(c, cn);
		*con_cls = cn;
		return begin(h, c, url, method, cn);
	}
	if (cn->resumed) {
		w = cn->wait;
		cn->wait = NULL;
		cn->resumed = false;
		mgmt_rest_resume(h->rest, w, &resp);
		return respond(h, c, cn, method, url, &resp);
	}
	if (*upload_data_size > 0) {
		body_append(h, cn, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cn->too_big) {
		mgmt_metrics_request(h->rest->metrics, method, 413, ms_since(&cn->start) / 1e3);
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large", NULL);
	}
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &args);
	if (args.overflow) {
		mgmt_metrics_request(h->rest->metrics, method, 400, ms_since(&cn->start) / 1e3);
		return send_error(c, MHD_HTTP_BAD_REQUEST, "too many query parameters", NULL);
	}
	req.args = args.a;
	req.n_args = args.n;
	req.body = cn->body;
	req.body_len = cn->len;
	req.role = cn->role;
	req.node = cn->node;
	req.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	req.content_type =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	req.passphrase = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Tessera-Passphrase");
	req.user = cn->node > 0 ? NULL : cn->user;
	req.remote_addr = cn->remote[0] ? cn->remote : NULL;
	req.remote_port = cn->remote_port;
	mgmt_rest_handle(h->rest, &req, &resp);
	if (resp.wait != NULL) {
		w = resp.wait;
		resp.wait = NULL;
		mgmt_rest_resp_fini(&resp);
		return park(h, c, cn, w, method, url);
	}
	return respond(h, c, cn, method, url, &resp);
}

/* Resume every parked request that is ready or due (all of them when stopping). */
static void *
waker_main(void *arg)
{
	struct mgmt_http *h = arg;
	struct timespec now, next;

	pthread_mutex_lock(&h->park_lock);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		next = now;
		next.tv_sec += 1;
		for (struct conn **p = &h->parked; *p != NULL;) {
			struct conn *cn = *p;
			struct timespec d = mgmt_rest_wait_deadline(cn->wait);
			bool due = d.tv_sec < now.tv_sec ||
				   (d.tv_sec == now.tv_sec && d.tv_nsec <= now.tv_nsec);

			if (h->stopping || due || mgmt_rest_wait_ready(h->rest, cn->wait)) {
				*p = cn->next_parked;
				cn->next_parked = NULL;
				cn->resumed = true;
				MHD_resume_connection(cn->c);
				continue;
			}
			if (d.tv_sec < next.tv_sec ||
			    (d.tv_sec == next.tv_sec && d.tv_nsec < next.tv_nsec))
				next = d;
			p = &cn->next_parked;
		}
		if (h->stopping)
			break;
		if (!h->kicked)
			pthread_cond_timedwait(&h->park_cond, &h->park_lock, &next);
		h->kicked = false;
	}
	pthread_mutex_unlock(&h->park_lock);
	return NULL;
}

void
mgmt_http_wake(void *arg)
{
	struct mgmt_http *h = arg;

	pthread_mutex_lock(&h->park_lock);
	h->kicked = true;
	pthread_cond_signal(&h->park_cond);
	pthread_mutex_unlock(&h->park_lock);
}

static void
on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn == NULL)
		return;
	if (cn->wait != NULL) {
		struct mgmt_http *h = cls;

		/* Closed while parked (only at shutdown): take it off the list. */
		pthread_mutex_lock(&h->park_lock);
		for (struct conn **p = &h->parked; *p != NULL; p = &(*p)->next_parked) {
			if (*p == cn) {
				*p = cn->next_parked;
				break;
			}
		}
		pthread_mutex_unlock(&h->park_lock);
		mgmt_rest_wait_free(h->rest, cn->wait);
	}
	free(cn->body);
	free(cn);
	*con_cls = NULL;
}

static int
parse_listen(const char *addr, uint16_t port, struct sockaddr_storage *ss, bool *v6)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	char ps[8];

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(addr, ps, &hints, &res) != 0 || res == NULL)
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return 0;
}

int
mgmt_http_start(const struct mgmt_http_cfg *cfg, struct mgmt_rest *rest, struct mgmt_auth *auth,
		struct mgmt_http **out)
{
	struct MHD_OptionItem ops[16];
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			     MHD_ALLOW_SUSPEND_RESUME;
	pthread_condattr_t ca;
	struct mgmt_http *h;
	bool v6 = false;
	int n = 0;

	if (cfg->plain && !mgmt_http_is_loopback(cfg->listen)) {
		TSR_ERR("mgmt.http", "plain HTTP is only allowed on a loopback address\tlisten=%s",
			cfg->listen);
		return -EINVAL;
	}
	if (!cfg->plain && (cfg->cert_pem == NULL || cfg->key_pem == NULL))
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	h->rest = rest;
	h->auth = auth;
	h->max_body = cfg->max_body;
	h->max_node_body = cfg->max_node_body > 0 ? cfg->max_node_body : cfg->max_body;
	h->max_import_body = cfg->max_import_body > 0 ? cfg->max_import_body : cfg->max_body;
	pthread_mutex_init(&h->park_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->park_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (parse_listen(cfg->listen, cfg->port, &h->addr, &v6) < 0) {
		free(h);
		return -EINVAL;
	}
	if (v6)
		flags |= MHD_USE_IPv6;
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &h->addr};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_done, h};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
					   cfg->threads < 1 ? 1 : cfg->threads, NULL};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, 512, NULL};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL};
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL};
	if (!cfg->plain) {
		flags |= MHD_USE_TLS;
		ops[n++] =
			(struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->key_pem};
		ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
						   (void *)cfg->cert_pem};
		ops[n++] = (struct MHD_OptionItem){
			MHD_OPTION_HTTPS_PRIORITIES, 0,
			(void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"};
	}
	ops[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	h->daemon = MHD_start_daemon(flags, cfg->port, NULL, NULL, on_request, h, MHD_OPTION_ARRAY,
				     ops, MHD_OPTION_END);
	if (h->daemon == NULL) {
		TSR_ERR("mgmt.http", "cannot start the HTTP server\tlisten=%s port=%u", cfg->listen,
			cfg->port);
		free(h);
		return -EIO;
	}
	if (pthread_create(&h->waker, NULL, waker_main, h) != 0) {
		MHD_stop_daemon(h->daemon);
		free(h);
		return -ENOMEM;
	}
	h->waker_started = true;
	TSR_INFO("mgmt.http", "listening\tlisten=%s port=%u tls=%s threads=%u", cfg->listen,
		 cfg->port, cfg->plain ? "no" : "yes", cfg->threads);
	*out = h;
	return 0;
}

void
mgmt_http_stop(struct mgmt_http *h)
{
	if (h == NULL)
		return;
	if (h->waker_started) {
		/* Answer the parked requests first: MHD cannot stop with suspended ones. */
		pthread_mutex_lock(&h->park_lock);
		h->stopping = true;
		pthread_cond_signal(&h->park_cond);
		pthread_mutex_unlock(&h->park_lock);
		pthread_join(h->waker, NULL);
	}
	MHD_stop_daemon(h->daemon);
	pthread_mutex_destroy(&h->park_lock);
	pthread_cond_destroy(&h->park_cond);
	free(h);
}
