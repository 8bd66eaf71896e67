"""The member node: secure store, sharing workflow, outbox and inbox (installed as ``msin_fed.node``)."""
