//! A loaded model that turns images into ranked, named predictions: the one
//! path the CLI and the browser share (the browser reads results back
//! asynchronously, as WebGPU requires).

use burn::tensor::{Device, Tensor, TensorData};

use crate::error::Result;
use crate::labels;
use crate::models::{Model, ModelConfig};
use crate::predict::{probabilities, read_f32_async, top_k, Prediction};
use crate::preprocess::{prepare_rgba, Preprocess};
use crate::weights::{load_model_from_bytes, LoadedModel};

/// A model on a device with its config and class names.
pub struct Classifier {
    /// The network.
    pub model: Model,
    /// Its configuration.
    pub config: ModelConfig,
    /// Class names in head order.
    pub labels: Vec<String>,
    device: Device,
}

impl Classifier {
    /// Wraps a loaded model.
    pub fn new(loaded: LoadedModel, device: &Device) -> Self {
        let labels = labels::for_head(loaded.config.num_classes);
        Self { model: loaded.model, config: loaded.config, labels, device: device.clone() }
    }

    /// Loads weights from memory (burnpack or safetensors).
    pub fn from_bytes(bytes: Vec<u8>, label: &str, config: Option<&ModelConfig>, device: &Device) -> Result<Self> {
        Ok(Self::new(load_model_from_bytes(bytes, label, config, device)?, device))
    }

    /// The preprocessing of the model's inputs.
    pub fn preprocess(&self) -> Preprocess {
        self.config.preprocess()
    }

    /// The `(1, 3, S, S)` input of an RGBA image (`width × height × 4`
    /// bytes, as a canvas hands them out).
    pub fn rgba_input(&self, rgba: Vec<u8>, width: u32, height: u32) -> Result<Tensor<4>> {
        Ok(self.chw_input(prepare_rgba(rgba, width, height, &self.preprocess())?))
    }

    /// The `(1, 3, S, S)` input of an image already prepared by
    /// [`prepare_rgba`] with this model's preprocessing.
    pub fn chw_input(&self, chw: Vec<f32>) -> Tensor<4> {
        let side = self.config.image_size;
        Tensor::from_data(TensorData::new(chw, [1, 3, side, side]), &self.device)
    }

    /// Class probabilities of a batch, read back asynchronously (the only
    /// readback WebGPU allows in the browser).
    pub async fn probabilities_async(&self, input: Tensor<4>) -> Result<Vec<f32>> {
        read_f32_async(probabilities(self.model.forward(input))).await
    }

    /// The `k` most probable classes of the first image of `input`.
    pub async fn top_k_async(&self, input: Tensor<4>, k: usize) -> Result<Vec<Prediction>> {
        let probs = self.probabilities_async(input).await?;
        Ok(top_k(&probs, self.config.num_classes, k, &self.labels).swap_remove(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::registry;
    use crate::weights::{to_burnpack_bytes, StorageDType};

    #[test]
    fn classifies_rgba_pixels_like_the_sync_path() {
        let device = Device::flex();
        let config = registry::find("mixer_compact").unwrap();
        let model = config.init(&device).unwrap();
        let bytes = to_burnpack_bytes(&model, &config, StorageDType::F32).unwrap();
        let classifier = Classifier::from_bytes(bytes, "mixer", None, &device).unwrap();
        let rgba: Vec<u8> = (0..40 * 30 * 4).map(|i| (i * 7 % 251) as u8).collect();
        let input = classifier.rgba_input(rgba.clone(), 40, 30).unwrap();
        let top = futures_lite::future::block_on(classifier.top_k_async(input.clone(), 5)).unwrap();
        assert_eq!(top.len(), 5);
        assert!(top.windows(2).all(|w| w[0].probability >= w[1].probability));
        assert_eq!(top[0].label, labels::CIFAR10[top[0].class]);
        let sync = crate::predict::to_f32_vec(probabilities(classifier.model.forward(input)));
        assert!((sync[top[0].class] - top[0].probability).abs() < 1e-7);
        assert!((sync.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(classifier.rgba_input(rgba, 41, 30).is_err(), "a short pixel buffer must be refused");
    }
}
