/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_ctl.c - JSON request handling of the data plane control protocol.
 *
 * Every request is validated completely (unknown fields, types, ranges,
 * node addresses, key lengths) before anything changes, so a rejected
 * request leaves the stream table as it was.
 *
 * Context: the data plane control thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "codec_dtmf.h"
#include "config.h"
#include "dp_ctl.h"
#include "dp_ctl_priv.h"
#include "dp_lcore.h"
#include "dp_main.h"
#include "dp_neigh_ctl.h"

static int
fail(struct ctl_err *e, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(struct ctl_err *e, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	e->field = field;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
errno_code(int err)
{
	switch (err) {
	case ENOENT:
		return "ENOENT";
	case EEXIST:
		return "EEXIST";
	case ENOSPC:
		return "ENOSPC";
	case ENOMEM:
		return "ENOMEM";
	case EBUSY:
		return "EBUSY";
	case ENODEV:
		return "ENODEV";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	default:
		return "EINVAL";
	}
}

/* RFC 4648 base64 (standard alphabet, padding optional). @return bytes or -1. */
static int
b64_decode(const char *in, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	for (; *in != '\0' && *in != '='; in++) {
		int v;

		if (*in >= 'A' && *in <= 'Z')
			v = *in - 'A';
		else if (*in >= 'a' && *in <= 'z')
			v = *in - 'a' + 26;
		else if (*in >= '0' && *in <= '9')
			v = *in - '0' + 52;
		else if (*in == '+')
			v = 62;
		else if (*in == '/')
			v = 63;
		else
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	while (*in == '=')
		in++;
	return *in == '\0' ? (int)n : -1;
}

static int
parse_ip(const char *s, struct dp_ep *ep)
{
	uint8_t a[16];

	memset(ep, 0, sizeof(*ep));
	if (inet_pton(AF_INET, s, a) == 1) {
		ep->family = AF_INET;
		memcpy(ep->addr, a, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		ep->family = AF_INET6;
		memcpy(ep->addr, a, 16);
		return 0;
	}
	return -1;
}

static void
format_ip(const struct dp_ep *ep, char *buf, size_t cap)
{
	if (ep->family == 0 || inet_ntop(ep->family, ep->addr, buf, cap) == NULL)
		snprintf(buf, cap, "%s", "");
}

/* An integer member in [lo, hi]; absent leaves *out. @return 0, 1 when absent, -1. */
static int
get_int(json_t *args, const char *key, json_int_t lo, json_int_t hi, json_int_t *out,
	struct ctl_err *e)
{
	json_t *v = json_object_get(args, key);

	if (v == NULL)
		return 1;
	if (!json_is_integer(v))
		return fail(e, "EINVAL", key, "%s must be an integer", key);
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail(e, "EINVAL", key, "%s must be in %" JSON_INTEGER_FORMAT "..%" JSON_INTEGER_FORMAT,
			    key, lo, hi);
	*out = json_integer_value(v);
	return 0;
}

static int
get_bool(json_t *args, const char *key, bool *out, struct ctl_err *e)
{
	json_t *v = json_object_get(args, key);

	if (v == NULL)
		return 1;
	if (!json_is_boolean(v))
		return fail(e, "EINVAL", key, "%s must be true or false", key);
	*out = json_is_true(v);
	return 0;
}

static int
check_fields(json_t *args, const char *const *allowed, struct ctl_err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		bool ok = false;

		for (const char *const *a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				ok = true;
		if (!ok)
			return fail(e, "EINVAL", key, "unknown field %s", key);
	}
	return 0;
}

static int
parse_srtp(json_t *v, const char *field, enum dp_srtp_suite *suite, uint8_t *key,
	   struct ctl_err *e)
{
	static const char *const allowed[] = {"suite", "key", NULL};
	json_t *js, *jk;
	int s, n;
	size_t want;

	if (json_is_null(v)) {
		*suite = DP_SRTP_NULL;
		return 0;
	}
	if (!json_is_object(v))
		return fail(e, "EINVAL", field, "%s must be an object or null", field);
	if (check_fields(v, allowed, e) < 0)
		return -1;
	js = json_object_get(v, "suite");
	jk = json_object_get(v, "key");
	if (!json_is_string(js))
		return fail(e, "EINVAL", field, "%s.suite must be a string", field);
	s = dp_srtp_suite_parse(json_string_value(js));
	if (s < 0)
		return fail(e, "EINVAL", field, "%s.suite %s is not supported", field,
			    json_string_value(js));
	*suite = (enum dp_srtp_suite)s;
	if (*suite == DP_SRTP_NULL)
		return 0;
	if (!json_is_string(jk))
		return fail(e, "EINVAL", field, "%s.key must be a base64 string", field);
	want = dp_srtp_suite_key_len(*suite) + dp_srtp_suite_salt_len(*suite);
	n = b64_decode(json_string_value(jk), key, DP_SRTP_MAX_MASTER_KEY + DP_SRTP_MAX_MASTER_SALT);
	if (n < 0 || (size_t)n != want)
		return fail(e, "EINVAL", field, "%s.key must be base64 of %zu bytes (key and salt)",
			    field, want);
	return 0;
}

/* "pt_map": {"<pt>": <pt>, ...} or null: payload types rewritten on egress. */
static int
parse_pt_map(json_t *v, struct dp_stream_params *p, struct ctl_err *e)
{
	const char *key;
	json_t *val;

	memset(p->pt_map, DP_PT_KEEP, sizeof(p->pt_map));
	p->has_pt_map = false;
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return fail(e, "EINVAL", "pt_map", "pt_map must be an object or null");
	json_object_foreach(v, key, val) {
		char *end;
		long in = strtol(key, &end, 10);

		if (*key == '\0' || *end != '\0' || in < 0 || in > 127 || !json_is_integer(val) ||
		    json_integer_value(val) < 0 || json_integer_value(val) > 127)
			return fail(e, "EINVAL", "pt_map",
				    "pt_map maps payload types 0-127 to payload types 0-127");
		p->pt_map[in] = (uint8_t)json_integer_value(val);
		p->has_pt_map = true;
	}
	return 0;
}

/* Apply the fields present in @p args to @p p (create and update share this). */
static int
parse_stream(struct dp_main *dm, json_t *args, struct dp_stream_params *p, bool create,
	     struct ctl_err *e)
{
	json_t *v;
	json_int_t i = 0;
	bool have_rip, have_rport;
	int rc;

	if (create) {
		v = json_object_get(args, "local_ip");
		if (!json_is_string(v) || parse_ip(json_string_value(v), &p->local) < 0)
			return fail(e, "EINVAL", "local_ip", "local_ip must be an IP address");
		if (!dp_main_is_local(dm, p->local.family, p->local.addr))
			return fail(e, "EINVAL", "local_ip", "local_ip is not a node address");
		if (get_int(args, "local_port", 1, 65535, &i, e) != 0)
			return e->code ? -1 :
					 fail(e, "EINVAL", "local_port", "local_port is required");
		p->local.port = rte_cpu_to_be_16((uint16_t)i);
	}
	v = json_object_get(args, "remote_ip");
	have_rip = v != NULL && !json_is_null(v);
	have_rport = json_object_get(args, "remote_port") != NULL &&
		     !json_is_null(json_object_get(args, "remote_port"));
	if (have_rip != have_rport)
		return fail(e, "EINVAL", have_rip ? "remote_port" : "remote_ip",
			    "remote_ip and remote_port go together");
	if (v != NULL && json_is_null(v))
		memset(&p->remote, 0, sizeof(p->remote));
	if (have_rip) {
		if (!json_is_string(v) || parse_ip(json_string_value(v), &p->remote) < 0)
			return fail(e, "EINVAL", "remote_ip", "remote_ip must be an IP address");
		if (p->remote.family != p->local.family)
			return fail(e, "EINVAL", "remote_ip", "remote_ip and local_ip differ in family");
		if (get_int(args, "remote_port", 1, 65535, &i, e) != 0)
			return -1;
		p->remote.port = rte_cpu_to_be_16((uint16_t)i);
	}
	if (get_bool(args, "latch", &p->latch, e) < 0 ||
	    get_bool(args, "strict_source", &p->strict_source, e) < 0 ||
	    get_bool(args, "rtcp_mux", &p->rtcp_mux, e) < 0)
		return -1;
	if (!p->rtcp_mux && rte_be_to_cpu_16(p->local.port) == 65535)
		return fail(e, "EINVAL", "local_port", "no room for the RTCP port above 65535");
	if (!p->rtcp_mux && p->remote.family != 0 && rte_be_to_cpu_16(p->remote.port) == 65535)
		return fail(e, "EINVAL", "remote_port", "no room for the RTCP port above 65535");
	rc = get_int(args, "dscp", 0, 63, &i, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		p->dscp = (uint8_t)i;
	rc = get_int(args, "out_ssrc", 0, UINT32_MAX, &i, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		p->out_ssrc = (uint32_t)i;
	v = json_object_get(args, "relay_to");
	if (v != NULL && json_is_null(v)) {
		p->relay_to = DP_STREAM_NONE;
	} else if (v != NULL) {
		if (get_int(args, "relay_to", 0, dm->flows.max - 1, &i, e) < 0)
			return -1;
		if (dp_flow_stream_cfg(&dm->flows, (uint32_t)i) == NULL)
			return fail(e, "ENOENT", "relay_to", "relay_to names no stream");
		p->relay_to = (uint32_t)i;
	}
	if ((v = json_object_get(args, "pt_map")) != NULL) {
		if (parse_pt_map(v, p, e) < 0)
			return -1;
	}
	if ((v = json_object_get(args, "srtp_in")) != NULL) {
		if (parse_srtp(v, "srtp_in", &p->in_suite, p->in_key, e) < 0)
			return -1;
		p->in_keys_changed = true;
	}
	if ((v = json_object_get(args, "srtp_out")) != NULL) {
		if (parse_srtp(v, "srtp_out", &p->out_suite, p->out_key, e) < 0)
			return -1;
		p->out_keys_changed = true;
	}
	if ((v = json_object_get(args, "esp_sa")) != NULL && dp_ctl_esp_stream_sa(dm, v, p, e) < 0)
		return -1;
	return 0;
}

/* Resolve a configured remote's next hop now, so the first packets find it. */
static void
prefetch_neigh(struct dp_main *dm, const struct dp_ep *remote)
{
	struct rte_ether_addr mac;
	const uint8_t *nh;

	if (remote->family == 0)
		return;
	nh = dp_main_next_hop(dm, remote->family, remote->addr);
	if (nh != NULL && !dp_neigh_lookup(dm->neigh, remote->family, nh, &mac))
		dp_neigh_request(dm, remote->family, nh);
}

static const char *const stream_fields[] = {
	"stream_id", "local_ip", "local_port", "remote_ip", "remote_port", "latch",
	"strict_source", "rtcp_mux", "dscp", "srtp_in", "srtp_out", "relay_to", "out_ssrc",
	"pt_map", "esp_sa", NULL,
};

static int
op_stream_create(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	struct dp_stream_params p;
	int id;

	memset(&p, 0, sizeof(p));
	p.latch = true;
	p.rtcp_mux = true;
	p.dscp = 46; /* EF, RFC 4594 for telephony */
	p.relay_to = DP_STREAM_NONE;
	memset(p.pt_map, DP_PT_KEEP, sizeof(p.pt_map));
	if (check_fields(args, stream_fields + 1, e) < 0 || parse_stream(dm, args, &p, true, e) < 0)
		goto out_wipe;
	id = dp_flow_stream_add(&dm->flows, &p);
	if (id < 0) {
		fail(e, errno_code(-id), id == -EEXIST ? "local_port" : NULL,
		     "cannot add stream: %s", strerror(-id));
		goto out_wipe;
	}
	prefetch_neigh(dm, &p.remote);
	explicit_bzero(&p, sizeof(p));
	*res = json_pack("{s:i}", "stream_id", id);
	return 0;

out_wipe:
	explicit_bzero(&p, sizeof(p));
	return -1;
}

static int
get_stream_id(struct dp_main *dm, json_t *args, uint32_t *id, struct ctl_err *e)
{
	json_int_t i = 0;
	int rc = get_int(args, "stream_id", 0, dm->flows.max - 1, &i, e);

	if (rc == 1)
		return fail(e, "EINVAL", "stream_id", "stream_id is required");
	if (rc < 0)
		return -1;
	if (dp_flow_stream_cfg(&dm->flows, (uint32_t)i) == NULL)
		return fail(e, "ENOENT", "stream_id", "no stream %" JSON_INTEGER_FORMAT, i);
	*id = (uint32_t)i;
	return 0;
}

static int
op_stream_update(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	struct dp_stream_params p;
	uint32_t id = 0;
	int rc;

	if (check_fields(args, stream_fields, e) < 0 || get_stream_id(dm, args, &id, e) < 0)
		return -1;
	if (json_object_get(args, "local_ip") != NULL || json_object_get(args, "local_port") != NULL)
		return fail(e, "EINVAL", "local_ip", "the local address of a stream cannot change");
	dp_flow_stream_params(&dm->flows, id, &p);
	if (parse_stream(dm, args, &p, false, e) < 0) {
		explicit_bzero(&p, sizeof(p));
		return -1;
	}
	if (p.conf_ring != NULL && p.relay_to != DP_STREAM_NONE) {
		explicit_bzero(&p, sizeof(p));
		return fail(e, "EBUSY", "relay_to", "the stream is in a conference: detach it first");
	}
	rc = dp_flow_stream_update(&dm->flows, id, &p);
	if (rc == 0)
		prefetch_neigh(dm, &p.remote);
	explicit_bzero(&p, sizeof(p));
	if (rc < 0)
		return fail(e, errno_code(-rc), NULL, "cannot update stream: %s", strerror(-rc));
	*res = json_pack("{s:i}", "stream_id", id);
	return 0;
}

static int
op_stream_delete(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"stream_id", NULL};
	uint32_t id = 0;
	int rc;

	if (check_fields(args, allowed, e) < 0 || get_stream_id(dm, args, &id, e) < 0)
		return -1;
	{
		const struct dp_stream_cfg *c = dp_flow_stream_cfg(&dm->flows, id);

		/* A participant's stream leaves its conference first. */
		if (c->conf_ring != NULL)
			dp_conf_detach(dm, c->conf_id, c->conf_part);
	}
	rc = dp_flow_stream_del(&dm->flows, id);
	if (rc < 0)
		return fail(e, errno_code(-rc), "stream_id", "cannot delete: %s", strerror(-rc));
	*res = json_pack("{s:i}", "stream_id", id);
	return 0;
}

static json_t *
counters(const uint64_t *v, const char *const *names, unsigned int n)
{
	json_t *o = json_object();

	for (unsigned int i = 0; i < n; i++)
		json_object_set_new(o, names[i], json_integer((json_int_t)v[i]));
	return o;
}

static json_t *
stream_json(struct dp_main *dm, uint32_t id, bool stats)
{
	const struct dp_stream *s = &dm->flows.slots[id];
	const struct dp_stream_cfg *c = s->cfg;
	const struct dp_ep *r = dp_stream_remote(s, c);
	char lip[INET6_ADDRSTRLEN], rip[INET6_ADDRSTRLEN];
	json_t *o;

	format_ip(&c->local, lip, sizeof(lip));
	format_ip(r, rip, sizeof(rip));
	o = json_pack("{s:i, s:s, s:i, s:s?, s:i, s:b, s:b, s:b, s:i, s:s, s:s}", "stream_id", id,
		      "local_ip", lip, "local_port", rte_be_to_cpu_16(c->local.port), "remote_ip",
		      r->family ? rip : NULL, "remote_port", r->family ? rte_be_to_cpu_16(r->port) : 0,
		      "latch", c->latch, "latched", r == &s->latched, "rtcp_mux", c->rtcp_mux,
		      "dscp", c->dscp, "srtp_in", dp_srtp_suite_name(c->srtp_in.suite), "srtp_out",
		      dp_srtp_suite_name(c->srtp_out.suite));
	if (c->relay_to != DP_STREAM_NONE)
		json_object_set_new(o, "relay_to", json_integer(c->relay_to));
	if (c->out_ssrc != 0)
		json_object_set_new(o, "out_ssrc", json_integer(c->out_ssrc));
	if (c->has_pt_map) {
		json_t *m = json_object();

		for (unsigned int i = 0; i < 128; i++) {
			char k[4];

			if (c->pt_map[i] == DP_PT_KEEP)
				continue;
			snprintf(k, sizeof(k), "%u", i);
			json_object_set_new(m, k, json_integer(c->pt_map[i]));
		}
		json_object_set_new(o, "pt_map", m);
	}
	if (c->conf_ring != NULL) {
		json_object_set_new(o, "conference_id", json_integer(c->conf_id));
		json_object_set_new(o, "participant", json_integer(c->conf_part));
	}
	json_object_set_new(o, "strict_source", json_boolean(c->strict_source));
	dp_ctl_esp_stream_json(dm, c, o);
	if (!stats)
		return o;
	json_object_set_new(o, "rx_packets", json_integer((json_int_t)s->stats.rx_pkts));
	json_object_set_new(o, "rx_bytes", json_integer((json_int_t)s->stats.rx_bytes));
	json_object_set_new(o, "rx_rtcp_packets", json_integer((json_int_t)s->stats.rx_rtcp));
	json_object_set_new(o, "tx_packets", json_integer((json_int_t)s->stats.tx_pkts));
	json_object_set_new(o, "tx_bytes", json_integer((json_int_t)s->stats.tx_bytes));
	json_object_set_new(o, "drops", counters(s->stats.drops, dp_drop_names, DP_DROP_COUNT));
	return o;
}

static int
op_stream_stats(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"stream_id", NULL};
	uint32_t id = 0;

	if (check_fields(args, allowed, e) < 0 || get_stream_id(dm, args, &id, e) < 0)
		return -1;
	*res = stream_json(dm, id, true);
	return 0;
}

static int
op_stream_list(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"offset", "limit", NULL};
	json_int_t offset = 0, limit = 100, seen = 0;
	json_t *arr;

	if (check_fields(args, allowed, e) < 0 ||
	    get_int(args, "offset", 0, dm->flows.max, &offset, e) < 0 ||
	    get_int(args, "limit", 1, DP_CTL_LIST_MAX, &limit, e) < 0)
		return -1;
	arr = json_array();
	for (uint32_t i = 0; i < dm->flows.max && json_array_size(arr) < (size_t)limit; i++) {
		if (dm->flows.slots[i].cfg == NULL)
			continue;
		if (seen++ >= offset)
			json_array_append_new(arr, stream_json(dm, i, false));
	}
	*res = json_pack("{s:i, s:i, s:o}", "total_count", dm->flows.count, "offset", offset,
			 "streams", arr);
	return 0;
}

static int
op_ping(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	uint64_t ms = (rte_rdtsc() - dm->start_tsc) * 1000 / rte_get_tsc_hz();

	*res = json_pack("{s:s, s:i, s:I, s:i, s:{s:i, s:i, s:I, s:f}}", "version", TSR_VERSION,
			 "protocol", DP_CTL_VERSION, "uptime_ms", (json_int_t)ms, "streams",
			 dm->flows.count, "capacity", "units_per_core",
			 (int)dm->capacity.units_per_core, "cores", (int)dm->capacity.cores, "units",
			 (json_int_t)dm->capacity.units_per_core * dm->capacity.cores,
			 "ns_per_call_tick", dm->capacity.ns_per_call_tick);
	return 0;
}

static json_t *
ethdev_json(uint16_t port, const char *role)
{
	struct rte_eth_stats st;
	char name[RTE_ETH_NAME_MAX_LEN] = "";

	if (port == UINT16_MAX || rte_eth_stats_get(port, &st) != 0)
		return NULL;
	rte_eth_dev_get_name_by_port(port, name);
	return json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "role", role,
			 "name", name, "port_id", port, "rx_packets", (json_int_t)st.ipackets,
			 "tx_packets", (json_int_t)st.opackets, "rx_bytes", (json_int_t)st.ibytes,
			 "tx_bytes", (json_int_t)st.obytes, "rx_missed", (json_int_t)st.imissed,
			 "rx_errors", (json_int_t)st.ierrors, "tx_errors", (json_int_t)st.oerrors,
			 "rx_nombuf", (json_int_t)st.rx_nombuf);
}

static json_t *
lcore_json(const struct dp_lcore_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "polls", (json_int_t)s->polls, "busy_polls", (json_int_t)s->busy_polls,
			 "idle_sleeps", (json_int_t)s->idle_sleeps, "rx_wire", (json_int_t)s->rx_wire,
			 "rx_tap", (json_int_t)s->rx_tap, "tx_wire", (json_int_t)s->tx_wire, "tx_tap",
			 (json_int_t)s->tx_tap, "arp_replies", (json_int_t)s->arp_replies,
			 "icmp_echo_replies", (json_int_t)s->icmp_echo_replies, "nd_adverts",
			 (json_int_t)s->nd_adverts, "icmp6_echo_replies",
			 (json_int_t)s->icmp6_echo_replies, "media_rx", (json_int_t)s->media_rx,
			 "media_tx", (json_int_t)s->media_tx, "neigh_requests",
			 (json_int_t)s->neigh_requests);
}

static json_t *
lcore_counters_json(const struct dp_lcore_stats *s)
{
	json_t *o = lcore_json(s);

	json_object_set_new(o, "punt_refragmented", json_integer((json_int_t)s->punt_refragmented));
	json_object_set_new(o, "punt", counters(s->punt, dp_punt_names, DP_PUNT_COUNT));
	json_object_set_new(o, "drops", counters(s->drop, dp_ldrop_names, DP_LDROP_COUNT));
	json_object_set_new(o, "stream_drops",
			    counters(s->stream_drop, dp_drop_names, DP_DROP_COUNT));
	json_object_set_new(o, "esp", dp_ctl_esp_lcore_json(&s->esp));
	return o;
}

static int
op_port_stats(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {NULL};
	struct dp_lcore_stats sum;
	json_t *ports = json_array(), *p;

	if (check_fields(args, allowed, e) < 0) {
		json_decref(ports);
		return -1;
	}
	if ((p = ethdev_json(dm->wire_port, "wire")) != NULL)
		json_array_append_new(ports, p);
	if ((p = ethdev_json(dm->tap_port, "exception")) != NULL)
		json_array_append_new(ports, p);
	dp_lcore_stats_sum(&sum);
	*res = lcore_counters_json(&sum);
	json_object_set_new(*res, "ports", ports);
	return 0;
}

/* A dedicated worker lcore: its loop, its conferences, what it handed to io lcores. */
static json_t *
worker_lcore_json(unsigned int lc)
{
	const struct dp_lcore_ctx *l = &dp_lcores[lc];
	const struct dp_worker *w = l->worker;
	const struct dp_worker_stats *s = &w->stats;

	return json_pack("{s:i, s:s, s:I, s:I, s:I, s:i, s:I, s:I, s:I, s:{s:I, s:I}}", "lcore",
			 (int)lc, "role", "worker", "polls", (json_int_t)l->stats.polls,
			 "busy_polls", (json_int_t)l->stats.busy_polls, "idle_sleeps",
			 (json_int_t)l->stats.idle_sleeps, "conferences", (int)w->n_confs, "ticks",
			 (json_int_t)s->ticks, "late_ticks", (json_int_t)s->late_ticks,
			 "tx_enqueued", (json_int_t)s->tx_enqueued, "drops", "tx_ring_full_rtp",
			 (json_int_t)s->drop_tx_ring_full_rtp, "tx_ring_full_rtcp",
			 (json_int_t)s->drop_tx_ring_full_rtcp);
}

static int
op_lcore_stats(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {NULL};
	json_t *arr;
	unsigned int lc;

	if (check_fields(args, allowed, e) < 0)
		return -1;
	arr = json_array();
	RTE_LCORE_FOREACH(lc) {
		json_t *o;

		if (!dp_lcores[lc].active)
			continue;
		o = lcore_counters_json(&dp_lcores[lc].stats);
		json_object_set_new(o, "lcore", json_integer(lc));
		json_object_set_new(o, "role", json_string("io"));
		json_object_set_new(o, "owns_tap", json_boolean(dp_lcores[lc].owns_tap));
		json_array_append_new(arr, o);
	}
	for (unsigned int i = 0; i < dm->n_wlcores; i++)
		json_array_append_new(arr, worker_lcore_json(dm->wlcores[i]));
	*res = json_pack("{s:o}", "lcores", arr);
	return 0;
}

/* ---- conferences ---------------------------------------------------------- */

static int
get_conf(struct dp_main *dm, json_t *args, uint16_t *id, struct ctl_err *e)
{
	json_int_t i = 0;
	int rc = get_int(args, "conference_id", 0, DP_CONF_MAX - 1, &i, e);

	if (rc == 1)
		return fail(e, "EINVAL", "conference_id", "conference_id is required");
	if (rc < 0)
		return -1;
	if (dp_conf_lookup(dm, (uint16_t)i) == NULL)
		return fail(e, "ENOENT", "conference_id", "no conference %" JSON_INTEGER_FORMAT, i);
	*id = (uint16_t)i;
	return 0;
}

static int
get_part(struct dp_main *dm, json_t *args, uint16_t conf, uint16_t *part, struct ctl_err *e)
{
	json_int_t i = 0;
	int rc = get_int(args, "participant", 0, DP_CONF_MAX_PARTS - 1, &i, e);

	if (rc == 1)
		return fail(e, "EINVAL", "participant", "participant is required");
	if (rc < 0)
		return -1;
	if (dp_conf_lookup(dm, conf)->part_stream[i] == DP_STREAM_NONE)
		return fail(e, "ENOENT", "participant", "no participant %" JSON_INTEGER_FORMAT, i);
	*part = (uint16_t)i;
	return 0;
}

static int
op_conf_create(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"max_participants", "speakers", "agc", "noise_gate",
					      "opus_complexity", NULL};
	struct dp_conf_params p = {.opus_complexity = -1};
	json_int_t maxp = 16, spk = 3, cx = -1;
	int id;

	if (check_fields(args, allowed, e) < 0 ||
	    get_int(args, "max_participants", 1, DP_CONF_MAX_PARTS, &maxp, e) < 0 ||
	    get_int(args, "speakers", 1, 8, &spk, e) < 0 || get_bool(args, "agc", &p.agc, e) < 0 ||
	    get_bool(args, "noise_gate", &p.noise_gate, e) < 0 ||
	    get_int(args, "opus_complexity", 0, 10, &cx, e) < 0)
		return -1;
	p.max_parts = (uint16_t)maxp;
	p.speakers = (uint8_t)spk;
	p.opus_complexity = (int8_t)cx;
	id = dp_conf_create_params(dm, &p);
	if (id < 0)
		return fail(e, errno_code(-id), NULL, "cannot create the conference: %s",
			    strerror(-id));
	*res = json_pack("{s:i}", "conference_id", id);
	return 0;
}

static int
op_conf_delete(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"conference_id", NULL};
	uint16_t id = 0;
	int rc;

	if (check_fields(args, allowed, e) < 0 || get_conf(dm, args, &id, e) < 0)
		return -1;
	rc = dp_conf_delete(dm, id);
	if (rc < 0)
		return fail(e, errno_code(-rc), NULL, "cannot delete: %s", strerror(-rc));
	*res = json_pack("{s:i}", "conference_id", id);
	return 0;
}

static int
parse_codec(const char *name, enum codec_id *id)
{
	static const char *const names[] = {"PCMU", "PCMA", "G722", "opus", "G729"};

	for (unsigned int i = 0; i < RTE_DIM(names); i++)
		if (strcasecmp(name, names[i]) == 0) {
			*id = (enum codec_id)i;
			return 0;
		}
	return -1;
}

/* "role": "host" | "guest". @return 0 (set), 1 (absent), -1 (bad). */
static int
get_role(json_t *args, enum codec_role *role, struct ctl_err *e)
{
	json_t *j = json_object_get(args, "role");

	if (j == NULL)
		return 1;
	if (json_is_string(j) && strcmp(json_string_value(j), "guest") == 0)
		*role = CODEC_ROLE_GUEST;
	else if (json_is_string(j) && strcmp(json_string_value(j), "host") == 0)
		*role = CODEC_ROLE_HOST;
	else
		return fail(e, "EINVAL", "role", "role must be host or guest");
	return 0;
}

/*
 * "backplane_group": "local" or "geo" makes the participant a backplane of
 * that group (it hears participants and the other group's backplanes, see
 * codec_mix_set_backplane_group()); "backplane": false with it is an error.
 */
static int
get_bp_group(json_t *args, struct dp_conf_part_params *p, struct ctl_err *e)
{
	json_t *j = json_object_get(args, "backplane_group");
	const char *s;

	if (j == NULL)
		return 0;
	s = json_is_string(j) ? json_string_value(j) : "";
	if (strcmp(s, "local") == 0)
		p->backplane_group = CODEC_MIX_BP_LOCAL;
	else if (strcmp(s, "geo") == 0)
		p->backplane_group = CODEC_MIX_BP_GEO;
	else
		return fail(e, "EINVAL", "backplane_group", "backplane_group must be local or geo");
	if (json_is_false(json_object_get(args, "backplane")))
		return fail(e, "EINVAL", "backplane_group", "backplane_group needs backplane");
	p->backplane = true;
	return 0;
}

/* "send" and "recv" (default true): the participant's media direction. */
static int
get_direction(json_t *args, bool *no_send, bool *no_recv, struct ctl_err *e)
{
	bool send = true, recv = true;

	if (get_bool(args, "send", &send, e) < 0 || get_bool(args, "recv", &recv, e) < 0)
		return -1;
	*no_send = !send;
	*no_recv = !recv;
	return 0;
}

static int
op_conf_attach(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"conference_id", "stream_id", "codec", "pt",
					      "dtmf_pt", "rate", "channels", "ssrc", "role",
					      "hosts_only", "lobby", "tones", "loopback_ms", "backplane",
					      "backplane_group", "send", "recv", NULL};
	static const uint8_t default_pt[CODEC_ID_COUNT] = {0, 8, 9, 111, 18};
	struct dp_conf_part_params p = {.role = CODEC_ROLE_HOST};
	json_int_t v = 0;
	json_t *j;
	uint16_t id = 0;
	uint32_t sid = 0;
	int rc;

	if (check_fields(args, allowed, e) < 0 || get_conf(dm, args, &id, e) < 0 ||
	    get_stream_id(dm, args, &sid, e) < 0)
		return -1;
	p.stream_id = sid;
	j = json_object_get(args, "codec");
	if (!json_is_string(j) || parse_codec(json_string_value(j), &p.codec) < 0)
		return fail(e, "EINVAL", "codec", "codec must be PCMU, PCMA, G722, G729 or opus");
	if (p.codec == CODEC_G729 && !codec_g729_available())
		return fail(e, "ENOTSUP", "codec", "G729 is not in this build (no bcg729)");
	p.pt = default_pt[p.codec];
	if ((rc = get_int(args, "pt", 0, 127, &v, e)) < 0)
		return -1;
	if (rc == 0)
		p.pt = (uint8_t)v;
	if ((rc = get_int(args, "dtmf_pt", 96, 127, &v, e)) < 0)
		return -1;
	if (rc == 0)
		p.dtmf_pt = (uint8_t)v;
	if ((rc = get_int(args, "rate", 8000, 48000, &v, e)) < 0)
		return -1;
	if (rc == 0)
		p.rate = (uint32_t)v;
	if ((rc = get_int(args, "channels", 1, 2, &v, e)) < 0)
		return -1;
	if (rc == 0)
		p.channels = (uint8_t)v;
	if ((rc = get_int(args, "ssrc", 1, UINT32_MAX, &v, e)) < 0)
		return -1;
	if (rc == 0)
		p.ssrc = (uint32_t)v;
	if (get_bool(args, "hosts_only", &p.hosts_only, e) < 0 ||
	    get_bool(args, "lobby", &p.lobby, e) < 0 || get_bool(args, "tones", &p.tones, e) < 0 ||
	    get_bool(args, "backplane", &p.backplane, e) < 0 || get_role(args, &p.role, e) < 0)
		return -1;
	if (get_bp_group(args, &p, e) < 0 || get_direction(args, &p.no_send, &p.no_recv, e) < 0)
		return -1;
	if (p.backplane && p.hosts_only)
		return fail(e, "EINVAL", "backplane", "a backplane cannot be hosts_only");
	if ((rc = get_int(args, "loopback_ms", 0, DP_CONF_MAX_LOOPBACK_MS, &v, e)) < 0)
		return -1;
	if (rc == 0)
		p.loopback_ms = (uint16_t)v;
	rc = dp_conf_attach(dm, id, &p);
	if (rc < 0)
		return fail(e, rc == -EBUSY ? "EBUSY" : errno_code(-rc),
			    rc == -EBUSY ? "stream_id" : NULL, "cannot attach: %s%s", strerror(-rc),
			    rc == -EBUSY ? " (the stream relays or is in a conference)" : "");
	*res = json_pack("{s:i, s:i, s:i}", "conference_id", id, "stream_id", sid, "participant",
			 rc);
	return 0;
}

static int
op_conf_detach(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"conference_id", "participant", "tones", NULL};
	uint16_t id = 0, part = 0;
	bool tones = false;
	int rc;

	if (check_fields(args, allowed, e) < 0 || get_conf(dm, args, &id, e) < 0 ||
	    get_part(dm, args, id, &part, e) < 0 || get_bool(args, "tones", &tones, e) < 0)
		return -1;
	rc = dp_conf_detach_tones(dm, id, part, tones);
	if (rc < 0)
		return fail(e, errno_code(-rc), NULL, "cannot detach: %s", strerror(-rc));
	*res = json_pack("{s:i, s:i}", "conference_id", id, "participant", part);
	return 0;
}

static int
op_conf_mute(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"conference_id", "participant", "muted", NULL};
	uint16_t id = 0, part = 0;
	bool muted = true;
	int rc;

	if (check_fields(args, allowed, e) < 0 || get_conf(dm, args, &id, e) < 0 ||
	    get_part(dm, args, id, &part, e) < 0 || get_bool(args, "muted", &muted, e) < 0)
		return -1;
	rc = dp_conf_mute(dm, id, part, muted);
	if (rc < 0)
		return fail(e, errno_code(-rc), NULL, "cannot mute: %s", strerror(-rc));
	*res = json_pack("{s:i, s:i, s:b}", "conference_id", id, "participant", part, "muted",
			 muted);
	return 0;
}

static json_t *
part_json(const struct dp_conf *c, uint16_t i, const struct codec_conf_part_stats *st)
{
	json_t *o = json_pack(
		"{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i}",
		"participant", i, "stream_id", c->part_stream[i], "received",
		(json_int_t)st->jb.received, "lost", (json_int_t)st->jb.lost, "late",
		(json_int_t)st->jb.late, "duplicates", (json_int_t)st->jb.duplicates, "reordered",
		(json_int_t)st->jb.reordered, "concealed", (json_int_t)st->jb.concealed,
		"fec_recovered", (json_int_t)st->fec_recovered, "decode_errors",
		(json_int_t)st->decode_errors, "tx_packets", (json_int_t)st->tx_packets,
		"dtmf_digits", (json_int_t)(st->dtmf_rfc4733 + st->dtmf_inband), "jitter",
		(int)st->jb.jitter, "level_dbov", st->level_dbov);

	json_object_set_new(o, "lobby", json_boolean(st->lobby));
	json_object_set_new(o, "muted", json_boolean(st->muted));
	json_object_set_new(o, "send", json_boolean(st->send));
	json_object_set_new(o, "recv", json_boolean(st->recv));
	json_object_set_new(o, "role", json_string(st->role == CODEC_ROLE_GUEST ? "guest" : "host"));
	json_object_set_new(o, "hosts_only", json_boolean(st->hosts_only));
	json_object_set_new(o, "backplane", json_boolean(st->backplane));
	if (st->backplane_group == CODEC_MIX_BP_LOCAL || st->backplane_group == CODEC_MIX_BP_GEO)
		json_object_set_new(o, "backplane_group",
				    json_string(st->backplane_group == CODEC_MIX_BP_LOCAL ? "local"
											  : "geo"));
	json_object_set_new(o, "loopback_ms", json_integer(st->loopback_frames * CODEC_FRAME_MS));
	json_object_set_new(o, "prompt", st->prompt ? json_string(st->prompt) : json_null());
	json_object_set_new(o, "tx_octets", json_integer((json_int_t)st->tx_octets));
	return o;
}

/*
 * RTCP of one participant: what we sent, what it sent, and what its reports
 * say about the stream we send it (loss and jitter it sees, round-trip time).
 */
static json_t *
rtcp_json(const struct dp_conf_rtcp *r)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "reports_sent",
			      (json_int_t)r->reports_sent, "srs_sent", (json_int_t)r->srs_sent,
			      "reports_received", (json_int_t)r->reports_rx, "srs_received",
			      (json_int_t)r->srs_rx, "rx_errors", (json_int_t)r->rx_errors);

	/* What our SRs count: RTP handed to the wire, not what the engine made. */
	json_object_set_new(o, "packets_sent", json_integer((json_int_t)r->wire_packets));
	json_object_set_new(o, "octets_sent", json_integer((json_int_t)r->wire_octets));
	json_object_set_new(o, "rtt_ms", r->rtt_us >= 0 ? json_real((double)r->rtt_us / 1000.0)
							 : json_null());
	json_object_set_new(o, "rx_ssrc", r->have_rx ? json_integer(r->rx_ssrc) : json_null());
	if (r->have_remote)
		json_object_set_new(o, "remote", json_pack("{s:i, s:f, s:i, s:I, s:I, s:I, s:I}",
			"fraction_lost", r->remote.fraction_lost, "loss_pct",
			r->remote.fraction_lost * 100.0 / 256.0, "cumulative_lost",
			r->remote.cumulative_lost, "ext_max_seq", (json_int_t)r->remote.ext_max_seq,
			"jitter", (json_int_t)r->remote.jitter, "lsr", (json_int_t)r->remote.lsr,
			"dlsr", (json_int_t)r->remote.dlsr));
	else
		json_object_set_new(o, "remote", json_null());
	if (r->srs_rx != 0)
		json_object_set_new(o, "remote_sr", json_pack("{s:I, s:I}", "packets",
			(json_int_t)r->remote_sr.packets, "octets", (json_int_t)r->remote_sr.octets));
	else
		json_object_set_new(o, "remote_sr", json_null());
	return o;
}

static int
op_conf_stats(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"conference_id", NULL};
	const struct dp_conf *c;
	uint16_t id = 0;
	json_t *parts;

	if (check_fields(args, allowed, e) < 0 || get_conf(dm, args, &id, e) < 0)
		return -1;
	c = dp_conf_lookup(dm, id);
	parts = json_array();
	for (uint16_t i = 0; i < DP_CONF_MAX_PARTS; i++) {
		struct codec_conf_part_stats st;
		struct dp_conf_rtcp rtcp;
		json_t *pj;

		if (c->part_stream[i] == DP_STREAM_NONE ||
		    dp_conf_part_stats_rtcp(dm, id, i, &st, &rtcp) < 0)
			continue;
		pj = part_json(c, i, &st);
		json_object_set_new(pj, "rtcp", rtcp_json(&rtcp));
		json_array_append_new(parts, pj);
	}
	*res = json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:o}", "conference_id", id,
			 "worker_lcore", (int)c->worker, "ticks", (json_int_t)c->ticks, "rx_packets",
			 (json_int_t)c->rx_packets, "rx_errors", (json_int_t)c->rx_errors,
			 "tx_packets", (json_int_t)c->tx_packets, "tx_drops",
			 (json_int_t)(c->tx_drops_no_mbuf + c->tx_drops_path +
				      c->tx_drops_queue_full + c->tx_drops_ring_full),
			 "participants", parts);
	json_object_set_new(*res, "agc", json_boolean(c->agc));
	json_object_set_new(*res, "noise_gate", json_boolean(c->noise_gate));
	json_object_set_new(*res, "opus_complexity", c->opus_complexity >= 0 ?
			    json_integer(c->opus_complexity) : json_null());
	json_object_set_new(*res, "tx_drop_reasons",
			    json_pack("{s:I, s:I, s:I, s:I}", "no_mbuf",
				      (json_int_t)c->tx_drops_no_mbuf, "path",
				      (json_int_t)c->tx_drops_path, "queue_full",
				      (json_int_t)c->tx_drops_queue_full, "ring_full",
				      (json_int_t)c->tx_drops_ring_full));
	json_object_set_new(*res, "rtcp_tx", json_integer((json_int_t)c->rtcp_tx));
	json_object_set_new(*res, "rtcp_tx_drops",
			    json_integer((json_int_t)(c->rtcp_tx_drops + c->rtcp_tx_drops_io)));
	json_object_set_new(*res, "rtcp_rx", json_integer((json_int_t)c->rtcp_rx));
	json_object_set_new(*res, "rtcp_rx_errors", json_integer((json_int_t)c->rtcp_rx_errors));
	return 0;
}

static int
op_conf_dtmf(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"conference_id", NULL};
	uint16_t id = 0, part;
	char digit;
	json_t *arr;

	if (check_fields(args, allowed, e) < 0 || get_conf(dm, args, &id, e) < 0)
		return -1;
	arr = json_array();
	while (dp_conf_dtmf_poll(dm, id, &part, &digit) == 1 && json_array_size(arr) < 256)
		json_array_append_new(arr, json_pack("{s:i, s:s#}", "participant", part, "digit",
						     &digit, 1));
	*res = json_pack("{s:i, s:o}", "conference_id", id, "digits", arr);
	return 0;
}

static int
op_conf_update(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"conference_id", "participant", "lobby", "role",
					      "hosts_only", "muted", "send", "recv", NULL};
	struct dp_conf_update u = {0};
	struct codec_conf_part_stats st;
	uint16_t id = 0, part = 0;
	int rc;

	if (check_fields(args, allowed, e) < 0 || get_conf(dm, args, &id, e) < 0 ||
	    get_part(dm, args, id, &part, e) < 0)
		return -1;
	if ((rc = get_bool(args, "lobby", &u.lobby, e)) < 0)
		return -1;
	u.has_lobby = rc == 0;
	if ((rc = get_role(args, &u.role, e)) < 0)
		return -1;
	u.has_role = rc == 0;
	if ((rc = get_bool(args, "hosts_only", &u.hosts_only, e)) < 0)
		return -1;
	u.has_hosts_only = rc == 0;
	if ((rc = get_bool(args, "muted", &u.muted, e)) < 0)
		return -1;
	u.has_muted = rc == 0;
	if ((rc = get_bool(args, "send", &u.send, e)) < 0)
		return -1;
	u.has_send = rc == 0;
	if ((rc = get_bool(args, "recv", &u.recv, e)) < 0)
		return -1;
	u.has_recv = rc == 0;
	rc = dp_conf_update(dm, id, part, &u, &st);
	if (rc < 0)
		return fail(e, errno_code(-rc), NULL, "cannot update: %s", strerror(-rc));
	*res = json_pack("{s:i, s:i, s:b, s:s, s:b, s:b, s:b, s:b}", "conference_id", id,
			 "participant", part, "lobby", st.lobby, "role",
			 st.role == CODEC_ROLE_GUEST ? "guest" : "host", "hosts_only", st.hosts_only,
			 "muted", st.muted, "send", st.send, "recv", st.recv);
	return 0;
}

/* Play (prompt given) or stop (prompt null, or @p stop) a prompt to one participant. */
static int
conf_prompt(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e, bool stop)
{
	static const char *const allowed[] = {"conference_id", "participant", "prompt", "loop",
					      NULL};
	static const char *const allowed_stop[] = {"conference_id", "participant", NULL};
	uint16_t id = 0, part = 0;
	const char *name = NULL;
	bool loop = false;
	int pid = -1, rc;
	json_t *j;

	if (check_fields(args, stop ? allowed_stop : allowed, e) < 0 ||
	    get_conf(dm, args, &id, e) < 0 || get_part(dm, args, id, &part, e) < 0 ||
	    get_bool(args, "loop", &loop, e) < 0)
		return -1;
	if (!stop) {
		j = json_object_get(args, "prompt");
		if (j == NULL)
			return fail(e, "EINVAL", "prompt", "prompt is required (a name, or null to stop)");
		if (!json_is_null(j)) {
			if (!json_is_string(j) || (pid = codec_prompt_lookup(json_string_value(j))) < 0)
				return fail(e, "EINVAL", "prompt",
					    "unknown prompt; known: pin_entry, pin_guest_or_host, "
					    "pin_wrong, locked, waiting_host, ivr_welcome, ivr_wrong, "
					    "conference_full, goodbye, join_tone, leave_tone");
			name = codec_prompt_name((unsigned int)pid);
		}
	}
	rc = dp_conf_prompt(dm, id, part, pid, loop);
	if (rc == -ENODATA)
		return fail(e, "ENODATA", "prompt",
			    "prompt %s is not loaded (no readable %s.wav in the prompt directory)",
			    name, name);
	if (rc < 0)
		return fail(e, errno_code(-rc), NULL, "cannot play: %s", strerror(-rc));
	*res = json_pack("{s:i, s:i, s:s?, s:b}", "conference_id", id, "participant", part,
			 "prompt", name, "loop", pid >= 0 && loop);
	if (pid >= 0) {
		const struct codec_prompt *pr = codec_prompt_get(dp_conf_prompts(), (unsigned int)pid);

		json_object_set_new(*res, "duration_ms",
				    json_integer(pr != NULL ? pr->samples / 48 : 0));
	}
	return 0;
}

static int
op_conf_prompt(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	return conf_prompt(dm, args, res, e, false);
}

static int
op_conf_prompt_stop(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	return conf_prompt(dm, args, res, e, true);
}

/*
 * RFC 4733 digits to one participant with the dial-out timing of the guide:
 * the first digit 3 s after the request (the control plane asks when the
 * dial-out connects), then one every 0.5 s, ',' a 2 s pause.
 */
static int
op_conf_send_dtmf(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"conference_id", "participant", "digits", NULL};
	uint16_t id = 0, part = 0;
	const char *digits;
	uint32_t ms = 0;
	size_t n;
	int rc;
	json_t *j;

	if (check_fields(args, allowed, e) < 0 || get_conf(dm, args, &id, e) < 0 ||
	    get_part(dm, args, id, &part, e) < 0)
		return -1;
	j = json_object_get(args, "digits");
	if (j == NULL)
		return fail(e, "EINVAL", "digits", "digits is required");
	if (!json_is_string(j))
		return fail(e, "EINVAL", "digits", "digits must be a string");
	digits = json_string_value(j);
	n = json_string_length(j);
	if (n == 0 || n > CODEC_DTMF_MAX_DIGITS || strlen(digits) != n)
		return fail(e, "EINVAL", "digits", "digits must hold 1 to %d characters",
			    CODEC_DTMF_MAX_DIGITS);
	if (strspn(digits, "0123456789*#,ABCD") != n)
		return fail(e, "EINVAL", "digits", "digits may hold only 0-9 * # , and A-D");
	rc = dp_conf_send_dtmf(dm, id, part, digits, DP_CONF_DTMF_LEAD_MS, &ms);
	if (rc == -ENOTSUP)
		return fail(e, "ENOTSUP", "participant",
			    "participant %u has no telephone-event payload type (dtmf_pt)", part);
	if (rc == -EBUSY)
		return fail(e, "EBUSY", "participant",
			    "a DTMF sequence is still being sent to participant %u", part);
	if (rc < 0)
		return fail(e, errno_code(-rc), NULL, "cannot send DTMF: %s", strerror(-rc));
	*res = json_pack("{s:i, s:i, s:s, s:I}", "conference_id", id, "participant", part,
			 "digits", digits, "duration_ms", (json_int_t)ms);
	return 0;
}

typedef int (*op_fn)(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e);

static const struct {
	const char *name;
	op_fn fn;
} ops[] = {
	{"ping", op_ping},
	{"stream.create", op_stream_create},
	{"stream.update", op_stream_update},
	{"stream.delete", op_stream_delete},
	{"stream.stats", op_stream_stats},
	{"stream.list", op_stream_list},
	{"port.stats", op_port_stats},
	{"lcore.stats", op_lcore_stats},
	{"conference.create", op_conf_create},
	{"conference.delete", op_conf_delete},
	{"conference.attach", op_conf_attach},
	{"conference.detach", op_conf_detach},
	{"conference.mute", op_conf_mute},
	{"conference.stats", op_conf_stats},
	{"conference.dtmf", op_conf_dtmf},
	{"conference.update", op_conf_update},
	{"conference.prompt", op_conf_prompt},
	{"conference.prompt_stop", op_conf_prompt_stop},
	{"conference.send_dtmf", op_conf_send_dtmf},
	{"esp.sa_add", dp_ctl_esp_sa_add},
	{"esp.sa_del", dp_ctl_esp_sa_del},
	{"esp.sa_stats", dp_ctl_esp_sa_stats},
	{"esp.sa_list", dp_ctl_esp_sa_list},
	{"esp.sa_rekey", dp_ctl_esp_sa_rekey},
	{"esp.sa_switch", dp_ctl_esp_sa_switch},
};

static size_t
dump(json_t *reply, char *resp, size_t cap)
{
	size_t n = json_dumpb(reply, resp, cap - 1, JSON_COMPACT);

	json_decref(reply);
	if (n == 0 || n >= cap - 1)
		n = (size_t)snprintf(resp, cap, "%s",
				     "{\"v\":1,\"ok\":false,\"error\":{\"code\":\"E2BIG\","
				     "\"message\":\"reply too large\"}}");
	resp[n] = '\0';
	return n;
}

size_t
dp_ctl_handle(struct dp_main *dm, const char *req, size_t len, char *resp, size_t cap)
{
	struct ctl_err e = {0};
	json_error_t jerr;
	json_t *root, *id = NULL, *args, *result = NULL, *reply, *jop;
	const char *opname;
	int rc = -1;

	root = json_loadb(req, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		fail(&e, "EPROTO", NULL, "invalid JSON at %d: %s", jerr.position, jerr.text);
		goto out_reply;
	}
	if (!json_is_object(root)) {
		fail(&e, "EPROTO", NULL, "request must be a JSON object");
		goto out_reply;
	}
	id = json_object_get(root, "id");
	if (id != NULL && !json_is_integer(id) && !json_is_string(id)) {
		id = NULL;
		fail(&e, "EPROTO", "id", "id must be a number or a string");
		goto out_reply;
	}
	if (!json_is_integer(json_object_get(root, "v")) ||
	    json_integer_value(json_object_get(root, "v")) != DP_CTL_VERSION) {
		fail(&e, "EPROTO", "v", "protocol version must be %d", DP_CTL_VERSION);
		goto out_reply;
	}
	jop = json_object_get(root, "op");
	args = json_object_get(root, "args");
	if (!json_is_string(jop)) {
		fail(&e, "EPROTO", "op", "op must be a string");
		goto out_reply;
	}
	if (args != NULL && !json_is_object(args)) {
		fail(&e, "EPROTO", "args", "args must be an object");
		goto out_reply;
	}
	opname = json_string_value(jop);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(ops[i].name, opname) == 0) {
			json_t *empty = json_object();

			rc = ops[i].fn(dm, args ? args : empty, &result, &e);
			json_decref(empty);
			goto out_reply;
		}
	}
	fail(&e, "ENOSYS", "op", "unknown operation %s", opname);

out_reply:
	if (rc == 0) {
		reply = json_pack("{s:i, s:O?, s:b, s:o}", "v", DP_CTL_VERSION, "id", id, "ok", 1,
				  "result", result ? result : json_object());
	} else {
		reply = json_pack("{s:i, s:O?, s:b, s:{s:s, s:s, s:s?}}", "v", DP_CTL_VERSION, "id",
				  id, "ok", 0, "error", "code", e.code ? e.code : "EINVAL", "message",
				  e.message, "field", e.field);
		json_decref(result);
	}
	json_decref(root);
	return dump(reply, resp, cap);
}
