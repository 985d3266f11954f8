#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_rest_api.sh - the real tessera-mgmt on a loopback address, driven with
# curl over HTTPS (the generated certificate pinned with --cacert): auth,
# CRUD of every configuration resource, paging, filters, ordering,
# validation errors, aliases unique across services, concurrent writers,
# body and nesting limits, clean shutdown on SIGTERM.
#
# Environment: TSR_BUILD (build directory), TSR_KEEP=1 keeps the temp dir.
# Needs curl and python3; no root, no namespaces.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

MGMT_BIN=${MGMT_BIN:-$TSR_BUILD/mgmt-api/tessera-mgmt}
TSR_NAME=mgmt_rest_api
MGMT_PID=""

cleanup() {
	local rc=$?
	trap - EXIT
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
command -v curl >/dev/null || { echo "SKIP: curl missing"; exit 77; }
TMP=$(mktemp -d /tmp/tsr-mgmt.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "# $TSR_NAME: logs in $TMP"

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="https://127.0.0.1:$PORT"
API="/api/admin/configuration/v1"
STATE="$TMP/state"

# api METHOD PATH [BODY] [USER:PASS]: sets STATUS, BODY, HDRS.
api() {
	local method=$1 path=$2 body=${3:-} cred=${4-$ADMIN}
	local -a args=(-s --cacert "$STATE/tls-cert.pem" -o "$TMP/body" -D "$TMP/hdrs"
		-w '%{http_code}' -X "$method")
	[ -n "$cred" ] && args+=(-u "$cred")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	STATUS=$(curl "${args[@]}" "$BASE$path")
	BODY=$(cat "$TMP/body")
	HDRS=$(tr -d '\r' <"$TMP/hdrs")
}

header() { sed -n "s/^$1: //Ip" <<<"$HDRS" | head -n 1; }
jget() { tsr_json "$BODY" "$1" MISSING; }

# expect DESC STATUS [PATH VALUE]...: STATUS and some JSON fields of the last reply.
expect() {
	local desc=$1 want=$2 ok=1 got
	shift 2
	[ "$STATUS" = "$want" ] || ok=0
	while [ $# -ge 2 ]; do
		got=$(jget "$1")
		[ "$got" = "$2" ] || { ok=0; desc+=" [$1='$got' want '$2']"; }
		shift 2
	done
	if [ $ok = 1 ]; then
		tsr_ok "$desc"
	else
		tsr_fail "$desc (status $STATUS, want $want): ${BODY:0:300}"
	fi
}

# ---- start --------------------------------------------------------------------------
"$MGMT_BIN" --help | grep -q -- '--admin-password' && tsr_ok "--help lists the options" ||
	tsr_fail "--help"
"$MGMT_BIN" --listen 192.0.2.1 --plain-http --state-dir "$TMP/x" >/dev/null 2>&1
tsr_expect_eq "plain HTTP refused on a non-loopback address (exit status)" "$?" 2

cat >"$TMP/mgmt.conf" <<CONF
# tessera-mgmt test configuration
listen = 127.0.0.1
port = $PORT
state-dir = $STATE
threads = 2
max-body = 65536
page-limit-max = 50
CONF
"$MGMT_BIN" --config "$TMP/mgmt.conf" >"$TMP/mgmt.log" 2>&1 </dev/null &
MGMT_PID=$!
for _ in $(seq 100); do
	[ -s "$STATE/admin-password" ] && [ -s "$STATE/tls-cert.pem" ] &&
		curl -s -o /dev/null --cacert "$STATE/tls-cert.pem" "$BASE$API/" && break
	kill -0 "$MGMT_PID" 2>/dev/null || tsr_bail "tessera-mgmt exited during startup"
	sleep 0.1
done
ADMIN="admin:$(cat "$STATE/admin-password")"
tsr_expect_eq "generated admin password file mode" "$(stat -c %a "$STATE/admin-password")" 600
tsr_expect_eq "generated TLS key mode" "$(stat -c %a "$STATE/tls-key.pem")" 600
tsr_expect_eq "database in WAL mode" "$(sqlite3 "$STATE/mgmt.db" 'PRAGMA journal_mode')" wal
tsr_expect_eq "schema version" "$(sqlite3 "$STATE/mgmt.db" 'SELECT max(version) FROM schema_version')" 3
if curl -s -o /dev/null "$BASE$API/" 2>/dev/null; then
	tsr_fail "the self-signed certificate was accepted without pinning"
else
	tsr_ok "the certificate is only trusted when pinned (--cacert)"
fi

# ---- auth ------------------------------------------------------------------------------
api GET "$API/conference/" "" ""
expect "no credentials: 401" 401
tsr_expect_eq "401 carries WWW-Authenticate" "$(header WWW-Authenticate | cut -c1-5)" Basic
api GET "$API/conference/" "" "admin:wrong-password"
expect "wrong password: 401" 401
api GET "$API/conference/" "" "nobody:whatever1"
expect "unknown user: 401" 401
api POST "$API/user/" '{"username":"viewer","password":"viewer-pass-1","role":"readonly"}'
expect "admin creates a readonly account" 201 role readonly
tsr_expect_eq "password never returned" "$(jget password)" MISSING
api GET "$API/conference/" "" "viewer:viewer-pass-1"
expect "readonly account can read" 200
api POST "$API/conference/" '{"name":"nope"}' "viewer:viewer-pass-1"
expect "readonly account cannot write: 403" 403
api POST "$API/user/" '{"username":"short","password":"abc"}'
expect "short password rejected" 400
tsr_expect_eq "error names the password field" "$(jget password.0 | cut -c1-4)" must

# ---- CRUD of every resource -----------------------------------------------------------------
# crud RES CREATE_BODY PATCH_BODY FIELD VALUE: create, read, patch, put, delete, 404.
crud() {
	local res=$1 create=$2 patch=$3 field=$4 value=$5 loc
	api POST "$API/$res/" "$create"
	expect "$res: POST creates (201)" 201
	loc=$(header Location)
	[[ "$loc" =~ ^$API/$res/[0-9]+/$ ]] && tsr_ok "$res: Location $loc" ||
		tsr_fail "$res: Location '$loc'"
	tsr_expect_eq "$res: resource_uri matches Location" "$(jget resource_uri)" "$loc"
	api GET "$loc"
	expect "$res: GET by id" 200 resource_uri "$loc"
	api PATCH "$loc" "$patch"
	expect "$res: PATCH (202)" 202 "$field" "$value"
	api PUT "$loc" "$create"
	expect "$res: PUT replaces (200)" 200
	api DELETE "$loc"
	expect "$res: DELETE (204)" 204
	api GET "$loc"
	expect "$res: gone after DELETE (404)" 404
}

api POST "$API/system_location/" '{"name":"London","description":"main site","mtu":1400}'
expect "system_location London" 201 mtu 1400
LOC1=$(jget resource_uri)
api POST "$API/system_location/" "{\"name\":\"Oslo\",\"overflow_location1\":\"$LOC1\"}"
expect "system_location Oslo overflows to London" 201 overflow_location1 "$LOC1"
LOC2=$(jget resource_uri)
crud system_location '{"name":"Tmp location"}' '{"media_qos":46}' media_qos 46
crud worker_vm "{\"name\":\"cn1\",\"hostname\":\"cn1\",\"domain\":\"example.com\",\"address\":\"10.0.0.11\",\"netmask\":\"255.255.255.0\",\"gateway\":\"10.0.0.1\",\"system_location\":\"$LOC1\"}" \
	"{\"maintenance_mode\":true,\"system_location\":\"$LOC2\"}" system_location "$LOC2"
crud conference '{"name":"Alice VMR","pin":"1234","guest_pin":"5678","allow_guests":true,"aliases":[{"alias":"meet.alice"},{"alias":"meet.alice@example.com","description":"URI"}]}' \
	'{"participant_limit":10}' participant_limit 10
crud end_user '{"primary_email_address":"bob@example.com","first_name":"Bob"}' \
	'{"department":"Sales"}' department Sales
crud gateway_routing_rule '{"name":"to PSTN","priority":100,"match_string":"^\\+?[0-9]+$"}' \
	'{"priority":5,"outgoing_protocol":"h323"}' outgoing_protocol h323
api POST "$API/conference/" '{"name":"Lecture hall","service_type":"lecture","aliases":[{"alias":"hall"}]}'
expect "Virtual Auditorium (lecture)" 201 service_type lecture aliases.0.alias hall
VA=$(jget resource_uri)
crud conference_alias "{\"alias\":\"hall2\",\"conference\":\"$VA\"}" '{"description":"second"}' \
	description second
crud automatic_participant "{\"alias\":\"sip:rec@example.com\",\"protocol\":\"sip\",\"conference\":[\"$VA\"]}" \
	'{"role":"chair","streaming":true}' role chair
api POST "$API/automatic_participant/" "{\"alias\":\"rec@example.com\",\"conference\":[\"$VA\"]}"
expect "ADP linked to the auditorium" 201 conference.0 "$VA"
ADP=$(jget resource_uri)
api GET "$VA"
expect "the auditorium lists its ADP" 200 automatic_participants.0 "$ADP"
api GET "$API/global/"
expect "global: list of one" 200 meta.total_count 1 objects.0.resource_uri "$API/global/1/"
api GET "$API/global/1/"
expect "global defaults" 200 enable_sip_udp false signalling_port_start 33000 media_port_end 49999
api PATCH "$API/global/1/" '{"guests_only_timeout":120,"enable_sip_udp":true}'
expect "global PATCH" 202 guests_only_timeout 120 enable_sip_udp true
api DELETE "$API/global/1/"
expect "global cannot be deleted (405)" 405
api PATCH "$API/global/1/" '{"media_port_start":35000}'
expect "global: overlapping port ranges rejected" 400 media_port_start.0 \
	"media and signalling port ranges must not overlap"
api DELETE "$LOC1"
expect "an unused location can be deleted (overflow links to it become null)" 204
api GET "$LOC2"
expect "Oslo's overflow location is now null" 200 overflow_location1 null
api POST "$API/worker_vm/" "{\"name\":\"cn2\",\"hostname\":\"cn2\",\"domain\":\"example.com\",\"address\":\"10.0.0.12\",\"netmask\":\"255.255.255.0\",\"gateway\":\"10.0.0.1\",\"system_location\":\"$LOC2\"}"
expect "worker_vm cn2" 201
api DELETE "$LOC2"
expect "a location used by a node cannot be deleted (409)" 409

# ---- system, call control and device resources ----------------------------------------------
crud device '{"alias":"sip:alice@example.com","username":"alice","password":"s3cret","tag":"t1"}' \
	'{"description":"desk phone","enable_h323":true}' enable_h323 true
crud ivr_theme '{"name":"Blue"}' '{"description":"corporate"}' description corporate
crud sip_credential '{"realm":"proxy.example.com","username":"tessera","password":"pw-1"}' \
	'{"username":"other"}' username other
crud syslog_server '{"address":"logs.example.com"}' '{"transport":"tcp","port":6514}' transport tcp
crud dns_server '{"address":"192.0.2.53"}' '{"description":"resolver"}' description resolver
crud ntp_server '{"address":"pool.ntp.org"}' '{"key_id":7,"key":"ntp-secret"}' key_id 7
crud static_route '{"name":"to-lan","address":"10.40.0.0","prefix":24,"gateway":"172.16.0.10"}' \
	'{"prefix":16,"address":"10.40.0.0"}' prefix 16
api POST "$API/syslog_server/" '{"address":"192.0.2.9"}'
expect "syslog_server defaults" 201 port 514 transport udp audit_log true
api POST "$API/syslog_server/" '{"address":"bad host!","port":0,"transport":"smtp"}'
expect "syslog_server validation" 400 address.0 "must be an IP address or a DNS name" \
	port.0 "must be between 1 and 65535" transport.0 "must be one of: udp, tcp, tls"
api POST "$API/dns_server/" '{"address":"dns.example.com"}'
expect "dns_server needs an IP address" 400 address.0 "must be an IPv4 or IPv6 address"
api POST "$API/dns_server/" '{"address":"2001:db8::53"}'
expect "dns_server IPv6" 201
DNS=$(jget resource_uri)
api POST "$API/ntp_server/" '{"address":"ntp1.example.com","key":"k"}'
expect "ntp key needs key_id" 400 key.0 "requires key_id"
api POST "$API/ntp_server/" '{"address":"ntp1.example.com","key_id":3,"key":"abc"}'
expect "ntp server with a key" 201 key MISSING
NTP=$(jget resource_uri)
tsr_expect_eq "ntp key stored as SHA-1" "$(sqlite3 "$STATE/mgmt.db" "SELECT key_hash FROM ntp_server WHERE address = 'ntp1.example.com'")" \
	"$(printf abc | sha1sum | cut -d' ' -f1)"
api POST "$API/static_route/" '{"name":"r1","address":"10.40.0.1","prefix":24,"gateway":"10.0.0.1"}'
expect "static route: host bits" 400 address.0 "has host bits set beyond the prefix"
api POST "$API/static_route/" '{"name":"r2","address":"10.40.0.0","prefix":33,"gateway":"10.0.0.1"}'
expect "static route: IPv4 prefix" 400 prefix.0 "must be between 0 and 32 for an IPv4 network"
api POST "$API/static_route/" '{"name":"r3","address":"2001:db8::","prefix":32,"gateway":"10.0.0.1"}'
expect "static route: one family" 400 gateway.0 "must be of the same address family as address"
api POST "$API/static_route/" '{"name":"r4","address":"2001:db8::","prefix":32,"gateway":"2001:db8::1"}'
expect "static route IPv6" 201
ROUTE=$(jget resource_uri)
api POST "$API/static_route/" '{"name":"R4","address":"10.0.0.0","prefix":8,"gateway":"10.0.0.1"}'
expect "static route names unique" 400 name.0 "static_route with this name already exists"
api POST "$API/device/" '{"alias":"bob@example.com","password":"x"}'
expect "device password needs a username" 400 password.0 "requires a username"
api POST "$API/device/" '{"alias":"bad alias","primary_owner_email_address":"nobody"}'
expect "device validation" 400 primary_owner_email_address.0 "must be an email address"
api POST "$API/sip_credential/" '{"realm":"r"}'
expect "sip_credential required fields" 400 username.0 "this field is required" password.0 "this field is required"
api POST "$API/ivr_theme/" '{"name":"Green"}'
THEME=$(jget resource_uri)
api POST "$API/system_location/" "{\"name\":\"Bergen\",\"dns_servers\":[\"$DNS\"],\"ntp_servers\":[\"$NTP\"]}"
expect "location with DNS and NTP servers" 201 dns_servers.0 "$DNS" ntp_servers.0 "$NTP"
BERGEN=$(jget resource_uri)
api POST "$API/worker_vm/" "{\"name\":\"cn9\",\"hostname\":\"cn9\",\"domain\":\"example.com\",\"address\":\"10.0.0.19\",\"netmask\":\"255.255.255.0\",\"gateway\":\"10.0.0.1\",\"system_location\":\"$BERGEN\",\"static_routes\":[\"$ROUTE\"]}"
expect "node with a static route" 201 static_routes.0 "$ROUTE"
api POST "$API/system_location/" '{"name":"Bad","dns_servers":["/api/admin/configuration/v1/dns_server/999/"]}'
expect "location: missing DNS server" 400 dns_servers.0 "dns_server 999 does not exist"
api POST "$API/conference/" "{\"name\":\"Themed\",\"ivr_theme\":\"$THEME\"}"
expect "conference with a theme" 201 ivr_theme "$THEME"
THEMED=$(jget resource_uri)
api DELETE "$THEME"
expect "theme deleted" 204
api GET "$THEMED"
expect "its services fall back to the default theme" 200 ivr_theme null

# Service aliases and device aliases share one namespace, case-insensitively.
api POST "$API/device/" '{"alias":"room1@example.com"}'
expect "device alias" 201
api POST "$API/conference/" '{"name":"Clash","aliases":[{"alias":"ROOM1@example.com"}]}'
expect "a service alias equal to a device alias is refused" 400 aliases.0 \
	"item 0: alias: conference_alias with this alias already exists"
api POST "$API/conference/" '{"name":"NoClash","aliases":[{"alias":"room2@example.com"}]}'
expect "service alias" 201
api POST "$API/device/" '{"alias":"Room2@Example.com"}'
expect "a device alias equal to a service alias is refused" 400 alias.0 "device with this alias already exists"
api POST "$API/device/" '{"alias":"sip:room3@example.com"}'
DEV3=$(jget resource_uri)
api PATCH "$DEV3" '{"alias":"room2@example.com"}'
expect "renaming a device alias onto a service alias is refused" 400
tsr_expect_eq "the database refuses it too (trigger)" \
	"$(sqlite3 "$STATE/mgmt.db" "INSERT INTO device (alias, creation_time) VALUES ('ROOM2@example.com', 'x')" 2>&1 | grep -c UNIQUE)" 1

# ---- schema -------------------------------------------------------------------------------------
api GET "$API/conference/schema/"
expect "conference schema" 200 fields.pin.type string fields.service_type.valid_choices.1 lecture \
	fields.name.unique true
api GET "$API/"
expect "resource index" 200 conference.list_endpoint "$API/conference/"

# ---- validation ------------------------------------------------------------------------------
api POST "$API/conference/" '{"name":"Bad","pin":"12a4","guest_pin":"1234","bogus":1,"service_type":"party","participant_limit":"ten"}'
expect "every invalid field named" 400 pin.0 "must be digits with an optional trailing #" \
	bogus.0 "unknown field" service_type.0 "must be one of: conference, lecture, two_stage_dialing, test_call" \
	participant_limit.0 "must be an integer"
api POST "$API/conference/" '{"name":"Bad2","pin":"1234","guest_pin":"123"}'
expect "PIN: 3 digits refused" 400 guest_pin.0 "must be 4 to 20 characters long, counting a trailing #"
api POST "$API/conference/" '{"name":"Bad3","pin":"1234#","guest_pin":"5678"}'
expect "PIN: # coupling" 400 guest_pin.0 "must end with # exactly when the Host PIN ends with #"
api POST "$API/conference/" '{"name":"Bad4","allow_guests":true}'
expect "Allow Guests needs a Host PIN" 400 allow_guests.0 "allowing Guests requires a Host PIN"
api POST "$API/conference/" '{"description":"no name"}'
expect "required field" 400 name.0 "this field is required"
api POST "$API/conference/" "{\"name\":\"$(printf 'n%.0s' $(seq 251))\"}"
expect "name length" 400 name.0 "must be 1 to 250 characters long"
api POST "$API/gateway_routing_rule/" '{"name":"r","priority":201,"match_string":"(["}'
expect "routing rule: priority range and regex" 400 priority.0 "must be between 1 and 200" \
	match_string.0 "must be a valid regular expression"
api POST "$API/worker_vm/" '{"name":"n","hostname":"123","domain":"x","address":"10.0.0.300","netmask":"255.0.255.0","gateway":"10.0.0.1","system_location":"/api/admin/configuration/v1/system_location/999/"}'
expect "worker_vm addresses" 400 hostname.0 "must not be all digits" address.0 "must be an IPv4 address" \
	netmask.0 "must be a contiguous IPv4 network mask"
api POST "$API/conference_alias/" '{"alias":"bad alias*","conference":"/api/admin/configuration/v1/conference/99999/"}'
expect "alias syntax" 400
api POST "$API/conference_alias/" '{"alias":"ok.alias","conference":"/api/admin/configuration/v1/conference/99999/"}'
expect "reference to a missing object" 400 conference.0 "conference 99999 does not exist"
api POST "$API/conference/" 'not json'
expect "malformed JSON" 400
api POST "$API/conference/" '[1,2]'
expect "body must be an object" 400 __all__.0 "the body must be a JSON object"

# ---- aliases unique across all services ------------------------------------------------------
api POST "$API/conference/" '{"name":"Reception","service_type":"two_stage_dialing","aliases":[{"alias":"MEET.Alice2"}]}'
expect "Virtual Reception with an alias" 201
api POST "$API/conference/" '{"name":"Other VMR","aliases":[{"alias":"meet.alice2"}]}'
expect "same alias (other case) on a VMR refused" 400 aliases.0 \
	"item 0: alias: conference_alias with this alias already exists"
api GET "$API/conference/?name=Other%20VMR"
expect "nothing half-written after the refused create" 200 meta.total_count 0
api POST "$API/conference_alias/" "{\"alias\":\"meet.alice2\",\"conference\":\"$VA\"}"
expect "same alias on the auditorium refused" 400 alias.0 "conference_alias with this alias already exists"
api POST "$API/conference/" '{"name":"Dup in one","aliases":[{"alias":"x1"},{"alias":"X1"}]}'
expect "duplicate alias inside one request refused" 400

# ---- paging, filters, ordering ------------------------------------------------------------------
for i in $(seq -w 1 25); do
	api POST "$API/conference/" "{\"name\":\"page-$i\",\"participant_limit\":$((10#$i))}"
	[ "$STATUS" = 201 ] || tsr_fail "create page-$i: $STATUS $BODY"
done
api GET "$API/conference/?name__startswith=page-"
expect "default page size 20" 200 meta.limit 20 meta.total_count 25 meta.offset 0 meta.previous null
tsr_expect_eq "20 objects on the first page" "$(tsr_json "$BODY" objects | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" 20
NEXT=$(jget meta.next)
[[ "$NEXT" == "$API/conference/?"*"offset=20"*"name__startswith=page-"* ]] &&
	tsr_ok "meta.next keeps the filter ($NEXT)" || tsr_fail "meta.next '$NEXT'"
api GET "$NEXT"
expect "following meta.next" 200 meta.offset 20 meta.next null objects.4.name page-25
api GET "$API/conference/?name__startswith=page-&limit=10&offset=10&order_by=-name"
expect "limit, offset, order_by descending" 200 meta.limit 10 objects.0.name page-15 objects.9.name page-06
api GET "$API/conference/?limit=1000"
expect "limit capped by page-limit-max" 200 meta.limit 50
api GET "$API/conference/?name__contains=ge-1&participant_limit__gte=12&participant_limit__lt=15"
expect "contains + numeric range" 200 meta.total_count 3 objects.0.name page-12
api GET "$API/conference/?name__icontains=PAGE-2&order_by=participant_limit"
expect "icontains + order_by" 200 meta.total_count 6 objects.0.name page-20
api GET "$API/conference/?service_type=lecture"
expect "exact filter on an enum" 200 meta.total_count 1 objects.0.name "Lecture hall"
api GET "$API/conference/?name__contains=%27%3B%20DROP%20TABLE%20conference%3B--"
expect "SQL in a filter value is just a value" 200 meta.total_count 0
api GET "$API/conference/?secret=1"
expect "unknown filter field refused" 400
api GET "$API/conference/?order_by=pin%3B%20DROP"
expect "order_by on an unknown field refused" 400
api GET "$API/conference/?name__gt=x"
expect "numeric operator on a string refused" 400
api GET "$API/conference/?participant_limit__gte=abc"
expect "non-numeric value refused" 400 participant_limit__gte.0 "must be an integer"

# ---- concurrent writers -------------------------------------------------------------------------
writer() {
	local w=$1 i code fails=0
	for i in $(seq 1 25); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$STATE/tls-cert.pem" -u "$ADMIN" \
			-X POST -d "{\"name\":\"conc-$w-$i\",\"aliases\":[{\"alias\":\"conc.$w.$i\"}]}" \
			"$BASE$API/conference/")
		[ "$code" = 201 ] || fails=$((fails + 1))
	done
	echo "$fails" >"$TMP/writer.$w"
}
for w in 1 2 3 4; do writer "$w" & done
wait $(jobs -p | grep -v "^$MGMT_PID$") 2>/dev/null
fails=0
for f in "$TMP"/writer.*; do fails=$((fails + $(cat "$f"))); done
tsr_expect_eq "4 parallel writers: failed creates" "$fails" 0
api GET "$API/conference/?name__startswith=conc-&limit=1"
expect "4 x 25 concurrent creates all stored" 200 meta.total_count 100
api GET "$API/conference_alias/?alias__startswith=conc.&limit=1"
expect "and their 100 aliases" 200 meta.total_count 100
tsr_expect_eq "database integrity" "$(sqlite3 "$STATE/mgmt.db" 'PRAGMA integrity_check')" ok

# ---- limits -------------------------------------------------------------------------------------
big=$("$PY" -c 'print("{\"name\":\"" + "x" * 100000 + "\"}")')
# With Expect: 100-continue the client waits for the verdict before it uploads, as
# large uploads should: without it the server's early 413 and close can race the
# upload and the client only sees a reset connection.
STATUS=$(curl -s --cacert "$STATE/tls-cert.pem" -u "$ADMIN" -o "$TMP/body" -w '%{http_code}' \
	-X POST -H 'Content-Type: application/json' -H 'Expect: 100-continue' \
	--data-binary "$big" "$BASE$API/conference/")
BODY=$(cat "$TMP/body")
expect "oversized body: 413 before the upload" 413
deep=$("$PY" -c 'print("{\"name\":" + "[" * 50 + "]" * 50 + "}")')
api POST "$API/conference/" "$deep"
expect "deep JSON refused" 400 __all__.0 "JSON nested deeper than 8 levels"
api GET "/api/admin/configuration/v2/conference/"
expect "unknown path: 404" 404
api POST "$API/conference/1/"
expect "POST on an object: 405" 405
tsr_expect_eq "405 carries Allow" "$(header Allow)" "GET, HEAD, PUT, PATCH, DELETE"

# ---- shutdown --------------------------------------------------------------------------------
kill -TERM "$MGMT_PID"
wait "$MGMT_PID"
tsr_expect_eq "SIGTERM: clean exit" "$?" 0
MGMT_PID=""
grep -q 'tessera-mgmt stopped' "$TMP/mgmt.log" && tsr_ok "shutdown logged" || tsr_fail "shutdown log"
if grep -q "$(cut -d: -f2- <<<"$ADMIN")" "$TMP/mgmt.log" || grep -q 'viewer-pass-1' "$TMP/mgmt.log"; then
	tsr_fail "a password reached the log"
else
	tsr_ok "no password in the log"
fi
tsr_finish
