//! The Web Worker: the page's own wasm module, started in a module worker
//! by `www/worker.js`, where `main` sees no window and calls [`serve`]. It
//! runs the [`Host`] and speaks the protocol of
//! [`shiftscope::engine::protocol`]: each message is `[json, bytes?]`, the
//! bytes (pixels or weights) transferred, not copied.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use shiftscope::engine::protocol::{decode, encode, Reply, Request};
use wasm_bindgen::prelude::{wasm_bindgen, Closure};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::host::Host;

thread_local! {
    /// The worker's host once it has started (read by [`engine_allocator`]).
    static HOST: RefCell<Option<Rc<Host>>> = const { RefCell::new(None) };
}

/// What the engine's allocator holds now, for the soak (`web/e2e/soak.mjs`,
/// through `www/worker.js`): `[allocations, bytes in use, bytes reserved]`,
/// or `undefined` outside the worker, before it started, or on a device that
/// reports nothing (the CPU).
#[wasm_bindgen(js_name = engineAllocator)]
pub fn engine_allocator() -> JsValue {
    let figures = HOST.with_borrow(|host| host.as_ref().and_then(|h| h.allocator()));
    figures.map_or(JsValue::UNDEFINED, |f| f.iter().map(|&n| JsValue::from_f64(n as f64)).collect::<Array>().into())
}

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
        HOST.set(Some(host.clone()));
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
