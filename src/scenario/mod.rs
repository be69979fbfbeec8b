//! Scenarios: the negotiation as the analyst describes it (terms, agents, simulation settings),
//! read from TOML and validated into ready-to-run form.

mod legislative;
mod raw;
pub mod slots;
mod theory;
mod toml_error;
mod validate;

use toml_error::toml_error;
use validate::Validator;

pub use theory::{EQUILIBRIUM_MAX_OUTCOMES, EQUILIBRIUM_MAX_PLAN_CELLS, ZEUTHEN_MAX_OUTCOMES};

use crate::engine::dist::{Dist, Param};
use crate::error::{InputError, did_you_mean};
use raw::{RawAgent, RawFile, RawNum, RawSim, RawStrategy, RawTerm, SpannedMap};
use std::collections::HashSet;
use toml::Spanned;

/// The bundled default scenario, embedded in the binary.
pub const BUNDLED: &str = include_str!("../../scenarios/ukraine-peace-2025.toml");
/// The file name shown for the bundled scenario.
pub const BUNDLED_NAME: &str = "scenarios/ukraine-peace-2025.toml";

/// Most runs one request may ask for.
pub const MAX_RUNS: u64 = 1_000_000_000;
/// Longest deadline, in rounds.
pub const MAX_DEADLINE: u32 = 1_000_000;
/// Most worlds one request may play.
pub const MAX_WORLDS: u64 = 1_000_000;
/// Most terms a scenario may have.
pub const MAX_TERMS: usize = 1_000;
/// Most options a term may have (option indices are stored in a byte).
pub const MAX_OPTIONS: usize = 256;
/// Most agents a scenario may have (answers are kept in a 64-bit mask).
pub const MAX_AGENTS: usize = 64;
/// Largest weight of a term. Why: weights are summed to renormalize them, and two weights near
/// `f64::MAX` would overflow that sum to infinity and silently zero every weight (a fuzzing
/// finding); 10^6 per term times 1,000 terms stays far from overflow.
pub const MAX_WEIGHT: f64 = 1e6;
/// Most deadlines one request may list.
pub const MAX_DEADLINES: usize = 1_000;
/// Largest sum of the deadlines of one request, in rounds. Why: every worker keeps a histogram
/// of agreement rounds per deadline, so this bounds that memory (80 MB per worker).
pub const MAX_DEADLINE_SUM: u64 = 10_000_000;
/// Longest name, id or label, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// Largest scenario file read, in bytes.
pub const MAX_FILE_BYTES: u64 = crate::error::MAX_INPUT_BYTES;
/// Largest estimate table (agents x agents x options, 8 bytes each) one run needs. Why: every
/// worker thread holds one, so this bounds memory (128 MB per worker) whatever the file says.
pub const MAX_ESTIMATE_CELLS: u64 = 1 << 24;

/// A validated negotiation scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Monte Carlo settings.
    pub simulation: Simulation,
    /// The terms on the table, in file order.
    pub terms: Vec<Term>,
    /// The agents, in file order (which is also the proposing order).
    pub agents: Vec<Agent>,
}

/// `[simulation]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Monte Carlo runs per deadline.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Deadlines in rounds, as given.
    pub deadlines: Vec<u32>,
    /// Bargaining protocol.
    pub protocol: Protocol,
    /// Index of the mediator agent, if any.
    pub mediator: Option<usize>,
    /// What a round is called when printing ("round", "week", ...).
    pub round_label: String,
    /// How much more weight the mediator gives a party after each rejection (may be uncertain).
    pub mediator_learning_rate: Param,
    /// Whether the mediator remembers its best-supported text and keeps its weights normalized
    /// (`mediator_rule = "remembering"`, the default) or follows the legacy rule.
    pub mediator_memory: bool,
    /// Open-ended talks: the most rounds a run lasts, with `deadlines` read as checkpoints
    /// (`None`: each deadline is a separate world in which the deadline is known).
    pub horizon: Option<u32>,
    /// Worlds to play by default (`worlds = K`): each one draw of every uncertain number,
    /// sharing the `runs` equally (`None`: independent runs).
    pub worlds: Option<u64>,
    /// Votes a proposal needs under the legislative protocol (the proposer's own included);
    /// 0 under the other protocols.
    pub quota: u32,
    /// Per agent, its chance of being recognized as the proposer in a round under the
    /// legislative protocol (summing to 1); empty under the other protocols.
    pub recognition: Vec<f64>,
}

impl Simulation {
    /// True in the open-ended mode (`horizon` set): one negotiation per run, read at checkpoints.
    pub fn open_ended(&self) -> bool {
        self.horizon.is_some()
    }
}

/// What an agent measures its concession time against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// The deadline it believes in: `t = round / (deadline_belief · deadline)`.
    Deadline,
    /// A horizon of its own, in rounds, whatever the real deadline: `t = round / H`.
    Horizon(Param),
}

impl Clock {
    /// A short description for reports ("deadline", "horizon 12", "horizon ~ uniform(8, 16)").
    pub fn label(&self) -> String {
        match self {
            Clock::Deadline => "deadline".to_string(),
            Clock::Horizon(p) => match p.dist {
                Dist::Fixed(h) => format!("horizon {}", fmt_num(h)),
                _ => format!("horizon ~ {}", describe_param(p)),
            },
        }
    }
}

/// The mediator rules, for messages.
const MEDIATOR_RULE_HELP: &str = "mediator rules are \"remembering\" (the default: normalized weights, the best-supported text tabled again after a worse draft) and \"legacy\" (weights grow without bound, no memory; the rule of negsim 0.1)";

/// Largest concession horizon, in rounds (the largest deadline).
pub const MAX_HORIZON: f64 = MAX_DEADLINE as f64;

/// Bargaining protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Stacked alternating offers: the proposer rotates, signatories answer.
    Alternating,
    /// Single negotiating text put forward by a mediator.
    Mediated,
    /// Legislative bargaining (Baron and Ferejohn 1989): a proposer recognized at random each
    /// round, a proposal passes with `quota` votes, closed rule (`src/engine/protocol/legislative.rs`).
    Legislative,
}

impl Protocol {
    /// The name used in scenario files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Alternating => "alternating",
            Protocol::Mediated => "mediated",
            Protocol::Legislative => "legislative",
        }
    }
}

/// One term on the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Identifier used in files and outputs.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Option identifiers.
    pub options: Vec<String>,
    /// Display names of the options, in the order of `options` (the ids when not given).
    pub labels: Vec<String>,
}

/// A concession tactic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    /// Time-dependent tactic with concession exponent `e` (boulware 0.2, linear 1, conceder 2).
    TimeDependent {
        /// The name given in the file, if a named tactic.
        name: Option<&'static str>,
        /// The exponent `e`.
        exponent: Param,
    },
    /// Never concedes: the target stays at the best attainable utility.
    Hardliner,
    /// The subgame-perfect agent of finite-horizon alternating offers (Ståhl 1972), computed
    /// by backward induction (`src/engine/equilibrium.rs`).
    BackwardInduction,
    /// The stationary subgame-perfect strategy of legislative bargaining (Baron and Ferejohn
    /// 1989) for divide-the-dollar-like scenarios (`src/engine/stationary.rs`).
    Stationary,
    /// The Zeuthen concession process of two signatories with complete information, ending at
    /// a package of largest Nash product (`src/engine/zeuthen.rs`).
    Zeuthen,
}

impl Strategy {
    /// A short description for reports.
    pub fn label(&self) -> String {
        match self {
            Strategy::TimeDependent {
                name: Some(n),
                exponent,
            } => format!("{n} (e = {})", fmt_num(exponent.mean())),
            Strategy::TimeDependent {
                name: None,
                exponent,
            } => match exponent.dist {
                Dist::Fixed(e) => format!("exponent {}", fmt_num(e)),
                _ => format!("exponent ~ {}", describe_param(exponent)),
            },
            Strategy::Hardliner => "hardliner".to_string(),
            Strategy::BackwardInduction => "backward induction".to_string(),
            Strategy::Stationary => "stationary (Baron-Ferejohn)".to_string(),
            Strategy::Zeuthen => "Zeuthen".to_string(),
        }
    }
}

/// How a proposer picks its offer among the packages that meet its target (BOA bidding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OfferRule {
    /// The package best for the other signatories by this agent's estimates (the default).
    #[default]
    BestForOthers,
    /// The package with the lowest own utility that still meets the target (ties to the
    /// lexicographically smallest option indices), as the time-dependent agents of GENIUS do
    /// (at most [`NEAREST_MAX_OUTCOMES`] allowed packages).
    Nearest,
    /// Uniformly at random among the packages that meet the target (outcome spaces of at most
    /// [`RANDOM_ABOVE_MAX_OUTCOMES`] packages, listed once per run).
    RandomAbove,
}

/// Largest number of allowed packages (options no signatory and not the agent itself
/// red-lines) for which `offer = "nearest"` is accepted: its exact search lists about `2·√N`
/// partial packages per run and sweeps a share of them at every offer, so its cost grows as
/// `√N` (see [`NEAREST_ROUND_SECONDS_AT_LIMIT`]).
pub const NEAREST_MAX_OUTCOMES: u128 = 100_000_000;

/// Measured seconds per round of a `nearest` negotiation at [`NEAREST_MAX_OUTCOMES`] packages
/// (two `nearest` agents, 8 terms of 10 options, 2-core development machine; BENCHMARKS.md,
/// issue 16, fifth session), the base of the refusal's estimate.
pub const NEAREST_ROUND_SECONDS_AT_LIMIT: f64 = 36e-6;

/// Largest outcome space for which `offer = "random_above"` is accepted: it lists the
/// proposer's allowed packages once per run, sorted by own utility, to draw exactly.
pub const RANDOM_ABOVE_MAX_OUTCOMES: u128 = 100_000;

impl OfferRule {
    /// The scenario-file name of the rule.
    pub fn name(self) -> &'static str {
        match self {
            OfferRule::BestForOthers => "best_for_others",
            OfferRule::Nearest => "nearest",
            OfferRule::RandomAbove => "random_above",
        }
    }
}

/// When a signatory accepts the package on the table (BOA acceptance strategy).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum AcceptRule {
    /// Accept what meets the current target (the default).
    #[default]
    Target,
    /// AC_next: accept what is worth at least the offer this agent would make next round.
    Next,
    /// AC_combi: AC_next, and from perceived time `T` on also anything at least as good as
    /// the best offer received earlier in the run.
    Combi(f64),
}

/// A negotiating party or mediator.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// Identifier (the key of `[agents.ID]`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether the deal needs this agent's yes.
    pub signatory: bool,
    /// Utility of no deal.
    pub reservation: Param,
    /// Concession tactic.
    pub strategy: Strategy,
    /// Chance per round of leaving the talks.
    pub walk_away: Param,
    /// Multiple of the real deadline the agent plans for.
    pub deadline_belief: Param,
    /// Standard deviation of the noise in this agent's estimates of the others.
    pub estimate_noise: f64,
    /// How this agent picks its offers.
    pub offer: OfferRule,
    /// How this agent answers.
    pub accept: AcceptRule,
    /// Whether it estimates the others with the frequency opponent model, learnt from their
    /// offers in the run (`estimates = "frequency"`; alternating protocol only).
    pub frequency_estimates: bool,
    /// Whether its estimates of the others are exact (`estimates = "exact"`) rather than
    /// noisy with `estimate_noise`; the noise draws are consumed either way.
    pub exact_estimates: bool,
    /// Per-round discount factor δ in (0, 1]: an agreement in round t is worth δ^t of its
    /// utility to this agent (reported; in decisions too when `discount_in_decisions`).
    pub discount: f64,
    /// Whether targets and answers use the discounted value `δ^t · utility`
    /// (`discount = { rate = δ, in_decisions = true }`); false keeps discounting an outcome
    /// measure only.
    pub discount_in_decisions: bool,
    /// What the agent measures its concession time against.
    pub clock: Clock,
    /// Utility of no deal lost per round of talks: in round t the no-deal value is
    /// `max(0, reservation - delay_cost · t)`, in decisions and in reported gains.
    pub delay_cost: Param,
    /// Raw importance of each term (0 where not weighted).
    pub weights: Vec<Param>,
    /// Utility of each option of each term (fixed 0 for unweighted terms).
    pub values: Vec<Vec<Param>>,
    /// `red_lines[term][option]`: the agent never accepts this option.
    pub red_lines: Vec<Vec<bool>>,
}

impl Agent {
    /// The weights at their means, normalized to sum 1 (all zero if they sum to zero).
    pub fn mean_weights(&self) -> Vec<f64> {
        let raw: Vec<f64> = self.weights.iter().map(Param::mean).collect();
        let sum: f64 = raw.iter().sum();
        if sum > 0.0 {
            raw.iter().map(|w| w / sum).collect()
        } else {
            raw
        }
    }
}

impl Scenario {
    /// Reads and validates a scenario from TOML text; `origin` names it in error messages.
    pub fn from_toml_str(src: &str, origin: &str) -> Result<Scenario, InputError> {
        let raw: RawFile = toml::from_str(src).map_err(|e| toml_error(&e, src, origin))?;
        Validator { src, origin }.scenario(raw)
    }

    /// The bundled default scenario.
    pub fn bundled() -> Scenario {
        Scenario::from_toml_str(BUNDLED, BUNDLED_NAME).expect("the bundled scenario is valid")
    }

    /// Checks deadlines given for a run against the scenario: in open-ended talks they are
    /// checkpoints, and none may lie beyond the horizon.
    pub fn check_checkpoints(&self, deadlines: &[u32]) -> Result<(), InputError> {
        match self.simulation.horizon {
            Some(h) if deadlines.iter().any(|&d| d > h) => {
                let d = deadlines.iter().find(|&&d| d > h).copied().unwrap_or(h);
                Err(InputError::new(
                    "--deadlines",
                    format!("checkpoint {d} is beyond the horizon {h} of the open-ended talks"),
                )
                .with_help(format!(
                    "in open-ended talks --deadlines gives the checkpoints, rounds from 1 to the horizon {h}"
                )))
            }
            _ => Ok(()),
        }
    }

    /// Index of the term with this id.
    pub fn term_index(&self, id: &str) -> Option<usize> {
        self.terms.iter().position(|t| t.id == id)
    }

    /// Index of the agent with this id.
    pub fn agent_index(&self, id: &str) -> Option<usize> {
        self.agents.iter().position(|a| a.id == id)
    }

    /// Indices of the signatories.
    pub fn signatories(&self) -> Vec<usize> {
        (0..self.agents.len())
            .filter(|&i| self.agents[i].signatory)
            .collect()
    }

    /// Number of complete packages (saturating at `u128::MAX`).
    pub fn outcome_space_size(&self) -> u128 {
        self.terms
            .iter()
            .fold(1u128, |acc, t| acc.saturating_mul(t.options.len() as u128))
    }

    /// Options of each term that no signatory red-lines.
    pub fn publicly_allowed(&self) -> Vec<Vec<bool>> {
        self.terms
            .iter()
            .enumerate()
            .map(|(t, term)| {
                (0..term.options.len())
                    .map(|o| !self.agents.iter().any(|a| a.signatory && a.red_lines[t][o]))
                    .collect()
            })
            .collect()
    }

    /// An error for an unknown agent id, with a suggestion.
    pub fn unknown_agent(&self, id: &str, origin: &str) -> InputError {
        let ids = self.agents.iter().map(|a| a.id.as_str());
        let mut e = InputError::new(origin, format!("unknown agent `{}`", quote(id)));
        e.help = Some(match did_you_mean(id, ids) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "agents are: {}",
                self.agents
                    .iter()
                    .map(|a| a.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
        e
    }
}

/// Formats a number compactly for messages and reports.
pub fn fmt_num(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Describes a parameter as written ("0.3", "normal(0.3, 0.05)", ...).
pub fn describe_param(p: &Param) -> String {
    match p.dist {
        Dist::Fixed(v) => fmt_num(v),
        Dist::Normal { mean, sd } => format!("normal({}, {})", fmt_num(mean), fmt_num(sd)),
        Dist::Uniform { low, high } => format!("uniform({}, {})", fmt_num(low), fmt_num(high)),
        Dist::Triangular { low, mode, high } => format!(
            "triangular({}, {}, {})",
            fmt_num(low),
            fmt_num(mode),
            fmt_num(high)
        ),
    }
}

/// Checks the number and total length of a request's deadlines (each already in range);
/// returns what is wrong and what would be valid.
pub fn check_deadline_list(deadlines: &[u32]) -> Result<(), (String, String)> {
    if deadlines.len() > MAX_DEADLINES {
        return Err((
            format!(
                "{} deadlines are too many: at most {}",
                thousands(deadlines.len() as u64),
                thousands(MAX_DEADLINES as u64)
            ),
            "list fewer deadlines; P(agreement within k rounds) changes slowly with k".into(),
        ));
    }
    let sum: u64 = deadlines.iter().map(|&d| u64::from(d)).sum();
    if sum > MAX_DEADLINE_SUM {
        return Err((
            format!(
                "the deadlines add up to {} rounds, more than the limit of {}",
                thousands(sum),
                thousands(MAX_DEADLINE_SUM)
            ),
            format!(
                "each deadline is 1 to {} rounds, and together at most {} rounds",
                thousands(u64::from(MAX_DEADLINE)),
                thousands(MAX_DEADLINE_SUM)
            ),
        ));
    }
    Ok(())
}

/// Checks that one run's tables fit the memory limit ([`MAX_ESTIMATE_CELLS`]).
fn check_model_size(terms: &[Term], agents: usize) -> Result<(), (String, String)> {
    let options: u64 = terms.iter().map(|t| t.options.len() as u64).sum();
    let cells = (agents as u64).pow(2) * options;
    if cells > MAX_ESTIMATE_CELLS {
        return Err((
            format!(
                "the scenario is too large: {agents} agents and {} options in all need {} estimates per run, more than the limit of {}",
                thousands(options),
                thousands(cells),
                thousands(MAX_ESTIMATE_CELLS)
            ),
            "every agent estimates every other's value of every option; use fewer agents or options".into(),
        ));
    }
    Ok(())
}

/// Help shown with every problem about `runs`.
const RUNS_HELP: &str = "runs is a whole number from 1 to 10^9, for example runs = 10000 (10,000 runs give P(agreement) within +-0.01)";

/// A whole number with thousands separators (`1,000,000`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The source text of a span, trimmed and shortened for messages.
fn src_text(src: &str, span: std::ops::Range<usize>) -> String {
    truncate(src.get(span).unwrap_or("").trim(), 40)
}

/// A name from the file for a message: control characters escaped, at most 40 characters.
pub(crate) fn quote(s: &str) -> String {
    let escaped: String = s.chars().take(41).flat_map(char::escape_debug).collect();
    truncate(&escaped, 40)
}

/// A number for a message: plain when of ordinary size, in exponent form when huge or tiny.
fn show(v: f64) -> String {
    let a = v.abs();
    if v.is_finite() && a != 0.0 && !(1e-6..1e9).contains(&a) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// Names a character for a message (control and invisible characters by code point).
fn describe_char(c: char) -> String {
    if c.is_control() {
        format!("the control character U+{:04X}", u32::from(c))
    } else if is_invisible(c) {
        format!("the invisible character U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

/// Whether `c` shows as nothing (or as a plain space) although it is a different character:
/// zero-width and bidirectional formatting characters, variation selectors, tags, fillers and
/// spaces other than U+0020. Why: ids that differ only by one of these (`price` and
/// `price` + U+200B) look identical in every message and table.
pub(crate) fn is_invisible(c: char) -> bool {
    (c.is_whitespace() && c != ' ')
        || matches!(
            u32::from(c),
            0x00AD
                | 0x034F
                | 0x061C
                | 0x115F..=0x1160
                | 0x17B4..=0x17B5
                | 0x180B..=0x180F
                | 0x200B..=0x200F
                | 0x202A..=0x202E
                | 0x2060..=0x206F
                | 0x3164
                | 0xFE00..=0xFE0F
                | 0xFEFF
                | 0xFFA0
                | 0xFFF0..=0xFFF8
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                | 0xE0000..=0xE0FFF
        )
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}
