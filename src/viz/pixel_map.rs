//! A non-negative value per input pixel (path counts, gradient magnitudes,
//! class contributions), with the summaries the overlays show.

/// A square, row-major map of non-negative values over the model's input.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PixelMap {
    /// Side in pixels.
    pub side: usize,
    /// `side × side` values, row-major.
    pub values: Vec<f64>,
}

/// A pixel rectangle, bottom and right exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelBox {
    /// First row.
    pub top: usize,
    /// First column.
    pub left: usize,
    /// One past the last row.
    pub bottom: usize,
    /// One past the last column.
    pub right: usize,
}

impl PixelBox {
    /// `(height, width)` in pixels.
    pub fn size(&self) -> (usize, usize) {
        (self.bottom - self.top, self.right - self.left)
    }
}

impl PixelMap {
    /// A map of zeros.
    pub fn zeros(side: usize) -> Self {
        Self { side, values: vec![0.0; side * side] }
    }

    /// Which pixels hold a non-zero value.
    pub fn support(&self) -> Vec<bool> {
        self.values.iter().map(|v| *v != 0.0).collect()
    }

    /// Number of non-zero pixels.
    pub fn support_size(&self) -> usize {
        self.values.iter().filter(|v| **v != 0.0).count()
    }

    /// The smallest box holding every non-zero pixel.
    pub fn bounds(&self) -> Option<PixelBox> {
        let mut bounds: Option<PixelBox> = None;
        for (i, _) in self.values.iter().enumerate().filter(|(_, v)| **v != 0.0) {
            let (r, c) = (i / self.side, i % self.side);
            let b = bounds.get_or_insert(PixelBox { top: r, left: c, bottom: r + 1, right: c + 1 });
            b.top = b.top.min(r);
            b.left = b.left.min(c);
            b.bottom = b.bottom.max(r + 1);
            b.right = b.right.max(c + 1);
        }
        bounds
    }

    /// The largest value (0 for an all-zero map).
    pub fn max(&self) -> f64 {
        self.values.iter().copied().fold(0.0, f64::max)
    }

    /// Shades in `[0, 1]` on a log scale spanning `decades` powers of ten
    /// below the maximum: the maximum is 1, values `10^-decades` times
    /// smaller or less are just above 0, and exact zeros stay 0 so the
    /// support is never hidden or invented.
    pub fn log_shade(&self, decades: f64) -> Vec<f32> {
        let max = self.max();
        self.values
            .iter()
            .map(
                |&v| {
                    if v <= 0.0 || max <= 0.0 {
                        0.0
                    } else {
                        (1.0 + (v / max).log10() / decades).clamp(0.02, 1.0) as f32
                    }
                },
            )
            .collect()
    }

    /// The ratio between the largest and the smallest non-zero value, in
    /// powers of ten (how many decades the map spans).
    pub fn decades(&self) -> f64 {
        let min = self.values.iter().copied().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
        if min.is_finite() {
            (self.max() / min).log10()
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_support_and_shading_follow_the_non_zero_pixels() {
        let mut map = PixelMap::zeros(4);
        map.values[4 + 1] = 1000.0; // (1, 1)
        map.values[2 * 4 + 3] = 1.0; // (2, 3)
        let b = map.bounds().unwrap();
        assert_eq!((b.top, b.left, b.bottom, b.right), (1, 1, 3, 4));
        assert_eq!(b.size(), (2, 3));
        assert_eq!(map.support_size(), 2);
        assert!((map.decades() - 3.0).abs() < 1e-12);
        let shade = map.log_shade(6.0);
        assert_eq!(shade[5], 1.0);
        assert!((shade[11] - 0.5).abs() < 1e-6, "3 of 6 decades below the max is half");
        assert_eq!(shade.iter().filter(|s| **s > 0.0).count(), 2, "zeros stay zero");
        assert_eq!(PixelMap::zeros(3).bounds(), None);
    }

    #[test]
    fn tiny_values_stay_visible_but_faint() {
        let mut map = PixelMap::zeros(2);
        map.values[0] = 1.0;
        map.values[1] = 1e-30;
        let shade = map.log_shade(4.0);
        assert!(shade[1] > 0.0 && shade[1] < 0.05);
    }
}
