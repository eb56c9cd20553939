//! Entry point of the browser app: a panic hook that shows the message in
//! the page, then the yew app.

mod app;
mod bench;
mod controls;
mod engine;
mod fetch;
mod image_input;
mod runtime;
mod state;
mod view;
mod viz;
mod webcam;

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

fn main() {
    // SAFETY: wasm-ld's synthetic constructor runner, called once before
    // anything else runs (see above).
    #[cfg(target_arch = "wasm32")]
    unsafe {
        __wasm_call_ctors()
    };
    std::panic::set_hook(Box::new(|info| {
        let message = format!("shiftscope hit an internal error and stopped ({info}). Reload the page to start again.");
        web_sys::console::error_1(&message.clone().into());
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("panic")) {
            el.set_text_content(Some(&message));
            let _ = el.set_attribute("role", "alert");
            let _ = el.set_attribute("class", "panic");
        }
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
