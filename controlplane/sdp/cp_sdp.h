/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_sdp.h - SDP offer/answer for audio relay legs (RFC 3264, RFC 4568 SDES).
 *
 * The node parses a remote description with sofia-sip's sdp_parse() into a
 * fixed-size struct cp_sdp_desc (no allocation survives the call), keeping
 * only what the relay can carry: the first audio m-line over RTP/AVP or
 * RTP/SAVP, the codecs the platform knows (PCMU, PCMA, G722, G729, opus,
 * telephone-event), and a=crypto lines of the four data plane suites with a
 * well-formed inline key. Every other m-line is remembered so the answer can
 * reject it with port 0 at the same position (RFC 3264 §6).
 * It writes descriptions with snprintf (never through sofia's printer), so
 * the bytes we send are exactly the ones this file builds.
 *
 * Context: control path (cp main loop); also the fuzz target. Pure functions,
 * no global state. Key material is never logged.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CP_SDP_MAX_CODECS 16
#define CP_SDP_MAX_CRYPTO 8
#define CP_SDP_MAX_MLINES 8
/** base64 of the longest master key || salt (AEAD_AES_256_GCM, 44 bytes) plus NUL. */
#define CP_SDP_KEY_B64_MAX 64
#define CP_SDP_ADDR_MAX 46

enum cp_sdp_proto {
	CP_SDP_PROTO_AVP = 0, /* RTP/AVP */
	CP_SDP_PROTO_SAVP,    /* RTP/SAVP with SDES */
};

/* Values match sofia's sdp_mode_t bits: send = 1, recv = 2. */
enum cp_sdp_dir {
	CP_SDP_INACTIVE = 0,
	CP_SDP_SENDONLY = 1,
	CP_SDP_RECVONLY = 2,
	CP_SDP_SENDRECV = 3,
};

enum cp_srtp_suite {
	CP_SRTP_NONE = 0,
	CP_SRTP_AES_CM_128_HMAC_SHA1_80,
	CP_SRTP_AES_CM_128_HMAC_SHA1_32,
	CP_SRTP_AEAD_AES_128_GCM,
	CP_SRTP_AEAD_AES_256_GCM,
};

struct cp_sdp_codec {
	uint8_t pt;
	uint8_t channels; /* 1 unless the rtpmap says otherwise */
	uint32_t rate;
	char name[24];	/* as written by the peer (case kept) */
	char fmtp[192]; /* "" when absent */
};

struct cp_sdp_crypto {
	uint32_t tag;
	enum cp_srtp_suite suite;
	char key[CP_SDP_KEY_B64_MAX]; /* base64(master key || salt); secret */
};

/* An m-line the relay does not carry, echoed with port 0 in answers. */
struct cp_sdp_other {
	char media[16];
	char proto[32];
	char fmt[64];
};

struct cp_sdp_audio {
	int family; /* AF_INET or AF_INET6 */
	char addr[CP_SDP_ADDR_MAX];
	uint16_t port; /* 0: the peer rejected or put the stream on hold by port */
	enum cp_sdp_proto proto;
	enum cp_sdp_dir dir;
	bool rtcp_mux;
	uint32_t ptime; /* 0 when absent */
	unsigned int n_codecs;
	struct cp_sdp_codec codecs[CP_SDP_MAX_CODECS];
	unsigned int n_crypto;
	struct cp_sdp_crypto crypto[CP_SDP_MAX_CRYPTO];
};

/*
 * A parsed remote description. Invariants after a successful parse:
 * audio_index < n_mlines; others[i] is meaningful for i != audio_index;
 * audio.n_codecs >= 1 and at least one codec is not telephone-event;
 * audio.proto == SAVP implies audio.n_crypto >= 1 (offers) - answers are
 * checked against the offer by cp_sdp_check_answer().
 */
struct cp_sdp_desc {
	unsigned int n_mlines;
	unsigned int audio_index;
	struct cp_sdp_other others[CP_SDP_MAX_MLINES];
	struct cp_sdp_audio audio;
	char reason[96]; /* why parsing failed (for logs and Warning headers) */
};

/** What cp_sdp_write() needs for one side of a leg. */
struct cp_sdp_out {
	const char *addr; /* our media address (borrowed) */
	int family;
	uint64_t sess_id;
	uint64_t sess_version;
	uint16_t port;
	enum cp_sdp_proto proto;
	enum cp_sdp_dir dir;
	bool rtcp_mux;
	uint32_t ptime;
	unsigned int n_codecs;
	const struct cp_sdp_codec *codecs; /* borrowed */
	unsigned int n_crypto;
	const struct cp_sdp_crypto *crypto; /* borrowed; our keys */
	/* m-lines to reject around the audio one (answers); NULL for offers */
	const struct cp_sdp_desc *mirror;
};

/**
 * Parse an SDP body and keep what the audio relay can carry.
 * @param body  SDP text (borrowed; need not be NUL-terminated)
 * @param len   its length
 * @param out   filled on success; out->reason is set on failure
 * @return 0; -EBADMSG when sofia cannot parse it or it has no usable
 *   connection address; -ENOTSUP when it is well formed but offers nothing
 *   we accept (no audio m-line, another transport, no known codec, SAVP
 *   without a supported crypto suite); -E2BIG when it has more than
 *   CP_SDP_MAX_MLINES m-lines.
 * Context: control path; allocates only inside a temporary su_home.
 */
int cp_sdp_parse(const char *body, size_t len, struct cp_sdp_desc *out);

/**
 * Check an answer against the offer we sent: every answered codec must have
 * been offered with the same payload type, name and rate (the relay does not
 * rewrite payload types), SAVP must name exactly one crypto line whose tag
 * and suite we offered, and the transport must match. Codecs failing the
 * check are dropped from @p answer.
 * @param offer   the offer we sent (borrowed)
 * @param answer  the parsed answer (borrowed, modified)
 * @param tag_idx index into offer->crypto of the accepted crypto line (SAVP)
 * @return 0; -ENOTSUP when no common codec remains, or the transport or
 *   crypto do not fit (answer->reason is set).
 * Context: control path.
 */
int cp_sdp_check_answer(const struct cp_sdp_audio *offer, struct cp_sdp_desc *answer,
			unsigned int *tag_idx);

/**
 * Write a description.
 * @param buf  output (borrowed), @p cap bytes, NUL-terminated on success
 * @return the length written, or -ENOSPC when @p cap is too small, -EINVAL
 *   on a bad argument.
 * Context: control path.
 */
int cp_sdp_write(char *buf, size_t cap, const struct cp_sdp_out *o);

/** "AES_CM_128_HMAC_SHA1_80" etc.; "NULL" for CP_SRTP_NONE. */
const char *cp_srtp_suite_name(enum cp_srtp_suite s);

/** Bytes of master key || salt of suite @p s (30, 30, 28, 44), 0 for NONE. */
size_t cp_srtp_key_len(enum cp_srtp_suite s);

/**
 * Fill @p c with a fresh random key for suite @p s.
 * @return 0, or -EIO when the kernel has no randomness for us.
 * Context: control path (getrandom(2), may block only before boot entropy).
 */
int cp_sdp_crypto_make(struct cp_sdp_crypto *c, uint32_t tag, enum cp_srtp_suite s);

/** True when @p c is RFC 4733 telephone-event. */
bool cp_sdp_codec_is_dtmf(const struct cp_sdp_codec *c);
