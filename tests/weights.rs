//! Checkpoint round trips (save → load → same logits), compact storage
//! types, and clear errors for bad files.

mod common;

use common::*;
use shiftscope::models::registry;
use shiftscope::weights::{
    load_model, load_model_from_bytes, read_stored, restamp, to_burnpack_bytes, Profile, Spec, StorageDType,
    WeightFormat,
};

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir(name).join("weights.safetensors")).unwrap()
}

/// Max |Δlogit| between the fixture's reference logits and the model
/// reloaded from `dtype` burnpack, plus the burnpack's size.
fn burnpack_drift(name: &str, dtype: StorageDType) -> (f32, usize) {
    let device = device();
    let spec = fixture_spec(name);
    let io = fixture_io(name);
    let source = load_model_from_bytes(fixture_bytes(name), name, Some(&spec), &device).unwrap();
    let bytes = to_burnpack_bytes(&source.model, &spec.config, &spec.profile, dtype).unwrap();
    let size = bytes.len();
    // The burnpack carries its config and profile: nothing needed to load it back.
    let stored = read_stored(&bytes).unwrap();
    assert_eq!((stored.config.as_ref(), stored.profile.as_ref()), (Some(&spec.config), Some(&spec.profile)));
    let reloaded = load_model_from_bytes(bytes, "roundtrip", None, &device).unwrap();
    assert_eq!((reloaded.format, &reloaded.profile), (WeightFormat::Burnpack, &spec.profile));
    let logits = values(reloaded.model.forward(tensor(&io["input"], &device)));
    (max_abs_diff(&logits, &io["logits"].values), size)
}

#[test]
fn f32_burnpack_round_trip_keeps_logits() {
    for name in ["s2mlpv2", "asmlp", "mixer"] {
        let (drift, _) = burnpack_drift(name, StorageDType::F32);
        assert!(drift <= 1e-4, "{name}: f32 round trip drifted {drift}");
    }
}

#[test]
fn f16_and_int8_drift_stays_small() {
    for name in ["s2mlpv2", "asmlp", "mixer"] {
        let (f16_drift, _) = burnpack_drift(name, StorageDType::F16);
        let (q8_drift, _) = burnpack_drift(name, StorageDType::Int8);
        println!("{name}: max |Δlogit| f16 {f16_drift:.2e}, int8 {q8_drift:.2e}");
        assert!(f16_drift > 0.0 && f16_drift < 0.05, "{name}: f16 drift {f16_drift}");
        assert!(q8_drift < 0.5, "{name}: int8 drift {q8_drift}");
    }
}

#[test]
fn compact_variants_shrink_to_half_and_a_quarter() {
    let device = device();
    for name in registry::SHIPPED {
        let spec = Spec::variant(name).unwrap();
        let model = spec.config.init(&device).unwrap();
        let size = |dtype| to_burnpack_bytes(&model, &spec.config, &spec.profile, dtype).unwrap().len();
        let (f32_size, f16_size, q8_size) =
            (size(StorageDType::F32), size(StorageDType::F16), size(StorageDType::Int8));
        println!("{name}: f32 {f32_size} B, f16 {f16_size} B, int8 {q8_size} B");
        assert!(f16_size * 100 < f32_size * 55, "{name}: f16 should be about half of f32");
        assert!(q8_size * 100 < f32_size * 30, "{name}: int8 should be about a quarter of f32");
    }
}

fn load_error(bytes: Vec<u8>, config_of: &str) -> String {
    let spec = fixture_spec(config_of);
    load_model_from_bytes(bytes, "bad.safetensors", Some(&spec), &device()).unwrap_err().to_string()
}

#[test]
fn truncated_and_corrupt_files_are_refused_without_panic() {
    let good = fixture_bytes("mixer");
    let err = load_error(good[..good.len() / 2].to_vec(), "mixer");
    assert!(err.contains("bad.safetensors") && err.contains("truncated or corrupt"), "{err}");
    let err = load_error(Vec::new(), "mixer");
    assert!(err.contains("empty"), "{err}");
    let err = load_error(b"this is not a weight file at all".to_vec(), "mixer");
    assert!(err.contains("not a safetensors"), "{err}");
    // A valid header whose JSON is garbage.
    let mut corrupt = good.clone();
    corrupt[9..20].copy_from_slice(b"!!!!!!!!!!!");
    let err = load_error(corrupt, "mixer");
    assert!(err.contains("bad.safetensors"), "{err}");
}

#[test]
fn nan_filled_tensors_are_reported_by_name() {
    let mut bytes = fixture_bytes("mixer");
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    // Overwrite the start of the data section with NaN bit patterns.
    bytes[8 + header..8 + header + 64].fill(0xff);
    let err = load_error(bytes, "mixer");
    assert!(err.contains("NaN") && err.contains('`'), "{err}");
}

#[test]
fn wrong_architecture_names_the_first_missing_tensor() {
    let err = load_error(fixture_bytes("mixer"), "s2mlpv2");
    assert!(err.contains("is missing") && err.contains('`'), "{err}");
}

#[test]
fn wrong_shape_names_the_offending_tensor() {
    // Same architecture, other widths: the asmlp fixture into a wider asmlp.
    let mut spec = fixture_spec("asmlp");
    if let shiftscope::models::ArchConfig::Asmlp(c) = &mut spec.config.arch {
        c.embed_dim = 16;
    }
    let err = load_model_from_bytes(fixture_bytes("asmlp"), "asmlp.safetensors", Some(&spec), &device())
        .unwrap_err()
        .to_string();
    assert!(err.contains("has shape") && err.contains("patch_embed"), "{err}");
}

#[test]
fn burnpack_of_another_model_is_refused_for_a_requested_variant() {
    let device = device();
    let spec = fixture_spec("mixer");
    let source = load_model_from_bytes(fixture_bytes("mixer"), "mixer", Some(&spec), &device).unwrap();
    let bytes = to_burnpack_bytes(&source.model, &spec.config, &spec.profile, StorageDType::F16).unwrap();
    let asked = Spec::variant("s2mlpv2_compact").unwrap();
    let err = load_model_from_bytes(bytes, "mixer.bpk", Some(&asked), &device).unwrap_err().to_string();
    assert!(err.contains("mixer") && err.contains("differs"), "{err}");
}

#[test]
fn missing_files_are_io_errors() {
    let err = load_model(std::path::Path::new("/nonexistent/w.safetensors"), None, &device()).unwrap_err();
    assert!(matches!(err, shiftscope::Error::Io { .. }), "{err}");
}

/// A profile written onto a file travels with it: the tensors stay byte
/// for byte, the class names change, and a file written before profiles
/// existed reads with its legacy `preprocess`.
#[test]
fn a_restamped_profile_travels_with_the_weights() {
    let device = device();
    let spec = fixture_spec("mixer");
    let source = load_model_from_bytes(fixture_bytes("mixer"), "mixer", Some(&spec), &device).unwrap();
    let bytes = to_burnpack_bytes(&source.model, &spec.config, &spec.profile, StorageDType::Int8).unwrap();
    let named = Profile { dataset: "CIFAR-10".into(), ..Profile::cifar10() };
    let stamped = restamp(bytes.clone(), &named).unwrap();
    let (before, after) = (
        load_model_from_bytes(bytes, "a", None, &device).unwrap(),
        load_model_from_bytes(stamped, "b", None, &device).unwrap(),
    );
    assert_eq!((before.profile.classes[3].as_str(), after.profile.classes[3].as_str()), ("class 3", "cat"));
    let input = tensor(&fixture_io("mixer")["input"], &device);
    assert_eq!(values(before.model.forward(input.clone())), values(after.model.forward(input)), "same tensors");
    let err = restamp(fixture_bytes("mixer"), &named).unwrap_err().to_string();
    assert!(err.contains("only burnpack"), "{err}");
    let mut wrong = named.clone();
    wrong.classes.truncate(9);
    let bytes = to_burnpack_bytes(&source.model, &spec.config, &spec.profile, StorageDType::F32).unwrap();
    assert!(restamp(bytes, &wrong).unwrap_err().to_string().contains("9 classes"));
}
