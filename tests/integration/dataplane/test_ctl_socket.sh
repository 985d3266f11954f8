#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_ctl_socket.sh - the control socket under hostile or careless clients.
#
# With the real data plane running (no traffic needed):
#   - a request larger than 64 KiB gets an E2BIG reply;
#   - garbage, a bare JSON array and binary bytes get EPROTO replies;
#   - with one client connected, 24 more connect at once: 15 are served (the
#     server keeps 16) and the extra ones are closed;
#   - a client that sends 5,000 requests and never reads a reply is dropped
#     without stalling the server for others;
#   - the DPDK telemetry socket answers /tessera/stats (and refuses a stream
#     that does not exist);
#   - after all that a ping answers and the stream table is empty.
#
# Context: integration test, root (the data plane needs its namespace).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

tsr_init ctl_socket
tsr_require_dataplane
tsr_lab_up tsrcs 1
tsr_dp_start || exit 1

CLIENT='
import json, socket, sys, time
path = sys.argv[1]

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    return s

def call(s, raw):
    s.send(raw)
    return json.loads(s.recv(70000))

def code(r):
    return r.get("error", {}).get("code") if not r.get("ok") else "ok"

s = conn()
print("big", code(call(s, b"{\"v\":1,\"id\":1,\"op\":\"ping\",\"pad\":\"" + b"x" * 70000 + b"\"}")))
print("garbage", code(call(s, b"\x00\xff\xfe garbage")))
print("array", code(call(s, b"[1,2,3]")))

# More clients than the server keeps: every connect succeeds (backlog), the
# ones beyond the limit are closed by the server without a reply.
many = [conn() for _ in range(24)]
served = closed = 0
for c in many:
    try:
        c.send(b"{\"v\":1,\"id\":2,\"op\":\"ping\"}")
        r = c.recv(70000)
        if r:
            served += 1
        else:
            closed += 1
    except (ConnectionError, socket.timeout, OSError):
        closed += 1
print("many served=%d closed=%d" % (served, closed))
for c in many:
    c.close()

# A client that never reads: the server must drop it, not block.
hog = conn()
hog.setblocking(False)
sent = 0
for i in range(5000):
    try:
        hog.send(b"{\"v\":1,\"id\":%d,\"op\":\"port.stats\"}" % i)
        sent += 1
    except (BlockingIOError, ConnectionError, OSError):
        break
t0 = time.time()
other = conn()
ok = code(call(other, b"{\"v\":1,\"id\":3,\"op\":\"ping\"}"))
print("while-hogged", ok, "%.1fs" % (time.time() - t0))
r = call(other, b"{\"v\":1,\"id\":4,\"op\":\"stream.list\"}")
print("streams", r["result"]["total_count"])
'
out=$(ip netns exec "$NODE_NS" "$PY" -c "$CLIENT" "$DP_SOCK" 2>&1)
echo "$out" | sed 's/^/# /'
tsr_expect_eq "request over 64 KiB is refused" "$(grep '^big ' <<<"$out")" "big E2BIG"
tsr_expect_eq "garbage is refused" "$(grep '^garbage ' <<<"$out")" "garbage EPROTO"
tsr_expect_eq "a JSON array is refused" "$(grep '^array ' <<<"$out")" "array EPROTO"
tsr_expect_eq "with one client open, 15 of 24 more are served (16 at most), the rest closed" \
	"$(grep '^many ' <<<"$out")" "many served=15 closed=9"
tsr_check "a client that never reads does not stall the server" \
	grep -q '^while-hogged ok' <<<"$out"
tsr_expect_eq "the stream table is unchanged" "$(grep '^streams ' <<<"$out")" "streams 0"
# The same counters through DPDK telemetry: find this process's socket by pid.
TEL='
import glob, json, socket, sys
pid = int(sys.argv[1])
for path in glob.glob("/var/run/dpdk/tsr-*/dpdk_telemetry.v2"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(path)
    except OSError:
        continue
    if json.loads(s.recv(4096)).get("pid") != pid:
        continue
    s.send(b"/tessera/stats")
    st = json.loads(s.recv(65536))["/tessera/stats"]
    s.send(b"/tessera/stream,99")
    bad = json.loads(s.recv(65536))["/tessera/stream"]
    print("streams=%d max=%d has_punt=%s bad_stream=%s" % (st["streams"], st["max_streams"],
          "punt_udp_unknown" in st, bad))
    break
else:
    print("no telemetry socket")
'
tel=$("$PY" -c "$TEL" "$DP_PID" 2>&1)
tsr_expect_eq "telemetry /tessera/stats answers for this data plane" "$tel" \
	"streams=0 max=32768 has_punt=True bad_stream=None"
tsr_check "ping answers afterwards" tsr_ctl_quiet ping
tsr_check "data plane still running" tsr_dp_alive
tsr_finish
