//! `negsim import`: a GENIUS XML or GeniusWeb JSON domain with its linear additive profiles,
//! turned into a negsim scenario (TOML text).
//!
//! Both formats are read into one neutral form (a [`Domain`] and one [`Profile`] per file) that
//! keeps the profiles' own numbers, and that form is written out as a scenario. Whatever negsim
//! cannot represent exactly is refused with an [`InputError`] naming the file and the element.
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

/// Reads GENIUS XML (`negotiation_template` domains, `utility_space` profiles), following
/// `genius.core.utility.AdditiveUtilitySpace` and `EvaluatorDiscrete` of GENIUS 10.4.
mod genius {
    use super::*;

    /// Parsed XML plus the file it came from, for located messages.
    pub(super) struct Xml<'a, 'input> {
        pub origin: &'a str,
        pub doc: &'a Document<'input>,
    }

    impl Xml<'_, '_> {
        /// An error located at `node`.
        pub fn err(&self, node: Node, msg: impl Into<String>) -> InputError {
            let p = self.doc.text_pos_at(node.range().start);
            let mut e = InputError::new(self.origin, msg);
            e.location = Some((p.row as usize, p.col as usize));
            e
        }

        /// A warning located at `node`.
        pub fn warn(&self, node: Node, msg: impl std::fmt::Display) -> String {
            let p = self.doc.text_pos_at(node.range().start);
            format!("{}:{}:{}: {msg}", self.origin, p.row, p.col)
        }

        /// A required attribute.
        pub fn attr<'n>(&self, node: Node<'n, '_>, name: &str) -> Result<&'n str, InputError> {
            node.attribute(name).ok_or_else(|| {
                self.err(
                    node,
                    format!("<{}> has no `{name}` attribute", node.tag_name().name()),
                )
            })
        }

        /// A required numeric attribute (Java's `Double.valueOf` accepts surrounding blanks).
        pub fn num(&self, node: Node, name: &str) -> Result<f64, InputError> {
            let raw = self.attr(node, name)?;
            match raw.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(self.err(
                    node,
                    format!(
                        "<{}> {name}=\"{raw}\" is not a number",
                        node.tag_name().name()
                    ),
                )),
            }
        }

        /// The `index` attribute of an issue or weight.
        pub fn index(&self, node: Node) -> Result<i64, InputError> {
            let raw = self.attr(node, "index")?;
            raw.trim().parse::<i64>().map_err(|_| {
                self.err(
                    node,
                    format!(
                        "<{}> index=\"{raw}\" is not an integer",
                        node.tag_name().name()
                    ),
                )
            })
        }
    }

    fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
        node.children().filter(Node::is_element)
    }

    /// The text to parse: the file as is, or, when only that fails, with each `&` that starts
    /// no entity read as a literal `&` (GENIUS's own parser reads such files, for example the
    /// ANAC 2015 Symposium domain's value "Coffee & Thee").
    fn xml_text<'s>(
        src: &'s Source,
        warnings: &mut Vec<String>,
    ) -> Result<Cow<'s, str>, InputError> {
        check_entities(src)?;
        let first = match parse(&src.text) {
            Ok(_) => return Ok(Cow::Borrowed(&src.text)),
            Err(e) => e,
        };
        let repaired = escape_bare_ampersands(&src.text);
        if let Cow::Owned(fixed) = repaired
            && parse(&fixed).is_ok()
        {
            warnings.push(format!(
                "{}: a bare `&` (not `&amp;`) was read as a literal `&`, as GENIUS does",
                src.origin
            ));
            return Ok(Cow::Owned(fixed));
        }
        let pos = first.pos();
        // roxmltree ends its message with the position, which the location already gives.
        let msg = first.to_string();
        let msg = msg.rsplit_once(" at ").map_or(msg.as_str(), |(m, _)| m);
        let mut e = InputError::new(&src.origin, format!("malformed XML: {msg}"));
        e.location = Some((pos.row as usize, pos.col as usize));
        Err(e.with_help("fix the XML (a GENIUS file is well-formed XML) and try again"))
    }

    /// Most bytes the references to a document's own entities (`<!ENTITY name "...">`) may
    /// expand to. Why: the parser expands every reference in place, so a 161 kB file with a
    /// 100 kB entity referenced 20,000 times took 5.9 GB; real GENIUS files use no entities
    /// beyond the five predefined ones.
    const MAX_ENTITY_EXPANSION: u64 = 1 << 20;

    /// Refuses a document whose entity references would expand to more than
    /// [`MAX_ENTITY_EXPANSION`] bytes, before the parser expands them. An upper bound: every
    /// `&name;` anywhere in the text counts the full expansion of `name` (nested references
    /// included, each entity at most as long as its declaration expands).
    fn check_entities(src: &Source) -> Result<(), InputError> {
        let text = src.text.as_str();
        if !text.contains("<!ENTITY") {
            return Ok(());
        }
        // Declared values, in order; a value may refer to entities declared before it.
        let mut sizes: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
        let refs = |value: &str, sizes: &std::collections::HashMap<&str, u64>| -> u64 {
            value
                .match_indices('&')
                .filter_map(|(i, _)| {
                    let rest = &value[i + 1..];
                    let end = rest.find(';')?;
                    sizes.get(&rest[..end]).copied()
                })
                .fold(0u64, u64::saturating_add)
        };
        for (i, _) in text.match_indices("<!ENTITY") {
            let rest = text[i + 8..].trim_start();
            let Some(end) = rest.find(|c: char| c.is_whitespace()) else {
                continue;
            };
            let name = &rest[..end];
            let body = rest[end..].trim_start();
            let Some(q) = body.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
                continue;
            };
            let Some(close) = body[1..].find(q) else {
                continue;
            };
            let value = &body[1..1 + close];
            let size = (value.len() as u64).saturating_add(refs(value, &sizes));
            sizes.insert(name, size);
        }
        let total = refs(text, &sizes);
        if total > MAX_ENTITY_EXPANSION {
            return Err(InputError::new(
                &src.origin,
                format!(
                    "the XML's entity references expand to {} bytes, more than the limit of {} MiB",
                    crate::scenario::thousands(total),
                    MAX_ENTITY_EXPANSION >> 20
                ),
            )
            .with_help("a GENIUS file needs no <!ENTITY> declarations: write the text in place"));
        }
        Ok(())
    }

    fn parse(text: &str) -> Result<Document<'_>, roxmltree::Error> {
        let opts = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        Document::parse_with_options(text, opts)
    }

    /// Replaces each `&` that does not start `&name;`, `&#N;` or `&#xH;` by `&amp;`.
    fn escape_bare_ampersands(text: &str) -> Cow<'_, str> {
        let starts_entity = |rest: &str| {
            let Some(end) = rest.find(';') else {
                return false;
            };
            let body = &rest[1..end];
            if let Some(num) = body.strip_prefix("#x") {
                !num.is_empty() && num.chars().all(|c| c.is_ascii_hexdigit())
            } else if let Some(num) = body.strip_prefix('#') {
                !num.is_empty() && num.chars().all(|c| c.is_ascii_digit())
            } else {
                let mut chars = body.chars();
                chars
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
                    && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '.' | '-'))
            }
        };
        if !text
            .match_indices('&')
            .any(|(i, _)| !starts_entity(&text[i..]))
        {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 16);
        let mut last = 0;
        for (i, _) in text.match_indices('&') {
            out.push_str(&text[last..i]);
            out.push_str(if starts_entity(&text[i..]) {
                "&"
            } else {
                "&amp;"
            });
            last = i + 1;
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// The `<utility_space>` of a domain (inside `<negotiation_template>`, or the root).
    fn utility_space<'a, 'i>(x: &Xml, root: Node<'a, 'i>) -> Result<Node<'a, 'i>, InputError> {
        match root.tag_name().name() {
            "utility_space" => Ok(root),
            "negotiation_template" => elements(root)
                .find(|n| n.has_tag_name("utility_space"))
                .ok_or_else(|| {
                    x.err(root, "<negotiation_template> has no <utility_space>")
                        .with_help("a GENIUS domain is <negotiation_template><utility_space><objective>...")
                }),
            other => Err(x
                .err(root, format!("the root element is <{other}>, not a GENIUS domain"))
                .with_help("a GENIUS domain starts with <negotiation_template>")),
        }
    }

    /// The single `<objective>` of a utility space.
    fn objective<'a, 'i>(x: &Xml, us: Node<'a, 'i>) -> Result<Node<'a, 'i>, InputError> {
        let mut objs = elements(us).filter(|n| n.has_tag_name("objective"));
        let obj = objs.next().ok_or_else(|| {
            x.err(us, "<utility_space> has no <objective>")
                .with_help("the issues of a GENIUS file sit inside <utility_space><objective>")
        })?;
        if let Some(second) = objs.next() {
            return Err(x
                .err(second, "a second <objective> in <utility_space>")
                .with_help("GENIUS files have one root <objective> holding the issues"));
        }
        Ok(obj)
    }

    /// An `<issue>` with its items as (value, evaluation attribute, node).
    struct XmlIssue<'a, 'i> {
        node: Node<'a, 'i>,
        index: i64,
        name: String,
        items: Vec<(String, Option<&'a str>, Node<'a, 'i>)>,
    }

    fn issue<'a, 'i>(
        x: &Xml,
        node: Node<'a, 'i>,
        warnings: &mut Vec<String>,
    ) -> Result<XmlIssue<'a, 'i>, InputError> {
        let index = x.index(node)?;
        let name = x.attr(node, "name")?.to_string();
        // GENIUS reads `type`, then `etype`; no type means discrete.
        let kind = node
            .attribute("type")
            .or_else(|| node.attribute("etype"))
            .unwrap_or("discrete");
        match kind {
            "discrete" => {}
            "integer" | "real" => {
                return Err(x
                    .err(
                        node,
                        format!("issue `{name}` is of type \"{kind}\", which negsim cannot represent"),
                    )
                    .with_help(
                        "negsim terms are discrete lists of options; make the issue discrete (type=\"discrete\" with <item> values) in the domain and the profiles",
                    ));
            }
            other => {
                return Err(x
                    .err(node, format!("issue `{name}` has unknown type \"{other}\""))
                    .with_help("GENIUS issue types are discrete, integer and real; only discrete issues can be imported"));
            }
        }
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        for child in elements(node) {
            match child.tag_name().name() {
                "item" => {
                    let value = x.attr(child, "value")?.to_string();
                    if !seen.insert(value.clone()) {
                        return Err(x.err(
                            child,
                            format!("issue `{name}` lists the value `{value}` twice"),
                        ));
                    }
                    items.push((value, child.attribute("evaluation"), child));
                }
                "evaluator" => {
                    return Err(x
                        .err(
                            child,
                            format!("issue `{name}` has an <evaluator> (a function of a number), which negsim cannot represent"),
                        )
                        .with_help("only discrete issues with an evaluation per <item> can be imported"));
                }
                other => warnings.push(x.warn(
                    child,
                    format_args!("<{other}> inside issue `{name}` ignored (GENIUS ignores it too)"),
                )),
            }
        }
        Ok(XmlIssue {
            node,
            index,
            name,
            items,
        })
    }

    /// Refuses element kinds that make a profile or domain non-linear or hierarchical.
    fn refuse_structure(x: &Xml, node: Node) -> Result<(), InputError> {
        match node.tag_name().name() {
            "objective" => Err(x
                .err(node, "a nested <objective> (a tree of objectives) cannot be imported")
                .with_help("negsim needs a flat list of issues under one <objective>")),
            "utility_function" | "utility" => Err(x
                .err(
                    node,
                    format!(
                        "<{}> defines a non-linear utility (GENIUS constraint or hyper-rectangle utilities), which negsim cannot represent",
                        node.tag_name().name()
                    ),
                )
                .with_help("negsim utilities are linear additive: a weight per issue and a value per option")),
            _ => Ok(()),
        }
    }

    /// Reads a GENIUS domain.
    pub fn domain(src: &Source, warnings: &mut Vec<String>) -> Result<Domain, InputError> {
        let text = xml_text(src, warnings)?;
        let doc = parse(&text).expect("parsed before");
        let x = Xml {
            origin: &src.origin,
            doc: &doc,
        };
        let us = utility_space(&x, doc.root_element())?;
        let obj = objective(&x, us)?;
        let mut issues = Vec::new();
        let mut indices = HashSet::new();
        for child in elements(obj) {
            match child.tag_name().name() {
                "issue" => {
                    let is = issue(&x, child, warnings)?;
                    if !indices.insert(is.index) {
                        return Err(x.err(child, format!("two issues have index {}", is.index)));
                    }
                    issues.push(Issue {
                        name: is.name,
                        index: Some(is.index),
                        values: is.items.into_iter().map(|(v, _, _)| v).collect(),
                    });
                }
                // A profile given as the domain also describes the issues; its preferences
                // belong to the profiles, not to the domain.
                "weight" => {}
                other => {
                    refuse_structure(&x, child)?;
                    warnings.push(x.warn(
                        child,
                        format_args!("<{other}> in the domain's objective ignored"),
                    ));
                }
            }
        }
        Ok(Domain {
            name: src.stem.clone(),
            issues,
        })
    }

    /// Reads a GENIUS profile against the domain.
    pub fn profile(
        src: &Source,
        dom: &Domain,
        opts: ImportOptions,
        warnings: &mut Vec<String>,
    ) -> Result<Profile, InputError> {
        let text = xml_text(src, warnings)?;
        let doc = parse(&text).expect("parsed before");
        let x = Xml {
            origin: &src.origin,
            doc: &doc,
        };
        let us = doc.root_element();
        if !us.has_tag_name("utility_space") {
            let name = us.tag_name().name();
            let mut e = x.err(
                us,
                format!("the root element is <{name}>, not a GENIUS profile"),
            );
            e.help = Some(if name == "negotiation_template" {
                "this looks like a domain; give the domain first, then the profiles (<utility_space> files)".to_string()
            } else {
                "a GENIUS profile starts with <utility_space>".to_string()
            });
            return Err(e);
        }
        let mut notes = Vec::new();
        let mut reservation = None;
        let mut discount = None;
        let mut uncertainty = Vec::new();
        for child in elements(us) {
            match child.tag_name().name() {
                "objective" => {}
                "reservation" | "discount_factor" => {
                    let slot = if child.has_tag_name("reservation") {
                        &mut reservation
                    } else {
                        &mut discount
                    };
                    if slot.is_some() {
                        return Err(x.err(child, format!("a second <{}>", child.tag_name().name())));
                    }
                    *slot = Some((x.num(child, "value")?, child));
                }
                "comparisons" | "errors" | "fixed_seed" | "experimental" => {
                    uncertainty.push(child);
                }
                other => {
                    refuse_structure(&x, child)?;
                    warnings
                        .push(x.warn(child, format_args!("<{other}> in <utility_space> ignored")));
                }
            }
        }
        if let Some(&first) = uncertainty.first() {
            let names: Vec<String> = uncertainty
                .iter()
                .map(|n| format!("<{}>", n.tag_name().name()))
                .collect();
            let n = format!(
                "{}: GENIUS's preference uncertainty (the agent is shown only a ranking of some bids) is not modelled; the agent knows its whole profile",
                names.join(", ")
            );
            warnings.push(x.warn(first, &n));
            notes.push(n);
        }
        let obj = objective(&x, us)?;

        let mut weights_by_index: IndexMap<i64, (f64, Node)> = IndexMap::new();
        let mut issues: Vec<XmlIssue> = Vec::new();
        for child in elements(obj) {
            match child.tag_name().name() {
                "issue" => {
                    let is = issue(&x, child, warnings)?;
                    if issues.iter().any(|o| o.index == is.index) {
                        return Err(x.err(child, format!("two issues have index {}", is.index)));
                    }
                    issues.push(is);
                }
                "weight" => {
                    let index = x.index(child)?;
                    let w = x.num(child, "value")?;
                    if w < 0.0 {
                        return Err(x
                            .err(
                                child,
                                format!("weight {w} of issue index {index} is negative"),
                            )
                            .with_help("weights are >= 0"));
                    }
                    if weights_by_index.insert(index, (w, child)).is_some() {
                        return Err(x.err(child, format!("two weights for issue index {index}")));
                    }
                }
                other => {
                    refuse_structure(&x, child)?;
                    warnings.push(x.warn(
                        child,
                        format_args!("<{other}> in <objective> ignored (GENIUS ignores it too)"),
                    ));
                }
            }
        }

        let mut weights = Vec::with_capacity(dom.issues.len());
        let mut values = Vec::with_capacity(dom.issues.len());
        let mut evaluations = Vec::with_capacity(dom.issues.len());
        for di in &dom.issues {
            let index = di.index.expect("GENIUS domain issues have indices");
            let Some(pi) = issues.iter().find(|i| i.index == index) else {
                return Err(x
                    .err(obj, format!("no <issue index=\"{index}\"> (`{}` in the domain)", di.name))
                    .with_help("give an evaluation for every issue of the domain; is this profile for another domain?"));
            };
            if pi.name != di.name {
                return Err(x
                    .err(
                        pi.node,
                        format!(
                            "issue index {index} is `{}` here but `{}` in the domain",
                            pi.name, di.name
                        ),
                    )
                    .with_help("is this profile for another domain?"));
            }
            let mut evals = Vec::with_capacity(di.values.len());
            for v in &di.values {
                let Some((_, eval, node)) = pi.items.iter().find(|(iv, _, _)| iv == v) else {
                    return Err(x
                        .err(
                            pi.node,
                            format!("issue `{}` has no <item value=\"{v}\">", di.name),
                        )
                        .with_help("give an evaluation for every value of the domain"));
                };
                let Some(raw) = eval else {
                    return Err(x
                        .err(
                            *node,
                            format!("value `{v}` of issue `{}` has no evaluation", di.name),
                        )
                        .with_help("add evaluation=\"NUMBER\" to the <item>"));
                };
                let e = match raw.trim().parse::<f64>() {
                    Ok(e) if e.is_finite() => e,
                    _ => {
                        return Err(x.err(
                            *node,
                            format!("evaluation \"{raw}\" of value `{v}` is not a number"),
                        ));
                    }
                };
                if e < 0.0 {
                    return Err(x
                        .err(
                            *node,
                            format!(
                                "evaluation {e} of value `{v}` of issue `{}` is negative, which negsim cannot represent",
                                di.name
                            ),
                        )
                        .with_help("negsim option values lie in [0, 1]: GENIUS divides each evaluation by the issue's largest, so a negative evaluation gives a negative value"));
                }
                evals.push(e);
            }
            if let Some((v, _, node)) = pi.items.iter().find(|(v, _, _)| !di.values.contains(v)) {
                return Err(x
                    .err(
                        *node,
                        format!("value `{v}` of issue `{}` is not in the domain", di.name),
                    )
                    .with_help("is this profile for another version of the domain?"));
            }
            let Some(&(w, _)) = weights_by_index.get(&index) else {
                return Err(x
                    .err(obj, format!("no <weight index=\"{index}\"> for issue `{}`", di.name))
                    .with_help("GENIUS reads weights from <weight index=\"N\" value=\"W\"/> elements in the <objective>; give one per issue"));
            };
            let max = evals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if max < GENIUS_MIN_EVAL_MAX {
                notes.push(format!(
                    "every evaluation of issue `{}` is below {GENIUS_MIN_EVAL_MAX}: GENIUS counts the issue as 0, and so does this scenario",
                    di.name
                ));
                values.push(vec![0.0; evals.len()]);
            } else {
                values.push(evals.iter().map(|e| e / max).collect());
            }
            weights.push(w);
            evaluations.push(evals);
        }
        for (index, (_, node)) in &weights_by_index {
            if !dom.issues.iter().any(|i| i.index == Some(*index)) {
                warnings.push(x.warn(
                    *node,
                    format_args!("<weight index=\"{index}\"> matches no issue of the domain; ignored, as GENIUS does"),
                ));
            }
        }
        if let Some(pi) = issues
            .iter()
            .find(|pi| !dom.issues.iter().any(|d| d.index == Some(pi.index)))
        {
            return Err(x
                .err(
                    pi.node,
                    format!(
                        "issue `{}` (index {}) is not in the domain",
                        pi.name, pi.index
                    ),
                )
                .with_help("is this profile for another domain?"));
        }

        weight_sum(
            &weights,
            "the reservation value is kept as given (GENIUS compares it with the unnormalized utility, capped at 1)",
            &src.origin,
            warnings,
            &mut notes,
        );

        let reservation = match reservation {
            None => {
                notes.push("no <reservation> in the profile: 0, as in GENIUS".to_string());
                0.0
            }
            Some((r, node)) if r > 1.0 => {
                return Err(x
                    .err(node, format!("reservation value {r} is above 1"))
                    .with_help("utilities lie in [0, 1], so no deal could ever beat it"));
            }
            Some((r, node)) if r < 0.0 => {
                let n = format!(
                    "reservation value {r} raised to 0 (negsim reservations lie in [0, 1]; every deal is worth at least 0, so acceptance is unchanged, but concession curves now end at 0)"
                );
                warnings.push(x.warn(node, &n));
                notes.push(n);
                0.0
            }
            Some((r, _)) => r,
        };

        if let Some((d, node)) = discount {
            // GENIUS reads d <= 0 or d > 1 as no discount (`validateDiscount`).
            if d > 0.0 && d < 1.0 {
                if !opts.ignore_discount {
                    return Err(x
                        .err(
                            node,
                            format!("discount factor {d}: negsim does not model discounting yet"),
                        )
                        .with_help("pass --ignore-discount to import the profile without it (the factor is kept as a comment in the scenario), or remove the <discount_factor> element"));
                }
                let n = format!(
                    "discount_factor {d} left out (--ignore-discount): GENIUS would value a deal at time t (the elapsed share of the deadline) at utility × {d}^t"
                );
                warnings.push(x.warn(node, &n));
                notes.push(n);
            } else if d != 1.0 && d != 0.0 {
                notes.push(format!(
                    "discount_factor {d} is outside (0, 1]; GENIUS discards it (no discounting)"
                ));
            }
        }

        Ok(Profile {
            stem: src.stem.clone(),
            name: src.stem.clone(),
            weights,
            values,
            evaluations: Some(evaluations),
            reservation,
            notes,
        })
    }
}

/// Reads GeniusWeb JSON: domains (`name`, `issuesValues`) and `LinearAdditiveUtilitySpace`
/// profiles, following `geniusweb.profile.utilityspace` of GeniusWeb.
mod geniusweb {
    use super::*;

    /// A domain file; `issuesValues` is read into an ordered map so terms keep file order.
    #[derive(Deserialize)]
    #[serde(expecting = "a GeniusWeb domain: an object with `name` and `issuesValues`")]
    struct RawDomain {
        name: Option<Json>,
        #[serde(rename = "issuesValues")]
        issues_values: Option<IndexMap<String, Json>>,
        #[serde(flatten)]
        rest: IndexMap<String, Json>,
    }

    fn syntax(src: &Source, e: &serde_json::Error) -> InputError {
        let mut err = InputError::new(&src.origin, format!("malformed JSON: {e}"));
        if e.line() > 0 {
            err.location = Some((e.line(), e.column()));
            // serde_json appends the position to its message; the location already says it.
            let msg = e.to_string();
            let msg = msg
                .rsplit_once(" at line ")
                .map_or(msg.as_str(), |(m, _)| m)
                .to_string();
            err.message = format!("malformed JSON: {msg}");
        }
        err
    }

    /// Refuses a JSON text with a key twice in one object, naming the key and its position.
    /// Why: serde (like GeniusWeb's reader) silently keeps the last value, so a profile that
    /// lists `"Tokyo"` twice would import whichever came last without a word.
    fn no_duplicate_keys(src: &Source) -> Result<(), InputError> {
        use serde::de::{self, Deserializer as _, MapAccess, SeqAccess, Visitor};
        struct Check;
        impl<'de> Deserialize<'de> for Check {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Check, D::Error> {
                d.deserialize_any(Check)
            }
        }
        impl<'de> Visitor<'de> for Check {
            type Value = Check;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Check, E> {
                Ok(Check)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Check, E> {
                Ok(Check)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Check, E> {
                Ok(Check)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Check, E> {
                Ok(Check)
            }
            fn visit_str<E>(self, _: &str) -> Result<Check, E> {
                Ok(Check)
            }
            fn visit_unit<E>(self) -> Result<Check, E> {
                Ok(Check)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Check, A::Error> {
                while seq.next_element::<Check>()?.is_some() {}
                Ok(Check)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Check, A::Error> {
                let mut seen = HashSet::new();
                while let Some(k) = map.next_key::<String>()? {
                    if !seen.insert(k.clone()) {
                        return Err(de::Error::custom(format!(
                            "duplicate key `{}`",
                            crate::scenario::quote(&k)
                        )));
                    }
                    map.next_value::<Check>()?;
                }
                Ok(Check)
            }
        }
        let mut d = serde_json::Deserializer::from_str(&src.text);
        d.deserialize_any(Check)
            .and_then(|_| d.end())
            .map_err(|e| {
                let mut err = syntax(src, &e);
                if let Some(m) = err.message.strip_prefix("malformed JSON: duplicate key") {
                    err.message = format!("duplicate key{m}");
                    err.help = Some(
                        "each key may appear once in a JSON object (readers would silently keep the last value); remove or merge the two"
                            .into(),
                    );
                }
                err
            })
    }

    /// Reads a GeniusWeb domain.
    pub fn domain(src: &Source) -> Result<Domain, InputError> {
        no_duplicate_keys(src)?;
        let raw: RawDomain = serde_json::from_str(&src.text).map_err(|e| syntax(src, &e))?;
        let Some(issues_values) = raw.issues_values else {
            let mut e = InputError::new(&src.origin, "no `issuesValues`: not a GeniusWeb domain");
            e.help = Some(if raw.rest.contains_key("LinearAdditiveUtilitySpace") {
                "this looks like a profile; give the domain first, then the profiles".to_string()
            } else {
                "a GeniusWeb domain is {\"name\": ..., \"issuesValues\": {\"issue\": {\"values\": [...]}}}"
                    .to_string()
            });
            return Err(e);
        };
        let name = match raw.name {
            Some(Json::String(s)) if !s.trim().is_empty() => s,
            _ => src.stem.clone(),
        };
        let mut issues = Vec::with_capacity(issues_values.len());
        for (issue, set) in issues_values {
            let at = format!("issuesValues.\"{issue}\"");
            let values = value_set(src, &at, &issue, &set)?;
            issues.push(Issue {
                name: issue,
                index: None,
                values,
            });
        }
        Ok(Domain { name, issues })
    }

    /// The values of a `DiscreteValueSet` (`{"values": [...]}`).
    fn value_set(
        src: &Source,
        at: &str,
        issue: &str,
        set: &Json,
    ) -> Result<Vec<String>, InputError> {
        let err = |msg: String| InputError::new(&src.origin, format!("{at}: {msg}"));
        let Some(obj) = set.as_object() else {
            return Err(
                err(format!("the values of issue `{issue}` are not an object"))
                    .with_help("write {\"values\": [\"a\", \"b\"]}"),
            );
        };
        if obj.contains_key("range") {
            return Err(err(format!(
                "issue `{issue}` is a number range (NumberValueSet), which negsim cannot represent"
            ))
            .with_help("negsim terms are discrete lists of options; list the values instead: {\"values\": [...]}"));
        }
        let Some(list) = obj.get("values") else {
            return Err(err(format!("issue `{issue}` has no `values` list"))
                .with_help("write {\"values\": [\"a\", \"b\"]}"));
        };
        let Some(list) = list.as_array() else {
            return Err(err(format!(
                "the `values` of issue `{issue}` are not a list"
            )));
        };
        let mut values = Vec::with_capacity(list.len());
        let mut seen = HashSet::new();
        for v in list {
            let Some(s) = v.as_str() else {
                return Err(err(format!("value {v} of issue `{issue}` is not a string"))
                    .with_help("GeniusWeb discrete values are strings"));
            };
            if !seen.insert(s) {
                return Err(err(format!("issue `{issue}` lists the value `{s}` twice")));
            }
            values.push(s.to_string());
        }
        Ok(values)
    }

    /// Reads a `LinearAdditiveUtilitySpace` profile against the domain.
    pub fn profile(
        src: &Source,
        dom: &Domain,
        warnings: &mut Vec<String>,
    ) -> Result<Profile, InputError> {
        no_duplicate_keys(src)?;
        let top: Json = serde_json::from_str(&src.text).map_err(|e| syntax(src, &e))?;
        let err = |at: &str, msg: String| InputError::new(&src.origin, format!("{at}: {msg}"));
        let Some(top) = top.as_object() else {
            return Err(InputError::new(
                &src.origin,
                "a GeniusWeb profile is a JSON object",
            ));
        };
        if top.contains_key("issuesValues") {
            return Err(InputError::new(&src.origin, "this is a domain, not a profile")
                .with_help("give the domain first, then the profiles ({\"LinearAdditiveUtilitySpace\": ...})"));
        }
        let kinds: Vec<&String> = top.keys().collect();
        let las = match (kinds.as_slice(), top.get("LinearAdditiveUtilitySpace")) {
            ([_], Some(las)) => las,
            _ => {
                let kind = kinds.first().map_or("(empty)", |k| k.as_str());
                let why = match kind {
                    "SumOfGroupsUtilitySpace" => {
                        "a sum-of-groups utility (values of groups of issues together) is not linear additive, so negsim cannot represent it"
                    }
                    "DefaultPartialOrdering" | "PartialOrdering" | "DefaultProfile" => {
                        "an ordering of bids has no utilities for negsim to use"
                    }
                    _ => "only LinearAdditiveUtilitySpace profiles can be imported",
                };
                return Err(InputError::new(
                    &src.origin,
                    format!("profile type `{kind}`: {why}"),
                )
                .with_help("give GeniusWeb profiles of the form {\"LinearAdditiveUtilitySpace\": {...}}"));
            }
        };
        let l = "LinearAdditiveUtilitySpace";
        let Some(las) = las.as_object() else {
            return Err(err(l, "is not an object".to_string()));
        };
        let object = |key: &str| -> Result<&serde_json::Map<String, Json>, InputError> {
            las.get(key)
                .and_then(Json::as_object)
                .ok_or_else(|| err(l, format!("no `{key}` object")))
        };
        let utilities = object("issueUtilities")?;
        let weights_raw = object("issueWeights")?;
        let name = match las.get("name") {
            Some(Json::String(s)) if !s.trim().is_empty() => s.clone(),
            _ => src.stem.clone(),
        };
        let mut notes = Vec::new();

        if let Some(own) = las.get("domain").filter(|d| !d.is_null()) {
            own_domain_matches(src, own, dom, warnings)?;
        }

        let mut weights = Vec::with_capacity(dom.issues.len());
        let mut values = Vec::with_capacity(dom.issues.len());
        for di in &dom.issues {
            let at = format!("{l}.issueUtilities.\"{}\"", di.name);
            let Some(u) = utilities.get(&di.name) else {
                return Err(err(&format!("{l}.issueUtilities"), format!("no utilities for issue `{}`", di.name))
                    .with_help("give utilities for every issue of the domain; is this profile for another domain?"));
            };
            let value_utils = discrete_utilities(src, &at, &di.name, u)?;
            let mut vals = Vec::with_capacity(di.values.len());
            for v in &di.values {
                let Some(x) = value_utils.get(v) else {
                    return Err(err(&at, format!("no utility for value `{v}`"))
                        .with_help("give a utility in [0, 1] for every value of the domain"));
                };
                let Some(x) = x.as_f64().filter(|x| x.is_finite()) else {
                    return Err(err(&at, format!("the utility of `{v}` is not a number")));
                };
                if !(0.0..=1.0).contains(&x) {
                    return Err(
                        err(&at, format!("the utility {x} of `{v}` is outside [0, 1]"))
                            .with_help("GeniusWeb value utilities lie in [0, 1]"),
                    );
                }
                vals.push(x);
            }
            if let Some(extra) = value_utils.keys().find(|k| !di.values.contains(k)) {
                return Err(err(&at, format!("value `{extra}` is not in the domain"))
                    .with_help("is this profile for another version of the domain?"));
            }
            let wat = format!("{l}.issueWeights");
            let Some(w) = weights_raw.get(&di.name) else {
                return Err(err(&wat, format!("no weight for issue `{}`", di.name)));
            };
            let Some(w) = w.as_f64().filter(|w| w.is_finite()) else {
                return Err(err(
                    &wat,
                    format!("the weight of `{}` is not a number", di.name),
                ));
            };
            if w < 0.0 {
                return Err(err(
                    &wat,
                    format!("the weight {w} of `{}` is negative", di.name),
                ));
            }
            weights.push(w);
            values.push(vals);
        }
        for (key, what) in [(utilities, "issueUtilities"), (weights_raw, "issueWeights")] {
            if let Some(extra) = key
                .keys()
                .find(|k| !dom.issues.iter().any(|i| &i.name == *k))
            {
                return Err(err(
                    &format!("{l}.{what}"),
                    format!("issue `{extra}` is not in the domain"),
                )
                .with_help("is this profile for another domain?"));
            }
        }

        let sum = weight_sum(
            &weights,
            "the reservation is the reservation bid's utility under the renormalized weights",
            &src.origin,
            warnings,
            &mut notes,
        );

        let reservation = match las.get("reservationBid").filter(|b| !b.is_null()) {
            None => {
                notes.push("no reservationBid: any agreement beats no deal (reservation 0), as in GeniusWeb".to_string());
                0.0
            }
            Some(bid) => {
                reservation_utility(src, bid, dom, &weights, sum, &values, &mut notes, warnings)?
            }
        };

        Ok(Profile {
            stem: src.stem.clone(),
            name,
            weights,
            values,
            evaluations: None,
            reservation,
            notes,
        })
    }

    /// The `valueUtilities` of a discrete issue (`DiscreteValueSetUtilities`, or
    /// `discreteutils` in GeniusWeb files before version 1.5).
    fn discrete_utilities<'a>(
        src: &Source,
        at: &str,
        issue: &str,
        u: &'a Json,
    ) -> Result<&'a serde_json::Map<String, Json>, InputError> {
        let err = |msg: String| InputError::new(&src.origin, format!("{at}: {msg}"));
        let obj = u.as_object().filter(|o| o.len() == 1).ok_or_else(|| {
            err(format!(
                "the utilities of issue `{issue}` are not one typed object"
            ))
            .with_help("write {\"DiscreteValueSetUtilities\": {\"valueUtilities\": {...}}}")
        })?;
        let (kind, body) = obj.iter().next().expect("one entry");
        match kind.as_str() {
            "DiscreteValueSetUtilities" | "discreteutils" => {}
            "NumberValueSetUtilities" | "numberutils" => {
                return Err(err(format!(
                    "issue `{issue}` has utilities linear in a number ({kind}), which negsim cannot represent"
                ))
                .with_help("negsim terms are discrete; list the values and give each a utility (DiscreteValueSetUtilities)"));
            }
            other => {
                return Err(err(format!(
                    "unknown utilities type `{other}` for issue `{issue}`"
                ))
                .with_help("only DiscreteValueSetUtilities can be imported"));
            }
        }
        body.get("valueUtilities")
            .and_then(Json::as_object)
            .ok_or_else(|| {
                err(format!(
                    "{kind} of issue `{issue}` has no `valueUtilities` object"
                ))
            })
    }

    /// Checks that the profile's own copy of the domain is the domain given.
    fn own_domain_matches(
        src: &Source,
        own: &Json,
        dom: &Domain,
        warnings: &mut Vec<String>,
    ) -> Result<(), InputError> {
        let at = "LinearAdditiveUtilitySpace.domain";
        let err = |msg: String| {
            InputError::new(&src.origin, format!("{at}: {msg}"))
                .with_help("is this profile for another domain? give the profiles of this domain")
        };
        if let Some(n) = own.get("name").and_then(Json::as_str)
            && n != dom.name
        {
            warnings.push(format!(
                "{}: the profile's domain is named `{n}`, the domain file `{}`",
                src.origin, dom.name
            ));
        }
        let Some(iv) = own.get("issuesValues").and_then(Json::as_object) else {
            return Ok(());
        };
        for di in &dom.issues {
            let Some(set) = iv.get(&di.name) else {
                return Err(err(format!("issue `{}` of the domain is missing", di.name)));
            };
            let values = value_set(src, at, &di.name, set)?;
            let mine: HashSet<&String> = values.iter().collect();
            let theirs: HashSet<&String> = di.values.iter().collect();
            if mine != theirs {
                return Err(err(format!(
                    "the values of issue `{}` differ from the domain file's",
                    di.name
                )));
            }
        }
        if let Some(extra) = iv
            .keys()
            .find(|k| !dom.issues.iter().any(|i| &i.name == *k))
        {
            return Err(err(format!("issue `{extra}` is not in the domain file")));
        }
        Ok(())
    }

    /// The utility of the reservation bid, with negsim's (renormalized) weights so that the bid
    /// is worth exactly its reservation value in the scenario. As in GeniusWeb, an issue the
    /// bid leaves out adds 0.
    #[allow(clippy::too_many_arguments)]
    fn reservation_utility(
        src: &Source,
        bid: &Json,
        dom: &Domain,
        weights: &[f64],
        weight_sum: f64,
        values: &[Vec<f64>],
        notes: &mut Vec<String>,
        warnings: &mut Vec<String>,
    ) -> Result<f64, InputError> {
        let at = "LinearAdditiveUtilitySpace.reservationBid";
        let err = |msg: String| InputError::new(&src.origin, format!("{at}: {msg}"));
        let Some(iv) = bid.get("issuevalues").and_then(Json::as_object) else {
            return Err(err("no `issuevalues` object".to_string())
                .with_help("a GeniusWeb bid is {\"issuevalues\": {\"issue\": \"value\"}}"));
        };
        if let Some(extra) = iv
            .keys()
            .find(|k| !dom.issues.iter().any(|i| &i.name == *k))
        {
            return Err(err(format!("issue `{extra}` is not in the domain")));
        }
        let mut u = 0.0;
        let mut missing = Vec::new();
        let mut shown = Vec::new();
        for (t, di) in dom.issues.iter().enumerate() {
            let Some(v) = iv.get(&di.name) else {
                missing.push(di.name.as_str());
                continue;
            };
            let Some(v) = v.as_str() else {
                return Err(err(format!(
                    "the value {v} of issue `{}` is not a string",
                    di.name
                )));
            };
            let Some(o) = di.values.iter().position(|x| x == v) else {
                return Err(err(format!("`{v}` is not a value of issue `{}`", di.name)));
            };
            u += weights[t] / weight_sum * values[t][o];
            shown.push(format!("{} = {v}", di.name));
        }
        if !missing.is_empty() {
            let n = format!(
                "the reservation bid leaves out {}: each counts 0, as in GeniusWeb",
                missing.join(", ")
            );
            warnings.push(format!("{}: {n}", src.origin));
            notes.push(n);
        }
        notes.push(format!(
            "reservation = utility of the reservation bid ({})",
            shown.join(", ")
        ));
        Ok(u.clamp(0.0, 1.0))
    }
}

/// Lowercase snake_case id from a name: letters and digits kept (lowercased), every other run
/// of characters, and each lower-to-upper case change, becomes one `_`.
fn id_from_name(name: &str) -> String {
    let mut id = String::new();
    let mut gap = false;
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if (gap || (prev_lower && c.is_uppercase())) && !id.is_empty() {
                id.push('_');
            }
            gap = false;
            prev_lower = c.is_lowercase();
            id.extend(c.to_lowercase());
        } else {
            gap = true;
            prev_lower = false;
        }
    }
    id.chars().take(MAX_ID_CHARS).collect::<String>()
}

/// Ids for names, unique within the list: `_2`, `_3`... on repeats; `{fallback}_{i}` for
/// names without a letter or digit.
fn unique_ids<'a>(names: impl IntoIterator<Item = &'a str>, fallback: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let mut base = id_from_name(n);
            if base.is_empty() {
                base = format!("{fallback}_{}", i + 1);
            }
            let mut id = base.clone();
            let mut k = 2;
            while !seen.insert(id.clone()) {
                id = format!("{base}_{k}");
                k += 1;
            }
            id
        })
        .collect()
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be, quoted otherwise.
fn toml_key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        toml_str(s)
    }
}

/// A number that reads back as the same f64 (Rust prints the shortest such decimal).
fn toml_num(x: f64) -> String {
    let s = format!("{x}");
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// Text safe for a one-line TOML comment.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Writes the scenario. Values are written as exact decimals of the f64s computed from the
/// profile, so negsim's utilities equal the profile's arithmetic to the last bit of the inputs.
fn write_scenario(
    format: Format,
    domain_src: &Source,
    profile_srcs: &[Source],
    dom: &Domain,
    profs: &[Profile],
) -> String {
    let term_ids = unique_ids(dom.issues.iter().map(|i| i.name.as_str()), "term");
    let option_ids: Vec<Vec<String>> = dom
        .issues
        .iter()
        .map(|i| unique_ids(i.values.iter().map(String::as_str), "option"))
        .collect();
    let agent_ids = unique_ids(profs.iter().map(|p| p.stem.as_str()), "agent");
    let files: Vec<&str> = profile_srcs.iter().map(|s| s.origin.as_str()).collect();

    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Imported by `negsim import` from the {} domain {}",
        match format {
            Format::Genius => "GENIUS",
            Format::GeniusWeb => "GeniusWeb",
        },
        comment(&domain_src.origin)
    );
    let _ = writeln!(s, "# with the profiles {}.", comment(&files.join(", ")));
    match format {
        Format::Genius => {
            let _ = writeln!(
                s,
                "# Option values: each GENIUS evaluation divided by the largest evaluation of its issue."
            );
        }
        Format::GeniusWeb => {
            let _ = writeln!(s, "# Option values: the profiles' value utilities.");
        }
    }
    let _ = writeln!(
        s,
        "# Profiles carry preferences only: every agent plays \"{DEFAULT_STRATEGY}\" with negsim's other defaults,\n# and the simulation settings are defaults too. Edit them to suit your study (see README)."
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "[scenario]");
    let _ = writeln!(s, "name = {}", toml_str(&dom.name));
    let _ = writeln!(
        s,
        "description = {}",
        toml_str(&format!(
            "Imported from the {} domain {} with the profiles {}",
            format.describe(),
            domain_src.origin,
            files.join(", ")
        ))
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "[simulation]");
    let _ = writeln!(s, "runs = {DEFAULT_RUNS}");
    let _ = writeln!(s, "seed = {DEFAULT_SEED}");
    let deadlines: Vec<String> = DEFAULT_DEADLINES.iter().map(u32::to_string).collect();
    let _ = writeln!(s, "deadlines = [{}]", deadlines.join(", "));
    let _ = writeln!(s, "protocol = \"alternating\"");

    for (t, issue) in dom.issues.iter().enumerate() {
        let _ = writeln!(s);
        let _ = writeln!(s, "[[terms]]");
        let _ = writeln!(s, "id = {}", toml_str(&term_ids[t]));
        let _ = writeln!(s, "name = {}", toml_str(&issue.name));
        let list = |xs: &[String]| {
            xs.iter()
                .map(|x| toml_str(x))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(s, "options = [{}]", list(&option_ids[t]));
        if option_ids[t] != issue.values {
            let _ = writeln!(s, "labels = [{}]", list(&issue.values));
        }
    }

    for (a, p) in profs.iter().enumerate() {
        let key = toml_key(&agent_ids[a]);
        let _ = writeln!(s);
        let _ = writeln!(s, "# From {}", comment(&profile_srcs[a].origin));
        let _ = writeln!(s, "[agents.{key}]");
        let _ = writeln!(s, "name = {}", toml_str(&p.name));
        let _ = writeln!(s, "reservation = {}", toml_num(p.reservation));
        let _ = writeln!(s, "strategy = \"{DEFAULT_STRATEGY}\"");
        for n in &p.notes {
            let _ = writeln!(s, "# {}", comment(n));
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "[agents.{key}.weights]");
        for (t, w) in p.weights.iter().enumerate() {
            let _ = writeln!(s, "{} = {}", toml_key(&term_ids[t]), toml_num(*w));
        }
        for (t, vals) in p.values.iter().enumerate() {
            let _ = writeln!(s);
            let _ = writeln!(s, "[agents.{key}.values.{}]", toml_key(&term_ids[t]));
            for (o, v) in vals.iter().enumerate() {
                let _ = write!(s, "{} = {}", toml_key(&option_ids[t][o]), toml_num(*v));
                if let Some(ev) = &p.evaluations {
                    let _ = write!(s, "  # evaluation {}", ev[t][o]);
                }
                let _ = writeln!(s);
            }
        }
    }
    s
}
