//! The neutral form of an imported domain written out as scenario text: ids made from names,
//! TOML quoting, and the comments that record every departure from the source files.

use super::*;

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
pub(super) fn write_scenario(
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
