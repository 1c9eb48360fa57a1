#!/usr/bin/env python3
"""Remake the converter's calibration photos (tools/convert/calib/photos).

Downloads Debian's tuxpaint-stamps-default with `apt-get download` (installs
nothing), takes the stamps of the folders the evaluation set does not use
(testdata/agreement/gather.py), keeps the 32 with the most distinct colours
(photographs rather than drawings) and scales each to fit 256×256 with
ImageMagick. Needs apt-get, dpkg-deb and ImageMagick's convert/identify.
"""
import glob
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "tuxpaint-stamps-default"
STAMPS = "usr/share/tuxpaint/stamps/"
FOLDERS = ["people", "medical", "naturalforces", "space", "seasonal", "town", "symbols/money"]
SKIP = ["town/monuments/"]  # in the evaluation set
COUNT = 32


def main():
    out = os.path.join(HERE, "photos")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", PACKAGE], cwd=tmp, check=True)
        deb = glob.glob(os.path.join(tmp, PACKAGE + "_*.deb"))[0]
        subprocess.run(["dpkg-deb", "-x", deb, os.path.join(tmp, "x")], check=True)
        root = os.path.join(tmp, "x", STAMPS)
        found = []
        for folder in FOLDERS:
            for p in sorted(glob.glob(os.path.join(root, folder, "**", "*.png"), recursive=True)):
                rel = os.path.relpath(p, root)
                if any(rel.startswith(s) for s in SKIP):
                    continue
                colours = int(subprocess.run(["identify", "-format", "%k", p], check=True,
                                             capture_output=True, text=True).stdout)
                found.append((-colours, rel))
        found.sort()
        os.makedirs(out, exist_ok=True)
        for old in glob.glob(os.path.join(out, "*.png")):
            os.remove(old)
        for _, rel in found[:COUNT]:
            subprocess.run(["convert", os.path.join(root, rel), "-resize", "256x256>", "-strip",
                            os.path.join(out, rel.replace("/", "-"))], check=True)
    print(f"{COUNT} photos in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
