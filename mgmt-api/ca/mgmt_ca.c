/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_ca.c - the node CA: key and certificate on disk, node certificates
 * (GnuTLS x509 API). See mgmt_ca.h.
 *
 * Context: startup for open/close; mgmt_ca_issue() from any thread, under
 * the CA's mutex (the CA key object is shared).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "mgmt_ca.h"
#include "tsr_log.h"

#define LOG_COMP "mgmt.ca"
#define CA_VALID_DAYS 7300

struct mgmt_ca {
	pthread_mutex_t lock;
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	char *cert_pem; /* owned */
};

static int
read_datum(const char *path, gnutls_datum_t *d)
{
	return gnutls_load_file(path, d) == 0 ? 0 : -EIO;
}

static int
write_excl(const char *path, const gnutls_datum_t *d, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) != 0 || write(fd, d->data, d->size) != (ssize_t)d->size) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	return close(fd) == 0 ? 0 : -EIO;
}

static int
set_serial_and_times(gnutls_x509_crt_t crt, unsigned int days)
{
	unsigned char serial[16];
	time_t now = time(NULL);
	int rc = 0;

	if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)) != 0)
		return -EIO;
	serial[0] &= 0x7f; /* a positive INTEGER */
	rc |= gnutls_x509_crt_set_version(crt, 3);
	rc |= gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	rc |= gnutls_x509_crt_set_activation_time(crt, now - 3600);
	rc |= gnutls_x509_crt_set_expiration_time(crt, now + (time_t)days * 86400);
	return rc == 0 ? 0 : -EIO;
}

static int
new_key(gnutls_x509_privkey_t *key)
{
	if (gnutls_x509_privkey_init(key) != 0)
		return -ENOMEM;
	if (gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
					 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) != 0) {
		gnutls_x509_privkey_deinit(*key);
		*key = NULL;
		return -EIO;
	}
	return 0;
}

/* A new CA key and self-signed CA certificate, written to the two paths. */
static int
generate(const char *kpath, const char *cpath)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kpem = {NULL, 0}, cpem = {NULL, 0};
	static const char cn[] = "Tessera node CA";
	int rc = new_key(&key);

	if (rc < 0)
		return rc;
	rc = -EIO;
	if (gnutls_x509_crt_init(&crt) != 0)
		goto out;
	if (set_serial_and_times(crt, CA_VALID_DAYS) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "Tessera",
					  7) != 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
					  sizeof(cn) - 1) != 0 ||
	    gnutls_x509_crt_set_key(crt, key) != 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 1, 0) != 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN) != 0 ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) != 0)
		goto out;
	if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kpem) != 0 ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem) != 0)
		goto out;
	/* The certificate first: a key without its certificate is regenerated at start. */
	rc = write_excl(cpath, &cpem, 0644);
	if (rc == 0)
		rc = write_excl(kpath, &kpem, 0600);
	if (rc == 0)
		TSR_INFO(LOG_COMP, "node CA generated\tcert=%s", cpath);
out:
	if (kpem.data != NULL) {
		gnutls_memset(kpem.data, 0, kpem.size);
		gnutls_free(kpem.data);
	}
	gnutls_free(cpem.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

int
mgmt_ca_open(const char *state_dir, struct mgmt_ca **out)
{
	char kpath[512], cpath[512];
	gnutls_datum_t kd = {NULL, 0}, cd = {NULL, 0};
	struct mgmt_ca *ca;
	int rc;

	snprintf(kpath, sizeof(kpath), "%s/ca-key.pem", state_dir);
	snprintf(cpath, sizeof(cpath), "%s/ca-cert.pem", state_dir);
	if (access(kpath, R_OK) != 0 || access(cpath, R_OK) != 0) {
		rc = generate(kpath, cpath);
		if (rc < 0)
			return rc;
	}
	ca = calloc(1, sizeof(*ca));
	if (ca == NULL)
		return -ENOMEM;
	pthread_mutex_init(&ca->lock, NULL);
	rc = -EIO;
	if (read_datum(kpath, &kd) < 0 || read_datum(cpath, &cd) < 0 ||
	    gnutls_x509_privkey_init(&ca->key) != 0 || gnutls_x509_crt_init(&ca->crt) != 0 ||
	    gnutls_x509_privkey_import(ca->key, &kd, GNUTLS_X509_FMT_PEM) != 0 ||
	    gnutls_x509_crt_import(ca->crt, &cd, GNUTLS_X509_FMT_PEM) != 0)
		goto fail;
	ca->cert_pem = strndup((const char *)cd.data, cd.size);
	if (ca->cert_pem == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	gnutls_memset(kd.data, 0, kd.size);
	gnutls_free(kd.data);
	gnutls_free(cd.data);
	*out = ca;
	return 0;
fail:
	TSR_ERR(LOG_COMP, "cannot load the node CA\tkey=%s cert=%s", kpath, cpath);
	if (kd.data != NULL) {
		gnutls_memset(kd.data, 0, kd.size);
		gnutls_free(kd.data);
	}
	gnutls_free(cd.data);
	mgmt_ca_close(ca);
	return rc;
}

void
mgmt_ca_close(struct mgmt_ca *ca)
{
	if (ca == NULL)
		return;
	if (ca->key != NULL)
		gnutls_x509_privkey_deinit(ca->key);
	if (ca->crt != NULL)
		gnutls_x509_crt_deinit(ca->crt);
	free(ca->cert_pem);
	pthread_mutex_destroy(&ca->lock);
	free(ca);
}

const char *
mgmt_ca_cert_pem(const struct mgmt_ca *ca)
{
	return ca->cert_pem;
}

static int
add_ip_san(gnutls_x509_crt_t crt, const char *addr)
{
	unsigned char ip[16];

	if (addr == NULL)
		return 0;
	if (inet_pton(AF_INET, addr, ip) == 1)
		return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4,
							    GNUTLS_FSAN_APPEND);
	if (inet_pton(AF_INET6, addr, ip) == 1)
		return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16,
							    GNUTLS_FSAN_APPEND);
	return 0;
}

static char *
dup_datum(const gnutls_datum_t *d)
{
	return strndup((const char *)d->data, d->size);
}

int
mgmt_ca_issue(struct mgmt_ca *ca, const char *name, const char *address, unsigned int days,
	      char **cert_pem, char **key_pem)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kpem = {NULL, 0}, cpem = {NULL, 0};
	size_t n = name != NULL ? strlen(name) : 0;
	int rc;

	if (n == 0 || n > 250 || days == 0 || days > 3650)
		return -EINVAL;
	rc = new_key(&key);
	if (rc < 0)
		return rc;
	rc = -EIO;
	if (gnutls_x509_crt_init(&crt) != 0)
		goto out;
	if (set_serial_and_times(crt, days) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "Tessera",
					  7) != 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name,
					  (unsigned int)n) != 0 ||
	    add_ip_san(crt, address) != 0 || gnutls_x509_crt_set_key(crt, key) != 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 0, -1) != 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) != 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) != 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0) != 0)
		goto out;
	pthread_mutex_lock(&ca->lock);
	rc = gnutls_x509_crt_sign2(crt, ca->crt, ca->key, GNUTLS_DIG_SHA256, 0);
	pthread_mutex_unlock(&ca->lock);
	if (rc != 0) {
		rc = -EIO;
		goto out;
	}
	if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kpem) != 0 ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem) != 0) {
		rc = -EIO;
		goto out;
	}
	*cert_pem = dup_datum(&cpem);
	*key_pem = dup_datum(&kpem);
	if (*cert_pem == NULL || *key_pem == NULL) {
		free(*cert_pem);
		free(*key_pem);
		*cert_pem = *key_pem = NULL;
		rc = -ENOMEM;
		goto out;
	}
	rc = 0;
out:
	if (kpem.data != NULL) {
		gnutls_memset(kpem.data, 0, kpem.size);
		gnutls_free(kpem.data);
	}
	gnutls_free(cpem.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}
