//! Theoretical receptive fields: which input pixels can reach a token at a
//! given depth, and along how many token paths (see [`TokenGraph`]).

use super::pixel_map::PixelMap;
use super::token_graph::{Step, TokenGraph};

/// The input pixels that can reach one token at one depth.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceptiveField {
    /// 0: right after the patch embedding; `k`: after block `k`.
    pub depth: usize,
    /// Token grid side at that depth.
    pub grid_side: usize,
    /// The token, `(row, column)` on that grid.
    pub token: (usize, usize),
    /// Number of token paths from each input pixel to the token.
    pub paths: PixelMap,
}

impl ReceptiveField {
    /// `(height, width)` in pixels of the box holding the field.
    pub fn size_px(&self) -> (usize, usize) {
        self.paths.bounds().map(|b| b.size()).unwrap_or((0, 0))
    }

    /// Pixels a side of the token's own patch at this depth.
    pub fn token_px(&self) -> usize {
        self.paths.side / self.grid_side
    }
}

impl TokenGraph {
    /// The token at `depth` whose patch holds input pixel `(row, col)`.
    pub fn token_at(&self, depth: usize, pixel: (usize, usize)) -> (usize, usize) {
        let side = self.grid_side(depth);
        let cell = self.image_size / side;
        ((pixel.0 / cell).min(side - 1), (pixel.1 / cell).min(side - 1))
    }

    /// The receptive field at `depth` (clamped to the last block) of the
    /// token whose patch holds input pixel `(row, col)`.
    pub fn receptive_field(&self, depth: usize, pixel: (usize, usize)) -> ReceptiveField {
        let depth = depth.min(self.blocks());
        let grid_side = self.grid_side(depth);
        let token = self.token_at(depth, pixel);
        let mut side = grid_side;
        let mut counts = vec![0.0f64; side * side];
        counts[token.0 * side + token.1] = 1.0;
        for step in self.steps[..self.steps_to_depth(depth)].iter().rev() {
            counts = match step {
                Step::Block(mixing) => {
                    let mut sources = vec![0.0; side * side];
                    for (p, &count) in counts.iter().enumerate().filter(|(_, c)| **c != 0.0) {
                        for (q, edges) in mixing.sources(side, p / side, p % side) {
                            sources[q] += count * edges as f64;
                        }
                    }
                    sources
                }
                Step::Patchify { patch } => {
                    let fine = side * patch;
                    let spread = (0..fine * fine).map(|i| counts[(i / fine / patch) * side + (i % fine) / patch]);
                    let spread = spread.collect();
                    side = fine;
                    spread
                }
            };
        }
        ReceptiveField { depth, grid_side, token, paths: PixelMap { side, values: counts } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::registry;
    use crate::ops::axial_shift::{axial_shift, Axis};
    use crate::ops::spatial_shift::{spatial_shift, ShiftOrder};
    use crate::ops::test_util::{device, values};
    use crate::viz::token_graph::TokenMixing;
    use burn::tensor::{Tensor, TensorData};

    /// Edges of one block found by running the real shift ops on one-hot
    /// maps (one channel per group, dilation 1): `edges[p]` lists each
    /// source token once per edge into `p`.
    fn edges_from_ops(mixing: &TokenMixing, side: usize) -> Vec<Vec<usize>> {
        let mut edges: Vec<Vec<usize>> = (0..side * side).map(|p| vec![p]).collect(); // skip connection
        for q in 0..side * side {
            let moved: Vec<Vec<f32>> = match mixing {
                TokenMixing::SpatialShift => {
                    edges[q].push(q); // identity branch
                    [ShiftOrder::First, ShiftOrder::Second]
                        .map(|order| values(spatial_shift(one_hot(side, q, 4), order)))
                        .into()
                }
                TokenMixing::AxialShift { offsets } => [Axis::Horizontal, Axis::Vertical]
                    .map(|axis| values(axial_shift(one_hot(side, q, offsets.len()), offsets.len(), 1, axis)))
                    .into(),
                TokenMixing::Dense => vec![vec![1.0; side * side]],
            };
            for map in moved {
                let channels = map.len() / (side * side);
                for (i, _) in map.iter().enumerate().filter(|(_, v)| **v != 0.0) {
                    edges[i / channels].push(q);
                }
            }
        }
        edges
    }

    /// A `(1, side, side, channels)` map that is 1 at token `q` only.
    fn one_hot(side: usize, q: usize, channels: usize) -> Tensor<4> {
        let mut data = vec![0.0f32; side * side * channels];
        data[q * channels..(q + 1) * channels].fill(1.0);
        Tensor::from_data(TensorData::new(data, [1, side, side, channels]), &device())
    }

    /// Counts paths by walking every one of them, step by step backwards.
    fn enumerate_paths(graph: &TokenGraph, steps: usize, side: usize, token: usize, counts: &mut [u64]) {
        if steps == 0 {
            counts[token] += 1;
            return;
        }
        match &graph.steps[steps - 1] {
            Step::Block(mixing) => {
                for source in &edges_from_ops(mixing, side)[token] {
                    enumerate_paths(graph, steps - 1, side, *source, counts);
                }
            }
            Step::Patchify { patch } => {
                let fine = side * patch;
                let (r, c) = (token / side, token % side);
                for dr in 0..*patch {
                    for dc in 0..*patch {
                        enumerate_paths(graph, steps - 1, fine, (r * patch + dr) * fine + c * patch + dc, counts);
                    }
                }
            }
        }
    }

    fn small(name: &str, image_size: usize, edit: impl FnOnce(&mut crate::models::ArchConfig)) -> TokenGraph {
        let mut config = registry::find(name).unwrap();
        config.image_size = image_size;
        config.preprocess = None;
        edit(&mut config.arch);
        config.validate().unwrap();
        TokenGraph::new(&config)
    }

    #[test]
    fn path_counts_equal_brute_force_enumeration() {
        use crate::models::ArchConfig;
        let graphs = [
            small("s2mlpv2_compact", 8, |a| {
                if let ArchConfig::S2mlpv2(c) = a {
                    c.depths = vec![2, 2];
                }
            }),
            small("asmlp_compact", 8, |a| {
                if let ArchConfig::Asmlp(c) = a {
                    (c.embed_dim, c.shift_size, c.depths) = (6, 3, vec![2, 1]);
                }
            }),
            small("mixer_compact", 8, |a| {
                if let ArchConfig::Mixer(c) = a {
                    (c.patch_size, c.depth) = (2, 2);
                }
            }),
        ];
        for graph in &graphs {
            for depth in 0..=graph.blocks() {
                for pixel in [(0, 0), (3, 5), (7, 7)] {
                    let rf = graph.receptive_field(depth, pixel);
                    let side = rf.grid_side;
                    let mut counts = vec![0u64; 64];
                    let token = rf.token.0 * side + rf.token.1;
                    enumerate_paths(graph, graph.steps_to_depth(depth), side, token, &mut counts);
                    let expected: Vec<f64> = counts.iter().map(|c| *c as f64).collect();
                    assert_eq!(rf.paths.values, expected, "{:?} depth {depth} pixel {pixel:?}", graph.steps[1]);
                }
            }
        }
    }

    #[test]
    fn compact_fields_grow_as_the_shifts_allow() {
        let s2 = TokenGraph::new(&registry::find("s2mlpv2_compact").unwrap());
        let centre = (16, 16);
        // Patch 2; each stage-1 block reaches one 2-px token further each way.
        assert_eq!(s2.receptive_field(0, centre).size_px(), (2, 2));
        assert_eq!(s2.receptive_field(1, centre).size_px(), (6, 6));
        assert_eq!(s2.receptive_field(2, centre).size_px(), (10, 10));
        // After the 2× downsampling a token covers 4 px and sees 12 px; each
        // stage-2 block adds one 4-px token each way.
        assert_eq!(s2.receptive_field(3, centre).size_px(), (20, 20));
        assert_eq!(s2.receptive_field(3, centre).token_px(), 4);
        // A corner token's field is cut by the image edge.
        assert_eq!(s2.receptive_field(1, (0, 0)).size_px(), (4, 4));
        let mixer = TokenGraph::new(&registry::find("mixer_compact").unwrap());
        assert_eq!(mixer.receptive_field(0, centre).size_px(), (4, 4));
        assert_eq!(mixer.receptive_field(1, centre).size_px(), (32, 32), "token mixing is global");
        let asmlp = TokenGraph::new(&registry::find("asmlp_compact").unwrap());
        // Shift size 5: ±2 tokens of 2 px along each axis: a cross after one
        // block, its full 10 × 10 square after two.
        let one = asmlp.receptive_field(1, centre);
        assert_eq!(one.size_px(), (10, 10));
        assert_eq!(one.paths.support_size(), 2 * 10 * 2 - 4, "a cross two pixels wide");
        // Two blocks: a 5 × 5-token square plus arms to ±4 tokens (33 tokens).
        let two = asmlp.receptive_field(2, centre);
        assert_eq!((two.size_px(), two.paths.support_size()), ((18, 18), 33 * 4));
    }
}
