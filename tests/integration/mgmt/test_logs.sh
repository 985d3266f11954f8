#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_logs.sh - the real tessera-mgmt's administrator and support logs, syslog
# forwarding and /metrics:
# * every line of admin.log and support.log in the guide's format (part 5
#   §5.1), admin.log exactly the administrator.* lines of support.log;
#   configuration changes with User/Type/ID/Remote-Address, failed logins,
#   CSV imports, backups, node events with the node as system and the
#   event's time as originating time; rotation into numbered segments;
# * syslog to python listeners: UDP (one RFC 5424 message per datagram),
#   TCP (RFC 6587 octet counting), a server taking only the administrator
#   log; every message parsed against the RFC 5424 grammar;
# * /metrics parsed as text exposition 0.0.4 (TYPE before samples, label
#   syntax, cumulative histogram buckets, +Inf = count), counters moving
#   with requests, gauges following a node's report; auth and bad requests.
#
# Environment: TSR_BUILD (build directory), TSR_KEEP=1 keeps the temp dir.
# Needs curl and python3; no root, no namespaces.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

MGMT_BIN=${MGMT_BIN:-$TSR_BUILD/mgmt-api/tessera-mgmt}
TSR_NAME=mgmt_logs
MGMT_PID=""

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
command -v curl >/dev/null || { echo "SKIP: curl missing"; exit 77; }
TMP=$(mktemp -d /tmp/tsr-logs.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "# $TSR_NAME: logs in $TMP"

freeport() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(freeport) UDP1=$(freeport) UDP2=$(freeport) TCP1=$(freeport) DEAD=$(freeport)
BASE="https://127.0.0.1:$PORT"
STATE="$TMP/state"
ADMIN="admin:logs-pass-1"
C=/api/admin/configuration/v1

# ---- syslog listeners: every message kept as a JSON line ---------------------------------
cat >"$TMP/syslog.py" <<'PY'
import json, socket, sys, threading
proto, port, out = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "a", buffering=1)
def keep(raw, framing):
    out.write(json.dumps({"msg": raw.decode("utf-8", "replace"), "framing": framing}) + "\n")
if proto == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", port))
    open(sys.argv[3] + ".ready", "w").close()
    while True:
        keep(s.recv(65536), "datagram")
else:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(4)
    open(sys.argv[3] + ".ready", "w").close()
    def serve(c):
        buf = b""
        while True:
            d = c.recv(65536)
            if not d:
                if buf: keep(buf, "truncated")
                return
            buf += d
            # RFC 6587 octet counting: MSG-LEN SP SYSLOG-MSG
            while b" " in buf:
                n, rest = buf.split(b" ", 1)
                if not n.isdigit() or n.startswith(b"0"):
                    keep(buf, "bad-frame"); buf = b""; break
                if len(rest) < int(n): break
                keep(rest[:int(n)], "octet-counting"); buf = rest[int(n):]
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
for l in "udp $UDP1 udp1" "udp $UDP2 udp2" "tcp $TCP1 tcp1"; do
	set -- $l
	"$PY" "$TMP/syslog.py" "$1" "$2" "$TMP/$3.jsonl" &
	TSR_BG_PIDS+=($!)
done
for f in udp1 udp2 tcp1; do
	for _ in $(seq 50); do [ -e "$TMP/$f.jsonl.ready" ] && break; sleep 0.1; done
done

"$MGMT_BIN" --listen 127.0.0.1 --port "$PORT" --state-dir "$STATE" --admin-password logs-pass-1 \
	--pbkdf2-iterations 1000 --backup-iterations 1000 --log-segment-bytes 4096 \
	--log-level info >>"$TMP/mgmt.log" 2>&1 </dev/null &
MGMT_PID=$!
for _ in $(seq 100); do
	curl -s -o /dev/null --cacert "$STATE/tls-cert.pem" "$BASE/" && break
	sleep 0.1
done

api() { # METHOD PATH [BODY] [CRED]
	local -a args=(-s --cacert "$STATE/tls-cert.pem" -o "$TMP/body" -w '%{http_code}' -X "$1")
	[ -n "${4-$ADMIN}" ] && args+=(-u "${4-$ADMIN}")
	[ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	STATUS=$(curl "${args[@]}" "$BASE$2")
	BODY=$(cat "$TMP/body")
}
expect_status() { [ "$STATUS" = "$2" ] && tsr_ok "$1" || tsr_fail "$1 (status $STATUS, want $2): ${BODY:0:300}"; }

# ---- activity ---------------------------------------------------------------------------
api POST "$C/syslog_server/" "{\"address\":\"127.0.0.1\",\"port\":$UDP1}"; expect_status "syslog server (UDP)" 201
api POST "$C/syslog_server/" "{\"address\":\"localhost\",\"port\":$TCP1,\"transport\":\"tcp\"}"; expect_status "syslog server (TCP, by name)" 201
api POST "$C/syslog_server/" "{\"address\":\"127.0.0.1\",\"port\":$UDP2,\"support_log\":false}"; expect_status "syslog server (admin log only)" 201
api POST "$C/syslog_server/" "{\"address\":\"127.0.0.1\",\"port\":$DEAD,\"transport\":\"tcp\"}"; expect_status "syslog server nobody listens on" 201
sleep 0.3
api POST "$C/conference/" '{"name":"Alice \"A\"","description":"line one\nline two","aliases":[{"alias":"meet.alice"}]}'
expect_status "conference created" 201
api PATCH "$C/conference/1/" '{"tag":"t1"}'; expect_status "conference changed" 202
api GET "$C/conference/" "" "admin:wrong-password"; expect_status "failed login" 401
api POST "$C/system_location/" '{"name":"Oslo"}'
api POST "$C/worker_vm/" '{"name":"cn1","hostname":"cn1","domain":"example.com","address":"192.0.2.11","netmask":"255.255.255.0","gateway":"192.0.2.1","system_location":1}'
TOKEN=$(curl -s --cacert "$STATE/tls-cert.pem" -u "$ADMIN" -X POST "$BASE/api/admin/command/v1/worker_vm/1/bootstrap/" |
	"$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
node_report() {
	curl -s -o /dev/null -w '%{http_code}' --cacert "$STATE/tls-cert.pem" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary "$1" "$BASE/api/internal/v1/status"
}
P1='{"id":"p1","conference":"Alice \"A\"","display_name":"Bob","source_alias":"sip:bob@example.com","protocol":"sip","call_direction":"in","role":"chair"}'
st=$(node_report "{\"config_version\":0,\"conferences\":[{\"name\":\"Alice \\\"A\\\"\",\"service_type\":\"conference\",\"start_time\":\"2026-05-01T10:00:00Z\",\"participant_count\":1}],\"participants\":[$P1],\"events\":[{\"time\":\"2026-05-01T10:00:00.250Z\",\"type\":\"conference_started\",\"conference\":\"Alice \\\"A\\\"\"},{\"time\":\"2026-05-01T10:00:01Z\",\"type\":\"participant_connected\",\"conference\":\"Alice \\\"A\\\"\",\"participant_id\":\"p1\"}]}")
tsr_expect_eq "node report" "$st" 200
printf 'bob,,,,,meet.bob\n' >"$TMP/in.csv"
curl -s -o /dev/null --cacert "$STATE/tls-cert.pem" -u "$ADMIN" -H 'Content-Type: text/csv' --data-binary @"$TMP/in.csv" \
	"$BASE/api/admin/command/v1/conference/import_csv/"
curl -s -o /dev/null --cacert "$STATE/tls-cert.pem" -u "$ADMIN" -d '{"passphrase":"backup pass"}' \
	"$BASE/api/admin/command/v1/platform/backup_create/"
api DELETE "$C/conference/2/"; expect_status "conference deleted" 204
sleep 1

# ---- the log files -----------------------------------------------------------------------
LOGS="$STATE/logs"
tsr_expect_eq "log files are private" "$(stat -c %a "$LOGS/admin.log") $(stat -c %a "$LOGS/support.log")" "600 600"
"$PY" - "$LOGS" <<'PY' >"$TMP/logcheck" 2>&1
import glob, os, re, sys
d = sys.argv[1]
LINE = re.compile(r'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00) (\S+) '
                  r'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) '
                  r'Level="(DEBUG|INFO|WARNING|ERROR)" Name="([a-z0-9_.]+)" Message="((?:[^"\\]|\\.)*)"'
                  r'((?: [A-Za-z0-9_.-]+="(?:[^"\\]|\\.)*")*)$')
def lines(name):
    files = sorted(glob.glob(os.path.join(d, name + ".*")), key=lambda f: -int(f.rsplit(".", 1)[1]))
    out = []
    for f in files + [os.path.join(d, name)]:
        out += open(f, encoding="utf-8").read().splitlines()
    return out, len(files)
admin, na = lines("admin.log")
support, ns = lines("support.log")
bad = [l for l in admin + support if not LINE.match(l)]
print("format", "ok" if not bad else "BAD: " + bad[0])
print("subset", "ok" if [l for l in support if ' Name="administrator.' in l] == admin else "BAD")
print("admin-only-admin", "ok" if all(' Name="administrator.' in l for l in admin) else "BAD")
print("support-has-rest", "ok" if any(' Name="support.rest"' in l for l in support) else "BAD")
print("rotated", ns)
def find(msg, *needles):
    for l in admin:
        if 'Message="%s"' % msg in l and all(n in l for n in needles):
            return l
    return None
checks = [
    ("start", find("Starting Tessera application.", 'Pid="')),
    ("added", find("Configuration added", 'User="admin"', 'Type="Virtual Meeting Room"', 'ID="Alice \\"A\\""', 'Remote-Address="127.0.0.1"', 'Remote-Port="')),
    ("changed", find("Configuration changed", 'Type="Virtual Meeting Room"')),
    ("deleted", find("Configuration deleted", 'ID="bob"')),
    ("syslog-server", find("Configuration added", 'Type="Syslog Server"')),
    ("login-failed", find("User login failed", 'Level="WARNING"', 'User="admin"', 'Remote-Address="127.0.0.1"')),
    ("import", find("Configuration imported", 'Type="conference"', 'Rows="1"', 'Created="1"')),
    ("backup", find("Successfully created the backup file", 'File="tessera_backup_')),
    ("node-conf", find("Conference has been created.", 'Conference="Alice \\"A\\""')),
    ("node-join", find("Participant has joined.", 'Participant-id="p1"', 'DisplayName="Bob"')),
]
for name, l in checks:
    print(name, "ok" if l else "MISSING")
j = find("Participant has joined.")
m = LINE.match(j) if j else None
print("node-system", m.group(2) if m else "-")
print("node-time", m.group(3) if m else "-")
print("no-raw-newline", "ok" if any('Message="Configuration added"' in l and 'Type="Virtual Meeting Room"' in l for l in admin) and not any("line two" in l and "line one" not in l for l in support) else "BAD")
PY
cat "$TMP/logcheck" | sed 's/^/# /'
while read -r k v; do
	case $k in
	rotated) tsr_expect_ge "support.log rotated into segments at --log-segment-bytes" "$v" 1 ;;
	node-system) tsr_expect_eq "node event: the node is the system" "$v" 192.0.2.11 ;;
	node-time) tsr_expect_eq "node event: originating time is the event's" "$v" "2026-05-01 10:00:01,000" ;;
	*) tsr_expect_eq "log: $k" "$v" ok ;;
	esac
done <"$TMP/logcheck"

# ---- syslog ---------------------------------------------------------------------------------
"$PY" - "$TMP" "$LOGS" <<'PY' >"$TMP/sysck" 2>&1
import glob, json, os, re, sys
tmp, logs = sys.argv[1], sys.argv[2]
# RFC 5424 §6: PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
R = re.compile(r'^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) '
               r'([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) (-|\[.*\])(?: (.*))?$', re.S)
def load(name):
    return [json.loads(l) for l in open(os.path.join(tmp, name + ".jsonl"))]
res = {}
for name in ("udp1", "udp2", "tcp1"):
    msgs = load(name)
    ok = [R.match(m["msg"]) for m in msgs]
    res[name] = msgs
    print(name + "-count", len(msgs))
    print(name + "-grammar", "ok" if msgs and all(ok) else "BAD: " + next((m["msg"] for m, o in zip(msgs, ok) if not o), "none"))
    print(name + "-framing", "ok" if all(m["framing"] == ("octet-counting" if name == "tcp1" else "datagram") for m in msgs) else "BAD")
    pri = set(int(o.group(1)) for o in ok if o)
    print(name + "-pri", "ok" if pri and all(p // 8 == 16 and p % 8 in (3, 4, 6, 7) for p in pri) else "BAD %s" % pri)
    print(name + "-app", "ok" if all(o.group(4) == "tessera-mgmt" for o in ok if o) else "BAD")
admin_only = [R.match(m["msg"]).group(6) for m in res["udp2"]]
print("udp2-admin-only", "ok" if admin_only and all(x.startswith("administrator.") for x in admin_only) else "BAD")
print("udp1-has-support", "ok" if any(R.match(m["msg"]).group(6) == "support.rest" for m in res["udp1"]) else "BAD")
node = [R.match(m["msg"]) for m in res["tcp1"] if 'Message="Participant has joined."' in m["msg"]]
print("tcp1-node-event", "ok" if node and node[0].group(3) == "192.0.2.11" and node[0].group(2).startswith("2026-05-01T10:00:01") else "BAD")
# Every support-log line written after the servers existed reached the UDP server: compare messages.
sup = []
for f in sorted(glob.glob(os.path.join(logs, "support.log*")), key=lambda f: -int(f.rsplit(".", 1)[1]) if f[-1].isdigit() else 0):
    sup += open(f).read().splitlines()
body = lambda s: s[s.index(' Level="'):]
seen = set(body(m["msg"]) for m in res["udp1"])
after = [body(l) for l in sup if 'Message="Configuration added" User="admin" Type="Virtual Meeting Room"' in l]
print("udp1-matches-log", "ok" if after and all(a in seen for a in after) else "BAD")
PY
sed 's/^/# /' "$TMP/sysck"
while read -r k v; do
	case $k in
	*-count) tsr_expect_ge "syslog: $k" "$v" 3 ;;
	*) tsr_expect_eq "syslog: $k" "$v" ok ;;
	esac
done <"$TMP/sysck"

# ---- /metrics ---------------------------------------------------------------------------------
cat >"$TMP/prom.py" <<'PY'
import json, math, re, sys
# Text exposition format 0.0.4, strictly: comments, TYPE before samples, one family per name.
text = open(sys.argv[1], encoding="utf-8").read()
assert text.endswith("\n"), "no final newline"
NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
SAMPLE = re.compile(r'^(' + NAME + r')(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)(?: -?\d+)?$')
types, samples, helps = {}, [], set()
for line in text.splitlines():
    if line.startswith("# HELP "):
        n = line.split(" ", 3)[2]; assert n not in helps, "two HELP for " + n; helps.add(n)
        continue
    if line.startswith("# TYPE "):
        _, _, n, t = line.split(" ")
        assert t in ("counter", "gauge", "histogram", "summary", "untyped"), line
        assert n not in types, "two TYPE for " + n
        assert not any(s[0] == n or s[0].startswith(n + "_") for s in samples if s[0] in types), "TYPE after samples: " + n
        types[n] = t
        continue
    assert not line.startswith("#") or line.startswith("# "), line
    if line.startswith("#") or not line:
        continue
    m = SAMPLE.match(line)
    assert m, "bad sample line: " + line
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
    v = float(m.group(3))
    base = m.group(1)
    fam = next((f for f in (base, re.sub(r'_(bucket|sum|count)$', '', base)) if f in types), None)
    assert fam is not None, "sample without TYPE: " + base
    samples.append((base, labels, v))
out = {}
for n, l, v in samples:
    key = n + ("{" + ",".join("%s=%s" % kv for kv in sorted(l.items())) + "}" if l else "")
    assert key not in out, "duplicate series " + key
    out[key] = v
for h in [n for n, t in types.items() if t == "histogram"]:
    b = [(float(l["le"]), v) for n, l, v in samples if n == h + "_bucket"]
    assert b and b[-1][0] == math.inf, "no +Inf bucket"
    assert all(b[i][0] < b[i + 1][0] and b[i][1] <= b[i + 1][1] for i in range(len(b) - 1)), "buckets not cumulative"
    assert out[h + "_count"] == b[-1][1], "+Inf != count"
for n, t in types.items():
    if t == "counter":
        assert all(v >= 0 for s, l, v in samples if s == n), n
print(json.dumps({"types": types, "series": out}))
PY
metrics() { curl -s --cacert "$STATE/tls-cert.pem" -u "${1:-$ADMIN}" -o "$TMP/metrics.txt" -D "$TMP/mhdrs" -w '%{http_code}' "$BASE/metrics"; }
m() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["series"].get(sys.argv[2], "MISSING"))' "$TMP/m.json" "$1"; }
tsr_expect_eq "/metrics answers" "$(metrics)" 200
grep -qi '^content-type: text/plain; version=0.0.4' "$TMP/mhdrs" && tsr_ok "exposition content type" || tsr_fail "content type: $(cat "$TMP/mhdrs")"
if "$PY" "$TMP/prom.py" "$TMP/metrics.txt" >"$TMP/m.json" 2>"$TMP/prom.err"; then
	tsr_ok "/metrics parses as text format 0.0.4"
else
	tsr_fail "/metrics does not parse: $(cat "$TMP/prom.err")"
fi
if "$PY" -c 'import prometheus_client' 2>/dev/null; then
	"$PY" -c 'import sys; from prometheus_client.parser import text_string_to_metric_families as p; print(sum(1 for _ in p(open(sys.argv[1]).read())))' "$TMP/metrics.txt" >/dev/null &&
		tsr_ok "prometheus_client's parser reads it" || tsr_fail "prometheus_client parser"
else
	echo "# prometheus_client not installed: the second, independent parser is skipped"
fi
tsr_expect_eq "gauges from the node's report" \
	"$(m 'tessera_mgmt_nodes{state=ok}') $(m tessera_mgmt_conferences) $(m tessera_mgmt_participants) $(m 'tessera_mgmt_config_objects{resource=worker_vm}')" "1.0 1.0 1.0 1.0"
tsr_expect_eq "build info" "$(m 'tessera_mgmt_build_info{version=0.1.0}')" 1.0
before=$(m 'tessera_mgmt_http_requests_total{code=200,method=GET}') b401=$(m 'tessera_mgmt_http_requests_total{code=401,method=GET}')
cnt=$(m tessera_mgmt_http_request_duration_seconds_count)
for _ in 1 2 3 4 5; do api GET "$C/conference/"; done
api GET "$C/conference/" "" "nobody:nothing1"
metrics >/dev/null; "$PY" "$TMP/prom.py" "$TMP/metrics.txt" >"$TMP/m.json"
tsr_expect_eq "GET 200 counter moved by 6 (5 GETs + the scrape)" \
	"$("$PY" -c "print(int($(m 'tessera_mgmt_http_requests_total{code=200,method=GET}') - ${before/MISSING/0}))")" 6
tsr_expect_eq "401 counter moved" "$("$PY" -c "print(int($(m 'tessera_mgmt_http_requests_total{code=401,method=GET}') - ${b401/MISSING/0}))")" 1
tsr_expect_ge "histogram count moved" "$("$PY" -c "print(int($(m tessera_mgmt_http_request_duration_seconds_count) - $cnt))")" 7
tsr_expect_ge "log lines counted" "$("$PY" -c "print(int($(m 'tessera_mgmt_log_lines_total{log=admin}')))")" 10
tsr_expect_ge "syslog messages sent" "$("$PY" -c "print(int($(m 'tessera_mgmt_syslog_messages_total{result=sent}')))")" 10
tsr_expect_ge "unreachable syslog server counted" "$("$PY" -c "print(int($(m 'tessera_mgmt_syslog_messages_total{result=error}')))")" 1
st=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$STATE/tls-cert.pem" "$BASE/metrics"); tsr_expect_eq "/metrics needs credentials" "$st" 401
api POST "$C/user/" '{"username":"prom","password":"prom-password-1","role":"readonly"}'
tsr_expect_eq "a read-only account may scrape" "$(metrics prom:prom-password-1)" 200
api POST /metrics '{}'; expect_status "POST /metrics" 405
api GET "/metrics?x=1"; expect_status "/metrics with a parameter" 400
node_report '{"config_version":0}' >/dev/null
metrics >/dev/null; "$PY" "$TMP/prom.py" "$TMP/metrics.txt" >"$TMP/m.json"
tsr_expect_eq "gauges follow the next report" "$(m tessera_mgmt_conferences) $(m tessera_mgmt_participants)" "0.0 0.0"

tsr_finish
