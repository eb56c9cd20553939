//! The device's measured peak: the best sustained rate of a large square
//! matrix product, the densest work a device does, so that a model's
//! physical floor is its FLOPs over this rate.

use burn::tensor::{Device, Distribution, Tensor};

use super::timing::{time_async, Summary};
use crate::error::Result;
use crate::predict::read_f32_async;

/// A matrix-product rate measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct PeakMeasurement {
    /// Matrix side n (the product is n×n by n×n).
    pub side: usize,
    /// Timings of one product, including a one-element read-back that
    /// waits for it to finish.
    pub summary: Summary,
}

impl PeakMeasurement {
    /// GFLOP/s at the fastest run (2·n³ FLOPs per product): the peak.
    pub fn gflops(&self) -> f64 {
        2.0 * (self.side as f64).powi(3) / (self.summary.min_ms * 1e6)
    }
}

/// Times `runs` products of two random `side × side` matrices on `device`.
pub async fn matmul_peak_async(
    device: &Device,
    side: usize,
    (warmup, runs): (usize, usize),
    now: &dyn Fn() -> f64,
) -> Result<PeakMeasurement> {
    let a = Tensor::<2>::random([side, side], Distribution::Normal(0.0, 1.0), device);
    let b = Tensor::<2>::random([side, side], Distribution::Normal(0.0, 1.0), device);
    let product = || read_f32_async(a.clone().matmul(b.clone()).slice([0..1, 0..1]));
    let samples = time_async(warmup, runs, now, product).await?;
    Ok(PeakMeasurement { side, summary: Summary::of(&samples) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_counts_two_flops_per_multiply_add_at_the_fastest_run() {
        let summary = Summary::of(&[4.0, 2.0, 8.0]);
        let peak = PeakMeasurement { side: 1000, summary };
        assert!((peak.gflops() - 1000.0).abs() < 1e-9);
        let clock = std::time::Instant::now();
        let now = move || clock.elapsed().as_secs_f64() * 1e3;
        let measured = futures_lite::future::block_on(matmul_peak_async(&Device::flex(), 64, (1, 3), &now)).unwrap();
        assert_eq!(measured.summary.runs, 3);
        assert!(measured.gflops() > 0.0 && measured.gflops().is_finite());
    }
}
