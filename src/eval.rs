//! `shiftscope eval`: top-1, per-class accuracy and the confusion matrix of
//! a model on a labelled image set.

use burn::data::dataloader::DataLoader;
use serde::Serialize;

use futures_lite::future::block_on;

use crate::calibration::Calibration;
use crate::data::BatchLoader;
use crate::engine::Engine;
use crate::error::{Error, Result};

/// Counts of (true class, predicted class) pairs, and how sure the model
/// was of each prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Class names in label order.
    pub classes: Vec<String>,
    /// `confusion[truth][predicted]` image counts.
    pub confusion: Vec<Vec<usize>>,
    /// `(top-class probability, right?)` per image, in evaluation order
    /// (empty when only the classes were tallied).
    #[serde(skip)]
    pub confidences: Vec<(f32, bool)>,
}

impl Evaluation {
    /// Tallies predictions against labels.
    pub fn from_predictions(classes: Vec<String>, labels: &[usize], predictions: &[usize]) -> Self {
        let n = classes.len();
        let mut confusion = vec![vec![0; n]; n];
        for (&truth, &predicted) in labels.iter().zip(predictions) {
            confusion[truth][predicted] += 1;
        }
        Self { classes, confusion, confidences: vec![] }
    }

    /// Reliability of the top class, from the recorded confidences.
    pub fn calibration(&self) -> Calibration {
        Calibration::from_samples(&self.confidences)
    }

    /// Number of images evaluated.
    pub fn count(&self) -> usize {
        self.confusion.iter().flatten().sum()
    }

    /// Fraction of images whose top prediction is right, in percent.
    pub fn top1(&self) -> f64 {
        let correct: usize = (0..self.classes.len()).map(|i| self.confusion[i][i]).sum();
        100.0 * correct as f64 / self.count().max(1) as f64
    }

    /// Accuracy within each true class, in percent (`None` for a class with
    /// no images).
    pub fn per_class(&self) -> Vec<Option<f64>> {
        self.confusion
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let total: usize = row.iter().sum();
                (total > 0).then(|| 100.0 * row[i] as f64 / total as f64)
            })
            .collect()
    }

    /// A human-readable report: top-1, per-class accuracy, confusion matrix.
    pub fn report(&self) -> String {
        let mut out = format!("top-1 {:.2}% on {} images\n\nper class:\n", self.top1(), self.count());
        let width = self.classes.iter().map(|c| c.len()).max().unwrap_or(5).max(5);
        for (name, acc) in self.classes.iter().zip(self.per_class()) {
            let acc = acc.map(|a| format!("{a:6.2}%")).unwrap_or_else(|| "     -".into());
            out += &format!("  {name:width$} {acc}\n");
        }
        out += "\nconfusion (rows: true class, columns: predicted, in class order):\n";
        for (name, row) in self.classes.iter().zip(&self.confusion) {
            let cells: Vec<String> = row.iter().map(|n| format!("{n:5}")).collect();
            out += &format!("  {name:width$} {}\n", cells.join(""));
        }
        out
    }
}

/// Runs `engine` over every batch of `loader` and tallies its predictions
/// and their top-class probabilities (`classes` names the loader's labels).
pub fn evaluate(engine: &Engine, loader: &BatchLoader, classes: Vec<String>) -> Result<Evaluation> {
    let mut labels = vec![];
    let mut predictions = vec![];
    let mut top_probabilities = vec![];
    for batch in loader.iter() {
        let batch = batch.map_err(|e| Error::Dataset { path: "batch".into(), reason: e.to_string() })?;
        let targets = batch.targets.into_data().try_into_vec_as::<i64>();
        labels.extend(targets.map_err(|e| Error::Readback(format!("{e:?}")))?.into_iter().map(|l| l as usize));
        for (class, probability) in block_on(engine.top_classes(batch.images))? {
            predictions.push(class);
            top_probabilities.push(probability);
        }
    }
    let mut evaluation = Evaluation::from_predictions(classes, &labels, &predictions);
    evaluation.confidences =
        top_probabilities.into_iter().zip(labels.iter().zip(&predictions)).map(|(p, (l, q))| (p, l == q)).collect();
    Ok(evaluation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_accuracy_per_class_and_confusion() {
        let classes = vec!["cat".to_string(), "dog".to_string(), "emu".to_string()];
        let labels = [0, 0, 0, 1, 1, 2];
        let predicted = [0, 1, 0, 1, 0, 2];
        let e = Evaluation::from_predictions(classes, &labels, &predicted);
        assert_eq!(e.count(), 6);
        assert!((e.top1() - 400.0 / 6.0).abs() < 1e-9);
        let per = e.per_class();
        assert!((per[0].unwrap() - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(per[1], Some(50.0));
        assert_eq!(per[2], Some(100.0));
        assert_eq!(e.confusion[0], vec![2, 1, 0]);
        assert_eq!(e.confusion[1], vec![1, 1, 0]);
        assert!(e.report().contains("top-1 66.67% on 6 images"));
    }
}
