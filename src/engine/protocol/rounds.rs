//! The round loop every protocol shares, written once: checkpoints, walk-outs, a text on the
//! table, every signatory's answer, and the end. What differs between protocols (who tables,
//! what, and what passes) is a [`Rules`] implementation in the protocol's own file.

use super::*;

/// What a protocol decides within the shared round loop ([`rounds`]).
pub(super) trait Rules {
    /// Who tables a text in `round`, given the agents who have left (`departed`, a bit mask);
    /// `None` when nobody can, which ends the talks as expired.
    fn chair(&mut self, model: &Model, round: u32, departed: u64) -> Option<usize>;

    /// Writes `chair`'s text for `round` to `ws.offer`, whole. `None` when it has none; else
    /// what is already known for the answers (the proposer's target), if anything.
    fn table(
        &mut self,
        model: &Model,
        inst: &Instance,
        ws: &mut Workspace,
        chair: usize,
        round: u32,
        deadline: u32,
    ) -> Option<Option<Known>>;

    /// `chair`'s text is on the table in `ws.offer`, before the answers (what learners see).
    #[inline]
    fn offered(&mut self, _model: &Model, _ws: &mut Workspace, _chair: usize) {}

    /// Whether one rejection is enough to know that a text fails and that nothing but the
    /// result reads the others' answers (unanimity, and no learning from who rejected).
    const ONE_NO_FAILS: bool = false;

    /// Whether the text passes with these rejecters (a bit mask of signatories).
    fn passes(&self, model: &Model, rejecters: u64) -> bool;

    /// The text on the table was turned down by `rejecters`.
    #[inline]
    fn rejected(&mut self, _model: &Model, _inst: &Instance, _text: &[u8], _rejecters: u64) {}
}

/// Plays one negotiation of at most `deadline` rounds under `rules`.
#[inline]
#[allow(clippy::too_many_arguments)]
pub(super) fn rounds<O: Observer, R: Rules>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    rng: &mut RunRng,
    obs: &mut O,
    marker: &mut Marker,
    rules: &mut R,
) -> RunResult {
    let n = model.n_agents();
    ws.concession.prime(inst, deadline);
    ws.best_seen.clear();
    ws.best_seen.resize(n, f64::NEG_INFINITY);
    // What the rounds would otherwise ask of the model every round, asked once: whether
    // anyone can walk out (else `walk_outs` draws nothing) and whether anyone keeps the best
    // offer received (AC_combi, else `record_received` does nothing).
    let can_walk = !inst.walk_away.iter().all(|&w| w <= 0.0);
    let keeps_best = (0..n).any(|s| {
        model.signatory[s] && matches!(model.scenario.agents[s].accept, AcceptRule::Combi(_))
    });
    // The answers may stop at the first rejection when nothing but the result reads them:
    // nobody watches, one no fails the text, and nothing between two texts depends on who
    // else rejected (no walk-out can end the talks on it, no AC_combi answerer keeps it).
    // Who rejected the text on the table is then only needed when it is read (at the end,
    // or at a checkpoint before the next text): the remaining answers are given then, and
    // they are the same as in its own round, since nothing they depend on has changed since
    // (no text was offered in between, so no learner saw one).
    let may_stop = !O::WANTS_ANSWERS && R::ONE_NO_FAILS && !can_walk && !keeps_best;
    let mut departed = 0u64;
    let mut last_rejecters = 0u64;
    let mut last = Vec::new();
    let mut pending: Option<Pending> = None;
    let resume = |ws: &mut Workspace,
                  last: &mut Vec<u8>,
                  last_rejecters: &mut u64,
                  pending: &mut Option<Pending>,
                  obs: &mut O| {
        resume_answers(
            model,
            inst,
            ws,
            deadline,
            last,
            last_rejecters,
            pending,
            obs,
        );
    };
    for round in 1..=deadline {
        // Checked here, inline: most rounds pass no checkpoint, and the call to find that out
        // was 1.4 % of the bilateral reference's instructions.
        if marker.reads_before(round) {
            if pending.is_some() {
                resume(ws, &mut last, &mut last_rejecters, &mut pending, obs);
            }
            marker.before(round, &last, last_rejecters);
        }
        if can_walk && let Some(agent) = walk_outs(model, inst, &mut departed, round, rng, obs) {
            return RunResult {
                end: End::WalkOut { round, agent },
                package: last,
                last_rejecters,
            };
        }
        let Some(chair) = rules.chair(model, round, departed) else {
            break;
        };
        let Some(known) = rules.table(model, inst, ws, chair, round, deadline) else {
            obs.no_offer(round, chair);
            continue;
        };
        obs.offer(round, chair, &ws.offer);
        rules.offered(model, ws, chair);
        let (rejecters, rest) = answers(model, inst, ws, round, deadline, known, obs, 0, may_stop);
        pending = rest.map(|from| (round, known, from));
        if keeps_best {
            record_received(model, inst, ws, chair);
        }
        // The text moves to the table rather than being copied: every `table` writes
        // `ws.offer` whole before a text is offered.
        std::mem::swap(&mut last, &mut ws.offer);
        last_rejecters = rejecters;
        if rules.passes(model, rejecters) {
            return RunResult {
                end: End::Agreement { round },
                package: last,
                last_rejecters,
            };
        }
        rules.rejected(model, inst, &last, rejecters);
    }
    resume(ws, &mut last, &mut last_rejecters, &mut pending, obs);
    RunResult {
        end: End::Expired,
        package: last,
        last_rejecters,
    }
}

/// Answers left out after a rejection: the round, what was known, and the agent to resume
/// from.
pub(super) type Pending = (u32, Option<Known>, usize);

/// Gives the answers to the text on the table (`last`) that `pending` left out, if any, and
/// adds their rejecters to `last_rejecters`.
#[allow(clippy::too_many_arguments)]
pub(super) fn resume_answers<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    last: &mut Vec<u8>,
    last_rejecters: &mut u64,
    pending: &mut Option<Pending>,
    obs: &mut O,
) {
    if let Some((round, known, from)) = pending.take() {
        std::mem::swap(last, &mut ws.offer);
        let (rest, _) = answers(model, inst, ws, round, deadline, known, obs, from, false);
        std::mem::swap(last, &mut ws.offer);
        *last_rejecters |= rest;
    }
}

/// What a proposer's text comes with for the answers, computed while tabling it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Known {
    /// The proposer.
    pub(super) by: usize,
    /// Its target this round.
    pub(super) target: f64,
    /// Its own utility for the text, when the search that wrote it summed it term by term
    /// in file order from 0 (as `answers` would) over options it may offer (so crossing none
    /// of its red lines): its answer then needs neither sum nor check again.
    pub(super) own: Option<f64>,
}

/// Writes a `random_above` proposer's offer (an own utility of at least `own_target`, drawn
/// from `choices`) to `ws.offer`; its own utility, or `None` when it has none.
#[inline]
pub(super) fn random_offer(
    ws: &mut Workspace,
    p: usize,
    own_target: f64,
    choices: &mut RunRng,
) -> Option<f64> {
    let mut pkg = std::mem::take(&mut ws.offer);
    let found = ws.random_above(p, own_target, choices, &mut pkg);
    ws.offer = pkg;
    found
}
