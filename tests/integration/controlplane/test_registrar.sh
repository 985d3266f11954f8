#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_registrar.sh - tessera-node's SIP registrar with sipp as the devices.
#
# Lab (tools/tessera-lab, prefix cprg, 2 clients): tessera-dataplane and
# tessera-node in the node namespace; objects from a JSON file:
#   device alice@tessera.test (username alice, password s3cret),
#   device bob@tessera.test (no credentials), device dave@tessera.test;
#   registrar refresh strategy basic, bounds 5-300 s;
#   rule "registered devices": reg-(.+) -> \1@tessera.test, registered only.
# Checks:
#   - REGISTER for an alias not on the allow-list: 404;
#   - wrong password: 401 challenge (MD5, qop=auth, our nonce), then 403;
#   - an expiry below the minimum: 423 with Min-Expires: 5;
#   - right password: 401 then 200; Expires 3600 is cut to the maximum (300);
#     status lists the registration; admin log "Registration added";
#   - a device without credentials registers without a challenge; its
#     5 s registration expires ("Registration deleted", reason expired);
#   - alice registers a second contact (nobody listening there): status has
#     two bindings; a call to reg-alice tries the newest contact, fails over
#     to the other one (a sipp UAS), is answered, media streams exist, BYE;
#   - calls to reg-carol (no device) get 404, to reg-dave (not registered) 480;
#   - unregister (Expires: 0) removes the binding ("Registration deleted");
#   - the node is alive, SIGTERM stops it.
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

tsr_init cp_registrar
tsr_require_dataplane
[ -x "$NODE_BIN" ] || tsr_bail "missing $NODE_BIN (build first: ninja -C $TSR_BUILD)"
command -v sipp >/dev/null || tsr_skip "sipp not installed (tools/deps.sh)"
tsr_lab_up cprg 2
tsr_dp_start || exit 1

cat >"$TSR_TMP/objects.json" <<EOF
{
  "device": [
    {"alias": "alice@tessera.test", "username": "alice", "password": "s3cret"},
    {"alias": "sip:bob@tessera.test"},
    {"alias": "dave@tessera.test", "username": "dave", "password": "x"}
  ],
  "global": {"registration_refresh_strategy": "basic", "basic_min_refresh": 5,
             "basic_max_refresh": 300},
  "gateway_routing_rule": [
    {"name": "registered devices", "priority": 5, "match_string": "reg-(.+)",
     "replace_string": "\\\\1@tessera.test", "called_device_type": "registration"}
  ]
}
EOF

NODE_LOG="$TSR_TMP/node.log"
NODE_CTL="$TSR_TMP/node.sock"
tsr_bg "$NODE_NS" "$NODE_LOG" "$NODE_BIN" --media-addr "$NODE_ADDR" \
	--objects "$TSR_TMP/objects.json" --dp-sock "$DP_SOCK" --tls-dir "$TSR_TMP/tls" \
	--ctl-sock "$NODE_CTL" --log-level debug
NODE_PID=$BG_PID
tsr_check "node listens on TCP 5060" tsr_wait_port "$NODE_NS" tcp 5060 || tsr_finish

node_alive() { kill -0 "$NODE_PID" 2>/dev/null; }
node_ctl() { "$PY" "$TSR_LIB/nodectl.py" "$NODE_CTL" "$@"; }

# regs [ALIAS]: registrations in the node's status (all, or of one alias) as "contact expires" lines.
regs() {
	node_ctl status | "$PY" -c '
import json, sys
for r in json.load(sys.stdin).get("registrations", []):
    if len(sys.argv) < 2 or r["alias"] == sys.argv[1]:
        print(r["contact"], r["expires"], r["is_natted"])' "$@"
}

# reg NAME SCENARIO AOR [ARGS...]: one sipp REGISTER transaction from client 1 (TCP);
# ARGS come first because sipp keeps the first -key of a name.
reg() {
	local name=$1 sf=$2 aor=$3
	shift 3
	ip netns exec "$CLIENT1_NS" timeout 20 sipp -nostdin -t t1 -sf "$SIPP_DIR/$sf" -m 1 \
		-i "$CLIENT1_ADDR" -p 5090 -s "$aor" -timeout 10s -trace_msg \
		-message_file "$TSR_TMP/reg-$name.msg" "$@" -key contact_user "${aor%@*}" \
		-key contact_port 5070 -key expires 120 "$NODE_ADDR:5060" \
		>>"$TSR_TMP/sipp.log" 2>&1
}

# last_hdr NAME HEADER: the header's value in the last message of a sipp trace.
last_hdr() {
	grep -a -i "^$2:" "$TSR_TMP/reg-$1.msg" | tail -1 | cut -d: -f2- | tr -d ' \r'
}

# ---- allow-list and authentication --------------------------------------------------------------
tsr_check "alias not on the allow-list: 404" reg unknown reg_404.xml carol@tessera.test
tsr_check "wrong password: 401 then 403" reg badpw reg_badpw.xml alice@tessera.test \
	-au alice -ap wrong
tsr_check "wrong username: 401 then 403" reg baduser reg_badpw.xml alice@tessera.test \
	-au mallory -ap s3cret
tsr_check "expiry below the minimum: 423" reg brief reg_brief.xml alice@tessera.test \
	-au alice -ap s3cret -key expires 2
tsr_expect_eq "423 names the minimum" "$(last_hdr brief Min-Expires)" 5
tsr_expect_eq "nothing registered yet" "$(regs | wc -l)" 0

tsr_check "right password: 401 then 200" reg ok reg_auth.xml alice@tessera.test \
	-au alice -ap s3cret -key expires 3600
tsr_check "the 200 lists the contact, expiry cut to 300 s" \
	grep -a -q -i "^Contact: <sip:alice@$CLIENT1_ADDR:5070;transport=tcp>;expires=300" "$TSR_TMP/reg-ok.msg"
tsr_expect_eq "status lists the registration" "$(regs sip:alice@tessera.test | cut -d' ' -f1,3)" \
	"sip:alice@$CLIENT1_ADDR:5070;transport=TCP False"
tsr_check "admin log: Registration added" \
	grep -q 'Registration added.*Alias="sip:alice@tessera.test"' "$NODE_LOG"
tsr_check "no password in the logs" bash -c "! grep -q s3cret '$NODE_LOG'"

# ---- no credentials, expiry ---------------------------------------------------------------------
tsr_check "device without credentials: 200 at once" reg bob reg_open.xml bob@tessera.test \
	-key expires 5
tsr_expect_eq "bob is registered" "$(regs sip:bob@tessera.test | wc -l)" 1
expired=0
for _ in $(seq 80); do
	[ "$(regs sip:bob@tessera.test | wc -l)" = 0 ] && { expired=1; break; }
	sleep 0.1
done
tsr_expect_eq "bob's 5 s registration expired" "$expired" 1
tsr_check "admin log: Registration deleted (expired)" \
	grep -q 'Registration deleted.*Alias="sip:bob@tessera.test".*Reason="Registration expired"' "$NODE_LOG"

# ---- calls to a registered alias ----------------------------------------------------------------
tsr_bg "$CLIENT1_NS" "$TSR_TMP/uas.log" timeout 40 sipp -nostdin -t t1 \
	-sf "$SIPP_DIR/uas_answer.xml" -m 1 -i "$CLIENT1_ADDR" -p 5070 -mp 16000
UAS=$BG_PID
tsr_wait_port "$CLIENT1_NS" tcp 5070 || tsr_fail "sipp UAS on 5070 did not start"
tsr_check "a second contact for alice (port 5072, nobody there)" reg second reg_auth.xml \
	alice@tessera.test -au alice -ap s3cret -key contact_port 5072
tsr_expect_eq "two bindings for alice" "$(regs sip:alice@tessera.test | wc -l)" 2

ip netns exec "$CLIENT2_NS" timeout 30 sipp -nostdin -t t1 -sf "$SIPP_DIR/gw_call.xml" -m 1 \
	-i "$CLIENT2_ADDR" -p 5090 -mp 17000 -s reg-alice -d 2000 -timeout 25s -trace_msg \
	-message_file "$TSR_TMP/call.msg" "$NODE_ADDR:5060" >>"$TSR_TMP/sipp.log" 2>&1 &
CALLER=$!
TSR_BG_PIDS+=("$CALLER")
streams=0
for _ in $(seq 80); do
	streams=$(tsr_json "$(tsr_ctl stream.list '{}')" total_count 0)
	[ "$streams" = 2 ] && break
	sleep 0.1
done
tsr_expect_eq "call to reg-alice connected: two data plane streams" "$streams" 2
tsr_check "the caller's call completed (sipp)" tsr_wait_exit "$CALLER" 20
tsr_check "the registered UAS answered and got the BYE (sipp)" tsr_wait_exit "$UAS" 10
tsr_check "routed to the registration" grep -q 'routing to registration.*dest=alice@tessera.test contacts=2' "$NODE_LOG"
tsr_check "the dead contact was skipped for the next one" \
	grep -q "outgoing leg retargeted.*uri=sip:alice@$CLIENT1_ADDR:5070" "$NODE_LOG"

ip netns exec "$CLIENT2_NS" timeout 20 sipp -nostdin -t t1 -sf "$SIPP_DIR/invite_404.xml" -m 1 \
	-i "$CLIENT2_ADDR" -p 5090 -s reg-carol -timeout 10s "$NODE_ADDR:5060" >>"$TSR_TMP/sipp.log" 2>&1
tsr_expect_eq "call to a non-device alias: 404" "$?" 0
ip netns exec "$CLIENT2_NS" timeout 20 sipp -nostdin -t t1 -sf "$SIPP_DIR/invite_480.xml" -m 1 \
	-i "$CLIENT2_ADDR" -p 5090 -s reg-dave -timeout 10s "$NODE_ADDR:5060" >>"$TSR_TMP/sipp.log" 2>&1
tsr_expect_eq "call to a device that is not registered: 480" "$?" 0

# ---- unregister -----------------------------------------------------------------------------------
tsr_check "unregister the second contact (Expires: 0)" reg unreg reg_unreg.xml alice@tessera.test \
	-au alice -ap s3cret -key contact_port 5072
tsr_expect_eq "one binding left" "$(regs sip:alice@tessera.test | wc -l)" 1
tsr_check "admin log: Registration deleted (unregistered)" \
	grep -q 'Registration deleted.*Reason="Unregistered"' "$NODE_LOG"

tsr_check "node alive" node_alive
tsr_stop_bg "$NODE_PID" TERM
wait "$NODE_PID" 2>/dev/null
tsr_check "node stopped cleanly" grep -q 'msg="stopped" status=0' "$NODE_LOG"
tsr_finish
