#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# run-tests.sh - build and run the whole suite, then print one summary line.
#
#   run-tests.sh BUILD ASAN_BUILD FUZZ_BUILD
#
# 1. BUILD (debugoptimized): every meson suite (unit, lint, integration).
# 2. ASAN_BUILD (ASan + UBSan): the unit suite.
# 3. FUZZ_BUILD (clang, libFuzzer + ASan + UBSan): every fuzz target replayed
#    over its seed corpus, then fuzzed briefly from it.
# The last line is "N passed, N failed, N skipped"; the exit status is 0 only
# when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build} asan=${2:-build-asan} fuzz=${3:-build-fuzz}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

pass=0 fail=0 skip=0 broken=()

# Count the results of a meson testlog.json.
tally() {
	local log=$1 p f s
	read -r p f s < <(/usr/bin/python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
print(p, f, s)
PY
)
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

step() { echo; echo "=== $* ==="; }

step "build ($build)"
if ninja -C "$build"; then
	step "tests ($build): unit, lint, integration"
	meson test -C "$build" --print-errorlogs --num-processes 2
	tally "$build/meson-logs/testlog.json"
else
	broken+=("$build") fail=$((fail + 1))
fi

step "build ($asan, ASan+UBSan)"
if ninja -C "$asan"; then
	step "tests ($asan): unit under ASan+UBSan"
	meson test -C "$asan" --suite unit --print-errorlogs --num-processes 2
	tally "$asan/meson-logs/testlog.json"
else
	broken+=("$asan") fail=$((fail + 1))
fi

step "build ($fuzz, libFuzzer)"
if ninja -C "$fuzz"; then
	step "fuzz targets: corpus replay and a short run each"
	out=$(bash tests/fuzz/run.sh "$fuzz" 15)
	echo "$out"
	out=$(tail -n 1 <<<"$out")
	if [[ "$out" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		pass=$((pass + BASH_REMATCH[1])) fail=$((fail + BASH_REMATCH[2]))
	else
		fail=$((fail + 1))
	fi
else
	broken+=("$fuzz") fail=$((fail + 1))
fi

echo
[ ${#broken[@]} -eq 0 ] || echo "build failed in: ${broken[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
