//! The one inference path of shiftscope: a model on a device that turns an
//! image into its ranked classes and everything the panel draws. The CLI's
//! `predict`, the browser's worker and the bench page all go through
//! [`Engine`]; results are read back asynchronously, as WebGPU requires
//! (native callers block on the futures).

mod analysis;
pub mod catalogue;
mod class_map;
pub mod gradient;
pub mod inspection;
pub mod protocol;
mod shuffle;

use burn::tensor::{Device, Tensor, TensorData};
use image::RgbImage;

pub use analysis::Analysis;
pub use class_map::RegionClasses;
pub use shuffle::Shuffled;

use crate::error::{Error, Result};
use crate::models::{Model, ModelConfig};
use crate::predict::{probabilities, read_f32_async, top_k};
use crate::preprocess::{prepare_rgba, CropBox, Prepared, Preprocess};
use crate::viz::{class_activation, HeadWeights, PixelMap};
use crate::weights::{load_model_from_bytes, read_stored, LoadedModel};
/// What the engine is built from: an architecture with its weights'
/// profile (the weights layer's types, so that callers above the engine
/// need no other layer).
pub use crate::weights::{Profile, Spec};
pub use gradient::token_gradient;
pub use inspection::BlockShiftMaps;
use inspection::{head_weights_async, inspect_async};

/// What a visitor's weight file needs besides its bytes: nothing when it
/// carries its own config, else the registry variant they picked (with its
/// default profile).
pub fn requested_for(bytes: &[u8], variant: &str) -> Result<Option<Spec>> {
    match read_stored(bytes)?.config {
        Some(_) => Ok(None),
        None => Spec::variant(variant).map(Some),
    }
}

/// A loaded model with its configuration, its weights' profile (class
/// names, preprocessing) and its linear head.
pub struct Engine {
    model: Model,
    config: ModelConfig,
    profile: Profile,
    head: HeadWeights,
    device: Device,
}

impl Engine {
    /// Wraps a model on `device` whose weights `profile` describes (reads
    /// its head back, once).
    pub async fn new(model: Model, config: ModelConfig, profile: Profile, device: &Device) -> Result<Self> {
        profile.check(&config)?;
        let head = head_weights_async(&model).await?;
        Ok(Self { model, config, profile, head, device: device.clone() })
    }

    /// Wraps a model read from a file or from bytes.
    pub async fn loaded(loaded: LoadedModel, device: &Device) -> Result<Self> {
        Self::new(loaded.model, loaded.config, loaded.profile, device).await
    }

    /// Loads weights from memory (burnpack, safetensors or PyTorch; see
    /// [`load_model_from_bytes`]); `label` names them in errors,
    /// `requested` is needed when the file carries no config. Returns the
    /// engine and the note naming the file's entries that hold no weights
    /// (a training checkpoint's optimizer state), if any.
    pub async fn from_bytes(
        bytes: Vec<u8>,
        label: &str,
        requested: Option<&Spec>,
        device: &Device,
    ) -> Result<(Self, Option<String>)> {
        let loaded = load_model_from_bytes(bytes, label, requested, device)?;
        let note = loaded.note();
        Ok((Self::loaded(loaded, device).await?, note))
    }

    /// The network.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Its configuration.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The device it runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// What its weights expect and mean.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// How images become its input.
    pub fn preprocess(&self) -> Preprocess {
        self.profile.preprocess.clone()
    }

    /// The input of a decoded image.
    pub fn prepare(&self, image: &RgbImage) -> Prepared {
        self.preprocess().prepare(image)
    }

    /// The input of RGBA pixels (`width × height × 4` bytes, as a canvas
    /// hands them out); a buffer of the wrong size is an [`Error::Image`].
    pub fn prepare_rgba(&self, rgba: Vec<u8>, width: u32, height: u32) -> Result<Prepared> {
        prepare_rgba(rgba, width, height, &self.preprocess())
    }

    /// Runs one analysis of a grey image so that a GPU compiles its
    /// pipelines before the visitor's first image.
    pub async fn warm_up(&self) -> Result<()> {
        let side = self.config.image_size;
        let grey = Prepared {
            side,
            chw: vec![0.0; 3 * side * side],
            rgb: vec![128; 3 * side * side],
            crop: CropBox::whole(side),
        };
        self.analyse(&grey, 1).await.map(|_| ())
    }

    /// The `k` most probable classes of `image` and what the panel shows
    /// for it, from one forward pass and one readback.
    pub async fn analyse(&self, image: &Prepared, k: usize) -> Result<Analysis> {
        let inspection = inspect_async(&self.model, &self.config, self.input(image)?).await?;
        let predictions =
            top_k(&inspection.probabilities, self.config.num_classes, k, &self.profile.classes).swap_remove(0);
        let activations =
            predictions.iter().map(|p| class_activation(&inspection.head_tokens, &self.head, p.class)).collect();
        Ok(Analysis {
            side: image.side,
            rgb: image.rgb.clone(),
            crop: image.crop,
            probabilities: inspection.probabilities,
            predictions,
            attention: inspection.attention,
            activations,
            shifts: inspection.shifts,
        })
    }

    /// The measured (effective) receptive field of `token` at `depth` on
    /// `image`: see [`token_gradient`].
    pub async fn measure_field(&self, image: &Prepared, depth: usize, token: (usize, usize)) -> Result<PixelMap> {
        let values = read_f32_async(token_gradient(&self.model, self.input(image)?, depth, token)).await?;
        Ok(PixelMap { side: image.side, values: values.into_iter().map(f64::from).collect() })
    }

    /// The logits of a batch, read back: the unit the benchmarks time.
    pub async fn logits(&self, input: Tensor<4>) -> Result<Vec<f32>> {
        read_f32_async(self.model.forward(input)).await
    }

    /// The top class of each image of a `(B, 3, S, S)` batch and its
    /// probability, read back once (what evaluation tallies).
    pub async fn top_classes(&self, input: Tensor<4>) -> Result<Vec<(usize, f32)>> {
        let (top, class) = probabilities(self.model.forward(input)).max_dim_with_indices(1);
        let both = Tensor::cat(vec![top, class.float()], 1);
        let values = read_f32_async(both).await?;
        Ok(values.chunks_exact(2).map(|pair| (pair[1] as usize, pair[0])).collect())
    }

    /// The `(1, 3, S, S)` tensor of a prepared image.
    fn input(&self, image: &Prepared) -> Result<Tensor<4>> {
        let side = self.config.image_size;
        if image.side != side || image.chw.len() != 3 * side * side {
            return Err(Error::Image {
                path: "input".into(),
                reason: format!("prepared for {}×{} pixels, the model takes {side}×{side}", image.side, image.side),
            });
        }
        Ok(Tensor::from_data(TensorData::new(image.chw.clone(), [1, 3, side, side]), &self.device))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use futures_lite::future::block_on;

    use super::*;
    use crate::predict::{probabilities, to_f32_vec};
    use crate::weights::{to_burnpack_bytes, StorageDType};

    /// A freshly initialised `name` on the CPU, loaded as the page loads it.
    pub(crate) fn engine(name: &str) -> Engine {
        let device = Device::flex();
        let spec = Spec::variant(name).unwrap();
        let model = spec.config.init(&device).unwrap();
        let bytes = to_burnpack_bytes(&model, &spec.config, &spec.profile, StorageDType::F32).unwrap();
        block_on(Engine::from_bytes(bytes, name, None, &device)).unwrap().0
    }

    #[test]
    fn analyses_rgba_pixels_like_a_plain_forward() {
        let engine = engine("mixer_compact");
        let rgba: Vec<u8> = (0..40 * 30 * 4).map(|i| (i * 7 % 251) as u8).collect();
        let image = engine.prepare_rgba(rgba.clone(), 40, 30).unwrap();
        let analysis = block_on(engine.analyse(&image, 5)).unwrap();
        let top = &analysis.predictions;
        assert_eq!(top.len(), 5);
        assert!(top.windows(2).all(|w| w[0].probability >= w[1].probability));
        assert_eq!(top[0].label, crate::labels::CIFAR10[top[0].class]);
        let plain = to_f32_vec(probabilities(engine.model.forward(engine.input(&image).unwrap())));
        assert!((plain[top[0].class] - top[0].probability).abs() < 1e-6);
        assert_eq!(analysis.rgb, image.rgb);
        assert!(engine.prepare_rgba(rgba, 41, 30).is_err(), "a short pixel buffer must be refused");
    }

    #[test]
    fn class_activations_follow_the_predictions_and_add_up_to_their_logits() {
        let engine = engine("s2mlpv2_compact");
        let rgb = RgbImage::from_fn(50, 32, |x, y| image::Rgb([(x * 5) as u8, (y * 7) as u8, ((x + y) * 3) as u8]));
        let image = engine.prepare(&rgb);
        let analysis = block_on(engine.analyse(&image, 3)).unwrap();
        let logits = block_on(engine.logits(engine.input(&image).unwrap())).unwrap();
        assert_eq!(analysis.activations.len(), 3);
        for (p, cam) in analysis.predictions.iter().zip(&analysis.activations) {
            assert_eq!(p.class, cam.class);
            assert!((cam.logit() - logits[p.class]).abs() < 1e-4 * (1.0 + logits[p.class].abs()));
        }
        assert!(block_on(engine.warm_up()).is_ok());
    }

    #[test]
    fn a_field_is_measured_on_the_image_and_a_wrong_size_is_refused() {
        let engine = engine("s2mlpv2_compact");
        let rgb = RgbImage::from_fn(32, 32, |x, y| image::Rgb([(x * 8) as u8, (y * 8) as u8, 90]));
        let image = engine.prepare(&rgb);
        let field = block_on(engine.measure_field(&image, 0, (3, 4))).unwrap();
        assert_eq!(field.side, 32);
        assert!(field.support_size() > 0 && field.support_size() < 32 * 32, "{}", field.support_size());
        let small = Prepared { side: 16, chw: vec![0.0; 3 * 256], rgb: vec![0; 3 * 256], crop: CropBox::whole(16) };
        assert!(matches!(block_on(engine.analyse(&small, 1)), Err(Error::Image { .. })));
    }
}
