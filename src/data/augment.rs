//! Training augmentation on cached RGB bytes: random crop from a
//! reflect-padded image and horizontal flip, the standard recipe for
//! 32×32 images.

use serde::{Deserialize, Serialize};

use super::rng::SplitMix64;

/// Which augmentations run, with their sizes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Augment {
    /// Pixels of reflect padding around the image before a random crop of
    /// the original size (0 = no crop).
    pub crop_padding: usize,
    /// Flip left–right with probability one half.
    pub flip: bool,
}

impl Default for Augment {
    fn default() -> Self {
        Self { crop_padding: 4, flip: true }
    }
}

/// Index `i` (which may lie up to `side − 1` outside `0..side`) reflected
/// back inside, without repeating the edge: −1 → 1, side → side − 2.
fn reflect(i: isize, side: usize) -> usize {
    let last = side as isize - 1;
    let mut i = i;
    if i < 0 {
        i = -i;
    }
    if i > last {
        i = 2 * last - i;
    }
    i.clamp(0, last) as usize
}

impl Augment {
    /// Writes an augmented copy of the square `side × side × 3` image `src`
    /// into `dst` (same layout), drawing from `rng`.
    pub fn apply(&self, src: &[u8], side: usize, rng: &mut SplitMix64, dst: &mut [u8]) {
        let pad = self.crop_padding.min(side.saturating_sub(1)) as isize;
        let (dy, dx) = if pad > 0 {
            (rng.below(2 * pad as usize + 1) as isize - pad, rng.below(2 * pad as usize + 1) as isize - pad)
        } else {
            (0, 0)
        };
        let flip = self.flip && rng.below(2) == 1;
        for y in 0..side {
            let sy = reflect(y as isize + dy, side);
            for x in 0..side {
                let fx = if flip { side - 1 - x } else { x };
                let sx = reflect(fx as isize + dx, side);
                let (s, d) = ((sy * side + sx) * 3, (y * side + x) * 3);
                dst[d..d + 3].copy_from_slice(&src[s..s + 3]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(side: usize) -> Vec<u8> {
        (0..side * side).flat_map(|i| [i as u8, (i * 2) as u8, 7]).collect()
    }

    #[test]
    fn reflect_mirrors_without_repeating_the_edge() {
        assert_eq!([-2, -1, 0, 3, 4, 5].map(|i| reflect(i, 4)), [2, 1, 0, 3, 2, 1]);
    }

    #[test]
    fn no_augmentation_is_the_identity() {
        let src = ramp(5);
        let mut dst = vec![0; src.len()];
        Augment { crop_padding: 0, flip: false }.apply(&src, 5, &mut SplitMix64::new(1, 2, 3), &mut dst);
        assert_eq!(dst, src);
    }

    #[test]
    fn crops_are_shifted_reflections_and_flips_mirror_rows() {
        let side = 6;
        let src = ramp(side);
        let aug = Augment { crop_padding: 2, flip: true };
        let mut shifts = std::collections::HashSet::new();
        for item in 0..200 {
            let mut dst = vec![0; src.len()];
            aug.apply(&src, side, &mut SplitMix64::new(9, 0, item), &mut dst);
            // Every output row is a (possibly mirrored) run of one source row.
            let row_of = |v: u8| v as usize / side;
            let row0: Vec<usize> = (0..side).map(|x| row_of(dst[x * 3])).collect();
            assert!(row0.iter().all(|&r| r == row0[0]), "a row mixes source rows: {row0:?}");
            assert!(dst.chunks(3).all(|p| p[2] == 7), "channels stay in place");
            shifts.insert((row0[0], dst[0] as usize % side));
        }
        assert!(shifts.len() > 10, "crops should vary: {shifts:?}");
    }
}
