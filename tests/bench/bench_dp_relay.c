/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * bench_dp_relay.c - relay throughput of one lcore through the real RX path.
 *
 * 10,000 ingress streams each relay to their own egress stream (20,000
 * entries in the flow table). Bursts of 32 200-byte RTP packets, one per
 * stream in round-robin order, go through dp_node_wire_rx() exactly as the
 * io loop calls it: classify, bulk flow lookup, RTP validation, SRTP
 * unprotect, route, SRTP protect, new headers with checksums; the frames it
 * outputs are freed (what a TX to net_null does).
 *
 * Each burst is prepared outside the timed region: the mbufs are filled from
 * templates and, for SRTP modes, protected by a sender with the ingress keys
 * so every packet is fresh (the replay window would refuse a repeat). The
 * same 200-byte packets are then re-keyed by libsrtp2 as packaged
 * (srtp_unprotect + srtp_protect per packet, no parsing or headers) for
 * comparison in the same run, with the same number of streams and with 100
 * (libsrtp2 on NSS slows down as sessions accumulate).
 *
 * Prints: BENCH dp_relay_<mode> impl=<tessera|libsrtp2> mpps=.. ns_per_pkt=..
 * Usage: bench_dp_relay [seconds per figure, default 2] [streams, default 10000] [mode]
 * (mode: plain, srtp_aescm80 or srtp_gcm128 to run one Tessera figure only).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <srtp2/srtp.h>

#include "dp_fixture.h"
#include "dp_node.h"

#define PKT_PAYLOAD 188 /* + 12-byte RTP header = 200 bytes */

struct mode {
	const char *name;
	enum dp_srtp_suite in, out;
};

static const struct mode modes[] = {
	{"plain", DP_SRTP_NULL, DP_SRTP_NULL},
	{"srtp_aescm80", DP_SRTP_AES_CM_128_HMAC_SHA1_80, DP_SRTP_AES_CM_128_HMAC_SHA1_80},
	{"srtp_gcm128", DP_SRTP_AEAD_AES_128_GCM, DP_SRTP_AEAD_AES_128_GCM},
};

static uint32_t n_streams = 10000;
static double seconds = 2.0;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Ingress keys (dir 0) are the same for every stream so the untimed sender
 * needs one key schedule instead of 10,000 (whose 20 MB would evict the
 * relay's own state between bursts); the relay still holds 10,000 separate
 * copies. Egress keys (dir 1) differ per stream.
 */
static void
key_for(uint32_t i, int dir, uint8_t *k)
{
	for (int j = 0; j < 46; j++)
		k[j] = (uint8_t)((dir ? i * 31 : 0) + j * 7 + dir * 101);
}

static void
add_pair(struct dp_main *dm, uint32_t i, const struct mode *m)
{
	struct dp_stream_params p;
	int b;

	memset(&p, 0, sizeof(p));
	p.local.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.1", p.local.addr);
	p.local.port = rte_cpu_to_be_16((uint16_t)(20000 + i * 2 + 1));
	p.remote.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.12", p.remote.addr);
	p.remote.port = rte_cpu_to_be_16(5004);
	p.latch = true;
	p.rtcp_mux = true;
	p.dscp = 46;
	p.relay_to = DP_STREAM_NONE;
	p.out_suite = m->out;
	key_for(i, 1, p.out_key);
	b = dp_flow_stream_add(&dm->flows, &p);
	memset(&p.remote, 0, sizeof(p.remote));
	p.local.port = rte_cpu_to_be_16((uint16_t)(20000 + i * 2));
	p.relay_to = (uint32_t)b;
	p.out_suite = DP_SRTP_NULL;
	p.in_suite = m->in;
	key_for(i, 0, p.in_key);
	if (b < 0 || dp_flow_stream_add(&dm->flows, &p) < 0) {
		fprintf(stderr, "bench: cannot add stream pair %u\n", i);
		exit(1);
	}
}

struct sender {
	struct dp_srtp_session *sess; /* the ingress keys (shared, see key_for) */
	struct dp_srtp_state *st;
	uint16_t *seq;
	uint8_t (*frame)[256];        /* per stream template: Eth/IP/UDP/RTP */
	uint16_t frame_len;
};

static void
sender_init(struct sender *s, struct dp_main *dm, IMB_MGR *mb, const struct mode *m)
{
	uint8_t rtp[12 + PKT_PAYLOAD] = {0x80, 0};

	s->sess = aligned_alloc(64, sizeof(*s->sess));
	s->st = calloc(n_streams, sizeof(*s->st));
	s->seq = calloc(n_streams, sizeof(*s->seq));
	s->frame = malloc(sizeof(*s->frame) * n_streams);
	if (s->sess == NULL || s->st == NULL || s->seq == NULL || s->frame == NULL)
		exit(1);
	{
		uint8_t k[46];

		key_for(0, 0, k);
		memset(s->sess, 0, sizeof(*s->sess));
		if (m->in != DP_SRTP_NULL)
			dp_srtp_session_init(s->sess, mb, m->in, k, dp_srtp_suite_key_len(m->in),
					     k + dp_srtp_suite_key_len(m->in),
					     dp_srtp_suite_salt_len(m->in));
	}
	for (uint32_t i = 0; i < n_streams; i++) {
		dp_srtp_state_reset(&s->st[i]);
		rtp[8] = (uint8_t)(i >> 8);
		rtp[9] = (uint8_t)i;
		rtp[11] = 0x5a;
		s->frame_len = dp_fixture_udp4(s->frame[i], sizeof(s->frame[i]), "198.18.0.11", 5002,
					       "198.18.0.1", (uint16_t)(20000 + i * 2), rtp,
					       sizeof(rtp));
	}
	(void)dm;
}

/* Fill @p pkts with the next packet of streams @p first.. (protected if SRTP). */
static void
prepare(struct sender *s, struct dp_main *dm, IMB_MGR *mb, const struct mode *m,
	uint32_t first, struct rte_mbuf **pkts)
{
	struct dp_srtp_op ops[DP_BURST];

	if (rte_pktmbuf_alloc_bulk(dm->pool, pkts, DP_BURST) != 0) {
		fprintf(stderr, "bench: mbuf pool empty\n");
		exit(1);
	}
	for (int i = 0; i < DP_BURST; i++) {
		uint32_t sid = (first + (uint32_t)i) % n_streams;
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(pkts[i], s->frame_len);
		uint8_t *rtp = d + 42;
		uint16_t seq = ++s->seq[sid];

		memcpy(d, s->frame[sid], s->frame_len);
		rtp[2] = (uint8_t)(seq >> 8);
		rtp[3] = (uint8_t)seq;
		ops[i].pkt = rtp;
		ops[i].len = s->frame_len - 42;
		ops[i].room = (uint16_t)(rte_pktmbuf_tailroom(pkts[i]) + ops[i].len);
		ops[i].sess = s->sess;
		ops[i].st = &s->st[sid];
	}
	if (m->in == DP_SRTP_NULL)
		return;
	dp_srtp_protect_burst(mb, ops, DP_BURST);
	for (int i = 0; i < DP_BURST; i++) {
		uint16_t grow = ops[i].len - (s->frame_len - 42);
		uint8_t *d = rte_pktmbuf_mtod(pkts[i], uint8_t *);

		rte_pktmbuf_append(pkts[i], grow);
		/* Fix the lengths; the relay recomputes checksums on output anyway. */
		*(uint16_t *)(d + 16) = rte_cpu_to_be_16(rte_be_to_cpu_16(*(uint16_t *)(d + 16)) + grow);
		*(uint16_t *)(d + 38) = rte_cpu_to_be_16(rte_be_to_cpu_16(*(uint16_t *)(d + 38)) + grow);
		*(uint16_t *)(d + 24) = 0;
		*(uint16_t *)(d + 24) = rte_ipv4_cksum((struct rte_ipv4_hdr *)(d + 14));
	}
}

static void
run_tessera(const struct mode *m)
{
	struct dp_main *dm;
	struct dp_lcore_ctx *lc;
	struct sender s = {0};
	struct rte_mbuf *pkts[DP_BURST];
	struct dp_node_out out;
	uint64_t cycles = 0, npkts = 0, sent = 0;
	uint32_t next = 0;
	double t_end;

	if (dp_fixture_create(n_streams * 2 + 16, 8191, &dm, &lc) < 0) {
		fprintf(stderr, "bench: fixture failed\n");
		exit(1);
	}
	dp_fixture_neigh(dm, "198.18.0.12", (const uint8_t[]){2, 0, 0, 0, 0, 0x12});
	for (uint32_t i = 0; i < n_streams; i++)
		add_pair(dm, i, m);
	sender_init(&s, dm, lc->mb, m);
	t_end = now() + seconds;
	while (now() < t_end) {
		for (int rep = 0; rep < 64; rep++) {
			uint64_t t0;

			prepare(&s, dm, lc->mb, m, next, pkts);
			next = (next + DP_BURST) % n_streams;
			t0 = rte_rdtsc_precise();
			dp_node_wire_rx(lc, pkts, DP_BURST, &out);
			rte_pktmbuf_free_bulk(out.wire, out.n_wire);
			rte_pktmbuf_free_bulk(out.tap, out.n_tap);
			cycles += rte_rdtsc_precise() - t0;
			npkts += DP_BURST;
			sent += out.n_wire;
		}
	}
	if (sent != npkts)
		fprintf(stderr, "bench: %s: only %" PRIu64 " of %" PRIu64 " relayed\n", m->name, sent,
			npkts);
	{
		double ns = (double)cycles * 1e9 / rte_get_tsc_hz() / npkts;

		printf("BENCH dp_relay_%s impl=tessera streams=%u pkt_bytes=200 mpps=%.2f "
		       "ns_per_pkt=%.1f relayed=%" PRIu64 "\n",
		       m->name, n_streams, 1e3 / ns, ns, sent);
	}
	fflush(stdout);
	dp_srtp_session_fini(s.sess);
	free(s.sess);
	free(s.st);
	free(s.seq);
	free(s.frame);
	dp_fixture_destroy(dm);
}

static void
lib_policy(srtp_policy_t *pol, enum dp_srtp_suite suite, uint8_t *key, bool inbound)
{
	memset(pol, 0, sizeof(*pol));
	if (suite == DP_SRTP_AEAD_AES_128_GCM) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtcp);
	} else {
		srtp_crypto_policy_set_rtp_default(&pol->rtp);
		srtp_crypto_policy_set_rtcp_default(&pol->rtcp);
	}
	pol->ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	pol->key = key;
	pol->window_size = 128;
}

/*
 * The same re-key with libsrtp2: unprotect under the ingress keys, protect
 * under the egress keys, @p streams sessions each way. The sender side is
 * ours (interoperable, checked by the unit tests) and untimed. Sessions are
 * not deallocated: libsrtp2 on NSS tears down in time quadratic in the
 * number of sessions, which would dominate the run.
 */
static void
run_libsrtp2(const struct mode *m, uint32_t streams)
{
	srtp_t *in = calloc(streams, sizeof(*in)), *outs = calloc(streams, sizeof(*outs));
	struct dp_srtp_session *snd = aligned_alloc(64, sizeof(*snd) * streams);
	struct dp_srtp_state *st = calloc(streams, sizeof(*st));
	struct dp_srtp_op ops[32];
	srtp_policy_t pol;
	uint8_t k[46], pkt[32][256];
	uint16_t *seq = calloc(streams, sizeof(*seq));
	uint64_t npkts = 0;
	double busy = 0, t_end;
	uint32_t next = 0;
	IMB_MGR *mb;

	if (in == NULL || outs == NULL || snd == NULL || st == NULL || seq == NULL ||
	    dp_srtp_mgr_create(&mb) < 0)
		exit(1);
	for (uint32_t i = 0; i < streams; i++) {
		key_for(i, 0, k);
		lib_policy(&pol, m->in, k, true);
		srtp_create(&in[i], &pol);
		dp_srtp_session_init(&snd[i], mb, m->in, k, dp_srtp_suite_key_len(m->in),
				     k + dp_srtp_suite_key_len(m->in), dp_srtp_suite_salt_len(m->in));
		dp_srtp_state_reset(&st[i]);
		key_for(i, 1, k);
		lib_policy(&pol, m->out, k, false);
		srtp_create(&outs[i], &pol);
	}
	t_end = now() + seconds;
	while (now() < t_end) {
		double t0;

		for (int j = 0; j < 32; j++) {
			uint32_t sid = (next + (uint32_t)j) % streams;

			memset(pkt[j], 0, 12 + PKT_PAYLOAD);
			pkt[j][0] = 0x80;
			pkt[j][2] = (uint8_t)(++seq[sid] >> 8);
			pkt[j][3] = (uint8_t)seq[sid];
			pkt[j][8] = (uint8_t)(sid >> 8);
			pkt[j][9] = (uint8_t)sid;
			pkt[j][11] = 0x5a;
			ops[j] = (struct dp_srtp_op){.pkt = pkt[j], .len = 12 + PKT_PAYLOAD,
						     .room = sizeof(pkt[j]), .sess = &snd[sid],
						     .st = &st[sid]};
		}
		dp_srtp_protect_burst(mb, ops, 32);
		t0 = now();
		for (int j = 0; j < 32; j++) {
			uint32_t sid = (next + (uint32_t)j) % streams;
			int len = ops[j].len;

			if (srtp_unprotect(in[sid], pkt[j], &len) != srtp_err_status_ok ||
			    srtp_protect(outs[sid], pkt[j], &len) != srtp_err_status_ok) {
				fprintf(stderr, "bench: libsrtp2 re-key failed\n");
				exit(1);
			}
		}
		busy += now() - t0;
		npkts += 32;
		next = (next + 32) % streams;
	}
	printf("BENCH dp_relay_%s impl=libsrtp2 streams=%u pkt_bytes=200 mpps=%.4f ns_per_pkt=%.1f\n",
	       m->name, streams, npkts / busy / 1e6, busy * 1e9 / npkts);
	fflush(stdout);
	for (uint32_t i = 0; i < streams; i++)
		dp_srtp_session_fini(&snd[i]);
	dp_srtp_mgr_destroy(mb);
	free(snd);
	free(st);
	free(seq);
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		seconds = atof(argv[1]);
	if (argc > 2)
		n_streams = (uint32_t)atoi(argv[2]);
	if (seconds <= 0 || n_streams == 0 || n_streams > 20000) {
		fprintf(stderr, "usage: bench_dp_relay [seconds] [streams <= 20000]\n");
		return 2;
	}
	srtp_init();
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (argc <= 3 || strcmp(argv[3], modes[i].name) == 0)
			run_tessera(&modes[i]);
	if (argc > 3)
		return 0;
	/* Each libsrtp2 figure in a fresh process: its sessions are never freed (see above). */
	for (size_t i = 1; i < sizeof(modes) / sizeof(modes[0]); i++) {
		for (int k = 0; k < 2; k++) {
			pid_t pid = fork();

			if (pid == 0) {
				srtp_init();
				run_libsrtp2(&modes[i], k == 0 ? n_streams : 100);
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, NULL, 0) != pid)
				return 1;
		}
	}
	return 0;
}
