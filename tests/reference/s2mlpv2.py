"""S²-MLPv2 reference (docs/architectures.md, section "S²-MLPv2").

Tokens are channels-last (B, h, w, C) throughout the blocks. State-dict keys:
  patch_embed.proj.{weight,bias}
  stages.{s}.downsample.proj.{weight,bias}            (s >= 1)
  stages.{s}.blocks.{i}.norm1 / attn.mlp1 / attn.split_attention.fc1 / .fc2 /
                        attn.mlp2 / norm2 / mlp.fc1 / mlp.fc2
  norm.{weight,bias}, head.{weight,bias}
With fusion "sum" (the paper's ablation baseline) a block has no
attn.split_attention: its three branches are added.
"""
import torch
import torch.nn as nn

from shift_ops import ChannelMlp, SplitAttention, shift1, shift2

LN_EPS = 1e-5


class PatchConv(nn.Module):
    """Conv2d(kernel = stride = patch) applied to channels-last input."""

    def __init__(self, cin, cout, patch):
        super().__init__()
        self.proj = nn.Conv2d(cin, cout, kernel_size=patch, stride=patch)

    def forward(self, x, channels_last_in=True):
        if channels_last_in:
            x = x.permute(0, 3, 1, 2)
        return self.proj(x).permute(0, 2, 3, 1)  # -> (B, h, w, C)


class S2Attn(nn.Module):
    def __init__(self, dim, split_pool, fusion="split_attention"):
        super().__init__()
        assert fusion in ("split_attention", "sum"), fusion
        self.dim = dim
        self.mlp1 = nn.Linear(dim, 3 * dim)
        self.split_attention = SplitAttention(dim, pool=split_pool) if fusion == "split_attention" else None
        self.mlp2 = nn.Linear(dim, dim)

    def forward(self, x):
        C = self.dim
        y = self.mlp1(x)
        x1 = shift1(y[..., 0:C])
        x2 = shift2(y[..., C:2 * C])
        x3 = y[..., 2 * C:3 * C]
        if self.split_attention is None:
            return self.mlp2(x1 + x2 + x3), None
        y, w = self.split_attention(x1, x2, x3)
        return self.mlp2(y), w


class S2Block(nn.Module):
    def __init__(self, dim, mlp_ratio, split_pool, fusion="split_attention"):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=LN_EPS)
        self.attn = S2Attn(dim, split_pool, fusion)
        self.norm2 = nn.LayerNorm(dim, eps=LN_EPS)
        self.mlp = ChannelMlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        y, w = self.attn(self.norm1(x))
        x = x + y
        x = x + self.mlp(self.norm2(x))
        return x, w


class Stage(nn.Module):
    def __init__(self, cin, cout, patch, depth, mlp_ratio, split_pool, has_downsample,
                 fusion="split_attention"):
        super().__init__()
        if has_downsample:
            self.downsample = PatchConv(cin, cout, patch)
        else:
            self.downsample = None
        self.blocks = nn.ModuleList(
            [S2Block(cout, mlp_ratio, split_pool, fusion) for _ in range(depth)])


class S2MLPv2(nn.Module):
    def __init__(self, image_size=224, in_channels=3, num_classes=1000,
                 patch_sizes=(7, 2), dims=(192, 384), depths=(4, 14),
                 mlp_ratio=3.0, split_pool="sum", fusion="split_attention"):
        super().__init__()
        assert len(patch_sizes) == len(dims) == len(depths)
        self.patch_embed = PatchConv(in_channels, dims[0], patch_sizes[0])
        self.stages = nn.ModuleList()
        for s in range(len(dims)):
            self.stages.append(Stage(dims[s - 1] if s > 0 else dims[0], dims[s],
                                     patch_sizes[s], depths[s], mlp_ratio,
                                     split_pool, has_downsample=s > 0, fusion=fusion))
        self.norm = nn.LayerNorm(dims[-1], eps=LN_EPS)
        self.head = nn.Linear(dims[-1], num_classes)

    @classmethod
    def from_config(cls, cfg):
        return cls(image_size=cfg["image_size"], in_channels=cfg["in_channels"],
                   num_classes=cfg["num_classes"], patch_sizes=cfg["patch_sizes"],
                   dims=cfg["dims"], depths=cfg["depths"], mlp_ratio=cfg["mlp_ratio"],
                   split_pool=cfg["split_pool"], fusion=cfg.get("fusion", "split_attention"))

    def forward(self, x, return_probes=False):
        attn = []
        x = self.patch_embed(x, channels_last_in=False)   # (B, h, w, C0)
        for stage in self.stages:
            if stage.downsample is not None:
                x = stage.downsample(x)
            for blk in stage.blocks:
                x, w = blk(x)
                if w is not None:
                    attn.append(w)
        x = self.norm(x)
        pooled = x.mean(dim=(1, 2))
        logits = self.head(pooled)
        if return_probes:
            return logits, {"pooled": pooled, "attn": attn}
        return logits


VARIANTS = {
    "small7": dict(patch_sizes=(7, 2), dims=(192, 384), depths=(4, 14), mlp_ratio=3.0),
    "medium7": dict(patch_sizes=(7, 2), dims=(256, 512), depths=(7, 17), mlp_ratio=3.0),
}
