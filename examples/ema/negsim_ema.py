"""The bundled negsim scenario as an EMA Workbench model, and PRIM scenario discovery of
"when is a deal likely within 26 weeks" (--deadline 12 asks the 12-week question).

Each EMA experiment is one world: every parameter that the scenario gives as a distribution
is fixed at a value drawn by EMA's Latin hypercube over that distribution's 1%-99% range
(`Scenario.uncertainties()`), and negsim plays RUNS negotiations in it (the remaining
randomness: walk-outs and the agents' noisy estimates). The outcome is P(agreement within the
deadline) in that world; PRIM looks for the region of the parameter space where it is at least
THRESHOLD.

    python examples/ema/negsim_ema.py [--experiments 1000] [--runs 100] [--threshold 0.5]

Needs `pip install ./python ema_workbench`.
"""

from __future__ import annotations

import argparse
import time

import negsim
from ema_workbench import Model, RealParameter, ScalarOutcome, perform_experiments
from ema_workbench.analysis import prim

# Weeks (one round of the bundled scenario is a week). 12 was the question first asked, but
# since the engine's time model (concession clocks, delay costs) almost no run of the bundled
# scenario agrees within 12 weeks (P = 0.0005), so PRIM would find no positive world there.
DEADLINE = 26


def build_model(scenario: negsim.Scenario, runs: int, seed: int, deadline: int = DEADLINE):
    """An EMA model of `scenario`: one uncertainty per distribution of the file."""
    uncertainties = scenario.uncertainties()
    # EMA passes the uncertainties as keyword arguments: give them identifier names and keep
    # the sweep path each stands for.
    paths = {f"x{i}_" + u["path"].replace(".", "_"): u["path"] for i, u in enumerate(uncertainties)}

    def negotiate(**values):
        world = scenario.with_params({paths[k]: float(v) for k, v in values.items()})
        report = negsim.run(world, runs=runs, seed=seed, deadlines=[deadline], worlds=0).to_dict()
        return {"p_deal": report["deadlines"][0]["p_agreement"]}

    model = Model("negsim", function=negotiate)
    model.uncertainties = [
        RealParameter(name, u["low"], u["high"]) for name, u in zip(paths, uncertainties)
    ]
    model.outcomes = [ScalarOutcome("p_deal")]
    return model, paths


def discover(experiments, outcomes, paths, threshold: float, deadline: int = DEADLINE):
    """PRIM on "P(deal within 12 weeks) >= threshold"; returns the chosen box as text."""
    x = experiments[list(paths)]
    y = outcomes["p_deal"] >= threshold
    alg = prim.Prim(x, y, threshold=0.8, peel_alpha=0.1)
    box = alg.find_box()
    traj = box.peeling_trajectory
    # The densest box that still covers half of the worlds where a deal is likely.
    ok = traj[traj["coverage"] >= 0.5]
    i = int(ok["density"].idxmax())
    row = traj.loc[i]
    lines = [
        f"{int(y.sum())} of {len(y)} worlds have P(deal within {deadline} weeks) >= {threshold}",
        f"box {i} of the peeling trajectory: coverage {row['coverage']:.2f}, "
        f"density {row['density']:.2f}, mass {row['mass']:.2f}, {int(row['res_dim'])} restricted dimensions",
    ]
    lims = box.box_lims[i]
    init = alg.box_init
    for name in paths:
        lo, hi = lims[name]
        lo0, hi0 = init[name]
        if lo > lo0 or hi < hi0:
            lines.append(f"  {paths[name]:<45} in [{lo:.3f}, {hi:.3f}]   (explored [{lo0:.3f}, {hi0:.3f}])")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--experiments", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=100, help="negotiations per experiment")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--deadline", type=int, default=DEADLINE, help="weeks")
    a = ap.parse_args(argv)
    scenario = negsim.Scenario.bundled()
    model, paths = build_model(scenario, a.runs, a.seed, a.deadline)
    start = time.perf_counter()
    experiments, outcomes = perform_experiments(model, scenarios=a.experiments)
    took = time.perf_counter() - start
    print(f"{a.experiments} experiments x {a.runs} runs in {took:.1f} s, "
          f"{len(paths)} uncertainties from {scenario.origin}")
    text = discover(experiments, outcomes, paths, a.threshold, a.deadline)
    print(text)
    return text


if __name__ == "__main__":
    main()
