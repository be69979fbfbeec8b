//! The checks a part file passes before it merges: its shard list and settings, and every
//! tally's counts against each other, so that a damaged or edited part is refused, never
//! merged into wrong numbers.

use super::*;

/// The error for a part file whose contents negsim cannot have written.
pub(super) fn damaged(name: &str, what: String) -> InputError {
    InputError::new(format!("damaged part {name}"), what).with_help(
        "part files are written by negsim and are not meant to be edited: \
         run the shard again to write it anew",
    )
}

/// Checks a part's shard list: at least one shard, each below the shard count, ascending and
/// listed once.
pub(super) fn check_shards(count: u64, shards: &[u64]) -> Result<(), String> {
    if count == 0 {
        return Err("shard_count is 0; a simulation has at least 1 shard".into());
    }
    if shards.is_empty() {
        return Err("it lists no shards".into());
    }
    if let Some(&k) = shards.iter().find(|&&k| k >= count) {
        return Err(format!(
            "it lists shard {k}, but the simulation has shards 0 to {}",
            count - 1
        ));
    }
    if let Some(w) = shards.windows(2).find(|w| w[0] >= w[1]) {
        return Err(if w[0] == w[1] {
            format!("it lists shard {}/{count} twice", w[0])
        } else {
            format!(
                "its shards are not in ascending order ({} before {})",
                w[0], w[1]
            )
        });
    }
    Ok(())
}

/// Checks a part's run count and deadlines against the limits every command applies.
pub(super) fn check_settings(runs: u64, deadlines: &[u32]) -> Result<(), String> {
    use crate::scenario::{MAX_DEADLINE, MAX_RUNS, thousands};
    if runs == 0 || runs > MAX_RUNS {
        return Err(format!(
            "runs {runs} is out of range (a simulation has 1 to {} runs)",
            thousands(MAX_RUNS)
        ));
    }
    if deadlines.is_empty() {
        return Err("it lists no deadlines".into());
    }
    if let Some(&d) = deadlines.iter().find(|&&d| d == 0 || d > MAX_DEADLINE) {
        return Err(format!(
            "deadline {d} is out of range (deadlines are 1 to {} rounds)",
            thousands(u64::from(MAX_DEADLINE))
        ));
    }
    crate::scenario::check_deadline_list(deadlines).map_err(|(msg, _)| msg)
}

/// The sizes of a scenario's tallies.
pub(super) struct Shape {
    /// Number of agents.
    agents: usize,
    /// Options of each term.
    options: Vec<usize>,
    /// Whether tallies carry discounted sums; `None` when either is right (a sweep may change
    /// the discounts from point to point).
    discounted: Option<bool>,
}

impl Shape {
    /// The shape of `sc`'s tallies; `discount_may_vary` accepts both forms of the discounted
    /// sums.
    pub(super) fn of(sc: &Scenario, discount_may_vary: bool) -> Shape {
        Shape {
            agents: sc.agents.len(),
            options: sc.terms.iter().map(|t| t.options.len()).collect(),
            discounted: (!discount_may_vary).then(|| sc.agents.iter().any(|a| a.discount < 1.0)),
        }
    }
}

/// Checks one tally read from a part against the scenario's `shape`, its `deadline` and the
/// runs its shards hold (`exactly` when they finished, at most otherwise): every vector's
/// length, every package's options, and that the counts add up (agreements + walk-outs +
/// expired = runs, the round histogram and the packages to the agreements, the option counts
/// to the packages', blocks within the failures, fixed-point sums within their ranges).
/// Sums are checked, so no count near 2^64 can wrap.
pub(super) fn verify_tally(
    t: &Tally,
    shape: &Shape,
    deadline: u32,
    runs: u64,
    exactly: bool,
) -> Result<(), String> {
    let d = deadline;
    if t.deadline != d {
        return Err(format!(
            "it holds a tally for deadline {} where deadline {d} is expected",
            t.deadline
        ));
    }
    let at = |what: String| format!("its tally for deadline {d}: {what}");
    if exactly && t.runs != runs {
        return Err(at(format!(
            "{} runs, but its finished shards hold {runs}",
            t.runs
        )));
    }
    if t.runs > runs {
        return Err(at(format!(
            "{} runs, more than the {runs} its shards hold",
            t.runs
        )));
    }
    let n_opts: usize = shape.options.iter().sum();
    let lengths = [
        ("walkouts", t.walkouts.len(), shape.agents, "one per agent"),
        (
            "utility_sum",
            t.utility_sum.len(),
            shape.agents,
            "one per agent",
        ),
        ("gain_sum", t.gain_sum.len(), shape.agents, "one per agent"),
        ("blocked", t.blocked.len(), shape.agents, "one per agent"),
        (
            "option_counts",
            t.option_counts.len(),
            n_opts,
            "one per option",
        ),
        (
            "round_hist",
            t.round_hist.len(),
            d as usize + 1,
            "one per round and one unused",
        ),
    ];
    for (key, have, want, why) in lengths {
        if have != want {
            return Err(at(format!(
                "`{key}` has {have} entries where the scenario needs {want} ({why})"
            )));
        }
    }
    let discount_ok = match shape.discounted {
        Some(true) => t.discounted_sum.len() == shape.agents,
        Some(false) => t.discounted_sum.is_empty(),
        None => t.discounted_sum.is_empty() || t.discounted_sum.len() == shape.agents,
    };
    if !discount_ok {
        return Err(at(format!(
            "`discounted_sum` has {} entries where the scenario needs {}",
            t.discounted_sum.len(),
            if shape.discounted == Some(true) {
                shape.agents
            } else {
                0
            }
        )));
    }
    let sum = |v: &[u64]| v.iter().try_fold(0u64, |a, &b| a.checked_add(b));
    let ended = sum(&t.walkouts)
        .and_then(|w| w.checked_add(t.agreements))
        .and_then(|s| s.checked_add(t.expired));
    if ended != Some(t.runs) {
        return Err(at(format!(
            "agreements ({}), walk-outs and expired runs ({}) do not add up to its {} runs",
            t.agreements, t.expired, t.runs
        )));
    }
    if t.round_hist[0] != 0 || sum(&t.round_hist) != Some(t.agreements) {
        return Err(at(format!(
            "the rounds of agreement (`round_hist`) do not add up to its {} agreements",
            t.agreements
        )));
    }
    let mut options = vec![0u64; n_opts];
    let mut in_packages = 0u64;
    for (pkg, &count) in &t.packages {
        let shown: Vec<String> = pkg.iter().take(8).map(u8::to_string).collect();
        let shown = if pkg.len() > 8 {
            format!("[{}, ...]", shown.join(", "))
        } else {
            format!("[{}]", shown.join(", "))
        };
        if pkg.len() != shape.options.len() {
            return Err(at(format!(
                "package {shown} has {} options where the scenario has {} terms",
                pkg.len(),
                shape.options.len()
            )));
        }
        let mut offset = 0;
        for (term, (&o, &n)) in pkg.iter().zip(&shape.options).enumerate() {
            if usize::from(o) >= n {
                return Err(at(format!(
                    "package {shown} names option {o} of term {term}, which has {n} options"
                )));
            }
            options[offset + usize::from(o)] += count;
            offset += n;
        }
        if count == 0 {
            return Err(at(format!("package {shown} is counted 0 times")));
        }
        in_packages = in_packages
            .checked_add(count)
            .filter(|&s| s <= t.agreements)
            .ok_or_else(|| {
                at(format!(
                    "the packages' counts add up to more than its {} agreements",
                    t.agreements
                ))
            })?;
    }
    if t.packages_overflow {
        // No package counts kept (see `Tally::packages_overflow`): each term's option counts
        // must still add up to the agreements.
        if !t.packages.is_empty() || t.agreements <= crate::engine::stats::MAX_PACKAGES as u64 {
            return Err(at(format!(
                "`packages_overflow` is set but it lists {} packages and has {} agreements (an overflowed tally lists none and has more than {})",
                t.packages.len(),
                t.agreements,
                crate::engine::stats::MAX_PACKAGES
            )));
        }
        let mut offset = 0;
        for (term, &n) in shape.options.iter().enumerate() {
            if sum(&t.option_counts[offset..offset + n]) != Some(t.agreements) {
                return Err(at(format!(
                    "`option_counts` of term {term} do not add up to its {} agreements",
                    t.agreements
                )));
            }
            offset += n;
        }
    } else if in_packages != t.agreements {
        return Err(at(format!(
            "the packages' counts add up to {in_packages}, not to its {} agreements",
            t.agreements
        )));
    } else if options != t.option_counts {
        return Err(at(
            "`option_counts` does not match the options of the agreed packages".into(),
        ));
    }
    let failed = t.runs - t.agreements;
    if let Some((a, &b)) = t.blocked.iter().enumerate().find(|(_, b)| **b > failed) {
        return Err(at(format!(
            "agent {a} blocked {b} runs, more than the {failed} without agreement"
        )));
    }
    // Each agreement adds a utility (and a discounted one) in [-1, 1] and a gain in [-2, 2],
    // in fixed point.
    let one = i128::from(t.agreements) * FIXED_SCALE as i128;
    let sums = [
        ("utility_sum", &t.utility_sum, one),
        ("discounted_sum", &t.discounted_sum, one),
        ("gain_sum", &t.gain_sum, 2 * one),
    ];
    for (key, v, most) in sums {
        if let Some((a, &x)) = v
            .iter()
            .enumerate()
            .find(|(_, x)| i128::from(**x).abs() > most)
        {
            return Err(at(format!(
                "`{key}` of agent {a} is {x}, beyond what {} agreements can add up to",
                t.agreements
            )));
        }
    }
    Ok(())
}

/// The name of the first setting in which two parts differ, if any.
pub(super) fn first_difference(checks: &[(&'static str, bool)]) -> Option<&'static str> {
    checks
        .iter()
        .find(|(_, differs)| *differs)
        .map(|(what, _)| *what)
}
