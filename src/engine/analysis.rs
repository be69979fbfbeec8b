//! Outcome-space analysis at mean parameters, as the negotiation literature does it (GENIUS,
//! NegMAS): the Pareto frontier over the signatories' utilities, the Nash bargaining point, the
//! Kalai–Smorodinsky point and the outcome of maximum social welfare, and the distance of an
//! agreement to the frontier and to the Nash point.
//!
//! Everything is measured in *mean-parameter utility space*: each signatory's utility of a
//! package at the means of its weights and values ([`Model::mean_instance`]), with the mean
//! reservation value as its disagreement point. A run's agreement is placed in that space by its
//! package, whatever that run sampled, so all runs are measured against the same frontier.
//!
//! Only *agreeable* packages count: those crossing no signatory's red line (no proposer ever
//! offers anything else). The frontier is found term by term, without listing the outcome
//! space: with additive utilities a package whose first `k` terms are dominated by another
//! choice for those terms is itself dominated, so only non-dominated partial packages are
//! extended. The work is bounded by [`WORK_BUDGET`]; beyond it the analysis is skipped.

use crate::engine::model::{Instance, Model};
use crate::engine::stats::{FIXED_SCALE, Tally, to_fixed};
use std::collections::HashMap;

/// Most pairwise dominance comparisons the frontier search may make before giving up (a few
/// tenths of a second): the analysis must never hang on a huge outcome space.
pub const WORK_BUDGET: u64 = 60_000_000;

/// Slack for "at least the reservation value", so that rounding in utility sums (0.1 + 0.2)
/// does not exclude a package that is exactly at the reservation value.
pub const RATIONAL_EPS: f64 = 1e-9;

/// Criteria closer than this count as tied, so that rounding in sums (0.3 + 0.7 against
/// 0.4 + 0.6) never decides between packages that are equally good.
pub const TIE_EPS: f64 = 1e-12;

/// A package and its utilities for the agents of the analysis, in their order.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// One option index per term.
    pub package: Vec<u8>,
    /// Utility of each agent of the analysis (mean parameters).
    pub utility: Vec<f64>,
}

/// Why an analysis was not computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    /// Packages in the outcome space (saturating).
    pub outcome_space: u128,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not computed: the outcome space ({} packages) has too many non-dominated packages to search within the work budget",
            if self.outcome_space == u128::MAX {
                "more than 10^38".to_string()
            } else {
                self.outcome_space.to_string()
            }
        )
    }
}

/// The analysis of a scenario's outcome space over its signatories.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Agent indices of the signatories: the axes of the utility space.
    pub agents: Vec<usize>,
    /// Mean reservation value of each signatory (the disagreement point).
    pub reservation: Vec<f64>,
    /// Pareto-optimal agreeable packages, one per distinct utility vector (the first package in
    /// option order), in option order.
    pub frontier: Vec<Point>,
    /// Best utility of each signatory over the packages that give every signatory at least its
    /// reservation value (`None` when there is no such package).
    pub ideal: Option<Vec<f64>>,
    /// The Nash bargaining point: the product of gains over reservation is largest.
    pub nash: Option<Point>,
    /// The Kalai–Smorodinsky point: the smallest normalized gain is largest.
    pub kalai_smorodinsky: Option<Point>,
    /// The agreeable package with the largest sum of the signatories' utilities (ties: the
    /// larger product of gains).
    pub max_welfare: Option<Point>,
    /// Mean-parameter utilities, kept to place agreements.
    inst: Instance,
}

/// Utilities of `pkg` for `agents`, summed in term order from 0 (the same order as the
/// frontier search, so a package on the frontier lands exactly on it).
pub fn utilities(model: &Model, inst: &Instance, agents: &[usize], pkg: &[u8]) -> Vec<f64> {
    let no = model.n_opts;
    agents
        .iter()
        .map(|&a| {
            pkg.iter().enumerate().fold(0.0, |acc, (t, &o)| {
                acc + inst.util[a * no + model.offsets[t] + o as usize]
            })
        })
        .collect()
}

/// Whether a package crosses no signatory's red line.
pub fn agreeable(model: &Model, pkg: &[u8]) -> bool {
    let no = model.n_opts;
    (0..model.n_agents())
        .filter(|&a| model.signatory[a])
        .all(|a| {
            pkg.iter()
                .enumerate()
                .all(|(t, &o)| !model.red[a * no + model.offsets[t] + o as usize])
        })
}

/// The Pareto frontier of the agreeable packages over the utilities of `agents` (any agents,
/// signatories or not), one package per distinct utility vector, in option order.
pub fn pareto_frontier(
    model: &Model,
    inst: &Instance,
    agents: &[usize],
) -> Result<Vec<Point>, TooLarge> {
    let too_large = || TooLarge {
        outcome_space: model.scenario.outcome_space_size(),
    };
    let no = model.n_opts;
    let na = agents.len();
    let public = model.scenario.publicly_allowed();
    // Partial packages over the first terms: flat utilities (na per entry) and flat option
    // prefixes (`len` per entry), so that a candidate costs no allocation of its own.
    let mut utils: Vec<f64> = vec![0.0; na];
    let mut pkgs: Vec<u8> = Vec::new();
    let (mut len, mut count) = (0, 1);
    let mut work = 0u64;
    for (t, allowed) in public.iter().enumerate() {
        let opts: Vec<usize> = (0..allowed.len()).filter(|&o| allowed[o]).collect();
        let mut cu = Vec::with_capacity(count * opts.len() * na);
        let mut cp = Vec::with_capacity(count * opts.len() * (len + 1));
        for i in 0..count {
            let p = &pkgs[i * len..(i + 1) * len];
            for &o in &opts {
                let k = model.offsets[t] + o;
                for (j, &a) in agents.iter().enumerate() {
                    cu.push(utils[i * na + j] + inst.util[a * no + k]);
                }
                cp.extend_from_slice(p);
                cp.push(o as u8);
            }
        }
        len += 1;
        let keep = non_dominated(&cu, &cp, len, na, &mut work).ok_or_else(too_large)?;
        utils = keep
            .iter()
            .flat_map(|&i| cu[i * na..(i + 1) * na].iter().copied())
            .collect();
        pkgs = keep
            .iter()
            .flat_map(|&i| cp[i * len..(i + 1) * len].iter().copied())
            .collect();
        count = keep.len();
    }
    let mut points: Vec<Point> = (0..count)
        .map(|i| Point {
            package: pkgs[i * len..(i + 1) * len].to_vec(),
            utility: utils[i * na..(i + 1) * na].to_vec(),
        })
        .collect();
    points.sort_by(|a, b| a.package.cmp(&b.package));
    Ok(points)
}

/// An integer that orders as [`f64::total_cmp`] orders `x` (the same bit trick it uses).
fn total_order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// Indices of the non-dominated entries (ties between equal vectors go to the smaller
/// package; entry `i`'s package is `pkgs[i * len..(i + 1) * len]`); `None` when the work
/// budget runs out.
fn non_dominated(
    u: &[f64],
    pkgs: &[u8],
    len: usize,
    na: usize,
    work: &mut u64,
) -> Option<Vec<usize>> {
    let n = pkgs.len() / len;
    let pkg = |i: usize| &pkgs[i * len..(i + 1) * len];
    let sum = |i: usize| u[i * na..(i + 1) * na].iter().sum::<f64>();
    let sums: Vec<f64> = (0..n).map(sum).collect();
    // A dominating vector has a larger sum, so it is usually met first and the kept list stays
    // the frontier itself; the two-way test below covers sums that tie after rounding.
    // Sorted by integer keys that order as `total_cmp` of the sums, reversed, with the
    // package breaking ties: the same order as comparing the floats (packages are distinct,
    // so the order is total and an unstable sort gives it too), with one integer comparison
    // where there were two lookups and a float comparison (−9 % of the search on 20 × 5 × 6).
    let mut keyed: Vec<(i64, usize)> = sums
        .iter()
        .enumerate()
        .map(|(i, s)| (!total_order_key(*s), i))
        .collect();
    keyed.sort_unstable_by(|x, y| x.0.cmp(&y.0).then_with(|| pkg(x.1).cmp(pkg(y.1))));
    let order: Vec<usize> = keyed.iter().map(|k| k.1).collect();
    // Sums are folded in coordinate order, so they are monotone in each coordinate even after
    // rounding: with finite utilities an entry with a smaller sum cannot weakly dominate one
    // with a larger sum. `kept` is in `order`, so its sums fall: only its suffix tied with the
    // candidate's sum needs the two-way test, the rest only "does it dominate the candidate".
    let finite = sums.iter().all(|s| s.is_finite());
    let mut kept: Vec<usize> = Vec::new();
    // The kept entries' utilities, row by row, so the hot loop reads them in sequence.
    let mut rows: Vec<f64> = Vec::new();
    for (done, &c) in order.iter().enumerate() {
        *work += kept.len() as u64;
        if *work > WORK_BUDGET {
            return None;
        }
        let cv = &u[c * na..(c + 1) * na];
        let tied = if finite {
            kept.iter()
                .rev()
                .take_while(|&&k| sums[k] <= sums[c])
                .count()
        } else {
            kept.len()
        };
        let strict = kept.len() - tied;
        // Entries with a larger sum stay kept to the end of this call (later entries have at
        // most `c`'s sum), so each later entry costs at least their number: when that alone
        // passes the budget, give up now with the answer the search would reach.
        let later = (n - done - 1) as u64;
        if work.saturating_add((strict as u64).saturating_mul(later)) > WORK_BUDGET {
            return None;
        }
        if dominated_by_any(&rows[..strict * na], cv) {
            continue;
        }
        let mut dominated = false;
        let mut removed = false;
        let mut gone = vec![false; tied];
        for (g, kv) in gone.iter_mut().zip(rows[strict * na..].chunks_exact(na)) {
            if kv.iter().zip(cv).all(|(k, c)| k >= c) {
                dominated = true;
                break;
            }
            if kv.iter().zip(cv).all(|(k, c)| k <= c) {
                *g = true;
                removed = true;
            }
        }
        if removed {
            let mut i = 0;
            kept.retain(|_| {
                i += 1;
                !(i > strict && gone[i - 1 - strict])
            });
            rows = kept
                .iter()
                .flat_map(|&k| u[k * na..(k + 1) * na].iter().copied())
                .collect();
        }
        if !dominated {
            kept.push(c);
            rows.extend_from_slice(cv);
        }
    }
    Some(kept)
}

/// Whether a row of `rows` (rows of `cv.len()` utilities) is at least `cv` in every
/// coordinate.
///
/// Why without early exits for up to 8 agents: which coordinate first fails is a coin toss,
/// so testing them one by one mispredicted about one branch a row; all of a row's tests
/// joined by `&` cost a few more instructions and no guesses (the search over 20 × 5 × 6,
/// which gives up at its budget, spends most of its time here).
fn dominated_by_any(rows: &[f64], cv: &[f64]) -> bool {
    match cv.len() {
        2 => dominated_by_any_of::<2>(rows, cv),
        3 => dominated_by_any_of::<3>(rows, cv),
        4 => dominated_by_any_of::<4>(rows, cv),
        5 => dominated_by_any_of::<5>(rows, cv),
        6 => dominated_by_any_of::<6>(rows, cv),
        7 => dominated_by_any_of::<7>(rows, cv),
        8 => dominated_by_any_of::<8>(rows, cv),
        na => rows
            .chunks_exact(na.max(1))
            .any(|kv| kv.iter().zip(cv).all(|(k, c)| k >= c)),
    }
}

/// [`dominated_by_any`] for rows of `N` utilities.
fn dominated_by_any_of<const N: usize>(rows: &[f64], cv: &[f64]) -> bool {
    let Ok(c) = <[f64; N]>::try_from(cv) else {
        return false;
    };
    rows.chunks_exact(N).any(|kv| {
        let mut all = true;
        for (k, c) in kv.iter().zip(&c) {
            all &= k >= c;
        }
        all
    })
}

impl Analysis {
    /// Analyzes the outcome space of `model` at mean parameters over its signatories.
    pub fn new(model: &Model) -> Result<Analysis, TooLarge> {
        let inst = model.mean_instance();
        let agents: Vec<usize> = (0..model.n_agents())
            .filter(|&a| model.signatory[a])
            .collect();
        let reservation: Vec<f64> = agents.iter().map(|&a| inst.reservation[a]).collect();
        let frontier = pareto_frontier(model, &inst, &agents)?;
        let gains = |p: &Point| -> Vec<f64> {
            p.utility
                .iter()
                .zip(&reservation)
                .map(|(u, r)| u - r)
                .collect()
        };
        // Individually rational: every signatory at least at its reservation value. Any such
        // package is weakly dominated by a frontier package that is rational too, so searching
        // the frontier loses nothing.
        let rational: Vec<&Point> = frontier
            .iter()
            .filter(|p| gains(p).iter().all(|&g| g >= -RATIONAL_EPS))
            .collect();
        let ideal = (!rational.is_empty()).then(|| {
            (0..agents.len())
                .map(|j| {
                    rational
                        .iter()
                        .map(|p| p.utility[j])
                        .fold(f64::NEG_INFINITY, f64::max)
                })
                .collect::<Vec<f64>>()
        });
        let sum_gain = |p: &Point| gains(p).iter().sum::<f64>();
        let nash_product = |p: &Point| -> f64 { gains(p).iter().map(|g| g.max(0.0)).product() };
        // Ties on the criterion go to the larger sum of gains, then to the first package.
        let pick = |score: &dyn Fn(&Point) -> f64| -> Option<Point> {
            rational
                .iter()
                .copied()
                .fold(None::<(&Point, f64, f64)>, |best, p| {
                    let (s, g) = (score(p), sum_gain(p));
                    match best {
                        Some((_, bs, bg)) if !beats((s, g), (bs, bg)) => best,
                        _ => Some((p, s, g)),
                    }
                })
                .map(|(p, _, _)| p.clone())
        };
        let nash = pick(&|p: &Point| nash_product(p));
        let kalai_smorodinsky = ideal.as_ref().and_then(|ideal| {
            pick(&|p: &Point| {
                gains(p)
                    .iter()
                    .zip(ideal.iter().zip(&reservation))
                    .map(|(g, (i, r))| {
                        // A signatory whose ideal is its reservation value has nothing to gain:
                        // it is fully served by any rational package.
                        if i - r > RATIONAL_EPS {
                            g.max(0.0) / (i - r)
                        } else {
                            1.0
                        }
                    })
                    .fold(f64::INFINITY, f64::min)
            })
        });
        // Ties in welfare (common: in a pure split every package has the same sum) go to the
        // larger product of gains, then to the first package.
        let max_welfare = frontier
            .iter()
            .fold(None::<(&Point, f64, f64)>, |best, p| {
                let w: f64 = p.utility.iter().sum();
                let n = nash_product(p);
                match best {
                    Some((_, bw, bn)) if !beats((w, n), (bw, bn)) => best,
                    _ => Some((p, w, n)),
                }
            })
            .map(|(p, _, _)| p.clone());
        Ok(Analysis {
            agents,
            reservation,
            frontier,
            ideal,
            nash,
            kalai_smorodinsky,
            max_welfare,
            inst,
        })
    }

    /// The mean-parameter utilities of `pkg` for the signatories.
    pub fn point(&self, model: &Model, pkg: &[u8]) -> Vec<f64> {
        utilities(model, &self.inst, &self.agents, pkg)
    }

    /// The mean-parameter instance the analysis is computed at.
    pub fn instance(&self) -> &Instance {
        &self.inst
    }

    /// Euclidean distance in the signatories' utility space from `pkg` to the nearest frontier
    /// package (0 on the frontier) and to the Nash point (`None` without a Nash point).
    pub fn distances(&self, model: &Model, pkg: &[u8]) -> (f64, Option<f64>) {
        let u = self.point(model, pkg);
        let to_frontier = self
            .frontier
            .iter()
            .map(|p| euclid(&u, &p.utility))
            .fold(f64::INFINITY, f64::min);
        let to_nash = self.nash.as_ref().map(|n| euclid(&u, &n.utility));
        (to_frontier, to_nash)
    }

    /// Mean distances of a deadline's agreements to the frontier and to the Nash point (`None`
    /// without agreements, or without a Nash point).
    ///
    /// Distances depend only on the agreed package, so they are summed over the tally's exact
    /// package counts, each in fixed point ([`to_fixed`]): the same integers as adding each
    /// agreement's distance in turn, whatever the thread count, at no cost to the runs. `None`
    /// too when the tally has too many distinct packages to count them ([`Tally::packages_overflow`]).
    pub fn mean_distances(&self, model: &Model, tally: &Tally) -> (Option<f64>, Option<f64>) {
        if tally.agreements == 0 || self.frontier.is_empty() || tally.packages_overflow {
            // Without the package counts (too many distinct packages) the sums are unknown.
            return (None, None);
        }
        let mut sum_frontier = 0i128;
        let mut sum_nash = 0i128;
        for (pkg, &count) in &tally.packages {
            let (f, n) = self.distances(model, pkg);
            sum_frontier += i128::from(to_fixed(f)) * i128::from(count);
            sum_nash += i128::from(to_fixed(n.unwrap_or(0.0))) * i128::from(count);
        }
        let mean = |s: i128| s as f64 / FIXED_SCALE / tally.agreements as f64;
        (
            Some(mean(sum_frontier)),
            self.nash.as_ref().map(|_| mean(sum_nash)),
        )
    }
}

/// Whether (criterion, tie-break) `a` is better than `b`, up to [`TIE_EPS`].
fn beats(a: (f64, f64), b: (f64, f64)) -> bool {
    if (a.0 - b.0).abs() > TIE_EPS {
        return a.0 > b.0;
    }
    a.1 > b.1 + TIE_EPS
}

/// Euclidean distance.
pub fn euclid(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Every package of a small outcome space placed in the plane of agents `x` and `y`
/// (mean parameters), merged where they fall on the same `grid` cell of the unit square;
/// `None` when the outcome space is larger than `limit`.
pub fn plane_cloud(
    model: &Model,
    inst: &Instance,
    x: usize,
    y: usize,
    grid: u32,
    limit: u128,
) -> Option<Vec<CloudPoint>> {
    if model.scenario.outcome_space_size() > limit {
        return None;
    }
    let mut cells: HashMap<(u32, u32, bool), usize> = HashMap::new();
    let mut out: Vec<CloudPoint> = Vec::new();
    let g = f64::from(grid);
    crate::engine::offer::for_each_package(model, |pkg| {
        let u = utilities(model, inst, &[x, y], pkg);
        let ok = agreeable(model, pkg);
        let key = ((u[0] * g).round() as u32, (u[1] * g).round() as u32, ok);
        match cells.get(&key) {
            Some(&i) => out[i].count += 1,
            None => {
                cells.insert(key, out.len());
                out.push(CloudPoint {
                    x: u[0],
                    y: u[1],
                    agreeable: ok,
                    count: 1,
                });
            }
        }
    });
    Some(out)
}

/// Packages of the outcome space falling on one spot of a two-agent plane.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudPoint {
    /// Utility of the first agent.
    pub x: f64,
    /// Utility of the second agent.
    pub y: f64,
    /// Whether these packages cross no signatory's red line.
    pub agreeable: bool,
    /// How many packages fall here.
    pub count: u64,
}
