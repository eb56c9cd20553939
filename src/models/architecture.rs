//! What shiftscope knows about an architecture, in one place: each
//! architecture implements [`Architecture`] on its configuration, beside
//! its network. The checks, costs, token graph, shift groups and the
//! sentences the page shows all come from there, so a fourth architecture
//! is one file plus a variant of [`ArchConfig`](super::ArchConfig).

use burn::tensor::Device;

use super::geometry::{GroupShift, Step};
use super::{Cost, Model};
use crate::error::Result;

/// Why the shift models have no weight permutation for a patch shuffle.
pub(crate) const FIXED_NEIGHBOURS: &str =
    "no weight permutation undoes a patch shuffle: the shifts tie each token to fixed neighbours";

/// A whole-image statistic that reaches every token besides the token
/// paths (S²-MLPv2's split-attention descriptor, AS-MLP's GroupNorm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalContext {
    /// The first depth (0: right after the patch embedding, `k`: after
    /// block `k`) from which it reaches every token.
    pub from_depth: usize,
    /// What it is, in a sentence for the page.
    pub what: &'static str,
}

/// One architecture's facts, read off its configuration alone.
pub trait Architecture {
    /// Short name, as variant names start: `s2mlpv2`, `asmlp`, `mixer`.
    fn key(&self) -> &'static str;

    /// The name people know it by: `S²-MLPv2`.
    fn title(&self) -> &'static str;

    /// What it is, in one line.
    fn description(&self) -> &'static str;

    /// How its blocks move information between tokens, in a sentence.
    fn token_mixing(&self) -> &'static str;

    /// Checks that its sizes fit an `image_size`-pixel input.
    fn validate(&self, image_size: usize) -> Result<()>;

    /// Parameter and multiply-add counts, from the shapes alone.
    fn cost(&self, image_size: usize, in_channels: usize, num_classes: usize) -> Cost;

    /// A freshly initialised network (the configuration is validated).
    fn init(&self, image_size: usize, in_channels: usize, num_classes: usize, device: &Device) -> Model;

    /// Side in pixels of the patch each first-stage token embeds.
    fn patch_size(&self) -> usize;

    /// The steps from input pixels to the final tokens (see
    /// the panel's token graph, `viz::token_graph`).
    fn token_steps(&self) -> Vec<Step>;

    /// Each block's shifted channel groups, in block order (empty lists
    /// where a block has no shift).
    fn block_shifts(&self) -> Vec<Vec<GroupShift>>;

    /// The whole-image statistic every token receives, if any.
    fn global_context(&self) -> Option<GlobalContext>;

    /// Whether weights trained at `trained` pixels run at another input
    /// size (any size [`Architecture::validate`] accepts), or why not.
    fn resizable(&self, trained: usize) -> std::result::Result<(), String>;

    /// Whether some permutation of its weights undoes a fixed shuffle of
    /// the input's patches and of the pixels inside them, or why not.
    fn permutable(&self) -> std::result::Result<(), String>;
}

#[cfg(test)]
mod tests {
    use crate::models::geometry::Step;
    use crate::models::registry::variants;

    /// The facts each architecture gives agree with its network and with
    /// each other, for every registered variant.
    #[test]
    fn each_variant_s_facts_agree_with_its_network() {
        let device = burn::tensor::Device::flex();
        for variant in variants().iter().filter(|v| v.config.image_size <= 64) {
            let config = &variant.config;
            let architecture = config.architecture();
            assert!(variant.name.starts_with(architecture.key()), "{}", variant.name);
            let steps = architecture.token_steps();
            let blocks = steps.iter().filter(|step| matches!(step, Step::Block(_))).count();
            assert_eq!(blocks, config.init(&device).unwrap().block_count(), "{}", variant.name);
            assert_eq!(architecture.block_shifts().len(), blocks, "{}", variant.name);
            let first = steps[0].clone();
            assert_eq!(first, Step::Patchify { patch: architecture.patch_size() }, "{}", variant.name);
            let resizable = architecture.resizable(config.image_size);
            assert_eq!(resizable.is_ok(), architecture.key() != "mixer", "{}", variant.name);
            assert_eq!(architecture.permutable().is_ok(), architecture.key() == "mixer", "{}", variant.name);
        }
    }
}
