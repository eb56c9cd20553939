//! The engine's model on a larger input than it was trained on, one class
//! per token (see [`crate::viz::class_map`]).

use burn::tensor::{Tensor, TensorData};
use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::Engine;
use crate::error::{Error, Result};
use crate::models::ProbeRequest;
use crate::predict::{probabilities, read_f32_async, top_k, Prediction};
use crate::preprocess::Prepared;
use crate::viz::class_map::ClassMap;
use crate::viz::TokenMap;

/// A photo classified region by region at another input size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionClasses {
    /// The input side the model ran at, in pixels.
    pub size: usize,
    /// The whole image's top classes at that size.
    pub predictions: Vec<Prediction>,
    /// Each final token's shares and own class.
    pub map: ClassMap,
    /// The class names, in head order.
    pub labels: Vec<String>,
}

impl Engine {
    /// Runs the model on `image` prepared at `size` pixels (the same
    /// preprocessing, scaled) and maps each final token to its class; top
    /// `k` for the whole image. An architecture tied to its token count
    /// (MLP-Mixer), or a size its patches do not divide, is an
    /// [`Error::Unsupported`] that says why.
    pub async fn region_classes(&self, image: &RgbImage, size: usize, k: usize) -> Result<RegionClasses> {
        self.config.at_size(size)?;
        let prepared = self.profile.at_size(size).preprocess.prepare(image);
        self.region_classes_of(&prepared, k).await
    }

    /// [`Engine::region_classes`] of an image already prepared at its size.
    pub async fn region_classes_of(&self, image: &Prepared, k: usize) -> Result<RegionClasses> {
        let size = image.side;
        self.config.at_size(size)?;
        let input = Tensor::from_data(TensorData::new(image.chw.clone(), [1, 3, size, size]), &self.device);
        let request = ProbeRequest { head_tokens: true, ..Default::default() };
        let (logits, probes) = self.model.forward_probed(input, &request);
        let tokens = probes.head_tokens.ok_or_else(|| Error::Run("the head tokens were not probed".into()))?;
        let [_, rows, cols, channels] = tokens.dims();
        let classes = self.config.num_classes;
        let packed =
            Tensor::cat(vec![probabilities(logits).reshape([classes]), tokens.reshape([rows * cols * channels])], 0);
        let values = read_f32_async(packed).await?;
        let (probabilities, tokens) = values.split_at(classes);
        let predictions = top_k(probabilities, classes, k, &self.profile.classes).swap_remove(0);
        let tokens = TokenMap { rows, cols, channels, values: tokens.to_vec() };
        let map = ClassMap::new(&tokens, &self.head);
        Ok(RegionClasses { size, predictions, map, labels: self.profile.classes.clone() })
    }
}

#[cfg(test)]
mod tests {
    use futures_lite::future::block_on;

    use super::*;
    use crate::engine::tests::engine;

    fn photo() -> RgbImage {
        RgbImage::from_fn(120, 90, |x, y| image::Rgb([(x * 2) as u8, (y * 3) as u8, ((x * y) % 251) as u8]))
    }

    /// At the training size the map's shares are the panel's class
    /// activations, token for token.
    #[test]
    fn at_the_training_size_the_shares_are_the_class_activations() {
        for name in ["s2mlpv2_compact", "asmlp_compact"] {
            let engine = engine(name);
            let image = engine.prepare(&photo());
            let analysis = block_on(engine.analyse(&image, 3)).unwrap();
            let regions = block_on(engine.region_classes_of(&image, 3)).unwrap();
            assert_eq!(regions.predictions, analysis.predictions, "{name}");
            for cam in &analysis.activations {
                assert_eq!((regions.map.rows, regions.map.cols), (cam.rows, cam.cols));
                for (t, contribution) in cam.contributions.iter().enumerate() {
                    let share = regions.map.share(t, cam.class);
                    assert!((share - contribution).abs() <= 1e-6, "{name} token {t}: {share} vs {contribution}");
                }
            }
        }
    }

    #[test]
    fn shift_models_map_a_larger_input_and_mixer_says_why_it_cannot() {
        for name in ["s2mlpv2_compact", "asmlp_compact"] {
            let engine = engine(name);
            let trained = block_on(engine.region_classes(&photo(), 32, 1)).unwrap().map.rows;
            let larger = block_on(engine.region_classes(&photo(), 96, 5)).unwrap();
            assert_eq!((larger.size, larger.map.rows, larger.map.cols), (96, 3 * trained, 3 * trained), "{name}");
            assert_eq!(larger.map.class.len(), larger.map.rows * larger.map.cols);
            assert!(larger.map.confidence.iter().all(|c| (0.0..=1.0).contains(c)));
            assert_eq!(larger.predictions.len(), 5);
        }
        let refused = block_on(engine("mixer_compact").region_classes(&photo(), 64, 1)).unwrap_err();
        assert!(matches!(refused, Error::Unsupported(_)), "{refused}");
        assert!(refused.to_string().contains("sized to 64 tokens"), "{refused}");
        let odd = block_on(engine("asmlp_compact").region_classes(&photo(), 42, 1)).unwrap_err();
        assert!(odd.to_string().contains("42 px"), "{odd}");
    }
}
