#!/usr/bin/env bash
# Installs every Debian 12 package Flow++ Studio needs to build, test and run.
# Idempotent and non-interactive: packages already present are left alone.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config file dpkg-dev zlib1g-dev
  libtorch-dev            # LibTorch 1.13 (CPU)
  libsleef-dev            # vectorised exp/log for the fused mixture-of-logistics kernels (torch uses it too)
  libgloo-dev             # headers of Gloo, the transport of LibTorch's ProcessGroupGloo (distributed training)
  libopenblas0-pthread    # fast BLAS for LibTorch's generic BLAS alternative (reference BLAS is ~2.5x slower)
  libjemalloc-dev         # malloc of flowpp and flowpp-studio: a third less peak memory in training than glibc's
  nlohmann-json3-dev      # configs, metrics and bench output
  libcli11-dev            # command-line parsing for `flowpp`
  libopencv-dev           # image files (PNG/JPEG) and GIF-free frame export
  libwebp-dev libjxl-dev  # WebP and JPEG XL lossless, the classical codecs `flowpp compress` is compared with
  optipng webp libjxl-tools xz-utils zstd  # command-line codecs for tools/classical-codecs.sh (tests do not need them)
  jq                      # tools/bench-compare.sh reads bench's JSON
  opencv-doc              # ships examples/data/digits.png (MNIST digits, an out-of-distribution set)
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev   # the studio; Charts fails to configure without OpenGL dev
  qt6-image-formats-plugins
  dataset-fashion-mnist   # gzip IDX files in /usr/share/datasets/fashion-mnist/
  xvfb xauth              # real screenshots of the studio
  clang-14 libclang-rt-14-dev   # libFuzzer (installer/test.sh --fuzz): clang and its fuzzer runtime
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all ${#packages[@]} packages present"
