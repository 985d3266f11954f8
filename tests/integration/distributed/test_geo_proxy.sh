#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_geo_proxy.sh - one VMR over two locations x two nodes, with the geo
# backplane carried by one proxying node per location (guide part 1
# FR-DIST-5), on a deployment made by 'tessera-lab deploy' in one command.
#
# Lab: tessera-lab deploy --locations 2 --nodes 2 --clients 2, every node
# at --capacity 2 (one audio call plus the conference's backplane
# reservation), so each caller's media stays on the node it dials:
#   a (440 Hz)  -> node-l1-1   location 1's proxy (first name hosting)
#   b (880 Hz)  -> node-l1-2   location 1, not a proxy
#   c (1320 Hz) -> node-l2-2   location 2's only host, so its proxy
# Checks:
#   - deploy brought every node up in sync with its channels up;
#   - backplanes: l1-1 <-> l1-2 (local) and l1-1 <-> l2-2 (geographic)
#     only; node-l1-2 has no geo backplane; the status names the proxies;
#   - each caller hears the two others and not itself: b's audio reaches
#     location 2 through the proxy (the proxy forwards its local backplane
#     onto the geo one) and c's reaches b the same way back, without echo;
#   - tshark on the router (everything between the locations): ESP only
#     between 198.18.1.1 and 198.18.2.2, none from or to 198.18.1.2 or
#     198.18.2.1, no plain UDP between node addresses;
#   - a hangs up: node-l1-2 becomes location 1's proxy, the geo backplane
#     moves to l1-2 <-> l2-2 and b and c still hear each other;
#   - 'tessera-lab down' leaves no namespace and no process behind.
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/multinode.sh
. "$(dirname "$0")/../lib/multinode.sh"

tsr_init dist_geo_proxy
tsr_require_dataplane
for b in controlplane/tessera-node mgmt-api/tessera-mgmt tools/tessctl; do
	[ -x "$TSR_BUILD/$b" ] || tsr_bail "missing $TSR_BUILD/$b (build first: ninja -C $TSR_BUILD)"
done
command -v baresip >/dev/null || tsr_skip "baresip not installed (tools/deps.sh)"
command -v tshark >/dev/null || tsr_skip "tshark not installed (tools/deps.sh)"
command -v curl >/dev/null || tsr_skip "curl not installed (tools/deps.sh)"

P=tsrgp
exec {TSR_LOCK_FD}>"/tmp/tessera-lab.$P.lock"
flock -w 600 "$TSR_LOCK_FD" || tsr_bail "lab prefix $P busy for 10 min"
TSR_PREFIX=$P
# Keep the deployment's logs in TSR_TMP (common.sh decides whether they stay).
trap 'rc=$?; "$LAB" down --prefix $P --keep-run-dir >/dev/null 2>&1; (exit $rc); tsr_cleanup' EXIT

t0=$(date +%s%N)
if ! "$LAB" deploy --prefix $P --locations 2 --nodes 2 --clients 2 --build "$TSR_BUILD" \
	--run-dir "$TSR_TMP/deploy" --lcores "$TSR_DP_LCORES" --node-args "--capacity 2" \
	>"$TSR_TMP/deploy.env" 2>"$TSR_TMP/deploy.err"; then
	sed 's/^/# /' "$TSR_TMP/deploy.err"
	tsr_bail "tessera-lab deploy failed"
fi
echo "# deploy took $((($(date +%s%N) - t0) / 1000000)) ms"
tsr_ok "tessera-lab deploy: 2 locations x 2 nodes up, in sync, channels up"
# shellcheck disable=SC1091
. "$TSR_TMP/deploy.env"
tsr_expect_eq "deploy env: the VMR alias" "$VMR_ALIAS" meet

A1=l1-1 A2=l1-2 B2=l2-2
declare -A CTL=([$A1]=$L1N1_CTL_SOCK [$A2]=$L1N2_CTL_SOCK [l2-1]=$L2N1_CTL_SOCK [$B2]=$L2N2_CTL_SOCK)
declare -A LOG=([$A1]=$L1N1_NODE_LOG [$A2]=$L1N2_NODE_LOG [l2-1]=$L2N1_NODE_LOG [$B2]=$L2N2_NODE_LOG)
status() { "$TSR_BUILD/tools/tessctl" node --sock "${CTL[$1]}" status 2>/dev/null; }
sq() { status "$1" | "$PY" -c 'import json,sys
try: st = json.load(sys.stdin)
except Exception: print("none"); sys.exit(0)
try: r = eval(sys.argv[1])
except Exception as e: r = "error: %s" % e
print(str(r).lower() if isinstance(r, bool) else r)' "$2"; }
wait_sq() {
	for _ in $(seq $(($4 * 10))); do
		[ "$(sq "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	echo "# $1: $2 is $(sq "$1" "$2"), expected $3"
	return 1
}
# BPS: this node's connected backplanes as "peer/type" words, sorted
BPS='" ".join(sorted(b["peer"] + "/" + b["type"] for b in st.get("backplanes", []) if b["connected"]))'
PROXY='next((x["proxy"] for x in st.get("proxies", [])), "")'
HOSTED_HERE='sum(1 for p in st["participants"] if not p.get("remote") and p.get("state") == "connected" and p.get("media_node") == p.get("signalling_node"))'

# ---- callers --------------------------------------------------------------------------------------
declare -A CALL_PID
call() { # NAME CLIENT_NS CLIENT_ADDR FREQ NODE_ADDR SECONDS
	tsr_baresip_conf "$TSR_TMP/$1" "$3" "$4" "audio_codecs=opus/48000/2"
	ip netns exec "$2" baresip -f "$TSR_TMP/$1" -e "/dial sip:meet@$5:$SIP_TLS_PORT;transport=tls" \
		-t "$6" </dev/null >"$TSR_TMP/$1.log" 2>&1 &
	CALL_PID[$1]=$!
	TSR_BG_PIDS+=("${CALL_PID[$1]}")
}

PCAP="$TSR_TMP/router.pcap"
tsr_bg "$RTR_NS" "$TSR_TMP/tshark.log" tshark -i any -w "$PCAP" -q
CAP_PID=$BG_PID
for _ in $(seq 50); do [ -s "$PCAP" ] && break; sleep 0.1; done

call a "$L1C1_NS" "$L1C1_ADDR" 440 "$L1N1_ADDR" 60
tsr_check "a connected on node-l1-1, media there" wait_sq $A1 "$HOSTED_HERE" 1 10
sleep 2 # node-l1-1's load (full) reaches the others with the next ping
call b "$L1C2_NS" "$L1C2_ADDR" 880 "$L1N2_ADDR" 60
tsr_check "b connected on node-l1-2, media there" wait_sq $A2 "$HOSTED_HERE" 1 10
call c "$L2C1_NS" "$L2C1_ADDR" 1320 "$L2N2_ADDR" 60
tsr_check "c connected on node-l2-2, media there" wait_sq $B2 "$HOSTED_HERE" 1 10

tsr_check "node-l1-1 (proxy): a local backplane to l1-2 and a geo one to l2-2" \
	wait_sq $A1 "$BPS" "node-l1-2/local node-l2-2/geographic" 10
tsr_check "node-l1-2: only its local backplane to the proxy" wait_sq $A2 "$BPS" "node-l1-1/local" 5
tsr_check "node-l2-2: only the geo backplane to location 1's proxy" \
	wait_sq $B2 "$BPS" "node-l1-1/geographic" 5
tsr_expect_eq "node-l1-2 names node-l1-1 as its location's proxy" "$(sq $A2 "$PROXY")" node-l1-1
tsr_expect_eq "node-l1-1 is a proxy" "$(sq $A1 'st["proxies"][0]["is_proxy"]')" true
tsr_expect_eq "node-l2-2 is location 2's proxy" "$(sq $B2 "$PROXY")" node-l2-2
tsr_expect_eq "node-l2-1 carries nothing" "$(sq l2-1 'len(st.get("backplanes", []))')" 0
# bp_groups SOCK: backplane_group of every backplane participant in the data plane's conferences
bp_groups() {
	"$PY" - "$TSR_BUILD/tools/tessctl" "$1" <<'PYEOF'
import json, subprocess, sys
out = []
for cid in range(64):
    r = subprocess.run([sys.argv[1], "dp", "--sock", sys.argv[2], "conference.stats",
                        json.dumps({"conference_id": cid})], capture_output=True, text=True)
    if r.returncode != 0:
        continue
    for p in json.loads(r.stdout).get("participants", []):
        if p.get("backplane"):
            out.append(p.get("backplane_group", "-"))
print(" ".join(sorted(out)))
PYEOF
}
tsr_expect_eq "node-l1-1's data plane: one geo and one local backplane" "$(bp_groups "$L1N1_DP_SOCK")" \
	"geo local"
tsr_expect_eq "node-l1-2's data plane: one local backplane" "$(bp_groups "$L1N2_DP_SOCK")" local
sleep 2
A_1=$(rec_secs a) B_1=$(rec_secs b) C_1=$(rec_secs c)
sleep 8
A_2=$(rec_secs a) B_2=$(rec_secs b) C_2=$(rec_secs c)
echo "# marks: a $A_1 $A_2, b $B_1 $B_2, c $C_1 $C_2"

# ---- re-election: a leaves, node-l1-2 becomes location 1's proxy ------------------------------
tsr_stop_bg "${CALL_PID[a]}" INT
tsr_check "node-l1-1 no longer hosts the conference" wait_sq $A1 'len(st.get("proxies", []))' 0 10
tsr_check "node-l1-2 is now location 1's proxy" wait_sq $A2 "$PROXY" node-l1-2 5
tsr_check "the geo backplane moved to l1-2 <-> l2-2" wait_sq $A2 "$BPS" "node-l2-2/geographic" 10
tsr_check "node-l2-2 sees it too" wait_sq $B2 "$BPS" "node-l1-2/geographic" 5
sleep 2
B_3=$(rec_secs b) C_3=$(rec_secs c)
sleep 7
B_4=$(rec_secs b) C_4=$(rec_secs c)
tsr_stop_bg "${CALL_PID[b]}" INT
tsr_stop_bg "${CALL_PID[c]}" INT
sleep 1
tsr_stop_bg "$CAP_PID" INT
echo "# marks after re-election: b $B_3 $B_4, c $C_3 $C_4"

tsr_check "a (node-l1-1) hears b and c, not itself" \
	tone a "$A_1" "$A_2" --expect 880 --expect 1320 --absent 440 --threshold 0.2 \
	--absent-threshold 0.05 --min-seconds 4
tsr_check "b (node-l1-2) hears a and c (through the proxy), not itself" \
	tone b "$B_1" "$B_2" --expect 440 --expect 1320 --absent 880 --threshold 0.2 \
	--absent-threshold 0.05 --min-seconds 4
tsr_check "c (node-l2-2) hears a and b (b through the proxy), not itself" \
	tone c "$C_1" "$C_2" --expect 440 --expect 880 --absent 1320 --threshold 0.2 \
	--absent-threshold 0.05 --min-seconds 4
tsr_check "after re-election b hears c, not itself" \
	tone b "$B_3" "$B_4" --expect 1320 --absent 880 --absent 440 --threshold 0.5 \
	--absent-threshold 0.05 --min-seconds 4
tsr_check "after re-election c hears b, not itself" \
	tone c "$C_3" "$C_4" --expect 880 --absent 1320 --absent 440 --threshold 0.5 \
	--absent-threshold 0.05 --min-seconds 4

# Between the locations (the router sees nothing else): ESP pairs and plain UDP between nodes.
nodes="$L1N1_ADDR, $L1N2_ADDR, $L2N1_ADDR, $L2N2_ADDR"
tshark -r "$PCAP" -Y "esp && !icmp" -T fields -e ip.src -e ip.dst 2>/dev/null | sort | uniq -c \
	>"$TSR_TMP/esp_pairs.txt"
sed 's/^/# ESP /' "$TSR_TMP/esp_pairs.txt"
n_proxy=$(awk -v a="$L1N1_ADDR" -v b="$L2N2_ADDR" '($2 == a && $3 == b) || ($2 == b && $3 == a) {n += $1} END {print n + 0}' "$TSR_TMP/esp_pairs.txt")
n_l12=$(awk -v a="$L1N2_ADDR" -v b="$L2N2_ADDR" '($2 == a && $3 == b) || ($2 == b && $3 == a) {n += $1} END {print n + 0}' "$TSR_TMP/esp_pairs.txt")
n_other=$(awk -v a="$L1N1_ADDR" -v b="$L2N2_ADDR" -v c="$L1N2_ADDR" '!((($2 == a || $2 == c) && $3 == b) || ($2 == b && ($3 == a || $3 == c))) {n += $1} END {print n + 0}' "$TSR_TMP/esp_pairs.txt")
n_udp=$(tshark -r "$PCAP" -Y "udp && !icmp && ip.src in {$nodes} && ip.dst in {$nodes}" 2>/dev/null | wc -l)
tsr_expect_ge "ESP between the two proxies (l1-1 <-> l2-2)" "$n_proxy" 500
tsr_expect_ge "ESP between the new proxies after re-election (l1-2 <-> l2-2)" "$n_l12" 200
tsr_expect_eq "no ESP between the locations from or to any other node" "$n_other" 0
tsr_expect_eq "no plain UDP between node addresses" "$n_udp" 0
tsr_expect_ge "node-l1-2's log: the backplane moved when the proxy changed" \
	"$(grep -c 'backplane up.*peer=node-l2-2' "${LOG[$A2]}")" 1

for id in $A1 $A2 l2-1 $B2; do
	tsr_expect_eq "$id: tessera-node still answers" "$(sq "$id" 'st["location"]')" "loc${id:1:1}"
done

# ---- down ---------------------------------------------------------------------------------------
if [ "$TSR_FAILS" -ne 0 ]; then
	for id in $A1 $A2 $B2; do
		echo "# ---- ${LOG[$id]} (backplane lines) ----"
		grep 'comp=cp.bp' "${LOG[$id]}" | tail -n 30 | sed 's/^/# /'
	done
	"$LAB" down --prefix $P --keep-run-dir >/dev/null 2>&1
else
	"$LAB" down --prefix $P >/dev/null 2>&1
	tsr_expect_eq "tessera-lab down: the run directory is gone" "$(ls -d "$TSR_TMP/deploy" 2>/dev/null)" ""
fi
tsr_expect_eq "tessera-lab down: no namespace left" "$(ip netns list | grep -c "^$P-")" 0
tsr_expect_eq "tessera-lab down: no process of the deployment left" \
	"$(pgrep -f "$TSR_TMP/deploy" | wc -l)" 0
tsr_finish
