"""Shared fixtures: a throwaway network CA and identities issued from it; under pytest-xdist,
one PostgreSQL database per worker."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from msin_fed import pki

_WORKER_DB = pytest.StashKey[tuple[str, str]]()


def _worker_database(url: str, worker: str) -> str:
    """A new, empty database named for this xdist worker on the server of ``url``; its URL.

    The PostgreSQL tests drop and recreate every table of the database they are given and
    count the write lock's holders in it, so two workers must never share one.
    """
    import sqlalchemy as sa

    base = sa.engine.make_url(url)
    name = f"{base.database or 'msin_test'}_{worker}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def pytest_configure(config: pytest.Config) -> None:
    # Set before any test reads it, and inherited by every process a test starts.
    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("MSIN_TEST_POSTGRES_URL")
    if worker and url:
        os.environ["MSIN_TEST_POSTGRES_URL"] = _worker_database(url, worker)
        config.stash[_WORKER_DB] = (url, os.environ["MSIN_TEST_POSTGRES_URL"])


def pytest_unconfigure(config: pytest.Config) -> None:
    made = config.stash.get(_WORKER_DB, None)
    if made is not None:
        import sqlalchemy as sa

        admin = sa.create_engine(made[0], isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with admin.connect() as conn:
                name = sa.engine.make_url(made[1]).database
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``pytest -n N`` hands out whole files: module-scoped fixtures (a network of processes,
    a browser story, the demo run) then start once, not once on each worker."""
    if config.getoption("dist") != "load":
        return None  # an explicit --dist is the caller's choice
    from xdist.scheduler import LoadFileScheduling

    config.option.loadscopereorder = False  # the workers' order below
    return LoadFileScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, files with slow tests first, then the rest by number of tests, so no
    long file is left to run alone at the end. Every worker sorts alike (same collection)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    order = sorted(
        files.values(), key=lambda group: (not any(i.get_closest_marker("slow") for i in group), -len(group))
    )
    items[:] = [item for group in order for item in group]


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
