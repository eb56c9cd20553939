//! The page's non-rendered state (device, loaded model, webcam stream) and
//! the async jobs that change it: loading a model, classifying an image or
//! a webcam frame, and falling back to the CPU when WebGPU is lost.

use std::cell::RefCell;
use std::rc::Rc;

use shiftscope::classifier::Classifier;
use shiftscope::predict::read_f32_async;
use shiftscope::preprocess::prepare_rgba;
use shiftscope::viz::{head_weights_async, token_gradient, HeadWeights, PixelMap};
use shiftscope::Device;
use yew::UseReducerDispatcher;

use crate::engine::{self, Analysis, Backend, Weights};
use crate::image_input::{decode_blob, video_frame, Pixels};
use crate::state::{Action, MeasuredField, Outcome, State};

/// Device, model and webcam, shared by the page's callbacks.
pub struct Runtime {
    device: Device,
    backend: Backend,
    weights: Option<Weights>,
    classifier: Option<Rc<Classifier>>,
    head: Option<Rc<HeadWeights>>,
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
            classifier: None,
            head: None,
            stream: None,
            in_flight: false,
            load_generation: 0,
        }))
    }
}

/// Builds `weights` on the current device, warms it up and makes it the
/// model in use; on failure the previous model stays.
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
    let result = match weights.load(&device) {
        Ok(classifier) => engine::warm_up(&classifier).await.map(|_| classifier),
        Err(e) => Err(e),
    };
    // The head feeds class activation only; without it the rest still works.
    let head = match &result {
        Ok(classifier) => head_weights_async(&classifier.model).await.ok().map(Rc::new),
        Err(_) => None,
    };
    if runtime.borrow().load_generation != generation {
        return;
    }
    match result {
        Ok(classifier) => {
            let mut rt = runtime.borrow_mut();
            rt.classifier = Some(classifier);
            rt.head = head;
            rt.weights = Some(weights.clone());
            drop(rt);
            dispatch.dispatch(Action::Ready { name: weights.name, card: weights.card.map(Box::new) });
        }
        Err(e) => dispatch.dispatch(Action::LoadFailed(format!("{}: {e}", weights.name))),
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

/// Decodes and classifies a dropped, pasted, chosen or example image.
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
    if let Some((mut outcome, ms)) = classify_pixels(&runtime, &dispatch, pixels, &source).await {
        outcome.preview = preview;
        dispatch.dispatch(Action::Classified { outcome, ms, note });
    }
}

/// Classifies the webcam's current frame unless one is still running.
pub async fn classify_frame(runtime: Shared, dispatch: UseReducerDispatcher<State>, video: web_sys::HtmlVideoElement) {
    if runtime.borrow().in_flight || video.ready_state() < 2 {
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

/// Runs the model on pixels; on a WebGPU failure switches to the CPU and
/// tries once more on the same prepared input. Returns the outcome and the
/// milliseconds it took (preparation, forward, readback); errors go to the
/// page (`None` then).
async fn classify_pixels(
    runtime: &Shared,
    dispatch: &UseReducerDispatcher<State>,
    pixels: Pixels,
    source: &str,
) -> Option<(Outcome, f64)> {
    let model = runtime.borrow().weights.as_ref().map(|w| w.name.clone()).unwrap_or_default();
    let Some(classifier) = runtime.borrow().classifier.clone() else {
        dispatch.dispatch(Action::Error(format!("{source}: no model is loaded yet")));
        return None;
    };
    let start = engine::now_ms();
    let chw = match prepare_rgba(pixels.rgba, pixels.width, pixels.height, &classifier.preprocess()) {
        Ok(chw) => chw,
        Err(e) => {
            dispatch.dispatch(Action::Error(format!("{source}: {e}")));
            return None;
        }
    };
    runtime.borrow_mut().in_flight = true;
    let head = runtime.borrow().head.clone();
    let mut result = engine::analyse(&classifier, &model, chw.clone(), head.clone()).await;
    if let Err(reason) = &result {
        if runtime.borrow().backend == Backend::WebGpu {
            if let Some(classifier) = fall_back_to_cpu(runtime, dispatch, reason) {
                result = engine::analyse(&classifier, &model, chw, head).await;
            }
        }
    }
    runtime.borrow_mut().in_flight = false;
    match result {
        Ok((predictions, analysis)) => {
            let analysis = Some(Rc::new(analysis));
            let outcome = Outcome { source: source.to_string(), model, predictions, preview: None, analysis };
            Some((outcome, engine::now_ms() - start))
        }
        Err(e) => {
            dispatch.dispatch(Action::Error(format!("{source}: {e}")));
            None
        }
    }
}

/// Rebuilds the model on the CPU after WebGPU failed, and says so.
fn fall_back_to_cpu(runtime: &Shared, dispatch: &UseReducerDispatcher<State>, reason: &str) -> Option<Rc<Classifier>> {
    web_sys::console::warn_1(&format!("WebGPU failed, switching to the CPU: {reason}").into());
    let mut rt = runtime.borrow_mut();
    let backend = Backend::Cpu("the WebGPU device was lost, so the model now runs on the CPU".into());
    rt.device = Device::flex();
    rt.backend = backend.clone();
    let classifier = rt.weights.as_ref().and_then(|w| w.load(&rt.device).ok());
    rt.classifier = classifier.clone();
    drop(rt);
    dispatch.dispatch(Action::Backend(backend));
    classifier
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
    let Some(classifier) = runtime.borrow().classifier.clone() else { return };
    if current.as_deref() != Some(analysis.model.as_str()) {
        return dispatch.dispatch(Action::Error("the model changed; classify the image again to measure".into()));
    }
    dispatch.dispatch(Action::Measuring { depth, token });
    gloo::timers::future::TimeoutFuture::new(0).await;
    runtime.borrow_mut().in_flight = true;
    let start = engine::now_ms();
    let gradient = token_gradient(&classifier.model, classifier.chw_input(analysis.chw.clone()), depth, token);
    let result = read_f32_async(gradient).await;
    runtime.borrow_mut().in_flight = false;
    match result {
        Ok(values) => {
            let side = analysis.config.image_size;
            let map = PixelMap { side, values: values.into_iter().map(f64::from).collect() };
            let ms = engine::now_ms() - start;
            dispatch.dispatch(Action::Measured(Rc::new(MeasuredField {
                analysis: analysis.id,
                depth,
                token,
                map,
                ms,
            })));
        }
        Err(e) => dispatch.dispatch(Action::Error(format!("measuring the receptive field failed: {e}"))),
    }
}
