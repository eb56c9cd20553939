//! The visualisation numbers against the models they describe: theoretical
//! receptive fields against input gradients, split-attention summaries
//! against the PyTorch reference fixtures, class contributions against the
//! logits.

mod common;

use shiftscope::models::{registry, ModelConfig};
use shiftscope::predict::to_f32_vec;
use shiftscope::viz::{token_gradient, TokenGraph};
use shiftscope::{Device, Tensor};

/// A registry variant at a smaller input (full-size models at 224 px would
/// make the test slow without exercising anything more).
fn at_input(name: &str, image_size: usize) -> ModelConfig {
    let mut config = registry::find(name).unwrap();
    config.image_size = image_size;
    config.preprocess = None;
    config
}

/// `asmlp_compact` with its shift groups `dilation` tokens apart.
fn dilated_asmlp(dilation: usize) -> ModelConfig {
    let mut config = registry::find("asmlp_compact").unwrap();
    if let shiftscope::models::ArchConfig::Asmlp(arch) = &mut config.arch {
        arch.dilation = dilation;
    }
    config
}

fn random_image(side: usize, device: &Device) -> Tensor<4> {
    Tensor::random([1, 3, side, side], burn::tensor::Distribution::Normal(0.0, 1.0), device)
}

/// The input pixels with a non-zero gradient.
fn gradient_support(gradient: Tensor<2>) -> Vec<bool> {
    to_f32_vec(gradient).into_iter().map(|g| g != 0.0).collect()
}

/// For every depth of each model, the pixels whose gradient reaches a token
/// are exactly those the token graph says: along the token paths only once
/// whole-image statistics are held constant, everywhere once they are not.
#[test]
fn theoretical_fields_equal_the_gradient_support() {
    let device = Device::flex();
    let configs = [
        registry::find("s2mlpv2_compact").unwrap(),
        registry::find("s2mlpv2_compact_sum").unwrap(),
        registry::find("asmlp_compact").unwrap(),
        dilated_asmlp(2),
        registry::find("mixer_compact").unwrap(),
        at_input("s2mlpv2_small7", 28),
        at_input("asmlp_tiny", 32),
        at_input("mixer_b16", 64),
    ];
    for config in configs {
        let name = format!("{} at {} px", config.arch_name(), config.image_size);
        let model = config.init(&device).unwrap();
        let local = model.clone().local_paths_only();
        let graph = TokenGraph::new(&config);
        let side = config.image_size;
        let image = random_image(side, &device);
        assert_eq!(model.block_count(), graph.blocks(), "{name}");
        for depth in 0..=graph.blocks() {
            let pixel = if depth % 2 == 0 { (side * 3 / 8, side * 5 / 8) } else { (0, side - 1) };
            let field = graph.receptive_field(depth, pixel);
            let along_paths = gradient_support(token_gradient(&local, image.clone(), depth, field.token));
            assert_eq!(along_paths, field.paths.support(), "{name}: depth {depth}, token {:?}", field.token);
            let full = gradient_support(token_gradient(&model, image.clone(), depth, field.token));
            let global = graph.global_context_from.is_some_and(|from| depth >= from);
            let expected = if global { vec![true; side * side] } else { field.paths.support() };
            assert_eq!(full, expected, "{name}: depth {depth}, global statistics {global}");
        }
    }
}

/// The one-readback inspection of the reference fixtures: split-attention
/// weights equal PyTorch's and sum to 1 per channel; probabilities are the
/// softmax of the reference logits; shift maps are the group means of the
/// probed shift inputs.
#[test]
fn inspection_matches_the_reference_fixtures() {
    use common::{fixture_config, fixture_dir, fixture_io, max_abs_diff, tensor, values};
    use shiftscope::models::ProbeRequest;
    use shiftscope::viz::{group_means, inspect_async};
    use shiftscope::weights::load_model;
    let device = Device::flex();
    for name in common::FIXTURES {
        let config = fixture_config(name);
        let model = load_model(&fixture_dir(name).join("weights.safetensors"), Some(&config), &device).unwrap().model;
        let io = fixture_io(name);
        let input: Tensor<4> = tensor(&io["input"], &device);
        let inspection = futures_lite::future::block_on(inspect_async(&model, &config, input.clone())).unwrap();
        let logits = &io["logits"];
        let classes = logits.shape[1];
        let row = &logits.values[..classes];
        let max = row.iter().copied().fold(f32::MIN, f32::max);
        let total: f32 = row.iter().map(|l| (l - max).exp()).sum();
        let softmax: Vec<f32> = row.iter().map(|l| (l - max).exp() / total).collect();
        assert!(max_abs_diff(&inspection.probabilities, &softmax) < 1e-5, "{name}: probabilities");
        let blocks = io.keys().filter(|k| k.starts_with("attn.")).count();
        assert_eq!(inspection.attention.len(), blocks, "{name}");
        for summary in &inspection.attention {
            let reference = &io[&format!("attn.{}", summary.block)];
            let first_image = &reference.values[..reference.values.len() / reference.shape[0]];
            assert!(max_abs_diff(&summary.weights, first_image) < 1e-4, "{name}: block {}", summary.block);
            assert!(summary.max_sum_error() < 1e-5, "{name}: weights of a channel must sum to 1");
        }
        let request = ProbeRequest { shift_inputs: true, ..Default::default() };
        let (_, probes) = model.forward_probed(input.narrow(0, 0, 1), &request);
        assert_eq!(inspection.shifts.len(), probes.shift_inputs.len(), "{name}");
        for (block, (maps, inputs)) in inspection.shifts.iter().zip(probes.shift_inputs).enumerate() {
            for (k, map) in inputs.into_iter().enumerate() {
                let channels = map.dims()[3];
                let expected = group_means(&values(map), channels, &maps.groups);
                for (g, group) in maps.groups.iter().enumerate().filter(|(_, g)| g.input == k) {
                    let err = max_abs_diff(&maps.before[g], &expected[g]);
                    assert!(err < 1e-5, "{name}: block {block} {}: {err}", group.label);
                }
            }
        }
    }
}

/// Per-token class contributions add up to each logit minus its bias.
#[test]
fn class_contributions_sum_to_the_logits() {
    use shiftscope::viz::{class_activation, head_weights_async, inspect_async};
    let device = Device::flex();
    for name in ["s2mlpv2_compact", "asmlp_compact", "mixer_compact", "asmlp_tiny"] {
        let config = if name == "asmlp_tiny" { at_input(name, 64) } else { registry::find(name).unwrap() };
        let model = config.init(&device).unwrap();
        let input = random_image(config.image_size, &device);
        let logits = to_f32_vec(model.forward(input.clone()));
        let inspection = futures_lite::future::block_on(inspect_async(&model, &config, input)).unwrap();
        let head = futures_lite::future::block_on(head_weights_async(&model)).unwrap();
        for class in [0, config.num_classes / 2, config.num_classes - 1] {
            let cam = class_activation(&inspection.head_tokens, &head, class);
            assert_eq!(cam.contributions.len(), inspection.head_tokens.rows * inspection.head_tokens.cols);
            let err = (cam.logit() - logits[class]).abs();
            assert!(
                err < 1e-4 * (1.0 + logits[class].abs()),
                "{name} class {class}: {} vs {}",
                cam.logit(),
                logits[class]
            );
        }
    }
}
