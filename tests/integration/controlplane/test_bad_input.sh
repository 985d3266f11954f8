#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_bad_input.sh - broken SIP messages and SDP bodies against tessera-node.
#
# Lab (tools/tessera-lab, prefix cpbi, 1 client): tessera-dataplane and
# tessera-node (UDP on) in the node namespace with one open VMR ("open").
# badinput_sip.py sends its corpus (headers missing, huge or repeated, bad
# Content-Length, wrong CSeq, SIP/3.0, junk; SDP with unknown crypto
# suites, bad keys, invalid ports, addresses and payload types, oversized
# and binary bodies) over UDP and then over TCP; every case must get one of
# its allowed answers (a 4xx, or no answer / connection closed where nothing
# sensible can be answered) and an OPTIONS probe must get 200 after it.
# Then a real sipp call into the VMR still works, no call or data plane
# stream is left over, and SIGTERM stops the node cleanly.
#
# Context: integration test, root, network namespaces. Environment: TSR_BUILD,
# TSR_SRC (lib/common.sh), TSR_KEEP=1 keeps logs.

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
NODE_BIN=${NODE_BIN:-$TSR_BUILD/controlplane/tessera-node}
NODE_PID=""

tsr_init cp_bad_input
tsr_require_dataplane
[ -x "$NODE_BIN" ] || tsr_bail "missing $NODE_BIN (build first: ninja -C $TSR_BUILD)"
command -v sipp >/dev/null || tsr_skip "sipp not installed (tools/deps.sh)"
tsr_lab_up cpbi 1
tsr_dp_start || exit 1

echo '{"conference": [{"id": 1, "name": "Open room", "aliases": [{"alias": "open"}]}]}' \
	>"$TSR_TMP/objects.json"
NODE_LOG="$TSR_TMP/node.log"
NODE_CTL="$TSR_TMP/node.sock"
tsr_bg "$NODE_NS" "$NODE_LOG" "$NODE_BIN" --media-addr "$NODE_ADDR" --sip-udp \
	--objects "$TSR_TMP/objects.json" --dp-sock "$DP_SOCK" --tls-dir "$TSR_TMP/tls" \
	--ctl-sock "$NODE_CTL" --log-level info
NODE_PID=$BG_PID
tsr_check "node listens on TCP 5060" tsr_wait_port "$NODE_NS" tcp 5060 || tsr_finish
tsr_check "node listens on UDP 5060" tsr_wait_port "$NODE_NS" udp 5060

node_alive() { kill -0 "$NODE_PID" 2>/dev/null; }
node_ctl() { "$PY" "$TSR_LIB/nodectl.py" "$NODE_CTL" "$@"; }

for tp in udp tcp; do
	ip netns exec "$CLIENT1_NS" "$PY" "$HERE/badinput_sip.py" "$NODE_ADDR" 5060 "$tp" \
		--timeout 2 >"$TSR_TMP/bad-$tp.log" 2>&1
	sed 's/^/# /' "$TSR_TMP/bad-$tp.log" | grep -v '^# ok - '
	tsr_expect_eq "broken SIP/SDP over $tp answered or dropped as expected" \
		"$(tail -1 "$TSR_TMP/bad-$tp.log" | sed 's/.* passed, //')" "0 failed"
	tsr_check "node alive after the $tp corpus" node_alive
done

tsr_check "a real call into the VMR still works (sipp)" \
	ip netns exec "$CLIENT1_NS" timeout 30 sipp -nostdin -t t1 \
	-sf "$HERE/sipp/svc_call.xml" -m 1 -i "$CLIENT1_ADDR" -p 5090 -mp 16000 -s open -d 500 \
	-timeout 25s "$NODE_ADDR:5060" >"$TSR_TMP/sipp.log" 2>&1
tsr_expect_eq "no participant left" \
	"$(node_ctl status | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["participants"]))')" 0
tsr_expect_eq "no data plane stream left" "$(tsr_json "$(tsr_ctl stream.list '{}')" total_count)" 0
tsr_stop_bg "$NODE_PID" TERM
wait "$NODE_PID" 2>/dev/null
tsr_check "node stopped cleanly" grep -q 'msg="stopped" status=0' "$NODE_LOG"
tsr_finish
