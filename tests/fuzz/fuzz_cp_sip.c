/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * fuzz_cp_sip.c - libFuzzer target for what tessera-node feeds sofia-sip's
 * parsers from the network, and our handling of their output.
 *
 * The input is one SIP message as it would arrive on a stream transport.
 * sofia parses it (msg_make with the default SIP mclass); from the sip_t we
 * take the request-URI the way cp_sip.c routes (cp_route_alias, url_e) and
 * the body the way cp_gw.c handles offers and answers: cp_sdp_parse() over
 * sofia's sdp_parse(), then cp_sdp_check_answer() of the description against
 * itself and cp_sdp_write() of an answer built from it; and the registrar's
 * and REFER's inputs (Digest parameters, To/Contact/Refer-To URIs). Nothing may crash,
 * leak, or read out of bounds; every written SDP must be NUL-terminated.
 *
 * Context: fuzz build only (CC=clang -Dfuzz=true).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

#include "cp_route.h"
#include "cp_digest.h"
#include "cp_sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
sdp_roundtrip(const char *body, size_t len)
{
	static struct cp_sdp_desc d, a;
	static char out[8192];
	struct cp_sdp_out o;
	unsigned int tag = 0;

	if (cp_sdp_parse(body, len, &d) < 0)
		return;
	a = d;
	(void)cp_sdp_check_answer(&d.audio, &a, &tag);
	o = (struct cp_sdp_out){
		.addr = d.audio.family == AF_INET6 ? "2001:db8::1" : "192.0.2.1",
		.family = d.audio.family,
		.sess_id = 1,
		.sess_version = 2,
		.port = 40000,
		.proto = d.audio.proto,
		.dir = d.audio.dir,
		.rtcp_mux = d.audio.rtcp_mux,
		.ptime = d.audio.ptime,
		.n_codecs = d.audio.n_codecs,
		.codecs = d.audio.codecs,
		.n_crypto = d.audio.n_crypto,
		.crypto = d.audio.crypto,
		.mirror = &d,
	};
	if (cp_sdp_write(out, sizeof(out), &o) > 0 && memchr(out, '\0', sizeof(out)) == NULL)
		__builtin_trap();
	/* What we write must parse again. */
	if (cp_sdp_write(out, sizeof(out), &o) > 0 && cp_sdp_parse(out, strlen(out), &a) < 0) {
		fprintf(stderr, "our SDP does not parse again (%s):\n%s\n", a.reason, out);
		__builtin_trap();
	}
}

/*
 * What the registrar and REFER handling take from a request: Digest
 * parameters of Authorization (cp_digest_parse, then a verify and a nonce
 * check as cp_reg.c does), and the To, Contact and Refer-To URIs reduced to
 * aliases and printed back.
 */
static void
registrar_inputs(const sip_t *sip)
{
	static const uint8_t key[CP_DIGEST_KEY_LEN] = {1};
	char alias[CP_ROUTE_ALIAS_MAX], buf[2048], uri[512];
	struct cp_digest_resp d;

	for (const msg_auth_t *au = sip->sip_authorization; au != NULL; au = au->au_next)
		if (cp_digest_parse(au->au_params, buf, sizeof(buf), &d) == 0) {
			(void)cp_digest_nonce_check(key, d.realm, d.nonce, 1000, 300);
			(void)cp_digest_verify(&d, "REGISTER", "alice", "s3cret");
		}
	if (sip->sip_to != NULL)
		(void)cp_route_alias(sip->sip_to->a_url->url_user, sip->sip_to->a_url->url_host,
				     alias, sizeof(alias));
	for (const sip_contact_t *m = sip->sip_contact; m != NULL; m = m->m_next)
		(void)url_e(uri, sizeof(uri), m->m_url);
	if (sip->sip_refer_to != NULL) {
		(void)cp_route_alias(sip->sip_refer_to->r_url->url_user,
				     sip->sip_refer_to->r_url->url_host, alias, sizeof(alias));
		(void)url_e(uri, sizeof(uri), sip->sip_refer_to->r_url);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char alias[CP_ROUTE_ALIAS_MAX], full[CP_ROUTE_ALIAS_MAX + 16];
	msg_t *msg;
	sip_t *sip;

	if (size > 65536)
		return 0;
	/* The SDP layer alone, so bodies reach it even when the SIP wrapping is broken. */
	if (size > 0 && data[0] == 'v')
		sdp_roundtrip((const char *)data, size);
	msg = msg_make(sip_default_mclass(), 0, data, (ssize_t)size);
	if (msg == NULL)
		return 0;
	sip = sip_object(msg);
	if (sip != NULL && sip->sip_request != NULL) {
		const url_t *u = sip->sip_request->rq_url;

		(void)cp_route_alias(u->url_user, u->url_host, alias, sizeof(alias));
		(void)url_e(full, sizeof(full), u);
	}
	if (sip != NULL)
		registrar_inputs(sip);
	if (sip != NULL && sip->sip_payload != NULL)
		sdp_roundtrip(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
	msg_destroy(msg);
	return 0;
}
