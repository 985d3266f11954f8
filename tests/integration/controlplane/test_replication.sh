#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_replication.sh - two real tessera-node processes enrolled with the real
# tessera-mgmt, driven through its REST API (curl) and called with sipp.
#
# Lab (tools/tessera-lab, prefix cprp, 2 clients): one data plane in the node
# namespace shared by node A (SIP 5060/5061, media 40000-44999) and node B
# (SIP 5070/5071, media 45000-49999), each with its own control socket and
# sqlite replica; tessera-mgmt on 127.0.0.1 in the same namespace.
# Checks:
#   - enrolment: worker_vm objects, bootstrap documents (token + certificate to
#     pin), both nodes replicate and report (status/v1/worker_vm in sync);
#   - a VMR created through the API reaches both nodes (their config_version
#     and a sipp call into it on each; the propagation time is printed);
#   - the call shows in status/v1/participant; a mute and a disconnect through
#     the command API reach the node and the caller gets the node's BYE;
#   - the management node stops: calls still work on both nodes; node B
#     restarts meanwhile and serves from its sqlite replica;
#   - the management node returns: a new alias reaches both nodes;
#   - history/v1/participant has the calls.
#
# Context: integration test, root, network namespaces. Environment: TSR_BUILD,
# TSR_SRC (lib/common.sh), TSR_KEEP=1 keeps logs.

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
SIPP_DIR="$HERE/sipp"
NODE_BIN=${NODE_BIN:-$TSR_BUILD/controlplane/tessera-node}
MGMT_BIN=${MGMT_BIN:-$TSR_BUILD/mgmt-api/tessera-mgmt}

tsr_init cp_replication
tsr_require_dataplane
for b in "$NODE_BIN" "$MGMT_BIN"; do
	[ -x "$b" ] || tsr_bail "missing $b (build first: ninja -C $TSR_BUILD)"
done
command -v sipp >/dev/null || tsr_skip "sipp not installed (tools/deps.sh)"
command -v curl >/dev/null || tsr_skip "curl not installed (tools/deps.sh)"
tsr_lab_up cprp 2
tsr_dp_start || exit 1

# ---- management node --------------------------------------------------------------------
MGMT_PORT=8443
MGMT_STATE="$TSR_TMP/mgmt"
ADMIN="admin:replication-test-1"
BASE="https://127.0.0.1:$MGMT_PORT"
C=/api/admin/configuration/v1
MGMT_PID=""
mgmt_start() {
	tsr_bg "$NODE_NS" "$TSR_TMP/mgmt.log" "$MGMT_BIN" --listen 127.0.0.1 --port "$MGMT_PORT" \
		--state-dir "$MGMT_STATE" --admin-password "${ADMIN#admin:}"
	MGMT_PID=$BG_PID
	for _ in $(seq 100); do
		ip netns exec "$NODE_NS" curl -s -o /dev/null -k "$BASE/" && return 0
		sleep 0.1
	done
	return 1
}
# api METHOD PATH [BODY]: sets STATUS and BODY.
api() {
	local -a args=(-s -k -u "$ADMIN" -o "$TSR_TMP/body" -w '%{http_code}' -X "$1")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	STATUS=$(ip netns exec "$NODE_NS" curl "${args[@]}" "$BASE$2")
	BODY=$(cat "$TSR_TMP/body")
}
tsr_check "tessera-mgmt answers" mgmt_start || tsr_finish

api POST "$C/system_location/" '{"name": "lab"}'
tsr_expect_eq "system location created" "$STATUS" 201
LOC=$(tsr_json "$BODY" resource_uri)
# enrol NAME ADDRESS: worker_vm + bootstrap document in $TSR_TMP/NAME.json. Both nodes
# really share the lab's node address (different ports); worker_vm addresses are unique.
enrol() {
	api POST "$C/worker_vm/" "{\"name\":\"$1\",\"hostname\":\"$1\",\"domain\":\"lab.example\",
		\"address\":\"$2\",\"netmask\":\"255.255.255.0\",\"gateway\":\"$NODE_ADDR\",
		\"system_location\":\"$LOC\"}"
	[ "$STATUS" = 201 ] || { echo "# worker_vm $1: $STATUS $BODY"; return 1; }
	api GET "/api/admin/command/v1/worker_vm/$(tsr_json "$BODY" id)/bootstrap/"
	[ "$STATUS" = 200 ] || { echo "# bootstrap $1: $STATUS $BODY"; return 1; }
	echo "$BODY" >"$TSR_TMP/$1.json"
}
tsr_check "node A enrolled (worker_vm + bootstrap)" enrol node-a "$NODE_ADDR"
tsr_check "node B enrolled" enrol node-b 198.18.0.2

# ---- the two nodes -------------------------------------------------------------------------
declare -A NODE_PID
node_start() { # node_start NAME SIP_PORT TLS_PORT PORTS
	tsr_bg "$NODE_NS" "$TSR_TMP/$1.log" "$NODE_BIN" --media-addr "$NODE_ADDR" \
		--sip-port "$2" --sip-tls-port "$3" --media-ports "$4" --dp-sock "$DP_SOCK" \
		--bootstrap "$TSR_TMP/$1.json" --replica-db "$TSR_TMP/$1/replica.db" \
		--ctl-sock "$TSR_TMP/$1.sock" --tls-dir "$TSR_TMP/$1/tls" --log-level debug
	NODE_PID[$1]=$BG_PID
	tsr_wait_port "$NODE_NS" tcp "$2"
}
node_ctl() { "$PY" "$TSR_LIB/nodectl.py" "$TSR_TMP/$1.sock" "${@:2}"; }
node_version() { tsr_json "$(node_ctl "$1" status 2>/dev/null)" config_version -1; }
wait_version() { # wait_version NODE VERSION [SECONDS]
	for _ in $(seq $((${3:-10} * 20))); do
		[ "$(node_version "$1")" -ge "$2" ] 2>/dev/null && return 0
		sleep 0.05
	done
	echo "# $1 has version $(node_version "$1"), want $2"
	return 1
}
mgmt_version() { # the management node's configuration version, asked the way a node asks
	local tok
	tok=$(tsr_json "$(cat "$TSR_TMP/node-a.json")" token)
	tsr_json "$(ip netns exec "$NODE_NS" curl -s -k -H "Authorization: Bearer $tok" \
		"$BASE/api/internal/v1/config?since=0&wait=0")" version 0
}
tsr_check "node A up" node_start node-a 5060 5061 40000-44999
tsr_check "node B up" node_start node-b 5070 5071 45000-49999

# sipp_call NODE_PORT ALIAS SCENARIO [ARGS]: one call from client 1; status of sipp.
sipp_call() {
	local port=$1 alias=$2 sf=$3
	shift 3
	ip netns exec "$CLIENT1_NS" timeout 30 sipp -nostdin -t t1 -sf "$SIPP_DIR/$sf" -m 1 \
		-i "$CLIENT1_ADDR" -p 5090 -mp 6090 -s "$alias" -timeout 25s "$@" \
		"$NODE_ADDR:$port" >>"$TSR_TMP/sipp.log" 2>&1
}

# ---- a VMR created through the API reaches both nodes ------------------------------------
api POST "$C/conference/" '{"name": "Replicated room", "aliases": [{"alias": "rep1"}]}'
tsr_expect_eq "VMR created through the API" "$STATUS" 201
t0=$(date +%s%N)
want=$(mgmt_version) # the version with the room in it
tsr_check "node A has the new configuration" wait_version node-a "$want"
tsr_check "node B has the new configuration" wait_version node-b "$want"
t1=$(date +%s%N)
echo "# propagation to both nodes: $(((t1 - t0) / 1000000)) ms (goal: under 1 s on a local network)"
tsr_check "call into rep1 on node A" sipp_call 5060 rep1 svc_call.xml -d 500
tsr_check "call into rep1 on node B" sipp_call 5070 rep1 svc_call.xml -d 500

tsr_check "both nodes in sync in status/v1/worker_vm" bash -c '
	for _ in $(seq 50); do
		out=$(ip netns exec "'"$NODE_NS"'" curl -s -k -u "'"$ADMIN"'" "'"$BASE"'/api/admin/status/v1/worker_vm/")
		n=$(echo "$out" | "'"$PY"'" -c "import json,sys; print(sum(1 for o in json.load(sys.stdin)[\"objects\"] if o.get(\"in_sync\")))" 2>/dev/null)
		[ "$n" = 2 ] && exit 0
		sleep 0.2
	done
	echo "# $out"; exit 1'

# ---- status and commands through the management node ---------------------------------------
ip netns exec "$CLIENT1_NS" timeout 40 sipp -nostdin -t t1 -sf "$SIPP_DIR/svc_bye_from_node.xml" \
	-m 1 -i "$CLIENT1_ADDR" -p 5092 -mp 6092 -s rep1 -timeout 35s "$NODE_ADDR:5060" \
	>"$TSR_TMP/sipp-held.log" 2>&1 &
HELD=$!
TSR_BG_PIDS+=("$HELD")
pid=""
for _ in $(seq 50); do
	api GET "/api/admin/status/v1/participant/?conference=Replicated%20room"
	pid=$(echo "$BODY" | "$PY" -c '
import json, sys
for o in json.load(sys.stdin).get("objects", []):
    if ":5092" in o.get("source_alias", ""):
        print(o["id"])' 2>/dev/null)
	[ -n "$pid" ] && break
	sleep 0.2
done
tsr_check "the call shows in status/v1/participant" test -n "$pid"
api POST /api/admin/command/v1/participant/mute/ "{\"participant_id\": \"$pid\"}"
tsr_check "mute through the command API ($STATUS $BODY)" \
	bash -c "[ '$STATUS' = 200 ] || [ '$STATUS' = 202 ]"
tsr_expect_eq "node A shows the participant muted" \
	"$(tsr_json "$(node_ctl node-a status)" participants.0.is_muted)" true
api POST /api/admin/command/v1/participant/disconnect/ "{\"participant_id\": \"$pid\"}"
tsr_check "disconnect through the command API ($STATUS)" \
	bash -c "[ '$STATUS' = 200 ] || [ '$STATUS' = 202 ]"
tsr_check "the caller got the node's BYE (sipp)" tsr_wait_exit "$HELD" 10

# ---- the management node goes away ------------------------------------------------------------
tsr_stop_bg "$MGMT_PID" TERM
tsr_check "node A still takes calls without the management node" sipp_call 5060 rep1 svc_call.xml -d 300
tsr_stop_bg "${NODE_PID[node-b]}" TERM
tsr_check "node B restarts without the management node" node_start node-b 5070 5071 45000-49999
tsr_check "node B serves from its sqlite replica" sipp_call 5070 rep1 svc_call.xml -d 300
tsr_check "node B said where its configuration came from" \
	grep -q 'msg="configuration loaded" source=management version=[1-9]' "$TSR_TMP/node-b.log"

# ---- it comes back ----------------------------------------------------------------------------------
tsr_check "tessera-mgmt restarts" mgmt_start
api GET "$C/conference/?name=Replicated%20room"
cid=$(tsr_json "$BODY" objects.0.id)
api POST "$C/conference_alias/" "{\"alias\": \"rep2\", \"conference\": \"$C/conference/$cid/\"}"
tsr_expect_eq "alias added after the restart" "$STATUS" 201
want=$(mgmt_version)
tsr_check "node A catches up" wait_version node-a "$want" 35
tsr_check "node B catches up" wait_version node-b "$want" 35
tsr_check "rep2 works on node A" sipp_call 5060 rep2 svc_call.xml -d 300
tsr_check "rep2 works on node B" sipp_call 5070 rep2 svc_call.xml -d 300

sleep 1.5 # one status report
api GET "/api/admin/history/v1/participant/?limit=100"
n=$(tsr_json "$BODY" meta.total_count 0)
tsr_expect_ge "history/v1/participant has the calls after the restart" "$n" 2

for n in node-a node-b; do
	kill -TERM "${NODE_PID[$n]}"
	tsr_check "$n stops on SIGTERM" tsr_wait_exit "${NODE_PID[$n]}" 10
done
if [ "$TSR_FAILS" -ne 0 ]; then
	for f in node-a node-b mgmt; do
		echo "# ---- last lines of $f.log ----"
		tail -n 25 "$TSR_TMP/$f.log" | sed 's/^/# /'
	done
fi
tsr_finish
