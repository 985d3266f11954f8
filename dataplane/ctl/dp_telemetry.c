/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_telemetry.c - the data plane counters through DPDK telemetry.
 *
 * Registers /tessera/stats (the sums of port.stats), /tessera/lcores (per io
 * lcore) and /tessera/stream,<id> on the telemetry socket
 * (<runtime dir>/dpdk_telemetry.v2), so DPDK's usual telemetry clients and
 * collectors read the same counters as the control socket.
 * Context: registration on the main thread before the lcores start; the
 * callbacks run on DPDK's telemetry thread and only read counters.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_telemetry.h>

#include "dp_ctl.h"
#include "dp_lcore.h"
#include "dp_main.h"

static const struct dp_main *tel_main; /* set once before the lcores start, read-only after */

static void
add_lcore_stats(struct rte_tel_data *d, const struct dp_lcore_stats *s)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{"polls", offsetof(struct dp_lcore_stats, polls)},
		{"busy_polls", offsetof(struct dp_lcore_stats, busy_polls)},
		{"idle_sleeps", offsetof(struct dp_lcore_stats, idle_sleeps)},
		{"rx_wire", offsetof(struct dp_lcore_stats, rx_wire)},
		{"rx_tap", offsetof(struct dp_lcore_stats, rx_tap)},
		{"tx_wire", offsetof(struct dp_lcore_stats, tx_wire)},
		{"tx_tap", offsetof(struct dp_lcore_stats, tx_tap)},
		{"arp_replies", offsetof(struct dp_lcore_stats, arp_replies)},
		{"icmp_echo_replies", offsetof(struct dp_lcore_stats, icmp_echo_replies)},
		{"nd_adverts", offsetof(struct dp_lcore_stats, nd_adverts)},
		{"icmp6_echo_replies", offsetof(struct dp_lcore_stats, icmp6_echo_replies)},
		{"media_rx", offsetof(struct dp_lcore_stats, media_rx)},
		{"media_tx", offsetof(struct dp_lcore_stats, media_tx)},
		{"neigh_requests", offsetof(struct dp_lcore_stats, neigh_requests)},
		{"punt_refragmented", offsetof(struct dp_lcore_stats, punt_refragmented)},
	};
	char key[64];

	for (size_t i = 0; i < RTE_DIM(fields); i++)
		rte_tel_data_add_dict_u64(d, fields[i].name,
					  *(const uint64_t *)((const char *)s + fields[i].off));
	for (unsigned int i = 0; i < DP_PUNT_COUNT; i++) {
		snprintf(key, sizeof(key), "punt_%s", dp_punt_names[i]);
		rte_tel_data_add_dict_u64(d, key, s->punt[i]);
	}
	for (unsigned int i = 0; i < DP_LDROP_COUNT; i++) {
		snprintf(key, sizeof(key), "drop_%s", dp_ldrop_names[i]);
		rte_tel_data_add_dict_u64(d, key, s->drop[i]);
	}
	for (unsigned int i = 0; i < DP_DROP_COUNT; i++) {
		snprintf(key, sizeof(key), "stream_drop_%s", dp_drop_names[i]);
		rte_tel_data_add_dict_u64(d, key, s->stream_drop[i]);
	}
	rte_tel_data_add_dict_u64(d, "esp_rx", s->esp.rx);
	rte_tel_data_add_dict_u64(d, "esp_tx", s->esp.tx);
	for (unsigned int i = 0; i < DP_ESP_DROP_COUNT; i++) {
		snprintf(key, sizeof(key), "esp_drop_%s", dp_esp_drop_names[i]);
		rte_tel_data_add_dict_u64(d, key, s->esp.drop[i]);
	}
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_lcore_stats sum;

	dp_lcore_stats_sum(&sum);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "streams", tel_main->flows.count);
	rte_tel_data_add_dict_u64(d, "max_streams", tel_main->flows.max);
	add_lcore_stats(d, &sum);
	return 0;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int lc;

	rte_tel_data_start_dict(d);
	RTE_LCORE_FOREACH(lc) {
		struct rte_tel_data *c;
		char name[16];

		if (!dp_lcores[lc].active)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		add_lcore_stats(c, &dp_lcores[lc].stats);
		snprintf(name, sizeof(name), "lcore%u", lc);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

static int
tel_stream(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct dp_stream *s;
	char *end;
	unsigned long id;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0' || id >= tel_main->flows.max)
		return -EINVAL;
	s = &tel_main->flows.slots[id];
	if (dp_stream_cfg_get(s) == NULL)
		return -ENOENT;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx_packets", s->stats.rx_pkts);
	rte_tel_data_add_dict_u64(d, "rx_bytes", s->stats.rx_bytes);
	rte_tel_data_add_dict_u64(d, "rx_rtcp_packets", s->stats.rx_rtcp);
	rte_tel_data_add_dict_u64(d, "tx_packets", s->stats.tx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_bytes", s->stats.tx_bytes);
	for (unsigned int i = 0; i < DP_DROP_COUNT; i++) {
		char key[48];

		snprintf(key, sizeof(key), "drop_%s", dp_drop_names[i]);
		rte_tel_data_add_dict_u64(d, key, s->stats.drops[i]);
	}
	return 0;
}

int
dp_telemetry_register(const struct dp_main *dm)
{
	tel_main = dm;
	if (rte_telemetry_register_cmd("/tessera/stats", tel_stats,
				       "Data plane counters summed over io lcores. No parameters") ||
	    rte_telemetry_register_cmd("/tessera/lcores", tel_lcores,
				       "Counters of each io lcore. No parameters") ||
	    rte_telemetry_register_cmd("/tessera/stream", tel_stream,
				       "Counters of one stream. Parameters: int stream_id"))
		return -EINVAL;
	return 0;
}
