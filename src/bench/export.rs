//! Files the peers (PyTorch eager, ONNX Runtime Web) read so that they run
//! the same weights on the same input: per model `config.json`,
//! `weights.safetensors` (PyTorch key names and layouts, f32) and
//! `io.safetensors` (`input` and shiftscope's `logits`), plus a
//! `manifest.json` listing the models. Native only.

use std::path::Path;

use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, SafetensorsStore};
use safetensors::tensor::{Dtype, TensorView};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::models::{Model, ModelConfig};

/// One model's line in `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestEntry {
    /// The model's name (its directory).
    pub name: String,
    /// `s2mlpv2`, `asmlp` or `mixer`.
    pub arch: String,
    /// Learnable scalars.
    pub params: u64,
    /// Multiply-adds of one image.
    pub macs: u64,
    /// Input side in pixels.
    pub image_size: usize,
    /// Classes of the head.
    pub num_classes: usize,
    /// Where the weights came from (a file, or a random initialisation).
    pub source: String,
}

/// `manifest.json`: the models and the batch sizes to time.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Exported models, in benchmark order.
    pub models: Vec<ManifestEntry>,
    /// Batch sizes.
    pub batches: Vec<usize>,
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(Error::io(path))
}

fn weights_error(path: &Path, reason: impl ToString) -> Error {
    Error::Weights { source_name: path.display().to_string(), reason: reason.to_string() }
}

/// Writes `model`'s weights as f32 safetensors with PyTorch's names and
/// layouts (linear weights `(out, in)`, norms `weight` / `bias`).
pub fn save_pytorch_safetensors(model: &Model, path: &Path) -> Result<()> {
    let mut store = SafetensorsStore::from_file(path)
        .with_to_adapter(BurnToPyTorchAdapter)
        .skip_enum_variants(true)
        .overwrite(true)
        .metadata("format", "pt");
    model.save_into(&mut store).map_err(|e| weights_error(path, e))
}

/// Writes float tensors `(name, shape, values)` as a safetensors file.
pub fn save_f32_tensors(path: &Path, tensors: &[(&str, Vec<usize>, &[f32])]) -> Result<()> {
    let bytes: Vec<Vec<u8>> = tensors.iter().map(|(_, _, values)| bytemuck_f32(values)).collect();
    let views = tensors
        .iter()
        .zip(&bytes)
        .map(|((name, shape, _), data)| {
            TensorView::new(Dtype::F32, shape.clone(), data).map(|view| (name.to_string(), view))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| weights_error(path, e))?;
    let file = safetensors::serialize(views, None).map_err(|e| weights_error(path, e))?;
    write(path, &file)
}

fn bytemuck_f32(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Writes one model's directory under `dir`: config, weights, and the
/// input with shiftscope's logits for it.
pub fn export_model(dir: &Path, name: &str, config: &ModelConfig, model: &Model, io: (&[f32], &[f32])) -> Result<()> {
    let model_dir = dir.join(name);
    std::fs::create_dir_all(&model_dir).map_err(Error::io(&model_dir))?;
    let json = serde_json::to_vec_pretty(config).map_err(|e| Error::InvalidConfig(e.to_string()))?;
    write(&model_dir.join("config.json"), &json)?;
    save_pytorch_safetensors(model, &model_dir.join("weights.safetensors"))?;
    let (input, logits) = io;
    let side = config.image_size;
    let batch = logits.len() / config.num_classes;
    save_f32_tensors(
        &model_dir.join("io.safetensors"),
        &[
            ("input", vec![batch, config.in_channels, side, side], input),
            ("logits", vec![batch, config.num_classes], logits),
        ],
    )
}

/// Writes `manifest.json` into `dir`.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| Error::InvalidConfig(e.to_string()))?;
    write(&dir.join("manifest.json"), &json)
}
