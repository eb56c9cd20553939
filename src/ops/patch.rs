//! Patch embedding (a convolution whose kernel equals its stride, computed
//! as "cut into patches, then one matrix product") and AS-MLP's patch
//! merging (2×2 neighbours concatenated, normalised, projected).

use super::linear::{linear_last, matmul_last};
use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::norm::GroupNorm;

/// A patch embedding or downsampling layer whose only part is a
/// [`PatchConv`] (checkpoint keys `proj.weight`, `proj.bias`).
#[derive(Module, Debug)]
pub struct PatchEmbed {
    /// The strided convolution.
    pub proj: PatchConv,
}

impl PatchEmbed {
    /// See [`PatchConv::new`].
    pub fn new(in_channels: usize, out_channels: usize, patch: usize, device: &Device) -> Self {
        Self { proj: PatchConv::new(in_channels, out_channels, patch, device) }
    }
}

/// A `p × p`, stride-`p` convolution with bias; weights keep PyTorch's
/// Conv2d layout `(out, in, p, p)` so checkpoints load unchanged.
#[derive(Module, Debug)]
pub struct PatchConv {
    /// Kernel `(out, in, p, p)`.
    pub weight: Param<Tensor<4>>,
    /// Bias `(out)`.
    pub bias: Param<Tensor<1>>,
}

impl PatchConv {
    /// A patch convolution `in_channels → out_channels` with patch size `patch`,
    /// initialised like PyTorch's Conv2d.
    pub fn new(in_channels: usize, out_channels: usize, patch: usize, device: &Device) -> Self {
        let fan_in = in_channels * patch * patch;
        let bound = 1.0 / (fan_in as f64).sqrt();
        let init = Initializer::Uniform { min: -bound, max: bound };
        Self {
            weight: init.init([out_channels, in_channels, patch, patch], device),
            bias: init.init([out_channels], device),
        }
    }

    /// The patch size `p`.
    pub fn patch_size(&self) -> usize {
        self.weight.dims()[2]
    }

    /// Embeds an NCHW image `(B, C, H, W)` into channels-last tokens
    /// `(B, H/p, W/p, out)`.
    pub fn forward_nchw(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, c, h, w] = x.dims();
        let p = self.patch_size();
        let patches =
            x.reshape([b, c, h / p, p, w / p, p]).permute([0, 2, 4, 1, 3, 5]).reshape([b, h / p, w / p, c * p * p]);
        self.project(patches)
    }

    /// Embeds a channels-last map `(B, H, W, C)` into `(B, H/p, W/p, out)`.
    pub fn forward_channels_last(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, h, w, c] = x.dims();
        let p = self.patch_size();
        let patches =
            x.reshape([b, h / p, p, w / p, p, c]).permute([0, 1, 3, 5, 2, 4]).reshape([b, h / p, w / p, c * p * p]);
        self.project(patches)
    }

    /// Multiplies `(…, C·p·p)` patch vectors (ordered channel, row, column)
    /// by the kernel.
    fn project(&self, patches: Tensor<4>) -> Tensor<4> {
        let [out, c, p, _] = self.weight.dims();
        let kernel = self.weight.val().reshape([out, c * p * p]).transpose();
        matmul_last(patches, kernel, Some(self.bias.val()))
    }
}

/// AS-MLP patch merging: the 2×2 neighbours `(0,0), (1,0), (0,1), (1,1)`
/// (row, column) concatenated to `4C`, GroupNorm, then `4C → 2C` without bias.
#[derive(Module, Debug)]
pub struct PatchMerging {
    /// GroupNorm over the `4C` concatenation.
    pub norm: GroupNorm,
    /// Projection `4C → 2C` (a bias-free 1×1 convolution in the checkpoints).
    pub reduction: Linear,
}

impl PatchMerging {
    /// Merging for a map of `channels` channels.
    pub fn new(channels: usize, device: &Device) -> Self {
        Self {
            norm: GroupNorm::new(4 * channels, device),
            reduction: LinearConfig::new(4 * channels, 2 * channels).with_bias(false).init(device),
        }
    }

    /// `(B, H, W, C)` → `(B, H/2, W/2, 2C)`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        linear_last(&self.reduction, self.norm.forward(space_to_channels(x)))
    }
}

/// Concatenates each 2×2 neighbourhood of a `(B, H, W, C)` map along
/// channels in the order `(0,0), (1,0), (0,1), (1,1)` (row, column).
pub fn space_to_channels(x: Tensor<4>) -> Tensor<4> {
    let [b, h, w, c] = x.dims();
    // (B, H/2, dr, W/2, dc, C) → (B, H/2, W/2, dc, dr, C): column offset is
    // the slower index, matching the checkpoint's concatenation order.
    x.reshape([b, h / 2, 2, w / 2, 2, c]).permute([0, 1, 3, 4, 2, 5]).reshape([b, h / 2, w / 2, 4 * c])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{arange_map, device, values};
    use burn::tensor::TensorData;

    #[test]
    fn space_to_channels_orders_row_offset_fastest() {
        // 2×2 map, one channel holding 0 1 / 2 3 → (0,0)=0, (1,0)=2, (0,1)=1, (1,1)=3.
        let out = values(space_to_channels(arange_map(2, 2, 1)));
        assert_eq!(out, vec![0.0, 2.0, 1.0, 3.0]);
    }

    #[test]
    fn patch_embed_equals_a_strided_convolution() {
        let dev = device();
        let embed = PatchConv::new(2, 3, 2, &dev);
        let image: Tensor<4> = Tensor::random([1, 2, 4, 6], burn::tensor::Distribution::Normal(0.0, 1.0), &dev);
        let expected = burn::tensor::module::conv2d(
            image.clone(),
            embed.weight.val(),
            Some(embed.bias.val()),
            burn::tensor::ops::ConvOptions::new([2, 2], [0, 0], [1, 1], 1),
        );
        // conv2d gives NCHW; ours is channels-last.
        let expected = values(expected.permute([0, 2, 3, 1]));
        let got = values(embed.forward_nchw(image.clone()));
        crate::ops::test_util::assert_close(&got, &expected, 1e-5);
        let got_cl = values(embed.forward_channels_last(image.permute([0, 2, 3, 1])));
        crate::ops::test_util::assert_close(&got_cl, &expected, 1e-5);
    }

    #[test]
    fn patch_embed_of_constant_patches_is_kernel_sum() {
        let dev = device();
        let mut embed = PatchConv::new(1, 1, 2, &dev);
        embed.weight =
            Param::from_tensor(Tensor::from_data(TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0], [1, 1, 2, 2]), &dev));
        embed.bias = Param::from_tensor(Tensor::from_data(TensorData::from([0.5f32]), &dev));
        let out = values(embed.forward_nchw(Tensor::ones([1, 1, 2, 4], &dev)));
        assert_eq!(out, vec![10.5, 10.5]);
    }
}
