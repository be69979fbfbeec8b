//! The scenario file exactly as written: serde structures with source spans, before validation.

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;
use toml::Spanned;

/// A table of spanned keys to spanned values, in file order.
pub type SpannedMap<T> = IndexMap<Spanned<String>, Spanned<T>>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub scenario: Option<Spanned<RawMeta>>,
    pub simulation: Option<Spanned<RawSim>>,
    pub terms: Option<Spanned<Vec<Spanned<RawTerm>>>>,
    pub agents: Option<Spanned<SpannedMap<RawAgent>>>,
}

/// `[scenario]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
}

/// `[simulation]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSim {
    pub runs: Option<Spanned<f64>>,
    /// Wider than TOML's i64 so that every seed `--seed` takes (any u64) can be written here.
    pub seed: Option<Spanned<i128>>,
    pub deadlines: Option<Spanned<Vec<Spanned<i64>>>>,
    pub protocol: Option<Spanned<String>>,
    pub mediator: Option<Spanned<String>>,
    pub round_label: Option<Spanned<String>>,
    pub mediator_learning_rate: Option<Spanned<RawNum>>,
    pub clock: Option<Spanned<toml::Value>>,
    pub mediator_rule: Option<Spanned<String>>,
    pub horizon: Option<Spanned<i64>>,
    pub checkpoints: Option<Spanned<Vec<Spanned<i64>>>>,
    pub worlds: Option<Spanned<i64>>,
    pub quota: Option<Spanned<i64>>,
    pub recognition: Option<Spanned<SpannedMap<RawNum>>>,
}

/// One `[[terms]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTerm {
    pub id: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub options: Option<Spanned<Vec<Spanned<String>>>>,
    pub labels: Option<Spanned<Vec<String>>>,
}

/// One `[agents.ID]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgent {
    pub name: Option<Spanned<String>>,
    pub signatory: Option<bool>,
    pub reservation: Option<Spanned<RawNum>>,
    pub strategy: Option<Spanned<RawStrategy>>,
    pub walk_away: Option<Spanned<RawNum>>,
    pub deadline_belief: Option<Spanned<RawNum>>,
    pub estimate_noise: Option<Spanned<f64>>,
    pub offer: Option<Spanned<String>>,
    pub accept: Option<Spanned<toml::Value>>,
    pub estimates: Option<Spanned<String>>,
    pub discount: Option<Spanned<toml::Value>>,
    pub clock: Option<Spanned<toml::Value>>,
    pub delay_cost: Option<Spanned<RawNum>>,
    pub red_lines: Option<SpannedMap<Vec<Spanned<String>>>>,
    pub weights: Option<Spanned<SpannedMap<RawNum>>>,
    pub values: Option<SpannedMap<SpannedMap<RawNum>>>,
}

/// A number or a distribution, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum RawNum {
    /// A plain number.
    Num(f64),
    /// `{ kind = [params...] }`.
    Dist { kind: String, params: Vec<f64> },
    /// A table that is no distribution, with what is wrong. Why deferred: the key it was
    /// written under may itself be unknown, and that is the error to report first.
    Invalid(String),
}

impl<'de> Deserialize<'de> for RawNum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}

struct NumVisitor;

impl<'de> Visitor<'de> for NumVisitor {
    type Value = RawNum;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a number or a distribution: { normal = [mean, sd] }, { uniform = [low, high] } or { triangular = [low, mode, high] }",
        )
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawNum, E> {
        Ok(RawNum::Num(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawNum, E> {
        Ok(RawNum::Num(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawNum, E> {
        Ok(RawNum::Num(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNum, A::Error> {
        let Some(kind) = map.next_key::<String>()? else {
            return Ok(RawNum::Invalid(
                "empty table: expected a distribution such as { normal = [mean, sd] }".into(),
            ));
        };
        if !matches!(kind.as_str(), "normal" | "uniform" | "triangular") {
            // Read past the rest of the table, so that the key's own check comes first.
            map.next_value::<de::IgnoredAny>()?;
            while map.next_key::<de::IgnoredAny>()?.is_some() {
                map.next_value::<de::IgnoredAny>()?;
            }
            return Ok(RawNum::Invalid(format!(
                "unknown distribution `{}`: expected `normal`, `uniform` or `triangular`",
                super::quote(&kind)
            )));
        }
        let params: Vec<f64> = map.next_value()?;
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a distribution has exactly one key, found `{kind}` and `{}`",
                super::quote(&extra)
            )));
        }
        Ok(RawNum::Dist { kind, params })
    }
}

/// A strategy: a tactic name or `{ exponent = ... }`.
#[derive(Debug, Clone, PartialEq)]
pub enum RawStrategy {
    /// `"boulware"` and the like.
    Named(String),
    /// `{ exponent = NUMBER_OR_DISTRIBUTION }`.
    Exponent(RawNum),
}

impl<'de> Deserialize<'de> for RawStrategy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrategyVisitor)
    }
}

struct StrategyVisitor;

impl<'de> Visitor<'de> for StrategyVisitor {
    type Value = RawStrategy;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "\"boulware\", \"linear\", \"conceder\", \"hardliner\", \"backward_induction\", \"stationary\", \"zeuthen\" or { exponent = NUMBER }",
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawStrategy, E> {
        Ok(RawStrategy::Named(v.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStrategy, A::Error> {
        match map.next_key::<String>()?.as_deref() {
            Some("exponent") => {}
            Some(other) => {
                return Err(de::Error::custom(format!(
                    "unknown strategy key `{}`: expected {{ exponent = NUMBER }}",
                    super::quote(other)
                )));
            }
            None => {
                return Err(de::Error::custom(
                    "empty strategy table: expected { exponent = NUMBER }",
                ));
            }
        }
        let e: RawNum = map.next_value()?;
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "unexpected key `{}` in strategy: expected only `exponent`",
                super::quote(&extra)
            )));
        }
        Ok(RawStrategy::Exponent(e))
    }
}
