/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_replica.c - load configuration objects from a JSON file (jansson).
 *
 * Field names, ranges and defaults follow mgmt-api's resources
 * (guide part 3 §3.5 for gateway_routing_rule). Unknown fields are ignored so
 * a file built from API responses loads as is.
 * Context: control path (startup).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "cp_replica.h"

static json_t *
objects_of(json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);

	if (json_is_object(v))
		v = json_object_get(v, "objects");
	return v;
}

/* Copy an optional string field; @return 0, -EINVAL when wrong type or too long. */
static int
get_str(json_t *o, const char *key, char *dst, size_t cap, const char *def)
{
	json_t *v = json_object_get(o, key);
	const char *s = def;

	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			return -EINVAL;
		s = json_string_value(v);
	}
	if (strlen(s) >= cap)
		return -EINVAL;
	strcpy(dst, s);
	return 0;
}

static int
get_bool(json_t *o, const char *key, bool *dst, bool def)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v)) {
		*dst = def;
		return 0;
	}
	if (!json_is_boolean(v))
		return -EINVAL;
	*dst = json_is_true(v);
	return 0;
}

static bool
one_of(const char *v, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

#define FAIL(...) (snprintf(err, errcap, __VA_ARGS__), -EINVAL)

static int
load_rule(json_t *o, struct cp_replica_rule *r, char *err, size_t errcap)
{
	static const char *const devs[] = {"external", "registration", "mssip_conference_id",
					   "mssip_server", NULL};
	static const char *const protos[] = {"sip", "h323", "mssip", "rtmp", NULL};
	static const char *const cmodes[] = {"", "besteffort", "on", "off", NULL};
	json_t *prio = json_object_get(o, "priority");
	int rc;

	if (!json_is_object(o))
		return FAIL("gateway_routing_rule: not an object");
	if (get_str(o, "name", r->name, sizeof(r->name), "") < 0 || r->name[0] == '\0')
		return FAIL("gateway_routing_rule: name is required (1-250 characters)");
	if (!json_is_integer(prio) || json_integer_value(prio) < 1 ||
	    json_integer_value(prio) > 200)
		return FAIL("gateway_routing_rule %s: priority must be 1-200", r->name);
	r->priority = (int)json_integer_value(prio);
	if (get_str(o, "match_string", r->match_string, sizeof(r->match_string), "") < 0 ||
	    r->match_string[0] == '\0')
		return FAIL("gateway_routing_rule %s: match_string is required", r->name);
	if (get_str(o, "replace_string", r->replace_string, sizeof(r->replace_string), "") < 0 ||
	    get_str(o, "called_device_type", r->called_device_type,
		    sizeof(r->called_device_type), "external") < 0 ||
	    !one_of(r->called_device_type, devs))
		return FAIL("gateway_routing_rule %s: bad replace_string or called_device_type",
			    r->name);
	if (get_str(o, "outgoing_protocol", r->outgoing_protocol, sizeof(r->outgoing_protocol),
		    "sip") < 0 ||
	    !one_of(r->outgoing_protocol, protos))
		return FAIL("gateway_routing_rule %s: bad outgoing_protocol", r->name);
	if (get_str(o, "crypto_mode", r->crypto_mode, sizeof(r->crypto_mode), "") < 0 ||
	    !one_of(r->crypto_mode, cmodes))
		return FAIL("gateway_routing_rule %s: bad crypto_mode", r->name);
	if (get_bool(o, "enable", &r->enable, true) < 0 ||
	    get_bool(o, "match_string_full", &r->match_string_full, false) < 0 ||
	    get_bool(o, "match_incoming_calls", &r->match_incoming_calls, true) < 0 ||
	    get_bool(o, "match_incoming_sip", &r->match_incoming_sip, true) < 0)
		return FAIL("gateway_routing_rule %s: a boolean field is not a boolean", r->name);
	rc = regcomp(&r->re, r->match_string, REG_EXTENDED | REG_ICASE);
	if (rc != 0)
		return FAIL("gateway_routing_rule %s: match_string is not a valid regex", r->name);
	return 0;
}

/* A PIN: "" or 4-20 characters, digits with one optional trailing '#' (FR-PIN-4). */
static bool
pin_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0)
		return true;
	if (n < 4 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(p[i] >= '0' && p[i] <= '9') && !(p[i] == '#' && i == n - 1))
			return false;
	return true;
}

static int
get_uint(json_t *o, const char *key, unsigned int lo, unsigned int hi, unsigned int def,
	 unsigned int *dst)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v)) {
		*dst = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -EINVAL;
	*dst = (unsigned int)json_integer_value(v);
	return 0;
}

static int
load_service(json_t *c, struct cp_replica_service *sv, char *err, size_t errcap)
{
	static const char *const types[] = {"conference", "lecture", "two_stage_dialing",
					    "test_call", NULL};
	json_t *id = json_object_get(c, "id");
	regex_t re;

	if (!json_is_object(c))
		return FAIL("conference: not an object");
	if (get_str(c, "name", sv->name, sizeof(sv->name), "") < 0 || sv->name[0] == '\0')
		return FAIL("conference: name is required (1-250 characters)");
	sv->id = json_is_integer(id) ? json_integer_value(id) : -1;
	if (get_str(c, "service_type", sv->service_type, sizeof(sv->service_type),
		    "conference") < 0 ||
	    !one_of(sv->service_type, types))
		return FAIL("conference %s: bad service_type", sv->name);
	if (get_str(c, "pin", sv->pin, sizeof(sv->pin), "") < 0 || !pin_ok(sv->pin) ||
	    get_str(c, "guest_pin", sv->guest_pin, sizeof(sv->guest_pin), "") < 0 ||
	    !pin_ok(sv->guest_pin))
		return FAIL("conference %s: a PIN must be 4-20 digits with an optional trailing #",
			    sv->name);
	if (sv->guest_pin[0] != '\0' && sv->pin[0] == '\0')
		return FAIL("conference %s: a Guest PIN needs a Host PIN", sv->name);
	if (get_bool(c, "allow_guests", &sv->allow_guests, false) < 0 ||
	    get_bool(c, "mute_all_guests", &sv->mute_all_guests, false) < 0)
		return FAIL("conference %s: a boolean field is not a boolean", sv->name);
	if (get_uint(c, "participant_limit", 1, 1000000, 0, &sv->participant_limit) < 0)
		return FAIL("conference %s: participant_limit must be null or 1-1000000", sv->name);
	if (get_str(c, "match_string", sv->match_string, sizeof(sv->match_string), "") < 0 ||
	    get_str(c, "replace_string", sv->replace_string, sizeof(sv->replace_string), "") < 0)
		return FAIL("conference %s: bad match_string or replace_string", sv->name);
	if (sv->match_string[0] != '\0') {
		if (regcomp(&re, sv->match_string, REG_EXTENDED | REG_ICASE) != 0)
			return FAIL("conference %s: match_string is not a valid regex", sv->name);
		regfree(&re);
	}
	return 0;
}

static int load_registrar(struct cp_replica *r, json_t *g, char *err, size_t errcap);

static int
load_global(struct cp_replica *r, json_t *root, char *err, size_t errcap)
{
	json_t *g = json_object_get(root, "global");

	if (json_is_object(g) && json_object_get(g, "objects") != NULL)
		g = json_object_get(g, "objects"); /* a list response */
	if (json_is_array(g))
		g = json_array_get(g, 0);
	if (g != NULL && !json_is_object(g))
		return FAIL("global must be an object or a list of one object");
	if (get_uint(g, "guests_only_timeout", 0, 86400, 60, &r->global.guests_only_timeout) < 0)
		return FAIL("global: guests_only_timeout must be 0-86400");
	if (get_uint(g, "last_participant_backstop_timeout", 0, 86400, 0,
		     &r->global.last_participant_backstop_timeout) < 0 ||
	    (r->global.last_participant_backstop_timeout != 0 &&
	     r->global.last_participant_backstop_timeout < 60))
		return FAIL("global: last_participant_backstop_timeout must be 0 or 60-86400");
	if (get_uint(g, "pin_entry_timeout", 30, 3600, 120, &r->global.pin_entry_timeout) < 0)
		return FAIL("global: pin_entry_timeout must be 30-3600");
	return load_registrar(r, g, err, errcap);
}

static int
add_alias(struct cp_replica *r, const char *alias, unsigned int svc, char *err, size_t errcap)
{
	const char *conf = r->services[svc].name, *type = r->services[svc].service_type;
	struct cp_replica_alias *a;

	if (alias[0] == '\0' || strlen(alias) >= CP_REPLICA_STR)
		return FAIL("conference %s: alias must be 1-250 characters", conf);
	if (cp_replica_alias_lookup(r, alias) != NULL)
		return FAIL("alias %s is used twice", alias);
	a = realloc(r->aliases, (r->n_aliases + 1) * sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	r->aliases = a;
	a = &r->aliases[r->n_aliases++];
	memset(a, 0, sizeof(*a));
	strcpy(a->alias, alias);
	snprintf(a->conference, sizeof(a->conference), "%s", conf);
	snprintf(a->service_type, sizeof(a->service_type), "%s", type);
	a->svc = svc;
	return 0;
}

/* "/api/admin/configuration/v1/conference/7/", 7, or a name -> the conference object. */
static json_t *
find_conference(json_t *confs, json_t *ref)
{
	size_t i;
	json_t *c;
	long long id = -1;

	if (json_is_integer(ref))
		id = json_integer_value(ref);
	else if (json_is_string(ref)) {
		const char *s = json_string_value(ref), *p = s + strlen(s);

		while (p > s && p[-1] == '/')
			p--;
		while (p > s && p[-1] >= '0' && p[-1] <= '9')
			p--;
		if (strstr(s, "/conference/") != NULL)
			id = atoll(p);
	}
	json_array_foreach(confs, i, c) {
		json_t *cid = json_object_get(c, "id");

		if (id >= 0 ? json_integer_value(cid) == id && json_is_integer(cid) :
			      json_is_string(ref) &&
				      strcmp(json_string_value(json_object_get(c, "name")) ?: "",
					     json_string_value(ref)) == 0)
			return c;
	}
	return NULL;
}

static int
load_services(struct cp_replica *r, json_t *root, char *err, size_t errcap)
{
	json_t *confs = objects_of(root, "conference"), *aliases = objects_of(root,
									       "conference_alias");
	json_t *c, *a;
	size_t i, j;
	int rc;

	if ((confs != NULL && !json_is_array(confs)) || (aliases != NULL && !json_is_array(aliases)))
		return FAIL("conference and conference_alias must be lists");
	r->services = calloc(json_array_size(confs) + 1, sizeof(*r->services));
	if (r->services == NULL)
		return -ENOMEM;
	json_array_foreach(confs, i, c) {
		rc = load_service(c, &r->services[i], err, errcap);
		if (rc < 0)
			return rc;
		for (unsigned int k = 0; k < i; k++)
			if (strcmp(r->services[k].name, r->services[i].name) == 0)
				return FAIL("conference %s: name used twice", r->services[i].name);
		r->n_services++;
		json_array_foreach(json_object_get(c, "aliases"), j, a) {
			const char *al = json_string_value(json_object_get(a, "alias"));

			rc = add_alias(r, al ?: "", (unsigned int)i, err, errcap);
			if (rc < 0)
				return rc;
		}
	}
	json_array_foreach(aliases, i, a) {
		const char *al = json_string_value(json_object_get(a, "alias"));
		json_t *conf = find_conference(confs, json_object_get(a, "conference"));
		size_t k;

		if (conf == NULL)
			return FAIL("conference_alias %s: unknown conference", al ?: "?");
		k = (size_t)json_array_size(confs);
		for (size_t m = 0; m < json_array_size(confs); m++)
			if (json_array_get(confs, m) == conf)
				k = m;
		/* The same alias nested in its conference and listed on its own is one alias. */
		const struct cp_replica_alias *dup = cp_replica_alias_lookup(r, al ?: "");

		if (dup != NULL && dup->svc == k)
			continue;
		rc = add_alias(r, al ?: "", (unsigned int)k, err, errcap);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* automatic_participant objects: one entry per (participant, conference) pair. */
static int
load_adps(struct cp_replica *r, json_t *root, char *err, size_t errcap)
{
	json_t *adps = objects_of(root, "automatic_participant"), *confs = objects_of(root,
										     "conference");
	json_t *o, *ref;
	size_t i, j;

	if (adps == NULL)
		return 0;
	if (!json_is_array(adps))
		return FAIL("automatic_participant must be a list");
	json_array_foreach(adps, i, o) {
		struct cp_replica_adp a = {0};
		json_t *refs = json_object_get(o, "conference");

		if (!json_is_object(o) || get_str(o, "alias", a.alias, sizeof(a.alias), "") < 0 ||
		    a.alias[0] == '\0')
			return FAIL("automatic_participant #%zu: alias is required", i);
		if (get_str(o, "role", a.role, sizeof(a.role), "guest") < 0 ||
		    (strcmp(a.role, "guest") != 0 && strcmp(a.role, "chair") != 0))
			return FAIL("automatic_participant %s: role must be guest or chair", a.alias);
		if (get_str(o, "dtmf_sequence", a.dtmf_sequence, sizeof(a.dtmf_sequence), "") < 0 ||
		    strspn(a.dtmf_sequence, "0123456789*#,") != strlen(a.dtmf_sequence))
			return FAIL("automatic_participant %s: bad dtmf_sequence", a.alias);
		if (refs != NULL && !json_is_array(refs))
			return FAIL("automatic_participant %s: conference must be a list", a.alias);
		json_array_foreach(refs, j, ref) {
			json_t *conf = find_conference(confs, ref);
			struct cp_replica_adp *n;

			if (conf == NULL)
				return FAIL("automatic_participant %s: unknown conference", a.alias);
			for (a.svc = 0; a.svc < r->n_services; a.svc++)
				if (json_array_get(confs, a.svc) == conf)
					break;
			n = realloc(r->adps, (r->n_adps + 1) * sizeof(*n));
			if (n == NULL)
				return -ENOMEM;
			r->adps = n;
			r->adps[r->n_adps++] = a;
		}
	}
	return 0;
}

/* device objects: the registrar's allow-list (FR-REG-2, FR-REG-3). */
static int
load_devices(struct cp_replica *r, json_t *root, char *err, size_t errcap)
{
	json_t *devs = objects_of(root, "device"), *o;
	size_t i;

	if (devs == NULL)
		return 0;
	if (!json_is_array(devs))
		return FAIL("device must be a list");
	r->devices = calloc(json_array_size(devs) + 1, sizeof(*r->devices));
	if (r->devices == NULL)
		return -ENOMEM;
	json_array_foreach(devs, i, o) {
		struct cp_replica_device *d = &r->devices[i];

		if (!json_is_object(o) || get_str(o, "alias", d->alias, sizeof(d->alias), "") < 0 ||
		    d->alias[0] == '\0')
			return FAIL("device #%zu: alias is required (1-250 characters)", i);
		if (strpbrk(d->alias, "<>\"\\ \t\r\n") != NULL)
			return FAIL("device %s: alias must not contain spaces, quotes or <>", d->alias);
		if (get_str(o, "username", d->username, sizeof(d->username), "") < 0 ||
		    get_str(o, "password", d->password, sizeof(d->password), "") < 0)
			return FAIL("device %s: username and password are 0-250 characters", d->alias);
		if ((d->username[0] == '\0') != (d->password[0] == '\0'))
			return FAIL("device %s: username and password go together", d->alias);
		if (strpbrk(d->username, "\"\\\r\n") != NULL)
			return FAIL("device %s: username must not contain quotes or backslashes",
				    d->alias);
		if (get_bool(o, "enable_sip", &d->enable_sip, true) < 0)
			return FAIL("device %s: enable_sip is not a boolean", d->alias);
		if (cp_replica_device_lookup(r, d->alias) != NULL)
			return FAIL("device alias %s is used twice", d->alias);
		r->n_devices++;
	}
	return 0;
}

/* The registrar settings in `global` (guide part 3 §3.8). */
static int
load_registrar(struct cp_replica *r, json_t *g, char *err, size_t errcap)
{
	struct cp_replica_registrar *rg = &r->registrar;
	char strategy[16];

	if (get_bool(g, "enable_registrar", &rg->enable, true) < 0)
		return FAIL("global: enable_registrar is not a boolean");
	if (get_str(g, "registration_refresh_strategy", strategy, sizeof(strategy), "adaptive") < 0 ||
	    (strcasecmp(strategy, "adaptive") != 0 && strcasecmp(strategy, "basic") != 0))
		return FAIL("global: registration_refresh_strategy must be adaptive or basic");
	rg->adaptive = strcasecmp(strategy, "adaptive") == 0;
	if (get_uint(g, "adaptive_min_refresh", 1, 86400, 60, &rg->adaptive_min) < 0 ||
	    get_uint(g, "adaptive_max_refresh", 1, 86400, 3600, &rg->adaptive_max) < 0 ||
	    get_uint(g, "basic_min_refresh", 1, 86400, 60, &rg->basic_min) < 0 ||
	    get_uint(g, "basic_max_refresh", 1, 86400, 300, &rg->basic_max) < 0 ||
	    get_uint(g, "nat_min_refresh", 1, 86400, 60, &rg->nat_min) < 0 ||
	    get_uint(g, "nat_max_refresh", 1, 86400, 90, &rg->nat_max) < 0)
		return FAIL("global: registration refresh bounds must be 1-86400 s");
	if (rg->adaptive_min > rg->adaptive_max || rg->basic_min > rg->basic_max ||
	    rg->nat_min > rg->nat_max)
		return FAIL("global: a registration refresh minimum exceeds its maximum");
	return 0;
}

static int
rule_cmp(const void *a, const void *b)
{
	const struct cp_replica_rule *x = a, *y = b;

	return x->priority - y->priority;
}

static int
load_rules(struct cp_replica *r, json_t *root, char *err, size_t errcap)
{
	json_t *rules = objects_of(root, "gateway_routing_rule"), *o;
	struct cp_replica_rule *tmp;
	size_t i;
	int rc;

	if (rules == NULL)
		return 0;
	if (!json_is_array(rules))
		return FAIL("gateway_routing_rule must be a list");
	r->rules = calloc(json_array_size(rules) + 1, sizeof(*r->rules));
	if (r->rules == NULL)
		return -ENOMEM;
	json_array_foreach(rules, i, o) {
		rc = load_rule(o, &r->rules[i], err, errcap);
		if (rc < 0)
			return rc;
		r->n_rules++;
	}
	/* A stable sort by priority: equal priorities keep the file order (FR-CRR-2). */
	tmp = calloc(r->n_rules + 1, sizeof(*tmp));
	if (tmp == NULL)
		return -ENOMEM;
	for (unsigned int k = 1; k < r->n_rules; k++)
		for (unsigned int m = k; m > 0 && rule_cmp(&r->rules[m - 1], &r->rules[m]) > 0;
		     m--) {
			tmp[0] = r->rules[m];
			r->rules[m] = r->rules[m - 1];
			r->rules[m - 1] = tmp[0];
		}
	free(tmp);
	return 0;
}

/* The index of the object whose resource URI or id is @p ref, or -1. */
static int
ref_index(json_t *list, json_t *ref)
{
	const char *uri = json_string_value(ref);
	json_t *o;
	size_t i;

	if (ref == NULL || json_is_null(ref) || list == NULL)
		return -1; /* none, or a document without locations (a file) */
	json_array_foreach(list, i, o) {
		json_t *id = json_object_get(o, "id");
		const char *ru = json_string_value(json_object_get(o, "resource_uri"));

		if ((uri != NULL && ru != NULL && strcmp(uri, ru) == 0) ||
		    (json_is_integer(ref) && json_is_integer(id) &&
		     json_integer_value(ref) == json_integer_value(id)))
			return (int)i;
		if (uri != NULL && json_is_integer(id)) {
			char want[96];

			snprintf(want, sizeof(want), "/api/admin/configuration/v1/system_location/%lld/",
				 (long long)json_integer_value(id));
			if (strcmp(uri, want) == 0)
				return (int)i;
		}
	}
	return -2;
}

/* system_location and worker_vm: where the node's peers are (backplane, placement). */
static int
load_nodes(struct cp_replica *r, json_t *root, char *err, size_t errcap)
{
	json_t *locs = objects_of(root, "system_location"), *vms = objects_of(root, "worker_vm");
	json_t *o;
	size_t i;
	int k;

	if ((locs != NULL && !json_is_array(locs)) || (vms != NULL && !json_is_array(vms)))
		return FAIL("system_location and worker_vm must be lists");
	r->locations = calloc(json_array_size(locs) + 1, sizeof(*r->locations));
	r->nodes = calloc(json_array_size(vms) + 1, sizeof(*r->nodes));
	if (r->locations == NULL || r->nodes == NULL)
		return -ENOMEM;
	json_array_foreach(locs, i, o) {
		struct cp_replica_location *l = &r->locations[i];

		if (!json_is_object(o) || get_str(o, "name", l->name, sizeof(l->name), "") < 0 ||
		    l->name[0] == '\0')
			return FAIL("system_location #%zu: name is required", i);
		l->id = json_integer_value(json_object_get(o, "id"));
		l->overflow1 = ref_index(locs, json_object_get(o, "overflow_location1"));
		l->overflow2 = ref_index(locs, json_object_get(o, "overflow_location2"));
		if (l->overflow1 < -1 || l->overflow2 < -1)
			return FAIL("system_location %s: unknown overflow location", l->name);
		r->n_locations++;
	}
	json_array_foreach(vms, i, o) {
		struct cp_replica_node *n = &r->nodes[i];
		unsigned char ip[16];

		if (!json_is_object(o) || get_str(o, "name", n->name, sizeof(n->name), "") < 0 ||
		    n->name[0] == '\0')
			return FAIL("worker_vm #%zu: name is required", i);
		if (get_str(o, "address", n->address, sizeof(n->address), "") < 0 ||
		    (inet_pton(AF_INET, n->address, ip) != 1 && inet_pton(AF_INET6, n->address, ip) != 1))
			return FAIL("worker_vm %s: address must be an IP address", n->name);
		if (get_bool(o, "maintenance_mode", &n->maintenance, false) < 0)
			return FAIL("worker_vm %s: maintenance_mode is not a boolean", n->name);
		k = ref_index(locs, json_object_get(o, "system_location"));
		if (k < -1)
			return FAIL("worker_vm %s: unknown system_location", n->name);
		n->location = k;
		if (cp_replica_node_lookup(r, n->name) != NULL)
			return FAIL("worker_vm name %s is used twice", n->name);
		r->n_nodes++;
	}
	return 0;
}

const struct cp_replica_node *
cp_replica_node_lookup(const struct cp_replica *r, const char *name)
{
	for (unsigned int i = 0; i < r->n_nodes; i++)
		if (strcmp(r->nodes[i].name, name) == 0)
			return &r->nodes[i];
	return NULL;
}

struct cp_replica *
cp_replica_empty(void)
{
	struct cp_replica *r = calloc(1, sizeof(*r));

	if (r != NULL) {
		r->global = (struct cp_replica_global){.guests_only_timeout = 60,
						       .pin_entry_timeout = 120};
		r->registrar = (struct cp_replica_registrar){
			.enable = true, .adaptive = true, .adaptive_min = 60,
			.adaptive_max = 3600, .basic_min = 60, .basic_max = 300,
			.nat_min = 60, .nat_max = 90};
	}
	return r;
}

int
cp_replica_from_json(json_t *root, struct cp_replica **out, char *err, size_t errcap)
{
	struct cp_replica *r = cp_replica_empty();
	int rc;

	if (r == NULL)
		return -ENOMEM;
	rc = json_is_object(root) ? 0 : FAIL("top level must be an object");
	if (rc == 0)
		rc = load_services(r, root, err, errcap);
	if (rc == 0)
		rc = load_rules(r, root, err, errcap);
	if (rc == 0)
		rc = load_global(r, root, err, errcap);
	if (rc == 0)
		rc = load_adps(r, root, err, errcap);
	if (rc == 0)
		rc = load_devices(r, root, err, errcap);
	if (rc == 0)
		rc = load_nodes(r, root, err, errcap);
	if (rc < 0) {
		cp_replica_destroy(r);
		return rc;
	}
	*out = r;
	return 0;
}

int
cp_replica_load(const char *path, struct cp_replica **out, char *err, size_t errcap)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errcap, "%s:%d: %s", path, jerr.line, jerr.text);
		return json_error_code(&jerr) == json_error_cannot_open_file ? -ENOENT : -EINVAL;
	}
	rc = cp_replica_from_json(root, out, err, errcap);
	json_decref(root);
	return rc;
}

void
cp_replica_destroy(struct cp_replica *r)
{
	if (r == NULL)
		return;
	for (unsigned int i = 0; i < r->n_rules; i++)
		regfree(&r->rules[i].re);
	free(r->rules);
	free(r->aliases);
	free(r->services);
	free(r->adps);
	if (r->devices != NULL)
		explicit_bzero(r->devices, r->n_devices * sizeof(*r->devices));
	free(r->devices);
	free(r->locations);
	free(r->nodes);
	free(r);
}

const struct cp_replica_device *
cp_replica_device_lookup(const struct cp_replica *r, const char *alias)
{
	for (unsigned int i = 0; i < r->n_devices; i++)
		if (strcasecmp(r->devices[i].alias, alias) == 0)
			return &r->devices[i];
	return NULL;
}

const struct cp_replica_alias *
cp_replica_alias_lookup(const struct cp_replica *r, const char *alias)
{
	for (unsigned int i = 0; i < r->n_aliases; i++)
		if (strcasecmp(r->aliases[i].alias, alias) == 0)
			return &r->aliases[i];
	return NULL;
}

const struct cp_replica_service *
cp_replica_alias_service(const struct cp_replica *r, const struct cp_replica_alias *a)
{
	return a != NULL && a->svc < r->n_services ? &r->services[a->svc] : NULL;
}
