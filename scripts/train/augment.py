"""Batched augmentation on the training device, every draw per image:
TrivialAugment (Müller & Hutter 2021: one op of a fixed list, a uniformly
drawn magnitude; here over RandAugment's ranges), random erasing, and
mixup / CutMix with soft targets.

All functions take float images in 0-1, shape (B, 3, H, W); per-image
draws come from a `torch.Generator` on the same device, per-batch ones
from a numpy Generator, so one seed fixes every draw.
"""
import math

import torch
import torch.nn.functional as F

FILL = 0.5  # grey where geometric ops uncover pixels

# RandAugment's op list (minus equalize) and ranges: rotate ±30°, shear
# ±0.3, translate ±45 % of the side, enhance factors 0.1-1.9, posterize to
# 4-8 bits (TrivialAugment's milder "RA" space; its "wide" space moves
# small images wholly out of the frame).
GEOMETRIC = ("rotate", "shear_x", "shear_y", "translate_x", "translate_y")
COLOUR = ("identity", "brightness", "color", "contrast", "sharpness", "posterize", "solarize", "autocontrast")
OPS = COLOUR + GEOMETRIC


def _uniform(n, lo, hi, g, dev):
    return lo + (hi - lo) * torch.rand(n, generator=g, device=dev)


def _signed(n, hi, g, dev):
    sign = torch.where(torch.rand(n, generator=g, device=dev) < 0.5, -1.0, 1.0)
    return sign * _uniform(n, 0.0, hi, g, dev)


def _blend(a, b, factor):
    """a + factor·(b - a) with a per-image factor, clamped to 0-1 (PIL's
    ImageEnhance: factor 1 keeps `b`, 0 gives `a`)."""
    return (a + factor.view(-1, 1, 1, 1) * (b - a)).clamp_(0.0, 1.0)


def _grey(x):
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])


def _colour_ops(x, factor, bits, threshold):
    """Every colour op applied to the whole batch: {name: (B, 3, H, W)}."""
    grey = _grey(x).expand_as(x)
    mean = _grey(x).mean(dim=(1, 2, 3), keepdim=True).expand_as(x)
    kernel = torch.ones(3, 3, dtype=x.dtype, device=x.device)
    kernel[1, 1] = 5.0  # PIL's SMOOTH filter, as ImageEnhance.Sharpness uses
    kernel /= 13.0
    blurred = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernel.expand(3, 1, 3, 3), groups=3)
    lo = x.amin(dim=(2, 3), keepdim=True)
    hi = x.amax(dim=(2, 3), keepdim=True)
    levels = (2.0 ** bits).view(-1, 1, 1, 1)
    return {
        "identity": x,
        "brightness": _blend(torch.zeros_like(x), x, factor),
        "color": _blend(grey, x, factor),
        "contrast": _blend(mean, x, factor),
        "sharpness": _blend(blurred, x, factor),
        "posterize": torch.floor(x * levels) / levels,
        "solarize": torch.where(x >= threshold.view(-1, 1, 1, 1), 1.0 - x, x),
        "autocontrast": torch.where(hi > lo, (x - lo) / (hi - lo).clamp_min(1e-6), x),
    }


def _affine(x, op, magnitude):
    """Rotate / shear / translate each image by its own matrix (pixels
    sampled bilinearly, uncovered ones grey); `op` (B,) indexes GEOMETRIC,
    any other value leaves the image in place. Built without boolean
    indexing, so no step waits for the GPU."""
    b, _, h, w = x.shape
    on = [(op == i).to(x.dtype) * magnitude for i in range(len(GEOMETRIC))]
    angle = on[0] * math.pi / 180.0 * 30.0 / 0.3  # magnitude in ±0.3 → ±30°
    cos, sin = torch.cos(angle), torch.sin(angle)
    # grid coordinates span 2 per side: ±0.3 → ±0.9, i.e. ±45 % of the side
    theta = torch.stack([torch.stack([cos, -sin + on[1], 3.0 * on[3]], 1),
                         torch.stack([sin + on[2], cos, 3.0 * on[4]], 1)], 1)
    grid = F.affine_grid(theta, (b, 3, h, w), align_corners=False)
    ones = torch.ones_like(x[:, :1])
    out = F.grid_sample(torch.cat([x, ones], 1), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    inside = out[:, 3:4]
    return out[:, :3] + (1.0 - inside) * FILL


def trivial_augment(x, g):
    """One op per image, drawn uniformly from OPS, with a uniform magnitude
    over the op's range (TrivialAugment)."""
    b, dev = x.shape[0], x.device
    op = torch.randint(0, len(OPS), (b,), generator=g, device=dev)
    factor = _uniform(b, 0.1, 1.9, g, dev)             # enhance factors
    bits = torch.randint(4, 9, (b,), generator=g, device=dev).float()
    threshold = _uniform(b, 0.0, 1.0, g, dev)
    magnitude = _signed(b, 0.3, g, dev)                # shear, or scaled to angle / shift
    colour = _colour_ops(x, factor, bits, threshold)
    out = x.clone()
    for i, name in enumerate(COLOUR):
        pick = op == i
        out = torch.where(pick.view(-1, 1, 1, 1), colour[name], out)
    geo = op >= len(COLOUR)
    moved = _affine(x, op - len(COLOUR), magnitude)
    return torch.where(geo.view(-1, 1, 1, 1), moved, out)


def random_erase(x, g, probability, fill):
    """With `probability` per image, one rectangle of 2-33 % of the area
    (aspect 0.3-3.3, as timm / Zhong et al.) set to `fill` (B, 3) — the
    normalised zero, i.e. the dataset mean."""
    b, _, h, w = x.shape
    dev = x.device
    area = _uniform(b, 0.02, 1.0 / 3.0, g, dev) * h * w
    log_ratio = _uniform(b, math.log(0.3), math.log(1 / 0.3), g, dev)
    eh = torch.sqrt(area * torch.exp(log_ratio)).round().clamp(1, h)
    ew = torch.sqrt(area / torch.exp(log_ratio)).round().clamp(1, w)
    top = (torch.rand(b, generator=g, device=dev) * (h - eh + 1)).floor()
    left = (torch.rand(b, generator=g, device=dev) * (w - ew + 1)).floor()
    on = torch.rand(b, generator=g, device=dev) < probability
    rows = torch.arange(h, device=dev).view(1, h, 1)
    cols = torch.arange(w, device=dev).view(1, 1, w)
    box = ((rows >= top.view(-1, 1, 1)) & (rows < (top + eh).view(-1, 1, 1))
           & (cols >= left.view(-1, 1, 1)) & (cols < (left + ew).view(-1, 1, 1)) & on.view(-1, 1, 1))
    return torch.where(box[:, None], fill.view(1, 3, 1, 1), x)


def mix(x, targets, rng, mixup_alpha, cutmix_alpha, switch_prob=0.5):
    """timm-style batch mixing: CutMix (with probability `switch_prob` when
    both are on) or mixup, the partner being the batch reversed. `targets`
    are soft (B, classes); `rng` is a numpy Generator for the per-batch
    draws. Returns mixed images and targets."""
    use_cutmix = cutmix_alpha > 0 and (mixup_alpha <= 0 or rng.random() < switch_prob)
    if not use_cutmix and mixup_alpha <= 0:
        return x, targets
    lam = float(rng.beta(cutmix_alpha, cutmix_alpha) if use_cutmix else rng.beta(mixup_alpha, mixup_alpha))
    partner = x.flip(0)
    if use_cutmix:
        _, _, h, w = x.shape
        cut = math.sqrt(1.0 - lam)
        ch, cw = int(h * cut), int(w * cut)
        cy, cx = int(rng.integers(h)), int(rng.integers(w))
        y0, y1 = max(cy - ch // 2, 0), min(cy + ch // 2, h)
        x0, x1 = max(cx - cw // 2, 0), min(cx + cw // 2, w)
        x = x.clone()
        x[:, :, y0:y1, x0:x1] = partner[:, :, y0:y1, x0:x1]
        lam = 1.0 - (y1 - y0) * (x1 - x0) / (h * w)
    else:
        x = lam * x + (1.0 - lam) * partner
    return x, lam * targets + (1.0 - lam) * targets.flip(0)
