/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_reg.c - SIP registrar: REGISTER processing (RFC 3261 §10.3), Digest
 * challenges (cp_digest.c), the binding table and its expiry.
 *
 * A binding is (alias, contact URI). The alias is the To URI reduced as a
 * dialled alias is (cp_route_alias: "user@host", or "user" when the host is
 * an IP address) and must be a `device` of the replica. Processing order
 * follows §10.3: allow-list (404), authentication (401 challenge, 403 on
 * wrong credentials), Contact "*" (needs Expires 0), expiry bounds (423 with
 * Min-Expires, nothing changed), then every contact is added, refreshed or
 * removed, and the 200 lists the alias's bindings with their expiries.
 * The registrar may shorten an interval but never lengthens it (§10.3 step
 * 7): granted = min(requested, policy maximum).
 *
 * Context: control path (cp main loop): the NUA callback and one su_timer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <sofia-sip/msg_addr.h>

#include "cp_digest.h"
#include "cp_reg.h"
#include "cp_replica.h"
#include "cp_route.h"
#include "cp_sip.h"
#include "cp_svc.h"
#include "tsr_log.h"

#define LOG_COMP "cp.reg"
#define ADMIN_COMP "administrator.registration"
#define NONCE_MAX_AGE_S 300
#define DEFAULT_EXPIRES 3600
#define SWEEP_MS 1000

/*
 * One registered contact. Invariants: expires_at > now while listed;
 * target is the request-URI calls use (the source address when natted).
 */
struct binding {
	struct binding *next;
	char alias[CP_REPLICA_STR];
	char contact[CP_REG_URI_MAX];
	char target[CP_REG_URI_MAX];
	char username[CP_REPLICA_STR];
	char call_id[128];
	char id[40];
	char source[64];
	char transport[8];
	uint32_t cseq;
	bool natted;
	time_t start_time;
	time_t refreshed;
	time_t expires_at;
};

struct cp_reg {
	struct cp_sip *sip;	   /* borrowed */
	struct binding *bindings; /* owned list */
	unsigned int n;
	su_timer_t *sweep; /* owned */
	bool sweeping;
	uint8_t key[CP_DIGEST_KEY_LEN]; /* nonce key, wiped on destroy */
};

static time_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
make_id(char *out, size_t cap)
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		memset(b, 0x5a, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, cap, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* An admin-log event (guide part 5, administrator.registration), also kept for status. */
static void
admin_event(struct cp_reg *r, const struct binding *b, bool added, const char *reason)
{
	json_t *e;
	char when[32];
	time_t t = time(NULL);
	struct tm tm;

	if (added)
		TSR_INFO(ADMIN_COMP, "Registration added\tAlias=\"sip:%s\" Protocol=\"SIP\" "
			 "Registration-id=\"%s\" Natted=\"%s\" Contact=\"%s\"", b->alias, b->id,
			 b->natted ? "True" : "False", b->contact);
	else
		TSR_INFO(ADMIN_COMP, "Registration deleted\tAlias=\"sip:%s\" Protocol=\"SIP\" "
			 "Registration-id=\"%s\" Reason=\"%s\"", b->alias, b->id, reason);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "time", when, "type",
		      added ? "registration_added" : "registration_deleted", "message",
		      added ? "Registration added" : "Registration deleted", "alias", b->alias,
		      "registration_id", b->id, "protocol", "SIP", "detail",
		      added ? (b->natted ? "Natted" : "") : reason);
	if (e != NULL)
		cp_svc_event_add(r->sip->svc, e);
}

static void
binding_del(struct cp_reg *r, struct binding **pp, const char *reason)
{
	struct binding *b = *pp;

	admin_event(r, b, false, reason);
	*pp = b->next;
	r->n--;
	free(b);
}

static void sweep_arm(struct cp_reg *r);

static void
on_sweep(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct cp_reg *r = (struct cp_reg *)arg;
	time_t now = now_s();

	for (struct binding **pp = &r->bindings; *pp != NULL;) {
		if ((*pp)->expires_at <= now)
			binding_del(r, pp, "Registration expired");
		else
			pp = &(*pp)->next;
	}
	r->sweeping = false; /* a one-shot timer: armed again while bindings are left */
	sweep_arm(r);
}

static void
sweep_arm(struct cp_reg *r)
{
	if (r->sweeping || r->n == 0)
		return;
	if (su_timer_set_interval(r->sweep, on_sweep, (su_timer_arg_t *)r, SWEEP_MS) == 0)
		r->sweeping = true;
}

/* Does a configured device alias ("sip:" optional) name @p alias? */
static bool
alias_eq(const char *configured, const char *alias)
{
	if (strncasecmp(configured, "sip:", 4) == 0)
		configured += 4;
	return strcasecmp(configured, alias) == 0;
}

static const struct cp_replica_device *
device_lookup(const struct cp_replica *rep, const char *alias)
{
	for (unsigned int i = 0; i < rep->n_devices; i++)
		if (alias_eq(rep->devices[i].alias, alias))
			return &rep->devices[i];
	return NULL;
}

/* "alias" from a URI string or an alias with or without "sip:" and parameters. */
static int
normalise(const char *in, char *out, size_t cap)
{
	su_home_t home[1] = {SU_HOME_INIT(home)};
	char buf[CP_REG_URI_MAX + 8];
	url_t *u;
	int rc = -EINVAL;

	if (strncasecmp(in, "sip:", 4) == 0 || strncasecmp(in, "sips:", 5) == 0)
		snprintf(buf, sizeof(buf), "%s", in);
	else
		snprintf(buf, sizeof(buf), "sip:%s", in);
	u = url_make(home, buf);
	if (u != NULL && u->url_user != NULL)
		rc = cp_route_alias(u->url_user, u->url_host, out, cap);
	su_home_deinit(home);
	return rc;
}

/* Our answer when credentials are missing, stale or for another realm. */
static void
challenge(struct cp_reg *r, nua_handle_t *nh, const char *realm, bool stale)
{
	char nonce[CP_DIGEST_NONCE_LEN + 1], hdr[256];

	if (cp_digest_nonce_make(r->key, realm, (uint64_t)now_s(), nonce, sizeof(nonce)) < 0) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, NUTAG_WITH_THIS(r->sip->nua),
			    TAG_END());
		return;
	}
	snprintf(hdr, sizeof(hdr), "Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"%s",
		 realm, nonce, stale ? ", stale=true" : "");
	nua_respond(nh, SIP_401_UNAUTHORIZED, SIPTAG_WWW_AUTHENTICATE_STR(hdr),
		    NUTAG_WITH_THIS(r->sip->nua), TAG_END());
}

/*
 * Digest check (RFC 3261 §22.4) for a device with credentials.
 * @return 0 authenticated; 1 after answering (401 or 403).
 */
static int
authenticate(struct cp_reg *r, nua_handle_t *nh, const sip_t *sip,
	     const struct cp_replica_device *dev, const char *realm, const char *alias)
{
	char buf[2048];
	struct cp_digest_resp d;
	const msg_auth_t *au;
	int rc = -ENOENT;

	for (au = sip->sip_authorization; au != NULL; au = au->au_next) {
		if (au->au_scheme == NULL || strcasecmp(au->au_scheme, "Digest") != 0)
			continue;
		rc = cp_digest_parse(au->au_params, buf, sizeof(buf), &d);
		if (rc == 0 && strcmp(d.realm, realm) == 0)
			break;
		rc = rc < 0 ? rc : -ENOENT;
	}
	if (au == NULL && rc == -ENOENT) {
		challenge(r, nh, realm, false);
		return 1;
	}
	if (rc == 0)
		rc = cp_digest_nonce_check(r->key, realm, d.nonce, (uint64_t)now_s(),
					   NONCE_MAX_AGE_S);
	if (rc == -EINVAL || rc == -ENAMETOOLONG) {
		TSR_INFO(LOG_COMP, "registration failed\talias=%s reason=\"bad or foreign nonce or "
			 "credentials\"", alias);
		challenge(r, nh, realm, false);
		return 1;
	}
	rc = cp_digest_verify(&d, "REGISTER", dev->username, dev->password);
	if (rc == 0 && cp_digest_nonce_check(r->key, realm, d.nonce, (uint64_t)now_s(),
					     NONCE_MAX_AGE_S) == -ETIMEDOUT) {
		challenge(r, nh, realm, true); /* right password, old nonce: retry silently */
		return 1;
	}
	explicit_bzero(buf, sizeof(buf));
	if (rc < 0) {
		TSR_INFO(LOG_COMP, "registration failed\talias=%s reason=\"%s\"", alias,
			 rc == -ENOTSUP ? "digest algorithm or qop not supported" :
					  "authentication failed");
		nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(r->sip->nua), TAG_END());
		return 1;
	}
	return 0;
}

/* The policy bounds for a request (FR-REG-11). */
static void
bounds(const struct cp_reg *r, bool natted, unsigned int *lo, unsigned int *hi)
{
	const struct cp_replica_registrar *g = &r->sip->replica->registrar;

	if (natted) {
		*lo = g->nat_min;
		*hi = g->nat_max;
	} else if (g->adaptive) {
		/* More registrations, longer intervals: min at none, max at 10,000 or more. */
		unsigned int n = r->n < 10000 ? r->n : 10000;

		*lo = g->adaptive_min;
		*hi = g->adaptive_min + (unsigned int)((unsigned long)(g->adaptive_max -
								       g->adaptive_min) * n / 10000);
	} else {
		*lo = g->basic_min;
		*hi = g->basic_max;
	}
}

static unsigned int
requested_expiry(const sip_t *sip, const sip_contact_t *m)
{
	if (m->m_expires != NULL)
		return (unsigned int)strtoul(m->m_expires, NULL, 10);
	if (sip->sip_expires != NULL)
		return (unsigned int)sip->sip_expires->ex_delta;
	return DEFAULT_EXPIRES;
}

/* Where the REGISTER came from: source address, transport and NAT verdict. */
struct origin {
	char ip[INET6_ADDRSTRLEN];
	unsigned int port;
	char transport[8];
};

static void
origin_of(struct cp_reg *r, const sip_t *sip, struct origin *o)
{
	msg_t *msg = nua_current_request(r->sip->nua);
	su_addrinfo_t *ai = msg != NULL ? msg_addrinfo(msg) : NULL;
	const char *proto = sip->sip_via ? sip->sip_via->v_protocol : NULL;

	memset(o, 0, sizeof(*o));
	if (ai != NULL && ai->ai_addr != NULL) {
		su_sockaddr_t *su = (su_sockaddr_t *)ai->ai_addr;

		inet_ntop(su->su_family, SU_ADDR(su), o->ip, sizeof(o->ip));
		o->port = ntohs(su->su_port);
	}
	if (proto != NULL && strcasestr(proto, "/TLS") != NULL)
		strcpy(o->transport, "tls");
	else if (proto != NULL && strcasestr(proto, "/TCP") != NULL)
		strcpy(o->transport, "tcp");
	else
		strcpy(o->transport, "udp");
}

/* The URI calls to this contact use: the source address when natted (guide part 5 §2.16). */
static void
make_target(const url_t *cu, const struct origin *o, bool natted, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN + 2];
	bool has_tp = cu->url_params != NULL && strcasestr(cu->url_params, "transport=") != NULL;

	if (natted) {
		snprintf(host, sizeof(host), strchr(o->ip, ':') ? "[%s]" : "%s", o->ip);
		snprintf(out, cap, "sip:%s%s%s:%u;transport=%s", cu->url_user ? cu->url_user : "",
			 cu->url_user ? "@" : "", host, o->port, o->transport);
		return;
	}
	url_e(out, (int)cap, cu);
	if (!has_tp && strcmp(o->transport, "udp") != 0 && strlen(out) + 16 < cap)
		strcat(strcat(out, ";transport="), o->transport);
}

static struct binding *
binding_find(struct cp_reg *r, const char *alias, const char *contact)
{
	for (struct binding *b = r->bindings; b != NULL; b = b->next)
		if (strcasecmp(b->alias, alias) == 0 && strcmp(b->contact, contact) == 0)
			return b;
	return NULL;
}

static unsigned int
alias_count(const struct cp_reg *r, const char *alias)
{
	unsigned int n = 0;

	for (const struct binding *b = r->bindings; b != NULL; b = b->next)
		n += strcasecmp(b->alias, alias) == 0;
	return n;
}

/* 200 OK listing every binding of the alias with its remaining time (§10.3 step 8). */
static void
respond_ok(struct cp_reg *r, nua_handle_t *nh, const char *alias)
{
	char *list = NULL;
	size_t len = 0;
	time_t now = now_s();
	FILE *f = open_memstream(&list, &len);

	for (const struct binding *b = r->bindings; f != NULL && b != NULL; b = b->next)
		if (strcasecmp(b->alias, alias) == 0)
			fprintf(f, "%s<%s>;expires=%lld", ftell(f) > 0 ? ", " : "", b->contact,
				(long long)(b->expires_at - now));
	if (f != NULL)
		fclose(f);
	nua_respond(nh, SIP_200_OK, TAG_IF(list != NULL && len > 0, SIPTAG_CONTACT_STR(list)),
		    NUTAG_WITH_THIS(r->sip->nua), TAG_END());
	free(list);
}

/* Every Contact checked before anything changes: @return 0, or the status answered. */
static int
check_contacts(struct cp_reg *r, nua_handle_t *nh, const sip_t *sip, const struct origin *o,
	       const char *alias)
{
	char h[64];
	unsigned int lo, hi, adds = 0;

	for (const sip_contact_t *m = sip->sip_contact; m != NULL; m = m->m_next) {
		unsigned int want = requested_expiry(sip, m);
		bool natted = m->m_url->url_host != NULL &&
			      strcmp(m->m_url->url_host, o->ip) != 0 && o->ip[0] != '\0';

		if (m->m_url->url_type != url_sip && m->m_url->url_type != url_sips) {
			nua_respond(nh, SIP_400_BAD_REQUEST, SIPTAG_WARNING_STR("399 - \"contact is "
				    "not a SIP URI\""), NUTAG_WITH_THIS(r->sip->nua), TAG_END());
			return 400;
		}
		bounds(r, natted, &lo, &hi);
		if (want != 0 && want < lo) {
			snprintf(h, sizeof(h), "%u", lo);
			nua_respond(nh, SIP_423_INTERVAL_TOO_BRIEF, SIPTAG_MIN_EXPIRES_STR(h),
				    NUTAG_WITH_THIS(r->sip->nua), TAG_END());
			TSR_INFO(LOG_COMP, "registration refused\talias=%s status=423 expires=%u "
				 "min=%u", alias, want, lo);
			return 423;
		}
		adds += want != 0;
	}
	if (alias_count(r, alias) + adds > CP_REG_MAX_PER_ALIAS || r->n + adds > CP_REG_MAX_TOTAL) {
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_RETRY_AFTER_STR("60"),
			    NUTAG_WITH_THIS(r->sip->nua), TAG_END());
		return 503;
	}
	return 0;
}

/* Add, refresh or remove each contact (all checks passed). */
static void
apply_contacts(struct cp_reg *r, const sip_t *sip, const struct origin *o, const char *alias,
	       const char *username)
{
	const char *cid = sip->sip_call_id ? sip->sip_call_id->i_id : "";
	uint32_t cseq = sip->sip_cseq ? sip->sip_cseq->cs_seq : 0;
	time_t now = now_s();

	for (const sip_contact_t *m = sip->sip_contact; m != NULL; m = m->m_next) {
		char contact[CP_REG_URI_MAX];
		unsigned int want = requested_expiry(sip, m), lo, hi;
		bool natted = m->m_url->url_host != NULL &&
			      strcmp(m->m_url->url_host, o->ip) != 0 && o->ip[0] != '\0';
		struct binding *b;

		if (url_e(contact, sizeof(contact), m->m_url) < 0)
			continue;
		b = binding_find(r, alias, contact);
		if (want == 0) {
			for (struct binding **pp = &r->bindings; b != NULL && *pp != NULL;
			     pp = &(*pp)->next)
				if (*pp == b) {
					binding_del(r, pp, "Unregistered");
					break;
				}
			continue;
		}
		/* §10.3 step 7: an older request of the same Call-ID does not win. */
		if (b != NULL && strcmp(b->call_id, cid) == 0 && cseq < b->cseq)
			continue;
		bounds(r, natted, &lo, &hi);
		if (b == NULL) {
			b = calloc(1, sizeof(*b));
			if (b == NULL)
				continue;
			snprintf(b->alias, sizeof(b->alias), "%s", alias);
			snprintf(b->contact, sizeof(b->contact), "%s", contact);
			make_id(b->id, sizeof(b->id));
			b->start_time = time(NULL);
			b->natted = natted;
			make_target(m->m_url, o, natted, b->target, sizeof(b->target));
			b->next = r->bindings;
			r->bindings = b;
			r->n++;
			b->expires_at = now + (want < hi ? want : hi);
			admin_event(r, b, true, NULL);
		} else {
			TSR_INFO(LOG_COMP, "registration refreshed\talias=%s registration_id=%s "
				 "expires=%u", alias, b->id, want < hi ? want : hi);
			b->expires_at = now + (want < hi ? want : hi);
		}
		b->refreshed = now;
		b->cseq = cseq;
		snprintf(b->call_id, sizeof(b->call_id), "%s", cid);
		snprintf(b->username, sizeof(b->username), "%s", username);
		snprintf(b->source, sizeof(b->source), "%s:%u", o->ip, o->port);
		snprintf(b->transport, sizeof(b->transport), "%s", o->transport);
	}
}

/* Contact: * with Expires: 0 removes every binding of the alias (§10.3 step 6). */
static bool
wildcard(struct cp_reg *r, nua_handle_t *nh, const sip_t *sip, const char *alias)
{
	const sip_contact_t *m = sip->sip_contact;

	if (m == NULL || m->m_url->url_type != url_any)
		return false;
	if (m->m_next != NULL || sip->sip_expires == NULL || sip->sip_expires->ex_delta != 0) {
		nua_respond(nh, SIP_400_BAD_REQUEST,
			    SIPTAG_WARNING_STR("399 - \"Contact: * needs Expires: 0 alone\""),
			    NUTAG_WITH_THIS(r->sip->nua), TAG_END());
		return true;
	}
	for (struct binding **pp = &r->bindings; *pp != NULL;) {
		if (strcasecmp((*pp)->alias, alias) == 0)
			binding_del(r, pp, "Unregistered");
		else
			pp = &(*pp)->next;
	}
	respond_ok(r, nh, alias);
	return true;
}

static void
handle(struct cp_reg *r, nua_handle_t *nh, const sip_t *sip)
{
	const struct cp_replica *rep = r->sip->replica;
	const struct cp_replica_device *dev;
	const url_t *to = sip->sip_to ? sip->sip_to->a_url : NULL;
	char alias[CP_REPLICA_STR], realm[128];
	struct origin o;

	if (!rep->registrar.enable) {
		nua_respond(nh, SIP_403_FORBIDDEN, SIPTAG_WARNING_STR("399 - \"registrar disabled\""),
			    NUTAG_WITH_THIS(r->sip->nua), TAG_END());
		return;
	}
	if (to == NULL || cp_route_alias(to->url_user, to->url_host, alias, sizeof(alias)) < 0 ||
	    (dev = device_lookup(rep, alias)) == NULL || !dev->enable_sip) {
		TSR_INFO(LOG_COMP, "registration failed\talias=%s reason=\"unknown alias\"",
			 to != NULL && to->url_user != NULL ? to->url_user : "-");
		nua_respond(nh, SIP_404_NOT_FOUND, NUTAG_WITH_THIS(r->sip->nua), TAG_END());
		return;
	}
	snprintf(realm, sizeof(realm), "%s", to->url_host ? to->url_host : r->sip->cfg.sip_addr);
	if (dev->username[0] != '\0' && authenticate(r, nh, sip, dev, realm, alias) != 0)
		return;
	if (wildcard(r, nh, sip, alias))
		return;
	origin_of(r, sip, &o);
	if (check_contacts(r, nh, sip, &o, alias) != 0)
		return;
	apply_contacts(r, sip, &o, alias, dev->username);
	sweep_arm(r);
	respond_ok(r, nh, alias);
}

void
cp_reg_request(struct cp_reg *r, nua_handle_t *nh, const sip_t *sip)
{
	if (sip == NULL)
		nua_respond(nh, SIP_400_BAD_REQUEST, NUTAG_WITH_THIS(r->sip->nua), TAG_END());
	else
		handle(r, nh, sip);
	nua_handle_destroy(nh);
}

unsigned int
cp_reg_lookup(const struct cp_reg *r, const char *alias, char (*targets)[CP_REG_URI_MAX],
	      unsigned int max)
{
	const struct binding *pick[CP_REG_MAX_PER_ALIAS];
	char norm[CP_REPLICA_STR];
	unsigned int n = 0;
	time_t now = now_s();

	if (normalise(alias, norm, sizeof(norm)) < 0)
		return 0;
	for (const struct binding *b = r->bindings; b != NULL && n < CP_REG_MAX_PER_ALIAS;
	     b = b->next)
		if (b->expires_at > now && strcasecmp(b->alias, norm) == 0)
			pick[n++] = b;
	/* Most recently refreshed first (a simple insertion sort of at most 16). */
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && pick[j]->refreshed > pick[j - 1]->refreshed; j--) {
			const struct binding *t = pick[j];

			pick[j] = pick[j - 1];
			pick[j - 1] = t;
		}
	n = n < max ? n : max;
	for (unsigned int i = 0; i < n; i++)
		snprintf(targets[i], CP_REG_URI_MAX, "%s", pick[i]->target);
	return n;
}

json_t *
cp_reg_status(const struct cp_reg *r)
{
	json_t *a = json_array();
	time_t now = now_s();
	char when[32], alias[CP_REPLICA_STR + 8];
	struct tm tm;

	for (const struct binding *b = r ? r->bindings : NULL; a != NULL && b != NULL;
	     b = b->next) {
		gmtime_r(&b->start_time, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(alias, sizeof(alias), "sip:%s", b->alias);
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:I}",
				     "alias", alias, "username", b->username, "node",
				     r->sip->cfg.node_name ? r->sip->cfg.node_name : "",
				     "start_time", when, "protocol", "SIP", "is_natted", b->natted,
				     "registration_id", b->id, "contact", b->contact,
				     "remote_address", b->source, "transport", b->transport,
				     "expires", (json_int_t)(b->expires_at - now)));
	}
	return a;
}

unsigned int
cp_reg_count(const struct cp_reg *r)
{
	return r->n;
}

int
cp_reg_create(struct cp_sip *s, struct cp_reg **out)
{
	struct cp_reg *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	r->sip = s;
	r->sweep = su_timer_create(su_root_task(s->root), SWEEP_MS);
	if (r->sweep == NULL || getrandom(r->key, sizeof(r->key), 0) != sizeof(r->key)) {
		cp_reg_destroy(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void
cp_reg_destroy(struct cp_reg *r)
{
	if (r == NULL)
		return;
	while (r->bindings != NULL) {
		struct binding *b = r->bindings;

		r->bindings = b->next;
		free(b);
	}
	if (r->sweep != NULL)
		su_timer_destroy(r->sweep);
	explicit_bzero(r->key, sizeof(r->key));
	free(r);
}
