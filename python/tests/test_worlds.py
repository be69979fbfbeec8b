"""run(..., worlds=K): the spread of P across worlds, checked against numbers known apart from
the binding (the CLI's plain run, percentiles recomputed here)."""

import math

import pytest

import negsim

BUNDLED = negsim.Scenario.bundled()

# Every number fixed, walk-outs and noisy estimates left to chance: every world is the same
# world, and world w's run r is run r of a plain run (same estimate stream, same play stream).
FIXED = """
[scenario]
name = "fixed"
[simulation]
seed = 3
deadlines = [2, 6]
[[terms]]
id = "x"
options = ["o0", "o1", "o2", "o3", "o4"]
[agents.a]
walk_away = 0.1
[agents.a.weights]
x = 1
[agents.a.values.x]
o0 = 1.0
o1 = 0.75
o2 = 0.5
o3 = 0.25
o4 = 0.0
[agents.b]
walk_away = 0.1
reservation = 0.2
[agents.b.weights]
x = 1
[agents.b.values.x]
o0 = 0.0
o1 = 0.25
o2 = 0.5
o3 = 0.75
o4 = 1.0
"""


def quantile(xs, q):
    """numpy's default (type 7): linear between order statistics."""
    v = sorted(xs)
    h = (len(v) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (h - lo) * (v[hi] - v[lo])


def test_fixed_worlds_are_the_cli_plain_run(cli, tmp_path):
    f = tmp_path / "fixed.toml"
    f.write_text(FIXED)
    sc = negsim.Scenario.from_toml(f)
    # 400 runs shared by 5 worlds: 80 each, and each world is the plain run of 80.
    w = negsim.run(sc, runs=400, worlds=5)
    plain = cli("run", f, "--runs", 80, "--format", "json", "--quiet").stdout
    want = [d["agreements"] for d in negsim.RunResult(plain, "").to_dict()["deadlines"]]
    assert 0 < want[0] < 80
    assert w.per_world["agreements"] == [want] * 5
    assert w.per_world["runs"] == [80] * 5
    df = w.to_pandas()
    for i, a in enumerate(want):
        p = a / 80
        assert (df["p_worlds_05"][i], df["p_worlds_50"][i], df["p_worlds_95"][i]) == (p, p, p)
        assert df["p_agreement"][i] == p
    assert [d["worlds"] for d in w.to_dict()["deadlines"]][0]["p50"] == want[0] / 80
    assert w.to_dict()["worlds"]["zopa_share"] == 1.0


def test_percentiles_are_those_of_the_worlds_own_counts():
    w = negsim.run(BUNDLED, runs=21 * 60, seed=5, deadlines=[26, 52], worlds=21)
    df = w.to_pandas()
    assert list(df["deadline"]) == [26, 52]
    assert w.to_dict()["worlds"]["worlds"] == 21
    assert w.to_dict()["worlds"]["runs_per_world"] == 60
    for d in range(2):
        p = [a[d] / n for a, n in zip(w.per_world["agreements"], w.per_world["runs"])]
        assert len(set(p)) > 1, "the bundled scenario's worlds differ"
        spread = w.to_dict()["deadlines"][d]["worlds"]
        assert spread["p05"] == quantile(p, 0.05)
        assert spread["p50"] == quantile(p, 0.5)
        assert spread["p95"] == quantile(p, 0.95)
        total = sum(a[d] for a in w.per_world["agreements"])
        assert w.to_dict()["deadlines"][d]["agreements"] == total
    assert not w.partial
    long = w.worlds_to_pandas()
    assert len(long) == 21 * 2
    assert list(long.columns[:6]) == ["world", "deadline", "runs", "agreements", "p_agreement", "zopa"]
    assert "agents.russia.walk_away" in long.columns
    assert list(long["world"][::2]) == list(range(21))
    # Provenance, as the CLI's tables end with it.
    assert list(df.columns[-5:]) == ["seed", "protocol", "round_label", "mode", "negsim_version"]
    assert set(df["seed"]) == {5} and set(df["negsim_version"]) == {negsim.__version__}
    assert set(df["mode"]) == {"open_ended"}


def test_worlds_are_bit_identical_on_one_and_two_threads_and_reproducible():
    one = negsim.run(BUNDLED, runs=320, seed=2, deadlines=[52], worlds=8, threads=1)
    two = negsim.run(BUNDLED, runs=320, seed=2, deadlines=[52], worlds=8, threads=2)
    assert one.per_world == two.per_world and one.json == two.json and one.csv == two.csv
    other = negsim.run(BUNDLED, runs=320, seed=3, deadlines=[52], worlds=8)
    assert other.per_world["agreements"] != one.per_world["agreements"]


def test_bad_worlds_are_refused():
    with pytest.raises(negsim.ScenarioError, match="50 worlds need at least 50 runs"):
        negsim.run(BUNDLED, runs=10, worlds=50)
    with pytest.raises(TypeError):
        negsim.run(BUNDLED, runs=10, worlds=2.5)
    plain = negsim.run(BUNDLED, runs=50, worlds=0)
    assert plain.per_world is None and "p_worlds_05" not in plain.csv
    with pytest.raises(ValueError, match="played no worlds"):
        plain.worlds_to_pandas()


def test_worlds_match_the_cli_worlds(cli):
    args = ("--runs", 2000, "--worlds", 20, "--seed", 4, "--quiet")
    w = negsim.run(BUNDLED, runs=2000, worlds=20, seed=4)
    assert w.csv == cli("run", *args, "--format", "csv").stdout
    assert w.json == cli("run", *args, "--format", "json").stdout
