//! The run report as tidy CSV, and the per-deadline row that the sweep, batch and merge
//! tables share (as CSV or as JSON lines).

use super::*;
use serde::Serialize;

impl Report {
    /// The CSV header line (without newline).
    pub fn csv_header() -> &'static str {
        "deadline,runs,agreements,p_agreement,ci_low,ci_high,walkouts,expired,mean_round,median_round,blocker,top_package,top_package_share,p_agreement_no_walkout"
    }

    /// Renders as tidy CSV: a header and one row per deadline. After the columns of
    /// [`Report::csv_header`] come, with worlds,
    /// `p_worlds_05`, `p_worlds_50` and `p_worlds_95`; then the provenance columns.
    pub fn to_csv(&self) -> String {
        use crate::csv_text::{Shown, record};
        let mut s = String::from(Self::csv_header());
        if self.worlds.is_some() {
            s.push_str(",p_worlds_05,p_worlds_50,p_worlds_95");
        }
        s.push_str(&crate::provenance::csv_header_suffix());
        s.push('\n');
        let tail = crate::provenance::Provenance::of_report(self).csv_suffix();
        for d in &self.deadlines {
            s.push_str(&d.csv_row());
            if self.worlds.is_some() {
                let w = d.worlds.as_ref();
                let cells: Vec<Option<Shown>> =
                    [w.map(|w| w.p05), w.map(|w| w.p50), w.map(|w| w.p95)]
                        .into_iter()
                        .map(|x| x.map(Shown))
                        .collect();
                s.push(',');
                s.push_str(&record(&cells));
            }
            s.push_str(&tail);
            s.push('\n');
        }
        s
    }
}

impl DeadlineReport {
    /// One CSV row (without newline) matching [`Report::csv_header`].
    pub fn csv_row(&self) -> String {
        self.flat().csv_row()
    }

    /// The fields of a CSV row, for CSV and JSON-lines tables.
    pub fn flat(&self) -> FlatRow<'_> {
        let top = self.top_packages.first();
        FlatRow {
            deadline: self.deadline,
            runs: self.runs,
            agreements: self.agreements,
            p_agreement: self.p_agreement,
            ci_low: self.ci95[0],
            ci_high: self.ci95[1],
            walkouts: self.walkouts,
            expired: self.expired,
            mean_round: self.mean_round,
            median_round: self.median_round,
            blocker: self.blocker.as_deref(),
            top_package: top.map(|p| {
                p.package
                    .iter()
                    .map(|(t, o)| format!("{t}={o}"))
                    .collect::<Vec<_>>()
                    .join(";")
            }),
            top_package_share: top.map(|p| p.share),
            p_agreement_no_walkout: self.p_agreement_no_walkout,
        }
    }
}

/// The per-deadline fields of `run --format csv`, in column order; serialized as one JSON
/// object per row by the JSON-lines tables of `sweep` and `batch`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlatRow<'a> {
    /// Deadline in rounds.
    pub deadline: u32,
    /// Runs played.
    pub runs: u64,
    /// Runs ending in agreement.
    pub agreements: u64,
    /// Share of runs ending in agreement.
    pub p_agreement: f64,
    /// Lower end of the Wilson 95% interval.
    pub ci_low: f64,
    /// Upper end of the Wilson 95% interval.
    pub ci_high: f64,
    /// Runs ended by a walk-out.
    pub walkouts: u64,
    /// Runs that reached the deadline without agreement.
    pub expired: u64,
    /// Mean round of agreement.
    pub mean_round: Option<f64>,
    /// Median round of agreement.
    pub median_round: Option<u32>,
    /// The signatory who most often rejected the last package.
    pub blocker: Option<&'a str>,
    /// The most frequent agreed package, as `term=option` pairs joined by `;`.
    pub top_package: Option<String>,
    /// Its share among agreements.
    pub top_package_share: Option<f64>,
    /// Share of agreements among the runs that no walk-out ended.
    pub p_agreement_no_walkout: Option<f64>,
}

impl FlatRow<'_> {
    /// One CSV row (without newline) matching [`Report::csv_header`]; `None` is an empty cell.
    pub fn csv_row(&self) -> String {
        use crate::csv_text::{Shown, record};
        record(&(
            self.deadline,
            self.runs,
            self.agreements,
            Shown(self.p_agreement),
            Shown(self.ci_low),
            Shown(self.ci_high),
            self.walkouts,
            self.expired,
            self.mean_round.map(Shown),
            self.median_round,
            self.blocker,
            self.top_package.as_deref(),
            self.top_package_share.map(Shown),
            self.p_agreement_no_walkout.map(Shown),
        ))
    }
}
