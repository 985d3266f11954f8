#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_node_protocol.sh - the real tessera-mgmt over HTTPS with curl playing
# a Conferencing Node: bootstrap and enrolment tokens, 401s, configuration
# snapshots, the long poll (woken within 1 s of a change, answered with
# "objects": null when nothing changed, never blocking other requests),
# status reports reaching the status, topology and history endpoints,
# malformed reports refused whole, commands round-tripping through the
# node, and the node alarms raised and lowered.
#
# Environment: TSR_BUILD (build directory), TSR_KEEP=1 keeps the temp dir.
# Needs curl, python3 and sqlite3; no root, no namespaces.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

MGMT_BIN=${MGMT_BIN:-$TSR_BUILD/mgmt-api/tessera-mgmt}
TSR_NAME=mgmt_node_protocol
MGMT_PID=""

cleanup() {
	local rc=$?
	trap - EXIT
	jobs -p | grep -v "^${MGMT_PID:-x}$" | xargs -r kill 2>/dev/null
	if [ -n "$MGMT_PID" ]; then
		kill -TERM "$MGMT_PID" 2>/dev/null
		wait "$MGMT_PID" 2>/dev/null
	fi
	if [ "$rc" -ne 0 ] || [ "$TSR_FAILS" -ne 0 ]; then
		echo "# ---- last lines of $TMP/mgmt.log ----"
		tail -n 30 "$TMP/mgmt.log" 2>/dev/null | sed 's/^/# /'
		echo "# temporary files kept in $TMP"
	elif [ "${TSR_KEEP:-0}" = 1 ]; then
		echo "# temporary files kept in $TMP"
	else
		rm -rf "$TMP"
	fi
	[ "$rc" -eq 0 ] && [ "$TSR_FAILS" -ne 0 ] && rc=1
	exit "$rc"
}

[ -x "$MGMT_BIN" ] || { echo "SKIP: $MGMT_BIN not built"; exit 77; }
for t in curl sqlite3; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
TMP=$(mktemp -d /tmp/tsr-mgmt-node.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "# $TSR_NAME: logs in $TMP"

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="https://127.0.0.1:$PORT"
C="/api/admin/configuration/v1"
S="/api/admin/status/v1"
H="/api/admin/history/v1"
CMD="/api/admin/command/v1"
STATE="$TMP/state"
ADMIN="admin:admin-pass-1"
TOKEN=""

# api METHOD PATH [BODY] [AUTH]: sets STATUS and BODY. AUTH: "user:pass",
# "bearer:TOKEN" or "" (none); default the admin account.
api() {
	local method=$1 path=$2 body=${3:-} auth=${4-$ADMIN}
	local -a args=(-s --cacert "$STATE/tls-cert.pem" -o "$TMP/body" -w '%{http_code}' -X "$method")
	case "$auth" in
	"") ;;
	bearer:*) args+=(-H "Authorization: Bearer ${auth#bearer:}") ;;
	*) args+=(-u "$auth") ;;
	esac
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	STATUS=$(curl "${args[@]}" "$BASE$path")
	BODY=$(cat "$TMP/body")
}
node() { api "$1" "$2" "${3:-}" "bearer:$TOKEN"; }
jget() { tsr_json "$BODY" "$1" MISSING; }
jlen() { "$PY" -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[int(k) if isinstance(v,list) else k] for k in sys.argv[2].split(".") if k]; print(len(v))' "$BODY" "$1" 2>/dev/null || echo -1; }

expect() {
	local desc=$1 want=$2 ok=1 got
	shift 2
	[ "$STATUS" = "$want" ] || ok=0
	while [ $# -ge 2 ]; do
		got=$(jget "$1")
		[ "$got" = "$2" ] || { ok=0; desc+=" [$1='$got' want '$2']"; }
		shift 2
	done
	if [ $ok = 1 ]; then tsr_ok "$desc"; else tsr_fail "$desc (status $STATUS, want $want): ${BODY:0:300}"; fi
}

now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%6NZ; }
ms() { date +%s%3N; }

# ---- start ------------------------------------------------------------------------------
"$MGMT_BIN" --listen 127.0.0.1 --port "$PORT" --state-dir "$STATE" --admin-password "${ADMIN#admin:}" \
	--pbkdf2-iterations 1000 --threads 2 --command-timeout 2 --node-timeout 5 --sync-timeout 2 \
	>"$TMP/mgmt.log" 2>&1 </dev/null &
MGMT_PID=$!
for _ in $(seq 100); do
	[ -s "$STATE/tls-cert.pem" ] && curl -s -o /dev/null --cacert "$STATE/tls-cert.pem" "$BASE$C/" && break
	kill -0 "$MGMT_PID" 2>/dev/null || tsr_bail "tessera-mgmt exited during startup"
	sleep 0.1
done

# ---- bootstrap -----------------------------------------------------------------------------
api POST "$C/system_location/" '{"name":"Oslo"}'
LOC=$(jget resource_uri)
api POST "$C/worker_vm/" "{\"name\":\"cn1\",\"hostname\":\"cn1\",\"domain\":\"example.com\",\"address\":\"10.0.0.11\",\"netmask\":\"255.255.255.0\",\"gateway\":\"10.0.0.1\",\"system_location\":\"$LOC\"}"
expect "worker_vm created" 201
NODE_ID=$(jget id)
api POST "$C/user/" '{"username":"viewer","password":"viewer-pass-1","role":"readonly"}'
api GET "$CMD/worker_vm/$NODE_ID/bootstrap/" "" "viewer:viewer-pass-1"
expect "bootstrap needs an admin account (403)" 403
api GET "$CMD/worker_vm/999/bootstrap/"
expect "bootstrap of an unknown node (404)" 404
api GET "$CMD/worker_vm/$NODE_ID/bootstrap/"
expect "bootstrap document" 200 node_name cn1 node_id "$NODE_ID" address 10.0.0.11 \
	management_url "https://127.0.0.1:$PORT"
FIRST=$(jget token)
[[ "$FIRST" =~ ^[0-9a-f]{64}$ ]] && tsr_ok "token is 64 hex digits" || tsr_fail "token '$FIRST'"
grep -q "BEGIN CERTIFICATE" <<<"$(jget management_certificate)" &&
	tsr_ok "bootstrap carries the certificate to pin" || tsr_fail "no certificate in the bootstrap"
if sqlite3 "$STATE/mgmt.db" .dump | grep -q "$FIRST"; then
	tsr_fail "the token is stored in clear"
else
	tsr_expect_eq "only the token's SHA-256 is stored" \
		"$(sqlite3 "$STATE/mgmt.db" "SELECT token_hash FROM node_enrolment")" \
		"$(printf %s "$FIRST" | sha256sum | cut -d' ' -f1)"
fi
api POST "$CMD/worker_vm/$NODE_ID/bootstrap/"
TOKEN=$(jget token)
api GET "/api/internal/v1/config?since=0" "" "bearer:$FIRST"
expect "a new bootstrap revokes the previous token (401)" 401

# ---- 401s ----------------------------------------------------------------------------------
api GET "/api/internal/v1/config" "" ""
expect "no token: 401" 401
api GET "/api/internal/v1/config" "" "bearer:${TOKEN%?}0"
[ "${TOKEN: -1}" = 0 ] && api GET "/api/internal/v1/config" "" "bearer:${TOKEN%?}1"
expect "wrong token: 401" 401
api POST "/api/internal/v1/status" '{"config_version":1}' "bearer:not-a-token"
expect "malformed token: 401" 401
api GET "/api/internal/v1/config"
expect "admin basic credentials do not open the node protocol (401)" 401
api GET "$C/conference/" "" "bearer:$TOKEN"
expect "a node token does not open the admin API (401)" 401

# ---- snapshots and the long poll --------------------------------------------------------
api POST "$C/conference/" '{"name":"Alice","pin":"1234","aliases":[{"alias":"meet.alice"},{"alias":"alice@example.com"}]}'
expect "VMR Alice" 201
ALICE=$(jget resource_uri)
ALICE_JSON=$BODY
node GET "/api/internal/v1/config?since=0"
expect "snapshot at once when since is behind" 200
V=$(jget version)
for k in conference conference_alias automatic_participant gateway_routing_rule end_user device \
	system_location worker_vm global; do
	[ "$(jlen objects.$k)" -ge 0 ] || tsr_fail "snapshot lacks objects.$k"
done
tsr_expect_eq "snapshot lists: conference, its aliases, one global" \
	"$(jlen objects.conference) $(jlen objects.conference.0.aliases) $(jlen objects.conference_alias) $(jlen objects.global)" "1 2 2 1"
tsr_expect_eq "snapshot object equals the admin API's GET" \
	"$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["objects"]["conference"][0] == json.loads(sys.argv[2]))' "$BODY" "$ALICE_JSON")" True
tsr_expect_eq "version is the database's configuration version" "$V" \
	"$(sqlite3 "$STATE/mgmt.db" 'SELECT version FROM config_state')"
node GET "/api/internal/v1/config?since=$V&wait=1"
expect "no change within wait: objects null" 200 version "$V" objects null
for q in "since=-1" "since=abc" "wait=61" "wait=1.5" "sinse=1"; do
	node GET "/api/internal/v1/config?$q"
	expect "bad query '$q': 400" 400
done
node POST "/api/internal/v1/config"
expect "config is GET only (405)" 405

# A poll, woken by a change made 1 s later.
(
	t0=$(ms)
	curl -s --cacert "$STATE/tls-cert.pem" -H "Authorization: Bearer $TOKEN" \
		"$BASE/api/internal/v1/config?since=$V&wait=20" >"$TMP/poll.json"
	echo $(($(ms) - t0)) >"$TMP/poll.ms"
	ms >"$TMP/poll.end"
) &
POLL=$!
# Four more parked polls: more than the 2 worker threads, none may block other requests.
PARKED=()
for i in 1 2 3 4; do
	curl -s -o /dev/null --cacert "$STATE/tls-cert.pem" -H "Authorization: Bearer $TOKEN" \
		"$BASE/api/internal/v1/config?since=$V&wait=20" &
	PARKED+=($!)
done
sleep 1
t0=$(ms)
api GET "$C/conference/"
t1=$(ms)
expect "admin GET served while 5 long polls are parked" 200
[ $((t1 - t0)) -lt 1000 ] && tsr_ok "and promptly ($((t1 - t0)) ms)" || tsr_fail "admin GET took $((t1 - t0)) ms"
tchange=$(ms)
api PATCH "$ALICE" '{"description":"changed"}'
expect "a change" 202
wait "$POLL"
woke=$(($(cat "$TMP/poll.end") - tchange))
[ "$woke" -lt 1000 ] && tsr_ok "long poll woken ${woke} ms after the change" ||
	tsr_fail "long poll answered ${woke} ms after the change"
tsr_expect_eq "woken poll carries the new version" "$(tsr_json "$(cat "$TMP/poll.json")" version)" $((V + 1))
tsr_expect_eq "and the changed object" \
	"$(tsr_json "$(cat "$TMP/poll.json")" objects.conference.0.description)" changed
V=$((V + 1))
wait "${PARKED[@]}"

# ---- status reports --------------------------------------------------------------------------
T0=$(now_iso)
report() { # report VERSION PARTICIPANTS_JSON EVENTS_JSON [RESULTS_JSON]
	node POST /api/internal/v1/status "{\"config_version\":$1,\"conferences\":[{\"name\":\"Alice\",\"service_type\":\"conference\",\"start_time\":\"$T0\",\"is_locked\":false,\"guests_muted\":false,\"participant_count\":$(tsr_json "{\"p\":$2}" p | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')}],\"participants\":$2,\"events\":$3,\"command_results\":${4:-[]},\"load\":{\"media_ports_used\":2,\"conferences\":1,\"participants\":2,\"cpu_percent\":12.5}}"
}
P1="{\"id\":\"5b1e7c0e-0000-4000-8000-000000000001\",\"conference\":\"Alice\",\"display_name\":\"Bob\",\"source_alias\":\"sip:bob@example.com\",\"destination_alias\":\"meet.alice\",\"remote_address\":\"192.0.2.7\",\"remote_port\":5060,\"protocol\":\"sip\",\"role\":\"chair\",\"call_direction\":\"in\",\"connect_time\":\"$T0\",\"encryption\":\"On\",\"is_muted\":false,\"has_media\":true,\"audio_codec\":\"opus\",\"rx_packets_lost\":4,\"rx_jitter\":2.5,\"vendor\":\"linphone\"}"
P2="{\"id\":\"5b1e7c0e-0000-4000-8000-000000000002\",\"conference\":\"Alice\",\"display_name\":\"Carol\",\"source_alias\":\"sip:carol@example.com\",\"destination_alias\":\"meet.alice\",\"protocol\":\"sip\",\"role\":\"guest\",\"call_direction\":\"in\",\"connect_time\":\"$T0\"}"
EV1="[{\"time\":\"$T0\",\"type\":\"conference_started\",\"conference\":\"Alice\"},{\"time\":\"$T0\",\"type\":\"participant_connected\",\"conference\":\"Alice\",\"participant_id\":\"5b1e7c0e-0000-4000-8000-000000000001\"},{\"time\":\"$T0\",\"type\":\"participant_connected\",\"conference\":\"Alice\",\"participant_id\":\"5b1e7c0e-0000-4000-8000-000000000002\"}]"
report "$V" "[$P1,$P2]" "$EV1"
expect "status report accepted" 200 commands "[]"
api GET "$S/worker_vm/"
expect "node health" 200 objects.0.name cn1 objects.0.config_version "$V" objects.0.in_sync true \
	objects.0.contact_health ok objects.0.media_ports_used 2 objects.0.cpu_percent 12.5 \
	objects.0.participant_count 2
[ "$(jget objects.0.last_contact)" != null ] && tsr_ok "last_contact set" || tsr_fail "last_contact null"
api GET "$S/conference/?name=Alice"
expect "conference status" 200 meta.total_count 1 objects.0.participant_count 2 objects.0.is_locked false \
	objects.0.service_type conference
CONF_ID=$(jget objects.0.id)
api GET "$S/conference/$CONF_ID/"
expect "conference status by id" 200 name Alice
api GET "$S/conference/00000000-0000-4000-8000-000000000000/"
expect "stale conference id" 404 error "Conference instance no longer active"
api GET "$S/participant/?conference=Alice&order_by=display_name"
expect "participant status" 200 meta.total_count 2 objects.0.display_name Bob objects.0.node cn1 \
	objects.0.media_node 10.0.0.11 objects.0.system_location Oslo objects.0.remote_port 5060 \
	objects.0.rx_jitter 2.5 objects.0.encryption On objects.1.role guest
api GET "$S/participant/?role=guest"
expect "participant status filter" 200 meta.total_count 1 objects.0.display_name Carol
api GET "$S/participant/5b1e7c0e-0000-4000-8000-000000000001/"
expect "participant by id" 200 source_alias sip:bob@example.com
api GET "$S/participant/schema/"
expect "participant status schema" 200 fields.is_muted.type boolean
api GET "$S/live/"
expect "topology" 200 locations.0.name Oslo locations.0.nodes.0.name cn1 \
	locations.0.nodes.0.conferences.0.name Alice locations.0.nodes.0.conferences.0.participants.1.display_name Carol
api POST "$S/participant/" '{}'
expect "status is read-only (405)" 405

# Malformed reports: 400 naming the place, nothing stored.
node POST /api/internal/v1/status '{"config_version":1,"participants":[{"id":"x","conference":"Alice","is_muted":"yes"}]}'
expect "bad participant field" 400
grep -q '"participants\[0\].is_muted":\["must be true or false"\]' <<<"$BODY" &&
	tsr_ok "error names participants[0].is_muted" || tsr_fail "error body: $BODY"
for bad in '{}' '{"config_version":"1"}' '[]' 'nope' '{"config_version":1,"events":[{"time":"yesterday","type":"x"}]}' \
	'{"config_version":1,"conferences":[{"name":""}]}' '{"config_version":1,"load":{"media_ports_used":-1}}' \
	'{"config_version":1,"command_results":[{"id":"x","status":"ok"}]}'; do
	node POST /api/internal/v1/status "$bad"
	expect "malformed report refused: ${bad:0:60}" 400
done
api GET "$S/participant/?conference=Alice"
expect "refused reports changed nothing" 200 meta.total_count 2
"$PY" -c 'import json; print(json.dumps({"config_version":1,"events":[{"time":0,"type":"x","detail":"d"*1000}]*5000}))' >"$TMP/big.json"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$STATE/tls-cert.pem" -H "Authorization: Bearer $TOKEN" \
	-X POST --data-binary @"$TMP/big.json" "$BASE/api/internal/v1/status")
tsr_expect_eq "report over --max-node-body: 413" "$STATUS" 413

# ---- commands ----------------------------------------------------------------------------------
# cmd_roundtrip DESC PATH BODY NODE_COMMAND STATUS MESSAGE: admin command answered by the node.
cmd_roundtrip() {
	local desc=$1 path=$2 body=$3 want=$4 result=$5 msg=$6 id
	curl -s --cacert "$STATE/tls-cert.pem" -u "$ADMIN" -o "$TMP/cmd.json" -w '%{http_code}' \
		-X POST --data-binary "$body" "$BASE$path" >"$TMP/cmd.status" &
	local cpid=$!
	sleep 0.3
	report "$V" "[$P1,$P2]" "[]"
	tsr_expect_eq "$desc: queued command delivered to the node" "$(jget commands.0.command)" "$want"
	id=$(jget commands.0.id)
	ARGS=$(jget commands.0.args)
	report "$V" "[$P1,$P2]" "[]" "[{\"id\":\"$id\",\"status\":\"$result\",\"message\":\"$msg\",\"result\":{\"ok\":1}}]"
	expect "$desc: result accepted" 200 commands "[]"
	wait "$cpid"
	CSTATUS=$(cat "$TMP/cmd.status")
	CBODY=$(cat "$TMP/cmd.json")
}
cmd_roundtrip "mute" "$CMD/participant/mute/" '{"participant_id":"5b1e7c0e-0000-4000-8000-000000000001"}' \
	participant_mute success "muted"
tsr_expect_eq "mute: 202 success" "$CSTATUS $(tsr_json "$CBODY" status) $(tsr_json "$CBODY" message)" "202 success muted"
tsr_expect_eq "mute: node's result passed on" "$(tsr_json "$CBODY" result.ok)" 1
tsr_expect_eq "mute: args carry the participant" "$(tsr_json "$ARGS" participant_id)" 5b1e7c0e-0000-4000-8000-000000000001
cmd_roundtrip "lock" "$CMD/conference/lock/" "{\"conference_id\":\"$CONF_ID\"}" conference_lock success ""
tsr_expect_eq "lock: 202" "$CSTATUS $(tsr_json "$CBODY" status)" "202 success"
tsr_expect_eq "lock: args name the conference" "$(tsr_json "$ARGS" conference)" Alice
cmd_roundtrip "lock by configuration id" "$CMD/conference/lock/" "{\"conference_id\":$(basename "$ALICE")}" conference_lock success ""
cmd_roundtrip "unmute guests" "$CMD/conference/unmute_guests/" "{\"conference_id\":\"$CONF_ID\"}" conference_unmute_guests success ""
cmd_roundtrip "transfer" "$CMD/participant/transfer/" '{"participant_id":"5b1e7c0e-0000-4000-8000-000000000002","conference_alias":"meet.alice","role":"guest"}' participant_transfer success ""
cmd_roundtrip "role" "$CMD/participant/role/" '{"participant_id":"5b1e7c0e-0000-4000-8000-000000000002","role":"chair"}' participant_role success ""
cmd_roundtrip "dial" "$CMD/participant/dial/" '{"conference_alias":"meet.alice","destination":"sip:dave@example.com","protocol":"sip","role":"guest","streaming":false}' participant_dial success "dialled"
tsr_expect_eq "dial: args" "$(tsr_json "$ARGS" conference) $(tsr_json "$ARGS" destination)" "Alice sip:dave@example.com"
cmd_roundtrip "disconnect refused by the node" "$CMD/participant/disconnect/" '{"participant_id":"5b1e7c0e-0000-4000-8000-000000000001"}' participant_disconnect failure "no such call"
tsr_expect_eq "node failure: 400 failure with its message" "$CSTATUS $(tsr_json "$CBODY" status) $(tsr_json "$CBODY" message)" "400 failure no such call"
api POST "$CMD/participant/unmute/" '{"participant_id":"5b1e7c0e-0000-4000-8000-000000000001"}'
expect "a node that never answers: 504 after --command-timeout" 504 status failure
api POST "$CMD/participant/mute/" '{"participant_id":"5b1e7c0e-0000-4000-8000-00000000ffff"}'
expect "unknown participant: 404" 404 status failure
api POST "$CMD/conference/disconnect/" '{"conference_id":"nope"}'
expect "conference not active: 404" 404 message "Conference instance no longer active"
api POST "$CMD/participant/mute/" '{"participant_id":42}'
expect "participant_id must be a string" 400
api POST "$CMD/participant/dial/" '{"conference_alias":"meet.alice"}'
expect "dial needs a destination" 400 destination.0 "this field is required"
api POST "$CMD/participant/dial/" '{"conference_alias":"nowhere","destination":"x","protocol":"fax"}'
expect "dial: bad protocol" 400
api POST "$CMD/participant/mute/" '{"participant_id":"5b1e7c0e-0000-4000-8000-000000000001"}' "viewer:viewer-pass-1"
expect "commands need an admin account (403)" 403
api POST "$CMD/participant/explode/" '{}'
expect "unknown command: 404" 404
report "$V" "[$P1,$P2]" "[]"
expect "the unanswered command was withdrawn, not delivered late" 200 commands "[]"

# ---- history -------------------------------------------------------------------------------------
T1=$(now_iso)
report "$V" "[$P2]" "[{\"time\":\"$T1\",\"type\":\"participant_disconnected\",\"conference\":\"Alice\",\"participant_id\":\"5b1e7c0e-0000-4000-8000-000000000001\",\"detail\":\"Remote disconnect\"}]"
expect "a participant leaves" 200
node POST /api/internal/v1/status "{\"config_version\":$V,\"conferences\":[],\"participants\":[],\"events\":[{\"time\":\"$T1\",\"type\":\"participant_disconnected\",\"conference\":\"Alice\",\"participant_id\":\"5b1e7c0e-0000-4000-8000-000000000002\",\"detail\":\"Conference ended\"},{\"time\":\"$T1\",\"type\":\"conference_ended\",\"conference\":\"Alice\"}]}"
expect "the conference ends" 200
api GET "$S/conference/"
expect "no live conference left" 200 meta.total_count 0
api GET "$H/conference/?name=Alice"
expect "conference history" 200 meta.total_count 1 objects.0.participant_count 2 objects.0.service_type conference
[ "$(jget objects.0.end_time)" != null ] && tsr_ok "history: end_time set" || tsr_fail "history: no end_time"
tsr_expect_eq "history: two participant records" "$(jlen objects.0.participants)" 2
api GET "$H/participant/?conference_name=Alice&order_by=display_name"
expect "participant history (CDR)" 200 meta.total_count 2 objects.0.display_name Bob \
	objects.0.remote_alias sip:bob@example.com objects.0.local_alias meet.alice \
	objects.0.disconnect_reason "Remote disconnect" objects.0.remote_port 5060 objects.1.disconnect_reason "Conference ended"
api GET "$H/participant/?end_time__gte=2000-01-01T00:00:00&duration__gte=0&limit=1"
expect "history filters" 200 meta.total_count 2

# ---- alarms -------------------------------------------------------------------------------------
# wait_alarms N SECONDS: poll the active alarms until there are N (the monitor runs once a second).
wait_alarms() {
	local i
	for i in $(seq $(($2 * 10))); do
		api GET "$S/alarm/"
		[ "$(jget meta.total_count)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
api PATCH "$ALICE" '{"description":"again"}'
V2=$((V + 1))
report "$V" "[]" "[]"
wait_alarms 1 4
expect "node behind the configuration: alarm" 200 meta.total_count 1 objects.0.name "Configuration not synchronized" \
	objects.0.node cn1 objects.0.level warning
report "$V2" "[]" "[]"
wait_alarms 0 3
expect "alarm cleared once the node caught up" 200 meta.total_count 0
sleep 3
api GET "$S/alarm/"
expect "no alarm before --node-timeout" 200 meta.total_count 0
wait_alarms 1 5
expect "no report for --node-timeout: connectivity alarm" 200 meta.total_count 1 \
	objects.0.name "Connectivity lost between nodes"
report "$V2" "[]" "[]"
wait_alarms 0 3
expect "connectivity alarm cleared by the next report" 200 meta.total_count 0
api GET "$H/alarm/?order_by=time_raised"
expect "alarm history keeps both" 200 meta.total_count 2 objects.0.name "Configuration not synchronized"
[ "$(jget objects.1.time_lowered)" != null ] && tsr_ok "time_lowered recorded" || tsr_fail "no time_lowered"
grep -q 'Name="administrator.alarm" Message="Alarm raised"' "$STATE/logs/admin.log" &&
	grep -q 'Name="administrator.alarm" Message="Alarm lowered"' "$STATE/logs/admin.log" &&
	tsr_ok "alarms raised and lowered in the admin log" || tsr_fail "no alarm lines in the admin log"

# Alarms the node raises itself (alarm_raised / alarm_lowered events): kept until the node
# lowers them, whatever the monitor computes.
alarm_ev() { # TYPE NAME [INSTANCE]
	echo "[{\"time\":\"$(now_iso)\",\"type\":\"$1\",\"alarm\":\"$2\"${3:+,\"instance\":\"$3\"},\"detail\":\"test\"}]"
}
report "$V2" "[]" "$(alarm_ev alarm_raised "Call capacity limit reached")"
expect "node alarm event accepted" 200
api GET "$S/alarm/"
expect "node's capacity alarm in the alarm table" 200 meta.total_count 1 \
	objects.0.identifier call_capacity_limit_reached objects.0.name "Call capacity limit reached" \
	objects.0.node cn1 objects.0.instance cn1 objects.0.level warning objects.0.details test
report "$V2" "[]" "$(alarm_ev alarm_raised "Connectivity lost between nodes" "cn1 to cn2")"
report "$V2" "[]" "$(alarm_ev alarm_raised "Call capacity limit reached")"
sleep 2.5
api GET "$S/alarm/?order_by=identifier"
expect "a repeated raise changes nothing; the monitor keeps node alarms" 200 meta.total_count 2 \
	objects.1.identifier node_connectivity_lost objects.1.instance "cn1 to cn2" \
	objects.1.name "Connectivity lost between nodes"
report "$V2" "[]" "[{\"time\":\"$(now_iso)\",\"type\":\"alarm_raised\"}]"
expect "alarm_raised without the alarm's name: 400" 400
grep -q '"events\[0\].alarm":\["required' <<<"$BODY" &&
	tsr_ok "error names events[0].alarm" || tsr_fail "error body: $BODY"
report "$V2" "[]" "$(alarm_ev alarm_lowered "Call capacity limit reached")"
api GET "$S/alarm/"
expect "lowered by the node: only the other one left" 200 meta.total_count 1 \
	objects.0.identifier node_connectivity_lost
report "$V2" "[]" "$(alarm_ev alarm_lowered "Connectivity lost between nodes" "cn1 to cn2")"
api GET "$S/alarm/"
expect "both node alarms lowered" 200 meta.total_count 0
api GET "$H/alarm/?identifier=call_capacity_limit_reached"
expect "history: the capacity alarm once, with its time_lowered" 200 meta.total_count 1
[ "$(jget objects.0.time_lowered)" != null ] && tsr_ok "node alarm: time_lowered recorded" ||
	tsr_fail "node alarm: no time_lowered"
grep -q 'Message="Alarm raised".*Call capacity limit reached' "$STATE/logs/admin.log" &&
	tsr_ok "node alarm in the admin log" || tsr_fail "no admin-log line for the node alarm"

# ---- a deleted node ---------------------------------------------------------------------------
api DELETE "$C/worker_vm/$NODE_ID/"
expect "node deleted" 204
node GET "/api/internal/v1/config?since=0"
expect "its token died with it (401)" 401

kill -TERM "$MGMT_PID"
wait "$MGMT_PID"
tsr_expect_eq "SIGTERM: clean exit" "$?" 0
MGMT_PID=""
if grep -q "$TOKEN" "$TMP/mgmt.log"; then tsr_fail "a token reached the log"; else tsr_ok "no token in the log"; fi
tsr_finish
