/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_tls.h - the HTTPS certificate: configured files, or a self-signed
 * one generated with GnuTLS on first start and kept in the state directory.
 *
 * Context: startup (main thread).
 */
#pragma once

#include <stddef.h>

/**
 * Load the certificate and key, generating them when absent.
 * When @p cert_file and @p key_file are set, they are read as they are.
 * Otherwise <state_dir>/tls-cert.pem and <state_dir>/tls-key.pem are read,
 * or first created: an ECDSA P-256 key (mode 0600) and a self-signed
 * X.509 v3 certificate valid 10 years, CN = the host name, with DNS names
 * for the host name and "localhost" and the IP address @p listen_addr (and
 * 127.0.0.1) as subject alternative names.
 * @param cert_pem, key_pem  PEM text (returns owned: free())
 * @return 0, -ENOENT (configured file missing), -EIO (GnuTLS or I/O error),
 *         -ENOMEM.
 */
int mgmt_tls_load(const char *state_dir, const char *cert_file, const char *key_file,
		  const char *listen_addr, char **cert_pem, char **key_pem);

/**
 * Generate a self-signed certificate and key into two PEM files.
 * @return 0, -EEXIST (the key file exists), -EIO.
 */
int mgmt_tls_generate(const char *cert_path, const char *key_path, const char *listen_addr);
