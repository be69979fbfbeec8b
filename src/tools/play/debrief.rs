//! The end of a game: walk-outs announced, and the debrief that sets the player's payoff
//! against the simulated runs.

use super::*;

impl<R: BufRead, W: Write> Game<'_, R, W> {
    /// Says that seat `p` walked out: "You" to a lone player, its id at a shared table.
    pub(super) fn walked_out(&mut self, p: usize) -> Result<(), Error> {
        let s = if self.opts.shared() {
            format!("{} walks out of the talks.\n", self.name(p))
        } else {
            "You walk out of the talks.\n".to_string()
        };
        self.announce(&s)
    }

    pub(super) fn debrief(&mut self, g: &GameResult) -> Result<(), Error> {
        let (m, o) = (self.model, self.opts);
        // The debrief reveals everything: it is for everyone at the table.
        self.audience = None;
        self.waiting = None;
        let shared = o.shared();
        let p = o.seats[0];
        let label = self.label.clone();
        let mut s = String::from("\n=== Debrief ===\n");
        s += &match g.end {
            End::Agreement { round } => format!(
                "Agreement in {label} {round}: {}\n",
                package_string(m, &g.package)
            ),
            End::WalkOut { round, agent } if agent == p && !shared => {
                format!("No deal: you walked out in {label} {round}.\n")
            }
            End::WalkOut { round, agent } => format!(
                "No deal: {} walked out in {label} {round}.\n",
                self.name(agent)
            ),
            End::Expired => format!(
                "No deal: the deadline of {} {label}s passed without agreement.\n",
                o.deadline
            ),
        };
        for (k, &p) in o.seats.iter().enumerate() {
            if shared {
                let a = &m.scenario.agents[p];
                s += &format!("\nFor {} ({}):\n", a.id, a.name);
            }
            s += &self.seat_debrief(p, g.payoffs[k]);
        }
        s += "\n";
        s += &crate::tools::play_text::reveal(m, &self.inst);
        s += &match crate::tools::play_text::zone(m, &self.inst, 5) {
            None => "(The outcome space is too large to list the texts that would have passed.)\n".into(),
            Some((_, 0)) => "No text was better than no deal for every signatory: no deal could have passed on its merits.\n".into(),
            Some((best, n)) => {
                let mut z = format!(
                    "{n} text(s) were better than no deal for every signatory and could have passed; the best for the signatories:\n"
                );
                for pkg in best {
                    z += &format!("  {}\n", package_string(m, &pkg));
                }
                z
            }
        };
        self.say(&s)?;
        self.out.flush().map_err(io)
    }

    /// The debrief of seat `p`, whose payoff was `payoff`: against the simulated agent in
    /// this game and over the simulated runs.
    pub(super) fn seat_debrief(&self, p: usize, payoff: f64) -> String {
        let (m, o) = (self.model, self.opts);
        let label = &self.label;
        let mut s = String::new();
        let res = self.inst.reservation[p];
        s += &format!(
            "Your utility: {:.3} (reservation value {res:.3}, gain {:+.3}).\n",
            payoff,
            payoff - res
        );
        // What the simulated agent did in this very game.
        let (_, sim) = trace_run(m, o.seed, o.run, o.deadline, &mut ());
        let sim_payoff = match sim.end {
            End::Agreement { .. } => self.inst.utility(m, p, &sim.package),
            _ => res,
        };
        s += &format!(
            "In your seat the simulated {} got {:.3} in this game: {}.\n",
            self.name(p),
            sim_payoff,
            match sim.end {
                End::Agreement { round } => format!(
                    "agreement in {label} {round} on {}",
                    package_string(m, &sim.package)
                ),
                End::WalkOut { round, agent } => format!(
                    "no deal, {} walked out in {label} {round}",
                    self.name(agent)
                ),
                End::Expired => "no deal, time ran out".into(),
            }
        );
        // The agent's outcomes over simulated runs with the same seed.
        let payoffs = simulated_payoffs(m, o, p);
        let n = payoffs.len();
        if n > 0 {
            let deals = payoffs.iter().filter(|x| x.1).count();
            let mut v: Vec<f64> = payoffs.iter().map(|x| x.0).collect();
            v.sort_by(f64::total_cmp);
            let q = |f: f64| v[((n - 1) as f64 * f).round() as usize];
            let mean = v.iter().sum::<f64>() / n as f64;
            let below = v.iter().filter(|&&x| x < payoff - 1e-12).count();
            let equal = v.iter().filter(|&&x| (x - payoff).abs() <= 1e-12).count();
            s += &format!(
                "Over {n} simulated runs (seed {}, deadline {} {label}s) the simulated {}:\n  reached agreement in {:.1}% of runs; its utility (reservation value when no deal): mean {mean:.3}, 10th percentile {:.3}, median {:.3}, 90th percentile {:.3}.\n  You did better than {below} of the {n} runs ({:.1}%){}.\n",
                o.seed,
                o.deadline,
                self.name(p),
                100.0 * deals as f64 / n as f64,
                q(0.1),
                q(0.5),
                q(0.9),
                100.0 * below as f64 / n as f64,
                if equal > 0 {
                    format!(" and as well as {equal}")
                } else {
                    String::new()
                }
            );
            s += "  (Each run samples its own preferences, so compare with care: utilities are on the agent's own 0-1 scale.)\n";
        }
        s
    }
}
