/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_reg.h - the node's SIP registrar (guide part 3 §2.8, FR-REG-*).
 *
 * Devices whose alias is on the allow-list (`device` objects) may REGISTER
 * one or more contacts; an alias with a username and password is
 * challenged with Digest (cp_digest.h). The refresh interval follows the
 * registrar settings of the replica (FR-REG-11: adaptive or basic bounds,
 * shorter NAT bounds when the Contact address is not the source address);
 * a request below the minimum gets 423 with Min-Expires. Bindings expire on
 * a timer. Calls to a registered alias (cp_sip.c routing) go to its
 * contacts, the most recent first.
 *
 * Admin log (administrator.registration): "Registration added" and
 * "Registration deleted"; refreshes and failures go to the support log
 * (cp.reg) only (FR-REG-14).
 *
 * Context: control path (cp main loop).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cp_sofia.h"

struct cp_sip;
struct cp_reg;

#define CP_REG_URI_MAX 512
#define CP_REG_MAX_PER_ALIAS 16
#define CP_REG_MAX_TOTAL 100000

/** @return 0, -ENOMEM. Context: startup. */
int cp_reg_create(struct cp_sip *s, struct cp_reg **out);

/** Free every binding (no events). NULL is a no-op. */
void cp_reg_destroy(struct cp_reg *r);

/**
 * Answer an incoming REGISTER (nua_i_register) and destroy its handle.
 * @param nh   the request's handle (taken: destroyed after responding)
 * @param sip  the request (borrowed, valid during the callback)
 * Context: the NUA callback of nua_i_register.
 */
void cp_reg_request(struct cp_reg *r, nua_handle_t *nh, const sip_t *sip);

/**
 * The contacts an alias is registered at, most recently refreshed first.
 * @param alias    a normalised alias (cp_route_alias form), or a SIP URI
 * @param targets  filled with request-URIs to call (copied)
 * @return how many (0 when not registered), at most @p max.
 */
unsigned int cp_reg_lookup(const struct cp_reg *r, const char *alias,
			   char (*targets)[CP_REG_URI_MAX], unsigned int max);

/**
 * Current registrations (Status > Registrations fields); @p r NULL gives an
 * empty list. @return a new reference.
 */
json_t *cp_reg_status(const struct cp_reg *r);

/** Number of live bindings. */
unsigned int cp_reg_count(const struct cp_reg *r);
