//! Writing compact weights for the web: burnpack in burn's layout, with the
//! model config and the weights' profile in the metadata.

use std::path::Path;

use burn::module::{Module, Quantizer};
use burn::store::burn_pack::{Bytes, Reader, Writer};
use burn::store::{BurnpackStore, FloatCastAdapter, ModuleSnapshot};
use burn::tensor::quantization::{Calibration, QuantValue};
use burn::tensor::DType;

use super::format::{detect_format, WeightFormat};
use super::load::stored_in;
use super::profile::Profile;
use super::{CONFIG_METADATA_KEY, PROFILE_METADATA_KEY};
use crate::error::{Error, Result};
use crate::models::{Model, ModelConfig};

/// How weights are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageDType {
    /// 32-bit floats, exact.
    F32,
    /// 16-bit floats: half the size.
    F16,
    /// burn's symmetric 8-bit weight quantization: a quarter of the size.
    Int8,
}

impl std::str::FromStr for StorageDType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "f32" => Ok(Self::F32),
            "f16" => Ok(Self::F16),
            "int8" | "q8" => Ok(Self::Int8),
            other => Err(format!("unknown storage type `{other}` (f32, f16, int8)")),
        }
    }
}

fn fail(reason: String) -> Error {
    Error::Weights { source_name: "burnpack".into(), reason }
}

/// The metadata entries of a weight file: the config and the profile, as
/// JSON.
fn metadata(config: &ModelConfig, profile: &Profile) -> Result<[(&'static str, String); 2]> {
    profile.check(config)?;
    let json = |value: serde_json::Result<String>| value.map_err(|e| fail(e.to_string()));
    Ok([
        (CONFIG_METADATA_KEY, json(serde_json::to_string(config))?),
        (PROFILE_METADATA_KEY, json(serde_json::to_string(profile))?),
    ])
}

/// Serialises `model` to burnpack bytes in `dtype`, with its config and
/// the profile of its weights.
pub fn to_burnpack_bytes(
    model: &Model,
    config: &ModelConfig,
    profile: &Profile,
    dtype: StorageDType,
) -> Result<Vec<u8>> {
    let [(config_key, config_json), (profile_key, profile_json)] = metadata(config, profile)?;
    let store = BurnpackStore::from_bytes(None).metadata(config_key, config_json).metadata(profile_key, profile_json);
    let mut store = match dtype {
        StorageDType::F16 => store.with_to_adapter(FloatCastAdapter::to(DType::F16)),
        _ => store,
    };
    match dtype {
        StorageDType::Int8 => {
            let device = model.devices().into_iter().next().unwrap_or_default();
            let scheme = device.settings().quantization.scheme.with_value(QuantValue::Q8S);
            let mut quantizer = Quantizer::new(Calibration::MinMax, scheme);
            let quantized = model.clone().quantize_weights(&mut quantizer);
            quantized.save_into(&mut store).map_err(|e| fail(e.to_string()))?;
        }
        _ => model.save_into(&mut store).map_err(|e| fail(e.to_string()))?,
    }
    let bytes = store.get_bytes().map_err(|e| fail(e.to_string()))?;
    Ok(bytes.to_vec())
}

/// Writes `model` as a burnpack file (see [`to_burnpack_bytes`]).
pub fn save_burnpack(
    model: &Model,
    config: &ModelConfig,
    profile: &Profile,
    dtype: StorageDType,
    path: &Path,
) -> Result<()> {
    let bytes = to_burnpack_bytes(model, config, profile, dtype)?;
    std::fs::write(path, bytes).map_err(Error::io(path))
}

/// A shiftscope burnpack file's bytes with `profile` as its weights'
/// profile: the tensors, in whatever storage they are, and the other
/// metadata are kept as they are; a config written before profiles
/// existed is rewritten without its `preprocess`.
pub fn restamp(bytes: Vec<u8>, profile: &Profile) -> Result<Vec<u8>> {
    if detect_format(&bytes) != Some(WeightFormat::Burnpack) {
        return Err(fail("only burnpack files carry a profile".into()));
    }
    let reader = Reader::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| fail(e.to_string()))?;
    let kept = reader.metadata().clone();
    let config = stored_in(&kept)?.config.ok_or_else(|| fail("the file carries no model config".into()))?;
    let scalars = reader.scalars().clone();
    let mut writer = Writer::new(reader.into_tensors().map_err(|e| fail(e.to_string()))?);
    for (key, value) in &kept {
        writer = writer.with_metadata(key, value);
    }
    for (key, value) in scalars {
        writer = writer.with_scalar(&key, value);
    }
    for (key, value) in metadata(&config, profile)? {
        writer = writer.with_metadata(key, &value);
    }
    Ok(writer.into_bytes().map_err(|e| fail(e.to_string()))?.to_vec())
}
