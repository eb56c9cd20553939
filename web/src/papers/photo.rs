//! The visitor's photo at full resolution: loaded from the preview's object
//! URL (webcam frames have none, so the model's crop stands in), drawn
//! whole with the model's crop mapped onto it, or cropped at any size.

use std::rc::Rc;

use shiftscope::preprocess::CropBox;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, HtmlImageElement};
use yew::prelude::*;

use crate::state::Analysis;
use crate::viz::draw::{context, put_rgba};

/// The photo of image `key.0` (its preview URL `key.1`) once it has
/// loaded; `None` until then, so that no view draws an older image's photo
/// under a newer image's crop (each view redraws when this changes).
#[hook]
pub fn use_photo(key: Option<(u64, String)>) -> Option<HtmlImageElement> {
    let photo = use_state(|| None::<(u64, HtmlImageElement)>);
    let image = key.as_ref().map(|(image, _)| *image);
    {
        let photo = photo.clone();
        use_effect_with(key, move |key| {
            let element = key.as_ref().and_then(|_| HtmlImageElement::new().ok());
            let onload = element.as_ref().zip(key.as_ref()).map(|(element, (image, _))| {
                let (photo, loaded, image) = (photo.clone(), element.clone(), *image);
                let onload = Closure::<dyn Fn()>::new(move || photo.set(Some((image, loaded.clone()))));
                element.set_onload(Some(onload.as_ref().unchecked_ref()));
                onload
            });
            if let (Some(element), Some((_, url))) = (&element, key) {
                element.set_src(url);
            }
            move || {
                if let Some(element) = element {
                    element.set_onload(None);
                }
                drop(onload);
            }
        });
    }
    (*photo).as_ref().filter(|(loaded, _)| Some(*loaded) == image).map(|(_, element)| element.clone())
}

/// Where the crop lies on a canvas of the whole photo: `(x, y, width, height)`.
pub type CropRect = [f64; 4];

/// A canvas holding the model's crop as pixels (the stand-in for a photo).
fn crop_canvas(analysis: &Analysis) -> Option<HtmlCanvasElement> {
    let document = web_sys::window()?.document()?;
    let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    let side = analysis.result.side;
    put_rgba(&canvas, side, side, &analysis.rgba);
    Some(canvas)
}

/// Draws the whole photo, at most `max_side` pixels a side, on `canvas`
/// and returns where the model's crop lies on it; without a photo, the
/// crop alone fills the canvas.
pub fn draw_whole(
    canvas: &HtmlCanvasElement,
    photo: Option<&HtmlImageElement>,
    analysis: &Analysis,
    max_side: f64,
) -> Option<CropRect> {
    let ctx = context(canvas)?;
    match photo {
        Some(photo) => {
            let (w, h) = (photo.natural_width().max(1) as f64, photo.natural_height().max(1) as f64);
            let scale = max_side / w.max(h);
            let (cw, ch) = ((w * scale).round(), (h * scale).round());
            canvas.set_width(cw as u32);
            canvas.set_height(ch as u32);
            ctx.draw_image_with_html_image_element_and_dw_and_dh(photo, 0.0, 0.0, cw, ch).ok()?;
            let [left, top, width, height] = analysis.result.crop.fractions();
            Some([left * cw, top * ch, width * cw, height * ch])
        }
        None => {
            let side = max_side.round();
            canvas.set_width(side as u32);
            canvas.set_height(side as u32);
            ctx.set_image_smoothing_enabled(false);
            ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&crop_canvas(analysis)?, 0.0, 0.0, side, side)
                .ok()?;
            Some([0.0, 0.0, side, side])
        }
    }
}

/// The model's crop of the photo at `side × side` pixels, as RGBA bytes
/// (the crop's own pixels, upscaled, without a photo).
pub fn crop_pixels(photo: Option<&HtmlImageElement>, analysis: &Analysis, side: usize) -> Option<Rc<Vec<u8>>> {
    let document = web_sys::window()?.document()?;
    let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(side as u32);
    canvas.set_height(side as u32);
    let ctx = context(&canvas)?;
    let s = side as f64;
    match photo {
        Some(photo) => {
            let crop: CropBox = analysis.result.crop;
            let [left, top, width, height] = crop.fractions();
            let (w, h) = (photo.natural_width() as f64, photo.natural_height() as f64);
            ctx.draw_image_with_html_image_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                photo,
                left * w,
                top * h,
                width * w,
                height * h,
                0.0,
                0.0,
                s,
                s,
            )
            .ok()?;
        }
        None => {
            ctx.set_image_smoothing_enabled(false);
            ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&crop_canvas(analysis)?, 0.0, 0.0, s, s).ok()?;
        }
    }
    let data = ctx.get_image_data(0.0, 0.0, s, s).ok()?;
    Some(Rc::new(data.data().0))
}

/// Outlines the crop on a canvas of the whole photo.
pub fn outline_crop(canvas: &HtmlCanvasElement, crop: CropRect) {
    let Some(ctx) = context(canvas) else { return };
    ctx.set_stroke_style_str("#ffffff");
    ctx.set_line_width(2.0);
    ctx.stroke_rect(crop[0] + 1.0, crop[1] + 1.0, crop[2] - 2.0, crop[3] - 2.0);
}
