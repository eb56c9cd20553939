"""AS-MLP reference (docs/architectures.md, section "AS-MLP"), written to match
the module tree / state-dict of the official svip-lab/AS-MLP `models/as_mlp.py`.

Feature maps are NCHW, as in the official code. All 1x1 "convs" are
nn.Conv2d(cin, cout, 1) so checkpoint weights are (out, in, 1, 1); the only
nn.Linear is `head`. All norms are nn.GroupNorm(1, C), eps 1e-5.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from shift_ops import axial_shift


def MyNorm(dim):
    return nn.GroupNorm(1, dim, eps=1e-5)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1, 1)
        self.fc2 = nn.Conv2d(hidden, dim, 1, 1)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class AxialShift(nn.Module):
    def __init__(self, dim, shift_size, dilation=1):
        super().__init__()
        self.shift_size = shift_size
        self.dilation = dilation
        self.conv1 = nn.Conv2d(dim, dim, 1, 1, 0, bias=True)
        self.conv2_1 = nn.Conv2d(dim, dim, 1, 1, 0, bias=True)
        self.conv2_2 = nn.Conv2d(dim, dim, 1, 1, 0, bias=True)
        self.conv3 = nn.Conv2d(dim, dim, 1, 1, 0, bias=True)
        self.norm1 = MyNorm(dim)
        self.norm2 = MyNorm(dim)

    def forward(self, x):
        y = F.gelu(self.norm1(self.conv1(x)))
        y_lr = axial_shift(y, self.shift_size, self.dilation, "horizontal", channel_dim=1)
        y_td = axial_shift(y, self.shift_size, self.dilation, "vertical", channel_dim=1)
        y = F.gelu(self.conv2_1(y_lr)) + F.gelu(self.conv2_2(y_td))
        return self.conv3(self.norm2(y))


class AxialShiftedBlock(nn.Module):
    def __init__(self, dim, shift_size, dilation, mlp_ratio):
        super().__init__()
        self.norm1 = MyNorm(dim)
        self.axial_shift = AxialShift(dim, shift_size, dilation)
        self.norm2 = MyNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.axial_shift(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return x


class PatchMerging(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.reduction = nn.Conv2d(4 * dim, 2 * dim, 1, 1, bias=False)
        self.norm = MyNorm(4 * dim)

    def forward(self, x):
        B, C, H, W = x.shape
        assert H % 2 == 0 and W % 2 == 0
        x0 = x[:, :, 0::2, 0::2]   # (row 0, col 0)
        x1 = x[:, :, 1::2, 0::2]   # (row 1, col 0)
        x2 = x[:, :, 0::2, 1::2]   # (row 0, col 1)
        x3 = x[:, :, 1::2, 1::2]   # (row 1, col 1)
        x = torch.cat([x0, x1, x2, x3], 1)
        return self.reduction(self.norm(x))


class BasicLayer(nn.Module):
    def __init__(self, dim, depth, shift_size, dilation, mlp_ratio, downsample):
        super().__init__()
        self.blocks = nn.ModuleList([
            AxialShiftedBlock(dim, shift_size, dilation, mlp_ratio) for _ in range(depth)])
        self.downsample = PatchMerging(dim) if downsample else None

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        if self.downsample is not None:
            x = self.downsample(x)
        return x


class PatchEmbed(nn.Module):
    def __init__(self, patch_size, in_chans, embed_dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.norm = MyNorm(embed_dim)

    def forward(self, x):
        return self.norm(self.proj(x))


class ASMLP(nn.Module):
    def __init__(self, image_size=224, in_channels=3, num_classes=1000, patch_size=4,
                 embed_dim=96, depths=(2, 2, 6, 2), shift_size=5, dilation=1,
                 mlp_ratio=4.0):
        super().__init__()
        self.num_layers = len(depths)
        self.num_features = int(embed_dim * 2 ** (self.num_layers - 1))
        self.patch_embed = PatchEmbed(patch_size, in_channels, embed_dim)
        self.layers = nn.ModuleList([
            BasicLayer(int(embed_dim * 2 ** i), depths[i], shift_size, dilation, mlp_ratio,
                       downsample=i < self.num_layers - 1)
            for i in range(self.num_layers)])
        self.norm = MyNorm(self.num_features)
        self.head = nn.Linear(self.num_features, num_classes)

    @classmethod
    def from_config(cls, cfg):
        return cls(image_size=cfg["image_size"], in_channels=cfg["in_channels"],
                   num_classes=cfg["num_classes"], patch_size=cfg["patch_size"],
                   embed_dim=cfg["embed_dim"], depths=cfg["depths"],
                   shift_size=cfg["shift_size"], dilation=cfg["dilation"],
                   mlp_ratio=cfg["mlp_ratio"])

    def forward(self, x, return_probes=False):
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        x = self.norm(x)
        pooled = x.mean(dim=(2, 3))          # AdaptiveAvgPool2d(1) + flatten
        logits = self.head(pooled)
        if return_probes:
            return logits, {"pooled": pooled}
        return logits


VARIANTS = {
    "tiny": dict(embed_dim=96, depths=(2, 2, 6, 2)),
    "small": dict(embed_dim=96, depths=(2, 2, 18, 2)),
    "base": dict(embed_dim=128, depths=(2, 2, 18, 2)),
}
