/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_route.h - incoming-call routing: service aliases, then gateway call
 * routing rules (guide part 3 §2.4 FR-GW-2, §2.5 FR-CRR-2/5/6).
 *
 * Context: control path (cp main loop); pure functions over the replica.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cp_replica.h"

#define CP_ROUTE_ALIAS_MAX 512

/**
 * The parsed alias a rule matches by default (FR-CRR-5): "user@host", or
 * "user" alone when the host is an IP address; no scheme, no parameters.
 * @param user  request-URI user part (borrowed; may be NULL)
 * @param host  request-URI host (borrowed; may be NULL)
 * @param out   @p cap bytes
 * @return 0, -EINVAL when there is no user part, -ENAMETOOLONG.
 */
int cp_route_alias(const char *user, const char *host, char *out, size_t cap);

/**
 * Expand a replace string for a match: "\0".."\9" insert sub-matches,
 * "\\" a backslash; an empty replace string keeps @p subject.
 * @return 0, -ENAMETOOLONG when the result does not fit @p cap.
 */
int cp_route_replace(const char *subject, const regmatch_t *pm, size_t npm, const char *repl,
		     char *out, size_t cap);

/**
 * Find the first enabled, incoming-applicable SIP rule (ascending priority)
 * whose match_string matches the whole alias (case-insensitive), and
 * rewrite the alias with its replace_string. The first match stops the
 * search even if the call then fails (FR-CRR-2).
 * @param alias     normalised alias (cp_route_alias)
 * @param full_uri  the whole request-URI, for rules with match_string_full
 * @param dest      the rewritten destination, @p cap bytes
 * @return a borrowed rule (valid while @p r lives), or NULL when none matches
 *   or the rewrite does not fit.
 */
const struct cp_replica_rule *cp_route_rule_lookup(const struct cp_replica *r, const char *alias,
						   const char *full_uri, char *dest, size_t cap);

/**
 * The request-URI of an outgoing call to alias @p dest: "sip:" + dest (a
 * scheme already there is kept), with ";transport=tcp" added when UDP is
 * off and the alias names no transport.
 * @return 0, -ENAMETOOLONG.
 */
int cp_route_target_uri(const char *dest, bool udp, char *out, size_t cap);
