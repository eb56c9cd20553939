//! Building blocks shared by the architectures. Every tensor here is
//! channels-last: `(batch, height, width, channels)`.

pub mod axial_shift;
pub mod gelu;
pub mod linear;
pub mod mlp;
pub mod norm;
pub mod patch;
pub mod spatial_shift;
pub mod split_attention;
pub mod sum;

#[cfg(test)]
pub(crate) mod test_util;
