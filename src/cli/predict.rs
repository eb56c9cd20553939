//! `shiftscope predict`: top-k classes of images.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;
use shiftscope::models::ModelConfig;
use shiftscope::predict::{input_batch, probabilities, to_f32_vec, top_k};
use shiftscope::weights::load_model;
use shiftscope::{labels, preprocess, Device, Error};

/// Classifies `images` with the given weights; images that cannot be read
/// are reported and skipped (exit code 3), the rest still get predictions.
pub fn run(
    config: Option<&ModelConfig>,
    weights: &Path,
    top: usize,
    as_json: bool,
    images: &[PathBuf],
) -> Result<ExitCode, Error> {
    let device = Device::flex();
    let loaded = load_model(weights, config, &device)?;
    let config = loaded.config;
    let names = labels::for_head(config.num_classes);
    let steps = config.preprocess();
    let mut failed = false;
    let mut results = Vec::new();
    for path in images {
        let input = match preprocess::load(path) {
            Ok(image) => steps.apply(&image),
            Err(error) => {
                eprintln!("error: {error}");
                failed = true;
                continue;
            }
        };
        let logits = loaded.model.forward(input_batch(&[input], &config, &device));
        let probs = to_f32_vec(probabilities(logits));
        let ranked = top_k(&probs, config.num_classes, top, &names).remove(0);
        if as_json {
            let list: Vec<_> = ranked
                .iter()
                .map(|p| json!({"class": p.class, "label": p.label, "probability": p.probability}))
                .collect();
            results.push(json!({"image": path.display().to_string(), "top": list}));
        } else {
            println!("{}", path.display());
            for (rank, p) in ranked.iter().enumerate() {
                println!("  {}. {:>6.2}%  {} ({})", rank + 1, 100.0 * p.probability, p.label, p.class);
            }
        }
    }
    if as_json {
        println!("{}", serde_json::to_string_pretty(&results).expect("JSON of plain values"));
    }
    Ok(if failed { ExitCode::from(3) } else { ExitCode::SUCCESS })
}
