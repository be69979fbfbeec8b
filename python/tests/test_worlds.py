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
    w = negsim.run(sc, runs=400, worlds=5)
    plain = cli("run", f, "--runs", 400, "--format", "json", "--quiet").stdout
    want = [d["agreements"] for d in negsim.RunResult(plain, "").to_dict()["deadlines"]]
    assert 0 < want[0] < 400
    assert w.per_world["agreements"] == [want] * 5
    assert w.per_world["runs"] == [400] * 5
    df = w.to_pandas()
    for i, a in enumerate(want):
        p = a / 400
        assert (df["p05"][i], df["p50"][i], df["p95"][i], df["p_agreement"][i]) == (p, p, p, p)
    assert list(df["zopa_share"]) == [1.0, 1.0]


def test_percentiles_are_those_of_the_worlds_own_counts():
    w = negsim.run(BUNDLED, runs=60, seed=5, deadlines=[26, 52], worlds=21)
    df = w.to_pandas()
    assert list(df["deadline"]) == [26, 52] and list(df["worlds"]) == [21, 21]
    assert list(df["runs_per_world"]) == [60, 60]
    for d in range(2):
        p = [a[d] / n for a, n in zip(w.per_world["agreements"], w.per_world["runs"])]
        assert len(set(p)) > 1, "the bundled scenario's worlds differ"
        assert df["p05"][d] == quantile(p, 0.05)
        assert df["p50"][d] == quantile(p, 0.5)
        assert df["p95"][d] == quantile(p, 0.95)
        total = sum(a[d] for a in w.per_world["agreements"])
        assert df["p_agreement"][d] == total / (21 * 60)
    assert not w.partial
    long = w.worlds_to_pandas()
    assert len(long) == 21 * 2
    assert list(long.columns) == ["world", "deadline", "runs", "agreements", "p_agreement", "zopa"]
    # Provenance, as the CLI's tables end with it.
    assert list(df.columns[-5:]) == ["seed", "protocol", "round_label", "mode", "negsim_version"]
    assert set(df["seed"]) == {5} and set(df["negsim_version"]) == {negsim.__version__}
    assert set(df["mode"]) == {"open_ended"}


def test_worlds_are_bit_identical_on_one_and_two_threads_and_reproducible():
    one = negsim.run(BUNDLED, runs=40, seed=2, deadlines=[52], worlds=8, threads=1)
    two = negsim.run(BUNDLED, runs=40, seed=2, deadlines=[52], worlds=8, threads=2)
    assert one.per_world == two.per_world and one.summary == two.summary
    other = negsim.run(BUNDLED, runs=40, seed=3, deadlines=[52], worlds=8)
    assert other.per_world["agreements"] != one.per_world["agreements"]


def test_bad_worlds_are_refused():
    with pytest.raises(negsim.ScenarioError, match="0 worlds is out of range"):
        negsim.run(BUNDLED, runs=10, worlds=0)
    with pytest.raises(TypeError):
        negsim.run(BUNDLED, runs=10, worlds=2.5)


@pytest.mark.skip(
    reason="to be completed: compare with `negsim run --worlds K` once the CLI has it "
    "(being added by the lead); the fixed-world test above already compares with the CLI"
)
def test_worlds_match_the_cli_worlds(cli):  # pragma: no cover
    raise NotImplementedError("write the comparison against `negsim run --worlds K`")
