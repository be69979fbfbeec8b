"""The EMA example runs end to end (small), when the EMA Workbench is installed."""

import pathlib
import sys

import pytest

pytest.importorskip(
    "ema_workbench",
    reason="ema_workbench is not installed (pip install ema_workbench): EMA example not checked",
)
sys.path.insert(0, str(pathlib.Path(__file__).parent))

import negsim_ema  # noqa: E402


def test_prim_finds_a_box_on_a_small_design():
    text = negsim_ema.main(["--experiments", "200", "--runs", "50"])
    assert "worlds have P(deal within 26 weeks)" in text
    assert "restricted dimensions" in text
