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
