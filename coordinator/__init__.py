"""STTG's coordinator: gRPC service, shared store, matching, alerts, audit (installed as ``msin_fed.coordinator``)."""
