//! `shiftscope explore`: the shift design explorer's numbers (see
//! [`shiftscope::viz::explorer`]), for the centre token of a 224-px input.

use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use shiftscope::viz::explorer::{Design, EXPLORER_IMAGE, EXPLORER_PATCH};
use shiftscope::Error;

/// Prints each compared design's field at `depth` for an axial shift of
/// `size` and `dilation`.
pub fn run(size: usize, dilation: usize, depth: usize, json: bool) -> Result<ExitCode, Error> {
    let centre = (EXPLORER_IMAGE / 2, EXPLORER_IMAGE / 2);
    let mut rows = Vec::new();
    for design in Design::compared(size, dilation) {
        let start = Instant::now();
        let field = design.field(depth, centre)?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let (h, w) = field.size_px();
        rows.push((design.label(), h, w, field.paths.support_size(), ms));
    }
    if json {
        let rows: Vec<_> = rows
            .iter()
            .map(|(label, h, w, support, ms)| json!({"design": label, "height_px": h, "width_px": w, "pixels": support, "ms": ms}))
            .collect();
        let report = json!({"image": EXPLORER_IMAGE, "patch": EXPLORER_PATCH, "depth": depth, "designs": rows});
        println!("{}", serde_json::to_string_pretty(&report).expect("JSON of plain values"));
        return Ok(ExitCode::SUCCESS);
    }
    println!("centre token of a {EXPLORER_IMAGE}-px input, {EXPLORER_PATCH}-px patches, after {depth} block(s):");
    for (label, h, w, support, ms) in rows {
        println!("  {label:<34} {h:>3}×{w:<3} px  {support:>6} pixels reached  ({ms:.1} ms)");
    }
    Ok(ExitCode::SUCCESS)
}
