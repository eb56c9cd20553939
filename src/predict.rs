//! From logits to ranked, named predictions.

use burn::tensor::activation::softmax;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One ranked class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Class index.
    pub class: usize,
    /// Class name.
    pub label: String,
    /// Softmax probability.
    pub probability: f32,
}

/// The `k` most probable classes of each row of `probabilities`, best first.
pub fn top_k(probabilities: &[f32], num_classes: usize, k: usize, labels: &[String]) -> Vec<Vec<Prediction>> {
    probabilities
        .chunks(num_classes.max(1))
        .map(|row| {
            let mut order: Vec<usize> = (0..row.len()).collect();
            order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
            order
                .into_iter()
                .take(k)
                .map(|class| Prediction {
                    class,
                    label: labels.get(class).cloned().unwrap_or_else(|| format!("class {class}")),
                    probability: row[class],
                })
                .collect()
        })
        .collect()
}

/// Reads a float tensor back (synchronously: native only) as `f32`s.
pub fn to_f32_vec<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    let data = tensor.into_data().convert::<f32>();
    data.try_to_vec::<f32>().expect("converted to f32 just above")
}

/// Reads a float tensor back as `f32`s asynchronously (the only readback
/// WebGPU allows in the browser); a failure is an [`Error::Readback`].
pub async fn read_f32_async<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>> {
    let failed = |e: &dyn std::fmt::Debug| Error::Readback(format!("{e:?}"));
    let data = tensor.into_data_async().await.map_err(|e| failed(&e))?;
    data.convert::<f32>().try_to_vec::<f32>().map_err(|e| failed(&e))
}

/// Softmax over classes of `(B, classes)` logits.
pub fn probabilities(logits: Tensor<2>) -> Tensor<2> {
    softmax(logits, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_ranks_each_row_and_breaks_ties_by_index() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let rows = top_k(&[0.2, 0.5, 0.3, 0.4, 0.2, 0.4], 3, 2, &labels);
        assert_eq!(rows[0].iter().map(|p| p.class).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(rows[1].iter().map(|p| p.label.as_str()).collect::<Vec<_>>(), vec!["a", "c"]);
    }
}
