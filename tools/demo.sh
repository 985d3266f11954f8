#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# demo.sh - start or stop the demo node behind `make run` / `make stop`.
#
#   demo.sh start [BUILD_DIR]   lab namespaces, data plane, a demo SRTP relay,
#                               the management node with the demo services
#                               (VMR "meet", test_call, a gateway rule) created
#                               through its API, the Conferencing Node enrolled
#                               with it, run/demo.env with addresses and
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
	ip link del "$prefix-mgmt" 2>/dev/null || true
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

# The management network: a veth between this namespace (the management node)
# and the node namespace, as a Conferencing Node's management interface.
MGMT_ADDR=198.19.254.1
NODE_MGMT_ADDR=198.19.254.2
MGMT_PORT=${MGMT_PORT:-8443}
mgmt_link() {
	ip link del "$prefix-mgmt" 2>/dev/null || true
	ip link add "$prefix-mgmt" type veth peer name mgmt0 netns "$NODE_NS"
	ip addr add "$MGMT_ADDR/30" dev "$prefix-mgmt"
	ip link set "$prefix-mgmt" up
	ip -n "$NODE_NS" addr add "$NODE_MGMT_ADDR/30" dev mgmt0
	ip -n "$NODE_NS" link set mgmt0 up
}

# The management node (HTTPS, self-signed certificate in run/mgmt), the demo
# services, the node's enrolment, all through its REST API.
start_mgmt() {
	local build=$1 api loc node
	[ -x "$build/mgmt-api/tessera-mgmt" ] || die "no tessera-mgmt in $build"
	MGMT_URL="https://$MGMT_ADDR:$MGMT_PORT"
	MGMT_USER=admin
	MGMT_PASS=$(head -c 12 /dev/urandom | base64 -w0 | tr '+/' 'xy')
	rm -rf "$run/mgmt"
	mkdir -p "$run/mgmt"
	setsid "$build/mgmt-api/tessera-mgmt" --listen "$MGMT_ADDR" --port "$MGMT_PORT" \
		--management-url "$MGMT_URL" --state-dir "$run/mgmt" --admin-user "$MGMT_USER" \
		--admin-password "$MGMT_PASS" </dev/null >"$run/mgmt.log" 2>&1 &
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
		"aliases": [{"alias": "meet"}, {"alias": "meet@tessera.test"}, {"alias": "7001"}]}' >/dev/null
	mgmt_post "$api/conference/" '{"name": "Open room", "service_type": "conference",
		"description": "A room without PIN", "aliases": [{"alias": "open"}, {"alias": "7002"}]}' \
		>/dev/null
	mgmt_post "$api/conference/" '{"name": "Reception", "service_type": "two_stage_dialing",
		"match_string": "(7[0-9]{3})", "aliases": [{"alias": "reception"}]}' >/dev/null
	mgmt_post "$api/conference/" '{"name": "Test Call Service", "service_type": "test_call",
		"aliases": [{"alias": "test_call"}, {"alias": "test_call@tessera.test"}]}' >/dev/null
	mgmt_post "$api/gateway_routing_rule/" "{\"name\": \"demo: gw-<user> to client 2\",
		\"priority\": 100, \"match_string\": \"gw-(.+)\",
		\"replace_string\": \"\\\\1@$CLIENT2_ADDR:5060\"}" >/dev/null
	loc=$(mgmt_post "$api/system_location/" '{"name": "demo", "description": "make run"}' |
		sed -n 's/.*"resource_uri": *"\([^"]*\)".*/\1/p')
	node=$(mgmt_post "$api/worker_vm/" "{\"name\": \"node1\", \"hostname\": \"node1\",
		\"domain\": \"tessera.test\", \"address\": \"$NODE_ADDR\", \"netmask\": \"255.255.255.0\",
		\"gateway\": \"$NODE_ADDR\", \"system_location\": \"$loc\"}" |
		sed -n 's/.*"id": *\([0-9]*\).*/\1/p' | head -1)
	[ -n "$node" ] || die "cannot create the worker_vm (see $run/mgmt.log)"
	(umask 077 && curl -fsS --cacert "$run/mgmt/tls-cert.pem" -u "$MGMT_USER:$MGMT_PASS" \
		"$MGMT_URL/api/admin/command/v1/worker_vm/$node/bootstrap/" >"$run/node-bootstrap.json") ||
		die "cannot get the node's bootstrap document"
}

# The Conferencing Node in the node namespace: SIP on the node address (TCP 5060,
# TLS 5061), configuration replicated from the management node.
start_node() {
	local build=$1 sock=$2
	[ -x "$build/controlplane/tessera-node" ] || die "no tessera-node in $build"
	rm -rf "$run/node"
	ip netns exec "$NODE_NS" setsid "$build/controlplane/tessera-node" --media-addr "$NODE_ADDR" \
		--bootstrap "$run/node-bootstrap.json" --replica-db "$run/node/replica.db" \
		--dp-sock "$sock" --ctl-sock "$run/node.sock" --tls-dir "$run/tls" \
		</dev/null >"$run/node.log" 2>&1 &
	echo $! > "$run/node.pid"
	for _ in $(seq 100); do
		ip netns exec "$NODE_NS" ss -Hltn "sport = :5061" | grep -q . && break
		kill -0 "$(cat "$run/node.pid")" 2>/dev/null || die "tessera-node exited: see $run/node.log"
		sleep 0.1
	done
	ip netns exec "$NODE_NS" ss -Hltn "sport = :5061" | grep -q . ||
		die "tessera-node does not listen on 5061: see $run/node.log"
	for _ in $(seq 100); do
		grep -q 'msg="configuration updated".* services=[1-9]' "$run/node.log" && return 0
		sleep 0.1
	done
	die "tessera-node got no configuration from the management node: see $run/node.log"
}

mgmt_post() {	# URL JSON: prints the created object
	curl -fsS --cacert "$run/mgmt/tls-cert.pem" -u "$MGMT_USER:$MGMT_PASS" -X POST "$1" \
		-H 'Content-Type: application/json' -d "$2" ||
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

	mgmt_link
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
NODE_CTL_SOCK=$run/node.sock
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

SIP: tessera-node on $NODE_ADDR (TCP 5060, TLS 5061), configured from the management node:
  meet (also 7001)   VMR "Demo room": Host PIN 1234, Guest PIN 5678 (or dial meet**1234)
  open (also 7002)   VMR without PIN
  reception          Virtual Reception: key 7001# or 7002#
  test_call          hear yourself 2 s later
  gw-<user>          gateway calls to client 2 ($CLIENT2_ADDR:5060)
For example, from client 1 (README.md shows baresip over TLS with SRTP):
  . run/demo.env
  ip netns exec \$CLIENT1_NS sipp -nostdin -t t1 -sn uac -m 1 -d 5000 -s open \$NODE_ADDR:5060

Management API (node1 is enrolled; the services above were created through it):
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
