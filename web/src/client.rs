//! The page's handle on the engine: it starts the Web Worker (or, when no
//! worker can start, the same [`Host`] in the page), numbers what it sends,
//! queues requests until the engine has started, and hands every
//! [`Reply`] to the page.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Reflect, Uint8Array};
use shiftscope::engine::protocol::{decode, encode, Reply, Request};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};
use yew::Callback;

use crate::host::Host;

/// A JavaScript event handler.
type Handler = Closure<dyn Fn(JsValue)>;

/// Where the engine runs.
enum Target {
    /// The worker, once it said it started.
    Worker(Worker),
    /// The page itself (set once the host has started).
    InPage(Option<Rc<Host>>),
}

/// The page's side of the protocol.
pub struct Client {
    target: RefCell<Target>,
    started: Cell<bool>,
    queue: RefCell<Vec<(Request, Vec<u8>)>>,
    next_number: Cell<u64>,
    /// The latest image sent, and the latest answered (webcam frames wait
    /// while an image is unanswered).
    images: Cell<(u64, u64)>,
    on_reply: Callback<Reply>,
    on_note: Callback<String>,
    /// The worker's handlers, kept alive while it runs.
    handlers: RefCell<Vec<Handler>>,
}

impl Client {
    /// Starts the engine in a worker, or in the page if no worker starts
    /// (said through `on_note`); replies go to `on_reply`.
    pub fn start(on_reply: Callback<Reply>, on_note: Callback<String>) -> Rc<Client> {
        let client = Rc::new(Client {
            target: RefCell::new(Target::InPage(None)),
            started: Cell::new(false),
            queue: RefCell::default(),
            next_number: Cell::new(1),
            images: Cell::new((0, 0)),
            on_reply,
            on_note,
            handlers: RefCell::default(),
        });
        match spawn_worker(&client) {
            Ok(worker) => *client.target.borrow_mut() = Target::Worker(worker),
            Err(reason) => client.run_in_page(&reason),
        }
        client
    }

    /// A fresh number for a model or an image.
    pub fn number(&self) -> u64 {
        let n = self.next_number.get();
        self.next_number.set(n + 1);
        n
    }

    /// Whether any image has been sent.
    pub fn sent_image(&self) -> bool {
        self.images.get().0 > 0
    }

    /// Whether an image is still unanswered.
    pub fn busy(&self) -> bool {
        let (sent, answered) = self.images.get();
        answered < sent
    }

    /// Sends a request with its bytes (moved to the worker, not copied).
    pub fn send(&self, request: Request, bytes: Vec<u8>) {
        if let Request::Classify { image, .. } = request {
            self.images.set((image, self.images.get().1));
        }
        if !self.started.get() {
            return self.queue.borrow_mut().push((request, bytes));
        }
        match &*self.target.borrow() {
            Target::Worker(worker) => {
                let buffer = Uint8Array::from(bytes.as_slice());
                let message = Array::of2(&JsValue::from_str(&encode(&request)), &buffer);
                let transfer = Array::of1(&buffer.buffer());
                if let Err(e) = worker.post_message_with_transfer(&message, &transfer) {
                    web_sys::console::error_1(&e);
                }
            }
            Target::InPage(Some(host)) => host.handle(request, bytes),
            Target::InPage(None) => {}
        }
    }

    fn receive(&self, reply: Reply) {
        match &reply {
            Reply::Started { .. } => {
                self.started.set(true);
                self.on_reply.emit(reply);
                for (request, bytes) in self.queue.take() {
                    self.send(request, bytes);
                }
                return;
            }
            Reply::Crashed { message } => {
                crate::show_panic(&format!("shiftscope's engine hit an internal error and stopped ({message}). Reload the page to start again."));
            }
            Reply::Classified { image, .. } | Reply::Failed { image, .. } => {
                let (sent, answered) = self.images.get();
                self.images.set((sent, answered.max(*image)));
            }
            _ => {}
        }
        self.on_reply.emit(reply);
    }

    /// Runs the host in the page, after telling the visitor why.
    fn run_in_page(self: &Rc<Self>, reason: &str) {
        web_sys::console::warn_1(&format!("the engine runs in the page: {reason}").into());
        self.on_note.emit(format!("The model runs in the page, which may pause while it works: {reason}."));
        if let Target::Worker(worker) = &*self.target.borrow() {
            worker.terminate();
        }
        *self.target.borrow_mut() = Target::InPage(None);
        let client = self.clone();
        spawn_local(async move {
            let replies = client.clone();
            let host = Host::start(move |reply| replies.receive(reply)).await;
            let backend = host.backend();
            *client.target.borrow_mut() = Target::InPage(Some(host));
            client.receive(Reply::Started { backend });
        });
    }
}

/// Starts `worker.js` with the module and bindings that `boot.js` left in
/// `globalThis.shiftscopeBoot`.
fn spawn_worker(client: &Rc<Client>) -> Result<Worker, String> {
    let boot = Reflect::get(&js_sys::global(), &"shiftscopeBoot".into()).map_err(|_| "no boot record")?;
    if boot.is_undefined() {
        return Err("the page was started without its boot script".into());
    }
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("worker.js", &options).map_err(|e| describe(&e))?;
    let on_message = {
        let client = Rc::downgrade(client);
        Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
            let Some(client) = client.upgrade() else { return };
            let data = event.unchecked_into::<MessageEvent>().data();
            match data.as_string() {
                Some(text) => match decode::<Reply>(&text) {
                    Ok(reply) => client.receive(reply),
                    Err(e) => web_sys::console::error_1(&format!("worker: {e}").into()),
                },
                None => {
                    let error = Reflect::get(&data, &"bootError".into()).ok().and_then(|e| e.as_string());
                    client.run_in_page(&format!("its worker could not start ({})", error.unwrap_or_default()));
                }
            }
        })
    };
    let on_error = {
        let client = Rc::downgrade(client);
        Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
            let Some(client) = client.upgrade() else { return };
            let message = Reflect::get(&event, &"message".into()).ok().and_then(|m| m.as_string());
            if !client.started.get() {
                client.run_in_page(&format!("its worker could not start ({})", message.unwrap_or_default()));
            } else {
                web_sys::console::error_1(&format!("worker error: {message:?}").into());
            }
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    client.handlers.borrow_mut().extend([on_message, on_error]);
    worker.post_message(&boot).map_err(|e| describe(&e))?;
    Ok(worker)
}

fn describe(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
