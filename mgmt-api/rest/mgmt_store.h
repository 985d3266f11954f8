/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_store.h - SQL and serialisation for the table-driven resources.
 *
 * Reads turn rows into the API's JSON (references as resource URIs, lists
 * of references, nested children, write-only fields left out). Writes take
 * a canonical object from mgmt_valid_object(), check what needs the
 * database (unique fields, referenced objects exist, no self-reference)
 * and then insert or update the row, its many-to-many links and its
 * children. The caller owns the transaction: on any error it rolls back,
 * so a request never leaves half its rows behind.
 *
 * Context: any thread holding the connection passed in (a reader from
 * mgmt_db_read_begin() for reads, the writer for writes).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "mgmt_query.h"
#include "mgmt_res.h"

struct mgmt_store_ctx {
	unsigned int pbkdf2_iterations; /* for MGMT_FT_PASSWORD fields */
};

/**
 * Load one object.
 * @param out  the object (returns owned)
 * @return 0, -ENOENT, -ENOMEM, -EIO.
 */
int mgmt_store_get(const struct mgmt_resource *r, sqlite3 *h, int64_t id, json_t **out);

/**
 * Load one object of a text_id resource by its key.
 * @param out  the object (returns owned)
 * @return 0, -ENOENT, -ENOMEM, -EIO.
 */
int mgmt_store_get_key(const struct mgmt_resource *r, sqlite3 *h, const char *key, json_t **out);

/**
 * One page of a list and the total number of matching rows.
 * @param objects  a new array (returns owned)
 * @return 0, -ENOSPC (query too complex), -ENOMEM, -EIO.
 */
int mgmt_store_list(const struct mgmt_resource *r, sqlite3 *h, const struct mgmt_query *q,
		    json_t **objects, int64_t *total);

/**
 * mgmt_store_get() written straight to JSON text (the same text
 * json_dumps(JSON_COMPACT) gives for the object), for integer-id resources.
 * @param out  the text (returns owned, NUL-terminated)
 * @return 0, -ENOENT, -EINVAL (a text_id resource), -ENOMEM, -EIO.
 */
int mgmt_store_get_text(const struct mgmt_resource *r, sqlite3 *h, int64_t id, char **out,
			size_t *len);

/**
 * mgmt_store_list() written straight to JSON text: @p objects is the
 * array's text. The count(*) is skipped when the first page is not full
 * (then it is the whole result).
 * @param objects  "[...]" (returns owned, NUL-terminated)
 * @return 0, -EINVAL (a text_id resource), -ENOSPC, -ENOMEM, -EIO.
 */
int mgmt_store_list_text(const struct mgmt_resource *r, sqlite3 *h, const struct mgmt_query *q,
			 char **objects, size_t *len, int64_t *total);

/**
 * Insert (*id == 0) or update (*id > 0) an object.
 * @param obj      canonical object (borrowed)
 * @param present  the request body: on update, list fields (links and
 *                 children) absent from it are left alone (borrowed)
 * @param errors   field errors are added here (borrowed)
 * @return 0 (and *id set), -EINVAL (errors added), -ENOENT (update of a
 *         missing row), -ENOMEM, -EIO.
 * Context: the writer, inside mgmt_db_write_begin()/end().
 */
int mgmt_store_write(const struct mgmt_resource *r, sqlite3 *h, int64_t *id, const json_t *obj,
		     const json_t *present, const struct mgmt_store_ctx *ctx, json_t *errors);

/**
 * Delete an object (children and links go with it).
 * @return 0, -ENOENT, -EBUSY (another object still refers to it), -EIO.
 * Context: the writer, inside a write transaction.
 */
int mgmt_store_delete(const struct mgmt_resource *r, sqlite3 *h, int64_t id);
