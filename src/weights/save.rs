//! Writing compact weights for the web: burnpack in burn's layout, with the
//! model config in the metadata.

use std::path::Path;

use burn::module::{Module, Quantizer};
use burn::store::{BurnpackStore, FloatCastAdapter, ModuleSnapshot};
use burn::tensor::quantization::{Calibration, QuantValue};
use burn::tensor::DType;

use super::CONFIG_METADATA_KEY;
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

/// Serialises `model` to burnpack bytes in `dtype`.
pub fn to_burnpack_bytes(model: &Model, config: &ModelConfig, dtype: StorageDType) -> Result<Vec<u8>> {
    let fail = |e: String| Error::Weights { source_name: "burnpack".into(), reason: e };
    let json = serde_json::to_string(config).map_err(|e| fail(e.to_string()))?;
    let store = BurnpackStore::from_bytes(None).metadata(CONFIG_METADATA_KEY, json);
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

/// Writes `model` as a burnpack file.
pub fn save_burnpack(model: &Model, config: &ModelConfig, dtype: StorageDType, path: &Path) -> Result<()> {
    let bytes = to_burnpack_bytes(model, config, dtype)?;
    std::fs::write(path, bytes).map_err(Error::io(path))
}
