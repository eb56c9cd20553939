//! Argument parsing and dispatch for the `shiftscope` binary.

mod bench;
mod card;
mod convert;
mod eval;
mod explore;
mod info;
mod predict;
mod profile;
mod regions;
mod shuffle;
mod train;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use futures_lite::future::block_on;
use shiftscope::data::augment::Augment;
use shiftscope::engine::Engine;
use shiftscope::models::registry;
use shiftscope::train::{InitFrom, TrainConfig};
use shiftscope::weights::Spec;
use shiftscope::{Device, Error};

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
        /// Model config JSON files to list after the variants (named by
        /// file stem), e.g. configs planned for training.
        configs: Vec<PathBuf>,
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
    /// Shuffle an image's patches and the pixels inside them (one permutation
    /// drawn from a seed) and classify both: MLP-Mixer with its weights
    /// permuted the same way gives its original answer; the shift models
    /// have no such weights.
    Shuffle {
        /// Variant name or model config JSON; optional for burnpack weights.
        #[arg(long)]
        model: Option<String>,
        /// Weight file: safetensors, PyTorch .pth or burnpack.
        #[arg(long)]
        weights: PathBuf,
        /// Seed of the permutation.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// How many classes to print.
        #[arg(long, default_value_t = 5)]
        top: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also write the shuffled image (as the model sees it) to this PNG file.
        #[arg(long)]
        save: Option<PathBuf>,
        /// The image.
        image: PathBuf,
    },
    /// Classify an image region by region at a larger input than the model
    /// was trained on (the shift models only: Mixer's weights are tied to
    /// its token count): each final token's own class, as a grid.
    Regions {
        /// Variant name or model config JSON; optional for burnpack weights.
        #[arg(long)]
        model: Option<String>,
        /// Weight file: safetensors, PyTorch .pth or burnpack.
        #[arg(long)]
        weights: PathBuf,
        /// Input side in pixels to run at.
        #[arg(long, default_value_t = 96)]
        size: usize,
        /// Print JSON instead of a grid.
        #[arg(long)]
        json: bool,
        /// The image.
        image: PathBuf,
    },
    /// Theoretical receptive fields of an axial shift of a given size and
    /// dilation next to a convolution, Swin's window, Mixer and S²-MLP, on a
    /// 224-px input with 4-px patches (no weights needed).
    Explore {
        /// Shift size (and the convolution's kernel side): odd.
        #[arg(long, default_value_t = 5)]
        size: usize,
        /// Tokens between neighbouring shifts (and taps).
        #[arg(long, default_value_t = 1)]
        dilation: usize,
        /// Blocks.
        #[arg(long, default_value_t = 2)]
        depth: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
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
    /// Print what a weight file's weights expect and mean (preprocessing, class names, dataset,
    /// calibration) as JSON, or write a copy of a burnpack file with another such profile.
    Profile {
        /// Variant name or model config JSON; optional for burnpack weights.
        #[arg(long)]
        model: Option<String>,
        /// A profile JSON to write into the copy (--out); the tensors are copied unchanged.
        #[arg(long, requires = "out")]
        set: Option<PathBuf>,
        /// Where the copy with the --set profile goes.
        #[arg(long, requires = "set")]
        out: Option<PathBuf>,
        /// Weights file.
        weights: PathBuf,
    },
    /// Train a model on an ImageFolder tree (`train/<class>/*`, `test/<class>/*`) or a .tar.gz of one.
    ///
    /// Run again with the same options and --out to resume from the last checkpoint.
    Train(TrainArgs),
    /// Accuracy, per-class accuracy and confusion matrix on a dataset's test split.
    Eval {
        /// Variant name or model config JSON; optional for burnpack weights.
        #[arg(long)]
        model: Option<String>,
        /// Weight file.
        #[arg(long)]
        weights: PathBuf,
        /// Only the first N test images of each class (in file-name order).
        #[arg(long)]
        per_class: Option<usize>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Dataset directory or .tar.gz.
        data: PathBuf,
    },
    /// Per-image latency (median of N runs after a warm-up) on the native CPU,
    /// with the CPU's measured peak and each model's floor; `--export` also
    /// writes the files the peer benchmarks read (`scripts/bench/`).
    Bench {
        /// Shipped models (weights from --assets), registry variants or model
        /// config JSON files (random weights), comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = bench::DEFAULT_MODELS.map(String::from))]
        models: Vec<String>,
        /// Batch sizes, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = shiftscope::bench::DEFAULT_BATCHES)]
        batches: Vec<usize>,
        /// Timed runs per model and batch size.
        #[arg(long, default_value_t = shiftscope::bench::DEFAULT_RUNS)]
        runs: usize,
        /// Untimed runs before them.
        #[arg(long, default_value_t = shiftscope::bench::DEFAULT_WARMUP)]
        warmup: usize,
        /// Directory of the shipped weights.
        #[arg(long, default_value = "assets")]
        assets: PathBuf,
        /// Write config, PyTorch-layout weights, input and logits of every
        /// model here, for the peers.
        #[arg(long)]
        export: Option<PathBuf>,
        /// Write the results as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Ship a finished run: compact weights (smallest storage within 0.3 points of f32) and a model card.
    Card {
        /// The run directory (`train --out`).
        #[arg(long)]
        run: PathBuf,
        /// Ship the checkpoint of this epoch of an unfinished run (the card says so).
        #[arg(long)]
        epoch: Option<usize>,
        /// Where the weights and card go.
        #[arg(long, default_value = "assets")]
        out: PathBuf,
        /// Describe the training machine instead of detecting the CPU.
        #[arg(long)]
        trained_on: Option<String>,
        /// The dataset the run trained on.
        data: PathBuf,
    },
}

/// Options of `train`; defaults are those of the shipped compact weights.
#[derive(Debug, clap::Args)]
struct TrainArgs {
    /// Variant name (see `info`) or model config JSON.
    #[arg(long)]
    model: String,
    /// Run directory: checkpoints, metrics.csv, train.json, model.bpk.
    #[arg(long)]
    out: PathBuf,
    /// Passes over the training split.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Images per step.
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Peak learning rate.
    #[arg(long, default_value_t = 2e-3)]
    lr: f64,
    /// Epochs of linear warm-up.
    #[arg(long, default_value_t = 2)]
    warmup_epochs: usize,
    /// AdamW weight decay.
    #[arg(long, default_value_t = 0.05)]
    weight_decay: f32,
    /// Label smoothing (0 turns it off).
    #[arg(long, default_value_t = 0.1)]
    label_smoothing: f32,
    /// Reflect padding of the random crop (0 turns cropping off).
    #[arg(long, default_value_t = 4)]
    crop_padding: usize,
    /// Turn off random horizontal flips.
    #[arg(long)]
    no_flip: bool,
    /// Seed of initialisation, shuffling and augmentation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Pause after this epoch (checkpointed); the same command resumes.
    #[arg(long)]
    stop_after: Option<usize>,
    /// Use only the first N images of each class (quick runs).
    #[arg(long)]
    limit_per_class: Option<usize>,
    /// Start from the weights of this run's checkpoint (with --init-epoch),
    /// e.g. to branch a short learning-rate decay off a long schedule.
    #[arg(long, requires = "init_epoch")]
    init_from: Option<String>,
    /// The epoch of the --init-from checkpoint.
    #[arg(long, requires = "init_from")]
    init_epoch: Option<usize>,
    /// Dataset directory or .tar.gz.
    data: PathBuf,
}

impl TrainArgs {
    fn config(&self) -> Result<TrainConfig, Error> {
        let spec = resolve_model(Some(&self.model))?.expect("a model was given");
        let variant = registry::find(&self.model).ok().map(|_| self.model.clone());
        let mut config = TrainConfig::new(variant, spec.config, spec.profile.preprocess);
        config.epochs = self.epochs;
        config.batch_size = self.batch_size;
        config.learning_rate = self.lr;
        config.warmup_epochs = self.warmup_epochs;
        config.weight_decay = self.weight_decay;
        config.label_smoothing = self.label_smoothing;
        config.augment = Augment { crop_padding: self.crop_padding, flip: !self.no_flip };
        config.seed = self.seed;
        config.limit_per_class = self.limit_per_class;
        config.init_from = match (&self.init_from, self.init_epoch) {
            (Some(run), Some(epoch)) => Some(InitFrom { run: run.clone(), epoch }),
            _ => None,
        };
        Ok(config)
    }
}

/// Runs one command; `Ok` carries the exit code for partial failures.
pub fn run(args: Args) -> Result<ExitCode, Error> {
    match args.command {
        Command::Info { json, configs } => {
            let extra = configs
                .iter()
                .map(|path| {
                    let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
                    let spec = resolve_model(Some(&path.to_string_lossy()))?.expect("a path was given");
                    Ok((name, spec.config))
                })
                .collect::<Result<Vec<_>, Error>>()?;
            info::run(json, &extra)
        }
        Command::Predict { model, weights, top, json, images } => {
            predict::run(resolve_model(model.as_deref())?.as_ref(), &weights, top, json, &images)
        }
        Command::Regions { model, weights, size, json, image } => {
            regions::run(resolve_model(model.as_deref())?.as_ref(), &weights, &image, size, json)
        }
        Command::Explore { size, dilation, depth, json } => explore::run(size, dilation, depth, json),
        Command::Shuffle { model, weights, seed, top, json, save, image } => {
            let options = shuffle::Options { seed, top, json, save };
            shuffle::run(resolve_model(model.as_deref())?.as_ref(), &weights, &image, &options)
        }
        Command::Convert { model, dtype, input, output } => {
            let dtype = dtype.parse().map_err(Error::InvalidConfig)?;
            convert::run(resolve_model(model.as_deref())?.as_ref(), dtype, &input, &output)
        }
        Command::Profile { model, set, out, weights } => {
            profile::run(resolve_model(model.as_deref())?.as_ref(), &weights, set.as_deref().zip(out.as_deref()))
        }
        Command::Train(args) => train::run(&args.config()?, &args.data, &args.out, args.stop_after),
        Command::Card { run, epoch, out, trained_on, data } => card::run(&run, epoch, &data, &out, trained_on),
        Command::Bench { models, batches, runs, warmup, assets, export, json } => {
            bench::run(&bench::BenchOptions { models, batches, warmup, runs, assets, export, json })
        }
        Command::Eval { model, weights, per_class, json, data } => {
            eval::run(resolve_model(model.as_deref())?.as_ref(), &weights, &data, per_class, json)
        }
    }
}

/// A registry name (with its default profile) or the path of a model
/// config JSON file (see [`Spec::from_json`]).
pub(crate) fn resolve_model(model: Option<&str>) -> Result<Option<Spec>, Error> {
    let Some(model) = model else { return Ok(None) };
    let path = Path::new(model);
    if model.ends_with(".json") || path.is_file() {
        let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
        return Spec::from_json(&text).map(Some).map_err(|e| Error::InvalidConfig(format!("{}: {e}", path.display())));
    }
    Spec::variant(model).map(Some)
}

/// The engine of a weight file's bytes — the page's route too
/// ([`Engine::from_bytes`]) — printing on stderr which of the file's
/// entries were left out (a training checkpoint's optimizer state, config,
/// epoch).
pub(crate) fn engine_of(
    bytes: Vec<u8>,
    label: &str,
    requested: Option<&Spec>,
    device: &Device,
) -> Result<Engine, Error> {
    let (engine, note) = block_on(Engine::from_bytes(bytes, label, requested, device))?;
    if let Some(note) = note {
        eprintln!("note: {label}: {note}");
    }
    Ok(engine)
}

/// The engine of the weight file at `path` (see [`engine_of`]).
pub(crate) fn load_engine(path: &Path, requested: Option<&Spec>, device: &Device) -> Result<Engine, Error> {
    let bytes = std::fs::read(path).map_err(Error::io(path))?;
    engine_of(bytes, &path.display().to_string(), requested, device)
}

/// The command-line advice for a weights error that the core words
/// without naming any interface.
pub fn hint_for(error: &Error) -> Option<&'static str> {
    let Error::Weights { reason, .. } = error else { return None };
    [
        ("variant must be named", "name the variant with --model"),
        ("ask for no config", "leave out --model to use the file's own config"),
        ("PyTorch files are read from disk only", "`shiftscope convert` writes burnpack files"),
    ]
    .into_iter()
    .find(|(said, _)| reason.contains(said))
    .map(|(_, hint)| hint)
}

/// Exit code for an error (see the binary's documentation).
pub fn exit_code_for(error: &Error) -> ExitCode {
    match error {
        Error::Io { .. } | Error::Image { .. } | Error::Dataset { .. } => ExitCode::from(3),
        Error::Weights { .. } | Error::InvalidConfig(_) | Error::UnknownVariant { .. } => ExitCode::from(4),
        Error::Device(_) | Error::Readback(_) | Error::Run(_) | Error::Unsupported(_) => ExitCode::from(1),
    }
}
