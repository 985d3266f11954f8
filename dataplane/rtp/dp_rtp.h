/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_rtp.h - RTP and RTCP header validation (RFC 3550, RFC 5761).
 *
 * Pure functions over a byte buffer, used by the io lcores on every media
 * packet and by the fuzz targets. They never read past @len.
 * Context: fast path (io lcores), any thread.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define DP_RTP_HDR_LEN 12
#define DP_RTCP_HDR_LEN 8

/** Why a packet failed validation (0 = valid). */
enum dp_rtp_err {
	DP_RTP_OK = 0,
	DP_RTP_E_SHORT,    /* shorter than the fixed header */
	DP_RTP_E_VERSION,  /* version field is not 2 */
	DP_RTP_E_BOUNDS,   /* CSRC list, extension or padding runs past the end */
	DP_RTP_E_RTCP_LEN, /* RTCP length field disagrees with the datagram */
};

/**
 * RFC 5761 §4: with rtcp-mux, a packet whose second octet is 192..223
 * (RTCP packet types 192-223, i.e. RTP payload types 64-95 with marker) is RTCP.
 */
static inline bool
dp_rtp_is_rtcp(const uint8_t *p, uint32_t len)
{
	return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

/**
 * Length of the RTP header including CSRCs and the header extension
 * (RFC 3550 §5.1, §5.3.1), or 0 when it does not fit in @p len.
 */
static inline uint32_t
dp_rtp_hdr_len(const uint8_t *p, uint32_t len)
{
	uint32_t hl;

	if (len < DP_RTP_HDR_LEN)
		return 0;
	hl = DP_RTP_HDR_LEN + 4u * (p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (hl + 4 > len)
			return 0;
		hl += 4 + 4u * (((uint32_t)p[hl + 2] << 8) | p[hl + 3]);
	}
	return hl <= len ? hl : 0;
}

/**
 * Validate a plain RTP packet: version 2, header bounds, and when P is set a
 * padding count that fits after the header (RFC 3550 §5.1).
 * @p srtp_trailer bytes at the end (SRTP tag) are excluded from the padding
 * check; pass 0 for a plain packet.
 */
static inline enum dp_rtp_err
dp_rtp_validate(const uint8_t *p, uint32_t len, uint32_t srtp_trailer)
{
	uint32_t hl;

	if (len < DP_RTP_HDR_LEN + srtp_trailer)
		return DP_RTP_E_SHORT;
	if ((p[0] >> 6) != 2)
		return DP_RTP_E_VERSION;
	hl = dp_rtp_hdr_len(p, len - srtp_trailer);
	if (hl == 0)
		return DP_RTP_E_BOUNDS;
	/* The padding count is only visible once decrypted; check it for plain RTP. */
	if ((p[0] & 0x20) && srtp_trailer == 0) {
		uint8_t pad = p[len - 1];

		if (pad == 0 || pad > len - hl)
			return DP_RTP_E_BOUNDS;
	}
	return DP_RTP_OK;
}

/**
 * Validate an RTCP compound packet (RFC 3550 §6.4.1): version 2 in the first
 * header and every sub-packet's length word inside the datagram. For SRTCP
 * pass the length without the trailer (E|index, tag): the encrypted part is
 * not walked, only the first header.
 */
static inline enum dp_rtp_err
dp_rtcp_validate(const uint8_t *p, uint32_t len, bool encrypted)
{
	uint32_t off = 0;

	if (len < DP_RTCP_HDR_LEN)
		return DP_RTP_E_SHORT;
	if ((p[0] >> 6) != 2)
		return DP_RTP_E_VERSION;
	if (encrypted)
		return DP_RTP_OK;
	while (off < len) {
		uint32_t plen;

		if (len - off < 4)
			return DP_RTP_E_RTCP_LEN;
		if ((p[off] >> 6) != 2)
			return DP_RTP_E_VERSION;
		plen = 4u * ((((uint32_t)p[off + 2] << 8) | p[off + 3]) + 1);
		if (plen > len - off)
			return DP_RTP_E_RTCP_LEN;
		off += plen;
	}
	return DP_RTP_OK;
}

static inline uint32_t
dp_rtp_ssrc(const uint8_t *p)
{
	return ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) | ((uint32_t)p[10] << 8) | p[11];
}

static inline void
dp_rtp_set_ssrc(uint8_t *p, uint32_t ssrc)
{
	p[8] = ssrc >> 24;
	p[9] = ssrc >> 16;
	p[10] = ssrc >> 8;
	p[11] = ssrc;
}
