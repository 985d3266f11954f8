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
struct cp_leg;

#define SU_ROOT_MAGIC_T struct cp_main
#define NUA_MAGIC_T struct cp_sip
#define NUA_HMAGIC_T struct cp_leg

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>
