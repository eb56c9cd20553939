//! `shiftscope predict`: top-k classes of images, through the same
//! `Engine` the browser's worker runs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use futures_lite::future::block_on;
use serde_json::json;
use shiftscope::weights::Spec;
use shiftscope::{preprocess, Device, Error};

/// Classifies `images` with the given weights; images that cannot be read
/// are reported and skipped (exit code 3), the rest still get predictions.
pub fn run(
    requested: Option<&Spec>,
    weights: &Path,
    top: usize,
    as_json: bool,
    images: &[PathBuf],
) -> Result<ExitCode, Error> {
    let device = Device::flex();
    let engine = super::load_engine(weights, requested, &device)?;
    let mut failed = false;
    let mut results = Vec::new();
    for path in images {
        let image = match preprocess::load(path) {
            Ok(image) => engine.prepare(&image),
            Err(error) => {
                eprintln!("error: {error}");
                failed = true;
                continue;
            }
        };
        let ranked = block_on(engine.analyse(&image, top))?.predictions;
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
