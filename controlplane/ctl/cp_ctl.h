/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_ctl.h - the node's commands and its local control socket.
 *
 * Commands are what the management node's command API and an operator on
 * the node can ask of running conferences (docs/signaling.md):
 *   conference_lock, conference_unlock, conference_mute_guests,
 *   conference_unmute_guests, conference_disconnect   {"conference_id"}
 *   participant_mute, participant_unmute, participant_disconnect,
 *   participant_unlock (admit)                       {"participant_id"}
 *   participant_role          {"participant_id", "role": "chair"|"guest"}
 *   participant_transfer      {"participant_id", "conference_alias", "role"}
 *   participant_dial          {"conference_alias", "destination", "role",
 *                              "dtmf_sequence", "remote_display_name"}
 * `conference_id` is a running conference's id from status, or its name.
 * Dots are accepted for underscores ("participant.mute").
 *
 * The control socket (unix SOCK_SEQPACKET, the data plane's envelope:
 * {"v":1,"id":N,"op":...,"args":{...}} -> {"v":1,"id":N,"ok":...}) serves
 * those commands plus `ping` and `status`.
 *
 * Context: control path (cp main loop).
 */
#pragma once

#include <jansson.h>

#include "cp_sofia.h"

struct cp_sip;
struct cp_ctl;

/** Extra node facts for `status` (owned by main, borrowed here). */
struct cp_ctl_info {
	const char *node_name;
	long long *config_version; /* live value */
	const char *config_source; /* "file", "management" or "none" */
};

/**
 * Run one command.
 * @param msg  receives a short human message (success or failure)
 * @return 0, -ENOENT (no such conference/participant), -EINVAL (bad or
 *   missing argument, or not applicable), -ENOSYS (unknown command).
 */
int cp_cmd_run(struct cp_sip *s, const char *name, json_t *args, char *msg, size_t cap);

/**
 * Answer one request (the socket's unit of work; also the fuzz target's).
 * @return the reply text (free() it), NULL only when out of memory.
 */
char *cp_ctl_request(struct cp_sip *s, const struct cp_ctl_info *info, const char *buf,
		     size_t len);

/**
 * Listen on @p path and serve requests on @p root.
 * @return 0, or a negative errno when the socket cannot be created.
 */
int cp_ctl_create(su_root_t *root, const char *path, struct cp_sip *s,
		  const struct cp_ctl_info *info, struct cp_ctl **out);

/** Close every connection and the socket, remove its path. NULL is a no-op. */
void cp_ctl_destroy(struct cp_ctl *c);
