//! Loading weight files from disk, PyTorch `.pth` included (native only:
//! the browser hands over bytes, see [`super::load_model_from_bytes`]).

use std::path::Path;

use burn::store::{ModuleSnapshot, ModuleStore, PytorchStore};
use burn::tensor::Device;

use super::adapter::NonFiniteDetector;
use super::format::{detect_format, WeightFormat};
use super::load::{
    check_complete, guarded, load_model_from_bytes, pytorch_adapter, resolve_config, unreadable, LoadedModel,
};
use crate::error::{Error, Result};
use crate::models::{Model, ModelConfig};

/// Top-level keys under which training scripts nest a state dict.
const NESTED_STATE_DICT_KEYS: [&str; 3] = ["model", "state_dict", "model_state"];

/// Loads a weight file (safetensors, PyTorch or burnpack) for `config`
/// (optional for burnpack files that carry their config).
pub fn load_model(path: &Path, config: Option<&ModelConfig>, device: &Device) -> Result<LoadedModel> {
    let bytes = std::fs::read(path).map_err(Error::io(path))?;
    let label = path.display().to_string();
    if detect_format(&bytes) == Some(WeightFormat::Pytorch) {
        let config = resolve_config(None, config, &label)?;
        let mut model = config.init(device)?;
        load_pytorch_file(&mut model, path, &label)?;
        return Ok(LoadedModel { model, config, format: WeightFormat::Pytorch });
    }
    load_model_from_bytes(bytes, &label, config, device)
}

fn load_pytorch_file(model: &mut Model, path: &Path, label: &str) -> Result<()> {
    let keys =
        guarded(label, || PytorchStore::from_file(path).keys().map_err(|e| unreadable(WeightFormat::Pytorch, e)))?;
    let nested = NESTED_STATE_DICT_KEYS.iter().find(|k| keys.iter().any(|key| key.starts_with(&format!("{k}."))));
    let detector = NonFiniteDetector::default();
    let result = guarded(label, || {
        let mut store = PytorchStore::from_file(path).with_key_remapping(r"^module\.", "");
        if let Some(key) = nested {
            store = store.with_top_level_key(*key);
        }
        let tensors =
            store.get_all_tensors().map_err(|e| unreadable(WeightFormat::Pytorch, e))?.values().cloned().collect();
        Ok(model.apply(tensors, None, Some(Box::new(pytorch_adapter(&detector))), true))
    })?;
    check_complete(&result, &detector, label)
}
