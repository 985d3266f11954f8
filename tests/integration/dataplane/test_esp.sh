#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_esp.sh - the ESP backplane against independent ESP implementations.
#
# c1 plays the peer data plane with scapy's IPsec layer (lib/esp_peer.py),
# c2 is a plain RTP client (kernel UDP sockets).
#  1. Inbound, for AES-256-GCM and AES-256-CBC + HMAC-SHA-512-256 (ESN on;
#     scapy 2.5 leaves the ESN high bits out of its ESP HMAC, so esp_peer.py
#     does that ICV with Python's hmac as RFC 4303 section 2.2.1 says):
#     scapy seals RTP in ESP; the data plane opens it and relays the inner
#     RTP in clear to c2, which checks every payload. Then tampered,
#     replayed, wrong-SPI, truncated and non-UDP packets: each dropped and
#     counted under its reason (per SA and in port.stats), nothing relayed.
#  2. Outbound, both ciphers: c2 sends plain RTP; the data plane relays it
#     through an outbound SA to c1; scapy decrypts every packet (ICV checked)
#     and checks the payloads; tshark decodes the same capture with the SA
#     keys (esp_sa UAT) and must find every ICV good. (tshark 4.0 has no ESN
#     setting, so these SAs run without ESN.)
#  3. Make-before-break rekey under traffic, outbound (GCM, ESN): 400 packets
#     at ~330/s, esp.sa_rekey in the middle; scapy must see all 400 exactly
#     once, under both SPIs.
#  4. Inbound rekey: a second inbound SA next to the first, both accepted;
#     after esp.sa_del of the old one its SPI is unknown (wrong_spi).
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

tsr_init esp
tsr_require_dataplane
command -v tshark >/dev/null || tsr_skip "tshark is not installed"
"$PY" -c 'import scapy.layers.ipsec' 2>/dev/null || tsr_skip "scapy's IPsec layer is missing (python3-scapy)"
tsr_lab_up tsresp 2
tsr_dp_start || exit 1

PEER="$TSR_LIB/esp_peer.py"
N=40
hex() { head -c "$1" /dev/urandom | od -An -tx1 -v | tr -d ' \n'; }
peer() { ip netns exec "$CLIENT1_NS" "$PY" "$PEER" "$@"; }
c2() { ip netns exec "$CLIENT2_NS" "$PY" "$PEER" "$@"; }
espstat() {	# SPI DIR FIELD
	tsr_json "$(tsr_ctl esp.sa_stats "{\"spi\":$1,\"direction\":\"$2\"}" 2>&1)" "$3" ERR
}
espdrop() { tsr_json "$(tsr_ctl port.stats 2>&1)" "esp.drops.$1" ERR; }
jq_() { tsr_json "$1" "$2" ERR; }
# distinct RESULT_JSON: number of distinct RTP sequence numbers
distinct() { "$PY" -c 'import json,sys; print(len(set(json.loads(sys.argv[1])["rtp_seqs"])))' "$1"; }
# stop_bg PID LOG: TERM a helper and print its JSON result
stop_json() {
	tsr_stop_bg "$1" TERM
	tail -n 1 "$2"
}

tsr_ping "$CLIENT1_NS" "$NODE_ADDR" -c 1 -q >/dev/null
tsr_ping "$CLIENT2_NS" "$NODE_ADDR" -c 1 -q >/dev/null

# SA arguments for esp.sa_add and the matching esp_peer.py SA string.
sa_args() {	# CIPHER KEY EXTRA -> JSON fragment
	if [ "$1" = gcm ]; then
		echo "\"cipher\":\"aes256gcm\",\"key\":\"$2\",\"salt\":\"$3\""
	else
		echo "\"cipher\":\"aes256cbc-hmacsha512\",\"key\":\"$2\",\"auth_key\":\"$3\""
	fi
}
extra_for() { if [ "$1" = gcm ]; then hex 4; else hex 64; fi; }

# ---- 1. inbound -------------------------------------------------------------------
port=40000
for c in gcm cbc; do
	[ "$c" = gcm ] && spi=4352 || spi=4608
	K=$(hex 32)
	X=$(extra_for $c)
	eval "IN_${c}_K=$K IN_${c}_X=$X IN_${c}_SPI=$spi IN_${c}_PORT=$port"
	tsr_ctl_ok esp.sa_add "{\"spi\":$spi,\"direction\":\"in\",$(sa_args $c "$K" "$X"),\"local\":\"$NODE_ADDR\",\"remote\":\"$CLIENT1_ADDR\",\"esn\":true}" >/dev/null ||
		tsr_bail "esp.sa_add in $c"
	B=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":$((port + 2)),\"remote_ip\":\"$CLIENT2_ADDR\",\"remote_port\":$((port - 35000))}") || tsr_bail "stream B"
	A=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":$port,\"relay_to\":$B,\"latch\":false}") || tsr_bail "stream A"
	tsr_bg "$CLIENT2_NS" "$TSR_TMP/in-$c.recv" "$PY" "$PEER" udprecv --bind "$CLIENT2_ADDR" --port $((port - 35000)) --seconds 120
	rpid=$BG_PID
	tsr_wait_port "$CLIENT2_NS" udp $((port - 35000)) || tsr_fail "$c: receiver did not bind"
	d0_spi=$(espdrop wrong_spi) d0_mal=$(espdrop malformed) d0_inner=$(espdrop inner_proto)
	sa="$spi:$c:$K:$X:esn"
	peer send --sa "$sa" --src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --dport $port --count $N --gap 0.002 >/dev/null
	peer send --sa "$sa" --src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --dport $port --count 5 --seq $((N + 1)) --rtp-seq 1000 --mode replay >/dev/null
	peer send --sa "$sa" --src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --dport $port --count 5 --seq $((N + 6)) --rtp-seq 2000 --mode tamper >/dev/null
	peer send --sa "$sa" --src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --dport $port --count 3 --seq $((N + 11)) --rtp-seq 3000 --mode tcp >/dev/null
	peer send --sa "$sa" --src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --dport $port --count 5 --seq $((N + 14)) --rtp-seq 4000 --mode wrongspi >/dev/null
	peer send --sa "$sa" --src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --dport $port --count 3 --seq $((N + 19)) --rtp-seq 5000 --mode truncate >/dev/null
	sleep 0.5
	r=$(stop_json "$rpid" "$TSR_TMP/in-$c.recv")
	echo "# inbound $c: c2 got $r" | cut -c1-200
	echo "# inbound $c: SA $(tsr_ctl esp.sa_stats "{\"spi\":$spi,\"direction\":\"in\"}")"
	tsr_expect_eq "inbound $c: c2 received the $N + 5 authentic RTP packets intact" "$(jq_ "$r" ok)" $((N + 5))
	tsr_expect_eq "inbound $c: no corrupted payload reached c2" "$(jq_ "$r" bad)" 0
	tsr_expect_eq "inbound $c: B relayed exactly those" "$(tsr_stat "$B" tx_packets)" $((N + 5))
	tsr_expect_eq "inbound $c: SA packets (authentic, incl. 3 non-UDP)" "$(espstat $spi in packets)" $((N + 8))
	tsr_expect_eq "inbound $c: tampered -> auth_fail" "$(espstat $spi in auth_fail)" 5
	tsr_expect_eq "inbound $c: replayed -> replay" "$(espstat $spi in replay)" 5
	tsr_expect_eq "inbound $c: truncated -> SA drops.malformed" "$(espstat $spi in drops.malformed)" 3
	tsr_expect_eq "inbound $c: wrong SPI -> port.stats esp.drops.wrong_spi" "$(tsr_sub "$(espdrop wrong_spi)" "$d0_spi")" 5
	tsr_expect_eq "inbound $c: truncated -> esp.drops.malformed" "$(tsr_sub "$(espdrop malformed)" "$d0_mal")" 3
	tsr_expect_eq "inbound $c: TCP inside -> esp.drops.inner_proto" "$(tsr_sub "$(espdrop inner_proto)" "$d0_inner")" 3
	port=$((port + 100))
done

# ---- 2. outbound ------------------------------------------------------------------
port=40010
for c in gcm cbc; do
	[ "$c" = gcm ] && spi=8448 || spi=8704
	K=$(hex 32)
	X=$(extra_for $c)
	rport=$((port - 35000))
	tsr_ctl_ok esp.sa_add "{\"spi\":$spi,\"direction\":\"out\",$(sa_args $c "$K" "$X"),\"local\":\"$NODE_ADDR\",\"remote\":\"$CLIENT1_ADDR\",\"esn\":false}" >/dev/null ||
		tsr_bail "esp.sa_add out $c"
	D=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":$port,\"remote_ip\":\"$CLIENT1_ADDR\",\"remote_port\":$rport,\"esp_sa\":$spi,\"latch\":false}") || tsr_bail "stream D"
	C=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":$((port + 2)),\"relay_to\":$D}") || tsr_bail "stream C"
	tsr_bg "$CLIENT1_NS" "$TSR_TMP/out-$c.sniff" "$PY" "$PEER" sniff --iface eth0 --src "$NODE_ADDR" \
		--sa "$spi:$c:$K:$X" --dport $rport --seconds 120 --pcap "$TSR_TMP/out-$c.pcap"
	spid=$BG_PID
	sleep 2.5 # scapy import and capture socket
	c2 udpsend --dst "$NODE_ADDR" --dport $((port + 2)) --sport $((port - 34990)) --count $N --gap 0.003 >/dev/null
	sleep 0.5
	r=$(stop_json "$spid" "$TSR_TMP/out-$c.sniff")
	echo "# outbound $c: scapy $(echo "$r" | cut -c1-160)"
	tsr_expect_eq "outbound $c: every packet to c1 is ESP" "$(jq_ "$r" esp)" $N
	tsr_expect_eq "outbound $c: scapy decrypted and checked all of them" "$(jq_ "$r" ok)" $N
	tsr_expect_eq "outbound $c: distinct RTP packets" "$(distinct "$r")" $N
	tsr_expect_eq "outbound $c: SA packets" "$(espstat $spi out packets)" $N
	if [ "$c" = gcm ]; then
		enc="AES-GCM with 16 octet ICV [RFC4106]" ekey="0x$K$X" auth="NULL" akey=""
	else
		enc="AES-CBC [RFC3602]" ekey="0x$K" auth="HMAC-SHA-512-256 [RFC4868]" akey="0x$X"
	fi
	uat=$(printf '"IPv4","%s","%s","0x%08x","%s","%s","%s","%s"' "$NODE_ADDR" "$CLIENT1_ADDR" "$spi" "$enc" "$ekey" "$auth" "$akey")
	tshark -r "$TSR_TMP/out-$c.pcap" -o esp.enable_encryption_decode:TRUE \
		-o esp.enable_authentication_check:TRUE -o "uat:esp_sa:$uat" \
		-T fields -e esp.spi -e esp.icv_good -e esp.icv_bad -e udp.dstport \
		>"$TSR_TMP/out-$c.tshark" 2>"$TSR_TMP/out-$c.tshark.err"
	good=$(awk -F'\t' -v p=$rport '$2 == 1 && $4 == p' "$TSR_TMP/out-$c.tshark" | wc -l)
	badicv=$(awk -F'\t' '$3 == 1' "$TSR_TMP/out-$c.tshark" | wc -l)
	echo "# tshark $c: $(head -n 2 "$TSR_TMP/out-$c.tshark" | tr '\t\n' ' ')"
	tsr_expect_eq "outbound $c: tshark decrypts to UDP :$rport with a good ICV" "$good" $N
	tsr_expect_eq "outbound $c: tshark finds no bad ICV" "$badicv" 0
	port=$((port + 100))
done

# ---- 3. make-before-break rekey, outbound, under traffic --------------------------------
K1=$(hex 32) S1=$(hex 4) K2=$(hex 32) S2=$(hex 4)
M=400
tsr_ctl_ok esp.sa_add "{\"spi\":8960,\"direction\":\"out\",$(sa_args gcm "$K1" "$S1"),\"local\":\"$NODE_ADDR\",\"remote\":\"$CLIENT1_ADDR\"}" >/dev/null || tsr_bail "sa_add 8960"
D=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":40300,\"remote_ip\":\"$CLIENT1_ADDR\",\"remote_port\":5300,\"esp_sa\":8960,\"latch\":false}") || tsr_bail "stream D3"
C=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":40302,\"relay_to\":$D}") || tsr_bail "stream C3"
tsr_bg "$CLIENT1_NS" "$TSR_TMP/rekey.sniff" "$PY" "$PEER" sniff --iface eth0 --src "$NODE_ADDR" \
	--sa "8960:gcm:$K1:$S1:esn" --sa "8961:gcm:$K2:$S2:esn" --dport 5300 --seconds 120
spid=$BG_PID
sleep 2.5
tsr_bg "$CLIENT2_NS" "$TSR_TMP/rekey.send" "$PY" "$PEER" udpsend --dst "$NODE_ADDR" --dport 40302 --sport 5302 --count $M --gap 0.003
sendpid=$BG_PID
sleep 0.6
rk=$(tsr_ctl_ok esp.sa_rekey "{\"spi\":8960,\"direction\":\"out\",\"new_spi\":8961,\"key\":\"$K2\",\"salt\":\"$S2\"}")
tsr_expect_eq "rekey: the stream switched to the new SA" "$(jq_ "$rk" streams_switched)" 1
tsr_wait_exit "$sendpid" 20 || tsr_fail "rekey: the sender did not finish"
sleep 0.5
r=$(stop_json "$spid" "$TSR_TMP/rekey.sniff")
echo "# rekey: $(echo "$r" | cut -c1-160)"
tsr_expect_eq "rekey: every packet arrived, decrypted" "$(jq_ "$r" ok)" $M
tsr_expect_eq "rekey: no packet lost or doubled" "$(distinct "$r")" $M
tsr_expect_eq "rekey: nothing undecryptable" "$(jq_ "$r" bad)" 0
tsr_expect_ge "rekey: packets under the old SPI" "$(jq_ "$r" by_spi.8960 0)" 1
tsr_expect_ge "rekey: packets under the new SPI" "$(jq_ "$r" by_spi.8961 0)" 1
tsr_expect_eq "rekey: old SA has no stream left" "$(espstat 8960 out streams)" 0
tsr_check "rekey: old outbound SA deleted (break)" tsr_ctl_quiet esp.sa_del '{"spi":8960,"direction":"out"}'

# ---- 4. inbound rekey ------------------------------------------------------------------
K3=$(hex 32) S3=$(hex 4)
tsr_ctl_ok esp.sa_add "{\"spi\":4353,\"direction\":\"in\",$(sa_args gcm "$K3" "$S3"),\"local\":\"$NODE_ADDR\",\"remote\":\"$CLIENT1_ADDR\",\"esn\":true}" >/dev/null || tsr_bail "sa_add 4353"
port=$IN_gcm_PORT
tsr_bg "$CLIENT2_NS" "$TSR_TMP/inrekey.recv" "$PY" "$PEER" udprecv --bind "$CLIENT2_ADDR" --port $((port - 35000)) --seconds 120
rpid=$BG_PID
tsr_wait_port "$CLIENT2_NS" udp $((port - 35000)) || tsr_fail "inbound rekey: receiver did not bind"
for i in 1 2 3 4 5; do
	peer send --sa "$IN_gcm_SPI:gcm:$IN_gcm_K:$IN_gcm_X:esn" --src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --dport $port --count 2 --seq $((100 + 2 * i)) --rtp-seq $((6000 + 4 * i)) >/dev/null
	peer send --sa "4353:gcm:$K3:$S3:esn" --src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --dport $port --count 2 --seq $((2 * i)) --rtp-seq $((6002 + 4 * i)) >/dev/null
done
tsr_check "inbound rekey: old inbound SA deleted" tsr_ctl_quiet esp.sa_del "{\"spi\":$IN_gcm_SPI,\"direction\":\"in\"}"
d0=$(espdrop wrong_spi)
peer send --sa "$IN_gcm_SPI:gcm:$IN_gcm_K:$IN_gcm_X:esn" --src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --dport $port --count 4 --seq 200 --rtp-seq 7000 >/dev/null
peer send --sa "4353:gcm:$K3:$S3:esn" --src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --dport $port --count 2 --seq 20 --rtp-seq 7100 >/dev/null
sleep 0.5
r=$(stop_json "$rpid" "$TSR_TMP/inrekey.recv")
tsr_expect_eq "inbound rekey: both SAs accepted while both exist, the new one after" "$(jq_ "$r" ok)" 22
tsr_expect_eq "inbound rekey: the deleted SPI is unknown" "$(tsr_sub "$(espdrop wrong_spi)" "$d0")" 4

# ---- the end ------------------------------------------------------------------------------
tsr_expect_eq "esp.sa_list counts every SA" "$(jq_ "$(tsr_ctl esp.sa_list)" total_count)" 5
tsr_check "data plane alive (ping)" tsr_ctl_quiet ping
tsr_finish
