//! The inference side of the page: which device runs (WebGPU when the
//! browser has an adapter, else burn's CPU backend in wasm), loading shipped
//! or visitor-supplied weights, and classifying pixels.

use std::cell::Cell;
use std::rc::Rc;

use shiftscope::card::ModelCard;
use shiftscope::engine::protocol::Failure;
use shiftscope::engine::Engine;
use shiftscope::models::{registry, ModelConfig};
use shiftscope::preprocess::Prepared;
use shiftscope::weights::read_config;
use shiftscope::Device;

use crate::fetch::{fetch_fresh, fetch_verified};

pub use shiftscope::engine::protocol::Backend;
pub use shiftscope::models::registry::SHIPPED;

/// WebGPU if an adapter can be had, else `Device::flex()`.
pub async fn init_device() -> (Device, Backend) {
    let has_gpu = web_sys::window()
        .map(|w| js_sys::Reflect::get(&w.navigator(), &"gpu".into()).map(|g| !g.is_undefined()).unwrap_or(false))
        .unwrap_or(false);
    if !has_gpu {
        return (Device::flex(), Backend::Cpu("this browser has no WebGPU".into()));
    }
    match Device::wgpu_options().init_async().await {
        Ok(device) => (device, Backend::WebGpu),
        Err(e) => {
            let reason = e.to_string();
            web_sys::console::warn_1(&format!("WebGPU could not start: {reason}").into());
            let why = if reason.contains("No suitable graphics adapter") || reason.contains("No adapter") {
                "WebGPU offers no GPU adapter here".to_string()
            } else {
                format!("WebGPU could not start ({reason})")
            };
            (Device::flex(), Backend::Cpu(why))
        }
    }
}

/// Weights as bytes plus what is needed to rebuild them on another device
/// (after a WebGPU device loss).
#[derive(Clone)]
pub struct Weights {
    /// Display name (card name or file name).
    pub name: String,
    /// The file's bytes.
    pub bytes: Rc<Vec<u8>>,
    /// The config when the file does not carry one.
    pub config: Option<ModelConfig>,
    /// The model card, for shipped weights.
    pub card: Option<ModelCard>,
}

impl Weights {
    /// The engine of these weights on `device` (its head read back).
    pub async fn load(&self, device: &Device) -> Result<Rc<Engine>, Failure> {
        let engine = Engine::from_bytes(self.bytes.to_vec(), &self.name, self.config.as_ref(), device).await;
        engine.map(Rc::new).map_err(|e| Failure::from(&e))
    }
}

/// The card of a shipped model.
pub async fn shipped_card(name: &str) -> Result<ModelCard, String> {
    let bytes = fetch_fresh(&format!("assets/{name}.json")).await?;
    serde_json::from_slice(&bytes).map_err(|e| format!("assets/{name}.json is not a model card: {e}"))
}

/// Downloads (or reads from the cache) the checked weights of a card.
pub async fn shipped_weights(card: &ModelCard, progress: impl FnMut(f64, f64)) -> Result<Weights, String> {
    let bytes = fetch_verified(&format!("assets/{}", card.file), &card.weights_sha256, progress).await?;
    Ok(Weights { name: card.name.clone(), bytes: Rc::new(bytes), config: None, card: Some(card.clone()) })
}

/// Weights the visitor dropped: burnpack files carry their config;
/// safetensors need `variant` (a registry name).
pub fn user_weights(file_name: &str, bytes: Vec<u8>, variant: &str) -> Result<Weights, String> {
    let embedded = read_config(&bytes).map_err(|e| e.to_string())?;
    let config = match embedded {
        Some(_) => None,
        None => Some(registry::find(variant).map_err(|e| e.to_string())?),
    };
    Ok(Weights { name: file_name.to_string(), bytes: Rc::new(bytes), config, card: None })
}

/// One image as the model saw it, with everything the panel draws.
pub struct Analysis {
    /// Tells images apart (views compare analyses by it).
    pub id: u64,
    /// The model's name.
    pub model: String,
    /// Its configuration.
    pub config: ModelConfig,
    /// The model's input and the crop it came from (fields are measured on it).
    pub image: Prepared,
    /// The crop as RGBA pixels, `image_size²` (what the overlays are drawn on).
    pub rgba: Vec<u8>,
    /// Top classes, split-attention, class activations, shift maps.
    pub result: shiftscope::engine::Analysis,
}

impl PartialEq for Analysis {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Analysis {} of {}", self.id, self.model)
    }
}

thread_local! {
    static NEXT_ANALYSIS: Cell<u64> = const { Cell::new(1) };
}

/// The top-5 and the panel's data of a prepared image, in one forward pass
/// and one readback.
pub async fn analyse(engine: &Engine, model: &str, image: Prepared) -> Result<Analysis, Failure> {
    let result = engine.analyse(&image, 5).await.map_err(|e| Failure::from(&e))?;
    let id = NEXT_ANALYSIS.with(|n| n.replace(n.get() + 1));
    let rgba = result.rgba();
    Ok(Analysis { id, model: model.to_string(), config: engine.config().clone(), image, rgba, result })
}

/// Milliseconds since the page opened.
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}
