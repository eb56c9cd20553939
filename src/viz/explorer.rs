//! The shift design explorer: AS-MLP's axial shift is designed like a
//! convolution kernel, so its receptive field is set by its size and
//! dilation. Here it is compared, at the same depth and on the same token
//! grid, with a convolution of the same size and dilation, Swin's 7 × 7
//! windows, MLP-Mixer's global mixing and S²-MLP's one-token shifts. Each
//! design is a [`TokenGraph`] built from its parameters alone: no weights.

use super::receptive_field::ReceptiveField;
use super::token_graph::TokenGraph;
use crate::error::{Error, Result};
use crate::models::geometry::{Step, TokenMixing};
use crate::ops::axial_shift::shift_groups;

/// Input side of the explorer's grid, in pixels (ImageNet's crop).
pub const EXPLORER_IMAGE: usize = 224;
/// Patch side, in pixels: a 56 × 56 token grid, AS-MLP-T's and Swin-T's first stage.
pub const EXPLORER_PATCH: usize = 4;
/// Swin's window side, in tokens.
pub const SWIN_WINDOW: usize = 7;
/// Shift sizes the explorer offers.
pub const SHIFT_SIZES: [usize; 4] = [3, 5, 7, 9];
/// Dilations the explorer offers.
pub const DILATIONS: [usize; 3] = [1, 2, 3];
/// The deepest stack the explorer draws.
pub const MAX_DEPTH: usize = 12;

/// One way of mixing tokens, repeated block after block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    /// AS-MLP's axial shift: `size` channel groups moved `dilation` tokens
    /// apart, along the width in one branch and the height in the other.
    AxialShift {
        /// Shift size (odd).
        size: usize,
        /// Tokens between neighbouring groups' shifts.
        dilation: usize,
    },
    /// A `size × size` convolution with the same dilation.
    Convolution {
        /// Kernel side (odd).
        size: usize,
        /// Tokens between neighbouring taps.
        dilation: usize,
    },
    /// Swin's window attention: 7 × 7 windows, shifted by half a window in
    /// every second block.
    SwinWindow,
    /// MLP-Mixer's token-mixing MLP over all tokens.
    Global,
    /// S²-MLP's shifts of one token in four directions.
    OneTokenShift,
}

impl Design {
    /// The five designs compared for an axial shift of `size` and `dilation`.
    pub fn compared(size: usize, dilation: usize) -> [Design; 5] {
        [
            Design::AxialShift { size, dilation },
            Design::Convolution { size, dilation },
            Design::SwinWindow,
            Design::Global,
            Design::OneTokenShift,
        ]
    }

    /// A short name for the page.
    pub fn label(&self) -> String {
        match self {
            Design::AxialShift { size, dilation } => format!("axial shift {size}, dilation {dilation}"),
            Design::Convolution { size, dilation } if *dilation == 1 => format!("{size}×{size} convolution"),
            Design::Convolution { size, dilation } => format!("{size}×{size} convolution, dilation {dilation}"),
            Design::SwinWindow => format!("Swin {SWIN_WINDOW}×{SWIN_WINDOW} window"),
            Design::Global => "Mixer, global".into(),
            Design::OneTokenShift => "S²-MLP, one-token shift".into(),
        }
    }

    /// Block `index`'s token mixing (from 0).
    fn mixing(&self, index: usize) -> TokenMixing {
        match *self {
            Design::AxialShift { size, dilation } => {
                // One group per shift, as in a layer with `size` channels.
                let offsets = shift_groups(size, size, dilation).into_iter().map(|g| g.offset).collect();
                TokenMixing::AxialShift { offsets }
            }
            Design::Convolution { size, dilation } => TokenMixing::Convolution { size, dilation },
            Design::SwinWindow => TokenMixing::Window { size: SWIN_WINDOW, offset: (index % 2) * (SWIN_WINDOW / 2) },
            Design::Global => TokenMixing::Dense,
            Design::OneTokenShift => TokenMixing::SpatialShift,
        }
    }

    /// The token graph of `depth` blocks of this design after a
    /// `patch`-pixel patch embedding of an `image_size`-pixel input; sizes
    /// that do not fit are an error that says why.
    pub fn token_graph(&self, image_size: usize, patch: usize, depth: usize) -> Result<TokenGraph> {
        let odd = |size: usize| size % 2 == 1;
        let ok = match *self {
            Design::AxialShift { size, dilation } | Design::Convolution { size, dilation } => odd(size) && dilation > 0,
            _ => true,
        };
        if !ok || patch == 0 || image_size == 0 || !image_size.is_multiple_of(patch) || depth > MAX_DEPTH {
            return Err(Error::InvalidConfig(format!(
                "{}: needs an odd size, a positive dilation, a patch that divides the input and at most {MAX_DEPTH} \
                 blocks (input {image_size}, patch {patch}, depth {depth})",
                self.label()
            )));
        }
        let blocks = (0..depth).map(|i| Step::Block(self.mixing(i)));
        let steps = std::iter::once(Step::Patchify { patch }).chain(blocks).collect();
        Ok(TokenGraph { image_size, steps, global_context_from: None })
    }

    /// The theoretical receptive field, on the explorer's 224-px input, of
    /// the token holding `pixel` after `depth` blocks.
    pub fn field(&self, depth: usize, pixel: (usize, usize)) -> Result<ReceptiveField> {
        Ok(self.token_graph(EXPLORER_IMAGE, EXPLORER_PATCH, depth)?.receptive_field(depth, pixel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn centre_size(design: Design, depth: usize) -> (usize, usize) {
        design.field(depth, (112, 112)).unwrap().size_px()
    }

    /// The sizes the papers' figures show, in pixels of 4-px tokens.
    #[test]
    fn fields_grow_as_each_design_says() {
        let axial = |size, dilation| Design::AxialShift { size, dilation };
        let conv = |size, dilation| Design::Convolution { size, dilation };
        // One block: an axial shift of size s reaches s tokens along each
        // axis, a cross; the s × s convolution fills the square.
        let one = Design::AxialShift { size: 3, dilation: 1 }.field(1, (112, 112)).unwrap();
        assert_eq!(one.size_px(), (12, 12));
        assert_eq!(one.paths.support_size(), 5 * 16, "a cross of five 4-px tokens");
        assert_eq!(conv(3, 1).field(1, (112, 112)).unwrap().paths.support_size(), 9 * 16);
        // Dilation 2 spreads the same five groups over nine tokens.
        assert_eq!(centre_size(axial(5, 2), 1), (36, 36));
        // Depth k: (s − 1)·d·k + 1 tokens, for both.
        for (size, dilation, depth) in [(3, 1, 2), (5, 1, 3), (7, 2, 2), (9, 3, 1)] {
            let tokens = (size - 1) * dilation * depth + 1;
            assert_eq!(centre_size(axial(size, dilation), depth), (4 * tokens, 4 * tokens));
            assert_eq!(centre_size(conv(size, dilation), depth), (4 * tokens, 4 * tokens));
        }
        // Two blocks of the cross: its 3×3 square plus arms to ±2 tokens,
        // where the 3×3 convolution fills all 5×5.
        let two = axial(3, 1).field(2, (112, 112)).unwrap();
        assert_eq!(two.paths.support_size(), (9 + 4) * 16);
        assert_eq!(conv(3, 1).field(2, (112, 112)).unwrap().paths.support_size(), 25 * 16);
        // S²-MLP: one token each way per block.
        assert_eq!(centre_size(Design::OneTokenShift, 3), (28, 28));
        // Mixer: the whole image after one block.
        assert_eq!(centre_size(Design::Global, 1), (224, 224));
        // Swin: the token's 7×7 window (28 px), then the shifted windows
        // reach half a window further on one side.
        assert_eq!(centre_size(Design::SwinWindow, 1), (28, 28));
        assert_eq!(centre_size(Design::SwinWindow, 2), (56, 56));
    }

    #[test]
    fn designs_that_do_not_fit_are_refused() {
        assert!(Design::AxialShift { size: 4, dilation: 1 }.field(1, (0, 0)).is_err());
        assert!(Design::Convolution { size: 3, dilation: 0 }.field(1, (0, 0)).is_err());
        assert!(Design::Global.token_graph(30, 4, 1).is_err());
        assert!(Design::Global.field(MAX_DEPTH + 1, (0, 0)).is_err());
    }
}
