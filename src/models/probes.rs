//! Intermediate values a forward pass can hand out for the visualisations.

use burn::tensor::Tensor;

/// Which intermediate values to keep; the default keeps none, so the plain
/// forward path does no extra work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProbeRequest {
    /// Per-block split-attention weights `(B, 3, C)` (S²-MLPv2 only).
    pub split_attention: bool,
    /// Per-block output tokens `(B, H, W, C)`.
    pub block_features: bool,
    /// Pooled features `(B, C)` right before the head.
    pub pooled: bool,
}

impl ProbeRequest {
    /// Ask for every probe.
    pub fn all() -> Self {
        Self { split_attention: true, block_features: true, pooled: true }
    }
}

/// The values a [`ProbeRequest`] asked for, in block order over all stages.
#[derive(Debug, Clone, Default)]
pub struct Probes {
    /// Split-attention weights per block, `(B, 3, C)`, branches ordered
    /// shift-1, shift-2, identity.
    pub split_attention: Vec<Tensor<3>>,
    /// Output tokens per block, `(B, H, W, C)`.
    pub block_features: Vec<Tensor<4>>,
    /// Pooled features before the head, `(B, C)`.
    pub pooled: Option<Tensor<2>>,
}

impl Probes {
    /// Records a block's output if requested.
    pub(crate) fn block_output(&mut self, request: &ProbeRequest, tokens: &Tensor<4>) {
        if request.block_features {
            self.block_features.push(tokens.clone());
        }
    }
}
