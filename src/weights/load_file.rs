//! Loading weight files from disk (native only: the browser hands over
//! bytes, which go through the same [`super::load_model_from_bytes`]).

use std::path::Path;

use burn::tensor::Device;

use super::load::{load_model_from_bytes, LoadedModel};
use super::profile::Spec;
use crate::error::{Error, Result};

/// Loads a weight file (safetensors, PyTorch or burnpack) as `requested`
/// (optional for burnpack files that carry their config and profile).
/// Entries of a PyTorch checkpoint that hold no weights (optimizer state,
/// epoch, config objects) are skipped and listed in
/// [`LoadedModel::skipped`].
pub fn load_model(path: &Path, requested: Option<&Spec>, device: &Device) -> Result<LoadedModel> {
    let bytes = std::fs::read(path).map_err(Error::io(path))?;
    load_model_from_bytes(bytes, &path.display().to_string(), requested, device)
}
