#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_tessctl.sh - tessctl against the real tessera-mgmt over HTTPS on
# loopback: settings from flags, environment and config file; every command
# family (configuration CRUD of every resource, status views, live topology,
# history, conference control through a node played by python, CSV
# import/export, backup/restore, the control sockets); --json output parsed;
# exit codes 1 (API error), 2 (usage), 3 (connection/TLS); --help on every
# command; the bash completion.
#
# Environment: TSR_BUILD (build directory), TSR_KEEP=1 keeps the temp dir.
# Needs curl and python3; no root, no namespaces.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

MGMT_BIN=${MGMT_BIN:-$TSR_BUILD/mgmt-api/tessera-mgmt}
T=${TESSCTL:-$TSR_BUILD/tools/tessctl}
TSR_NAME=mgmt_tessctl
MGMT_PID=""
SRC=$(cd "$(dirname "$0")/../../.." && pwd)

cleanup() {
	local rc=$?
	trap - EXIT
	[ -n "$MGMT_PID" ] && kill -TERM "$MGMT_PID" 2>/dev/null && wait "$MGMT_PID" 2>/dev/null
	for p in "${TSR_BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
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
[ -x "$T" ] || { echo "SKIP: $T not built"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl missing"; exit 77; }
TMP=$(mktemp -d /tmp/tsr-tessctl.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "# $TSR_NAME: logs in $TMP"

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
STATE="$TMP/state"
PASS=tessctl-pass-1
start_mgmt() {
	"$MGMT_BIN" --listen 127.0.0.1 --port "$PORT" --state-dir "$STATE" --admin-password "$PASS" \
		--threads 4 --pbkdf2-iterations 1000 --log-level info --command-timeout 3 \
		"$@" >>"$TMP/mgmt.log" 2>&1 </dev/null &
	MGMT_PID=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null --cacert "$STATE/tls-cert.pem" "https://127.0.0.1:$PORT/" && return 0
		sleep 0.1
	done
	tsr_bail "tessera-mgmt did not start"
}
start_mgmt
unset TESSCTL_URL TESSCTL_USER TESSCTL_PASS TESSCTL_CACERT MGMT_URL MGMT_USER MGMT_PASS MGMT_CACERT
export HOME="$TMP/home" XDG_CONFIG_HOME=""
mkdir -p "$HOME/.config"

# run ARGS...: tessctl with the environment set; OUT, ERR and RC of the call.
run() {
	TESSCTL_URL="https://127.0.0.1:$PORT" TESSCTL_USER=admin TESSCTL_PASS=$PASS \
		TESSCTL_CACERT="$STATE/tls-cert.pem" "$T" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}
# expect_rc DESC WANT: the last call's exit code.
expect_rc() {
	if [ "$RC" = "$2" ]; then tsr_ok "$1 (exit $RC)"; else tsr_fail "$1 (exit $RC, want $2): ${ERR:0:300}"; fi
}
js() { tsr_json "$OUT" "$1" MISSING; }

# ---- settings: flags, TESSCTL_*, MGMT_*, config file; exit codes 2 and 3 ---------------
"$T" list conference >/dev/null 2>"$TMP/err"
RC=$?; ERR=$(cat "$TMP/err"); expect_rc "no server configured is a usage error" 2
"$T" --url "https://127.0.0.1:$PORT" --user admin --password "$PASS" --cacert "$STATE/tls-cert.pem" \
	--json list conference >"$TMP/out" 2>"$TMP/err"
RC=$?; OUT=$(cat "$TMP/out"); expect_rc "flags give the server" 0
tsr_expect_eq "--json list is the API's page" "$(js meta.total_count)" 0
MGMT_URL="https://127.0.0.1:$PORT" MGMT_USER=admin MGMT_PASS=$PASS MGMT_CACERT="$STATE/tls-cert.pem" \
	"$T" list global >/dev/null 2>"$TMP/err"
RC=$?; ERR=$(cat "$TMP/err"); expect_rc "the demo's MGMT_* variables are accepted" 0
printf 'url = https://127.0.0.1:%s\nuser = admin\npassword = %s\ncacert = %s\n' "$PORT" "$PASS" \
	"$STATE/tls-cert.pem" >"$HOME/.config/tessctl.conf"
chmod 600 "$HOME/.config/tessctl.conf"
"$T" list global >/dev/null 2>"$TMP/err"
RC=$?; ERR=$(cat "$TMP/err"); expect_rc "~/.config/tessctl.conf gives the server" 0
"$T" --password wrong-password list global >/dev/null 2>"$TMP/err"
RC=$?; ERR=$(cat "$TMP/err"); expect_rc "a flag wins over the config file (wrong password: 401)" 1
grep -q "authentication required" "$TMP/err" && tsr_ok "401 message printed" || tsr_fail "401 message: $ERR"
printf 'url = https://127.0.0.1:1\nbogus = 1\n' >"$TMP/bad.conf"
"$T" --config "$TMP/bad.conf" list global >/dev/null 2>"$TMP/err"
RC=$?; ERR=$(cat "$TMP/err"); expect_rc "unknown key in a config file is a usage error" 2
rm -f "$HOME/.config/tessctl.conf"
"$T" --url https://127.0.0.1:1 list conference >/dev/null 2>"$TMP/err"
RC=$?; ERR=$(cat "$TMP/err"); expect_rc "connection refused" 3
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=other -days 1 \
	-keyout "$TMP/other.key" -out "$TMP/other.pem" >/dev/null 2>&1
"$T" --url "https://127.0.0.1:$PORT" --user admin --password "$PASS" --cacert "$TMP/other.pem" \
	list conference >/dev/null 2>"$TMP/err"
RC=$?; ERR=$(cat "$TMP/err"); expect_rc "certificate not matching the pinned one" 3
"$T" --url "https://127.0.0.1:$PORT" --user admin --password "$PASS" -k list global >/dev/null 2>&1
RC=$?; expect_rc "--insecure skips verification" 0
run frobnicate; expect_rc "unknown command" 2
run list; expect_rc "list without a resource" 2
run list 'Bad-Name'; expect_rc "malformed resource name" 2
run --limit abc list conference; expect_rc "malformed --limit" 2
run --no-such-option list conference; expect_rc "unknown option" 2
run show conference; expect_rc "show without an id" 2
run show conference '../x'; expect_rc "malformed id" 2
run create conference 'name'; expect_rc "create word without =" 2
run create conference '{"name":'; expect_rc "create with broken JSON" 2
run create conference 'pin:=[1'; expect_rc "field:= with broken JSON" 2
run list nosuchthing; expect_rc "unknown resource: API 404" 1
run --version; expect_rc "--version" 0

# ---- --help on every command ------------------------------------------------------------
for c in resources list show create update delete schema status live history dial mute unmute \
	disconnect transfer role lock unlock mute-guests unmute-guests disconnect-all csv backup dp node; do
	"$T" "$c" --help >"$TMP/help" 2>&1 && grep -q "^Usage: tessctl $c" "$TMP/help" ||
		tsr_fail "tessctl $c --help"
done
tsr_ok "every command has --help"
"$T" --help | grep -q "Exit status" && tsr_ok "tessctl --help" || tsr_fail "tessctl --help"
"$T" >/dev/null 2>&1; RC=$?; expect_rc "no command" 2

# ---- configuration: every resource --------------------------------------------------------
run create system_location name=Oslo description="main site"; expect_rc "create system_location" 0
run --json create system_location name=Bergen overflow_location1=1; expect_rc "create with a reference by id" 0
tsr_expect_eq "reference became a URI" "$(js overflow_location1)" /api/admin/configuration/v1/system_location/1/
run create dns_server address=192.0.2.53; expect_rc "create dns_server" 0
run create ntp_server address=ntp.example.com key_id=7 key=secret-key; expect_rc "create ntp_server" 0
run create syslog_server address=192.0.2.99 port=5514 transport=tcp; expect_rc "create syslog_server" 0
run create static_route name=r1 address=10.9.0.0 prefix=16 gateway=192.0.2.1; expect_rc "create static_route" 0
run create ivr_theme name=Dark; expect_rc "create ivr_theme" 0
run create sip_credential realm=proxy.example.com username=u password=p; expect_rc "create sip_credential" 0
run create end_user primary_email_address=alice@example.com display_name=Alice; expect_rc "create end_user" 0
run create device alias=sip:alice@example.com username=alice password=pw; expect_rc "create device" 0
run create user username=ops password=ops-password-1 role=readonly; expect_rc "create user" 0
run create worker_vm name=cn1 hostname=cn1 domain=example.com address=192.0.2.11 \
	netmask=255.255.255.0 gateway=192.0.2.1 system_location=1 static_routes=1
expect_rc "create worker_vm with a reference list" 0
run --json create conference name=Alice pin=1234 guest_pin=5678 allow_guests=true \
	aliases=meet.alice,7001 participant_limit=10 ivr_theme=1
expect_rc "create conference with aliases" 0
tsr_expect_eq "typed fields" "$(js allow_guests) $(js participant_limit) $(js aliases.1.alias)" "true 10 7001"
run create conference '{"name": "Sales", "service_type": "lecture", "aliases": [{"alias": "sales"}]}'
expect_rc "create from a JSON word" 0
echo '{"name": "Lobby", "service_type": "two_stage_dialing"}' >"$TMP/lobby.json"
run create conference @"$TMP/lobby.json"; expect_rc "create from @FILE" 0
run create conference_alias alias=alice2 conference=1; expect_rc "create conference_alias" 0
run create automatic_participant alias=rec@example.com conference=1,2 role=chair streaming=true
expect_rc "create automatic_participant" 0
run create gateway_routing_rule name=gw priority=100 match_string='gw-(.+)' replace_string='\1@192.0.2.7'
expect_rc "create gateway_routing_rule" 0
run update global 1 enable_sip_udp=true; expect_rc "update the global singleton" 0
run --json show global 1; tsr_expect_eq "global updated" "$(js enable_sip_udp)" true
for r in automatic_participant conference conference_alias device dns_server end_user \
	gateway_routing_rule global ivr_theme ntp_server sip_credential static_route syslog_server \
	system_location user worker_vm; do
	run --json list "$r"
	[ "$RC" = 0 ] && [ "$(js meta.total_count)" -ge 1 ] || tsr_fail "list $r: $RC $ERR"
	run list "$r"
	[ "$RC" = 0 ] && [ "$(wc -l <<<"$OUT")" -ge 2 ] || tsr_fail "table of $r: $RC $ERR"
done
tsr_ok "every resource lists (table and JSON)"
run list conference
grep -q '^ID  *NAME  *SERVICE_TYPE  *ALIASES' <<<"$OUT" && grep -q 'meet.alice,7001' <<<"$OUT" &&
	tsr_ok "conference table with aliases joined" || tsr_fail "conference table: $OUT"
run --json list conference name__icontains=ALI; tsr_expect_eq "filter passed through" "$(js meta.total_count)" 1
run --json --order-by -name list conference; tsr_expect_eq "order_by" "$(js objects.0.name)" Sales
for i in $(seq 1 25); do echo "{\"name\":\"bulk-$i\"}"; done | while read -r b; do
	"$T" --url "https://127.0.0.1:$PORT" --user admin --password "$PASS" --cacert "$STATE/tls-cert.pem" \
		create ivr_theme "$b" >/dev/null || echo fail
done | grep -q fail && tsr_fail "25 ivr_themes" || true
run --json --all list ivr_theme; tsr_expect_eq "--all follows every page" "$("$PY" -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$OUT")" 26
run list ivr_theme; grep -q "(20 of 26 shown" <<<"$OUT" && tsr_ok "a partial page says so" || tsr_fail "partial page: $OUT"
run --limit 5 --offset 5 --json list ivr_theme; tsr_expect_eq "--limit/--offset" "$(js meta.limit) $(js meta.offset)" "5 5"
run --columns id,name list ivr_theme name=Dark; tsr_expect_eq "--columns" "$(head -n 1 <<<"$OUT" | tr -s ' ')" "ID NAME"
run show conference 1; grep -q '^name  *Alice$' <<<"$OUT" && tsr_ok "show as field lines" || tsr_fail "show: $OUT"
run update conference 1 description="VIP room" 'tag:="t1"'; expect_rc "update (PATCH)" 0
run --json show conference 1; tsr_expect_eq "updated fields" "$(js description)|$(js tag)|$(js pin)" "VIP room|t1|1234"
run --replace update conference 3 name=Lobby2 service_type=two_stage_dialing; expect_rc "update --replace (PUT)" 0
run update conference 1 pin=12a4 colour=red; expect_rc "validation error" 1
grep -q "pin: must be digits" <<<"$ERR" && grep -q "colour: unknown field" <<<"$ERR" &&
	tsr_ok "every field error printed" || tsr_fail "field errors: $ERR"
run schema conference; tsr_expect_eq "schema" "$(js fields.pin.type)" string
run resources; grep -qx conference <<<"$OUT" && tsr_ok "resources" || tsr_fail "resources: $OUT"
run delete conference_alias 4; expect_rc "delete" 0
run delete conference_alias 4; expect_rc "delete again: 404" 1
run delete system_location 1; expect_rc "delete of a referenced object: 409" 1
grep -q "referenced" <<<"$ERR" && tsr_ok "409 message printed" || tsr_fail "409 message: $ERR"
"$T" --url "https://127.0.0.1:$PORT" --user ops --password ops-password-1 --cacert "$STATE/tls-cert.pem" \
	create ivr_theme name=x >/dev/null 2>"$TMP/err"
RC=$?; ERR=$(cat "$TMP/err"); expect_rc "read-only account writing: 403" 1

# ---- a Conferencing Node played by python: status, live, history, commands ----------------
run --json show worker_vm 1
TOKEN=$(curl -s --cacert "$STATE/tls-cert.pem" -u "admin:$PASS" -X POST \
	"https://127.0.0.1:$PORT/api/admin/command/v1/worker_vm/1/bootstrap/" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
cat >"$TMP/node.py" <<'PY'
import json, ssl, sys, time, urllib.request
base, ca, token, mode = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=ca)
P1 = {"id": "5b1e7c0e-0000-4000-8000-000000000001", "conference": "Alice", "display_name": "Bob",
      "source_alias": "sip:bob@example.com", "protocol": "sip", "role": "chair",
      "call_direction": "in", "connect_time": "2026-05-01T10:00:00Z", "is_muted": False}
def report(events=(), results=(), participants=(P1,)):
    body = {"config_version": 0, "conferences": [{"name": "Alice", "service_type": "conference",
            "start_time": "2026-05-01T10:00:00Z", "is_locked": False, "participant_count": len(participants)}],
            "participants": list(participants), "events": list(events), "command_results": list(results),
            "load": {"media_ports_used": 2, "media_ports_total": 100}}
    req = urllib.request.Request(base + "/api/internal/v1/status", json.dumps(body).encode(),
                                 {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, context=ctx))
if mode == "start":
    report([{"time": "2026-05-01T10:00:00Z", "type": "conference_started", "conference": "Alice"},
            {"time": "2026-05-01T10:00:00Z", "type": "participant_connected", "conference": "Alice",
             "participant_id": P1["id"]}])
elif mode == "end":
    report([{"time": "2026-05-01T10:01:00Z", "type": "participant_disconnected", "conference": "Alice",
             "participant_id": P1["id"], "detail": "Remote disconnect"}], participants=())
else:  # answer commands for a few seconds: success, or failure when mode == "fail"
    deadline = time.time() + 4
    results = []
    while time.time() < deadline:
        cmds = report(results=results)["commands"]
        results = [{"id": c["id"], "status": "failure" if mode == "fail" else "success",
                    "message": ("refused " if mode == "fail" else "done ") + c["command"], "result": None}
                   for c in cmds]
        if results:
            report(results=results)
            print(" ".join(c["command"] for c in cmds))
            results = []
        time.sleep(0.2)
PY
node() { "$PY" "$TMP/node.py" "https://127.0.0.1:$PORT" "$STATE/tls-cert.pem" "$TOKEN" "$1"; }
node start || tsr_fail "node report"
run status; expect_rc "status (worker_vm)" 0
grep -q "^cn1 " <<<"$OUT" && tsr_ok "node in the status table" || tsr_fail "status: $OUT"
run --json status conference; tsr_expect_eq "status conference --json" "$(js objects.0.name)" Alice
run status participant; grep -q "5b1e7c0e-0000-4000-8000-000000000001  *Alice  *Bob" <<<"$OUT" &&
	tsr_ok "participant table" || tsr_fail "participant table: $OUT"
run --json status participant 5b1e7c0e-0000-4000-8000-000000000001; tsr_expect_eq "status participant ID" "$(js display_name)" Bob
run --json status participant conference=Alice; tsr_expect_eq "status filter" "$(js meta.total_count)" 1
run status alarm; expect_rc "status alarm" 0
run live; grep -q "^location Oslo" <<<"$OUT" && grep -q "conference Alice" <<<"$OUT" &&
	grep -q "Bob sip:bob@example.com chair" <<<"$OUT" && tsr_ok "live topology" || tsr_fail "live: $OUT"
run --json status live
tsr_expect_eq "status live --json" "$("$PY" -c 'import json,sys
print([p["display_name"] for l in json.loads(sys.argv[1])["locations"] for n in l["nodes"]
       for c in n["conferences"] for p in c["participants"]])' "$OUT")" "['Bob']"
for c in "mute 5b1e7c0e-0000-4000-8000-000000000001:participant_mute" \
	"unmute 5b1e7c0e-0000-4000-8000-000000000001:participant_unmute" \
	"role 5b1e7c0e-0000-4000-8000-000000000001 guest:participant_role" \
	"transfer 5b1e7c0e-0000-4000-8000-000000000001 sales:participant_transfer" \
	"dial meet.alice sip:carol@example.com role=chair:participant_dial" \
	"lock 1:conference_lock" "unlock 1:conference_unlock" "mute-guests 1:conference_mute_guests" \
	"unmute-guests 1:conference_unmute_guests" "disconnect-all 1:conference_disconnect" \
	"disconnect 5b1e7c0e-0000-4000-8000-000000000001:participant_disconnect"; do
	args=${c%%:*} want=${c##*:}
	node ok >"$TMP/node.out" 2>&1 &
	np=$!
	# shellcheck disable=SC2086
	run $args
	wait "$np"
	if [ "$RC" = 0 ] && grep -q "^success: done $want" <<<"$OUT" && grep -qw "$want" "$TMP/node.out"; then
		tsr_ok "tessctl $args -> $want"
	else
		tsr_fail "tessctl $args (exit $RC): $OUT $ERR / node: $(cat "$TMP/node.out")"
	fi
done
node fail >"$TMP/node.out" 2>&1 &
np=$!
run --json mute 5b1e7c0e-0000-4000-8000-000000000001
wait "$np"
expect_rc "a command the node refuses" 1
grep -q "refused participant_mute" <<<"$ERR" && tsr_ok "node's failure message printed" || tsr_fail "failure: $ERR"
run mute no-such-participant; expect_rc "unknown participant: 404" 1
run dial meet.alice; expect_rc "dial without a destination" 2
run lock; expect_rc "lock without a conference" 2
run mute x 'bad word'; expect_rc "extra word without =" 2
node end || tsr_fail "node end report"
run --json history participant; tsr_expect_eq "history participant" "$(js objects.0.display_name) $(js objects.0.disconnect_reason)" "Bob Remote disconnect"
run history; grep -q "Alice" <<<"$OUT" && tsr_ok "history conference table" || tsr_fail "history: $OUT"
run --json history alarm; expect_rc "history alarm" 0

# ---- CSV and backups ----------------------------------------------------------------------
run csv export vmr -o "$TMP/vmr.csv"; expect_rc "csv export -o" 0
head -n 1 "$TMP/vmr.csv" | grep -q '^name,description,pin,allow_guests,guest_pin,alias_alias' &&
	grep -q '^Alice,VIP room,1234,True,5678,meet.alice,' "$TMP/vmr.csv" && tsr_ok "VMR CSV written" ||
	tsr_fail "vmr.csv: $(cat "$TMP/vmr.csv")"
run csv export auditorium; grep -q '^Sales,' <<<"$OUT" && tsr_ok "csv export to stdout" || tsr_fail "auditorium: $OUT"
printf 'Zed,,1234,True,5678,zed\nZed,,,,,zed2\n' >"$TMP/in.csv"
run csv import vmr "$TMP/in.csv"; tsr_expect_eq "csv import" "$RC $OUT" "0 Imported 2 rows: 1 created, 0 updated"
run --json csv import vmr "$TMP/in.csv"; tsr_expect_eq "csv import --json" "$(js result.updated)" 1
printf 'Bad,,12a4,maybe\n' >"$TMP/bad.csv"
run csv import vmr "$TMP/bad.csv"; expect_rc "csv import with errors" 1
grep -q "row 1: pin: must be digits" <<<"$ERR" && grep -q "row 1: allow_guests: must be True or False" <<<"$ERR" &&
	tsr_ok "per-row errors printed" || tsr_fail "csv errors: $ERR"
run csv import vmr "$TMP/none.csv"; expect_rc "csv import of a missing file" 2
run csv export pigeons; expect_rc "unknown CSV kind" 2
run csv import vmr; expect_rc "csv import without a file" 2
run csv export adp; grep -q '^rec@example.com,' <<<"$OUT" && tsr_ok "csv export adp" || tsr_fail "adp: $OUT"
run csv export device; grep -q '^sip:alice@example.com,' <<<"$OUT" && tsr_ok "csv export device" || tsr_fail "device: $OUT"
run csv export reception; expect_rc "csv export reception" 0
run backup create --passphrase "backup pass 1" -o "$TMP/cfg.tbk"; expect_rc "backup create" 0
tsr_expect_eq "backup file mode" "$(stat -c %a "$TMP/cfg.tbk")" 600
run delete conference 1; expect_rc "change after the backup" 0
run backup restore "$TMP/cfg.tbk" --passphrase "wrong pass 1"; expect_rc "restore with a wrong passphrase" 1
grep -q "decryption failed" <<<"$ERR" && tsr_ok "wrong passphrase explained" || tsr_fail "restore error: $ERR"
printf 'backup pass 1\n' >"$TMP/pp"
run backup restore "$TMP/cfg.tbk" --passphrase-file "$TMP/pp"; tsr_expect_eq "backup restore" "$RC $OUT" "0 Successfully restored the backup file"
run --json show conference 1; tsr_expect_eq "restored object back" "$(js name)" Alice
TESSCTL_BACKUP_PASSPHRASE="backup pass 1" run --json backup restore "$TMP/cfg.tbk"; tsr_expect_eq "passphrase from the environment" "$(js status)" success
run backup restore "$TMP/cfg.tbk" </dev/null; expect_rc "no passphrase and no terminal" 2
run backup create --passphrase short -o "$TMP/x.tbk"; expect_rc "passphrase too short" 2
run backup frob; expect_rc "unknown backup verb" 2

# ---- control sockets: dp and node (a python SOCK_SEQPACKET server) -------------------------
cat >"$TMP/sock.py" <<'PY'
import json, os, socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path); s.listen(4)
open(path + ".ready", "w").close()
for _ in range(int(sys.argv[2])):
    c, _ = s.accept()
    req = json.loads(c.recv(65536))
    if req.get("v") != 1 or "id" not in req:
        rep = {"v": 1, "id": 0, "ok": False, "error": {"code": "EPROTO", "message": "bad envelope"}}
    elif req["op"] == "ping":
        rep = {"v": 1, "id": req["id"], "ok": True, "result": {"node": "cn1", "args": req.get("args")}}
    else:
        rep = {"v": 1, "id": req["id"], "ok": False, "error": {"code": "ENOSYS", "message": "unknown op"}}
    c.send(json.dumps(rep).encode()); c.close()
PY
for kind in node dp; do
	"$PY" "$TMP/sock.py" "$TMP/$kind.sock" 3 &
	TSR_BG_PIDS+=($!)
	for _ in $(seq 50); do [ -e "$TMP/$kind.sock.ready" ] && break; sleep 0.1; done
	"$T" "$kind" --sock "$TMP/$kind.sock" ping '{"x":1}' >"$TMP/out" 2>&1; RC=$?; OUT=$(cat "$TMP/out")
	tsr_expect_eq "$kind ping" "$RC $(js node) $(js args.x)" "0 cn1 1"
	"$T" "$kind" --sock "$TMP/$kind.sock" nope >"$TMP/out" 2>&1; RC=$?
	tsr_expect_eq "$kind error reply" "$RC $(tsr_json "$(cat "$TMP/out")" code)" "1 ENOSYS"
	"$T" "$kind" --sock "$TMP/$kind.sock" --raw ping >"$TMP/out" 2>&1; RC=$?; OUT=$(cat "$TMP/out")
	tsr_expect_eq "$kind --raw" "$RC $(js ok)" "0 true"
	"$T" "$kind" --sock "$TMP/$kind.sock" ping '{bad' >/dev/null 2>&1; RC=$?; expect_rc "$kind bad JSON args" 2
	"$T" "$kind" --sock "$TMP/none.sock" ping >/dev/null 2>&1; RC=$?; expect_rc "$kind no socket" 3
done

# ---- bash completion ----------------------------------------------------------------------
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tessctl; echo "${COMPREPLY[*]}"' \
		_ "$SRC/tools/tessctl.bash-completion" "$@"
}
tsr_expect_eq "completion of commands" "$(comp tessctl st)" "status"
tsr_expect_eq "completion of resources" "$(comp tessctl --json list conf)" "conference conference_alias"
tsr_expect_eq "completion of CSV kinds" "$(comp tessctl csv export a)" "auditorium adp"

tsr_finish
