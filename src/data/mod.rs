//! Image-classification data for training and evaluation: an ImageFolder
//! tree or a `.tar.gz` of one, decoded once into an in-memory byte cache,
//! random-crop / flip augmentation, and the batch loader burn's learner
//! iterates.

pub mod augment;
pub mod folder;
pub mod loader;
pub mod rng;

pub use folder::{load_split, ImageSet};
pub use loader::{BatchLoader, ImageBatch};
