//! GroupNorm with a single group on channels-last maps (AS-MLP's `MyNorm`):
//! every sample is normalised over all of its `H·W·C` values (statistics
//! from block sums, `ops::sum`: up to 3·10⁵ values at 224²), then scaled
//! and shifted per channel. Named `GroupNorm` so burn's PyTorch adapter maps
//! checkpoint `weight` / `bias` onto `gamma` / `beta`.

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::{Device, Tensor};

use super::sum::mean_var;

/// GroupNorm(1, C) over a `(B, H, W, C)` map.
#[derive(Module, Debug)]
pub struct GroupNorm {
    /// Per-channel scale.
    pub gamma: Param<Tensor<1>>,
    /// Per-channel shift.
    pub beta: Param<Tensor<1>>,
    epsilon: f64,
    /// Treat the mean and variance as constants under autodiff.
    constant_statistics: bool,
}

impl GroupNorm {
    /// A norm over `channels` channels with PyTorch's default epsilon 1e-5.
    pub fn new(channels: usize, device: &Device) -> Self {
        Self {
            gamma: Initializer::Ones.init([channels], device),
            beta: Initializer::Zeros.init([channels], device),
            epsilon: 1e-5,
            constant_statistics: false,
        }
    }

    /// From now on the sample mean and variance are constants under
    /// autodiff: the output keeps its value, but gradients no longer flow
    /// through the whole-sample statistics.
    pub fn detach_statistics(&mut self) {
        self.constant_statistics = true;
    }

    /// The mean and population variance of each sample of a `(B, H, W, C)`
    /// map, both `(B, 1)`, from block sums (`ops::sum`).
    pub fn statistics(&self, x: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let [b, h, w, c] = x.dims();
        mean_var(x.reshape([b, h * w * c]))
    }

    /// Normalises each sample of `x` over height, width and channels.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, h, w, c] = x.dims();
        let (mut mean, mut var) = self.statistics(x.clone());
        let flat = x.reshape([b, h * w * c]);
        if self.constant_statistics {
            (var, mean) = (var.detach(), mean.detach());
        }
        let normed = (flat - mean).div((var + self.epsilon).sqrt());
        let gamma = self.gamma.val().reshape([1, 1, 1, c]);
        let beta = self.beta.val().reshape([1, 1, 1, c]);
        normed.reshape([b, h, w, c]).mul(gamma).add(beta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{arange_map, assert_close, device, values};
    use burn::tensor::TensorData;

    #[test]
    fn normalises_over_the_whole_sample_then_applies_channel_affine() {
        // Values 0..8 over a 2×2×2 map: mean 3.5, population variance 5.25.
        let mut norm = GroupNorm::new(2, &device());
        norm.gamma = Param::from_tensor(Tensor::from_data(TensorData::from([2.0f32, 1.0]), &device()));
        norm.beta = Param::from_tensor(Tensor::from_data(TensorData::from([0.0f32, 10.0]), &device()));
        let out = values(norm.forward(arange_map(2, 2, 2)));
        let sd = (5.25f32 + 1e-5).sqrt();
        let expected: Vec<f32> = (0..8)
            .map(|i| {
                let z = (i as f32 - 3.5) / sd;
                if i % 2 == 0 {
                    2.0 * z
                } else {
                    z + 10.0
                }
            })
            .collect();
        assert_close(&out, &expected, 1e-5);
    }
}
