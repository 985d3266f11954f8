/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_gw.h - Distributed Gateway calls: a back-to-back user agent that
 * bridges an incoming SIP leg (A) and the outgoing leg (B) the node places
 * to the destination a call routing rule produced (guide part 3 §2.4-2.5).
 *
 * Media is relayed by the data plane, never by this process: each leg has a
 * local media port and a data plane stream; the two streams relay to each
 * other, decrypting with the peer's SDES key and encrypting with the key the
 * node generated for that leg. Codecs are passed through when both legs
 * agree (same payload type numbers, no transcoding yet).
 *
 * Call life: A's INVITE -> B's INVITE (offer built from A's) -> B's 18x
 * (180 to A) -> B's 2xx (answer to A built from B's, streams created) ->
 * ACKs. BYE on either leg ends the other; A's CANCEL cancels B; B's final
 * error is mapped back to A; a re-INVITE on either leg is passed to the
 * other (hold and resume by direction attributes).
 *
 * Context: control path (cp main loop).
 */
#pragma once

#include "cp_sofia.h"

struct cp_sip;
struct cp_replica_rule;

#define CP_GW_TARGETS_MAX 4   /* registered contacts tried in turn */
#define CP_GW_TARGET_MAX 512  /* = CP_REG_URI_MAX */

/**
 * Start a gateway call for an incoming INVITE.
 * @param s     the user agent (borrowed)
 * @param nh    the INVITE's handle (takes a reference on success: the call
 *              binds it and destroys it when the call ends; on failure the
 *              caller has responded and keeps it)
 * @param sip   the INVITE (borrowed, valid during the callback)
 * @param rule  the matching rule (borrowed; what the call needs is copied)
 * @param dest  the rewritten destination alias (copied)
 * @param targets  request-URIs to try in turn instead of "sip:" + dest (the
 *              registered contacts of dest, most recent first; copied), or
 *              NULL when @p n_targets is 0
 * @return 0 when the call took over the handle (it responds itself from now
 *   on); a negative errno after responding to the INVITE with an error
 *   (-ENOTSUP 488, -EBADMSG 400, -ENOSPC/-ENOMEM 503, -ELOOP 483).
 */
int cp_gw_start(struct cp_sip *s, nua_handle_t *nh, const sip_t *sip,
		const struct cp_replica_rule *rule, const char *dest,
		const char (*targets)[CP_GW_TARGET_MAX], unsigned int n_targets);

/**
 * Handle a NUA event on a handle bound to a gateway call leg.
 * Context: the NUA callback.
 */
void cp_gw_event(struct cp_hmagic *leg, nua_event_t ev, int status, const char *phrase,
		 const sip_t *sip, tagi_t tags[]);

/** Hang up every leg of every call (shutdown). */
void cp_gw_hangup_all(struct cp_sip *s);

/**
 * Free every call left (after the stack shut down): delete their streams,
 * return their ports, destroy their handles, wipe their keys.
 */
void cp_gw_destroy_all(struct cp_sip *s);
