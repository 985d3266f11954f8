/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_lcore.h - io lcore entry point.
 * Context: launched on io lcores by main() with rte_eal_remote_launch().
 */
#pragma once

#include <stdint.h>

#include "dp_main.h"

struct dp_lcore_args {
	uint16_t tap_queues; /* RX queues of the TAP the owner polls */
};

/**
 * Run the io loop until dm->quit. @p arg is a struct dp_lcore_args (borrowed).
 * The lcore's dp_lcores[] slot must be filled before launch.
 * @return 0.
 */
int dp_lcore_main(void *arg);

/**
 * Sum the counters of every active io lcore into @p sum.
 * Context: control path (reads counters other lcores write; values may be a
 * few packets stale).
 */
void dp_lcore_stats_sum(struct dp_lcore_stats *sum);
