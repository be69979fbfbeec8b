"""The Python package gives the command line's results, to the byte, for the same seed."""

import io
import json
import math
import re
import pathlib

import pandas as pd
import pytest

import negsim

BUNDLED = negsim.Scenario.bundled()


def read_csv(f):
    """pandas' reader, exact for floats (pandas 3 is; before it, round_trip asks for it)."""
    exact = int(pd.__version__.split(".")[0]) >= 3
    return pd.read_csv(f, **({} if exact else {"float_precision": "round_trip"}))


def test_run_is_bit_identical_to_the_cli(cli, scenarios):
    for path in scenarios:
        sc = negsim.Scenario.from_toml(path)
        r = negsim.run(sc, runs=3000, seed=11, deadlines=[4, 12])
        args = [path, "--runs", 3000, "--seed", 11, "--deadlines", "4,12", "--quiet"]
        assert r.csv == cli("run", *args, "--format", "csv").stdout, path
        assert r.json == cli("run", *args, "--format", "json").stdout, path


def test_bundled_defaults_match_cli_defaults(cli):
    r = negsim.run(BUNDLED)
    assert r.json == cli("run", "--format", "json", "--quiet").stdout
    df = r.to_pandas()
    want = read_csv(io.StringIO(cli("run", "--format", "csv", "--quiet").stdout))
    pd.testing.assert_frame_equal(df, want)
    assert list(df["deadline"]) == [d["deadline"] for d in r.to_dict()["deadlines"]]
    assert r.to_dict()["scenario"] == BUNDLED.name


def test_from_toml_text_path_and_dict_agree(scenarios):
    path = scenarios[0]
    text = path.read_text()
    a = negsim.Scenario.from_toml(path)
    b = negsim.Scenario.from_toml(str(path))
    c = negsim.Scenario.from_toml(text)
    tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11+")

    d = negsim.Scenario.from_dict(tomllib.loads(text))
    results = {negsim.run(s, runs=500, seed=3).csv for s in (a, b, c, d)}
    assert len(results) == 1
    assert a.origin == str(path) and c.origin == "<string>" and d.origin == "<dict>"


def test_errors_carry_the_cli_message(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\n\n[[terms]]\nid = "t"\noptions = ["a"]\n')
    want = cli("check", bad, check=False)
    assert want.returncode == 2
    with pytest.raises(negsim.ScenarioError) as e:
        negsim.Scenario.from_toml(bad)
    assert isinstance(e.value, ValueError)
    assert "error: " + str(e.value) + "\n" == want.stderr
    assert f"{bad}:" in str(e.value)
    # A position: file:line:col.
    bad.write_text("[scenario\n")
    with pytest.raises(negsim.ScenarioError, match="^" + re.escape(str(bad)) + r":1:\d+: "):
        negsim.Scenario.from_toml(bad)
    with pytest.raises(negsim.ScenarioError, match="cannot read the scenario file"):
        negsim.Scenario.from_toml(tmp_path / "missing.toml")


def test_bad_settings_are_scenario_errors(cli):
    with pytest.raises(negsim.ScenarioError, match="--runs: 0 runs is out of range"):
        negsim.run(BUNDLED, runs=0)
    with pytest.raises(negsim.ScenarioError, match="deadline 0 is out of range"):
        negsim.run(BUNDLED, deadlines=[0])
    with pytest.raises(negsim.ScenarioError, match="0 threads"):
        negsim.run(BUNDLED, threads=0)
    with pytest.raises(TypeError):
        negsim.run("scenarios/x.toml")


def test_with_params_equals_the_sweep_point(cli):
    sc = BUNDLED.with_params({"agents.us.walk_away": 0.0, "agents.russia.reservation": 0.35})
    r = negsim.run(sc, runs=2000, seed=5, deadlines=[8])
    row = negsim.sweep(
        BUNDLED,
        {"agents.us.walk_away": [0.0], "agents.russia.reservation": [0.35]},
        runs=2000,
        seed=5,
        deadlines=[8],
    ).to_pandas()
    assert row["p_agreement"].iloc[0] == r.to_dict()["deadlines"][0]["p_agreement"]
    # Chaining keeps the earlier values.
    again = BUNDLED.with_params({"agents.us.walk_away": 0.0}).with_params(
        {"agents.russia.reservation": 0.35}
    )
    assert negsim.run(again, runs=2000, seed=5, deadlines=[8]).csv == r.csv
    # A distribution and a string.
    d = BUNDLED.with_params(
        {"agents.russia.reservation": {"normal": [0.3, 0.05]}, "simulation.protocol": "mediated"}
    )
    assert "mediated" in negsim.run(d, runs=200).json
    assert BUNDLED.with_params({}).toml == BUNDLED.toml


def test_with_params_errors_are_the_sweeps():
    with pytest.raises(negsim.ScenarioError, match=r"unknown scenario path `agents\.us\.walkaway`"):
        BUNDLED.with_params({"agents.us.walkaway": 0.1})
    with pytest.raises(negsim.ScenarioError, match="cannot be swept"):
        BUNDLED.with_params({"simulation.runs": 10})
    with pytest.raises(negsim.ScenarioError, match="walk_away"):
        BUNDLED.with_params({"agents.us.walk_away": 7.0})
    with pytest.raises(negsim.ScenarioError, match="not a finite number"):
        BUNDLED.with_params({"agents.us.walk_away": math.nan})
    with pytest.raises(TypeError):
        BUNDLED.with_params({"agents.us.walk_away": object()})


def test_sweep_is_bit_identical_to_the_cli(cli):
    args = ["--runs", 1500, "--seed", 2, "--deadlines", "4,26", "--quiet"]
    params = ["agents.us.walk_away=0:0.02:0.01", "simulation.protocol=alternating,mediated"]
    flags = sum((["--param", p] for p in params), [])
    path = pathlib.Path(__file__).resolve().parents[2] / "scenarios/ukraine-peace-2025.toml"
    sc = negsim.Scenario.from_toml(path)
    got = negsim.sweep(sc, params, runs=1500, seed=2, deadlines=[4, 26])
    assert got.csv == cli("sweep", path, *flags, *args).stdout
    as_dict = negsim.sweep(
        sc,
        {"agents.us.walk_away": "0:0.02:0.01", "simulation.protocol": ["alternating", "mediated"]},
        runs=1500,
        seed=2,
        deadlines=[4, 26],
    )
    assert as_dict.csv == got.csv
    j = negsim.sweep(sc, params, runs=1500, seed=2, deadlines=[4, 26], format="jsonl")
    assert j.text == cli("sweep", path, *flags, *args, "--format", "jsonl").stdout
    assert len(got.to_pandas()) == 3 * 2 * 2 == len(j.to_dicts())


def test_per_run_file_is_bit_identical_to_the_cli(cli, tmp_path):
    for name in ("t.csv", "t.jsonl"):
        mine, theirs = tmp_path / ("py-" + name), tmp_path / ("cli-" + name)
        assert negsim.per_run(BUNDLED, runs=3000, seed=9, deadlines=[4, 12], path=mine) is None
        cli("run", "--worlds", 0, "--runs", 3000, "--seed", 9, "--deadlines", "4,12", "--quiet",
            "--per-run", theirs)
        assert mine.read_bytes() == theirs.read_bytes(), name


def test_per_run_columns_match_the_file_and_the_report(cli, tmp_path):
    f = tmp_path / "t.csv"
    cli("run", "--worlds", 0, "--runs", 2000, "--seed", 4, "--deadlines", "4,12", "--quiet", "--per-run", f)
    want = read_csv(f)
    res = negsim.per_run(BUNDLED, runs=2000, seed=4, deadlines=[4, 12])
    got = res.to_pandas()
    assert len(res) == 4000
    assert list(got.columns) == list(want.columns)
    for c in got.columns:
        a, b = got[c], want[c]
        numeric = pd.api.types.is_numeric_dtype
        if not (numeric(a) and numeric(b)):
            assert [x if isinstance(x, str) else None for x in a] == [
                x if isinstance(x, str) else None for x in b
            ], c
        else:
            assert a.astype(float).fillna(-1).tolist() == b.astype(float).fillna(-1).tolist(), c
    # Parameters are named by sweep path, only the uncertain ones, and look like floats.
    params = [c for c in got.columns if c.startswith("agents.")]
    assert params and "agents.russia.reservation" in params
    assert all(want[c].dtype == float for c in params)
    # The rows tally to the report of the same seed.
    report = negsim.run(BUNDLED, runs=2000, seed=4, deadlines=[4, 12], worlds=0).to_dict()
    for d in report["deadlines"]:
        at = got[got["deadline"] == d["deadline"]]
        assert int(at["agreement"].sum()) == d["agreements"]
        assert int(at["walked_out_by"].notna().sum()) == d["walkouts"]
        agreed = at[at["agreement"] == 1]
        for agent, o in d["agents"].items():
            if o["mean_utility"] is not None:
                assert abs(agreed[f"utility_{agent}"].mean() - o["mean_utility"]) < 1e-6
    # The report printed beside --per-run is the plain report.
    plain = cli("run", "--worlds", 0, "--runs", 2000, "--seed", 4, "--deadlines", "4,12",
                "--format", "json")
    beside = cli("run", "--worlds", 0, "--runs", 2000, "--seed", 4, "--deadlines", "4,12",
                 "--format", "json", "--per-run", tmp_path / "x.jsonl")
    assert plain.stdout == beside.stdout
    rows = [json.loads(l) for l in (tmp_path / "x.jsonl").read_text().splitlines()]
    assert len(rows) == 4000 and rows[0]["run"] == 0 and rows[1]["deadline"] == 12


def test_thread_count_does_not_change_results():
    one = negsim.run(BUNDLED, runs=3000, seed=1, threads=1).json
    assert one == negsim.run(BUNDLED, runs=3000, seed=1, threads=2).json


def test_gil_is_released_while_simulating():
    import threading
    import time

    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    t = threading.Thread(target=ticker)
    t.start()
    start = time.perf_counter()
    negsim.run(BUNDLED, runs=60000, seed=1, deadlines=[26])
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    during = [x for x in ticks if start < x < start + elapsed]
    # Holding the GIL would freeze the ticker for the whole simulation.
    assert elapsed > 0.05, "simulation too quick to tell"
    assert len(during) >= 3, (elapsed, len(during))


def test_uncertainties_are_the_per_run_columns():
    u = BUNDLED.uncertainties()
    names = list(negsim.per_run(BUNDLED, runs=1, deadlines=[4]).columns)
    cols = names[names.index("deadline") + 1 : names.index("agreement")]
    assert [x["path"] for x in u] == cols
    for x in u:
        assert x["dist"] in ("normal", "uniform", "triangular")
        assert x["min"] <= x["low"] < x["high"] <= x["max"]
    # Every 1%-99% value is accepted by with_params (as EMA would set it).
    lo = BUNDLED.with_params({x["path"]: x["low"] for x in u})
    assert lo.uncertainties() == []
