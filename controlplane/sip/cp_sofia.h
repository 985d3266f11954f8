/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_sofia.h - the one place controlplane/ includes sofia-sip's NUA headers.
 *
 * sofia-sip types its callback context pointers ("magic") through macros
 * that must be defined before its headers are read, identically in every
 * file; this header does both, so include it instead of <sofia-sip/nua.h>.
 * Context: any controlplane file on the cp main loop.
 */
#pragma once

struct cp_main;
struct cp_sip;

/*
 * What a NUA handle is bound to: the first member of a gateway call leg
 * (services/cp_gw.c) or of a service participant (services/cp_svc.c).
 */
enum cp_hkind {
	CP_H_GW_LEG = 1,
	CP_H_SVC_PART,
};
struct cp_hmagic {
	enum cp_hkind kind;
};

#define SU_ROOT_MAGIC_T struct cp_main
#define NUA_MAGIC_T struct cp_sip
#define NUA_HMAGIC_T struct cp_hmagic

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>
