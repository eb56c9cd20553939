//! Checkpoint I/O through `burn::store`.
//!
//! - **In**: safetensors and PyTorch `.pth` files in PyTorch layout (official
//!   AS-MLP and timm Mixer state dicts load unchanged, S²-MLPv2 with the keys
//!   of `docs/architectures.md`), and burnpack files written by shiftscope.
//!   PyTorch files are read by the project's own pickle reader (`pth`, on
//!   every target, the browser's included), so a training checkpoint's optimizer state, scheduler,
//!   numbers and config objects beside the weights are skipped and named
//!   ([`LoadedModel::skipped`]) instead of failing the file.
//! - **Out**: burnpack in burn's layout, f32, f16 or 8-bit quantized, with
//!   the model config and the weights' [`Profile`] (preprocessing, class
//!   names, dataset, calibrated threshold) stored in the file's metadata so
//!   a weight file is self-describing.
//!
//! Every failure names the file and the first offending tensor; the model
//! is only handed out once every tensor loaded cleanly.

mod adapter;
mod format;
mod load;
#[cfg(not(target_arch = "wasm32"))]
mod load_file;
mod profile;
mod pth;
mod save;

pub use format::{detect_format, WeightFormat};
pub use load::{load_model_from_bytes, read_stored, LoadedModel, SkippedEntry, Stored};
#[cfg(not(target_arch = "wasm32"))]
pub use load_file::load_model;
pub use profile::{Profile, Spec};
pub use save::{restamp, save_burnpack, to_burnpack_bytes, StorageDType};

/// Burnpack metadata key holding the model config as JSON.
pub const CONFIG_METADATA_KEY: &str = "shiftscope.config";

/// Burnpack metadata key holding the weights' [`Profile`] as JSON.
pub const PROFILE_METADATA_KEY: &str = "shiftscope.profile";
