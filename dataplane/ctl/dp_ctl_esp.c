/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_ctl_esp.c - the esp.* operations of the control protocol and the
 * "esp_sa" field of streams.
 *
 *   esp.sa_add     {spi, direction, cipher, key, salt | auth_key, local, remote,
 *                   esn, replay_window, lifetime_bytes, lifetime_seconds}
 *   esp.sa_del     {spi, direction}
 *   esp.sa_stats   {spi, direction}
 *   esp.sa_list    {offset, limit}
 *   esp.sa_rekey   {spi, direction, new_spi, key, salt | auth_key,
 *                   lifetime_bytes, lifetime_seconds}
 *   esp.sa_switch  {spi, new_spi}
 *
 * Every request is validated whole before anything changes; keys never
 * appear in replies or logs and are wiped from the stack after use.
 *
 * Context: the data plane control thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "dp_ctl_priv.h"
#include "dp_main.h"

#define SPI_MIN 256 /* RFC 4303 §2.1: 1-255 are reserved by IANA */
#define LIFE_BYTES_MAX (1LL << 60)
#define LIFE_SECONDS_MAX (10LL * 365 * 86400)

/* ---- helpers (the file-local twins of dp_ctl.c's) ------------------------- */

static int
efail(struct ctl_err *e, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
efail(struct ctl_err *e, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	e->field = field;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

static int
check_fields(json_t *args, const char *const *allowed, struct ctl_err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		bool ok = false;

		for (const char *const *a = allowed; *a != NULL; a++)
			ok |= strcmp(*a, key) == 0;
		if (!ok)
			return efail(e, "EINVAL", key, "unknown field %s", key);
	}
	return 0;
}

/* An integer member in [lo, hi]; absent leaves *out. @return 0, 1 when absent, -1. */
static int
get_int(json_t *args, const char *key, json_int_t lo, json_int_t hi, json_int_t *out,
	struct ctl_err *e)
{
	json_t *v = json_object_get(args, key);

	if (v == NULL)
		return 1;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return efail(e, "EINVAL", key,
			     "%s must be an integer in %" JSON_INTEGER_FORMAT "..%" JSON_INTEGER_FORMAT,
			     key, lo, hi);
	*out = json_integer_value(v);
	return 0;
}

static int
get_req_int(json_t *args, const char *key, json_int_t lo, json_int_t hi, json_int_t *out,
	    struct ctl_err *e)
{
	int rc = get_int(args, key, lo, hi, out, e);

	if (rc == 1)
		return efail(e, "EINVAL", key, "%s is required", key);
	return rc;
}

static int
get_bool_arg(json_t *args, const char *key, bool *out, struct ctl_err *e)
{
	json_t *v = json_object_get(args, key);

	if (v == NULL)
		return 1;
	if (!json_is_boolean(v))
		return efail(e, "EINVAL", key, "%s must be true or false", key);
	*out = json_is_true(v);
	return 0;
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

/* Exactly @p want octets of hex ("0x" prefix allowed) into @p out. */
static int
get_hex(json_t *args, const char *key, uint8_t *out, size_t want, struct ctl_err *e)
{
	json_t *v = json_object_get(args, key);
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	if (v == NULL)
		return efail(e, "EINVAL", key, "%s is required", key);
	if (s != NULL && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (s == NULL || strlen(s) != want * 2)
		return efail(e, "EINVAL", key, "%s must be %zu octets in hex", key, want);
	for (size_t i = 0; i < want; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return efail(e, "EINVAL", key, "%s must be %zu octets in hex", key, want);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int
get_dir(json_t *args, enum dp_esp_dir *dir, struct ctl_err *e)
{
	json_t *v = json_object_get(args, "direction");
	const char *s = json_is_string(v) ? json_string_value(v) : "";

	if (strcmp(s, "in") == 0)
		*dir = DP_ESP_IN;
	else if (strcmp(s, "out") == 0)
		*dir = DP_ESP_OUT;
	else
		return efail(e, "EINVAL", "direction", "direction must be \"in\" or \"out\"");
	return 0;
}

static int
get_addr(json_t *args, const char *key, uint8_t *family, uint8_t *addr, struct ctl_err *e)
{
	json_t *v = json_object_get(args, key);
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	memset(addr, 0, 16);
	if (s != NULL && inet_pton(AF_INET, s, addr) == 1)
		*family = AF_INET;
	else if (s != NULL && inet_pton(AF_INET6, s, addr) == 1)
		*family = AF_INET6;
	else
		return efail(e, "EINVAL", key, "%s must be an IP address", key);
	return 0;
}

static const char *
dir_name(uint8_t dir)
{
	return dir == DP_ESP_OUT ? "out" : "in";
}

/* The slot of the SA named by "spi" (+ "direction" unless @p dir_fixed). */
static int
get_sa(struct dp_main *dm, json_t *args, const char *key, bool dir_given, enum dp_esp_dir dir,
       uint32_t *slot, struct ctl_err *e)
{
	json_int_t spi = 0;
	int s;

	if (get_req_int(args, key, 1, UINT32_MAX, &spi, e) < 0)
		return -1;
	if (!dir_given && get_dir(args, &dir, e) < 0)
		return -1;
	s = dp_esp_sa_find(&dm->esp, (uint32_t)spi, dir);
	if (s < 0)
		return efail(e, "ENOENT", key, "no %s SA with SPI %" JSON_INTEGER_FORMAT,
			     dir_name(dir), spi);
	*slot = (uint32_t)s;
	return 0;
}

/* ---- SA arguments ----------------------------------------------------------- */

struct sa_req {
	struct dp_esp_sa_params p;
	uint8_t key[DP_ESP_MAX_KEY];
	uint8_t salt[DP_ESP_SALT_LEN];
	uint8_t auth_key[DP_ESP_AUTH_KEY_LEN];
};

/* Keys of cipher p->keys.cipher from "key" and "salt" or "auth_key". */
static int
parse_keys(json_t *args, struct sa_req *r, struct ctl_err *e)
{
	bool gcm = r->p.keys.cipher == DP_ESP_AES_GCM;

	if (get_hex(args, "key", r->key, 32, e) < 0)
		return -1;
	if (json_object_get(args, gcm ? "auth_key" : "salt") != NULL)
		return efail(e, "EINVAL", gcm ? "auth_key" : "salt", "%s does not apply to %s",
			     gcm ? "auth_key" : "salt", dp_esp_cipher_name(r->p.keys.cipher));
	if (gcm && get_hex(args, "salt", r->salt, DP_ESP_SALT_LEN, e) < 0)
		return -1;
	if (!gcm && get_hex(args, "auth_key", r->auth_key, DP_ESP_AUTH_KEY_LEN, e) < 0)
		return -1;
	r->p.keys.key = r->key;
	r->p.keys.key_len = 32;
	r->p.keys.salt = gcm ? r->salt : NULL;
	r->p.keys.auth_key = gcm ? NULL : r->auth_key;
	return 0;
}

static int
parse_lifetimes(json_t *args, struct sa_req *r, struct ctl_err *e)
{
	json_int_t v;

	v = (json_int_t)r->p.life_bytes;
	if (get_int(args, "lifetime_bytes", 0, LIFE_BYTES_MAX, &v, e) < 0)
		return -1;
	r->p.life_bytes = (uint64_t)v;
	v = (json_int_t)r->p.life_seconds;
	if (get_int(args, "lifetime_seconds", 0, LIFE_SECONDS_MAX, &v, e) < 0)
		return -1;
	r->p.life_seconds = (uint64_t)v;
	return 0;
}

static int
parse_sa_add(struct dp_main *dm, json_t *args, struct sa_req *r, struct ctl_err *e)
{
	json_int_t v = 0;
	json_t *jc = json_object_get(args, "cipher");
	uint8_t rfam = 0;
	bool esn = true;
	int c;

	if (get_req_int(args, "spi", SPI_MIN, UINT32_MAX, &v, e) < 0)
		return -1;
	r->p.spi = (uint32_t)v;
	if (get_dir(args, &r->p.dir, e) < 0)
		return -1;
	c = DP_ESP_AES_GCM; /* the default suite of the backplane */
	if (jc != NULL && (!json_is_string(jc) || (c = dp_esp_cipher_parse(json_string_value(jc))) < 0))
		return efail(e, "EINVAL", "cipher",
			     "cipher must be \"aes256gcm\" or \"aes256cbc-hmacsha512\"");
	r->p.keys.cipher = (enum dp_esp_cipher)c;
	if (parse_keys(args, r, e) < 0)
		return -1;
	if (get_addr(args, "local", &r->p.family, r->p.local, e) < 0)
		return -1;
	if (!dp_main_is_local(dm, r->p.family, r->p.local))
		return efail(e, "EINVAL", "local", "local is not a node address");
	if (get_addr(args, "remote", &rfam, r->p.remote, e) < 0)
		return -1;
	if (rfam != r->p.family)
		return efail(e, "EINVAL", "remote", "remote and local differ in family");
	if (get_bool_arg(args, "esn", &esn, e) < 0)
		return -1;
	r->p.esn = esn;
	v = DP_ESP_REPLAY_MAX;
	if (get_int(args, "replay_window", 64, DP_ESP_REPLAY_MAX, &v, e) < 0)
		return -1;
	r->p.window = (uint16_t)v;
	return parse_lifetimes(args, r, e);
}

static const char *
code_of(int err)
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
	default:
		return "EINVAL";
	}
}

/* ---- replies ------------------------------------------------------------------ */

static json_t *
sa_json(struct dp_main *dm, uint32_t slot)
{
	const struct dp_esp_sa *sa = dp_esp_sa_lookup(&dm->esp, slot);
	const struct dp_esp_state *st = &dm->esp.slots[slot].st;
	const struct dp_esp_sa_stats *c = &st->stats;
	struct dp_esp_sa_life life;
	char l[INET6_ADDRSTRLEN] = "", r[INET6_ADDRSTRLEN] = "";
	bool out = sa->dir == DP_ESP_OUT;
	json_t *o;

	dp_esp_sa_life(&dm->esp, slot, rte_rdtsc(), &life);
	inet_ntop(sa->family, sa->local, l, sizeof(l));
	inet_ntop(sa->family, sa->remote, r, sizeof(r));
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:i, s:I, s:I, s:I, s:b, s:b}", "spi",
		      (json_int_t)sa->spi, "direction", dir_name(sa->dir), "cipher",
		      dp_esp_cipher_name((enum dp_esp_cipher)sa->cipher), "local", l, "remote", r,
		      "esn", sa->esn, "replay_window", sa->window, "lifetime_bytes",
		      (json_int_t)sa->life_bytes, "lifetime_seconds", (json_int_t)sa->life_seconds,
		      "age_seconds", (json_int_t)life.age_seconds, "soft_expired", life.soft_expired,
		      "expired", life.expired);
	json_object_set_new(o, "seq", json_integer((json_int_t)(out ? st->seq : st->top)));
	json_object_set_new(o, "packets", json_integer((json_int_t)c->packets));
	json_object_set_new(o, "bytes", json_integer((json_int_t)c->bytes));
	json_object_set_new(o, "auth_fail", json_integer((json_int_t)c->auth_fail));
	json_object_set_new(o, "replay", json_integer((json_int_t)c->replay));
	json_object_set_new(o, "seq_gap", json_integer((json_int_t)c->seq_gap));
	json_object_set_new(o, "drops", json_pack("{s:I, s:I, s:I}", "malformed",
						  (json_int_t)c->malformed, "expired",
						  (json_int_t)c->expired, "other", (json_int_t)c->other));
	if (out)
		json_object_set_new(o, "streams",
				    json_integer(dp_flow_esp_users(&dm->flows, slot)));
	return o;
}

json_t *
dp_ctl_esp_lcore_json(const struct dp_esp_lstats *s)
{
	json_t *d = json_object();

	for (unsigned int i = 0; i < DP_ESP_DROP_COUNT; i++)
		json_object_set_new(d, dp_esp_drop_names[i], json_integer((json_int_t)s->drop[i]));
	return json_pack("{s:I, s:I, s:o}", "rx", (json_int_t)s->rx, "tx", (json_int_t)s->tx,
			 "drops", d);
}

/* ---- operations ------------------------------------------------------------------ */

int
dp_ctl_esp_sa_add(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {
		"spi", "direction", "cipher", "key", "salt", "auth_key", "local", "remote", "esn",
		"replay_window", "lifetime_bytes", "lifetime_seconds", NULL,
	};
	struct sa_req r;
	int slot, rc = -1;

	memset(&r, 0, sizeof(r));
	if (check_fields(args, allowed, e) < 0 || parse_sa_add(dm, args, &r, e) < 0)
		goto out;
	slot = dp_esp_sa_add(&dm->esp, &r.p);
	if (slot < 0) {
		efail(e, code_of(-slot), slot == -EEXIST ? "spi" : NULL, "cannot add the SA: %s",
		      strerror(-slot));
		goto out;
	}
	*res = json_pack("{s:I, s:s}", "spi", (json_int_t)r.p.spi, "direction", dir_name(r.p.dir));
	rc = 0;
out:
	explicit_bzero(&r, sizeof(r));
	return rc;
}

int
dp_ctl_esp_sa_del(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"spi", "direction", NULL};
	const struct dp_esp_sa *sa;
	uint32_t slot = 0, users;
	json_int_t spi;
	const char *dir;

	if (check_fields(args, allowed, e) < 0 || get_sa(dm, args, "spi", false, DP_ESP_IN, &slot, e) < 0)
		return -1;
	sa = dp_esp_sa_lookup(&dm->esp, slot);
	users = sa->dir == DP_ESP_OUT ? dp_flow_esp_users(&dm->flows, slot) : 0;
	if (users != 0)
		return efail(e, "EBUSY", "spi",
			     "%u streams send through this SA: switch them first (esp.sa_switch)",
			     users);
	spi = sa->spi;
	dir = dir_name(sa->dir);
	if (dp_esp_sa_del(&dm->esp, slot) < 0)
		return efail(e, "ENOENT", "spi", "the SA is gone");
	*res = json_pack("{s:I, s:s}", "spi", spi, "direction", dir);
	return 0;
}

int
dp_ctl_esp_sa_stats(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"spi", "direction", NULL};
	uint32_t slot = 0;

	if (check_fields(args, allowed, e) < 0 || get_sa(dm, args, "spi", false, DP_ESP_IN, &slot, e) < 0)
		return -1;
	*res = sa_json(dm, slot);
	return 0;
}

int
dp_ctl_esp_sa_list(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"offset", "limit", NULL};
	json_int_t offset = 0, limit = 100, seen = 0;
	json_t *arr;

	if (check_fields(args, allowed, e) < 0 ||
	    get_int(args, "offset", 0, dm->esp.max, &offset, e) < 0 ||
	    get_int(args, "limit", 1, 200, &limit, e) < 0)
		return -1;
	arr = json_array();
	for (uint32_t i = 0; i < dm->esp.max && json_array_size(arr) < (size_t)limit; i++) {
		if (dp_esp_sa_lookup(&dm->esp, i) == NULL)
			continue;
		if (seen++ >= offset)
			json_array_append_new(arr, sa_json(dm, i));
	}
	*res = json_pack("{s:i, s:I, s:o}", "total_count", dm->esp.count, "offset", offset, "sas",
			 arr);
	return 0;
}

/* Streams of outbound slot @p from now send through @p to. @return count or -1. */
static int
switch_streams(struct dp_main *dm, uint32_t from, uint32_t to, struct ctl_err *e)
{
	int n = dp_flow_esp_switch(&dm->flows, from, to);

	if (n < 0)
		return efail(e, "ENOMEM", NULL, "cannot switch the streams: %s", strerror(-n));
	return n;
}

int
dp_ctl_esp_sa_rekey(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {
		"spi", "direction", "new_spi", "key", "salt", "auth_key", "lifetime_bytes",
		"lifetime_seconds", NULL,
	};
	const struct dp_esp_sa *old;
	struct sa_req r;
	uint32_t slot = 0;
	json_int_t v = 0;
	int ns, n = 0, rc = -1;

	memset(&r, 0, sizeof(r));
	if (check_fields(args, allowed, e) < 0 || get_sa(dm, args, "spi", false, DP_ESP_IN, &slot, e) < 0)
		goto out;
	/* The new SA inherits everything but SPI, keys and (when given) lifetimes. */
	old = dp_esp_sa_lookup(&dm->esp, slot);
	r.p.dir = (enum dp_esp_dir)old->dir;
	r.p.keys.cipher = (enum dp_esp_cipher)old->cipher;
	r.p.esn = old->esn;
	r.p.window = old->window;
	r.p.family = old->family;
	memcpy(r.p.local, old->local, sizeof(r.p.local));
	memcpy(r.p.remote, old->remote, sizeof(r.p.remote));
	r.p.life_bytes = old->life_bytes;
	r.p.life_seconds = old->life_seconds;
	if (get_req_int(args, "new_spi", SPI_MIN, UINT32_MAX, &v, e) < 0 ||
	    parse_keys(args, &r, e) < 0 || parse_lifetimes(args, &r, e) < 0)
		goto out;
	r.p.spi = (uint32_t)v;
	ns = dp_esp_sa_add(&dm->esp, &r.p);
	if (ns < 0) {
		efail(e, code_of(-ns), ns == -EEXIST ? "new_spi" : NULL, "cannot add the SA: %s",
		      strerror(-ns));
		goto out;
	}
	/* Make before break: the old SA stays valid until esp.sa_del. */
	if (r.p.dir == DP_ESP_OUT && (n = switch_streams(dm, slot, (uint32_t)ns, e)) < 0) {
		dp_esp_sa_del(&dm->esp, (uint32_t)ns);
		goto out;
	}
	*res = json_pack("{s:I, s:s, s:I, s:i}", "spi", (json_int_t)r.p.spi, "direction",
			 dir_name(r.p.dir), "replaces", (json_int_t)old->spi, "streams_switched", n);
	rc = 0;
out:
	explicit_bzero(&r, sizeof(r));
	return rc;
}

int
dp_ctl_esp_sa_switch(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e)
{
	static const char *const allowed[] = {"spi", "new_spi", NULL};
	const struct dp_esp_sa *a, *b;
	uint32_t from = 0, to = 0;
	int n;

	if (check_fields(args, allowed, e) < 0 ||
	    get_sa(dm, args, "spi", true, DP_ESP_OUT, &from, e) < 0 ||
	    get_sa(dm, args, "new_spi", true, DP_ESP_OUT, &to, e) < 0)
		return -1;
	a = dp_esp_sa_lookup(&dm->esp, from);
	b = dp_esp_sa_lookup(&dm->esp, to);
	if (a->family != b->family || memcmp(a->local, b->local, 16) != 0 ||
	    memcmp(a->remote, b->remote, 16) != 0)
		return efail(e, "EINVAL", "new_spi", "the two SAs join different addresses");
	n = from == to ? 0 : switch_streams(dm, from, to, e);
	if (n < 0)
		return -1;
	*res = json_pack("{s:I, s:I, s:i}", "spi", (json_int_t)b->spi, "replaces",
			 (json_int_t)a->spi, "streams_switched", n);
	return 0;
}

/* ---- the "esp_sa" field of streams ------------------------------------------------ */

int
dp_ctl_esp_stream_sa(struct dp_main *dm, json_t *v, struct dp_stream_params *p,
		     struct ctl_err *e)
{
	const struct dp_esp_sa *sa;
	int slot;

	if (json_is_null(v)) {
		p->esp_out = false;
		p->esp_slot = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > UINT32_MAX)
		return efail(e, "EINVAL", "esp_sa", "esp_sa must be the SPI of an outbound SA or null");
	slot = dp_esp_sa_find(&dm->esp, (uint32_t)json_integer_value(v), DP_ESP_OUT);
	if (slot < 0)
		return efail(e, "ENOENT", "esp_sa", "no outbound SA with SPI %" JSON_INTEGER_FORMAT,
			     json_integer_value(v));
	sa = dp_esp_sa_lookup(&dm->esp, (uint32_t)slot);
	if (sa->family != p->local.family ||
	    memcmp(sa->local, p->local.addr, p->local.family == AF_INET ? 4 : 16) != 0)
		return efail(e, "EINVAL", "esp_sa", "the SA's local address is not the stream's");
	p->esp_out = true;
	p->esp_slot = (uint32_t)slot;
	return 0;
}

void
dp_ctl_esp_stream_json(struct dp_main *dm, const struct dp_stream_cfg *c, json_t *o)
{
	const struct dp_esp_sa *sa;

	if (!c->esp_out)
		return;
	sa = dp_esp_sa_lookup(&dm->esp, c->esp_slot);
	json_object_set_new(o, "esp_sa", sa != NULL ? json_integer(sa->spi) : json_null());
}
