//! Intermediate values a forward pass can hand out for the visualisations.

use burn::tensor::Tensor;

/// Which intermediate values to keep; the default keeps none, so the plain
/// forward path does no extra work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProbeRequest {
    /// Per-block split-attention weights `(B, 3, C)` (S²-MLPv2 only).
    pub split_attention: bool,
    /// The patch embedding's tokens and every block's output tokens.
    pub block_features: bool,
    /// Pooled features `(B, C)` right before the head.
    pub pooled: bool,
    /// Per block, the maps that enter its spatial shifts.
    pub shift_inputs: bool,
    /// The final normalised tokens `(B, h, w, C)` whose mean the head reads.
    pub head_tokens: bool,
}

impl ProbeRequest {
    /// Ask for every probe.
    pub fn all() -> Self {
        Self { split_attention: true, block_features: true, pooled: true, shift_inputs: true, head_tokens: true }
    }
}

/// The values a [`ProbeRequest`] asked for, in block order over all stages.
#[derive(Debug, Clone, Default)]
pub struct Probes {
    /// Split-attention weights per block, `(B, 3, C)`, branches ordered
    /// shift-1, shift-2, identity.
    pub split_attention: Vec<Tensor<3>>,
    /// Tokens right after the patch embedding, `(B, H, W, C)`.
    pub embedding: Option<Tensor<4>>,
    /// Output tokens per block, `(B, H, W, C)`.
    pub block_features: Vec<Tensor<4>>,
    /// Per block, the `(B, H, W, C)` maps its shifts move: S²-MLPv2's two
    /// shifted branches before shifting (first, then second group order);
    /// AS-MLP's one map, which both axial shifts move. Empty for Mixer.
    pub shift_inputs: Vec<Vec<Tensor<4>>>,
    /// Final normalised tokens `(B, h, w, C)`; the head reads their mean.
    pub head_tokens: Option<Tensor<4>>,
    /// Pooled features before the head, `(B, C)`.
    pub pooled: Option<Tensor<2>>,
}

impl Probes {
    /// Records the patch embedding's tokens if requested.
    pub(crate) fn embedding(&mut self, request: &ProbeRequest, tokens: &Tensor<4>) {
        if request.block_features {
            self.embedding = Some(tokens.clone());
        }
    }

    /// Records a block's output and the maps its shifts moved, as requested.
    pub(crate) fn block(&mut self, request: &ProbeRequest, tokens: &Tensor<4>, shift_inputs: Vec<Tensor<4>>) {
        if request.block_features {
            self.block_features.push(tokens.clone());
        }
        if request.shift_inputs {
            self.shift_inputs.push(shift_inputs);
        }
    }
}
