#!/usr/bin/env bash
# Sizes of Debian's lossless codecs at their strongest settings on the first N images of an IDX file
# (default: 1,000 Fashion-MNIST test images), in bits per pixel with every header counted: one file
# per image, and one file for all (the images stacked into one tall picture; xz and zstd on the raw
# pixel bytes). The figures `flowpp compress` is compared with in README "Compression".
#   tools/classical-codecs.sh [IDX(.gz)] [N]
# Needs optipng, webp (cwebp), libjxl-tools (cjxl), xz-utils and zstd (installer/install-deps.sh).
set -euo pipefail
idx="${1:-/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz}"
n="${2:-1000}"
for tool in optipng cwebp cjxl xz zstd; do
  command -v "$tool" > /dev/null || { echo "classical-codecs: $tool is missing (installer/install-deps.sh installs it)" >&2; exit 2; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The raw pixels: the IDX header (16 bytes for images) dropped; 28x28 grey images.
# (head stops reading early: the SIGPIPE of the commands before it is expected.)
(set +o pipefail; if [[ "$idx" == *.gz ]]; then zcat "$idx"; else cat "$idx"; fi | tail -c +17 | head -c $((n * 784)) > "$work/raw")
[ "$(stat -c %s "$work/raw")" -eq $((n * 784)) ] || { echo "classical-codecs: $idx has fewer than $n 28x28 images" >&2; exit 3; }
pixels=$((n * 784))

# One PGM per image, and one picture of all of them: a grid 25 images wide (WebP allows at most
# 16383 pixels a side), the last row padded with black images (their pixels are not counted).
mkdir -p "$work/pgm" "$work/png" "$work/webp" "$work/jxl"
for ((i = 0; i < n; i++)); do
  { printf 'P5\n28 28\n255\n'; dd if="$work/raw" bs=784 skip="$i" count=1 status=none; } > "$work/pgm/$i.pgm"
done
cols=$((n < 25 ? n : 25))
rows=$(((n + cols - 1) / cols))
head -c $((rows * cols * 784)) < <(cat "$work/raw" /dev/zero) > "$work/padded"
{
  printf 'P5\n%d %d\n255\n' $((28 * cols)) $((28 * rows))
  for ((r = 0; r < rows; r++)); do
    for ((y = 0; y < 28; y++)); do
      for ((c = 0; c < cols; c++)); do
        dd if="$work/padded" bs=28 skip=$(((r * cols + c) * 28 + y)) count=1 status=none
      done
    done
  done
} > "$work/all.pgm"

bpp() { awk -v b="$1" -v p="$2" 'BEGIN { printf "%.2f", 8 * b / p }'; }
total() { du -cb "$@" | tail -1 | cut -f1; }

for ((i = 0; i < n; i++)); do
  optipng -quiet -o7 "$work/pgm/$i.pgm" -out "$work/png/$i.png"
  cwebp -quiet -lossless -z 9 "$work/png/$i.png" -o "$work/webp/$i.webp"
  cjxl -d 0 -e 9 --quiet "$work/png/$i.png" "$work/jxl/$i.jxl" 2> /dev/null
done
optipng -quiet -o7 "$work/all.pgm" -out "$work/all.png"
cwebp -quiet -lossless -z 9 "$work/all.png" -o "$work/all.webp"
cjxl -d 0 -e 9 --quiet "$work/all.png" "$work/all.jxl" 2> /dev/null
xz -9e -k -c "$work/raw" > "$work/raw.xz"
zstd -q --ultra -22 -c "$work/raw" > "$work/raw.zst"

echo "first $n images of $idx, bits per pixel (every header counted)"
printf '%-34s %16s %16s\n' codec "one file each" "one file for all"
printf '%-34s %16s %16s\n' "PNG (optipng -o7)" "$(bpp "$(total "$work"/png/*)" $pixels)" "$(bpp "$(stat -c %s "$work/all.png")" $pixels)"
printf '%-34s %16s %16s\n' "WebP lossless (cwebp -lossless -z 9)" "$(bpp "$(total "$work"/webp/*)" $pixels)" "$(bpp "$(stat -c %s "$work/all.webp")" $pixels)"
printf '%-34s %16s %16s\n' "JPEG XL lossless (cjxl -d 0 -e 9)" "$(bpp "$(total "$work"/jxl/*)" $pixels)" "$(bpp "$(stat -c %s "$work/all.jxl")" $pixels)"
printf '%-34s %16s %16s\n' "xz -9e (raw bytes)" "-" "$(bpp "$(stat -c %s "$work/raw.xz")" $pixels)"
printf '%-34s %16s %16s\n' "zstd --ultra -22 (raw bytes)" "-" "$(bpp "$(stat -c %s "$work/raw.zst")" $pixels)"
