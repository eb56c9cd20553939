//! The token graph of a model: how information can move from input pixels
//! to tokens, step by step, read off the configuration alone.
//!
//! Each block's token mixing becomes a list of edges "output token ← input
//! token": one for the skip connection, one for the identity branch, one
//! per shifted channel group (S²-MLPv2, AS-MLP) or one per token (Mixer's
//! token MLP). Channel MLPs, norms and projections act per token and add no
//! edges. Patch embedding and patch merging map each token to the `p × p`
//! tokens (or pixels) under it.

use crate::models::geometry::Step;
use crate::models::ModelConfig;

/// The steps of a model from input pixels to final tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGraph {
    /// Input side in pixels.
    pub image_size: usize,
    /// The steps in forward order; the first is the patch embedding.
    pub steps: Vec<Step>,
    /// The first depth (0: right after the patch embedding, `k`: after
    /// block `k`) from which a whole-image statistic reaches every token:
    /// S²-MLPv2's split-attention descriptor, AS-MLP's GroupNorm. Such a
    /// path carries one number per channel, not the image itself, so the
    /// receptive field here follows the token paths only.
    pub global_context_from: Option<usize>,
}

impl TokenGraph {
    /// The token graph of a configuration.
    pub fn new(config: &ModelConfig) -> Self {
        let architecture = config.architecture();
        Self {
            image_size: config.image_size,
            steps: architecture.token_steps(),
            global_context_from: architecture.global_context().map(|g| g.from_depth),
        }
    }

    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        self.steps.iter().filter(|s| matches!(s, Step::Block(_))).count()
    }

    /// How many steps make up depth `depth` (0: the patch embedding only,
    /// `k`: up to and including block `k`).
    pub(crate) fn steps_to_depth(&self, depth: usize) -> usize {
        let mut blocks = self.steps.iter().enumerate().filter(|(_, s)| matches!(s, Step::Block(_))).map(|(i, _)| i);
        match depth {
            // Everything before the first block.
            0 => blocks.next(),
            // Everything up to block `depth`, without the downsampling after it.
            _ => blocks.nth(depth - 1).map(|i| i + 1),
        }
        .unwrap_or(self.steps.len())
    }

    /// Token grid side at depth `depth` (clamped to the last block).
    pub fn grid_side(&self, depth: usize) -> usize {
        let depth = depth.min(self.blocks());
        self.steps[..self.steps_to_depth(depth)].iter().fold(self.image_size, |side, step| match step {
            Step::Patchify { patch } => side / patch,
            Step::Block(_) => side,
        })
    }
}
