/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_rfc4733.c - RFC 4733 telephone-event payload: parse, receive (one
 * digit per event whatever the duplicates and losses), send (timed packets).
 *
 * Payload (§2.3): event (8 bits), E (1), R (1), volume (6), duration (16).
 * Every packet of an event carries the event's start timestamp (§2.5.1.1);
 * durations grow from it; the last packet has E set and is sent three times
 * (§2.5.1.4). A digit lasts ceil((tone + gap) / 20 ms) ticks, so the
 * defaults (250 + 250 ms) give the 0.5 s per digit of dial-out sequences
 * with a 260 ms tone; ',' pauses (2 s). A sequence may wait a lead time
 * before its first digit (3 s after a dial-out connects). A long event whose duration would overflow 16 bits continues
 * with a new timestamp = old timestamp + duration (§2.5.1.3): the receiver
 * treats that as the same digit.
 * Context: fast path (the conference worker), one state per participant.
 */
#include <errno.h>
#include <string.h>

#include "codec_dtmf.h"

int
codec_rfc4733_parse(const uint8_t *p, size_t len, struct codec_rfc4733_evt *ev)
{
	if (len < CODEC_RFC4733_LEN)
		return -EINVAL;
	ev->event = p[0];
	ev->end = (p[1] & 0x80) != 0;
	ev->volume = p[1] & 0x3f;
	ev->duration = (uint16_t)((p[2] << 8) | p[3]);
	return 0;
}

void
codec_rfc4733_rx_init(struct codec_rfc4733_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

int
codec_rfc4733_rx_packet(struct codec_rfc4733_rx *rx, uint32_t ts, const uint8_t *p, size_t len,
			char *digit)
{
	struct codec_rfc4733_evt ev;
	bool cont;

	if (codec_rfc4733_parse(p, len, &ev) < 0 || codec_dtmf_event_char(ev.event) == 0) {
		rx->malformed++;
		return -EINVAL;
	}
	if (rx->have && ts == rx->ts) {
		if (ev.event != rx->event)
			return 0;
		if (ev.end && rx->ended)
			rx->dup_ends++;
		rx->ended |= ev.end;
		if (ev.duration > rx->duration)
			rx->duration = ev.duration;
		return 0;
	}
	if (rx->have && (int32_t)(ts - rx->ts) < 0)
		return -EAGAIN;
	/* §2.5.1.3 continuation of a long event: same digit, new segment. */
	cont = rx->have && !rx->ended && ev.event == rx->event && ts == rx->ts + rx->duration;
	rx->have = true;
	rx->ts = ts;
	rx->event = ev.event;
	rx->ended = ev.end;
	rx->duration = ev.duration;
	if (cont)
		return 0;
	rx->digits++;
	*digit = codec_dtmf_event_char(ev.event);
	return 1;
}

void
codec_rfc4733_tx_cfg_default(struct codec_rfc4733_tx_cfg *cfg, uint32_t clock_rate)
{
	cfg->clock_rate = clock_rate;
	cfg->duration_ms = 250;
	cfg->gap_ms = 250;
	cfg->pause_ms = 2000;
	cfg->volume = 10;
}

int
codec_rfc4733_tx_init(struct codec_rfc4733_tx *tx, const struct codec_rfc4733_tx_cfg *cfg)
{
	if (cfg->clock_rate == 0 || cfg->duration_ms < 40 ||
	    (uint64_t)cfg->duration_ms * cfg->clock_rate / 1000 > 0xffff || cfg->volume > 63)
		return -EINVAL;
	memset(tx, 0, sizeof(*tx));
	tx->cfg = *cfg;
	return 0;
}

/* Ticks of one sequence element: a digit spans its tone and gap, and at least its end packets. */
static uint32_t
elem_ticks(const struct codec_rfc4733_tx_cfg *cfg, char c)
{
	uint32_t tone = (uint32_t)(cfg->duration_ms + 19) / 20;
	uint32_t span = (uint32_t)(cfg->duration_ms + cfg->gap_ms + 19) / 20;

	if (c == ',')
		return (uint32_t)(cfg->pause_ms + 19) / 20;
	return span < tone + 2 ? tone + 2 : span;
}

uint32_t
codec_rfc4733_tx_ticks(const struct codec_rfc4733_tx_cfg *cfg, const char *digits)
{
	size_t n = strlen(digits);
	uint32_t t = 0;

	if (n == 0 || n > CODEC_DTMF_MAX_DIGITS)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (digits[i] != ',' && codec_dtmf_char_event(digits[i]) < 0)
			return 0;
		t += elem_ticks(cfg, digits[i]);
	}
	return t;
}

int
codec_rfc4733_tx_start_after(struct codec_rfc4733_tx *tx, const char *digits, uint32_t lead_ms)
{
	size_t n = strlen(digits);

	if (codec_rfc4733_tx_busy(tx))
		return -EBUSY;
	if (n > CODEC_DTMF_MAX_DIGITS)
		return -E2BIG;
	if (lead_ms > 60000 || codec_rfc4733_tx_ticks(&tx->cfg, digits) == 0)
		return -EINVAL;
	memcpy(tx->digits, digits, n);
	tx->n = (uint16_t)n;
	tx->cur = 0;
	tx->elapsed = 0;
	tx->lead = (lead_ms + 19) / 20;
	return 0;
}

int
codec_rfc4733_tx_start(struct codec_rfc4733_tx *tx, const char *digits)
{
	return codec_rfc4733_tx_start_after(tx, digits, 0);
}

bool
codec_rfc4733_tx_busy(const struct codec_rfc4733_tx *tx)
{
	return tx->cur < tx->n;
}

bool
codec_rfc4733_tx_in_lead(const struct codec_rfc4733_tx *tx)
{
	return tx->cur < tx->n && tx->lead > 0;
}

static void
put(const struct codec_rfc4733_tx *tx, struct codec_rfc4733_pkt *pkt, uint8_t ev, bool end,
    uint32_t dur)
{
	pkt->payload[0] = ev;
	pkt->payload[1] = (uint8_t)((end ? 0x80 : 0) | tx->cfg.volume);
	pkt->payload[2] = (uint8_t)(dur >> 8);
	pkt->payload[3] = (uint8_t)dur;
	pkt->ts = tx->ev_ts;
	pkt->end = end;
}

int
codec_rfc4733_tx_tick(struct codec_rfc4733_tx *tx, uint32_t now_ts, struct codec_rfc4733_pkt *pkt)
{
	uint32_t ft = tx->cfg.clock_rate / (1000 / 20);
	uint32_t tone = (uint32_t)(tx->cfg.duration_ms + 19) / 20;
	uint32_t k;
	char c;
	int ret = 0;

	if (!codec_rfc4733_tx_busy(tx))
		return 0;
	if (tx->lead > 0) {
		tx->lead--;
		return 0;
	}
	c = tx->digits[tx->cur];
	k = tx->elapsed;
	if (c != ',') {
		uint8_t ev = (uint8_t)codec_dtmf_char_event(c);

		memset(pkt, 0, sizeof(*pkt));
		if (k == 0)
			tx->ev_ts = now_ts;
		if (k + 1 < tone) {
			put(tx, pkt, ev, false, (k + 1) * ft);
			pkt->marker = k == 0;
			ret = 1;
		} else if (k < tone + 2) {
			put(tx, pkt, ev, true, tone * ft);
			pkt->marker = k == 0;
			ret = 1;
		}
	}
	if (++tx->elapsed >= elem_ticks(&tx->cfg, c)) {
		tx->cur++;
		tx->elapsed = 0;
	}
	return ret;
}
