/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_policy.c - PIN entry, dial strings, reception transform and automatic
 * termination as the guide defines them. See cp_policy.h.
 * Context: control path; pure functions.
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "cp_policy.h"
#include "cp_route.h"

enum cp_role
cp_pin_default_role(const struct cp_replica_service *s)
{
	return s->pin[0] == '\0' ? CP_ROLE_HOST : CP_ROLE_UNKNOWN;
}

bool
cp_pin_guest_without_pin(const struct cp_replica_service *s)
{
	return s->pin[0] != '\0' && s->allow_guests && s->guest_pin[0] == '\0';
}

/* Digits of a configured PIN, without its trailing '#'. */
static size_t
pin_len(const char *pin)
{
	size_t n = strlen(pin);

	return n > 0 && pin[n - 1] == '#' ? n - 1 : n;
}

static bool
hash_mode(const struct cp_replica_service *s)
{
	return pin_len(s->pin) != strlen(s->pin) || pin_len(s->guest_pin) != strlen(s->guest_pin);
}

static bool
pin_matches(const char *pin, const char *digits)
{
	size_t n = pin_len(pin);

	return n > 0 && strlen(digits) == n && strncmp(pin, digits, n) == 0;
}

/* Judge the digits typed (no '#'). */
static enum cp_pin_verdict
judge(const struct cp_replica_service *s, const char *digits)
{
	if (pin_matches(s->pin, digits))
		return CP_PIN_HOST;
	if (s->allow_guests && pin_matches(s->guest_pin, digits))
		return CP_PIN_GUEST;
	return CP_PIN_WRONG;
}

static enum cp_pin_verdict
finish(const struct cp_replica_service *s, struct cp_pin_entry *e)
{
	enum cp_pin_verdict v = judge(s, e->buf);

	if (v == CP_PIN_WRONG)
		e->attempts++;
	e->len = 0;
	e->buf[0] = '\0';
	return v;
}

enum cp_pin_verdict
cp_pin_digit(const struct cp_replica_service *s, struct cp_pin_entry *e, char digit)
{
	if (digit == '#') {
		if (e->len == 0 && cp_pin_guest_without_pin(s))
			return CP_PIN_GUEST;
		if (e->len == 0)
			return CP_PIN_MORE; /* a stray '#' before any digit costs nothing */
		return finish(s, e);
	}
	if (digit < '0' || digit > '9')
		return CP_PIN_MORE;
	if (e->len + 1 >= sizeof(e->buf))
		return finish(s, e); /* longer than any PIN: judged (and wrong) */
	e->buf[e->len++] = digit;
	e->buf[e->len] = '\0';
	if (!hash_mode(s) && e->len == pin_len(s->pin))
		return finish(s, e);
	return CP_PIN_MORE;
}

enum cp_pin_verdict
cp_pin_check(const struct cp_replica_service *s, const char *pin)
{
	char digits[CP_REPLICA_PIN + 4];
	size_t n = strlen(pin);

	if (n == 0)
		return cp_pin_guest_without_pin(s) ? CP_PIN_GUEST : CP_PIN_WRONG;
	if (pin[n - 1] == '#')
		n--;
	if (n >= sizeof(digits))
		return CP_PIN_WRONG;
	memcpy(digits, pin, n);
	digits[n] = '\0';
	return judge(s, digits);
}

static int
copy_n(char *dst, size_t cap, const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b);

	if (na + nb + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(dst, a, na);
	memcpy(dst + na, b, nb + 1);
	return 0;
}

int
cp_dial_split(const char *dialled, char *alias, size_t alias_cap, char *rest, size_t rest_cap,
	      char *rest_with_domain, size_t rwd_cap)
{
	const char *stars = strstr(dialled, "**"), *after, *at;

	if (stars == NULL || stars == dialled)
		return 0;
	after = stars + 2;
	at = strchr(after, '@');
	if (at == NULL)
		at = after + strlen(after);
	if (copy_n(alias, alias_cap, dialled, (size_t)(stars - dialled), at) < 0 ||
	    copy_n(rest, rest_cap, after, (size_t)(at - after), "") < 0 ||
	    copy_n(rest_with_domain, rwd_cap, after, strlen(after), "") < 0)
		return -ENAMETOOLONG;
	return 1;
}

int
cp_reception_transform(const struct cp_replica_service *s, const char *entered, char *out,
		       size_t cap)
{
	regmatch_t pm[10];
	regex_t re;
	int rc;

	if (s->match_string[0] == '\0') {
		if (strlen(entered) + 1 > cap)
			return -ENAMETOOLONG;
		strcpy(out, entered);
		return 0;
	}
	if (regcomp(&re, s->match_string, REG_EXTENDED | REG_ICASE) != 0)
		return -EINVAL;
	/* POSIX leftmost-longest: a match covering the whole entry is found when one exists. */
	rc = regexec(&re, entered, 10, pm, 0);
	if (rc != 0 || pm[0].rm_so != 0 || (size_t)pm[0].rm_eo != strlen(entered)) {
		regfree(&re);
		return -ENOENT;
	}
	if (s->replace_string[0] == '\0') {
		rc = strlen(entered) + 1 > cap ? -ENAMETOOLONG : 0;
		if (rc == 0)
			strcpy(out, entered);
	} else {
		rc = cp_route_replace(entered, pm, 10, s->replace_string, out, cap);
	}
	regfree(&re);
	return rc < 0 ? rc : 0;
}

uint64_t
cp_end_deadline(const struct cp_end_state *st, const struct cp_replica_global *g,
		uint64_t now_ms)
{
	uint64_t guests_only = 0, backstop = 0;

	if (st->hosts + st->guests == 0)
		return now_ms;
	if (st->hosts == 0 && st->last_host_left_ms != 0)
		guests_only = st->last_host_left_ms + (uint64_t)g->guests_only_timeout * 1000;
	if (st->hosts + st->guests == 1 && g->last_participant_backstop_timeout != 0 &&
	    st->alone_since_ms != 0)
		backstop = st->alone_since_ms +
			   (uint64_t)g->last_participant_backstop_timeout * 1000;
	if (guests_only == 0)
		return backstop;
	if (backstop == 0)
		return guests_only;
	return guests_only < backstop ? guests_only : backstop;
}

enum cp_dtmf_action
cp_dtmf_control(char *prev, char digit)
{
	char p = *prev;

	*prev = digit;
	if (p == '*' && digit == '7') {
		*prev = '\0';
		return CP_DTMF_TOGGLE_LOCK;
	}
	if (p == '*' && digit == '5') {
		*prev = '\0';
		return CP_DTMF_TOGGLE_GUEST_MUTE;
	}
	if (p == '#' && digit == '#') {
		*prev = '\0';
		return CP_DTMF_END_CONFERENCE;
	}
	return CP_DTMF_NONE;
}
