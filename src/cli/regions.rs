//! `shiftscope regions`: a shift model on a larger input than it was
//! trained on, one class per final token (see [`Engine::region_classes`]).

use std::path::Path;
use std::process::ExitCode;

use futures_lite::future::block_on;
use serde_json::json;
use shiftscope::weights::Spec;
use shiftscope::{preprocess, Device, Error};

/// Prints the whole image's top-3 at `size` pixels and each token's class.
pub fn run(requested: Option<&Spec>, weights: &Path, image: &Path, size: usize, json: bool) -> Result<ExitCode, Error> {
    let device = Device::flex();
    let engine = super::load_engine(weights, requested, &device)?;
    let regions = block_on(engine.region_classes(&preprocess::load(image)?, size, 3))?;
    let map = &regions.map;
    let votes = map.votes();
    if json {
        let report = json!({
            "image": image.display().to_string(), "size": size, "rows": map.rows, "cols": map.cols,
            "top": regions.predictions.iter().map(|p| json!({"label": p.label, "probability": p.probability})).collect::<Vec<_>>(),
            "classes": map.class, "confidence": map.confidence,
            "votes": regions.labels.iter().zip(&votes).filter(|(_, v)| **v > 0).map(|(l, v)| json!({"label": l, "tokens": v})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&report).expect("JSON of plain values"));
        return Ok(ExitCode::SUCCESS);
    }
    let top: Vec<String> =
        regions.predictions.iter().map(|p| format!("{} {:.1} %", p.label, 100.0 * p.probability)).collect();
    println!("{} at {size}×{size} px: {}", image.display(), top.join(", "));
    println!("each of the {}×{} final tokens' own class:", map.rows, map.cols);
    let symbol = |k: usize| char::from(b'A' + (k % 26) as u8);
    for row in map.class.chunks(map.cols) {
        println!("  {}", row.iter().map(|&k| symbol(k).to_string()).collect::<Vec<_>>().join(" "));
    }
    for (k, label) in regions.labels.iter().enumerate().filter(|(k, _)| votes[*k] > 0) {
        println!("  {} = {label} ({} tokens)", symbol(k), votes[k]);
    }
    Ok(ExitCode::SUCCESS)
}
