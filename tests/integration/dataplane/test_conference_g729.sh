#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_conference_g729.sh - G.729 participants of data plane conferences.
#
# Conference A: c1 sends a 440 Hz tone in PCMU (ffmpeg, SRTP); two G.729
# participants hear it:
#   - c2, where GStreamer receives the SRTP and depayloads the G.729 frames
#     (srtpdec, rtpg729depay) and ffmpeg's own G.729 decoder (libavcodec
#     g729, independent of the engine's bcg729) decodes them: it must hear
#     the tone, and every payload must be 20 octets (two 10 ms frames);
#   - a second G.729 stream whose packets c3 forwards unchanged (socat) to a
#     G.729 participant of conference B, where c3's PCMA receiver (ffmpeg)
#     must hear the tone too: the engine's G.729 receive path (SRTP, jitter
#     buffer, bcg729 decode, resampling, mix) on real packets.
# What this does not prove: that the engine decodes another vendor's G.729
# encoder. No G.729 encoder other than bcg729 is packaged here (ffmpeg and
# GStreamer only decode it), so what conference B decodes was encoded by the
# same library; the unit tests cover Annex B SID frames.
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

tsr_init conference_g729
tsr_require_dataplane
ffmpeg -hide_banner -decoders 2>/dev/null | grep -q ' g729 ' ||
	tsr_skip "this ffmpeg has no g729 decoder"
command -v socat >/dev/null || tsr_skip "socat not installed"
tsr_lab_up tsrg9 3
tsr_dp_start || exit 1

SUITE=AES_CM_128_HMAC_SHA1_80
SECS=8

for i in 1 2 3; do
	ns=CLIENT${i}_NS
	tsr_ping "${!ns}" "$NODE_ADDR" -c 1 >/dev/null 2>&1
done

# stream NAME PORT REMOTE_ADDR REMOTE_PORT KIN KOUT -> sets SID_NAME
stream() {
	local id
	id=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":$2,\"remote_ip\":\"$3\",\"remote_port\":$4,\"latch\":false,\"srtp_in\":{\"suite\":\"$SUITE\",\"key\":\"$5\"},\"srtp_out\":{\"suite\":\"$SUITE\",\"key\":\"$6\"}}") ||
		tsr_bail "stream $1 not created"
	printf -v "SID_$1" '%s' "$id"
}
# attach CONF STREAM CODEC [MORE_JSON] -> sets PART (runs in this shell, so skip/bail end the test)
attach() {
	local out
	out=$(tsr_ctl conference.attach "{\"conference_id\":$1,\"stream_id\":$2,\"codec\":\"$3\"${4:-}}" 2>&1)
	case "$out" in
	*ENOTSUP*) tsr_skip "this data plane has no G.729 (built without bcg729): $out" ;;
	*'"participant"'*) PART=$(tsr_json "$out" participant) ;;
	*) tsr_bail "attach $3 to conference $1 failed: $out" ;;
	esac
}

CA=$(tsr_json "$(tsr_ctl_ok conference.create '{"max_participants":4}')" conference_id) ||
	tsr_bail "conference A not created"
CB=$(tsr_json "$(tsr_ctl_ok conference.create '{"max_participants":4}')" conference_id) ||
	tsr_bail "conference B not created"
K1I=$(tsr_key $SUITE) K1O=$(tsr_key $SUITE) K2I=$(tsr_key $SUITE) K2O=$(tsr_key $SUITE)
KL=$(tsr_key $SUITE) K3I=$(tsr_key $SUITE) K3O=$(tsr_key $SUITE)
stream c1 45000 "$CLIENT1_ADDR" 5004 "$K1I" "$K1O"
stream c2 45002 "$CLIENT2_ADDR" 5004 "$K2I" "$K2O"
# The loop: conference A's second G.729 stream sends to c3:5006 under KL,
# socat there sends each datagram on to conference B's G.729 stream (in: KL).
stream la 45004 "$CLIENT3_ADDR" 5006 "$K3I" "$KL"
stream lb 45006 "$CLIENT3_ADDR" 5008 "$KL" "$K3I"
stream c3 45008 "$CLIENT3_ADDR" 5010 "$K3I" "$K3O"
attach "$CA" "$SID_c1" PCMU
P1=$PART
attach "$CA" "$SID_c2" G729 ',"ssrc":2021'
P2=$PART
attach "$CA" "$SID_la" G729
attach "$CB" "$SID_lb" G729
PB=$PART
attach "$CB" "$SID_c3" PCMA
tsr_ok "conference A: c1 PCMU, c2 G729, loop G729; conference B: loop G729, c3 PCMA"

# Receivers: GStreamer takes c2's G.729 frames out of SRTP (ffmpeg has no
# G.729 RTP depayloader) for ffmpeg's decoder below; c3 decodes PCMA.
sdp() { # FILE PT RTPMAP KEY
	printf 'v=0\r\no=- 0 0 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/SAVP %s\r\na=rtpmap:%s %s\r\na=crypto:1 %s inline:%s\r\n' \
		"$NODE_ADDR" "$NODE_ADDR" "$5" "$2" "$2" "$3" "$SUITE" "$4" >"$1"
}
sdp "$TSR_TMP/rx3.sdp" 8 PCMA/8000 "$K3O" 5010
caps="application/x-srtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)G729"
caps+=",payload=(int)18,ssrc=(uint)2021,srtp-key=(buffer)$(tsr_b64_to_hex "$K2O")"
caps+=",srtp-cipher=(string)aes-128-icm,srtp-auth=(string)hmac-sha1-80"
caps+=",srtcp-cipher=(string)aes-128-icm,srtcp-auth=(string)hmac-sha1-80"
tsr_bg "$CLIENT2_NS" "$TSR_TMP/rx2.log" gst-launch-1.0 -e udpsrc address="$CLIENT2_ADDR" \
	port=5004 caps="$caps" ! srtpdec name=dec ! rtpjitterbuffer latency=100 ! rtpg729depay \
	! filesink location="$TSR_TMP/rx2.g729" dec.rtcp_src ! fakesink
RX2=$BG_PID
tsr_bg "$CLIENT3_NS" "$TSR_TMP/rx3.log" ffmpeg -hide_banner -nostdin -loglevel warning \
	-protocol_whitelist file,udp,rtp,srtp -i "$TSR_TMP/rx3.sdp" -t $((SECS + 1)) \
	-ar 8000 -ac 1 -y "$TSR_TMP/rx3.wav"
RX3=$BG_PID
tsr_bg "$CLIENT3_NS" "$TSR_TMP/socat.log" socat -u "UDP4-RECV:5006,bind=$CLIENT3_ADDR" \
	"UDP4-SENDTO:$NODE_ADDR:45006,bind=$CLIENT3_ADDR:5008"
sleep 1
tsr_bg "$CLIENT1_NS" "$TSR_TMP/tx1.log" ffmpeg -hide_banner -nostdin -loglevel warning -re \
	-f lavfi -i "sine=frequency=440:sample_rate=8000:samples_per_frame=160" -t "$SECS" \
	-c:a pcm_mulaw -f rtp -rtpflags skip_rtcp -srtp_out_suite "$SUITE" -srtp_out_params "$K1I" \
	"srtp://$NODE_ADDR:45000?localport=6000"
sleep $((SECS + 2))
tsr_stop_bg "$RX2" INT
tsr_stop_bg "$RX3" INT
ffmpeg -hide_banner -nostdin -loglevel warning -f g729 -i "$TSR_TMP/rx2.g729" -ar 8000 -ac 1 \
	-y "$TSR_TMP/rx2.wav" >"$TSR_TMP/dec2.log" 2>&1 || tsr_fail "ffmpeg could not decode c2's G.729"

sa=$(tsr_ctl_ok conference.stats "{\"conference_id\":$CA}")
sb=$(tsr_ctl_ok conference.stats "{\"conference_id\":$CB}")
echo "# conference A: $sa" | tr -d '\n'
echo
echo "# conference B: $sb" | tr -d '\n'
echo
for s in c1 c2 la lb c3; do
	v=SID_$s
	tsr_expect_eq "stream $s: no SRTP authentication failures" "$(tsr_stat "${!v}" drops.srtp_auth)" 0
done
tsr_expect_ge "A: c1's PCMU reached the engine" "$(tsr_json "$sa" "participants.$P1.received" 0)" 300
pk=$(tsr_json "$sa" "participants.$P2.tx_packets" 0)
oc=$(tsr_json "$sa" "participants.$P2.tx_octets" 0)
tsr_expect_ge "A: G.729 packets made for c2" "$pk" 300
tsr_expect_eq "A: every G.729 payload to c2 is 20 octets (2 x 10 ms)" "$((oc / (pk > 0 ? pk : 1)))" 20
tsr_expect_ge "B: G.729 packets from the loop reached the engine" \
	"$(tsr_json "$sb" "participants.$PB.received" 0)" 300
tsr_expect_eq "B: no G.729 decode errors" "$(tsr_json "$sb" "participants.$PB.decode_errors" 0)" 0
tsr_check "c2: ffmpeg's G.729 decoder hears c1's 440 Hz" \
	tsr_tone "$TSR_TMP/rx2.wav" --start 2.0 --end 7.0 --expect 440 --threshold 0.5 --min-seconds 2.0
tsr_check "c3 (conference B, PCMA) hears 440 Hz through two G.729 legs" \
	tsr_tone "$TSR_TMP/rx3.wav" --start 2.0 --end 7.0 --expect 440 --threshold 0.5 --min-seconds 2.0
tsr_expect_eq "c2: ffmpeg's G.729 decoder reported no error" \
	"$(grep -vc 'Estimating duration' "$TSR_TMP/dec2.log")" 0
tsr_check "delete the conferences" tsr_ctl_quiet conference.delete "{\"conference_id\":$CA}"
tsr_ctl_quiet conference.delete "{\"conference_id\":$CB}"
tsr_check "data plane still running" tsr_dp_alive
tsr_finish
