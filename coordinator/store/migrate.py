"""Bring a store's schema to the current revision, at every start (Alembic, in process).

Nobody runs a migration command: :func:`upgrade` runs when a :class:`.SharedStore` opens.
On PostgreSQL it holds an advisory lock meanwhile, so coordinator processes starting
together migrate once, one after the other. A store already at the latest revision costs
one query.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from .engine import MIGRATE_LOCK

__all__ = ["current_revision", "head_revision", "upgrade"]

log = logging.getLogger("msin_fed.coordinator")

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def head_revision() -> str:
    """The latest revision this version of the code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision a store is at (None: new, or written before migrations)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate the store behind ``engine`` to :func:`head_revision` (nothing when it is)."""
    if current_revision(engine) == head_revision():
        return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Until this transaction ends; the second process then finds the store migrated.
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK})")
        before = MigrationContext.configure(conn).get_current_revision()
        if before == head_revision():
            return
        config = _config()
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, "head")
        finally:
            config.attributes.pop("connection", None)
    log.info("store schema migrated from %s to %s", before or "(none)", head_revision())
