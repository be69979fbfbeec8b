//! Reads GeniusWeb JSON: domains (`name`, `issuesValues`) and `LinearAdditiveUtilitySpace`
//! profiles, following `geniusweb.profile.utilityspace` of GeniusWeb.

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
fn value_set(src: &Source, at: &str, issue: &str, set: &Json) -> Result<Vec<String>, InputError> {
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
        return Err(
            InputError::new(&src.origin, "this is a domain, not a profile").with_help(
                "give the domain first, then the profiles ({\"LinearAdditiveUtilitySpace\": ...})",
            ),
        );
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
            return Err(
                InputError::new(&src.origin, format!("profile type `{kind}`: {why}")).with_help(
                    "give GeniusWeb profiles of the form {\"LinearAdditiveUtilitySpace\": {...}}",
                ),
            );
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
            return Err(err(
                &format!("{l}.issueUtilities"),
                format!("no utilities for issue `{}`", di.name),
            )
            .with_help(
                "give utilities for every issue of the domain; is this profile for another domain?",
            ));
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
            notes.push(
                "no reservationBid: any agreement beats no deal (reservation 0), as in GeniusWeb"
                    .to_string(),
            );
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
