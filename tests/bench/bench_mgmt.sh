#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# bench_mgmt.sh - wrk against tessera-mgmt over HTTPS with keep-alive, on a
# database of 10,000 VMRs and 30,000 aliases: GET one object, GET a
# filtered page of 20, POST create. Prints
#   BENCH mgmt_<case> rps=<requests/s> p99_ms=<ms> errors=<non-2xx>
# and asserts nothing about speed.
#   bench_mgmt.sh BUILD [SECONDS] [CONNECTIONS]
# The database is seeded with sqlite3 in one transaction (rows as the API
# writes them), which takes a second instead of minutes of POSTs.
set -euo pipefail
build=${1:-build-bench} secs=${2:-10} conns=${3:-16}
bin="$build/mgmt-api/tessera-mgmt"
for t in wrk sqlite3 curl; do
	command -v $t >/dev/null || { echo "# bench_mgmt: $t missing, skipped" >&2; exit 0; }
done
[ -x "$bin" ] || { echo "# bench_mgmt: $bin not built, skipped" >&2; exit 0; }
tmp=$(mktemp -d /tmp/tsr-bench-mgmt.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pass=bench-pass-1
base="https://127.0.0.1:$port"
api=/api/admin/configuration/v1

start() {
	"$bin" --listen 127.0.0.1 --port "$port" --state-dir "$tmp/state" --admin-password "$pass" \
		--threads 2 --log-level warn >>"$tmp/mgmt.log" 2>&1 </dev/null &
	pid=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null --cacert "$tmp/state/tls-cert.pem" "$base$api/" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# bench_mgmt: tessera-mgmt did not start" >&2
	exit 1
}
stop() {
	kill -TERM "$pid"
	wait "$pid" || true
	pid=""
}

# Schema first (migrations), then the rows, then serve them.
start
stop
{
	echo "BEGIN;"
	for i in $(seq 1 10000); do
		echo "INSERT INTO conference (id, name, pin, creation_time) VALUES ($i, 'room-$i', '$((1000 + i))', '2026-01-01T00:00:00.000000');"
		for a in 1 2 3; do
			echo "INSERT INTO conference_alias (alias, conference_id, creation_time) VALUES ('room-$i.$a@example.com', $i, '2026-01-01T00:00:00.000000');"
		done
	done
	echo "UPDATE config_state SET version = version + 1;"
	echo "COMMIT;"
} | sqlite3 "$tmp/state/mgmt.db"
start
rows=$(curl -s --cacert "$tmp/state/tls-cert.pem" -u "admin:$pass" "$base$api/conference_alias/?limit=1" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["total_count"])')
echo "# bench_mgmt: 10000 VMRs, $rows aliases, wrk -t2 -c$conns -d${secs}s, HTTPS keep-alive" >&2

auth=$(printf 'admin:%s' "$pass" | base64)
cat >"$tmp/post.lua" <<LUA
local counter = 0
local threads = 0
function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end
function init(args)
	tid = tonumber(tid) or 0 -- set by setup() in this thread's state
end
request = function()
	counter = counter + 1
	local body = string.format('{"name":"bench-%d-%d","aliases":[{"alias":"bench-%d-%d@example.com"}]}',
		tid, counter, tid, counter)
	return wrk.format("POST", "$api/conference/", {
		["Authorization"] = "Basic $auth",
		["Content-Type"] = "application/json"}, body)
end
LUA

# run NAME URL [SCRIPT]: one wrk run, one BENCH line.
run() {
	local name=$1 url=$2 script=${3:-} out rps p99 errs
	local -a args=(-t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Basic $auth")
	[ -n "$script" ] && args+=(-s "$script")
	out=$(wrk "${args[@]}" "$url")
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {v = $2;
		if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v) }
		else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
		printf "%.2f", v}' <<<"$out")
	errs=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
	echo "BENCH mgmt_$name rps=${rps:-0} p99_ms=${p99:-0} errors=${errs:-0}"
}
run get_one "$base$api/conference/5000/"
run get_filtered "$base$api/conference/?name__startswith=room-12&limit=20"
run post_create "$base$api/conference/" "$tmp/post.lua"
