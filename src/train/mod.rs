//! `shiftscope train`: trains a model configuration on an ImageFolder
//! dataset with burn's learner (AdamW, linear warm-up then cosine decay,
//! label smoothing, crop + flip augmentation), deterministically from a
//! seed, with per-epoch checkpoints that a later run resumes from.

pub mod metrics_csv;
pub mod renderer;
pub mod step;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use burn::data::dataloader::DataLoader;
use burn::optim::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::optim::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::optim::lr_scheduler::sequential::SequentialLrSchedulerConfig;
use burn::optim::AdamWConfig;
use burn::tensor::Device;
use burn::train::checkpoint::KeepLastNCheckpoints;
use burn::train::logger::FileMetricLogger;
use burn::train::metric::store::EventStoreClient;
use burn::train::metric::{AccuracyMetric, LearningRateMetric, LossMetric};
use burn::train::{EarlyStoppingStrategy, Learner, SupervisedTraining};
use serde::{Deserialize, Serialize};

use crate::data::augment::Augment;
use crate::data::{load_split, BatchLoader, ImageBatch, ImageSet};
use crate::error::{Error, Result};
use crate::models::{Model, ModelConfig};
use crate::preprocess::Preprocess;
use crate::weights::Profile;
use metrics_csv::CsvMetricLogger;
use step::Trainee;

/// Everything that determines a training run (saved as `train.json` in the
/// run directory and on the model card).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Registry name of the variant, when the model came from the registry.
    pub variant: Option<String>,
    /// The model to train.
    pub model: ModelConfig,
    /// How the dataset's images become the model's input (and what the
    /// trained weights' profile says).
    pub preprocess: Preprocess,
    /// Passes over the training split.
    pub epochs: usize,
    /// Images per optimisation step.
    pub batch_size: usize,
    /// Peak learning rate (reached after warm-up).
    pub learning_rate: f64,
    /// Learning rate at the end of the decay (cosine here; the PyTorch
    /// trainer records its schedule in `trainer.details.recipe`).
    pub final_learning_rate: f64,
    /// Epochs of linear warm-up.
    pub warmup_epochs: usize,
    /// AdamW decoupled weight decay.
    pub weight_decay: f32,
    /// Label smoothing of the cross-entropy (0 = none).
    pub label_smoothing: f32,
    /// Training augmentation.
    pub augment: Augment,
    /// Seed of initialisation, shuffling and augmentation.
    pub seed: u64,
    /// Train on only the first `n` images of each class (smoke runs).
    pub limit_per_class: Option<usize>,
    /// Start from the weights of another run's checkpoint instead of a
    /// fresh initialisation (a learning-rate decay branched off a longer
    /// schedule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<InitFrom>,
    /// Set when another program trained the run (`scripts/train/train.py`):
    /// then the fields above describe its recipe, and this says how it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trainer: Option<ExternalTrainer>,
}

/// How a run trained outside shiftscope was made (the GPU trainer writes
/// it into `train.json`; `shiftscope card` copies it onto the card).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalTrainer {
    /// The command line that trains the run again.
    pub command: String,
    /// The machine and software it ran on.
    pub machine: String,
    /// Everything else it recorded: the full recipe, the epochs it
    /// finished, images per second, which weights it kept.
    #[serde(default)]
    pub details: serde_json::Value,
}

impl ExternalTrainer {
    /// Epochs the run finished (its schedule may have planned more).
    pub fn epochs_done(&self) -> Option<usize> {
        self.details.get("epochs_done")?.as_u64().map(|e| e as usize)
    }
}

/// A checkpoint of another run that a run starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitFrom {
    /// The other run's directory, as given on the command line.
    pub run: String,
    /// The epoch of its checkpoint.
    pub epoch: usize,
}

impl TrainConfig {
    /// The defaults the shipped compact weights use, for `model` fed as
    /// `preprocess` says.
    pub fn new(variant: Option<String>, model: ModelConfig, preprocess: Preprocess) -> Self {
        Self {
            variant,
            model,
            preprocess,
            epochs: 30,
            batch_size: 128,
            learning_rate: 2e-3,
            final_learning_rate: 1e-5,
            warmup_epochs: 2,
            weight_decay: 0.05,
            label_smoothing: 0.1,
            augment: Augment::default(),
            seed: 0,
            limit_per_class: None,
            init_from: None,
            trainer: None,
        }
    }
}

impl TrainConfig {
    /// The `shiftscope train` command line that runs this configuration
    /// (every option spelled out) on `data` into `out`.
    pub fn command_line(&self, data: &str, out: &str) -> String {
        let model = self.variant.clone().unwrap_or_else(|| "<model config JSON>".into());
        let mut parts = vec![
            format!("shiftscope train --model {model} --out {out}"),
            format!("--epochs {} --batch-size {}", self.epochs, self.batch_size),
            format!("--lr {} --warmup-epochs {}", self.learning_rate, self.warmup_epochs),
            format!("--weight-decay {} --label-smoothing {}", self.weight_decay, self.label_smoothing),
            format!("--crop-padding {}", self.augment.crop_padding),
        ];
        if !self.augment.flip {
            parts.push("--no-flip".into());
        }
        parts.push(format!("--seed {}", self.seed));
        if let Some(n) = self.limit_per_class {
            parts.push(format!("--limit-per-class {n}"));
        }
        if let Some(init) = &self.init_from {
            parts.push(format!("--init-from {} --init-epoch {}", init.run, init.epoch));
        }
        parts.push(data.to_string());
        parts.join(" ")
    }
}

/// What a run leaves behind.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The trained weights (f32 burnpack with the config embedded), once
    /// the last epoch is done.
    pub weights: Option<PathBuf>,
    /// The last epoch completed (and checkpointed).
    pub last_epoch: usize,
    /// Per-epoch metrics.
    pub metrics_csv: PathBuf,
    /// Epochs completed in this invocation.
    pub epochs_run: usize,
    /// Wall time of this invocation in seconds.
    pub seconds: f64,
}

/// The training configuration saved in a run directory. A `train.json`
/// whose model config carries the `preprocess` (the PyTorch trainer's, and
/// shiftscope's before profiles) gives it as the run's `preprocess`.
pub fn saved_config(run_dir: &Path) -> Result<TrainConfig> {
    let path = run_dir.join("train.json");
    let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
    let invalid = |e: serde_json::Error| Error::InvalidConfig(format!("{}: {e}", path.display()));
    let mut value: serde_json::Value = serde_json::from_str(&text).map_err(invalid)?;
    if value.get("preprocess").is_none() {
        if let Some(preprocess) = value.get("model").and_then(|m| m.get("preprocess")).cloned() {
            value["preprocess"] = preprocess;
        }
    }
    serde_json::from_value(value).map_err(invalid)
}

/// Loads the epoch-`epoch` checkpoint of `run_dir` into `trainee`.
fn load_checkpoint(trainee: &mut Trainee, run_dir: &Path, epoch: usize) -> Result<()> {
    use burn::store::{BurnpackStore, ModuleSnapshot};
    let path = run_dir.join("checkpoint").join(format!("model-{epoch}.bpk"));
    if !path.exists() {
        return Err(Error::InvalidConfig(format!("{} does not exist", path.display())));
    }
    let result = trainee
        .load_from(&mut BurnpackStore::from_file(&path))
        .map_err(|e| Error::InvalidConfig(format!("{}: {e}", path.display())))?;
    if !result.missing.is_empty() || !result.errors.is_empty() {
        return Err(Error::InvalidConfig(format!("{} does not fit this model", path.display())));
    }
    Ok(())
}

/// The model of the epoch-`epoch` checkpoint in `run_dir` (what the run
/// would have shipped had it stopped there).
pub fn checkpoint_model(run_dir: &Path, epoch: usize, config: &TrainConfig, device: &Device) -> Result<Model> {
    use burn::module::Module;
    let mut trainee = Trainee::new(config.model.init(device)?, config.label_smoothing, device);
    load_checkpoint(&mut trainee, run_dir, epoch)?;
    Ok(trainee.no_grad().model)
}

/// The last epoch with a complete model checkpoint in `run_dir`, if any.
pub fn last_checkpoint(run_dir: &Path) -> Option<usize> {
    let entries = std::fs::read_dir(run_dir.join("checkpoint")).ok()?;
    entries
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            name.strip_prefix("model-")?.split('.').next()?.parse::<usize>().ok()
        })
        .filter(|epoch| run_dir.join("checkpoint").join(format!("optim-{epoch}.bpk")).exists())
        .max()
}

/// Prepares `run_dir` for `config`: a new directory gets `train.json`; an
/// existing one must hold the same configuration, and its last checkpoint
/// (if any) is returned for resuming.
fn prepare_run_dir(config: &TrainConfig, run_dir: &Path) -> Result<Option<usize>> {
    let saved_path = run_dir.join("train.json");
    if saved_path.exists() {
        let text = std::fs::read_to_string(&saved_path).map_err(Error::io(&saved_path))?;
        let saved: TrainConfig = serde_json::from_str(&text).map_err(|e| Error::Dataset {
            path: saved_path.clone(),
            reason: format!("not a training configuration ({e})"),
        })?;
        if &saved != config {
            return Err(Error::InvalidConfig(format!(
                "{} holds a run with another configuration; pick a new --out directory or repeat the same options",
                run_dir.display()
            )));
        }
        return Ok(last_checkpoint(run_dir));
    }
    std::fs::create_dir_all(run_dir).map_err(Error::io(run_dir))?;
    let json = serde_json::to_string_pretty(config).expect("configs serialise");
    std::fs::write(&saved_path, json).map_err(Error::io(&saved_path))?;
    Ok(None)
}

/// Loads the training and test splits of `data` for `config`'s model, as
/// its `preprocess` says.
pub fn load_data(config: &TrainConfig, data: &Path, limit_per_class: Option<usize>) -> Result<(ImageSet, ImageSet)> {
    let (model, preprocess) = (&config.model, &config.preprocess);
    if preprocess.crop as usize != model.image_size {
        return Err(Error::InvalidConfig(format!(
            "the preprocessing crops {} pixels but the model takes {}",
            preprocess.crop, model.image_size
        )));
    }
    eprintln!("reading {} …", data.display());
    let mut train = load_split(data, "train", preprocess, None)?;
    let mut test = load_split(data, "test", preprocess, Some(&train.classes))?;
    if let Some(n) = limit_per_class {
        train = train.first_per_class(n);
        test = test.first_per_class(n);
    }
    if train.classes.len() != model.num_classes {
        return Err(Error::InvalidConfig(format!(
            "the dataset has {} classes ({}) but the model's head has {}",
            train.classes.len(),
            train.classes.join(", "),
            model.num_classes
        )));
    }
    Ok((train, test))
}

/// Ends a run after a given epoch (checkpointed, so a later run resumes on
/// the same schedule).
#[derive(Debug, Clone)]
struct StopAfterEpoch(usize);

impl EarlyStoppingStrategy for StopAfterEpoch {
    fn should_stop(&mut self, epoch: usize, _: &EventStoreClient) -> bool {
        epoch >= self.0
    }
}

/// Trains `config` on `data` into `run_dir`, resuming from its last
/// checkpoint when the directory already holds this run; with
/// `stop_after`, pauses once that epoch is checkpointed.
pub fn train(
    config: &TrainConfig,
    data: &Path,
    run_dir: &Path,
    device: &Device,
    stop_after: Option<usize>,
) -> Result<TrainOutcome> {
    config.model.validate()?;
    if config.epochs == 0
        || config.batch_size == 0
        || (config.warmup_epochs >= config.epochs && config.warmup_epochs > 0)
    {
        return Err(Error::InvalidConfig("need epochs > warm-up epochs and a positive batch size".into()));
    }
    let resume_from = prepare_run_dir(config, run_dir)?;
    if resume_from == Some(config.epochs) && run_dir.join("model.bpk").exists() {
        return Err(Error::InvalidConfig(format!("{} already holds the finished run", run_dir.display())));
    }
    if let (Some(done), Some(stop)) = (resume_from, stop_after) {
        if done >= stop {
            return Err(Error::InvalidConfig(format!("{} is already past epoch {stop}", run_dir.display())));
        }
    }
    let (train_set, test_set) = load_data(config, data, config.limit_per_class)?;
    let profile = Profile {
        dataset: data.file_name().unwrap_or_default().to_string_lossy().into_owned(),
        classes: train_set.classes.clone(),
        preprocess: config.preprocess.clone(),
        calibration: None,
    };
    let started = Instant::now();
    let device = device.clone().autodiff();
    device.seed(config.seed);
    let mut trainee = Trainee::new(config.model.init(&device)?, config.label_smoothing, &device);
    if let (Some(init), None) = (&config.init_from, resume_from) {
        let parent = Path::new(&init.run);
        if saved_config(parent)?.model != config.model {
            return Err(Error::InvalidConfig(format!("{} trained another model", parent.display())));
        }
        load_checkpoint(&mut trainee, parent, init.epoch)?;
        eprintln!("starting from {} after epoch {}", parent.display(), init.epoch);
    }

    let preprocess = config.preprocess.clone();
    let first_epoch = resume_from.unwrap_or(0);
    let train_loader = BatchLoader::training(
        Arc::new(train_set),
        config.batch_size,
        preprocess.clone(),
        config.augment,
        config.seed,
        first_epoch,
        &device,
    );
    let steps_per_epoch = train_loader.num_items().div_ceil(config.batch_size);
    let valid_loader = BatchLoader::evaluation(Arc::new(test_set), 256, preprocess, &device);

    let warmup = config.warmup_epochs * steps_per_epoch;
    let total = config.epochs * steps_per_epoch;
    let peak = config.learning_rate;
    let scheduler = SequentialLrSchedulerConfig::new(
        vec![
            LinearLrSchedulerConfig::new(peak / warmup.max(1) as f64, peak, warmup.max(1)).into(),
            CosineAnnealingLrSchedulerConfig::new(peak, total - warmup).with_min_lr(config.final_learning_rate).into(),
        ],
        vec![warmup.max(1)],
    )
    .init()
    .map_err(Error::InvalidConfig)?;
    let optimizer = AdamWConfig::new().with_weight_decay(config.weight_decay).init();
    let learner = Learner::new(trainee, optimizer, scheduler);

    let metrics_csv = run_dir.join("metrics.csv");
    let csv =
        CsvMetricLogger::new(metrics_csv.clone(), steps_per_epoch, first_epoch).map_err(Error::io(&metrics_csv))?;
    let train_loader: Arc<dyn DataLoader<ImageBatch>> = Arc::new(train_loader);
    let valid_loader: Arc<dyn DataLoader<ImageBatch>> = Arc::new(valid_loader);
    let mut training = SupervisedTraining::new(run_dir, train_loader, valid_loader)
        .metrics((AccuracyMetric::new(), LossMetric::new()))
        .metric_train_numeric(LearningRateMetric::new())
        .with_metric_logger(FileMetricLogger::new(run_dir))
        .with_metric_logger(csv)
        .with_default_checkpointers()
        .with_checkpointing_strategy(KeepLastNCheckpoints::new(2))
        .with_application_logger(None)
        .num_epochs(config.epochs);
    if !std::io::stdout().is_terminal() {
        training = training.renderer(Box::new(renderer::QuietRenderer));
    }
    if let Some(epoch) = resume_from {
        eprintln!("resuming after epoch {epoch} of {}", config.epochs);
        training = training.checkpoint(epoch);
    }
    let last_epoch = stop_after.unwrap_or(config.epochs).min(config.epochs);
    if last_epoch < config.epochs {
        training = training.early_stopping(StopAfterEpoch(last_epoch));
    }
    let result = training.launch(learner);
    if let Some(error) = result.error {
        return Err(Error::InvalidConfig(format!("training failed: {error}")));
    }
    let last_epoch = last_checkpoint(run_dir).unwrap_or(0);
    let weights = if last_epoch == config.epochs {
        let model: Model = result.model.model;
        let path = run_dir.join("model.bpk");
        crate::weights::save_burnpack(&model, &config.model, &profile, crate::weights::StorageDType::F32, &path)?;
        Some(path)
    } else {
        None
    };
    Ok(TrainOutcome {
        weights,
        last_epoch,
        metrics_csv,
        epochs_run: last_epoch.saturating_sub(first_epoch),
        seconds: started.elapsed().as_secs_f64(),
    })
}
