//! Image → model input, exactly as a checkpoint expects: shorter side
//! resized, centre crop, per-channel normalisation. The numbers live in
//! the model config ([`Preprocess`]); the same functions serve the CLI and
//! the browser (which decodes with the browser, then calls [`prepare_rgba`]).

use std::path::Path;

use image::imageops::{self, FilterType};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage, RgbaImage};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Largest decoded image accepted (bytes of pixel memory).
pub const MAX_DECODED_BYTES: u64 = 1 << 30;

/// Shorter side above which an image is scaled down as it is decoded,
/// before any model's preprocessing: the models look at 32–224 pixels,
/// and a 48 MP photo would otherwise cost 200 MB of pixels in the browser.
/// The page asks the browser for this size when it decodes
/// (`createImageBitmap`, high quality); [`decode`] does the same natively
/// (triangle filter), so the page and the CLI take one path — the two
/// filters differ a little (see `docs/page.md`).
pub const DECODE_SHORT_SIDE: u32 = 1024;

/// The size a `width × height` image is decoded to: its shorter side at
/// most [`DECODE_SHORT_SIDE`], the aspect kept (the page and [`decode`]
/// both ask for this size).
pub fn decode_size(width: u32, height: u32) -> (u32, u32) {
    let short = width.min(height);
    if short <= DECODE_SHORT_SIDE {
        return (width, height);
    }
    let scale = DECODE_SHORT_SIDE as f64 / short as f64;
    ((width as f64 * scale).round() as u32, (height as f64 * scale).round() as u32)
}

/// Resampling filter for the resize step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// Bilinear (triangle) filter.
    Bilinear,
    /// Bicubic (Catmull-Rom) filter, timm's default for these models.
    #[default]
    Bicubic,
}

/// How images become input tensors for a set of weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocess {
    /// Target length of the shorter side before cropping.
    pub resize: u32,
    /// Side of the square centre crop (the model's input size).
    pub crop: u32,
    /// Per-channel mean (on 0–1 pixel values).
    pub mean: [f32; 3],
    /// Per-channel standard deviation.
    pub std: [f32; 3],
    /// Resize filter.
    #[serde(default)]
    pub interpolation: Interpolation,
}

impl Preprocess {
    /// ImageNet statistics, bicubic, centre crop of `crop` after resizing
    /// the shorter side to `crop / 0.875` (timm's default crop ratio).
    pub fn for_input(crop: u32) -> Self {
        let resize = (crop as f64 / 0.875).round() as u32;
        Self { resize, crop, ..Self::imagenet_bicubic() }
    }

    /// ImageNet mean/std, resize 256, crop 224, bicubic (timm's defaults
    /// for S²-MLPv2 / AS-MLP).
    pub fn imagenet_bicubic() -> Self {
        Self {
            resize: 256,
            crop: 224,
            mean: [0.485, 0.456, 0.406],
            std: [0.229, 0.224, 0.225],
            interpolation: Interpolation::Bicubic,
        }
    }

    /// Mean/std 0.5, resize 256, crop 224, bicubic (timm's Mixer weights).
    pub fn imagenet_inception() -> Self {
        Self { mean: [0.5; 3], std: [0.5; 3], ..Self::imagenet_bicubic() }
    }

    /// CIFAR-10 statistics, whole image resized to 32×32.
    pub fn cifar10() -> Self {
        Self {
            resize: 32,
            crop: 32,
            mean: [0.4914, 0.4822, 0.4465],
            std: [0.2470, 0.2435, 0.2616],
            interpolation: Interpolation::Bilinear,
        }
    }

    /// Normalised CHW floats `3 × crop × crop` from an RGB image.
    pub fn apply(&self, image: &RgbImage) -> Vec<f32> {
        self.prepare(image).chw
    }

    /// The model input of an RGB image together with the crop it came from.
    pub fn prepare(&self, image: &RgbImage) -> Prepared {
        let cropped = self.resize_crop(image);
        let mut chw = vec![0.0f32; cropped.as_raw().len()];
        self.normalize_into(cropped.as_raw(), &mut chw);
        let crop = self.crop_box(image.width(), image.height());
        Prepared { side: self.crop as usize, chw, rgb: cropped.into_raw(), crop }
    }

    /// The resized size of a `width × height` image and where the crop
    /// starts in it: `(new_width, new_height, left, top)`.
    fn geometry(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let short = width.min(height).max(1);
        let scale = self.resize.max(self.crop) as f64 / short as f64;
        let new_w = ((width as f64 * scale).round() as u32).max(self.crop);
        let new_h = ((height as f64 * scale).round() as u32).max(self.crop);
        (new_w, new_h, (new_w - self.crop) / 2, (new_h - self.crop) / 2)
    }

    /// Where the crop of a `width × height` image lies in that image.
    pub fn crop_box(&self, width: u32, height: u32) -> CropBox {
        let (new_w, new_h, left, top) = self.geometry(width, height);
        let (sx, sy) = (width as f64 / new_w as f64, height as f64 / new_h as f64);
        let crop = self.crop as f64;
        CropBox {
            width,
            height,
            left: left as f64 * sx,
            top: top as f64 * sy,
            crop_width: crop * sx,
            crop_height: crop * sy,
        }
    }

    /// The resized, centre-cropped `crop × crop` RGB image (what the
    /// training cache keeps as bytes).
    pub fn resize_crop(&self, image: &RgbImage) -> RgbImage {
        let (w, h) = image.dimensions();
        let (new_w, new_h, left, top) = self.geometry(w, h);
        let filter = match self.interpolation {
            Interpolation::Bilinear => FilterType::Triangle,
            Interpolation::Bicubic => FilterType::CatmullRom,
        };
        let resized =
            if (new_w, new_h) == (w, h) { image.clone() } else { imageops::resize(image, new_w, new_h, filter) };
        imageops::crop_imm(&resized, left, top, self.crop, self.crop).to_image()
    }

    /// Writes interleaved RGB bytes (`H × W × 3`) as normalised planar CHW
    /// floats into `out` (same length).
    pub fn normalize_into(&self, rgb: &[u8], out: &mut [f32]) {
        let plane = rgb.len() / 3;
        for (i, pixel) in rgb.chunks_exact(3).enumerate() {
            for c in 0..3 {
                out[c * plane + i] = (pixel[c] as f32 / 255.0 - self.mean[c]) / self.std[c];
            }
        }
    }
}

/// Flattens RGBA pixels onto white (so transparent areas read as white
/// paper, not black) and returns the RGB image.
pub fn rgba_to_rgb(rgba: &RgbaImage) -> RgbImage {
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y);
        let a = p[3] as u32;
        let blend = |c: u8| ((c as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([blend(p[0]), blend(p[1]), blend(p[2])])
    })
}

/// An image as a model sees it: the normalised input and the resized,
/// centre-cropped pixels it was computed from (what the panel draws on).
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// Side of the square crop (the model's input size).
    pub side: usize,
    /// Normalised planar floats, `3 × side × side`.
    pub chw: Vec<f32>,
    /// The crop as interleaved RGB bytes, `side × side × 3`.
    pub rgb: Vec<u8>,
    /// Where the crop lies in the image it came from.
    pub crop: CropBox,
}

impl Prepared {
    /// The same image with its pixels rearranged: pixel `i` (row-major) of
    /// the result is pixel `sources[i]` of this one, in the model's input
    /// and in the pixels to draw alike (a patch shuffle's
    /// `sources`, from `models::patch_shuffle`).
    /// `sources` must be a rearrangement for this image's side.
    pub fn permuted(&self, sources: &[usize]) -> Result<Prepared> {
        let plane = self.side * self.side;
        let fits = sources.len() == plane && sources.iter().all(|&s| s < plane);
        if !fits || self.chw.len() != 3 * plane || self.rgb.len() != 3 * plane {
            let side = (sources.len() as f64).sqrt().round() as usize;
            return Err(Error::Image {
                path: "input".into(),
                reason: format!("the shuffle is for {side}×{side} images, not {}×{}", self.side, self.side),
            });
        }
        let chw = (0..3).flat_map(|c| sources.iter().map(move |&s| self.chw[c * plane + s])).collect();
        let rgb = sources.iter().flat_map(|&s| [self.rgb[3 * s], self.rgb[3 * s + 1], self.rgb[3 * s + 2]]).collect();
        Ok(Prepared { side: self.side, chw, rgb, crop: self.crop })
    }
}

/// Where a model's square crop lies in the image it came from, in that
/// image's pixels (what maps the panel's overlays onto the whole photo).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CropBox {
    /// The image's width.
    pub width: u32,
    /// The image's height.
    pub height: u32,
    /// The crop's first column.
    pub left: f64,
    /// The crop's first row.
    pub top: f64,
    /// The crop's width.
    pub crop_width: f64,
    /// The crop's height.
    pub crop_height: f64,
}

impl CropBox {
    /// A crop that is the whole `side × side` image.
    pub fn whole(side: usize) -> Self {
        let s = side as f64;
        Self { width: side as u32, height: side as u32, left: 0.0, top: 0.0, crop_width: s, crop_height: s }
    }

    /// The crop as fractions of the image: `(left, top, width, height)`.
    pub fn fractions(&self) -> [f64; 4] {
        let (w, h) = (self.width.max(1) as f64, self.height.max(1) as f64);
        [self.left / w, self.top / h, self.crop_width / w, self.crop_height / h]
    }
}

/// Interleaved RGB bytes as opaque RGBA bytes (what a canvas draws).
pub fn opaque_rgba(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect()
}

/// Model input from raw RGBA pixels (what a browser canvas hands out); a
/// buffer that does not hold `width × height` pixels is an
/// [`Error::Image`].
pub fn prepare_rgba(pixels: Vec<u8>, width: u32, height: u32, preprocess: &Preprocess) -> Result<Prepared> {
    Ok(preprocess.prepare(&rgb_from_rgba(pixels, width, height)?))
}

/// The RGB image of raw RGBA pixels, flattened onto white (see
/// [`rgba_to_rgb`]); a buffer that does not hold `width × height` pixels
/// is an [`Error::Image`].
pub fn rgb_from_rgba(pixels: Vec<u8>, width: u32, height: u32) -> Result<RgbImage> {
    if width == 0 || height == 0 {
        return Err(Error::Image { path: "pixels".into(), reason: format!("the image is empty ({width}×{height})") });
    }
    let rgba = RgbaImage::from_raw(width, height, pixels).ok_or_else(|| Error::Image {
        path: "pixels".into(),
        reason: format!("pixel buffer does not hold {width}×{height} RGBA pixels"),
    })?;
    Ok(rgba_to_rgb(&rgba))
}

/// Decodes an encoded image (format guessed from its bytes), with memory
/// limits so that a huge image is refused instead of exhausting memory.
pub fn decode(bytes: &[u8], label: &Path) -> Result<RgbImage> {
    let fail = |reason: String| Error::Image { path: label.to_path_buf(), reason };
    if bytes.is_empty() {
        return Err(fail("the file is empty".into()));
    }
    let mut reader =
        ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format().map_err(|e| fail(e.to_string()))?;
    if reader.format().is_none() {
        return Err(fail("not a recognised image format (JPEG, PNG, GIF, BMP, WebP)".into()));
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    // Turned upright as its EXIF orientation says, as browsers show it.
    let mut decoder = reader.into_decoder().map_err(|e| fail(e.to_string()))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| fail(e.to_string()))?;
    image.apply_orientation(orientation);
    let rgb = rgba_to_rgb(&image.to_rgba8());
    let (width, height) = decode_size(rgb.width(), rgb.height());
    if (width, height) == rgb.dimensions() {
        return Ok(rgb);
    }
    Ok(imageops::resize(&rgb, width, height, FilterType::Triangle))
}

/// Reads and decodes an image file.
pub fn load(path: &Path) -> Result<RgbImage> {
    let bytes = std::fs::read(path).map_err(Error::io(path))?;
    decode(&bytes, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_images_are_decoded_at_the_page_s_size() {
        assert_eq!(decode_size(4000, 3000), (1365, 1024));
        assert_eq!(decode_size(1024, 5000), (1024, 5000));
        assert_eq!(decode_size(640, 480), (640, 480));
        let big = RgbImage::from_fn(3000, 2000, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 7]));
        let mut png = std::io::Cursor::new(Vec::new());
        big.write_to(&mut png, image::ImageFormat::Png).unwrap();
        let decoded = decode(png.get_ref(), Path::new("big.png")).unwrap();
        assert_eq!(decoded.dimensions(), (1536, 1024));
    }

    #[test]
    fn a_permutation_moves_input_and_pixels_together() {
        let side = 4;
        let chw: Vec<f32> = (0..3 * 16).map(|i| i as f32).collect();
        let rgb: Vec<u8> = (0..3 * 16).map(|i| (i * 5) as u8).collect();
        let image = Prepared { side, chw, rgb, crop: CropBox::whole(side) };
        let sources: Vec<usize> = (0..16).rev().collect();
        let moved = image.permuted(&sources).unwrap();
        for (to, &from) in sources.iter().enumerate() {
            assert_eq!(moved.rgb[3 * to..3 * to + 3], image.rgb[3 * from..3 * from + 3]);
            assert_eq!(moved.chw[16 + to], image.chw[16 + from], "planes follow the pixels");
        }
        let refused = image.permuted(&(0..64).collect::<Vec<_>>()).unwrap_err().to_string();
        assert!(refused.contains("for 8×8 images, not 4×4"), "{refused}");
        assert!(image.permuted(&[99; 16]).is_err(), "a source outside the image");
    }

    #[test]
    fn constant_image_normalises_to_known_values() {
        let p = Preprocess::cifar10();
        let image = RgbImage::from_pixel(64, 48, image::Rgb([255, 0, 128]));
        let out = p.apply(&image);
        assert_eq!(out.len(), 3 * 32 * 32);
        let expect = |c: usize, v: f32| (v - p.mean[c]) / p.std[c];
        assert!((out[0] - expect(0, 1.0)).abs() < 1e-5);
        assert!((out[32 * 32] - expect(1, 0.0)).abs() < 1e-5);
        assert!((out[2 * 32 * 32 + 5] - expect(2, 128.0 / 255.0)).abs() < 1e-5);
    }

    #[test]
    fn centre_crop_keeps_the_middle_of_wide_images() {
        // 96×32 image: left third black, middle white, right third black.
        let image =
            RgbImage::from_fn(
                96,
                32,
                |x, _| if (32..64).contains(&x) { image::Rgb([255; 3]) } else { image::Rgb([0; 3]) },
            );
        let p =
            Preprocess { resize: 32, crop: 32, mean: [0.0; 3], std: [1.0; 3], interpolation: Interpolation::Bilinear };
        let out = p.apply(&image);
        assert!(out[..32 * 32].iter().all(|&v| v > 0.99), "crop should be all white");
    }

    #[test]
    fn transparent_pixels_become_white() {
        let rgba = RgbaImage::from_pixel(1, 1, image::Rgba([0, 0, 0, 0]));
        assert_eq!(rgba_to_rgb(&rgba).get_pixel(0, 0).0, [255, 255, 255]);
    }

    #[test]
    fn bad_bytes_give_clear_errors() {
        let path = Path::new("x.jpg");
        assert!(decode(&[], path).unwrap_err().to_string().contains("empty"));
        let err = decode(b"hello, not an image", path).unwrap_err().to_string();
        assert!(err.contains("x.jpg") && err.contains("not a recognised image"), "{err}");
        let mut png = Vec::new();
        RgbImage::new(4, 4).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        assert!(decode(&png[..png.len() / 2], path).is_err(), "truncated PNG must fail");
        assert!(decode(&png, path).is_ok());
    }

    #[test]
    fn exif_orientation_turns_the_photo_upright() {
        let mut jpeg = Vec::new();
        RgbImage::new(8, 4).write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg).unwrap();
        assert_eq!(decode(&jpeg, Path::new("plain.jpg")).unwrap().dimensions(), (8, 4));
        // APP1 Exif segment, big-endian TIFF, one IFD entry: Orientation (0x0112) = 6 (rotate 90°).
        let mut app1 = vec![0xFF, 0xE1, 0, 34];
        app1.extend_from_slice(b"Exif\0\0MM\0*\0\0\0\x08");
        app1.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
        jpeg.splice(2..2, app1);
        assert_eq!(decode(&jpeg, Path::new("rotated.jpg")).unwrap().dimensions(), (4, 8));
    }

    #[test]
    fn rgba_buffer_of_wrong_length_is_refused() {
        assert!(prepare_rgba(vec![0; 7], 2, 1, &Preprocess::cifar10()).is_err());
        assert!(prepare_rgba(Vec::new(), 0, 0, &Preprocess::cifar10()).is_err());
        assert_eq!(prepare_rgba(vec![0; 8], 2, 1, &Preprocess::cifar10()).unwrap().chw.len(), 3 * 32 * 32);
    }

    #[test]
    fn prepared_keeps_the_crop_its_input_was_normalised_from() {
        let p = Preprocess::cifar10();
        let rgba: Vec<u8> = (0..48 * 40 * 4).map(|i| if i % 4 == 3 { 255 } else { (i * 37 % 256) as u8 }).collect();
        let prepared = prepare_rgba(rgba, 48, 40, &p).unwrap();
        assert_eq!((prepared.side, prepared.rgb.len()), (32, 32 * 32 * 3));
        let mut chw = vec![0.0; prepared.chw.len()];
        p.normalize_into(&prepared.rgb, &mut chw);
        assert_eq!(chw, prepared.chw);
        let rgb = &prepared.rgb;
        assert_eq!(&opaque_rgba(rgb)[..8], &[rgb[0], rgb[1], rgb[2], 255, rgb[3], rgb[4], rgb[5], 255]);
    }
}
