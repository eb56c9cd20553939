//! Decoding through the browser (`createImageBitmap` → canvas), so EXIF
//! orientation, alpha, grayscale and CMYK come out as the browser shows them.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// RGBA pixels of an image with its size.
pub struct Pixels {
    /// `width × height × 4` bytes.
    pub rgba: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Largest side accepted (a 12 000 × 12 000 photo would need 576 MB).
const MAX_SIDE: u32 = 8192;

/// Decodes a file (or any blob) to RGBA pixels.
pub async fn decode_blob(blob: &web_sys::Blob) -> Result<Pixels, String> {
    if blob.size() == 0.0 {
        return Err("the file is empty".into());
    }
    let window = web_sys::window().ok_or("no window")?;
    let promise = window.create_image_bitmap_with_blob(blob).map_err(|_| "not an image the browser can decode")?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(|_| "not an image the browser can decode (corrupt, truncated or unsupported)")?
        .dyn_into()
        .map_err(|_| "decoding gave no bitmap")?;
    let (width, height) = (bitmap.width(), bitmap.height());
    if width == 0 || height == 0 {
        return Err("the image has no pixels".into());
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!("{width}×{height} is too large (at most {MAX_SIDE} pixels a side)"));
    }
    let document = window.document().ok_or("no document")?;
    let canvas: web_sys::HtmlCanvasElement =
        document.create_element("canvas").map_err(|_| "no canvas")?.dyn_into().map_err(|_| "no canvas")?;
    canvas.set_width(width);
    canvas.set_height(height);
    let context: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").ok().flatten().ok_or("no 2d context")?.dyn_into().map_err(|_| "no 2d context")?;
    context.draw_image_with_image_bitmap(&bitmap, 0.0, 0.0).map_err(|_| "could not draw the image")?;
    bitmap.close();
    let data = context.get_image_data(0.0, 0.0, width as f64, height as f64).map_err(|_| "could not read pixels")?;
    Ok(Pixels { rgba: data.data().0, width, height })
}
