//! `shiftscope eval`: accuracy of weights on a dataset's test split.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use shiftscope::data::{load_split, BatchLoader};
use shiftscope::eval::evaluate;
use shiftscope::weights::Spec;
use shiftscope::{Device, Error};

/// Evaluates `weights` on the test split of `data` (the first
/// `per_class` images of each class when given).
pub fn run(
    requested: Option<&Spec>,
    weights: &Path,
    data: &Path,
    per_class: Option<usize>,
    as_json: bool,
) -> Result<ExitCode, Error> {
    let device = Device::flex();
    let engine = super::load_engine(weights, requested, &device)?;
    let preprocess = engine.preprocess();
    let mut test = load_split(data, "test", &preprocess, None)?;
    if let Some(n) = per_class {
        test = test.first_per_class(n);
    }
    if engine.profile().is_unnamed() && test.classes.len() == engine.config().num_classes {
        eprintln!("note: {} names no classes; the test split's are taken in its order", weights.display());
    } else if test.classes != engine.profile().classes {
        return Err(Error::InvalidConfig(format!(
            "the test split's classes ({}) are not the weights' ({}) in the same order",
            test.classes.join(", "),
            engine.profile().classes.join(", ")
        )));
    }
    let classes = test.classes.clone();
    let loader = BatchLoader::evaluation(Arc::new(test), 250, preprocess, &device);
    let evaluation = evaluate(&engine, &loader, classes)?;
    let calibration = evaluation.calibration();
    if as_json {
        let value = serde_json::json!({
            "weights": weights.display().to_string(),
            "images": evaluation.count(),
            "top1": evaluation.top1(),
            "per_class": evaluation.per_class(),
            "classes": evaluation.classes,
            "confusion": evaluation.confusion,
            "calibration": calibration,
        });
        println!("{}", serde_json::to_string_pretty(&value).expect("JSON of plain values"));
    } else {
        print!("{}\n{}", evaluation.report(), calibration.report());
    }
    Ok(ExitCode::SUCCESS)
}
