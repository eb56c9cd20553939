//! Same-origin downloads: bytes with progress, and the Cache API so that a
//! second visit loads the weights without the network.

use js_sys::{Reflect, Uint8Array};
use shiftscope::card::{sha256_hex, ModelCard};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Name of the Cache API store holding weights and cards.
const CACHE_NAME: &str = "shiftscope-v1";

fn describe(value: JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

async fn promise<T: JsCast>(promise: js_sys::Promise, what: &str) -> Result<T, String> {
    let value = JsFuture::from(promise).await.map_err(|e| format!("{what}: {}", describe(e)))?;
    value.dyn_into::<T>().map_err(|_| format!("{what}: unexpected result"))
}

/// The page's window or the worker's scope: both fetch and cache.
enum Scope {
    Window(web_sys::Window),
    Worker(web_sys::WorkerGlobalScope),
}

fn scope() -> Scope {
    match web_sys::window() {
        Some(window) => Scope::Window(window),
        None => Scope::Worker(js_sys::global().unchecked_into()),
    }
}

async fn open_cache() -> Option<web_sys::Cache> {
    // The Cache API exists only in secure contexts (https, localhost).
    let caches = match scope() {
        Scope::Window(window) => window.caches().ok()?,
        Scope::Worker(worker) => worker.caches().ok()?,
    };
    promise::<web_sys::Cache>(caches.open(CACHE_NAME), "cache").await.ok()
}

/// GETs `url` (relative to the page); an HTTP error status is an error.
async fn get(url: &str) -> Result<web_sys::Response, String> {
    let request = match scope() {
        Scope::Window(window) => window.fetch_with_str(url),
        Scope::Worker(worker) => worker.fetch_with_str(url),
    };
    let response: web_sys::Response = promise(request, url).await?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {} {}", response.status(), response.status_text()));
    }
    Ok(response)
}

/// GETs `url` (relative to the page), reporting `(received, total)` bytes
/// as they arrive (`total` is 0 when the server does not say).
pub async fn fetch_bytes(url: &str, mut progress: impl FnMut(f64, f64)) -> Result<Vec<u8>, String> {
    let response = get(url).await?;
    let total =
        response.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let Some(body) = response.body() else { return Ok(vec![]) };
    let reader: web_sys::ReadableStreamDefaultReader =
        body.get_reader().dyn_into().map_err(|_| format!("{url}: no stream reader"))?;
    let mut bytes = Vec::with_capacity(total as usize);
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| format!("{url}: {}", describe(e)))?;
        if Reflect::get(&chunk, &"done".into()).map(|d| d.is_truthy()).unwrap_or(true) {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(|_| format!("{url}: bad chunk"))?;
        bytes.extend_from_slice(&Uint8Array::new(&value).to_vec());
        progress(bytes.len() as f64, total);
    }
    Ok(bytes)
}

async fn cached(cache: &web_sys::Cache, url: &str) -> Option<Vec<u8>> {
    let hit = JsFuture::from(cache.match_with_str(url)).await.ok()?;
    let response: web_sys::Response = hit.dyn_into().ok()?;
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}

async fn store(cache: &web_sys::Cache, url: &str, bytes: &[u8]) {
    let array = Uint8Array::from(bytes);
    if let Ok(response) = web_sys::Response::new_with_opt_buffer_source(Some(&array)) {
        let _ = JsFuture::from(cache.put_with_str(url, &response)).await;
    }
}

/// The bytes at `url` whose SHA-256 must be `sha256`: from the cache when it
/// holds a matching copy, else downloaded (with progress), checked and
/// cached.
pub async fn fetch_verified(url: &str, sha256: &str, progress: impl FnMut(f64, f64)) -> Result<Vec<u8>, String> {
    let cache = open_cache().await;
    if let Some(cache) = &cache {
        if let Some(bytes) = cached(cache, url).await {
            if sha256_hex(&bytes) == sha256 {
                return Ok(bytes);
            }
            let _ = JsFuture::from(cache.delete_with_str(url)).await;
        }
    }
    let bytes = fetch_bytes(url, progress).await?;
    if sha256_hex(&bytes) != sha256 {
        return Err(format!("{url}: the download does not match the sha256 on its model card"));
    }
    if let Some(cache) = &cache {
        store(cache, url, &bytes).await;
    }
    Ok(bytes)
}

/// The bytes at `url` from the network, or from the cache when offline;
/// successful downloads refresh the cache.
pub async fn fetch_fresh(url: &str) -> Result<Vec<u8>, String> {
    let cache = open_cache().await;
    match fetch_bytes(url, |_, _| {}).await {
        Ok(bytes) => {
            if let Some(cache) = &cache {
                store(cache, url, &bytes).await;
            }
            Ok(bytes)
        }
        Err(network) => match &cache {
            Some(cache) => cached(cache, url).await.ok_or(network),
            None => Err(network),
        },
    }
}

/// GETs `url` as a blob (an example image).
pub async fn fetch_blob(url: &str) -> Result<web_sys::Blob, String> {
    let response = get(url).await?;
    promise(response.blob().map_err(|e| format!("{url}: {}", describe(e)))?, url).await
}

/// The card of a shipped model (`assets/<name>.json`).
pub async fn shipped_card(name: &str) -> Result<ModelCard, String> {
    let bytes = fetch_fresh(&format!("assets/{name}.json")).await?;
    serde_json::from_slice(&bytes).map_err(|e| format!("assets/{name}.json is not a model card: {e}"))
}

/// The checked weights of a shipped model's card (see [`fetch_verified`]).
pub async fn shipped_weights(card: &ModelCard, progress: impl FnMut(f64, f64)) -> Result<Vec<u8>, String> {
    fetch_verified(&format!("assets/{}", card.file), &card.weights_sha256, progress).await
}
