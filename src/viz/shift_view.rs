//! The shift itself, on the real feature map: each channel group's mean
//! map before the shift, and where the shift moves it.

use crate::models::geometry::GroupShift;
use crate::models::ModelConfig;

/// The groups of every block's shifts, in block order; empty lists for
/// Mixer, which has no shift.
pub fn block_shifts(config: &ModelConfig) -> Vec<Vec<GroupShift>> {
    config.architecture().block_shifts()
}

/// The mean over each group's channels of a `(side, side, C)` map.
pub fn group_means(map: &[f32], channels: usize, groups: &[GroupShift]) -> Vec<Vec<f32>> {
    groups
        .iter()
        .map(|g| {
            let n = g.channels.len().max(1) as f32;
            map.chunks_exact(channels).map(|token| token[g.channels.clone()].iter().sum::<f32>() / n).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::registry;
    use crate::ops::axial_shift::{axial_shift, Axis};
    use crate::ops::spatial_shift::{spatial_shift, ShiftOrder};
    use crate::ops::test_util::{device, values};
    use burn::tensor::{Distribution, Tensor};

    /// Shifting a group's mean map equals the mean of the really shifted
    /// channels: the animation shows what the op does.
    #[test]
    fn shifted_group_means_equal_the_real_shift() {
        let side = 5;
        for name in ["s2mlpv2_compact", "asmlp_compact"] {
            let config = registry::find(name).unwrap();
            let groups = &block_shifts(&config)[0];
            let channels = groups.iter().map(|g| g.channels.end).max().unwrap();
            let x = Tensor::<4>::random([1, side, side, channels], Distribution::Normal(0.0, 1.0), &device());
            let before = values(x.clone());
            let shifted: Vec<Vec<f32>> = if name.starts_with("s2") {
                vec![values(spatial_shift(x.clone(), ShiftOrder::First)), values(spatial_shift(x, ShiftOrder::Second))]
            } else {
                let shift = |axis| values(axial_shift(x.clone(), 5, 1, axis));
                vec![shift(Axis::Horizontal), shift(Axis::Vertical)]
            };
            let means = group_means(&before, channels, groups);
            for (g, group) in groups.iter().enumerate() {
                // S²: branch k is shifted input k; AS: width groups come first.
                let which = if name.starts_with("s2") { group.input } else { g / (groups.len() / 2) };
                let expected = &group_means(&shifted[which], channels, std::slice::from_ref(group))[0];
                let got = group.apply(&means[g], side);
                for (a, b) in got.iter().zip(expected) {
                    assert!((a - b).abs() < 1e-5, "{name} {}: {a} vs {b}", group.label);
                }
            }
        }
    }

    #[test]
    fn groups_cover_each_block() {
        let s2 = block_shifts(&registry::find("s2mlpv2_compact").unwrap());
        assert_eq!(s2.len(), 6);
        assert_eq!(s2[0].len(), 8);
        assert_eq!(s2[0][0].label, "branch 1 ↓");
        assert_eq!(s2[5][7].channels, 96..128);
        let asmlp = block_shifts(&registry::find("asmlp_compact").unwrap());
        assert_eq!(asmlp.len(), 6);
        let offsets: Vec<_> = asmlp[0].iter().map(|g| g.moves).collect();
        assert_eq!(offsets[..5], [(0, -2), (0, -1), (0, 0), (0, 1), (0, 2)]);
        assert_eq!(offsets[5], (-2, 0));
        assert!(block_shifts(&registry::find("mixer_compact").unwrap()).iter().all(|b| b.is_empty()));
    }
}
