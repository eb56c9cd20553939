//! Named model variants, like timm's registry: the paper configurations
//! and the compact CIFAR-sized ones this project trains.

use super::as_mlp::AsMlpConfig;
use super::mlp_mixer::MixerConfig;
use super::s2mlpv2::{Fusion, S2MlpV2Config, SplitPool};
use super::{ArchConfig, ModelConfig};
use crate::error::{Error, Result};

/// The variants whose weights the project ships (`assets/<name>.bpk` and
/// its card), headline model first: the page, the tests and `bench` read
/// this list.
pub const SHIPPED: [&str; 3] = ["s2mlpv2_compact", "asmlp_compact", "mixer_compact"];

/// Figures a paper reports for a variant (ImageNet-1k, 224×224).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaperFigures {
    /// Parameters in millions.
    pub params_m: f64,
    /// Multiply-adds in billions.
    pub gmacs: f64,
    /// ImageNet top-1 accuracy in percent, where the paper gives one.
    pub top1: Option<f64>,
}

/// The data a variant is made for: its head's classes and the images its
/// published weights were trained on (what they expect is the weights'
/// profile, `weights::Profile::of_variant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    /// ImageNet-1k at 224×224 (the papers' variants).
    ImageNet1k,
    /// CIFAR-10 at 32×32 (the compact variants this project trains).
    Cifar10,
}

/// A named, ready-to-build configuration.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Registry name, e.g. `s2mlpv2_small7`.
    pub name: &'static str,
    /// One-line description.
    pub summary: &'static str,
    /// The configuration.
    pub config: ModelConfig,
    /// The data it is made for.
    pub dataset: Dataset,
    /// What the paper reports, for paper variants.
    pub paper: Option<PaperFigures>,
}

fn s2(patch: [usize; 2], dims: [usize; 2], depths: [usize; 2], ratio: f64) -> ArchConfig {
    s2_pooled(patch, dims, depths, ratio, SplitPool::Sum)
}

fn s2_pooled(patch: [usize; 2], dims: [usize; 2], depths: [usize; 2], ratio: f64, pool: SplitPool) -> ArchConfig {
    ArchConfig::S2mlpv2(S2MlpV2Config {
        patch_sizes: patch.to_vec(),
        dims: dims.to_vec(),
        depths: depths.to_vec(),
        mlp_ratio: ratio,
        split_pool: pool,
        fusion: Fusion::SplitAttention,
    })
}

/// `s2mlpv2_compact` with its branches summed instead of split-attended.
fn s2_compact_plain_sum() -> ArchConfig {
    match s2_pooled([2, 2], [64, 128], [2, 4], 3.0, SplitPool::Mean) {
        ArchConfig::S2mlpv2(c) => ArchConfig::S2mlpv2(S2MlpV2Config { fusion: Fusion::Sum, ..c }),
        _ => unreachable!("built as S²-MLPv2"),
    }
}

fn asmlp(patch: usize, embed_dim: usize, depths: &[usize]) -> ArchConfig {
    asmlp_ratio(patch, embed_dim, depths, 4.0)
}

fn asmlp_ratio(patch: usize, embed_dim: usize, depths: &[usize], mlp_ratio: f64) -> ArchConfig {
    ArchConfig::Asmlp(AsMlpConfig {
        patch_size: patch,
        embed_dim,
        depths: depths.to_vec(),
        shift_size: 5,
        dilation: 1,
        mlp_ratio,
    })
}

fn mixer(patch: usize, dim: usize, depth: usize) -> ArchConfig {
    ArchConfig::Mixer(MixerConfig { patch_size: patch, dim, depth, tokens_dim: dim / 2, channels_dim: dim * 4 })
}

fn imagenet(arch: ArchConfig) -> (ModelConfig, Dataset) {
    (ModelConfig { arch, image_size: 224, in_channels: 3, num_classes: 1000 }, Dataset::ImageNet1k)
}

fn cifar(arch: ArchConfig) -> (ModelConfig, Dataset) {
    (ModelConfig { arch, image_size: 32, in_channels: 3, num_classes: 10 }, Dataset::Cifar10)
}

fn paper(params_m: f64, gmacs: f64, top1: Option<f64>) -> Option<PaperFigures> {
    Some(PaperFigures { params_m, gmacs, top1 })
}

/// Every registered variant, paper variants first.
pub fn variants() -> Vec<Variant> {
    let v = |name, summary, (config, dataset), paper| Variant { name, summary, config, dataset, paper };
    vec![
        v(
            "s2mlpv2_small7",
            "S²-MLPv2-Small/7 (paper)",
            imagenet(s2([7, 2], [192, 384], [4, 14], 3.0)),
            paper(25.0, 6.9, Some(82.0)),
        ),
        v(
            "s2mlpv2_medium7",
            "S²-MLPv2-Medium/7 (paper)",
            imagenet(s2([7, 2], [256, 512], [7, 17], 3.0)),
            paper(55.0, 16.3, Some(83.6)),
        ),
        v(
            "asmlp_tiny",
            "AS-MLP-T (paper, official config)",
            imagenet(asmlp(4, 96, &[2, 2, 6, 2])),
            paper(28.0, 4.4, Some(81.3)),
        ),
        v(
            "asmlp_small",
            "AS-MLP-S (paper, official config)",
            imagenet(asmlp(4, 96, &[2, 2, 18, 2])),
            paper(50.0, 8.5, Some(83.1)),
        ),
        v(
            "asmlp_base",
            "AS-MLP-B (paper, official config)",
            imagenet(asmlp(4, 128, &[2, 2, 18, 2])),
            paper(88.0, 15.2, Some(83.3)),
        ),
        v("mixer_s16", "Mixer-S/16 (timm names)", imagenet(mixer(16, 512, 8)), paper(18.5, 3.8, None)),
        v("mixer_b16", "Mixer-B/16 (timm names)", imagenet(mixer(16, 768, 12)), paper(59.9, 12.6, Some(76.4))),
        v(
            "s2mlpv2_compact",
            "S²-MLPv2 for 32×32 CIFAR-10",
            cifar(s2_pooled([2, 2], [64, 128], [2, 4], 3.0, SplitPool::Mean)),
            None,
        ),
        v("s2mlpv2_compact_sum", "s2mlpv2_compact, branches summed (ablation)", cifar(s2_compact_plain_sum()), None),
        v("asmlp_compact", "AS-MLP for 32×32 CIFAR-10", cifar(asmlp_ratio(2, 48, &[2, 2, 2], 3.0)), None),
        v("mixer_compact", "MLP-Mixer for 32×32 CIFAR-10", cifar(mixer(4, 128, 6)), None),
    ]
}

/// The variant called `name`.
pub fn find_variant(name: &str) -> Result<Variant> {
    let all = variants();
    let known = all.iter().map(|v| v.name).collect::<Vec<_>>().join(", ");
    all.into_iter().find(|v| v.name == name).ok_or_else(|| Error::UnknownVariant { name: name.to_string(), known })
}

/// The configuration of the variant called `name`.
pub fn find(name: &str) -> Result<ModelConfig> {
    find_variant(name).map(|v| v.config)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published figures: params within 2 %, multiply-adds within 5 %.
    #[test]
    fn paper_variants_match_published_params_and_flops() {
        for variant in variants() {
            variant.config.validate().unwrap();
            let Some(paper) = variant.paper else { continue };
            let cost = variant.config.cost();
            let params_m = cost.params as f64 / 1e6;
            let gmacs = cost.macs as f64 / 1e9;
            assert!(
                (params_m / paper.params_m - 1.0).abs() <= 0.02,
                "{}: {params_m:.2} M vs {}",
                variant.name,
                paper.params_m
            );
            assert!((gmacs / paper.gmacs - 1.0).abs() <= 0.05, "{}: {gmacs:.2} G vs {}", variant.name, paper.gmacs);
        }
    }

    /// The small variants build here; the counter must agree with burn.
    #[test]
    fn compact_variants_have_the_counted_parameters() {
        use burn::module::Module;
        let device = burn::tensor::Device::flex();
        for variant in variants().into_iter().filter(|v| v.name.contains("compact")) {
            let model = variant.config.init(&device).unwrap();
            assert_eq!(model.num_params() as u64, variant.config.cost().params, "{}", variant.name);
        }
        let with = find("s2mlpv2_compact").unwrap().cost().params;
        let without = find("s2mlpv2_compact_sum").unwrap().cost().params;
        // Split-attention costs C·C/4 + C/4 + C/4·3C + 3C per block.
        let per_block = |c: u64| c * (c / 4) + c / 4 + (c / 4) * 3 * c + 3 * c;
        assert_eq!(with - without, 2 * per_block(64) + 4 * per_block(128));
    }

    /// `info --json` lists variants in registry order, and the browser
    /// tests take the shipped ones from it in the picker's order.
    #[test]
    fn shipped_variants_are_registered_in_shipping_order() {
        let registered: Vec<&str> = variants().iter().map(|v| v.name).filter(|n| SHIPPED.contains(n)).collect();
        assert_eq!(registered, SHIPPED);
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = find("resnet50").unwrap_err().to_string();
        assert!(err.contains("resnet50") && err.contains("s2mlpv2_small7"), "{err}");
    }
}
