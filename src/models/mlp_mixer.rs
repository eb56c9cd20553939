//! MLP-Mixer (Tolstikhin et al., 2021): an MLP across the patches (token
//! mixing) and an MLP per patch (channel mixing), each pre-norm residual.
//! Module and key names follow timm's `mlp_mixer.py`.

use burn::module::Module;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::architecture::{Architecture, GlobalContext};
use super::geometry::{GroupShift, Step, TokenMixing};
use super::patch_shuffle::PatchShuffle;
use super::{require, Cost, Model, ProbeRequest, Probes};
use crate::error::{Error, Result};
use crate::ops::mlp::Mlp;
use crate::ops::patch::PatchEmbed;

/// timm's LayerNorm epsilon for Mixer.
const EPSILON: f64 = 1e-6;

/// MLP-Mixer hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixerConfig {
    /// Patch size.
    pub patch_size: usize,
    /// Channels (hidden size C).
    pub dim: usize,
    /// Number of blocks.
    pub depth: usize,
    /// Hidden width of the token-mixing MLP (D_S).
    pub tokens_dim: usize,
    /// Hidden width of the channel-mixing MLP (D_C).
    pub channels_dim: usize,
}

impl MixerConfig {
    fn tokens(&self, image_size: usize) -> usize {
        (image_size / self.patch_size).pow(2)
    }

    /// A freshly initialised network for `image_size`-pixel inputs.
    pub fn network(&self, image_size: usize, in_channels: usize, num_classes: usize, device: &Device) -> Mixer {
        let n = self.tokens(image_size);
        let norm = || LayerNormConfig::new(self.dim).with_epsilon(EPSILON).init(device);
        Mixer {
            stem: PatchEmbed::new(in_channels, self.dim, self.patch_size, device),
            blocks: (0..self.depth)
                .map(|_| MixerBlock {
                    norm1: norm(),
                    mlp_tokens: Mlp::new(n, self.tokens_dim, n, device),
                    norm2: norm(),
                    mlp_channels: Mlp::new(self.dim, self.channels_dim, self.dim, device),
                })
                .collect(),
            norm: norm(),
            head: LinearConfig::new(self.dim, num_classes).init(device),
        }
    }
}

impl Architecture for MixerConfig {
    fn key(&self) -> &'static str {
        "mixer"
    }

    fn title(&self) -> &'static str {
        "MLP-Mixer"
    }

    fn description(&self) -> &'static str {
        "Patches mixed by an MLP across all patches, then by an MLP per patch; no convolution, no shift, no position embedding."
    }

    fn token_mixing(&self) -> &'static str {
        "The token-mixing MLP reads every patch, so one block already sees the whole image."
    }

    fn validate(&self, image_size: usize) -> Result<()> {
        require(self.dim > 0 && self.tokens_dim > 0 && self.channels_dim > 0, || {
            "mixer widths must be positive".into()
        })?;
        require(self.patch_size > 0 && image_size.is_multiple_of(self.patch_size), || {
            format!("patch size {} does not divide input {image_size}", self.patch_size)
        })
    }

    fn cost(&self, image_size: usize, in_channels: usize, num_classes: usize) -> Cost {
        let n = self.tokens(image_size);
        let mut total = Cost::patch_conv(n, in_channels, self.dim, self.patch_size);
        let mut block = Cost::norm(self.dim).times(2);
        block += Cost::mlp(self.dim, n, self.tokens_dim, n);
        block += Cost::mlp(n, self.dim, self.channels_dim, self.dim);
        total += block.times(self.depth);
        total += Cost::norm(self.dim);
        total += Cost::linear(1, self.dim, num_classes, true);
        total
    }

    fn init(&self, image_size: usize, in_channels: usize, num_classes: usize, device: &Device) -> Model {
        Model::Mixer(self.network(image_size, in_channels, num_classes, device))
    }

    fn patch_size(&self) -> usize {
        self.patch_size
    }

    fn token_steps(&self) -> Vec<Step> {
        let blocks = (0..self.depth).map(|_| Step::Block(TokenMixing::Dense));
        std::iter::once(Step::Patchify { patch: self.patch_size }).chain(blocks).collect()
    }

    fn block_shifts(&self) -> Vec<Vec<GroupShift>> {
        vec![Vec::new(); self.depth]
    }

    fn global_context(&self) -> Option<GlobalContext> {
        None
    }

    fn resizable(&self, trained: usize) -> std::result::Result<(), String> {
        let side = trained / self.patch_size;
        Err(format!(
            "MLP-Mixer's token-mixing weights are sized to {} tokens ({side}×{side} patches of {} px): \
             another input size has another number of patches, which these weights cannot read",
            side * side,
            self.patch_size
        ))
    }

    fn permutable(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

/// The MLP-Mixer network.
#[derive(Module, Debug)]
pub struct Mixer {
    /// Image → patch tokens.
    pub stem: PatchEmbed,
    /// The mixer blocks.
    pub blocks: Vec<MixerBlock>,
    /// Final LayerNorm.
    pub norm: LayerNorm,
    /// Linear classifier after global average pooling.
    pub head: Linear,
}

/// One Mixer block.
#[derive(Module, Debug)]
pub struct MixerBlock {
    /// Norm before token mixing.
    pub norm1: LayerNorm,
    /// MLP across the tokens, shared by all channels.
    pub mlp_tokens: Mlp,
    /// Norm before channel mixing.
    pub norm2: LayerNorm,
    /// MLP across the channels, shared by all tokens.
    pub mlp_channels: Mlp,
}

impl MixerBlock {
    /// `(B, N, C)` → same shape.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let mixed = self.mlp_tokens.forward(self.norm1.forward(x.clone()).swap_dims(1, 2));
        let x = x + mixed.swap_dims(1, 2);
        x.clone() + self.mlp_channels.forward(self.norm2.forward(x))
    }
}

impl Mixer {
    /// Final tokens `(B, h, w, C)` of NCHW images, recording probes.
    pub fn features(&self, images: Tensor<4>, request: &ProbeRequest, probes: &mut Probes) -> Tensor<4> {
        let grid = self.stem.proj.forward_nchw(images);
        let [b, h, w, c] = grid.dims();
        probes.embedding(request, &grid);
        let mut x = grid.reshape([b, h * w, c]);
        for block in &self.blocks {
            x = block.forward(x);
            if request.block_features || request.shift_inputs {
                probes.block(request, &x.clone().reshape([b, h, w, c]), Vec::new());
            }
        }
        x.reshape([b, h, w, c])
    }
}

impl Mixer {
    /// This Mixer with its patch-embedding kernel permuted like the pixels
    /// of a patch, and its token-mixing MLPs like the patches: on an image
    /// shuffled by `shuffle` it computes what `self` computes on the
    /// original (up to the order of float sums; channel mixing, the norms
    /// and the final mean do not depend on token order).
    pub fn for_shuffled(mut self, shuffle: &PatchShuffle) -> Result<Self> {
        let [out, channels, patch, _] = self.stem.proj.weight.dims();
        let tokens = self.blocks.first().map_or(shuffle.tokens.len(), |b| b.mlp_tokens.fc1.weight.dims()[0]);
        if patch != shuffle.patch || tokens != shuffle.tokens.len() {
            return Err(Error::InvalidConfig(format!(
                "the shuffle cuts {0}×{0} patches into a {1}×{1} grid, the Mixer takes {patch}×{patch} patches and \
                 {tokens} tokens",
                shuffle.patch, shuffle.grid
            )));
        }
        let device = self.stem.proj.weight.device();
        let index = |order: &[usize]| {
            let order: Vec<i64> = order.iter().map(|&i| i as i64).collect();
            let n = order.len();
            Tensor::<1, Int>::from_data(TensorData::new(order, [n]), &device)
        };
        let (pixels, tokens) = (index(&shuffle.pixels), index(&shuffle.tokens));
        self.stem.proj.weight = self.stem.proj.weight.map(|w| {
            w.reshape([out, channels, patch * patch]).select(2, pixels).reshape([out, channels, patch, patch])
        });
        for block in &mut self.blocks {
            let mlp = &mut block.mlp_tokens;
            mlp.fc1.weight = mlp.fc1.weight.clone().map(|w| w.select(0, tokens.clone()));
            mlp.fc2.weight = mlp.fc2.weight.clone().map(|w| w.select(1, tokens.clone()));
            mlp.fc2.bias = mlp.fc2.bias.take().map(|b| b.map(|b| b.select(0, tokens.clone())));
        }
        Ok(self)
    }
}
