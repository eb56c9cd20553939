//! Summaries of S²-MLPv2's split-attention weights for one image: which
//! branch each channel trusts, and how much each block leans on each branch.

use crate::ops::split_attention::BRANCHES;

/// The branches in the order the weights hold them.
pub const BRANCH_NAMES: [&str; BRANCHES] = ["shift 1", "shift 2", "identity"];

/// One block's split-attention weights for one image.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BlockAttention {
    /// Block index over all stages (0-based).
    pub block: usize,
    /// Channels of the block.
    pub channels: usize,
    /// `weights[k * channels + c]`: branch `k`'s softmax weight for channel `c`.
    pub weights: Vec<f32>,
    /// Mean weight of each branch over the channels.
    pub means: [f32; BRANCHES],
    /// Channels whose largest weight is each branch's.
    pub dominant_counts: [usize; BRANCHES],
    /// Channels grouped by dominant branch (shift 1, shift 2, identity),
    /// strongest first within a group: the heatmap's column order.
    pub order: Vec<usize>,
}

impl BlockAttention {
    /// Summarises `(3, C)` branch-major weights (as the model's probe and
    /// the reference fixtures hold them).
    pub fn new(block: usize, weights: Vec<f32>) -> Self {
        let channels = weights.len() / BRANCHES;
        let weight = |k: usize, c: usize| weights[k * channels + c];
        let dominant: Vec<usize> = (0..channels)
            .map(|c| (0..BRANCHES).max_by(|&a, &b| weight(a, c).total_cmp(&weight(b, c)).then(b.cmp(&a))).unwrap_or(0))
            .collect();
        let mut means = [0.0; BRANCHES];
        let mut dominant_counts = [0; BRANCHES];
        for (k, mean) in means.iter_mut().enumerate() {
            *mean = (0..channels).map(|c| weight(k, c)).sum::<f32>() / channels.max(1) as f32;
            dominant_counts[k] = dominant.iter().filter(|d| **d == k).count();
        }
        let mut order: Vec<usize> = (0..channels).collect();
        order.sort_by(|&a, &b| {
            let (da, db) = (dominant[a], dominant[b]);
            da.cmp(&db).then(weight(db, b).total_cmp(&weight(da, a))).then(a.cmp(&b))
        });
        Self { block, channels, weights, means, dominant_counts, order }
    }

    /// Branch `k`'s weight for channel `c`.
    pub fn weight(&self, branch: usize, channel: usize) -> f32 {
        self.weights[branch * self.channels + channel]
    }

    /// The branch with the largest mean weight.
    pub fn leading_branch(&self) -> usize {
        (0..BRANCHES).max_by(|&a, &b| self.means[a].total_cmp(&self.means[b])).unwrap_or(0)
    }

    /// The largest deviation of a channel's three weights from summing to 1.
    pub fn max_sum_error(&self) -> f32 {
        (0..self.channels)
            .map(|c| ((0..BRANCHES).map(|k| self.weight(k, c)).sum::<f32>() - 1.0).abs())
            .fold(0.0, f32::max)
    }
}

/// One sentence on what the blocks lean on, for the panel.
pub fn describe(blocks: &[BlockAttention]) -> String {
    if blocks.is_empty() {
        return "This model has no split-attention (only S²-MLPv2 does).".into();
    }
    let shifted = blocks.iter().filter(|b| b.leading_branch() < 2).count();
    let strongest = blocks
        .iter()
        .max_by(|a, b| a.means[2].total_cmp(&b.means[2]))
        .map(|b| {
            format!("block {} trusts the unshifted identity branch most ({:.0} %)", b.block + 1, 100.0 * b.means[2])
        })
        .unwrap_or_default();
    format!("For this image {shifted} of {} blocks give most weight to a shifted branch; {strongest}.", blocks.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_channels_by_dominant_branch_then_strength() {
        // Four channels; branch-major rows (shift 1, shift 2, identity).
        let weights = vec![
            0.2, 0.7, 0.1, 0.5, // shift 1
            0.1, 0.2, 0.8, 0.2, // shift 2
            0.7, 0.1, 0.1, 0.3, // identity
        ];
        let summary = BlockAttention::new(3, weights);
        assert_eq!(summary.channels, 4);
        assert_eq!(summary.dominant_counts, [2, 1, 1]);
        assert_eq!(summary.order, vec![1, 3, 2, 0]);
        assert!((summary.means[0] - 0.375).abs() < 1e-6);
        assert_eq!(summary.leading_branch(), 0);
        assert!(summary.max_sum_error() < 1e-6);
        let text = describe(&[summary]);
        assert!(text.contains("1 of 1 blocks") && text.contains("block 4") && text.contains("30 %"), "{text}");
    }
}
