//! `shiftscope shuffle`: MLP-Mixer's permutation claim on one image, through
//! the same [`Engine`] the browser's worker runs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use futures_lite::future::block_on;
use image::RgbImage;
use serde_json::json;
use shiftscope::predict::Prediction;
use shiftscope::weights::Spec;
use shiftscope::{preprocess, Device, Error};

/// What to shuffle with and how to report it.
pub struct Options {
    /// Seed of the permutation.
    pub seed: u64,
    /// Classes per list.
    pub top: usize,
    /// JSON instead of text.
    pub json: bool,
    /// Where to write the shuffled image.
    pub save: Option<PathBuf>,
}

/// Classifies `image` and its shuffled copy, and for MLP-Mixer the shuffled
/// copy with the permuted weights.
pub fn run(requested: Option<&Spec>, weights: &Path, image: &Path, options: &Options) -> Result<ExitCode, Error> {
    let device = Device::flex();
    let engine = super::load_engine(weights, requested, &device)?;
    let prepared = engine.prepare(&preprocess::load(image)?);
    let result = block_on(engine.shuffle(&prepared, &engine.patch_shuffle(options.seed)?, options.top))?;
    if let Some(path) = &options.save {
        let side = result.image.side as u32;
        let pixels = RgbImage::from_raw(side, side, result.image.rgb.clone()).expect("side × side × 3 bytes");
        pixels.save(path).map_err(|e| Error::Image { path: path.clone(), reason: e.to_string() })?;
    }
    let list = |top: &[Prediction]| -> Vec<_> {
        top.iter().map(|p| json!({"class": p.class, "label": p.label, "probability": p.probability})).collect()
    };
    if options.json {
        let permuted = match &result.permuted {
            Ok((top, gap)) => json!({"top": list(top), "largest_logit_difference": gap}),
            Err(why) => json!({"none": why}),
        };
        let report = json!({
            "image": image.display().to_string(), "seed": options.seed, "patch": engine.config().patch_size(),
            "original": list(&result.original), "shuffled": list(&result.shuffled), "permuted_weights": permuted,
        });
        println!("{}", serde_json::to_string_pretty(&report).expect("JSON of plain values"));
        return Ok(ExitCode::SUCCESS);
    }
    let print = |title: &str, top: &[Prediction]| {
        println!("{title}");
        for (rank, p) in top.iter().enumerate() {
            println!("  {}. {:>6.2}%  {} ({})", rank + 1, 100.0 * p.probability, p.label, p.class);
        }
    };
    let patch = engine.config().patch_size();
    print(&format!("{}: original", image.display()), &result.original);
    print(&format!("shuffled ({patch}×{patch} patches and their pixels, seed {})", options.seed), &result.shuffled);
    match &result.permuted {
        Ok((top, gap)) => print(&format!("shuffled, weights permuted alike (largest logit difference {gap:.2e})"), top),
        Err(why) => println!("weights permuted alike: none ({why})"),
    }
    Ok(ExitCode::SUCCESS)
}
