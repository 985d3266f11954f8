/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_valid.h - request body validation against the resource tables.
 *
 * A body is checked in three steps: mgmt_valid_body() rejects what is not
 * an object, unknown fields and read-only fields' absence of meaning;
 * mgmt_valid_merge() lays it over a base (defaults on create, the stored
 * object on PATCH); mgmt_valid_object() checks every field of the result
 * and rewrites it into canonical form (references become integer ids,
 * read-only fields are dropped) and then runs the resource's cross-field
 * rules. Errors accumulate as {"<field>": ["<message>", ...]} so one reply
 * names every invalid field. Checks that need the database (uniqueness,
 * existence of referenced objects) are done by mgmt_store in the write
 * transaction.
 *
 * Context: any thread; no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "mgmt_res.h"

/** Deepest JSON nesting accepted by default (objects and arrays). */
#define MGMT_VALID_MAX_DEPTH 8

/**
 * Add "msg" to errors[field] (creating the list).
 * @param errors  the error object (borrowed)
 * Context: any thread.
 */
void mgmt_err_add(json_t *errors, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Maximum nesting depth of a JSON text, scanning brackets outside strings.
 * Run before json_loadb() so deep input never reaches the parser's recursion.
 * @return the depth (0 for a scalar), or -EINVAL when brackets do not balance.
 */
int mgmt_json_depth(const char *buf, size_t len);

/**
 * Parse a request body: size already bounded by the caller, nesting at most
 * @p max_depth, one JSON object without duplicate keys.
 * @param out     the object (returns owned)
 * @param errors  gets {"__all__": [reason]} on failure (borrowed)
 * @return 0, or -EINVAL.
 */
int mgmt_valid_parse(const char *buf, size_t len, int max_depth, json_t **out, json_t *errors);

/**
 * Reject unknown fields in @p body (read-only fields are accepted and ignored).
 * Children objects (e.g. conference "aliases") are checked against their
 * own resource.
 * @return 0, or -EINVAL with errors added.
 */
int mgmt_valid_body(const struct mgmt_resource *r, const json_t *body, json_t *errors);

/**
 * A new object holding every default of @p r (fields with a default only).
 * @return a new reference, or NULL on ENOMEM.
 */
json_t *mgmt_valid_defaults(const struct mgmt_resource *r);

/**
 * Lay @p body over @p base (copying), skipping read-only fields.
 * @return a new reference, or NULL on ENOMEM.
 */
json_t *mgmt_valid_merge(const struct mgmt_resource *r, const json_t *base, const json_t *body);

/**
 * Check every writable field of @p obj and make it canonical in place:
 * booleans stay booleans, references become integer ids, reference lists
 * become lists of integer ids, children become lists of canonical child
 * objects; read-only and unknown keys are removed.
 * @param creating  true on POST/PUT (required fields must be present)
 * @return 0, or -EINVAL with errors added.
 */
int mgmt_valid_object(const struct mgmt_resource *r, json_t *obj, bool creating, json_t *errors);

/* Checkers usable as mgmt_field.check; see mgmt_check_fn. */
int mgmt_check_pin(const char *v, char *msg, size_t cap);
int mgmt_check_alias(const char *v, char *msg, size_t cap);
int mgmt_check_ipv4(const char *v, char *msg, size_t cap);
int mgmt_check_netmask(const char *v, char *msg, size_t cap);
int mgmt_check_ipv6(const char *v, char *msg, size_t cap);
int mgmt_check_hostname(const char *v, char *msg, size_t cap);
int mgmt_check_domain(const char *v, char *msg, size_t cap);
int mgmt_check_email(const char *v, char *msg, size_t cap);
int mgmt_check_regex(const char *v, char *msg, size_t cap);
int mgmt_check_dtmf(const char *v, char *msg, size_t cap);
int mgmt_check_username(const char *v, char *msg, size_t cap);
int mgmt_check_device_alias(const char *v, char *msg, size_t cap);
int mgmt_check_ip(const char *v, char *msg, size_t cap);
int mgmt_check_host(const char *v, char *msg, size_t cap);

/** Cross-field rules of conference PINs (guide part 3 §2.10 FR-PIN-4). */
void mgmt_cross_conference(const json_t *obj, json_t *errors);
/** Port ranges and timeouts of the global settings. */
void mgmt_cross_global(const json_t *obj, json_t *errors);
/** Overflow locations must differ. */
void mgmt_cross_location(const json_t *obj, json_t *errors);
/** A device password needs a username. */
void mgmt_cross_device(const json_t *obj, json_t *errors);
/** A secure NTP key needs its key id. */
void mgmt_cross_ntp(const json_t *obj, json_t *errors);
/** Route address, prefix and gateway: one family, prefix in range, no host bits. */
void mgmt_cross_static_route(const json_t *obj, json_t *errors);
