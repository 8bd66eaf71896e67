"""The ``msin`` command: help on every subcommand, and exit codes that tell bad input from failure."""

from __future__ import annotations

import subprocess
import sys

import pytest

from msin_fed.cli import AREAS, EXIT_BAD_INPUT, main


def _msin(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "msin_fed.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_top_level_help_lists_every_area() -> None:
    result = _msin("--help")
    assert result.returncode == 0
    for area in AREAS:
        assert area in result.stdout


@pytest.mark.parametrize("area", sorted(AREAS))
def test_every_area_has_help(area: str) -> None:
    result = _msin(area, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: msin" in result.stdout


def test_unknown_command_is_bad_input() -> None:
    result = _msin("frobnicate")
    assert result.returncode == EXIT_BAD_INPUT
    assert "invalid choice" in result.stderr


def test_unknown_option_is_bad_input() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ca", "--no-such-option"])
    assert exc.value.code == EXIT_BAD_INPUT
