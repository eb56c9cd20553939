//! The shift of one block, animated on the real feature map: each channel
//! group's mean map slides by its offset, then shows what the op left
//! (S²-MLP: the uncovered edge keeps its value; AS-MLP: zeros).

use std::cell::RefCell;
use std::rc::Rc;

use gloo::render::{request_animation_frame, AnimationFrame};
use shiftscope::engine::protocol::Uncovered;
use shiftscope::engine::BlockShiftMaps;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, OffscreenCanvas};
use yew::prelude::*;

use super::draw::{context, diverging};
use super::frame_clock::FrameClock;
use crate::state::Analysis;

/// Screen pixels a side of one group's map.
const MAP_PX: f64 = 96.0;
/// Gap between maps, room for a label above each.
const GAP: f64 = 10.0;
const LABEL: f64 = 16.0;
/// One animation cycle: hold, slide, hold, in milliseconds.
const CYCLE_MS: f64 = 2400.0;

/// Props of [`ShiftView`].
#[derive(Properties, PartialEq)]
pub struct ShiftProps {
    /// The image and model.
    pub analysis: Rc<Analysis>,
    /// Depth (the block is `depth`, from 1; 0 shows block 1).
    pub depth: usize,
    /// Whether the animation runs.
    pub playing: bool,
}

/// Before and after images of each group, rendered once per block.
struct Tiles {
    before: Vec<OffscreenCanvas>,
    after: Vec<OffscreenCanvas>,
}

/// A `side × side` map as a small canvas, coloured blue–white–red by `max`.
fn tile(values: &[f32], side: usize, max: f32) -> Option<OffscreenCanvas> {
    let canvas = OffscreenCanvas::new(side as u32, side as u32).ok()?;
    let rgba: Vec<u8> = values
        .iter()
        .flat_map(|v| {
            let [r, g, b] = diverging(if max > 0.0 { v / max } else { 0.0 });
            [r, g, b, 255]
        })
        .collect();
    let ctx: web_sys::OffscreenCanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let image =
        web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(&rgba), side as u32, side as u32)
            .ok()?;
    ctx.put_image_data(&image, 0.0, 0.0).ok()?;
    Some(canvas)
}

fn tiles(maps: &BlockShiftMaps) -> Tiles {
    let max = maps.before.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
    let mut out = Tiles { before: vec![], after: vec![] };
    for (group, before) in maps.groups.iter().zip(&maps.before) {
        if let (Some(b), Some(a)) =
            (tile(before, maps.side, max), tile(&group.apply(before, maps.side), maps.side, max))
        {
            out.before.push(b);
            out.after.push(a);
        }
    }
    out
}

/// Draws the animation at phase `t` in `[0, 1)`.
fn draw(canvas: &HtmlCanvasElement, maps: &BlockShiftMaps, tiles: &Tiles, t: f64) {
    let Some(ctx) = context(canvas) else { return };
    ctx.set_image_smoothing_enabled(false);
    let per_row = if maps.groups.len() > 8 { maps.groups.len().div_ceil(2) } else { 4 };
    let rows = maps.groups.len().div_ceil(per_row);
    let (width, height) = (per_row as f64 * (MAP_PX + GAP), rows as f64 * (MAP_PX + GAP + LABEL));
    if canvas.width() != width as u32 || canvas.height() != height as u32 {
        canvas.set_width(width as u32);
        canvas.set_height(height as u32);
    }
    ctx.clear_rect(0.0, 0.0, width, height);
    // Hold 25 %, slide 45 %, show the result 30 %.
    let slide = ((t - 0.25) / 0.45).clamp(0.0, 1.0);
    let eased = slide * slide * (3.0 - 2.0 * slide);
    let cell = MAP_PX / maps.side as f64;
    ctx.set_font("12px system-ui, sans-serif");
    ctx.set_fill_style_str("#888");
    for (g, group) in maps.groups.iter().enumerate() {
        let x = (g % per_row) as f64 * (MAP_PX + GAP);
        let y = (g / per_row) as f64 * (MAP_PX + GAP + LABEL) + LABEL;
        let _ = ctx.fill_text(&group.label, x, y - 4.0);
        ctx.save();
        ctx.begin_path();
        ctx.rect(x, y, MAP_PX, MAP_PX);
        ctx.clip();
        ctx.set_fill_style_str(if group.uncovered == Uncovered::Zero { "#fff" } else { "#888" });
        ctx.fill_rect(x, y, MAP_PX, MAP_PX);
        let done = t >= 0.7;
        let (Some(before), Some(after)) = (tiles.before.get(g), tiles.after.get(g)) else {
            ctx.restore();
            continue;
        };
        if done {
            let _ = ctx.draw_image_with_offscreen_canvas_and_dw_and_dh(after, x, y, MAP_PX, MAP_PX);
        } else {
            let (dx, dy) = (group.moves.1 as f64 * cell * eased, group.moves.0 as f64 * cell * eased);
            let _ = ctx.draw_image_with_offscreen_canvas_and_dw_and_dh(before, x + dx, y + dy, MAP_PX, MAP_PX);
        }
        ctx.restore();
        ctx.set_stroke_style_str("#888");
        ctx.stroke_rect(x, y, MAP_PX, MAP_PX);
    }
}

/// The animated shift of the chosen block.
#[component]
pub fn ShiftView(props: &ShiftProps) -> Html {
    let canvas = use_node_ref();
    let clock = use_mut_ref(FrameClock::default);
    let frame_ms = use_state(|| None::<(f64, f64)>);
    let shifts = &props.analysis.result.shifts;
    let block = props.depth.max(1) - 1;
    let maps = shifts.get(block.min(shifts.len().saturating_sub(1))).cloned();
    {
        let (canvas, clock, frame_ms) = (canvas.clone(), clock.clone(), frame_ms.clone());
        let maps = maps.clone().filter(|m| !m.groups.is_empty());
        use_effect_with((props.analysis.id, block, props.playing), move |(_, _, playing)| {
            let handle: Rc<RefCell<Option<AnimationFrame>>> = Rc::default();
            if let (Some(maps), Some(element)) = (maps, canvas.cast::<HtmlCanvasElement>()) {
                let tiles = Rc::new(tiles(&maps));
                draw(&element, &maps, &tiles, 0.95);
                if *playing {
                    animate(handle.clone(), element, Rc::new(maps), tiles, clock, frame_ms);
                }
            }
            move || drop(handle.borrow_mut().take())
        });
    }
    let Some(maps) = maps.filter(|m| !m.groups.is_empty()) else {
        let architecture = props.analysis.config.architecture();
        return html! {
            <section class="viz-card compact" aria-labelledby="shift-heading">
                <h3 id="shift-heading">{ "Token mixing, instead of a shift" }</h3>
                <p class="explain" id="shift-instead">{ format!("{} has no shift. {} {}", architecture.title(), architecture.token_mixing(), architecture.description()) }</p>
            </section>
        };
    };
    let s2 = maps.groups.iter().all(|g| g.uncovered == Uncovered::KeepsItsValue);
    let explain = if s2 {
        format!("Block {}: the {} channels of each branch form four groups; each group's map (channel mean, blue < 0 < red) moves one token down, up, right or left, and the row or column it uncovers keeps its old value. Branch 2 uses the other order, so every token hears from all four neighbours.", block + 1, maps.groups[0].channels.len() * 4)
    } else {
        let max = maps.groups.iter().map(|g| g.moves.0.abs().max(g.moves.1.abs())).max().unwrap_or(0);
        let reached = maps.groups.iter().filter(|g| g.moves != (0, 0)).count() + 1;
        let step = maps.groups.iter().map(|g| g.moves.1.abs()).filter(|m| *m > 0).min().unwrap_or(1);
        let dilation = if step > 1 { format!(" (dilation {step}: every {step}th token)") } else { String::new() };
        format!("Block {}: {} channel groups move by −{max}…+{max} tokens{dilation} along the width (top rows) and along the height (bottom rows); uncovered tokens become zero (white). A token mixes a cross of {reached} tokens per block.", block + 1, maps.groups.len() / 2)
    };
    html! {
        <section class="viz-card" aria-labelledby="shift-heading">
            <h3 id="shift-heading">{ "The shift" }</h3>
            <canvas ref={canvas} id="shift-canvas" class="viz-shift" aria-label={format!("channel groups of block {} sliding", block + 1)}
                data-block={block.to_string()} data-frame-ms={frame_ms.map(|f| format!("{:.3}", f.0)).unwrap_or_default()}
                data-frame-interval-ms={frame_ms.map(|f| format!("{:.1}", f.1)).unwrap_or_default()}></canvas>
            <p class="explain">{ explain }</p>
            if let Some((draw_ms, interval)) = *frame_ms {
                <details class="engine-details"><summary>{ "timings" }</summary>
                    <p class="explain" id="frame-time">{ format!("Animation: {draw_ms:.2} ms to draw a frame, one frame every {interval:.1} ms (median).") }</p>
                </details>
            }
        </section>
    }
}

/// Keeps drawing on every animation frame until the handle is dropped.
fn animate(
    handle: Rc<RefCell<Option<AnimationFrame>>>,
    canvas: HtmlCanvasElement,
    maps: Rc<BlockShiftMaps>,
    tiles: Rc<Tiles>,
    clock: Rc<RefCell<FrameClock>>,
    frame_ms: UseStateHandle<Option<(f64, f64)>>,
) {
    let next = handle.clone();
    *handle.borrow_mut() = Some(request_animation_frame(move |now| {
        let start = crate::device::now_ms();
        draw(&canvas, &maps, &tiles, (now % CYCLE_MS) / CYCLE_MS);
        if let Some(summary) = clock.borrow_mut().record(now, crate::device::now_ms() - start) {
            frame_ms.set(Some(summary));
        }
        animate(next, canvas, maps, tiles, clock, frame_ms);
    }));
}
