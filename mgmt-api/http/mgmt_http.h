/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_http.h - the HTTPS server (libmicrohttpd + GnuTLS) in front of the
 * REST handlers: basic authentication, body size limit, query parameters.
 *
 * Every request is authenticated (401 with WWW-Authenticate otherwise)
 * before its body is read: HTTP basic against the accounts, or, under
 * /api/internal/, "Authorization: Bearer <token>" against the nodes'
 * enrolment tokens. A Content-Length over the limit gets 413 at once, a
 * chunked body is discarded and answered 413 when it grows over.
 *
 * Requests the REST layer parks (long polls, commands waiting for a node)
 * are suspended (MHD suspend/resume), so they hold no worker thread; a
 * waker thread resumes them when mgmt_http_wake() reports a change that
 * makes them ready, or at their deadline.
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
	size_t max_node_body; /* bytes, for the nodes' status reports */
	size_t max_import_body; /* bytes, for CSV imports and backup restores */
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
 * Stop accepting, answer the parked requests, finish the requests in flight
 * and free @p h (NULL accepted).
 */
void mgmt_http_stop(struct mgmt_http *h);

/**
 * Something parked requests may wait for happened (a configuration commit,
 * a command result): re-check them. @p arg is the struct mgmt_http.
 * Context: any thread; never blocks for long.
 */
void mgmt_http_wake(void *arg);
