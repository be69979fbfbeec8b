//! Rendering of a sensitivity report as a terminal table, tidy CSV or JSON.

use super::{Method, Oat, SensitivityReport, Sobol};
use crate::csv_text::{Shown, record};
use std::fmt::Write as _;

/// Share of the output variance above which the table warns about Monte Carlo noise.
pub(crate) const NOISE_WARNING: f64 = 0.1;

impl SensitivityReport {
    /// Renders as pretty JSON (with a final newline); undefined indices are `null`.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("reports serialize");
        s.push('\n');
        s
    }

    /// Renders as tidy CSV, one row per factor in the order of the table, each ending in the
    /// provenance columns of [`crate::provenance::COLUMNS`].
    pub fn to_csv(&self) -> String {
        let tail = crate::provenance::Provenance {
            seed: self.seed,
            protocol: self.protocol.clone(),
            round_label: self.round_label.clone(),
            mode: self.mode,
        }
        .csv_suffix();
        let head = crate::provenance::csv_header_suffix();
        let mut s = String::new();
        if let Some(o) = &self.oat {
            let _ = writeln!(
                s,
                "factor,label,low,high,mean,p_low,p_high,change,ci_low,ci_high,gained,lost,p_base{head}"
            );
            for r in &o.rows {
                let mean = self.factor_mean(&r.factor);
                let rec = (
                    r.factor.as_str(),
                    r.label.as_str(),
                    Shown(r.low),
                    Shown(r.high),
                    Shown(mean),
                    Shown(r.p_low),
                    Shown(r.p_high),
                    Shown(r.change),
                    Shown(r.ci95[0]),
                    Shown(r.ci95[1]),
                    r.gained,
                    r.lost,
                    Shown(o.base),
                );
                let _ = writeln!(s, "{}{tail}", record(&rec));
            }
        }
        if let Some(so) = &self.sobol {
            let _ = writeln!(s, "factor,label,s1,s1_low,s1_high,st,st_low,st_high{head}");
            // An undefined index is an empty cell.
            let cell = |x: f64| (!x.is_nan()).then_some(Shown(x));
            for r in &so.rows {
                let rec = (
                    r.factor.as_str(),
                    r.label.as_str(),
                    cell(r.s1),
                    cell(r.s1_ci95[0]),
                    cell(r.s1_ci95[1]),
                    cell(r.st),
                    cell(r.st_ci95[0]),
                    cell(r.st_ci95[1]),
                );
                let _ = writeln!(s, "{}{tail}", record(&rec));
            }
        }
        s
    }

    fn factor_mean(&self, name: &str) -> f64 {
        self.factors
            .iter()
            .find(|f| f.name == name)
            .map_or(f64::NAN, |f| f.mean)
    }

    /// Renders as a readable table for a terminal.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let label = if self.deadline == 1 {
            self.round_label.clone()
        } else {
            format!("{}s", self.round_label)
        };
        let what = match self.method {
            Method::Oat => "one factor at a time",
            Method::Sobol => "variance-based (Sobol) indices",
        };
        let _ = writeln!(
            s,
            "What drives P(agreement within {} {label}): {what}",
            self.deadline
        );
        let _ = writeln!(s, "{}", self.scenario);
        let _ = writeln!(
            s,
            "{}; {} model evaluations x {} runs each (seed {}, common random numbers)",
            counted(self.factors.len() as u64, "factor"),
            self.evaluations,
            self.runs_per_evaluation,
            self.seed
        );
        if let Some(o) = &self.oat {
            self.oat_table(&mut s, o);
        }
        if let Some(so) = &self.sobol {
            self.sobol_table(&mut s, so);
        }
        if let Some(c) = &self.caveat {
            let _ = writeln!(s);
            let _ = writeln!(s, "Caveat: {c}");
        }
        s
    }

    fn name_width(&self) -> usize {
        self.factors
            .iter()
            .map(|f| f.name.chars().count())
            .max()
            .unwrap_or(0)
            .max(6)
    }

    fn oat_table(&self, s: &mut String, o: &Oat) {
        let w = self.name_width();
        let _ = writeln!(
            s,
            "Each factor at the 5th and 95th percentiles of its distribution (--param: its range), \
             the others at their means."
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "P(agreement) with every factor at its mean: {:.3} [{:.3}, {:.3}]",
            o.base, o.base_ci95[0], o.base_ci95[1]
        );
        let _ = writeln!(
            s,
            "P(agreement) with every factor drawn from its distribution:  {:.3} [{:.3}, {:.3}]",
            o.headline, o.headline_ci95[0], o.headline_ci95[1]
        );
        let _ = writeln!(
            s,
            "  (the second is what `negsim run --worlds 0` reports with these runs and seed;\n   \
             P at the mean is not the mean of P, since P is not linear in the factors)"
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<w$}  {:>9}  {:>9}  {:>7}  {:>7}  {:>7}  {:>17}",
            "factor", "low", "high", "P(low)", "P(high)", "change", "95% interval"
        );
        for r in &o.rows {
            let _ = writeln!(
                s,
                "{:<w$}  {:>9}  {:>9}  {:>7.3}  {:>7.3}  {:>+7.3}  {:>17}",
                r.factor,
                num(r.low),
                num(r.high),
                r.p_low,
                r.p_high,
                r.change,
                format!("[{:+.3}, {:+.3}]", r.ci95[0], r.ci95[1])
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "change = P(high) - P(low), largest first; the interval pairs the runs (each run \
             plays the same draws at both ends)."
        );
    }

    fn sobol_table(&self, s: &mut String, so: &Sobol) {
        let w = self.name_width();
        let _ = writeln!(
            s,
            "Factors sampled from their distributions (--param: uniform on its range); \
             N = {} base samples, {} bootstrap resamples.",
            so.samples, so.bootstrap
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "P(agreement) over the samples: mean {:.3}, variance {:.4}",
            so.mean, so.variance
        );
        match so.noise_share {
            Some(share) => {
                let _ = writeln!(
                    s,
                    "Monte Carlo noise within an evaluation: about {:.0}% of that variance",
                    100.0 * share
                );
                if share > NOISE_WARNING {
                    let _ = writeln!(
                        s,
                        "  note: noise this large biases S1 low and ST high; raise --runs \
                         (runs per evaluation) to reduce it"
                    );
                }
            }
            None if self.runs_per_evaluation == 1 => {
                let _ = writeln!(
                    s,
                    "Monte Carlo noise within an evaluation: not estimable with 1 run per evaluation"
                );
            }
            None => {}
        }
        if so.variance <= 0.0 {
            let _ = writeln!(
                s,
                "P(agreement) does not vary over the samples: the indices are undefined (n/a)."
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<w$}  {:>6}  {:>16}  {:>6}  {:>16}",
            "factor", "S1", "95% interval", "ST", "95% interval"
        );
        let idx = |x: f64| {
            if x.is_nan() {
                "n/a".to_string()
            } else {
                format!("{x:.3}")
            }
        };
        for r in &so.rows {
            let _ = writeln!(
                s,
                "{:<w$}  {:>6}  {:>16}  {:>6}  {:>16}",
                r.factor,
                idx(r.s1),
                format!("[{}, {}]", idx(r.s1_ci95[0]), idx(r.s1_ci95[1])),
                idx(r.st),
                format!("[{}, {}]", idx(r.st_ci95[0]), idx(r.st_ci95[1]))
            );
        }
        let sum_s1: f64 = so.rows.iter().map(|r| r.s1).sum();
        let _ = writeln!(s);
        if sum_s1.is_finite() {
            let _ = writeln!(
                s,
                "Sum of S1: {sum_s1:.3} (what the factors explain alone; 1 - sum is interactions \
                 and noise)."
            );
        }
        let _ = writeln!(
            s,
            "S1 = share of the variance of P(agreement) due to the factor alone; ST = including \
             its interactions. Largest ST first."
        );
    }
}

/// "1 factor", "2 factors".
pub(super) fn counted(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A factor value with four decimals, trailing zeros trimmed.
pub(crate) fn num(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}
