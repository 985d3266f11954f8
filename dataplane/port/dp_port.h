/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_port.h - ethdev setup: the wire port and the kernel exception TAP.
 *
 * Embedded mode drives a veth (or any netdev) through net_af_packet or
 * net_af_xdp; bare-metal mode uses the first PCI port EAL probed (a NIC or an
 * SR-IOV VF bound to vfio-pci). Both modes add a net_tap device that carries
 * the node's addresses in the kernel and the wire's MAC.
 * Context: startup and shutdown (main thread).
 */
#pragma once

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

/*
 * Largest frame received whole. af_packet delivers IP datagrams the kernel
 * reassembled (up to this size), so mbufs are sized to hold it.
 */
#define DP_PORT_FRAME_SIZE 4096
#define DP_PORT_MBUF_SIZE (DP_PORT_FRAME_SIZE + RTE_PKTMBUF_HEADROOM)

enum dp_wire_driver {
	DP_WIRE_AF_PACKET = 0,
	DP_WIRE_AF_XDP,
	DP_WIRE_PCI,
};

/**
 * Create (embedded) or find (bare-metal) the wire port and start it with
 * @p nq RX/TX queue pairs.
 * @param iface  netdev name for af_packet/af_xdp; ignored for PCI
 * @return 0 and *port, or -ENODEV/-EINVAL/-EIO.
 */
int dp_port_wire_open(enum dp_wire_driver drv, const char *iface, uint16_t nq,
		      struct rte_mempool *pool, uint16_t *port);

/**
 * Create the exception TAP @p iface (an existing persistent TAP is attached)
 * with MAC @p mac and start it with @p nq queue pairs.
 * @return 0 and *port, or a negative errno.
 */
int dp_port_tap_open(const char *iface, const struct rte_ether_addr *mac, uint16_t nq,
		     struct rte_mempool *pool, uint16_t *port);

/** Stop and close @p port (UINT16_MAX is ignored). */
void dp_port_close(uint16_t port);
