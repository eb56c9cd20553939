//! `shiftscope train`: trains a model on an ImageFolder tree or `.tar.gz`.

use std::path::Path;
use std::process::ExitCode;

use shiftscope::train::{train, TrainConfig};
use shiftscope::{Device, Error};

/// Runs (or resumes) the training described by `config` into `out`.
pub fn run(config: &TrainConfig, data: &Path, out: &Path, stop_after: Option<usize>) -> Result<ExitCode, Error> {
    let cost = config.model.cost();
    println!(
        "training {} ({:.2} M params, {:.3} GMACs) for {} epochs on {} → {}",
        config.variant.as_deref().unwrap_or(config.model.arch_name()),
        cost.params as f64 / 1e6,
        cost.macs as f64 / 1e9,
        config.epochs,
        data.display(),
        out.display()
    );
    let outcome = train(config, data, out, &Device::flex(), stop_after)?;
    println!(
        "ran {} epochs in {:.0} s; metrics in {}",
        outcome.epochs_run,
        outcome.seconds,
        outcome.metrics_csv.display()
    );
    match outcome.weights {
        Some(weights) => println!("finished: weights in {}", weights.display()),
        None => println!(
            "paused after epoch {} of {}: run the same command again to resume",
            outcome.last_epoch, config.epochs
        ),
    }
    Ok(ExitCode::SUCCESS)
}
