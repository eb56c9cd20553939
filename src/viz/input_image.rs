//! The model's input as the visitor sees it: the resized, cropped image the
//! overlays are drawn on, recovered from the normalised tensor values.

use crate::preprocess::Preprocess;

/// RGBA bytes (`side × side × 4`) of a normalised CHW input, undoing the
/// mean / standard-deviation normalisation of `preprocess`.
pub fn input_rgba(chw: &[f32], side: usize, preprocess: &Preprocess) -> Vec<u8> {
    let plane = side * side;
    let mut rgba = vec![255u8; plane * 4];
    for channel in 0..3 {
        let (mean, std) = (preprocess.mean[channel], preprocess.std[channel]);
        for (p, value) in chw[channel * plane..(channel + 1) * plane].iter().enumerate() {
            rgba[p * 4 + channel] = ((value * std + mean) * 255.0).round().clamp(0.0, 255.0) as u8;
        }
    }
    rgba
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocess::prepare_rgba;

    #[test]
    fn undoes_the_normalisation_of_an_input_sized_image() {
        let preprocess = Preprocess::cifar10();
        let rgba: Vec<u8> = (0..32 * 32 * 4).map(|i| if i % 4 == 3 { 255 } else { (i * 37 % 256) as u8 }).collect();
        let chw = prepare_rgba(rgba.clone(), 32, 32, &preprocess).unwrap();
        let back = input_rgba(&chw, 32, &preprocess);
        let worst = rgba.iter().zip(&back).map(|(a, b)| (*a as i32 - *b as i32).abs()).max().unwrap();
        assert!(worst <= 1, "round trip differs by {worst}");
    }
}
