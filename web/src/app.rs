//! The page: wires inputs (drop anywhere, paste, file picker, examples,
//! webcam, own weights) to the runtime, and the state to the views.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::controls::{Examples, ImageControls, OwnWeights, ThemeToggle};
use crate::engine::{self, SHIPPED};
use crate::fetch::fetch_blob;
use crate::runtime::{self, Runtime, Shared};
use crate::state::{Action, Phase, State};
use crate::view::{MessageArea, ModelPicker, Predictions, StatusLine};
use crate::viz::VizPanel;
use crate::webcam;

/// The runtime once the device is chosen.
type Holder = Rc<RefCell<Option<Shared>>>;

/// Starts `job` with the runtime, or says the page is still starting.
fn with_runtime(holder: &Holder, dispatch: &UseReducerDispatcher<State>, job: impl FnOnce(Shared)) {
    match holder.borrow().clone() {
        Some(runtime) => job(runtime),
        None => dispatch.dispatch(Action::Error("the model is still loading; try again in a moment".into())),
    }
}

/// Classifies an image blob from any input.
fn classify(holder: &Holder, dispatch: &UseReducerDispatcher<State>, blob: web_sys::Blob, source: String) {
    let dispatch2 = dispatch.clone();
    with_runtime(holder, dispatch, move |runtime| {
        spawn_local(runtime::classify_blob(runtime, dispatch2, blob, source))
    });
}

/// The first file of a drop or paste, if any.
fn first_file(transfer: Option<web_sys::DataTransfer>) -> Option<web_sys::File> {
    transfer?.files()?.get(0)
}

/// The app root.
#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let holder: Holder = use_mut_ref(|| None);
    let video = use_node_ref();
    let dragging = use_state(|| false);
    let dispatch = state.dispatcher();

    // Device, shipped cards, then the first model.
    {
        let (holder, dispatch) = (holder.clone(), dispatch.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                let (device, backend) = engine::init_device().await;
                let runtime = Runtime::new(device, backend.clone());
                *holder.borrow_mut() = Some(runtime.clone());
                dispatch.dispatch(Action::Backend(backend));
                let mut cards = vec![];
                let mut failures = vec![];
                for name in SHIPPED {
                    match engine::shipped_card(name).await {
                        Ok(card) => cards.push(card),
                        Err(e) => failures.push(e),
                    }
                }
                let first = cards.first().cloned();
                dispatch.dispatch(Action::Cards(cards));
                match first {
                    Some(card) => {
                        runtime::activate_shipped(runtime, dispatch.clone(), card).await;
                        if !failures.is_empty() {
                            dispatch.dispatch(Action::Error(failures.join("; ")));
                        }
                    }
                    None => dispatch
                        .dispatch(Action::LoadFailed(format!("no model could be loaded: {}", failures.join("; ")))),
                }
            });
        });
    }

    // Drop anywhere on the page, and paste.
    {
        let (holder, dispatch, dragging) = (holder.clone(), dispatch.clone(), dragging.clone());
        use_effect_with((), move |_| {
            let document = gloo::utils::document();
            let options = EventListenerOptions::enable_prevent_default();
            let over = {
                let dragging = dragging.clone();
                EventListener::new_with_options(&document, "dragover", options, move |event| {
                    event.prevent_default();
                    dragging.set(true);
                })
            };
            let leave = {
                let dragging = dragging.clone();
                EventListener::new(&document, "dragleave", move |event| {
                    let event = event.unchecked_ref::<web_sys::DragEvent>();
                    if event.related_target().is_none() {
                        dragging.set(false);
                    }
                })
            };
            let on_drop = {
                let (holder, dispatch) = (holder.clone(), dispatch.clone());
                EventListener::new_with_options(&document, "drop", options, move |event| {
                    event.prevent_default();
                    dragging.set(false);
                    let event = event.unchecked_ref::<web_sys::DragEvent>();
                    match first_file(event.data_transfer()) {
                        Some(file) => classify(&holder, &dispatch, file.clone().into(), file.name()),
                        None => dispatch
                            .dispatch(Action::Error("the drop held no file (drag an image file, not a link)".into())),
                    }
                })
            };
            let paste = EventListener::new(&document, "paste", move |event| {
                let event = event.unchecked_ref::<web_sys::ClipboardEvent>();
                match first_file(event.clipboard_data()) {
                    Some(file) => classify(&holder, &dispatch, file.into(), "pasted image".into()),
                    None => dispatch
                        .dispatch(Action::Error("the clipboard holds no image (copy an image, then paste)".into())),
                }
            });
            move || drop((over, leave, on_drop, paste))
        });
    }

    let on_file = {
        let (holder, dispatch) = (holder.clone(), dispatch.clone());
        Callback::from(move |file: web_sys::File| classify(&holder, &dispatch, file.clone().into(), file.name()))
    };
    let on_example = {
        let (holder, dispatch) = (holder.clone(), dispatch.clone());
        Callback::from(move |name: String| {
            let (holder, dispatch) = (holder.clone(), dispatch.clone());
            spawn_local(async move {
                match fetch_blob(&format!("assets/examples/{name}.png")).await {
                    Ok(blob) => classify(&holder, &dispatch, blob, format!("example: {name}")),
                    Err(e) => dispatch.dispatch(Action::Error(e)),
                }
            });
        })
    };
    let on_webcam = {
        let (holder, dispatch, video) = (holder.clone(), dispatch.clone(), video.clone());
        let running = state.webcam;
        Callback::from(move |_: ()| {
            let element = video.cast::<web_sys::HtmlVideoElement>();
            let dispatch2 = dispatch.clone();
            with_runtime(&holder, &dispatch, move |runtime| match (running, element) {
                (true, element) => webcam::stop(&runtime, &dispatch2, element),
                (false, Some(element)) => spawn_local(webcam::start(runtime, dispatch2, element)),
                (false, None) => {}
            });
        })
    };
    let on_select = {
        let (holder, dispatch, cards) = (holder.clone(), dispatch.clone(), state.cards.clone());
        Callback::from(move |name: String| {
            let Some(card) = cards.iter().find(|c| c.name == name).cloned() else { return };
            let dispatch2 = dispatch.clone();
            with_runtime(&holder, &dispatch, move |runtime| {
                spawn_local(runtime::activate_shipped(runtime, dispatch2, card))
            });
        })
    };
    let on_weights = {
        let (holder, dispatch) = (holder.clone(), dispatch.clone());
        Callback::from(move |weights: engine::Weights| {
            let dispatch2 = dispatch.clone();
            with_runtime(&holder, &dispatch, move |runtime| {
                spawn_local(runtime::activate_weights(runtime, dispatch2, weights))
            });
        })
    };
    let on_measure = {
        let (holder, dispatch, analysis) = (holder.clone(), dispatch.clone(), state.outcome.analysis.clone());
        Callback::from(move |(depth, token): (usize, (usize, usize))| {
            let (dispatch2, analysis) = (dispatch.clone(), analysis.clone());
            with_runtime(&holder, &dispatch, move |runtime| {
                if let Some(analysis) = analysis {
                    spawn_local(runtime::measure_field(runtime, dispatch2, analysis, depth, token));
                }
            });
        })
    };
    let on_error = {
        let dispatch = dispatch.clone();
        Callback::from(move |error: String| dispatch.dispatch(Action::Error(error)))
    };

    // The reducer only replaces the preview; its old URL is released here.
    use_effect_with(state.outcome.preview.clone(), |url| {
        let url = url.clone();
        move || {
            if let Some(url) = url {
                let _ = web_sys::Url::revoke_object_url(&url);
            }
        }
    });

    let busy = !matches!(state.phase, Phase::Ready | Phase::NoModel);
    // The card of the model that made the shown prediction (none for the
    // visitor's own weights).
    let outcome_card = state.cards.iter().find(|c| c.name == state.outcome.model);
    html! {
        <div class={classes!("app", (*dragging).then_some("dragging"))}>
            <header>
                <h1>{ "shiftscope" }</h1>
                <p class="tagline">{ "Spatial-shift MLPs classifying your images in your browser — nothing leaves this machine." }</p>
                <ThemeToggle />
            </header>
            <main>
                <StatusLine backend={state.backend.clone()} phase={state.phase.clone()}
                    latency_ms={state.latency.median()} runs={state.latency.len()} model={state.active.clone()}
                    waiting={state.waiting.clone()} />
                <MessageArea message={state.message.clone()} count={state.messages} />
                <div class="panels">
                    <section class="input" aria-labelledby="input-heading">
                        <h2 id="input-heading">{ "Image" }</h2>
                        <div class="preview">
                            <video ref={video} id="webcam" class={classes!((!state.webcam).then_some("hidden"))}
                                muted=true playsinline=true aria-label="webcam"></video>
                            if let (false, Some(url)) = (state.webcam, &state.outcome.preview) {
                                <img id="preview" src={url.clone()} alt={format!("the image classified: {}", state.outcome.source)} />
                            }
                        </div>
                        <ImageControls on_file={on_file} on_webcam={on_webcam} webcam={state.webcam} />
                        <Examples on_pick={on_example} />
                    </section>
                    <Predictions predictions={state.outcome.predictions.clone()} source={state.outcome.source.clone()}
                        model={state.outcome.model.clone()} updates={state.updates}
                        classes={outcome_card.map(|c| c.dataset.classes.clone()).unwrap_or_default()}
                        calibration={outcome_card.and_then(|c| c.calibration.clone())} />
                    <div class="models">
                        <ModelPicker cards={state.cards.clone()} active={state.active.clone()}
                            active_card={state.active_card.clone()} on_select={on_select} busy={busy} />
                        <OwnWeights on_weights={on_weights} on_error={on_error} />
                    </div>
                </div>
                if let Some(analysis) = state.outcome.analysis.clone() {
                    <VizPanel analysis={analysis} predictions={state.outcome.predictions.clone()}
                        field={state.field.clone()} on_measure={on_measure} />
                }
                <div class="drop-overlay" aria-hidden="true">{ "Drop the image to classify it" }</div>
            </main>
            <footer>
                <p>{ "S²-MLPv2, AS-MLP and MLP-Mixer on burn (WebGPU or CPU in WebAssembly). Weights trained on CIFAR-10 by this project." }</p>
            </footer>
        </div>
    }
}
