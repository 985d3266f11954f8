/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_rest_priv.h - helpers shared by the REST handler files
 * (mgmt_rest.c: routing and the table-driven modules; mgmt_rest_node.c:
 * the node protocol, commands, bootstrap and the topology view).
 *
 * Context: any thread.
 */
#pragma once

#include <stdbool.h>

#include "mgmt_rest.h"

#define MGMT_API_COMMAND_PREFIX "/api/admin/command/v1/"
#define MGMT_API_INTERNAL_PREFIX "/api/internal/v1/"

/** Set the status and JSON body (takes @p body). */
void mgmt_rest_reply(struct mgmt_rest_resp *resp, unsigned int status, json_t *body);

/** Set the status and {"error": msg}. */
void mgmt_rest_reply_error(struct mgmt_rest_resp *resp, unsigned int status, const char *msg);

/**
 * Write an administrator-log record about a request: Message, User, the
 * given parameters, Remote-Address and Remote-Port (guide part 5 §5.2).
 * @param params  takes it (may be NULL)
 */
void mgmt_rest_audit(struct mgmt_rest *rest, const struct mgmt_rest_req *req, const char *module,
		     const char *message, json_t *params);

/** GET or HEAD. */
bool mgmt_rest_is_read(const char *method);

/**
 * Split the path segments after @p prefix ("/api/admin/x/v1/") into @p seg.
 * @return the number of segments (0 for the prefix itself), or -ENOENT
 *         (another prefix, a segment too long, more than @p max segments).
 */
int mgmt_rest_split(const char *path, const char *prefix, char seg[][64], int max);

/** /api/internal/v1/<seg...> (config, status): the node protocol. */
void mgmt_rest_internal(struct mgmt_rest *rest, const struct mgmt_rest_req *req, char seg[][64],
			int n, struct mgmt_rest_resp *resp);

/** /api/admin/command/v1/<seg...>. */
void mgmt_rest_command(struct mgmt_rest *rest, const struct mgmt_rest_req *req, char seg[][64],
		       int n, struct mgmt_rest_resp *resp);

/** /api/admin/status/v1/live/: the topology view. */
void mgmt_rest_live(struct mgmt_rest *rest, const struct mgmt_rest_req *req,
		    struct mgmt_rest_resp *resp);

/**
 * The bulk transfers under /api/admin/command/v1/: CSV import/export
 * (conference, automatic_participant, device) and backup create/restore
 * (platform).
 * @return true when @p seg named one of them (@p resp filled), false otherwise.
 */
bool mgmt_rest_transfer(struct mgmt_rest *rest, const struct mgmt_rest_req *req, char seg[][64],
			int n, struct mgmt_rest_resp *resp);
