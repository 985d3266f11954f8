#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_bad_input.sh - malformed and hostile packets at a media stream.
#
# Stream A (198.18.0.1:40000, srtp_in AES_CM_128_HMAC_SHA1_80) relays to B
# (:40002, remote c2:5004, srtp_out AES_CM_128_HMAC_SHA1_80); stream C (:40004,
# srtp_in AEAD_AES_128_GCM) relays to D (:40006, remote c2:5006). From c1,
# lib/badinput.py (scapy, packets built with lib/srtp.py) sends, one class at a
# time, with stream and port statistics taken between classes:
#   valid packets (baseline, latches A to c1:5002), truncated UDP, oversized
#   UDP, garbage, RTP version 1/3 with valid tags, bad tags (AES-CM and GCM),
#   replayed valid packets, UDP to unknown ports, a valid packet in IPv4
#   fragments, a valid packet with IPv4 options, an IPv4 header longer than
#   its frame (injected from the LAN namespace: the bridge would drop it).
# Each bad class must raise the expected drop counter by the number sent and
# relay nothing (rx_packets may count the packets or not, but not twice) (B/D tx_packets and datagrams delivered in c2 unchanged). For
# fragments and IP options either outcome is accepted and reported: punted to
# the kernel (and not relayed) or handled in full (relayed once). At the end
# the data plane is alive (ctl ping, ICMP ping).
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

tsr_init bad_input
tsr_require_dataplane
tsr_lab_up tsrbi 2
tsr_dp_start || exit 1

S80=AES_CM_128_HMAC_SHA1_80
SG=AEAD_AES_128_GCM
K1=$(tsr_key $S80)
K2=$(tsr_key $S80)
KG=$(tsr_key $SG)
KG2=$(tsr_key $SG)
JS="$PY $TSR_LIB/jsonstat.py"

tsr_ping "$CLIENT1_NS" "$NODE_ADDR" -c 2 -q
tsr_ping "$CLIENT2_NS" "$NODE_ADDR" -c 2 -q
B=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":40002,\"remote_ip\":\"$CLIENT2_ADDR\",\"remote_port\":5004,\"srtp_out\":{\"suite\":\"$S80\",\"key\":\"$K2\"}}") || tsr_bail "create B"
A=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":40000,\"srtp_in\":{\"suite\":\"$S80\",\"key\":\"$K1\"},\"relay_to\":$B}") || tsr_bail "create A"
D=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":40006,\"remote_ip\":\"$CLIENT2_ADDR\",\"remote_port\":5006,\"srtp_out\":{\"suite\":\"$SG\",\"key\":\"$KG2\"}}") || tsr_bail "create D"
C=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":40004,\"srtp_in\":{\"suite\":\"$SG\",\"key\":\"$KG\"},\"relay_to\":$D}") || tsr_bail "create C"
tsr_ok "streams A=$A B=$B C=$C D=$D created"

# Sinks in c2 so delivered datagrams are counted (InDatagrams).
tsr_bg "$CLIENT2_NS" "$TSR_TMP/sink1.log" socat -u "UDP4-RECV:5004,bind=$CLIENT2_ADDR" OPEN:/dev/null
tsr_bg "$CLIENT2_NS" "$TSR_TMP/sink2.log" socat -u "UDP4-RECV:5006,bind=$CLIENT2_ADDR" OPEN:/dev/null
tsr_wait_port "$CLIENT2_NS" udp 5004 && tsr_wait_port "$CLIENT2_NS" udp 5006 || tsr_fail "sinks did not bind"

N=0
snap() {	# -> $TSR_TMP/s$N.{A,B,C,D,port,lcore}.json, c2 counter
	local id s
	N=$((N + 1))
	for s in A B C D; do
		id=${!s}
		tsr_ctl stream.stats "{\"stream_id\":$id}" >"$TSR_TMP/s$N.$s.json" 2>&1 || echo '{}' >"$TSR_TMP/s$N.$s.json"
	done
	tsr_ctl port.stats >"$TSR_TMP/s$N.port.json" 2>&1 || echo '{}' >"$TSR_TMP/s$N.port.json"
	tsr_ctl lcore.stats >"$TSR_TMP/s$N.lcore.json" 2>&1 || echo '{}' >"$TSR_TMP/s$N.lcore.json"
	tsr_udp_counter "$CLIENT2_NS" InDatagrams >"$TSR_TMP/s$N.c2"
}
d() {	# WHAT NAME : delta of counter NAME in WHAT (A B C D port lcore) over the last step
	$JS delta "$TSR_TMP/s$((N - 1)).$1.json" "$TSR_TMP/s$N.$1.json" "$2" | cut -d. -f1
}
# dpl NAME: change of a node-level counter, in port.stats or lcore.stats
dpl() {
	local p l
	p=$(d port "$1")
	l=$(d lcore "$1")
	[ "$p" -ge "$l" ] && echo "$p" || echo "$l"
}
d_c2() { echo $(($(cat "$TSR_TMP/s$N.c2") - $(cat "$TSR_TMP/s$((N - 1)).c2"))); }
changes() {	# one line with everything that changed in the last step
	local s
	for s in A B C D port lcore; do
		$JS diff "$TSR_TMP/s$((N - 1)).$s.json" "$TSR_TMP/s$N.$s.json" 2>/dev/null | sed "s/^/$s./"
	done | grep -v -E '\.(polls|busy_polls|idle_sleeps|rx_wire|rx_tap|tx_wire|tx_tap|ipackets|opackets|ibytes|obytes|rx_bytes|tx_bytes)[ ]' |
		tr '\n' ' '
}
bad() {	# CMD [ARGS] -- run badinput.py from c1 at stream A (or --port/--suite/--key overrides)
	ip netns exec "$CLIENT1_NS" "$PY" "$TSR_LIB/badinput.py" "$@"
}
settle() { sleep 0.3; }

# Expect: stream counters of S (A or C) moved only by drop reason REASON (+n),
# nothing relayed.
expect_drop() {	# DESC S REASON N RELAY_STREAM
	local desc=$1 s=$2 reason=$3 n=$4 r=$5 got
	echo "# $desc: $(changes)"
	got=$(d "$s" "drops.$reason")
	tsr_expect_eq "$desc: stream $s drops.$reason +$n" "$got" "$n"
	got=$(d "$s" rx_packets)
	if [ "$got" = 0 ] || [ "$got" = "$n" ]; then
		tsr_ok "$desc: stream $s rx_packets +$got (counted once or not at all)"
	else
		tsr_fail "$desc: stream $s rx_packets +$got (want 0 or $n)"
	fi
	tsr_expect_eq "$desc: nothing relayed ($r tx_packets)" "$(d "$r" tx_packets)" 0
	tsr_expect_eq "$desc: nothing delivered in c2" "$(d_c2)" 0
}

snap
# 1. baseline: 5 valid packets, relayed (and A latches c1:5002)
n=$(bad valid 5 --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1000)
settle
snap
echo "# valid: $(changes)"
tsr_expect_eq "valid: A rx_packets +$n" "$(d A rx_packets)" "$n"
tsr_expect_eq "valid: B tx_packets +$n" "$(d B tx_packets)" "$n"
tsr_expect_eq "valid: delivered in c2 +$n" "$(d_c2)" "$n"
n=$(bad valid 3 --dst "$NODE_ADDR" --port 40004 --suite $SG --key "$KG" --seq 500)
settle
snap
tsr_expect_eq "valid GCM: C rx_packets +$n" "$(d C rx_packets)" "$n"
tsr_expect_eq "valid GCM: D tx_packets +$n" "$(d D tx_packets)" "$n"

# 2. truncated
n=$(bad truncated --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1100)
settle
snap
expect_drop "truncated ($n pkts)" A malformed "$n" B

# 3. oversized (random payload behind an RTP header): any drop reason, nothing relayed
n=$(bad oversized --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1200)
settle
snap
echo "# oversized: $(changes)"
total=0
for r in malformed rtp_version srtp_auth srtp_replay src_mismatch; do
	total=$((total + $(d A "drops.$r")))
done
tsr_expect_eq "oversized ($n pkts): A drops (any reason) +$n" "$total" "$n"
tsr_expect_eq "oversized: nothing relayed" "$(d B tx_packets)" 0
tsr_expect_eq "oversized: nothing delivered in c2" "$(d_c2)" 0

# 4. garbage (RTP version 0/1/3)
n=$(bad garbage --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1300)
settle
snap
expect_drop "garbage ($n pkts)" A rtp_version "$n" B

# 5. RTP version 1 and 3 behind valid tags
n=$(bad version --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1400)
settle
snap
expect_drop "RTP version 1/3 with valid tag ($n pkts)" A rtp_version "$n" B

# 6. bad tags
n=$(bad badtag --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1500)
settle
snap
expect_drop "bad HMAC tag ($n pkts)" A srtp_auth "$n" B
n=$(bad badtag --dst "$NODE_ADDR" --port 40004 --suite $SG --key "$KG" --seq 600)
settle
snap
expect_drop "bad GCM tag ($n pkts)" C srtp_auth "$n" D

# 7. replay: one valid packet then the same bytes twice; then an old packet (seq 1000)
n=$(bad replay --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1600)
settle
snap
echo "# replay: $(changes)"
tsr_expect_eq "replay: relayed once (B tx_packets +1)" "$(d B tx_packets)" 1
tsr_expect_eq "replay: delivered once in c2" "$(d_c2)" 1
tsr_expect_eq "replay: A drops.srtp_replay +$((n - 1))" "$(d A drops.srtp_replay)" $((n - 1))
bad valid 1 --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1000 >/dev/null
settle
snap
expect_drop "replay of an old packet (seq 1000, outside the window)" A srtp_replay 1 B
n=$(bad replay --dst "$NODE_ADDR" --port 40004 --suite $SG --key "$KG" --seq 700)
settle
snap
tsr_expect_eq "GCM replay: C drops.srtp_replay +$((n - 1))" "$(d C drops.srtp_replay)" $((n - 1))
tsr_expect_eq "GCM replay: D tx_packets +1" "$(d D tx_packets)" 1

# 8. unknown ports (40001 is A's RTCP port without rtcp-mux: unknown here)
n=$(bad udp 40001 40010 41000 --dst "$NODE_ADDR" --port 40000)
settle
snap
echo "# unknown ports: $(changes)"
tsr_expect_ge "unknown UDP ports: punted (udp_unknown +$n)" "$(dpl udp_unknown)" "$n"
tsr_expect_eq "unknown UDP ports: A rx unchanged" "$(d A rx_packets)" 0
tsr_expect_eq "unknown UDP ports: nothing relayed" "$(d B tx_packets)" 0

# 9. IPv4 fragments carrying a valid packet (seq 1700)
n=$(bad fragments --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1700)
settle
snap
echo "# fragments: $(changes)"
rx=$(d A rx_packets)
tx=$(d B tx_packets)
if [ "$rx" = 0 ] && [ "$tx" = 0 ] && [ "$(d_c2)" = 0 ]; then
	f=$(dpl fragment)
	tsr_expect_eq "IPv4 fragments ($n) to a stream port: punted to the kernel, not relayed" "$f" "$n"
elif [ "$rx" = 1 ] && [ "$tx" = 1 ] && [ "$(d_c2)" = 1 ]; then
	tsr_ok "IPv4 fragments ($n) to a stream port: reassembled and relayed once"
else
	tsr_fail "IPv4 fragments: inconsistent (A rx +$rx, B tx +$tx, c2 +$(d_c2))"
fi

# 10. IPv4 options around a valid packet (seq 1710)
n=$(bad ipoptions --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1710)
settle
snap
echo "# ip options: $(changes)"
rx=$(d A rx_packets)
tx=$(d B tx_packets)
if [ "$rx" = 0 ] && [ "$tx" = 0 ] && [ "$(d_c2)" = 0 ]; then
	f=$(dpl ip_options)
	tsr_expect_eq "IPv4 with options to a stream port: punted to the kernel, not relayed" "$f" "$n"
elif [ "$rx" = 1 ] && [ "$tx" = 1 ] && [ "$(d_c2)" = 1 ]; then
	tsr_ok "IPv4 with options to a stream port: handled and relayed once"
else
	tsr_fail "IPv4 options: inconsistent (A rx +$rx, B tx +$tx, c2 +$(d_c2))"
fi

# 11. IPv4 total length beyond the frame
# (injected from the LAN namespace into the node's veth: the bridge would drop it)
n=$(ip netns exec "$LAN_NS" "$PY" "$TSR_LIB/badinput.py" ipbad --iface "$LAN_NODE_PORT" --dmac "$WIRE_MAC" \
	--src "$CLIENT1_ADDR" --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 1720)
settle
snap
echo "# ip bad length: $(changes)"
tsr_expect_eq "IPv4 length beyond frame: A rx unchanged" "$(d A rx_packets)" 0
tsr_expect_eq "IPv4 length beyond frame: nothing relayed" "$(d B tx_packets)" 0
f=$(dpl ip_truncated)
tsr_expect_eq "IPv4 length beyond frame: dropped as ip_truncated" "$f" "$n"

# 12. still alive, still relaying
tsr_check "data plane still running" tsr_dp_alive
tsr_check "ctl ping answers" tsr_ctl_quiet ping
tsr_check "ICMP ping v4 answers" tsr_ping "$CLIENT1_NS" "$NODE_ADDR" -c 3 -i 0.1
tsr_check "ICMP ping v6 answers" tsr_ping "$CLIENT1_NS" "$NODE_ADDR6" -c 3 -i 0.1
n=$(bad valid 5 --dst "$NODE_ADDR" --port 40000 --key "$K1" --seq 2000)
settle
snap
tsr_expect_eq "valid packets after the abuse: relayed" "$(d B tx_packets)" "$n"
tsr_expect_eq "A still latched to c1" "$(tsr_stat "$A" remote_ip):$(tsr_stat "$A" remote_port)" "$CLIENT1_ADDR:5002"
echo "# final A stats: $(tsr_ctl stream.stats "{\"stream_id\":$A}")"
tsr_finish
