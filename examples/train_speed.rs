//! Times training steps (forward, backward, AdamW) of model configs on the
//! CPU: `cargo run --release --example train_speed -- <variant|json>…`.
use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Distribution, Int, Tensor};
use shiftscope::models::{registry, ModelConfig};

fn main() -> anyhow::Result<()> {
    let batch: usize = std::env::var("BATCH").ok().and_then(|b| b.parse().ok()).unwrap_or(128);
    let device = Device::flex().autodiff();
    for arg in std::env::args().skip(1) {
        let config: ModelConfig =
            if arg.starts_with('{') { serde_json::from_str(&arg)? } else { registry::find(&arg)? };
        let mut model = config.init(&device)?;
        let mut optim = AdamWConfig::new().init();
        let loss_fn = CrossEntropyLossConfig::new().init(&device);
        let s = config.image_size;
        let mut times = vec![];
        for step in 0..6 {
            let x = Tensor::<4>::random([batch, 3, s, s], Distribution::Normal(0.0, 1.0), &device);
            let y = Tensor::<1, Int>::from_ints(&(0..batch as i64).map(|i| i % 10).collect::<Vec<_>>()[..], &device);
            let t = Instant::now();
            let loss = loss_fn.forward(model.forward(x), y);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-3, model, grads);
            let _ = loss.into_scalar::<f32>();
            if step > 0 {
                times.push(t.elapsed().as_secs_f64());
            }
        }
        times.sort_by(f64::total_cmp);
        let med = times[times.len() / 2];
        let c = config.cost();
        println!(
            "{:60} params {:6.2}M GMACs {:.3}  step {:.3}s  {:.0} img/s  epoch(50k) {:.1} min  {:.1} GFLOP/s",
            &arg[..arg.len().min(60)],
            c.params as f64 / 1e6,
            c.macs as f64 / 1e9,
            med,
            batch as f64 / med,
            50000.0 / (batch as f64 / med) / 60.0,
            6.0 * c.macs as f64 * batch as f64 / med / 1e9
        );
    }
    Ok(())
}
