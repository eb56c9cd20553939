//! `shiftscope bench`: per-image latency of shipped and full-size models on
//! the native CPU (warm-up, then the median of N runs at each batch size),
//! the CPU's measured matrix-product peak and each model's floor; with
//! `--export`, the files the peers need to run the same weights on the
//! same input (see `scripts/bench/`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use futures_lite::future::block_on;
use serde_json::json;
use shiftscope::bench::export::{export_model, write_manifest, Manifest, ManifestEntry};
use shiftscope::bench::{
    bench_case_async, check_plan, input_values, matmul_peak_async, CaseResult, PeakMeasurement, PEAK_RUNS,
};
use shiftscope::engine::Engine;
use shiftscope::models::registry::SHIPPED;
use shiftscope::{Device, Error};

/// The models timed when none are named: the shipped ones and two
/// full-size paper variants.
pub const DEFAULT_MODELS: [&str; 5] = [SHIPPED[0], SHIPPED[1], SHIPPED[2], "s2mlpv2_small7", "asmlp_tiny"];

/// What `bench` is asked to do.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Shipped model names (weights from `assets`), registry variants or
    /// model config JSON files.
    pub models: Vec<String>,
    /// Batch sizes.
    pub batches: Vec<usize>,
    /// Untimed runs, then timed runs, per configuration.
    pub warmup: usize,
    /// Timed runs per configuration.
    pub runs: usize,
    /// Where shipped weights live.
    pub assets: PathBuf,
    /// Where to write the peers' files, if anywhere.
    pub export: Option<PathBuf>,
    /// Where to write the results as JSON, if anywhere.
    pub json: Option<PathBuf>,
}

/// A model to time, with where its weights came from.
struct Subject {
    engine: Engine,
    source: String,
}

/// Shipped weights when `assets/<name>.bpk` exists, else a registry variant
/// or a model config JSON file with seeded random weights (latency does
/// not depend on the values).
fn load_subject(name: &str, assets: &Path, device: &Device) -> Result<Subject, Error> {
    let shipped = assets.join(format!("{name}.bpk"));
    if shipped.is_file() {
        let engine = super::load_engine(&shipped, None, device)?;
        return Ok(Subject { engine, source: shipped.display().to_string() });
    }
    let spec = super::resolve_model(Some(name))?.expect("a name was given");
    device.seed(0);
    let model = spec.config.init(device)?;
    let engine = block_on(Engine::new(model, spec.config, spec.profile, device))?;
    Ok(Subject { engine, source: "random initialisation (seed 0)".into() })
}

fn clock() -> impl Fn() -> f64 {
    let start = Instant::now();
    move || start.elapsed().as_secs_f64() * 1e3
}

/// Runs the benchmark and prints a table (and JSON / exports on request).
pub fn run(options: &BenchOptions) -> Result<ExitCode, Error> {
    check_plan(&options.models, &options.batches, options.runs).map_err(Error::InvalidConfig)?;
    let device = Device::flex();
    let now = clock();
    // burn's CPU backend runs on rayon's pool, which RAYON_NUM_THREADS sizes.
    let threads = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    eprintln!("measuring the CPU's matrix-product peak (1024³, {threads} threads)…");
    let peak = block_on(matmul_peak_async(&device, 1024, PEAK_RUNS, &now))?;
    eprintln!("peak {:.1} GFLOP/s", peak.gflops());
    let mut results = Vec::new();
    let mut manifest = Manifest { models: Vec::new(), batches: options.batches.clone() };
    // The peers get the largest batch's input and shiftscope's logits for it.
    let export_batch = options.batches.iter().copied().max().unwrap_or(1);
    for name in &options.models {
        let subject = load_subject(name, &options.assets, &device)?;
        let cost = subject.engine.config().cost();
        eprintln!(
            "{name}: {:.2} M params, {:.3} GFLOPs ({})",
            cost.params as f64 / 1e6,
            cost.macs as f64 / 1e9,
            subject.source
        );
        for &batch in &options.batches {
            let started = Instant::now();
            let (case, logits) =
                block_on(bench_case_async(name, &subject.engine, batch, (options.warmup, options.runs), &now))?;
            eprintln!(
                "  batch {batch}: {:.2} ms per image ({:.1} s)",
                case.per_image_ms(),
                started.elapsed().as_secs_f64()
            );
            results.push(case);
            if let (Some(dir), true) = (&options.export, batch == export_batch) {
                let input = input_values(subject.engine.config(), batch);
                export_model(dir, name, subject.engine.config(), subject.engine.model(), (&input, &logits))?;
            }
        }
        if options.export.is_some() {
            manifest.models.push(ManifestEntry {
                name: name.clone(),
                arch: subject.engine.config().arch_name().into(),
                params: cost.params,
                macs: cost.macs,
                image_size: subject.engine.config().image_size,
                num_classes: subject.engine.config().num_classes,
                source: subject.source.clone(),
            });
        }
    }
    if let Some(dir) = &options.export {
        write_manifest(dir, &manifest)?;
        eprintln!("peer files written to {}", dir.display());
    }
    print_table(&results, &peak, threads);
    if let Some(path) = &options.json {
        let text = serde_json::to_string_pretty(&results_json(&results, &peak, threads)).expect("plain values");
        std::fs::write(path, text).map_err(Error::io(path))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(results: &[CaseResult], peak: &PeakMeasurement, threads: usize) {
    println!("shiftscope native CPU (burn flex, {threads} threads); peak {:.1} GFLOP/s (matmul 1024³)", peak.gflops());
    println!(
        "{:<17} {:>5} {:>12} {:>12} {:>10} {:>10} {:>9}",
        "model", "batch", "ms / batch", "ms / image", "GFLOP/s", "floor ms", "× floor"
    );
    for r in results {
        let floor = r.floor_ms(peak.gflops());
        println!(
            "{:<17} {:>5} {:>12.2} {:>12.3} {:>10.1} {:>10.3} {:>9.1}",
            r.model,
            r.batch,
            r.summary.median_ms,
            r.per_image_ms(),
            r.achieved_gflops(),
            floor,
            r.summary.median_ms / floor
        );
    }
}

fn results_json(results: &[CaseResult], peak: &PeakMeasurement, threads: usize) -> serde_json::Value {
    let cases: Vec<_> = results.iter().map(CaseResult::to_json).collect();
    json!({
        "engine": "shiftscope", "device": "native CPU (burn flex)", "threads": threads,
        "peak_gflops": peak.gflops(), "peak_side": peak.side, "cases": cases,
    })
}
