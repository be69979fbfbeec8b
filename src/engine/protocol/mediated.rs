//! The mediated protocol: a mediator drafts a single text, re-weighting the parties by
//! their rejections, and the signatories answer it.

use super::rounds::{Known, Rules, rounds};
use super::*;

/// The mediator's single negotiating text for `round`, written to `out`: term by term, the
/// option that maximizes `self_weight · own utility + Σ λ_s · estimated utility of s` over
/// the options it may table (`weights` holds the `λ_s`, one per agent). False when some term
/// has no such option (no text this round).
pub fn mediator_text(
    model: &Model,
    inst: &Instance,
    weights: &[f64],
    round: u32,
    deadline: u32,
    out: &mut Vec<u8>,
) -> bool {
    let m = model
        .mediator
        .expect("validated: mediated protocol has a mediator");
    let (na, no) = (model.n_agents(), model.n_opts);
    // The mediator's own interests fade along its own concession curve.
    let self_w = match inst.exponent[m] {
        None => 1.0,
        Some(e) => 1.0 - inst.time(m, round, deadline).powf(1.0 / e),
    };
    out.clear();
    // The mediator's rows, sliced once (this loop is most of a mediated round's cost).
    let util = &inst.util[m * no..(m + 1) * no];
    let allowed = &model.allowed[m * no..(m + 1) * no];
    let est = &inst.est[m * na * no..(m + 1) * na * no];
    // (λ_s, row of s) for the other signatories, in file order (the order of the sum).
    let mut rows = [(0.0, 0); MAX_AGENTS];
    let mut n = 0;
    for (s, &lambda) in weights.iter().enumerate() {
        if model.signatory[s] && s != m {
            rows[n] = (lambda, s * no);
            n += 1;
        }
    }
    let rows = &rows[..n];
    for t in 0..model.n_terms() {
        let mut best: Option<(f64, u8)> = None;
        for (o, k) in model.term_range(t).enumerate() {
            if !allowed[k] {
                continue;
            }
            let mut score = self_w * util[k];
            for &(lambda, row) in rows {
                score += lambda * est[row + k];
            }
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, o as u8));
            }
        }
        match best {
            Some((_, o)) => out.push(o),
            None => return false,
        }
    }
    true
}

/// The mediator's memory over one negotiation: its weights on the signatories and, under
/// the remembering rule, the text that has won the most acceptances so far and, per
/// signatory, the least it has been seen to accept.
#[derive(Debug, Default, Clone)]
pub struct MediatorState {
    /// `λ_s` per agent (read only for the signatories other than the mediator).
    pub lambda: Vec<f64>,
    /// The remembered text (empty before the first).
    pub(super) best: Vec<u8>,
    /// Acceptances it won when last tabled.
    pub(super) best_support: u32,
    /// The signatories who rejected it when last tabled.
    pub(super) best_rejecters: u64,
    /// Per agent, its utility (by the mediator's estimates) for the last text it rejected;
    /// -inf while it has rejected none.
    pub(super) last_rejected: Vec<f64>,
    /// Per agent, the lowest utility (by the mediator's estimates) of a text it accepted;
    /// +inf while it has accepted none.
    pub(super) floor: Vec<f64>,
    /// This round's text is the remembered one, tabled again.
    pub(super) retabled: bool,
    /// The learning rate in this negotiation.
    pub(super) eta: f64,
    /// Number of signatories other than the mediator.
    pub(super) others: f64,
}

impl MediatorState {
    /// The state at the start of a negotiation: every `λ_s` = 1, nothing remembered.
    pub fn new(model: &Model, inst: &Instance) -> MediatorState {
        let mut st = MediatorState::default();
        st.reset(model, inst);
        st
    }

    /// Resets the state for a new negotiation, keeping the buffers.
    pub fn reset(&mut self, model: &Model, inst: &Instance) {
        let m = model.mediator;
        let na = model.n_agents();
        self.lambda.clear();
        self.lambda.resize(na, 1.0);
        self.best.clear();
        self.best_support = 0;
        self.best_rejecters = 0;
        self.floor.clear();
        self.floor.resize(na, f64::INFINITY);
        self.last_rejected.clear();
        self.last_rejected.resize(na, f64::NEG_INFINITY);
        self.retabled = false;
        self.eta = inst.mediator_learning_rate;
        self.others = (0..na)
            .filter(|&s| model.signatory[s] && Some(s) != m)
            .count() as f64;
    }

    /// Signatory `s`'s utility for `text` as the mediator sees it: its estimate of the
    /// others, its true utility for itself.
    pub(super) fn seen(model: &Model, inst: &Instance, s: usize, text: &[u8]) -> f64 {
        let m = model
            .mediator
            .expect("validated: mediated protocol has a mediator");
        if s == m {
            return inst.utility(model, m, text);
        }
        let (na, no) = (model.n_agents(), model.n_opts);
        let row = &inst.est[(m * na + s) * no..(m * na + s + 1) * no];
        text.iter()
            .zip(&model.offsets)
            .map(|(&o, &off)| row[off + o as usize])
            .sum()
    }

    /// Writes this round's text to `out`: a draft by [`mediator_text`] from the current
    /// weights, or, under the remembering rule, the remembered text when (1) the last text was
    /// a draft, (2) fewer signatories are expected to accept this draft than accepted the
    /// remembered text (a signatory is expected to accept a text it values at least as much
    /// as one it accepted before), and (3) the remembered text can still pass: none of its
    /// rejecters has since rejected a text it values more. False when there is no text.
    pub fn text(
        &mut self,
        model: &Model,
        inst: &Instance,
        round: u32,
        deadline: u32,
        out: &mut Vec<u8>,
    ) -> bool {
        let drafted = mediator_text(model, inst, &self.lambda, round, deadline, out);
        let was_retabled = std::mem::take(&mut self.retabled);
        if !model.scenario.simulation.mediator_memory || was_retabled || self.best.is_empty() {
            return drafted;
        }
        if drafted && *out == self.best {
            return true;
        }
        let expected = if drafted {
            (0..model.n_agents())
                .filter(|&s| model.signatory[s] && Self::seen(model, inst, s, out) >= self.floor[s])
                .count() as u32
        } else {
            0
        };
        let can_pass = (0..model.n_agents())
            .filter(|&h| self.best_rejecters & (1 << h) != 0)
            .all(|h| self.last_rejected[h] <= Self::seen(model, inst, h, &self.best));
        if expected < self.best_support && can_pass {
            out.clone_from(&self.best);
            self.retabled = true;
            return true;
        }
        drafted
    }

    /// Learns from the answers to `text`. Under the remembering rule: the text is remembered
    /// if it won at least as many acceptances as the remembered one, each acceptor's floor
    /// falls to its value of the text, and the weights are rescaled after the update.
    /// Always: the weights of its rejecters grow by the factor `1 + η`.
    pub fn answered(&mut self, model: &Model, inst: &Instance, text: &[u8], rejecters: u64) {
        let memory = model.scenario.simulation.mediator_memory;
        if memory {
            let accepted = model.signatory_mask & !rejecters;
            let support = accepted.count_ones();
            if support >= self.best_support {
                self.best.clear();
                self.best.extend_from_slice(text);
                self.best_support = support;
                self.best_rejecters = rejecters;
            }
            for s in (0..model.n_agents()).filter(|&s| model.signatory[s]) {
                let v = Self::seen(model, inst, s, text);
                if accepted & (1 << s) != 0 {
                    self.floor[s] = self.floor[s].min(v);
                } else {
                    self.last_rejected[s] = v;
                }
            }
        }
        for s in 0..model.n_agents() {
            if rejecters & (1 << s) != 0 {
                self.lambda[s] *= 1.0 + self.eta;
            }
        }
        if memory {
            let m = model.mediator;
            let sum: f64 = (0..model.n_agents())
                .filter(|&s| model.signatory[s] && Some(s) != m)
                .map(|s| self.lambda[s])
                .sum();
            if sum > 0.0 {
                let scale = self.others / sum;
                self.lambda.iter_mut().for_each(|l| *l *= scale);
            }
        }
    }
}

/// The mediated protocol's part of a round: the mediator tables its text, which passes
/// when every signatory accepts it, and learns from the answers.
struct Mediated {
    /// The mediator.
    m: usize,
    /// Its memory over the negotiation (the workspace's, taken for the negotiation).
    med: MediatorState,
}

impl Rules for Mediated {
    #[inline]
    fn chair(&mut self, _model: &Model, _round: u32, _departed: u64) -> Option<usize> {
        // The mediator's departure ended the talks before this is asked.
        Some(self.m)
    }

    // Once per round in the hot loop: inlined into it (measured: +2.6% instructions on the
    // bilateral reference when left to a call).
    #[inline(always)]
    fn table(
        &mut self,
        model: &Model,
        inst: &Instance,
        ws: &mut Workspace,
        _chair: usize,
        round: u32,
        deadline: u32,
    ) -> Option<Option<Known>> {
        // The mediator is no signatory: no answer's target is known in advance.
        self.med
            .text(model, inst, round, deadline, &mut ws.offer)
            .then_some(None)
    }

    #[inline]
    fn passes(&self, _model: &Model, rejecters: u64) -> bool {
        rejecters == 0
    }

    #[inline]
    fn rejected(&mut self, model: &Model, inst: &Instance, text: &[u8], rejecters: u64) {
        self.med.answered(model, inst, text, rejecters);
    }
}

/// Plays one negotiation under the mediated protocol.
pub(super) fn mediated<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    rng: &mut RunRng,
    obs: &mut O,
    marker: &mut Marker,
) -> RunResult {
    let m = model
        .mediator
        .expect("validated: mediated protocol has a mediator");
    let mut med = std::mem::take(&mut ws.mediator);
    med.reset(model, inst);
    let mut rules = Mediated { m, med };
    let res = rounds(model, inst, ws, deadline, rng, obs, marker, &mut rules);
    ws.mediator = rules.med;
    res
}
