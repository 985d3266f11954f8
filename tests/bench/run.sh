#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# run.sh - run the benchmarks (make bench [BENCH=name]). Each prints
# "BENCH <name> key=value ..." lines; nothing here asserts on speed.
#   run.sh BENCH_BUILD [srtp|dp_relay|dp_e2e|mix|esp|mgmt|sip|dp_ctl]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-bench}
only=${2:-}

run() {
	[ -z "$only" ] || [ "$only" = "$1" ] || return 0
	echo "# $1: $2" >&2
	shift 2
	"$@"
}

run srtp "SRTP protect/unprotect per suite, ours vs libsrtp2" "$build/tests/bench/bench_srtp"
run dp_relay "one lcore relay through the RX path, 10,000 streams" \
	"$build/tests/bench/bench_dp_relay" 2 10000
run esp "ESP encap/decap per lcore vs raw ipsec-mb, GCM and CBC+HMAC, 200/1400 B" \
	"$build/tests/bench/bench_esp" 1
run dp_e2e "idle CPU and af_packet end-to-end relay in namespaces" \
	bash "$here/dp_e2e.sh" "$build" 5
run mix "audio engine: jitter-decode-mix-encode-packetise per core, idle conferences" \
	"$build/tests/bench/bench_mix" 100
run mgmt "tessera-mgmt over HTTPS with wrk, 10,000 VMRs and 30,000 aliases" \
	bash "$here/bench_mgmt.sh" "$build" 10 16
run sip "tessera-node with sipp: calls per second and held calls into VMRs" \
	bash "$here/bench_sip.sh" "$build" 10 5000
run dp_ctl "data plane control request latency per operation, idle and with 2,000 held" \
	bash "$here/bench_dp_ctl.sh" "$build" 500
