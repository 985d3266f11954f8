/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_conf.h - conferences on data plane workers: the glue between the RX
 * path and the audio engine (codecs/codec_conf.h).
 *
 * A conference runs on one worker. Without --worker-lcores every io lcore is
 * also a worker (the 2-core layout of the architecture): conferences are
 * spread over the io lcores, and each io lcore ticks its conferences from its
 * poll loop and transmits what they make. With --worker-lcores, conferences
 * run only on the dedicated worker lcores, and their packets go back to the
 * io lcores for SRTP and TX over one SP/SC ring per (worker, io lcore)
 * (dp_wtx_node.c).
 *
 * Data flow:
 *   io lcore: stream with conf_ring set -> SRTP unprotect -> mbuf (RTP
 *     header first, conf id and participant in m->hash.usr) -> the worker's
 *     input ring (MP/SC);
 *   worker: drain the input ring -> codec_conf_rx(); every 20 ms per
 *     conference -> codec_conf_tick() -> one RTP packet per listener ->
 *     dp_node_send() (SRTP protect under the participant stream's keys,
 *     headers, next hop) -> the lcore's wire TX queue.
 * The engine of a conference is touched only by its worker. The control
 * thread changes it through commands on the worker's command ring (SP/SC)
 * and waits for each to complete; with no lcore running (tests) the command
 * runs inline.
 *
 * Context: dp_conf_* on the control thread; dp_worker_* on the worker.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "codec_conf.h"
#include "codec_rtcp.h"

#define DP_CONF_MAX 4096
#define DP_CONF_NONE UINT16_MAX
#define DP_CONF_MAX_PARTS 256
/** RTP packets one tick of one conference may produce. */
#define DP_CONF_MAX_OUT DP_CONF_MAX_PARTS
/** m->hash.usr bit of a participant's RTCP handed to the worker (conf ids use 12 bits). */
#define DP_CONF_RX_RTCP (1u << 31)
/** RTCP reports one worker loop sends at most (the rest wait for the next loop). */
#define DP_CONF_RTCP_BURST 32
/** io lcores a dedicated worker hands packets to (DP_MAX_IO). */
#define DP_WORKER_MAX_IO 16
/** Slots of each worker -> io lcore TX ring. */
#define DP_WTX_RING_SIZE 2048
/*
 * m->hash.usr of a conference RTP packet on its way out: this flag, the
 * participant (bits 16-30) and the payload octets (bits 0-15), read back
 * when the packet is handed to the wire so only what left counts in our SRs.
 * RTCP carries only the participant (bits 16-30), for the SR counts a
 * dedicated worker's io lcore fills in.
 */
#define DP_CONF_TX_TAG_RTP (1u << 31)

struct dp_main;
struct dp_lcore_ctx;

/*
 * RTCP state of one participant (RFC 3550 §6.4), written by the worker only:
 * the SSRC it sends from, its last SR (for LSR/DLSR in our report blocks),
 * when our next report is due, and what its own reports said about the
 * stream we send it.
 */
struct dp_conf_rtcp {
	uint32_t rx_ssrc;            /* SSRC of its RTP, valid with have_rx */
	bool have_rx;
	bool have_remote;            /* a report block about our stream arrived */
	uint32_t lsr;                /* middle 32 bits of its last SR's NTP, 0 = none */
	uint64_t lsr_tsc;            /* when that SR arrived */
	uint64_t next_tsc;           /* our next report */
	uint64_t sent_at[2];         /* wire_packets at the last two reports */
	uint64_t wire_packets;       /* RTP packets to it handed to the wire: our SR count */
	uint64_t wire_octets;        /* their payload octets: our SR octet count */
	uint64_t handed;             /* dedicated worker: RTP to it handed to its io lcore */
	uint64_t reports_sent;       /* SR + RR we sent */
	uint64_t srs_sent;
	uint64_t reports_rx;         /* SR/RR packets from it that parsed */
	uint64_t srs_rx;
	uint64_t rx_errors;          /* RTCP from it that did not parse */
	int64_t rtt_us;              /* RTT from its last block with an LSR, -1 = unknown */
	struct codec_rtcp_rb remote; /* its last report block about our stream */
	struct codec_rtcp_sr remote_sr; /* sender info of its last SR */
};

/* One conference. Created by the control thread, run by one worker. */
struct dp_conf {
	uint16_t id;
	unsigned int worker;        /* lcore id */
	struct codec_conf *engine;  /* owned; the worker's once published */
	uint16_t max_parts;
	uint16_t n_parts;           /* control thread's count */
	bool agc;                   /* automatic gain control on every participant */
	bool noise_gate;            /* noise gate on every participant */
	int8_t opus_complexity;     /* of every Opus mix encoder, -1 = the engine's defaults */
	uint32_t part_stream[DP_CONF_MAX_PARTS]; /* participant -> stream id (worker reads) */
	struct dp_conf_rtcp *rtcp;  /* owned: [max_parts]; worker writes; reset at attach */
	uint64_t rtcp_next_tsc;     /* earliest rtcp[].next_tsc (worker) */
	bool listed;                /* in its worker's list (worker writes) */
	uint64_t next_tick;         /* TSC (worker) */
	/* Counters, written by the worker. */
	uint64_t ticks;
	uint64_t rx_packets;
	uint64_t rx_errors;
	uint64_t tx_packets;        /* RTP handed to the wire */
	uint64_t tx_drops;          /* RTP the engine made that did not leave: the sum of */
	uint64_t tx_drops_no_mbuf;  /*   no mbuf */
	uint64_t tx_drops_path;     /*   dropped by dp_node_send() (no destination or
				     *   neighbour, SRTP; counted by reason on the stream) */
	uint64_t tx_drops_queue_full; /* the wire TX queue was full */
	uint64_t tx_drops_ring_full; /* dedicated worker: the TX ring to the io lcore was full */
	/*
	 * Dedicated workers: the io lcore that transmits this conference's
	 * packets (an index into the worker's tx[]), fixed at create, so each
	 * participant stream's outbound state keeps one writer. That io lcore
	 * writes tx_packets, tx_drops_path, tx_drops_queue_full, rtcp_tx,
	 * rtcp_tx_drops_io and rtcp[].wire_*; the worker writes the rest.
	 */
	uint16_t tx_io;
	uint64_t rtcp_tx_drops_io;  /* RTCP dropped on the io lcore (path, TX queue) */
	uint64_t late_ticks;
	uint64_t rtcp_tx;           /* RTCP compound packets sent */
	uint64_t rtcp_tx_drops;     /* not built or not sent (no mbuf, no neighbour, ...) */
	uint64_t rtcp_rx;
	uint64_t rtcp_rx_errors;
};

/*
 * A conference packet on its way from a dedicated worker to an io lcore
 * (element of a TX ring). The packet is RTP or RTCP, header first; its
 * m->hash.usr carries the SR tag (dp_worker.c). Ownership: the producer's
 * until enqueued, the consumer's after dequeue.
 */
struct dp_wtx {
	struct rte_mbuf *m;
	uint32_t stream;            /* the participant's stream: it is sent from there */
	uint16_t conf;              /* conference id, for its counters */
	uint8_t rtcp;               /* 1: RTCP (SRTCP, port + 1 without rtcp-mux) */
	uint8_t pad;
};

/** Counters of a dedicated worker (the worker lcore writes them). */
struct dp_worker_stats {
	uint64_t ticks;
	uint64_t late_ticks;        /* ticks more than 5 periods late (resynchronised) */
	uint64_t tx_enqueued;       /* packets handed to io lcores */
	uint64_t drop_tx_ring_full_rtp;  /* RTP dropped: the ring to the io lcore was full */
	uint64_t drop_tx_ring_full_rtcp; /* RTCP dropped for the same reason */
};

/** What a worker holds. Lives in the context of its lcore (io or dedicated). */
struct dp_worker {
	struct rte_ring *in;        /* owned: MP/SC, mbufs for this worker's conferences */
	struct rte_ring *cmd;       /* owned: SP/SC, struct dp_wcmd pointers */
	bool dedicated;             /* a worker lcore: output goes to io lcores over tx[] */
	uint16_t n_tx;              /* rings in tx[] (the io lcores, by io index) */
	struct rte_ring *tx[DP_WORKER_MAX_IO]; /* owned: SP/SC struct dp_wtx, to io lcore i */
	struct dp_worker_stats stats;
	int wake_fd;                /* owned: eventfd that ends the lcore's idle sleep, or -1 */
	int sleeping;               /* the lcore is in (or entering) its idle sleep */
	uint16_t n_confs;
	struct dp_conf *confs[DP_CONF_MAX]; /* the worker's list */
	struct codec_conf_out out[DP_CONF_MAX_OUT];
};

/**
 * Create the worker state of io lcore @p lc (rings).
 * @return 0 or -ENOMEM. Context: startup.
 */
int dp_worker_init(struct dp_main *dm, struct dp_lcore_ctx *lc);
/**
 * Make the worker of @p lc a dedicated one: its conferences' packets go to
 * the @p n_io io lcores over one SP/SC ring each (dp_wtx_io_poll() drains
 * them). Call after dp_worker_init(), before the lcores launch.
 * @return 0, -EINVAL (n_io out of range), -ENOMEM. Context: startup.
 */
int dp_worker_set_dedicated(struct dp_lcore_ctx *lc, uint16_t n_io);

/**
 * Hand @p n packets of conference @p conf to io lcore ring @p r (a worker's
 * tx[]): what does not fit is freed and its count returned as dropped.
 * @param streams  the stream each packet leaves from
 * @param rtcp     NULL (all RTP) or per packet
 * @return packets enqueued. Ownership: takes every mbuf.
 * Context: fast path, the ring's only producer (its worker lcore).
 */
uint16_t dp_wtx_enqueue(struct rte_ring *r, uint16_t conf, struct rte_mbuf **pkts,
			const uint32_t *streams, const bool *rtcp, uint16_t n);

/**
 * On io lcore @p lc: take what the dedicated workers queued for it, send it
 * (dp_node_send(): SRTP, headers, next hop) on its wire queue, and count it
 * in the conferences' figures. No-op when there is no dedicated worker.
 * @return packets taken. Context: fast path, the io lcore (each ring's only
 * consumer).
 */
unsigned int dp_wtx_io_poll(struct dp_lcore_ctx *lc);
/**
 * The same, handing the frames to the caller instead of the wire queue
 * (tests; they work without ports): up to @p tx_cap frames into @p tx,
 * their count in @p ntx; the rest are dropped as tx_wire_full.
 */
unsigned int dp_wtx_io_poll_burst(struct dp_lcore_ctx *lc, struct rte_mbuf **tx,
				  uint16_t tx_cap, uint16_t *ntx);
void dp_worker_fini(struct dp_lcore_ctx *lc);

/**
 * Run the worker part of one loop: drain input, then commands, then the
 * conferences whose tick is due; send what they produce on the lcore's wire
 * queue (or, with @p tx non-NULL, hand the frames to the caller).
 * @param now  rte_rdtsc()
 * @param tx   NULL to transmit; else receives up to @p tx_cap frames (tests)
 * @param ntx  frames written to @p tx
 * @return the amount of work done (0 when idle).
 * Context: the worker lcore.
 */
unsigned int dp_worker_poll(struct dp_lcore_ctx *lc, uint64_t now, struct rte_mbuf **tx,
			    uint16_t tx_cap, uint16_t *ntx);

/**
 * Sleep up to @p us microseconds, or until the control thread queues a
 * command (dp_worker_wake()): a command never waits for the end of an idle
 * sleep.
 * Context: the worker lcore, offline for RCU; the only system calls are the
 * sleep itself and reading the eventfd after a wake-up.
 */
void dp_worker_idle_sleep(struct dp_worker *w, uint32_t us);

/**
 * End the idle sleep of worker @p w, if it sleeps; call after enqueueing a
 * command. Context: the control thread.
 */
void dp_worker_wake(struct dp_worker *w);

/** Parameters of a participant as the control protocol gives them. */
struct dp_conf_part_params {
	uint32_t stream_id;
	enum codec_id codec;
	uint8_t pt;
	uint8_t dtmf_pt;         /* 0 = none */
	uint32_t rate;           /* 0 = the codec's */
	uint8_t channels;        /* 0 = 1 */
	uint32_t ssrc;           /* 0 = random */
	enum codec_role role;
	bool hosts_only;
	bool backplane;          /* link to another node: hears only non-backplanes */
	uint8_t backplane_group; /* enum codec_mix_bp: a backplane of that group, 0 = none */
	bool lobby;              /* neither hears nor is heard (PIN entry, waiting room) */
	bool no_send;            /* "send": false: gets no RTP from us (held, RFC 3264 §6.1) */
	bool no_recv;            /* "recv": false: what it sends is not mixed */
	bool tones;              /* play join_tone to the others */
	uint16_t loopback_ms;    /* 0 = off; else hears itself this much later (test call) */
};

/** conference.update: each field applies when its has_ flag is set. */
struct dp_conf_update {
	bool has_lobby, lobby;
	bool has_role;
	enum codec_role role;
	bool has_hosts_only, hosts_only;
	bool has_muted, muted;
	bool has_send, send;     /* direction (codec_conf_set_direction()) */
	bool has_recv, recv;
};

/** Longest loopback delay accepted by dp_conf_attach(), in ms. */
#define DP_CONF_MAX_LOOPBACK_MS 5000

/** What conference.create sets. */
struct dp_conf_params {
	uint16_t max_parts;      /* 1..DP_CONF_MAX_PARTS */
	uint8_t speakers;        /* K, 1..CODEC_MIX_MAX_SPEAKERS */
	bool agc;                /* automatic gain control on every participant */
	bool noise_gate;         /* noise gate on every participant */
	/*
	 * Complexity (0..10) of every Opus mix encoder, shared and N-1 seat
	 * alike; -1 keeps the engine's defaults (codec_conf_cfg_default():
	 * 3 shared, 1 seat). Encoding is most of a conference's cost.
	 */
	int8_t opus_complexity;
};

/** Create a conference. @return its id, -ENOSPC, -EINVAL, -ENOMEM. */
int dp_conf_create(struct dp_main *dm, uint16_t max_parts, uint8_t speakers);
/** The same with AGC and noise gate switched on or off for every participant. */
int dp_conf_create_ex(struct dp_main *dm, uint16_t max_parts, uint8_t speakers, bool agc,
		      bool noise_gate);
/**
 * The same with every setting of @p p (borrowed).
 * @return its id, -ENOSPC, -EINVAL (a field out of range), -ENOMEM, -ENODEV
 * Context: control thread.
 */
int dp_conf_create_params(struct dp_main *dm, const struct dp_conf_params *p);
/** Detach every participant and destroy. @return 0, -ENOENT. */
int dp_conf_delete(struct dp_main *dm, uint16_t id);
/**
 * Attach stream @p p->stream_id as a participant: what arrives on the stream
 * goes into the conference, the participant's mix leaves from the stream.
 * @return the participant index, -ENOENT, -EBUSY (stream relays or is in a
 * conference), -ENOSPC, -EINVAL, -ENOMEM.
 */
int dp_conf_attach(struct dp_main *dm, uint16_t id, const struct dp_conf_part_params *p);
/** @return 0, -ENOENT */
int dp_conf_detach(struct dp_main *dm, uint16_t id, uint16_t part);
/** The same, and with @p tones play leave_tone to those who remain. */
int dp_conf_detach_tones(struct dp_main *dm, uint16_t id, uint16_t part, bool tones);
/**
 * Change a participant's lobby state, role, listening restriction, mute
 * and direction at once (one worker command, so all apply in the same tick).
 * @param st  NULL, or receives the participant's state afterwards (same command)
 * @return 0, -ENOENT, -EINVAL
 */
int dp_conf_update(struct dp_main *dm, uint16_t id, uint16_t part, const struct dp_conf_update *u,
		   struct codec_conf_part_stats *st);
/**
 * Play prompt @p prompt (enum codec_prompt_id) to one participant, or stop
 * with @p prompt < 0.
 * @return 0, -ENOENT, -ENODATA (the prompt is not loaded), -ENOMEM
 */
int dp_conf_prompt(struct dp_main *dm, uint16_t id, uint16_t part, int prompt, bool loop);

/**
 * Load the prompt set from @p dir (replacing a loaded one; call before the
 * workers run or with no conference playing). @p errs as codec_prompt_set_load().
 * @return the number of prompts loaded. Context: startup, tests.
 */
unsigned int dp_conf_prompts_load(const char *dir, int *errs);
/** Free the prompt set. Context: shutdown, after the workers stopped. */
void dp_conf_prompts_free(void);
/** The prompt set (some prompts may be unloaded). */
const struct codec_prompt_set *dp_conf_prompts(void);
/** @return 0, -ENOENT */
int dp_conf_mute(struct dp_main *dm, uint16_t id, uint16_t part, bool muted);
/** Stats of one participant. @return 0, -ENOENT */
int dp_conf_part_stats(struct dp_main *dm, uint16_t id, uint16_t part,
		       struct codec_conf_part_stats *st);
/** The same, and its RTCP state copied into @p rtcp (when non-NULL). */
int dp_conf_part_stats_rtcp(struct dp_main *dm, uint16_t id, uint16_t part,
			    struct codec_conf_part_stats *st, struct dp_conf_rtcp *rtcp);
/** Next DTMF digit detected in conference @p id. @return 1 with a digit, 0 none, -ENOENT. */
int dp_conf_dtmf_poll(struct dp_main *dm, uint16_t id, uint16_t *part, char *digit);
/** Lead before the first digit of a dial-out DTMF sequence (3 s after connect). */
#define DP_CONF_DTMF_LEAD_MS 3000

/**
 * Send RFC 4733 DTMF @p digits ("0"-"9", "*", "#", "A"-"D", "," = 2 s pause)
 * to one participant, the first digit @p lead_ms from now, then one digit
 * every 500 ms (codec_conf_send_dtmf()).
 * @param ms  receives how long the sequence takes, lead included (may be NULL)
 * @return 0, -ENOENT, -ENOTSUP (the participant has no dtmf_pt), -EBUSY (a
 *         sequence is still being sent to it), -EINVAL (bad or empty digits),
 *         -E2BIG (over CODEC_DTMF_MAX_DIGITS), -ETIMEDOUT
 */
int dp_conf_send_dtmf(struct dp_main *dm, uint16_t id, uint16_t part, const char *digits,
		      uint32_t lead_ms, uint32_t *ms);

/** TSC of the next conference tick due on this worker, UINT64_MAX with none. */
uint64_t dp_worker_next_deadline(const struct dp_lcore_ctx *lc);

/** The conference, or NULL. Borrowed: valid until dp_conf_delete(). */
struct dp_conf *dp_conf_lookup(const struct dp_main *dm, uint16_t id);
