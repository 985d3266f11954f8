#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_placement.sh - media placement across nodes and locations (guide
# part 1 §2.3): signalling stays on the node that received the call, the
# media goes to the node placement picks, then to the overflow location,
# else the call is refused.
#
# Lab: two locations x two nodes (tessera-lab --locations 2 --nodes 2
# --clients 4); tessera-mgmt enrols node-a1 and node-a2 in London (primary
# overflow location: Paris) and node-b1 in Paris. Each node runs its data
# plane and tessera-node with --capacity 2: one audio call (1 unit) plus
# the backplane reservation its conference costs (1 unit), so each node
# takes one caller of the VMR. Clients are baresip (SIP/TLS, SRTP, Opus) in
# location 1, every one dialling node-a1, each with its own sine tone:
#   a (440 Hz)  -> media on node-a1 (local: it has the most room, ties go
#                  to the signalling node)
#   b (880 Hz)  -> node-a1 is full: media on node-a2, signalling on node-a1;
#                  a and b hear each other across the local backplane
#   c (1320 Hz) -> London is full: media on node-b1 in Paris, with the
#                  guide's overflow line in node-a1's admin log; c hears a
#                  and b across the geo backplane to London's proxy
#                  (node-a1, which forwards b's audio from node-a2)
#   d (660 Hz)  -> everything is full: 503, "Participant failed to join
#                  conference." with Reason "resource unavailable" and the
#                  alarm "Call capacity limit reached"
# Each node's status shows the participants' media and signalling nodes
# and its placement load; between the node addresses only ESP and the TLS
# control port cross the router. Prints
#   BENCH dist_call_setup local_ms=... remote_ms=... overflow_ms=...
# (INVITE received to 200 OK sent on node-a1, from its log).
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/multinode.sh
. "$(dirname "$0")/../lib/multinode.sh"

NODE_BIN=${NODE_BIN:-$TSR_BUILD/controlplane/tessera-node}
MGMT_BIN=${MGMT_BIN:-$TSR_BUILD/mgmt-api/tessera-mgmt}

tsr_init dist_place
tsr_require_dataplane
for b in "$NODE_BIN" "$MGMT_BIN"; do
	[ -x "$b" ] || tsr_bail "missing $b (build first: ninja -C $TSR_BUILD)"
done
command -v baresip >/dev/null || tsr_skip "baresip not installed (tools/deps.sh)"
command -v tshark >/dev/null || tsr_skip "tshark not installed (tools/deps.sh)"
command -v curl >/dev/null || tsr_skip "curl not installed (tools/deps.sh)"
tsr_mlab_up tsrpl --locations 2 --nodes 2 --clients 4

A1=l1-1 A2=l1-2 B1=l2-1
declare -A NODE_PID NODE_CTL NODE_LOG NODE_ADDR=([$A1]=$L1N1_ADDR [$A2]=$L1N2_ADDR [$B1]=$L2N1_ADDR)
CAPACITY=2

# ---- management node ------------------------------------------------------------------------
ADMIN="admin:placement-test-1"
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
api() {
	local -a args=(-s -k -u "$ADMIN" -o "$TSR_TMP/body" -w '%{http_code}' -X "$1")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	STATUS=$(ip netns exec "$MGMT_NS" curl "${args[@]}" "$BASE$2")
	BODY=$(cat "$TSR_TMP/body")
}

api POST "$C/system_location/" '{"name": "Paris"}'
LOC2=$(tsr_json "$BODY" resource_uri)
api POST "$C/system_location/" "{\"name\": \"London\", \"overflow_location1\": \"$LOC2\"}"
tsr_expect_eq "London created with Paris as its primary overflow location" "$STATUS" 201
LOC1=$(tsr_json "$BODY" resource_uri)
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
}
tsr_check "node-a1 enrolled (London)" enrol node-a1 "$L1N1_ADDR" "$LOC1" "$LOC1_GW"
tsr_check "node-a2 enrolled (London)" enrol node-a2 "$L1N2_ADDR" "$LOC1" "$LOC1_GW"
tsr_check "node-b1 enrolled (Paris)" enrol node-b1 "$L2N1_ADDR" "$LOC2" "$LOC2_GW"

# ---- the nodes ----------------------------------------------------------------------------------
node_start() {
	local id=$1 name=$2 ns
	ns=$(tsr_node_var "$id" NS)
	tsr_node_dp_start "$id" || return 1
	mkdir -p "$TSR_TMP/$id"
	NODE_CTL[$id]="$TSR_TMP/$id/node.sock"
	NODE_LOG[$id]="$TSR_TMP/$id/node.log"
	ip netns exec "$ns" "$NODE_BIN" --media-addr "${NODE_ADDR[$id]}" \
		--dp-sock "${TSR_NODE_SOCK[$id]}" --ctl-sock "${NODE_CTL[$id]}" \
		--bootstrap "$TSR_TMP/$name.json" --replica-db "$TSR_TMP/$id/replica.db" \
		--tls-dir "$TSR_TMP/$id/tls" --capacity "$CAPACITY" \
		>>"${NODE_LOG[$id]}" 2>&1 </dev/null &
	NODE_PID[$id]=$!
	TSR_BG_PIDS+=("${NODE_PID[$id]}")
	for _ in $(seq 100); do
		[ -S "${NODE_CTL[$id]}" ] && return 0
		sleep 0.1
	done
	return 1
}
status() { "$PY" "$TSR_LIB/nodectl.py" "${NODE_CTL[$1]}" status 2>/dev/null; }
sq() { status "$1" | "$PY" -c 'import json,sys
try: st = json.load(sys.stdin)
except Exception: print("none"); sys.exit(0)
try: r = eval(sys.argv[1])
except Exception as e: r = "error: %s" % e
print(str(r).lower() if isinstance(r, bool) else r)' "$2"; }
wait_sq() {
	for _ in $(seq $(($4 * 10))); do
		[ "$(sq "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	echo "# $1: $2 is $(sq "$1" "$2"), expected $3"
	return 1
}
UP='sum(1 for p in st.get("peers", []) if p["state"] == "up")'
BP_UP='sum(1 for b in st.get("backplanes", []) if b["connected"])'
LOAD='st["placement"]["load"]'
HOSTED='len(st.get("hosted_media", []))'
# connected N: this node's own (signalling) participants in the conference
CONNECTED='sum(1 for p in st["participants"] if not p.get("remote") and p.get("state") == "connected")'
# media_of CALLER: media node of the participant whose From is CALLER
media_of() { echo "next((p[\"media_node\"] + \"/\" + p[\"media_node_name\"]) for p in st[\"participants\"] if not p.get(\"remote\") and p[\"source_alias\"].startswith(\"sip:$1@\"))"; }

tsr_check "node-a1 started" node_start $A1 node-a1 || tsr_bail "node-a1"
tsr_check "node-a2 started" node_start $A2 node-a2 || tsr_bail "node-a2"
tsr_check "node-b1 started" node_start $B1 node-b1 || tsr_bail "node-b1"
for k in 1 2 3 4; do
	ns=L1C${k}_NS
	for id in $A1 $A2 $B1; do tsr_ping "${!ns}" "${NODE_ADDR[$id]}" -c 1 >/dev/null 2>&1; done
done
for id in $A1 $A2 $B1; do
	tsr_check "$id: channels to both peers up" wait_sq $id "$UP" 2 25
	tsr_check "$id: announces capacity $CAPACITY" wait_sq $id 'st["placement"]["capacity"]' "$CAPACITY" 2
done
# Each node has heard its peers' capacity (ping every second).
tsr_check "node-a1 knows its peers' capacity" \
	wait_sq $A1 'sum(p["capacity"] for p in st["peers"])' $((2 * CAPACITY)) 5

# ---- clients ------------------------------------------------------------------------------------
declare -A CALL_PID
call() { # NAME CLIENT_NS CLIENT_ADDR FREQ SECONDS
	tsr_baresip_conf "$TSR_TMP/$1" "$3" "$4" "audio_codecs=opus/48000/2"
	ip netns exec "$2" baresip -f "$TSR_TMP/$1" -e "/dial sip:meet@$L1N1_ADDR:5061;transport=tls" \
		-t "$5" </dev/null >"$TSR_TMP/$1.log" 2>&1 &
	CALL_PID[$1]=$!
	TSR_BG_PIDS+=("${CALL_PID[$1]}")
}

PCAP="$TSR_TMP/router.pcap"
tsr_bg "$RTR_NS" "$TSR_TMP/tshark.log" tshark -i any -w "$PCAP" -q -f "not tcp port 8443"
CAP_PID=$BG_PID
for _ in $(seq 50); do [ -s "$PCAP" ] && break; sleep 0.1; done

# (a) a lands on node-a1 itself.
call a "$L1C1_NS" "$L1C1_ADDR" 440 70
tsr_check "a connected on node-a1" wait_sq $A1 "$CONNECTED" 1 10
tsr_expect_eq "a: media on node-a1" "$(sq $A1 "$(media_of a)")" "$L1N1_ADDR/node-a1"
tsr_check "node-a1 load: 1 call + 1 backplane reservation" wait_sq $A1 "$LOAD" 2 3
tsr_expect_ge "node-a1: placement line, decision local" \
	"$(grep -c 'placement.*decision=local media_node=node-a1' "${NODE_LOG[$A1]}")" 1
sleep 2 # node-a1's load reaches its peers with the next ping

# (a) b dials node-a1 too: node-a1 is full, node-a2 takes the media.
call b "$L1C2_NS" "$L1C2_ADDR" 880 50
tsr_check "b connected, signalling on node-a1" wait_sq $A1 "$CONNECTED" 2 10
tsr_expect_eq "b: media on node-a2" "$(sq $A1 "$(media_of b)")" "$L1N2_ADDR/node-a2"
tsr_expect_eq "b: signalling node is node-a1" \
	"$(sq $A1 'next(p["signalling_node"] for p in st["participants"] if p["source_alias"].startswith("sip:b@"))')" "$L1N1_ADDR"
tsr_check "node-a2 hosts b's media" wait_sq $A2 "$HOSTED" 1 3
tsr_check "node-a2 load: 1 call + 1 backplane reservation" wait_sq $A2 "$LOAD" 2 3
tsr_expect_eq "node-a1's own load did not grow with b" "$(sq $A1 "$LOAD")" 2
tsr_check "backplane node-a1 <-> node-a2" wait_sq $A1 "$BP_UP" 1 10
tsr_check "node-a2 lists b from node-a1's roster (media node-a2, signalling node-a1)" \
	wait_sq $A2 'next((p["media_node"], p["signalling_node"]) for p in st["participants"] if p.get("remote") and p["source_alias"].startswith("sip:b@"))' \
	"('$L1N2_ADDR', '$L1N1_ADDR')" 5
A_1=$(rec_secs a) B_1=$(rec_secs b)
sleep 8
A_2=$(rec_secs a) B_2=$(rec_secs b)

# (b) c: London is full, Paris (primary overflow) takes the media.
call c "$L1C3_NS" "$L1C3_ADDR" 1320 25
tsr_check "c connected, signalling on node-a1" wait_sq $A1 "$CONNECTED" 3 10
tsr_expect_eq "c: media on node-b1 in Paris" "$(sq $A1 "$(media_of c)")" "$L2N1_ADDR/node-b1"
tsr_check "node-b1 hosts c's media" wait_sq $B1 "$HOSTED" 1 3
tsr_expect_ge "node-a1 admin log: the overflow line with conference and locations" \
	"$(grep -c 'Capacity reached in the location. Allocating the media node in the overflow location.*Conference="Demo" Location="London" Overflow-location="Paris"' "${NODE_LOG[$A1]}")" 1
tsr_check "node-b1: one geo backplane, to London's proxy node-a1" \
	wait_sq $B1 '" ".join(b["peer"] for b in st.get("backplanes", []) if b["connected"])' node-a1 10
sleep 2
C_1=$(rec_secs c)
sleep 8
C_2=$(rec_secs c)

# (c) d: no room anywhere for the conference: 503.
sleep 1
call d "$L1C4_NS" "$L1C4_ADDR" 660 10
rejected() { grep -q 'service call rejected.*status=503.*resource unavailable' "${NODE_LOG[$A1]}"; }
wait_rejected() { for _ in $(seq 50); do rejected && return 0; sleep 0.2; done; return 1; }
tsr_check "d refused with 503 (resource unavailable)" wait_rejected
tsr_check "d's baresip saw the 503" tsr_wait_exit "${CALL_PID[d]}" 15
tsr_expect_ge "d's client got 503" "$(grep -ci '503' "$TSR_TMP/d.log")" 1
tsr_expect_ge "node-a1 admin log: Participant failed to join conference, resource unavailable" \
	"$(grep -c 'Participant failed to join conference.*Reason="resource unavailable"' "${NODE_LOG[$A1]}")" 1
tsr_expect_ge "node-a1: alarm Call capacity limit reached raised" \
	"$(grep -c 'Alarm raised.*Call capacity limit reached' "${NODE_LOG[$A1]}")" 1
tsr_expect_eq "still three participants on node-a1" "$(sq $A1 "$CONNECTED")" 3

# End: c, then b leave; the media nodes release what they hosted.
tsr_check "c's call ended by itself" tsr_wait_exit "${CALL_PID[c]}" 20
tsr_check "node-b1 released c's media" wait_sq $B1 "$HOSTED" 0 5
tsr_check "node-b1's conference is gone with it (load 0)" wait_sq $B1 "$LOAD" 0 5
tsr_stop_bg "${CALL_PID[b]}" INT
tsr_check "node-a2 released b's media" wait_sq $A2 "$HOSTED" 0 5
tsr_stop_bg "${CALL_PID[a]}" INT
tsr_stop_bg "$CAP_PID" INT

echo "# marks: a $A_1 $A_2, b $B_1 $B_2, c $C_1 $C_2"
tsr_check "a (media node-a1) hears b (media node-a2), not itself" \
	tone a "$A_1" "$A_2" --expect 880 --absent 440 --threshold 0.5 --absent-threshold 0.05 --min-seconds 4
tsr_check "b (media node-a2) hears a, not itself" \
	tone b "$B_1" "$B_2" --expect 440 --absent 880 --threshold 0.5 --absent-threshold 0.05 --min-seconds 4
tsr_check "c (media in Paris) hears a and b, not itself" \
	tone c "$C_1" "$C_2" --expect 440 --expect 880 --absent 1320 --threshold 0.2 \
	--absent-threshold 0.05 --min-seconds 4

# Between node addresses: ESP and the TLS control port only.
nodes_re="$L1N1_ADDR|$L1N2_ADDR|$L2N1_ADDR"
between="ip.src in {$L1N1_ADDR, $L1N2_ADDR, $L2N1_ADDR} && ip.dst in {$L1N1_ADDR, $L1N2_ADDR, $L2N1_ADDR}"
tshark -r "$PCAP" -Y "$between" -T fields -e ip.proto -e tcp.srcport -e tcp.dstport \
	>"$TSR_TMP/between.txt" 2>/dev/null
n_esp=$(awk -F'\t' '$1 == 50' "$TSR_TMP/between.txt" | wc -l)
# ICMP (proto 1, possibly quoting another) is allowed: port unreachables at teardown.
n_bad=$(awk -F'\t' '$1 != 50 && !($1 == 6 && ($2 == 8444 || $3 == 8444)) && $1 !~ /^1(,|$)/' "$TSR_TMP/between.txt" | wc -l)
echo "# between the nodes ($nodes_re): ESP $n_esp, other $n_bad"
tsr_expect_ge "media between the nodes in ESP" "$n_esp" 300
tsr_expect_eq "nothing but ESP and the control port between the nodes" "$n_bad" 0

# INVITE to 200 OK on node-a1: media here (a), on node-a2 (b), in Paris (c).
l_ms=$(grep 'service call answered' "${NODE_LOG[$A1]}" | sed -n '1s/.*setup_ms=\([0-9]*\).*/\1/p')
r_ms=$(grep 'service call answered' "${NODE_LOG[$A1]}" | sed -n '2s/.*setup_ms=\([0-9]*\).*/\1/p')
o_ms=$(grep 'service call answered' "${NODE_LOG[$A1]}" | sed -n '3s/.*setup_ms=\([0-9]*\).*/\1/p')
echo "BENCH dist_call_setup local_ms=${l_ms:-?} remote_ms=${r_ms:-?} overflow_ms=${o_ms:-?}"
for id in $A1 $A2 $B1; do
	tsr_check "$id: tessera-node still running" kill -0 "${NODE_PID[$id]}"
done
if [ "$TSR_FAILS" -ne 0 ]; then
	tsr_nodes_logs
	for id in $A1 $A2 $B1; do
		echo "# ---- last lines of ${NODE_LOG[$id]} ----"
		grep -v 'comp=cp.sofia' "${NODE_LOG[$id]}" | tail -n 40 | sed 's/^/# /'
	done
fi
tsr_finish
