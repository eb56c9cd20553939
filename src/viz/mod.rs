//! The numbers behind the visualisation panel, computed from configs and
//! from the probes of the engine's forward passes (`engine::inspection`,
//! `engine::gradient`); the browser only draws them.
//!
//! - [`token_graph`] and [`receptive_field`]: theoretical receptive fields
//!   with path counts;
//! - [`attention`]: split-attention summaries;
//! - [`cam`]: exact per-token class contributions;
//! - [`shift_view`]: channel groups before and after each shift;
//! - [`pixel_map`]: per-pixel maps and their log-scale shading;
//! - [`explorer`]: the axial shift's field next to a convolution's, Swin's,
//!   Mixer's and S²-MLP's, for any shift size, dilation and depth.

pub mod attention;
pub mod cam;
pub mod class_map;
pub mod explorer;
pub mod pixel_map;
pub mod receptive_field;
pub mod shift_view;
pub mod token_graph;

pub use attention::{BlockAttention, BRANCH_NAMES};
pub use cam::{class_activation, ClassActivation, HeadWeights, TokenMap};
pub use class_map::ClassMap;
pub use explorer::Design;
pub use pixel_map::{PixelBox, PixelMap};
pub use receptive_field::ReceptiveField;
pub use shift_view::{block_shifts, group_means};
pub use token_graph::TokenGraph;
