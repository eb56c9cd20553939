//! What a patch shuffle does to the engine's model: MLP-Mixer's
//! permutation claim, run on a real image (see [`crate::viz::patch_shuffle`]).

use super::Engine;
use crate::error::Result;
use crate::predict::{probabilities, read_f32_async, top_k, Prediction};
use crate::preprocess::Prepared;
use crate::viz::PatchShuffle;

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
    /// Shuffles `image`'s patches and the pixels inside them with the
    /// permutation drawn from `seed`, and classifies both (top `k`).
    pub async fn shuffle(&self, image: &Prepared, seed: u64, k: usize) -> Result<Shuffled> {
        let shuffle = PatchShuffle::new(self.config.image_size, self.config.patch_size(), seed)?;
        let shuffled_image = shuffle.apply(image)?;
        let shuffled_input = self.input(&shuffled_image)?;
        let top = |probabilities: &[f32]| top_k(probabilities, self.config.num_classes, k, &self.labels).swap_remove(0);
        let logits = self.model.forward(self.input(image)?);
        let original_logits = read_f32_async(logits.clone()).await?;
        let original = top(&read_f32_async(probabilities(logits)).await?);
        let shuffled = top(&read_f32_async(probabilities(self.model.forward(shuffled_input.clone()))).await?);
        let permuted = match self.model.clone().for_shuffled(&shuffle) {
            Ok(model) => {
                let logits = model.forward(shuffled_input);
                let gap = read_f32_async(logits.clone())
                    .await?
                    .iter()
                    .zip(&original_logits)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f32::max);
                Ok((top(&read_f32_async(probabilities(logits)).await?), gap))
            }
            Err(why) => Err(why.to_string()),
        };
        Ok(Shuffled { image: shuffled_image, original, shuffled, permuted })
    }
}
