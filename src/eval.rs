//! `shiftscope eval`: top-1, per-class accuracy and the confusion matrix of
//! a model on a labelled image set.

use burn::data::dataloader::DataLoader;
use serde::Serialize;

use crate::data::BatchLoader;
use crate::error::{Error, Result};
use crate::models::Model;

/// Counts of (true class, predicted class) pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Class names in label order.
    pub classes: Vec<String>,
    /// `confusion[truth][predicted]` image counts.
    pub confusion: Vec<Vec<usize>>,
}

impl Evaluation {
    /// Tallies predictions against labels.
    pub fn from_predictions(classes: Vec<String>, labels: &[usize], predictions: &[usize]) -> Self {
        let n = classes.len();
        let mut confusion = vec![vec![0; n]; n];
        for (&truth, &predicted) in labels.iter().zip(predictions) {
            confusion[truth][predicted] += 1;
        }
        Self { classes, confusion }
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

/// Runs `model` over every batch of `loader` and tallies its predictions.
pub fn evaluate(model: &Model, loader: &BatchLoader, classes: Vec<String>) -> Result<Evaluation> {
    let mut labels = vec![];
    let mut predictions = vec![];
    for batch in loader.iter() {
        let batch = batch.map_err(|e| Error::InvalidConfig(format!("reading a batch failed: {e}")))?;
        let predicted = model.forward(batch.images).argmax(1);
        let read = |data: burn::tensor::TensorData| {
            data.try_into_vec_as::<i64>().map_err(|e| Error::InvalidConfig(format!("readback failed: {e:?}")))
        };
        predictions.extend(read(predicted.into_data())?.into_iter().map(|p| p as usize));
        labels.extend(read(batch.targets.into_data())?.into_iter().map(|l| l as usize));
    }
    Ok(Evaluation::from_predictions(classes, &labels, &predictions))
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
