//! How often a model's top class is right at each confidence, measured on
//! a labelled split, and the confidence below which it is right less than
//! half the time: under that, the page says the model is unsure instead of
//! presenting its guess as an answer.

use serde::{Deserialize, Serialize};

/// Reliability bins of the top-class probability.
const BINS: f64 = 10.0;
/// Fewest images below a threshold for its accuracy to count.
const MIN_IMAGES: usize = 100;

/// Images whose top-class probability fell in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceBin {
    /// Lower edge of the top-class probability.
    pub from: f64,
    /// Upper edge (1.0 for the last bin, which includes it).
    pub to: f64,
    /// Images in the bin.
    pub images: usize,
    /// Top-1 accuracy of those images, in percent (`None` when empty).
    pub top1: Option<f64>,
}

/// Reliability of the top class on a labelled split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Ten bins of top-class probability, 0–10 % … 90–100 %.
    pub bins: Vec<ConfidenceBin>,
    /// The largest top-class probability `t` (a multiple of 5 %) such that
    /// the images scored below `t` — at least 100 of them — were classified
    /// right less than half the time; `None` when no such `t` exists.
    pub unsure_below: Option<f64>,
    /// Images measured.
    pub images: usize,
}

impl Calibration {
    /// Calibration of `(top-class probability, whether the top class was
    /// right)` pairs.
    pub fn from_samples(samples: &[(f32, bool)]) -> Self {
        let bins = (0..10)
            .map(|i| {
                let (from, to) = (i as f64 / BINS, (i + 1) as f64 / BINS);
                let inside: Vec<bool> = samples
                    .iter()
                    .filter(|(p, _)| *p >= from as f32 && (*p < to as f32 || i == 9))
                    .map(|(_, right)| *right)
                    .collect();
                let top1 = (!inside.is_empty())
                    .then(|| 100.0 * inside.iter().filter(|r| **r).count() as f64 / inside.len() as f64);
                ConfidenceBin { from, to, images: inside.len(), top1 }
            })
            .collect();
        let unsure_below = (1..20).rev().map(|k| k as f64 / 20.0).find(|&t| {
            let below: Vec<bool> = samples.iter().filter(|(p, _)| *p < t as f32).map(|(_, r)| *r).collect();
            below.len() >= MIN_IMAGES && 2 * below.iter().filter(|r| **r).count() < below.len()
        });
        Self { bins, unsure_below, images: samples.len() }
    }

    /// Whether a top-class probability falls where the model is right less
    /// than half the time.
    pub fn is_unsure(&self, probability: f32) -> bool {
        self.unsure_below.is_some_and(|t| probability < t as f32)
    }

    /// The table and the threshold, as text.
    pub fn report(&self) -> String {
        let mut out = String::from("top-class probability → images, top-1:\n");
        for bin in &self.bins {
            let top1 = bin.top1.map_or("     -".to_string(), |a| format!("{a:5.1}%"));
            out += &format!("  {:3.0}–{:3.0} %  {:6}  {top1}\n", 100.0 * bin.from, 100.0 * bin.to, bin.images);
        }
        out += &match self.unsure_below {
            Some(t) => format!("below {:.0} % the top class is right less than half the time\n", 100.0 * t),
            None => "the top class is right at least half the time at every confidence\n".into(),
        };
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 200 images at 20 % confidence right 30 % of the time, 200 at 45 %
    /// right 45 % of the time, 600 at 90 % right 90 % of the time.
    fn samples() -> Vec<(f32, bool)> {
        let group = |p: f32, n: usize, right: usize| (0..n).map(move |i| (p, i < right));
        group(0.2, 200, 60).chain(group(0.45, 200, 90)).chain(group(0.9, 600, 540)).collect()
    }

    #[test]
    fn bins_count_and_score_each_confidence() {
        let c = Calibration::from_samples(&samples());
        assert_eq!(c.images, 1000);
        assert_eq!(c.bins[2].images, 200);
        assert_eq!(c.bins[2].top1, Some(30.0));
        assert_eq!(c.bins[4].top1, Some(45.0));
        assert_eq!(c.bins[9].top1, Some(90.0));
        assert_eq!(c.bins[5].top1, None);
        assert_eq!(c.bins.iter().map(|b| b.images).sum::<usize>(), 1000);
    }

    #[test]
    fn unsure_below_is_where_the_images_under_it_are_mostly_wrong() {
        let c = Calibration::from_samples(&samples());
        // Below 0.50 and up to 0.90: 150 right of 400 (37.5 %); below 0.95
        // the 90 % group joins (690 of 1000).
        assert_eq!(c.unsure_below, Some(0.9));
        assert!(c.is_unsure(0.6) && !c.is_unsure(0.92));
        assert!(c.report().contains("below 90 %"));
    }

    #[test]
    fn a_model_right_at_every_confidence_is_never_unsure() {
        let c = Calibration::from_samples(&[(0.3, true); 500]);
        assert_eq!(c.unsure_below, None);
        assert!(!c.is_unsure(0.01));
    }

    #[test]
    fn a_handful_of_images_decides_nothing() {
        let c = Calibration::from_samples(&[(0.3, false); 20]);
        assert_eq!(c.unsure_below, None);
    }
}
