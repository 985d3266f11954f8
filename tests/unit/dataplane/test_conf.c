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
 * plays to it alone, an unloaded prompt is refused with ENODATA. Also the
 * control operations and their errors (malformed arguments of each op).
 */
#include <arpa/inet.h>
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

#include "codec.h"
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

static int
setup(void **state)
{
	static const uint8_t macs[NP][6] = {{2, 0, 0, 0, 0, 0x11}, {2, 0, 0, 0, 0, 0x12},
					    {2, 0, 0, 0, 0, 0x13}};
	struct env *e = calloc(1, sizeof(*e));
	int id;

	assert_non_null(e);
	assert_int_equal(dp_fixture_create(64, 4095, &e->dm, &e->lc), 0);
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
	dp_fixture_destroy(e->dm);
	free(e);
	return 0;
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
	flen = dp_fixture_udp4(f, sizeof(f), ips[i], 5004, "198.18.0.1", (uint16_t)(42000 + 2 * i),
			       rtp, (uint16_t)(12 + len));
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
	dp_worker_poll(e->lc, e->now, tx, RTE_DIM(tx), &ntx);
	for (uint16_t k = 0; k < ntx; k++) {
		struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(tx[k], struct rte_udp_hdr *, 34);
		uint16_t sport = rte_be_to_cpu_16(udp->src_port);
		int i = (sport - 42000) / 2;
		const uint8_t *rtp = (const uint8_t *)(udp + 1);
		size_t plen = rte_be_to_cpu_16(udp->dgram_len) - 8 - 12;
		struct party *p;

		assert_true(i >= 0 && i < NP);
		assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 5004);
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
		dp_worker_poll(e->lc, e->now, tx, RTE_DIM(tx), &ntx);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_party_mix),
		cmocka_unit_test(test_lobby_prompt),
		cmocka_unit_test(test_send_dtmf),
		cmocka_unit_test(test_ctl_ops),
	};

	return cmocka_run_group_tests_name("dp_conf", tests, setup, teardown);
}
