/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_policy.h - the conference rules of the guide as pure functions: PIN
 * entry and roles (guide part 3 §2.10, FR-PIN-*), the `**` dial-string
 * forms (FR-PIN-6, FR-VR-4), the Virtual Reception destination transform
 * (FR-VR-5) and automatic conference termination (part 4 §2.9, FR-AE-*).
 *
 * No SIP, no sockets, no clocks: the caller passes times in. The service
 * code (services/cp_svc.c) applies the verdicts; unit tests drive these
 * functions directly (tests/unit/controlplane/test_policy.c).
 *
 * Context: control path; no global state.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_replica.h"

/** PIN entry attempts before "invalid PIN" and hang-up (FR-PIN-2). */
#define CP_PIN_ATTEMPTS 3

enum cp_role {
	CP_ROLE_UNKNOWN = 0, /* still at PIN entry */
	CP_ROLE_HOST,
	CP_ROLE_GUEST,
};

enum cp_pin_verdict {
	CP_PIN_MORE = 0, /* keep collecting digits */
	CP_PIN_HOST,
	CP_PIN_GUEST,
	CP_PIN_WRONG, /* one attempt used; the buffer was cleared */
};

/* Digits typed so far. Invariant: len < sizeof(buf); buf is NUL-terminated. */
struct cp_pin_entry {
	char buf[CP_REPLICA_PIN + 4];
	unsigned int len;
	unsigned int attempts; /* wrong entries so far */
};

/**
 * The role a caller gets without entering anything: HOST when the service
 * has no Host PIN (FR-PIN-10 row 1), else UNKNOWN (PIN entry needed).
 */
enum cp_role cp_pin_default_role(const struct cp_replica_service *s);

/**
 * True when a caller may join as a Guest by pressing '#' alone: Guests are
 * allowed and there is no Guest PIN (FR-PIN-3).
 */
bool cp_pin_guest_without_pin(const struct cp_replica_service *s);

/**
 * Feed one DTMF digit ('0'-'9', '*', '#') typed at PIN entry.
 * '#' ends an entry: it is compared with the PINs (a PIN configured with a
 * trailing '#' matches its digits followed by '#'); with no trailing '#'
 * configured an entry is also judged as soon as it has as many digits as
 * the PINs (FR-PIN-5). '#' alone admits a Guest when
 * cp_pin_guest_without_pin(). '*' is ignored.
 * @return the verdict; on CP_PIN_WRONG e->attempts was incremented.
 */
enum cp_pin_verdict cp_pin_digit(const struct cp_replica_service *s, struct cp_pin_entry *e,
				 char digit);

/**
 * Judge a PIN given in the dial string (FR-PIN-6): a configured trailing
 * '#' is not needed. An empty @p pin on a guest_without_pin service is a Guest.
 */
enum cp_pin_verdict cp_pin_check(const struct cp_replica_service *s, const char *pin);

/**
 * Split "<alias>**<rest>" (FR-PIN-6, FR-VR-4). The domain, when present,
 * stays with the alias: "meet**1234@example.com" -> "meet@example.com",
 * "1234"; for a Virtual Reception the rest is the destination and keeps the
 * domain too ("ivr**77@ex.com" -> rest_with_domain "77@ex.com").
 * @return 1 when the form matched (outputs filled), 0 when @p dialled has no
 *   "**", -ENAMETOOLONG when an output does not fit.
 */
int cp_dial_split(const char *dialled, char *alias, size_t alias_cap, char *rest, size_t rest_cap,
		  char *rest_with_domain, size_t rwd_cap);

/**
 * Virtual Reception transform (FR-VR-5): with a match_string the entry must
 * match it entirely (case-insensitive POSIX ERE) and, when replace_string is
 * set, is rewritten by it (\0-\9 insert groups); without a match_string any
 * entry passes unchanged.
 * @return 0 with @p out set, -ENOENT when the entry does not match,
 *   -EINVAL on a bad expression, -ENAMETOOLONG.
 */
int cp_reception_transform(const struct cp_replica_service *s, const char *entered, char *out,
			   size_t cap);

/* Membership of a running conference, as FR-AE-* look at it. */
struct cp_end_state {
	unsigned int hosts;	    /* Hosts in the conference (not at PIN entry) */
	unsigned int guests;	    /* Guests in it, waiting ones included */
	uint64_t last_host_left_ms; /* when the last Host left, 0 = never or a Host is in */
	uint64_t alone_since_ms;    /* when the count became exactly 1, 0 = not alone */
};

/**
 * When the conference must end (FR-AE-1..3): the earlier of the guests-only
 * deadline (only Guests left after a Host left) and the backstop deadline
 * (exactly one participant left, backstop enabled). Nobody left ends it now.
 * @return the deadline in ms on the caller's clock, 0 for "no deadline".
 *   A deadline at or before now means "end it now".
 */
uint64_t cp_end_deadline(const struct cp_end_state *st, const struct cp_replica_global *g,
			 uint64_t now_ms);

/** DTMF conference controls of a Host (guide part 4 §2.4, theme defaults). */
enum cp_dtmf_action {
	CP_DTMF_NONE = 0,
	CP_DTMF_TOGGLE_LOCK,	   /* *7 */
	CP_DTMF_TOGGLE_GUEST_MUTE, /* *5 */
	CP_DTMF_END_CONFERENCE,	   /* ## */
};

/**
 * Feed a digit to a two-character command matcher.
 * @param prev  the previous digit of this participant (updated)
 */
enum cp_dtmf_action cp_dtmf_control(char *prev, char digit);
