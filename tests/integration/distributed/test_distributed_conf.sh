#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_distributed_conf.sh - one VMR across two Conferencing Nodes, set up by
# the nodes themselves over their node-to-node TLS channel.
#
# Lab: two locations x one node (tessera-lab --locations 2 --clients 2), one
# tessera-dataplane and one tessera-node per node, one tessera-mgmt on the
# management network that enrols both nodes (worker_vm, bootstrap document
# with the node certificate). Clients are baresip over SIP/TLS with SRTP,
# each sending a sine tone and recording what it hears:
#   a1 (location 1, via node A) 440 Hz; b1 (location 2, via node B) 880 Hz;
#   a2 (location 1, via A) 1320 Hz; b2 (location 2, via B) 660 Hz.
# Checks:
#   - both nodes' channels come up (mutual TLS with the management node's
#     certificates) and, with a1 and b1 in the VMR, a backplane forms: each
#     node's status lists it connected and the other node's participant
#     with its media node; the admin log has Protocol="BACKPLANE" lines;
#   - a lock or Guest mute set on one node is applied on the other;
#   - a1 hears b1's 880 Hz and not its own 440 Hz, b1 hears 440 Hz only;
#   - tshark on the router between the locations: between the two node
#     addresses only ESP (both ways, at least two SPIs each way because the
#     nodes rekey every 6 s) and the TLS control channel on TCP 8444, no UDP;
#     the SAs count no authentication failure or replay;
#   - the management node's status shows one conference on two nodes with
#     both participants;
#   - kill -9 of node B's tessera-node and data plane: A drops the backplane
#     and B's roster entries within seconds, a1 stays in the conference and
#     hears a2 (1320 Hz) who joins afterwards; 10 s after losing B, A
#     raises "Connectivity lost between nodes" and the management node's
#     alarm table shows it;
#   - B restarted (same bootstrap document): A reconnects by itself (the
#     alarm is lowered), b2 calls B, the backplane forms again and a1 hears
#     660 Hz.
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/multinode.sh
. "$(dirname "$0")/../lib/multinode.sh"

NODE_BIN=${NODE_BIN:-$TSR_BUILD/controlplane/tessera-node}
MGMT_BIN=${MGMT_BIN:-$TSR_BUILD/mgmt-api/tessera-mgmt}

tsr_init dist_conf
tsr_require_dataplane
for b in "$NODE_BIN" "$MGMT_BIN"; do
	[ -x "$b" ] || tsr_bail "missing $b (build first: ninja -C $TSR_BUILD)"
done
command -v baresip >/dev/null || tsr_skip "baresip not installed (tools/deps.sh)"
command -v tshark >/dev/null || tsr_skip "tshark not installed (tools/deps.sh)"
command -v curl >/dev/null || tsr_skip "curl not installed (tools/deps.sh)"
tsr_mlab_up tsrdc --locations 2 --nodes 1 --clients 2

A=l1-1 B=l2-1
A_ADDR=$L1N1_ADDR B_ADDR=$L2N1_ADDR
declare -A NODE_PID NODE_CTL NODE_LOG
REKEY_S=6

# ---- management node ------------------------------------------------------------------------
ADMIN="admin:distributed-test-1"
BASE="https://$MGMT_ADDR:8443"
C=/api/admin/configuration/v1
tsr_bg "$MGMT_NS" "$TSR_TMP/mgmt.log" "$MGMT_BIN" --listen "$MGMT_ADDR" --port 8443 \
	--state-dir "$TSR_TMP/mgmt" --admin-password "${ADMIN#admin:}"
mgmt_up() {
	for _ in $(seq 100); do
		ip netns exec "$MGMT_NS" curl -s -o /dev/null -k "$BASE/" && return 0
		sleep 0.1
	done
	return 1
}
tsr_check "tessera-mgmt answers" mgmt_up || tsr_bail "no management node"
# api METHOD PATH [BODY]: sets STATUS and BODY.
api() {
	local -a args=(-s -k -u "$ADMIN" -o "$TSR_TMP/body" -w '%{http_code}' -X "$1")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	STATUS=$(ip netns exec "$MGMT_NS" curl "${args[@]}" "$BASE$2")
	BODY=$(cat "$TSR_TMP/body")
}
jget() { "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$@"; }

api POST "$C/system_location/" '{"name": "London"}'
LOC1=$(tsr_json "$BODY" resource_uri)
api POST "$C/system_location/" '{"name": "Paris"}'
LOC2=$(tsr_json "$BODY" resource_uri)
api POST "$C/conference/" '{"name": "Demo", "service_type": "conference", "aliases": [{"alias": "meet"}]}'
tsr_expect_eq "VMR created" "$STATUS" 201
# enrol NAME ADDRESS LOCATION GATEWAY: worker_vm + bootstrap document in $TSR_TMP/NAME.json
enrol() {
	api POST "$C/worker_vm/" "{\"name\":\"$1\",\"hostname\":\"$1\",\"domain\":\"lab.example\",
		\"address\":\"$2\",\"netmask\":\"255.255.255.0\",\"gateway\":\"$4\",
		\"system_location\":\"$3\"}"
	[ "$STATUS" = 201 ] || { echo "# worker_vm $1: $STATUS $BODY"; return 1; }
	api GET "/api/admin/command/v1/worker_vm/$(tsr_json "$BODY" id)/bootstrap/"
	[ "$STATUS" = 200 ] || { echo "# bootstrap $1: $STATUS $BODY"; return 1; }
	echo "$BODY" >"$TSR_TMP/$1.json"
	[ -n "$(tsr_json "$BODY" node_certificate)" ] && [ -n "$(tsr_json "$BODY" ca_certificate)" ]
}
tsr_check "node-a enrolled, bootstrap has a node certificate" enrol node-a "$A_ADDR" "$LOC1" "$LOC1_GW"
tsr_check "node-b enrolled" enrol node-b "$B_ADDR" "$LOC2" "$LOC2_GW"

# ---- the nodes ----------------------------------------------------------------------------------
# node_start ID NAME ADDR: data plane (if not running) and tessera-node.
node_start() {
	local id=$1 name=$2 addr=$3 ns
	ns=$(tsr_node_var "$id" NS)
	if [ -z "${TSR_NODE_PID[$id]:-}" ] || ! tsr_node_alive "$id"; then
		tsr_node_dp_start "$id" || return 1
	fi
	mkdir -p "$TSR_TMP/$id"
	NODE_CTL[$id]="$TSR_TMP/$id/node.sock"
	NODE_LOG[$id]="$TSR_TMP/$id/node.log"
	ip netns exec "$ns" "$NODE_BIN" --media-addr "$addr" --dp-sock "${TSR_NODE_SOCK[$id]}" \
		--ctl-sock "${NODE_CTL[$id]}" --bootstrap "$TSR_TMP/$name.json" \
		--replica-db "$TSR_TMP/$id/replica.db" --tls-dir "$TSR_TMP/$id/tls" \
		--backplane-rekey "$REKEY_S" >>"${NODE_LOG[$id]}" 2>&1 </dev/null &
	NODE_PID[$id]=$!
	TSR_BG_PIDS+=("${NODE_PID[$id]}")
	for _ in $(seq 100); do
		[ -S "${NODE_CTL[$id]}" ] && return 0
		sleep 0.1
	done
	return 1
}
# status ID: the node's status (JSON)
status() { "$PY" "$TSR_LIB/nodectl.py" "${NODE_CTL[$1]}" status 2>/dev/null; }
# sq ID EXPR: evaluate a Python expression over the status (st)
sq() { status "$1" | "$PY" -c 'import json,sys
try: st = json.load(sys.stdin)
except Exception: print("none"); sys.exit(0)
r = eval(sys.argv[1]); print(str(r).lower() if isinstance(r, bool) else r)' "$2"; }
# wait_sq ID EXPR VALUE SECONDS
wait_sq() {
	for _ in $(seq $(($4 * 10))); do
		[ "$(sq "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	echo "# $1: $2 is $(sq "$1" "$2"), expected $3"
	return 1
}
PEER_UP='next((p["state"] for p in st.get("peers", [])), "none")'
BP_UP='sum(1 for b in st.get("backplanes", []) if b["connected"])'
REMOTE='sum(1 for p in st["participants"] if p.get("remote"))'
LOCAL='sum(1 for p in st["participants"] if not p.get("remote") and p.get("state") == "connected")'

tsr_check "node A started" node_start $A node-a "$A_ADDR" || tsr_bail "node A"
tsr_check "node B started" node_start $B node-b "$B_ADDR" || tsr_bail "node B"
tsr_ping "$L1C1_NS" "$A_ADDR" -c 1 >/dev/null 2>&1
tsr_ping "$L1C2_NS" "$A_ADDR" -c 1 >/dev/null 2>&1
tsr_ping "$L2C1_NS" "$B_ADDR" -c 1 >/dev/null 2>&1
tsr_ping "$L2C2_NS" "$B_ADDR" -c 1 >/dev/null 2>&1
tsr_ping "$L1N1_NS" "$B_ADDR" -c 1 >/dev/null 2>&1
tsr_check "A's channel to B is up (mutual TLS, node CA)" wait_sq $A "$PEER_UP" up 20
tsr_check "B's channel to A is up" wait_sq $B "$PEER_UP" up 5
tsr_expect_eq "node certificate key stored with mode 0600" \
	"$(stat -c %a "$TSR_TMP/$A/replica.db.node-key.pem" 2>/dev/null)" 600

# ---- clients ------------------------------------------------------------------------------------
declare -A CALL_PID CALL_T0
# call NAME NS ADDR FREQ NODE_ADDR SECONDS
call() {
	tsr_baresip_conf "$TSR_TMP/$1" "$3" "$4" "audio_codecs=opus/48000/2"
	CALL_T0[$1]=$(date +%s.%N)
	ip netns exec "$2" baresip -f "$TSR_TMP/$1" -e "/dial sip:meet@$5:5061;transport=tls" \
		-t "$6" </dev/null >"$TSR_TMP/$1.log" 2>&1 &
	CALL_PID[$1]=$!
	TSR_BG_PIDS+=("${CALL_PID[$1]}")
}
# rec_secs NAME: seconds recorded so far by NAME's baresip. It records only
# what it decodes (nothing while Opus is silent), so recordings are cut at
# these marks rather than at wall-clock times; the WAV header is final only
# once the call ends, so this reads the data size from the file size.
# tone NAME FROM TO ARGS...: tone check on NAME's (finished) recording between two marks,
# leaving out a second at each end for the mixer's ramps and the jitter buffer.

# ---- phase 1: a1 on A, b1 on B ------------------------------------------------------------------
PCAP="$TSR_TMP/backbone.pcap"
tsr_bg "$RTR_NS" "$TSR_TMP/tshark.log" tshark -i "$LOC1_RTR_IF" -w "$PCAP" -q
CAP_PID=$BG_PID
for _ in $(seq 50); do [ -s "$PCAP" ] && break; sleep 0.1; done
call a1 "$L1C1_NS" "$L1C1_ADDR" 440 "$A_ADDR" 90
call b1 "$L2C1_NS" "$L2C1_ADDR" 880 "$B_ADDR" 24
tsr_check "a1 in the VMR on A" wait_sq $A "$LOCAL" 1 10
tsr_check "b1 in the VMR on B" wait_sq $B "$LOCAL" 1 10
tsr_check "A: backplane to B connected" wait_sq $A "$BP_UP" 1 10
tsr_check "B: backplane to A connected" wait_sq $B "$BP_UP" 1 5
tsr_check "A shows b1 as a remote participant" wait_sq $A "$REMOTE" 1 5
tsr_expect_eq "b1 on A: media node is B" \
	"$(sq $A 'next(p["media_node"] for p in st["participants"] if p.get("remote"))')" "$B_ADDR"
tsr_expect_eq "b1 on A: node-b" "$(sq $A 'next(p["node"] for p in st["participants"] if p.get("remote"))')" node-b
tsr_expect_eq "A's backplane is geographic (London-Paris)" "$(sq $A 'st["backplanes"][0]["type"]')" geographic
echo "# A status: $(status $A | tr -d '\n' | cut -c1-600)"

# The management node's view: one conference, two nodes, both participants.
mgmt_conf() {
	api GET "/api/admin/status/v1/conference/?name=Demo"
	[ "$(jget "$BODY" 'len(d["objects"])')" = 1 ] &&
		[ "$(jget "$BODY" 'd["objects"][0]["node_count"]')" = 2 ] &&
		[ "$(jget "$BODY" 'd["objects"][0]["participant_count"]')" = 2 ]
}
mgmt_wait() { for _ in $(seq 50); do mgmt_conf && return 0; sleep 0.2; done; echo "# $BODY"; return 1; }
tsr_check "management status: one conference on two nodes with two participants" mgmt_wait
api GET "/api/admin/status/v1/participant/?conference=Demo"
tsr_expect_eq "management status: participants on node-a and node-b" \
	"$(jget "$BODY" '",".join(sorted(p["node"] for p in d["objects"]))')" "node-a,node-b"

# Conference state that must agree: a lock on A holds on B, and back.
ctl() { "$PY" "$TSR_LIB/nodectl.py" "${NODE_CTL[$1]}" "$2" "$3" >/dev/null; }
tsr_check "lock the conference on A" ctl $A conference_lock '{"conference": "Demo"}'
tsr_check "B applies the lock" wait_sq $B 'st["conferences"][0]["is_locked"]' true 3
tsr_check "mute Guests on B" ctl $B conference_mute_guests '{"conference": "Demo"}'
tsr_check "A applies the Guest mute" wait_sq $A 'st["conferences"][0]["guests_muted"]' true 3
ctl $A conference_unlock '{"conference": "Demo"}'
ctl $A conference_unmute_guests '{"conference": "Demo"}'
tsr_check "B applies the unlock and unmute" \
	wait_sq $B 'st["conferences"][0]["is_locked"] or st["conferences"][0]["guests_muted"]' false 3

M1=$(rec_secs a1)
sleep 14 # > 2 rekey periods with media flowing
# The SAs in force: packets, and no authentication failure or replay.
for id in $A $B; do
	tsr_node "$id"
	sas=$(tsr_ctl esp.sa_list '{}' 2>&1)
	echo "# $id SAs: $(echo "$sas" | tr -d '\n' | cut -c1-400)"
	tsr_expect_ge "$id: backplane SAs carried packets (since the last rekey)" \
		"$(jget "$sas" 'sum(x["packets"] for x in d["sas"])')" 50
	tsr_expect_eq "$id: no authentication failure or replay on its SAs" \
		"$(jget "$sas" 'sum(x.get("auth_fail", 0) + x.get("replay", 0) for x in d["sas"] if x["direction"] == "in")')" 0
done
M2=$(rec_secs a1)
tsr_check "b1's call ended by itself" tsr_wait_exit "${CALL_PID[b1]}" 15
sleep 1
tsr_stop_bg "$CAP_PID" INT
tsr_check "A: backplane closed when B's conference ended" wait_sq $A "$BP_UP" 0 5
tsr_check "a1 still in the conference" wait_sq $A "$LOCAL" 1 3

tsr_check "b1 hears a1's 440 Hz, not its own 880 Hz" \
	tsr_tone "$(recording b1)" --start 4 --end 16 --expect 440 --absent 880 --threshold 0.5 \
	--absent-threshold 0.05 --min-seconds 6

# On the wire between the locations.
between="(ip.src==$A_ADDR && ip.dst==$B_ADDR) || (ip.src==$B_ADDR && ip.dst==$A_ADDR)"
tshark -r "$PCAP" -Y "$between" -T fields -e ip.proto -e esp.spi -e ip.src -e tcp.srcport -e tcp.dstport \
	>"$TSR_TMP/backbone.txt" 2>/dev/null
n_esp_ab=$(awk -F'\t' -v a="$A_ADDR" '$1 == 50 && $3 == a' "$TSR_TMP/backbone.txt" | wc -l)
n_esp_ba=$(awk -F'\t' -v b="$B_ADDR" '$1 == 50 && $3 == b' "$TSR_TMP/backbone.txt" | wc -l)
spi_ab=$(awk -F'\t' -v a="$A_ADDR" '$1 == 50 && $3 == a {print $2}' "$TSR_TMP/backbone.txt" | sort -u | wc -l)
spi_ba=$(awk -F'\t' -v b="$B_ADDR" '$1 == 50 && $3 == b {print $2}' "$TSR_TMP/backbone.txt" | sort -u | wc -l)
n_udp=$(tshark -r "$PCAP" -Y "($between) && udp" 2>/dev/null | wc -l)
n_tcp_other=$(awk -F'\t' '$1 == 6 && $4 != 8444 && $5 != 8444' "$TSR_TMP/backbone.txt" | wc -l)
n_other=$(awk -F'\t' '$1 != 50 && $1 != 6 && $1 != 1' "$TSR_TMP/backbone.txt" | wc -l)
n_tls=$(tshark -r "$PCAP" -Y "($between) && tls.record" -T fields -e tls.record.version 2>/dev/null | wc -l)
echo "# between the nodes: ESP A->B $n_esp_ab ($spi_ab SPIs), B->A $n_esp_ba ($spi_ba SPIs), UDP $n_udp, TLS records $n_tls"
tsr_expect_ge "ESP A->B between the node addresses" "$n_esp_ab" 300
tsr_expect_ge "ESP B->A between the node addresses" "$n_esp_ba" 300
tsr_expect_eq "no UDP (plain RTP) between the node addresses" "$n_udp" 0
tsr_expect_eq "TCP between the nodes only to the control port 8444" "$n_tcp_other" 0
tsr_expect_eq "nothing else between the nodes" "$n_other" 0
tsr_expect_ge "the control channel is TLS" "$n_tls" 4
tsr_expect_ge "rekeyed under traffic: SPIs A->B" "$spi_ab" 2
tsr_expect_ge "rekeyed under traffic: SPIs B->A" "$spi_ba" 2
tsr_expect_ge "A rekeyed its inbound SA" "$(grep -c 'rekeyed inbound' "${NODE_LOG[$A]}")" 1
for id in $A $B; do
	tsr_expect_ge "$id: admin log, backplane set up (Protocol=BACKPLANE)" \
		"$(grep -c 'Participant has joined.*Protocol="BACKPLANE"' "${NODE_LOG[$id]}")" 1
	tsr_expect_ge "$id: admin log, backplane torn down (Protocol=BACKPLANE)" \
		"$(grep -c 'Participant has disconnected.*Protocol="BACKPLANE"' "${NODE_LOG[$id]}")" 1
done

# ---- phase 2: b3 joins B again, then B dies ------------------------------------------------------
call b3 "$L2C1_NS" "$L2C1_ADDR" 880 "$B_ADDR" 40
tsr_check "backplane again with b3 on B" wait_sq $A "$BP_UP" 1 10
tsr_check "A shows b3 as remote" wait_sq $A "$REMOTE" 1 5
sleep 2
kill -KILL "${NODE_PID[$B]}" "${TSR_NODE_PID[$B]}" 2>/dev/null
tsr_check "A notices B is gone (backplane removed)" wait_sq $A "$BP_UP" 0 8
tsr_expect_eq "B's roster entries removed on A" "$(sq $A "$REMOTE")" 0
tsr_expect_eq "A: peer B down" "$(sq $A "$PEER_UP")" down
tsr_expect_eq "a1 still connected on A" "$(sq $A "$LOCAL")" 1
tsr_expect_ge "A: admin log, backplane disconnected" \
	"$(grep -c 'Participant has disconnected.*Protocol="BACKPLANE".*Detail="Backplane disconnected"' "${NODE_LOG[$A]}")" 1
call a2 "$L1C2_NS" "$L1C2_ADDR" 1320 "$A_ADDR" 14
tsr_check "a2 joins on A" wait_sq $A "$LOCAL" 2 10
sleep 2
M3=$(rec_secs a1)
sleep 7
M4=$(rec_secs a1)
tsr_check "a2's call ended by itself" tsr_wait_exit "${CALL_PID[a2]}" 10
tsr_stop_bg "${CALL_PID[b3]}" KILL
# peer_alarm: active "Connectivity lost between nodes" alarms A raised about B (count)
peer_alarm() {
	api GET "/api/admin/status/v1/alarm/?identifier=node_connectivity_lost&instance=node-a%20to%20node-b"
	jget "$BODY" 'd["meta"]["total_count"] if "meta" in d else -1'
}
wait_peer_alarm() { # COUNT SECONDS
	for _ in $(seq $(($2 * 5))); do
		[ "$(peer_alarm)" = "$1" ] && return 0
		sleep 0.2
	done
	echo "# peer alarms: $(peer_alarm), expected $1"
	return 1
}
tsr_check "management node: A's alarm Connectivity lost between nodes (B gone 10 s)" \
	wait_peer_alarm 1 15
tsr_expect_ge "A: admin log, Alarm raised about B" \
	"$(grep -c 'Alarm raised.*Connectivity lost between nodes.*Instance="node-a to node-b"' "${NODE_LOG[$A]}")" 1

# ---- phase 3: B restarts and rejoins by itself ---------------------------------------------------
tsr_check "node B restarted (data plane and tessera-node)" node_start $B node-b "$B_ADDR"
tsr_ping "$L2C2_NS" "$B_ADDR" -c 1 >/dev/null 2>&1
tsr_check "A reconnects to the restarted B by itself" wait_sq $A "$PEER_UP" up 20
tsr_check "management node: the alarm is lowered once B is back" wait_peer_alarm 0 5
call b2 "$L2C2_NS" "$L2C2_ADDR" 660 "$B_ADDR" 14
tsr_check "backplane to the restarted B" wait_sq $A "$BP_UP" 1 10
tsr_check "A shows b2 as remote" wait_sq $A "$REMOTE" 1 5
sleep 1
M5=$(rec_secs a1)
sleep 7
M6=$(rec_secs a1)
tsr_stop_bg "${CALL_PID[b2]}" INT
tsr_stop_bg "${CALL_PID[a1]}" INT
echo "# a1's recording marks (s): $M1 $M2 | $M3 $M4 | $M5 $M6"
tsr_check "a1 heard b1's 880 Hz across the backplane, not its own 440 Hz" \
	tone a1 "$M1" "$M2" --expect 880 --absent 440 --threshold 0.5 --absent-threshold 0.05 \
	--min-seconds 6
tsr_check "a1 heard a2's 1320 Hz after B died, not its own 440 Hz" \
	tone a1 "$M3" "$M4" --expect 1320 --absent 440 --threshold 0.5 --absent-threshold 0.05 \
	--min-seconds 4
tsr_check "a1 heard b2's 660 Hz through the restarted B, not its own 440 Hz" \
	tone a1 "$M5" "$M6" --expect 660 --absent 440 --threshold 0.5 --absent-threshold 0.05 \
	--min-seconds 4
for id in $A $B; do
	tsr_check "$id: tessera-node still running" kill -0 "${NODE_PID[$id]}"
	tsr_check "$id: data plane still running" tsr_node_alive $id
done
if [ "$TSR_FAILS" -ne 0 ]; then
	tsr_nodes_logs
	for id in $A $B; do
		echo "# ---- last lines of ${NODE_LOG[$id]} ----"
		grep -v 'comp=cp.sofia' "${NODE_LOG[$id]}" | tail -n 40 | sed 's/^/# /'
	done
fi
tsr_finish
