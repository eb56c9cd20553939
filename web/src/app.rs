//! The page: wires inputs (drop anywhere, paste, file picker, examples,
//! webcam, own weights) to the engine's client, and the state to the views.

use shiftscope::engine::catalogue::EXAMPLES;
use shiftscope::engine::protocol::{Request, View};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::controls::{example_url, Examples, GivenWeights, ImageControls, OwnWeights, ThemeToggle};
use crate::fetch::fetch_blob;
use crate::hooks::{
    classify_blob, classify_unless_given, load_given, load_shipped, use_drop_and_paste, use_engine, ClientHandle,
};
use crate::papers::photo::use_photo;
use crate::papers::{PapersCallbacks, PapersPanel};
use crate::state::{Action, Phase, State};
use crate::view::{MessageArea, ModelInput, ModelPicker, Predictions, StatusLine};
use crate::viz::VizPanel;
use crate::webcam::use_webcam;

/// Runs `job` with the client (always there after the first render).
fn with_client(handle: &ClientHandle, job: impl FnOnce(&crate::client::Client)) {
    if let Some(client) = handle.borrow().as_ref() {
        job(client);
    }
}

/// The app root.
#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let dispatch = state.dispatcher();
    let client = use_engine(dispatch.clone());
    let video = use_node_ref();

    let on_image = {
        let (client, dispatch) = (client.clone(), dispatch.clone());
        Callback::from(move |(blob, source): (web_sys::Blob, String)| classify_blob(&client, &dispatch, blob, source))
    };
    let on_error = {
        let dispatch = dispatch.clone();
        Callback::from(move |error: String| dispatch.dispatch(Action::Error(error)))
    };
    let dragging = use_drop_and_paste(on_image.clone(), on_error.clone());

    // The reducer lists the preview URLs it let go of; they are revoked here.
    use_effect_with(state.released.clone(), |urls| {
        for url in urls {
            let _ = web_sys::Url::revoke_object_url(url);
        }
    });

    let on_file = {
        let on_image = on_image.clone();
        Callback::from(move |file: web_sys::File| on_image.emit((file.clone().into(), file.name())))
    };
    let on_example = {
        let (on_image, on_error) = (on_image.clone(), on_error.clone());
        Callback::from(move |name: String| {
            let (on_image, on_error) = (on_image.clone(), on_error.clone());
            spawn_local(async move {
                match fetch_blob(&example_url(&name)).await {
                    Ok(blob) => on_image.emit((blob, format!("example: {name}"))),
                    Err(e) => on_error.emit(e),
                }
            });
        })
    };
    // The first example is classified at once, so a visitor meets a
    // prediction and its explanation without doing anything (an image the
    // visitor gives first wins).
    {
        let (client, dispatch) = (client.clone(), dispatch.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                let name = EXAMPLES[0].name;
                if let Ok(blob) = fetch_blob(&example_url(name)).await {
                    classify_unless_given(&client, &dispatch, blob, format!("example: {name}"));
                }
            });
        });
    }
    let on_webcam = use_webcam(client.clone(), dispatch.clone(), video.clone(), state.webcam);
    let on_select = {
        let (client, dispatch, cards) = (client.clone(), dispatch.clone(), state.cards.clone());
        Callback::from(move |name: String| {
            let Some(card) = cards.iter().find(|c| c.name == name).cloned() else { return };
            with_client(&client, |c| load_shipped(c, &dispatch, card));
        })
    };
    let on_weights = {
        let (client, dispatch) = (client.clone(), dispatch.clone());
        Callback::from(move |given: GivenWeights| {
            with_client(&client, |c| load_given(c, &dispatch, given.file_name, given.bytes, given.variant));
        })
    };
    let on_measure = {
        let (client, dispatch, analysis) = (client.clone(), dispatch.clone(), state.outcome.analysis.clone());
        Callback::from(move |(depth, token): (usize, (usize, usize))| {
            let Some(analysis) = &analysis else { return };
            dispatch.dispatch(Action::Measuring { depth, token });
            with_client(&client, |c| c.send(Request::Measure { image: analysis.id, depth, token }, vec![]));
        })
    };

    // A newly ready model classifies the shown photo again (the reducer
    // counts the changes; webcam frames go to it by themselves).
    {
        let (client, dispatch, rerun) = (client.clone(), dispatch.clone(), state.rerun());
        use_effect_with(state.reruns, move |reruns| {
            if let (true, Some((source, url))) = (*reruns > 0, rerun) {
                spawn_local(async move {
                    match fetch_blob(&url).await {
                        Ok(blob) => classify_blob(&client, &dispatch, blob, source),
                        Err(e) => dispatch.dispatch(Action::Error(format!("{source}: {e}"))),
                    }
                });
            }
        });
    }

    // The photo shown, at full resolution, for the overlays drawn on it:
    // none until the shown image's own photo has loaded.
    let photo = use_photo(state.outcome.analysis.as_ref().and_then(|a| Some((a.id, a.photo_url.clone()?))));

    // The papers' views ask about the image shown.
    let ask = {
        let (client, dispatch, analysis) = (client.clone(), dispatch.clone(), state.outcome.analysis.clone());
        move |view: View, request: Box<dyn Fn(u64) -> Request>| {
            let Some(image) = analysis.as_ref().map(|a| a.id) else { return };
            dispatch.dispatch(Action::Asked { view, image });
            with_client(&client, |c| c.send(request(image), vec![]));
        }
    };
    let papers = {
        let cards = state.cards.clone();
        let (regions, compare, shuffle) = (ask.clone(), ask.clone(), ask);
        let compare_cards = cards.clone();
        PapersCallbacks {
            regions: Callback::from(move |size: usize| {
                regions(View::Regions, Box::new(move |image| Request::Regions { image, size }))
            }),
            compare: Callback::from(move |_: ()| {
                let cards = compare_cards.clone();
                compare(View::Compare, Box::new(move |image| Request::Compare { image, cards: cards.clone() }))
            }),
            shuffle: Callback::from(move |seed: u64| {
                let cards = cards.clone();
                shuffle(View::Shuffle, Box::new(move |image| Request::Shuffle { image, seed, cards: cards.clone() }))
            }),
        }
    };

    // The first ready model lets boot.js register the service worker (whose
    // downloads would otherwise compete with the first prediction).
    use_effect_with(state.phase == Phase::Ready, |ready| {
        if let (true, Ok(event)) = (*ready, web_sys::Event::new("shiftscope-ready")) {
            let _ = gloo::utils::window().dispatch_event(&event);
        }
    });

    let busy = !matches!(state.phase, Phase::Ready | Phase::NoModel);
    let active = state.active.as_ref();
    // The card of the model that made the shown prediction (none for the
    // visitor's own weights).
    let outcome_card = state.cards.iter().find(|c| c.name == state.outcome.model);
    // What the models tell apart and at what size, for the line by the file chooser.
    let first_card = state.cards.first();
    let preview = state.preview();
    // A photo's answer (not a webcam frame's, nor the page's own first
    // example) is scrolled into view where it sits below the preview.
    let reveal = state.outcome.analysis.as_ref().filter(|a| a.photo_url.is_some() && state.updates > 1).map(|a| a.id);
    html! {
        <div class={classes!("app", dragging.then_some("dragging"))}>
            <header>
                <h1>{ "shiftscope" }</h1>
                <p class="tagline">{ "Spatial-shift MLPs classifying your images in your browser — nothing leaves this machine." }</p>
                <ThemeToggle />
            </header>
            <main>
                <StatusLine backend={state.backend.clone()} phase={state.phase.clone()}
                    latency_ms={state.latency.median()} runs={state.latency.len()} model={active.map(|a| a.name.clone())}
                    load_ms={active.and_then(|a| a.load_ms)} waiting={state.waiting().map(str::to_string)} />
                <MessageArea message={state.message.clone()} count={state.messages} />
                <div class="panels">
                    <section class="input" aria-labelledby="input-heading">
                        <h2 id="input-heading">{ "Image" }</h2>
                        <div class="preview-row">
                            <div class="preview">
                                <video ref={video} id="webcam" class={classes!((!state.webcam).then_some("hidden"))}
                                    muted=true playsinline=true aria-label="webcam"></video>
                                if let (false, Some((source, url))) = (state.webcam, preview) {
                                    <img id="preview" src={url.to_string()} alt={format!("the image: {source}")} />
                                }
                            </div>
                            if let Some(analysis) = &state.outcome.analysis {
                                <ModelInput analysis={analysis.clone()} />
                            }
                        </div>
                        <ImageControls on_file={on_file} on_webcam={on_webcam} webcam={state.webcam}
                            classes={first_card.map(|c| c.profile.classes.clone()).unwrap_or_default()}
                            side={first_card.map(|c| c.model.image_size)} />
                        <Examples on_pick={on_example} />
                    </section>
                    <Predictions predictions={state.outcome.predictions.clone()} source={state.outcome.source.clone()}
                        model={state.outcome.model.clone()} updates={state.updates}
                        classifying={state.classifying().map(str::to_string)} waiting={state.waiting().is_some()} reveal={reveal}
                        classes={outcome_card.map(|c| c.profile.classes.clone()).unwrap_or_default()}
                        calibration={outcome_card.and_then(|c| c.profile.calibration.clone())} />
                    <div class="models">
                        <ModelPicker cards={state.cards.clone()} active={active.map(|a| a.name.clone())}
                            active_card={active.and_then(|a| a.card.clone())} on_select={on_select} busy={busy} />
                        <OwnWeights on_weights={on_weights} on_error={on_error} />
                    </div>
                </div>
                if let Some(analysis) = state.outcome.analysis.clone() {
                    <VizPanel analysis={analysis.clone()} predictions={state.outcome.predictions.clone()}
                        field={state.field.clone()} on_measure={on_measure} photo={photo.clone()} />
                    <PapersPanel analysis={analysis} photo={photo} views={state.views.clone()}
                        callbacks={papers} />
                }
                <div class="drop-overlay" aria-hidden="true">{ "Drop the image to classify it" }</div>
            </main>
            <footer>
                <p>{ "S²-MLPv2, AS-MLP and MLP-Mixer on burn (WebGPU or CPU in WebAssembly), run in a Web Worker. Weights trained on CIFAR-10 by this project." }</p>
            </footer>
        </div>
    }
}
