//! Concession tactics: how an agent's target utility falls as the (perceived) deadline nears.
//!
//! These are the time-dependent tactics of Faratin, Sierra and Jennings (1998) as used by the
//! GENIUS agents: `target(t) = reservation + (best - reservation) * (1 - t^(1/e))`.

/// Concession exponent of the named tactics.
pub const BOULWARE: f64 = 0.2;
/// Concession exponent of the linear tactic.
pub const LINEAR: f64 = 1.0;
/// Concession exponent of the conceder tactic.
pub const CONCEDER: f64 = 2.0;

/// Perceived normalized time of `round` (1-based) when the agent believes the deadline is
/// `belief * deadline`; capped at 1.
#[inline]
pub fn perceived_time(round: u32, deadline: u32, belief: f64) -> f64 {
    (f64::from(round) / (belief * f64::from(deadline))).min(1.0)
}

/// Target utility at normalized time `t`; `exponent = None` is the hardliner, who never concedes.
///
/// The target never exceeds `best`: an agent whose best attainable deal is worth less than its
/// reservation value simply holds out for that best deal (and accepts nothing below its
/// reservation value anyway).
#[inline]
pub fn target(reservation: f64, best: f64, exponent: Option<f64>, t: f64) -> f64 {
    match exponent {
        None => best,
        Some(e) => target_at(reservation, best, concession(e, t)),
    }
}

/// The factor `1 - t^(1/e)` of [`target`]: how much of the way from `best` down to the
/// reservation value is still held at time `t`. Split out so that callers can tabulate it.
#[inline]
pub fn concession(exponent: f64, t: f64) -> f64 {
    1.0 - t.powf(1.0 / exponent)
}

/// [`target`] of a conceding agent from its [`concession`] factor `c` (the same arithmetic,
/// so a tabulated factor gives the same bits).
#[inline]
pub fn target_at(reservation: f64, best: f64, c: f64) -> f64 {
    (reservation + (best - reservation) * c).min(best)
}

/// How far [`approx_target`] may be from [`target`]: far above the few units in the last
/// place that separate the two, far below any difference between utilities that matters.
pub const APPROX_SLACK: f64 = 1e-12;

/// [`target`] without `powf` when the exponent allows (`1/e` of 1 to 5, or 1/2: the named
/// tactics), within [`APPROX_SLACK`] of it; `None` otherwise. Callers compare against
/// `approx ± APPROX_SLACK` and compute the exact target only when that cannot decide.
#[inline]
pub fn approx_target(reservation: f64, best: f64, exponent: Option<f64>, t: f64) -> Option<f64> {
    let Some(e) = exponent else {
        return Some(best);
    };
    let x = 1.0 / e;
    let c = if x == 1.0 {
        t
    } else if x == 0.5 {
        t.sqrt()
    } else if x == 2.0 {
        t * t
    } else if x == 3.0 {
        t * t * t
    } else if x == 4.0 {
        (t * t) * (t * t)
    } else if x == 5.0 {
        (t * t) * (t * t) * t
    } else {
        return None;
    };
    Some((reservation + (best - reservation) * (1.0 - c)).min(best))
}
