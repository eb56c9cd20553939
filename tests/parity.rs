//! Parity with the independent PyTorch references in `tests/reference/`:
//! logits, pooled features and split-attention weights of tiny models with
//! random weights match to 1e-4 on `Device::flex()`.

mod common;

use common::*;
use shiftscope::models::ProbeRequest;
use shiftscope::weights::{load_model, WeightFormat};

const TOLERANCE: f32 = 1e-4;

fn check_fixture(name: &str, weights_file: &str, expected_format: WeightFormat) {
    let device = device();
    let spec = fixture_spec(name);
    let io = fixture_io(name);
    let loaded = load_model(&fixture_dir(name).join(weights_file), Some(&spec), &device)
        .unwrap_or_else(|e| panic!("{name}/{weights_file}: {e}"));
    assert_eq!(loaded.format, expected_format);
    let (logits, probes) = loaded.model.forward_probed(tensor(&io["input"], &device), &ProbeRequest::all());

    let logits = values(logits);
    let err = max_abs_diff(&logits, &io["logits"].values);
    assert!(err <= TOLERANCE, "{name}/{weights_file}: logits differ by {err}");
    // The fixture's logits are not trivially small: a wrong model cannot pass.
    assert!(io["logits"].values.iter().any(|v| v.abs() > 0.5), "{name}: reference logits too small to test");

    let pooled = values(probes.pooled.expect("pooled probe"));
    assert!(max_abs_diff(&pooled, &io["pooled"].values) <= TOLERANCE, "{name}: pooled features differ");

    let attn_keys = io.keys().filter(|k| k.starts_with("attn.")).count();
    assert_eq!(probes.split_attention.len(), attn_keys, "{name}: one split-attention probe per block");
    for (k, weights) in probes.split_attention.into_iter().enumerate() {
        let got = values(weights);
        let err = max_abs_diff(&got, &io[&format!("attn.{k}")].values);
        assert!(err <= TOLERANCE, "{name}: split-attention of block {k} differs by {err}");
    }
    let blocks: usize = match &spec.config.arch {
        shiftscope::models::ArchConfig::S2mlpv2(c) => c.depths.iter().sum(),
        shiftscope::models::ArchConfig::Asmlp(c) => c.depths.iter().sum(),
        shiftscope::models::ArchConfig::Mixer(c) => c.depth,
    };
    assert_eq!(probes.block_features.len(), blocks, "{name}: one feature probe per block");
}

#[test]
fn s2mlpv2_matches_reference() {
    check_fixture("s2mlpv2", "weights.safetensors", WeightFormat::Safetensors);
}

#[test]
fn s2mlpv2_mean_pool_matches_reference() {
    check_fixture("s2mlpv2_mean", "weights.safetensors", WeightFormat::Safetensors);
}

#[test]
fn asmlp_matches_reference() {
    check_fixture("asmlp", "weights.safetensors", WeightFormat::Safetensors);
}

#[test]
fn asmlp_with_dilation_matches_reference() {
    check_fixture("asmlp_dilated", "weights.safetensors", WeightFormat::Safetensors);
}

#[test]
fn mixer_matches_reference() {
    check_fixture("mixer", "weights.safetensors", WeightFormat::Safetensors);
}

#[test]
fn pytorch_checkpoints_load_unchanged() {
    // asmlp's .pth nests the state dict under `model`, like the official files.
    for name in ["s2mlpv2", "asmlp", "mixer"] {
        check_fixture(name, "weights.pth", WeightFormat::Pytorch);
    }
}

#[test]
fn probes_do_not_change_logits() {
    let device = device();
    let io = fixture_io("s2mlpv2");
    let spec = fixture_spec("s2mlpv2");
    let model = load_model(&fixture_dir("s2mlpv2").join("weights.safetensors"), Some(&spec), &device).unwrap().model;
    let plain = values(model.forward(tensor(&io["input"], &device)));
    let (probed, _) = model.forward_probed(tensor(&io["input"], &device), &ProbeRequest::all());
    assert_eq!(plain, values(probed));
}
