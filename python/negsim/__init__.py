"""negsim: Monte Carlo simulation of multilateral negotiations, from Python.

The simulations run in the Rust library, on every core, with the GIL released; the tables
are the command line's, to the byte (``negsim run --format csv``, ``negsim sweep``,
``negsim run --per-run``).

    >>> import negsim
    >>> sc = negsim.Scenario.bundled().with_params({"agents.us.walk_away": 0.0})
    >>> negsim.run(sc, runs=2000, seed=1).to_pandas()      # doctest: +SKIP

pandas is needed only by ``to_pandas`` (``pip install negsim[pandas]``).
"""

from __future__ import annotations

import io
import json as _json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _negsim
from ._negsim import Scenario, ScenarioError, __version__

__all__ = [
    "Scenario",
    "ScenarioError",
    "RunResult",
    "WorldsResult",
    "SweepResult",
    "PerRunResult",
    "run",
    "sweep",
    "per_run",
    "__version__",
]


def _pandas():
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "to_pandas needs pandas: pip install pandas (or negsim[pandas])"
        ) from e
    return pandas


def _read_csv(text: str):
    pd = _pandas()
    # Read back the exact floats the CLI wrote: before pandas 3 the default parser may be
    # 1 ulp off, so ask for round_trip there (pandas 3 is exact and deprecates the option).
    extra = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    return pd.read_csv(io.StringIO(text), **extra)


def _deadlines(deadlines: Union[None, int, Iterable[int]]) -> Optional[List[int]]:
    if deadlines is None:
        return None
    if isinstance(deadlines, int):
        return [deadlines]
    return [int(d) for d in deadlines]


def _scenario(scenario: Optional[Scenario]) -> Scenario:
    if scenario is None:
        return Scenario.bundled()
    if not isinstance(scenario, Scenario):
        raise TypeError(
            "expected a negsim.Scenario (Scenario.from_toml, from_dict or bundled), "
            f"not {type(scenario).__name__}"
        )
    return scenario


class RunResult:
    """The report of ``negsim run``: ``.json`` and ``.csv`` are the CLI's texts."""

    def __init__(self, json_text: str, csv_text: str):
        self.json = json_text
        self.csv = csv_text

    def to_dict(self) -> Dict[str, Any]:
        """The JSON report as a dict."""
        return _json.loads(self.json)

    def to_pandas(self):
        """The tidy table of ``negsim run --format csv``: one row per deadline."""
        return _read_csv(self.csv)

    @property
    def p_agreement(self) -> Dict[int, float]:
        """P(agreement) by deadline."""
        return {d["deadline"]: d["p_agreement"] for d in self.to_dict()["deadlines"]}

    def __repr__(self) -> str:
        return f"RunResult({self.p_agreement})"


class WorldsResult:
    """``run(..., worlds=K)``: K worlds (one draw of every uncertain number each), each played
    ``runs`` times (``negsim::worlds::simulate_worlds``). The spread of P across worlds is the
    uncertainty that comes from the assumptions, not Monte Carlo noise."""

    def __init__(self, summary: Dict[str, list], per_world: Dict[str, Any]):
        self.summary = summary
        self.per_world = per_world

    def to_dict(self) -> Dict[str, list]:
        """Per deadline: deadline, worlds, runs_per_world, p_agreement (pooled over every run
        of every world), p05, p50 and p95 (percentiles of the worlds' P, numpy's default
        interpolation), zopa_share, then the provenance columns."""
        return self.summary

    def to_pandas(self):
        """The per-deadline table of ``to_dict`` as a DataFrame."""
        return _pandas().DataFrame(self.summary)

    def worlds_to_pandas(self):
        """The long table: one row per world and deadline with its runs, agreements and P."""
        rows = []
        for w, (n, agreed, zopa) in enumerate(
            zip(self.per_world["runs"], self.per_world["agreements"], self.per_world["zopa"])
        ):
            for d, a in zip(self.summary["deadline"], agreed):
                rows.append(
                    {"world": w, "deadline": d, "runs": n, "agreements": a,
                     "p_agreement": a / n if n else float("nan"), "zopa": zopa}
                )
        return _pandas().DataFrame(rows)

    @property
    def partial(self) -> bool:
        """True when stopped before every world was played."""
        return bool(self.per_world["partial"])

    def __repr__(self) -> str:
        return f"WorldsResult({len(self.per_world['runs'])} worlds, p50={self.summary['p50']})"


class SweepResult:
    """The tidy table of ``negsim sweep``: one row per point and deadline."""

    def __init__(self, text: str, jsonl: bool):
        self.text = text
        self.jsonl = jsonl

    @property
    def csv(self) -> str:
        """The CSV text (when the sweep was run with ``format="csv"``)."""
        if self.jsonl:
            raise ValueError("this sweep was run with format='jsonl': use .text")
        return self.text

    def to_dicts(self) -> List[Dict[str, Any]]:
        """The rows as dicts (parsed from the JSON lines, or from the CSV by pandas)."""
        if self.jsonl:
            return [_json.loads(line) for line in self.text.splitlines()]
        return self.to_pandas().to_dict(orient="records")

    def to_pandas(self):
        """The table as a DataFrame."""
        if self.jsonl:
            return _pandas().DataFrame(self.to_dicts())
        return _read_csv(self.text)


class PerRunResult:
    """The per-run table of ``negsim run --per-run``, as columns."""

    def __init__(self, columns: Dict[str, list]):
        self.columns = columns

    def to_dict(self) -> Dict[str, list]:
        """The columns: run, deadline, the sampled parameters by sweep path, agreement,
        round, walked_out_by, package, utility_<agent>, then the provenance columns seed,
        protocol, round_label, mode and negsim_version (as in the CLI's file)."""
        return self.columns

    def to_pandas(self):
        """The table as a DataFrame."""
        return _pandas().DataFrame(self.columns)

    def __len__(self) -> int:
        return len(self.columns["run"])


def run(
    scenario: Optional[Scenario] = None,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    deadlines: Union[None, int, Iterable[int]] = None,
    threads: Optional[int] = None,
    worlds: Optional[int] = None,
) -> Union[RunResult, WorldsResult]:
    """Simulates ``scenario`` (default: the bundled one), as ``negsim run``. Unset settings
    come from the scenario's ``[simulation]`` table. With ``worlds=K``, plays K worlds of
    ``runs`` runs each and returns a :class:`WorldsResult` (the spread of P across worlds)."""
    if worlds is not None:
        if isinstance(worlds, bool) or not isinstance(worlds, int):
            raise TypeError(f"worlds is an int, not {type(worlds).__name__}")
        summary, per_world = _negsim.run_worlds(
            _scenario(scenario), worlds, runs, seed, _deadlines(deadlines), threads
        )
        return WorldsResult(summary, per_world)
    j, c = _negsim.run(_scenario(scenario), runs, seed, _deadlines(deadlines), threads)
    return RunResult(j, c)


def _specs(params: Union[Mapping[str, Any], Sequence[str]]) -> List[str]:
    if isinstance(params, Mapping):
        out = []
        for path, values in params.items():
            if isinstance(values, str):
                # Verbatim, as on the command line: "0:0.02:0.005", "dist:normal(0.3,0.05)".
                out.append(f"{path}={values}")
                continue
            if not isinstance(values, (list, tuple)):
                values = [values]
            out.append(f"{path}=" + ",".join(_token(v) for v in values))
        return out
    return list(params)


def _token(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, Mapping) and len(v) == 1:
        ((kind, args),) = v.items()
        return f"dist:{kind}(" + ",".join(repr(float(a)) for a in args) + ")"
    raise TypeError(f"cannot sweep a value of type {type(v).__name__}")


def sweep(
    scenario: Optional[Scenario],
    params: Union[Mapping[str, Any], Sequence[str]],
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    deadlines: Union[None, int, Iterable[int]] = None,
    threads: Optional[int] = None,
    format: str = "csv",
) -> SweepResult:
    """Runs ``scenario`` at every point of a grid, as ``negsim sweep``.

    ``params`` maps sweep paths to values: a list (``[0, 0.01, 0.02]``), one value, or a
    string given verbatim as on the command line (``"0:0.02:0.005"``); or it is a list of
    ``"PATH=VALUES"`` strings. The last parameter varies fastest."""
    if format not in ("csv", "jsonl"):
        raise ValueError(f"format is 'csv' or 'jsonl', not {format!r}")
    text = _negsim.sweep(
        _scenario(scenario),
        _specs(params),
        runs,
        seed,
        _deadlines(deadlines),
        threads,
        format == "jsonl",
    )
    return SweepResult(text, format == "jsonl")


def per_run(
    scenario: Optional[Scenario] = None,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    deadlines: Union[None, int, Iterable[int]] = None,
    threads: Optional[int] = None,
    path: Union[None, str, "os.PathLike[str]"] = None,
) -> Optional[PerRunResult]:
    """One row per run and deadline: the sampled parameters and the outcome, as
    ``negsim run --per-run``. With ``path`` the table is streamed to that file (CSV, or JSON
    lines for ``.jsonl``), byte for byte as the CLI writes it, and None is returned."""
    cols = _negsim.per_run(
        _scenario(scenario),
        runs,
        seed,
        _deadlines(deadlines),
        threads,
        None if path is None else os.fspath(path),
    )
    return None if cols is None else PerRunResult(cols)
