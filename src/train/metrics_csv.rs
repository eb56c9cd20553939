//! A burn metric logger that writes one CSV row per epoch and split
//! (`metrics.csv`, ready for a plot) and, when stdout is not a terminal,
//! prints a progress line every few seconds.

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use burn::train::logger::MetricLogger;
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};

/// The CSV columns after `epoch,split`, matched against burn's metric names.
const COLUMNS: [(&str, &str); 3] = [("loss", "Loss"), ("accuracy", "Accuracy"), ("learning_rate", "Learning Rate")];

/// Epoch-level CSV rows plus a plain-text progress line.
pub struct CsvMetricLogger {
    path: PathBuf,
    seconds_before: f64,
    names: HashMap<MetricId, String>,
    running: BTreeMap<String, f64>,
    started: Instant,
    last_print: Instant,
    iterations: usize,
    iterations_per_epoch: usize,
    print_progress: bool,
}

impl CsvMetricLogger {
    /// Appends to `path` (writing the header if the file is new). Rows of
    /// epochs after `keep_through` (left by an interrupted run) are dropped,
    /// and the time column goes on from the last kept row.
    pub fn new(path: PathBuf, iterations_per_epoch: usize, keep_through: usize) -> std::io::Result<Self> {
        let header: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        let mut text = format!("epoch,split,{},seconds\n", header.join(","));
        let mut seconds_before = 0.0;
        if path.exists() {
            for row in std::fs::read_to_string(&path)?.lines().skip(1) {
                let epoch = row.split(',').next().and_then(|e| e.parse::<usize>().ok());
                if epoch.is_some_and(|e| e <= keep_through) {
                    seconds_before = row.rsplit(',').next().and_then(|s| s.parse().ok()).unwrap_or(seconds_before);
                    text += row;
                    text.push('\n');
                }
            }
        }
        std::fs::write(&path, text)?;
        Ok(Self {
            seconds_before,
            path,
            names: HashMap::new(),
            running: BTreeMap::new(),
            started: Instant::now(),
            last_print: Instant::now(),
            iterations: 0,
            iterations_per_epoch,
            print_progress: !std::io::stdout().is_terminal(),
        })
    }

    fn value(&self, column: &str) -> Option<f64> {
        COLUMNS.iter().find(|c| c.0 == column).and_then(|c| self.running.get(c.1)).copied()
    }
}

fn split_name(split: &Split) -> &'static str {
    match split {
        Split::Train => "train",
        Split::Valid => "valid",
        Split::Test(_) => "test",
    }
}

impl MetricLogger for CsvMetricLogger {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        for numeric in &update.entries_numeric {
            let entry = numeric.running_entry.as_ref().or(numeric.numeric_entry.as_ref());
            if let (Some(name), Some(entry)) = (self.names.get(&numeric.entry.metric_id), entry) {
                let value = match entry {
                    NumericEntry::Value(v) | NumericEntry::Final(v) => *v,
                    NumericEntry::Aggregated { aggregated_value, .. } => *aggregated_value,
                };
                self.running.insert(name.clone(), value);
            }
        }
        self.iterations += 1;
        if self.print_progress && self.last_print.elapsed().as_secs() >= 20 {
            self.last_print = Instant::now();
            let show = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or("-".into());
            let within = match split {
                Split::Train => format!(" {}/{} steps", self.iterations, self.iterations_per_epoch),
                _ => String::new(),
            };
            let lr = self.value("learning_rate").map(|v| format!(" lr {v:.2e}")).unwrap_or_default();
            println!(
                "epoch {epoch} {}{within}: loss {} accuracy {}%{lr} ({:.0} s)",
                split_name(split),
                show(self.value("loss")),
                show(self.value("accuracy")),
                self.seconds_before + self.started.elapsed().as_secs_f64()
            );
        }
    }

    fn read_numeric(&mut self, _: &str, _: usize, _: &Split) -> Result<Vec<NumericEntry>, String> {
        Err("the CSV logger keeps epoch summaries only".into())
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        self.names.insert(definition.metric_id.clone(), definition.name.to_string());
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        let cells: Vec<String> =
            COLUMNS.iter().map(|c| self.value(c.0).map(|v| format!("{v:.6}")).unwrap_or_default()).collect();
        let row = format!(
            "{},{},{},{:.1}\n",
            summary.epoch_number,
            split_name(&summary.split),
            cells.join(","),
            self.seconds_before + self.started.elapsed().as_secs_f64()
        );
        let shown: Vec<String> =
            COLUMNS.iter().zip(&cells).filter(|(_, v)| !v.is_empty()).map(|(c, v)| format!("{} {v}", c.0)).collect();
        println!("epoch {} {} done: {}", summary.epoch_number, split_name(&summary.split), shown.join(", "));
        let written =
            std::fs::OpenOptions::new().append(true).open(&self.path).and_then(|mut f| f.write_all(row.as_bytes()));
        if let Err(e) = written {
            eprintln!("warning: cannot append to {}: {e}", self.path.display());
        }
        self.running.clear();
        self.iterations = 0;
    }
}
