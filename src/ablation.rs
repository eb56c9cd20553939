//! S²-MLPv2's two ablations, as the paper reports them on ImageNet and as
//! far as this project has rerun them on CIFAR-10 (`assets/README.md` has
//! the runs; the weights issue's GPU run is to finish them).

/// One design choice against its baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ablation {
    /// What is compared, in a few words.
    pub question: &'static str,
    /// The paper's model (registry variant of the compact rerun).
    pub with: &'static str,
    /// The baseline (registry variant of the compact rerun, or the config
    /// name in `scripts/train/plan.json` where only the GPU run defines it).
    pub without: &'static str,
    /// ImageNet top-1 in the paper, `(with, without)`.
    pub paper: (f64, f64),
    /// CIFAR-10 test top-1 of this project's rerun, `(with, without)`, and
    /// how far it got; `None` where it has not run.
    pub cifar10: Option<((f64, f64), &'static str)>,
}

/// Split-attention against a plain sum, and the pyramid against one stage.
pub const ABLATIONS: [Ablation; 2] = [
    Ablation {
        question: "split-attention vs a plain sum of the branches",
        with: "s2mlpv2_compact",
        without: "s2mlpv2_compact_sum",
        paper: (82.0, 79.8),
        cifar10: Some(((39.33, 34.98), "after 4 of 10 epochs on 1,000 images per class; paused, not finished")),
    },
    Ablation {
        question: "two-stage pyramid vs a single stage",
        with: "s2mlpv2_compact",
        without: "s2mlpv2_compact_single",
        paper: (82.0, 80.9),
        cifar10: None,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::registry;

    /// A rerun names registered variants that differ; the GPU plan
    /// defines the baselines not run yet.
    #[test]
    fn each_ablation_names_the_variants_it_compares() {
        let plan = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/train/plan.json")).unwrap();
        for ablation in ABLATIONS {
            let with = registry::find(ablation.with).unwrap();
            match ablation.cifar10 {
                Some(_) => assert_ne!(with, registry::find(ablation.without).unwrap(), "{}", ablation.question),
                None => assert!(plan.contains(&format!("\"{}\"", ablation.without)), "{}", ablation.without),
            }
            assert!(ablation.paper.0 > ablation.paper.1, "the paper's model wins: {}", ablation.question);
        }
    }
}
