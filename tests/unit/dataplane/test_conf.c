/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_conf.c - a conference through the data plane: RX path -> worker ring
 * -> audio engine -> mixes sent back from each participant's stream.
 *
 * Three participants (PCMU, PCMA, G.722) each send a tone (440, 660, 880 Hz)
 * as RTP through dp_node_wire_rx(); the worker is polled with a simulated
 * clock; what leaves for each participant is decoded and checked with a
 * Goertzel filter: everyone hears the two others and not themself, and a
 * muted participant disappears. Lobby, prompts and loopback through the
 * control protocol: a lobby participant is neither heard nor hears, a prompt
 * plays to it alone, an unloaded prompt is refused with ENODATA. A
 * participant on hold ("send": false) gets no RTP while the others carry on,
 * one with "recv": false is not heard. Also the
 * control operations and their errors (malformed arguments of each op).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <rte_cycles.h>
#include <rte_udp.h>
#include <srtp2/srtp.h>

#include "codec.h"
#include "codec_rtcp.h"
#include "dp_conf.h"
#include "dp_ctl.h"
#include "dp_fixture.h"
#include "dp_node.h"

#define NP 3
#define FRAME_48K 960

static const enum codec_id codecs[NP] = {CODEC_PCMU, CODEC_PCMA, CODEC_G722};
static const double tones[NP] = {440.0, 660.0, 880.0};
static const char *const ips[NP] = {"198.18.0.11", "198.18.0.12", "198.18.0.13"};

struct party {
	uint32_t stream;
	uint16_t part;
	uint16_t seq;
	uint32_t ts;
	uint16_t sport; /* source port of what it sends, 0 = 5004 */
	double phase;
	struct codec_enc *enc;
	struct codec_dec *dec;
	int16_t *heard; /* 48 kHz mono, what reached this party */
	size_t n_heard;
	size_t cap;
};

struct env {
	struct dp_main *dm;
	struct dp_lcore_ctx *lc;
	uint16_t conf;
	struct party p[NP];
	uint64_t now;
	uint64_t tick;
};

static double
goertzel(const int16_t *x, size_t n, double f)
{
	double w = 2.0 * M_PI * f / 48000.0, c = 2.0 * cos(w), s1 = 0, s2 = 0, e = 0;

	for (size_t i = 0; i < n; i++) {
		double s = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s;
		e += (double)x[i] * x[i];
	}
	/* Fraction of the energy at f (1.0 for a pure tone of that frequency). */
	return e > 0 ? 2.0 * (s1 * s1 + s2 * s2 - c * s1 * s2) / (n * e) : 0.0;
}

/*
 * The worker configuration (--worker-lcores): conferences run on a dedicated
 * worker in lcore slot WL (not an EAL lcore: nothing runs there, the test
 * polls it), and e->lc is only the io lcore that sends what its ring holds.
 */
#define WL (RTE_MAX_LCORE - 1)
static bool dedicated;

static void
dedicated_worker_start(struct dp_main *dm)
{
	struct dp_lcore_ctx *w = &dp_lcores[WL];

	memset(w, 0, sizeof(*w));
	w->dm = dm;
	w->worker_only = true;
	assert_int_equal(dp_worker_init(dm, w), 0);
	assert_int_equal(dp_worker_set_dedicated(w, 1), 0);
	dm->wlcores[0] = WL;
	dm->n_wlcores = 1;
}

/*
 * One poll of whoever runs the conference; the frames for the wire in @p tx.
 * With a dedicated worker: the worker, then the io lcore drains its ring.
 */
static void
poll_worker(struct env *e, uint64_t now, struct rte_mbuf **tx, uint16_t cap, uint16_t *ntx)
{
	uint16_t got = 0, k;

	if (!dedicated) {
		dp_worker_poll(e->lc, now, tx, cap, ntx);
		return;
	}
	dp_worker_poll(&dp_lcores[WL], now, NULL, 0, NULL);
	assert_int_equal(e->lc->worker, NULL); /* the io lcore runs no conference */
	while (dp_wtx_io_poll_burst(e->lc, tx + got, (uint16_t)(cap - got), &k) != 0)
		got = (uint16_t)(got + k);
	*ntx = got;
}

static int
setup(void **state)
{
	static const uint8_t macs[NP][6] = {{2, 0, 0, 0, 0, 0x11}, {2, 0, 0, 0, 0, 0x12},
					    {2, 0, 0, 0, 0, 0x13}};
	struct env *e = calloc(1, sizeof(*e));
	int id;

	assert_non_null(e);
	assert_int_equal(dp_fixture_create(64, 4095, &e->dm, &e->lc), 0);
	if (dedicated) {
		dp_worker_fini(e->lc);
		dedicated_worker_start(e->dm);
	}
	id = dp_conf_create(e->dm, 8, 3);
	assert_true(id >= 0);
	e->conf = (uint16_t)id;
	for (int i = 0; i < NP; i++) {
		struct dp_stream_params sp;
		struct dp_conf_part_params pp = {.codec = codecs[i], .role = CODEC_ROLE_HOST};
		struct codec_params cp;
		int rc;

		dp_fixture_neigh(e->dm, ips[i], macs[i]);
		memset(&sp, 0, sizeof(sp));
		sp.local.family = AF_INET;
		inet_pton(AF_INET, "198.18.0.1", sp.local.addr);
		sp.local.port = rte_cpu_to_be_16((uint16_t)(42000 + 2 * i));
		sp.remote.family = AF_INET;
		inet_pton(AF_INET, ips[i], sp.remote.addr);
		sp.remote.port = rte_cpu_to_be_16(5004);
		sp.latch = true;
		sp.rtcp_mux = true;
		sp.relay_to = DP_STREAM_NONE;
		rc = dp_flow_stream_add(&e->dm->flows, &sp);
		assert_true(rc >= 0);
		e->p[i].stream = (uint32_t)rc;
		pp.stream_id = (uint32_t)rc;
		pp.pt = codecs[i] == CODEC_PCMU ? 0 : codecs[i] == CODEC_PCMA ? 8 : 9;
		rc = dp_conf_attach(e->dm, e->conf, &pp);
		assert_true(rc >= 0);
		e->p[i].part = (uint16_t)rc;
		codec_params_default(&cp, codecs[i]);
		assert_int_equal(codec_enc_create(&cp, &e->p[i].enc), 0);
		assert_int_equal(codec_dec_create(&cp, &e->p[i].dec), 0);
		e->p[i].cap = 400 * FRAME_48K;
		e->p[i].heard = calloc(e->p[i].cap, sizeof(int16_t));
		assert_non_null(e->p[i].heard);
	}
	e->now = rte_rdtsc();
	e->tick = rte_get_tsc_hz() / 50;
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	for (int i = 0; i < NP; i++) {
		codec_enc_destroy(e->p[i].enc);
		codec_dec_destroy(e->p[i].dec);
		free(e->p[i].heard);
	}
	if (dedicated) {
		/* Conferences first (they live on the worker), then the worker, then the pool. */
		for (uint16_t i = 0; i < DP_CONF_MAX; i++)
			if (e->dm->confs[i] != NULL)
				assert_int_equal(dp_conf_delete(e->dm, i), 0);
		dp_worker_fini(&dp_lcores[WL]);
		e->dm->n_wlcores = 0;
	}
	dp_fixture_destroy(e->dm);
	free(e);
	return 0;
}

static int
setup_dedicated(void **state)
{
	dedicated = true;
	return setup(state);
}

/* Party @p i sends one 20 ms frame of its tone (or silence) as RTP to its stream. */
static void
send_frame(struct env *e, int i, bool silent)
{
	struct party *p = &e->p[i];
	int16_t pcm[FRAME_48K];
	uint8_t rtp[12 + 400], f[600];
	struct dp_node_out out;
	struct rte_mbuf *m;
	int len;
	uint16_t flen;

	for (int k = 0; k < FRAME_48K; k++) {
		pcm[k] = silent ? 0 : (int16_t)(8000 * sin(p->phase));
		p->phase += 2 * M_PI * tones[i] / 48000.0;
	}
	len = codec_enc_encode(p->enc, pcm, rtp + 12, sizeof(rtp) - 12);
	assert_true(len > 0);
	memset(rtp, 0, 12);
	rtp[0] = 0x80;
	rtp[1] = codecs[i] == CODEC_PCMU ? 0 : codecs[i] == CODEC_PCMA ? 8 : 9;
	rtp[2] = (uint8_t)(p->seq >> 8);
	rtp[3] = (uint8_t)p->seq;
	rtp[4] = (uint8_t)(p->ts >> 24);
	rtp[5] = (uint8_t)(p->ts >> 16);
	rtp[6] = (uint8_t)(p->ts >> 8);
	rtp[7] = (uint8_t)p->ts;
	rtp[11] = (uint8_t)(i + 1);
	p->seq++;
	p->ts += 160;
	flen = dp_fixture_udp4(f, sizeof(f), ips[i], p->sport != 0 ? p->sport : 5004, "198.18.0.1",
			       (uint16_t)(42000 + 2 * i), rtp, (uint16_t)(12 + len));
	m = dp_fixture_mbuf(e->dm, f, flen);
	assert_non_null(m);
	dp_node_wire_rx(e->lc, &m, 1, &out);
	/* A conference participant's packet goes to the worker, not to the wire. */
	assert_int_equal(out.n_wire + out.n_tap, 0);
}

/* Poll the worker once at the next tick; decode what each party receives. */
static void
run_tick(struct env *e)
{
	struct rte_mbuf *tx[64];
	uint16_t ntx = 0;

	e->now += e->tick;
	poll_worker(e, e->now, tx, RTE_DIM(tx), &ntx);
	for (uint16_t k = 0; k < ntx; k++) {
		struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(tx[k], struct rte_udp_hdr *, 34);
		uint16_t sport = rte_be_to_cpu_16(udp->src_port);
		int i = (sport - 42000) / 2;
		const uint8_t *rtp = (const uint8_t *)(udp + 1);
		size_t plen = rte_be_to_cpu_16(udp->dgram_len) - 8 - 12;
		struct party *p;

		if (i < 0 || i >= NP)
			continue; /* a participant another test added */
		assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 5004);
		if (rtp[1] >= 200 && rtp[1] <= 204)
			continue; /* RTCP (rtcp-mux): test_rtcp looks at it */
		p = &e->p[i];
		if (p->n_heard + FRAME_48K <= p->cap &&
		    codec_dec_decode(p->dec, rtp + 12, plen, p->heard + p->n_heard) == 0)
			p->n_heard += FRAME_48K;
	}
	rte_pktmbuf_free_bulk(tx, ntx);
}

static void
run(struct env *e, int ticks, int muted)
{
	for (int i = 0; i < NP; i++)
		e->p[i].n_heard = 0;
	for (int t = 0; t < ticks; t++) {
		for (int i = 0; i < NP; i++)
			send_frame(e, i, false);
		run_tick(e);
	}
	(void)muted;
}

/* Score tone j in what party i heard, skipping the first half second. */
static double
heard(struct env *e, int i, int j)
{
	size_t skip = 25 * FRAME_48K;

	if (e->p[i].n_heard <= skip)
		return 0.0;
	return goertzel(e->p[i].heard + skip, e->p[i].n_heard - skip, tones[j]);
}

static void
test_three_party_mix(void **state)
{
	struct env *e = *state;

	run(e, 150, -1);
	for (int i = 0; i < NP; i++) {
		print_message("party %d heard %zu samples: 440=%.3f 660=%.3f 880=%.3f\n", i,
			      e->p[i].n_heard, heard(e, i, 0), heard(e, i, 1), heard(e, i, 2));
		assert_true(e->p[i].n_heard >= 100 * FRAME_48K);
		for (int j = 0; j < NP; j++) {
			if (j == i)
				assert_true(heard(e, i, j) < 0.02);
			else
				assert_true(heard(e, i, j) > 0.2);
		}
	}
	/* Mute party 0: the others stop hearing 440 Hz. */
	assert_int_equal(dp_conf_mute(e->dm, e->conf, e->p[0].part, true), 0);
	run(e, 100, 0);
	for (int i = 1; i < NP; i++) {
		print_message("muted 0: party %d 440=%.3f other=%.3f\n", i, heard(e, i, 0),
			      heard(e, i, i == 1 ? 2 : 1));
		assert_true(heard(e, i, 0) < 0.02);
		assert_true(heard(e, i, i == 1 ? 2 : 1) > 0.2);
	}
	assert_int_equal(dp_conf_mute(e->dm, e->conf, e->p[0].part, false), 0);
	/* The streams counted what went in and out. */
	for (int i = 0; i < NP; i++) {
		assert_int_equal(e->dm->flows.slots[e->p[i].stream].stats.rx_pkts, 250);
		assert_true(e->dm->flows.slots[e->p[i].stream].stats.tx_pkts >= 200);
	}
	assert_int_equal(rte_mempool_in_use_count(e->dm->pool), 0);
}

static json_t *
call(struct env *e, const char *req)
{
	static char resp[DP_CTL_MAX_MSG];

	dp_ctl_handle(e->dm, req, strlen(req), resp, sizeof(resp));
	return json_loads(resp, 0, NULL);
}

static const char *
code(json_t *r)
{
	json_t *err = json_object_get(r, "error");

	return err ? json_string_value(json_object_get(err, "code")) : "ok";
}

static void
test_ctl_ops(void **state)
{
	struct env *e = *state;
	char req[256];
	json_t *r;

	r = call(e, "{\"v\":1,\"id\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":99,"
		    "\"stream_id\":0,\"codec\":\"PCMU\"}}");
	assert_string_equal(code(r), "ENOENT");
	json_decref(r);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":%u,"
		 "\"stream_id\":%u,\"codec\":\"PCMU\"}}",
		 e->conf, e->p[0].stream);
	r = call(e, req);
	assert_string_equal(code(r), "EBUSY"); /* already a participant */
	json_decref(r);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":%u,"
		 "\"stream_id\":%u,\"codec\":\"speex\"}}",
		 e->conf, e->p[0].stream);
	r = call(e, req);
	assert_string_equal(code(r), "EINVAL");
	json_decref(r);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":1,\"op\":\"stream.update\",\"args\":{\"stream_id\":%u,"
		 "\"relay_to\":%u}}",
		 e->p[0].stream, e->p[1].stream);
	r = call(e, req);
	assert_string_equal(code(r), "EBUSY");
	json_decref(r);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":1,\"op\":\"conference.stats\",\"args\":{\"conference_id\":%u}}",
		 e->conf);
	r = call(e, req);
	assert_string_equal(code(r), "ok");
	assert_int_equal(json_array_size(json_object_get(json_object_get(r, "result"),
							 "participants")),
			 NP);
	json_decref(r);
	/* Deleting a participant's stream detaches it. */
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":1,\"op\":\"stream.delete\",\"args\":{\"stream_id\":%u}}",
		 e->p[2].stream);
	r = call(e, req);
	assert_string_equal(code(r), "ok");
	json_decref(r);
	assert_int_equal(dp_conf_lookup(e->dm, e->conf)->n_parts, NP - 1);
	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":1,\"op\":\"conference.delete\",\"args\":{\"conference_id\":%u}}",
		 e->conf);
	r = call(e, req);
	assert_string_equal(code(r), "ok");
	json_decref(r);
	assert_null(dp_conf_lookup(e->dm, e->conf));
	/* The streams are plain again. */
	assert_null(dp_flow_stream_cfg(&e->dm->flows, e->p[0].stream)->conf_ring);
}

/*
 * conference.attach's "backplane_group": a participant re-attached as a geo
 * backplane is listed as such; anything but "local" or "geo", or the group
 * with "backplane": false or hosts_only, is refused and changes nothing.
 */
static void
test_attach_backplane_group(void **state)
{
	static const char *const bad[] = {
		"\"backplane_group\":\"world\"",
		"\"backplane_group\":1",
		"\"backplane_group\":null",
		"\"backplane_group\":\"local\",\"backplane\":false",
		"\"backplane_group\":\"geo\",\"hosts_only\":true",
	};
	struct env *e = *state;
	char req[320];
	json_t *r, *parts, *o;
	struct dp_conf_part_params pp = {.codec = codecs[1], .role = CODEC_ROLE_HOST};
	size_t i, n_bp = 0;
	const char *group = NULL;
	uint16_t bp_part;
	int rc;

	snprintf(req, sizeof(req), "{\"v\":1,\"id\":1,\"op\":\"conference.detach\",\"args\":"
		 "{\"conference_id\":%u,\"participant\":%u}}", e->conf, e->p[1].part);
	r = call(e, req);
	assert_string_equal(code(r), "ok");
	json_decref(r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "{\"v\":1,\"id\":1,\"op\":\"conference.attach\",\"args\":"
			 "{\"conference_id\":%u,\"stream_id\":%u,\"codec\":\"PCMU\",%s}}", e->conf,
			 e->p[1].stream, bad[i]);
		r = call(e, req);
		assert_string_equal(code(r), "EINVAL");
		json_decref(r);
	}
	assert_int_equal(dp_conf_lookup(e->dm, e->conf)->n_parts, NP - 1);
	snprintf(req, sizeof(req), "{\"v\":1,\"id\":1,\"op\":\"conference.attach\",\"args\":"
		 "{\"conference_id\":%u,\"stream_id\":%u,\"codec\":\"PCMU\","
		 "\"backplane_group\":\"geo\"}}", e->conf, e->p[1].stream);
	r = call(e, req);
	assert_string_equal(code(r), "ok");
	bp_part = (uint16_t)json_integer_value(
		json_object_get(json_object_get(r, "result"), "participant"));
	json_decref(r);
	snprintf(req, sizeof(req), "{\"v\":1,\"id\":1,\"op\":\"conference.stats\",\"args\":"
		 "{\"conference_id\":%u}}", e->conf);
	r = call(e, req);
	assert_string_equal(code(r), "ok");
	parts = json_object_get(json_object_get(r, "result"), "participants");
	assert_int_equal(json_array_size(parts), NP);
	json_array_foreach(parts, i, o)
	{
		if (!json_is_true(json_object_get(o, "backplane")))
			continue;
		n_bp++;
		group = json_string_value(json_object_get(o, "backplane_group"));
	}
	assert_int_equal(n_bp, 1);
	assert_non_null(group);
	assert_string_equal(group, "geo");
	json_decref(r);
	/* As it was, for the tests that follow. */
	assert_int_equal(dp_conf_detach(e->dm, e->conf, bp_part), 0);
	pp.stream_id = e->p[1].stream;
	pp.pt = codecs[1] == CODEC_PCMU ? 0 : codecs[1] == CODEC_PCMA ? 8 : 9;
	rc = dp_conf_attach(e->dm, e->conf, &pp);
	assert_true(rc >= 0);
	e->p[1].part = (uint16_t)rc;
}

/* Expect @p req (a conference op, printf format with the conference id first) to fail with @p want. */
static void
expect_code(struct env *e, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
expect_code(struct env *e, const char *want, const char *fmt, ...)
{
	char req[512];
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	r = call(e, req);
	if (strcmp(code(r), want) != 0)
		print_message("request %s: got %s, want %s\n", req, code(r), want);
	assert_string_equal(code(r), want);
	json_decref(r);
}

/* A 22050 Hz mono WAV (as espeak-ng writes) of @p hz for @p ms. */
static void
write_wav(const char *path, double hz, unsigned int ms)
{
	FILE *f = fopen(path, "wb");
	uint32_t n = 22050 * ms / 1000, v;
	uint8_t h[44] = "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x22\x56\0\0\x44\xac\0\0\x02\0\x10\0data";

	assert_non_null(f);
	v = 36 + 2 * n;
	memcpy(h + 4, &v, 4);
	v = 2 * n;
	memcpy(h + 40, &v, 4);
	fwrite(h, 1, sizeof(h), f);
	for (uint32_t i = 0; i < n; i++) {
		int16_t x = (int16_t)(8000 * sin(2 * M_PI * hz * i / 22050.0));

		fwrite(&x, 2, 1, f);
	}
	fclose(f);
}

static json_t *
part_stats(struct env *e, uint16_t part)
{
	char req[128];
	json_t *r, *parts, *o = NULL;

	snprintf(req, sizeof(req),
		 "{\"v\":1,\"id\":1,\"op\":\"conference.stats\",\"args\":{\"conference_id\":%u}}",
		 e->conf);
	r = call(e, req);
	parts = json_object_get(json_object_get(r, "result"), "participants");
	for (size_t k = 0; k < json_array_size(parts); k++)
		if (json_integer_value(json_object_get(json_array_get(parts, k), "participant")) == part)
			o = json_incref(json_array_get(parts, k));
	json_decref(r);
	assert_non_null(o);
	return o;
}

static void
test_lobby_prompt(void **state)
{
	struct env *e = *state;
	char dir[64] = "/tmp/tsr-dpprompt-XXXXXX", path[128], cmd[128];
	uint16_t c = e->conf, p0 = e->p[0].part;
	json_t *st;

	/* Malformed arguments of the new operations. */
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.create\",\"args\":{\"agc\":\"on\"}}");
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.create\",\"args\":{\"noise_gate\":1}}");
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.create\",\"args\":{\"gate\":true}}");
	{
		json_t *r = call(e, "{\"v\":1,\"op\":\"conference.create\",\"args\":{\"agc\":true,"
				    "\"noise_gate\":true,\"max_participants\":2}}");
		uint16_t id = (uint16_t)json_integer_value(
			json_object_get(json_object_get(r, "result"), "conference_id"));
		char req[160];

		assert_string_equal(code(r), "ok");
		json_decref(r);
		assert_true(dp_conf_lookup(e->dm, id)->agc && dp_conf_lookup(e->dm, id)->noise_gate);
		snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"conference.stats\",\"args\":"
			 "{\"conference_id\":%u}}", id);
		r = call(e, req);
		assert_true(json_is_true(json_object_get(json_object_get(r, "result"), "agc")));
		assert_true(json_is_true(json_object_get(json_object_get(r, "result"), "noise_gate")));
		json_decref(r);
		assert_int_equal(dp_conf_delete(e->dm, id), 0);
	}
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"lobby\":1}}", c, p0);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"role\":\"admin\"}}", c, p0);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"volume\":3}}", c, p0);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u}}",
		    c);
	expect_code(e, "ENOENT", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":7,\"muted\":true}}", c);
	expect_code(e, "ENOENT", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":99,"
		    "\"participant\":0,\"muted\":true}}");
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.prompt\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u}}", c, p0);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.prompt\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"prompt\":\"welcome\"}}", c, p0);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.prompt\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"prompt\":7}}", c, p0);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.prompt\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"prompt\":\"goodbye\",\"loop\":\"yes\"}}", c, p0);
	expect_code(e, "ENOENT", "{\"v\":1,\"op\":\"conference.prompt\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":9,\"prompt\":\"goodbye\"}}", c);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.prompt_stop\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"prompt\":\"goodbye\"}}", c, p0);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":%u,"
		    "\"stream_id\":0,\"codec\":\"PCMU\",\"loopback_ms\":5001}}", c);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":%u,"
		    "\"stream_id\":0,\"codec\":\"PCMU\",\"loopback_ms\":-1}}", c);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":%u,"
		    "\"stream_id\":0,\"codec\":\"PCMU\",\"lobby\":\"true\"}}", c);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":%u,"
		    "\"stream_id\":0,\"codec\":\"PCMU\",\"tones\":0}}", c);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.detach\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"tones\":null}}", c, p0);

	/* No prompt loaded: a clear refusal, nothing changes. */
	dp_conf_prompts_free();
	expect_code(e, "ENODATA", "{\"v\":1,\"op\":\"conference.prompt\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"prompt\":\"pin_entry\"}}", c, p0);
	/* A theme directory with pin_entry only. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pin_entry.wav", dir);
	write_wav(path, 1200, 3000);
	assert_int_equal(dp_conf_prompts_load(dir, NULL), 1);
	expect_code(e, "ENODATA", "{\"v\":1,\"op\":\"conference.prompt\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"prompt\":\"pin_wrong\"}}", c, p0);

	/* Party 0 to the lobby: the others stop hearing 440 Hz, it hears nothing. */
	expect_code(e, "ok", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"lobby\":true,\"role\":\"guest\"}}", c, p0);
	st = part_stats(e, p0);
	assert_true(json_is_true(json_object_get(st, "lobby")));
	assert_string_equal(json_string_value(json_object_get(st, "role")), "guest");
	assert_true(json_is_null(json_object_get(st, "prompt")));
	json_decref(st);
	run(e, 60, -1);
	for (int i = 1; i < NP; i++)
		assert_true(heard(e, i, 0) < 0.02);
	assert_true(heard(e, 1, 2) > 0.2);
	assert_true(heard(e, 0, 1) < 0.02 && heard(e, 0, 2) < 0.02);
	/* A prompt to party 0 alone. */
	expect_code(e, "ok", "{\"v\":1,\"op\":\"conference.prompt\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"prompt\":\"pin_entry\",\"loop\":true}}", c, p0);
	st = part_stats(e, p0);
	assert_string_equal(json_string_value(json_object_get(st, "prompt")), "pin_entry");
	json_decref(st);
	run(e, 60, -1);
	assert_true(e->p[0].n_heard >= 55 * FRAME_48K);
	assert_true(goertzel(e->p[0].heard + 25 * FRAME_48K, 30 * FRAME_48K, 1200) > 0.5);
	assert_true(goertzel(e->p[1].heard + 25 * FRAME_48K, 30 * FRAME_48K, 1200) < 0.02);
	assert_true(goertzel(e->p[2].heard + 25 * FRAME_48K, 30 * FRAME_48K, 1200) < 0.02);
	expect_code(e, "ok", "{\"v\":1,\"op\":\"conference.prompt_stop\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u}}", c, p0);
	st = part_stats(e, p0);
	assert_true(json_is_null(json_object_get(st, "prompt")));
	json_decref(st);
	/* Out of the lobby, a host again: heard by everyone. */
	expect_code(e, "ok", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"lobby\":false,\"role\":\"host\"}}", c, p0);
	run(e, 60, -1);
	for (int i = 1; i < NP; i++)
		assert_true(heard(e, i, 0) > 0.2);
	dp_conf_prompts_free();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Direction (RFC 3264 hold): "send": false leaves party 0 without RTP, the
 * others unaffected and still hearing it; "recv": false takes it out of the
 * mixes while it hears them. Malformed values are refused on the field.
 */
static void
test_direction(void **state)
{
	struct env *e = *state;
	uint16_t c = e->conf, p0 = e->p[0].part;
	json_t *st;

	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"send\":\"no\"}}", c, p0);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"recv\":0}}", c, p0);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"send\":null}}", c, p0);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":%u,"
		    "\"stream_id\":0,\"codec\":\"PCMU\",\"send\":\"false\"}}", c);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":%u,"
		    "\"stream_id\":0,\"codec\":\"PCMU\",\"recv\":[]}}", c);
	st = part_stats(e, p0);
	assert_true(json_is_true(json_object_get(st, "send")));
	assert_true(json_is_true(json_object_get(st, "recv")));
	json_decref(st);

	/* Held: not one packet to party 0; the others still hear it and each other. */
	expect_code(e, "ok", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"send\":false}}", c, p0);
	st = part_stats(e, p0);
	assert_true(json_is_false(json_object_get(st, "send")));
	assert_true(json_is_true(json_object_get(st, "recv")));
	json_decref(st);
	run(e, 60, -1);
	assert_int_equal(e->p[0].n_heard, 0);
	for (int i = 1; i < NP; i++) {
		assert_true(e->p[i].n_heard >= 55 * FRAME_48K);
		assert_true(heard(e, i, 0) > 0.2);
	}
	assert_true(heard(e, 1, 2) > 0.2);

	/* recvonly from us (it offered recvonly): it hears, nobody hears it. */
	expect_code(e, "ok", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"send\":true,\"recv\":false}}", c, p0);
	run(e, 60, -1);
	assert_true(e->p[0].n_heard >= 55 * FRAME_48K);
	assert_true(heard(e, 0, 1) > 0.2);
	for (int i = 1; i < NP; i++)
		assert_true(heard(e, i, 0) < 0.02);
	st = part_stats(e, p0);
	assert_true(json_is_false(json_object_get(st, "recv")));
	assert_true(json_is_false(json_object_get(st, "muted")));
	json_decref(st);

	/* sendrecv again, as the tests that follow expect. */
	expect_code(e, "ok", "{\"v\":1,\"op\":\"conference.update\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"recv\":true}}", c, p0);
	run(e, 60, -1);
	for (int i = 1; i < NP; i++)
		assert_true(heard(e, i, 0) > 0.2);
}

/*
 * conference.send_dtmf: malformed arguments, then a PCMU participant with a
 * telephone-event type gets "1,2" through the worker and its stream: nothing
 * for 3 s (audio only), then digit 1, a 2 s pause, digit 2 0.5 s later; each
 * event's end packet three times.
 */
static void
test_send_dtmf(void **state)
{
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 0x14};
	struct env *e = *state;
	struct dp_stream_params sp;
	uint16_t c = e->conf, p0 = e->p[0].part, part;
	uint32_t sid, ev_ts[4], first = 0;
	int events = 0, ends = 0, audio_before = 0, rc;
	char req[512], many[300];
	json_t *r;

	dp_fixture_neigh(e->dm, "198.18.0.14", mac);
	memset(&sp, 0, sizeof(sp));
	sp.local.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.1", sp.local.addr);
	sp.local.port = rte_cpu_to_be_16(42100);
	sp.remote.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.14", sp.remote.addr);
	sp.remote.port = rte_cpu_to_be_16(5004);
	sp.latch = true;
	sp.rtcp_mux = true;
	sp.relay_to = DP_STREAM_NONE;
	rc = dp_flow_stream_add(&e->dm->flows, &sp);
	assert_true(rc >= 0);
	sid = (uint32_t)rc;
	snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":%u,"
		 "\"stream_id\":%u,\"codec\":\"PCMU\",\"dtmf_pt\":101}}", c, sid);
	r = call(e, req);
	assert_string_equal(code(r), "ok");
	part = (uint16_t)json_integer_value(json_object_get(json_object_get(r, "result"), "participant"));
	json_decref(r);

	/* Malformed arguments. */
	memset(many, '1', 251);
	many[251] = '\0';
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u}}", c, part);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"digits\":123}}", c, part);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"digits\":\"\"}}", c, part);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"digits\":\"12x\"}}", c, part);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"digits\":\"1 2\"}}", c, part);
	/* An embedded NUL is refused by the JSON parser already. */
	expect_code(e, "EPROTO", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"digits\":\"1\\u00002\"}}", c, part);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"digits\":\"%s\"}}", c, part, many);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"digits\":\"1\",\"delay_ms\":0}}", c, part);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"digits\":\"1\"}}", c);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":\"0\",\"digits\":\"1\"}}", c);
	expect_code(e, "EINVAL", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{"
		    "\"participant\":0,\"digits\":\"1\"}}");
	expect_code(e, "ENOENT", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":99,"
		    "\"participant\":0,\"digits\":\"1\"}}");
	expect_code(e, "ENOENT", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":7,\"digits\":\"1\"}}", c);
	/* No telephone-event payload type negotiated. */
	expect_code(e, "ENOTSUP", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"digits\":\"1\"}}", c, p0);

	snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		 "\"participant\":%u,\"digits\":\"1,2\"}}", c, part);
	r = call(e, req);
	assert_string_equal(code(r), "ok");
	/* 3 s lead + 0.5 s + 2 s + 0.5 s */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"),
							    "duration_ms")), 6000);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "result"),
							      "digits")), "1,2");
	json_decref(r);
	expect_code(e, "EBUSY", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"digits\":\"3\"}}", c, part);

	for (int t = 0; t < 320; t++) {
		struct rte_mbuf *tx[64];
		uint16_t ntx = 0;

		for (int i = 0; i < NP; i++)
			send_frame(e, i, false);
		e->now += e->tick;
		poll_worker(e, e->now, tx, RTE_DIM(tx), &ntx);
		for (uint16_t k = 0; k < ntx; k++) {
			struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(tx[k], struct rte_udp_hdr *, 34);
			const uint8_t *rtp = (const uint8_t *)(udp + 1);

			if (rte_be_to_cpu_16(udp->src_port) != 42100)
				continue;
			if ((rtp[1] & 0x7f) == 0 && first == 0) {
				audio_before++;
				continue;
			}
			if ((rtp[1] & 0x7f) != 101)
				continue;
			assert_int_equal(rte_be_to_cpu_16(udp->dgram_len), 8 + 12 + 4);
			if (first == 0)
				first = (uint32_t)t + 1;
			if (rtp[1] & 0x80) {
				assert_true(events < 4);
				ev_ts[events++] = (uint32_t)rtp[4] << 24 | (uint32_t)rtp[5] << 16 |
						  (uint32_t)rtp[6] << 8 | rtp[7];
				assert_int_equal(rtp[12], events == 1 ? 1 : 2);
			}
			if (rtp[13] & 0x80)
				ends++;
		}
		rte_pktmbuf_free_bulk(tx, ntx);
	}
	print_message("send_dtmf: first event at tick %u, %d audio packets before, %d events\n",
		      first, audio_before, events);
	assert_int_equal(first, 151); /* the 151st tick after the request: 3 s later */
	assert_true(audio_before >= 149);
	assert_int_equal(events, 2);
	assert_int_equal(ends, 2 * 3);
	assert_int_equal(ev_ts[1] - ev_ts[0], 2500 * 8);
	/* Done: a new sequence is accepted. */
	expect_code(e, "ok", "{\"v\":1,\"op\":\"conference.send_dtmf\",\"args\":{\"conference_id\":%u,"
		    "\"participant\":%u,\"digits\":\"#\"}}", c, part);
	assert_int_equal(dp_conf_detach(e->dm, c, part), 0);
	assert_int_equal(dp_flow_stream_del(&e->dm->flows, sid), 0);
	assert_int_equal(rte_mempool_in_use_count(e->dm->pool), 0);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Send a raw RTCP payload from party @p i (its source port) to its stream (rtcp-mux). */
static void
send_rtcp(struct env *e, int i, const uint8_t *pkt, uint16_t len)
{
	uint8_t f[600];
	struct dp_node_out out;
	struct rte_mbuf *m;
	uint16_t flen = dp_fixture_udp4(f, sizeof(f), ips[i],
					e->p[i].sport != 0 ? e->p[i].sport : 5004, "198.18.0.1",
					(uint16_t)(42000 + 2 * i), pkt, len);

	m = dp_fixture_mbuf(e->dm, f, flen);
	assert_non_null(m);
	dp_node_wire_rx(e->lc, &m, 1, &out);
	assert_int_equal(out.n_wire + out.n_tap, 0);
}

/* What the RTCP test saw leave for each party. */
struct rtcp_seen {
	uint64_t rtp, octets;      /* RTP packets and payload octets so far */
	uint32_t our_ssrc;
	int srs, rrs;
	uint64_t last_ntp;         /* NTP of our last SR */
	uint64_t last_sr_tsc;      /* e->now of the poll that sent it */
	uint32_t rb_lsr, rb_dlsr;  /* LSR/DLSR of our last report block */
	uint64_t rb_tsc;
};

/* One tick; party 0 skips (loses) the frames listed by @p lose; check every SR against the RTP. */
static void
rtcp_tick(struct env *e, struct rtcp_seen *seen, bool lose0, uint32_t *lost0)
{
	struct rte_mbuf *tx[64];
	uint16_t ntx = 0;

	for (int i = 0; i < NP; i++) {
		if (i == 0 && lose0) {
			e->p[0].seq++;
			e->p[0].ts += 160;
			continue;
		}
		send_frame(e, i, false);
	}
	/* A loss counts once a later packet arrived. */
	if (!lose0 && lost0[1] != 0) {
		lost0[0] += lost0[1];
		lost0[1] = 0;
	}
	if (lose0)
		lost0[1]++;
	e->now += e->tick;
	poll_worker(e, e->now, tx, RTE_DIM(tx), &ntx);
	for (uint16_t k = 0; k < ntx; k++) {
		struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(tx[k], struct rte_udp_hdr *, 34);
		const uint8_t *p = (const uint8_t *)(udp + 1);
		uint16_t len = (uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - 8);
		int i = (rte_be_to_cpu_16(udp->src_port) - 42000) / 2;
		struct rtcp_seen *sn = &seen[i];
		struct codec_rtcp_info in;

		assert_true(i >= 0 && i < NP);
		if (p[1] < 200 || p[1] > 204) {
			sn->rtp++;
			sn->octets += len - 12u;
			sn->our_ssrc = be32(p + 8);
			continue;
		}
		/* Independent of our parser: header fields by hand. */
		assert_int_equal(p[0] >> 6, 2);
		assert_int_equal(be32(p + 4), sn->our_ssrc);
		assert_int_equal(codec_rtcp_parse(p, len, (uint32_t)(i + 1), &in), 0);
		if (p[1] == 200) {
			sn->srs++;
			/* Packet and octet counts equal what left before the SR. */
			assert_int_equal(be32(p + 20), sn->rtp);
			assert_int_equal(be32(p + 24), sn->octets);
			sn->last_ntp = (uint64_t)be32(p + 8) << 32 | be32(p + 12);
			sn->last_sr_tsc = e->now;
		} else {
			assert_int_equal(p[1], 201);
			sn->rrs++;
		}
		/* One report block about the party's SSRC (i + 1, see send_frame()). */
		assert_int_equal(p[0] & 0x1f, 1);
		assert_true(in.has_rb);
		assert_int_equal(in.rb.ext_max_seq, (uint32_t)e->p[i].seq - 1u -
						   (i == 0 ? lost0[1] : 0));
		assert_int_equal(in.rb.cumulative_lost, i == 0 ? (int32_t)lost0[0] : 0);
		if (i != 0)
			assert_int_equal(in.rb.fraction_lost, 0);
		sn->rb_lsr = in.rb.lsr;
		sn->rb_dlsr = in.rb.dlsr;
		sn->rb_tsc = e->now;
	}
	rte_pktmbuf_free_bulk(tx, ntx);
}

/*
 * RTCP of conference participants (RFC 3550): our SR counts and report
 * blocks against what the parties sent and lost, then an RR and an SR from
 * the parties: RTT, the loss and jitter they report, and LSR/DLSR in our
 * next block; malformed RTCP is counted.
 */
static void
test_rtcp(void **state)
{
	struct env *e = *state;
	struct rtcp_seen seen[NP];
	uint32_t lost0[2] = {0, 0};
	uint8_t rr[32], sr[28];
	uint64_t hz = rte_get_tsc_hz(), t_rr, ntp2 = 0xe3000000c0000000ull, t_sr2;
	json_t *st, *rt;
	double rtt_want;
	int t;

	memset(seen, 0, sizeof(seen));
	/* Earlier tests sent on these streams too: start from what left so far. */
	for (int i = 0; i < NP; i++) {
		st = part_stats(e, e->p[i].part);
		rt = json_object_get(st, "rtcp");
		seen[i].rtp = (uint64_t)json_integer_value(json_object_get(rt, "packets_sent"));
		seen[i].octets = (uint64_t)json_integer_value(json_object_get(rt, "octets_sent"));
		json_decref(st);
	}
	for (t = 0; t < 500; t++)
		rtcp_tick(e, seen, t % 10 == 5, lost0);
	for (int i = 0; i < NP; i++) {
		print_message("party %d: %d SR, %d RR, %" PRIu64 " RTP\n", i, seen[i].srs, seen[i].rrs,
			      seen[i].rtp);
		assert_true(seen[i].srs >= 1);
		assert_int_equal(seen[i].rrs, 0);
	}
	assert_true(lost0[0] >= 40);
	/*
	 * The report below claims it was sent 0.1 s after our last SR: let at least
	 * 0.3 s pass since that SR (report intervals are random; the last one may
	 * have left on the very last tick). SRs are >= 2.5 s apart, so this ends.
	 */
	for (int k = 0; k < 100 && e->now - seen[1].last_sr_tsc < 3 * hz / 10; k++)
		rtcp_tick(e, seen, false, lost0);
	assert_true(e->now - seen[1].last_sr_tsc >= 3 * hz / 10);
	/* Party 1 reports on our stream: 25 % loss, 17 lost, jitter 99, LSR of our last SR. */
	memset(rr, 0, sizeof(rr));
	rr[0] = 0x81;
	rr[1] = 201;
	rr[3] = 7;
	rr[7] = 2;
	rr[8] = (uint8_t)(seen[1].our_ssrc >> 24);
	rr[9] = (uint8_t)(seen[1].our_ssrc >> 16);
	rr[10] = (uint8_t)(seen[1].our_ssrc >> 8);
	rr[11] = (uint8_t)seen[1].our_ssrc;
	rr[12] = 64;
	rr[15] = 17;
	rr[18] = 0x04;
	rr[19] = 0xd2;
	rr[23] = 99;
	{
		uint32_t lsr = codec_rtcp_ntp_mid(seen[1].last_ntp), dlsr = 6554; /* 0.1 s */

		rr[24] = (uint8_t)(lsr >> 24);
		rr[25] = (uint8_t)(lsr >> 16);
		rr[26] = (uint8_t)(lsr >> 8);
		rr[27] = (uint8_t)lsr;
		rr[30] = (uint8_t)(dlsr >> 8);
		rr[31] = (uint8_t)dlsr;
	}
	send_rtcp(e, 1, rr, sizeof(rr));
	/* Party 2 sends an SR. */
	memset(sr, 0, sizeof(sr));
	sr[0] = 0x80;
	sr[1] = 200;
	sr[3] = 6;
	sr[7] = 3;
	for (int k = 0; k < 8; k++)
		sr[8 + k] = (uint8_t)(ntp2 >> (56 - 8 * k));
	sr[23] = 250;
	send_rtcp(e, 2, sr, sizeof(sr));
	/* And a malformed one: a report count beyond its length. */
	sr[0] = 0x82;
	send_rtcp(e, 2, sr, sizeof(sr));
	rtcp_tick(e, seen, false, lost0);
	t_rr = e->now;
	t_sr2 = e->now;
	rtt_want = (double)(t_rr - seen[1].last_sr_tsc) / (double)hz * 1000.0 - 100.0;
	st = part_stats(e, e->p[1].part);
	rt = json_object_get(st, "rtcp");
	print_message("rtt %.3f ms (want %.3f)\n", json_real_value(json_object_get(rt, "rtt_ms")),
		      rtt_want);
	assert_true(fabs(json_real_value(json_object_get(rt, "rtt_ms")) - rtt_want) < 0.1);
	assert_int_equal(json_integer_value(json_object_get(rt, "reports_received")), 1);
	rt = json_object_get(rt, "remote");
	assert_int_equal(json_integer_value(json_object_get(rt, "fraction_lost")), 64);
	assert_int_equal(json_integer_value(json_object_get(rt, "cumulative_lost")), 17);
	assert_int_equal(json_integer_value(json_object_get(rt, "ext_max_seq")), 1234);
	assert_int_equal(json_integer_value(json_object_get(rt, "jitter")), 99);
	json_decref(st);
	st = part_stats(e, e->p[2].part);
	rt = json_object_get(st, "rtcp");
	assert_int_equal(json_integer_value(json_object_get(rt, "srs_received")), 1);
	assert_int_equal(json_integer_value(json_object_get(rt, "rx_errors")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rt, "remote_sr"),
							    "packets")), 250);
	json_decref(st);
	/* Our next report to party 2 carries LSR = its SR's middle bits and the delay since. */
	seen[2].rb_lsr = 0;
	for (t = 0; t < 400 && seen[2].rb_lsr == 0; t++)
		rtcp_tick(e, seen, false, lost0);
	assert_int_equal(seen[2].rb_lsr, codec_rtcp_ntp_mid(ntp2));
	{
		double want = (double)(seen[2].rb_tsc - t_sr2) / (double)hz * 65536.0;

		print_message("dlsr %u (want %.0f)\n", seen[2].rb_dlsr, want);
		assert_true(fabs(seen[2].rb_dlsr - want) < 1400); /* one tick: the SR was read a tick earlier */
	}
}

/*
 * The RTT test's simulated TSC: it ticks at true_hz per second of
 * CLOCK_MONOTONIC, a rate that differs from the nominal rte_get_tsc_hz() as
 * EAL's rounded estimate does on real machines (2600 MHz nominal for a
 * 2596.1 MHz TSC).
 */
struct rtt_sim {
	uint64_t t0, ns0, true_hz;
	uint32_t our_ssrc;         /* of the RTP we send party 1 */
	uint16_t dport;            /* destination port of our last report to party 1 */
	int srs;                   /* our SRs to party 1 */
	uint64_t sr_ntp, sr_tsc;   /* the last one: its NTP and the poll that sent it */
	uint64_t prev_ntp, prev_tsc;
	uint32_t rb_lsr, rb_dlsr;  /* our last report block to party 1 */
	uint64_t rb_tsc;
};

static uint64_t
sim_ns(const struct rtt_sim *s, uint64_t tsc)
{
	return s->ns0 + (uint64_t)((unsigned __int128)(tsc - s->t0) * 1000000000u / s->true_hz);
}

/* Seconds of real time between two TSC readings of the simulation. */
static double
sim_s(const struct rtt_sim *s, uint64_t from, uint64_t to)
{
	return (double)(to - from) / (double)s->true_hz;
}

/*
 * One tick: everyone sends a frame, the control thread's calibration gets a
 * sample of the simulated TSC, the worker runs; note what we send party 1.
 */
static void
rtt_tick(struct env *e, struct rtt_sim *s)
{
	struct rte_mbuf *tx[64];
	uint16_t ntx = 0;

	for (int i = 0; i < NP; i++)
		send_frame(e, i, false);
	e->now += e->tick;
	dp_clock_update(&e->dm->clock, e->now, sim_ns(s, e->now));
	poll_worker(e, e->now, tx, RTE_DIM(tx), &ntx);
	for (uint16_t k = 0; k < ntx; k++) {
		struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(tx[k], struct rte_udp_hdr *, 34);
		const uint8_t *p = (const uint8_t *)(udp + 1);
		const uint8_t *rb = p + (p[1] == 200 ? 28 : 8);

		if (rte_be_to_cpu_16(udp->src_port) != 42002)
			continue;
		s->dport = rte_be_to_cpu_16(udp->dst_port);
		if (p[1] < 200 || p[1] > 204) {
			s->our_ssrc = be32(p + 8);
			continue;
		}
		if (p[1] == 200) {
			s->prev_ntp = s->sr_ntp;
			s->prev_tsc = s->sr_tsc;
			s->sr_ntp = (uint64_t)be32(p + 8) << 32 | be32(p + 12);
			s->sr_tsc = e->now;
			s->srs++;
		}
		if ((p[0] & 0x1f) == 1) {
			s->rb_lsr = be32(rb + 16);
			s->rb_dlsr = be32(rb + 20);
			s->rb_tsc = e->now;
		}
	}
	rte_pktmbuf_free_bulk(tx, ntx);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static double
rtt_ms(struct env *e, int i)
{
	json_t *st = part_stats(e, e->p[i].part);
	json_t *v = json_object_get(json_object_get(st, "rtcp"), "rtt_ms");
	double ms = json_is_real(v) ? json_real_value(v) : json_is_integer(v) ? 0.0 : -1.0;

	json_decref(st);
	return ms;
}

/*
 * Party 1's RR about our stream, read by the worker at the first poll at or
 * after TSC @p at: it echoes the SR we sent at @p sr_tsc (NTP @p sr_ntp) and
 * says @p dlsr_s seconds passed since it got it. @return the RTT the
 * conference must find (ms, real time: the simulated truth).
 */
static double
rtt_answer(struct env *e, struct rtt_sim *s, uint64_t sr_tsc, uint64_t sr_ntp, double dlsr_s,
	   uint64_t at)
{
	uint32_t dlsr = (uint32_t)(dlsr_s * 65536.0);
	uint8_t rr[32];

	while (e->now + e->tick < at)
		rtt_tick(e, s);
	memset(rr, 0, sizeof(rr));
	rr[0] = 0x81;
	rr[1] = 201;
	rr[3] = 7;
	put_be32(rr + 4, 2);
	put_be32(rr + 8, s->our_ssrc);
	put_be32(rr + 24, codec_rtcp_ntp_mid(sr_ntp));
	put_be32(rr + 28, dlsr);
	send_rtcp(e, 1, rr, sizeof(rr));
	rtt_tick(e, s); /* the worker reads it at this poll: e->now is A */
	return (sim_s(s, sr_tsc, e->now) - dlsr / 65536.0) * 1000.0;
}

/*
 * RTT, NTP timestamps and DLSR on a TSC whose real rate is not the nominal
 * one (RFC 3550 §6.4.1). Party 1 sends through a relay: its stream latches
 * to the relay's port and our reports go there. The relay passes one SR on,
 * then stops forwarding towards the party, which keeps answering with RRs
 * that echo that SR with a growing DLSR (0.25 s, 5 s, 20 s): each must give
 * the same 30 ms round trip. A clock running at the nominal rate is 0.15 %
 * slow here, so A - LSR would come out 0.4 ms, 7.5 ms and 30 ms short (the
 * last one negative). Our SRs' NTP timestamps must advance at the real
 * rate, and the DLSR of our block must be the real delay since the party's
 * SR.
 */
static void
test_rtcp_rtt_tsc_rate(void **state)
{
	static const double dlsr_s[3] = {0.25, 5.0, 20.0};
	struct env *e = *state;
	struct dp_clock *clk = &e->dm->clock;
	uint64_t nominal = rte_get_tsc_hz(), sr_tsc, sr_ntp, t_psr;
	struct rtt_sim s;
	uint8_t sr[28];
	int t;

	memset(&s, 0, sizeof(s));
	s.t0 = e->now;
	s.ns0 = 1000000000000ull;
	s.true_hz = nominal - nominal / 671; /* 2596.1 MHz for a nominal 2600 */
	dp_clock_set(clk, e->now, s.ns0, (uint64_t)3900000000u << 32, nominal);
	e->p[1].sport = 6000; /* through the relay */
	/* A few seconds of calibration and two SRs, all sent to the relay. */
	for (t = 0; t < 2000 && (s.srs < 2 || sim_s(&s, s.t0, s.prev_tsc) < 2.0); t++)
		rtt_tick(e, &s);
	assert_true(s.srs >= 2);
	assert_int_equal(s.dport, 6000);
	{
		double d_ntp = (double)(s.sr_ntp - s.prev_ntp) / 4294967296.0;
		double d_real = sim_s(&s, s.prev_tsc, s.sr_tsc);

		print_message("SR NTP advanced %.6f s in %.6f s of real time\n", d_ntp, d_real);
		assert_true(fabs(d_ntp - d_real) < 10e-6);
	}
	/* The relay passed this SR on; the party got it 15 ms later. */
	sr_tsc = s.sr_tsc;
	sr_ntp = s.sr_ntp;
	for (int k = 0; k < 3; k++) {
		uint64_t at = sr_tsc + (uint64_t)((0.030 + dlsr_s[k]) * (double)s.true_hz);
		double want = rtt_answer(e, &s, sr_tsc, sr_ntp, dlsr_s[k], at), got = rtt_ms(e, 1);

		print_message("DLSR %.2f s: rtt %.3f ms (want %.3f)\n", dlsr_s[k], got, want);
		assert_true(want > 29.9 && want < 50.0);
		/* 1/65536 s resolution of A and LSR. */
		assert_true(fabs(got - want) < 0.05);
	}
	/* Meanwhile our SRs kept going to the relay. */
	assert_true(s.sr_tsc != sr_tsc);
	assert_int_equal(s.dport, 6000);
	/* A block echoing an SR we never sent (from the future) makes the RTT unknown, not stale. */
	rtt_answer(e, &s, sr_tsc, dp_clock_ntp(clk, e->now) + ((uint64_t)1 << 32), 0.5, e->now);
	assert_true(rtt_ms(e, 1) < 0);
	/* Party 1 sends an SR (through the relay): our next block's DLSR is the real delay. */
	memset(sr, 0, sizeof(sr));
	sr[0] = 0x80;
	sr[1] = 200;
	sr[3] = 6;
	put_be32(sr + 4, 2);
	put_be32(sr + 8, 0xe3001234);
	put_be32(sr + 12, 0x80000000);
	send_rtcp(e, 1, sr, sizeof(sr));
	rtt_tick(e, &s);
	t_psr = e->now;
	s.rb_lsr = 0;
	for (t = 0; t < 500 && s.rb_lsr == 0; t++)
		rtt_tick(e, &s);
	assert_int_equal(s.rb_lsr, 0x12348000);
	{
		double want = sim_s(&s, t_psr, s.rb_tsc) * 65536.0;

		print_message("dlsr %u (want %.1f)\n", s.rb_dlsr, want);
		assert_true(fabs(s.rb_dlsr - want) <= 2.0);
	}
	/* Back to the party's own port and the nominal clock for the other tests. */
	e->p[1].sport = 0;
	rtt_tick(e, &s);
	dp_clock_set(clk, e->now, 0, dp_clock_ntp(clk, e->now), nominal);
	assert_int_equal(s.dport, 5004);
}

static void
lib_policy(srtp_policy_t *pol, uint8_t *key)
{
	memset(pol, 0, sizeof(*pol));
	srtp_crypto_policy_set_rtp_default(&pol->rtp);
	srtp_crypto_policy_set_rtcp_default(&pol->rtcp);
	pol->ssrc.type = ssrc_any_inbound;
	pol->key = key;
	pol->window_size = 128;
}

/*
 * A participant on SRTP without rtcp-mux: our reports leave from local
 * port + 1 to its port + 1 as SRTCP that libsrtp2 authenticates and
 * decrypts; its SRTCP reports reach the worker (libsrtp2 protects them).
 */
static void
test_rtcp_srtcp(void **state)
{
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 0x15};
	struct env *e = *state;
	struct dp_stream_params sp;
	uint8_t kout[46], kin[46];
	srtp_policy_t pol;
	srtp_t rx_sess, tx_sess;
	uint32_t sid, our_ssrc = 0;
	int rc, reports = 0;
	uint16_t part;
	char req[256];
	json_t *r, *st;

	static bool srtp_ready; /* the test runs twice (worker configuration); init once */

	if (!srtp_ready) {
		assert_int_equal(srtp_init(), srtp_err_status_ok);
		srtp_ready = true;
	}
	for (int i = 0; i < 46; i++) {
		kout[i] = (uint8_t)(i * 7 + 1);
		kin[i] = (uint8_t)(i * 5 + 3);
	}
	dp_fixture_neigh(e->dm, "198.18.0.15", mac);
	memset(&sp, 0, sizeof(sp));
	sp.local.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.1", sp.local.addr);
	sp.local.port = rte_cpu_to_be_16(42200);
	sp.remote.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.15", sp.remote.addr);
	sp.remote.port = rte_cpu_to_be_16(5004);
	sp.rtcp_mux = false;
	sp.relay_to = DP_STREAM_NONE;
	sp.out_suite = DP_SRTP_AES_CM_128_HMAC_SHA1_80;
	memcpy(sp.out_key, kout, 30);
	sp.in_suite = DP_SRTP_AES_CM_128_HMAC_SHA1_80;
	memcpy(sp.in_key, kin, 30);
	rc = dp_flow_stream_add(&e->dm->flows, &sp);
	assert_true(rc >= 0);
	sid = (uint32_t)rc;
	snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"conference.attach\",\"args\":{\"conference_id\":%u,"
		 "\"stream_id\":%u,\"codec\":\"PCMU\"}}", e->conf, sid);
	r = call(e, req);
	assert_string_equal(code(r), "ok");
	part = (uint16_t)json_integer_value(json_object_get(json_object_get(r, "result"), "participant"));
	json_decref(r);
	lib_policy(&pol, kout);
	assert_int_equal(srtp_create(&rx_sess, &pol), srtp_err_status_ok);
	lib_policy(&pol, kin);
	pol.ssrc.type = ssrc_any_outbound;
	assert_int_equal(srtp_create(&tx_sess, &pol), srtp_err_status_ok);
	for (int t = 0; t < 500; t++) {
		struct rte_mbuf *tx[64];
		uint16_t ntx = 0;

		for (int i = 0; i < NP; i++)
			send_frame(e, i, false);
		e->now += e->tick;
		poll_worker(e, e->now, tx, RTE_DIM(tx), &ntx);
		for (uint16_t k = 0; k < ntx; k++) {
			struct rte_udp_hdr *udp =
				rte_pktmbuf_mtod_offset(tx[k], struct rte_udp_hdr *, 34);
			uint8_t pkt[1500];
			int len = rte_be_to_cpu_16(udp->dgram_len) - 8;
			struct codec_rtcp_info in;

			if (rte_be_to_cpu_16(udp->src_port) == 42200) {
				/* RTP from the port itself. */
				assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 5004);
				memcpy(pkt, udp + 1, (size_t)len);
				assert_int_equal(srtp_unprotect(rx_sess, pkt, &len), srtp_err_status_ok);
				our_ssrc = be32(pkt + 8);
			} else if (rte_be_to_cpu_16(udp->src_port) == 42201) {
				assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 5005);
				memcpy(pkt, udp + 1, (size_t)len);
				assert_int_equal(srtp_unprotect_rtcp(rx_sess, pkt, &len),
						 srtp_err_status_ok);
				assert_int_equal(codec_rtcp_parse(pkt, (size_t)len, 0, &in), 0);
				assert_int_equal(in.ssrc, our_ssrc);
				assert_true(in.has_sr);
				reports++;
			}
		}
		rte_pktmbuf_free_bulk(tx, ntx);
	}
	assert_true(reports >= 1);
	/* Its SRTCP receiver report about our stream, to our port + 1. */
	{
		uint8_t pkt[64] = {0x81, 201, 0, 7, 0, 0, 0, 9}, f[200];
		int len = 32;
		struct dp_node_out out;
		struct rte_mbuf *m;
		uint16_t flen;

		pkt[8] = (uint8_t)(our_ssrc >> 24);
		pkt[9] = (uint8_t)(our_ssrc >> 16);
		pkt[10] = (uint8_t)(our_ssrc >> 8);
		pkt[11] = (uint8_t)our_ssrc;
		pkt[15] = 5; /* cumulative lost */
		assert_int_equal(srtp_protect_rtcp(tx_sess, pkt, &len), srtp_err_status_ok);
		flen = dp_fixture_udp4(f, sizeof(f), "198.18.0.15", 5005, "198.18.0.1", 42201, pkt,
				       (uint16_t)len);
		m = dp_fixture_mbuf(e->dm, f, flen);
		dp_node_wire_rx(e->lc, &m, 1, &out);
		assert_int_equal(out.n_wire + out.n_tap, 0);
		run_tick(e);
	}
	st = part_stats(e, part);
	print_message("srtcp: %d reports decrypted by libsrtp2; remote cumulative lost %lld\n",
		      reports, json_integer_value(json_object_get(json_object_get(
				json_object_get(st, "rtcp"), "remote"), "cumulative_lost")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
				 json_object_get(st, "rtcp"), "remote"), "cumulative_lost")), 5);
	json_decref(st);
	srtp_dealloc(rx_sess);
	srtp_dealloc(tx_sess);
	assert_int_equal(dp_conf_detach(e->dm, e->conf, part), 0);
	assert_int_equal(dp_flow_stream_del(&e->dm->flows, sid), 0);
}

static uint64_t
stat_u64(json_t *o, const char *k)
{
	return (uint64_t)json_integer_value(json_object_get(o, k));
}

/* conference.create "opus_complexity" and conference.stats of conference @p id. */
static json_t *
conf_stats(struct env *e, uint16_t id)
{
	char req[128];

	snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"conference.stats\",\"args\":"
		 "{\"conference_id\":%u}}", id);
	return call(e, req);
}

/*
 * "opus_complexity" (0-10) on conference.create: malformed values are
 * refused with EINVAL, a valid one reaches every mix encoder of the engine
 * (shared and seat) and is echoed by conference.stats; without it the
 * engine's defaults apply and stats say null.
 */
static void
test_opus_complexity(void **state)
{
	static const char *const bad[] = {"-1", "11", "\"3\"", "3.5", "true", "null", "[3]",
					   "99999999999"};
	struct env *e = *state;
	struct codec_conf_cfg cc, def;
	char req[160];
	json_t *r, *st;

	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"conference.create\",\"args\":"
			 "{\"max_participants\":2,\"opus_complexity\":%s}}", bad[i]);
		r = call(e, req);
		assert_string_equal(code(r), "EINVAL");
		assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"),
								       "field")), "opus_complexity");
		json_decref(r);
	}
	codec_conf_cfg_default(&def, 2);
	for (int cx = -1; cx <= 10; cx += 11) {
		uint16_t id;

		if (cx < 0)
			snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"conference.create\",\"args\":"
				 "{\"max_participants\":2}}");
		else
			snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"conference.create\",\"args\":"
				 "{\"max_participants\":2,\"opus_complexity\":%d}}", cx);
		r = call(e, req);
		assert_string_equal(code(r), "ok");
		id = (uint16_t)json_integer_value(json_object_get(json_object_get(r, "result"),
								  "conference_id"));
		json_decref(r);
		codec_conf_get_cfg(dp_conf_lookup(e->dm, id)->engine, &cc);
		assert_int_equal(cc.opus_complexity_shared, cx < 0 ? def.opus_complexity_shared : cx);
		assert_int_equal(cc.opus_complexity_seat, cx < 0 ? def.opus_complexity_seat : cx);
		r = conf_stats(e, id);
		st = json_object_get(json_object_get(r, "result"), "opus_complexity");
		if (cx < 0)
			assert_true(json_is_null(st));
		else
			assert_int_equal(json_integer_value(st), cx);
		json_decref(r);
		assert_int_equal(dp_conf_delete(e->dm, id), 0);
	}
	/* 0, the cheapest, through the C interface too; out of range there is EINVAL. */
	{
		struct dp_conf_params p = {.max_parts = 2, .speakers = 1, .opus_complexity = 0};
		int id = dp_conf_create_params(e->dm, &p);

		assert_true(id >= 0);
		codec_conf_get_cfg(dp_conf_lookup(e->dm, (uint16_t)id)->engine, &cc);
		assert_int_equal(cc.opus_complexity_shared, 0);
		assert_int_equal(cc.opus_complexity_seat, 0);
		assert_int_equal(dp_conf_delete(e->dm, (uint16_t)id), 0);
		p.opus_complexity = 11;
		assert_int_equal(dp_conf_create_params(e->dm, &p), -EINVAL);
		p.opus_complexity = -2;
		assert_int_equal(dp_conf_create_params(e->dm, &p), -EINVAL);
	}
}

/*
 * Our SR packet and octet counts are what was handed to the wire, not what
 * the engine made: a listener whose neighbour is unknown (every packet
 * dropped by the packet path), then a full TX queue (the poll takes no
 * frame), then normal sending. Every SR must equal the RTP captured before
 * it, while the engine made more; the drops are counted by reason.
 */
static void
test_rtcp_wire_counts(void **state)
{
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 0x16};
	struct env *e = *state;
	struct dp_stream_params sp;
	uint64_t rtp = 0, octets = 0, made;
	int rc, srs = 0, t;
	uint16_t part;
	uint32_t sid;
	json_t *r, *st;
	char req[256];

	memset(&sp, 0, sizeof(sp));
	sp.local.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.1", sp.local.addr);
	sp.local.port = rte_cpu_to_be_16(42120);
	sp.remote.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.16", sp.remote.addr);
	sp.remote.port = rte_cpu_to_be_16(5004);
	sp.rtcp_mux = true;
	sp.relay_to = DP_STREAM_NONE;
	rc = dp_flow_stream_add(&e->dm->flows, &sp);
	assert_true(rc >= 0);
	sid = (uint32_t)rc;
	snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"conference.attach\",\"args\":{"
		 "\"conference_id\":%u,\"stream_id\":%u,\"codec\":\"PCMU\"}}", e->conf, sid);
	r = call(e, req);
	assert_string_equal(code(r), "ok");
	part = (uint16_t)json_integer_value(json_object_get(json_object_get(r, "result"),
							     "participant"));
	json_decref(r);
	/* 1 s without a neighbour, 1 s with a full queue, then up to 20 s of sending. */
	for (t = 0; t < 1100 && srs < 2; t++) {
		struct rte_mbuf *tx[64];
		uint16_t ntx = 0;

		if (t == 50)
			dp_fixture_neigh(e->dm, "198.18.0.16", mac);
		for (int i = 0; i < NP; i++)
			send_frame(e, i, false);
		e->now += e->tick;
		poll_worker(e, e->now, tx, t < 100 ? 0 : RTE_DIM(tx), &ntx);
		if (t < 100)
			assert_int_equal(ntx, 0);
		for (uint16_t k = 0; k < ntx; k++) {
			struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(tx[k], struct rte_udp_hdr *,
									  34);
			const uint8_t *p = (const uint8_t *)(udp + 1);
			uint16_t len = (uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - 8);

			if (rte_be_to_cpu_16(udp->src_port) != 42120)
				continue;
			if (p[1] < 200 || p[1] > 204) {
				rtp++;
				octets += len - 12u;
			} else if (p[1] == 200) {
				print_message("SR %d at tick %d: packets %u octets %u, captured %" PRIu64
					      " / %" PRIu64 "\n", srs, t, be32(p + 20), be32(p + 24),
					      rtp, octets);
				assert_int_equal(be32(p + 20), rtp);
				assert_int_equal(be32(p + 24), octets);
				srs++;
			}
		}
		rte_pktmbuf_free_bulk(tx, ntx);
	}
	assert_int_equal(srs, 2);
	st = part_stats(e, part);
	made = stat_u64(st, "tx_packets");
	print_message("engine made %" PRIu64 " packets, %" PRIu64 " left\n", made, rtp);
	assert_true(made >= rtp + 90);
	assert_int_equal(stat_u64(json_object_get(st, "rtcp"), "packets_sent"), rtp);
	assert_int_equal(stat_u64(json_object_get(st, "rtcp"), "octets_sent"), octets);
	json_decref(st);
	snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"conference.stats\",\"args\":{"
		 "\"conference_id\":%u}}", e->conf);
	r = call(e, req);
	st = json_object_get(json_object_get(r, "result"), "tx_drop_reasons");
	print_message("tx drops: path %" PRIu64 " queue_full %" PRIu64 "\n", stat_u64(st, "path"),
		      stat_u64(st, "queue_full"));
	assert_true(stat_u64(st, "path") >= 50);
	assert_true(stat_u64(st, "queue_full") >= 4 * 50);
	json_decref(r);
	assert_int_equal(dp_conf_detach(e->dm, e->conf, part), 0);
	assert_int_equal(dp_flow_stream_del(&e->dm->flows, sid), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_party_mix),
		cmocka_unit_test(test_lobby_prompt),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_send_dtmf),
		cmocka_unit_test(test_rtcp),
		cmocka_unit_test(test_rtcp_srtcp),
		cmocka_unit_test(test_rtcp_wire_counts),
		cmocka_unit_test(test_rtcp_rtt_tsc_rate),
		cmocka_unit_test(test_opus_complexity),
		cmocka_unit_test(test_attach_backplane_group),
		cmocka_unit_test(test_ctl_ops),
	};

	int fails = cmocka_run_group_tests_name("dp_conf", tests, setup, teardown);

	/* The same with a dedicated worker lcore handing its packets to the io lcore. */
	return fails + cmocka_run_group_tests_name("dp_conf_worker_lcore", tests, setup_dedicated,
						   teardown);
}
