//! `negsim import`: a GENIUS XML or GeniusWeb JSON domain with its linear additive profiles,
//! turned into a negsim scenario (TOML text).
//!
//! Both formats are read into one neutral form (a [`Domain`] and one [`Profile`] per file) that
//! keeps the profiles' own numbers, and that form is written out as a scenario. Whatever negsim
//! cannot represent exactly is refused with an [`InputError`] naming the file and the element.
//! Files: `genius.rs` (GENIUS XML domains and profiles, read through `genius_xml.rs`), `geniusweb.rs` (GeniusWeb JSON), `scenario_text.rs` (the
//! neutral form written out as scenario text); this file holds the neutral form, the checks
//! shared by both formats and the entry points.
//!
//! The few deliberate departures (weights renormalized, a negative reservation raised to 0, a
//! discount factor left out on request) are returned as warnings and also written as comments
//! in the scenario, so that nothing is dropped silently.

use crate::error::InputError;
use crate::scenario::{MAX_AGENTS, MAX_OPTIONS, MAX_TERMS, MAX_WEIGHT, Scenario};
use indexmap::IndexMap;
use roxmltree::{Document, Node};
use serde::Deserialize;
use serde_json::Value as Json;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod genius;
mod genius_xml;
mod geniusweb;
mod scenario_text;

use scenario_text::write_scenario;

/// Default Monte Carlo runs per deadline of an imported scenario.
pub const DEFAULT_RUNS: u64 = 10_000;
/// Default master seed of an imported scenario.
pub const DEFAULT_SEED: u64 = 1;
/// Default deadlines (rounds) of an imported scenario.
pub const DEFAULT_DEADLINES: [u32; 3] = [10, 50, 100];
/// Strategy given to every imported agent (profiles carry preferences, not tactics).
pub const DEFAULT_STRATEGY: &str = "boulware";

/// Weight sums further than this from 1 are reported as renormalized.
const WEIGHT_SUM_TOLERANCE: f64 = 1e-6;
/// GENIUS counts a discrete issue as 0 when its largest evaluation is below this
/// (`EvaluatorDiscrete.normalize`).
const GENIUS_MIN_EVAL_MAX: f64 = 0.00001;
/// Longest id derived from a name, before a deduplicating suffix.
const MAX_ID_CHARS: usize = 64;

/// Options of an import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Import profiles whose discount factor is below 1, keeping the factor as a comment.
    pub ignore_discount: bool,
}

/// A converted scenario and the notes the user should see.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The scenario as TOML text; it passes `negsim check`.
    pub toml: String,
    /// What was approximated or left out, one line each, prefixed with the file concerned.
    pub warnings: Vec<String>,
}

/// One input file as text.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name shown in messages (the path as given).
    pub origin: String,
    /// The file name without directory and extension, used for agent ids.
    pub stem: String,
    /// The file's text.
    pub text: String,
}

impl Source {
    /// A source from a name and its text (the stem is taken from the name).
    pub fn new(origin: impl Into<String>, text: impl Into<String>) -> Source {
        let origin = origin.into();
        let stem = Path::new(&origin)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| origin.clone());
        let text = text.into();
        let text = match text.strip_prefix('\u{feff}') {
            Some(t) => t.to_string(),
            None => text,
        };
        Source { origin, stem, text }
    }

    /// Reads a file, refusing unreadable and non-UTF-8 files as invalid input.
    pub fn read(path: &Path, role: &str) -> Result<Source, InputError> {
        let origin = path.display().to_string();
        let bytes = crate::error::read_input(
            path,
            &origin,
            &format!("the {role} file"),
            [
                "give the path of a GENIUS .xml or GeniusWeb .json file",
                "a domain or a profile is a short XML or JSON text",
            ],
        )?;
        let text = crate::error::utf8_text(
            bytes,
            &origin,
            "convert the file to UTF-8 first, for example with `iconv -f LATIN1 -t UTF-8`",
        )?;
        Ok(Source::new(origin, text))
    }
}

/// Which tool a file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// GENIUS XML.
    Genius,
    /// GeniusWeb JSON.
    GeniusWeb,
}

impl Format {
    fn describe(self) -> &'static str {
        match self {
            Format::Genius => "GENIUS XML",
            Format::GeniusWeb => "GeniusWeb JSON",
        }
    }
}

/// The issues of a domain, in file order.
#[derive(Debug, Clone)]
struct Domain {
    name: String,
    issues: Vec<Issue>,
}

/// One discrete issue.
#[derive(Debug, Clone)]
struct Issue {
    name: String,
    /// GENIUS links profiles to the domain by issue index; GeniusWeb by name.
    index: Option<i64>,
    values: Vec<String>,
}

/// One profile, aligned with the domain's issues and values.
#[derive(Debug, Clone)]
struct Profile {
    stem: String,
    name: String,
    /// Raw weight of each domain issue, as given.
    weights: Vec<f64>,
    /// Value of each option of each issue, in [0, 1].
    values: Vec<Vec<f64>>,
    /// GENIUS evaluations before normalization, shown as comments.
    evaluations: Option<Vec<Vec<f64>>>,
    reservation: f64,
    /// Comments written into the agent's table.
    notes: Vec<String>,
}

/// Converts the files at these paths.
pub fn import_files(
    domain: &Path,
    profiles: &[PathBuf],
    opts: ImportOptions,
) -> Result<Imported, InputError> {
    let domain = Source::read(domain, "domain")?;
    let profiles = profiles
        .iter()
        .map(|p| Source::read(p, "profile"))
        .collect::<Result<Vec<_>, _>>()?;
    import_sources(&domain, &profiles, opts)
}

/// Converts a domain and its profiles given as text.
pub fn import_sources(
    domain: &Source,
    profiles: &[Source],
    opts: ImportOptions,
) -> Result<Imported, InputError> {
    let format = sniff(domain)?;
    match profiles.len() {
        0 => {
            return Err(InputError::new(&domain.origin, "no profiles given").with_help(
                "give the domain, then one profile file per agent: negsim import DOMAIN PROFILE PROFILE...",
            ));
        }
        1 => {
            return Err(InputError::new(
                &profiles[0].origin,
                "only one profile given; a negotiation needs at least two agents",
            )
            .with_help("give one profile file per agent, at least two"));
        }
        n if n > MAX_AGENTS => {
            return Err(InputError::new(
                &domain.origin,
                format!("{n} profiles is more than negsim's limit of {MAX_AGENTS} agents"),
            ));
        }
        _ => {}
    }
    for p in profiles {
        let f = sniff(p)?;
        if f != format {
            return Err(InputError::new(
                &p.origin,
                format!(
                    "this profile is {} but the domain {} is {}",
                    f.describe(),
                    domain.origin,
                    format.describe()
                ),
            )
            .with_help("give profiles of the same format as the domain"));
        }
    }
    let mut warnings = Vec::new();
    let (dom, profs) = match format {
        Format::Genius => {
            let dom = genius::domain(domain, &mut warnings)?;
            check_domain(domain, &dom)?;
            let profs = profiles
                .iter()
                .map(|p| genius::profile(p, &dom, opts, &mut warnings))
                .collect::<Result<Vec<_>, _>>()?;
            (dom, profs)
        }
        Format::GeniusWeb => {
            let dom = geniusweb::domain(domain)?;
            check_domain(domain, &dom)?;
            let profs = profiles
                .iter()
                .map(|p| geniusweb::profile(p, &dom, &mut warnings))
                .collect::<Result<Vec<_>, _>>()?;
            (dom, profs)
        }
    };
    for (src, p) in profiles.iter().zip(&profs) {
        if p.weights.iter().all(|&w| w <= 0.0) {
            return Err(InputError::new(&src.origin, "every issue weight is zero")
                .with_help("give at least one issue a positive weight"));
        }
        // The weights are written as given, and negsim's weights stop at MAX_WEIGHT.
        if let Some((i, w)) = p
            .weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(0.0..=MAX_WEIGHT).contains(*w))
        {
            return Err(InputError::new(
                &src.origin,
                format!(
                    "the weight {w:e} of issue `{}` is out of negsim's range [0, {MAX_WEIGHT:e}]",
                    crate::scenario::quote(&dom.issues[i].name)
                ),
            )
            .with_help("only the weights' ratios matter: divide them all by the same number"));
        }
    }
    let toml = write_scenario(format, domain, profiles, &dom, &profs);
    // The guard that makes "the result passes check" hold: anything the checks above missed
    // is a number of the input that negsim cannot represent, reported in the scenario's words.
    Scenario::from_toml_str(&toml, "<imported scenario>").map_err(|e| {
        let files: Vec<&str> = std::iter::once(domain.origin.as_str())
            .chain(profiles.iter().map(|p| p.origin.as_str()))
            .collect();
        InputError::new(
            &domain.origin,
            format!(
                "these files cannot be represented as a negsim scenario: {}",
                e.message
            ),
        )
        .with_help(format!(
            "check the numbers in {}: {}",
            files.join(", "),
            e.help
                .unwrap_or_else(|| "see the limits in the README".into())
        ))
    })?;
    Ok(Imported { toml, warnings })
}

/// Tells GENIUS XML from GeniusWeb JSON by the first character.
fn sniff(src: &Source) -> Result<Format, InputError> {
    match src.text.trim_start().chars().next() {
        Some('<') => Ok(Format::Genius),
        Some('{') => Ok(Format::GeniusWeb),
        None => Err(InputError::new(&src.origin, "the file is empty")
            .with_help("give a GENIUS .xml or GeniusWeb .json file")),
        Some(_) => Err(InputError::new(
            &src.origin,
            "the file is neither XML (GENIUS) nor a JSON object (GeniusWeb)",
        )
        .with_help("give a GENIUS .xml or GeniusWeb .json file")),
    }
}

/// Refuses domains that negsim's scenario limits cannot hold.
fn check_domain(domain_src: &Source, dom: &Domain) -> Result<(), InputError> {
    if dom.issues.is_empty() {
        return Err(InputError::new(
            &domain_src.origin,
            "the domain has no issues",
        ));
    }
    if dom.issues.len() > MAX_TERMS {
        return Err(InputError::new(
            &domain_src.origin,
            format!(
                "{} issues is more than negsim's limit of {MAX_TERMS} terms",
                dom.issues.len()
            ),
        ));
    }
    for issue in &dom.issues {
        let n = issue.values.len();
        if n < 2 {
            return Err(InputError::new(
                &domain_src.origin,
                format!("issue `{}` has {n} value(s)", issue.name),
            )
            .with_help(
                "negsim terms need at least 2 options; an issue with one value adds the same utility to every deal, so remove it from the domain and the profiles",
            ));
        }
        if n > MAX_OPTIONS {
            return Err(InputError::new(
                &domain_src.origin,
                format!(
                    "issue `{}` has {n} values, more than negsim's limit of {MAX_OPTIONS} options",
                    issue.name
                ),
            ));
        }
    }
    Ok(())
}

/// Sum of weights; when it is not 1, a warning and a note saying that negsim renormalizes
/// (`then` says what follows for the reservation).
fn weight_sum(
    weights: &[f64],
    then: &str,
    origin: &str,
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> f64 {
    let sum: f64 = weights.iter().sum();
    if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
        let shown = format!("{sum:.9}");
        let shown = shown.trim_end_matches('0').trim_end_matches('.');
        let n = format!(
            "the issue weights sum to {shown}, not 1; negsim renormalizes them to sum 1, so every utility is the profile's divided by {shown}; {then}"
        );
        warnings.push(format!("{origin}: {n}"));
        notes.push(n);
    }
    sum
}
