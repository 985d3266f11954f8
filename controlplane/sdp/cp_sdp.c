/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_sdp.c - parse and write SDP for audio relay legs.
 *
 * Parsing goes through sofia-sip's sdp_parse() into a temporary su_home that
 * is freed before returning; results are copied into the caller's fixed-size
 * struct cp_sdp_desc. Implements the parts of RFC 3264 (offer/answer:
 * §5 offers, §6 answers, §8 modifying a session) and RFC 4568 (SDES a=crypto,
 * §9.1 key parameters, §6.1 tag matching) the relay needs. RFC 5761 rtcp-mux.
 *
 * Context: control path (cp main loop) and the fuzz target; no global state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#include "cp_sdp.h"

static const struct {
	const char *name;
	uint32_t rate;	   /* 0: any of 8000, 16000, 48000 (telephone-event) */
	uint8_t channels;
} known_codecs[] = {
	{"PCMU", 8000, 1},
	{"PCMA", 8000, 1},
	{"G722", 8000, 1},
	{"G729", 8000, 1},
	{"opus", 48000, 2},
	{"telephone-event", 0, 1},
};

static const struct {
	const char *name;
	enum cp_srtp_suite suite;
	size_t key_len;
} suites[] = {
	{"AES_CM_128_HMAC_SHA1_80", CP_SRTP_AES_CM_128_HMAC_SHA1_80, 30},
	{"AES_CM_128_HMAC_SHA1_32", CP_SRTP_AES_CM_128_HMAC_SHA1_32, 30},
	{"AEAD_AES_128_GCM", CP_SRTP_AEAD_AES_128_GCM, 28},
	{"AEAD_AES_256_GCM", CP_SRTP_AEAD_AES_256_GCM, 44},
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
cp_srtp_suite_name(enum cp_srtp_suite s)
{
	for (size_t i = 0; i < N_ELEM(suites); i++)
		if (suites[i].suite == s)
			return suites[i].name;
	return "NULL";
}

size_t
cp_srtp_key_len(enum cp_srtp_suite s)
{
	for (size_t i = 0; i < N_ELEM(suites); i++)
		if (suites[i].suite == s)
			return suites[i].key_len;
	return 0;
}

bool
cp_sdp_codec_is_dtmf(const struct cp_sdp_codec *c)
{
	return strcasecmp(c->name, "telephone-event") == 0;
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64_encode(char *out, const uint8_t *in, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = b64_alphabet[(v >> 6) & 63];
		*out++ = b64_alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* Decoded length of a strict base64 string of @p n chars, or -1 when invalid. */
static long
b64_decoded_len(const char *s, size_t n)
{
	size_t pad = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i < n - 2)
				return -1;
			pad++;
		} else if (pad > 0 || strchr(b64_alphabet, s[i]) == NULL || s[i] == '\0') {
			return -1;
		}
	}
	return (long)(n / 4 * 3 - pad);
}

int
cp_sdp_crypto_make(struct cp_sdp_crypto *c, uint32_t tag, enum cp_srtp_suite s)
{
	uint8_t raw[48];
	size_t n = cp_srtp_key_len(s);

	if (n == 0)
		return -EINVAL;
	if (getrandom(raw, n, 0) != (ssize_t)n)
		return -EIO;
	c->tag = tag;
	c->suite = s;
	b64_encode(c->key, raw, n);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

/*
 * RFC 4568 §9.1: "<tag> <suite> inline:<key||salt>[|lifetime][|MKI:len]
 * [session-params]". MKIs, several key-params and session parameters are
 * not supported by the data plane: such lines are ignored (-ENOTSUP).
 */
static int
parse_crypto(const char *v, struct cp_sdp_crypto *c)
{
	char suite[40];
	const char *p = v, *key, *end;
	unsigned long tag;
	size_t i, n;
	long dec;

	if (v == NULL || *p < '0' || *p > '9')
		return -EINVAL;
	tag = strtoul(p, (char **)&p, 10);
	if (tag > 999999999 || *p != ' ')
		return -EINVAL;
	p += strspn(p, " ");
	n = strcspn(p, " ");
	if (n == 0 || n >= sizeof(suite))
		return -EINVAL;
	memcpy(suite, p, n);
	suite[n] = '\0';
	p += n;
	p += strspn(p, " ");
	if (strncasecmp(p, "inline:", 7) != 0)
		return -EINVAL;
	key = p + 7;
	n = strcspn(key, "| ;");
	end = key + n;
	if (*end == '|') {
		const char *lt = end + 1;
		size_t m = strcspn(lt, "| ;");

		/* A lifetime ("2^31" or digits) is fine; an MKI ("1:4") is not. */
		if (memchr(lt, ':', m) != NULL || lt[m] == '|')
			return -ENOTSUP;
		end = lt + m;
	}
	if (*end == ';' || (*end == ' ' && end[strspn(end, " ")] != '\0'))
		return -ENOTSUP;
	for (i = 0; i < N_ELEM(suites); i++)
		if (strcmp(suite, suites[i].name) == 0)
			break;
	if (i == N_ELEM(suites))
		return -ENOTSUP;
	dec = b64_decoded_len(key, n);
	if (dec < 0 || (size_t)dec != suites[i].key_len || n >= sizeof(c->key))
		return -EINVAL;
	c->tag = (uint32_t)tag;
	c->suite = suites[i].suite;
	memcpy(c->key, key, n);
	c->key[n] = '\0';
	return 0;
}

static bool
codec_known(const sdp_rtpmap_t *rm, struct cp_sdp_codec *c)
{
	unsigned long ch = 1;

	if (rm->rm_encoding == NULL || rm->rm_any)
		return false;
	if (rm->rm_params != NULL && rm->rm_params[0] != '\0') {
		char *e;

		ch = strtoul(rm->rm_params, &e, 10);
		if (*e != '\0' || ch == 0 || ch > 8)
			return false;
	}
	for (size_t i = 0; i < N_ELEM(known_codecs); i++) {
		if (strcasecmp(rm->rm_encoding, known_codecs[i].name) != 0)
			continue;
		if (known_codecs[i].rate != 0 && rm->rm_rate != known_codecs[i].rate)
			return false;
		if (known_codecs[i].rate == 0 && rm->rm_rate != 8000 && rm->rm_rate != 16000 &&
		    rm->rm_rate != 48000)
			return false;
		if (ch != known_codecs[i].channels)
			return false;
		if (strlen(rm->rm_encoding) >= sizeof(c->name) ||
		    (rm->rm_fmtp != NULL && strlen(rm->rm_fmtp) >= sizeof(c->fmtp)))
			return false;
		c->pt = rm->rm_pt;
		c->rate = (uint32_t)rm->rm_rate;
		c->channels = (uint8_t)ch;
		strcpy(c->name, rm->rm_encoding);
		strcpy(c->fmtp, rm->rm_fmtp != NULL ? rm->rm_fmtp : "");
		return true;
	}
	return false;
}

/* Copy a peer token we may echo back; anything but a visible ASCII char becomes '_'. */
static void
copy_trunc(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src != NULL ? src : "");
	for (char *p = dst; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~')
			*p = '_';
}

/* The fmt list of an m-line we reject, cut at a token boundary. */
static void
other_fmt(const sdp_media_t *m, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm != NULL; rm = rm->rm_next) {
		int n = snprintf(out + len, cap - len, "%s%u", len ? " " : "", rm->rm_pt);

		if (n < 0 || (size_t)n >= cap - len) {
			out[len] = '\0';
			break;
		}
		len += (size_t)n;
	}
	for (const sdp_list_t *l = m->m_format; len == 0 && l != NULL; l = l->l_next) {
		if (l->l_text == NULL || strlen(l->l_text) >= cap || strchr(l->l_text, ' ') != NULL)
			continue;
		copy_trunc(out, cap, l->l_text);
		len = strlen(out);
	}
	if (len == 0)
		copy_trunc(out, cap, "0");
}

static int
audio_addr(const sdp_media_t *m, struct cp_sdp_audio *a)
{
	const sdp_connection_t *c = sdp_media_connections(m);
	unsigned char buf[16];

	if (c == NULL || c->c_address == NULL || strlen(c->c_address) >= sizeof(a->addr))
		return -EBADMSG;
	if (c->c_addrtype == sdp_addr_ip4 && inet_pton(AF_INET, c->c_address, buf) == 1)
		a->family = AF_INET;
	else if (c->c_addrtype == sdp_addr_ip6 && inet_pton(AF_INET6, c->c_address, buf) == 1)
		a->family = AF_INET6;
	else
		return -EBADMSG; /* a host name or a multicast TTL: not for a relay */
	strcpy(a->addr, c->c_address);
	return 0;
}

/* Fill @p a from an RTP/AVP or RTP/SAVP audio m-line; -ENOTSUP if unusable. */
static int
parse_audio(const sdp_media_t *m, struct cp_sdp_audio *a, char *reason, size_t rcap)
{
	unsigned int n_real = 0;
	int rc;

	memset(a, 0, sizeof(*a));
	a->proto = m->m_proto == sdp_proto_srtp ? CP_SDP_PROTO_SAVP : CP_SDP_PROTO_AVP;
	a->port = (uint16_t)m->m_port;
	a->dir = (enum cp_sdp_dir)m->m_mode;
	rc = audio_addr(m, a);
	if (rc < 0) {
		snprintf(reason, rcap, "no usable connection address");
		return rc;
	}
	for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm != NULL; rm = rm->rm_next) {
		struct cp_sdp_codec *c = &a->codecs[a->n_codecs];

		if (a->n_codecs < CP_SDP_MAX_CODECS && codec_known(rm, c)) {
			a->n_codecs++;
			n_real += !cp_sdp_codec_is_dtmf(c);
		}
	}
	for (const sdp_attribute_t *at = m->m_attributes; at != NULL; at = at->a_next) {
		if (at->a_name == NULL)
			continue;
		if (strcasecmp(at->a_name, "rtcp-mux") == 0) {
			a->rtcp_mux = true;
		} else if (strcasecmp(at->a_name, "ptime") == 0 && at->a_value != NULL) {
			unsigned long v = strtoul(at->a_value, NULL, 10);

			a->ptime = v <= 1000 ? (uint32_t)v : 0;
		} else if (strcasecmp(at->a_name, "crypto") == 0 && a->proto == CP_SDP_PROTO_SAVP &&
			   a->n_crypto < CP_SDP_MAX_CRYPTO &&
			   parse_crypto(at->a_value, &a->crypto[a->n_crypto]) == 0) {
			a->n_crypto++;
		}
	}
	if (n_real == 0) {
		snprintf(reason, rcap, "no supported audio codec (PCMU, PCMA, G722, G729, opus)");
		return -ENOTSUP;
	}
	return 0;
}

/*
 * Copy @p body for sofia's parser, keeping it on the ASCII the SDP grammar
 * needs, and always ending in CRLF. Found by fuzz_cp_sip: sofia-sip
 * 1.12.11's sdp_parse() asks for 0.5-2 GiB when the last line is an m= line
 * with an unknown transport and a format that is not a token
 * ("v=0\r\nm=audio 1 X (\r\n", "... X /S"), and likewise for some lines holding bytes
 * >= 0x80 (o= address, m= transport): m= lines are held to their grammar. RFC 4566 allows UTF-8 only in free text (s=, i=, attribute
 * values), which we never interpret beyond ASCII: there such bytes become
 * '_'; in any other line they reject the description, as do NUL and control
 * characters.
 * @return the NUL-terminated copy (in @p home) with *len updated, or NULL.
 */
/* RFC 4566 §9 token-char. */
static bool
token_char(unsigned char b)
{
	return b == 0x21 || (b >= 0x23 && b <= 0x27) || b == 0x2a || b == 0x2b || b == 0x2d ||
	       b == 0x2e || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) ||
	       (b >= 0x5e && b <= 0x7e);
}

/* Length of a run of token-chars (with "/" between tokens when @p slash) at @p p. */
static size_t
span_token(const char *p, size_t n, bool slash)
{
	size_t i = 0;

	while (i < n && (token_char((unsigned char)p[i]) ||
			 (slash && p[i] == '/' && i > 0 && i + 1 < n &&
			  token_char((unsigned char)p[i + 1]))))
		i++;
	return i;
}

static size_t
span_digits(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

/*
 * RFC 4566 §5.14 media field, after "m=":
 * <media> SP <port>["/"<number>] SP <proto> 1*(SP <fmt>), up to the line end.
 */
static bool
m_line_ok(const char *p, size_t n)
{
	size_t end = 0, k, nfmt = 0;

	while (end < n && p[end] != '\r' && p[end] != '\n')
		end++;
	k = span_token(p, end, false); /* media */
	if (k == 0 || k >= end || p[k] != ' ')
		return false;
	p += k + 1;
	end -= k + 1;
	k = span_digits(p, end);
	if (k == 0 || k > 5)
		return false;
	{
		unsigned long port = 0;

		for (size_t i = 0; i < k; i++)
			port = port * 10 + (unsigned long)(p[i] - '0');
		if (port > 65535) /* sofia would keep it modulo 2^16 */
			return false;
	}
	if (k < end && p[k] == '/') {
		size_t m = span_digits(p + k + 1, end - k - 1);

		if (m == 0 || m > 5)
			return false;
		k += 1 + m;
	}
	if (k >= end || p[k] != ' ')
		return false;
	p += k + 1;
	end -= k + 1;
	k = span_token(p, end, true); /* proto */
	if (k == 0)
		return false;
	while (k < end) {
		size_t f;

		if (p[k] != ' ')
			return false;
		f = span_token(p + k + 1, end - k - 1, false);
		if (f == 0)
			return false;
		k += 1 + f;
		nfmt++;
	}
	return nfmt > 0;
}

static char *
sanitize(su_home_t *home, const char *body, size_t *plen)
{
	size_t len = *plen;
	char *c = su_alloc(home, len + 3);
	char type = '\0';
	bool line_start = true;
	size_t ls = 0; /* index of the current line's first byte */

	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)body[i];

		if (line_start && b != '\r' && b != '\n') {
			/* RFC 4566 §5: every line is <type>=<value>, type one lowercase letter. */
			if (b < 'a' || b > 'z' || i + 1 >= len || body[i + 1] != '=')
				return NULL;
			type = (char)b;
			ls = i;
		}
		line_start = b == '\n' || b == '\r'; /* sofia also ends lines at a lone CR */
		if (type == 'm' && i == ls + 1 && (b != '=' || !m_line_ok(body + i + 1, len - i - 1)))
			return NULL;
		if (b >= 0x80) {
			if (type != 's' && type != 'i' && type != 'a')
				return NULL;
			b = '_';
		} else if (b < 0x20 && b != '\r' && b != '\n' && b != '\t') {
			return NULL;
		} else if (b == 0x7f) {
			return NULL;
		}
		c[i] = (char)b;
	}
	if (len == 0 || c[len - 1] != '\n') {
		c[len++] = '\r';
		c[len++] = '\n';
	}
	c[len] = '\0';
	*plen = len;
	return c;
}

int
cp_sdp_parse(const char *body, size_t len, struct cp_sdp_desc *out)
{
	su_home_t home[1] = {SU_HOME_INIT(home)};
	sdp_parser_t *p;
	sdp_session_t *s;
	char *copy;
	int rc = -ENOTSUP;
	bool have_audio = false;

	memset(out, 0, sizeof(*out));
	snprintf(out->reason, sizeof(out->reason), "no audio m-line over RTP/AVP or RTP/SAVP");
	if (body == NULL || len == 0 || len > 65536) {
		snprintf(out->reason, sizeof(out->reason), "empty or oversized body");
		return -EBADMSG;
	}
	copy = sanitize(home, body, &len);
	if (copy == NULL) {
		snprintf(out->reason, sizeof(out->reason), "malformed SDP: bad characters");
		rc = -EBADMSG;
		p = NULL;
		goto out_free;
	}
	p = sdp_parse(home, copy, (issize_t)len, 0);
	s = sdp_session(p);
	if (s == NULL) {
		snprintf(out->reason, sizeof(out->reason), "malformed SDP: %.60s",
			 p != NULL && sdp_parsing_error(p) ? sdp_parsing_error(p) : "?");
		rc = -EBADMSG;
		goto out_free;
	}
	for (const sdp_media_t *m = s->sdp_media; m != NULL; m = m->m_next) {
		struct cp_sdp_other *o;
		unsigned int i = out->n_mlines;

		if (i == CP_SDP_MAX_MLINES) {
			snprintf(out->reason, sizeof(out->reason), "more than %d m-lines",
				 CP_SDP_MAX_MLINES);
			rc = -E2BIG;
			goto out_free;
		}
		out->n_mlines++;
		o = &out->others[i];
		/* Echoed back verbatim in answers: cutting them would write invalid SDP. */
		if (strlen(m->m_type_name ? m->m_type_name : "audio") >= sizeof(o->media) ||
		    strlen(m->m_proto_name ? m->m_proto_name : "RTP/AVP") >= sizeof(o->proto)) {
			snprintf(out->reason, sizeof(out->reason), "m-line %u: media or transport too long",
				 i + 1);
			rc = -E2BIG;
			goto out_free;
		}
		copy_trunc(o->media, sizeof(o->media), m->m_type_name ? m->m_type_name : "audio");
		copy_trunc(o->proto, sizeof(o->proto),
			   m->m_proto_name ? m->m_proto_name : "RTP/AVP");
		other_fmt(m, o->fmt, sizeof(o->fmt));
		if (have_audio || m->m_type != sdp_media_audio || m->m_port == 0 ||
		    m->m_number_of_ports > 1 ||
		    (m->m_proto != sdp_proto_rtp && m->m_proto != sdp_proto_srtp))
			continue;
		rc = parse_audio(m, &out->audio, out->reason, sizeof(out->reason));
		if (rc == -EBADMSG)
			goto out_free;
		if (rc == 0) {
			have_audio = true;
			out->audio_index = i;
		}
	}
	rc = have_audio ? 0 : (rc == 0 ? -ENOTSUP : rc);
	if (rc == 0)
		out->reason[0] = '\0';
out_free:
	if (p != NULL)
		sdp_parser_free(p);
	su_home_deinit(home);
	if (rc < 0)
		explicit_bzero(&out->audio.crypto, sizeof(out->audio.crypto));
	return rc;
}

static const struct cp_sdp_codec *
find_pt(const struct cp_sdp_audio *a, uint8_t pt)
{
	for (unsigned int i = 0; i < a->n_codecs; i++)
		if (a->codecs[i].pt == pt)
			return &a->codecs[i];
	return NULL;
}

int
cp_sdp_check_answer(const struct cp_sdp_audio *offer, struct cp_sdp_desc *answer,
		    unsigned int *tag_idx)
{
	struct cp_sdp_audio *a = &answer->audio;
	unsigned int n = 0, n_real = 0;

	if (a->proto != offer->proto) {
		snprintf(answer->reason, sizeof(answer->reason), "answer changed the transport");
		return -ENOTSUP;
	}
	for (unsigned int i = 0; i < a->n_codecs; i++) {
		const struct cp_sdp_codec *o = find_pt(offer, a->codecs[i].pt);

		if (o == NULL || strcasecmp(o->name, a->codecs[i].name) != 0 ||
		    o->rate != a->codecs[i].rate)
			continue; /* renumbered or never offered: the relay cannot map it */
		n_real += !cp_sdp_codec_is_dtmf(&a->codecs[i]);
		a->codecs[n++] = a->codecs[i];
	}
	a->n_codecs = n;
	if (n_real == 0) {
		snprintf(answer->reason, sizeof(answer->reason), "no common codec");
		return -ENOTSUP;
	}
	if (a->proto == CP_SDP_PROTO_AVP)
		return 0;
	/* RFC 4568 §6.1: the answer carries one crypto line with an offered tag. */
	for (unsigned int i = 0; i < a->n_crypto; i++)
		for (unsigned int j = 0; j < offer->n_crypto; j++)
			if (a->crypto[i].tag == offer->crypto[j].tag &&
			    a->crypto[i].suite == offer->crypto[j].suite) {
				a->crypto[0] = a->crypto[i];
				a->n_crypto = 1;
				*tag_idx = j;
				return 0;
			}
	snprintf(answer->reason, sizeof(answer->reason), "no acceptable crypto line in answer");
	return -ENOTSUP;
}

static const char *
dir_name(enum cp_sdp_dir d)
{
	static const char *const names[] = {"inactive", "sendonly", "recvonly", "sendrecv"};

	return names[d & 3];
}

/* Append with snprintf semantics; *len may pass cap, checked once at the end. */
__attribute__((format(printf, 4, 5))) static void
put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*len < cap ? buf + *len : NULL, *len < cap ? cap - *len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
}

static void
put_audio(char *buf, size_t cap, size_t *len, const struct cp_sdp_out *o)
{
	put(buf, cap, len, "m=audio %u RTP/%s", o->port,
	    o->proto == CP_SDP_PROTO_SAVP ? "SAVP" : "AVP");
	for (unsigned int i = 0; i < o->n_codecs; i++)
		put(buf, cap, len, " %u", o->codecs[i].pt);
	put(buf, cap, len, "\r\n");
	for (unsigned int i = 0; i < o->n_codecs; i++) {
		const struct cp_sdp_codec *c = &o->codecs[i];

		if (c->channels > 1)
			put(buf, cap, len, "a=rtpmap:%u %s/%u/%u\r\n", c->pt, c->name, c->rate,
			    c->channels);
		else
			put(buf, cap, len, "a=rtpmap:%u %s/%u\r\n", c->pt, c->name, c->rate);
		if (c->fmtp[0] != '\0')
			put(buf, cap, len, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
	}
	for (unsigned int i = 0; o->proto == CP_SDP_PROTO_SAVP && i < o->n_crypto; i++)
		put(buf, cap, len, "a=crypto:%u %s inline:%s\r\n", o->crypto[i].tag,
		    cp_srtp_suite_name(o->crypto[i].suite), o->crypto[i].key);
	if (o->ptime != 0)
		put(buf, cap, len, "a=ptime:%u\r\n", o->ptime);
	if (o->rtcp_mux)
		put(buf, cap, len, "a=rtcp-mux\r\n");
	put(buf, cap, len, "a=%s\r\n", dir_name(o->dir));
}

int
cp_sdp_write(char *buf, size_t cap, const struct cp_sdp_out *o)
{
	const char *ip = o->family == AF_INET6 ? "IP6" : "IP4";
	unsigned int n_m = o->mirror != NULL ? o->mirror->n_mlines : 1;
	unsigned int audio_at = o->mirror != NULL ? o->mirror->audio_index : 0;
	size_t len = 0;

	if (buf == NULL || o->addr == NULL || o->n_codecs == 0 || o->n_codecs > CP_SDP_MAX_CODECS)
		return -EINVAL;
	put(buf, cap, &len, "v=0\r\no=tessera %llu %llu IN %s %s\r\ns=tessera\r\nc=IN %s %s\r\n"
	    "t=0 0\r\n", (unsigned long long)o->sess_id, (unsigned long long)o->sess_version, ip,
	    o->addr, ip, o->addr);
	for (unsigned int i = 0; i < n_m; i++) {
		const struct cp_sdp_other *x;

		if (i == audio_at) {
			put_audio(buf, cap, &len, o);
			continue;
		}
		/* RFC 3264 §6: a rejected stream keeps its place, with port 0. */
		x = &o->mirror->others[i];
		put(buf, cap, &len, "m=%s 0 %s %s\r\n", x->media, x->proto, x->fmt);
	}
	if (len >= cap)
		return -ENOSPC;
	return (int)len;
}
