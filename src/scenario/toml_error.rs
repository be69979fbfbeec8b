//! TOML errors in the words of the file: serde's wording for wrong types rephrased (table,
//! array, whole number), the key named, unknown keys given a suggestion.

use super::*;

/// Turns a TOML deserialization error into a located input error: serde's wording for wrong
/// types is rephrased in the words of the file (table, array, whole number) and names the key,
/// and unknown keys get a suggestion.
pub(super) fn toml_error(e: &toml::de::Error, src: &str, origin: &str) -> InputError {
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
