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

/// WebGPU if an adapter can be had, else `Device::flex()`, with the reason.
pub async fn init_device() -> (Device, Backend) {
    if !has_webgpu() {
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

/// Milliseconds since this scope (page or worker) started.
pub fn now_ms() -> f64 {
    Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map(|p| p.now())
        .unwrap_or(0.0)
}
