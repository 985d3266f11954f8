/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_ctl_priv.h - what the control-protocol handler files share (dp_ctl.c
 * and the per-feature dp_ctl_*.c files): the error of a request and the
 * operations the feature files implement. Private to dataplane/ctl.
 *
 * Context: the data plane control thread.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dp_esp_sa.h"
#include "dp_flow.h"

struct dp_main;

/** The error of a failed request: code, message and the field at fault. */
struct ctl_err {
	const char *code;
	char message[160];
	const char *field;
};

/* ESP backplane operations (dp_ctl_esp.c). */
int dp_ctl_esp_sa_add(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e);
int dp_ctl_esp_sa_del(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e);
int dp_ctl_esp_sa_stats(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e);
int dp_ctl_esp_sa_list(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e);
int dp_ctl_esp_sa_rekey(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e);
int dp_ctl_esp_sa_switch(struct dp_main *dm, json_t *args, json_t **res, struct ctl_err *e);

/**
 * The stream field "esp_sa": null (plain) or the SPI of an outbound SA
 * whose local address is the stream's. Sets p->esp_out/esp_slot.
 * @return 0 or -1 (@p e set).
 */
int dp_ctl_esp_stream_sa(struct dp_main *dm, json_t *v, struct dp_stream_params *p,
			 struct ctl_err *e);

/** Add "esp_sa" (the SPI) to a stream's JSON when it sends through ESP. */
void dp_ctl_esp_stream_json(struct dp_main *dm, const struct dp_stream_cfg *c, json_t *o);

/** The ESP counters of an lcore (or their sum) as a JSON object (new reference). */
json_t *dp_ctl_esp_lcore_json(const struct dp_esp_lstats *s);
