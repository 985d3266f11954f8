/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_route.c - alias normalisation and call routing rule matching.
 *
 * Rules use POSIX extended regular expressions, case-insensitive (the same
 * dialect mgmt-api validates with); the guide's "Perl-style" expressions
 * that stay within ERE (groups, classes, alternation, repetition) behave the
 * same. A rule matches only the whole alias (FR-CRR-6, inferred): POSIX
 * leftmost-longest matching finds a whole-string match whenever one exists.
 * Context: control path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_route.h"

int
cp_route_alias(const char *user, const char *host, char *out, size_t cap)
{
	unsigned char buf[16];
	char h[64];
	int n;

	if (user == NULL || user[0] == '\0')
		return -EINVAL;
	if (host != NULL) {
		snprintf(h, sizeof(h), "%s", host);
		if (h[0] == '[' && strchr(h, ']') != NULL) {
			memmove(h, h + 1, strlen(h));
			*strchr(h, ']') = '\0';
		}
	}
	if (host == NULL || host[0] == '\0' || inet_pton(AF_INET, h, buf) == 1 ||
	    inet_pton(AF_INET6, h, buf) == 1)
		n = snprintf(out, cap, "%s", user);
	else
		n = snprintf(out, cap, "%s@%s", user, host);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int
cp_route_replace(const char *subject, const regmatch_t *pm, size_t npm, const char *repl,
		 char *out, size_t cap)
{
	size_t len = 0;

	if (repl[0] == '\0')
		repl = NULL;
	for (const char *p = repl ? repl : subject; *p != '\0'; p++) {
		const char *src = p;
		size_t n = 1;

		if (repl != NULL && p[0] == '\\' && p[1] >= '0' && p[1] <= '9') {
			size_t k = (size_t)(p[1] - '0');

			p++;
			if (k >= npm || pm[k].rm_so < 0)
				continue;
			src = subject + pm[k].rm_so;
			n = (size_t)(pm[k].rm_eo - pm[k].rm_so);
		} else if (repl != NULL && p[0] == '\\' && p[1] == '\\') {
			p++;
		}
		if (len + n >= cap)
			return -ENAMETOOLONG;
		memcpy(out + len, src, n);
		len += n;
	}
	out[len] = '\0';
	return 0;
}

const struct cp_replica_rule *
cp_route_rule_lookup(const struct cp_replica *r, const char *alias, const char *full_uri,
		     char *dest, size_t cap)
{
	regmatch_t pm[10];

	for (unsigned int i = 0; i < r->n_rules; i++) {
		const struct cp_replica_rule *rule = &r->rules[i];
		const char *subject = rule->match_string_full ? full_uri : alias;

		if (!rule->enable || !rule->match_incoming_calls || !rule->match_incoming_sip)
			continue;
		if (regexec(&rule->re, subject, 10, pm, 0) != 0 || pm[0].rm_so != 0 ||
		    (size_t)pm[0].rm_eo != strlen(subject))
			continue;
		if (cp_route_replace(subject, pm, 10, rule->replace_string, dest, cap) < 0)
			return NULL;
		return rule;
	}
	return NULL;
}

int
cp_route_target_uri(const char *d, bool udp, char *out, size_t cap)
{
	bool has_scheme = strncmp(d, "sip:", 4) == 0 || strncmp(d, "sips:", 5) == 0;
	bool has_tp = strstr(d, "transport=") != NULL || strncmp(d, "sips:", 5) == 0;
	int n;

	n = snprintf(out, cap, "%s%s%s", has_scheme ? "" : "sip:", d,
		     (!udp && !has_tp) ? ";transport=tcp" : "");
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}
