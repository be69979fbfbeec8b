//! Clocks, discounts, acceptance rules and the numbers that may be distributions.

use super::*;

impl Validator<'_> {
    /// Reads `clock = "deadline" | { horizon = H }` (H a number or distribution of rounds).
    pub(in crate::scenario) fn clock(
        &self,
        v: &Spanned<toml::Value>,
        what: &str,
    ) -> Result<Clock, InputError> {
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
    pub(in crate::scenario) fn discount(
        &self,
        v: &Spanned<toml::Value>,
        agent: &str,
    ) -> Result<(f64, bool), InputError> {
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
    pub(in crate::scenario) fn accept_rule(
        &self,
        v: &Spanned<toml::Value>,
    ) -> Result<AcceptRule, InputError> {
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
    pub(in crate::scenario) fn param(
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
