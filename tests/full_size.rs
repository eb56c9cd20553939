//! The paper variants build at full size, have exactly the parameter count
//! the cost counter derives from their shapes, and run one 224×224 forward
//! on the CPU.

mod common;

use burn::module::Module;
use common::*;
use shiftscope::models::{registry, ProbeRequest};
use shiftscope::Tensor;

#[test]
fn paper_variants_build_count_and_run_at_224() {
    let device = device();
    for variant in registry::variants().into_iter().filter(|v| v.paper.is_some()) {
        let started = std::time::Instant::now();
        let config = &variant.config;
        let model = config.init(&device).unwrap();
        assert_eq!(
            model.num_params() as u64,
            config.cost().params,
            "{}: counter disagrees with the model",
            variant.name
        );
        let input: Tensor<4> = Tensor::random([1, 3, 224, 224], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
        let request = ProbeRequest { split_attention: true, ..Default::default() };
        let (logits, probes) = model.forward_probed(input, &request);
        assert_eq!(logits.dims(), [1, 1000], "{}", variant.name);
        let logits = values(logits);
        assert!(logits.iter().all(|v| v.is_finite()), "{}: non-finite logits", variant.name);
        if config.arch_name() == "s2mlpv2" {
            let weights = values(probes.split_attention.last().unwrap().clone());
            // Softmax over the three branches: every channel's weights sum to 1.
            let c = weights.len() / 3;
            for ch in 0..c {
                let sum = weights[ch] + weights[c + ch] + weights[2 * c + ch];
                assert!((sum - 1.0).abs() < 1e-4, "{}: channel {ch} weights sum to {sum}", variant.name);
            }
        }
        println!("{}: built and ran in {:.1} s", variant.name, started.elapsed().as_secs_f64());
    }
}
