//! The latency the app shows: the median of the most recent runs, so one
//! slow frame (a pipeline compile, a garbage collection) does not swing it.

use std::collections::VecDeque;

/// The last `capacity` durations and their median.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyWindow {
    capacity: usize,
    recent: VecDeque<f64>,
}

impl LatencyWindow {
    /// A window over the last `capacity` runs (at least one).
    pub fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), recent: VecDeque::new() }
    }

    /// Records one duration in milliseconds (non-finite values are ignored).
    pub fn push(&mut self, ms: f64) {
        if !ms.is_finite() {
            return;
        }
        if self.recent.len() == self.capacity {
            self.recent.pop_front();
        }
        self.recent.push_back(ms);
    }

    /// Runs currently in the window.
    pub fn len(&self) -> usize {
        self.recent.len()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.recent.is_empty()
    }

    /// Median of the window (mean of the middle two for an even count).
    pub fn median(&self) -> Option<f64> {
        let mut sorted: Vec<f64> = self.recent.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(sorted[n / 2]),
            _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_ignores_one_outlier_and_forgets_old_runs() {
        let mut window = LatencyWindow::new(3);
        assert_eq!(window.median(), None);
        window.push(10.0);
        window.push(500.0);
        assert_eq!(window.median(), Some(255.0));
        window.push(12.0);
        assert_eq!(window.median(), Some(12.0));
        window.push(11.0);
        window.push(f64::NAN);
        window.push(13.0);
        assert_eq!(window.len(), 3, "500 ms and 10 ms have left the window");
        assert_eq!(window.median(), Some(12.0));
    }
}
