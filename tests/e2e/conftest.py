"""End-to-end fixtures: real ``msin`` processes over mutual TLS on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from msin_fed.demo.network import LocalNetwork


@pytest.fixture()
def keyholder_network(tmp_path: Path) -> Iterator[LocalNetwork]:
    """A CA, a 2-of-3 dealing and three key-holder processes (members alpha and beta)."""
    net = LocalNetwork(tmp_path / "net", members=["alpha", "beta"])
    try:
        net.create_pki()
        net.deal_keys()
        net.start_keyholders()
        yield net
    finally:
        net.stop()
