//! What a dropped or pasted file is, read from its first bytes before any
//! decoding: the browser app refuses empty files, SVG drawings, non-images
//! and images too large to decode safely with a message that says why, and
//! notes when an animation will be classified by its first frame only.

use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, ImageFormat, ImageReader};

/// Largest image accepted, in pixels (a 12 000 × 12 000 photo is 144 M).
pub const MAX_PIXELS: u64 = 64_000_000;
/// Largest side accepted, in pixels.
pub const MAX_SIDE: u32 = 16_384;

/// What the header of an image file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFacts {
    /// Format name (`PNG`, `JPEG`, …).
    pub format: String,
    /// Width and height, when the header could be read here (formats the
    /// browser decodes but this crate does not, e.g. AVIF, leave it `None`).
    pub size: Option<(u32, u32)>,
    /// Whether the file holds more than one frame (animated GIF, APNG,
    /// animated WebP); only the first frame is classified.
    pub animated: bool,
}

impl ImageFacts {
    /// A note for the page when the image needs one (animations).
    pub fn note(&self) -> Option<String> {
        self.animated.then(|| format!("animated {}: classified its first frame", self.format))
    }
}

/// Checks the first bytes of a file (and its MIME type, when the browser
/// gave one) before decoding; `Err` holds a message for the visitor.
pub fn inspect(bytes: &[u8], mime: &str) -> Result<ImageFacts, String> {
    if bytes.is_empty() {
        return Err("the file is empty (0 bytes)".into());
    }
    if mime == "image/svg+xml" || looks_like_svg(bytes) {
        return Err("SVG is a vector drawing, not a photo: export it as PNG or JPEG first".into());
    }
    if is_heif(bytes) {
        return Err("HEIC/HEIF photos cannot be decoded by browsers: export the photo as JPEG first".into());
    }
    let format = image::guess_format(bytes).map_err(|_| {
        let use_one = "use a JPEG, PNG, GIF, WebP, BMP or AVIF file";
        match mime {
            "" => format!("not an image (unknown type): {use_one}"),
            // The name says image (the browser takes the type from it), the bytes do not.
            m if m.starts_with("image/") => {
                format!("named like an image ({m}), but its contents are not one: {use_one}")
            }
            m => format!("not an image ({m}): {use_one}"),
        }
    })?;
    let name = format!("{format:?}").to_uppercase();
    let size = header_size(bytes, format);
    if let Some((width, height)) = size {
        if width == 0 || height == 0 {
            return Err(format!("the {name} header says {width} × {height}: the file is corrupt"));
        }
        if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
            return Err(format!(
                "{width} × {height} is too large to decode safely in a browser (at most {} megapixels and \
                 {MAX_SIDE} pixels a side): scale it down first",
                MAX_PIXELS / 1_000_000
            ));
        }
    } else if matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP) {
        return Err(format!("the {name} header cannot be read: the file is corrupt or truncated"));
    }
    Ok(ImageFacts { format: name, size, animated: is_animated(bytes, format) })
}

/// Width and height from the header alone, for the formats this crate reads.
fn header_size(bytes: &[u8], format: ImageFormat) -> Option<(u32, u32)> {
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.into_dimensions().ok()
}

fn is_animated(bytes: &[u8], format: ImageFormat) -> bool {
    match format {
        ImageFormat::Gif => GifDecoder::new(Cursor::new(bytes)).is_ok_and(|d| d.into_frames().take(2).count() > 1),
        ImageFormat::Png => PngDecoder::new(Cursor::new(bytes)).is_ok_and(|d| d.is_apng().unwrap_or(false)),
        ImageFormat::WebP => WebPDecoder::new(Cursor::new(bytes)).is_ok_and(|d| d.has_animation()),
        _ => false,
    }
}

fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<svg")
        || (head.starts_with("<?xml") || head.starts_with("<!doctype svg")) && head.contains("<svg")
}

fn is_heif(bytes: &[u8]) -> bool {
    bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && [b"heic", b"heix", b"hevc", b"heif", b"mif1"].iter().any(|brand| &bytes[8..12] == *brand)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Delay, Frame, RgbImage, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        RgbImage::new(width, height).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    fn gif(frames: usize) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = image::codecs::gif::GifEncoder::new(&mut out);
            for i in 0..frames {
                let image = RgbaImage::from_pixel(8, 8, image::Rgba([i as u8 * 80, 0, 0, 255]));
                encoder.encode_frame(Frame::from_parts(image, 0, 0, Delay::from_numer_denom_ms(100, 1))).unwrap();
            }
        }
        out
    }

    #[test]
    fn reads_format_and_size_from_the_header() {
        let facts = inspect(&png(40, 30), "image/png").unwrap();
        assert_eq!(facts, ImageFacts { format: "PNG".into(), size: Some((40, 30)), animated: false });
        assert_eq!(facts.note(), None);
    }

    #[test]
    fn refuses_empty_svg_heic_and_non_images_with_reasons() {
        assert!(inspect(&[], "image/png").unwrap_err().contains("empty"));
        let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>"#;
        assert!(inspect(svg, "").unwrap_err().contains("SVG"));
        assert!(inspect(b"<svg/>", "image/svg+xml").unwrap_err().contains("SVG"));
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        assert!(inspect(heic, "").unwrap_err().contains("HEIC"));
        let text = inspect(b"hello, this is a text file", "text/plain").unwrap_err();
        assert!(text.contains("not an image") && text.contains("text/plain"), "{text}");
        let renamed = inspect(b"hello, this is a text file", "image/jpeg").unwrap_err();
        assert!(renamed.contains("contents are not") && !renamed.starts_with("not an image"), "{renamed}");
    }

    #[test]
    fn refuses_huge_images_from_the_header_alone() {
        // A PNG whose header says 12 000 × 12 000 (with a valid checksum);
        // its pixel data need not exist for a check that never decodes.
        let mut huge = png(1, 1);
        huge[16..20].copy_from_slice(&12_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&12_000u32.to_be_bytes());
        let crc = crc32fast::hash(&huge[12..29]);
        huge[29..33].copy_from_slice(&crc.to_be_bytes());
        let message = inspect(&huge, "image/png").unwrap_err();
        assert!(message.contains("12000 × 12000") && message.contains("too large"), "{message}");
        assert!(inspect(&png(4000, 3000), "image/png").is_ok(), "12 MP photos must pass");
    }

    #[test]
    fn truncated_headers_are_corrupt() {
        let message = inspect(&png(8, 8)[..12], "image/png").unwrap_err();
        assert!(message.contains("corrupt"), "{message}");
    }

    #[test]
    fn notes_animations() {
        let animated = inspect(&gif(3), "image/gif").unwrap();
        assert!(animated.animated);
        assert_eq!(animated.note().unwrap(), "animated GIF: classified its first frame");
        assert!(!inspect(&gif(1), "image/gif").unwrap().animated);
    }
}
