#!/usr/bin/env bash
# One command: install the Debian packages, build, and start Flow++ Studio on the bundled model.
set -euo pipefail
cd "$(dirname "$0")/.."
./installer/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)" --target flowpp-studio flowpp
exec build/app/flowpp-studio --model models/fmnist-small.fpp "$@"
