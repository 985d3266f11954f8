/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * fuzz_cp_bp.c - libFuzzer target for the node-to-node control messages
 * (controlplane/backplane/cp_bp_msg.h).
 *
 * The input is read twice: as one frame body, and as a stream of frames
 * (4-octet length, body) the way a connection reassembles them. Every
 * message that parses must encode again and parse back to the same type,
 * conference and numbers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cp_bp_msg.h"

static void
one(const uint8_t *data, size_t size)
{
	struct cp_bp_msg m, again;
	char err[160];
	uint8_t *frame;
	size_t n;

	if (cp_bp_msg_parse((const char *)data, size, &m, err, sizeof(err)) == 0) {
		if (cp_bp_msg_encode(&m, &frame, &n) == 0) {
			if (cp_bp_frame_len(frame) != (int)n - 4 ||
			    cp_bp_msg_parse((const char *)frame + 4, n - 4, &again, err,
					    sizeof(err)) != 0 ||
			    again.type != m.type || strcmp(again.conference, m.conference) != 0 ||
			    again.spi != m.spi || again.port != m.port)
				abort();
			cp_bp_msg_fini(&again);
			free(frame);
		}
	}
	cp_bp_msg_fini(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	one(data, size);
	while (size - off >= 4) {
		int len = cp_bp_frame_len(data + off);

		off += 4;
		if (len < 0 || (size_t)len > size - off)
			break;
		one(data + off, (size_t)len);
		off += (size_t)len;
	}
	return 0;
}
