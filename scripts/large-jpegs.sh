#!/bin/sh
# Makes large JPEGs for engine's TestLargeJPEGAgreement: every photo in
# testdata/photos upscaled (ImageMagick) to 12 MP baseline 4:2:0 and to
# 50 MP progressive 4:2:0, and, if given, the JPEG photos of a directory
# (e.g. Debian's opencv-doc examples/data) upscaled to 12 MP. Then:
#   RESNET_LARGE_JPEGS=DIR go test ./engine -run LargeJPEG -v
# Usage: scripts/large-jpegs.sh OUTDIR [MORE_PHOTOS_DIR]
set -eu
out=$1
mkdir -p "$out"
cd "$(dirname "$0")/.."
for f in testdata/photos/*.jpg testdata/photos/*.png; do
	b=$(basename "${f%.*}")
	convert "$f" -auto-orient -resize 12000000@ -sampling-factor 2x2 -quality 92 "$out/$b-12mp.jpg"
	convert "$f" -auto-orient -resize 50000000@ -sampling-factor 2x2 -interlace JPEG -quality 90 "$out/$b-50mp-progressive.jpg"
done
if [ $# -ge 2 ]; then
	for f in "$2"/*.jpg; do
		b=$(basename "${f%.*}")
		convert "$f" -auto-orient -resize 12000000@ -sampling-factor 2x2 -quality 92 "$out/extra-$b-12mp.jpg"
	done
fi
ls "$out" | wc -l
