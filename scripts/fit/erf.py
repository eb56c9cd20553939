#!/usr/bin/env python3
"""Fits the rational erf that src/ops/gelu.rs evaluates in f32 (issue 16).

erf(z) ≈ z·P(z²)/Q(z²) on 0 ≤ z ≤ 4 (erf(4) rounds to 1 in f32), P of
degree 6 and Q of degree 5 with Q(0) = 1: linearised least squares
(z·P − erf·Q = 0, divided by the previous Q) with Lawson reweighting toward
the minimax solution, against Python's float64 math.erf. Prints the
coefficients rounded to f32 and the error of the f32 evaluation (Horner,
one division, the order the Rust code uses) on 400,001 points.

    /usr/bin/python3 scripts/fit/erf.py      # Debian's python3-numpy
"""
import math

import numpy as np

Z_MAX, P_DEG, Q_DEG = 4.0, 6, 5


def fit(iterations=60):
    """Best (max error, P, Q) over the reweighting iterations."""
    z = np.concatenate([np.cos(np.linspace(0, np.pi, 4000)) * Z_MAX / 2 + Z_MAX / 2, np.linspace(0, Z_MAX, 4000)])
    z = np.sort(z[z > 1e-4])
    f = np.array([math.erf(v) for v in z])
    t = z * z
    weights, q_prev, best = np.ones_like(z), np.ones_like(z), None
    for _ in range(iterations):
        a = np.concatenate([z[:, None] * t[:, None] ** np.arange(P_DEG + 1),
                            -f[:, None] * t[:, None] ** np.arange(1, Q_DEG + 1)], axis=1)
        w = (weights / q_prev)[:, None]
        solution, *_ = np.linalg.lstsq(a * w, f * w[:, 0], rcond=None)
        p, q = solution[:P_DEG + 1], np.concatenate([[1.0], solution[P_DEG + 1:]])
        q_prev = np.polyval(q[::-1], t)
        err = np.abs(z * np.polyval(p[::-1], t) / q_prev - f)
        if best is None or err.max() < best[0]:
            best = (err.max(), p.copy(), q.copy())
        weights = weights * np.sqrt(err / err.max() + 1e-3)
        weights /= weights.max()
    return best


def erf_f32(z, p, q):
    """The Rust evaluation order in f32: clamp, Horner for P and Q, z·P/Q, clamp."""
    f32 = np.float32
    z = np.clip(z.astype(f32), f32(-Z_MAX), f32(Z_MAX))
    t = z * z
    num = np.full_like(z, f32(p[-1]))
    for c in p[-2::-1]:
        num = num * t + f32(c)
    den = np.full_like(z, f32(q[-1]))
    for c in q[-2::-1]:
        den = den * t + f32(c)
    return np.clip(z * num / den, f32(-1), f32(1))


def main():
    err64, p, q = fit()
    p32, q32 = p.astype(np.float32), q.astype(np.float32)
    z = np.linspace(-5, 5, 400001)
    reference = np.array([math.erf(v) for v in z])
    err32 = np.abs(erf_f32(z, p32, q32).astype(np.float64) - reference)
    print(f"float64 fit: max |error| {err64:.2e}; f32 evaluation: max |error| {err32.max():.2e} at z = {z[err32.argmax()]:.4f}")
    print("P (z² powers 0..):", ", ".join(f"{c!r}" for c in p32.tolist()))
    print("Q (z² powers 0..):", ", ".join(f"{c!r}" for c in q32.tolist()))


if __name__ == "__main__":
    main()
