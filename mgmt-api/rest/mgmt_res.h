/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_res.h - the configuration resources, described once as tables.
 *
 * One struct mgmt_resource per REST resource lists its fields: JSON name,
 * SQL column, type, flags, default (as JSON text), range, choices, a
 * per-field checker and help text. Validation (mgmt_valid), SQL and
 * serialisation (mgmt_store), the query parser (mgmt_query) and the
 * /schema/ documents all read these tables; nothing else names columns.
 * The SQL schema itself lives in db/mgmt_schema.c as frozen migrations;
 * tests/unit/mgmt checks that every column named here exists there.
 *
 * Context: any thread; the tables are constant.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MGMT_API_CONFIG_PREFIX "/api/admin/configuration/v1/"
#define MGMT_API_STATUS_PREFIX "/api/admin/status/v1/"
#define MGMT_API_HISTORY_PREFIX "/api/admin/history/v1/"

enum mgmt_ftype {
	MGMT_FT_STRING,   /* TEXT; min/max bound the length */
	MGMT_FT_ENUM,     /* TEXT, one of choices */
	MGMT_FT_INT,      /* INTEGER; min/max bound the value */
	MGMT_FT_BOOL,     /* INTEGER 0/1 */
	MGMT_FT_DATETIME, /* TEXT "YYYY-MM-DDTHH:MM:SS.ffffff", read-only, set on create */
	MGMT_FT_REF,      /* INTEGER column <name>_id; JSON: resource URI or null */
	MGMT_FT_REFLIST,  /* many-to-many through join_table; JSON: list of URIs */
	MGMT_FT_CHILDREN, /* rows of resource ref whose join_self column points here */
	MGMT_FT_PASSWORD, /* write-only secret, stored as a PBKDF2 hash */
	MGMT_FT_REAL,     /* REAL; read-only resources only, never a filter */
};

#define MGMT_F_REQUIRED (1u << 0)  /* must be given on create */
#define MGMT_F_NULLABLE (1u << 1)  /* null is a valid value */
#define MGMT_F_READONLY (1u << 2)  /* ignored in request bodies */
#define MGMT_F_UNIQUE (1u << 3)    /* unique, case-insensitive */
#define MGMT_F_WRITEONLY (1u << 4) /* never serialised */
#define MGMT_F_FILTER (1u << 5)    /* usable in filters and order_by */
#define MGMT_F_SHA1 (1u << 6)      /* PASSWORD stored as a SHA-1 hex digest ("" = none) */

/**
 * Extra check of a string value (PIN, alias, address...).
 * @param value  the string, NUL-terminated
 * @param msg    where to write the reason on failure
 * @param cap    size of @p msg
 * @return 0 when valid, -EINVAL (with @p msg set) otherwise.
 * Context: any thread; pure function.
 */
typedef int (*mgmt_check_fn)(const char *value, char *msg, size_t cap);

struct mgmt_resource;

/**
 * Rules that span several fields of one object, run after the per-field
 * checks on the canonical object (see mgmt_valid_object()).
 * @param obj     the canonical object (borrowed)
 * @param errors  object of field -> [messages] to add to (borrowed)
 */
typedef void (*mgmt_cross_fn)(const json_t *obj, json_t *errors);

struct mgmt_field {
	const char *name;   /* JSON name */
	const char *column; /* SQL column; NULL for REFLIST and CHILDREN */
	enum mgmt_ftype type;
	uint32_t flags;             /* MGMT_F_* */
	const char *def;            /* default as JSON text; NULL = none */
	int64_t min, max;           /* INT: value; STRING: length (max 0 = no bound) */
	const char *const *choices; /* ENUM: NULL-terminated */
	const char *ref;            /* REF, REFLIST, CHILDREN: the other resource */
	const char *join_table;     /* REFLIST: the many-to-many table */
	const char *join_self;      /* REFLIST: column for this object; CHILDREN: FK in child */
	const char *join_other;     /* REFLIST: column for the other object */
	mgmt_check_fn check;        /* optional extra check (strings) */
	const char *help;           /* for /schema/ */
	const char *also_unique;    /* UNIQUE: another table whose same-named column shares the
				     * namespace (service and device aliases) */
};

/*
 * Invariants: fields[] has no "id" or "resource_uri" (both implicit);
 * every column is a column of table (or view); a singleton's only row has
 * id 1; a read_only resource has no REFLIST/CHILDREN writes and is only
 * served to GET; references (ref) name a resource of the same module.
 */
struct mgmt_resource {
	const char *name; /* URL segment */
	const char *table;
	const struct mgmt_field *fields;
	size_t n_fields;
	bool singleton;      /* global: one row, no POST/DELETE */
	mgmt_cross_fn cross; /* optional */
	const char *prefix;  /* module path; NULL = MGMT_API_CONFIG_PREFIX */
	bool text_id;        /* id is a TEXT key (a UUID) rather than an integer */
	bool read_only;      /* status and history: GET only */
};

/** All configuration resources, NULL-terminated. */
extern const struct mgmt_resource *const mgmt_resources[];
/** The status module's table-driven resources, NULL-terminated. */
extern const struct mgmt_resource *const mgmt_status_resources[];
/** The history module's resources, NULL-terminated. */
extern const struct mgmt_resource *const mgmt_history_resources[];

/**
 * Find a configuration resource by its URL name.
 * @return the resource (static), or NULL when unknown.
 */
const struct mgmt_resource *mgmt_res_lookup(const char *name);

/**
 * Find a resource by URL name in one NULL-terminated list.
 * @return the resource (static), or NULL.
 */
const struct mgmt_resource *mgmt_res_lookup_in(const struct mgmt_resource *const *list,
					       const char *name);

/**
 * The resource a REF/REFLIST/CHILDREN field of @p r points to (same module).
 * @return the resource (static); never NULL for the built-in tables.
 */
const struct mgmt_resource *mgmt_res_ref(const struct mgmt_resource *r, const struct mgmt_field *f);

/** The module path of @p r ("/api/admin/<module>/v1/"). */
const char *mgmt_res_prefix(const struct mgmt_resource *r);

/**
 * Find a field by JSON name.
 * @return the field (static), or NULL when @p r has no such field.
 */
const struct mgmt_field *mgmt_res_field(const struct mgmt_resource *r, const char *name);

/**
 * Format the resource URI of object @p id: "/api/admin/configuration/v1/<name>/<id>/".
 * @return the length written, or -ENOSPC when @p cap is too small.
 */
int mgmt_res_uri(const struct mgmt_resource *r, int64_t id, char *buf, size_t cap);

/**
 * Format the resource URI of the object with text key @p key (text_id resources).
 * @return the length written, or -ENOSPC.
 */
int mgmt_res_uri_key(const struct mgmt_resource *r, const char *key, char *buf, size_t cap);

/**
 * Whether @p s can be a text key: 1-64 characters of letters, digits, '-',
 * '_' and '.', not starting with '.' (UUIDs and the like; safe in a path).
 */
bool mgmt_res_is_key(const char *s);

/**
 * Parse a reference to an object of @p r: its resource URI (absolute path,
 * trailing slash optional) or a positive integer id as a JSON number.
 * @param v    the JSON value (borrowed)
 * @param out  the id
 * @return 0, or -EINVAL when @p v is neither.
 */
int mgmt_res_parse_ref(const struct mgmt_resource *r, const json_t *v, int64_t *out);

/**
 * Parse a positive decimal id (no sign, no leading zero, fits int64).
 * @return 0, or -EINVAL.
 */
int mgmt_res_parse_id(const char *s, int64_t *out);

/**
 * The resource's /schema/ document (tastypie shape: fields, filtering, ordering).
 * @return a new reference (owned by the caller), or NULL on ENOMEM.
 */
json_t *mgmt_res_schema(const struct mgmt_resource *r, unsigned int default_limit);
