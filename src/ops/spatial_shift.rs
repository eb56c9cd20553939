//! The S²-MLP spatial shift: channels split into four groups, each group
//! moved by one token in one of four directions. The row or column a shift
//! uncovers keeps its own value (the paper's `x[:, 1:] = x[:, :-1]`), so
//! there is no zero padding and no wrap-around.

use burn::tensor::Tensor;

/// A one-token move on a `(B, H, W, C)` map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftDirection {
    /// `out[h] = in[h - 1]`: content moves towards larger row indices.
    Down,
    /// `out[h] = in[h + 1]`.
    Up,
    /// `out[w] = in[w - 1]`: content moves towards larger column indices.
    Right,
    /// `out[w] = in[w + 1]`.
    Left,
}

impl ShiftDirection {
    /// The `(row, column)` offset this shift reads from: `out[p] = in[p + offset]`
    /// wherever `p + offset` lies inside the map (else `out[p] = in[p]`).
    pub fn source_offset(self) -> (isize, isize) {
        match self {
            ShiftDirection::Down => (-1, 0),
            ShiftDirection::Up => (1, 0),
            ShiftDirection::Right => (0, -1),
            ShiftDirection::Left => (0, 1),
        }
    }
}

/// The two group orderings S²-MLPv2 applies to its two shifted branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftOrder {
    /// Groups 0–3 move down, up, right, left.
    First,
    /// Groups 0–3 move right, left, down, up.
    Second,
}

impl ShiftOrder {
    /// The direction of each of the four channel groups.
    pub fn directions(self) -> [ShiftDirection; 4] {
        use ShiftDirection::*;
        match self {
            ShiftOrder::First => [Down, Up, Right, Left],
            ShiftOrder::Second => [Right, Left, Down, Up],
        }
    }
}

/// Moves a whole `(B, H, W, C)` map by one token; the uncovered edge keeps
/// its original values.
pub fn shift_one_token(x: Tensor<4>, direction: ShiftDirection) -> Tensor<4> {
    let (dim, towards_end) = match direction {
        ShiftDirection::Down => (1, true),
        ShiftDirection::Up => (1, false),
        ShiftDirection::Right => (2, true),
        ShiftDirection::Left => (2, false),
    };
    let len = x.dims()[dim];
    if len < 2 {
        return x;
    }
    if towards_end {
        let edge = x.clone().narrow(dim, 0, 1);
        Tensor::cat(vec![edge, x.narrow(dim, 0, len - 1)], dim)
    } else {
        let edge = x.clone().narrow(dim, len - 1, 1);
        Tensor::cat(vec![x.narrow(dim, 1, len - 1), edge], dim)
    }
}

/// The S²-MLP spatial shift of a `(B, H, W, C)` map with `C % 4 == 0`: the
/// four contiguous channel groups move in the directions of `order`.
pub fn spatial_shift(x: Tensor<4>, order: ShiftOrder) -> Tensor<4> {
    let channels = x.dims()[3];
    assert!(channels.is_multiple_of(4), "spatial shift needs channels divisible by 4, got {channels}");
    let groups = x.chunk(4, 3);
    let shifted = groups
        .into_iter()
        .zip(order.directions())
        .map(|(group, direction)| shift_one_token(group, direction))
        .collect();
    Tensor::cat(shifted, 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_util::{arange_map, values};

    /// Value at (h, w, c) of `arange_map(3, 3, 4)`.
    fn v(h: usize, w: usize, c: usize) -> f32 {
        ((h * 3 + w) * 4 + c) as f32
    }

    fn at(out: &[f32], h: usize, w: usize, c: usize) -> f32 {
        out[(h * 3 + w) * 4 + c]
    }

    #[test]
    fn first_order_moves_each_group_one_token_and_keeps_edges() {
        let out = values(spatial_shift(arange_map(3, 3, 4), ShiftOrder::First));
        for h in 0..3 {
            for w in 0..3 {
                // group 0 down: row 0 keeps itself.
                assert_eq!(at(&out, h, w, 0), v(h.saturating_sub(1), w, 0));
                // group 1 up: last row keeps itself.
                assert_eq!(at(&out, h, w, 1), v((h + 1).min(2), w, 1));
                // group 2 right, group 3 left.
                assert_eq!(at(&out, h, w, 2), v(h, w.saturating_sub(1), 2));
                assert_eq!(at(&out, h, w, 3), v(h, (w + 1).min(2), 3));
            }
        }
    }

    #[test]
    fn second_order_swaps_axes_of_the_groups() {
        let out = values(spatial_shift(arange_map(3, 3, 4), ShiftOrder::Second));
        // Hand-checked corners: group 0 moves right, so (0,1) reads (0,0).
        assert_eq!(at(&out, 0, 1, 0), v(0, 0, 0));
        assert_eq!(at(&out, 0, 0, 0), v(0, 0, 0));
        // group 1 left: (2,1) reads (2,2), the last column keeps itself.
        assert_eq!(at(&out, 2, 1, 1), v(2, 2, 1));
        assert_eq!(at(&out, 2, 2, 1), v(2, 2, 1));
        // group 2 down, group 3 up.
        assert_eq!(at(&out, 2, 0, 2), v(1, 0, 2));
        assert_eq!(at(&out, 0, 2, 3), v(1, 2, 3));
        assert_eq!(at(&out, 2, 2, 3), v(2, 2, 3));
    }

    #[test]
    fn groups_hold_several_channels() {
        // 8 channels: group 0 is channels 0 and 1, both moved down.
        let out = values(spatial_shift(arange_map(2, 2, 8), ShiftOrder::First));
        let v8 = |h: usize, w: usize, c: usize| ((h * 2 + w) * 8 + c) as f32;
        assert_eq!(out[2 * 8 + 1], v8(0, 0, 1));
        // channel 2 (group 1, up) at (0,1) reads (1,1).
        assert_eq!(out[8 + 2], v8(1, 1, 2));
        // channel 7 (group 3, left) at (0,0) reads (0,1).
        assert_eq!(out[7], v8(0, 1, 7));
    }

    #[test]
    fn source_offsets_match_the_tensor_shift() {
        for direction in ShiftOrder::First.directions() {
            let out = values(shift_one_token(arange_map(3, 3, 1), direction));
            let (dr, dc) = direction.source_offset();
            // The centre token reads its neighbour at the offset.
            let src = ((1 + dr) * 3 + (1 + dc)) as f32;
            assert_eq!(out[4], src, "{direction:?}");
        }
    }

    #[test]
    fn single_row_maps_are_left_alone_along_that_axis() {
        let x = arange_map(1, 3, 1);
        let out = values(shift_one_token(x, ShiftDirection::Down));
        assert_eq!(out, vec![0.0, 1.0, 2.0]);
    }
}
