"""Shared fixtures: a throwaway network CA and identities issued from it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from msin_fed import pki


@pytest.fixture(scope="session")
def ca_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A network CA shared by the whole test session."""
    return pki.init_ca(tmp_path_factory.mktemp("ca") / "ca")


@pytest.fixture(scope="session")
def make_identity(
    ca_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], pki.Identity]:
    """Issue (once per role/name) and load an identity: ``make_identity("member", "tesco")``.

    Each identity directory also links the session CA's ``crl.pem``, so a test server can
    name its (required) CRL as ``identity.directory / "crl.pem"``.
    """
    cache: dict[tuple[str, str], pki.Identity] = {}

    def make(role: str, name: str) -> pki.Identity:
        if (role, name) not in cache:
            out = tmp_path_factory.mktemp(f"id-{role}-{name}")
            pki.issue(ca_dir, role, name, out)
            (out / "crl.pem").symlink_to(ca_dir / "crl.pem")
            cache[(role, name)] = pki.load_identity(out)
        return cache[(role, name)]

    return make
