//! The three architectures behind one configuration type and one model
//! type, plus the registry of named variants and the cost counter.

pub mod architecture;
pub mod as_mlp;
pub mod cost;
pub mod geometry;
pub mod mlp_mixer;
pub mod patch_shuffle;
pub mod probes;
pub mod registry;
pub mod s2mlpv2;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ops::sum::mean_tokens;
pub use architecture::{Architecture, GlobalContext};
pub use cost::Cost;
pub use patch_shuffle::PatchShuffle;
pub use probes::{ProbeRequest, Probes};

/// Architecture-specific part of a model configuration, tagged by `arch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "arch", rename_all = "lowercase")]
pub enum ArchConfig {
    /// S²-MLPv2 (see [`s2mlpv2`]).
    S2mlpv2(s2mlpv2::S2MlpV2Config),
    /// AS-MLP (see [`as_mlp`]).
    Asmlp(as_mlp::AsMlpConfig),
    /// MLP-Mixer (see [`mlp_mixer`]).
    Mixer(mlp_mixer::MixerConfig),
}

impl ArchConfig {
    /// The architecture's facts and operations.
    pub fn architecture(&self) -> &dyn Architecture {
        match self {
            ArchConfig::S2mlpv2(c) => c,
            ArchConfig::Asmlp(c) => c,
            ArchConfig::Mixer(c) => c,
        }
    }
}

/// A complete architecture: its hyper-parameters, input and head sizes.
/// What a set of weights expects of images and what its outputs mean is
/// the weights' profile (`weights::Profile`), not part of this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// The architecture and its hyper-parameters.
    #[serde(flatten)]
    pub arch: ArchConfig,
    /// Square input side in pixels.
    pub image_size: usize,
    /// Input channels (3 for RGB).
    #[serde(default = "three")]
    pub in_channels: usize,
    /// Number of classes of the head.
    pub num_classes: usize,
}

fn three() -> usize {
    3
}

impl ModelConfig {
    /// Checks that the sizes fit together (patches divide the input, shift
    /// groups divide the channels, …).
    pub fn validate(&self) -> Result<()> {
        let check = |ok: bool, what: String| if ok { Ok(()) } else { Err(Error::InvalidConfig(what)) };
        check(self.image_size > 0 && self.num_classes > 0, "sizes must be positive".into())?;
        check(self.in_channels == 3, format!("models take RGB input (3 channels), not {}", self.in_channels))?;
        self.architecture().validate(self.image_size)
    }

    /// The architecture's facts and operations.
    pub fn architecture(&self) -> &dyn Architecture {
        self.arch.architecture()
    }

    /// Parameter and multiply-add counts, from the shapes alone.
    pub fn cost(&self) -> Cost {
        self.architecture().cost(self.image_size, self.in_channels, self.num_classes)
    }

    /// Side in pixels of the patch each first-stage token embeds.
    pub fn patch_size(&self) -> usize {
        self.architecture().patch_size()
    }

    /// Short architecture name: `s2mlpv2`, `asmlp` or `mixer`.
    pub fn arch_name(&self) -> &'static str {
        self.architecture().key()
    }

    /// The same weights' configuration for `size`-pixel inputs; an
    /// architecture whose weights are tied to the token count, or a size
    /// its patches do not divide, is an error that says why.
    pub fn at_size(&self, size: usize) -> Result<ModelConfig> {
        if size == self.image_size {
            return Ok(self.clone());
        }
        self.architecture().resizable(self.image_size).map_err(Error::Unsupported)?;
        let config = ModelConfig { image_size: size, ..self.clone() };
        config.validate().map_err(|e| Error::Unsupported(format!("{size} px: {e}")))?;
        Ok(config)
    }

    /// Builds a freshly initialised model on `device` after validating.
    pub fn init(&self, device: &Device) -> Result<Model> {
        self.validate()?;
        Ok(self.architecture().init(self.image_size, self.in_channels, self.num_classes, device))
    }
}

/// Any of the three architectures, ready to run.
#[derive(Module, Debug)]
pub enum Model {
    /// S²-MLPv2.
    S2mlpv2(s2mlpv2::S2MlpV2),
    /// AS-MLP.
    Asmlp(as_mlp::AsMlp),
    /// MLP-Mixer.
    Mixer(mlp_mixer::Mixer),
}

impl Model {
    /// Logits `(B, classes)` for normalised NCHW images `(B, 3, H, W)`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_probed(images, &ProbeRequest::default()).0
    }

    /// Logits plus the intermediate values `request` asks for; nothing is
    /// kept that was not asked for.
    pub fn forward_probed(&self, images: Tensor<4>, request: &ProbeRequest) -> (Tensor<2>, Probes) {
        let mut probes = Probes::default();
        let tokens = match self {
            Model::S2mlpv2(m) => m.features(images, request, &mut probes),
            Model::Asmlp(m) => m.features(images, request, &mut probes),
            Model::Mixer(m) => m.features(images, request, &mut probes),
        };
        let normed = match self {
            Model::S2mlpv2(m) => m.norm.forward(tokens),
            Model::Asmlp(m) => m.norm.forward(tokens),
            Model::Mixer(m) => m.norm.forward(tokens),
        };
        if request.head_tokens {
            probes.head_tokens = Some(normed.clone());
        }
        let pooled = mean_tokens(normed);
        if request.pooled {
            probes.pooled = Some(pooled.clone());
        }
        let logits = self.head().forward(pooled);
        (logits, probes)
    }

    /// Number of blocks over all stages.
    pub fn block_count(&self) -> usize {
        match self {
            Model::S2mlpv2(m) => m.stages.iter().map(|s| s.blocks.len()).sum(),
            Model::Asmlp(m) => m.layers.iter().map(|l| l.blocks.len()).sum(),
            Model::Mixer(m) => m.blocks.len(),
        }
    }

    /// The same model with its whole-image statistics (S²-MLPv2's
    /// split-attention weights, AS-MLP's GroupNorm mean and variance) cut
    /// out of autodiff: they keep their values, but input gradients then
    /// flow only along the token paths the shifts open (see
    /// the panel's token graph, `viz::token_graph`). Forward outputs are unchanged.
    pub fn local_paths_only(mut self) -> Self {
        match &mut self {
            Model::S2mlpv2(m) => m.detach_split_attention(),
            Model::Asmlp(m) => m.detach_norm_statistics(),
            Model::Mixer(_) => {}
        }
        self
    }

    /// The model whose output on images shuffled by `shuffle` equals this
    /// model's on the originals; only MLP-Mixer has one (see
    /// [`patch_shuffle`]).
    pub fn for_shuffled(self, shuffle: &PatchShuffle) -> Result<Self> {
        match self {
            Model::Mixer(m) => m.for_shuffled(shuffle).map(Model::Mixer),
            Model::S2mlpv2(_) | Model::Asmlp(_) => Err(Error::Unsupported(architecture::FIXED_NEIGHBOURS.into())),
        }
    }

    /// The final linear classifier (applied after global average pooling).
    pub fn head(&self) -> &burn::nn::Linear {
        match self {
            Model::S2mlpv2(m) => &m.head,
            Model::Asmlp(m) => &m.head,
            Model::Mixer(m) => &m.head,
        }
    }
}

/// Fails with an [`Error::InvalidConfig`] unless `ok`.
pub(crate) fn require(ok: bool, what: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidConfig(what()))
    }
}
