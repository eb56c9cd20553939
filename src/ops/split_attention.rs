//! S²-MLPv2's split-attention over three branches: pool all branches into a
//! vector `a`, predict per-branch channel logits with a small MLP, softmax
//! over the branches per channel, and mix the branches with those weights.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};

use super::gelu::gelu;
use super::sum::{mean_tokens, sum_tokens};

/// Number of branches S²-MLPv2 fuses.
pub const BRANCHES: usize = 3;

/// Split-attention with `fc1: C → C/4` and `fc2: C/4 → 3C`.
#[derive(Module, Debug)]
pub struct SplitAttention {
    /// Squeeze `C → C/4`.
    pub fc1: Linear,
    /// Branch logits `C/4 → 3C`, branch-major.
    pub fc2: Linear,
    /// Pool tokens by mean instead of the paper's sum.
    mean_pool: bool,
    /// Treat the weights as constants under autodiff.
    constant_weights: bool,
}

impl SplitAttention {
    /// Split-attention over `channels` channels; `mean_pool` picks the token
    /// mean (ViP's code) instead of the paper's sum.
    pub fn new(channels: usize, mean_pool: bool, device: &Device) -> Self {
        let hidden = (channels / 4).max(1);
        Self {
            fc1: LinearConfig::new(channels, hidden).init(device),
            fc2: LinearConfig::new(hidden, channels * BRANCHES).init(device),
            mean_pool,
            constant_weights: false,
        }
    }

    /// From now on the weights are constants under autodiff: the mix keeps
    /// its value, but gradients flow only through the branches themselves,
    /// not through the whole-image descriptor that chose the weights.
    pub fn detach_weights(&mut self) {
        self.constant_weights = true;
    }

    /// The `(B, C)` descriptor `a`: the three `(B, H, W, C)` branches summed
    /// over branches and tokens (the paper), or that sum over the token
    /// count (`mean_pool`); token sums are block sums (`ops::sum`).
    pub fn pool(&self, branches: &[Tensor<4>; BRANCHES]) -> Tensor<2> {
        let total = branches[0].clone() + branches[1].clone() + branches[2].clone();
        if self.mean_pool {
            mean_tokens(total)
        } else {
            sum_tokens(total)
        }
    }

    /// The `(B, 3, C)` branch logits, before the softmax over branches.
    pub fn logits(&self, branches: &[Tensor<4>; BRANCHES]) -> Tensor<3> {
        let [b, _, _, c] = branches[0].dims();
        self.fc2.forward(gelu(self.fc1.forward(self.pool(branches)))).reshape([b, BRANCHES, c])
    }

    /// The `(B, 3, C)` softmax weights for three `(B, H, W, C)` branches.
    pub fn weights(&self, branches: &[Tensor<4>; BRANCHES]) -> Tensor<3> {
        softmax(self.logits(branches), 1)
    }

    /// Mixes the branches: `Σ_k weights_k ⊙ X_k`, returning the mix and the
    /// weights.
    pub fn forward(&self, branches: [Tensor<4>; BRANCHES]) -> (Tensor<4>, Tensor<3>) {
        let mut weights = self.weights(&branches);
        if self.constant_weights {
            weights = weights.detach();
        }
        let [b, _, _, c] = branches[0].dims();
        let mixed = branches
            .into_iter()
            .enumerate()
            .map(|(k, branch)| {
                let wk = weights.clone().narrow(1, k, 1).reshape([b, 1, 1, c]);
                branch * wk
            })
            .reduce(|acc, x| acc + x)
            .expect("three branches");
        (mixed, weights)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{arange_map, assert_close, device, values};
    use burn::module::Param;
    use burn::tensor::TensorData;

    /// A split-attention whose MLP is all zeros except the last bias, so the
    /// branch logits are exactly that bias.
    fn with_logits(logits: [f32; 6], mean_pool: bool) -> SplitAttention {
        let dev = device();
        let mut sa = SplitAttention::new(2, mean_pool, &dev);
        let zero = |t: Tensor<2>| Param::from_tensor(t.zeros_like());
        sa.fc1.weight = zero(sa.fc1.weight.val());
        sa.fc2.weight = zero(sa.fc2.weight.val());
        sa.fc2.bias = Some(Param::from_tensor(Tensor::from_data(TensorData::from(logits), &dev)));
        sa
    }

    #[test]
    fn softmax_is_over_branches_per_channel_branch_major() {
        // logits laid out (branch, channel): channel 0 favours branch 2.
        let sa = with_logits([0.0, 1.0, 0.0, 0.0, 2.0, 0.0], false);
        let x = arange_map(1, 2, 2);
        let w = values(sa.weights(&[x.clone(), x.clone(), x]));
        let e2 = 2f32.exp();
        let ch0 = [1.0 / (2.0 + e2), 1.0 / (2.0 + e2), e2 / (2.0 + e2)];
        let e1 = 1f32.exp();
        let ch1 = [e1 / (e1 + 2.0), 1.0 / (e1 + 2.0), 1.0 / (e1 + 2.0)];
        assert_close(&w, &[ch0[0], ch1[0], ch0[1], ch1[1], ch0[2], ch1[2]], 1e-6);
    }

    #[test]
    fn output_is_weighted_sum_of_branches() {
        let sa = with_logits([0.0; 6], false);
        let a = arange_map(1, 2, 2);
        let b = a.clone().mul_scalar(2.0);
        let c = a.clone().mul_scalar(-3.0);
        let (out, _) = sa.forward([a, b, c]);
        // Equal weights: (1 + 2 - 3) / 3 = 0.
        assert_close(&values(out), &[0.0; 4], 1e-6);
    }

    #[test]
    fn pooling_sums_tokens_or_averages_them() {
        // fc1 = identity on channel 0 → the hidden unit sees the pooled sum.
        let dev = device();
        for (mean_pool, pooled) in [(false, 12.0f32), (true, 3.0)] {
            let mut sa = with_logits([0.0; 6], mean_pool);
            sa.fc1.weight = Param::from_tensor(Tensor::from_data(TensorData::from([[1.0f32 / 3.0], [0.0]]), &dev));
            sa.fc1.bias = Some(Param::from_tensor(Tensor::<1>::zeros([1], &dev)));
            // fc2 routes the hidden unit to branch 0 of channel 0 with weight 1.
            sa.fc2.weight =
                Param::from_tensor(Tensor::from_data(TensorData::from([[1.0f32, 0.0, 0.0, 0.0, 0.0, 0.0]]), &dev));
            // Channel 0 of a 2×2 map of ones in each branch: sum 12, mean 3 → /3 by fc1.
            let ones = Tensor::<4>::ones([1, 2, 2, 2], &dev);
            let w = values(sa.weights(&[ones.clone(), ones.clone(), ones]));
            let g = pooled / 3.0;
            let gelu = g * 0.5 * (1.0 + libm_erf(g / 2f32.sqrt()));
            let expected0 = gelu.exp() / (gelu.exp() + 2.0);
            assert_close(&w[0..1], &[expected0], 1e-5);
        }
    }

    /// erf by its series; enough digits for the test values (|x| ≤ 3).
    fn libm_erf(x: f32) -> f32 {
        let x = x as f64;
        let mut term = x;
        let mut sum = x;
        for n in 1..60 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        (sum * 2.0 / std::f64::consts::PI.sqrt()) as f32
    }
}
