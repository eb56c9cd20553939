//! The three shipped models side by side on the same image or webcam
//! frame, and S²-MLPv2's two ablations beside the paper's numbers.

use std::rc::Rc;

use shiftscope::ablation::{Ablation, ABLATIONS};
use shiftscope::engine::protocol::ModelAnswer;
use yew::prelude::*;

use crate::state::Analysis;
use crate::views_state::Pending;
use crate::viz::draw::{put_rgba, signed_overlay, tokens_to_pixels, upscale};
use shiftscope::engine::catalogue::pretty_name;

/// Screen pixels per input pixel of the activation thumbnails.
const THUMB_SCALE: usize = 3;

/// Props of [`Compare`].
#[derive(Properties, PartialEq)]
pub struct CompareProps {
    /// The image shown.
    pub analysis: Rc<Analysis>,
    /// The view's state.
    pub compared: Pending<Vec<ModelAnswer>>,
    /// Asks for the comparison.
    pub on_run: Callback<()>,
}

#[derive(Properties, PartialEq)]
struct ColumnProps {
    analysis: Rc<Analysis>,
    answer: ModelAnswer,
}

/// One model: its top-3, its time and where its top class's evidence lies.
#[component]
fn Column(props: &ColumnProps) -> Html {
    let canvas = use_node_ref();
    {
        let (canvas, analysis, cam) = (canvas.clone(), props.analysis.clone(), props.answer.activation.clone());
        use_effect_with((props.analysis.id, props.answer.name.clone()), move |_| {
            let Some(element) = canvas.cast::<web_sys::HtmlCanvasElement>() else { return };
            // Every shipped model sees the same 32-px crop.
            let side = analysis.result.side;
            let per_pixel = tokens_to_pixels(&cam.contributions, cam.rows, cam.cols, side);
            let rgba = signed_overlay(&analysis.rgba, &per_pixel, cam.max_abs());
            put_rgba(&element, side * THUMB_SCALE, side * THUMB_SCALE, &upscale(&rgba, side, THUMB_SCALE));
        });
    }
    let answer = &props.answer;
    html! {
        <figure class="compare-model" data-model={answer.name.clone()} data-ms={answer.ms.to_string()}>
            <figcaption><strong>{ pretty_name(&answer.name) }</strong>{ format!(" · {:.0} ms", answer.ms) }</figcaption>
            <ol>{ for answer.predictions.iter().map(|p| html! {
                <li data-class={p.class.to_string()}>{ format!("{} {:.1} %", p.label, 100.0 * p.probability) }</li>
            }) }</ol>
            <canvas ref={canvas} class="viz-mini" aria-label={format!("evidence for {}", answer.predictions.first().map(|p| p.label.as_str()).unwrap_or(""))}></canvas>
        </figure>
    }
}

/// This project's CIFAR-10 top-1 `(with, without)` of a rerun that has
/// finished; a paused or unrun one shows nothing to visitors.
fn finished_run(ablation: &Ablation) -> Option<(f64, f64)> {
    ablation.cifar10.filter(|(_, status)| !status.contains("not finished")).map(|(top1, _)| top1)
}

/// The row of models and the ablation table.
#[component]
pub fn Compare(props: &CompareProps) -> Html {
    let answers = props.compared.for_image(props.analysis.id).cloned();
    let busy = props.compared.asked(props.analysis.id);
    let on_run = props.on_run.reform(|_: MouseEvent| ());
    let finished: Vec<(f64, f64)> = ABLATIONS.iter().filter_map(finished_run).collect();
    html! {
        <section class="viz-card papers-wide" id="compare" aria-labelledby="compare-heading">
            <h3 id="compare-heading">{ "Side by side" }</h3>
            <div class="viz-controls">
                <button id="compare-run" onclick={on_run} disabled={busy}>{ if busy { "running…" } else { "Run all three models" } }</button>
                <span class="hint">{ "on this image or webcam frame (the other models load on first use)" }</span>
            </div>
            if let Some(answers) = &answers {
                <div class="viz-compare" id="compare-row">
                    { for answers.iter().map(|a| html! { <Column analysis={props.analysis.clone()} answer={a.clone()} /> }) }
                </div>
            }
            <table id="ablations">
                <caption>{ "S²-MLPv2's ablations: top-1 with the paper's choice / without" }</caption>
                <thead><tr><th>{ "choice" }</th><th>{ "paper, ImageNet" }</th>
                    if !finished.is_empty() { <th>{ "this project, CIFAR-10" }</th> }</tr></thead>
                <tbody>{ for ABLATIONS.iter().map(|a| html! {
                    <tr>
                        <th scope="row">{ a.question }</th>
                        <td>{ format!("{:.1} / {:.1} %", a.paper.0, a.paper.1) }</td>
                        if !finished.is_empty() {
                            <td>{ finished_run(a).map(|(with, without)| format!("{with:.2} / {without:.2} %")).unwrap_or_default() }</td>
                        }
                    </tr>
                }) }</tbody>
            </table>
            if finished.len() < ABLATIONS.len() {
                <p class="explain" id="ablations-pending">{ "This project's CIFAR-10 reruns of these choices appear here once their training has finished." }</p>
            }
        </section>
    }
}
