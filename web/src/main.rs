//! Entry point of the browser app. The same module runs twice: in the page
//! (a panic hook that shows the message, then the yew app or the bench
//! page) and in the engine's Web Worker (no window: the request loop of
//! `worker.rs`). Natively only the page's state builds, for its tests.

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod bench;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod controls;
#[cfg(target_arch = "wasm32")]
mod device;
#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(target_arch = "wasm32")]
mod hooks;
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
mod image_input;
// Natively, only the reducer's tests use the page's state.
#[cfg(target_arch = "wasm32")]
mod papers;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod state;
#[cfg(target_arch = "wasm32")]
mod view;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod views_state;
#[cfg(target_arch = "wasm32")]
mod viz;
#[cfg(target_arch = "wasm32")]
mod webcam;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod words;
#[cfg(target_arch = "wasm32")]
mod worker;

// wasm-ld links this binary as a "command". When nothing in the module
// calls the static constructors explicitly, it wraps every export in a call
// to them — and burn's kernel registries register hundreds through
// `inventory`, so each call from JavaScript into wasm (events, promise
// resolutions, animation frames) re-ran them, costing tens of milliseconds.
// One explicit call at start-up makes wasm-ld leave the exports alone.
#[cfg(target_arch = "wasm32")]
extern "C" {
    fn __wasm_call_ctors();
}

/// Shows an internal error in the page's panic element (outside the app,
/// so it survives the app).
#[cfg(target_arch = "wasm32")]
pub fn show_panic(message: &str) {
    web_sys::console::error_1(&message.into());
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("panic")) {
        el.set_text_content(Some(message));
        let _ = el.set_attribute("role", "alert");
        let _ = el.set_attribute("class", "panic");
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // SAFETY: wasm-ld's synthetic constructor runner, called once before
    // anything else runs (see above).
    unsafe { __wasm_call_ctors() };
    if worker::in_worker() {
        return worker::serve();
    }
    std::panic::set_hook(Box::new(|info| {
        show_panic(&format!("shiftscope hit an internal error and stopped ({info}). Reload the page to start again."))
    }));
    // The app gets its own root, so the panic message element survives;
    // `?bench` opens the bench page instead.
    let bench = web_sys::window().and_then(|w| w.location().search().ok()).is_some_and(|q| q.starts_with("?bench"));
    let root = gloo::utils::document().get_element_by_id("app").unwrap_or_else(|| gloo::utils::body().into());
    if bench {
        yew::Renderer::<bench::BenchPage>::with_root(root).render();
    } else {
        yew::Renderer::<app::App>::with_root(root).render();
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("shiftscope-web runs in a browser: build it with `trunk build` (see DEVELOPERS.md)");
}
