//! What a seat sees and types: the introduction, the menu, offers shown, answers and
//! proposals asked for and checked, and the mediator's hints.

use super::*;

impl<R: BufRead, W: Write> Game<'_, R, W> {
    pub(super) fn say(&mut self, s: &str) -> Result<(), Error> {
        let text = crate::tools::play_text::wrap(s, crate::tools::play_text::WIDTH);
        if self.audience.is_none() && self.opts.clear {
            self.recap.push_str(&text);
        }
        if let Some(log) = &mut self.log {
            log.push((self.audience, text));
            return Ok(());
        }
        self.out.write_all(text.as_bytes()).map_err(io)
    }

    /// Says `s` to everyone.
    pub(super) fn announce(&mut self, s: &str) -> Result<(), Error> {
        let was = self.audience.take();
        let r = self.say(s);
        self.audience = was;
        r
    }

    /// Turns to seat `s`: with several seats, announces whose turn it is and, in the
    /// terminal's hot-seat, clears the screen and waits for that seat's Enter before anything
    /// private is shown. `false` when the input ended there (that seat walks out).
    pub(super) fn turn_to(&mut self, s: usize) -> Result<bool, Error> {
        if !self.opts.shared() {
            self.seat = s;
            self.audience = Some(s);
            return Ok(true);
        }
        if self.seat == s && self.audience == Some(s) {
            return Ok(true);
        }
        self.audience = None;
        let agent = &self.model.scenario.agents[s];
        let banner = format!(
            "\n--- {} ({}): your turn. Everyone else, look away. ---\n",
            agent.name, agent.id
        );
        if self.opts.clear {
            let recap = std::mem::take(&mut self.recap);
            self.out.write_all(b"\x1b[2J\x1b[H").map_err(io)?;
            self.say(&banner)?;
            self.recap.clear();
            self.seat = s;
            if self.opts.handoff && !self.wait_for_enter(s)? {
                return Ok(false);
            }
            self.out.write_all(b"\x1b[2J\x1b[H").map_err(io)?;
            // What happened in public since this seat last looked.
            self.out.write_all(recap.as_bytes()).map_err(io)?;
            self.recap.clear();
        } else {
            self.say(&banner)?;
            self.seat = s;
            if self.opts.handoff && !self.wait_for_enter(s)? {
                return Ok(false);
            }
        }
        self.audience = Some(s);
        Ok(true)
    }

    /// Waits for seat `s` to press Enter; `false` at end of input.
    pub(super) fn wait_for_enter(&mut self, s: usize) -> Result<bool, Error> {
        let id = self.model.scenario.agents[s].id.clone();
        Ok(self
            .ask(&format!(
                "{id}: press Enter when you are at the keyboard > "
            ))?
            .is_some())
    }

    /// Prompts and reads one line; `None` at end of input.
    pub(super) fn ask(&mut self, prompt: &str) -> Result<Option<Input>, Error> {
        self.say(prompt)?;
        self.waiting = Some(self.seat);
        self.out.flush().map_err(io)?;
        let mut line = String::new();
        let n = self.input.read_line(&mut line).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                // What the player typed is the input: not UTF-8 is invalid input (exit 2).
                InputError::new("stdin", "the input is not valid UTF-8 text")
                    .with_help("type the answers as plain text: a, r, q, pass or option numbers")
                    .into()
            } else {
                Error::io("stdin", e)
            }
        })?;
        if n == 0 {
            self.say("\n")?;
            return Ok(None);
        }
        if self.opts.echo {
            self.say(&format!("{}\n", line.trim_end()))?;
        }
        let l = line.trim().to_lowercase();
        Ok(Some(match l.as_str() {
            "a" | "accept" | "y" | "yes" => Input::Accept,
            "r" | "reject" | "n" | "no" => Input::Reject,
            "p" | "pass" => Input::Pass,
            "q" | "quit" | "walk" | "exit" => Input::Quit,
            "h" | "help" | "?" => Input::Help,
            _ => match l
                .split([' ', ',', '\t'])
                .filter(|w| !w.is_empty())
                .map(str::parse::<usize>)
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(v) if !v.is_empty() => Input::Numbers(v),
                _ => Input::Other,
            },
        }))
    }

    pub(super) fn name(&self, a: usize) -> &str {
        &self.model.scenario.agents[a].id
    }

    /// Whether agent `a` leaving ends the talks.
    pub(super) fn essential(&self, a: usize) -> bool {
        self.model.signatory[a] || self.model.mediator == Some(a)
    }

    pub(super) fn intro(&mut self) -> Result<(), Error> {
        if !self.opts.shared() {
            let p = self.opts.seats[0];
            self.seat = p;
            self.audience = Some(p);
            let head = self.header(p);
            return self.intro_private(head);
        }
        let (m, o) = (self.model, self.opts);
        let sc = &m.scenario;
        let ids: Vec<&str> = o.seats.iter().map(|&a| sc.agents[a].id.as_str()).collect();
        let s = format!(
            "negsim play: {} people at one table in \"{}\": {}\n{} protocol, deadline {} {}s, seed {}, run {}.\nEach seat's preferences are private: when the game turns to a seat, the others look away. The agents nobody plays are simulated.\n",
            ids.len(),
            sc.name,
            ids.join(" and "),
            sc.simulation.protocol.as_str(),
            o.deadline,
            self.label,
            o.seed,
            o.run
        );
        self.announce(&s)?;
        for &p in &o.seats {
            if !self.turn_to(p)? {
                // Left before the game began: the rounds see that seat gone at once.
                self.gone.push(p);
                continue;
            }
            let a = &sc.agents[p];
            let head = format!("\nYou are {} ({}).\n", a.id, a.name);
            self.intro_private(head)?;
        }
        Ok(())
    }

    /// The line that opens a one-seat game.
    pub(super) fn header(&self, p: usize) -> String {
        let sc = &self.model.scenario;
        format!(
            "negsim play: you are {} ({}) in \"{}\"\n{} protocol, deadline {} {}s, seed {}, run {}.\n\n",
            sc.agents[p].id,
            sc.agents[p].name,
            sc.name,
            sc.simulation.protocol.as_str(),
            self.opts.deadline,
            self.label,
            self.opts.seed,
            self.opts.run
        )
    }

    /// The seat's role, preferences and the others, after `head`.
    pub(super) fn intro_private(&mut self, head: String) -> Result<(), Error> {
        let (m, p) = (self.model, self.seat);
        let sc = &m.scenario;
        let mut s = head;
        let role = if m.mediator == Some(p) {
            "You are the mediator: every round you table the single negotiating text; the signatories answer."
        } else if m.signatory[p] {
            "You sign: no deal without your yes."
        } else if m.protocol == Protocol::Mediated {
            "You neither sign nor draft the text in this protocol: watch how the talks go."
        } else {
            "You do not sign: you may propose, but the signatories decide."
        };
        s += role;
        s += "\n\nYour preferences in this game (what this run sampled for you):\n";
        s += &format!(
            "  reservation value (what no deal is worth to you): {:.3}\n",
            self.inst.reservation[p]
        );
        s += &self.menu();
        let others: Vec<String> = (0..m.n_agents())
            .filter(|&a| a != p)
            .map(|a| {
                let role = if m.mediator == Some(a) {
                    "mediator"
                } else if m.signatory[a] {
                    "signs"
                } else {
                    "does not sign"
                };
                format!("{} ({role})", sc.agents[a].id)
            })
            .collect();
        s += &format!(
            "\nThe others: {}. Their preferences are private; their red lines (options they never accept) are public and cannot be proposed.\n",
            others.join(", ")
        );
        s += HELP;
        self.say(&s)
    }

    /// The terms with the player's weight and the numbered options with its values.
    pub(super) fn menu(&self) -> String {
        let (m, p) = (self.model, self.seat);
        let sc = &m.scenario;
        let (nt, no) = (m.n_terms(), m.n_opts);
        let mut s = String::new();
        for t in 0..nt {
            let w = self.inst.weights[p * nt + t];
            let opts: Vec<String> = sc.terms[t]
                .options
                .iter()
                .enumerate()
                .map(|(o, name)| {
                    let k = m.offsets[t] + o;
                    let mark = if m.red[p * no + k] {
                        " (your red line)"
                    } else if !m.allowed[p * no + k] {
                        " (a signatory's red line)"
                    } else {
                        ""
                    };
                    format!("{} {name} {:.2}{mark}", o + 1, self.inst.values[p * no + k])
                })
                .collect();
            s += &format!(
                "  {} (weight {:.2}): {}\n",
                sc.terms[t].id,
                w,
                opts.join(" | ")
            );
        }
        s
    }

    /// The package with the player's per-term breakdown.
    pub(super) fn show_offer(&mut self, who: usize, pkg: &[u8]) -> Result<(), Error> {
        let (m, p) = (self.model, self.seat);
        let sc = &m.scenario;
        let (nt, no) = (m.n_terms(), m.n_opts);
        let mediated = m.protocol == Protocol::Mediated;
        let mut s = match (who == p, mediated) {
            (true, true) => "You table the text:\n".to_string(),
            (true, false) => "You propose:\n".to_string(),
            (false, true) => format!("{} tables the text:\n", sc.agents[who].id),
            (false, false) => format!("{} proposes:\n", sc.agents[who].id),
        };
        // Columns as wide as the longest id, so that a row fits 80 columns where it can.
        let tw = sc.terms.iter().map(|t| t.id.len()).max().unwrap_or(0);
        let ow = sc
            .terms
            .iter()
            .flat_map(|t| t.options.iter().map(String::len))
            .max()
            .unwrap_or(0);
        for (t, &o) in pkg.iter().enumerate() {
            let k = m.offsets[t] + o as usize;
            let w = self.inst.weights[p * nt + t];
            let v = self.inst.values[p * no + k];
            s += &format!(
                "  {:<tw$} {:>2} {:<ow$} value {:.2} x weight {:.2} = {:.3}\n",
                sc.terms[t].id,
                o + 1,
                sc.terms[t].options[o as usize],
                v,
                w,
                self.inst.util[p * no + k]
            );
        }
        let u = self.inst.utility(m, p, pkg);
        s += &format!(
            "  your utility {:.3}; your reservation value {:.3} ({})\n",
            u,
            self.inst.reservation[p],
            if u >= self.inst.reservation[p] {
                "better than no deal"
            } else {
                "worse than no deal"
            }
        );
        self.say(&s)
    }

    /// Asks for accept/reject until valid; `None` when the player quits or input ends.
    pub(super) fn ask_answer(&mut self, round: u32) -> Result<Option<bool>, Error> {
        let tgt = agent_target(&self.inst, self.seat, round, self.opts.deadline)
            .max(self.inst.no_deal_value(self.seat, round));
        let prompt = if self.opts.hints {
            format!(
                "(hint: following the scenario's strategy you would accept from {tgt:.3})\nAccept or reject? [a/r/q] > "
            )
        } else {
            "Accept or reject? [a/r/q] > ".to_string()
        };
        loop {
            match self.ask(&prompt)? {
                None | Some(Input::Quit) => return Ok(None),
                Some(Input::Accept) => return Ok(Some(true)),
                Some(Input::Reject) => return Ok(Some(false)),
                Some(Input::Help) => self.say(HELP)?,
                Some(_) => self.say("Please answer a (accept), r (reject) or q (walk out).\n")?,
            }
        }
    }

    /// Asks for a proposal until valid: `Ok(Some(Some(pkg)))` an offer, `Ok(Some(None))` no
    /// offer, `Ok(None)` the player quits or input ends.
    pub(super) fn ask_proposal(&mut self, round: u32) -> Result<Option<Option<Vec<u8>>>, Error> {
        let (m, p) = (self.model, self.seat);
        let nt = m.n_terms();
        let tgt = agent_target(&self.inst, p, round, self.opts.deadline);
        let mut menu = String::new();
        if let Some((who, pkg)) = &self.table {
            menu = format!(
                "On the table: {} last offer, worth {:.3} to you (reservation value {:.3}): {}\n",
                if *who == p {
                    "your".to_string()
                } else {
                    format!("{}'s", self.name(*who))
                },
                self.inst.utility(m, p, pkg),
                self.inst.reservation[p],
                package_string(m, pkg)
            );
        }
        menu += &format!(
            "Your turn to propose. Options (number, name, value to you):\n{}",
            self.menu()
        );
        self.say(&menu)?;
        // A mediator drafts by its weighting of everyone's wishes, not by a target.
        let hint = if !self.opts.hints {
            String::new()
        } else if m.mediator == Some(p) {
            self.mediator_hint(round)
        } else {
            format!(
                "(hint: following the scenario's strategy you would offer nothing worth less than {tgt:.3} to you)\n"
            )
        };
        let prompt =
            format!("{hint}Your proposal: {nt} option number(s), one per term, or pass / q > ");
        loop {
            let line = match self.ask(&prompt)? {
                None | Some(Input::Quit) => return Ok(None),
                Some(Input::Pass) => return Ok(Some(None)),
                Some(Input::Help) => {
                    self.say(HELP)?;
                    continue;
                }
                Some(Input::Numbers(v)) => v,
                Some(_) => {
                    self.say(&format!(
                        "Please give {nt} option number(s), one per term in the order listed (for example {}), or pass, or q.\n",
                        vec!["1"; nt].join(" ")
                    ))?;
                    continue;
                }
            };
            match self.check_proposal(&line) {
                Ok(pkg) => return Ok(Some(Some(pkg))),
                Err(msg) => self.say(&format!("{msg}\n"))?,
            }
        }
    }

    /// For the mediator: the texts every signatory would accept this round, by the scenario's
    /// strategies (the option numbers to type).
    pub(super) fn mediator_hint(&self, round: u32) -> String {
        let m = self.model;
        let numbers = |pkg: &[u8]| {
            pkg.iter()
                .map(|o| (o + 1).to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        match crate::tools::play_text::passing_now(m, &self.inst, round, self.opts.deadline, 3) {
            None => "(hint: the outcome space is too large to search for passing texts)\n".into(),
            Some((_, 0)) => format!(
                "(hint: no text would pass this {}: every one is rejected by some signatory)\n",
                self.label
            ),
            Some((best, n)) => {
                let mut h = format!(
                    "(hint: {n} text(s) would pass this {}; the best for the signatories:)\n",
                    self.label
                );
                for pkg in best {
                    h += &format!(
                        "  this text would pass with {}: {}\n",
                        numbers(&pkg),
                        package_string(m, &pkg)
                    );
                }
                h
            }
        }
    }

    /// Validates a proposal (1-based option numbers); the message says what is wrong.
    pub(super) fn check_proposal(&self, nums: &[usize]) -> Result<Vec<u8>, String> {
        let (m, p) = (self.model, self.seat);
        let sc = &m.scenario;
        let no = m.n_opts;
        if nums.len() != m.n_terms() {
            return Err(format!(
                "{} number(s) given; give exactly {}, one per term ({}).",
                nums.len(),
                m.n_terms(),
                sc.terms
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let mut pkg = Vec::with_capacity(nums.len());
        for (t, &n) in nums.iter().enumerate() {
            let term = &sc.terms[t];
            if n == 0 || n > term.options.len() {
                return Err(format!(
                    "term {} has options 1 to {}; {n} is not one of them.",
                    term.id,
                    term.options.len()
                ));
            }
            let k = m.offsets[t] + n - 1;
            if !m.allowed[p * no + k] {
                let who: Vec<&str> = (0..m.n_agents())
                    .filter(|&a| m.red[a * no + k] && (m.signatory[a] || a == p))
                    .map(|a| {
                        if a == p {
                            "you"
                        } else {
                            sc.agents[a].id.as_str()
                        }
                    })
                    .collect();
                return Err(format!(
                    "{} = {} is a red line of {}: it cannot be proposed. Choose another option.",
                    term.id,
                    term.options[n - 1],
                    who.join(" and ")
                ));
            }
            pkg.push((n - 1) as u8);
        }
        Ok(pkg)
    }
}
