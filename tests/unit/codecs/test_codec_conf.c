/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_codec_conf.c - one conference end to end in memory (codec_conf.h):
 * three participants on Opus, G.722 and G.711 send 440/660/880 Hz; each
 * listener's decoded output holds the other two tones and not its own; mute
 * removes a tone; a lone participant costs no decode and no encode; RFC 4733
 * digits in and out, and their sequence numbers in the loss figures; quiet
 * Opus participants are not decoded, yet a new talker is seated as fast; a
 * participant on hold (send false) gets no packet and costs no encode, and
 * one with recv false is not heard whatever its admin mute says.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codec_conf.h"
#include "codec_test_util.h"

#define NPART 3
#define TICKS 60

static const enum codec_id ids[NPART] = {CODEC_OPUS, CODEC_G722, CODEC_PCMU};
static const double hz[NPART] = {440, 660, 880};

struct rig {
	struct codec_conf *c;
	uint16_t idx[NPART];
	struct codec_enc *enc[NPART];
	struct codec_dec *dec[NPART];
	uint16_t seq[NPART];
	int16_t out[NPART][TICKS * CODEC_FRAME];
	unsigned int pkts[NPART];           /* packets each listener got */
	struct codec_conf_out last[NPART];  /* the last of them */
	struct codec_conf_tick_stats ts;    /* of the last tick */
};

static void
rig_init(struct rig *r)
{
	struct codec_conf_cfg cc;

	memset(r, 0, sizeof(*r));
	codec_conf_cfg_default(&cc, 8);
	assert_int_equal(codec_conf_create(&cc, &r->c), 0);
	for (int i = 0; i < NPART; i++) {
		struct codec_part_cfg pc;

		codec_part_cfg_default(&pc, ids[i]);
		pc.tx_ssrc = 0x1000u + (uint32_t)i;
		pc.dtmf_pt = 101;
		assert_int_equal(codec_conf_part_add(r->c, &pc, &r->idx[i]), 0);
		assert_int_equal(codec_enc_create(&pc.rx, &r->enc[i]), 0);
		assert_int_equal(codec_dec_create(&pc.tx, &r->dec[i]), 0);
	}
}

static void
rig_fini(struct rig *r)
{
	for (int i = 0; i < NPART; i++) {
		codec_enc_destroy(r->enc[i]);
		codec_dec_destroy(r->dec[i]);
	}
	codec_conf_destroy(r->c);
}

/* Run ticks; sources send their tone; listeners decode what they get. */
static void
run(struct rig *r, int ticks, bool send[NPART])
{
	struct codec_conf_out o[16];
	int16_t x[CODEC_FRAME];
	uint8_t pkt[CODEC_MAX_PAYLOAD];

	for (int t = 0; t < ticks; t++) {
		uint16_t n;

		for (int i = 0; i < NPART; i++) {
			uint32_t ft = codec_rtp_frame_ts(ids[i]);
			int len;

			tu_tone(x, CODEC_FRAME, CODEC_RATE, hz[i], send[i] ? 6000 : 0,
				(size_t)t * CODEC_FRAME);
			len = codec_enc_encode(r->enc[i], x, pkt, sizeof(pkt));
			assert_true(len > 0);
			assert_true(codec_conf_rx(r->c, r->idx[i], (uint8_t)(i == 0 ? 111 : i == 1 ? 9 : 0),
						  r->seq[i], r->seq[i] * ft, pkt, (size_t)len,
						  (uint64_t)t * 20000) >= 0);
			r->seq[i]++;
		}
		n = codec_conf_tick(r->c, o, 16, &r->ts);
		for (int i = 0; i < NPART; i++)
			memset(r->out[i] + t * CODEC_FRAME, 0, CODEC_FRAME * sizeof(int16_t));
		for (uint16_t k = 0; k < n; k++) {
			int i = o[k].idx;

			assert_int_equal(o[k].ssrc, 0x1000u + (uint32_t)i);
			r->pkts[i]++;
			r->last[i] = o[k];
			assert_int_equal(codec_dec_decode(r->dec[i], o[k].payload, o[k].len,
							  r->out[i] + t * CODEC_FRAME), 0);
		}
	}
}

static void
test_three_codecs(void **state)
{
	static struct rig r;
	bool send[NPART] = {true, true, true};
	struct codec_conf_part_stats st;

	(void)state;
	rig_init(&r);
	run(&r, TICKS, send);
	for (int l = 0; l < NPART; l++) {
		const int16_t *y = r.out[l] + 30 * CODEC_FRAME; /* last 600 ms */
		size_t n = 30 * CODEC_FRAME;

		for (int s = 0; s < NPART; s++) {
			double share = tu_tone_share(y, n, CODEC_RATE, hz[s]);

			if (s == l)
				assert_true(share < 0.01);
			else
				assert_true(share > 0.25);
		}
	}
	assert_int_equal(codec_conf_part_stats(r.c, r.idx[1], &st), 0);
	assert_int_equal(st.decode_errors, 0);
	assert_true(st.jb.received == TICKS);
	assert_true(st.level_dbov > -20);
	/* Mute 660 Hz: gone from everyone's mix. */
	assert_int_equal(codec_conf_set_mute(r.c, r.idx[1], true), 0);
	run(&r, 20, send);
	assert_true(tu_tone_share(r.out[0] + 5 * CODEC_FRAME, 15 * CODEC_FRAME, CODEC_RATE, 660) < 0.01);
	assert_true(tu_tone_share(r.out[2] + 5 * CODEC_FRAME, 15 * CODEC_FRAME, CODEC_RATE, 660) < 0.01);
	assert_true(tu_tone_share(r.out[0] + 5 * CODEC_FRAME, 15 * CODEC_FRAME, CODEC_RATE, 880) > 0.5);
	rig_fini(&r);
}

/* Hold (RFC 3264 §6.1): what the engine sends and mixes follows the direction. */
static void
test_direction(void **state)
{
	static struct rig r;
	bool send[NPART] = {true, true, true};
	struct codec_conf_part_stats st;
	struct codec_conf_out before;
	unsigned int p0, p1;

	(void)state;
	rig_init(&r);
	run(&r, 30, send);
	assert_int_equal(r.pkts[2], 30);
	assert_int_equal(r.ts.encodes, 3); /* three talkers: three N-1 mixes */
	before = r.last[2];
	p0 = r.pkts[0];
	p1 = r.pkts[1];
	/* The PCMU participant holds (sendonly offer, recvonly answer): nothing to it. */
	assert_int_equal(codec_conf_set_direction(r.c, r.idx[2], false, true), 0);
	assert_int_equal(codec_conf_part_stats(r.c, r.idx[2], &st), 0);
	assert_false(st.send);
	assert_true(st.recv);
	run(&r, 20, send);
	assert_int_equal(r.pkts[2], 30);
	assert_int_equal(r.ts.encodes, 2); /* its N-1 mix is not made */
	assert_int_equal(r.pkts[0], p0 + 20);
	assert_int_equal(r.pkts[1], p1 + 20);
	/* It still talks (music on hold is allowed) and the others still hear it. */
	assert_true(tu_tone_share(r.out[0] + 5 * CODEC_FRAME, 15 * CODEC_FRAME, CODEC_RATE, 880) > 0.25);
	assert_int_equal(codec_conf_part_stats(r.c, r.idx[2], &st), 0);
	assert_int_equal(st.tx_packets, 30);
	/* Resume: the timeline went on, the first packet starts a talkspurt. */
	assert_int_equal(codec_conf_set_direction(r.c, r.idx[2], true, true), 0);
	run(&r, 1, send);
	assert_int_equal(r.pkts[2], 31);
	assert_true(r.last[2].marker);
	assert_int_equal(r.last[2].seq, (uint16_t)(before.seq + 1));
	assert_int_equal(r.last[2].ts, before.ts + 21u * 160u);

	/* recv false: 660 Hz is gone from the mixes, and unmuting does not bring it back. */
	assert_int_equal(codec_conf_set_direction(r.c, r.idx[1], true, false), 0);
	assert_int_equal(codec_conf_set_mute(r.c, r.idx[1], false), 0);
	p1 = r.pkts[1];
	run(&r, 20, send);
	assert_int_equal(r.pkts[1], p1 + 20);
	assert_true(tu_tone_share(r.out[0] + 5 * CODEC_FRAME, 15 * CODEC_FRAME, CODEC_RATE, 660) < 0.01);
	assert_true(tu_tone_share(r.out[2] + 5 * CODEC_FRAME, 15 * CODEC_FRAME, CODEC_RATE, 660) < 0.01);
	assert_int_equal(codec_conf_part_stats(r.c, r.idx[1], &st), 0);
	assert_true(st.send);
	assert_false(st.recv);
	assert_false(st.muted);
	/* sendrecv again: heard again, but an admin mute still holds it back. */
	assert_int_equal(codec_conf_set_direction(r.c, r.idx[1], true, true), 0);
	run(&r, 20, send);
	assert_true(tu_tone_share(r.out[0] + 5 * CODEC_FRAME, 15 * CODEC_FRAME, CODEC_RATE, 660) > 0.25);
	assert_int_equal(codec_conf_set_mute(r.c, r.idx[1], true), 0);
	assert_int_equal(codec_conf_set_direction(r.c, r.idx[1], true, true), 0);
	run(&r, 20, send);
	assert_true(tu_tone_share(r.out[0] + 5 * CODEC_FRAME, 15 * CODEC_FRAME, CODEC_RATE, 660) < 0.01);
	assert_int_equal(codec_conf_set_direction(r.c, 7, true, true), -ENOENT);
	rig_fini(&r);
}

static void
test_idle_and_lone(void **state)
{
	struct codec_conf_cfg cc;
	struct codec_conf *c;
	struct codec_part_cfg pc;
	struct codec_conf_out o[4];
	struct codec_conf_tick_stats ts;
	uint8_t pl[160];
	uint16_t idx;

	(void)state;
	codec_conf_cfg_default(&cc, 4);
	assert_int_equal(codec_conf_create(&cc, &c), 0);
	codec_part_cfg_default(&pc, CODEC_PCMU);
	assert_int_equal(codec_conf_part_add(c, &pc, &idx), 0);
	memset(pl, 0x80, sizeof(pl)); /* loud */
	for (int t = 0; t < 20; t++) {
		assert_int_equal(codec_conf_rx(c, idx, 0, (uint16_t)t, (uint32_t)t * 160, pl, 160,
					       (uint64_t)t * 20000), 0);
		/* Alone: drained, not decoded; nothing mixed or encoded; pre-encoded silence sent. */
		assert_int_equal(codec_conf_tick(c, o, 4, &ts), 1);
		assert_int_equal(ts.decoded, 0);
		assert_int_equal(ts.encodes, 0);
		assert_int_equal(o[0].len, 160);
		assert_int_equal(o[0].payload[0], 0xff);
	}
	assert_int_equal(codec_conf_rx(c, idx, 96, 0, 0, pl, 160, 0), -EPROTO);
	assert_int_equal(codec_conf_rx(c, 3, 0, 0, 0, pl, 160, 0), -ENOENT);
	codec_conf_destroy(c);
}

static void
test_dtmf(void **state)
{
	static struct rig r;
	bool send[NPART] = {false, false, false};
	struct codec_conf_out o[16];
	uint8_t ev[4] = {5, 0x0a, 0, 160};
	uint16_t who, n, tel = 0;
	char d;

	(void)state;
	rig_init(&r);
	assert_int_equal(codec_conf_rx(r.c, r.idx[2], 101, 1, 5000, ev, 4, 0), 0);
	ev[1] |= 0x80;
	for (int k = 0; k < 3; k++)
		assert_int_equal(codec_conf_rx(r.c, r.idx[2], 101, (uint16_t)(2 + k), 5000, ev, 4, 0), 0);
	assert_int_equal(codec_conf_dtmf_poll(r.c, &who, &d), 1);
	assert_int_equal(who, r.idx[2]);
	assert_int_equal(d, '5');
	assert_int_equal(codec_conf_dtmf_poll(r.c, &who, &d), 0);
	run(&r, 5, send);
	assert_int_equal(codec_conf_send_dtmf(r.c, r.idx[1], "9", 0), 0);
	for (int t = 0; t < 30; t++) {
		n = codec_conf_tick(r.c, o, 16, NULL);
		for (uint16_t k = 0; k < n; k++)
			if (o[k].pt == 101) {
				assert_int_equal(o[k].idx, r.idx[1]);
				assert_int_equal(o[k].payload[0], 9);
				tel++;
			}
	}
	/* 250 ms rounds up to 13 ticks: 12 growing packets, then the end packet 3 times. */
	assert_int_equal(tel, 12 + 3);
	rig_fini(&r);
}

/*
 * RFC 4733 events take sequence numbers of the audio stream but skip the
 * jitter buffer: audio 0..9, one digit as events 10..14 (two growing
 * packets, then the end packet three times), audio 15..39, all contiguous,
 * must give 0 lost in the stats and in the report block figures; then a
 * real gap of one sequence number counts 1.
 */
static void
test_dtmf_seq_loss(void **state)
{
	static struct rig r;
	struct codec_conf_part_stats st;
	struct codec_conf_rtcp rc;
	struct codec_conf_out o[16];
	uint8_t ev[4] = {7, 0x0a, 0, 160}, pl[160];
	uint16_t seq = 100, who;
	uint32_t ts = 8000;
	char d;

	(void)state;
	rig_init(&r);
	memset(pl, 0xff, sizeof(pl)); /* PCMU silence */
	for (int t = 0; t < 40; t++) {
		if (t >= 10 && t < 15) {
			/* The event starts at ts and grows; the last three are its end. */
			ev[1] = t >= 12 ? 0x8a : 0x0a;
			ev[2] = (uint8_t)((160 * (t - 9)) >> 8);
			ev[3] = (uint8_t)(160 * (t - 9));
			assert_int_equal(codec_conf_rx(r.c, r.idx[2], 101, seq++, 8000 + 10 * 160, ev, 4,
						       (uint64_t)t * 20000), 0);
		} else {
			assert_int_equal(codec_conf_rx(r.c, r.idx[2], 0, seq++, ts, pl, sizeof(pl),
						       (uint64_t)t * 20000), 0);
		}
		ts += 160;
		codec_conf_tick(r.c, o, 16, NULL);
	}
	assert_int_equal(codec_conf_dtmf_poll(r.c, &who, &d), 1);
	assert_int_equal(d, '7');
	assert_int_equal(codec_conf_part_stats(r.c, r.idx[2], &st), 0);
	assert_int_equal(codec_conf_rtcp(r.c, r.idx[2], &rc), 0);
	print_message("audio + events: received %lu lost %lu; rb cumulative %d fraction %u max %u\n",
		      (unsigned long)st.jb.received, (unsigned long)st.jb.lost, rc.rr.cumulative_lost,
		      rc.rr.fraction_lost, rc.rr.ext_max_seq);
	assert_int_equal(st.jb.received, 40);
	assert_int_equal(st.jb.lost, 0);
	assert_int_equal(rc.rr.cumulative_lost, 0);
	assert_int_equal(rc.rr.fraction_lost, 0);
	assert_int_equal(rc.rr.ext_max_seq, seq - 1u);
	/* One sequence number really missing (an event lost on the way) counts. */
	seq++;
	assert_int_equal(codec_conf_rx(r.c, r.idx[2], 101, seq++, 8000 + 40 * 160, ev, 4, 800000), 0);
	assert_int_equal(codec_conf_part_stats(r.c, r.idx[2], &st), 0);
	assert_int_equal(codec_conf_rtcp(r.c, r.idx[2], &rc), 0);
	assert_int_equal(st.jb.lost, 1);
	assert_int_equal(rc.rr.cumulative_lost, 1);
	rig_fini(&r);
}

/*
 * A dial-out sequence as the guide times it: nothing for the lead (3 s, the
 * participant hears the conference meanwhile), then one digit every 0.5 s
 * and 2 s per ','; the event timestamps step by exactly those amounts.
 */
static void
test_dtmf_dialout_timing(void **state)
{
	static struct rig r;
	bool send[NPART] = {true, false, false};
	struct codec_conf_out o[16];
	uint32_t ev_ts[8], first_tel = 0, audio_in_lead = 0;
	uint16_t n;
	int events = 0, ends = 0;

	(void)state;
	rig_init(&r);
	run(&r, 5, send);
	/* Malformed sequences and the missing telephone-event type. */
	assert_int_equal(codec_conf_send_dtmf(r.c, r.idx[2], "12x", 3000), -EINVAL);
	assert_int_equal(codec_conf_send_dtmf(r.c, r.idx[2], "", 3000), -EINVAL);
	assert_int_equal(codec_conf_send_dtmf(r.c, 7, "1", 3000), -ENOENT);
	assert_int_equal(codec_conf_dtmf_ms(r.c, r.idx[2], "66#,1"), 4 * 500 + 2000);
	assert_int_equal(codec_conf_dtmf_ms(r.c, r.idx[2], "6x"), 0);
	assert_int_equal(codec_conf_send_dtmf(r.c, r.idx[2], "66#,1", 3000), 0);
	assert_int_equal(codec_conf_send_dtmf(r.c, r.idx[2], "2", 0), -EBUSY);
	for (uint32_t t = 0; t < 150 + 200 + 20; t++) {
		int16_t x[CODEC_FRAME];
		uint8_t pkt[CODEC_MAX_PAYLOAD];
		int len;

		/* Participant 0 talks all along; participant 2 (PCMU) hears it. */
		tu_tone(x, CODEC_FRAME, CODEC_RATE, hz[0], 6000, (size_t)t * CODEC_FRAME);
		len = codec_enc_encode(r.enc[0], x, pkt, sizeof(pkt));
		assert_true(len > 0);
		codec_conf_rx(r.c, r.idx[0], 111, r.seq[0], r.seq[0] * 960u, pkt, (size_t)len,
			      (uint64_t)(t + 5) * 20000);
		r.seq[0]++;
		n = codec_conf_tick(r.c, o, 16, NULL);
		for (uint16_t k = 0; k < n; k++) {
			if (o[k].idx != r.idx[2])
				continue;
			if (o[k].pt == 0 && first_tel == 0)
				audio_in_lead++;
			if (o[k].pt != 101)
				continue;
			assert_int_equal(o[k].len, 4);
			if (first_tel == 0)
				first_tel = t;
			if (o[k].marker) {
				assert_true(events < 8);
				ev_ts[events++] = o[k].ts;
			}
			if (o[k].payload[1] & 0x80) {
				ends++;
				/* 260 ms at 8 kHz */
				assert_int_equal(o[k].payload[2] << 8 | o[k].payload[3], 13 * 160);
			}
		}
	}
	print_message("first telephone-event at tick %u, %u audio packets before\n", first_tel,
		      audio_in_lead);
	assert_int_equal(first_tel, 150);   /* 3 s lead */
	assert_int_equal(audio_in_lead, 150);
	assert_int_equal(events, 4);
	assert_int_equal(ends, 4 * 3);
	assert_int_equal(ev_ts[1] - ev_ts[0], 500 * 8);
	assert_int_equal(ev_ts[2] - ev_ts[1], 500 * 8);
	assert_int_equal(ev_ts[3] - ev_ts[2], (500 + 2000) * 8);
	rig_fini(&r);
}

/*
 * Quiet participants. Four Opus participants: 0 talks all along, 1-3 send
 * background noise at -60 dBov; at tick ONSET participant 3 starts talking.
 * Listener 1's decoded output is recorded.
 */
#define QP 4
#define ONSET 100
#define QTICKS 140

struct onset_run {
	int seated_at;                        /* first tick participant 3 is seated */
	uint64_t skipped[QP];
	uint64_t decoded_ticks;               /* sum of tick stats decoded */
	int level_before[QP];                 /* smoothed levels just before the onset */
	int16_t heard[QTICKS * CODEC_FRAME];  /* listener 1 */
};

static void
onset_run(bool quiet_skip, bool celt_sender, int onset, struct onset_run *res)
{
	struct codec_conf_cfg cc;
	struct codec_conf *c;
	struct codec_enc *enc[QP];
	struct codec_dec *dec;
	struct codec_conf_out o[16];
	struct codec_conf_tick_stats ts;
	uint16_t idx[QP];
	uint32_t seed = 11;

	memset(res, 0, sizeof(*res));
	res->seated_at = -1;
	codec_conf_cfg_default(&cc, 8);
	cc.quiet_skip = quiet_skip;
	assert_int_equal(codec_conf_create(&cc, &c), 0);
	for (int i = 0; i < QP; i++) {
		struct codec_part_cfg pc;

		codec_part_cfg_default(&pc, CODEC_OPUS);
		pc.tx_ssrc = 0x2000u + (uint32_t)i;
		assert_int_equal(codec_conf_part_add(c, &pc, &idx[i]), 0);
		pc.rx.celt_only = celt_sender && i == 3;
		assert_int_equal(codec_enc_create(&pc.rx, &enc[i]), 0);
		if (i == 1)
			assert_int_equal(codec_dec_create(&pc.tx, &dec), 0);
	}
	for (int t = 0; t < QTICKS; t++) {
		int16_t x[CODEC_FRAME];
		uint8_t pkt[CODEC_MAX_PAYLOAD];
		uint16_t n;

		for (int i = 0; i < QP; i++) {
			int len;

			if (i == 0 || (i == 3 && t >= onset))
				tu_voice(x, CODEC_FRAME, CODEC_RATE, 8000, (size_t)t * CODEC_FRAME);
			else
				for (int k = 0; k < CODEC_FRAME; k++)
					x[k] = tu_noise(&seed, 32);
			len = codec_enc_encode(enc[i], x, pkt, sizeof(pkt));
			assert_true(len > 0);
			assert_int_equal(codec_conf_rx(c, idx[i], 111, (uint16_t)t, (uint32_t)t * 960u,
						       pkt, (size_t)len, (uint64_t)t * 20000), 0);
		}
		if (t == onset - 1)
			for (int i = 0; i < QP; i++)
				res->level_before[i] = codec_mix_level_dbov(codec_conf_mix(c), idx[i]);
		n = codec_conf_tick(c, o, 16, &ts);
		res->decoded_ticks += ts.decoded;
		if (res->seated_at < 0 && codec_mix_seat_of(codec_conf_mix(c), idx[3]) != CODEC_MIX_NONE)
			res->seated_at = t;
		for (uint16_t k = 0; k < n; k++)
			if (o[k].idx == idx[1])
				assert_int_equal(codec_dec_decode(dec, o[k].payload, o[k].len,
								  res->heard + t * CODEC_FRAME), 0);
	}
	for (int i = 0; i < QP; i++) {
		struct codec_conf_part_stats st;

		assert_int_equal(codec_conf_part_stats(c, idx[i], &st), 0);
		res->skipped[i] = st.skipped;
		codec_enc_destroy(enc[i]);
	}
	codec_dec_destroy(dec);
	codec_conf_destroy(c);
}

/*
 * Quiet participants are pulled but not decoded (checked every few frames),
 * and a participant who starts talking is seated within 5 ticks of its first
 * voiced packet, exactly when it would be if everyone were decoded; what the
 * others hear then is the same as with everyone decoded (the decoder is
 * warmed up on the last skipped packet). A CELT-only sender, whose packets
 * carry no VAD flag, is always decoded, so it is seated as fast too.
 */
static void
test_quiet_skip_onset(void **state)
{
	static struct onset_run off, on, ph_off, ph_on, celt_off, celt_on;
	size_t from, n;
	double snr;

	(void)state;
	onset_run(false, false, ONSET, &off);
	onset_run(true, false, ONSET, &on);
	print_message("seated at tick %d (all decoded: %d); onset %d\n", on.seated_at,
		      off.seated_at, ONSET);
	print_message("skipped frames of 1..3: %lu %lu %lu of %d; decodes %lu vs %lu\n",
		      (unsigned long)on.skipped[1], (unsigned long)on.skipped[2],
		      (unsigned long)on.skipped[3], QTICKS, (unsigned long)on.decoded_ticks,
		      (unsigned long)off.decoded_ticks);
	for (int i = 1; i < QP; i++) {
		assert_int_equal(off.skipped[i], 0);
		/* Skipping starts after 5 quiet frames, with one check every 8. */
		assert_true(on.skipped[i] >= (i == 3 ? 70u : 100u));
		assert_true(on.level_before[i] < -50);
	}
	assert_int_equal(on.skipped[0], 0); /* seated: always decoded */
	assert_true(on.decoded_ticks * 2 < off.decoded_ticks);
	assert_true(on.seated_at >= ONSET && on.seated_at <= ONSET + 5);
	assert_int_equal(on.seated_at, off.seated_at);
	/* The onset at every phase of the level-check cadence. */
	for (int ph = 1; ph < CODEC_CONF_CHECK_VAD; ph++) {
		onset_run(false, false, ONSET + ph, &ph_off);
		onset_run(true, false, ONSET + ph, &ph_on);
		assert_true(ph_on.seated_at >= ONSET + ph && ph_on.seated_at <= ONSET + ph + 5);
		assert_int_equal(ph_on.seated_at, ph_off.seated_at);
	}
	onset_run(false, true, ONSET, &celt_off);
	onset_run(true, true, ONSET, &celt_on);
	print_message("CELT sender: seated at %d (all decoded: %d), %lu skipped\n",
		      celt_on.seated_at, celt_off.seated_at, (unsigned long)celt_on.skipped[3]);
	assert_int_equal(celt_on.skipped[3], 0);
	assert_int_equal(celt_on.seated_at, celt_off.seated_at);
	/* Listener 1 hears the same conference either way once 3 is seated. */
	from = (size_t)on.seated_at * CODEC_FRAME;
	n = (size_t)(QTICKS - on.seated_at) * CODEC_FRAME;
	snr = tu_snr(off.heard + from, on.heard + from, n, 0, 0, NULL);
	print_message("listener 1 after the onset, skipping vs all decoded: SNR %.1f dB\n", snr);
	assert_true(snr >= 30.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_codecs),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_idle_and_lone),
		cmocka_unit_test(test_dtmf),
		cmocka_unit_test(test_dtmf_dialout_timing),
		cmocka_unit_test(test_dtmf_seq_loss),
		cmocka_unit_test(test_quiet_skip_onset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
