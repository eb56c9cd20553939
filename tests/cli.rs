//! The `shiftscope` binary end to end: `info`, `predict`, `convert`, and
//! the exit codes scripts rely on.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::fixture_dir;

fn shiftscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shiftscope")).args(args).output().expect("binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A 48×40 PNG with a colour gradient, in a fresh temp dir.
fn sample_image(dir: &Path) -> PathBuf {
    let path = dir.join("gradient.png");
    image::RgbImage::from_fn(48, 40, |x, y| image::Rgb([(x * 5) as u8, (y * 6) as u8, 128])).save(&path).unwrap();
    path
}

fn fixture(name: &str, file: &str) -> String {
    fixture_dir(name).join(file).display().to_string()
}

#[test]
fn info_lists_every_variant_and_json_has_the_fields_scripts_need() {
    let out = shiftscope(&["info"]);
    assert!(out.status.success());
    for name in ["s2mlpv2_small7", "asmlp_tiny", "mixer_b16", "s2mlpv2_compact"] {
        assert!(stdout(&out).contains(name), "table lacks {name}");
    }
    let out = shiftscope(&["info", "--json"]);
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let small7 = rows.iter().find(|r| r["name"] == "s2mlpv2_small7").unwrap();
    assert_eq!(small7["input_size"], 224);
    assert_eq!(small7["num_classes"], 1000);
    let params = small7["params"].as_u64().unwrap() as f64;
    let flops = small7["flops"].as_u64().unwrap() as f64;
    assert!((params / 25e6 - 1.0).abs() < 0.02 && (flops / 6.9e9 - 1.0).abs() < 0.05);
}

#[test]
fn predict_prints_top5_named_by_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let image = image.to_str().unwrap();
    let weights = fixture("mixer", "weights.safetensors");
    // A bare config names no classes: they are numbered, never guessed from the head size.
    let bare = shiftscope(&["predict", "--model", &fixture("mixer", "config.json"), "--weights", &weights, image]);
    assert!(bare.status.success() && stdout(&bare).contains("class "), "{}", stdout(&bare));
    // A config with the weights' profile beside its fields names them.
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_dir("mixer").join("config.json")).unwrap()).unwrap();
    value["profile"] = serde_json::to_value(shiftscope::weights::Profile::cifar10()).unwrap();
    let config = dir.path().join("mixer-cifar.json");
    std::fs::write(&config, value.to_string()).unwrap();
    let config = config.to_str().unwrap().to_string();
    let out = shiftscope(&["predict", "--model", &config, "--weights", &weights, "--json", image]);
    assert!(out.status.success(), "{}", stderr(&out));
    let results: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let top = results[0]["top"].as_array().unwrap();
    assert_eq!(top.len(), 5);
    let cifar = shiftscope::labels::CIFAR10;
    let probs: Vec<f64> = top.iter().map(|p| p["probability"].as_f64().unwrap()).collect();
    assert!(probs.windows(2).all(|w| w[0] >= w[1]), "sorted best first");
    assert!(probs.iter().sum::<f64>() <= 1.0 + 1e-5);
    for p in top {
        assert_eq!(p["label"].as_str().unwrap(), cifar[p["class"].as_u64().unwrap() as usize]);
    }
    // The text form shows the same best class.
    let text = shiftscope(&["predict", "--model", &config, "--weights", &weights, image]);
    assert!(stdout(&text).contains("1. ") && stdout(&text).contains(top[0]["label"].as_str().unwrap()));
}

#[test]
fn unreadable_images_exit_3_but_good_ones_still_print() {
    let dir = tempfile::tempdir().unwrap();
    let good = sample_image(dir.path());
    let text_file = dir.path().join("notes.jpg");
    std::fs::write(&text_file, "not an image").unwrap();
    let out = shiftscope(&[
        "predict",
        "--model",
        &fixture("mixer", "config.json"),
        "--weights",
        &fixture("mixer", "weights.safetensors"),
        good.to_str().unwrap(),
        "/nonexistent/cat.jpg",
        text_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).contains("gradient.png"));
    assert!(stderr(&out).contains("/nonexistent/cat.jpg"), "{}", stderr(&out));
    assert!(stderr(&out).contains("notes.jpg") && stderr(&out).contains("not a recognised image"), "{}", stderr(&out));
}

#[test]
fn bad_weights_and_unknown_variants_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let image = image.to_str().unwrap();
    // Mixer weights for an S²-MLPv2 config.
    let out = shiftscope(&[
        "predict",
        "--model",
        &fixture("s2mlpv2", "config.json"),
        "--weights",
        &fixture("mixer", "weights.safetensors"),
        image,
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("missing"), "{}", stderr(&out));
    let out =
        shiftscope(&["predict", "--model", "resnet50", "--weights", &fixture("mixer", "weights.safetensors"), image]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("unknown model variant"));
    let out = shiftscope(&["predict", "--model", "mixer_compact", "--weights", "/nonexistent/w.safetensors", image]);
    assert_eq!(out.status.code(), Some(3));
    let out = shiftscope(&["predict", "--weights", &fixture("mixer", "weights.safetensors"), image]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("--model"), "{}", stderr(&out));
}

#[test]
fn convert_to_f16_keeps_the_prediction_and_needs_no_config_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let image = image.to_str().unwrap();
    let out_file = dir.path().join("asmlp.bpk");
    let config = fixture("asmlp", "config.json");
    let out = shiftscope(&[
        "convert",
        "--model",
        &config,
        "--dtype",
        "f16",
        &fixture("asmlp", "weights.pth"),
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("max |Δlogit|"));
    let top1 = |out: Output| -> String {
        let results: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        results[0]["top"][0]["label"].as_str().unwrap().to_string()
    };
    let original = shiftscope(&[
        "predict",
        "--model",
        &config,
        "--weights",
        &fixture("asmlp", "weights.safetensors"),
        "--json",
        image,
    ]);
    let converted = shiftscope(&["predict", "--weights", out_file.to_str().unwrap(), "--json", image]);
    assert!(converted.status.success(), "{}", stderr(&converted));
    assert_eq!(top1(original), top1(converted));
    let bad = shiftscope(&["convert", "--dtype", "f8", &fixture("asmlp", "weights.pth"), "x.bpk"]);
    assert_eq!(bad.status.code(), Some(4));
}

#[test]
fn convert_of_a_training_checkpoint_notes_the_entries_it_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("tiny.bpk");
    let config = fixture("checkpoints", "config.json");
    let input = fixture("checkpoints", "training.pth");
    let out = shiftscope(&["convert", "--model", &config, &input, out_file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let note = stderr(&out).lines().find(|l| l.starts_with("note:")).map(str::to_string).unwrap_or_default();
    for entry in ["optimizer (dict)", "lr_scheduler (dict)", "epoch (int 7)", "config (__main__.CfgNode)"] {
        assert!(note.contains(entry), "note lacks {entry}: {note}");
    }
    assert!(!stdout(&out).contains("note:"), "notes go to stderr");
}

#[test]
fn the_weights_profile_names_the_classes() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let spec = shiftscope::weights::Spec::variant("mixer_s16").unwrap();
    let model = spec.config.init(&common::device()).unwrap();
    let weights = dir.path().join("mixer_s16.bpk");
    let f16 = shiftscope::weights::StorageDType::F16;
    shiftscope::weights::save_burnpack(&model, &spec.config, &spec.profile, f16, &weights).unwrap();
    let out = shiftscope(&["predict", "--weights", weights.to_str().unwrap(), "--json", image.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let results: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let names = shiftscope::labels::imagenet();
    for p in results[0]["top"].as_array().unwrap() {
        assert_eq!(p["label"].as_str().unwrap(), names[p["class"].as_u64().unwrap() as usize]);
    }

    // `profile` prints what the file carries, and writes a copy with another.
    let out = shiftscope(&["profile", weights.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((printed["dataset"].as_str(), printed["classes"][281].as_str()), (Some("ImageNet-1k"), Some("tabby")));
    let mut renamed = spec.profile.clone();
    renamed.classes = (0..1000).map(|i| format!("thing {i}")).collect();
    let (profile, copy) = (dir.path().join("profile.json"), dir.path().join("renamed.bpk"));
    std::fs::write(&profile, serde_json::to_string(&renamed).unwrap()).unwrap();
    let (p, c, w) = (profile.to_str().unwrap(), copy.to_str().unwrap(), weights.to_str().unwrap());
    let out = shiftscope(&["profile", "--set", p, "--out", c, w]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = shiftscope(&["predict", "--weights", c, "--json", image.to_str().unwrap()]);
    let renamed_results: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    for (a, b) in results[0]["top"].as_array().unwrap().iter().zip(renamed_results[0]["top"].as_array().unwrap()) {
        assert_eq!((&a["class"], &a["probability"]), (&b["class"], &b["probability"]), "the same weights");
        assert_eq!(b["label"].as_str().unwrap(), format!("thing {}", b["class"]));
    }
    renamed.classes.pop();
    std::fs::write(&profile, serde_json::to_string(&renamed).unwrap()).unwrap();
    let out = shiftscope(&["profile", "--set", p, "--out", c, w]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("999 classes"), "{}", stderr(&out));
}

#[test]
fn invalid_config_files_are_refused_with_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let config = dir.path().join("bad.json");
    let text = std::fs::read_to_string(fixture_dir("mixer").join("config.json")).unwrap();
    std::fs::write(&config, text.replace("\"patch_size\": 8", "\"patch_size\": 7")).unwrap();
    let out = shiftscope(&[
        "predict",
        "--model",
        config.to_str().unwrap(),
        "--weights",
        &fixture("mixer", "weights.safetensors"),
        image.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not divide"), "{}", stderr(&out));
    std::fs::write(&config, "{ not json").unwrap();
    let out = shiftscope(&["predict", "--model", config.to_str().unwrap(), "--weights", "w", image.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn train_eval_and_card_refuse_bad_input_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::write_dataset(&data, 2, 1);
    let (data_arg, out_arg) = (data.to_str().unwrap(), dir.path().join("run"));
    // The generated set has 3 classes; the CIFAR-10 variant's head has 10.
    let out = shiftscope(&["train", "--model", "mixer_compact", "--out", out_arg.to_str().unwrap(), data_arg]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("3 classes") && stderr(&out).contains("10"), "{}", stderr(&out));

    let missing = dir.path().join("no-such-dataset.tar.gz");
    let weights = fixture("mixer", "weights.safetensors");
    let model = fixture_dir("mixer").join("config.json");
    let out =
        shiftscope(&["eval", "--model", model.to_str().unwrap(), "--weights", &weights, missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("no-such-dataset.tar.gz"), "{}", stderr(&out));

    let out = shiftscope(&["card", "--run", dir.path().join("nothing").to_str().unwrap(), data_arg]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("train.json"), "{}", stderr(&out));
}

#[test]
fn eval_reports_accuracy_per_class_and_confusion_on_a_test_split() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::write_dataset(&data, 1, 3);
    // The mixer fixture's architecture with a 3-class head, untrained.
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_dir("mixer").join("config.json")).unwrap()).unwrap();
    value["num_classes"] = 3.into();
    let weights = dir.path().join("w.bpk");
    let model: shiftscope::models::ModelConfig = serde_json::from_value(value).unwrap();
    let device = shiftscope::Device::flex();
    let net = model.init(&device).unwrap();
    let classes = common::CLASSES.map(String::from).to_vec();
    let profile = shiftscope::weights::Profile { classes, ..shiftscope::weights::Profile::unnamed(&model) };
    let f32 = shiftscope::weights::StorageDType::F32;
    shiftscope::weights::save_burnpack(&net, &model, &profile, f32, &weights).unwrap();
    let out = shiftscope(&["eval", "--weights", weights.to_str().unwrap(), "--json", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["images"], 9);
    let confusion = report["confusion"].as_array().unwrap();
    let total: u64 = confusion.iter().flat_map(|r| r.as_array().unwrap()).map(|n| n.as_u64().unwrap()).sum();
    let rows: Vec<u64> =
        confusion.iter().map(|r| r.as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum()).collect();
    assert_eq!((total, rows), (9, vec![3, 3, 3]));
    let diagonal: u64 = (0..3).map(|i| confusion[i][i].as_u64().unwrap()).sum();
    assert!((report["top1"].as_f64().unwrap() - 100.0 * diagonal as f64 / 9.0).abs() < 1e-9);
    let text = shiftscope(&["eval", "--weights", weights.to_str().unwrap(), data.to_str().unwrap()]);
    assert!(stdout(&text).contains("per class") && stdout(&text).contains("green"), "{}", stdout(&text));
}

#[test]
fn bench_times_every_case_and_exports_the_peers_files() {
    let dir = tempfile::tempdir().unwrap();
    let (export, json) = (dir.path().join("export"), dir.path().join("native.json"));
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let out = shiftscope(&[
        "bench",
        "--models",
        "asmlp_compact,mixer_compact",
        "--batches",
        "1,2",
        "--runs",
        "3",
        "--warmup",
        "0",
        "--assets",
        &assets.display().to_string(),
        "--export",
        &export.display().to_string(),
        "--json",
        &json.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("ms / image"), "a table is printed: {}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(report["peak_gflops"].as_f64().unwrap() > 0.0);
    let cases = report["cases"].as_array().unwrap();
    let labels: Vec<_> = cases.iter().map(|c| format!("{}/{}", c["model"].as_str().unwrap(), c["batch"])).collect();
    assert_eq!(labels, ["asmlp_compact/1", "asmlp_compact/2", "mixer_compact/1", "mixer_compact/2"]);
    for case in cases {
        assert_eq!(case["samples_ms"].as_array().unwrap().len(), 3);
        let (median, per_image) = (case["median_ms"].as_f64().unwrap(), case["per_image_ms"].as_f64().unwrap());
        assert!(median > 0.0 && (per_image * case["batch"].as_f64().unwrap() - median).abs() < 1e-9);
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["models"][0]["name"], "asmlp_compact");
    assert_eq!(manifest["models"][1]["macs"], cases[2]["macs"]);
    for model in ["asmlp_compact", "mixer_compact"] {
        for file in ["config.json", "weights.safetensors", "io.safetensors"] {
            assert!(export.join(model).join(file).is_file(), "{model}/{file} exported");
        }
    }
}

#[test]
fn bench_refuses_bad_options_with_exit_4() {
    for (args, message) in [
        (vec!["bench", "--batches", "0"], "positive"),
        (vec!["bench", "--models", "no_such_model", "--runs", "1"], "no_such_model"),
    ] {
        let out = shiftscope(&args);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn shuffle_shows_that_only_mixer_undoes_a_patch_shuffle_with_permuted_weights() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("shuffled.png");
    let cat = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/examples/bird.png");
    let (cat, saved_arg) = (cat.to_str().unwrap(), saved.to_str().unwrap());
    let run = |weights: &str, extra: &[&str]| {
        let weights = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets").join(weights);
        let mut args = vec!["shuffle", "--weights", weights.to_str().unwrap(), "--seed", "7", "--json"];
        args.extend_from_slice(extra);
        args.push(cat);
        let out = shiftscope(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let probabilities = |list: &serde_json::Value| -> Vec<(u64, f64)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|p| (p["class"].as_u64().unwrap(), p["probability"].as_f64().unwrap()))
            .collect()
    };
    let mixer = run("mixer_compact.bpk", &["--save", saved_arg]);
    let (original, shuffled) = (probabilities(&mixer["original"]), probabilities(&mixer["shuffled"]));
    let permuted = probabilities(&mixer["permuted_weights"]["top"]);
    assert_ne!(original, shuffled, "the shuffle moves the plain model's answer");
    for ((class, p), (permuted_class, q)) in original.iter().zip(&permuted) {
        assert_eq!(class, permuted_class);
        assert!((p - q).abs() < 1e-5, "permuted weights on the shuffled image: {q} against {p}");
    }
    assert!(mixer["permuted_weights"]["largest_logit_difference"].as_f64().unwrap() < 1e-5);
    let image = image::open(&saved).unwrap();
    assert_eq!((image.width(), image.height()), (32, 32), "the shuffled image is what the model sees");

    let shift = run("s2mlpv2_compact.bpk", &[]);
    assert!(shift["permuted_weights"]["none"].as_str().unwrap().contains("fixed neighbours"));
    assert_ne!(probabilities(&shift["original"]), probabilities(&shift["shuffled"]));
}

#[test]
fn explore_prints_each_design_s_field_and_refuses_an_even_shift() {
    let out = shiftscope(&["explore", "--size", "3", "--dilation", "1", "--depth", "1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let designs = report["designs"].as_array().unwrap();
    let size = |i: usize| (designs[i]["height_px"].as_u64().unwrap(), designs[i]["pixels"].as_u64().unwrap());
    assert_eq!(designs.len(), 5);
    assert_eq!(size(0), (12, 5 * 16), "axial shift 3: a cross of five 4-px tokens");
    assert_eq!(size(1), (12, 9 * 16), "3×3 convolution: the full square");
    assert_eq!(size(3), (224, 224 * 224), "Mixer: everything");
    let even = shiftscope(&["explore", "--size", "4"]);
    assert_eq!(even.status.code(), Some(4), "{}", stderr(&even));
    assert!(stderr(&even).contains("odd size"), "{}", stderr(&even));
}

#[test]
fn regions_maps_a_larger_input_for_shift_models_and_mixer_says_why_not() {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let cat = assets.join("examples/bird.png");
    let run = |weights: &str| {
        let weights = assets.join(weights);
        shiftscope(&[
            "regions",
            "--weights",
            weights.to_str().unwrap(),
            "--size",
            "64",
            "--json",
            cat.to_str().unwrap(),
        ])
    };
    let out = run("asmlp_compact.bpk");
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (rows, cols) = (report["rows"].as_u64().unwrap(), report["cols"].as_u64().unwrap());
    assert_eq!((rows, cols), (8, 8), "AS-MLP compact: 4-px patches, one merge");
    assert_eq!(report["classes"].as_array().unwrap().len() as u64, rows * cols);
    let votes: u64 = report["votes"].as_array().unwrap().iter().map(|v| v["tokens"].as_u64().unwrap()).sum();
    assert_eq!(votes, rows * cols);
    let mixer = run("mixer_compact.bpk");
    assert_eq!(mixer.status.code(), Some(1), "{}", stderr(&mixer));
    assert!(stderr(&mixer).contains("sized to 64 tokens"), "{}", stderr(&mixer));
}
