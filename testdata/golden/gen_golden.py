#!/usr/bin/python3
"""Pillow/torchvision golden outputs for the preprocessing test.

For each photo: PIL open → convert("RGB") → torchvision Resize(256) (PIL
bilinear, antialiased) → CenterCrop(224), saved losslessly as <name>.png
(224×224 RGB, uint8). Run from anywhere with Debian's python3-torchvision:
    /usr/bin/python3 testdata/golden/gen_golden.py
The PNG inputs isolate the resize (both sides decode them bit-exactly); the
JPEG inputs add the decoder difference (libjpeg-turbo vs Go's image/jpeg).
"""
import os

import PIL
import torchvision
from PIL import Image
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
PHOTOS = os.path.join(HERE, "..", "photos")
INPUTS = ["chelsea.png", "camera.png", "grace_hopper.jpg", "coffee.jpg"]

pipeline = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224)])

if __name__ == "__main__":
    print(f"Pillow {PIL.__version__}, torchvision {torchvision.__version__}")
    for name in INPUTS:
        img = Image.open(os.path.join(PHOTOS, name)).convert("RGB")
        out = pipeline(img)
        assert out.size == (224, 224) and out.mode == "RGB"
        dst = os.path.join(HERE, os.path.splitext(name)[0] + ".png")
        out.save(dst)
        print(f"{name} {img.size} -> {os.path.basename(dst)}")
