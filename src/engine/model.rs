//! The scenario compiled for simulation: flat tables indexed by (agent, term option), and the
//! per-run instance that holds the parameters sampled for one Monte Carlo run.

use crate::engine::dist::Param;
use crate::engine::rng::{self, std_normal};
use crate::scenario::{AcceptRule, Clock, Protocol, Scenario, Strategy};
use rand_chacha::rand_core::Rng;

/// A scenario laid out for fast simulation; built once and shared by all runs.
#[derive(Debug, Clone)]
pub struct Model {
    /// The scenario it was built from.
    pub scenario: Scenario,
    /// `offsets[t]..offsets[t + 1]` are the flat indices of term `t`'s options.
    pub offsets: Vec<usize>,
    /// Total number of options over all terms.
    pub n_opts: usize,
    /// Whether each agent signs.
    pub signatory: Vec<bool>,
    /// Bit mask of signatories.
    pub signatory_mask: u64,
    /// `red[a * n_opts + k]`: agent `a` never accepts flat option `k`.
    pub red: Vec<bool>,
    /// `allowed[a * n_opts + k]`: agent `a` may put option `k` in an offer (no signatory and
    /// not `a` itself red-lines it).
    pub allowed: Vec<bool>,
    /// The protocol.
    pub protocol: Protocol,
    /// The mediator, if any.
    pub mediator: Option<usize>,
    /// Bit mask of the agents that play a plan (`strategy = "backward_induction"`,
    /// `"stationary"` or `"zeuthen"`): they answer by their plan's threshold.
    pub equilibrium: u64,
    /// The draws before the estimates, planned once: see [`Draws`].
    draws: Draws,
}

/// Every parameter drawn before the estimates, in draw order (per agent: its term weights,
/// its option values, reservation, walk-out chance, deadline belief, exponent), each taking
/// two words of the run's parameter stream (see [`Param::sample`]).
///
/// Why planned: most of a scenario's numbers are fixed, and drawing them took most of the
/// sampling of the bilateral reference. A fixed parameter's draw is its value whatever the
/// words, so a run starts from every parameter's value at its mean and draws only the
/// uncertain ones, each from its own two words (the words in between are skipped, not drawn),
/// which gives the same numbers as drawing them all in turn.
#[derive(Debug, Clone, Default)]
struct Draws {
    /// Each parameter at its mean, which for a fixed one is its draw.
    means: Vec<f64>,
    /// The uncertain parameters: their place in draw order, and the parameter.
    uncertain: Vec<(usize, Param)>,
    /// Whether any parameter of time (drawn after the estimates) is uncertain.
    time_uncertain: bool,
}

impl Draws {
    fn new(scenario: &Scenario) -> Draws {
        let exponent_of = |s: &Strategy| match s {
            Strategy::TimeDependent { exponent, .. } => *exponent,
            // Game-theoretic agents have no exponent: its two words are taken all the same.
            Strategy::Hardliner
            | Strategy::BackwardInduction
            | Strategy::Stationary
            | Strategy::Zeuthen => Param::fixed(0.0, 0.0, 0.0),
        };
        let params: Vec<Param> = scenario
            .agents
            .iter()
            .flat_map(|a| {
                let tail = [
                    a.reservation,
                    a.walk_away,
                    a.deadline_belief,
                    exponent_of(&a.strategy),
                ];
                let values = a.values.iter().flatten().copied();
                a.weights.iter().copied().chain(values).chain(tail)
            })
            .collect();
        let time_uncertain = scenario.simulation.mediator_learning_rate.is_uncertain()
            || scenario.agents.iter().any(|a| {
                a.delay_cost.is_uncertain()
                    || matches!(a.clock, Clock::Horizon(h) if h.is_uncertain())
            });
        Draws {
            means: params.iter().map(Param::mean).collect(),
            uncertain: params
                .into_iter()
                .enumerate()
                .filter(|(_, p)| p.is_uncertain())
                .collect(),
            time_uncertain,
        }
    }

    /// Fills `raw` with every parameter's draw from `rng` (at their means when `rng` is
    /// `None`), leaving `rng` past all their words.
    fn draw(&self, rng: Option<&mut rng::RunRng>, raw: &mut Vec<f64>) {
        raw.clear();
        raw.extend_from_slice(&self.means);
        let Some(rng) = rng else {
            return;
        };
        let start = rng.get_word_pos();
        let mut at = 0;
        for &(i, p) in &self.uncertain {
            skip_params(rng, start, at, i);
            raw[i] = p.sample(rng);
            at = i + 1;
        }
        skip_params(rng, start, at, self.means.len());
    }
}

/// Moves `rng`, which stands at the words of parameter `at` of a plan that starts at word
/// `start`, to those of parameter `to`.
fn skip_params(rng: &mut rng::RunRng, start: u128, at: usize, to: usize) {
    // Two 64-bit words per parameter. A jump regenerates the generator's buffer (32 words
    // of 64 bits), so a short gap is read through instead; either lands on the same words.
    let gap = 2 * (to - at);
    if gap < 16 {
        for _ in 0..gap {
            rng.next_u64();
        }
    } else {
        rng.set_word_pos(start + 4 * to as u128);
    }
}

/// Parameters sampled for one run.
#[derive(Debug, Clone, Default)]
pub struct Instance {
    /// Every parameter drawn before the estimates, in draw order (see
    /// [`Model::sample_into`]), as drawn: the weights before they are normalized.
    pub raw: Vec<f64>,
    /// `util[a * n_opts + k]` = normalized weight of k's term × value of option k, for agent a.
    pub util: Vec<f64>,
    /// Sampled option values, `values[a * n_opts + k]`.
    pub values: Vec<f64>,
    /// Normalized weights, `weights[a * n_terms + t]`.
    pub weights: Vec<f64>,
    /// Reservation value per agent.
    pub reservation: Vec<f64>,
    /// Walk-out chance per round per agent.
    pub walk_away: Vec<f64>,
    /// Deadline belief per agent.
    pub belief: Vec<f64>,
    /// Concession exponent per agent (`None` for hardliners).
    pub exponent: Vec<Option<f64>>,
    /// Best utility per agent over the options it may offer.
    pub best: Vec<f64>,
    /// `est[(a * n_agents + s) * n_opts + k]`: agent a's estimate of signatory s's utility
    /// contribution of option k (zero for s = a and for non-signatories). Filled only for the
    /// agents who propose under the protocol (all under alternating offers, the mediator under
    /// mediation) and for AC_next answerers; the other rows stay zero, their random draws consumed all the same.
    pub est: Vec<f64>,
    /// `est_others[a * n_opts + k]`: sum of `est` over the other signatories (same rows filled).
    pub est_others: Vec<f64>,
    /// Concession horizon per agent in rounds (`t = round / H`); 0 for the deadline clock.
    pub horizon: Vec<f64>,
    /// No-deal value lost per round, per agent.
    pub delay_cost: Vec<f64>,
    /// Per agent, the discount factor its decisions use (1 unless `in_decisions`).
    pub decision_discount: Vec<f64>,
    /// Bit mask of the agents whose decisions change with delay (a delay cost above 0 or a
    /// discount in decisions): they take the general path of [`crate::engine::protocol`].
    pub delayed: u64,
    /// The mediator's learning rate in this run.
    pub mediator_learning_rate: f64,
}

impl Model {
    /// Compiles a validated scenario.
    pub fn new(scenario: &Scenario) -> Model {
        let mut offsets = vec![0];
        for t in &scenario.terms {
            offsets.push(offsets.last().unwrap() + t.options.len());
        }
        let n_opts = *offsets.last().unwrap();
        let signatory: Vec<bool> = scenario.agents.iter().map(|a| a.signatory).collect();
        let signatory_mask = signatory
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .fold(0u64, |m, (i, _)| m | (1 << i));
        let red: Vec<bool> = scenario
            .agents
            .iter()
            .flat_map(|a| a.red_lines.iter().flatten().copied())
            .collect();
        let public: Vec<bool> = scenario.publicly_allowed().into_iter().flatten().collect();
        let allowed = (0..scenario.agents.len())
            .flat_map(|a| (0..n_opts).map(move |k| (a, k)))
            .map(|(a, k)| public[k] && !red[a * n_opts + k])
            .collect();
        Model {
            scenario: scenario.clone(),
            offsets,
            n_opts,
            signatory,
            signatory_mask,
            red,
            allowed,
            protocol: scenario.simulation.protocol,
            mediator: scenario.simulation.mediator,
            equilibrium: scenario
                .agents
                .iter()
                .enumerate()
                .filter(|(_, a)| {
                    matches!(
                        a.strategy,
                        Strategy::BackwardInduction | Strategy::Stationary | Strategy::Zeuthen
                    )
                })
                .fold(0u64, |m, (i, _)| m | (1 << i)),
            draws: Draws::new(scenario),
        }
    }

    /// Number of agents.
    pub fn n_agents(&self) -> usize {
        self.signatory.len()
    }

    /// Number of terms.
    pub fn n_terms(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Flat option range of term `t`.
    pub fn term_range(&self, t: usize) -> std::ops::Range<usize> {
        self.offsets[t]..self.offsets[t + 1]
    }

    /// Fills `inst` with the parameters of run `run` under master seed `seed`.
    ///
    /// Draw order (fixed, so that streams are stable): for each agent in file order its term
    /// weights, every option value of every term, reservation, walk-out chance, deadline belief
    /// and strategy exponent (two words each, see [`Param::sample`]; a fixed one's words are
    /// skipped, not drawn); then for each observer and each other signatory, a normal draw per
    /// term (weight noise) and per option (value noise), by [`std_normal`]'s ziggurat (one word
    /// for most draws, a few more for some); then the parameters of time (two words each).
    pub fn sample_into(&self, seed: u64, run: u64, inst: &mut Instance) {
        let mut rng = rng::param_rng(seed, run);
        self.sample_with(&mut rng, inst, None);
    }

    /// Fills `inst` with every parameter at its mean (no randomness, no estimate noise).
    pub fn mean_instance(&self) -> Instance {
        let mut inst = Instance::default();
        let mut rng = rng::param_rng(0, 0);
        self.sample_with(&mut rng, &mut inst, Some(()));
        inst
    }

    fn sample_with(&self, rng: &mut rng::RunRng, inst: &mut Instance, means: Option<()>) {
        self.sample_params(rng, inst, means);
        self.sample_estimates(rng, inst, means.is_some());
        self.sample_time(rng, inst, means);
    }

    /// Fills `inst` with the parameters of world `world` (every uncertain number drawn once,
    /// from [`rng::world_rng`]), leaving the estimates to [`Model::sample_run_estimates`].
    /// Returns how many words the parameters before the estimates took, where a run's
    /// estimate noise starts in its own stream.
    pub fn sample_world(&self, seed: u64, world: u64, inst: &mut Instance) -> u128 {
        let mut rng = rng::world_rng(seed, world);
        let start = rng.get_word_pos();
        self.sample_params(&mut rng, inst, None);
        let used = rng.get_word_pos() - start;
        self.sample_time(&mut rng, inst, None);
        used
    }

    /// Fills the estimates of `inst` (parameters set by [`Model::sample_world`]) with run
    /// `run`'s estimate noise: the words of run `run`'s parameter stream from `start` on, the
    /// same in every world (common random numbers across worlds).
    pub fn sample_run_estimates(&self, seed: u64, run: u64, start: u128, inst: &mut Instance) {
        let mut rng = rng::param_rng(seed, run);
        rng.set_word_pos(start);
        self.sample_estimates(&mut rng, inst, false);
    }

    /// The parameters drawn before the estimates: weights, values, reservations, walk-out
    /// chances, deadline beliefs and exponents, in file order (see [`Draws`]); then each
    /// agent's best.
    fn sample_params(&self, rng: &mut rng::RunRng, inst: &mut Instance, means: Option<()>) {
        let sc = &self.scenario;
        let (na, nt, no) = (self.n_agents(), self.n_terms(), self.n_opts);
        self.draws.draw(
            if means.is_some() { None } else { Some(rng) },
            &mut inst.raw,
        );
        inst.util.clear();
        inst.util.resize(na * no, 0.0);
        inst.values.clear();
        inst.values.resize(na * no, 0.0);
        inst.weights.clear();
        inst.weights.resize(na * nt, 0.0);
        inst.reservation.clear();
        inst.walk_away.clear();
        inst.belief.clear();
        inst.exponent.clear();
        inst.best.clear();
        let stride = nt + no + 4;
        for (a, agent) in sc.agents.iter().enumerate() {
            let raw = &inst.raw[a * stride..(a + 1) * stride];
            let w = &mut inst.weights[a * nt..(a + 1) * nt];
            w.copy_from_slice(&raw[..nt]);
            let sum: f64 = w.iter().sum();
            if sum > 0.0 {
                w.iter_mut().for_each(|x| *x /= sum);
            } else {
                // Every sampled weight hit zero: fall back to the mean weights (validation
                // guarantees they are not all zero).
                w.copy_from_slice(&agent.mean_weights());
            }
            let values = &raw[nt..nt + no];
            let row = a * no..(a + 1) * no;
            inst.values[row.clone()].copy_from_slice(values);
            for (t, r) in self.offsets.windows(2).enumerate() {
                let wt = inst.weights[a * nt + t];
                let opts = r[0]..r[1];
                let util = &mut inst.util[row.clone()][opts.clone()];
                for (u, &v) in util.iter_mut().zip(&values[opts]) {
                    *u = wt * v;
                }
            }
            let [reservation, walk_away, belief, exponent] = raw[nt + no..] else {
                unreachable!("four parameters follow the values")
            };
            inst.reservation.push(reservation);
            inst.walk_away.push(walk_away);
            inst.belief.push(belief);
            inst.exponent.push(match agent.strategy {
                Strategy::TimeDependent { .. } => Some(exponent),
                Strategy::Hardliner
                | Strategy::BackwardInduction
                | Strategy::Stationary
                | Strategy::Zeuthen => None,
            });
        }
        for a in 0..na {
            let best = (0..nt)
                .map(|t| {
                    self.term_range(t)
                        .filter(|&k| self.allowed[a * no + k])
                        .map(|k| inst.util[a * no + k])
                        .fold(f64::NEG_INFINITY, f64::max)
                })
                .sum();
            inst.best.push(best);
        }
    }

    /// The parameters of time. They come after every older draw, so that scenarios written
    /// before they existed keep every number; each takes its two words whether or not the
    /// agent uses it (common random numbers when a sweep switches a clock).
    fn sample_time(&self, rng: &mut rng::RunRng, inst: &mut Instance, means: Option<()>) {
        let sc = &self.scenario;
        // Nothing is drawn after them: when they are all fixed, their words need not be read.
        let means = means.or((!self.draws.time_uncertain).then_some(()));
        let draw = |p: &Param, rng: &mut rng::RunRng| {
            if means.is_some() {
                p.mean()
            } else {
                p.sample(rng)
            }
        };
        inst.horizon.clear();
        inst.delay_cost.clear();
        inst.decision_discount.clear();
        inst.delayed = 0;
        let unit = Param::fixed(0.0, 0.0, 0.0);
        for (a, agent) in sc.agents.iter().enumerate() {
            inst.horizon.push(match agent.clock {
                Clock::Horizon(h) => draw(&h, rng),
                Clock::Deadline => {
                    draw(&unit, rng);
                    0.0
                }
            });
            let c = draw(&agent.delay_cost, rng);
            inst.delay_cost.push(c);
            let d = if agent.discount_in_decisions {
                agent.discount
            } else {
                1.0
            };
            inst.decision_discount.push(d);
            if c > 0.0 || d < 1.0 {
                inst.delayed |= 1 << a;
            }
        }
        inst.mediator_learning_rate = draw(&sc.simulation.mediator_learning_rate, rng);
    }

    /// Each observer's noisy view of every other signatory: weights scaled by `1 + sd·Z` (floored
    /// at 0, renormalized) and values shifted by `sd·Z` (clamped to [0, 1]), `sd` being the
    /// observer's `estimate_noise`.
    fn sample_estimates(&self, rng: &mut rng::RunRng, inst: &mut Instance, exact: bool) {
        let sc = &self.scenario;
        let (na, nt, no) = (self.n_agents(), self.n_terms(), self.n_opts);
        // Every row is written below or zeroed where it is not: no clearing of the whole
        // tables first (they are an observer by observer square, most of a run's memory).
        inst.est.resize(na * na * no, 0.0);
        inst.est_others.resize(na * no, 0.0);
        // The observed signatory's noisy weights, on the stack for all but huge scenarios.
        let mut on_stack = [0.0; 64];
        let mut on_heap = Vec::new();
        let w: &mut [f64] = if nt <= on_stack.len() {
            &mut on_stack[..nt]
        } else {
            on_heap.resize(nt, 0.0);
            &mut on_heap
        };
        for a in 0..na {
            // `estimates = "exact"`: noise of sd 0, its draws still consumed (0·Z adds
            // nothing, so the estimates are the true values), keeping later draws in place.
            let sd = if exact || sc.agents[a].exact_estimates {
                0.0
            } else {
                sc.agents[a].estimate_noise
            };
            // AC_next answerers judge the offer they would make, so they need estimates too.
            let proposes = self.protocol != Protocol::Mediated
                || self.mediator == Some(a)
                || sc.agents[a].accept != AcceptRule::Target;
            let others = &mut inst.est_others[a * no..(a + 1) * no];
            // Whether `others` has been started (its first row is added to 0 as it is written).
            let mut started = false;
            for s in 0..na {
                let base = (a * na + s) * no;
                let est = &mut inst.est[base..base + no];
                if s == a || !self.signatory[s] {
                    est.fill(0.0);
                    continue;
                }
                if !proposes && !exact {
                    // Nobody reads this observer's estimates: draw their normals all the same
                    // (a ziggurat draw takes a variable number of words), so later draws stay
                    // put.
                    for _ in 0..nt + no {
                        std_normal(rng);
                    }
                    est.fill(0.0);
                    continue;
                }
                for (wt, &true_w) in w.iter_mut().zip(&inst.weights[s * nt..(s + 1) * nt]) {
                    let z = if exact { 0.0 } else { std_normal(rng) };
                    *wt = (true_w * (1.0 + sd * z)).max(0.0);
                }
                let sum: f64 = w.iter().sum();
                if sum > 0.0 {
                    w.iter_mut().for_each(|x| *x /= sum);
                }
                // The rows sliced once, the terms' options in flat order (the same draws and
                // sums as indexing each option).
                let values = &inst.values[s * no..(s + 1) * no];
                for (&wt, r) in w.iter().zip(self.offsets.windows(2)) {
                    let opts = r[0]..r[1];
                    let rows = est[opts.clone()].iter_mut().zip(&mut others[opts.clone()]);
                    for ((e, o), &v) in rows.zip(&values[opts]) {
                        let z = if exact { 0.0 } else { std_normal(rng) };
                        let x = wt * (v + sd * z).clamp(0.0, 1.0);
                        *e = x;
                        // The first row is added to 0, as to a cleared table (the same bits,
                        // a negative zero included).
                        *o = if started { *o } else { 0.0 } + x;
                    }
                }
                started = true;
            }
            if !started {
                others.fill(0.0);
            }
        }
    }
}

impl Instance {
    /// Agent `a`'s perceived time in `round` (1-based) of a negotiation with `deadline`
    /// rounds: against its own horizon, or against the deadline it believes in; capped at 1.
    #[inline]
    pub fn time(&self, a: usize, round: u32, deadline: u32) -> f64 {
        let h = self.horizon[a];
        if h > 0.0 {
            (f64::from(round) / h).min(1.0)
        } else {
            crate::engine::strategy::perceived_time(round, deadline, self.belief[a])
        }
    }

    /// Agent `a`'s no-deal value after `round` rounds: its reservation value less its delay
    /// cost per round, floored at 0.
    #[inline]
    pub fn no_deal_value(&self, a: usize, round: u32) -> f64 {
        let c = self.delay_cost[a];
        if c > 0.0 {
            (self.reservation[a] - c * f64::from(round)).max(0.0)
        } else {
            self.reservation[a]
        }
    }

    /// The factor agent `a`'s decisions apply to a package's utility in `round`: `δ^round`
    /// under `discount = { rate = δ, in_decisions = true }`, else 1.
    #[inline]
    pub fn decision_factor(&self, a: usize, round: u32) -> f64 {
        let d = self.decision_discount[a];
        if d < 1.0 { d.powi(round as i32) } else { 1.0 }
    }

    /// Utility of `package` (one option index per term) for agent `a`.
    #[inline]
    pub fn utility(&self, model: &Model, a: usize, package: &[u8]) -> f64 {
        let base = a * model.n_opts;
        package
            .iter()
            .enumerate()
            .map(|(t, &o)| self.util[base + model.offsets[t] + o as usize])
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dist::Dist;

    /// Regression for the planned draws: over plans of every pattern of fixed and uncertain
    /// parameters (gaps of every length, so both the read-through and the jump), the plan
    /// gives the bits of drawing every parameter in turn, and leaves the stream where the
    /// draws in turn leave it.
    #[test]
    fn planned_draws_match_drawing_every_parameter_in_turn() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            // A fixed xorshift sequence: varied, reproducible patterns.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for case in 0..300u64 {
            let n = (next() % 120) as usize;
            // From mostly fixed to mostly uncertain.
            let share = next() % 8;
            let params: Vec<Param> = (0..n)
                .map(|_| {
                    let dist = match (next() % 8 < share, next() % 3) {
                        (false, _) => Dist::Fixed((next() % 100) as f64 / 100.0),
                        (true, 0) => Dist::Normal { mean: 0.5, sd: 0.2 },
                        (true, 1) => Dist::Uniform {
                            low: 0.1,
                            high: 0.9,
                        },
                        (true, _) => Dist::Triangular {
                            low: 0.0,
                            mode: 0.3,
                            high: 1.0,
                        },
                    };
                    Param {
                        dist,
                        min: 0.0,
                        max: 1.0,
                    }
                })
                .collect();
            let draws = Draws {
                means: params.iter().map(Param::mean).collect(),
                uncertain: (0..n)
                    .filter(|&i| params[i].is_uncertain())
                    .map(|i| (i, params[i]))
                    .collect(),
                time_uncertain: false,
            };
            for (seed, run, at) in [(1, case, 0), (7, case + 1000, 1u128 << 41), (3, 5, 7)] {
                let mut turn = rng::param_rng(seed, run);
                turn.set_word_pos(at);
                let want: Vec<u64> = params
                    .iter()
                    .map(|p| p.sample(&mut turn).to_bits())
                    .collect();
                let mut plan = rng::param_rng(seed, run);
                plan.set_word_pos(at);
                let mut raw = Vec::new();
                draws.draw(Some(&mut plan), &mut raw);
                let got: Vec<u64> = raw.iter().map(|x| x.to_bits()).collect();
                assert_eq!(got, want, "case {case}, start {at}");
                assert_eq!(plan.get_word_pos(), turn.get_word_pos(), "case {case}");
                assert_eq!(plan.next_u64(), turn.next_u64(), "case {case}");
            }
        }
    }
}
