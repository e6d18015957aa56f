#!/usr/bin/env bash
# Every GPU figure in one go, for a short lease of a CUDA machine: builds the core, the CLI and (where
# Qt 6 Test is there) the core tests against that machine's CUDA LibTorch, then runs
#   - the core tests of the mixture, layers, model, golden values and codec (built with CUDA LibTorch),
#   - `flowpp check --device cuda` (invertibility and log-det self-checks on the GPU),
#   - `flowpp bench --device cuda` on BENCH-S, the bundled model and the CIFAR-10 config.
#   - where Qt 6 Widgets + Charts and OpenCV are installed: the studio and its session test, offscreen (the
#     studio picks CUDA by itself when the LibTorch it was built with sees a GPU).
# Results (JSON lines and logs) go to ${OUT:-gpu-check}/. Aimed at under 8 minutes on one GPU.
#   installer/gpu-check.sh [TORCH_DIR]
# TORCH_DIR: LibTorch's cmake folder; default: from the python3 torch package.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-gpu-check}"
mkdir -p "$out"
log() { echo "gpu-check: $*" | tee -a "$out/summary.txt"; }

torch_dir="${1:-}"
if [ -z "$torch_dir" ]; then
  torch_dir="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2> /dev/null)/Torch"
fi
[ -f "$torch_dir/TorchConfig.cmake" ] || { log "no LibTorch at '$torch_dir' (give its cmake folder)"; exit 2; }
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>&1 | tee -a "$out/summary.txt"

tests=ON ui=OFF
# Qt 6 Test (Debian's qt6-base-dev) is what the tests are written with; without it only the CLI is built.
ls /usr/lib/*/cmake/Qt6Test/Qt6TestConfig.cmake > /dev/null 2>&1 || tests=OFF
# The studio needs Qt 6 Charts and OpenCV beside it (Debian: libqt6charts6-dev, libopencv-dev), and a LibTorch
# built with the C++11 ABI, as Debian's Qt is.
if [ "$tests" = ON ] && ls /usr/lib/*/cmake/Qt6Charts/Qt6ChartsConfig.cmake > /dev/null 2>&1 \
   && ls /usr/lib/*/cmake/opencv4/OpenCVConfig.cmake > /dev/null 2>&1; then
  ui=ON
fi
start=$SECONDS
cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$torch_dir" -DFLOWPP_BUILD_UI=$ui \
  -DFLOWPP_BUILD_TOOLS=OFF -DBUILD_TESTING=$tests -DCMAKE_UNITY_BUILD=ON > "$out/configure.log" 2>&1 \
  || { log "configure failed (see $out/configure.log)"; exit 1; }
targets=(flowpp)
[ "$tests" = ON ] && targets+=(test_mixlogistic test_layers test_model test_golden test_codec)
[ "$ui" = ON ] && targets+=(flowpp-studio test_session)
cmake --build build-cuda -j "$(nproc)" --target "${targets[@]}" > "$out/build.log" 2>&1 \
  || { log "build failed (see $out/build.log)"; exit 1; }
log "built in $((SECONDS - start)) s (tests: $tests, studio: $ui)"

flowpp=build-cuda/app/flowpp
if [ "$tests" = ON ]; then
  (cd build-cuda && QT_QPA_PLATFORM=offscreen \
     ctest --output-on-failure -R '^test_(mixlogistic|layers|model|golden|codec)$') > "$out/tests.log" 2>&1
  log "core tests: exit $? (see $out/tests.log)"
fi
if [ "$ui" = ON ]; then
  (cd build-cuda && QT_QPA_PLATFORM=offscreen timeout 300 ctest --output-on-failure -R '^test_session$') \
    > "$out/studio-tests.log" 2>&1
  log "studio session test (offscreen): exit $? (see $out/studio-tests.log)"
fi
"$flowpp" check --device cuda > "$out/check.json" 2> "$out/check.log"
log "check --device cuda: exit $?"
for model in models/bench-s.json models/fmnist-small.fpp models/cifar10.json; do
  name="$(basename "${model%.*}")"
  batch=32
  [ "$name" = cifar10 ] && batch=8
  timeout 150 "$flowpp" bench --device cuda --model "$model" --batch-size "$batch" --steps 10 \
    > "$out/bench-$name.json" 2> "$out/bench-$name.log"
  log "bench $name (batch $batch): exit $?; $(tail -n 1 "$out/bench-$name.json" | head -c 400)"
done
log "done in $((SECONDS - start)) s"
