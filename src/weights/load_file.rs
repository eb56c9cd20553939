//! Loading weight files from disk, PyTorch `.pth` included (native only:
//! the browser hands over bytes, see [`super::load_model_from_bytes`]).

use std::path::Path;

use burn::store::ModuleSnapshot;
use burn::tensor::Device;

use super::adapter::NonFiniteDetector;
use super::format::{detect_format, WeightFormat};
use super::load::{
    check_complete, guarded, load_model_from_bytes, pytorch_adapter, resolve_config, unreadable, LoadedModel,
    SkippedEntry,
};
use super::pth::read_pth;
use crate::error::{Error, Result};
use crate::models::{Model, ModelConfig};

/// Loads a weight file (safetensors, PyTorch or burnpack) for `config`
/// (optional for burnpack files that carry their config). Entries of a
/// PyTorch checkpoint that hold no weights (optimizer state, epoch,
/// config objects) are skipped and listed in [`LoadedModel::skipped`].
pub fn load_model(path: &Path, config: Option<&ModelConfig>, device: &Device) -> Result<LoadedModel> {
    let bytes = std::fs::read(path).map_err(Error::io(path))?;
    let label = path.display().to_string();
    if detect_format(&bytes) == Some(WeightFormat::Pytorch) {
        let config = resolve_config(None, config, &label)?;
        let mut model = config.init(device)?;
        let skipped = load_pytorch(&mut model, &bytes, &label)?;
        return Ok(LoadedModel { model, config, format: WeightFormat::Pytorch, skipped });
    }
    load_model_from_bytes(bytes, &label, config, device)
}

/// Reads a `torch.save` file with the project's reader (`super::pth`,
/// whose docs say why not burn's) into `model`.
fn load_pytorch(model: &mut Model, bytes: &[u8], label: &str) -> Result<Vec<SkippedEntry>> {
    let weights = guarded(label, || read_pth(bytes).map_err(|e| unreadable(WeightFormat::Pytorch, e)))?;
    let detector = NonFiniteDetector::default();
    let adapter = Box::new(pytorch_adapter(&detector));
    let result = guarded(label, || Ok(model.apply(weights.tensors, None, Some(adapter), true)))?;
    check_complete(&result, &detector, label)?;
    Ok(weights.skipped)
}
