/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_digest.c - Digest authentication of the registrar: the worked
 * examples of RFC 2617 §3.5 (MD5) and RFC 7616 §3.9.1 (SHA-256), parameter
 * parsing as sofia-sip hands it over, wrong passwords and usernames, nonce
 * forgery and staleness, unsupported algorithms.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cp_digest.h"

static const char *const rfc2617[] = {
	"username=\"Mufasa\"", "realm=\"testrealm@host.com\"",
	"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"", "uri=\"/dir/index.html\"", "qop=auth",
	"nc=00000001", "cnonce=\"0a4f113b\"", "response=\"6629fae49393a05397450978507c4ef1\"",
	"opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"", NULL};

static const char *const rfc7616[] = {
	"username=\"Mufasa\"", "realm=\"http-auth@example.org\"",
	"uri=\"/dir/index.html\"", "algorithm=SHA-256",
	"nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\"", "nc=00000001",
	"cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\"", "qop=auth",
	"response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\"",
	"opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"", NULL};

static void
test_rfc_examples(void **state)
{
	struct cp_digest_resp r;
	char buf[1024];

	(void)state;
	assert_int_equal(cp_digest_parse(rfc2617, buf, sizeof(buf), &r), 0);
	assert_string_equal(r.username, "Mufasa");
	assert_string_equal(r.qop, "auth");
	assert_int_equal(cp_digest_verify(&r, "GET", "Mufasa", "Circle Of Life"), 0);
	assert_int_equal(cp_digest_verify(&r, "GET", "Mufasa", "Circle of Life"), -EACCES);
	assert_int_equal(cp_digest_verify(&r, "GET", "mufasa", "Circle Of Life"), -EACCES);
	assert_int_equal(cp_digest_verify(&r, "POST", "Mufasa", "Circle Of Life"), -EACCES);

	assert_int_equal(cp_digest_parse(rfc7616, buf, sizeof(buf), &r), 0);
	assert_int_equal(cp_digest_verify(&r, "GET", "Mufasa", "Circle of Life"), 0);
	assert_int_equal(cp_digest_verify(&r, "GET", "Mufasa", "Circle Of Life"), -EACCES);
}

static void
test_parse_errors(void **state)
{
	static const char *const missing[] = {"username=\"a\"", "realm=\"r\"", "nonce=\"n\"",
					      "uri=\"sip:x\"", NULL};
	static const char *const repeated[] = {"username=\"a\"", "username=\"b\"", "realm=r",
					       "nonce=n", "uri=u", "response=x", NULL};
	static const char *const open_quote[] = {"username=\"a", "realm=r", "nonce=n", "uri=u",
						 "response=x", NULL};
	static const char *const escaped[] = {"username=\"a\\\"b\"", "realm=r", "nonce=n",
					      "uri=u", "response=x", "x-unknown=1", NULL};
	struct cp_digest_resp r;
	char buf[256], tiny[8];

	(void)state;
	assert_int_equal(cp_digest_parse(missing, buf, sizeof(buf), &r), -EINVAL);
	assert_int_equal(cp_digest_parse(repeated, buf, sizeof(buf), &r), -EINVAL);
	assert_int_equal(cp_digest_parse(open_quote, buf, sizeof(buf), &r), -EINVAL);
	assert_int_equal(cp_digest_parse(rfc2617, tiny, sizeof(tiny), &r), -ENAMETOOLONG);
	assert_int_equal(cp_digest_parse(NULL, buf, sizeof(buf), &r), -EINVAL);
	assert_int_equal(cp_digest_parse(escaped, buf, sizeof(buf), &r), 0);
	assert_string_equal(r.username, "a\"b");
}

static void
test_unsupported(void **state)
{
	struct cp_digest_resp r = {.username = "u", .realm = "r", .nonce = "n", .uri = "sip:x",
				   .response = "00"};

	(void)state;
	r.algorithm = "MD5-sess";
	assert_int_equal(cp_digest_verify(&r, "REGISTER", "u", "p"), -ENOTSUP);
	r.algorithm = "SHA-512-256";
	assert_int_equal(cp_digest_verify(&r, "REGISTER", "u", "p"), -ENOTSUP);
	r.algorithm = NULL;
	r.qop = "auth-int";
	assert_int_equal(cp_digest_verify(&r, "REGISTER", "u", "p"), -ENOTSUP);
	r.qop = "auth"; /* without cnonce and nc */
	assert_int_equal(cp_digest_verify(&r, "REGISTER", "u", "p"), -EINVAL);
}

/* No qop (RFC 2069 compatibility): computed and verified both ways, response hex in capitals. */
static void
test_no_qop(void **state)
{
	struct cp_digest_resp r = {.username = "alice", .realm = "tessera.test", .nonce = "abc",
				   .uri = "sip:tessera.test"};
	char resp[80];

	(void)state;
	assert_int_equal(cp_digest_compute(&r, "REGISTER", "s3cret", resp, sizeof(resp)), 0);
	assert_int_equal(strlen(resp), 32);
	for (char *p = resp; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
	r.response = resp;
	assert_int_equal(cp_digest_verify(&r, "REGISTER", "alice", "s3cret"), 0);
	resp[5] = resp[5] == 'A' ? 'B' : 'A';
	assert_int_equal(cp_digest_verify(&r, "REGISTER", "alice", "s3cret"), -EACCES);
	r.response = "abc"; /* wrong length */
	assert_int_equal(cp_digest_verify(&r, "REGISTER", "alice", "s3cret"), -EACCES);
}

static void
test_nonce(void **state)
{
	uint8_t key[CP_DIGEST_KEY_LEN] = {1, 2, 3}, other[CP_DIGEST_KEY_LEN] = {9};
	char n[CP_DIGEST_NONCE_LEN + 1], forged[CP_DIGEST_NONCE_LEN + 1];

	(void)state;
	assert_int_equal(cp_digest_nonce_make(key, "r", 1000, n, sizeof(n)), 0);
	assert_int_equal(strlen(n), CP_DIGEST_NONCE_LEN);
	assert_int_equal(cp_digest_nonce_make(key, "r", 1000, n, 10), -ENOSPC);
	assert_int_equal(cp_digest_nonce_make(key, "r", 1000, n, sizeof(n)), 0);
	assert_int_equal(cp_digest_nonce_check(key, "r", n, 1000, 300), 0);
	assert_int_equal(cp_digest_nonce_check(key, "r", n, 1300, 300), 0);
	assert_int_equal(cp_digest_nonce_check(key, "r", n, 1301, 300), -ETIMEDOUT);
	assert_int_equal(cp_digest_nonce_check(key, "other realm", n, 1000, 300), -EINVAL);
	assert_int_equal(cp_digest_nonce_check(other, "r", n, 1000, 300), -EINVAL);
	assert_int_equal(cp_digest_nonce_check(key, "r", "short", 1000, 300), -EINVAL);
	/* A newer time with the old MAC is a forgery, not a fresh nonce. */
	memcpy(forged, n, sizeof(forged));
	forged[15] = forged[15] == 'f' ? 'e' : 'f';
	assert_int_equal(cp_digest_nonce_check(key, "r", forged, 1000, 300), -EINVAL);
	forged[0] = 'x';
	assert_int_equal(cp_digest_nonce_check(key, "r", forged, 1000, 300), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_examples), cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_unsupported),  cmocka_unit_test(test_no_qop),
		cmocka_unit_test(test_nonce),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
