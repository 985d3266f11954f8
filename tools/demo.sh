#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# demo.sh - start or stop the demo node behind `make run` / `make stop`.
#
#   demo.sh start [BUILD_DIR]   lab namespaces, data plane, a demo SRTP relay,
#                               the SIP control plane with a gateway rule,
#                               the management node with a demo room and the
#                               test call, run/demo.env with addresses and
#                               credentials
#   demo.sh stop                stop everything and delete the namespaces
#
# Everything it starts lives in network namespaces named tsrdemo-*; state and
# logs go to run/. Only one demo runs at a time (run/demo.lock).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
run="$top/run"
prefix=tsrdemo
lab="$top/tools/tessera-lab"

die() { echo "demo: $*" >&2; exit 1; }

stop_pid() {	# PIDFILE
	local pid
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$1"
}

stop() {
	stop_pid "$run/node.pid"
	stop_pid "$run/mgmt.pid"
	if [ -f "$run/dataplane.pid" ]; then
		pid=$(cat "$run/dataplane.pid")
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$pid" 2>/dev/null || true
		fi
		rm -f "$run/dataplane.pid"
	fi
	"$lab" down --prefix "$prefix" >/dev/null 2>&1 || true
	rm -f "$run/demo.env" "$run/dp.sock"
	echo "demo: stopped"
}

b64key() { head -c "$1" /dev/urandom | base64 -w0; }

# The management node on loopback (HTTPS, self-signed certificate in run/mgmt),
# with the demo meeting room and the test call service created through its API.
MGMT_PORT=${MGMT_PORT:-8443}
start_mgmt() {
	local build=$1 api
	[ -x "$build/mgmt-api/tessera-mgmt" ] || die "no tessera-mgmt in $build"
	MGMT_URL="https://127.0.0.1:$MGMT_PORT"
	MGMT_USER=admin
	MGMT_PASS=$(head -c 12 /dev/urandom | base64 -w0 | tr '+/' 'xy')
	rm -rf "$run/mgmt"
	mkdir -p "$run/mgmt"
	setsid "$build/mgmt-api/tessera-mgmt" --listen 127.0.0.1 --port "$MGMT_PORT" \
		--state-dir "$run/mgmt" --admin-user "$MGMT_USER" --admin-password "$MGMT_PASS" \
		</dev/null >"$run/mgmt.log" 2>&1 &
	echo $! > "$run/mgmt.pid"
	api="$MGMT_URL/api/admin/configuration/v1"
	for _ in $(seq 100); do
		curl -fsS --cacert "$run/mgmt/tls-cert.pem" -u "$MGMT_USER:$MGMT_PASS" "$api/global/" \
			>/dev/null 2>&1 && break
		kill -0 "$(cat "$run/mgmt.pid")" 2>/dev/null || die "tessera-mgmt exited: see $run/mgmt.log"
		sleep 0.1
	done
	mgmt_post "$api/conference/" '{"name": "Demo room", "service_type": "conference",
		"description": "Demo meeting room created by make run",
		"pin": "1234", "guest_pin": "5678", "allow_guests": true,
		"aliases": [{"alias": "demo"}, {"alias": "demo@tessera.test"}]}'
	mgmt_post "$api/conference/" '{"name": "Test call", "service_type": "test_call",
		"aliases": [{"alias": "test_call"}]}'
}

# The control plane in the node namespace: SIP on the node address (TCP 5060,
# TLS 5061), a gateway rule sending calls for gw-<user> to client 2.
start_node() {
	local build=$1 sock=$2
	[ -x "$build/controlplane/tessera-node" ] || die "no tessera-node in $build"
	cat > "$run/objects.json" <<OBJ
{
  "gateway_routing_rule": [
    {"name": "demo: gw-<user> to client 2", "priority": 100, "match_string": "gw-(.+)",
     "replace_string": "\\\\1@$CLIENT2_ADDR:5060"}
  ]
}
OBJ
	ip netns exec "$NODE_NS" setsid "$build/controlplane/tessera-node" --media-addr "$NODE_ADDR" \
		--objects "$run/objects.json" --dp-sock "$sock" --tls-dir "$run/tls" \
		</dev/null >"$run/node.log" 2>&1 &
	echo $! > "$run/node.pid"
	for _ in $(seq 100); do
		ip netns exec "$NODE_NS" ss -Hltn "sport = :5061" | grep -q . && return 0
		kill -0 "$(cat "$run/node.pid")" 2>/dev/null || die "tessera-node exited: see $run/node.log"
		sleep 0.1
	done
	die "tessera-node does not listen on 5061: see $run/node.log"
}

mgmt_post() {	# URL JSON
	curl -fsS --cacert "$run/mgmt/tls-cert.pem" -u "$MGMT_USER:$MGMT_PASS" -X POST "$1" \
		-H 'Content-Type: application/json' -d "$2" >/dev/null ||
		die "management API refused $2 (see $run/mgmt.log)"
}

start() {
	local build=${1:-build}
	[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, raw sockets)"
	mkdir -p "$run"
	exec 9>"$run/demo.lock"
	flock -n 9 || die "another demo is being started"
	[ -x "$build/dataplane/tessera-dataplane" ] || die "no build in $build: run make"
	stop >/dev/null
	"$lab" up --prefix "$prefix" --clients 2 > "$run/lab.env"
	# shellcheck disable=SC1091
	. "$run/lab.env"
	local dp_args sock="$run/dp.sock"
	dp_args=$("$lab" dp-args --prefix "$prefix")
	# shellcheck disable=SC2086
	ip netns exec "$NODE_NS" setsid "$build/dataplane/tessera-dataplane" $dp_args \
		--ctl-sock "$sock" --lcores 0-1 </dev/null >"$run/dataplane.log" 2>&1 &
	echo $! > "$run/dataplane.pid"
	for _ in $(seq 100); do
		"$build/tools/tessctl" dp --sock "$sock" ping >/dev/null 2>&1 && break
		kill -0 "$(cat "$run/dataplane.pid")" 2>/dev/null || die "data plane exited: see $run/dataplane.log"
		sleep 0.1
	done
	"$build/tools/tessctl" dp --sock "$sock" ping >/dev/null || die "data plane does not answer"

	# Demo relay: client 1 sends SRTP (key IN) to NODE_ADDR:30000; the data
	# plane unprotects it, protects it again under key OUT and sends it from
	# NODE_ADDR:30002 to client 2 port 5004 (the control plane allocates
	# 40000-49999). Both legs use AES_CM_128_HMAC_SHA1_80, the suite ffmpeg
	# speaks.
	local key_in key_out b a
	key_in=$(b64key 30)
	key_out=$(b64key 30)
	b=$("$build/tools/tessctl" dp --sock "$sock" stream.create \
		"{\"local_ip\":\"$NODE_ADDR\",\"local_port\":30002,\"remote_ip\":\"$CLIENT2_ADDR\",\"remote_port\":5004,\"srtp_out\":{\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"key\":\"$key_out\"}}" \
		| sed -n 's/.*"stream_id": \([0-9]*\).*/\1/p')
	a=$("$build/tools/tessctl" dp --sock "$sock" stream.create \
		"{\"local_ip\":\"$NODE_ADDR\",\"local_port\":30000,\"srtp_in\":{\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"key\":\"$key_in\"},\"relay_to\":$b}" \
		| sed -n 's/.*"stream_id": \([0-9]*\).*/\1/p')
	[ -n "$a" ] && [ -n "$b" ] || die "cannot create the demo relay"

	start_mgmt "$build"
	start_node "$build" "$sock"

	cat > "$run/demo.env" <<ENV
# Written by 'make run'; source it: . run/demo.env
LAB_PREFIX=$prefix
NODE_NS=$NODE_NS
NODE_ADDR=$NODE_ADDR
NODE_ADDR6=$NODE_ADDR6
DP_CTL_SOCK=$sock
SIP_TCP_PORT=5060
SIP_TLS_PORT=5061
NODE_LOG=$run/node.log
DP_LOG=$run/dataplane.log
CLIENT1_NS=$CLIENT1_NS
CLIENT1_ADDR=$CLIENT1_ADDR
CLIENT2_NS=$CLIENT2_NS
CLIENT2_ADDR=$CLIENT2_ADDR
DEMO_IN_STREAM=$a
DEMO_IN_PORT=30000
DEMO_IN_SUITE=AES_CM_128_HMAC_SHA1_80
DEMO_IN_KEY=$key_in
DEMO_OUT_STREAM=$b
DEMO_OUT_PORT=30002
DEMO_OUT_REMOTE_PORT=5004
DEMO_OUT_SUITE=AES_CM_128_HMAC_SHA1_80
DEMO_OUT_KEY=$key_out
MGMT_URL=$MGMT_URL
MGMT_USER=$MGMT_USER
MGMT_PASS=$MGMT_PASS
MGMT_CACERT=$run/mgmt/tls-cert.pem
MGMT_LOG=$run/mgmt.log
ENV
	cat <<MSG
Tessera demo is running (data plane in namespace $NODE_NS, node address $NODE_ADDR).
Addresses, keys and credentials: run/demo.env   Logs: run/*.log   Stop: make stop

SIP: tessera-node on $NODE_ADDR (TCP 5060, TLS 5061); calls to gw-<user> are routed to
client 2 ($CLIENT2_ADDR:5060) with the media relayed by the data plane. For example:
  ip netns exec \$CLIENT1_NS sipp -nostdin -t t1 -sn uac -m 1 -s gw-alice \$NODE_ADDR:5060
(answered by whatever SIP UA listens in \$CLIENT2_NS, e.g. baresip or sipp -sn uas).

Management API (demo room "demo" and "test_call" are configured):
  . run/demo.env
  curl --cacert \$MGMT_CACERT -u "\$MGMT_USER:\$MGMT_PASS" \$MGMT_URL/api/admin/configuration/v1/conference/

Send a tone through the SRTP relay (client 1 -> node -> client 2):
  . run/demo.env
  ip netns exec \$CLIENT2_NS ffmpeg -loglevel fatal -protocol_whitelist file,udp,rtp,srtp \\
      -i <(printf 'v=0\\r\\no=- 0 0 IN IP4 %s\\r\\ns=-\\r\\nc=IN IP4 %s\\r\\nt=0 0\\r\\nm=audio 5004 RTP/SAVP 0\\r\\na=crypto:1 %s inline:%s\\r\\n' \$NODE_ADDR \$NODE_ADDR \$DEMO_OUT_SUITE \$DEMO_OUT_KEY) -t 5 -y /tmp/tone.wav &
  ip netns exec \$CLIENT1_NS ffmpeg -loglevel error -re -f lavfi -i sine=frequency=1000:sample_rate=8000 -t 5 \\
      -c:a pcm_mulaw -f rtp -srtp_out_suite \$DEMO_IN_SUITE -srtp_out_params \$DEMO_IN_KEY \\
      "srtp://\$NODE_ADDR:\$DEMO_IN_PORT?localport=5002"
  build/tools/tessctl dp --sock \$DP_CTL_SOCK stream.stats '{"stream_id":'\$DEMO_IN_STREAM'}'
MSG
}

case "${1:-}" in
start) start "${2:-build}" ;;
stop) stop ;;
*) echo "usage: demo.sh start [BUILD_DIR] | stop" >&2; exit 2 ;;
esac
