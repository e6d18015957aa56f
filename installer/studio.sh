#!/usr/bin/env bash
# One command: install the Debian packages, build, and start on the bundled model. Until the Qt
# studio lands (see README), this samples the bundled model with the CLI and opens nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
./installer/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)" --target flowpp
if [ -x build/app/flowpp-studio ]; then
  exec build/app/flowpp-studio --model models/fmnist-small.fpp "$@"
fi
build/app/flowpp sample --model models/fmnist-small.fpp -n 64 --seed 1 --out samples.png
echo "The studio GUI is not built yet; wrote 64 samples of the bundled model to samples.png"
