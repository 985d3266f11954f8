#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# test_exception_path.sh - what the data plane answers itself and what it
# forwards to the kernel TAP.
#
# With the data plane running and no streams:
#   - ping v4/v6 from c1 to the node address: every request answered exactly
#     once (a duplicate means the node kernel also answers on wire0), and the
#     data plane's ARP / ND / echo counters show the data plane answered;
#   - TCP (socat) to a kernel listener bound on the node address, v4 and v6,
#     several MB each way, compared by sha256;
#   - UDP to an unknown port reaches a kernel socket in the node namespace and
#     the kernel's reply comes back through the TAP and the wire (v4 and v6);
#   - UDP datagrams of 1473..3000 bytes (IPv4 fragments on the wire, as for
#     SIP over UDP with a large SDP) reach the kernel socket and its echo
#     returns;
#   - the punt counters account for TCP and unknown UDP.
# Counter names are looked up by leaf name in port.stats and lcore.stats
# (lib/jsonstat.py), so grouping per port or lcore does not matter.
#
# Context: integration test, root, network namespaces (tools/tessera-lab).

set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

tsr_init exception_path
tsr_require_dataplane
tsr_lab_up tsrex 2
tsr_dp_start || exit 1

JS="$PY $TSR_LIB/jsonstat.py"
snap() {	# NAME: save port.stats and lcore.stats
	tsr_ctl port.stats >"$TSR_TMP/$1.port.json" 2>&1 || echo '{}' >"$TSR_TMP/$1.port.json"
	tsr_ctl lcore.stats >"$TSR_TMP/$1.lcore.json" 2>&1 || echo '{}' >"$TSR_TMP/$1.lcore.json"
}
# delta FROM TO NAME: change of a counter (summed over port and lcore stats).
delta() {
	local p l
	p=$($JS delta "$TSR_TMP/$1.port.json" "$TSR_TMP/$2.port.json" "$3" 2>/dev/null || echo 0)
	l=$($JS delta "$TSR_TMP/$1.lcore.json" "$TSR_TMP/$2.lcore.json" "$3" 2>/dev/null || echo 0)
	# The same counter may appear in both documents: take the larger change.
	[ "${p%.*}" -ge "${l%.*}" ] && echo "${p%.*}" || echo "${l%.*}"
}
show_diff() {	# FROM TO
	echo "# counters changed ($1 -> $2):"
	{
		$JS diff "$TSR_TMP/$1.port.json" "$TSR_TMP/$2.port.json" | sed 's/^/#   port.stats /'
		$JS diff "$TSR_TMP/$1.lcore.json" "$TSR_TMP/$2.lcore.json" | sed 's/^/#   lcore.stats /'
	} 2>/dev/null | head -40
}

# ---- ping, v4 and v6, with cold neighbour caches ----
ip -n "$CLIENT1_NS" neigh flush all
snap p0
tsr_check "ping v4 c1 -> node (10, no loss, no duplicates)" tsr_ping "$CLIENT1_NS" "$NODE_ADDR" -c 10 -i 0.05
tsr_check "ping v6 c1 -> node (10, no loss, no duplicates)" tsr_ping "$CLIENT1_NS" "$NODE_ADDR6" -c 10 -i 0.05
tsr_check "ping v4 c2 -> node" tsr_ping "$CLIENT2_NS" "$NODE_ADDR" -c 3 -i 0.05
snap p1
show_diff p0 p1
tsr_expect_ge "data plane answered ARP (arp_replies)" "$(delta p0 p1 arp_replies)" 1
tsr_expect_ge "data plane answered ICMP echo (icmp_echo_replies)" "$(delta p0 p1 icmp_echo_replies)" 13
tsr_expect_ge "data plane answered ND (nd_adverts)" "$(delta p0 p1 nd_adverts)" 1
tsr_expect_ge "data plane answered ICMPv6 echo (icmp6_echo_replies)" "$(delta p0 p1 icmp6_echo_replies)" 10
# The kernel behind the TAP must not have seen the echo requests.
echo_in=$(ip netns exec "$NODE_NS" awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) n[i] = $i; h = 1 } else { for (i = 1; i <= NF; i++) if (n[i] == "InEchos") print $i } }' /proc/net/snmp)
tsr_expect_eq "node kernel saw no ICMP echo requests" "$echo_in" 0
tsr_check "c1 resolved the node MAC to wire0's MAC" \
	bash -c "ip -n '$CLIENT1_NS' neigh show '$NODE_ADDR' | grep -qi '$WIRE_MAC'"

# ---- TCP through the exception path ----
head -c $((4 * 1024 * 1024)) /dev/urandom >"$TSR_TMP/up.bin"
head -c $((3 * 1024 * 1024)) /dev/urandom >"$TSR_TMP/down.bin"
sum() { sha256sum "$1" | cut -d' ' -f1; }
tcp_case() {	# FAMILY ADDR PORT
	local fam=$1 addr=$2 port=$3 la ca pid
	if [ "$fam" = 6 ]; then
		la="TCP6-LISTEN:$port,bind=[$addr],reuseaddr"
		ca="TCP6:[$addr]:$port"
	else
		la="TCP4-LISTEN:$port,bind=$addr,reuseaddr"
		ca="TCP4:$addr:$port"
	fi
	# upload: c1 -> node kernel
	rm -f "$TSR_TMP/up.rx"
	tsr_bg "$NODE_NS" "$TSR_TMP/socat-up$fam.log" socat -u "$la" "OPEN:$TSR_TMP/up.rx,creat,trunc"
	pid=$BG_PID
	tsr_wait_port "$NODE_NS" tcp "$port" || tsr_fail "TCP v$fam listener did not start"
	if timeout 30 ip netns exec "$CLIENT1_NS" socat -u "OPEN:$TSR_TMP/up.bin" "$ca"; then
		tsr_wait_exit "$pid" 10 || tsr_fail "TCP v$fam upload: listener did not see the end of the stream"
		tsr_expect_eq "TCP v$fam upload 4 MiB c1 -> node kernel, sha256" "$(sum "$TSR_TMP/up.rx")" "$(sum "$TSR_TMP/up.bin")"
	else
		tsr_stop_bg "$pid" TERM
		tsr_fail "TCP v$fam upload: client failed or timed out"
	fi
	# download: node kernel -> c1
	rm -f "$TSR_TMP/down.rx"
	tsr_bg "$NODE_NS" "$TSR_TMP/socat-down$fam.log" socat -u "OPEN:$TSR_TMP/down.bin" "$la"
	pid=$BG_PID
	tsr_wait_port "$NODE_NS" tcp "$port" || tsr_fail "TCP v$fam listener did not start"
	if timeout 30 ip netns exec "$CLIENT1_NS" socat -u "$ca" "OPEN:$TSR_TMP/down.rx,creat,trunc"; then
		tsr_stop_bg "$pid" TERM
		tsr_expect_eq "TCP v$fam download 3 MiB node kernel -> c1, sha256" "$(sum "$TSR_TMP/down.rx")" "$(sum "$TSR_TMP/down.bin")"
	else
		tsr_stop_bg "$pid" TERM
		tsr_fail "TCP v$fam download: client failed or timed out"
	fi
}
snap t0
tcp_case 4 "$NODE_ADDR" 7000
tcp_case 6 "$NODE_ADDR6" 7000
snap t1
show_diff t0 t1
tsr_expect_ge "TCP punted to the TAP (punt tcp counter)" "$(delta t0 t1 tcp)" 1000

# ---- unknown UDP to a kernel socket in the node namespace, and the reply ----
UDP_ECHO='
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(b"echo:" + d, a)
'
UDP_CLIENT='
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(1.0)
n = int(sys.argv[3]); ok = 0
for i in range(n):
    m = b"tessera-%d" % i
    s.sendto(m, (sys.argv[1], int(sys.argv[2])))
    try:
        d, a = s.recvfrom(65535)
        ok += d == b"echo:" + m
    except socket.timeout:
        pass
print(ok)
'
snap u0
for fam in 4 6; do
	[ $fam = 4 ] && addr=$NODE_ADDR || addr=$NODE_ADDR6
	tsr_bg "$NODE_NS" "$TSR_TMP/udpecho$fam.log" "$PY" -c "$UDP_ECHO" "$addr" 7001
	tsr_wait_port "$NODE_NS" udp 7001 || tsr_fail "UDP v$fam echo server did not start"
	got=$(ip netns exec "$CLIENT1_NS" "$PY" -c "$UDP_CLIENT" "$addr" 7001 20)
	tsr_expect_eq "unknown UDP v$fam to node:7001 reaches a kernel socket and the reply returns" "$got" 20
	tsr_stop_bg "$BG_PID" TERM
done
snap u1
show_diff u0 u1
tsr_expect_ge "unknown UDP punted to the TAP (punt udp_unknown)" "$(delta u0 u1 udp_unknown)" 40

# ---- large UDP datagrams (IPv4 fragments), e.g. SIP over UDP with a big SDP ----
# The kernel socket echoes each datagram; the echo comes back fragmented too.
tsr_bg "$NODE_NS" "$TSR_TMP/udpecho-big.log" "$PY" -c "$UDP_ECHO" "$NODE_ADDR" 7002
tsr_wait_port "$NODE_NS" udp 7002 || tsr_fail "UDP echo server (7002) did not start"
BIG_CLIENT='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
m = bytes(i & 0xFF for i in range(int(sys.argv[3])))
s.sendto(m, (sys.argv[1], int(sys.argv[2])))
try:
    d, a = s.recvfrom(65535)
    print("ok" if d == b"echo:" + m else "corrupt(%d)" % len(d))
except socket.timeout:
    print("timeout")
'
snap f0
for size in 1473 1900 3000; do
	got=$(ip netns exec "$CLIENT1_NS" "$PY" -c "$BIG_CLIENT" "$NODE_ADDR" 7002 $size)
	tsr_expect_eq "fragmented UDP datagram of $size bytes to a kernel socket, and its echo" "$got" ok
done
snap f1
show_diff f0 f1
# af_packet hands over datagrams the kernel reassembled, at most one frame
# (4096 bytes) each: a larger one is dropped and counted as ip_truncated
# (docs/dataplane.md). af_xdp sees the fragments and punts them one by one.
got=$(ip netns exec "$CLIENT1_NS" "$PY" -c "$BIG_CLIENT" "$NODE_ADDR" 7002 8000)
snap f2
case " ${TSR_DP_EXTRA_ARGS:-} " in
*af_xdp*)
	tsr_expect_eq "8000-byte UDP datagram (af_xdp) reaches the kernel socket" "$got" ok ;;
*)
	tsr_expect_eq "8000-byte UDP datagram (af_packet) is not delivered" "$got" timeout
	tsr_expect_eq "  ... and is counted as ip_truncated" "$(delta f1 f2 ip_truncated)" 1 ;;
esac
tsr_stop_bg "$BG_PID" TERM

# ---- still healthy ----
tsr_check "ctl ping answers" tsr_ctl_quiet ping
tsr_check "data plane still running" tsr_dp_alive
tsr_finish
