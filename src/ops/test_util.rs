//! Helpers for the unit tests of the building blocks.

use burn::tensor::{Device, Tensor, TensorData};

/// The CPU device every unit test runs on.
pub fn device() -> Device {
    Device::flex()
}

/// A `(1, h, w, c)` tensor holding `0, 1, 2, …` in row-major order.
pub fn arange_map(h: usize, w: usize, c: usize) -> Tensor<4> {
    let values: Vec<f32> = (0..h * w * c).map(|v| v as f32).collect();
    Tensor::from_data(TensorData::new(values, [1, h, w, c]), &device())
}

/// Reads a tensor back as a flat `Vec<f32>`.
pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("f32 tensor")
}

/// Asserts two slices agree elementwise within `tol`.
pub fn assert_close(actual: &[f32], expected: &[f32], tol: f32) {
    assert_eq!(actual.len(), expected.len(), "length differs");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!((a - e).abs() <= tol, "index {i}: got {a}, expected {e}");
    }
}
