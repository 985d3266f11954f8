#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# bench_dp_ctl.sh - latency of the data plane's control requests, one at a
# time, as tessera-node makes them for a call into a VMR.
#
# The real data plane (--lcores 0-1, one io lcore that is also the
# conference worker, default idle back-off) runs in a lab namespace. A
# Python client on its control socket repeats, COUNT times, the requests
# of one call: stream.create, conference.attach (PCMU, in the lobby),
# conference.prompt (stop), conference.update (out of the lobby),
# conference.detach, stream.delete; plus a ping. Each request is timed from
# send to reply. With HELD > 0, HELD PCMU participants (streams attached to
# 40 conferences, nothing received) are set up first: the worker ticks and
# sends each its mix (50 packets a second, to the client's discard port)
# while the requests are made, as with held calls.
# Prints "BENCH dp_ctl op=<op> held=<n> us=<median> p90_us=<p90>" lines;
# asserts nothing. Needs root. TSR_DP_EXTRA_ARGS adds data plane options.
#   bench_dp_ctl.sh BENCH_BUILD [COUNT=500] [HELD="0 2000"]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build-bench}" && pwd)
count=${2:-500}
helds=${3:-0 2000}
prefix=tsrbctl
dp="$build/dataplane/tessera-dataplane"
lab="$top/tools/tessera-lab"
tmp=$(mktemp -d)
dp_pid=""

cleanup() {
	[ -z "$dp_pid" ] || { kill "$dp_pid" 2>/dev/null && wait "$dp_pid" 2>/dev/null || true; }
	"$lab" down --prefix "$prefix" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench_dp_ctl: SKIP: needs root (network namespaces)"; exit 0; }
[ -x "$dp" ] || { echo "bench_dp_ctl: SKIP: $dp not built"; exit 0; }
eval "$("$lab" up --prefix "$prefix" --clients 1)"
args=$("$lab" dp-args --prefix "$prefix")

for held in $helds; do
	# shellcheck disable=SC2086
	ip netns exec "$NODE_NS" "$dp" $args --ctl-sock "$tmp/dp.sock" --lcores 0-1 \
		--max-streams 32768 --log-level warn ${TSR_DP_EXTRA_ARGS:-} >"$tmp/dp.log" 2>&1 &
	dp_pid=$!
	/usr/bin/python3 - "$tmp/dp.sock" "$NODE_ADDR" "$count" "$held" "$CLIENT1_ADDR" <<'PY'
import json, socket, statistics, sys, time

path, addr, count, held = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = sys.argv[5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
for _ in range(300):
    try:
        s.connect(path)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("bench_dp_ctl: the data plane did not open its control socket")
s.settimeout(10)
rid = 0

def req(op, args=None):
    global rid
    rid += 1
    m = {"v": 1, "id": rid, "op": op}
    if args is not None:
        m["args"] = args
    t0 = time.perf_counter()
    s.send(json.dumps(m).encode())
    r = json.loads(s.recv(1 << 16))
    us = (time.perf_counter() - t0) * 1e6
    if not r.get("ok"):
        sys.exit("bench_dp_ctl: %s failed: %s" % (op, r.get("error")))
    return r.get("result"), us

confs = [req("conference.create", {"max_participants": 256})[0]["conference_id"]
         for _ in range(40)]
port = 20000
for i in range(held):
    # Held participants get their mix (silence) sent to the client's discard port.
    sid = req("stream.create", {"local_ip": addr, "local_port": port, "remote_ip": client,
                                "remote_port": 9})[0]["stream_id"]
    req("conference.attach", {"conference_id": confs[i % 40], "stream_id": sid, "codec": "PCMU"})
    port += 2
times = {op: [] for op in ("ping", "stream.create", "conference.attach", "conference.prompt",
                           "conference.update", "conference.detach", "stream.delete")}
conf = confs[0]
for i in range(count):
    times["ping"].append(req("ping")[1])
    r, us = req("stream.create", {"local_ip": addr, "local_port": port + 2 * (i % 1000),
                                  "remote_ip": addr, "remote_port": 5004})
    times["stream.create"].append(us)
    sid = r["stream_id"]
    r, us = req("conference.attach", {"conference_id": conf, "stream_id": sid,
                                      "codec": "PCMU", "dtmf_pt": 101, "lobby": True})
    times["conference.attach"].append(us)
    part = r["participant"]
    times["conference.prompt"].append(req("conference.prompt", {"conference_id": conf,
                                          "participant": part, "prompt": None})[1])
    times["conference.update"].append(req("conference.update", {"conference_id": conf,
                                          "participant": part, "lobby": False})[1])
    times["conference.detach"].append(req("conference.detach", {"conference_id": conf,
                                          "participant": part})[1])
    times["stream.delete"].append(req("stream.delete", {"stream_id": sid})[1])
for op, t in times.items():
    t.sort()
    print("BENCH dp_ctl op=%s held=%d us=%.0f p90_us=%.0f count=%d" %
          (op, held, statistics.median(t), t[int(len(t) * 0.9)], len(t)))
PY
	kill "$dp_pid" && wait "$dp_pid" 2>/dev/null || true
	dp_pid=""
done
