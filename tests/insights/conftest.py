"""Fixtures for the insights tests."""

from __future__ import annotations

import pytest
from insights_data import rich_data
from msin_fed.coordinator.insights import InsightData


@pytest.fixture
def data() -> InsightData:
    """A year of records with clusters, alerts and actions, planted identifiers throughout."""
    return rich_data()
