//! Reads GENIUS XML (`negotiation_template` domains, `utility_space` profiles), following
//! `genius.core.utility.AdditiveUtilitySpace` and `EvaluatorDiscrete` of GENIUS 10.4.

use super::genius_xml::*;
use super::*;

/// The `<utility_space>` of a domain (inside `<negotiation_template>`, or the root).
fn utility_space<'a, 'i>(x: &Xml, root: Node<'a, 'i>) -> Result<Node<'a, 'i>, InputError> {
    match root.tag_name().name() {
        "utility_space" => Ok(root),
        "negotiation_template" => elements(root)
            .find(|n| n.has_tag_name("utility_space"))
            .ok_or_else(|| {
                x.err(root, "<negotiation_template> has no <utility_space>")
                    .with_help(
                        "a GENIUS domain is <negotiation_template><utility_space><objective>...",
                    )
            }),
        other => Err(x
            .err(
                root,
                format!("the root element is <{other}>, not a GENIUS domain"),
            )
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
                warnings.push(x.warn(child, format_args!("<{other}> in <utility_space> ignored")));
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
