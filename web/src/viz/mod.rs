//! The visualisation panel: one depth scrubber (with play) and one chosen
//! token drive the receptive-field, shift, split-attention and class
//! activation views of the current image. The numbers come from the core
//! (`shiftscope::viz`); these components only draw them.

mod attention;
mod cam;
pub mod draw;
mod field;
mod frame_clock;
mod photo;
mod shift;

use std::rc::Rc;

use gloo::timers::callback::Interval;
use shiftscope::predict::Prediction;
use shiftscope::viz::TokenGraph;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::Analysis;
use crate::state::Field;
use attention::AttentionView;
use cam::CamView;
use field::FieldView;
use photo::PhotoView;
use shift::ShiftView;

/// Milliseconds per block while playing.
const STEP_MS: u32 = 700;

/// Props of [`VizPanel`].
#[derive(Properties, PartialEq)]
pub struct VizProps {
    /// The current image and model.
    pub analysis: Rc<Analysis>,
    /// Its top-5.
    pub predictions: Vec<Prediction>,
    /// The measured receptive field's state.
    pub field: Field,
    /// Asks for a measurement of `(depth, token)`.
    pub on_measure: Callback<(usize, (usize, usize))>,
    /// The visitor's photo, once loaded (none for webcam frames).
    pub photo: Option<web_sys::HtmlImageElement>,
}

/// The panel.
#[component]
pub fn VizPanel(props: &VizProps) -> Html {
    let config = &props.analysis.config;
    let side = config.image_size;
    let graph = TokenGraph::new(config);
    let blocks = graph.blocks();
    let depth = use_state(|| 1usize);
    let pixel = use_state(|| (side / 2, side / 2));
    let playing = use_state(|| false);
    let depth_now = (*depth).min(blocks);
    let reduced_motion = use_memo((), |_| {
        web_sys::window()
            .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
            .is_some_and(|m| m.matches())
    });
    let pixel_now = (pixel.0.min(side - 1), pixel.1.min(side - 1));

    // Play: step through the blocks, then stop at the last one.
    {
        let (depth, playing) = (depth.clone(), playing.clone());
        use_effect_with(*playing, move |on| {
            let interval = on.then(|| {
                let mut current = 0usize;
                depth.set(0);
                Interval::new(STEP_MS, move || {
                    current += 1;
                    depth.set(current.min(blocks));
                    if current >= blocks {
                        playing.set(false);
                    }
                })
            });
            move || drop(interval)
        });
    }
    let on_depth = {
        let (depth, playing) = (depth.clone(), playing.clone());
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                playing.set(false);
                depth.set(input.value().parse().unwrap_or(0));
            }
        })
    };
    let on_play = {
        let playing = playing.clone();
        Callback::from(move |_: MouseEvent| playing.set(!*playing))
    };
    let on_pixel = {
        let pixel = pixel.clone();
        Callback::from(move |p: (usize, usize)| pixel.set(p))
    };
    // Arrow keys move the token by one token of the current depth.
    let on_key = {
        let pixel = pixel.clone();
        let step = side / graph.grid_side(depth_now);
        Callback::from(move |event: KeyboardEvent| {
            let (r, c) = *pixel;
            let moved = match event.key().as_str() {
                "ArrowUp" => (r.saturating_sub(step), c),
                "ArrowDown" => ((r + step).min(side - 1), c),
                "ArrowLeft" => (r, c.saturating_sub(step)),
                "ArrowRight" => (r, (c + step).min(side - 1)),
                _ => return,
            };
            event.prevent_default();
            pixel.set(moved);
        })
    };
    let on_measure = {
        let on_measure = props.on_measure.clone();
        let token = graph.token_at(depth_now, pixel_now);
        Callback::from(move |_: ()| on_measure.emit((depth_now, token)))
    };
    let where_ = if depth_now == 0 {
        "after the patch embedding".to_string()
    } else {
        format!("after block {depth_now} of {blocks}")
    };
    html! {
        <section class="viz" id="viz" aria-labelledby="viz-heading" onkeydown={on_key}>
            <h2 id="viz-heading">{ "Inside the model" }</h2>
            <div class="viz-controls">
                <button id="viz-play" onclick={on_play} aria-pressed={(*playing).to_string()}>
                    { if *playing { "Pause" } else { "Play" } }</button>
                <label for="viz-depth">{ "depth" }</label>
                <input id="viz-depth" type="range" min="0" max={blocks.to_string()} value={depth_now.to_string()}
                    oninput={on_depth} aria-valuetext={where_.clone()} />
                <span id="viz-depth-label" data-depth={depth_now.to_string()}>{ where_ }</span>
                <span class="hint">{ "click the image to choose a token; arrow keys move it" }</span>
            </div>
            <div class="viz-grid">
                <FieldView analysis={props.analysis.clone()} depth={depth_now} pixel={pixel_now}
                    on_pixel={on_pixel} field={props.field.clone()} on_measure={on_measure} />
                <ShiftView analysis={props.analysis.clone()} depth={depth_now} playing={!*reduced_motion} />
                <AttentionView analysis={props.analysis.clone()} depth={depth_now} />
                <CamView analysis={props.analysis.clone()} predictions={props.predictions.clone()} />
                <PhotoView analysis={props.analysis.clone()} photo={props.photo.clone()} depth={depth_now} pixel={pixel_now} />
            </div>
        </section>
    }
}
