/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * fuzz_cp_ctl.c - libFuzzer target for tessera-node's control socket
 * requests (cp_ctl_request): JSON parsing, the envelope, every op and its
 * arguments, against a node with no calls and an empty configuration (so a
 * command never reaches the data plane). Nothing may crash or leak, and
 * every reply must be a JSON object with "ok".
 *
 * Context: fuzz build only (CC=clang -Dfuzz=true).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cp_ctl.h"
#include "cp_replica.h"
#include "cp_sip.h"
#include "cp_svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cp_sip sip;
static long long version = 7;
static const struct cp_ctl_info info = {.node_name = "fuzz", .config_version = &version,
					.config_source = "file"};

static void
setup(void)
{
	static su_root_t *root;

	if (root != NULL)
		return;
	su_init();
	root = su_root_create(NULL);
	sip.root = root;
	sip.replica = cp_replica_empty();
	sip.cfg.sip_addr = "192.0.2.1";
	sip.cfg.media_addr = "192.0.2.1";
	if (root == NULL || sip.replica == NULL || cp_svc_create(&sip, &sip.svc) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *reply;
	json_t *j;

	setup();
	reply = cp_ctl_request(&sip, &info, (const char *)data, size);
	if (reply == NULL)
		abort();
	j = json_loads(reply, 0, NULL);
	if (!json_is_object(j) || !json_is_boolean(json_object_get(j, "ok")))
		abort();
	json_decref(j);
	free(reply);
	return 0;
}
