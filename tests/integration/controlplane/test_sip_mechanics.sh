#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_sip_mechanics.sh - in-dialog SIP of tessera-node with sipp on both sides.
#
# Lab (tools/tessera-lab, prefix cpmx, 2 clients): tessera-dataplane and
# tessera-node (UDP switched on) in the node namespace; objects: VMRs "Open
# room" (open) and "Alice" (meet.alice, Host PIN 1234); rules gw-(.+) to a
# sipp callee on c2:5070 that answers re-INVITEs, redir-(.+) to a sipp on
# c2:5073 that redirects (301) to another sipp on c2:5074.
# Checks:
#   - UDP: the node listens on UDP 5060, OPTIONS and a service call with
#     hold/resume work over UDP;
#   - session timers (RFC 4028): Session-Expires 120;refresher=uac is
#     accepted and echoed with Require: timer; 30 s gets 422 with Min-SE 90;
#   - UPDATE (RFC 3311) with an offer (hold) and without one (refresh), and a
#     re-INVITE without SDP (offer in the 200, answer in the ACK), in a
#     service call;
#   - REFER from a participant to another VMR alias of the node: 202, NOTIFY
#     with a 200 sipfrag, the participant moves to "Alice" (PIN entry); a
#     REFER to an unknown alias gets 603;
#   - gateway call: re-INVITE without SDP answered on that leg only; UPDATE
#     with a=sendonly reaches the far end as a re-INVITE, its a=recvonly
#     comes back;
#   - a 301 on the outgoing leg is followed once (by the node; NUA itself
#     follows 302 and 305) and the call connects;
#   - the node stays up; SIGTERM stops it.
#
# Context: integration test, root, network namespaces. Environment: TSR_BUILD,
# TSR_SRC (lib/common.sh), TSR_KEEP=1 keeps logs.

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
SIPP_DIR="$HERE/sipp"
NODE_BIN=${NODE_BIN:-$TSR_BUILD/controlplane/tessera-node}
NODE_PID=""

tsr_init cp_sip_mechanics
tsr_require_dataplane
[ -x "$NODE_BIN" ] || tsr_bail "missing $NODE_BIN (build first: ninja -C $TSR_BUILD)"
command -v sipp >/dev/null || tsr_skip "sipp not installed (tools/deps.sh)"
tsr_lab_up cpmx 2
tsr_dp_start || exit 1

cat >"$TSR_TMP/objects.json" <<EOF
{
  "conference": [
    {"id": 1, "name": "Open room", "aliases": [{"alias": "open"}]},
    {"id": 2, "name": "Alice", "pin": "1234", "aliases": [{"alias": "meet.alice"}]}
  ],
  "gateway_routing_rule": [
    {"name": "to c2", "priority": 10, "match_string": "gw-(.+)",
     "replace_string": "\\\\1@$CLIENT2_ADDR:5070;transport=tcp"},
    {"name": "redirected", "priority": 11, "match_string": "redir-(.+)",
     "replace_string": "\\\\1@$CLIENT2_ADDR:5073;transport=tcp"}
  ]
}
EOF

NODE_LOG="$TSR_TMP/node.log"
NODE_CTL="$TSR_TMP/node.sock"
tsr_bg "$NODE_NS" "$NODE_LOG" "$NODE_BIN" --media-addr "$NODE_ADDR" --sip-udp \
	--objects "$TSR_TMP/objects.json" --dp-sock "$DP_SOCK" --tls-dir "$TSR_TMP/tls" \
	--ctl-sock "$NODE_CTL" --log-level debug
NODE_PID=$BG_PID
tsr_check "node listens on TCP 5060" tsr_wait_port "$NODE_NS" tcp 5060 || tsr_finish
tsr_check "node listens on UDP 5060 (--sip-udp)" tsr_wait_port "$NODE_NS" udp 5060

node_alive() { kill -0 "$NODE_PID" 2>/dev/null; }
node_ctl() { "$PY" "$TSR_LIB/nodectl.py" "$NODE_CTL" "$@"; }

# sipp_run NAME TRANSPORT SCENARIO ALIAS [ARGS...]: one call from client 1.
sipp_run() {
	local name=$1 tp=$2 sf=$3 alias=$4
	shift 4
	ip netns exec "$CLIENT1_NS" timeout 40 sipp -nostdin -t "$tp" -sf "$SIPP_DIR/$sf" -m 1 \
		-i "$CLIENT1_ADDR" -p 5090 -mp 16000 -s "$alias" -timeout 35s -trace_msg \
		-message_file "$TSR_TMP/$name.msg" "$@" "$NODE_ADDR:5060" >>"$TSR_TMP/sipp.log" 2>&1
}

# uas NAME PORT SCENARIO [ARGS...]: a sipp callee on client 2 in the background (BG_PID).
uas() {
	local name=$1 port=$2 sf=$3
	shift 3
	tsr_bg "$CLIENT2_NS" "$TSR_TMP/$name.log" timeout 60 sipp -nostdin -t t1 \
		-sf "$SIPP_DIR/$sf" -m 1 -i "$CLIENT2_ADDR" -p "$port" -mp $((port + 10000)) \
		-trace_msg -message_file "$TSR_TMP/$name.msg" "$@"
	tsr_wait_port "$CLIENT2_NS" tcp "$port" || tsr_fail "sipp callee on $port did not start"
}

# state_of ALIAS FIELD: a field of the sipp participant in the node's status.
state_of() {
	node_ctl status | "$PY" -c '
import json, sys
for p in json.load(sys.stdin)["participants"]:
    if "sipp" in p["source_alias"]:
        print(p.get(sys.argv[1])); sys.exit(0)
print("none")' "$1"
}

# ---- UDP ---------------------------------------------------------------------------------------
tsr_check "OPTIONS over UDP: 200" sipp_run udp-options u1 options.xml x
tsr_check "service call over UDP with hold and resume" sipp_run udp-call u1 svc_call.xml open -d 500

# ---- session timers, UPDATE, re-INVITE without SDP (service call) -----------------------------
tsr_check "service call: Session-Expires echoed, UPDATE hold/refresh, offer in 200" \
	sipp_run mech-svc t1 mech_svc.xml open
tsr_check "Session-Expires below Min-SE: 422 with Min-SE: 90" sipp_run timer t1 timer_422.xml open

# ---- REFER ---------------------------------------------------------------------------------------
sipp_run refer t1 refer_ok.xml open -key refer_to meet.alice -d 3000 &
REFER=$!
TSR_BG_PIDS+=("$REFER")
moved=none
for _ in $(seq 50); do
	moved=$(state_of conference)
	[ "$moved" = Alice ] && break
	sleep 0.1
done
tsr_expect_eq "REFER moved the participant into 'Alice'" "$moved" Alice
tsr_expect_eq "it is at the PIN entry of 'Alice'" "$(state_of state)" pin_entry
tsr_check "REFER: 202, NOTIFY with a 200 sipfrag, BYE (sipp)" tsr_wait_exit "$REFER" 15
tsr_check "REFER to an alias that is no conference: 603" \
	sipp_run refer-declined t1 refer_declined.xml open

# ---- gateway call ---------------------------------------------------------------------------------
uas uas-reinvite 5070 uas_reinvite.xml
UAS=$BG_PID
tsr_check "gateway: re-INVITE without SDP, UPDATE passed on as re-INVITE (caller sipp)" \
	sipp_run mech-gw t1 mech_gw.xml gw-x
tsr_check "gateway: the callee saw one re-INVITE and the BYE (callee sipp)" tsr_wait_exit "$UAS" 10
tsr_check "the answer in the ACK was taken" grep -q 'answer in ACK taken' "$NODE_LOG"

# ---- 3xx on the outgoing leg -------------------------------------------------------------------------
uas uas-301 5073 uas_301.xml -key redirect_port 5074
REDIR=$BG_PID
uas uas-moved 5074 uas_answer.xml
MOVED=$BG_PID
tsr_check "a call to a redirecting callee connects at the new contact (caller sipp)" \
	sipp_run redir t1 gw_call.xml redir-x -d 500
tsr_check "the 301 was followed" \
	grep -q "outgoing leg retargeted.*status=301 uri=sip:moved@$CLIENT2_ADDR:5074" "$NODE_LOG"
tsr_check "redirecting callee got its ACK" tsr_wait_exit "$REDIR" 5
tsr_check "new contact answered and got the BYE" tsr_wait_exit "$MOVED" 10

tsr_check "node alive" node_alive
tsr_expect_eq "no call left" "$(node_ctl status | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["participants"]))')" 0
tsr_stop_bg "$NODE_PID" TERM
wait "$NODE_PID" 2>/dev/null
tsr_check "node stopped cleanly" grep -q 'msg="stopped" status=0' "$NODE_LOG"
tsr_finish
