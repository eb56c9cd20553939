//! `shiftscope convert`: checkpoints to compact burnpack weights, with the
//! size and the logit drift of the conversion reported.

use std::path::Path;
use std::process::ExitCode;

use futures_lite::future::block_on;
use shiftscope::engine::Engine;
use shiftscope::weights::{detect_format, to_burnpack_bytes, Spec, StorageDType};
use shiftscope::{Device, Error, Tensor};

/// Loads `input`, writes it as `dtype` burnpack to `output`, reloads the
/// result and prints how far its logits drift from the source's.
pub fn run(requested: Option<&Spec>, dtype: StorageDType, input: &Path, output: &Path) -> Result<ExitCode, Error> {
    let device = Device::flex();
    eprintln!("[1/4] reading {}", input.display());
    let bytes = std::fs::read(input).map_err(Error::io(input))?;
    let format = detect_format(&bytes).map_or("unknown", |f| f.name());
    let source = super::engine_of(bytes, &input.display().to_string(), requested, &device)?;
    let config = source.config().clone();
    eprintln!("[2/4] loaded {format} weights ({} model)", config.arch_name());
    let bytes = to_burnpack_bytes(source.model(), &config, source.profile(), dtype)?;
    let size = bytes.len();
    eprintln!("[3/4] writing {} ({size} bytes)", output.display());
    std::fs::write(output, &bytes).map_err(Error::io(output))?;
    eprintln!("[4/4] checking the converted weights");
    let (converted, _) = block_on(Engine::from_bytes(bytes, &output.display().to_string(), None, &device))?;
    device.seed(7);
    let side = config.image_size;
    let probe: Tensor<4> =
        Tensor::random([2, config.in_channels, side, side], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    let reference = block_on(source.logits(probe.clone()))?;
    let drift =
        block_on(converted.logits(probe))?.iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    let scale = reference.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    println!("{}: {size} bytes, {dtype:?}, max |Δlogit| {drift:.3e} (max |logit| {scale:.3})", output.display());
    Ok(ExitCode::SUCCESS)
}
