//! The messages between the page and the worker that runs the
//! [`Engine`](super::Engine): typed, versioned JSON. Pixels and weight bytes
//! travel beside a message as transferred buffers, never inside the JSON.
//! Every answer names the model and image generation it belongs to, so the
//! page drops a late answer for an old image or an old model by number.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Analysis, RegionClasses};
use crate::card::ModelCard;
use crate::error::Error;
/// The types the messages carry that the page draws with (so the page
/// needs nothing below the engine).
pub use crate::models::geometry::{GroupShift, Uncovered};
pub use crate::models::ModelConfig;
use crate::predict::Prediction;
use crate::viz::{ClassActivation, PixelMap};

/// The protocol's version; both sides refuse any other.
pub const VERSION: u32 = 4;

/// Where the weights of a load come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WeightsSource {
    /// A shipped model: the worker downloads (or reads from its cache) the
    /// card's file and checks its SHA-256.
    Shipped(Box<ModelCard>),
    /// A file the visitor gave, whose bytes travel with the message; a
    /// file without an embedded config is read as `variant`.
    Given {
        /// The file's name.
        file_name: String,
        /// A registry variant, for files that carry no config.
        variant: String,
    },
}

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Makes these weights the model in use, numbered `model`.
    Load {
        /// The page's number for this model.
        model: u64,
        /// Where the weights come from.
        source: WeightsSource,
    },
    /// Classifies RGBA pixels (`width × height × 4` bytes, beside the
    /// message); an image sent before a model is ready waits for it (only
    /// the latest such image).
    Classify {
        /// The page's number for this image.
        image: u64,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Classifies image `image` (the latest classified, whose pixels the
    /// worker keeps) region by region at `size` pixels.
    Regions {
        /// The image.
        image: u64,
        /// Input side to run at.
        size: usize,
    },
    /// Runs every model of `cards` on image `image` (the latest classified),
    /// the one in use and the others, loaded on first use.
    Compare {
        /// The image.
        image: u64,
        /// The models, in the order to show them.
        cards: Vec<ModelCard>,
    },
    /// Shuffles image `image`'s patches and the pixels inside them with the
    /// permutation drawn from `seed`, and runs every model of `cards` on it.
    Shuffle {
        /// The image.
        image: u64,
        /// Seed of the permutation.
        seed: u64,
        /// The models, in the order to show them.
        cards: Vec<ModelCard>,
    },
    /// Measures a receptive field on image `image` (one of the few latest
    /// classified, which the worker keeps).
    Measure {
        /// The image it belongs to.
        image: u64,
        /// Depth (0: patch embedding, `k`: after block `k`).
        depth: usize,
        /// The token, `(row, col)` on that depth's grid.
        token: (usize, usize),
    },
}

/// The views beyond the classification that ask the engine for more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum View {
    /// Classes per region at another input size.
    Regions,
    /// The shipped models side by side.
    Compare,
    /// The patch shuffle.
    Shuffle,
}

/// One model's answer on an image, for the side-by-side row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelAnswer {
    /// The model's name.
    pub name: String,
    /// Its top classes.
    pub predictions: Vec<Prediction>,
    /// Milliseconds its analysis took in the engine.
    pub ms: f64,
    /// Its top class's activation.
    pub activation: ClassActivation,
}

/// One model on an image and on its patch-shuffled copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShuffleAnswer {
    /// The model's name.
    pub name: String,
    /// Top classes on the image.
    pub original: Vec<Prediction>,
    /// Top classes on the shuffled image.
    pub shuffled: Vec<Prediction>,
    /// With its weights permuted like the image, on the shuffled image: top
    /// classes and the largest logit difference from the original; or why
    /// no such weights exist.
    pub permuted: Result<(Vec<Prediction>, f32), String>,
}

/// What ran the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Backend {
    /// WebGPU on the visitor's GPU.
    WebGpu,
    /// burn's CPU backend in wasm, with the reason WebGPU is not used.
    Cpu(String),
}

impl Backend {
    /// A short label for the page.
    pub fn describe(&self) -> String {
        match self {
            Backend::WebGpu => "WebGPU".into(),
            Backend::Cpu(why) => format!("CPU (wasm) — {why}"),
        }
    }

    /// `webgpu` or `cpu`, for tests and styling.
    pub fn key(&self) -> &'static str {
        match self {
            Backend::WebGpu => "webgpu",
            Backend::Cpu(_) => "cpu",
        }
    }
}

/// Which kind of failure, so the page can react to it (a device failure
/// moves the model to the CPU; the others are told to the visitor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    /// The image could not be read.
    Image,
    /// The weights (or their config) were refused.
    Weights,
    /// The device failed (on WebGPU, usually a lost device).
    Device,
    /// The run went wrong without the device failing.
    Run,
    /// A download or anything else.
    Other,
}

/// A core [`Error`] on its way to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// What kind it is.
    pub kind: FailureKind,
    /// The message for the visitor.
    pub message: String,
}

impl Failure {
    /// A failure of kind `kind`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }
}

impl From<&Error> for Failure {
    fn from(error: &Error) -> Self {
        let kind = match error {
            Error::Image { .. } => FailureKind::Image,
            Error::Weights { .. } | Error::InvalidConfig(_) | Error::UnknownVariant { .. } => FailureKind::Weights,
            Error::Device(_) | Error::Readback(_) => FailureKind::Device,
            Error::Run(_) | Error::Unsupported(_) => FailureKind::Run,
            Error::Dataset { .. } | Error::Io { .. } => FailureKind::Other,
        };
        Self::new(kind, error.to_string())
    }
}

/// Worker → page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// The worker runs and chose its device.
    Started {
        /// The device.
        backend: Backend,
    },
    /// The device failed and the model moved to the CPU.
    Backend {
        /// The new device.
        backend: Backend,
    },
    /// Weights are downloading: bytes received and expected (0: unknown).
    Downloading {
        /// The model.
        model: u64,
        /// Bytes so far.
        received: f64,
        /// Bytes expected.
        total: f64,
    },
    /// The weights are being built and the GPU's pipelines compiled.
    Warming {
        /// The model.
        model: u64,
        /// Its name.
        name: String,
    },
    /// The model is in use.
    Ready {
        /// The model.
        model: u64,
        /// Its name.
        name: String,
        /// Its configuration.
        config: Box<ModelConfig>,
        /// What the visitor should know about the file (a PyTorch
        /// checkpoint's entries that hold no weights and were skipped).
        note: Option<String>,
        /// Milliseconds reading the weights and building the model took
        /// (before any warm-up).
        load_ms: f64,
    },
    /// The model could not be loaded; the previous one stays.
    LoadFailed {
        /// The model.
        model: u64,
        /// Why.
        failure: Failure,
    },
    /// An image's analysis.
    Classified {
        /// The model that classified it.
        model: u64,
        /// The image.
        image: u64,
        /// Top classes and the panel's data (the page times the round trip
        /// itself).
        analysis: Box<Analysis>,
    },
    /// A measured receptive field.
    Measured {
        /// The model.
        model: u64,
        /// The image.
        image: u64,
        /// Depth asked for.
        depth: usize,
        /// Token asked for.
        token: (usize, usize),
        /// Gradient magnitude per input pixel.
        map: PixelMap,
        /// Milliseconds the forward, backward and readback took.
        ms: f64,
    },
    /// An image classified region by region.
    Regions {
        /// The model.
        model: u64,
        /// The image.
        image: u64,
        /// The classes per region.
        regions: Box<RegionClasses>,
        /// Milliseconds the forward and readback took.
        ms: f64,
    },
    /// The models side by side on an image.
    Compared {
        /// The image.
        image: u64,
        /// One answer per model, in the order asked.
        answers: Vec<ModelAnswer>,
    },
    /// The models on an image's patch-shuffled copy.
    Shuffled {
        /// The image.
        image: u64,
        /// The seed.
        seed: u64,
        /// The patch side shuffled, in input pixels.
        patch: usize,
        /// The shuffled image's side.
        side: usize,
        /// The shuffled image as interleaved RGB bytes.
        rgb: Vec<u8>,
        /// One answer per model, in the order asked.
        answers: Vec<ShuffleAnswer>,
    },
    /// A view's request failed; the page keeps working.
    ViewFailed {
        /// The image.
        image: u64,
        /// The view.
        view: View,
        /// Why.
        failure: Failure,
    },
    /// The engine hit an internal error and stopped (a panic).
    Crashed {
        /// What happened.
        message: String,
    },
    /// An image (or a measurement on it) failed.
    Failed {
        /// The image.
        image: u64,
        /// Why.
        failure: Failure,
    },
}

/// A message with the protocol's version, as JSON.
pub fn encode<T: Serialize>(body: &T) -> String {
    serde_json::json!({ "version": VERSION, "body": body }).to_string()
}

/// The body of a message from [`encode`]; another version or a malformed
/// message is an error that says which.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    #[derive(Deserialize)]
    struct Envelope<T> {
        body: T,
    }
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    let version = serde_json::from_str::<Version>(text).map_err(|e| format!("not a shiftscope message: {e}"))?;
    if version.version != VERSION {
        return Err(format!("protocol version {} where {VERSION} was expected (reload the page)", version.version));
    }
    serde_json::from_str::<Envelope<T>>(text).map(|e| e.body).map_err(|e| format!("malformed message: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::registry;

    #[test]
    fn messages_survive_the_trip() {
        let requests = [
            Request::Load { model: 3, source: WeightsSource::Given { file_name: "a.bpk".into(), variant: "x".into() } },
            Request::Classify { image: 9, width: 640, height: 480 },
            Request::Measure { image: 9, depth: 2, token: (3, 4) },
            Request::Regions { image: 9, size: 96 },
            Request::Shuffle { image: 9, seed: 7, cards: vec![] },
        ];
        for request in requests {
            assert_eq!(decode::<Request>(&encode(&request)).unwrap(), request);
        }
        let config = Box::new(registry::find("mixer_compact").unwrap());
        let note = Some("skipped entries that hold no weights of the model: epoch (int 300)".into());
        let reply = Reply::Ready { model: 3, name: "mixer".into(), config, note, load_ms: 12.5 };
        assert_eq!(decode::<Reply>(&encode(&reply)).unwrap(), reply);
        let failure = Failure::from(&Error::Device("lost".into()));
        assert_eq!(failure.kind, FailureKind::Device);
        let reply = Reply::Failed { image: 4, failure };
        assert_eq!(decode::<Reply>(&encode(&reply)).unwrap(), reply);
    }

    #[test]
    fn another_version_or_garbage_is_refused_with_a_reason() {
        let other = encode(&Request::Classify { image: 1, width: 1, height: 1 })
            .replace(&format!("\"version\":{VERSION}"), "\"version\":7");
        assert!(decode::<Request>(&other).unwrap_err().contains("version 7"));
        assert!(decode::<Request>("{]").unwrap_err().contains("not a shiftscope message"));
        let unknown = encode(&serde_json::json!({"Explode": {}}));
        assert!(decode::<Request>(&unknown).unwrap_err().contains("malformed"));
    }

    #[test]
    fn errors_keep_their_kind() {
        let image = Error::Image { path: "x".into(), reason: "empty".into() };
        assert_eq!(Failure::from(&image).kind, FailureKind::Image);
        let weights = Error::Weights { source_name: "w".into(), reason: "bad".into() };
        assert_eq!(Failure::from(&weights).kind, FailureKind::Weights);
        assert_eq!(Failure::from(&Error::Run("probe".into())).kind, FailureKind::Run);
    }
}
