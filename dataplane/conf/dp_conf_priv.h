/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_conf_priv.h - commands from the control thread to a worker.
 * Context: created by the control thread, executed by the worker (or inline
 * when no lcore runs), then marked done with release semantics.
 */
#pragma once

#include "codec_dtmf.h"
#include "dp_conf.h"

enum dp_wcmd_type {
	DP_WCMD_CONF_ADD = 1, /* put conf in the worker's list */
	DP_WCMD_CONF_DEL,     /* take it out */
	DP_WCMD_PART_ADD,     /* codec_conf_part_add(pcfg) -> part */
	DP_WCMD_PART_DEL,
	DP_WCMD_MUTE,
	DP_WCMD_STATS,        /* -> *stats */
	DP_WCMD_DTMF,         /* -> part, digit; result 1 when one was queued */
	DP_WCMD_UPDATE,       /* upd -> part */
	DP_WCMD_PROMPT,       /* give enc, play prompt (NULL stops) to part */
	DP_WCMD_SEND_DTMF,    /* send digits to part after lead_ms */
};

struct dp_wcmd {
	enum dp_wcmd_type type;
	struct dp_conf *conf;              /* borrowed */
	struct codec_part_cfg pcfg;
	uint32_t stream_id;
	uint16_t part;
	bool mute;
	char digit;
	bool loop;
	const struct codec_prompt *prompt;  /* PROMPT: to play; PART_ADD/DEL: join/leave tone */
	struct codec_enc *enc;              /* PROMPT: private encoder offered; NULL once taken */
	struct dp_conf_update upd;
	char digits[CODEC_DTMF_MAX_DIGITS + 1]; /* SEND_DTMF, NUL-terminated */
	uint32_t lead_ms;                   /* SEND_DTMF */
	struct codec_conf_part_stats stats; /* DP_WCMD_STATS result */
	struct dp_conf_rtcp rtcp;           /* DP_WCMD_STATS result */
	int result;
	int done;
};

/**
 * Execute @p cmd against worker @p w and mark it done.
 * Context: the worker lcore, or the control thread when no lcore runs.
 */
void dp_wcmd_exec(struct dp_worker *w, struct dp_wcmd *cmd, uint64_t now);
