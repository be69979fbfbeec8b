"""Shared fixtures: the negsim binary the Python results are compared against."""

import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    """Runs the negsim binary: $NEGSIM, else target/release/negsim of this checkout, else
    negsim on PATH. Fails (not skips) when none is found: the comparison is the point."""
    candidates = [os.environ.get("NEGSIM"), REPO / "target/release/negsim", shutil.which("negsim")]
    exe = next((str(c) for c in candidates if c and pathlib.Path(c).is_file()), None)
    if exe is None:
        pytest.fail("no negsim binary: build it (cargo build --release) or set NEGSIM=")

    def call(*args, check=True):
        p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
        if check and p.returncode != 0:
            raise AssertionError(f"negsim {' '.join(map(str, args))}: {p.stderr}")
        return p

    return call


@pytest.fixture(scope="session")
def scenarios():
    """The scenario files shipped in scenarios/."""
    return sorted((REPO / "scenarios").glob("*.toml"))
