/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_policy.c - PIN entry and roles (guide part 3 §2.10), dial strings,
 * the reception transform (FR-VR-5), automatic termination (part 4 §2.9)
 * and Host DTMF controls.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cp_policy.h"

static struct cp_replica_service
svc(const char *pin, bool allow_guests, const char *guest_pin)
{
	struct cp_replica_service s = {.service_type = "conference", .name = "t"};

	strcpy(s.pin, pin);
	strcpy(s.guest_pin, guest_pin);
	s.allow_guests = allow_guests;
	return s;
}

/* Type a string of digits; @return the last verdict. */
static enum cp_pin_verdict
type(const struct cp_replica_service *s, struct cp_pin_entry *e, const char *digits)
{
	enum cp_pin_verdict v = CP_PIN_MORE;

	for (const char *d = digits; *d != '\0'; d++) {
		v = cp_pin_digit(s, e, *d);
		if (v != CP_PIN_MORE && d[1] != '\0')
			fail_msg("verdict %d before the end of \"%s\"", v, digits);
	}
	return v;
}

static void
test_open_room(void **state)
{
	struct cp_replica_service s = svc("", false, "");

	(void)state;
	assert_int_equal(cp_pin_default_role(&s), CP_ROLE_HOST);
	assert_false(cp_pin_guest_without_pin(&s));
}

static void
test_single_pin_fixed_length(void **state)
{
	struct cp_replica_service s = svc("1234", false, "");
	struct cp_pin_entry e = {0};

	(void)state;
	assert_int_equal(cp_pin_default_role(&s), CP_ROLE_UNKNOWN);
	/* Judged at 4 digits, no '#' needed (FR-PIN-5). */
	assert_int_equal(type(&s, &e, "1235"), CP_PIN_WRONG);
	assert_int_equal(e.attempts, 1);
	assert_int_equal(e.len, 0);
	assert_int_equal(type(&s, &e, "1234"), CP_PIN_HOST);
	/* A Guest PIN is ignored when Guests are not allowed. */
	s = svc("1234", false, "5678");
	memset(&e, 0, sizeof(e));
	assert_int_equal(type(&s, &e, "5678"), CP_PIN_WRONG);
	/* A '#' alone does nothing; '*' is ignored. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(cp_pin_digit(&s, &e, '#'), CP_PIN_MORE);
	assert_int_equal(type(&s, &e, "12*34"), CP_PIN_HOST);
	assert_int_equal(e.attempts, 0);
}

static void
test_host_and_guest_pins(void **state)
{
	struct cp_replica_service s = svc("1111", true, "2222");
	struct cp_pin_entry e = {0};

	(void)state;
	assert_int_equal(type(&s, &e, "2222"), CP_PIN_GUEST);
	assert_int_equal(type(&s, &e, "1111"), CP_PIN_HOST);
	assert_int_equal(type(&s, &e, "3333"), CP_PIN_WRONG);
	assert_false(cp_pin_guest_without_pin(&s));
	/* '#' with nothing typed is not a Guest entry when there is a Guest PIN. */
	assert_int_equal(cp_pin_digit(&s, &e, '#'), CP_PIN_MORE);
}

static void
test_hash_pins_variable_length(void **state)
{
	struct cp_replica_service s = svc("123456#", true, "99#");
	struct cp_pin_entry e = {0};

	(void)state;
	/* Not judged by length: only '#' ends an entry. */
	assert_int_equal(type(&s, &e, "123456"), CP_PIN_MORE);
	assert_int_equal(cp_pin_digit(&s, &e, '#'), CP_PIN_HOST);
	assert_int_equal(type(&s, &e, "99#"), CP_PIN_GUEST);
	assert_int_equal(type(&s, &e, "1234567#"), CP_PIN_WRONG);
	assert_int_equal(e.attempts, 1);
	/* An over-long entry is judged (wrong), never overflows. */
	memset(&e, 0, sizeof(e));
	for (int i = 0; i < 100; i++)
		if (cp_pin_digit(&s, &e, '5') == CP_PIN_WRONG)
			break;
	assert_int_equal(e.attempts, 1);
	assert_true(e.len < sizeof(e.buf));
}

static void
test_guest_without_pin(void **state)
{
	struct cp_replica_service s = svc("4321", true, "");
	struct cp_pin_entry e = {0};

	(void)state;
	assert_true(cp_pin_guest_without_pin(&s));
	assert_int_equal(cp_pin_digit(&s, &e, '#'), CP_PIN_GUEST);
	assert_int_equal(type(&s, &e, "4321"), CP_PIN_HOST);
	assert_int_equal(cp_pin_check(&s, ""), CP_PIN_GUEST);
}

static void
test_dial_string_pin(void **state)
{
	struct cp_replica_service s = svc("1234#", true, "5678#");

	(void)state;
	/* The configured trailing '#' is not needed in the dial string (FR-PIN-6). */
	assert_int_equal(cp_pin_check(&s, "1234"), CP_PIN_HOST);
	assert_int_equal(cp_pin_check(&s, "5678#"), CP_PIN_GUEST);
	assert_int_equal(cp_pin_check(&s, "0000"), CP_PIN_WRONG);
	assert_int_equal(cp_pin_check(&s, ""), CP_PIN_WRONG);
	assert_int_equal(cp_pin_check(&s, "123456789012345678901234567890"), CP_PIN_WRONG);
}

static void
test_dial_split(void **state)
{
	char a[32], r[32], rw[32];

	(void)state;
	assert_int_equal(cp_dial_split("meet.alice**1234@example.com", a, sizeof(a), r,
				       sizeof(r), rw, sizeof(rw)),
			 1);
	assert_string_equal(a, "meet.alice@example.com");
	assert_string_equal(r, "1234");
	assert_string_equal(rw, "1234@example.com");
	assert_int_equal(cp_dial_split("ivr**77", a, sizeof(a), r, sizeof(r), rw, sizeof(rw)), 1);
	assert_string_equal(a, "ivr");
	assert_string_equal(r, "77");
	assert_int_equal(cp_dial_split("plain@x", a, sizeof(a), r, sizeof(r), rw, sizeof(rw)), 0);
	assert_int_equal(cp_dial_split("**1234", a, sizeof(a), r, sizeof(r), rw, sizeof(rw)), 0);
	assert_int_equal(cp_dial_split("a-very-long-alias-name-here**1234@example.com", a,
				       sizeof(a), r, sizeof(r), rw, sizeof(rw)),
			 -ENAMETOOLONG);
}

static void
test_reception_transform(void **state)
{
	struct cp_replica_service s = {.service_type = "two_stage_dialing"};
	char out[64];

	(void)state;
	/* No regex: anything passes unchanged. */
	assert_int_equal(cp_reception_transform(&s, "1234", out, sizeof(out)), 0);
	assert_string_equal(out, "1234");
	/* The guide's examples: the match must cover the whole entry. */
	strcpy(s.match_string, "8(.*)");
	assert_int_equal(cp_reception_transform(&s, "8123", out, sizeof(out)), 0);
	assert_int_equal(cp_reception_transform(&s, "18123", out, sizeof(out)), -ENOENT);
	strcpy(s.match_string, "([0-9]{4})");
	strcpy(s.replace_string, "88\\1");
	assert_int_equal(cp_reception_transform(&s, "1234", out, sizeof(out)), 0);
	assert_string_equal(out, "881234");
	assert_int_equal(cp_reception_transform(&s, "12345", out, sizeof(out)), -ENOENT);
	strcpy(s.replace_string, "\\1@example.com");
	assert_int_equal(cp_reception_transform(&s, "4321", out, sizeof(out)), 0);
	assert_string_equal(out, "4321@example.com");
	strcpy(s.match_string, "(1111|1112|1113)");
	s.replace_string[0] = '\0';
	assert_int_equal(cp_reception_transform(&s, "1112", out, sizeof(out)), 0);
	assert_string_equal(out, "1112");
	assert_int_equal(cp_reception_transform(&s, "1114", out, sizeof(out)), -ENOENT);
	strcpy(s.match_string, "(unclosed");
	assert_int_equal(cp_reception_transform(&s, "1", out, sizeof(out)), -EINVAL);
}

static void
test_end_deadline(void **state)
{
	struct cp_replica_global g = {.guests_only_timeout = 120,
				      .last_participant_backstop_timeout = 60};
	struct cp_end_state st = {0};

	(void)state;
	/* Nobody left: now. */
	assert_int_equal(cp_end_deadline(&st, &g, 5000), 5000);
	/* A Host in: no deadline. */
	st = (struct cp_end_state){.hosts = 1, .guests = 2};
	assert_int_equal(cp_end_deadline(&st, &g, 5000), 0);
	/* The guide's worked example (FR-AE-3): Host leaves at t=0 (1000 ms on our clock). */
	st = (struct cp_end_state){.guests = 2, .last_host_left_ms = 1000};
	assert_int_equal(cp_end_deadline(&st, &g, 1000), 121000);
	/* 30 s later one Guest remains: backstop 60 s from then wins (t=90 s). */
	st = (struct cp_end_state){.guests = 1, .last_host_left_ms = 1000, .alone_since_ms = 31000};
	assert_int_equal(cp_end_deadline(&st, &g, 31000), 91000);
	/* Two Guests remain: 120 s after the Host left. */
	st = (struct cp_end_state){.guests = 2, .last_host_left_ms = 1000};
	assert_int_equal(cp_end_deadline(&st, &g, 31000), 121000);
	/* Backstop off: one Host alone stays forever. */
	g.last_participant_backstop_timeout = 0;
	st = (struct cp_end_state){.hosts = 1, .alone_since_ms = 1000};
	assert_int_equal(cp_end_deadline(&st, &g, 2000), 0);
	/* Guests waiting for a Host who never came: no guests-only timer. */
	st = (struct cp_end_state){.guests = 3};
	assert_int_equal(cp_end_deadline(&st, &g, 2000), 0);
	/* Guests-only timeout 0: immediately. */
	g.guests_only_timeout = 0;
	st = (struct cp_end_state){.guests = 2, .last_host_left_ms = 7000};
	assert_int_equal(cp_end_deadline(&st, &g, 7000), 7000);
}

static void
test_dtmf_controls(void **state)
{
	char prev = '\0';

	(void)state;
	assert_int_equal(cp_dtmf_control(&prev, '*'), CP_DTMF_NONE);
	assert_int_equal(cp_dtmf_control(&prev, '7'), CP_DTMF_TOGGLE_LOCK);
	/* The consumed '7' does not pair with what follows. */
	assert_int_equal(cp_dtmf_control(&prev, '*'), CP_DTMF_NONE);
	assert_int_equal(cp_dtmf_control(&prev, '5'), CP_DTMF_TOGGLE_GUEST_MUTE);
	assert_int_equal(cp_dtmf_control(&prev, '#'), CP_DTMF_NONE);
	assert_int_equal(cp_dtmf_control(&prev, '#'), CP_DTMF_END_CONFERENCE);
	assert_int_equal(cp_dtmf_control(&prev, '#'), CP_DTMF_NONE);
	assert_int_equal(cp_dtmf_control(&prev, '1'), CP_DTMF_NONE);
	assert_int_equal(cp_dtmf_control(&prev, '7'), CP_DTMF_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_room),
		cmocka_unit_test(test_single_pin_fixed_length),
		cmocka_unit_test(test_host_and_guest_pins),
		cmocka_unit_test(test_hash_pins_variable_length),
		cmocka_unit_test(test_guest_without_pin),
		cmocka_unit_test(test_dial_string_pin),
		cmocka_unit_test(test_dial_split),
		cmocka_unit_test(test_reception_transform),
		cmocka_unit_test(test_end_deadline),
		cmocka_unit_test(test_dtmf_controls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
