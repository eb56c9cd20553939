//! The timed loop and its summary.

use std::future::Future;

use crate::error::Result;

/// Robust statistics of repeated timings, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Timed runs.
    pub runs: usize,
    /// Median (mean of the middle two for an even count).
    pub median_ms: f64,
    /// Fastest run.
    pub min_ms: f64,
    /// Slowest run.
    pub max_ms: f64,
    /// Every run, in order.
    pub samples_ms: Vec<f64>,
}

impl Summary {
    /// The summary of `samples` (an empty slice gives zeros and no runs).
    pub fn of(samples: &[f64]) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median_ms = match n {
            0 => 0.0,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Self {
            runs: n,
            median_ms,
            min_ms: sorted.first().copied().unwrap_or(0.0),
            max_ms: sorted.last().copied().unwrap_or(0.0),
            samples_ms: samples.to_vec(),
        }
    }
}

/// Runs `job` `warmup` times untimed, then `runs` times, returning each
/// timed run's duration by the millisecond clock `now`. Stops at the
/// first error.
pub async fn time_async<F, Fut, T>(warmup: usize, runs: usize, now: &dyn Fn() -> f64, mut job: F) -> Result<Vec<f64>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    for _ in 0..warmup {
        job().await?;
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = now();
        job().await?;
        samples.push(now() - start);
    }
    Ok(samples)
}

/// The physical floor of `flops` floating-point operations on a device
/// that peaks at `peak_gflops`, in milliseconds.
pub fn floor_ms(flops: f64, peak_gflops: f64) -> f64 {
    flops / (peak_gflops * 1e6)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn summary_takes_the_median_and_keeps_the_order_of_runs() {
        let summary = Summary::of(&[5.0, 1.0, 100.0, 2.0]);
        assert_eq!((summary.runs, summary.median_ms, summary.min_ms, summary.max_ms), (4, 3.5, 1.0, 100.0));
        assert_eq!(summary.samples_ms, vec![5.0, 1.0, 100.0, 2.0]);
        assert_eq!(Summary::of(&[3.0, 9.0, 4.0]).median_ms, 4.0);
        assert_eq!(Summary::of(&[]).runs, 0);
    }

    #[test]
    fn time_async_skips_the_warm_up_and_times_each_run_by_the_clock() {
        // A fake clock that advances by the job's index: run k takes k ms.
        let clock = Cell::new(0.0);
        let calls = Cell::new(0);
        let now = || clock.get();
        let job = || {
            calls.set(calls.get() + 1);
            clock.set(clock.get() + calls.get() as f64);
            std::future::ready(Ok::<_, crate::Error>(()))
        };
        let samples = futures_lite::future::block_on(time_async(2, 3, &now, job)).unwrap();
        assert_eq!(samples, vec![3.0, 4.0, 5.0]);
        assert_eq!(calls.get(), 5);
    }

    #[test]
    fn time_async_stops_at_the_first_error() {
        let calls = Cell::new(0);
        let job = || {
            calls.set(calls.get() + 1);
            let fail = calls.get() == 2;
            std::future::ready(if fail { Err(crate::Error::Device("lost".into())) } else { Ok(()) })
        };
        let result = futures_lite::future::block_on(time_async(1, 10, &|| 0.0, job));
        assert!(matches!(result, Err(crate::Error::Device(_))));
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn floor_of_one_gflop_at_one_gflops_is_a_second() {
        assert!((floor_ms(1e9, 1.0) - 1000.0).abs() < 1e-9);
        assert!((floor_ms(6.9e9 * 2.0, 100.0) - 138.0).abs() < 1e-9);
    }
}
