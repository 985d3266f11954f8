/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_gw.c - Distributed Gateway calls (B2BUA over sofia-sip NUA).
 *
 * Each call is one su_home (struct cp_call) holding both legs. A leg is
 * bound to its NUA handle as the handle's magic, so NUA events arrive with
 * the leg. The call ends when NUA reports both legs terminated; then the
 * data plane streams are deleted, the ports returned, the handles destroyed
 * and the keys wiped.
 *
 * SDP: RFC 3264 offer/answer, passed through leg to leg with our own
 * address, port and keys. Payload type numbers are kept identical on both
 * legs because the data plane does not rewrite them; an answer that
 * renumbers a codec loses that codec (cp_sdp_check_answer). SDES keys
 * (RFC 4568): the node generates its own key per leg, the data plane
 * decrypts with the peer's and encrypts with ours (any suite to any suite).
 *
 * Context: control path (cp main loop), called from the NUA callback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cp_gw.h"
#include "cp_media.h"
#include "cp_replica.h"
#include "cp_route.h"
#include "cp_sdp.h"
#include "cp_sip.h"
#include "tsr_log.h"

#define LOG_COMP "cp.gw"
#define SDP_MAX 8192

enum call_state {
	CALL_OFFERING, /* B invited, no final answer yet */
	CALL_ACTIVE,
	CALL_ENDING,
};

struct cp_leg {
	struct cp_hmagic hm;  /* first: what the NUA handle is bound to */
	struct cp_call *call; /* the call embedding this leg */
	nua_handle_t *nh;     /* owned reference, NULL when the leg has none */
	char name;	      /* 'A' incoming, 'B' outgoing (logs) */
	bool up;	      /* a 2xx was sent or received on the INVITE */
	bool ended;	      /* NUA reported the leg terminated */
	bool hung_up;	      /* we sent BYE/CANCEL or a final error */
	bool ack_answer;      /* we offered in a 2xx: the ACK carries the answer */
	bool has_saved;	      /* saved holds an UPDATE awaiting our answer */
	nua_saved_event_t saved[1];
	int family;
	const char *local_ip; /* borrowed from the sip cfg */
	uint16_t port;	      /* media port pair, 0 none */
	int64_t stream;	      /* data plane stream, -1 none */
	bool rtcp_mux;
	enum cp_sdp_proto proto;
	uint64_t sess_id, sess_ver;
	struct cp_sdp_desc remote;   /* the peer's description in force */
	struct cp_sdp_audio offered; /* our last offer on this leg (our keys) */
	struct cp_sdp_crypto in;     /* the peer's key in use (secret) */
	struct cp_sdp_crypto out;    /* our key in use (secret) */
};

/*
 * Invariants: home is the first member (the call is its own su_home);
 * offerer, when set, points to a or b and names the leg whose offer awaits
 * our answer; a.nh is never NULL; streams exist only in CALL_ACTIVE.
 */
struct cp_call {
	su_home_t home[1];
	struct cp_sip *sip;   /* borrowed */
	struct cp_call *next; /* sip->calls list */
	struct cp_leg a, b;
	enum call_state state;
	struct cp_leg *offerer;
	bool ringing_sent;
	struct cp_sdp_desc pending; /* an offer being passed to the other leg */
	char crypto_mode[12];
	char call_id[80];
	char dest[CP_ROUTE_ALIAS_MAX];
	char from[256];	       /* our From for leg B */
	char max_forwards[24]; /* the caller's Max-Forwards less one */
	char targets[CP_GW_TARGETS_MAX][CP_GW_TARGET_MAX]; /* registered contacts */
	unsigned int n_targets, next_target;
	bool redirected; /* a 3xx was followed already (at most one) */
};

static struct cp_leg *
other(struct cp_leg *l)
{
	return l == &l->call->a ? &l->call->b : &l->call->a;
}

/*
 * The request a response on leg @p l answers: an UPDATE saved when it came
 * (NUA needs it named, RFC 3311 offers are answered later, from the other
 * leg's callback), or NULL for an INVITE, which NUA finds by itself.
 */
static msg_t *
pending_req(struct cp_leg *l)
{
	return l->has_saved ? nua_saved_event_request(l->saved) : NULL;
}

static void
release_req(struct cp_leg *l)
{
	if (l->has_saved)
		nua_destroy_event(l->saved);
	l->has_saved = false;
}

static void
respond_error(struct cp_call *c, struct cp_leg *l, int status, const char *phrase, int wcode,
	      const char *why)
{
	msg_t *req = pending_req(l);
	char w[160];

	if (phrase == NULL)
		phrase = sip_status_phrase(status) ?: "Error";
	nua_respond(l->nh, status, phrase, TAG_IF(req != NULL, NUTAG_WITH(req)),
		    TAG_IF(why != NULL, SIPTAG_WARNING_STR(cp_sip_warning(c->sip, wcode,
									  why ? why : "", w,
									  sizeof(w)))),
		    TAG_END());
	release_req(l);
}

static void
leg_stream_cfg(const struct cp_leg *l, int64_t relay_to, struct cp_media_stream_cfg *cfg)
{
	const struct cp_sdp_audio *ra = &l->remote.audio;
	bool remote_ok = ra->port != 0 && strcmp(ra->addr, "0.0.0.0") != 0 &&
			 strcmp(ra->addr, "::") != 0;

	*cfg = (struct cp_media_stream_cfg){
		.local_ip = l->local_ip,
		.local_port = l->port,
		.remote_ip = remote_ok ? ra->addr : NULL,
		.remote_port = remote_ok ? ra->port : 0,
		.rtcp_mux = l->rtcp_mux,
		.in_suite = l->in.suite,
		.in_key = l->in.key,
		.out_suite = l->out.suite,
		.out_key = l->out.key,
		.relay_to = relay_to,
	};
}

/* Create (first time) or update the two relay streams, each relaying to the other. */
static int
streams_apply(struct cp_call *c)
{
	struct cp_media *m = c->sip->media;
	struct cp_media_stream_cfg cfg;
	int rc;

	if (c->b.stream < 0) {
		leg_stream_cfg(&c->b, -1, &cfg);
		rc = cp_media_stream_create(m, &cfg, &c->b.stream);
		if (rc < 0)
			return rc;
		leg_stream_cfg(&c->a, c->b.stream, &cfg);
		rc = cp_media_stream_create(m, &cfg, &c->a.stream);
		if (rc < 0)
			return rc;
		leg_stream_cfg(&c->b, c->a.stream, &cfg);
		return cp_media_stream_update(m, c->b.stream, &cfg);
	}
	leg_stream_cfg(&c->a, c->b.stream, &cfg);
	rc = cp_media_stream_update(m, c->a.stream, &cfg);
	if (rc < 0)
		return rc;
	leg_stream_cfg(&c->b, c->a.stream, &cfg);
	return cp_media_stream_update(m, c->b.stream, &cfg);
}

static void
streams_delete(struct cp_call *c)
{
	struct cp_leg *legs[2] = {&c->a, &c->b};

	for (int i = 0; i < 2; i++) {
		if (legs[i]->stream < 0)
			continue;
		if (cp_media_stream_delete(c->sip->media, legs[i]->stream) < 0)
			TSR_WARN(LOG_COMP, "stream delete failed\tcall_id=%s leg=%c stream=%lld",
				 c->call_id, legs[i]->name, (long long)legs[i]->stream);
		legs[i]->stream = -1;
	}
}

static int
write_sdp(struct cp_leg *l, const struct cp_sdp_audio *a, const struct cp_sdp_desc *mirror,
	  char *buf, size_t cap)
{
	struct cp_sdp_out o = {
		.addr = l->local_ip,
		.family = l->family,
		.sess_id = l->sess_id,
		.sess_version = ++l->sess_ver,
		.port = l->port,
		.proto = a->proto,
		.dir = a->dir,
		.rtcp_mux = a->rtcp_mux,
		.ptime = a->ptime,
		.n_codecs = a->n_codecs,
		.codecs = a->codecs,
		.n_crypto = a->proto == CP_SDP_PROTO_SAVP ? a->n_crypto : 0,
		.crypto = a->crypto,
		.mirror = mirror,
	};

	return cp_sdp_write(buf, cap, &o);
}

/*
 * Our offer to leg @p y from the offer @p xa received on the other leg.
 * Initial offers pick the transport from the rule's crypto_mode and offer
 * fresh keys for the suites the caller offered (all four when it offered
 * none); re-offers keep the transport and the key in use.
 */
static int
make_offer(struct cp_call *c, struct cp_leg *y, const struct cp_sdp_audio *xa, bool initial,
	   char *buf, size_t cap)
{
	static const enum cp_srtp_suite all[] = {
		CP_SRTP_AES_CM_128_HMAC_SHA1_80, CP_SRTP_AES_CM_128_HMAC_SHA1_32,
		CP_SRTP_AEAD_AES_128_GCM, CP_SRTP_AEAD_AES_256_GCM};
	struct cp_sdp_audio *o = &y->offered;
	int rc;

	explicit_bzero(o->crypto, sizeof(o->crypto));
	o->n_crypto = 0;
	if (initial) {
		if (strcmp(c->crypto_mode, "on") == 0)
			y->proto = CP_SDP_PROTO_SAVP;
		else if (strcmp(c->crypto_mode, "off") == 0)
			y->proto = CP_SDP_PROTO_AVP;
		else
			y->proto = xa->proto;
		y->rtcp_mux = xa->rtcp_mux;
		for (unsigned int i = 0; y->proto == CP_SDP_PROTO_SAVP && i < 4; i++) {
			enum cp_srtp_suite s = all[i];
			bool offered = xa->proto != CP_SDP_PROTO_SAVP;

			for (unsigned int j = 0; j < xa->n_crypto; j++)
				offered |= xa->crypto[j].suite == s;
			if (!offered)
				continue;
			rc = cp_sdp_crypto_make(&o->crypto[o->n_crypto], o->n_crypto + 1, s);
			if (rc < 0)
				return rc;
			o->n_crypto++;
		}
	} else if (y->proto == CP_SDP_PROTO_SAVP) {
		o->crypto[0] = y->out;
		o->n_crypto = 1;
	}
	o->proto = y->proto;
	o->n_codecs = xa->n_codecs;
	memcpy(o->codecs, xa->codecs, sizeof(xa->codecs[0]) * xa->n_codecs);
	o->dir = xa->dir;
	o->rtcp_mux = y->rtcp_mux;
	o->ptime = xa->ptime;
	return write_sdp(y, o, NULL, buf, cap);
}

/* Parse and check leg @p y's answer to our offer; on success it is in force. */
static int
take_answer(struct cp_leg *y, const sip_t *sip, char *why, size_t cap)
{
	struct cp_sdp_desc *d = su_alloc(y->call->home, sizeof(*d));
	unsigned int tag_idx = 0;
	int rc;

	if (d == NULL)
		return -ENOMEM;

	if (sip == NULL || sip->sip_payload == NULL || sip->sip_payload->pl_len == 0) {
		snprintf(why, cap, "answer without SDP");
		su_free(y->call->home, d);
		return -EBADMSG;
	}
	rc = cp_sdp_parse(sip->sip_payload->pl_data, sip->sip_payload->pl_len, d);
	if (rc == 0)
		rc = cp_sdp_check_answer(&y->offered, d, &tag_idx);
	if (rc == 0 && d->audio.family != y->family) {
		snprintf(d->reason, sizeof(d->reason), "answer changed the address family");
		rc = -ENOTSUP;
	}
	if (rc < 0) {
		snprintf(why, cap, "%s", d->reason);
		explicit_bzero(d, sizeof(*d));
		su_free(y->call->home, d);
		return rc;
	}
	y->remote = *d;
	y->rtcp_mux = y->offered.rtcp_mux && d->audio.rtcp_mux;
	if (y->proto == CP_SDP_PROTO_SAVP) {
		y->in = d->audio.crypto[0];
		y->out = y->offered.crypto[tag_idx];
	} else {
		memset(&y->in, 0, sizeof(y->in));
		memset(&y->out, 0, sizeof(y->out));
	}
	explicit_bzero(d, sizeof(*d));
	su_free(y->call->home, d);
	return 0;
}

/*
 * Our answer to leg @p x's offer (c->pending) from leg @p y's answer now in
 * force. SAVP: accept the first crypto line of the offer (or, on a re-offer,
 * the one with the suite in use, keeping our key), RFC 4568 §6.1.
 */
static int
make_answer(struct cp_call *c, struct cp_leg *x, const struct cp_leg *y, bool initial,
	    char *buf, size_t cap)
{
	const struct cp_sdp_audio *xa = &c->pending.audio, *ya = &y->remote.audio;
	struct cp_sdp_audio ans = {0};
	int rc;

	x->proto = xa->proto;
	if (xa->proto == CP_SDP_PROTO_SAVP) {
		const struct cp_sdp_crypto *pick = &xa->crypto[0];
		struct cp_sdp_crypto ours = x->out;

		for (unsigned int i = 0; !initial && i < xa->n_crypto; i++)
			if (xa->crypto[i].suite == x->out.suite) {
				pick = &xa->crypto[i];
				break;
			}
		if (initial || pick->suite != x->out.suite) {
			rc = cp_sdp_crypto_make(&ours, pick->tag, pick->suite);
			if (rc < 0)
				return rc;
		}
		ours.tag = pick->tag;
		x->in = *pick;
		x->out = ours;
		ans.crypto[0] = ours;
		ans.n_crypto = 1;
		explicit_bzero(&ours, sizeof(ours));
	} else {
		memset(&x->in, 0, sizeof(x->in));
		memset(&x->out, 0, sizeof(x->out));
	}
	x->rtcp_mux = xa->rtcp_mux;
	x->remote = c->pending;
	ans.proto = xa->proto;
	ans.n_codecs = ya->n_codecs;
	memcpy(ans.codecs, ya->codecs, sizeof(ya->codecs[0]) * ya->n_codecs);
	ans.dir = ya->dir;
	ans.rtcp_mux = x->rtcp_mux;
	ans.ptime = ya->ptime;
	rc = write_sdp(x, &ans, &x->remote, buf, cap);
	explicit_bzero(ans.crypto, sizeof(ans.crypto));
	return rc;
}

/* End leg @p l from our side: BYE when up, CANCEL for B's pending INVITE,
 * else a final error on A's pending INVITE. */
static void
leg_hangup(struct cp_call *c, struct cp_leg *l, int status, const char *phrase, const char *why)
{
	if (l->nh == NULL || l->ended || l->hung_up)
		return;
	l->hung_up = true;
	if (l->up) {
		if (c->offerer == l) {
			msg_t *req = pending_req(l);

			nua_respond(l->nh, SIP_487_REQUEST_TERMINATED,
				    TAG_IF(req != NULL, NUTAG_WITH(req)), TAG_END());
			release_req(l);
		}
		nua_bye(l->nh, TAG_END());
	} else if (l == &c->b) {
		nua_cancel(l->nh, TAG_END());
	} else {
		respond_error(c, l, status, phrase, 399, why);
	}
}

static void
call_fail(struct cp_call *c, int status, const char *phrase, const char *why)
{
	TSR_WARN(LOG_COMP, "call failed\tcall_id=%s status=%d reason=\"%s\"", c->call_id, status,
		 why ? why : phrase);
	c->state = CALL_ENDING;
	c->offerer = NULL;
	streams_delete(c);
	leg_hangup(c, &c->a, status, phrase, why);
	leg_hangup(c, &c->b, status, phrase, why);
}

static void
call_destroy(struct cp_call *c)
{
	struct cp_sip *s = c->sip;
	struct cp_leg *legs[2] = {&c->a, &c->b};

	streams_delete(c);
	for (int i = 0; i < 2; i++) {
		cp_media_port_put(s->media, legs[i]->port);
		release_req(legs[i]);
		if (legs[i]->nh != NULL) {
			nua_handle_bind(legs[i]->nh, NULL);
			nua_handle_destroy(legs[i]->nh);
		}
		explicit_bzero(&legs[i]->remote.audio.crypto, sizeof(legs[i]->remote.audio.crypto));
		explicit_bzero(&legs[i]->offered.crypto, sizeof(legs[i]->offered.crypto));
		explicit_bzero(&legs[i]->in, sizeof(legs[i]->in));
		explicit_bzero(&legs[i]->out, sizeof(legs[i]->out));
	}
	explicit_bzero(&c->pending.audio.crypto, sizeof(c->pending.audio.crypto));
	for (struct cp_call **pp = &s->calls; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	s->n_calls--;
	TSR_INFO(LOG_COMP, "call ended\tcall_id=%s calls=%u", c->call_id, s->n_calls);
	su_home_unref(c->home);
}

/* B's final error for the initial INVITE, mapped for A (RFC 3261 §16.7 habits). */
static int
map_status(int st)
{
	if (st >= 300 && st < 400)
		return 480; /* a second redirect, or one to no SIP URI */
	if (st == 401 || st == 407)
		return 403; /* never relay a challenge for B's realm to A */
	return st;
}

static bool retarget(struct cp_call *c, int status, const sip_t *sip);

static void
on_r_invite(struct cp_call *c, struct cp_leg *y, int status, const char *phrase, const sip_t *sip)
{
	struct cp_leg *x = other(y);
	char why[128], reason[160], *sdp;
	bool initial = !x->up;
	int rc;

	if (status < 200) {
		if (status >= 180 && y == &c->b && c->state == CALL_OFFERING && !c->ringing_sent) {
			nua_respond(c->a.nh, SIP_180_RINGING, TAG_END());
			c->ringing_sent = true;
		}
		return;
	}
	if (c->state == CALL_ENDING || c->offerer != x) {
		if (status < 300 && c->state == CALL_ENDING)
			leg_hangup(c, y, 0, NULL, NULL);
		return;
	}
	if (status >= 300 && initial && y == &c->b && status != 487 && retarget(c, status, sip))
		return;
	if (status >= 300) {
		c->offerer = NULL;
		if (!initial) { /* a failed re-INVITE: the call goes on as it was */
			msg_t *req = pending_req(x);

			nua_respond(x->nh, status, phrase ? su_strdup(c->home, phrase) : NULL,
				    TAG_IF(req != NULL, NUTAG_WITH(req)), TAG_END());
			release_req(x);
			return;
		}
		TSR_INFO(LOG_COMP, "outgoing leg failed\tcall_id=%s status=%d", c->call_id, status);
		snprintf(reason, sizeof(reason), "SIP;cause=%d;text=\"%s\"", status,
			 status == 487 ? "Request Terminated" : "outgoing leg failed");
		c->state = CALL_ENDING;
		x->hung_up = true;
		/* NUA keeps the phrase pointer past this callback: copy it into the call. */
		nua_respond(x->nh, map_status(status),
			    map_status(status) == status && phrase != NULL ?
				    su_strdup(c->home, phrase) :
				    sip_status_phrase(map_status(status)),
			    SIPTAG_REASON_STR(reason), TAG_END());
		return;
	}
	y->up = true;
	rc = take_answer(y, sip, why, sizeof(why));
	if (rc < 0) {
		if (initial) {
			call_fail(c, SIP_488_NOT_ACCEPTABLE, why);
		} else {
			c->offerer = NULL;
			respond_error(c, x, SIP_488_NOT_ACCEPTABLE, 305, why);
		}
		return;
	}
	sdp = su_alloc(c->home, SDP_MAX);
	rc = sdp ? make_answer(c, x, y, initial, sdp, SDP_MAX) : -ENOMEM;
	if (rc >= 0)
		rc = streams_apply(c);
	if (rc < 0) {
		snprintf(why, sizeof(why), "media setup failed: %s", strerror(-rc));
		call_fail(c, SIP_503_SERVICE_UNAVAILABLE, why);
		su_free(c->home, sdp);
		return;
	}
	{
		msg_t *req = pending_req(x);

		nua_respond(x->nh, SIP_200_OK, TAG_IF(req != NULL, NUTAG_WITH(req)),
			    SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp),
			    TAG_END());
		release_req(x);
	}
	su_free(c->home, sdp);
	x->up = true;
	c->offerer = NULL;
	c->state = CALL_ACTIVE;
	TSR_INFO(LOG_COMP, "%s\tcall_id=%s codec=%s srtp_a=%s srtp_b=%s stream_a=%lld "
		 "stream_b=%lld port_a=%u port_b=%u",
		 initial ? "call connected" : "call modified", c->call_id,
		 c->b.remote.audio.codecs[0].name, cp_srtp_suite_name(c->a.in.suite),
		 cp_srtp_suite_name(c->b.in.suite), (long long)c->a.stream, (long long)c->b.stream,
		 c->a.port, c->b.port);
}

/* Checks of an offer beyond parsing; @return 0 or a 488 reason. */
static const char *
offer_problem(const struct cp_call *c, const struct cp_sdp_audio *a, const struct cp_leg *x)
{
	if (a->proto == CP_SDP_PROTO_SAVP && a->n_crypto == 0)
		return "no supported crypto suite (RFC 4568 SDES)";
	if (a->proto == CP_SDP_PROTO_AVP && strcmp(c->crypto_mode, "on") == 0)
		return "encryption required by the routing rule";
	if (x != NULL && x->up && (a->proto != x->proto || a->family != x->family))
		return "re-offer changed the transport or address family";
	return NULL;
}

/*
 * A re-INVITE without SDP (RFC 3261 §14.2; session refreshes, RFC 4028
 * §7.4, often are): the 200 offers what is in force on this leg, our key
 * included; the ACK answers and only this leg's stream changes.
 */
static void
reoffer(struct cp_call *c, struct cp_leg *x)
{
	const struct cp_sdp_audio *ya = &other(x)->remote.audio;
	struct cp_sdp_audio *o = &x->offered;
	char *sdp = su_alloc(c->home, SDP_MAX);
	int rc;

	explicit_bzero(o->crypto, sizeof(o->crypto));
	o->n_crypto = 0;
	if (x->proto == CP_SDP_PROTO_SAVP) {
		o->crypto[0] = x->out;
		o->n_crypto = 1;
	}
	o->proto = x->proto;
	o->n_codecs = ya->n_codecs;
	memcpy(o->codecs, ya->codecs, sizeof(ya->codecs[0]) * ya->n_codecs);
	o->dir = ya->dir;
	o->rtcp_mux = x->rtcp_mux;
	o->ptime = ya->ptime;
	rc = sdp ? write_sdp(x, o, &x->remote, sdp, SDP_MAX) : -ENOMEM;
	if (rc < 0) {
		respond_error(c, x, SIP_500_INTERNAL_SERVER_ERROR, 399, "cannot build the offer");
	} else {
		x->ack_answer = true;
		nua_respond(x->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
		TSR_INFO(LOG_COMP, "re-INVITE without SDP: offered in the 200\tcall_id=%s leg=%c",
			 c->call_id, x->name);
	}
	su_free(c->home, sdp);
}

/* The ACK of a 200 in which we offered (reoffer): its answer takes effect. */
static void
on_ack(struct cp_call *c, struct cp_leg *x, const sip_t *sip)
{
	char why[128];
	int rc;

	if (!x->ack_answer)
		return;
	x->ack_answer = false;
	rc = take_answer(x, sip, why, sizeof(why));
	if (rc == 0)
		rc = streams_apply(c);
	if (rc < 0) {
		call_fail(c, SIP_488_NOT_ACCEPTABLE, rc == -EBADMSG || rc == -ENOTSUP ? why :
							 "media update failed");
		return;
	}
	TSR_INFO(LOG_COMP, "answer in ACK taken\tcall_id=%s leg=%c", c->call_id, x->name);
}

static void
on_reinvite(struct cp_call *c, struct cp_leg *x, const sip_t *sip)
{
	struct cp_leg *y = other(x);
	const char *problem;
	char *sdp;
	int rc;

	if (c->state != CALL_ACTIVE || c->offerer != NULL || !y->up) {
		nua_respond(x->nh, SIP_491_REQUEST_PENDING, TAG_END());
		return;
	}
	if (sip->sip_payload == NULL || sip->sip_payload->pl_len == 0) {
		reoffer(c, x);
		return;
	}
	rc = cp_sdp_parse(sip->sip_payload->pl_data, sip->sip_payload->pl_len, &c->pending);
	problem = rc < 0 ? c->pending.reason : offer_problem(c, &c->pending.audio, x);
	if (problem != NULL) {
		if (rc == -EBADMSG)
			respond_error(c, x, SIP_400_BAD_REQUEST, 399, problem);
		else
			respond_error(c, x, SIP_488_NOT_ACCEPTABLE, 305, problem);
		return;
	}
	sdp = su_alloc(c->home, SDP_MAX);
	rc = sdp ? make_offer(c, y, &c->pending.audio, false, sdp, SDP_MAX) : -ENOMEM;
	if (rc < 0) {
		respond_error(c, x, SIP_500_INTERNAL_SERVER_ERROR, 399, "cannot build the offer");
		su_free(c->home, sdp);
		return;
	}
	c->offerer = x;
	nua_invite(y->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp),
		   TAG_END());
	su_free(c->home, sdp);
	TSR_INFO(LOG_COMP, "re-INVITE passed on\tcall_id=%s from=%c dir=%d", c->call_id, x->name,
		 c->pending.audio.dir);
}

static void
on_state(struct cp_call *c, struct cp_leg *l, tagi_t tags[])
{
	int cs = -1;

	tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
	if (cs != nua_callstate_terminated)
		return;
	l->ended = true;
	l->up = false;
	if (c->state != CALL_ENDING) {
		c->state = CALL_ENDING;
		streams_delete(c);
	}
	leg_hangup(c, other(l), SIP_480_TEMPORARILY_UNAVAILABLE, "the other leg ended");
	if (c->a.ended && (c->b.ended || c->b.nh == NULL))
		call_destroy(c);
}

void
cp_gw_event(struct cp_hmagic *hm, nua_event_t ev, int status, const char *phrase,
	    const sip_t *sip, tagi_t tags[])
{
	struct cp_leg *leg = (struct cp_leg *)hm;
	struct cp_call *c = leg->call;

	switch (ev) {
	case nua_r_invite:
		on_r_invite(c, leg, status, phrase, sip);
		break;
	case nua_i_invite:
		on_reinvite(c, leg, sip);
		break;
	case nua_i_update:
		/* UPDATE (RFC 3311): with an offer like a re-INVITE, without one a refresh. */
		if (sip == NULL || sip->sip_payload == NULL || sip->sip_payload->pl_len == 0)
			nua_respond(leg->nh, SIP_200_OK, NUTAG_WITH_THIS(c->sip->nua), TAG_END());
		else if (c->state != CALL_ACTIVE || c->offerer != NULL)
			nua_respond(leg->nh, SIP_491_REQUEST_PENDING, NUTAG_WITH_THIS(c->sip->nua),
				    TAG_END());
		else {
			nua_save_event(c->sip->nua, leg->saved);
			leg->has_saved = true;
			on_reinvite(c, leg, sip);
		}
		break;
	case nua_i_ack:
		on_ack(c, leg, sip);
		break;
	case nua_i_refer:
		/* A transfer of a gateway call would need a third leg: declined. */
		nua_respond(leg->nh, SIP_603_DECLINE, NUTAG_WITH_THIS(c->sip->nua), TAG_END());
		break;
	case nua_i_cancel:
	case nua_i_bye:
		TSR_INFO(LOG_COMP, "%s\tcall_id=%s leg=%c", ev == nua_i_bye ? "bye" : "cancelled",
			 c->call_id, leg->name);
		leg->hung_up = true; /* NUA answers BYE 200 and the INVITE 487 itself */
		c->state = CALL_ENDING;
		c->offerer = NULL;
		streams_delete(c);
		leg_hangup(c, other(leg), SIP_487_REQUEST_TERMINATED, NULL);
		break;
	case nua_i_state:
		on_state(c, leg, tags); /* may free the call: nothing after this */
		break;
	default:
		TSR_DEBUG(LOG_COMP, "event\tcall_id=%s leg=%c event=%s status=%d", c->call_id,
			  leg->name, nua_event_name(ev), status);
		break;
	}
}

static int
leg_init(struct cp_call *c, struct cp_leg *l, char name, int family)
{
	struct cp_sip *s = c->sip;
	uint32_t r;

	l->hm.kind = CP_H_GW_LEG;
	l->call = c;
	l->name = name;
	l->stream = -1;
	l->family = family;
	l->local_ip = family == AF_INET6 ? s->cfg.media_addr6 : s->cfg.media_addr;
	if (l->local_ip == NULL)
		return -EAFNOSUPPORT;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)(uintptr_t)l;
	l->sess_id = r;
	l->sess_ver = r & 0xffff;
	return cp_media_port_get(s->media, &l->port);
}

/* Send leg B's INVITE to @p target (a request-URI) with a fresh offer. */
static int
invite_b(struct cp_call *c, const char *target, char *why, size_t cap)
{
	struct cp_sip *s = c->sip;
	char *sdp;
	url_t *u;
	int rc;

	u = url_make(c->home, target);
	if (u == NULL || u->url_host == NULL || (u->url_type != url_sip && u->url_type != url_sips)) {
		snprintf(why, cap, "destination '%.60s' is not a SIP URI", target);
		return -EINVAL;
	}
	sdp = su_alloc(c->home, SDP_MAX);
	rc = sdp ? make_offer(c, &c->b, &c->pending.audio, true, sdp, SDP_MAX) : -ENOMEM;
	if (rc < 0) {
		snprintf(why, cap, "cannot build the offer");
		su_free(c->home, sdp);
		return rc;
	}
	c->b.nh = nua_handle(cp_sip_nua_for(s, u), &c->b.hm, NUTAG_URL(u), SIPTAG_TO_STR(target),
			     SIPTAG_FROM_STR(c->from), TAG_END());
	if (c->b.nh == NULL) {
		su_free(c->home, sdp);
		return -ENOMEM;
	}
	nua_invite(c->b.nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp),
		   SIPTAG_MAX_FORWARDS_STR(c->max_forwards), TAG_END());
	su_free(c->home, sdp);
	return 0;
}

static int
start_b(struct cp_call *c, const sip_t *sip, char *why, size_t cap)
{
	struct cp_sip *s = c->sip;
	char target[CP_ROUTE_ALIAS_MAX + 32];
	const char *user = sip->sip_from && sip->sip_from->a_url->url_user ?
				   sip->sip_from->a_url->url_user :
				   "anonymous";
	unsigned long hops = sip->sip_max_forwards ? sip->sip_max_forwards->mf_count : 70;

	snprintf(c->from, sizeof(c->from), "<sip:%.127s@%.64s>",
		 strlen(user) < 128 ? user : "anonymous", s->cfg.sip_addr);
	snprintf(c->max_forwards, sizeof(c->max_forwards), "%lu", hops > 0 ? hops - 1 : 0);
	if (c->n_targets > 0)
		return invite_b(c, c->targets[c->next_target++], why, cap);
	if (cp_route_target_uri(c->dest, s->cfg.udp, target, sizeof(target)) < 0) {
		snprintf(why, cap, "destination '%.60s' is not a SIP URI", c->dest);
		return -EINVAL;
	}
	return invite_b(c, target, why, cap);
}

/*
 * Leg B's initial INVITE failed: follow one redirect (3xx with a SIP
 * Contact, RFC 3261 §8.1.3.4) or try the next registered contact (serial
 * forking). @return true when a new leg B is on its way.
 */
static bool
retarget(struct cp_call *c, int status, const sip_t *sip)
{
	char uri[CP_GW_TARGET_MAX], tmp[CP_GW_TARGET_MAX], why[128];

	if (status >= 300 && status < 400) {
		const sip_contact_t *m = sip != NULL ? sip->sip_contact : NULL;

		if (c->redirected || m == NULL ||
		    (m->m_url->url_type != url_sip && m->m_url->url_type != url_sips) ||
		    url_e(tmp, sizeof(tmp), m->m_url) < 0 ||
		    cp_route_target_uri(tmp, c->sip->cfg.udp, uri, sizeof(uri)) < 0)
			return false;
		c->redirected = true;
	} else if (status < 600 && c->next_target < c->n_targets) {
		snprintf(uri, sizeof(uri), "%s", c->targets[c->next_target++]);
	} else {
		return false;
	}
	nua_handle_bind(c->b.nh, NULL);
	nua_handle_destroy(c->b.nh);
	c->b.nh = NULL;
	c->b.up = c->b.ended = c->b.hung_up = false;
	if (invite_b(c, uri, why, sizeof(why)) < 0) {
		TSR_INFO(LOG_COMP, "retarget failed\tcall_id=%s uri=%s reason=\"%s\"", c->call_id,
			 uri, why);
		return false;
	}
	TSR_INFO(LOG_COMP, "outgoing leg retargeted\tcall_id=%s status=%d uri=%s", c->call_id,
		 status, uri);
	return true;
}

static int
b_family(struct cp_call *c)
{
	const char *at = strchr(c->dest, '@');
	const char *h = at != NULL ? at + 1 : c->dest;

	return h[0] == '[' && c->sip->cfg.media_addr6 != NULL ? AF_INET6 : AF_INET;
}

int
cp_gw_start(struct cp_sip *s, nua_handle_t *nh, const sip_t *sip,
	    const struct cp_replica_rule *rule, const char *dest,
	    const char (*targets)[CP_GW_TARGET_MAX], unsigned int n_targets)
{
	struct cp_call *c;
	const char *problem = NULL;
	char why[128];
	int rc, status = 488;

	if (sip->sip_max_forwards != NULL && sip->sip_max_forwards->mf_count == 0) {
		nua_respond(nh, SIP_483_TOO_MANY_HOPS, TAG_END());
		return -ELOOP;
	}
	c = su_home_new(sizeof(*c));
	if (c == NULL) {
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
		return -ENOMEM;
	}
	memset((char *)c + sizeof(c->home), 0, sizeof(*c) - sizeof(c->home));
	c->sip = s;
	c->a.nh = nh;
	snprintf(c->crypto_mode, sizeof(c->crypto_mode), "%s", rule->crypto_mode);
	snprintf(c->dest, sizeof(c->dest), "%s", dest);
	c->n_targets = n_targets < CP_GW_TARGETS_MAX ? n_targets : CP_GW_TARGETS_MAX;
	for (unsigned int i = 0; i < c->n_targets; i++)
		snprintf(c->targets[i], sizeof(c->targets[i]), "%s", targets[i]);
	snprintf(c->call_id, sizeof(c->call_id), "%s",
		 sip->sip_call_id ? sip->sip_call_id->i_id : "-");
	if (sip->sip_payload == NULL || sip->sip_payload->pl_len == 0) {
		rc = -ENOTSUP;
		problem = "INVITE without SDP offer is not supported yet";
	} else {
		rc = cp_sdp_parse(sip->sip_payload->pl_data, sip->sip_payload->pl_len,
				  &c->pending);
		problem = rc < 0 ? c->pending.reason : offer_problem(c, &c->pending.audio, NULL);
		status = rc == -EBADMSG ? 400 : 488;
	}
	if (problem == NULL) {
		rc = leg_init(c, &c->a, 'A', c->pending.audio.family);
		if (rc == 0)
			rc = leg_init(c, &c->b, 'B', b_family(c));
		problem = rc == -EAFNOSUPPORT ? "no media address of that family" :
			  rc < 0		? "no media port free" :
						  NULL;
		status = rc == -EAFNOSUPPORT ? 488 : 503;
	}
	if (problem == NULL) {
		rc = start_b(c, sip, why, sizeof(why));
		problem = rc < 0 ? why : NULL;
		status = rc == -EINVAL ? 404 : 503;
	}
	if (problem != NULL) {
		TSR_INFO(LOG_COMP, "call rejected\tcall_id=%s status=%d reason=\"%s\"", c->call_id,
			 status, problem);
		respond_error(c, &c->a, status, NULL, status == 488 ? 305 : 399, problem);
		cp_media_port_put(s->media, c->a.port);
		cp_media_port_put(s->media, c->b.port);
		explicit_bzero(&c->pending.audio.crypto, sizeof(c->pending.audio.crypto));
		su_home_unref(c->home);
		return rc < 0 ? rc : -ENOTSUP;
	}
	nua_handle_bind(nh, &c->a.hm);
	c->offerer = &c->a;
	c->state = CALL_OFFERING;
	c->next = s->calls;
	s->calls = c;
	s->n_calls++;
	TSR_INFO(LOG_COMP, "gateway call\tcall_id=%s rule=\"%s\" dest=%s calls=%u", c->call_id,
		 rule->name, c->dest, s->n_calls);
	return 0;
}

void
cp_gw_hangup_all(struct cp_sip *s)
{
	for (struct cp_call *c = s->calls; c != NULL; c = c->next)
		call_fail(c, SIP_503_SERVICE_UNAVAILABLE, "node shutting down");
}

void
cp_gw_destroy_all(struct cp_sip *s)
{
	while (s->calls != NULL)
		call_destroy(s->calls);
}
