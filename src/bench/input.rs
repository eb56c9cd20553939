//! The benchmark input: standard-normal values from a fixed seed, the same
//! natively, in the browser and in the peers' files.

/// `len` values ~ N(0, 1) from `seed` (SplitMix64, Box–Muller), identical
/// on every platform.
pub fn bench_input(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits in (0, 1].
        ((z >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    };
    let mut values = Vec::with_capacity(len + 1);
    while values.len() < len {
        let (u1, u2) = (uniform(), uniform());
        let radius = (-2.0 * u1.ln()).sqrt();
        let angle = std::f64::consts::TAU * u2;
        values.push((radius * angle.cos()) as f32);
        values.push((radius * angle.sin()) as f32);
    }
    values.truncate(len);
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_deterministic_and_standard_normal() {
        let values = bench_input(100_001, 7);
        assert_eq!(values.len(), 100_001);
        assert_eq!(values, bench_input(100_001, 7));
        assert_ne!(values[..10], bench_input(10, 8)[..]);
        let n = values.len() as f64;
        let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = values.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
        let beyond_two = values.iter().filter(|v| v.abs() > 2.0).count() as f64 / n;
        assert!((beyond_two - 0.0455).abs() < 0.004, "P(|x| > 2) = {beyond_two}");
    }
}
