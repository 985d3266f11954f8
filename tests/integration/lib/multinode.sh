# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# multinode.sh - helpers for integration tests across several nodes (bash).
#
# Source it after common.sh and call tsr_init first. It builds a multi-node
# lab (tools/tessera-lab up --locations ...), starts one tessera-dataplane per
# node with its own control socket and log, and points the common.sh control
# helpers (tsr_ctl, tsr_ctl_ok, tsr_stream_create, tsr_stat) at one node:
#
#   tsr_mlab_up PREFIX --locations 2 --nodes 1 --clients 1
#   tsr_node_dp_start l1-1 && tsr_node_dp_start l2-1
#   tsr_node l1-1; tsr_ctl_ok conference.create '{}'
#
# Every data plane is killed by common.sh's cleanup (its pid is in
# TSR_BG_PIDS, and 'tessera-lab down' kills what is left in the namespaces).
#
# Context: test scripts only, run as root.

declare -A TSR_NODE_SOCK TSR_NODE_LOG TSR_NODE_PID

# tsr_mlab_up PREFIX ARGS...: builds the lab and imports its variables.
# Serialised per prefix like tsr_lab_up.
tsr_mlab_up() {
	local out p=$1 lock="/tmp/tessera-lab.$1.lock"
	shift
	exec {TSR_LOCK_FD}>"$lock"
	if ! flock -n "$TSR_LOCK_FD"; then
		echo "# waiting for another run using lab prefix $p ($lock)"
		flock -w 600 "$TSR_LOCK_FD" || tsr_bail "lab prefix $p busy for 10 min ($lock)"
	fi
	TSR_PREFIX=$p
	out=$("$LAB" up --prefix "$p" "$@") || tsr_bail "tessera-lab up --prefix $p $* failed"
	eval "$out"
	echo "$out" >"$TSR_TMP/lab.env"
}

# tsr_node_var ID FIELD: value of L<l>N<m>_FIELD for node ID (l1-2).
tsr_node_var() {
	local v
	[[ "$1" =~ ^l([0-9]+)-([0-9]+)$ ]] || return 1
	v="L${BASH_REMATCH[1]}N${BASH_REMATCH[2]}_$2"
	echo "${!v}"
}

# tsr_node_dp_start ID [EXTRA ARGS...]: start node ID's data plane in its
# namespace and wait (15 s) until its control socket answers.
tsr_node_dp_start() {
	local id=$1 ns args sock log pid
	shift
	ns=$(tsr_node_var "$id" NS)
	sock="$TSR_TMP/dp-$id.sock"
	log="$TSR_TMP/dp-$id.log"
	args=$("$LAB" dp-args --prefix "$TSR_PREFIX" --node "$id") || tsr_bail "tessera-lab dp-args --node $id failed"
	# shellcheck disable=SC2086 # dp-args is a word list
	ip netns exec "$ns" "$DP_BIN" $args --ctl-sock "$sock" --lcores "$TSR_DP_LCORES" \
		--log-level info ${TSR_DP_EXTRA_ARGS:-} "$@" >>"$log" 2>&1 </dev/null &
	pid=$!
	TSR_BG_PIDS+=("$pid")
	TSR_NODE_SOCK[$id]=$sock TSR_NODE_LOG[$id]=$log TSR_NODE_PID[$id]=$pid
	for _ in $(seq 150); do
		if ! kill -0 "$pid" 2>/dev/null; then
			tsr_fail "data plane of $id exited during startup (see $log)"
			return 1
		fi
		if [ -S "$sock" ] && "$TESSCTL" dp --sock "$sock" ping >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	tsr_fail "data plane of $id: control socket did not answer within 15 s"
	return 1
}

# tsr_node ID: the following tsr_ctl* calls go to node ID's data plane.
tsr_node() {
	DP_SOCK=${TSR_NODE_SOCK[$1]}
}

tsr_node_alive() {
	kill -0 "${TSR_NODE_PID[$1]}" 2>/dev/null
}

# tsr_nodes_logs: print the last lines of every node's data plane log
# (call it when the test failed).
tsr_nodes_logs() {
	local id
	for id in "${!TSR_NODE_LOG[@]}"; do
		echo "# ---- last lines of ${TSR_NODE_LOG[$id]} ----"
		tail -n 20 "${TSR_NODE_LOG[$id]}" | sed 's/^/# /'
	done
}

# ---- what the baresip callers recorded (tsr_baresip_conf writes DIR/dump-*-dec.wav)
# recording NAME: the WAV of caller NAME ($TSR_TMP/NAME); rec_secs NAME: its
# length in seconds (0.0 when missing); tone NAME FROM TO ARGS...: tsr_tone on
# that recording from FROM + 1 s to TO - 0.5 s (settling at both ends).
recording() { ls "$TSR_TMP/$1"/dump-*-dec.wav 2>/dev/null | head -1; }
rec_secs() {
	"$PY" - "$(recording "$1")" <<'PYEOF'
import os, struct, sys
try:
    f = open(sys.argv[1], "rb")
except (OSError, IndexError):
    print("0.0"); sys.exit(0)
size = os.fstat(f.fileno()).st_size
f.seek(12)
rate = ch = width = 0
while True:
    h = f.read(8)
    if len(h) < 8:
        print("0.0"); sys.exit(0)
    cid, n = h[:4], struct.unpack("<I", h[4:])[0]
    if cid == b"fmt ":
        fmt = f.read(n)
        ch, rate = struct.unpack("<HI", fmt[2:8])
        width = struct.unpack("<H", fmt[14:16])[0] // 8
    elif cid == b"data":
        print("%.2f" % ((size - f.tell()) / float(rate * ch * width)))
        sys.exit(0)
    else:
        f.seek(n, 1)
PYEOF
}
tone() {
	local n=$1 from to
	from=$("$PY" -c "print(float('$2') + 1.0)")
	to=$("$PY" -c "print(float('$3') - 0.5)")
	shift 3
	tsr_tone "$(recording "$n")" --start "$from" --end "$to" "$@"
}
