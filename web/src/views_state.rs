//! What the papers' views (regions at another size, the models side by
//! side, the patch shuffle) hold: for each, nothing, a request under way
//! or an answer, each for one image. Part of the pure reducer in
//! [`crate::state`].

use std::rc::Rc;

use shiftscope::engine::protocol::{ModelAnswer, Reply, ShuffleAnswer, View};
use shiftscope::engine::RegionClasses;

/// One view's answer for one image.
#[derive(Debug, PartialEq, Default)]
pub enum Pending<T> {
    /// Nothing asked.
    #[default]
    None,
    /// Asked for image `image`.
    Asked {
        /// The image.
        image: u64,
    },
    /// Answered for image `image`.
    Answered {
        /// The image.
        image: u64,
        /// The answer.
        value: Rc<T>,
    },
}

impl<T> Clone for Pending<T> {
    fn clone(&self) -> Self {
        match self {
            Pending::None => Pending::None,
            Pending::Asked { image } => Pending::Asked { image: *image },
            Pending::Answered { image, value } => Pending::Answered { image: *image, value: value.clone() },
        }
    }
}

impl<T> Pending<T> {
    /// The answer, when it belongs to image `image`.
    pub fn for_image(&self, image: u64) -> Option<&Rc<T>> {
        match self {
            Pending::Answered { image: i, value } if *i == image => Some(value),
            _ => None,
        }
    }

    /// Whether a request for image `image` is under way.
    pub fn asked(&self, image: u64) -> bool {
        matches!(self, Pending::Asked { image: i } if *i == image)
    }

    /// Takes an answer for `image` unless a request for another image was
    /// made since.
    fn answer(&mut self, image: u64, value: T) {
        if !matches!(self, Pending::Asked { image: i } if *i != image) {
            *self = Pending::Answered { image, value: Rc::new(value) };
        }
    }
}

/// A photo classified region by region.
#[derive(Debug, PartialEq)]
pub struct RegionsAnswer {
    /// The classes per region.
    pub regions: RegionClasses,
    /// Milliseconds the engine took.
    pub ms: f64,
}

/// The models on a patch-shuffled photo.
#[derive(Debug, PartialEq)]
pub struct ShuffledAnswer {
    /// The seed.
    pub seed: u64,
    /// The patch side shuffled, in input pixels.
    pub patch: usize,
    /// The shuffled image's side.
    pub side: usize,
    /// The shuffled image, RGB.
    pub rgb: Vec<u8>,
    /// One answer per model.
    pub answers: Vec<ShuffleAnswer>,
}

/// The three views' state.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Views {
    /// Classes per region.
    pub regions: Pending<RegionsAnswer>,
    /// The models side by side.
    pub compared: Pending<Vec<ModelAnswer>>,
    /// The patch shuffle.
    pub shuffled: Pending<ShuffledAnswer>,
}

impl Views {
    /// Notes a request of `view` for image `image`.
    pub fn ask(&mut self, view: View, image: u64) {
        match view {
            View::Regions => self.regions = Pending::Asked { image },
            View::Compare => self.compared = Pending::Asked { image },
            View::Shuffle => self.shuffled = Pending::Asked { image },
        }
    }

    /// Takes a view's reply; a failure comes back as the message to show.
    pub fn answer(&mut self, reply: Reply) -> Option<String> {
        match reply {
            Reply::Regions { image, regions, ms, .. } => {
                self.regions.answer(image, RegionsAnswer { regions: *regions, ms })
            }
            Reply::Compared { image, answers } => self.compared.answer(image, answers),
            Reply::Shuffled { image, seed, patch, side, rgb, answers } => {
                self.shuffled.answer(image, ShuffledAnswer { seed, patch, side, rgb, answers })
            }
            Reply::ViewFailed { view, failure, .. } => {
                let name = match view {
                    View::Regions => {
                        self.regions = Pending::None;
                        "regions"
                    }
                    View::Compare => {
                        self.compared = Pending::None;
                        "side by side"
                    }
                    View::Shuffle => {
                        self.shuffled = Pending::None;
                        "shuffle"
                    }
                };
                return Some(format!("{name}: {}", failure.message));
            }
            _ => {}
        }
        None
    }
}
