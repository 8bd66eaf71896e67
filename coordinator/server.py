"""Start-up and shutdown of the coordinator's gRPC server (mutual TLS only).

::

    with running(config) as port:          # the bound port (``listen`` may ask for port 0)
        ...                                 # serve until the block ends, then stop gracefully

    with CoordinatorServer(config) as server:   # the same, keeping the parts at hand
        server.port, server.service, server.store

    serve(config)                           # the CLI: block until SIGTERM/SIGINT

Shutdown first refuses new calls and ends event streams, then lets in-flight calls (a
batch being stored) finish for up to ``grace_seconds``. The health service reports
SERVING while running and NOT_SERVING while shutting down; server reflection lists the
coordinator and health services.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from types import FrameType, TracebackType

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from msin_fed import pki
from msin_fed.errors import ConfigError, NotAvailableError
from msin_fed.private_files import owner_only_log
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

from .audit import AuditLog
from .case_service import CaseService
from .case_servicer import CASE_POLICY, CasesServicer
from .checkpoints import Checkpointer
from .config import CoordinatorConfig, default_intake_workers
from .intake import IntakeWorkers
from .mail import AlertMailer
from .service import CoordinatorService, NarrativeVerifier
from .servicer import POLICY, CoordinatorServicer
from .store import SharedStore
from .store.notify import EventListener

__all__ = ["SERVICE_NAME", "CoordinatorServer", "load_verifier", "open_log", "running", "serve"]

log = logging.getLogger("msin_fed.coordinator")

SERVICE_NAME: str = pb.DESCRIPTOR.services_by_name["Coordinator"].full_name
CASES_SERVICE_NAME: str = pb.DESCRIPTOR.services_by_name["Cases"].full_name


def load_verifier() -> NarrativeVerifier:
    """The redaction verifier (loaded once, here, at start-up)."""
    try:
        from msin_fed.redaction import Redactor
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("msin_fed.redaction"):
            raise
        raise NotAvailableError("redaction verification is not available in this build") from None
    verifier: NarrativeVerifier = Redactor()
    return verifier


class CoordinatorServer:
    """The coordinator's gRPC server; a context manager that starts and stops it."""

    def __init__(
        self,
        config: CoordinatorConfig,
        *,
        verifier: NarrativeVerifier | None = None,
        store: SharedStore | None = None,
    ) -> None:
        self.config = config
        if config.crl is None:
            raise ConfigError(
                config.source, "server.crl", "is required to serve (the network CA's crl.pem): revocation must be checked"
            )
        self.identity = pki.load_identity(config.identity_dir)
        if self.identity.role != "coordinator":
            # Clients accept only a coordinator certificate as the coordinator.
            raise ConfigError(config.source, "server.identity_dir", "certificate is not a coordinator's")
        if verifier is None and config.verify_redaction:
            verifier = load_verifier()
        self._own_store = store is None
        self.store = store or SharedStore(config.store_url, serving=True, timeouts=config.store_timeouts)
        self.checkpointer = Checkpointer.from_config(config, self.store)
        self.audit = AuditLog(self.store, config.audit_head_file, self.checkpointer)
        n_workers = (
            default_intake_workers(verifier is not None) if config.intake_workers is None else config.intake_workers
        )
        # Workers load the standard verifier themselves when this server verifies at all.
        self.intake_workers = IntakeWorkers(n_workers, verifier is not None) if n_workers else None
        self.service = CoordinatorService(
            self.store,
            epoch=config.epoch,
            verifier=verifier,
            audit=self.audit,
            disclose_member_ids=config.disclose_member_ids,
            max_batch=config.max_batch,
            on_alert=AlertMailer(config.smtp) if config.smtp else None,
            max_streams=max(1, min(config.max_streams, config.workers - 4)),
            workers=self.intake_workers,
            intake_transactions=config.intake_transactions,
            member_streams=config.member_streams,
            analyst_streams=config.analyst_streams,
            member_calls_per_second=config.member_calls_per_second,
            insights=config.insights,
        )
        self.cases = CaseService(
            self.store, self.audit, config=config.cases, verifier=verifier, notify=self.service.notify
        )
        self.service.on_subscribe = self.cases.note_key
        self.service.on_withdrawn = self.cases.forget_record
        if self.checkpointer is not None:
            self.checkpointer.on_new = self.service.notify
        revocations = pki.RevocationList(
            config.crl, self.identity.ca_pem, number_file=config.crl_number_file
        )
        problem = revocations.problem()
        if problem is not None:
            # Serve anyway (health answers say why), so that fixing the file is enough.
            log.error("every call will be refused until the CRL is usable: %s", problem)
        options = pki.server_options(config.max_message_bytes)
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="coordinator"),
            interceptors=[pki.AuthInterceptor({**POLICY, **CASE_POLICY}, revocations)],
            options=options,
            maximum_concurrent_rpcs=config.workers * 8,
        )
        pb_grpc.add_CoordinatorServicer_to_server(  # type: ignore[no-untyped-call]
            CoordinatorServicer(self.service), self.server
        )
        pb_grpc.add_CasesServicer_to_server(  # type: ignore[no-untyped-call]
            CasesServicer(self.cases, self.service), self.server
        )
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, CASES_SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        try:
            self.port = self.server.add_secure_port(config.listen, pki.server_credentials(self.identity))
        except RuntimeError:
            self.port = 0
        if self.port == 0:
            self._release()
            raise ConfigError(config.source, "server.listen", pki.bind_error(config.listen))
        self._stopped = threading.Event()
        self._listener: EventListener | None = None

    def _release(self) -> None:
        """Let go of what the constructor opened, when it fails half way."""
        if self.intake_workers is not None:
            self.intake_workers.close()
        if self._own_store:
            self.store.close()

    def start(self) -> None:
        """Start serving."""
        self.server.start()
        # Several processes on one PostgreSQL: streams here wake on events committed there.
        self._listener = self.store.listen_events(self.service.notify)
        if self.checkpointer is not None:
            self.checkpointer.start()
        for name in ("", SERVICE_NAME):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("coordinator listening on port %d", self.port)

    def stop(self, grace: float | None = None) -> None:
        """Refuse new calls, end streams, let in-flight calls finish, release the store."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.health.enter_graceful_shutdown()
        self.service.close()
        self.server.stop(self.config.grace_seconds if grace is None else grace).wait()
        if self.checkpointer is not None:
            self.checkpointer.stop()  # and a last checkpoint of the head members get on resuming
        if self.intake_workers is not None:
            self.intake_workers.close()
        if self._listener is not None:
            self._listener.close()
        self.store.close()
        log.info(self.service.intake_summary())
        log.info("coordinator stopped")

    def wait(self) -> None:
        """Block until the server stops."""
        self.server.wait_for_termination()

    def __enter__(self) -> CoordinatorServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextmanager
def running(config: CoordinatorConfig, *, verifier: NarrativeVerifier | None = None) -> Iterator[int]:
    """Run a coordinator for the duration of the block; yields the bound port."""
    with CoordinatorServer(config, verifier=verifier) as server:
        yield server.port


def open_log(path: str | os.PathLike[str]) -> logging.Handler:
    """Send the ``msin_fed`` logs to ``path`` too (created owner-only); returns the handler."""
    handler = owner_only_log(path, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("msin_fed").addHandler(handler)
    logging.getLogger("msin_fed").setLevel(logging.INFO)
    return handler


def serve(config: CoordinatorConfig) -> int:
    """Serve until SIGTERM or SIGINT, then shut down gracefully. Returns an exit code."""
    if config.log_file is not None:
        open_log(config.log_file)
        # The log goes to its file only: propagated to the console handler as well, every
        # line was written twice wherever standard error is kept (the demo, the journal).
        logging.getLogger("msin_fed").propagate = False
    server = CoordinatorServer(config)
    # Everything loaded so far (Presidio and spaCy models, config) lives as long as the
    # process: keep it out of the collector's way so collections during intake stay short.
    gc.freeze()
    # A batch of 500 records allocates tens of thousands of short-lived tuples: at the
    # default threshold (700) the young generation was collected every few records and
    # its survivors, the batch in flight, scanned again and again (about 7% of unverified
    # intake's CPU). Cycles are rare here; collect them less often.
    gc.set_threshold(50_000, 20, 20)
    server.start()
    done = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: shutting down", signum)
        done.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        print(f"coordinator listening on port {server.port}", flush=True)
        while not done.wait(0.5):
            pass
    finally:
        server.stop()
        for s, handler_ in previous.items():
            signal.signal(s, handler_)
    return 0
