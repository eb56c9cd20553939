//! What the page shows, changed only through [`Action`]s by a pure reducer
//! (no side effects: the page's effects live in `app.rs`). The engine's
//! [`Reply`]s arrive as actions too; each names the model and image it
//! belongs to, and an answer for an older model or image is dropped here,
//! by number.

use std::collections::BTreeMap;
use std::rc::Rc;

use shiftscope::card::ModelCard;
use shiftscope::engine::protocol::ModelConfig;
use shiftscope::engine::protocol::{Backend, Reply, View};
use shiftscope::latency::LatencyWindow;
use shiftscope::predict::Prediction;
use shiftscope::viz::PixelMap;
use yew::Reducible;

use crate::views_state::Views;

/// Recent runs the latency median covers.
const LATENCY_WINDOW: usize = 15;

/// What the model slot is doing.
#[derive(Clone, PartialEq, Debug)]
pub enum Phase {
    /// Starting the engine and choosing a device.
    Starting,
    /// Downloading weights: bytes received and expected (0 = unknown).
    Downloading { name: String, received: f64, total: f64 },
    /// Building the model and compiling GPU pipelines.
    Warming { name: String },
    /// Ready to classify.
    Ready,
    /// No model could be loaded.
    NoModel,
}

/// A message for the visitor.
#[derive(Clone, PartialEq, Debug)]
pub enum Message {
    /// Something failed; the app keeps working.
    Error(String),
    /// Information about the image shown (e.g. an animation was classified
    /// by its first frame); the next result clears it, as it does errors.
    Note(String),
    /// Information about the page itself (e.g. the model runs in the page,
    /// not in a worker); it stays until another message replaces it.
    Notice(String),
}

/// One image as the model saw it, with everything the panel draws.
#[derive(Debug)]
pub struct Analysis {
    /// The image's number (views compare analyses by it).
    pub id: u64,
    /// Its configuration.
    pub config: ModelConfig,
    /// The crop as RGBA pixels, `image_size²` (what overlays are drawn on).
    pub rgba: Vec<u8>,
    /// Top classes, split-attention, class activations, shift maps.
    pub result: shiftscope::engine::Analysis,
    /// Object URL of the image as given (none for webcam frames): what the
    /// overlays on the whole photo are drawn on.
    pub photo_url: Option<String>,
}

impl PartialEq for Analysis {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// The last classification.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Outcome {
    /// What was classified (file name, example, "webcam").
    pub source: String,
    /// The model that classified it.
    pub model: String,
    /// Top-5.
    pub predictions: Vec<Prediction>,
    /// Object URL of the image, for the preview.
    pub preview: Option<String>,
    /// What the visualisation panel draws for this image.
    pub analysis: Option<Rc<Analysis>>,
}

/// A measured (effective) receptive field.
#[derive(Clone, PartialEq, Debug)]
pub struct MeasuredField {
    /// The image it was measured on.
    pub analysis: u64,
    /// Depth (0: patch embedding, k: after block k).
    pub depth: usize,
    /// The token, `(row, col)` on that depth's grid.
    pub token: (usize, usize),
    /// Gradient magnitude per input pixel.
    pub map: PixelMap,
    /// Milliseconds the forward, backward and readback took.
    pub ms: f64,
}

/// The effective receptive field's state.
#[derive(Clone, PartialEq, Debug, Default)]
pub enum Field {
    /// Not measured yet.
    #[default]
    None,
    /// Being measured.
    Measuring {
        /// Depth asked for.
        depth: usize,
        /// Token asked for.
        token: (usize, usize),
    },
    /// Measured.
    Measured(Rc<MeasuredField>),
}

/// A model the page asked for or uses.
#[derive(Clone, PartialEq, Debug)]
pub struct ModelSlot {
    /// Its number.
    pub number: u64,
    /// Its name (card name or file name).
    pub name: String,
    /// Its card (none for the visitor's own weights).
    pub card: Option<ModelCard>,
    /// Its configuration, once the engine has built it.
    pub config: Option<ModelConfig>,
    /// Milliseconds reading its weights and building it took, once built.
    pub load_ms: Option<f64>,
}

/// An image sent to the engine and not answered yet.
#[derive(Clone, PartialEq, Debug)]
pub struct Sent {
    /// What it is (file name, example, "webcam").
    pub source: String,
    /// Object URL of the image, for the preview.
    pub preview: Option<String>,
    /// A note to show with its result.
    pub note: Option<String>,
    /// A webcam frame (not shown once the webcam stopped).
    pub live: bool,
    /// When it was sent (ms).
    pub at_ms: f64,
}

/// Everything the page renders.
#[derive(Clone, PartialEq, Debug)]
pub struct State {
    /// The backend, once chosen.
    pub backend: Option<Backend>,
    /// Cards of the shipped models that could be fetched.
    pub cards: Vec<ModelCard>,
    /// The model in use.
    pub active: Option<ModelSlot>,
    /// The latest model asked for.
    pub requested: Option<ModelSlot>,
    /// Model loading state.
    pub phase: Phase,
    /// The last result.
    pub outcome: Outcome,
    /// Results shown so far (the webcam test counts them).
    pub updates: u64,
    /// Recent latencies (from sending the pixels to the answer).
    pub latency: LatencyWindow,
    /// The current message.
    pub message: Option<Message>,
    /// Messages shown so far (tests wait for the next one).
    pub messages: u64,
    /// Whether the webcam runs.
    pub webcam: bool,
    /// The effective receptive field.
    pub field: Field,
    /// Images sent and not answered, by number.
    pub sent: BTreeMap<u64, Sent>,
    /// The papers' views.
    pub views: Views,
    /// Preview URLs the last action let go of (a replaced preview, images
    /// superseded or failed) and that nothing shown or sent still uses,
    /// for the page to revoke.
    pub released: Vec<String>,
    /// How many times a newly ready model replaced another while a photo
    /// was shown: the page sends that photo ([`State::rerun`]) again on
    /// each, so the prediction and the panel follow the model in use.
    pub reruns: u64,
}

impl Default for State {
    fn default() -> Self {
        Self {
            backend: None,
            cards: vec![],
            active: None,
            requested: None,
            phase: Phase::Starting,
            outcome: Outcome::default(),
            updates: 0,
            latency: LatencyWindow::new(LATENCY_WINDOW),
            message: None,
            messages: 0,
            webcam: false,
            field: Field::None,
            sent: BTreeMap::new(),
            views: Views::default(),
            released: vec![],
            reruns: 0,
        }
    }
}

/// A change to the page.
#[derive(Debug)]
pub enum Action {
    /// Shipped cards arrived.
    Cards(Vec<ModelCard>),
    /// The page asked for a model.
    Load(Box<ModelSlot>),
    /// The page sent an image, numbered `image`.
    Sent {
        /// Its number.
        image: u64,
        /// What it is.
        sent: Sent,
    },
    /// The engine answered (at `at_ms`).
    Reply {
        /// The answer.
        reply: Reply,
        /// When it arrived (ms).
        at_ms: f64,
    },
    /// Something failed on the page's side (decoding, a download).
    Error(String),
    /// Information about the page itself (shown as a [`Message::Notice`]).
    Note(String),
    /// The webcam started or stopped.
    Webcam(bool),
    /// A papers' view asked the engine for image `image`.
    Asked {
        /// The view.
        view: View,
        /// The image.
        image: u64,
    },
    /// A receptive-field measurement was asked for.
    Measuring {
        /// Depth asked for.
        depth: usize,
        /// Token asked for.
        token: (usize, usize),
    },
}

impl State {
    /// The visitor acted (an image, a model, the webcam): an error shown
    /// before is over.
    fn end_error(&mut self) {
        if matches!(self.message, Some(Message::Error(_))) {
            self.message = None;
        }
    }

    fn show(&mut self, message: Message) {
        self.message = Some(message);
        self.messages += 1;
    }

    /// Whether `model` is the latest asked for.
    fn is_requested(&self, model: u64) -> bool {
        self.requested.as_ref().is_some_and(|r| r.number == model)
    }

    fn answer(&mut self, reply: Reply, at_ms: f64) {
        match reply {
            Reply::Started { backend } | Reply::Backend { backend } => {
                self.latency = LatencyWindow::new(LATENCY_WINDOW);
                self.backend = Some(backend);
            }
            Reply::Downloading { model, received, total } if self.is_requested(model) => {
                let name = self.requested.as_ref().map(|r| r.name.clone()).unwrap_or_default();
                self.phase = Phase::Downloading { name, received, total };
            }
            Reply::Warming { model, name } if self.is_requested(model) => self.phase = Phase::Warming { name },
            Reply::Ready { model, name, config, note, load_ms } if self.is_requested(model) => {
                self.phase = Phase::Ready;
                let card = self.requested.as_ref().and_then(|r| r.card.clone());
                // Another model replaces the one that answered what is shown.
                if self.active.as_ref().is_some_and(|a| a.number != model) && self.rerun().is_some() {
                    self.reruns += 1;
                }
                self.active =
                    Some(ModelSlot { number: model, name, card, config: Some(*config), load_ms: Some(load_ms) });
                self.latency = LatencyWindow::new(LATENCY_WINDOW);
                if let Some(note) = note {
                    self.show(Message::Notice(note));
                }
            }
            Reply::LoadFailed { model, failure } if self.is_requested(model) => {
                self.phase = if self.active.is_some() { Phase::Ready } else { Phase::NoModel };
                let name = self.requested.take().map(|r| r.name).unwrap_or_default();
                self.requested = self.active.clone();
                self.show(Message::Error(format!("{name}: {}", failure.message)));
            }
            Reply::Classified { model, image, analysis } => {
                let Some(sent) = self.sent.remove(&image) else { return };
                // Older images are moot once a newer one is answered.
                let newer = self.sent.split_off(&image);
                for older in std::mem::replace(&mut self.sent, newer).into_values() {
                    self.released.extend(older.preview);
                }
                let shown = self.outcome.analysis.as_ref().map_or(0, |a| a.id);
                let active = self.active.as_ref().filter(|a| a.number == model && image > shown);
                let Some((active, config)) = active.and_then(|a| Some((a, a.config.clone()?))) else {
                    return self.released.extend(sent.preview);
                };
                let rgba = analysis.rgba();
                let predictions = analysis.predictions.clone();
                let shown = Analysis { id: image, config, rgba, result: *analysis, photo_url: sent.preview.clone() };
                let preview = match sent.preview {
                    Some(new) => {
                        self.released.extend(self.outcome.preview.take());
                        Some(new)
                    }
                    None => self.outcome.preview.take(),
                };
                let (source, live) = (sent.source, sent.live);
                self.outcome = Outcome {
                    source,
                    model: active.name.clone(),
                    predictions,
                    preview,
                    analysis: Some(Rc::new(shown)),
                };
                self.updates += 1;
                self.latency.push(at_ms - sent.at_ms);
                // A notice stays; an error stays while the webcam's frames
                // come in (until the visitor acts), else the result ends it.
                let keep = match self.message {
                    Some(Message::Notice(_)) => true,
                    Some(Message::Error(_)) => live,
                    _ => false,
                };
                if !keep {
                    self.message = None;
                }
                if let Some(note) = sent.note {
                    self.show(Message::Note(note));
                }
            }
            Reply::Measured { model: _, image, depth, token, map, ms } => {
                if self.outcome.analysis.as_ref().is_some_and(|a| a.id == image) {
                    self.field = Field::Measured(Rc::new(MeasuredField { analysis: image, depth, token, map, ms }));
                }
            }
            Reply::Failed { image, failure } => {
                if let Field::Measuring { .. } = self.field {
                    self.field = Field::None;
                }
                let source = match self.sent.remove(&image) {
                    Some(sent) => {
                        self.released.extend(sent.preview);
                        sent.source
                    }
                    None => "the measurement".into(),
                };
                self.show(Message::Error(format!("{source}: {}", failure.message)));
            }
            reply @ (Reply::Regions { .. }
            | Reply::Compared { .. }
            | Reply::Shuffled { .. }
            | Reply::ViewFailed { .. }) => {
                if let Some(error) = self.views.answer(reply) {
                    self.show(Message::Error(error));
                }
            }
            Reply::Crashed { message } => self.show(Message::Error(format!("the engine stopped: {message}"))),
            // Progress of a model the page no longer waits for.
            Reply::Downloading { .. } | Reply::Warming { .. } | Reply::Ready { .. } | Reply::LoadFailed { .. } => {}
        }
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.released.clear();
        match action {
            Action::Cards(cards) => next.cards = cards,
            Action::Load(slot) => {
                next.end_error();
                next.requested = Some(*slot);
            }
            Action::Sent { image, sent } => {
                if !sent.live {
                    next.end_error();
                }
                next.sent.insert(image, sent);
            }
            Action::Reply { reply, at_ms } => next.answer(reply, at_ms),
            Action::Error(error) => {
                if let Field::Measuring { .. } = next.field {
                    next.field = Field::None;
                }
                next.show(Message::Error(error));
            }
            Action::Note(note) => next.show(Message::Notice(note)),
            Action::Webcam(on) => {
                next.end_error();
                next.webcam = on;
                if !on {
                    next.sent.retain(|_, sent| !sent.live);
                }
            }
            Action::Measuring { depth, token } => next.field = Field::Measuring { depth, token },
            Action::Asked { view, image } => next.views.ask(view, image),
        }
        // A URL let go of by one image may still be another's (a photo
        // sent again for a new model): only unused ones are revoked.
        let mut released: Vec<String> = vec![];
        for url in std::mem::take(&mut next.released) {
            if !released.contains(&url) && !next.in_use(&url) {
                released.push(url);
            }
        }
        next.released = released;
        Rc::new(next)
    }
}

// What the page reads off the state: the image shown or in flight.
#[path = "state_queries.rs"]
mod queries;

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
