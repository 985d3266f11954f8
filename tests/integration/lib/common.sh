# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# common.sh - shared helpers for the data plane integration tests (bash).
#
# Source it from a test script, then call tsr_init NAME. It provides:
#   - TAP-like result lines (tsr_ok / tsr_fail / tsr_check) and tsr_finish;
#   - a lab built by tools/tessera-lab, torn down by an EXIT/INT/TERM trap
#     together with every background process the test started;
#   - start/stop/kill of tessera-dataplane in the node namespace, with a pid
#     file and a log under the test's temporary directory;
#   - control-socket calls through tessctl and JSON field extraction through
#     /usr/bin/python3 (no jq dependency);
#   - SRTP key generation and kernel UDP counters per namespace.
#
# Context: test scripts only, run as root. Environment:
#   TSR_BUILD  build directory (default: build, relative to TSR_SRC)
#   TSR_SRC    source tree (default: derived from this file's location)
#   TSR_KEEP=1 keep the temporary directory (logs, WAVs, pcaps) after the test
#   TSR_DP_LCORES  --lcores for the data plane (default 0-1)
#   TSR_DP_EXTRA_ARGS  more data plane arguments, e.g. "--wire-driver af_xdp"
#   TSR_DP_STRACE=1 record the signals the data plane receives (strace) in
#              $TSR_TMP/dp.signals.PID, to find who stopped it

# ---- locations --------------------------------------------------------------
TSR_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TSR_SRC=${TSR_SRC:-$(cd "$TSR_LIB/../../.." && pwd)}
TSR_BUILD=${TSR_BUILD:-build}
case "$TSR_BUILD" in /*) ;; *) TSR_BUILD="$TSR_SRC/$TSR_BUILD" ;; esac
PY=/usr/bin/python3 # Debian's python: has scapy and cryptography
LAB="$TSR_SRC/tools/tessera-lab"
DP_BIN=${DP_BIN:-$TSR_BUILD/dataplane/tessera-dataplane}
TESSCTL=${TESSCTL:-$TSR_BUILD/tools/tessctl}
TSR_DP_LCORES=${TSR_DP_LCORES:-0-1}

TSR_NAME=""
TSR_TMP=""
TSR_PREFIX=""
TSR_FAILS=0
TSR_PASSES=0
TSR_BG_PIDS=()
DP_PID=""
DP_SOCK=""
DP_LOG=""

# ---- results ------------------------------------------------------------------
tsr_log() { echo "# $*"; }

tsr_ok() {
	TSR_PASSES=$((TSR_PASSES + 1))
	echo "ok - $*"
}

tsr_fail() {
	TSR_FAILS=$((TSR_FAILS + 1))
	echo "not ok - $*"
}

# tsr_check DESC CMD... : run CMD, report ok/not ok by its exit status.
tsr_check() {
	local desc=$1
	shift
	if "$@"; then
		tsr_ok "$desc"
	else
		tsr_fail "$desc"
		return 1
	fi
}

# tsr_expect_eq DESC GOT WANT
tsr_expect_eq() {
	if [ "$2" == "$3" ]; then
		tsr_ok "$1 ($2)"
	else
		tsr_fail "$1 (got '$2', want '$3')"
		return 1
	fi
}

# tsr_expect_ge DESC GOT MIN
tsr_expect_ge() {
	if [[ "$2" =~ ^-?[0-9]+$ ]] && [ "$2" -ge "$3" ]; then
		tsr_ok "$1 ($2 >= $3)"
	else
		tsr_fail "$1 (got '$2', want >= $3)"
		return 1
	fi
}

tsr_skip() {
	echo "SKIP: $*"
	exit 77
}

tsr_bail() {
	tsr_fail "$*"
	exit 1
}

tsr_finish() {
	echo "# $TSR_NAME: $TSR_PASSES passed, $TSR_FAILS failed"
	[ "$TSR_FAILS" -eq 0 ]
	exit $?
}

# ---- setup and cleanup ----------------------------------------------------------
# tsr_init NAME: checks root, creates the temp dir and installs the trap.
tsr_init() {
	TSR_NAME=$1
	[ "$(id -u)" -eq 0 ] || tsr_skip "$TSR_NAME needs root (network namespaces)"
	TSR_TMP=$(mktemp -d "/tmp/tsr-$TSR_NAME.XXXXXX")
	trap tsr_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	echo "# $TSR_NAME: logs in $TSR_TMP"
}

tsr_cleanup() {
	local rc=$? pid
	trap - EXIT
	set +e
	for pid in "${TSR_BG_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	tsr_dp_stop quiet
	[ -n "$TSR_PREFIX" ] && "$LAB" down --prefix "$TSR_PREFIX"
	for pid in "${TSR_BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "$TSR_PREFIX" ] && ip netns list | grep -q "^$TSR_PREFIX-"; then
		echo "not ok - namespaces left behind: $(ip netns list | grep "^$TSR_PREFIX-" | tr '\n' ' ')"
		rc=1
	fi
	if [ "$rc" -ne 0 ] || [ "$TSR_FAILS" -ne 0 ]; then
		if [ -n "$DP_LOG" ] && [ -s "$DP_LOG" ]; then
			echo "# ---- last lines of $DP_LOG ----"
			tail -n 40 "$DP_LOG" | sed 's/^/# /'
		fi
		echo "# temporary files kept in $TSR_TMP"
	elif [ "${TSR_KEEP:-0}" = 1 ]; then
		echo "# temporary files kept in $TSR_TMP"
	else
		rm -rf "$TSR_TMP"
	fi
	[ "$rc" -eq 0 ] && [ "$TSR_FAILS" -ne 0 ] && rc=1
	exit "$rc"
}

# tsr_lab_up PREFIX [NCLIENTS]: builds the lab and imports its variables.
# A lock per prefix serialises concurrent runs of the same test: 'up' tears
# down an existing lab of that prefix, which would kill the other run's
# processes (seen once: a data plane stopped by SIGTERM mid-test).
tsr_lab_up() {
	local out lock="/tmp/tessera-lab.$1.lock"
	exec {TSR_LOCK_FD}>"$lock"
	if ! flock -n "$TSR_LOCK_FD"; then
		echo "# waiting for another run using lab prefix $1 ($lock)"
		flock -w 600 "$TSR_LOCK_FD" || tsr_bail "lab prefix $1 busy for 10 min ($lock)"
	fi
	TSR_PREFIX=$1
	out=$("$LAB" up --prefix "$1" --clients "${2:-2}") || tsr_bail "tessera-lab up --prefix $1 failed"
	eval "$out"
	echo "$out" >"$TSR_TMP/lab.env"
}

# tsr_bg NS LOGFILE CMD...: start CMD in namespace NS in the background;
# sets BG_PID. The process is killed by the cleanup trap.
tsr_bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	BG_PID=$!
	TSR_BG_PIDS+=("$BG_PID")
}

# tsr_stop_bg PID [SIG]: signal (default INT) and wait up to 5 s, then KILL.
tsr_stop_bg() {
	local pid=$1 sig=${2:-INT}
	kill -"$sig" "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# tsr_wait_exit PID [SECONDS]: wait (default 10 s) for a background process to
# exit by itself, then stop it (TERM). Returns 0 if it exited by itself.
tsr_wait_exit() {
	local pid=$1 n=$((${2:-10} * 10))
	for _ in $(seq "$n"); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	tsr_stop_bg "$pid" TERM
	return 1
}

# ---- the data plane -----------------------------------------------------------------
tsr_have_dataplane() {
	[ -x "$DP_BIN" ] && [ -x "$TESSCTL" ]
}

tsr_require_dataplane() {
	tsr_have_dataplane ||
		tsr_bail "missing $DP_BIN or $TESSCTL (build first: ninja -C $TSR_BUILD)"
}

# tsr_dp_start [EXTRA ARGS...]: start the data plane in the node namespace and
# wait until the control socket answers 'ping' (15 s).
tsr_dp_start() {
	local args
	DP_SOCK="$TSR_TMP/dp.sock"
	DP_LOG="$TSR_TMP/dp.log"
	args=$("$LAB" dp-args --prefix "$TSR_PREFIX") || tsr_bail "tessera-lab dp-args failed"
	echo "# ---- start $(date +%T.%N) ----" >>"$DP_LOG"
	# shellcheck disable=SC2086 # dp-args is a word list
	ip netns exec "$NODE_NS" "$DP_BIN" $args --ctl-sock "$DP_SOCK" \
		--lcores "$TSR_DP_LCORES" --log-level info ${TSR_DP_EXTRA_ARGS:-} "$@" >>"$DP_LOG" 2>&1 </dev/null &
	DP_PID=$!
	echo "$DP_PID" >"$TSR_TMP/dp.pid"
	if [ "${TSR_DP_STRACE:-0}" = 1 ]; then
		# Record every signal the data plane gets, with the sender's pid.
		strace -qq -f -e trace=none -e signal=all -p "$DP_PID" \
			-o "$TSR_TMP/dp.signals.$DP_PID" 2>/dev/null &
		TSR_BG_PIDS+=($!)
	fi
	for _ in $(seq 150); do
		if ! kill -0 "$DP_PID" 2>/dev/null; then
			wait "$DP_PID" 2>/dev/null
			tsr_fail "data plane exited during startup (status $?)"
			DP_PID=""
			return 1
		fi
		if [ -S "$DP_SOCK" ] && "$TESSCTL" dp --sock "$DP_SOCK" ping >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	tsr_fail "data plane control socket did not answer within 15 s"
	return 1
}

tsr_dp_alive() {
	[ -n "$DP_PID" ] && kill -0 "$DP_PID" 2>/dev/null
}

# tsr_dp_stop [quiet]: TERM, wait 5 s, KILL.
tsr_dp_stop() {
	[ -n "$DP_PID" ] || return 0
	tsr_stop_bg "$DP_PID" TERM
	DP_PID=""
}

tsr_dp_kill9() {
	[ -n "$DP_PID" ] || return 0
	kill -KILL "$DP_PID" 2>/dev/null
	wait "$DP_PID" 2>/dev/null
	DP_PID=""
}

# tsr_ctl OP [JSON]: one control request; prints the result JSON.
# Returns tessctl's status (0 ok, 1 error reply, 2 usage, 3 no connection).
tsr_ctl() {
	if [ $# -ge 2 ]; then
		"$TESSCTL" dp --sock "$DP_SOCK" "$1" "$2"
	else
		"$TESSCTL" dp --sock "$DP_SOCK" "$1"
	fi
}

# tsr_ctl_ok OP [JSON]: as tsr_ctl; on failure prints the reply and fails the test.
tsr_ctl_ok() {
	local out rc
	out=$(tsr_ctl "$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		tsr_fail "ctl $1 ${2:-} -> status $rc: $out"
		return 1
	fi
	echo "$out"
}

# tsr_json JSON PATH [DEFAULT]: PATH is dot-separated (numbers index lists).
# Prints scalars as JSON-ish text (true/false, numbers, strings without quotes),
# objects and lists as JSON. Prints DEFAULT (or nothing, status 1) if missing.
tsr_json() {
	"$PY" -c '
import json, sys
try:
    v = json.loads(sys.argv[1])
except ValueError:
    sys.exit(2)
for k in [p for p in sys.argv[2].split(".") if p]:
    try:
        v = v[int(k)] if isinstance(v, list) else v[k]
    except (KeyError, IndexError, ValueError, TypeError):
        if len(sys.argv) > 3:
            print(sys.argv[3]); sys.exit(0)
        sys.exit(1)
if isinstance(v, bool):
    print("true" if v else "false")
elif isinstance(v, (dict, list)):
    print(json.dumps(v, sort_keys=True))
elif v is None:
    print("null")
else:
    print(v)
' "$@"
}

# tsr_stream_create JSON: creates a stream, prints its id.
tsr_stream_create() {
	local out id
	out=$(tsr_ctl_ok stream.create "$1") || return 1
	id=$(tsr_json "$out" stream_id) || {
		tsr_fail "stream.create returned no stream_id: $out"
		return 1
	}
	echo "$id"
}

# tsr_stat ID FIELD: one field of stream.stats (e.g. rx_packets, drops.srtp_auth).
tsr_stat() {
	local out
	out=$(tsr_ctl stream.stats "{\"stream_id\":$1}" 2>&1) || { echo "ERR"; return 1; }
	tsr_json "$out" "$2" ERR
}

# tsr_sub A B: prints A-B, or ERR(A-B) when either is not a number.
tsr_sub() {
	if [[ "$1" =~ ^-?[0-9]+$ && "$2" =~ ^-?[0-9]+$ ]]; then
		echo $(($1 - $2))
	else
		echo "ERR($1-$2)"
	fi
}

# ---- misc ----------------------------------------------------------------------------
# tsr_key SUITE: fresh random SDES master key||salt, base64.
tsr_key() {
	local n
	case "$1" in
	AES_CM_128_HMAC_SHA1_80 | AES_CM_128_HMAC_SHA1_32) n=30 ;;
	AEAD_AES_128_GCM) n=28 ;;
	AEAD_AES_256_GCM) n=44 ;;
	*) echo "tsr_key: unknown suite $1" >&2; return 1 ;;
	esac
	head -c "$n" /dev/urandom | base64 -w0
}

tsr_b64_to_hex() {
	echo "$1" | base64 -d | od -An -tx1 -v | tr -d ' \n'
}

# tsr_udp_counter NS FIELD: a Udp: (or Udp6: with FIELD like Udp6InDatagrams)
# counter from /proc/net/snmp{,6} inside NS, e.g. OutDatagrams, InDatagrams.
tsr_udp_counter() {
	local ns=$1 field=$2
	if [[ "$field" == Udp6* ]]; then
		ip netns exec "$ns" awk -v k="$field" '$1 == k {print $2}' /proc/net/snmp6
	else
		ip netns exec "$ns" awk -v k="$field" '
			/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) n[i] = $i; h = 1 }
				  else { for (i = 1; i <= NF; i++) if (n[i] == k) print $i } }' /proc/net/snmp
	fi
}

# tsr_ping NS ADDR [ARGS...]: ICMP/ICMPv6 echo (no iputils-ping on the test hosts).
tsr_ping() {
	local ns=$1 addr=$2
	shift 2
	ip netns exec "$ns" "$PY" "$TSR_LIB/ping.py" "$@" "$addr"
}

# tsr_tone WAV ARGS...: Goertzel check (see lib/tone.py).
tsr_tone() {
	"$PY" "$TSR_LIB/tone.py" "$@"
}

# SRTP suite name -> GStreamer srtp-cipher / srtp-auth nicks.
tsr_gst_cipher() {
	case "$1" in
	AES_CM_128_HMAC_SHA1_80 | AES_CM_128_HMAC_SHA1_32) echo aes-128-icm ;;
	AEAD_AES_128_GCM) echo aes-128-gcm ;;
	AEAD_AES_256_GCM) echo aes-256-gcm ;;
	esac
}
tsr_gst_auth() {
	case "$1" in
	AES_CM_128_HMAC_SHA1_80) echo hmac-sha1-80 ;;
	AES_CM_128_HMAC_SHA1_32) echo hmac-sha1-32 ;;
	*) echo null ;;
	esac
}

# tsr_gst_srtp_rx NS ADDR PORT SUITE KEY_B64 SSRC WAV LOG: start a GStreamer
# SRTP PCMU receiver (libsrtp2 through srtpdec) that decodes to WAV; sets
# BG_PID. Stop it with tsr_stop_bg "$BG_PID" INT (gst-launch -e writes the
# WAV header on EOS). srtpdec needs the SSRC in the caps (it would otherwise
# ask for keys through the request-key signal, which gst-launch cannot answer).
tsr_gst_srtp_rx() {
	local ns=$1 addr=$2 port=$3 suite=$4 key=$5 ssrc=$6 wav=$7 log=$8 caps c a
	c=$(tsr_gst_cipher "$suite")
	a=$(tsr_gst_auth "$suite")
	caps="application/x-srtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)PCMU"
	caps+=",payload=(int)0,ssrc=(uint)$ssrc,srtp-key=(buffer)$(tsr_b64_to_hex "$key")"
	caps+=",srtp-cipher=(string)$c,srtp-auth=(string)$a,srtcp-cipher=(string)$c,srtcp-auth=(string)$a"
	tsr_bg "$ns" "$log" gst-launch-1.0 -e udpsrc address="$addr" port="$port" caps="$caps" \
		! srtpdec ! rtpjitterbuffer latency=100 ! rtppcmudepay ! mulawdec \
		! wavenc ! filesink location="$wav"
}

# tsr_ffmpeg_srtp_tx NS DST PORT SPORT SUITE KEY SSRC FREQ SECONDS LOG [bg]:
# ffmpeg sends a PCMU sine over SRTP, 20 ms packets (50 per second), no RTCP.
# Runs in the foreground unless the last argument is "bg" (then sets BG_PID).
tsr_ffmpeg_srtp_tx() {
	local ns=$1 dst=$2 port=$3 sport=$4 suite=$5 key=$6 ssrc=$7 freq=$8 secs=$9 log=${10}
	local -a cmd=(ffmpeg -hide_banner -nostdin -loglevel warning -re
		-f lavfi -i "sine=frequency=$freq:sample_rate=8000:samples_per_frame=160"
		-t "$secs" -c:a pcm_mulaw -f rtp -ssrc "$ssrc" -rtpflags skip_rtcp
		-srtp_out_suite "$suite" -srtp_out_params "$key"
		"srtp://$dst:$port?localport=$sport")
	[[ "$dst" == *:* ]] && cmd[-1]="srtp://[$dst]:$port?localport=$sport"
	if [ "${11:-}" = bg ]; then
		tsr_bg "$ns" "$log" "${cmd[@]}"
	else
		ip netns exec "$ns" "${cmd[@]}" >"$log" 2>&1 </dev/null
	fi
}

# tsr_wait_port NS PROTO PORT: wait (5 s) until a socket listens/binds on PORT.
tsr_wait_port() {
	local ns=$1 proto=$2 port=$3 flag
	[ "$proto" = tcp ] && flag=-ltn || flag=-lun
	for _ in $(seq 50); do
		ip netns exec "$ns" ss -H "$flag" "sport = :$port" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# tsr_gst_srtp_tx NS DST PORT SPORT SUITE KEY_B64 SSRC FREQ NPACKETS LOG:
# GStreamer (libsrtp2 srtpenc) sends NPACKETS 20 ms PCMU packets of a sine in
# real time, in the foreground. Used for the GCM suites, which ffmpeg lacks.
tsr_gst_srtp_tx() {
	local ns=$1 dst=$2 port=$3 sport=$4 suite=$5 key=$6 ssrc=$7 freq=$8 n=$9 log=${10} c a
	c=$(tsr_gst_cipher "$suite")
	a=$(tsr_gst_auth "$suite")
	ip netns exec "$ns" gst-launch-1.0 -e audiotestsrc is-live=true freq="$freq" \
		samplesperbuffer=160 num-buffers="$n" ! audio/x-raw,rate=8000,channels=1 \
		! mulawenc ! rtppcmupay ssrc="$ssrc" pt=0 \
		! srtpenc key="$(tsr_b64_to_hex "$key")" rtp-cipher="$c" rtp-auth="$a" \
		rtcp-cipher="$c" rtcp-auth="$a" \
		! udpsink host="$dst" port="$port" bind-port="$sport" sync=true \
		>"$log" 2>&1 </dev/null
}

# tsr_srtp_tx NS SUITE KEY DST PORT SPORT SSRC FREQ NPACKETS: lib/srtp.py
# sender (own SRTP implementation), in the foreground.
tsr_srtp_tx() {
	ip netns exec "$1" "$PY" "$TSR_LIB/srtp.py" send --suite "$2" --key "$3" \
		--dst "$4" --port "$5" --sport "$6" --ssrc "$7" --freq "$8" --count "$9"
}

# tsr_ctl_quiet OP [JSON]: as tsr_ctl, output discarded (for tsr_check).
tsr_ctl_quiet() {
	tsr_ctl "$@" >/dev/null 2>&1
}

# tsr_baresip_conf DIR ADDR FREQ [ACCOUNT_PARAMS [stdio]]: a headless baresip in DIR
# listening on ADDR (TLS with a self-signed certificate, so peers can reach it at its
# Contact), sending a FREQ Hz sine, recording what it decodes (DIR/dump-*-dec.wav),
# SRTP mandatory. ACCOUNT_PARAMS are appended to the account (default: Opus, then PCMU).
# With "stdio", keys typed on its stdin are sent (in a call: as RFC 4733 DTMF).
tsr_baresip_conf() {
	local dir=$1 addr=$2 freq=$3 params=${4:-audio_codecs=opus/48000/2,PCMU/8000/1}
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$addr" -keyout "$dir/tls.key" \
		-out "$dir/tls.crt" >/dev/null 2>&1 && cat "$dir/tls.key" "$dir/tls.crt" >"$dir/tls.pem"
	{
		printf '%s\t\t%s\n' poll_method epoll sip_listen "$addr:5060" net_interface "$addr" \
			audio_player aubridge,nil audio_source "ausine,$freq" audio_alert aubridge,nil \
			ausrc_srate 48000 ausrc_channels 2 snd_path "$dir" sip_certificate "$dir/tls.pem" \
			module_path /usr/lib/baresip/modules
		[ "${5:-}" = stdio ] && printf 'module\t\tstdio.so\n'
		printf 'module\t\t%s\n' g711.so opus.so ausine.so aubridge.so sndfile.so srtp.so
		printf 'module_app\t%s\n' account.so menu.so
	} >"$dir/config"
	echo "<sip:$(basename "$dir")@$addr>;regint=0;mediaenc=srtp-mand;$params" >"$dir/accounts"
	: >"$dir/contacts"
}
