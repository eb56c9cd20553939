//! "No weight depends on the number of tokens": a shift model runs on the
//! photo at a larger size than it was trained on and gives each region its
//! own class, drawn over the whole photo; Mixer says why it cannot.

use std::rc::Rc;

use shiftscope::viz::ClassMap;
use web_sys::HtmlImageElement;
use yew::prelude::*;

use super::photo::{draw_whole, outline_crop};
use crate::state::Analysis;
use crate::view::select_value;
use crate::views_state::{Pending, RegionsAnswer};
use crate::viz::draw::context;
use crate::words::counted;

/// Input sizes offered, as multiples of the training size.
const TIMES: [usize; 3] = [2, 3, 4];
/// Screen pixels of the photo's longer side.
const PHOTO_SIDE: f64 = 480.0;

/// A colour per class: ten distinct hues for CIFAR-10, spread hues beyond.
pub fn class_colour(class: usize) -> [u8; 3] {
    const TEN: [[u8; 3]; 10] = [
        [31, 119, 180],
        [255, 127, 14],
        [44, 160, 44],
        [214, 39, 40],
        [148, 103, 189],
        [140, 86, 75],
        [227, 119, 194],
        [127, 127, 127],
        [188, 189, 34],
        [23, 190, 207],
    ];
    TEN.get(class).copied().unwrap_or_else(|| {
        let hue = (class as f64 * 0.618_034).fract() * 6.0;
        let x = (255.0 * (1.0 - (hue % 2.0 - 1.0).abs())) as u8;
        [[255, x, 0], [x, 255, 0], [0, 255, x], [0, x, 255], [x, 0, 255], [255, 0, x]][hue as usize % 6]
    })
}

/// Paints each token's class over the crop, more opaque where surer.
fn paint(canvas: &web_sys::HtmlCanvasElement, crop: [f64; 4], map: &ClassMap) {
    let Some(ctx) = context(canvas) else { return };
    let (w, h) = (crop[2] / map.cols as f64, crop[3] / map.rows as f64);
    for (t, (&class, &confidence)) in map.class.iter().zip(&map.confidence).enumerate() {
        let [r, g, b] = class_colour(class);
        ctx.set_fill_style_str(&format!("rgba({r},{g},{b},{:.2})", 0.2 + 0.5 * confidence));
        let (row, col) = ((t / map.cols) as f64, (t % map.cols) as f64);
        ctx.fill_rect(crop[0] + col * w, crop[1] + row * h, w, h);
    }
}

/// Props of [`Regions`].
#[derive(Properties, PartialEq)]
pub struct RegionsProps {
    /// The image shown.
    pub analysis: Rc<Analysis>,
    /// The photo, once loaded.
    pub photo: Option<HtmlImageElement>,
    /// The view's state.
    pub regions: Pending<RegionsAnswer>,
    /// Asks for the regions at a size.
    pub on_run: Callback<usize>,
}

/// The per-region class map, or why this model cannot make one.
#[component]
pub fn Regions(props: &RegionsProps) -> Html {
    let config = &props.analysis.config;
    let trained = config.image_size;
    let times = use_state(|| 3usize);
    let size = trained * *times;
    let canvas = use_node_ref();
    let answer = props.regions.for_image(props.analysis.id).cloned();
    {
        let (canvas, analysis, photo, answer) =
            (canvas.clone(), props.analysis.clone(), props.photo.clone(), answer.clone());
        use_effect_with(
            (props.analysis.id, props.photo.is_some(), answer.as_ref().map(|a| a.regions.size)),
            move |_| {
                let Some(element) = canvas.cast::<web_sys::HtmlCanvasElement>() else { return };
                if let Some(crop) = draw_whole(&element, photo.as_ref(), &analysis, PHOTO_SIDE) {
                    if let Some(answer) = &answer {
                        paint(&element, crop, &answer.regions.map);
                    }
                    outline_crop(&element, crop);
                }
            },
        );
    }
    let heading = html! { <h3 id="regions-heading">{ "Any input size: a class per region" }</h3> };
    if let Err(why) = config.at_size(size) {
        return html! {
            <section class="viz-card" id="regions" aria-labelledby="regions-heading">
                { heading }
                <p class="explain" id="regions-refused">{ format!("{why}. AS-MLP and S²-MLPv2 have no weight tied to the token count, so they run at any size; choose one of them above to map the photo.") }</p>
            </section>
        };
    }
    let on_times = {
        let times = times.clone();
        Callback::from(move |event: Event| {
            if let Some(v) = select_value(&event).and_then(|v| v.parse().ok()) {
                times.set(v);
            }
        })
    };
    let on_run = props.on_run.reform(move |_: MouseEvent| size);
    let busy = props.regions.asked(props.analysis.id);
    let summary = match &answer {
        Some(answer) => {
            let regions = &answer.regions;
            let top: Vec<String> =
                regions.predictions.iter().map(|p| format!("{} {:.1} %", p.label, 100.0 * p.probability)).collect();
            format!(
                "At {0}×{0} px ({1}×{2} tokens, {3:.0} ms) the whole image reads as {4}. Each square is one final token's own class: the head applied to that token alone; stronger colour, surer token.",
                regions.size, regions.map.rows, regions.map.cols, answer.ms, top.join(", ")
            )
        }
        None => format!("The model was trained on {trained}×{trained} px. Run it on the photo at a larger size: its tokens then cover smaller regions, and each gets a class."),
    };
    let votes = answer.as_ref().map(|a| a.regions.map.votes()).unwrap_or_default();
    html! {
        <section class="viz-card" id="regions" aria-labelledby="regions-heading">
            { heading }
            <div class="viz-controls">
                <label>{ "input " }
                    <select id="regions-size" onchange={on_times}>
                        { for TIMES.iter().map(|t| html! { <option value={t.to_string()} selected={*t == *times}>{ format!("{0}×{0} px", trained * t) }</option> }) }
                    </select>
                </label>
                <button id="regions-run" onclick={on_run} disabled={busy}>{ if busy { "mapping…" } else { "Map regions" } }</button>
            </div>
            <canvas ref={canvas} id="regions-canvas" class="photo-canvas" data-size={answer.as_ref().map(|a| a.regions.size.to_string()).unwrap_or_default()}
                data-classes={answer.as_ref().map(|a| a.regions.map.class.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")).unwrap_or_default()}
                aria-label="the photo with the model's crop outlined and each region's class"></canvas>
            <p class="explain" id="regions-explain">{ summary }</p>
            if let Some(answer) = &answer {
                <ul class="legend" id="regions-legend">
                    { for answer.regions.labels.iter().enumerate().filter(|(k, _)| votes[*k] > 0).map(|(k, label)| {
                        let [r, g, b] = class_colour(k);
                        html! { <li data-class={k.to_string()} data-tokens={votes[k].to_string()}>
                            <svg class="swatch" viewBox="0 0 1 1" aria-hidden="true"><rect width="1" height="1" fill={format!("rgb({r},{g},{b})")} /></svg>{ format!("{label}: {}", counted(votes[k], "token", "tokens")) }</li> }
                    }) }
                </ul>
            }
        </section>
    }
}
