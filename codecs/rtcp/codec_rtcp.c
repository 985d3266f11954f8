/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_rtcp.c - RTCP SR/RR build and parse (see codec_rtcp.h).
 *
 * Layout (RFC 3550 §6.4.1, §6.5): every packet starts with V=2, P, a 5-bit
 * count, the packet type and a length in 32-bit words minus one. An SR has
 * the sender's SSRC, 20 bytes of sender info and 24 bytes per report block;
 * an RR the SSRC and the blocks. SDES (§6.5) carries one chunk: SSRC,
 * CNAME item (type 1, length, text), then a null item and padding to 32 bits.
 *
 * Context: any; no state, no allocation.
 */
#include <errno.h>
#include <string.h>

#include "codec_rtcp.h"

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put_hdr(uint8_t *p, uint8_t count, uint8_t pt, size_t len)
{
	p[0] = (uint8_t)(0x80 | count);
	p[1] = pt;
	p[2] = (uint8_t)((len / 4 - 1) >> 8);
	p[3] = (uint8_t)(len / 4 - 1);
}

static void
put_rb(uint8_t *p, const struct codec_rtcp_rb *rb)
{
	int32_t cl = rb->cumulative_lost;

	/* §6.4.1: 24-bit signed, clamped. */
	if (cl > 0x7fffff)
		cl = 0x7fffff;
	if (cl < -0x800000)
		cl = -0x800000;
	put32(p, rb->ssrc);
	put32(p + 4, (uint32_t)rb->fraction_lost << 24 | ((uint32_t)cl & 0xffffff));
	put32(p + 8, rb->ext_max_seq);
	put32(p + 12, rb->jitter);
	put32(p + 16, rb->lsr);
	put32(p + 20, rb->dlsr);
}

int
codec_rtcp_build(uint32_t ssrc, const struct codec_rtcp_sr *sr, const struct codec_rtcp_rb *rb,
		 const char *cname, uint8_t *buf, size_t cap)
{
	size_t cl = cname != NULL ? strlen(cname) : 0;
	size_t rlen = (sr != NULL ? 28 : 8) + (rb != NULL ? 24 : 0);
	/* SDES: header, SSRC, CNAME item (2 + cl), null item, padding to 4. */
	size_t slen = (8 + 2 + cl + 1 + 3) & ~(size_t)3;
	uint8_t *p = buf;

	if (cl == 0 || cl > 64)
		return -EINVAL;
	if (rlen + slen > cap)
		return -ENOSPC;
	put_hdr(p, rb != NULL ? 1 : 0, sr != NULL ? CODEC_RTCP_SR : CODEC_RTCP_RR, rlen);
	put32(p + 4, ssrc);
	p += 8;
	if (sr != NULL) {
		put32(p, (uint32_t)(sr->ntp >> 32));
		put32(p + 4, (uint32_t)sr->ntp);
		put32(p + 8, sr->rtp_ts);
		put32(p + 12, sr->packets);
		put32(p + 16, sr->octets);
		p += 20;
	}
	if (rb != NULL) {
		put_rb(p, rb);
		p += 24;
	}
	memset(p, 0, slen);
	put_hdr(p, 1, CODEC_RTCP_SDES, slen);
	put32(p + 4, ssrc);
	p[8] = 1; /* CNAME */
	p[9] = (uint8_t)cl;
	memcpy(p + 10, cname, cl);
	return (int)(rlen + slen);
}

/* One SR or RR at @p p (@p plen bytes, header included). */
static int
parse_report(const uint8_t *p, size_t plen, uint32_t about, struct codec_rtcp_info *info)
{
	uint8_t rc = p[0] & 0x1f;
	size_t off = 8;

	if (plen < 8)
		return -EINVAL;
	if (info->reports++ == 0)
		info->ssrc = get32(p + 4);
	if (p[1] == CODEC_RTCP_SR) {
		if (plen < 28)
			return -EINVAL;
		if (!info->has_sr) {
			info->has_sr = true;
			info->sr.ntp = (uint64_t)get32(p + 8) << 32 | get32(p + 12);
			info->sr.rtp_ts = get32(p + 16);
			info->sr.packets = get32(p + 20);
			info->sr.octets = get32(p + 24);
		}
		off = 28;
	}
	if (off + 24u * rc > plen)
		return -EINVAL;
	for (uint8_t i = 0; i < rc; i++, off += 24) {
		const uint8_t *b = p + off;
		uint32_t w = get32(b + 4);

		if (get32(b) != about || info->has_rb)
			continue;
		info->has_rb = true;
		info->rb.ssrc = about;
		info->rb.fraction_lost = (uint8_t)(w >> 24);
		/* Sign-extend the 24-bit cumulative loss. */
		info->rb.cumulative_lost = (int32_t)((w & 0xffffff) ^ 0x800000) - 0x800000;
		info->rb.ext_max_seq = get32(b + 8);
		info->rb.jitter = get32(b + 12);
		info->rb.lsr = get32(b + 16);
		info->rb.dlsr = get32(b + 20);
	}
	return 0;
}

int
codec_rtcp_parse(const uint8_t *p, size_t len, uint32_t about, struct codec_rtcp_info *info)
{
	size_t off = 0;

	memset(info, 0, sizeof(*info));
	if (len < 4)
		return -EINVAL;
	/* RFC 3550 §6.1 / A.2: a compound packet starts with an SR or RR. */
	if (p[1] != CODEC_RTCP_SR && p[1] != CODEC_RTCP_RR)
		return -EINVAL;
	while (off < len) {
		const uint8_t *q = p + off;
		size_t plen;

		if (len - off < 4 || (q[0] >> 6) != 2)
			return -EINVAL;
		plen = 4 * ((size_t)(q[2] << 8 | q[3]) + 1);
		if (plen > len - off)
			return -EINVAL;
		if ((q[1] == CODEC_RTCP_SR || q[1] == CODEC_RTCP_RR) &&
		    parse_report(q, plen, about, info) < 0)
			return -EINVAL;
		if (q[1] == CODEC_RTCP_BYE)
			info->bye = true;
		off += plen;
	}
	return 0;
}

int64_t
codec_rtcp_rtt_us(uint64_t now, uint32_t lsr, uint32_t dlsr)
{
	/* In 1/65536 s, modulo 2^32 as the fields are (wraps every 18 h). */
	int32_t rtt = (int32_t)(codec_rtcp_ntp_mid(now) - lsr - dlsr);

	if (lsr == 0 || rtt < 0)
		return -1;
	return (int64_t)rtt * 1000000 / 65536;
}

uint64_t
codec_rtcp_interval_us(uint64_t min_us, uint32_t rnd)
{
	/* min * (0.5 + rnd / 2^32); intervals over an hour are clamped so the product fits. */
	if (min_us > 3600000000u)
		min_us = 3600000000u;
	return min_us / 2 + ((min_us * rnd) >> 32);
}
