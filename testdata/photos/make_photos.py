#!/usr/bin/python3
"""Rebuild testdata/photos from the Debian packages named in LICENSES.md.

Usage (once; the outputs are committed):
    apt-get download darknet opencv-doc
    dpkg -x darknet_*.deb /tmp/dk && dpkg -x opencv-doc_*.deb /tmp/ocv
    /usr/bin/python3 testdata/photos/make_photos.py /tmp/dk /tmp/ocv

JPEG sources are copied byte for byte (no second lossy pass); PNG sources
stay PNG or become JPEG quality 90. Then two derived kinds of file:
  - grace_hopper_exif6.jpg: the photo's pixels turned 90° anticlockwise, with
    an EXIF Orientation of 6 ("turn 90° clockwise to display"), so it is
    upright only for a reader that honours the tag;
  - orient/orient_N.jpg (N = 1..8): a 48×32 four-colour pattern stored so that
    orientation N displays it upright; each file is checked with
    ImageMagick's -auto-orient, independently of the Go code under test;
  - formats/: chelsea.png at 96×64 as every pixel layout the decoder must
    handle (CMYK JPEG, 16-bit PNG, grey+alpha PNG, palette GIF, WebP lossy and
    lossless, BMP, PNG eXIf and WebP EXIF with orientation 6), all compared
    in the Go tests with formats/reference.png.
"""
import io
import os
import shutil
import struct
import subprocess
import sys
import zlib

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SK = "/usr/lib/python3/dist-packages/skimage/data"
MPL = "/usr/share/matplotlib/mpl-data/sample_data"


def exif_app1(orientation):
    """APP1 segment holding a little-endian TIFF IFD0 with one Orientation tag."""
    tiff = b"II*\x00" + struct.pack("<I", 8)
    tiff += struct.pack("<H", 1)  # one entry
    tiff += struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)  # SHORT, count 1
    tiff += struct.pack("<I", 0)  # no next IFD
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def with_orientation(jpeg, orientation):
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + exif_app1(orientation) + jpeg[2:]


def jpeg_bytes(img, quality=90):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def photos(dk, ocv):
    copy = {
        "grace_hopper.jpg": f"{MPL}/grace_hopper.jpg",
        "eagle.jpg": f"{dk}/usr/share/darknet/data/eagle.jpg",
        "dog.jpg": f"{dk}/usr/share/darknet/data/dog.jpg",
        "orange.jpg": f"{ocv}/usr/share/doc/opencv-doc/examples/data/orange.jpg",
        "squirrel.jpg": f"{ocv}/usr/share/doc/opencv-doc/examples/data/squirrel_cls.jpg",
        "chelsea.png": f"{SK}/chelsea.png",
        "camera.png": f"{SK}/camera.png",  # 8-bit grayscale PNG
    }
    for name, src in copy.items():
        shutil.copyfile(src, os.path.join(HERE, name))
    for name, src in {
        "coffee.jpg": f"{SK}/coffee.png",
        "motorcycle.jpg": f"{SK}/motorcycle_left.png",
    }.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(jpeg_bytes(Image.open(src).convert("RGB")))
    # Keep the alpha channel (min alpha 127 on ~0.4 % of pixels), smaller.
    chicky = Image.open(f"{ocv}/usr/share/doc/opencv-doc/examples/data/chicky_512.png")
    chicky.resize((320, 320), Image.BILINEAR).save(os.path.join(HERE, "pekinese.png"), optimize=True)

    hopper = Image.open(f"{MPL}/grace_hopper.jpg").convert("RGB")
    stored = hopper.transpose(Image.ROTATE_90)  # PIL ROTATE_90 is anticlockwise
    with open(os.path.join(HERE, "grace_hopper_exif6.jpg"), "wb") as f:
        f.write(with_orientation(jpeg_bytes(stored, 92), 6))


# Inverse of each orientation's display transform, as ImageMagick operators.
INVERSE = {1: [], 2: ["-flop"], 3: ["-rotate", "180"], 4: ["-flip"],
           5: ["-transpose"], 6: ["-rotate", "270"], 7: ["-transverse"], 8: ["-rotate", "90"]}
QUAD = [(220, 30, 30), (30, 200, 30), (30, 30, 220), (240, 220, 40)]  # TL, TR, BL, BR


def pattern():
    img = Image.new("RGB", (48, 32))
    for i, c in enumerate(QUAD):
        x0, y0 = (i % 2) * 24, (i // 2) * 16
        img.paste(c, (x0, y0, x0 + 24, y0 + 16))
    return img


def corners(img):
    img = img.convert("RGB")
    w, h = img.size
    return [img.getpixel(p) for p in [(w // 4, h // 4), (3 * w // 4, h // 4), (w // 4, 3 * h // 4), (3 * w // 4, 3 * h // 4)]]


def close(a, b, tol=24):
    return all(abs(x - y) <= tol for p, q in zip(a, b) for x, y in zip(p, q))


def orientations():
    d = os.path.join(HERE, "orient")
    os.makedirs(d, exist_ok=True)
    up = os.path.join(d, "upright.png")
    pattern().save(up)
    for o, ops in INVERSE.items():
        stored = subprocess.run(["convert", up, *ops, "-quality", "95", "jpg:-"],
                                check=True, capture_output=True).stdout
        out = os.path.join(d, f"orient_{o}.jpg")
        with open(out, "wb") as f:
            f.write(with_orientation(stored, o))
        shown = subprocess.run(["convert", out, "-auto-orient", "png:-"],
                               check=True, capture_output=True).stdout
        shown = Image.open(io.BytesIO(shown))
        assert shown.size == (48, 32), (o, shown.size)
        assert close(corners(shown), QUAD), (o, corners(shown))
    os.remove(up)


def formats():
    d = os.path.join(HERE, "formats")
    os.makedirs(d, exist_ok=True)
    ref = Image.open(os.path.join(HERE, "chelsea.png")).convert("RGB").resize((96, 64), Image.BILINEAR)
    ref.save(os.path.join(d, "reference.png"))
    ref.convert("CMYK").save(os.path.join(d, "cmyk.jpg"), quality=95)  # Adobe APP14, inverted CMYK
    # 16-bit RGB: the low byte is noise the 8-bit result must ignore.
    raw = bytearray()
    for r, g, b in ref.getdata():
        for v in (r, g, b):
            raw += struct.pack(">H", v << 8 | (v * 7 & 0xFF))
    with open(os.path.join(d, "rgb16.png"), "wb") as f:
        f.write(png_rgb16(96, 64, bytes(raw)))
    # Grey + alpha: left half opaque, right half fully transparent (must become white).
    la = ref.convert("L").convert("LA")
    alpha = Image.new("L", ref.size, 255)
    alpha.paste(0, (48, 0, 96, 64))
    la.putalpha(alpha)
    la.save(os.path.join(d, "gray_alpha.png"))
    ref.quantize(256).save(os.path.join(d, "palette.gif"))
    ref.save(os.path.join(d, "lossy.webp"), quality=95)
    # What libwebp (through Pillow) decodes it to: the colour-conversion check.
    Image.open(os.path.join(d, "lossy.webp")).convert("RGB").save(os.path.join(d, "lossy_libwebp.png"))
    ref.save(os.path.join(d, "lossless.webp"), lossless=True)
    ref.save(os.path.join(d, "bmp24.bmp"))
    stored = ref.transpose(Image.ROTATE_90)  # displayed upright with orientation 6
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(os.path.join(d, "exif6.png"), exif=exif.tobytes())
    stored.save(os.path.join(d, "exif6.webp"), lossless=True, exif=exif.tobytes())


def png_rgb16(w, h, raw):
    def chunk(typ, data):
        return struct.pack(">I", len(data)) + typ + data + struct.pack(">I", zlib.crc32(typ + data))
    rows = b"".join(b"\x00" + raw[y * w * 6:(y + 1) * w * 6] for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    photos(sys.argv[1], sys.argv[2])
    orientations()
    formats()
