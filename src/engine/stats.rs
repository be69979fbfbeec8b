//! Statistics: the per-deadline tally of runs (exact integer sufficient statistics, so that any
//! merge order gives the same bytes) and the interval estimates drawn from it.

use crate::engine::model::{Instance, Model};
use crate::engine::protocol::{End, RunResult};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;

/// Fixed-point scale of utility sums: utilities are summed as integers in units of 1e-9, which
/// makes sums exact and associative (thread count and merge order cannot change a digit).
pub const FIXED_SCALE: f64 = 1e9;

/// Converts a utility to fixed point.
#[inline]
pub fn to_fixed(x: f64) -> i64 {
    (x * FIXED_SCALE).round() as i64
}

/// Most distinct agreed packages a tally counts one by one. Why a bound: in a large outcome
/// space nearly every agreement is a new package, and a map of them all would make memory grow
/// with the number of runs. Beyond it the tally keeps no package counts (see
/// [`Tally::packages_overflow`]); everything else stays exact.
pub const MAX_PACKAGES: usize = 4096;

/// Sufficient statistics of the runs at one deadline.
///
/// It serializes (for shard files) with the packages as a sorted list, so that the same tally
/// always gives the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    /// The deadline in rounds.
    pub deadline: u32,
    /// Runs tallied.
    pub runs: u64,
    /// Runs that ended in agreement.
    pub agreements: u64,
    /// Runs that ran out of time.
    pub expired: u64,
    /// Runs ended by each agent's walk-out.
    pub walkouts: Vec<u64>,
    /// `round_hist[r]`: agreements reached in round `r` (index 0 unused).
    pub round_hist: Vec<u64>,
    /// `option_counts[k]`: agreements containing flat option `k`.
    pub option_counts: Vec<u64>,
    /// Count of each agreed package (empty once `packages_overflow` is set).
    #[serde(serialize_with = "packages_out", deserialize_with = "packages_in")]
    pub packages: HashMap<Vec<u8>, u64>,
    /// Set when the runs agreed on more than [`MAX_PACKAGES`] distinct packages: `packages`
    /// is then empty and the most frequent packages are not known. The rule depends only on
    /// the set of runs (never on how they were split), so merging shards or threads still
    /// gives the single-process bytes: a part that overflowed holds more than the bound, and
    /// so does any union with it; parts that did not hold exact counts, and their union
    /// overflows exactly when it has more than the bound.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub packages_overflow: bool,
    /// Per agent, sum over agreements of its utility (fixed point).
    pub utility_sum: Vec<i64>,
    /// Per agent, sum over agreements of utility minus reservation value (fixed point).
    pub gain_sum: Vec<i64>,
    /// Per agent, runs without agreement in which it rejected the last package on the table.
    pub blocked: Vec<u64>,
    /// Per agent, sum over agreements of its discounted utility `discount^round · utility`
    /// (fixed point); empty when no agent discounts, so that such tallies keep their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discounted_sum: Vec<i64>,
}

impl Tally {
    /// An empty tally for `model` at `deadline`.
    pub fn new(model: &Model, deadline: u32) -> Tally {
        let na = model.n_agents();
        Tally {
            deadline,
            runs: 0,
            agreements: 0,
            expired: 0,
            walkouts: vec![0; na],
            round_hist: vec![0; deadline as usize + 1],
            option_counts: vec![0; model.n_opts],
            packages: HashMap::new(),
            packages_overflow: false,
            utility_sum: vec![0; na],
            gain_sum: vec![0; na],
            blocked: vec![0; na],
            discounted_sum: if model.scenario.agents.iter().any(|a| a.discount < 1.0) {
                vec![0; na]
            } else {
                Vec::new()
            },
        }
    }

    /// Adds one run's result.
    pub fn add(&mut self, model: &Model, inst: &Instance, res: &RunResult) {
        self.runs += 1;
        match res.end {
            End::Agreement { round } => {
                self.agreements += 1;
                self.round_hist[round as usize] += 1;
                for (t, &o) in res.package.iter().enumerate() {
                    self.option_counts[model.offsets[t] + o as usize] += 1;
                }
                if !self.packages_overflow {
                    match self.packages.get_mut(&res.package) {
                        Some(c) => *c += 1,
                        None => {
                            self.packages.insert(res.package.clone(), 1);
                            self.check_packages();
                        }
                    }
                }
                for a in 0..model.n_agents() {
                    let u = inst.utility(model, a, &res.package);
                    self.utility_sum[a] += to_fixed(u);
                    self.gain_sum[a] += to_fixed(u - inst.no_deal_value(a, round));
                    if let Some(d) = self.discounted_sum.get_mut(a) {
                        *d += to_fixed(discounted(model, a, round, u));
                    }
                }
                return;
            }
            End::WalkOut { agent, .. } => self.walkouts[agent] += 1,
            End::Expired => self.expired += 1,
        }
        for a in 0..model.n_agents() {
            if res.last_rejecters & (1 << a) != 0 {
                self.blocked[a] += 1;
            }
        }
    }

    /// Adds another tally of the same deadline (exact and order-independent).
    pub fn merge(&mut self, other: &Tally) {
        debug_assert_eq!(self.deadline, other.deadline);
        self.runs += other.runs;
        self.agreements += other.agreements;
        self.expired += other.expired;
        add_vec(&mut self.walkouts, &other.walkouts);
        add_vec(&mut self.round_hist, &other.round_hist);
        add_vec(&mut self.option_counts, &other.option_counts);
        add_vec(&mut self.utility_sum, &other.utility_sum);
        add_vec(&mut self.gain_sum, &other.gain_sum);
        add_vec(&mut self.blocked, &other.blocked);
        if self.discounted_sum.is_empty() {
            self.discounted_sum.clone_from(&other.discounted_sum);
        } else {
            add_vec(&mut self.discounted_sum, &other.discounted_sum);
        }
        if other.packages_overflow {
            self.packages_overflow = true;
        }
        if !self.packages_overflow {
            for (k, v) in &other.packages {
                *self.packages.entry(k.clone()).or_insert(0) += v;
            }
        }
        self.check_packages();
    }

    /// Drops the package counts once they are more than [`MAX_PACKAGES`] (or overflowed).
    fn check_packages(&mut self) {
        if self.packages_overflow || self.packages.len() > MAX_PACKAGES {
            self.packages_overflow = true;
            self.packages = HashMap::new();
        }
    }

    /// Runs that ended in a walk-out by anyone.
    pub fn total_walkouts(&self) -> u64 {
        self.walkouts.iter().sum()
    }

    /// Mean round of agreement, if any.
    pub fn mean_round(&self) -> Option<f64> {
        (self.agreements > 0).then(|| {
            let s: u64 = self
                .round_hist
                .iter()
                .enumerate()
                .map(|(r, c)| r as u64 * c)
                .sum();
            s as f64 / self.agreements as f64
        })
    }

    /// Median round of agreement (the lower median), if any.
    pub fn median_round(&self) -> Option<u32> {
        if self.agreements == 0 {
            return None;
        }
        let half = self.agreements.div_ceil(2);
        let mut acc = 0;
        for (r, c) in self.round_hist.iter().enumerate() {
            acc += c;
            if acc >= half {
                return Some(r as u32);
            }
        }
        None
    }

    /// P(agreement within `k` rounds) at this deadline.
    pub fn p_within(&self, k: u32) -> f64 {
        if self.runs == 0 {
            return 0.0;
        }
        let n: u64 = self.round_hist.iter().take(k as usize + 1).sum();
        n as f64 / self.runs as f64
    }

    /// The `n` most frequent agreed packages, most frequent first (ties by package order);
    /// none when the counts overflowed ([`Tally::packages_overflow`]).
    pub fn top_packages(&self, n: usize) -> Vec<(&[u8], u64)> {
        let mut v: Vec<(&[u8], u64)> = self
            .packages
            .iter()
            .map(|(k, c)| (k.as_slice(), *c))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }
}

/// Agent `a`'s discounted utility `discount^round · u` of an agreement worth `u` in `round`.
#[inline]
pub fn discounted(model: &Model, a: usize, round: u32, u: f64) -> f64 {
    let d = model.scenario.agents[a].discount;
    if d == 1.0 {
        u
    } else {
        d.powi(round as i32) * u
    }
}

/// Writes the package counts as `[[options...], count]` pairs in package order.
fn packages_out<S: Serializer>(p: &HashMap<Vec<u8>, u64>, s: S) -> Result<S::Ok, S::Error> {
    let mut v: Vec<(&Vec<u8>, &u64)> = p.iter().collect();
    v.sort();
    v.serialize(s)
}

/// Reads package counts written by [`packages_out`].
fn packages_in<'de, D: Deserializer<'de>>(d: D) -> Result<HashMap<Vec<u8>, u64>, D::Error> {
    let v: Vec<(Vec<u8>, u64)> = Vec::deserialize(d)?;
    Ok(v.into_iter().collect())
}

fn add_vec<T: Copy + std::ops::AddAssign>(a: &mut [T], b: &[T]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += *y;
    }
}

/// z-value of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval for `k` successes in `n` trials at normal quantile `z`.
pub fn wilson(k: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n_f = n as f64;
    let p = k as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    // Exact at the boundaries: the interval must contain the estimate even after rounding.
    let low = if k == 0 {
        0.0
    } else {
        (centre - half).max(0.0).min(p)
    };
    let high = if k == n {
        1.0
    } else {
        (centre + half).min(1.0).max(p)
    };
    (low, high)
}
