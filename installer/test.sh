#!/usr/bin/env bash
# One command: install the Debian packages, build (ccache + precompiled torch header), run CTest.
#   installer/test.sh             the Release build in build/ and every test
#   installer/test.sh --sanitize  the tests (all but the four longest) built with AddressSanitizer and UndefinedBehaviorSanitizer
#                                 (-DFLOWPP_SANITIZE=address,undefined, in build-sanitize/); any report fails
#   installer/test.sh --fuzz      every reader under libFuzzer (clang, with the same sanitizers, in build-fuzz/)
#                                 for FLOWPP_FUZZ_SECONDS each (default 25), from the replay test's corpus
set -euo pipefail
cd "$(dirname "$0")/.."

mode=normal
case "${1:-}" in
  "") ;;
  --sanitize) mode=sanitize ;;
  --fuzz) mode=fuzz ;;
  *) echo "usage: installer/test.sh [--sanitize | --fuzz]" >&2; exit 2 ;;
esac

./installer/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# A unity build compiles a dozen sources per compiler run: LibTorch's headers are parsed and their
# inline code generated once per dozen instead of once per file (a fresh build takes half the time).
unity=(-DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=12)

if [ "$mode" = normal ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${unity[@]}"
  cmake --build build -j "$(nproc)"
  cd build && ctest --output-on-failure -j 1
  exit
fi

if [ "$mode" = fuzz ]; then
  # Only the core and the fuzz programs, built by clang with libFuzzer's coverage and the sanitizers.
  CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
    "${unity[@]}" -DFLOWPP_FUZZ=ON -DFLOWPP_SANITIZE=address,undefined -DFLOWPP_BUILD_UI=OFF -DFLOWPP_BUILD_CLI=OFF \
    -DFLOWPP_BUILD_TOOLS=OFF -DFLOWPP_DISTRIBUTED=OFF
  cmake --build build-fuzz -j "$(nproc)" --target fuzzers
  # The starting corpus: the replay test's inputs (valid files and their mutations), written by the
  # normal build's test_fuzz_replay (built by installer/test.sh, or here when missing).
  seeds="$PWD/build-fuzz/seeds"
  if [ ! -d "$seeds" ]; then
    if [ ! -x build/tests/fuzz/test_fuzz_replay ]; then
      cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${unity[@]}"
      cmake --build build -j "$(nproc)" --target test_fuzz_replay
    fi
    FLOWPP_FUZZ_SEEDS="$seeds" build/tests/fuzz/test_fuzz_replay > /dev/null 2>&1
  fi
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=1:max_allocation_size_mb=4096:allocator_may_return_null=0"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/installer/lsan-readers.supp:print_suppressions=0"
  seconds="${FLOWPP_FUZZ_SECONDS:-25}"
  # One reader per core at a time (each fuzzer runs on one thread). A crash, a sanitizer report, an
  # input taking over 10 s or more than 4 GiB fails the run; the input that did it is left in
  # build-fuzz/ (crash-*, timeout-*, oom-*) to replay, and its log in build-fuzz/logs/.
  mkdir -p build-fuzz/logs
  fuzz_one() {
    local program="$1" reader="${1##*/fuzz_}"
    mkdir -p "build-fuzz/corpus/$reader"
    if (cd build-fuzz && "../$program" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
          "corpus/$reader" "$seeds/$reader" > "logs/$reader.log" 2>&1); then
      echo "fuzz: $reader for $seconds s: $(grep -m1 '^Done' "build-fuzz/logs/$reader.log")"
    else
      echo "fuzz: $reader FAILED:"; tail -n 40 "build-fuzz/logs/$reader.log"; return 1
    fi
  }
  export -f fuzz_one
  export seconds seeds
  find build-fuzz/tests/fuzz -maxdepth 1 -name 'fuzz_*' -type f -perm -u+x | sort |
    xargs -P "$(nproc)" -I{} bash -c 'fuzz_one "$@"' _ {}
  exit
fi

# mode = sanitize. -O1 keeps the instrumented build quick to compile and its tests quick to run. The measurement tools
# and the .deb packaging check are not part of what the sanitizers check.
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" "${unity[@]}" \
  -DFLOWPP_SANITIZE=address,undefined -DFLOWPP_BUILD_TOOLS=OFF
cmake --build build-sanitize -j "$(nproc)"
# Every report is an error: ASan aborts at its first, UBSan (-fno-sanitize-recover) too, and
# LeakSanitizer fails a process that leaks. Child processes (the CLI the tests start) inherit these.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
# The tests run 2-5x slower instrumented: Qt Test's 5-minute watchdog per test function is lifted
# (CTest's per-test timeouts still stop a hang).
export QTEST_FUNCTION_TIMEOUT=1800000
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/installer/lsan.supp:print_suppressions=0"
# One test at a time: each already uses both cores, and OpenMP threads that spin beside another test's
# make both several times slower. The four longest tests (the studio's and the training panel's
# walks, the two-process training and the fault injection: 18 of the 31 minutes instrumented on
# 2 cores) run in the normal build only, to keep CI under an hour, and so do the studio's layout
# checks and screenshots and the .deb check: a sanitizer build does not build them (NOT_SANITIZED in
# tests/CMakeLists.txt). The instrumented run keeps every reader, the coder, the model, the trainer,
# the CLI, the session and the studio stress test.
cd build-sanitize && ctest --output-on-failure -j 1
