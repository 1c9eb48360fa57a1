#!/usr/bin/python3
"""Rebuild testdata/bad: inputs that must give a clear error (or a sane
image), never a panic. Run: /usr/bin/python3 testdata/bad/make_bad.py

  empty.jpg           0 bytes
  text.jpg            plain text with an image extension
  heic.heic           an ISO-BMFF "ftypheic" header (a format we do not decode)
  truncated.jpg       first 40 % of photos/grace_hopper.jpg
  truncated.png       first half of photos/chelsea.png
  header_only.jpg     grace_hopper.jpg cut right after its first scan header
  corrupt.jpg         grace_hopper.jpg with bytes flipped inside the scan data
  corrupt_header.jpg  grace_hopper.jpg with its Huffman table lengths garbled
  bomb.png            valid IHDR claiming 60000×60000, a tiny IDAT
  bomb.jpg            a small JPEG whose SOF0 claims 60000×60000
  bomb_7000.png       valid IHDR claiming 7000×7000 (under the pixel limit), a tiny IDAT
  bomb.bmp            BMP header claiming 7000×7000 at 24 bits, no pixel rows
  one.png             a 1×1 image
  strip.png           a 3×10000 image (aspect 1:3333)
  wide.png            a 10000×3 image
  bad_exif.jpg        orient_1.jpg with an APP1 Exif whose IFD offset points far outside
"""
import io
import os
import struct
import zlib

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
PHOTOS = os.path.join(HERE, "..", "photos")


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def chunk(typ, data):
    return struct.pack(">I", len(data)) + typ + data + struct.pack(">I", zlib.crc32(typ + data))


def png_claiming(w, h):
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def find_marker(data, marker):
    i = 2
    while i + 4 <= len(data):
        assert data[i] == 0xFF
        m = data[i + 1]
        n = struct.unpack(">H", data[i + 2:i + 4])[0]
        if m == marker:
            return i, n
        i += 2 + n
    raise ValueError("marker not found")


def main():
    hopper = open(os.path.join(PHOTOS, "grace_hopper.jpg"), "rb").read()
    chelsea = open(os.path.join(PHOTOS, "chelsea.png"), "rb").read()

    write("empty.jpg", b"")
    write("text.jpg", b"This is not an image, just some text that was uploaded by mistake.\n")
    write("heic.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    write("truncated.jpg", hopper[: len(hopper) * 4 // 10])
    write("truncated.png", chelsea[: len(chelsea) // 2])
    sos, n = find_marker(hopper, 0xDA)
    write("header_only.jpg", hopper[: sos + 2 + n])

    corrupt = bytearray(hopper)
    start = sos + 2 + n
    for k in range(start + 100, len(corrupt) - 2, 997):
        corrupt[k] ^= 0x5A
    write("corrupt.jpg", bytes(corrupt))

    bad_huff = bytearray(hopper)
    dht, n = find_marker(hopper, 0xC4)
    for k in range(dht + 5, dht + 5 + 16):  # the 16 code-length counts
        bad_huff[k] = 0xFF
    write("corrupt_header.jpg", bytes(bad_huff))

    write("bomb.png", png_claiming(60000, 60000))
    write("bomb_7000.png", png_claiming(7000, 7000))

    small = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 30)).save(small, "JPEG", quality=90)
    small = bytearray(small.getvalue())
    sof, _ = find_marker(small, 0xC0)
    small[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)  # height, width
    write("bomb.jpg", bytes(small))

    w = h = 7000
    bmp = b"BM" + struct.pack("<IHHI", 54 + 3 * w * h, 0, 0, 54)
    bmp += struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, 0, 2835, 2835, 0, 0)
    write("bomb.bmp", bmp)

    Image.new("RGB", (1, 1), (200, 100, 50)).save(os.path.join(HERE, "one.png"))
    strip = Image.linear_gradient("L").resize((3, 10000)).convert("RGB")
    strip.save(os.path.join(HERE, "strip.png"), optimize=True)
    strip.transpose(Image.TRANSPOSE).save(os.path.join(HERE, "wide.png"), optimize=True)

    orient1 = open(os.path.join(PHOTOS, "orient", "orient_1.jpg"), "rb").read()
    tiff = b"MM\x00*" + struct.pack(">I", 0x7FFFFFF0)
    body = b"Exif\x00\x00" + tiff
    write("bad_exif.jpg", orient1[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + orient1[2:])


if __name__ == "__main__":
    main()
