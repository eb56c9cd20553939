//! What the app's bench page (`?bench&…`) is asked to time, read from its
//! query string.

use super::{DEFAULT_BATCHES, DEFAULT_RUNS, DEFAULT_WARMUP};

/// The bench page's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct PageParams {
    /// `webgpu`, `cpu`, or `None` for the app's own choice.
    pub device: Option<String>,
    /// Models to time (shipped names or registry variants).
    pub models: Vec<String>,
    /// A directory URL written by `shiftscope bench --export`: weights and
    /// configs come from there instead of the shipped files.
    pub source: Option<String>,
    /// Batch sizes.
    pub batches: Vec<usize>,
    /// Timed runs per configuration.
    pub runs: usize,
    /// Untimed runs first.
    pub warmup: usize,
    /// Side of the square matrix product that measures the peak (0: skip).
    pub peak_side: usize,
}

impl PageParams {
    /// Parses `bench&device=cpu&models=a,b&batches=1,8&runs=30&warmup=3&source=…&peak=1024`
    /// (leading `?` optional); `default_models` when none are named.
    pub fn parse(query: &str, default_models: &[&str]) -> Result<Self, String> {
        let mut params = Self {
            device: None,
            models: default_models.iter().map(|m| m.to_string()).collect(),
            source: None,
            batches: DEFAULT_BATCHES.to_vec(),
            runs: DEFAULT_RUNS,
            warmup: DEFAULT_WARMUP,
            peak_side: 1024,
        };
        for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let number = |v: &str| v.parse::<usize>().map_err(|_| format!("`{key}` must be a whole number, not `{v}`"));
            match key {
                "bench" => {}
                "device" if value == "webgpu" || value == "cpu" => params.device = Some(value.into()),
                "device" => return Err(format!("device must be `webgpu` or `cpu`, not `{value}`")),
                "models" => params.models = value.split(',').filter(|m| !m.is_empty()).map(String::from).collect(),
                "source" => params.source = Some(value.trim_end_matches('/').to_string()),
                "batches" => params.batches = value.split(',').map(number).collect::<Result<_, _>>()?,
                "runs" => params.runs = number(value)?,
                "warmup" => params.warmup = number(value)?,
                "peak" => params.peak_side = number(value)?,
                other => return Err(format!("unknown bench parameter `{other}`")),
            }
        }
        check_plan(&params.models, &params.batches, params.runs)?;
        Ok(params)
    }
}

/// Refuses a benchmark that would time nothing: no model, no or a zero
/// batch size, or no timed run.
pub fn check_plan(models: &[String], batches: &[usize], runs: usize) -> Result<(), String> {
    if models.is_empty() || batches.is_empty() || batches.contains(&0) || runs == 0 {
        return Err("name at least one model, positive batch sizes and at least one run".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let defaults = PageParams::parse("?bench", &["a", "b"]).unwrap();
        assert_eq!(defaults.models, vec!["a", "b"]);
        assert_eq!((defaults.batches.clone(), defaults.runs, defaults.warmup), (vec![1, 8], 30, 3));
        let custom =
            PageParams::parse("bench&device=cpu&models=x&batches=2,4&runs=5&warmup=0&source=/e/&peak=0", &["a"])
                .unwrap();
        assert_eq!(custom.device.as_deref(), Some("cpu"));
        assert_eq!((custom.models, custom.batches, custom.runs, custom.warmup), (vec!["x".into()], vec![2, 4], 5, 0));
        assert_eq!((custom.source.as_deref(), custom.peak_side), (Some("/e"), 0));
    }

    #[test]
    fn bad_values_are_explained() {
        let error = |q: &str| PageParams::parse(q, &["a"]).unwrap_err();
        assert!(error("bench&runs=many").contains("`runs` must be a whole number"));
        assert!(error("bench&device=tpu").contains("webgpu"));
        assert!(error("bench&colour=red").contains("unknown bench parameter `colour`"));
        assert!(error("bench&batches=0").contains("positive batch sizes"));
        assert!(error("bench&models=").contains("at least one model"));
    }
}
