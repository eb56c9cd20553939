//! The device the engine runs on, chosen where the engine runs (the worker
//! or the page): WebGPU when the browser offers an adapter there, else
//! burn's CPU backend in wasm; and a millisecond clock for either scope.

use js_sys::Reflect;
use shiftscope::engine::protocol::Backend;
use shiftscope::Device;
use wasm_bindgen::{JsCast, JsValue};

/// `globalThis.navigator.gpu` (a worker has one too), if any.
fn has_webgpu() -> bool {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    !navigator.is_undefined() && Reflect::get(&navigator, &"gpu".into()).is_ok_and(|gpu| !gpu.is_undefined())
}

/// Whether WebGPU is wanted even on a software adapter: `?webgpu` in the
/// page's address (boot.js sets `shiftscopeWebgpu` in the page and hands it
/// to the worker; the browser tests set it to test the WebGPU path).
fn webgpu_wanted_anyway() -> bool {
    Reflect::get(&js_sys::global(), &"shiftscopeWebgpu".into()).is_ok_and(|v| v.is_truthy())
}

/// A property of `value` as a string, if it is one.
fn text(value: &JsValue, key: &str) -> Option<String> {
    Reflect::get(value, &key.into()).ok()?.as_string().filter(|s| !s.is_empty())
}

/// Why the CPU path beats the adapter WebGPU would hand out: none at all
/// (a browser started with WebGPU disabled still has `navigator.gpu`), or
/// a software one (`isFallbackAdapter`, or its info naming SwiftShader).
/// `None` for a GPU, or when the adapter cannot be asked for.
async fn cpu_instead(webgpu_anyway: bool) -> Option<String> {
    let gpu = Reflect::get(&Reflect::get(&js_sys::global(), &"navigator".into()).ok()?, &"gpu".into()).ok()?;
    let request: js_sys::Function = Reflect::get(&gpu, &"requestAdapter".into()).ok()?.dyn_into().ok()?;
    let promise: js_sys::Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    if !adapter.is_object() {
        return Some("WebGPU offers no GPU adapter here".into());
    }
    if webgpu_anyway {
        return None;
    }
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let flag = |of: &JsValue| Reflect::get(of, &"isFallbackAdapter".into()).ok().and_then(|f| f.as_bool());
    let fallback = flag(&info).or_else(|| flag(&adapter)).unwrap_or(false);
    let words: Vec<String> =
        ["description", "vendor", "architecture", "device"].iter().filter_map(|k| text(&info, k)).collect();
    let named = words.join(" ");
    let swiftshader = named.to_lowercase().contains("swiftshader");
    let name = match (swiftshader, words.first()) {
        (true, _) => "SwiftShader".to_string(),
        (false, Some(name)) => name.clone(),
        (false, None) => "a fallback adapter".to_string(),
    };
    (fallback || swiftshader).then(|| {
        format!("WebGPU here runs on a software adapter ({name}), about 9× slower than this path; add ?webgpu to the address to use it anyway")
    })
}

/// The device the engine runs on — the one place it is chosen. `wanted`
/// is `Some("cpu")` or `Some("webgpu")` where a caller insists (the bench
/// page's `?device=`), else the best: WebGPU if a GPU adapter can be had,
/// else `Device::flex()`, with the reason. A software adapter loses to the
/// CPU path (measured here: 9.9 s against 1.0 s to a first prediction)
/// unless asked for anyway (`?webgpu`, or `wanted` WebGPU). WebGPU asked
/// for and not available is an error.
pub async fn init_device(wanted: Option<&str>) -> Result<(Device, Backend), String> {
    let chosen = match wanted {
        Some("cpu") => (Device::flex(), Backend::Cpu("asked for".into())),
        _ => best_device(wanted == Some("webgpu") || webgpu_wanted_anyway()).await,
    };
    if wanted == Some("webgpu") && chosen.1 != Backend::WebGpu {
        return Err(format!("WebGPU was asked for but is not available: {}", chosen.1.describe()));
    }
    Ok(chosen)
}

async fn best_device(webgpu_anyway: bool) -> (Device, Backend) {
    if !has_webgpu() {
        return (Device::flex(), Backend::Cpu("this browser has no WebGPU".into()));
    }
    if let Some(why) = cpu_instead(webgpu_anyway).await {
        return (Device::flex(), Backend::Cpu(why));
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

/// Milliseconds since this scope (page or worker) started.
pub fn now_ms() -> f64 {
    Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map(|p| p.now())
        .unwrap_or(0.0)
}
