//! The AS-MLP axial shift: channels split into `shift_size` groups, group
//! `g` moved by `(g - shift_size / 2) · dilation` tokens along one axis,
//! with zeros where the shift uncovers the map (the official CUDA kernel
//! and its `torch.chunk` fallback).

use std::ops::Range;

use burn::tensor::Tensor;

/// The axis an axial shift moves along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Along the width (the official `shift_dim3`, "lr").
    Horizontal,
    /// Along the height (the official `shift_dim2`, "td").
    Vertical,
}

impl Axis {
    /// The tensor dimension of a `(B, H, W, C)` map this axis indexes.
    fn dim(self) -> usize {
        match self {
            Axis::Horizontal => 2,
            Axis::Vertical => 1,
        }
    }
}

/// One channel group of an axial shift and how far it moves:
/// `out[i] = in[i - offset]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftGroup {
    /// The channels of the group.
    pub channels: Range<usize>,
    /// Tokens moved towards larger indices (negative: towards smaller).
    pub offset: isize,
}

/// The channel groups of an axial shift of `channels` channels: groups of
/// `ceil(channels / shift_size)` channels (the last may be short; empty
/// trailing groups are dropped), group `g` moved by `(g - pad) · dilation`.
pub fn shift_groups(channels: usize, shift_size: usize, dilation: usize) -> Vec<ShiftGroup> {
    assert!(shift_size >= 1, "shift size must be at least 1");
    let group = channels.div_ceil(shift_size).max(1);
    let pad = (shift_size / 2) as isize;
    (0..shift_size)
        .map(|g| (g, g * group))
        .take_while(|&(_, start)| start < channels)
        .map(|(g, start)| ShiftGroup {
            channels: start..(start + group).min(channels),
            offset: (g as isize - pad) * dilation as isize,
        })
        .collect()
}

/// The axial shift of a `(B, H, W, C)` map along `axis`: one copy of the
/// map with zeros on both sides of the axis, then each group's channels
/// read from it at the group's offset (views), joined by one concatenation.
pub fn axial_shift(x: Tensor<4>, shift_size: usize, dilation: usize, axis: Axis) -> Tensor<4> {
    let (dim, [_, _, _, channels]) = (axis.dim(), x.dims());
    let len = x.dims()[dim];
    let groups = shift_groups(channels, shift_size, dilation);
    // Zeros each side: the farthest move, at most the whole axis.
    let reach = groups.iter().map(|g| g.offset.unsigned_abs()).max().unwrap_or(0).min(len);
    if reach == 0 {
        return x;
    }
    let mut side = x.dims();
    side[dim] = reach;
    let zeros = Tensor::zeros(side, (&x.device(), x.dtype()));
    let padded = Tensor::cat(vec![zeros.clone(), x, zeros], dim);
    let parts = groups
        .into_iter()
        .map(|group| {
            // out[i] = in[i - offset] = padded[i - offset + reach]; a move
            // of the whole axis or more reads only zeros.
            let start = (reach as isize - group.offset).clamp(0, 2 * reach as isize) as usize;
            padded.clone().narrow(dim, start, len).narrow(3, group.channels.start, group.channels.len())
        })
        .collect();
    Tensor::cat(parts, 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{arange_map, values};

    #[test]
    fn groups_follow_torch_chunk_sizes() {
        // 8 channels in 5 groups: chunks of 2 → four groups, the fifth empty.
        let groups = shift_groups(8, 5, 1);
        let ranges: Vec<_> = groups.iter().map(|g| g.channels.clone()).collect();
        assert_eq!(ranges, vec![0..2, 2..4, 4..6, 6..8]);
        let offsets: Vec<_> = groups.iter().map(|g| g.offset).collect();
        assert_eq!(offsets, vec![-2, -1, 0, 1]);
        // 96 channels in 5 groups: 20, 20, 20, 20, 16.
        let sizes: Vec<_> = shift_groups(96, 5, 1).iter().map(|g| g.channels.len()).collect();
        assert_eq!(sizes, vec![20, 20, 20, 20, 16]);
    }

    #[test]
    fn dilation_scales_offsets() {
        let offsets: Vec<_> = shift_groups(3, 3, 2).iter().map(|g| g.offset).collect();
        assert_eq!(offsets, vec![-2, 0, 2]);
    }

    #[test]
    fn horizontal_shift_moves_groups_along_width_with_zero_fill() {
        // 1×1×5 map (one row), 3 channels, shift size 3: offsets -1, 0, +1.
        let x = arange_map(1, 5, 3);
        let out = values(axial_shift(x, 3, 1, Axis::Horizontal));
        let at = |w: usize, c: usize| out[w * 3 + c];
        let v = |w: usize, c: usize| (w * 3 + c) as f32;
        // channel 0 (offset -1): out[w] = in[w + 1], last column zero.
        assert_eq!((0..5).map(|w| at(w, 0)).collect::<Vec<_>>(), vec![v(1, 0), v(2, 0), v(3, 0), v(4, 0), 0.0]);
        // channel 1 unchanged.
        assert_eq!((0..5).map(|w| at(w, 1)).collect::<Vec<_>>(), (0..5).map(|w| v(w, 1)).collect::<Vec<_>>());
        // channel 2 (offset +1): out[w] = in[w - 1], first column zero.
        assert_eq!((0..5).map(|w| at(w, 2)).collect::<Vec<_>>(), vec![0.0, v(0, 2), v(1, 2), v(2, 2), v(3, 2)]);
    }

    #[test]
    fn vertical_shift_with_dilation_moves_rows() {
        // 5×1 map (one column), 3 channels, shift 3, dilation 2: offsets -2, 0, +2.
        let x = arange_map(5, 1, 3);
        let out = values(axial_shift(x, 3, 2, Axis::Vertical));
        let col = |c: usize| (0..5).map(|h| out[h * 3 + c]).collect::<Vec<_>>();
        let v = |h: usize, c: usize| (h * 3 + c) as f32;
        assert_eq!(col(0), vec![v(2, 0), v(3, 0), v(4, 0), 0.0, 0.0]);
        assert_eq!(col(2), vec![0.0, 0.0, v(0, 2), v(1, 2), v(2, 2)]);
    }

    #[test]
    fn shifts_longer_than_the_map_give_zeros() {
        let x = arange_map(2, 2, 3);
        let out = values(axial_shift(x, 3, 5, Axis::Vertical));
        let zero_channels: Vec<f32> = out.iter().enumerate().filter(|(i, _)| i % 3 != 1).map(|(_, v)| *v).collect();
        assert!(zero_channels.iter().all(|&v| v == 0.0));
    }
}
