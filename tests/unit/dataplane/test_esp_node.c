/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_esp_node.c - the ESP backplane in the packet path and its control
 * operations, on synthetic frames (dp_node_wire_rx, dp_ctl_handle).
 *
 * 1. esp.* requests: every malformed or out-of-range argument gets its
 *    error code and field and changes nothing; add/stats/list/del work.
 * 2. Inbound: ESP for a node address is decapsulated and its inner RTP
 *    relayed like plain media; tampered, replayed, wrong-SPI, truncated,
 *    misaddressed and non-UDP packets are dropped and counted by reason
 *    (per lcore and per SA) and nothing is relayed.
 * 3. Outbound: a stream with "esp_sa" sends ESP (protocol 50, valid IP
 *    checksum) that decrypts to the plain datagram with a valid UDP
 *    checksum; IPv6 too.
 * 4. Make-before-break rekey on a loop through the node itself (egress ESP
 *    fed back as ingress): packets sealed under the old SA and delivered
 *    after the switch, and everything after it, all arrive; none lost.
 * 5. Lifetimes: soft and hard expiry by bytes and by seconds.
 *
 * Context: test program, single thread, EAL without ports (dp_fixture).
 */
#include <arpa/inet.h>
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
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_ctl.h"
#include "dp_esp.h"
#include "dp_fixture.h"
#include "dp_node.h"

static const uint8_t client2_mac[6] = {0x02, 0, 0, 0, 0, 0x12};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x21};

/* 32-octet key, 4-octet salt, 64-octet auth key, in hex. */
#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define SALT_A "c0c1c2c3"
#define SALT_B "d0d1d2d3"
#define AUTH_A "0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000" \
	       "1f1e1d1c1b1a19181716151413121110f1e1d1c1b1a191817161514131211100"

struct env {
	struct dp_main *dm;
	struct dp_lcore_ctx *lc;
	struct dp_node_out out;
	char resp[DP_CTL_MAX_MSG];
};

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(dp_fixture_create(64, 2047, &e->dm, &e->lc), 0);
	dp_fixture_neigh(e->dm, "198.18.0.12", client2_mac);
	dp_fixture_neigh(e->dm, "198.18.0.21", peer_mac);
	dp_fixture_neigh(e->dm, "198.18.0.1", e->dm->mac.addr_bytes);
	dp_fixture_neigh(e->dm, "2001:2::21", peer_mac);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	assert_int_equal(rte_mempool_in_use_count(e->dm->pool), 0);
	dp_fixture_destroy(e->dm);
	free(e);
	return 0;
}

/* ---- control requests ------------------------------------------------------------ */

static json_t *
call(struct env *e, const char *op, const char *args)
{
	char req[4096];
	json_t *r;

	snprintf(req, sizeof(req), "{\"v\":1,\"id\":1,\"op\":\"%s\",\"args\":{%s}}", op, args);
	dp_ctl_handle(e->dm, req, strlen(req), e->resp, sizeof(e->resp));
	r = json_loads(e->resp, 0, NULL);
	assert_non_null(r);
	return r;
}

/* Expect success; @return the result's integer @p key (or 0). */
static json_int_t
ok(struct env *e, const char *op, const char *args, const char *key)
{
	json_t *r = call(e, op, args);
	json_int_t v = 0;

	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("%s {%s} -> %s", op, args, e->resp);
	if (key != NULL)
		v = json_integer_value(json_object_get(json_object_get(r, "result"), key));
	json_decref(r);
	return v;
}

static void
err(struct env *e, const char *op, const char *args, const char *code, const char *field)
{
	uint32_t before = e->dm->esp.count;
	json_t *r = call(e, op, args), *er = json_object_get(r, "error");

	if (!json_is_false(json_object_get(r, "ok")))
		fail_msg("%s {%s} succeeded: %s", op, args, e->resp);
	if (strcmp(json_string_value(json_object_get(er, "code")), code) != 0 ||
	    (field != NULL &&
	     strcmp(json_string_value(json_object_get(er, "field")) ?: "", field) != 0))
		fail_msg("%s {%s}: want %s/%s, got %s", op, args, code, field ? field : "-", e->resp);
	assert_true(strlen(json_string_value(json_object_get(er, "message"))) > 0);
	assert_int_equal(e->dm->esp.count, before);
	json_decref(r);
}

/* A whole SA stats reply (owned by the caller). */
static json_t *
sa_stats(struct env *e, uint32_t spi, const char *dir)
{
	char a[128];
	json_t *r, *res;

	snprintf(a, sizeof(a), "\"spi\":%u,\"direction\":\"%s\"", spi, dir);
	r = call(e, "esp.sa_stats", a);
	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("esp.sa_stats %s -> %s", a, e->resp);
	res = json_incref(json_object_get(r, "result"));
	json_decref(r);
	return res;
}

static json_int_t
sa_num(struct env *e, uint32_t spi, const char *dir, const char *key)
{
	json_t *s = sa_stats(e, spi, dir), *v = s;
	char k[64], *dot;
	json_int_t n;

	snprintf(k, sizeof(k), "%s", key);
	if ((dot = strchr(k, '.')) != NULL) {
		*dot = '\0';
		v = json_object_get(s, k);
		v = json_object_get(v, dot + 1);
	} else {
		v = json_object_get(s, k);
	}
	assert_non_null(v);
	n = json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
	json_decref(s);
	return n;
}

#define GCM_IN(spi, remote) \
	"\"spi\":" #spi ",\"direction\":\"in\",\"key\":\"" KEY_A "\",\"salt\":\"" SALT_A \
	"\",\"local\":\"198.18.0.1\",\"remote\":\"" remote "\""

static void
test_ctl_errors(void **state)
{
	struct env *e = *state;
	static const char base[] = "\"direction\":\"out\",\"key\":\"" KEY_A "\",\"salt\":\"" SALT_A
				   "\",\"local\":\"198.18.0.1\",\"remote\":\"198.18.0.21\"";
	char a[1024];

#define WITH(extra) (snprintf(a, sizeof(a), "%s,%s", base, extra), a)
	err(e, "esp.sa_add", base, "EINVAL", "spi"); /* spi missing */
	err(e, "esp.sa_add", WITH("\"spi\":255"), "EINVAL", "spi");
	err(e, "esp.sa_add", WITH("\"spi\":4294967296"), "EINVAL", "spi");
	err(e, "esp.sa_add", WITH("\"spi\":\"1000\""), "EINVAL", "spi");
	err(e, "esp.sa_add", WITH("\"spi\":1000,\"bogus\":1"), "EINVAL", "bogus");
	err(e, "esp.sa_add", WITH("\"spi\":1000,\"cipher\":\"aes128gcm\""), "EINVAL", "cipher");
	err(e, "esp.sa_add", WITH("\"spi\":1000,\"cipher\":7"), "EINVAL", "cipher");
	err(e, "esp.sa_add", WITH("\"spi\":1000,\"esn\":1"), "EINVAL", "esn");
	err(e, "esp.sa_add", WITH("\"spi\":1000,\"replay_window\":32"), "EINVAL", "replay_window");
	err(e, "esp.sa_add", WITH("\"spi\":1000,\"replay_window\":2048"), "EINVAL",
	    "replay_window");
	err(e, "esp.sa_add", WITH("\"spi\":1000,\"lifetime_bytes\":-1"), "EINVAL",
	    "lifetime_bytes");
	err(e, "esp.sa_add", WITH("\"spi\":1000,\"lifetime_seconds\":1.5"), "EINVAL",
	    "lifetime_seconds");
	/* GCM takes a salt and no auth key; CBC the reverse. */
	err(e, "esp.sa_add", WITH("\"spi\":1000,\"auth_key\":\"" AUTH_A "\""), "EINVAL",
	    "auth_key");
	err(e, "esp.sa_add", WITH("\"spi\":1000,\"cipher\":\"aes256cbc-hmacsha512\""), "EINVAL",
	    "salt");
	err(e, "esp.sa_add",
	    "\"spi\":1000,\"direction\":\"out\",\"cipher\":\"aes256cbc-hmacsha512\",\"key\":\"" KEY_A
	    "\",\"local\":\"198.18.0.1\",\"remote\":\"198.18.0.21\"",
	    "EINVAL", "auth_key");
	err(e, "esp.sa_add",
	    "\"spi\":1000,\"direction\":\"out\",\"cipher\":\"aes256cbc-hmacsha512\",\"key\":\"" KEY_A
	    "\",\"auth_key\":\"00\",\"local\":\"198.18.0.1\",\"remote\":\"198.18.0.21\"",
	    "EINVAL", "auth_key");
	/* Keys: length and digits. */
	err(e, "esp.sa_add",
	    "\"spi\":1000,\"direction\":\"out\",\"key\":\"0011\",\"salt\":\"" SALT_A
	    "\",\"local\":\"198.18.0.1\",\"remote\":\"198.18.0.21\"",
	    "EINVAL", "key");
	err(e, "esp.sa_add",
	    "\"spi\":1000,\"direction\":\"out\",\"key\":\"" KEY_A "\",\"salt\":\"c0c1c2cz"
	    "\",\"local\":\"198.18.0.1\",\"remote\":\"198.18.0.21\"",
	    "EINVAL", "salt");
	err(e, "esp.sa_add",
	    "\"spi\":1000,\"direction\":\"out\",\"salt\":\"" SALT_A
	    "\",\"local\":\"198.18.0.1\",\"remote\":\"198.18.0.21\"",
	    "EINVAL", "key");
	/* Direction, addresses. */
	err(e, "esp.sa_add",
	    "\"spi\":1000,\"direction\":\"both\",\"key\":\"" KEY_A "\",\"salt\":\"" SALT_A
	    "\",\"local\":\"198.18.0.1\",\"remote\":\"198.18.0.21\"",
	    "EINVAL", "direction");
	err(e, "esp.sa_add",
	    "\"spi\":1000,\"direction\":\"in\",\"key\":\"" KEY_A "\",\"salt\":\"" SALT_A
	    "\",\"local\":\"198.18.0.9\",\"remote\":\"198.18.0.21\"",
	    "EINVAL", "local");
	err(e, "esp.sa_add",
	    "\"spi\":1000,\"direction\":\"in\",\"key\":\"" KEY_A "\",\"salt\":\"" SALT_A
	    "\",\"local\":\"198.18.0.1\",\"remote\":\"2001:2::21\"",
	    "EINVAL", "remote");
	err(e, "esp.sa_add",
	    "\"spi\":1000,\"direction\":\"in\",\"key\":\"" KEY_A "\",\"salt\":\"" SALT_A
	    "\",\"local\":\"198.18.0.1\",\"remote\":\"peer\"",
	    "EINVAL", "remote");

	/* A good one, then a duplicate; the same SPI in the other direction is fine. */
	ok(e, "esp.sa_add", WITH("\"spi\":1000"), NULL);
	err(e, "esp.sa_add", WITH("\"spi\":1000"), "EEXIST", "spi");
	ok(e, "esp.sa_add", GCM_IN(1000, "198.18.0.21"), NULL);
	assert_int_equal(e->dm->esp.count, 2);
	assert_int_equal(ok(e, "esp.sa_list", "", "total_count"), 2);
	/* Keys never come back. */
	assert_null(strstr(e->resp, "0102030405"));
	assert_null(strstr(e->resp, "c0c1c2c3"));
	err(e, "esp.sa_list", "\"limit\":0", "EINVAL", "limit");
	err(e, "esp.sa_stats", "\"spi\":1000", "EINVAL", "direction");
	err(e, "esp.sa_stats", "\"spi\":1001,\"direction\":\"in\"", "ENOENT", "spi");
	err(e, "esp.sa_del", "\"direction\":\"in\"", "EINVAL", "spi");
	err(e, "esp.sa_rekey", "\"spi\":1000,\"direction\":\"out\",\"key\":\"" KEY_B "\"",
	    "EINVAL", "new_spi");
	err(e, "esp.sa_rekey",
	    "\"spi\":1000,\"direction\":\"out\",\"new_spi\":1000,\"key\":\"" KEY_B
	    "\",\"salt\":\"" SALT_B "\"",
	    "EEXIST", "new_spi");
	err(e, "esp.sa_switch", "\"spi\":1000,\"new_spi\":1001", "ENOENT", "new_spi");
	/* Streams: esp_sa names an outbound SA of the stream's own address. */
	err(e, "stream.create", "\"local_ip\":\"198.18.0.1\",\"local_port\":41000,\"esp_sa\":1001",
	    "ENOENT", "esp_sa");
	err(e, "stream.create", "\"local_ip\":\"198.18.0.1\",\"local_port\":41000,\"esp_sa\":\"x\"",
	    "EINVAL", "esp_sa");
	err(e, "stream.create", "\"local_ip\":\"2001:2::1\",\"local_port\":41000,\"esp_sa\":1000",
	    "EINVAL", "esp_sa");
	{
		json_int_t id = ok(e, "stream.create",
				   "\"local_ip\":\"198.18.0.1\",\"local_port\":41000,\"esp_sa\":1000",
				   "stream_id");
		char s[64];

		/* In use: cannot be deleted. */
		err(e, "esp.sa_del", "\"spi\":1000,\"direction\":\"out\"", "EBUSY", "spi");
		assert_int_equal(sa_num(e, 1000, "out", "streams"), 1);
		snprintf(s, sizeof(s), "\"stream_id\":%lld,\"esp_sa\":null", (long long)id);
		ok(e, "stream.update", s, NULL);
		assert_int_equal(sa_num(e, 1000, "out", "streams"), 0);
		snprintf(s, sizeof(s), "\"stream_id\":%lld", (long long)id);
		ok(e, "stream.delete", s, NULL);
	}
	ok(e, "esp.sa_del", "\"spi\":1000,\"direction\":\"out\"", NULL);
	ok(e, "esp.sa_del", "\"spi\":1000,\"direction\":\"in\"", NULL);
	assert_int_equal(e->dm->esp.count, 0);
#undef WITH
}

/* ---- frames ---------------------------------------------------------------------- */

static void
hex_to(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

/* The peer side of an SA, built with the transform library directly. */
struct peer {
	struct dp_esp_sa sa;
	struct dp_esp_state st;
	IMB_MGR *mb;
};

static void
peer_init(struct peer *p, uint32_t spi, enum dp_esp_cipher c, const char *key, const char *salt,
	  const char *auth, bool esn)
{
	uint8_t k[32], s[4], a[64];
	struct dp_esp_keys keys = {.cipher = c, .key = k, .key_len = 32};

	memset(p, 0, sizeof(*p));
	hex_to(key, k, 32);
	if (salt != NULL) {
		hex_to(salt, s, 4);
		keys.salt = s;
	}
	if (auth != NULL) {
		hex_to(auth, a, 64);
		keys.auth_key = a;
	}
	assert_int_equal(dp_srtp_mgr_create(&p->mb), 0);
	p->sa.spi = spi;
	p->sa.esn = esn;
	p->sa.window = 1024;
	assert_int_equal(dp_esp_sa_init(&p->sa, p->mb, &keys), 0);
}

static void
peer_fini(struct peer *p)
{
	dp_esp_sa_fini(&p->sa);
	dp_srtp_mgr_destroy(p->mb);
}

static uint16_t
rtp(uint8_t *p, uint16_t seq, uint16_t plen)
{
	memset(p, 0, 12);
	p[0] = 0x80;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[8] = 0x11;
	for (uint16_t i = 0; i < plen; i++)
		p[12 + i] = (uint8_t)(seq * 7 + i);
	return 12 + plen;
}

/*
 * An ESP frame from @p src to the node (198.18.0.1) carrying UDP
 * @p sport -> @p dport with @p payload, sealed by @p p. @return its length.
 */
static uint16_t
esp_frame(struct peer *p, uint8_t *f, const char *src, uint16_t sport, uint16_t dport,
	  const uint8_t *payload, uint16_t plen, uint8_t next_header)
{
	uint8_t plain[2048];
	uint16_t len = dp_fixture_udp4(plain, sizeof(plain), src, sport, "198.18.0.1", dport,
				       payload, plen);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	unsigned int hl = dp_esp_hdr_len(&p->sa);
	struct dp_esp_op op;

	memcpy(f, plain, 34);
	memcpy(f + 34 + hl, plain + 34, len - 34);
	op = (struct dp_esp_op){.esp = f + 34, .len = (uint16_t)(len - 34), .room = 1500,
				.next_header = next_header, .sa = &p->sa, .st = &p->st};
	assert_int_equal(dp_esp_encrypt_burst(p->mb, &op, 1), 1);
	ip->next_proto_id = IPPROTO_ESP;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + op.len));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return (uint16_t)(34 + op.len);
}

static void
rx(struct env *e, const uint8_t *f, uint16_t len)
{
	struct rte_mbuf *m = dp_fixture_mbuf(e->dm, f, len);

	assert_non_null(m);
	dp_node_wire_rx(e->lc, &m, 1, &e->out);
}

static void
out_free(struct env *e)
{
	rte_pktmbuf_free_bulk(e->out.wire, e->out.n_wire);
	rte_pktmbuf_free_bulk(e->out.tap, e->out.n_tap);
	e->out.n_wire = e->out.n_tap = 0;
}

static json_int_t
stream(struct env *e, const char *args)
{
	return ok(e, "stream.create", args, "stream_id");
}

/* Each test starts from zero lcore counters (they outlive the test's SAs). */
static void
zero_counters(struct env *e)
{
	memset(&e->lc->stats, 0, sizeof(e->lc->stats));
}

static uint64_t
esp_drop(struct env *e, enum dp_esp_drop d)
{
	return e->lc->stats.esp.drop[d];
}

static void
test_inbound(void **state)
{
	struct env *e = *state;
	struct peer p;
	uint8_t f[2048], pkt[256], good[2048];
	uint16_t len, glen, pl = rtp(pkt, 1, 160);
	json_int_t b, a;
	char s[160];

	zero_counters(e);

	ok(e, "esp.sa_add", GCM_IN(4097, "198.18.0.21"), NULL);
	b = stream(e, "\"local_ip\":\"198.18.0.1\",\"local_port\":40002,\"remote_ip\":\"198.18.0.12\","
		      "\"remote_port\":5004");
	snprintf(s, sizeof(s), "\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"relay_to\":%lld",
		 (long long)b);
	a = stream(e, s);
	peer_init(&p, 4097, DP_ESP_AES_GCM, KEY_A, SALT_A, NULL, true);

	/* A good packet: decapsulated, classified, relayed as plain RTP. */
	glen = esp_frame(&p, good, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
	rx(e, good, glen);
	assert_int_equal(e->out.n_wire, 1);
	{
		const uint8_t *o = rte_pktmbuf_mtod(e->out.wire[0], const uint8_t *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(o + 14);
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);

		assert_int_equal(ip->next_proto_id, IPPROTO_UDP);
		assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 5004);
		assert_int_equal(rte_be_to_cpu_16(udp->dgram_len), 8 + pl);
		assert_memory_equal(udp + 1, pkt, pl);
		assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, udp), 0);
	}
	out_free(e);
	assert_int_equal(e->lc->stats.esp.rx, 1);
	assert_int_equal(sa_num(e, 4097, "in", "packets"), 1);
	assert_int_equal(sa_num(e, 4097, "in", "bytes"), 8 + pl);
	assert_int_equal(e->dm->flows.slots[a].stats.rx_pkts, 1);

	/* Replayed. */
	rx(e, good, glen);
	assert_int_equal(esp_drop(e, DP_ESP_DROP_REPLAY), 1);
	assert_int_equal(sa_num(e, 4097, "in", "replay"), 1);
	/* Tampered: one bit of the ciphertext, of the ICV, of the sequence number. */
	for (int k = 0; k < 3; k++) {
		static const int at[3] = {34 + 16 + 20, -1, 34 + 7};

		len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
		f[at[k] < 0 ? len - 3 : at[k]] ^= 0x10;
		rx(e, f, len);
	}
	assert_int_equal(esp_drop(e, DP_ESP_DROP_AUTH), 3);
	assert_int_equal(sa_num(e, 4097, "in", "auth_fail"), 3);
	/* Wrong SPI. */
	len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
	f[34 + 3] ^= 0x01;
	rx(e, f, len);
	assert_int_equal(esp_drop(e, DP_ESP_DROP_WRONG_SPI), 1);
	/* From another address than the SA's peer. */
	len = esp_frame(&p, f, "198.18.0.22", 5002, 40000, pkt, pl, IPPROTO_UDP);
	rx(e, f, len);
	assert_int_equal(esp_drop(e, DP_ESP_DROP_ADDR), 1);
	/* Truncated: shorter than an ESP header; then cut inside the ICV. */
	len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
	{
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

		ip->total_length = rte_cpu_to_be_16(20 + 6);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		rx(e, f, 34 + 6);
		assert_int_equal(esp_drop(e, DP_ESP_DROP_MALFORMED), 1);
		ip->total_length = rte_cpu_to_be_16(20 + 8 + 8 + 10);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		rx(e, f, 34 + 8 + 8 + 10);
		assert_int_equal(esp_drop(e, DP_ESP_DROP_MALFORMED), 2);
	}
	/* Authentic, but not UDP inside (TCP, and a dummy packet, RFC 4303 §2.6). */
	len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_TCP);
	rx(e, f, len);
	len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, 59);
	rx(e, f, len);
	assert_int_equal(esp_drop(e, DP_ESP_DROP_INNER_PROTO), 2);
	/* Authentic UDP for a port no stream has: dropped, never punted (the kernel's
	 * port unreachable would quote the decrypted header in the clear). */
	len = esp_frame(&p, f, "198.18.0.21", 5002, 40010, pkt, pl, IPPROTO_UDP);
	rx(e, f, len);
	assert_int_equal(esp_drop(e, DP_ESP_DROP_INNER_NO_STREAM), 1);
	/* Nothing of that was relayed, and the stream saw only the good packet. */
	assert_int_equal(e->out.n_wire, 0);
	assert_int_equal(e->out.n_tap, 0);
	assert_int_equal(e->dm->flows.slots[b].stats.tx_pkts, 1);
	assert_int_equal(e->dm->flows.slots[a].stats.rx_pkts, 1);
	/* A good packet still passes (in a burst with a bad one). */
	{
		struct rte_mbuf *m[2];

		len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
		glen = esp_frame(&p, good, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
		f[len - 1] ^= 1;
		m[0] = dp_fixture_mbuf(e->dm, f, len);
		m[1] = dp_fixture_mbuf(e->dm, good, glen);
		dp_node_wire_rx(e->lc, m, 2, &e->out);
		assert_int_equal(e->out.n_wire, 1);
		out_free(e);
	}
	/* Once deleted, the SPI is unknown. */
	ok(e, "esp.sa_del", "\"spi\":4097,\"direction\":\"in\"", NULL);
	len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
	rx(e, f, len);
	assert_int_equal(esp_drop(e, DP_ESP_DROP_WRONG_SPI), 2);
	assert_int_equal(e->out.n_wire, 0);
	/* The counters reach port.stats. */
	{
		json_t *r = call(e, "port.stats", "");
		json_t *esp = json_object_get(json_object_get(r, "result"), "esp");

		/* the good packet, the one of the burst, the one to a port without a stream */
		assert_int_equal(json_integer_value(json_object_get(esp, "rx")), 3);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(esp, "drops"),
								    "wrong_spi")), 2);
		json_decref(r);
	}
	peer_fini(&p);
	snprintf(s, sizeof(s), "\"stream_id\":%lld", (long long)a);
	ok(e, "stream.delete", s, NULL);
	snprintf(s, sizeof(s), "\"stream_id\":%lld", (long long)b);
	ok(e, "stream.delete", s, NULL);
}

/* Decrypt a frame the node sent with @p p (the inbound twin of its SA); @return UDP payload length. */
static int
open_frame(struct peer *p, struct rte_mbuf *m, uint8_t *udp_out)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t fam6 = f[12] == 0x86;
	unsigned int l3 = fam6 ? 40 : 20, hl = dp_esp_hdr_len(&p->sa);
	struct dp_esp_op op;

	if (fam6) {
		if (f[14 + 6] != IPPROTO_ESP)
			return -1;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

		if (ip->next_proto_id != IPPROTO_ESP || rte_ipv4_cksum(ip) != 0 ||
		    rte_be_to_cpu_16(ip->total_length) != m->data_len - 14)
			return -1;
	}
	op = (struct dp_esp_op){.esp = f + 14 + l3, .len = (uint16_t)(m->data_len - 14 - l3),
				.sa = &p->sa, .st = &p->st};
	if (dp_esp_decrypt_burst(p->mb, &op, 1) != 1 || op.next_header != IPPROTO_UDP)
		return -1;
	memcpy(udp_out, f + 14 + l3 + hl, op.len);
	/* Check the inner UDP checksum over the outer addresses (transport mode). */
	if (!fam6) {
		struct rte_ipv4_hdr ip = *(struct rte_ipv4_hdr *)(f + 14);

		ip.next_proto_id = IPPROTO_UDP;
		ip.total_length = rte_cpu_to_be_16((uint16_t)(20 + op.len));
		if (rte_ipv4_udptcp_cksum_verify(&ip, udp_out) != 0)
			return -1;
	}
	return op.len - 8;
}

static void
test_outbound(void **state)
{
	struct env *e = *state;
	struct peer p, p6;
	uint8_t f[2048], pkt[512], got[2048];
	uint16_t len, pl = rtp(pkt, 9, 200);
	json_int_t b, a, b6;
	char s[256];

	zero_counters(e);

	ok(e, "esp.sa_add",
	   "\"spi\":8193,\"direction\":\"out\",\"cipher\":\"aes256cbc-hmacsha512\",\"key\":\"" KEY_A
	   "\",\"auth_key\":\"" AUTH_A "\",\"local\":\"198.18.0.1\",\"remote\":\"198.18.0.21\"",
	   NULL);
	b = stream(e, "\"local_ip\":\"198.18.0.1\",\"local_port\":40012,\"remote_ip\":\"198.18.0.21\","
		      "\"remote_port\":6000,\"esp_sa\":8193");
	snprintf(s, sizeof(s), "\"local_ip\":\"198.18.0.1\",\"local_port\":40010,\"relay_to\":%lld",
		 (long long)b);
	a = stream(e, s);
	peer_init(&p, 8193, DP_ESP_AES_CBC_HMAC_SHA512, KEY_A, NULL, AUTH_A, true);
	for (uint16_t i = 0; i < 5; i++) {
		pl = rtp(pkt, i, (uint16_t)(100 + 37 * i));
		len = dp_fixture_udp4(f, sizeof(f), "198.18.0.12", 5002, "198.18.0.1", 40010, pkt, pl);
		rx(e, f, len);
		assert_int_equal(e->out.n_wire, 1);
		assert_int_equal(open_frame(&p, e->out.wire[0], got), pl);
		assert_memory_equal(got + 8, pkt, pl);
		assert_int_equal(rte_be_to_cpu_16(((struct rte_udp_hdr *)got)->dst_port), 6000);
		out_free(e);
	}
	assert_int_equal(sa_num(e, 8193, "out", "packets"), 5);
	assert_int_equal(sa_num(e, 8193, "out", "seq"), 5);
	assert_int_equal(e->lc->stats.esp.tx, 5);
	{
		json_t *r;

		snprintf(s, sizeof(s), "\"stream_id\":%lld", (long long)b);
		r = call(e, "stream.stats", s);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"),
								    "esp_sa")), 8193);
		json_decref(r);
	}
	/* The stream's remote is not the SA's peer: dropped, counted, nothing sent in clear. */
	snprintf(s, sizeof(s), "\"stream_id\":%lld,\"remote_ip\":\"198.18.0.12\",\"remote_port\":6000",
		 (long long)b);
	ok(e, "stream.update", s, NULL);
	len = dp_fixture_udp4(f, sizeof(f), "198.18.0.12", 5002, "198.18.0.1", 40010, pkt, pl);
	rx(e, f, len);
	assert_int_equal(e->out.n_wire, 0);
	assert_int_equal(esp_drop(e, DP_ESP_DROP_ADDR), 1);

	/* IPv6, GCM. */
	ok(e, "esp.sa_add",
	   "\"spi\":8194,\"direction\":\"out\",\"key\":\"" KEY_B "\",\"salt\":\"" SALT_B
	   "\",\"local\":\"2001:2::1\",\"remote\":\"2001:2::21\",\"esn\":false",
	   NULL);
	b6 = stream(e, "\"local_ip\":\"2001:2::1\",\"local_port\":40022,\"remote_ip\":\"2001:2::21\","
		       "\"remote_port\":6002,\"esp_sa\":8194");
	peer_init(&p6, 8194, DP_ESP_AES_GCM, KEY_B, SALT_B, NULL, false);
	{
		uint8_t f6[512] = {0};
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f6 + 14);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip6 + 1);
		json_int_t a6b;

		snprintf(s, sizeof(s),
			 "\"local_ip\":\"2001:2::1\",\"local_port\":40024,\"relay_to\":%lld",
			 (long long)b6);
		a6b = stream(e, s);
		(void)a6b;
		memcpy(f6, e->dm->mac.addr_bytes, 6);
		f6[12] = 0x86;
		f6[13] = 0xdd;
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(8 + pl));
		ip6->proto = IPPROTO_UDP;
		ip6->hop_limits = 64;
		inet_pton(AF_INET6, "2001:2::12", ip6->src_addr);
		inet_pton(AF_INET6, "2001:2::1", ip6->dst_addr);
		udp->src_port = rte_cpu_to_be_16(5002);
		udp->dst_port = rte_cpu_to_be_16(40024);
		udp->dgram_len = ip6->payload_len;
		memcpy(udp + 1, pkt, pl);
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
		rx(e, f6, (uint16_t)(14 + 40 + 8 + pl));
		assert_int_equal(e->out.n_wire, 1);
		assert_int_equal(open_frame(&p6, e->out.wire[0], got), pl);
		assert_memory_equal(got + 8, pkt, pl);
		out_free(e);
	}
	peer_fini(&p);
	peer_fini(&p6);
	/* Delete the streams, then the SAs. */
	for (json_int_t id = 0; id < 64; id++) {
		if (dp_flow_stream_cfg(&e->dm->flows, (uint32_t)id) == NULL)
			continue;
		snprintf(s, sizeof(s), "\"stream_id\":%lld", (long long)id);
		ok(e, "stream.delete", s, NULL);
	}
	ok(e, "esp.sa_del", "\"spi\":8193,\"direction\":\"out\"", NULL);
	ok(e, "esp.sa_del", "\"spi\":8194,\"direction\":\"out\"", NULL);
	(void)a;
}

/* Count the RTP sequence numbers of what the node sent, then free it. */
static void
collect(struct env *e, uint16_t *seen, unsigned int n)
{
	for (uint16_t k = 0; k < e->out.n_wire; k++) {
		const uint8_t *o = rte_pktmbuf_mtod(e->out.wire[k], const uint8_t *);
		uint16_t seq = (uint16_t)(o[42 + 2] << 8 | o[42 + 3]);

		assert_int_equal(o[14 + 9], IPPROTO_UDP);
		assert_true(seq < n);
		seen[seq]++;
	}
	out_free(e);
}

/*
 * Rekey on a loop through the node: S1 (plain in :40000) -> S2 (sends to the
 * node itself, :40010, through outbound SA 0x3000) ; the ESP frames are fed
 * back in: inbound SA 0x3000 -> S3 (:40010) -> S4 (plain to 198.18.0.12:5004).
 */
static void
test_rekey_no_loss(void **state)
{
	struct env *e = *state;
	enum { N = 300, HELD = 40 };
	struct rte_mbuf *held[HELD];
	uint8_t f[2048], pkt[256];
	uint16_t seen[N] = {0};
	unsigned int n_held = 0;
	json_int_t s1, s2, s3, s4;
	char s[512];

	zero_counters(e);

	ok(e, "esp.sa_add",
	   "\"spi\":12288,\"direction\":\"out\",\"key\":\"" KEY_A "\",\"salt\":\"" SALT_A
	   "\",\"local\":\"198.18.0.1\",\"remote\":\"198.18.0.1\"",
	   NULL);
	ok(e, "esp.sa_add", GCM_IN(12288, "198.18.0.1"), NULL);
	s4 = stream(e, "\"local_ip\":\"198.18.0.1\",\"local_port\":40012,\"remote_ip\":\"198.18.0.12\","
		       "\"remote_port\":5004");
	snprintf(s, sizeof(s), "\"local_ip\":\"198.18.0.1\",\"local_port\":40010,\"relay_to\":%lld,"
			       "\"latch\":false",
		 (long long)s4);
	s3 = stream(e, s);
	s2 = stream(e, "\"local_ip\":\"198.18.0.1\",\"local_port\":40002,\"remote_ip\":\"198.18.0.1\","
		       "\"remote_port\":40010,\"esp_sa\":12288,\"latch\":false");
	snprintf(s, sizeof(s), "\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"relay_to\":%lld",
		 (long long)s2);
	s1 = stream(e, s);

	for (uint16_t i = 0; i < N; i++) {
		uint16_t pl = rtp(pkt, i, 120), len;
		struct rte_mbuf *esp;

		/* Make before break, a third of the way: new inbound SA, then the switch. */
		if (i == N / 3) {
			ok(e, "esp.sa_add",
			   "\"spi\":12289,\"direction\":\"in\",\"key\":\"" KEY_B "\",\"salt\":\"" SALT_B
			   "\",\"local\":\"198.18.0.1\",\"remote\":\"198.18.0.1\"",
			   NULL);
			assert_int_equal(ok(e, "esp.sa_rekey",
					    "\"spi\":12288,\"direction\":\"out\",\"new_spi\":12289,"
					    "\"key\":\"" KEY_B "\",\"salt\":\"" SALT_B "\"",
					    "streams_switched"),
					 1);
		}
		len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 40000, pkt, pl);
		rx(e, f, len);
		assert_int_equal(e->out.n_wire, 1);
		esp = e->out.wire[0];
		e->out.n_wire = 0;
		assert_int_equal(rte_pktmbuf_mtod(esp, uint8_t *)[14 + 9], IPPROTO_ESP);
		/* Hold back the last packets sealed under the old SA until after the switch. */
		if (i >= N / 3 - HELD && i < N / 3) {
			held[n_held++] = esp;
			continue;
		}
		dp_node_wire_rx(e->lc, &esp, 1, &e->out);
		collect(e, seen, N);
		if (i > N / 3 && n_held != 0) {
			/* Late arrivals of the old SA, after the switch: still accepted. */
			struct rte_mbuf *late = held[--n_held];

			dp_node_wire_rx(e->lc, &late, 1, &e->out);
			collect(e, seen, N);
		}
	}
	assert_int_equal(n_held, 0);
	for (unsigned int i = 0; i < N; i++)
		if (seen[i] != 1)
			fail_msg("packet %u delivered %u times", i, seen[i]);
	assert_int_equal(e->dm->flows.slots[s4].stats.tx_pkts, N);
	assert_int_equal(sa_num(e, 12288, "in", "packets"), N / 3);
	assert_int_equal(sa_num(e, 12289, "in", "packets"), N - N / 3);
	assert_int_equal(sa_num(e, 12288, "out", "packets"), N / 3);
	assert_int_equal(sa_num(e, 12289, "out", "packets"), N - N / 3);
	assert_int_equal(sa_num(e, 12288, "out", "streams"), 0);
	assert_int_equal(e->lc->stats.esp.drop[DP_ESP_DROP_REPLAY], 0);
	/* Break: the old SAs go; the new ones carry on. */
	ok(e, "esp.sa_del", "\"spi\":12288,\"direction\":\"out\"", NULL);
	ok(e, "esp.sa_del", "\"spi\":12288,\"direction\":\"in\"", NULL);
	{
		uint16_t pl = rtp(pkt, 0, 120),
			 len = dp_fixture_udp4(f, sizeof(f), "198.18.0.11", 5002, "198.18.0.1", 40000,
					       pkt, pl);
		struct rte_mbuf *esp;

		rx(e, f, len);
		esp = e->out.wire[0];
		e->out.n_wire = 0;
		dp_node_wire_rx(e->lc, &esp, 1, &e->out);
		assert_int_equal(e->out.n_wire, 1);
		out_free(e);
	}
	for (json_int_t id = 0; id < 64; id++) {
		if (dp_flow_stream_cfg(&e->dm->flows, (uint32_t)id) == NULL)
			continue;
		snprintf(s, sizeof(s), "\"stream_id\":%lld", (long long)id);
		ok(e, "stream.delete", s, NULL);
	}
	ok(e, "esp.sa_del", "\"spi\":12289,\"direction\":\"out\"", NULL);
	ok(e, "esp.sa_del", "\"spi\":12289,\"direction\":\"in\"", NULL);
	(void)s1;
	(void)s3;
}

static void
test_lifetimes(void **state)
{
	struct env *e = *state;
	struct peer p;
	uint8_t f[2048], pkt[256];
	uint16_t pl = rtp(pkt, 1, 92), len; /* 104-octet RTP, 112-octet UDP payload of ESP */
	json_int_t b, a;
	char s[256];

	zero_counters(e);

	/* 1000 octets: soft (90%) after 9 packets of 112, hard after 9 (1008). */
	ok(e, "esp.sa_add", GCM_IN(16384, "198.18.0.21") ",\"lifetime_bytes\":1000", NULL);
	b = stream(e, "\"local_ip\":\"198.18.0.1\",\"local_port\":40002,\"remote_ip\":\"198.18.0.12\","
		      "\"remote_port\":5004");
	snprintf(s, sizeof(s), "\"local_ip\":\"198.18.0.1\",\"local_port\":40000,\"relay_to\":%lld",
		 (long long)b);
	a = stream(e, s);
	peer_init(&p, 16384, DP_ESP_AES_GCM, KEY_A, SALT_A, NULL, true);
	for (int i = 0; i < 8; i++) {
		len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
		rx(e, f, len);
		out_free(e);
	}
	assert_int_equal(sa_num(e, 16384, "in", "soft_expired"), 0);
	len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
	rx(e, f, len);
	out_free(e);
	assert_int_equal(sa_num(e, 16384, "in", "soft_expired"), 1);
	assert_int_equal(sa_num(e, 16384, "in", "expired"), 1);
	assert_int_equal(sa_num(e, 16384, "in", "packets"), 9);
	len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
	rx(e, f, len);
	assert_int_equal(e->out.n_wire, 0);
	assert_int_equal(esp_drop(e, DP_ESP_DROP_EXPIRED), 1);
	assert_int_equal(sa_num(e, 16384, "in", "drops.expired"), 1);
	ok(e, "esp.sa_del", "\"spi\":16384,\"direction\":\"in\"", NULL);

	/* One second. */
	ok(e, "esp.sa_add", GCM_IN(16384, "198.18.0.21") ",\"lifetime_seconds\":1", NULL);
	memset(&p.st, 0, sizeof(p.st));
	len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
	rx(e, f, len);
	assert_int_equal(e->out.n_wire, 1);
	out_free(e);
	assert_int_equal(sa_num(e, 16384, "in", "expired"), 0);
	usleep(1100 * 1000);
	assert_int_equal(sa_num(e, 16384, "in", "soft_expired"), 1);
	assert_int_equal(sa_num(e, 16384, "in", "expired"), 1);
	len = esp_frame(&p, f, "198.18.0.21", 5002, 40000, pkt, pl, IPPROTO_UDP);
	rx(e, f, len);
	assert_int_equal(e->out.n_wire, 0);
	assert_int_equal(esp_drop(e, DP_ESP_DROP_EXPIRED), 2);
	ok(e, "esp.sa_del", "\"spi\":16384,\"direction\":\"in\"", NULL);
	peer_fini(&p);
	snprintf(s, sizeof(s), "\"stream_id\":%lld", (long long)a);
	ok(e, "stream.delete", s, NULL);
	snprintf(s, sizeof(s), "\"stream_id\":%lld", (long long)b);
	ok(e, "stream.delete", s, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_errors),
		cmocka_unit_test(test_inbound),
		cmocka_unit_test(test_outbound),
		cmocka_unit_test(test_rekey_no_loss),
		cmocka_unit_test(test_lifetimes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
