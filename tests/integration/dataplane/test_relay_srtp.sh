#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_relay_srtp.sh - SRTP relay through the data plane between two real clients.
#
# Two streams on the node, A (198.18.0.1:40000, facing client 1) and B
# (198.18.0.1:40002, facing client 2), relay to each other. For each suite pair:
#   forward: ffmpeg in c1 sends a 1000 Hz PCMU sine over SRTP (suite of A) to A;
#            the data plane unprotects with A.srtp_in, protects with B.srtp_out
#            and sends to c2:5004, where GStreamer srtpdec (libsrtp2) decodes to
#            WAV. A latches c1's address (no remote given).
#   reverse: c2 sends a 600 Hz sine (ffmpeg for AES-CM, GStreamer srtpenc for
#            GCM) from 5004 to B; the data plane sends it with A.srtp_out to
#            A's latched remote, c1:5002, decoded by GStreamer.
# Checks: the tone is present and the other direction's tone absent; packets
# sent by the client (kernel UDP counters) == rx_packets of the ingress stream
# == tx_packets of the egress stream == datagrams delivered to the receiver;
# no drops (srtp_auth in particular); A latched c1:5002.
# All four keys differ (one per stream and direction).
#
# Context: integration test, root, network namespaces (tools/tessera-lab).
# Environment: TSR_BUILD, TSR_SRC (see lib/common.sh); TSR_RELAY_CASES to pick
# cases, e.g. "AES_CM_128_HMAC_SHA1_80:AEAD_AES_128_GCM".

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

tsr_init relay_srtp
tsr_require_dataplane
tsr_lab_up tsrrl 2
tsr_dp_start || exit 1

CASES=${TSR_RELAY_CASES:-"AES_CM_128_HMAC_SHA1_80:AEAD_AES_128_GCM AES_CM_128_HMAC_SHA1_80:AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_80:AES_CM_128_HMAC_SHA1_32 AES_CM_128_HMAC_SHA1_80:AEAD_AES_256_GCM"}
SECS=3               # each direction
NPKT=$((SECS * 50))  # 20 ms packets
PORT_A=40000
PORT_B=40002
C1_PORT=5002
C2_PORT=5004

# Both clients learn the node's MAC (and the data plane may learn theirs).
tsr_ping "$CLIENT1_NS" "$NODE_ADDR" -c 2 -q
tsr_ping "$CLIENT2_NS" "$NODE_ADDR" -c 2 -q

srtp_json() {	# SUITE KEY
	printf '{"suite":"%s","key":"%s"}' "$1" "$2"
}

check_no_drops() {	# ID NAME
	local out drops
	out=$(tsr_ctl stream.stats "{\"stream_id\":$1}" 2>&1)
	drops=$(tsr_json "$out" drops '{}')
	if "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(1 if any(d.values()) else 0)' "$drops"; then
		tsr_ok "$2: no drops"
	else
		tsr_fail "$2: drops $drops"
	fi
}

run_case() {	# SUITE_A SUITE_B
	local sa=$1 sb=$2 tag="$1->$2"
	local k1 k1r k2 k2r a b out tx0 tx1 rx0 rx1 sent got w ssrc1=305419896 ssrc2=732819469
	local d="$TSR_TMP/${sa}_${sb}"
	mkdir -p "$d"
	k1=$(tsr_key "$sa")
	k1r=$(tsr_key "$sa")
	k2=$(tsr_key "$sb")
	k2r=$(tsr_key "$sb")
	echo "# case $tag: K1=$k1 K1r=$k1r K2=$k2 K2r=$k2r"

	b=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":$PORT_B,\"remote_ip\":\"$CLIENT2_ADDR\",\"remote_port\":$C2_PORT,\"srtp_in\":$(srtp_json "$sb" "$k2r"),\"srtp_out\":$(srtp_json "$sb" "$k2")}") || return 1
	a=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":$PORT_A,\"latch\":true,\"srtp_in\":$(srtp_json "$sa" "$k1"),\"srtp_out\":$(srtp_json "$sa" "$k1r"),\"relay_to\":$b}") || return 1
	tsr_ctl_ok stream.update "{\"stream_id\":$b,\"relay_to\":$a}" >/dev/null || return 1
	tsr_ok "$tag: streams A=$a B=$b created"

	# ---- forward: c1 -> A -> B -> c2 ----
	w="$d/fwd.wav"
	tsr_gst_srtp_rx "$CLIENT2_NS" "$CLIENT2_ADDR" $C2_PORT "$sb" "$k2" $ssrc1 "$w" "$d/fwd-rx.log"
	local rxpid=$BG_PID
	tsr_wait_port "$CLIENT2_NS" udp $C2_PORT || tsr_fail "$tag: receiver in c2 did not bind"
	tx0=$(tsr_udp_counter "$CLIENT1_NS" OutDatagrams)
	rx0=$(tsr_udp_counter "$CLIENT2_NS" InDatagrams)
	tsr_ffmpeg_srtp_tx "$CLIENT1_NS" "$NODE_ADDR" $PORT_A $C1_PORT "$sa" "$k1" $ssrc1 1000 $SECS "$d/fwd-tx.log" ||
		tsr_fail "$tag: ffmpeg sender failed: $(tail -3 "$d/fwd-tx.log")"
	sleep 0.7
	tsr_stop_bg "$rxpid" INT
	tx1=$(tsr_udp_counter "$CLIENT1_NS" OutDatagrams)
	rx1=$(tsr_udp_counter "$CLIENT2_NS" InDatagrams)
	sent=$((tx1 - tx0))
	got=$((rx1 - rx0))
	echo "# forward: c1 sent $sent, c2 received $got"
	tsr_expect_ge "$tag fwd: c1 sent about $NPKT packets" "$sent" $((NPKT - 5))
	tsr_expect_eq "$tag fwd: stream A rx_packets == sent by c1" "$(tsr_stat "$a" rx_packets)" "$sent"
	tsr_expect_eq "$tag fwd: stream B tx_packets == sent by c1" "$(tsr_stat "$b" tx_packets)" "$sent"
	tsr_expect_eq "$tag fwd: datagrams delivered in c2 == sent by c1" "$got" "$sent"
	tsr_expect_eq "$tag fwd: A srtp_auth drops" "$(tsr_stat "$a" drops.srtp_auth)" 0
	tsr_expect_eq "$tag fwd: A latched" "$(tsr_stat "$a" latched)" true
	tsr_expect_eq "$tag fwd: A remote_ip" "$(tsr_stat "$a" remote_ip)" "$CLIENT1_ADDR"
	tsr_expect_eq "$tag fwd: A remote_port" "$(tsr_stat "$a" remote_port)" $C1_PORT
	if out=$(tsr_tone "$w" --expect 1000 --absent 600 --absent 440 --min-seconds $((SECS - 1))); then
		tsr_ok "$tag fwd: 1000 Hz decoded by libsrtp2 in c2: $out"
	else
		tsr_fail "$tag fwd: tone check: $out"
	fi

	# ---- reverse: c2 -> B -> A -> c1 (latched c1:5002) ----
	w="$d/rev.wav"
	local arx0 btx0
	arx0=$(tsr_stat "$b" rx_packets)
	btx0=$(tsr_stat "$a" tx_packets)
	tsr_gst_srtp_rx "$CLIENT1_NS" "$CLIENT1_ADDR" $C1_PORT "$sa" "$k1r" $ssrc2 "$w" "$d/rev-rx.log"
	rxpid=$BG_PID
	tsr_wait_port "$CLIENT1_NS" udp $C1_PORT || tsr_fail "$tag: receiver in c1 did not bind"
	tx0=$(tsr_udp_counter "$CLIENT2_NS" OutDatagrams)
	rx0=$(tsr_udp_counter "$CLIENT1_NS" InDatagrams)
	case "$sb" in
	AEAD_*)
		tsr_gst_srtp_tx "$CLIENT2_NS" "$NODE_ADDR" $PORT_B $C2_PORT "$sb" "$k2r" $ssrc2 600 $NPKT "$d/rev-tx.log" ||
			tsr_fail "$tag: gst sender failed: $(tail -3 "$d/rev-tx.log")"
		;;
	*)
		tsr_ffmpeg_srtp_tx "$CLIENT2_NS" "$NODE_ADDR" $PORT_B $C2_PORT "$sb" "$k2r" $ssrc2 600 $SECS "$d/rev-tx.log" ||
			tsr_fail "$tag: ffmpeg sender failed: $(tail -3 "$d/rev-tx.log")"
		;;
	esac
	sleep 0.7
	tsr_stop_bg "$rxpid" INT
	tx1=$(tsr_udp_counter "$CLIENT2_NS" OutDatagrams)
	rx1=$(tsr_udp_counter "$CLIENT1_NS" InDatagrams)
	sent=$((tx1 - tx0))
	got=$((rx1 - rx0))
	echo "# reverse: c2 sent $sent, c1 received $got"
	tsr_expect_ge "$tag rev: c2 sent about $NPKT packets" "$sent" $((NPKT - 5))
	tsr_expect_eq "$tag rev: stream B rx_packets (delta) == sent by c2" "$(tsr_sub "$(tsr_stat "$b" rx_packets)" "$arx0")" "$sent"
	tsr_expect_eq "$tag rev: stream A tx_packets (delta) == sent by c2" "$(tsr_sub "$(tsr_stat "$a" tx_packets)" "$btx0")" "$sent"
	tsr_expect_eq "$tag rev: datagrams delivered in c1 == sent by c2" "$got" "$sent"
	if out=$(tsr_tone "$w" --expect 600 --absent 1000 --min-seconds $((SECS - 1))); then
		tsr_ok "$tag rev: 600 Hz decoded by libsrtp2 in c1: $out"
	else
		tsr_fail "$tag rev: tone check: $out"
	fi
	check_no_drops "$a" "$tag stream A"
	check_no_drops "$b" "$tag stream B"

	tsr_ctl_ok stream.delete "{\"stream_id\":$a}" >/dev/null && tsr_ctl_ok stream.delete "{\"stream_id\":$b}" >/dev/null &&
		tsr_ok "$tag: streams deleted"
}

for c in $CASES; do
	run_case "${c%%:*}" "${c##*:}"
	tsr_dp_alive || tsr_bail "data plane died during case $c"
done

out=$(tsr_ctl stream.list 2>&1)
echo "# stream.list after deletes: $out"
tsr_ctl port.stats >"$TSR_TMP/port.stats.json" 2>&1
tsr_finish
