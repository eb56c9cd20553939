//! The numbers behind the visualisation panel, computed from configs and
//! real forward (and backward) passes; the browser only draws them.
//!
//! - [`token_graph`] and [`receptive_field`]: theoretical receptive fields
//!   with path counts;
//! - [`gradient`]: measured (effective) receptive fields;
//! - [`inspection`]: one forward pass, one readback, everything per image;
//! - [`attention`]: split-attention summaries;
//! - [`cam`]: exact per-token class contributions;
//! - [`shift_view`]: channel groups before and after each shift;
//! - [`pixel_map`]: per-pixel maps and their log-scale shading;
//! - [`patch_shuffle`]: MLP-Mixer's permutation claim, exactly;
//! - [`explorer`]: the axial shift's field next to a convolution's, Swin's,
//!   Mixer's and S²-MLP's, for any shift size, dilation and depth.

pub mod attention;
pub mod cam;
pub mod class_map;
pub mod explorer;
pub mod gradient;
pub mod inspection;
pub mod patch_shuffle;
pub mod pixel_map;
pub mod receptive_field;
pub mod shift_view;
pub mod token_graph;

pub use attention::{BlockAttention, BRANCH_NAMES};
pub use cam::{class_activation, ClassActivation, HeadWeights, TokenMap};
pub use class_map::ClassMap;
pub use explorer::Design;
pub use gradient::token_gradient;
pub use inspection::{BlockShiftMaps, Inspection};
pub use patch_shuffle::PatchShuffle;
pub use pixel_map::{PixelBox, PixelMap};
pub use receptive_field::ReceptiveField;
pub use shift_view::{block_shifts, group_means, GroupShift, Uncovered};
pub use token_graph::{Step, TokenGraph, TokenMixing};
