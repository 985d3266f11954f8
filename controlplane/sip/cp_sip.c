/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_sip.c - sofia-sip NUA setup and routing of incoming requests.
 *
 * Routing order for an INVITE (guide part 3 §2.4 FR-GW-2): a service alias
 * first (services/cp_svc.h), also in the `<alias>**<PIN or destination>`
 * dial-string form (FR-PIN-6, FR-VR-4), then the gateway call routing
 * rules, else 404. RFC 3261 §8.2 request checks (malformed
 * messages, unsupported methods, Require) are done by sofia's nta before
 * anything reaches this file.
 *
 * Context: control path (cp main loop); the NUA callback runs on it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/su_log.h>

#include "config.h"
#include "cp_gw.h"
#include "cp_reg.h"
#include "cp_replica.h"
#include "cp_route.h"
#include "cp_policy.h"
#include "cp_sip.h"
#include "cp_svc.h"
#include "tsr_log.h"

#define LOG_COMP "cp.sip"

/*
 * Checks nta leaves to us (RFC 3261 §8.2): a body that is not SDP gets 415
 * with Accept (§8.2.3); a header the call depends on that sofia could not
 * parse (kept in sip_error) gets 400 rather than being silently ignored.
 * @return true after answering.
 */
static bool
refuse_malformed(struct cp_sip *s, nua_handle_t *nh, const sip_t *sip)
{
	static const char *const vital[] = {"Max-Forwards", "Content-Type", "Session-Expires",
					    "Min-SE", "Require", "Supported", "Contact", NULL};
	char w[160], why[64];

	for (const sip_error_t *e = sip->sip_error; e != NULL; e = e->er_next) {
		const char *name = e->er_name ? e->er_name : "";

		for (int i = 0; vital[i] != NULL; i++)
			if (strcasecmp(name, vital[i]) == 0) {
				snprintf(why, sizeof(why), "malformed %s header", vital[i]);
				nua_respond(nh, SIP_400_BAD_REQUEST,
					    SIPTAG_WARNING_STR(cp_sip_warning(s, 399, why, w, sizeof(w))),
					    TAG_END());
				return true;
			}
	}
	if (sip->sip_payload != NULL && sip->sip_payload->pl_len > 0 &&
	    (sip->sip_content_type == NULL || sip->sip_content_type->c_type == NULL ||
	     strcasecmp(sip->sip_content_type->c_type, "application/sdp") != 0)) {
		nua_respond(nh, SIP_415_UNSUPPORTED_MEDIA, SIPTAG_ACCEPT_STR("application/sdp"),
			    TAG_END());
		return true;
	}
	return false;
}

/*
 * A call routing rule matched (FR-CRR-*). The registration table comes first
 * for every SIP target (FR-REG-8); a rule for registered devices only ends
 * there (FR-REG-10): 480 when the device is known but not registered, 404
 * when the alias is no device.
 */
static void
route_rule(struct cp_sip *s, nua_handle_t *nh, const sip_t *sip,
	   const struct cp_replica_rule *rule, const char *dest)
{
	const char *cid = sip->sip_call_id ? sip->sip_call_id->i_id : "-";
	char targets[CP_GW_TARGETS_MAX][CP_REG_URI_MAX], w[200];
	unsigned int n = 0;
	bool reg_only = strcmp(rule->called_device_type, "registration") == 0;

	if (strcmp(rule->outgoing_protocol, "sip") != 0 ||
	    (!reg_only && strcmp(rule->called_device_type, "external") != 0)) {
		snprintf(w, sizeof(w), "399 %s \"rule %.60s: %s/%s targets are not built yet\"",
			 s->cfg.sip_addr, rule->name, rule->outgoing_protocol,
			 rule->called_device_type);
		TSR_INFO(LOG_COMP, "rule target not supported\tcall_id=%s rule=\"%s\"", cid,
			 rule->name);
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_WARNING_STR(w), TAG_END());
		return;
	}
	n = cp_reg_lookup(s->reg, dest, targets, CP_GW_TARGETS_MAX);
	if (n == 0 && reg_only) {
		bool known = cp_replica_device_lookup(s->replica, dest) != NULL;

		TSR_INFO(LOG_COMP, "registered device not found\tcall_id=%s rule=\"%s\" dest=%s "
			 "known=%d", cid, rule->name, dest, known);
		nua_respond(nh, known ? 480 : 404, known ? "Temporarily Unavailable" : "Not Found",
			    TAG_END());
		return;
	}
	if (n > 0)
		TSR_INFO(LOG_COMP, "routing to registration\tcall_id=%s dest=%s contacts=%u", cid,
			 dest, n);
	cp_gw_start(s, nh, sip, rule, dest, targets, n);
}

static void
on_invite(struct cp_sip *s, nua_handle_t *nh, const sip_t *sip)
{
	const url_t *ru = sip->sip_request ? sip->sip_request->rq_url : NULL;
	const char *cid = sip->sip_call_id ? sip->sip_call_id->i_id : "-";
	char alias[CP_ROUTE_ALIAS_MAX], dest[CP_ROUTE_ALIAS_MAX], full[CP_ROUTE_ALIAS_MAX + 16];
	const struct cp_replica_alias *svc;
	const struct cp_replica_rule *rule;

	if (s->shutting_down) {
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
		return;
	}
	if (refuse_malformed(s, nh, sip))
		return;
	if (ru == NULL || cp_route_alias(ru->url_user, ru->url_host, alias, sizeof(alias)) < 0 ||
	    url_e(full, sizeof(full), ru) < 0) {
		nua_respond(nh, SIP_404_NOT_FOUND, TAG_END());
		return;
	}
	svc = cp_replica_alias_lookup(s->replica, alias);
	if (svc == NULL) {
		char base[CP_ROUTE_ALIAS_MAX], rest[CP_ROUTE_ALIAS_MAX], rwd[CP_ROUTE_ALIAS_MAX];
		const struct cp_replica_alias *b;

		if (cp_dial_split(alias, base, sizeof(base), rest, sizeof(rest), rwd,
				  sizeof(rwd)) == 1 &&
		    (b = cp_replica_alias_lookup(s->replica, base)) != NULL) {
			/* The part after "**" is a PIN, or a reception's destination. */
			cp_svc_start(s->svc, nh, sip, cp_replica_alias_service(s->replica, b), base,
				     rest);
			return;
		}
	}
	if (svc != NULL) {
		TSR_INFO(LOG_COMP, "service call\tcall_id=%s alias=%s conference=\"%s\" type=%s",
			 cid, alias, svc->conference, svc->service_type);
		cp_svc_start(s->svc, nh, sip, cp_replica_alias_service(s->replica, svc), alias, NULL);
		return;
	}
	rule = cp_route_rule_lookup(s->replica, alias, full, dest, sizeof(dest));
	if (rule == NULL) {
		TSR_INFO(LOG_COMP, "no route\tcall_id=%s alias=%s", cid, alias);
		nua_respond(nh, SIP_404_NOT_FOUND, TAG_END());
		return;
	}
	route_rule(s, nh, sip, rule, dest);
}

static void
dispatch(nua_event_t ev, int status, char const *phrase, nua_t *nua, struct cp_sip *s,
	 nua_handle_t *nh, struct cp_hmagic *leg, sip_t const *sip, tagi_t tags[])
{
	int cs = -1;

	if (leg != NULL) {
		if (leg->kind == CP_H_SVC_PART)
			cp_svc_event(leg, ev, status, phrase, sip, tags);
		else
			cp_gw_event(leg, ev, status, phrase, sip, tags);
		return;
	}
	switch (ev) {
	case nua_i_invite:
		on_invite(s, nh, sip);
		break;
	case nua_i_register:
		cp_reg_request(s->reg, nh, sip);
		break;
	case nua_i_state:
		/* A request we refused: its handle was never bound to a call. */
		tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
		if (cs == nua_callstate_terminated && nh != NULL)
			nua_handle_destroy(nh);
		break;
	case nua_r_shutdown:
		if (status >= 200) {
			TSR_INFO(LOG_COMP, "sip stack stopped\tstatus=%d ipv6=%s", status,
				 nua == s->nua6 ? "yes" : "no");
			if (s->nua_up > 0 && --s->nua_up == 0) {
				s->down = true;
				su_root_break(s->root);
			}
		}
		break;
	case nua_i_error:
		TSR_WARN(LOG_COMP, "stack error\tstatus=%d phrase=\"%s\"", status, phrase);
		break;
	case nua_i_options:
		TSR_DEBUG(LOG_COMP, "options answered\tstatus=%d", status);
		break;
	default:
		TSR_DEBUG(LOG_COMP, "unhandled event\tevent=%s status=%d", nua_event_name(ev),
			  status);
		/* Incoming out-of-dialog requests we do not serve. */
		if (nh != NULL && nua_event_is_incoming_request(ev)) {
			nua_respond(nh, SIP_501_NOT_IMPLEMENTED, NUTAG_WITH_THIS(nua), TAG_END());
			nua_handle_destroy(nh);
		}
		break;
	}
}

/*
 * The callback of every user agent: whatever answers during the event
 * (NUTAG_WITH_THIS(s->nua), nua_current_request(s->nua)) uses the agent
 * the event came from.
 */
static void
on_event(nua_event_t ev, int status, char const *phrase, nua_t *nua, struct cp_sip *s,
	 nua_handle_t *nh, struct cp_hmagic *leg, sip_t const *sip, tagi_t tags[])
{
	nua_t *prev = s->nua;

	s->nua = nua;
	dispatch(ev, status, phrase, nua, s, nh, leg, sip, tags);
	s->nua = prev;
}

/* sofia-sip's own log lines (nta, tport, nua) become cp.sofia log lines. */
static void
sofia_logger(void *stream, char const *fmt, va_list ap)
{
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	for (char *p = line; *p != '\0'; p++)
		if (*p == '\t' || *p == '"')
			*p = *p == '\t' ? ' ' : '\'';
	if (n > 0)
		tsr_log(tsr_log_enabled(TSR_LOG_DEBUG) ? TSR_LOG_DEBUG : TSR_LOG_WARN, "cp.sofia",
			"%s", line);
}

/*
 * One user agent with the transports of @p host (an IPv4 or IPv6 literal):
 * TCP (and UDP) on cfg->port, TLS on cfg->tls_port. @return NULL when a
 * transport cannot bind.
 */
static nua_t *
ua_create(struct cp_sip *s, const char *host)
{
	const struct cp_sip_cfg *cfg = &s->cfg;
	bool v6 = strchr(host, ':') != NULL;
	char url[128], surl[128];
	nua_t *nua;

	snprintf(url, sizeof(url), "sip:%s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "",
		 cfg->port, cfg->udp ? "" : ";transport=tcp");
	snprintf(surl, sizeof(surl), "sips:%s%s%s:%u;transport=tls", v6 ? "[" : "", host,
		 v6 ? "]" : "", cfg->tls_port);
	nua = nua_create(s->root, on_event, s, NUTAG_URL(url), TAG_IF(cfg->tls, NUTAG_SIPS_URL(surl)),
			 TAG_IF(cfg->tls, TPTAG_CERTIFICATE(cfg->tls_dir)),
			 TAG_IF(cfg->tls, TPTAG_TLS_VERIFY_POLICY(TPTLS_VERIFY_NONE)),
			 TPTAG_STUN_SERVER(0), NUTAG_MEDIA_ENABLE(0), TAG_END());
	if (nua == NULL) {
		TSR_ERR(LOG_COMP, "cannot bind sip transports\turl=%s sips_url=%s", url,
			cfg->tls ? surl : "-");
		return NULL;
	}
	/*
	 * Session timers (RFC 4028): offered and honoured (Min-SE 90 s, 422 below
	 * it); the peer is asked to refresh, and when it makes us the refresher
	 * NUA refreshes with an UPDATE without a body, which needs no SDP from
	 * the engine we switched off. REGISTER, UPDATE and REFER are answered by
	 * us (cp_reg.c, cp_gw.c, cp_svc.c).
	 */
	nua_set_params(nua, NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0), NUTAG_AUTOACK(1),
		       NUTAG_ENABLEMESSAGE(0), NUTAG_SESSION_TIMER(CP_SIP_SESSION_EXPIRES),
		       NUTAG_MIN_SE(CP_SIP_MIN_SE), NUTAG_SESSION_REFRESHER(nua_remote_refresher),
		       NUTAG_UPDATE_REFRESH(1),
		       SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE, REFER"),
		       NUTAG_APPL_METHOD("REGISTER, UPDATE, REFER"),
		       SIPTAG_SUPPORTED_STR("timer"),
		       NUTAG_OUTBOUND("no-options-keepalive no-validate"),
		       SIPTAG_USER_AGENT_STR("tessera-node/" TSR_VERSION),
		       SIPTAG_SERVER_STR("tessera-node/" TSR_VERSION), TAG_END());
	TSR_INFO(LOG_COMP, "sip listening\turl=%s sips_url=%s", url, cfg->tls ? surl : "-");
	return nua;
}

int
cp_sip_create(su_root_t *root, const struct cp_sip_cfg *cfg, struct cp_media *media,
	      const struct cp_replica *replica, struct cp_sip **out)
{
	struct cp_sip *s;

	if (cfg->sip_addr6 != NULL && strchr(cfg->sip_addr6, ':') == NULL)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	/* Before the stack exists: module logs take the default's level when they start. */
	su_log_redirect(su_log_default, sofia_logger, NULL);
	su_log_redirect(su_log_global, sofia_logger, NULL);
	su_log_set_level(su_log_default, tsr_log_enabled(TSR_LOG_DEBUG) ? 3 : 1);
	su_log_set_level(su_log_global, tsr_log_enabled(TSR_LOG_DEBUG) ? 3 : 1);
	s->root = root;
	s->cfg = *cfg;
	s->media = media;
	s->replica = replica;
	if (cp_svc_create(s, &s->svc) < 0 || cp_reg_create(s, &s->reg) < 0) {
		cp_svc_destroy(s->svc);
		free(s);
		return -ENOMEM;
	}
	s->nua_main = ua_create(s, cfg->sip_addr);
	if (s->nua_main != NULL && cfg->sip_addr6 != NULL) {
		s->nua6 = ua_create(s, cfg->sip_addr6);
		if (s->nua6 == NULL) {
			nua_destroy(s->nua_main);
			s->nua_main = NULL;
		}
	}
	if (s->nua_main == NULL) {
		cp_reg_destroy(s->reg);
		cp_svc_destroy(s->svc);
		free(s);
		return -EADDRNOTAVAIL;
	}
	s->nua = s->nua_main;
	s->nua_up = s->nua6 != NULL ? 2 : 1;
	*out = s;
	return 0;
}

nua_t *
cp_sip_nua_for(const struct cp_sip *s, const url_t *target)
{
	const char *h = target != NULL ? target->url_host : NULL;

	if (s->nua6 != NULL && h != NULL && h[0] == '[')
		return s->nua6;
	return s->nua_main;
}

void
cp_sip_shutdown(struct cp_sip *s)
{
	if (s->shutting_down)
		return;
	s->shutting_down = true;
	TSR_INFO(LOG_COMP, "shutting down\tcalls=%u", s->n_calls);
	cp_gw_hangup_all(s);
	cp_svc_hangup_all(s->svc);
	nua_shutdown(s->nua_main);
	if (s->nua6 != NULL)
		nua_shutdown(s->nua6);
}

void
cp_sip_destroy(struct cp_sip *s)
{
	if (s == NULL)
		return;
	cp_gw_destroy_all(s);
	cp_svc_destroy(s->svc);
	cp_reg_destroy(s->reg);
	if (s->nua6 != NULL)
		nua_destroy(s->nua6);
	if (s->nua_main != NULL)
		nua_destroy(s->nua_main);
	free(s);
}

const char *
cp_sip_warning(const struct cp_sip *s, int code, const char *text, char *buf, size_t cap)
{
	char clean[100];
	size_t i;

	for (i = 0; text[i] != '\0' && i < sizeof(clean) - 1; i++)
		clean[i] = (text[i] == '"' || text[i] == '\\' || (unsigned char)text[i] < ' ') ?
				   '\'' :
				   text[i];
	clean[i] = '\0';
	snprintf(buf, cap, "%d %s \"%s\"", code, s->cfg.sip_addr, clean);
	return buf;
}
