#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# run.sh - replay every fuzz target over its seed corpus, then fuzz it for
# SECONDS from a scratch copy of that corpus (new inputs never land in the
# tree). Crashes are kept under FUZZ_BUILD/fuzz-artifacts/.
#   run.sh FUZZ_BUILD SECONDS
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-fuzz} secs=${2:-15}
pass=0 fail=0
art="$build/fuzz-artifacts"
mkdir -p "$art"
for corpus in "$here"/corpus/*/; do
	name=$(basename "$corpus")
	bin="$build/tests/fuzz/$name"
	if [ ! -x "$bin" ]; then
		echo "not ok - $name: not built"
		fail=$((fail + 1))
		continue
	fi
	work=$(mktemp -d)
	cp "$corpus"/* "$work"/
	if "$bin" -runs=0 -artifact_prefix="$art/$name-" "$corpus" >"$art/$name.replay.log" 2>&1 &&
	   "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -artifact_prefix="$art/$name-" \
		"$work" >"$art/$name.fuzz.log" 2>&1; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$art/$name.fuzz.log")
		echo "ok - $name (replayed $(ls "$corpus" | wc -l) seeds, ${runs:-?} runs in ${secs}s)"
		pass=$((pass + 1))
	else
		echo "not ok - $name: see $art/$name.*.log"
		tail -n 30 "$art/$name.fuzz.log" "$art/$name.replay.log" 2>/dev/null
		fail=$((fail + 1))
	fi
	rm -rf "$work"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
