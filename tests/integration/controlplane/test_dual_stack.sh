#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_dual_stack.sh - one tessera-node listening for SIP on IPv4 and IPv6.
#
# Lab (tools/tessera-lab, prefix cpds, 1 client with an IPv4 and an IPv6
# address): tessera-dataplane and tessera-node started with --sip-addr (the
# node's IPv4 address) and --sip-addr6 (its IPv6 address), media on both.
# Checks:
#   - TCP 5060 and TLS 5061 listen on each address, and nothing listens on
#     a wildcard address;
#   - sipp calls an open VMR over IPv4 and over IPv6, at the same time: both
#     calls complete, the node shows both participants, and each 200 OK has a
#     Contact and an SDP connection address of the caller's family (the
#     node's address of that family);
#   - a gateway call placed by the node to an IPv6 callee (sipp on the
#     client's IPv6 address) for an IPv4 caller: the INVITE the callee gets
#     has the node's IPv6 address in its Via and Contact;
#   - an IPv4 address given as --sip-addr6 is refused at start;
#   - the node stays up; SIGTERM stops it.
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

tsr_init cp_dual_stack
tsr_require_dataplane
[ -x "$NODE_BIN" ] || tsr_bail "missing $NODE_BIN (build first: ninja -C $TSR_BUILD)"
command -v sipp >/dev/null || tsr_skip "sipp not installed (tools/deps.sh)"
tsr_lab_up cpds 1
tsr_dp_start || exit 1

cat >"$TSR_TMP/objects.json" <<JSON
{
  "conference": [{"id": 1, "name": "Open room", "aliases": [{"alias": "open"}]}],
  "gateway_routing_rule": [
    {"name": "to c1 over v6", "priority": 10, "match_string": "gw6-(.+)",
     "replace_string": "\\\\1@[$CLIENT1_ADDR6]:5070;transport=tcp"}
  ]
}
JSON

# A node given an IPv4 address as its IPv6 listener does not start.
ip netns exec "$NODE_NS" timeout 10 "$NODE_BIN" --media-addr "$NODE_ADDR" \
	--sip-addr6 "$NODE_ADDR" --objects "$TSR_TMP/objects.json" --dp-sock "$DP_SOCK" \
	--tls-dir "$TSR_TMP/tls" --ctl-sock "$TSR_TMP/bad.sock" >"$TSR_TMP/bad.log" 2>&1
rc=$?
tsr_check "--sip-addr6 with an IPv4 address is refused (exit $rc)" \
	bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'sip-addr6' '$TSR_TMP/bad.log'"

NODE_LOG="$TSR_TMP/node.log"
NODE_CTL="$TSR_TMP/node.sock"
tsr_bg "$NODE_NS" "$NODE_LOG" "$NODE_BIN" --media-addr "$NODE_ADDR" \
	--media-addr6 "$NODE_ADDR6" --sip-addr "$NODE_ADDR" --sip-addr6 "$NODE_ADDR6" \
	--objects "$TSR_TMP/objects.json" --dp-sock "$DP_SOCK" --tls-dir "$TSR_TMP/tls" \
	--ctl-sock "$NODE_CTL" --log-level info
NODE_PID=$BG_PID
tsr_check "node listens on TCP 5060" tsr_wait_port "$NODE_NS" tcp 5060 || tsr_finish

node_alive() { kill -0 "$NODE_PID" 2>/dev/null; }
node_ctl() { "$PY" "$TSR_LIB/nodectl.py" "$NODE_CTL" "$@"; }
# listening ADDR PORT: a TCP socket listens on exactly ADDR:PORT.
listening() {
	ip netns exec "$NODE_NS" ss -H -ltn "sport = :$2" | awk '{print $4}' | grep -qxF "$1:$2"
}
for port in 5060 5061; do
	tsr_check "TCP $port listens on $NODE_ADDR" listening "$NODE_ADDR" "$port"
	tsr_check "TCP $port listens on [$NODE_ADDR6]" listening "[$NODE_ADDR6]" "$port"
done
tsr_check "no wildcard SIP listener" bash -c "! ip netns exec '$NODE_NS' ss -H -ltn \
	'sport = :5060' | awk '{print \$4}' | grep -qE '^(0\\.0\\.0\\.0|\\*|\\[::\\]):'"

# sipp_call NAME LOCAL_IP PORT NODE_HOST ALIAS [ARGS...]: one call from client 1, SIP
# from PORT, media from PORT + 10000.
sipp_call() {
	local name=$1 lip=$2 port=$3 host=$4 alias=$5
	shift 5
	ip netns exec "$CLIENT1_NS" timeout 40 sipp -nostdin -t t1 -sf "$SIPP_DIR/ds_call.xml" \
		-m 1 -i "$lip" -p "$port" -mp $((port + 10000)) -s "$alias" -timeout 35s -trace_msg \
		-message_file "$TSR_TMP/$name.msg" "$@" "$host:5060" >>"$TSR_TMP/sipp-$name.log" 2>&1
}
# first_in MSGFILE START_RE LINE_RE: in sipp's -trace_msg file (messages separated by
# dashed lines), the first line matching LINE_RE of the first message whose start line
# matches START_RE, without its CR.
first_in() {
	awk -v start="$2" -v want="$3" '
		{ sub(/\r$/, "") }
		/^-+ / { inmsg = 0; next }
		!done && !inmsg && $0 ~ start { inmsg = 1; done = 1; next }
		inmsg && $0 ~ want { print; exit }' "$1"
}
# is_uri_of TEXT HOST: TEXT has a SIP URI whose host is HOST (as written, IPv6 in
# brackets), with port 5060 or none (sofia leaves the default out).
is_uri_of() {
	local h=${2//./\\.}
	h=${h//[/\\[}
	h=${h//]/\\]}
	grep -qE "(sip:|@|/TCP )$h(:5060)?[;>]" <<<"$1"
}

# ---- one call per family, at the same time -----------------------------------------------------
sipp_call v4 "$CLIENT1_ADDR" 5090 "$NODE_ADDR" open -d 3000 &
V4=$!
sipp_call v6 "$CLIENT1_ADDR6" 5092 "[$NODE_ADDR6]" open -d 3000 &
V6=$!
TSR_BG_PIDS+=("$V4" "$V6")
parts=0
for _ in $(seq 30); do
	parts=$(node_ctl status 2>/dev/null | "$PY" -c \
		'import json, sys; print(len(json.load(sys.stdin)["participants"]))' 2>/dev/null)
	[ "${parts:-0}" -ge 2 ] && break
	sleep 0.1
done
tsr_expect_eq "both calls are up at once" "${parts:-0}" 2
tsr_check "IPv4 call completes (sipp exit status)" wait "$V4"
tsr_check "IPv6 call completes (sipp exit status)" wait "$V6"

c4=$(first_in "$TSR_TMP/v4.msg" '^SIP/2.0 200' '^Contact:')
c6=$(first_in "$TSR_TMP/v6.msg" '^SIP/2.0 200' '^Contact:')
s4=$(first_in "$TSR_TMP/v4.msg" '^SIP/2.0 200' '^c=IN')
s6=$(first_in "$TSR_TMP/v6.msg" '^SIP/2.0 200' '^c=IN')
tsr_log "IPv4 200: $c4 / $s4"
tsr_log "IPv6 200: $c6 / $s6"
tsr_check "IPv4 caller: Contact is the node's IPv4 address" is_uri_of "$c4" "$NODE_ADDR"
tsr_check "IPv6 caller: Contact is the node's IPv6 address" is_uri_of "$c6" "[$NODE_ADDR6]"
tsr_expect_eq "IPv4 caller: SDP connection address" "$s4" "c=IN IP4 $NODE_ADDR"
tsr_expect_eq "IPv6 caller: SDP connection address" "$s6" "c=IN IP6 $NODE_ADDR6"

# ---- the node calls out over IPv6 for an IPv4 caller --------------------------------------------
tsr_bg "$CLIENT1_NS" "$TSR_TMP/uas6.log" timeout 60 sipp -nostdin -t t1 \
	-sf "$SIPP_DIR/uas_answer.xml" -m 1 -i "$CLIENT1_ADDR6" -p 5070 -mp 26000 \
	-trace_msg -message_file "$TSR_TMP/uas6.msg"
UAS=$BG_PID
tsr_wait_port "$CLIENT1_NS" tcp 5070 || tsr_fail "sipp callee on [$CLIENT1_ADDR6]:5070 did not start"
tsr_check "gateway call from IPv4 to an IPv6 callee (caller sipp)" \
	sipp_call gw "$CLIENT1_ADDR" 5094 "$NODE_ADDR" gw6-x -d 500
tsr_check "the IPv6 callee answered and got the BYE (callee sipp exit status)" wait "$UAS"
via=$(first_in "$TSR_TMP/uas6.msg" '^INVITE ' '^Via:')
contact=$(first_in "$TSR_TMP/uas6.msg" '^INVITE ' '^Contact:')
tsr_log "INVITE to the IPv6 callee: $via / $contact"
tsr_check "its Via is the node's IPv6 address" is_uri_of "$via" "[$NODE_ADDR6]"
tsr_check "its Contact is the node's IPv6 address" is_uri_of "$contact" "[$NODE_ADDR6]"

tsr_check "node still running" node_alive
kill -TERM "$NODE_PID"
tsr_check "node exits on SIGTERM" tsr_wait_exit "$NODE_PID" 15
tsr_finish
