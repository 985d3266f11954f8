#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_gateway_call.sh - tessera-node's Distributed Gateway with real SIP clients.
#
# Lab (tools/tessera-lab, prefix cpgw, 3 clients): the real tessera-dataplane
# and tessera-node in the node namespace (SIP on the node address behind the
# TAP, TCP 5060 and TLS 5061, no UDP), routing rules from a JSON file:
#   gw-(.+)   -> \1@c2:5060    (baresip, answermode=auto, SRTP mandatory)
#   busy-(.+) -> \1@c3:5071    (sipp UAS answering 486)
#   ring-(.+) -> \1@c3:5070    (sipp UAS that rings until cancelled)
# plus a conference alias "meet" (services: test_services.sh).
# Checks:
#   - OPTIONS gets 200 (sipp);
#   - an unknown alias gets 404, a GSM-only offer 488, a busy callee's 486
#     comes back to the caller, CANCEL during ringing gives 200 + 487 and
#     cancels the outgoing leg (sipp on both sides);
#   - RFC 4475 malformed requests get a 4xx (or the connection closed) and the
#     node keeps answering OPTIONS;
#   - a call from baresip c1 over TLS with SRTP to gw-c2 reaches baresip c2;
#     two data plane streams relay each other and their counters move both
#     ways; each side hears the other's tone (1000 Hz c1 -> c2, 1500 Hz
#     c2 -> c1; Goertzel on baresip's sndfile recordings); c1's BYE ends c2's
#     leg and the streams are deleted;
#   - SIGTERM stops the node cleanly.
#
# Context: integration test, root, network namespaces. Environment: TSR_BUILD,
# TSR_SRC (lib/common.sh), TSR_KEEP=1 keeps logs and recordings.

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
SIPP_DIR="$HERE/sipp"
NODE_BIN=${NODE_BIN:-$TSR_BUILD/controlplane/tessera-node}
NODE_PID=""
NODE_LOG=""

tsr_init gw_call
tsr_require_dataplane
[ -x "$NODE_BIN" ] || tsr_bail "missing $NODE_BIN (build first: ninja -C $TSR_BUILD)"
command -v sipp >/dev/null || tsr_skip "sipp not installed (tools/deps.sh)"
command -v baresip >/dev/null || tsr_skip "baresip not installed (tools/deps.sh)"
tsr_lab_up cpgw 3
tsr_dp_start || exit 1

# ---- the node ---------------------------------------------------------------------
cat >"$TSR_TMP/objects.json" <<EOF
{
  "conference": [
    {"id": 1, "name": "Demo room", "service_type": "conference", "aliases": [{"alias": "meet"}]}
  ],
  "gateway_routing_rule": [
    {"name": "busy callee", "priority": 5, "match_string": "busy-(.+)",
     "replace_string": "\\\\1@$CLIENT3_ADDR:5071"},
    {"name": "ringing callee", "priority": 6, "match_string": "ring-(.+)",
     "replace_string": "\\\\1@$CLIENT3_ADDR:5070"},
    {"name": "disabled catch-all", "priority": 1, "enable": false, "match_string": ".*",
     "replace_string": "nobody@$CLIENT3_ADDR"},
    {"name": "to c2", "priority": 10, "match_string": "gw-(.+)",
     "replace_string": "\\\\1@$CLIENT2_ADDR:5060"}
  ]
}
EOF

NODE_LOG="$TSR_TMP/node.log"
tsr_bg "$NODE_NS" "$NODE_LOG" "$NODE_BIN" --media-addr "$NODE_ADDR" \
	--objects "$TSR_TMP/objects.json" --dp-sock "$DP_SOCK" --tls-dir "$TSR_TMP/tls" \
	--ctl-sock "$TSR_TMP/node.sock" --log-level debug
NODE_PID=$BG_PID
tsr_check "node listens on TCP 5060" tsr_wait_port "$NODE_NS" tcp 5060 || tsr_finish
tsr_check "node listens on TLS 5061" tsr_wait_port "$NODE_NS" tcp 5061
tsr_check "no SIP over UDP by default" \
	bash -c "! ip netns exec '$NODE_NS' ss -H -lun 'sport = :5060' | grep -q ."

node_alive() { kill -0 "$NODE_PID" 2>/dev/null; }

# sipp_run NS ADDR PORT SCENARIO [ARGS...]: one sipp call over TCP to the node.
sipp_run() {
	local ns=$1 addr=$2 port=$3 sf=$4
	shift 4
	ip netns exec "$ns" timeout 20 sipp -nostdin -t t1 -sf "$SIPP_DIR/$sf" -m 1 -i "$addr" \
		-p "$port" -timeout 15s -trace_msg -message_file "$TSR_TMP/sipp-$sf.msg" "$@" \
		"$NODE_ADDR:5060" >>"$TSR_TMP/sipp.log" 2>&1
}

# ---- signaling only (sipp) ----------------------------------------------------------------
tsr_check "OPTIONS answered 200" sipp_run "$CLIENT3_NS" "$CLIENT3_ADDR" 5090 options.xml
tsr_check "unknown alias gets 404" sipp_run "$CLIENT3_NS" "$CLIENT3_ADDR" 5090 invite_404.xml \
	-s nobody
tsr_check "offer without a relayable codec gets 488" \
	sipp_run "$CLIENT3_NS" "$CLIENT3_ADDR" 5090 invite_488.xml -s gw-c2
tsr_check "488 carries a Warning" grep -q '^Warning: 305 ' "$TSR_TMP/sipp-invite_488.xml.msg"

tsr_bg "$CLIENT3_NS" "$TSR_TMP/uas486.log" timeout 20 sipp -nostdin -t t1 \
	-sf "$SIPP_DIR/uas_486.xml" -m 1 -i "$CLIENT3_ADDR" -p 5071
UAS486=$BG_PID
tsr_wait_port "$CLIENT3_NS" tcp 5071 || tsr_fail "sipp UAS on 5071 did not start"
tsr_check "callee's 486 mapped back to the caller" \
	sipp_run "$CLIENT1_NS" "$CLIENT1_ADDR" 5090 invite_486.xml -s busy-x
tsr_check "busy UAS got its ACK" tsr_wait_exit "$UAS486" 5

tsr_bg "$CLIENT3_NS" "$TSR_TMP/uasring.log" timeout 20 sipp -nostdin -t t1 \
	-sf "$SIPP_DIR/uas_ring.xml" -m 1 -i "$CLIENT3_ADDR" -p 5070
UASRING=$BG_PID
tsr_wait_port "$CLIENT3_NS" tcp 5070 || tsr_fail "sipp UAS on 5070 did not start"
tsr_check "CANCEL while ringing: 200 for CANCEL, 487 for INVITE" \
	sipp_run "$CLIENT1_NS" "$CLIENT1_ADDR" 5090 invite_cancel.xml -s ring-x
tsr_check "outgoing leg cancelled too (UAS saw CANCEL and ACK)" tsr_wait_exit "$UASRING" 5

# A bare INVITE without SDP to the conference alias (the connection stays open for the answer).
svc_invite() {
	printf 'INVITE sip:meet@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s:5099;rport;branch=z9hG4bKmeet1\r\n' \
		"$NODE_ADDR" "$CLIENT3_ADDR"
	printf 'From: <sip:t@%s>;tag=1\r\nTo: <sip:meet@%s>\r\nCall-ID: meet-1\r\nCSeq: 1 INVITE\r\n' \
		"$CLIENT3_ADDR" "$NODE_ADDR"
	printf 'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n'
	sleep 1
}
got=$(svc_invite | ip netns exec "$CLIENT3_NS" timeout 3 socat -t 2 - "TCP:$NODE_ADDR:5060" 2>/dev/null |
	grep -a -o '^SIP/2.0 [0-9]*' | tail -1)
tsr_expect_eq "INVITE without SDP to a service alias is answered (the offer is ours)" "$got" "SIP/2.0 200"

# ---- malformed requests (RFC 4475) -----------------------------------------------------------
ip netns exec "$CLIENT3_NS" "$PY" "$HERE/sip-torture/torture.py" "$NODE_ADDR" 5060 tcp --timeout 2 \
	--rewrite-via-transport --results "$TSR_TMP/torture.jsonl" >"$TSR_TMP/torture.log" 2>&1
tsr_expect_eq "RFC 4475 malformed requests refused ($(tail -1 "$TSR_TMP/torture.log"))" \
	"$(tail -1 "$TSR_TMP/torture.log")" "7 passed, 0 failed"
tsr_check "node alive after malformed input" node_alive

# ---- a real call: baresip -> node (TLS, SRTP) -> baresip ----------------------------------------
tsr_baresip_conf "$TSR_TMP/c1" "$CLIENT1_ADDR" 1000 "audio_codecs=opus/48000/2,PCMU/8000/1"
tsr_baresip_conf "$TSR_TMP/c2" "$CLIENT2_ADDR" 1500 "answermode=auto;audio_codecs=PCMU/8000/1"

tsr_bg "$CLIENT2_NS" "$TSR_TMP/c2.log" baresip -f "$TSR_TMP/c2"
C2_PID=$BG_PID
tsr_wait_port "$CLIENT2_NS" tcp 5060 || tsr_fail "baresip c2 did not start"
tsr_bg "$CLIENT1_NS" "$TSR_TMP/c1.log" baresip -f "$TSR_TMP/c1" \
	-e "/dial sip:gw-c2@$NODE_ADDR:5061;transport=tls" -t 8
C1_PID=$BG_PID

for _ in $(seq 100); do
	grep -q 'msg="call connected"' "$NODE_LOG" && break
	sleep 0.1
done
tsr_check "call connected through the node" grep -q 'msg="call connected"' "$NODE_LOG"
tsr_check "both legs SRTP" grep -q 'call connected.*srtp_a=AES_CM_128_HMAC_SHA1_80 srtp_b=AES_CM_128_HMAC_SHA1_80' "$NODE_LOG"
streams=$(tsr_ctl stream.list '{}')
tsr_expect_eq "two data plane streams" "$(tsr_json "$streams" total_count)" 2
S0=$(tsr_json "$streams" streams.0.stream_id)
S1=$(tsr_json "$streams" streams.1.stream_id)
tsr_expect_eq "streams relay to each other" \
	"$(tsr_json "$streams" streams.0.relay_to)/$(tsr_json "$streams" streams.1.relay_to)" "$S1/$S0"
sleep 2
rx0=$(tsr_stat "$S0" rx_packets) tx0=$(tsr_stat "$S0" tx_packets)
rx1=$(tsr_stat "$S1" rx_packets) tx1=$(tsr_stat "$S1" tx_packets)
sleep 2
tsr_expect_ge "stream $S0 receives (2 s)" "$(tsr_sub "$(tsr_stat "$S0" rx_packets)" "$rx0")" 80
tsr_expect_ge "stream $S0 sends (2 s)" "$(tsr_sub "$(tsr_stat "$S0" tx_packets)" "$tx0")" 80
tsr_expect_ge "stream $S1 receives (2 s)" "$(tsr_sub "$(tsr_stat "$S1" rx_packets)" "$rx1")" 80
tsr_expect_ge "stream $S1 sends (2 s)" "$(tsr_sub "$(tsr_stat "$S1" tx_packets)" "$tx1")" 80
tsr_expect_eq "no SRTP auth failures" \
	"$(tsr_stat "$S0" drops.srtp_auth)/$(tsr_stat "$S1" drops.srtp_auth)" "0/0"

tsr_check "caller hung up by itself" tsr_wait_exit "$C1_PID" 15
for _ in $(seq 50); do
	grep -q 'msg="call ended"' "$NODE_LOG" && break
	sleep 0.1
done
tsr_check "BYE ended both legs" grep -q 'msg="call ended"' "$NODE_LOG"
tsr_check "callee got the BYE" grep -q 'terminated' "$TSR_TMP/c2.log"
tsr_expect_eq "streams deleted" "$(tsr_json "$(tsr_ctl stream.list '{}')" total_count)" 0
tsr_stop_bg "$C2_PID" INT

wav1=$(ls "$TSR_TMP"/c1/dump-*-dec.wav 2>/dev/null | head -1)
wav2=$(ls "$TSR_TMP"/c2/dump-*-dec.wav 2>/dev/null | head -1)
tsr_check "c1 hears c2's 1500 Hz (not its own 1000 Hz)" \
	tsr_tone "${wav1:-/nonexistent}" --expect 1500 --absent 1000 --min-seconds 3
tsr_check "c2 hears c1's 1000 Hz (not its own 1500 Hz)" \
	tsr_tone "${wav2:-/nonexistent}" --expect 1000 --absent 1500 --min-seconds 3
tsr_check "no decrypt errors at the clients" \
	bash -c "! grep -q 'failed to decrypt' '$TSR_TMP/c1.log' '$TSR_TMP/c2.log'"

# ---- clean shutdown -------------------------------------------------------------------------------
tsr_check "node still alive" node_alive
kill -TERM "$NODE_PID"
rc=timeout
for _ in $(seq 50); do
	if ! kill -0 "$NODE_PID" 2>/dev/null; then
		wait "$NODE_PID"
		rc=$?
		break
	fi
	sleep 0.1
done
tsr_expect_eq "SIGTERM stops the node with status 0" "$rc" 0
tsr_check "node logged its stop" grep -q 'msg=stopped\|msg="stopped"' "$NODE_LOG"
if [ "$TSR_FAILS" -ne 0 ]; then
	echo "# ---- last lines of $NODE_LOG ----"
	grep -v 'options answered' "$NODE_LOG" | tail -n 40 | sed 's/^/# /'
fi
tsr_finish
