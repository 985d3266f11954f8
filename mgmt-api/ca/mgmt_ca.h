/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_ca.h - the deployment's certificate authority for node-to-node TLS.
 *
 * The Management Node keeps a small CA (an ECDSA P-256 key and a self-signed
 * CA certificate in its state directory, generated on first start) and
 * issues each Conferencing Node a certificate when its bootstrap document is
 * made: subject CN = the worker_vm name, subjectAltName = its address, key
 * usage digitalSignature, extended key usage serverAuth and clientAuth, so a
 * node presents it both when it dials a peer and when a peer dials it. Nodes
 * trust only this CA for their backplane control channel (docs/security.md).
 *
 * Context: mgmt_ca_open()/mgmt_ca_close() at startup and shutdown (main
 * thread); mgmt_ca_issue() from HTTP worker threads (serialised inside).
 */
#pragma once

#include <stddef.h>

struct mgmt_ca;

/**
 * Load the CA from @p state_dir (ca-key.pem, mode 0600, and ca-cert.pem),
 * generating both when the key is missing.
 * @param out  returns owned; free with mgmt_ca_close()
 * @return 0, -EIO (GnuTLS or I/O error), -ENOMEM.
 */
int mgmt_ca_open(const char *state_dir, struct mgmt_ca **out);

/** Free the CA (its key is wiped). NULL is a no-op. */
void mgmt_ca_close(struct mgmt_ca *ca);

/** The CA certificate (PEM), borrowed for the life of @p ca. */
const char *mgmt_ca_cert_pem(const struct mgmt_ca *ca);

/**
 * Issue a node certificate with a fresh key.
 * @param name     the worker_vm name (CN; 1-250 characters)
 * @param address  the node's IPv4/IPv6 address for subjectAltName, or NULL
 * @param days     validity in days (1-3650)
 * @param cert_pem, key_pem  PEM text (returns owned: free(); wipe the key)
 * @return 0, -EINVAL (bad name or days), -EIO, -ENOMEM.
 * Context: any thread.
 */
int mgmt_ca_issue(struct mgmt_ca *ca, const char *name, const char *address, unsigned int days,
		  char **cert_pem, char **key_pem);
