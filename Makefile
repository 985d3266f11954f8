# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# Thin wrapper around meson. `make run` and `make test` work on a fresh
# Debian 12 machine as root: both install what is missing first.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
BENCH_BUILD?= build-bench
MESON      ?= meson
NINJA      ?= ninja
BENCH      ?=
FUZZ_SECONDS ?= 300

.PHONY: all deps build run stop test test-unit test-integration test-asan test-fuzz \
	bench fuzz clean format-check

all: build

deps:
	@bash tools/deps.sh

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) -Dtests=enabled -Dwerror=true

build: deps $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

run: build
	@bash tools/demo.sh start $(BUILD)

stop:
	@bash tools/demo.sh stop

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) -Dtests=enabled -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug

$(FUZZ_BUILD)/build.ninja:
	CC=clang $(MESON) setup $(FUZZ_BUILD) -Dtests=disabled -Dfuzz=true -Dbuildtype=debug \
		-Db_sanitize=address,undefined -Db_lundef=false

$(BENCH_BUILD)/build.ninja:
	$(MESON) setup $(BENCH_BUILD) -Dtests=enabled -Dbench=true -Dbuildtype=release

# The whole suite: unit + integration (release build), unit under ASan+UBSan,
# every fuzz target replayed over its corpus. Ends with "N passed, N failed".
test: deps $(BUILD)/build.ninja $(ASAN_BUILD)/build.ninja $(FUZZ_BUILD)/build.ninja
	@bash tools/run-tests.sh $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

test-unit: build
	$(MESON) test -C $(BUILD) --suite unit --print-errorlogs

test-integration: build
	$(MESON) test -C $(BUILD) --suite integration --print-errorlogs

bench: deps $(BENCH_BUILD)/build.ninja
	$(NINJA) -C $(BENCH_BUILD)
	@bash tests/bench/run.sh $(BENCH_BUILD) $(BENCH)

fuzz: deps $(FUZZ_BUILD)/build.ninja
	$(NINJA) -C $(FUZZ_BUILD)
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

format-check:
	@git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(BENCH_BUILD)
