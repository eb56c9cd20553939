"""MLP-Mixer reference (docs/architectures.md, section "MLP-Mixer"), with
timm `mlp_mixer.py` state-dict names:
  stem.proj.{weight,bias}
  blocks.{i}.norm1 / mlp_tokens.fc1 / mlp_tokens.fc2 / norm2 /
             mlp_channels.fc1 / mlp_channels.fc2
  norm.{weight,bias}, head.{weight,bias}
LayerNorm eps 1e-6.
"""
import torch
import torch.nn as nn

from shift_ops import ChannelMlp

LN_EPS = 1e-6


class Stem(nn.Module):
    def __init__(self, in_chans, dim, patch):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        x = self.proj(x)                        # (B, C, h, w)
        return x.flatten(2).transpose(1, 2)     # (B, N, C), N row-major over (h, w)


class MixerBlock(nn.Module):
    def __init__(self, dim, num_tokens, tokens_dim, channels_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=LN_EPS)
        self.mlp_tokens = ChannelMlp(num_tokens, tokens_dim)
        self.norm2 = nn.LayerNorm(dim, eps=LN_EPS)
        self.mlp_channels = ChannelMlp(dim, channels_dim)

    def forward(self, x):
        x = x + self.mlp_tokens(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        x = x + self.mlp_channels(self.norm2(x))
        return x


class MlpMixer(nn.Module):
    def __init__(self, image_size=224, in_channels=3, num_classes=1000, patch_size=16,
                 dim=768, depth=12, tokens_dim=384, channels_dim=3072):
        super().__init__()
        num_tokens = (image_size // patch_size) ** 2
        self.stem = Stem(in_channels, dim, patch_size)
        self.blocks = nn.ModuleList([
            MixerBlock(dim, num_tokens, tokens_dim, channels_dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=LN_EPS)
        self.head = nn.Linear(dim, num_classes)

    @classmethod
    def from_config(cls, cfg):
        return cls(image_size=cfg["image_size"], in_channels=cfg["in_channels"],
                   num_classes=cfg["num_classes"], patch_size=cfg["patch_size"],
                   dim=cfg["dim"], depth=cfg["depth"], tokens_dim=cfg["tokens_dim"],
                   channels_dim=cfg["channels_dim"])

    def forward(self, x, return_probes=False):
        x = self.stem(x)
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        pooled = x.mean(dim=1)
        logits = self.head(pooled)
        if return_probes:
            return logits, {"pooled": pooled}
        return logits


VARIANTS = {
    "s16": dict(patch_size=16, dim=512, depth=8, tokens_dim=256, channels_dim=2048),
    "b16": dict(patch_size=16, dim=768, depth=12, tokens_dim=384, channels_dim=3072),
}
