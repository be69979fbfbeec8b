//! The honest-headline caveats: when P(agreement) is a statement about the assumptions
//! rather than a forecast. One wording, shared by `run`, `report`, `check` and `sensitivity`.

/// A 5th-95th percentile range of P across worlds wider than this earns a caveat.
pub const SPREAD: f64 = 0.5;

/// A tornado swing (`|P(high) - P(low)|`) or a total Sobol index above this earns a caveat:
/// one assumption then decides P mostly on its own.
pub const ONE_ASSUMPTION: f64 = 0.5;

/// "by week 26" in open-ended talks, "with a deadline of 26 weeks" otherwise: the words
/// every caveat and answer use for a deadline.
pub fn at_deadline(open_ended: bool, round_label: &str, d: u32) -> String {
    if open_ended {
        format!("by {round_label} {d}")
    } else {
        format!(
            "with a deadline of {d} {}",
            crate::study::run::plural(round_label, d)
        )
    }
}

/// The caveat when the worlds disagree widely at `at` ("by week 26"), or `None`.
pub fn worlds_spread(at: &str, p05: f64, p95: f64) -> Option<String> {
    (p95 - p05 > SPREAD).then(|| {
        format!(
            "P {at} is decided by the assumptions: across worlds it ranges from {p05:.2} to {p95:.2}. The number is a statement about the assumptions, not a forecast."
        )
    })
}

/// The caveat when moving one factor across its range swings P at `at` by `swing` (signed).
pub fn tornado_swing(at: &str, label: &str, swing: f64) -> Option<String> {
    (swing.abs() > ONE_ASSUMPTION).then(|| {
        format!(
            "P {at} is decided mostly by one assumption: {label} moves it by {swing:+.2} across its range. The number is a statement about that assumption, not a forecast."
        )
    })
}

/// The caveat when one factor's total Sobol index `st` at `at` is above [`ONE_ASSUMPTION`].
pub fn total_index(at: &str, label: &str, st: f64) -> Option<String> {
    (st > ONE_ASSUMPTION).then(|| {
        format!(
            "P {at} is decided mostly by one assumption: {label} accounts for {:.0}% of its variance (total index {st:.2}). The number is a statement about that assumption, not a forecast.",
            100.0 * st.min(1.0)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_strict() {
        assert!(worlds_spread("by week 4", 0.2, 0.7).is_none());
        assert!(worlds_spread("by week 4", 0.1, 0.7).is_some());
        assert!(tornado_swing("by week 4", "a", -0.5).is_none());
        assert!(tornado_swing("by week 4", "a", -0.51).is_some());
        assert!(total_index("by week 4", "a", 0.5).is_none());
        assert!(total_index("by week 4", "a", 0.6).is_some());
    }
}
