//! The error type of the model core: every failure a user can cause (a bad
//! file, an unknown variant, an unreadable image) ends up here with a
//! message that names the culprit.

use std::path::{Path, PathBuf};

/// What went wrong, with enough context to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model name that the registry does not know.
    #[error("unknown model variant `{name}`; known variants: {known}")]
    UnknownVariant {
        /// The name asked for.
        name: String,
        /// The registry's names, comma separated.
        known: String,
    },
    /// A configuration that cannot describe a working model.
    #[error("invalid model config: {0}")]
    InvalidConfig(String),

    /// The device failed to run the model (on WebGPU: usually a lost
    /// device).
    #[error("device error: {0}")]
    Device(String),
    /// The device ran the model but its results could not be read back (or
    /// not as the numbers expected).
    #[error("reading the results back failed: {0}")]
    Readback(String),
    /// A run of the model that went wrong without the device failing (a
    /// probe missing, an input of the wrong shape).
    #[error("the model's run failed: {0}")]
    Run(String),
    /// Something this architecture cannot do (e.g. undo a patch shuffle by
    /// permuting its weights), with the reason.
    #[error("not possible with this model: {0}")]
    Unsupported(String),
    /// A weight file that cannot be read or does not fit the model.
    #[error("weights {source_name}: {reason}")]
    Weights {
        /// The file (or "bytes") the weights came from.
        source_name: String,
        /// What is wrong, naming the first offending tensor where there is one.
        reason: String,
    },
    /// An image that cannot be decoded.
    #[error("image {path}: {reason}")]
    Image {
        /// The image's path (or a label for in-memory bytes).
        path: PathBuf,
        /// The decoder's complaint.
        reason: String,
    },
    /// A dataset that is missing, empty or malformed.
    #[error("dataset {path}: {reason}")]
    Dataset {
        /// The dataset's root or archive.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A file that cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl Error {
    /// Wraps an operating-system error about `path` (for `map_err`).
    pub fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
        move |source| Error::Io { path: path.to_path_buf(), source }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
