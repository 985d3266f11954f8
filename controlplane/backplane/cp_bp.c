/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_bp.c - node-to-node control channel and ESP backplanes (see cp_bp.h).
 *
 * Objects: a peer per other worker_vm of the configuration; at most one
 * live connection per peer (struct bp_conn, TLS over a non-blocking TCP
 * socket on the su_root); per peer, the conferences it told us it hosts
 * (struct bp_rconf, with its roster) and one backplane (struct bp_link) per
 * conference both of us host; per node, the conferences hosted here
 * (struct bp_lconf); per peer, the participants' media this node carries
 * for it (struct bp_hosted, media placed here by the peer as signalling
 * node, guide part 1 §2.3).
 *
 * A connection dropped from inside its own I/O callback is marked dead,
 * unregistered and closed at once; its memory goes at the next tick.
 *
 * Keys: SA keys are derived (cp_bp_tls.h), sent to the data plane in one
 * request, and wiped; nothing here logs them.
 *
 * Context: control path (cp main loop).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cp_bp.h"
#include "cp_bp_msg.h"
#include "cp_bp_tls.h"
#include "cp_media.h"
#include "cp_place.h"
#include "cp_place_snap.h"
#include "cp_replica.h"
#include "cp_sip.h"
#include "cp_svc.h"
#include "tsr_log.h"

#define LOG_COMP "cp.bp"
#define ADMIN_COMP "administrator.conference"
#define TICK_MS 200
#define HANDSHAKE_MS 5000
#define TX_MAX (1u << 20)	/* queued output before a peer counts as stuck */
#define PENDING_MAX 64		/* connections not identified yet */
#define OLD_SA_GRACE_MS 2000	/* an old inbound SA outlives its rekey by this */
#define BYTES_CHECK_MS 5000
#define BP_PT 111
/* Guide part 5 §6, alarm 14: communication with a node lost for this long. */
#define PEER_ALARM_MS 10000
#define PEER_ALARM "Connectivity lost between nodes"

struct bp_peer;

struct bp_conn {
	struct bp_conn *next; /* bp->conns */
	struct cp_bp *bp;
	struct bp_peer *peer; /* NULL until identified (accepted connections) */
	int fd;
	SSL *ssl;
	int reg;
	int mask;
	bool client, handshaken, hello_rx, dead;
	uint64_t started_ms, last_rx_ms, next_ping_ms, ping_seq;
	uint8_t hdr[4];
	size_t hdr_n;
	uint8_t *body;
	size_t body_len, body_n;
	uint8_t *tx;
	size_t tx_len, tx_cap;
	unsigned int errors;
};

/* A conference a peer hosts (as it told us). */
struct bp_rconf {
	struct bp_rconf *next;
	char name[CP_BP_NAME_MAX];
	int64_t start;
	bool locked, guests_muted;
	json_t *roster; /* its participants, checked entries */
};

/* Our end of one backplane: conference conf with peer. */
struct bp_link {
	struct bp_link *next;
	char conf[CP_BP_NAME_MAX];
	uint16_t port, peer_port;
	uint32_t spi_in, spi_out, new_spi_in, old_spi_in;
	uint64_t old_in_del_ms, keyed_ms, bytes_check_ms;
	bool in_sa, out_sa, connected;
	int64_t stream;
	int dp_part, dp_conf;
	time_t since;
	char *roster_sent; /* last roster sent for conf, for change detection */
};

/*
 * The media of one of the peer's participants, carried here (media_host).
 * Invariants: stream >= 0 and port != 0 while it exists; dp_part >= 0 iff
 * attached to dp_conf, which then holds a hosted reference to the local
 * conference (cp_svc_mconf_get).
 */
struct bp_hosted {
	struct bp_hosted *next;
	char id[CP_BP_ID_MAX];
	char conf[CP_BP_NAME_MAX];
	char codec[16];
	uint8_t pt, dtmf_pt, channels;
	uint32_t rate;
	uint16_t port;
	int64_t stream;
	int dp_conf, dp_part;
	time_t since;
};

struct bp_peer {
	struct bp_peer *next;
	char name[CP_BP_NAME_MAX];
	char addr[46];
	char location[CP_BP_NAME_MAX];
	char media_addr[46]; /* from its hello */
	bool we_dial, seen;
	struct bp_conn *conn;
	bool up; /* hello received on conn */
	uint64_t retry_ms, backoff_ms;
	uint32_t load, capacity;
	uint64_t down_ms; /* when a channel that was up broke (0: up, or never up) */
	bool alarm;       /* PEER_ALARM raised about it */
	struct bp_rconf *confs;
	struct bp_link *links;
	struct bp_hosted *hosted; /* media carried here for its participants */
};

/* A conference hosted here. */
struct bp_lconf {
	struct bp_lconf *next;
	char name[CP_BP_NAME_MAX];
	int dp_conf;
	time_t start;
	bool locked, guests_muted;
};

struct cp_bp {
	su_root_t *root;
	struct cp_sip *sip;
	struct cp_bp_cfg cfg;
	char node[CP_BP_NAME_MAX];
	char location[CP_BP_NAME_MAX];
	char media_addr[46];
	SSL_CTX *ctx;
	int lfd, lreg;
	su_timer_t *tick;
	const struct cp_replica *replica_seen;
	long long version_seen;
	struct bp_peer *peers;
	struct bp_conn *conns;
	struct bp_lconf *lconfs;
	bool applying; /* applying a peer's conference state: do not echo it */
	uint64_t roster_ms;
	uint32_t load;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void conn_drop(struct bp_conn *c, const char *why);
static void reconcile(struct cp_bp *bp, const char *conf);
static void reconcile_all(struct cp_bp *bp);
static void update_load(struct cp_bp *bp);
static void link_close(struct cp_bp *bp, struct bp_peer *p, struct bp_link *l, const char *why,
		       bool notify);

/* ------------------------------------------------------------- admin log */

/*
 * A backplane set up or torn down (guide part 5: Protocol="BACKPLANE"): one
 * admin-log line and one event for the management node.
 */
static void
admin_bp(struct cp_bp *bp, const char *type, const char *message, const char *conf,
	 const struct bp_peer *p, const char *detail)
{
	char when[32];
	struct tm tm;
	time_t t = time(NULL);
	json_t *e;

	TSR_INFO(ADMIN_COMP,
		 "%s\tConference=\"%s\" Participant=\"%s\" Protocol=\"BACKPLANE\" "
		 "Direction=\"%s\" Media-node=\"%s\" Signaling-node=\"%s\" Location=\"%s\" "
		 "Detail=\"%s\"",
		 message, conf, p->name, p->we_dial ? "out" : "in", p->media_addr,
		 bp->media_addr, p->location, detail ? detail : "");
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "time", when, "type", type,
		      "message", message, "conference", conf, "participant", p->name, "protocol",
		      "BACKPLANE", "media_node", p->media_addr, "detail", detail ? detail : "");
	if (e != NULL)
		cp_svc_event_add(bp->sip->svc, e);
}

/*
 * Raise or lower "Connectivity lost between nodes" about peer @p p (one
 * alarm per pair, instance "<this node> to <peer>"): admin-log line and an
 * alarm_raised/alarm_lowered event for the management node's alarm table.
 */
static void
peer_alarm(struct cp_bp *bp, struct bp_peer *p, bool raise, const char *detail)
{
	char when[32], inst[2 * CP_BP_NAME_MAX + 8];
	struct tm tm;
	time_t t = time(NULL);
	json_t *e;

	if (p->alarm == raise)
		return;
	p->alarm = raise;
	snprintf(inst, sizeof(inst), "%s to %s", bp->node, p->name);
	if (raise)
		TSR_WARN("administrator.alarm", "Alarm raised\tName=\"%s\" Node=\"%s\" "
			 "Instance=\"%s\" Level=\"warning\" Detail=\"%s\"", PEER_ALARM, bp->node,
			 inst, detail);
	else
		TSR_INFO("administrator.alarm", "Alarm lowered\tName=\"%s\" Node=\"%s\" "
			 "Instance=\"%s\" Detail=\"%s\"", PEER_ALARM, bp->node, inst, detail);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "time", when, "type",
		      raise ? "alarm_raised" : "alarm_lowered", "message",
		      raise ? "Alarm raised" : "Alarm lowered", "alarm", PEER_ALARM, "instance",
		      inst, "detail", detail);
	if (e != NULL)
		cp_svc_event_add(bp->sip->svc, e);
}

/* ------------------------------------------------------------ lookups */

static struct bp_lconf *
lconf_find(struct cp_bp *bp, const char *name)
{
	for (struct bp_lconf *l = bp->lconfs; l != NULL; l = l->next)
		if (strcmp(l->name, name) == 0)
			return l;
	return NULL;
}

static struct bp_rconf *
rconf_find(struct bp_peer *p, const char *name)
{
	for (struct bp_rconf *r = p->confs; r != NULL; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

static struct bp_link *
link_find(struct bp_peer *p, const char *conf)
{
	for (struct bp_link *l = p->links; l != NULL; l = l->next)
		if (strcmp(l->conf, conf) == 0)
			return l;
	return NULL;
}

static struct bp_peer *
peer_find(struct cp_bp *bp, const char *name)
{
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static bool
spi_in_use(struct cp_bp *bp, uint32_t spi)
{
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next)
		for (struct bp_link *l = p->links; l != NULL; l = l->next)
			if (l->spi_in == spi || l->new_spi_in == spi || l->old_spi_in == spi)
				return true;
	return false;
}

static uint32_t
new_spi(struct cp_bp *bp)
{
	uint32_t spi = 0;

	while (spi < CP_BP_SPI_MIN || spi_in_use(bp, spi))
		if (getrandom(&spi, sizeof(spi), 0) != sizeof(spi))
			spi = (uint32_t)rand() ^ (uint32_t)now_ms();
	return spi;
}

/* ------------------------------------------------------------ sending */

static void
conn_mask(struct bp_conn *c, int mask)
{
	if (c->mask == mask || c->dead)
		return;
	c->mask = mask;
	su_root_eventmask(c->bp->root, c->reg, c->fd, mask);
}

static void
conn_flush(struct bp_conn *c)
{
	size_t w;

	while (!c->dead && c->handshaken && c->tx_len > 0) {
		if (SSL_write_ex(c->ssl, c->tx, c->tx_len, &w) == 1) {
			memmove(c->tx, c->tx + w, c->tx_len - w);
			c->tx_len -= w;
			continue;
		}
		switch (SSL_get_error(c->ssl, 0)) {
		case SSL_ERROR_WANT_WRITE:
			conn_mask(c, SU_WAIT_IN | SU_WAIT_OUT);
			return;
		case SSL_ERROR_WANT_READ:
			return;
		default:
			ERR_clear_error();
			conn_drop(c, "write failed");
			return;
		}
	}
	if (!c->dead && c->handshaken)
		conn_mask(c, SU_WAIT_IN);
}

static void
conn_send(struct bp_conn *c, const struct cp_bp_msg *m)
{
	uint8_t *frame;
	size_t n;
	int rc;

	if (c == NULL || c->dead)
		return;
	rc = cp_bp_msg_encode(m, &frame, &n);
	if (rc < 0) {
		TSR_WARN(LOG_COMP, "cannot encode a message\ttype=%s err=%s",
			 cp_bp_type_name(m->type) ?: "?", strerror(-rc));
		return;
	}
	if (c->tx_len + n > TX_MAX) {
		free(frame);
		conn_drop(c, "peer does not read");
		return;
	}
	if (c->tx_len + n > c->tx_cap) {
		size_t cap = c->tx_cap ? c->tx_cap : 4096;
		uint8_t *t;

		while (cap < c->tx_len + n)
			cap *= 2;
		t = realloc(c->tx, cap);
		if (t == NULL) {
			free(frame);
			conn_drop(c, "out of memory");
			return;
		}
		c->tx = t;
		c->tx_cap = cap;
	}
	memcpy(c->tx + c->tx_len, frame, n);
	c->tx_len += n;
	free(frame);
	conn_flush(c);
}

/* The peer's live connection, when its hello arrived. */
static struct bp_conn *
peer_conn(struct bp_peer *p)
{
	return p->up && p->conn != NULL && !p->conn->dead ? p->conn : NULL;
}

static void
send_conf(struct bp_conn *c, enum cp_bp_type t, const struct bp_lconf *l)
{
	struct cp_bp_msg m = {.type = t};

	snprintf(m.conference, sizeof(m.conference), "%s", l->name);
	m.start_time = l->start;
	m.locked = l->locked;
	m.guests_muted = l->guests_muted;
	conn_send(c, &m);
}

static void
send_simple(struct bp_conn *c, enum cp_bp_type t, const char *conf, uint16_t port, uint32_t spi,
	    const char *text)
{
	struct cp_bp_msg m = {.type = t, .port = port, .spi = spi};

	snprintf(m.conference, sizeof(m.conference), "%s", conf ? conf : "");
	snprintf(m.text, sizeof(m.text), "%s", text ? text : "");
	conn_send(c, &m);
}

/* ---------------------------------------------------------- data plane */

/* Which end of our TLS session sends on an SA we send on (out) or receive on. */
static enum cp_bp_dir
sa_dir(const struct bp_conn *c, bool we_send)
{
	return (c->client == we_send) ? CP_BP_DIR_CLIENT_SENDS : CP_BP_DIR_SERVER_SENDS;
}

/* Add (or, with @p old_spi, rekey) an SA with exporter keys. */
static int
sa_install(struct cp_bp *bp, struct bp_peer *p, bool out, uint32_t spi, uint32_t old_spi)
{
	struct cp_bp_sa_keys k;
	char key[2 * CP_BP_KEY_LEN + 1], salt[2 * CP_BP_SALT_LEN + 1];
	json_t *a;
	int rc;

	rc = cp_bp_key_derive(p->conn->ssl, sa_dir(p->conn, out), spi, &k);
	if (rc < 0)
		return rc;
	cp_bp_hex(k.key, sizeof(k.key), key);
	cp_bp_hex(k.salt, sizeof(k.salt), salt);
	OPENSSL_cleanse(&k, sizeof(k));
	if (old_spi != 0)
		a = json_pack("{s:I, s:s, s:I, s:s, s:s}", "spi", (json_int_t)old_spi, "direction",
			      out ? "out" : "in", "new_spi", (json_int_t)spi, "key", key, "salt",
			      salt);
	else
		a = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "spi", (json_int_t)spi,
			      "direction", out ? "out" : "in", "cipher", "aes256gcm", "key", key,
			      "salt", salt, "local", bp->media_addr, "remote", p->media_addr);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(salt, sizeof(salt));
	if (a == NULL)
		return -ENOMEM;
	/* Hard lifetimes back the rekey timer up: the data plane drops past them. */
	if (bp->cfg.rekey_s != 0)
		json_object_set_new(a, "lifetime_seconds", json_integer(2 * bp->cfg.rekey_s + 60));
	if (bp->cfg.rekey_bytes != 0)
		json_object_set_new(a, "lifetime_bytes",
				    json_integer((json_int_t)(2 * bp->cfg.rekey_bytes)));
	return cp_media_call(bp->sip->media, old_spi != 0 ? "esp.sa_rekey" : "esp.sa_add", a,
			     NULL);
}

static void
sa_del(struct cp_bp *bp, uint32_t spi, bool out)
{
	int rc;

	if (spi == 0)
		return;
	rc = cp_media_call(bp->sip->media, "esp.sa_del",
			   json_pack("{s:I, s:s}", "spi", (json_int_t)spi, "direction",
				     out ? "out" : "in"),
			   NULL);
	if (rc < 0 && rc != -ENOENT)
		TSR_WARN(LOG_COMP, "SA delete failed\tspi=%u direction=%s err=%s", spi,
			 out ? "out" : "in", strerror(-rc));
}

/* ------------------------------------------------------------ backplanes */

/*
 * Which backplanes exist (guide part 1 FR-DIST-5). Nodes of one location
 * join each other directly (local backplanes, a mesh of at most 3). Between
 * two locations only their proxies for the conference connect (geo
 * backplanes): the proxy of a location is, among its nodes that host the
 * conference and that this node can see (itself, peers whose channel is up
 * and that announced it), the one whose name sorts first. Every node
 * computes this from the same conf_up/conf_down announcements, so both
 * ends of a pair agree; when they briefly do not, the side that does not
 * want the backplane answers bp_open with bp_close and the other side
 * tries again when its view changes (or at the next second's check).
 *
 * A proxy attaches local backplanes to the group "local" and geo ones to
 * "geo": each hears the node's callers and the other group (data plane
 * conference.attach "backplane_group"), so a location's audio crosses to
 * another location once, through the two proxies, and never comes back.
 */

/* Same location as this node (an unknown location counts as the same). */
static bool
peer_local(const struct cp_bp *bp, const struct bp_peer *p)
{
	return bp->location[0] == '\0' || p->location[0] == '\0' ||
	       strcmp(bp->location, p->location) == 0;
}

/* Proxy of @p loc (with peer_local()'s rule for this node's own) for @p conf, or NULL. */
static const char *
proxy_of(struct cp_bp *bp, const struct bp_peer *of, const char *conf)
{
	const char *best = NULL;
	bool own = of == NULL;

	if (own && lconf_find(bp, conf) != NULL)
		best = bp->node;
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next) {
		if (peer_conn(p) == NULL || rconf_find(p, conf) == NULL)
			continue;
		if (own ? !peer_local(bp, p) : strcmp(p->location, of->location) != 0)
			continue;
		if (best == NULL || strcmp(p->name, best) < 0)
			best = p->name;
	}
	return best;
}

/* Should this node and peer @p p have a backplane for @p conf? */
static bool
link_wanted(struct cp_bp *bp, struct bp_peer *p, const char *conf)
{
	const char *mine, *theirs;

	if (peer_conn(p) == NULL || lconf_find(bp, conf) == NULL || rconf_find(p, conf) == NULL)
		return false;
	if (peer_local(bp, p))
		return true;
	mine = proxy_of(bp, NULL, conf);
	theirs = proxy_of(bp, p, conf);
	return mine != NULL && strcmp(mine, bp->node) == 0 && theirs != NULL &&
	       strcmp(theirs, p->name) == 0;
}

static void
link_free(struct bp_peer *p, struct bp_link *l)
{
	for (struct bp_link **pp = &p->links; *pp != NULL; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	free(l->roster_sent);
	free(l);
}

/*
 * Our end of the backplane for conference @p lc with peer @p p: a port and
 * an inbound SA, announced with bp_open. The rest follows the peer's bp_open.
 */
static struct bp_link *
link_open(struct cp_bp *bp, struct bp_peer *p, const struct bp_lconf *lc)
{
	struct bp_conn *c = peer_conn(p);
	struct bp_link *l = link_find(p, lc->name);
	int rc = -ENOMEM;

	if (l != NULL || c == NULL)
		return l;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		goto fail;
	snprintf(l->conf, sizeof(l->conf), "%s", lc->name);
	l->stream = -1;
	l->dp_part = -1;
	l->dp_conf = lc->dp_conf;
	l->next = p->links;
	p->links = l;
	rc = cp_media_port_get(bp->sip->media, &l->port);
	for (int tries = 0; rc == 0 && tries < 3; tries++) {
		l->spi_in = new_spi(bp);
		rc = sa_install(bp, p, false, l->spi_in, 0);
		if (rc != -EEXIST)
			break;
	}
	if (rc < 0)
		goto fail;
	l->in_sa = true;
	l->keyed_ms = l->bytes_check_ms = now_ms();
	send_simple(c, CP_BP_OPEN, l->conf, l->port, l->spi_in, NULL);
	TSR_INFO(LOG_COMP, "backplane offered\tconference=\"%s\" peer=%s port=%u spi_in=%u",
		 l->conf, p->name, l->port, l->spi_in);
	return l;
fail:
	TSR_WARN(LOG_COMP, "cannot set up a backplane\tconference=\"%s\" peer=%s err=%s",
		 lc->name, p->name, strerror(-rc));
	if (l != NULL)
		link_close(bp, p, l, "setup failed", true);
	return NULL;
}

/* The peer's end is known: outbound SA, stream, participant. */
static void
link_connect(struct cp_bp *bp, struct bp_peer *p, struct bp_link *l)
{
	struct cp_media_attach a = {.codec = "opus", .pt = BP_PT, .rate = 48000, .channels = 1,
				    .backplane = true,
				    .backplane_group = peer_local(bp, p) ? "local" : "geo"};
	json_t *args, *res = NULL;
	int rc;

	if (l->connected || l->spi_out == 0 || !l->in_sa)
		return;
	rc = sa_install(bp, p, true, l->spi_out, 0);
	if (rc < 0)
		goto fail;
	l->out_sa = true;
	args = json_pack("{s:s, s:i, s:s, s:i, s:b, s:b, s:b, s:I}", "local_ip", bp->media_addr,
			 "local_port", l->port, "remote_ip", p->media_addr, "remote_port",
			 l->peer_port, "latch", 0, "strict_source", 1, "rtcp_mux", 1, "esp_sa",
			 (json_int_t)l->spi_out);
	rc = cp_media_call(bp->sip->media, "stream.create", args, &res);
	if (rc == 0)
		l->stream = json_integer_value(json_object_get(res, "stream_id"));
	json_decref(res);
	if (rc < 0)
		goto fail;
	rc = cp_media_conf_attach(bp->sip->media, l->dp_conf, l->stream, &a, &l->dp_part);
	if (rc < 0)
		goto fail;
	l->connected = true;
	l->since = time(NULL);
	TSR_INFO(LOG_COMP, "backplane up\tconference=\"%s\" peer=%s local=%s:%u remote=%s:%u "
		 "spi_in=%u spi_out=%u stream=%lld", l->conf, p->name, bp->media_addr, l->port,
		 p->media_addr, l->peer_port, l->spi_in, l->spi_out, (long long)l->stream);
	admin_bp(bp, "backplane_connected", "Participant has joined.", l->conf, p,
		 "Backplane connected");
	return;
fail:
	TSR_WARN(LOG_COMP, "backplane setup failed\tconference=\"%s\" peer=%s err=%s", l->conf,
		 p->name, strerror(-rc));
	link_close(bp, p, l, "setup failed", true);
}

static void
link_close(struct cp_bp *bp, struct bp_peer *p, struct bp_link *l, const char *why, bool notify)
{
	struct cp_media *m = bp->sip->media;

	if (l->stream >= 0 && cp_media_stream_delete(m, l->stream) < 0)
		TSR_WARN(LOG_COMP, "backplane stream delete failed\tstream=%lld",
			 (long long)l->stream);
	if (l->out_sa)
		sa_del(bp, l->spi_out, true);
	if (l->in_sa)
		sa_del(bp, l->spi_in, false);
	sa_del(bp, l->new_spi_in, false);
	sa_del(bp, l->old_spi_in, false);
	cp_media_port_put(m, l->port);
	if (notify && peer_conn(p) != NULL)
		send_simple(p->conn, CP_BP_CLOSE, l->conf, 0, 0, why);
	if (l->connected) {
		TSR_INFO(LOG_COMP, "backplane down\tconference=\"%s\" peer=%s reason=\"%s\"",
			 l->conf, p->name, why);
		admin_bp(bp, "backplane_disconnected", "Participant has disconnected.", l->conf, p,
			 why);
	}
	link_free(p, l);
}

/* Rekey our inbound SA of @p l: a new SPI under a new exporter context. */
static void
link_rekey(struct cp_bp *bp, struct bp_peer *p, struct bp_link *l)
{
	uint32_t spi = new_spi(bp);
	int rc = sa_install(bp, p, false, spi, 0);

	if (rc < 0) {
		TSR_WARN(LOG_COMP, "rekey: new inbound SA refused\tconference=\"%s\" peer=%s "
			 "err=%s", l->conf, p->name, strerror(-rc));
		l->keyed_ms = now_ms(); /* try again after a full period */
		return;
	}
	l->new_spi_in = spi;
	send_simple(p->conn, CP_BP_REKEY, l->conf, 0, spi, NULL);
	TSR_INFO(LOG_COMP, "rekey started\tconference=\"%s\" peer=%s spi_in=%u new_spi_in=%u",
		 l->conf, p->name, l->spi_in, spi);
}

/* Time or bytes: rekey due? (on the tick) */
static void
link_check(struct cp_bp *bp, struct bp_peer *p, struct bp_link *l, uint64_t now)
{
	json_t *res = NULL;

	if (l->old_spi_in != 0 && now >= l->old_in_del_ms) {
		sa_del(bp, l->old_spi_in, false);
		l->old_spi_in = 0;
	}
	if (!l->connected || l->new_spi_in != 0 || l->old_spi_in != 0)
		return;
	if (bp->cfg.rekey_s != 0 && now - l->keyed_ms >= (uint64_t)bp->cfg.rekey_s * 1000) {
		link_rekey(bp, p, l);
		return;
	}
	if (bp->cfg.rekey_bytes == 0 || now - l->bytes_check_ms < BYTES_CHECK_MS)
		return;
	l->bytes_check_ms = now;
	if (cp_media_call(bp->sip->media, "esp.sa_stats",
			  json_pack("{s:I, s:s}", "spi", (json_int_t)l->spi_in, "direction", "in"),
			  &res) == 0 &&
	    (uint64_t)json_integer_value(json_object_get(res, "bytes")) >= bp->cfg.rekey_bytes)
		link_rekey(bp, p, l);
	json_decref(res);
}

/*
 * After a change in who hosts @p conf or in the channels: open the
 * backplanes of it that should exist (link_wanted()) and close the others.
 */
static void
reconcile(struct cp_bp *bp, const char *conf)
{
	char name[CP_BP_NAME_MAX];
	struct bp_lconf *lc;

	snprintf(name, sizeof(name), "%s", conf); /* @p conf may go with a link */
	lc = lconf_find(bp, name);
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next) {
		struct bp_link *l = link_find(p, name);
		bool want = lc != NULL && link_wanted(bp, p, name);

		if (want && l == NULL) {
			link_open(bp, p, lc);
		} else if (!want && l != NULL && peer_conn(p) != NULL) {
			TSR_INFO(LOG_COMP, "backplane not needed\tconference=\"%s\" peer=%s "
				 "reason=\"proxy changed\"", name, p->name);
			link_close(bp, p, l, "not the proxy of its location", true);
		}
	}
}

static void
reconcile_all(struct cp_bp *bp)
{
	for (struct bp_lconf *lc = bp->lconfs, *next; lc != NULL; lc = next) {
		next = lc->next;
		reconcile(bp, lc->name);
	}
}

/* ------------------------------------------------------- conference state */

static void
adopt_state(struct cp_bp *bp, struct bp_lconf *lc, bool locked, bool guests_muted)
{
	struct cp_svc *v = bp->sip->svc;

	bp->applying = true;
	if (lc->locked != locked && cp_svc_conf_lock(v, lc->name, locked) == 0)
		lc->locked = locked;
	if (lc->guests_muted != guests_muted &&
	    cp_svc_conf_mute_guests(v, lc->name, guests_muted) == 0)
		lc->guests_muted = guests_muted;
	bp->applying = false;
}

/* Does the peer's instance predate ours (its lock and mute win)? */
static bool
peer_is_older(const struct cp_bp *bp, const struct bp_peer *p, const struct bp_rconf *r,
	      const struct bp_lconf *lc)
{
	return r->start < lc->start || (r->start == lc->start && strcmp(p->name, bp->node) < 0);
}

/* ---------------------------------------------- media hosted for a peer */

static struct bp_hosted *
hosted_find(struct bp_peer *p, const char *id)
{
	for (struct bp_hosted *h = p->hosted; h != NULL; h = h->next)
		if (strcmp(h->id, id) == 0)
			return h;
	return NULL;
}

static void
send_media(struct bp_conn *c, enum cp_bp_type t, const char *id, const char *text)
{
	struct cp_bp_msg m = {.type = t};

	snprintf(m.id, sizeof(m.id), "%s", id);
	snprintf(m.text, sizeof(m.text), "%s", text ? text : "");
	conn_send(c, &m);
}

static void
hosted_detach(struct cp_bp *bp, struct bp_hosted *h)
{
	if (h->dp_part < 0)
		return;
	if (cp_media_conf_detach(bp->sip->media, h->dp_conf, h->dp_part) < 0)
		TSR_WARN(LOG_COMP, "hosted media detach failed\tparticipant=%s dp=%d part=%d",
			 h->id, h->dp_conf, h->dp_part);
	h->dp_part = -1;
	h->dp_conf = -1;
	cp_svc_mconf_put(bp->sip->svc, h->conf, true);
}

/* Detach, delete the stream, give the port back, forget it. */
static void
hosted_release(struct cp_bp *bp, struct bp_peer *p, struct bp_hosted *h, const char *why)
{
	hosted_detach(bp, h);
	if (h->stream >= 0 && cp_media_stream_delete(bp->sip->media, h->stream) < 0)
		TSR_WARN(LOG_COMP, "hosted media stream delete failed\tstream=%lld",
			 (long long)h->stream);
	cp_media_port_put(bp->sip->media, h->port);
	TSR_INFO(LOG_COMP, "hosted media released\tparticipant=%s conference=\"%s\" peer=%s "
		 "port=%u reason=\"%s\"", h->id, h->conf, p->name, h->port, why);
	for (struct bp_hosted **pp = &p->hosted; *pp != NULL; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	free(h);
}

static enum cp_srtp_suite
suite_of(const char *name)
{
	for (int s = CP_SRTP_AES_CM_128_HMAC_SHA1_80; s <= CP_SRTP_AEAD_AES_256_GCM; s++)
		if (strcmp(name, cp_srtp_suite_name((enum cp_srtp_suite)s)) == 0)
			return (enum cp_srtp_suite)s;
	return CP_SRTP_NONE;
}

/* media_host: create (or update) the participant's SRTP stream here. */
static void
on_media_host(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct cp_bp *bp = c->bp;
	struct bp_peer *p = c->peer;
	struct bp_hosted *h = hosted_find(p, m->id);
	const struct cp_bp_media_desc *d = &m->media;
	struct cp_media_stream_cfg cfg;
	bool fresh = h == NULL;
	int rc = -ENOMEM;

	if (h != NULL && strcmp(h->conf, m->conference) != 0) {
		send_media(c, CP_BP_MEDIA_FAILED, m->id, "media_host: another conference");
		return;
	}
	if (fresh) {
		h = calloc(1, sizeof(*h));
		if (h == NULL)
			goto fail;
		snprintf(h->id, sizeof(h->id), "%s", m->id);
		snprintf(h->conf, sizeof(h->conf), "%s", m->conference);
		h->stream = -1;
		h->dp_conf = h->dp_part = -1;
		h->since = time(NULL);
		rc = cp_media_port_get(bp->sip->media, &h->port);
		if (rc < 0)
			goto fail;
	}
	snprintf(h->codec, sizeof(h->codec), "%s", d->codec);
	h->pt = d->pt;
	h->dtmf_pt = d->dtmf_pt;
	h->rate = d->rate;
	h->channels = d->channels;
	cfg = (struct cp_media_stream_cfg){
		.local_ip = bp->sip->cfg.media_addr,
		.local_port = h->port,
		.remote_ip = d->remote_addr[0] != '\0' && d->remote_port != 0 ? d->remote_addr : NULL,
		.remote_port = d->remote_port,
		.rtcp_mux = d->rtcp_mux,
		.in_suite = suite_of(d->in_suite),
		.in_key = d->in_key,
		.out_suite = suite_of(d->out_suite),
		.out_key = d->out_key,
		.relay_to = -1,
	};
	rc = h->stream < 0 ? cp_media_stream_create(bp->sip->media, &cfg, &h->stream) :
			     cp_media_stream_update(bp->sip->media, h->stream, &cfg);
	if (rc < 0)
		goto fail;
	if (fresh) {
		h->next = p->hosted;
		p->hosted = h;
	}
	TSR_INFO(LOG_COMP, "hosting media\tparticipant=%s conference=\"%s\" signalling_node=%s "
		 "port=%u stream=%lld codec=%s srtp=%s", h->id, h->conf, p->name, h->port,
		 (long long)h->stream, h->codec, d->in_suite);
	{
		struct cp_bp_msg r = {.type = CP_BP_MEDIA_HOSTED, .port = h->port};

		snprintf(r.id, sizeof(r.id), "%s", h->id);
		snprintf(r.media_addr, sizeof(r.media_addr), "%s", bp->sip->cfg.media_addr);
		conn_send(c, &r);
	}
	return;
fail:
	TSR_WARN(LOG_COMP, "cannot host media\tparticipant=%s peer=%s err=%s", m->id, p->name,
		 strerror(-rc));
	if (fresh && h != NULL) {
		cp_media_port_put(bp->sip->media, h->port);
		free(h);
	} else if (h != NULL) {
		hosted_release(bp, p, h, "stream update failed");
	}
	send_media(c, CP_BP_MEDIA_FAILED, m->id, rc == -ENOSPC ? "no media port free" :
							     "media setup failed");
}

static void
on_media_attach(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct cp_bp *bp = c->bp;
	struct bp_hosted *h = hosted_find(c->peer, m->id);
	struct cp_media_attach a;
	int rc;

	if (h == NULL || h->dp_part >= 0) {
		send_media(c, CP_BP_MEDIA_FAILED, m->id, "media_attach: no such media, or attached");
		return;
	}
	a = (struct cp_media_attach){.codec = h->codec, .pt = h->pt, .dtmf_pt = h->dtmf_pt,
				     .rate = h->rate, .channels = h->channels,
				     .guest = m->guest == 1, .hosts_only = m->hosts_only == 1,
				     .lobby = m->lobby == 1};
	rc = cp_svc_mconf_get(bp->sip->svc, h->conf, true, &h->dp_conf);
	if (rc == 0) {
		rc = cp_media_conf_attach(bp->sip->media, h->dp_conf, h->stream, &a, &h->dp_part);
		if (rc < 0) {
			h->dp_part = -1;
			cp_svc_mconf_put(bp->sip->svc, h->conf, true);
		}
	}
	if (rc < 0) {
		TSR_WARN(LOG_COMP, "hosted media attach failed\tparticipant=%s err=%s", h->id,
			 strerror(-rc));
		h->dp_conf = -1;
		send_media(c, CP_BP_MEDIA_FAILED, m->id, "attach failed");
	}
}

/* media_update, media_prompt, media_send_dtmf, media_detach, media_release. */
static void
on_media_op(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct cp_bp *bp = c->bp;
	struct bp_hosted *h = hosted_find(c->peer, m->id);
	int rc = 0;

	if (h == NULL) {
		if (m->type != CP_BP_MEDIA_RELEASE) /* released already: nothing to say */
			send_media(c, CP_BP_MEDIA_FAILED, m->id, "no such media here");
		return;
	}
	switch (m->type) {
	case CP_BP_MEDIA_RELEASE:
		hosted_release(bp, c->peer, h, "released by the signalling node");
		return;
	case CP_BP_MEDIA_DETACH:
		hosted_detach(bp, h);
		return;
	default:
		break;
	}
	if (h->dp_part < 0) {
		send_media(c, CP_BP_MEDIA_FAILED, m->id, "not attached");
		return;
	}
	if (m->type == CP_BP_MEDIA_UPDATE) {
		if (m->lobby >= 0 || m->guest >= 0 || m->hosts_only >= 0 || m->muted >= 0)
			rc = cp_media_conf_update(bp->sip->media, h->dp_conf, h->dp_part, m->lobby,
						  m->guest, m->hosts_only, m->muted);
		if (rc == 0 && m->has_dir)
			rc = cp_media_conf_direction(bp->sip->media, h->dp_conf, h->dp_part,
						     m->send, m->recv);
	} else if (m->type == CP_BP_MEDIA_PROMPT) {
		rc = cp_media_conf_prompt(bp->sip->media, h->dp_conf, h->dp_part,
					  m->text[0] != '\0' ? m->text : NULL, m->loop);
	} else if (m->type == CP_BP_MEDIA_SEND_DTMF) {
		rc = cp_media_conf_send_dtmf(bp->sip->media, h->dp_conf, h->dp_part, m->digits);
	}
	if (rc < 0) {
		TSR_WARN(LOG_COMP, "hosted media request failed\tparticipant=%s type=%s err=%s",
			 h->id, cp_bp_type_name(m->type), strerror(-rc));
		/* A prompt the data plane does not have is not worth the call. */
		if (m->type != CP_BP_MEDIA_PROMPT)
			send_media(c, CP_BP_MEDIA_FAILED, m->id, "media request failed");
	}
}

bool
cp_bp_media_digit(struct cp_bp *bp, int dp_conf, int part, char digit)
{
	if (bp == NULL)
		return false;
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next)
		for (struct bp_hosted *h = p->hosted; h != NULL; h = h->next) {
			struct cp_bp_msg m = {.type = CP_BP_MEDIA_DIGITS};

			if (h->dp_conf != dp_conf || h->dp_part != part)
				continue;
			snprintf(m.id, sizeof(m.id), "%s", h->id);
			m.digits[0] = digit;
			if (peer_conn(p) != NULL)
				conn_send(p->conn, &m);
			return true;
		}
	return false;
}

unsigned int
cp_bp_media_hosted(const struct cp_bp *bp)
{
	unsigned int n = 0;

	for (const struct bp_peer *p = bp ? bp->peers : NULL; p != NULL; p = p->next)
		for (const struct bp_hosted *h = p->hosted; h != NULL; h = h->next)
			n++;
	return n;
}

static void
rconf_free(struct bp_rconf *r)
{
	json_decref(r->roster);
	free(r);
}

/* The peer's channel is gone: its backplanes and what it told us go too. */
static void
peer_down(struct cp_bp *bp, struct bp_peer *p, const char *why)
{
	while (p->links != NULL)
		link_close(bp, p, p->links, why, false);
	/* No live fail-over (guide part 1 FR-RED-2): media either way is lost. */
	while (p->hosted != NULL)
		hosted_release(bp, p, p->hosted, why);
	if (bp->sip->bp == bp)
		cp_svc_rmedia_lost(bp->sip->svc, p->name, why);
	while (p->confs != NULL) {
		struct bp_rconf *r = p->confs;

		p->confs = r->next;
		rconf_free(r);
	}
	if (p->up) {
		TSR_WARN(LOG_COMP, "peer down\tpeer=%s reason=\"%s\"", p->name, why);
		p->down_ms = now_ms();
	}
	p->up = false;
	p->conn = NULL;
	p->load = p->capacity = 0;
	p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : CP_BP_RETRY_MIN_MS;
	if (p->backoff_ms > CP_BP_RETRY_MAX_MS)
		p->backoff_ms = CP_BP_RETRY_MAX_MS;
	p->retry_ms = now_ms() + p->backoff_ms;
	reconcile_all(bp); /* it may have been a location's proxy */
}

/* ------------------------------------------------------------ messages */

static void
on_hello(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct cp_bp *bp = c->bp;
	struct bp_peer *p = c->peer;

	if (m->version != CP_BP_VERSION || strcmp(m->node, p->name) != 0) {
		send_simple(c, CP_BP_ERROR, NULL, 0, 0, "hello: wrong version or node name");
		conn_drop(c, "hello does not match the certificate or version");
		return;
	}
	c->hello_rx = true;
	p->up = true;
	p->backoff_ms = 0;
	p->down_ms = 0;
	peer_alarm(bp, p, false, "node-to-node channel up again");
	snprintf(p->media_addr, sizeof(p->media_addr), "%s", m->media_addr);
	if (m->location[0] != '\0')
		snprintf(p->location, sizeof(p->location), "%s", m->location);
	TSR_INFO(LOG_COMP, "peer up\tpeer=%s address=%s media_addr=%s location=\"%s\" role=%s",
		 p->name, p->addr, p->media_addr, p->location, c->client ? "client" : "server");
	for (struct bp_lconf *l = bp->lconfs; l != NULL; l = l->next)
		send_conf(c, CP_BP_CONF_UP, l);
}

static void
on_conf_up(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct cp_bp *bp = c->bp;
	struct bp_peer *p = c->peer;
	struct bp_rconf *r = rconf_find(p, m->conference);
	struct bp_lconf *lc;

	if (r == NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return;
		snprintf(r->name, sizeof(r->name), "%s", m->conference);
		r->next = p->confs;
		p->confs = r;
	}
	r->start = m->start_time;
	r->locked = m->locked;
	r->guests_muted = m->guests_muted;
	lc = lconf_find(bp, m->conference);
	if (lc == NULL)
		return;
	if (peer_is_older(bp, p, r, lc))
		adopt_state(bp, lc, r->locked, r->guests_muted);
	reconcile(bp, m->conference); /* a new host may change a location's proxy */
}

static void
on_conf_down(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct bp_peer *p = c->peer;
	struct bp_link *l = link_find(p, m->conference);

	if (l != NULL)
		link_close(c->bp, p, l, "conference ended on the peer", false);
	for (struct bp_rconf **pp = &p->confs; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->name, m->conference) == 0) {
			struct bp_rconf *r = *pp;

			*pp = r->next;
			rconf_free(r);
			break;
		}
	reconcile(c->bp, m->conference);
}

static void
on_open(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct cp_bp *bp = c->bp;
	struct bp_peer *p = c->peer;
	struct bp_lconf *lc = lconf_find(bp, m->conference);
	struct bp_link *l;

	if (lc == NULL || rconf_find(p, m->conference) == NULL) {
		send_simple(c, CP_BP_CLOSE, m->conference, 0, 0, "conference not hosted here");
		return;
	}
	if (!link_wanted(bp, p, m->conference)) {
		send_simple(c, CP_BP_CLOSE, m->conference, 0, 0, "not the proxy of its location");
		return;
	}
	l = link_open(bp, p, lc);
	if (l == NULL)
		return;
	if (l->connected) {
		/* A second bp_open for a live backplane: the peer started over. */
		link_close(bp, p, l, "peer restarted the backplane", false);
		l = link_open(bp, p, lc);
		if (l == NULL)
			return;
	}
	l->peer_port = m->port;
	l->spi_out = m->spi;
	link_connect(bp, p, l);
}

static void
on_close(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct bp_link *l = link_find(c->peer, m->conference);

	if (l != NULL)
		link_close(c->bp, c->peer, l, m->text[0] ? m->text : "closed by the peer", false);
}

/* The peer rekeyed its inbound SA: move our outbound one to the new SPI. */
static void
on_rekey(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct cp_bp *bp = c->bp;
	struct bp_link *l = link_find(c->peer, m->conference);
	uint32_t old;
	int rc;

	if (l == NULL || !l->connected) {
		send_simple(c, CP_BP_ERROR, NULL, 0, 0, "bp_rekey: no such backplane");
		return;
	}
	old = l->spi_out;
	rc = sa_install(bp, c->peer, true, m->spi, old); /* esp.sa_rekey: streams switch */
	if (rc < 0) {
		TSR_WARN(LOG_COMP, "rekey: outbound switch failed\tconference=\"%s\" peer=%s err=%s",
			 l->conf, c->peer->name, strerror(-rc));
		link_close(bp, c->peer, l, "rekey failed", true);
		return;
	}
	l->spi_out = m->spi;
	sa_del(bp, old, true);
	send_simple(c, CP_BP_REKEYED, l->conf, 0, m->spi, NULL);
	TSR_INFO(LOG_COMP, "rekeyed outbound\tconference=\"%s\" peer=%s spi_out=%u old=%u",
		 l->conf, c->peer->name, m->spi, old);
}

static void
on_rekeyed(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct bp_link *l = link_find(c->peer, m->conference);

	if (l == NULL || l->new_spi_in == 0 || l->new_spi_in != m->spi)
		return;
	/* In-flight packets under the old SA still get in for a moment. */
	l->old_spi_in = l->spi_in;
	l->old_in_del_ms = now_ms() + OLD_SA_GRACE_MS;
	l->spi_in = l->new_spi_in;
	l->new_spi_in = 0;
	l->keyed_ms = now_ms();
	TSR_INFO(LOG_COMP, "rekeyed inbound\tconference=\"%s\" peer=%s spi_in=%u", l->conf,
		 c->peer->name, l->spi_in);
}

static void
on_conf_state(struct bp_conn *c, const struct cp_bp_msg *m)
{
	struct bp_lconf *lc = lconf_find(c->bp, m->conference);
	struct bp_rconf *r = rconf_find(c->peer, m->conference);

	if (r != NULL) {
		r->locked = m->locked;
		r->guests_muted = m->guests_muted;
	}
	if (lc != NULL)
		adopt_state(c->bp, lc, m->locked, m->guests_muted);
}

static void
on_roster(struct bp_conn *c, struct cp_bp_msg *m)
{
	struct bp_rconf *r = rconf_find(c->peer, m->conference);

	if (r == NULL)
		return;
	json_decref(r->roster);
	r->roster = m->participants; /* take it */
	m->participants = NULL;
}

static void
on_frame(struct bp_conn *c, const uint8_t *buf, size_t len)
{
	struct cp_bp_msg m;
	char err[160] = "";
	int rc = cp_bp_msg_parse((const char *)buf, len, &m, err, sizeof(err));

	c->last_rx_ms = now_ms();
	if (rc < 0) {
		TSR_WARN(LOG_COMP, "bad message from a peer\tpeer=%s err=\"%s\"",
			 c->peer ? c->peer->name : "?", err);
		send_simple(c, CP_BP_ERROR, NULL, 0, 0, err);
		if (++c->errors > 100 || !c->hello_rx)
			conn_drop(c, "too many bad messages");
		cp_bp_msg_fini(&m);
		return;
	}
	if (!c->hello_rx && m.type != CP_BP_HELLO) {
		send_simple(c, CP_BP_ERROR, NULL, 0, 0, "hello first");
		conn_drop(c, "no hello");
		cp_bp_msg_fini(&m);
		return;
	}
	switch (m.type) {
	case CP_BP_HELLO:
		if (c->hello_rx)
			send_simple(c, CP_BP_ERROR, NULL, 0, 0, "hello twice");
		else
			on_hello(c, &m);
		break;
	case CP_BP_PING:
		c->peer->load = m.load;
		c->peer->capacity = m.capacity;
		{
			struct cp_bp_msg pong = {.type = CP_BP_PONG, .seq = m.seq};

			update_load(c->bp);
			cp_bp_load(c->bp, &pong.load, &pong.capacity);
			conn_send(c, &pong);
		}
		break;
	case CP_BP_PONG:
		c->peer->load = m.load;
		c->peer->capacity = m.capacity;
		break;
	case CP_BP_CONF_UP:
		on_conf_up(c, &m);
		break;
	case CP_BP_CONF_DOWN:
		on_conf_down(c, &m);
		break;
	case CP_BP_OPEN:
		on_open(c, &m);
		break;
	case CP_BP_CLOSE:
		on_close(c, &m);
		break;
	case CP_BP_REKEY:
		on_rekey(c, &m);
		break;
	case CP_BP_REKEYED:
		on_rekeyed(c, &m);
		break;
	case CP_BP_CONF_STATE:
		on_conf_state(c, &m);
		break;
	case CP_BP_ROSTER:
		on_roster(c, &m);
		break;
	case CP_BP_ERROR:
		TSR_WARN(LOG_COMP, "peer reports an error\tpeer=%s message=\"%s\"", c->peer->name,
			 m.text);
		break;
	case CP_BP_MEDIA_HOST:
		on_media_host(c, &m);
		break;
	case CP_BP_MEDIA_ATTACH:
		on_media_attach(c, &m);
		break;
	case CP_BP_MEDIA_UPDATE:
	case CP_BP_MEDIA_PROMPT:
	case CP_BP_MEDIA_SEND_DTMF:
	case CP_BP_MEDIA_DETACH:
	case CP_BP_MEDIA_RELEASE:
		on_media_op(c, &m);
		break;
	case CP_BP_MEDIA_HOSTED:
		cp_svc_rmedia_hosted(c->bp->sip->svc, c->peer->name, m.id, m.media_addr, m.port);
		break;
	case CP_BP_MEDIA_DIGITS:
		cp_svc_rmedia_digits(c->bp->sip->svc, c->peer->name, m.id, m.digits);
		break;
	case CP_BP_MEDIA_FAILED:
		cp_svc_rmedia_failed(c->bp->sip->svc, c->peer->name, m.id, m.text);
		break;
	default:
		break;
	}
	cp_bp_msg_fini(&m);
}

/* ---------------------------------------------------------- connections */

static void
conn_drop(struct bp_conn *c, const char *why)
{
	struct cp_bp *bp = c->bp;

	if (c->dead)
		return;
	c->dead = true;
	TSR_INFO(LOG_COMP, "channel closed\tpeer=%s reason=\"%s\"", c->peer ? c->peer->name : "?",
		 why);
	if (c->peer != NULL && c->peer->conn == c)
		peer_down(bp, c->peer, why);
	if (c->reg > 0)
		su_root_deregister(bp->root, c->reg);
	c->reg = 0;
	SSL_free(c->ssl);
	c->ssl = NULL;
	close(c->fd);
	c->fd = -1;
	free(c->body);
	c->body = NULL;
	free(c->tx);
	c->tx = NULL;
	c->tx_len = c->tx_cap = 0;
}

/* The handshake is done: who is it? */
static void
on_handshake(struct bp_conn *c)
{
	struct cp_bp *bp = c->bp;
	char name[CP_BP_NAME_MAX];
	struct bp_peer *p;
	struct cp_bp_msg hello = {.type = CP_BP_HELLO, .version = CP_BP_VERSION};
	int rc = cp_bp_tls_peer_name(c->ssl, name, sizeof(name));

	if (rc < 0) {
		conn_drop(c, "peer certificate not acceptable");
		return;
	}
	if (c->client) {
		if (strcmp(name, c->peer->name) != 0) {
			TSR_WARN(LOG_COMP, "peer certificate names another node\texpected=%s got=%s",
				 c->peer->name, name);
			conn_drop(c, "certificate names another node");
			return;
		}
	} else {
		p = peer_find(bp, name);
		if (p == NULL || p->we_dial) {
			TSR_WARN(LOG_COMP, "connection from an unexpected node refused\tnode=%s",
				 name);
			conn_drop(c, "not a peer that dials us");
			return;
		}
		if (p->conn != NULL && p->conn != c)
			conn_drop(p->conn, "replaced by a new connection");
		c->peer = p;
		p->conn = c;
	}
	snprintf(hello.node, sizeof(hello.node), "%s", bp->node);
	snprintf(hello.location, sizeof(hello.location), "%s", bp->location);
	snprintf(hello.media_addr, sizeof(hello.media_addr), "%s", bp->media_addr);
	c->next_ping_ms = now_ms() + CP_BP_PING_MS;
	conn_send(c, &hello);
}

static void
conn_read(struct bp_conn *c)
{
	uint8_t buf[16384];
	size_t n, off;

	while (!c->dead) {
		if (SSL_read_ex(c->ssl, buf, sizeof(buf), &n) != 1) {
			switch (SSL_get_error(c->ssl, 0)) {
			case SSL_ERROR_WANT_READ:
				return;
			case SSL_ERROR_WANT_WRITE:
				conn_mask(c, SU_WAIT_IN | SU_WAIT_OUT);
				return;
			case SSL_ERROR_ZERO_RETURN:
				conn_drop(c, "closed by the peer");
				return;
			default:
				ERR_clear_error();
				conn_drop(c, "connection lost");
				return;
			}
		}
		for (off = 0; off < n && !c->dead;) {
			if (c->body == NULL) {
				size_t k = 4 - c->hdr_n < n - off ? 4 - c->hdr_n : n - off;
				int len;

				memcpy(c->hdr + c->hdr_n, buf + off, k);
				c->hdr_n += k;
				off += k;
				if (c->hdr_n < 4)
					continue;
				len = cp_bp_frame_len(c->hdr);
				if (len < 0) {
					conn_drop(c, "bad frame length");
					return;
				}
				c->body = malloc((size_t)len);
				if (c->body == NULL) {
					conn_drop(c, "out of memory");
					return;
				}
				c->body_len = (size_t)len;
				c->body_n = 0;
				continue;
			}
			{
				size_t k = c->body_len - c->body_n < n - off ? c->body_len - c->body_n :
									     n - off;
				uint8_t *body;

				memcpy(c->body + c->body_n, buf + off, k);
				c->body_n += k;
				off += k;
				if (c->body_n < c->body_len)
					continue;
				body = c->body;
				c->body = NULL;
				c->hdr_n = 0;
				on_frame(c, body, c->body_len);
				free(body);
			}
		}
	}
}

static void
conn_drive(struct bp_conn *c)
{
	if (c->dead)
		return;
	if (!c->handshaken) {
		int r = SSL_do_handshake(c->ssl);

		if (r != 1) {
			switch (SSL_get_error(c->ssl, r)) {
			case SSL_ERROR_WANT_READ:
				conn_mask(c, SU_WAIT_IN);
				return;
			case SSL_ERROR_WANT_WRITE:
				conn_mask(c, SU_WAIT_IN | SU_WAIT_OUT);
				return;
			default: {
				unsigned long e = ERR_peek_error();
				char why[160];

				snprintf(why, sizeof(why), "TLS handshake failed: %s",
					 e ? ERR_reason_error_string(e) ?: "?" : "connection lost");
				ERR_clear_error();
				conn_drop(c, why);
				return;
			}
			}
		}
		c->handshaken = true;
		c->last_rx_ms = now_ms();
		on_handshake(c);
	}
	conn_read(c);
	conn_flush(c);
}

static int
on_conn_io(su_root_magic_t *magic, su_wait_t *w, su_wakeup_arg_t *arg)
{
	struct bp_conn *c = (struct bp_conn *)arg;

	(void)magic;
	if (c->dead)
		return 0;
	su_wait_events(w, c->fd);
	conn_drive(c);
	return 0;
}

static struct bp_conn *
conn_new(struct cp_bp *bp, int fd, bool client)
{
	struct bp_conn *c = calloc(1, sizeof(*c));
	su_wait_t w[1];

	if (c == NULL)
		return NULL;
	c->bp = bp;
	c->fd = fd;
	c->client = client;
	c->started_ms = c->last_rx_ms = now_ms();
	c->ssl = SSL_new(bp->ctx);
	c->mask = SU_WAIT_IN | SU_WAIT_OUT;
	if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1 ||
	    su_wait_create(w, fd, c->mask) < 0 ||
	    (c->reg = su_root_register(bp->root, w, on_conn_io, (su_wakeup_arg_t *)c, 0)) <= 0) {
		SSL_free(c->ssl);
		free(c);
		return NULL;
	}
	if (client)
		SSL_set_connect_state(c->ssl);
	else
		SSL_set_accept_state(c->ssl);
	c->next = bp->conns;
	bp->conns = c;
	return c;
}

static int
sockaddr_of(const char *ip, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

static void
conn_dial(struct cp_bp *bp, struct bp_peer *p)
{
	struct sockaddr_storage ss, ls;
	socklen_t len, llen;
	struct bp_conn *c;
	int fd;

	/* Until this attempt ends (peer_down doubles the back-off when it fails). */
	p->retry_ms = now_ms() + (p->backoff_ms ? p->backoff_ms : CP_BP_RETRY_MIN_MS);
	if (sockaddr_of(p->addr, bp->cfg.port, &ss, &len) < 0)
		return;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	/* From our backplane address, so the peer sees the node it knows. */
	if (sockaddr_of(bp->cfg.listen_addr, 0, &ls, &llen) == 0 && ls.ss_family == ss.ss_family &&
	    bind(fd, (struct sockaddr *)&ls, llen) < 0)
		TSR_DEBUG(LOG_COMP, "cannot bind the dialling socket\terr=%s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		TSR_DEBUG(LOG_COMP, "connect failed\tpeer=%s err=%s", p->name, strerror(errno));
		close(fd);
		return;
	}
	c = conn_new(bp, fd, true);
	if (c == NULL) {
		close(fd);
		return;
	}
	c->peer = p;
	p->conn = c;
	TSR_DEBUG(LOG_COMP, "dialling\tpeer=%s address=%s port=%u", p->name, p->addr,
		  bp->cfg.port);
}

static int
on_accept(su_root_magic_t *magic, su_wait_t *w, su_wakeup_arg_t *arg)
{
	struct cp_bp *bp = (struct cp_bp *)arg;
	unsigned int pending = 0;
	int fd;

	(void)magic;
	su_wait_events(w, bp->lfd);
	for (;;) {
		fd = accept4(bp->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		for (struct bp_conn *c = bp->conns; c != NULL; c = c->next)
			pending += !c->dead && c->peer == NULL;
		if (pending >= PENDING_MAX || conn_new(bp, fd, false) == NULL) {
			close(fd);
			continue;
		}
		conn_drive(bp->conns);
	}
	return 0;
}

/* ----------------------------------------------------------------- tick */

/* The peers are the other worker_vm objects: follow configuration changes. */
static void
sync_peers(struct cp_bp *bp)
{
	const struct cp_replica *r = bp->sip->replica;
	const struct cp_replica_node *self;

	if (r == bp->replica_seen && r->version == bp->version_seen)
		return;
	bp->replica_seen = r;
	bp->version_seen = r->version;
	self = cp_replica_node_lookup(r, bp->node);
	if (self != NULL && self->location >= 0)
		snprintf(bp->location, sizeof(bp->location), "%s",
			 r->locations[self->location].name);
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next)
		p->seen = false;
	for (unsigned int i = 0; i < r->n_nodes; i++) {
		const struct cp_replica_node *n = &r->nodes[i];
		struct bp_peer *p;

		if (strcmp(n->name, bp->node) == 0)
			continue;
		p = peer_find(bp, n->name);
		if (p == NULL) {
			p = calloc(1, sizeof(*p));
			if (p == NULL)
				continue;
			snprintf(p->name, sizeof(p->name), "%s", n->name);
			p->we_dial = strcmp(bp->node, p->name) < 0;
			p->next = bp->peers;
			bp->peers = p;
			TSR_INFO(LOG_COMP, "peer configured\tpeer=%s address=%s dial=%s", n->name,
				 n->address, p->we_dial ? "yes" : "no");
		} else if (strcmp(p->addr, n->address) != 0 && p->conn != NULL) {
			conn_drop(p->conn, "peer address changed");
		}
		snprintf(p->addr, sizeof(p->addr), "%s", n->address);
		if (n->location >= 0)
			snprintf(p->location, sizeof(p->location), "%s",
				 r->locations[n->location].name);
		p->seen = true;
	}
	for (struct bp_peer **pp = &bp->peers; *pp != NULL;) {
		struct bp_peer *p = *pp;

		if (p->seen) {
			pp = &p->next;
			continue;
		}
		TSR_INFO(LOG_COMP, "peer removed from the configuration\tpeer=%s", p->name);
		if (p->conn != NULL)
			conn_drop(p->conn, "peer removed from the configuration");
		peer_down(bp, p, "peer removed");
		peer_alarm(bp, p, false, "node removed from the configuration");
		*pp = p->next;
		free(p);
	}
}

/* Our participants of @p conf as roster entries (local state only). */
static json_t *
roster_of(json_t *status, const char *conf)
{
	json_t *out = json_array(), *p;
	size_t i;

	json_array_foreach(json_object_get(status, "participants"), i, p) {
		json_t *e;

		if (json_array_size(out) >= CP_BP_ROSTER_MAX ||
		    strcmp(json_string_value(json_object_get(p, "conference")) ?: "", conf) != 0)
			continue;
		e = cp_bp_roster_entry(p);
		if (e != NULL)
			json_array_append_new(out, e);
	}
	return out;
}

static void
push_rosters(struct cp_bp *bp)
{
	json_t *status = NULL;

	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next) {
		struct bp_conn *c = peer_conn(p);

		for (struct bp_link *l = c ? p->links : NULL; l != NULL; l = l->next) {
			struct cp_bp_msg m = {.type = CP_BP_ROSTER};
			char *text;

			if (status == NULL)
				status = cp_svc_status(bp->sip->svc);
			m.participants = roster_of(status, l->conf);
			text = json_dumps(m.participants, JSON_COMPACT | JSON_SORT_KEYS);
			if (text != NULL &&
			    (l->roster_sent == NULL || strcmp(text, l->roster_sent) != 0)) {
				snprintf(m.conference, sizeof(m.conference), "%s", l->conf);
				conn_send(c, &m);
				free(l->roster_sent);
				l->roster_sent = text;
				text = NULL;
			}
			free(text);
			json_decref(m.participants);
			if (c->dead)
				break;
		}
	}
	json_decref(status);
}

/*
 * Units of the media carried here: each participant whose media is on this
 * data plane (its own callers' and those hosted for peers; callers whose
 * media another node carries cost this node nothing) and a backplane
 * reservation per conference whose media is here.
 */
static void
update_load(struct cp_bp *bp)
{
	uint16_t nodes = (uint16_t)(bp->sip->replica->n_nodes ? bp->sip->replica->n_nodes : 1);
	unsigned int parts = 0, confs = 0;

	cp_svc_media_usage(bp->sip->svc, &parts, &confs);
	bp->load = (parts + cp_bp_media_hosted(bp)) * cp_place_call_units(CP_CALL_AUDIO) +
		   confs * cp_place_backplane_units(CP_CALL_AUDIO, nodes);
}

static void
on_tick(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct cp_bp *bp = (struct cp_bp *)arg;
	uint64_t now = now_ms();

	(void)magic;
	(void)t;
	sync_peers(bp);
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next) {
		struct bp_conn *c = p->conn;

		if (!p->up && p->down_ms != 0 && now - p->down_ms >= PEER_ALARM_MS)
			peer_alarm(bp, p, true,
				   "no node-to-node channel for 10 s; its backplanes are down");
		if (c == NULL && p->we_dial && now >= p->retry_ms)
			conn_dial(bp, p);
		if (c == NULL || c->dead)
			continue;
		if (!c->hello_rx && now - c->started_ms > HANDSHAKE_MS) {
			conn_drop(c, "no handshake and hello in time");
			continue;
		}
		if (c->hello_rx && now - c->last_rx_ms > CP_BP_DEAD_MS) {
			conn_drop(c, "Backplane disconnected");
			continue;
		}
		if (c->hello_rx && now >= c->next_ping_ms) {
			struct cp_bp_msg m = {.type = CP_BP_PING, .seq = ++c->ping_seq};

			update_load(bp);
			cp_bp_load(bp, &m.load, &m.capacity);
			c->next_ping_ms = now + CP_BP_PING_MS;
			conn_send(c, &m);
		}
		for (struct bp_link *l = p->links, *next; l != NULL && p->conn == c; l = next) {
			next = l->next;
			link_check(bp, p, l, now);
		}
	}
	/* Connections that never got identified, and the dead ones' memory. */
	for (struct bp_conn **pp = &bp->conns; *pp != NULL;) {
		struct bp_conn *c = *pp;

		if (!c->dead && c->peer == NULL && now - c->started_ms > HANDSHAKE_MS)
			conn_drop(c, "no handshake in time");
		if (c->dead) {
			*pp = c->next;
			free(c);
		} else {
			pp = &c->next;
		}
	}
	if (now - bp->roster_ms >= 1000) {
		bp->roster_ms = now;
		update_load(bp);
		push_rosters(bp);
		reconcile_all(bp);
	}
	su_timer_set(bp->tick, on_tick, (su_timer_arg_t *)bp);
}

/* ------------------------------------------------- placement, remote media */

/* Names of the conferences a node carries media for, for its placement view. */
static const char **
lconf_names(const struct cp_bp *bp, uint16_t *n)
{
	const char **v;
	uint16_t k = 0;

	for (const struct bp_lconf *l = bp->lconfs; l != NULL && k < UINT16_MAX; l = l->next)
		k++;
	v = calloc(k ? k : 1, sizeof(*v));
	*n = 0;
	for (const struct bp_lconf *l = bp->lconfs; v != NULL && *n < k; l = l->next)
		v[(*n)++] = l->name;
	return v;
}

static const char **
rconf_names(const struct bp_peer *p, uint16_t *n)
{
	const char **v;
	uint16_t k = 0;

	for (const struct bp_rconf *r = p->confs; r != NULL && k < UINT16_MAX; r = r->next)
		k++;
	v = calloc(k ? k : 1, sizeof(*v));
	*n = 0;
	for (const struct bp_rconf *r = p->confs; v != NULL && *n < k; r = r->next)
		v[(*n)++] = r->name;
	return v;
}

int
cp_bp_place(struct cp_bp *bp, const char *conference, struct cp_bp_placement *out)
{
	struct cp_place_request req = {.conference = conference, .call = CP_CALL_AUDIO,
				       .conf_kind = CP_CALL_AUDIO};
	struct cp_place_view *views;
	struct cp_place_snap snap;
	const char *name;
	size_t n = 1, i = 1;
	int rc = -ENOMEM;

	if (bp == NULL || conference == NULL || out == NULL)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next)
		n++;
	views = calloc(n, sizeof(*views));
	if (views == NULL)
		return -ENOMEM;
	update_load(bp);
	views[0].name = bp->node;
	views[0].live = true;
	cp_bp_load(bp, &views[0].load, &views[0].capacity);
	views[0].confs = lconf_names(bp, &views[0].n_confs);
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next, i++) {
		views[i].name = p->name;
		views[i].live = peer_conn(p) != NULL && p->media_addr[0] != '\0';
		views[i].load = p->load;
		views[i].capacity = p->capacity;
		views[i].confs = rconf_names(p, &views[i].n_confs);
	}
	for (i = 0; i < n; i++)
		if (views[i].confs == NULL)
			goto out;
	rc = cp_place_snap_build(bp->sip->replica, bp->node, views, n, &snap);
	if (rc < 0)
		goto out;
	req.signaling_node = snap.self;
	rc = cp_place(&snap.s, &req, &out->res);
	if (rc == 0) {
		snprintf(out->signaling_location, sizeof(out->signaling_location), "%s",
			 snap.s.locs[snap.s.nodes[snap.self].location].name);
		if (out->res.decision != CP_PLACE_REJECT) {
			struct bp_peer *p;

			name = snap.s.nodes[out->res.node].name;
			snprintf(out->node, sizeof(out->node), "%s", name);
			p = strcmp(name, bp->node) != 0 ? peer_find(bp, name) : NULL;
			out->remote = p != NULL;
			snprintf(out->media_addr, sizeof(out->media_addr), "%s",
				 p != NULL ? p->media_addr : bp->sip->cfg.media_addr);
			if (p != NULL)
				p->load += out->res.units; /* until its next ping says */
		}
	}
	cp_place_snap_fini(&snap);
out:
	for (i = 0; i < n; i++)
		free((void *)views[i].confs);
	free(views);
	return rc == -ENOENT || rc == -EINVAL ? -ENOENT : rc;
}

/* Queue a media_* request for @p node. */
static int
media_send(struct cp_bp *bp, const char *node, struct cp_bp_msg *m, const char *id)
{
	struct bp_peer *p = bp != NULL ? peer_find(bp, node) : NULL;
	struct bp_conn *c = p != NULL ? peer_conn(p) : NULL;

	if (c == NULL)
		return -ENOTCONN;
	if (snprintf(m->id, sizeof(m->id), "%s", id) >= (int)sizeof(m->id))
		return -EINVAL;
	conn_send(c, m);
	return 0;
}

int
cp_bp_media_host(struct cp_bp *bp, const char *node, const char *id, const char *conference,
		 const struct cp_bp_media_desc *d)
{
	struct cp_bp_msg m = {.type = CP_BP_MEDIA_HOST, .media = *d};
	int rc;

	snprintf(m.conference, sizeof(m.conference), "%s", conference);
	rc = media_send(bp, node, &m, id);
	explicit_bzero(&m, sizeof(m));
	return rc;
}

int
cp_bp_media_attach(struct cp_bp *bp, const char *node, const char *id, bool lobby, bool guest,
		   bool hosts_only)
{
	struct cp_bp_msg m = {.type = CP_BP_MEDIA_ATTACH, .lobby = lobby, .guest = guest,
			      .hosts_only = hosts_only};

	return media_send(bp, node, &m, id);
}

int
cp_bp_media_update(struct cp_bp *bp, const char *node, const char *id, int lobby, int guest,
		   int hosts_only, int muted)
{
	struct cp_bp_msg m = {.type = CP_BP_MEDIA_UPDATE, .lobby = (int8_t)lobby,
			      .guest = (int8_t)guest, .hosts_only = (int8_t)hosts_only,
			      .muted = (int8_t)muted};

	return media_send(bp, node, &m, id);
}

int
cp_bp_media_direction(struct cp_bp *bp, const char *node, const char *id, bool send, bool recv)
{
	struct cp_bp_msg m = {.type = CP_BP_MEDIA_UPDATE, .lobby = -1, .guest = -1,
			      .hosts_only = -1, .muted = -1, .has_dir = true, .send = send,
			      .recv = recv};

	return media_send(bp, node, &m, id);
}

int
cp_bp_media_prompt(struct cp_bp *bp, const char *node, const char *id, const char *name,
		   bool loop)
{
	struct cp_bp_msg m = {.type = CP_BP_MEDIA_PROMPT, .loop = loop};

	if (name != NULL && strlen(name) >= CP_BP_PROMPT_MAX)
		return -EINVAL;
	snprintf(m.text, sizeof(m.text), "%s", name ? name : "");
	return media_send(bp, node, &m, id);
}

int
cp_bp_media_send_dtmf(struct cp_bp *bp, const char *node, const char *id, const char *digits)
{
	struct cp_bp_msg m = {.type = CP_BP_MEDIA_SEND_DTMF};

	if (digits == NULL || digits[0] == '\0' || strlen(digits) >= sizeof(m.digits))
		return -EINVAL;
	snprintf(m.digits, sizeof(m.digits), "%s", digits);
	return media_send(bp, node, &m, id);
}

int
cp_bp_media_detach(struct cp_bp *bp, const char *node, const char *id)
{
	struct cp_bp_msg m = {.type = CP_BP_MEDIA_DETACH};

	return media_send(bp, node, &m, id);
}

int
cp_bp_media_release(struct cp_bp *bp, const char *node, const char *id)
{
	struct cp_bp_msg m = {.type = CP_BP_MEDIA_RELEASE};

	return media_send(bp, node, &m, id);
}

/* --------------------------------------------------------------- hooks */

void
cp_bp_conf_started(struct cp_bp *bp, const char *name, int dp_conf, time_t start)
{
	struct bp_lconf *lc;
	struct bp_rconf *oldest = NULL;

	if (bp == NULL || lconf_find(bp, name) != NULL)
		return;
	lc = calloc(1, sizeof(*lc));
	if (lc == NULL)
		return;
	snprintf(lc->name, sizeof(lc->name), "%s", name);
	lc->dp_conf = dp_conf;
	lc->start = start;
	lc->next = bp->lconfs;
	bp->lconfs = lc;
	/* Join an instance that runs elsewhere: its lock and guest mute hold here too. */
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next) {
		struct bp_rconf *r = peer_conn(p) ? rconf_find(p, name) : NULL;

		if (r != NULL && peer_is_older(bp, p, r, lc) &&
		    (oldest == NULL || r->start < oldest->start))
			oldest = r;
	}
	if (oldest != NULL)
		adopt_state(bp, lc, oldest->locked, oldest->guests_muted);
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next) {
		struct bp_conn *c = peer_conn(p);

		if (c == NULL)
			continue;
		send_conf(c, CP_BP_CONF_UP, lc);
	}
	reconcile(bp, name);
}

void
cp_bp_conf_stopped(struct cp_bp *bp, const char *name)
{
	struct bp_lconf *lc = bp ? lconf_find(bp, name) : NULL;

	if (lc == NULL)
		return;
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next) {
		struct bp_link *l = link_find(p, name);

		if (l != NULL)
			link_close(bp, p, l, "conference ended", false);
		if (peer_conn(p) != NULL)
			send_conf(p->conn, CP_BP_CONF_DOWN, lc);
	}
	for (struct bp_lconf **pp = &bp->lconfs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == lc) {
			*pp = lc->next;
			break;
		}
	free(lc);
}

void
cp_bp_conf_state(struct cp_bp *bp, const char *name, bool locked, bool guests_muted)
{
	struct bp_lconf *lc = bp ? lconf_find(bp, name) : NULL;

	if (lc == NULL)
		return;
	lc->locked = locked;
	lc->guests_muted = guests_muted;
	if (bp->applying)
		return;
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next)
		if (peer_conn(p) != NULL && rconf_find(p, name) != NULL)
			send_conf(p->conn, CP_BP_CONF_STATE, lc);
}

void
cp_bp_load(struct cp_bp *bp, uint32_t *load, uint32_t *capacity)
{
	*load = bp->load;
	/* --capacity wins; else what the data plane's start-up self-test measured. */
	*capacity = bp->cfg.capacity ? bp->cfg.capacity : cp_media_capacity(bp->sip->media);
}

/* Placement load and capacity, and the media carried here for peers. */
static void
status_placement(struct cp_bp *bp, json_t *status)
{
	json_t *hosted = json_array();
	uint32_t load, cap;

	update_load(bp);
	cp_bp_load(bp, &load, &cap);
	json_object_set_new(status, "placement",
			    json_pack("{s:I, s:I, s:i}", "load", (json_int_t)load, "capacity",
				      (json_int_t)cap, "load_percent",
				      (int)cp_place_load_pct(cap, load, false)));
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next)
		for (struct bp_hosted *h = p->hosted; h != NULL; h = h->next)
			json_array_append_new(
				hosted, json_pack("{s:s, s:s, s:s, s:i, s:I, s:b, s:s}", "id", h->id,
						  "conference", h->conf, "signalling_node", p->name,
						  "port", h->port, "stream", (json_int_t)h->stream,
						  "attached", h->dp_part >= 0, "audio_codec",
						  h->codec));
	json_object_set_new(status, "hosted_media", hosted);
}

void
cp_bp_status(struct cp_bp *bp, json_t *status)
{
	json_t *parts, *peers, *bps, *proxies;

	if (bp == NULL || status == NULL)
		return;
	parts = json_object_get(status, "participants");
	peers = json_array();
	bps = json_array();
	for (struct bp_peer *p = bp->peers; p != NULL; p = p->next) {
		json_array_append_new(
			peers, json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I}", "name", p->name,
					 "address", p->addr, "location", p->location, "state",
					 p->up ? "up" : p->conn ? "connecting" : "down", "dials",
					 p->we_dial, "load", (json_int_t)p->load, "capacity",
					 (json_int_t)p->capacity));
		for (struct bp_rconf *r = p->up ? p->confs : NULL; r != NULL; r = r->next) {
			json_t *e;
			size_t i;

			json_array_foreach(r->roster, i, e) {
				json_t *x = json_deep_copy(e);

				if (x == NULL || !json_is_array(parts))
					break;
				json_object_set_new(x, "conference", json_string(r->name));
				json_object_set_new(x, "node", json_string(p->name));
				json_object_set_new(x, "remote", json_true());
				json_array_append_new(parts, x);
			}
		}
		for (struct bp_link *l = p->links; l != NULL; l = l->next)
			json_array_append_new(
				bps, json_pack("{s:s, s:s, s:s, s:b, s:i, s:i, s:I, s:I, s:I, s:I}",
					       "conference", l->conf, "peer", p->name, "type",
					       strcmp(p->location, bp->location) == 0 ? "local" :
											 "geographic",
					       "connected", l->connected, "local_port", l->port,
					       "remote_port", l->peer_port, "spi_in",
					       (json_int_t)l->spi_in, "spi_out",
					       (json_int_t)l->spi_out, "stream", (json_int_t)l->stream,
					       "start_time", (json_int_t)l->since));
	}
	/* This location's proxy for each conference hosted here (geo backplanes go through it). */
	proxies = json_array();
	for (struct bp_lconf *lc = bp->lconfs; lc != NULL; lc = lc->next) {
		const char *px = proxy_of(bp, NULL, lc->name);

		json_array_append_new(proxies, json_pack("{s:s, s:s, s:b}", "conference", lc->name,
							 "proxy", px ? px : "", "is_proxy",
							 px != NULL && strcmp(px, bp->node) == 0));
	}
	json_object_set_new(status, "peers", peers);
	json_object_set_new(status, "backplanes", bps);
	json_object_set_new(status, "proxies", proxies);
	json_object_set_new(status, "location", json_string(bp->location));
	status_placement(bp, status);
}

/* ---------------------------------------------------------------- setup */

static int
listen_on(struct cp_bp *bp)
{
	struct sockaddr_storage ss;
	socklen_t len;
	su_wait_t w[1];
	int one = 1;

	if (sockaddr_of(bp->cfg.listen_addr, bp->cfg.port, &ss, &len) < 0)
		return -EINVAL;
	bp->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (bp->lfd < 0)
		return -errno;
	setsockopt(bp->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(bp->lfd, (struct sockaddr *)&ss, len) < 0 || listen(bp->lfd, 16) < 0)
		return -errno;
	if (su_wait_create(w, bp->lfd, SU_WAIT_ACCEPT) < 0 ||
	    (bp->lreg = su_root_register(bp->root, w, on_accept, (su_wakeup_arg_t *)bp, 0)) <= 0)
		return -EIO;
	return 0;
}

int
cp_bp_create(su_root_t *root, const struct cp_bp_cfg *cfg, struct cp_sip *s, struct cp_bp **out)
{
	struct cp_bp *bp = calloc(1, sizeof(*bp));
	int rc;

	if (bp == NULL)
		return -ENOMEM;
	bp->root = root;
	bp->sip = s;
	bp->cfg = *cfg;
	bp->lfd = -1;
	snprintf(bp->node, sizeof(bp->node), "%s", cfg->node_name);
	snprintf(bp->media_addr, sizeof(bp->media_addr), "%s", cfg->media_addr);
	rc = cp_bp_tls_ctx(cfg->cert_file, cfg->key_file, cfg->ca_file, &bp->ctx);
	if (rc < 0) {
		TSR_ERR(LOG_COMP, "node certificate unusable\tcert=%s err=%s", cfg->cert_file,
			strerror(-rc));
		goto fail;
	}
	SSL_CTX_set_mode(bp->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
					  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	rc = listen_on(bp);
	if (rc < 0) {
		TSR_ERR(LOG_COMP, "cannot listen on the backplane control port\taddr=%s port=%u "
			"err=%s", cfg->listen_addr, cfg->port, strerror(-rc));
		goto fail;
	}
	bp->tick = su_timer_create(su_root_task(root), TICK_MS);
	if (bp->tick == NULL || su_timer_set(bp->tick, on_tick, (su_timer_arg_t *)bp) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	TSR_INFO(LOG_COMP, "backplane control listening\taddr=%s port=%u node=%s rekey_s=%u "
		 "rekey_bytes=%llu", cfg->listen_addr, cfg->port, bp->node, cfg->rekey_s,
		 (unsigned long long)cfg->rekey_bytes);
	*out = bp;
	return 0;
fail:
	cp_bp_destroy(bp);
	return rc;
}

void
cp_bp_destroy(struct cp_bp *bp)
{
	if (bp == NULL)
		return;
	while (bp->lconfs != NULL)
		cp_bp_conf_stopped(bp, bp->lconfs->name);
	for (struct bp_conn *c = bp->conns; c != NULL; c = c->next)
		conn_drop(c, "node stopping");
	while (bp->peers != NULL) {
		struct bp_peer *p = bp->peers;

		peer_down(bp, p, "node stopping");
		bp->peers = p->next;
		free(p);
	}
	while (bp->conns != NULL) {
		struct bp_conn *c = bp->conns;

		bp->conns = c->next;
		free(c);
	}
	if (bp->tick != NULL)
		su_timer_destroy(bp->tick);
	if (bp->lreg > 0)
		su_root_deregister(bp->root, bp->lreg);
	if (bp->lfd >= 0)
		close(bp->lfd);
	SSL_CTX_free(bp->ctx);
	free(bp);
}
