//! A thread's reusable buffers for its runs: the offer searches, the frequency learner's
//! estimates, the package pool.

use super::*;

/// Reusable per-thread buffers: a run's offer-search tables and the package buffers.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    /// One offer search per agent, prepared for the current run.
    pub searches: Vec<OfferSearch>,
    /// The offer-search method every proposer uses (all methods give the same offers).
    pub method: Method,
    pub(super) offer: Vec<u8>,
    /// Minus an agent's own utilities: the objective of the `nearest` offer rule.
    pub(super) neg_own: Vec<f64>,
    /// Per agent, the best own utility of the packages others put on the table earlier in
    /// this negotiation (for AC_combi; `-inf` before the first).
    pub(super) best_seen: Vec<f64>,
    /// The package an AC_next answerer would offer next round (discarded).
    pub(super) next_pkg: Vec<u8>,
    /// Per agent, for `offer = "random_above"`: its allowed packages by own utility.
    pub(super) pools: Vec<Pool>,
    /// Per agent, for `estimates = "frequency"`: its opponent models in this negotiation.
    pub(super) freq: Vec<FrequencyModel>,
    /// Scratch table of a frequency agent's estimated gains.
    pub(super) freq_gain: Vec<f64>,
    /// The mediator's memory (mediated protocol).
    pub(super) mediator: MediatorState,
    /// Per agent, its concession factor by round, kept across runs while it does not change.
    pub(super) concession: Concession,
    /// Per agent, the equilibrium plan of a backward-induction agent (empty otherwise).
    pub plans: Vec<crate::engine::equilibrium::Plan>,
    /// The plain round loop's answerers' utilities by proposer and answerer
    /// (`[p * n + s]`): the proposer's staircase step and the utility of its package.
    pub(super) step_utils: Vec<(u32, f64)>,
    /// How late, as a share of the deadline, the plain round loop's recent negotiations in
    /// this thread ended: it jumps to a later end at once and drifts back slowly (0: none
    /// seen yet). Only a cost hint for the offer searches (see `plain_rounds`).
    pub(super) late_share: f64,
    /// The plain round loop's offers, one buffer per proposer that only its search writes
    /// (see [`OfferSearch::search_own`]).
    pub(super) own_offers: Vec<Vec<u8>>,
    /// The legislative protocol's per-run tables (empty under the other protocols).
    pub(super) legislative: legislative::State,
}

/// Learning rate of the frequency model's term weights (HardHeaded's `learnCoef`).
pub const FREQUENCY_LEARNING_RATE: f64 = 0.2;

/// The frequency opponent model of the ANAC agents (HardHeaded, van Krimpen et al. 2013):
/// one observer's view of every other agent, learnt only from the offers it has seen in the
/// current negotiation. A term whose option an opponent keeps between consecutive offers gains
/// weight `FREQUENCY_LEARNING_RATE` (weights start equal and are renormalized); an option's
/// value is `(1 + times offered) / (1 + most times any option of its term was offered)`.
#[derive(Debug, Default, Clone)]
pub struct FrequencyModel {
    pub(super) n_terms: usize,
    pub(super) n_opts: usize,
    /// `counts[s * n_opts + k]`: offers of agent `s` that contained option `k`.
    pub(super) counts: Vec<u32>,
    /// `unchanged[s * n_terms + t]`: times `s` kept term `t`'s option from its previous offer.
    pub(super) unchanged: Vec<u32>,
    /// `s`'s previous offer (`n_terms` options each), where `seen[s]`.
    pub(super) last: Vec<u8>,
    pub(super) seen: Vec<bool>,
    /// True when offers arrived since the observer's search tables were built.
    pub(super) dirty: bool,
}

impl FrequencyModel {
    /// Forgets everything (a new negotiation).
    pub fn reset(&mut self, n_agents: usize, n_terms: usize, n_opts: usize) {
        self.n_terms = n_terms;
        self.n_opts = n_opts;
        self.counts.clear();
        self.counts.resize(n_agents * n_opts, 0);
        self.unchanged.clear();
        self.unchanged.resize(n_agents * n_terms, 0);
        self.last.clear();
        self.last.resize(n_agents * n_terms, 0);
        self.seen.clear();
        self.seen.resize(n_agents, false);
        self.dirty = true;
    }

    /// Learns from agent `s` offering `package`.
    pub fn observe(&mut self, model: &Model, s: usize, package: &[u8]) {
        let nt = self.n_terms;
        for (t, &o) in package.iter().enumerate() {
            self.counts[s * self.n_opts + model.offsets[t] + o as usize] += 1;
            if self.seen[s] && self.last[s * nt + t] == o {
                self.unchanged[s * nt + t] += 1;
            }
        }
        self.last[s * nt..(s + 1) * nt].copy_from_slice(package);
        self.seen[s] = true;
        self.dirty = true;
    }

    /// The estimated (normalized) term weights of agent `s`.
    pub fn weights(&self, s: usize) -> Vec<f64> {
        let nt = self.n_terms;
        let raw: Vec<f64> = (0..nt)
            .map(|t| 1.0 + FREQUENCY_LEARNING_RATE * f64::from(self.unchanged[s * nt + t]))
            .collect();
        let sum: f64 = raw.iter().sum();
        raw.iter().map(|w| w / sum).collect()
    }

    /// The estimated value of flat option `k` (of term `t`) to agent `s`.
    pub fn value(&self, model: &Model, s: usize, t: usize, k: usize) -> f64 {
        let counts = &self.counts[s * self.n_opts..(s + 1) * self.n_opts];
        let max = model.term_range(t).map(|j| counts[j]).max().unwrap_or(0);
        f64::from(1 + counts[k]) / f64::from(1 + max)
    }

    /// Writes to `out` the summed estimated utility contribution of every option to the
    /// signatories other than `observer`.
    pub fn gains(&self, model: &Model, observer: usize, out: &mut Vec<f64>) {
        out.clear();
        out.resize(model.n_opts, 0.0);
        for s in (0..model.n_agents()).filter(|&s| s != observer && model.signatory[s]) {
            let w = self.weights(s);
            for (t, wt) in w.iter().enumerate() {
                for k in model.term_range(t) {
                    out[k] += wt * self.value(model, s, t, k);
                }
            }
        }
    }
}

/// Whether agent `a` judges the others through a frequency model that drives its offers.
pub(super) fn learns(model: &Model, a: usize) -> bool {
    let agent = &model.scenario.agents[a];
    agent.frequency_estimates && agent.offer == OfferRule::BestForOthers
}

/// Rebuilds a frequency agent's search tables from its opponent models if offers arrived since
/// they were built.
pub(super) fn refresh(model: &Model, inst: &Instance, ws: &mut Workspace, a: usize) {
    if !learns(model, a) || !ws.freq[a].dirty {
        return;
    }
    ws.freq[a].gains(model, a, &mut ws.freq_gain);
    build_search(
        &mut ws.searches[a],
        ws.method,
        model,
        inst,
        a,
        &ws.freq_gain,
    );
    ws.freq[a].dirty = false;
}

/// A proposer's allowed packages sorted by own utility, highest first (ties in package
/// order), for drawing uniformly among those that meet a target.
#[derive(Debug, Default, Clone)]
pub(super) struct Pool {
    pub(super) own: Vec<f64>,
    /// The packages, `n_terms` options each, in the order of `own`.
    pub(super) packages: Vec<u8>,
}

impl Pool {
    pub(super) fn build(&mut self, model: &Model, a: usize, util: &[f64]) {
        let no = model.n_opts;
        let mut all: Vec<(f64, Vec<u8>)> = Vec::new();
        for_each_package(model, |pkg| {
            let mut own = 0.0;
            for (t, &o) in pkg.iter().enumerate() {
                let k = model.offsets[t] + o as usize;
                if !model.allowed[a * no + k] {
                    return;
                }
                own += util[k];
            }
            all.push((own, pkg.to_vec()));
        });
        // Stable: equal utilities keep the listing's (lexicographic) order.
        all.sort_by(|x, y| y.0.total_cmp(&x.0));
        self.own.clear();
        self.packages.clear();
        for (own, pkg) in all {
            self.own.push(own);
            self.packages.extend_from_slice(&pkg);
        }
    }
}

impl Workspace {
    /// Prepares the per-run tables (done once per run, shared by all deadlines).
    pub fn prepare(&mut self, model: &Model, inst: &Instance) {
        let (na, no) = (model.n_agents(), model.n_opts);
        self.searches.resize_with(na, OfferSearch::default);
        for a in 0..na {
            // Proposers need a search; so do AC_next answerers (for their next offer).
            if model.protocol != Protocol::Mediated
                || model.scenario.agents[a].accept != AcceptRule::Target
            {
                let own = &inst.util[a * no..(a + 1) * no];
                let gain = match model.scenario.agents[a].offer {
                    OfferRule::BestForOthers => &inst.est_others[a * no..(a + 1) * no],
                    // A `random_above` proposer's search serves AC_next answers (and `negsim
                    // play`): the least its next offer can be worth, the nearest package.
                    OfferRule::Nearest | OfferRule::RandomAbove => {
                        // Maximizing minus own utility above the target finds the package
                        // nearest the target from above; equal sums tie to the smallest
                        // option indices (the search's last tie-break).
                        self.neg_own.clear();
                        self.neg_own.extend(own.iter().map(|&u| -u));
                        &self.neg_own
                    }
                };
                if model.scenario.agents[a].offer == OfferRule::RandomAbove {
                    self.pools.resize_with(na, Pool::default);
                    self.pools[a].build(model, a, own);
                }
                build_search(&mut self.searches[a], self.method, model, inst, a, gain);
                if model.scenario.agents[a].offer != OfferRule::BestForOthers {
                    // `gain` is minus own: the dedicated search gives the same offers, fast.
                    self.searches[a].set_nearest();
                }
            }
        }
        crate::engine::equilibrium::prepare_all(model, inst, &mut self.plans, self.method);
        if model.protocol == Protocol::Legislative {
            legislative::prepare(model, inst, self);
        }
    }
}

/// Builds agent `a`'s search tables for maximizing `gain` above its targets.
pub(super) fn build_search(
    search: &mut OfferSearch,
    method: Method,
    model: &Model,
    inst: &Instance,
    a: usize,
    gain: &[f64],
) {
    let no = model.n_opts;
    search.set_method(method);
    search.prepare(model, a, &inst.util[a * no..(a + 1) * no], gain);
    // No target falls below min(reservation, best) (see `strategy::target`), unless the
    // no-deal value itself falls with a delay cost.
    search.set_floor(if inst.delay_cost[a] > 0.0 {
        0.0
    } else {
        inst.reservation[a].min(inst.best[a])
    });
}

impl Workspace {
    /// Writes to `out` a package drawn uniformly (one word of `rng`) among proposer `a`'s
    /// allowed packages whose own utility, summed in term order, is at least `target`;
    /// returns its own utility, or `None` (no word drawn) when there is none. Needs a
    /// `random_above` proposer prepared by [`Workspace::prepare`].
    pub fn random_above(
        &self,
        a: usize,
        target: f64,
        rng: &mut RunRng,
        out: &mut Vec<u8>,
    ) -> Option<f64> {
        let pool = &self.pools[a];
        let n = pool.own.partition_point(|&o| o >= target);
        if n == 0 {
            return None;
        }
        let i = ((uniform01(rng) * n as f64) as usize).min(n - 1);
        let nt = pool.packages.len() / pool.own.len();
        out.clear();
        out.extend_from_slice(&pool.packages[i * nt..(i + 1) * nt]);
        Some(pool.own[i])
    }
}
