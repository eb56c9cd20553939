//! What runs the engine: the device, the loaded model and the latest image,
//! answering the page's [`Request`]s with [`Reply`]s. It runs in the Web
//! Worker (see `worker.rs`), or in the page when no worker can start; the
//! messages are the same either way.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use shiftscope::engine::protocol::{Backend, Failure, FailureKind, Reply, Request, WeightsSource};
use shiftscope::engine::{requested_for, Engine, Spec};
use shiftscope::preprocess::{rgb_from_rgba, Prepared};
use shiftscope::Device;
use shiftscope::RgbImage;
use wasm_bindgen_futures::spawn_local;

use crate::device::{init_device, now_ms};
use crate::fetch::shipped_weights;

mod views;

/// How many recent images are kept to measure fields on.
const KEPT_IMAGES: usize = 4;

/// Weights as bytes, kept to rebuild the model on the CPU after a device
/// failure.
#[derive(Clone)]
pub(crate) struct Weights {
    name: String,
    bytes: Rc<Vec<u8>>,
    /// The architecture and profile of a file that carries no config.
    requested: Option<Spec>,
}

/// An image given before any model was ready.
struct Waiting {
    image: u64,
    rgba: Vec<u8>,
    width: u32,
    height: u32,
}

#[derive(Default)]
struct Slots {
    /// The model in use: its number, weights and engine.
    model: Option<(u64, Weights, Rc<Engine>)>,
    /// The number of the latest load asked for.
    latest_load: u64,
    /// The latest image given while no model was ready.
    waiting: Option<Waiting>,
    /// Whether the model in use is on its first run (on a GPU, compiling
    /// its pipelines): images given meanwhile wait, as the page hears
    /// `Ready` only after it.
    first_run: bool,
    /// The latest images classified, newest last, kept to measure fields
    /// on (the page may show one that is not the newest: a webcam frame
    /// answered after the webcam stopped is not shown).
    images: VecDeque<(u64, Rc<Prepared>)>,
    /// The latest image classified, as given (for the views that run it
    /// at another size or through other models).
    photo: Option<(u64, Rc<RgbImage>)>,
    /// Shipped models other than the one in use, loaded for the
    /// side-by-side views: name and engine.
    peers: Vec<(String, Rc<Engine>)>,
}

/// The engine's side of the protocol.
pub struct Host {
    device: RefCell<(Device, Backend)>,
    slots: RefCell<Slots>,
    reply: Box<dyn Fn(Reply)>,
}

impl Host {
    /// Chooses the device; replies go to `reply` (the caller announces
    /// the start with [`Reply::Started`] once it can take requests).
    pub async fn start(reply: impl Fn(Reply) + 'static) -> Rc<Host> {
        let (device, backend) = init_device(None).await.expect("only an insisted-on device can be refused");
        Rc::new(Host { device: RefCell::new((device, backend)), slots: RefCell::default(), reply: Box::new(reply) })
    }

    /// What runs the model now.
    pub fn backend(&self) -> Backend {
        self.device.borrow().1.clone()
    }

    /// Starts answering `request` (`bytes`: the pixels or weights that came
    /// with it).
    pub fn handle(self: &Rc<Self>, request: Request, bytes: Vec<u8>) {
        let host = self.clone();
        spawn_local(async move {
            match request {
                Request::Load { model, source } => host.load(model, source, bytes).await,
                Request::Classify { image, width, height } => {
                    host.classify(Waiting { image, rgba: bytes, width, height }).await
                }
                Request::Measure { image, depth, token } => host.measure(image, depth, token).await,
                Request::Regions { image, size } => host.regions(image, size).await,
                Request::Compare { image, cards } => host.compare(image, cards).await,
                Request::Shuffle { image, seed, cards } => host.shuffle(image, seed, cards).await,
            }
        });
    }

    /// What the device's allocator holds now: live allocations, bytes in
    /// use and bytes reserved; `None` where the device reports nothing
    /// (burn's CPU backend).
    pub fn allocator(&self) -> Option<[u64; 3]> {
        let usage = self.device().memory_pool_usage()?;
        Some([usage.number_allocs, usage.bytes_in_use, usage.bytes_reserved])
    }

    /// The model in use: its number and engine.
    fn model_in_use(&self) -> Option<(u64, Rc<Engine>)> {
        self.slots.borrow().model.as_ref().map(|(number, _, engine)| (*number, engine.clone()))
    }

    fn device(&self) -> Device {
        self.device.borrow().0.clone()
    }

    async fn load(self: Rc<Self>, model: u64, source: WeightsSource, bytes: Vec<u8>) {
        self.slots.borrow_mut().latest_load = model;
        let weights = match self.weights(model, source, bytes).await {
            Ok(weights) => weights,
            Err(failure) => return (self.reply)(Reply::LoadFailed { model, failure }),
        };
        (self.reply)(Reply::Warming { model, name: weights.name.clone() });
        // An image already waiting warms the model up itself.
        let warm_up = self.slots.borrow().waiting.is_none();
        let Built { engine, note, load_ms } = match build(&weights, &self.device(), warm_up).await {
            Ok(built) => built,
            Err(failure) => return (self.reply)(Reply::LoadFailed { model, failure }),
        };
        if self.slots.borrow().latest_load != model {
            return;
        }
        let config = Box::new(engine.config().clone());
        let first = {
            let mut slots = self.slots.borrow_mut();
            slots.model = Some((model, weights.clone(), engine.clone()));
            slots.images.clear();
            slots.first_run = slots.waiting.is_some();
            slots.waiting.take()
        };
        // An image that waited is the model's first run: the page hears
        // `Ready` once it has run (on a GPU, once its pipelines compiled),
        // with the answer right after; images given meanwhile follow.
        let answer = match first {
            Some(first) => Some(self.answer(model, &engine, first).await),
            None => None,
        };
        let given_meanwhile = {
            let mut slots = self.slots.borrow_mut();
            slots.first_run = false;
            slots.waiting.take()
        };
        (self.reply)(Reply::Ready { model, name: weights.name, config, note, load_ms });
        if let Some(answer) = answer {
            (self.reply)(answer);
        }
        if let Some(given) = given_meanwhile {
            self.classify(given).await;
        }
    }

    /// The weights of a load: downloaded and checked, or given.
    async fn weights(&self, model: u64, source: WeightsSource, bytes: Vec<u8>) -> Result<Weights, Failure> {
        match source {
            WeightsSource::Shipped(card) => {
                let progress = |received, total| (self.reply)(Reply::Downloading { model, received, total });
                let bytes = shipped_weights(&card, progress).await.map_err(|e| Failure::new(FailureKind::Other, e))?;
                Ok(Weights { name: card.name.clone(), bytes: Rc::new(bytes), requested: None })
            }
            WeightsSource::Given { file_name, variant } => {
                let failed = |e: shiftscope::Error| Failure::from(&e);
                let requested = requested_for(&bytes, &variant).map_err(failed)?;
                Ok(Weights { name: file_name, bytes: Rc::new(bytes), requested })
            }
        }
    }

    async fn classify(self: Rc<Self>, given: Waiting) {
        let ready = {
            let slots = self.slots.borrow();
            slots.model.as_ref().filter(|_| !slots.first_run).map(|(number, _, engine)| (*number, engine.clone()))
        };
        let Some((model, engine)) = ready else {
            self.slots.borrow_mut().waiting = Some(given);
            return;
        };
        let answer = self.answer(model, &engine, given).await;
        (self.reply)(answer);
    }

    /// Classifies `given` with `engine` (model number `model`), keeping the
    /// prepared image to measure fields on; falls back to the CPU when the
    /// GPU device fails.
    async fn answer(&self, model: u64, engine: &Engine, given: Waiting) -> Reply {
        let image = given.image;
        let photo = match rgb_from_rgba(given.rgba, given.width, given.height) {
            Ok(photo) => Rc::new(photo),
            Err(e) => return Reply::Failed { image, failure: Failure::from(&e) },
        };
        let prepared = Rc::new(engine.prepare(&photo));
        let result = match engine.analyse(&prepared, 5).await {
            // A lost WebGPU device fails the run or, more often, the read-back.
            Err(e @ (shiftscope::Error::Device(_) | shiftscope::Error::Readback(_))) => {
                match self.fall_back_to_cpu(&e).await {
                    Some(engine) => engine.analyse(&prepared, 5).await,
                    None => Err(e),
                }
            }
            result => result,
        };
        match result {
            Ok(analysis) => {
                let slots = &mut *self.slots.borrow_mut();
                if slots.images.len() == KEPT_IMAGES {
                    slots.images.pop_front();
                }
                slots.images.push_back((image, prepared));
                slots.photo = Some((image, photo));
                Reply::Classified { model, image, analysis: Box::new(analysis) }
            }
            Err(e) => Reply::Failed { image, failure: Failure::from(&e) },
        }
    }

    async fn measure(self: Rc<Self>, image: u64, depth: usize, token: (usize, usize)) {
        let (model, prepared) = {
            let slots = self.slots.borrow();
            let prepared = slots.images.iter().find(|(number, _)| *number == image).map(|(_, p)| p.clone());
            (self.model_in_use(), prepared)
        };
        let (Some((model, engine)), Some(prepared)) = (model, prepared) else {
            let failure = Failure::new(FailureKind::Run, "the image or the model changed; classify the image again");
            return (self.reply)(Reply::Failed { image, failure });
        };
        let start = now_ms();
        match engine.measure_field(&prepared, depth, token).await {
            Ok(map) => (self.reply)(Reply::Measured { model, image, depth, token, map, ms: now_ms() - start }),
            Err(e) => (self.reply)(Reply::Failed { image, failure: Failure::from(&e) }),
        }
    }

    /// Rebuilds the model on the CPU after the WebGPU device failed, and says
    /// so; `None` when already on the CPU or the rebuild fails.
    async fn fall_back_to_cpu(&self, error: &shiftscope::Error) -> Option<Rc<Engine>> {
        if self.device.borrow().1 != Backend::WebGpu {
            return None;
        }
        web_sys::console::warn_1(&format!("WebGPU failed, switching to the CPU: {error}").into());
        let backend = Backend::Cpu("the WebGPU device was lost, so the model now runs on the CPU".into());
        *self.device.borrow_mut() = (Device::flex(), backend.clone());
        (self.reply)(Reply::Backend { backend });
        let (model, weights, _) = self.slots.borrow().model.clone()?;
        let engine = build(&weights, &Device::flex(), false).await.ok()?.engine;
        self.slots.borrow_mut().model = Some((model, weights, engine.clone()));
        Some(engine)
    }
}

/// A model built from weights.
pub(crate) struct Built {
    /// Its engine.
    pub engine: Rc<Engine>,
    /// What the visitor should know about the file (skipped entries).
    pub note: Option<String>,
    /// Milliseconds reading the weights and building the model took.
    pub load_ms: f64,
}

/// The engine of `weights` on `device`, warmed up (GPU pipelines compiled)
/// when `warm_up`.
pub(crate) async fn build(weights: &Weights, device: &Device, warm_up: bool) -> Result<Built, Failure> {
    let failed = |e: shiftscope::Error| Failure::from(&e);
    let start = now_ms();
    let (engine, note) = Engine::from_bytes(weights.bytes.to_vec(), &weights.name, weights.requested.as_ref(), device)
        .await
        .map_err(failed)?;
    let note = note.map(|note| format!("{}: {note}", weights.name));
    let load_ms = now_ms() - start;
    if warm_up {
        engine.warm_up().await.map_err(failed)?;
    }
    Ok(Built { engine: Rc::new(engine), note, load_ms })
}
