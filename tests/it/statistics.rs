//! The hand-written statistics against values known independently of the code: published
//! tables, the equations the estimators solve, hand-computed order statistics and closed-form
//! variance decompositions.

use negsim::engine::stats::{Z95, wilson};
use negsim::engine::worlds::quantile;
use negsim::study::sensitivity::sobol::sobol_indices;

/// Wilson score intervals (two-sided 95%) from Newcombe, "Two-sided confidence intervals for
/// the single proportion: comparison of seven methods", Statistics in Medicine 17 (1998),
/// Table I, method 3 (score method without continuity correction), to the 4 decimals printed.
#[test]
fn wilson_matches_newcombe_s_published_table() {
    let table = [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ];
    for (k, n, lo, hi) in table {
        let (l, h) = wilson(k, n, Z95);
        assert!((l - lo).abs() < 5e-5, "{k}/{n}: low {l} vs {lo}");
        assert!((h - hi).abs() < 5e-5, "{k}/{n}: high {h} vs {hi}");
    }
}

/// The Wilson bounds are by definition the two roots `p` of the score equation
/// `(k/n - p)^2 = z^2 p (1 - p) / n`: check that each inner bound solves it (to rounding),
/// whatever the algebra used to compute it.
#[test]
fn wilson_bounds_solve_the_score_equation() {
    for (k, n) in [(1u64, 2u64), (3, 10), (50, 100), (999, 1000), (7, 100_000)] {
        let (l, h) = wilson(k, n, Z95);
        let phat = k as f64 / n as f64;
        for p in [l, h] {
            let lhs = (phat - p).powi(2);
            let rhs = Z95 * Z95 * p * (1.0 - p) / n as f64;
            assert!(
                (lhs - rhs).abs() <= 1e-12 * rhs.max(1e-300) + 1e-18,
                "{k}/{n}: {p}"
            );
        }
        assert!(l < phat && phat < h);
    }
    // At the boundaries the interval is closed at the estimate.
    assert_eq!(wilson(0, 10, Z95).0, 0.0);
    assert_eq!(wilson(10, 10, Z95).1, 1.0);
    assert_eq!(wilson(0, 0, Z95), (0.0, 1.0));
}

/// Type-7 quantiles (R's default `quantile(x, type = 7)`, numpy's default `linear`), worked
/// by hand: x sorted = (2, 4, 4, 5, 7, 9, 10, 12), h = 7q.
/// q = 0.1: h = 0.7, 2 + 0.7·(4 - 2) = 3.4; q = 0.25: h = 1.75, 4 + 0.75·0 = 4;
/// q = 0.75: h = 5.25, 9 + 0.25·1 = 9.25; q = 0.9: h = 6.3, 10 + 0.3·2 = 10.6;
/// q = 0 and 1: the extremes.
#[test]
fn type_7_quantiles_match_hand_computed_order_statistics() {
    let xs = [10.0, 4.0, 12.0, 2.0, 7.0, 4.0, 9.0, 5.0];
    let q = |p| quantile(&xs, p).unwrap();
    assert!((q(0.1) - 3.4).abs() < 1e-12);
    assert_eq!(q(0.25), 4.0);
    assert!((q(0.75) - 9.25).abs() < 1e-12);
    assert!((q(0.9) - 10.6).abs() < 1e-12);
    assert_eq!((q(0.0), q(1.0)), (2.0, 12.0));
    assert_eq!(q(0.5), 6.0);
}

/// A linear additive function `f = Σ a_i u_i` of independent uniforms has the closed-form
/// indices `S_i = ST_i = a_i² / Σ a_j²` (no interactions): with a = (1, 2, 3), S = (1, 4, 9)/14.
/// An input that `f` ignores has a total index of exactly 0 under Jansen's estimator, since
/// `f(A_B^(i)) = f(A)` row by row.
#[test]
fn saltelli_jansen_indices_of_a_linear_function_are_the_closed_form_ones() {
    let est = sobol_indices(4, 8192, 5, 0, |u| u[0] + 2.0 * u[1] + 3.0 * u[2]);
    let want = [1.0 / 14.0, 4.0 / 14.0, 9.0 / 14.0, 0.0];
    for (i, w) in want.iter().enumerate() {
        let (s1, st) = (est.indices.s1[i], est.indices.st[i]);
        assert!((s1 - w).abs() < 0.03, "S1[{i}] = {s1}, closed form {w}");
        assert!((st - w).abs() < 0.03, "ST[{i}] = {st}, closed form {w}");
    }
    assert_eq!(est.indices.st[3], 0.0);
    assert_eq!(est.indices.s1[3], 0.0);
    // Var f = (1 + 4 + 9) / 12.
    let v = 14.0 / 12.0;
    assert!((est.indices.variance - v).abs() / v < 0.05);
}
