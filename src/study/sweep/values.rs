//! The values of a `--param` flag: numbers (exact decimal ranges that do not drift), strings,
//! lists and distributions.

use super::*;

/// A swept value: its text in the table and the TOML value written into the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The key cell: the value as shown in the table.
    pub cell: Cell,
    /// The value set in the scenario.
    pub toml: toml::Value,
}

impl Value {
    /// A number from its canonical text (integers stay TOML integers, so the point's scenario
    /// is the file as written). The table shows it as a float, `1.0` rather than `1`, so that
    /// a swept number column is a float column in pandas whatever its values.
    pub(super) fn number(text: String) -> Value {
        let toml = match text.parse::<i64>() {
            Ok(i) if !text.contains('.') => toml::Value::Integer(i),
            _ => toml::Value::Float(text.parse().expect("canonical numbers parse")),
        };
        let shown = if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        };
        Value {
            cell: Cell::literal(shown),
            toml,
        }
    }

    /// What kind of column the value would make: 0 number, 1 boolean, 2 text.
    pub(super) fn kind(&self) -> u8 {
        match self.toml {
            toml::Value::Integer(_) | toml::Value::Float(_) => 0,
            toml::Value::Boolean(_) => 1,
            _ => 2,
        }
    }

    pub(super) fn string(s: &str) -> Value {
        Value {
            cell: Cell::text(s),
            toml: toml::Value::String(s.to_string()),
        }
    }
}

/// A decimal number `mant / 10^scale`, so that ranges step without binary rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Decimal {
    pub(super) mant: i128,
    pub(super) scale: u32,
}

impl Decimal {
    /// Parses `[+-]digits[.digits]` (no exponent).
    pub(super) fn parse(s: &str) -> Option<Decimal> {
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = format!("{int}{frac}");
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.trim_start_matches('0').len() > MAX_DIGITS
            || frac.len() > MAX_DIGITS
        {
            return None;
        }
        let mant: i128 = digits.trim_start_matches('0').parse().unwrap_or(0);
        Some(Decimal {
            mant: if neg { -mant } else { mant },
            scale: frac.len() as u32,
        })
    }

    /// The mantissa at a finer `scale`.
    pub(super) fn at_scale(self, scale: u32) -> i128 {
        self.mant * 10i128.pow(scale - self.scale)
    }
}

/// `mant / 10^scale` written without exponent or trailing zeros: (30, 2) -> "0.3".
pub(super) fn format_decimal(mant: i128, scale: u32) -> String {
    let scale = scale as usize;
    let digits = format!("{:0>width$}", mant.unsigned_abs(), width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    let frac = frac.trim_end_matches('0');
    let sign = if mant < 0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// Parses a number: a decimal, or a float with an exponent (`1e-3`) or with more digits than
/// [`MAX_DIGITS`] (`0.0026666666666666666`), in canonical text.
pub(super) fn parse_number(s: &str) -> Option<String> {
    if let Some(d) = Decimal::parse(s) {
        return Some(format_decimal(d.mant, d.scale));
    }
    let floaty = s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    let x: f64 = s.parse().ok().filter(|x: &f64| floaty && x.is_finite())?;
    // Display of an f64 is the shortest text that reads back as the same number.
    Some(x.to_string())
}

/// One element of a value list: a single value or an inclusive range.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Element {
    One(Value),
    Range {
        start: i128,
        step: i128,
        scale: u32,
        count: u64,
    },
}

impl Element {
    /// The kind of column it makes (see [`Value::kind`]).
    pub(super) fn kind(&self) -> u8 {
        match self {
            Element::One(v) => v.kind(),
            Element::Range { .. } => 0,
        }
    }

    pub(super) fn len(&self) -> u64 {
        match self {
            Element::One(_) => 1,
            Element::Range { count, .. } => *count,
        }
    }

    pub(super) fn get(&self, i: u64) -> Value {
        match self {
            Element::One(v) => v.clone(),
            Element::Range {
                start, step, scale, ..
            } => Value::number(format_decimal(start + i128::from(i) * step, *scale)),
        }
    }
}

/// Parses one list element: `"text"`, `dist:normal(0.3,0.05)`, `START:STOP:STEP`, `true`,
/// a number, or else a string.
pub(super) fn parse_element(tok: &str) -> Result<Element, String> {
    if let Some(rest) = tok.strip_prefix('"') {
        let inner = rest
            .strip_suffix('"')
            .filter(|i| !i.contains('"'))
            .ok_or_else(|| format!("unbalanced quotes in `{tok}`"))?;
        return Ok(Element::One(Value::string(inner)));
    }
    if let Some(rest) = tok.strip_prefix("dist:") {
        return parse_dist(rest).map(Element::One);
    }
    if let Some(inner) = tok.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| format!("unbalanced brackets in `{tok}`"))?;
        return parse_list(inner).map(Element::One);
    }
    if tok.contains(':') {
        return parse_range(tok);
    }
    if tok == "true" || tok == "false" {
        return Ok(Element::One(Value {
            cell: Cell::literal(tok),
            toml: toml::Value::Boolean(tok == "true"),
        }));
    }
    Ok(Element::One(match parse_number(tok) {
        Some(text) => Value::number(text),
        None => Value::string(tok),
    }))
}

/// `a, "b"` (inside brackets) -> `["a", "b"]`: a list of names, such as a red-line set.
pub(super) fn parse_list(inner: &str) -> Result<Value, String> {
    let mut names = Vec::new();
    for item in split_list(inner).into_iter().filter(|i| !i.is_empty()) {
        let name = match item.strip_prefix('"') {
            Some(rest) => rest
                .strip_suffix('"')
                .filter(|i| !i.contains('"'))
                .ok_or_else(|| format!("unbalanced quotes in `{item}`"))?,
            None => item,
        };
        names.push(name.to_string());
    }
    Ok(Value {
        cell: Cell::text(format!("[{}]", names.join(", "))),
        toml: toml::Value::Array(names.into_iter().map(toml::Value::String).collect()),
    })
}

/// A red-line set given as one name (`recognized_russian`, or a number-like `1`) means the
/// set of that one option, as `[recognized_russian]` does.
pub(super) fn as_name_list(e: Element) -> Element {
    match e {
        Element::One(Value {
            cell,
            toml: toml::Value::String(_) | toml::Value::Integer(_) | toml::Value::Float(_),
        }) => {
            let name = cell.text;
            Element::One(Value {
                cell: Cell::text(name.clone()),
                toml: toml::Value::Array(vec![toml::Value::String(name)]),
            })
        }
        Element::Range { .. } | Element::One(_) => e,
    }
}

/// `normal(0.3,0.05)` -> `{ normal = [0.3, 0.05] }`.
pub(super) fn parse_dist(s: &str) -> Result<Value, String> {
    const FORM: &str =
        "write dist:normal(MEAN,SD), dist:uniform(LOW,HIGH) or dist:triangular(LOW,MODE,HIGH)";
    let (kind, args) = s
        .strip_suffix(')')
        .and_then(|s| s.split_once('('))
        .ok_or_else(|| format!("`dist:{s}` is not a distribution: {FORM}"))?;
    let kind = kind.trim();
    let kinds = ["normal", "uniform", "triangular"];
    if !kinds.contains(&kind) {
        return Err(match did_you_mean(kind, kinds) {
            Some(k) => format!("unknown distribution `{kind}`: did you mean `{k}`? {FORM}"),
            None => format!("unknown distribution `{kind}`: {FORM}"),
        });
    }
    let params = args
        .split(',')
        .map(|a| parse_number(a.trim()).ok_or_else(|| format!("`{}` is not a number", a.trim())))
        .collect::<Result<Vec<String>, String>>()?;
    let array = params
        .iter()
        .map(|p| toml::Value::Float(p.parse().expect("canonical numbers parse")))
        .collect();
    let mut table = toml::Table::new();
    table.insert(kind.to_string(), toml::Value::Array(array));
    Ok(Value {
        cell: Cell::text(format!("dist:{kind}({})", params.join(","))),
        toml: toml::Value::Table(table),
    })
}

/// `START:STOP:STEP`, inclusive, stepped in exact decimal arithmetic.
pub(super) fn parse_range(tok: &str) -> Result<Element, String> {
    let parts: Vec<&str> = tok.split(':').collect();
    let nums: Option<Vec<Decimal>> = parts.iter().map(|p| Decimal::parse(p.trim())).collect();
    let nums = nums
        .filter(|n| n.len() == 3)
        .ok_or_else(|| format!("`{tok}` is not a range: write START:STOP:STEP with three decimal numbers, for example 0.1:0.5:0.1"))?;
    let scale = nums.iter().map(|d| d.scale).max().unwrap_or(0);
    let (start, stop, step) = (
        nums[0].at_scale(scale),
        nums[1].at_scale(scale),
        nums[2].at_scale(scale),
    );
    if step == 0 {
        return Err(format!("the step of range `{tok}` is 0"));
    }
    if stop != start && (stop - start).signum() != step.signum() {
        return Err(format!(
            "range `{tok}` never reaches its stop: the step goes the other way"
        ));
    }
    let count = (stop - start) / step + 1;
    if count > i128::from(MAX_POINTS) {
        return Err(format!(
            "range `{tok}` has {count} values, more than the limit of {MAX_POINTS} points"
        ));
    }
    Ok(Element::Range {
        start,
        step,
        scale,
        count: count as u64,
    })
}

/// Splits a value list at commas outside quotes and parentheses.
pub(super) fn split_list(s: &str) -> Vec<&str> {
    let (mut depth, mut quoted, mut from) = (0i32, false, 0);
    let mut out = Vec::new();
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' | '[' if !quoted => depth += 1,
            ')' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(s[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[from..].trim());
    out
}
