//! What the page shows, changed only through [`Action`]s (a pure yew
//! reducer: no side effects), so that results arriving from async tasks
//! never overwrite newer ones.

use std::rc::Rc;

use shiftscope::card::ModelCard;
use shiftscope::latency::LatencyWindow;
use shiftscope::predict::Prediction;
use yew::Reducible;

use shiftscope::viz::PixelMap;

use crate::engine::{Analysis, Backend};

/// Recent runs the latency median covers.
const LATENCY_WINDOW: usize = 15;

/// What the model slot is doing.
#[derive(Clone, PartialEq, Debug)]
pub enum Phase {
    /// Choosing a device.
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
    /// Information (e.g. an animation was classified by its first frame).
    Note(String),
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
    /// The analysis (image) it was measured on.
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

/// Everything the page renders.
#[derive(Clone, PartialEq, Debug)]
pub struct State {
    /// The backend, once chosen.
    pub backend: Option<Backend>,
    /// Cards of the shipped models that could be fetched.
    pub cards: Vec<ModelCard>,
    /// Name of the model in use.
    pub active: Option<String>,
    /// Card of the model in use (none for the visitor's own weights).
    pub active_card: Option<ModelCard>,
    /// Model loading state.
    pub phase: Phase,
    /// The last result.
    pub outcome: Outcome,
    /// Results shown so far (the webcam test counts them).
    pub updates: u64,
    /// Recent latencies.
    pub latency: LatencyWindow,
    /// The current message.
    pub message: Option<Message>,
    /// Messages shown so far (tests wait for the next one).
    pub messages: u64,
    /// Whether the webcam runs.
    pub webcam: bool,
    /// The effective receptive field.
    pub field: Field,
    /// An image given before any model was ready, which is classified as
    /// soon as one is (its source).
    pub waiting: Option<String>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            backend: None,
            cards: vec![],
            active: None,
            active_card: None,
            phase: Phase::Starting,
            outcome: Outcome::default(),
            updates: 0,
            latency: LatencyWindow::new(LATENCY_WINDOW),
            message: None,
            messages: 0,
            webcam: false,
            field: Field::None,
            waiting: None,
        }
    }
}

/// A change to the page.
pub enum Action {
    /// The backend was chosen (or changed after a device loss).
    Backend(Backend),
    /// Shipped cards arrived.
    Cards(Vec<ModelCard>),
    /// Download progress of a model.
    Downloading { name: String, received: f64, total: f64 },
    /// A model is being built / warmed up.
    Warming(String),
    /// A model is ready.
    Ready { name: String, card: Option<Box<ModelCard>> },
    /// An image waits for the first model to be ready.
    Waiting(String),
    /// Loading failed; the previous model (if any) stays.
    LoadFailed(String),
    /// A classification finished.
    Classified { outcome: Outcome, ms: f64, note: Option<String> },
    /// Something failed.
    Error(String),
    /// The webcam started or stopped.
    Webcam(bool),
    /// A receptive-field measurement started.
    Measuring {
        /// Depth asked for.
        depth: usize,
        /// Token asked for.
        token: (usize, usize),
    },
    /// A receptive-field measurement finished.
    Measured(Rc<MeasuredField>),
}

impl State {
    fn show(&mut self, message: Message) {
        self.message = Some(message);
        self.messages += 1;
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Backend(backend) => {
                next.latency = LatencyWindow::new(LATENCY_WINDOW);
                next.backend = Some(backend);
            }
            Action::Cards(cards) => next.cards = cards,
            Action::Downloading { name, received, total } => next.phase = Phase::Downloading { name, received, total },
            Action::Warming(name) => next.phase = Phase::Warming { name },
            Action::Ready { name, card } => {
                next.phase = Phase::Ready;
                next.active = Some(name);
                next.active_card = card.map(|c| *c);
                next.latency = LatencyWindow::new(LATENCY_WINDOW);
            }
            Action::Waiting(source) => next.waiting = Some(source),
            Action::LoadFailed(error) => {
                next.phase = if next.active.is_some() { Phase::Ready } else { Phase::NoModel };
                next.show(Message::Error(error));
            }
            Action::Classified { outcome, ms, note } => {
                next.waiting = None;
                // The page revokes the replaced preview's URL (an effect).
                let preview = outcome.preview.clone().or(next.outcome.preview.take());
                next.outcome = Outcome { preview, ..outcome };
                next.updates += 1;
                next.latency.push(ms);
                next.message = None;
                if let Some(note) = note {
                    next.show(Message::Note(note));
                }
            }
            Action::Error(error) => {
                if let Field::Measuring { .. } = next.field {
                    next.field = Field::None;
                }
                next.show(Message::Error(error));
            }
            Action::Webcam(on) => next.webcam = on,
            Action::Measuring { depth, token } => next.field = Field::Measuring { depth, token },
            Action::Measured(field) => next.field = Field::Measured(field),
        }
        Rc::new(next)
    }
}
