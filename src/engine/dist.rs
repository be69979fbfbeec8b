//! Uncertain numbers: fixed values or distributions sampled afresh in every run.
//!
//! Every parameter slot consumes exactly two generator words per run, whatever its
//! distribution. Why: a sweep that replaces one distribution by a fixed number must leave the
//! draws of every other parameter untouched (common random numbers across sweep points).

use crate::engine::rng::{uniform_open0, uniform01};
use rand_chacha::rand_core::Rng;

/// The shape of an uncertain number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// A known value.
    Fixed(f64),
    /// Normal with mean and standard deviation, clamped to the valid range.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Triangular on `[low, high]` with its peak at `mode`.
    Triangular {
        /// Lower bound.
        low: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        high: f64,
    },
}

/// An uncertain number together with the range its samples are clamped to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// The distribution.
    pub dist: Dist,
    /// Smallest valid value.
    pub min: f64,
    /// Largest valid value.
    pub max: f64,
}

impl Param {
    /// A fixed value with the given valid range.
    pub fn fixed(v: f64, min: f64, max: f64) -> Self {
        Param {
            dist: Dist::Fixed(v),
            min,
            max,
        }
    }

    /// True when the value is uncertain (a distribution other than a fixed value).
    pub fn is_uncertain(&self) -> bool {
        !matches!(self.dist, Dist::Fixed(_))
    }

    /// Draws one value, consuming exactly two words of `rng`.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let u1 = uniform_open0(rng);
        let u2 = uniform01(rng);
        let x = match self.dist {
            Dist::Fixed(v) => v,
            Dist::Normal { mean, sd } => {
                mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            }
            Dist::Uniform { low, high } => low + (high - low) * u2,
            Dist::Triangular { low, mode, high } => triangular_quantile(low, mode, high, u2),
        };
        self.clamp(x)
    }

    /// The central value used for "mean parameters" analyses (nominal mean, clamped).
    pub fn mean(&self) -> f64 {
        self.clamp(match self.dist {
            Dist::Fixed(v) => v,
            Dist::Normal { mean, .. } => mean,
            Dist::Uniform { low, high } => 0.5 * (low + high),
            Dist::Triangular { low, mode, high } => (low + mode + high) / 3.0,
        })
    }

    /// The `p`-quantile of the distribution, clamped to the valid range.
    pub fn quantile(&self, p: f64) -> f64 {
        self.clamp(match self.dist {
            Dist::Fixed(v) => v,
            Dist::Normal { mean, sd } => mean + sd * normal_quantile(p),
            Dist::Uniform { low, high } => low + (high - low) * p,
            Dist::Triangular { low, mode, high } => triangular_quantile(low, mode, high, p),
        })
    }

    fn clamp(&self, x: f64) -> f64 {
        x.clamp(self.min, self.max)
    }
}

/// Inverse CDF of the triangular distribution.
fn triangular_quantile(low: f64, mode: f64, high: f64, u: f64) -> f64 {
    let span = high - low;
    if span <= 0.0 {
        return low;
    }
    let cut = (mode - low) / span;
    if u < cut {
        low + (u * span * (mode - low)).sqrt()
    } else {
        high - ((1.0 - u) * span * (high - mode)).sqrt()
    }
}

/// Inverse CDF of the standard normal (Acklam's rational approximation, relative error < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let low = 0.024_25;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}
