//! What the worlds say, per deadline: the spread of P across worlds, how much of that spread
//! is the assumptions' (not the runs per world), the interval of the pooled P under common
//! random numbers, and which uncertain parameters go with P (rank correlation across worlds).

use super::WorldsOutcome;
use crate::engine::model::Model;
use crate::engine::stats::{Z95, wilson};
use serde::Serialize;

/// How many parameters each deadline lists as going with P.
pub const TOP_DRIVERS: usize = 3;

/// The worlds of a report, as a whole.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WorldsReport {
    /// Worlds played (each one draw of every uncertain number).
    pub worlds: u64,
    /// Runs of play per world.
    pub runs_per_world: u64,
    /// Share of the worlds with a zone of agreement (null when the outcome space is too
    /// large to check).
    pub zopa_share: Option<f64>,
}

/// The worlds at one deadline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WorldsAtDeadline {
    /// 5th percentile of the worlds' P(agreement).
    pub p05: f64,
    /// Median of the worlds' P(agreement).
    pub p50: f64,
    /// 95th percentile of the worlds' P(agreement).
    pub p95: f64,
    /// Share of the variance of P across worlds that the assumptions make (the rest is the
    /// Monte Carlo noise of the runs per world); null when P does not vary across worlds.
    pub assumption_share: Option<f64>,
    /// The uncertain parameters most rank-correlated with P across worlds, strongest first.
    pub drivers: Vec<Driver>,
}

/// An uncertain parameter and how it goes with P across worlds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Driver {
    /// Its path in the scenario file.
    pub path: String,
    /// Its name in the scenario's words.
    pub label: String,
    /// Spearman rank correlation of its value with the worlds' P (ties get mean ranks).
    pub rank_correlation: f64,
}

impl WorldsOutcome {
    /// The summary of the worlds as a whole.
    pub fn report(&self) -> WorldsReport {
        WorldsReport {
            worlds: self.agreements.len() as u64,
            runs_per_world: self.runs.iter().copied().max().unwrap_or(0),
            zopa_share: self.zopa_share(),
        }
    }

    /// The summary at deadline index `d` (`None` when no world was played).
    pub fn at_deadline(&self, model: &Model, d: usize) -> Option<WorldsAtDeadline> {
        let spread = self.spread(d)?;
        let p = self.p_by_world(d);
        let var = sample_variance(&p);
        let noise: f64 = self
            .agreements
            .iter()
            .zip(&self.runs)
            .filter(|(_, n)| **n > 1)
            .map(|(a, &n)| {
                let q = a[d] as f64 / n as f64;
                q * (1.0 - q) / (n - 1) as f64
            })
            .sum::<f64>()
            / p.len() as f64;
        // Worlds that all agree exactly have no spread to apportion (a sum of equal floats
        // can leave a variance of 1e-34).
        let varies = p.iter().any(|&x| x != p[0]);
        let assumption_share = (varies && var > 0.0).then(|| ((var - noise) / var).clamp(0.0, 1.0));
        let played: Vec<usize> = (0..self.runs.len()).filter(|&w| self.runs[w] > 0).collect();
        let mut drivers: Vec<Driver> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(j, slot)| {
                let x: Vec<f64> = played.iter().map(|&w| self.params[w][j]).collect();
                let rho = spearman(&x, &p)?;
                Some(Driver {
                    path: slot.path(&model.scenario),
                    label: slot.label(&model.scenario),
                    rank_correlation: rho,
                })
            })
            .collect();
        // Strongest first; the draw order breaks ties, so the list is deterministic.
        drivers.sort_by(|a, b| {
            b.rank_correlation
                .abs()
                .total_cmp(&a.rank_correlation.abs())
        });
        drivers.truncate(TOP_DRIVERS);
        Some(WorldsAtDeadline {
            p05: spread.p05,
            p50: spread.p50,
            p95: spread.p95,
            assumption_share,
            drivers,
        })
    }

    /// The 95% interval of the pooled P at deadline index `d`: the wider of the Wilson
    /// interval of all runs and a normal interval whose variance `s_w²/K + s_r²/n` counts the
    /// worlds (`s_w²`, variance of the worlds' P) and the runs (`s_r²`, variance over run
    /// indices of the share of worlds agreeing) as the two crossed sources they are: every
    /// world replays the same run streams, so neither alone is the Monte Carlo error.
    pub fn pooled_interval(&self, d: usize) -> [f64; 2] {
        let t = &self.pooled[d];
        let (lo, hi) = wilson(t.agreements, t.runs, Z95);
        let p = self.p_by_world(d);
        let k = p.len();
        if k == 0 || t.runs == 0 {
            return [lo, hi];
        }
        let pooled = t.agreements as f64 / t.runs as f64;
        let per_run: Vec<f64> = self.run_agreements[d]
            .iter()
            .map(|&c| f64::from(c) / k as f64)
            .collect();
        let n = self.runs.iter().copied().max().unwrap_or(0).max(1) as f64;
        let se = (sample_variance(&p) / k as f64 + sample_variance(&per_run) / n).sqrt();
        let half = Z95 * se;
        [
            lo.min((pooled - half).max(0.0)),
            hi.max((pooled + half).min(1.0)),
        ]
    }
}

/// The sample variance (denominator n − 1; 0 for fewer than two values).
fn sample_variance(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64
}

/// Ranks from 1, ties sharing the mean of their ranks.
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = mean;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (Pearson's on mean ranks); `None` when either side is
/// constant or has NaNs, or fewer than three pairs.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 3 || x.iter().chain(y).any(|v| v.is_nan()) {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_matches_reference_values() {
        // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233
        let r = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]).unwrap();
        assert!((r - 0.820_782_681_668_123_3).abs() < 1e-12, "{r}");
        // A monotone transform has correlation 1; a reversal −1; a constant none.
        let x = [0.1, 0.5, 0.2, 0.9];
        let y: Vec<f64> = x.iter().map(|v: &f64| v.exp()).collect();
        assert_eq!(spearman(&x, &y), Some(1.0));
        let rev: Vec<f64> = x.iter().map(|v| -v).collect();
        assert_eq!(spearman(&x, &rev), Some(-1.0));
        assert_eq!(spearman(&x, &[1.0; 4]), None);
    }

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }
}
