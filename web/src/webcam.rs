//! The webcam: start and stop the camera stream, and a loop that classifies
//! the latest frame whenever the previous one is done (frames that arrive
//! meanwhile are dropped, so nothing queues up).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use yew::UseReducerDispatcher;

use crate::runtime::{classify_frame, Shared};
use crate::state::{Action, State};

/// What a `getUserMedia` failure means for the visitor.
fn camera_error(error: JsValue) -> String {
    let name = error.dyn_ref::<web_sys::DomException>().map(|e| e.name()).unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => {
            "the camera permission was denied (allow it in the address bar to use the webcam)".into()
        }
        "NotFoundError" | "OverconstrainedError" => "no camera was found on this device".into(),
        "NotReadableError" | "AbortError" => "the camera is in use by another application".into(),
        _ => format!("the webcam could not start ({name})"),
    }
}

/// Starts the camera into `video` and classifies frames until [`stop`].
pub async fn start(runtime: Shared, dispatch: UseReducerDispatcher<State>, video: web_sys::HtmlVideoElement) {
    let devices = web_sys::window().and_then(|w| w.navigator().media_devices().ok());
    let Some(devices) = devices else {
        return dispatch.dispatch(Action::Error("webcam: this page needs https (or localhost) for the camera".into()));
    };
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_video(&JsValue::TRUE);
    constraints.set_audio(&JsValue::FALSE);
    let promise = match devices.get_user_media_with_constraints(&constraints) {
        Ok(promise) => promise,
        Err(e) => return dispatch.dispatch(Action::Error(format!("webcam: {}", camera_error(e)))),
    };
    let stream: web_sys::MediaStream = match JsFuture::from(promise).await.map(|s| s.dyn_into()) {
        Ok(Ok(stream)) => stream,
        Ok(Err(_)) => return dispatch.dispatch(Action::Error("webcam: the browser gave no stream".into())),
        Err(e) => return dispatch.dispatch(Action::Error(format!("webcam: {}", camera_error(e)))),
    };
    video.set_src_object(Some(&stream));
    if let Ok(playing) = video.play() {
        let _ = JsFuture::from(playing).await;
    }
    runtime.borrow_mut().stream = Some(stream);
    dispatch.dispatch(Action::Webcam(true));
    while runtime.borrow().stream.is_some() {
        classify_frame(runtime.clone(), dispatch.clone(), video.clone()).await;
        // Yield to the page between frames.
        gloo::timers::future::TimeoutFuture::new(15).await;
    }
}

/// Stops the camera (the frame loop ends after its current frame).
pub fn stop(runtime: &Shared, dispatch: &UseReducerDispatcher<State>, video: Option<web_sys::HtmlVideoElement>) {
    if let Some(stream) = runtime.borrow_mut().stream.take() {
        for track in stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                track.stop();
            }
        }
    }
    if let Some(video) = video {
        video.set_src_object(None);
    }
    dispatch.dispatch(Action::Webcam(false));
}
