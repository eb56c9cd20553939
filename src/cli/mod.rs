//! Argument parsing and dispatch for the `shiftscope` binary.

mod convert;
mod info;
mod predict;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use shiftscope::models::{registry, ModelConfig};
use shiftscope::Error;

/// Spatial-shift MLP vision models (S²-MLPv2, AS-MLP, MLP-Mixer) on burn.
#[derive(Debug, Parser)]
#[command(name = "shiftscope", version, about)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the model variants with parameters, FLOPs (multiply-adds) and input size.
    Info {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Classify images and print the top-5 classes of each.
    Predict {
        /// Variant name (see `info`) or a model config JSON file; optional
        /// for burnpack weights, which carry their config.
        #[arg(long)]
        model: Option<String>,
        /// Weight file: safetensors, PyTorch .pth or burnpack.
        #[arg(long)]
        weights: PathBuf,
        /// How many classes to print per image.
        #[arg(long, default_value_t = 5)]
        top: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Images to classify (JPEG, PNG, GIF, BMP, WebP).
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
    /// Convert a checkpoint (.pth, .safetensors, burnpack) into compact burnpack weights.
    Convert {
        /// Variant name or model config JSON; optional for burnpack input.
        #[arg(long)]
        model: Option<String>,
        /// Storage type of the output: f32, f16 or int8.
        #[arg(long, default_value = "f16")]
        dtype: String,
        /// Input checkpoint.
        input: PathBuf,
        /// Output burnpack file.
        output: PathBuf,
    },
}

/// Runs one command; `Ok` carries the exit code for partial failures.
pub fn run(args: Args) -> Result<ExitCode, Error> {
    match args.command {
        Command::Info { json } => info::run(json),
        Command::Predict { model, weights, top, json, images } => {
            predict::run(resolve_model(model.as_deref())?.as_ref(), &weights, top, json, &images)
        }
        Command::Convert { model, dtype, input, output } => {
            let dtype = dtype.parse().map_err(Error::InvalidConfig)?;
            convert::run(resolve_model(model.as_deref())?.as_ref(), dtype, &input, &output)
        }
    }
}

/// A registry name or the path of a config JSON file.
fn resolve_model(model: Option<&str>) -> Result<Option<ModelConfig>, Error> {
    let Some(model) = model else { return Ok(None) };
    let path = Path::new(model);
    if model.ends_with(".json") || path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
        let config: ModelConfig =
            serde_json::from_str(&text).map_err(|e| Error::InvalidConfig(format!("{}: {e}", path.display())))?;
        config.validate()?;
        return Ok(Some(config));
    }
    registry::find(model).map(Some)
}

/// Exit code for an error (see the binary's documentation).
pub fn exit_code_for(error: &Error) -> ExitCode {
    match error {
        Error::Io { .. } | Error::Image { .. } => ExitCode::from(3),
        Error::Weights { .. } | Error::InvalidConfig(_) | Error::UnknownVariant { .. } => ExitCode::from(4),
    }
}
