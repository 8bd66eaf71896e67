"""Alembic migrations of the shared database (run by :func:`..migrate.upgrade` at start).

A schema change is a new file in ``versions/`` whose ``down_revision`` is the latest one,
plus the same change in :mod:`..schema`; ``tests/coordinator/test_migrations.py`` checks
that the two agree and that a store of every earlier shape upgrades in place.
"""
