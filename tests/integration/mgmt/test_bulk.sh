#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_bulk.sh - the real tessera-mgmt's bulk transfers over HTTPS with curl:
# CSV import/export of VMRs, Virtual Auditoriums, Virtual Receptions, ADPs
# and device aliases (guide column orders, headers, short rows, quoting,
# upserts, last row wins, per-row errors, all or nothing, malformed files,
# limits, round trips through export -> wipe -> import); backup and restore
# (round trip of every table, wrong passphrase, every tampered byte class,
# truncation, not a backup, nothing written on refusal, accounts restored).
#
# Environment: TSR_BUILD (build directory), TSR_KEEP=1 keeps the temp dir.
# Needs curl and python3; no root, no namespaces.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

MGMT_BIN=${MGMT_BIN:-$TSR_BUILD/mgmt-api/tessera-mgmt}
TSR_NAME=mgmt_bulk
MGMT_PID=""

cleanup() {
	local rc=$?
	trap - EXIT
	[ -n "$MGMT_PID" ] && kill -TERM "$MGMT_PID" 2>/dev/null && wait "$MGMT_PID" 2>/dev/null
	if [ "$rc" -ne 0 ] || [ "$TSR_FAILS" -ne 0 ]; then
		echo "# ---- last lines of $TMP/mgmt.log ----"
		tail -n 20 "$TMP/mgmt.log" 2>/dev/null | sed 's/^/# /'
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
TMP=$(mktemp -d /tmp/tsr-bulk.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "# $TSR_NAME: logs in $TMP"

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="https://127.0.0.1:$PORT"
STATE="$TMP/state"
ADMIN="admin:bulk-pass-1"
C=/api/admin/configuration/v1
CMD=/api/admin/command/v1
"$MGMT_BIN" --listen 127.0.0.1 --port "$PORT" --state-dir "$STATE" --admin-password bulk-pass-1 \
	--pbkdf2-iterations 1000 --backup-iterations 20000 --max-import-body 200000 \
	--log-level info >>"$TMP/mgmt.log" 2>&1 </dev/null &
MGMT_PID=$!
for _ in $(seq 100); do
	curl -s -o /dev/null --cacert "$STATE/tls-cert.pem" "$BASE/" && break
	sleep 0.1
done

# api METHOD PATH [FILE] [CONTENT-TYPE] [EXTRA-HEADER]: STATUS, BODY, HDRS.
api() {
	local -a args=(-s --cacert "$STATE/tls-cert.pem" -u "$ADMIN" -o "$TMP/body" -D "$TMP/hdrs"
		-w '%{http_code}' -X "$1")
	[ -n "${3:-}" ] && args+=(-H "Content-Type: ${4:-text/csv}" --data-binary "@$3")
	[ -n "${5:-}" ] && args+=(-H "$5")
	STATUS=$(curl "${args[@]}" "$BASE$2")
	BODY=$(tr -d '\0' <"$TMP/body")
	HDRS=$(tr -d '\r' <"$TMP/hdrs")
}
jget() { tsr_json "$BODY" "$1" MISSING; }
expect() {
	local desc=$1 want=$2 ok=1 got
	shift 2
	[ "$STATUS" = "$want" ] || ok=0
	while [ $# -ge 2 ]; do
		got=$(jget "$1")
		[ "$got" = "$2" ] || { ok=0; desc+=" [$1='$got' want '$2']"; }
		shift 2
	done
	if [ $ok = 1 ]; then tsr_ok "$desc"; else tsr_fail "$desc (status $STATUS, want $want): ${BODY:0:400}"; fi
}
count() { api GET "$C/$1/?limit=1"; jget meta.total_count; }
csv() { printf '%b' "$1" >"$TMP/in.csv"; api POST "$CMD/$2/import_csv/${3:+?service_type=$3}" "$TMP/in.csv" "${4:-text/csv}"; }
version() { curl -s --cacert "$STATE/tls-cert.pem" -H "Authorization: Bearer x" "$BASE/" >/dev/null; api GET "$C/global/1/"; }

# ---- fixtures the CSVs refer to by name --------------------------------------------------
printf '{"name":"Oslo"}' >"$TMP/j"; api POST "$C/system_location/" "$TMP/j" application/json
printf '{"name":"Dark"}' >"$TMP/j"; api POST "$C/ivr_theme/" "$TMP/j" application/json

# ---- VMR import: the guide's examples -----------------------------------------------------
csv 'alice,,1234,True,6789,meet.alice\nbob,,,,,meet.bob\nbob,"Bob, ""the"" builder",,,,meet.bobby,second alias\r\n' conference
expect "VMR import (short rows, quoting, one row per alias)" 200 status success result.rows 3 result.created 2
api GET "$C/conference/?name=bob"
expect "bob: the last row's fields, both aliases" 200 objects.0.description 'Bob, "the" builder' \
	objects.0.aliases.0.alias meet.bob objects.0.aliases.1.alias meet.bobby objects.0.aliases.1.description "second alias"
api GET "$C/conference/?name=alice"
expect "alice: PINs, guests, defaults" 200 objects.0.pin 1234 objects.0.guest_pin 6789 objects.0.allow_guests true \
	objects.0.call_type video objects.0.service_type conference
csv 'name,participant_limit,ivr_theme_name,alias_alias,pin\nalice,10,Dark,meet.alice,4321\n' conference
expect "header row: columns in any order, upsert by name" 200 result.updated 1 result.created 0
api GET "$C/conference/?name=alice"
expect "upsert kept the fields the file does not name" 200 objects.0.participant_limit 10 objects.0.pin 4321 \
	objects.0.ivr_theme /api/admin/configuration/v1/ivr_theme/1/ objects.0.guest_pin 6789
csv 'ALICE,,,,,alice2\n' conference
expect "names match case-insensitively (FR-CSV-7 upsert)" 200 result.updated 1
api GET "$C/conference/?name=alice"; expect "aliases replaced by the file's" 200 objects.0.aliases.0.alias alice2 meta.total_count 1

# ---- per-row errors, all or nothing ----------------------------------------------------------
before=$(count conference); aliases=$(count conference_alias)
csv 'carol,,12a4,maybe,,meet.carol\n,,,,,orphan\ndave,,,,,bob-alias,,,64\nerin,,,,,meet.bob\nfrank,,1234,,1234,f1\n' conference
expect "per-row errors" 400 'row 1.allow_guests.0' "must be True or False" 'row 1.pin.0' \
	"must be digits with an optional trailing #" 'row 2.name.0' required \
	'row 3.max_callrate_in.0' "must be between 128 and 8192" 'row 4.alias_alias.0' \
	"conference_alias with this alias already exists"
expect "cross-field rule reported (guest PIN = host PIN)" 400 'row 5.guest_pin.0' "must differ from the Host PIN"
tsr_expect_eq "nothing written (services, aliases)" "$(count conference) $(count conference_alias)" "$before $aliases"
csv 'gina,,,,,g1\nhank,,,,,h1,,,,,,,,NoSuchTheme\n' conference
expect "one bad row refuses the whole file" 400 'row 2.ivr_theme_name.0' "no ivr_theme with this name"
tsr_expect_eq "the good row was not written either" "$(count conference)" "$before"
csv 'lecture-x,,,,,lx\n' conference
csv 'lecture-x,,,,,lx\n' conference lecture
expect "a VMR's name imported as an auditorium" 400 'row 1.name.0' "a service of another type has this name"

# ---- malformed files and requests ------------------------------------------------------------
csv 'a,"unterminated\n' conference; expect "unterminated quote" 400 'row 1.__all__.0' "malformed CSV: unterminated quoted field"
csv 'a,b"c\n' conference; expect "quote inside a field" 400 'row 1.__all__.0' "malformed CSV: a quote inside an unquoted field"
csv 'a,"b"c\n' conference; expect "text after a closing quote" 400 'row 1.__all__.0' "malformed CSV: text after a closing quote"
csv 'a\xff\xfe,,,\n' conference; expect "not UTF-8" 400 '__all__.0' "the file must be UTF-8 text without NUL bytes"
csv 'a\x00b\n' conference; expect "NUL byte" 400 '__all__.0' "the file must be UTF-8 text without NUL bytes"
csv '' conference; expect "empty file" 400 '__all__.0' "the file has no data rows"
csv 'name,alias_alias\n' conference; expect "header only" 400 '__all__.0' "the file has no data rows"
csv 'x,,,,,,,,,,,,,,,,,,,,,,\n' conference; expect "more fields than columns" 400 'row 1.__all__.0' "more fields than columns"
"$PY" -c 'print("a," * 70)' >"$TMP/in.csv"; api POST "$CMD/conference/import_csv/" "$TMP/in.csv"
expect "more than 64 fields" 400 'row 1.__all__.0' "malformed CSV: more than 64 fields"
"$PY" -c 'print("a" * 5000)' >"$TMP/in.csv"; api POST "$CMD/conference/import_csv/" "$TMP/in.csv"
expect "a cell over 4096 bytes" 400 'row 1.__all__.0' "malformed CSV: a field longer than 4096 bytes"
"$PY" -c 'print("x\n" * 120000, end="")' >"$TMP/in.csv"
api POST "$CMD/conference/import_csv/" "$TMP/in.csv" text/csv "Expect: 100-continue"
expect "a file over --max-import-body" 413
csv 'x,,,,,x1\n' conference lecture-ish; expect "bad service_type" 400 'service_type.0' "must be conference, lecture or two_stage_dialing"
printf 'x\n' >"$TMP/in.csv"; api POST "$CMD/device/import_csv/?service_type=conference" "$TMP/in.csv"
expect "service_type on another kind" 400 'service_type.0' "unknown parameter"
printf 'x\n' >"$TMP/in.csv"; api POST "$CMD/conference/import_csv/?bogus=1" "$TMP/in.csv"
expect "unknown parameter" 400 'bogus.0' "unknown parameter"
csv '{"name":"x"}' conference "" application/json; expect "JSON is not CSV (415)" 415
api GET "$CMD/conference/import_csv/"; expect "import needs POST" 405
api DELETE "$CMD/conference/export_csv/"; expect "export is GET (or POST)" 405
api GET "$CMD/end_user/export_csv/"; expect "no CSV for other resources" 404
curl -s -o /dev/null -w '%{http_code}' --cacert "$STATE/tls-cert.pem" "$BASE$CMD/conference/export_csv/" >"$TMP/s"
tsr_expect_eq "export needs credentials" "$(cat "$TMP/s")" 401

# ---- Virtual Auditoriums, Virtual Receptions, ADPs, devices -----------------------------------
csv 'Sales,Weekly,1234,True,5678,sales,,tag1,512,1024,audio,one_main_zero_pips,two_mains_twentyone_pips,True,True,Dark,200,True\n' conference lecture
expect "VA import, all 18 columns" 200 result.created 1
api GET "$C/conference/?name=Sales"
expect "VA fields" 200 objects.0.service_type lecture objects.0.guest_view two_mains_twentyone_pips \
	objects.0.mute_all_guests true objects.0.max_callrate_out 1024 objects.0.participant_limit 200
csv 'Lobby,,reception,,,,,video,Dark,,(7[0-9]{3}),\\1,Oslo\n' conference two_stage_dialing
expect "VR import, all 13 columns" 200 result.created 1
api GET "$C/conference/?name=Lobby"
expect "VR fields" 200 objects.0.service_type two_stage_dialing objects.0.match_string '(7[0-9]{3})' \
	objects.0.system_location /api/admin/configuration/v1/system_location/1/
csv 'Lobby2,,r2,,,,,,,proxy1\n' conference two_stage_dialing
expect "mssip_proxy_name is refused (no such resource here)" 400 'row 1.mssip_proxy_name.0' "not supported on this platform; leave it blank"
csv 'Lobby3,,r3,,,,,,,,([\n' conference two_stage_dialing
expect "VR regex checked" 400 'row 1.match_string.0' "must be a valid regular expression"
csv 'alice@example.com,Alice Jones,,,,chair,,,,,,,alice\nalice@example.com,Alice Jones,,,"1,2",guest,,,,,,,bob\nrec@example.com,,,rtmp,,,True,keep_conference_alive_never,audio,routing_rule,rtmp://x/y,Oslo,\n' automatic_participant
expect "ADP import (same alias in two services)" 200 result.created 3
api GET "$C/automatic_participant/?alias=alice@example.com&order_by=id"
expect "ADP per conference" 200 meta.total_count 2 objects.0.role chair objects.1.dtmf_sequence 1,2 \
	objects.1.conference.0 /api/admin/configuration/v1/conference/2/
csv 'alice@example.com,Alice J.,,,,guest,,,,,,,alice\nalice@example.com,Alice K.,,,,chair,,,,,,,alice\n' automatic_participant
expect "ADP upsert by (alias, conference), last row wins" 200 result.updated 1 result.created 0
api GET "$C/automatic_participant/?alias=alice@example.com&order_by=id"
expect "ADP overwritten" 200 meta.total_count 2 objects.0.remote_display_name "Alice K." objects.0.role chair
csv 'x@example.com,,,carrier-pigeon,12a,boss,yes,,,,,,nosuch\n,,,\n' automatic_participant
expect "ADP errors" 400 'row 1.conference_name.0' "no service with this name" 'row 2.alias.0' required
csv 'x@example.com,,,carrier-pigeon,12a,boss,yes\n' automatic_participant
expect "ADP field errors" 400 'row 1.protocol.0' "must be one of: sip, h323, mssip, rtmp" \
	'row 1.role.0' "must be one of: guest, chair" 'row 1.streaming.0' "must be True or False" \
	'row 1.dtmf_sequence.0' "may contain only 0-9, *, # and ,"
csv 'sip:alice@example.com,t1,Alice phone,alice,pw-1,alice@example.com\nsip:bob@example.com\nsip:alice@example.com,t2,Alice phone,alice,pw-2,alice@example.com\n' device
expect "device import (short row, last row wins)" 200 result.created 2
api GET "$C/device/?alias=sip:alice@example.com"
expect "device fields" 200 objects.0.tag t2 objects.0.password pw-2 objects.0.username alice
csv 'alias,sync_tag,password\nsip:carol@example.com,ldap1,\n' device
expect "device header with sync_tag" 200 result.created 1
csv 'alice2\nsip:d@example.com,,,,secret\nbad alias,,,,,not-an-email\n' device
expect "device errors" 400 'row 1.alias.0' "device with this alias already exists" \
	'row 2.password.0' "requires a username" 'row 3.primary_owner_email_address.0' "must be an email address"
grep -q "no wildcards or spaces" <<<"$(jget 'row 3.alias.0')" && tsr_ok "device alias syntax" || tsr_fail "device alias: $BODY"
csv 'sip:e@example.com,,,e,$enc1$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' device
expect "an encrypted password from another system" 400 'row 1.password.0' "the encrypted password does not decrypt on this system"

# ---- exports and round trips ------------------------------------------------------------------
roundtrip() { # KIND GROUP [SERVICE_TYPE]
	local kind=$1 group=$2 st=${3:-} q=${3:+?service_type=$3} n1 n2
	api GET "$CMD/$group/export_csv/$q"
	cp "$TMP/body" "$TMP/$kind.csv"
	grep -qi '^content-type: text/csv' <<<"$HDRS" || tsr_fail "$kind export content type: $HDRS"
	api GET "$C/$group/?limit=0${st:+&service_type=$st}&order_by=id"
	"$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); [d.pop(k, None) for d in o["objects"] for k in ("id","resource_uri","creation_time","aliases","automatic_participants","conference")]; print(json.dumps(sorted(o["objects"], key=json.dumps), sort_keys=True))' "$TMP/body" >"$TMP/$kind.before"
	# Wipe, import the export, compare.
	"$PY" - "$BASE" "$STATE/tls-cert.pem" "$ADMIN" "$C/$group/" "$st" <<'PY'
import base64, json, ssl, sys, urllib.request
base, ca, cred, path, st = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=ca)
auth = {"Authorization": "Basic " + base64.b64encode(cred.encode()).decode()}
q = "?limit=0" + ("&service_type=" + st if st else "")
objs = json.load(urllib.request.urlopen(urllib.request.Request(base + path + q, headers=auth), context=ctx))["objects"]
for o in objs:
    urllib.request.urlopen(urllib.request.Request(base + o["resource_uri"], method="DELETE", headers=auth), context=ctx)
PY
	api POST "$CMD/$group/import_csv/$q" "$TMP/$kind.csv"
	[ "$STATUS" = 200 ] || tsr_fail "$kind re-import: $BODY"
	api GET "$C/$group/?limit=0${st:+&service_type=$st}&order_by=id"
	"$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); [d.pop(k, None) for d in o["objects"] for k in ("id","resource_uri","creation_time","aliases","automatic_participants","conference")]; print(json.dumps(sorted(o["objects"], key=json.dumps), sort_keys=True))' "$TMP/body" >"$TMP/$kind.after"
	api GET "$CMD/$group/export_csv/$q"
	# Encrypted device passwords get a fresh nonce on every export: compare objects only.
	[ "$kind" = device ] && cp "$TMP/body" "$TMP/$kind.csv"
	if cmp -s "$TMP/$kind.before" "$TMP/$kind.after" && cmp -s "$TMP/body" "$TMP/$kind.csv"; then
		tsr_ok "$kind: export -> delete all -> import gives the same objects and the same CSV"
	else
		tsr_fail "$kind round trip differs: $(diff "$TMP/$kind.before" "$TMP/$kind.after" | head -5) $(diff "$TMP/body" "$TMP/$kind.csv" | head -5)"
	fi
}
api GET "$CMD/conference/export_csv/"
tsr_expect_eq "VMR export header (guide order)" "$(head -n 1 "$TMP/body" | tr -d '\r')" \
	"name,description,pin,allow_guests,guest_pin,alias_alias,alias_description,tag,max_callrate_in,max_callrate_out,call_type,host_view,enable_overlay_text,ivr_theme_name,participant_limit,primary_owner_email_address"
grep -q '^bob,"Bob, ""the"" builder",,False,,meet.bobby,second alias,' "$TMP/body" && tsr_ok "export quoting and one row per alias" || tsr_fail "export: $(cat "$TMP/body")"
grep -qi '^content-disposition: attachment; filename="conference.csv"' <<<"$HDRS" && tsr_ok "export is an attachment" || tsr_fail "disposition: $HDRS"
api GET "$CMD/device/export_csv/"
grep -q '^sip:alice@example.com,t2,Alice phone,alice,\$enc1\$' "$TMP/body" && ! grep -q 'pw-2' "$TMP/body" &&
	tsr_ok "device passwords exported encrypted" || tsr_fail "device export: $(cat "$TMP/body")"
api GET "$CMD/automatic_participant/export_csv/"
cp "$TMP/body" "$TMP/adp.csv"
grep -q '^alice@example.com,Alice K.,,sip,,chair,False,keep_conference_alive_if_multiple,video,manual,,,ALICE' "$TMP/adp.csv" &&
	grep -q '^alice@example.com,Alice Jones,,sip,"1,2",guest' "$TMP/adp.csv" && tsr_ok "ADP export: one row per conference" ||
	tsr_fail "ADP export: $(cat "$TMP/adp.csv")"
api POST "$CMD/automatic_participant/import_csv/" "$TMP/adp.csv"
expect "ADP export re-imports as updates" 200 result.created 0 result.updated 3
roundtrip vmr conference conference
roundtrip va conference lecture
roundtrip vr conference two_stage_dialing
roundtrip device device
api GET "$C/device/?alias=sip:alice@example.com"; expect "encrypted password restored by the import" 200 objects.0.password pw-2

# ---- backup and restore -------------------------------------------------------------------------
printf '{"username":"ops","password":"ops-password-1","role":"readonly"}' >"$TMP/j"; api POST "$C/user/" "$TMP/j" application/json
printf '{"passphrase":"correct horse"}' >"$TMP/j"
api POST "$CMD/platform/backup_create/" "$TMP/j" application/json
cp "$TMP/body" "$TMP/backup.tbk"
grep -qi '^content-type: application/octet-stream' <<<"$HDRS" && grep -qi 'filename="tessera_backup_.*\.tbk"' <<<"$HDRS" &&
	tsr_ok "backup file served as an attachment ($(stat -c %s "$TMP/backup.tbk") bytes)" || tsr_fail "backup headers: $HDRS"
tsr_expect_eq "backup magic" "$(head -c 7 "$TMP/backup.tbk")" TSRBKUP
grep -qa 'meet.bob' "$TMP/backup.tbk" && tsr_fail "backup is not encrypted" || tsr_ok "no plaintext in the file"
dump() { # every configuration object, sorted, to compare states
	"$PY" - "$BASE" "$STATE/tls-cert.pem" "$1" <<'PY'
import base64, json, ssl, sys, urllib.request
base, ca, cred = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=ca)
auth = {"Authorization": "Basic " + base64.b64encode(cred.encode()).decode()}
get = lambda p: json.load(urllib.request.urlopen(urllib.request.Request(base + p, headers=auth), context=ctx))
out = {}
for r in sorted(get("/api/admin/configuration/v1/")):
    out[r] = get("/api/admin/configuration/v1/%s/?limit=0&order_by=id" % r)["objects"]
print(json.dumps(out, sort_keys=True))
PY
}
dump "$ADMIN" >"$TMP/state.before"
printf '{"name":"after-backup","aliases":[{"alias":"after"}]}' >"$TMP/j"; api POST "$C/conference/" "$TMP/j" application/json
api DELETE "$C/conference/1/"
api PATCH "$C/global/1/" "$TMP/j" application/json
printf '{"enable_sip_udp":true}' >"$TMP/j"; api PATCH "$C/global/1/" "$TMP/j" application/json
api DELETE "$C/user/2/"
dump "$ADMIN" >"$TMP/state.changed"
cmp -s "$TMP/state.before" "$TMP/state.changed" && tsr_fail "the changes after the backup did not change anything"
restore() { api POST "$CMD/platform/backup_restore/" "$1" application/octet-stream "X-Tessera-Passphrase: $2"; }
restore "$TMP/backup.tbk" "wrong horse!"
expect "wrong passphrase refused" 400 status failure message \
	"Failed to restore the system from the backup file: Decryption Error: decryption failed (wrong passphrase, or the file was modified)"
"$PY" - "$TMP/backup.tbk" "$TMP" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
def w(name, b): open(sys.argv[2] + "/" + name, "wb").write(b)
flip = lambda i: data[:i] + bytes([data[i] ^ 1]) + data[i + 1:]
w("t_iter.tbk", flip(15))        # iteration count (header, authenticated)
w("t_salt.tbk", flip(20))        # salt
w("t_schema.tbk", flip(47))      # schema version in the header
w("t_body.tbk", flip(len(data) // 2))
w("t_tag.tbk", flip(len(data) - 1))
w("t_trunc.tbk", data[:-1])
w("t_short.tbk", data[:40])
w("t_magic.tbk", b"PK" + data[2:])
w("t_version.tbk", data[:9] + b"\x02" + data[10:])
w("t_empty.tbk", b"")
PY
for t in iter salt schema body tag trunc; do
	restore "$TMP/t_$t.tbk" "correct horse"
	[ "$STATUS" = 400 ] && [ "$(jget status)" = failure ] || tsr_fail "tampered ($t) accepted: $STATUS $BODY"
	grep -q "decryption failed\|damaged or was modified" <<<"$(jget message)" || tsr_fail "tampered ($t) message: $BODY"
done
tsr_ok "every modified byte class and a truncated file refused"
restore "$TMP/t_short.tbk" "correct horse"; expect "too short" 400 message "Failed to restore the system from the backup file: not a Tessera backup file"
restore "$TMP/t_magic.tbk" "correct horse"; expect "not a backup" 400 message "Failed to restore the system from the backup file: not a Tessera backup file"
restore "$TMP/t_version.tbk" "correct horse"; expect "unknown format version" 400 message "Failed to restore the system from the backup file: unsupported backup file format"
restore "$TMP/t_empty.tbk" "correct horse"; expect "empty body" 400 status failure
restore "$TMP/backup.tbk" ""; expect "no passphrase header" 400 'passphrase.0' \
	"give the passphrase (8+ characters) in the X-Tessera-Passphrase header"
api POST "$CMD/platform/backup_restore/?x=1" "$TMP/backup.tbk" application/octet-stream "X-Tessera-Passphrase: correct horse"
expect "restore: unknown parameter" 400 'x.0' "unknown parameter"
dump "$ADMIN" >"$TMP/state.after-refusals"
cmp -s "$TMP/state.changed" "$TMP/state.after-refusals" && tsr_ok "nothing written by any refused restore" || tsr_fail "a refused restore wrote something"
for b in '' 'x' '[]' '{"passphrase":"short"}' '{"passphrase":12345678}' '{"passphrase":"long enough","extra":1}' '{"a":'; do
	printf '%s' "$b" >"$TMP/j"; api POST "$CMD/platform/backup_create/" "$TMP/j" application/json
	[ "$STATUS" = 400 ] || tsr_fail "backup_create accepted '$b': $STATUS"
done
tsr_ok "malformed backup_create bodies refused (400)"
api GET "$CMD/platform/backup_create/"; expect "backup_create needs POST" 405
api POST "$CMD/platform/backup_restore/" "$TMP/backup.tbk" application/octet-stream "X-Tessera-Passphrase: correct horse"
expect "restore" 200 status success message "Successfully restored the backup file"
dump "$ADMIN" >"$TMP/state.restored"
if cmp -s "$TMP/state.before" "$TMP/state.restored"; then
	tsr_ok "restored configuration equals the backed-up one (every resource)"
else
	tsr_fail "restored state differs: $(diff <("$PY" -m json.tool "$TMP/state.before") <("$PY" -m json.tool "$TMP/state.restored") | head -20)"
fi
curl -s -o /dev/null -w '%{http_code}' --cacert "$STATE/tls-cert.pem" -u ops:ops-password-1 "$BASE$C/global/" >"$TMP/s"
tsr_expect_eq "the deleted account is back" "$(cat "$TMP/s")" 200
printf '{"passphrase":"correct horse"}' >"$TMP/j"
curl -s -o /dev/null -w '%{http_code}' --cacert "$STATE/tls-cert.pem" -u ops:ops-password-1 -X POST \
	-H 'Content-Type: application/json' --data-binary @"$TMP/j" "$BASE$CMD/platform/backup_create/" >"$TMP/s"
tsr_expect_eq "a read-only account cannot make backups" "$(cat "$TMP/s")" 403

tsr_finish
