//! The visualisation numbers against the models they describe: theoretical
//! receptive fields against input gradients, split-attention summaries
//! against the PyTorch reference fixtures, class contributions against the
//! logits.

mod common;

use futures_lite::future::block_on;
use shiftscope::engine::token_gradient;
use shiftscope::engine::Engine;
use shiftscope::models::{registry, ModelConfig};
use shiftscope::predict::to_f32_vec;
use shiftscope::preprocess::{CropBox, Prepared};
use shiftscope::viz::TokenGraph;
use shiftscope::weights::Profile;
use shiftscope::{Device, Tensor};

/// A registry variant at a smaller input (full-size models at 224 px would
/// make the test slow without exercising anything more).
fn at_input(name: &str, image_size: usize) -> ModelConfig {
    let mut config = registry::find(name).unwrap();
    config.image_size = image_size;
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

/// The engine's one-readback analysis of the reference fixtures:
/// split-attention weights equal PyTorch's and sum to 1 per channel;
/// probabilities are the softmax of the reference logits; shift maps are the
/// group means of the probed shift inputs.
#[test]
fn analysis_matches_the_reference_fixtures() {
    use common::{fixture_dir, fixture_io, fixture_spec, max_abs_diff, tensor, values};
    use shiftscope::models::ProbeRequest;
    use shiftscope::viz::group_means;
    use shiftscope::weights::load_model;
    let device = Device::flex();
    for name in common::FIXTURES {
        let spec = fixture_spec(name);
        let config = &spec.config;
        let loaded = load_model(&fixture_dir(name).join("weights.safetensors"), Some(&spec), &device).unwrap();
        let engine = block_on(Engine::loaded(loaded, &device)).unwrap();
        let io = fixture_io(name);
        let input: Tensor<4> = tensor(&io["input"], &device);
        let analysis = block_on(engine.analyse(&first_image(&io["input"].values, config.image_size), 1)).unwrap();
        let logits = &io["logits"];
        let classes = logits.shape[1];
        let row = &logits.values[..classes];
        let max = row.iter().copied().fold(f32::MIN, f32::max);
        let total: f32 = row.iter().map(|l| (l - max).exp()).sum();
        let softmax: Vec<f32> = row.iter().map(|l| (l - max).exp() / total).collect();
        assert!(max_abs_diff(&analysis.probabilities, &softmax) < 1e-5, "{name}: probabilities");
        let blocks = io.keys().filter(|k| k.starts_with("attn.")).count();
        assert_eq!(analysis.attention.len(), blocks, "{name}");
        for summary in &analysis.attention {
            let reference = &io[&format!("attn.{}", summary.block)];
            let first_image = &reference.values[..reference.values.len() / reference.shape[0]];
            assert!(max_abs_diff(&summary.weights, first_image) < 1e-4, "{name}: block {}", summary.block);
            assert!(summary.max_sum_error() < 1e-5, "{name}: weights of a channel must sum to 1");
        }
        let request = ProbeRequest { shift_inputs: true, ..Default::default() };
        let (_, probes) = engine.model().forward_probed(input.narrow(0, 0, 1), &request);
        assert_eq!(analysis.shifts.len(), probes.shift_inputs.len(), "{name}");
        for (block, (maps, inputs)) in analysis.shifts.iter().zip(probes.shift_inputs).enumerate() {
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

/// The first image of a batch of normalised inputs, as the engine takes it
/// (the crop's pixels are only drawn, so grey stands in for them).
fn first_image(batch: &[f32], side: usize) -> Prepared {
    Prepared {
        side,
        chw: batch[..3 * side * side].to_vec(),
        rgb: vec![128; 3 * side * side],
        crop: CropBox::whole(side),
    }
}

/// Per-token class contributions add up to each logit minus its bias.
#[test]
fn class_contributions_sum_to_the_logits() {
    let device = Device::flex();
    for name in ["s2mlpv2_compact", "asmlp_compact", "mixer_compact", "asmlp_tiny"] {
        let config = if name == "asmlp_tiny" { at_input(name, 64) } else { registry::find(name).unwrap() };
        let classes = config.num_classes;
        let profile = Profile::unnamed(&config);
        let engine = block_on(Engine::new(config.init(&device).unwrap(), config.clone(), profile, &device)).unwrap();
        let input = random_image(config.image_size, &device);
        let logits = to_f32_vec(engine.model().forward(input.clone()));
        let analysis = block_on(engine.analyse(&first_image(&to_f32_vec(input), config.image_size), classes)).unwrap();
        for class in [0, classes / 2, classes - 1] {
            let cam = analysis.activation(class).expect("every class was asked for");
            assert!(cam.rows > 1 && cam.contributions.len() == cam.rows * cam.cols, "{name}");
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
