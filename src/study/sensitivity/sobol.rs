//! Variance-based sensitivity indices of a plain function on the unit hypercube: Saltelli
//! sampling, the Saltelli (2010) first-order and Jansen (1999) total-order estimators, and
//! percentile bootstrap intervals.
//!
//! The design is plain Monte Carlo from ChaCha streams, not a low-discrepancy sequence. Why:
//! the bootstrap resamples rows as independent draws, which is exact for Monte Carlo rows and
//! only a heuristic for quasi-random ones; a Sobol sequence needs direction-number tables for
//! 2k dimensions (k can be in the hundreds); and in negsim every evaluation carries Monte Carlo
//! noise of its own, which eats most of what quasi-random points would gain.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rayon::prelude::*;

/// Bootstrap resamples behind each interval.
pub const BOOTSTRAP: usize = 1000;

/// A ChaCha stream for one purpose of an analysis. The tag in the key keeps these streams apart
/// from the per-run streams of [`crate::engine::rng`], whose keys are the bare seed.
fn tagged_rng(seed: u64, tag: &[u8; 8], stream: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(tag);
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream);
    rng
}

/// A uniform draw strictly inside (0, 1), so that quantile functions stay finite.
fn open01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// The Saltelli design: two independent `n × k` matrices A and B of uniforms; the evaluation
/// points are the rows of A, of B, and of each `AB_i` (A with column `i` taken from B).
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Rows (base samples).
    pub n: usize,
    /// Factors.
    pub k: usize,
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Design {
    /// Draws the design: row `j` comes from stream `j` (k words for A, then k for B), so a
    /// larger `n` keeps the first rows.
    pub fn new(n: usize, k: usize, seed: u64) -> Design {
        let mut a = Vec::with_capacity(n * k);
        let mut b = Vec::with_capacity(n * k);
        for j in 0..n {
            let mut rng = tagged_rng(seed, b"saltelli", j as u64);
            a.extend((0..k).map(|_| open01(&mut rng)));
            b.extend((0..k).map(|_| open01(&mut rng)));
        }
        Design { n, k, a, b }
    }

    /// Number of evaluation points, `n · (k + 2)`.
    pub fn evaluations(&self) -> usize {
        self.n * (self.k + 2)
    }

    /// Writes evaluation point `e` into `u`: `e < n` is row `e` of A, `n <= e < 2n` row `e - n`
    /// of B, and `2n + i·n + j` row `j` of `AB_i`.
    pub fn point(&self, e: usize, u: &mut [f64]) {
        let (n, k) = (self.n, self.k);
        if e < n {
            u.copy_from_slice(&self.a[e * k..(e + 1) * k]);
        } else if e < 2 * n {
            u.copy_from_slice(&self.b[(e - n) * k..(e - n + 1) * k]);
        } else {
            let (i, j) = ((e - 2 * n) / n, (e - 2 * n) % n);
            u.copy_from_slice(&self.a[j * k..(j + 1) * k]);
            u[i] = self.b[j * k + i];
        }
    }
}

/// Point estimates of the indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Indices {
    /// Mean output over the rows of A and B.
    pub mean: f64,
    /// Variance of the output over the rows of A and B (the denominator of every index).
    pub variance: f64,
    /// First-order indices (NaN when the output does not vary).
    pub s1: Vec<f64>,
    /// Total-order indices (NaN when the output does not vary).
    pub st: Vec<f64>,
}

/// Indices with their bootstrap 95% intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Point estimates.
    pub indices: Indices,
    /// Percentile bootstrap 95% interval of each first-order index.
    pub s1_ci: Vec<[f64; 2]>,
    /// Percentile bootstrap 95% interval of each total-order index.
    pub st_ci: Vec<[f64; 2]>,
}

/// The estimators over the rows `rows` (the identity, or a bootstrap resample) of outputs `y`
/// laid out as in [`Design::point`].
fn indices_over(n: usize, k: usize, y: &[f64], rows: &[usize]) -> Indices {
    let m = rows.len() as f64;
    let (fa, fb) = (&y[..n], &y[n..2 * n]);
    let mean = rows.iter().map(|&j| fa[j] + fb[j]).sum::<f64>() / (2.0 * m);
    let variance = rows
        .iter()
        .map(|&j| (fa[j] - mean).powi(2) + (fb[j] - mean).powi(2))
        .sum::<f64>()
        / (2.0 * m);
    let mut s1 = Vec::with_capacity(k);
    let mut st = Vec::with_capacity(k);
    for i in 0..k {
        let fab = &y[(2 + i) * n..(3 + i) * n];
        let (mut first, mut total) = (0.0, 0.0);
        for &j in rows {
            // Centring f_B leaves the expectation unchanged (f_A and f_AB_i have the same
            // mean) and removes the variance that the output's mean adds to the estimator.
            first += (fb[j] - mean) * (fab[j] - fa[j]);
            total += (fa[j] - fab[j]).powi(2);
        }
        let (first, total) = if variance > 0.0 {
            (first / m / variance, total / (2.0 * m) / variance)
        } else {
            (f64::NAN, f64::NAN)
        };
        s1.push(first);
        st.push(total);
    }
    Indices {
        mean,
        variance,
        s1,
        st,
    }
}

/// Estimates the indices from the outputs `y` at the points of `design` (in the order of
/// [`Design::point`]), with `bootstrap` resamples of the rows drawn from ChaCha streams of
/// `seed` (resample `b` from stream `b`: the same intervals for any thread count).
pub fn estimate(design: &Design, y: &[f64], bootstrap: usize, seed: u64) -> Estimate {
    let (n, k) = (design.n, design.k);
    assert_eq!(y.len(), design.evaluations(), "one output per design point");
    let all: Vec<usize> = (0..n).collect();
    let indices = indices_over(n, k, y, &all);
    let resamples: Vec<Indices> = (0..bootstrap as u64)
        .into_par_iter()
        .map(|b| {
            let mut rng = tagged_rng(seed, b"bootstrp", b);
            let rows: Vec<usize> = (0..n)
                .map(|_| ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize)
                .collect();
            indices_over(n, k, y, &rows)
        })
        .collect();
    let ci = |pick: &dyn Fn(&Indices) -> f64| -> [f64; 2] {
        let mut v: Vec<f64> = resamples.iter().map(pick).filter(|x| !x.is_nan()).collect();
        v.sort_by(f64::total_cmp);
        [percentile(&v, 0.025), percentile(&v, 0.975)]
    };
    let s1_ci = (0..k).map(|i| ci(&|r: &Indices| r.s1[i])).collect();
    let st_ci = (0..k).map(|i| ci(&|r: &Indices| r.st[i])).collect();
    Estimate {
        indices,
        s1_ci,
        st_ci,
    }
}

/// The `q`-quantile of sorted values by linear interpolation (NaN when empty).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        len => {
            let h = q * (len - 1) as f64;
            let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Sobol indices of `f` on the unit hypercube `(0, 1)^k` from `n` base rows (`n · (k + 2)`
/// evaluations of `f`, in parallel), with bootstrap 95% intervals.
pub fn sobol_indices<F>(k: usize, n: usize, seed: u64, bootstrap: usize, f: F) -> Estimate
where
    F: Fn(&[f64]) -> f64 + Sync,
{
    let design = Design::new(n, k, seed);
    let y: Vec<f64> = (0..design.evaluations())
        .into_par_iter()
        .map_init(
            || vec![0.0; k],
            |u, e| {
                design.point(e, u);
                f(u)
            },
        )
        .collect();
    estimate(&design, &y, bootstrap, seed)
}
