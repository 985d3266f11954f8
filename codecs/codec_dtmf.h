/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_dtmf.h - DTMF: in-band detection (Goertzel, 8 kHz) and RFC 4733
 * telephone-event receive and send.
 *
 * In-band detector: windows of 102 samples (12.75 ms) every 51; a window is a digit
 * when the strongest row and column tones carry most of the block energy,
 * each beats the other tones of its group by 8 dB (relative peak), the
 * twist is within +8 dB (column louder, "normal") / -4 dB (row louder,
 * "reverse"), and the level is above -30 dBov per tone. A digit is reported
 * after 4 consecutive windows at a steady level (every tone of 40 ms or more,
 * no tone of 25 ms or less), once, and re-armed after 3 windows without it
 * (ITU-T Q.24 style figures).
 *
 * RFC 4733 receive: packets of one event share its RTP timestamp; the digit is
 * reported once, on the first packet of a new event (start, continuation or
 * end: the start may be lost), and nothing more for its duplicates and its
 * redundant end packets. RFC 4733 send: one packet per 20 ms with growing
 * duration, marker on the first, E bit on the last, the end packet sent three
 * times (§2.5.1.4), a gap between digits, ',' pauses.
 *
 * Context: fast path (the conference worker), one object per participant.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Samples per Goertzel block at 8 kHz. */
#define CODEC_DTMF_BLOCK 102
/** Telephone-event payload size (RFC 4733 §2.3). */
#define CODEC_RFC4733_LEN 4
/** Longest digit sequence a sender takes (the API's limit for dial-out sequences). */
#define CODEC_DTMF_MAX_DIGITS 250

struct codec_dtmf_det {
	int16_t buf[CODEC_DTMF_BLOCK];
	uint16_t fill;
	char cand;      /* digit of the current run, 0 = none */
	uint8_t hits;   /* consecutive blocks of cand */
	uint8_t misses; /* consecutive blocks without the reported digit */
	char reported;  /* digit reported and not yet released */
	float last_tone; /* row + column power of the previous block */
	uint64_t digits;
};

/** Reset a detector. Context: any. */
void codec_dtmf_det_init(struct codec_dtmf_det *d);

/**
 * Feed 8 kHz samples.
 * @param out  receives detected digits ('0'-'9', '*', '#', 'A'-'D')
 * @param cap  room in @p out
 * @return digits written
 */
size_t codec_dtmf_det_feed(struct codec_dtmf_det *d, const int16_t *x, size_t n, char *out,
			   size_t cap);

/** Map an RFC 4733 event code 0..15 to its character, 0 when not a DTMF event. */
char codec_dtmf_event_char(uint8_t event);
/** Map a DTMF character to its event code, -EINVAL when not one. */
int codec_dtmf_char_event(char c);

/** Receive state of one participant. */
struct codec_rfc4733_rx {
	bool have;          /* an event was seen */
	bool ended;         /* its end packet was seen */
	uint32_t ts;        /* RTP timestamp of the current event */
	uint8_t event;
	uint16_t duration;  /* last duration seen for it */
	uint64_t digits;    /* digits reported */
	uint64_t dup_ends;  /* redundant end packets ignored */
	uint64_t malformed;
};

/** One decoded packet (codec_rfc4733_parse()). */
struct codec_rfc4733_evt {
	uint8_t event;
	bool end;
	uint8_t volume;     /* 0..63, -dBm0 */
	uint16_t duration;  /* timestamp units */
};

/**
 * Parse a telephone-event payload (first block only; RFC 4733 §2.3).
 * @return 0, -EINVAL when shorter than 4 bytes
 */
int codec_rfc4733_parse(const uint8_t *p, size_t len, struct codec_rfc4733_evt *ev);

void codec_rfc4733_rx_init(struct codec_rfc4733_rx *rx);

/**
 * Take one received telephone-event packet.
 * @param ts     its RTP timestamp (the event start)
 * @param digit  receives the digit when a new event starts
 * @return 1 when a new digit is reported, 0 otherwise, -EINVAL malformed
 *         (counted), -EAGAIN an old event (timestamp before the current one)
 */
int codec_rfc4733_rx_packet(struct codec_rfc4733_rx *rx, uint32_t ts, const uint8_t *p,
			    size_t len, char *digit);

struct codec_rfc4733_tx_cfg {
	uint32_t clock_rate;   /**< telephone-event clock (8000, or 48000 with Opus) */
	uint16_t duration_ms;  /**< tone length, default 250 (rounded up to 20 ms) */
	uint16_t gap_ms;       /**< silence after each tone, default 250; a digit lasts
				    ceil((duration_ms + gap_ms) / 20 ms) ticks: 500 ms */
	uint16_t pause_ms;     /**< length of ',' in a sequence, default 2000 */
	uint8_t volume;        /**< -dBm0, default 10 */
};

/** Send state of one participant. */
struct codec_rfc4733_tx {
	struct codec_rfc4733_tx_cfg cfg;
	char digits[CODEC_DTMF_MAX_DIGITS];
	uint16_t n;
	uint16_t cur;
	uint32_t lead;      /* ticks left before the first digit (audio flows meanwhile) */
	uint32_t ev_ts;     /* RTP timestamp of the event being sent */
	uint32_t elapsed;   /* ticks into the current digit (tone + gap) */
	uint8_t ends_sent;
};

/** One packet to send (codec_rfc4733_tx_tick()). */
struct codec_rfc4733_pkt {
	uint8_t payload[CODEC_RFC4733_LEN];
	uint32_t ts;        /**< RTP timestamp: the event start */
	bool marker;        /**< first packet of the event */
	bool end;
};

void codec_rfc4733_tx_cfg_default(struct codec_rfc4733_tx_cfg *cfg, uint32_t clock_rate);

/** @return 0, -EINVAL (no clock, zero duration, duration over 65535 timestamp units). */
int codec_rfc4733_tx_init(struct codec_rfc4733_tx *tx, const struct codec_rfc4733_tx_cfg *cfg);

/**
 * Queue digits ("0"-"9", "*", "#", "A"-"D", "," = pause) to start at once.
 * @return 0, -EINVAL (bad character or empty), -EBUSY (a sequence is queued or
 *         being sent), -E2BIG (longer than CODEC_DTMF_MAX_DIGITS)
 */
int codec_rfc4733_tx_start(struct codec_rfc4733_tx *tx, const char *digits);

/**
 * The same, the first digit @p lead_ms (rounded up to 20 ms) from now; until
 * then the sender is busy but codec_rfc4733_tx_in_lead() is true and the
 * caller keeps sending audio.
 * @return as codec_rfc4733_tx_start(), and -EINVAL for a lead over 60 s
 */
int codec_rfc4733_tx_start_after(struct codec_rfc4733_tx *tx, const char *digits,
				 uint32_t lead_ms);

/** Ticks a sequence of @p digits takes with @p cfg (lead excluded), 0 for a bad one. */
uint32_t codec_rfc4733_tx_ticks(const struct codec_rfc4733_tx_cfg *cfg, const char *digits);

/** True while a sequence is queued or being sent (the caller mutes audio during tones). */
bool codec_rfc4733_tx_busy(const struct codec_rfc4733_tx *tx);

/** True while a queued sequence waits for its first digit (audio goes on). */
bool codec_rfc4733_tx_in_lead(const struct codec_rfc4733_tx *tx);

/**
 * One 20 ms tick (also during the lead, which it counts down).
 * @param now_ts  the stream's RTP timestamp for this tick
 * @return 1 when @p pkt is to be sent this tick, 0 otherwise
 */
int codec_rfc4733_tx_tick(struct codec_rfc4733_tx *tx, uint32_t now_ts,
			  struct codec_rfc4733_pkt *pkt);
