//! The bench page (`?bench&…`, parameters in [`PageParams`]): times the
//! shipped models (or the files of `shiftscope bench --export`, with
//! `source=`) on this browser's WebGPU or CPU with the shared harness, and
//! shows a table plus the JSON the peer comparison reads
//! (`#bench-json`, `data-state="done"` or `"failed"` on `#bench`).

use shiftscope::bench::{bench_case_async, matmul_peak_async, PageParams, PEAK_RUNS};
use shiftscope::engine::{Engine, Spec};

use shiftscope::Device;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use shiftscope::engine::catalogue::SHIPPED;

use crate::device::{init_device, now_ms};
use crate::fetch::{fetch_bytes, shipped_card, shipped_weights};

/// The page's progress: lines so far, and the JSON once done.
#[derive(Clone, PartialEq, Default)]
struct Progress {
    lines: Vec<String>,
    json: Option<String>,
    failed: bool,
}

/// A model ready to time.
async fn load(name: &str, params: &PageParams, device: &Device) -> Result<Engine, String> {
    let loaded = if let Some(source) = &params.source {
        let config_bytes = fetch_bytes(&format!("{source}/{name}/config.json"), |_, _| {}).await?;
        let text = String::from_utf8_lossy(&config_bytes);
        let spec = Spec::from_json(&text).map_err(|e| format!("{name}: config: {e}"))?;
        let weights = fetch_bytes(&format!("{source}/{name}/weights.safetensors"), |_, _| {}).await?;
        Engine::from_bytes(weights, name, Some(&spec), device).await
    } else if SHIPPED.contains(&name) {
        let weights = shipped_weights(&shipped_card(name).await?, |_, _| {}).await?;
        Engine::from_bytes(weights, name, None, device).await
    } else {
        let spec = Spec::variant(name).map_err(|e| e.to_string())?;
        let model = spec.config.init(device).map_err(|e| e.to_string())?;
        return Engine::new(model, spec.config, spec.profile, device).await.map_err(|e| e.to_string());
    };
    loaded.map(|(engine, _)| engine).map_err(|e| e.to_string())
}

/// Runs every configuration, reporting lines as they finish.
async fn run(params: PageParams, say: &dyn Fn(String)) -> Result<serde_json::Value, String> {
    let (device, backend) = init_device(params.device.as_deref()).await?;
    say(format!("device: {}", backend.describe()));
    let now = now_ms;
    let peak = match params.peak_side {
        0 => None,
        side => Some(matmul_peak_async(&device, side, PEAK_RUNS, &now).await.map_err(|e| e.to_string())?),
    };
    if let Some(peak) = &peak {
        say(format!("peak {:.1} GFLOP/s (matmul {}³)", peak.gflops(), peak.side));
    }
    let mut cases = Vec::new();
    for name in &params.models {
        let engine = load(name, &params, &device).await?;
        for &batch in &params.batches {
            gloo::timers::future::TimeoutFuture::new(0).await;
            let (case, logits) = bench_case_async(name, &engine, batch, (params.warmup, params.runs), &now)
                .await
                .map_err(|e| e.to_string())?;
            let floor = peak.as_ref().map(|p| case.floor_ms(p.gflops()));
            let versus = floor.map(|f| format!(", {:.1}× the floor", case.summary.median_ms / f)).unwrap_or_default();
            say(format!("{name} batch {batch}: {:.2} ms per image{versus}", case.per_image_ms()));
            let mut json = case.to_json();
            json["logits"] = serde_json::json!(logits);
            cases.push(json);
        }
    }
    Ok(serde_json::json!({
        "engine": "shiftscope", "device": backend.key(), "backend": backend.describe(),
        "peak_gflops": peak.as_ref().map(|p| p.gflops()), "peak_side": params.peak_side, "cases": cases,
    }))
}

/// The bench page.
#[component]
pub fn BenchPage() -> Html {
    let progress = use_state(Progress::default);
    {
        let progress = progress.clone();
        use_effect_with((), move |_| {
            let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
            spawn_local(async move {
                let shared = std::cell::RefCell::new(Progress::default());
                let say = |line: String| {
                    shared.borrow_mut().lines.push(line);
                    progress.set(shared.borrow().clone());
                };
                let result = match PageParams::parse(&query, &SHIPPED) {
                    Ok(params) => run(params, &say).await,
                    Err(e) => Err(e),
                };
                match result {
                    Ok(json) => shared.borrow_mut().json = Some(json.to_string()),
                    Err(e) => {
                        say(format!("failed: {e}"));
                        shared.borrow_mut().failed = true;
                    }
                }
                progress.set(shared.borrow().clone());
            });
        });
    }
    let state = match (&progress.json, progress.failed) {
        (_, true) => "failed",
        (Some(_), _) => "done",
        _ => "running",
    };
    html! {
        <main id="bench" data-state={state}>
            <h1>{ "shiftscope bench" }</h1>
            <p>{ "Per-image latency: warm-up, then the median of the timed runs (forward pass and logits read back)." }</p>
            <ul>{ for progress.lines.iter().map(|line| html! { <li>{ line }</li> }) }</ul>
            if let Some(json) = &progress.json { <pre id="bench-json">{ json }</pre> }
        </main>
    }
}
