//! Class activation: the exact share of each final token in one class's
//! logit. Every model here ends in a norm, a mean over tokens and a linear
//! head, so `logit_k = b_k + Σ_t (w_k · z_t) / T` for the normalised tokens
//! `z_t`: token `t` contributes `(w_k · z_t) / T`, and the contributions
//! add up to the logit minus the bias.

/// A `(rows, cols, channels)` map of token features, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenMap {
    /// Token rows.
    pub rows: usize,
    /// Token columns.
    pub cols: usize,
    /// Channels per token.
    pub channels: usize,
    /// `rows · cols · channels` values.
    pub values: Vec<f32>,
}

/// The linear head `logits = W·x + b`, as burn stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadWeights {
    /// Input features.
    pub inputs: usize,
    /// Classes.
    pub classes: usize,
    /// `(inputs, classes)` row-major: `weight[i * classes + k]`.
    pub weight: Vec<f32>,
    /// One bias per class (zeros when the head has none).
    pub bias: Vec<f32>,
}

/// Per-token contributions to one class's logit, on the token grid.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassActivation {
    /// The class.
    pub class: usize,
    /// Token rows.
    pub rows: usize,
    /// Token columns.
    pub cols: usize,
    /// `rows · cols` contributions, row-major; they sum to logit − bias.
    pub contributions: Vec<f32>,
    /// The head's bias for the class.
    pub bias: f32,
}

impl ClassActivation {
    /// The class's logit: the contributions plus the bias.
    pub fn logit(&self) -> f32 {
        self.contributions.iter().sum::<f32>() + self.bias
    }

    /// The largest contribution magnitude (the colour scale's end).
    pub fn max_abs(&self) -> f32 {
        self.contributions.iter().fold(0.0, |m, v| m.max(v.abs()))
    }

    /// The share of the summed positive contributions made by the strongest
    /// tenth of the tokens: how concentrated the evidence is.
    pub fn top_decile_share(&self) -> f32 {
        let mut positive: Vec<f32> = self.contributions.iter().copied().filter(|v| *v > 0.0).collect();
        let total: f32 = positive.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        positive.sort_by(|a, b| b.total_cmp(a));
        let top = self.contributions.len().div_ceil(10);
        positive.iter().take(top).sum::<f32>() / total
    }
}

/// The contributions of each token of `tokens` to class `class`.
///
/// # Panics
/// When `class` is not a class of `head` or the channels differ: both come
/// from the loaded model, not from the visitor.
pub fn class_activation(tokens: &TokenMap, head: &HeadWeights, class: usize) -> ClassActivation {
    assert!(class < head.classes, "class {class} of a {}-class head", head.classes);
    assert_eq!(tokens.channels, head.inputs, "token channels must match the head's inputs");
    let count = (tokens.rows * tokens.cols).max(1) as f32;
    let contributions = tokens
        .values
        .chunks_exact(tokens.channels)
        .map(|z| z.iter().enumerate().map(|(i, zi)| zi * head.weight[i * head.classes + class]).sum::<f32>() / count)
        .collect();
    ClassActivation { class, rows: tokens.rows, cols: tokens.cols, contributions, bias: head.bias[class] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contributions_are_each_tokens_share_of_the_logit() {
        // Two tokens, two channels, two classes.
        let tokens = TokenMap { rows: 1, cols: 2, channels: 2, values: vec![1.0, 2.0, -1.0, 4.0] };
        let head = HeadWeights { inputs: 2, classes: 2, weight: vec![1.0, 0.0, 0.5, 1.0], bias: vec![0.25, -1.0] };
        let cam = class_activation(&tokens, &head, 0);
        // class 0: token 0 → (1·1 + 2·0.5) / 2 = 1, token 1 → (−1 + 2) / 2 = 0.5.
        assert_eq!(cam.contributions, vec![1.0, 0.5]);
        assert_eq!(cam.logit(), 1.75);
        assert_eq!(cam.max_abs(), 1.0);
        assert!((cam.top_decile_share() - 2.0 / 3.0).abs() < 1e-6);
        let cam1 = class_activation(&tokens, &head, 1);
        assert_eq!(cam1.contributions, vec![1.0, 2.0]);
    }
}
