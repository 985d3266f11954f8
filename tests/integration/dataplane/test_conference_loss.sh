#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_conference_loss.sh - a conference where one client's path is impaired,
# then a lobby participant with a prompt, through the real data plane.
#
# Three ffmpeg clients over SRTP (AES_CM_128_HMAC_SHA1_80): c1 Opus (in-band
# FEC) sends 440 Hz through tests/integration/lib/impair.py (seeded: 5 %
# loss, 20 ms mean jitter, reordering, duplicates) running in its namespace;
# c2 PCMA sends 660 Hz and c3 G.722 880 Hz directly. Checks:
#   - the relay did impair (drops, duplicates, reordering all > 0);
#   - c2 and c3 still hear c1's 440 Hz, with a share of their recording's
#     energy within bounds, and each other; the data plane stays up;
#   - conference.stats shows concealment for c1 (concealed or FEC-recovered
#     frames > 0, lost > 0) and the duplicates dropped (SRTP replay or the
#     jitter buffer);
#   - then c2 goes to the lobby (conference.update) with pin_entry looping
#     (conference.prompt, from the prompts the build generated): c3 stops
#     hearing c2's 660 Hz, c2 no longer hears the conference tones but hears
#     the prompt, and conference.stats names the prompt.
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

tsr_init conference_loss
tsr_require_dataplane
command -v ffmpeg >/dev/null || tsr_skip "ffmpeg not installed"
ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libopus || tsr_skip "ffmpeg without libopus"
tsr_lab_up tsrcl 3
tsr_dp_start || exit 1

SUITE=AES_CM_128_HMAC_SHA1_80
CODECS=(opus PCMA G722)
PTS=(111 8 9)
TONES=(440 660 880)
SECS=10
SEED=${TSR_IMPAIR_SEED:-7}

for i in 1 2 3; do
	ns=CLIENT${i}_NS
	tsr_ping "${!ns}" "$NODE_ADDR" -c 1 >/dev/null 2>&1
done

conf=$(tsr_ctl_ok conference.create '{"max_participants":8,"speakers":3}') || tsr_bail "conference.create failed"
CONF=$(tsr_json "$conf" conference_id)

declare -a SID PART KIN KOUT
for i in 0 1 2; do
	n=$((i + 1))
	addr=CLIENT${n}_ADDR
	KIN[i]=$(tsr_key $SUITE)
	KOUT[i]=$(tsr_key $SUITE)
	SID[i]=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":$((44100 + 2 * i)),\"remote_ip\":\"${!addr}\",\"remote_port\":5004,\"latch\":false,\"srtp_in\":{\"suite\":\"$SUITE\",\"key\":\"${KIN[i]}\"},\"srtp_out\":{\"suite\":\"$SUITE\",\"key\":\"${KOUT[i]}\"}}") ||
		tsr_bail "stream $i not created"
	extra=""
	[ "$i" = 0 ] && extra=',"channels":1'
	out=$(tsr_ctl_ok conference.attach "{\"conference_id\":$CONF,\"stream_id\":${SID[i]},\"codec\":\"${CODECS[i]}\",\"pt\":${PTS[i]}$extra}") ||
		tsr_bail "attach $i failed"
	PART[i]=$(tsr_json "$out" participant)
done
tsr_ok "three participants attached (${CODECS[*]})"

# Receivers: decode what the conference sends each client.
declare -a RX_PID
for i in 0 1 2; do
	n=$((i + 1))
	ns=CLIENT${n}_NS
	case ${CODECS[i]} in
	opus) rtpmap="a=rtpmap:111 opus/48000/2" ;;
	*) rtpmap="a=rtpmap:${PTS[i]} ${CODECS[i]}/8000" ;;
	esac
	printf 'v=0\r\no=- 0 0 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 5004 RTP/SAVP %s\r\n%s\r\na=crypto:1 %s inline:%s\r\n' \
		"$NODE_ADDR" "$NODE_ADDR" "${PTS[i]}" "$rtpmap" "$SUITE" "${KOUT[i]}" >"$TSR_TMP/rx$n.sdp"
	tsr_bg "${!ns}" "$TSR_TMP/rx$n.log" ffmpeg -hide_banner -nostdin -loglevel warning \
		-protocol_whitelist file,udp,rtp,srtp -i "$TSR_TMP/rx$n.sdp" -t $((SECS + 1)) \
		-ar 16000 -ac 1 -y "$TSR_TMP/rx$n.wav"
	RX_PID[i]=$BG_PID
done

# The impairment relay in c1's namespace: c1 -> 127.0.0.1:7000 -> node.
tsr_bg "$CLIENT1_NS" "$TSR_TMP/impair.log" "$PY" "$TSR_LIB/impair.py" --listen 127.0.0.1:7000 \
	--to "$NODE_ADDR:44100" --bind "$CLIENT1_ADDR:6000" --seed "$SEED" --loss 0.05 \
	--jitter-ms 20 --reorder 0.03 --reorder-ms 50 --dup 0.03 --stats "$TSR_TMP/impair.json"
IMPAIR_PID=$BG_PID
sleep 1

declare -a TX_PID
for i in 0 1 2; do
	n=$((i + 1))
	ns=CLIENT${n}_NS
	case ${CODECS[i]} in
	opus)
		src="sine=frequency=440:sample_rate=48000:samples_per_frame=960"
		enc=(-c:a libopus -ac 1 -b:a 32k -application voip -frame_duration 20 -fec 1
			-packet_loss 5 -payload_type 111)
		dst="srtp://127.0.0.1:7000?localport=6002"
		;;
	PCMA)
		src="sine=frequency=660:sample_rate=8000:samples_per_frame=160"
		enc=(-c:a pcm_alaw)
		dst="srtp://$NODE_ADDR:44102?localport=6000"
		;;
	G722)
		src="sine=frequency=880:sample_rate=16000:samples_per_frame=320"
		enc=(-c:a g722)
		dst="srtp://$NODE_ADDR:44104?localport=6000"
		;;
	esac
	tsr_bg "${!ns}" "$TSR_TMP/tx$n.log" ffmpeg -hide_banner -nostdin -loglevel warning -re \
		-f lavfi -i "$src" -t "$SECS" "${enc[@]}" -f rtp -rtpflags skip_rtcp \
		-srtp_out_suite "$SUITE" -srtp_out_params "${KIN[i]}" "$dst"
	TX_PID[i]=$BG_PID
done

# Phase 2 starts 6 s after the senders: c2 to the lobby with a looping prompt.
sleep 6
tsr_check "c2 to the lobby (conference.update)" tsr_ctl_quiet conference.update \
	"{\"conference_id\":$CONF,\"participant\":${PART[1]},\"lobby\":true}"
tsr_check "pin_entry to c2 (conference.prompt)" tsr_ctl_quiet conference.prompt \
	"{\"conference_id\":$CONF,\"participant\":${PART[1]},\"prompt\":\"pin_entry\",\"loop\":true}"
stats_lobby=$(tsr_ctl_ok conference.stats "{\"conference_id\":$CONF}")
sleep $((SECS - 6 + 2))
for i in 0 1 2; do
	tsr_stop_bg "${RX_PID[i]}" INT
done
tsr_stop_bg "$IMPAIR_PID" TERM

stats=$(tsr_ctl_ok conference.stats "{\"conference_id\":$CONF}")
echo "# conference.stats: $stats" | tr -d '\n'
echo
istats=$(cat "$TSR_TMP/impair.json" 2>/dev/null || echo '{}')
echo "# impair: $istats"

tsr_expect_ge "relay dropped datagrams" "$(tsr_json "$istats" dropped 0)" 1
tsr_expect_ge "relay duplicated datagrams" "$(tsr_json "$istats" duplicated 0)" 1
tsr_expect_ge "relay reordered datagrams" "$(tsr_json "$istats" reordered 0)" 1
tsr_expect_eq "c1 stream: no SRTP authentication failures" "$(tsr_stat "${SID[0]}" drops.srtp_auth)" 0
tsr_expect_ge "c1: packets reached the engine" "$(tsr_json "$stats" "participants.0.received" 0)" 300
tsr_expect_ge "c1: losses seen by the jitter buffer" "$(tsr_json "$stats" "participants.0.lost" 0)" 1
concealed=$(tsr_json "$stats" "participants.0.concealed" 0)
fec=$(tsr_json "$stats" "participants.0.fec_recovered" 0)
tsr_expect_ge "c1: frames concealed or recovered by FEC ($concealed + $fec)" $((concealed + fec)) 1
dups=$(($(tsr_stat "${SID[0]}" drops.srtp_replay) + $(tsr_json "$stats" "participants.0.duplicates" 0)))
tsr_expect_ge "c1: duplicates dropped (SRTP replay + jitter buffer)" "$dups" 1

# Phase 1 (before the lobby, about 1.5-6.5 s into the recordings): c2 and c3
# hear c1 despite the impairment, within bounds, and each other.
tsr_check "c2 (PCMA) hears impaired c1 (440) and c3 (880), not itself" \
	tsr_tone "$TSR_TMP/rx2.wav" --start 2.0 --end 6.5 --expect 440 --expect 880 --absent 660 \
	--threshold 0.2 --absent-threshold 0.05 --min-seconds 3.0
tsr_check "c3 (G.722) hears impaired c1 (440) and c2 (660), not itself" \
	tsr_tone "$TSR_TMP/rx3.wav" --start 2.0 --end 6.5 --expect 440 --expect 660 --absent 880 \
	--threshold 0.2 --absent-threshold 0.05 --min-seconds 3.0
for n in 2 3; do
	share=$(tsr_tone "$TSR_TMP/rx$n.wav" --start 2.0 --end 6.5 --expect 440 --threshold 0 --json |
		"$PY" -c 'import json, sys; print(json.load(sys.stdin)["expect"]["440.0"])' 2>/dev/null || echo ERR)
	tsr_check "c$n: 440 Hz share $share within 0.2..0.8 (one of two equal tones)" \
		"$PY" -c "import sys; sys.exit(0 if 0.2 <= float(sys.argv[1]) <= 0.8 else 1)" "$share"
done

# Phase 2 (lobby from about 7 s): c3 hears c1 only; c2 hears the prompt, not the tones.
tsr_expect_eq "conference.stats names c2's prompt" \
	"$(tsr_json "$stats_lobby" "participants.1.prompt" none)" pin_entry
tsr_expect_eq "conference.stats shows c2 in the lobby" \
	"$(tsr_json "$stats_lobby" "participants.1.lobby" none)" true
tsr_check "c3 after c2 went to the lobby: 440, not 660" \
	tsr_tone "$TSR_TMP/rx3.wav" --start 8.0 --end 10.5 --expect 440 --absent 660 \
	--threshold 0.5 --absent-threshold 0.05 --min-seconds 1.0
tsr_check "c2 in the lobby: hears speech (the prompt), no conference tone" \
	tsr_tone "$TSR_TMP/rx2.wav" --start 8.0 --end 10.5 --absent 440 --absent 880 \
	--absent-threshold 0.05 --min-seconds 1.0
tsr_check "delete the conference" tsr_ctl_quiet conference.delete "{\"conference_id\":$CONF}"
tsr_check "data plane still running" tsr_dp_alive
tsr_finish
