/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_tls.c - generate a self-signed certificate for sofia-sip's TLS transport.
 *
 * Context: startup. See cp_tls.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cp_tls.h"
#include "tsr_log.h"

#define LOG_COMP "cp.tls"

static int
add_san(X509 *x, const char *name)
{
	unsigned char buf[16];
	char san[300];
	X509_EXTENSION *ext;
	bool ip = inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
	int ok;

	snprintf(san, sizeof(san), "%s:%s", ip ? "IP" : "DNS", name);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
	if (ext == NULL)
		return -EIO;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -EIO;
}

static X509 *
make_cert(EVP_PKEY *key, const char *name)
{
	X509 *x = X509_new();
	X509_NAME *n;
	unsigned char serial[8];

	if (x == NULL)
		return NULL;
	if (getentropy(serial, sizeof(serial)) != 0)
		memset(serial, 1, sizeof(serial));
	serial[0] &= 0x7f;
	if (!X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set_uint64(X509_get_serialNumber(x),
				     ((uint64_t)serial[0] << 56) | ((uint64_t)serial[1] << 48) |
					     ((uint64_t)serial[2] << 40) | serial[3]) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600) == NULL ||
	    !X509_set_pubkey(x, key))
		goto out_free;
	n = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Tessera", -1,
					-1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)name, -1, -1,
					0) ||
	    !X509_set_issuer_name(x, n) || add_san(x, name) < 0 || !X509_sign(x, key, EVP_sha256()))
		goto out_free;
	return x;
out_free:
	X509_free(x);
	return NULL;
}

static int
write_pem(const char *path, EVP_PKEY *key, X509 *x)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f;
	int ok;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -errno;
	}
	ok = (key == NULL || PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)) &&
	     PEM_write_X509(f, x);
	if (fclose(f) != 0 || !ok)
		return -EIO;
	return 0;
}

int
cp_tls_ensure(const char *dir, const char *name)
{
	char agent[512], ca[512];
	EVP_PKEY *key;
	X509 *x;
	int rc;

	snprintf(agent, sizeof(agent), "%s/agent.pem", dir);
	snprintf(ca, sizeof(ca), "%s/cafile.pem", dir);
	if (access(agent, R_OK) == 0)
		return 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	key = EVP_RSA_gen(2048);
	if (key == NULL)
		return -EIO;
	x = make_cert(key, name);
	if (x == NULL) {
		EVP_PKEY_free(key);
		return -EIO;
	}
	/* cafile.pem first: agent.pem is the marker that the directory is complete. */
	rc = write_pem(ca, NULL, x);
	if (rc == 0)
		rc = write_pem(agent, key, x);
	X509_free(x);
	EVP_PKEY_free(key);
	if (rc == 0)
		TSR_INFO(LOG_COMP, "generated a self-signed certificate\tdir=%s name=%s", dir, name);
	return rc;
}
