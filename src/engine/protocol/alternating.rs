//! Alternating offers: the proposer rotates in file order, every other signatory answers.

use super::*;

pub(super) fn alternating<O: Observer>(
    model: &Model,
    inst: &Instance,
    ws: &mut Workspace,
    deadline: u32,
    rng: &mut RunRng,
    obs: &mut O,
    marker: &mut Marker,
) -> RunResult {
    let n = model.n_agents();
    // Random offer choices read a word range of the play stream of their own (see `rng`).
    let mut choices = model
        .scenario
        .agents
        .iter()
        .any(|a| a.offer == OfferRule::RandomAbove)
        .then(|| choice_rng(rng));
    ws.best_seen.clear();
    ws.best_seen.resize(n, f64::NEG_INFINITY);
    ws.freq.resize_with(n, FrequencyModel::default);
    // What the rounds would otherwise ask of the model every round, asked once: who learns
    // from offers, whether anyone can walk out (else `walk_outs` draws nothing) and whether
    // anyone keeps the best offer received (AC_combi, else `record_received` does nothing).
    let mut learners = 0u64;
    for a in 0..n {
        if learns(model, a) {
            learners |= 1 << a;
            ws.freq[a].reset(n, model.n_terms(), model.n_opts);
        }
    }
    let can_walk = !inst.walk_away.iter().all(|&w| w <= 0.0);
    let keeps_best = (0..n).any(|s| {
        model.signatory[s] && matches!(model.scenario.agents[s].accept, AcceptRule::Combi(_))
    });
    crate::engine::equilibrium::solve_all(model, inst, &mut ws.plans, deadline);
    let mut departed = 0u64;
    let mut last_rejecters = 0u64;
    let mut last = Vec::new();
    for round in 1..=deadline {
        marker.before(round, &last, last_rejecters);
        if can_walk && let Some(agent) = walk_outs(model, inst, &mut departed, round, rng, obs) {
            return RunResult {
                end: End::WalkOut { round, agent },
                package: last,
                last_rejecters,
            };
        }
        // The proposer rotates through the agents in file order, skipping those who left.
        let start = (round as usize - 1) % n;
        let Some(p) = (0..n)
            .map(|i| (start + i) % n)
            .find(|&a| departed & (1 << a) == 0)
        else {
            break;
        };
        let equilibrium = model.equilibrium & (1 << p) != 0;
        // The own utility the offer needs is above the target when the proposer discounts.
        let (tgt, own_tgt) = proposer_targets(model, ws, inst, p, round, deadline);
        let found = match (model.scenario.agents[p].offer, choices.as_mut()) {
            _ if equilibrium => ws.plans[p].offer_into(round, &mut ws.offer),
            (OfferRule::RandomAbove, Some(c)) => {
                let mut pkg = std::mem::take(&mut ws.offer);
                let found = ws.random_above(p, own_tgt, c, &mut pkg).is_some();
                ws.offer = pkg;
                found
            }
            _ => {
                if learners & (1 << p) != 0 {
                    refresh(model, inst, ws, p);
                }
                ws.searches[p].search(own_tgt, &mut ws.offer).is_some()
            }
        };
        if !found {
            obs.no_offer(round, p);
            continue;
        }
        obs.offer(round, p, &ws.offer);
        if model.signatory[p] && learners & !(1 << p) != 0 {
            for a in (0..n).filter(|&a| a != p && learners & (1 << a) != 0) {
                ws.freq[a].observe(model, p, &ws.offer);
            }
        }
        let rejecters = answers(model, inst, ws, round, deadline, Some((p, tgt)), obs);
        if keeps_best {
            record_received(model, inst, ws, p);
        }
        // The offer moves to the table rather than being copied: every path that offers
        // next round writes `ws.offer` whole first.
        std::mem::swap(&mut last, &mut ws.offer);
        last_rejecters = rejecters;
        if rejecters == 0 {
            return RunResult {
                end: End::Agreement { round },
                package: last,
                last_rejecters,
            };
        }
    }
    RunResult {
        end: End::Expired,
        package: last,
        last_rejecters,
    }
}
