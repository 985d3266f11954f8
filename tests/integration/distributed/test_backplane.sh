#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_backplane.sh - one conference across two data planes over an ESP
# backplane.
#
# Lab: two locations x one node (tessera-lab --locations 2), the locations
# joined by the lab router; one tessera-dataplane per node. On each node a
# conference; between the nodes a backplane: one stream per node (plain RTP,
# Opus) attached to its local conference as a backplane participant (it
# hears only the node's own participants, everyone hears it), each sending to
# the other node through an outbound ESP SA (l1 -> l2 AES-256-GCM, l2 -> l1
# AES-256-CBC + HMAC-SHA-512-256, both with ESN), each received through the
# matching inbound SA. One real client per node (ffmpeg over SRTP): c1 (l1,
# PCMU) sends 440 Hz, c2 (l2, G.722) sends 880 Hz. Checks:
#   - c1 hears c2's tone and not its own; c2 hears c1's and not its own
#     (lib/tone.py);
#   - on the link between the locations (the router's port of location 1,
#     captured with tshark) every packet between the two node addresses is
#     ESP under one of the two SPIs: no plain UDP/RTP between the nodes;
#   - the four SAs carried packets, with no authentication failure, replay
#     or drop; the backplane participants received and sent media.
#
# Why Opus on the backplane: what crosses it is already a mix of up to
# three speakers at the engine's 48 kHz; Opus carries it full band at a
# modest bit rate, and its in-band FEC and concealment cover loss on a WAN
# link; G.722 would cut it to 7 kHz at a fixed 64 kbit/s with no FEC.
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/multinode.sh
. "$(dirname "$0")/../lib/multinode.sh"

tsr_init backplane
tsr_require_dataplane
command -v tshark >/dev/null || tsr_skip "tshark is not installed"
command -v ffmpeg >/dev/null || tsr_skip "ffmpeg is not installed"
tsr_mlab_up tsrbp --locations 2 --nodes 1 --clients 1
tsr_node_dp_start l1-1 || exit 1
tsr_node_dp_start l2-1 || exit 1

A=l1-1 B=l2-1
A_ADDR=$L1N1_ADDR B_ADDR=$L2N1_ADDR
SUITE=AES_CM_128_HMAC_SHA1_80
SECS=8
BP_PORT=46000
SPI_AB=4352 SPI_BA=8704
hex() { head -c "$1" /dev/urandom | od -An -tx1 -v | tr -d ' \n'; }
espstat() {	# SPI DIR FIELD (on the current node)
	tsr_json "$(tsr_ctl esp.sa_stats "{\"spi\":$1,\"direction\":\"$2\"}" 2>&1)" "$3" ERR
}

# Neighbours: clients to their node, node to node through the router (the
# kernels' pings go through both data planes, which learn the router).
tsr_ping "$L1C1_NS" "$A_ADDR" -c 1 >/dev/null 2>&1
tsr_ping "$L2C1_NS" "$B_ADDR" -c 1 >/dev/null 2>&1
tsr_check "node l1-1 reaches node l2-1 through the router" \
	tsr_ping "$L1N1_NS" "$B_ADDR" -c 2 -q

# ---- the backplane SAs -----------------------------------------------------------
K_AB=$(hex 32) S_AB=$(hex 4)
K_BA=$(hex 32) H_BA=$(hex 64)
gcm_ab="\"cipher\":\"aes256gcm\",\"key\":\"$K_AB\",\"salt\":\"$S_AB\""
cbc_ba="\"cipher\":\"aes256cbc-hmacsha512\",\"key\":\"$K_BA\",\"auth_key\":\"$H_BA\""
tsr_node $A
tsr_ctl_ok esp.sa_add "{\"spi\":$SPI_AB,\"direction\":\"out\",$gcm_ab,\"local\":\"$A_ADDR\",\"remote\":\"$B_ADDR\"}" >/dev/null ||
	tsr_bail "l1-1: outbound SA"
tsr_ctl_ok esp.sa_add "{\"spi\":$SPI_BA,\"direction\":\"in\",$cbc_ba,\"local\":\"$A_ADDR\",\"remote\":\"$B_ADDR\"}" >/dev/null ||
	tsr_bail "l1-1: inbound SA"
tsr_node $B
tsr_ctl_ok esp.sa_add "{\"spi\":$SPI_BA,\"direction\":\"out\",$cbc_ba,\"local\":\"$B_ADDR\",\"remote\":\"$A_ADDR\"}" >/dev/null ||
	tsr_bail "l2-1: outbound SA"
tsr_ctl_ok esp.sa_add "{\"spi\":$SPI_AB,\"direction\":\"in\",$gcm_ab,\"local\":\"$B_ADDR\",\"remote\":\"$A_ADDR\"}" >/dev/null ||
	tsr_bail "l2-1: inbound SA"
tsr_ok "ESP SAs installed: l1->l2 aes256gcm SPI $SPI_AB, l2->l1 aes256cbc-hmacsha512 SPI $SPI_BA"

# ---- per node: conference, client participant, backplane participant -------------
# setup_node ID NODE_ADDR PEER_ADDR OUT_SPI CLIENT_ADDR CODEC PT -> sets
# CONF_<n> CSID_<n> BSID_<n> BPART_<n> KIN_<n> KOUT_<n> (n = 1 or 2)
setup_node() {
	local id=$1 addr=$2 peer=$3 spi=$4 caddr=$5 codec=$6 pt=$7 n=$8 out conf csid bsid kin kout
	tsr_node "$id"
	out=$(tsr_ctl_ok conference.create '{"max_participants":8,"speakers":3}') || return 1
	conf=$(tsr_json "$out" conference_id)
	kin=$(tsr_key $SUITE)
	kout=$(tsr_key $SUITE)
	csid=$(tsr_stream_create "{\"local_ip\":\"$addr\",\"local_port\":44000,\"remote_ip\":\"$caddr\",\"remote_port\":5004,\"latch\":false,\"srtp_in\":{\"suite\":\"$SUITE\",\"key\":\"$kin\"},\"srtp_out\":{\"suite\":\"$SUITE\",\"key\":\"$kout\"}}") ||
		return 1
	tsr_ctl_ok conference.attach "{\"conference_id\":$conf,\"stream_id\":$csid,\"codec\":\"$codec\",\"pt\":$pt}" >/dev/null ||
		return 1
	bsid=$(tsr_stream_create "{\"local_ip\":\"$addr\",\"local_port\":$BP_PORT,\"remote_ip\":\"$peer\",\"remote_port\":$BP_PORT,\"latch\":false,\"strict_source\":true,\"esp_sa\":$spi}") ||
		return 1
	# A backplane cannot be hosts_only (it must carry every local speaker).
	tsr_ctl conference.attach "{\"conference_id\":$conf,\"stream_id\":$bsid,\"codec\":\"opus\",\"backplane\":true,\"hosts_only\":true}" >/dev/null 2>&1 &&
		tsr_fail "$id: a hosts_only backplane was accepted"
	out=$(tsr_ctl_ok conference.attach "{\"conference_id\":$conf,\"stream_id\":$bsid,\"codec\":\"opus\",\"pt\":111,\"channels\":1,\"backplane\":true}") ||
		return 1
	eval "CONF_$n=$conf CSID_$n=$csid BSID_$n=$bsid KIN_$n=$kin KOUT_$n=$kout"
	eval "BPART_$n=$(tsr_json "$out" participant)"
}
setup_node $A "$A_ADDR" "$B_ADDR" $SPI_AB "$L1C1_ADDR" PCMU 0 1 || tsr_bail "l1-1: conference setup"
setup_node $B "$B_ADDR" "$A_ADDR" $SPI_BA "$L2C1_ADDR" G722 9 2 || tsr_bail "l2-1: conference setup"
tsr_ok "conference on each node: one client, one backplane participant (opus, ESP)"

# ---- capture between the locations ---------------------------------------------------
PCAP="$TSR_TMP/backbone.pcap"
tsr_bg "$RTR_NS" "$TSR_TMP/tshark.log" tshark -i "$LOC1_RTR_IF" -w "$PCAP" -q
CAP_PID=$BG_PID
for _ in $(seq 50); do
	[ -s "$PCAP" ] && break
	sleep 0.1
done
[ -s "$PCAP" ] || tsr_fail "tshark did not start capturing on $RTR_NS:$LOC1_RTR_IF"

# ---- clients ----------------------------------------------------------------------------
# rx_start N NS NODE_ADDR PT NAME KEY: ffmpeg decodes what the node sends.
rx_start() {
	printf 'v=0\r\no=- 0 0 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 5004 RTP/SAVP %s\r\na=rtpmap:%s %s/8000\r\na=crypto:1 %s inline:%s\r\n' \
		"$3" "$3" "$4" "$4" "$5" "$SUITE" "$6" >"$TSR_TMP/rx$1.sdp"
	tsr_bg "$2" "$TSR_TMP/rx$1.log" ffmpeg -hide_banner -nostdin -loglevel warning \
		-protocol_whitelist file,udp,rtp,srtp -i "$TSR_TMP/rx$1.sdp" -t $((SECS + 1)) \
		-ar 8000 -ac 1 -y "$TSR_TMP/rx$1.wav"
}
# tx_start N NS NODE_ADDR RATE ENCODER FREQ KEY: ffmpeg sends a tone.
tx_start() {
	tsr_bg "$2" "$TSR_TMP/tx$1.log" ffmpeg -hide_banner -nostdin -loglevel warning -re \
		-f lavfi -i "sine=frequency=$6:sample_rate=$4:samples_per_frame=$(($4 / 50))" \
		-t "$SECS" -c:a "$5" -f rtp -rtpflags skip_rtcp \
		-srtp_out_suite "$SUITE" -srtp_out_params "$7" "srtp://$3:44000?localport=6000"
}
rx_start 1 "$L1C1_NS" "$A_ADDR" 0 PCMU "$KOUT_1"
RX1=$BG_PID
rx_start 2 "$L2C1_NS" "$B_ADDR" 9 G722 "$KOUT_2"
RX2=$BG_PID
sleep 1
tx_start 1 "$L1C1_NS" "$A_ADDR" 8000 pcm_mulaw 440 "$KIN_1"
tx_start 2 "$L2C1_NS" "$B_ADDR" 16000 g722 880 "$KIN_2"
sleep $((SECS + 2))
tsr_stop_bg "$RX1" INT
tsr_stop_bg "$RX2" INT
sleep 0.5
tsr_stop_bg "$CAP_PID" INT

# ---- what the clients heard -----------------------------------------------------------
tsr_check "c1 (l1, PCMU) hears c2's 880 Hz over the backplane, not its own 440 Hz" \
	tsr_tone "$TSR_TMP/rx1.wav" --start 2.0 --end 7.0 --expect 880 --absent 440 \
	--threshold 0.5 --absent-threshold 0.05 --min-seconds 2.0
tsr_check "c2 (l2, G.722) hears c1's 440 Hz over the backplane, not its own 880 Hz" \
	tsr_tone "$TSR_TMP/rx2.wav" --start 2.0 --end 7.0 --expect 440 --absent 880 \
	--threshold 0.5 --absent-threshold 0.05 --min-seconds 2.0

# ---- what crossed between the locations -------------------------------------------------
# Every IP packet between the two node addresses: protocol and SPI.
between="(ip.src==$A_ADDR && ip.dst==$B_ADDR) || (ip.src==$B_ADDR && ip.dst==$A_ADDR)"
tshark -r "$PCAP" -Y "$between" -T fields -e ip.proto -e esp.spi -e ip.src \
	>"$TSR_TMP/backbone.txt" 2>"$TSR_TMP/backbone.err"
n_all=$(wc -l <"$TSR_TMP/backbone.txt")
n_esp_ab=$(awk -F'\t' -v s="$(printf '0x%08x' $SPI_AB)" -v a="$A_ADDR" '$1 == 50 && $2 == s && $3 == a' "$TSR_TMP/backbone.txt" | wc -l)
n_esp_ba=$(awk -F'\t' -v s="$(printf '0x%08x' $SPI_BA)" -v b="$B_ADDR" '$1 == 50 && $2 == s && $3 == b' "$TSR_TMP/backbone.txt" | wc -l)
n_udp=$(tshark -r "$PCAP" -Y "($between) && udp" 2>/dev/null | wc -l)
n_other=$(awk -F'\t' '$1 != 50 && $1 != 1' "$TSR_TMP/backbone.txt" | wc -l)
echo "# between the nodes on $LOC1_RTR_IF: $n_all packets, ESP l1->l2 $n_esp_ab, ESP l2->l1 $n_esp_ba, UDP $n_udp"
tsr_expect_ge "ESP l1->l2 (SPI $SPI_AB) on the backbone" "$n_esp_ab" 300
tsr_expect_ge "ESP l2->l1 (SPI $SPI_BA) on the backbone" "$n_esp_ba" 300
tsr_expect_eq "no UDP (plain RTP) between the node addresses" "$n_udp" 0
tsr_expect_eq "nothing but ESP (and the setup's ICMP echo) between the nodes" "$n_other" 0

# ---- counters -----------------------------------------------------------------------------
for n in 1 2; do
	[ $n = 1 ] && id=$A out=$SPI_AB in=$SPI_BA || id=$B out=$SPI_BA in=$SPI_AB
	tsr_node $id
	echo "# $id: out SA $(tsr_ctl esp.sa_stats "{\"spi\":$out,\"direction\":\"out\"}" 2>&1 | tr -d '\n')"
	echo "# $id: in SA $(tsr_ctl esp.sa_stats "{\"spi\":$in,\"direction\":\"in\"}" 2>&1 | tr -d '\n')"
	tsr_expect_ge "$id: outbound SA $out packets" "$(espstat $out out packets)" 300
	tsr_expect_ge "$id: inbound SA $in packets" "$(espstat $in in packets)" 300
	tsr_expect_eq "$id: inbound SA $in auth failures" "$(espstat $in in auth_fail)" 0
	tsr_expect_eq "$id: inbound SA $in replays" "$(espstat $in in replay)" 0
	for f in malformed expired other; do
		tsr_expect_eq "$id: inbound SA $in drops.$f" "$(espstat $in in drops.$f)" 0
	done
	csid=CSID_$n bsid=BSID_$n conf=CONF_$n bpart=BPART_$n
	tsr_expect_eq "$id: client stream SRTP auth failures" "$(tsr_stat "${!csid}" drops.srtp_auth)" 0
	tsr_expect_ge "$id: backplane stream received" "$(tsr_stat "${!bsid}" rx_packets)" 300
	tsr_expect_ge "$id: backplane stream sent" "$(tsr_stat "${!bsid}" tx_packets)" 300
	stats=$(tsr_ctl_ok conference.stats "{\"conference_id\":${!conf}}")
	p=$("$PY" -c 'import json,sys
s = json.loads(sys.argv[1]); i = int(sys.argv[2])
print(next((q["received"] for q in s["participants"] if q["participant"] == i), -1))' "$stats" "${!bpart}")
	tsr_expect_ge "$id: the backplane participant's media reached the engine" "$p" 300
	b=$("$PY" -c 'import json,sys
s = json.loads(sys.argv[1]); i = int(sys.argv[2])
print(next((str(q.get("backplane")).lower() for q in s["participants"] if q["participant"] == i), "missing"))' "$stats" "${!bpart}")
	tsr_expect_eq "$id: conference.stats marks it as a backplane" "$b" true
	tsr_check "$id: data plane still running" tsr_node_alive $id
done

[ "$TSR_FAILS" -eq 0 ] || tsr_nodes_logs
tsr_finish
