/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_neigh_ctl.h - control-thread side of neighbour resolution.
 * Context: the data plane control thread only.
 */
#pragma once

#include <stdint.h>

#include "dp_main.h"

/**
 * Send an ARP request (IPv4) or Neighbor Solicitation (IPv6) for @p target
 * through the control TX ring.
 * @return 0, -ENOMEM (no mbuf, no IPv6 node address) or -ENOBUFS (ring full).
 */
int dp_neigh_request(struct dp_main *dm, uint8_t family, const uint8_t *target);

/**
 * Drain the events io lcores posted: learn entries, and send at most one
 * request per address every quarter second for addresses to resolve.
 * @return the number of events handled.
 */
unsigned int dp_neigh_poll(struct dp_main *dm, uint64_t now, uint64_t hz);
