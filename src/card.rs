//! Model cards: what a shipped weight file is, how it was trained, and how
//! well it does, as JSON beside the weights (`assets/<name>.json`). The web
//! app shows them; `tests/shipped.rs` re-checks them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::models::ModelConfig;
use crate::weights::Profile;

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The dataset a model was trained and tested on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// File name of the archive (or folder) used.
    pub file: String,
    /// SHA-256 of the archive (empty for a folder).
    pub sha256: String,
    /// Images in the training split.
    pub train_images: usize,
    /// Images in the test split.
    pub test_images: usize,
}

/// Test accuracy of one storage type of the trained weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorageAccuracy {
    /// `f32`, `f16` or `int8`.
    pub storage: String,
    /// Size of the burnpack file in bytes.
    pub bytes: usize,
    /// Top-1 on the whole test split, in percent.
    pub test_top1: f64,
}

/// Everything known about a shipped weight file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// Registry name (or the run's name).
    pub name: String,
    /// Weight file name, beside the card.
    pub file: String,
    /// Storage type of the shipped file.
    pub storage: String,
    /// Size of the shipped file in bytes.
    pub weights_bytes: usize,
    /// SHA-256 of the shipped file.
    pub weights_sha256: String,
    /// The architecture (also in the burnpack's metadata).
    pub model: ModelConfig,
    /// What the weights expect and mean: preprocessing, class names,
    /// dataset, calibration on the test split (also in the burnpack's
    /// metadata).
    pub profile: Profile,
    /// Learnable parameters.
    pub params: u64,
    /// Multiply-adds per image.
    pub macs: u64,
    /// The dataset.
    pub dataset: DatasetInfo,
    /// The training configuration (`train.json` of the run).
    pub training: serde_json::Value,
    /// Epochs trained.
    pub epochs: usize,
    /// Epochs of the learning-rate schedule; more than `epochs` when the
    /// run was shipped from a checkpoint before its schedule ended.
    #[serde(default)]
    pub scheduled_epochs: usize,
    /// Seed of the run.
    pub seed: u64,
    /// Training wall time in seconds (all resumed sessions together).
    pub wall_time_s: f64,
    /// The machine and backend that trained it.
    pub trained_on: String,
    /// The command that trains it again.
    pub command: String,
    /// The command that measures `test_top1`.
    pub eval_command: String,
    /// Top-1 of the shipped file on the whole test split, in percent.
    pub test_top1: f64,
    /// Top-1 of the shipped file on the first 100 test images of each class.
    pub test_top1_first1000: f64,
    /// Accuracy of every storage type that was tried.
    pub storages: Vec<StorageAccuracy>,
    /// `(epoch, top-1 %)` after each training epoch, on `curve_split`.
    pub curve: Vec<(usize, f64)>,
    /// The images `curve` was measured on: the test split (shiftscope's
    /// own trainer) or images held out of the training split (the GPU
    /// trainer, which never reads the test split).
    #[serde(default = "test_split")]
    pub curve_split: String,
}

fn test_split() -> String {
    "test".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_standard_test_vector() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
