"""Node-side tokenization: typed input bytes in, 64-byte blind tokens out.

:class:`Tokenizer` runs RFC 9497 VOPRF against ``t`` of ``n`` key holders over mutual
TLS: it blinds a batch, asks ``t`` holders concurrently, verifies each holder's batched
DLEQ proof against that holder's public share, falls back to another holder when one
fails (naming it), combines the ``t`` evaluations by Lagrange interpolation in the
exponent (folded into unblinding), and finalizes. The result equals
``msin_fed.oprf.evaluate(k, input)`` for the epoch's key ``k``, which nobody holds.

:class:`LocalTokenizer` computes the same tokens in process from a whole key, for
``msin link``, demos and tests.

Tokens already seen can be served from a :class:`TokenCache` (the node's encrypted store
implements it; :class:`MemoryTokenCache` is the in-memory one). Cache keys are
``I2OSP(epoch, 4) || input`` so epochs never mix.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import grpc

from msin_fed import oprf, pki
from msin_fed.errors import (
    InvalidProof,
    KeyHoldersUnavailable,
    MsinError,
    RemoteError,
    TokenError,
    ValidationError,
)
from msin_fed.oprf import _group as G
from msin_fed.proto import keyholder_pb2, keyholder_pb2_grpc
from msin_fed.threshold import PublicDealing, combine_in_exponent, lagrange_coefficients

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "HolderEndpoint",
    "LocalTokenizer",
    "MemoryTokenCache",
    "TokenCache",
    "Tokenizer",
    "cache_key",
]

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 2048


class TokenCache(Protocol):
    """Where a node keeps tokens it has already obtained (keys from :func:`cache_key`)."""

    def get_many(self, keys: Sequence[bytes]) -> Mapping[bytes, bytes]:
        """The cached tokens of those ``keys`` that are present."""
        ...

    def put_many(self, items: Mapping[bytes, bytes]) -> None:
        """Store tokens by key."""
        ...


def cache_key(epoch: int, input: bytes) -> bytes:
    """The cache key of one input under one epoch."""
    return epoch.to_bytes(4, "big") + input


class MemoryTokenCache:
    """An in-memory :class:`TokenCache`, dropping the oldest entries beyond ``max_entries``."""

    def __init__(self, max_entries: int = 1_000_000) -> None:
        self._items: dict[bytes, bytes] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        with self._lock:
            return {k: self._items[k] for k in keys if k in self._items}

    def put_many(self, items: Mapping[bytes, bytes]) -> None:
        with self._lock:
            self._items.update(items)
            while len(self._items) > self._max:
                del self._items[next(iter(self._items))]

    def __len__(self) -> int:
        return len(self._items)


def _check_inputs(inputs: Sequence[bytes]) -> None:
    for i, x in enumerate(inputs):
        if not isinstance(x, bytes):
            raise ValidationError(f"inputs[{i}]", "must be bytes")
        if len(x) > 0xFFFF:
            raise ValidationError(f"inputs[{i}]", "must be at most 65535 bytes")


class LocalTokenizer:
    """Tokens from a whole key held in this process (``msin link``, demos, tests)."""

    def __init__(self, sk: bytes, epoch: int = 1) -> None:
        self._sk = oprf.deserialize_scalar(sk, "secret key")
        if not 1 <= epoch < 2**32:
            raise ValidationError("epoch", "must be a positive 32-bit integer")
        self._epoch = epoch

    @property
    def epoch(self) -> int:
        """The key epoch every token of this tokenizer belongs to."""
        return self._epoch

    def tokenize(self, inputs: Sequence[bytes]) -> list[bytes]:
        """64-byte tokens of ``inputs``, in order."""
        _check_inputs(inputs)
        return [oprf.evaluate(self._sk, x) for x in inputs]

    def __repr__(self) -> str:
        return f"LocalTokenizer(epoch={self._epoch})"


@dataclass(frozen=True, slots=True)
class HolderEndpoint:
    """A key holder to call: the name in its certificate, and its ``host:port``.

    The channel accepts only a keyholder-role certificate with this name from the
    network CA (:func:`msin_fed.pki.secure_channel`), whatever ``target`` answers.
    """

    name: str
    target: str


@dataclass(frozen=True, slots=True)
class _HolderKey:
    index: int
    public_share: bytes


class _Holder:
    def __init__(self, endpoint: HolderEndpoint, identity: pki.Identity) -> None:
        self.endpoint = endpoint
        self.name = endpoint.name
        self.channel = pki.secure_channel(endpoint.target, identity, role="keyholder", name=endpoint.name)
        self.stub = keyholder_pb2_grpc.KeyHolderStub(self.channel)  # type: ignore[no-untyped-call]
        self.key: _HolderKey | None = None


def describe_holder_problem(name: str, address: str, error: BaseException | None) -> str:
    """One holder and what went wrong with it, for the message when too few answered."""
    if isinstance(error, InvalidProof):
        return (f"{name} at {address}: bad proof (its evaluation or public share fails its proof "
                "against the pinned dealing)")
    if isinstance(error, RemoteError):
        details = error.details
        if error.unreachable:
            return f"{name} unreachable at {address}"
        if error.code == "DEADLINE_EXCEEDED":
            return f"{name} at {address} did not answer in time"
        return f"{name} at {address} refused with {error.code or 'an error'}: {details}"
    if error is None:
        return f"{name} at {address}: not asked (its public share is not known yet)"
    return f"{name} at {address}: {error}"


def _remote_error(exc: grpc.RpcError) -> RemoteError:
    code = exc.code().name if hasattr(exc, "code") else ""
    details = exc.details() if hasattr(exc, "details") else str(exc)
    return RemoteError(details or "call failed", code)


class Tokenizer:
    """Blind tokens from ``threshold`` of the key holders given, proofs verified.

    Holders that could not be reached when the tokenizer started are asked for their
    public share again at most every ``RETRY_SECONDS``.

    ``public`` pins the dealing's public shares (``public.json`` from the dealer), which
    is what makes a proof meaningful; without it the holders' own ``GetPublicKey``
    answers are used and checked for consistency when more than ``threshold`` answer.
    ``epoch`` None means the holders' current epoch.
    """

    RETRY_SECONDS = 30.0

    def __init__(
        self,
        holders: Sequence[HolderEndpoint],
        threshold: int,
        identity: pki.Identity,
        epoch: int | None = None,
        cache: TokenCache | None = None,
        *,
        public: PublicDealing | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        workers: int = 2,
        timeout: float = 60.0,
    ) -> None:
        names = [h.name for h in holders]
        if len(set(names)) != len(names):
            raise ValidationError("holders", "names must be distinct")
        if not 1 <= threshold <= len(holders):
            raise ValidationError("threshold", "must be between 1 and the number of holders")
        if not 1 <= batch_size <= oprf.MAX_BATCH:
            raise ValidationError("batch_size", f"must be between 1 and {oprf.MAX_BATCH}")
        if public is not None:
            if public.threshold != threshold:
                raise ValidationError(
                    "threshold",
                    f"threshold {threshold} is configured but the pinned dealing has threshold {public.threshold}",
                )
            if epoch is not None and epoch != public.epoch:
                raise ValidationError(
                    "epoch", f"epoch {epoch} is configured but the pinned dealing has epoch {public.epoch}"
                )
            epoch = public.epoch
        self._holders = [_Holder(h, identity) for h in holders]
        self._threshold = threshold
        self._epoch = epoch
        self._public = public
        self._cache = cache
        self._batch_size = batch_size
        self._timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="tokenize")
        self._setup_lock = threading.Lock()
        self._ready = False
        self._last_setup = 0.0
        self._stats_lock = threading.Lock()
        #: Failed calls per holder name since start (used to route around bad holders).
        self.failures: Counter[str] = Counter()
        #: The most recent error per holder name (an InvalidProof names the holder).
        self.last_errors: dict[str, MsinError] = {}

    # --- set-up ---------------------------------------------------------------------

    @property
    def epoch(self) -> int:
        """The key epoch of every token this tokenizer returns."""
        self._setup()
        assert self._epoch is not None
        return self._epoch

    @property
    def threshold(self) -> int:
        return self._threshold

    def _setup(self) -> None:
        with self._setup_lock:
            missing = [h for h in self._holders if h.key is None]
            if self._ready and (
                not missing or time.monotonic() - self._last_setup < self.RETRY_SECONDS
            ):
                return
            infos: dict[str, keyholder_pb2.PublicKeyInfo] = {}
            errors: list[str] = []
            futures = [
                (h, h.stub.GetPublicKey.future(keyholder_pb2.GetPublicKeyRequest(), timeout=10))
                for h in missing
            ]
            for h, fut in futures:
                try:
                    infos[h.name] = fut.result()
                except grpc.RpcError as exc:
                    self._record(h.name, _remote_error(exc))
                    errors.append(f"{h.name}: {_remote_error(exc)}")
            self._adopt_keys(infos, errors)
            self._last_setup = time.monotonic()
            self._ready = True

    def _adopt_keys(self, infos: Mapping[str, keyholder_pb2.PublicKeyInfo], errors: list[str]) -> None:
        if self._epoch is None:
            epochs = {i.epoch for i in infos.values()}
            if len(epochs) > 1:
                raise TokenError(f"key holders disagree on the current epoch: {sorted(epochs)}")
            if not epochs:
                raise KeyHoldersUnavailable("no key holder answered: " + "; ".join(
                    describe_holder_problem(h.name, h.endpoint.target, self.last_errors.get(h.name))
                    for h in self._holders if h.key is None
                ))
            self._epoch = epochs.pop()
        for h in self._holders:
            info = infos.get(h.name)
            if info is None or info.epoch != self._epoch:
                continue
            if info.threshold != self._threshold:
                raise TokenError(f"key holder {h.name!r} serves a {info.threshold}-of-n dealing")
            share = oprf.deserialize_element(bytes(info.public_share), "public share")
            if self._public is not None:
                pinned = self._public.public_shares.get(info.share_index)
                if pinned != share:
                    self._record(h.name, InvalidProof(h.name))
                    log.warning("key holder %s serves a share off the pinned dealing", h.name)
                    continue
            h.key = _HolderKey(info.share_index, share)
        known = {h.name: h.key for h in self._holders if h.key is not None}
        indices = [k.index for k in known.values()]
        if len(set(indices)) != len(indices):
            raise TokenError("two key holders claim the same share index")
        if self._public is None:
            log.warning("key holders' public shares are not pinned (no public dealing given)")
            if len(known) > self._threshold:
                shares = {k.index: k.public_share for k in known.values()}
                base = dict(list(shares.items())[: self._threshold])
                for j, p in shares.items():
                    if j not in base and combine_in_exponent(base, at=j) != p:
                        raise TokenError("key holders' public shares are inconsistent")

    def _record(self, name: str, error: MsinError) -> None:
        with self._stats_lock:
            self.failures[name] += 1
            self.last_errors[name] = error

    # --- tokenizing -----------------------------------------------------------------

    def tokenize(self, inputs: Sequence[bytes]) -> list[bytes]:
        """64-byte tokens of ``inputs`` (typed token-input bytes), in the same order."""
        _check_inputs(inputs)
        if not inputs:
            return []
        self._setup()
        epoch = self.epoch
        unique = list(dict.fromkeys(inputs))
        found: dict[bytes, bytes] = {}
        if self._cache is not None:
            hits = self._cache.get_many([cache_key(epoch, x) for x in unique])
            found = {x: hits[cache_key(epoch, x)] for x in unique if cache_key(epoch, x) in hits}
        missing = [x for x in unique if x not in found]
        chunks = [
            missing[i : i + self._batch_size] for i in range(0, len(missing), self._batch_size)
        ]
        fresh: dict[bytes, bytes] = {}
        for chunk, tokens in zip(chunks, self._pool.map(self._tokenize_chunk, chunks), strict=True):
            fresh.update(zip(chunk, tokens, strict=True))
        if self._cache is not None and fresh:
            self._cache.put_many({cache_key(epoch, x): t for x, t in fresh.items()})
        found.update(fresh)
        return [found[x] for x in inputs]

    def _ordered_holders(self) -> list[_Holder]:
        usable = [h for h in self._holders if h.key is not None]
        with self._stats_lock:
            return sorted(usable, key=lambda h: self.failures[h.name])

    def _tokenize_chunk(self, chunk: Sequence[bytes]) -> list[bytes]:
        assert self._epoch is not None
        blinds, blinded = [], []
        for x in chunk:
            r, c = oprf.blind(x)
            blinds.append(r)
            blinded.append(c)
        evaluations = self._evaluate(blinded)
        coeffs = lagrange_coefficients(evaluations)
        inverses = G.batch_invert(blinds)
        # Lagrange coefficient and unblinding fold into one scalar per (holder, element):
        # t scalar multiplications per token instead of t + 1.
        tokens = []
        for i, (x, inv) in enumerate(zip(chunk, inverses, strict=True)):
            acc = b""
            for j, d in evaluations.items():
                term = G.scalar_mult(G.scalar_mul(coeffs[j], inv), d[i])
                acc = term if not acc else G.add(acc, term)
            tokens.append(oprf.finalize_unblinded(x, acc))
        return tokens

    def _evaluate(self, blinded: list[bytes]) -> dict[int, list[bytes]]:
        """Evaluations of ``t`` holders whose proofs verified, by share index."""
        request = keyholder_pb2.EvaluateRequest(epoch=self._epoch or 0, blinded_elements=blinded)
        candidates = self._ordered_holders()
        done: queue.Queue[tuple[_Holder, Any]] = queue.Queue()
        pending = 0

        def start(h: _Holder) -> None:
            fut = h.stub.Evaluate.future(request, timeout=self._timeout)
            fut.add_done_callback(lambda f, h=h: done.put((h, f)))

        for h in candidates[: self._threshold]:
            start(h)
            pending += 1
        spare = candidates[self._threshold :]
        good: dict[int, list[bytes]] = {}
        failed: dict[str, MsinError] = {}
        while len(good) < self._threshold and pending:
            h, fut = done.get()
            pending -= 1
            try:
                good[h.key.index] = self._check_response(h, blinded, fut)  # type: ignore[union-attr]
            except MsinError as exc:
                self._record(h.name, exc)
                log.warning("key holder %s failed: %s", h.name, type(exc).__name__)
                failed[h.name] = exc
                if spare:
                    start(spare.pop(0))
                    pending += 1
        if len(good) < self._threshold:
            # Name every holder that gave nothing: those asked now, and those left out
            # because their public share could not be had (unreachable, off the dealing).
            problems = []
            for h in self._holders:
                if h.name in failed:
                    problems.append(describe_holder_problem(h.name, h.endpoint.target, failed[h.name]))
                elif h.key is None:
                    with self._stats_lock:
                        last = self.last_errors.get(h.name)
                    problems.append(describe_holder_problem(h.name, h.endpoint.target, last))
            raise KeyHoldersUnavailable(
                f"{len(good)} of the {self._threshold} key holders needed gave a verified "
                "evaluation: " + "; ".join(problems or ["no key holder is configured"])
            )
        return good

    def _check_response(self, h: _Holder, blinded: list[bytes], fut: Any) -> list[bytes]:
        try:
            resp: keyholder_pb2.EvaluateResponse = fut.result()
        except grpc.RpcError as exc:
            raise _remote_error(exc) from None
        key = h.key
        assert key is not None
        if resp.epoch != self._epoch or resp.share_index != key.index:
            raise InvalidProof(h.name)
        if len(resp.evaluated_elements) != len(blinded):
            raise InvalidProof(h.name)
        try:
            evaluated = [oprf.deserialize_element(bytes(e)) for e in resp.evaluated_elements]
        except ValidationError:
            raise InvalidProof(h.name) from None
        if not oprf.verify_proof(oprf.GENERATOR, key.public_share, blinded, evaluated, resp.proof):
            raise InvalidProof(h.name)
        return evaluated

    def close(self) -> None:
        """Close the channels and the worker threads."""
        self._pool.shutdown(wait=True)
        for h in self._holders:
            h.channel.close()

    def __enter__(self) -> Tokenizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Tokenizer(holders={len(self._holders)}, threshold={self._threshold})"
