//! PyTorch checkpoints in the layouts training scripts write
//! (`tests/fixtures/checkpoints`, by `tests/reference/make_fixtures.py`):
//! each loads the model's weights (same logits as the reference), from a
//! file and from bytes (the browser's path), names the entries it skipped,
//! and a damaged file is a clear error.

mod common;

use std::path::Path;

use common::*;
use shiftscope::weights::{load_model, load_model_from_bytes, LoadedModel, WeightFormat};
use shiftscope::Error;

const DIR: &str = "checkpoints";

/// Each fixture file with the top-level entries the generator saved beside
/// the weights.
fn layouts() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(fixture_dir(DIR).join("layouts.json")).expect("layouts.json");
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).expect("layouts parse");
    map.into_iter()
        .map(|(file, beside)| {
            let names = beside.as_array().expect("a list").iter().map(|n| n.as_str().unwrap().to_string()).collect();
            (file, names)
        })
        .collect()
}

fn load(path: &Path) -> shiftscope::Result<LoadedModel> {
    load_model(path, Some(&fixture_spec(DIR)), &device())
}

#[test]
fn every_layout_loads_the_reference_weights_and_names_what_it_skipped() {
    let io = fixture_io(DIR);
    let layouts = layouts();
    assert!(layouts.len() >= 7, "the generator writes every layout");
    for (file, beside) in layouts {
        let loaded = load(&fixture_dir(DIR).join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(loaded.format, WeightFormat::Pytorch);
        let logits = values(loaded.model.forward(tensor(&io["input"], &device())));
        let err = max_abs_diff(&logits, &io["logits"].values);
        assert!(err <= 1e-4, "{file}: logits differ from the reference by {err}");
        let skipped: Vec<&str> = loaded.skipped.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(skipped, beside, "{file}: skipped entries");
        match loaded.note() {
            None => assert!(beside.is_empty(), "{file}: no note"),
            Some(note) => assert!(beside.iter().all(|name| note.contains(name.as_str())), "{file}: {note}"),
        }
    }
    assert!(io["logits"].values.iter().any(|v| v.abs() > 0.5), "reference logits too small to test");
}

#[test]
fn the_browsers_path_reads_every_layout_as_the_files_path_does() {
    for (file, _) in layouts() {
        let path = fixture_dir(DIR).join(&file);
        let from_file = load(&path).unwrap();
        let from_bytes = load_bytes(&std::fs::read(&path).unwrap(), &file).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(from_bytes.skipped, from_file.skipped, "{file}");
        let input = tensor(&fixture_io(DIR)["input"], &device());
        let (a, b) = (values(from_file.model.forward(input.clone())), values(from_bytes.model.forward(input)));
        assert_eq!(a, b, "{file}: the same weights");
    }
}

#[test]
fn config_objects_of_unknown_classes_are_named_by_class() {
    let kind = |file: &str, entry: &str| {
        let loaded = load(&fixture_dir(DIR).join(file)).unwrap();
        loaded.skipped.into_iter().find(|s| s.name == entry).map(|s| s.kind)
    };
    assert_eq!(kind("training.pth", "config").as_deref(), Some("__main__.CfgNode"));
    assert_eq!(kind("checkpoint.pth.tar", "args").as_deref(), Some("argparse.Namespace"));
    assert_eq!(kind("checkpoint.pth.tar", "best_acc1").as_deref(), Some("tensor"));
}

/// The browser's path: bytes, no file.
fn load_bytes(bytes: &[u8], name: &str) -> shiftscope::Result<LoadedModel> {
    load_model_from_bytes(bytes.to_vec(), name, Some(&fixture_spec(DIR)), &device())
}

fn assert_weights_error(result: shiftscope::Result<LoadedModel>, what: &str) {
    match result {
        Err(Error::Weights { reason, .. }) => {
            assert!(reason.contains("truncated or corrupt"), "{what}: {reason}")
        }
        Err(other) => panic!("{what}: expected a weights error, got {other}"),
        Ok(_) => panic!("{what}: loaded"),
    }
}

#[test]
fn truncated_and_corrupt_checkpoints_are_weights_errors() {
    for file in ["training.pth", "training_legacy.pth", "checkpoint.pth.tar"] {
        let bytes = std::fs::read(fixture_dir(DIR).join(file)).unwrap();
        for keep in [bytes.len() - 1, bytes.len() / 2, 64, 4] {
            assert_weights_error(load_bytes(&bytes[..keep], file), &format!("{file} cut to {keep} bytes"));
        }
        // Overwrite a stretch near the start: the zip's first entry (the
        // pickle) or the legacy stream's pickles.
        let mut damaged = bytes.clone();
        damaged[40..300].fill(0xa5);
        assert_weights_error(load_bytes(&damaged, file), &format!("{file} overwritten"));
    }
}

#[test]
fn a_damaged_tensor_in_a_zip_checkpoint_fails_its_checksum() {
    // pytorch_model.bin holds the weights only, so every storage is read.
    let bytes = std::fs::read(fixture_dir(DIR).join("pytorch_model.bin")).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
    let name = archive.file_names().filter_map(|n| n.ok()).find(|n| n.ends_with("/data/0")).expect("a storage");
    let name = name.into_owned();
    let entry = archive.by_name(&name).unwrap();
    let middle = (entry.data_start().expect("located") + entry.size() / 2) as usize;
    drop(entry);
    let mut damaged = bytes.clone();
    damaged[middle] ^= 0x40;
    let err = load_bytes(&damaged, "pytorch_model.bin").expect_err("refused").to_string();
    assert!(err.contains("checksum"), "{err}");
}

#[test]
fn a_pickle_without_tensors_says_what_it_holds() {
    // protocol 2: {"epoch": 3} (EMPTY_DICT, BINUNICODE, BININT1, SETITEM, STOP).
    let pickle = b"\x80\x02}X\x05\x00\x00\x00epochK\x03s.";
    let err = load_bytes(pickle, "config.pth").expect_err("refused").to_string();
    assert!(err.contains("no tensors") && err.contains("epoch (int 3)"), "{err}");
}
