"""Alembic's entry point: migrate the connection :func:`..migrate.upgrade` hands over.

There is no ``alembic.ini`` and no command to remember: the coordinator runs this at start.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
