//! MLP-Mixer's permutation claim, exactly: shuffle an image's patches, and
//! the pixels inside every patch, by one fixed permutation drawn from a
//! seed (the paper's "patch + pixel shuffling"). A Mixer has no positional
//! embedding and mixes tokens with a dense MLP, so permuting its
//! patch-embedding and token-mixing weights the same way
//! ([`crate::models::Model::for_shuffled`]) gives, on the shuffled image,
//! the original model's output on the original image — which is why the
//! paper's Mixer learns as well from shuffled images. The shift models have
//! no such weights: their shifts tie each token to fixed neighbours.

use crate::error::{Error, Result};

/// One fixed shuffle of the patches of a square image and of the pixels
/// inside each patch (the same pixel shuffle for every patch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchShuffle {
    /// Patch side in pixels.
    pub patch: usize,
    /// Patches per side.
    pub grid: usize,
    /// Patch `i` (row-major) of the shuffled image is patch `tokens[i]` of
    /// the original.
    pub tokens: Vec<usize>,
    /// Pixel `j` (row-major inside a patch) of a shuffled patch is pixel
    /// `pixels[j]` of the original patch.
    pub pixels: Vec<usize>,
}

impl PatchShuffle {
    /// The shuffle of a `side × side` image cut into `patch × patch`
    /// patches drawn from `seed` (the same seed gives the same shuffle on
    /// every platform).
    pub fn new(side: usize, patch: usize, seed: u64) -> Result<Self> {
        if patch == 0 || side == 0 || !side.is_multiple_of(patch) {
            return Err(Error::InvalidConfig(format!("patch size {patch} does not divide the image side {side}")));
        }
        let grid = side / patch;
        let mut random = SplitMix64(seed);
        Ok(Self { patch, grid, tokens: random.permutation(grid * grid), pixels: random.permutation(patch * patch) })
    }

    /// Side of the images it shuffles.
    pub fn side(&self) -> usize {
        self.grid * self.patch
    }

    /// For each pixel of the shuffled image (row-major), the original pixel
    /// it shows.
    pub fn sources(&self) -> Vec<usize> {
        let (p, side) = (self.patch, self.side());
        (0..side * side)
            .map(|at| {
                let (y, x) = (at / side, at % side);
                let (token, pixel) = (self.tokens[(y / p) * self.grid + x / p], self.pixels[(y % p) * p + x % p]);
                let (ty, tx, py, px) = (token / self.grid, token % self.grid, pixel / p, pixel % p);
                (ty * p + py) * side + tx * p + px
            })
            .collect()
    }
}

/// A small, seedable generator (SplitMix64) so a shuffle is reproducible
/// everywhere without depending on a random-number crate's stream.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniformly drawn permutation of `0..n` (Fisher–Yates).
    fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor, TensorData};

    use super::*;
    use crate::models::{registry, Model};
    use crate::predict::to_f32_vec;

    /// A deterministic, non-trivial planar `3 × side × side` input.
    fn planes(side: usize) -> Vec<f32> {
        (0..3 * side * side).map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0).collect()
    }

    /// The planes with every pixel moved as `shuffle` moves it.
    fn shuffled(planes: &[f32], shuffle: &PatchShuffle) -> Vec<f32> {
        let plane = shuffle.side() * shuffle.side();
        (0..3).flat_map(|c| shuffle.sources().into_iter().map(move |s| planes[c * plane + s])).collect()
    }

    fn logits(model: &Model, planes: &[f32], side: usize, device: &Device) -> Vec<f32> {
        let input = Tensor::from_data(TensorData::new(planes.to_vec(), [1, 3, side, side]), device);
        to_f32_vec(model.forward(input))
    }

    #[test]
    fn a_shuffle_is_a_seeded_permutation_of_patches_and_pixels() {
        let shuffle = PatchShuffle::new(8, 4, 7).unwrap();
        assert_eq!(shuffle, PatchShuffle::new(8, 4, 7).unwrap(), "the same seed, the same shuffle");
        assert_ne!(shuffle, PatchShuffle::new(8, 4, 8).unwrap());
        let mut sources = shuffle.sources();
        sources.sort_unstable();
        assert_eq!(sources, (0..64).collect::<Vec<_>>(), "every pixel is shown exactly once");
        // Pixels of one shuffled patch all come from one original patch.
        let patch_of = |pixel: usize| (pixel / 8 / 4, pixel % 8 / 4);
        let sources = shuffle.sources();
        assert!([0, 1, 8, 9, 25, 27].iter().all(|&p| patch_of(sources[p]) == patch_of(sources[0])));
        assert!(PatchShuffle::new(10, 4, 0).is_err());
    }

    #[test]
    fn a_permuted_mixer_on_the_shuffled_image_gives_the_original_logits() {
        let device = Device::flex();
        for name in ["mixer_compact", "mixer_s16"] {
            let config = registry::find(name).unwrap();
            let model = config.init(&device).unwrap();
            let side = config.image_size;
            let shuffle = PatchShuffle::new(side, config.patch_size(), 2021).unwrap();
            let original = planes(side);
            let expected = logits(&model, &original, side, &device);
            let moved = logits(&model, &shuffled(&original, &shuffle), side, &device);
            let permuted = model.for_shuffled(&shuffle).unwrap();
            let got = logits(&permuted, &shuffled(&original, &shuffle), side, &device);
            let gap = |a: &[f32]| a.iter().zip(&expected).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
            assert!(gap(&got) <= 1e-5, "{name}: permuted Mixer differs by {}", gap(&got));
            assert!(gap(&moved) > 1e-3, "{name}: the shuffle must change the plain model's logits");
        }
    }

    #[test]
    fn the_shift_models_have_no_weight_permutation() {
        let device = Device::flex();
        for name in ["s2mlpv2_compact", "asmlp_compact"] {
            let config = registry::find(name).unwrap();
            let shuffle = PatchShuffle::new(config.image_size, 4, 1).unwrap();
            let refused = config.init(&device).unwrap().for_shuffled(&shuffle).unwrap_err().to_string();
            assert!(refused.contains("fixed neighbours"), "{name}: {refused}");
        }
    }
}
