#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# bench_sip.sh - tessera-node under sipp load, in network namespaces.
#
# The real data plane and node run in the node namespace; sipp (client 1)
# calls open VMRs (bench0..bench39, a data plane conference each, so no
# conference passes the engine's 256 participants) over one TCP
# connection with a PCMU offer (a=sendonly: the media streams and
# conference attachments are created on the data plane, no RTP is sent).
#   1. concurrent calls: CALLS calls set up (at 200 per second) and held;
#      tessera-node's RSS before and with them all up gives memory per call
#      (measured first, on a fresh heap);
#   2. calls per second: INVITE-200-ACK-BYE with no hold time, offered at
#      rising rates for SECONDS each on a fresh node; the figure is the
#      highest rate whose calls completed with under 1 % failures (sipp's
#      counters).
# Prints BENCH lines, asserts nothing. Needs root. TSR_DP_EXTRA_ARGS adds
# data plane options (e.g. --idle-sleep-max-us 50).
#   bench_sip.sh BENCH_BUILD [SECONDS=10] [CALLS=5000] [RATES="200 400 600 800 1000 1200"]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build-bench}" && pwd)
secs=${2:-10}
calls=${3:-5000}
rates=${4:-200 400 600 800 1000 1200}
prefix=tsrbsip
dp="$build/dataplane/tessera-dataplane"
node="$build/controlplane/tessera-node"
ctl="$build/tools/tessctl"
lab="$top/tools/tessera-lab"
tmp=$(mktemp -d)
dp_pid="" node_pid="" sipp_pid=""

cleanup() {
	for p in $sipp_pid $node_pid $dp_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
	done
	"$lab" down --prefix "$prefix" >/dev/null 2>&1 || true
	if [ "${TSR_KEEP:-0}" = 1 ]; then echo "# bench_sip: files kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench_sip: SKIP: needs root (network namespaces)"; exit 0; }
command -v sipp >/dev/null || { echo "bench_sip: SKIP: sipp not installed"; exit 0; }
[ -x "$node" ] || { echo "bench_sip: SKIP: $node not built"; exit 0; }
eval "$("$lab" up --prefix "$prefix" --clients 1)"
args=$("$lab" dp-args --prefix "$prefix")

# shellcheck disable=SC2086
ip netns exec "$NODE_NS" "$dp" $args --ctl-sock "$tmp/dp.sock" --lcores 0-1 \
	--max-streams 32768 --log-level warn ${TSR_DP_EXTRA_ARGS:-} >"$tmp/dp.log" 2>&1 &
dp_pid=$!
for _ in $(seq 150); do
	"$ctl" dp --sock "$tmp/dp.sock" ping >/dev/null 2>&1 && break
	sleep 0.1
done

# 40 open VMRs; the injection file cycles through their aliases.
/usr/bin/python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
confs = [{"id": i + 1, "name": "Bench %d" % i, "aliases": [{"alias": "bench%d" % i}]}
         for i in range(40)]
json.dump({"conference": confs}, open(d + "/objects.json", "w"))
with open(d + "/aliases.csv", "w") as f:
    f.write("SEQUENTIAL\n")
    for i in range(40):
        f.write("bench%d\n" % i)
PY

start_node() {
	ip netns exec "$NODE_NS" "$node" --media-addr "$NODE_ADDR" --media-ports 20000-59999 \
		--objects "$tmp/objects.json" --dp-sock "$tmp/dp.sock" --ctl-sock "$tmp/node.sock" \
		--tls-dir "$tmp/tls" --log-level warn >>"$tmp/node.log" 2>&1 &
	node_pid=$!
	for _ in $(seq 100); do
		ip netns exec "$NODE_NS" ss -H -ltn 'sport = :5060' | grep -q . && return 0
		sleep 0.1
	done
}
# SIGTERM hangs every call up and deletes its streams; wait for that, start again.
restart_node() {
	kill "$node_pid" && wait "$node_pid" 2>/dev/null || true
	start_node
}
start_node
# CPU ticks (user + system) of a process.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# The daemon itself (ip netns exec execs it, so the pid is the node's).
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$node_pid/status"; }

# sipp_load RATE COUNT HOLD_MS STATFILE: sipp in client 1 (background, sets sipp_pid).
sipp_load() {
	ip netns exec "$CLIENT1_NS" sipp -nostdin -t t1 -sf "$here/sipp/bench_call.xml" \
		-inf "$tmp/aliases.csv" -i "$CLIENT1_ADDR" -p 5090 -mp 30000 -r "$1" -m "$2" \
		-l "$2" -d "$3" -max_socket 1000 -timeout_error -recv_timeout 10000 \
		-trace_stat -stf "$4" -fd 1 -trace_err -error_file "$4.err" "$NODE_ADDR:5060" \
		>"$tmp/sipp.out" 2>&1 &
	sipp_pid=$!
}

# Last cumulative counter of a sipp statistics file (column by name).
stat_col() {
	awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		{ v = $c } END { print v + 0 }' "$1"
}

# ---- 1. concurrent held calls (first: a fresh heap, so RSS grows with them) --------------------------------------------------------------
sleep 1
rss0=$(rss_kb)
sipp_load 200 "$calls" 3600000 "$tmp/hold.csv"
up=0
for _ in $(seq $((calls / 100 + 120))); do
	sleep 1
	[ -s "$tmp/hold.csv" ] || continue
	up=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "CurrentCall") c = i; next }
		{ v = $c } END { print v + 0 }' "$tmp/hold.csv")
	failed=$(stat_col "$tmp/hold.csv" "FailedCall(C)")
	[ "$up" -ge "$calls" ] || [ "$failed" -gt $((calls / 100)) ] && break
done
sleep 3
rss1=$(rss_kb)
streams=$("$ctl" dp --sock "$tmp/dp.sock" stream.list '{"limit": 1}' 2>/dev/null |
	sed -n 's/.*"total_count": \([0-9]*\).*/\1/p')
awk -v u="$up" -v a="$rss0" -v b="$rss1" -v s="${streams:-0}" -v f="$failed" 'BEGIN {
	printf "BENCH sip_concurrent calls=%d kb_per_call=%.1f rss_before_kb=%d rss_after_kb=%d dp_streams=%d failed=%d\n",
		u, u ? (b - a) / u : 0, a, b, s, f }'
kill "$sipp_pid" 2>/dev/null && wait "$sipp_pid" 2>/dev/null || true
sipp_pid=""
# The held calls' TCP connection is gone; a fresh node (and data plane state) for the rate steps.
restart_node

# ---- 2. calls per second (after the held calls are gone) ------------------------------------------------------------------
best=0 best_fail=0 best_cpu=0
for rate in $rates; do
	t0=$(ticks "$node_pid") d0=$(ticks "$dp_pid") w0=$(date +%s.%N)
	sipp_load "$rate" $((rate * secs)) 0 "$tmp/cps-$rate.csv"
	wait "$sipp_pid" || true
	sipp_pid=""
	t1=$(ticks "$node_pid") d1=$(ticks "$dp_pid") w1=$(date +%s.%N)
	node_cpu=$(awk -v a="$t0" -v b="$t1" -v h="$hz" -v s="$w0" -v e="$w1" \
		'BEGIN { printf "%.0f", (b - a) / h / (e - s) * 100 }')
	dp_cpu=$(awk -v a="$d0" -v b="$d1" -v h="$hz" -v s="$w0" -v e="$w1" \
		'BEGIN { printf "%.0f", (b - a) / h / (e - s) * 100 }')
	ok=$(stat_col "$tmp/cps-$rate.csv" "SuccessfulCall(C)")
	failed=$(stat_col "$tmp/cps-$rate.csv" "FailedCall(C)")
	pct=$(awk -v o="$ok" -v f="$failed" 'BEGIN { printf "%.2f", o + f ? f * 100 / (o + f) : 100 }')
	cps=$(awk -v o="$ok" -v r="$rate" -v s="$secs" 'BEGIN { printf "%.0f", o / s }')
	echo "# offered ${rate}/s for ${secs} s: ok=$ok failed=$failed (${pct}%)" \
		"node_cpu_pct=$node_cpu dataplane_cpu_pct=$dp_cpu" >&2
	if awk -v p="$pct" 'BEGIN { exit !(p < 1.0) }'; then
		best=$rate best_fail=$pct best_cpu=$node_cpu
	else
		break
	fi
	sleep 2
done
echo "BENCH sip_cps cps=$best failed_pct=$best_fail node_cpu_pct=$best_cpu offered_step_s=$secs" \
	"transport=tcp service=open_vmr"

