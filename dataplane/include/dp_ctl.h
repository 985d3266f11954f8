/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_ctl.h - the data plane control protocol (version 1).
 *
 * Transport: a unix SOCK_SEQPACKET socket; one JSON object per message.
 * Request:  {"v":1, "id":<number|string>, "op":"<operation>", "args":{...}}
 * Reply:    {"v":1, "id":<same>, "ok":true, "result":{...}}
 *       or  {"v":1, "id":<same>, "ok":false,
 *            "error":{"code":"EINVAL", "message":"...", "field":"..."}}
 * Operations: ping, stream.create, stream.update, stream.delete,
 * stream.stats, stream.list, port.stats, lcore.stats, conference.create,
 * conference.delete, conference.attach, conference.detach, conference.mute,
 * conference.stats, conference.dtmf, esp.sa_add, esp.sa_del, esp.sa_stats,
 * esp.sa_list, esp.sa_rekey, esp.sa_switch. docs/dataplane.md has an example of each. A request that fails changes nothing.
 *
 * Context: the handler runs on the data plane control thread.
 */
#pragma once

#include <stddef.h>

#define DP_CTL_VERSION 1
/** Largest request or reply, in bytes. */
#define DP_CTL_MAX_MSG 65536
/** Most streams one stream.list reply carries. */
#define DP_CTL_LIST_MAX 200

struct dp_main;

/**
 * Handle one request and write the reply.
 * @param dm    the data plane (its flow table is changed by write operations)
 * @param req   request bytes (borrowed; need not be NUL-terminated)
 * @param len   request length
 * @param resp  reply buffer (borrowed), @p cap bytes; always NUL-terminated
 * @return the reply length (> 0). Never fails: bad requests get error replies.
 * Context: control thread.
 */
size_t dp_ctl_handle(struct dp_main *dm, const char *req, size_t len, char *resp, size_t cap);

/**
 * Serve the control socket at @p path until dm->quit: accept clients, answer
 * their requests, and drain neighbour events between messages.
 * @return 0 on clean exit, or -errno when the socket cannot be created.
 * Context: the control thread (blocks).
 */
int dp_ctl_serve(struct dp_main *dm, const char *path);

/**
 * Register the /tessera/... telemetry commands (stats, lcores, stream).
 * @return 0 or -EINVAL.
 * Context: main thread, after the stream table exists and before lcores start.
 */
int dp_telemetry_register(const struct dp_main *dm);
