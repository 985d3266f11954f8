#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_conference.sh - a three-party conference mixed by the data plane.
#
# Three clients, each with its own SRTP keys (AES_CM_128_HMAC_SHA1_80) and
# codec: c1 PCMU sends 440 Hz, c2 PCMA sends 660 Hz, c3 G.722 sends 880 Hz,
# all with ffmpeg. Each client also runs an ffmpeg receiver that decrypts and
# decodes what the conference sends it. Checks:
#   - every client hears the two others and not itself (tone.py, Goertzel);
#   - c1 muted mid-call (conference.mute): the others stop hearing 440 Hz
#     while they still hear each other;
#   - no SRTP authentication failures, every participant received packets,
#     and conference.stats shows the packets going in and out.
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

tsr_init conference
tsr_require_dataplane
tsr_lab_up tsrcf 3
tsr_dp_start || exit 1

SUITE=AES_CM_128_HMAC_SHA1_80
CODECS=(PCMU PCMA G722)
FFENC=(pcm_mulaw pcm_alaw g722)
PTS=(0 8 9)
RATES=(8000 8000 16000)
TONES=(440 660 880)
SECS=8

# Warm the neighbour tables (the data plane resolves on demand otherwise).
for i in 1 2 3; do
	ns=CLIENT${i}_NS
	tsr_ping "${!ns}" "$NODE_ADDR" -c 1 >/dev/null 2>&1
done

conf=$(tsr_ctl_ok conference.create '{"max_participants":8,"speakers":3}') || tsr_bail "conference.create failed"
CONF=$(tsr_json "$conf" conference_id)
tsr_ok "conference $CONF created"

declare -a SID PART KIN KOUT
for i in 0 1 2; do
	n=$((i + 1))
	addr=CLIENT${n}_ADDR
	KIN[i]=$(tsr_key $SUITE)
	KOUT[i]=$(tsr_key $SUITE)
	SID[i]=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":$((44000 + 2 * i)),\"remote_ip\":\"${!addr}\",\"remote_port\":5004,\"latch\":false,\"srtp_in\":{\"suite\":\"$SUITE\",\"key\":\"${KIN[i]}\"},\"srtp_out\":{\"suite\":\"$SUITE\",\"key\":\"${KOUT[i]}\"}}") ||
		tsr_bail "stream $i not created"
	out=$(tsr_ctl_ok conference.attach "{\"conference_id\":$CONF,\"stream_id\":${SID[i]},\"codec\":\"${CODECS[i]}\",\"pt\":${PTS[i]}}") ||
		tsr_bail "attach $i failed"
	PART[i]=$(tsr_json "$out" participant)
done
tsr_ok "three participants attached (${CODECS[*]})"

# Receivers first: each decodes what the conference sends it.
declare -a RX_PID
for i in 0 1 2; do
	n=$((i + 1))
	ns=CLIENT${n}_NS
	rtpmap="a=rtpmap:${PTS[i]} ${CODECS[i]}/8000"
	printf 'v=0\r\no=- 0 0 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 5004 RTP/SAVP %s\r\n%s\r\na=crypto:1 %s inline:%s\r\n' \
		"$NODE_ADDR" "$NODE_ADDR" "${PTS[i]}" "$rtpmap" "$SUITE" "${KOUT[i]}" >"$TSR_TMP/rx$n.sdp"
	tsr_bg "${!ns}" "$TSR_TMP/rx$n.log" ffmpeg -hide_banner -nostdin -loglevel warning \
		-protocol_whitelist file,udp,rtp,srtp -i "$TSR_TMP/rx$n.sdp" -t $((SECS + 1)) \
		-ar 8000 -ac 1 -y "$TSR_TMP/rx$n.wav"
	RX_PID[i]=$BG_PID
done
sleep 1
# Senders: a tone each, 20 ms packets.
for i in 0 1 2; do
	n=$((i + 1))
	ns=CLIENT${n}_NS
	spf=$((RATES[i] / 50))
	tsr_bg "${!ns}" "$TSR_TMP/tx$n.log" ffmpeg -hide_banner -nostdin -loglevel warning -re \
		-f lavfi -i "sine=frequency=${TONES[i]}:sample_rate=${RATES[i]}:samples_per_frame=$spf" \
		-t "$SECS" -c:a "${FFENC[i]}" -f rtp -rtpflags skip_rtcp \
		-srtp_out_suite "$SUITE" -srtp_out_params "${KIN[i]}" \
		"srtp://$NODE_ADDR:$((44000 + 2 * i))?localport=6000"
done
sleep 4
tsr_check "mute c1" tsr_ctl_quiet conference.mute "{\"conference_id\":$CONF,\"participant\":${PART[0]},\"muted\":true}"
sleep $((SECS - 4 + 2))
for i in 0 1 2; do
	tsr_stop_bg "${RX_PID[i]}" INT
done

stats=$(tsr_ctl_ok conference.stats "{\"conference_id\":$CONF}")
echo "# conference.stats: $stats" | tr -d '\n'
echo
for i in 0 1 2; do
	tsr_expect_eq "stream $i: no SRTP authentication failures" "$(tsr_stat "${SID[i]}" drops.srtp_auth)" 0
	tsr_expect_ge "participant $i: packets received by the engine" \
		"$(tsr_json "$stats" "participants.$i.received" 0)" 200
	tsr_expect_ge "stream $i: mixed packets sent" "$(tsr_stat "${SID[i]}" tx_packets)" 200
done

# Before the mute: everyone hears the two others, not itself. The receivers
# start about 1 s before the senders; the mute comes about 4 s after them.
for i in 0 1 2; do
	n=$((i + 1))
	args=()
	for j in 0 1 2; do
		if [ "$j" = "$i" ]; then args+=(--absent "${TONES[j]}"); else args+=(--expect "${TONES[j]}"); fi
	done
	tsr_check "c$n (${CODECS[i]}) hears the two others and not itself" \
		tsr_tone "$TSR_TMP/rx$n.wav" --start 2.0 --end 4.2 --threshold 0.25 \
		--absent-threshold 0.05 --min-seconds 1.0 "${args[@]}"
done
# After the mute: c2 and c3 no longer hear c1 (440 Hz), still each other.
tsr_check "c2 after the mute: hears 880, not 440" tsr_tone "$TSR_TMP/rx2.wav" --start 6.0 \
	--end 8.5 --expect 880 --absent 440 --absent 660 --threshold 0.6 --absent-threshold 0.05 \
	--min-seconds 1.0
tsr_check "c3 after the mute: hears 660, not 440" tsr_tone "$TSR_TMP/rx3.wav" --start 6.0 \
	--end 8.5 --expect 660 --absent 440 --absent 880 --threshold 0.6 --absent-threshold 0.05 \
	--min-seconds 1.0
tsr_check "delete the conference" tsr_ctl_quiet conference.delete "{\"conference_id\":$CONF}"
tsr_check "data plane still running" tsr_dp_alive
tsr_finish
