/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_svc.h - conferencing services reached by a service alias: Virtual
 * Meeting Room (service_type "conference"), Virtual Auditorium ("lecture"),
 * Virtual Reception ("two_stage_dialing") and Test Call ("test_call").
 *
 * A service call is one SIP dialog (a participant) whose media stream is
 * attached to a data plane conference engine (conference.* ops): the node
 * answers at once, then runs the service in the data plane through prompts,
 * DTMF, lobby and role changes:
 *   VMR / VA  PIN entry (FR-PIN-*) -> lock and waiting-for-host rules ->
 *             in the conference; Host DTMF controls *7 lock, *5 guest mute,
 *             ## end; automatic termination (FR-AE-*).
 *   Reception the caller keys a conference number and '#' (FR-VR-*), and is
 *             moved into that VMR/VA on the same dialog and media stream.
 *   Test call the caller hears themself after a delay done in the data plane
 *             worker, then a goodbye prompt, then a hang-up (FR-TCS-3).
 *
 * Each running VMR/VA is one struct cp_conference with one data plane
 * conference; it lives while it has participants. Live state (conferences,
 * participants, events in the admin-log vocabulary) is readable as JSON for
 * the node's control socket and the management node.
 *
 * Context: control path (cp main loop), called from the NUA callback,
 * su_timers and the node control socket.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "cp_sofia.h"

struct cp_sip;
struct cp_replica_service;

/** @return 0, -ENOMEM. Context: startup. */
int cp_svc_create(struct cp_sip *s, struct cp_svc **out);

/** Free what is left (after the stack shut down). NULL is a no-op. */
void cp_svc_destroy(struct cp_svc *v);

/** Hang up every participant (shutdown). */
void cp_svc_hangup_all(struct cp_svc *v);

/**
 * Start a service call for an incoming INVITE.
 * @param svc    the service the alias reaches (borrowed; copied)
 * @param alias  the alias as matched (copied)
 * @param extra  for a VMR/VA the PIN from a `**` dial string, for a
 *               reception the destination from one; NULL when none
 * @return 0 when the participant took the handle over; a negative errno
 *   after responding with an error (the caller keeps the handle).
 */
int cp_svc_start(struct cp_svc *v, nua_handle_t *nh, const sip_t *sip,
		 const struct cp_replica_service *svc, const char *alias, const char *extra);

/** A NUA event for a handle bound to a service participant. */
void cp_svc_event(struct cp_hmagic *hm, nua_event_t ev, int status, const char *phrase,
		  const sip_t *sip, tagi_t tags[]);

/**
 * Live state: {"conferences": [...], "participants": [...]} with the guide's
 * status fields (docs/signaling.md). @return a new reference, NULL on ENOMEM.
 */
json_t *cp_svc_status(struct cp_svc *v);

/**
 * Take the events logged since the previous call (admin-log messages as
 * objects: time, type, message, conference, participant_id, detail).
 * @return a new reference to an array (possibly empty).
 */
json_t *cp_svc_events_take(struct cp_svc *v);

/**
 * Queue an admin-log event object of another component (the registrar) with
 * the conference events, for cp_svc_events_take().
 * @param e  an event object (takes the reference)
 */
void cp_svc_event_add(struct cp_svc *v, json_t *e);

/*
 * Conference and participant control (management commands, node control
 * socket). @return 0, -ENOENT (no such conference or participant), -EINVAL
 * (not applicable), or a data plane error; @p why gets a short reason.
 */
int cp_svc_conf_lock(struct cp_svc *v, const char *conference, bool locked);
int cp_svc_conf_mute_guests(struct cp_svc *v, const char *conference, bool muted);
int cp_svc_conf_disconnect(struct cp_svc *v, const char *conference);
int cp_svc_part_mute(struct cp_svc *v, const char *participant_id, bool muted);
int cp_svc_part_disconnect(struct cp_svc *v, const char *participant_id);
/** @param role "chair"/"host" or "guest" */
int cp_svc_part_role(struct cp_svc *v, const char *participant_id, const char *role);
/** Admit a participant waiting at PIN entry, behind the lock or for a Host. */
int cp_svc_part_admit(struct cp_svc *v, const char *participant_id);
/** Move a participant into another service by alias (as a reception would). */
int cp_svc_part_transfer(struct cp_svc *v, const char *participant_id, const char *alias,
			 const char *role);

/**
 * Dial out from the service reached by @p conference_alias to
 * @p destination (a SIP alias or URI) with role "chair" or "guest"; the
 * participant skips PIN entry. @p dtmf_sequence is played to it after it
 * answers. The call goes out at once; its result shows in status and in the
 * admin log.
 * @return 0 when the INVITE was sent; -ENOENT (no such service alias),
 *   -EINVAL (not a VMR/VA, bad destination), -ENOSPC (no media port).
 */
int cp_svc_dial(struct cp_svc *v, const char *conference_alias, const char *destination,
		const char *role, const char *dtmf_sequence, const char *display, char *msg,
		size_t cap);

/*
 * Media placement (guide part 1 §2.3, backplane/cp_bp.h). A VMR/VA call's
 * media goes where cp_bp_place() says: on this node as for any call, or on
 * a peer ("remote media"), which this node drives with cp_bp_media_*() while
 * it keeps the call's signalling and the service's state machine.
 */

/**
 * Take a reference to this node's data plane conference for @p name,
 * creating it (and announcing it to the peers, which sets up backplanes)
 * when it is the first.
 * @param hosted  the reference is for media hosted for a peer (such
 *                conferences are polled for DTMF)
 * @param dp_conf the data plane conference id
 * @return 0, -ENOMEM, or a data plane error.
 */
int cp_svc_mconf_get(struct cp_svc *v, const char *name, bool hosted, int *dp_conf);

/** Drop a reference from cp_svc_mconf_get(); the last one deletes the conference. */
void cp_svc_mconf_put(struct cp_svc *v, const char *name, bool hosted);

/**
 * What this node's data plane carries for placement: participants whose
 * media is here (not those hosted for peers, see cp_bp_media_hosted()) and
 * conferences (each costs a backplane reservation).
 */
void cp_svc_media_usage(const struct cp_svc *v, unsigned int *parts, unsigned int *confs);

/*
 * Answers of a media node @p node about participant @p id (the channel's
 * peer; anything about a participant whose media is elsewhere is ignored).
 */
/** media_hosted: the stream is at @p addr:@p port; a held INVITE is answered. */
void cp_svc_rmedia_hosted(struct cp_svc *v, const char *node, const char *id, const char *addr,
			  uint16_t port);
/** media_failed: the participant is refused (503) or hung up. */
void cp_svc_rmedia_failed(struct cp_svc *v, const char *node, const char *id, const char *why);
/** media_digits: DTMF from the participant, run as if received here. */
void cp_svc_rmedia_digits(struct cp_svc *v, const char *node, const char *id, const char *digits);
/** The channel to @p node is gone: participants whose media it carried drop (FR-RED-2). */
void cp_svc_rmedia_lost(struct cp_svc *v, const char *node, const char *why);
