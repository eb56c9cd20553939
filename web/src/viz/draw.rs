//! Canvas drawing for the panel: pixels in, pixels on screen. Everything
//! here turns numbers the core computed into colours; nothing is computed
//! about the model.

use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// Screen pixels a side the panel's image canvases aim for.
const TARGET_SIDE: usize = 256;

/// Integer upscaling for an `side`-pixel input (8 for 32 px, 1 for 224 px).
pub fn scale_for(side: usize) -> usize {
    (TARGET_SIDE / side.max(1)).max(1)
}

/// The 2-D context of a canvas.
pub fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
}

/// Resizes `canvas` to `width × height` and puts RGBA bytes on it.
pub fn put_rgba(canvas: &HtmlCanvasElement, width: usize, height: usize, rgba: &[u8]) {
    if canvas.width() != width as u32 || canvas.height() != height as u32 {
        canvas.set_width(width as u32);
        canvas.set_height(height as u32);
    }
    let Some(ctx) = context(canvas) else { return };
    if let Ok(image) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(rgba), width as u32, height as u32) {
        let _ = ctx.put_image_data(&image, 0.0, 0.0);
    }
}

/// Nearest-neighbour upscaling of a square RGBA image.
pub fn upscale(rgba: &[u8], side: usize, scale: usize) -> Vec<u8> {
    let big = side * scale;
    let mut out = vec![0u8; big * big * 4];
    for (i, px) in out.chunks_exact_mut(4).enumerate() {
        let (r, c) = (i / big / scale, (i % big) / scale);
        px.copy_from_slice(&rgba[(r * side + c) * 4..(r * side + c) * 4 + 4]);
    }
    out
}

/// The image with a field drawn over it: pixels outside the field are
/// dimmed, pixels inside are tinted with `colour` by their shade (0–1),
/// starting at `floor` so that a field's edge stays visible.
pub fn field_overlay(rgba: &[u8], shade: &[f32], colour: [u8; 3], floor: f32) -> Vec<u8> {
    let mut out = rgba.to_vec();
    for (px, &s) in out.chunks_exact_mut(4).zip(shade) {
        for (channel, tint) in px.iter_mut().take(3).zip(colour) {
            let grey = *channel as f32 * 0.3;
            *channel =
                if s <= 0.0 { grey as u8 } else { (grey + (tint as f32 - grey) * (floor + (1.0 - floor) * s)) as u8 };
        }
    }
    out
}

/// Red for positive, blue for negative values (per input pixel), over a
/// dimmed image; `max` maps to full strength.
pub fn signed_overlay(rgba: &[u8], values: &[f32], max: f32) -> Vec<u8> {
    let mut out = rgba.to_vec();
    for (px, &v) in out.chunks_exact_mut(4).zip(values) {
        let strength = if max > 0.0 { (v.abs() / max).min(1.0) } else { 0.0 };
        let colour = diverging(v.signum() * strength);
        for (channel, tint) in px.iter_mut().take(3).zip(colour) {
            let grey = *channel as f32 * 0.45;
            *channel = (grey + (tint as f32 - grey) * strength * 0.85) as u8;
        }
    }
    out
}

/// A blue–white–red colour for `v` in `[-1, 1]`.
pub fn diverging(v: f32) -> [u8; 3] {
    let v = v.clamp(-1.0, 1.0);
    let fade = |x: f32| (255.0 * (1.0 - x)) as u8;
    if v >= 0.0 {
        [255, fade(v * 0.85), fade(v)]
    } else {
        [fade(-v), fade(-v * 0.6), 255]
    }
}

/// A token grid's values spread over the pixels of a `side`-pixel input.
pub fn tokens_to_pixels(values: &[f32], rows: usize, cols: usize, side: usize) -> Vec<f32> {
    (0..side * side).map(|i| values[(i / side * rows / side) * cols + (i % side) * cols / side]).collect()
}

/// Outlines a rectangle given in input pixels on a canvas drawn at `scale`.
pub fn outline(canvas: &HtmlCanvasElement, scale: usize, rect: (usize, usize, usize, usize), colour: &str) {
    let Some(ctx) = context(canvas) else { return };
    let (top, left, height, width) = rect;
    if height == 0 || width == 0 {
        return;
    }
    let s = scale as f64;
    ctx.set_stroke_style_str(colour);
    ctx.set_line_width(2.0);
    ctx.stroke_rect(left as f64 * s + 1.0, top as f64 * s + 1.0, width as f64 * s - 2.0, height as f64 * s - 2.0);
}

/// The input pixel under a pointer event on an image canvas of `side` pixels.
pub fn pixel_at(event: &web_sys::MouseEvent, canvas: &HtmlCanvasElement, side: usize) -> (usize, usize) {
    let (w, h) = (canvas.client_width().max(1) as f64, canvas.client_height().max(1) as f64);
    let col = (event.offset_x() as f64 / w * side as f64).floor().clamp(0.0, side as f64 - 1.0);
    let row = (event.offset_y() as f64 / h * side as f64).floor().clamp(0.0, side as f64 - 1.0);
    (row as usize, col as usize)
}
