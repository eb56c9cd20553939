//! The page: model status, a file picker, and the top-5 of the last image.

use std::cell::RefCell;
use std::rc::Rc;

use shiftscope::card::ModelCard;
use shiftscope::classifier::Classifier;
use shiftscope::predict::Prediction;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::engine::{init_device, load_shipped, Backend};
use crate::image_input::decode_blob;

/// The model the page opens with.
const DEFAULT_MODEL: &str = "s2mlpv2_compact";

/// What the page shows.
#[derive(Clone, PartialEq, Default)]
struct View {
    status: String,
    backend: Option<Backend>,
    card: Option<ModelCard>,
    predictions: Vec<Prediction>,
    latency_ms: Option<f64>,
    error: Option<String>,
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// The app root.
#[component]
pub fn App() -> Html {
    let view = use_state(|| View { status: "starting…".into(), ..View::default() });
    let engine: Rc<RefCell<Option<Classifier>>> = use_mut_ref(|| None).clone();

    {
        let (view, engine) = (view.clone(), engine.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let (device, backend) = init_device().await;
                view.set(View {
                    status: "loading weights…".into(), backend: Some(backend.clone()), ..View::default()
                });
                match load_shipped(DEFAULT_MODEL, &device).await {
                    Ok((card, classifier)) => {
                        *engine.borrow_mut() = Some(classifier);
                        view.set(View {
                            status: "ready".into(),
                            backend: Some(backend),
                            card: Some(card),
                            ..View::default()
                        });
                    }
                    Err(e) => view.set(View {
                        status: "no model".into(),
                        backend: Some(backend),
                        error: Some(e),
                        ..View::default()
                    }),
                }
            });
        });
    }

    let on_file = {
        let (view, engine) = (view.clone(), engine.clone());
        Callback::from(move |event: Event| {
            let input: web_sys::HtmlInputElement = match event.target().and_then(|t| t.dyn_into().ok()) {
                Some(input) => input,
                None => return,
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let (view, engine) = (view.clone(), engine.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let mut next = (*view).clone();
                let result = async {
                    let pixels = decode_blob(&file).await?;
                    let guard = engine.borrow();
                    let classifier = guard.as_ref().ok_or("the model is not loaded")?;
                    let input =
                        classifier.rgba_input(pixels.rgba, pixels.width, pixels.height).map_err(|e| e.to_string())?;
                    let start = now_ms();
                    let top = classifier.top_k_async(input, 5).await.map_err(|e| e.to_string())?;
                    Ok::<_, String>((top, now_ms() - start))
                }
                .await;
                match result {
                    Ok((top, ms)) => {
                        next.predictions = top;
                        next.latency_ms = Some(ms);
                        next.error = None;
                    }
                    Err(e) => next.error = Some(format!("{}: {e}", file.name())),
                }
                view.set(next);
            });
        })
    };

    let backend = view.backend.as_ref().map(Backend::describe).unwrap_or_else(|| "…".into());
    html! {
        <main>
            <h1>{ "shiftscope" }</h1>
            <p id="status" aria-live="polite">{ format!("{} · {}", view.status, backend) }</p>
            if let Some(card) = &view.card {
                <p id="model">{ format!("{} — {:.2} M params, {:.3} GFLOPs, {:.1} % CIFAR-10 test top-1",
                    card.name, card.params as f64 / 1e6, card.macs as f64 / 1e9, card.test_top1) }</p>
            }
            <label for="file">{ "Choose an image" }</label>
            <input id="file" type="file" accept="image/*" onchange={on_file} />
            if let Some(error) = &view.error {
                <p id="error" role="alert">{ error }</p>
            }
            <ol id="predictions">
                { for view.predictions.iter().map(|p| html! {
                    <li data-class={p.class.to_string()} data-probability={p.probability.to_string()}>
                        { format!("{} {:.1} %", p.label, 100.0 * p.probability) }
                    </li>
                }) }
            </ol>
            if let Some(ms) = view.latency_ms {
                <p id="latency">{ format!("{ms:.1} ms") }</p>
            }
        </main>
    }
}
