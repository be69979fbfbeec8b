//! Validation: the raw file walked into a [`Scenario`], every problem located at its key.
//! The file as a whole and its simulation table are checked here; terms, agents and their
//! numbers in the files beside this one.

mod agents;
mod numbers;
mod terms;

use super::*;

/// Walks the raw file and builds the validated scenario, locating every problem.
pub(super) struct Validator<'a> {
    pub(super) src: &'a str,
    pub(super) origin: &'a str,
}

impl Validator<'_> {
    pub(in crate::scenario) fn at(
        &self,
        span: std::ops::Range<usize>,
        msg: impl Into<String>,
    ) -> InputError {
        InputError::new(self.origin, msg).at(self.src, span.start)
    }

    pub(in crate::scenario) fn missing(&self, what: &str, help: &str) -> InputError {
        InputError::new(self.origin, format!("missing {what}")).with_help(help)
    }

    pub(in crate::scenario) fn scenario(&self, raw: RawFile) -> Result<Scenario, InputError> {
        let meta = raw.scenario.ok_or_else(|| {
            self.missing("[scenario] table", "add [scenario] with name = \"...\"")
        })?;
        let meta_span = meta.span();
        let meta = meta.into_inner();
        let name = meta.name.ok_or_else(|| {
            self.at(meta_span, "missing key `name` in [scenario]")
                .with_help("add name = \"My negotiation\"")
        })?;
        let name = self.text(name, "scenario name", MAX_NAME_CHARS)?;
        let description = match meta.description {
            None => String::new(),
            Some(d) => self.text(d, "scenario description", MAX_DESCRIPTION_CHARS)?,
        };
        let sim = raw.simulation.ok_or_else(|| {
            self.missing(
                "[simulation] table",
                "add [simulation] with runs, seed and deadlines",
            )
        })?;
        let terms_raw = raw.terms.ok_or_else(|| {
            self.missing(
                "[[terms]]",
                "add at least one [[terms]] table with id and options",
            )
        })?;
        let terms = self.terms(terms_raw)?;
        let agents_raw = raw
            .agents
            .ok_or_else(|| self.missing("[agents]", "add at least two [agents.ID] tables"))?;
        let raw_agents_span = agents_raw.span();
        let default_clock = match &sim.get_ref().clock {
            None => Clock::Deadline,
            Some(c) => self.clock(c, "[simulation] clock")?,
        };
        let strategy_spans: Vec<_> = agents_raw
            .get_ref()
            .values()
            .map(|a| a.get_ref().strategy.as_ref().map(Spanned::span))
            .collect();
        let protocol_span = sim.get_ref().protocol.as_ref().map(Spanned::span);
        let agents = self.agents(agents_raw, &terms, default_clock)?;
        let simulation = self.simulation(sim, &agents)?;
        self.theory_rules(
            &terms,
            &agents,
            &simulation,
            &strategy_spans,
            protocol_span.clone(),
        )?;
        self.stationary_rules(&terms, &agents, &simulation, &strategy_spans)?;
        self.zeuthen_rules(&terms, &agents, &simulation, &strategy_spans, protocol_span)?;
        if simulation.protocol == Protocol::Legislative
            && let Some(a) = agents.iter().find(|a| a.frequency_estimates)
        {
            return Err(InputError::new(
                self.origin,
                format!(
                    "agent `{}` uses estimates = \"frequency\", which the legislative protocol does not support (its proposers court coalitions by per-agent estimates)",
                    a.id
                ),
            )
            .with_help("use estimates = \"noisy\" or \"exact\", or protocol = \"alternating\""));
        }
        if simulation.protocol == Protocol::Mediated
            && let Some(a) = agents.iter().find(|a| a.frequency_estimates)
        {
            return Err(InputError::new(
                self.origin,
                format!(
                    "agent `{}` uses estimates = \"frequency\", which learns from the parties' offers, but under protocol = \"mediated\" only the mediator makes offers",
                    a.id
                ),
            )
            .with_help("use estimates = \"noisy\" or \"exact\", or protocol = \"alternating\""));
        }
        check_model_size(&terms, agents.len()).map_err(|(msg, help)| {
            let at = raw_agents_span.clone();
            self.at(at, msg).with_help(help)
        })?;
        Ok(Scenario {
            name,
            description,
            simulation,
            terms,
            agents,
        })
    }

    pub(in crate::scenario) fn simulation(
        &self,
        sim: Spanned<RawSim>,
        agents: &[Agent],
    ) -> Result<Simulation, InputError> {
        let span = sim.span();
        let sim = sim.into_inner();
        let runs = match sim.runs {
            None => 10_000,
            Some(r) => {
                let v = *r.get_ref();
                if !(v.is_finite() && v.fract() == 0.0 && v >= 1.0) {
                    return Err(self
                        .at(
                            r.span(),
                            format!(
                                "runs must be a whole number of at least 1, got {}",
                                src_text(self.src, r.span())
                            ),
                        )
                        .with_help(RUNS_HELP));
                }
                if v > MAX_RUNS as f64 {
                    return Err(self
                        .at(
                            r.span(),
                            format!(
                                "runs = {} is too many: at most {} runs per deadline",
                                src_text(self.src, r.span()),
                                thousands(MAX_RUNS)
                            ),
                        )
                        .with_help(RUNS_HELP));
                }
                v as u64
            }
        };
        let seed = match sim.seed {
            None => 0,
            Some(s) => {
                let v = *s.get_ref();
                u64::try_from(v).map_err(|_| {
                    self.at(s.span(), format!("seed {v} is out of range"))
                        .with_help(format!(
                            "a seed is a whole number from 0 to {}, for example seed = 42",
                            u64::MAX
                        ))
                })?
            }
        };
        let deadlines_raw = match (sim.deadlines, sim.checkpoints, &sim.horizon) {
            (Some(d), _, Some(_)) => {
                return Err(self
                    .at(d.span(), "`deadlines` does not go with `horizon`")
                    .with_help("open-ended talks (horizon = H) are read at checkpoints: write checkpoints = [...] (rounds up to the horizon) instead of deadlines"));
            }
            (_, Some(c), None) => {
                return Err(self
                    .at(c.span(), "`checkpoints` needs `horizon`")
                    .with_help("checkpoints are the rounds at which open-ended talks are read; add horizon = H, or write deadlines = [...] for separate worlds with known deadlines"));
            }
            (Some(d), None, None) => d,
            (None, Some(c), Some(_)) => c,
            (None, None, Some(h)) => Spanned::new(h.span(), vec![h.clone()]),
            (None, None, None) => {
                return Err(self
                    .at(span.clone(), "missing key `deadlines` in [simulation]")
                    .with_help("for example deadlines = [4, 8, 12]"));
            }
        };
        let dl_span = deadlines_raw.span();
        let mut deadlines = Vec::new();
        for d in deadlines_raw.into_inner() {
            let v = *d.get_ref();
            if v < 1 || v > i64::from(MAX_DEADLINE) {
                return Err(self
                    .at(
                        d.span(),
                        format!(
                            "deadline {} is out of range",
                            u64::try_from(v).map_or(v.to_string(), thousands)
                        ),
                    )
                    .with_help(format!(
                        "deadlines are rounds from 1 to {}",
                        thousands(u64::from(MAX_DEADLINE))
                    )));
            }
            deadlines.push(v as u32);
        }
        if deadlines.is_empty() {
            return Err(self
                .at(dl_span, "deadlines is empty")
                .with_help("give at least one deadline in rounds, for example [4, 8, 12]"));
        }
        check_deadline_list(&deadlines)
            .map_err(|(msg, help)| self.at(dl_span.clone(), msg).with_help(help))?;
        let protocol = match sim.protocol {
            None => Protocol::Alternating,
            Some(p) => {
                match p.get_ref().as_str() {
                    "alternating" => Protocol::Alternating,
                    "mediated" => Protocol::Mediated,
                    "legislative" => Protocol::Legislative,
                    other => {
                        let mut e =
                            self.at(p.span(), format!("unknown protocol `{}`", quote(other)));
                        e.help = Some(match did_you_mean(other, ["alternating", "mediated", "legislative"]) {
                        Some(s) => format!(
                            "did you mean \"{s}\"? protocols are \"alternating\", \"mediated\" and \"legislative\""
                        ),
                        None => "protocols are \"alternating\", \"mediated\" and \"legislative\"".to_string(),
                    });
                        return Err(e);
                    }
                }
            }
        };
        let mediator = match sim.mediator {
            None => None,
            Some(m) => {
                let id = m.get_ref();
                if protocol == Protocol::Legislative {
                    return Err(self
                        .at(
                            m.span(),
                            format!("protocol = \"legislative\" has no mediator, but mediator = \"{}\" is given", quote(id)),
                        )
                        .with_help("under the legislative protocol the recognized signatory proposes; remove `mediator`, or use protocol = \"mediated\""));
                }
                match agents.iter().position(|a| &a.id == id) {
                    Some(i) => Some(i),
                    None => {
                        let mut e = self.at(
                            m.span(),
                            format!("mediator `{}` is not an agent", quote(id)),
                        );
                        e.help =
                            Some(self.suggest(id, agents.iter().map(|a| a.id.as_str()), "agents"));
                        return Err(e);
                    }
                }
            }
        };
        if protocol == Protocol::Mediated && mediator.is_none() {
            return Err(self
                .at(span, "protocol = \"mediated\" needs a mediator")
                .with_help(format!(
                    "add mediator = \"ID\" naming one of the agents: {}",
                    agents
                        .iter()
                        .map(|a| a.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
        }
        let mediator_learning_rate = match &sim.mediator_learning_rate {
            None => Param::fixed(0.5, 0.0, 10.0),
            Some(r) => {
                if let RawNum::Num(v) = r.get_ref()
                    && !(v.is_finite() && (0.0..=10.0).contains(v))
                {
                    return Err(self
                        .at(
                            r.span(),
                            format!(
                                "mediator_learning_rate must be in [0, 10], got {}",
                                show(*v)
                            ),
                        )
                        .with_help("0 keeps the mediator's weights fixed; the default is 0.5"));
                }
                self.param(r, 0.0, 10.0, "mediator_learning_rate", "in [simulation]")?
            }
        };
        let mediator_memory = match &sim.mediator_rule {
            None => true,
            Some(r) => match r.get_ref().as_str() {
                "remembering" => true,
                "legacy" => false,
                other => {
                    let mut e = self.at(
                        r.span(),
                        format!("unknown mediator_rule `{}`", quote(other)),
                    );
                    e.help = Some(match did_you_mean(other, ["remembering", "legacy"]) {
                        Some(s) => format!("did you mean \"{s}\"? {MEDIATOR_RULE_HELP}"),
                        None => MEDIATOR_RULE_HELP.to_string(),
                    });
                    return Err(e);
                }
            },
        };
        let horizon = match &sim.horizon {
            None => None,
            Some(h) => {
                let v = *h.get_ref();
                if v < 1 || v > i64::from(MAX_DEADLINE) {
                    return Err(self
                        .at(h.span(), format!("horizon {v} is out of range"))
                        .with_help(format!(
                            "the horizon of open-ended talks is a number of rounds from 1 to {}",
                            thousands(u64::from(MAX_DEADLINE))
                        )));
                }
                if let Some(a) = agents.iter().find(|a| a.clock == Clock::Deadline) {
                    return Err(self
                        .at(
                            h.span(),
                            format!(
                                "open-ended talks (horizon = {v}) have no deadline to concede against, but agent `{}` uses clock = \"deadline\"",
                                a.id
                            ),
                        )
                        .with_help("give every agent a concession horizon of its own: clock = { horizon = H } in [simulation] (the default of all agents) or in the agent's table"));
                }
                Some(v as u32)
            }
        };
        if let Some(h) = horizon
            && let Some(&c) = deadlines.iter().find(|&&c| c > h)
        {
            return Err(self
                .at(dl_span, format!("checkpoint {c} is beyond the horizon {h}"))
                .with_help(
                    "checkpoints are rounds of the open-ended talks, from 1 to the horizon",
                ));
        }
        let worlds = match &sim.worlds {
            None => None,
            Some(w) => {
                let v = *w.get_ref();
                let max = MAX_WORLDS;
                if v < 0 || v as u64 > max {
                    return Err(self
                        .at(w.span(), format!("worlds = {v} is out of range"))
                        .with_help(format!(
                            "give 0 (no worlds: every run draws every uncertain number afresh) to {} worlds, each played `runs` times",
                            thousands(max)
                        )));
                }
                if v as u64 > runs {
                    return Err(self
                        .at(
                            w.span(),
                            format!("{v} worlds need at least {v} runs, one per world, but runs = {runs}"),
                        )
                        .with_help("the runs are shared among the worlds: give runs = 100 x worlds, or fewer worlds"));
                }
                (v > 0).then_some(v as u64)
            }
        };
        let (quota, recognition) =
            self.legislative(sim.quota, sim.recognition, protocol, span.clone(), agents)?;
        Ok(Simulation {
            runs,
            seed,
            deadlines,
            protocol,
            mediator,
            mediator_memory,
            horizon,
            worlds,
            quota,
            recognition,
            round_label: match sim.round_label {
                None => "round".to_string(),
                Some(l) => self.text(l, "round_label", MAX_NAME_CHARS)?,
            },
            mediator_learning_rate,
        })
    }

    pub(in crate::scenario) fn suggest<'b>(
        &self,
        name: &str,
        candidates: impl Iterator<Item = &'b str> + Clone,
        what: &str,
    ) -> String {
        match did_you_mean(name, candidates.clone()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => {
                let all: Vec<&str> = candidates.collect();
                let shown = all.iter().take(20).copied().collect::<Vec<_>>().join(", ");
                match all.len() {
                    0..=20 => format!("{what} are: {shown}"),
                    n => format!("{what} are: {shown}, ... ({n} in all)"),
                }
            }
        }
    }
}
