//! AS-MLP (Lian et al., 2021): a Swin-like four-stage pyramid whose token
//! mixing is the axial shift — channel groups moved along width in one
//! branch and along height in the other, each followed by a 1×1
//! projection. Module and key names follow svip-lab/AS-MLP's
//! `models/as_mlp.py`, so official checkpoints load unchanged.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::architecture::{Architecture, GlobalContext, FIXED_NEIGHBOURS};
use super::geometry::{axial_groups, GroupShift, Step, TokenMixing};
use super::{require, Cost, Model, ProbeRequest, Probes};
use crate::error::Result;
use crate::ops::axial_shift::{axial_shift, shift_groups, Axis};
use crate::ops::gelu::gelu;
use crate::ops::linear::linear_last;
use crate::ops::mlp::Mlp;
use crate::ops::norm::GroupNorm;
use crate::ops::patch::{PatchConv, PatchMerging};

/// AS-MLP hyper-parameters (the official config's names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsMlpConfig {
    /// Patch size of the embedding.
    pub patch_size: usize,
    /// Channels of the first stage; stage `l` has `embed_dim · 2^l`.
    pub embed_dim: usize,
    /// Blocks per stage.
    pub depths: Vec<usize>,
    /// Number of shift groups (odd).
    pub shift_size: usize,
    /// Token distance between neighbouring groups' shifts.
    #[serde(default = "one")]
    pub dilation: usize,
    /// Channel-MLP expansion ratio.
    pub mlp_ratio: f64,
}

fn one() -> usize {
    1
}

impl AsMlpConfig {
    /// Channels of stage `l`.
    pub fn dim(&self, stage: usize) -> usize {
        self.embed_dim << stage
    }

    fn hidden(&self, dim: usize) -> usize {
        (dim as f64 * self.mlp_ratio) as usize
    }

    /// A freshly initialised network.
    pub fn network(&self, in_channels: usize, num_classes: usize, device: &Device) -> AsMlp {
        let stages = self.depths.len();
        let layers = (0..stages)
            .map(|l| {
                let c = self.dim(l);
                AsLayer {
                    blocks: (0..self.depths[l]).map(|_| AsBlock::new(c, self.hidden(c), self, device)).collect(),
                    downsample: (l + 1 < stages).then(|| PatchMerging::new(c, device)),
                }
            })
            .collect();
        let last = self.dim(stages - 1);
        AsMlp {
            patch_embed: AsPatchEmbed {
                proj: PatchConv::new(in_channels, self.embed_dim, self.patch_size, device),
                norm: GroupNorm::new(self.embed_dim, device),
            },
            layers,
            norm: GroupNorm::new(last, device),
            head: LinearConfig::new(last, num_classes).init(device),
        }
    }
}

impl Architecture for AsMlpConfig {
    fn key(&self) -> &'static str {
        "asmlp"
    }

    fn title(&self) -> &'static str {
        "AS-MLP"
    }

    fn description(&self) -> &'static str {
        "A four-stage pyramid of MLP blocks that shift channel groups along the width in one branch and the height in the other, like a 1×s and an s×1 kernel."
    }

    fn token_mixing(&self) -> &'static str {
        "Each block moves channel groups by up to s/2 tokens (times the dilation) along the width in one branch and the height in the other, so the field grows as a cross, then a square."
    }

    fn validate(&self, image_size: usize) -> Result<()> {
        require(!self.depths.is_empty() && self.embed_dim > 0, || "asmlp needs stages and channels".into())?;
        require(self.shift_size % 2 == 1 && self.dilation > 0, || {
            format!("shift_size must be odd and dilation positive, got {} / {}", self.shift_size, self.dilation)
        })?;
        require(self.mlp_ratio > 0.0, || "mlp_ratio must be positive".into())?;
        require(self.patch_size > 0 && image_size.is_multiple_of(self.patch_size), || {
            format!("patch size {} does not divide input {image_size}", self.patch_size)
        })?;
        let merges = self.depths.len() - 1;
        let side = image_size / self.patch_size;
        require(side.is_multiple_of(1 << merges), || {
            format!("token grid {side} cannot be halved {merges} times for patch merging")
        })
    }

    fn cost(&self, image_size: usize, in_channels: usize, num_classes: usize) -> Cost {
        let mut side = image_size / self.patch_size;
        let mut total = Cost::patch_conv(side * side, in_channels, self.embed_dim, self.patch_size);
        total += Cost::norm(self.embed_dim);
        for (stage, &depth) in self.depths.iter().enumerate() {
            let (c, tokens) = (self.dim(stage), side * side);
            let mut block = Cost::norm(c).times(4);
            block += Cost::linear(tokens, c, c, true).times(4);
            block += Cost::mlp(tokens, c, self.hidden(c), c);
            total += block.times(depth);
            if stage + 1 < self.depths.len() {
                side /= 2;
                total += Cost::norm(4 * c);
                total += Cost::linear(side * side, 4 * c, 2 * c, false);
            }
        }
        let last = self.dim(self.depths.len() - 1);
        total += Cost::norm(last);
        total += Cost::linear(1, last, num_classes, true);
        total
    }

    fn init(&self, _image_size: usize, in_channels: usize, num_classes: usize, device: &Device) -> Model {
        Model::Asmlp(self.network(in_channels, num_classes, device))
    }

    fn patch_size(&self) -> usize {
        self.patch_size
    }

    fn token_steps(&self) -> Vec<Step> {
        let mut steps = vec![Step::Patchify { patch: self.patch_size }];
        for (stage, &depth) in self.depths.iter().enumerate() {
            let groups = shift_groups(self.dim(stage), self.shift_size, self.dilation);
            let mixing = TokenMixing::AxialShift { offsets: groups.into_iter().map(|g| g.offset).collect() };
            steps.extend((0..depth).map(|_| Step::Block(mixing.clone())));
            if stage + 1 < self.depths.len() {
                steps.push(Step::Patchify { patch: 2 });
            }
        }
        steps
    }

    fn block_shifts(&self) -> Vec<Vec<GroupShift>> {
        let stages = self.depths.iter().enumerate();
        let groups = |stage| axial_groups(self.dim(stage), self.shift_size, self.dilation);
        stages.flat_map(|(stage, &depth)| std::iter::repeat_n(groups(stage), depth)).collect()
    }

    fn global_context(&self) -> Option<GlobalContext> {
        Some(GlobalContext {
            from_depth: 0,
            what: "GroupNorm normalises with the whole image's mean and variance, so the measured gradient is faintly non-zero everywhere.",
        })
    }

    fn resizable(&self, _trained: usize) -> std::result::Result<(), String> {
        Ok(())
    }

    fn permutable(&self) -> std::result::Result<(), String> {
        Err(FIXED_NEIGHBOURS.into())
    }
}

/// The AS-MLP network.
#[derive(Module, Debug)]
pub struct AsMlp {
    /// Image → first-stage tokens.
    pub patch_embed: AsPatchEmbed,
    /// The stages (`layers.l` in the checkpoints).
    pub layers: Vec<AsLayer>,
    /// Final GroupNorm.
    pub norm: GroupNorm,
    /// Linear classifier after global average pooling.
    pub head: Linear,
}

/// Strided convolution followed by GroupNorm.
#[derive(Module, Debug)]
pub struct AsPatchEmbed {
    /// The `p × p` stride-`p` convolution.
    pub proj: PatchConv,
    /// GroupNorm after it.
    pub norm: GroupNorm,
}

/// One stage: blocks, then patch merging (all stages but the last).
#[derive(Module, Debug)]
pub struct AsLayer {
    /// The blocks.
    pub blocks: Vec<AsBlock>,
    /// Patch merging to the next stage.
    pub downsample: Option<PatchMerging>,
}

/// One AS-MLP block: axial-shift mixing, then a channel MLP, both pre-norm
/// residual.
#[derive(Module, Debug)]
pub struct AsBlock {
    /// Norm before the axial shift part.
    pub norm1: GroupNorm,
    /// The axial shift part.
    pub axial_shift: AxialShiftMixer,
    /// Norm before the channel MLP.
    pub norm2: GroupNorm,
    /// The channel MLP (1×1 convolutions in the checkpoints).
    pub mlp: Mlp,
}

impl AsBlock {
    fn new(c: usize, hidden: usize, config: &AsMlpConfig, device: &Device) -> Self {
        Self {
            norm1: GroupNorm::new(c, device),
            axial_shift: AxialShiftMixer::new(c, config.shift_size, config.dilation, device),
            norm2: GroupNorm::new(c, device),
            mlp: Mlp::new(c, hidden, c, device),
        }
    }

    /// `(B, H, W, C)` → same shape, plus the map the axial shifts moved.
    pub fn forward(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let (mixed, shift_input) = self.axial_shift.forward(self.norm1.forward(x.clone()));
        let x = x + mixed;
        (x.clone() + self.mlp.forward(self.norm2.forward(x)), shift_input)
    }
}

/// The official `AxialShift` module: 1×1 projection, norm, GELU, the two
/// axial shifts each with its own 1×1 projection and GELU, sum, norm, 1×1.
#[derive(Module, Debug)]
pub struct AxialShiftMixer {
    /// Projection before the shifts.
    pub conv1: Linear,
    /// Projection after the horizontal shift.
    pub conv2_1: Linear,
    /// Projection after the vertical shift.
    pub conv2_2: Linear,
    /// Projection of the fused branches.
    pub conv3: Linear,
    /// Norm after `conv1`.
    pub norm1: GroupNorm,
    /// Norm of the fused branches.
    pub norm2: GroupNorm,
    shift_size: usize,
    dilation: usize,
}

impl AxialShiftMixer {
    fn new(c: usize, shift_size: usize, dilation: usize, device: &Device) -> Self {
        let proj = || LinearConfig::new(c, c).init(device);
        Self {
            conv1: proj(),
            conv2_1: proj(),
            conv2_2: proj(),
            conv3: proj(),
            norm1: GroupNorm::new(c, device),
            norm2: GroupNorm::new(c, device),
            shift_size,
            dilation,
        }
    }

    /// Mixes `(B, H, W, C)` tokens along both axes; also returns the map
    /// both shifts moved.
    pub fn forward(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let x = gelu(self.norm1.forward(linear_last(&self.conv1, x)));
        let horizontal = axial_shift(x.clone(), self.shift_size, self.dilation, Axis::Horizontal);
        let vertical = axial_shift(x.clone(), self.shift_size, self.dilation, Axis::Vertical);
        let fused = gelu(linear_last(&self.conv2_1, horizontal)) + gelu(linear_last(&self.conv2_2, vertical));
        (linear_last(&self.conv3, self.norm2.forward(fused)), x)
    }
}

impl AsMlp {
    /// Final-stage tokens `(B, h, w, C)` of NCHW images, recording probes.
    pub fn features(&self, images: Tensor<4>, request: &ProbeRequest, probes: &mut Probes) -> Tensor<4> {
        let mut x = self.patch_embed.norm.forward(self.patch_embed.proj.forward_nchw(images));
        probes.embedding(request, &x);
        for layer in &self.layers {
            for block in &layer.blocks {
                let (out, shift_input) = block.forward(x);
                x = out;
                probes.block(request, &x, vec![shift_input]);
            }
            if let Some(merge) = &layer.downsample {
                x = merge.forward(x);
            }
        }
        x
    }

    /// Cuts every GroupNorm's mean and variance out of autodiff (see
    /// [`super::Model::local_paths_only`]).
    pub(crate) fn detach_norm_statistics(&mut self) {
        self.patch_embed.norm.detach_statistics();
        self.norm.detach_statistics();
        for layer in &mut self.layers {
            for block in &mut layer.blocks {
                for norm in
                    [&mut block.norm1, &mut block.norm2, &mut block.axial_shift.norm1, &mut block.axial_shift.norm2]
                {
                    norm.detach_statistics();
                }
            }
            if let Some(merge) = &mut layer.downsample {
                merge.norm.detach_statistics();
            }
        }
    }
}
