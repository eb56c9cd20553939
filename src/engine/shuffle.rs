//! What a patch shuffle does to the engine's model: MLP-Mixer's
//! permutation claim, run on a real image (see [`crate::models::patch_shuffle`]).

use burn::tensor::Tensor;

use super::Engine;
use crate::error::{Error, Result};
use crate::models::patch_shuffle::PatchShuffle;
use crate::predict::{probabilities, read_f32_async, top_k, Prediction};
use crate::preprocess::Prepared;

/// One image and its patch-shuffled copy, as the engine's model sees them.
#[derive(Debug, Clone)]
pub struct Shuffled {
    /// The shuffled image (patches and the pixels inside them moved).
    pub image: Prepared,
    /// The model's top classes on the original image.
    pub original: Vec<Prediction>,
    /// The same model's top classes on the shuffled image.
    pub shuffled: Vec<Prediction>,
    /// The model with its weights permuted like the image (MLP-Mixer only),
    /// on the shuffled image: its top classes and its largest logit
    /// difference from the original model on the original image; or why
    /// no such model exists.
    pub permuted: std::result::Result<(Vec<Prediction>, f32), String>,
}

impl Engine {
    /// The patch shuffle drawn from `seed` for this model's input and
    /// first-stage patches.
    pub fn patch_shuffle(&self, seed: u64) -> Result<PatchShuffle> {
        PatchShuffle::new(self.config.image_size, self.config.patch_size(), seed)
    }

    /// Shuffles `image`'s patches and the pixels inside them with `shuffle`
    /// (see [`Engine::patch_shuffle`]) and classifies both (top `k`).
    pub async fn shuffle(&self, image: &Prepared, shuffle: &PatchShuffle, k: usize) -> Result<Shuffled> {
        let shuffled_image = image.permuted(&shuffle.sources())?;
        let shuffled_input = self.input(&shuffled_image)?;
        let (original_logits, original) = self.ranked(self.model.forward(self.input(image)?), k).await?;
        let (_, shuffled) = self.ranked(self.model.forward(shuffled_input.clone()), k).await?;
        let permuted = match self.model.clone().for_shuffled(shuffle) {
            Ok(model) => {
                let (logits, top) = self.ranked(model.forward(shuffled_input), k).await?;
                let gap = logits.iter().zip(&original_logits).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                Ok((top, gap))
            }
            // The reason alone: the page and the CLI say whose it is.
            Err(Error::Unsupported(why)) => Err(why),
            Err(other) => Err(other.to_string()),
        };
        Ok(Shuffled { image: shuffled_image, original, shuffled, permuted })
    }

    /// One image's `(1, classes)` logits, read back once together with
    /// their softmax, and the top `k` classes.
    async fn ranked(&self, logits: Tensor<2>, k: usize) -> Result<(Vec<f32>, Vec<Prediction>)> {
        let both = read_f32_async(Tensor::cat(vec![logits.clone(), probabilities(logits)], 0)).await?;
        let (logits, probabilities) = both.split_at(self.config.num_classes);
        let top = top_k(probabilities, self.config.num_classes, k, &self.profile.classes).swap_remove(0);
        Ok((logits.to_vec(), top))
    }
}
