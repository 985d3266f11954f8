#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_conference_rtcp.sh - RTCP reports of a conference checked from the
# clients' side, through the real data plane.
#
# Two plain-RTP participants on streams without rtcp-mux (RTCP on port + 1):
# c1 (PCMU, 440 Hz) sends through tests/integration/lib/impair.py (seeded:
# 5 % loss, 20 ms mean jitter, reordering, no duplicates) and sends no RTCP;
# c2 (PCMA, 660 Hz) sends directly, with ffmpeg's sender reports. Both
# receive their mix with GStreamer's rtpbin, which answers our SRs with
# receiver reports (LSR/DLSR). tshark captures each client's interface and
# decodes what the node sent. Checks:
#   - each client got at least two SRs from the SSRC of its RTP, and every
#     SR's packet and octet counts equal the RTP from the node captured
#     before it; their NTP timestamps advance at the rate of the capture's
#     clock (a TSC clock at a nominal rate drifts 1.5 ms/s on some machines);
#   - the report block about c1 after its sender stopped: cumulative lost
#     equals what the relay dropped (within 2: losses at the very end are
#     not yet known), the extended highest sequence number's low 16 bits
#     equal the highest sequence number the relay forwarded, some fraction
#     lost > 0, and the jitter is within 1-50 ms;
#   - the blocks about c2 carry an LSR (from c2's SRs) and a DLSR;
#   - conference.stats shows the reports the clients sent back; for each
#     client, a receiver report that arrived after the senders stopped and
#     echoes one of our SRs at least 1 s old (DLSR >= 1 s, so an error in the
#     rate of either clock shows) gives an RTT of 0-100 ms, and tshark finds
#     that report (LSR, DLSR) in the client's capture, its LSR the middle of
#     the NTP timestamp of an SR we sent.
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

tsr_init conference_rtcp
tsr_require_dataplane
command -v ffmpeg >/dev/null || tsr_skip "ffmpeg not installed"
command -v tshark >/dev/null || tsr_skip "tshark not installed"
command -v gst-launch-1.0 >/dev/null || tsr_skip "GStreamer (gst-launch-1.0) not installed"
tsr_lab_up tsrcr 2
tsr_dp_start || exit 1

SECS=12
SEED=${TSR_IMPAIR_SEED:-11}

for i in 1 2; do
	ns=CLIENT${i}_NS
	tsr_ping "${!ns}" "$NODE_ADDR" -c 1 >/dev/null 2>&1
done

# Captures on each client's interface from before the first packet, so the
# counts in our SRs can be compared with what the client saw.
declare -a CAP_PID
for n in 1 2; do
	ns=CLIENT${n}_NS
	ifc=CLIENT${n}_IF
	tsr_bg "${!ns}" "$TSR_TMP/cap$n.log" tshark -i "${!ifc}" -w "$TSR_TMP/c$n.pcap" -f udp
	CAP_PID[n]=$BG_PID
done
for _ in $(seq 100); do
	grep -q "Capturing on" "$TSR_TMP/cap1.log" "$TSR_TMP/cap2.log" 2>/dev/null &&
		[ "$(grep -l "Capturing on" "$TSR_TMP"/cap[12].log | wc -l)" = 2 ] && break
	sleep 0.1
done
sleep 1

conf=$(tsr_ctl_ok conference.create '{"max_participants":4,"speakers":3}') || tsr_bail "conference.create failed"
CONF=$(tsr_json "$conf" conference_id)
CODECS=(PCMU PCMA)
PTS=(0 8)
declare -a SID PART
for i in 0 1; do
	n=$((i + 1))
	addr=CLIENT${n}_ADDR
	SID[i]=$(tsr_stream_create "{\"local_ip\":\"$NODE_ADDR\",\"local_port\":$((44300 + 2 * i)),\"remote_ip\":\"${!addr}\",\"remote_port\":5004,\"latch\":false,\"rtcp_mux\":false}") ||
		tsr_bail "stream $i not created"
	out=$(tsr_ctl_ok conference.attach "{\"conference_id\":$CONF,\"stream_id\":${SID[i]},\"codec\":\"${CODECS[i]}\",\"pt\":${PTS[i]}}") ||
		tsr_bail "attach $i failed"
	PART[i]=$(tsr_json "$out" participant)
done
tsr_ok "two participants attached without rtcp-mux"

# The receivers.
declare -a RX_PID
DEPAY=(rtppcmudepay rtppcmadepay)
DEC=(mulawdec alawdec)
for i in 0 1; do
	n=$((i + 1))
	ns=CLIENT${n}_NS
	tsr_bg "${!ns}" "$TSR_TMP/rx$n.log" gst-launch-1.0 -e rtpbin name=rb \
		udpsrc port=5004 caps="application/x-rtp,media=audio,clock-rate=8000,encoding-name=${CODECS[i]},payload=${PTS[i]}" \
		! rb.recv_rtp_sink_0 rb. ! "${DEPAY[i]}" ! "${DEC[i]}" ! fakesink \
		udpsrc port=5005 ! rb.recv_rtcp_sink_0 \
		rb.send_rtcp_src_0 ! udpsink host="$NODE_ADDR" port=$((44301 + 2 * i)) sync=false async=false
	RX_PID[i]=$BG_PID
done

tsr_bg "$CLIENT1_NS" "$TSR_TMP/impair.log" "$PY" "$TSR_LIB/impair.py" --listen 127.0.0.1:7000 \
	--to "$NODE_ADDR:44300" --bind "$CLIENT1_ADDR:6000" --seed "$SEED" --loss 0.05 \
	--jitter-ms 20 --reorder 0.03 --reorder-ms 50 --dup 0 --stats "$TSR_TMP/impair.json"
IMPAIR_PID=$BG_PID
sleep 1
tsr_bg "$CLIENT1_NS" "$TSR_TMP/tx1.log" ffmpeg -hide_banner -nostdin -loglevel warning -re \
	-f lavfi -i "sine=frequency=440:sample_rate=8000:samples_per_frame=160" -t "$SECS" \
	-c:a pcm_mulaw -f rtp -rtpflags skip_rtcp "rtp://127.0.0.1:7000?localport=6002"
TX1=$BG_PID
tsr_bg "$CLIENT2_NS" "$TSR_TMP/tx2.log" ffmpeg -hide_banner -nostdin -loglevel warning -re \
	-f lavfi -i "sine=frequency=660:sample_rate=8000:samples_per_frame=160" -t "$SECS" \
	-c:a pcm_alaw -f rtp "rtp://$NODE_ADDR:44302?localport=6000"
TX2=$BG_PID

tsr_wait_exit "$TX1" $((SECS + 5))
tsr_wait_exit "$TX2" 5
# The relay's counts are final once its sender stopped; the next report of
# the node (2.5-7.5 s later) has every loss in it.
sleep 1
tsr_stop_bg "$IMPAIR_PID" TERM
sleep 8
# The round trip: wait (up to 40 s; the clients report every 2.5-7.5 s) for
# a receiver report from each client that arrived after this point, echoes
# an SR of ours at least 1 s old and gives an RTT within bounds.
# conference.stats shows the last block and the RTT from it, so both come
# from the same report. The RTT counts from when the data plane read the
# report: on an overloaded host a report that waited while the data plane
# was not scheduled reads long, so such a report is logged and the next one
# taken; a clock or unit error skews every report and still fails.
fresh_rr() {
	"$PY" -c '
import json, sys
p = json.loads(sys.argv[1])["participants"][int(sys.argv[2])]["rtcp"]
rb = p.get("remote") or {}
rtt = p.get("rtt_ms")
print(p.get("reports_received", 0), rb.get("lsr", 0), rb.get("dlsr", 0),
      "none" if rtt is None else rtt)' "$@"
}
stats=$(tsr_ctl_ok conference.stats "{\"conference_id\":$CONF}")
rtt_ok() {
	"$PY" -c "import sys; sys.exit(0 if sys.argv[1] != 'none' and 0 <= float(sys.argv[1]) < 100 else 1)" "$1"
}
declare -a RR0 RB0 LSR DLSR RTT LAST_RTT
for i in 0 1; do
	read -r n lsr dlsr _ < <(fresh_rr "$stats" "$i")
	RR0[i]=$n RB0[i]="$lsr $dlsr"
done
for _ in $(seq 80); do
	sleep 0.5
	stats=$(tsr_ctl_ok conference.stats "{\"conference_id\":$CONF}")
	for i in 0 1; do
		[ -n "${LSR[i]:-}" ] && continue
		read -r n lsr dlsr rtt < <(fresh_rr "$stats" "$i")
		if [ "${n:-0}" -gt "${RR0[i]:-0}" ] && [ "$lsr $dlsr" != "${RB0[i]}" ] &&
			[ "${lsr:-0}" != 0 ] && [ "${dlsr:-0}" -ge 65536 ]; then
			RB0[i]="$lsr $dlsr"
			if rtt_ok "$rtt"; then
				LSR[i]=$lsr DLSR[i]=$dlsr RTT[i]=$rtt
			else
				tsr_log "c$((i + 1)): report LSR $lsr DLSR $dlsr gave RTT $rtt ms; waiting for the next"
				LAST_RTT[i]=$rtt
			fi
		fi
	done
	[ -n "${LSR[0]:-}" ] && [ -n "${LSR[1]:-}" ] && break
done
for i in 0 1; do
	tsr_stop_bg "${RX_PID[i]}" INT
done
for n in 1 2; do
	tsr_stop_bg "${CAP_PID[n]}" INT
done
echo "# conference.stats: $stats" | tr -d '\n'
echo
istats=$(cat "$TSR_TMP/impair.json" 2>/dev/null || echo '{}')
echo "# impair: $istats"
dropped=$(tsr_json "$istats" dropped 0)
tsr_expect_ge "relay dropped datagrams" "$dropped" 1

# Decode what each client captured: RTP from the node's stream port and the
# RTCP from port + 1 (tshark's RTCP dissector), and check it in Python.
for n in 1 2; do
	port=$((44300 + 2 * (n - 1)))
	tshark -r "$TSR_TMP/c$n.pcap" -d "udp.port==$port,rtp" -d "udp.port==$((port + 1)),rtcp" \
		-d "udp.port==6000,rtp" -T fields -E separator='|' -E occurrence=a -E aggregator=',' \
		-e frame.number -e ip.src -e udp.srcport -e udp.dstport -e udp.length -e rtp.seq \
		-e rtp.ssrc -e rtcp.pt -e rtcp.senderssrc -e rtcp.sender.packetcount \
		-e rtcp.sender.octetcount -e rtcp.ssrc.identifier -e rtcp.ssrc.fraction \
		-e rtcp.ssrc.cum_nr -e rtcp.ssrc.high_seq -e rtcp.ssrc.jitter -e rtcp.ssrc.lsr \
		-e rtcp.ssrc.dlsr -e frame.time_epoch -e rtcp.timestamp.ntp.msw \
		-e rtcp.timestamp.ntp.lsw >"$TSR_TMP/c$n.txt" 2>"$TSR_TMP/tshark$n.log"
done

check_py() {
	"$PY" - "$@" <<'EOF'
import itertools
import sys

path, node, port, role, dropped = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
rr_lsr, rr_dlsr = int(sys.argv[6] or 0), int(sys.argv[7] or 0)
rtp = octets = 0
ssrc = None
srs = []
blocks = []
fwd_seqs = []
sr_times = []  # (capture time, NTP seconds, NTP fraction) of our SRs
rrs = set()    # (LSR, DLSR) of the client's reports to us
for line in open(path):
    f = line.rstrip("\n").split("|")
    if len(f) < 21:
        continue
    src, sport, dport, ulen = f[1], int(f[2] or 0), int(f[3] or 0), int(f[4] or 0)
    if src == node and sport == port:
        rtp += 1
        octets += ulen - 8 - 12
        ssrc = f[6]
    elif src == node and sport == port + 1:
        pts = f[7].split(",")
        if "200" in pts:
            srs.append((f[8], int(f[9]), int(f[10]), rtp, octets))
            sr_times.append((float(f[18]), int(f[19]), int(f[20])))
        if f[12]:
            # rtcp.ssrc.identifier also lists the SDES chunk: take one per block.
            cols = [c.split(",") for c in f[11:18]]
            for k in range(len(cols[1])):
                blocks.append(dict(ssrc=cols[0][k], fraction=int(cols[1][k]), cum=int(cols[2][k]),
                                   high=int(cols[3][k]), jitter=int(cols[4][k]),
                                   lsr=int(cols[5][k]), dlsr=int(cols[6][k])))
    elif dport == port + 1 and f[16]:
        for lsr, dlsr in zip(f[16].split(","), f[17].split(",")):
            rrs.add((int(lsr), int(dlsr)))
    elif dport == port and sport == 6000 and f[5]:
        fwd_seqs.append(int(f[5]))
bad = 0


def check(ok, what):
    global bad
    print(("ok - " if ok else "not ok - ") + what)
    bad |= not ok


check(len(srs) >= 2, "%d SRs from the node" % len(srs))
for s, pk, oc, n_rtp, n_oct in srs:
    check(s == ssrc, "SR sender SSRC %s is the RTP SSRC %s" % (s, ssrc))
    check(pk == n_rtp and oc == n_oct,
          "SR counts %d packets / %d octets = RTP captured before it (%d / %d)" % (pk, oc, n_rtp, n_oct))
# The rate of our SR clock against the capture's: the median slope of the
# NTP - capture offset over pairs of SRs at least 5 s apart (an SR that left
# late because the data plane was not scheduled skews only its own pairs).
# The kernel slews its clock by at most 500 ppm.
if sr_times:
    s0 = sr_times[0][1]
    offs = [(c, (s - s0) + f / 2.0**32 - (c - sr_times[0][0])) for c, s, f in sr_times]
    slopes = sorted((o2 - o1) / (c2 - c1) for (c1, o1), (c2, o2) in itertools.combinations(offs, 2)
                    if c2 - c1 >= 5)
    ppm = slopes[len(slopes) // 2] * 1e6 if slopes else float("nan")
    check(len(slopes) >= 3 and abs(ppm) < 700,
          "SR NTP timestamps advance at the capture clock's rate (%+.0f ppm, %d pairs)" % (ppm, len(slopes)))
mids = {(s & 0xffff) << 16 | f >> 16 for _, s, f in sr_times}
check((rr_lsr, rr_dlsr) in rrs and rr_lsr in mids,
      "the report behind the RTT (LSR %d, DLSR %d) is in the capture and echoes one of our SRs"
      % (rr_lsr, rr_dlsr))
check(len(blocks) >= 2, "%d report blocks" % len(blocks))
if blocks:
    last = blocks[-1]
    if role == "impaired":
        check(abs(last["cum"] - dropped) <= 2,
              "cumulative lost %d = relay dropped %d (within 2)" % (last["cum"], dropped))
        # Highest sequence number the relay forwarded, unwrapped.
        ext, base = None, None
        for q in fwd_seqs:
            if ext is None:
                ext = q
            else:
                d = (q - (ext & 0xffff) + 0x8000) % 0x10000 - 0x8000
                if d > 0:
                    ext += d
        check(ext is not None and (last["high"] & 0xffff) == (ext & 0xffff),
              "extended highest seq %d matches the relay's highest %s" % (last["high"], ext))
        check(max(b["fraction"] for b in blocks) > 0,
              "fraction lost > 0 in some report (max %d/256)" % max(b["fraction"] for b in blocks))
        check(8 <= last["jitter"] <= 400, "jitter %d (8 kHz units) within 1-50 ms" % last["jitter"])
    else:
        check(last["cum"] <= 1, "cumulative lost %d on the direct path" % last["cum"])
        check(any(b["lsr"] != 0 and b["dlsr"] > 0 for b in blocks),
              "a block carries LSR/DLSR from the client's SR")
sys.exit(1 if bad else 0)
EOF
}
tsr_check "c1 (impaired, no RTCP of its own): SRs, report blocks, its report" \
	check_py "$TSR_TMP/c1.txt" "$NODE_ADDR" 44300 impaired "$dropped" "${LSR[0]:-}" "${DLSR[0]:-}"
tsr_check "c2 (direct, sends SRs): SRs, LSR/DLSR in our blocks, its report" \
	check_py "$TSR_TMP/c2.txt" "$NODE_ADDR" 44302 direct 0 "${LSR[1]:-}" "${DLSR[1]:-}"
tsr_expect_ge "c2: its SRs reached the conference" \
	"$(tsr_json "$stats" "participants.1.rtcp.srs_received" 0)" 1
for i in 0 1; do
	tsr_expect_ge "c$((i + 1)): receiver reports from the client reached the conference" \
		"$(tsr_json "$stats" "participants.$i.rtcp.reports_received" 0)" 1
done
for i in 0 1; do
	tsr_check "c$((i + 1)): a report after the senders stopped, echoing an SR of ours >= 1 s old, gives an RTT (${RTT[i]:-${LAST_RTT[i]:-none}} ms) between 0 and 100 ms" \
		[ -n "${LSR[i]:-}" ]
done
tsr_expect_eq "no RTCP parse errors" "$(tsr_json "$stats" rtcp_rx_errors 0)" 0
tsr_check "delete the conference" tsr_ctl_quiet conference.delete "{\"conference_id\":$CONF}"
tsr_check "data plane still running" tsr_dp_alive
tsr_finish
