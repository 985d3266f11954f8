/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_log.h - the administrator log and the support log (guide part 5
 * §5.1-5.4) and their forwarding to remote syslog servers.
 *
 * Every record is one line in the guide's format
 *
 *   syslog_time system originating_time Level="L" Name="module" Message="m" Key="v" ...
 *
 * (syslog_time RFC 3339 with milliseconds and +00:00, originating_time
 * "YYYY-MM-DD hh:mm:ss,mmm", both UTC; line breaks inside values written as
 * ^M, quotes and backslashes escaped). The support log gets every record,
 * the administrator log the "administrator.*" ones. Files live in
 * LOG-DIR/admin.log and support.log (0600) and rotate into numbered
 * segments (admin.log.1 newest) at a size, keeping a number of them.
 *
 * Records are also queued for a sender thread that forwards them, as RFC
 * 5424 messages, to every configured syslog_server: UDP (RFC 5426, one
 * datagram each) or TCP (RFC 6587 octet counting, one kept connection,
 * reconnecting). A server gets administrator records when its audit_log
 * is set and support records when its support_log is; the server list
 * is re-read after every configuration change. The queue is bounded: when
 * it is full, records are dropped from forwarding (counted), never from
 * the files.
 *
 * Context: any thread, thread-safe; one internal sender thread.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "mgmt_db.h"

struct mgmt_log;

struct mgmt_log_cfg {
	const char *dir;         /* where admin.log and support.log go (created 0700) */
	const char *system;      /* this node's name in the "system" field */
	size_t segment_bytes;    /* rotate a file beyond this size */
	unsigned int admin_keep; /* rotated segments kept */
	unsigned int support_keep;
	struct mgmt_db *db;      /* borrowed: the syslog_server objects; NULL = no forwarding */
};

/** Counters for /metrics. */
struct mgmt_log_stats {
	uint64_t admin_lines, support_lines;
	uint64_t syslog_sent, syslog_dropped, syslog_errors;
};

/**
 * Open the logs and start the sender thread.
 * @param out  returns owned: mgmt_log_destroy()
 * @return 0, -ENOMEM, -errno (cannot create the directory or the files).
 * Context: startup.
 */
int mgmt_log_create(const struct mgmt_log_cfg *cfg, struct mgmt_log **out);

/** Flush what is queued (best effort, 1 s), stop the sender, close the files. NULL accepted. */
void mgmt_log_destroy(struct mgmt_log *l);

/**
 * Write one record.
 * @param system   the system it comes from (a node's address), NULL = this node
 * @param when     when it happened (CLOCK_REALTIME), NULL = now
 * @param level    "DEBUG", "INFO", "WARNING" or "ERROR"
 * @param module   dotted name ("administrator.conference", "support.rest")
 * @param message  the Message value
 * @param params   further Key="value" pairs, in order (borrowed, may be NULL)
 * Context: any thread; takes the file lock; never blocks on the network.
 */
void mgmt_log_write(struct mgmt_log *l, const char *system, const struct timespec *when,
		    const char *level, const char *module, const char *message,
		    const json_t *params);

/**
 * Format one line (without the final newline) as mgmt_log_write() does.
 * @return the length, or -ENOSPC when @p cap is too small (the line is cut).
 * Context: any thread; pure.
 */
int mgmt_log_format(char *buf, size_t cap, const char *system, const struct timespec *logged,
		    const struct timespec *when, const char *level, const char *module,
		    const char *message, const json_t *params);

/** The configuration changed: re-read the syslog servers. Context: any thread; never blocks. */
void mgmt_log_config_changed(struct mgmt_log *l);

/** Current counters. Context: any thread. */
void mgmt_log_stats(struct mgmt_log *l, struct mgmt_log_stats *out);
