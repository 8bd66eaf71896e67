"""STTG's coordinator: gRPC service, shared store, matching, alerts, audit (installed as ``msin_fed.coordinator``).

Modules, from the wire inwards (each readable in one sitting):

- :mod:`.server`    start-up/shutdown: ``running(config)`` yields the bound port; ``serve(config)``
- :mod:`.servicer`  thin gRPC servicer, the per-method role ``POLICY`` and the one error -> status map
- :mod:`.service`   the rules: intake checks, disclosure, events, alerts, withdrawal, actions
- :mod:`.matching`  ``MatchEngine``: incremental cross-member matching and clusters, usable in-process
- :mod:`.store`     ``SharedStore``: SQLAlchemy Core tables on SQLite (WAL) or PostgreSQL, read methods
- :mod:`.audit`     the append-only hash-chained audit log and its verifier
- :mod:`.config`    the TOML configuration
- :mod:`.mail`      optional alert e-mail over SMTP

Nothing is imported here so that ``msin_fed.coordinator.store`` or ``.matching`` can be
used without loading gRPC.
"""
