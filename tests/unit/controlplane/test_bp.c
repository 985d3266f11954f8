/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_bp.c - node-to-node control messages (cp_bp_msg.h) and the TLS
 * exporter keys of the ESP backplane (cp_bp_tls.h).
 *
 * The TLS tests make a CA and node certificates with OpenSSL, run both ends
 * of a TLS 1.3 session over a BIO pair in memory and compare what each end
 * derives.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cp_bp_msg.h"
#include "cp_bp_tls.h"

/* ------------------------------------------------------------- messages */

static int
parse(const char *text, struct cp_bp_msg *m)
{
	char err[160];

	return cp_bp_msg_parse(text, strlen(text), m, err, sizeof(err));
}

static void
test_msg_round_trip(void **state)
{
	struct cp_bp_msg in = {.type = CP_BP_OPEN, .port = 40010, .spi = 0x1100}, out;
	uint8_t *frame;
	size_t n;

	(void)state;
	strcpy(in.conference, "Demo room");
	assert_int_equal(cp_bp_msg_encode(&in, &frame, &n), 0);
	assert_int_equal(cp_bp_frame_len(frame), (int)n - 4);
	assert_int_equal(cp_bp_msg_parse((const char *)frame + 4, n - 4, &out, (char[80]){0}, 80),
			 0);
	assert_int_equal(out.type, CP_BP_OPEN);
	assert_string_equal(out.conference, "Demo room");
	assert_int_equal(out.port, 40010);
	assert_int_equal(out.spi, 0x1100);
	cp_bp_msg_fini(&out);
	free(frame);

	in = (struct cp_bp_msg){.type = CP_BP_HELLO};
	strcpy(in.node, "cn1");
	strcpy(in.location, "London");
	strcpy(in.media_addr, "198.18.1.1");
	assert_int_equal(cp_bp_msg_encode(&in, &frame, &n), 0);
	assert_int_equal(cp_bp_msg_parse((const char *)frame + 4, n - 4, &out, (char[80]){0}, 80),
			 0);
	assert_int_equal(out.version, CP_BP_VERSION);
	assert_string_equal(out.node, "cn1");
	assert_string_equal(out.media_addr, "198.18.1.1");
	cp_bp_msg_fini(&out);
	free(frame);
}

static void
test_msg_good(void **state)
{
	struct cp_bp_msg m;

	(void)state;
	assert_int_equal(parse("{\"type\":\"conf_up\",\"conference\":\"A\",\"start_time\":1700000000,"
			       "\"locked\":true,\"guests_muted\":false}", &m), 0);
	assert_true(m.locked);
	assert_int_equal(m.start_time, 1700000000);
	cp_bp_msg_fini(&m);
	assert_int_equal(parse("{\"type\":\"ping\",\"seq\":7,\"load\":3,\"capacity\":96}", &m), 0);
	assert_int_equal(m.seq, 7);
	assert_int_equal(m.capacity, 96);
	cp_bp_msg_fini(&m);
	assert_int_equal(parse("{\"type\":\"roster\",\"conference\":\"A\",\"participants\":["
			       "{\"id\":\"5b1e-7c0e\",\"role\":\"chair\",\"is_muted\":false,"
			       "\"display_name\":\"Bob\",\"remote_port\":5060,\"extra\":[1,2]}]}",
			       &m), 0);
	assert_int_equal(json_array_size(m.participants), 1);
	/* Unknown fields are not copied. */
	assert_null(json_object_get(json_array_get(m.participants, 0), "extra"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(m.participants, 0),
							      "display_name")), "Bob");
	cp_bp_msg_fini(&m);
	assert_int_equal(parse("{\"type\":\"bp_rekey\",\"conference\":\"A\",\"spi\":4294967295}",
			       &m), 0);
	assert_int_equal(m.spi, 4294967295u);
	cp_bp_msg_fini(&m);
}

static void
test_msg_bad(void **state)
{
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{"", -EMSGSIZE},
		{"[]", -EINVAL},
		{"{", -EINVAL},
		{"{\"type\":\"nope\"}", -ENOTSUP},
		{"{\"type\":7}", -ENOTSUP},
		{"{\"conference\":\"A\"}", -ENOTSUP},
		{"{\"type\":\"hello\",\"v\":1,\"node\":\"\",\"media_addr\":\"198.18.1.1\"}", -EINVAL},
		{"{\"type\":\"hello\",\"v\":0,\"node\":\"a\",\"media_addr\":\"198.18.1.1\"}", -EINVAL},
		{"{\"type\":\"hello\",\"v\":1,\"node\":\"a\",\"media_addr\":\"not-an-ip\"}", -EINVAL},
		{"{\"type\":\"hello\",\"v\":1,\"node\":\"a\\u0001\",\"media_addr\":\"::1\"}", -EINVAL},
		{"{\"type\":\"hello\",\"v\":1,\"node\":\"a\\u0000b\",\"media_addr\":\"::1\"}", -EINVAL},
		{"{\"type\":\"bp_open\",\"conference\":\"A\",\"port\":80,\"spi\":4096}", -EINVAL},
		{"{\"type\":\"bp_open\",\"conference\":\"A\",\"port\":40000,\"spi\":255}", -EINVAL},
		{"{\"type\":\"bp_open\",\"conference\":\"A\",\"port\":40000,\"spi\":4294967296}",
		 -EINVAL},
		{"{\"type\":\"bp_open\",\"conference\":\"A\",\"port\":\"40000\",\"spi\":4096}",
		 -EINVAL},
		{"{\"type\":\"bp_open\",\"port\":40000,\"spi\":4096}", -EINVAL},
		{"{\"type\":\"conf_state\",\"conference\":\"A\",\"locked\":1,\"guests_muted\":false}",
		 -EINVAL},
		{"{\"type\":\"conf_up\",\"conference\":\"A\",\"start_time\":-5,\"locked\":false,"
		 "\"guests_muted\":false}", -EINVAL},
		{"{\"type\":\"roster\",\"conference\":\"A\",\"participants\":{}}", -EINVAL},
		{"{\"type\":\"roster\",\"conference\":\"A\",\"participants\":[{\"role\":\"chair\"}]}",
		 -EINVAL},
		{"{\"type\":\"roster\",\"conference\":\"A\",\"participants\":[{\"id\":\"a b\"}]}",
		 -EINVAL},
		{"{\"type\":\"roster\",\"conference\":\"A\",\"participants\":[{\"id\":\"a\","
		 "\"role\":\"king\"}]}", -EINVAL},
		{"{\"type\":\"roster\",\"conference\":\"A\",\"participants\":[{\"id\":\"a\","
		 "\"is_muted\":\"no\"}]}", -EINVAL},
		{"{\"type\":\"ping\",\"seq\":1.5}", -EINVAL},
		{"{\"type\":\"ping\",\"seq\":1,\"load\":2}", -EINVAL},
		{"{\"type\":\"conf_down\",\"conference\":\"A\",\"conference\":\"B\"}", -EINVAL},
	};
	char conf[300], text[400];
	struct cp_bp_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].text, &m);

		if (rc != cases[i].rc)
			fail_msg("case %zu (%s): %d, expected %d", i, cases[i].text, rc, cases[i].rc);
		cp_bp_msg_fini(&m);
	}
	/* A conference name of 251 characters is one too many. */
	memset(conf, 'x', 251);
	conf[251] = '\0';
	snprintf(text, sizeof(text), "{\"type\":\"conf_down\",\"conference\":\"%s\"}", conf);
	assert_int_equal(parse(text, &m), -EINVAL);
	cp_bp_msg_fini(&m);
	conf[250] = '\0';
	snprintf(text, sizeof(text), "{\"type\":\"conf_down\",\"conference\":\"%s\"}", conf);
	assert_int_equal(parse(text, &m), 0);
	cp_bp_msg_fini(&m);
	/* Frame headers. */
	assert_int_equal(cp_bp_frame_len((const uint8_t[]){0, 0, 0, 0}), -EMSGSIZE);
	assert_int_equal(cp_bp_frame_len((const uint8_t[]){0, 1, 0, 1}), -EMSGSIZE);
	assert_int_equal(cp_bp_frame_len((const uint8_t[]){0, 1, 0, 0}), 65536);
}

static void
test_msg_roster_limit(void **state)
{
	json_t *o = json_pack("{s:s, s:s, s:[]}", "type", "roster", "conference", "A",
			      "participants");
	json_t *list = json_object_get(o, "participants");
	struct cp_bp_msg m;
	char *text;

	(void)state;
	for (int i = 0; i <= CP_BP_ROSTER_MAX; i++)
		json_array_append_new(list, json_pack("{s:s}", "id", "p"));
	text = json_dumps(o, JSON_COMPACT);
	assert_int_equal(parse(text, &m), -EINVAL);
	cp_bp_msg_fini(&m);
	free(text);
	json_decref(o);
}

/* ------------------------------------------------------------- TLS keys */

struct pki {
	char dir[64];
	char ca[128], a_cert[128], a_key[128], b_cert[128], b_key[128], x_cert[128], x_key[128];
};

static EVP_PKEY *
ec_key(void)
{
	return EVP_EC_gen("P-256");
}

static X509 *
make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca)
{
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(rand() & 0x7fffffff));
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" :
									    "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ca) {
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage, "serverAuth,clientAuth");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
	return x;
}

static void
write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	if (x != NULL)
		PEM_write_X509(f, x);
	if (k != NULL)
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

static void
pki_make(struct pki *p)
{
	EVP_PKEY *cak = ec_key(), *ak = ec_key(), *bk = ec_key(), *xk = ec_key(), *xcak = ec_key();
	X509 *ca = make_cert("Tessera node CA", cak, NULL, NULL, true);
	X509 *xca = make_cert("Another CA", xcak, NULL, NULL, true);
	X509 *a = make_cert("node-a", ak, ca, cak, false), *b = make_cert("node-b", bk, ca, cak, false);
	X509 *x = make_cert("node-b", xk, xca, xcak, false);

	strcpy(p->dir, "/tmp/test_bp.XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->ca, sizeof(p->ca), "%s/ca.pem", p->dir);
	snprintf(p->a_cert, sizeof(p->a_cert), "%s/a.pem", p->dir);
	snprintf(p->a_key, sizeof(p->a_key), "%s/a.key", p->dir);
	snprintf(p->b_cert, sizeof(p->b_cert), "%s/b.pem", p->dir);
	snprintf(p->b_key, sizeof(p->b_key), "%s/b.key", p->dir);
	snprintf(p->x_cert, sizeof(p->x_cert), "%s/x.pem", p->dir);
	snprintf(p->x_key, sizeof(p->x_key), "%s/x.key", p->dir);
	write_pem(p->ca, ca, NULL);
	write_pem(p->a_cert, a, NULL);
	write_pem(p->a_key, NULL, ak);
	write_pem(p->b_cert, b, NULL);
	write_pem(p->b_key, NULL, bk);
	write_pem(p->x_cert, x, NULL);
	write_pem(p->x_key, NULL, xk);
	X509_free(ca);
	X509_free(xca);
	X509_free(a);
	X509_free(b);
	X509_free(x);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(xcak);
	EVP_PKEY_free(ak);
	EVP_PKEY_free(bk);
	EVP_PKEY_free(xk);
}

static void
pki_remove(struct pki *p)
{
	const char *files[] = {p->ca, p->a_cert, p->a_key, p->b_cert, p->b_key, p->x_cert, p->x_key};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	rmdir(p->dir);
}

/* Run a handshake between two SSLs over a BIO pair. @return true when both finished. */
static bool
handshake(SSL *c, SSL *s)
{
	BIO *bc, *bs;

	BIO_new_bio_pair(&bc, 0, &bs, 0);
	SSL_set_bio(c, bc, bc);
	SSL_set_bio(s, bs, bs);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (int i = 0; i < 50; i++) {
		int rc = SSL_do_handshake(c), rs = SSL_do_handshake(s);

		if (rc == 1 && rs == 1)
			return true;
		if ((rc != 1 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ &&
		     SSL_get_error(c, rc) != SSL_ERROR_WANT_WRITE) ||
		    (rs != 1 && SSL_get_error(s, rs) != SSL_ERROR_WANT_READ &&
		     SSL_get_error(s, rs) != SSL_ERROR_WANT_WRITE))
			return false;
	}
	return false;
}

static void
test_tls_keys(void **state)
{
	struct pki p;
	SSL_CTX *ca_ctx, *cb_ctx;
	SSL *a, *b;
	struct cp_bp_sa_keys ka, kb, k2;
	char name[64];

	(void)state;
	pki_make(&p);
	assert_int_equal(cp_bp_tls_ctx(p.a_cert, p.a_key, p.ca, &ca_ctx), 0);
	assert_int_equal(cp_bp_tls_ctx(p.b_cert, p.b_key, p.ca, &cb_ctx), 0);
	a = SSL_new(ca_ctx);
	b = SSL_new(cb_ctx);
	/* No keys before the session exists. */
	assert_int_equal(cp_bp_key_derive(a, CP_BP_DIR_CLIENT_SENDS, 4096, &ka), -EPROTO);
	assert_true(handshake(a, b));
	assert_int_equal(SSL_version(a), TLS1_3_VERSION);
	assert_int_equal(cp_bp_tls_peer_name(a, name, sizeof(name)), 0);
	assert_string_equal(name, "node-b");
	assert_int_equal(cp_bp_tls_peer_name(b, name, sizeof(name)), 0);
	assert_string_equal(name, "node-a");
	assert_int_equal(cp_bp_tls_peer_name(b, name, 4), -ENAMETOOLONG);

	/* Both ends derive the same keys for the same SA. */
	for (int dir = CP_BP_DIR_CLIENT_SENDS; dir <= CP_BP_DIR_SERVER_SENDS; dir++) {
		assert_int_equal(cp_bp_key_derive(a, dir, 0x12345678, &ka), 0);
		assert_int_equal(cp_bp_key_derive(b, dir, 0x12345678, &kb), 0);
		assert_memory_equal(&ka, &kb, sizeof(ka));
	}
	/* Another SPI (a rekey) or the other direction: unrelated keys. */
	assert_int_equal(cp_bp_key_derive(a, CP_BP_DIR_CLIENT_SENDS, 0x12345678, &ka), 0);
	assert_int_equal(cp_bp_key_derive(a, CP_BP_DIR_CLIENT_SENDS, 0x12345679, &k2), 0);
	assert_memory_not_equal(ka.key, k2.key, sizeof(ka.key));
	assert_memory_not_equal(ka.salt, k2.salt, sizeof(ka.salt));
	assert_int_equal(cp_bp_key_derive(a, CP_BP_DIR_SERVER_SENDS, 0x12345678, &k2), 0);
	assert_memory_not_equal(ka.key, k2.key, sizeof(ka.key));
	SSL_free(a);
	SSL_free(b);

	/* A new session gives new keys for the same SA. */
	a = SSL_new(ca_ctx);
	b = SSL_new(cb_ctx);
	assert_true(handshake(a, b));
	assert_int_equal(cp_bp_key_derive(a, CP_BP_DIR_CLIENT_SENDS, 0x12345678, &k2), 0);
	assert_memory_not_equal(ka.key, k2.key, sizeof(ka.key));
	SSL_free(a);
	SSL_free(b);
	SSL_CTX_free(ca_ctx);
	SSL_CTX_free(cb_ctx);
	pki_remove(&p);
}

static void
test_tls_foreign_ca(void **state)
{
	struct pki p;
	SSL_CTX *ca_ctx, *cx_ctx;
	SSL *a, *x;

	(void)state;
	pki_make(&p);
	assert_int_equal(cp_bp_tls_ctx(p.a_cert, p.a_key, p.ca, &ca_ctx), 0);
	/* A certificate named node-b, but from another CA: refused. */
	assert_int_equal(cp_bp_tls_ctx(p.x_cert, p.x_key, p.ca, &cx_ctx), 0);
	a = SSL_new(ca_ctx);
	x = SSL_new(cx_ctx);
	assert_false(handshake(a, x));
	SSL_free(a);
	SSL_free(x);
	a = SSL_new(ca_ctx);
	x = SSL_new(cx_ctx);
	assert_false(handshake(x, a));
	SSL_free(a);
	SSL_free(x);
	SSL_CTX_free(cx_ctx);
	/* Key and certificate that do not match, and missing files. */
	assert_int_equal(cp_bp_tls_ctx(p.a_cert, p.b_key, p.ca, &cx_ctx), -EINVAL);
	assert_int_equal(cp_bp_tls_ctx("/nonexistent/a.pem", p.a_key, p.ca, &cx_ctx), -ENOENT);
	SSL_CTX_free(ca_ctx);
	pki_remove(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_round_trip),
		cmocka_unit_test(test_msg_good),
		cmocka_unit_test(test_msg_bad),
		cmocka_unit_test(test_msg_roster_limit),
		cmocka_unit_test(test_tls_keys),
		cmocka_unit_test(test_tls_foreign_ca),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
