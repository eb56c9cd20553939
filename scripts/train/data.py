"""Data for the GPU trainer: an ImageFolder tree (`train/<class>/*`,
`test/<class>/*`, a directory or a .tar.gz of one) decoded once into uint8
arrays, cached as .npz, held on the training device and augmented there.

Files are ordered by (class, file name) and classes sorted, as shiftscope's
own loader (`src/data/folder.rs`) orders them, so label k means the same
class on both sides. JPEGs are decoded by Pillow (libjpeg-turbo);
shiftscope decodes with the `image` crate: `tests/trainer.rs` measures
how far the two decoders' pixels differ.
"""
import hashlib
import io
import os
import tarfile

import numpy as np
import torch

SPLITS = ("train", "test")


def _decode(raw):
    from PIL import Image  # Debian: python3-pil; the GPU image has pillow

    with Image.open(io.BytesIO(raw)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def _files(data):
    """Yields (split, class, name, bytes) for every image of `data`."""
    if os.path.isdir(data):
        for split in SPLITS:
            root = os.path.join(data, split)
            for cls in sorted(os.listdir(root)) if os.path.isdir(root) else []:
                for name in sorted(os.listdir(os.path.join(root, cls))):
                    with open(os.path.join(root, cls, name), "rb") as f:
                        yield split, cls, name, f.read()
        return
    with tarfile.open(data, "r:*") as tar:
        for member in tar:
            parts = member.name.strip("./").split("/")
            if member.isfile() and len(parts) == 3 and parts[0] in SPLITS:
                yield parts[0], parts[1], parts[2], tar.extractfile(member).read()


def decode(data, log=print):
    """Decodes every image of `data` into {split: (images (N,H,W,3) uint8,
    labels (N,) int64)} plus the sorted class names."""
    entries = {split: [] for split in SPLITS}
    for i, (split, cls, name, raw) in enumerate(_files(data)):
        entries[split].append((cls, name, _decode(raw)))
        if (i + 1) % 10000 == 0:
            log(f"decoded {i + 1} images")
    classes = sorted({cls for cls, _, _ in entries["train"]})
    if not classes:
        raise SystemExit(f"{data}: no train/<class>/<image> files found")
    out = {"classes": classes}
    for split, items in entries.items():
        items.sort(key=lambda e: (e[0], e[1]))
        unknown = sorted({cls for cls, _, _ in items} - set(classes))
        if unknown:
            raise SystemExit(f"{data}: {split} classes {unknown} are not among the training classes")
        shapes = {img.shape for _, _, img in items}
        if len(shapes) > 1:
            raise SystemExit(f"{data}: {split} images differ in size ({sorted(shapes)[:3]} ...)")
        images = np.stack([img for _, _, img in items]) if items else np.zeros((0, 1, 1, 3), np.uint8)
        labels = np.array([classes.index(cls) for cls, _, _ in items], dtype=np.int64)
        out[split] = (images, labels)
    return out


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load(data, cache_dir=None, log=print):
    """`decode(data)`, or its cache: `data` itself when it is an .npz, else
    `<cache_dir>/<sha256 of data>.npz` when `cache_dir` is given (written on
    the first call)."""
    cache = None
    if data.endswith(".npz"):
        cache = data
    elif cache_dir and os.path.isfile(data):
        cache = os.path.join(cache_dir, file_sha256(data)[:16] + ".npz")
    if cache and os.path.exists(cache):
        z = np.load(cache)
        return {"classes": list(z["classes"]), "train": (z["train_x"], z["train_y"]),
                "test": (z["test_x"], z["test_y"])}
    if data.endswith(".npz"):
        raise SystemExit(f"{data} does not exist")
    out = decode(data, log)
    if cache:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = cache + ".tmp.npz"
        np.savez(tmp, classes=np.array(out["classes"]), train_x=out["train"][0], train_y=out["train"][1],
                 test_x=out["test"][0], test_y=out["test"][1])
        os.replace(tmp, cache)
    return out


def first_per_class(images, labels, n):
    """The first `n` images of each class, in order."""
    keep = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        keep[np.flatnonzero(labels == c)[:n]] = True
    return images[keep], labels[keep]


def hold_out(images, labels, per_class):
    """Splits off the last `per_class` images of each class as a validation
    set: (train, valid), each (images, labels). The test split is never
    used for training or for any choice the trainer makes."""
    valid = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        if per_class >= len(idx):
            raise SystemExit(f"--holdout-per-class {per_class} leaves class {c} without training images")
        if per_class > 0:
            valid[idx[-per_class:]] = True
    return (images[~valid], labels[~valid]), (images[valid], labels[valid])


def reflect(index, side):
    """Indices up to `side - 1` outside 0..side reflected back inside
    without repeating the edge (-1 -> 1, side -> side - 2), as
    `src/data/augment.rs` does."""
    last = side - 1
    index = index.abs()
    return torch.where(index > last, 2 * last - index, index).clamp(0, last)


def crop_flip(images, padding, flip, generator):
    """Random crop of the original size from a reflect-padded image, then a
    left-right flip with probability 1/2, per image, as one gather.

    # Shapes
    images: (B, H, W, 3) uint8 on the device -> the same shape.
    """
    b, h, w, _ = images.shape
    dev = images.device
    dy = torch.randint(-padding, padding + 1, (b, 1), generator=generator, device=dev)
    dx = torch.randint(-padding, padding + 1, (b, 1), generator=generator, device=dev)
    cols = torch.arange(w, device=dev).expand(b, w)
    if flip:
        flipped = torch.rand((b, 1), generator=generator, device=dev) < 0.5
        cols = torch.where(flipped, w - 1 - cols, cols)
    rows = reflect(torch.arange(h, device=dev).expand(b, h) + dy, h)
    cols = reflect(cols + dx, w)
    batch = torch.arange(b, device=dev)[:, None, None]
    return images[batch, rows[:, :, None], cols[:, None, :]]


def normalise(images, mean, std):
    """uint8 (B, H, W, 3) -> float (B, 3, H, W) with per-channel mean/std on
    0-1 values, as shiftscope's preprocessing does."""
    x = images.permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(mean, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(std, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std
