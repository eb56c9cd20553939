//! Measured receptive fields: the input gradient of one token's features.

use burn::tensor::Tensor;

use crate::models::{Model, ProbeRequest};

/// How strongly each input pixel moves token `token`'s features at `depth`
/// (0: the patch embedding, `k`: after block `k`; both clamped to the
/// model): `|∂(Σ_c f_c) / ∂x|` summed over the RGB channels of the first
/// image of `input`, as an `(H, W)` map — the effective receptive field of
/// Luo et al. (2016) for one image. Runs one forward and one backward pass
/// on `input`'s device; the caller reads the result back.
pub fn token_gradient(model: &Model, input: Tensor<4>, depth: usize, token: (usize, usize)) -> Tensor<2> {
    let input = input.narrow(0, 0, 1).detach().autodiff().require_grad();
    let request = ProbeRequest { block_features: true, ..Default::default() };
    let (_, mut probes) = model.forward_probed(input.clone(), &request);
    let depth = depth.min(probes.block_features.len());
    let features = match depth {
        0 => probes.embedding.take().expect("requested above"),
        k => probes.block_features.swap_remove(k - 1),
    };
    let [_, rows, cols, _] = features.dims();
    let (row, col) = (token.0.min(rows - 1), token.1.min(cols - 1));
    let gradients = features.narrow(1, row, 1).narrow(2, col, 1).sum().backward();
    let gradient = input.grad(&gradients).expect("the input is a leaf that requires its gradient");
    let [_, _, height, width] = gradient.dims();
    gradient.abs().sum_dim(1).reshape([height, width])
}
