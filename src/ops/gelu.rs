//! Exact GELU, `x·Φ(x) = ½·x·(1 + erf(x/√2))`, with an erf that vectorises.
//!
//! burn's CPU backend evaluates GELU one element at a time through libm's
//! scalar `erff`: a fifth of a compact model's forward pass in the browser
//! (docs/performance.md). On that backend, for f32 tensors outside
//! autodiff, [`gelu`] computes it in place with SIMD instead (WebAssembly
//! SIMD128 in the browser, AVX2 / AVX-512 natively, chosen at run time):
//! erf is a rational fit `z·P(z²)/Q(z²)` on |z| ≤ 4 (`erf(4)` rounds to 1 in
//! f32), fitted for this project by `scripts/fit/erf.py`, at most 3.5e-7
//! from the float64 erf when evaluated in f32 (libm's `erff`: about 1e-7).
//! Every other device, dtype and any tensor autodiff tracks get burn's own
//! `gelu`, so training and WebGPU are unchanged.

use burn::tensor::{DType, Tensor};
use burn_dispatch::{BackendTensor, DispatchAutodiffContext, DispatchTensor, DispatchTensorKind};
use macerator::{vload_unaligned, vstore_unaligned, Scalar, Simd, Vector};

/// Largest |z| the rational erf is evaluated at; beyond it erf is ±1 in f32.
const Z_MAX: f32 = 4.0;
/// P's coefficients, powers of z² from 0 up (`scripts/fit/erf.py`). The
/// first is the fit's, within an ulp of erf'(0) = 2/√π.
#[allow(clippy::approx_constant)]
const P: [f32; 7] =
    [1.128_379_2, 0.184_711_25, 0.054_332_666, 0.003_839_559_6, 0.000_382_690_75, 4.780_476e-6, -1.366_651_1e-8];
/// Q's coefficients, powers of z² from 0 up (Q(0) = 1).
const Q: [f32; 6] = [1.0, 0.497_029_63, 0.113_826_63, 0.015_453_571, 0.001_309_583_3, 6.400_868e-5];
/// The widest SIMD register holds this many f32 (AVX-512).
const MAX_LANES: usize = 16;

/// GELU of every element (exact form, not the tanh approximation).
///
/// # Shapes
/// - input: any
/// - output: the same
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    match x.into_dispatch() {
        DispatchTensor {
            kind: DispatchTensorKind::Flex(BackendTensor::Float(mut flex)),
            autodiff: DispatchAutodiffContext::Disabled,
        } if flex.dtype() == DType::F32 => {
            if !flex.is_contiguous() {
                flex = flex.to_contiguous();
            }
            let start = flex.layout().start_offset();
            let len = flex.layout().num_elements();
            // Copies the buffer first if another tensor shares it.
            gelu_in_place(&mut flex.storage_mut::<f32>()[start..start + len]);
            Tensor::from_dispatch(DispatchTensor {
                kind: DispatchTensorKind::Flex(BackendTensor::Float(flex)),
                autodiff: DispatchAutodiffContext::Disabled,
            })
        }
        other => burn::tensor::activation::gelu(Tensor::from_dispatch(other)),
    }
}

/// GELU of each value, in place.
#[macerator::with_simd]
fn gelu_in_place<S: Simd>(values: &mut [f32]) {
    map_in_place::<S, Gelu>(values);
}

/// A function applied lane by lane to a register of f32.
///
/// A trait, not a closure: natively the SIMD instructions are enabled only
/// inside the function `with_simd` generates, and a closure (or a function
/// passed as a value) is a function of its own without them, in which
/// every SIMD operation stays an out-of-line call.
trait LaneMap {
    /// The function on one register.
    fn apply<S: Simd>(x: Vector<S, f32>) -> Vector<S, f32>;
}

/// `M` on each value, in place, a register at a time; the last partial
/// register goes through `M` padded, so every value gets the same bits
/// wherever it sits.
#[inline(always)]
fn map_in_place<S: Simd, M: LaneMap>(values: &mut [f32]) {
    let lanes = S::lanes32();
    let whole = values.len() / lanes * lanes;
    let (body, tail) = values.split_at_mut(whole);
    for chunk in body.chunks_exact_mut(lanes) {
        // SAFETY: `chunk` holds exactly one register's worth of f32.
        unsafe { vstore_unaligned::<S, f32>(chunk.as_mut_ptr(), M::apply(vload_unaligned(chunk.as_ptr()))) };
    }
    if !tail.is_empty() {
        let mut padded = [0.0f32; MAX_LANES];
        padded[..tail.len()].copy_from_slice(tail);
        // SAFETY: `padded` holds at least one register's worth of f32.
        unsafe { vstore_unaligned::<S, f32>(padded.as_mut_ptr(), M::apply(vload_unaligned(padded.as_ptr()))) };
        tail.copy_from_slice(&padded[..tail.len()]);
    }
}

/// `½·x·(1 + erf(x/√2))` lane by lane.
struct Gelu;

impl LaneMap for Gelu {
    #[inline(always)]
    fn apply<S: Simd>(x: Vector<S, f32>) -> Vector<S, f32> {
        let z = x * core::f32::consts::FRAC_1_SQRT_2.splat::<S>();
        x * 0.5f32.splat::<S>() * (1.0f32.splat::<S>() + Erf::apply(z))
    }
}

/// The rational erf, lane by lane: z clamped to ±[`Z_MAX`], Horner for P
/// and Q in z², one division, the result clamped to ±1.
struct Erf;

impl LaneMap for Erf {
    #[inline(always)]
    fn apply<S: Simd>(z: Vector<S, f32>) -> Vector<S, f32> {
        let z = z.max((-Z_MAX).splat::<S>()).min(Z_MAX.splat::<S>());
        let t = z * z;
        // Horner, written out: a loop over the coefficients stays a loop in
        // the size-optimised web build; no closure either (see `LaneMap`).
        let mut num = P[6].splat::<S>();
        num = num * t + P[5].splat::<S>();
        num = num * t + P[4].splat::<S>();
        num = num * t + P[3].splat::<S>();
        num = num * t + P[2].splat::<S>();
        num = num * t + P[1].splat::<S>();
        num = num * t + P[0].splat::<S>();
        let mut den = Q[5].splat::<S>();
        den = den * t + Q[4].splat::<S>();
        den = den * t + Q[3].splat::<S>();
        den = den * t + Q[2].splat::<S>();
        den = den * t + Q[1].splat::<S>();
        den = den * t + Q[0].splat::<S>();
        (z * num / den).max((-1.0f32).splat::<S>()).min(1.0f32.splat::<S>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;
    use burn::tensor::{Distribution, Tensor, TensorData, Tolerance};

    /// `count` evenly spaced values from `low` to `high`.
    fn grid(low: f32, high: f32, count: usize) -> Vec<f32> {
        (0..count).map(|i| low + (high - low) * i as f32 / (count - 1) as f32).collect()
    }

    /// The rational erf of each value, in place.
    #[macerator::with_simd]
    fn erf_in_place<S: Simd>(values: &mut [f32]) {
        map_in_place::<S, Erf>(values);
    }

    #[test]
    fn erf_is_within_its_bound_of_the_float64_erf() {
        let z = grid(-6.0, 6.0, 240_001);
        let mut erf = z.clone();
        erf_in_place(&mut erf);
        let worst =
            z.iter().zip(&erf).map(|(&z, &e)| (f64::from(e) - libm::erf(f64::from(z))).abs()).fold(0.0, f64::max);
        assert!(worst <= 3.5e-7, "erf off by {worst:e}");
    }

    #[test]
    fn matches_burns_gelu_on_the_cpu_and_leaves_shared_inputs_alone() {
        let device = Device::flex();
        let x = Tensor::<2>::random([37, 29], Distribution::Normal(0.0, 3.0), &device);
        let expected = burn::tensor::activation::gelu(x.clone());
        // Shared (the clone stays), transposed (not contiguous), sliced (offset).
        let y = gelu(x.clone());
        y.to_data().assert_approx_eq::<f32>(&expected.to_data(), Tolerance::absolute(2e-6));
        let yt = gelu(x.clone().transpose());
        yt.to_data().assert_approx_eq::<f32>(&expected.clone().transpose().to_data(), Tolerance::absolute(2e-6));
        let ys = gelu(x.clone().slice([3..20, 5..29]));
        ys.to_data()
            .assert_approx_eq::<f32>(&expected.clone().slice([3..20, 5..29]).to_data(), Tolerance::absolute(2e-6));
        let again = burn::tensor::activation::gelu(x);
        again.to_data().assert_eq(&expected.to_data(), true);
    }

    #[test]
    fn cpu_tensors_take_the_simd_path() {
        let values = grid(-5.0, 5.0, 999);
        let mut expected = values.clone();
        gelu_in_place(&mut expected);
        let y = gelu(Tensor::<1>::from_data(TensorData::from(values.as_slice()), &Device::flex()));
        let y = y.into_data().try_to_vec::<f32>().unwrap();
        assert!(y.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn every_value_gets_the_same_bits_in_a_register_or_in_the_tail() {
        let values = grid(-7.0, 7.0, 1001);
        let mut together = values.clone();
        gelu_in_place(&mut together);
        for (i, &v) in values.iter().enumerate() {
            let mut alone = [v];
            gelu_in_place(&mut alone);
            assert_eq!(alone[0].to_bits(), together[i].to_bits(), "x = {v}");
        }
    }

    #[test]
    fn special_values_as_burn_has_them() {
        let values = [0.0f32, -0.0, f32::INFINITY, f32::NEG_INFINITY, 40.0, -40.0, f32::NAN, 1e-30, -1e-30];
        let mut ours = values;
        gelu_in_place(&mut ours);
        let burns = burn::tensor::activation::gelu(Tensor::<1>::from_data(TensorData::from(values), &Device::flex()));
        for (ours, burns) in ours.iter().zip(burns.into_data().try_to_vec::<f32>().unwrap()) {
            assert!(ours == &burns || (ours.is_nan() && burns.is_nan()), "{ours} vs {burns}");
        }
    }

    #[test]
    fn autodiff_and_float64_go_to_burn() {
        let device = Device::flex().autodiff();
        let x = Tensor::<1>::from_data(TensorData::from([-2.0f32, -0.5, 0.0, 0.7, 3.0]), &device).require_grad();
        let grads = gelu(x.clone()).sum().backward();
        let reference =
            Tensor::<1>::from_data(TensorData::from([-2.0f32, -0.5, 0.0, 0.7, 3.0]), &device).require_grad();
        let expected = burn::tensor::activation::gelu(reference.clone()).sum().backward();
        x.grad(&grads).unwrap().to_data().assert_eq(&reference.grad(&expected).unwrap().to_data(), true);
        let wide = Tensor::<1>::from_data(TensorData::from([-1.5f64, 0.25, 2.0]), &Device::flex());
        gelu(wide.clone()).to_data().assert_eq(&burn::tensor::activation::gelu(wide).to_data(), true);
    }
}
