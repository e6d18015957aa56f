#!/usr/bin/env bash
# One command: install the Debian packages, build (ccache + precompiled torch header), run CTest.
#   installer/test.sh             the Release build in build/ and every test
#   installer/test.sh --sanitize  the same tests built with AddressSanitizer and UndefinedBehaviorSanitizer
#                                 (-DFLOWPP_SANITIZE=address,undefined, in build-sanitize/); any report fails
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=0
case "${1:-}" in
  "") ;;
  --sanitize) sanitize=1 ;;
  *) echo "usage: installer/test.sh [--sanitize]" >&2; exit 2 ;;
esac

./installer/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# A unity build compiles a dozen sources per compiler run: LibTorch's headers are parsed and their
# inline code generated once per dozen instead of once per file (a fresh build takes half the time).
unity=(-DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=12)

if [ "$sanitize" = 0 ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${unity[@]}"
  cmake --build build -j "$(nproc)"
  cd build && ctest --output-on-failure -j 1
  exit
fi

# -O1 keeps the instrumented build quick to compile and its tests quick to run. The measurement tools
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
# make both several times slower.
cd build-sanitize && ctest --output-on-failure -j 1 -E '^package_deb$'
