/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_port.c - ethdev probing and queue setup.
 *
 * af_packet gets a large frame ring (framecnt=8192): its default of 512
 * frames drops bursts without any ethdev counter showing it.
 * Context: main thread, startup and shutdown.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include "dp_port.h"
#include "tsr_log.h"

#define RX_DESC 1024
#define TX_DESC 1024

static int
start(uint16_t port, uint16_t nq, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nrx = RX_DESC, ntx = TX_DESC;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		TSR_ERR("dp.port", "port has too few queues\tport=%u want=%u max_rx=%u max_tx=%u",
			port, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (nq > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_IP)) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
						   (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
	}
	rc = rte_eth_dev_configure(port, nq, nq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	for (uint16_t q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nrx, rte_eth_dev_socket_id(port), NULL, pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, ntx, rte_eth_dev_socket_id(port), NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc < 0 ? rc : 0;
}

static int
probe(const char *devargs, const char *name, uint16_t *port)
{
	int rc = rte_dev_probe(devargs);

	if (rc < 0) {
		TSR_ERR("dp.port", "cannot create device\tdevargs=\"%s\" err=%d", devargs, rc);
		return -ENODEV;
	}
	if (rte_eth_dev_get_port_by_name(name, port) != 0)
		return -ENODEV;
	return 0;
}

int
dp_port_wire_open(enum dp_wire_driver drv, const char *iface, uint16_t nq,
		  struct rte_mempool *pool, uint16_t *port)
{
	char devargs[256];
	int rc;

	switch (drv) {
	case DP_WIRE_AF_PACKET:
		snprintf(devargs, sizeof(devargs),
			 "net_af_packet0,iface=%s,qpairs=%u,framecnt=8192,blocksz=%u,framesz=%u",
			 iface, nq, DP_PORT_FRAME_SIZE, DP_PORT_FRAME_SIZE);
		rc = probe(devargs, "net_af_packet0", port);
		break;
	case DP_WIRE_AF_XDP:
		snprintf(devargs, sizeof(devargs), "net_af_xdp0,iface=%s,start_queue=0,queue_count=%u",
			 iface, nq);
		rc = probe(devargs, "net_af_xdp0", port);
		break;
	case DP_WIRE_PCI: {
		uint16_t p;

		rc = -ENODEV;
		RTE_ETH_FOREACH_DEV(p) {
			*port = p;
			rc = 0;
			break;
		}
		break;
	}
	default:
		rc = -EINVAL;
	}
	if (rc < 0)
		return rc;
	rc = start(*port, nq, pool);
	if (rc < 0)
		TSR_ERR("dp.port", "cannot start the wire port\tport=%u err=%d", *port, rc);
	return rc;
}

int
dp_port_tap_open(const char *iface, const struct rte_ether_addr *mac, uint16_t nq,
		 struct rte_mempool *pool, uint16_t *port)
{
	char devargs[128], m[RTE_ETHER_ADDR_FMT_SIZE];
	int rc;

	rte_ether_format_addr(m, sizeof(m), mac);
	snprintf(devargs, sizeof(devargs), "net_tap0,iface=%s,mac=%s", iface, m);
	rc = probe(devargs, "net_tap0", port);
	if (rc == 0)
		rc = start(*port, nq, pool);
	if (rc < 0)
		TSR_ERR("dp.port", "cannot start the exception TAP\tiface=%s err=%d", iface, rc);
	return rc;
}

void
dp_port_close(uint16_t port)
{
	if (port == UINT16_MAX)
		return;
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}
