//! `shiftscope card`: turns a finished training run into shipped weights
//! plus a model card — tries f16 and int8 storage, keeps the smallest that
//! stays within 0.3 points of f32 on the test split, and records how it was
//! made and how well it does.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use futures_lite::future::block_on;
use shiftscope::card::{sha256_hex, DatasetInfo, ModelCard, StorageAccuracy};
use shiftscope::data::{BatchLoader, ImageSet};
use shiftscope::engine::Engine;
use shiftscope::eval::{evaluate, Evaluation};
use shiftscope::models::{registry, Model};
use shiftscope::train::{checkpoint_model, load_data, saved_config, TrainConfig};
use shiftscope::weights::{load_model_from_bytes, restamp, to_burnpack_bytes, Profile, Spec, StorageDType};
use shiftscope::{Device, Error};

/// Largest accuracy loss a compact storage type may cost, in points.
const MAX_STORAGE_LOSS: f64 = 0.3;
/// Largest shipped file.
const MAX_BYTES: usize = 4_000_000;

/// `model` (described by `spec`) evaluated on `set`.
fn evaluation(model: &Model, spec: &Spec, set: &Arc<ImageSet>, device: &Device) -> Result<Evaluation, Error> {
    let engine = block_on(Engine::new(model.clone(), spec.config.clone(), spec.profile.clone(), device))?;
    let loader = BatchLoader::evaluation(set.clone(), 250, spec.profile.preprocess.clone(), device);
    evaluate(&engine, &loader, set.classes.clone())
}

/// The profile of a run's weights: its preprocessing and the dataset's
/// classes, named as the registry names the variant's dataset when the
/// classes are that dataset's (else by the archive's file name).
fn run_profile(config: &TrainConfig, classes: &[String], data_name: &str) -> Profile {
    let registered = config.variant.as_deref().and_then(|name| registry::find_variant(name).ok());
    let dataset = registered
        .map(|variant| Profile::of_variant(&variant))
        .filter(|profile| profile.classes == classes)
        .map_or_else(|| data_name.to_string(), |profile| profile.dataset);
    Profile { dataset, classes: classes.to_vec(), preprocess: config.preprocess.clone(), calibration: None }
}

/// `(epoch, valid top-1)` rows and the cumulative seconds of a run's
/// metrics.csv, up to and including epoch `last`.
fn curve_and_time(run: &Path, last: usize) -> Result<(Vec<(usize, f64)>, f64), Error> {
    let path = run.join("metrics.csv");
    let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
    let mut curve = vec![];
    let mut seconds = 0.0;
    for row in text.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        if cells[0].parse::<usize>().map_or(true, |epoch| epoch > last) {
            continue;
        }
        if cells.len() >= 4 && cells[1] == "valid" {
            curve.push((cells[0].parse().unwrap_or(0), cells[3].parse().unwrap_or(f64::NAN)));
        }
        seconds = cells.last().and_then(|s| s.parse().ok()).unwrap_or(seconds);
    }
    Ok((curve, seconds))
}

fn cpu_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model =
        cpuinfo.lines().find_map(|l| l.strip_prefix("model name")).map(|m| m.trim_start_matches([' ', '\t', ':']));
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{} ({cores} cores), burn flex CPU backend", model.unwrap_or("unknown CPU"))
}

/// Writes `<out>/<name>.bpk` and `<out>/<name>.json` for the run in `run`:
/// its finished model, or with `epoch` the checkpoint of that epoch. A run
/// of the GPU trainer (`train.json` with a `trainer`) ships its
/// `model.safetensors`, with the trainer's command and machine.
pub fn run(
    run: &Path,
    epoch: Option<usize>,
    data: &Path,
    out: &Path,
    trained_on: Option<String>,
) -> Result<ExitCode, Error> {
    let config = saved_config(run)?;
    let run_name = run.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let name = config.variant.clone().unwrap_or_else(|| run_name.clone());
    let device = Device::flex();
    let trained = run.join("model.bpk");
    let external = run.join("model.safetensors");
    let (train, test) = load_data(&config, data, None)?;
    let data_name = data.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let mut profile = run_profile(&config, &test.classes, &data_name);
    let spec = Spec { config: config.model.clone(), profile: profile.clone() };
    let load = |path: &Path| shiftscope::weights::load_model(path, Some(&spec), &device).map(|l| l.model);
    let model = match (&config.trainer, epoch) {
        (Some(_), Some(_)) => {
            return Err(Error::InvalidConfig("--epoch applies to shiftscope's own runs; this run has one model".into()))
        }
        (Some(_), None) => load(&external)?,
        (None, Some(epoch)) if epoch < config.epochs => checkpoint_model(run, epoch, &config, &device)?,
        (None, _) if trained.exists() => load(&trained)?,
        (None, _) => {
            return Err(Error::InvalidConfig(format!(
                "{} has no model.bpk: the run has not finished (ship a checkpoint with --epoch)",
                run.display()
            )))
        }
    };
    let finished = config.trainer.as_ref().and_then(|t| t.epochs_done()).unwrap_or(config.epochs);
    let epochs = epoch.unwrap_or(finished).min(config.epochs);
    let test = Arc::new(test);
    let f32_top1 = evaluation(&model, &spec, &test, &device)?.top1();
    println!("f32: {f32_top1:.2}%");
    let mut storages = vec![];
    let mut chosen: Option<(StorageDType, Vec<u8>)> = None;
    for (dtype, label) in [(StorageDType::Int8, "int8"), (StorageDType::F16, "f16"), (StorageDType::F32, "f32")] {
        let bytes = to_burnpack_bytes(&model, &config.model, &profile, dtype)?;
        let reloaded = load_model_from_bytes(bytes.clone(), label, None, &device)?.model;
        let accuracy =
            if dtype == StorageDType::F32 { f32_top1 } else { evaluation(&reloaded, &spec, &test, &device)?.top1() };
        println!("{label}: {:.2}% in {} bytes", accuracy, bytes.len());
        storages.push(StorageAccuracy { storage: label.into(), bytes: bytes.len(), test_top1: accuracy });
        if chosen.is_none() && accuracy >= f32_top1 - MAX_STORAGE_LOSS && bytes.len() <= MAX_BYTES {
            chosen = Some((dtype, bytes));
        }
    }
    let (dtype, bytes) =
        chosen.ok_or_else(|| Error::InvalidConfig(format!("no storage type fits in {MAX_BYTES} bytes")))?;
    let storage = storages.iter().find(|s| s.bytes == bytes.len()).map(|s| s.storage.clone()).unwrap_or_default();

    // Measured on the file's bytes, as `eval` would; the calibration then
    // joins the profile (the tensors stay as they are).
    let shipped = load_model_from_bytes(bytes.clone(), &name, None, &device)?.model;
    let shipped_evaluation = evaluation(&shipped, &spec, &test, &device)?;
    let test_top1 = shipped_evaluation.top1();
    let first1000 = evaluation(&shipped, &spec, &Arc::new(test.first_per_class(100)), &device)?.top1();
    profile.calibration = Some(shipped_evaluation.calibration());
    let bytes = restamp(bytes, &profile)?;
    if let Some(shipped_storage) = storages.iter_mut().find(|s| s.storage == storage) {
        shipped_storage.bytes = bytes.len();
    }
    std::fs::create_dir_all(out).map_err(Error::io(out))?;
    let file = format!("{name}.bpk");
    let weights_path = out.join(&file);
    std::fs::write(&weights_path, &bytes).map_err(Error::io(&weights_path))?;
    if (first1000 - test_top1).abs() > 1.5 {
        eprintln!("warning: the first-1000 accuracy {first1000:.2}% is over 1.5 points from the full {test_top1:.2}%");
    }
    let data_bytes = if data.is_file() { std::fs::read(data).map_err(Error::io(data))? } else { vec![] };
    let data_arg = format!("../shared/datasets/{data_name}");
    let (mut curve, mut wall_time_s) = curve_and_time(run, epochs)?;
    let mut command = match &config.trainer {
        Some(trainer) => trainer.command.clone(),
        None => config.command_line(&data_arg, &format!("runs/{run_name}")),
    };
    if epochs < config.epochs && config.trainer.is_none() {
        command.push_str(&format!(" --stop-after {epochs}"));
    }
    let mut epochs = epochs;
    // A run branched off another run's checkpoint: the card covers both.
    if let Some(init) = &config.init_from {
        let parent = Path::new(&init.run);
        let (parent_curve, parent_seconds) = curve_and_time(parent, init.epoch)?;
        curve = parent_curve.into_iter().chain(curve.into_iter().map(|(e, a)| (e + init.epoch, a))).collect();
        wall_time_s += parent_seconds;
        epochs += init.epoch;
        let parent_command = saved_config(parent)?.command_line(&data_arg, &init.run);
        command = format!("{parent_command} --stop-after {} && {command}", init.epoch);
    }
    let cost = config.model.cost();
    let card = ModelCard {
        name: name.clone(),
        file: file.clone(),
        storage,
        weights_bytes: bytes.len(),
        weights_sha256: sha256_hex(&bytes),
        model: config.model.clone(),
        profile,
        params: cost.params,
        macs: cost.macs,
        dataset: DatasetInfo {
            file: data_name,
            sha256: if data_bytes.is_empty() { String::new() } else { sha256_hex(&data_bytes) },
            train_images: train.len(),
            test_images: test.len(),
        },
        training: serde_json::to_value(&config).expect("configs serialise"),
        epochs,
        scheduled_epochs: config.epochs + config.init_from.as_ref().map_or(0, |i| i.epoch),
        seed: config.seed,
        wall_time_s,
        trained_on: trained_on
            .or_else(|| config.trainer.as_ref().map(|t| t.machine.clone()))
            .unwrap_or_else(cpu_description),
        command,
        eval_command: format!("shiftscope eval --weights assets/{file} {data_arg}"),
        test_top1,
        test_top1_first1000: first1000,
        storages,
        curve,
        curve_split: match config.trainer {
            Some(_) => "held out of the training split".into(),
            None => "test".into(),
        },
    };
    let card_path = out.join(format!("{name}.json"));
    let json = serde_json::to_string_pretty(&card).expect("cards serialise");
    std::fs::write(&card_path, json + "\n").map_err(Error::io(&card_path))?;
    println!(
        "{name}: {dtype:?} {} bytes, test top-1 {test_top1:.2}% (first 1000: {first1000:.2}%) → {}",
        bytes.len(),
        card_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
