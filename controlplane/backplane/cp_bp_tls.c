/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_bp_tls.c - TLS context, peer identity and exporter keys of the
 * node-to-node channel (see cp_bp_tls.h).
 *
 * Context: control path (cp main loop).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cp_bp_tls.h"

int
cp_bp_tls_ctx(const char *cert_file, const char *key_file, const char *ca_file, SSL_CTX **out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	int rc = -EINVAL;

	if (ctx == NULL)
		return -ENOMEM;
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(ctx, 0);
	/* The exporter keys ESP: no resumption, every connection a full handshake. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 2);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
		goto fail;
	ERR_clear_error();
	*out = ctx;
	return 0;
fail:
	if (ERR_GET_REASON(ERR_peek_error()) == ERR_R_SYS_LIB ||
	    ERR_GET_LIB(ERR_peek_error()) == ERR_LIB_SYS)
		rc = -ENOENT;
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return rc;
}

int
cp_bp_tls_peer_name(SSL *ssl, char *name, size_t cap)
{
	X509 *peer = SSL_get1_peer_certificate(ssl);
	X509_NAME *subj;
	int n, rc = 0;

	if (peer == NULL || SSL_get_verify_result(ssl) != X509_V_OK) {
		X509_free(peer);
		return -EACCES;
	}
	subj = X509_get_subject_name(peer);
	n = subj != NULL ? X509_NAME_get_text_by_NID(subj, NID_commonName, NULL, 0) : -1;
	if (n <= 0)
		rc = -EINVAL;
	else if ((size_t)n >= cap)
		rc = -ENAMETOOLONG;
	else if (X509_NAME_get_text_by_NID(subj, NID_commonName, name, (int)cap) != n ||
		 strlen(name) != (size_t)n)
		rc = -EINVAL; /* an embedded NUL */
	X509_free(peer);
	return rc;
}

int
cp_bp_key_derive(SSL *ssl, enum cp_bp_dir dir, uint32_t spi, struct cp_bp_sa_keys *out)
{
	static const char label[] = CP_BP_EXPORTER_LABEL;
	uint8_t ctx[5] = {(uint8_t)dir, (uint8_t)(spi >> 24), (uint8_t)(spi >> 16),
			  (uint8_t)(spi >> 8), (uint8_t)spi};
	uint8_t km[CP_BP_KEY_LEN + CP_BP_SALT_LEN];

	if (ssl == NULL || !SSL_is_init_finished(ssl))
		return -EPROTO;
	if (SSL_export_keying_material(ssl, km, sizeof(km), label, sizeof(label) - 1, ctx,
				       sizeof(ctx), 1) != 1) {
		ERR_clear_error();
		return -EPROTO;
	}
	memcpy(out->key, km, CP_BP_KEY_LEN);
	memcpy(out->salt, km + CP_BP_KEY_LEN, CP_BP_SALT_LEN);
	OPENSSL_cleanse(km, sizeof(km));
	return 0;
}

void
cp_bp_hex(const uint8_t *b, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[b[i] >> 4];
		hex[2 * i + 1] = digits[b[i] & 15];
	}
	hex[2 * n] = '\0';
}
