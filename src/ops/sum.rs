//! Sums over thousands of values that stay accurate in f32.
//!
//! burn's CPU backend (flex 0.22.1) reduces a middle axis, such as the
//! token axis of `(B, N, C)`, by adding the rows one after another, so the
//! rounding error of a token sum grows with `N`; a last-axis sum spreads
//! the values over 64–128 SIMD accumulators, which only divides that
//! growth. S²-MLPv2's split-attention descriptor (a sum over 3 branches ×
//! 1024 tokens at 224², values in the thousands) and AS-MLP's GroupNorm
//! statistics (over H·W·C ≈ 3·10⁵ values) are such sums.
//!
//! [`tree_sum`] splits the axis into blocks of [`BLOCK`] values, sums each
//! block, and sums the block sums the same way until one value is left:
//! every value passes through about `log_BLOCK(N)` additions of at most
//! `BLOCK` terms, so the error grows with `BLOCK · log N` instead of `N`,
//! as in the cascade sums PyTorch's CPU kernels use. It is made of plain
//! tensor ops (pad, reshape, `sum_dim`), so every backend runs it.

use burn::tensor::Tensor;

/// Values summed one after another before their sum moves up a level.
pub const BLOCK: usize = 8;

/// The sum over axis 1 of an `(A, N, B)` tensor, `(A, 1, B)`, computed
/// as a tree of block sums (see the module docs).
pub fn tree_sum(x: Tensor<3>) -> Tensor<3> {
    let [outer, n, inner] = x.dims();
    if n <= BLOCK {
        return x.sum_dim(1);
    }
    let blocks = n.div_ceil(BLOCK);
    let x = if blocks * BLOCK > n {
        let padding = Tensor::zeros([outer, blocks * BLOCK - n, inner], (&x.device(), x.dtype()));
        Tensor::cat(vec![x, padding], 1)
    } else {
        x
    };
    let block_sums = if inner == 1 {
        // A last-axis sum: burn's CPU backend has a faster kernel for it.
        x.reshape([outer * blocks, BLOCK]).sum_dim(1).reshape([outer, blocks, 1])
    } else {
        x.reshape([outer * blocks, BLOCK, inner]).sum_dim(1)
    };
    tree_sum(block_sums.reshape([outer, blocks, inner]))
}

/// The sum over the tokens of a `(B, H, W, C)` map, `(B, C)`.
pub fn sum_tokens(tokens: Tensor<4>) -> Tensor<2> {
    let [b, h, w, c] = tokens.dims();
    tree_sum(tokens.reshape([b, h * w, c])).reshape([b, c])
}

/// The mean over the tokens of a `(B, H, W, C)` map, `(B, C)`.
pub fn mean_tokens(tokens: Tensor<4>) -> Tensor<2> {
    let [_, h, w, _] = tokens.dims();
    sum_tokens(tokens).div_scalar((h * w) as f64)
}

/// The mean and population variance of each row of a `(B, N)` tensor,
/// both `(B, 1)` (two passes: the mean, then the squares around it).
pub fn mean_var(rows: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let [b, n] = rows.dims();
    let row_mean = |x: Tensor<2>| tree_sum(x.reshape([b, n, 1])).reshape([b, 1]).div_scalar(n as f64);
    let mean = row_mean(rows.clone());
    let centred = rows - mean.clone();
    let var = row_mean(centred.clone() * centred);
    (mean, var)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{device, values};
    use burn::tensor::{Distribution, TensorData};

    /// `n` values near `offset` whose f64 sum is known exactly enough.
    fn column(n: usize, offset: f32, seed: u64) -> (Vec<f32>, f64) {
        let dev = device();
        dev.seed(seed);
        let noise = values(Tensor::<1>::random([n], Distribution::Uniform(-1.0, 1.0), &dev));
        let xs: Vec<f32> = noise.iter().map(|v| offset + v).collect();
        let exact = xs.iter().map(|&v| v as f64).sum();
        (xs, exact)
    }

    #[test]
    fn block_sums_match_plain_sums_on_every_shape() {
        let dev = device();
        for n in [1, BLOCK - 1, BLOCK, BLOCK + 1, BLOCK * BLOCK, 1000] {
            let x = Tensor::<3>::random([2, n, 3], Distribution::Uniform(-1.0, 1.0), &dev);
            let (tree, plain) = (values(tree_sum(x.clone())), values(x.sum_dim(1)));
            assert_eq!(tree.len(), 6, "n = {n}");
            for (t, p) in tree.iter().zip(&plain) {
                assert!((t - p).abs() <= 1e-4 * (n as f32).sqrt(), "n = {n}: {t} vs {p}");
            }
        }
    }

    #[test]
    fn a_long_sum_is_far_closer_to_f64_than_the_sequential_one() {
        // 3·1024 values near 1: S²-MLPv2's descriptor at 224², one channel.
        let (xs, exact) = column(3 * 1024, 1.0, 7);
        let x = Tensor::<3>::from_data(TensorData::new(xs, [1, 3 * 1024, 1]), &device());
        let tree_err = (values(tree_sum(x.clone()))[0] as f64 - exact).abs();
        let plain_err = (values(x.sum_dim(1))[0] as f64 - exact).abs();
        println!("|error| tree {tree_err:.2e}, sequential {plain_err:.2e} (sum {exact:.1})");
        assert!(tree_err * 4.0 < plain_err.max(f64::EPSILON), "tree {tree_err:.2e} vs sequential {plain_err:.2e}");
    }

    #[test]
    fn mean_and_variance_are_population_statistics() {
        let rows = Tensor::<2>::from_data(TensorData::from([[1.0f32, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 8.0]]), &device());
        let (mean, var) = mean_var(rows);
        assert_eq!(values(mean), [2.5, 2.0]);
        assert_eq!(values(var), [1.25, 12.0]);
    }
}
