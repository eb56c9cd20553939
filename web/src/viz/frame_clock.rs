//! Frame timing of the panel's animations: how long drawing a frame takes
//! and how often frames come, as medians over the last second or so.

use shiftscope::latency::LatencyWindow;

/// Frames between two reports.
const REPORT_EVERY: u32 = 30;

/// Draw durations and frame intervals of an animation.
pub struct FrameClock {
    draw: LatencyWindow,
    interval: LatencyWindow,
    last_frame: Option<f64>,
    frames: u32,
}

impl Default for FrameClock {
    fn default() -> Self {
        Self { draw: LatencyWindow::new(60), interval: LatencyWindow::new(60), last_frame: None, frames: 0 }
    }
}

impl FrameClock {
    /// Records a frame shown at `now` (ms) that took `draw_ms` to draw;
    /// every few frames returns the medians `(draw ms, interval ms)`.
    pub fn record(&mut self, now: f64, draw_ms: f64) -> Option<(f64, f64)> {
        self.draw.push(draw_ms);
        if let Some(last) = self.last_frame.replace(now) {
            self.interval.push(now - last);
        }
        self.frames += 1;
        if !self.frames.is_multiple_of(REPORT_EVERY) {
            return None;
        }
        Some((self.draw.median()?, self.interval.median()?))
    }
}
