//! The trainer (`scripts/train/train.py`) run here on the CPU with
//! Debian's torch on a CIFAR-10 subset, for each architecture (and the
//! plain-sum S²-MLPv2 of the ablation): its loss falls, its weights load
//! into shiftscope with PyTorch's logits, `convert`, `eval` and `card`
//! accept the run, Pillow's pixels (what it trains on) are close to the
//! `image` crate's (what shiftscope evaluates on), a run paused at its
//! checkpoints and resumed writes the curve of one that never stopped, and
//! two processes under DistributedDataParallel follow one process's curve.
//!
//! Needs `/usr/bin/python3` with torch, numpy and Pillow, and
//! `../shared/datasets/cifar10-jpeg.tar.gz`; skips loudly without them,
//! except under CI (`CI=true`), where both must be there.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::json;
use shiftscope::data::load_split;
use shiftscope::preprocess::Preprocess;
use shiftscope::weights::{load_model, Spec};
use shiftscope::{Device, Tensor};

use common::{safetensors_arrays, tensor};

const PYTHON: &str = "/usr/bin/python3";
/// Training images per class in the subset (the last HOLDOUT are held out).
const TRAIN_PER_CLASS: usize = 160;
const HOLDOUT: usize = 20;
const TEST_PER_CLASS: usize = 20;
const EPOCHS: usize = 6;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether the test may run; panics under CI when something is missing.
fn ready() -> bool {
    let data = root().join("../shared/datasets/cifar10-jpeg.tar.gz");
    let torch = Command::new(PYTHON).args(["-c", "import torch, numpy, PIL"]).output();
    let missing = match (torch.map(|o| o.status.success()).unwrap_or(false), data.exists()) {
        (true, true) => return true,
        (false, _) => format!("{PYTHON} with torch, numpy and Pillow"),
        (_, false) => data.display().to_string(),
    };
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI must have {missing}");
    eprintln!("\n*** SKIPPED: {missing} not found; the GPU trainer is NOT checked ***\n");
    false
}

/// `train/<class>/` (first TRAIN_PER_CLASS files) and `test/<class>/`
/// (first TEST_PER_CLASS) of the CIFAR-10 archive, as a folder.
fn subset(dir: &Path) -> PathBuf {
    let out = dir.join("cifar-subset");
    let file = std::fs::File::open(root().join("../shared/datasets/cifar10-jpeg.tar.gz")).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().into_owned();
        let parts: Vec<String> = path.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let [split, class, name] = parts.as_slice() else { continue };
        let index: usize = name.split('.').next().and_then(|n| n.parse().ok()).unwrap_or(usize::MAX);
        if index < if split == "train" { TRAIN_PER_CLASS } else { TEST_PER_CLASS } {
            let target = out.join(split).join(class);
            std::fs::create_dir_all(&target).unwrap();
            let mut bytes = vec![];
            entry.read_to_end(&mut bytes).unwrap();
            std::fs::write(target.join(name), bytes).unwrap();
        }
    }
    out
}

fn config(arch: serde_json::Value) -> serde_json::Value {
    let mut config = arch;
    let extra = json!({"image_size": 32, "in_channels": 3, "num_classes": 10,
        "preprocess": serde_json::to_value(Preprocess::cifar10()).unwrap()});
    config.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    config
}

fn s2mlpv2() -> serde_json::Value {
    config(json!({"arch": "s2mlpv2", "patch_sizes": [4, 2], "dims": [16, 32], "depths": [1, 1],
        "mlp_ratio": 2.0, "split_pool": "mean"}))
}

fn train(config: &serde_json::Value, data: &Path, out: &Path, extra: &[&str], env: &[(&str, String)]) -> Output {
    let config_path = out.with_extension("json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let mut args: Vec<String> =
        ["scripts/train/train.py", "train", "--variant", "tiny"].into_iter().map(String::from).collect();
    for (flag, value) in [
        ("--config", config_path.display().to_string()),
        ("--data", data.display().to_string()),
        ("--out", out.display().to_string()),
        ("--epochs", EPOCHS.to_string()),
        ("--batch-size", "64".into()),
        ("--holdout-per-class", HOLDOUT.to_string()),
        ("--warmup-epochs", "1".into()),
        ("--lr", "3e-3".into()),
        ("--threads", "1".into()),
    ] {
        args.extend([flag.to_string(), value]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(PYTHON).current_dir(root()).args(&args).envs(env.iter().cloned()).output().expect("python runs")
}

fn check(out: &Output) {
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// `(train loss, held-out top-1)` per epoch from metrics.csv.
fn curve(run: &Path) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    let rows: Vec<Vec<String>> = text.lines().skip(1).map(|l| l.split(',').map(String::from).collect()).collect();
    let value = |split: &str, epoch: usize, col: usize| {
        rows.iter().find(|r| r[0] == epoch.to_string() && r[1] == split).map(|r| r[col].parse::<f64>().unwrap())
    };
    (1..=EPOCHS).map(|e| (value("train", e, 2).unwrap(), value("valid", e, 3).unwrap())).collect()
}

/// Largest |shiftscope − PyTorch| of the logits on the probe images, for
/// weights loaded from `weights` (with `config` when they carry none).
fn logits_gap(weights: &Path, spec: Option<&Spec>, probe: &Path) -> f32 {
    let device = Device::flex();
    let model = load_model(weights, spec, &device).unwrap().model;
    let tensors = safetensors_arrays(probe);
    let ours: Tensor<2> = model.forward(tensor(&tensors["input"], &device));
    let ours: Vec<f32> = ours.into_data().try_to_vec().unwrap();
    ours.iter().zip(&tensors["logits"].values).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max)
}

fn shiftscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shiftscope")).args(args).output().unwrap()
}

#[test]
fn trainer_runs_on_the_cpu_and_shiftscope_ships_its_runs() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = subset(dir.path());
    let asmlp = config(json!({"arch": "asmlp", "patch_size": 4, "embed_dim": 16, "depths": [1, 1],
        "shift_size": 3, "dilation": 1, "mlp_ratio": 2.0}));
    let mixer =
        config(json!({"arch": "mixer", "patch_size": 4, "dim": 32, "depth": 2, "tokens_dim": 16, "channels_dim": 64}));
    let mut sum = s2mlpv2();
    sum["fusion"] = json!("sum");
    let runs = [
        ("s2mlpv2", s2mlpv2(), vec!["--trivial-augment", "--erase", "0.25"]),
        ("s2mlpv2-sum", sum, vec![]),
        ("asmlp", asmlp, vec![]),
        ("mixer", mixer, vec!["--mixup", "0.8", "--cutmix", "1.0"]),
    ];
    for (name, model_json, extra) in runs {
        let run = dir.path().join(format!("run-{name}"));
        check(&train(&model_json, &data, &run, &extra, &[]));
        let losses = curve(&run);
        let (first, last) = (losses[0], losses[EPOCHS - 1]);
        eprintln!("{name}: train loss {:.3} → {:.3}, held-out top-1 {:.1} → {:.1} %", first.0, last.0, first.1, last.1);
        assert!(last.0 < first.0 - 0.05, "{name}: the loss did not fall: {losses:?}");
        assert!(last.1 > 20.0, "{name}: held-out top-1 {:.1} % is near chance", last.1);

        let model = Spec::from_json(&model_json.to_string()).unwrap();
        let (weights, probe) = (run.join("model.safetensors"), run.join("probe.safetensors"));
        let gap = logits_gap(&weights, Some(&model), &probe);
        assert!(gap <= 1e-4, "{name}: logits differ from PyTorch's by {gap}");
        let bpk = run.join("model.bpk");
        let config_path = run.with_extension("json");
        let (c, w, b) = (config_path.to_str().unwrap(), weights.to_str().unwrap(), bpk.to_str().unwrap());
        check(&shiftscope(&["convert", "--model", c, "--dtype", "f32", w, b]));
        let gap = logits_gap(&bpk, None, &probe);
        assert!(gap <= 1e-4, "{name}: converted logits differ from PyTorch's by {gap}");
        let eval = shiftscope(&["eval", "--weights", b, "--json", data.to_str().unwrap()]);
        check(&eval);
        let report: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
        assert_eq!(report["images"], 10 * TEST_PER_CLASS, "{report}");
    }

    // Pixels: Pillow decodes what the trainer learns from; the `image`
    // crate what shiftscope evaluates. The probe's images are the first
    // held-out ones: the last HOLDOUT training files of class 0.
    let probe = safetensors_arrays(&dir.path().join("run-s2mlpv2/probe.safetensors"));
    let ours = load_split(&data, "train", &Preprocess::cifar10(), None).unwrap();
    let (pillow, shape) = (&probe["pixels"].values, &probe["pixels"].shape);
    let per_image = shape[1] * shape[2] * shape[3];
    let mut diffs = vec![];
    for (k, chunk) in pillow.chunks_exact(per_image).enumerate() {
        let image = ours.image(TRAIN_PER_CLASS - HOLDOUT + k);
        diffs.extend(image.iter().zip(chunk).map(|(a, b)| (*a as f32 - b).abs()));
    }
    let mean = diffs.iter().sum::<f32>() / diffs.len() as f32;
    let max = diffs.iter().copied().fold(0.0, f32::max);
    eprintln!("Pillow vs image crate: mean |Δ| {mean:.3}, max {max} levels over {} values", diffs.len());
    assert!(mean <= 1.0 && max <= 16.0, "decoders disagree: mean {mean}, max {max}");

    // `card` ships the run with the trainer's command and machine.
    let assets = dir.path().join("assets");
    let run = dir.path().join("run-s2mlpv2");
    check(&shiftscope(&[
        "card",
        "--run",
        run.to_str().unwrap(),
        "--out",
        assets.to_str().unwrap(),
        data.to_str().unwrap(),
    ]));
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(assets.join("tiny.json")).unwrap()).unwrap();
    let command = card["command"].as_str().unwrap();
    assert!(command.starts_with("python3 scripts/train/train.py train ") && command.contains("--epochs 6"), "{card}");
    assert!(card["trained_on"].as_str().unwrap().contains("torch"), "{card}");
    assert_eq!(card["epochs"], EPOCHS);
    assert_eq!(card["curve"].as_array().unwrap().len(), EPOCHS);
    assert_eq!(card["curve_split"], "held out of the training split");
    // The trainer's config carries the preprocess; the card's profile owns it, with the dataset's classes.
    let preprocess = |v: &serde_json::Value| serde_json::from_value::<Preprocess>(v.clone()).unwrap();
    assert_eq!(preprocess(&card["profile"]["preprocess"]), Preprocess::cifar10(), "{card}");
    assert_eq!(card["profile"]["classes"][3], "cat", "{card}");
    assert!(card["model"].get("preprocess").is_none(), "the architecture alone: {card}");
    let bpk = assets.join(card["file"].as_str().unwrap());
    let printed = shiftscope(&["profile", bpk.to_str().unwrap()]);
    check(&printed);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&printed.stdout).unwrap(), card["profile"]);
}

/// Two processes with the environment torchrun gives them (Debian's
/// torch 1.13 launcher fails under Python 3.11, so the test sets
/// RANK / WORLD_SIZE / MASTER_* itself) follow one process's curve.
#[test]
fn two_processes_follow_one_process() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = subset(dir.path());
    // float32: the test is about distribution, not bf16 rounding
    let extra = ["--trivial-augment", "--mixup", "0.8", "--cutmix", "1.0", "--amp", "off"];
    let single = dir.path().join("single");
    check(&train(&s2mlpv2(), &data, &single, &extra, &[]));
    let repeat = dir.path().join("repeat");
    check(&train(&s2mlpv2(), &data, &repeat, &extra, &[]));
    let port = (29500 + std::process::id() % 1000).to_string();
    let ddp = dir.path().join("ddp");
    let workers: Vec<_> = (0..2)
        .map(|rank| {
            let env = [
                ("MASTER_ADDR", "127.0.0.1".to_string()),
                ("MASTER_PORT", port.clone()),
                ("RANK", rank.to_string()),
                ("LOCAL_RANK", rank.to_string()),
                ("WORLD_SIZE", "2".to_string()),
            ];
            let (s, d, x) = (s2mlpv2(), data.clone(), ddp.clone());
            std::thread::spawn(move || train(&s, &d, &x, &extra, &env))
        })
        .collect();
    for worker in workers {
        check(&worker.join().unwrap());
    }
    let gap = |a: &[(f64, f64)], b: &[(f64, f64)]| a.iter().zip(b).map(|(x, y)| (x.0 - y.0).abs()).fold(0.0, f64::max);
    let (one, again, two) = (curve(&single), curve(&repeat), curve(&ddp));
    let (rerun, distributed) = (gap(&one, &again), gap(&one, &two));
    eprintln!("train-loss gap: same run again {rerun:.2e}, two processes {distributed:.2e}");
    assert!(distributed <= 1e-4, "two processes drift from one: {distributed} ({one:?} vs {two:?})");
    assert!(one.iter().zip(&two).all(|(a, b)| (a.1 - b.1).abs() <= 1.0), "held-out top-1 differs: {one:?} {two:?}");
}

/// `(epoch, split, loss, accuracy, learning rate)` rows of metrics.csv
/// (everything but the seconds).
fn rows(run: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    text.lines().map(|l| l.rsplit_once(',').unwrap().0.to_string()).collect()
}

/// A run that pauses (`--stop-at` a date-time in the past: at its first
/// checkpoint; an HH:MM is the next time the clock shows it)
/// and is resumed twice, once pausing again, writes the metrics.csv of the
/// same run never stopped, number for number, and its train.json keeps the
/// original command and counts the sessions. `--amp bf16` on the CPU runs
/// bf16 autocast and says so in train.json with torch 2, and is refused
/// with a reason by torch 1.13 (whose CPU autocast cannot run LayerNorm).
#[test]
fn a_paused_run_resumes_exactly() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = subset(dir.path());
    let extra = ["--trivial-augment", "--erase", "0.25", "--checkpoint-steps", "20"];
    let whole = dir.path().join("whole");
    check(&train(&s2mlpv2(), &data, &whole, &extra, &[]));
    let paused = dir.path().join("paused");
    let first = train(&s2mlpv2(), &data, &paused, &[&extra[..], &["--stop-at", "2000-01-01T00:00"]].concat(), &[]);
    check(&first);
    assert!(String::from_utf8_lossy(&first.stdout).contains("paused at epoch 1 step 20"), "{first:?}");
    assert!(!paused.join("model.safetensors").exists(), "a paused run wrote final weights");
    let resume = |more: &[&str]| {
        let mut args = vec!["scripts/train/train.py", "resume", paused.to_str().unwrap(), "--threads", "1"];
        args.extend(more);
        Command::new(PYTHON).current_dir(root()).args(&args).output().expect("python runs")
    };
    let second = resume(&["--stop-at", "2000-01-01T00:00"]);
    check(&second);
    assert!(String::from_utf8_lossy(&second.stdout).contains("paused at epoch 2 step 19"), "{second:?}");
    check(&resume(&[]));
    assert_eq!(rows(&whole), rows(&paused), "the resumed run's curve differs");
    assert_eq!(rows(&whole).len(), 1 + 2 * EPOCHS);
    let json = |run: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(run.join("train.json")).unwrap()).unwrap()
    };
    let (a, b) = (json(&whole), json(&paused));
    let bf16 = dir.path().join("bf16");
    let asked = train(&s2mlpv2(), &data, &bf16, &["--amp", "bf16", "--epochs", "1"], &[]);
    let version = Command::new(PYTHON).args(["-c", "import torch; print(torch.__version__)"]).output().unwrap();
    if String::from_utf8_lossy(&version.stdout).starts_with('1') {
        assert!(!asked.status.success(), "torch 1.x trained in bf16 on the CPU");
        assert!(String::from_utf8_lossy(&asked.stderr).contains("needs torch 2"), "{asked:?}");
    } else {
        check(&asked);
        assert!(json(&bf16)["trainer"]["machine"].as_str().unwrap().contains("bf16 autocast"));
    }
    assert_eq!(b["trainer"]["details"]["sessions"].as_array().unwrap().len(), 3, "{b}");
    assert_eq!(
        a["trainer"]["command"].as_str().unwrap().replace("whole", "paused"),
        b["trainer"]["command"].as_str().unwrap()
    );
    assert_eq!(a["trainer"]["details"]["final_valid_top1"], b["trainer"]["details"]["final_valid_top1"]);
}
