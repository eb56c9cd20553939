//! Loading weights into a freshly built model, with errors that name the
//! first offending tensor.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use burn::store::burn_pack::{Bytes, Reader};
use burn::store::{
    ApplyError, ApplyResult, BurnpackStore, FloatCastAdapter, ModuleAdapter, ModuleSnapshot, PyTorchToBurnAdapter,
    SafetensorsStore,
};
use burn::tensor::{DType, Device};

use super::adapter::{DequantizeOnCpu, NonFiniteDetector, PointwiseConvToLinear};
use super::format::{detect_format, WeightFormat};
use super::profile::{config_and_profile, Profile, Spec};
use super::pth::read_pth;
use super::{CONFIG_METADATA_KEY, PROFILE_METADATA_KEY};
use crate::error::{Error, Result};
use crate::models::{Model, ModelConfig};

/// A model with its weights and where they came from.
#[derive(Debug)]
pub struct LoadedModel {
    /// The ready model.
    pub model: Model,
    /// Its configuration (from the file where it carries one).
    pub config: ModelConfig,
    /// What the weights expect and mean (from the file where it carries
    /// one, else the caller's, else an unnamed one).
    pub profile: Profile,
    /// The container the weights were read from.
    pub format: WeightFormat,
    /// Entries of the file that hold no weights of the model and were left
    /// out (a training checkpoint's optimizer state, epoch, config).
    pub skipped: Vec<SkippedEntry>,
}

impl LoadedModel {
    /// One line naming the skipped entries, if any, for the user.
    pub fn note(&self) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        const SHOWN: usize = 12;
        let mut names: Vec<String> =
            self.skipped.iter().take(SHOWN).map(|entry| format!("{} ({})", entry.name, entry.kind)).collect();
        if self.skipped.len() > SHOWN {
            names.push(format!("and {} more", self.skipped.len() - SHOWN));
        }
        Some(format!("skipped entries that hold no weights of the model: {}", names.join(", ")))
    }
}

/// An entry of a weight file that was not loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEntry {
    /// Its key path in the file (`optimizer`, `model.version`).
    pub name: String,
    /// Its Python type, with the value of a number or short string
    /// (`dict`, `int 300`, `argparse.Namespace`).
    pub kind: String,
}

fn weights_error(source: &str, reason: impl Into<String>) -> Error {
    Error::Weights { source_name: source.to_string(), reason: reason.into() }
}

/// The adapters for PyTorch-layout files: 1×1 kernels to matrices, then
/// burn's PyTorch conventions, then everything to f32, then the NaN check.
fn pytorch_adapter(detector: &NonFiniteDetector) -> impl ModuleAdapter + 'static {
    PointwiseConvToLinear.chain(PyTorchToBurnAdapter).chain(FloatCastAdapter::to(DType::F32)).chain(detector.clone())
}

/// The adapters for burnpack files (burn's own layout).
fn burnpack_adapter(detector: &NonFiniteDetector) -> impl ModuleAdapter + 'static {
    DequantizeOnCpu.chain(FloatCastAdapter::to(DType::F32)).chain(detector.clone())
}

/// What a burnpack file says about itself in its metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stored {
    /// The architecture.
    pub config: Option<ModelConfig>,
    /// What the weights expect: the profile, or for files written before
    /// profiles existed, an unnamed profile with the `preprocess` their
    /// config carried.
    pub profile: Option<Profile>,
}

/// The architecture and profile stored in a burnpack file's metadata (none
/// for other formats).
pub fn read_stored(bytes: &[u8]) -> Result<Stored> {
    if detect_format(bytes) != Some(WeightFormat::Burnpack) {
        return Ok(Stored::default());
    }
    let reader = Reader::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
        .map_err(|e| weights_error("burnpack", format!("unreadable burnpack: {e}")))?;
    stored_in(reader.metadata())
}

/// [`Stored`] from a burnpack file's metadata entries.
pub(crate) fn stored_in(metadata: &BTreeMap<String, String>) -> Result<Stored> {
    let Some(config_json) = metadata.get(CONFIG_METADATA_KEY) else { return Ok(Stored::default()) };
    let (config, legacy) = config_and_profile(config_json).map_err(|e| weights_error("burnpack", e.to_string()))?;
    let profile = match metadata.get(PROFILE_METADATA_KEY) {
        Some(json) => Some(
            serde_json::from_str(json)
                .map_err(|e| weights_error("burnpack", format!("stored profile is invalid: {e}")))?,
        ),
        None => legacy,
    };
    Ok(Stored { config: Some(config), profile })
}

/// Picks the config: the file's own (checked against the requested one) or
/// the requested one.
fn resolve_config(stored: Option<ModelConfig>, requested: Option<&ModelConfig>, source: &str) -> Result<ModelConfig> {
    match (stored, requested) {
        (Some(stored), Some(requested))
            if stored.arch != requested.arch || stored.num_classes != requested.num_classes =>
        {
            Err(weights_error(
                source,
                format!(
                    "the file holds a {} model ({} classes) that differs from the requested {} config; \
                     ask for no config to use the file's own",
                    stored.arch_name(),
                    stored.num_classes,
                    requested.arch_name()
                ),
            ))
        }
        (Some(stored), _) => Ok(stored),
        (None, Some(requested)) => Ok(requested.clone()),
        (None, None) => Err(weights_error(source, "the file carries no model config, so its variant must be named")),
    }
}

/// Picks the profile: the file's own, else the requested one, else an
/// unnamed one; it must fit `config`.
fn resolve_profile(
    stored: Option<Profile>,
    requested: Option<&Spec>,
    config: &ModelConfig,
    source: &str,
) -> Result<Profile> {
    let profile = match (stored, requested) {
        (Some(stored), _) => stored,
        (None, Some(requested)) => requested.profile.clone(),
        (None, None) => Profile::unnamed(config),
    };
    profile.check(config).map_err(|e| weights_error(source, e.to_string()))?;
    Ok(profile)
}

/// Loads weights held in memory (safetensors, PyTorch or burnpack; the
/// browser's path, and the CLI's after reading the file). `label` names the
/// source in errors; `requested` (architecture and profile) is needed when
/// the file carries no config, and gives the profile when it carries none.
/// Entries of a PyTorch checkpoint that hold no weights (optimizer state,
/// epoch, config objects) are skipped and listed in
/// [`LoadedModel::skipped`].
pub fn load_model_from_bytes(
    bytes: Vec<u8>,
    label: &str,
    requested: Option<&Spec>,
    device: &Device,
) -> Result<LoadedModel> {
    let format = match detect_format(&bytes) {
        Some(format) => format,
        None if bytes.is_empty() => return Err(weights_error(label, "the file is empty")),
        None => return Err(weights_error(label, "not a safetensors, burnpack or PyTorch file")),
    };
    let requested_config = requested.map(|spec| &spec.config);
    if format == WeightFormat::Pytorch {
        let config = resolve_config(None, requested_config, label)?;
        let profile = resolve_profile(None, requested, &config, label)?;
        let mut model = config.init(device)?;
        let skipped = load_pytorch(&mut model, bytes, label)?;
        return Ok(LoadedModel { model, config, profile, format, skipped });
    }
    let stored = read_stored(&bytes)?;
    let config = resolve_config(stored.config, requested_config, label)?;
    let profile = resolve_profile(stored.profile, requested, &config, label)?;
    let mut model = config.init(device)?;
    let detector = NonFiniteDetector::default();
    let result = guarded(label, || match format {
        WeightFormat::Safetensors => {
            let mut store = SafetensorsStore::from_bytes(Some(bytes))
                .with_from_adapter(pytorch_adapter(&detector))
                .skip_enum_variants(true)
                .validate(false)
                .allow_partial(true);
            model.load_from(&mut store).map_err(|e| unreadable(format, e))
        }
        _ => {
            let mut store = BurnpackStore::from_bytes(Some(Bytes::from_bytes_vec(bytes)))
                .with_from_adapter(burnpack_adapter(&detector))
                .validate(false)
                .allow_partial(true);
            model.load_from(&mut store).map_err(|e| unreadable(format, e))
        }
    })?;
    check_complete(&result, &detector, label)?;
    Ok(LoadedModel { model, config, profile, format, skipped: Vec::new() })
}

/// Reads a `torch.save` file with the project's reader (`super::pth`,
/// whose docs say why not burn's) into `model`; the file's bytes are
/// dropped once the tensors are cut out of them.
fn load_pytorch(model: &mut Model, bytes: Vec<u8>, label: &str) -> Result<Vec<SkippedEntry>> {
    let weights = guarded(label, || read_pth(&bytes).map_err(|e| unreadable(WeightFormat::Pytorch, e)))?;
    drop(bytes);
    let detector = NonFiniteDetector::default();
    let adapter = Box::new(pytorch_adapter(&detector));
    let result = guarded(label, || Ok(model.apply(weights.tensors, None, Some(adapter), true)))?;
    check_complete(&result, &detector, label)?;
    Ok(weights.skipped)
}

/// The message for a file its format's reader rejects.
fn unreadable(format: WeightFormat, error: impl std::fmt::Display) -> String {
    format!("not a readable {} file, truncated or corrupt? ({error})", format.name())
}

/// Runs a store operation, turning both its errors and any panic inside
/// the decoder into a weights error.
fn guarded<T>(label: &str, f: impl FnOnce() -> std::result::Result<T, String>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(reason)) => Err(weights_error(label, reason)),
        Err(_) => Err(weights_error(label, "the file is corrupt (the decoder gave up)")),
    }
}

/// Fails unless every model tensor was present, had the right shape and
/// finite values, and every file tensor was used — checked in that order,
/// so a file of another architecture is reported as such before any detail.
fn check_complete(result: &ApplyResult, detector: &NonFiniteDetector, label: &str) -> Result<()> {
    if let Some((path, _)) = result.missing.first() {
        return Err(weights_error(
            label,
            format!(
                "tensor `{path}` is missing ({} of {} model tensors missing) — wrong architecture or variant?",
                result.missing.len(),
                result.missing.len() + result.applied.len()
            ),
        ));
    }
    if let Some(error) = result.errors.first() {
        let reason = match error {
            ApplyError::ShapeMismatch { path, expected, found } => {
                format!("tensor `{path}` has shape {:?}, the model expects {:?}", found.as_slice(), expected.as_slice())
            }
            other => format!("tensor error: {other}"),
        };
        return Err(weights_error(label, format!("{reason} ({} tensor errors in all)", result.errors.len())));
    }
    let offenders = detector.offenders.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = offenders.first() {
        return Err(weights_error(
            label,
            format!("tensor `{path}` holds NaN or infinite values ({} such tensors) — corrupt file?", offenders.len()),
        ));
    }
    if let Some(path) = result.unused.first() {
        return Err(weights_error(
            label,
            format!("tensor `{path}` does not belong to this model ({} unexpected tensors) — wrong architecture or variant?", result.unused.len()),
        ));
    }
    Ok(())
}
