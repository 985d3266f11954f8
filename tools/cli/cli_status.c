/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cli_status.c - tessctl's read-only views and conference control:
 * status (worker_vm, conference, participant, alarm), the live topology,
 * history, and the command module (dial, mute, lock, transfer, ...).
 *
 * Context: a short-lived single-threaded CLI process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define STATUS "/api/admin/status/v1/"
#define HISTORY "/api/admin/history/v1/"
#define COMMAND "/api/admin/command/v1/"

static const struct {
	const char *prefix, *res, *cols;
} view_cols[] = {
	{STATUS, "worker_vm",
	 "name,address,system_location,contact_health,in_sync,config_version,media_load,"
	 "conference_count,participant_count"},
	{STATUS, "conference", "id,name,service_type,is_locked,guests_muted,participant_count,"
			       "start_time"},
	{STATUS, "participant", "id,conference,display_name,source_alias,role,protocol,is_muted,"
				"node"},
	{STATUS, "alarm", "id,identifier,level,node,instance,time_raised,acknowledged"},
	{HISTORY, "conference", "id,name,service_type,start_time,end_time,duration,"
				"participant_count"},
	{HISTORY, "participant", "id,conference_name,display_name,remote_alias,protocol,role,"
				 "start_time,duration,disconnect_reason"},
	{HISTORY, "alarm", "id,identifier,level,node,time_raised,time_lowered"},
};

static void
print_live(const json_t *live)
{
	size_t i, j, k, m;
	json_t *loc, *node, *conf, *p;

	json_array_foreach(json_object_get(live, "locations"), i, loc)
	{
		printf("location %s (%" JSON_INTEGER_FORMAT " nodes)\n",
		       json_string_value(json_object_get(loc, "name")),
		       json_integer_value(json_object_get(loc, "node_count")));
		json_array_foreach(json_object_get(loc, "nodes"), j, node)
		{
			printf("  node %s %s health=%s in_sync=%s config=%" JSON_INTEGER_FORMAT
			       " load=%" JSON_INTEGER_FORMAT "%%%s\n",
			       json_string_value(json_object_get(node, "name")),
			       json_string_value(json_object_get(node, "address")),
			       json_string_value(json_object_get(node, "contact_health")),
			       json_is_true(json_object_get(node, "in_sync")) ? "yes" : "no",
			       json_integer_value(json_object_get(node, "config_version")),
			       json_integer_value(json_object_get(node, "media_load")),
			       json_is_true(json_object_get(node, "maintenance_mode"))
				       ? " MAINTENANCE"
				       : "");
			json_array_foreach(json_object_get(node, "conferences"), k, conf)
			{
				printf("    conference %s [%s]%s participants=%" JSON_INTEGER_FORMAT
				       " since %s\n",
				       json_string_value(json_object_get(conf, "name")),
				       json_string_value(json_object_get(conf, "service_type")),
				       json_is_true(json_object_get(conf, "is_locked")) ? " LOCKED"
											: "",
				       json_integer_value(json_object_get(conf, "participant_count")),
				       json_string_value(json_object_get(conf, "start_time")));
				json_array_foreach(json_object_get(conf, "participants"), m, p)
					printf("      %s %s %s %s%s%s\n",
					       json_string_value(json_object_get(p, "id")),
					       json_string_value(json_object_get(p, "display_name")),
					       json_string_value(json_object_get(p, "source_alias")),
					       json_string_value(json_object_get(p, "role")),
					       json_is_true(json_object_get(p, "is_muted")) ? " muted"
											   : "",
					       json_is_true(json_object_get(p, "is_presenting"))
						       ? " presenting"
						       : "");
			}
		}
	}
}

static int
do_live(struct cli_opts *o)
{
	json_t *live;
	int rc;

	do {
		rc = cli_api(&o->conn, "GET", STATUS "live/", NULL, &live);
		if (rc != CLI_OK)
			return rc;
		if (o->watch > 0 && !o->json)
			printf("\033[H\033[2J");
		if (o->json)
			cli_print_json(live);
		else
			print_live(live);
		json_decref(live);
		fflush(stdout);
		if (o->watch > 0)
			sleep((unsigned int)o->watch);
	} while (o->watch > 0);
	return CLI_OK;
}

static int
do_view(struct cli_opts *o, const char *cmd, const char *prefix, const char *def)
{
	const char *res = o->n_args > 0 ? o->args[0] : def;
	int first = o->n_args > 0 ? 1 : 0;

	if (strcmp(prefix, STATUS) == 0 && strcmp(res, "live") == 0)
		return do_live(o);
	/* "status participant ID": one object; anything with '=' is a filter. */
	if (o->n_args == 2 && strchr(o->args[1], '=') == NULL)
		return cli_show(o, cmd, prefix, res, o->args[1]);
	if (o->columns == NULL)
		for (size_t i = 0; i < sizeof(view_cols) / sizeof(view_cols[0]); i++)
			if (strcmp(view_cols[i].prefix, prefix) == 0 &&
			    strcmp(view_cols[i].res, res) == 0)
				o->columns = view_cols[i].cols;
	return cli_list(o, cmd, prefix, res, o->args + first, o->n_args - first);
}

int
cli_status_main(struct cli_opts *o, const char *cmd)
{
	if (strcmp(cmd, "live") == 0) {
		if (o->n_args != 0)
			return cli_usage_error(cmd, "no arguments expected");
		return do_live(o);
	}
	if (strcmp(cmd, "status") == 0)
		return do_view(o, cmd, STATUS, "worker_vm");
	return do_view(o, cmd, HISTORY, "conference");
}

/* ---- commands ---------------------------------------------------------------------------- */

/* Words of extra arguments: field=value (strings, true/false) or field:=JSON. */
static int
add_extra(const char *cmd, json_t *body, char **words, int n)
{
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(words[i], '=');
		json_t *v;
		char key[64];
		bool raw;

		if (eq == NULL || eq == words[i] || eq - words[i] >= (long)sizeof(key))
			return cli_usage_error(cmd, "expected field=value, got '%s'", words[i]);
		raw = eq[-1] == ':';
		snprintf(key, sizeof(key), "%.*s", (int)(eq - words[i] - (raw ? 1 : 0)), words[i]);
		if (raw)
			v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
		else if (strcmp(eq + 1, "true") == 0 || strcmp(eq + 1, "false") == 0)
			v = json_boolean(eq[1] == 't');
		else
			v = json_string(eq + 1);
		if (v == NULL)
			return cli_usage_error(cmd, "%s: not JSON", key);
		json_object_set_new(body, key, v);
	}
	return CLI_OK;
}

static const struct {
	const char *cmd;  /* tessctl word */
	const char *path; /* command module path */
	const char *pos[2];
	int n_pos;
} commands[] = {
	{"dial", "participant/dial/", {"conference_alias", "destination"}, 2},
	{"mute", "participant/mute/", {"participant_id"}, 1},
	{"unmute", "participant/unmute/", {"participant_id"}, 1},
	{"disconnect", "participant/disconnect/", {"participant_id"}, 1},
	{"transfer", "participant/transfer/", {"participant_id", "conference_alias"}, 2},
	{"role", "participant/role/", {"participant_id", "role"}, 2},
	{"lock", "conference/lock/", {"conference_id"}, 1},
	{"unlock", "conference/unlock/", {"conference_id"}, 1},
	{"mute-guests", "conference/mute_guests/", {"conference_id"}, 1},
	{"unmute-guests", "conference/unmute_guests/", {"conference_id"}, 1},
	{"disconnect-all", "conference/disconnect/", {"conference_id"}, 1},
};

bool
cli_is_command(const char *cmd)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].cmd, cmd) == 0)
			return true;
	return false;
}

int
cli_command_main(struct cli_opts *o, const char *cmd)
{
	char path[128];
	json_t *body, *res = NULL;
	int rc;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].cmd, cmd) != 0)
			continue;
		if (o->n_args < commands[i].n_pos)
			return cli_usage_error(cmd, "expected %s%s%s",
					       commands[i].pos[0], commands[i].n_pos > 1 ? " " : "",
					       commands[i].n_pos > 1 ? commands[i].pos[1] : "");
		body = json_object();
		for (int k = 0; k < commands[i].n_pos; k++)
			json_object_set_new(body, commands[i].pos[k], json_string(o->args[k]));
		rc = add_extra(cmd, body, o->args + commands[i].n_pos,
			       o->n_args - commands[i].n_pos);
		if (rc == CLI_OK) {
			snprintf(path, sizeof(path), COMMAND "%s", commands[i].path);
			rc = cli_api(&o->conn, "POST", path, body, &res);
		}
		json_decref(body);
		if (rc == CLI_OK) {
			if (o->json)
				cli_print_json(res);
			else
				printf("%s: %s\n", json_string_value(json_object_get(res, "status")),
				       json_string_value(json_object_get(res, "message")));
		}
		json_decref(res);
		return rc;
	}
	return cli_usage_error(NULL, "unknown command %s", cmd);
}
