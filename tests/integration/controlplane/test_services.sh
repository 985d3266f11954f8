#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_services.sh - VMR, Virtual Reception and Test Call with real SIP clients.
#
# Lab (tools/tessera-lab, prefix cpsv, 3 clients): tessera-dataplane and
# tessera-node in the node namespace, services from a JSON file:
#   "Alice"     VMR, Host PIN 1234, Guest PIN 5678 (meet.alice, 7001)
#   "Open room" VMR without PIN (open, 7002)
#   "Reception" Virtual Reception, destinations 7xxx (ivr)
#   "Test Call" test_call
#   "Hall"      Virtual Auditorium, Host PIN 4321, Guest PIN 8765, Guests muted
# with guests_only_timeout 0, so Guests leave as soon as the last Host does.
# Checks:
#   - sipp into "open": G.711 answer keeping telephone-event, hold
#     (sendonly -> recvonly), resume, BYE; the participant shows in the
#     node's status while up and the data plane stream is gone after; while
#     held (3 s) the data plane has it "send": false and tshark in its
#     namespace sees no RTP to its media port, ~50 packets/s before and after;
#   - sipp INVITE without SDP: the node offers, the ACK answers;
#   - baresip test call over TLS + SRTP: it hears its own 1000 Hz tone
#     about 2 s late (silence before), then the node hangs up;
#   - baresip Guest (PIN 5678 by DTMF) waits for the Host; baresip Host
#     (PIN 1234) joins; each hears the other's tone and not its own;
#   - lock: a Guest dialling meet.alice**5678 waits behind the lock; the
#     disconnect command ends it; mute_guests mutes the Guest in status;
#   - the Host hangs up: the Guest is disconnected (guests-only timeout 0);
#   - three wrong PINs: the node hangs up, three "Incorrect PIN" admin events;
#   - reception: baresip keys 7002# and lands in "Open room"; sipp dialling
#     ivr**7002 lands there directly;
#   - dial-out from "Open room" to a sipp UAS with a DTMF sequence: it joins
#     as a Guest and tshark at the callee decodes the RFC 4733 digits 1 2 #;
#   - Virtual Auditorium: the data plane has the Guest hearing Hosts only and
#     muted (mute_all_guests), the Host hearing everyone;
#   - a malformed control request gets an error reply, the node keeps going;
#   - SIGTERM stops the node cleanly.
#
# Context: integration test, root, network namespaces. Environment: TSR_BUILD,
# TSR_SRC (lib/common.sh), TSR_KEEP=1 keeps logs and recordings.

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
SIPP_DIR="$HERE/sipp"
NODE_BIN=${NODE_BIN:-$TSR_BUILD/controlplane/tessera-node}
NODE_PID=""

tsr_init cp_services
tsr_require_dataplane
[ -x "$NODE_BIN" ] || tsr_bail "missing $NODE_BIN (build first: ninja -C $TSR_BUILD)"
command -v sipp >/dev/null || tsr_skip "sipp not installed (tools/deps.sh)"
command -v baresip >/dev/null || tsr_skip "baresip not installed (tools/deps.sh)"
tsr_lab_up cpsv 3
tsr_dp_start || exit 1

cat >"$TSR_TMP/objects.json" <<EOF
{
  "conference": [
    {"id": 1, "name": "Alice", "pin": "1234", "allow_guests": true, "guest_pin": "5678",
     "aliases": [{"alias": "meet.alice"}, {"alias": "7001"}]},
    {"id": 2, "name": "Open room", "aliases": [{"alias": "open"}, {"alias": "7002"}]},
    {"id": 3, "name": "Reception", "service_type": "two_stage_dialing",
     "match_string": "(7[0-9]{3})", "aliases": [{"alias": "ivr"}]},
    {"id": 4, "name": "Test Call", "service_type": "test_call",
     "aliases": [{"alias": "test_call"}]},
    {"id": 5, "name": "Hall", "service_type": "lecture", "pin": "4321", "allow_guests": true,
     "guest_pin": "8765", "mute_all_guests": true, "aliases": [{"alias": "hall"}]}
  ],
  "global": {"guests_only_timeout": 0}
}
EOF

NODE_LOG="$TSR_TMP/node.log"
NODE_CTL="$TSR_TMP/node.sock"
tsr_bg "$NODE_NS" "$NODE_LOG" "$NODE_BIN" --media-addr "$NODE_ADDR" \
	--objects "$TSR_TMP/objects.json" --dp-sock "$DP_SOCK" --tls-dir "$TSR_TMP/tls" \
	--ctl-sock "$NODE_CTL" --test-call-duration 6 --log-level debug
NODE_PID=$BG_PID
tsr_check "node listens on TCP 5060" tsr_wait_port "$NODE_NS" tcp 5060 || tsr_finish
tsr_check "node listens on TLS 5061" tsr_wait_port "$NODE_NS" tcp 5061

node_alive() { kill -0 "$NODE_PID" 2>/dev/null; }
node_ctl() { "$PY" "$TSR_LIB/nodectl.py" "$NODE_CTL" "$@"; }
tsr_expect_ge "the node reports its data plane's measured capacity (units)" \
	"$(tsr_json "$(node_ctl status)" capacity_units 0)" 1

# part ALIAS_OR_SOURCE FIELD: a field of the first participant whose
# destination alias or source matches (substring), from the node's status.
part() {
	node_ctl status | "$PY" -c '
import json, sys
st = json.load(sys.stdin)
for p in st["participants"]:
    if sys.argv[1] in p["destination_alias"] or sys.argv[1] in p["source_alias"]:
        v = p.get(sys.argv[2])
        print(str(v).lower() if isinstance(v, bool) else v)
        sys.exit(0)
print("none")' "$@"
}

# wait_part MATCH FIELD VALUE [SECONDS]: poll the status until it shows VALUE.
wait_part() {
	local n=$((${4:-10} * 10))
	for _ in $(seq "$n"); do
		[ "$(part "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	echo "# $1.$2 is $(part "$1" "$2"), expected $3"
	return 1
}

# dp_part ALIAS FIELD: the participant's entry in the data plane's conference.stats.
dp_part() {
	local conf idx
	conf=$(part "$1" media_conference)
	idx=$(part "$1" media_participant)
	tsr_ctl conference.stats "{\"conference_id\": $conf}" | "$PY" -c '
import json, sys
for p in json.load(sys.stdin)["participants"]:
    if p["participant"] == int(sys.argv[1]):
        v = p.get(sys.argv[2])
        print(str(v).lower() if isinstance(v, bool) else v)' "$idx" "$2"
}

# wait_dp_part MATCH FIELD VALUE [SECONDS]: poll conference.stats until it shows VALUE.
wait_dp_part() {
	local n=$((${4:-10} * 10))
	for _ in $(seq "$n"); do
		[ "$(dp_part "$1" "$2" 2>/dev/null)" = "$3" ] && return 0
		sleep 0.1
	done
	echo "# data plane $1.$2 is $(dp_part "$1" "$2" 2>/dev/null), expected $3"
	return 1
}

count_parts() { node_ctl status | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["participants"]))'; }

# sipp_bg NS ADDR PORT SCENARIO ALIAS [ARGS...]: sipp call in the background (BG_PID).
sipp_bg() {
	local ns=$1 addr=$2 port=$3 sf=$4 alias=$5
	shift 5
	tsr_bg "$ns" "$TSR_TMP/sipp-$sf-$port.log" timeout 70 sipp -nostdin -t t1 -sf "$SIPP_DIR/$sf" \
		-m 1 -i "$addr" -p "$port" -mp $((port + 1000)) -s "$alias" -timeout 65s \
		-trace_msg -message_file "$TSR_TMP/sipp-$sf-$port.msg" "$@" "$NODE_ADDR:5060"
}

# ---- sipp: a plain call with hold and resume ----------------------------------------------
# Each RTP packet the node sends to the caller's media port (6090; its RTCP goes to 6091).
tsr_bg "$CLIENT3_NS" "$TSR_TMP/hold-rtp.txt" timeout 25 tshark -l -n -i eth0 \
	-f "udp and src host $NODE_ADDR and dst port 6090" -T fields -e frame.time_epoch
HOLD_SHARK=$BG_PID
sleep 1
sipp_bg "$CLIENT3_NS" "$CLIENT3_ADDR" 5090 svc_call.xml open -d 3000
SIPP=$BG_PID
tsr_check "sipp caller connected into 'Open room'" wait_part sipp conference "Open room"
tsr_expect_eq "it is in the conference" "$(part sipp state)" connected
tsr_expect_eq "codec chosen by preference among the offer's" "$(part sipp audio_codec)" PCMU
tsr_expect_eq "no PIN: it is a Host" "$(part sipp role)" chair
tsr_expect_eq "one data plane stream" "$(tsr_json "$(tsr_ctl stream.list '{}')" total_count)" 1
tsr_expect_eq "sendrecv: the data plane sends to it and mixes it" \
	"$(dp_part sipp send)/$(dp_part sipp recv)" true/true
tsr_check "hold (a=sendonly): the data plane sends it nothing" wait_dp_part sipp send false 8
tsr_expect_eq "and still mixes what it sends (music on hold is allowed)" "$(dp_part sipp recv)" true
tsr_check "resume (a=sendrecv): the data plane sends to it again" wait_dp_part sipp send true 8
tsr_check "answer, hold, resume and BYE as expected (sipp checks)" tsr_wait_exit "$SIPP" 20
tsr_stop_bg "$HOLD_SHARK"
# The longest silence in the RTP to the caller, and the packets in the second
# before and after it: the hold (3 s) with nothing, about 50 a second around it.
read -r hold_gap hold_before hold_after < <("$PY" -c '
import sys
t = sorted(float(l) for l in open(sys.argv[1]) if l.strip().replace(".", "", 1).isdigit())
if len(t) < 2:
    print(0, 0, 0)
    sys.exit()
g, i = max((t[k + 1] - t[k], k) for k in range(len(t) - 1))
a, b = t[i], t[i + 1]
print(int(g * 1000), sum(a - 1 < x <= a for x in t), sum(b <= x < b + 1 for x in t))' \
	"$TSR_TMP/hold-rtp.txt")
tsr_log "RTP to the caller: longest gap ${hold_gap} ms, ${hold_before} packets in the second" \
	"before it, ${hold_after} in the second after"
tsr_expect_ge "held: no RTP to the caller for 2 s or more (ms)" "$hold_gap" 2000
tsr_expect_ge "before the hold: ~50 RTP packets a second" "$hold_before" 40
tsr_expect_ge "after the resume: ~50 RTP packets a second" "$hold_after" 40
tsr_check "the participant is gone after BYE" wait_part sipp state none 5
tsr_expect_eq "stream deleted" "$(tsr_json "$(tsr_ctl stream.list '{}')" total_count)" 0
tsr_check "admin log: joined and disconnected" \
	bash -c "grep -q 'Participant has joined.' '$NODE_LOG' && grep -q 'Participant has disconnected.' '$NODE_LOG'"

sipp_bg "$CLIENT3_NS" "$CLIENT3_ADDR" 5092 svc_nosdp.xml 7002 -d 1500
SIPP=$BG_PID
tsr_check "INVITE without SDP: offer in the 200, answer in the ACK (sipp)" tsr_wait_exit "$SIPP" 15

sipp_bg "$CLIENT3_NS" "$CLIENT3_ADDR" 5112 svc_hold_null.xml open -d 1000
SIPP=$BG_PID
tsr_check "a caller that will hold the RFC 2543 way is in" wait_part 5112 state connected 5
tsr_check "hold by c=0.0.0.0: the data plane sends it nothing" wait_dp_part 5112 send false 8
tsr_check "the c=0.0.0.0 hold and BYE as expected (sipp checks)" tsr_wait_exit "$SIPP" 15

# ---- baresip clients -------------------------------------------------------------------------
# baresip_call NAME NS ADDR FREQ URI SECONDS [KEYS_AT_3S [CODECS]]: dial URI, type KEYS after 3 s.
baresip_call() {
	local name=$1 ns=$2 addr=$3 freq=$4 uri=$5 secs=$6 keys=${7:-}
	tsr_baresip_conf "$TSR_TMP/$name" "$addr" "$freq" \
		"audio_codecs=${8:-opus/48000/2,PCMU/8000/1}" stdio
	ip netns exec "$ns" bash -c 'exec baresip -f "$1" -e "/dial $2" -t "$3" \
		< <(sleep 3; printf "%s" "$4"; sleep 60)' _ "$TSR_TMP/$name" "$uri" "$secs" "$keys" \
		>"$TSR_TMP/$name.log" 2>&1 &
	BG_PID=$!
	TSR_BG_PIDS+=("$BG_PID")
}

recording() { ls "$TSR_TMP/$1"/dump-*-dec.wav 2>/dev/null | head -1; }

# ---- test call: hear yourself 2 s later ------------------------------------------------------------
# G.711: the node sends silence until the loop delivers (with Opus it would send nothing, DTX,
# and baresip records only what it decodes).
baresip_call tc "$CLIENT1_NS" "$CLIENT1_ADDR" 1000 "sip:test_call@$NODE_ADDR:5061;transport=tls" 14 "" \
	PCMU/8000/1
TC=$BG_PID

# ---- PIN-protected VMR: Guest waits, Host joins -------------------------------------------------------
baresip_call guest "$CLIENT2_NS" "$CLIENT2_ADDR" 1500 "sip:7001@$NODE_ADDR:5061;transport=tls" 16 5678
GUEST=$BG_PID
tsr_check "Guest (PIN by DTMF) waits for the Host" wait_part guest state waiting_for_host 12
tsr_expect_eq "Guest role" "$(part guest role)" guest
baresip_call host "$CLIENT3_NS" "$CLIENT3_ADDR" 1000 "sip:meet.alice@$NODE_ADDR:5061;transport=tls" 12 1234
HOST=$BG_PID
tsr_check "Host (PIN by DTMF) joins" wait_part host state connected 12
tsr_expect_eq "Host role" "$(part host role)" chair
tsr_check "the Guest is admitted when the Host arrives" wait_part guest state connected 3
tsr_expect_eq "SRTP on the Host's call" "$(part host encryption)" On

tsr_check "lock the conference" node_ctl conference_lock '{"conference_id": "Alice"}'
sipp_bg "$CLIENT1_NS" "$CLIENT1_ADDR" 5094 svc_bye_from_node.xml 'meet.alice**5678'
LOCKED=$BG_PID
tsr_check "a Guest with the PIN in the dial string waits behind the lock" \
	wait_part 5094 state locked 5
id=$(part 5094 id)
tsr_check "disconnect command" node_ctl participant_disconnect "{\"participant_id\": \"$id\"}"
tsr_check "the waiting Guest got the node's BYE (sipp)" tsr_wait_exit "$LOCKED" 5
tsr_check "unlock" node_ctl conference_unlock '{"conference_id": "Alice"}'
tsr_check "mute all Guests" node_ctl conference_mute_guests '{"conference_id": "Alice"}'
tsr_expect_eq "the Guest shows muted" "$(part guest is_muted)" true
tsr_check "unmute all Guests" node_ctl conference_unmute_guests '{"conference_id": "Alice"}'
tsr_expect_eq "the Guest shows unmuted" "$(part guest is_muted)" false
tsr_check "unknown conference is an error" bash -c "! '$PY' '$TSR_LIB/nodectl.py' '$NODE_CTL' conference_lock '{\"conference_id\": \"nope\"}' 2>/dev/null"
tsr_check "malformed control request gets an error reply" \
	bash -c "! '$PY' '$TSR_LIB/nodectl.py' '$NODE_CTL' participant_mute '{}' 2>/dev/null"

# The Host's baresip quits at 12 s: the Guest must be disconnected by the node.
tsr_check "Host hung up" tsr_wait_exit "$HOST" 20
tsr_check "Guest disconnected when the last Host left (guests-only timeout 0)" \
	wait_part guest state none 5

# ---- wrong PINs -----------------------------------------------------------------------------------------
baresip_call wrong "$CLIENT3_NS" "$CLIENT3_ADDR" 700 "sip:meet.alice@$NODE_ADDR:5061;transport=tls" 20 000011112222
WRONG=$BG_PID
tsr_check "the caller with wrong PINs is at PIN entry" wait_part wrong state pin_entry 10
tsr_check "three wrong PINs: the node hangs up" wait_part wrong state none 16
tsr_expect_eq "three 'Incorrect PIN' admin events" \
	"$(grep -c 'Incorrect PIN entered.' "$NODE_LOG")" 3
tsr_stop_bg "$WRONG" INT

tsr_check "test caller hung up by itself" tsr_wait_exit "$TC" 20
tsr_check "the node ended the test call (goodbye, then BYE)" \
	grep -q 'reason="service ended the call"' "$NODE_LOG"
tsr_stop_bg "$GUEST" INT

wav=$(recording tc)
tsr_check "test call: no echo in the first 1.5 s" \
	tsr_tone "${wav:-/nonexistent}" --absent 1000 --start 0.3 --end 1.5 --min-seconds 0
tsr_check "test call: own 1000 Hz heard back after the delay" \
	tsr_tone "${wav:-/nonexistent}" --expect 1000 --start 2.6 --end 5.5 --min-seconds 2
wav=$(recording guest)
tsr_check "Guest hears the Host's 1000 Hz, not its own 1500 Hz" \
	tsr_tone "${wav:-/nonexistent}" --expect 1000 --absent 1500 --start 7 --end 10 --min-seconds 2
wav=$(recording host)
tsr_check "Host hears the Guest's 1500 Hz, not its own 1000 Hz" \
	tsr_tone "${wav:-/nonexistent}" --expect 1500 --absent 1000 --start 4 --end 8 --min-seconds 2

# ---- Virtual Auditorium: Guests hear Hosts only, and join muted --------------------------------
sipp_bg "$CLIENT1_NS" "$CLIENT1_ADDR" 5098 svc_bye_from_node.xml 'hall**4321'
VA_HOST=$BG_PID
sipp_bg "$CLIENT3_NS" "$CLIENT3_ADDR" 5100 svc_bye_from_node.xml 'hall**8765'
VA_GUEST=$BG_PID
tsr_check "auditorium Host in" wait_part 5098 state connected 5
tsr_check "auditorium Guest in" wait_part 5100 state connected 5
tsr_expect_eq "data plane: the auditorium Guest hears Hosts only" "$(dp_part 5100 hosts_only)" true
tsr_expect_eq "data plane: the Guest is muted (mute_all_guests)" "$(dp_part 5100 muted)" true
tsr_expect_eq "data plane: the Host hears everyone" "$(dp_part 5098 hosts_only)" false
tsr_expect_eq "data plane: neither is in the lobby" \
	"$(dp_part 5098 lobby)/$(dp_part 5100 lobby)" false/false
tsr_check "disconnect the auditorium" node_ctl conference_disconnect '{"conference": "Hall"}'
tsr_check "the auditorium Host got the node's BYE (sipp)" tsr_wait_exit "$VA_HOST" 5
tsr_check "the auditorium Guest got the node's BYE (sipp)" tsr_wait_exit "$VA_GUEST" 5

# ---- reception -------------------------------------------------------------------------------------------
baresip_call ivr "$CLIENT2_NS" "$CLIENT2_ADDR" 900 "sip:ivr@$NODE_ADDR:5061;transport=tls" 12 '7002#'
IVR=$BG_PID
tsr_check "reception: the number keyed moves the caller into 'Open room'" \
	wait_part ivr conference "Open room" 10
tsr_expect_eq "and it is in" "$(part ivr state)" connected
sipp_bg "$CLIENT1_NS" "$CLIENT1_ADDR" 5096 svc_bye_from_node.xml 'ivr**7002'
BYPASS=$BG_PID
tsr_check "reception dial-string bypass lands in 'Open room'" wait_part 5096 conference "Open room" 5
# ---- dial-out with a DTMF sequence (FR-ADP timing in the data plane) ------------------------------
tsr_bg "$CLIENT1_NS" "$TSR_TMP/uas.log" timeout 70 sipp -nostdin -t t1 -sf "$SIPP_DIR/uas_answer_dtmf.xml" \
	-m 1 -i "$CLIENT1_ADDR" -p 5110 -mp 6110
UAS=$BG_PID
tsr_wait_port "$CLIENT1_NS" tcp 5110 || tsr_fail "sipp UAS on 5110 did not start"
tsr_bg "$CLIENT1_NS" "$TSR_TMP/dtmf.txt" timeout 9 tshark -l -n -i eth0 -f "udp dst port 6110" \
	-d udp.port==6110,rtp -Y rtpevent -T fields -e rtpevent.event_id -e rtpevent.end_of_event
SHARK=$BG_PID
sleep 1
tsr_check "dial-out command accepted" node_ctl participant_dial "{\"conference_alias\": \"open\",
	\"destination\": \"uas@$CLIENT1_ADDR:5110\", \"role\": \"guest\", \"dtmf_sequence\": \"12#\"}"
tsr_check "the dialled participant joins 'Open room'" wait_part "uas@" state connected 5
tsr_expect_eq "with the role it was dialled with" "$(part "uas@" role)" guest
tsr_wait_exit "$SHARK" 12 >/dev/null
digits=$(awk '$2 == 1 {print $1}' "$TSR_TMP/dtmf.txt" | uniq | tr '\n' ' ')
tsr_expect_eq "the callee received the DTMF sequence 1 2 # as RFC 4733 events" "$digits" "1 2 11 "

tsr_check "disconnect the conference" node_ctl conference_disconnect '{"conference_id": "Open room"}'
tsr_check "sipp got the BYE" tsr_wait_exit "$BYPASS" 5
tsr_check "the dial-out callee got the BYE (sipp UAS)" tsr_wait_exit "$UAS" 5
no_parts() {
	for _ in $(seq 30); do
		[ "$(count_parts)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}
tsr_check "everyone gone" no_parts
tsr_stop_bg "$IVR" INT
tsr_expect_eq "no data plane streams left" "$(tsr_json "$(tsr_ctl stream.list '{}')" total_count)" 0

# ---- clean shutdown ---------------------------------------------------------------------------------------
tsr_check "node still alive" node_alive
kill -TERM "$NODE_PID"
rc=timeout
for _ in $(seq 50); do
	if ! kill -0 "$NODE_PID" 2>/dev/null; then
		wait "$NODE_PID"
		rc=$?
		break
	fi
	sleep 0.1
done
tsr_expect_eq "SIGTERM stops the node with status 0" "$rc" 0
if [ "$TSR_FAILS" -ne 0 ]; then
	echo "# ---- last lines of $NODE_LOG ----"
	grep -v 'options answered' "$NODE_LOG" | tail -n 60 | sed 's/^/# /'
fi
tsr_finish
