#!/usr/bin/env bash
# Builds the Debian package with CPack and checks it: contents, declared dependencies, and that the
# packaged `flowpp --version` runs from an extracted copy.
set -euo pipefail
build="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$build"
cpack -G DEB -B "$work/pkg" > "$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/pkg/*.deb | head -1)
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"
dpkg-deb -x "$deb" "$work/root"
for f in usr/bin/flowpp usr/bin/flowpp-studio usr/share/flowpp-studio/models/fmnist-small.fpp \
         usr/share/flowpp-studio/models/fmnist-small.json usr/share/applications/flowpp-studio.desktop \
         usr/share/icons/hicolor/scalable/apps/flowpp-studio.svg; do
  [ -f "$work/root/$f" ] || { echo "missing from the package: $f"; exit 1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for d in libopenblas0-pthread libtorch libqt6widgets6; do
  echo "$depends" | grep -q "$d" || { echo "dependency not declared: $d"; exit 1; }
done
version=$("$work/root/usr/bin/flowpp" --version)
echo "$version" | grep -q "^flowpp " || { echo "packaged flowpp --version printed: $version"; exit 1; }
"$work/root/usr/bin/flowpp" info --model "$work/root/usr/share/flowpp-studio/models/fmnist-small.fpp" | grep -q '"parameters":692696'
echo "package ok: $version"
