/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_sip.h - the node's SIP user agent (sofia-sip NUA) and request routing.
 *
 * One NUA instance on the cp main loop (su_root) listens on TCP and TLS (and
 * UDP when enabled) at the node's signaling address. Incoming requests are
 * routed here: OPTIONS is answered 200 by the stack, an INVITE to a service
 * alias is refused (services are not built yet), an INVITE matching a
 * gateway call routing rule starts a gateway call (services/cp_gw.h), and
 * anything else gets 404. NUA's own SDP engine (soa) is off: the node writes
 * and reads SDP itself (sdp/cp_sdp.h).
 *
 * Context: control path (cp main loop). sofia-sip's STUN code is never
 * enabled (no STUN server is configured, TPTAG_STUN_SERVER is 0).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cp_sofia.h"

struct cp_media;
struct cp_replica;
struct cp_call;
struct cp_svc;
struct cp_reg;
struct cp_bp;

#define CP_SIP_SESSION_EXPIRES 1800 /* s, RFC 4028 Session-Expires we ask for */
#define CP_SIP_MIN_SE 90	    /* s, RFC 4028 §5 minimum */

struct cp_sip_cfg {
	const char *sip_addr;	 /* bind and Contact address (an IP) */
	const char *sip_addr6;	 /* optional second listener: an IPv6 address, or NULL */
	uint16_t port;		 /* TCP (and UDP) */
	uint16_t tls_port;
	bool udp;
	bool tls;
	const char *tls_dir;	 /* holds agent.pem and cafile.pem */
	const char *media_addr;	 /* node media address (IPv4), as given to the data plane */
	const char *media_addr6; /* optional IPv6 media address, or NULL */
	const char *node_name;	 /* this node in status and logs */
	const char *codecs;	 /* audio codec preference, e.g. "opus,G722,PCMU,PCMA" */
	unsigned int test_call_delay_ms;    /* test call loopback delay, default 2000 */
	unsigned int test_call_duration_s;  /* loopback time before the goodbye, default 10 */
};

/*
 * Invariants: nua is NULL only after cp_sip_destroy(); calls lists every live
 * gateway call (each owns its su_home and both its NUA handles); once
 * shutting_down is set no new call is accepted.
 */
struct cp_sip {
	su_root_t *root;		  /* borrowed from main */
	/*
	 * The user agent of the event being handled (set around each NUA
	 * callback, so NUTAG_WITH_THIS(s->nua) names the current request),
	 * else nua_main. Borrowed from nua_main or nua6.
	 */
	nua_t *nua;
	nua_t *nua_main;		  /* owned: the transports of sip_addr */
	nua_t *nua6;			  /* owned: those of sip_addr6, or NULL */
	unsigned int nua_up;		  /* user agents not yet shut down */
	struct cp_media *media;		  /* borrowed */
	const struct cp_replica *replica; /* borrowed; main may replace it between events */
	struct cp_svc *svc;		  /* owned: conferences and service participants */
	struct cp_reg *reg;		  /* owned: the registrar's bindings */
	struct cp_bp *bp;		  /* borrowed, NULL without a backplane (backplane/cp_bp.h) */
	struct cp_sip_cfg cfg;		  /* strings borrowed from main's options */
	struct cp_call *calls;		  /* owned list */
	unsigned int n_calls;
	bool shutting_down;
	bool down; /* nua_r_shutdown completed */
};

/**
 * Create the user agent and bind its transports: TCP (and UDP) on
 * cfg->port and TLS on cfg->tls_port of cfg->sip_addr, and the same on
 * cfg->sip_addr6 when set. Each address family has its own NUA (sofia
 * builds Via and Contact from the transports of one agent), sharing this
 * object and its callback, so IPv6 callers see IPv6 Via and Contact.
 * @param root     the main loop (borrowed)
 * @param cfg      configuration (copied; its strings are borrowed for life)
 * @param media    data plane client (borrowed)
 * @param replica  configuration objects (borrowed)
 * @param out      returns owned; free with cp_sip_destroy()
 * @return 0; -EADDRINUSE/-EADDRNOTAVAIL when a transport cannot bind (NUA
 *   does not say which: both are reported as -EADDRNOTAVAIL), -ENOMEM.
 * Context: startup, cp main loop thread.
 */
int cp_sip_create(su_root_t *root, const struct cp_sip_cfg *cfg, struct cp_media *media,
		  const struct cp_replica *replica, struct cp_sip **out);

/**
 * Start a graceful shutdown: refuse new calls, hang up every call, and shut
 * the stack down; s->down becomes true (and the root is broken out of) when
 * NUA is done, at most a few seconds later.
 * Context: cp main loop.
 */
void cp_sip_shutdown(struct cp_sip *s);

/** Free the user agent (after cp_sip_shutdown() completed or timed out). NULL is a no-op. */
void cp_sip_destroy(struct cp_sip *s);

/**
 * The user agent that reaches @p target: the IPv6 one for an IPv6 literal
 * when the node listens on both families, else the main one. Calls the node
 * places go out from it, so their Via and Contact are of the target's
 * family. @p target may be NULL (the main one).
 * Context: cp main loop.
 */
nua_t *cp_sip_nua_for(const struct cp_sip *s, const url_t *target);

/**
 * Format a Warning header value (RFC 3261 §20.43) from this node:
 * `<code> <sip_addr> "<text>"`, quotes and control characters in @p text
 * replaced. @return @p buf.
 */
const char *cp_sip_warning(const struct cp_sip *s, int code, const char *text, char *buf,
			   size_t cap);
