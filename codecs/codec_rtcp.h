/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_rtcp.h - RTCP sender and receiver reports (RFC 3550 §6.4): build a
 * compound SR or RR with an SDES CNAME (§6.1), parse what a participant
 * sends, derive the round-trip time (§6.4.1) and the report interval
 * (§6.3.1).
 *
 * Times are NTP timestamps in 32.32 fixed point (seconds since 1900); the
 * caller supplies them (a clock derived from the TSC on the workers, a
 * simulated one in tests). Nothing here allocates or keeps state.
 *
 * Context: any (pure functions); the conference worker in the data plane.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Largest compound packet codec_rtcp_build() writes (SR, one block, SDES). */
#define CODEC_RTCP_MAX_LEN 128
/** Default minimum report interval (RFC 3550 §6.2), microseconds. */
#define CODEC_RTCP_INTERVAL_US 5000000u

enum codec_rtcp_pt {
	CODEC_RTCP_SR = 200,
	CODEC_RTCP_RR = 201,
	CODEC_RTCP_SDES = 202,
	CODEC_RTCP_BYE = 203,
};

/** Sender info of an SR (RFC 3550 §6.4.1). */
struct codec_rtcp_sr {
	uint64_t ntp;       /**< wallclock when the report was sent, 32.32 */
	uint32_t rtp_ts;    /**< the same instant on the stream's RTP clock */
	uint32_t packets;   /**< RTP data packets sent since the stream started */
	uint32_t octets;    /**< their payload octets (headers and padding excluded) */
};

/** One report block (RFC 3550 §6.4.1). */
struct codec_rtcp_rb {
	uint32_t ssrc;            /**< the source this block is about */
	uint8_t fraction_lost;    /**< since the previous report, in 1/256 */
	int32_t cumulative_lost;  /**< 24-bit signed */
	uint32_t ext_max_seq;     /**< extended highest sequence number received */
	uint32_t jitter;          /**< interarrival jitter, RTP timestamp units */
	uint32_t lsr;             /**< middle 32 bits of the source's last SR NTP, 0 = none */
	uint32_t dlsr;            /**< delay since that SR, 1/65536 s */
};

/** What codec_rtcp_parse() found in one compound packet. */
struct codec_rtcp_info {
	uint32_t ssrc;            /**< sender of the first SR or RR */
	bool has_sr;
	struct codec_rtcp_sr sr;
	bool has_rb;              /**< a report block about the SSRC asked for */
	struct codec_rtcp_rb rb;
	uint8_t reports;          /**< SR and RR packets seen */
	bool bye;
};

/**
 * Write a compound RTCP packet: an SR (when @p sr is non-NULL) or an RR from
 * @p ssrc, with @p rb (0 or 1 block; more are not needed: a participant
 * sends one stream), then an SDES chunk with @p cname (at most 64 bytes).
 * @return its length (a multiple of 4), -ENOSPC, -EINVAL
 */
int codec_rtcp_build(uint32_t ssrc, const struct codec_rtcp_sr *sr,
		     const struct codec_rtcp_rb *rb, const char *cname, uint8_t *buf, size_t cap);

/**
 * Parse a compound RTCP packet (plain, after SRTCP). Every packet's version
 * and length are checked; SR/RR sender info and the report block about
 * @p about (our SSRC) are kept, other types are skipped.
 * @return 0, -EINVAL (malformed: not version 2, lengths beyond the
 *         datagram, an SR/RR shorter than its report count, no SR/RR first)
 */
int codec_rtcp_parse(const uint8_t *p, size_t len, uint32_t about, struct codec_rtcp_info *info);

/** The middle 32 bits of an NTP timestamp (LSR, RFC 3550 §6.4.1). */
static inline uint32_t
codec_rtcp_ntp_mid(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

/**
 * Round-trip time from a report block about our stream received at @p now
 * (RFC 3550 §6.4.1: A - LSR - DLSR), in microseconds.
 * @return the RTT, or -1 when the block carries no LSR or the figures are
 *         inconsistent (negative)
 */
int64_t codec_rtcp_rtt_us(uint64_t now, uint32_t lsr, uint32_t dlsr);

/**
 * The next report interval (RFC 3550 §6.3.1): @p min_us times a factor
 * uniformly drawn in [0.5, 1.5) from @p rnd (32 random bits), so reports of
 * many participants do not synchronise.
 */
uint64_t codec_rtcp_interval_us(uint64_t min_us, uint32_t rnd);
