#!/bin/sh
# Rebuilds testdata/budget: small images of every kind whose decode costs
# differ (bit depth, interlacing, progressive vs baseline, subsampling,
# component count, GIF/WebP/BMP specifics), made with ImageMagick from a
# committed photo. engine/preprocess's TestEstimateCoversAllocations checks
# the header-only memory estimate against what decoding each one allocates;
# the cost per pixel is what matters, so they are small. Run from the
# repository root; the outputs are committed.
set -eu
src=testdata/photos/eagle.jpg
out=testdata/budget
im() { convert "$src" -resize 240x180! "$@"; }
im -depth 16 -interlace PNG png64:$out/rgba16_interlaced.png
im -depth 16 -interlace PNG png48:$out/rgb16_interlaced.png
im -depth 16 png48:$out/rgb16.png
im -colorspace Gray -depth 16 png:$out/gray16.png
im -depth 8 -interlace PNG png32:$out/rgba8_interlaced.png
im -colors 64 -interlace PNG png8:$out/palette_interlaced.png
im -sampling-factor 1x1 -interlace JPEG -quality 90 $out/progressive_444.jpg
im -sampling-factor 2x2 -interlace JPEG -quality 90 $out/progressive_420.jpg
im -sampling-factor 2x1 -quality 90 $out/baseline_422.jpg
im -sampling-factor 2x2 -quality 90 $out/baseline_420.jpg
im -colorspace Gray -interlace JPEG -quality 90 $out/progressive_gray.jpg
im -colorspace CMYK -interlace JPEG -quality 90 $out/progressive_cmyk.jpg
im -colorspace CMYK -quality 90 $out/baseline_cmyk.jpg
im -interlace GIF $out/interlaced.gif
im -alpha set -channel A -evaluate set 60% +channel -quality 80 $out/lossy_alpha.webp
im -define webp:lossless=true $out/lossless.webp
im -type Palette -compress None bmp3:$out/palette.bmp
im bmp3:$out/rgb24.bmp
