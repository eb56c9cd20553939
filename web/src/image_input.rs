//! Images into RGBA pixels, decoded by the browser (`createImageBitmap` →
//! canvas) so that EXIF orientation, alpha, grayscale and CMYK come out as
//! the browser shows them; the shared core then resizes and normalises.

use js_sys::Uint8Array;
use shiftscope::image_check::{inspect, ImageFacts};
use shiftscope::preprocess::decode_size;
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

/// Decodes a file (or any blob); returns the pixels and, for animations, a
/// note for the page.
pub async fn decode_blob(blob: &web_sys::Blob) -> Result<(Pixels, Option<String>), String> {
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(|_| "the file could not be read")?;
    let bytes = Uint8Array::new(&buffer).to_vec();
    let facts = inspect(&bytes, &blob.type_())?;
    let pixels = decode_checked(blob, &facts).await?;
    Ok((pixels, facts.note()))
}

async fn decode_checked(blob: &web_sys::Blob, facts: &ImageFacts) -> Result<Pixels, String> {
    let window = web_sys::window().ok_or("no window")?;
    let options = web_sys::ImageBitmapOptions::new();
    options.set_premultiply_alpha(web_sys::PremultiplyAlpha::None);
    // The core's decode size (`preprocess::DECODE_SHORT_SIDE`): the CLI decodes to the same.
    if let Some((width, height)) = facts.size {
        let (to_width, to_height) = decode_size(width, height);
        if (to_width, to_height) != (width, height) {
            options.set_resize_width(to_width);
            options.set_resize_height(to_height);
            options.set_resize_quality(web_sys::ResizeQuality::High);
        }
    }
    let promise = window
        .create_image_bitmap_with_blob_and_image_bitmap_options(blob, &options)
        .map_err(|_| format!("this browser cannot decode {} images", facts.format))?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(|_| format!("the {} image could not be decoded: the file is corrupt or truncated", facts.format))?
        .dyn_into()
        .map_err(|_| "decoding gave no bitmap")?;
    let (width, height) = (bitmap.width(), bitmap.height());
    let result = draw(width, height, |context| context.draw_image_with_image_bitmap(&bitmap, 0.0, 0.0));
    bitmap.close();
    result
}

/// The current frame of a playing `<video>` (the webcam).
pub fn video_frame(video: &web_sys::HtmlVideoElement) -> Result<Pixels, String> {
    let (width, height) = (video.video_width(), video.video_height());
    draw(width, height, |context| context.draw_image_with_html_video_element(video, 0.0, 0.0))
}

/// Draws a source on a `width × height` canvas and reads its pixels back.
fn draw(
    width: u32,
    height: u32,
    paint: impl FnOnce(&web_sys::CanvasRenderingContext2d) -> Result<(), wasm_bindgen::JsValue>,
) -> Result<Pixels, String> {
    if width == 0 || height == 0 {
        return Err("the image has no pixels".into());
    }
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let canvas: web_sys::HtmlCanvasElement =
        document.create_element("canvas").map_err(|_| "no canvas")?.dyn_into().map_err(|_| "no canvas")?;
    canvas.set_width(width);
    canvas.set_height(height);
    let context: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").ok().flatten().ok_or("no 2d context")?.dyn_into().map_err(|_| "no 2d context")?;
    paint(&context).map_err(|_| "could not draw the image")?;
    let data = context.get_image_data(0.0, 0.0, width as f64, height as f64).map_err(|_| "could not read pixels")?;
    Ok(Pixels { rgba: data.data().0, width, height })
}
