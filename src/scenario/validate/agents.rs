//! The agents: weights, values, reservation, strategy, red lines.

use super::*;

impl Validator<'_> {
    pub(in crate::scenario) fn agents(
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
        // Where each agent's `offer` key is, for the `nearest` limit checked once all red
        // lines are known.
        let mut offer_spans = Vec::with_capacity(raw.len());
        for (id, a) in raw {
            self.check_id(&id, "agent id")?;
            offer_spans.push(a.get_ref().offer.as_ref().map(|o| o.span()));
            agents.push(self.agent(id, a, terms, default_clock)?);
        }
        if !agents.iter().any(|a| a.signatory) {
            return Err(self
                .at(span, "no agent is a signatory")
                .with_help("at least one agent needs signatory = true (the default)"));
        }
        for (a, span) in agents.iter().zip(offer_spans) {
            if a.offer == OfferRule::Nearest
                && let Some(span) = span
            {
                self.nearest_fits(a, &agents, terms, span)?;
            }
        }
        Ok(agents)
    }

    /// Refuses `offer = "nearest"` for agent `a` beyond [`NEAREST_MAX_OUTCOMES`] allowed
    /// packages (options red-lined by no signatory and not by `a`): its exact search costs
    /// about `√N` per offer, hours for a sizable study beyond the limit.
    fn nearest_fits(
        &self,
        a: &Agent,
        agents: &[Agent],
        terms: &[Term],
        span: std::ops::Range<usize>,
    ) -> Result<(), InputError> {
        let size: u128 = terms
            .iter()
            .enumerate()
            .map(|(t, term)| {
                (0..term.options.len())
                    .filter(|&o| {
                        !a.red_lines[t][o]
                            && !agents.iter().any(|s| s.signatory && s.red_lines[t][o])
                    })
                    .count() as u128
            })
            .product();
        if size <= NEAREST_MAX_OUTCOMES {
            return Ok(());
        }
        let per_round =
            NEAREST_ROUND_SECONDS_AT_LIMIT * (size as f64 / NEAREST_MAX_OUTCOMES as f64).sqrt();
        let shown = |n: u128| thousands(u64::try_from(n).unwrap_or(u64::MAX));
        Err(self
            .at(
                span,
                format!(
                    "offer = \"nearest\" needs at most {} allowed packages, agent `{}` has {}: its exact search would cost about {} per round (100,000 runs of 100 rounds: about {} on one thread)",
                    shown(NEAREST_MAX_OUTCOMES),
                    quote(&a.id),
                    shown(size),
                    if per_round < 1e-3 {
                        format!("{:.0} µs", per_round * 1e6)
                    } else {
                        format!("{:.1} ms", per_round * 1e3)
                    },
                    duration(per_round * 1e7),
                ),
            )
            .with_help("use offer = \"best_for_others\" (its branch and bound does not list the packages), or fewer terms or options, or red lines that rule options out"))
    }

    pub(in crate::scenario) fn agent(
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
}

/// A rough duration in words (the scenario layer cannot use the study's `estimate::describe`).
fn duration(seconds: f64) -> String {
    let (unit, size) = [("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)]
        .into_iter()
        .find(|&(_, size)| seconds >= size)
        .unwrap_or(("seconds", 1.0));
    format!("{:.1} {unit}", seconds / size)
}
