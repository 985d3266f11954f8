/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_query.c - query-string parsing and safe SQL for list requests.
 *
 * Filter and ordering names are looked up in the resource table and only
 * the table's column names reach the SQL text; values are bound. String
 * matching uses instr()/substr() rather than LIKE so '%' and '_' in values
 * mean themselves.
 *
 * Context: any thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mgmt_query.h"
#include "mgmt_valid.h"

static const struct {
	const char *name;
	enum mgmt_query_op op;
} op_names[] = {
	{"exact", MGMT_OP_EXACT},
	{"iexact", MGMT_OP_IEXACT},
	{"contains", MGMT_OP_CONTAINS},
	{"icontains", MGMT_OP_ICONTAINS},
	{"startswith", MGMT_OP_STARTSWITH},
	{"istartswith", MGMT_OP_ISTARTSWITH},
	{"endswith", MGMT_OP_ENDSWITH},
	{"iendswith", MGMT_OP_IENDSWITH},
	{"gt", MGMT_OP_GT},
	{"gte", MGMT_OP_GTE},
	{"lt", MGMT_OP_LT},
	{"lte", MGMT_OP_LTE},
};

void
mgmt_query_init(struct mgmt_query *q, unsigned int default_limit, unsigned int max_limit)
{
	memset(q, 0, sizeof(*q));
	q->max_limit = max_limit > 0 ? max_limit : 1;
	q->limit = default_limit < 1              ? 1
		   : default_limit > q->max_limit ? q->max_limit
						  : default_limit;
}

static int
parse_int(const char *s, int64_t *out)
{
	int64_t v = 0;
	bool neg = false;

	if (*s == '-') {
		neg = true;
		s++;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (INT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (*s != '\0')
		return -EINVAL;
	*out = neg ? -v : v;
	return 0;
}

static int
parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	int64_t v;

	if (s == NULL || parse_int(s, &v) < 0 || v < 0)
		return -EINVAL;
	*out = v > max ? max : (unsigned int)v;
	return 0;
}

static void
keep_append(struct mgmt_query *q, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	char buf[3 * (MGMT_QUERY_MAX_VALUE + 128) + 2];
	size_t n = 0;
	const char *parts[2] = {key, value != NULL ? value : ""};

	for (int p = 0; p < 2; p++) {
		if (p == 1)
			buf[n++] = '=';
		for (const unsigned char *s = (const unsigned char *)parts[p]; *s != 0; s++) {
			if (n + 4 >= sizeof(buf))
				return;
			if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			    (*s >= '0' && *s <= '9') || strchr("-._~", *s) != NULL) {
				buf[n++] = (char)*s;
			} else {
				buf[n++] = '%';
				buf[n++] = hex[*s >> 4];
				buf[n++] = hex[*s & 15];
			}
		}
	}
	if (q->keep_len + n + 2 > sizeof(q->keep))
		return;
	q->keep[q->keep_len++] = '&';
	memcpy(q->keep + q->keep_len, buf, n);
	q->keep_len += n;
	q->keep[q->keep_len] = '\0';
}

static int
add_order(struct mgmt_query *q, const struct mgmt_resource *r, const char *v, json_t *errors)
{
	bool desc = v != NULL && v[0] == '-';
	const char *name = v != NULL ? v + desc : "";
	const struct mgmt_field *f = NULL;

	if (strcmp(name, "id") != 0) {
		f = mgmt_res_field(r, name);
		if (f == NULL || !(f->flags & MGMT_F_FILTER)) {
			mgmt_err_add(errors, "order_by", "cannot order by '%.64s'", name);
			return -EINVAL;
		}
	}
	if (q->n_order == MGMT_QUERY_MAX_ORDER) {
		mgmt_err_add(errors, "order_by", "at most %d order_by fields",
			     MGMT_QUERY_MAX_ORDER);
		return -EINVAL;
	}
	q->order[q->n_order] = f;
	q->order_desc[q->n_order++] = desc;
	return 0;
}

static bool
op_allowed(const struct mgmt_field *f, enum mgmt_query_op op)
{
	enum mgmt_ftype t = f != NULL ? f->type : MGMT_FT_INT;

	switch (t) {
	case MGMT_FT_STRING:
		return op <= MGMT_OP_IENDSWITH;
	case MGMT_FT_ENUM:
		return op == MGMT_OP_EXACT || op == MGMT_OP_IEXACT;
	case MGMT_FT_INT:
	case MGMT_FT_DATETIME:
		return op == MGMT_OP_EXACT || op >= MGMT_OP_GT;
	default:
		return op == MGMT_OP_EXACT;
	}
}

/* The id of a text_id resource, filtered as a string. */
static const struct mgmt_field text_id_field = {
	.name = "id", .column = "id", .type = MGMT_FT_STRING, .flags = MGMT_F_FILTER};

/* Convert the value for the field type. @return 0 or -EINVAL (message added). */
static int
filter_value(const struct mgmt_resource *r, struct mgmt_query_filter *flt, const char *key,
	     const char *v, json_t *errors)
{
	const struct mgmt_field *f = flt->field;
	enum mgmt_ftype t = f != NULL ? f->type : MGMT_FT_INT;
	json_t *tmp;
	int rc;

	switch (t) {
	case MGMT_FT_INT:
		flt->is_int = true;
		if (parse_int(v, &flt->ival) == 0)
			return 0;
		mgmt_err_add(errors, key, "must be an integer");
		return -EINVAL;
	case MGMT_FT_BOOL:
		flt->is_int = true;
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "True") == 0)
			flt->ival = 1;
		else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "False") == 0)
			flt->ival = 0;
		else
			break;
		return 0;
	case MGMT_FT_REF:
		flt->is_int = true;
		if (mgmt_res_parse_id(v, &flt->ival) == 0)
			return 0;
		tmp = json_string(v);
		rc = tmp != NULL ? mgmt_res_parse_ref(mgmt_res_ref(r, f), tmp, &flt->ival) : -1;
		json_decref(tmp);
		if (rc == 0)
			return 0;
		mgmt_err_add(errors, key, "must be an id or a %s resource URI", f->ref);
		return -EINVAL;
	default:
		if (strlen(v) >= sizeof(flt->sval)) {
			mgmt_err_add(errors, key, "value too long");
			return -EINVAL;
		}
		strcpy(flt->sval, v);
		return 0;
	}
	mgmt_err_add(errors, key, "must be true or false");
	return -EINVAL;
}

int
mgmt_query_add(struct mgmt_query *q, const struct mgmt_resource *r, const char *key,
	       const char *value, json_t *errors)
{
	char name[128];
	const char *sep = strstr(key, "__");
	enum mgmt_query_op op = MGMT_OP_EXACT;
	struct mgmt_query_filter *flt;
	size_t n = sep != NULL ? (size_t)(sep - key) : strlen(key);
	bool found = sep == NULL;
	int rc;

	if (strcmp(key, "limit") == 0) {
		if (parse_uint(value, q->max_limit, &q->limit) < 0) {
			mgmt_err_add(errors, "limit", "must be a non-negative integer");
			return -EINVAL;
		}
		if (q->limit == 0) /* tastypie: 0 = as many as allowed */
			q->limit = q->max_limit;
		return 0;
	}
	if (strcmp(key, "offset") == 0) {
		if (parse_uint(value, UINT32_MAX / 2, &q->offset) < 0) {
			mgmt_err_add(errors, "offset", "must be a non-negative integer");
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "format") == 0)
		return 0;
	if (strcmp(key, "order_by") == 0) {
		rc = add_order(q, r, value, errors);
		if (rc == 0)
			keep_append(q, key, value);
		return rc;
	}
	if (n >= sizeof(name))
		goto unknown;
	memcpy(name, key, n);
	name[n] = '\0';
	for (size_t i = 0; sep != NULL && i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (strcmp(sep + 2, op_names[i].name) == 0) {
			op = op_names[i].op;
			found = true;
		}
	}
	if (!found)
		goto unknown;
	if (q->n_filters == MGMT_QUERY_MAX_FILTERS) {
		mgmt_err_add(errors, "__all__", "at most %d filters", MGMT_QUERY_MAX_FILTERS);
		return -EINVAL;
	}
	flt = &q->filters[q->n_filters];
	memset(flt, 0, sizeof(*flt));
	if (strcmp(name, "id") != 0) {
		flt->field = mgmt_res_field(r, name);
		if (flt->field == NULL || !(flt->field->flags & MGMT_F_FILTER))
			goto unknown;
	} else if (r->text_id) {
		flt->field = &text_id_field;
	}
	flt->op = op;
	if (!op_allowed(flt->field, op)) {
		mgmt_err_add(errors, key, "filter '%s' is not allowed on this field", sep + 2);
		return -EINVAL;
	}
	if (value == NULL)
		value = "";
	if (filter_value(r, flt, key, value, errors) < 0)
		return -EINVAL;
	q->n_filters++;
	keep_append(q, key, value);
	return 0;
unknown:
	mgmt_err_add(errors, strlen(key) < 128 ? key : "__all__", "unknown filter '%.64s'", key);
	return -EINVAL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mgmt_query_unescape(const char *in, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -EINVAL;
			hi = hexval(in[i + 1]);
			lo = hexval(in[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0' || n + 1 >= cap)
			return -EINVAL;
		out[n++] = c;
	}
	out[n] = '\0';
	return (int)n;
}

int
mgmt_query_parse(struct mgmt_query *q, const struct mgmt_resource *r, const char *qs,
		 json_t *errors)
{
	char key[256], val[MGMT_QUERY_MAX_VALUE + 1];

	while (qs != NULL && *qs != '\0') {
		size_t n = strcspn(qs, "&"), kn = strcspn(qs, "=&");
		bool has_val = kn < n;

		if (n > 0) {
			if (mgmt_query_unescape(qs, kn, key, sizeof(key)) < 0 ||
			    (has_val &&
			     mgmt_query_unescape(qs + kn + 1, n - kn - 1, val, sizeof(val)) < 0)) {
				mgmt_err_add(errors, "__all__", "malformed query string");
				return -EINVAL;
			}
			if (mgmt_query_add(q, r, key, has_val ? val : NULL, errors) < 0)
				return -EINVAL;
		}
		qs += n;
		if (*qs == '&')
			qs++;
	}
	return 0;
}

static int
put(char *buf, size_t cap, size_t *n, const char *fmt, const char *a, const char *b)
{
	int k = snprintf(buf + *n, cap - *n, fmt, a, b);

	if (k < 0 || (size_t)k >= cap - *n)
		return -ENOSPC;
	*n += (size_t)k;
	return 0;
}

int
mgmt_query_sql(const struct mgmt_query *q, const struct mgmt_resource *r, char *where, size_t wcap,
	       char *order, size_t ocap)
{
	static const char *const tmpl[] = {
		[MGMT_OP_EXACT] = "%s%s = ?",
		[MGMT_OP_IEXACT] = "%slower(%s) = lower(?)",
		[MGMT_OP_CONTAINS] = "%sinstr(%s, ?) > 0",
		[MGMT_OP_ICONTAINS] = "%sinstr(lower(%s), lower(?)) > 0",
		[MGMT_OP_STARTSWITH] = "%ssubstr(%s, 1, length(?1_)) = ?1_",
		[MGMT_OP_ISTARTSWITH] = "%slower(substr(%s, 1, length(?1_))) = lower(?1_)",
		[MGMT_OP_ENDSWITH] = "%ssubstr(%s, -length(?1_)) = ?1_",
		[MGMT_OP_IENDSWITH] = "%slower(substr(%s, -length(?1_))) = lower(?1_)",
		[MGMT_OP_GT] = "%s%s > ?",
		[MGMT_OP_GTE] = "%s%s >= ?",
		[MGMT_OP_LT] = "%s%s < ?",
		[MGMT_OP_LTE] = "%s%s <= ?",
	};
	size_t wn = 0, on = 0;
	int param = 1;

	(void)r;
	where[0] = '\0';
	for (unsigned int i = 0; i < q->n_filters; i++) {
		const struct mgmt_query_filter *f = &q->filters[i];
		const char *col = f->field != NULL ? f->field->column : "id";
		char t[128], num[16];
		const char *p = tmpl[f->op], *hole;
		size_t tn = 0;

		/* "?1_" is "the same parameter twice": write explicit ?NNN indices. */
		snprintf(num, sizeof(num), "?%d", param);
		while ((hole = strstr(p, "?1_")) != NULL &&
		       tn + (size_t)(hole - p) + 16 < sizeof(t)) {
			memcpy(t + tn, p, (size_t)(hole - p));
			tn += (size_t)(hole - p);
			tn += (size_t)snprintf(t + tn, sizeof(t) - tn, "%s", num);
			p = hole + 3;
		}
		if (tn + strlen(p) + 1 > sizeof(t))
			return -ENOSPC;
		strcpy(t + tn, p);
		if (tn == 0) {
			/* Single use: number it too, so indices stay aligned with binds. */
			char *qm = strchr(t, '?');

			if (qm != NULL && strlen(t) + strlen(num) < sizeof(t)) {
				memmove(qm + strlen(num), qm + 1, strlen(qm + 1) + 1);
				memcpy(qm, num, strlen(num));
			}
		}
		if (put(where, wcap, &wn, t, i == 0 ? " WHERE " : " AND ", col) < 0)
			return -ENOSPC;
		/*
		 * A prefix is also a range, and unique columns have an index to
		 * search it: every string with the prefix sorts between the prefix
		 * and the prefix followed by U+10FFFF, whatever the collation.
		 */
		if (f->op == MGMT_OP_STARTSWITH && f->field != NULL &&
		    (f->field->flags & MGMT_F_UNIQUE) &&
		    (put(where, wcap, &wn, " AND %s >= %s", col, num) < 0 ||
		     put(where, wcap, &wn, " AND %s < %s || char(1114111)", col, num) < 0))
			return -ENOSPC;
		param++;
	}
	order[0] = '\0';
	for (unsigned int i = 0; i < q->n_order; i++) {
		const char *col = q->order[i] != NULL ? q->order[i]->column : "id";

		if (put(order, ocap, &on, "%s%s", i == 0 ? " ORDER BY " : ", ", col) < 0 ||
		    put(order, ocap, &on, "%s%s", q->order_desc[i] ? " DESC" : "", "") < 0)
			return -ENOSPC;
	}
	if (put(order, ocap, &on, "%s%s", q->n_order == 0 ? " ORDER BY " : ", ", "id") < 0)
		return -ENOSPC;
	return 0;
}

int
mgmt_query_bind(const struct mgmt_query *q, sqlite3_stmt *st, int first)
{
	for (unsigned int i = 0; i < q->n_filters; i++) {
		const struct mgmt_query_filter *f = &q->filters[i];
		int rc;

		if (f->is_int)
			rc = sqlite3_bind_int64(st, first + (int)i, f->ival);
		else
			rc = sqlite3_bind_text(st, first + (int)i, f->sval, -1, SQLITE_TRANSIENT);
		if (rc != SQLITE_OK)
			return -EIO;
	}
	return first + (int)q->n_filters;
}
