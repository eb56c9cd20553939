//! Split-attention weights of every S²-MLPv2 block for the current image
//! (or webcam frame): a heatmap of the three branch weights per channel,
//! channels sorted by the branch they trust, and per-block branch means.

use std::rc::Rc;

use shiftscope::viz::{attention::describe, BlockAttention, BRANCH_NAMES};
use yew::prelude::*;

use super::draw::put_rgba;
use crate::state::Analysis;

/// Colours of shift 1, shift 2 and identity.
pub const BRANCH_COLOURS: [[u8; 3]; 3] = [[230, 120, 20], [120, 80, 220], [30, 160, 120]];
/// Heatmap rows per branch and blank rows between blocks.
const ROW: usize = 3;
const GAP: usize = 2;

/// The heatmap as RGBA: per block three bands (one per branch), each
/// channel a column in the block's sorted order, strength = weight.
fn heatmap(blocks: &[BlockAttention], selected: usize) -> (usize, usize, Vec<u8>) {
    let width = blocks.iter().map(|b| b.channels).max().unwrap_or(1);
    let height = blocks.len() * (3 * ROW + GAP);
    let mut rgba = vec![0u8; width * height * 4];
    for (i, block) in blocks.iter().enumerate() {
        for (k, branch_colour) in BRANCH_COLOURS.iter().enumerate() {
            for row in 0..ROW {
                let y = i * (3 * ROW + GAP) + k * ROW + row;
                for x in 0..width {
                    // Every block spans the full width, whatever its channels.
                    let w = block.weight(k, block.order[x * block.channels / width]);
                    let px = &mut rgba[(y * width + x) * 4..(y * width + x) * 4 + 4];
                    for (c, colour) in branch_colour.iter().enumerate() {
                        px[c] = (235.0 + (*colour as f32 - 235.0) * w) as u8;
                    }
                    px[3] = 255;
                }
            }
        }
        if i == selected {
            let y = i * (3 * ROW + GAP) + 3 * ROW;
            for x in 0..width {
                rgba[(y * width + x) * 4..(y * width + x) * 4 + 4].copy_from_slice(&[128, 128, 128, 255]);
            }
        }
    }
    (width, height, rgba)
}

/// Props of [`AttentionView`].
#[derive(Properties, PartialEq)]
pub struct AttentionProps {
    /// The image and model.
    pub analysis: Rc<Analysis>,
    /// The scrubber's depth (its block is marked).
    pub depth: usize,
}

/// The split-attention heatmap and bars.
#[component]
pub fn AttentionView(props: &AttentionProps) -> Html {
    let canvas = use_node_ref();
    let blocks = &props.analysis.result.attention;
    let selected = props.depth.max(1) - 1;
    {
        let (canvas, analysis) = (canvas.clone(), props.analysis.clone());
        use_effect_with((props.analysis.id, selected), move |_| {
            let blocks = &analysis.result.attention;
            if let (false, Some(element)) = (blocks.is_empty(), canvas.cast::<web_sys::HtmlCanvasElement>()) {
                let (w, h, rgba) = heatmap(blocks, selected);
                put_rgba(&element, w, h, &rgba);
            }
        });
    }
    if blocks.is_empty() {
        // What this architecture does where S²-MLPv2 weighs its branches.
        let architecture = props.analysis.config.architecture();
        return html! {
            <section class="viz-card compact" aria-labelledby="attention-heading">
                <h3 id="attention-heading">{ "No split-attention" }</h3>
                <p class="explain" id="attention-instead">{ format!("{} {} has no branches to weigh: {}",
                    describe(blocks), architecture.title(), architecture.description()) }</p>
            </section>
        };
    }
    let means: Vec<String> =
        blocks.iter().map(|b| format!("{:.4},{:.4},{:.4}", b.means[0], b.means[1], b.means[2])).collect();
    html! {
        <section class="viz-card" aria-labelledby="attention-heading">
            <h3 id="attention-heading">{ "Split-attention" }</h3>
            <p class="legend">
                { for BRANCH_NAMES.iter().enumerate().map(|(k, name)| html! {
                    <span><span class={classes!("swatch", format!("branch-{k}"))}></span>{ *name }</span>
                }) }
            </p>
            <canvas ref={canvas} id="attention-heatmap" class="viz-heatmap" data-analysis={props.analysis.id.to_string()}
                data-means={means.join(";")}
                aria-label="split-attention weights: per block three bands (shift 1, shift 2, identity), channels sorted by the branch they trust"></canvas>
            <ol class="branch-bars" id="attention-bars">
                { for blocks.iter().map(|b| html! {
                    <li class={classes!((b.block == selected).then_some("selected"))}>
                        <span class="bar-label">{ format!("block {}", b.block + 1) }</span>
                        <svg class="stack" viewBox="0 0 100 10" preserveAspectRatio="none" role="img"
                            aria-label={format!("shift 1 {:.0} %, shift 2 {:.0} %, identity {:.0} %", 100.0 * b.means[0], 100.0 * b.means[1], 100.0 * b.means[2])}>
                            { for (0..3).map(|k| {
                                let [r, g, bl] = BRANCH_COLOURS[k];
                                let x: f32 = 100.0 * b.means[..k].iter().sum::<f32>();
                                html! { <rect x={format!("{x:.2}")} y="0" height="10" width={format!("{:.2}", 100.0 * b.means[k])} fill={format!("rgb({r},{g},{bl})")} /> }
                            }) }
                        </svg>
                        <span class="bar-value">{ format!("{} · {} / {} / {} ch", BRANCH_NAMES[b.leading_branch()], b.dominant_counts[0], b.dominant_counts[1], b.dominant_counts[2]) }</span>
                    </li>
                }) }
            </ol>
            <p class="explain" id="attention-explain">{ describe(blocks) }{ " Each band is one branch; a column is one channel, darker = more weight; the three weights of a channel sum to 1." }</p>
        </section>
    }
}
