//! The shape of a model's token mixing, read off its configuration: which
//! tokens each block reads ([`TokenMixing`], [`Step`]) and how each shifted
//! channel group moves ([`GroupShift`]). The architectures own these facts;
//! `viz` draws them (receptive fields, the shift view).

use std::ops::Range;

use crate::ops::axial_shift::shift_groups;
use crate::ops::spatial_shift::ShiftOrder;

/// How one block moves information between tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenMixing {
    /// S²-MLPv2: two branches, each with its four channel groups shifted by
    /// one token (the two group orders); a group whose source falls off the
    /// map reads its own token. Plus the identity branch and the skip.
    SpatialShift,
    /// AS-MLP: channel groups shifted by `offsets` tokens along the width in
    /// one branch and along the height in the other, zero padded. Plus the
    /// skip.
    AxialShift {
        /// Offset of each channel group (`out[i] = in[i - offset]`).
        offsets: Vec<isize>,
    },
    /// MLP-Mixer: the token MLP reads every token. Plus the skip.
    Dense,
    /// A `size × size` convolution whose taps are `dilation` tokens apart,
    /// zero padded (for comparison; no model here has one). Plus the skip.
    Convolution {
        /// Taps per side (odd).
        size: usize,
        /// Tokens between neighbouring taps.
        dilation: usize,
    },
    /// Swin's window attention: every token of a `size × size` window reads
    /// every other; the window grid starts `offset` tokens in (Swin shifts
    /// it by half a window every other block; the windows cut at the map's
    /// edge stay apart, as Swin's attention mask keeps them). Plus the skip.
    Window {
        /// Window side in tokens.
        size: usize,
        /// Where the window grid starts, in tokens.
        offset: usize,
    },
}

impl TokenMixing {
    /// The edges into token `(row, col)` of a `side × side` grid, as
    /// `(source token index, number of edges)`, sources in row-major order.
    pub fn sources(&self, side: usize, row: usize, col: usize) -> Vec<(usize, u32)> {
        let mut counts = std::collections::BTreeMap::new();
        let mut add = |r: usize, c: usize| *counts.entry(r * side + c).or_insert(0u32) += 1;
        add(row, col); // the skip connection
        let inside = |r: isize, c: isize| (0..side as isize).contains(&r) && (0..side as isize).contains(&c);
        let (r0, c0) = (row as isize, col as isize);
        match self {
            TokenMixing::SpatialShift => {
                add(row, col); // the identity branch
                for order in [ShiftOrder::First, ShiftOrder::Second] {
                    for direction in order.directions() {
                        let (dr, dc) = direction.source_offset();
                        let (r, c) = (r0 + dr, c0 + dc);
                        if inside(r, c) {
                            add(r as usize, c as usize);
                        } else {
                            add(row, col);
                        }
                    }
                }
            }
            TokenMixing::AxialShift { offsets } => {
                for &offset in offsets {
                    if inside(r0, c0 - offset) {
                        add(row, (c0 - offset) as usize);
                    }
                    if inside(r0 - offset, c0) {
                        add((r0 - offset) as usize, col);
                    }
                }
            }
            TokenMixing::Dense => {
                for r in 0..side {
                    for c in 0..side {
                        add(r, c);
                    }
                }
            }
            TokenMixing::Convolution { size, dilation } => {
                let reach = (size / 2) as isize;
                for dr in -reach..=reach {
                    for dc in -reach..=reach {
                        let (r, c) = (r0 + dr * *dilation as isize, c0 + dc * *dilation as isize);
                        if inside(r, c) {
                            add(r as usize, c as usize);
                        }
                    }
                }
            }
            TokenMixing::Window { size, offset } => {
                let window = |i: usize| (i + size - offset % size) / size;
                let same = |i: usize, j: usize| window(i) == window(j);
                for r in (0..side).filter(|&r| same(r, row)) {
                    for c in (0..side).filter(|&c| same(c, col)) {
                        add(r, c);
                    }
                }
            }
        }
        counts.into_iter().collect()
    }
}

/// One step from pixels towards the final tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Each new token covers `patch × patch` tokens (or pixels) of the
    /// previous grid: patch embedding, strided downsampling, patch merging.
    Patchify {
        /// The patch side.
        patch: usize,
    },
    /// A block mixing tokens on the current grid.
    Block(TokenMixing),
}

/// What a shift leaves where it uncovers the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Uncovered {
    /// The token keeps its own value (S²-MLP).
    KeepsItsValue,
    /// Zero (AS-MLP's zero padding).
    Zero,
}

/// How one channel group moves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupShift {
    /// A short label, e.g. "branch 1 ↓" or "width +2".
    pub label: String,
    /// The group's channels in the shifted map.
    pub channels: Range<usize>,
    /// Which of the block's shift inputs the group belongs to (S²-MLPv2:
    /// branch 0 or 1; AS-MLP: 0, moved along both axes).
    pub input: usize,
    /// How far the content moves, `(rows, columns)`.
    pub moves: (isize, isize),
    /// What the uncovered edge holds.
    pub uncovered: Uncovered,
}

impl GroupShift {
    /// The shift applied to a `side × side` map (the group's channel mean).
    pub fn apply(&self, before: &[f32], side: usize) -> Vec<f32> {
        let (dr, dc) = self.moves;
        (0..side * side)
            .map(|p| {
                let (r, c) = ((p / side) as isize - dr, (p % side) as isize - dc);
                if (0..side as isize).contains(&r) && (0..side as isize).contains(&c) {
                    before[r as usize * side + c as usize]
                } else {
                    match self.uncovered {
                        Uncovered::KeepsItsValue => before[p],
                        Uncovered::Zero => 0.0,
                    }
                }
            })
            .collect()
    }
}

/// S²-MLPv2's eight groups of a `dim`-channel block (two branches, four
/// directions each).
pub fn spatial_groups(dim: usize) -> Vec<GroupShift> {
    let quarter = dim / 4;
    [ShiftOrder::First, ShiftOrder::Second]
        .into_iter()
        .enumerate()
        .flat_map(|(branch, order)| {
            order.directions().into_iter().enumerate().map(move |(g, direction)| {
                let (dr, dc) = direction.source_offset();
                GroupShift {
                    label: format!("branch {} {}", branch + 1, arrow(-dr, -dc)),
                    channels: g * quarter..(g + 1) * quarter,
                    input: branch,
                    moves: (-dr, -dc),
                    uncovered: Uncovered::KeepsItsValue,
                }
            })
        })
        .collect()
}

/// AS-MLP's groups of a `dim`-channel block, along the width, then the
/// height.
pub fn axial_groups(dim: usize, shift_size: usize, dilation: usize) -> Vec<GroupShift> {
    let groups = shift_groups(dim, shift_size, dilation);
    let along = |axis: &'static str, moves: fn(isize) -> (isize, isize)| {
        groups.iter().map(move |g| GroupShift {
            label: format!("{axis} {:+}", g.offset),
            channels: g.channels.clone(),
            input: 0,
            moves: moves(g.offset),
            uncovered: Uncovered::Zero,
        })
    };
    along("width", |o| (0, o)).chain(along("height", |o| (o, 0))).collect()
}

fn arrow(dr: isize, dc: isize) -> &'static str {
    match (dr.signum(), dc.signum()) {
        (1, 0) => "↓",
        (-1, 0) => "↑",
        (0, 1) => "→",
        (0, -1) => "←",
        _ => "·",
    }
}
