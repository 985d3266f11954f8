/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_tls.c - self-signed certificate generation (GnuTLS x509 API).
 *
 * Context: startup (main thread).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "mgmt_tls.h"
#include "tsr_log.h"

#define VALID_DAYS 3650

static int
read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > 1 << 20 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -EIO;
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	buf[n] = '\0';
	fclose(f);
	*out = buf;
	return 0;
}

static int
write_file(const char *path, const gnutls_datum_t *d, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		return -errno;
	if (write(fd, d->data, d->size) != (ssize_t)d->size) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	return close(fd) == 0 ? 0 : -EIO;
}

static int
add_ip_san(gnutls_x509_crt_t crt, const char *addr)
{
	unsigned char ip[16];

	if (inet_pton(AF_INET, addr, ip) == 1)
		return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4,
							    GNUTLS_FSAN_APPEND);
	if (inet_pton(AF_INET6, addr, ip) == 1)
		return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16,
							    GNUTLS_FSAN_APPEND);
	return 0;
}

static int
fill_cert(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *host, const char *addr)
{
	unsigned char serial[16];
	time_t now = time(NULL);
	int rc = 0;

	if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)) != 0)
		return -EIO;
	serial[0] &= 0x7f; /* positive INTEGER */
	rc |= gnutls_x509_crt_set_version(crt, 3);
	rc |= gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	rc |= gnutls_x509_crt_set_activation_time(crt, now - 3600);
	rc |= gnutls_x509_crt_set_expiration_time(crt, now + (time_t)VALID_DAYS * 86400);
	rc |= gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "Tessera",
					    7);
	rc |= gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, host,
					    (unsigned int)strlen(host));
	rc |= gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, host,
						   (unsigned int)strlen(host), GNUTLS_FSAN_APPEND);
	rc |= gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
						   GNUTLS_FSAN_APPEND);
	rc |= add_ip_san(crt, "127.0.0.1");
	if (addr != NULL && strcmp(addr, "127.0.0.1") != 0)
		rc |= add_ip_san(crt, addr);
	rc |= gnutls_x509_crt_set_key(crt, key);
	rc |= gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
	rc |= gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
	rc |= gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
	if (rc != 0)
		return -EIO;
	return gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) == 0 ? 0 : -EIO;
}

int
mgmt_tls_generate(const char *cert_path, const char *key_path, const char *listen_addr)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kpem = {NULL, 0}, cpem = {NULL, 0};
	char host[256];
	int rc = -EIO;

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		strcpy(host, "tessera-mgmt");
	host[sizeof(host) - 1] = '\0';
	if (gnutls_x509_privkey_init(&key) != 0 || gnutls_x509_crt_init(&crt) != 0)
		goto out;
	if (gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) != 0)
		goto out;
	if (fill_cert(crt, key, host, listen_addr) < 0)
		goto out;
	if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kpem) != 0 ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem) != 0)
		goto out;
	rc = write_file(key_path, &kpem, 0600);
	if (rc < 0)
		goto out;
	unlink(cert_path);
	rc = write_file(cert_path, &cpem, 0644);
	if (rc < 0) {
		unlink(key_path);
		goto out;
	}
	TSR_INFO("mgmt.tls", "self-signed certificate generated\tcert=%s cn=%s", cert_path, host);
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
mgmt_tls_load(const char *state_dir, const char *cert_file, const char *key_file,
	      const char *listen_addr, char **cert_pem, char **key_pem)
{
	char cpath[512], kpath[512];
	int rc;

	if ((cert_file == NULL) != (key_file == NULL))
		return -EINVAL;
	if (cert_file != NULL) {
		snprintf(cpath, sizeof(cpath), "%s", cert_file);
		snprintf(kpath, sizeof(kpath), "%s", key_file);
	} else {
		snprintf(cpath, sizeof(cpath), "%s/tls-cert.pem", state_dir);
		snprintf(kpath, sizeof(kpath), "%s/tls-key.pem", state_dir);
		if (access(kpath, R_OK) != 0 || access(cpath, R_OK) != 0) {
			unlink(kpath);
			rc = mgmt_tls_generate(cpath, kpath, listen_addr);
			if (rc < 0)
				return rc;
		}
	}
	rc = read_file(cpath, cert_pem);
	if (rc < 0)
		return rc;
	rc = read_file(kpath, key_pem);
	if (rc < 0) {
		free(*cert_pem);
		*cert_pem = NULL;
	}
	return rc;
}
