//! MLP-Mixer's permutation claim on the visitor's image: the image's
//! patches and the pixels inside them shuffled by one seeded permutation,
//! every shipped model's answer on it, and Mixer with its weights permuted
//! the same way giving back its original answer exactly.

use std::rc::Rc;

use shiftscope::engine::protocol::ShuffleAnswer;
use shiftscope::predict::Prediction;
use shiftscope::preprocess::opaque_rgba;
use yew::prelude::*;

use crate::state::Analysis;
use crate::views_state::{Pending, ShuffledAnswer};
use crate::viz::draw::{put_rgba, scale_for, upscale};
use shiftscope::engine::catalogue::pretty_name;

/// Props of [`Shuffle`].
#[derive(Properties, PartialEq)]
pub struct ShuffleProps {
    /// The image shown.
    pub analysis: Rc<Analysis>,
    /// The view's state.
    pub shuffled: Pending<ShuffledAnswer>,
    /// Asks for a shuffle with a seed.
    pub on_run: Callback<u64>,
}

fn top1(list: &[Prediction]) -> String {
    list.first().map(|p| format!("{} {:.1} %", p.label, 100.0 * p.probability)).unwrap_or_default()
}

fn row(answer: &ShuffleAnswer) -> Html {
    let permuted = match &answer.permuted {
        Ok((top, gap)) => {
            html! { <td class="permuted" data-gap={gap.to_string()}>{ format!("{} (largest logit difference {gap:.1e})", top1(top)) }</td> }
        }
        Err(why) => html! { <td class="permuted none">{ why.clone() }</td> },
    };
    let moved = answer.original.first().map(|p| p.class) != answer.shuffled.first().map(|p| p.class);
    html! {
        <tr data-model={answer.name.clone()} data-moved={moved.to_string()}>
            <th scope="row">{ pretty_name(&answer.name) }</th>
            <td>{ top1(&answer.original) }</td>
            <td class="shuffled" data-class={answer.shuffled.first().map(|p| p.class.to_string()).unwrap_or_default()}>{ top1(&answer.shuffled) }
                <details><summary>{ "top-5" }</summary><ol>
                    { for answer.shuffled.iter().map(|p| html! { <li>{ format!("{} {:.1} %", p.label, 100.0 * p.probability) }</li> }) }
                </ol></details>
            </td>
            { permuted }
        </tr>
    }
}

/// The shuffle: seed, the shuffled image and a row per model.
#[component]
pub fn Shuffle(props: &ShuffleProps) -> Html {
    let seed = use_state(|| 7u64);
    let canvas = use_node_ref();
    let answer = props.shuffled.for_image(props.analysis.id).cloned();
    {
        let (canvas, answer) = (canvas.clone(), answer.clone());
        use_effect_with(answer.as_ref().map(|a| a.seed), move |_| {
            let (Some(element), Some(answer)) = (canvas.cast::<web_sys::HtmlCanvasElement>(), answer) else { return };
            let scale = scale_for(answer.side);
            let rgba = upscale(&opaque_rgba(&answer.rgb), answer.side, scale);
            put_rgba(&element, answer.side * scale, answer.side * scale, &rgba);
        });
    }
    let on_seed = {
        let seed = seed.clone();
        Callback::from(move |event: InputEvent| {
            let input = event.target_unchecked_into::<web_sys::HtmlInputElement>();
            if let Ok(value) = input.value().parse() {
                seed.set(value);
            }
        })
    };
    let on_run = {
        let seed = *seed;
        props.on_run.reform(move |_: MouseEvent| seed)
    };
    let busy = props.shuffled.asked(props.analysis.id);
    html! {
        <section class="viz-card" id="shuffle" aria-labelledby="shuffle-heading">
            <h3 id="shuffle-heading">{ "Shuffled patches: Mixer's weights can undo them" }</h3>
            <div class="viz-controls">
                <label>{ "seed " }<input id="shuffle-seed" type="number" min="0" value={seed.to_string()} oninput={on_seed} /></label>
                <button id="shuffle-run" onclick={on_run} disabled={busy}>{ if busy { "shuffling…" } else { "Shuffle" } }</button>
            </div>
            if let Some(answer) = &answer {
                <canvas ref={canvas} id="shuffle-canvas" class="viz-image" data-seed={answer.seed.to_string()}
                    aria-label="the image with its patches and their pixels shuffled"></canvas>
                <table id="shuffle-table">
                    <thead><tr><th>{ "model" }</th><th>{ "image" }</th><th>{ "shuffled image" }</th><th>{ "weights permuted alike, on the shuffled image" }</th></tr></thead>
                    <tbody>{ for answer.answers.iter().map(row) }</tbody>
                </table>
                <p class="explain" id="shuffle-explain">{ format!(
                    "Seed {} moved the {p}×{p}-px patches and the pixels inside each. Mixer has no position embedding and its token MLP reads every patch, so permuting its patch-embedding and token-mixing weights the same way gives its original logits exactly — which is why it learns as well from shuffled images as from real ones. The shifts of S²-MLPv2 and AS-MLP tie each token to fixed neighbours: no such weights exist, and their answers move.",
                    answer.seed, p = answer.patch) }</p>
            } else {
                <canvas ref={canvas} id="shuffle-canvas" class="viz-image empty" aria-hidden="true"></canvas>
                <p class="explain">{ "Shuffle the image's patches and the pixels inside them with one permutation, and run all three models on it." }</p>
            }
        </section>
    }
}
