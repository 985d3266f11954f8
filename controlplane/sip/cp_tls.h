/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_tls.h - the node's SIP TLS certificate directory.
 *
 * sofia-sip's TLS transport reads a directory (TPTAG_CERTIFICATE): agent.pem
 * holds the private key and the certificate, cafile.pem the trusted CAs.
 * When the directory has no agent.pem, the node makes a self-signed RSA-2048
 * certificate (OpenSSL libcrypto, valid 10 years, CN and subjectAltName =
 * the signaling address) so TLS works out of the box; operators replace it
 * with their own files.
 *
 * Context: startup (cp main loop thread, before the NUA exists). Blocking
 * file I/O and key generation (about 0.1 s).
 */
#pragma once

/**
 * Make sure @p dir holds agent.pem and cafile.pem.
 * @param dir   certificate directory (created 0700 if missing)
 * @param name  subject name and subjectAltName of a generated certificate
 *              (an IP address or a host name)
 * @return 0 when the files exist or were made; -errno of the failing file
 *   operation; -EIO when OpenSSL fails.
 */
int cp_tls_ensure(const char *dir, const char *name);
