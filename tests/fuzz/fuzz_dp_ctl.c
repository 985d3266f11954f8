/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * fuzz_dp_ctl.c - libFuzzer target for the control protocol handler: JSON
 * parsing, field validation, stream create/update/delete.
 *
 * Every reply must be a JSON object with "ok"; a failed request must leave
 * the stream count unchanged. The tables are emptied when they fill up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dp_ctl.h"
#include "dp_fixture.h"

static struct dp_main *dm;
static struct dp_lcore_ctx *lc;
static char resp[DP_CTL_MAX_MSG];

int LLVMFuzzerInitialize(int *argc, char ***argv);

static void
cleanup(void)
{
	dp_fixture_destroy(dm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (dp_fixture_create(32, 1023, &dm, &lc) < 0 || dp_conf_create(dm, 4, 2) != 0)
		abort();
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t before = dm->flows.count;
	json_t *r;
	size_t n;

	if (size > DP_CTL_MAX_MSG)
		return 0;
	n = dp_ctl_handle(dm, (const char *)data, size, resp, sizeof(resp));
	if (n == 0 || n != strlen(resp))
		abort();
	r = json_loads(resp, 0, NULL);
	if (r == NULL || !json_is_boolean(json_object_get(r, "ok")))
		abort();
	if (json_is_false(json_object_get(r, "ok")) && dm->flows.count != before)
		abort(); /* a rejected request changed the table */
	json_decref(r);
	/*
	 * Conference engines allocate with malloc: give back, after each input,
	 * what the input made, so the leak checker sees only real leaks.
	 * Conference 0 (made at start-up) stays, without participants.
	 */
	for (uint16_t i = 1; i < DP_CONF_MAX; i++)
		if (dm->confs[i] != NULL)
			dp_conf_delete(dm, i);
	if (dm->confs[0] != NULL) {
		for (uint16_t p = 0; p < DP_CONF_MAX_PARTS; p++)
			if (dm->confs[0]->part_stream[p] != DP_STREAM_NONE)
				dp_conf_detach(dm, 0, p);
	}
	if (dm->flows.count >= dm->flows.max - 1)
		for (uint32_t i = 0; i < dm->flows.max; i++)
			dp_flow_stream_del(&dm->flows, i);
	return 0;
}
