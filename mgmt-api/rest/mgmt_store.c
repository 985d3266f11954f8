/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_store.c - table-driven SELECT/INSERT/UPDATE/DELETE and JSON rows.
 *
 * SQL text is assembled only from the table and column names of the
 * resource descriptions (constants); every value is bound.
 *
 * Context: see mgmt_store.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "mgmt_auth.h"
#include "mgmt_db.h"
#include "mgmt_store.h"
#include "mgmt_valid.h"
#include "tsr_log.h"

#define SQL_MAX 4096

static bool
has_column(const struct mgmt_field *f)
{
	return f->column != NULL && !(f->flags & MGMT_F_WRITEONLY);
}

static int
append(char *buf, size_t cap, size_t *n, const char *s)
{
	size_t l = strlen(s);

	if (*n + l + 1 > cap)
		return -ENOSPC;
	memcpy(buf + *n, s, l + 1);
	*n += l;
	return 0;
}

/* "SELECT id, c1, c2 ... FROM table" with the readable columns in field order. */
static int
select_sql(const struct mgmt_resource *r, char *buf, size_t cap, size_t *n)
{
	*n = 0;
	if (append(buf, cap, n, "SELECT id") < 0)
		return -ENOSPC;
	for (size_t i = 0; i < r->n_fields; i++) {
		if (!has_column(&r->fields[i]))
			continue;
		if (append(buf, cap, n, ", ") < 0 || append(buf, cap, n, r->fields[i].column) < 0)
			return -ENOSPC;
	}
	if (append(buf, cap, n, " FROM ") < 0 || append(buf, cap, n, r->table) < 0)
		return -ENOSPC;
	return 0;
}

static json_t *
ref_uri(const struct mgmt_resource *rr, int64_t id)
{
	char uri[160];

	if (rr == NULL || mgmt_res_uri(rr, id, uri, sizeof(uri)) < 0)
		return json_null();
	return json_string(uri);
}

static int row_to_json(const struct mgmt_resource *r, sqlite3 *h, sqlite3_stmt *st, bool lists,
		       json_t **out);

/* Links of a REFLIST field, in insertion order. */
static json_t *
load_reflist(const struct mgmt_resource *r, const struct mgmt_field *f, sqlite3 *h, int64_t id)
{
	char sql[256];
	sqlite3_stmt *st;
	json_t *list = json_array();

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s = ? ORDER BY rowid", f->join_other,
		 f->join_table, f->join_self);
	if (list == NULL || mgmt_db_prepare(h, sql, &st) != SQLITE_OK) {
		json_decref(list);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(list,
				      ref_uri(mgmt_res_ref(r, f), sqlite3_column_int64(st, 0)));
	mgmt_db_release(st);
	return list;
}

static json_t *
load_children(const struct mgmt_resource *r, const struct mgmt_field *f, sqlite3 *h, int64_t id)
{
	const struct mgmt_resource *cr = mgmt_res_ref(r, f);
	char sql[SQL_MAX];
	size_t n;
	sqlite3_stmt *st;
	json_t *list = json_array(), *o;

	if (list == NULL || select_sql(cr, sql, sizeof(sql), &n) < 0 ||
	    snprintf(sql + n, sizeof(sql) - n, " WHERE %s = ? ORDER BY id", f->join_self) < 0 ||
	    mgmt_db_prepare(h, sql, &st) != SQLITE_OK) {
		json_decref(list);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (row_to_json(cr, h, st, true, &o) == 0)
			json_array_append_new(list, o);
	mgmt_db_release(st);
	return list;
}

static json_t *
column_json(const struct mgmt_resource *r, const struct mgmt_field *f, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	switch (f->type) {
	case MGMT_FT_INT:
		return json_integer(sqlite3_column_int64(st, col));
	case MGMT_FT_BOOL:
		return json_boolean(sqlite3_column_int64(st, col) != 0);
	case MGMT_FT_REF:
		return ref_uri(mgmt_res_ref(r, f), sqlite3_column_int64(st, col));
	case MGMT_FT_REAL:
		return json_real(sqlite3_column_double(st, col));
	default:
		return json_string((const char *)sqlite3_column_text(st, col));
	}
}

/*
 * One row as the API's object. @p lists false leaves REFLIST/CHILDREN fields
 * as empty arrays for the caller to fill (a page loads them in one query).
 */
static int
row_to_json(const struct mgmt_resource *r, sqlite3 *h, sqlite3_stmt *st, bool lists,
	    json_t **out)
{
	int64_t id = sqlite3_column_int64(st, 0);
	const char *key = (const char *)sqlite3_column_text(st, 0);
	json_t *o = json_object(), *v;
	char uri[192];
	int col = 1;

	if (o == NULL)
		return -ENOMEM;
	if (r->text_id)
		json_object_set_new(o, "id", json_string(key != NULL ? key : ""));
	else
		json_object_set_new(o, "id", json_integer(id));
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct mgmt_field *f = &r->fields[i];

		if (f->flags & MGMT_F_WRITEONLY)
			continue;
		if ((f->type == MGMT_FT_REFLIST || f->type == MGMT_FT_CHILDREN) && !lists)
			v = json_array();
		else if (f->type == MGMT_FT_REFLIST)
			v = load_reflist(r, f, h, id);
		else if (f->type == MGMT_FT_CHILDREN)
			v = load_children(r, f, h, id);
		else
			v = column_json(r, f, st, col++);
		if (v == NULL) {
			json_decref(o);
			return -EIO;
		}
		json_object_set_new(o, f->name, v);
	}
	if (r->text_id)
		json_object_set_new(o, "resource_uri",
				    key != NULL && mgmt_res_uri_key(r, key, uri, sizeof(uri)) > 0
					    ? json_string(uri)
					    : json_null());
	else
		json_object_set_new(o, "resource_uri", ref_uri(r, id));
	*out = o;
	return 0;
}

int
mgmt_store_get(const struct mgmt_resource *r, sqlite3 *h, int64_t id, json_t **out)
{
	char sql[SQL_MAX];
	size_t n;
	sqlite3_stmt *st;
	int rc;

	if (select_sql(r, sql, sizeof(sql), &n) < 0 ||
	    append(sql, sizeof(sql), &n, " WHERE id = ?") < 0)
		return -ENOSPC;
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = row_to_json(r, h, st, true, out);
	else
		rc = rc == SQLITE_DONE ? -ENOENT : mgmt_db_errno(sqlite3_extended_errcode(h));
	mgmt_db_release(st);
	return rc;
}

int
mgmt_store_get_key(const struct mgmt_resource *r, sqlite3 *h, const char *key, json_t **out)
{
	char sql[SQL_MAX];
	size_t n;
	sqlite3_stmt *st;
	int rc;

	if (select_sql(r, sql, sizeof(sql), &n) < 0 ||
	    append(sql, sizeof(sql), &n, " WHERE id = ?") < 0)
		return -ENOSPC;
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = row_to_json(r, h, st, true, out);
	else
		rc = rc == SQLITE_DONE ? -ENOENT : mgmt_db_errno(sqlite3_extended_errcode(h));
	mgmt_db_release(st);
	return rc;
}

/* Page rows: object and id, sorted by id for lookups. */
struct page_row {
	int64_t id;
	json_t *obj; /* borrowed from the page array */
};

static int
cmp_row(const void *a, const void *b)
{
	const struct page_row *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static json_t *
page_list(struct page_row *rows, size_t n, int64_t id, const char *field)
{
	struct page_row key = {.id = id}, *hit = bsearch(&key, rows, n, sizeof(*rows), cmp_row);

	return hit != NULL ? json_object_get(hit->obj, field) : NULL;
}

/*
 * Fill the REFLIST and CHILDREN fields of a whole page with one query per
 * field (WHERE parent IN the page's ids) instead of one per row and field.
 */
static int
fill_lists(const struct mgmt_resource *r, sqlite3 *h, struct page_row *rows, size_t n,
	   const char *ids)
{
	char sql[SQL_MAX];
	size_t k;
	sqlite3_stmt *st;
	int rc = 0;

	for (size_t i = 0; i < r->n_fields && rc == 0; i++) {
		const struct mgmt_field *f = &r->fields[i];
		const struct mgmt_resource *cr;

		if (f->type != MGMT_FT_REFLIST && f->type != MGMT_FT_CHILDREN)
			continue;
		cr = mgmt_res_ref(r, f);
		if (f->type == MGMT_FT_REFLIST) {
			snprintf(sql, sizeof(sql),
				 "SELECT %s, %s FROM %s WHERE %s IN (SELECT value FROM json_each(?))"
				 " ORDER BY %s, rowid",
				 f->join_self, f->join_other, f->join_table, f->join_self,
				 f->join_self);
		} else if (f->type == MGMT_FT_CHILDREN) {
			/* The child's columns, then the parent id at the end. */
			if (select_sql(cr, sql, sizeof(sql), &k) < 0)
				return -ENOSPC;
			snprintf(sql + k - strlen(" FROM ") - strlen(cr->table), sizeof(sql) - k,
				 ", %s FROM %s WHERE %s IN (SELECT value FROM json_each(?)) ORDER BY"
				 " %s, id",
				 f->join_self, cr->table, f->join_self, f->join_self);
		}
		if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
			return -EIO;
		sqlite3_bind_text(st, 1, ids, -1, SQLITE_STATIC);
		while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
			int last = sqlite3_column_count(st) - 1;
			json_t *list, *o = NULL;

			if (f->type == MGMT_FT_REFLIST) {
				list = page_list(rows, n, sqlite3_column_int64(st, 0), f->name);
				if (list != NULL)
					json_array_append_new(list,
							      ref_uri(cr, sqlite3_column_int64(st, 1)));
				continue;
			}
			list = page_list(rows, n, sqlite3_column_int64(st, last), f->name);
			if (list == NULL)
				continue;
			rc = row_to_json(cr, h, st, true, &o);
			if (rc == 0)
				json_array_append_new(list, o);
		}
		mgmt_db_release(st);
	}
	return rc;
}

static bool
has_lists(const struct mgmt_resource *r)
{
	for (size_t i = 0; i < r->n_fields; i++)
		if (r->fields[i].type == MGMT_FT_REFLIST || r->fields[i].type == MGMT_FT_CHILDREN)
			return true;
	return false;
}

/* The list fields of every object of a page. */
static int
page_lists(const struct mgmt_resource *r, sqlite3 *h, json_t *list)
{
	size_t n = json_array_size(list), used = 1, i;
	struct page_row *rows;
	char *ids;
	json_t *o;
	int rc;

	if (n == 0 || !has_lists(r))
		return 0;
	rows = calloc(n, sizeof(*rows));
	ids = malloc(n * 21 + 3);
	if (rows == NULL || ids == NULL) {
		free(rows);
		free(ids);
		return -ENOMEM;
	}
	ids[0] = '[';
	json_array_foreach(list, i, o)
	{
		rows[i].id = json_integer_value(json_object_get(o, "id"));
		rows[i].obj = o;
		used += (size_t)sprintf(ids + used, "%s%" PRId64, i ? "," : "", rows[i].id);
	}
	strcpy(ids + used, "]");
	qsort(rows, n, sizeof(*rows), cmp_row);
	rc = fill_lists(r, h, rows, n, ids);
	free(rows);
	free(ids);
	return rc;
}

/* The number of rows matching the filters of @p q (@p where from mgmt_query_sql()). */
static int
count_rows(const struct mgmt_resource *r, sqlite3 *h, const struct mgmt_query *q,
	   const char *where, int64_t *total)
{
	char sql[SQL_MAX];
	sqlite3_stmt *st;

	if (snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s%s", r->table, where) >=
	    (int)sizeof(sql))
		return -ENOSPC;
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	if (mgmt_query_bind(q, st, 1) < 0 || sqlite3_step(st) != SQLITE_ROW) {
		mgmt_db_release(st);
		return -EIO;
	}
	*total = sqlite3_column_int64(st, 0);
	mgmt_db_release(st);
	return 0;
}

int
mgmt_store_list(const struct mgmt_resource *r, sqlite3 *h, const struct mgmt_query *q,
		json_t **objects, int64_t *total)
{
	char sql[SQL_MAX], where[2048], order[512];
	size_t n;
	sqlite3_stmt *st;
	json_t *list, *o;
	int rc, p;

	if (mgmt_query_sql(q, r, where, sizeof(where), order, sizeof(order)) < 0)
		return -ENOSPC;
	/* The total first, with the same filters. */
	rc = count_rows(r, h, q, where, total);
	if (rc < 0)
		return rc;

	if (select_sql(r, sql, sizeof(sql), &n) < 0 || append(sql, sizeof(sql), &n, where) < 0 ||
	    append(sql, sizeof(sql), &n, order) < 0 ||
	    append(sql, sizeof(sql), &n, " LIMIT ? OFFSET ?") < 0)
		return -ENOSPC;
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	p = mgmt_query_bind(q, st, 1);
	if (p < 0) {
		mgmt_db_release(st);
		return -EIO;
	}
	sqlite3_bind_int64(st, p, q->limit);
	sqlite3_bind_int64(st, p + 1, q->offset);
	list = json_array();
	if (list == NULL) {
		mgmt_db_release(st);
		return -ENOMEM;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row_to_json(r, h, st, r->text_id, &o) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		json_array_append_new(list, o);
	}
	mgmt_db_release(st);
	if (rc != SQLITE_DONE || (!r->text_id && page_lists(r, h, list) < 0)) {
		json_decref(list);
		return -EIO;
	}
	*objects = list;
	return 0;
}

/* ---- reads straight to JSON text --------------------------------------------------------- */

/*
 * The same objects as row_to_json() and json_dumps(JSON_COMPACT) would give,
 * written directly into a text buffer: building jansson trees (a hash
 * table and an allocation per field) was most of the cost of a GET.
 */
struct tb {
	char *p;
	size_t n, cap;
	bool oom;
};

static void
tb_put(struct tb *b, const char *s, size_t len)
{
	if (b->oom)
		return;
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->n + len + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

static void
tb_str(struct tb *b, const char *s)
{
	tb_put(b, s, strlen(s));
}

/* A JSON string as jansson writes it: ", \ and control characters escaped. */
static void
tb_json_string(struct tb *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	tb_put(b, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		tb_put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			tb_put(b, "\\\"", 2);
			break;
		case '\\':
			tb_put(b, "\\\\", 2);
			break;
		case '\b':
			tb_put(b, "\\b", 2);
			break;
		case '\f':
			tb_put(b, "\\f", 2);
			break;
		case '\n':
			tb_put(b, "\\n", 2);
			break;
		case '\r':
			tb_put(b, "\\r", 2);
			break;
		case '\t':
			tb_put(b, "\\t", 2);
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			tb_put(b, esc, 6);
		}
	}
	tb_put(b, s + run, len - run);
	tb_put(b, "\"", 1);
}

static void
tb_uri(struct tb *b, const struct mgmt_resource *rr, int64_t id)
{
	char uri[160];
	int n;

	if (rr == NULL || (n = mgmt_res_uri(rr, id, uri, sizeof(uri))) < 0)
		tb_str(b, "null");
	else
		tb_json_string(b, uri, (size_t)n);
}

static void
tb_column(struct tb *b, const struct mgmt_resource *r, const struct mgmt_field *f,
	  sqlite3_stmt *st, int col)
{
	char num[32];
	const char *t;

	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		tb_str(b, "null");
		return;
	}
	switch (f->type) {
	case MGMT_FT_INT:
		snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(st, col));
		tb_str(b, num);
		return;
	case MGMT_FT_BOOL:
		tb_str(b, sqlite3_column_int64(st, col) != 0 ? "true" : "false");
		return;
	case MGMT_FT_REF:
		tb_uri(b, mgmt_res_ref(r, f), sqlite3_column_int64(st, col));
		return;
	case MGMT_FT_REAL: {
		json_t *v = json_real(sqlite3_column_double(st, col));
		char *d = v != NULL ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

		tb_str(b, d != NULL ? d : "null");
		free(d);
		json_decref(v);
		return;
	}
	default:
		t = (const char *)sqlite3_column_text(st, col);
		tb_json_string(b, t != NULL ? t : "", (size_t)sqlite3_column_bytes(st, col));
	}
}

/* The list fields of one page, as text fragments per (field, row). */
struct frags {
	size_t n_rows;
	int64_t *ids;   /* sorted */
	struct tb *tbs; /* [field index * n_rows + row] */
};

static struct tb *
frag_of(struct frags *fr, size_t field, int64_t id)
{
	size_t lo = 0, hi = fr->n_rows;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (fr->ids[mid] < id)
			lo = mid + 1;
		else if (fr->ids[mid] > id)
			hi = mid;
		else
			return &fr->tbs[field * fr->n_rows + mid];
	}
	return NULL;
}

static int row_to_text(const struct mgmt_resource *r, sqlite3_stmt *st, struct frags *fr,
		       struct tb *b);

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* One query per list field for every id of the page (json_each of the ids). */
static int
load_frags(const struct mgmt_resource *r, sqlite3 *h, struct frags *fr)
{
	struct tb ids = {0};
	char sql[SQL_MAX], num[32];
	sqlite3_stmt *st;
	size_t k;
	int rc = 0;

	tb_put(&ids, "[", 1);
	for (size_t i = 0; i < fr->n_rows; i++) {
		snprintf(num, sizeof(num), "%s%lld", i ? "," : "", (long long)fr->ids[i]);
		tb_str(&ids, num);
	}
	tb_put(&ids, "]", 1);
	for (size_t i = 0; i < r->n_fields && rc == 0 && !ids.oom; i++) {
		const struct mgmt_field *f = &r->fields[i];
		const struct mgmt_resource *cr;

		if (f->type != MGMT_FT_REFLIST && f->type != MGMT_FT_CHILDREN)
			continue;
		cr = mgmt_res_ref(r, f);
		if (f->type == MGMT_FT_REFLIST) {
			snprintf(sql, sizeof(sql),
				 "SELECT %s, %s FROM %s WHERE %s IN (SELECT value FROM json_each(?))"
				 " ORDER BY %s, rowid",
				 f->join_self, f->join_other, f->join_table, f->join_self,
				 f->join_self);
		} else {
			if (select_sql(cr, sql, sizeof(sql), &k) < 0)
				return -ENOSPC;
			snprintf(sql + k - strlen(" FROM ") - strlen(cr->table), sizeof(sql) - k,
				 ", %s FROM %s WHERE %s IN (SELECT value FROM json_each(?)) ORDER BY"
				 " %s, id",
				 f->join_self, cr->table, f->join_self, f->join_self);
		}
		if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK) {
			rc = -EIO;
			break;
		}
		sqlite3_bind_text(st, 1, ids.p, (int)ids.n, SQLITE_STATIC);
		while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
			bool reflist = f->type == MGMT_FT_REFLIST;
			int64_t owner = sqlite3_column_int64(
				st, reflist ? 0 : sqlite3_column_count(st) - 1);
			struct tb *t = frag_of(fr, i, owner);

			if (t == NULL)
				continue;
			if (t->n > 0)
				tb_put(t, ",", 1);
			if (reflist)
				tb_uri(t, cr, sqlite3_column_int64(st, 1));
			else
				rc = row_to_text(cr, st, NULL, t);
			if (t->oom)
				rc = -ENOMEM;
		}
		mgmt_db_release(st);
	}
	free(ids.p);
	return ids.oom ? -ENOMEM : rc;
}

static int
row_to_text(const struct mgmt_resource *r, sqlite3_stmt *st, struct frags *fr, struct tb *b)
{
	int64_t id = sqlite3_column_int64(st, 0);
	char num[32];
	int col = 1;

	snprintf(num, sizeof(num), "{\"id\":%lld", (long long)id);
	tb_str(b, num);
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct mgmt_field *f = &r->fields[i];

		if (f->flags & MGMT_F_WRITEONLY)
			continue;
		tb_put(b, ",", 1);
		tb_json_string(b, f->name, strlen(f->name));
		tb_put(b, ":", 1);
		if (f->type == MGMT_FT_REFLIST || f->type == MGMT_FT_CHILDREN) {
			struct tb *t = fr != NULL ? frag_of(fr, i, id) : NULL;

			tb_put(b, "[", 1);
			if (t != NULL && t->n > 0)
				tb_put(b, t->p, t->n);
			tb_put(b, "]", 1);
		} else {
			tb_column(b, r, f, st, col++);
		}
	}
	tb_str(b, ",\"resource_uri\":");
	tb_uri(b, r, id);
	tb_put(b, "}", 1);
	return b->oom ? -ENOMEM : 0;
}

/* Two passes over @p st: the ids (for the list fields), then the rows. */
static int
emit_rows(const struct mgmt_resource *r, sqlite3 *h, sqlite3_stmt *st, struct tb *b,
	  size_t *count)
{
	struct frags fr = {0};
	size_t cap = 0, n_lists = 0;
	int rc = 0, step;

	for (size_t i = 0; i < r->n_fields; i++)
		n_lists += r->fields[i].type == MGMT_FT_REFLIST ||
			   r->fields[i].type == MGMT_FT_CHILDREN;
	if (n_lists > 0) {
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			if (fr.n_rows == cap) {
				int64_t *g = realloc(fr.ids, (cap = cap ? cap * 2 : 32) * sizeof(*g));

				if (g == NULL) {
					rc = -ENOMEM;
					break;
				}
				fr.ids = g;
			}
			fr.ids[fr.n_rows++] = sqlite3_column_int64(st, 0);
		}
		if (rc == 0 && step != SQLITE_DONE)
			rc = -EIO;
		sqlite3_reset(st); /* keeps the bindings for the second pass */
		if (rc == 0 && fr.n_rows > 0) {
			qsort(fr.ids, fr.n_rows, sizeof(*fr.ids), cmp_i64);
			fr.tbs = calloc(r->n_fields * fr.n_rows, sizeof(*fr.tbs));
			rc = fr.tbs == NULL ? -ENOMEM : load_frags(r, h, &fr);
		}
	}
	*count = 0;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*count > 0)
			tb_put(b, ",", 1);
		rc = row_to_text(r, st, n_lists > 0 ? &fr : NULL, b);
		(*count)++;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = -EIO;
	for (size_t i = 0; fr.tbs != NULL && i < r->n_fields * fr.n_rows; i++)
		free(fr.tbs[i].p);
	free(fr.tbs);
	free(fr.ids);
	return rc;
}

int
mgmt_store_get_text(const struct mgmt_resource *r, sqlite3 *h, int64_t id, char **out,
		    size_t *len)
{
	char sql[SQL_MAX];
	struct tb b = {0};
	size_t n, count = 0;
	sqlite3_stmt *st;
	int rc;

	if (r->text_id)
		return -EINVAL;
	if (select_sql(r, sql, sizeof(sql), &n) < 0 ||
	    append(sql, sizeof(sql), &n, " WHERE id = ?") < 0)
		return -ENOSPC;
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = emit_rows(r, h, st, &b, &count);
	mgmt_db_release(st);
	if (rc == 0 && count == 0)
		rc = -ENOENT;
	if (rc < 0) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.n;
	return 0;
}

int
mgmt_store_list_text(const struct mgmt_resource *r, sqlite3 *h, const struct mgmt_query *q,
		     char **objects, size_t *len, int64_t *total)
{
	char sql[SQL_MAX], where[2048], order[512];
	struct tb b = {0};
	size_t n, count;
	sqlite3_stmt *st;
	int rc, p;

	if (r->text_id)
		return -EINVAL;
	if (mgmt_query_sql(q, r, where, sizeof(where), order, sizeof(order)) < 0)
		return -ENOSPC;
	if (select_sql(r, sql, sizeof(sql), &n) < 0 || append(sql, sizeof(sql), &n, where) < 0 ||
	    append(sql, sizeof(sql), &n, order) < 0 ||
	    append(sql, sizeof(sql), &n, " LIMIT ? OFFSET ?") < 0)
		return -ENOSPC;
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	p = mgmt_query_bind(q, st, 1);
	if (p < 0) {
		mgmt_db_release(st);
		return -EIO;
	}
	sqlite3_bind_int64(st, p, q->limit);
	sqlite3_bind_int64(st, p + 1, q->offset);
	tb_put(&b, "[", 1);
	rc = emit_rows(r, h, st, &b, &count);
	tb_put(&b, "]", 1);
	mgmt_db_release(st);
	/* A short first page is the whole result: its size is the total (no count(*)). */
	if (rc == 0 && q->offset == 0 && count < q->limit)
		*total = (int64_t)count;
	else if (rc == 0)
		rc = count_rows(r, h, q, where, total);
	if (rc == 0 && b.oom)
		rc = -ENOMEM;
	if (rc < 0) {
		free(b.p);
		return rc;
	}
	*objects = b.p;
	*len = b.n;
	return 0;
}

/* ---- writes ---------------------------------------------------------------------------- */

static int
exists(sqlite3 *h, const char *table, int64_t id)
{
	char sql[128];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id = ?", table);
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	mgmt_db_release(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

/* Another row holds this unique value? @return 1, 0, -EIO. */
static int
taken(const struct mgmt_resource *r, const struct mgmt_field *f, sqlite3 *h, int64_t id,
      const char *value)
{
	char sql[256];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE %s = ? AND id != ?", r->table,
		 f->column);
	if (f->also_unique != NULL)
		/* The other table shares the namespace: any row there counts. */
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
			 " UNION ALL SELECT 1 FROM %s WHERE %s = ?1 COLLATE NOCASE", f->also_unique,
			 f->column);
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	mgmt_db_release(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

static int
check_ref(const struct mgmt_resource *r, const struct mgmt_field *f, sqlite3 *h, int64_t self,
	  int64_t ref, json_t *errors)
{
	const struct mgmt_resource *rr = mgmt_res_ref(r, f);
	int rc;

	if (rr == r && ref == self) {
		mgmt_err_add(errors, f->name, "must not refer to the object itself");
		return 0;
	}
	rc = exists(h, rr->table, ref);
	if (rc == 0)
		mgmt_err_add(errors, f->name, "%s %" PRId64 " does not exist", f->ref, ref);
	return rc < 0 ? rc : 0;
}

/* Database checks before writing: uniqueness and references. */
static int
check_db(const struct mgmt_resource *r, sqlite3 *h, int64_t id, const json_t *obj, json_t *errors)
{
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct mgmt_field *f = &r->fields[i];
		json_t *v = json_object_get(obj, f->name), *x;
		size_t k;
		int rc = 0;

		if (v == NULL || json_is_null(v))
			continue;
		if ((f->flags & MGMT_F_UNIQUE) && json_is_string(v)) {
			rc = taken(r, f, h, id, json_string_value(v));
			if (rc == 1)
				mgmt_err_add(errors, f->name, "%s with this %s already exists",
					     r->name, f->name);
		} else if (f->type == MGMT_FT_REF) {
			rc = check_ref(r, f, h, id, json_integer_value(v), errors);
		} else if (f->type == MGMT_FT_REFLIST) {
			json_array_foreach(
				v, k, x) if ((rc = check_ref(r, f, h, -1, json_integer_value(x),
							     errors)) < 0) break;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
sha1_hex(const char *s, char *out, size_t cap)
{
	unsigned char d[20];

	if (cap < 41 || gnutls_hash_fast(GNUTLS_DIG_SHA1, s, strlen(s), d) != 0)
		return -EIO;
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return 0;
}

static int
bind_field(const struct mgmt_field *f, sqlite3_stmt *st, int idx, const json_t *v,
	   const struct mgmt_store_ctx *ctx)
{
	char hash[MGMT_AUTH_HASH_MAX];
	int rc;

	if (v == NULL || json_is_null(v))
		return sqlite3_bind_null(st, idx) == SQLITE_OK ? 0 : -EIO;
	switch (f->type) {
	case MGMT_FT_INT:
	case MGMT_FT_REF:
		rc = sqlite3_bind_int64(st, idx, json_integer_value(v));
		break;
	case MGMT_FT_BOOL:
		rc = sqlite3_bind_int(st, idx, json_is_true(v));
		break;
	case MGMT_FT_PASSWORD:
		if (f->flags & MGMT_F_SHA1) {
			if (json_string_length(v) == 0)
				return sqlite3_bind_null(st, idx) == SQLITE_OK ? 0 : -EIO;
			rc = sha1_hex(json_string_value(v), hash, sizeof(hash));
		} else {
			rc = mgmt_auth_hash(ctx->pbkdf2_iterations, json_string_value(v), hash,
					    sizeof(hash));
		}
		if (rc < 0)
			return rc;
		rc = sqlite3_bind_text(st, idx, hash, -1, SQLITE_TRANSIENT);
		break;
	default:
		rc = sqlite3_bind_text(st, idx, json_string_value(v), -1, SQLITE_TRANSIENT);
	}
	return rc == SQLITE_OK ? 0 : -EIO;
}

/* Which fields the INSERT/UPDATE writes: stored columns, minus absent write-only ones. */
static bool
writes(const struct mgmt_field *f, const json_t *obj, bool insert)
{
	if (f->column == NULL)
		return false;
	if (f->type == MGMT_FT_DATETIME)
		return insert;
	if (f->flags & MGMT_F_READONLY)
		return false;
	if (f->flags & MGMT_F_WRITEONLY)
		return json_object_get(obj, f->name) != NULL;
	return true;
}

/* Report a constraint the checks above did not foresee, as a 400. */
static int
constraint_error(const struct mgmt_resource *r, sqlite3 *h, json_t *errors)
{
	int ext = sqlite3_extended_errcode(h);
	const char *msg = sqlite3_errmsg(h);

	if ((ext & 0xff) != SQLITE_CONSTRAINT)
		return mgmt_db_errno(ext);
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct mgmt_field *f = &r->fields[i];
		char needle[128];

		snprintf(needle, sizeof(needle), "%s.%s", r->table, f->column ? f->column : "-");
		if (f->column != NULL && strstr(msg, needle) != NULL) {
			mgmt_err_add(errors, f->name, "%s",
				     ext == SQLITE_CONSTRAINT_UNIQUE
					     ? "already exists"
					     : "violates a database constraint");
			return -EINVAL;
		}
	}
	mgmt_err_add(errors, "__all__", "database constraint failed: %s", msg);
	return -EINVAL;
}

static int
write_row(const struct mgmt_resource *r, sqlite3 *h, int64_t *id, const json_t *obj,
	  const struct mgmt_store_ctx *ctx, json_t *errors)
{
	char sql[SQL_MAX], vals[SQL_MAX], now[32];
	size_t n = 0, vn = 0;
	sqlite3_stmt *st;
	bool insert = *id == 0, first = true;
	int idx = 1, rc;

	mgmt_db_now(now, sizeof(now));
	if (insert) {
		snprintf(sql, sizeof(sql), "INSERT INTO %s (", r->table);
		n = strlen(sql);
	} else {
		snprintf(sql, sizeof(sql), "UPDATE %s SET ", r->table);
		n = strlen(sql);
	}
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct mgmt_field *f = &r->fields[i];

		if (!writes(f, obj, insert))
			continue;
		if ((!first && append(sql, sizeof(sql), &n, ", ") < 0) ||
		    append(sql, sizeof(sql), &n, f->column) < 0 ||
		    (!insert && append(sql, sizeof(sql), &n, " = ?") < 0) ||
		    (insert && append(vals, sizeof(vals), &vn, first ? "?" : ", ?") < 0))
			return -ENOSPC;
		first = false;
	}
	if (first) /* nothing to write (a resource of list fields only) */
		return 0;
	if (insert ? append(sql, sizeof(sql), &n, ") VALUES (") < 0 ||
			     append(sql, sizeof(sql), &n, vals) < 0 ||
			     append(sql, sizeof(sql), &n, ")") < 0
		   : append(sql, sizeof(sql), &n, " WHERE id = ?") < 0)
		return -ENOSPC;
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK) {
		TSR_ERR("mgmt.db", "cannot prepare a write\tresource=%s err=\"%s\"", r->name,
			sqlite3_errmsg(h));
		return -EIO;
	}
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct mgmt_field *f = &r->fields[i];
		json_t *v = json_object_get(obj, f->name);

		if (!writes(f, obj, insert))
			continue;
		if (f->type == MGMT_FT_DATETIME)
			rc = sqlite3_bind_text(st, idx, now, -1, SQLITE_TRANSIENT) == SQLITE_OK
				     ? 0
				     : -EIO;
		else
			rc = bind_field(f, st, idx, v, ctx);
		if (rc < 0) {
			mgmt_db_release(st);
			return rc;
		}
		idx++;
	}
	if (!insert)
		sqlite3_bind_int64(st, idx, *id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		rc = constraint_error(r, h, errors);
		mgmt_db_release(st);
		return rc;
	}
	mgmt_db_release(st);
	if (insert)
		*id = sqlite3_last_insert_rowid(h);
	else if (sqlite3_changes(h) == 0)
		return -ENOENT;
	return 0;
}

static int
write_links(const struct mgmt_field *f, sqlite3 *h, int64_t id, const json_t *ids)
{
	char sql[256];
	sqlite3_stmt *st;
	size_t k;
	json_t *x;
	int rc = 0;

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s = ?", f->join_table, f->join_self);
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	mgmt_db_release(st);
	snprintf(sql, sizeof(sql), "INSERT INTO %s (%s, %s) VALUES (?, ?)", f->join_table,
		 f->join_self, f->join_other);
	if (rc < 0 || mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	json_array_foreach(ids, k, x)
	{
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, json_integer_value(x));
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = mgmt_db_errno(sqlite3_extended_errcode(h));
			break;
		}
	}
	mgmt_db_release(st);
	return rc;
}

static int
write_children(const struct mgmt_resource *r, const struct mgmt_field *f, sqlite3 *h, int64_t id,
	       const json_t *list, const struct mgmt_store_ctx *ctx, json_t *errors)
{
	const struct mgmt_resource *cr = mgmt_res_ref(r, f);
	const struct mgmt_field *fk = NULL;
	char sql[256];
	sqlite3_stmt *st;
	size_t k;
	json_t *c;
	int rc;

	for (size_t i = 0; i < cr->n_fields; i++)
		if (cr->fields[i].column != NULL && strcmp(cr->fields[i].column, f->join_self) == 0)
			fk = &cr->fields[i];
	if (fk == NULL)
		return -EIO;
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s = ?", cr->table, f->join_self);
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	mgmt_db_release(st);
	json_array_foreach(list, k, c)
	{
		json_t *child = json_deep_copy(c), *cerr = json_object(), *cv, *m;
		const char *ck;
		int64_t cid = 0;
		size_t j;

		if (rc < 0 || child == NULL || cerr == NULL) {
			json_decref(child);
			json_decref(cerr);
			return rc < 0 ? rc : -ENOMEM;
		}
		json_object_set_new(child, fk->name, json_integer(id));
		rc = mgmt_store_write(cr, h, &cid, child, child, ctx, cerr);
		json_object_foreach(cerr, ck, cv) json_array_foreach(cv, j, m) mgmt_err_add(
			errors, f->name, "item %zu: %s: %s", k, ck, json_string_value(m));
		json_decref(child);
		json_decref(cerr);
		if (rc == -EINVAL)
			rc = 0; /* keep checking the other items; the caller sees errors */
	}
	return rc;
}

int
mgmt_store_write(const struct mgmt_resource *r, sqlite3 *h, int64_t *id, const json_t *obj,
		 const json_t *present, const struct mgmt_store_ctx *ctx, json_t *errors)
{
	size_t before = json_object_size(errors);
	bool insert = *id == 0;
	int rc;

	rc = check_db(r, h, insert ? -1 : *id, obj, errors);
	if (rc < 0)
		return rc;
	if (json_object_size(errors) != before)
		return -EINVAL;
	rc = write_row(r, h, id, obj, ctx, errors);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct mgmt_field *f = &r->fields[i];
		json_t *v = json_object_get(obj, f->name);

		if ((f->type != MGMT_FT_REFLIST && f->type != MGMT_FT_CHILDREN) || v == NULL ||
		    (!insert && json_object_get(present, f->name) == NULL))
			continue;
		rc = f->type == MGMT_FT_REFLIST ? write_links(f, h, *id, v)
						: write_children(r, f, h, *id, v, ctx, errors);
		if (rc < 0)
			return rc;
	}
	return json_object_size(errors) != before ? -EINVAL : 0;
}

int
mgmt_store_delete(const struct mgmt_resource *r, sqlite3 *h, int64_t id)
{
	char sql[128];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = ?", r->table);
	if (mgmt_db_prepare(h, sql, &st) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		rc = sqlite3_changes(h) > 0 ? 0 : -ENOENT;
	else if ((sqlite3_extended_errcode(h) & 0xff) == SQLITE_CONSTRAINT)
		rc = -EBUSY; /* ON DELETE RESTRICT reports SQLITE_CONSTRAINT_TRIGGER */
	else
		rc = mgmt_db_errno(sqlite3_extended_errcode(h));
	mgmt_db_release(st);
	return rc;
}
