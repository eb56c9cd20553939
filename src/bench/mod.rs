//! Latency benchmarks shared by the `bench` command and the app's bench
//! page (`?bench`): the same deterministic input, the same timed loop
//! (forward pass plus the read-back of the logits, as an application needs
//! them), the same summary and the same physical floor, so native and
//! browser figures mean the same thing.

mod input;
mod params;
mod peak;
mod timing;

#[cfg(not(target_arch = "wasm32"))]
pub mod export;

pub use input::bench_input;
pub use params::{check_plan, PageParams};
pub use peak::{matmul_peak_async, PeakMeasurement};
pub use timing::{floor_ms, time_async, Summary};

use burn::tensor::{Device, Tensor, TensorData};

use crate::engine::Engine;
use crate::error::Result;
use crate::models::ModelConfig;

/// The batch sizes the issue asks for, in order.
pub const DEFAULT_BATCHES: [usize; 2] = [1, 8];
/// Timed runs per configuration (after the warm-up).
pub const DEFAULT_RUNS: usize = 30;
/// Untimed runs first (pipeline compilation, allocator warm-up).
pub const DEFAULT_WARMUP: usize = 3;
/// Seed of the benchmark input.
pub const INPUT_SEED: u64 = 2026;
/// Untimed and timed runs of the matrix product that measures the peak.
pub const PEAK_RUNS: (usize, usize) = (2, 10);

/// The values of the `(batch, 3, S, S)` benchmark input of `config`.
pub fn input_values(config: &ModelConfig, batch: usize) -> Vec<f32> {
    let side = config.image_size;
    bench_input(batch * config.in_channels * side * side, INPUT_SEED)
}

/// The `(batch, 3, S, S)` benchmark input of `config` on `device`.
pub fn input_tensor(config: &ModelConfig, batch: usize, device: &Device) -> Tensor<4> {
    let side = config.image_size;
    Tensor::from_data(TensorData::new(input_values(config, batch), [batch, config.in_channels, side, side]), device)
}

/// Per-image latency of one model at one batch size on one device.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// Model name (registry variant or shipped model).
    pub model: String,
    /// Images per forward pass.
    pub batch: usize,
    /// Timings of whole batches in milliseconds.
    pub summary: Summary,
    /// Multiply-adds of one image.
    pub macs: u64,
}

impl CaseResult {
    /// Median milliseconds per image.
    pub fn per_image_ms(&self) -> f64 {
        self.summary.median_ms / self.batch as f64
    }

    /// FLOPs of one batch (2 per multiply-add).
    pub fn flops(&self) -> f64 {
        2.0 * self.macs as f64 * self.batch as f64
    }

    /// Achieved GFLOP/s at the median.
    pub fn achieved_gflops(&self) -> f64 {
        self.flops() / (self.summary.median_ms * 1e6)
    }

    /// The batch's floor in milliseconds on a device that peaks at `peak_gflops`.
    pub fn floor_ms(&self, peak_gflops: f64) -> f64 {
        floor_ms(self.flops(), peak_gflops)
    }

    /// The result as JSON (the format the peer comparison reads).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "model": self.model, "batch": self.batch, "macs": self.macs, "runs": self.summary.runs,
            "median_ms": self.summary.median_ms, "min_ms": self.summary.min_ms, "max_ms": self.summary.max_ms,
            "per_image_ms": self.per_image_ms(), "samples_ms": self.summary.samples_ms,
        })
    }
}

/// Times the upload of the input, `engine`'s forward pass and the readback
/// ([`Engine::logits`]) at `batch`: `warmup` untimed runs, then `runs`
/// timed ones; `now` is a millisecond clock. Returns the result and the
/// logits of the first run (to check agreement with peers).
pub async fn bench_case_async(
    name: &str,
    engine: &Engine,
    batch: usize,
    (warmup, runs): (usize, usize),
    now: &dyn Fn() -> f64,
) -> Result<(CaseResult, Vec<f32>)> {
    let (config, device) = (engine.config(), engine.device());
    // The values are drawn once; each run uploads them (as the peers do).
    let values = input_values(config, batch);
    let shape = [batch, config.in_channels, config.image_size, config.image_size];
    let upload = || Tensor::from_data(TensorData::new(values.clone(), shape), device);
    let logits = engine.logits(upload()).await?;
    let samples = time_async(warmup, runs, now, || engine.logits(upload())).await?;
    let result =
        CaseResult { model: name.to_string(), batch, summary: Summary::of(&samples), macs: config.cost().macs };
    Ok((result, logits))
}
