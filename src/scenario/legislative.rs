//! The keys of the legislative protocol (`protocol = "legislative"`): `quota` and
//! `recognition` in `[simulation]`, checked once when the file is read.

use super::raw::{RawNum, SpannedMap};
use super::{Agent, Protocol, Validator, quote, show};
use crate::error::InputError;
use std::ops::Range;
use toml::Spanned;

/// How far the recognition probabilities may sum from 1: far above the rounding of a few
/// decimal fractions, far below any chance that matters.
pub const RECOGNITION_SUM_TOLERANCE: f64 = 1e-9;

/// Most coalitions a heuristic proposer under the legislative protocol considers (one exact
/// offer search each, every round). Why a limit: with `n` signatories and quota `q` there are
/// C(n-1, q-1) of them.
pub const LEGISLATIVE_MAX_COALITIONS: u64 = 1024;

/// The default quota with `n` signatories: a simple majority, `floor(n / 2) + 1`.
pub fn default_quota(n: usize) -> u32 {
    (n / 2 + 1) as u32
}

/// The binomial coefficient C(n, k), saturating.
pub fn binomial(n: u64, k: u64) -> u64 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    // Each partial product is itself a binomial coefficient, so the division is exact.
    (0..k).fold(1u64, |acc, i| acc.saturating_mul(n - i) / (i + 1))
}

const QUOTA_HELP: &str = "quota is the number of votes a proposal needs under protocol = \"legislative\", the proposer's own included: a whole number from 1 to the number of signatories (the default is a simple majority, floor(n/2) + 1)";

const RECOGNITION_HELP: &str = "recognition gives each signatory its chance of proposing in a round, for example recognition = { a = 0.5, b = 0.25, c = 0.25 }; the chances are at least 0 and sum to 1, agents left out get 0 (the default is equal chances)";

impl Validator<'_> {
    /// Reads `quota` and `recognition`: the quota (default a simple majority of the
    /// signatories) and each agent's chance of being recognized (default equal among the
    /// signatories). Both belong to the legislative protocol only.
    pub(super) fn legislative(
        &self,
        quota: Option<Spanned<i64>>,
        recognition: Option<Spanned<SpannedMap<RawNum>>>,
        protocol: Protocol,
        sim_span: Range<usize>,
        agents: &[Agent],
    ) -> Result<(u32, Vec<f64>), InputError> {
        if protocol != Protocol::Legislative {
            let stray = quota
                .as_ref()
                .map(|q| ("quota", q.span()))
                .or(recognition.as_ref().map(|r| ("recognition", r.span())));
            if let Some((key, span)) = stray {
                return Err(self
                    .at(
                        span,
                        format!(
                            "`{key}` belongs to protocol = \"legislative\", but the protocol is \"{}\"",
                            protocol.as_str()
                        ),
                    )
                    .with_help("add protocol = \"legislative\" to [simulation], or remove the key"));
            }
            return Ok((0, Vec::new()));
        }
        let n_sig = agents.iter().filter(|a| a.signatory).count();
        let q = match &quota {
            None => default_quota(n_sig),
            Some(q) => {
                let v = *q.get_ref();
                if v < 1 || v > n_sig as i64 {
                    return Err(self
                        .at(
                            q.span(),
                            format!(
                                "quota = {v} is out of range: there are {n_sig} signatories, so a proposal can win from 1 to {n_sig} votes"
                            ),
                        )
                        .with_help(QUOTA_HELP));
                }
                v as u32
            }
        };
        let mut probs = vec![0.0; agents.len()];
        match recognition {
            None => {
                for (p, a) in probs.iter_mut().zip(agents) {
                    if a.signatory {
                        *p = 1.0 / n_sig as f64;
                    }
                }
            }
            Some(table) => {
                let tspan = table.span();
                for (id, v) in table.into_inner() {
                    let Some(i) = agents.iter().position(|a| a.id == *id.get_ref()) else {
                        let mut e = self.at(
                            id.span(),
                            format!(
                                "recognition names `{}`, which is not an agent",
                                quote(id.get_ref())
                            ),
                        );
                        e.help = Some(self.suggest(
                            id.get_ref(),
                            agents.iter().map(|a| a.id.as_str()),
                            "agents",
                        ));
                        return Err(e);
                    };
                    let x = match v.get_ref() {
                        RawNum::Num(x) => *x,
                        _ => {
                            return Err(self
                                .at(
                                    v.span(),
                                    format!("recognition of `{}` must be a number", agents[i].id),
                                )
                                .with_help(RECOGNITION_HELP));
                        }
                    };
                    if !(x.is_finite() && (0.0..=1.0).contains(&x)) {
                        return Err(self
                            .at(
                                v.span(),
                                format!(
                                    "recognition of `{}` must be in [0, 1], got {}",
                                    agents[i].id,
                                    show(x)
                                ),
                            )
                            .with_help(RECOGNITION_HELP));
                    }
                    if x > 0.0 && !agents[i].signatory {
                        return Err(self
                            .at(
                                v.span(),
                                format!(
                                    "recognition of `{}` is {}, but `{}` is not a signatory and cannot propose under the legislative protocol",
                                    agents[i].id,
                                    show(x),
                                    agents[i].id
                                ),
                            )
                            .with_help("give non-signatories recognition 0, or leave them out"));
                    }
                    probs[i] = x;
                }
                let sum: f64 = probs.iter().sum();
                if (sum - 1.0).abs() > RECOGNITION_SUM_TOLERANCE {
                    return Err(self
                        .at(
                            tspan,
                            format!("the recognition probabilities sum to {}, not 1", show(sum)),
                        )
                        .with_help(RECOGNITION_HELP));
                }
            }
        }
        // A heuristic best-for-others proposer searches once per coalition of quota - 1 others.
        let coalitions = binomial(n_sig.saturating_sub(1) as u64, u64::from(q) - 1);
        if coalitions > LEGISLATIVE_MAX_COALITIONS {
            let at = quota.as_ref().map_or(sim_span, Spanned::span);
            return Err(self
                .at(
                    at,
                    format!(
                        "with {n_sig} signatories and quota {q} a proposer chooses among {coalitions} coalitions, more than the limit of {LEGISLATIVE_MAX_COALITIONS}"
                    ),
                )
                .with_help("use fewer signatories, or a quota nearer 1 or the number of signatories"));
        }
        Ok((q, probs))
    }
}
