/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_media.c - data plane control socket client and media port allocator.
 *
 * Context: control path (cp main loop). See cp_media.h for the contract.
 * Requests that need no answer (deletes, detaches, stopping a prompt) are
 * sent without waiting; their replies are read, and failures logged, when
 * the next request is made (the data plane handles a connection's requests
 * in order, so a later request always sees their effect).
 * Keys pass through here in request bodies: the buffers holding them are
 * wiped after each request and nothing here logs a request body.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "cp_media.h"
#include "dp_ctl.h"
#include "tsr_log.h"

#define LOG_COMP "cp.media"

/*
 * Requests sent without waiting (cp_media_stream_delete(), ...) whose reply
 * has not been read yet; at this many the next one waits for a reply first.
 * The data plane never blocks on a client that does not read its replies
 * (it drops the connection), so the queue of unread replies stays far below
 * what the socket buffers hold.
 */
#define MAX_INFLIGHT 64

/*
 * Invariants: fd is -1 or a connected SEQPACKET socket; used[i] covers port
 * port_lo + 2 * i and port + 1; n_used counts the true entries; inflight[]
 * from inflight_head holds, oldest first, the n_inflight requests sent
 * without waiting whose reply is unread (ids increase along it).
 */
struct cp_media {
	char path[108];
	int fd;
	uint64_t next_id;
	struct {
		uint64_t id;
		const char *op; /* a string literal */
	} inflight[MAX_INFLIGHT];
	uint32_t inflight_head;
	uint32_t n_inflight;
	uint16_t port_lo;
	uint32_t n_pairs;
	uint32_t n_used;
	uint32_t cursor; /* next pair to try: spreads reuse of recently freed ports */
	bool *used;	 /* owned, n_pairs entries */
	char *buf;	 /* owned, DP_CTL_MAX_MSG + 1 bytes */
	unsigned int capacity; /* units, from the last ping */
};

int
cp_media_create(const char *sock_path, uint16_t port_lo, uint16_t port_hi, struct cp_media **out)
{
	struct cp_media *m;

	if (strlen(sock_path) >= sizeof(m->path) || port_lo < 1024 || port_hi <= port_lo)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	strcpy(m->path, sock_path);
	m->fd = -1;
	m->next_id = 1;
	m->port_lo = (uint16_t)((port_lo + 1) & ~1u);
	m->n_pairs = (uint32_t)(port_hi - m->port_lo + 1) / 2;
	m->used = calloc(m->n_pairs ? m->n_pairs : 1, sizeof(bool));
	m->buf = malloc(DP_CTL_MAX_MSG + 1);
	if (m->n_pairs == 0 || m->used == NULL || m->buf == NULL) {
		cp_media_destroy(m);
		return m->n_pairs == 0 ? -EINVAL : -ENOMEM;
	}
	*out = m;
	return 0;
}

void
cp_media_destroy(struct cp_media *m)
{
	if (m == NULL)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m->used);
	free(m->buf);
	free(m);
}

int
cp_media_port_get(struct cp_media *m, uint16_t *port)
{
	if (m->n_used == m->n_pairs)
		return -ENOSPC;
	for (uint32_t k = 0; k < m->n_pairs; k++) {
		uint32_t i = (m->cursor + k) % m->n_pairs;

		if (!m->used[i]) {
			m->used[i] = true;
			m->n_used++;
			m->cursor = (i + 1) % m->n_pairs;
			*port = (uint16_t)(m->port_lo + 2 * i);
			return 0;
		}
	}
	return -ENOSPC;
}

void
cp_media_port_usage(const struct cp_media *m, unsigned int *used, unsigned int *total)
{
	*used = m->n_used * 2;
	*total = m->n_pairs * 2;
}

void
cp_media_port_put(struct cp_media *m, uint16_t port)
{
	uint32_t i;

	if (port < m->port_lo || (port - m->port_lo) % 2 != 0)
		return;
	i = (uint32_t)(port - m->port_lo) / 2;
	if (i < m->n_pairs && m->used[i]) {
		m->used[i] = false;
		m->n_used--;
	}
}

static int
connect_dp(struct cp_media *m)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (m->fd >= 0)
		return 0;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, m->path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	m->fd = fd;
	return 0;
}

static void
drop_conn(struct cp_media *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	if (m->n_inflight != 0)
		TSR_WARN(LOG_COMP, "replies to requests sent without waiting lost\tcount=%u",
			 m->n_inflight);
	m->n_inflight = 0; /* their replies went with the connection */
	m->inflight_head = 0;
}

static int
code_to_errno(const char *code)
{
	static const struct {
		const char *name;
		int err;
	} map[] = {
		{"EINVAL", EINVAL}, {"ENOENT", ENOENT}, {"EEXIST", EEXIST},
		{"ENOSPC", ENOSPC}, {"E2BIG", E2BIG},	{"ENOSYS", ENOSYS},
		{"EBUSY", EBUSY},
	};

	for (size_t i = 0; code != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(code, map[i].name) == 0)
			return -map[i].err;
	return -EPROTO;
}

/* The errno of an error reply, logged with the operation. */
static int
reply_error(json_t *reply, const char *op)
{
	json_t *err = json_object_get(reply, "error");
	int rc = code_to_errno(json_string_value(json_object_get(err, "code")));

	TSR_WARN(LOG_COMP, "data plane refused request\top=%s code=%s field=%s message=\"%s\"", op,
		 json_string_value(json_object_get(err, "code")) ?: "?",
		 json_string_value(json_object_get(err, "field")) ?: "-",
		 json_string_value(json_object_get(err, "message")) ?: "");
	return rc;
}

/*
 * A reply that is not the one being waited for: the answer to a request
 * sent without waiting (the data plane answers in order, so it is the
 * oldest unread one; a failure is logged here), or a stale reply to a
 * request that timed out.
 */
static void
other_reply(struct cp_media *m, json_t *reply)
{
	json_int_t rid = json_integer_value(json_object_get(reply, "id"));

	/* Replies come in request order: older entries were answered (or lost). */
	while (m->n_inflight != 0 && m->inflight[m->inflight_head].id <= (uint64_t)rid) {
		bool match = m->inflight[m->inflight_head].id == (uint64_t)rid;
		const char *op = m->inflight[m->inflight_head].op;

		m->inflight_head = (m->inflight_head + 1) % MAX_INFLIGHT;
		m->n_inflight--;
		if (match && !json_is_true(json_object_get(reply, "ok")))
			reply_error(reply, op);
	}
}

/*
 * Read replies: without waiting (@p wait_ms 0) those already there, else
 * until fewer than MAX_INFLIGHT are unread. @return 0 or a transport error
 * (the connection is dropped).
 */
static int
read_replies(struct cp_media *m, int wait_ms)
{
	struct pollfd pfd = {.fd = m->fd, .events = POLLIN};

	while (m->fd >= 0 && m->n_inflight != 0) {
		json_t *reply;
		ssize_t n;
		int rc;

		if (wait_ms > 0 && m->n_inflight < MAX_INFLIGHT)
			return 0;
		rc = poll(&pfd, 1, wait_ms);
		if (rc == 0 && wait_ms == 0)
			return 0;
		if (rc <= 0) {
			rc = rc == 0 ? -ETIMEDOUT : -errno;
			goto out_drop;
		}
		n = recv(m->fd, m->buf, DP_CTL_MAX_MSG, 0);
		if (n <= 0) {
			rc = n == 0 ? -ECONNRESET : -errno;
			goto out_drop;
		}
		m->buf[n] = '\0';
		reply = json_loads(m->buf, 0, NULL);
		explicit_bzero(m->buf, (size_t)n);
		other_reply(m, reply);
		json_decref(reply);
		continue;
out_drop:
		TSR_WARN(LOG_COMP, "data plane reply lost\tpath=%s err=%s", m->path, strerror(-rc));
		drop_conn(m);
		return rc;
	}
	return 0;
}

/*
 * Send one request (takes @p args: it is decref'd here). With @p wait, wait
 * for the reply with the same id (@p result gets a new reference to
 * "result" on success when not NULL); without, return once it is sent and
 * read its reply later (errors are logged then).
 */
static int
request_ex(struct cp_media *m, const char *op, json_t *args, json_t **result, bool wait)
{
	uint64_t id;
	json_t *req, *reply = NULL;
	char *text = NULL;
	struct pollfd pfd;
	ssize_t n;
	int rc;

	if (!wait)
		read_replies(m, CP_MEDIA_TIMEOUT_MS); /* at most MAX_INFLIGHT - 1 unread */
	id = m->next_id++;
	req = json_pack("{s:i, s:I, s:s}", "v", DP_CTL_VERSION, "id", (json_int_t)id, "op", op);
	if (req == NULL) {
		json_decref(args);
		return -ENOMEM;
	}
	if (args != NULL)
		json_object_set_new(req, "args", args);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (text == NULL)
		return -ENOMEM;
	rc = connect_dp(m);
	if (rc < 0)
		goto out_free;
	if (send(m->fd, text, strlen(text), MSG_NOSIGNAL) < 0) {
		/* A restarted data plane: reconnect once. */
		drop_conn(m);
		rc = connect_dp(m);
		if (rc < 0 || send(m->fd, text, strlen(text), MSG_NOSIGNAL) < 0) {
			rc = rc < 0 ? rc : -errno;
			goto out_drop;
		}
	}
	if (!wait) {
		m->inflight[(m->inflight_head + m->n_inflight) % MAX_INFLIGHT].id = id;
		m->inflight[(m->inflight_head + m->n_inflight) % MAX_INFLIGHT].op = op;
		m->n_inflight++;
		read_replies(m, 0); /* keep the socket drained */
		rc = 0;
		goto out_free;
	}
	pfd = (struct pollfd){.fd = m->fd, .events = POLLIN};
	for (;;) {
		rc = poll(&pfd, 1, CP_MEDIA_TIMEOUT_MS);
		if (rc <= 0) {
			rc = rc == 0 ? -ETIMEDOUT : -errno;
			goto out_drop;
		}
		n = recv(m->fd, m->buf, DP_CTL_MAX_MSG, 0);
		if (n <= 0) {
			rc = n == 0 ? -ECONNRESET : -errno;
			goto out_drop;
		}
		m->buf[n] = '\0';
		reply = json_loads(m->buf, 0, NULL);
		explicit_bzero(m->buf, (size_t)n);
		if (reply != NULL && json_integer_value(json_object_get(reply, "id")) == (json_int_t)id)
			break;
		other_reply(m, reply);
		json_decref(reply);
		reply = NULL;
	}
	if (json_is_true(json_object_get(reply, "ok"))) {
		rc = 0;
		if (result != NULL)
			*result = json_incref(json_object_get(reply, "result"));
	} else {
		rc = reply_error(reply, op);
	}
	json_decref(reply);
	goto out_free;
out_drop:
	TSR_WARN(LOG_COMP, "data plane request failed\top=%s path=%s err=%s", op, m->path,
		 strerror(-rc));
	drop_conn(m);
out_free:
	explicit_bzero(text, strlen(text));
	free(text);
	return rc;
}

static int
request(struct cp_media *m, const char *op, json_t *args, json_t **result)
{
	return request_ex(m, op, args, result, true);
}

int
cp_media_call(struct cp_media *m, const char *op, json_t *args, json_t **result)
{
	return request(m, op, args, result);
}

int
cp_media_ping(struct cp_media *m)
{
	json_t *res = NULL;
	json_t *units;
	int rc;

	rc = request(m, "ping", NULL, &res);
	units = json_object_get(json_object_get(res, "capacity"), "units");
	if (rc == 0 && json_is_integer(units) && json_integer_value(units) >= 0 &&
	    json_integer_value(units) <= UINT32_MAX)
		m->capacity = (unsigned int)json_integer_value(units);
	json_decref(res);
	return rc;
}

unsigned int
cp_media_capacity(const struct cp_media *m)
{
	return m->capacity;
}

static json_t *
srtp_obj(enum cp_srtp_suite s, const char *key)
{
	if (s == CP_SRTP_NONE || key == NULL)
		return json_null();
	return json_pack("{s:s, s:s}", "suite", cp_srtp_suite_name(s), "key", key);
}

/* The fields shared by create and update; @p with_local adds the endpoint. */
static json_t *
stream_args(const struct cp_media_stream_cfg *c, bool with_local)
{
	json_t *a = json_object();

	if (a == NULL)
		return NULL;
	if (with_local) {
		json_object_set_new(a, "local_ip", json_string(c->local_ip));
		json_object_set_new(a, "local_port", json_integer(c->local_port));
	}
	if (c->remote_ip != NULL && c->remote_port != 0) {
		json_object_set_new(a, "remote_ip", json_string(c->remote_ip));
		json_object_set_new(a, "remote_port", json_integer(c->remote_port));
	} else if (!with_local) {
		json_object_set_new(a, "remote_ip", json_null());
		json_object_set_new(a, "remote_port", json_null());
	}
	json_object_set_new(a, "rtcp_mux", json_boolean(c->rtcp_mux));
	if (with_local && c->in_suite == CP_SRTP_NONE) {
		/* plain is the default: say nothing */
	} else {
		json_object_set_new(a, "srtp_in", srtp_obj(c->in_suite, c->in_key));
	}
	if (!with_local || c->out_suite != CP_SRTP_NONE)
		json_object_set_new(a, "srtp_out", srtp_obj(c->out_suite, c->out_key));
	if (c->relay_to >= 0)
		json_object_set_new(a, "relay_to", json_integer(c->relay_to));
	else if (!with_local)
		json_object_set_new(a, "relay_to", json_null());
	return a;
}

int
cp_media_stream_create(struct cp_media *m, const struct cp_media_stream_cfg *cfg, int64_t *id)
{
	json_t *res = NULL, *args = stream_args(cfg, true);
	json_t *sid;
	int rc;

	if (args == NULL)
		return -ENOMEM;
	rc = request(m, "stream.create", args, &res);
	if (rc < 0)
		return rc;
	sid = json_object_get(res, "stream_id");
	rc = json_is_integer(sid) ? 0 : -EPROTO;
	if (rc == 0)
		*id = json_integer_value(sid);
	json_decref(res);
	return rc;
}

int
cp_media_stream_update(struct cp_media *m, int64_t id, const struct cp_media_stream_cfg *cfg)
{
	json_t *args = stream_args(cfg, false);

	if (args == NULL)
		return -ENOMEM;
	json_object_set_new(args, "stream_id", json_integer(id));
	return request(m, "stream.update", args, NULL);
}

int
cp_media_stream_delete(struct cp_media *m, int64_t id)
{
	return request_ex(m, "stream.delete", json_pack("{s:I}", "stream_id", (json_int_t)id), NULL,
			  false);
}

/* The integer @p key of a reply object, or -1. */
static int
reply_int(json_t *res, const char *key)
{
	json_t *v = json_object_get(res, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 &&
			       json_integer_value(v) <= INT32_MAX ?
		       (int)json_integer_value(v) :
		       -1;
}

int
cp_media_conf_create(struct cp_media *m, unsigned int max_participants, int *conf_id)
{
	json_t *res = NULL;
	int rc;

	rc = request(m, "conference.create",
		     json_pack("{s:i}", "max_participants", (int)max_participants), &res);
	if (rc < 0)
		return rc;
	*conf_id = reply_int(res, "conference_id");
	json_decref(res);
	return *conf_id < 0 ? -EPROTO : 0;
}

int
cp_media_conf_delete(struct cp_media *m, int conf_id)
{
	return request(m, "conference.delete", json_pack("{s:i}", "conference_id", conf_id), NULL);
}

int
cp_media_conf_attach(struct cp_media *m, int conf_id, int64_t stream,
		     const struct cp_media_attach *a, int *part)
{
	json_t *res = NULL, *args;
	int rc;

	args = json_pack("{s:i, s:I, s:s, s:i, s:s}", "conference_id", conf_id, "stream_id",
			 (json_int_t)stream, "codec", a->codec, "pt", a->pt, "role",
			 a->guest ? "guest" : "host");
	if (args == NULL)
		return -ENOMEM;
	if (a->dtmf_pt != 0)
		json_object_set_new(args, "dtmf_pt", json_integer(a->dtmf_pt));
	if (a->rate != 0)
		json_object_set_new(args, "rate", json_integer(a->rate));
	if (a->channels != 0)
		json_object_set_new(args, "channels", json_integer(a->channels));
	if (a->hosts_only)
		json_object_set_new(args, "hosts_only", json_true());
	if (a->lobby)
		json_object_set_new(args, "lobby", json_true());
	if (a->no_send)
		json_object_set_new(args, "send", json_false());
	if (a->no_recv)
		json_object_set_new(args, "recv", json_false());
	if (a->loopback_ms != 0)
		json_object_set_new(args, "loopback_ms", json_integer(a->loopback_ms));
	if (a->backplane)
		json_object_set_new(args, "backplane", json_true());
	if (a->backplane_group != NULL)
		json_object_set_new(args, "backplane_group", json_string(a->backplane_group));
	rc = request(m, "conference.attach", args, &res);
	if (rc < 0)
		return rc;
	*part = reply_int(res, "participant");
	json_decref(res);
	return *part < 0 ? -EPROTO : 0;
}

int
cp_media_conf_detach(struct cp_media *m, int conf_id, int part)
{
	return request_ex(m, "conference.detach",
			  json_pack("{s:i, s:i}", "conference_id", conf_id, "participant", part),
			  NULL, false);
}

int
cp_media_conf_update(struct cp_media *m, int conf_id, int part, int lobby, int guest,
		     int hosts_only, int muted)
{
	json_t *args = json_pack("{s:i, s:i}", "conference_id", conf_id, "participant", part);

	if (args == NULL)
		return -ENOMEM;
	if (lobby >= 0)
		json_object_set_new(args, "lobby", json_boolean(lobby));
	if (guest >= 0)
		json_object_set_new(args, "role", json_string(guest ? "guest" : "host"));
	if (hosts_only >= 0)
		json_object_set_new(args, "hosts_only", json_boolean(hosts_only));
	if (muted >= 0)
		json_object_set_new(args, "muted", json_boolean(muted));
	return request(m, "conference.update", args, NULL);
}

int
cp_media_conf_direction(struct cp_media *m, int conf_id, int part, int send, int recv)
{
	json_t *args = json_pack("{s:i, s:i}", "conference_id", conf_id, "participant", part);

	if (args == NULL)
		return -ENOMEM;
	if (send >= 0)
		json_object_set_new(args, "send", json_boolean(send));
	if (recv >= 0)
		json_object_set_new(args, "recv", json_boolean(recv));
	return request(m, "conference.update", args, NULL);
}

int
cp_media_conf_prompt(struct cp_media *m, int conf_id, int part, const char *name, bool loop)
{
	json_t *args = json_pack("{s:i, s:i, s:o}", "conference_id", conf_id, "participant", part,
				 "prompt", name != NULL ? json_string(name) : json_null());

	if (args == NULL)
		return -ENOMEM;
	if (loop)
		json_object_set_new(args, "loop", json_true());
	/* Stopping a prompt has nothing to report: do not wait for it. */
	return request_ex(m, "conference.prompt", args, NULL, name != NULL);
}

int
cp_media_conf_send_dtmf(struct cp_media *m, int conf_id, int part, const char *digits)
{
	return request(m, "conference.send_dtmf",
		       json_pack("{s:i, s:i, s:s}", "conference_id", conf_id, "participant", part,
				 "digits", digits),
		       NULL);
}

int
cp_media_conf_dtmf(struct cp_media *m, int conf_id, cp_media_digit_fn fn, void *ctx)
{
	json_t *res = NULL, *d;
	size_t i;
	int rc;

	rc = request(m, "conference.dtmf", json_pack("{s:i}", "conference_id", conf_id), &res);
	if (rc < 0)
		return rc;
	json_array_foreach(json_object_get(res, "digits"), i, d) {
		const char *digit = json_string_value(json_object_get(d, "digit"));
		int part = reply_int(d, "participant");

		if (digit != NULL && digit[0] != '\0' && part >= 0)
			fn(ctx, conf_id, part, digit[0]);
	}
	json_decref(res);
	return 0;
}

int
cp_media_conf_stats(struct cp_media *m, int conf_id, json_t **res)
{
	return request(m, "conference.stats", json_pack("{s:i}", "conference_id", conf_id), res);
}
