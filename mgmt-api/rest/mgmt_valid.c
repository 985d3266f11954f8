/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_valid.c - body parsing, per-field and cross-field validation.
 *
 * Everything is driven by the field tables of mgmt_res.c. Messages name the
 * rule that failed; values (PINs, passwords) never appear in them.
 *
 * Context: any thread; no I/O.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mgmt_valid.h"

void
mgmt_err_add(json_t *errors, const char *field, const char *fmt, ...)
{
	char msg[256];
	json_t *list;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages may quote request text: keep them printable ASCII (valid JSON strings). */
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	list = json_object_get(errors, field);
	if (list == NULL) {
		list = json_array();
		if (list == NULL)
			return;
		/* A key that is not valid UTF-8 cannot be a JSON member name. */
		if (json_object_set_new(errors, field, list) < 0) {
			list = json_object_get(errors, "__all__");
			if (list == NULL) {
				list = json_array();
				if (list == NULL ||
				    json_object_set_new(errors, "__all__", list) < 0)
					return;
			}
		}
	}
	json_array_append_new(list, json_string(msg));
}

int
mgmt_json_depth(const char *buf, size_t len)
{
	int depth = 0, max = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if (c == '}' || c == ']') {
			if (--depth < 0)
				return -EINVAL;
		}
	}
	return depth == 0 && !in_str ? max : -EINVAL;
}

int
mgmt_valid_parse(const char *buf, size_t len, int max_depth, json_t **out, json_t *errors)
{
	json_error_t jerr;
	json_t *v;
	int d = mgmt_json_depth(buf, len);

	if (d > max_depth) {
		mgmt_err_add(errors, "__all__", "JSON nested deeper than %d levels", max_depth);
		return -EINVAL;
	}
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		mgmt_err_add(errors, "__all__", "invalid JSON: %s (line %d, column %d)", jerr.text,
			     jerr.line, jerr.column);
		return -EINVAL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		mgmt_err_add(errors, "__all__", "the body must be a JSON object");
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int
mgmt_valid_body(const struct mgmt_resource *r, const json_t *body, json_t *errors)
{
	const char *key;
	json_t *v;
	int rc = 0;

	json_object_foreach((json_t *)body, key, v)
	{
		const struct mgmt_field *f = mgmt_res_field(r, key);

		if (strcmp(key, "id") == 0 || strcmp(key, "resource_uri") == 0)
			continue;
		if (f == NULL) {
			mgmt_err_add(errors, key, "unknown field");
			rc = -EINVAL;
			continue;
		}
		if (f->type == MGMT_FT_CHILDREN && json_is_array(v)) {
			const struct mgmt_resource *cr = mgmt_res_lookup(f->ref);
			size_t i;
			json_t *c;

			json_array_foreach(v, i, c)
			{
				if (!json_is_object(c)) {
					mgmt_err_add(errors, key, "item %zu must be an object", i);
					rc = -EINVAL;
					continue;
				}
				json_t *cerr = json_object();

				if (mgmt_valid_body(cr, c, cerr) < 0) {
					const char *ck;
					json_t *cv;

					json_object_foreach(cerr, ck, cv) mgmt_err_add(
						errors, key, "item %zu: %s: unknown field", i, ck);
					rc = -EINVAL;
				}
				json_decref(cerr);
			}
		}
	}
	return rc;
}

json_t *
mgmt_valid_defaults(const struct mgmt_resource *r)
{
	json_t *o = json_object();

	for (size_t i = 0; o != NULL && i < r->n_fields; i++) {
		const struct mgmt_field *f = &r->fields[i];
		json_t *d;

		if (f->def == NULL)
			continue;
		d = json_loads(f->def, JSON_DECODE_ANY, NULL);
		if (d == NULL || json_object_set_new(o, f->name, d) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *
mgmt_valid_merge(const struct mgmt_resource *r, const json_t *base, const json_t *body)
{
	json_t *o = json_deep_copy(base), *v;
	const char *key;

	if (o == NULL)
		return NULL;
	json_object_foreach((json_t *)body, key, v)
	{
		const struct mgmt_field *f = mgmt_res_field(r, key);

		if (f == NULL || (f->flags & MGMT_F_READONLY))
			continue;
		if (json_object_set_new(o, key, json_deep_copy(v)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static int
check_string(const struct mgmt_field *f, const json_t *v, json_t *errors)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	char msg[160];

	if (strlen(s) != len) {
		mgmt_err_add(errors, f->name, "must not contain NUL characters");
		return -EINVAL;
	}
	if ((int64_t)len < f->min || (f->max > 0 && (int64_t)len > f->max)) {
		if (f->min > 0)
			mgmt_err_add(errors, f->name, "must be %lld to %lld characters long",
				     (long long)f->min, (long long)f->max);
		else
			mgmt_err_add(errors, f->name, "must be at most %lld characters long",
				     (long long)f->max);
		return -EINVAL;
	}
	if (f->check != NULL && len > 0 && f->check(s, msg, sizeof(msg)) < 0) {
		mgmt_err_add(errors, f->name, "%s", msg);
		return -EINVAL;
	}
	return 0;
}

static int
check_enum(const struct mgmt_field *f, const json_t *v, json_t *errors)
{
	char list[256] = "";
	size_t n = 0;

	for (const char *const *p = f->choices; *p != NULL; p++) {
		if (strcmp(*p, json_string_value(v)) == 0)
			return 0;
		n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
				      n ? ", " : "", *p);
	}
	mgmt_err_add(errors, f->name, "must be one of: %s", list);
	return -EINVAL;
}

/* A list of references, rewritten to a list of integer ids without duplicates. */
static int
check_reflist(const struct mgmt_field *f, json_t *obj, json_t *v, json_t *errors)
{
	const struct mgmt_resource *rr = mgmt_res_lookup(f->ref);
	json_t *ids = json_array();
	size_t i;
	json_t *item;
	int64_t id;

	if (ids == NULL)
		return -ENOMEM;
	json_array_foreach(v, i, item)
	{
		bool dup = false;
		size_t j;
		json_t *x;

		if (mgmt_res_parse_ref(rr, item, &id) < 0) {
			mgmt_err_add(errors, f->name, "item %zu must be a %s resource URI", i,
				     f->ref);
			json_decref(ids);
			return -EINVAL;
		}
		json_array_foreach(ids, j, x) dup |= json_integer_value(x) == id;
		if (!dup)
			json_array_append_new(ids, json_integer(id));
	}
	json_object_set_new(obj, f->name, ids);
	return 0;
}

/* Children: a list of child objects, each checked as the child resource without its FK. */
static int
check_children(const struct mgmt_field *f, json_t *v, json_t *errors)
{
	const struct mgmt_resource *cr = mgmt_res_lookup(f->ref);
	json_t *base = mgmt_valid_defaults(cr);
	size_t i;
	json_t *item;
	int rc = 0;

	if (base == NULL)
		return -ENOMEM;
	for (i = 0; i < json_array_size(v); i++) {
		json_t *cerr = json_object(), *m;
		const char *ck;
		json_t *cv;

		item = json_array_get(v, i);
		m = json_is_object(item) ? mgmt_valid_merge(cr, base, item) : NULL;
		if (m == NULL) {
			mgmt_err_add(errors, f->name, "item %zu must be an object", i);
			json_decref(cerr);
			rc = -EINVAL;
			continue;
		}
		/* The parent provides the FK; stand in a dummy id for the check. */
		for (size_t k = 0; k < cr->n_fields; k++)
			if (cr->fields[k].column != NULL &&
			    strcmp(cr->fields[k].column, f->join_self) == 0)
				json_object_set_new(m, cr->fields[k].name, json_integer(1));
		if (mgmt_valid_object(cr, m, true, cerr) < 0) {
			json_object_foreach(cerr, ck, cv)
			{
				size_t j;
				json_t *msg;

				json_array_foreach(cv, j, msg)
					mgmt_err_add(errors, f->name, "item %zu: %s: %s", i, ck,
						     json_string_value(msg));
			}
			rc = -EINVAL;
		}
		json_decref(cerr);
		json_array_set_new(v, i, m);
	}
	json_decref(base);
	return rc;
}

static int
check_field(const struct mgmt_field *f, json_t *obj, json_t *v, bool creating, json_t *errors)
{
	int64_t id;

	if (v == NULL) {
		/* Write-only fields are never in the stored object: absent means unchanged. */
		if ((f->flags & MGMT_F_REQUIRED) && (creating || !(f->flags & MGMT_F_WRITEONLY))) {
			mgmt_err_add(errors, f->name, "this field is required");
			return -EINVAL;
		}
		return 0;
	}
	if (json_is_null(v)) {
		if (f->flags & MGMT_F_NULLABLE)
			return 0;
		mgmt_err_add(errors, f->name, "may not be null");
		return -EINVAL;
	}
	switch (f->type) {
	case MGMT_FT_STRING:
	case MGMT_FT_PASSWORD:
		if (!json_is_string(v))
			break;
		return check_string(f, v, errors);
	case MGMT_FT_ENUM:
		if (!json_is_string(v))
			break;
		return check_enum(f, v, errors);
	case MGMT_FT_INT:
		if (!json_is_integer(v))
			break;
		if (json_integer_value(v) < f->min || json_integer_value(v) > f->max) {
			mgmt_err_add(errors, f->name, "must be between %lld and %lld",
				     (long long)f->min, (long long)f->max);
			return -EINVAL;
		}
		return 0;
	case MGMT_FT_BOOL:
		if (!json_is_boolean(v))
			break;
		return 0;
	case MGMT_FT_REF:
		if (mgmt_res_parse_ref(mgmt_res_lookup(f->ref), v, &id) < 0) {
			mgmt_err_add(errors, f->name, "must be a %s resource URI%s", f->ref,
				     (f->flags & MGMT_F_NULLABLE) ? " or null" : "");
			return -EINVAL;
		}
		json_object_set_new(obj, f->name, json_integer(id));
		return 0;
	case MGMT_FT_REFLIST:
		if (!json_is_array(v))
			break;
		return check_reflist(f, obj, v, errors);
	case MGMT_FT_CHILDREN:
		if (!json_is_array(v))
			break;
		return check_children(f, v, errors);
	case MGMT_FT_DATETIME:
		return 0;
	case MGMT_FT_REAL:
		if (!json_is_number(v))
			break;
		return 0;
	}
	mgmt_err_add(errors, f->name, "must be %s",
		     f->type == MGMT_FT_INT        ? "an integer"
		     : f->type == MGMT_FT_BOOL     ? "true or false"
		     : f->type == MGMT_FT_REFLIST  ? "a list of resource URIs"
		     : f->type == MGMT_FT_CHILDREN ? "a list of objects"
						   : "a string");
	return -EINVAL;
}

int
mgmt_valid_object(const struct mgmt_resource *r, json_t *obj, bool creating, json_t *errors)
{
	const char *key;
	json_t *v;
	void *tmp;
	int rc = 0;

	/* Drop what the client may not set and what the table does not know. */
	json_object_foreach_safe(obj, tmp, key, v)
	{
		const struct mgmt_field *f = mgmt_res_field(r, key);

		if (f == NULL || (f->flags & MGMT_F_READONLY))
			json_object_del(obj, key);
	}
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct mgmt_field *f = &r->fields[i];

		if (f->flags & MGMT_F_READONLY)
			continue;
		if (check_field(f, obj, json_object_get(obj, f->name), creating, errors) < 0)
			rc = -EINVAL;
	}
	if (rc == 0 && r->cross != NULL) {
		size_t before = json_object_size(errors);

		r->cross(obj, errors);
		if (json_object_size(errors) != before)
			rc = -EINVAL;
	}
	return rc;
}

/* ---- checkers ---------------------------------------------------------------------------- */

static int
bad(char *msg, size_t cap, const char *text)
{
	snprintf(msg, cap, "%s", text);
	return -EINVAL;
}

int
mgmt_check_pin(const char *v, char *msg, size_t cap)
{
	size_t n = strlen(v), digits = n;

	/* guide part 3 §2.10 FR-PIN-4: ^([0-9]{4,20}|[0-9]{3,19}#)$ */
	if (n > 0 && v[n - 1] == '#')
		digits = n - 1;
	for (size_t i = 0; i < digits; i++)
		if (v[i] < '0' || v[i] > '9')
			return bad(msg, cap, "must be digits with an optional trailing #");
	if (n < 4 || n > 20)
		return bad(msg, cap, "must be 4 to 20 characters long, counting a trailing #");
	return 0;
}

static bool
is_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static bool
label_chars_ok(const char *s, size_t n, const char *extra)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr(extra, s[i]) == NULL)
			return false;
	return true;
}

int
mgmt_check_alias(const char *v, char *msg, size_t cap)
{
	const char *at = strchr(v, '@');
	size_t local = at != NULL ? (size_t)(at - v) : strlen(v);

	/* guide part 3 §2.7 FR-AL-3/7: letters, digits, - . (plus _ and a leading + for
	 * E.164 numbers), an optional @domain (a DNS name or an IP), or an IP address. */
	if (at == NULL && is_ip(v))
		return 0;
	if (!label_chars_ok(v, local, "-._+") || memchr(v + 1, '+', local - 1) != NULL)
		return bad(msg, cap,
			   "must be letters, digits, '-', '.', '_' (optional leading '+') with an "
			   "optional @domain; no wildcards or spaces");
	if (at != NULL) {
		const char *dom = at + 1;

		if (!is_ip(dom) && !label_chars_ok(dom, strlen(dom), "-.") &&
		    !(dom[0] == '[' && dom[strlen(dom) - 1] == ']'))
			return bad(msg, cap, "the part after @ must be a domain or an IP address");
	}
	return 0;
}

int
mgmt_check_ipv4(const char *v, char *msg, size_t cap)
{
	unsigned char a[4];

	return inet_pton(AF_INET, v, a) == 1 ? 0 : bad(msg, cap, "must be an IPv4 address");
}

int
mgmt_check_netmask(const char *v, char *msg, size_t cap)
{
	struct in_addr a;
	uint32_t m;

	if (inet_pton(AF_INET, v, &a) != 1)
		return bad(msg, cap, "must be an IPv4 network mask");
	m = ntohl(a.s_addr);
	if (m == 0 || (~m & (~m + 1)) != 0)
		return bad(msg, cap, "must be a contiguous IPv4 network mask");
	return 0;
}

int
mgmt_check_ipv6(const char *v, char *msg, size_t cap)
{
	unsigned char a[16];

	return inet_pton(AF_INET6, v, a) == 1 ? 0 : bad(msg, cap, "must be an IPv6 address");
}

int
mgmt_check_hostname(const char *v, char *msg, size_t cap)
{
	size_t n = strlen(v);
	bool all_digits = true;

	/* guide part 2 §3.13: [A-Za-z0-9-], not all-numeric. */
	if (!label_chars_ok(v, n, "-") || v[0] == '-' || v[n - 1] == '-')
		return bad(msg, cap, "must be letters, digits and '-' (not at either end)");
	for (size_t i = 0; i < n; i++)
		all_digits &= isdigit((unsigned char)v[i]) != 0;
	return all_digits ? bad(msg, cap, "must not be all digits") : 0;
}

int
mgmt_check_domain(const char *v, char *msg, size_t cap)
{
	size_t n = strlen(v);

	if (!label_chars_ok(v, n, "-.") || v[0] == '.' || v[0] == '-' || strstr(v, "..") != NULL)
		return bad(msg, cap, "must be a DNS domain name");
	return 0;
}

int
mgmt_check_email(const char *v, char *msg, size_t cap)
{
	const char *at = strchr(v, '@');

	if (at == NULL || at == v || strchr(at + 1, '@') != NULL || strchr(v, ' ') != NULL ||
	    mgmt_check_domain(at + 1, msg, cap) < 0 || strchr(at + 1, '.') == NULL)
		return bad(msg, cap, "must be an email address");
	return 0;
}

int
mgmt_check_regex(const char *v, char *msg, size_t cap)
{
	regex_t re;
	int rc = regcomp(&re, v, REG_EXTENDED | REG_ICASE | REG_NOSUB);

	if (rc != 0)
		return bad(msg, cap, "must be a valid regular expression");
	regfree(&re);
	return 0;
}

int
mgmt_check_dtmf(const char *v, char *msg, size_t cap)
{
	return strspn(v, "0123456789*#,") == strlen(v)
		       ? 0
		       : bad(msg, cap, "may contain only 0-9, *, # and ,");
}

int
mgmt_check_username(const char *v, char *msg, size_t cap)
{
	return label_chars_ok(v, strlen(v), "._@-")
		       ? 0
		       : bad(msg, cap, "must be letters, digits, '.', '_', '@' or '-'");
}

int
mgmt_check_device_alias(const char *v, char *msg, size_t cap)
{
	static const char *const schemes[] = {"sip:", "sips:", "h323:", NULL};

	/* guide part 3 §3.9: the exact URI a device registers with, scheme optional. */
	for (const char *const *s = schemes; *s != NULL; s++)
		if (strncasecmp(v, *s, strlen(*s)) == 0) {
			v += strlen(*s);
			break;
		}
	return mgmt_check_alias(v, msg, cap);
}

int
mgmt_check_ip(const char *v, char *msg, size_t cap)
{
	return is_ip(v) ? 0 : bad(msg, cap, "must be an IPv4 or IPv6 address");
}

int
mgmt_check_host(const char *v, char *msg, size_t cap)
{
	if (is_ip(v) || mgmt_check_domain(v, msg, cap) == 0)
		return 0;
	return bad(msg, cap, "must be an IP address or a DNS name");
}

/* ---- cross-field rules ------------------------------------------------------------------ */

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

void
mgmt_cross_conference(const json_t *obj, json_t *errors)
{
	const char *pin = str(obj, "pin"), *guest = str(obj, "guest_pin");
	size_t pl = strlen(pin), gl = strlen(guest);
	bool ph = pl > 0 && pin[pl - 1] == '#', gh = gl > 0 && guest[gl - 1] == '#';

	/* guide part 3 §2.10 FR-PIN-4 */
	if (json_is_true(json_object_get(obj, "allow_guests")) && pl == 0)
		mgmt_err_add(errors, "allow_guests", "allowing Guests requires a Host PIN");
	if (gl == 0)
		return;
	if (pl == 0)
		mgmt_err_add(errors, "guest_pin", "a Guest PIN requires a Host PIN");
	else if (strcmp(pin, guest) == 0)
		mgmt_err_add(errors, "guest_pin", "must differ from the Host PIN");
	else if (ph != gh)
		mgmt_err_add(errors, "guest_pin",
			     "must end with # exactly when the Host PIN ends with #");
	else if (!ph && pl != gl)
		mgmt_err_add(errors, "guest_pin",
			     "must have as many digits as the Host PIN when neither ends with #");
}

static int64_t
num(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

void
mgmt_cross_global(const json_t *obj, json_t *errors)
{
	int64_t ss = num(obj, "signalling_port_start"), se = num(obj, "signalling_port_end");
	int64_t ms = num(obj, "media_port_start"), me = num(obj, "media_port_end");
	int64_t bs = num(obj, "last_participant_backstop_timeout");

	if (ss > se)
		mgmt_err_add(errors, "signalling_port_end",
			     "must not be below signalling_port_start");
	if (ms > me)
		mgmt_err_add(errors, "media_port_end", "must not be below media_port_start");
	if (ss <= se && ms <= me && ss <= me && ms <= se)
		mgmt_err_add(errors, "media_port_start",
			     "media and signalling port ranges must not overlap");
	if (bs != 0 && bs < 60)
		mgmt_err_add(errors, "last_participant_backstop_timeout",
			     "must be 0 (never) or 60 to 86400 seconds");
	if (strcmp(str(obj, "ocsp_state"), "override") == 0 &&
	    str(obj, "ocsp_responder_url")[0] == 0)
		mgmt_err_add(errors, "ocsp_responder_url",
			     "is required when ocsp_state is override");
}

void
mgmt_cross_location(const json_t *obj, json_t *errors)
{
	json_t *a = json_object_get(obj, "overflow_location1");
	json_t *b = json_object_get(obj, "overflow_location2");

	if (json_is_integer(b) && !json_is_integer(a))
		mgmt_err_add(errors, "overflow_location2", "requires overflow_location1");
	else if (json_is_integer(a) && json_is_integer(b) &&
		 json_integer_value(a) == json_integer_value(b))
		mgmt_err_add(errors, "overflow_location2", "must differ from overflow_location1");
}

void
mgmt_cross_device(const json_t *obj, json_t *errors)
{
	if (str(obj, "password")[0] != '\0' && str(obj, "username")[0] == '\0')
		mgmt_err_add(errors, "password", "requires a username");
}

void
mgmt_cross_ntp(const json_t *obj, json_t *errors)
{
	json_t *key = json_object_get(obj, "key");

	if (json_is_string(key) && json_string_length(key) > 0 &&
	    !json_is_integer(json_object_get(obj, "key_id")))
		mgmt_err_add(errors, "key", "requires key_id");
}

void
mgmt_cross_static_route(const json_t *obj, json_t *errors)
{
	unsigned char a[16], g[16];
	const char *addr = str(obj, "address"), *gw = str(obj, "gateway");
	bool v4 = inet_pton(AF_INET, addr, a) == 1, v6 = !v4 && inet_pton(AF_INET6, addr, a) == 1;
	bool g4 = inet_pton(AF_INET, gw, g) == 1;
	int64_t prefix = json_integer_value(json_object_get(obj, "prefix"));
	int bytes = v4 ? 4 : 16;

	if (!v4 && !v6)
		return; /* reported by the field check */
	if (v4 && prefix > 32) {
		mgmt_err_add(errors, "prefix", "must be between 0 and 32 for an IPv4 network");
		return;
	}
	if (gw[0] != '\0' && g4 != v4)
		mgmt_err_add(errors, "gateway", "must be of the same address family as address");
	for (int bit = (int)prefix; bit < bytes * 8; bit++) {
		if (a[bit / 8] & (0x80 >> (bit % 8))) {
			mgmt_err_add(errors, "address", "has host bits set beyond the prefix");
			return;
		}
	}
}
