//! Receptive fields on the visitor's image: the theoretical field of the
//! chosen token (path counts, log scale), the measured one (input gradient,
//! on demand), and the three compact architectures side by side.

use std::rc::Rc;

use shiftscope::engine::catalogue::{self, ModelConfig};
use shiftscope::viz::{ReceptiveField, TokenGraph};
use yew::prelude::*;

use super::draw::{field_overlay, outline, pixel_at, put_rgba, scale_for, upscale};
use crate::state::Analysis;
use crate::state::Field;
use shiftscope::engine::catalogue::pretty_name;
use shiftscope::engine::catalogue::SHIPPED;

/// Orange for path counts, teal for gradients.
const THEORY: [u8; 3] = [255, 150, 20];
const MEASURED: [u8; 3] = [20, 220, 200];
/// Decades of gradient magnitude the measured overlay spans.
const GRADIENT_DECADES: f64 = 4.0;

/// Props of [`FieldView`].
#[derive(Properties, PartialEq)]
pub struct FieldProps {
    /// The image and model.
    pub analysis: Rc<Analysis>,
    /// Depth (0: patch embedding, k: after block k).
    pub depth: usize,
    /// The chosen input pixel `(row, col)`.
    pub pixel: (usize, usize),
    /// Called with a clicked input pixel.
    pub on_pixel: Callback<(usize, usize)>,
    /// The measured field's state.
    pub field: Field,
    /// Asks for a measurement at the current depth and token.
    pub on_measure: Callback<()>,
}

/// How a field is tinted: colour, and the tint of its weakest pixel.
struct Tint([u8; 3], f32);

/// Path counts: the support matters, so even one path shows clearly.
const THEORY_TINT: Tint = Tint(THEORY, 0.35);
/// Gradients: faint is faint.
const MEASURED_TINT: Tint = Tint(MEASURED, 0.0);

/// Draws the image with a field on `canvas` and outlines the token.
fn draw_field(
    canvas: &NodeRef,
    rgba: &[u8],
    side: usize,
    shade: &[f32],
    tint: &Tint,
    token_box: (usize, usize, usize, usize),
) {
    let Some(canvas) = canvas.cast::<web_sys::HtmlCanvasElement>() else { return };
    let scale = scale_for(side);
    put_rgba(&canvas, side * scale, side * scale, &upscale(&field_overlay(rgba, shade, tint.0, tint.1), side, scale));
    outline(&canvas, scale, token_box, "#ffffff");
}

/// The patch of `token` on a grid of `px`-pixel tokens, as
/// `(top, left, height, width)` in input pixels.
fn token_box(token: (usize, usize), px: usize) -> (usize, usize, usize, usize) {
    (token.0 * px, token.1 * px, px, px)
}

/// The token's patch at a field's depth.
fn field_token_box(field: &ReceptiveField) -> (usize, usize, usize, usize) {
    token_box(field.token, field.token_px())
}

/// How tokens mix, and what reaches every token besides the token paths,
/// at `depth`, in a sentence or two.
fn mixing_note(config: &ModelConfig, depth: usize) -> String {
    let architecture = config.architecture();
    let context = architecture.global_context().filter(|g| depth >= g.from_depth).map(|g| g.what);
    let mixing = (depth > 0).then(|| architecture.token_mixing());
    mixing.into_iter().chain(context).collect::<Vec<_>>().join(" ")
}

/// The theoretical and measured fields plus the side-by-side comparison.
#[component]
pub fn FieldView(props: &FieldProps) -> Html {
    let analysis = &props.analysis;
    let side = analysis.config.image_size;
    let graph = TokenGraph::new(&analysis.config);
    let field = graph.receptive_field(props.depth, props.pixel);
    let theory = use_node_ref();
    let measured = use_node_ref();
    {
        let (theory, measured, analysis) = (theory.clone(), measured.clone(), analysis.clone());
        let (field, state, graph) = (field.clone(), props.field.clone(), graph.clone());
        use_effect_with((analysis.id, props.depth, props.pixel, props.field.clone()), move |_| {
            let decades = field.paths.decades().max(1.0);
            draw_field(
                &theory,
                &analysis.rgba,
                side,
                &field.paths.log_shade(decades),
                &THEORY_TINT,
                field_token_box(&field),
            );
            match &state {
                Field::Measured(m) if m.analysis == analysis.id => {
                    let token = token_box(m.token, side / graph.grid_side(m.depth));
                    let shade = m.map.log_shade(GRADIENT_DECADES);
                    draw_field(&measured, &analysis.rgba, side, &shade, &MEASURED_TINT, token);
                }
                // Nothing measured on this image: the image alone, dimmed.
                _ => draw_field(&measured, &analysis.rgba, side, &vec![0.0; side * side], &MEASURED_TINT, (0, 0, 0, 0)),
            }
        });
    }
    let on_click = {
        let (on_pixel, theory) = (props.on_pixel.clone(), theory.clone());
        Callback::from(move |event: MouseEvent| {
            if let Some(canvas) = theory.cast::<web_sys::HtmlCanvasElement>() {
                on_pixel.emit(pixel_at(&event, &canvas, side));
            }
        })
    };
    let (h, w) = field.size_px();
    // What the paths run through, from the architecture's own facts.
    let shifts = analysis.config.architecture().block_shifts().iter().any(|groups| !groups.is_empty());
    let through = if shifts { "the shifts" } else { "the token-mixing layers" };
    let measured_state = match &props.field {
        Field::Measured(m) if m.analysis == analysis.id => {
            let stale = m.depth != props.depth || m.token != field.token;
            let b = m.map.bounds().map(|b| b.size()).unwrap_or((0, 0));
            let note = if stale {
                format!(" (measured at depth {}, token {:?}; press Measure to update)", m.depth, m.token)
            } else {
                String::new()
            };
            html! { <p class="explain" id="erf-note" data-stale={stale.to_string()}>{ format!(
            "Non-zero gradient over {}×{} px, {:.0} decades from strongest to weakest; {:.0} ms.{note}",
            b.0, b.1, m.map.decades(), m.ms) }</p> }
        }
        Field::Measuring { .. } => {
            html! { <p class="explain"><span class="spinner" aria-hidden="true"></span>{ " computing the gradient (one forward and one backward pass)…" }</p> }
        }
        _ => {
            html! { <p class="explain">{ "Press Measure to compute the gradient of this token's features with respect to every input pixel." }</p> }
        }
    };
    let has_measure = matches!(&props.field, Field::Measured(m) if m.analysis == analysis.id);
    let on_measure = props.on_measure.reform(|_: MouseEvent| ());
    html! {
        <section class="viz-card" aria-labelledby="rf-heading">
            <h3 id="rf-heading">{ "Receptive field" }</h3>
            <div class="viz-pair">
                <figure>
                    <canvas ref={theory} id="rf-theory" class="viz-image" tabindex="0" onclick={on_click}
                        aria-label="theoretical receptive field; click a token to choose it, arrow keys move it"
                        data-size={format!("{h}x{w}")} data-token={format!("{},{}", field.token.0, field.token.1)}></canvas>
                    <figcaption>{ format!("theory: paths through {through} (log scale)") }</figcaption>
                </figure>
                <figure>
                    <canvas ref={measured} id="rf-measured" class={classes!("viz-image", (!has_measure).then_some("empty"))}
                        aria-label="measured receptive field (input gradient)"></canvas>
                    <figcaption>
                        <button id="measure" onclick={on_measure} disabled={matches!(props.field, Field::Measuring { .. })}>{ "Measure" }</button>
                        { " gradient |∂ features / ∂ pixels|" }
                    </figcaption>
                </figure>
            </div>
            <p class="explain" id="rf-explain">{ format!(
                "{}: the token at row {}, column {} of the {g}×{g} grid ({p}×{p} px) can be reached from {h}×{w} px of the {side}×{side} input, along up to {} paths. {}",
                if props.depth == 0 { "After the patch embedding".to_string() } else { format!("After block {}", props.depth) },
                field.token.0, field.token.1, count(field.paths.max()),
                mixing_note(&analysis.config, props.depth), g = field.grid_side, p = field.token_px()) }</p>
            { measured_state }
            <Comparison depth={props.depth} pixel={props.pixel} side={side} />
        </section>
    }
}

/// A path count for people: digits up to a million, then powers of ten.
fn count(n: f64) -> String {
    match n {
        n if n < 1e6 => format!("{n:.0}"),
        n if n < 1e9 => format!("{:.1} million", n / 1e6),
        n if n < 1e12 => format!("{:.1} billion", n / 1e9),
        n => format!("{:.1} trillion", n / 1e12),
    }
}

/// Props of [`Comparison`].
#[derive(Properties, PartialEq)]
struct ComparisonProps {
    depth: usize,
    pixel: (usize, usize),
    side: usize,
}

/// The shipped compact architectures' theoretical fields at the same
/// depth and image position, on a blank 32-px grid.
#[component]
fn Comparison(props: &ComparisonProps) -> Html {
    let shipped: Vec<(&str, ModelConfig)> =
        SHIPPED.iter().filter_map(|&name| catalogue::config(name).ok().map(|c| (name, c))).collect();
    let refs: Vec<NodeRef> = (0..shipped.len()).map(|_| NodeRef::default()).collect();
    let fields: Vec<ReceptiveField> = shipped
        .iter()
        .map(|(_, c)| {
            let s = c.image_size;
            let pixel = (props.pixel.0 * s / props.side, props.pixel.1 * s / props.side);
            TokenGraph::new(c).receptive_field(props.depth, pixel)
        })
        .collect();
    {
        let (refs, fields) = (refs.clone(), fields.clone());
        use_effect_with((props.depth, props.pixel), move |_| {
            for (canvas, field) in refs.iter().zip(&fields) {
                let side = field.paths.side;
                let grey = vec![150u8; side * side * 4];
                let shade = field.paths.log_shade(field.paths.decades().max(1.0));
                draw_field(canvas, &grey, side, &shade, &THEORY_TINT, field_token_box(field));
            }
        });
    }
    html! {
        <div class="viz-compare" id="rf-compare">
            { for shipped.iter().zip(&fields).zip(refs).map(|(((name, _), field), node)| {
                let (h, w) = field.size_px();
                html! {
                    <figure>
                        <canvas ref={node} class="viz-mini" data-size={format!("{h}x{w}")}></canvas>
                        <figcaption>{ format!("{}: {h}×{w} px", pretty_name(name)) }</figcaption>
                    </figure>
                }
            }) }
        </div>
    }
}
