/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_http.h - the HTTPS server (libmicrohttpd + GnuTLS) in front of the
 * REST handlers: basic authentication, body size limit, query parameters.
 *
 * Every request is authenticated (401 with WWW-Authenticate otherwise)
 * before its body is read; a Content-Length over the limit gets 413 at
 * once, a chunked body is discarded and answered 413 when it grows over.
 *
 * Context: MHD runs its own thread pool; start/stop from the main thread.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt_auth.h"
#include "mgmt_rest.h"

struct mgmt_http_cfg {
	const char *listen; /* numeric IPv4 or IPv6 address */
	uint16_t port;
	bool plain;           /* plain HTTP: only allowed on a loopback address */
	const char *cert_pem; /* borrowed; needed unless plain */
	const char *key_pem;  /* borrowed; needed unless plain */
	unsigned int threads; /* worker threads (1..64) */
	size_t max_body;      /* bytes */
};

struct mgmt_http;

/**
 * True for 127.0.0.0/8 and ::1.
 */
bool mgmt_http_is_loopback(const char *addr);

/**
 * Start serving.
 * @param rest  borrowed; must outlive the server
 * @param auth  borrowed; must outlive the server
 * @param out   the server (returns owned: mgmt_http_stop())
 * @return 0, -EINVAL (bad address, plain HTTP on a non-loopback address),
 *         -ENOMEM, -EIO (MHD could not start: port in use, bad certificate).
 */
int mgmt_http_start(const struct mgmt_http_cfg *cfg, struct mgmt_rest *rest, struct mgmt_auth *auth,
		    struct mgmt_http **out);

/**
 * Stop accepting, finish the requests in flight and free @p h (NULL accepted).
 */
void mgmt_http_stop(struct mgmt_http *h);
