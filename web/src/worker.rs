//! The Web Worker: the page's own wasm module, started in a module worker
//! by `www/worker.js`, where `main` sees no window and calls [`serve`]. It
//! runs the [`Host`] and speaks the protocol of
//! [`shiftscope::engine::protocol`]: each message is `[json, bytes?]`, the
//! bytes (pixels or weights) transferred, not copied.

use js_sys::{Array, Uint8Array};
use shiftscope::engine::protocol::{decode, encode, Reply, Request};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::host::Host;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(reply: &Reply) {
    let _ = scope().post_message(&JsValue::from_str(&encode(reply)));
}

/// Whether this code runs in a worker (there is no window).
pub fn in_worker() -> bool {
    web_sys::window().is_none()
}

/// A page → worker message: the request and the bytes beside it.
pub fn read_request(data: &JsValue) -> Result<(Request, Vec<u8>), String> {
    let parts: Array = data.clone().dyn_into().map_err(|_| "a message that is not [json, bytes]".to_string())?;
    let request = decode::<Request>(&parts.get(0).as_string().ok_or("a message without its JSON")?)?;
    let bytes = parts.get(1).dyn_into::<Uint8Array>().map(|b| b.to_vec()).unwrap_or_default();
    Ok((request, bytes))
}

/// Answers the page's requests until the worker is closed; a panic is
/// reported as [`Reply::Crashed`].
pub fn serve() {
    std::panic::set_hook(Box::new(|info| post(&Reply::Crashed { message: info.to_string() })));
    spawn_local(async {
        let host = Host::start(|reply| post(&reply)).await;
        // Installed in the same task that says `Started` (below): the page
        // sends nothing before that, so no message can arrive unheard.
        post(&Reply::Started { backend: host.backend() });
        let on_message =
            Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| match read_request(&event.data()) {
                Ok((request, bytes)) => host.handle(request, bytes),
                Err(e) => web_sys::console::error_1(&format!("worker: {e}").into()),
            });
        scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
    });
}
