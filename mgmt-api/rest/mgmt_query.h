/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_query.h - list query parameters: paging, filters, ordering.
 *
 * Tastypie syntax (shared/spec/management-api.md §1.2): limit, offset,
 * <field>=, <field>__<op>= with op in exact, iexact, contains, icontains,
 * startswith, istartswith, endswith, iendswith (strings), gt, gte, lt, lte
 * (numbers and times), and order_by=[-]<field> (repeatable). Only fields
 * flagged MGMT_F_FILTER may be used; SQL is built from the resource table's
 * column names only, and every value is bound, never spliced into SQL.
 *
 * Context: any thread; a struct mgmt_query belongs to one request.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "mgmt_res.h"

#define MGMT_QUERY_MAX_FILTERS 16
#define MGMT_QUERY_MAX_ORDER 4
#define MGMT_QUERY_MAX_VALUE 1024

enum mgmt_query_op {
	MGMT_OP_EXACT,
	MGMT_OP_IEXACT,
	MGMT_OP_CONTAINS,
	MGMT_OP_ICONTAINS,
	MGMT_OP_STARTSWITH,
	MGMT_OP_ISTARTSWITH,
	MGMT_OP_ENDSWITH,
	MGMT_OP_IENDSWITH,
	MGMT_OP_GT,
	MGMT_OP_GTE,
	MGMT_OP_LT,
	MGMT_OP_LTE,
};

struct mgmt_query_filter {
	const struct mgmt_field *field; /* NULL = the id column; static */
	enum mgmt_query_op op;
	bool is_int; /* bind ival, else sval */
	int64_t ival;
	char sval[MGMT_QUERY_MAX_VALUE];
};

/*
 * Invariants: limit in 1..max_limit; n_filters <= MGMT_QUERY_MAX_FILTERS;
 * every filter's field belongs to the resource given to mgmt_query_add().
 */
struct mgmt_query {
	unsigned int limit;
	unsigned int offset;
	unsigned int max_limit;
	struct mgmt_query_filter filters[MGMT_QUERY_MAX_FILTERS];
	unsigned int n_filters;
	const struct mgmt_field *order[MGMT_QUERY_MAX_ORDER]; /* NULL = id; static */
	bool order_desc[MGMT_QUERY_MAX_ORDER];
	unsigned int n_order;
	char keep[2048]; /* filters and order_by re-encoded for meta.next/previous */
	size_t keep_len;
};

/**
 * Start a query with the default page size and its cap.
 * Context: any thread.
 */
void mgmt_query_init(struct mgmt_query *q, unsigned int default_limit, unsigned int max_limit);

/**
 * Apply one decoded query parameter.
 * @param key     parameter name (borrowed)
 * @param value   decoded value, NULL for a bare key (borrowed)
 * @param errors  gets {"<key>": [reason]} on failure (borrowed)
 * @return 0, or -EINVAL (unknown field or operator, bad number, too many
 *         filters, value too long).
 */
int mgmt_query_add(struct mgmt_query *q, const struct mgmt_resource *r, const char *key,
		   const char *value, json_t *errors);

/**
 * Parse a raw query string ("a=1&b=%20x", '+' is a space) and apply each pair.
 * @return 0, or -EINVAL after the first bad pair (errors filled).
 */
int mgmt_query_parse(struct mgmt_query *q, const struct mgmt_resource *r, const char *qs,
		     json_t *errors);

/**
 * Build " WHERE ..." (empty when no filter) and " ORDER BY ..." (always ends
 * with the id as tie-breaker) from column names of @p r only.
 * @return 0, or -ENOSPC when a buffer is too small.
 */
int mgmt_query_sql(const struct mgmt_query *q, const struct mgmt_resource *r, char *where,
		   size_t wcap, char *order, size_t ocap);

/**
 * Bind the filter values, in the order mgmt_query_sql() wrote placeholders,
 * starting at parameter @p first.
 * @return the next free parameter index, or -EIO when sqlite refused a bind.
 */
int mgmt_query_bind(const struct mgmt_query *q, sqlite3_stmt *st, int first);

/**
 * Percent-decode @p in into @p out ('+' becomes a space).
 * @return the length, or -EINVAL on a bad escape, an embedded NUL or overflow.
 */
int mgmt_query_unescape(const char *in, size_t len, char *out, size_t cap);
