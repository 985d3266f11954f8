/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_bp_msg.c - parse and encode node-to-node control messages (see
 * cp_bp_msg.h for the protocol).
 *
 * Context: any thread; pure functions over buffers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_bp_msg.h"

static const char *const type_names[CP_BP_TYPES] = {
	[CP_BP_HELLO] = "hello",	 [CP_BP_PING] = "ping",
	[CP_BP_PONG] = "pong",		 [CP_BP_CONF_UP] = "conf_up",
	[CP_BP_CONF_DOWN] = "conf_down", [CP_BP_OPEN] = "bp_open",
	[CP_BP_CLOSE] = "bp_close",	 [CP_BP_REKEY] = "bp_rekey",
	[CP_BP_REKEYED] = "bp_rekeyed",	 [CP_BP_CONF_STATE] = "conf_state",
	[CP_BP_ROSTER] = "roster",	 [CP_BP_ERROR] = "error",
	[CP_BP_MEDIA_HOST] = "media_host", [CP_BP_MEDIA_HOSTED] = "media_hosted",
	[CP_BP_MEDIA_ATTACH] = "media_attach", [CP_BP_MEDIA_UPDATE] = "media_update",
	[CP_BP_MEDIA_PROMPT] = "media_prompt", [CP_BP_MEDIA_SEND_DTMF] = "media_send_dtmf",
	[CP_BP_MEDIA_DETACH] = "media_detach", [CP_BP_MEDIA_RELEASE] = "media_release",
	[CP_BP_MEDIA_DIGITS] = "media_digits", [CP_BP_MEDIA_FAILED] = "media_failed",
};

static const char *const media_codecs[] = {"PCMU", "PCMA", "G722", "G729", "opus"};
static const char *const srtp_suites[] = {"NULL", "AES_CM_128_HMAC_SHA1_80",
					  "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM",
					  "AEAD_AES_256_GCM"};

const char *
cp_bp_type_name(enum cp_bp_type t)
{
	return (unsigned int)t < CP_BP_TYPES ? type_names[t] : NULL;
}

int
cp_bp_frame_len(const uint8_t hdr[4])
{
	uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 |
		     hdr[3];

	return n == 0 || n > CP_BP_MSG_MAX ? -EMSGSIZE : (int)n;
}

/* Printable UTF-8 text: no control characters (names end up in logs and JSON). */
static bool
text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/*
 * A string field into dst. @p required: absent is an error; else absent
 * leaves dst "". @return 0 or -EINVAL.
 */
static int
get_text(json_t *o, const char *key, char *dst, size_t cap, bool required)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t n;

	dst[0] = '\0';
	if (v == NULL)
		return required ? -EINVAL : 0;
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n >= cap || strlen(s) != n || !text_ok(s) || (required && n == 0))
		return -EINVAL;
	memcpy(dst, s, n + 1);
	return 0;
}

static int
get_uint(json_t *o, const char *key, uint64_t lo, uint64_t hi, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	json_int_t x;

	if (!json_is_integer(v))
		return -EINVAL;
	x = json_integer_value(v);
	if (x < 0 || (uint64_t)x < lo || (uint64_t)x > hi)
		return -EINVAL;
	*out = (uint64_t)x;
	return 0;
}

static int
get_bool(json_t *o, const char *key, bool *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		return -EINVAL;
	*out = json_is_true(v);
	return 0;
}

static bool
ip_ok(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static bool
id_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

json_t *
cp_bp_roster_entry(json_t *in)
{
	static const struct {
		const char *key;
		size_t cap;
	} texts[] = {
		{"display_name", 128},	 {"source_alias", 256}, {"destination_alias", 256},
		{"remote_address", 64},	 {"protocol", 16},	{"connect_time", 40},
		{"state", 24},		 {"audio_codec", 24},	{"encryption", 8},
		{"call_uuid", 128},	 {"service_type", 24},	{"signalling_node", 64},
		{"media_node", 64},
	};
	static const char *const bools[] = {"is_muted", "has_media"};
	char buf[256], id[65], role[8];
	json_t *out;
	uint64_t port;

	if (!json_is_object(in) || get_text(in, "id", id, sizeof(id), true) < 0 || !id_ok(id) ||
	    get_text(in, "role", role, sizeof(role), false) < 0 ||
	    (role[0] != '\0' && strcmp(role, "chair") != 0 && strcmp(role, "guest") != 0 &&
	     strcmp(role, "unknown") != 0))
		return NULL;
	out = json_pack("{s:s}", "id", id);
	if (out == NULL)
		return NULL;
	if (role[0] != '\0')
		json_object_set_new(out, "role", json_string(role));
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (get_text(in, texts[i].key, buf, texts[i].cap, false) < 0)
			goto bad;
		if (json_object_get(in, texts[i].key) != NULL)
			json_object_set_new(out, texts[i].key, json_string(buf));
	}
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		bool b;

		if (json_object_get(in, bools[i]) == NULL)
			continue;
		if (get_bool(in, bools[i], &b) < 0)
			goto bad;
		json_object_set_new(out, bools[i], json_boolean(b));
	}
	if (json_object_get(in, "remote_port") != NULL) {
		if (get_uint(in, "remote_port", 0, 65535, &port) < 0)
			goto bad;
		json_object_set_new(out, "remote_port", json_integer((json_int_t)port));
	}
	return out;
bad:
	json_decref(out);
	return NULL;
}


static bool
in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static bool
chars_ok(const char *s, const char *set, size_t lo)
{
	size_t n = strlen(s);

	return n >= lo && strspn(s, set) == n;
}

#define B64_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
#define DIGIT_CHARS "0123456789*#ABCD"

/* A suite name and its key: a key (base64) exactly when the suite is not NULL. */
static int
get_suite(json_t *o, const char *skey, const char *kkey, char *suite, char *key)
{
	if (get_text(o, skey, suite, 32, true) < 0 ||
	    !in_list(suite, srtp_suites, sizeof(srtp_suites) / sizeof(srtp_suites[0])) ||
	    get_text(o, kkey, key, CP_BP_KEY_MAX, false) < 0)
		return -EINVAL;
	if (strcmp(suite, "NULL") == 0)
		return key[0] == '\0' ? 0 : -EINVAL;
	return chars_ok(key, B64_CHARS, 16) ? 0 : -EINVAL;
}

/* An integer -1..1 (media_update) or 0..1 (media_attach: @p lo 0). */
static int
get_tri(json_t *o, const char *key, int lo, int8_t *out)
{
	json_t *v = json_object_get(o, key);
	json_int_t x;

	if (!json_is_integer(v))
		return -EINVAL;
	x = json_integer_value(v);
	if (x < lo || x > 1)
		return -EINVAL;
	*out = (int8_t)x;
	return 0;
}

/* media_update's optional direction: "send" and "recv", 0 or 1, both or neither. */
static int
get_dir(json_t *o, struct cp_bp_msg *m)
{
	int8_t s, r;

	if (json_object_get(o, "send") == NULL && json_object_get(o, "recv") == NULL)
		return 0;
	if (get_tri(o, "send", 0, &s) < 0 || get_tri(o, "recv", 0, &r) < 0)
		return -EINVAL;
	m->has_dir = true;
	m->send = s == 1;
	m->recv = r == 1;
	return 0;
}

static int
parse_media_desc(json_t *o, struct cp_bp_media_desc *d)
{
	uint64_t x;

	if (get_text(o, "codec", d->codec, sizeof(d->codec), true) < 0 ||
	    !in_list(d->codec, media_codecs, sizeof(media_codecs) / sizeof(media_codecs[0])))
		return -EINVAL;
	if (get_uint(o, "pt", 0, 127, &x) < 0)
		return -EINVAL;
	d->pt = (uint8_t)x;
	if (get_uint(o, "dtmf_pt", 0, 127, &x) < 0 || (x != 0 && x < 96))
		return -EINVAL;
	d->dtmf_pt = (uint8_t)x;
	if (get_uint(o, "rate", 8000, 48000, &x) < 0)
		return -EINVAL;
	d->rate = (uint32_t)x;
	if (get_uint(o, "channels", 1, 2, &x) < 0)
		return -EINVAL;
	d->channels = (uint8_t)x;
	if (get_bool(o, "rtcp_mux", &d->rtcp_mux) < 0 ||
	    get_text(o, "remote_addr", d->remote_addr, sizeof(d->remote_addr), false) < 0 ||
	    (d->remote_addr[0] != '\0' && !ip_ok(d->remote_addr)) ||
	    get_uint(o, "remote_port", 0, 65535, &x) < 0)
		return -EINVAL;
	d->remote_port = (uint16_t)x;
	if (get_suite(o, "in_suite", "in_key", d->in_suite, d->in_key) < 0 ||
	    get_suite(o, "out_suite", "out_key", d->out_suite, d->out_key) < 0)
		return -EINVAL;
	return 0;
}

#define FAIL(code, ...) (snprintf(err, errcap, __VA_ARGS__), (code))

/* media_*: the participant id, then each type's fields. */
static int
parse_media(json_t *o, struct cp_bp_msg *m, char *err, size_t errcap)
{
	const char *tn = type_names[m->type];
	uint64_t x;

	if (get_text(o, "id", m->id, sizeof(m->id), true) < 0 || !id_ok(m->id))
		return FAIL(-EINVAL, "%s: id must be 1-64 letters, digits, '-', '_', '.'", tn);
	switch (m->type) {
	case CP_BP_MEDIA_HOST:
		if (get_text(o, "conference", m->conference, sizeof(m->conference), true) < 0)
			return FAIL(-EINVAL, "media_host: conference must be 1-250 characters");
		if (parse_media_desc(o, &m->media) < 0)
			return FAIL(-EINVAL, "media_host: bad codec, payload type, rate, channels, "
				    "address, port, suite or key");
		return 0;
	case CP_BP_MEDIA_HOSTED:
		if (get_text(o, "address", m->media_addr, sizeof(m->media_addr), true) < 0 ||
		    !ip_ok(m->media_addr) || get_uint(o, "port", 1024, 65535, &x) < 0)
			return FAIL(-EINVAL, "media_hosted: address must be an IP address and port "
				    "1024-65535");
		m->port = (uint16_t)x;
		return 0;
	case CP_BP_MEDIA_ATTACH:
	case CP_BP_MEDIA_UPDATE: {
		int lo = m->type == CP_BP_MEDIA_UPDATE ? -1 : 0;

		m->muted = -1;
		if (get_tri(o, "lobby", lo, &m->lobby) < 0 || get_tri(o, "guest", lo, &m->guest) < 0 ||
		    get_tri(o, "hosts_only", lo, &m->hosts_only) < 0 ||
		    (m->type == CP_BP_MEDIA_UPDATE && get_tri(o, "muted", -1, &m->muted) < 0))
			return FAIL(-EINVAL, "%s: lobby, guest, hosts_only%s must be %s", tn,
				    lo ? ", muted" : "", lo ? "-1, 0 or 1" : "0 or 1");
		if (m->type == CP_BP_MEDIA_UPDATE && get_dir(o, m) < 0)
			return FAIL(-EINVAL, "%s: send and recv must be 0 or 1, both or neither", tn);
		return 0;
	}
	case CP_BP_MEDIA_PROMPT:
		if (get_text(o, "prompt", m->text, CP_BP_PROMPT_MAX, false) < 0 ||
		    !chars_ok(m->text, "abcdefghijklmnopqrstuvwxyz0123456789_", 0) ||
		    get_bool(o, "loop", &m->loop) < 0)
			return FAIL(-EINVAL, "media_prompt: prompt must be a name (a-z, 0-9, _) and "
				    "loop a boolean");
		return 0;
	case CP_BP_MEDIA_SEND_DTMF:
	case CP_BP_MEDIA_DIGITS:
		if (get_text(o, "digits", m->digits, sizeof(m->digits), true) < 0 ||
		    !chars_ok(m->digits, m->type == CP_BP_MEDIA_DIGITS ? DIGIT_CHARS :
									  DIGIT_CHARS ",", 1))
			return FAIL(-EINVAL, "%s: digits must be 1-63 of 0-9 * # A-D%s", tn,
				    m->type == CP_BP_MEDIA_DIGITS ? "" : " ,");
		return 0;
	case CP_BP_MEDIA_FAILED:
		if (get_text(o, "message", m->text, sizeof(m->text), false) < 0)
			return FAIL(-EINVAL, "media_failed: message must be text");
		return 0;
	default: /* media_detach, media_release: the id alone */
		return 0;
	}
}

static int
parse_body(json_t *o, struct cp_bp_msg *m, char *err, size_t errcap)
{
	uint64_t x;
	json_t *list, *e;
	size_t i;

	switch (m->type) {
	case CP_BP_HELLO:
		if (get_uint(o, "v", 1, UINT32_MAX, &x) < 0)
			return FAIL(-EINVAL, "hello: v must be a positive integer");
		m->version = (uint32_t)x;
		if (get_text(o, "node", m->node, sizeof(m->node), true) < 0 ||
		    get_text(o, "location", m->location, sizeof(m->location), false) < 0)
			return FAIL(-EINVAL, "hello: node (1-250) and location (0-250) are text");
		if (get_text(o, "media_addr", m->media_addr, sizeof(m->media_addr), true) < 0 ||
		    !ip_ok(m->media_addr))
			return FAIL(-EINVAL, "hello: media_addr must be an IP address");
		return 0;
	case CP_BP_PING:
	case CP_BP_PONG:
		if (get_uint(o, "seq", 0, UINT64_MAX >> 1, &m->seq) < 0)
			return FAIL(-EINVAL, "%s: seq must be an integer", type_names[m->type]);
		if (json_object_get(o, "load") != NULL || json_object_get(o, "capacity") != NULL) {
			if (get_uint(o, "load", 0, UINT32_MAX, &x) < 0)
				return FAIL(-EINVAL, "load must be an integer");
			m->load = (uint32_t)x;
			if (get_uint(o, "capacity", 0, UINT32_MAX, &x) < 0)
				return FAIL(-EINVAL, "capacity must be an integer");
			m->capacity = (uint32_t)x;
		}
		return 0;
	case CP_BP_ERROR:
		if (get_text(o, "message", m->text, sizeof(m->text), false) < 0)
			return FAIL(-EINVAL, "error: message must be text");
		return 0;
	default:
		if (m->type >= CP_BP_MEDIA_HOST && m->type < CP_BP_TYPES)
			return parse_media(o, m, err, errcap);
		break;
	}
	if (get_text(o, "conference", m->conference, sizeof(m->conference), true) < 0)
		return FAIL(-EINVAL, "%s: conference must be 1-250 characters of text",
			    type_names[m->type]);
	switch (m->type) {
	case CP_BP_CONF_UP:
		if (get_uint(o, "start_time", 0, INT64_MAX, &x) < 0)
			return FAIL(-EINVAL, "conf_up: start_time must be seconds since the epoch");
		m->start_time = (int64_t)x;
		/* fall through */
	case CP_BP_CONF_STATE:
		if (get_bool(o, "locked", &m->locked) < 0 ||
		    get_bool(o, "guests_muted", &m->guests_muted) < 0)
			return FAIL(-EINVAL, "%s: locked and guests_muted must be booleans",
				    type_names[m->type]);
		return 0;
	case CP_BP_OPEN:
		if (get_uint(o, "port", 1024, 65535, &x) < 0)
			return FAIL(-EINVAL, "bp_open: port must be 1024-65535");
		m->port = (uint16_t)x;
		/* fall through */
	case CP_BP_REKEY:
	case CP_BP_REKEYED:
		if (get_uint(o, "spi", CP_BP_SPI_MIN, UINT32_MAX, &x) < 0)
			return FAIL(-EINVAL, "%s: spi must be 256-4294967295", type_names[m->type]);
		m->spi = (uint32_t)x;
		return 0;
	case CP_BP_CLOSE:
		if (get_text(o, "reason", m->text, sizeof(m->text), false) < 0)
			return FAIL(-EINVAL, "bp_close: reason must be text");
		return 0;
	case CP_BP_CONF_DOWN:
		return 0;
	case CP_BP_ROSTER:
		list = json_object_get(o, "participants");
		if (!json_is_array(list) || json_array_size(list) > CP_BP_ROSTER_MAX)
			return FAIL(-EINVAL, "roster: participants must be a list of at most %d",
				    CP_BP_ROSTER_MAX);
		m->participants = json_array();
		if (m->participants == NULL)
			return -ENOMEM;
		json_array_foreach(list, i, e) {
			json_t *c = cp_bp_roster_entry(e);

			if (c == NULL)
				return FAIL(-EINVAL, "roster: participants[%zu] is not a valid entry",
					    i);
			json_array_append_new(m->participants, c);
		}
		return 0;
	default:
		return FAIL(-ENOTSUP, "unknown type");
	}
}

int
cp_bp_msg_parse(const char *buf, size_t len, struct cp_bp_msg *m, char *err, size_t errcap)
{
	const char *type;
	json_error_t je;
	json_t *o;
	int rc = -ENOTSUP;

	memset(m, 0, sizeof(*m));
	if (len == 0 || len > CP_BP_MSG_MAX)
		return FAIL(-EMSGSIZE, "frame of %zu octets", len);
	/* Depth is bounded by jansson (2048); duplicates would make fields ambiguous. */
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		return FAIL(-EINVAL, "not a JSON object");
	}
	type = json_string_value(json_object_get(o, "type"));
	for (int t = 0; type != NULL && t < CP_BP_TYPES; t++)
		if (strcmp(type, type_names[t]) == 0) {
			m->type = (enum cp_bp_type)t;
			rc = 0;
		}
	if (rc < 0)
		snprintf(err, errcap, "unknown or missing type");
	else
		rc = parse_body(o, m, err, errcap);
	json_decref(o);
	return rc;
}

void
cp_bp_msg_fini(struct cp_bp_msg *m)
{
	json_decref(m->participants);
	explicit_bzero(m, sizeof(*m)); /* media_host carries SRTP keys */
}

static void
encode_media(const struct cp_bp_msg *m, json_t *o)
{
	const struct cp_bp_media_desc *d = &m->media;

	json_object_set_new(o, "id", json_string(m->id));
	switch (m->type) {
	case CP_BP_MEDIA_HOST:
		json_object_set_new(o, "conference", json_string(m->conference));
		json_object_set_new(o, "codec", json_string(d->codec));
		json_object_set_new(o, "pt", json_integer(d->pt));
		json_object_set_new(o, "dtmf_pt", json_integer(d->dtmf_pt));
		json_object_set_new(o, "rate", json_integer(d->rate));
		json_object_set_new(o, "channels", json_integer(d->channels));
		json_object_set_new(o, "rtcp_mux", json_boolean(d->rtcp_mux));
		json_object_set_new(o, "remote_addr", json_string(d->remote_addr));
		json_object_set_new(o, "remote_port", json_integer(d->remote_port));
		json_object_set_new(o, "in_suite", json_string(d->in_suite));
		json_object_set_new(o, "in_key", json_string(d->in_key));
		json_object_set_new(o, "out_suite", json_string(d->out_suite));
		json_object_set_new(o, "out_key", json_string(d->out_key));
		break;
	case CP_BP_MEDIA_HOSTED:
		json_object_set_new(o, "address", json_string(m->media_addr));
		json_object_set_new(o, "port", json_integer(m->port));
		break;
	case CP_BP_MEDIA_UPDATE:
		json_object_set_new(o, "muted", json_integer(m->muted));
		if (m->has_dir) {
			json_object_set_new(o, "send", json_integer(m->send));
			json_object_set_new(o, "recv", json_integer(m->recv));
		}
		/* fall through */
	case CP_BP_MEDIA_ATTACH:
		json_object_set_new(o, "lobby", json_integer(m->lobby));
		json_object_set_new(o, "guest", json_integer(m->guest));
		json_object_set_new(o, "hosts_only", json_integer(m->hosts_only));
		break;
	case CP_BP_MEDIA_PROMPT:
		json_object_set_new(o, "prompt", json_string(m->text));
		json_object_set_new(o, "loop", json_boolean(m->loop));
		break;
	case CP_BP_MEDIA_SEND_DTMF:
	case CP_BP_MEDIA_DIGITS:
		json_object_set_new(o, "digits", json_string(m->digits));
		break;
	case CP_BP_MEDIA_FAILED:
		json_object_set_new(o, "message", json_string(m->text));
		break;
	default:
		break;
	}
}

int
cp_bp_msg_encode(const struct cp_bp_msg *m, uint8_t **out, size_t *out_len)
{
	const char *name = cp_bp_type_name(m->type);
	json_t *o;
	char *text;
	size_t n;

	if (name == NULL)
		return -EINVAL;
	o = json_pack("{s:s}", "type", name);
	if (o == NULL)
		return -ENOMEM;
	switch (m->type) {
	case CP_BP_HELLO:
		json_object_set_new(o, "v", json_integer(m->version ? m->version : CP_BP_VERSION));
		json_object_set_new(o, "node", json_string(m->node));
		json_object_set_new(o, "location", json_string(m->location));
		json_object_set_new(o, "media_addr", json_string(m->media_addr));
		break;
	case CP_BP_PING:
	case CP_BP_PONG:
		json_object_set_new(o, "seq", json_integer((json_int_t)m->seq));
		json_object_set_new(o, "load", json_integer(m->load));
		json_object_set_new(o, "capacity", json_integer(m->capacity));
		break;
	case CP_BP_ERROR:
		json_object_set_new(o, "message", json_string(m->text));
		break;
	default:
		if (m->type >= CP_BP_MEDIA_HOST)
			encode_media(m, o);
		else
			json_object_set_new(o, "conference", json_string(m->conference));
		break;
	}
	switch (m->type) {
	case CP_BP_CONF_UP:
		json_object_set_new(o, "start_time", json_integer(m->start_time));
		/* fall through */
	case CP_BP_CONF_STATE:
		json_object_set_new(o, "locked", json_boolean(m->locked));
		json_object_set_new(o, "guests_muted", json_boolean(m->guests_muted));
		break;
	case CP_BP_OPEN:
		json_object_set_new(o, "port", json_integer(m->port));
		/* fall through */
	case CP_BP_REKEY:
	case CP_BP_REKEYED:
		json_object_set_new(o, "spi", json_integer(m->spi));
		break;
	case CP_BP_CLOSE:
		json_object_set_new(o, "reason", json_string(m->text));
		break;
	case CP_BP_ROSTER:
		if (m->participants != NULL)
			json_object_set(o, "participants", m->participants);
		else
			json_object_set_new(o, "participants", json_array());
		break;
	default:
		break;
	}
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return -ENOMEM;
	n = strlen(text);
	if (n == 0 || n > CP_BP_MSG_MAX) {
		free(text);
		return -EMSGSIZE;
	}
	*out = malloc(n + 4);
	if (*out == NULL) {
		free(text);
		return -ENOMEM;
	}
	(*out)[0] = (uint8_t)(n >> 24);
	(*out)[1] = (uint8_t)(n >> 16);
	(*out)[2] = (uint8_t)(n >> 8);
	(*out)[3] = (uint8_t)n;
	memcpy(*out + 4, text, n);
	*out_len = n + 4;
	explicit_bzero(text, n);
	free(text);
	return 0;
}
