//! The webcam: start and stop the camera stream, and a loop that sends the
//! latest frame whenever the engine has answered the previous image
//! (frames that arrive meanwhile are dropped, so nothing queues up).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::device::now_ms;
use crate::hooks::{send_pixels, ClientHandle};
use crate::image_input::video_frame;
use crate::state::{Action, Sent, State};

/// The camera's stream while it runs.
pub type StreamHandle = Rc<RefCell<Option<web_sys::MediaStream>>>;

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

/// Starts the camera into `video` and sends frames until [`stop`].
async fn start(
    client: ClientHandle,
    stream_handle: StreamHandle,
    dispatch: UseReducerDispatcher<State>,
    video: web_sys::HtmlVideoElement,
) {
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
    *stream_handle.borrow_mut() = Some(stream);
    dispatch.dispatch(Action::Webcam(true));
    while stream_handle.borrow().is_some() {
        let client = client.borrow().clone();
        if let Some(client) = client.filter(|c| !c.busy() && video.ready_state() >= 2) {
            if let Ok(pixels) = video_frame(&video) {
                let sent = Sent { source: "webcam".into(), preview: None, note: None, live: true, at_ms: now_ms() };
                send_pixels(&client, &dispatch, pixels, sent);
            }
        }
        // Yield to the page between frames.
        gloo::timers::future::TimeoutFuture::new(4).await;
    }
}

/// The webcam button's callback: starts the camera into `video`, or stops
/// it when `running`; the stream lives as long as the page.
#[hook]
pub fn use_webcam(
    client: ClientHandle,
    dispatch: UseReducerDispatcher<State>,
    video: NodeRef,
    running: bool,
) -> Callback<()> {
    let stream: StreamHandle = use_mut_ref(|| None);
    Callback::from(move |_: ()| {
        let element = video.cast::<web_sys::HtmlVideoElement>();
        match (running, element) {
            (true, element) => stop(&stream, &dispatch, element),
            (false, Some(element)) => {
                wasm_bindgen_futures::spawn_local(start(client.clone(), stream.clone(), dispatch.clone(), element))
            }
            (false, None) => {}
        }
    })
}

/// Stops the camera (the frame loop ends; a frame still being classified
/// is not shown).
fn stop(stream: &StreamHandle, dispatch: &UseReducerDispatcher<State>, video: Option<web_sys::HtmlVideoElement>) {
    if let Some(stream) = stream.borrow_mut().take() {
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
