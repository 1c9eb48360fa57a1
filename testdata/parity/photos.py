"""The real photos gen.py --full feeds the full-size networks.

The test batch is 16 photos from testdata/photos/, preprocessed exactly as
torchvision's ImageNet evaluation does (PIL loader with convert("RGB"),
Resize(256), CenterCrop(224), ToTensor, Normalize with the ImageNet mean and
std): its 11 photos in name order, then the horizontal mirror images of 5 of
them (the repository has 10 distinct scenes; mirrors are new pixels, not
copies). grace_hopper_exif6.jpg is read as torchvision's loader reads it,
without applying its EXIF orientation, i.e. rotated.

The BatchNorm calibration views are different crops of the same photos:
RandomResizedCrop(224) and RandomHorizontalFlip, as torchvision's ImageNet
training transform, drawn from torch's global generator after
torch.manual_seed(seed).
"""

import os

import torch
from PIL import Image, ImageOps
from torchvision import transforms

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "photos")
MIRRORED = ["chelsea.png", "dog.jpg", "eagle.jpg", "motorcycle.jpg", "squirrel.jpg"]
VIEWS_PER_PHOTO = 4
NORMALIZE = transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])


def files():
    return sorted(f for f in os.listdir(DIR) if f.lower().endswith((".jpg", ".png")))


def names():
    """The batch's photos, in order; "(mirrored)" marks the flipped ones."""
    return files() + [f + " (mirrored)" for f in MIRRORED]


def load(name):
    with open(os.path.join(DIR, name), "rb") as f:
        return Image.open(f).convert("RGB")  # torchvision.datasets.folder.pil_loader


def batch():
    """16×3×224×224: the test batch, evaluation preprocessing."""
    t = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), NORMALIZE])
    imgs = [load(f) for f in files()] + [ImageOps.mirror(load(f)) for f in MIRRORED]
    x = torch.stack([t(im) for im in imgs])
    assert x.shape == (16, 3, 224, 224), x.shape
    return x


def calibration_views(seed):
    """Training-style random crops of every photo, VIEWS_PER_PHOTO each."""
    t = transforms.Compose([transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(),
                            transforms.ToTensor(), NORMALIZE])
    torch.manual_seed(seed)
    return torch.stack([t(load(f)) for f in files() for _ in range(VIEWS_PER_PHOTO)])
