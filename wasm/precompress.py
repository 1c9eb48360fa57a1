#!/usr/bin/python3
"""Write FILE.br beside each FILE for cmd/serve, which serves a .br sibling
to browsers that accept brotli (Go's standard library has no brotli encoder).
Uses Debian's python3-brotli; without it, does nothing (gzip still works)."""
import sys

try:
    import brotli
except ImportError:
    print("precompress: python3-brotli not installed; serving gzip only", file=sys.stderr)
    sys.exit(0)

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        raw = f.read()
    out = brotli.compress(raw, quality=11, lgwin=24)
    with open(path + ".br", "wb") as f:
        f.write(out)
    print(f"precompress: {path}: {len(raw)} -> {len(out)} bytes (brotli q11)")
