/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_bp_tls.h - TLS 1.3 for the node-to-node control channel and the ESP
 * keys derived from it (OpenSSL).
 *
 * Trust: a node presents the certificate the management node issued it at
 * enrolment and accepts a peer only when the peer's certificate chains to
 * the management node's node CA (and nothing else: no system CAs) and its
 * subject CN is the node name expected (the worker_vm it dialled, or a
 * worker_vm of the configuration for one that dialled it).
 *
 * Keys (RFC 5705 exporter; RFC 8446 §7.5 for TLS 1.3): for each ESP SA,
 *
 *   key ‖ salt = TLS-Exporter("EXPORTER-tessera-esp",
 *                             context = direction ‖ SPI, 36 octets)
 *
 * where direction is one octet, 1 for an SA the TLS client sends on and 2
 * for one the TLS server sends on, and SPI is the SA's SPI (4 octets, big
 * endian; the receiver chooses it). Both ends of the session compute the
 * same 32-octet AES-256-GCM key and 4-octet salt (RFC 4106 §4); a new SPI
 * (rekey) or a new session gives unrelated keys.
 *
 * Context: control path (cp main loop).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#define CP_BP_EXPORTER_LABEL "EXPORTER-tessera-esp"
#define CP_BP_KEY_LEN 32
#define CP_BP_SALT_LEN 4

/** Which end of the TLS session sends on an SA. */
enum cp_bp_dir {
	CP_BP_DIR_CLIENT_SENDS = 1,
	CP_BP_DIR_SERVER_SENDS = 2,
};

struct cp_bp_sa_keys {
	uint8_t key[CP_BP_KEY_LEN];
	uint8_t salt[CP_BP_SALT_LEN];
};

/**
 * A TLS 1.3-only context for both roles, with our certificate and key and
 * the node CA as the only trust anchor; peers must present a certificate.
 * @param cert_file, key_file, ca_file  PEM files
 * @param out  returns owned (SSL_CTX_free())
 * @return 0, -ENOENT (a file cannot be read), -EINVAL (key and certificate
 *   do not match, or not PEM), -ENOMEM.
 */
int cp_bp_tls_ctx(const char *cert_file, const char *key_file, const char *ca_file,
		  SSL_CTX **out);

/**
 * The verified peer's node name (its certificate's subject CN).
 * @return 0; -EACCES when the peer presented no certificate or it did not
 *   verify; -ENAMETOOLONG; -EINVAL when it has no CN.
 */
int cp_bp_tls_peer_name(SSL *ssl, char *name, size_t cap);

/**
 * Derive the keys of one SA from an established session.
 * @param dir  which end sends on the SA
 * @param spi  the SA's SPI
 * @return 0, -EPROTO (no session, or the exporter failed).
 */
int cp_bp_key_derive(SSL *ssl, enum cp_bp_dir dir, uint32_t spi, struct cp_bp_sa_keys *out);

/** Lower-case hex of @p n octets into @p hex (2n + 1 octets). */
void cp_bp_hex(const uint8_t *b, size_t n, char *hex);
