//! Sums over thousands of values in f32 against a float64 run of the same
//! model, computed here (weights and input cast exactly; seeded weights
//! drawn like the fixtures'), full size and in a few seconds on 2 cores:
//! S²-MLPv2-Small/7 at 224², whose split-attention descriptors
//! `a = Σ_k Σ_tokens X_k` reach ~2·10³, and AS-MLP-T at 224², whose first
//! GroupNorm averages 56·56·96 values.
//!
//! Each bound is PyTorch f32's distance from float64 on the same weights and
//! input (torch 1.13, one thread, printed by `tests/reference/sum_accuracy.py`;
//! docs/testing.md § Exact sums) plus half a unit in the last place of the
//! largest value: the final rounding, on either side of which two correct f32
//! sums may land. `SHIFTSCOPE_SUM_REPORT=<dir>` writes each model's weights,
//! input and f32 results under `<dir>` for that script.

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::FloatDType;
use shiftscope::bench::export::{save_f32_tensors, save_pytorch_safetensors};
use shiftscope::models::s2mlpv2::S2MlpV2;
use shiftscope::models::{registry, ArchConfig, Model, ModelConfig};
use shiftscope::ops::linear::linear_last_split;
use shiftscope::ops::spatial_shift::{spatial_shift, ShiftOrder};
use shiftscope::{Device, Tensor, TensorData};

/// PyTorch f32's largest distance from float64 over the S²-MLPv2
/// descriptors `a` of every block.
const PYTORCH_A: f64 = 2.054e-4;
/// PyTorch f32's distance from float64 of the variance (`torch.var_mean`)
/// of AS-MLP-T's first GroupNorm input, the same f32 input in both.
const PYTORCH_VARIANCE: f64 = 2.914e-8;
/// PyTorch f32's largest distance from float64 of that GroupNorm's output.
const PYTORCH_GROUP_NORM: f64 = 9.317e-7;

/// Random weights as `tests/reference/make_fixtures.py` draws them: linear
/// and convolution weights `N(0, gain²/fan_in)` (gain 3 for the head),
/// biases and norm shifts `N(0, 0.1²)`, norm scales `U(0.7, 1.3)`, and
/// S²-MLPv2's `split_attention.fc1` at gain `1/N` for a stage of `N`
/// tokens so that the softmax over branches does not saturate.
/// Draws come from the test's own generator, not the device's (shared by
/// the tests running beside), so the weights are the same on every run.
struct Randomise {
    path: Vec<String>,
    tokens_per_stage: Vec<usize>,
    rng: SplitMix,
    device: Device,
}

/// SplitMix64, with uniform and (Box–Muller) normal draws.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self, std: f64) -> f32 {
        let (u, v) = (self.unit(), self.unit());
        (std * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }

    fn tensor<const D: usize>(
        &mut self,
        dims: [usize; D],
        mut draw: impl FnMut(&mut Self) -> f32,
        device: &Device,
    ) -> Tensor<D> {
        let values: Vec<f32> = (0..dims.iter().product()).map(|_| draw(self)).collect();
        Tensor::from_data(TensorData::new(values, dims), device)
    }
}

impl ModuleMapper for Randomise {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.path.join(".");
        let dims = param.val().dims();
        let device = self.device.clone();
        let value = if path.ends_with("gamma") {
            self.rng.tensor(dims, |r| (0.7 + 0.6 * r.unit()) as f32, &device)
        } else if path.ends_with("beta") || path.ends_with("bias") {
            self.rng.tensor(dims, |r| r.normal(0.1), &device)
        } else {
            // burn keeps linear weights as (in, out), convolutions as (out, in, k, k).
            let fan_in: usize = if D == 2 { dims[0] } else { dims[1..].iter().product() };
            let mut gain = if path.contains("head") { 3.0 } else { 1.0 };
            if path.contains("split_attention.fc1") {
                let stage: usize = path.split('.').skip_while(|p| *p != "stages").nth(1).unwrap().parse().unwrap();
                gain = 1.0 / self.tokens_per_stage[stage] as f64;
            }
            let std = gain / (fan_in as f64).sqrt();
            self.rng.tensor(dims, |r| r.normal(std), &device)
        };
        param.map(|_| value)
    }
}

/// The same parameters in float64.
struct ToF64;

impl ModuleMapper for ToF64 {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| t.cast(FloatDType::F64))
    }
}

/// A registry variant with seeded random weights, and a seeded image.
fn random_model(name: &str, seed: u64) -> (ModelConfig, Model, Tensor<4>) {
    let device = Device::flex();
    let config = registry::find(name).unwrap();
    let mut side = config.image_size;
    let tokens_per_stage = match &config.arch {
        ArchConfig::S2mlpv2(arch) => arch
            .patch_sizes
            .iter()
            .map(|p| {
                side /= p;
                side * side
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut randomise = Randomise { path: Vec::new(), tokens_per_stage, rng: SplitMix(seed), device: device.clone() };
    let model = config.init(&device).unwrap().map(&mut randomise);
    let side = config.image_size;
    let image = randomise.rng.tensor([1, 3, side, side], |r| r.normal(1.0), &device);
    (config, model, image)
}

fn to_f64<const D: usize>(x: Tensor<D>) -> Vec<f64> {
    x.cast(FloatDType::F64).into_data().try_into_vec::<f64>().unwrap()
}

fn max_abs(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

/// Per block, the split-attention descriptor `a` and branch logits.
fn split_attention_sums(model: &S2MlpV2, image: Tensor<4>) -> Vec<(Tensor<2>, Tensor<3>)> {
    let mut x = model.patch_embed.proj.forward_nchw(image);
    let mut sums = Vec::new();
    for stage in &model.stages {
        if let Some(down) = &stage.downsample {
            x = down.proj.forward_channels_last(x);
        }
        for block in &stage.blocks {
            let mut parts = linear_last_split(&block.attn.mlp1, block.norm1.forward(x.clone()), 3).into_iter();
            let mut next = || parts.next().unwrap();
            let branches =
                [spatial_shift(next(), ShiftOrder::First), spatial_shift(next(), ShiftOrder::Second), next()];
            let attention = block.attn.split_attention.as_ref().unwrap();
            sums.push((attention.pool(&branches), attention.logits(&branches)));
            x = block.forward(x).0;
        }
    }
    sums
}

#[test]
fn s2mlpv2_small7_split_attention_sums_match_float64() {
    let (config, model, image) = random_model("s2mlpv2_small7", 18);
    let model64 = model.clone().map(&mut ToF64);
    let (Model::S2mlpv2(m32), Model::S2mlpv2(m64)) = (&model, &model64) else { panic!("an S²-MLPv2") };
    let sums32 = split_attention_sums(m32, image.clone());
    let sums64 = split_attention_sums(m64, image.clone().cast(FloatDType::F64));
    let (mut a_max, mut a_err, mut logit_err) = (0.0f64, 0.0f64, 0.0f64);
    for ((a32, l32), (a64, l64)) in sums32.iter().zip(sums64) {
        let (a64, l64) = (to_f64(a64), to_f64(l64));
        a_max = a_max.max(max_abs(&a64));
        a_err = a_err.max(distance(&to_f64(a32.clone()), &a64));
        logit_err = logit_err.max(distance(&to_f64(l32.clone()), &l64));
    }
    let logits32 = model.forward(image.clone());
    let logits = distance(&to_f64(logits32.clone()), &to_f64(model64.forward(image.clone().cast(FloatDType::F64))));
    println!(
        "S²-MLPv2-Small/7 224²: max |a| {a_max:.1}; |f32 - f64|: a {a_err:.3e} (PyTorch {PYTORCH_A:.3e}), \
         split-attention logits {logit_err:.3e}, model logits {logits:.3e}"
    );
    let mut report: Vec<(String, Tensor<4>)> = vec![("logits".into(), logits32.unsqueeze())];
    for (k, (a, hat)) in sums32.into_iter().enumerate() {
        report.push((format!("a.{k}"), a.unsqueeze()));
        report.push((format!("hat.{k}"), hat.unsqueeze()));
    }
    write_report("s2mlpv2_small7", &config, &model, &image, report);
    assert!(a_max >= 1000.0, "the descriptors should reach the thousands, got {a_max}");
    // PyTorch's distance, plus the half unit in the last place that the
    // final rounding of a value of that size may cost either side.
    let bound = PYTORCH_A + half_ulp(a_max);
    assert!(a_err <= bound, "descriptors: {a_err:.3e} from float64, PyTorch f32 {PYTORCH_A:.3e}");
}

#[test]
fn asmlp_tiny_group_norm_statistics_match_float64() {
    let (config, model, image) = random_model("asmlp_tiny", 18);
    let Model::Asmlp(asmlp) = &model else { panic!("an AS-MLP") };
    // The first GroupNorm: 56·56·96 values per image, the same f32 input in both runs.
    let x = asmlp.patch_embed.proj.forward_nchw(image.clone());
    let norm = &asmlp.patch_embed.norm;
    let out32 = norm.forward(x.clone());
    let out64 = to_f64(norm.clone().map(&mut ToF64).forward(x.clone().cast(FloatDType::F64)));
    let err = distance(&to_f64(out32.clone()), &out64);
    let [b, h, w, c] = x.dims();
    let (mean64, var64) = norm.statistics(x.clone().cast(FloatDType::F64));
    let (mean, var) = norm.statistics(x.clone());
    let (burn_var, burn_mean) = x.clone().reshape([b, h * w * c]).var_mean_bias(1);
    let stats = |m: Tensor<2>, v: Tensor<2>| {
        (distance(&to_f64(m), &to_f64(mean64.clone())), distance(&to_f64(v), &to_f64(var64.clone())))
    };
    let ((mean_err, var_err), (burn_mean_err, burn_var_err)) =
        (stats(mean.clone(), var.clone()), stats(burn_mean, burn_var));
    println!(
        "AS-MLP-T 224², first GroupNorm over {} values, |f32 - f64|: mean {mean_err:.2e}, variance {var_err:.2e} \
         (burn's var_mean_bias: {burn_mean_err:.2e}, {burn_var_err:.2e}; PyTorch variance {PYTORCH_VARIANCE:.2e}); \
         output {err:.3e} (PyTorch {PYTORCH_GROUP_NORM:.3e})",
        h * w * c
    );
    let logits = model.forward(image.clone());
    let report = vec![
        ("logits".into(), logits.unsqueeze()),
        ("norm_input".into(), x),
        ("norm_output".into(), out32),
        ("norm_mean".into(), mean.unsqueeze()),
        ("norm_variance".into(), var.unsqueeze()),
    ];
    write_report("asmlp_tiny", &config, &model, &image, report);
    let var_bound = PYTORCH_VARIANCE + half_ulp(max_abs(&to_f64(var64)));
    assert!(var_err <= var_bound, "variance: {var_err:.3e} from float64, PyTorch f32 {PYTORCH_VARIANCE:.3e}");
    let bound = PYTORCH_GROUP_NORM + half_ulp(max_abs(&out64));
    assert!(err <= bound, "GroupNorm output: {err:.3e} from float64, PyTorch f32 {PYTORCH_GROUP_NORM:.3e}");
}

/// Half the gap between `x` and the next f32.
fn half_ulp(x: f64) -> f64 {
    let x = x as f32;
    (f32::from_bits(x.to_bits() + 1) - x) as f64 / 2.0
}

/// Under `$SHIFTSCOPE_SUM_REPORT/<name>`, if set: the model's PyTorch
/// weights, its input and named f32 results, for
/// `tests/reference/sum_accuracy.py`.
fn write_report(name: &str, config: &ModelConfig, model: &Model, image: &Tensor<4>, results: Vec<(String, Tensor<4>)>) {
    let Ok(root) = std::env::var("SHIFTSCOPE_SUM_REPORT") else { return };
    let dir = std::path::Path::new(&root).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), serde_json::to_string_pretty(config).unwrap()).unwrap();
    save_pytorch_safetensors(model, &dir.join("weights.safetensors")).unwrap();
    let tensors: Vec<(String, Vec<usize>, Vec<f32>)> = std::iter::once(("input".to_string(), image.clone()))
        .chain(results)
        .map(|(name, t)| (name, t.dims().to_vec(), t.into_data().convert::<f32>().try_into_vec::<f32>().unwrap()))
        .collect();
    let views: Vec<(&str, Vec<usize>, &[f32])> =
        tensors.iter().map(|(name, shape, v)| (name.as_str(), shape.clone(), v.as_slice())).collect();
    save_f32_tensors(&dir.join("io.safetensors"), &views).unwrap();
}
