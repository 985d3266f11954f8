/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * fuzz_codec_decode.c - libFuzzer target for the audio engine's network
 * input: jitter buffer + decode (+ PLC, FEC) + RFC 4733 + in-band DTMF,
 * through a whole conference tick.
 *
 * The input is a sequence of records:
 *   byte 0: codec of participant 0 (low 2 bits; bit 4 set: G.729), Opus FEC
 *   (bit 2) and stereo (bit 3);
 *   then per record: [pt_sel:1][seq:2][ts:4][dt:1][len:1][payload:len]
 * pt_sel picks the audio payload type (even), telephone-event (odd bit 1),
 * or garbage PT; dt advances the injected clock in ms; a tick runs every
 * record with bit 2 of pt_sel set. Participants 1 and 2 are fixed (G.722,
 * PCMA) so mixing and encoding run as well. Nothing may crash, hang, leak or
 * read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec_conf.h"

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pts[CODEC_ID_COUNT] = {0, 8, 9, 111, 18};
	struct codec_conf_cfg cc;
	struct codec_conf *c;
	struct codec_conf_out out[4];
	struct codec_part_cfg pc;
	enum codec_id id;
	uint16_t idx[3];
	uint64_t now = 0;
	size_t off = 1;
	int ticks = 0;

	if (size < 1)
		return 0;
	id = (enum codec_id)(data[0] & 3);
	if ((data[0] & 0x10) && codec_g729_available())
		id = CODEC_G729;
	codec_conf_cfg_default(&cc, 3);
	if (codec_conf_create(&cc, &c) < 0)
		abort();
	codec_part_cfg_default(&pc, id);
	pc.dtmf_pt = 101;
	pc.inband_dtmf = true;
	pc.rx.fec = (data[0] & 4) != 0;
	pc.rx.channels = (data[0] & 8) && id == CODEC_OPUS ? 2 : 1;
	if (codec_conf_part_add(c, &pc, &idx[0]) < 0)
		abort();
	codec_part_cfg_default(&pc, CODEC_G722);
	if (codec_conf_part_add(c, &pc, &idx[1]) < 0)
		abort();
	codec_part_cfg_default(&pc, CODEC_PCMA);
	if (codec_conf_part_add(c, &pc, &idx[2]) < 0)
		abort();
	while (off + 9 <= size && ticks < 400) {
		const uint8_t *r = data + off;
		uint8_t sel = r[0], len = r[8];
		uint8_t pt = (sel & 1) ? 101 : (sel & 2) ? (uint8_t)(sel >> 3) : pts[id];
		uint16_t who = idx[(sel >> 6) % 3];
		char d;

		off += 9;
		if (len > size - off)
			len = (uint8_t)(size - off);
		now += r[7] * 1000u;
		(void)codec_conf_rx(c, who, pt, (uint16_t)(r[1] << 8 | r[2]), rd32(r + 3),
				    data + off, len, now);
		off += len;
		if (sel & 4) {
			(void)codec_conf_tick(c, out, 4, NULL);
			ticks++;
		}
		while (codec_conf_dtmf_poll(c, &who, &d) == 1)
			;
	}
	for (int t = 0; t < 8; t++)
		(void)codec_conf_tick(c, out, 4, NULL);
	codec_conf_destroy(c);
	return 0;
}
