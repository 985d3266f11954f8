/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_csv.c - CSV parsing, the column tables of each kind, import by
 * upsert through the REST validation and store, and export.
 *
 * Context: see mgmt_csv.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "mgmt_csv.h"
#include "mgmt_res.h"
#include "mgmt_store.h"
#include "mgmt_valid.h"

enum col_kind {
	COL_FIELD,      /* a field of the resource, same name */
	COL_ALIAS,      /* services: one alias of the service */
	COL_ALIAS_DESC, /* services: that alias's description */
	COL_REF,        /* <field>_name: a reference given by the other object's name */
	COL_CONFERENCE, /* ADP: the service the participant belongs to, by name */
	COL_NONE,       /* a column of a resource this platform does not have */
};

struct csv_col {
	const char *name;
	enum col_kind kind;
	const char *field; /* COL_FIELD, COL_REF: the resource field */
	const char *table; /* COL_REF: table of the named object */
};

struct mgmt_csv_format {
	const char *group;
	const char *service_type; /* conference formats only */
	const struct csv_col *cols;
	size_t n_cols;
	size_t n_fixed; /* columns of a file without header (the rest only by header) */
};

#define F(n) {n, COL_FIELD, n, NULL}
#define ALIAS {"alias_alias", COL_ALIAS, NULL, NULL}, {"alias_description", COL_ALIAS_DESC, NULL, NULL}
#define THEME {"ivr_theme_name", COL_REF, "ivr_theme", "ivr_theme"}
#define LOCATION {"system_location_name", COL_REF, "system_location", "system_location"}

/* Guide part 4 §2.15 FR-CSV-4, §2.16 FR-ADP-1; part 5 §2.1 FR-CSV-3. */
static const struct csv_col vmr_cols[] = {
	F("name"), F("description"), F("pin"), F("allow_guests"), F("guest_pin"), ALIAS, F("tag"),
	F("max_callrate_in"), F("max_callrate_out"), F("call_type"), F("host_view"),
	F("enable_overlay_text"), THEME, F("participant_limit"), F("primary_owner_email_address"),
};
static const struct csv_col va_cols[] = {
	F("name"), F("description"), F("pin"), F("allow_guests"), F("guest_pin"), ALIAS, F("tag"),
	F("max_callrate_in"), F("max_callrate_out"), F("call_type"), F("host_view"),
	F("guest_view"), F("force_presenter_into_main"), F("enable_overlay_text"), THEME,
	F("participant_limit"), F("mute_all_guests"),
};
static const struct csv_col vr_cols[] = {
	F("name"), F("description"), ALIAS, F("tag"), F("max_callrate_in"), F("max_callrate_out"),
	F("call_type"), THEME, {"mssip_proxy_name", COL_NONE, NULL, NULL}, F("match_string"),
	F("replace_string"), LOCATION,
};
static const struct csv_col adp_cols[] = {
	F("alias"), F("remote_display_name"), F("description"), F("protocol"),
	F("dtmf_sequence"), F("role"), F("streaming"), F("keep_conference_alive"),
	F("call_type"), F("routing"), F("presentation_url"), LOCATION,
	{"conference_name", COL_CONFERENCE, NULL, NULL},
};
static const struct csv_col device_cols[] = {
	F("alias"), F("tag"), F("description"), F("username"), F("password"),
	F("primary_owner_email_address"), F("sync_tag"),
};

#define N(a) (sizeof(a) / sizeof(a[0]))

static const struct mgmt_csv_format formats[] = {
	{"conference", "conference", vmr_cols, N(vmr_cols), N(vmr_cols)},
	{"conference", "lecture", va_cols, N(va_cols), N(va_cols)},
	{"conference", "two_stage_dialing", vr_cols, N(vr_cols), N(vr_cols)},
	{"automatic_participant", NULL, adp_cols, N(adp_cols), N(adp_cols)},
	{"device", NULL, device_cols, N(device_cols), 6},
};

const struct mgmt_csv_format *
mgmt_csv_format_lookup(const char *group, const char *service_type)
{
	for (size_t i = 0; i < N(formats); i++) {
		if (strcmp(formats[i].group, group) != 0)
			continue;
		if (formats[i].service_type == NULL ||
		    (service_type != NULL && strcmp(formats[i].service_type, service_type) == 0))
			return &formats[i];
	}
	return NULL;
}

/* ---- parsing (RFC 4180) ------------------------------------------------------------------- */

static bool
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			k = 1, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			k = 2, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			k = 3, cp = c & 0x07;
		else
			return false;
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

struct growbuf {
	char *p;
	size_t len, cap;
};

static int
gb_put(struct growbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static void
row_error(json_t *errors, size_t row, const char *col, const char *fmt, const char *arg)
{
	char key[32];
	json_t *o;

	snprintf(key, sizeof(key), "row %zu", row);
	o = json_object_get(errors, key);
	if (o == NULL) {
		if (json_object_size(errors) >= MGMT_CSV_MAX_ERROR_ROWS)
			return;
		o = json_object();
		if (o == NULL || json_object_set_new(errors, key, o) < 0)
			return;
	}
	mgmt_err_add(o, col, fmt, arg);
}

void
mgmt_csv_rows_free(struct mgmt_csv_rows *rows)
{
	for (size_t i = 0; i < rows->n_rows; i++) {
		for (size_t k = 0; k < rows->n_cells[i]; k++)
			free(rows->cells[i][k]);
		free(rows->cells[i]);
	}
	free(rows->cells);
	free(rows->n_cells);
	memset(rows, 0, sizeof(*rows));
}

static int
add_row(struct mgmt_csv_rows *rows, char **cells, size_t n)
{
	char ***c;
	size_t *nc;

	c = realloc(rows->cells, (rows->n_rows + 1) * sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	rows->cells = c;
	nc = realloc(rows->n_cells, (rows->n_rows + 1) * sizeof(*nc));
	if (nc == NULL)
		return -ENOMEM;
	rows->n_cells = nc;
	rows->cells[rows->n_rows] = cells;
	rows->n_cells[rows->n_rows++] = n;
	return 0;
}

/* One record starting at *pos; @return 0, 1 (an empty line, skipped), -EINVAL, -ENOMEM. */
static int
parse_record(const char *s, size_t len, size_t *pos, char ***out, size_t *n_out, const char **why)
{
	char **cells = NULL;
	size_t n = 0, i = *pos;
	struct growbuf cell = {0};
	bool done = false;
	int rc = 0;

	if (i < len && (s[i] == '\n' || s[i] == '\r')) {
		i += s[i] == '\r' && i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
		*pos = i;
		return 1;
	}
	while (!done && rc == 0) {
		cell.len = 0;
		if (gb_put(&cell, "", 0) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (i < len && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= len) {
					*why = "unterminated quoted field";
					rc = -EINVAL;
					break;
				}
				if (s[i] == '"' && i + 1 < len && s[i + 1] == '"') {
					rc = gb_put(&cell, "\"", 1);
					i += 2;
				} else if (s[i] == '"') {
					i++;
					break;
				} else {
					rc = gb_put(&cell, s + i, 1);
					i++;
				}
				if (rc < 0)
					break;
			}
			if (rc == 0 && i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
				*why = "text after a closing quote";
				rc = -EINVAL;
			}
		} else {
			size_t start = i;

			while (i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
				if (s[i] == '"') {
					*why = "a quote inside an unquoted field";
					rc = -EINVAL;
					break;
				}
				i++;
			}
			if (rc == 0)
				rc = gb_put(&cell, s + start, i - start);
		}
		if (rc < 0)
			break;
		if (cell.len > MGMT_CSV_MAX_CELL) {
			*why = "a field longer than 4096 bytes";
			rc = -EINVAL;
			break;
		}
		if (n == MGMT_CSV_MAX_COLS) {
			*why = "more than 64 fields";
			rc = -EINVAL;
			break;
		}
		{
			char **g = realloc(cells, (n + 1) * sizeof(*g));

			if (g == NULL) {
				rc = -ENOMEM;
				break;
			}
			cells = g;
			cells[n] = strdup(cell.p);
			if (cells[n++] == NULL) {
				rc = -ENOMEM;
				break;
			}
		}
		if (i >= len) {
			done = true;
		} else if (s[i] == ',') {
			i++;
		} else {
			i += s[i] == '\r' && i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
			done = true;
		}
	}
	free(cell.p);
	if (rc < 0) {
		for (size_t k = 0; k < n; k++)
			free(cells[k]);
		free(cells);
		/* Resynchronise after a bad record: skip to the next line. */
		while (i < len && s[i] != '\n')
			i++;
		*pos = i < len ? i + 1 : len;
		return rc;
	}
	*pos = i;
	*out = cells;
	*n_out = n;
	return 0;
}

int
mgmt_csv_parse(const char *buf, size_t len, json_t *errors, struct mgmt_csv_rows *out)
{
	size_t pos = 0, record = 0;
	const char *why = NULL;
	bool bad = false;

	memset(out, 0, sizeof(*out));
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	if (!valid_utf8((const unsigned char *)buf + pos, len - pos)) {
		mgmt_err_add(errors, "__all__", "the file must be UTF-8 text without NUL bytes");
		return -EINVAL;
	}
	while (pos < len) {
		char **cells = NULL;
		size_t n = 0;
		int rc = parse_record(buf, len, &pos, &cells, &n, &why);

		if (rc == 1)
			continue;
		record++;
		if (record > MGMT_CSV_MAX_ROWS) {
			mgmt_err_add(errors, "__all__", "more than %d rows", MGMT_CSV_MAX_ROWS);
			mgmt_csv_rows_free(out);
			return -EINVAL;
		}
		if (rc == -ENOMEM) {
			mgmt_csv_rows_free(out);
			return -ENOMEM;
		}
		if (rc == -EINVAL) {
			row_error(errors, record, "__all__", "malformed CSV: %s", why);
			bad = true;
			/* Keep the numbering: an empty placeholder row. */
			cells = NULL;
			n = 0;
		}
		if (add_row(out, cells, n) < 0) {
			for (size_t k = 0; k < n; k++)
				free(cells[k]);
			free(cells);
			mgmt_csv_rows_free(out);
			return -ENOMEM;
		}
	}
	if (bad) {
		mgmt_csv_rows_free(out);
		return -EINVAL;
	}
	return 0;
}

/* ---- device password encryption -------------------------------------------------------- */

#define ENC_PREFIX "$enc1$"

static int
secret_aead(const struct mgmt_csv_ctx *ctx, gnutls_aead_cipher_hd_t *hd)
{
	gnutls_datum_t key = {.data = (unsigned char *)ctx->secret, .size = MGMT_CSV_SECRET_LEN};

	if (ctx->secret == NULL)
		return -ENOKEY;
	return gnutls_aead_cipher_init(hd, GNUTLS_CIPHER_AES_256_GCM, &key) == 0 ? 0 : -EIO;
}

/* "$enc1$" + base64(nonce 12 | ciphertext | tag 16); @return owned string or NULL. */
static char *
encrypt_secret(const struct mgmt_csv_ctx *ctx, const char *plain)
{
	unsigned char raw[12 + 256 + 16];
	size_t plen = strlen(plain), clen = sizeof(raw) - 12;
	gnutls_aead_cipher_hd_t hd;
	gnutls_datum_t in = {.data = raw}, b64 = {0};
	char *out = NULL;

	if (plen > 200 || secret_aead(ctx, &hd) < 0)
		return NULL;
	if (gnutls_rnd(GNUTLS_RND_NONCE, raw, 12) == 0 &&
	    gnutls_aead_cipher_encrypt(hd, raw, 12, ENC_PREFIX, strlen(ENC_PREFIX), 16, plain, plen,
				       raw + 12, &clen) == 0) {
		in.size = (unsigned int)(12 + clen);
		if (gnutls_base64_encode2(&in, &b64) == 0) {
			out = malloc(strlen(ENC_PREFIX) + b64.size + 1);
			if (out != NULL)
				sprintf(out, "%s%.*s", ENC_PREFIX, (int)b64.size, b64.data);
			gnutls_free(b64.data);
		}
	}
	gnutls_aead_cipher_deinit(hd);
	return out;
}

/* @return 0 with @p out set, -ENOKEY, -EINVAL (not ours / tampered). */
static int
decrypt_secret(const struct mgmt_csv_ctx *ctx, const char *enc, char *out, size_t cap)
{
	gnutls_datum_t in = {.data = (unsigned char *)enc + strlen(ENC_PREFIX)}, raw = {0};
	gnutls_aead_cipher_hd_t hd;
	size_t plen = cap - 1;
	int rc = -EINVAL;

	in.size = (unsigned int)strlen((const char *)in.data);
	if (secret_aead(ctx, &hd) < 0)
		return -ENOKEY;
	if (gnutls_base64_decode2(&in, &raw) == 0 && raw.size >= 12 + 16 &&
	    gnutls_aead_cipher_decrypt(hd, raw.data, 12, ENC_PREFIX, strlen(ENC_PREFIX), 16,
				       raw.data + 12, raw.size - 12, out, &plen) == 0 &&
	    memchr(out, '\0', plen) == NULL) {
		out[plen] = '\0';
		rc = 0;
	}
	gnutls_free(raw.data);
	gnutls_aead_cipher_deinit(hd);
	return rc;
}

/* ---- import ---------------------------------------------------------------------------- */

/* Column index per format column for this file; @return data start row, or -EINVAL. */
static int
map_columns(const struct mgmt_csv_format *fmt, const struct mgmt_csv_rows *rows, int *map,
	    json_t *errors)
{
	bool header = rows->n_rows > 0 && rows->n_cells[0] > 0;

	for (size_t c = 0; c < fmt->n_cols; c++)
		map[c] = c < fmt->n_fixed ? (int)c : -1;
	/* A header is a first row of column names only, none twice (FR-CSV-3). */
	for (size_t k = 0; header && k < rows->n_cells[0]; k++) {
		bool known = false;

		for (size_t c = 0; c < fmt->n_cols; c++)
			known |= strcmp(rows->cells[0][k], fmt->cols[c].name) == 0;
		for (size_t j = 0; j < k; j++)
			known &= strcmp(rows->cells[0][j], rows->cells[0][k]) != 0;
		header &= known;
	}
	if (!header)
		return 0;
	for (size_t c = 0; c < fmt->n_cols; c++) {
		map[c] = -1;
		for (size_t k = 0; k < rows->n_cells[0]; k++)
			if (strcmp(rows->cells[0][k], fmt->cols[c].name) == 0)
				map[c] = (int)k;
	}
	if (map[0] < 0) {
		row_error(errors, 1, fmt->cols[0].name, "the header needs the %s column",
			  fmt->cols[0].name);
		return -EINVAL;
	}
	return 1;
}

static const char *
cell(const struct mgmt_csv_rows *rows, size_t row, const int *map, size_t c)
{
	if (map[c] < 0 || (size_t)map[c] >= rows->n_cells[row])
		return "";
	return rows->cells[row][map[c]];
}

/* @return the id of the row of @p table whose name is @p name, 0 if none, -EIO. */
static int64_t
id_by(sqlite3 *h, const char *table, const char *column, const char *value)
{
	char sql[160];
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE %s = ? COLLATE NOCASE ORDER BY id",
		 table, column);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return id;
}

/* A cell as the JSON value of field @p f; NULL with an error added when invalid. */
static json_t *
cell_value(const struct mgmt_field *f, const char *v, json_t *errors, size_t row, const char *col)
{
	char *end;
	long long x;

	if (v[0] == '\0')
		return f->def != NULL ? json_loads(f->def, JSON_DECODE_ANY, NULL) : json_string("");
	switch (f->type) {
	case MGMT_FT_BOOL:
		if (strcasecmp(v, "true") == 0)
			return json_true();
		if (strcasecmp(v, "false") == 0)
			return json_false();
		row_error(errors, row, col, "%s", "must be True or False");
		return NULL;
	case MGMT_FT_INT:
		errno = 0;
		x = strtoll(v, &end, 10);
		if (errno != 0 || *end != '\0' || end == v) {
			row_error(errors, row, col, "%s", "must be an integer");
			return NULL;
		}
		return json_integer(x);
	default:
		return json_string(v);
	}
}

/* Field errors of an object, re-keyed to CSV column names, into row @p row. */
static void
move_errors(const struct mgmt_csv_format *fmt, json_t *ferr, json_t *errors, size_t row,
	    bool alias)
{
	const char *k;
	json_t *list, *m;
	size_t i;

	json_object_foreach(ferr, k, list)
	{
		char col[96];

		if (alias)
			snprintf(col, sizeof(col), "alias_%s", k);
		else
			snprintf(col, sizeof(col), "%s", k);
		for (size_t c = 0; !alias && c < fmt->n_cols; c++)
			if (fmt->cols[c].kind == COL_REF && strcmp(fmt->cols[c].field, k) == 0)
				snprintf(col, sizeof(col), "%s", fmt->cols[c].name);
		json_array_foreach(list, i, m) row_error(errors, row, col, "%s",
							 json_string_value(m));
	}
}

/* The row's columns laid over @p obj; @return false when a cell was invalid. */
static bool
apply_row(const struct mgmt_csv_format *fmt, const struct mgmt_resource *r, sqlite3 *h,
	  const struct mgmt_csv_rows *rows, size_t row, const int *map,
	  const struct mgmt_csv_ctx *ctx, json_t *obj, json_t *errors)
{
	bool ok = true;

	for (size_t c = 0; c < fmt->n_cols; c++) {
		const struct csv_col *col = &fmt->cols[c];
		const char *v = cell(rows, row, map, c);
		const struct mgmt_field *f;
		json_t *j = NULL;

		if (map[c] < 0 && col->kind != COL_NONE)
			continue; /* not in this file (header without it): keep the base value */
		switch (col->kind) {
		case COL_FIELD:
			f = mgmt_res_field(r, col->field);
			if (f == NULL)
				break;
			if (strcmp(col->name, "password") == 0 &&
			    strncmp(v, ENC_PREFIX, strlen(ENC_PREFIX)) == 0) {
				char plain[256];
				int rc = decrypt_secret(ctx, v, plain, sizeof(plain));

				if (rc < 0) {
					row_error(errors, row + 1, col->name, "%s",
						  rc == -ENOKEY ? "encrypted passwords cannot be read "
								  "on this system"
								: "the encrypted password does not "
								  "decrypt on this system");
					ok = false;
					break;
				}
				j = json_string(plain);
				explicit_bzero(plain, sizeof(plain));
			} else {
				j = cell_value(f, v, errors, row + 1, col->name);
				ok &= j != NULL;
			}
			break;
		case COL_REF:
			if (v[0] == '\0') {
				j = json_null();
			} else {
				int64_t id = id_by(h, col->table, "name", v);

				if (id > 0)
					j = json_integer(id);
				else {
					row_error(errors, row + 1, col->name, "no %s with this name",
						  col->table);
					ok = false;
				}
			}
			break;
		case COL_NONE:
			if (v[0] != '\0') {
				row_error(errors, row + 1, col->name, "%s",
					  "not supported on this platform; leave it blank");
				ok = false;
			}
			break;
		default:
			break;
		}
		if (j != NULL)
			json_object_set_new(obj, col->field, j);
	}
	return ok;
}

/*
 * Validate @p obj and, when @p cells_ok and it is valid, write it (id 0 =
 * create); errors go to row @p row. A row with a bad cell is still
 * validated, so every problem of the row is reported at once.
 */
static int
write_object(const struct mgmt_csv_format *fmt, const struct mgmt_resource *r, sqlite3 *h,
	     int64_t *id, json_t *obj, const json_t *present, const struct mgmt_csv_ctx *ctx,
	     json_t *errors, size_t row, bool alias, bool cells_ok)
{
	struct mgmt_store_ctx sctx = {.pbkdf2_iterations = ctx->pbkdf2_iterations};
	json_t *ferr = json_object();
	int rc = 0;

	if (ferr == NULL)
		return -ENOMEM;
	if (mgmt_valid_object(r, obj, true, ferr) == 0 && json_object_size(ferr) == 0 &&
	    cells_ok) {
		rc = mgmt_store_write(r, h, id, obj, present, &sctx, ferr);
		if (rc == -EINVAL)
			rc = 0;
	}
	move_errors(fmt, ferr, errors, row, alias);
	json_decref(ferr);
	return rc;
}

/* Import of services: group by name, aliases from every row of the name. */
static int
import_services(const struct mgmt_csv_format *fmt, sqlite3 *h, const struct mgmt_csv_rows *rows,
		size_t first, const int *map, const struct mgmt_csv_ctx *ctx, json_t *errors,
		size_t *created, size_t *updated)
{
	const struct mgmt_resource *r = mgmt_res_lookup("conference");
	const struct mgmt_resource *ar = mgmt_res_lookup("conference_alias");
	int ia = -1, id_desc = -1;
	int rc = 0;

	for (size_t c = 0; c < fmt->n_cols; c++) {
		if (fmt->cols[c].kind == COL_ALIAS)
			ia = (int)c;
		if (fmt->cols[c].kind == COL_ALIAS_DESC)
			id_desc = (int)c;
	}
	for (size_t i = first; i < rows->n_rows && rc == 0; i++) {
		const char *name = cell(rows, i, map, 0);
		size_t last = i;
		bool seen = false;
		json_t *base = NULL, *obj, *present;
		int64_t id;

		if (name[0] == '\0') {
			row_error(errors, i + 1, "name", "%s", "required");
			continue;
		}
		/* Handle each name once, at its first row; the last row of the name wins. */
		for (size_t j = first; j < i && !seen; j++)
			seen = strcasecmp(cell(rows, j, map, 0), name) == 0;
		if (seen)
			continue;
		for (size_t j = i + 1; j < rows->n_rows; j++)
			if (strcasecmp(cell(rows, j, map, 0), name) == 0)
				last = j;
		id = id_by(h, "conference", "name", name);
		if (id < 0)
			return -EIO;
		if (id > 0 && mgmt_store_get(r, h, id, &base) < 0)
			return -EIO;
		if (base != NULL &&
		    strcmp(json_string_value(json_object_get(base, "service_type")),
			   fmt->service_type) != 0) {
			row_error(errors, last + 1, "name", "%s",
				  "a service of another type has this name");
			json_decref(base);
			continue;
		}
		obj = base != NULL ? base : mgmt_valid_defaults(r);
		if (obj == NULL)
			return -ENOMEM;
		json_object_set_new(obj, "service_type", json_string(fmt->service_type));
		json_object_set_new(obj, "aliases", json_array());
		present = json_pack("{s:[]}", "aliases");
		{
			bool ok = apply_row(fmt, r, h, rows, last, map, ctx, obj, errors);
			int64_t before = id;

			rc = write_object(fmt, r, h, &id, obj, present, ctx, errors, last + 1, false,
					  ok);
			if (!ok)
				id = 0;
			if (rc == 0 && id > 0)
				(before > 0 ? (*updated)++ : (*created)++);
		}
		json_decref(present);
		json_decref(obj);
		if (rc < 0 || id <= 0 || ia < 0)
			continue;
		/* The aliases, each from its own row, in file order (one per distinct alias). */
		for (size_t j = i; j < rows->n_rows && rc == 0; j++) {
			const char *alias = cell(rows, j, map, (size_t)ia);
			bool dup = false;
			json_t *ao;
			int64_t aid = 0;

			if (strcasecmp(cell(rows, j, map, 0), name) != 0 || alias[0] == '\0')
				continue;
			for (size_t k = j + 1; k < rows->n_rows && !dup; k++)
				dup = strcasecmp(cell(rows, k, map, 0), name) == 0 &&
				      strcasecmp(cell(rows, k, map, (size_t)ia), alias) == 0;
			if (dup)
				continue; /* the later row of the same alias gives its description */
			ao = json_pack("{s:s,s:s,s:I}", "alias", alias, "description",
				       id_desc >= 0 ? cell(rows, j, map, (size_t)id_desc) : "",
				       "conference", (json_int_t)id);
			if (ao == NULL)
				return -ENOMEM;
			rc = write_object(fmt, ar, h, &aid, ao, ao, ctx, errors, j + 1, true, true);
			json_decref(ao);
		}
	}
	return rc;
}

/* ADPs: identity (alias, conference_name); devices: identity alias. */
static int
import_keyed(const struct mgmt_csv_format *fmt, sqlite3 *h, const struct mgmt_csv_rows *rows,
	     size_t first, const int *map, const struct mgmt_csv_ctx *ctx, json_t *errors,
	     size_t *created, size_t *updated)
{
	bool adp = strcmp(fmt->group, "automatic_participant") == 0;
	const struct mgmt_resource *r = mgmt_res_lookup(fmt->group);
	size_t ic = fmt->n_cols - 1;
	int rc = 0;

	for (size_t i = first; i < rows->n_rows && rc == 0; i++) {
		const char *alias = cell(rows, i, map, 0), *conf = adp ? cell(rows, i, map, ic) : "";
		bool later = false;
		json_t *base = NULL, *obj, *present;
		int64_t id = 0, cid = 0;

		if (alias[0] == '\0') {
			row_error(errors, i + 1, "alias", "%s", "required");
			continue;
		}
		/* Duplicates: the last row wins (FR-ADP-2, FR-CSV-6). */
		for (size_t j = i + 1; j < rows->n_rows && !later; j++)
			later = strcmp(cell(rows, j, map, 0), alias) == 0 &&
				(!adp || strcasecmp(cell(rows, j, map, ic), conf) == 0);
		if (later)
			continue;
		if (conf[0] != '\0') {
			cid = id_by(h, "conference", "name", conf);
			if (cid == 0)
				row_error(errors, i + 1, "conference_name", "%s",
					  "no service with this name");
			if (cid <= 0) {
				if (cid < 0)
					return -EIO;
				continue;
			}
		}
		if (adp) {
			sqlite3_stmt *st;

			if (sqlite3_prepare_v2(
				    h,
				    "SELECT a.id FROM automatic_participant a WHERE a.alias = ?1 AND"
				    " (CASE WHEN ?2 = 0 THEN NOT EXISTS (SELECT 1 FROM"
				    " conference_automatic_participant l WHERE"
				    " l.automatic_participant_id = a.id) ELSE EXISTS (SELECT 1 FROM"
				    " conference_automatic_participant l WHERE"
				    " l.automatic_participant_id = a.id AND l.conference_id = ?2) END)"
				    " ORDER BY a.id",
				    -1, &st, NULL) != SQLITE_OK)
				return -EIO;
			sqlite3_bind_text(st, 1, alias, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 2, cid);
			if (sqlite3_step(st) == SQLITE_ROW)
				id = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		} else {
			id = id_by(h, "device", "alias", alias);
			if (id < 0)
				return -EIO;
		}
		if (id > 0 && mgmt_store_get(r, h, id, &base) < 0)
			return -EIO;
		obj = base != NULL ? base : mgmt_valid_defaults(r);
		if (obj == NULL)
			return -ENOMEM;
		present = json_object();
		if (adp && id == 0)
			json_object_set_new(obj, "conference",
					    cid > 0 ? json_pack("[I]", (json_int_t)cid) : json_array());
		{
			bool ok = apply_row(fmt, r, h, rows, i, map, ctx, obj, errors);
			int64_t before = id;

			rc = write_object(fmt, r, h, &id, obj, present, ctx, errors, i + 1, false, ok);
			if (rc == 0 && ok && id > 0)
				(before > 0 ? (*updated)++ : (*created)++);
		}
		json_decref(present);
		json_decref(obj);
	}
	return rc;
}

int
mgmt_csv_import(const struct mgmt_csv_format *fmt, sqlite3 *h, const char *buf, size_t len,
		const struct mgmt_csv_ctx *ctx, json_t *errors, size_t *created, size_t *updated,
		size_t *n_rows)
{
	struct mgmt_csv_rows rows;
	int map[MGMT_CSV_MAX_COLS], first, rc;

	*created = *updated = *n_rows = 0;
	rc = mgmt_csv_parse(buf, len, errors, &rows);
	if (rc < 0)
		return rc == -EINVAL ? 0 : rc;
	first = map_columns(fmt, &rows, map, errors);
	if (first >= 0 && rows.n_rows <= (size_t)first)
		mgmt_err_add(errors, "__all__", "the file has no data rows");
	if (first < 0 || json_object_size(errors) > 0) {
		mgmt_csv_rows_free(&rows);
		return 0;
	}
	*n_rows = rows.n_rows - (size_t)first;
	for (size_t i = (size_t)first; i < rows.n_rows; i++)
		if (rows.n_cells[i] > (first ? rows.n_cells[0] : fmt->n_fixed))
			row_error(errors, i + 1, "__all__", "%s", "more fields than columns");
	if (json_object_size(errors) == 0)
		rc = strcmp(fmt->group, "conference") == 0
			     ? import_services(fmt, h, &rows, (size_t)first, map, ctx, errors,
					       created, updated)
			     : import_keyed(fmt, h, &rows, (size_t)first, map, ctx, errors, created,
					    updated);
	mgmt_csv_rows_free(&rows);
	return rc;
}

/* ---- export ---------------------------------------------------------------------------- */

static int
put_cell(struct growbuf *b, const char *v, bool first)
{
	bool quote = v[0] == ' ' || (v[0] != '\0' && v[strlen(v) - 1] == ' ') ||
		     strpbrk(v, ",\"\r\n") != NULL;

	if (!first && gb_put(b, ",", 1) < 0)
		return -ENOMEM;
	if (!quote)
		return gb_put(b, v, strlen(v));
	if (gb_put(b, "\"", 1) < 0)
		return -ENOMEM;
	for (const char *p = v; *p != '\0'; p++)
		if (gb_put(b, p, 1) < 0 || (*p == '"' && gb_put(b, "\"", 1) < 0))
			return -ENOMEM;
	return gb_put(b, "\"", 1);
}

/* The name of the object a URI points to (COL_REF columns). */
static char *
ref_name(sqlite3 *h, const char *table, const char *column, int64_t id)
{
	char sql[160];
	sqlite3_stmt *st;
	char *out = NULL;

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = ?", column, table);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static int64_t
uri_id(const json_t *v)
{
	const char *s = json_string_value(v), *p;

	if (s == NULL)
		return 0;
	p = s + strlen(s);
	if (p > s && p[-1] == '/')
		p--;
	while (p > s && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return strtoll(p, NULL, 10);
}

/* One CSV row from @p obj, @p alias (services) and @p conf (ADPs). */
static int
put_row(const struct mgmt_csv_format *fmt, sqlite3 *h, const struct mgmt_csv_ctx *ctx,
	struct growbuf *b, const json_t *obj, const json_t *alias, const char *conf)
{
	int rc = 0;

	for (size_t c = 0; c < fmt->n_cols && rc == 0; c++) {
		const struct csv_col *col = &fmt->cols[c];
		char num[32], *owned = NULL;
		const char *v = "";
		json_t *j;

		switch (col->kind) {
		case COL_FIELD:
			j = json_object_get(obj, col->field);
			if (json_is_string(j))
				v = json_string_value(j);
			else if (json_is_integer(j))
				snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
					 json_integer_value(j)),
					v = num;
			else if (json_is_boolean(j))
				v = json_is_true(j) ? "True" : "False";
			if (strcmp(col->name, "password") == 0 && v[0] != '\0') {
				owned = ctx->secret != NULL ? encrypt_secret(ctx, v) : NULL;
				v = owned != NULL ? owned : "";
			}
			break;
		case COL_ALIAS:
			v = json_string_value(json_object_get(alias, "alias"));
			break;
		case COL_ALIAS_DESC:
			v = json_string_value(json_object_get(alias, "description"));
			break;
		case COL_REF:
			j = json_object_get(obj, col->field);
			if (json_is_string(j)) {
				owned = ref_name(h, col->table, "name", uri_id(j));
				v = owned;
			}
			break;
		case COL_CONFERENCE:
			v = conf;
			break;
		default:
			break;
		}
		rc = put_cell(b, v != NULL ? v : "", c == 0);
		free(owned);
	}
	return rc == 0 ? gb_put(b, "\r\n", 2) : rc;
}

int
mgmt_csv_export(const struct mgmt_csv_format *fmt, sqlite3 *h, const struct mgmt_csv_ctx *ctx,
		char **out, size_t *len)
{
	const struct mgmt_resource *r = mgmt_res_lookup(fmt->group);
	bool services = strcmp(fmt->group, "conference") == 0;
	struct growbuf b = {0};
	sqlite3_stmt *st;
	int rc = 0, step;

	for (size_t c = 0; c < fmt->n_cols && rc == 0; c++)
		rc = put_cell(&b, fmt->cols[c].name, c == 0);
	if (rc == 0)
		rc = gb_put(&b, "\r\n", 2);
	if (rc < 0 ||
	    sqlite3_prepare_v2(h,
			       services ? "SELECT id FROM conference WHERE service_type = ?"
					  " ORDER BY name COLLATE NOCASE, id"
					: strcmp(fmt->group, "device") == 0
						  ? "SELECT id FROM device ORDER BY alias, id"
						  : "SELECT id FROM automatic_participant ORDER BY"
						    " alias, id",
			       -1, &st, NULL) != SQLITE_OK) {
		free(b.p);
		return rc < 0 ? rc : -EIO;
	}
	if (services)
		sqlite3_bind_text(st, 1, fmt->service_type, -1, SQLITE_STATIC);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *obj = NULL, *list, *x;
		size_t i;

		rc = mgmt_store_get(r, h, sqlite3_column_int64(st, 0), &obj);
		if (rc < 0)
			break;
		if (services) {
			list = json_object_get(obj, "aliases");
			if (json_array_size(list) == 0)
				rc = put_row(fmt, h, ctx, &b, obj, NULL, "");
			json_array_foreach(list, i, x) if (rc == 0) rc =
				put_row(fmt, h, ctx, &b, obj, x, "");
		} else if (strcmp(fmt->group, "automatic_participant") == 0) {
			list = json_object_get(obj, "conference");
			if (json_array_size(list) == 0)
				rc = put_row(fmt, h, ctx, &b, obj, NULL, "");
			json_array_foreach(list, i, x)
			{
				char *name = ref_name(h, "conference", "name", uri_id(x));

				if (rc == 0)
					rc = put_row(fmt, h, ctx, &b, obj, NULL, name ? name : "");
				free(name);
			}
		} else {
			rc = put_row(fmt, h, ctx, &b, obj, NULL, "");
		}
		json_decref(obj);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = -EIO;
	sqlite3_finalize(st);
	if (rc < 0) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}
