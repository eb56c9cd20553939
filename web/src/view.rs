//! Components that only draw: status line, model picker with its card,
//! top-5 bars, and the message area.

use shiftscope::calibration::Calibration;
use shiftscope::card::ModelCard;
use shiftscope::engine::catalogue::pretty_name;
use shiftscope::predict::Prediction;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::{Analysis, Message, Phase};
use crate::viz::draw::put_rgba;
use crate::words::with_article;
use shiftscope::engine::protocol::Backend;

/// Props of [`StatusLine`].
#[derive(Properties, PartialEq)]
pub struct StatusProps {
    /// Backend, once chosen.
    pub backend: Option<Backend>,
    /// Model loading state.
    pub phase: Phase,
    /// Median latency of recent runs.
    pub latency_ms: Option<f64>,
    /// Runs the median covers.
    pub runs: usize,
    /// The model in use.
    pub model: Option<String>,
    /// Milliseconds reading its weights and building it took.
    #[prop_or_default]
    pub load_ms: Option<f64>,
    /// An image waiting for the model (its source).
    #[prop_or_default]
    pub waiting: Option<String>,
}

/// Where the model runs and what it is doing, in words (what is being
/// fetched or compiled during the first load); the timings sit in a
/// "details" disclosure below.
#[component]
pub fn StatusLine(props: &StatusProps) -> Html {
    let backend = props.backend.as_ref();
    let busy = !matches!(props.phase, Phase::Ready | Phase::NoModel);
    let phase = match &props.phase {
        Phase::Starting => html! {
            <span><span class="spinner" aria-hidden="true"></span>{ " starting: compiling the app and choosing where the model runs…" }</span>
        },
        Phase::Downloading { name, received, total } => html! {
            <label>{ format!("downloading the model {} ", pretty_name(name)) }
                if *total > 0.0 {
                    <progress id="download" max={total.to_string()} value={received.to_string()}></progress>
                    { format!(" {:.0} %", 100.0 * received / total) }
                } else {
                    <progress id="download"></progress>{ format!(" {:.1} MB", received / 1e6) }
                }
            </label>
        },
        Phase::Warming { name } => {
            let what = if backend == Some(&Backend::WebGpu) { " (compiling GPU programs)" } else { "" };
            html! { <span><span class="spinner" aria-hidden="true"></span>{ format!(" preparing {}{what}…", pretty_name(name)) }</span> }
        }
        Phase::Ready => html! { <span id="ready">{ "ready" }</span> },
        Phase::NoModel => html! { <span>{ "no model loaded" }</span> },
    };
    html! {
        <>
        <p id="status" aria-live="polite" aria-busy={busy.to_string()}
           data-backend={backend.map(Backend::key).unwrap_or("none")}
           data-phase={if busy { "busy" } else { "idle" }} data-model={props.model.clone().unwrap_or_default()}>
            <span id="backend" title="where the model runs">{ backend.map(Backend::describe).unwrap_or_else(|| "starting…".into()) }</span>
            { " · " }{ phase }
            if let Some(source) = &props.waiting {
                <span id="waiting">{ format!(" · {source} is classified as soon as the model is ready") }</span>
            }
        </p>
        if props.load_ms.is_some() || props.latency_ms.is_some() {
            <details id="engine-details" class="engine-details">
                <summary>{ "timings" }</summary>
                if let Some(ms) = props.load_ms {
                    <span id="loaded" data-ms={ms.to_string()}>{ format!("weights read and model built in {ms:.0} ms") }</span>
                }
                if let Some(ms) = props.latency_ms {
                    <span id="latency" data-ms={ms.to_string()}>{ format!(" · one image: {ms:.1} ms (median of {})", props.runs) }</span>
                }
            </details>
        }
        </>
    }
}

/// Props of [`ModelPicker`].
#[derive(Properties, PartialEq)]
pub struct PickerProps {
    /// Shipped models' cards.
    pub cards: Vec<ModelCard>,
    /// The model in use.
    pub active: Option<String>,
    /// Its card (none for the visitor's own weights).
    pub active_card: Option<ModelCard>,
    /// Called with the chosen card's name.
    pub on_select: Callback<String>,
    /// Whether a load is under way.
    pub busy: bool,
}

/// The value a `<select>` holds after its change event.
pub fn select_value(event: &Event) -> Option<String> {
    event.target()?.dyn_into::<web_sys::HtmlSelectElement>().ok().map(|select| select.value())
}

/// A select over the shipped models and the numbers of the active card.
#[component]
pub fn ModelPicker(props: &PickerProps) -> Html {
    let on_change = {
        let on_select = props.on_select.clone();
        Callback::from(move |event: Event| {
            if let Some(value) = select_value(&event) {
                on_select.emit(value);
            }
        })
    };
    let active = props.active.clone().unwrap_or_default();
    let custom = !active.is_empty() && !props.cards.iter().any(|c| c.name == active);
    html! {
        <section class="model" aria-labelledby="model-heading">
            <h2 id="model-heading">{ "Model" }</h2>
            <select id="model" aria-label="model" onchange={on_change} disabled={props.busy}>
                { for props.cards.iter().map(|card| html! {
                    <option value={card.name.clone()} selected={card.name == active}>{ pretty_name(&card.name) }</option>
                }) }
                if custom { <option value={active.clone()} selected=true>{ format!("your weights: {active}") }</option> }
            </select>
            if let Some(card) = &props.active_card {
                <dl id="card" class="card">
                    <dt>{ "parameters" }</dt><dd>{ format!("{:.2} M", card.params as f64 / 1e6) }</dd>
                    <dt>{ "compute" }</dt><dd>{ format!("{:.3} GFLOPs", card.macs as f64 / 1e9) }</dd>
                    <dt>{ "CIFAR-10 test top-1" }</dt><dd>{ format!("{:.2} %", card.test_top1) }</dd>
                    <dt>{ "weights" }</dt><dd>{ format!("{} · {:.2} MB", card.storage, card.weights_bytes as f64 / 1e6) }</dd>
                    <dt>{ "trained" }</dt><dd>{ training_note(card) }</dd>
                </dl>
            }
        </section>
    }
}

fn training_note(card: &ModelCard) -> String {
    let schedule = if card.scheduled_epochs > card.epochs {
        format!("{} of {} epochs", card.epochs, card.scheduled_epochs)
    } else {
        format!("{} epochs", card.epochs)
    };
    let time = if card.wall_time_s >= 3600.0 {
        format!("{:.1} h", card.wall_time_s / 3600.0)
    } else {
        format!("{:.0} min", card.wall_time_s / 60.0)
    };
    // shiftscope's trainer names the CPU and "burn flex"; the GPU trainer
    // starts with the GPU's name (or "CPU (" when it ran on one).
    let machine = card.trained_on.split(',').next().unwrap_or_default();
    if card.trained_on.contains("burn flex") || machine.starts_with("CPU") {
        format!("{schedule}, {time} on CPU")
    } else {
        format!("{schedule}, {time} on an {machine}")
    }
}

/// Props of [`Predictions`].
#[derive(Properties, PartialEq)]
pub struct PredictionsProps {
    /// Top-5, most probable first.
    pub predictions: Vec<Prediction>,
    /// What was classified.
    pub source: String,
    /// The model that classified it.
    pub model: String,
    /// Results shown so far.
    pub updates: u64,
    /// The classes the model tells apart, in label order (from its card;
    /// empty for weights without one).
    pub classes: Vec<String>,
    /// How often the model is right at each confidence on its test split
    /// (from its card; none for weights without one).
    pub calibration: Option<Calibration>,
    /// The source of the image being classified now, if any.
    #[prop_or_default]
    pub classifying: Option<String>,
    /// Whether that image waits for the first model.
    #[prop_or_default]
    pub waiting: bool,
    /// The shown photo's number when its answer should be scrolled into
    /// view (narrow screens put it below the preview).
    #[prop_or_default]
    pub reveal: Option<u64>,
}

/// Whether the top prediction falls where the model is mostly wrong.
fn unsure(props: &PredictionsProps) -> bool {
    match (&props.calibration, props.predictions.first()) {
        (Some(calibration), Some(top)) => calibration.is_unsure(top.probability),
        _ => false,
    }
}

/// What the model is not sure of, in words: its two likeliest classes and
/// why the page will not call either an answer.
fn unsure_text(props: &PredictionsProps, threshold: f64) -> String {
    let labels: Vec<String> = props.predictions.iter().take(2).map(|p| with_article(&p.label)).collect();
    format!(
        " perhaps {}. When its top class gets less than {:.0} %, this model is right less than half the time on \
         CIFAR-10 test images.",
        labels.join(", perhaps "),
        100.0 * threshold
    )
}

/// On a narrow screen (one column: the answer sits below the preview and
/// the controls), scrolls `section` into view when it lies outside the
/// window. Wider layouts show it beside the preview and never jump.
fn reveal(section: &NodeRef) {
    let (Some(element), Some(window)) = (section.cast::<web_sys::Element>(), web_sys::window()) else { return };
    let narrow = window.match_media("(max-width: 36rem)").ok().flatten().is_some_and(|m| m.matches());
    if !narrow {
        return;
    }
    let height = window.inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0);
    let rect = element.get_bounding_client_rect();
    if rect.top() < 0.0 || rect.top() + rect.height().min(height * 0.5) > height {
        element.scroll_into_view();
    }
}

/// The top-5 as labelled probability bars, or what is being classified.
#[component]
pub fn Predictions(props: &PredictionsProps) -> Html {
    let section = use_node_ref();
    {
        let section = section.clone();
        use_effect_with(props.reveal, move |shown| {
            if shown.is_some() {
                reveal(&section);
            }
        });
    }
    html! {
        <section ref={section} class="predictions" aria-labelledby="predictions-heading"
            data-classifying={props.classifying.is_some().to_string()}>
            <h2 id="predictions-heading">{ "Prediction" }</h2>
            if let Some(source) = &props.classifying {
                <p id="classifying" class="classifying" role="status">
                    <span class="spinner" aria-hidden="true"></span>
                    { if props.waiting { format!(" {source}: classifying as soon as the model is ready…") } else { format!(" classifying {source}…") } }
                </p>
            }
            if props.predictions.is_empty() && props.classifying.is_none() {
                <p class="hint">{ "Drop an image anywhere on the page, paste one, choose a file, pick an example or start the webcam." }</p>
            }
            if !props.predictions.is_empty() {
                <p class="hint" id="classified-by">{ format!("{} · by {}", props.source, pretty_name(&props.model)) }</p>
            }
            if let (true, Some(threshold)) = (unsure(props), props.calibration.as_ref().and_then(|c| c.unsure_below)) {
                <p id="unsure" role="note"><strong>{ "Not sure:" }</strong>{ unsure_text(props, threshold) }</p>
            }
            <ol id="predictions" class={classes!(unsure(props).then_some("unsure"), props.classifying.is_some().then_some("stale"))} data-unsure={unsure(props).to_string()}
                data-source={props.source.clone()} data-model={props.model.clone()} data-updates={props.updates.to_string()}>
                { for props.predictions.iter().map(|p| html! {
                    <li data-class={p.class.to_string()} data-label={p.label.clone()} data-probability={p.probability.to_string()}>
                        <span class="label">{ &p.label }</span>
                        <meter min="0" max="1" value={p.probability.to_string()} aria-label={format!("{} probability", p.label)}></meter>
                        <span class="percent">{ format!("{:.1} %", 100.0 * p.probability) }</span>
                    </li>
                }) }
            </ol>
            if !props.classes.is_empty() {
                <p id="known-classes" class="hint">
                    { format!("It knows only these {} classes: {}. Anything else gets the nearest of them.",
                        props.classes.len(), props.classes.join(", ")) }
                </p>
            }
        </section>
    }
}

/// Props of [`MessageArea`].
#[derive(Properties, PartialEq)]
pub struct MessageProps {
    /// The message, if any.
    pub message: Option<Message>,
    /// Messages shown so far.
    pub count: u64,
}

/// Errors (role `alert`) and notes (role `status`).
#[component]
pub fn MessageArea(props: &MessageProps) -> Html {
    let count = props.count.to_string();
    match &props.message {
        Some(Message::Error(text)) => {
            html! { <p id="message" class="error" role="alert" data-kind="error" data-count={count}>{ text }</p> }
        }
        Some(Message::Note(text) | Message::Notice(text)) => {
            html! { <p id="message" class="note" role="status" data-kind="note" data-count={count}>{ text }</p> }
        }
        None => html! { <p id="message" role="status" data-kind="none" data-count={count}></p> },
    }
}

/// Props of [`ModelInput`].
#[derive(Properties, PartialEq)]
pub struct ModelInputProps {
    /// The image shown and the model that saw it.
    pub analysis: std::rc::Rc<Analysis>,
}

/// What the model sees: its input (the crop, `image_size²` pixels), drawn
/// pixel for pixel and enlarged by the page's style.
#[component]
pub fn ModelInput(props: &ModelInputProps) -> Html {
    let canvas = use_node_ref();
    let side = props.analysis.result.side;
    {
        let (canvas, analysis) = (canvas.clone(), props.analysis.clone());
        use_effect_with(props.analysis.id, move |_| {
            if let Some(element) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                put_rgba(&element, analysis.result.side, analysis.result.side, &analysis.rgba);
            }
        });
    }
    html! {
        <figure class="model-input">
            <canvas ref={canvas} id="model-input" data-image={props.analysis.id.to_string()}
                aria-label={format!("what the model sees: {side}×{side} pixels")}></canvas>
            <figcaption>{ format!("what the model sees: {side}×{side} px") }</figcaption>
        </figure>
    }
}
