//! The token graph of a model: how information can move from input pixels
//! to tokens, step by step, read off the configuration alone.
//!
//! Each block's token mixing becomes a list of edges "output token ← input
//! token": one for the skip connection, one for the identity branch, one
//! per shifted channel group (S²-MLPv2, AS-MLP) or one per token (Mixer's
//! token MLP). Channel MLPs, norms and projections act per token and add no
//! edges. Patch embedding and patch merging map each token to the `p × p`
//! tokens (or pixels) under it.

use crate::models::ModelConfig;
use crate::ops::spatial_shift::ShiftOrder;

/// How one block moves information between tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenMixing {
    /// S²-MLPv2: two branches, each with its four channel groups shifted by
    /// one token (the two group orders); a group whose source falls off the
    /// map reads its own token. Plus the identity branch and the skip.
    SpatialShift,
    /// AS-MLP: channel groups shifted by `offsets` tokens along the width in
    /// one branch and along the height in the other, zero padded. Plus the
    /// skip.
    AxialShift {
        /// Offset of each channel group (`out[i] = in[i - offset]`).
        offsets: Vec<isize>,
    },
    /// MLP-Mixer: the token MLP reads every token. Plus the skip.
    Dense,
    /// A `size × size` convolution whose taps are `dilation` tokens apart,
    /// zero padded (for comparison; no model here has one). Plus the skip.
    Convolution {
        /// Taps per side (odd).
        size: usize,
        /// Tokens between neighbouring taps.
        dilation: usize,
    },
    /// Swin's window attention: every token of a `size × size` window reads
    /// every other; the window grid starts `offset` tokens in (Swin shifts
    /// it by half a window every other block; the windows cut at the map's
    /// edge stay apart, as Swin's attention mask keeps them). Plus the skip.
    Window {
        /// Window side in tokens.
        size: usize,
        /// Where the window grid starts, in tokens.
        offset: usize,
    },
}

impl TokenMixing {
    /// The edges into token `(row, col)` of a `side × side` grid, as
    /// `(source token index, number of edges)`, sources in row-major order.
    pub fn sources(&self, side: usize, row: usize, col: usize) -> Vec<(usize, u32)> {
        let mut counts = std::collections::BTreeMap::new();
        let mut add = |r: usize, c: usize| *counts.entry(r * side + c).or_insert(0u32) += 1;
        add(row, col); // the skip connection
        let inside = |r: isize, c: isize| (0..side as isize).contains(&r) && (0..side as isize).contains(&c);
        let (r0, c0) = (row as isize, col as isize);
        match self {
            TokenMixing::SpatialShift => {
                add(row, col); // the identity branch
                for order in [ShiftOrder::First, ShiftOrder::Second] {
                    for direction in order.directions() {
                        let (dr, dc) = direction.source_offset();
                        let (r, c) = (r0 + dr, c0 + dc);
                        if inside(r, c) {
                            add(r as usize, c as usize);
                        } else {
                            add(row, col);
                        }
                    }
                }
            }
            TokenMixing::AxialShift { offsets } => {
                for &offset in offsets {
                    if inside(r0, c0 - offset) {
                        add(row, (c0 - offset) as usize);
                    }
                    if inside(r0 - offset, c0) {
                        add((r0 - offset) as usize, col);
                    }
                }
            }
            TokenMixing::Dense => {
                for r in 0..side {
                    for c in 0..side {
                        add(r, c);
                    }
                }
            }
            TokenMixing::Convolution { size, dilation } => {
                let reach = (size / 2) as isize;
                for dr in -reach..=reach {
                    for dc in -reach..=reach {
                        let (r, c) = (r0 + dr * *dilation as isize, c0 + dc * *dilation as isize);
                        if inside(r, c) {
                            add(r as usize, c as usize);
                        }
                    }
                }
            }
            TokenMixing::Window { size, offset } => {
                let window = |i: usize| (i + size - offset % size) / size;
                let same = |i: usize, j: usize| window(i) == window(j);
                for r in (0..side).filter(|&r| same(r, row)) {
                    for c in (0..side).filter(|&c| same(c, col)) {
                        add(r, c);
                    }
                }
            }
        }
        counts.into_iter().collect()
    }
}

/// One step from pixels towards the final tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Each new token covers `patch × patch` tokens (or pixels) of the
    /// previous grid: patch embedding, strided downsampling, patch merging.
    Patchify {
        /// The patch side.
        patch: usize,
    },
    /// A block mixing tokens on the current grid.
    Block(TokenMixing),
}

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
