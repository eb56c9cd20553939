//! The page's hooks: the engine's client (started once; its replies become
//! actions), drop-anywhere and paste, and the webcam's stream.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use shiftscope::engine::protocol::{Request, WeightsSource};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::client::Client;
use crate::device::now_ms;
use crate::fetch::shipped_card;
use crate::image_input::{decode_blob, Pixels};
use crate::state::{Action, ModelSlot, Sent, State};
use shiftscope::card::ModelCard;
use shiftscope::engine::catalogue::SHIPPED;

/// The client, once started (the page's callbacks hold this handle).
pub type ClientHandle = Rc<RefCell<Option<Rc<Client>>>>;

/// Starts the engine's client, fetches the shipped cards and loads the
/// first model; every reply is dispatched as [`Action::Reply`].
#[hook]
pub fn use_engine(dispatch: UseReducerDispatcher<State>) -> ClientHandle {
    let handle: ClientHandle = use_mut_ref(|| None);
    {
        let handle = handle.clone();
        use_effect_with((), move |_| {
            let replies = dispatch.clone();
            let on_reply = Callback::from(move |reply| replies.dispatch(Action::Reply { reply, at_ms: now_ms() }));
            let notes = dispatch.clone();
            let on_note = Callback::from(move |note| notes.dispatch(Action::Note(note)));
            let client = Client::start(on_reply, on_note);
            *handle.borrow_mut() = Some(client.clone());
            spawn_local(async move {
                // The first model loads as soon as its card is here; the
                // other cards follow while it downloads.
                let mut cards: Vec<ModelCard> = vec![];
                let mut failures = vec![];
                for name in SHIPPED {
                    match shipped_card(name).await {
                        Ok(card) => {
                            if cards.is_empty() {
                                load_shipped(&client, &dispatch, card.clone());
                            }
                            cards.push(card);
                        }
                        Err(e) => failures.push(e),
                    }
                }
                let none = cards.is_empty();
                dispatch.dispatch(Action::Cards(cards));
                if !failures.is_empty() {
                    dispatch.dispatch(Action::Error(failures.join("; ")));
                }
                if none {
                    dispatch.dispatch(Action::Error("no model could be loaded".into()));
                }
            });
        });
    }
    handle
}

/// Asks for a shipped model.
pub fn load_shipped(client: &Client, dispatch: &UseReducerDispatcher<State>, card: ModelCard) {
    let model = client.number();
    dispatch.dispatch(Action::Load(Box::new(ModelSlot {
        number: model,
        name: card.name.clone(),
        card: Some(card.clone()),
        config: None,
        load_ms: None,
    })));
    client.send(Request::Load { model, source: WeightsSource::Shipped(Box::new(card)) }, vec![]);
}

/// Asks for the visitor's own weights (`variant` for files without a config).
pub fn load_given(
    client: &Client,
    dispatch: &UseReducerDispatcher<State>,
    file_name: String,
    bytes: Vec<u8>,
    variant: String,
) {
    let model = client.number();
    dispatch.dispatch(Action::Load(Box::new(ModelSlot {
        number: model,
        name: file_name.clone(),
        card: None,
        config: None,
        load_ms: None,
    })));
    client.send(Request::Load { model, source: WeightsSource::Given { file_name, variant } }, bytes);
}

/// Sends pixels to be classified, remembering what they are.
pub fn send_pixels(client: &Client, dispatch: &UseReducerDispatcher<State>, pixels: Pixels, sent: Sent) {
    let image = client.number();
    dispatch.dispatch(Action::Sent { image, sent });
    client.send(Request::Classify { image, width: pixels.width, height: pixels.height }, pixels.rgba);
}

/// Decodes an image blob from any input and sends it.
pub fn classify_blob(
    handle: &ClientHandle,
    dispatch: &UseReducerDispatcher<State>,
    blob: web_sys::Blob,
    source: String,
) {
    decode_and_send(handle, dispatch, blob, source, false);
}

/// Like [`classify_blob`], but sends nothing once any image has been sent
/// (the page's own first example gives way to the visitor's image).
pub fn classify_unless_given(
    handle: &ClientHandle,
    dispatch: &UseReducerDispatcher<State>,
    blob: web_sys::Blob,
    source: String,
) {
    decode_and_send(handle, dispatch, blob, source, true);
}

fn decode_and_send(
    handle: &ClientHandle,
    dispatch: &UseReducerDispatcher<State>,
    blob: web_sys::Blob,
    source: String,
    unless_given: bool,
) {
    let Some(client) = handle.borrow().clone() else { return };
    let dispatch = dispatch.clone();
    spawn_local(async move {
        match decode_blob(&blob).await {
            Ok(_) if unless_given && client.sent_image() => {}
            Ok((pixels, note)) => {
                let preview = web_sys::Url::create_object_url_with_blob(&blob).ok();
                let sent = Sent { source, preview, note, live: false, at_ms: now_ms() };
                send_pixels(&client, &dispatch, pixels, sent);
            }
            Err(e) => dispatch.dispatch(Action::Error(format!("{source}: {e}"))),
        }
    });
}

/// The first file of a drop or paste, if any.
fn first_file(transfer: Option<web_sys::DataTransfer>) -> Option<web_sys::File> {
    transfer?.files()?.get(0)
}

/// Drop anywhere on the page and paste: each file goes to `on_image` with
/// its source. Returns whether a drag hovers over the page.
#[hook]
pub fn use_drop_and_paste(on_image: Callback<(web_sys::Blob, String)>, on_error: Callback<String>) -> bool {
    let dragging = use_state(|| false);
    {
        let dragging = dragging.clone();
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
                let (on_image, on_error) = (on_image.clone(), on_error.clone());
                EventListener::new_with_options(&document, "drop", options, move |event| {
                    event.prevent_default();
                    dragging.set(false);
                    let event = event.unchecked_ref::<web_sys::DragEvent>();
                    match first_file(event.data_transfer()) {
                        Some(file) => on_image.emit((file.clone().into(), file.name())),
                        None => on_error.emit("the drop held no file (drag an image file, not a link)".into()),
                    }
                })
            };
            let paste = EventListener::new(&document, "paste", move |event| {
                let event = event.unchecked_ref::<web_sys::ClipboardEvent>();
                match first_file(event.clipboard_data()) {
                    Some(file) => on_image.emit((file.into(), "pasted image".into())),
                    None => on_error.emit("the clipboard holds no image (copy an image, then paste)".into()),
                }
            });
            move || drop((over, leave, on_drop, paste))
        });
    }
    *dragging
}
