//! `shiftscope info`: the variant table.

use std::process::ExitCode;

use serde_json::json;
use shiftscope::models::registry::{variants, PaperFigures, SHIPPED};
use shiftscope::models::ModelConfig;
use shiftscope::Error;

/// One line of the table.
struct Row {
    name: String,
    summary: String,
    config: ModelConfig,
    paper: Option<PaperFigures>,
}

/// Prints every variant, then the `extra` named configs (e.g. ones planned
/// for training), as a table or as JSON.
pub fn run(as_json: bool, extra: &[(String, ModelConfig)]) -> Result<ExitCode, Error> {
    let rows: Vec<Row> = variants()
        .into_iter()
        .map(|v| Row { name: v.name.into(), summary: v.summary.into(), config: v.config, paper: v.paper })
        .chain(extra.iter().map(|(name, config)| Row {
            name: name.clone(),
            summary: "config file".into(),
            config: config.clone(),
            paper: None,
        }))
        .collect();
    if as_json {
        let list: Vec<_> = rows
            .iter()
            .map(|v| {
                let cost = v.config.cost();
                json!({
                    "name": v.name,
                    "arch": v.config.arch_name(),
                    "summary": v.summary,
                    "params": cost.params,
                    "flops": cost.macs,
                    "flops_unit": "multiply-adds",
                    "input_size": v.config.image_size,
                    "num_classes": v.config.num_classes,
                    "paper_params_m": v.paper.map(|p| p.params_m),
                    "paper_gflops": v.paper.map(|p| p.gmacs),
                    "paper_top1": v.paper.and_then(|p| p.top1),
                    "config": v.config,
                    "shipped": SHIPPED.contains(&v.name.as_str()),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list).expect("JSON of plain values"));
        return Ok(ExitCode::SUCCESS);
    }
    let width = rows.iter().map(|v| v.name.len()).max().unwrap_or(7);
    println!(
        "{:<width$} {:>9} {:>9} {:>7} {:>7}   {:<16} summary",
        "variant", "params", "GFLOPs", "input", "classes", "paper (M / G)"
    );
    for v in &rows {
        let cost = v.config.cost();
        let paper = v.paper.map_or(String::from("-"), |p| format!("{:.1} / {:.1}", p.params_m, p.gmacs));
        println!(
            "{:<width$} {:>8.2}M {:>9.3} {:>7} {:>7}   {:<16} {}",
            v.name,
            cost.params as f64 / 1e6,
            cost.macs as f64 / 1e9,
            format!("{0}×{0}", v.config.image_size),
            v.config.num_classes,
            paper,
            v.summary
        );
    }
    println!("FLOPs are multiply-adds of the linear and convolution layers, as the papers count them.");
    Ok(ExitCode::SUCCESS)
}
