//! Theoretical receptive fields: which input pixels can reach a token at a
//! given depth, and along how many token paths (see [`TokenGraph`]).

use super::pixel_map::PixelMap;
use super::token_graph::TokenGraph;
use crate::models::geometry::{Step, TokenMixing};

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
                // Every token reads every token, plus its skip: the same
                // sum as the general case, without listing N² edges.
                Step::Block(TokenMixing::Dense) => {
                    let total: f64 = counts.iter().sum();
                    counts.iter().map(|own| total + own).collect()
                }
                // A window's tokens all read each other: each source gets
                // its window's total, plus its skip.
                Step::Block(TokenMixing::Window { size, offset }) => {
                    let window = |i: usize| (i + size - offset % size) / size;
                    let across = window(side - 1) + 1;
                    let mut totals = vec![0.0; across * across];
                    for (p, count) in counts.iter().enumerate() {
                        totals[window(p / side) * across + window(p % side)] += count;
                    }
                    let total = |q: usize| totals[window(q / side) * across + window(q % side)];
                    counts.iter().enumerate().map(|(q, own)| total(q) + own).collect()
                }
                // The taps are symmetric: a source gets what the tokens at
                // its taps' offsets carry, plus its skip.
                Step::Block(TokenMixing::Convolution { size, dilation }) => {
                    let (reach, d, n) = ((size / 2) as isize, *dilation as isize, side as isize);
                    let count = |r: isize, c: isize| {
                        if (0..n).contains(&r) && (0..n).contains(&c) {
                            counts[(r * n + c) as usize]
                        } else {
                            0.0
                        }
                    };
                    (0..side * side)
                        .map(|q| {
                            let (r, c) = ((q / side) as isize, (q % side) as isize);
                            let taps = (-reach..=reach)
                                .flat_map(|dr| (-reach..=reach).map(move |dc| (dr, dc)))
                                .map(|(dr, dc)| count(r + dr * d, c + dc * d));
                            taps.sum::<f64>() + counts[q]
                        })
                        .collect()
                }
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
    use burn::tensor::{Tensor, TensorData};

    /// Edges of one block found by running the real shift ops (and burn's
    /// convolution) on one-hot maps, one channel per group: `edges[p]`
    /// lists each source token once per edge into `p`.
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
                TokenMixing::AxialShift { offsets } => {
                    let (size, dilation) = (offsets.len(), offsets.get(1).map_or(1, |o| (o - offsets[0]) as usize));
                    [Axis::Horizontal, Axis::Vertical]
                        .map(|axis| values(axial_shift(one_hot(side, q, size), size, dilation, axis)))
                        .into()
                }
                TokenMixing::Dense => vec![vec![1.0; side * side]],
                TokenMixing::Convolution { size, dilation } => vec![convolve_ones(side, q, *size, *dilation)],
                TokenMixing::Window { size, offset } => vec![same_window(side, q, *size, *offset)],
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

    /// Where a one-hot token `q` lands under a `size × size` all-ones
    /// kernel with `dilation`, zero padded to keep the size (burn's conv2d).
    fn convolve_ones(side: usize, q: usize, size: usize, dilation: usize) -> Vec<f32> {
        use burn::tensor::module::conv2d;
        use burn::tensor::ops::ConvOptions;
        let input = one_hot(side, q, 1).reshape([1, 1, side, side]);
        let weight = Tensor::<4>::ones([1, 1, size, size], &device());
        let pad = (size / 2) * dilation;
        values(conv2d(input, weight, None, ConvOptions::new([1, 1], [pad, pad], [dilation, dilation], 1)))
    }

    /// 1 at every token in `q`'s window: the grid cut at `offset + k·size`
    /// along both axes.
    fn same_window(side: usize, q: usize, size: usize, offset: usize) -> Vec<f32> {
        let cuts: Vec<usize> = std::iter::once(0)
            .chain((0..side).map(|k| offset + k * size).filter(|&c| c > 0 && c < side))
            .chain(std::iter::once(side))
            .collect();
        let range = |i: usize| cuts.windows(2).find(|w| (w[0]..w[1]).contains(&i)).map(|w| w[0]..w[1]).unwrap();
        let (rows, cols) = (range(q / side), range(q % side));
        (0..side * side).map(|p| (rows.contains(&(p / side)) && cols.contains(&(p % side))) as u8 as f32).collect()
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

    /// The explorer's designs on an 8 × 8 token grid, two blocks deep.
    #[test]
    fn explorer_path_counts_equal_brute_force_enumeration() {
        use crate::viz::Design;
        let designs = [
            Design::AxialShift { size: 3, dilation: 2 },
            Design::AxialShift { size: 5, dilation: 1 },
            Design::Convolution { size: 3, dilation: 2 },
            Design::SwinWindow,
            Design::Global,
            Design::OneTokenShift,
        ];
        for design in designs {
            let graph = design.token_graph(16, 2, 2).unwrap();
            for depth in 0..=2 {
                for pixel in [(0, 0), (7, 9), (15, 4)] {
                    let rf = graph.receptive_field(depth, pixel);
                    let mut counts = vec![0u64; 256];
                    let token = rf.token.0 * rf.grid_side + rf.token.1;
                    enumerate_paths(&graph, graph.steps_to_depth(depth), rf.grid_side, token, &mut counts);
                    let expected: Vec<f64> = counts.iter().map(|c| *c as f64).collect();
                    assert_eq!(rf.paths.values, expected, "{design:?} depth {depth} pixel {pixel:?}");
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
