//! The panel's overlays on the visitor's whole photo: the chosen token's
//! theoretical receptive field, or the top class's activation, mapped from
//! the model's crop onto the full-resolution image it was cut from.

use std::rc::Rc;

use shiftscope::viz::TokenGraph;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, HtmlImageElement};
use yew::prelude::*;

use super::draw::{context, diverging, put_rgba, tokens_to_pixels};
use crate::papers::photo::{draw_whole, outline_crop};
use crate::state::Analysis;

/// Screen pixels of the photo's longer side.
const PHOTO_SIDE: f64 = 560.0;

/// Which overlay is drawn.
#[derive(Clone, Copy, PartialEq)]
enum Overlay {
    Field,
    Activation,
}

/// A `side × side` RGBA overlay with alpha: the field in orange over a
/// dimmed rest, or the activation in red and blue.
fn overlay(analysis: &Analysis, which: Overlay, depth: usize, pixel: (usize, usize)) -> Vec<u8> {
    let side = analysis.config.image_size;
    match which {
        Overlay::Field => {
            let field = TokenGraph::new(&analysis.config).receptive_field(depth, pixel);
            let shade = field.paths.log_shade(field.paths.decades().max(1.0));
            shade
                .iter()
                .flat_map(|&s| if s > 0.0 { [255, 150, 20, (90.0 + 120.0 * s) as u8] } else { [0, 0, 0, 150] })
                .collect()
        }
        Overlay::Activation => {
            let Some(cam) = analysis.result.activations.first() else { return vec![0; side * side * 4] };
            let max = cam.max_abs();
            let per_pixel = tokens_to_pixels(&cam.contributions, cam.rows, cam.cols, side);
            per_pixel
                .iter()
                .flat_map(|&v| {
                    let strength = if max > 0.0 { (v.abs() / max).min(1.0) } else { 0.0 };
                    let [r, g, b] = diverging(v.signum() * strength);
                    [r, g, b, (200.0 * strength) as u8]
                })
                .collect()
        }
    }
}

/// Draws `rgba` (`side²`) stretched over `crop` on `canvas`, crisp.
fn draw_over(canvas: &HtmlCanvasElement, rgba: &[u8], side: usize, crop: [f64; 4]) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let layer: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    put_rgba(&layer, side, side, rgba);
    let ctx = context(canvas)?;
    ctx.set_image_smoothing_enabled(false);
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&layer, crop[0], crop[1], crop[2], crop[3]).ok()
}

/// Props of [`PhotoView`].
#[derive(Properties, PartialEq)]
pub struct PhotoProps {
    /// The image and model.
    pub analysis: Rc<Analysis>,
    /// The photo, once loaded (none for webcam frames).
    pub photo: Option<HtmlImageElement>,
    /// The panel's depth.
    pub depth: usize,
    /// The panel's chosen input pixel.
    pub pixel: (usize, usize),
}

/// The whole photo with the crop outlined and one overlay inside it.
#[component]
pub fn PhotoView(props: &PhotoProps) -> Html {
    let photo = props.photo.clone();
    let which = use_state(|| Overlay::Field);
    let canvas = use_node_ref();
    {
        let (canvas, analysis, photo) = (canvas.clone(), props.analysis.clone(), photo.clone());
        let (depth, pixel, which) = (props.depth, props.pixel, *which);
        use_effect_with((props.analysis.id, photo.is_some(), depth, pixel, which == Overlay::Field), move |_| {
            let Some(element) = canvas.cast::<HtmlCanvasElement>() else { return };
            if let Some(crop) = draw_whole(&element, photo.as_ref(), &analysis, PHOTO_SIDE) {
                draw_over(&element, &overlay(&analysis, which, depth, pixel), analysis.config.image_size, crop);
                outline_crop(&element, crop);
            }
        });
    }
    let pick = |to: Overlay| {
        let which = which.clone();
        Callback::from(move |_: MouseEvent| which.set(to))
    };
    let crop = props.analysis.result.crop;
    let note = if photo.is_some() {
        format!(
            "The model saw only the outlined {:.0}×{:.0}-px square of this {}×{} photo, shrunk to {s}×{s} px.",
            crop.crop_width,
            crop.crop_height,
            crop.width,
            crop.height,
            s = props.analysis.config.image_size
        )
    } else {
        "A webcam frame: the model's crop is shown.".to_string()
    };
    html! {
        <section class="viz-card" aria-labelledby="photo-heading">
            <h3 id="photo-heading">{ "On your photo" }</h3>
            <div class="viz-controls" role="group" aria-label="overlay">
                <button id="photo-field" onclick={pick(Overlay::Field)} aria-pressed={(*which == Overlay::Field).to_string()}>{ "receptive field" }</button>
                <button id="photo-cam" onclick={pick(Overlay::Activation)} aria-pressed={(*which == Overlay::Activation).to_string()}>{ "class activation" }</button>
            </div>
            <canvas ref={canvas} id="photo-canvas" class="photo-canvas" data-photo={photo.is_some().to_string()}
                aria-label="the whole photo with the model's crop outlined and the overlay inside it"></canvas>
            <p class="explain" id="photo-explain">{ note }</p>
        </section>
    }
}
