#!/usr/bin/env bash
# One command: install the Debian packages, build (ccache + precompiled torch header), run CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./installer/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"
cd build && ctest --output-on-failure -j 1
