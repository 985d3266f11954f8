/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * codec_prompt.h - the prompt set: named audio prompts (PIN entry, IVR,
 * locked, ...) and the join/leave tones, loaded once at start from WAV files
 * into 48 kHz mono int16 memory that the conference engines play from.
 *
 * A prompt directory holds one <name>.wav per prompt (RIFF WAVE, PCM 16 bit,
 * mono or stereo, 8-48 kHz); the build generates the default set (espeak-ng
 * for the spoken prompts, synthesized two-note tones), and a theme directory
 * may replace any file. A file that is missing or unreadable leaves that
 * prompt unloaded (samples == NULL); the caller decides what to report.
 *
 * Context: load/free on the control path (they allocate); a loaded set is
 * read-only and may be read by any thread until it is freed.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum codec_prompt_id {
	CODEC_PROMPT_PIN_ENTRY = 0,
	CODEC_PROMPT_PIN_GUEST_OR_HOST,
	CODEC_PROMPT_PIN_WRONG,
	CODEC_PROMPT_LOCKED,
	CODEC_PROMPT_WAITING_HOST,
	CODEC_PROMPT_IVR_WELCOME,
	CODEC_PROMPT_IVR_WRONG,
	CODEC_PROMPT_CONFERENCE_FULL,
	CODEC_PROMPT_GOODBYE,
	CODEC_PROMPT_JOIN_TONE,
	CODEC_PROMPT_LEAVE_TONE,
	CODEC_PROMPT_COUNT,
};

/** Longest prompt accepted: 60 s at 48 kHz. */
#define CODEC_PROMPT_MAX_SAMPLES (60u * 48000u)

/** One loaded prompt: 48 kHz mono int16. */
struct codec_prompt {
	const char *name;  /**< static string, one of the names above */
	int16_t *pcm;      /**< owned by the set; NULL when not loaded */
	uint32_t samples;
};

struct codec_prompt_set {
	struct codec_prompt p[CODEC_PROMPT_COUNT];
};

/** Name of prompt @p id ("pin_entry", ...), NULL when out of range. */
const char *codec_prompt_name(unsigned int id);

/** Id of the prompt called @p name. @return the id, -ENOENT for an unknown name. */
int codec_prompt_lookup(const char *name);

/**
 * Read a WAV file and convert it to 48 kHz mono int16 (libswresample).
 * @param pcm  receives a malloc'ed buffer (free() it)
 * @return 0, -ENOENT/-EACCES (open), -EPROTO (not a PCM16 WAV we read),
 *         -EFBIG (longer than CODEC_PROMPT_MAX_SAMPLES), -ENOMEM, -EIO
 */
int codec_prompt_read_wav(const char *path, int16_t **pcm, uint32_t *samples);

/**
 * Load every prompt of the set from @p dir (<dir>/<name>.wav). Prompts that
 * cannot be read stay unloaded; @p errs (optional, CODEC_PROMPT_COUNT
 * entries) receives each prompt's result (0 or a negative errno).
 * @return the number of prompts loaded
 */
unsigned int codec_prompt_set_load(struct codec_prompt_set *set, const char *dir, int *errs);

/** Free what codec_prompt_set_load() loaded; the set is then empty. */
void codec_prompt_set_free(struct codec_prompt_set *set);

/** The prompt @p id if loaded, else NULL. */
const struct codec_prompt *codec_prompt_get(const struct codec_prompt_set *set,
					    unsigned int id);
