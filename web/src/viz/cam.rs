//! Class activation: each final token's exact share of a class's logit,
//! over the image, for any of the top-5 classes.

use std::rc::Rc;

use shiftscope::predict::Prediction;
use yew::prelude::*;

use super::draw::{put_rgba, scale_for, signed_overlay, tokens_to_pixels, upscale};
use crate::state::Analysis;
use crate::view::select_value;

/// Props of [`CamView`].
#[derive(Properties, PartialEq)]
pub struct CamProps {
    /// The image and model.
    pub analysis: Rc<Analysis>,
    /// The top-5, to pick a class from.
    pub predictions: Vec<Prediction>,
}

/// The class activation overlay with its class picker.
#[component]
pub fn CamView(props: &CamProps) -> Html {
    let canvas = use_node_ref();
    // The class picked, for the photo it was picked on: a new photo starts
    // from its own top class (webcam frames, which have no photo, keep it).
    let chosen = use_state(|| None::<(Option<String>, usize)>);
    let photo = props.analysis.photo_url.clone();
    let class = (*chosen)
        .as_ref()
        .filter(|(on, c)| *on == photo && props.predictions.iter().any(|p| p.class == *c))
        .map(|(_, c)| *c)
        .or(props.predictions.first().map(|p| p.class))
        .unwrap_or(0);
    let Some(cam) = props.analysis.result.activation(class).cloned() else {
        return html! { <section class="viz-card"><h3>{ "Class activation" }</h3><p class="explain">{ "Class activation is computed for the top classes only." }</p></section> };
    };
    {
        let (canvas, analysis, cam) = (canvas.clone(), props.analysis.clone(), cam.clone());
        use_effect_with((props.analysis.id, class), move |_| {
            if let Some(element) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                let side = analysis.config.image_size;
                let per_pixel = tokens_to_pixels(&cam.contributions, cam.rows, cam.cols, side);
                let scale = scale_for(side);
                let rgba = signed_overlay(&analysis.rgba, &per_pixel, cam.max_abs());
                put_rgba(&element, side * scale, side * scale, &upscale(&rgba, side, scale));
            }
        });
    }
    let on_change = {
        let chosen = chosen.clone();
        Callback::from(move |event: Event| {
            if let Some(value) = select_value(&event) {
                chosen.set(value.parse().ok().map(|c| (photo.clone(), c)));
            }
        })
    };
    let label = props.predictions.iter().find(|p| p.class == class).map(|p| p.label.clone()).unwrap_or_default();
    let total: f32 = cam.contributions.iter().sum();
    html! {
        <section class="viz-card" aria-labelledby="cam-heading">
            <h3 id="cam-heading">{ "Class activation" }</h3>
            <p class="cam-pick"><label>{ "class " }
                <select id="cam-class" onchange={on_change} aria-label="class to explain">
                    { for props.predictions.iter().map(|p| html! {
                        <option value={p.class.to_string()} selected={p.class == class}>{ format!("{} ({:.1} %)", p.label, 100.0 * p.probability) }</option>
                    }) }
                </select>
            </label></p>
            <canvas ref={canvas} id="cam-canvas" class="viz-image" data-class={class.to_string()}
                aria-label={format!("where the evidence for {label} lies")}></canvas>
            <p class="explain" id="cam-explain">{ format!(
                "The head averages the {} final tokens, so the logit of “{label}” ({:.2}) is its bias ({:.2}) plus one exact share per token ({:.2} in all): red tokens push towards “{label}”, blue ones away. The strongest tenth of the tokens carry {:.0} % of the positive evidence.",
                cam.rows * cam.cols, cam.logit(), cam.bias, total, 100.0 * cam.top_decile_share()) }</p>
        </section>
    }
}
