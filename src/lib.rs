//! shiftscope: spatial-shift MLP vision models (S²-MLPv2, AS-MLP, MLP-Mixer)
//! on burn, one backend-free model core for native CPU, Vulkan, WebGPU and
//! pure-Rust CPU in wasm.
//!
//! The crate is organised as
//! - [`ops`]: the shared building blocks (shifts, split-attention, MLP,
//!   norms, patch embedding / merging), each unit-tested on hand-checkable
//!   inputs;
//! - [`models`]: one file per architecture, the variant registry, parameter
//!   and FLOP counting, and the probes the visualisations read;
//! - [`weights`]: checkpoint I/O through `burn::store` (official AS-MLP and
//!   timm Mixer state dicts, safetensors, PyTorch, burnpack, f16 / int8);
//! - [`preprocess`] and [`labels`]: turning images into model input and
//!   logits into named predictions;
//! - [`viz`]: receptive fields, gradients, split-attention and class
//!   activation summaries for the visualisation panel;
//! - [`bench`]: the latency benchmark the `bench` command and the app's
//!   bench page share (and the peers' export files);
//! - [`engine`]: the one inference path (image → ranked classes and the
//!   panel's data, measured fields) that the CLI, the browser's worker and
//!   the bench page share;
//! - [`card`], [`calibration`], [`image_check`] and [`latency`]: what the
//!   browser app shows (and the native tests cover);
//! - `data`, `train`, `eval` (native only): ImageFolder datasets, training
//!   on burn's learner, and evaluation.

#![warn(missing_docs)]

pub mod ablation;
pub mod bench;
pub mod calibration;
pub mod card;
#[cfg(not(target_arch = "wasm32"))]
pub mod data;
pub mod engine;
pub mod error;
#[cfg(not(target_arch = "wasm32"))]
pub mod eval;
pub mod image_check;
pub mod labels;
pub mod latency;
pub mod models;
pub mod ops;
pub mod predict;
pub mod preprocess;
#[cfg(not(target_arch = "wasm32"))]
pub mod train;
pub mod viz;
pub mod weights;

pub use burn::tensor::{Device, Tensor, TensorData};
pub use error::{Error, Result};
pub use image::RgbImage;
