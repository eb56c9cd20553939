//! Helpers shared by the integration tests: fixture paths, reading the
//! reference outputs, comparing tensors.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use shiftscope::models::ModelConfig;
use shiftscope::weights::Spec;
use shiftscope::{Device, Tensor, TensorData};

/// The fixture directories the PyTorch references wrote.
pub const FIXTURES: [&str; 5] = ["s2mlpv2", "s2mlpv2_mean", "asmlp", "asmlp_dilated", "mixer"];

/// `tests/fixtures/<name>`.
pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The model config of a fixture, with the unnamed profile of weights that
/// say nothing about themselves.
pub fn fixture_spec(name: &str) -> Spec {
    let text = std::fs::read_to_string(fixture_dir(name).join("config.json")).expect("fixture config");
    Spec::from_json(&text).expect("fixture config parses")
}

/// The model config of a fixture.
pub fn fixture_config(name: &str) -> ModelConfig {
    fixture_spec(name).config
}

/// A named f32 array with its shape.
pub struct Array {
    pub values: Vec<f32>,
    pub shape: Vec<usize>,
}

/// Every tensor of a fixture's `io.safetensors`.
pub fn fixture_io(name: &str) -> HashMap<String, Array> {
    safetensors_arrays(&fixture_dir(name).join("io.safetensors"))
}

/// Every (f32) tensor of a safetensors file.
pub fn safetensors_arrays(path: &Path) -> HashMap<String, Array> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = safetensors::SafeTensors::deserialize(&bytes).expect("safetensors parses");
    file.tensors()
        .into_iter()
        .map(|(key, view)| {
            let values = view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
            (key, Array { values, shape: view.shape().to_vec() })
        })
        .collect()
}

/// The device the tests run on: burn's pure-Rust CPU backend, or — with
/// `--features vulkan` and `SHIFTSCOPE_TEST_DEVICE=vulkan` (SPIR-V) or
/// `=wgpu` (WGSL) — a GPU device, to show the same model code runs there.
pub fn device() -> Device {
    #[cfg(feature = "vulkan")]
    match std::env::var("SHIFTSCOPE_TEST_DEVICE").as_deref() {
        Ok("vulkan") => return Device::vulkan(burn::tensor::DeviceKind::DefaultDevice),
        Ok("wgpu") => return Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
        _ => {}
    }
    Device::flex()
}

/// An array as a tensor of rank `D` on `device`.
pub fn tensor<const D: usize>(array: &Array, device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(array.values.clone(), array.shape.clone()), device)
}

/// Flat f32 values of a tensor.
pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_into_vec::<f32>().expect("f32 data")
}

/// Largest absolute elementwise difference.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length differs");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Class names of [`write_dataset`].
pub const CLASSES: [&str; 3] = ["blue", "green", "red"];

/// `n` noisy 20×20 PNGs per class and split: class `c` has a bright
/// channel `2 − c` and a stripe whose position carries no label.
pub fn write_dataset(root: &Path, train: usize, test: usize) {
    let mut state = 12345u32;
    let mut noise = move || {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (state >> 16) as u8 % 90
    };
    for (split, n) in [("train", train), ("test", test)] {
        for (c, class) in CLASSES.iter().enumerate() {
            let dir = root.join(split).join(class);
            std::fs::create_dir_all(&dir).unwrap();
            for i in 0..n {
                let stripe = (i * 7) % 20;
                let image = image::RgbImage::from_fn(20, 20, |x, _| {
                    let mut p = [noise(), noise(), noise()];
                    p[2 - c] = p[2 - c].saturating_add(120);
                    if x as usize == stripe {
                        p = [255; 3];
                    }
                    image::Rgb(p)
                });
                image.save(dir.join(format!("{i:04}.png"))).unwrap();
            }
        }
    }
}
