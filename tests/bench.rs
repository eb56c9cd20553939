//! The benchmark's export: weights written for the peers carry exactly the
//! PyTorch names, layouts and values the reference implementations use, and
//! a shipped model survives the round trip with unchanged logits.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{fixture_dir, fixture_spec, FIXTURES};
use shiftscope::bench::export::{export_model, save_pytorch_safetensors};
use shiftscope::bench::input_tensor;
use shiftscope::predict::to_f32_vec;
use shiftscope::weights::{load_model, Spec};
use shiftscope::Device;

/// name → (shape, values) of every tensor of a safetensors file.
fn read_tensors(path: &Path) -> BTreeMap<String, (Vec<usize>, Vec<f32>)> {
    let bytes = std::fs::read(path).expect("file written");
    let file = safetensors::SafeTensors::deserialize(&bytes).expect("valid safetensors");
    file.tensors()
        .into_iter()
        .map(|(name, view)| {
            let values = view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
            (name, (view.shape().to_vec(), values))
        })
        .collect()
}

/// A shape without trailing unit dimensions (a 1×1 convolution kernel is a matrix).
fn squeezed(shape: &[usize]) -> &[usize] {
    let keep = shape.iter().rposition(|&d| d != 1).map_or(0, |i| i + 1);
    &shape[..keep.max(2.min(shape.len()))]
}

#[test]
fn export_reproduces_the_reference_state_dicts() {
    let device = Device::flex();
    let out = tempfile::tempdir().unwrap();
    for name in FIXTURES {
        let original = fixture_dir(name).join("weights.safetensors");
        let loaded = load_model(&original, Some(&fixture_spec(name)), &device).unwrap();
        let exported = out.path().join(format!("{name}.safetensors"));
        save_pytorch_safetensors(&loaded.model, &exported).unwrap();
        let (want, got) = (read_tensors(&original), read_tensors(&exported));
        assert_eq!(want.keys().collect::<Vec<_>>(), got.keys().collect::<Vec<_>>(), "{name}: key names");
        for (key, (shape, values)) in &want {
            let (got_shape, got_values) = &got[key];
            assert_eq!(squeezed(shape), squeezed(got_shape), "{name}: shape of {key}");
            assert_eq!(values, got_values, "{name}: values of {key}");
        }
    }
}

#[test]
fn exported_shipped_model_reloads_to_the_same_logits() {
    let device = Device::flex();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/asmlp_compact.bpk");
    let loaded = load_model(&shipped, None, &device).unwrap();
    let out = tempfile::tempdir().unwrap();
    let input = input_tensor(&loaded.config, 2, &device);
    let logits = to_f32_vec(loaded.model.forward(input.clone()));
    let io = (to_f32_vec(input.clone()), logits.clone());
    export_model(out.path(), "asmlp_compact", &loaded.config, &loaded.model, (&io.0, &io.1)).unwrap();
    let dir = out.path().join("asmlp_compact");
    let spec = Spec { config: loaded.config.clone(), profile: loaded.profile.clone() };
    let reloaded = load_model(&dir.join("weights.safetensors"), Some(&spec), &device).unwrap();
    assert_eq!(to_f32_vec(reloaded.model.forward(input)), logits);
    let files = read_tensors(&dir.join("io.safetensors"));
    assert_eq!(files["input"].0, vec![2, 3, 32, 32]);
    assert_eq!((files["logits"].0.clone(), &files["logits"].1), (vec![2, 10], &logits));
    let config: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["arch"], "asmlp");
}
