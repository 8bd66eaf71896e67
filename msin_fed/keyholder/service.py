"""The key-holder gRPC service: a thin servicer over :mod:`msin_fed.oprf`.

Callers are identified by their certificate (:func:`msin_fed.pki.peer_of`); only members
(and admins, if configured) may call Evaluate, and only if the quorum-signed roster
(:mod:`msin_fed.keyholder.membership`) lists their id with their certificate's key: the
CA alone cannot make a member. Budgets are per roster member and durable
(:mod:`msin_fed.keyholder.usage`). The log records counts per member, never inputs,
elements or keys.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from msin_fed import oprf, pki
from msin_fed.errors import ConfigError, ValidationError
from msin_fed.keyholder.config import KeyHolderConfig
from msin_fed.keyholder.limits import MemberLimits
from msin_fed.keyholder.membership import Admission, Membership
from msin_fed.keyholder.roster import guesses_per_day
from msin_fed.keyholder.usage import UsageStore
from msin_fed.private_files import owner_only_log
from msin_fed.proto import keyholder_pb2, keyholder_pb2_grpc
from msin_fed.threshold import KeyShare, load_share

__all__ = ["KeyHolderServicer", "RunningServer", "load_shares", "running"]

log = logging.getLogger("msin_fed.keyholder")

SERVICE_NAME = "msin.v1.KeyHolder"

#: Roles that may see the summed usage of all members (STTG's analysts and oversight).
TOTALS_ROLES: frozenset[str] = frozenset({"analyst", "advisory", "admin"})


def load_shares(config: KeyHolderConfig) -> dict[int, KeyShare]:
    """The shares of the configuration, by epoch; one dealing's shape across epochs is not
    required, but each epoch appears once."""
    shares: dict[int, KeyShare] = {}
    for path in config.share_files:
        share = load_share(path)
        if share.epoch in shares:
            raise ConfigError(str(path), "epoch", f"epoch {share.epoch} is configured twice")
        shares[share.epoch] = share
    return shares


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    context.abort(code, message)
    raise AssertionError("unreachable")  # pragma: no cover - abort raises


def _caller_certificate(context: grpc.ServicerContext) -> bytes:
    pems: Any = context.auth_context().get("x509_pem_cert") or []
    if not pems or not isinstance(pems, list):
        _abort(context, grpc.StatusCode.UNAUTHENTICATED, "no client certificate")
    return bytes(pems[0])


class KeyHolderServicer(keyholder_pb2_grpc.KeyHolderServicer):
    """Evaluates blinded elements under this holder's share of each epoch's key."""

    def __init__(
        self,
        shares: Mapping[int, KeyShare],
        limits: MemberLimits,
        membership: Membership,
        max_batch: int = oprf.MAX_BATCH,
    ) -> None:
        if not shares:
            raise ValidationError("shares", "at least one key share is needed")
        self._shares = dict(shares)
        self._current = max(self._shares)
        self._limits = limits
        self._membership = membership
        self._max_batch = max_batch

    def _admit(self, context: grpc.ServicerContext) -> Admission:
        peer = pki.peer_of(context)
        admission = self._membership.admit(peer.name, _caller_certificate(context))
        if admission.member is None:
            log.warning("refused unrostered caller role=%s", peer.role)
            _abort(context, grpc.StatusCode.PERMISSION_DENIED, admission.reason)
        return admission

    def _bound(self, budget: int) -> int:
        public = self._shares[self._current].public
        return guesses_per_day(budget, public.holders, public.threshold)

    def _share(self, epoch: int, context: grpc.ServicerContext) -> KeyShare:
        share = self._shares.get(epoch or self._current)
        if share is None:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"epoch: unknown key epoch {epoch}")
        return share

    def Evaluate(
        self, request: keyholder_pb2.EvaluateRequest, context: grpc.ServicerContext
    ) -> keyholder_pb2.EvaluateResponse:
        admission = self._admit(context)
        assert admission.member is not None
        member_id = admission.member.member_id
        share = self._share(request.epoch, context)
        elements = list(request.blinded_elements)
        if not elements:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "blinded_elements: empty batch, no blinded elements")
        if len(elements) > self._max_batch:
            _abort(
                context,
                grpc.StatusCode.INVALID_ARGUMENT,
                f"blinded_elements: batch of {len(elements)} elements exceeds the maximum of {self._max_batch}",
            )
        for i, element in enumerate(elements):
            try:
                oprf.deserialize_element(element, f"blinded_elements[{i}]")
            except ValidationError as exc:
                _abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        refusal = self._limits.charge(member_id, len(elements), admission.budget)
        if refusal is not None:
            log.warning(
                "refused member=%s elements=%d reason=%s", member_id, len(elements), refusal.reason
            )
            _abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, refusal.reason)
        evaluated, proof = oprf.blind_evaluate_batch(share.secret, share.public_share, elements)
        log.info("evaluated member=%s elements=%d epoch=%d", member_id, len(elements), share.epoch)
        return keyholder_pb2.EvaluateResponse(
            epoch=share.epoch,
            share_index=share.index,
            evaluated_elements=evaluated,
            proof=proof,
        )

    def GetPublicKey(
        self, request: keyholder_pb2.GetPublicKeyRequest, context: grpc.ServicerContext
    ) -> keyholder_pb2.PublicKeyInfo:
        share = self._shares[self._current]
        return keyholder_pb2.PublicKeyInfo(
            epoch=share.epoch,
            share_index=share.index,
            public_share=share.public_share,
            threshold=share.public.threshold,
            holders=share.public.holders,
        )


    def GetUsage(
        self, request: keyholder_pb2.GetUsageRequest, context: grpc.ServicerContext
    ) -> keyholder_pb2.MemberUsage:
        admission = self._admit(context)
        assert admission.member is not None
        usage = self._limits.usage.usage(admission.member.member_id, admission.budget)
        roster = self._membership.roster
        return keyholder_pb2.MemberUsage(
            member_id=usage.member_id,
            day=usage.day.isoformat(),
            used=usage.used,
            refused=usage.refused,
            daily_budget=usage.daily_budget,
            resets_at=usage.resets_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            roster_version=roster.version if roster else 0,
            network_daily_bound=self._bound(admission.budget),
        )

    def GetUsageTotals(
        self, request: keyholder_pb2.GetUsageTotalsRequest, context: grpc.ServicerContext
    ) -> keyholder_pb2.UsageTotals:
        totals = self._limits.usage.totals()
        roster = self._membership.roster
        return keyholder_pb2.UsageTotals(
            day=totals.day.isoformat(),
            members_rostered=len(roster.members) if roster else 0,
            members_active=totals.members_active,
            members_refused=totals.members_refused,
            elements=totals.elements,
            refusals=totals.refused,
            roster_version=roster.version if roster else 0,
        )


@dataclass(frozen=True)
class RunningServer:
    """A started key-holder server: its bound port and current epoch and share."""

    port: int
    epoch: int
    share_index: int
    server: grpc.Server


def _attach_log_file(path: str) -> logging.Handler:
    handler = owner_only_log(path, "%(asctime)s %(levelname)s %(message)s")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return handler


@contextmanager
def running(
    config: KeyHolderConfig,
    *,
    grace: float = 2.0,
    servicer_class: type[KeyHolderServicer] | None = None,
) -> Iterator[RunningServer]:
    """Start a key holder as configured; yields once it listens, stops gracefully after.

    ``servicer_class`` replaces the servicer (tests use it to stage a dishonest holder).
    """
    identity = pki.load_identity(config.identity_dir)
    if identity.role != "keyholder":
        raise ConfigError(str(config.identity_dir), "identity_dir", "certificate is not a keyholder's")
    shares = load_shares(config)
    dealt = shares[max(shares)].public
    if config.roster.threshold < dealt.threshold:
        # Fewer signers than evaluators would let a smaller coalition admit a member
        # than the one the key's threshold protects against.
        raise ConfigError(
            "configuration", "roster.threshold",
            f"must be at least the dealing's threshold ({dealt.threshold})",
        )
    with ExitStack() as cleanup:
        if config.log_path:
            handler = _attach_log_file(str(config.log_path))
            cleanup.callback(handler.close)
            cleanup.callback(log.removeHandler, handler)
        usage = UsageStore(config.usage_db)
        cleanup.callback(usage.close)
        membership = Membership(config.roster, usage)
        limits = MemberLimits(config.rate_limit_per_second, config.burst, usage)
        servicer = (servicer_class or KeyHolderServicer)(shares, limits, membership)
        if config.crl is None:
            raise ConfigError("configuration", "crl", "is required: revocation must be checked")
        revocations = pki.RevocationList(config.crl, identity.ca_pem, number_file=config.crl_number_file)
        problem = revocations.problem()
        if problem is not None:
            # Serve anyway (every answer says why), so that fixing the file is enough.
            log.error("every call will be refused until the CRL is usable: %s", problem)
        policy = {
            "Evaluate": config.allowed_roles,
            "GetUsage": config.allowed_roles,
            "GetUsageTotals": TOTALS_ROLES,
        }
        server = grpc.server(
            ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="keyholder"),
            interceptors=[pki.AuthInterceptor(policy, revocations)],
            options=[
                *pki.server_options(),
                # Clients ping every 30 s (pki.channel_options); accept that instead of
                # answering GOAWAY "too_many_pings" to long-lived node channels.
                ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
                ("grpc.http2.max_ping_strikes", 0),
            ],
        )
        keyholder_pb2_grpc.add_KeyHolderServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
        health_servicer = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        try:
            port = server.add_secure_port(config.listen, pki.server_credentials(identity))
        except RuntimeError:
            port = 0
        if port == 0:
            raise ConfigError("configuration", "listen", pki.bind_error(config.listen))
        server.start()
        health_servicer.set(SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING)
        current = shares[max(shares)]
        log.info("listening port=%d epoch=%d share=%d", port, current.epoch, current.index)
        try:
            yield RunningServer(port, current.epoch, current.index, server)
        finally:
            health_servicer.enter_graceful_shutdown()
            server.stop(grace).wait()
