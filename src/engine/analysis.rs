//! What one image yields: its ranked classes and the panel's data, as plain
//! values that travel from the worker to the page.

use serde::{Deserialize, Serialize};

use super::inspection::BlockShiftMaps;
use crate::predict::Prediction;
use crate::preprocess::{opaque_rgba, CropBox};
use crate::viz::{BlockAttention, ClassActivation};

/// An image as the model saw it, with everything the panel draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Side of the model's input crop.
    pub side: usize,
    /// The crop as interleaved RGB bytes (`side × side × 3`): the image the
    /// overlays are drawn on.
    pub rgb: Vec<u8>,
    /// Where the crop lies in the image given (to draw on the whole photo).
    pub crop: CropBox,
    /// Every class's probability, in head order.
    pub probabilities: Vec<f32>,
    /// The most probable classes, best first.
    pub predictions: Vec<Prediction>,
    /// Split-attention per block (S²-MLPv2 only).
    pub attention: Vec<BlockAttention>,
    /// Per prediction, in the same order, each final token's share of its
    /// logit.
    pub activations: Vec<ClassActivation>,
    /// Per block, its shift groups' maps (empty for Mixer).
    pub shifts: Vec<BlockShiftMaps>,
}

impl Analysis {
    /// The crop as opaque RGBA bytes (what a canvas draws).
    pub fn rgba(&self) -> Vec<u8> {
        opaque_rgba(&self.rgb)
    }

    /// The class activation of `class`, when it is among the predictions.
    pub fn activation(&self, class: usize) -> Option<&ClassActivation> {
        self.activations.iter().find(|a| a.class == class)
    }
}
