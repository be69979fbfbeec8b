//! Scenarios: the negotiation as the analyst describes it (terms, agents, simulation settings),
//! read from TOML and validated into ready-to-run form.

mod legislative;
mod raw;
mod theory;

pub use theory::{EQUILIBRIUM_MAX_OUTCOMES, EQUILIBRIUM_MAX_PLAN_CELLS, ZEUTHEN_MAX_OUTCOMES};

use crate::dist::{Dist, Param};
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
    /// round, a proposal passes with `quota` votes, closed rule (`src/protocol/legislative.rs`).
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
    /// by backward induction (`src/equilibrium.rs`).
    BackwardInduction,
    /// The stationary subgame-perfect strategy of legislative bargaining (Baron and Ferejohn
    /// 1989) for divide-the-dollar-like scenarios (`src/stationary.rs`).
    Stationary,
    /// The Zeuthen concession process of two signatories with complete information, ending at
    /// a package of largest Nash product (`src/zeuthen.rs`).
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
    /// lexicographically smallest option indices), as the time-dependent agents of GENIUS do.
    Nearest,
    /// Uniformly at random among the packages that meet the target (outcome spaces of at most
    /// [`RANDOM_ABOVE_MAX_OUTCOMES`] packages, listed once per run).
    RandomAbove,
}

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

/// Turns a TOML deserialization error into a located input error: serde's wording for wrong
/// types is rephrased in the words of the file (table, array, whole number) and names the key,
/// and unknown keys get a suggestion.
fn toml_error(e: &toml::de::Error, src: &str, origin: &str) -> InputError {
    let message = e.message().trim().to_string();
    let mut err = InputError::new(origin, message.clone());
    if let Some(span) = e.span() {
        err = err.at(src, span.start);
    }
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((field, expected)) = rest.split_once("`, expected ")
    {
        let names: Vec<&str> = expected
            .split(['`', ',', ' '])
            .filter(|s| !s.is_empty() && *s != "one" && *s != "of" && *s != "or")
            .collect();
        err.message = format!("unknown key `{}`", quote(field));
        err.help = Some(match did_you_mean(field, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? valid keys here: {}", names.join(", ")),
            None => format!("valid keys here: {}", names.join(", ")),
        });
        return err;
    }
    let key = e.span().and_then(|sp| key_at(src, sp.start));
    // `[[simulation]]` where `[simulation]` is meant: serde names some field's type instead.
    if message.starts_with("invalid type: ")
        && let Some(sp) = e.span()
        && let Some(line) = src.get(sp.start..).and_then(|rest| rest.lines().next())
        && let Some(name) = line
            .trim()
            .strip_prefix("[[")
            .and_then(|l| l.split_once("]]"))
    {
        let name = quote(name.0.trim());
        err.message = format!("`{name}` is a single table, not an array of tables");
        err.help = Some(format!("write [{name}], with single brackets"));
        return err;
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let whose = key
            .as_ref()
            .map_or("a value ".to_string(), |k| format!("`{k}` "));
        err.message = if let Some(n) = found.strip_prefix("integer `")
            && let Some((n, _)) = n.split_once("` as i128")
        {
            format!("{whose}holds {n}, which is too large")
        } else {
            format!(
                "{whose}has the wrong type: expected {}, found {}",
                plain_type(expected),
                plain_type(found)
            )
        };
    } else if message.starts_with("cannot recurse further") || message == "recursion limit" {
        err.message = "arrays, tables or dotted keys are nested too deeply".to_string();
        err.help =
            Some("a scenario needs at most 4 levels of nesting; TOML readers stop at 80".into());
        return err;
    } else if message == "duplicate key"
        && let Some(k) = key.clone().or_else(|| e.span().map(|sp| src_text(src, sp)))
    {
        err.message = format!("duplicate key `{}`", k.trim_matches(['[', ']']));
        err.help = Some("each key and table may appear only once; merge the two".into());
        return err;
    } else if message.starts_with("string values must be quoted")
        && let Some(sp) = e.span()
        && src
            .get(sp.start..)
            .and_then(|rest| rest.lines().next())
            .is_none_or(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        err.message = "missing value after `=`".to_string();
        err.help = Some("write key = value, for example seed = 42".into());
        return err;
    }
    if err.help.is_none() {
        err.help = key.as_deref().and_then(key_help).map(str::to_string);
    }
    err
}

/// serde's names for what was found or expected, in the words of a TOML file.
fn plain_type(s: &str) -> String {
    let s = s.trim();
    match s {
        "i64" | "u64" | "u32" | "i128" | "integer" => return "a whole number".into(),
        "f64" => return "a number".into(),
        "a sequence" | "sequence" => return "an array".into(),
        "a map" | "map" | "struct RawFile" | "struct RawSim" | "struct RawMeta"
        | "struct RawTerm" | "struct RawAgent" => return "a table".into(),
        "a boolean" => return "true or false".into(),
        _ => {}
    }
    for (prefix, noun) in [
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("boolean ", ""),
        ("string ", "the string "),
    ] {
        if let Some(v) = s.strip_prefix(prefix) {
            return format!("{noun}{}", v.trim_matches('`'));
        }
    }
    s.to_string()
}

/// The key whose value starts at byte `at`: the last key before an `=` on that line, or the
/// name in a `[table]` header there.
fn key_at(src: &str, at: usize) -> Option<String> {
    let at = (0..=at.min(src.len()))
        .rev()
        .find(|&i| src.is_char_boundary(i))?;
    let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &src[line_start..at];
    if let Some(eq) = before.rfind('=') {
        let k = before[..eq]
            .rsplit(['{', ',', '['])
            .next()?
            .trim()
            .trim_matches(['"', '\'']);
        let k = k.rsplit('.').next()?.trim();
        return (!k.is_empty()).then(|| k.to_string());
    }
    let rest = src[at..].lines().next()?.trim_start();
    let header = rest.strip_prefix('[')?;
    let header = header.strip_prefix('[').unwrap_or(header);
    let name = header.split(']').next()?.rsplit('.').next()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// What a key expects, for messages about a value of the wrong type.
fn key_help(key: &str) -> Option<&'static str> {
    Some(match key {
        "runs" => RUNS_HELP,
        "seed" => "seed is a whole number, for example seed = 42",
        "deadlines" => {
            "deadlines is an array of whole numbers of rounds, for example deadlines = [4, 8, 12]"
        }
        "protocol" => "protocol is \"alternating\" or \"mediated\"",
        "mediator" | "round_label" | "name" | "description" | "id" => {
            "this key takes a quoted string, for example name = \"Ukraine\""
        }
        "mediator_learning_rate" | "estimate_noise" => "this key takes a number, for example 0.5",
        "options" => "options is an array of quoted names, for example options = [\"yes\", \"no\"]",
        "signatory" => "signatory is true or false",
        "terms" => "write each term as [[terms]] (double brackets: an array of tables)",
        "agents" => "write each agent as a table [agents.ID]",
        "weights" => "write [agents.ID.weights] with one line per term, for example land = 0.5",
        "values" => "write [agents.ID.values.TERM] with one line per option, for example all = 1.0",
        "red_lines" => {
            "red_lines maps terms to arrays of options, for example red_lines = { land = [\"none\"] }"
        }
        "scenario" | "simulation" => {
            "this is a table: write [scenario] or [simulation] on a line of its own"
        }
        _ => return None,
    })
}

/// Walks the raw file and builds the validated scenario, locating every problem.
struct Validator<'a> {
    src: &'a str,
    origin: &'a str,
}

impl Validator<'_> {
    fn at(&self, span: std::ops::Range<usize>, msg: impl Into<String>) -> InputError {
        InputError::new(self.origin, msg).at(self.src, span.start)
    }

    fn missing(&self, what: &str, help: &str) -> InputError {
        InputError::new(self.origin, format!("missing {what}")).with_help(help)
    }

    fn scenario(&self, raw: RawFile) -> Result<Scenario, InputError> {
        let meta = raw.scenario.ok_or_else(|| {
            self.missing("[scenario] table", "add [scenario] with name = \"...\"")
        })?;
        let meta_span = meta.span();
        let meta = meta.into_inner();
        let name = meta.name.ok_or_else(|| {
            self.at(meta_span, "missing key `name` in [scenario]")
                .with_help("add name = \"My negotiation\"")
        })?;
        let name = self.text(name, "scenario name", MAX_NAME_CHARS)?;
        let description = match meta.description {
            None => String::new(),
            Some(d) => self.text(d, "scenario description", MAX_DESCRIPTION_CHARS)?,
        };
        let sim = raw.simulation.ok_or_else(|| {
            self.missing(
                "[simulation] table",
                "add [simulation] with runs, seed and deadlines",
            )
        })?;
        let terms_raw = raw.terms.ok_or_else(|| {
            self.missing(
                "[[terms]]",
                "add at least one [[terms]] table with id and options",
            )
        })?;
        let terms = self.terms(terms_raw)?;
        let agents_raw = raw
            .agents
            .ok_or_else(|| self.missing("[agents]", "add at least two [agents.ID] tables"))?;
        let raw_agents_span = agents_raw.span();
        let default_clock = match &sim.get_ref().clock {
            None => Clock::Deadline,
            Some(c) => self.clock(c, "[simulation] clock")?,
        };
        let strategy_spans: Vec<_> = agents_raw
            .get_ref()
            .values()
            .map(|a| a.get_ref().strategy.as_ref().map(Spanned::span))
            .collect();
        let protocol_span = sim.get_ref().protocol.as_ref().map(Spanned::span);
        let agents = self.agents(agents_raw, &terms, default_clock)?;
        let simulation = self.simulation(sim, &agents)?;
        self.theory_rules(
            &terms,
            &agents,
            &simulation,
            &strategy_spans,
            protocol_span.clone(),
        )?;
        self.stationary_rules(&terms, &agents, &simulation, &strategy_spans)?;
        self.zeuthen_rules(&terms, &agents, &simulation, &strategy_spans, protocol_span)?;
        if simulation.protocol == Protocol::Legislative
            && let Some(a) = agents.iter().find(|a| a.frequency_estimates)
        {
            return Err(InputError::new(
                self.origin,
                format!(
                    "agent `{}` uses estimates = \"frequency\", which the legislative protocol does not support (its proposers court coalitions by per-agent estimates)",
                    a.id
                ),
            )
            .with_help("use estimates = \"noisy\" or \"exact\", or protocol = \"alternating\""));
        }
        if simulation.protocol == Protocol::Mediated
            && let Some(a) = agents.iter().find(|a| a.frequency_estimates)
        {
            return Err(InputError::new(
                self.origin,
                format!(
                    "agent `{}` uses estimates = \"frequency\", which learns from the parties' offers, but under protocol = \"mediated\" only the mediator makes offers",
                    a.id
                ),
            )
            .with_help("use estimates = \"noisy\" or \"exact\", or protocol = \"alternating\""));
        }
        check_model_size(&terms, agents.len()).map_err(|(msg, help)| {
            let at = raw_agents_span.clone();
            self.at(at, msg).with_help(help)
        })?;
        Ok(Scenario {
            name,
            description,
            simulation,
            terms,
            agents,
        })
    }

    fn simulation(&self, sim: Spanned<RawSim>, agents: &[Agent]) -> Result<Simulation, InputError> {
        let span = sim.span();
        let sim = sim.into_inner();
        let runs = match sim.runs {
            None => 10_000,
            Some(r) => {
                let v = *r.get_ref();
                if !(v.is_finite() && v.fract() == 0.0 && v >= 1.0) {
                    return Err(self
                        .at(
                            r.span(),
                            format!(
                                "runs must be a whole number of at least 1, got {}",
                                src_text(self.src, r.span())
                            ),
                        )
                        .with_help(RUNS_HELP));
                }
                if v > MAX_RUNS as f64 {
                    return Err(self
                        .at(
                            r.span(),
                            format!(
                                "runs = {} is too many: at most {} runs per deadline",
                                src_text(self.src, r.span()),
                                thousands(MAX_RUNS)
                            ),
                        )
                        .with_help(RUNS_HELP));
                }
                v as u64
            }
        };
        let seed = match sim.seed {
            None => 0,
            Some(s) => {
                let v = *s.get_ref();
                u64::try_from(v).map_err(|_| {
                    self.at(s.span(), format!("seed {v} is out of range"))
                        .with_help(format!(
                            "a seed is a whole number from 0 to {}, for example seed = 42",
                            u64::MAX
                        ))
                })?
            }
        };
        let deadlines_raw = match (sim.deadlines, sim.checkpoints, &sim.horizon) {
            (Some(d), _, Some(_)) => {
                return Err(self
                    .at(d.span(), "`deadlines` does not go with `horizon`")
                    .with_help("open-ended talks (horizon = H) are read at checkpoints: write checkpoints = [...] (rounds up to the horizon) instead of deadlines"));
            }
            (_, Some(c), None) => {
                return Err(self
                    .at(c.span(), "`checkpoints` needs `horizon`")
                    .with_help("checkpoints are the rounds at which open-ended talks are read; add horizon = H, or write deadlines = [...] for separate worlds with known deadlines"));
            }
            (Some(d), None, None) => d,
            (None, Some(c), Some(_)) => c,
            (None, None, Some(h)) => Spanned::new(h.span(), vec![h.clone()]),
            (None, None, None) => {
                return Err(self
                    .at(span.clone(), "missing key `deadlines` in [simulation]")
                    .with_help("for example deadlines = [4, 8, 12]"));
            }
        };
        let dl_span = deadlines_raw.span();
        let mut deadlines = Vec::new();
        for d in deadlines_raw.into_inner() {
            let v = *d.get_ref();
            if v < 1 || v > i64::from(MAX_DEADLINE) {
                return Err(self
                    .at(
                        d.span(),
                        format!(
                            "deadline {} is out of range",
                            u64::try_from(v).map_or(v.to_string(), thousands)
                        ),
                    )
                    .with_help(format!(
                        "deadlines are rounds from 1 to {}",
                        thousands(u64::from(MAX_DEADLINE))
                    )));
            }
            deadlines.push(v as u32);
        }
        if deadlines.is_empty() {
            return Err(self
                .at(dl_span, "deadlines is empty")
                .with_help("give at least one deadline in rounds, for example [4, 8, 12]"));
        }
        check_deadline_list(&deadlines)
            .map_err(|(msg, help)| self.at(dl_span.clone(), msg).with_help(help))?;
        let protocol = match sim.protocol {
            None => Protocol::Alternating,
            Some(p) => {
                match p.get_ref().as_str() {
                    "alternating" => Protocol::Alternating,
                    "mediated" => Protocol::Mediated,
                    "legislative" => Protocol::Legislative,
                    other => {
                        let mut e =
                            self.at(p.span(), format!("unknown protocol `{}`", quote(other)));
                        e.help = Some(match did_you_mean(other, ["alternating", "mediated", "legislative"]) {
                        Some(s) => format!(
                            "did you mean \"{s}\"? protocols are \"alternating\", \"mediated\" and \"legislative\""
                        ),
                        None => "protocols are \"alternating\", \"mediated\" and \"legislative\"".to_string(),
                    });
                        return Err(e);
                    }
                }
            }
        };
        let mediator = match sim.mediator {
            None => None,
            Some(m) => {
                let id = m.get_ref();
                if protocol == Protocol::Legislative {
                    return Err(self
                        .at(
                            m.span(),
                            format!("protocol = \"legislative\" has no mediator, but mediator = \"{}\" is given", quote(id)),
                        )
                        .with_help("under the legislative protocol the recognized signatory proposes; remove `mediator`, or use protocol = \"mediated\""));
                }
                match agents.iter().position(|a| &a.id == id) {
                    Some(i) => Some(i),
                    None => {
                        let mut e = self.at(
                            m.span(),
                            format!("mediator `{}` is not an agent", quote(id)),
                        );
                        e.help =
                            Some(self.suggest(id, agents.iter().map(|a| a.id.as_str()), "agents"));
                        return Err(e);
                    }
                }
            }
        };
        if protocol == Protocol::Mediated && mediator.is_none() {
            return Err(self
                .at(span, "protocol = \"mediated\" needs a mediator")
                .with_help(format!(
                    "add mediator = \"ID\" naming one of the agents: {}",
                    agents
                        .iter()
                        .map(|a| a.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
        }
        let mediator_learning_rate = match &sim.mediator_learning_rate {
            None => Param::fixed(0.5, 0.0, 10.0),
            Some(r) => {
                if let RawNum::Num(v) = r.get_ref()
                    && !(v.is_finite() && (0.0..=10.0).contains(v))
                {
                    return Err(self
                        .at(
                            r.span(),
                            format!(
                                "mediator_learning_rate must be in [0, 10], got {}",
                                show(*v)
                            ),
                        )
                        .with_help("0 keeps the mediator's weights fixed; the default is 0.5"));
                }
                self.param(r, 0.0, 10.0, "mediator_learning_rate", "in [simulation]")?
            }
        };
        let mediator_memory = match &sim.mediator_rule {
            None => true,
            Some(r) => match r.get_ref().as_str() {
                "remembering" => true,
                "legacy" => false,
                other => {
                    let mut e = self.at(
                        r.span(),
                        format!("unknown mediator_rule `{}`", quote(other)),
                    );
                    e.help = Some(match did_you_mean(other, ["remembering", "legacy"]) {
                        Some(s) => format!("did you mean \"{s}\"? {MEDIATOR_RULE_HELP}"),
                        None => MEDIATOR_RULE_HELP.to_string(),
                    });
                    return Err(e);
                }
            },
        };
        let horizon = match &sim.horizon {
            None => None,
            Some(h) => {
                let v = *h.get_ref();
                if v < 1 || v > i64::from(MAX_DEADLINE) {
                    return Err(self
                        .at(h.span(), format!("horizon {v} is out of range"))
                        .with_help(format!(
                            "the horizon of open-ended talks is a number of rounds from 1 to {}",
                            thousands(u64::from(MAX_DEADLINE))
                        )));
                }
                if let Some(a) = agents.iter().find(|a| a.clock == Clock::Deadline) {
                    return Err(self
                        .at(
                            h.span(),
                            format!(
                                "open-ended talks (horizon = {v}) have no deadline to concede against, but agent `{}` uses clock = \"deadline\"",
                                a.id
                            ),
                        )
                        .with_help("give every agent a concession horizon of its own: clock = { horizon = H } in [simulation] (the default of all agents) or in the agent's table"));
                }
                Some(v as u32)
            }
        };
        if let Some(h) = horizon
            && let Some(&c) = deadlines.iter().find(|&&c| c > h)
        {
            return Err(self
                .at(dl_span, format!("checkpoint {c} is beyond the horizon {h}"))
                .with_help(
                    "checkpoints are rounds of the open-ended talks, from 1 to the horizon",
                ));
        }
        let worlds = match &sim.worlds {
            None => None,
            Some(w) => {
                let v = *w.get_ref();
                let max = crate::request::MAX_WORLDS;
                if v < 0 || v as u64 > max {
                    return Err(self
                        .at(w.span(), format!("worlds = {v} is out of range"))
                        .with_help(format!(
                            "give 0 (no worlds: every run draws every uncertain number afresh) to {} worlds, each played `runs` times",
                            thousands(max)
                        )));
                }
                if v as u64 > runs {
                    return Err(self
                        .at(
                            w.span(),
                            format!("{v} worlds need at least {v} runs, one per world, but runs = {runs}"),
                        )
                        .with_help("the runs are shared among the worlds: give runs = 100 x worlds, or fewer worlds"));
                }
                (v > 0).then_some(v as u64)
            }
        };
        let (quota, recognition) =
            self.legislative(sim.quota, sim.recognition, protocol, span.clone(), agents)?;
        Ok(Simulation {
            runs,
            seed,
            deadlines,
            protocol,
            mediator,
            mediator_memory,
            horizon,
            worlds,
            quota,
            recognition,
            round_label: match sim.round_label {
                None => "round".to_string(),
                Some(l) => self.text(l, "round_label", MAX_NAME_CHARS)?,
            },
            mediator_learning_rate,
        })
    }

    fn suggest<'b>(
        &self,
        name: &str,
        candidates: impl Iterator<Item = &'b str> + Clone,
        what: &str,
    ) -> String {
        match did_you_mean(name, candidates.clone()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => {
                let all: Vec<&str> = candidates.collect();
                let shown = all.iter().take(20).copied().collect::<Vec<_>>().join(", ");
                match all.len() {
                    0..=20 => format!("{what} are: {shown}"),
                    n => format!("{what} are: {shown}, ... ({n} in all)"),
                }
            }
        }
    }

    fn terms(&self, raw: Spanned<Vec<Spanned<RawTerm>>>) -> Result<Vec<Term>, InputError> {
        let span = raw.span();
        let raw = raw.into_inner();
        if raw.is_empty() {
            return Err(self
                .at(span, "no terms")
                .with_help("add at least one [[terms]] table"));
        }
        if raw.len() > MAX_TERMS {
            return Err(self
                .at(
                    span,
                    format!(
                        "{} terms are too many: at most {} terms",
                        thousands(raw.len() as u64),
                        thousands(MAX_TERMS as u64)
                    ),
                )
                .with_help("merge or drop terms that no agent weights"));
        }
        let mut seen = HashSet::new();
        let mut terms = Vec::with_capacity(raw.len());
        for t in raw {
            let tspan = t.span();
            let t = t.into_inner();
            let id = t.id.ok_or_else(|| {
                self.at(tspan.clone(), "a term is missing its `id`")
                    .with_help("add id = \"short_name\"")
            })?;
            self.check_id(&id, "term id")?;
            if !seen.insert(id.get_ref().clone()) {
                return Err(self
                    .at(id.span(), format!("duplicate term id `{}`", id.get_ref()))
                    .with_help("every term needs its own id"));
            }
            let opts = t.options.ok_or_else(|| {
                self.at(
                    tspan.clone(),
                    format!("term `{}` has no `options`", id.get_ref()),
                )
                .with_help("add options = [\"a\", \"b\"]")
            })?;
            let ospan = opts.span();
            let opts = opts.into_inner();
            if opts.len() < 2 {
                let has = match opts.len() {
                    0 => "no options".to_string(),
                    _ => format!("only one option (`{}`)", opts[0].get_ref()),
                };
                return Err(self
                    .at(ospan, format!("term `{}` has {has}", id.get_ref()))
                    .with_help("a term needs 2 to 256 options to negotiate over, for example options = [\"yes\", \"no\"]"));
            }
            if opts.len() > MAX_OPTIONS {
                return Err(self
                    .at(
                        ospan,
                        format!(
                            "term `{}` has {} options, more than the limit of {MAX_OPTIONS}",
                            id.get_ref(),
                            opts.len()
                        ),
                    )
                    .with_help("group options into ranges, or split the term in two"));
            }
            let mut seen_o = HashSet::new();
            let mut options = Vec::with_capacity(opts.len());
            for o in opts {
                self.check_id(&o, "option")?;
                if !seen_o.insert(o.get_ref().clone()) {
                    return Err(self
                        .at(
                            o.span(),
                            format!(
                                "duplicate option `{}` in term `{}`",
                                o.get_ref(),
                                id.get_ref()
                            ),
                        )
                        .with_help("every option of a term needs its own name"));
                }
                options.push(o.into_inner());
            }
            let labels = match t.labels {
                None => options.clone(),
                Some(l) => {
                    if l.get_ref().len() != options.len() {
                        return Err(self
                            .at(
                                l.span(),
                                format!(
                                    "term `{}` has {} labels for {} options",
                                    id.get_ref(),
                                    l.get_ref().len(),
                                    options.len()
                                ),
                            )
                            .with_help("give one label per option, in the order of `options`"));
                    }
                    let span = l.span();
                    l.into_inner()
                        .into_iter()
                        .map(|label| {
                            self.text(
                                Spanned::new(span.clone(), label),
                                "option label",
                                MAX_NAME_CHARS,
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()?
                }
            };
            let id = id.into_inner();
            let name = match t.name {
                None => id.clone(),
                Some(n) => self.text(n, "term name", MAX_NAME_CHARS)?,
            };
            if let Some(d) = t.description {
                self.text(d, "term description", MAX_DESCRIPTION_CHARS)?;
            }
            terms.push(Term {
                name,
                id,
                options,
                labels,
            });
        }
        Ok(terms)
    }

    fn check_id(&self, id: &Spanned<String>, what: &str) -> Result<(), InputError> {
        let s = id.get_ref();
        let n = s.chars().count();
        let problem = if s.is_empty() {
            format!("{what} is empty")
        } else if n > MAX_NAME_CHARS {
            format!(
                "{what} `{}` is {} characters long, more than the limit of {MAX_NAME_CHARS}",
                quote(s),
                thousands(n as u64)
            )
        } else if let Some(c) = s
            .chars()
            .find(|&c| c.is_control() || c == ',' || c == '"' || is_invisible(c))
        {
            format!("{what} `{}` contains {}", quote(s), describe_char(c))
        } else {
            return Ok(());
        };
        Err(self.at(id.span(), problem).with_help(format!(
            "ids are 1 to {MAX_NAME_CHARS} characters without commas, quotes, control or invisible characters"
        )))
    }

    /// Checks the length of a free-text field and returns it.
    fn text(&self, t: Spanned<String>, what: &str, max: usize) -> Result<String, InputError> {
        let n = t.get_ref().chars().count();
        if n > max {
            return Err(self
                .at(
                    t.span(),
                    format!(
                        "{what} is {} characters long, more than the limit of {}",
                        thousands(n as u64),
                        thousands(max as u64)
                    ),
                )
                .with_help(format!(
                    "shorten it to at most {} characters",
                    thousands(max as u64)
                )));
        }
        if let Some(c) = t
            .get_ref()
            .chars()
            .find(|&c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(self
                .at(t.span(), format!("{what} contains {}", describe_char(c)))
                .with_help("use printable text (line breaks and tabs are fine)"));
        }
        Ok(t.into_inner())
    }

    fn agents(
        &self,
        raw: Spanned<SpannedMap<RawAgent>>,
        terms: &[Term],
        default_clock: Clock,
    ) -> Result<Vec<Agent>, InputError> {
        let span = raw.span();
        let raw = raw.into_inner();
        if raw.len() < 2 {
            let has = match raw.keys().next() {
                None => "no agents are defined".to_string(),
                Some(k) => format!("only one agent (`{}`) is defined", k.get_ref()),
            };
            return Err(self
                .at(span, has)
                .with_help("a negotiation needs 2 to 64 [agents.ID] tables"));
        }
        if raw.len() > MAX_AGENTS {
            return Err(self
                .at(
                    span,
                    format!(
                        "{} agents are too many: at most {MAX_AGENTS} agents",
                        raw.len()
                    ),
                )
                .with_help("merge agents with the same interests into one"));
        }
        let mut agents = Vec::with_capacity(raw.len());
        for (id, a) in raw {
            self.check_id(&id, "agent id")?;
            agents.push(self.agent(id, a, terms, default_clock)?);
        }
        if !agents.iter().any(|a| a.signatory) {
            return Err(self
                .at(span, "no agent is a signatory")
                .with_help("at least one agent needs signatory = true (the default)"));
        }
        Ok(agents)
    }

    fn agent(
        &self,
        id: Spanned<String>,
        a: Spanned<RawAgent>,
        terms: &[Term],
        default_clock: Clock,
    ) -> Result<Agent, InputError> {
        let aspan = a.span();
        let a = a.into_inner();
        let id_s = id.get_ref().clone();
        let of_agent = format!("of agent `{}`", quote(&id_s));
        let reservation = match a.reservation {
            None => Param::fixed(0.0, 0.0, 1.0),
            Some(r) => self.param(&r, 0.0, 1.0, "reservation", &of_agent)?,
        };
        let walk_away = match a.walk_away {
            None => Param::fixed(0.0, 0.0, 1.0),
            Some(r) => self.param(&r, 0.0, 1.0, "walk_away", &of_agent)?,
        };
        let deadline_belief = match a.deadline_belief {
            None => Param::fixed(1.0, 0.01, 100.0),
            Some(r) => self.param(&r, 0.01, 100.0, "deadline_belief", &of_agent)?,
        };
        let estimate_noise = match a.estimate_noise {
            None => 0.1,
            Some(n) => {
                let v = *n.get_ref();
                if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                    return Err(self
                        .at(
                            n.span(),
                            format!("estimate_noise must be in [0, 1], got {}", show(v)),
                        )
                        .with_help("0 means exact knowledge of the others; the default is 0.1"));
                }
                v
            }
        };
        let offer = match a.offer {
            None => OfferRule::BestForOthers,
            Some(o) => match o.get_ref().as_str() {
                "best_for_others" => OfferRule::BestForOthers,
                "nearest" => OfferRule::Nearest,
                "random_above" => {
                    let size: u128 = terms.iter().map(|t| t.options.len() as u128).product();
                    if size > RANDOM_ABOVE_MAX_OUTCOMES {
                        return Err(self
                            .at(o.span(), format!("offer = \"random_above\" needs an outcome space of at most {RANDOM_ABOVE_MAX_OUTCOMES} packages, this one has {size}"))
                            .with_help("it lists the packages to draw among them exactly; use \"nearest\" or \"best_for_others\" for larger spaces"));
                    }
                    OfferRule::RandomAbove
                }
                other => {
                    let names = ["best_for_others", "nearest", "random_above"];
                    let list = "offer rules are \"best_for_others\" (the default), \"nearest\" and \"random_above\"";
                    let mut e = self.at(o.span(), format!("unknown offer rule `{other}`"));
                    e.help = Some(match did_you_mean(other, names) {
                        Some(s) => format!("did you mean \"{s}\"? {list}"),
                        None => list.to_string(),
                    });
                    return Err(e);
                }
            },
        };
        let accept = match a.accept {
            None => AcceptRule::Target,
            Some(v) => self.accept_rule(&v)?,
        };
        let (exact_estimates, frequency_estimates) = match a.estimates {
            None => (false, false),
            Some(e) => match e.get_ref().as_str() {
                "noisy" => (false, false),
                "exact" => (true, false),
                "frequency" => (false, true),
                other => {
                    let list = "estimates are \"noisy\" (the default: true values plus estimate_noise), \"exact\" and \"frequency\" (learnt from the offers seen)";
                    let mut err = self.at(e.span(), format!("unknown estimates `{other}`"));
                    err.help = Some(match did_you_mean(other, ["noisy", "exact", "frequency"]) {
                        Some(s) => format!("did you mean \"{s}\"? {list}"),
                        None => list.to_string(),
                    });
                    return Err(err);
                }
            },
        };
        let (discount, discount_in_decisions) = match &a.discount {
            None => (1.0, false),
            Some(d) => self.discount(d, &id_s)?,
        };
        let clock = match &a.clock {
            None => default_clock,
            Some(c) => self.clock(c, &format!("clock of agent `{id_s}`"))?,
        };
        let delay_cost = match &a.delay_cost {
            None => Param::fixed(0.0, 0.0, 1.0),
            Some(c) => self.param(c, 0.0, 1.0, "delay_cost", &of_agent)?,
        };
        let strategy = match a.strategy {
            None => Strategy::TimeDependent {
                name: Some("linear"),
                exponent: Param::fixed(1.0, 1e-3, 1e3),
            },
            Some(s) => {
                let span = s.span();
                match s.into_inner() {
                    RawStrategy::Named(n) => {
                        let named = |name, e| Strategy::TimeDependent {
                            name: Some(name),
                            exponent: Param::fixed(e, 1e-3, 1e3),
                        };
                        match n.as_str() {
                            "boulware" => named("boulware", 0.2),
                            "linear" => named("linear", 1.0),
                            "conceder" => named("conceder", 2.0),
                            "hardliner" => Strategy::Hardliner,
                            "backward_induction" => Strategy::BackwardInduction,
                            "stationary" => Strategy::Stationary,
                            "zeuthen" => Strategy::Zeuthen,
                            other => {
                                let names = [
                                    "boulware",
                                    "linear",
                                    "conceder",
                                    "hardliner",
                                    "backward_induction",
                                    "stationary",
                                    "zeuthen",
                                ];
                                let mut e =
                                    self.at(span, format!("unknown strategy `{}`", quote(other)));
                                e.help = Some(match did_you_mean(other, names) {
                                    Some(s) => format!("did you mean \"{s}\"? strategies are \"boulware\", \"linear\", \"conceder\", \"hardliner\", \"backward_induction\", \"stationary\", \"zeuthen\" or {{ exponent = NUMBER }}"),
                                    None => "strategies are \"boulware\", \"linear\", \"conceder\", \"hardliner\", \"backward_induction\", \"stationary\", \"zeuthen\" or { exponent = NUMBER }".to_string(),
                                });
                                return Err(e);
                            }
                        }
                    }
                    RawStrategy::Exponent(num) => {
                        let sp = Spanned::new(span, num);
                        let p = self.param(&sp, 1e-3, 1e3, "strategy exponent", &of_agent)?;
                        if p.mean() <= 0.0 {
                            return Err(self.at(sp.span(), "the strategy exponent must be > 0"));
                        }
                        Strategy::TimeDependent {
                            name: None,
                            exponent: p,
                        }
                    }
                }
            }
        };

        let term_ids = || terms.iter().map(|t| t.id.as_str());
        let find_term = |key: &Spanned<String>, what: &str| -> Result<usize, InputError> {
            terms
                .iter()
                .position(|t| &t.id == key.get_ref())
                .ok_or_else(|| {
                    let mut e = self.at(
                        key.span(),
                        format!(
                            "unknown term `{}` in {what} of agent `{id_s}`",
                            quote(key.get_ref())
                        ),
                    );
                    e.help = Some(self.suggest(key.get_ref(), term_ids(), "terms"));
                    e
                })
        };
        let find_option =
            |t: usize, key: &Spanned<String>, what: &str| -> Result<usize, InputError> {
                let term = &terms[t];
                term.options
                    .iter()
                    .position(|o| o == key.get_ref())
                    .ok_or_else(|| {
                        let mut e = self.at(
                            key.span(),
                            format!(
                                "unknown option `{}` of term `{}` in {what} of agent `{id_s}`",
                                quote(key.get_ref()),
                                term.id
                            ),
                        );
                        e.help = Some(self.suggest(
                            key.get_ref(),
                            term.options.iter().map(String::as_str),
                            "options",
                        ));
                        e
                    })
            };

        let mut weights = vec![Param::fixed(0.0, 0.0, MAX_WEIGHT); terms.len()];
        let mut weighted = vec![false; terms.len()];
        let weights_raw = a.weights.ok_or_else(|| {
            self.at(aspan.clone(), format!("agent `{id_s}` has no weights"))
                .with_help(format!(
                    "add [agents.{id_s}.weights] giving the importance of each term"
                ))
        })?;
        let wspan = weights_raw.span();
        for (key, w) in weights_raw.into_inner() {
            let t = find_term(&key, "weights")?;
            let whose = format!("of agent `{}` for term `{}`", quote(&id_s), terms[t].id);
            let p = self.param(&w, 0.0, MAX_WEIGHT, "weight", &whose)?;
            weights[t] = p;
            weighted[t] = true;
        }
        if weights.iter().all(|w| w.mean() <= 0.0) {
            // A distribution may be drawn above zero yet have mean zero: say which is meant.
            let fixed = weights.iter().all(|w| matches!(w.dist, Dist::Fixed(_)));
            let what = if fixed { "weights" } else { "mean weights" };
            return Err(self
                .at(wspan, format!("all {what} of agent `{id_s}` are zero"))
                .with_help(
                    "give at least one term a positive weight (or a distribution of positive mean)",
                ));
        }

        let mut values: Vec<Vec<Param>> = terms
            .iter()
            .map(|t| vec![Param::fixed(0.0, 0.0, 1.0); t.options.len()])
            .collect();
        let mut given: Vec<Vec<bool>> =
            terms.iter().map(|t| vec![false; t.options.len()]).collect();
        for (key, table) in a.values.unwrap_or_default() {
            let t = find_term(&key, "values")?;
            for (okey, v) in table.into_inner() {
                let o = find_option(t, &okey, "values")?;
                let whose = format!(
                    "of agent `{}` for option `{}` of term `{}`",
                    quote(&id_s),
                    terms[t].options[o],
                    terms[t].id
                );
                values[t][o] = self.param(&v, 0.0, 1.0, "value", &whose)?;
                given[t][o] = true;
            }
        }
        for (t, term) in terms.iter().enumerate() {
            if weighted[t]
                && let Some(o) = given[t].iter().position(|g| !g)
            {
                return Err(self
                    .at(
                        aspan.clone(),
                        format!(
                            "agent `{id_s}` weights term `{}` but gives no value for its option `{}`",
                            term.id, term.options[o]
                        ),
                    )
                    .with_help(format!(
                        "add [agents.{id_s}.values.{}] with a value in [0, 1] for each of: {}",
                        term.id,
                        term.options.join(", ")
                    )));
            }
        }

        let mut red_lines: Vec<Vec<bool>> =
            terms.iter().map(|t| vec![false; t.options.len()]).collect();
        for (key, opts) in a.red_lines.unwrap_or_default() {
            let t = find_term(&key, "red_lines")?;
            for o in opts.get_ref() {
                let oi = find_option(t, o, "red_lines")?;
                red_lines[t][oi] = true;
            }
        }

        Ok(Agent {
            name: match a.name {
                None => id_s.clone(),
                Some(n) => self.text(n, "agent name", MAX_NAME_CHARS)?,
            },
            id: id.into_inner(),
            signatory: a.signatory.unwrap_or(true),
            reservation,
            strategy,
            walk_away,
            deadline_belief,
            estimate_noise,
            offer,
            accept,
            exact_estimates,
            frequency_estimates,
            discount,
            discount_in_decisions,
            clock,
            delay_cost,
            weights,
            values,
            red_lines,
        })
    }

    /// Reads `clock = "deadline" | { horizon = H }` (H a number or distribution of rounds).
    fn clock(&self, v: &Spanned<toml::Value>, what: &str) -> Result<Clock, InputError> {
        let help = "a clock is \"deadline\" (concede over the deadline you believe in, the default) or { horizon = H } (concede over H rounds of your own, H from 1 to 1,000,000, a number or a distribution)";
        match v.get_ref() {
            toml::Value::String(name) if name == "deadline" => Ok(Clock::Deadline),
            toml::Value::String(name) => {
                let mut e = self.at(v.span(), format!("unknown {what} `{}`", quote(name)));
                e.help = Some(match did_you_mean(name, ["deadline", "horizon"]) {
                    Some(s) => format!("did you mean \"{s}\"? {help}"),
                    None => help.to_string(),
                });
                Err(e)
            }
            toml::Value::Table(t) if t.len() == 1 && t.contains_key("horizon") => {
                let raw = <RawNum as serde::Deserialize>::deserialize(t["horizon"].clone())
                    .map_err(|e| {
                        self.at(
                            v.span(),
                            format!("invalid horizon in {what}: {}", e.message()),
                        )
                        .with_help(help)
                    })?;
                let p = self.param(
                    &Spanned::new(v.span(), raw),
                    1.0,
                    MAX_HORIZON,
                    "horizon",
                    &format!("in the {what}"),
                )?;
                Ok(Clock::Horizon(p))
            }
            _ => Err(self.at(v.span(), format!("invalid {what}")).with_help(help)),
        }
    }

    /// Reads `discount = δ` (reported only) or `discount = { rate = δ, in_decisions = B }`.
    fn discount(&self, v: &Spanned<toml::Value>, agent: &str) -> Result<(f64, bool), InputError> {
        let help = "discount = δ in (0, 1] values an agreement in round t at δ^t of its utility in the report only; discount = { rate = δ, in_decisions = true } makes targets and answers use it too";
        let rate = |x: &toml::Value| match x {
            toml::Value::Float(f) => Some(*f),
            toml::Value::Integer(i) => Some(*i as f64),
            _ => None,
        };
        let (d, in_decisions) = match v.get_ref() {
            toml::Value::Table(t)
                if t.contains_key("rate")
                    && t.keys().all(|k| k == "rate" || k == "in_decisions") =>
            {
                let flag = match t.get("in_decisions") {
                    None => false,
                    Some(toml::Value::Boolean(b)) => *b,
                    Some(_) => {
                        return Err(self
                            .at(v.span(), format!("in_decisions of agent `{agent}`'s discount must be true or false"))
                            .with_help(help));
                    }
                };
                (rate(&t["rate"]), flag)
            }
            other => (rate(other), false),
        };
        match d {
            Some(x) if x.is_finite() && x > 0.0 && x <= 1.0 => Ok((x, in_decisions)),
            Some(x) => Err(self
                .at(
                    v.span(),
                    format!(
                        "discount must be in (0, 1], got {} for agent `{agent}`",
                        show(x)
                    ),
                )
                .with_help(help)),
            None => Err(self
                .at(v.span(), format!("invalid discount of agent `{agent}`"))
                .with_help(help)),
        }
    }

    /// Reads `accept = "target" | "next" | { combi = T }`.
    fn accept_rule(&self, v: &Spanned<toml::Value>) -> Result<AcceptRule, InputError> {
        let help = "accept rules are \"target\" (the default), \"next\" (AC_next) and { combi = T } (AC_combi, T in [0, 1])";
        match v.get_ref() {
            toml::Value::String(name) => match name.as_str() {
                "target" => Ok(AcceptRule::Target),
                "next" => Ok(AcceptRule::Next),
                other => {
                    let mut e = self.at(v.span(), format!("unknown accept rule `{other}`"));
                    e.help = Some(match did_you_mean(other, ["target", "next", "combi"]) {
                        Some(s) => format!("did you mean \"{s}\"? {help}"),
                        None => help.to_string(),
                    });
                    Err(e)
                }
            },
            toml::Value::Table(t) if t.len() == 1 && t.contains_key("combi") => {
                let x = match &t["combi"] {
                    toml::Value::Float(f) => *f,
                    toml::Value::Integer(i) => *i as f64,
                    _ => f64::NAN,
                };
                if (0.0..=1.0).contains(&x) {
                    Ok(AcceptRule::Combi(x))
                } else {
                    Err(self
                        .at(v.span(), "combi needs a time T in [0, 1]".to_string())
                        .with_help(help))
                }
            }
            _ => Err(self
                .at(v.span(), "invalid accept rule".to_string())
                .with_help(help)),
        }
    }

    /// Validates a number or distribution against the valid range `[min, max]`; `whose` says
    /// where it belongs in the scenario's terms ("of agent `us` for term `crimea`").
    fn param(
        &self,
        raw: &Spanned<RawNum>,
        min: f64,
        max: f64,
        what: &str,
        whose: &str,
    ) -> Result<Param, InputError> {
        let span = raw.span();
        let range = format!("in [{}, {}]", fmt_num(min), fmt_num(max));
        let in_range = |x: f64| x.is_finite() && x >= min && x <= max;
        let dist = match raw.get_ref() {
            RawNum::Invalid(msg) => {
                return Err(self.at(span, format!("{what} {whose}: {msg}")));
            }
            RawNum::Num(v) => {
                if !in_range(*v) {
                    return Err(self
                        .at(span, format!("{what} {} {whose} is out of range", show(*v)))
                        .with_help(format!("a {what} must be {range}")));
                }
                Dist::Fixed(*v)
            }
            RawNum::Dist { kind, params } => {
                let arity = match kind.as_str() {
                    "normal" | "uniform" => 2,
                    _ => 3,
                };
                let form = match kind.as_str() {
                    "normal" => "{ normal = [mean, sd] }",
                    "uniform" => "{ uniform = [low, high] }",
                    _ => "{ triangular = [low, mode, high] }",
                };
                if params.len() != arity {
                    return Err(self
                        .at(
                            span,
                            format!("{kind} takes {arity} numbers, got {}", params.len()),
                        )
                        .with_help(format!("write {form}")));
                }
                if params.iter().any(|p| !p.is_finite()) {
                    return Err(self
                        .at(span, format!("{kind} parameters must be finite numbers"))
                        .with_help(format!("write {form}")));
                }
                match kind.as_str() {
                    "normal" => {
                        let (mean, sd) = (params[0], params[1]);
                        if sd < 0.0 {
                            return Err(self
                                .at(
                                    span,
                                    format!("normal standard deviation {} is negative", show(sd)),
                                )
                                .with_help("the sd must be >= 0"));
                        }
                        if !in_range(mean) {
                            return Err(self
                                .at(
                                    span,
                                    format!(
                                        "normal mean {} is outside the valid range of a {what}",
                                        show(mean)
                                    ),
                                )
                                .with_help(format!("a {what} must be {range}")));
                        }
                        Dist::Normal { mean, sd }
                    }
                    "uniform" => {
                        let (low, high) = (params[0], params[1]);
                        if low > high {
                            return Err(self
                                .at(
                                    span,
                                    format!(
                                        "uniform low {} is above high {}",
                                        show(low),
                                        show(high)
                                    ),
                                )
                                .with_help("write { uniform = [low, high] } with low <= high"));
                        }
                        if !in_range(low) || !in_range(high) {
                            return Err(self
                                .at(
                                    span,
                                    format!(
                                        "uniform [{}, {}] leaves the valid range of a {what}",
                                        show(low),
                                        show(high)
                                    ),
                                )
                                .with_help(format!("a {what} must be {range}")));
                        }
                        Dist::Uniform { low, high }
                    }
                    _ => {
                        let (low, mode, high) = (params[0], params[1], params[2]);
                        if !(low <= mode && mode <= high) {
                            return Err(self
                                .at(
                                    span,
                                    format!(
                                        "triangular needs low <= mode <= high, got [{}, {}, {}]",
                                        show(low),
                                        show(mode),
                                        show(high)
                                    ),
                                )
                                .with_help("write { triangular = [low, mode, high] }"));
                        }
                        if !in_range(low) || !in_range(high) {
                            return Err(self
                                .at(
                                    span,
                                    format!(
                                        "triangular [{}, {}] leaves the valid range of a {what}",
                                        show(low),
                                        show(high)
                                    ),
                                )
                                .with_help(format!("a {what} must be {range}")));
                        }
                        Dist::Triangular { low, mode, high }
                    }
                }
            }
        };
        Ok(Param { dist, min, max })
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
