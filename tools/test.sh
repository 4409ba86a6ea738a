#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. release build: unit tests (CTest/GoogleTest) and integration tests (pytest, real binary,
#      real clients), the MIME corpus differential test;
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. every libFuzzer target for FUZZ_SECONDS seconds each (default 30) under ASan/UBSan.
# Exits non-zero on any failure. SKIP_ASAN=1 / SKIP_FUZZ=1 skip a stage for a quick local run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
jobs=$(nproc)
py=/usr/bin/python3
step() { printf '\n=== %s\n' "$*"; }

step "release build"
cmake --preset release >/dev/null
cmake --build build/release -j "$jobs"
step "release: unit tests"
ctest --test-dir build/release --output-on-failure -j "$jobs"
step "release: integration tests"
REDOUBT_BIN=$PWD/build/release/redoubt REDOUBT_BUILD_DIR=$PWD/build/release \
  $py -m pytest -q -p no:cacheprovider tests/

if [[ ${SKIP_ASAN:-0} != 1 ]]; then
  step "asan+ubsan build"
  cmake --preset asan >/dev/null
  cmake --build build/asan -j "$jobs"
  step "asan+ubsan: unit tests"
  ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build/asan --output-on-failure -j "$jobs"
  step "asan+ubsan: integration tests"
  # The server forbids itself ptrace and fork (seccomp), which LeakSanitizer's exit-time scan
  # needs; leaks are checked by the unit tests instead.
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    REDOUBT_BIN=$PWD/build/asan/redoubt REDOUBT_BUILD_DIR=$PWD/build/asan \
    $py -m pytest -q -p no:cacheprovider tests/interop
fi

if [[ ${SKIP_FUZZ:-0} != 1 ]]; then
  step "fuzz targets (${FUZZ_SECONDS:-30} s each)"
  cmake --preset fuzz >/dev/null
  cmake --build build/fuzz -j "$jobs"
  for target in build/fuzz/fuzz/*_fuzz; do
    name=$(basename "$target" _fuzz)
    corpus=fuzz/corpus/$name
    work=$(mktemp -d)
    args=(-max_total_time="${FUZZ_SECONDS:-30}" -print_final_stats=0 -timeout=10 -rss_limit_mb=2048)
    [[ -f fuzz/dict/${name%%_*}.dict ]] && args+=(-dict="fuzz/dict/${name%%_*}.dict")
    printf '%s: ' "$name"
    # New inputs go to a scratch folder; the committed seed corpus is read only.
    if ! "$target" "${args[@]}" "$work" $( [[ -d $corpus ]] && echo "$corpus" ) >"$work.log" 2>&1; then
      echo "FAILED"; tail -n 40 "$work.log"; exit 1
    fi
    grep -Eo 'Done [0-9]+ runs' "$work.log" | tail -n1
    rm -rf "$work" "$work.log"
  done
fi
step "all tests passed"
