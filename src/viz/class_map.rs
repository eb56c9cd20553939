//! A class per token: what each final token says on its own. The shift
//! models have no weight tied to the number of tokens, so they run on a
//! larger input than they were trained on and give one answer per region
//! of the photo (the reason AS-MLP was the first MLP used for detection and
//! segmentation); MLP-Mixer cannot (see
//! [`Architecture::resizable`](crate::models::Architecture::resizable)).

use serde::{Deserialize, Serialize};

use super::cam::{class_activation, HeadWeights, TokenMap};

/// Every final token's share of every class's logit, and its own class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMap {
    /// Token rows.
    pub rows: usize,
    /// Token columns.
    pub cols: usize,
    /// Number of classes.
    pub classes: usize,
    /// `rows · cols · classes`, token-major: token `t`'s contribution to
    /// class `k`'s logit (the class-activation share, see
    /// [`class_activation`]).
    pub shares: Vec<f32>,
    /// Per token, the class the head gives that token read alone
    /// (`W·z_t + b`).
    pub class: Vec<usize>,
    /// Per token, that class's softmax probability over the token's own
    /// logits.
    pub confidence: Vec<f32>,
}

impl ClassMap {
    /// The map of `tokens` under `head`.
    ///
    /// # Panics
    /// When the tokens' channels differ from the head's inputs: both come
    /// from the loaded model, not from the visitor.
    pub fn new(tokens: &TokenMap, head: &HeadWeights) -> Self {
        let count = tokens.rows * tokens.cols;
        let per_class: Vec<Vec<f32>> =
            (0..head.classes).map(|k| class_activation(tokens, head, k).contributions).collect();
        let shares: Vec<f32> = (0..count).flat_map(|t| per_class.iter().map(move |c| c[t])).collect();
        let (mut class, mut confidence) = (Vec::with_capacity(count), Vec::with_capacity(count));
        for token in shares.chunks_exact(head.classes.max(1)) {
            // A token read alone: its share times the token count, plus the bias.
            let logits: Vec<f32> = token.iter().zip(&head.bias).map(|(s, b)| s * count as f32 + b).collect();
            let best = (0..logits.len()).max_by(|&a, &b| logits[a].total_cmp(&logits[b])).unwrap_or(0);
            let total: f32 = logits.iter().map(|l| (l - logits[best]).exp()).sum();
            class.push(best);
            confidence.push(1.0 / total);
        }
        Self { rows: tokens.rows, cols: tokens.cols, classes: head.classes, shares, class, confidence }
    }

    /// Token `t`'s share of class `k`'s logit.
    pub fn share(&self, token: usize, class: usize) -> f32 {
        self.shares[token * self.classes + class]
    }

    /// How many tokens take each class as their own.
    pub fn votes(&self) -> Vec<usize> {
        let mut votes = vec![0; self.classes];
        for &k in &self.class {
            votes[k] += 1;
        }
        votes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_token_gets_the_class_the_head_gives_it_alone() {
        // Two tokens, two channels, two classes.
        let tokens = TokenMap { rows: 1, cols: 2, channels: 2, values: vec![1.0, 0.0, 0.0, 3.0] };
        let head = HeadWeights { inputs: 2, classes: 2, weight: vec![2.0, 0.0, 0.0, 1.0], bias: vec![0.0, 0.5] };
        let map = ClassMap::new(&tokens, &head);
        // Token 0 alone: logits (2, 0.5) → class 0; token 1: (0, 3.5) → class 1.
        assert_eq!(map.class, vec![0, 1]);
        assert_eq!(map.share(0, 0), 1.0, "2 / two tokens");
        assert_eq!(map.share(1, 1), 1.5);
        let p0 = 1.0 / (1.0 + (0.5f32 - 2.0).exp());
        assert!((map.confidence[0] - p0).abs() < 1e-6);
        assert_eq!(map.votes(), vec![1, 1]);
    }
}
