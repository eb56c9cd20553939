//! The numbers behind the visualisation panel, computed from configs and
//! real forward (and backward) passes; the browser only draws them.
//!
//! - [`token_graph`] and [`receptive_field`]: theoretical receptive fields
//!   with path counts;
//! - [`gradient`]: measured (effective) receptive fields;
//! - [`pixel_map`]: per-pixel maps and their log-scale shading.

pub mod gradient;
pub mod pixel_map;
pub mod receptive_field;
pub mod token_graph;

pub use gradient::token_gradient;
pub use pixel_map::{PixelBox, PixelMap};
pub use receptive_field::ReceptiveField;
pub use token_graph::{Step, TokenGraph, TokenMixing};
