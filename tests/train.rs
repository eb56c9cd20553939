//! Training end to end on a tiny generated ImageFolder: the loss goes
//! down, checkpoints round-trip, a paused run resumes on the same schedule,
//! and `eval` of the saved weights reproduces the last validation accuracy.

use std::path::Path;
use std::sync::Arc;

use burn::data::dataloader::DataLoader;
use shiftscope::data::{load_split, BatchLoader};
use shiftscope::eval::evaluate;
use shiftscope::predict::to_f32_vec;
use shiftscope::preprocess::Preprocess;
use shiftscope::train::{checkpoint_model, train, InitFrom, TrainConfig};
use shiftscope::weights::{load_model, Spec};
use shiftscope::Device;

mod common;
use common::{write_dataset, CLASSES};

/// A tiny S²-MLPv2 for 16-pixel images, fed as its config file says.
fn tiny_model() -> Spec {
    Spec::from_json(
        &serde_json::json!({
            "arch": "s2mlpv2", "patch_sizes": [2, 2], "dims": [16, 32], "depths": [1, 1], "mlp_ratio": 2.0,
            "split_pool": "mean", "image_size": 16, "num_classes": 3,
            "preprocess": {"resize": 16, "crop": 16, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
                           "interpolation": "bilinear"}
        })
        .to_string(),
    )
    .unwrap()
}

fn tiny_preprocess() -> Preprocess {
    tiny_model().profile.preprocess
}

/// `(epoch, split) → (loss, accuracy)` rows of a run's metrics.csv.
fn metrics(run: &Path) -> Vec<(usize, String, f64, f64)> {
    let text = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[0].parse().unwrap(), cells[1].to_string(), cells[2].parse().unwrap(), cells[3].parse().unwrap())
        })
        .collect()
}

fn accuracy_on_test(weights: &Path, data: &Path) -> f64 {
    let device = Device::flex();
    let loaded = load_model(weights, None, &device).unwrap();
    assert_eq!(loaded.profile.classes, CLASSES, "the weights name the dataset's classes");
    let preprocess = loaded.profile.preprocess.clone();
    let test = load_split(data, "test", &preprocess, None).unwrap();
    let classes = test.classes.clone();
    let loader = BatchLoader::evaluation(Arc::new(test), 7, preprocess, &device);
    let engine = futures_lite::future::block_on(shiftscope::engine::Engine::loaded(loaded, &device)).unwrap();
    evaluate(&engine, &loader, classes).unwrap().top1()
}

/// Largest logit difference of two weight files over the test images.
fn max_logit_difference(a: &Path, b: &Path, data: &Path) -> f32 {
    let device = Device::flex();
    let (a, b) = (load_model(a, None, &device).unwrap(), load_model(b, None, &device).unwrap());
    let preprocess = a.profile.preprocess.clone();
    let test = Arc::new(load_split(data, "test", &preprocess, None).unwrap());
    let batch = BatchLoader::evaluation(test, 1000, preprocess, &device).iter().next().unwrap().unwrap();
    let logits = |m: &shiftscope::weights::LoadedModel| to_f32_vec(m.model.forward(batch.images.clone()));
    logits(&a).iter().zip(logits(&b)).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn trains_checkpoints_resumes_on_schedule_and_evaluates() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_dataset(&data, 24, 8);
    let mut config = TrainConfig::new(None, tiny_model().config, tiny_preprocess());
    (config.epochs, config.warmup_epochs, config.batch_size, config.learning_rate) = (5, 1, 12, 3e-3);
    let device = Device::flex();

    // One uninterrupted run.
    let full = tmp.path().join("full");
    let outcome = train(&config, &data, &full, &device, None).unwrap();
    assert_eq!(outcome.last_epoch, 5);
    let weights = outcome.weights.expect("a finished run writes its weights");
    let rows = metrics(&full);
    let train_rows: Vec<_> = rows.iter().filter(|r| r.1 == "train").collect();
    assert_eq!(train_rows.len(), 5);
    assert!(train_rows[4].2 < 0.8 * train_rows[0].2, "loss must fall: {train_rows:?}");
    let last_valid = rows.iter().rev().find(|r| r.1 == "valid").unwrap();
    assert!(last_valid.3 > 70.0, "the colour classes are easy: {last_valid:?}");

    // The saved weights reproduce the last validation accuracy.
    let reloaded = accuracy_on_test(&weights, &data);
    assert!((reloaded - last_valid.3).abs() < 1e-6, "eval {reloaded} vs training's {}", last_valid.3);

    // The same run paused after epoch 2, then resumed, ends the same.
    let paused = tmp.path().join("paused");
    let first = train(&config, &data, &paused, &device, Some(2)).unwrap();
    assert_eq!((first.last_epoch, first.weights.is_none()), (2, true));
    let second = train(&config, &data, &paused, &device, None).unwrap();
    assert_eq!((second.last_epoch, second.epochs_run), (5, 3));
    let resumed_rows = metrics(&paused);
    assert_eq!(resumed_rows.len(), rows.len());
    for (a, b) in rows.iter().zip(&resumed_rows) {
        assert_eq!((a.0, &a.1), (b.0, &b.1));
        assert!((a.2 - b.2).abs() < 1e-4 && (a.3 - b.3).abs() < 1e-4, "resumed run diverged: {a:?} vs {b:?}");
    }
    // Parallel reductions make runs differ in the last bits, not more.
    let drift = max_logit_difference(&weights, &second.weights.unwrap(), &data);
    assert!(drift < 1e-4, "resumed weights drift {drift} from the uninterrupted run's");

    // The last checkpoint holds the finished weights (what `card --epoch` ships).
    let checkpoint = checkpoint_model(&full, 5, &config, &device).unwrap();
    let batch = BatchLoader::evaluation(
        Arc::new(load_split(&data, "test", &config.preprocess, None).unwrap()),
        1000,
        config.preprocess.clone(),
        &device,
    )
    .iter()
    .next()
    .unwrap()
    .unwrap();
    let finished = load_model(&weights, None, &device).unwrap().model;
    let (a, b) = (to_f32_vec(checkpoint.forward(batch.images.clone())), to_f32_vec(finished.forward(batch.images)));
    assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6), "checkpoint 5 differs from model.bpk");

    // A branch that starts from the epoch-4 checkpoint starts trained: its
    // first epoch's loss is below the fresh run's first epoch.
    let mut branch = config.clone();
    (branch.epochs, branch.warmup_epochs) = (1, 0);
    branch.init_from = Some(InitFrom { run: full.display().to_string(), epoch: 4 });
    let branched = tmp.path().join("branch");
    assert_eq!(train(&branch, &data, &branched, &device, None).unwrap().last_epoch, 1);
    let branch_loss = metrics(&branched)[0].2;
    assert!(branch_loss < 0.8 * train_rows[0].2, "branch loss {branch_loss} vs fresh {}", train_rows[0].2);
    assert!(branch.command_line("d", "o").contains(&format!("--init-from {} --init-epoch 4", full.display())));

    // A finished run is not silently retrained, and a changed config is refused.
    assert!(train(&config, &data, &full, &device, None).unwrap_err().to_string().contains("finished"));
    config.seed = 1;
    assert!(train(&config, &data, &paused, &device, None).unwrap_err().to_string().contains("another configuration"));
}

#[test]
fn directory_and_tar_gz_trees_load_the_same_images() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_dataset(&data, 3, 2);
    let archive = tmp.path().join("data.tar.gz");
    let file = std::fs::File::create(&archive).unwrap();
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
    tar.append_dir_all("cifar", &data).unwrap();
    tar.into_inner().unwrap().finish().unwrap();

    let preprocess = tiny_preprocess();
    let from_dir = load_split(&data, "train", &preprocess, None).unwrap();
    let from_tar = load_split(&archive, "train", &preprocess, None).unwrap();
    assert_eq!(from_dir.classes, CLASSES);
    assert_eq!((from_dir.len(), from_tar.len()), (9, 9));
    for i in 0..9 {
        assert_eq!(from_dir.label(i), i / 3);
        assert_eq!(from_dir.image(i), from_tar.image(i));
        assert_eq!(from_dir.image(i).len(), 16 * 16 * 3);
    }
    let subset = from_dir.first_per_class(1);
    assert_eq!((0..3).map(|i| subset.label(i)).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(subset.image(1), from_dir.image(3));
}

#[test]
fn bad_datasets_get_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let preprocess = tiny_preprocess();
    let missing = load_split(&tmp.path().join("nope"), "train", &preprocess, None).unwrap_err().to_string();
    assert!(missing.contains("nope"), "{missing}");

    let data = tmp.path().join("data");
    write_dataset(&data, 2, 1);
    std::fs::write(data.join("train/red/broken.jpg"), b"not a jpeg").unwrap();
    let broken = load_split(&data, "train", &preprocess, None).unwrap_err().to_string();
    assert!(broken.contains("broken.jpg"), "{broken}");

    let garbage = tmp.path().join("garbage.tar.gz");
    std::fs::write(&garbage, b"\x1f\x8b not really gzip").unwrap();
    let err = load_split(&garbage, "train", &preprocess, None).unwrap_err().to_string();
    assert!(err.contains("garbage.tar.gz"), "{err}");

    std::fs::create_dir_all(data.join("test/zebra")).unwrap();
    image::RgbImage::new(4, 4).save(data.join("test/zebra/z.png")).unwrap();
    let classes: Vec<String> = CLASSES.iter().map(|c| c.to_string()).collect();
    let unknown = load_split(&data, "test", &preprocess, Some(&classes)).unwrap_err().to_string();
    assert!(unknown.contains("zebra"), "{unknown}");
}
