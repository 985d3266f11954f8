/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cli_config.c - tessctl's configuration commands, generic over the
 * resource name: resources, list, show, create, update, delete, schema.
 *
 * Bodies come from field=value words, typed with the resource's /schema/
 * (integers, booleans, references by id, comma-separated lists; "aliases"
 * become {"alias": ...} objects), from field:=JSON words taken literally,
 * or from a whole JSON object word ('{...}', @FILE or - for stdin).
 *
 * Context: a short-lived single-threaded CLI process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

#define CONFIG "/api/admin/configuration/v1/"

/* Default table columns; other resources show id and their first fields. */
static const struct {
	const char *res, *cols;
} default_cols[] = {
	{"conference", "id,name,service_type,aliases,tag,description"},
	{"conference_alias", "id,alias,conference,description"},
	{"automatic_participant", "id,alias,protocol,role,conference,description"},
	{"gateway_routing_rule", "id,name,priority,enable,match_string,replace_string"},
	{"end_user", "id,primary_email_address,display_name,department"},
	{"device", "id,alias,username,tag,description"},
	{"system_location", "id,name,overflow_location1,overflow_location2,description"},
	{"worker_vm", "id,name,hostname,address,system_location,maintenance_mode"},
	{"global", "id,enable_sip,enable_sip_udp,media_port_start,media_port_end"},
	{"ivr_theme", "id,name,description"},
	{"sip_credential", "id,realm,username"},
	{"syslog_server", "id,address,port,transport,description"},
	{"dns_server", "id,address,description"},
	{"ntp_server", "id,address,key_id,description"},
	{"static_route", "id,name,address,prefix,gateway"},
	{"user", "id,username,role,description"},
};

/* The columns for a list of @p res (shared with the status views). */
const char *
cli_default_cols(const char *res, const json_t *objects, char *buf, size_t cap)
{
	const char *k;
	json_t *v, *first = json_array_get(objects, 0);
	size_t n = 0;
	int taken = 0;

	for (size_t i = 0; i < sizeof(default_cols) / sizeof(default_cols[0]); i++)
		if (strcmp(default_cols[i].res, res) == 0)
			return default_cols[i].cols;
	buf[0] = '\0';
	json_object_foreach(first, k, v)
	{
		if (taken == 6 || json_is_array(v) || json_is_object(v) ||
		    strcmp(k, "resource_uri") == 0)
			continue;
		n += (size_t)snprintf(buf + n, cap > n ? cap - n : 0, "%s%s", n ? "," : "", k);
		taken++;
	}
	return buf[0] != '\0' ? buf : "id";
}

static bool
valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static bool
valid_id(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A value typed by the field's schema entry (NULL: the field is unknown, send a string). */
static json_t *
typed_value(const char *name, const json_t *field, const char *v)
{
	const char *type = json_string_value(json_object_get(field, "type"));
	const char *rel = json_string_value(json_object_get(field, "related_type"));

	if (type == NULL)
		return json_string(v);
	if (strcmp(v, "null") == 0 && json_is_true(json_object_get(field, "nullable")))
		return json_null();
	if (strcmp(type, "integer") == 0 && (all_digits(v) || (v[0] == '-' && all_digits(v + 1))))
		return json_integer(strtoll(v, NULL, 10));
	if (strcmp(type, "boolean") == 0) {
		if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0)
			return json_true();
		if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0)
			return json_false();
	}
	if (strcmp(type, "related") == 0 && rel != NULL && strcmp(rel, "to_many") == 0) {
		json_t *list = json_array();
		const char *p = v;

		while (*p != '\0') {
			size_t l = strcspn(p, ",");
			char *item = strndup(p, l);

			if (item == NULL)
				break;
			if (strcmp(name, "aliases") == 0)
				json_array_append_new(list, json_pack("{s:s}", "alias", item));
			else if (all_digits(item))
				json_array_append_new(list, json_integer(strtoll(item, NULL, 10)));
			else
				json_array_append_new(list, json_string(item));
			free(item);
			p += l;
			if (*p == ',')
				p++;
		}
		return list;
	}
	if (strcmp(type, "related") == 0 && all_digits(v))
		return json_integer(strtoll(v, NULL, 10));
	if (strcmp(type, "related") == 0 && v[0] == '\0')
		return json_null();
	return json_string(v);
}

static json_t *
load_json_word(const char *w)
{
	json_error_t jerr;
	json_t *j;

	if (w[0] == '@' || strcmp(w, "-") == 0) {
		size_t len;
		char *text = cli_read_file(w[0] == '@' ? w + 1 : w, &len);

		if (text == NULL) {
			fprintf(stderr, "tessctl: cannot read %s\n", w[0] == '@' ? w + 1 : "stdin");
			return NULL;
		}
		j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
		free(text);
	} else {
		j = json_loads(w, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (j == NULL)
		fprintf(stderr, "tessctl: the body is not JSON: %s (line %d)\n", jerr.text,
			jerr.line);
	else if (!json_is_object(j)) {
		fprintf(stderr, "tessctl: the body must be a JSON object\n");
		json_decref(j);
		j = NULL;
	}
	return j;
}

/*
 * Build a request body from words[]: a JSON object word, or field=value and
 * field:=JSON words. @return CLI_OK with *out, or CLI_EUSAGE / CLI_EAPI / CLI_ECONN.
 */
static int
build_body(struct cli_opts *o, const char *cmd, const char *res, char **words, int n, json_t **out)
{
	json_t *body = json_object(), *schema = NULL, *fields = NULL;
	char path[256];
	int rc;

	*out = NULL;
	for (int i = 0; i < n; i++) {
		const char *w = words[i], *eq = strchr(w, '=');
		json_t *v;
		char key[128];
		bool raw;

		if (w[0] == '{' || w[0] == '@' || strcmp(w, "-") == 0) {
			json_t *j = load_json_word(w);

			if (j == NULL) {
				json_decref(body);
				json_decref(schema);
				return CLI_EUSAGE;
			}
			json_object_update(body, j);
			json_decref(j);
			continue;
		}
		if (eq == NULL || eq == w || (size_t)(eq - w) >= sizeof(key)) {
			json_decref(body);
			json_decref(schema);
			return cli_usage_error(cmd, "expected field=value, field:=JSON or a JSON "
						    "object, got '%s'",
					       w);
		}
		raw = eq[-1] == ':';
		snprintf(key, sizeof(key), "%.*s", (int)(eq - w - (raw ? 1 : 0)), w);
		if (raw) {
			json_error_t jerr;

			v = json_loads(eq + 1, JSON_DECODE_ANY, &jerr);
			if (v == NULL) {
				json_decref(body);
				json_decref(schema);
				return cli_usage_error(cmd, "%s: not JSON: %s", key, jerr.text);
			}
		} else {
			if (schema == NULL) {
				snprintf(path, sizeof(path), CONFIG "%s/schema/", res);
				rc = cli_api(&o->conn, "GET", path, NULL, &schema);
				if (rc != CLI_OK) {
					json_decref(body);
					return rc;
				}
				fields = json_object_get(schema, "fields");
			}
			v = typed_value(key, json_object_get(fields, key), eq + 1);
		}
		json_object_set_new(body, key, v);
	}
	json_decref(schema);
	*out = body;
	return CLI_OK;
}

static int
do_resources(struct cli_opts *o)
{
	json_t *idx;
	const char *k;
	json_t *v;
	int rc = cli_api(&o->conn, "GET", CONFIG, NULL, &idx);

	if (rc != CLI_OK)
		return rc;
	if (o->json)
		cli_print_json(idx);
	else
		json_object_foreach(idx, k, v) printf("%s\n", k);
	json_decref(idx);
	return CLI_OK;
}

int
cli_list(struct cli_opts *o, const char *cmd, const char *prefix, const char *res, char **filters,
	 int n)
{
	char path[4096], num[32], colbuf[512];
	json_t *page = NULL, *all = json_array(), *meta;
	long offset = o->offset > 0 ? o->offset : 0, total = 0;
	int rc = CLI_OK;

	do {
		snprintf(path, sizeof(path), "%s%s/", prefix, res);
		for (int i = 0; i < n; i++) {
			const char *eq = strchr(filters[i], '=');
			char key[128];

			if (eq == NULL || eq == filters[i] || eq - filters[i] >= (long)sizeof(key)) {
				json_decref(all);
				return cli_usage_error(cmd, "expected a filter field=value, got '%s'",
						       filters[i]);
			}
			snprintf(key, sizeof(key), "%.*s", (int)(eq - filters[i]), filters[i]);
			if (cli_query_add(path, sizeof(path), key, eq + 1) != CLI_OK)
				goto out_usage;
		}
		if (o->limit >= 0) {
			snprintf(num, sizeof(num), "%ld", o->limit);
			if (cli_query_add(path, sizeof(path), "limit", num) != CLI_OK)
				goto out_usage;
		}
		snprintf(num, sizeof(num), "%ld", offset);
		if (offset > 0 && cli_query_add(path, sizeof(path), "offset", num) != CLI_OK)
			goto out_usage;
		if (o->order_by != NULL &&
		    cli_query_add(path, sizeof(path), "order_by", o->order_by) != CLI_OK)
			goto out_usage;
		rc = cli_api(&o->conn, "GET", path, NULL, &page);
		if (rc != CLI_OK)
			break;
		meta = json_object_get(page, "meta");
		total = (long)json_integer_value(json_object_get(meta, "total_count"));
		json_array_extend(all, json_object_get(page, "objects"));
		offset += (long)json_array_size(json_object_get(page, "objects"));
		if (!o->all || json_array_size(json_object_get(page, "objects")) == 0 ||
		    json_is_null(json_object_get(meta, "next"))) {
			if (o->json && !o->all) {
				cli_print_json(page);
				json_decref(page);
				json_decref(all);
				return CLI_OK;
			}
			json_decref(page);
			break;
		}
		json_decref(page);
	} while (true);
	if (rc == CLI_OK) {
		if (o->json) {
			cli_print_json(all);
		} else {
			cli_print_table(all, o->columns != NULL
						     ? o->columns
						     : cli_default_cols(res, all, colbuf,
									sizeof(colbuf)));
			if ((long)json_array_size(all) < total)
				printf("(%zu of %ld shown; --all for every page)\n",
				       json_array_size(all), total);
		}
	}
	json_decref(all);
	return rc;
out_usage:
	json_decref(all);
	return CLI_EUSAGE;
}

static int
do_show(struct cli_opts *o, const char *cmd, const char *prefix, const char *res, const char *id)
{
	char path[256];
	json_t *obj;
	int rc;

	if (!valid_id(id))
		return cli_usage_error(cmd, "'%s' is not an object id", id);
	snprintf(path, sizeof(path), "%s%s/%s/", prefix, res, id);
	rc = cli_api(&o->conn, "GET", path, NULL, &obj);
	if (rc != CLI_OK)
		return rc;
	if (o->json)
		cli_print_json(obj);
	else
		cli_print_object(obj);
	json_decref(obj);
	return CLI_OK;
}

static int
do_write(struct cli_opts *o, const char *cmd, const char *res, const char *id)
{
	char path[256];
	json_t *body, *obj = NULL;
	int first = id != NULL ? 2 : 1, rc;

	rc = build_body(o, cmd, res, o->args + first, o->n_args - first, &body);
	if (rc != CLI_OK)
		return rc;
	if (json_object_size(body) == 0 && id == NULL) {
		json_decref(body);
		return cli_usage_error(cmd, "nothing to create: give field=value words or a "
					    "JSON object");
	}
	if (id != NULL)
		snprintf(path, sizeof(path), CONFIG "%s/%s/", res, id);
	else
		snprintf(path, sizeof(path), CONFIG "%s/", res);
	rc = cli_api(&o->conn, id == NULL ? "POST" : o->replace ? "PUT" : "PATCH", path, body,
		     &obj);
	json_decref(body);
	if (rc != CLI_OK)
		return rc;
	if (o->json)
		cli_print_json(obj);
	else
		printf("%s %s %s\n", id == NULL ? "created" : "updated", res,
		       json_string_value(json_object_get(obj, "resource_uri")));
	json_decref(obj);
	return CLI_OK;
}

static int
do_delete(struct cli_opts *o, const char *cmd, const char *res)
{
	char path[256];
	json_t *none;
	int rc;

	for (int i = 1; i < o->n_args; i++) {
		if (!valid_id(o->args[i]))
			return cli_usage_error(cmd, "'%s' is not an object id", o->args[i]);
		snprintf(path, sizeof(path), CONFIG "%s/%s/", res, o->args[i]);
		rc = cli_api(&o->conn, "DELETE", path, NULL, &none);
		json_decref(none);
		if (rc != CLI_OK)
			return rc;
		if (!o->json)
			printf("deleted %s %s\n", res, o->args[i]);
	}
	if (o->json)
		printf("{\"deleted\": %d}\n", o->n_args - 1);
	return CLI_OK;
}

int
cli_config_main(struct cli_opts *o, const char *cmd)
{
	const char *res = o->n_args > 0 ? o->args[0] : NULL;

	if (strcmp(cmd, "resources") == 0)
		return o->n_args == 0 ? do_resources(o)
				      : cli_usage_error(cmd, "no arguments expected");
	if (res == NULL)
		return cli_usage_error(cmd, "which resource? ('tessctl resources' lists them)");
	if (!valid_name(res))
		return cli_usage_error(cmd, "'%s' is not a resource name", res);
	if (strcmp(cmd, "list") == 0 || strcmp(cmd, "ls") == 0)
		return cli_list(o, cmd, CONFIG, res, o->args + 1, o->n_args - 1);
	if (strcmp(cmd, "schema") == 0) {
		json_t *s;
		char path[256];
		int rc;

		snprintf(path, sizeof(path), CONFIG "%s/schema/", res);
		rc = cli_api(&o->conn, "GET", path, NULL, &s);
		if (rc == CLI_OK)
			cli_print_json(s);
		json_decref(s);
		return rc;
	}
	if (strcmp(cmd, "show") == 0 || strcmp(cmd, "get") == 0)
		return o->n_args == 2 ? do_show(o, cmd, CONFIG, res, o->args[1])
				      : cli_usage_error(cmd, "expected RESOURCE ID");
	if (strcmp(cmd, "create") == 0)
		return do_write(o, cmd, res, NULL);
	if (strcmp(cmd, "update") == 0) {
		if (o->n_args < 3)
			return cli_usage_error(cmd, "expected RESOURCE ID FIELD=VALUE...");
		if (!valid_id(o->args[1]))
			return cli_usage_error(cmd, "'%s' is not an object id", o->args[1]);
		return do_write(o, cmd, res, o->args[1]);
	}
	if (strcmp(cmd, "delete") == 0 || strcmp(cmd, "rm") == 0)
		return o->n_args >= 2 ? do_delete(o, cmd, res)
				      : cli_usage_error(cmd, "expected RESOURCE ID...");
	return cli_usage_error(NULL, "unknown command %s", cmd);
}

int
cli_show(struct cli_opts *o, const char *cmd, const char *prefix, const char *res, const char *id)
{
	return do_show(o, cmd, prefix, res, id);
}
