//! AS-MLP's claim that an axial shift is designed like a convolution
//! kernel: its size and dilation set the receptive field. Five designs at
//! the same depth on the visitor's photo (224 px, 4-px tokens), from the
//! core's token graphs ([`Design`]); the page only draws them.

use std::rc::Rc;

use shiftscope::viz::explorer::{Design, DILATIONS, EXPLORER_IMAGE, MAX_DEPTH, SHIFT_SIZES};
use shiftscope::viz::ReceptiveField;
use web_sys::HtmlImageElement;
use yew::prelude::*;

use super::photo::crop_pixels;
use crate::state::Analysis;
use crate::view::select_value;
use crate::viz::draw::{field_overlay, outline, pixel_at, put_rgba};
use crate::words::counted;

/// Orange, as the panel's theoretical fields.
const TINT: [u8; 3] = [255, 150, 20];

/// Props of [`Explorer`].
#[derive(Properties, PartialEq)]
pub struct ExplorerProps {
    /// The image shown.
    pub analysis: Rc<Analysis>,
    /// The photo, once loaded.
    pub photo: Option<HtmlImageElement>,
}

/// A `<select>` over `values`, calling `on` with the chosen one.
fn choice(id: &str, label: &str, values: &[usize], value: usize, on: UseStateHandle<usize>) -> Html {
    let on_change = Callback::from(move |event: Event| {
        if let Some(v) = select_value(&event).and_then(|v| v.parse().ok()) {
            on.set(v);
        }
    });
    html! {
        <label>{ format!("{label} ") }
            <select id={id.to_string()} onchange={on_change}>
                { for values.iter().map(|v| html! { <option value={v.to_string()} selected={*v == value}>{ v }</option> }) }
            </select>
        </label>
    }
}

/// What the five fields show, in numbers.
fn explanation(depth: usize, size: usize, dilation: usize, fields: &[Option<ReceptiveField>]) -> String {
    let reach = |i: usize| fields[i].as_ref().map(|f| (f.size_px(), f.paths.support_size())).unwrap_or_default();
    let (((h, w), axial), (_, conv)) = (reach(0), reach(1));
    format!(
        "After {} on a {EXPLORER_IMAGE}-px image cut into 4-px tokens, an axial shift of size {size} and dilation {dilation} \
         reaches the chosen token from a {h}×{w}-px box — the box of a {size}×{size} convolution with that dilation — but from {axial} of \
         its pixels where the convolution uses {conv}: each block moves information only along a row and a column, and dilation leaves \
         gaps between the tokens it reaches. Swin's windows stop at their 7×7 borders until the shifted windows cross them; Mixer's token \
         MLP reaches everything at once; S²-MLP's one-token shifts grow one token per block. Click an image to move the token.",
        counted(depth, "block", "blocks")
    )
}

/// The explorer: controls, then one canvas per design.
#[component]
pub fn Explorer(props: &ExplorerProps) -> Html {
    let size = use_state(|| 5usize);
    let dilation = use_state(|| 1usize);
    let depth = use_state(|| 2usize);
    let pixel = use_state(|| (EXPLORER_IMAGE / 2, EXPLORER_IMAGE / 2));
    let designs = Design::compared(*size, *dilation);
    // The fields depend on the controls only: a new image or webcam frame
    // redraws them on its pixels without computing or copying them again.
    let fields = use_memo((*size, *dilation, *depth, *pixel), |&(size, dilation, depth, pixel)| {
        Design::compared(size, dilation).iter().map(|d| d.field(depth, pixel).ok()).collect::<Vec<_>>()
    });
    let canvases: Vec<NodeRef> = (0..designs.len()).map(|_| NodeRef::default()).collect();
    let base = use_memo((props.analysis.id, props.photo.clone()), |(_, photo)| {
        crop_pixels(photo.as_ref(), &props.analysis, EXPLORER_IMAGE)
    });
    {
        let (canvases, fields, base) = (canvases.clone(), fields.clone(), base.clone());
        use_effect_with((props.analysis.id, props.photo.is_some(), *size, *dilation, *depth, *pixel), move |_| {
            let Some(base) = base.as_ref() else { return };
            for (node, field) in canvases.iter().zip(fields.iter()) {
                let (Some(canvas), Some(field)) = (node.cast::<web_sys::HtmlCanvasElement>(), field) else { continue };
                // At most two thirds tint, so the photo shows through even
                // where a field covers everything (Mixer's).
                let shade: Vec<f32> =
                    field.paths.log_shade(field.paths.decades().max(1.0)).iter().map(|s| s * 0.5).collect();
                put_rgba(&canvas, EXPLORER_IMAGE, EXPLORER_IMAGE, &field_overlay(base, &shade, TINT, 0.3));
                let px = field.token_px();
                outline(&canvas, 1, (field.token.0 * px, field.token.1 * px, px, px), "#ffffff");
            }
        });
    }
    let on_depth = {
        let depth = depth.clone();
        Callback::from(move |event: InputEvent| {
            let input = event.target_unchecked_into::<web_sys::HtmlInputElement>();
            depth.set(input.value().parse().unwrap_or(1));
        })
    };
    let on_click = |node: NodeRef| {
        let pixel = pixel.clone();
        Callback::from(move |event: MouseEvent| {
            if let Some(canvas) = node.cast::<web_sys::HtmlCanvasElement>() {
                pixel.set(pixel_at(&event, &canvas, EXPLORER_IMAGE));
            }
        })
    };
    html! {
        <section class="viz-card papers-wide" id="explorer" aria-labelledby="explorer-heading">
            <h3 id="explorer-heading">{ "AS-MLP: a shift designed like a kernel" }</h3>
            <div class="viz-controls">
                { choice("explorer-size", "shift size", &SHIFT_SIZES, *size, size.clone()) }
                { choice("explorer-dilation", "dilation", &DILATIONS, *dilation, dilation.clone()) }
                <label for="explorer-depth">{ "blocks" }</label>
                <input id="explorer-depth" type="range" min="1" max={MAX_DEPTH.to_string()} value={depth.to_string()} oninput={on_depth} />
                <span id="explorer-depth-label">{ *depth }</span>
            </div>
            <div class="viz-compare">
                { for designs.iter().zip(fields.iter()).zip(canvases.iter()).enumerate().map(|(i, ((design, field), node))| {
                    let (h, w) = field.as_ref().map(|f| f.size_px()).unwrap_or_default();
                    let reached = field.as_ref().map(|f| f.paths.support_size()).unwrap_or(0);
                    html! {
                        <figure>
                            <canvas ref={node.clone()} class="explorer-field" data-design={i.to_string()}
                                data-size={format!("{h}x{w}")} data-pixels={reached.to_string()} onclick={on_click(node.clone())}
                                aria-label={format!("{}: {h}×{w} px", design.label())}></canvas>
                            <figcaption>{ format!("{}: {h}×{w} px", design.label()) }</figcaption>
                        </figure>
                    }
                }) }
            </div>
            <p class="explain" id="explorer-explain">{ explanation(*depth, *size, *dilation, &fields) }</p>
        </section>
    }
}
