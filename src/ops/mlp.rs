//! The channel MLP: `fc2(GELU(fc1(x)))` on the last axis.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::gelu::gelu;
use super::linear::linear_last;

/// Two linear layers with an exact GELU between them.
#[derive(Module, Debug)]
pub struct Mlp {
    /// Expansion `C → hidden`.
    pub fc1: Linear,
    /// Projection `hidden → out`.
    pub fc2: Linear,
}

impl Mlp {
    /// An MLP `input → hidden → output`, both layers with bias.
    pub fn new(input: usize, hidden: usize, output: usize, device: &Device) -> Self {
        Self { fc1: LinearConfig::new(input, hidden).init(device), fc2: LinearConfig::new(hidden, output).init(device) }
    }

    /// Applies the MLP to the last axis of `x`.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        linear_last(&self.fc2, gelu(linear_last(&self.fc1, x)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{assert_close, device, values};
    use burn::module::Param;
    use burn::tensor::TensorData;

    #[test]
    fn computes_fc2_of_gelu_of_fc1() {
        let dev = device();
        let mut mlp = Mlp::new(2, 2, 1, &dev);
        // fc1 = identity with bias (0, -1); fc2 sums both units plus 0.5.
        mlp.fc1.weight = Param::from_tensor(Tensor::from_data(TensorData::from([[1.0f32, 0.0], [0.0, 1.0]]), &dev));
        mlp.fc1.bias = Some(Param::from_tensor(Tensor::from_data(TensorData::from([0.0f32, -1.0]), &dev)));
        mlp.fc2.weight = Param::from_tensor(Tensor::from_data(TensorData::from([[1.0f32], [1.0]]), &dev));
        mlp.fc2.bias = Some(Param::from_tensor(Tensor::from_data(TensorData::from([0.5f32]), &dev)));
        let x = Tensor::<2>::from_data(TensorData::from([[1.0f32, 1.0]]), &dev);
        // GELU(1) = 0.841345, GELU(0) = 0.
        assert_close(&values(mlp.forward(x)), &[0.841345 + 0.5], 1e-5);
    }
}
