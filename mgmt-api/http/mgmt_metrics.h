/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_metrics.h - the Prometheus /metrics endpoint: request counters and
 * a latency histogram kept by the HTTP layer, and gauges read from the
 * database (nodes, conferences, participants, alarms, configuration) when
 * the endpoint is scraped. Text exposition format 0.0.4.
 *
 * Context: any thread; counters are lock-free atomics.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mgmt_db.h"
#include "mgmt_log.h"

struct mgmt_metrics;

/** @return 0 or -ENOMEM. Context: startup. */
int mgmt_metrics_create(struct mgmt_metrics **out);

/** Free @p m (NULL accepted). Context: shutdown. */
void mgmt_metrics_destroy(struct mgmt_metrics *m);

/**
 * Count one answered request.
 * @param method   the HTTP method
 * @param status   the status sent
 * @param seconds  from the first byte of the request to the answer
 * Context: any thread; lock-free.
 */
void mgmt_metrics_request(struct mgmt_metrics *m, const char *method, unsigned int status,
			  double seconds);

/**
 * Render every metric.
 * @param db   for the gauges (a read transaction)
 * @param log  for the log and syslog counters, may be NULL
 * @param out  the text (returns owned, NUL-terminated)
 * @return 0, -ENOMEM, -EIO (database unavailable).
 */
int mgmt_metrics_render(struct mgmt_metrics *m, struct mgmt_db *db, struct mgmt_log *log,
			char **out, size_t *len);
