//! Tensor adaptations applied while loading checkpoints (PyTorch layouts,
//! 8-bit storage, corruption checks).

use std::sync::{Arc, Mutex};

use burn::store::burn_pack::Tensor as PackTensor;
use burn::store::{bridge, ModuleAdapter, ModuleContext};
use burn::tensor::{DType, Device, Shape, Tensor, TensorData};

/// Turns a 1×1 convolution kernel `(out, in, 1, 1)` loaded into a burn
/// `Linear` into a matrix `(out, in)`; burn's PyTorch adapter then
/// transposes it. AS-MLP's checkpoints store all its projections this way.
#[derive(Debug, Clone, Default)]
pub struct PointwiseConvToLinear;

impl ModuleAdapter for PointwiseConvToLinear {
    fn adapt(&self, tensor: PackTensor, ctx: ModuleContext<'_>) -> PackTensor {
        let is_linear_weight = ctx.module_type() == Some("Struct:Linear") && tensor.name.ends_with("weight");
        let dims = tensor.shape.as_slice().to_vec();
        if !(is_linear_weight && dims.len() == 4 && dims[2] == 1 && dims[3] == 1) {
            return tensor;
        }
        let (name, dtype) = (tensor.name.clone(), tensor.dtype);
        let matrix = Shape::from(vec![dims[0], dims[1]]);
        let target = matrix.clone();
        bridge::map_data(tensor, name, dtype, matrix, move |data| {
            let dtype = data.dtype();
            burn::tensor::TensorData::from_bytes_vec(data.into_bytes().to_vec(), target.clone(), dtype)
        })
    }

    fn clone_box(&self) -> Box<dyn ModuleAdapter> {
        Box::new(self.clone())
    }
}

/// Records the names of float tensors holding NaN or infinite values as
/// they are read (a corrupt file's usual symptom); runs last in the chain,
/// on f32 data, and leaves the data unchanged.
#[derive(Debug, Clone, Default)]
pub struct NonFiniteDetector {
    /// Names of the offending tensors, in load order.
    pub offenders: Arc<Mutex<Vec<String>>>,
}

impl ModuleAdapter for NonFiniteDetector {
    fn adapt(&self, tensor: PackTensor, _ctx: ModuleContext<'_>) -> PackTensor {
        if tensor.dtype != DType::F32 {
            return tensor;
        }
        let (name, shape) = (tensor.name.clone(), tensor.shape.clone());
        let offenders = Arc::clone(&self.offenders);
        let label = name.clone();
        bridge::map_data(tensor, name, DType::F32, shape, move |data| {
            let finite = data.as_slice::<f32>().map_or(true, |values| values.iter().all(|v| v.is_finite()));
            if !finite {
                offenders.lock().unwrap_or_else(|e| e.into_inner()).push(label.clone());
            }
            data
        })
    }

    fn clone_box(&self) -> Box<dyn ModuleAdapter> {
        Box::new(self.clone())
    }
}

/// Turns 8-bit quantized tensors into f32 on the CPU as they are read, so
/// every device gets plain floats (burn's WebGPU kernels do not take the
/// Q8S layout the files use) and native and browser runs compute the same
/// numbers. The download stays 8-bit.
#[derive(Debug, Clone, Default)]
pub struct DequantizeOnCpu;

fn dequantize<const D: usize>(data: TensorData) -> TensorData {
    Tensor::<D>::from_data(data, &Device::flex()).dequantize().into_data()
}

impl ModuleAdapter for DequantizeOnCpu {
    fn adapt(&self, tensor: PackTensor, _ctx: ModuleContext<'_>) -> PackTensor {
        if !matches!(tensor.dtype, DType::QFloat(_)) {
            return tensor;
        }
        let (name, shape) = (tensor.name.clone(), tensor.shape.clone());
        let rank = shape.num_dims();
        bridge::map_data(tensor, name, DType::F32, shape, move |data| match rank {
            1 => dequantize::<1>(data),
            2 => dequantize::<2>(data),
            3 => dequantize::<3>(data),
            _ => dequantize::<4>(data),
        })
    }

    fn clone_box(&self) -> Box<dyn ModuleAdapter> {
        Box::new(self.clone())
    }
}
