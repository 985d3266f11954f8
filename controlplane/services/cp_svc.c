/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_svc.c - VMR, Virtual Auditorium, Virtual Reception and Test Call
 * participants (see cp_svc.h).
 *
 * Participant life: INVITE -> SDP answer, media port, data plane stream and
 * conference attachment (in the lobby) -> 200 OK -> the service's state
 * machine (PIN entry, reception, waiting, in the conference, test call) ->
 * BYE from either side -> detach, stream deleted, port returned. NUA's
 * "terminated" call state frees the participant.
 *
 * DTMF: one su_timer polls the data plane every CP_SVC_POLL_MS for the
 * conferences that listen for digits (someone at PIN entry or a reception,
 * or a Host present for the DTMF controls, or media hosted for a peer).
 *
 * Placement (guide part 1 §2.3): a new VMR/VA call's media goes where
 * cp_bp_place() says. On this node it is as above. On another node the
 * call stays here with its whole state machine, and the small set of media
 * operations the states use (stream, attach, detach, update, prompt, send
 * DTMF, release: the pm_* and conf_attach/conf_detach helpers) become
 * requests to that node over the node-to-node channel; its digits come back
 * as messages. The INVITE is answered once the media node says where its
 * stream is.
 *
 * Data plane conferences (struct cp_mconf) are per conference name and
 * shared by this node's own participants (through their cp_conference) and
 * the media it hosts for peers: one exists while either needs it, and its
 * life is what the node announces to peers (conf_up/conf_down).
 *
 * Keys: each participant's SDES keys live in its struct and are wiped when
 * it is freed; nothing here logs them.
 *
 * Context: control path (cp main loop).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "cp_bp.h"
#include "cp_media.h"
#include "cp_policy.h"
#include "cp_reg.h"
#include "cp_replica.h"
#include "cp_route.h"
#include "cp_sdp.h"
#include "cp_sip.h"
#include "cp_svc.h"
#include "tsr_log.h"

#define LOG_COMP "cp.svc"
#define ADMIN_COMP "administrator.conference"
#define SDP_MAX 8192
#define CP_SVC_POLL_MS 100
#define CP_SVC_EVENTS_MAX 4096 /* kept for the management node before the oldest go */
#define CP_SVC_MAX_PARTS 256   /* data plane participants per conference */
#define HANGUP_AFTER_PROMPT_MS 4000
#define ENTRY_MAX 64
#define DP_POLL_MAX 4096 /* conferences polled for digits per round (the data plane's maximum) */
#define MEDIA_WAIT_MS 5000 /* a remote media node has this long to answer media_host */

enum part_state {
	PS_NEW = 0,   /* answered, not placed yet (INVITE without SDP: until the ACK) */
	PS_PIN,       /* collecting a PIN */
	PS_RECEPTION, /* collecting a conference number */
	PS_WAIT_HOST, /* Guest before any Host (FR-PIN-7) */
	PS_LOCKED,    /* behind the lock (FR-LK-*) */
	PS_IN,	      /* in the conference */
	PS_TESTCALL,
	PS_LEAVING, /* a goodbye prompt plays, BYE follows */
};

static const char *const state_names[] = {"new",    "pin_entry", "reception", "waiting_for_host",
					  "locked", "connected", "test_call", "leaving"};

enum timer_kind {
	T_NONE = 0,
	T_PIN_TIMEOUT,
	T_TESTCALL_END,
	T_HANGUP,
	T_MEDIA_WAIT,
};

struct cp_conference;

/*
 * Invariants: hm is first; with local media, conf != NULL iff dp_part >= 0
 * (attached); stream >= 0 only while the dialog is up; counted says whether
 * the participant is in conf->hosts/guests. With remote media (media_node
 * set), stream and dp_part stay -1, port is the media node's, rmedia says
 * a media_host was sent and not released, and media_wait that the INVITE
 * waits for its answer.
 */
struct cp_part {
	struct cp_hmagic hm;
	struct cp_svc *svc;
	struct cp_part *next;  /* svc->parts */
	struct cp_part *cnext; /* conf->parts */
	struct cp_conference *conf;
	nua_handle_t *nh;
	enum part_state state;
	enum cp_role role;
	struct cp_replica_service cfg; /* the service dialled (or moved into) */
	char id[40];
	char call_id[80];
	char alias[CP_ROUTE_ALIAS_MAX];
	char source[256];
	char display[128];
	char remote_addr[64];
	uint16_t remote_port;
	char extra[ENTRY_MAX]; /* dial-string PIN or reception destination */
	int dp_part;
	int64_t stream;
	uint16_t port;
	int family;
	const char *local_ip;
	uint64_t sess_id, sess_ver;
	struct cp_sdp_desc remote;
	struct cp_sdp_codec codec, dtmf;
	bool has_dtmf;
	enum cp_sdp_proto proto;
	bool rtcp_mux;
	struct cp_sdp_crypto in, out;
	struct cp_pin_entry pin;
	char entry[ENTRY_MAX];
	unsigned int entry_len, entry_attempts;
	char dtmf_prev;
	bool muted;
	bool dp_send, dp_recv; /* the direction its engine slot has (attached only) */
	bool counted;
	bool up, ended, hung_up;
	bool offer_pending; /* we offered (INVITE without SDP, or our dial-out) */
	bool outgoing;	    /* a dial-out: we sent the INVITE */
	enum cp_role preset_role; /* dial-out role: no PIN entry */
	char dtmf_seq[CP_REPLICA_STR];
	time_t connect_time;
	su_timer_t *timer;
	enum timer_kind timer_kind;
	char media_node[CP_BP_NAME_MAX]; /* peer carrying the media, "" = this node */
	char media_addr[46];		 /* the media node's address (SDP, status) */
	bool rmedia, media_wait;
	uint64_t invite_ms; /* when the INVITE arrived (setup time in the log) */
};

/*
 * A data plane conference of this node (see the file comment). Invariants:
 * dp >= 0; refs counts the cp_conference using it (at most one) plus each
 * hosted participant; hosted <= refs.
 */
struct cp_mconf {
	struct cp_mconf *next;
	char name[CP_REPLICA_STR];
	int dp;
	unsigned int refs, hosted;
	time_t start;
};

/*
 * Invariants: parts lists every attached participant, n_local those whose
 * media is on this node; dp >= 0 iff n_local > 0 or ephemeral (a
 * non-ephemeral one then holds a reference to the cp_mconf of its name).
 */
struct cp_conference {
	struct cp_conference *next;
	struct cp_svc *svc;
	struct cp_replica_service cfg;
	bool ephemeral; /* a reception's or test call's private conference */
	int dp;
	bool locked, guests_muted, host_joined;
	unsigned int hosts, guests, n_parts, n_local;
	uint64_t last_host_left_ms, alone_since_ms;
	time_t start_time;
	su_timer_t *end_timer;
	struct cp_part *parts;
};

struct cp_svc {
	struct cp_sip *sip;
	struct cp_conference *confs;
	struct cp_part *parts;
	unsigned int n_parts;
	su_timer_t *poll;
	bool poll_armed;
	json_t *events;
	struct cp_mconf *mconfs;
	bool capacity_alarm; /* "Call capacity limit reached" raised by this node */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
iso_time(time_t t, char *buf, size_t cap)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *
role_name(enum cp_role r)
{
	return r == CP_ROLE_HOST ? "chair" : r == CP_ROLE_GUEST ? "guest" : "unknown";
}

/*
 * An admin-log event (guide part 5 §5.2): one log line under
 * administrator.conference and one object for the management node.
 */
static const char *
media_node_addr(const struct cp_svc *v, const struct cp_part *p)
{
	return p != NULL && p->media_node[0] != '\0' ? p->media_addr : v->sip->cfg.media_addr;
}

static void queue_event(struct cp_svc *v, const char *type, const char *message,
			const struct cp_part *p, const struct cp_conference *c, const char *detail);

static void
admin_event(struct cp_svc *v, const char *type, const char *message, const struct cp_part *p,
	    const struct cp_conference *c, const char *detail)
{
	const struct cp_replica_service *cfg = c != NULL ? &c->cfg : p != NULL ? &p->cfg : NULL;

	TSR_INFO(ADMIN_COMP,
		 "%s\tConference=\"%s\" Service-type=\"%s\" ConferenceAlias=\"%s\" "
		 "Participant=\"%s\" Participant-id=\"%s\" Call-id=\"%s\" Role=\"%s\" "
		 "Protocol=\"SIP\" Direction=\"in\" Detail=\"%s\" Signaling-node=\"%s\" "
		 "Media-node=\"%s\"",
		 message, cfg ? cfg->name : "", cfg ? cfg->service_type : "", p ? p->alias : "",
		 p ? p->source : "", p ? p->id : "", p ? p->call_id : "",
		 p ? role_name(p->role) : "", detail ? detail : "", v->sip->cfg.sip_addr,
		 media_node_addr(v, p));
	queue_event(v, type, message, p, c, detail);
}

/* The event object of an admin-log line, for the management node. */
static void
queue_event(struct cp_svc *v, const char *type, const char *message, const struct cp_part *p,
	    const struct cp_conference *c, const char *detail)
{
	const struct cp_replica_service *cfg = c != NULL ? &c->cfg : p != NULL ? &p->cfg : NULL;
	char when[32];
	json_t *e;

	if (json_array_size(v->events) >= CP_SVC_EVENTS_MAX)
		json_array_remove(v->events, 0);
	iso_time(time(NULL), when, sizeof(when));
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "time", when, "type", type, "message",
		      message, "conference", cfg ? cfg->name : "", "service_type",
		      cfg ? cfg->service_type : "", "detail", detail ? detail : "");
	if (e != NULL && p != NULL) {
		json_object_set_new(e, "participant_id", json_string(p->id));
		json_object_set_new(e, "alias", json_string(p->alias));
		json_object_set_new(e, "role", json_string(role_name(p->role)));
	}
	if (e != NULL)
		json_array_append_new(v->events, e);
}

static void
make_uuid(char *out, size_t cap)
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)(rand() & 0xff);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, cap,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
}

/* ---------------------------------------------------------------- media */

static void part_timer(struct cp_part *p, enum timer_kind k, unsigned int ms);
static void part_hangup(struct cp_part *p, const char *why);
static void part_refuse(struct cp_part *p, const char *why);
static void conf_reevaluate(struct cp_conference *c);
static void poll_arm(struct cp_svc *v);
static void dial_adps(struct cp_svc *v, const struct cp_replica_service *cfg);

static const char *
dp_codec_name(const struct cp_sdp_codec *c)
{
	if (strcasecmp(c->name, "PCMU") == 0)
		return "PCMU";
	if (strcasecmp(c->name, "PCMA") == 0)
		return "PCMA";
	if (strcasecmp(c->name, "G722") == 0)
		return "G722";
	if (strcasecmp(c->name, "G729") == 0)
		return "G729";
	if (strcasecmp(c->name, "opus") == 0)
		return "opus";
	return NULL;
}

/*
 * Pick the codec of an offer by the node's preference list (names as in
 * rtpmap, comma-separated) and its telephone-event.
 * @return 0, -ENOTSUP when nothing fits.
 */
static int
pick_codec(struct cp_part *p, const struct cp_sdp_audio *a)
{
	const char *pref = p->svc->sip->cfg.codecs;
	char name[24];

	p->has_dtmf = false;
	for (unsigned int i = 0; i < a->n_codecs; i++)
		if (cp_sdp_codec_is_dtmf(&a->codecs[i]) && !p->has_dtmf) {
			p->dtmf = a->codecs[i];
			p->has_dtmf = a->codecs[i].pt >= 96;
		}
	while (pref != NULL && *pref != '\0') {
		size_t n = strcspn(pref, ",");

		snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1),
			 pref);
		for (unsigned int i = 0; i < a->n_codecs; i++) {
			const struct cp_sdp_codec *c = &a->codecs[i];

			if (strcasecmp(c->name, name) != 0 || dp_codec_name(c) == NULL)
				continue;
			if ((strcasecmp(name, "opus") == 0 && c->rate != 48000) ||
			    (strcasecmp(name, "opus") != 0 && c->rate != 8000))
				continue;
			p->codec = *c;
			return 0;
		}
		pref += n;
		if (*pref == ',')
			pref++;
	}
	return -ENOTSUP;
}

/*
 * Our SDP (answer when @p answer, else a fresh offer of every codec). G.729
 * goes out with annexb=no in both: the engine never sends Annex B SID frames
 * (it plays those it receives), and RFC 4856 §2.1.9 reads a G729 without
 * fmtp as annexb=yes.
 */
static int
write_local_sdp(struct cp_part *p, bool answer, char *buf, size_t cap)
{
	static const struct cp_sdp_codec offer_codecs[] = {
		{.pt = 111, .channels = 2, .rate = 48000, .name = "opus",
		 .fmtp = "useinbandfec=1"},
		{.pt = 9, .channels = 1, .rate = 8000, .name = "G722"},
		{.pt = 0, .channels = 1, .rate = 8000, .name = "PCMU"},
		{.pt = 8, .channels = 1, .rate = 8000, .name = "PCMA"},
		{.pt = 18, .channels = 1, .rate = 8000, .name = "G729", .fmtp = "annexb=no"},
		{.pt = 101, .channels = 1, .rate = 8000, .name = "telephone-event", .fmtp = "0-16"},
	};
	struct cp_sdp_codec codecs[2];
	enum cp_sdp_dir dir = CP_SDP_SENDRECV;
	struct cp_sdp_out o;

	if (answer) {
		codecs[0] = p->codec;
		if (strcasecmp(codecs[0].name, "G729") == 0)
			snprintf(codecs[0].fmtp, sizeof(codecs[0].fmtp), "annexb=no");
		if (p->has_dtmf)
			codecs[1] = p->dtmf;
		/* RFC 3264 §6.1: answer hold with its mirror image. */
		if (p->remote.audio.dir == CP_SDP_SENDONLY)
			dir = CP_SDP_RECVONLY;
		else if (p->remote.audio.dir == CP_SDP_RECVONLY)
			dir = CP_SDP_SENDONLY;
		else if (p->remote.audio.dir == CP_SDP_INACTIVE)
			dir = CP_SDP_INACTIVE;
	}
	o = (struct cp_sdp_out){
		.addr = p->local_ip,
		.family = p->family,
		.sess_id = p->sess_id,
		.sess_version = ++p->sess_ver,
		.port = p->port,
		.proto = p->proto,
		.dir = dir,
		.rtcp_mux = p->rtcp_mux,
		.ptime = 20,
		.n_codecs = answer ? (p->has_dtmf ? 2u : 1u) : 6u,
		.codecs = answer ? codecs : offer_codecs,
		.n_crypto = p->proto == CP_SDP_PROTO_SAVP ? 1 : 0,
		.crypto = &p->out,
		.mirror = answer ? &p->remote : NULL,
	};
	return cp_sdp_write(buf, cap, &o);
}

/*
 * Take a remote description as the one in force: codec, keys (keeping our
 * key when the suite does not change), transport.
 */
static int
take_remote(struct cp_part *p, const struct cp_sdp_desc *d, bool is_answer, char *why,
	    size_t cap)
{
	const struct cp_sdp_audio *a = &d->audio;
	struct cp_sdp_crypto ours = p->out;
	int rc;

	if (a->family != p->family) {
		snprintf(why, cap, "the address family changed");
		return -ENOTSUP;
	}
	if (a->proto == CP_SDP_PROTO_SAVP && a->n_crypto == 0) {
		snprintf(why, cap, "no supported crypto suite (RFC 4568 SDES)");
		return -ENOTSUP;
	}
	if (pick_codec(p, a) < 0) {
		snprintf(why, cap, "no common audio codec");
		return -ENOTSUP;
	}
	if (is_answer && a->proto != p->proto) {
		snprintf(why, cap, "answer changed the transport");
		return -ENOTSUP;
	}
	if (a->proto == CP_SDP_PROTO_SAVP) {
		if (ours.suite != a->crypto[0].suite) {
			rc = cp_sdp_crypto_make(&ours, a->crypto[0].tag, a->crypto[0].suite);
			if (rc < 0) {
				snprintf(why, cap, "no randomness for keys");
				return rc;
			}
		}
		ours.tag = a->crypto[0].tag;
		p->in = a->crypto[0];
		p->out = ours;
		explicit_bzero(&ours, sizeof(ours));
	} else {
		memset(&p->in, 0, sizeof(p->in));
		memset(&p->out, 0, sizeof(p->out));
	}
	p->proto = a->proto;
	p->rtcp_mux = a->rtcp_mux;
	p->remote = *d;
	snprintf(p->remote_addr, sizeof(p->remote_addr), "%s", a->addr);
	p->remote_port = a->port;
	return 0;
}

static void
stream_cfg(const struct cp_part *p, struct cp_media_stream_cfg *cfg)
{
	const struct cp_sdp_audio *ra = &p->remote.audio;
	bool remote_ok = ra->port != 0 && strcmp(ra->addr, "0.0.0.0") != 0 &&
			 strcmp(ra->addr, "::") != 0;

	*cfg = (struct cp_media_stream_cfg){
		.local_ip = p->local_ip,
		.local_port = p->port,
		.remote_ip = remote_ok ? ra->addr : NULL,
		.remote_port = remote_ok ? ra->port : 0,
		.rtcp_mux = p->rtcp_mux,
		.in_suite = p->in.suite,
		.in_key = p->in.key,
		.out_suite = p->out.suite,
		.out_key = p->out.key,
		.relay_to = -1,
	};
}

static int
channels_of(const struct cp_sdp_codec *c)
{
	return strcasecmp(c->name, "opus") == 0 && strstr(c->fmtp, "stereo=1") != NULL ? 2 : 1;
}

static bool
is_vmr(const struct cp_replica_service *cfg)
{
	return strcmp(cfg->service_type, "conference") == 0 ||
	       strcmp(cfg->service_type, "lecture") == 0;
}

static bool
is_remote(const struct cp_part *p)
{
	return p->media_node[0] != '\0';
}

static bool
has_media(const struct cp_part *p)
{
	return is_remote(p) ? p->rmedia && !p->media_wait : p->stream >= 0;
}

/* The participant's media as the media node needs it (media_host); keys: wipe after use. */
static void
media_desc(const struct cp_part *p, struct cp_bp_media_desc *d)
{
	struct cp_media_stream_cfg cfg;

	stream_cfg(p, &cfg);
	memset(d, 0, sizeof(*d));
	snprintf(d->codec, sizeof(d->codec), "%s", dp_codec_name(&p->codec) ?: "PCMU");
	d->pt = p->codec.pt;
	d->dtmf_pt = p->has_dtmf ? p->dtmf.pt : 0;
	d->rate = p->codec.rate;
	d->channels = (uint8_t)channels_of(&p->codec);
	d->rtcp_mux = cfg.rtcp_mux;
	snprintf(d->remote_addr, sizeof(d->remote_addr), "%s", cfg.remote_ip ?: "");
	d->remote_port = cfg.remote_ip != NULL ? cfg.remote_port : 0;
	snprintf(d->in_suite, sizeof(d->in_suite), "%s", cp_srtp_suite_name(cfg.in_suite));
	snprintf(d->in_key, sizeof(d->in_key), "%s", cfg.in_suite != CP_SRTP_NONE ? cfg.in_key : "");
	snprintf(d->out_suite, sizeof(d->out_suite), "%s", cp_srtp_suite_name(cfg.out_suite));
	snprintf(d->out_key, sizeof(d->out_key), "%s",
		 cfg.out_suite != CP_SRTP_NONE ? cfg.out_key : "");
}

/* Create or update the participant's stream: here, or on its media node (media_host). */
static int
stream_apply(struct cp_part *p)
{
	struct cp_media_stream_cfg cfg;
	struct cp_bp_media_desc d;
	int rc;

	if (is_remote(p)) {
		media_desc(p, &d);
		rc = cp_bp_media_host(p->svc->sip->bp, p->media_node, p->id, p->cfg.name, &d);
		explicit_bzero(&d, sizeof(d));
		if (rc == 0)
			p->rmedia = true;
		return rc;
	}
	stream_cfg(p, &cfg);
	if (p->stream < 0)
		return cp_media_stream_create(p->svc->sip->media, &cfg, &p->stream);
	return cp_media_stream_update(p->svc->sip->media, p->stream, &cfg);
}

/* conference.update of one participant, wherever its media is (-1: keep). */
static int
pm_update(struct cp_part *p, int lobby, int guest, int hosts_only, int muted)
{
	if (p->conf == NULL)
		return -EINVAL;
	if (is_remote(p))
		return cp_bp_media_update(p->svc->sip->bp, p->media_node, p->id, lobby, guest,
					  hosts_only, muted);
	return cp_media_conf_update(p->svc->sip->media, p->conf->dp, p->dp_part, lobby, guest,
				    hosts_only, muted);
}

/*
 * What may flow each way under the remote SDP in force (RFC 3264 §6.1; its
 * direction is from the remote's side, offer or answer): a sendonly or
 * inactive remote (on hold) gets no RTP from us, a recvonly or inactive one
 * is not heard. The older hold, c=0.0.0.0 (RFC 2543), gets nothing either.
 */
static void
sdp_direction(const struct cp_part *p, bool *send, bool *recv)
{
	enum cp_sdp_dir d = p->remote.audio.dir;
	bool null_addr = strcmp(p->remote.audio.addr, "0.0.0.0") == 0 ||
			 strcmp(p->remote.audio.addr, "::") == 0;

	*send = d != CP_SDP_SENDONLY && d != CP_SDP_INACTIVE && !null_addr;
	*recv = d != CP_SDP_RECVONLY && d != CP_SDP_INACTIVE;
}

/*
 * Bring the engine slot of an attached participant (here or on its media
 * node) to the direction in force, after each offer or answer taken. A
 * failure is logged and retried with the next offer.
 */
static void
direction_apply(struct cp_part *p)
{
	bool send, recv;
	int rc;

	if (p->conf == NULL)
		return;
	sdp_direction(p, &send, &recv);
	if (send == p->dp_send && recv == p->dp_recv)
		return;
	rc = is_remote(p) ? cp_bp_media_direction(p->svc->sip->bp, p->media_node, p->id, send, recv)
			  : cp_media_conf_direction(p->svc->sip->media, p->conf->dp, p->dp_part,
						    send, recv);
	if (rc < 0) {
		TSR_WARN(LOG_COMP, "direction not applied\tparticipant=%s send=%d recv=%d err=%s",
			 p->id, send, recv, strerror(-rc));
		return;
	}
	p->dp_send = send;
	p->dp_recv = recv;
}

static int
pm_send_dtmf(struct cp_part *p, const char *digits)
{
	if (p->conf == NULL)
		return -EINVAL;
	if (is_remote(p))
		return cp_bp_media_send_dtmf(p->svc->sip->bp, p->media_node, p->id, digits);
	return cp_media_conf_send_dtmf(p->svc->sip->media, p->conf->dp, p->dp_part, digits);
}

/* ---------------------------------------------------------- conferences */

static struct cp_conference *
conf_find(struct cp_svc *v, const char *name)
{
	for (struct cp_conference *c = v->confs; c != NULL; c = c->next)
		if (!c->ephemeral && strcmp(c->cfg.name, name) == 0)
			return c;
	return NULL;
}

/* Hang everyone up; the last detach frees @p c, so collect the list first. */
static void
conf_hangup_all(struct cp_conference *c, const char *why)
{
	struct cp_part *list[CP_SVC_MAX_PARTS];
	unsigned int n = 0;

	for (struct cp_part *p = c->parts; p != NULL && n < CP_SVC_MAX_PARTS; p = p->cnext)
		list[n++] = p;
	for (unsigned int i = 0; i < n; i++)
		part_hangup(list[i], why);
}

static void
on_end_timer(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct cp_conference *c = (struct cp_conference *)arg;

	(void)magic;
	(void)t;
	admin_event(c->svc, "conference_timeout", "Conference automatically ended.", NULL, c,
		    c->hosts == 0 && c->guests > 1 ? "guests-only timeout" :
						      "last participant timeout");
	conf_hangup_all(c, "conference ended automatically");
}

static struct cp_conference *
conf_get(struct cp_svc *v, const struct cp_replica_service *cfg, bool ephemeral)
{
	struct cp_conference *c = ephemeral ? NULL : conf_find(v, cfg->name);
	unsigned int maxp = CP_SVC_MAX_PARTS;
	int rc;

	if (c != NULL)
		return c;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->svc = v;
	c->cfg = *cfg;
	c->ephemeral = ephemeral;
	c->dp = -1;
	/* A VMR/VA gets its data plane conference with its first local media (conf_attach). */
	if (ephemeral) {
		maxp = 1;
		rc = cp_media_conf_create(v->sip->media, maxp, &c->dp);
		if (rc < 0) {
			TSR_WARN(LOG_COMP, "cannot create data plane conference\tconference=\"%s\" "
				 "err=%s", cfg->name, strerror(-rc));
			free(c);
			return NULL;
		}
	}
	c->end_timer = su_timer_create(su_root_task(v->sip->root), 1000);
	c->start_time = time(NULL);
	c->next = v->confs;
	v->confs = c;
	if (!ephemeral) {
		admin_event(v, "conference_started", "Conference has been created.", NULL, c, NULL);
		dial_adps(v, cfg);
	}
	return c;
}

static struct cp_mconf *
mconf_find(struct cp_svc *v, const char *name)
{
	for (struct cp_mconf *m = v->mconfs; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

static int
mconf_get(struct cp_svc *v, const char *name, unsigned int maxp, bool hosted, int *dp)
{
	struct cp_mconf *m = mconf_find(v, name);
	int rc;

	if (m == NULL) {
		m = calloc(1, sizeof(*m));
		if (m == NULL)
			return -ENOMEM;
		snprintf(m->name, sizeof(m->name), "%s", name);
		rc = cp_media_conf_create(v->sip->media, maxp, &m->dp);
		if (rc < 0) {
			TSR_WARN(LOG_COMP, "cannot create data plane conference\tconference=\"%s\" "
				 "err=%s", name, strerror(-rc));
			TSR_INFO(ADMIN_COMP, "Failed creating conference.\tConference=\"%s\" "
				 "Detail=\"%s\"", name, strerror(-rc));
			free(m);
			return rc;
		}
		m->start = time(NULL);
		m->next = v->mconfs;
		v->mconfs = m;
		/* Other nodes hosting it: backplanes, and their lock and mute hold here. */
		cp_bp_conf_started(v->sip->bp, m->name, m->dp, m->start);
	}
	m->refs++;
	if (hosted) {
		m->hosted++;
		poll_arm(v);
	}
	*dp = m->dp;
	return 0;
}

static void
mconf_put(struct cp_svc *v, const char *name, bool hosted)
{
	struct cp_mconf *m = mconf_find(v, name);

	if (m == NULL || m->refs == 0)
		return;
	m->refs--;
	if (hosted && m->hosted > 0)
		m->hosted--;
	if (m->refs > 0)
		return;
	for (struct cp_mconf **pp = &v->mconfs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	cp_bp_conf_stopped(v->sip->bp, m->name);
	if (cp_media_conf_delete(v->sip->media, m->dp) < 0)
		TSR_WARN(LOG_COMP, "data plane conference delete failed\tconference=\"%s\" dp=%d",
			 m->name, m->dp);
	free(m);
}

int
cp_svc_mconf_get(struct cp_svc *v, const char *name, bool hosted, int *dp_conf)
{
	return mconf_get(v, name, CP_SVC_MAX_PARTS, hosted, dp_conf);
}

void
cp_svc_mconf_put(struct cp_svc *v, const char *name, bool hosted)
{
	mconf_put(v, name, hosted);
}

/* The local data plane conference of @p c, for a participant whose media is here. */
static int
conf_media_get(struct cp_conference *c)
{
	unsigned int maxp = CP_SVC_MAX_PARTS;

	if (c->dp >= 0)
		return 0;
	if (c->cfg.participant_limit != 0 && c->cfg.participant_limit + 16 < maxp)
		maxp = c->cfg.participant_limit + 16; /* room for callers at PIN entry */
	return mconf_get(c->svc, c->cfg.name, maxp, false, &c->dp);
}

static void
conf_media_put(struct cp_conference *c)
{
	if (c->ephemeral || c->dp < 0)
		return;
	mconf_put(c->svc, c->cfg.name, false);
	c->dp = -1;
}

static void
conf_free(struct cp_conference *c)
{
	struct cp_svc *v = c->svc;
	char d[32];

	for (struct cp_conference **pp = &v->confs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->ephemeral && cp_media_conf_delete(v->sip->media, c->dp) < 0)
		TSR_WARN(LOG_COMP, "data plane conference delete failed\tconference=\"%s\" dp=%d",
			 c->cfg.name, c->dp);
	conf_media_put(c);
	if (!c->ephemeral) {
		snprintf(d, sizeof(d), "%lld", (long long)(time(NULL) - c->start_time));
		admin_event(v, "conference_ended", "Conference has been stopped.", NULL, c, d);
	}
	if (c->end_timer != NULL)
		su_timer_destroy(c->end_timer);
	free(c);
}

/* Membership changed: re-run the termination rules (FR-AE-3). */
static void
conf_reevaluate(struct cp_conference *c)
{
	struct cp_end_state st = {
		.hosts = c->hosts,
		.guests = c->guests,
		.last_host_left_ms = c->last_host_left_ms,
		.alone_since_ms = c->alone_since_ms,
	};
	uint64_t now = now_ms(), dl;

	if (c->ephemeral || c->end_timer == NULL)
		return;
	su_timer_reset(c->end_timer);
	if (c->hosts + c->guests == 0)
		return; /* nobody in yet (PIN entry) or everyone gone: the last detach frees it */
	dl = cp_end_deadline(&st, &c->svc->sip->replica->global, now);
	if (dl == 0)
		return;
	su_timer_set_at(c->end_timer, on_end_timer, (su_timer_arg_t *)c,
			su_time_add(su_now(), (su_duration_t)(dl > now ? dl - now : 0)));
}

static void
count_add(struct cp_part *p)
{
	struct cp_conference *c = p->conf;

	if (p->counted || c == NULL || c->ephemeral)
		return;
	p->counted = true;
	if (p->role == CP_ROLE_HOST) {
		c->hosts++;
		c->last_host_left_ms = 0;
	} else {
		c->guests++;
	}
	c->alone_since_ms = c->hosts + c->guests == 1 ? now_ms() : 0;
	conf_reevaluate(c);
}

static void
count_del(struct cp_part *p)
{
	struct cp_conference *c = p->conf;

	if (!p->counted || c == NULL)
		return;
	p->counted = false;
	if (p->role == CP_ROLE_HOST) {
		c->hosts--;
		if (c->hosts == 0)
			c->last_host_left_ms = now_ms();
	} else {
		c->guests--;
	}
	c->alone_since_ms = c->hosts + c->guests == 1 ? now_ms() : 0;
	conf_reevaluate(c);
}

static int
conf_attach(struct cp_part *p, struct cp_conference *c, bool lobby, uint32_t loopback_ms)
{
	struct cp_media_attach a = {
		.codec = dp_codec_name(&p->codec),
		.pt = p->codec.pt,
		.dtmf_pt = p->has_dtmf ? p->dtmf.pt : 0,
		.rate = p->codec.rate,
		.channels = (uint8_t)channels_of(&p->codec),
		.guest = p->role == CP_ROLE_GUEST,
		.lobby = lobby,
		.loopback_ms = loopback_ms,
	};
	bool send, recv;
	int rc;

	/* Held from the start (or recvonly): attached so, no packet goes out before. */
	sdp_direction(p, &send, &recv);
	a.no_send = !send;
	a.no_recv = !recv;
	if (is_remote(p)) {
		rc = cp_bp_media_attach(p->svc->sip->bp, p->media_node, p->id, lobby, a.guest, false);
		if (rc < 0)
			return rc;
		p->dp_part = -1;
		/* media_attach has no direction: a media_update follows it on the channel. */
		send = recv = true;
	} else {
		rc = conf_media_get(c);
		if (rc < 0)
			return rc;
		rc = cp_media_conf_attach(p->svc->sip->media, c->dp, p->stream, &a, &p->dp_part);
		if (rc < 0) {
			if (c->n_local == 0)
				conf_media_put(c);
			return rc;
		}
		c->n_local++;
	}
	p->conf = c;
	p->cnext = c->parts;
	c->parts = p;
	c->n_parts++;
	p->dp_send = send;
	p->dp_recv = recv;
	direction_apply(p);
	poll_arm(p->svc);
	return 0;
}

/*
 * Take the participant's media out of its conference's engine (here or on
 * its media node); with @p keep, the local data plane conference stays even
 * when it was the last local media (a re-attach follows).
 */
static void
media_detach(struct cp_part *p, struct cp_conference *c, bool keep)
{
	if (is_remote(p)) {
		if (cp_bp_media_detach(p->svc->sip->bp, p->media_node, p->id) < 0)
			TSR_WARN(LOG_COMP, "remote detach failed\tparticipant=%s media_node=%s",
				 p->id, p->media_node);
		return;
	}
	if (cp_media_conf_detach(p->svc->sip->media, c->dp, p->dp_part) < 0)
		TSR_WARN(LOG_COMP, "detach failed\tparticipant=%s dp=%d part=%d", p->id, c->dp,
			 p->dp_part);
	if (c->n_local > 0)
		c->n_local--;
	if (c->n_local == 0 && !keep)
		conf_media_put(c);
}

/* Detach from the conference; the last one out frees it. */
static void
conf_detach(struct cp_part *p)
{
	struct cp_conference *c = p->conf;

	if (c == NULL)
		return;
	count_del(p);
	media_detach(p, c, false);
	for (struct cp_part **pp = &c->parts; *pp != NULL; pp = &(*pp)->cnext)
		if (*pp == p) {
			*pp = p->cnext;
			break;
		}
	c->n_parts--;
	p->conf = NULL;
	p->dp_part = -1;
	if (c->n_parts == 0)
		conf_free(c);
}

static void
prompt(struct cp_part *p, const char *name, bool loop)
{
	int rc;

	if (p->conf == NULL)
		return;
	rc = is_remote(p) ? cp_bp_media_prompt(p->svc->sip->bp, p->media_node, p->id, name, loop) :
			    cp_media_conf_prompt(p->svc->sip->media, p->conf->dp, p->dp_part, name,
						 loop);
	if (rc < 0)
		TSR_WARN(LOG_COMP, "prompt failed\tparticipant=%s prompt=%s err=%s", p->id,
			 name ? name : "stop", strerror(-rc));
}

/* ------------------------------------------------------ service states */

static void enter_conference(struct cp_part *p);
static void admit_all(struct cp_conference *c, enum part_state from);

/* Apply the media rules of the participant's role and the conference's toggles. */
static int
apply_media_rules(struct cp_part *p)
{
	struct cp_conference *c = p->conf;
	bool guest = p->role == CP_ROLE_GUEST;
	bool hosts_only = guest && strcmp(c->cfg.service_type, "lecture") == 0;

	p->muted = p->muted || (guest && (c->guests_muted || c->cfg.mute_all_guests));
	return pm_update(p, 0, guest, hosts_only, p->muted);
}

static void
enter_conference(struct cp_part *p)
{
	struct cp_conference *c = p->conf;
	int rc;

	p->state = PS_IN;
	prompt(p, NULL, false);
	rc = apply_media_rules(p);
	if (rc < 0) {
		part_hangup(p, "media update failed");
		return;
	}
	count_add(p);
	admin_event(p->svc, "participant_connected", "Participant has joined.", p, c, NULL);
	if (p->outgoing && p->dtmf_seq[0] != '\0') {
		/* FR-ADP: the data plane times the sequence (3 s lead, 0.5 s per digit). */
		rc = pm_send_dtmf(p, p->dtmf_seq);
		if (rc < 0)
			TSR_WARN(LOG_COMP, "dial-out DTMF not sent\tparticipant=%s err=%s", p->id,
				 strerror(-rc));
		p->dtmf_seq[0] = '\0';
	}
	if (p->role == CP_ROLE_HOST && !c->host_joined) {
		c->host_joined = true;
		admit_all(c, PS_WAIT_HOST);
	}
}

static void
admit_all(struct cp_conference *c, enum part_state from)
{
	struct cp_part *p, *next;

	for (p = c->parts; p != NULL; p = next) {
		next = p->cnext;
		if (p->state == from)
			enter_conference(p);
	}
}

/* The role is known: limit, lock and waiting rules, then in. */
static void
admit(struct cp_part *p, enum cp_role role)
{
	struct cp_conference *c = p->conf;
	bool hosted = c->cfg.pin[0] != '\0' && c->cfg.allow_guests;

	p->role = role;
	su_timer_reset(p->timer);
	p->timer_kind = T_NONE;
	if (c->cfg.participant_limit != 0 && c->hosts + c->guests >= c->cfg.participant_limit) {
		admin_event(p->svc, "participant_failed", "Participant failed to join conference.",
			    p, c, "participant limit reached");
		p->state = PS_LEAVING;
		prompt(p, "conference_full", false);
		part_timer(p, T_HANGUP, HANGUP_AFTER_PROMPT_MS);
		return;
	}
	if (c->locked && role != CP_ROLE_HOST) {
		p->state = PS_LOCKED;
		count_add(p);
		prompt(p, "locked", true);
		admin_event(p->svc, "participant_waiting", "Participant waiting for conference lock.",
			    p, c, NULL);
		return;
	}
	if (role == CP_ROLE_GUEST && hosted && !c->host_joined) {
		p->state = PS_WAIT_HOST;
		if (pm_update(p, -1, 1, -1, -1) < 0)
			TSR_WARN(LOG_COMP, "role update failed\tparticipant=%s", p->id);
		count_add(p);
		prompt(p, "waiting_host", true);
		return;
	}
	enter_conference(p);
}

static void
start_pin_entry(struct cp_part *p)
{
	p->state = PS_PIN;
	memset(&p->pin, 0, sizeof(p->pin));
	prompt(p, cp_pin_guest_without_pin(&p->cfg) ? "pin_guest_or_host" : "pin_entry", false);
	part_timer(p, T_PIN_TIMEOUT, p->svc->sip->replica->global.pin_entry_timeout * 1000);
}

/* Put the participant into VMR/VA @p cfg (a new call, a reception or a transfer). */
static int
join_service(struct cp_part *p, const struct cp_replica_service *cfg, const char *pin)
{
	struct cp_conference *c;
	enum cp_role role;
	int rc;

	p->cfg = *cfg;
	admin_event(p->svc, "participant_attempting", "Participant attempting to join conference.",
		    p, NULL, NULL);
	c = conf_get(p->svc, cfg, false);
	if (c == NULL)
		return -ENOSPC;
	p->role = CP_ROLE_UNKNOWN;
	rc = conf_attach(p, c, true, 0);
	if (rc < 0) {
		if (c->n_parts == 0)
			conf_free(c);
		return rc;
	}
	role = p->preset_role != CP_ROLE_UNKNOWN ? p->preset_role : cp_pin_default_role(cfg);
	if (role == CP_ROLE_UNKNOWN && pin != NULL && pin[0] != '\0') {
		enum cp_pin_verdict vd = cp_pin_check(cfg, pin);

		admin_event(p->svc, vd == CP_PIN_WRONG ? "pin_failure" : "pin_success",
			    vd == CP_PIN_WRONG ? "Incorrect PIN entered." : "Correct PIN entered.",
			    p, c, "dial string");
		role = vd == CP_PIN_HOST ? CP_ROLE_HOST : vd == CP_PIN_GUEST ? CP_ROLE_GUEST :
									 CP_ROLE_UNKNOWN;
		if (vd == CP_PIN_WRONG)
			p->pin.attempts = 1;
	}
	if (role == CP_ROLE_UNKNOWN)
		start_pin_entry(p);
	else
		admit(p, role);
	return 0;
}

static void
start_reception(struct cp_part *p)
{
	struct cp_conference *c = conf_get(p->svc, &p->cfg, true);

	if (c == NULL || conf_attach(p, c, true, 0) < 0) {
		if (c != NULL && c->n_parts == 0)
			conf_free(c);
		part_hangup(p, "no media for the reception");
		return;
	}
	p->state = PS_RECEPTION;
	p->entry_len = 0;
	p->entry[0] = '\0';
	prompt(p, "ivr_welcome", false);
	part_timer(p, T_PIN_TIMEOUT, p->svc->sip->replica->global.pin_entry_timeout * 1000);
}

static void
start_test_call(struct cp_part *p)
{
	struct cp_conference *c = conf_get(p->svc, &p->cfg, true);
	const struct cp_sip_cfg *sc = &p->svc->sip->cfg;

	p->role = CP_ROLE_HOST;
	if (c == NULL || conf_attach(p, c, false, sc->test_call_delay_ms) < 0) {
		if (c != NULL && c->n_parts == 0)
			conf_free(c);
		part_hangup(p, "no media for the test call");
		return;
	}
	p->state = PS_TESTCALL;
	admin_event(p->svc, "participant_connected", "Participant has joined.", p, NULL, NULL);
	part_timer(p, T_TESTCALL_END, sc->test_call_duration_s * 1000);
}

/* A reception's number was entered: route it like a dialled alias (FR-VR-6). */
static void
reception_route(struct cp_part *p)
{
	const struct cp_replica *r = p->svc->sip->replica;
	const struct cp_replica_service *target = NULL;
	const struct cp_replica_alias *a;
	char dest[CP_ROUTE_ALIAS_MAX];
	int rc;

	rc = cp_reception_transform(&p->cfg, p->entry, dest, sizeof(dest));
	a = rc == 0 ? cp_replica_alias_lookup(r, dest) : NULL;
	target = cp_replica_alias_service(r, a);
	if (target != NULL && strcmp(target->service_type, "conference") != 0 &&
	    strcmp(target->service_type, "lecture") != 0)
		target = NULL;
	if (target == NULL) {
		p->entry_attempts++;
		admin_event(p->svc, "reception_failure", "Conference not found.", p, NULL,
			    p->entry);
		p->entry_len = 0;
		p->entry[0] = '\0';
		if (p->entry_attempts >= CP_PIN_ATTEMPTS) {
			p->state = PS_LEAVING;
			prompt(p, "goodbye", false);
			part_timer(p, T_HANGUP, HANGUP_AFTER_PROMPT_MS);
		} else {
			prompt(p, "ivr_wrong", false);
		}
		return;
	}
	TSR_INFO(LOG_COMP, "reception transfer\tparticipant=%s from=\"%s\" to=%s", p->id,
		 p->cfg.name, dest);
	conf_detach(p);
	snprintf(p->alias, sizeof(p->alias), "%s", dest);
	rc = join_service(p, target, NULL);
	if (rc < 0)
		part_hangup(p, "cannot join the conference");
}

static void
on_pin_digit(struct cp_part *p, char d)
{
	enum cp_pin_verdict vd = cp_pin_digit(&p->cfg, &p->pin, d);

	if (vd == CP_PIN_MORE)
		return;
	admin_event(p->svc, vd == CP_PIN_WRONG ? "pin_failure" : "pin_success",
		    vd == CP_PIN_WRONG ? "Incorrect PIN entered." : "Correct PIN entered.", p,
		    p->conf, NULL);
	if (vd == CP_PIN_WRONG) {
		if (p->pin.attempts >= CP_PIN_ATTEMPTS) {
			p->state = PS_LEAVING;
			prompt(p, "pin_wrong", false);
			part_timer(p, T_HANGUP, HANGUP_AFTER_PROMPT_MS);
		} else {
			prompt(p, "pin_wrong", false);
		}
		return;
	}
	admit(p, vd == CP_PIN_HOST ? CP_ROLE_HOST : CP_ROLE_GUEST);
}

static void
on_host_control(struct cp_part *p, char d)
{
	struct cp_conference *c = p->conf;

	switch (cp_dtmf_control(&p->dtmf_prev, d)) {
	case CP_DTMF_TOGGLE_LOCK:
		cp_svc_conf_lock(p->svc, c->cfg.name, !c->locked);
		break;
	case CP_DTMF_TOGGLE_GUEST_MUTE:
		cp_svc_conf_mute_guests(p->svc, c->cfg.name, !c->guests_muted);
		break;
	case CP_DTMF_END_CONFERENCE:
		cp_svc_conf_disconnect(p->svc, c->cfg.name);
		break;
	case CP_DTMF_NONE:
		break;
	}
}

/* One digit from the participant, wherever its media is. */
static void
part_digit(struct cp_part *p, char d)
{
	TSR_DEBUG(LOG_COMP, "dtmf\tparticipant=%s state=%s", p->id, state_names[p->state]);
	switch (p->state) {
	case PS_PIN:
		on_pin_digit(p, d);
		break;
	case PS_RECEPTION:
		if (d == '#') {
			if (p->entry_len > 0)
				reception_route(p);
		} else if (d >= '0' && d <= '9' && p->entry_len + 1 < sizeof(p->entry)) {
			p->entry[p->entry_len++] = d;
			p->entry[p->entry_len] = '\0';
		}
		break;
	case PS_IN:
		if (p->role == CP_ROLE_HOST)
			on_host_control(p, d);
		break;
	default:
		break;
	}
}

/*
 * One digit from this node's data plane: one of our participants' with
 * local media, or of media hosted for a peer (sent on to it). The
 * conference is looked up again for every digit: an earlier digit of the
 * same batch may have ended it (## from a Host).
 */
static void
on_digit(void *ctx, int conf_id, int part, char d)
{
	struct cp_svc *v = ctx;
	struct cp_conference *c;
	struct cp_part *p = NULL;

	for (c = v->confs; c != NULL && p == NULL; c = c->next) {
		if (c->dp != conf_id)
			continue;
		for (p = c->parts; p != NULL && (is_remote(p) || p->dp_part != part); p = p->cnext)
			;
	}
	if (p != NULL)
		part_digit(p, d);
	else
		cp_bp_media_digit(v->sip->bp, conf_id, part, d);
}

/* Is @p dp still a data plane conference of this node? */
static bool
dp_alive(struct cp_svc *v, int dp)
{
	for (struct cp_conference *c = v->confs; c != NULL; c = c->next)
		if (c->dp == dp)
			return true;
	for (struct cp_mconf *m = v->mconfs; m != NULL; m = m->next)
		if (m->dp == dp)
			return true;
	return false;
}

/* Conferences that listen for digits. */
static bool
wants_digits(const struct cp_conference *c)
{
	if (c->hosts > 0)
		return true;
	for (const struct cp_part *p = c->parts; p != NULL; p = p->cnext)
		if (p->state == PS_PIN || p->state == PS_RECEPTION)
			return true;
	return false;
}

static void
on_poll(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	static int ids[DP_POLL_MAX];
	struct cp_svc *v = (struct cp_svc *)arg;
	struct cp_conference *c;
	unsigned int n = 0;
	bool any = false;

	(void)magic;
	(void)t;
	/*
	 * A digit may end conferences (## from a Host) and so free c or the next
	 * one: collect the data plane ids first, then poll each id that still
	 * names a conference.
	 */
	for (struct cp_mconf *m = v->mconfs; m != NULL && n < DP_POLL_MAX; m = m->next)
		if (m->hosted > 0)
			ids[n++] = m->dp;
	for (c = v->confs; c != NULL && n < DP_POLL_MAX; c = c->next) {
		struct cp_mconf *m = c->ephemeral ? NULL : mconf_find(v, c->cfg.name);

		if (c->dp >= 0 && wants_digits(c) && (m == NULL || m->hosted == 0))
			ids[n++] = c->dp;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (!dp_alive(v, ids[i]))
			continue;
		any = true;
		cp_media_conf_dtmf(v->sip->media, ids[i], on_digit, v);
	}
	v->poll_armed = false;
	if (any)
		poll_arm(v);
}

/* A one-shot timer, re-armed by each poll while some conference listens for digits. */
static void
poll_arm(struct cp_svc *v)
{
	if (v->poll != NULL && !v->poll_armed &&
	    su_timer_set(v->poll, on_poll, (su_timer_arg_t *)v) == 0)
		v->poll_armed = true;
}

/* ---------------------------------------------------------- participants */

static void
on_part_timer(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct cp_part *p = (struct cp_part *)arg;
	enum timer_kind k = p->timer_kind;

	(void)magic;
	(void)t;
	p->timer_kind = T_NONE;
	switch (k) {
	case T_PIN_TIMEOUT:
		admin_event(p->svc, "pin_timeout", "PIN entry timed out.", p, p->conf, NULL);
		p->state = PS_LEAVING;
		prompt(p, "goodbye", false);
		part_timer(p, T_HANGUP, HANGUP_AFTER_PROMPT_MS);
		break;
	case T_TESTCALL_END:
		p->state = PS_LEAVING;
		if (p->conf != NULL)
			pm_update(p, 1, -1, -1, -1);
		prompt(p, "goodbye", false);
		part_timer(p, T_HANGUP, 5000); /* FR-TCS-3 step 6 */
		break;
	case T_HANGUP:
		part_hangup(p, p->state == PS_LEAVING ? "service ended the call" : "timeout");
		break;
	case T_MEDIA_WAIT:
		part_refuse(p, "the media node did not answer");
		break;
	case T_NONE:
		break;
	}
}

static void
part_timer(struct cp_part *p, enum timer_kind k, unsigned int ms)
{
	if (p->timer == NULL)
		return;
	su_timer_reset(p->timer);
	p->timer_kind = k;
	su_timer_set_at(p->timer, on_part_timer, (su_timer_arg_t *)p,
			su_time_add(su_now(), (su_duration_t)ms));
}

/* Media and conference resources of a participant (the dialog may live on). */
static void
part_release_media(struct cp_part *p)
{
	conf_detach(p);
	if (p->rmedia) {
		/* The media node detaches, deletes the stream and frees its port. */
		cp_bp_media_release(p->svc->sip->bp, p->media_node, p->id);
		p->rmedia = false;
	}
	if (p->stream >= 0 && cp_media_stream_delete(p->svc->sip->media, p->stream) < 0)
		TSR_WARN(LOG_COMP, "stream delete failed\tparticipant=%s stream=%lld", p->id,
			 (long long)p->stream);
	p->stream = -1;
}

static void
part_hangup(struct cp_part *p, const char *why)
{
	if (p->nh == NULL || p->ended || p->hung_up)
		return;
	p->hung_up = true;
	TSR_INFO(LOG_COMP, "hanging up\tparticipant=%s call_id=%s reason=\"%s\"", p->id,
		 p->call_id, why);
	su_timer_reset(p->timer);
	if (p->state == PS_IN || p->state == PS_TESTCALL || p->state == PS_WAIT_HOST ||
	    p->state == PS_LOCKED)
		admin_event(p->svc, "participant_disconnected", "Participant has disconnected.", p,
			    p->conf, why);
	part_release_media(p);
	if (p->up)
		nua_bye(p->nh, TAG_END());
	else
		nua_respond(p->nh, SIP_480_TEMPORARILY_UNAVAILABLE, TAG_END());
}

static void
part_free(struct cp_part *p)
{
	struct cp_svc *v = p->svc;

	part_release_media(p);
	if (!is_remote(p))
		cp_media_port_put(v->sip->media, p->port);
	if (p->timer != NULL)
		su_timer_destroy(p->timer);
	if (p->nh != NULL) {
		nua_handle_bind(p->nh, NULL);
		nua_handle_destroy(p->nh);
	}
	for (struct cp_part **pp = &v->parts; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	v->n_parts--;
	TSR_INFO(LOG_COMP, "participant gone\tparticipant=%s call_id=%s participants=%u", p->id,
		 p->call_id, v->n_parts);
	explicit_bzero(p, sizeof(*p));
	free(p);
}

/* The dialog is up with media in force: run the service. */
static void
part_place(struct cp_part *p)
{
	int rc = 0;

	if (strcmp(p->cfg.service_type, "test_call") == 0) {
		start_test_call(p);
	} else if (strcmp(p->cfg.service_type, "two_stage_dialing") == 0) {
		start_reception(p);
		if (p->state == PS_RECEPTION && p->extra[0] != '\0') {
			snprintf(p->entry, sizeof(p->entry), "%s", p->extra);
			p->entry_len = (unsigned int)strlen(p->entry);
			reception_route(p);
		}
	} else {
		rc = join_service(p, &p->cfg, p->extra[0] != '\0' ? p->extra : NULL);
	}
	if (rc < 0)
		part_hangup(p, "cannot join the conference");
}

/* The request being answered in its own NUA callback. */
#define WITH_REQ(p) NUTAG_WITH_THIS((p)->svc->sip->nua)

static void
respond_warning(struct cp_part *p, nua_handle_t *nh, int status, const char *phrase, int code,
		const char *why)
{
	char w[200];

	/* Always called in the callback of the request it answers (INVITE, UPDATE, REFER). */
	nua_respond(nh, status, phrase, NUTAG_WITH_THIS(p->svc->sip->nua),
		    SIPTAG_WARNING_STR(cp_sip_warning(p->svc->sip, code, why, w, sizeof(w))),
		    TAG_END());
}

/*
 * An offer in a re-INVITE or an UPDATE (RFC 3311), or a re-INVITE without
 * one. Called in the request's own callback: responses name it (WITH_REQ), which
 * NUA needs for UPDATE.
 */
static void
on_reinvite(struct cp_part *p, const sip_t *sip)
{
	struct cp_sdp_desc *d = calloc(1, sizeof(*d));
	char why[128], *sdp = malloc(SDP_MAX);
	int rc;

	if (d == NULL || sdp == NULL) {
		nua_respond(p->nh, SIP_500_INTERNAL_SERVER_ERROR, WITH_REQ(p), TAG_END());
		goto out;
	}
	if (sip->sip_payload == NULL || sip->sip_payload->pl_len == 0) {
		/* No offer: offer what is in force (RFC 3261 §14.2); the answer comes in the ACK. */
		rc = write_local_sdp(p, false, sdp, SDP_MAX);
		if (rc < 0) {
			nua_respond(p->nh, SIP_500_INTERNAL_SERVER_ERROR, WITH_REQ(p), TAG_END());
			goto out;
		}
		p->offer_pending = true;
		nua_respond(p->nh, SIP_200_OK, WITH_REQ(p), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
		goto out;
	}
	rc = cp_sdp_parse(sip->sip_payload->pl_data, sip->sip_payload->pl_len, d);
	if (rc < 0) {
		respond_warning(p, p->nh, rc == -EBADMSG ? 400 : 488,
				rc == -EBADMSG ? "Bad Request" : "Not Acceptable Here", 399,
				d->reason);
		goto out;
	}
	if (d->audio.proto != p->proto) {
		respond_warning(p, p->nh, SIP_488_NOT_ACCEPTABLE, 305,
				"re-offer changed the transport");
		goto out;
	}
	{
		struct cp_sdp_codec before = p->codec;

		rc = take_remote(p, d, false, why, sizeof(why));
		if (rc < 0) {
			respond_warning(p, p->nh, SIP_488_NOT_ACCEPTABLE, 305, why);
			goto out;
		}
		rc = write_local_sdp(p, true, sdp, SDP_MAX);
		if (rc >= 0)
			rc = stream_apply(p);
		/* A codec change re-attaches the participant with the new codec. */
		if (rc >= 0 && p->conf != NULL &&
		    (before.pt != p->codec.pt || strcasecmp(before.name, p->codec.name) != 0)) {
			struct cp_conference *c = p->conf;
			bool lobby = p->state != PS_IN && p->state != PS_TESTCALL;
			bool counted = p->counted;

			p->counted = false; /* the participant stays in; only its engine slot moves */
			media_detach(p, c, true);
			for (struct cp_part **pp = &c->parts; *pp != NULL; pp = &(*pp)->cnext)
				if (*pp == p) {
					*pp = p->cnext;
					break;
				}
			c->n_parts--;
			p->conf = NULL;
			rc = conf_attach(p, c, lobby,
					 p->state == PS_TESTCALL ?
						 p->svc->sip->cfg.test_call_delay_ms :
						 0);
			p->counted = counted;
			if (rc >= 0 && p->state == PS_IN)
				rc = apply_media_rules(p);
			if (rc < 0 && c->n_parts == 0)
				conf_free(c);
		}
	}
	if (rc < 0) {
		nua_respond(p->nh, SIP_500_INTERNAL_SERVER_ERROR, WITH_REQ(p), TAG_END());
		part_hangup(p, "media update failed");
		goto out;
	}
	direction_apply(p); /* hold or resume (RFC 3264 §8.4) */
	nua_respond(p->nh, SIP_200_OK, WITH_REQ(p), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	TSR_INFO(LOG_COMP, "re-INVITE answered\tparticipant=%s dir=%d codec=%s", p->id,
		 p->remote.audio.dir, p->codec.name);
out:
	if (d != NULL) {
		explicit_bzero(d, sizeof(*d));
		free(d);
	}
	free(sdp);
}

/* The ACK of a 200 in which we offered: it carries the answer. */
static void
on_ack(struct cp_part *p, const sip_t *sip)
{
	struct cp_sdp_desc *d;
	char why[128];
	int rc;

	if (!p->offer_pending)
		return;
	p->offer_pending = false;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		part_hangup(p, "out of memory");
		return;
	}
	rc = sip != NULL && sip->sip_payload != NULL && sip->sip_payload->pl_len > 0 ?
		     cp_sdp_parse(sip->sip_payload->pl_data, sip->sip_payload->pl_len, d) :
		     -EBADMSG;
	if (rc == 0)
		rc = take_remote(p, d, true, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "no usable SDP answer in the ACK");
	explicit_bzero(d, sizeof(*d));
	free(d);
	if (rc == 0)
		rc = stream_apply(p);
	if (rc < 0) {
		part_hangup(p, why);
		return;
	}
	direction_apply(p);
	p->up = true;
	if (p->connect_time == 0)
		p->connect_time = time(NULL);
	if (p->state == PS_NEW)
		part_place(p);
}

/* The final response to our dial-out INVITE. */
static void
on_r_invite(struct cp_part *p, int status, const char *phrase, const sip_t *sip)
{
	char why[128];

	if (status < 200 || !p->offer_pending)
		return;
	if (status >= 300) {
		snprintf(why, sizeof(why), "%d %s", status, phrase ? phrase : "");
		admin_event(p->svc, "participant_failed", "Participant failed to join conference.",
			    p, NULL, why);
		p->hung_up = true; /* NUA ends the handle; on_state frees us */
		return;
	}
	on_ack(p, sip); /* the 200 carries the answer to our offer */
}

static void
on_state(struct cp_part *p, tagi_t tags[])
{
	int cs = -1;

	tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
	if (cs != nua_callstate_terminated)
		return;
	p->ended = true;
	if (!p->hung_up && (p->state == PS_IN || p->state == PS_TESTCALL ||
			    p->state == PS_WAIT_HOST || p->state == PS_LOCKED))
		admin_event(p->svc, "participant_disconnected", "Participant has disconnected.", p,
			    p->conf, "Remote disconnect");
	part_free(p);
}

/*
 * REFER from a participant (RFC 3515): a transfer to another VMR or Virtual
 * Auditorium alias of this node is done on the same dialog and media
 * stream, as a reception does (202, then a NOTIFY with the outcome); any
 * other target is declined (603).
 */
static void
on_refer(struct cp_part *p, const sip_t *sip, tagi_t tags[])
{
	const struct cp_replica *r = p->svc->sip->replica;
	const sip_refer_to_t *rt = sip != NULL ? sip->sip_refer_to : NULL;
	const struct cp_replica_service *target = NULL;
	nua_t *nua = p->svc->sip->nua;
	sip_event_t const *event = NULL;
	char alias[CP_ROUTE_ALIAS_MAX], id[sizeof(p->id)];
	int rc;

	if (rt != NULL &&
	    (rt->r_url->url_type == url_sip || rt->r_url->url_type == url_sips) &&
	    cp_route_alias(rt->r_url->url_user, rt->r_url->url_host, alias, sizeof(alias)) == 0)
		target = cp_replica_alias_service(r, cp_replica_alias_lookup(r, alias));
	if (target == NULL || p->hung_up || !has_media(p) ||
	    (strcmp(target->service_type, "conference") != 0 &&
	     strcmp(target->service_type, "lecture") != 0)) {
		TSR_INFO(LOG_COMP, "transfer declined\tparticipant=%s call_id=%s", p->id,
			 p->call_id);
		respond_warning(p, p->nh, SIP_603_DECLINE, 399,
				"transfer target is not a conference on this node");
		return;
	}
	nua_respond(p->nh, SIP_202_ACCEPTED, NUTAG_WITH_THIS(nua), TAG_END());
	tl_gets(tags, NUTAG_REFER_EVENT_REF(event), TAG_END());
	snprintf(id, sizeof(id), "%s", p->id);
	TSR_INFO(LOG_COMP, "transfer by REFER\tparticipant=%s call_id=%s alias=%s", p->id,
		 p->call_id, alias);
	rc = cp_svc_part_transfer(p->svc, id, alias, NULL);
	nua_notify(p->nh, NUTAG_SUBSTATE(nua_substate_terminated),
		   TAG_IF(event != NULL, SIPTAG_EVENT(event)),
		   SIPTAG_CONTENT_TYPE_STR("message/sipfrag"),
		   SIPTAG_PAYLOAD_STR(rc == 0 ? "SIP/2.0 200 OK\r\n" :
						"SIP/2.0 503 Service Unavailable\r\n"),
		   TAG_END());
}

void
cp_svc_event(struct cp_hmagic *hm, nua_event_t ev, int status, const char *phrase,
	     const sip_t *sip, tagi_t tags[])
{
	struct cp_part *p = (struct cp_part *)hm;

	switch (ev) {
	case nua_i_ack:
		on_ack(p, sip);
		break;
	case nua_r_invite:
		on_r_invite(p, status, phrase, sip);
		break;
	case nua_i_invite:
		if (p->offer_pending || p->hung_up)
			nua_respond(p->nh, SIP_491_REQUEST_PENDING, TAG_END());
		else
			on_reinvite(p, sip);
		break;
	case nua_i_update:
		/* UPDATE (RFC 3311): an offer is handled as a re-INVITE's; none: a refresh. */
		if (sip == NULL || sip->sip_payload == NULL || sip->sip_payload->pl_len == 0)
			nua_respond(p->nh, SIP_200_OK, NUTAG_WITH_THIS(p->svc->sip->nua),
				    TAG_END());
		else if (p->offer_pending || p->hung_up)
			nua_respond(p->nh, SIP_491_REQUEST_PENDING,
				    NUTAG_WITH_THIS(p->svc->sip->nua), TAG_END());
		else
			on_reinvite(p, sip);
		break;
	case nua_i_refer:
		on_refer(p, sip, tags);
		break;
	case nua_i_bye:
	case nua_i_cancel:
		TSR_INFO(LOG_COMP, "%s\tparticipant=%s call_id=%s",
			 ev == nua_i_bye ? "bye" : "cancelled", p->id, p->call_id);
		if (p->state == PS_IN || p->state == PS_TESTCALL || p->state == PS_WAIT_HOST ||
		    p->state == PS_LOCKED)
			admin_event(p->svc, "participant_disconnected",
				    "Participant has disconnected.", p, p->conf,
				    "Remote disconnect");
		p->hung_up = true;
		part_release_media(p);
		break;
	case nua_i_state:
		on_state(p, tags); /* may free p */
		break;
	default:
		TSR_DEBUG(LOG_COMP, "event\tparticipant=%s event=%s status=%d phrase=\"%s\"", p->id,
			  nua_event_name(ev), status, phrase ? phrase : "");
		break;
	}
}

static struct cp_part *
part_new(struct cp_svc *v, const struct cp_replica_service *svc, const char *alias)
{
	struct cp_part *p = calloc(1, sizeof(*p));
	uint32_t r;

	if (p == NULL)
		return NULL;
	p->hm.kind = CP_H_SVC_PART;
	p->svc = v;
	p->cfg = *svc;
	p->stream = -1;
	p->dp_part = -1;
	make_uuid(p->id, sizeof(p->id));
	snprintf(p->alias, sizeof(p->alias), "%s", alias);
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)(uintptr_t)p;
	p->sess_id = r;
	p->sess_ver = r & 0xffff;
	p->timer = su_timer_create(su_root_task(v->sip->root), 1000);
	return p;
}

/* ------------------------------------------------------------ placement */

static const char *const decision_names[] = {
	[CP_PLACE_EXISTING] = "existing", [CP_PLACE_LOCAL] = "local",
	[CP_PLACE_OVERFLOW1] = "overflow1", [CP_PLACE_OVERFLOW2] = "overflow2",
	[CP_PLACE_REJECT] = "reject",
};

/* "Call capacity limit reached" (guide part 5 §6, alarm 7): raised on a reject, lowered
 * after the next participant gets media. */
static void
capacity_alarm(struct cp_svc *v, bool raise, const char *name)
{
	const char *node = v->sip->cfg.node_name ? v->sip->cfg.node_name : v->sip->cfg.sip_addr;
	json_t *e;

	if (v->capacity_alarm == raise)
		return;
	v->capacity_alarm = raise;
	if (raise)
		TSR_WARN("administrator.alarm", "Alarm raised\tName=\"%s\" Node=\"%s\" "
			 "Level=\"warning\"", name, node);
	else
		TSR_INFO("administrator.alarm", "Alarm lowered\tName=\"%s\" Node=\"%s\"", name, node);
	e = json_pack("{s:s, s:s, s:s, s:s}", "type", raise ? "alarm_raised" : "alarm_lowered",
		      "message", raise ? "Alarm raised" : "Alarm lowered", "alarm", name, "detail",
		      name);
	if (e != NULL) {
		char when[32];

		iso_time(time(NULL), when, sizeof(when));
		json_object_set_new(e, "time", json_string(when));
		cp_svc_event_add(v, e);
	}
}

/*
 * Where the new call's media goes (guide part 1 §2.3). Writes the result's
 * admin-log line (overflow, reject) and a placement line for every decision.
 * @return 0 with @p pl filled; -ENOENT: no placement here, host the media locally.
 */
static int
place_media(struct cp_part *p, struct cp_bp_placement *pl)
{
	struct cp_svc *v = p->svc;
	int rc = cp_bp_place(v->sip->bp, p->cfg.name, pl);

	if (rc < 0)
		return rc;
	TSR_INFO(LOG_COMP, "placement\tparticipant=%s call_id=%s conference=\"%s\" decision=%s "
		 "media_node=%s units=%u joins=%s reason=\"%s\"", p->id, p->call_id, p->cfg.name,
		 decision_names[pl->res.decision], pl->node[0] ? pl->node : "-", pl->res.units,
		 pl->res.joins_conference ? "yes" : "no", pl->res.reason);
	if (pl->res.log[0] != '\0') {
		char msg[128];
		const char *tab = strchr(pl->res.log, '\t');
		size_t n = tab != NULL ? (size_t)(tab - pl->res.log) : strlen(pl->res.log);

		if (pl->res.decision == CP_PLACE_REJECT)
			TSR_WARN(pl->res.admin_comp, "%s ConferenceAlias=\"%s\" Participant=\"%s\" "
				 "Call-id=\"%s\"", pl->res.log, p->alias, p->source, p->call_id);
		else
			TSR_INFO(pl->res.admin_comp, "%s ConferenceAlias=\"%s\" Participant=\"%s\" "
				 "Call-id=\"%s\"", pl->res.log, p->alias, p->source, p->call_id);
		snprintf(msg, sizeof(msg), "%.*s", (int)(n < sizeof(msg) ? n : sizeof(msg) - 1),
			 pl->res.log);
		queue_event(v, pl->res.decision == CP_PLACE_REJECT ? "participant_failed" :
								      "placement_overflow",
			    msg, p, NULL, tab != NULL ? tab + 1 : "");
	}
	if (pl->res.decision == CP_PLACE_REJECT)
		capacity_alarm(v, true, pl->res.alarm ? pl->res.alarm :
							"Call capacity limit reached");
	else
		capacity_alarm(v, false, "Call capacity limit reached");
	return 0;
}

/*
 * The INVITE of a call whose media goes to peer @p pl->node: ask it for a
 * stream (media_host); the answer (cp_svc_rmedia_hosted) sends the 200 OK.
 * The participant takes @p nh over on success.
 */
static int
start_remote(struct cp_part *p, nua_handle_t *nh, const struct cp_bp_placement *pl)
{
	struct cp_svc *v = p->svc;
	int rc;

	snprintf(p->media_node, sizeof(p->media_node), "%s", pl->node);
	snprintf(p->media_addr, sizeof(p->media_addr), "%s", pl->media_addr);
	p->local_ip = p->media_addr;
	rc = stream_apply(p);
	if (rc < 0) {
		p->media_node[0] = '\0';
		return rc;
	}
	p->media_wait = true;
	nua_handle_bind(nh, &p->hm);
	p->next = v->parts;
	v->parts = p;
	v->n_parts++;
	part_timer(p, T_MEDIA_WAIT, MEDIA_WAIT_MS);
	TSR_INFO(LOG_COMP, "service call waits for its media node\tparticipant=%s call_id=%s "
		 "alias=%s service=\"%s\" media_node=%s", p->id, p->call_id, p->alias, p->cfg.name,
		 p->media_node);
	return 0;
}

/* A held INVITE (remote media) that cannot be served: 503, then NUA ends the handle. */
static void
part_refuse(struct cp_part *p, const char *why)
{
	char w[200];

	if (p->nh == NULL || p->ended || p->hung_up)
		return;
	p->hung_up = true;
	p->media_wait = false;
	su_timer_reset(p->timer);
	p->timer_kind = T_NONE;
	TSR_INFO(LOG_COMP, "service call rejected\tparticipant=%s call_id=%s status=503 "
		 "reason=\"%s\"", p->id, p->call_id, why);
	part_release_media(p);
	nua_respond(p->nh, SIP_503_SERVICE_UNAVAILABLE,
		    SIPTAG_WARNING_STR(cp_sip_warning(p->svc->sip, 399, why, w, sizeof(w))),
		    TAG_END());
}

static struct cp_part *
rmedia_part(struct cp_svc *v, const char *node, const char *id)
{
	for (struct cp_part *p = v->parts; p != NULL; p = p->next)
		if (strcmp(p->id, id) == 0)
			return strcmp(p->media_node, node) == 0 && !p->hung_up ? p : NULL;
	return NULL;
}

void
cp_svc_rmedia_hosted(struct cp_svc *v, const char *node, const char *id, const char *addr,
		     uint16_t port)
{
	struct cp_part *p = rmedia_part(v, node, id);
	char *sdp;

	if (p == NULL || !p->media_wait)
		return; /* an update's answer, or a participant gone meanwhile */
	p->media_wait = false;
	su_timer_reset(p->timer);
	p->timer_kind = T_NONE;
	snprintf(p->media_addr, sizeof(p->media_addr), "%s", addr);
	p->port = port;
	sdp = malloc(SDP_MAX);
	if (sdp == NULL || write_local_sdp(p, true, sdp, SDP_MAX) < 0) {
		free(sdp);
		part_refuse(p, "cannot write the SDP answer");
		return;
	}
	p->up = true;
	p->connect_time = time(NULL);
	nua_respond(p->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	free(sdp);
	TSR_INFO(LOG_COMP, "service call answered\tparticipant=%s call_id=%s alias=%s "
		 "service=\"%s\" type=%s codec=%s srtp=%s media_node=%s media=%s:%u setup_ms=%llu "
		 "participants=%u", p->id, p->call_id, p->alias, p->cfg.name, p->cfg.service_type,
		 p->codec.name, cp_srtp_suite_name(p->in.suite), p->media_node, p->media_addr,
		 p->port, (unsigned long long)(now_ms() - p->invite_ms), v->n_parts);
	part_place(p);
}

void
cp_svc_rmedia_failed(struct cp_svc *v, const char *node, const char *id, const char *why)
{
	struct cp_part *p = rmedia_part(v, node, id);
	char reason[200];

	if (p == NULL)
		return;
	snprintf(reason, sizeof(reason), "media node %s: %s", node, why[0] ? why : "failed");
	TSR_WARN(LOG_COMP, "remote media failed\tparticipant=%s call_id=%s reason=\"%s\"", p->id,
		 p->call_id, reason);
	p->rmedia = p->rmedia && strstr(why, "no such media") == NULL;
	if (p->media_wait)
		part_refuse(p, reason);
	else
		part_hangup(p, reason);
}

void
cp_svc_rmedia_digits(struct cp_svc *v, const char *node, const char *id, const char *digits)
{
	for (const char *d = digits; *d != '\0'; d++) {
		struct cp_part *p = rmedia_part(v, node, id); /* a digit may end the call */

		if (p == NULL || p->media_wait)
			return;
		part_digit(p, *d);
	}
}

void
cp_svc_rmedia_lost(struct cp_svc *v, const char *node, const char *why)
{
	char reason[200];

	snprintf(reason, sizeof(reason), "media node %s lost: %s", node, why);
	for (struct cp_part *p = v->parts; p != NULL; p = p->next) {
		if (strcmp(p->media_node, node) != 0 || p->hung_up)
			continue;
		p->rmedia = false;
		if (p->media_wait)
			part_refuse(p, reason);
		else
			part_hangup(p, reason);
	}
}

void
cp_svc_media_usage(const struct cp_svc *v, unsigned int *parts, unsigned int *confs)
{
	*parts = *confs = 0;
	for (const struct cp_part *p = v->parts; p != NULL; p = p->next)
		*parts += !is_remote(p) && p->stream >= 0;
	for (const struct cp_mconf *m = v->mconfs; m != NULL; m = m->next)
		(*confs)++;
}

int
cp_svc_start(struct cp_svc *v, nua_handle_t *nh, const sip_t *sip,
	     const struct cp_replica_service *svc, const char *alias, const char *extra)
{
	struct cp_sip *s = v->sip;
	struct cp_part *p = part_new(v, svc, alias);
	struct cp_sdp_desc *d = NULL;
	struct cp_bp_placement pl;
	char why[128] = "", *sdp = NULL;
	int status = 488, rc;

	if (p == NULL) {
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
		return -ENOMEM;
	}
	p->invite_ms = now_ms();
	p->nh = nh;
	snprintf(p->extra, sizeof(p->extra), "%s", extra ? extra : "");
	snprintf(p->call_id, sizeof(p->call_id), "%s",
		 sip->sip_call_id ? sip->sip_call_id->i_id : "-");
	if (sip->sip_from != NULL) {
		url_e(p->source, sizeof(p->source), sip->sip_from->a_url);
		snprintf(p->display, sizeof(p->display), "%s",
			 sip->sip_from->a_display ? sip->sip_from->a_display : "");
	}
	d = calloc(1, sizeof(*d));
	sdp = malloc(SDP_MAX);
	if (d == NULL || sdp == NULL || p->timer == NULL) {
		rc = -ENOMEM;
		status = 503;
		snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	if (sip->sip_payload == NULL || sip->sip_payload->pl_len == 0) {
		/* No offer: we offer plain RTP with every codec; the ACK answers. */
		p->family = AF_INET;
		p->proto = CP_SDP_PROTO_AVP;
		p->rtcp_mux = true;
		p->offer_pending = true;
	} else {
		rc = cp_sdp_parse(sip->sip_payload->pl_data, sip->sip_payload->pl_len, d);
		if (rc < 0) {
			status = rc == -EBADMSG ? 400 : 488;
			snprintf(why, sizeof(why), "%s", d->reason);
			goto fail;
		}
		p->family = d->audio.family;
	}
	p->local_ip = p->family == AF_INET6 ? s->cfg.media_addr6 : s->cfg.media_addr;
	if (p->local_ip == NULL) {
		rc = -EAFNOSUPPORT;
		snprintf(why, sizeof(why), "no media address of that family");
		goto fail;
	}
	if (!p->offer_pending) {
		rc = take_remote(p, d, false, why, sizeof(why));
		if (rc < 0)
			goto fail;
	}
	/*
	 * A VMR/VA call with an offer is placed (guide part 1 §2.3); other calls,
	 * and calls this node cannot place, keep their media here.
	 */
	if (!p->offer_pending && p->family == AF_INET && is_vmr(&p->cfg) &&
	    place_media(p, &pl) == 0) {
		if (pl.res.decision == CP_PLACE_REJECT) {
			rc = -ENOSPC;
			status = 503;
			snprintf(why, sizeof(why), "%s", pl.res.reason);
			goto fail;
		}
		if (pl.remote) {
			rc = start_remote(p, nh, &pl);
			if (rc == 0) {
				explicit_bzero(d, sizeof(*d));
				free(d);
				free(sdp);
				return 0;
			}
			status = 503;
			snprintf(why, sizeof(why), "media node %.64s unreachable", pl.node);
			goto fail;
		}
	}
	rc = cp_media_port_get(s->media, &p->port);
	if (rc < 0) {
		status = 503;
		snprintf(why, sizeof(why), "no media port free");
		goto fail;
	}
	rc = write_local_sdp(p, !p->offer_pending, sdp, SDP_MAX);
	if (rc >= 0 && !p->offer_pending)
		rc = stream_apply(p);
	if (rc < 0) {
		status = 503;
		snprintf(why, sizeof(why), "media setup failed: %s", strerror(-rc));
		goto fail;
	}
	nua_handle_bind(nh, &p->hm);
	p->next = v->parts;
	v->parts = p;
	v->n_parts++;
	p->up = true;
	p->connect_time = time(NULL);
	nua_respond(nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	TSR_INFO(LOG_COMP, "service call answered\tparticipant=%s call_id=%s alias=%s service=\"%s\" "
		 "type=%s codec=%s srtp=%s media_node=%s port=%u setup_ms=%llu participants=%u",
		 p->id, p->call_id, p->alias, p->cfg.name, p->cfg.service_type,
		 p->offer_pending ? "-" : p->codec.name, cp_srtp_suite_name(p->in.suite),
		 s->cfg.node_name ?: "-", p->port, (unsigned long long)(now_ms() - p->invite_ms),
		 v->n_parts);
	free(sdp);
	explicit_bzero(d, sizeof(*d));
	free(d);
	if (!p->offer_pending)
		part_place(p); /* media flows from now on; the ACK changes nothing */
	return 0;
fail:
	TSR_INFO(LOG_COMP, "service call rejected\tcall_id=%s alias=%s status=%d reason=\"%s\"",
		 p->call_id, alias, status, why);
	respond_warning(p, nh, status, NULL, status == 488 ? 305 : 399, why);
	if (p->stream >= 0)
		cp_media_stream_delete(s->media, p->stream);
	cp_media_port_put(s->media, p->port);
	if (p->timer != NULL)
		su_timer_destroy(p->timer);
	if (d != NULL) {
		explicit_bzero(d, sizeof(*d));
		free(d);
	}
	free(sdp);
	explicit_bzero(p, sizeof(*p));
	free(p);
	return rc < 0 ? rc : -ENOTSUP;
}

int
cp_svc_dial(struct cp_svc *v, const char *conference_alias, const char *destination,
	    const char *role, const char *dtmf_sequence, const char *display, char *msg,
	    size_t cap)
{
	struct cp_sip *s = v->sip;
	const struct cp_replica_service *svc;
	char target[CP_ROUTE_ALIAS_MAX + 32], from[CP_ROUTE_ALIAS_MAX + 80];
	struct cp_part *p;
	char *sdp = NULL;
	url_t *u;
	int rc;

	svc = cp_replica_alias_service(s->replica,
				       cp_replica_alias_lookup(s->replica, conference_alias));
	if (svc == NULL) {
		snprintf(msg, cap, "no service has the alias %s", conference_alias);
		return -ENOENT;
	}
	if ((strcmp(svc->service_type, "conference") != 0 &&
	     strcmp(svc->service_type, "lecture") != 0) ||
	    (strcmp(role, "chair") != 0 && strcmp(role, "guest") != 0 &&
	     strcmp(role, "host") != 0) ||
	    strspn(dtmf_sequence, "0123456789*#,") != strlen(dtmf_sequence)) {
		snprintf(msg, cap, "dial-out needs a VMR or Virtual Auditorium, a role chair or "
				   "guest and DTMF digits 0-9 * # ,");
		return -EINVAL;
	}
	if (s->shutting_down || cp_route_target_uri(destination, s->cfg.udp, target,
						     sizeof(target)) < 0) {
		snprintf(msg, cap, "cannot dial now or bad destination");
		return -EINVAL;
	}
	p = part_new(v, svc, conference_alias);
	if (p == NULL)
		return -ENOMEM;
	p->outgoing = true;
	p->offer_pending = true;
	p->preset_role = strcmp(role, "guest") == 0 ? CP_ROLE_GUEST : CP_ROLE_HOST;
	p->family = AF_INET;
	p->local_ip = s->cfg.media_addr;
	p->proto = CP_SDP_PROTO_AVP;
	p->rtcp_mux = true;
	snprintf(p->dtmf_seq, sizeof(p->dtmf_seq), "%s", dtmf_sequence);
	snprintf(p->source, sizeof(p->source), "%s", destination);
	snprintf(p->display, sizeof(p->display), "%s", display);
	snprintf(p->call_id, sizeof(p->call_id), "dial-%s", p->id);
	snprintf(from, sizeof(from), "<sip:%s@%s>",
		 strchr(conference_alias, '@') ? "conference" : conference_alias,
		 s->cfg.sip_addr);
	u = url_hdup(NULL, (url_t *)url_make(NULL, target));
	sdp = malloc(SDP_MAX);
	rc = (u == NULL || u->url_host == NULL || sdp == NULL) ? -EINVAL :
								 cp_media_port_get(s->media, &p->port);
	if (rc == 0)
		rc = write_local_sdp(p, false, sdp, SDP_MAX);
	if (rc >= 0) {
		p->nh = nua_handle(cp_sip_nua_for(s, u), &p->hm, NUTAG_URL(u),
				   SIPTAG_TO_STR(target), SIPTAG_FROM_STR(from), TAG_END());
		rc = p->nh != NULL ? 0 : -ENOMEM;
	}
	su_free(NULL, u);
	if (rc < 0) {
		snprintf(msg, cap, "cannot dial %s: %s", destination, strerror(-rc));
		cp_media_port_put(s->media, p->port);
		if (p->timer != NULL)
			su_timer_destroy(p->timer);
		free(p);
		free(sdp);
		return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	}
	nua_invite(p->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp),
		   TAG_END());
	free(sdp);
	p->next = v->parts;
	v->parts = p;
	v->n_parts++;
	admin_event(v, "participant_dialling", "Initiated dial command.", p, NULL, destination);
	snprintf(msg, cap, "dialling %s", destination);
	return 0;
}

/* Dial the service's automatically dialled participants (FR-ADP, at conference start). */
static void
dial_adps(struct cp_svc *v, const struct cp_replica_service *cfg)
{
	const struct cp_replica *r = v->sip->replica;
	const char *alias = NULL;
	char msg[160];

	for (unsigned int i = 0; i < r->n_aliases && alias == NULL; i++)
		if (strcmp(r->services[r->aliases[i].svc].name, cfg->name) == 0)
			alias = r->aliases[i].alias;
	for (unsigned int i = 0; alias != NULL && i < r->n_adps; i++) {
		const struct cp_replica_adp *a = &r->adps[i];

		if (strcmp(r->services[a->svc].name, cfg->name) != 0)
			continue;
		if (cp_svc_dial(v, alias, a->alias, a->role, a->dtmf_sequence, "", msg,
				sizeof(msg)) < 0)
			TSR_WARN(LOG_COMP, "automatic dial-out failed\tconference=\"%s\" "
				 "destination=%s reason=\"%s\"", cfg->name, a->alias, msg);
	}
}

/* -------------------------------------------------------------- control */

static struct cp_part *
part_find(struct cp_svc *v, const char *id)
{
	for (struct cp_part *p = v->parts; p != NULL; p = p->next)
		if (strcmp(p->id, id) == 0)
			return p;
	return NULL;
}

int
cp_svc_conf_lock(struct cp_svc *v, const char *conference, bool locked)
{
	struct cp_conference *c = conf_find(v, conference);

	if (c == NULL)
		return -ENOENT;
	if (c->locked == locked)
		return 0;
	c->locked = locked;
	cp_bp_conf_state(v->sip->bp, c->cfg.name, c->locked, c->guests_muted);
	admin_event(v, locked ? "conference_locked" : "conference_unlocked",
		    locked ? "Conference locked." : "Conference unlocked.", NULL, c, NULL);
	if (!locked)
		admit_all(c, PS_LOCKED); /* FR-LK: on unlock everyone waiting joins */
	return 0;
}

int
cp_svc_conf_mute_guests(struct cp_svc *v, const char *conference, bool muted)
{
	struct cp_conference *c = conf_find(v, conference);

	if (c == NULL)
		return -ENOENT;
	c->guests_muted = muted;
	cp_bp_conf_state(v->sip->bp, c->cfg.name, c->locked, c->guests_muted);
	for (struct cp_part *p = c->parts; p != NULL; p = p->cnext) {
		if (p->role != CP_ROLE_GUEST || p->state != PS_IN)
			continue;
		p->muted = muted;
		pm_update(p, -1, -1, -1, muted);
	}
	admin_event(v, muted ? "guests_muted" : "guests_unmuted",
		    muted ? "Guests muted." : "Guests unmuted.", NULL, c, NULL);
	return 0;
}

int
cp_svc_conf_disconnect(struct cp_svc *v, const char *conference)
{
	struct cp_conference *c = conf_find(v, conference);

	if (c == NULL)
		return -ENOENT;
	conf_hangup_all(c, "disconnected by an administrator or a Host");
	return 0;
}

int
cp_svc_part_mute(struct cp_svc *v, const char *participant_id, bool muted)
{
	struct cp_part *p = part_find(v, participant_id);

	if (p == NULL)
		return -ENOENT;
	if (p->conf == NULL)
		return -EINVAL;
	p->muted = muted;
	return pm_update(p, -1, -1, -1, muted);
}

int
cp_svc_part_disconnect(struct cp_svc *v, const char *participant_id)
{
	struct cp_part *p = part_find(v, participant_id);

	if (p == NULL)
		return -ENOENT;
	part_hangup(p, "disconnected by an administrator");
	return 0;
}

int
cp_svc_part_role(struct cp_svc *v, const char *participant_id, const char *role)
{
	struct cp_part *p = part_find(v, participant_id);
	enum cp_role r;

	if (p == NULL)
		return -ENOENT;
	if (strcmp(role, "chair") == 0 || strcmp(role, "host") == 0)
		r = CP_ROLE_HOST;
	else if (strcmp(role, "guest") == 0)
		r = CP_ROLE_GUEST;
	else
		return -EINVAL;
	if (p->conf == NULL || p->conf->ephemeral)
		return -EINVAL;
	if (p->state != PS_IN && p->state != PS_WAIT_HOST && p->state != PS_LOCKED) {
		admit(p, r); /* FR-PIN-9: admitting a caller at PIN entry with a role */
		return 0;
	}
	count_del(p);
	p->role = r;
	count_add(p);
	if (p->state == PS_IN) {
		if (r == CP_ROLE_HOST)
			p->muted = false;
		apply_media_rules(p);
		if (r == CP_ROLE_HOST && !p->conf->host_joined) {
			p->conf->host_joined = true;
			admit_all(p->conf, PS_WAIT_HOST);
		}
	} else if (r == CP_ROLE_HOST) {
		enter_conference(p);
	}
	return 0;
}

int
cp_svc_part_admit(struct cp_svc *v, const char *participant_id)
{
	struct cp_part *p = part_find(v, participant_id);

	if (p == NULL)
		return -ENOENT;
	switch (p->state) {
	case PS_PIN:
		admit(p, CP_ROLE_GUEST);
		if (p->state == PS_LOCKED || p->state == PS_WAIT_HOST)
			enter_conference(p);
		return 0;
	case PS_LOCKED:
	case PS_WAIT_HOST:
		enter_conference(p);
		return 0;
	default:
		return -EINVAL;
	}
}

int
cp_svc_part_transfer(struct cp_svc *v, const char *participant_id, const char *alias,
		     const char *role)
{
	struct cp_part *p = part_find(v, participant_id);
	const struct cp_replica *r = v->sip->replica;
	const struct cp_replica_service *target;
	int rc;

	if (p == NULL)
		return -ENOENT;
	target = cp_replica_alias_service(r, cp_replica_alias_lookup(r, alias));
	if (target == NULL || (strcmp(target->service_type, "conference") != 0 &&
			       strcmp(target->service_type, "lecture") != 0))
		return -EINVAL;
	if (!has_media(p) || p->hung_up)
		return -EINVAL;
	count_del(p);
	conf_detach(p);
	snprintf(p->alias, sizeof(p->alias), "%s", alias);
	rc = join_service(p, target, NULL);
	if (rc == 0 && role != NULL && p->state == PS_PIN)
		rc = cp_svc_part_role(v, participant_id, role);
	if (rc < 0)
		part_hangup(p, "transfer failed");
	return rc;
}

/* --------------------------------------------------------------- status */

json_t *
cp_svc_status(struct cp_svc *v)
{
	json_t *confs = json_array(), *parts = json_array(), *res;
	char when[32];

	for (struct cp_conference *c = v->confs; c != NULL; c = c->next) {
		if (c->ephemeral)
			continue;
		iso_time(c->start_time, when, sizeof(when));
		json_array_append_new(
			confs, json_pack("{s:s, s:s, s:s, s:b, s:b, s:i, s:i, s:i}", "name",
					 c->cfg.name, "service_type", c->cfg.service_type,
					 "start_time", when, "is_locked", c->locked, "guests_muted",
					 c->guests_muted, "participant_count", (int)c->n_parts,
					 "hosts", (int)c->hosts, "guests", (int)c->guests));
	}
	for (struct cp_part *p = v->parts; p != NULL; p = p->next) {
		iso_time(p->connect_time, when, sizeof(when));
		json_array_append_new(
			parts,
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
				  "s:s, s:s, s:b, s:b, s:s, s:s}",
				  "id", p->id, "call_uuid", p->call_id, "conference", p->cfg.name,
				  "service_type", p->cfg.service_type, "display_name", p->display,
				  "source_alias", p->source, "destination_alias", p->alias,
				  "remote_address", p->remote_addr, "protocol", "sip", "role",
				  role_name(p->role), "call_direction", "in", "connect_time", when,
				  "signalling_node", v->sip->cfg.sip_addr, "media_node",
				  media_node_addr(v, p), "is_muted", p->muted, "has_media",
				  has_media(p), "encryption",
				  p->in.suite != CP_SRTP_NONE ? "On" : "Off", "audio_codec",
				  p->offer_pending ? "" : p->codec.name));
		json_object_set_new(json_array_get(parts, json_array_size(parts) - 1), "state",
				    json_string(state_names[p->state]));
		json_object_set_new(json_array_get(parts, json_array_size(parts) - 1),
				    "remote_port", json_integer(p->remote_port));
		/* Where its media is on this node's data plane (for tessctl dp / telemetry). */
		json_object_set_new(json_array_get(parts, json_array_size(parts) - 1),
				    "media_stream", json_integer(p->stream));
		json_object_set_new(json_array_get(parts, json_array_size(parts) - 1),
				    "media_conference", json_integer(p->conf ? p->conf->dp : -1));
		json_object_set_new(json_array_get(parts, json_array_size(parts) - 1),
				    "media_participant", json_integer(p->dp_part));
		json_object_set_new(json_array_get(parts, json_array_size(parts) - 1),
				    "media_node_name",
				    json_string(is_remote(p) ? p->media_node :
							       v->sip->cfg.node_name ?: ""));
	}
	res = json_pack("{s:o, s:o, s:o}", "conferences", confs, "participants", parts,
			"registrations", cp_reg_status(v->sip->reg));
	return res;
}

void
cp_svc_event_add(struct cp_svc *v, json_t *e)
{
	if (json_array_size(v->events) >= CP_SVC_EVENTS_MAX)
		json_array_remove(v->events, 0);
	json_array_append_new(v->events, e);
}

json_t *
cp_svc_events_take(struct cp_svc *v)
{
	json_t *e = v->events;

	v->events = json_array();
	return e != NULL ? e : json_array();
}

/* ---------------------------------------------------------------- setup */

int
cp_svc_create(struct cp_sip *s, struct cp_svc **out)
{
	struct cp_svc *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	v->sip = s;
	v->events = json_array();
	v->poll = su_timer_create(su_root_task(s->root), CP_SVC_POLL_MS);
	if (v->events == NULL || v->poll == NULL) {
		cp_svc_destroy(v);
		return -ENOMEM;
	}
	*out = v;
	return 0;
}

void
cp_svc_hangup_all(struct cp_svc *v)
{
	for (struct cp_part *p = v->parts; p != NULL; p = p->next)
		part_hangup(p, "node shutting down");
}

void
cp_svc_destroy(struct cp_svc *v)
{
	if (v == NULL)
		return;
	while (v->parts != NULL)
		part_free(v->parts);
	while (v->confs != NULL)
		conf_free(v->confs);
	while (v->mconfs != NULL) {
		v->mconfs->refs = 1;
		mconf_put(v, v->mconfs->name, false);
	}
	if (v->poll != NULL)
		su_timer_destroy(v->poll);
	json_decref(v->events);
	free(v);
}
