//! Device choice (WebGPU when the browser has an adapter, else the
//! pure-Rust CPU backend), weight download with sha256 check, inference.

use shiftscope::card::{sha256_hex, ModelCard};
use shiftscope::classifier::Classifier;
use shiftscope::Device;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Which backend runs the model, and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// WebGPU on the visitor's GPU.
    WebGpu,
    /// burn's CPU backend in wasm, with the reason WebGPU is not used.
    Cpu(String),
}

impl Backend {
    /// A short label for the page.
    pub fn describe(&self) -> String {
        match self {
            Backend::WebGpu => "WebGPU".into(),
            Backend::Cpu(why) => format!("CPU (wasm) — {why}"),
        }
    }
}

/// WebGPU if an adapter can be had, else `Device::flex()`.
pub async fn init_device() -> (Device, Backend) {
    let has_gpu = web_sys::window()
        .map(|w| js_sys::Reflect::has(&w.navigator(), &"gpu".into()).unwrap_or(false))
        .unwrap_or(false);
    if !has_gpu {
        return (Device::flex(), Backend::Cpu("this browser has no WebGPU".into()));
    }
    match Device::wgpu_options().init_async().await {
        Ok(device) => (device, Backend::WebGpu),
        Err(e) => (Device::flex(), Backend::Cpu(format!("WebGPU could not start ({e})"))),
    }
}

/// GETs `url` (relative to the page) as bytes.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| format!("{url}: {e:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| format!("{url}: not a response"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| format!("{url}: {e:?}"))?)
        .await
        .map_err(|e| format!("{url}: {e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The card and checked weights of a shipped model.
pub async fn load_shipped(name: &str, device: &Device) -> Result<(ModelCard, Classifier), String> {
    let card_bytes = fetch_bytes(&format!("assets/{name}.json")).await?;
    let card: ModelCard = serde_json::from_slice(&card_bytes).map_err(|e| format!("{name}.json: {e}"))?;
    let bytes = fetch_bytes(&format!("assets/{}", card.file)).await?;
    if sha256_hex(&bytes) != card.weights_sha256 {
        return Err(format!("{}: the download does not match its sha256", card.file));
    }
    let classifier = Classifier::from_bytes(bytes, &card.file, None, device).map_err(|e| e.to_string())?;
    Ok((card, classifier))
}
