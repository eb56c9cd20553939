//! S²-MLPv2 (Yu et al., 2021): a two-stage pyramid of blocks that expand
//! channels 3×, shift two of the three parts spatially (in two different
//! group orders), fuse the three with split-attention, and follow with a
//! channel MLP. Key names are documented in `docs/architectures.md`.

use burn::module::Module;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::architecture::{Architecture, GlobalContext, FIXED_NEIGHBOURS};
use super::geometry::{spatial_groups, GroupShift, Step, TokenMixing};
use super::{require, Cost, Model, ProbeRequest, Probes};
use crate::error::Result;
use crate::ops::linear::{linear_last, linear_last_split};
use crate::ops::mlp::Mlp;
use crate::ops::patch::PatchEmbed;
use crate::ops::spatial_shift::{spatial_shift, ShiftOrder};
use crate::ops::split_attention::{SplitAttention, BRANCHES};

/// How split-attention pools tokens into its descriptor `a`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitPool {
    /// `a = Σ_k Σ_tokens X_k`, the paper's formula.
    #[default]
    Sum,
    /// The token mean, as ViP's code (which S²-MLPv2 builds on) does.
    Mean,
}

/// How a block fuses its three branches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fusion {
    /// Split-attention (the paper's model).
    #[default]
    SplitAttention,
    /// Plain sum of the branches (the paper's ablation baseline).
    Sum,
}

impl Fusion {
    fn is_default(&self) -> bool {
        *self == Fusion::default()
    }
}

/// S²-MLPv2 hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct S2MlpV2Config {
    /// Patch size of the embedding, then of each stage's downsampling.
    pub patch_sizes: Vec<usize>,
    /// Channels per stage.
    pub dims: Vec<usize>,
    /// Blocks per stage.
    pub depths: Vec<usize>,
    /// Channel-MLP expansion ratio.
    pub mlp_ratio: f64,
    /// Token pooling inside split-attention.
    #[serde(default)]
    pub split_pool: SplitPool,
    /// Branch fusion; split-attention unless set.
    #[serde(default, skip_serializing_if = "Fusion::is_default")]
    pub fusion: Fusion,
}

impl S2MlpV2Config {
    /// Token grid side of each stage.
    pub fn stage_sides(&self, image_size: usize) -> Vec<usize> {
        self.patch_sizes
            .iter()
            .scan(image_size, |side, p| {
                *side /= p;
                Some(*side)
            })
            .collect()
    }

    fn hidden(&self, dim: usize) -> usize {
        (dim as f64 * self.mlp_ratio) as usize
    }

    /// A freshly initialised network.
    pub fn network(&self, in_channels: usize, num_classes: usize, device: &Device) -> S2MlpV2 {
        let last = *self.dims.last().expect("validated: at least one stage");
        let stages = (0..self.dims.len())
            .map(|s| Stage {
                downsample: (s > 0)
                    .then(|| PatchEmbed::new(self.dims[s - 1], self.dims[s], self.patch_sizes[s], device)),
                blocks: (0..self.depths[s])
                    .map(|_| {
                        let c = self.dims[s];
                        let attention = (self.fusion == Fusion::SplitAttention)
                            .then(|| SplitAttention::new(c, self.split_pool == SplitPool::Mean, device));
                        S2Block::new(c, self.hidden(c), attention, device)
                    })
                    .collect(),
            })
            .collect();
        S2MlpV2 {
            patch_embed: PatchEmbed::new(in_channels, self.dims[0], self.patch_sizes[0], device),
            stages,
            norm: LayerNormConfig::new(last).init(device),
            head: LinearConfig::new(last, num_classes).init(device),
        }
    }
}

impl Architecture for S2MlpV2Config {
    fn key(&self) -> &'static str {
        "s2mlpv2"
    }

    fn title(&self) -> &'static str {
        "S²-MLPv2"
    }

    fn description(&self) -> &'static str {
        "A pyramid of MLP blocks that shift channel groups one token in four directions and fuse the branches with split-attention."
    }

    fn token_mixing(&self) -> &'static str {
        "Each block moves quarter-channel groups one token up, down, left and right, so a token's field grows by one token each way per block."
    }

    fn validate(&self, image_size: usize) -> Result<()> {
        let stages = self.dims.len();
        require(stages > 0 && self.depths.len() == stages && self.patch_sizes.len() == stages, || {
            "s2mlpv2 needs one patch size, dim and depth per stage".into()
        })?;
        require(self.dims.iter().all(|d| *d >= 4 && d % 4 == 0), || {
            format!("s2mlpv2 dims must be multiples of 4 (four shift groups), got {:?}", self.dims)
        })?;
        require(self.mlp_ratio > 0.0, || "mlp_ratio must be positive".into())?;
        let mut side = image_size;
        for &p in &self.patch_sizes {
            require(p > 0 && side.is_multiple_of(p), || {
                format!("patch sizes {:?} do not divide input {image_size}", self.patch_sizes)
            })?;
            side /= p;
        }
        Ok(())
    }

    fn cost(&self, image_size: usize, in_channels: usize, num_classes: usize) -> Cost {
        let mut total = Cost::default();
        let mut channels = in_channels;
        for (stage, side) in self.stage_sides(image_size).into_iter().enumerate() {
            let (c, tokens) = (self.dims[stage], side * side);
            total += Cost::patch_conv(tokens, channels, c, self.patch_sizes[stage]);
            let mut block = Cost::norm(c).times(2);
            block += Cost::linear(tokens, c, BRANCHES * c, true);
            if self.fusion == Fusion::SplitAttention {
                block += Cost::mlp(1, c, c / 4, BRANCHES * c);
            }
            block += Cost::linear(tokens, c, c, true);
            block += Cost::mlp(tokens, c, self.hidden(c), c);
            total += block.times(self.depths[stage]);
            channels = c;
        }
        total += Cost::norm(channels);
        total += Cost::linear(1, channels, num_classes, true);
        total
    }

    fn init(&self, _image_size: usize, in_channels: usize, num_classes: usize, device: &Device) -> Model {
        Model::S2mlpv2(self.network(in_channels, num_classes, device))
    }

    fn patch_size(&self) -> usize {
        self.patch_sizes[0]
    }

    fn token_steps(&self) -> Vec<Step> {
        let block = || Step::Block(TokenMixing::SpatialShift);
        let stages = self.patch_sizes.iter().zip(&self.depths);
        stages
            .flat_map(|(&patch, &depth)| std::iter::once(Step::Patchify { patch }).chain((0..depth).map(|_| block())))
            .collect()
    }

    fn block_shifts(&self) -> Vec<Vec<GroupShift>> {
        let stages = self.dims.iter().zip(&self.depths);
        stages.flat_map(|(&dim, &depth)| std::iter::repeat_n(spatial_groups(dim), depth)).collect()
    }

    fn global_context(&self) -> Option<GlobalContext> {
        (self.fusion == Fusion::SplitAttention).then_some(GlobalContext {
            from_depth: 1,
            what: "Split-attention also hands every token three weights per channel computed from the whole image, so the measured gradient is faintly non-zero everywhere.",
        })
    }

    fn resizable(&self, _trained: usize) -> std::result::Result<(), String> {
        Ok(())
    }

    fn permutable(&self) -> std::result::Result<(), String> {
        Err(FIXED_NEIGHBOURS.into())
    }
}

/// The S²-MLPv2 network.
#[derive(Module, Debug)]
pub struct S2MlpV2 {
    /// Image → first-stage tokens.
    pub patch_embed: PatchEmbed,
    /// The pyramid stages.
    pub stages: Vec<Stage>,
    /// Final LayerNorm.
    pub norm: LayerNorm,
    /// Linear classifier after global average pooling.
    pub head: Linear,
}

/// One pyramid stage: optional downsampling, then blocks.
#[derive(Module, Debug)]
pub struct Stage {
    /// Strided convolution from the previous stage (stages ≥ 1).
    pub downsample: Option<PatchEmbed>,
    /// The blocks.
    pub blocks: Vec<S2Block>,
}

/// One S²-MLPv2 block: shift/split-attention mixing, then a channel MLP,
/// both pre-norm residual.
#[derive(Module, Debug)]
pub struct S2Block {
    /// Norm before the spatial-shift part.
    pub norm1: LayerNorm,
    /// Expand, shift, split-attention, project.
    pub attn: S2Attention,
    /// Norm before the channel MLP.
    pub norm2: LayerNorm,
    /// The channel MLP.
    pub mlp: Mlp,
}

impl S2Block {
    fn new(c: usize, hidden: usize, split_attention: Option<SplitAttention>, device: &Device) -> Self {
        Self {
            norm1: LayerNormConfig::new(c).init(device),
            attn: S2Attention {
                mlp1: LinearConfig::new(c, BRANCHES * c).init(device),
                split_attention,
                mlp2: LinearConfig::new(c, c).init(device),
            },
            norm2: LayerNormConfig::new(c).init(device),
            mlp: Mlp::new(c, hidden, c, device),
        }
    }

    /// `(B, H, W, C)` → same shape, with what the mixing saw on the way.
    pub fn forward(&self, x: Tensor<4>) -> (Tensor<4>, ShiftMixing) {
        let mixing = self.attn.forward(self.norm1.forward(x.clone()));
        let x = x + mixing.output.clone();
        let x = x.clone() + self.mlp.forward(self.norm2.forward(x));
        (x, mixing)
    }
}

/// The spatial-shift mixing of a block.
#[derive(Module, Debug)]
pub struct S2Attention {
    /// `C → 3C` expansion into the three branches.
    pub mlp1: Linear,
    /// Fusion of the branches; `None` sums them.
    pub split_attention: Option<SplitAttention>,
    /// `C → C` projection.
    pub mlp2: Linear,
}

/// The result of [`S2Attention::forward`] and what it computed on the way.
#[derive(Debug, Clone)]
pub struct ShiftMixing {
    /// The mixed tokens `(B, H, W, C)`.
    pub output: Tensor<4>,
    /// Split-attention weights `(B, 3, C)`; `None` for plain-sum fusion.
    pub weights: Option<Tensor<3>>,
    /// The two branches before their shifts (first, then second order).
    pub shift_inputs: [Tensor<4>; 2],
}

impl S2Attention {
    /// Mixes `(B, H, W, C)` tokens.
    pub fn forward(&self, x: Tensor<4>) -> ShiftMixing {
        let mut parts = linear_last_split(&self.mlp1, x, BRANCHES).into_iter();
        let (a, b, identity) = (parts.next().expect("branch 1"), parts.next().expect("branch 2"), parts.next());
        let shift_inputs = [a.clone(), b.clone()];
        let branches =
            [spatial_shift(a, ShiftOrder::First), spatial_shift(b, ShiftOrder::Second), identity.expect("branch 3")];
        let (mixed, weights) = match &self.split_attention {
            Some(attention) => {
                let (mixed, weights) = attention.forward(branches);
                (mixed, Some(weights))
            }
            None => {
                let [a, b, c] = branches;
                (a + b + c, None)
            }
        };
        ShiftMixing { output: linear_last(&self.mlp2, mixed), weights, shift_inputs }
    }
}

impl S2MlpV2 {
    /// Final-stage tokens `(B, h, w, C)` of NCHW images, recording probes.
    pub fn features(&self, images: Tensor<4>, request: &ProbeRequest, probes: &mut Probes) -> Tensor<4> {
        let mut x = self.patch_embed.proj.forward_nchw(images);
        probes.embedding(request, &x);
        for stage in &self.stages {
            if let Some(down) = &stage.downsample {
                x = down.proj.forward_channels_last(x);
            }
            for block in &stage.blocks {
                let (out, mixing) = block.forward(x);
                x = out;
                if let (true, Some(weights)) = (request.split_attention, mixing.weights) {
                    probes.split_attention.push(weights);
                }
                probes.block(request, &x, mixing.shift_inputs.into());
            }
        }
        x
    }

    /// Cuts every block's split-attention weights out of autodiff (see
    /// [`super::Model::local_paths_only`]).
    pub(crate) fn detach_split_attention(&mut self) {
        for block in self.stages.iter_mut().flat_map(|stage| stage.blocks.iter_mut()) {
            if let Some(attention) = &mut block.attn.split_attention {
                attention.detach_weights();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{assert_close, device, values};
    use burn::tensor::Distribution;

    /// Plain-sum fusion is `mlp2(shift₁(a) + shift₂(b) + c)` and reports no
    /// split-attention weights.
    #[test]
    fn plain_sum_fusion_adds_the_three_branches() {
        let dev = device();
        let block = S2Block::new(8, 16, None, &dev);
        let x = Tensor::<4>::random([1, 3, 3, 8], Distribution::Normal(0.0, 1.0), &dev);
        let mixing = block.attn.forward(x.clone());
        assert!(mixing.weights.is_none());
        let [a, b, c]: [Tensor<4>; 3] =
            linear_last_split(&block.attn.mlp1, x, BRANCHES).try_into().expect("three parts");
        let sum = spatial_shift(a, ShiftOrder::First) + spatial_shift(b, ShiftOrder::Second) + c;
        assert_close(&values(mixing.output), &values(linear_last(&block.attn.mlp2, sum)), 1e-5);
    }
}
