#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_restart.sh - kill -9 the data plane mid-stream, restart it, recover.
#
# ffmpeg in c1 sends one continuous 1000 Hz SRTP stream (AES_CM_128_HMAC_SHA1_80,
# 14 s) to stream A, relayed to stream B (AEAD_AES_128_GCM) towards
# GStreamer receiver 1 in c2 (port 5004). A TCP connection from c1 to a kernel
# listener on the node address stays open across the restart. Mid-stream the
# data plane gets SIGKILL; it is restarted on the same lab (the persistent TAP
# stays), the streams are re-created over the control socket with B pointing to
# receiver 2 (port 5006), and the same sender keeps going. Checks:
#   - media flowed before the kill (tone in receiver 1's WAV);
#   - the restarted data plane answers its control socket within 15 s despite
#     the stale socket file;
#   - media flows again: receiver 2's WAV, which only holds post-restart
#     media, has the tone; A rx_packets == B tx_packets == datagrams delivered
#     to receiver 2; no SRTP drops;
#   - ping v4/v6 works after the restart; the TCP connection survived
#     (sha256 of what went through it);
#   - after 'tessera-lab down' no namespace of the lab is left.
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

tsr_init restart
tsr_require_dataplane
tsr_lab_up tsrrs 2
tsr_dp_start || exit 1

SA=AES_CM_128_HMAC_SHA1_80
SB=AEAD_AES_128_GCM
K1=$(tsr_key $SA)
K2=$(tsr_key $SB)
SSRC=19088743
SECS=14
echo "# K1=$K1 K2=$K2"

fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

create_streams() {	# RECEIVER_PORT
	B=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":40002,\"remote_ip\":\"$CLIENT2_ADDR\",\"remote_port\":$1,\"srtp_out\":{\"suite\":\"$SB\",\"key\":\"$K2\"}}") || return 1
	A=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":40000,\"srtp_in\":{\"suite\":\"$SA\",\"key\":\"$K1\"},\"relay_to\":$B}") || return 1
}

tsr_ping "$CLIENT1_NS" "$NODE_ADDR" -c 2 -q
tsr_ping "$CLIENT2_NS" "$NODE_ADDR" -c 2 -q
create_streams 5004 || tsr_bail "cannot create streams"
tsr_ok "streams A=$A B=$B created"

# Receivers: 1 for the first instance's media, 2 for the restarted one's.
tsr_gst_srtp_rx "$CLIENT2_NS" "$CLIENT2_ADDR" 5004 $SB "$K2" $SSRC "$TSR_TMP/rx1.wav" "$TSR_TMP/rx1.log"
RX1=$BG_PID
tsr_gst_srtp_rx "$CLIENT2_NS" "$CLIENT2_ADDR" 5006 $SB "$K2" $SSRC "$TSR_TMP/rx2.wav" "$TSR_TMP/rx2.log"
RX2=$BG_PID
tsr_wait_port "$CLIENT2_NS" udp 5004 && tsr_wait_port "$CLIENT2_NS" udp 5006 ||
	tsr_fail "receivers did not bind"

# Long-lived TCP connection: 1 MiB before the restart, 1 MiB after.
head -c $((2 * 1024 * 1024)) /dev/urandom >"$TSR_TMP/tcp.bin"
tsr_bg "$NODE_NS" "$TSR_TMP/socat.log" socat -u "TCP4-LISTEN:7000,bind=$NODE_ADDR,reuseaddr" "OPEN:$TSR_TMP/tcp.rx,creat,trunc"
TCP_SRV=$BG_PID
tsr_wait_port "$NODE_NS" tcp 7000 || tsr_fail "TCP listener did not start"
TCP_CLIENT='
import socket, sys, time
data = open(sys.argv[2], "rb").read()
half = len(data) // 2
s = socket.create_connection((sys.argv[1], 7000), timeout=30)
s.sendall(data[:half])
open(sys.argv[3], "w").write("sent1\n")
while open(sys.argv[3]).read().strip() != "go":
    time.sleep(0.1)
s.sendall(data[half:])
s.shutdown(socket.SHUT_WR)
s.recv(1)
s.close()
print("done")
'
echo wait >"$TSR_TMP/tcp.flag"
tsr_bg "$CLIENT1_NS" "$TSR_TMP/tcpclient.log" "$PY" -c "$TCP_CLIENT" "$NODE_ADDR" "$TSR_TMP/tcp.bin" "$TSR_TMP/tcp.flag"
TCP_CLI=$BG_PID

# The sender runs through the whole test.
tsr_ffmpeg_srtp_tx "$CLIENT1_NS" "$NODE_ADDR" 40000 5002 $SA "$K1" $SSRC 1000 $SECS "$TSR_TMP/tx.log" bg
TX=$BG_PID
T0=$(date +%s.%N)
sleep 3
rx_before=$(tsr_stat "$A" rx_packets)
tsr_expect_ge "media flowing before the kill (A rx_packets after 3 s)" "$rx_before" 100
for _ in $(seq 20); do grep -q sent1 "$TSR_TMP/tcp.flag" && break; sleep 0.1; done
tsr_check "TCP first half sent before the kill" grep -q sent1 "$TSR_TMP/tcp.flag"

OLD_PID=$DP_PID
tsr_dp_kill9
tsr_check "data plane killed (pid $OLD_PID gone)" bash -c "! kill -0 $OLD_PID 2>/dev/null"
T_KILL=$(date +%s.%N)
rx_in0=$(tsr_udp_counter "$CLIENT2_NS" InDatagrams)
sleep 1

tsr_dp_start || tsr_bail "restart failed"
T_UP=$(date +%s.%N)
create_streams 5006 || tsr_bail "cannot re-create streams after restart"
T_STREAMS=$(date +%s.%N)
echo "# restart: control socket up $(fsub "$T_UP" "$T_KILL") s after the kill, streams $(fsub "$T_STREAMS" "$T_KILL") s"
tsr_ok "restarted (pid $DP_PID), streams re-created A=$A B=$B"

echo go >"$TSR_TMP/tcp.flag"
tsr_check "ping v4 after restart" tsr_ping "$CLIENT1_NS" "$NODE_ADDR" -c 5 -i 0.1
tsr_check "ping v6 after restart" tsr_ping "$CLIENT1_NS" "$NODE_ADDR6" -c 5 -i 0.1

wait "$TX"
echo "# sender finished after $(fsub "$(date +%s.%N)" "$T0") s"
sleep 0.7
tsr_stop_bg "$RX1" INT
tsr_stop_bg "$RX2" INT
rx_in1=$(tsr_udp_counter "$CLIENT2_NS" InDatagrams)

a_rx=$(tsr_stat "$A" rx_packets)
b_tx=$(tsr_stat "$B" tx_packets)
# Packets after the restart: the sender's total minus what was sent by the
# time the streams existed again -> at least (SECS - elapsed - 1) * 50.
left=$(awk -v s=$SECS -v a="$T_STREAMS" -v b="$T0" 'BEGIN { printf "%d", (s - (a - b) - 1) * 50 }')
tsr_expect_ge "media flows after restart (A rx_packets)" "$a_rx" "$left"
tsr_expect_eq "B tx_packets == A rx_packets after restart" "$b_tx" "$a_rx"
tsr_expect_eq "datagrams delivered to c2 after restart == B tx_packets" "$((rx_in1 - rx_in0))" "$b_tx"
tsr_expect_eq "A srtp_auth drops" "$(tsr_stat "$A" drops.srtp_auth)" 0
tsr_expect_eq "A srtp_replay drops" "$(tsr_stat "$A" drops.srtp_replay)" 0
if out=$(tsr_tone "$TSR_TMP/rx1.wav" --expect 1000 --absent 440 --min-seconds 2); then
	tsr_ok "tone before the kill (receiver 1): $out"
else
	tsr_fail "tone before the kill (receiver 1): $out"
fi
if out=$(tsr_tone "$TSR_TMP/rx2.wav" --expect 1000 --absent 440 --min-seconds $((left / 50 - 1))); then
	tsr_ok "tone after the restart (receiver 2): $out"
else
	tsr_fail "tone after the restart (receiver 2): $out"
fi

# TCP across the restart.
for _ in $(seq 100); do kill -0 "$TCP_CLI" 2>/dev/null || break; sleep 0.1; done
tsr_stop_bg "$TCP_SRV" TERM
tsr_stop_bg "$TCP_CLI" TERM
if [ -f "$TSR_TMP/tcp.rx" ] && [ "$(sha256sum <"$TSR_TMP/tcp.rx")" = "$(sha256sum <"$TSR_TMP/tcp.bin")" ]; then
	tsr_ok "TCP connection survived the restart (2 MiB, sha256 equal)"
else
	tsr_fail "TCP connection across the restart: got $(stat -c %s "$TSR_TMP/tcp.rx" 2>/dev/null) bytes; client: $(tr '\n' ' ' <"$TSR_TMP/tcpclient.log")"
fi

tsr_check "data plane alive at the end" tsr_dp_alive
tsr_dp_stop
"$LAB" down --prefix "$TSR_PREFIX"
left_ns=$(ip netns list | grep -c "^$TSR_PREFIX-")
tsr_expect_eq "no lab namespace left after tessera-lab down" "$left_ns" 0
TSR_PREFIX=""
tsr_finish
