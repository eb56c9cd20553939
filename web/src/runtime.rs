//! The page's non-rendered state (device, loaded model, webcam stream) and
//! the async jobs that change it: loading a model, classifying an image or
//! a webcam frame, and moving to the CPU when the WebGPU device fails.

use std::cell::RefCell;
use std::rc::Rc;

use shiftscope::engine::protocol::{Failure, FailureKind};
use shiftscope::engine::Engine;
use shiftscope::Device;
use yew::UseReducerDispatcher;

use crate::engine::{self, Analysis, Backend, Weights};
use crate::image_input::{decode_blob, video_frame, Pixels};
use crate::state::{Action, MeasuredField, Outcome, State};

/// An image given before any model was ready: classified once one is.
struct Waiting {
    pixels: Pixels,
    source: String,
    preview: Option<String>,
    note: Option<String>,
}

/// Device, model and webcam, shared by the page's callbacks.
pub struct Runtime {
    device: Device,
    backend: Backend,
    weights: Option<Weights>,
    engine: Option<Rc<Engine>>,
    /// The latest image given while no model was ready.
    waiting: Option<Waiting>,
    /// The webcam's stream while it runs.
    pub stream: Option<web_sys::MediaStream>,
    /// Whether a classification is running (webcam frames are dropped meanwhile).
    pub in_flight: bool,
    /// Bumped by every model load, so a slow load cannot replace a newer one.
    load_generation: u64,
}

/// The shared handle the callbacks hold.
pub type Shared = Rc<RefCell<Runtime>>;

impl Runtime {
    /// A runtime on `device`.
    pub fn new(device: Device, backend: Backend) -> Shared {
        Rc::new(RefCell::new(Runtime {
            device,
            backend,
            weights: None,
            engine: None,
            waiting: None,
            stream: None,
            in_flight: false,
            load_generation: 0,
        }))
    }
}

/// Builds `weights` on the current device, warms it up and makes it the
/// model in use; on failure the previous model stays. An image that was
/// waiting for a model is classified then.
pub async fn activate_weights(runtime: Shared, dispatch: UseReducerDispatcher<State>, weights: Weights) {
    let generation = {
        let mut rt = runtime.borrow_mut();
        rt.load_generation += 1;
        rt.load_generation
    };
    dispatch.dispatch(Action::Warming(weights.name.clone()));
    // Let the page draw the spinner before the work starts.
    gloo::timers::future::TimeoutFuture::new(0).await;
    let device = runtime.borrow().device.clone();
    let result = match weights.load(&device).await {
        Ok(engine) => engine.warm_up().await.map(|_| engine).map_err(|e| Failure::from(&e)),
        Err(e) => Err(e),
    };
    if runtime.borrow().load_generation != generation {
        return;
    }
    match result {
        Ok(engine) => {
            let waiting = {
                let mut rt = runtime.borrow_mut();
                rt.engine = Some(engine);
                rt.weights = Some(weights.clone());
                rt.waiting.take()
            };
            dispatch.dispatch(Action::Ready { name: weights.name, card: weights.card.map(Box::new) });
            if let Some(Waiting { pixels, source, preview, note }) = waiting {
                show(&runtime, &dispatch, pixels, source, preview, note).await;
            }
        }
        Err(e) => dispatch.dispatch(Action::LoadFailed(format!("{}: {}", weights.name, e.message))),
    }
}

/// Downloads a shipped model (progress in the status line) and uses it.
pub async fn activate_shipped(
    runtime: Shared,
    dispatch: UseReducerDispatcher<State>,
    card: shiftscope::card::ModelCard,
) {
    let name = card.name.clone();
    let progress = {
        let dispatch = dispatch.clone();
        move |received: f64, total: f64| dispatch.dispatch(Action::Downloading { name: name.clone(), received, total })
    };
    match engine::shipped_weights(&card, progress).await {
        Ok(weights) => activate_weights(runtime, dispatch, weights).await,
        Err(e) => dispatch.dispatch(Action::LoadFailed(e)),
    }
}

/// Decodes and classifies a dropped, pasted, chosen or example image; one
/// given before any model is ready waits for it (the latest one only).
pub async fn classify_blob(
    runtime: Shared,
    dispatch: UseReducerDispatcher<State>,
    blob: web_sys::Blob,
    source: String,
) {
    let (pixels, note) = match decode_blob(&blob).await {
        Ok(decoded) => decoded,
        Err(e) => return dispatch.dispatch(Action::Error(format!("{source}: {e}"))),
    };
    let preview = web_sys::Url::create_object_url_with_blob(&blob).ok();
    if runtime.borrow().engine.is_none() {
        dispatch.dispatch(Action::Waiting(source.clone()));
        let replaced = runtime.borrow_mut().waiting.replace(Waiting { pixels, source, preview, note });
        if let Some(url) = replaced.and_then(|w| w.preview) {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        return;
    }
    show(&runtime, &dispatch, pixels, source, preview, note).await;
}

/// Classifies pixels and shows the result with its preview.
async fn show(
    runtime: &Shared,
    dispatch: &UseReducerDispatcher<State>,
    pixels: Pixels,
    source: String,
    preview: Option<String>,
    note: Option<String>,
) {
    if let Some((mut outcome, ms)) = classify_pixels(runtime, dispatch, pixels, &source).await {
        outcome.preview = preview;
        dispatch.dispatch(Action::Classified { outcome, ms, note });
    }
}

/// Classifies the webcam's current frame unless one is still running.
pub async fn classify_frame(runtime: Shared, dispatch: UseReducerDispatcher<State>, video: web_sys::HtmlVideoElement) {
    if runtime.borrow().in_flight || runtime.borrow().engine.is_none() || video.ready_state() < 2 {
        return;
    }
    let pixels = match video_frame(&video) {
        Ok(pixels) => pixels,
        Err(_) => return,
    };
    let result = classify_pixels(&runtime, &dispatch, pixels, "webcam").await;
    // A frame that finishes after the webcam was stopped is not shown.
    if let (Some((outcome, ms)), true) = (result, runtime.borrow().stream.is_some()) {
        dispatch.dispatch(Action::Classified { outcome, ms, note: None });
    }
}

/// Runs the model on pixels; when the WebGPU device fails, moves to the CPU
/// and tries once more on the same prepared input. Returns the outcome and
/// the milliseconds it took (preparation, forward, readback); errors go to
/// the page (`None` then).
async fn classify_pixels(
    runtime: &Shared,
    dispatch: &UseReducerDispatcher<State>,
    pixels: Pixels,
    source: &str,
) -> Option<(Outcome, f64)> {
    let model = runtime.borrow().weights.as_ref().map(|w| w.name.clone()).unwrap_or_default();
    let engine = runtime.borrow().engine.clone()?;
    let start = engine::now_ms();
    let image = match engine.prepare_rgba(pixels.rgba, pixels.width, pixels.height) {
        Ok(image) => image,
        Err(e) => {
            dispatch.dispatch(Action::Error(format!("{source}: {e}")));
            return None;
        }
    };
    runtime.borrow_mut().in_flight = true;
    let mut result = engine::analyse(&engine, &model, image.clone()).await;
    if let Err(failure) = &result {
        if failure.kind == FailureKind::Device && runtime.borrow().backend == Backend::WebGpu {
            if let Some(engine) = fall_back_to_cpu(runtime, dispatch, &failure.message).await {
                result = engine::analyse(&engine, &model, image).await;
            }
        }
    }
    runtime.borrow_mut().in_flight = false;
    match result {
        Ok(analysis) => {
            let predictions = analysis.result.predictions.clone();
            let analysis = Some(Rc::new(analysis));
            let outcome = Outcome { source: source.to_string(), model, predictions, preview: None, analysis };
            Some((outcome, engine::now_ms() - start))
        }
        Err(e) => {
            dispatch.dispatch(Action::Error(format!("{source}: {}", e.message)));
            None
        }
    }
}

/// Rebuilds the model on the CPU after the WebGPU device failed, and says so.
async fn fall_back_to_cpu(
    runtime: &Shared,
    dispatch: &UseReducerDispatcher<State>,
    reason: &str,
) -> Option<Rc<Engine>> {
    web_sys::console::warn_1(&format!("WebGPU failed, switching to the CPU: {reason}").into());
    let backend = Backend::Cpu("the WebGPU device was lost, so the model now runs on the CPU".into());
    let weights = {
        let mut rt = runtime.borrow_mut();
        rt.device = Device::flex();
        rt.backend = backend.clone();
        rt.engine = None;
        rt.weights.clone()
    };
    dispatch.dispatch(Action::Backend(backend));
    let engine = weights?.load(&Device::flex()).await.ok()?;
    runtime.borrow_mut().engine = Some(engine.clone());
    Some(engine)
}

/// Measures the input gradient of one token at one depth on the image of
/// `analysis` (the effective receptive field), if its model is still the
/// one in use.
pub async fn measure_field(
    runtime: Shared,
    dispatch: UseReducerDispatcher<State>,
    analysis: Rc<Analysis>,
    depth: usize,
    token: (usize, usize),
) {
    let current = runtime.borrow().weights.as_ref().map(|w| w.name.clone());
    let Some(engine) = runtime.borrow().engine.clone() else { return };
    if current.as_deref() != Some(analysis.model.as_str()) {
        return dispatch.dispatch(Action::Error("the model changed; classify the image again to measure".into()));
    }
    dispatch.dispatch(Action::Measuring { depth, token });
    gloo::timers::future::TimeoutFuture::new(0).await;
    runtime.borrow_mut().in_flight = true;
    let start = engine::now_ms();
    let result = engine.measure_field(&analysis.image, depth, token).await;
    runtime.borrow_mut().in_flight = false;
    match result {
        Ok(map) => {
            let ms = engine::now_ms() - start;
            let field = MeasuredField { analysis: analysis.id, depth, token, map, ms };
            dispatch.dispatch(Action::Measured(Rc::new(field)));
        }
        Err(e) => dispatch.dispatch(Action::Error(format!("measuring the receptive field failed: {e}"))),
    }
}
