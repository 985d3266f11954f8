#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# dp_e2e.sh - the data plane as a process, in network namespaces:
#   1. CPU an idle data plane uses (io lcore backing off) against the same
#      data plane spinning (--idle-sleep-max-us 0), measured side by side;
#   2. end-to-end plain RTP relay rate through af_packet: a sendmmsg blaster
#      in client 1 -> node -> client 2, counted by the data plane.
# Prints BENCH lines. Needs root.
#   dp_e2e.sh BENCH_BUILD [SECONDS=5]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build-bench}" && pwd)
secs=${2:-5}
prefix=tsrbench
dp="$build/dataplane/tessera-dataplane"
ctl="$build/tools/tessctl"
tmp=$(mktemp -d)
pid=""

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	"$top/tools/tessera-lab" down --prefix "$prefix" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "dp_e2e: SKIP: needs root (network namespaces)"; exit 0; }
eval "$("$top/tools/tessera-lab" up --prefix "$prefix" --clients 2)"
args=$("$top/tools/tessera-lab" dp-args --prefix "$prefix")

start() {
	# shellcheck disable=SC2086
	ip netns exec "$NODE_NS" "$dp" $args --ctl-sock "$tmp/dp.sock" --lcores 0-1 "$@" \
		>"$tmp/dp.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		"$ctl" dp --sock "$tmp/dp.sock" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$tmp/dp.log" >&2
	return 1
}

stop() {
	kill "$pid" && wait "$pid" 2>/dev/null || true
	pid=""
}

# CPU seconds (user+sys) of $pid, from /proc.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

idle_cpu() {
	local t0 t1 hz
	hz=$(getconf CLK_TCK)
	sleep 2
	t0=$(cpu_ticks)
	sleep "$secs"
	t1=$(cpu_ticks)
	awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.1f", (b - a) / hz / s * 100 }'
}

start
echo "BENCH dp_idle_cpu idle_sleep_max_us=500 cpu_pct_of_core=$(idle_cpu)"
stop
start --idle-sleep-max-us 0
echo "BENCH dp_idle_cpu idle_sleep_max_us=0(spin,baseline) cpu_pct_of_core=$(idle_cpu)"
stop

start
b=$("$ctl" dp --sock "$tmp/dp.sock" stream.create \
	"{\"local_ip\":\"$NODE_ADDR\",\"local_port\":40002,\"remote_ip\":\"$CLIENT2_ADDR\",\"remote_port\":5004}" |
	sed -n 's/.*"stream_id": \([0-9]*\).*/\1/p')
"$ctl" dp --sock "$tmp/dp.sock" stream.create \
	"{\"local_ip\":\"$NODE_ADDR\",\"local_port\":40000,\"relay_to\":$b}" >/dev/null
# Drop what reaches client 2 in its kernel as early as possible.
ip netns exec "$CLIENT2_NS" sysctl -qw net.ipv4.icmp_ratelimit=1000
ip netns exec "$CLIENT1_NS" ping -c 1 -W 1 "$NODE_ADDR" >/dev/null 2>&1 || true
ip netns exec "$CLIENT2_NS" ping -c 1 -W 1 "$NODE_ADDR" >/dev/null 2>&1 || true
before=$("$ctl" dp --sock "$tmp/dp.sock" stream.stats "{\"stream_id\":$b}" | sed -n 's/.*"tx_packets": \([0-9]*\).*/\1/p')
out=$(ip netns exec "$CLIENT1_NS" "$build/tests/bench/udp_blast" "$NODE_ADDR" 40000 "$secs")
sleep 0.5
after=$("$ctl" dp --sock "$tmp/dp.sock" stream.stats "{\"stream_id\":$b}" | sed -n 's/.*"tx_packets": \([0-9]*\).*/\1/p')
sent=${out#sent=}
sent=${sent%% *}
awk -v a="$before" -v b="$after" -v s="$secs" -v n="$sent" 'BEGIN {
	printf "BENCH dp_e2e_af_packet_relay_plain pkt_bytes=200 sent_kpps=%.0f relayed_kpps=%.0f relayed_pct=%.1f\n",
		n / s / 1e3, (b - a) / s / 1e3, n ? (b - a) * 100 / n : 0 }'
stop
