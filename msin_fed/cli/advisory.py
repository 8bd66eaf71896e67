"""``msin advisory``: the Advisory Group's commands (cases; see :mod:`msin_fed.cli.cases`)."""

from __future__ import annotations

from msin_fed.cli.cases import register_advisory as register

__all__ = ["register"]
