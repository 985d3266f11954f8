/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cli_http.c - tessctl's side of the REST API: settings, libcurl requests,
 * error messages and the table/JSON output.
 *
 * Settings come from the command line, then TESSCTL_URL/USER/PASS/CACERT,
 * then the demo's MGMT_URL/USER/PASS/CACERT, then a "key = value" file
 * (--config, $TESSCTL_CONFIG, else ~/.config/tessctl.conf); the first
 * source that sets a value wins.
 *
 * Context: a short-lived single-threaded CLI process.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"

#define MAX_ANSWER (256u << 20)

static void
set_if_empty(char *dst, size_t cap, const char *v)
{
	if (dst[0] == '\0' && v != NULL && v[0] != '\0')
		snprintf(dst, cap, "%s", v);
}

static void
trim(char *s)
{
	size_t n = strlen(s);
	char *p = s;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
			 s[n - 1] == '\r'))
		s[--n] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	memmove(s, p, strlen(p) + 1);
}

/* "key = value" lines; # comments. @return CLI_OK or CLI_EUSAGE. */
static int
read_config(struct cli_conn *c, const char *path, bool must_exist)
{
	char line[1024], *eq;
	struct stat st;
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL) {
		if (!must_exist && errno == ENOENT)
			return CLI_OK;
		fprintf(stderr, "tessctl: cannot read %s: %s\n", path, strerror(errno));
		return CLI_EUSAGE;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0)
		fprintf(stderr, "tessctl: warning: %s is readable by others (chmod 600 it)\n",
			path);
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		trim(line);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		eq = strchr(line, '=');
		if (eq == NULL) {
			fprintf(stderr, "tessctl: %s:%d: expected key = value\n", path, n);
			fclose(f);
			return CLI_EUSAGE;
		}
		*eq++ = '\0';
		trim(line);
		trim(eq);
		if (strcmp(line, "url") == 0)
			set_if_empty(c->url, sizeof(c->url), eq);
		else if (strcmp(line, "user") == 0)
			set_if_empty(c->user, sizeof(c->user), eq);
		else if (strcmp(line, "password") == 0)
			set_if_empty(c->pass, sizeof(c->pass), eq);
		else if (strcmp(line, "cacert") == 0)
			set_if_empty(c->cacert, sizeof(c->cacert), eq);
		else if (strcmp(line, "insecure") == 0)
			c->insecure = c->insecure || strcmp(eq, "true") == 0 || strcmp(eq, "1") == 0;
		else {
			fprintf(stderr, "tessctl: %s:%d: unknown key %s\n", path, n, line);
			fclose(f);
			return CLI_EUSAGE;
		}
	}
	fclose(f);
	return CLI_OK;
}

int
cli_conn_resolve(struct cli_conn *c, const char *config_file)
{
	char path[1024];
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");

	set_if_empty(c->url, sizeof(c->url), getenv("TESSCTL_URL"));
	set_if_empty(c->user, sizeof(c->user), getenv("TESSCTL_USER"));
	set_if_empty(c->pass, sizeof(c->pass), getenv("TESSCTL_PASS"));
	set_if_empty(c->cacert, sizeof(c->cacert), getenv("TESSCTL_CACERT"));
	set_if_empty(c->url, sizeof(c->url), getenv("MGMT_URL"));
	set_if_empty(c->user, sizeof(c->user), getenv("MGMT_USER"));
	set_if_empty(c->pass, sizeof(c->pass), getenv("MGMT_PASS"));
	set_if_empty(c->cacert, sizeof(c->cacert), getenv("MGMT_CACERT"));
	if (config_file == NULL)
		config_file = getenv("TESSCTL_CONFIG");
	if (config_file != NULL)
		return read_config(c, config_file, true);
	if (xdg != NULL && xdg[0] != '\0')
		snprintf(path, sizeof(path), "%s/tessctl.conf", xdg);
	else if (home != NULL)
		snprintf(path, sizeof(path), "%s/.config/tessctl.conf", home);
	else
		return CLI_OK;
	return read_config(c, path, false);
}

struct buf {
	char *p;
	size_t len, cap;
	bool overflow;
};

static size_t
on_data(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t add = size * n;

	if (b->len + add + 1 > MAX_ANSWER) {
		b->overflow = true;
		return 0;
	}
	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		char *p;

		while (cap < b->len + add + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

int
cli_http(const struct cli_conn *c, const char *method, const char *path, const char *ctype,
	 const void *body, size_t len, const char *header, struct cli_resp *out)
{
	char url[4096], hdr[256], *ct = NULL;
	struct curl_slist *hl = NULL;
	struct buf b = {0};
	size_t ul;
	CURLcode cc;
	CURL *h;

	memset(out, 0, sizeof(*out));
	if (c->url[0] == '\0') {
		fprintf(stderr, "tessctl: no management node: give --url, set TESSCTL_URL or put "
				"url = ... in ~/.config/tessctl.conf\n");
		return CLI_EUSAGE;
	}
	ul = strlen(c->url);
	if (c->url[ul - 1] == '/')
		ul--;
	snprintf(url, sizeof(url), "%.*s%s", (int)ul, c->url, path);
	h = curl_easy_init();
	if (h == NULL)
		return CLI_ECONN;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
	curl_easy_setopt(h, CURLOPT_PASSWORD, c->pass);
	curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s > 0 ? c->timeout_s : 60L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	if (c->cacert[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype != NULL ? ctype : "application/json");
	hl = curl_slist_append(hl, hdr);
	hl = curl_slist_append(hl, "Expect:");
	if (header != NULL)
		hl = curl_slist_append(hl, header);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	cc = curl_easy_perform(h);
	curl_slist_free_all(hl);
	if (cc != CURLE_OK) {
		fprintf(stderr, "tessctl: %s: %s\n", c->url,
			b.overflow ? "answer too large" : curl_easy_strerror(cc));
		curl_easy_cleanup(h);
		free(b.p);
		return CLI_ECONN;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
	if (ct != NULL)
		snprintf(out->ctype, sizeof(out->ctype), "%s", ct);
	curl_easy_cleanup(h);
	out->body = b.p != NULL ? b.p : calloc(1, 1);
	out->len = b.len;
	return out->body != NULL ? CLI_OK : CLI_ECONN;
}

void
cli_resp_fini(struct cli_resp *r)
{
	free(r->body);
	r->body = NULL;
}

/* {"field": ["msg"]} and {"row N": {"field": ["msg"]}} bodies, one line per message. */
static void
print_field_errors(const char *prefix, const json_t *errs)
{
	const char *k;
	json_t *v, *m;
	size_t i;
	char p[256];

	json_object_foreach((json_t *)errs, k, v)
	{
		snprintf(p, sizeof(p), "%s%s%s", prefix, prefix[0] ? ": " : "", k);
		if (json_is_object(v)) {
			print_field_errors(p, v);
		} else if (json_is_array(v)) {
			json_array_foreach(v, i, m) fprintf(
				stderr, "tessctl: %s: %s\n", p,
				json_is_string(m) ? json_string_value(m) : "(invalid)");
		} else if (json_is_string(v)) {
			fprintf(stderr, "tessctl: %s: %s\n", p, json_string_value(v));
		}
	}
}

int
cli_print_api_error(const struct cli_resp *r)
{
	json_t *j = json_loadb(r->body, r->len, 0, NULL), *e;

	if (json_is_object(j) && json_is_string(e = json_object_get(j, "error")))
		fprintf(stderr, "tessctl: error %ld: %s\n", r->status, json_string_value(e));
	else if (json_is_object(j) && json_is_string(e = json_object_get(j, "message")))
		fprintf(stderr, "tessctl: error %ld: %s\n", r->status, json_string_value(e));
	else if (json_is_object(j)) {
		fprintf(stderr, "tessctl: error %ld: invalid request\n", r->status);
		print_field_errors("", j);
	} else
		fprintf(stderr, "tessctl: error %ld: %.200s\n", r->status,
			r->len ? r->body : "(no body)");
	json_decref(j);
	return CLI_EAPI;
}

int
cli_api(const struct cli_conn *c, const char *method, const char *path, json_t *body,
	json_t **out)
{
	struct cli_resp r;
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_error_t jerr;
	int rc;

	*out = NULL;
	rc = cli_http(c, method, path, NULL, text, text ? strlen(text) : 0, NULL, &r);
	free(text);
	if (rc != CLI_OK)
		return rc;
	if (r.status >= 400) {
		rc = cli_print_api_error(&r);
	} else if (r.len > 0) {
		*out = json_loadb(r.body, r.len, 0, &jerr);
		if (*out == NULL) {
			fprintf(stderr, "tessctl: the answer is not JSON: %s\n", jerr.text);
			rc = CLI_ECONN;
		}
	}
	cli_resp_fini(&r);
	return rc;
}

void
cli_print_json(const json_t *v)
{
	char *t = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);

	printf("%s\n", t != NULL ? t : "null");
	free(t);
}

/* "/api/admin/configuration/v1/system_location/3/" -> "system_location/3". */
static char *
short_uri(const char *s)
{
	const char *p = strstr(s, "/v1/");
	char *o;
	size_t n;

	if (strncmp(s, "/api/", 5) != 0 || p == NULL)
		return strdup(s);
	o = strdup(p + 4);
	n = o != NULL ? strlen(o) : 0;
	if (n > 0 && o[n - 1] == '/')
		o[n - 1] = '\0';
	return o;
}

char *
cli_cell(const json_t *v)
{
	char num[64], *out = NULL, *part;
	size_t i, n = 0;
	json_t *x;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return short_uri(json_string_value(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(num);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.2f", json_real_value(v));
		return strdup(num);
	case JSON_TRUE:
		return strdup("yes");
	case JSON_FALSE:
		return strdup("no");
	case JSON_NULL:
		return strdup("-");
	case JSON_ARRAY:
		json_array_foreach(v, i, x)
		{
			/* Nested aliases show their alias, URIs their short form. */
			json_t *a = json_is_object(x) ? json_object_get(x, "alias") : NULL;
			char *grow;

			part = a != NULL ? cli_cell(a) : cli_cell(x);
			if (part == NULL)
				break;
			grow = realloc(out, n + strlen(part) + 2);
			if (grow == NULL) {
				free(part);
				break;
			}
			out = grow;
			n += (size_t)sprintf(out + n, "%s%s", i ? "," : "", part);
			free(part);
		}
		return out != NULL ? out : strdup("");
	default:
		return json_dumps(v, JSON_COMPACT);
	}
}

#define MAX_COLS 16
#define MAX_WIDTH 40

static int
split_cols(const char *cols, char names[][64])
{
	int n = 0;

	while (*cols != '\0' && n < MAX_COLS) {
		size_t l = strcspn(cols, ",");

		if (l > 0 && l < 64) {
			memcpy(names[n], cols, l);
			names[n++][l] = '\0';
		}
		cols += l;
		if (*cols == ',')
			cols++;
	}
	return n;
}

static void
print_cell(const char *s, int width, bool last)
{
	int l = (int)strlen(s);

	if (l > MAX_WIDTH)
		printf("%.*s~", MAX_WIDTH - 1, s);
	else
		printf("%s", s);
	if (!last)
		printf("%*s", (width - (l > MAX_WIDTH ? MAX_WIDTH : l)) + 2, "");
}

void
cli_print_table(const json_t *objects, const char *cols)
{
	char names[MAX_COLS][64];
	int n = split_cols(cols, names), width[MAX_COLS];
	size_t rows = json_array_size(objects), i;
	char **cells = calloc(rows * (size_t)(n ? n : 1) + 1, sizeof(char *));

	if (cells == NULL)
		return;
	for (int k = 0; k < n; k++) {
		width[k] = (int)strlen(names[k]);
		for (i = 0; i < rows; i++) {
			json_t *v = json_object_get(json_array_get(objects, i), names[k]);
			char *c = v != NULL ? cli_cell(v) : strdup("-");
			int l = c != NULL ? (int)strlen(c) : 0;

			cells[i * (size_t)n + (size_t)k] = c;
			if (l > width[k])
				width[k] = l > MAX_WIDTH ? MAX_WIDTH : l;
		}
	}
	for (int k = 0; k < n; k++) {
		char up[64];

		for (size_t j = 0; j <= strlen(names[k]); j++)
			up[j] = (char)(names[k][j] >= 'a' && names[k][j] <= 'z' ? names[k][j] - 32
										 : names[k][j]);
		print_cell(up, width[k], k == n - 1);
	}
	printf("\n");
	for (i = 0; i < rows; i++) {
		for (int k = 0; k < n; k++) {
			char *c = cells[i * (size_t)n + (size_t)k];

			print_cell(c != NULL ? c : "", width[k], k == n - 1);
			free(c);
		}
		printf("\n");
	}
	free(cells);
}

void
cli_print_object(const json_t *o)
{
	const char *k;
	json_t *v;
	int w = 0;

	json_object_foreach((json_t *)o, k, v) if ((int)strlen(k) > w) w = (int)strlen(k);
	json_object_foreach((json_t *)o, k, v)
	{
		json_t *first = json_array_get(v, 0);
		char *c = json_is_object(first) && json_object_get(first, "alias") == NULL
				  ? json_dumps(v, JSON_COMPACT)
				  : cli_cell(v);

		printf("%-*s  %s\n", w, k, c != NULL ? c : "");
		free(c);
	}
}

int
cli_query_add(char *q, size_t cap, const char *key, const char *value)
{
	char *k = curl_easy_escape(NULL, key, 0), *v = curl_easy_escape(NULL, value, 0);
	size_t n = strlen(q);
	int w;

	if (k == NULL || v == NULL) {
		curl_free(k);
		curl_free(v);
		return CLI_EUSAGE;
	}
	w = snprintf(q + n, cap - n, "%c%s=%s", strchr(q, '?') != NULL ? '&' : '?', k, v);
	curl_free(k);
	curl_free(v);
	if (w < 0 || (size_t)w >= cap - n) {
		q[n] = '\0';
		fprintf(stderr, "tessctl: query too long\n");
		return CLI_EUSAGE;
	}
	return CLI_OK;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tessctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'tessctl %s%s--help'.\n", cmd != NULL ? cmd : "",
		cmd != NULL ? " " : "");
	return CLI_EUSAGE;
}

char *
cli_read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *p = NULL, *g;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		return NULL;
	do {
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 131072;
			g = realloc(p, cap);
			if (g == NULL || cap > MAX_ANSWER) {
				free(g != NULL ? g : p);
				p = NULL;
				break;
			}
			p = g;
		}
		r = fread(p + n, 1, 65536, f);
		n += r;
	} while (r > 0);
	if (p != NULL && ferror(f)) {
		free(p);
		p = NULL;
	}
	if (f != stdin)
		fclose(f);
	if (p != NULL) {
		p[n] = '\0';
		*len = n;
	}
	return p;
}
