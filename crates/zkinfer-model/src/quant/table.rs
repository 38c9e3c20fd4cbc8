//! Function tables: the one definition of every non-linear function's integer semantics.

use serde::{Deserialize, Serialize};

use super::round_away;

/// A non-linear function evaluated through a lookup table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TableFn {
    /// `x` if `x ≥ 0` else `alpha · x`.
    LeakyRelu {
        /// Negative slope (the f32 from the model, evaluated in f64).
        alpha: f32,
    },
    /// `min(max(x, lo), hi)`; a missing bound is unbounded.
    Clip {
        /// Lower bound.
        lo: Option<f32>,
        /// Upper bound.
        hi: Option<f32>,
    },
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// `tanh(x)`.
    Tanh,
    /// `erf(x)` (see [`erf`]).
    Erf,
    /// `x · (1 + erf(x / √2)) / 2`.
    GeluErf,
    /// `x · (1 + tanh(√(2/π) · (x + 0.044715 x³))) / 2`.
    GeluTanh,
    /// `e^x`.
    Exp,
}

impl TableFn {
    /// The real function, in f64.
    pub fn real(&self, x: f64) -> f64 {
        match *self {
            TableFn::LeakyRelu { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    f64::from(alpha) * x
                }
            }
            TableFn::Clip { lo, hi } => {
                let y = lo.map_or(x, |l| x.max(f64::from(l)));
                hi.map_or(y, |h| y.min(f64::from(h)))
            }
            TableFn::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            TableFn::Tanh => x.tanh(),
            TableFn::Erf => erf(x),
            TableFn::GeluErf => 0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2)),
            TableFn::GeluTanh => {
                let k = (2.0 / std::f64::consts::PI).sqrt();
                0.5 * x * (1.0 + (k * (x + 0.044715 * x * x * x)).tanh())
            }
            TableFn::Exp => x.exp(),
        }
    }

    /// THE table entry: `round(f(q_in · 2^-in_scale) · 2^out_scale)`, computed in f64 with ties
    /// rounded away from zero (saturating to i64). Used by the interpreter and by the prover.
    pub fn eval(&self, q_in: i64, in_scale: i32, out_scale: i32) -> i64 {
        let x = q_in as f64 * (-f64::from(in_scale)).exp2();
        round_away(self.real(x) * f64::from(out_scale).exp2())
    }

    /// The whole table over `[lo, hi]` (the signed act_bits range), entry `i` for input `lo + i`.
    pub fn table(&self, lo: i64, hi: i64, in_scale: i32, out_scale: i32) -> Vec<i64> {
        (lo..=hi)
            .map(|q| self.eval(q, in_scale, out_scale))
            .collect()
    }
}

/// The error function, Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5·10⁻⁷, far below the 2⁻¹⁶
/// resolution of a 16-bit table), odd-extended to negative inputs.
pub fn erf(x: f64) -> f64 {
    const P: f64 = 0.327_591_1;
    const A: [f64; 5] = [
        0.254_829_592,
        -0.284_496_736,
        1.421_413_741,
        -1.453_152_027,
        1.061_405_429,
    ];
    let s = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + P * x);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    s * (1.0 - poly * (-x * x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eval_rounds_half_away() {
        // leaky 0.5 at q=-3, scales 0: -1.5 -> -2.
        assert_eq!(TableFn::LeakyRelu { alpha: 0.5 }.eval(-3, 0, 0), -2);
        assert_eq!(TableFn::Sigmoid.eval(0, 8, 8), 128);
        assert_eq!(TableFn::Tanh.eval(i64::from(i16::MAX), 8, 12), 4096);
        assert!((erf(0.5) - 0.520_499_877_8).abs() < 2e-7);
        assert_eq!(
            TableFn::Clip {
                lo: Some(0.0),
                hi: Some(6.0)
            }
            .eval(7 << 4, 4, 4),
            96
        );
    }
}
