//! Linear layers applied to the last axis of token maps as one 2-D matrix
//! product. burn's own `Linear::forward` on a rank-3/4 input broadcasts the
//! weight into a batched product, which is 2–3× slower on the CPU backend,
//! forward and backward.

use burn::nn::Linear;
use burn::tensor::Tensor;

/// `x · W + b` on the last axis of `x`, any rank.
pub fn linear_last<const D: usize>(layer: &Linear, x: Tensor<D>) -> Tensor<D> {
    let weight = layer.weight.val();
    matmul_last(x, weight, layer.bias.as_ref().map(|b| b.val()))
}

/// The output of `layer` on the last axis of `x`, cut into `parts` equal
/// pieces along the output channels, each computed as its own product (no
/// copy of the full output is sliced, which costs more in the backward pass).
pub fn linear_last_split<const D: usize>(layer: &Linear, x: Tensor<D>, parts: usize) -> Vec<Tensor<D>> {
    let weight = layer.weight.val();
    let width = weight.dims()[1] / parts;
    (0..parts)
        .map(|k| {
            let bias = layer.bias.as_ref().map(|b| b.val().narrow(0, k * width, width));
            matmul_last(x.clone(), weight.clone().narrow(1, k * width, width), bias)
        })
        .collect()
}

/// `x · weight (+ bias)` with `weight` laid out `(in, out)`.
pub fn matmul_last<const D: usize>(x: Tensor<D>, weight: Tensor<2>, bias: Option<Tensor<1>>) -> Tensor<D> {
    let mut dims = x.dims();
    let [d_in, d_out] = weight.dims();
    assert_eq!(dims[D - 1], d_in, "linear input has {} channels, the layer takes {d_in}", dims[D - 1]);
    let rows = dims[..D - 1].iter().product::<usize>();
    let mut y = x.reshape([rows, d_in]).matmul(weight);
    if let Some(bias) = bias {
        y = y + bias.unsqueeze::<2>();
    }
    dims[D - 1] = d_out;
    y.reshape(dims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{assert_close, device, values};
    use burn::nn::LinearConfig;
    use burn::tensor::Distribution;

    #[test]
    fn matches_burn_linear_on_rank_four_input() {
        let dev = device();
        let layer = LinearConfig::new(6, 9).init(&dev);
        let x = Tensor::<4>::random([2, 3, 4, 6], Distribution::Normal(0.0, 1.0), &dev);
        let expected = values(layer.forward(x.clone()));
        assert_close(&values(linear_last(&layer, x.clone())), &expected, 1e-5);
        let parts = linear_last_split(&layer, x, 3);
        let joined = values(Tensor::cat(parts, 3));
        assert_close(&joined, &expected, 1e-5);
    }
}
