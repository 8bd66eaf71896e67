"""On PostgreSQL the store hands out its most recently returned session first, so intake
keeps to a few warm sessions (statements prepared, caches filled) rather than rotating
through every idle one. Played on a real server: the backend each checkout lands on."""

from __future__ import annotations

import pytest
from msin_fed.coordinator.store import SharedStore

# The conftest's store, on PostgreSQL only.
pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("store", ["postgres"], indirect=True)]


def _backend(store: SharedStore) -> int:
    with store.read() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def test_the_session_returned_last_is_the_one_handed_out_next(store: SharedStore) -> None:
    with store.read() as first:
        first_pid = int(first.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        with store.read() as second:
            second_pid = int(second.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        # second is back in the pool first, then first: in first-in-first-out order the
        # next checkout would be second's session.
    assert first_pid != second_pid
    assert [_backend(store) for _ in range(3)] == [first_pid] * 3
