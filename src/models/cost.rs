//! Parameter and FLOP counting from layer shapes. FLOPs are counted as
//! multiply-adds (MACs) of the linear and convolution layers, which is how
//! the S²-MLPv2, AS-MLP and MLP-Mixer papers report them; norms,
//! activations, shifts and additions are left out (they are < 1 %).

use std::ops::AddAssign;

/// What a model (or part of one) costs for one image.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    /// Learnable scalars.
    pub params: u64,
    /// Multiply-adds for one forward pass of one image.
    pub macs: u64,
}

impl AddAssign for Cost {
    fn add_assign(&mut self, other: Cost) {
        self.params += other.params;
        self.macs += other.macs;
    }
}

impl Cost {
    /// A linear layer `input → output` applied at `positions` places.
    pub fn linear(positions: usize, input: usize, output: usize, bias: bool) -> Cost {
        let weights = (input * output) as u64;
        Cost { params: weights + if bias { output as u64 } else { 0 }, macs: positions as u64 * weights }
    }

    /// A norm with a per-channel scale and shift.
    pub fn norm(channels: usize) -> Cost {
        Cost { params: 2 * channels as u64, macs: 0 }
    }

    /// A two-layer MLP `input → hidden → output` with biases.
    pub fn mlp(positions: usize, input: usize, hidden: usize, output: usize) -> Cost {
        let mut cost = Cost::linear(positions, input, hidden, true);
        cost += Cost::linear(positions, hidden, output, true);
        cost
    }

    /// A `patch × patch`, stride-`patch` convolution with bias producing
    /// `positions` outputs.
    pub fn patch_conv(positions: usize, input: usize, output: usize, patch: usize) -> Cost {
        Cost::linear(positions, input * patch * patch, output, true)
    }

    /// `self` repeated `times` times.
    pub fn times(self, times: usize) -> Cost {
        Cost { params: self.params * times as u64, macs: self.macs * times as u64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_counts_weights_bias_and_per_position_macs() {
        let c = Cost::linear(10, 3, 4, true);
        assert_eq!(c, Cost { params: 16, macs: 120 });
        let mut total = Cost::mlp(2, 4, 8, 4);
        assert_eq!(total, Cost { params: 32 + 8 + 32 + 4, macs: 2 * 64 });
        total += Cost::norm(4);
        assert_eq!(total.params, 84);
        assert_eq!(Cost::patch_conv(4, 3, 8, 2).times(2), Cost { params: 2 * (96 + 8), macs: 2 * 4 * 96 });
    }
}
